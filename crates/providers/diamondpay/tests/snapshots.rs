//! Wire-format snapshots of diamondpay: canonical string, signature and body (or query string and
//! headers) of a fixed request per operation; parsed forms of every fixture (seed 000/001/003
//! examples verbatim, constructed query, balance and notification bodies signed with
//! `diamondpay-test-key`), error paths included; bad input refused naming the field.

use paywire::received::Object;
use paywire::serde_json::value::RawValue;
use paywire::{
    CanonicalString, CommonStatus, Credentials, Method, Money, NotificationError, PreparedRequest,
    Response, ResponseError, Secret,
};
use paywire_diamondpay::*;

/// The key the constructed fixtures were signed with (tests/fixtures/README.md).
const SECRET: &str = "diamondpay-test-key";
/// The merchant's ID sent as the `Authorization` header of query and balance calls.
const AUTHORIZATION: &str = "PF0002-AUTH-7c1e";

fn secret() -> Secret {
    Secret::new(SECRET)
}

fn creds() -> Credentials {
    Credentials::new(secret()).with("authorization", Secret::new(AUTHORIZATION))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("UTF-8 fixture")
}

/// The body `prepare` sent, as received JSON (what the gateway reads).
fn sent(prepared: &PreparedRequest) -> Object {
    Object::from_json(prepared.body.as_deref().expect("a JSON body").as_bytes()).unwrap()
}

/// Pin the three stages of a signed request separately: its canonical string (from the request,
/// under `profile`), and the signature and body `prepare` gave.
fn pin(name: &str, prepared: &PreparedRequest, profile: Profile, canonical: &CanonicalString) {
    // The signature sent is the digest of this exact string under the profile.
    let mut digest = profile.digester(&secret());
    digest.text(canonical.expose());
    assert_eq!(
        Some(profile.finish(digest)),
        prepared.signature,
        "{name}: the canonical string is the one signed"
    );
    // And the body verifies as the gateway would check it.
    profile.verify_received(&sent(prepared), &secret()).unwrap();
    insta::assert_snapshot!(format!("{name}_canonical"), canonical.masked());
    insta::assert_snapshot!(
        format!("{name}_signature"),
        prepared.signature.as_ref().expect("signed").to_string()
    );
    insta::assert_snapshot!(
        format!("{name}_body"),
        prepared.body.clone().expect("a JSON body")
    );
    assert!(prepared.query.is_none());
    assert_eq!(prepared.content_type, Some("application/json"));
    // The key never shows outside the exact canonical string (HMAC: not even there).
    assert_eq!(
        canonical.expose().contains(SECRET),
        canonical.masked().contains("****")
    );
    assert!(!canonical.masked().contains(SECRET));
    assert!(!canonical.to_string().contains(SECRET));
    assert!(!format!("{canonical:?}").contains(SECRET));
    assert!(!format!("{prepared:?}").contains(SECRET));
}

/// Pin an unsigned GET: its query string and its headers (values masked); no signature.
fn pin_unsigned(name: &str, prepared: &PreparedRequest) {
    assert_eq!(prepared.method, Method::Get);
    assert!(prepared.signature.is_none(), "unsigned: no signature");
    assert!(prepared.body.is_none());
    let query = prepared.query.clone().expect("a query string");
    assert!(!query.contains("sign"), "{query}");
    if !query.is_empty() {
        let sent = Object::from_form(query.as_bytes()).unwrap();
        assert!(sent.get("sign").is_none() && sent.get("sign_type").is_none());
    }
    insta::assert_snapshot!(format!("{name}_query"), query);
    let headers: Vec<String> = prepared
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    insta::assert_snapshot!(format!("{name}_headers"), headers.join("\n"));
    assert_eq!(prepared.headers.len(), 1);
    assert_eq!(prepared.headers[0].0, "Authorization");
    assert_eq!(prepared.headers[0].1.expose(), AUTHORIZATION);
    assert!(!format!("{prepared:?}").contains(AUTHORIZATION));
}

/// Seed 000's request example, field for field.
fn payout_twd() -> CreatePayoutTwdRequest {
    CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id("DEVPOT00143538")
        .amount(Money::from_minor(50000))
        .notify_url("https://xxx.xx/notification")
        .bank_code("812")
        .number("4088748280272397")
        .name("test_name")
        .currency("twd")
        .request_time(1595504997)
        .build()
        .expect("valid TWD payout")
}

/// Seed 001's request example, field for field.
fn payout_cny_bank() -> CreatePayoutCnyBankRequest {
    CreatePayoutCnyBankRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id("DEVPOT00143538")
        .amount(Money::from_minor(50000))
        .notify_url("https://xxx.xx/notification")
        .bank_name("中国农业银行")
        .name("test_name")
        .number("test")
        .request_time(1595504997)
        .build()
        .expect("valid CNY bank payout")
}

fn payout_inr() -> CreatePayoutInrRequest {
    CreatePayoutInrRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0058")
        .platform_channel_id("PC0007")
        .payout_cl_id("DEVPOT00143540")
        .amount(Money::from_minor(150000))
        .notify_url("https://merchant.example/notify/payout")
        .ifsc_code("SBIN0001234")
        .name("Ravi Kumar")
        .number("001234567890")
        .currency("inr")
        .request_time(1766005900)
        .build()
        .expect("valid INR payout")
}

