//! Wire-format snapshots of intqp: canonical string, signature and body of a fixed request per
//! operation; parsed forms of the documented responses (seed 004), error paths included.

use paywire::{Credentials, Money, Response, Secret};
use paywire_intqp::*;

const SECRET: &str = "ThisIsYourSecretKey123";

fn creds() -> Credentials {
    Credentials::new(Secret::new(SECRET))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn withdraw() -> WithdrawRequest {
    WithdrawRequest::builder()
        .uid("test1")
        .currency("INR")
        .orderid("W202611210001")
        .notify_url("https://merchant.example/notify")
        .amount(Money::from_minor(10050))
        .userip("127.0.0.1")
        .timestamp(1758210270)
        .bank_account("Ravi Kumar")
        .bank_no("001234567890")
        .bank_ifsc("SBIN0001234")
        .custom("")
        .pay_code("1004")
        .build()
        .expect("valid withdrawal")
}

/// Pin the three stages of a signed request separately: its canonical string (from the request,
/// under `profile`), and the signature and body `prepare` gave.
fn pin(
    name: &str,
    prepared: &paywire::PreparedRequest,
    profile: Profile,
    canonical: &paywire::CanonicalString,
) {
    // The signature sent is the digest of this exact string (uppercase hex).
    let mut digest = profile.digester(&Secret::new(SECRET));
    digest.text(canonical.expose());
    assert_eq!(Some(profile.finish(digest)), prepared.signature, "{name}");
    // And the body verifies as the gateway would check it.
    let sent =
        paywire::received::Object::from_json(prepared.body.as_deref().unwrap().as_bytes()).unwrap();
    profile
        .verify_received(&sent, &Secret::new(SECRET))
        .unwrap();
    insta::assert_snapshot!(format!("{name}_canonical"), canonical.masked());
    insta::assert_snapshot!(
        format!("{name}_signature"),
        prepared.signature.as_ref().expect("signed").to_string()
    );
    insta::assert_snapshot!(
        format!("{name}_body"),
        prepared
            .body
            .clone()
            .or(prepared.query.clone())
            .unwrap_or_default()
    );
}

#[test]
fn withdraw_wire_format() {
    let req = withdraw();
    let prepared = req.prepare(&creds()).unwrap();
    assert_eq!(prepared.method, paywire::Method::Post);
    assert_eq!(prepared.path, "/applyfor");
    assert_eq!(prepared.operation, WithdrawRequest::OPERATION);
    assert_eq!(prepared.order_id.as_deref(), Some("W202611210001"));
    // The exact string is the masked one with the key appended bare; it prints masked.
    let canonical = req.canonical_string(&Secret::new(SECRET));
    assert_eq!(
        canonical.expose(),
        canonical.masked().replace("****", SECRET)
    );
    assert!(
        canonical
            .expose()
            .ends_with(&format!("&userip=127.0.0.1{SECRET}"))
    );
    assert_eq!(canonical.to_string(), canonical.masked());
    assert!(!format!("{canonical:?}").contains(SECRET));
    assert!(!format!("{prepared:?}").contains(SECRET));
    pin("withdraw", &prepared, WithdrawRequest::PROFILE, &canonical);
}

#[test]
fn withdraw_with_the_key_profile() {
    let req = withdraw();
    let prepared = req.prepare_with(Profile::Md5Key, &creds()).unwrap();
    let canonical = req.canonical_string_with(Profile::Md5Key, &Secret::new(SECRET));
    assert!(canonical.masked().ends_with("&key=****"));
    pin("withdraw_md5_key", &prepared, Profile::Md5Key, &canonical);
}

#[test]
fn deposit_wire_format() {
    let req = DepositRequest::builder()
        .uid("test1")
        .currency("VND")
        .orderid("D202611210001")
        .notify_url("https://merchant.example/notify")
        .return_url("https://merchant.example/return")
        .amount(Money::from_minor(5_000_000))
        .userip("10.0.0.8")
        .timestamp(1758210270)
        .pay_code("2001")
        .path_type("2")
        .build()
        .unwrap();
    pin(
        "deposit",
        &req.prepare(&creds()).unwrap(),
        Profile::DEFAULT,
        &req.canonical_string(&Secret::new(SECRET)),
    );
}

#[test]
fn form_rule_wire_format() {
    // The request of seed 004's example, with our key.
    let req = FormRuleRequest::builder()
        .uid("test1")
        .currency("VND")
        .pay_code("1004")
        .timestamp(1758210270)
        .userip("127.0.0.1")
        .build()
        .unwrap();
    let prepared = req.prepare(&creds()).unwrap();
    let canonical = req.canonical_string(&Secret::new(SECRET));
    assert_eq!(
        canonical.masked(),
        "currency=VND&pay_code=1004&timestamp=1758210270&uid=test1&userip=127.0.0.1****"
    );
    assert_eq!(
        canonical.kept(),
        ["currency", "pay_code", "timestamp", "uid", "userip"]
    );
    pin("form_rule", &prepared, Profile::DEFAULT, &canonical);
}

#[test]
fn documented_responses_are_refused_until_signed() {
    let secret = Secret::new(SECRET);
    // Seed 004's success example carries the placeholder sign "xxx": it must not verify.
    let err = WithdrawResponse::read(&fixture("withdraw_success.json"), &secret).unwrap_err();
    insta::assert_snapshot!("withdraw_success_verbatim", err.to_string());
    // The form rule example carries no sign at all.
    let err = FormRuleResponse::read(&fixture("form_rule_success.json"), &secret).unwrap_err();
    insta::assert_snapshot!("form_rule_success_verbatim", err.to_string());
}

#[test]
fn documented_responses_parse_once_signed() {
    let secret = Secret::new(SECRET);
    let body = Profile::DEFAULT
        .sign_json(&fixture("withdraw_success.json"), &secret)
        .unwrap();
    let parsed = WithdrawResponse::read(body.as_bytes(), &secret).unwrap();
    insta::assert_debug_snapshot!("withdraw_success_parsed", parsed);

    let body = Profile::DEFAULT
        .sign_json(&fixture("form_rule_success.json"), &secret)
        .unwrap();
    let parsed = FormRuleResponse::read(body.as_bytes(), &secret).unwrap();
    insta::assert_debug_snapshot!("form_rule_success_parsed", parsed);
    let Response::Accepted { payload, .. } = parsed else {
        panic!("accepted")
    };
    let fields = payload.data.unwrap().form_fields.unwrap();
    assert_eq!(fields[1].max_length, Some(50));
    assert_eq!(fields[0].required, Some(true));
}

#[test]
fn every_documented_error_code_is_typed() {
    let secret = Secret::new(SECRET);
    let mut seen = Vec::new();
    for code in 10001..=10007 {
        let body = format!(r#"{{"status":{code},"result":null,"msg":"error {code}"}}"#);
        let body = Profile::DEFAULT
            .sign_json(body.as_bytes(), &secret)
            .unwrap();
        match WithdrawResponse::read(body.as_bytes(), &secret).unwrap() {
            Response::Rejected { code, message, .. } => seen.push(format!("{code:?} {message:?}")),
            other => panic!("{code}: {other:?}"),
        }
    }
    insta::assert_debug_snapshot!("error_codes", seen);
    assert_eq!(ErrorCode::from_code("10003"), ErrorCode::DuplicateOrder);
    assert_eq!(
        ErrorCode::from_code("99999"),
        ErrorCode::Other("99999".into())
    );
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    // Missing required field.
    let err = WithdrawRequest::builder().uid("u").build().unwrap_err();
    assert!(
        err.names("orderid") && err.names("amount") && err.names("pay_code"),
        "{err}"
    );
    // IFSC required for India, and its shape checked.
    let mut req = withdraw();
    req.bank_ifsc = None;
    let err = req.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `bank_ifsc` is required when currency is INR"
    );
    req.bank_ifsc = Some("1234SBIN000".into());
    let err = req.validate().unwrap_err();
    assert!(
        err.to_string()
            .contains("`bank_ifsc` must be 11 letters or digits"),
        "{err}"
    );
    req.bank_ifsc = Some("SBIN000123".into());
    assert!(req.validate().unwrap_err().names("bank_ifsc"));
    // Nothing is prepared from an invalid request.
    assert!(req.prepare(&creds()).is_err());
    // Not required outside India.
    req.currency = "VND".into();
    req.bank_ifsc = None;
    assert_eq!(req.validate(), Ok(()));
}
