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
