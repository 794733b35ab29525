//! Injected faults, through the real HTTP simulator and the generated clients.
//!
//! Request faults apply after the simulator processed the request (the order exists), which is
//! exactly the case a client must never report as failed:
//!
//! - diamondpay: every fault armed through the control endpoint `POST /_sim/faults`;
//! - goldenpay: every fault asked for by a magic amount (minor units ending in 91..96), and the
//!   final statuses of 97 and 98;
//! - intqp: every fault asked for by the `x-paywire-fault` header.
//!
//! Notification faults (`x-paywire-notify` on the create request), against a merchant endpoint
//! that verifies, handles each delivery key once, and never lets a status regress:
//! `duplicate`, `out_of_order`, `bad_signature`.
//!
//! The typed client sets no custom headers, so header-carrying requests are prepared by
//! `Gateway::prepare` (validated and signed like any other), sent with `Client::exchange` (the
//! same reqwest transport the client uses) plus the header, and classified by
//! `paywire::outcome::classify`, the client's own rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use paywire::outcome::{Exchange, classify};
use paywire::{
    Client, ClientConfig, CommonStatus, Credentials, Evidence, GatewayStatus, IndeterminateReason,
    Money, Outcome, PreparedRequest, ReconcilePolicy, Request, Secret,
};
use paywire_sim::{Delivery, SimConfig, SimGateway, Simulator};
use tokio::net::TcpListener;

const DP_KEY: &str = "dp-platform-key";
const DP_AUTH: &str = "PF0002-AUTH";
const GP_TOKEN: &str = "gp-api-token";
const IQ_KEY: &str = "iq-merchant-key";
/// The client gives up after this; the simulator's `timeout` fault holds the connection longer.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(800);

/// The simulator over HTTP. Orders move only when a test calls `tick()`.
async fn start_sim() -> (Simulator, String) {
    let gw = |g: &'static paywire::Gateway, key: &str| SimGateway {
        gateway: g.clone(),
        secret: Secret::new(key),
        authorization: Some(Secret::new(DP_AUTH)),
    };
    let mut config = SimConfig::new(vec![
        gw(paywire_tests::diamondpay(), DP_KEY),
        gw(paywire_tests::goldenpay(), GP_TOKEN),
        gw(paywire_tests::intqp(), IQ_KEY),
    ]);
    config.step = Duration::from_secs(3600);
    config.notify_interval = Duration::from_millis(50);
    config.hold = Duration::from_secs(2);
    let sim = Simulator::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sim.clone().serve(listener));
    (sim, url)
}

fn client(base: &str, secret: &str) -> Client {
    let creds = Credentials::new(Secret::new(secret)).with("authorization", Secret::new(DP_AUTH));
    Client::new(ClientConfig::new(base, creds).timeout(CLIENT_TIMEOUT)).unwrap()
}

/// Prepare (validate, sign) a typed request as the client would, add headers, send it over the
/// client's transport and classify the answer with the client's rules.
async fn send_with_headers<R: Request>(
    client: &Client,
    request: &R,
    headers: &[(&str, &str)],
) -> Outcome<R::Payload, R::Error> {
    let mut prepared = request.prepare_request(client.credentials(), None).unwrap();
    for (name, value) in headers {
        prepared
            .headers
            .push(((*name).to_owned(), Secret::new(*value)));
    }
    let started = Instant::now();
    let exchange = client.exchange(&prepared).await;
    let evidence = Evidence {
        operation: R::OPERATION.to_owned(),
        order_id: request.order_id(),
        elapsed: started.elapsed(),
        ..Evidence::default()
    };
    let secret = &client.credentials().secret;
    classify(
        exchange,
        evidence,
        |body| R::read_body(body, secret, None),
        R::error_code,
        R::meaning,
        R::documented,
    )
}

/// `POST /_sim/faults` on the simulator's root; the HTTP status and body.
async fn arm(root: &str, rule: &str) -> (u16, String) {
    let control = client(root, "unused");
    let prepared = PreparedRequest {
        operation: "sim_faults".to_owned(),
        method: paywire::Method::Post,
        path: "/_sim/faults".to_owned(),
        query: None,
        body: Some(rule.to_owned()),
        content_type: Some("application/json"),
        headers: Vec::new(),
        signature: None,
        order_id: None,
    };
    match control.exchange(&prepared).await {
        Exchange::Answered { status, body, .. } => (status, String::from_utf8_lossy(&body).into()),
        other => panic!("control endpoint: {other:?}"),
    }
}

