//! paywire-sim: a sandbox that plays the gateway side of any paywire spec.
//!
//! Every operation of every loaded spec is served under `/<gateway>/<path>` (so two gateways
//! never collide): the simulator verifies the request's signature with the configured merchant
//! credentials, enforces the spec's field rules, refuses duplicate merchant order ids, keeps
//! orders (in memory, or in SQLite with [`SimConfig::db`]), moves them through the gateway's
//! statuses on a schedule, sends signed notifications to the order's notification URL (retrying
//! until the documented reply comes back), answers queries and balance, and signs its responses
//! where the gateway does. Errors use the gateway's own envelope and codes.
//!
//! Operations that share a method and path (diamondpay's payout flavours) are told apart by
//! their field rules: a request is for the first one whose rules it meets. Methods other than
//! GET and POST are answered 405. A create operation whose answer and notification name no status
//! map moves through the status map of the query that reads its orders.
//!
//! # Fault injection
//!
//! A fault applies after the request was processed (the order exists), which is exactly the
//! case a client must not report as failed:
//!
//! - header `x-paywire-fault: <fault>` on a request;
//! - a magic amount: minor units ending in `91` timeout, `92` 500, `93` 502, `94` empty body,
//!   `95` truncated body, `96` reset, `97` final status failed, `98` final status cancelled;
//! - `POST /_sim/faults` with `{"gateway":"intqp","operation":"withdraw","fault":"timeout","times":1}`.
//!
//! Faults: `delay=<ms>`, `timeout` (hold the connection), `500`, `502`, `empty`, `truncated`,
//! `reset`. Per order, `x-paywire-final: failed|cancelled|succeeded` sets the final status and
//! `x-paywire-notify: duplicate|out_of_order|bad_signature` (comma-separated) alters its
//! notifications. `GET /_sim/orders` and `GET /_sim/deliveries` show the state.

pub mod fill;
pub mod store;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use paywire::received::Object;
use paywire::spec::{
    BodyEncoding, CommonStatus, ErrorMeaning, Method, Operation, OperationKind, SignatureScope,
};
use paywire::{Gateway, Secret};
use serde::{Deserialize, Serialize};

pub use store::{Order, Store, StoreError};

/// One gateway the simulator plays, with the merchant credentials it accepts.
#[derive(Debug, Clone)]
pub struct SimGateway {
    /// The gateway.
    pub gateway: Gateway,
    /// The merchant's signing secret.
    pub secret: Secret,
    /// The value expected in headers templated with `{authorization}`.
    pub authorization: Option<Secret>,
}

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The gateways.
    pub gateways: Vec<SimGateway>,
    /// A SQLite file for order state (in memory when absent).
    pub db: Option<PathBuf>,
    /// Time between status steps of an order.
    pub step: Duration,
    /// How long a `timeout` fault holds the connection.
    pub hold: Duration,
    /// Time between the first and second notification delivery (doubling after; the spec's
    /// attempt count applies). Real gateways wait a minute; the sandbox is faster.
    pub notify_interval: Duration,
    /// Largest request body accepted.
    pub max_body: usize,
}

impl SimConfig {
    /// Defaults: in memory, 1 s steps, 30 s hold, 200 ms notification retries, 64 KiB bodies.
    pub fn new(gateways: Vec<SimGateway>) -> Self {
        Self {
            gateways,
            db: None,
            step: Duration::from_secs(1),
            hold: Duration::from_secs(30),
            notify_interval: Duration::from_millis(200),
            max_body: 64 * 1024,
        }
    }
}

/// A simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Two gateways share a name.
    #[error("two gateways are named `{0}`")]
    DuplicateGateway(String),
}

