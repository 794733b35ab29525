//! A small driver for instruction counts that do not depend on what else the machine runs:
//! `drive <row> <n>` runs one row of the `sign` bench `n` times (plain `System` allocator).
//! Under `valgrind --tool=callgrind`, the difference of two runs (`n` = 11000 and 1000) divided
//! by 10000 is the row's instructions per call (BENCHMARKS.md shows the loop).
//!
//! `cargo build --release -p paywire-benches --example drive`, then
//! `valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/drive sign-md5-typed 1000`.

use std::hint::black_box;

use paywire::received::Object;
use paywire_benches as b;
use paywire_diamondpay::{PayoutNotification, Profile};

const ROWS: &[&str] = &[
    "sign-md5-hand",
    "sign-md5-typed",
    "sign-md5-floor",
    "sign-hmac-hand",
    "sign-hmac-typed",
    "sign-hmac-floor",
    "sign-golden-hand",
    "sign-golden-typed",
    "sign-golden-floor",
    "prepare-hand",
    "prepare-typed",
    "prepare-floor",
    "verify-hand",
    "verify-typed",
    "verify-floor",
    "none",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(row), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: drive <row> <n>; rows: {}", ROWS.join(" "));
        std::process::exit(2);
    };
    let key = b::DIAMONDPAY_KEY;
    let secret = b::diamondpay_secret();
    let creds = b::diamondpay_credentials();
    let plain = b::seed_000_plain();
    let twd = b::seed_000_typed();
    let golden_plain = b::seed_002_plain();
    let golden = b::seed_002_typed();
    let token = paywire::Secret::new(b::GOLDENPAY_TOKEN);
    let md5_canonical = twd.canonical_string(&secret).expose().as_bytes().to_vec();
    let hmac_canonical = twd
        .canonical_string_with(Profile::HmacSha256, &secret)
        .expose()
        .as_bytes()
        .to_vec();
    let golden_canonical = golden.canonical_string(&token).expose().as_bytes().to_vec();
    let typed_body = twd.prepare(&creds).expect("prepares").body.expect("body");
    let body_prefix = typed_body
        .rsplit_once(",\"sign\":")
        .expect("signed")
        .0
        .to_owned();
    let notification = b::payout_notification();
    let obj = Object::from_json(notification.as_bytes()).expect("parses");
    let received = obj.text("sign").expect("signed");
    let fields = Profile::Md5.signed_fields(&obj);
    let mut canonical = fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    canonical.push_str("&key=");
    canonical.push_str(key);
    let body = notification.as_bytes();

    for _ in 0..n {
        match row.as_str() {
            "sign-md5-hand" => drop(black_box(b::hand_sign_twd_md5(black_box(&plain), key))),
            "sign-md5-typed" => drop(black_box(black_box(&twd).signature(&secret))),
            "sign-md5-floor" => drop(black_box(b::floor_md5(black_box(&md5_canonical)))),
            "sign-hmac-hand" => drop(black_box(b::hand_sign_twd_hmac(black_box(&plain), key))),
            "sign-hmac-typed" => drop(black_box(
                black_box(&twd).signature_with(Profile::HmacSha256, &secret),
            )),
            "sign-hmac-floor" => drop(black_box(b::floor_hmac(
                black_box(&hmac_canonical),
                key.as_bytes(),
            ))),
            "sign-golden-hand" => drop(black_box(b::hand_sign_golden(
                black_box(&golden_plain),
                b::GOLDENPAY_TOKEN,
            ))),
            "sign-golden-typed" => drop(black_box(black_box(&golden).signature(&token))),
            "sign-golden-floor" => drop(black_box(b::floor_md5(black_box(&golden_canonical)))),
            "prepare-hand" => drop(black_box(b::hand_prepare_twd(black_box(&plain), key))),
            "prepare-typed" => drop(black_box(black_box(&twd).prepare(&creds))),
            "prepare-floor" => drop(black_box(b::floor_prepare(
                black_box(&md5_canonical),
                &body_prefix,
            ))),
            "verify-hand" => drop(black_box(b::hand_verify_notification(black_box(body), key))),
            "verify-typed" => drop(black_box(PayoutNotification::verify(
                black_box(body),
                Some("application/json"),
                &secret,
            ))),
            "verify-floor" => drop(black_box(b::floor_verify(
                black_box(canonical.as_bytes()),
                &received,
            ))),
            "none" => {}
            other => {
                eprintln!("unknown row `{other}`; rows: {}", ROWS.join(" "));
                std::process::exit(2);
            }
        }
    }
}
