//! Wire-format snapshots of goldenpay: canonical string, signature and wire body (or query
//! string) of a fixed request per operation; parsed forms of every fixture (seed 002's verbatim
//! examples, the failure envelope, constructed answers and callbacks), error paths included;
//! bad input refused before anything is signed.

use paywire::{
    CanonicalString, CommonStatus, Credentials, GatewayError, Method, Money, NotificationError,
    PreparedRequest, Response, ResponseError, Secret, ValidationErrors,
};
use paywire_goldenpay::*;

/// The token the constructed fixtures were signed with (tests/fixtures/README.md).
const TOKEN: &str = "goldenpay-test-token";

fn token() -> Secret {
    Secret::new(TOKEN)
}

fn creds() -> Credentials {
    Credentials::new(token())
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Fixed requests, one per operation (two payouts: a Vietnamese bank payout and a Brazilian PIX
// payout to a phone key).

fn payout_vn() -> CreatePayoutRequest {
    CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id("2019uZP8KImVd2Xbzae")
        .channel("bank")
        .amount(Money::from_minor(10_000_000))
        .currency("VND")
        .account_no("2333667799212341")
        .account_name("Nguyễn Xuân Hưng")
        .account_org("PVCOMOBANK")
        .account_org_code("970425")
        .account_sub_org("Ho Chi Minh City")
        .callback_url("https://merchant.example/goldenpay/payout")
        .nonce("x8Kp2QmZ")
        .timestamp(1729187424)
        .remarks("withdrawal")
        .build()
        .expect("valid VN payout")
}

fn payout_br_phone() -> CreatePayoutRequest {
    CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id("BR20241018000001")
        .channel("pix")
        .amount(Money::from_minor(25_050))
        .currency("BRL")
        .account_no("+5511987654321")
        .account_name("Joao da Silva")
        .account_org("PIX")
        .account_type("PHONE")
        .account_tin("12345678909")
        .account_phone("+5511987654321")
        .callback_url("https://merchant.example/goldenpay/payout")
        .nonce("b7Rq1LzW9t")
        .timestamp(1729187500)
        .build()
        .expect("valid BR payout")
}

fn payout_php() -> CreatePayoutRequest {
    // A GCash payout: the Philippines is the one country where account_org is optional.
    CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id("PH20241018000001")
        .channel("gcash")
        .amount(Money::from_minor(150_000))
        .currency("PHP")
        .account_no("09171234567")
        .account_name("Juan Dela Cruz")
        .callback_url("https://merchant.example/goldenpay/payout")
        .nonce("p4Hn8VcX")
        .timestamp(1729187600)
        .build()
        .expect("valid PH payout")
}

fn query_payout() -> QueryPayoutRequest {
    QueryPayoutRequest::builder()
        .id("WT1729187424AJCT")
        .mch_id(8888)
        .nonce("q1w2e3r4")
        .timestamp(1729188000)
        .build()
        .expect("valid payout query")
}

fn create_collect() -> CreateCollectRequest {
    CreateCollectRequest::builder()
        .mch_id(8888)
        .trans_id("C20241018000001")
        .currency("VND")
        .amount(Money::from_minor(50_000_000))
        .channel("bank")
        .callback_url("https://merchant.example/goldenpay/collect")
        .return_url("https://merchant.example/paid")
        .mode("auto")
        .payer_account_name("Tran Van B")
        .remarks("order 42")
        .nonce("c0ll3ct01")
        .timestamp(1729190000)
        .build()
        .expect("valid collect")
}

fn query_collect() -> QueryCollectRequest {
    QueryCollectRequest::builder()
        .id("C20241018000001")
        .mch_id(8888)
        .nonce("qc7Hs2Lp")
        .timestamp(1729190500)
        .build()
        .expect("valid collect query")
}

fn balance() -> BalanceRequest {
    BalanceRequest::builder()
        .mch_id(8888)
        .currency("VND")
        .nonce("bal9Xk2m")
        .timestamp(1729191000)
        .build()
        .expect("valid balance request")
}

fn merchant_info() -> MerchantInfoRequest {
    MerchantInfoRequest::builder()
        .mch_id(8888)
        .nonce("inf0Zq8r")
        .timestamp(1729191100)
        .build()
        .expect("valid merchant info request")
}

/// Checks every signed request shares: the token comes first, the exact string is the masked
/// one with the token, the secret shows nowhere, the signature is 32 lowercase hex digits, and
/// it is the MD5 of the exact canonical string.
fn check_signed(prepared: &PreparedRequest, canonical: &CanonicalString) {
    let masked = canonical.masked();
    assert!(masked.starts_with("****&"), "token first: {masked}");
    assert_eq!(canonical.expose(), masked.replacen("****", TOKEN, 1));
    // Display and Debug mask the token like `masked()`.
    assert_eq!(canonical.to_string(), masked);
    assert!(!masked.contains(TOKEN));
    assert!(!format!("{canonical:?}").contains(TOKEN));
    assert!(!format!("{prepared:?}").contains(TOKEN));
    // Pairs in ASCII order of their keys, no empty value, no `sign`.
    let keys = canonical.kept();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert!(!keys.contains(&"sign"));
    let pairs = masked.strip_prefix("****&").unwrap();
    assert!(!pairs.contains("=&") && !pairs.ends_with('='), "{pairs}");
    let sign = prepared.signature.as_ref().expect("signed").to_string();
    assert_eq!(sign.len(), 32);
    assert!(sign.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    // The signature `prepare` sent is the digest of this exact string.
    let mut digest = Profile::Md5.digester(&token());
    digest.text(canonical.expose());
    assert_eq!(Profile::Md5.finish(digest).as_str(), sign);
}

/// Pin the three stages of a signed request separately: its canonical string (from the
/// request), and the signature and wire body (or query string) `prepare` gives.
fn pin(name: &str, prepared: &PreparedRequest, canonical: &CanonicalString) {
    check_signed(prepared, canonical);
    insta::assert_snapshot!(format!("{name}_canonical"), canonical.masked());
    insta::assert_snapshot!(
        format!("{name}_signature"),
        prepared.signature.as_ref().expect("signed").to_string()
    );
    let wire = match (&prepared.body, &prepared.query) {
        (Some(body), None) => body.clone(),
        (None, Some(query)) => query.clone(),
        other => panic!("expected a body or a query string, got {other:?}"),
    };
    let stage = if prepared.body.is_some() {
        "body"
    } else {
        "query"
    };
    insta::assert_snapshot!(format!("{name}_{stage}"), wire);
}

// ---------------------------------------------------------------------------------------------
// Requests: canonical string, signature, wire body or query string.

#[test]
fn create_payout_vn_wire_format() {
    let req = payout_vn();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.operation, CreatePayoutRequest::OPERATION);
    assert_eq!(prepared.method, Method::Post);
    assert_eq!(prepared.path, "/api/v1/mch/wdl-orders");
    assert_eq!(prepared.content_type, Some("application/json"));
    assert_eq!(prepared.query, None);
    assert_eq!(prepared.order_id.as_deref(), Some("2019uZP8KImVd2Xbzae"));
    // The typed canonical string is the one `prepare` signed (check_signed hashes it), under
    // the operation's profile.
    let canonical = req.canonical_string(&token());
    assert_eq!(
        canonical,
        req.canonical_string_with(CreatePayoutRequest::PROFILE, &token())
    );
    assert_eq!(prepared.signature, Some(req.signature(&token())));
    pin("create_payout_vn", &prepared, &canonical);
}

#[test]
fn create_payout_br_phone_wire_format() {
    let req = payout_br_phone();
    let prepared = req.prepare(&creds()).unwrap();
    let canonical = req.canonical_string(&token());
    let keys = canonical.kept();
    for k in ["account_phone", "account_tin", "account_type"] {
        assert!(keys.contains(&k), "{k} is signed");
    }
    pin("create_payout_br_phone", &prepared, &canonical);
}

#[test]
fn create_payout_php_wire_format() {
    let req = payout_php();
    let prepared = req.prepare(&creds()).unwrap();
    let canonical = req.canonical_string(&token());
    assert!(!canonical.kept().contains(&"account_org"));
    pin("create_payout_php", &prepared, &canonical);
}

#[test]
fn query_payout_wire_format() {
    // A GET: every query parameter is signed, and `sign` travels in the query string.
    let req = query_payout();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Get);
    assert_eq!(prepared.body, None);
    assert_eq!(prepared.content_type, None);
    let query = prepared.query.as_deref().unwrap();
    let sign = prepared.signature.as_ref().unwrap().to_string();
    assert!(query.ends_with(&format!("&sign={sign}")), "{query}");
    assert_eq!(
        prepared.path_and_query(),
        format!("/api/v1/mch/wdl-orders?{query}")
    );
    pin("query_payout", &prepared, &req.canonical_string(&token()));
}

#[test]
fn create_collect_wire_format() {
    let req = create_collect();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Post);
    assert_eq!(prepared.path, "/api/v1/mch/pmt-orders");
    pin("create_collect", &prepared, &req.canonical_string(&token()));
}

