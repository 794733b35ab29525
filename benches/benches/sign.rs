//! Signing, preparing and verifying, side by side: for each case the hand-rolled baseline (what
//! public integrations write), the typed paywire path (generated code), the floor (the digest of
//! pre-built bytes + hex) and, for reference, the interpreter (`paywire::Gateway`, the path the
//! CLI and the simulator take). Before timing, every row's signature is checked equal to the
//! others, and the allocations of one call of each row are printed.
//!
//! `cargo xtask bench` (both targets) or `cargo bench -p paywire-benches --bench sign`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use paywire::received::Object;
use paywire::{Gateway, Secret, signing};
use paywire_benches::{self as b, Allocs, CountingAlloc, count_allocs};
use paywire_diamondpay::{PayoutNotification, Profile};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Fixtures {
    secret: Secret,
    creds: paywire::Credentials,
    twd_plain: b::PlainTwdPayout,
    twd: paywire_diamondpay::CreatePayoutTwdRequest,
    twd_md5_canonical: Vec<u8>,
    twd_hmac_canonical: Vec<u8>,
    golden_token: Secret,
    golden_plain: b::PlainGoldenPayout,
    golden: paywire_goldenpay::CreatePayoutRequest,
    golden_canonical: Vec<u8>,
    body_prefix: String,
    notification: String,
    notification_canonical: Vec<u8>,
    notification_sign: String,
    dp_gateway: Gateway,
    gp_gateway: Gateway,
    twd_fields: Vec<paywire::sign::SignField>,
    twd_hmac_fields: Vec<paywire::sign::SignField>,
    golden_fields: Vec<paywire::sign::SignField>,
}

fn fixtures() -> Fixtures {
    let secret = b::diamondpay_secret();
    let twd = b::seed_000_typed();
    let golden_token = Secret::new(b::GOLDENPAY_TOKEN);
    let golden = b::seed_002_typed();
    let twd_md5_canonical = twd.canonical_string(&secret).expose().as_bytes().to_vec();
    let twd_hmac_canonical = twd
        .canonical_string_with(Profile::HmacSha256, &secret)
        .expose()
        .as_bytes()
        .to_vec();
    let golden_canonical = golden
        .canonical_string(&golden_token)
        .expose()
        .as_bytes()
        .to_vec();
    // The body up to the signature, for the prepare floor: the typed body minus `,"sign":"…"}`.
    let typed_body = twd
        .prepare(&b::diamondpay_credentials())
        .expect("prepares")
        .body
        .expect("a JSON body");
    let body_prefix = typed_body
        .rsplit_once(",\"sign\":")
        .expect("the body ends with the signature")
        .0
        .to_owned();
    let notification = b::payout_notification();
    let obj = Object::from_json(notification.as_bytes()).expect("notification parses");
    let notification_sign = obj.text("sign").expect("signed");
    let fields = Profile::Md5.signed_fields(&obj);
    let mut canonical = String::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            canonical.push('&');
        }
        canonical.push_str(k);
        canonical.push('=');
        canonical.push_str(v);
    }
    canonical.push_str("&key=");
    canonical.push_str(b::DIAMONDPAY_KEY);
    let dp_gateway =
        Gateway::from_source(b::DIAMONDPAY_SPEC, "specs/diamondpay.toml").expect("diamondpay spec");
    let gp_gateway =
        Gateway::from_source(b::GOLDENPAY_SPEC, "specs/goldenpay.toml").expect("goldenpay spec");
    let twd_fields = twd.to_wire().sign_fields();
    let mut hmac_wire = twd.to_wire();
    hmac_wire.apply_adds(
        dp_gateway
            .profile(Some("hmac-sha256"))
            .expect("hmac profile"),
    );
    let twd_hmac_fields = hmac_wire.sign_fields();
    let golden_fields = golden.to_wire().sign_fields();
    Fixtures {
        creds: paywire::Credentials::new(secret.clone()),
        secret,
        twd_plain: b::seed_000_plain(),
        twd,
        twd_md5_canonical,
        twd_hmac_canonical,
        golden_token,
        golden_plain: b::seed_002_plain(),
        golden,
        golden_canonical,
        body_prefix,
        notification,
        notification_canonical: canonical.into_bytes(),
        notification_sign,
        dp_gateway,
        gp_gateway,
        twd_fields,
        twd_hmac_fields,
        golden_fields,
    }
}