/// A notification delivery attempt, for tests and the demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Gateway.
    pub gateway: String,
    /// Notification name.
    pub notification: String,
    /// Merchant order id.
    pub order_id: String,
    /// Status code carried.
    pub status: String,
    /// Attempt number (1-based).
    pub attempt: u32,
    /// Whether the merchant answered with the expected reply.
    pub acknowledged: bool,
    /// Whether the signature was deliberately broken.
    pub tampered: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct FaultRule {
    gateway: String,
    #[serde(default)]
    operation: Option<String>,
    fault: String,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

struct Inner {
    gateways: BTreeMap<String, SimGateway>,
    store: Store,
    config: SimConfig,
    faults: Mutex<Vec<FaultRule>>,
    deliveries: Mutex<Vec<Delivery>>,
    http: reqwest::Client,
    counter: Mutex<u64>,
}

/// A running simulator's shared state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Simulator {
    /// Build a simulator (opening its store).
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let mut gateways = BTreeMap::new();
        for g in &config.gateways {
            let name = g.gateway.name().to_owned();
            if gateways.insert(name.clone(), g.clone()).is_some() {
                return Err(SimError::DuplicateGateway(name));
            }
        }
        let store = match &config.db {
            Some(p) => Store::sqlite(p)?,
            None => Store::memory(),
        };
        // Gateway ids go on after the highest one a persistent store already holds: an order
        // created after a restart must not get the id of an older one (a query by gateway id
        // would find the wrong order).
        let issued = store
            .all()?
            .iter()
            .filter_map(|o| {
                o.gateway_id
                    .trim_start_matches(|c: char| !c.is_ascii_digit())
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Ok(Self {
            inner: Arc::new(Inner {
                gateways,
                store,
                config,
                faults: Mutex::new(Vec::new()),
                deliveries: Mutex::new(Vec::new()),
                http,
                counter: Mutex::new(issued),
            }),
        })
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sim/orders", get(list_orders))
            .route("/_sim/deliveries", get(list_deliveries))
            .route("/_sim/faults", post(add_fault))
            .route("/{gateway}/{*path}", axum::routing::any(handle))
            .layer(DefaultBodyLimit::max(self.inner.config.max_body))
            .with_state(self.clone())
    }

    /// Serve on `listener` and move orders along their statuses until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let ticker = self.clone();
        tokio::spawn(async move { ticker.run_schedule().await });
        axum::serve(listener, self.router()).await
    }

    /// Every order.
    pub fn orders(&self) -> Vec<Order> {
        self.inner.store.all().unwrap_or_default()
    }

    /// Every notification delivery so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner
            .deliveries
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    /// Advance every order one status step now (the schedule calls this every `step`).
    pub async fn tick(&self) {
        let orders = self.inner.store.all().unwrap_or_default();
        for mut order in orders.into_iter().filter(|o| !o.is_final()) {
            order.step += 1;
            if self.inner.store.update(&order).is_err() {
                continue;
            }
            let sim = self.clone();
            let o = order.clone();
            tokio::spawn(async move { sim.notify(o).await });
        }
    }

    async fn run_schedule(&self) {
        let mut interval = tokio::time::interval(self.inner.config.step);
        interval.tick().await;
        loop {
            interval.tick().await;
            self.tick().await;
        }
    }

    fn next_id(&self, prefix: &str) -> String {
        let mut c = self.inner.counter.lock().unwrap_or_else(|p| p.into_inner());
        *c += 1;
        format!("{prefix}{:08}", *c)
    }

    /// Deliver the notification of an order's current status, with the gateway's retries.
    async fn notify(&self, order: Order) {
        let Some(sg) = self.inner.gateways.get(&order.gateway) else {
            return;
        };
        let (Some(url), Some(name)) = (order.notify_url.clone(), order.notification.clone()) else {
            return;
        };
        let Some(n) = sg.gateway.spec().notification(&name) else {
            return;
        };
        let status_field = n
            .status
            .as_deref()
            .and_then(|m| sg.gateway.spec().statuses.get(m))
            .map(|m| m.field.clone());
        let mut copies = vec![(order.status().to_owned(), false)];
        if order.is_final() {
            if order.notify_faults.iter().any(|f| f == "duplicate") {
                copies.push((order.status().to_owned(), false));
            }
            // Out of order: after the final status, the first status of the path, which was
            // never notified before. Its delivery key is new, so deduplicating by key alone does
            // not catch it: the merchant has to compare statuses.
            if order.notify_faults.iter().any(|f| f == "out_of_order") && order.path.len() > 1 {
                copies.push((order.path[0].clone(), false));
            }
        }
        if order.notify_faults.iter().any(|f| f == "bad_signature") {
            copies.insert(0, (order.status().to_owned(), true));
        }
        for (status, tampered) in copies {
            let fields = fill::notification_fields(
                &sg.gateway,
                &name,
                &order,
                &status,
                status_field.as_deref(),
            );
            let Ok(signed) = sg
                .gateway
                .sign_wire(n.profile.as_deref(), fields, &sg.secret)
            else {
                return;
            };
            let mut body = signed.to_json();
            if tampered {
                body = fill::tamper_signature(&body);
            }
            let mut delay = self.inner.config.notify_interval;
            for attempt in 1..=n.retry.attempts.max(1) {
                let reply = self
                    .inner
                    .http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let acknowledged = match reply {
                    Ok(r) => r
                        .text()
                        .await
                        .is_ok_and(|t| t.trim() == n.reply.body.trim()),
                    Err(_) => false,
                };
                if let Ok(mut d) = self.inner.deliveries.lock() {
                    d.push(Delivery {
                        gateway: order.gateway.clone(),
                        notification: name.clone(),
                        order_id: order.order_id.clone(),
                        status: status.clone(),
                        attempt,
                        acknowledged,
                        tampered,
                    });
                }
                // A tampered copy is refused by a correct merchant: send it once only.
                if acknowledged || tampered {
                    break;
                }
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }

    fn take_fault(&self, gateway: &str, operation: &str) -> Option<String> {
        let mut rules = self.inner.faults.lock().ok()?;
        let i = rules.iter().position(|r| {
            r.gateway == gateway && r.operation.as_deref().is_none_or(|o| o == operation)
        })?;
        let fault = rules[i].fault.clone();
        rules[i].times = rules[i].times.saturating_sub(1);
        if rules[i].times == 0 {
            rules.remove(i);
        }
        Some(fault)
    }
}

async fn list_orders(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::to_value(sim.orders()).unwrap_or_default()).into_response()
}

async fn list_deliveries(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::to_value(sim.deliveries()).unwrap_or_default()).into_response()
}

