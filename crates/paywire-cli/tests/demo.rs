//! `paywire demo`, run as a newcomer runs it: one command, from any directory.

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_paywire");

/// The demo's fixed sandbox secrets (src/demo.rs): none may appear in its output.
const SECRETS: [&str; 4] = [
    "demo-diamondpay-platform-key",
    "demo-diamondpay-authorization",
    "demo-goldenpay-api-token",
    "demo-intqp-merchant-key",
];

/// The transcript's section about one provider: from its heading to the next one.
fn section<'a>(text: &'a str, provider: &str) -> &'a str {
    let start = text
        .find(&format!("== {provider} "))
        .unwrap_or_else(|| panic!("no section for {provider}:\n{text}"));
    let rest = &text[start + 3..];
    let end = rest
        .find("\n== ")
        .or_else(|| rest.find("\ndone in"))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn assert_has(section: &str, provider: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(
            section.contains(w),
            "{provider}: the transcript lacks {w:?}:\n{section}"
        );
    }
}

#[test]
fn demo_tells_each_providers_story_and_exits_0() {
    let started = Instant::now();
    let out = Command::new(BIN)
        .arg("demo")
        // The specs come from the provider crates: any working directory will do.
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}\n{err}");
    assert!(
        elapsed < Duration::from_secs(30),
        "the demo took {elapsed:?}"
    );

    let dp = section(&text, "diamondpay");
    assert_has(
        dp,
        "diamondpay",
        &[
            "[diamondpay 1/5] create payout DEMO-DP-1",
            "canonical     amount=50000&",
            "&key=****",
            "signature     ",
            "ACCEPTED      order DEMO-DP-1, gateway id DI",
            "VERIFIED      notification `payout` for DEMO-DP-1: status \"3\" -> succeeded",
            "delivery key payout:DEMO-DP-1:3, replied {\"error_code\":\"0000\"}",
            "ACCEPTED      1 row(s)",
            "INDETERMINATE timed out after sending",
            "Do not retry with a new order id; query the order or wait for the notification.",
            "RECONCILED    DEMO-DP-2: final status \"3\" -> succeeded",
            "the simulator's record: status \"3\"",
            "(the same)",
        ],
    );

    let gp = section(&text, "goldenpay");
    assert_has(
        gp,
        "goldenpay",
        &[
            "[goldenpay 1/5] create payout DEMO-GP-1",
            "canonical     ****&account_name=",
            "ACCEPTED      order DEMO-GP-1, gateway id GO",
            "VERIFIED      notification `payout` for DEMO-GP-1: status \"60\" -> succeeded",
            "delivery key payout:DEMO-GP-1:60, replied success",
            "trans_id DEMO-GP-1, status \"60\" -> succeeded",
            "INDETERMINATE timed out after sending",
            "RECONCILED    DEMO-GP-2: final status \"60\" -> succeeded",
            "the simulator's record: status \"60\"",
            "(the same)",
        ],
    );

    let iq = section(&text, "intqp");
    assert_has(
        iq,
        "intqp",
        &[
            "[intqp 1/5] create withdrawal DEMO-IQ-1",
            "ACCEPTED      order DEMO-IQ-1, transactionid IN",
            "intqp documents no notification format",
            "intqp has no query API",
            "REJECTED      10003 DuplicateOrder",
            "so DEMO-IQ-1 exists",
            "INDETERMINATE timed out after sending",
            "RECONCILED    DEMO-IQ-2 exists: the lost request created it",
            "status \"accepted\" (final",
        ],
    );
    assert!(
        !iq.contains("VERIFIED"),
        "intqp sends no notification:\n{iq}"
    );

    assert!(text.contains("\ndone in "), "{text}");
    assert!(
        !text.contains("UNEXPECTED") && !text.contains("FAILED"),
        "{text}"
    );
    for secret in SECRETS {
        assert!(
            !text.contains(secret) && !err.contains(secret),
            "the secret {secret} was printed"
        );
    }
}
