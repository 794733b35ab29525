//! Load generator: the simulator under 64 held connections, against a trivial axum server doing
//! the same md5 check.
//!
//! One run measures, one after the other:
//!
//! - `trivial`: axum, one route, which parses the signed diamondpay create-payout body, rebuilds
//!   diamondpay's canonical string (`k=v` in ASCII order joined with `&`, then `&key=`), checks
//!   the md5 against `sign` and answers a fixed JSON;
//! - `memory`: the simulator (`paywire_sim::Simulator::serve`) with diamondpay, orders in memory;
//! - `db`: the same with a fresh SQLite file (`SimConfig::db`).
//!
//! Each server runs on its own thread with its own two-worker tokio runtime; the client runs on
//! another two-worker runtime (so on a 2-core machine client and server share the cores). The
//! client holds `PAYWIRE_SIM_BENCH_CONNS` connections (default 64: one task and one keep-alive
//! HTTP/1.1 connection each, a minimal client written here) for `PAYWIRE_SIM_BENCH_SECS` seconds (default
//! 60), sending pre-built bodies: every body is a `CreatePayoutTwdRequest` built and signed with
//! the typed API of paywire-diamondpay before the timed phase, each with its own `payout_cl_id`,
//! so every request to the simulator creates an order. The load is bounded twice: by the
//! duration and by the number of pre-built bodies (`PAYWIRE_SIM_BENCH_MAX_REQUESTS`, default
//! 3,000,000); a phase that runs out of bodies stops early and says so.
//!
//! Reported per phase: requests, errors (anything but HTTP 200 with diamondpay's success code),
//! req/s, latency p50/p99/p99.9/max, the throughput of the first and the last 10 s (flatness),
//! the CPU time of the server's threads and of the client's, and the process's RSS before, at
//! its peak and after.
//!
//! `cargo bench -p paywire-sim --bench load` (figures in crates/paywire-sim/BENCHMARKS.md);
//! quick run: `PAYWIRE_SIM_BENCH_SECS=10 cargo bench -p paywire-sim --bench load`;
//! one phase: `PAYWIRE_SIM_BENCH_PHASES=db`.

mod common;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use paywire::{Credentials, Gateway, Secret};
use paywire_diamondpay::CreatePayoutTwdRequest;
use paywire_sim::{SimConfig, SimGateway, Simulator};

const KEY: &str = "bench-platform-key";
const AUTH: &str = "bench-authorization";
const PATH: &str = "/diamondpay/gateway/api/v2/payouts";
const ANSWER: &str = r#"{"error_code":"0000","data":{"payout_id":"DI00000001"}}"#;
const REFUSED: &str = r#"{"error_code":"0001","error_msg":"Signature verification failed!"}"#;
const SERVER_THREADS: &str = "bench-server";
const CLIENT_THREADS: &str = "bench-client";
/// The simulator's SQLite writer thread (counted as the server's).
const WRITER_THREAD: &str = "paywire-sim-w";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every body, back to back in one buffer; body `i` is `all[offsets[i]..offsets[i + 1]]`.
struct Bodies {
    all: Bytes,
    offsets: Vec<usize>,
}

impl Bodies {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn get(&self, i: usize) -> Bytes {
        self.all.slice(self.offsets[i]..self.offsets[i + 1])
    }

    /// `n` create-payout bodies signed with the typed API, `payout_cl_id` `BENCH-<i>`.
    fn build(n: usize) -> Self {
        let creds = Credentials::new(Secret::new(KEY));
        let threads = std::thread::available_parallelism().map_or(2, |p| p.get());
        let chunk = n.div_ceil(threads).max(1);
        let parts: Vec<(Vec<u8>, Vec<usize>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|start| {
                    let creds = &creds;
                    s.spawn(move || {
                        let end = (start + chunk).min(n);
                        let mut buf = Vec::with_capacity((end - start) * 340);
                        let mut lens = Vec::with_capacity(end - start);
                        for i in start..end {
                            let body = payout(i)
                                .prepare(creds)
                                .expect("the typed request prepares")
                                .body
                                .expect("a JSON body");
                            buf.extend_from_slice(body.as_bytes());
                            lens.push(body.len());
                        }
                        (buf, lens)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a signing thread panicked"))
                .collect()
        });
        let mut all = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for (buf, lens) in parts {
            for l in lens {
                offsets.push(offsets.last().copied().unwrap_or(0) + l);
            }
            all.extend_from_slice(&buf);
        }
        Self {
            all: Bytes::from(all),
            offsets,
        }
    }
}

fn payout(i: usize) -> CreatePayoutTwdRequest {
    common::payout(format!("BENCH-{i:08}"))
        .build()
        .expect("a valid payout")
}

// ---------------------------------------------------------------------------------------------
// The servers
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Trivial,
    Memory,
    Db,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Trivial => "trivial",
            Phase::Memory => "memory",
            Phase::Db => "db",
        }
    }
}

