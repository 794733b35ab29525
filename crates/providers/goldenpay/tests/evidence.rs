//! What the public goldenpay integrations (a Python example set) read beyond the documentation
//! (gateways.md, "Evidence from public integrations"; docs/gateways-answers.md): bodies shaped
//! like their samples, constructed here (names end in `_constructed`), signed with the spec's
//! profile (token first, MD5), and verified and read by the typed API.

use paywire::{Response, Secret};
use paywire_goldenpay::*;

const TOKEN: &str = "goldenpay-test-token";

fn token() -> Secret {
    Secret::new(TOKEN)
}

#[test]
fn collect_answer_with_cashier_url_constructed() {
    // The cashier page's URL carries a query string: `&` inside a signed payload value.
    let url = "https://cashier.goldenpay.example/h5/pay?order=PM1&lang=en&sig=abc";
    let payload = Profile::Md5
        .sign_json(
            format!(
                r#"{{"id":"PM1","mch_id":8888,"trans_id":"C20261201001","amount":"100.00","currency":"PHP","channel":"gcash","status":20,"created_at":"2026-12-01 12:00:00","url":"{url}","cashier_type":1,"meta":null,"ratio":"0.025"}}"#
            )
            .as_bytes(),
            &token(),
        )
        .expect("signs");
    let body = format!(r#"{{"code":200,"payload":{payload}}}"#);
    let Response::Accepted { payload, status } =
        CreateCollectResponse::read(body.as_bytes(), &token()).expect("reads")
    else {
        panic!("accepted")
    };
    assert_eq!(payload.url.as_deref(), Some(url));
    assert_eq!(payload.id, "PM1");
    assert_eq!(payload.status, 20);
    assert_eq!(
        status.map(|s| s.common),
        Some(paywire::CommonStatus::Processing)
    );
    // The URL is still signed: another cashier page under the same sign is refused.
    let forged = body.replace("order=PM1", "order=PM2");
    assert!(CreateCollectResponse::read(forged.as_bytes(), &token()).is_err());
    // Only `url` may hold the separator: the same text in `channel` is refused as ambiguous.
    let shifted = Profile::Md5
        .sign_json(
            br#"{"id":"PM1","mch_id":8888,"trans_id":"C1","amount":"100.00","status":20,"channel":"gcash&status=60"}"#,
            &token(),
        )
        .expect("signs");
    let body = format!(r#"{{"code":200,"payload":{shifted}}}"#);
    assert!(CreateCollectResponse::read(body.as_bytes(), &token()).is_err());
}

#[test]
fn payout_callback_with_canceled_at_constructed() {
    let json = Some("application/json");
    let cancelled = Profile::Md5
        .sign_json(
            br#"{"id":"WD00000077","trans_id":"P20261201001","mch_id":"8888","order_amount":"250.00","status":50,"created_at":"2026-12-01 12:00:00","canceled_at":"2026-12-01 12:05:31"}"#,
            &token(),
        )
        .expect("signs");
    let verified =
        PayoutNotification::verify(cancelled.as_bytes(), json, &token()).expect("verifies");
    let n = &verified.notification;
    assert_eq!(n.canceled_at.as_deref(), Some("2026-12-01 12:05:31"));
    assert_eq!(n.payed_at, None);
    assert_eq!(
        verified.meta.status.as_ref().map(|s| s.common),
        Some(paywire::CommonStatus::Cancelled)
    );
    assert_eq!(verified.reply_body(), "success");
    // canceled_at is signed like every field.
    let forged = cancelled.replace("12:05:31", "12:05:32");
    assert!(PayoutNotification::verify(forged.as_bytes(), json, &token()).is_err());
    // A paid payout carries payed_at and no canceled_at.
    let paid = Profile::Md5
        .sign_json(
            br#"{"id":"WD00000078","trans_id":"P20261201002","mch_id":8888,"order_amount":"250.00","status":60,"created_at":"2026-12-01 12:00:00","payed_at":"2026-12-01 12:03:00"}"#,
            &token(),
        )
        .expect("signs");
    let verified = PayoutNotification::verify(paid.as_bytes(), json, &token()).expect("verifies");
    assert_eq!(verified.notification.canceled_at, None);
}