fn deposit() -> CreateDepositTwdAtmRequestBuilder {
    // Seed 003's request example, with the `name` its table requires (its example omits it) and
    // the optional bank_code.
    CreateDepositTwdAtmRequest::builder()
        .platform_id("PF0003")
        .service_id("SVC0025")
        .payment_cl_id("test_tw_card_1766005863_25")
        .amount(Money::from_minor(48389))
        .last_numbers(["12345", "67890", "11111"])
        .bank_code("812")
        .name("王小明")
        .notify_url("http://localhost:54725/gateway/test-notification")
        .request_time(1766005863)
}

// ---------------------------------------------------------------------------------------------
// Requests: one fixed request per operation.

#[test]
fn create_payout_twd_wire_format() {
    let req = payout_twd();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.operation, CreatePayoutTwdRequest::OPERATION);
    assert_eq!(prepared.method, Method::Post);
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    assert_eq!(prepared.order_id.as_deref(), Some("DEVPOT00143538"));
    // The exact string is the masked one with the key in place of the mask; it prints masked.
    let canonical = req.canonical_string(&secret());
    assert_eq!(
        canonical.expose(),
        canonical.masked().replace("****", SECRET)
    );
    assert_eq!(canonical.to_string(), canonical.masked());
    assert_eq!(
        canonical,
        req.canonical_string_with(CreatePayoutTwdRequest::PROFILE, &secret())
    );
    assert_eq!(CreatePayoutTwdRequest::PROFILE, Profile::DEFAULT);
    assert_eq!(prepared.signature, Some(req.signature(&secret())));
    assert!(canonical.masked().ends_with("&key=****"));
    pin("create_payout_twd", &prepared, Profile::Md5, &canonical);
}

#[test]
fn create_payout_twd_with_the_hmac_profile() {
    let req = payout_twd();
    let prepared = req.prepare_with(Profile::HmacSha256, &creds()).unwrap();
    let canonical = req.canonical_string_with(Profile::HmacSha256, &secret());
    // No key in the string (it keys the HMAC), sign_type sent but not signed.
    assert!(!canonical.masked().contains("****"));
    assert_eq!(canonical.masked(), canonical.expose());
    assert!(!canonical.masked().contains("sign_type"));
    assert!(!canonical.kept().contains(&"sign_type"));
    assert_eq!(prepared.signature.as_ref().unwrap().as_str().len(), 64);
    assert_eq!(
        sent(&prepared).text("sign_type").as_deref(),
        Some("HMAC-SHA256")
    );
    assert_eq!(Profile::HmacSha256.adds(), [("sign_type", "HMAC-SHA256")]);
    // Same string as the md5 profile, minus `&key=****`.
    assert_eq!(
        format!("{}&key=****", canonical.masked()),
        req.canonical_string(&secret()).masked()
    );
    // A receiver picks the HMAC profile from the sign_type the body carries.
    assert_eq!(
        Profile::for_received(&sent(&prepared), Profile::DEFAULT),
        Profile::HmacSha256
    );
    pin(
        "create_payout_twd_hmac",
        &prepared,
        Profile::HmacSha256,
        &canonical,
    );
}

#[test]
fn create_payout_twd_with_the_bare_key_profile() {
    let req = payout_twd();
    let prepared = req.prepare_with(Profile::Md5BareKey, &creds()).unwrap();
    let canonical = req.canonical_string_with(Profile::Md5BareKey, &secret());
    let masked = canonical.masked();
    assert!(masked.ends_with("&service_id=SVC0004&****"), "{masked}");
    assert!(!masked.contains("key="));
    assert!(sent(&prepared).get("sign_type").is_none());
    pin(
        "create_payout_twd_bare_key",
        &prepared,
        Profile::Md5BareKey,
        &canonical,
    );
}

#[test]
fn create_payout_cny_bank_wire_format() {
    let req = payout_cny_bank();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    // Seed 001 sends no currency.
    assert!(sent(&prepared).get("currency").is_none());
    let canonical = req.canonical_string(&secret());
    assert!(!canonical.kept().contains(&"currency"));
    pin(
        "create_payout_cny_bank",
        &prepared,
        Profile::Md5,
        &canonical,
    );
}

#[test]
fn create_payout_inr_wire_format() {
    let req = payout_inr();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    pin(
        "create_payout_inr",
        &prepared,
        Profile::Md5,
        &req.canonical_string(&secret()),
    );
}

#[test]
fn create_payout_cny_alipay_wire_format() {
    let req = CreatePayoutCnyAlipayRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0033")
        .payout_cl_id("DEVPOT00143541")
        .amount(Money::from_minor(20000))
        .notify_url("https://merchant.example/notify/payout")
        .alipay_account_name("13800138000")
        .alipay_surname("张")
        .request_time(1766005910)
        .build()
        .unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    pin(
        "create_payout_cny_alipay",
        &prepared,
        Profile::Md5,
        &req.canonical_string(&secret()),
    );
}

