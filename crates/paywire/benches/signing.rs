//! Hot paths: building a canonical string and signing it, and verifying a received body
//! (parse + canonical string + digest + constant-time compare). `cargo bench -p paywire`.

use criterion::{Criterion, criterion_group, criterion_main};
use paywire::received::Object;
use paywire::{Gateway, Secret, signing};
use std::hint::black_box;

const SPEC: &str = r#"
[gateway]
name = "bench"
default_profile = "md5"
[profiles.md5]
digest = "md5"
exclude = ["sign_type"]
[profiles.hmac]
digest = "hmac-sha256"
template = "{pairs}"
"#;

const BODY: &[u8] = br#"{"payment_id":"PM00000018","payment_cl_id":"test_tw_card_1766005863_25","platform_id":"PF0003","payment_cl_name":"","amount":48389,"real_amount":"483.89","fee":1200,"status":2,"create_time":"2026-11-21 23:59:59","update_time":"2026-11-22 00:00:05","last_numbers":["12345","67890","11111"],"error_msg":null}"#;

fn benches(c: &mut Criterion) {
    let gw = Gateway::from_source(SPEC, "bench.toml").expect("bench spec");
    let secret = Secret::new("ThisIsYourSecretKey123");
    let md5 = gw.profile(Some("md5")).expect("md5").clone();
    let hmac = gw.profile(Some("hmac")).expect("hmac").clone();
    let fields = Object::from_json(BODY).expect("body").sign_fields();
    let signed = gw.sign_json_body(None, BODY, &secret).expect("signed");

    c.bench_function("canonical string, 12 fields", |b| {
        b.iter(|| signing::canonical_string(&md5, black_box(&fields), &secret))
    });
    c.bench_function("sign md5, 12 fields", |b| {
        b.iter(|| signing::sign(&md5, black_box(&fields), &secret))
    });
    c.bench_function("sign hmac-sha256, 12 fields", |b| {
        b.iter(|| signing::sign(&hmac, black_box(&fields), &secret))
    });
    c.bench_function("verify received JSON body (parse + sign + compare)", |b| {
        b.iter(|| {
            let obj = Object::from_json(black_box(signed.as_bytes())).expect("parses");
            signing::verify(&md5, "bench.md5", &obj.sign_fields(), &secret).expect("verifies")
        })
    });
}

criterion_group!(signing_benches, benches);
criterion_main!(signing_benches);
