//! One request's cost inside the server, without HTTP: the simulator's create (and query)
//! handler against the trivial server's handler (parse the body, check diamondpay's md5, answer
//! a fixed JSON), each through its `axum::Router` with `tower::ServiceExt::oneshot` on one
//! thread. Reported: microseconds per request (best of 5 rounds) and heap allocations per
//! request (a counting allocator). This is what `load` spends per request besides HTTP, and the
//! place to look with a profiler:
//! `valgrind --tool=callgrind target/release/deps/handler-<hash> --bench` (then
//! `callgrind_annotate --inclusive=yes`).
//!
//! `cargo bench -p paywire-sim --bench handler`; `PAYWIRE_SIM_HANDLER_REQUESTS=<n>` (default
//! 50,000 per round); `PAYWIRE_SIM_HANDLER_ONLY=trivial|create|query|none` runs one row (or
//! none: the bodies are still built), so that instruction counts of two runs of different sizes
//! give one row's cost per request.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::Request;
use paywire::{Credentials, Gateway, Secret};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tower::ServiceExt;

/// Heap allocations (`alloc` and `realloc`) of the whole process.
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call is forwarded unchanged to `System`; the counter does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const KEY: &str = "bench-platform-key";
const AUTH: &str = "bench-authorization";
const PATH: &str = "/diamondpay/gateway/api/v2/payouts";
const ROUNDS: usize = 5;

struct Bodies {
    all: Bytes,
    offsets: Vec<usize>,
}

impl Bodies {
    fn get(&self, i: usize) -> Bytes {
        self.all.slice(self.offsets[i]..self.offsets[i + 1])
    }
}

fn bodies(n: usize, round: usize) -> Bodies {
    let creds = Credentials::new(Secret::new(KEY));
    let mut all = Vec::with_capacity(n * 340);
    let mut offsets = vec![0];
    for i in 0..n {
        let body = common::payout(format!("H{round}-{i:08}"))
            .build()
            .expect("valid")
            .prepare(&creds)
            .expect("prepares")
            .body
            .expect("a body");
        all.extend_from_slice(body.as_bytes());
        offsets.push(all.len());
    }
    Bodies {
        all: Bytes::from(all),
        offsets,
    }
}

/// Send `n` requests made by `make` through `router`, each answer checked for `ok`; (µs per
/// request, allocations per request).
async fn round(
    router: &axum::Router,
    n: usize,
    make: impl Fn(usize) -> Request<Body>,
    ok: &[u8],
) -> (f64, f64) {
    let requests: Vec<Request<Body>> = (0..n).map(make).collect();
    let allocs = ALLOCS.load(Ordering::Relaxed);
    let started = Instant::now();
    for req in requests {
        let resp = router.clone().oneshot(req).await.expect("an answer");
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("a body");
        assert!(
            body.windows(ok.len()).any(|w| w == ok),
            "unexpected answer {}",
            String::from_utf8_lossy(&body)
        );
    }
    let us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let per = (ALLOCS.load(Ordering::Relaxed) - allocs) as f64 / n as f64;
    (us, per)
}

fn main() {
    let testing = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("PAYWIRE_SIM_HANDLER_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if testing { 500 } else { 50_000 });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/diamondpay.toml");
    let gateway = Gateway::load(&spec).expect("the diamondpay spec");
    let trivial = axum::Router::new().route(
        PATH,
        axum::routing::post(|body: Bytes| async move {
            let ok = common::trivial_check(&body, KEY);
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                if ok {
                    r#"{"error_code":"0000","data":{"payout_id":"DI00000001"}}"#
                } else {
                    r#"{"error_code":"0001"}"#
                },
            )
        }),
    );
    let post = |b: Bytes| {
        Request::post(PATH)
            .header("content-type", "application/json")
            .body(Body::from(b))
            .expect("a request")
    };
    let only = std::env::var("PAYWIRE_SIM_HANDLER_ONLY").ok();
    let runs = |row: &str| only.as_deref().is_none_or(|o| o == row);
    let mut rows = Vec::new();
    rt.block_on(async {
        let mut best = |name: &'static str, r: (f64, f64)| match rows
            .iter_mut()
            .find(|(n, _, _)| *n == name)
        {
            Some((_, us, allocs)) => {
                if r.0 < *us {
                    *us = r.0;
                }
                *allocs = r.1;
            }
            None => rows.push((name, r.0, r.1)),
        };
        for k in 0..ROUNDS {
            let b = bodies(n, k);
            if runs("trivial") {
                best(
                    "trivial: parse, md5 check, fixed answer",
                    round(&trivial, n, |i| post(b.get(i)), br#""0000""#).await,
                );
            }
            if !runs("create") && !runs("query") {
                continue;
            }
            // A fresh simulator per round: every round creates n new orders.
            let sim = Simulator::new(SimConfig::new(vec![SimGateway {
                gateway: gateway.clone(),
                secret: Secret::new(KEY),
                authorization: Some(Secret::new(AUTH)),
            }]))
            .expect("the simulator");
            let router = sim.router();
            best(
                "simulator: create payout (in memory)",
                round(&router, n, |i| post(b.get(i)), br#""0000""#).await,
            );
            if !runs("query") {
                continue;
            }
            best(
                "simulator: query payout by merchant id",
                round(
                    &router,
                    n,
                    |i| {
                        Request::get(format!(
                            "/diamondpay/gateway/api/v2/payouts?payout_cl_id=H{k}-{i:08}"
                        ))
                        .header("authorization", AUTH)
                        .body(Body::empty())
                        .expect("a request")
                    },
                    br#""0000""#,
                )
                .await,
            );
        }
    });
    println!(
        "| handler ({n} requests per round, best of {ROUNDS}) | µs/request | allocations/request |"
    );
    println!("|---|---|---|");
    for (name, us, allocs) in rows {
        println!("| {name} | {us:.2} | {allocs:.1} |");
    }
}
