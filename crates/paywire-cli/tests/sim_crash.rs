//! `paywire sim --db` killed with SIGKILL in the middle of a load, then restarted on the same
//! file: no order the client was told about is lost, and every order that reaches its final
//! status gets its final notification delivered, including those whose delivery was waiting for
//! a retry when the process died (deliveries are persisted and resumed).
//!
//! The merchant endpoint (in this test process, on a port of its own) verifies every
//! notification with paywire-diamondpay's typed verifier and refuses the first delivery of every
//! delivery key (it answers something other than the documented reply), so that at any instant
//! many deliveries are waiting for their retry. The load is 16 tasks creating payouts through
//! `paywire::Client`; the simulator is killed (SIGKILL, by its PID) while they run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywire::outcome::Exchange;
use paywire::{Client, ClientConfig, Credentials, Money, Outcome, PreparedRequest, Secret};
use paywire_diamondpay::{CreatePayoutTwdRequest, PayoutNotification};

const BIN: &str = env!("CARGO_BIN_EXE_paywire");
const KEY_VAR: &str = "PAYWIRE_SIM_CRASH_KEY";
const AUTH_VAR: &str = "PAYWIRE_SIM_CRASH_AUTH";
const KEY: &str = "sim-crash-test-key-51c2";
const AUTH: &str = "sim-crash-test-authorization";
/// Load tasks, and the orders each creates at most.
const TASKS: usize = 16;
const PER_TASK: usize = 2_000;
/// How long the load runs before the kill.
const BEFORE_KILL: Duration = Duration::from_millis(2_000);
/// How long the restarted simulator has to finish every order and deliver every notification.
const PATIENCE: Duration = Duration::from_secs(60);

/// A `paywire sim` child, killed (SIGKILL) when dropped.
struct Sim {
    child: Child,
    base: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sim(db: &Path) -> Sim {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/diamondpay.toml");
    let mut child = Command::new(BIN)
        .args(["sim", "--spec", spec.to_str().unwrap(), "--port", "0"])
        .args(["--db", db.to_str().unwrap(), "--step-ms", "200"])
        .args(["--secret-env", KEY_VAR, "--authorization-env", AUTH_VAR])
        .env(KEY_VAR, KEY)
        .env(AUTH_VAR, AUTH)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line == "Ctrl-C stops." {
            break;
        }
    }
    // Keep draining standard output so the simulator never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let base = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|w| w.trim_end_matches(',').to_owned())
        .unwrap_or_else(|| panic!("no base URL in the banner:\n{banner}"));
    Sim { child, base }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the merchant saw of one delivery key (order, status).
#[derive(Debug, Default, Clone)]
struct Key {
    refused: usize,
    acknowledged: usize,
    refused_before_kill: bool,
    first_ack: Option<Instant>,
}

#[derive(Default)]
struct Seen {
    keys: BTreeMap<(String, String), Key>,
    unverified: usize,
    killed_at: Option<Instant>,
}

#[derive(Clone, Default)]
struct Merchant(Arc<Mutex<Seen>>);

async fn notified(State(m): State<Merchant>, headers: HeaderMap, body: Bytes) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let Ok(v) = PayoutNotification::verify(&body, ct, &Secret::new(KEY)) else {
        m.0.lock().unwrap().unverified += 1;
        return (StatusCode::BAD_REQUEST, "refused\n").into_response();
    };
    let meta = v.meta;
    let key = (
        meta.order_id.clone().unwrap_or_default(),
        meta.status
            .as_ref()
            .map(|s| s.code.clone())
            .unwrap_or_default(),
    );
    let mut seen = m.0.lock().unwrap();
    let killed = seen.killed_at.is_some();
    let k = seen.keys.entry(key).or_default();
    if k.refused == 0 && k.acknowledged == 0 {
        // The first delivery of every key is refused: the simulator has to retry it.
        k.refused += 1;
        k.refused_before_kill = !killed;
        return (StatusCode::OK, "not now").into_response();
    }
    k.acknowledged += 1;
    k.first_ack.get_or_insert_with(Instant::now);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, meta.reply_content_type)],
        meta.reply_body,
    )
        .into_response()
}