fn interp_sign(
    gw: &Gateway,
    profile: Option<&str>,
    fields: &[paywire::sign::SignField],
    secret: &Secret,
) -> String {
    let recipe = gw.profile(profile).expect("profile");
    signing::sign(recipe, fields, secret).1.as_str().to_owned()
}

/// Outside any timing: every row of a group gives the same answer.
fn check_agreement(f: &Fixtures) {
    let key = b::DIAMONDPAY_KEY;
    // sign / md5
    let hand = b::hand_sign_twd_md5(&f.twd_plain, key);
    let typed = f.twd.signature(&f.secret);
    let floor = b::floor_md5(&f.twd_md5_canonical);
    let interp = interp_sign(&f.dp_gateway, None, &f.twd_fields, &f.secret);
    assert_eq!(hand, b::SEED_000_MD5_SIGN, "hand-rolled md5");
    assert_eq!(typed.as_str(), hand, "typed md5");
    assert_eq!(floor, hand, "floor md5");
    assert_eq!(interp, hand, "interpreter md5");
    // sign / hmac-sha256
    let hand = b::hand_sign_twd_hmac(&f.twd_plain, key);
    let typed = f.twd.signature_with(Profile::HmacSha256, &f.secret);
    let floor = b::floor_hmac(&f.twd_hmac_canonical, key.as_bytes());
    let interp = interp_sign(
        &f.dp_gateway,
        Some("hmac-sha256"),
        &f.twd_hmac_fields,
        &f.secret,
    );
    assert_eq!(hand.len(), 64, "hmac-sha256 gives 64 hex digits");
    assert_eq!(typed.as_str(), hand, "typed hmac-sha256");
    assert_eq!(floor, hand, "floor hmac-sha256");
    assert_eq!(interp, hand, "interpreter hmac-sha256");
    // sign / goldenpay
    let hand = b::hand_sign_golden(&f.golden_plain, b::GOLDENPAY_TOKEN);
    let typed = f.golden.signature(&f.golden_token);
    let floor = b::floor_md5(&f.golden_canonical);
    let interp = interp_sign(&f.gp_gateway, None, &f.golden_fields, &f.golden_token);
    assert_eq!(typed.as_str(), hand, "typed goldenpay");
    assert_eq!(floor, hand, "floor goldenpay");
    assert_eq!(interp, hand, "interpreter goldenpay");
    // prepare: the same signature in each body; the floor's body is the typed body exactly.
    let typed = f.twd.prepare(&f.creds).expect("prepares");
    let typed_body = typed.body.as_deref().expect("body");
    let hand_body = b::hand_prepare_twd(&f.twd_plain, key);
    let hand_json: serde_json::Value = serde_json::from_str(&hand_body).expect("hand body is JSON");
    let typed_json: serde_json::Value =
        serde_json::from_str(typed_body).expect("typed body is JSON");
    assert_eq!(
        hand_json, typed_json,
        "hand-rolled and typed bodies carry the same fields"
    );
    assert_eq!(
        b::floor_prepare(&f.twd_md5_canonical, &f.body_prefix),
        typed_body,
        "floor body"
    );
    let interp = f
        .dp_gateway
        .prepare("create_payout_twd", f.twd.to_wire(), &f.creds, None)
        .expect("interpreter prepares");
    let interp_json: serde_json::Value =
        serde_json::from_str(interp.body.as_deref().expect("body")).expect("JSON");
    assert_eq!(interp_json, typed_json, "interpreter body");
    // verify: all accept the correctly signed notification, all refuse a tampered one.
    let body = f.notification.as_bytes();
    assert!(b::hand_verify_notification(body, key), "hand-rolled verify");
    assert!(
        PayoutNotification::verify(body, Some("application/json"), &f.secret).is_ok(),
        "typed verify"
    );
    assert!(
        b::floor_verify(&f.notification_canonical, &f.notification_sign),
        "floor verify"
    );
    assert!(
        f.dp_gateway
            .verify_notification("payout", body, Some("application/json"), &f.secret)
            .is_ok(),
        "interpreter verify"
    );
    let tampered = f.notification.replace("\"fee\":1500", "\"fee\":1");
    assert!(!b::hand_verify_notification(tampered.as_bytes(), key));
    assert!(
        PayoutNotification::verify(tampered.as_bytes(), Some("application/json"), &f.secret)
            .is_err()
    );
}

