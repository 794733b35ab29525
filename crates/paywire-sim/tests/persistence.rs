//! Order state in SQLite survives a restart of the simulator; in memory it does not.
//!
//! Everything goes through `Simulator::router()` (diamondpay: a signed JSON payout, the
//! Authorization-header query), and `tick()` moves orders along instead of the schedule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use paywire::spec::CommonStatus;
use paywire::{Gateway, Reply, Secret, WireFields, WireValue};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tower::ServiceExt;

const DP_KEY: &str = "dp-platform-key";
const DP_AUTH: &str = "PF0002-AUTH";

fn diamondpay() -> Gateway {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/diamondpay.toml");
    Gateway::load(&path).unwrap()
}

fn simulator(db: Option<PathBuf>) -> Simulator {
    let mut config = SimConfig::new(vec![SimGateway {
        gateway: diamondpay(),
        secret: Secret::new(DP_KEY),
        authorization: Some(Secret::new(DP_AUTH)),
    }]);
    config.db = db;
    // Only `tick()` moves orders here.
    config.step = Duration::from_secs(3600);
    Simulator::new(config).unwrap()
}

fn payout(id: &str) -> String {
    let s = |v: &str| WireValue::Str(v.to_owned());
    let fields = WireFields(vec![
        ("platform_id".into(), s("PF0002")),
        ("service_id".into(), s("SVC0004")),
        ("payout_cl_id".into(), s(id)),
        ("amount".into(), s("50000")),
        ("bank_code".into(), s("812")),
        ("number".into(), s("4088748280272397")),
        ("currency".into(), s("twd")),
        ("request_time".into(), s("1595504997")),
    ]);
    diamondpay()
        .sign_wire(None, fields, &Secret::new(DP_KEY))
        .unwrap()
        .to_json()
}

async fn call(sim: &Simulator, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let resp = sim.router().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body.to_vec())
}

/// Create a payout; the gateway's answer, read and verified through its envelope.
async fn create(sim: &Simulator, id: &str) -> Reply {
    let req = Request::post("/diamondpay/gateway/api/v2/payouts")
        .header("content-type", "application/json")
        .body(Body::from(payout(id)))
        .unwrap();
    let (status, body) = call(sim, req).await;
    assert_eq!(status, StatusCode::OK);
    diamondpay()
        .read_response("create_payout_twd", &body, &Secret::new(DP_KEY))
        .unwrap()
}

/// Query payouts by one field; the first row's payout id and status (None for no row).
async fn query(sim: &Simulator, field: &str, value: &str) -> Option<(String, String)> {
    let req = Request::get(format!(
        "/diamondpay/gateway/api/v2/payouts?{field}={value}"
    ))
    .header("authorization", DP_AUTH)
    .body(Body::empty())
    .unwrap();
    let (status, body) = call(sim, req).await;
    assert_eq!(status, StatusCode::OK);
    // The rows are signed: read_response verifies each.
    let Reply::Accepted(a) = diamondpay()
        .read_response("query_payouts", &body, &Secret::new(DP_KEY))
        .unwrap()
    else {
        panic!("query refused: {}", String::from_utf8_lossy(&body));
    };
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&a.payload.sign_text().unwrap()).unwrap();
    let row = rows.first()?;
    let status = a.status.unwrap();
    assert_eq!(row["status"].to_string().trim_matches('"'), status.code);
    Some((row["payout_id"].as_str().unwrap().to_owned(), status.code))
}

fn payout_id(reply: &Reply) -> String {
    match reply {
        Reply::Accepted(a) => a.payload_object().text("payout_id").expect("a payout id"),
        Reply::Rejected(r) => panic!("refused: {r:?}"),
    }
}

fn status_of(sim: &Simulator, id: &str) -> String {
    sim.orders()
        .into_iter()
        .find(|o| o.order_id == id)
        .map(|o| o.status().to_owned())
        .unwrap_or_else(|| panic!("no order {id}"))
}