async fn start_merchant() -> (Merchant, String) {
    let m = Merchant::default();
    let app = axum::Router::new()
        .route("/notify", axum::routing::post(notified))
        .with_state(m.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (m, url)
}

fn client(base: &str) -> Client {
    let creds = Credentials::new(Secret::new(KEY)).with("authorization", Secret::new(AUTH));
    Client::new(
        ClientConfig::new(format!("{base}/diamondpay"), creds).timeout(Duration::from_secs(5)),
    )
    .unwrap()
}

/// Every order the simulator holds: order id → (status, final).
async fn orders(base: &str) -> BTreeMap<String, (String, bool)> {
    let prepared = PreparedRequest {
        operation: "sim_orders".to_owned(),
        method: paywire::Method::Get,
        path: "/_sim/orders".to_owned(),
        query: None,
        body: None,
        content_type: None,
        headers: Vec::new(),
        signature: None,
        order_id: None,
    };
    // The control endpoint is at the root, not under /diamondpay.
    let root = Client::new(
        ClientConfig::new(base, Credentials::new(Secret::new(KEY)))
            .timeout(Duration::from_secs(30))
            .max_response_bytes(256 * 1024 * 1024),
    )
    .unwrap();
    let Exchange::Answered {
        status: 200, body, ..
    } = root.exchange(&prepared).await
    else {
        panic!("GET /_sim/orders failed");
    };
    let list: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    list.iter()
        .map(|o| {
            let path: Vec<&str> = o["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let step = o["step"].as_u64().unwrap() as usize;
            (
                o["order_id"].as_str().unwrap().to_owned(),
                (path[step].to_owned(), step + 1 == path.len()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_accepted_order_and_no_final_notification() {
    let dir = TempDir(std::env::temp_dir().join(format!(
        "paywire-sim-crash-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )));
    std::fs::create_dir_all(&dir.0).unwrap();
    let db = dir.0.join("sim.sqlite");
    let (merchant, hook) = start_merchant().await;

    // Load, then SIGKILL while it runs.
    let first = start_sim(&db);
    let accepted = Arc::new(Mutex::new(BTreeSet::new()));
    let unknown = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (client, hook) = (client(&first.base), hook.clone());
        let (accepted, unknown, stop) = (accepted.clone(), unknown.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..PER_TASK {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let id = format!("CRASH-{t:02}-{n:05}");
                let req = CreatePayoutTwdRequest::builder()
                    .platform_id("PF0002")
                    .service_id("SVC0004")
                    .payout_cl_id(&id)
                    .amount(Money::from_minor(50_000))
                    .notify_url(&hook)
                    .bank_code("812")
                    .number("4088748280272397")
                    .currency("twd")
                    .request_time(1_595_504_997)
                    .build()
                    .unwrap();
                match client.send(&req).await {
                    Outcome::Accepted { .. } => {
                        accepted.lock().unwrap().insert(id);
                    }
                    // Cut by the kill: the order may or may not exist.
                    _ => {
                        unknown.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(BEFORE_KILL).await;
    let mut first = first;
    merchant.0.lock().unwrap().killed_at = Some(Instant::now());
    first.child.kill().unwrap(); // SIGKILL, by PID
    let _ = first.child.wait();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    drop(first);
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() > 100,
        "only {} orders before the kill",
        accepted.len()
    );
    let (refused_at_kill, acked_at_kill) = {
        let seen = merchant.0.lock().unwrap();
        (
            seen.keys.values().filter(|k| k.acknowledged == 0).count(),
            seen.keys.values().filter(|k| k.acknowledged > 0).count(),
        )
    };

    // Restart on the same file; wait until every order is final and notified.
    let second = start_sim(&db);
    let restarted = Instant::now();
    let (held, missing) = loop {
        let held = orders(&second.base).await;
        let missing: Vec<String> = {
            let seen = merchant.0.lock().unwrap();
            held.iter()
                .filter(|(id, (status, fin))| {
                    let notified = seen
                        .keys
                        .get(&((*id).clone(), status.clone()))
                        .is_some_and(|k| k.acknowledged > 0);
                    !(*fin && notified)
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        if missing.is_empty() || restarted.elapsed() > PATIENCE {
            break (held, missing);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let lost: Vec<&String> = accepted
        .iter()
        .filter(|id| !held.contains_key(*id))
        .collect();
    let seen = merchant.0.lock().unwrap();
    let finals: Vec<&Key> = held
        .iter()
        .filter_map(|(id, (status, _))| seen.keys.get(&(id.clone(), status.clone())))
        .collect();
    let after_restart = finals
        .iter()
        .filter(|k| k.first_ack.is_some_and(|t| t >= restarted))
        .count();
    let resumed = finals
        .iter()
        .filter(|k| k.refused_before_kill && k.first_ack.is_some_and(|t| t >= restarted))
        .count();
    eprintln!(
        "sim_crash: {} orders accepted before the SIGKILL ({} requests cut by it), {} orders \
         after the restart, {} at their final status, {} final notifications acknowledged, {} of \
         them after the restart ({} had been refused once before the kill and were resumed from \
         the file); at the kill {} delivery keys were waiting for a retry, {} acknowledged; {} \
         accepted orders lost; {} bodies failed verification; all done {:.1} s after the restart",
        accepted.len(),
        unknown.load(Ordering::Relaxed),
        held.len(),
        held.values().filter(|(_, f)| *f).count(),
        finals.iter().filter(|k| k.acknowledged > 0).count(),
        after_restart,
        resumed,
        refused_at_kill,
        acked_at_kill,
        lost.len(),
        seen.unverified,
        restarted.elapsed().as_secs_f64(),
    );
    assert!(lost.is_empty(), "accepted orders lost: {lost:?}");
    assert!(
        missing.is_empty(),
        "{} orders not final or without their final notification {} s after the restart: {:?}",
        missing.len(),
        PATIENCE.as_secs(),
        &missing[..missing.len().min(20)]
    );
    assert_eq!(seen.unverified, 0, "a notification failed verification");
    // The kill caught deliveries waiting for a retry, and they were resumed.
    assert!(resumed > 0, "no delivery was pending at the kill");
    drop(second);
}