struct Server {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(phase: Phase, db: &Path) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let db = db.to_path_buf();
        let thread = std::thread::Builder::new()
            .name(format!("{SERVER_THREADS}-main"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(env_or("PAYWIRE_SIM_BENCH_SERVER_THREADS", 2))
                    .thread_name(SERVER_THREADS)
                    .enable_all()
                    .build()
                    .expect("server runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind 127.0.0.1:0");
                    addr_tx
                        .send(listener.local_addr().expect("addr"))
                        .expect("send addr");
                    let stopped = async {
                        let _ = stopped.await;
                    };
                    match phase {
                        Phase::Trivial => {
                            let app = axum::Router::new().route(
                                PATH,
                                axum::routing::post(|body: Bytes| async move {
                                    let ok = common::trivial_check(&body, KEY);
                                    (
                                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                                        if ok { ANSWER } else { REFUSED },
                                    )
                                }),
                            );
                            axum::serve(listener, app)
                                .with_graceful_shutdown(stopped)
                                .await
                                .expect("serve");
                        }
                        Phase::Memory | Phase::Db => {
                            let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
                                .join("../../specs/diamondpay.toml");
                            let mut config = SimConfig::new(vec![SimGateway {
                                gateway: Gateway::load(&spec).expect("the diamondpay spec"),
                                secret: Secret::new(KEY),
                                authorization: Some(Secret::new(AUTH)),
                            }]);
                            if phase == Phase::Db {
                                config.db = Some(db);
                            }
                            config.step =
                                Duration::from_millis(env_or("PAYWIRE_SIM_BENCH_STEP_MS", 1000));
                            let sim = Simulator::new(config).expect("the simulator starts");
                            tokio::select! {
                                served = sim.serve(listener) => served.expect("serve"),
                                () = stopped => {}
                            }
                        }
                    }
                });
                // Dropping the runtime cancels the simulator's background tasks.
                rt.shutdown_timeout(Duration::from_secs(10));
            })
            .expect("spawn the server thread");
        let addr = addr_rx.recv().expect("the server's address");
        Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Process statistics
