//! A request checked against the form rules of its channel before it is sent: seed 004's
//! `/channel/formRule` example (re-signed, read through `FormRuleResponse::read`), then rules the
//! seed does not show (options of other shapes, `min:N`, unknown and unreadable rules).

use paywire::validate::Rule;
use paywire::{Money, Response, Secret, ValidationError, ValidationErrors, WireFields, WireValue};
use paywire_intqp::*;

const SECRET: &str = "ThisIsYourSecretKey123";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Sign a documented (or hand-written) response as the gateway would, and read it.
fn read_rules(body: &[u8]) -> FormRuleResponseData {
    let secret = Secret::new(SECRET);
    let body = Profile::DEFAULT.sign_json(body, &secret).unwrap();
    match FormRuleResponse::read(body.as_bytes(), &secret).unwrap() {
        Response::Accepted { payload, .. } => payload.data.expect("result.data"),
        other => panic!("{other:?}"),
    }
}

/// Seed 004's rules: pay_code 1004, bank_id (select of 1001, required, integer) and
/// bank_account (required, string, at most 50).
fn seed_rules() -> FormRuleResponseData {
    read_rules(&fixture("form_rule_success.json"))
}

/// Rules with one form field, given as JSON.
fn rules_with(field: &str) -> FormRuleResponseData {
    let body = format!(
        r#"{{"status":10000,"result":{{"data":{{"pay_code":"1004","form_fields":[{field}]}}}}}}"#
    );
    read_rules(body.as_bytes())
}

/// A withdrawal that satisfies the seed's rules.
fn withdrawal() -> WithdrawRequest {
    WithdrawRequest::builder()
        .uid("test1")
        .currency("KRW")
        .orderid("W202611210001")
        .notify_url("https://merchant.example/notify")
        .amount(Money::from_minor(1_000_000))
        .userip("127.0.0.1")
        .timestamp(1758210270)
        .bank_id(1001)
        .bank_account("Kim Minsu")
        .pay_code("1004")
        .build()
        .expect("the spec's rules hold")
}

fn error(field: &str, rule: Rule) -> ValidationError {
    ValidationError {
        field: field.to_owned(),
        rule,
    }
}

fn fields(pairs: &[(&str, &str)]) -> WireFields {
    let mut w = WireFields::new();
    w.push("pay_code", WireValue::Str("1004".into()));
    for (k, v) in pairs {
        w.push(*k, WireValue::Str((*v).into()));
    }
    w
}

#[test]
fn the_seed_rules_are_read_from_a_signed_response() {
    let rules = seed_rules();
    assert_eq!(rules.pay_code.as_deref(), Some("1004"));
    let form = rules.form_fields.as_deref().unwrap();
    assert_eq!(form.len(), 2);
    assert_eq!(form[0].option_values(), Some(vec!["1001".to_owned()]));
    assert_eq!(form[1].option_values(), None);
}

#[test]
fn a_withdrawal_that_follows_the_rules_passes() {
    let rules = seed_rules();
    assert_eq!(rules.check_withdraw(&withdrawal()), Ok(()));
    // 50 characters is the limit, counted as characters, not bytes.
    let req = WithdrawRequest {
        bank_account: Some("a".repeat(50)),
        ..withdrawal()
    };
    assert_eq!(rules.check_withdraw(&req), Ok(()));
    let req = WithdrawRequest {
        bank_account: Some("김".repeat(50)),
        ..withdrawal()
    };
    assert_eq!(rules.check_withdraw(&req), Ok(()));
}

