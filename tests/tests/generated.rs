//! The generator end to end on a spec that uses every field type and rule.

use paywire::{Credentials, Money, Response, Secret};

mod ks {
    paywire::gateway!("fixtures/kitchen_sink.toml");
}
use ks::*;

fn order() -> CreateOrderRequestBuilder {
    CreateOrderRequest::builder()
        .order_id("A1")
        .amount(Money::from_minor(50000))
        .price(Money::from_decimal_str("12.5").unwrap())
        .country("VN")
        .codes(["12345", "67890"])
        .count(3)
        .urgent(true)
        .payer(
            CreateOrderRequestPayer::builder()
                .name("Ann")
                .type_("x")
                .build()
                .unwrap(),
        )
}

#[test]
fn builds_signs_and_serializes() {
    let req = order().build().unwrap();
    let secret = Secret::new("k");
    let prepared = req.prepare(&Credentials::new(secret.clone())).unwrap();
    assert_eq!(
        prepared
            .body
            .as_deref()
            .unwrap()
            .split(",\"sign\"")
            .next()
            .unwrap(),
        r#"{"order_id":"A1","amount":"50000","price":"12.50","country":"VN","codes":["12345","67890"],"count":3,"urgent":true,"payer":{"name":"Ann","type":"x"}"#
    );
    assert_eq!(
        req.canonical_string(&secret).expose(),
        r#"amount=50000&codes=["12345","67890"]&count=3&country=VN&order_id=A1&payer={"name":"Ann","type":"x"}&price=12.50&urgent=true&key=k"#
    );
    let listed = req.canonical_string_with(Profile::Listed, &secret);
    assert_eq!(listed.expose(), "k|order_id=A1|amount=50000");
    // Display and Debug mask the secret, like a Secret.
    assert_eq!(listed.to_string(), "****|order_id=A1|amount=50000");
    let hmac = req
        .prepare_with(Profile::Hmac, &Credentials::new(secret))
        .unwrap();
    assert!(
        hmac.body
            .as_deref()
            .unwrap()
            .contains(r#""sign_type":"HMAC-SHA256""#)
    );
    assert_eq!(hmac.signature.unwrap().as_str().len(), 64);
}

#[test]
fn refuses_bad_input_naming_field_and_rule() {
    let err = CreateOrderRequest::builder().build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `order_id` is required; `amount` is required; `country` is required"
    );
    let err = order().order_id("123456789").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `order_id` has 9 characters; at most 8 are allowed"
    );
    let err = order()
        .country("BR")
        .account_type("PHONE")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `account_phone` is required when country is BR and account_type is PHONE"
    );
    assert!(order().country("BR").account_type("EMAIL").build().is_ok());
    let err = order().country("XX").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `country` must be one of: BR, VN"
    );
    let err = order().codes(["1", "2", "3", "4"]).build().unwrap_err();
    assert!(
        err.to_string()
            .contains("`codes` has 4 items; at most 3 are allowed"),
        "{err}"
    );
    assert!(
        err.to_string().contains("`codes[0]` does not match"),
        "{err}"
    );
    let err = order().amount(Money::from_minor(0)).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `amount` must be at least 0.01"
    );
    let err = CreateOrderRequestPayer::builder()
        .name("Annabel")
        .build()
        .unwrap_err();
    assert!(err.names("name"), "{err}");
}