#[test]
fn query_collect_wire_format() {
    let req = query_collect();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Get);
    assert_eq!(prepared.path, "/api/v1/mch/pmt-orders");
    pin("query_collect", &prepared, &req.canonical_string(&token()));
}

#[test]
fn balance_wire_format() {
    let req = balance();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Get);
    assert_eq!(prepared.path, "/api/v1/mch/balance");
    pin("balance", &prepared, &req.canonical_string(&token()));
}

#[test]
fn merchant_info_wire_format() {
    let req = merchant_info();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, Method::Get);
    assert_eq!(prepared.path, "/api/v1/mch/info");
    pin("merchant_info", &prepared, &req.canonical_string(&token()));
}

#[test]
fn every_operation_prepares_alike_through_any_request() {
    // A stored request read back by its operation's name prepares to the same bytes.
    let requests = [
        AnyRequest::CreatePayout(payout_vn()),
        AnyRequest::QueryPayout(query_payout()),
        AnyRequest::CreateCollect(create_collect()),
        AnyRequest::QueryCollect(query_collect()),
        AnyRequest::Balance(balance()),
        AnyRequest::MerchantInfo(merchant_info()),
    ];
    let names: Vec<_> = requests.iter().map(AnyRequest::operation).collect();
    assert_eq!(names, AnyRequest::OPERATIONS);
    for req in requests {
        let stored = AnyRequest::from_json(req.operation(), &req.to_json()).unwrap();
        assert_eq!(stored, req);
        let a = req.prepare(None, &creds()).unwrap();
        let b = stored.prepare(Some(Profile::DEFAULT), &creds()).unwrap();
        assert_eq!(
            (
                &a.operation,
                a.method,
                &a.path,
                &a.query,
                &a.body,
                &a.signature
            ),
            (
                &b.operation,
                b.method,
                &b.path,
                &b.query,
                &b.body,
                &b.signature
            )
        );
        assert_eq!(
            req.signature_with(Profile::Md5, &token()),
            a.signature.clone()
        );
        let canonical = req.canonical_string_with(Profile::Md5, &token()).unwrap();
        check_signed(&a, &canonical);
    }
    let err = AnyRequest::from_json("refund", "{}").unwrap_err();
    assert!(err.to_string().contains("refund"), "{err}");
}