// ---------------------------------------------------------------------------------------------

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) of this process's threads whose name starts with `prefix`.
fn cpu_secs(prefix: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let mut total = 0u64;
    for t in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ...`: comm may hold spaces, so split after the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let rest: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        // After the state (index 0): utime is field 14 of the line, index 11 here; stime 12.
        let utime: u64 = rest.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = rest.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        total += utime + stime;
    }
    total as f64 / ticks
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct TaskTally {
    latencies_us: Vec<u32>,
    per_second: Vec<u32>,
    errors: usize,
    first_error: Option<String>,
}

struct Report {
    phase: Phase,
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    ran_out: bool,
    per_second: Vec<u32>,
    latencies_us: Vec<u32>,
    server_cpu: f64,
    client_cpu: f64,
    rss_before: u64,
    rss_peak: u64,
    rss_after: u64,
}

impl Report {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 * p).ceil() as usize)
            .clamp(1, self.latencies_us.len())
            - 1;
        f64::from(self.latencies_us[i]) / 1000.0
    }

    /// Requests per second over the first and the last `window` whole seconds.
    fn flatness(&self, window: usize) -> (f64, f64) {
        let full = self.per_second.len().saturating_sub(1).max(1);
        let w = window.min(full).max(1);
        let avg = |s: &[u32]| s.iter().map(|&c| f64::from(c)).sum::<f64>() / s.len() as f64;
        let first = avg(&self.per_second[..w.min(self.per_second.len())]);
        let last_end = full.min(self.per_second.len());
        let last = avg(&self.per_second[last_end.saturating_sub(w)..last_end]);
        (first, last)
    }
}

async fn run_client(
    addr: std::net::SocketAddr,
    bodies: Arc<Bodies>,
    conns: usize,
    duration: Duration,
) -> (Vec<TaskTally>, Duration, bool) {
    let next = Arc::new(AtomicUsize::new(0));
    let ran_out = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conns {
        let next = next.clone();
        let bodies = bodies.clone();
        let ran_out = ran_out.clone();
        tasks.spawn(async move {
            let mut conn: Option<Conn> = None;
            let mut tally = TaskTally {
                per_second: vec![0; duration.as_secs() as usize + 2],
                ..TaskTally::default()
            };
            loop {
                let sent = Instant::now();
                if sent >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    ran_out.store(true, Ordering::Relaxed);
                    break;
                }
                let result = match conn.as_mut() {
                    Some(c) => c.post(&bodies.get(i)).await,
                    None => match Conn::open(addr).await {
                        Ok(c) => conn.insert(c).post(&bodies.get(i)).await,
                        Err(e) => Err(e),
                    },
                };
                let ok = match result {
                    Ok((200, body)) if contains(body, br#""error_code":"0000""#) => Ok(()),
                    Ok((status, body)) => Err(format!(
                        "HTTP {status}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    )),
                    Err(e) => {
                        conn = None;
                        Err(e.to_string())
                    }
                };
                let done = Instant::now();
                tally
                    .latencies_us
                    .push(u32::try_from((done - sent).as_micros()).unwrap_or(u32::MAX));
                let second = (done - start).as_secs() as usize;
                if let Some(c) = tally.per_second.get_mut(second) {
                    *c += 1;
                }
                if let Err(e) = ok {
                    tally.errors += 1;
                    tally.first_error.get_or_insert(e);
                }
            }
            tally
        });
    }
    let mut tallies = Vec::new();
    while let Some(t) = tasks.join_next().await {
        tallies.push(t.expect("a load task panicked"));
    }
    (tallies, start.elapsed(), ran_out.load(Ordering::Relaxed))
}

/// A minimal HTTP/1.1 keep-alive client connection: one request at a time, the answer read by
/// its `content-length`. Lighter than a general client, so that the cores shared with the
/// server go to the server (reqwest costs about 60 µs of CPU per request here).
struct Conn {
    stream: tokio::net::TcpStream,
    out: Vec<u8>,
    buf: Vec<u8>,
    head: String,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> std::io::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            out: Vec::with_capacity(1024),
            buf: Vec::with_capacity(4096),
            head: format!(
                "POST {PATH} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: "
            ),
        })
    }

    /// Send one body; the answer's status and body.
    async fn post(&mut self, body: &[u8]) -> std::io::Result<(u16, &[u8])> {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
        self.out.clear();
        self.out.extend_from_slice(self.head.as_bytes());
        self.out
            .extend_from_slice(format!("{}\r\n\r\n", body.len()).as_bytes());
        self.out.extend_from_slice(body);
        self.stream.write_all(&self.out).await?;
        self.buf.clear();
        let mut chunk = [0u8; 4096];
        let (end, length) = loop {
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(bad("connection closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("head"))?;
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .ok_or_else(|| bad("no content-length"))?;
                break (end + 4, length);
            }
            if self.buf.len() > 64 * 1024 {
                return Err(bad("head too long"));
            }
        };
        while self.buf.len() < end + length {
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(bad("connection closed in the body"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let status = self
            .buf
            .get(9..12)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        Ok((status, &self.buf[end..end + length]))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn run_phase(
    phase: Phase,
    bodies: &Arc<Bodies>,
    conns: usize,
    duration: Duration,
    dir: &Path,
) -> Report {
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(CLIENT_THREADS)
        .enable_all()
        .build()
        .expect("client runtime");
    let rss_before = rss_kib();
    let db = dir.join(format!("{}.sqlite", phase.name()));
    let server = Server::start(phase, &db);
    let server_cpu = || cpu_secs(SERVER_THREADS) + cpu_secs(WRITER_THREAD);
    let (server_cpu0, client_cpu0) = (server_cpu(), cpu_secs(CLIENT_THREADS));
    // Sample the RSS once a second while the load runs.
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicUsize::new(rss_before as usize));
    let sampler = {
        let sampling = sampling.clone();
        let peak = peak.clone();
        std::thread::spawn(move || {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib() as usize, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let (tallies, elapsed, ran_out) =
        client_rt.block_on(run_client(server.addr, bodies.clone(), conns, duration));
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.join();
    let (server_cpu, client_cpu) = (
        server_cpu() - server_cpu0,
        cpu_secs(CLIENT_THREADS) - client_cpu0,
    );
    let rss_peak = (peak.load(Ordering::Relaxed) as u64).max(rss_kib());
    drop(server);
    drop(client_rt);
    let rss_after = rss_kib();

    let mut per_second = vec![0u32; duration.as_secs() as usize + 2];
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for t in tallies {
        for (i, c) in t.per_second.iter().enumerate() {
            per_second[i] += c;
        }
        latencies_us.extend_from_slice(&t.latencies_us);
        errors += t.errors;
        if first_error.is_none() {
            first_error = t.first_error;
        }
    }
    latencies_us.sort_unstable();
    let seconds = elapsed.as_secs() as usize;
    per_second.truncate(seconds.max(1) + 1);
    Report {
        phase,
        requests: latencies_us.len(),
        errors,
        first_error,
        elapsed,
        ran_out,
        per_second,
        latencies_us,
        server_cpu,
        client_cpu,
        rss_before,
        rss_peak,
        rss_after,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep that short.
    let testing = std::env::args().any(|a| a == "--test" || a == "--list")
        || !std::env::args().any(|a| a == "--bench");
    let secs: u64 = env_or("PAYWIRE_SIM_BENCH_SECS", if testing { 1 } else { 60 });
    let conns: usize = env_or("PAYWIRE_SIM_BENCH_CONNS", 64);
    let max: usize = env_or(
        "PAYWIRE_SIM_BENCH_MAX_REQUESTS",
        if testing { 20_000 } else { 3_000_000 },
    );
    let phases: Vec<Phase> = std::env::var("PAYWIRE_SIM_BENCH_PHASES")
        .unwrap_or_else(|_| "trivial,memory,db".to_owned())
        .split(',')
        .filter_map(|p| match p.trim() {
            "trivial" => Some(Phase::Trivial),
            "memory" => Some(Phase::Memory),
            "db" => Some(Phase::Db),
            "" => None,
            other => panic!("unknown phase `{other}` (trivial, memory, db)"),
        })
        .collect();
    let duration = Duration::from_secs(secs.max(1));

    let built = Instant::now();
    let bodies = Arc::new(Bodies::build(max));
    eprintln!(
        "load: {} signed create-payout bodies ({} MiB) in {:.1} s; {conns} connections, {} s per phase",
        bodies.len(),
        bodies.all.len() >> 20,
        built.elapsed().as_secs_f64(),
        duration.as_secs()
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut reports: Vec<Report> = Vec::new();
    for phase in phases {
        eprintln!("load: phase {} ...", phase.name());
        let r = run_phase(phase, &bodies, conns, duration, dir.path());
        print_report(&r, reports.first());
        reports.push(r);
    }
    println!();
    println!(
        "| server | requests | errors | req/s | × trivial | p50 ms | p99 ms | p99.9 ms | max ms | first 10 s req/s | last 10 s req/s | server CPU µs/req | client CPU µs/req | RSS before → peak MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let trivial = reports
        .iter()
        .find(|r| r.phase == Phase::Trivial)
        .map(Report::rate);
    for r in &reports {
        let (first, last) = r.flatness(10);
        println!(
            "| {} | {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.1} | {:.0} | {:.0} | {:.1} | {:.1} | {} → {} |",
            r.phase.name(),
            r.requests,
            r.errors,
            r.rate(),
            trivial.map_or_else(|| "-".to_owned(), |t| format!("{:.2}", r.rate() / t)),
            r.percentile(0.50),
            r.percentile(0.99),
            r.percentile(0.999),
            r.percentile(1.0),
            first,
            last,
            r.server_cpu * 1e6 / r.requests.max(1) as f64,
            r.client_cpu * 1e6 / r.requests.max(1) as f64,
            r.rss_before >> 10,
            r.rss_peak >> 10,
        );
    }
    let errors: usize = reports.iter().map(|r| r.errors).sum();
    assert_eq!(errors, 0, "some requests were not accepted");
}

fn print_report(r: &Report, _trivial: Option<&Report>) {
    let (first, last) = r.flatness(10);
    eprintln!(
        "load: {}: {} requests in {:.1} s{}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.1} ms; first 10 s {:.0} req/s, last 10 s {:.0} req/s; errors {}{}; CPU server {:.1} s, client {:.1} s; RSS {} → peak {} → after {} MiB",
        r.phase.name(),
        r.requests,
        r.elapsed.as_secs_f64(),
        if r.ran_out {
            " (ran out of bodies)"
        } else {
            ""
        },
        r.rate(),
        r.percentile(0.50),
        r.percentile(0.99),
        r.percentile(0.999),
        r.percentile(1.0),
        first,
        last,
        r.errors,
        r.first_error
            .as_deref()
            .map_or_else(String::new, |e| format!(" (first: {e})")),
        r.server_cpu,
        r.client_cpu,
        r.rss_before >> 10,
        r.rss_peak >> 10,
        r.rss_after >> 10,
    );
    let per: Vec<String> = r.per_second.iter().map(u32::to_string).collect();
    eprintln!("load: {}: per second {}", r.phase.name(), per.join(" "));
}