async fn add_fault(State(sim): State<Simulator>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) if fill::is_fault(&rule.fault) => {
            if let Ok(mut f) = sim.inner.faults.lock() {
                f.push(rule);
            }
            (StatusCode::OK, "fault armed\n").into_response()
        }
        Ok(rule) => (
            StatusCode::BAD_REQUEST,
            format!("unknown fault `{}`\n", rule.fault),
        )
            .into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!("expected {{\"gateway\",\"operation\"?,\"fault\",\"times\"?}}: {e}\n"),
        )
            .into_response(),
    }
}

/// A gateway's answer before faults are applied.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
}

async fn handle(
    State(sim): State<Simulator>,
    Path((gateway, path)): Path<(String, String)>,
    method: HttpMethod,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(sg) = sim.inner.gateways.get(&gateway).cloned() else {
        return (
            StatusCode::NOT_FOUND,
            format!("no gateway `{gateway}` is simulated here\n"),
        )
            .into_response();
    };
    let path = format!("/{path}");
    // Gateways speak GET and POST only; anything else must not reach an operation.
    let want = match method {
        HttpMethod::GET => Method::Get,
        HttpMethod::POST => Method::Post,
        _ => {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [("allow", "GET, POST")],
                format!("`{gateway}` answers GET and POST only, not {method} {path}\n"),
            )
                .into_response();
        }
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let Some(op) = pick_operation(
        &sg.gateway,
        &path,
        want,
        query.as_deref(),
        content_type.as_deref(),
        &body,
    ) else {
        return (
            StatusCode::NOT_FOUND,
            format!("`{gateway}` has no {method} {path}\n"),
        )
            .into_response();
    };
    let (answer, order) = process(
        &sim,
        &sg,
        &op,
        query.as_deref(),
        content_type.as_deref(),
        &body,
        &header,
    );
    let fault = header("x-paywire-fault")
        .or_else(|| sim.take_fault(&gateway, &op.name))
        .or_else(|| {
            order
                .as_ref()
                .and_then(|o| fill::magic_fault(&sg.gateway, &op, o))
        });
    apply_fault(&sim, fault.as_deref(), answer).await
}