#[test]
fn create_payout_cny_unionpay_wire_format() {
    let req = CreatePayoutCnyUnionpayRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0062")
        .payout_cl_id("DEVPOT00143542")
        .amount(Money::from_minor(88800))
        .name("张三")
        .number("6222020200112233445")
        .request_time(1766005920)
        .build()
        .unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    // notify_url is optional and was not given: not sent, not signed.
    assert!(sent(&prepared).get("notify_url").is_none());
    let canonical = req.canonical_string(&secret());
    assert!(!canonical.kept().contains(&"notify_url"));
    pin(
        "create_payout_cny_unionpay",
        &prepared,
        Profile::Md5,
        &canonical,
    );
}

#[test]
fn create_deposit_twd_atm_wire_format() {
    let req = deposit().build().unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Post);
    assert_eq!(prepared.path, "/gateway/api/v1/payments");
    let canonical = req.canonical_string(&secret());
    let masked = canonical.masked();
    assert!(
        masked.contains(r#"&last_numbers=["12345","67890","11111"]&"#),
        "{masked}"
    );
    pin(
        "create_deposit_twd_atm",
        &prepared,
        Profile::Md5,
        &canonical,
    );
}

#[test]
fn query_payouts_wire_format() {
    let req = QueryPayoutsRequest::builder()
        .offset(0)
        .limit(50)
        .payout_cl_id("DEVPOT00143538")
        .create_time_gte("1595500000")
        .create_time_lte("1595600000")
        .build()
        .unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v2/payouts");
    pin_unsigned("query_payouts", &prepared);
    // The documented maximum of `limit` is enforced before sending.
    let err = QueryPayoutsRequest::builder()
        .limit(501)
        .payout_cl_id("DEVPOT00143538")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `limit` must be at most 500"
    );
    // An unsigned operation has no signing methods (no `prepare_with`, no `canonical_string`).
    assert!(prepared.signature.is_none());
    let any = AnyRequest::QueryPayouts(req.clone());
    assert!(
        any.canonical_string_with(Profile::DEFAULT, &secret())
            .is_none()
    );
    assert!(any.signature_with(Profile::DEFAULT, &secret()).is_none());
    // The Authorization credential is required.
    let err = req.prepare(&Credentials::new(secret())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "header `Authorization` needs the credential `authorization`, which was not given"
    );
}

#[test]
fn query_deposits_wire_format() {
    let req = QueryDepositsRequest::builder()
        .limit(25)
        .payment_id("DEVPM00000018")
        .payment_cl_id("test_tw_card_1766005863_25")
        .build()
        .unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.path, "/gateway/api/v1/payments");
    pin_unsigned("query_deposits", &prepared);
}

#[test]
fn balance_wire_format() {
    let prepared = BalanceRequest::builder()
        .build()
        .unwrap()
        .prepare(&creds())
        .unwrap();
    assert_eq!(prepared.path, "/gateway/api/v1/platforms/balance");
    // No parameters: an empty query string, no `?` on the request line.
    assert_eq!(prepared.query.as_deref(), Some(""));
    assert_eq!(
        prepared.path_and_query(),
        "/gateway/api/v1/platforms/balance"
    );
    pin_unsigned("balance", &prepared);
}

/// Our bodies carry exactly the fields and text of the seeds' request examples, so re-signing
/// an example with our key gives the signature our builder computed.
#[test]
fn documented_request_examples_match_our_bodies() {
    for (fixture_name, prepared) in [
        (
            "payout_request_twd.json",
            payout_twd().prepare(&creds()).unwrap(),
        ),
        (
            "payout_request_cny_bank.json",
            payout_cny_bank().prepare(&creds()).unwrap(),
        ),
    ] {
        let example = Object::from_json(&fixture(fixture_name)).unwrap();
        let ours = Object::from_json(prepared.body.as_deref().unwrap().as_bytes()).unwrap();
        let mut a: Vec<_> = example
            .sign_fields()
            .into_iter()
            .filter(|f| f.key != "sign")
            .collect();
        let mut b: Vec<_> = ours
            .sign_fields()
            .into_iter()
            .filter(|f| f.key != "sign")
            .collect();
        a.sort_by(|x, y| x.key.cmp(&y.key));
        b.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(a, b, "{fixture_name}");
        // The example's own sign comes from an unknown key.
        assert_ne!(
            example.text("sign"),
            prepared.signature.as_ref().map(|s| s.to_string())
        );
        let resigned = Profile::DEFAULT
            .sign_json(&fixture(fixture_name), &secret())
            .unwrap();
        let resigned = Object::from_json(resigned.as_bytes()).unwrap();
        assert_eq!(
            resigned.text("sign"),
            prepared.signature.as_ref().map(|s| s.to_string()),
            "{fixture_name}"
        );
    }
    // Seed 003's example writes camelCase keys and omits `name`: as sent, it breaks the
    // request rules of create_deposit_twd_atm (which sends snake_case). Fill a request with
    // the example's fields under their wire names: only `amount` is one.
    let example = Object::from_json(&fixture("deposit_request_camel.json")).unwrap();
    let mut builder = CreateDepositTwdAtmRequest::builder();
    let mut unknown = Vec::new();
    for key in example.keys() {
        let text = example.text(key).unwrap_or_default();
        builder = match key {
            "platform_id" => builder.platform_id(text),
            "service_id" => builder.service_id(text),
            "payment_cl_id" => builder.payment_cl_id(text),
            "amount" => builder.amount(Money::from_minor(text.parse().unwrap())),
            "name" => builder.name(text),
            "bank_code" => builder.bank_code(text),
            "notify_url" => builder.notify_url(text),
            "request_time" => builder.request_time(text.parse().unwrap()),
            "last_numbers" => builder.last_numbers(paywire::wire::json_items(&text).unwrap()),
            other => {
                unknown.push(other.to_owned());
                builder
            }
        };
    }
    assert_eq!(
        unknown,
        [
            "lastNumbers",
            "notifyUrl",
            "paymentClId",
            "platformId",
            "requestTime",
            "serviceId",
            "sign"
        ]
    );
    let err = builder.build().unwrap_err();
    insta::assert_snapshot!("deposit_request_camel_validation", err.to_string());
}