#[test]
fn a_missing_required_field_is_named() {
    let rules = seed_rules();
    let req = WithdrawRequest {
        bank_account: None,
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(err.0, vec![error("bank_account", Rule::Required)]);
    assert_eq!(
        err.to_string(),
        "invalid request: `bank_account` is required"
    );
    // Empty or blank is missing too.
    for blank in ["", "   "] {
        let req = WithdrawRequest {
            bank_account: Some(blank.into()),
            ..withdrawal()
        };
        let err = rules.check_withdraw(&req).unwrap_err();
        assert_eq!(
            err.0,
            vec![error("bank_account", Rule::Required)],
            "{blank:?}"
        );
    }
    // bank_id is optional in the spec but required by this channel.
    let req = WithdrawRequest {
        bank_id: None,
        ..withdrawal()
    };
    assert_eq!(req.validate(), Ok(()));
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(err.0, vec![error("bank_id", Rule::Required)]);
}

#[test]
fn too_long_a_field_is_named_with_its_limit() {
    let rules = seed_rules();
    let req = WithdrawRequest {
        bank_account: Some("a".repeat(51)),
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(
        err.0,
        vec![error(
            "bank_account",
            Rule::MaxLength {
                max: 50,
                actual: 51
            }
        )]
    );
    assert_eq!(
        err.to_string(),
        "invalid request: `bank_account` has 51 characters; at most 50 are allowed"
    );
}

#[test]
fn a_choice_not_among_the_options_is_named() {
    let rules = seed_rules();
    let req = WithdrawRequest {
        bank_id: Some(9999),
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(
        err.0,
        vec![error("bank_id", Rule::OneOf(vec!["1001".into()]))]
    );
    assert_eq!(
        err.to_string(),
        "invalid request: `bank_id` must be one of: 1001"
    );
}

#[test]
fn a_request_for_another_channel_is_refused_naming_pay_code() {
    let rules = seed_rules();
    let req = WithdrawRequest {
        pay_code: "2002".into(),
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert!(err.names("pay_code"), "{err}");
    assert_eq!(
        err.to_string(),
        "invalid request: `pay_code`: the form rules are for pay_code 1004, not 2002"
    );
    // An empty pay_code names no channel.
    let req = WithdrawRequest {
        pay_code: String::new(),
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `pay_code`: the form rules are for pay_code 1004; the request names none"
    );
    // Fields without a pay_code at all.
    let mut w = fields(&[("bank_id", "1001"), ("bank_account", "Kim")]);
    w.0.retain(|(k, _)| k != "pay_code");
    let err = rules.check(&w).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `pay_code`: the form rules are for pay_code 1004; the request names none"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let rules = seed_rules();
    let req = WithdrawRequest {
        pay_code: "2002".into(),
        bank_id: Some(9999),
        bank_account: None,
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(
        err,
        ValidationErrors(vec![
            error(
                "pay_code",
                Rule::Other("the form rules are for pay_code 1004, not 2002".into())
            ),
            error("bank_id", Rule::OneOf(vec!["1001".into()])),
            error("bank_account", Rule::Required),
        ])
    );
    // Several rules of one field.
    let req = WithdrawRequest {
        bank_id: Some(-5),
        bank_account: Some("x".repeat(60)),
        ..withdrawal()
    };
    let err = rules.check_withdraw(&req).unwrap_err();
    assert_eq!(
        err.0,
        vec![
            error("bank_id", Rule::Type("a whole number")),
            error("bank_id", Rule::OneOf(vec!["1001".into()])),
            error(
                "bank_account",
                Rule::MaxLength {
                    max: 50,
                    actual: 60
                }
            ),
        ]
    );
}

#[test]
fn a_deposit_is_checked_the_same_way() {
    let rules = seed_rules();
    let deposit = DepositRequest::builder()
        .uid("test1")
        .currency("KRW")
        .orderid("D202611210001")
        .notify_url("https://merchant.example/notify")
        .return_url("https://merchant.example/return")
        .amount(Money::from_minor(500_000))
        .userip("10.0.0.8")
        .timestamp(1758210270)
        .bank_id(1001)
        .pay_code("1004")
        .build()
        .unwrap();
    // DepositRequest has no bank_account: a channel that requires it cannot be served by it.
    let err = rules.check_deposit(&deposit).unwrap_err();
    assert_eq!(err.0, vec![error("bank_account", Rule::Required)]);
}

#[test]
fn integer_min_and_max_rules_from_validation_rules() {
    let rules = rules_with(
        r#"{"name":"bank_no","type":"input","validation_rules":[" Required ","INTEGER","min:6","max:12"]}"#,
    );
    assert_eq!(rules.check(&fields(&[("bank_no", "001234567890")])), Ok(()));
    let err = rules.check(&fields(&[("bank_no", "12a45")])).unwrap_err();
    assert_eq!(
        err.0,
        vec![
            error("bank_no", Rule::Type("a whole number")),
            error("bank_no", Rule::MinLength { min: 6, actual: 5 }),
        ]
    );
    let err = rules
        .check(&fields(&[("bank_no", "1234567890123")]))
        .unwrap_err();
    assert_eq!(
        err.0,
        vec![error(
            "bank_no",
            Rule::MaxLength {
                max: 12,
                actual: 13
            }
        )]
    );
    let err = rules.check(&fields(&[])).unwrap_err();
    assert_eq!(err.0, vec![error("bank_no", Rule::Required)]);
}

#[test]
fn the_smaller_of_max_length_and_max_applies() {
    let rules = rules_with(
        r#"{"name":"user_name","type":"input","max_length":20,"validation_rules":["string","max:10"]}"#,
    );
    let err = rules
        .check(&fields(&[("user_name", "Kim Minsu Park")]))
        .unwrap_err();
    assert_eq!(
        err.0,
        vec![error(
            "user_name",
            Rule::MaxLength {
                max: 10,
                actual: 14
            }
        )]
    );
    // Not required: absent is fine, and nothing else is checked.
    assert_eq!(rules.check(&fields(&[])), Ok(()));
    // max_length 0 reads as no limit.
    let rules = rules_with(r#"{"name":"user_name","type":"input","max_length":0}"#);
    assert_eq!(
        rules.check(&fields(&[("user_name", "Kim Minsu Park")])),
        Ok(())
    );
}

#[test]
fn unknown_rules_are_ignored() {
    let rules = rules_with(
        r#"{"name":"bank_ifsc","type":"input","validation_rules":["nullable","alpha_num","size:11","regex:/^[A-Z]{4}/","email","digits_between:1,3"]}"#,
    );
    assert_eq!(rules.check(&fields(&[("bank_ifsc", "sbin")])), Ok(()));
    assert_eq!(rules.check(&fields(&[])), Ok(()));
}

#[test]
fn the_value_of_an_option_is_its_id_like_member() {
    let values = |field: &str, options: &str| {
        rules_with(&format!(
            r#"{{"name":"{field}","type":"select","options":{options}}}"#
        ))
        .form_fields
        .unwrap()[0]
            .option_values()
    };
    // The member named like the field wins, whatever else the option carries.
    assert_eq!(
        values(
            "bank_id",
            r#"[{"code":"KB","bankID":1001,"name":"KB"},{"name":"Shinhan","bank_id":"1002"}]"#
        ),
        Some(vec!["1001".into(), "1002".into()])
    );
    // Then id, value, code.
    assert_eq!(
        values(
            "bank_code",
            r#"[{"value":"x","id":7,"label":"Seven"},{"code":"VCB","name":"Vietcombank"}]"#
        ),
        Some(vec!["7".into(), "VCB".into()])
    );
    // Then the first other string or number member by key; name and label never count.
    assert_eq!(
        values(
            "bank_code",
            r#"[{"zeta":"z","alpha":"a","name":"n","beta":[1]},{"Name":"only a name"}]"#
        ),
        Some(vec!["a".into()])
    );
    // Plain strings and numbers are their own values.
    assert_eq!(
        values("province", r#"["Seoul", 2, null, true]"#),
        Some(vec!["Seoul".into(), "2".into()])
    );
    assert_eq!(values("province", "[]"), None);
    assert_eq!(values("province", "null"), None);
}

#[test]
fn a_select_without_options_checks_no_choice() {
    for options in ["null", "[]"] {
        let rules = rules_with(&format!(
            r#"{{"name":"bank_id","type":"select","required":true,"options":{options}}}"#
        ));
        assert_eq!(rules.check(&fields(&[("bank_id", "42")])), Ok(()));
    }
    // Options on a field that is not a select are not a restriction.
    let rules = rules_with(r#"{"name":"bank_id","type":"input","options":[{"bankID":1001}]}"#);
    assert_eq!(rules.check(&fields(&[("bank_id", "42")])), Ok(()));
}

#[test]
fn unreadable_rules_are_reported_not_skipped_and_never_panic() {
    let body = br#"{"status":10000,"result":{"data":{"pay_code":"1004","form_fields":[
        {"label":"no name","required":true},
        {"name":"","required":true},
        {"name":"a","validation_rules":["max:abc","min:","max","min:-1","max:50"]},
        {"name":"b","type":"select","options":{"bankID":1001}},
        {"name":"c","type":"select","options":[{"name":"only a name"},null]},
        {"name":"d","type":"select","options":"1001,1002"}
    ]}}}"#;
    let rules = read_rules(body);
    let err = rules
        .check(&fields(&[("a", "x"), ("b", "1"), ("c", "1")]))
        .unwrap_err();
    let other = |field: &str, m: &str| error(field, Rule::Other(m.into()));
    assert_eq!(
        err.0,
        vec![
            other("form_fields[0]", "the channel's form rule names no field"),
            other("form_fields[1]", "the channel's form rule names no field"),
            other("a", "the channel's rule `max:abc` cannot be read"),
            other("a", "the channel's rule `min:` cannot be read"),
            other("a", "the channel's rule `max` cannot be read"),
            other("a", "the channel's rule `min:-1` cannot be read"),
            other(
                "b",
                "the channel's rule cannot be read: its options are not a list"
            ),
            other("c", "the channel's options for this field carry no value"),
            other(
                "d",
                "the channel's rule cannot be read: its options are not a list"
            ),
        ]
    );
}

#[test]
fn rules_without_a_channel_or_fields() {
    // No pay_code in the rules: nothing to match against.
    let rules = read_rules(
        br#"{"status":10000,"result":{"data":{"form_fields":[{"name":"bank_account","required":true}]}}}"#,
    );
    let req = WithdrawRequest {
        pay_code: "2002".into(),
        ..withdrawal()
    };
    assert_eq!(rules.check_withdraw(&req), Ok(()));
    // No form_fields: only the pay_code is checked.
    let rules = read_rules(br#"{"status":10000,"result":{"data":{"pay_code":"1004"}}}"#);
    assert_eq!(rules.check_withdraw(&withdrawal()), Ok(()));
    assert!(rules.check_withdraw(&req).unwrap_err().names("pay_code"));
}
