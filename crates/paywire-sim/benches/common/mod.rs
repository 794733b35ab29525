//! What the simulator's benches share: the payout every request creates, and the trivial
//! server's check. Each bench includes this module on its own and uses part of it.
#![allow(dead_code)]

use std::fmt::Write as _;

use md5::Digest as _;
use paywire::Money;
use paywire_diamondpay::CreatePayoutTwdRequestBuilder;

/// The seed 000 TWD payout with merchant order id `id`, ready to build (or to add a
/// notification URL to).
pub fn payout(id: String) -> CreatePayoutTwdRequestBuilder {
    paywire_diamondpay::CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id(id)
        .amount(Money::from_minor(50_000))
        .bank_code("812")
        .number("4088748280272397")
        .currency("twd")
        .request_time(1_595_504_997)
}

/// The trivial server's check: diamondpay's canonical string (every non-empty field but `sign`,
/// `k=v` in ASCII order joined with `&`, then `&key=<key>`), md5, compared with `sign`.
pub fn trivial_check(body: &[u8], key: &str) -> bool {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return false;
    };
    let Some(sign) = map.get("sign").and_then(|v| v.as_str()) else {
        return false;
    };
    let mut canonical = String::with_capacity(256);
    // serde_json's map is a BTreeMap: ASCII order already.
    for (k, v) in &map {
        if k == "sign" {
            continue;
        }
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        if text.is_empty() {
            continue;
        }
        let _ = write!(canonical, "{k}={text}&");
    }
    canonical.push_str("key=");
    canonical.push_str(key);
    hex::encode(md5::Md5::digest(canonical.as_bytes())) == sign
}