// ---------------------------------------------------------------------------------------------
// Responses.

#[test]
fn payout_created_is_accepted_for_every_payout_flavour() {
    // Seed 000's (and seed 001's) success answer: unsigned envelope, read as accepted.
    let body = fixture("payout_created.json");
    let parsed = CreatePayoutTwdResponse::read(&body, &secret()).unwrap();
    insta::assert_debug_snapshot!("payout_created_parsed", parsed);
    let Response::Accepted { payload, status } = parsed else {
        panic!("accepted")
    };
    assert_eq!(payload.payout_id, "POT00000001");
    assert_eq!(status, None, "accepted, not paid: no status in the answer");
    // The same answer for the other payout flavours.
    let other = Secret::new("any key: create answers are not signed");
    for id in [
        CreatePayoutCnyBankResponse::read(&body, &other).map(|r| r.map(|p| p.payout_id)),
        CreatePayoutInrResponse::read(&body, &other).map(|r| r.map(|p| p.payout_id)),
        CreatePayoutCnyAlipayResponse::read(&body, &other).map(|r| r.map(|p| p.payout_id)),
        CreatePayoutCnyUnionpayResponse::read(&body, &other).map(|r| r.map(|p| p.payout_id)),
    ] {
        assert!(
            matches!(id, Ok(Response::Accepted { ref payload, .. }) if payload == "POT00000001"),
            "{id:?}"
        );
    }
}

#[test]
fn payout_error_0004_is_rejected_verbatim() {
    let parsed =
        CreatePayoutTwdResponse::read(&fixture("payout_error_0004.json"), &secret()).unwrap();
    insta::assert_debug_snapshot!("payout_error_0004_parsed", parsed);
    let Response::Rejected { code, message, .. } = parsed else {
        panic!("rejected")
    };
    assert_eq!(code, ErrorCode::SignatureVerificationFailed);
    assert_eq!(code.code(), "0004");
    assert_eq!(message.as_deref(), Some("Signature verification failed!"));
}

#[test]
fn deposit_created_camel_reads_into_snake_case_fields() {
    let parsed =
        CreateDepositTwdAtmResponse::read(&fixture("deposit_created_camel.json"), &secret())
            .unwrap();
    insta::assert_debug_snapshot!("deposit_created_camel_parsed", parsed);
    let Response::Accepted { payload, .. } = parsed else {
        panic!("accepted")
    };
    let info = payload.payment_info.expect("paymentInfo");
    assert_eq!(info.display_amount, Some(Money::from_minor(48389)));
    assert_eq!(info.payment_id.as_deref(), Some("DEVPM00000018"));
    let receiver = info.receiver.expect("receiver");
    assert_eq!(receiver.bank_name.as_deref(), Some("臺灣企銀"));
    assert_eq!(receiver.card_number.as_deref(), Some("12345666"));
    // camelCase keys are known fields, not extras.
    assert!(payload.extra.is_empty() && info.extra.is_empty() && receiver.extra.is_empty());
}

#[test]
fn deposit_error_is_rejected_verbatim() {
    let parsed =
        CreateDepositTwdAtmResponse::read(&fixture("deposit_error.json"), &secret()).unwrap();
    insta::assert_debug_snapshot!("deposit_error_parsed", parsed);
    let Response::Rejected { code, message, .. } = parsed else {
        panic!("rejected")
    };
    assert_eq!(code, ErrorCode::SignatureVerificationFailed);
    // Capitalised differently from seed 000: passed through as written.
    assert_eq!(message.as_deref(), Some("Signature Verification Failed!"));
}