#[test]
fn reads_responses_tolerantly() {
    let secret = Secret::new("k");
    let body = br#"{"code":0,"data":{"orderId":"A1","state":"2","amount":100.10,"new":{"x":1}}}"#;
    let Response::Accepted { payload, status } = CreateOrderResponse::read(body, &secret).unwrap()
    else {
        panic!("accepted")
    };
    assert_eq!(payload.order_id, "A1");
    assert_eq!(payload.state, Some(2));
    assert_eq!(payload.amount, Some(Money::from_minor(10010)));
    assert_eq!(payload.extra["new"], serde_json::json!({"x": 1}));
    assert_eq!(status.unwrap().common, paywire::CommonStatus::Succeeded);
    let rejected = CreateOrderResponse::read(br#"{"code":"7","msg":"dup"}"#, &secret).unwrap();
    assert_eq!(
        rejected,
        Response::Rejected {
            code: ErrorCode::Duplicate,
            raw_code: "7".into(),
            message: Some("dup".into()),
            unsigned: false,
        }
    );
    let err = CreateOrderResponse::read(br#"{"code":0,"data":{"state":1}}"#, &secret).unwrap_err();
    assert_eq!(
        err.to_string(),
        "response payload: field `order_id`: expected a value, found `nothing`"
    );
}

#[test]
fn requests_round_trip_through_serde_with_wire_names() {
    let req = order().account_type("PHONE").build().unwrap();
    let json = serde_json::to_value(&req).unwrap();
    // Wire names (`type`, not `type_`), absent options left out, money in minor units.
    assert_eq!(json["payer"]["type"], "x");
    assert_eq!(json["amount"], 50000);
    assert!(json.get("account_phone").is_none());
    let back: CreateOrderRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back, req);
    // A stored request signs exactly like the original (resend with the same order id).
    let secret = Secret::new("k");
    assert_eq!(
        back.canonical_string(&secret),
        req.canonical_string(&secret)
    );
}

#[test]
fn responses_serialize_with_unknown_fields_kept() {
    let body = br#"{"code":0,"data":{"order_id":"A1","state":1,"new":true}}"#;
    let Response::Accepted { payload, .. } =
        CreateOrderResponse::read(body, &Secret::new("k")).unwrap()
    else {
        panic!("accepted")
    };
    assert_eq!(
        serde_json::to_value(&payload).unwrap(),
        serde_json::json!({"order_id": "A1", "state": 1, "new": true})
    );
}

#[test]
fn time_fields_send_read_and_check_both_forms() {
    use paywire::Time;
    let secret = Secret::new("k");
    // Unix seconds go out as a number (a string of digits with `wire = "string"`), text as text.
    let req = order()
        .not_before(1_700_000_000)
        .not_after("2024-01-31 23:59:59")
        .build()
        .unwrap();
    let body = req
        .prepare(&Credentials::new(secret.clone()))
        .unwrap()
        .body
        .unwrap();
    assert!(
        body.contains(r#""not_before":1700000000,"not_after":"2024-01-31 23:59:59""#),
        "{body}"
    );
    let canonical = req.canonical_string(&secret);
    assert!(
        canonical
            .expose()
            .contains("&not_after=2024-01-31 23:59:59&not_before=1700000000&"),
        "{}",
        canonical.expose()
    );
    let req = order().not_after(Time::Unix(5)).build().unwrap();
    let body = req
        .prepare(&Credentials::new(secret.clone()))
        .unwrap()
        .body
        .unwrap();
    assert!(body.contains(r#""not_after":"5""#), "{body}");
    // Text that is neither form is refused before anything is signed.
    let err = order().not_before("31/01/2024").build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `not_before` must be Unix seconds or a time written YYYY-MM-DD HH:MM:SS"
    );
    // Received: a JSON integer, a string of digits or the text; anything else names the field.
    for (created, expected) in [
        ("1700000000", Some(Time::Unix(1_700_000_000))),
        ("\"1700000000\"", Some(Time::Unix(1_700_000_000))),
        (
            "\"2024-01-31 23:59:59\"",
            Some(Time::Text("2024-01-31 23:59:59".into())),
        ),
        ("null", None),
    ] {
        let body = format!(r#"{{"code":0,"data":{{"order_id":"A1","created":{created}}}}}"#);
        let Response::Accepted { payload, .. } =
            CreateOrderResponse::read(body.as_bytes(), &secret).unwrap()
        else {
            panic!("accepted")
        };
        assert_eq!(payload.created, expected, "{created}");
    }
    let err = CreateOrderResponse::read(
        br#"{"code":0,"data":{"order_id":"A1","created":"yesterday"}}"#,
        &secret,
    )
    .unwrap_err();
    assert!(err.to_string().contains("`created`"), "{err}");
}