#[tokio::test]
async fn sqlite_orders_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite");

    let first = simulator(Some(db.clone()));
    let reply = create(&first, "PERSIST-1").await;
    let gateway_id = payout_id(&reply);
    assert_eq!(status_of(&first, "PERSIST-1"), "0");
    drop(first);

    // A new simulator on the same file knows the order as it was.
    let second = simulator(Some(db.clone()));
    let orders = second.orders();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0].order_id, "PERSIST-1");
    assert_eq!(orders[0].gateway_id, gateway_id);
    assert_eq!(orders[0].status(), "0");

    // An order created after the restart gets a gateway id of its own, and a query by that id
    // finds it, not the older order.
    let newer = payout_id(&create(&second, "PERSIST-2").await);
    assert_ne!(newer, gateway_id, "gateway ids are reused after a restart");
    assert_eq!(
        query(&second, "payout_id", &newer).await,
        Some((newer.clone(), "0".to_owned()))
    );

    // The same payout_cl_id is refused with diamondpay's duplicate code.
    match create(&second, "PERSIST-1").await {
        Reply::Rejected(r) => {
            assert_eq!(r.code, "0002");
            assert!(r.message.unwrap().contains("Duplicate"));
        }
        other => panic!("duplicate accepted after a restart: {other:?}"),
    }

    // The query finds it, by merchant id and by gateway id.
    assert_eq!(
        query(&second, "payout_cl_id", "PERSIST-1").await,
        Some((gateway_id.clone(), "0".to_owned()))
    );
    assert_eq!(
        query(&second, "payout_id", &gateway_id).await,
        Some((gateway_id.clone(), "0".to_owned()))
    );

    // tick() moves orders along diamondpay's payout statuses, 0 → 1 → 3, and stops at the end.
    second.tick().await;
    assert_eq!(status_of(&second, "PERSIST-1"), "1");
    second.tick().await;
    assert_eq!(status_of(&second, "PERSIST-1"), "3");
    second.tick().await;
    assert_eq!(status_of(&second, "PERSIST-1"), "3");
    let (_, code) = query(&second, "payout_cl_id", "PERSIST-1").await.unwrap();
    let gw = diamondpay();
    assert_eq!(
        gw.spec().statuses["payout"].map[&code],
        CommonStatus::Succeeded
    );

    drop(second);

    // The steps taken survived too.
    let third = simulator(Some(db));
    assert_eq!(status_of(&third, "PERSIST-1"), "3");
    assert_eq!(status_of(&third, "PERSIST-2"), "3");
    assert_eq!(third.orders().len(), 2);
}

#[tokio::test]
async fn memory_orders_do_not_survive() {
    let first = simulator(None);
    let gateway_id = payout_id(&create(&first, "MEMORY-1").await);
    first.tick().await;
    assert_eq!(status_of(&first, "MEMORY-1"), "1");
    drop(first);

    let second = simulator(None);
    assert!(second.orders().is_empty());
    // Nothing to find, and the same payout_cl_id is a new order.
    assert_eq!(query(&second, "payout_cl_id", "MEMORY-1").await, None);
    assert_eq!(query(&second, "payout_id", &gateway_id).await, None);
    payout_id(&create(&second, "MEMORY-1").await);
    assert_eq!(status_of(&second, "MEMORY-1"), "0");
}

/// A merchant endpoint on 127.0.0.1: records every notification (order id, status) and either
/// refuses it (any reply but diamondpay's documented one) or acknowledges it.
#[derive(Clone, Default)]
struct Merchant {
    accept: std::sync::Arc<std::sync::atomic::AtomicBool>,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(String, String, bool)>>>,
}

