//! `paywire::Client::send(&typed)` against raw reqwest posting the pre-built bytes (same URL,
//! same body, same headers, same timeouts), over HTTP/1.1 on loopback, at concurrency 1 and 64.
//!
//! The server is axum on 127.0.0.1:0 on its own thread with a one-thread tokio runtime; it
//! reads each body and answers seed 000's documented success JSON (diamondpay's create answers
//! carry no signature, so `CreatePayoutTwdResponse::read` takes it as is and the typed client
//! returns `Outcome::Accepted`). The clients run on a one-thread (current-thread) runtime on the
//! bench's main thread, so on a 2-core machine client and server get a core each. Each
//! criterion iteration is a batch of `BATCH` requests; sampling is flat and time-bounded, so
//! every load loop is bounded (a few tens of thousands of requests per row, never more than
//! `MAX_REQUESTS_PER_ROW`) and the whole target takes about a minute. Before criterion, the
//! typed/raw ratio is also measured in interleaved rounds (`ROUNDS` x `ROUND_N` requests per path
//! and concurrency), which a busy machine disturbs far less. The server is shut down and joined
//! at the end.
//!
//! `cargo bench -p paywire-benches --bench client`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use paywire::{Client, ClientConfig, Outcome};
use paywire_benches::loopback::{PATH, Server};
use paywire_benches::{self as b, CountingAlloc, count_allocs};
use paywire_diamondpay::CreatePayoutTwdRequest;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Requests per criterion iteration.
const BATCH: u64 = 500;
/// A hard ceiling on the requests one row may send, whatever criterion asks for.
const MAX_REQUESTS_PER_ROW: usize = 200_000;
/// Interleaved rounds for the typed/raw ratio, and requests per path in each round.
const ROUNDS: usize = 20;
const ROUND_N: usize = 500;
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Paths {
    typed: Client,
    raw: reqwest::Client,
    url: Arc<str>,
    request: Arc<CreatePayoutTwdRequest>,
    body: &'static [u8],
}

impl Paths {
    async fn one_typed(&self) {
        match self.typed.send(&*self.request).await {
            Outcome::Accepted { .. } => {}
            other => panic!("typed send not accepted: {other:?}"),
        }
    }

    async fn one_raw(&self) {
        let resp = self
            .raw
            .post(&*self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.body)
            .send()
            .await
            .expect("raw send");
        assert!(
            resp.status().is_success(),
            "raw send: HTTP {}",
            resp.status()
        );
        let body = resp.bytes().await.expect("raw body");
        std::hint::black_box(body);
    }

    async fn one(&self, typed: bool) {
        if typed {
            self.one_typed().await
        } else {
            self.one_raw().await
        }
    }

    /// `n` requests, `concurrency` at a time (tasks claim requests from a shared counter).
    async fn run(&self, typed: bool, n: usize, concurrency: usize) {
        if concurrency == 1 {
            for _ in 0..n {
                self.one(typed).await;
            }
            return;
        }
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let me = self.clone();
            let next = next.clone();
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    me.one(typed).await;
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.expect("a load task panicked");
        }
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    elapsed: Duration,
}