/// The request faults and the outcome each must give.
#[derive(Debug, Clone, Copy)]
enum Want {
    Accepted,
    Timeout,
    ServerError(u16),
    Empty,
    Unreadable,
    ConnectionLost,
}

const REQUEST_FAULTS: [(&str, Want); 7] = [
    ("timeout", Want::Timeout),
    ("500", Want::ServerError(500)),
    ("502", Want::ServerError(502)),
    ("empty", Want::Empty),
    ("truncated", Want::Unreadable),
    ("reset", Want::ConnectionLost),
    ("delay=100", Want::Accepted),
];

fn assert_outcome<T: std::fmt::Debug, E: std::fmt::Debug>(
    what: &str,
    outcome: &Outcome<T, E>,
    want: Want,
) {
    use IndeterminateReason as R;
    let ok = match (want, outcome) {
        (Want::Accepted, Outcome::Accepted { .. }) => true,
        (Want::Timeout, Outcome::Indeterminate { reason, .. }) => *reason == R::Timeout,
        (Want::ServerError(s), Outcome::Indeterminate { reason, .. }) => {
            *reason == R::ServerError(s)
        }
        (Want::Empty, Outcome::Indeterminate { reason, .. }) => *reason == R::EmptyBody(200),
        (Want::Unreadable, Outcome::Indeterminate { reason, .. }) => {
            matches!(reason, R::Unreadable(_))
        }
        (Want::ConnectionLost, Outcome::Indeterminate { reason, .. }) => {
            matches!(reason, R::ConnectionLost(_))
        }
        _ => false,
    };
    assert!(ok, "{what}: expected {want:?}, got {outcome:#?}");
    // Never "failed": a fault after processing is never a rejection and never "not sent".
    assert!(
        !matches!(outcome, Outcome::Rejected { .. } | Outcome::NotSent { .. }),
        "{what}"
    );
}

fn order_exists(sim: &Simulator, gateway: &str, id: &str) -> bool {
    sim.orders()
        .iter()
        .any(|o| o.gateway == gateway && o.order_id == id)
}

fn patient() -> ReconcilePolicy {
    ReconcilePolicy {
        deadline: Duration::from_secs(5),
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    }
}