#[test]
fn the_request_signature_verifies_as_the_gateway_would_check_it() {
    // The gateway recomputes the signature over every received parameter but `sign`: the body
    // we send, read back as received JSON, verifies under the same profile.
    let prepared = payout_vn().prepare(&creds()).unwrap();
    let received =
        paywire::received::Object::from_json(prepared.body.as_ref().unwrap().as_bytes()).unwrap();
    Profile::Md5.verify_received(&received, &token()).unwrap();
    // And the query string of a GET, read back as received form fields.
    let prepared = query_payout().prepare(&creds()).unwrap();
    let received =
        paywire::received::Object::from_form(prepared.query.as_ref().unwrap().as_bytes()).unwrap();
    Profile::Md5.verify_received(&received, &token()).unwrap();
    // Another token does not verify.
    assert!(
        Profile::Md5
            .verify_received(&received, &Secret::new("other-token"))
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------------
// Responses.

fn accepted_status<T, E: std::fmt::Debug>(r: &Response<T, E>) -> (String, CommonStatus) {
    match r {
        Response::Accepted {
            status: Some(s), ..
        } => (s.code.clone(), s.common),
        Response::Accepted { status: None, .. } => panic!("accepted without a status"),
        Response::Rejected { code, message, .. } => panic!("rejected: {code:?} {message:?}"),
    }
}

#[test]
fn seed_payout_created_is_accepted_and_processing() {
    // Seed 002's create payout example, verbatim: status 20 is processing (not paid).
    let parsed = CreatePayoutResponse::read(&fixture("payout_created.json"), &token()).unwrap();
    assert_eq!(
        accepted_status(&parsed),
        ("20".to_owned(), CommonStatus::Processing)
    );
    insta::assert_debug_snapshot!("payout_created_parsed", parsed);
}

#[test]
fn seed_payout_query_is_accepted_and_processing() {
    // Seed 002's query example, verbatim: status 10 is processing; `amount` (the example's
    // name) is read, `order_amount` (the table's name) is absent.
    let parsed = QueryPayoutResponse::read(&fixture("payout_query.json"), &token()).unwrap();
    assert_eq!(
        accepted_status(&parsed),
        ("10".to_owned(), CommonStatus::Processing)
    );
    let Response::Accepted { payload, .. } = &parsed else {
        unreachable!()
    };
    assert_eq!(payload.amount, Some(Money::from_minor(10_000)));
    assert_eq!(payload.order_amount, None);
    assert_eq!(payload.attachments, Some(Vec::new()));
    insta::assert_debug_snapshot!("payout_query_parsed", parsed);
}

#[test]
fn error_400_is_rejected_with_the_message_verbatim() {
    let body = fixture("error_400.json");
    let parsed = CreatePayoutResponse::read(&body, &token()).unwrap();
    assert!(matches!(
        &parsed,
        Response::Rejected { code: ErrorCode::BadRequest, message: Some(m), .. }
            if m == "Withdrawal amount exceeds limit"
    ));
    insta::assert_debug_snapshot!("error_400_parsed", parsed);
    // The envelope is the gateway's, not the operation's: every operation reads it alike.
    let q = QueryPayoutResponse::read(&body, &token()).unwrap();
    assert!(matches!(
        q,
        Response::Rejected { code: ErrorCode::BadRequest, message: Some(m), .. }
            if m == "Withdrawal amount exceeds limit"
    ));
}

#[test]
fn error_429_is_rejected_as_rate_limited() {
    let parsed =
        CreateCollectResponse::read(&fixture("error_429_constructed.json"), &token()).unwrap();
    assert!(matches!(
        parsed,
        Response::Rejected {
            code: ErrorCode::RateLimited,
            ..
        }
    ));
    insta::assert_debug_snapshot!("error_429_parsed", parsed);
}

#[test]
fn an_undocumented_error_code_keeps_its_code_and_message() {
    let body = br#"{"code":403,"errors":{"message":"Invalid card number: 12345"}}"#;
    let parsed = CreatePayoutResponse::read(body, &token()).unwrap();
    assert!(matches!(
        &parsed,
        Response::Rejected { code: ErrorCode::Other(c), message: Some(m), .. }
            if c == "403" && m == "Invalid card number: 12345"
    ));
}

#[test]
fn no_answer_is_an_error_never_a_rejection() {
    // A timeout leaves no body; a proxy may answer with HTML. Neither says the order was not
    // created: both are errors (indeterminate), never `Response::Rejected`.
    let empty = CreatePayoutResponse::read(b"", &token()).unwrap_err();
    let html = CreatePayoutResponse::read(b"<html>502 Bad Gateway</html>", &token()).unwrap_err();
    let no_code = CreatePayoutResponse::read(br#"{"payload":{}}"#, &token()).unwrap_err();
    assert!(matches!(empty, ResponseError::Unreadable(_)));
    assert!(matches!(html, ResponseError::Unreadable(_)));
    assert!(matches!(no_code, ResponseError::NoCode(_)));
    insta::assert_snapshot!("no_answer_errors", format!("{empty}\n{html}\n{no_code}"));
}

#[test]
fn constructed_collect_created_parses() {
    let parsed =
        CreateCollectResponse::read(&fixture("collect_created_constructed.json"), &token())
            .unwrap();
    assert_eq!(
        accepted_status(&parsed),
        ("20".to_owned(), CommonStatus::Processing)
    );
    let Response::Accepted { payload, .. } = &parsed else {
        unreachable!()
    };
    // The ratio keeps its exact text; mch_id (a number here) is read as text.
    assert_eq!(payload.ratio.as_deref(), Some("0.025"));
    assert_eq!(payload.mch_id.as_deref(), Some("8888"));
    assert_eq!(payload.order_amount, Some(Money::from_minor(50_000_000)));
    insta::assert_debug_snapshot!("collect_created_parsed", parsed);
}

#[test]
fn constructed_collect_query_parses() {
    let parsed =
        QueryCollectResponse::read(&fixture("collect_query_constructed.json"), &token()).unwrap();
    assert_eq!(
        accepted_status(&parsed),
        ("60".to_owned(), CommonStatus::Succeeded)
    );
    insta::assert_debug_snapshot!("collect_query_parsed", parsed);
}

#[test]
fn constructed_balance_parses_without_floating_point() {
    let parsed = BalanceResponse::read(&fixture("balance_constructed.json"), &token()).unwrap();
    let Response::Accepted { payload, status } = &parsed else {
        panic!("accepted")
    };
    assert_eq!(*status, None);
    // 1520000.5 as written, read from its text: 152000050 minor units.
    assert_eq!(payload.balance, Money::from_minor(152_000_050));
    insta::assert_debug_snapshot!("balance_parsed", parsed);
}

#[test]
fn constructed_merchant_info_parses() {
    let parsed =
        MerchantInfoResponse::read(&fixture("merchant_info_constructed.json"), &token()).unwrap();
    insta::assert_debug_snapshot!("merchant_info_parsed", parsed);
}

// ---------------------------------------------------------------------------------------------
// Callbacks.

const JSON: Option<&str> = Some("application/json");

#[test]
fn payout_callback_succeeded() {
    // mch_id arrives as a number and order_amount as a string here.
    let v = PayoutNotification::verify(
        &fixture("payout_notification_constructed.json"),
        JSON,
        &token(),
    )
    .unwrap();
    assert_eq!(v.reply_body(), "success");
    assert_eq!(v.reply_content_type(), "text/plain");
    assert_eq!(v.notification.mch_id, "8888");
    assert_eq!(v.notification.order_amount, Money::from_minor(10_000));
    assert_eq!(
        v.meta.status.as_ref().map(|s| s.common),
        Some(CommonStatus::Succeeded)
    );
    assert_eq!(v.delivery_key(), "payout:2019uZP8KImVd2Xbzae:60");
    insta::assert_debug_snapshot!("payout_notification_parsed", v.notification);
}

#[test]
fn payout_callback_cancelled() {
    // mch_id a string and order_amount a number: the other drift.
    let v = PayoutNotification::verify(
        &fixture("payout_notification_canceled_constructed.json"),
        JSON,
        &token(),
    )
    .unwrap();
    assert_eq!(v.reply_body(), "success");
    assert_eq!(v.notification.mch_id, "8888");
    assert_eq!(v.notification.order_amount, Money::from_minor(10_000));
    assert_eq!(
        v.meta.status.as_ref().map(|s| s.common),
        Some(CommonStatus::Cancelled)
    );
    insta::assert_debug_snapshot!("payout_notification_canceled_parsed", v.notification);
}

#[test]
fn collect_callback_paid() {
    let v = CollectNotification::verify(
        &fixture("collect_notification_constructed.json"),
        JSON,
        &token(),
    )
    .unwrap();
    assert_eq!(v.reply_body(), "success");
    assert_eq!(
        v.meta.status.as_ref().map(|s| s.common),
        Some(CommonStatus::Succeeded)
    );
    assert_eq!(v.meta.order_id.as_deref(), Some("C20241018000001"));
    insta::assert_debug_snapshot!("collect_notification_parsed", v.notification);
}

#[test]
fn collect_callback_underpaid_credits_payed_amount() {
    let v = CollectNotification::verify(
        &fixture("collect_notification_underpaid_constructed.json"),
        JSON,
        &token(),
    )
    .unwrap();
    let n = &v.notification;
    assert_eq!(n.order_amount, Money::from_minor(100_000));
    assert_eq!(n.payed_amount, Money::from_minor(90_000));
    assert!(n.payed_amount < n.order_amount);
    insta::assert_debug_snapshot!("collect_notification_underpaid_parsed", v.notification);
}

#[test]
fn collect_callback_failed() {
    // Status 30: neither 60 nor 20, so failed; payed_at is null (left out of the signature).
    let v = CollectNotification::verify(
        &fixture("collect_notification_failed_constructed.json"),
        JSON,
        &token(),
    )
    .unwrap();
    assert_eq!(
        v.meta.status.as_ref().map(|s| (s.code.as_str(), s.common)),
        Some(("30", CommonStatus::Failed))
    );
    assert_eq!(v.notification.payed_at, None);
    assert_eq!(v.reply_body(), "success");
    insta::assert_debug_snapshot!("collect_notification_failed_parsed", v.notification);
}

#[test]
fn callbacks_verify_with_an_uppercase_signature_and_without_a_content_type() {
    let body = String::from_utf8(fixture("payout_notification_constructed.json")).unwrap();
    let upper = body.replace(
        "c0feeab0960d44f186c4682ade74bdff",
        "C0FEEAB0960D44F186C4682ADE74BDFF",
    );
    assert_ne!(body, upper);
    let v = PayoutNotification::verify(upper.as_bytes(), None, &token()).unwrap();
    assert_eq!(v.notification.trans_id, "2019uZP8KImVd2Xbzae");
}

#[test]
fn an_unknown_field_is_signed_and_kept() {
    // Verification covers fields the spec does not know; they are kept in `extra`.
    let body = br#"{"id":"WT1","trans_id":"T1","mch_id":8888,"order_amount":"1.00","status":60,"fee":"0.10","sign":""}"#;
    let signed = Profile::DEFAULT.sign_json(body, &token()).unwrap();
    let v = PayoutNotification::verify(signed.as_bytes(), JSON, &token()).unwrap();
    assert_eq!(v.notification.extra["fee"], "0.10");
    // Dropping the unknown field breaks the signature.
    let dropped = signed.replace(r#""fee":"0.10","#, "");
    assert!(PayoutNotification::verify(dropped.as_bytes(), JSON, &token()).is_err());
}

#[test]
fn tampered_callbacks_are_refused_without_their_payload() {
    let body = String::from_utf8(fixture("payout_notification_constructed.json")).unwrap();
    // The amount raised: the signature no longer matches.
    let tampered = body.replace(r#""order_amount": "100.00""#, r#""order_amount": "900.00""#);
    assert_ne!(body, tampered);
    let err = PayoutNotification::verify(tampered.as_bytes(), JSON, &token()).unwrap_err();
    assert!(matches!(err, NotificationError::Signature(_)));
    // Same value, other text (100 for "100.00"): the signature covers the text as received.
    let retyped = body.replace(r#""order_amount": "100.00""#, r#""order_amount": 100"#);
    assert!(PayoutNotification::verify(retyped.as_bytes(), JSON, &token()).is_err());
    // Signed with another token.
    let other =
        PayoutNotification::verify(body.as_bytes(), JSON, &Secret::new("other-token")).unwrap_err();
    // No signature at all.
    let unsigned = body.replace(
        r#""sign": "c0feeab0960d44f186c4682ade74bdff""#,
        r#""sign": """#,
    );
    let missing = PayoutNotification::verify(unsigned.as_bytes(), JSON, &token()).unwrap_err();
    // A collect callback with its paid amount changed.
    let collect = String::from_utf8(fixture("collect_notification_underpaid_constructed.json"))
        .unwrap()
        .replace(
            r#""payed_amount": "900.00""#,
            r#""payed_amount": "1000.00""#,
        );
    let collect = CollectNotification::verify(collect.as_bytes(), JSON, &token()).unwrap_err();
    // The errors never reveal the expected signature or the token.
    for e in [&err, &other, &missing, &collect] {
        assert!(!e.to_string().contains(TOKEN));
        assert!(!e.to_string().contains("c0feeab0"));
    }
    insta::assert_snapshot!(
        "tampered_notification_errors",
        format!("{err}\n{other}\n{missing}\n{collect}")
    );
}

#[test]
fn the_collect_answer_sign_is_verified() {
    // The fixture's payload `sign` was made with md5 over the payload (`meta` as compact JSON,
    // `ratio` as written), as fixtures/README.md says.
    let body = String::from_utf8(fixture("collect_created_constructed.json")).unwrap();
    let obj = paywire::received::Object::from_json(body.as_bytes()).unwrap();
    let payload = paywire::received::Object::from_raw(&obj.path("payload").unwrap()).unwrap();
    Profile::Md5.verify_received(&payload, &token()).unwrap();
    // The spec verifies it (envelope `collect`), so a wrong one is an error, never a payload.
    let parsed = CreateCollectResponse::read(body.as_bytes(), &token()).unwrap();
    assert!(matches!(parsed, Response::Accepted { .. }));
    let wrong = body.replace("bbebe7532b1a5e4021a258e2a0835daa", "0".repeat(32).as_str());
    let err = CreateCollectResponse::read(wrong.as_bytes(), &token()).unwrap_err();
    assert!(
        err.to_string().contains("signature verification failed"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: refused before anything is signed, naming the field and the rule.

fn invalid(err: GatewayError) -> ValidationErrors {
    match err {
        GatewayError::Invalid(v) => v,
        other => panic!("expected a validation error, got {other}"),
    }
}

#[test]
fn missing_required_fields_are_named() {
    let err = CreatePayoutRequest::builder()
        .mch_id(8888)
        .amount(Money::from_minor(10_000))
        .currency("VND")
        .build()
        .unwrap_err();
    for f in [
        "trans_id",
        "channel",
        "account_no",
        "account_name",
        "callback_url",
        "nonce",
        "timestamp",
    ] {
        assert!(err.names(f), "{f}: {err}");
    }
    assert!(!err.names("mch_id") && !err.names("amount"));
    assert_eq!(
        err.to_string(),
        "invalid request: `trans_id` is required; `channel` is required; \
         `account_no` is required; `account_name` is required; \
         `account_org` is required when currency is not PHP; \
         `account_org_code` is required when currency is VND or THB; `callback_url` is required; \
         `nonce` is required; `timestamp` is required"
    );
    let err = QueryPayoutRequest::builder()
        .mch_id(8888)
        .nonce("abcdef")
        .timestamp(1729188000)
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid request: `id` is required");
    // An empty string is no value.
    let mut req = payout_vn();
    req.account_name = String::new();
    let err = req.validate().unwrap_err();
    assert!(err.names("account_name"));
    assert_eq!(
        err.to_string(),
        "invalid request: `account_name` is required"
    );
}

#[test]
fn account_no_over_34_characters_is_refused() {
    let mut req = payout_vn();
    req.account_no = "1".repeat(35);
    let err = req.validate().unwrap_err();
    assert!(err.names("account_no"));
    assert_eq!(
        err.to_string(),
        "invalid request: `account_no` has 35 characters; at most 34 are allowed"
    );
    // Nothing is prepared from an invalid request.
    let err = invalid(req.prepare(&creds()).unwrap_err());
    assert!(err.names("account_no"));
    req.account_no = "1".repeat(34);
    assert_eq!(req.validate(), Ok(()));
}

#[test]
fn a_nonce_under_6_characters_is_refused() {
    let err = QueryPayoutRequest::builder()
        .id("WT1729187424AJCT")
        .mch_id(8888)
        .nonce("abc12")
        .timestamp(1729188000)
        .build()
        .unwrap_err();
    assert!(err.names("nonce"));
    assert_eq!(
        err.to_string(),
        "invalid request: `nonce` has 5 characters; at least 6 are required"
    );
    let mut req = payout_vn();
    req.nonce = "n".repeat(25);
    assert_eq!(
        req.validate().unwrap_err().to_string(),
        "invalid request: `nonce` has 25 characters; at most 24 are allowed"
    );
}

#[test]
fn vnd_and_thb_need_the_bank_code() {
    for currency in ["VND", "THB"] {
        let mut req = payout_vn();
        req.currency = currency.to_owned();
        req.account_org_code = None;
        let err = req.validate().unwrap_err();
        assert!(err.names("account_org_code"), "{currency}");
        assert_eq!(
            err.to_string(),
            "invalid request: `account_org_code` is required when currency is VND or THB"
        );
    }
    // Not required in India (where it is the IFSC, optional by the table).
    let mut req = payout_vn();
    req.currency = "INR".to_owned();
    req.account_org_code = None;
    assert_eq!(req.validate(), Ok(()));
}

#[test]
fn brl_needs_account_type_and_tin() {
    let mut req = payout_br_phone();
    req.account_type = None;
    req.account_tin = None;
    req.account_phone = None;
    let err = req.validate().unwrap_err();
    assert!(err.names("account_type") && err.names("account_tin"));
    assert!(!err.names("account_phone"));
    assert_eq!(
        err.to_string(),
        "invalid request: `account_type` is required when currency is BRL; \
         `account_tin` is required when currency is BRL"
    );
    // An account type outside the documented list.
    let mut req = payout_br_phone();
    req.account_type = Some("IBAN".to_owned());
    assert_eq!(
        req.validate().unwrap_err().to_string(),
        "invalid request: `account_type` must be one of: CPF, CNPJ, PHONE, EMAIL, EVP"
    );
}

#[test]
fn brl_phone_needs_the_phone_and_email_needs_the_email() {
    let mut req = payout_br_phone();
    req.account_phone = None;
    let err = req.validate().unwrap_err();
    assert!(err.names("account_phone"));
    assert_eq!(
        err.to_string(),
        "invalid request: `account_phone` is required when currency is BRL and account_type is PHONE"
    );

    let mut req = payout_br_phone();
    req.account_type = Some("EMAIL".to_owned());
    req.account_phone = None;
    req.account_no = "joao@example.com".to_owned();
    let err = req.validate().unwrap_err();
    assert!(err.names("account_email") && !err.names("account_phone"));
    assert_eq!(
        err.to_string(),
        "invalid request: `account_email` is required when currency is BRL and account_type is EMAIL"
    );
    req.account_email = Some("joao@example.com".to_owned());
    assert_eq!(req.validate(), Ok(()));

    // CPF, CNPJ and EVP keys need neither.
    for t in ["CPF", "CNPJ", "EVP"] {
        let mut req = payout_br_phone();
        req.account_type = Some(t.to_owned());
        req.account_phone = None;
        assert_eq!(req.validate(), Ok(()), "{t}");
    }
}

#[test]
fn only_php_may_leave_out_the_bank_name() {
    for currency in ["VND", "THB", "BRL", "INR"] {
        let mut req = match currency {
            "BRL" => payout_br_phone(),
            _ => payout_vn(),
        };
        req.currency = currency.to_owned();
        req.account_org = None;
        let err = req.validate().unwrap_err();
        assert!(err.names("account_org"), "{currency}");
        assert_eq!(
            err.to_string(),
            "invalid request: `account_org` is required when currency is not PHP",
            "{currency}"
        );
    }
    // PHP is fine without it (and without a bank code).
    let req = payout_php();
    assert_eq!(req.account_org, None);
    assert_eq!(req.validate(), Ok(()));
}

#[test]
fn a_zero_amount_is_refused() {
    let zero = Money::from_decimal_str("0.00").unwrap();
    let err = CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id("2019uZP8KImVd2Xbzae")
        .channel("bank")
        .amount(zero)
        .currency("VND")
        .account_no("2333667799212341")
        .account_name("Nguyễn Xuân Hưng")
        .account_org("PVCOMOBANK")
        .account_org_code("970425")
        .callback_url("https://merchant.example/goldenpay/payout")
        .nonce("x8Kp2QmZ")
        .timestamp(1729187424)
        .build()
        .unwrap_err();
    assert!(err.names("amount"));
    // `min = 1` is in minor units: 0.01 is the smallest amount accepted.
    assert_eq!(
        err.to_string(),
        "invalid request: `amount` must be at least 0.01"
    );
    let mut req = create_collect();
    req.amount = zero;
    assert!(req.validate().unwrap_err().names("amount"));
    req.amount = Money::from_minor(1);
    assert_eq!(req.validate(), Ok(()));
    // The amount goes on the wire as two-decimal text.
    assert_eq!(
        payout_vn().to_wire().get("amount"),
        Some(&paywire::WireValue::Str("100000.00".to_owned()))
    );
    // The same rule holds for a stored request read back by its operation's name (serde
    // keeps the amount in minor units).
    let mut stored: paywire::serde_json::Value =
        paywire::serde_json::from_str(&AnyRequest::CreatePayout(payout_vn()).to_json()).unwrap();
    stored["amount"] = 0.into();
    let any = AnyRequest::from_json("create_payout", &stored.to_string()).unwrap();
    let err = any.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `amount` must be at least 0.01"
    );
    let err = invalid(any.prepare(None, &creds()).unwrap_err());
    assert!(err.names("amount"));
}

#[test]
fn a_currency_outside_the_list_is_refused() {
    let mut req = payout_vn();
    req.currency = "USDT".to_owned();
    assert_eq!(
        req.validate().unwrap_err().to_string(),
        "invalid request: `currency` must be one of: VND, THB, BRL, INR, PHP"
    );
}

/// Hardening: what a correctly signed callback may still not say.
#[test]
fn signed_callbacks_that_break_the_rules_or_shift_boundaries_are_refused() {
    let token = token();
    let sign = |body: &str| Profile::DEFAULT.sign_json(body.as_bytes(), &token).unwrap();
    let ok = sign(
        r#"{"id":"PT1","trans_id":"C1","mch_id":8888,"order_amount":"100.00","payed_amount":"100.00","status":60,"payed_at":"2024-10-17 12:00:00","remarks":"x"}"#,
    );
    let json = Some("application/json");
    assert!(CollectNotification::verify(ok.as_bytes(), json, &token).is_ok());

    // The boundary-shift forgery: a genuine callback whose remarks carry shifted pairs.
    let genuine = sign(
        r#"{"id":"PT1","trans_id":"C1","mch_id":8888,"order_amount":"100.00","payed_amount":"100.00","status":20,"remarks":"x&order_amount=100.00&payed_amount=99999.00&payed_at=2024&remarks=y&status=60&trans_id=T&zzzz="}"#,
    );
    let err = CollectNotification::verify(genuine.as_bytes(), json, &token).unwrap_err();
    assert!(
        matches!(&err, NotificationError::Signature(paywire::VerifyError::Ambiguous { field, .. }) if field == "remarks"),
        "{err}"
    );
    // Sending such remarks is refused before anything is signed.
    let sent = CreateCollectRequest::builder()
        .mch_id(8888)
        .trans_id("C1")
        .currency("VND")
        .amount(paywire::Money::from_minor(10000))
        .channel("bank")
        .callback_url("https://m.example/cb?a=1&b=2")
        .remarks("x&status=60")
        .nonce("abcdef12")
        .timestamp(1729187424)
        .build()
        .unwrap_err();
    assert!(sent.names("remarks"), "{sent}");
    assert!(!sent.names("callback_url"), "{sent}");

    // Signed, but an integer status that is not a number: refused, naming the field.
    let bad = sign(
        r#"{"id":"PT1","trans_id":"C1","mch_id":8888,"order_amount":"100.00","payed_amount":"100.00","status":"abc","payed_at":"2024-10-17 12:00:00"}"#,
    );
    let err = CollectNotification::verify(bad.as_bytes(), json, &token).unwrap_err();
    assert!(err.to_string().contains("status"), "{err}");

    // For another merchant: refused once the receiver says who it is.
    let mine = paywire::VerifyOptions {
        merchant_id: Some("7777"),
        ..Default::default()
    };
    let err = CollectNotification::verify_with(ok.as_bytes(), json, &token, &mine).unwrap_err();
    assert!(
        matches!(err, NotificationError::OtherMerchant { .. }),
        "{err}"
    );
    let mine = paywire::VerifyOptions {
        merchant_id: Some("8888"),
        ..Default::default()
    };
    assert!(CollectNotification::verify_with(ok.as_bytes(), json, &token, &mine).is_ok());

    // A body over the limit is refused before it is parsed.
    let huge = format!("{}{}", " ".repeat(2 << 20), ok);
    let err = CollectNotification::verify(huge.as_bytes(), json, &token).unwrap_err();
    assert!(err.to_string().contains("at most 1048576"), "{err}");
}