impl Merchant {
    async fn start() -> (Merchant, String) {
        let m = Merchant::default();
        let app = axum::Router::new()
            .route(
                "/notify",
                axum::routing::post(
                    |axum::extract::State(m): axum::extract::State<Merchant>,
                     body: axum::body::Bytes| async move {
                        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        let ok = m.accept.load(std::sync::atomic::Ordering::SeqCst);
                        m.seen.lock().unwrap().push((
                            v["payout_cl_id"].as_str().unwrap_or_default().to_owned(),
                            v["status"].to_string().trim_matches('"').to_owned(),
                            ok,
                        ));
                        if ok {
                            r#"{"error_code":"0000"}"#
                        } else {
                            "busy"
                        }
                    },
                ),
            )
            .with_state(m.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (m, url)
    }

    fn seen(&self, order: &str, status: &str, acknowledged: bool) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(o, s, a)| o == order && s == status && *a == acknowledged)
            .count()
    }
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: not within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn notified_payout(id: &str, hook: &str) -> String {
    let s = |v: &str| WireValue::Str(v.to_owned());
    let fields = WireFields(vec![
        ("platform_id".into(), s("PF0002")),
        ("service_id".into(), s("SVC0004")),
        ("payout_cl_id".into(), s(id)),
        ("amount".into(), s("50000")),
        ("notify_url".into(), s(hook)),
        ("bank_code".into(), s("812")),
        ("number".into(), s("4088748280272397")),
        ("currency".into(), s("twd")),
        ("request_time".into(), s("1595504997")),
    ]);
    diamondpay()
        .sign_wire(None, fields, &Secret::new(DP_KEY))
        .unwrap()
        .to_json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite");
    let (merchant, hook) = Merchant::start().await;
    let open = || {
        let mut config = SimConfig::new(vec![SimGateway {
            gateway: diamondpay(),
            secret: Secret::new(DP_KEY),
            authorization: Some(Secret::new(DP_AUTH)),
        }]);
        config.db = Some(db.clone());
        config.step = Duration::from_secs(3600);
        config.notify_interval = Duration::from_millis(30);
        Simulator::new(config).unwrap()
    };

    // The order goes to its final status while the merchant refuses every delivery.
    let first = open();
    let req = Request::post("/diamondpay/gateway/api/v2/payouts")
        .header("content-type", "application/json")
        .body(Body::from(notified_payout("DELIVER-1", &hook)))
        .unwrap();
    let (status, _) = call(&first, req).await;
    assert_eq!(status, StatusCode::OK);
    first.tick().await;
    first.tick().await;
    until("both statuses refused twice", || {
        merchant.seen("DELIVER-1", "1", false) >= 2 && merchant.seen("DELIVER-1", "3", false) >= 2
    })
    .await;
    assert_eq!(first.stats().deliveries_pending, 2);
    // The simulator goes away with both deliveries mid-retry (what a kill leaves: the retries
    // existed only in memory before they were written to the file).
    drop(first);

    // Restarted on the same file, with the merchant answering again: both are delivered, the
    // attempts counted on from where they were, and nothing is left pending.
    merchant
        .accept
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let second = open();
    assert_eq!(second.stats().deliveries_pending, 2);
    assert_eq!(status_of(&second, "DELIVER-1"), "3");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(second.clone().serve(listener));
    until("both statuses acknowledged after the restart", || {
        merchant.seen("DELIVER-1", "1", true) == 1 && merchant.seen("DELIVER-1", "3", true) == 1
    })
    .await;
    until("no delivery pending", || {
        second.stats().deliveries_pending == 0
    })
    .await;
    let resumed: Vec<u32> = second
        .deliveries()
        .iter()
        .filter(|d| d.acknowledged)
        .map(|d| d.attempt)
        .collect();
    assert_eq!(resumed.len(), 2, "{:?}", second.deliveries());
    assert!(
        resumed.iter().all(|&a| a >= 3),
        "attempts restarted: {resumed:?}"
    );
    // A delivered notification leaves the file too.
    until("the deliveries table empty", || {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("SELECT COUNT(*) FROM deliveries", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
            == 0
    })
    .await;
}

#[tokio::test]
async fn files_written_before_steps_were_columns_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    // The schema and row format of the previous simulator: the step only inside `data`.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE orders (
                gateway TEXT NOT NULL,
                order_id TEXT NOT NULL,
                gateway_id TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (gateway, order_id)
            );
            CREATE INDEX orders_gateway_id ON orders (gateway, gateway_id);",
        )
        .unwrap();
        let data = serde_json::json!({
            "gateway": "diamondpay", "operation": "create_payout_twd", "order_id": "OLD-1",
            "gateway_id": "DI00000041",
            "fields": {"amount": "50000", "payout_cl_id": "OLD-1", "platform_id": "PF0002"},
            "path": ["0", "1", "3"], "step": 1, "notify_url": null, "notification": "payout",
            "notify_faults": [], "created_at": 1_700_000_000u64
        });
        c.execute(
            "INSERT INTO orders (gateway, order_id, gateway_id, data) VALUES (?1, ?2, ?3, ?4)",
            ("diamondpay", "OLD-1", "DI00000041", data.to_string()),
        )
        .unwrap();
    }
    let sim = simulator(Some(db.clone()));
    assert_eq!(status_of(&sim, "OLD-1"), "1");
    assert_eq!(
        query(&sim, "payout_id", "DI00000041").await,
        Some(("DI00000041".to_owned(), "1".to_owned()))
    );
    // Ids go on after the file's; the old order steps on, and the step is kept.
    assert_eq!(payout_id(&create(&sim, "NEW-1").await), "DI00000042");
    sim.tick().await;
    assert_eq!(status_of(&sim, "OLD-1"), "3");
    drop(sim);
    let c = rusqlite::Connection::open(&db).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(c);
    let again = simulator(Some(db));
    assert_eq!(status_of(&again, "OLD-1"), "3");
    assert_eq!(status_of(&again, "NEW-1"), "1");
}