async fn apply_fault(sim: &Simulator, fault: Option<&str>, answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let json = |status: StatusCode, body: String| {
        (status, [("content-type", "application/json")], body).into_response()
    };
    match fault {
        None => json(status, answer.body),
        Some(f) if f.starts_with("delay=") => {
            let ms = f.trim_start_matches("delay=").parse().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            json(status, answer.body)
        }
        Some("timeout") => {
            tokio::time::sleep(sim.inner.config.hold).await;
            json(status, answer.body)
        }
        Some("500") => json(StatusCode::INTERNAL_SERVER_ERROR, String::new()),
        Some("502") => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Some("empty") => json(StatusCode::OK, String::new()),
        Some("truncated") => {
            let cut = answer.body.len() / 2;
            let mut end = cut;
            while !answer.body.is_char_boundary(end) {
                end -= 1;
            }
            json(status, answer.body[..end].to_owned())
        }
        Some("reset") => {
            // Headers go out, then the body stream fails: the connection is cut mid-response.
            let stream = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Some(_) => json(status, answer.body),
    }
}

/// The operation a request is for. Several operations may share a method and path (diamondpay's
/// five payout flavours): the first whose field rules the request meets, else the first.
fn pick_operation(
    gw: &Gateway,
    path: &str,
    method: Method,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<Operation> {
    let mut candidates = gw
        .spec()
        .operations
        .iter()
        .filter(|o| o.path == path && o.method == method);
    let first = candidates.next()?;
    let mut rest = candidates.peekable();
    if rest.peek().is_none() {
        return Some(first.clone());
    }
    let Ok(obj) = receive(first, query, content_type, body) else {
        return Some(first.clone());
    };
    std::iter::once(first)
        .chain(rest)
        .find(|o| paywire::validate::check(&o.request, &obj).is_ok())
        .or(Some(first))
        .cloned()
}

/// The request's fields, read as the operation's body encoding says.
fn receive(
    op: &Operation,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Object, paywire::received::ReceiveError> {
    match op.body() {
        BodyEncoding::Query => Object::from_form(query.unwrap_or("").as_bytes()).or_else(|e| {
            if query.unwrap_or("").is_empty() {
                Ok(Object::default())
            } else {
                Err(e)
            }
        }),
        BodyEncoding::Json => Object::from_json(body),
        BodyEncoding::Form => Object::from_body(
            body,
            content_type.or(Some("application/x-www-form-urlencoded")),
        ),
    }
}

fn error_answer(sg: &SimGateway, meaning: ErrorMeaning, message: &str) -> Answer {
    fill::error_envelope(sg, meaning, message)
}

/// Verify, validate and act on one request; returns the answer and the order it touched.
fn process(
    sim: &Simulator,
    sg: &SimGateway,
    op: &Operation,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    header: &dyn Fn(&str) -> Option<String>,
) -> (Answer, Option<Order>) {
    let gw = &sg.gateway;
    let obj = match receive(op, query, content_type, body) {
        Ok(o) => o,
        Err(e) => {
            return (
                error_answer(
                    sg,
                    ErrorMeaning::Invalid,
                    &format!("unreadable request: {e}"),
                ),
                None,
            );
        }
    };
    // Authorization headers.
    for (name, template) in &op.headers {
        if template.contains("{authorization}") {
            let expected = sg.authorization.as_ref().map(Secret::expose).unwrap_or("");
            let got = header(&name.to_ascii_lowercase()).unwrap_or_default();
            if !paywire::signing::signatures_match(paywire::spec::Compare::Exact, expected, &got) {
                return (
                    error_answer(sg, ErrorMeaning::Auth, "Invalid Authorization"),
                    None,
                );
            }
        }
    }
    if op.signed {
        let profile = gw.received_profile(op.profile.as_deref(), &obj);
        let Ok(recipe) = gw.profile(profile) else {
            return (
                error_answer(sg, ErrorMeaning::Signature, "unknown signing profile"),
                None,
            );
        };
        if let Err(e) = paywire::signing::verify(
            recipe,
            &gw.profile_label(profile),
            &obj.sign_fields(),
            &sg.secret,
        ) {
            return (
                error_answer(
                    sg,
                    ErrorMeaning::Signature,
                    &format!("Signature verification failed! ({e})"),
                ),
                None,
            );
        }
    }
    if let Err(e) = paywire::validate::check(&op.request, &obj) {
        return (
            error_answer(sg, ErrorMeaning::Invalid, &e.to_string()),
            None,
        );
    }
    match op.kind {
        OperationKind::Create => create(sim, sg, op, &obj, header),
        OperationKind::Query => query_order(sim, sg, op, &obj),
        OperationKind::Balance | OperationKind::Other => (
            fill::ok_envelope(sg, op, fill::defaults(gw, op, &obj)),
            None,
        ),
    }
}

fn create(
    sim: &Simulator,
    sg: &SimGateway,
    op: &Operation,
    obj: &Object,
    header: &dyn Fn(&str) -> Option<String>,
) -> (Answer, Option<Order>) {
    let gw = &sg.gateway;
    let order_id = op
        .order_id
        .as_deref()
        .and_then(|k| obj.text(k))
        .unwrap_or_default();
    let fields: BTreeMap<String, String> = obj
        .entries()
        .iter()
        .filter_map(|(k, v)| v.sign_text().map(|t| (k.clone(), t)))
        .collect();
    let mut final_status = header("x-paywire-final")
        .and_then(|f| match f.as_str() {
            "failed" => Some(CommonStatus::Failed),
            "cancelled" => Some(CommonStatus::Cancelled),
            "succeeded" => Some(CommonStatus::Succeeded),
            _ => None,
        })
        .unwrap_or(CommonStatus::Succeeded);
    if let Some(f) = fill::magic_final(gw, op, obj) {
        final_status = f;
    }
    let path = fill::status_path(gw, op, final_status);
    let order = Order {
        gateway: gw.name().to_owned(),
        operation: op.name.clone(),
        order_id: order_id.clone(),
        gateway_id: sim.next_id(&gw.name().chars().take(2).collect::<String>().to_uppercase()),
        fields,
        path,
        step: 0,
        notify_url: op
            .notify_url
            .as_deref()
            .and_then(|k| obj.text(k))
            .filter(|u| !u.is_empty()),
        notification: op.notification.clone(),
        notify_faults: header("x-paywire-notify")
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default(),
        created_at: now(),
    };
    match sim.inner.store.insert(&order) {
        Ok(true) => {}
        Ok(false) => {
            return (
                error_answer(
                    sg,
                    ErrorMeaning::Duplicate,
                    &format!("Duplicate order number {order_id}"),
                ),
                None,
            );
        }
        Err(e) => {
            return (
                Answer {
                    status: 500,
                    body: format!("{{\"sim_error\":\"{e}\"}}"),
                },
                None,
            );
        }
    }
    let payload = fill::order_payload(gw, op, &order);
    (fill::ok_envelope(sg, op, payload), Some(order))
}

fn query_order(
    sim: &Simulator,
    sg: &SimGateway,
    op: &Operation,
    obj: &Object,
) -> (Answer, Option<Order>) {
    let gw = &sg.gateway;
    // Only id fields look orders up: the query's own order id and gateway id fields, and any
    // field named like an order id or gateway id of the spec's create operations (so a `limit`
    // of 10 never matches an order whose id is "10").
    let spec = gw.spec();
    let id_fields: Vec<&str> = op
        .order_id
        .iter()
        .chain(op.gateway_id.iter())
        .chain(
            spec.operations
                .iter()
                .flat_map(|o| o.order_id.iter().chain(o.gateway_id.iter())),
        )
        .map(String::as_str)
        .collect();
    let mut found = None;
    for f in op
        .request
        .iter()
        .filter(|f| id_fields.contains(&f.name.as_str()))
    {
        if let Some(v) = obj.text(&f.name)
            && let Ok(Some(o)) = sim.inner.store.find(gw.name(), &v)
        {
            found = Some(o);
            break;
        }
    }
    let Some(order) = found else {
        if op.rows.as_ref().is_some_and(|r| r.path.is_none()) {
            // A list query that matches nothing answers an empty list.
            return (
                fill::ok_envelope(sg, op, fill::Payload::Rows(Vec::new())),
                None,
            );
        }
        return (
            error_answer(sg, ErrorMeaning::NotFound, "Order not found"),
            None,
        );
    };
    let payload = fill::order_payload(gw, op, &order);
    (fill::ok_envelope(sg, op, payload), Some(order))
}

/// The scope a response signature covers (re-exported for the fill module).
pub(crate) fn scope_of(gw: &Gateway, op: &Operation) -> Option<(String, SignatureScope)> {
    gw.spec()
        .envelope_for(op)
        .and_then(|e| e.signature.as_ref())
        .map(|s| (s.profile.clone(), s.scope))
}