fn main() {
    let server = Server::start();
    let base = format!("http://{}", server.addr);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    let request = b::seed_000_typed();
    let creds = b::diamondpay_credentials();
    let prepared = request.prepare(&creds).expect("prepares");
    let body: &'static [u8] = Box::leak(
        prepared
            .body
            .expect("a JSON body")
            .into_bytes()
            .into_boxed_slice(),
    );
    let typed = Client::new(
        ClientConfig::new(base.clone(), creds)
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT),
    )
    .expect("typed client");
    // Configured as paywire::Client configures its own (timeouts, redirects not followed).
    let raw = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("raw client");
    let paths = Paths {
        typed,
        raw,
        url: format!("{base}{PATH}").into(),
        request: Arc::new(request),
        body,
    };

    // Warm both pools to 64 connections (and every lazy static) before anything is measured.
    rt.block_on(async {
        paths.run(true, 640, 64).await;
        paths.run(false, 640, 64).await;
    });

    // Allocations per request on the client thread (the server runs on its own thread and its
    // allocations are not counted), averaged over 1,000 sequential requests on warm pools.
    const ALLOC_N: usize = 1_000;
    let typed_allocs = count_allocs(|| rt.block_on(paths.run(true, ALLOC_N, 1)));
    let raw_allocs = count_allocs(|| rt.block_on(paths.run(false, ALLOC_N, 1)));
    eprintln!();
    eprintln!("client-thread heap allocations per request (average of {ALLOC_N}, concurrency 1)");
    eprintln!(
        "  typed Client::send   {:>7.1} allocs {:>6.1} reallocs",
        typed_allocs.allocs as f64 / ALLOC_N as f64,
        typed_allocs.reallocs as f64 / ALLOC_N as f64
    );
    eprintln!(
        "  raw reqwest          {:>7.1} allocs {:>6.1} reallocs",
        raw_allocs.allocs as f64 / ALLOC_N as f64,
        raw_allocs.reallocs as f64 / ALLOC_N as f64
    );
    eprintln!();

    // The ratio, measured interleaved: rounds of ROUND_N raw then ROUND_N typed requests (the
    // order swapped every round), so that a change of load on the machine hits both paths alike.
    // The criterion rows below measure each path on its own, one after the other.
    eprintln!("interleaved rounds ({ROUNDS} x {ROUND_N} requests per path and concurrency)");
    for concurrency in [1usize, 64] {
        let mut ratios = Vec::with_capacity(ROUNDS);
        let (mut raw_time, mut typed_time) = (Duration::ZERO, Duration::ZERO);
        for round in 0..ROUNDS {
            let order = if round % 2 == 0 {
                [false, true]
            } else {
                [true, false]
            };
            let mut took = [Duration::ZERO; 2];
            for typed in order {
                let started = Instant::now();
                rt.block_on(paths.run(typed, ROUND_N, concurrency));
                took[usize::from(typed)] = started.elapsed();
            }
            raw_time += took[0];
            typed_time += took[1];
            ratios.push(took[0].as_secs_f64() / took[1].as_secs_f64());
        }
        ratios.sort_by(f64::total_cmp);
        let n = (ROUNDS * ROUND_N) as f64;
        eprintln!(
            "  c={concurrency:<3} raw {:>8.0} req/s   typed {:>8.0} req/s   typed/raw {:.3} overall, {:.3} median of rounds ({:.3}..{:.3})",
            n / raw_time.as_secs_f64(),
            n / typed_time.as_secs_f64(),
            raw_time.as_secs_f64() / typed_time.as_secs_f64(),
            ratios[ROUNDS / 2],
            ratios[0],
            ratios[ROUNDS - 1],
        );
    }
    eprintln!();

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10)
        .configure_from_args();
    let mut tallies: Vec<(usize, &str, Tally)> = Vec::new();
    {
        let mut g = c.benchmark_group("client");
        g.sampling_mode(SamplingMode::Flat);
        g.throughput(Throughput::Elements(BATCH));
        for concurrency in [1usize, 64] {
            for (name, typed) in [("raw reqwest", false), ("typed send", true)] {
                let mut tally = Tally::default();
                g.bench_function(BenchmarkId::new(name, format!("c={concurrency}")), |bch| {
                    bch.iter_custom(|iters| {
                        let n = usize::try_from(iters * BATCH).expect("fits");
                        assert!(
                            tally.requests + n <= MAX_REQUESTS_PER_ROW,
                            "request budget of {MAX_REQUESTS_PER_ROW} per row exceeded"
                        );
                        let started = Instant::now();
                        rt.block_on(paths.run(typed, n, concurrency));
                        let took = started.elapsed();
                        tally.requests += n;
                        tally.elapsed += took;
                        took
                    })
                });
                tallies.push((concurrency, name, tally));
            }
        }
        g.finish();
    }
    c.final_summary();

    eprintln!();
    eprintln!("client summary (every request of every warm-up and sample, per row)");
    for concurrency in [1usize, 64] {
        let rate = |name: &str| {
            tallies
                .iter()
                .find(|(c, n, _)| *c == concurrency && *n == name)
                .map(|(_, _, t)| (t.requests, t.requests as f64 / t.elapsed.as_secs_f64()))
                .unwrap_or((0, 0.0))
        };
        let (raw_n, raw_rate) = rate("raw reqwest");
        let (typed_n, typed_rate) = rate("typed send");
        eprintln!(
            "  c={concurrency:<3} raw {raw_rate:>9.0} req/s ({raw_n} requests)   typed {typed_rate:>9.0} req/s ({typed_n} requests)   typed/raw {:.3}",
            typed_rate / raw_rate
        );
    }
    drop(rt);
    drop(server);
}