/// A case, a path, and one counted call of it.
type AllocRow<'a> = (&'static str, &'static str, Box<dyn Fn() -> Allocs + 'a>);

/// A step of the typed verify and one counted call of it.
type AllocStep<'a> = (&'static str, Box<dyn Fn() -> Allocs + 'a>);

/// One call of each row, after a warm-up call (lazy statics, first-use buffers), counted on this
/// thread.
fn allocation_table(f: &Fixtures) {
    let key = b::DIAMONDPAY_KEY;
    let body = f.notification.as_bytes();
    let rows: Vec<AllocRow<'_>> = vec![
        (
            "sign md5 (seed 000)",
            "hand-rolled",
            Box::new(|| count_allocs(|| b::hand_sign_twd_md5(&f.twd_plain, key))),
        ),
        (
            "sign md5 (seed 000)",
            "typed signature()",
            Box::new(|| count_allocs(|| f.twd.signature(&f.secret))),
        ),
        (
            "sign md5 (seed 000)",
            "typed canonical_string()",
            Box::new(|| count_allocs(|| f.twd.canonical_string(&f.secret))),
        ),
        (
            "sign md5 (seed 000)",
            "floor",
            Box::new(|| count_allocs(|| b::floor_md5(&f.twd_md5_canonical))),
        ),
        (
            "sign md5 (seed 000)",
            "interpreter",
            Box::new(|| {
                count_allocs(|| interp_sign(&f.dp_gateway, None, &f.twd_fields, &f.secret))
            }),
        ),
        (
            "sign hmac-sha256 (seed 000)",
            "hand-rolled",
            Box::new(|| count_allocs(|| b::hand_sign_twd_hmac(&f.twd_plain, key))),
        ),
        (
            "sign hmac-sha256 (seed 000)",
            "typed signature_with()",
            Box::new(|| count_allocs(|| f.twd.signature_with(Profile::HmacSha256, &f.secret))),
        ),
        (
            "sign hmac-sha256 (seed 000)",
            "floor",
            Box::new(|| count_allocs(|| b::floor_hmac(&f.twd_hmac_canonical, key.as_bytes()))),
        ),
        (
            "sign goldenpay md5 (seed 002)",
            "hand-rolled",
            Box::new(|| count_allocs(|| b::hand_sign_golden(&f.golden_plain, b::GOLDENPAY_TOKEN))),
        ),
        (
            "sign goldenpay md5 (seed 002)",
            "typed signature()",
            Box::new(|| count_allocs(|| f.golden.signature(&f.golden_token))),
        ),
        (
            "sign goldenpay md5 (seed 002)",
            "floor",
            Box::new(|| count_allocs(|| b::floor_md5(&f.golden_canonical))),
        ),
        (
            "prepare (seed 000)",
            "hand-rolled sign + serde_json",
            Box::new(|| count_allocs(|| b::hand_prepare_twd(&f.twd_plain, key))),
        ),
        (
            "prepare (seed 000)",
            "typed prepare()",
            Box::new(|| count_allocs(|| f.twd.prepare(&f.creds))),
        ),
        (
            "prepare (seed 000)",
            "floor",
            Box::new(|| count_allocs(|| b::floor_prepare(&f.twd_md5_canonical, &f.body_prefix))),
        ),
        (
            "verify notification",
            "hand-rolled",
            Box::new(|| count_allocs(|| b::hand_verify_notification(body, key))),
        ),
        (
            "verify notification",
            "typed verify()",
            Box::new(|| {
                count_allocs(|| {
                    PayoutNotification::verify(body, Some("application/json"), &f.secret)
                })
            }),
        ),
        (
            "verify notification",
            "floor",
            Box::new(|| {
                count_allocs(|| b::floor_verify(&f.notification_canonical, &f.notification_sign))
            }),
        ),
        (
            "verify notification",
            "interpreter",
            Box::new(|| {
                count_allocs(|| {
                    f.dp_gateway.verify_notification(
                        "payout",
                        body,
                        Some("application/json"),
                        &f.secret,
                    )
                })
            }),
        ),
    ];
    eprintln!();
    eprintln!(
        "heap allocations per call (one call, counted on this thread by the bench's global allocator)"
    );
    eprintln!(
        "{:<32} {:<34} {:>8} {:>9}",
        "case", "path", "allocs", "reallocs"
    );
    for (case, path, run) in &rows {
        let _ = run(); // warm-up
        let a = run();
        eprintln!("{case:<32} {path:<34} {:>8} {:>9}", a.allocs, a.reallocs);
    }
    eprintln!();

    // Where the typed verify's allocations go: its steps, each through the public API it uses.
    let obj = Object::from_body(body, Some("application/json")).expect("parses");
    let known = [
        "payout_id",
        "payout_cl_id",
        "platform_id",
        "amount",
        "real_amount",
        "fee",
        "status",
        "create_time",
        "update_time",
        "error_msg",
        "sign_type",
        "sign",
    ];
    let steps: Vec<AllocStep<'_>> = vec![
        (
            "parse (received::Object::from_body)",
            Box::new(|| count_allocs(|| Object::from_body(body, Some("application/json")))),
        ),
        (
            "check the signature (Profile::verify_received)",
            Box::new(|| {
                count_allocs(|| {
                    Profile::for_received(&obj, Profile::Md5).verify_received(&obj, &f.secret)
                })
            }),
        ),
        (
            "read the typed fields (FromObject::from_object)",
            Box::new(|| {
                count_allocs(|| {
                    <PayoutNotification as paywire::read::FromObject>::from_object(&obj)
                })
            }),
        ),
        (
            "  of which read::extra (unknown fields)",
            Box::new(|| count_allocs(|| paywire::read::extra(&obj, &known))),
        ),
    ];
    eprintln!(
        "typed verify() step by step (allocs, reallocs); the rest is order id, status and reply"
    );
    for (step, run) in &steps {
        let _ = run();
        let a = run();
        eprintln!("  {step:<52} {:>4} {:>4}", a.allocs, a.reallocs);
    }
    eprintln!();
}