#[test]
fn undocumented_codes_and_unreadable_bodies() {
    let body = r#"{"error_code":"0099","error_msg":"餘額不足"}"#;
    let parsed = CreatePayoutTwdResponse::read(body.as_bytes(), &secret()).unwrap();
    assert_eq!(
        parsed,
        Response::Rejected {
            code: ErrorCode::Other("0099".into()),
            raw_code: "0099".into(),
            message: Some("餘額不足".into()),
            unsigned: false,
        }
    );
    // Not the envelope: errors, never rejections (the payout may exist).
    let mut seen = Vec::new();
    for body in [
        "",
        "<html><body>502 Bad Gateway</body></html>",
        r#"{"error_code":"0000","data":{"#,
        r#"{"message":"upstream timeout"}"#,
        r#"{"error_code":"0000","data":{}}"#,
    ] {
        let err = CreatePayoutTwdResponse::read(body.as_bytes(), &secret()).unwrap_err();
        seen.push(format!("{body:?} -> {err}"));
    }
    insta::assert_snapshot!("unreadable_create_answers", seen.join("\n"));
}

/// Each row of a query answer read alone (an answer carrying just that row, text unchanged):
/// the status the typed read maps it onto, through the spec's status map.
fn row_statuses<T, E: std::fmt::Debug>(
    body: &[u8],
    read: impl Fn(&[u8]) -> Result<Response<T, E>, ResponseError>,
) -> Vec<Option<(String, CommonStatus)>> {
    #[derive(paywire::serde::Deserialize)]
    #[serde(crate = "paywire::serde")]
    struct Answer<'a> {
        #[serde(borrow)]
        data: Vec<&'a RawValue>,
    }
    let answer: Answer<'_> = paywire::serde_json::from_slice(body).unwrap();
    answer
        .data
        .iter()
        .map(|row| {
            let alone = format!(r#"{{"error_code":"0000","data":[{}]}}"#, row.get());
            match read(alone.as_bytes()).unwrap() {
                Response::Accepted { status, .. } => status.map(|s| (s.code, s.common)),
                Response::Rejected { code, .. } => panic!("rejected: {code:?}"),
            }
        })
        .collect()
}