/// diamondpay: each fault armed through `POST /_sim/faults` hits the next payout once; the order
/// exists every time, and the query reconciles each one to its final status.
#[tokio::test]
async fn diamondpay_faults_from_the_control_endpoint() {
    use paywire_diamondpay::*;
    let (sim, root) = start_sim().await;
    let good = client(&format!("{root}/diamondpay"), DP_KEY);
    let payout = |id: &str| {
        CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id(id)
            .amount(Money::from_minor(50000))
            .bank_code("812")
            .number("4088748280272397")
            .currency("twd")
            .request_time(1595504997)
            .build()
            .unwrap()
    };

    // The control endpoint refuses what it does not know, and arms nothing then.
    let (status, body) = arm(
        &root,
        r#"{"gateway":"diamondpay","operation":"create_payout_twd","fault":"explode"}"#,
    )
    .await;
    assert_eq!((status, body.trim()), (400, "unknown fault `explode`"));
    assert_eq!(arm(&root, r#"{"fault":"500"}"#).await.0, 400);
    assert!(matches!(
        good.send(&payout("CTL-0")).await,
        Outcome::Accepted { .. }
    ));

    for (i, (fault, want)) in REQUEST_FAULTS.into_iter().enumerate() {
        let id = format!("CTL-{}", i + 1);
        let rule = format!(
            r#"{{"gateway":"diamondpay","operation":"create_payout_twd","fault":"{fault}","times":1}}"#
        );
        assert_eq!(arm(&root, &rule).await, (200, "fault armed\n".to_owned()));
        let outcome = good.send(&payout(&id)).await;
        assert_outcome(&format!("diamondpay {fault}"), &outcome, want);
        if fault == "delay=100" {
            assert!(outcome.evidence().elapsed >= Duration::from_millis(100));
        }
        assert!(
            order_exists(&sim, "diamondpay", &id),
            "{fault}: the order exists"
        );
        // `times: 1`: the next call is untouched.
        let next = good.send(&payout(&format!("{id}-next"))).await;
        assert!(
            matches!(next, Outcome::Accepted { .. }),
            "{fault}: {next:?}"
        );
    }

    // A rule for another operation leaves payouts alone.
    arm(
        &root,
        r#"{"gateway":"diamondpay","operation":"query_payouts","fault":"500"}"#,
    )
    .await;
    assert!(matches!(
        good.send(&payout("CTL-OTHER")).await,
        Outcome::Accepted { .. }
    ));
    // ... and hits the query once (a query's 500 is indeterminate too, never "not found").
    let query = |id: &str| {
        QueryPayoutsRequest::builder()
            .payout_cl_id(id)
            .build()
            .unwrap()
    };
    let outcome = good.send(&query("CTL-1")).await;
    assert_outcome("query 500", &outcome, Want::ServerError(500));

    // Every order whose answer was lost reconciles to its final status through the query.
    sim.tick().await;
    sim.tick().await;
    for i in 1..=REQUEST_FAULTS.len() {
        let id = format!("CTL-{i}");
        let r = good.reconcile(|| query(&id), patient()).await;
        assert!(r.terminal, "{id}: {r:?}");
        assert_eq!(r.common_status(), CommonStatus::Succeeded, "{id}");
    }
}

/// goldenpay: magic amounts (x.91 .. x.96) ask for each fault on that order alone; x.97 and x.98
/// ask for a final failed or cancelled status (goldenpay has one code, 50, for both).
#[tokio::test]
async fn goldenpay_faults_from_magic_amounts() {
    use paywire_goldenpay::*;
    let (sim, root) = start_sim().await;
    let good = client(&format!("{root}/goldenpay"), GP_TOKEN);
    let payout = |id: &str, minor: i64| {
        CreatePayoutRequest::builder()
            .mch_id(8888)
            .trans_id(id)
            .channel("bank")
            .amount(Money::from_minor(minor))
            .currency("VND")
            .account_no("2333667799212341")
            .account_name("Nguyen Xuan Hung")
            .account_org("PVCOMBANK")
            .account_org_code("970425")
            .callback_url("http://127.0.0.1:9/unused")
            .nonce("abcdef12")
            .timestamp(1729187424)
            .build()
            .unwrap()
    };
    let magic = [
        (10091, Want::Timeout),
        (10092, Want::ServerError(500)),
        (10093, Want::ServerError(502)),
        (10094, Want::Empty),
        (10095, Want::Unreadable),
        (10096, Want::ConnectionLost),
        (10090, Want::Accepted),
        (10097, Want::Accepted),
        (10098, Want::Accepted),
    ];
    for (minor, want) in magic {
        let id = format!("MAGIC-{minor}");
        let req = payout(&id, minor);
        // The amount goes on the wire as goldenpay writes it: "100.91".
        assert_eq!(
            req.to_wire().get("amount").and_then(|v| v.text()),
            Some(format!("{}.{}", minor / 100, minor % 100))
        );
        let outcome = good.send(&req).await;
        assert_outcome(&format!("goldenpay {minor}"), &outcome, want);
        assert!(order_exists(&sim, "goldenpay", &id), "{minor}");
    }
    sim.tick().await;
    sim.tick().await;
    let query = |id: String| {
        move || {
            QueryPayoutRequest::builder()
                .id(id.clone())
                .mch_id(8888)
                .nonce("n0nce42")
                .timestamp(1729187424)
                .build()
                .unwrap()
        }
    };
    for (minor, _) in magic {
        let r = good
            .reconcile(query(format!("MAGIC-{minor}")), patient())
            .await;
        let want = match minor {
            10097 | 10098 => CommonStatus::Cancelled,
            _ => CommonStatus::Succeeded,
        };
        assert_eq!(r.common_status(), want, "{minor}: {r:?}");
    }
}

/// intqp: each fault asked for by the `x-paywire-fault` header. intqp documents no query API:
/// resubmitting the same orderid is the reconciliation (10003 proves the order exists).
#[tokio::test]
async fn intqp_faults_from_the_header() {
    use paywire_intqp::*;
    let (sim, root) = start_sim().await;
    let good = client(&format!("{root}/intqp"), IQ_KEY);
    let withdraw = |id: &str| {
        WithdrawRequest::builder()
            .uid("test1")
            .currency("VND")
            .orderid(id)
            .notify_url("http://127.0.0.1:9/unused")
            .amount(Money::from_minor(10000))
            .userip("127.0.0.1")
            .timestamp(1758210270)
            .pay_code("1004")
            .build()
            .unwrap()
    };
    for (i, (fault, want)) in REQUEST_FAULTS.into_iter().enumerate() {
        let id = format!("HDR-{i}");
        let outcome = send_with_headers(&good, &withdraw(&id), &[("x-paywire-fault", fault)]).await;
        assert_outcome(&format!("intqp {fault}"), &outcome, want);
        assert!(order_exists(&sim, "intqp", &id), "{fault}");
        match good.send(&withdraw(&id)).await {
            Outcome::Rejected { code, .. } => assert_eq!(code, ErrorCode::DuplicateOrder),
            other => panic!("{fault}: resubmission {other:?}"),
        }
    }
}

/// What the merchant's notification endpoint did with each verified delivery.
#[derive(Clone, Default)]
struct Merchant {
    inner: Arc<Mutex<MerchantState>>,
}

#[derive(Default)]
struct MerchantState {
    /// Every verified delivery, in arrival order: (order id, status code).
    arrivals: Vec<(String, String)>,
    /// Delivery keys handled (the business effect ran once per key).
    handled: BTreeSet<String>,
    /// How often the business effect ran per delivery key.
    effects: BTreeMap<String, u32>,
    /// Deliveries whose key was handled already.
    duplicates: u32,
    /// Deliveries older than the status already known (acknowledged, ignored).
    stale: Vec<(String, String)>,
    /// The order's status as the merchant knows it.
    current: BTreeMap<String, GatewayStatus>,
    /// Bodies whose signature did not verify.
    refused: u32,
}

fn rank(s: CommonStatus) -> u8 {
    match s {
        CommonStatus::Unknown => 0,
        CommonStatus::Pending => 1,
        CommonStatus::Processing => 2,
        _ => 3,
    }
}

/// Whether `new` would move the order backwards: a terminal status is never replaced by another
/// code, and a status never goes back to an earlier stage (processing after succeeded).
fn regresses(current: Option<&GatewayStatus>, new: &GatewayStatus) -> bool {
    match current {
        None => false,
        Some(c) if c.common.is_terminal() => c.code != new.code,
        Some(c) => rank(new.common) < rank(c.common),
    }
}

impl MerchantState {
    fn accept(&mut self, order: String, key: String, status: GatewayStatus) {
        self.arrivals.push((order.clone(), status.code.clone()));
        if regresses(self.current.get(&order), &status) {
            self.stale.push((order, status.code));
            return;
        }
        if !self.handled.insert(key.clone()) {
            self.duplicates += 1;
            return;
        }
        *self.effects.entry(key).or_default() += 1;
        self.current.insert(order, status);
    }
}

async fn start_merchant() -> (Merchant, String) {
    async fn hook(
        State(m): State<Merchant>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        use paywire_diamondpay::PayoutNotification;
        let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
        match PayoutNotification::verify(&body, ct, &Secret::new(DP_KEY)) {
            Ok(v) => {
                let key = v.delivery_key();
                let order = v.meta.order_id.clone().unwrap_or_default();
                let status = v.meta.status.clone().unwrap();
                m.inner.lock().unwrap().accept(order, key, status);
                (StatusCode::OK, v.reply_body().to_owned())
            }
            Err(_) => {
                // Not trusted: not acknowledged, nothing read from it.
                m.inner.lock().unwrap().refused += 1;
                (StatusCode::BAD_REQUEST, "bad signature".to_owned())
            }
        }
    }
    let m = Merchant::default();
    let app = Router::new().fallback(hook).with_state(m.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (m, url)
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what}: not within 5 s");
}

fn deliveries(sim: &Simulator, id: &str) -> Vec<Delivery> {
    sim.deliveries()
        .into_iter()
        .filter(|d| d.order_id == id)
        .collect()
}

fn acknowledged(sim: &Simulator, id: &str, status: &str) -> usize {
    deliveries(sim, id)
        .iter()
        .filter(|d| d.status == status && d.acknowledged && !d.tampered)
        .count()
}

/// A diamondpay payout created with `x-paywire-notify: <faults>`, moved to its final status one
/// step at a time (each step's notification acknowledged before the next step).
async fn notified_payout(faults: &str, id: &str) -> (Simulator, Merchant, Client, Vec<Delivery>) {
    use paywire_diamondpay::*;
    let (sim, root) = start_sim().await;
    let (merchant, hook) = start_merchant().await;
    let good = client(&format!("{root}/diamondpay"), DP_KEY);
    let req = CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id(id)
        .amount(Money::from_minor(50000))
        .notify_url(hook)
        .bank_code("812")
        .number("4088748280272397")
        .currency("twd")
        .request_time(1595504997)
        .build()
        .unwrap();
    let outcome = send_with_headers(&good, &req, &[("x-paywire-notify", faults)]).await;
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    // diamondpay payouts go 0 (pending) → 1 (processing) → 3 (succeeded).
    sim.tick().await;
    wait_for("status 1 acknowledged", || acknowledged(&sim, id, "1") >= 1).await;
    sim.tick().await;
    wait_for("status 3 acknowledged", || acknowledged(&sim, id, "3") >= 1).await;
    // Let the fault's extra copies arrive (each is sent right after the one before).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = deliveries(&sim, id);
    (sim, merchant, good, seen)
}

#[tokio::test]
async fn duplicate_notifications_are_handled_once() {
    let (_sim, merchant, _, seen) = notified_payout("duplicate", "NT-DUP").await;
    // The simulator delivered the final status twice, both acknowledged.
    let finals: Vec<&Delivery> = seen.iter().filter(|d| d.status == "3").collect();
    assert_eq!(finals.len(), 2, "{seen:#?}");
    assert!(finals.iter().all(|d| d.acknowledged && !d.tampered));
    let m = merchant.inner.lock().unwrap();
    let key = "payout:NT-DUP:3";
    // The merchant received the same delivery key twice and ran its effect once.
    assert_eq!(
        m.arrivals
            .iter()
            .filter(|(o, s)| o == "NT-DUP" && s == "3")
            .count(),
        2
    );
    assert_eq!(m.duplicates, 1);
    assert_eq!(m.effects[key], 1);
    assert_eq!(m.current["NT-DUP"].common, CommonStatus::Succeeded);
}

#[tokio::test]
async fn out_of_order_notifications_do_not_regress_the_status() {
    let (_sim, merchant, good, seen) = notified_payout("out_of_order", "NT-OOO").await;
    // The simulator sent the final status, then the first one (0, created), never sent before:
    // its delivery key is new, so only comparing statuses keeps the merchant from regressing.
    let statuses: Vec<&str> = seen.iter().map(|d| d.status.as_str()).collect();
    assert_eq!(statuses, ["1", "3", "0"], "{seen:#?}");
    {
        let m = merchant.inner.lock().unwrap();
        let arrived: Vec<&str> = m
            .arrivals
            .iter()
            .filter(|(o, _)| o == "NT-OOO")
            .map(|(_, s)| s.as_str())
            .collect();
        assert_eq!(arrived, ["1", "3", "0"]);
        // Compared with what the merchant knew (3, succeeded, terminal), status 0 (created) is
        // older: acknowledged so the gateway stops retrying, and ignored.
        assert_eq!(m.stale, [("NT-OOO".to_owned(), "0".to_owned())]);
        let current = &m.current["NT-OOO"];
        assert_eq!(
            (current.code.as_str(), current.common),
            ("3", CommonStatus::Succeeded)
        );
        assert!(regresses(
            Some(current),
            &GatewayStatus {
                code: "0".into(),
                common: CommonStatus::Pending
            }
        ));
    }
    // The gateway agrees: the query says 3.
    let r = good
        .reconcile(
            || {
                paywire_diamondpay::QueryPayoutsRequest::builder()
                    .payout_cl_id("NT-OOO")
                    .build()
                    .unwrap()
            },
            patient(),
        )
        .await;
    assert_eq!(r.status.unwrap().code, "3");
}

#[tokio::test]
async fn tampered_notifications_are_refused_and_the_good_copy_still_arrives() {
    let (sim, merchant, good, seen) = notified_payout("bad_signature", "NT-SIG").await;
    // Each status: a tampered copy first (sent once, refused), then the correct one (acknowledged).
    let shape: Vec<(&str, bool, bool)> = seen
        .iter()
        .map(|d| (d.status.as_str(), d.tampered, d.acknowledged))
        .collect();
    assert_eq!(
        shape,
        [
            ("1", true, false),
            ("1", false, true),
            ("3", true, false),
            ("3", false, true)
        ],
        "{seen:#?}"
    );
    {
        let m = merchant.inner.lock().unwrap();
        assert_eq!(
            m.refused, 2,
            "the merchant's verify refused both tampered copies"
        );
        assert_eq!(m.effects["payout:NT-SIG:1"], 1);
        assert_eq!(m.effects["payout:NT-SIG:3"], 1);
        assert_eq!(m.current["NT-SIG"].common, CommonStatus::Succeeded);
    }
    // A refused notification is not trusted; the query is: it says succeeded too.
    let r = good
        .reconcile(
            || {
                paywire_diamondpay::QueryPayoutsRequest::builder()
                    .payout_cl_id("NT-SIG")
                    .build()
                    .unwrap()
            },
            patient(),
        )
        .await;
    assert_eq!(r.common_status(), CommonStatus::Succeeded);
    // The simulator's own record agrees.
    assert_eq!(
        sim.deliveries()
            .iter()
            .filter(|d| d.order_id == "NT-SIG" && d.tampered)
            .count(),
        2
    );
}