fn sign_group(c: &mut Criterion, f: &Fixtures) {
    let key = b::DIAMONDPAY_KEY;
    let mut g = c.benchmark_group("sign");
    let case = "md5 seed000";
    g.bench_function(BenchmarkId::new(case, "hand-rolled"), |bch| {
        bch.iter(|| b::hand_sign_twd_md5(black_box(&f.twd_plain), black_box(key)))
    });
    g.bench_function(BenchmarkId::new(case, "typed"), |bch| {
        bch.iter(|| black_box(&f.twd).signature(black_box(&f.secret)))
    });
    g.bench_function(BenchmarkId::new(case, "floor"), |bch| {
        bch.iter(|| b::floor_md5(black_box(&f.twd_md5_canonical)))
    });
    g.bench_function(BenchmarkId::new(case, "interpreter"), |bch| {
        bch.iter(|| interp_sign(&f.dp_gateway, None, black_box(&f.twd_fields), &f.secret))
    });

    let case = "hmac-sha256 seed000";
    g.bench_function(BenchmarkId::new(case, "hand-rolled"), |bch| {
        bch.iter(|| b::hand_sign_twd_hmac(black_box(&f.twd_plain), black_box(key)))
    });
    g.bench_function(BenchmarkId::new(case, "typed"), |bch| {
        bch.iter(|| black_box(&f.twd).signature_with(Profile::HmacSha256, black_box(&f.secret)))
    });
    g.bench_function(BenchmarkId::new(case, "floor"), |bch| {
        bch.iter(|| b::floor_hmac(black_box(&f.twd_hmac_canonical), black_box(key.as_bytes())))
    });
    g.bench_function(BenchmarkId::new(case, "interpreter"), |bch| {
        bch.iter(|| {
            interp_sign(
                &f.dp_gateway,
                Some("hmac-sha256"),
                black_box(&f.twd_hmac_fields),
                &f.secret,
            )
        })
    });

    let case = "goldenpay md5 seed002";
    g.bench_function(BenchmarkId::new(case, "hand-rolled"), |bch| {
        bch.iter(|| b::hand_sign_golden(black_box(&f.golden_plain), black_box(b::GOLDENPAY_TOKEN)))
    });
    g.bench_function(BenchmarkId::new(case, "typed"), |bch| {
        bch.iter(|| black_box(&f.golden).signature(black_box(&f.golden_token)))
    });
    g.bench_function(BenchmarkId::new(case, "floor"), |bch| {
        bch.iter(|| b::floor_md5(black_box(&f.golden_canonical)))
    });
    g.bench_function(BenchmarkId::new(case, "interpreter"), |bch| {
        bch.iter(|| {
            interp_sign(
                &f.gp_gateway,
                None,
                black_box(&f.golden_fields),
                &f.golden_token,
            )
        })
    });
    g.finish();
}