#[test]
fn payouts_query_rows_verify_each_with_its_own_sign() {
    let body = fixture("payouts_query_constructed.json");
    let parsed = QueryPayoutsResponse::read(&body, &secret()).unwrap();
    insta::assert_debug_snapshot!("payouts_query_parsed", parsed);
    let Response::Accepted { payload, .. } = parsed else {
        panic!("accepted")
    };
    let codes: Vec<_> = payload.rows.iter().map(|r| r.status).collect();
    let statuses = row_statuses(&body, |b| QueryPayoutsResponse::read(b, &secret()));
    assert_eq!(
        statuses,
        [
            Some(("3".to_owned(), CommonStatus::Succeeded)),
            Some(("4".to_owned(), CommonStatus::Failed))
        ]
    );
    assert_eq!(codes, [Some(3), Some(4)]);
    // A tampered row fails, naming the row.
    let tampered = fixture_text("payouts_query_constructed.json")
        .replace(r#""amount": 120000"#, r#""amount": 1200000"#);
    assert_ne!(tampered.as_bytes(), &body[..]);
    let err = QueryPayoutsResponse::read(tampered.as_bytes(), &secret()).unwrap_err();
    assert!(
        matches!(err, ResponseError::Row { index: 1, .. }),
        "{err:?}"
    );
    insta::assert_snapshot!("payouts_query_tampered_row", err.to_string());
    // Another key: the first row already fails.
    let err = QueryPayoutsResponse::read(&body, &Secret::new("another-key")).unwrap_err();
    assert!(
        matches!(err, ResponseError::Row { index: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn deposits_query_rows_verify_each_with_its_own_sign() {
    let body = fixture("deposits_query_constructed.json");
    let parsed = QueryDepositsResponse::read(&body, &secret()).unwrap();
    insta::assert_debug_snapshot!("deposits_query_parsed", parsed);
    let Response::Accepted { payload, .. } = parsed else {
        panic!("accepted")
    };
    let codes: Vec<_> = payload.rows.iter().map(|r| r.status).collect();
    let statuses = row_statuses(&body, |b| QueryDepositsResponse::read(b, &secret()));
    assert_eq!(
        statuses,
        [
            Some(("2".to_owned(), CommonStatus::Succeeded)),
            Some(("1".to_owned(), CommonStatus::Processing))
        ]
    );
    assert_eq!(codes, [Some(2), Some(1)]);
    // The empty payment_cl_name of row 1 is left out of its signed string: giving it a value
    // without re-signing breaks that row only.
    let tampered = fixture_text("deposits_query_constructed.json")
        .replace(r#""payment_cl_name": """#, r#""payment_cl_name": "陳大文""#);
    let err = QueryDepositsResponse::read(tampered.as_bytes(), &secret()).unwrap_err();
    assert!(
        matches!(err, ResponseError::Row { index: 1, .. }),
        "{err:?}"
    );
    insta::assert_snapshot!("deposits_query_tampered_row", err.to_string());
}

#[test]
fn balance_outer_sign_and_channel_rows_verify() {
    let body = fixture("balance_constructed.json");
    let parsed = BalanceResponse::read(&body, &secret()).unwrap();
    insta::assert_debug_snapshot!("balance_parsed", parsed);
    // A tampered channel row fails naming the row.
    let text = fixture_text("balance_constructed.json");
    let tampered = text.replace(r#""balance": 0,"#, r#""balance": 100,"#);
    let err = BalanceResponse::read(tampered.as_bytes(), &secret()).unwrap_err();
    assert!(
        matches!(err, ResponseError::Row { index: 1, .. }),
        "{err:?}"
    );
    insta::assert_snapshot!("balance_tampered_channel", err.to_string());
    // A tampered total fails the outer sign.
    let tampered = text.replace(r#""total_balance": 1234500"#, r#""total_balance": 9234500"#);
    let err = BalanceResponse::read(tampered.as_bytes(), &secret()).unwrap_err();
    assert!(matches!(err, ResponseError::Signature(_)), "{err:?}");
    insta::assert_snapshot!("balance_tampered_total", err.to_string());
}

#[test]
fn query_error_0006_is_rejected_by_every_authorized_operation() {
    let body = fixture("query_error_0006_constructed.json");
    let parsed = QueryPayoutsResponse::read(&body, &secret()).unwrap();
    insta::assert_debug_snapshot!("query_error_0006_parsed", parsed);
    let expected = (
        ErrorCode::InvalidAuthorization,
        Some("Invalid Authorization".to_owned()),
    );
    let Response::Rejected { code, message, .. } = parsed else {
        panic!("rejected")
    };
    assert_eq!((code, message), expected);
    let Response::Rejected { code, message, .. } =
        QueryDepositsResponse::read(&body, &secret()).unwrap()
    else {
        panic!("rejected")
    };
    assert_eq!((code, message), expected);
    // The balance envelope is signed, but an unsigned error answer is still a rejection.
    let Response::Rejected { code, message, .. } = BalanceResponse::read(&body, &secret()).unwrap()
    else {
        panic!("rejected")
    };
    assert_eq!((code, message), expected);
}

// ---------------------------------------------------------------------------------------------
// Notifications.

/// A verified notification's typed fields plus what the handler acts on.
fn summary<T: std::fmt::Debug>(v: &paywire::Verified<T>) -> String {
    format!(
        "{:#?}\norder_id: {:?}\nstatus: {:?}\ndelivery_key: {}\nreply: {} {}",
        v.notification,
        v.meta.order_id,
        v.meta.status,
        v.delivery_key(),
        v.reply_content_type(),
        v.reply_body()
    )
}

#[test]
fn deposit_notification_json() {
    let body = fixture("deposit_notification_constructed.json");
    let v = DepositNotification::verify(&body, Some("application/json"), &secret()).unwrap();
    insta::assert_snapshot!("deposit_notification_parsed", summary(&v));
    assert_eq!(v.reply_body(), r#"{"error_code":"0000"}"#);
    assert_eq!(v.reply_content_type(), "application/json");
    assert_eq!(
        v.meta.status.as_ref().map(|s| s.common),
        Some(CommonStatus::Succeeded)
    );
    // Without a content type, a body starting with `{` is read as JSON.
    assert_eq!(
        DepositNotification::verify(&body, None, &secret()).unwrap(),
        v
    );
}

#[test]
fn payout_notification_json() {
    let body = fixture("payout_notification_constructed.json");
    let v = PayoutNotification::verify(&body, Some("application/json"), &secret()).unwrap();
    insta::assert_snapshot!("payout_notification_parsed", summary(&v));
    assert_eq!(v.reply_body(), r#"{"error_code":"0000"}"#);
    assert_eq!(v.notification.error_msg.as_deref(), Some(""));
}

#[test]
fn payout_notification_form() {
    let body = fixture("payout_notification_form_constructed.txt");
    let form = Some("application/x-www-form-urlencoded; charset=utf-8");
    // Its error_msg holds `&`, the signing string's separator: refused by default, since a
    // body with shifted values could carry the same signature (reconcile through the query).
    let refused = PayoutNotification::verify(&body, form, &secret()).unwrap_err();
    assert!(
        matches!(
            &refused,
            paywire::NotificationError::Signature(paywire::VerifyError::Ambiguous { field, .. })
                if field == "error_msg"
        ),
        "{refused}"
    );
    // A merchant who decides the gateway-written error_msg cannot carry a shifted pair says so.
    let v = PayoutNotification::verify_allowing(&body, form, &secret(), &["error_msg"]).unwrap();
    insta::assert_snapshot!("payout_notification_form_parsed", summary(&v));
    assert_eq!(v.reply_body(), r#"{"error_code":"0000"}"#);
    assert_eq!(
        v.notification.error_msg.as_deref(),
        Some("帳號錯誤 & 戶名不符")
    );
    assert_eq!(
        v.meta.status.as_ref().map(|s| s.common),
        Some(CommonStatus::Failed)
    );
    // Without a content type, a body not starting with `{` is read as a form.
    assert_eq!(
        PayoutNotification::verify_allowing(&body, None, &secret(), &["error_msg"]).unwrap(),
        v
    );
}

#[test]
fn tampered_notifications_are_refused_without_payload() {
    let mut seen = Vec::new();
    // JSON: the amount credited changed.
    let json = fixture_text("deposit_notification_constructed.json")
        .replace(r#""real_amount": 48389"#, r#""real_amount": 4838900"#);
    let err = DepositNotification::verify(json.as_bytes(), Some("application/json"), &secret())
        .unwrap_err();
    assert!(matches!(err, NotificationError::Signature(_)), "{err:?}");
    seen.push(format!("deposit json, real_amount changed: {err}"));
    // JSON: a field added after signing (verification covers every received field).
    let added = fixture_text("payout_notification_constructed.json").replace(
        r#""error_msg": """#,
        r#""error_msg": "", "channel": "PC0001""#,
    );
    let err = PayoutNotification::verify(added.as_bytes(), Some("application/json"), &secret())
        .unwrap_err();
    assert!(matches!(err, NotificationError::Signature(_)), "{err:?}");
    seen.push(format!("payout json, field added: {err}"));
    // Form: the status turned from 4 (rejected) to 3 (completed).
    let form =
        fixture_text("payout_notification_form_constructed.txt").replace("status=4", "status=3");
    let err = PayoutNotification::verify(form.as_bytes(), None, &secret()).unwrap_err();
    assert!(matches!(err, NotificationError::Signature(_)), "{err:?}");
    seen.push(format!("payout form, status changed: {err}"));
    // No sign at all.
    let unsigned = fixture_text("payout_notification_form_constructed.txt");
    let unsigned = &unsigned[..unsigned.find("&sign=").unwrap()];
    let err = PayoutNotification::verify(unsigned.as_bytes(), None, &secret()).unwrap_err();
    seen.push(format!("payout form, no sign: {err}"));
    // The wrong key.
    let err = DepositNotification::verify(
        &fixture("deposit_notification_constructed.json"),
        None,
        &Secret::new("another-key"),
    )
    .unwrap_err();
    seen.push(format!("deposit json, another key: {err}"));
    insta::assert_snapshot!("tampered_notifications", seen.join("\n"));
}

#[test]
fn unknown_notification_fields_are_signed_and_kept() {
    // More fields may be added later: once signed, they verify and are kept in `extra`.
    let body = fixture_text("payout_notification_constructed.json").replace(
        r#""error_msg": """#,
        r#""error_msg": "", "channel": "PC0001""#,
    );
    let body = Profile::DEFAULT
        .sign_json(body.as_bytes(), &secret())
        .unwrap();
    let v = PayoutNotification::verify(body.as_bytes(), None, &secret()).unwrap();
    assert_eq!(
        v.notification.extra.get("channel").map(ToString::to_string),
        Some(r#""PC0001""#.to_owned())
    );
}

/// A notification carrying `sign_type=HMAC-SHA256`, signed with HMAC-SHA256 over the same
/// string (every received field but `sign` and `sign_type`).
fn hmac_payout_notification() -> String {
    Profile::from_name("hmac-sha256")
        .unwrap()
        .sign_json(&fixture("payout_notification_constructed.json"), &secret())
        .unwrap()
}

#[test]
fn hmac_signed_notification_verifies_with_the_hmac_profile() {
    let body = hmac_payout_notification();
    assert!(body.contains(r#""sign_type":"HMAC-SHA256""#), "{body}");
    let v =
        PayoutNotification::verify(body.as_bytes(), Some("application/json"), &secret()).unwrap();
    assert_eq!(v.notification.sign_type.as_deref(), Some("HMAC-SHA256"));
    assert_eq!(v.notification.sign.len(), 64);
    assert_eq!(v.reply_body(), r#"{"error_code":"0000"}"#);
    // An md5-signed body claiming sign_type=HMAC-SHA256 is checked as HMAC: refused.
    let claimed = fixture_text("payout_notification_constructed.json").replace(
        r#""error_msg": """#,
        r#""error_msg": "", "sign_type": "HMAC-SHA256""#,
    );
    assert!(PayoutNotification::verify(claimed.as_bytes(), None, &secret()).is_err());
}

#[test]
fn hmac_signed_notification_checks_out_under_the_profile_it_names() {
    // What verify() does (see the test above), done by hand with the profile API: pick the
    // profile whose `adds` the body carries, verify with it, then read the typed fields.
    let body = hmac_payout_notification();
    let obj = Object::from_json(body.as_bytes()).unwrap();
    let profile = Profile::for_received(&obj, Profile::DEFAULT);
    assert_eq!(profile, Profile::HmacSha256);
    assert_eq!(profile.name(), "hmac-sha256");
    assert_eq!(profile.label(), "diamondpay.hmac-sha256");
    assert_eq!(profile.verify_received(&obj, &secret()), Ok(()));
    // Under the default profile the same body does not verify, naming the profile used.
    let err = Profile::DEFAULT
        .verify_received(&obj, &secret())
        .unwrap_err();
    assert!(err.to_string().contains("diamondpay.md5"), "{err}");
    let typed = <PayoutNotification as paywire::read::FromObject>::from_object(&obj).unwrap();
    assert_eq!(typed.sign_type.as_deref(), Some("HMAC-SHA256"));
    // The same HMAC sign without sign_type is md5 by default: refused.
    let stripped = body.replace(r#""sign_type":"HMAC-SHA256","#, "");
    assert!(PayoutNotification::verify(stripped.as_bytes(), None, &secret()).is_err());
}

// ---------------------------------------------------------------------------------------------
// Bad input: refused before anything is signed, naming the field.

#[test]
fn missing_required_fields_are_named() {
    let err = CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .amount(Money::from_minor(50000))
        .build()
        .unwrap_err();
    for field in [
        "service_id",
        "payout_cl_id",
        "bank_code",
        "number",
        "currency",
        "request_time",
    ] {
        assert!(err.names(field), "{field}: {err}");
    }
    assert!(!err.names("platform_id") && !err.names("notify_url") && !err.names("name"));
    assert_eq!(
        err.to_string(),
        "invalid request: `service_id` is required; `payout_cl_id` is required; \
         `bank_code` is required; `number` is required; `currency` is required; \
         `request_time` is required"
    );
    // A required field emptied after building.
    let mut req = payout_twd();
    req.bank_code = String::new();
    let err = req.validate().unwrap_err();
    assert!(err.names("bank_code"), "{err}");
    assert_eq!(err.to_string(), "invalid request: `bank_code` is required");
    assert!(matches!(
        req.prepare(&creds()),
        Err(paywire::GatewayError::Invalid(_))
    ));
}

#[test]
fn too_long_values_are_named() {
    let mut req = payout_twd();
    req.platform_id = "PF00021".into(); // String(7): fits
    assert_eq!(req.validate(), Ok(()));
    req.platform_id = "PF000021".into();
    let err = req.validate().unwrap_err();
    assert!(err.names("platform_id"), "{err}");
    assert_eq!(
        err.to_string(),
        "invalid request: `platform_id` has 8 characters; at most 7 are allowed"
    );
    // Through the builder too, and on the deposit.
    let err = deposit().platform_id("PF000031").build().unwrap_err();
    assert!(err.names("platform_id"), "{err}");
    // Characters, not bytes: 16 CJK characters fit the INR name's String(16), 17 do not.
    let mut inr = payout_inr();
    inr.name = "名".repeat(16);
    assert_eq!(inr.validate(), Ok(()));
    inr.name = "名".repeat(17);
    let err = inr.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `name` has 17 characters; at most 16 are allowed"
    );
}

#[test]
fn last_numbers_are_bounded_and_five_digits() {
    let ten: Vec<String> = (0..10).map(|i| format!("{:05}", 10000 + i)).collect();
    assert!(deposit().last_numbers(ten.clone()).build().is_ok());
    let mut eleven = ten.clone();
    eleven.push("99999".into());
    let err = deposit().last_numbers(eleven).build().unwrap_err();
    assert!(err.names("last_numbers"), "{err}");
    assert_eq!(
        err.to_string(),
        "invalid request: `last_numbers` has 11 items; at most 10 are allowed"
    );
    let err = deposit()
        .last_numbers(Vec::<String>::new())
        .build()
        .unwrap_err();
    assert!(err.names("last_numbers"), "{err}");
    assert_eq!(
        err.to_string(),
        "invalid request: `last_numbers` has 0 items; at least 1 are required"
    );
    let err = deposit()
        .last_numbers(["12345", "1234", "12a45", "123456"])
        .build()
        .unwrap_err();
    assert!(err.names("last_numbers"), "{err}");
    assert_eq!(
        err.to_string(),
        "invalid request: `last_numbers[1]` does not match the pattern [0-9]{5}; \
         `last_numbers[2]` does not match the pattern [0-9]{5}; \
         `last_numbers[3]` does not match the pattern [0-9]{5}"
    );
}

#[test]
fn ifsc_must_be_eleven_characters_starting_with_four_letters() {
    let mut req = payout_inr();
    for bad in [
        "SBIN000123",
        "SBIN00012345",
        "1234SBIN000",
        "SBI00001234",
        "SBIN-001234",
    ] {
        req.ifsc_code = bad.into();
        let err = req.validate().unwrap_err();
        assert!(err.names("ifsc_code"), "{bad}: {err}");
        assert_eq!(
            err.to_string(),
            "invalid request: `ifsc_code` must be 11 letters or digits, the first four letters \
             (an IFSC such as SBIN0001234) (pattern [A-Za-z]{4}[A-Za-z0-9]{7})",
            "{bad}"
        );
        assert!(req.prepare(&creds()).is_err());
    }
    req.ifsc_code = "HDFC0000123".into();
    assert_eq!(req.validate(), Ok(()));
}

#[test]
fn twd_payouts_only_take_twd() {
    for bad in ["TWD", "inr", "cny", ""] {
        let err = CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id("DEVPOT00143538")
            .amount(Money::from_minor(50000))
            .bank_code("812")
            .number("4088748280272397")
            .currency(bad)
            .request_time(1595504997)
            .build()
            .unwrap_err();
        assert!(err.names("currency"), "{bad}: {err}");
        let expected = if bad.is_empty() {
            "invalid request: `currency` is required"
        } else {
            "invalid request: `currency` must be one of: twd"
        };
        assert_eq!(err.to_string(), expected, "{bad}");
    }
    // And INR payouts only inr.
    let mut inr = payout_inr();
    inr.currency = "twd".into();
    assert_eq!(
        inr.validate().unwrap_err().to_string(),
        "invalid request: `currency` must be one of: inr"
    );
}
