//! Memory per order: the simulator's resident memory as orders accumulate.
//!
//! Each scenario runs in a fresh process (this binary starts itself again with
//! `PAYWIRE_SIM_MEMORY_SCENARIO` set, and waits for it), so one scenario's freed memory never
//! hides another's growth. A scenario creates diamondpay payouts through `Simulator::router()`
//! (no HTTP: only the simulator's own memory is measured) on one thread, moves every order to its
//! final status with `tick()`, and reads `VmRSS` from `/proc/self/status`. It runs three rounds
//! of `N/3` orders, each round created, moved to final and (with notifications)
//! every delivery acknowledged by a local merchant endpoint before the RSS is read. The first
//! round warms the allocator and sizes the tables; the growth from round 2 to round 3 divided by
//! `N/3` is what one more finished order keeps (a delivery is dropped once done; its attempts
//! stay in the delivery log, bounded by `SimConfig::delivery_log`). The growth from the end of
//! round 2 to the end of round 3's creations is what an order costs before its steps.
//!
//! Scenarios: `memory` (no notification URL), `memory+notify` (each order notifies a merchant on
//! 127.0.0.1 that acknowledges), `db` (the same as `memory` with `SimConfig::db`).
//!
//! The request bodies are pre-built, back to back in one buffer that lives for the whole run,
//! before the first measurement. `cargo bench -p paywire-sim --bench memory`;
//! `PAYWIRE_SIM_MEMORY_ORDERS=<N>` (default 300,000).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::Request;
use paywire::{Credentials, Gateway, Secret};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tower::ServiceExt;

const KEY: &str = "bench-platform-key";
const SCENARIO: &str = "PAYWIRE_SIM_MEMORY_SCENARIO";
const SCENARIOS: [&str; 3] = ["memory", "memory+notify", "db"];
const ROUNDS: usize = 3;

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: keep that run short.
    let testing = !std::env::args().any(|a| a == "--bench");
    let n2: usize = std::env::var("PAYWIRE_SIM_MEMORY_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if testing { 3_000 } else { 300_000 });
    if let Ok(s) = std::env::var(SCENARIO) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(scenario(&s, n2));
        return;
    }
    let exe = std::env::current_exe().expect("this binary");
    println!(
        "| scenario | orders | RSS per finished order, bytes | RSS per order just created, bytes | RSS after each round, MiB | book bytes/order | deliveries pending | delivery log entries |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for s in SCENARIOS {
        let out = Command::new(&exe)
            .args(std::env::args().skip(1))
            .env(SCENARIO, s)
            .output()
            .expect("run a scenario");
        assert!(
            out.status.success(),
            "scenario {s} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

async fn scenario(name: &str, n2: usize) {
    let notify = name.contains("notify");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let hook = if notify { Some(merchant().await) } else { None };
    // Every body first, in one buffer kept to the end.
    let creds = Credentials::new(Secret::new(KEY));
    let mut all = Vec::with_capacity(n2 * 400);
    let mut offsets = Vec::with_capacity(n2 + 1);
    offsets.push(0);
    for i in 0..n2 {
        let mut b = common::payout(format!("MEM-{i:08}"));
        if let Some(h) = &hook {
            b = b.notify_url(h);
        }
        let body = b
            .build()
            .expect("valid")
            .prepare(&creds)
            .expect("prepares")
            .body;
        all.extend_from_slice(body.expect("a body").as_bytes());
        offsets.push(all.len());
    }
    let all = Bytes::from(all);
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/diamondpay.toml");
    let mut config = SimConfig::new(vec![SimGateway {
        gateway: Gateway::load(&spec).expect("the diamondpay spec"),
        secret: Secret::new(KEY),
        authorization: None,
    }]);
    // Only tick() moves orders; notifications are retried quickly.
    config.step = Duration::from_secs(3600);
    config.notify_interval = Duration::from_millis(20);
    if name == "db" {
        config.db = Some(dir.path().join("sim.sqlite"));
    }
    let sim = Simulator::new(config).expect("the simulator starts");
    let router = sim.router();
    let create = |i: usize| {
        let req = Request::post("/diamondpay/gateway/api/v2/payouts")
            .header("content-type", "application/json")
            .body(Body::from(all.slice(offsets[i]..offsets[i + 1])))
            .expect("a request");
        let router = router.clone();
        async move {
            let resp = router.oneshot(req).await.expect("an answer");
            assert!(resp.status().is_success());
        }
    };
    // Three rounds of n orders: create them, move them to their final status, wait for every
    // notification to be acknowledged; the RSS after each. The first round warms the allocator
    // and sizes the tables; rounds 2 → 3 give what one more finished order keeps.
    let n = n2 / ROUNDS;
    let mut rss = Vec::new();
    let mut created = Vec::new();
    for round in 0..ROUNDS {
        for i in round * n..(round + 1) * n {
            create(i).await;
        }
        created.push(rss_bytes());
        sim.tick().await;
        sim.tick().await;
        let started = Instant::now();
        while sim.stats().deliveries_pending > 0 && started.elapsed() < Duration::from_secs(600) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        rss.push(rss_bytes());
    }
    let stats = sim.stats();
    let mib = |b: u64| b as f64 / 1_048_576.0;
    let slope = rss[ROUNDS - 1].saturating_sub(rss[ROUNDS - 2]) as f64 / n as f64;
    let created_slope = created[ROUNDS - 1].saturating_sub(rss[ROUNDS - 2]) as f64 / n as f64;
    println!(
        "| {name} | {} | {slope:.0} | {created_slope:.0} | {} | {:.0} | {} | {} |",
        n * ROUNDS,
        rss.iter()
            .map(|b| format!("{:.1}", mib(*b)))
            .collect::<Vec<_>>()
            .join(" → "),
        stats.order_bytes as f64 / stats.orders.max(1) as f64,
        stats.deliveries_pending,
        stats.delivery_log,
    );
}

/// A merchant endpoint on 127.0.0.1 acknowledging every notification with diamondpay's reply.
async fn merchant() -> String {
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(|| async { r#"{"error_code":"0000"}"# }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let url = format!("http://{}/notify", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}