fn prepare_group(c: &mut Criterion, f: &Fixtures) {
    let key = b::DIAMONDPAY_KEY;
    let mut g = c.benchmark_group("prepare");
    let case = "seed000";
    g.bench_function(BenchmarkId::new(case, "hand-rolled"), |bch| {
        bch.iter(|| b::hand_prepare_twd(black_box(&f.twd_plain), black_box(key)))
    });
    g.bench_function(BenchmarkId::new(case, "typed"), |bch| {
        bch.iter(|| black_box(&f.twd).prepare(black_box(&f.creds)))
    });
    g.bench_function(BenchmarkId::new(case, "floor"), |bch| {
        bch.iter(|| b::floor_prepare(black_box(&f.twd_md5_canonical), black_box(&f.body_prefix)))
    });
    g.bench_function(BenchmarkId::new(case, "interpreter"), |bch| {
        bch.iter_batched(
            || f.twd.to_wire(),
            |wire| {
                f.dp_gateway
                    .prepare("create_payout_twd", wire, &f.creds, None)
            },
            criterion::BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn verify_group(c: &mut Criterion, f: &Fixtures) {
    let key = b::DIAMONDPAY_KEY;
    let body = f.notification.as_bytes();
    let mut g = c.benchmark_group("verify");
    let case = "payout notification";
    g.bench_function(BenchmarkId::new(case, "hand-rolled"), |bch| {
        bch.iter(|| b::hand_verify_notification(black_box(body), black_box(key)))
    });
    g.bench_function(BenchmarkId::new(case, "typed"), |bch| {
        bch.iter(|| {
            PayoutNotification::verify(
                black_box(body),
                Some("application/json"),
                black_box(&f.secret),
            )
        })
    });
    g.bench_function(BenchmarkId::new(case, "floor"), |bch| {
        bch.iter(|| {
            b::floor_verify(
                black_box(&f.notification_canonical),
                black_box(&f.notification_sign),
            )
        })
    });
    g.bench_function(BenchmarkId::new(case, "interpreter"), |bch| {
        bch.iter(|| {
            f.dp_gateway.verify_notification(
                "payout",
                black_box(body),
                Some("application/json"),
                &f.secret,
            )
        })
    });
    g.finish();
}

/// The payout notification with `n` extra fields (`"x000001":"v"`, unknown to the spec, so every
/// one is parsed, checked for duplicates and signed over), correctly signed: the work an
/// unauthenticated sender can ask of a notification endpoint grows linearly with the body.
fn padded_notification(n: usize) -> String {
    let base = b::PAYOUT_NOTIFICATION_UNSIGNED;
    let mut body = String::with_capacity(base.len() + n * 14);
    body.push_str(&base[..base.len() - 1]);
    for i in 0..n {
        body.push_str(&format!(",\"x{i:06}\":\"v\""));
    }
    body.push('}');
    paywire_diamondpay::Profile::Md5
        .sign_json(body.as_bytes(), &b::diamondpay_secret())
        .expect("the padded notification is a JSON object")
}

/// Verify time against the field count (10k, 100k, 300k fields: 0.14, 1.4 and 4.3 MB), typed and
/// interpreter, with the body limit raised to let them in (the default 1 MiB refuses the two
/// larger ones before parsing).
fn field_count_group(c: &mut Criterion, f: &Fixtures) {
    let mut g = c.benchmark_group("verify_fields");
    g.sample_size(10);
    let options = paywire::VerifyOptions {
        max_body: 16 << 20,
        ..paywire::VerifyOptions::default()
    };
    let gateway = Gateway::from_source(b::DIAMONDPAY_SPEC, "specs/diamondpay.toml")
        .expect("diamondpay spec")
        .with_body_limit(16 << 20);
    for n in [10_000usize, 100_000, 300_000] {
        let body = padded_notification(n);
        let typed = PayoutNotification::verify_with(
            body.as_bytes(),
            Some("application/json"),
            &f.secret,
            &options,
        );
        assert!(typed.is_ok(), "{n} fields: typed verify: {typed:?}");
        let interp = gateway.verify_notification(
            "payout",
            body.as_bytes(),
            Some("application/json"),
            &f.secret,
        );
        assert!(interp.is_ok(), "{n} fields: interpreter verify: {interp:?}");
        g.throughput(criterion::Throughput::Bytes(body.len() as u64));
        g.bench_function(BenchmarkId::new("typed", n), |bch| {
            bch.iter(|| {
                PayoutNotification::verify_with(
                    black_box(body.as_bytes()),
                    Some("application/json"),
                    &f.secret,
                    &options,
                )
            })
        });
        g.bench_function(BenchmarkId::new("interpreter", n), |bch| {
            bch.iter(|| {
                gateway.verify_notification(
                    "payout",
                    black_box(body.as_bytes()),
                    Some("application/json"),
                    &f.secret,
                )
            })
        });
    }
    g.finish();
}

fn main() {
    let f = fixtures();
    check_agreement(&f);
    eprintln!(
        "agreement: hand-rolled, typed, floor and interpreter give the same signatures \
         (seed 000 md5 = {}), bodies and verdicts",
        b::SEED_000_MD5_SIGN
    );
    eprintln!(
        "notification fixture ({} bytes): {}",
        f.notification.len(),
        f.notification
    );
    allocation_table(&f);

    // 1 s warm-up and 3 s of samples per row (the command line can override both).
    let mut c = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .configure_from_args();
    sign_group(&mut c, &f);
    prepare_group(&mut c, &f);
    verify_group(&mut c, &f);
    field_count_group(&mut c, &f);
    c.final_summary();
}
