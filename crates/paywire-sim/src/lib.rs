//! paywire-sim: a sandbox that plays the gateway side of any paywire spec.
//!
//! Every operation of every loaded spec is served under `/<gateway>/<path>` (so two gateways
//! never collide): the simulator verifies the request's signature with the configured merchant
//! credentials, enforces the spec's field rules, refuses duplicate merchant order ids, keeps
//! orders (in memory, or also in SQLite with [`SimConfig::db`]), moves them through the
//! gateway's statuses on a schedule, sends signed notifications to the order's notification URL
//! (retrying until the documented reply comes back), answers queries and balance, and signs its
//! responses where the gateway does. Errors use the gateway's own envelope and codes.
//!
//! Operations that share a method and path (diamondpay's payout flavours) are told apart by
//! their field rules: a request is for the first one whose rules it meets. Methods other than
//! GET and POST are answered 405. A create operation whose answer and notification name no status
//! map moves through the status map of the query that reads its orders.
//!
//! # Schedule
//!
//! Each order takes its next status step [`SimConfig::step`] after the previous one (or after
//! its creation): the orders wait in a queue ordered by due time, and the schedule touches only
//! the orders whose step is due. A step that has a notification to send queues a delivery; the
//! deliveries wait in their own due-time queue (first attempt now, then
//! [`SimConfig::notify_interval`] doubling), and each attempt is one HTTP request, at most
//! [`SimConfig::max_in_flight`] at a time. A finished delivery is dropped (its attempts stay in
//! the bounded log [`Simulator::deliveries`]); a final order leaves the step queue.
//!
//! # Persistence
//!
//! With [`SimConfig::db`] the state is also kept in a SQLite file (WAL mode, `synchronous =
//! NORMAL`), written by a dedicated thread in batched transactions. A create request is answered
//! only once its order is committed: an order the client was told about survives the simulator
//! being killed. Status steps and deliveries are written too (a step and the notifications it
//! sends in one transaction), so after a restart on the same file the orders go on from their
//! step and every delivery not yet acknowledged is resumed. Delivery is at least once: an attempt
//! acknowledged just before a kill may be sent again.
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

mod db;
pub mod fill;
mod reply;
pub mod store;
mod verify;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use paywire::received::Object;
use paywire::spec::{
    BodyEncoding, CommonStatus, ErrorMeaning, Method, Operation, OperationKind, SignatureScope,
};
use paywire::{Gateway, Secret};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};

use db::{CopyRow, Db, JobRow, Write};
use store::{Book, Rec, RecView};
pub use store::{Order, StoreError};

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
    /// A SQLite file for order state and pending notifications (in memory only when absent).
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
    /// Notification delivery attempts kept for [`Simulator::deliveries`] (the oldest are
    /// dropped beyond).
    pub delivery_log: usize,
    /// Notification requests in flight at most.
    pub max_in_flight: usize,
    /// Gateways held to one signing profile (`paywire sim --profile gateway=profile`): their
    /// requests must be signed with it. A gateway not named here accepts a request signed with
    /// any profile its spec offers for it (see [`Simulator`]).
    pub profiles: HashMap<String, String>,
    /// The notification URL of operations whose requests carry none (`notify_url` not set in
    /// the spec): the URL a merchant configures in the gateway's dashboard (YooMoney, PayU,
    /// webhook gateways).
    pub notify_url: Option<String>,
}

impl SimConfig {
    /// Defaults: in memory, 1 s steps, 30 s hold, 200 ms notification retries, 64 KiB bodies,
    /// the last 100,000 delivery attempts logged, 256 notification requests in flight.
    pub fn new(gateways: Vec<SimGateway>) -> Self {
        Self {
            gateways,
            db: None,
            step: Duration::from_secs(1),
            hold: Duration::from_secs(30),
            notify_interval: Duration::from_millis(200),
            max_body: 64 * 1024,
            delivery_log: 100_000,
            max_in_flight: 256,
            profiles: HashMap::new(),
            notify_url: None,
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
    /// More gateways than one simulator plays (65,535).
    #[error("{0} gateways: a simulator plays 65,535 at most")]
    TooManyGateways(usize),
    /// [`SimConfig::profiles`] names a gateway or a profile that is not there.
    #[error("--profile {gateway}={profile}: {why}")]
    UnknownProfile {
        /// The gateway named.
        gateway: String,
        /// The profile named.
        profile: String,
        /// What is wrong, with the names that exist.
        why: String,
    },
    /// A spec with more signing profiles than a simulator records per order (254).
    #[error("gateway `{0}` has more than 254 signing profiles")]
    TooManyProfiles(String),
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

/// Counts describing a simulator's state, cheap to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SimStats {
    /// Orders known.
    pub orders: usize,
    /// Orders not yet at their final status (waiting in the step queue).
    pub stepping: usize,
    /// Notifications being delivered (not yet acknowledged nor given up).
    pub deliveries_pending: usize,
    /// Delivery attempts in the log.
    pub delivery_log: usize,
    /// Bytes held by the order records and their indexes (not counting allocator overhead).
    pub order_bytes: usize,
    /// SQLite batches that failed to commit (0 in memory).
    pub store_errors: u64,
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

/// A gateway with what the handlers look up per request, computed once.
struct Entry {
    sg: SimGateway,
    /// Gateway ids are this prefix and a number.
    prefix: String,
    /// Operations by path, per method, in spec order.
    get: HashMap<String, Vec<usize>>,
    post: HashMap<String, Vec<usize>>,
    /// Per operation: the request fields that look orders up (queries).
    id_fields: Vec<Vec<usize>>,
    /// Per operation: the index of its notification.
    notification_of: Vec<Option<usize>>,
    /// Per notification: the field carrying the status.
    status_field: Vec<Option<String>>,
    /// Per operation: the status paths of an order it creates, ending succeeded, failed,
    /// cancelled (shared by every order).
    paths: Vec<[Arc<[String]>; 3]>,
    /// The names the SQLite rows carry, shared with the writer thread.
    shared_name: Arc<str>,
    op_names: Vec<Arc<str>>,
    op_notifications: Vec<Option<Arc<str>>>,
    /// Every profile of the spec, by name order: an order records the one its request verified
    /// under as an index into this list.
    profiles: Vec<Arc<str>>,
    /// The profiles a merchant may sign requests with: those signing every sent field (the
    /// spec's alternatives for one recipe, such as diamondpay's `md5`, `md5-bare-key` and
    /// `hmac-sha256`), not those over a listed set of fields (answer rows, balance).
    offered: Vec<u8>,
    /// The one profile requests must use (`--profile`).
    pinned: Option<u8>,
    /// Per offered profile (by index), the gateway as it answers a merchant signing with it:
    /// the spec with that profile in place of the offered one in every answer signature and
    /// signed row (None where nothing changes).
    answering: Vec<Option<SimGateway>>,
}

impl Entry {
    fn new(sg: SimGateway, pinned: Option<&str>) -> Result<Self, SimError> {
        let spec = sg.gateway.spec();
        if spec.profiles.len() >= usize::from(store::NO_PROFILE) {
            return Err(SimError::TooManyProfiles(sg.gateway.name().to_owned()));
        }
        let profiles: Vec<Arc<str>> = spec
            .profiles
            .keys()
            .map(|k| Arc::from(k.as_str()))
            .collect();
        let offered: Vec<u8> = spec
            .profiles
            .values()
            .enumerate()
            .filter(|(_, r)| r.signs_every_field())
            .filter_map(|(i, _)| u8::try_from(i).ok())
            .collect();
        let pinned = match pinned {
            None => None,
            Some(name) => match spec.profiles.keys().position(|k| k == name) {
                Some(i) => u8::try_from(i).ok(),
                None => {
                    return Err(SimError::UnknownProfile {
                        gateway: sg.gateway.name().to_owned(),
                        profile: name.to_owned(),
                        why: format!(
                            "no such profile; the spec has {}",
                            spec.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            },
        };
        let (mut get, mut post) = (HashMap::new(), HashMap::new());
        for (i, op) in spec.operations.iter().enumerate() {
            let routes: &mut HashMap<String, Vec<usize>> = match op.method {
                Method::Get => &mut get,
                Method::Post => &mut post,
            };
            routes.entry(op.path.clone()).or_default().push(i);
        }
        // Only id fields look orders up: the query's own order id and gateway id fields, and
        // any field named like an order id or gateway id of the spec's create operations (so a
        // `limit` of 10 never matches an order whose id is "10").
        let id_fields = spec
            .operations
            .iter()
            .map(|op| {
                let ids: Vec<&str> = op
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
                op.request
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| ids.contains(&f.name.as_str()))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let notification_of = spec
            .operations
            .iter()
            .map(|op| {
                op.notification
                    .as_deref()
                    .and_then(|n| spec.notifications.iter().position(|x| x.name == n))
            })
            .collect();
        let status_field = spec
            .notifications
            .iter()
            .map(|n| {
                n.status
                    .as_deref()
                    .and_then(|m| spec.statuses.get(m))
                    .map(|m| m.field.clone())
            })
            .collect();
        let prefix = sg
            .gateway
            .name()
            .chars()
            .take(2)
            .collect::<String>()
            .to_uppercase();
        let paths = spec
            .operations
            .iter()
            .map(|op| {
                [
                    CommonStatus::Succeeded,
                    CommonStatus::Failed,
                    CommonStatus::Cancelled,
                ]
                .map(|f| Arc::from(fill::status_path(&sg.gateway, op, f)))
            })
            .collect();
        let op_names = spec
            .operations
            .iter()
            .map(|o| Arc::from(o.name.as_str()))
            .collect();
        let op_notifications = spec
            .operations
            .iter()
            .map(|o| o.notification.as_deref().map(Arc::from))
            .collect();
        let answering = (0..profiles.len())
            .map(|i| {
                let index = u8::try_from(i).ok()?;
                answering_as(&sg, &offered, index)
            })
            .collect();
        Ok(Self {
            answering,
            shared_name: Arc::from(sg.gateway.name()),
            sg,
            prefix,
            get,
            post,
            id_fields,
            notification_of,
            status_field,
            paths,
            op_names,
            op_notifications,
            profiles,
            offered,
            pinned,
        })
    }

    /// The gateway as it answers (and notifies) a merchant whose request verified under
    /// profile `merchant`.
    fn as_merchant(&self, merchant: u8) -> &SimGateway {
        self.answering
            .get(usize::from(merchant))
            .and_then(Option::as_ref)
            .unwrap_or(&self.sg)
    }

    /// [`Entry::as_merchant`] with its operation `op_index`.
    fn answering(&self, merchant: u8, op_index: usize) -> Option<(&SimGateway, &Operation)> {
        let sg = self.as_merchant(merchant);
        Some((sg, sg.gateway.spec().operations.get(op_index)?))
    }

    /// The index of profile `name` (None: the spec's default) in [`Entry::profiles`].
    fn profile_index(&self, name: Option<&str>) -> u8 {
        let name = name.unwrap_or(&self.sg.gateway.spec().gateway.default_profile);
        self.profiles
            .iter()
            .position(|p| &**p == name)
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(store::NO_PROFILE)
    }

    /// The name of profile `index` (None for [`store::NO_PROFILE`]).
    fn profile_name(&self, index: u8) -> Option<&str> {
        self.profiles.get(usize::from(index)).map(|p| &**p)
    }

    fn name(&self) -> &str {
        self.sg.gateway.name()
    }

    fn op(&self, i: usize) -> Option<&Operation> {
        self.sg.gateway.spec().operations.get(i)
    }

    /// A record of this gateway with the names it stands for.
    fn view<'a>(&'a self, rec: &'a Rec) -> RecView<'a> {
        let op = self.op(usize::from(rec.op));
        RecView {
            rec,
            gateway: self.name(),
            operation: op.map_or("", |o| o.name.as_str()),
            notification: op.and_then(|o| o.notification.as_deref()),
            profile: self.profile_name(rec.profile),
        }
    }

    /// The public view of a record of this gateway.
    fn order(&self, rec: &Rec) -> Order {
        rec.to_order(&self.view(rec))
    }
}

/// `sg` answering a merchant that signs with profile `merchant` (an offered one): every answer
/// signature, row signature and notification under the spec's default profile (a
/// notification naming none is under the default) uses the merchant's instead. None when `merchant` is not offered
/// or nothing would change.
fn answering_as(sg: &SimGateway, offered: &[u8], merchant: u8) -> Option<SimGateway> {
    let spec = sg.gateway.spec();
    let names: Vec<&String> = spec.profiles.keys().collect();
    let name = (*names.get(usize::from(merchant))?).clone();
    if !offered.contains(&merchant) {
        return None;
    }
    // Only where the spec signs with its default profile, the recipe requests are signed
    // with: a place that names another profile on purpose (Alipay's notifications leave
    // `sign_type` out) keeps it.
    let default_profile = spec.gateway.default_profile.as_str();
    let is_offered = |p: &str| {
        p == default_profile
            && names
                .iter()
                .position(|n| *n == p)
                .and_then(|i| u8::try_from(i).ok())
                .is_some_and(|i| offered.contains(&i))
    };
    let mut changed = spec.clone();
    let mut any = false;
    for env in changed.envelopes.values_mut() {
        if let Some(sig) = env.signature.as_mut()
            && is_offered(&sig.profile)
            && sig.profile != name
        {
            sig.profile.clone_from(&name);
            any = true;
        }
    }
    for op in &mut changed.operations {
        if let Some(rows) = op.rows.as_mut()
            && is_offered(&rows.profile)
            && rows.profile != name
        {
            rows.profile.clone_from(&name);
            any = true;
        }
    }
    let default = spec.gateway.default_profile.clone();
    for n in &mut changed.notifications {
        let current = n.profile.clone().unwrap_or_else(|| default.clone());
        if is_offered(&current) && current != name {
            n.profile = Some(name.clone());
            any = true;
        }
    }
    any.then(|| SimGateway {
        gateway: Gateway::new(changed),
        secret: sg.secret.clone(),
        authorization: sg.authorization.clone(),
    })
}

/// Non-final orders, by the monotonic millisecond their next step is due. Every order waits
/// the same [`SimConfig::step`], so a queue in arrival order is in due order (two steps computed
/// on two threads may land a millisecond out of order: the later one then waits that much).
type Steps = VecDeque<(u64, u32)>;

/// One copy of a notification to deliver.
struct Copy {
    status: String,
    tampered: bool,
    body: Bytes,
}

/// A notification being delivered.
struct Job {
    gw: u16,
    notification: u16,
    order_id: String,
    url: String,
    copies: Vec<Copy>,
    /// The copy being delivered, and the attempts made at it.
    copy: usize,
    attempt: u32,
}

/// Deliveries not finished, by due time.
#[derive(Default)]
struct Outbox {
    jobs: HashMap<u64, Job>,
    due: BinaryHeap<Reverse<(u64, u64)>>,
    next_id: u64,
}

/// A step taken, with what follows from it outside the lock.
struct Stepped {
    gw: u16,
    due: Option<u64>,
    /// A copy of the record after the step, when the step is persisted or notified.
    rec: Option<Rec>,
}

/// The orders and their step queue: shared with the SQLite writer, which schedules (or
/// withdraws) an order once its insert is committed (or refused).
pub(crate) struct Shared {
    book: Mutex<Book>,
    steps: Mutex<Steps>,
    step_wake: Arc<Notify>,
    epoch: Instant,
    step_ms: u64,
}

impl Shared {
    /// Monotonic milliseconds since the simulator started.
    fn mono(&self) -> u64 {
        millis(self.epoch.elapsed())
    }

    /// Queue the first step of a new order.
    pub(crate) fn schedule(&self, slot: u32, stepping: bool) {
        if !stepping {
            return;
        }
        let due = self.mono().saturating_add(self.step_ms);
        let mut q = lock(&self.steps);
        let earliest = q.is_empty();
        q.push_back((due, slot));
        drop(q);
        if earliest {
            self.step_wake.notify_one();
        }
    }

    /// Withdraw an order whose insert was refused or failed.
    pub(crate) fn withdraw(&self, slot: u32) {
        lock(&self.book).withdraw(slot);
    }
}

struct Inner {
    entries: Vec<Entry>,
    by_name: HashMap<String, u16>,
    core: Arc<Shared>,
    outbox: Mutex<Outbox>,
    db: Option<Db>,
    config: SimConfig,
    faults: Mutex<Vec<FaultRule>>,
    armed: AtomicBool,
    log: Mutex<VecDeque<Delivery>>,
    http: reqwest::Client,
    counter: AtomicU64,
    delivery_wake: Arc<Notify>,
    steps_started: AtomicBool,
    deliveries_started: AtomicBool,
    in_flight: Arc<Semaphore>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Let the schedule tasks see that the simulator is gone.
        self.core.step_wake.notify_one();
        self.delivery_wake.notify_one();
    }
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

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned lock still holds consistent data.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The number of a gateway id `prefix` + 8 digits (or more), as issued by the simulator.
fn id_number(id: &str) -> Option<u64> {
    id.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse::<u64>()
        .ok()
}

impl Inner {
    /// Monotonic milliseconds since the simulator started.
    fn mono(&self) -> u64 {
        self.core.mono()
    }

    fn instant(&self, mono: u64) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.core.epoch + Duration::from_millis(mono))
    }

    /// Unix milliseconds of a monotonic instant.
    fn unix_of(&self, mono: u64) -> i64 {
        let ahead =
            i64::try_from(mono).unwrap_or(i64::MAX) - i64::try_from(self.mono()).unwrap_or(0);
        unix_ms().saturating_add(ahead)
    }

    /// The monotonic instant of Unix milliseconds (now when in the past).
    fn mono_of(&self, unix: i64) -> u64 {
        let ahead = u64::try_from(unix.saturating_sub(unix_ms())).unwrap_or(0);
        self.mono().saturating_add(ahead)
    }

    fn entry(&self, gw: u16) -> Option<&Entry> {
        self.entries.get(usize::from(gw))
    }
}

impl Simulator {
    /// Build a simulator (opening its store, and with [`SimConfig::db`] reading back the orders
    /// and the unfinished deliveries it holds). The schedule starts with [`Simulator::serve`].
    pub fn new(mut config: SimConfig) -> Result<Self, SimError> {
        let gateways = std::mem::take(&mut config.gateways);
        if gateways.len() >= usize::from(u16::MAX) {
            return Err(SimError::TooManyGateways(gateways.len()));
        }
        let mut by_name = HashMap::new();
        let mut entries = Vec::with_capacity(gateways.len());
        for g in gateways {
            let name = g.gateway.name().to_owned();
            let index = u16::try_from(entries.len()).unwrap_or(u16::MAX);
            if by_name.insert(name.clone(), index).is_some() {
                return Err(SimError::DuplicateGateway(name));
            }
            let pinned = config.profiles.get(&name).map(String::as_str);
            entries.push(Entry::new(g, pinned)?);
        }
        if let Some((gateway, profile)) = config
            .profiles
            .iter()
            .find(|(g, _)| !by_name.contains_key(*g))
        {
            return Err(SimError::UnknownProfile {
                gateway: gateway.clone(),
                profile: profile.clone(),
                why: "no gateway of that name is simulated".to_owned(),
            });
        }
        // Keep the gateways in the config too (SimConfig is public and cloned by callers).
        config.gateways = entries.iter().map(|e| e.sg.clone()).collect();
        let core = Arc::new(Shared {
            book: Mutex::new(Book::default()),
            steps: Mutex::new(VecDeque::new()),
            step_wake: Arc::new(Notify::new()),
            epoch: Instant::now(),
            step_ms: millis(config.step),
        });
        let (db, loaded) = match &config.db {
            Some(p) => {
                let (db, loaded) = Db::open(p, core.clone())?;
                (Some(db), Some(loaded))
            }
            None => (None, None),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let inner = Inner {
            entries,
            by_name,
            core,
            outbox: Mutex::new(Outbox::default()),
            db,
            in_flight: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
            config,
            faults: Mutex::new(Vec::new()),
            armed: AtomicBool::new(false),
            log: Mutex::new(VecDeque::new()),
            http,
            counter: AtomicU64::new(0),
            delivery_wake: Arc::new(Notify::new()),
            steps_started: AtomicBool::new(false),
            deliveries_started: AtomicBool::new(false),
        };
        if let Some(loaded) = loaded {
            inner.restore(loaded);
        }
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sim/orders", get(list_orders))
            .route("/_sim/deliveries", get(list_deliveries))
            .route("/_sim/stats", get(show_stats))
            .route("/_sim/faults", post(add_fault))
            .layer(DefaultBodyLimit::max(self.inner.config.max_body))
            // `/<gateway>/<path>`: parsed by `handle` itself (no path parameters to extract).
            .fallback(handle)
            .with_state(self.clone())
    }

    /// Serve on `listener`, moving orders along their statuses and delivering notifications,
    /// until the process ends.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.start_steps();
        self.start_deliveries();
        axum::serve(listener, self.router()).await
    }

    /// Every order, in creation order.
    pub fn orders(&self) -> Vec<Order> {
        let book = lock(&self.inner.core.book);
        book.iter()
            .filter_map(|(_, r)| self.inner.entry(r.gw).map(|e| e.order(r)))
            .collect()
    }

    /// One order of `gateway`, by merchant order id or gateway id.
    pub fn order(&self, gateway: &str, id: &str) -> Option<Order> {
        let gw = *self.inner.by_name.get(gateway)?;
        let book = lock(&self.inner.core.book);
        let rec = book.get(book.find(gw, id)?)?;
        self.inner.entry(gw).map(|e| e.order(rec))
    }

    /// The latest notification delivery attempts (at most [`SimConfig::delivery_log`]).
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.inner.log).iter().cloned().collect()
    }

    /// Counts of orders, queued steps and deliveries.
    pub fn stats(&self) -> SimStats {
        let (orders, order_bytes) = {
            let b = lock(&self.inner.core.book);
            (b.len(), b.bytes())
        };
        let stepping = lock(&self.inner.core.steps).len();
        SimStats {
            orders,
            stepping,
            deliveries_pending: lock(&self.inner.outbox).jobs.len(),
            delivery_log: lock(&self.inner.log).len(),
            order_bytes,
            store_errors: self.inner.db.as_ref().map_or(0, |d| d.errors().0),
        }
    }

    /// Advance every order not yet final one status step now, whatever its due time (the
    /// schedule steps each order [`SimConfig::step`] after the previous step), and queue the
    /// notifications these steps send (delivered in the background).
    pub async fn tick(&self) {
        self.start_deliveries();
        let inner = &self.inner;
        let now = inner.mono();
        let due: Vec<u32> = std::mem::take(&mut *lock(&inner.core.steps))
            .into_iter()
            .map(|(_, slot)| slot)
            .collect();
        let stepped = inner.step_all(&due, now);
        inner.after_steps(stepped).await;
    }

    fn start_steps(&self) {
        if self.inner.steps_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let wake = self.inner.core.step_wake.clone();
        tokio::spawn(run_steps(weak, wake));
    }

    fn start_deliveries(&self) {
        if self.inner.deliveries_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let wake = self.inner.delivery_wake.clone();
        tokio::spawn(run_deliveries(weak, wake));
    }

    fn next_id(&self, prefix: &str) -> String {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed) + 1;
        // `{prefix}{n:08}`, without the formatting machinery (once per order).
        let mut digits = [b'0'; 20];
        let mut i = digits.len();
        let mut rest = n;
        while rest > 0 || i > digits.len() - 8 {
            i -= 1;
            digits[i] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let mut id = String::with_capacity(prefix.len() + digits.len() - i);
        id.push_str(prefix);
        id.extend(digits[i..].iter().map(|&b| char::from(b)));
        id
    }

    fn take_fault(&self, gateway: &str, operation: &str) -> Option<String> {
        if !self.inner.armed.load(Ordering::Acquire) {
            return None;
        }
        let mut rules = lock(&self.inner.faults);
        let i = rules.iter().position(|r| {
            r.gateway == gateway && r.operation.as_deref().is_none_or(|o| o == operation)
        })?;
        let fault = rules[i].fault.clone();
        rules[i].times = rules[i].times.saturating_sub(1);
        if rules[i].times == 0 {
            rules.remove(i);
        }
        self.inner.armed.store(!rules.is_empty(), Ordering::Release);
        Some(fault)
    }
}

/// Steps due, one batch at a time, until the simulator is dropped.
async fn run_steps(weak: Weak<Inner>, wake: Arc<Notify>) {
    const BATCH: usize = 1024;
    loop {
        let next = {
            let Some(inner) = weak.upgrade() else { return };
            loop {
                let now = inner.mono();
                let due: Vec<u32> = {
                    let mut q = lock(&inner.core.steps);
                    let n = q.iter().take(BATCH).take_while(|(d, _)| *d <= now).count();
                    q.drain(..n).map(|(_, slot)| slot).collect()
                };
                let stepped = inner.step_all(&due, now);
                inner.after_steps(stepped).await;
                let next = lock(&inner.core.steps).front().map(|(d, _)| *d);
                if next.is_none_or(|d| d > now) {
                    break next.map(|d| inner.instant(d));
                }
                tokio::task::yield_now().await;
            }
        };
        // Steps due within the next few milliseconds are taken together: under load one
        // wake-up moves many orders (a sandbox's steps need not be exact to the millisecond).
        let now = tokio::time::Instant::now();
        let at = next.map_or(now + Duration::from_secs(1), |n| {
            n.clamp(now + STEP_GRAIN, now + Duration::from_secs(1))
        });
        tokio::select! {
            () = tokio::time::sleep_until(at) => {}
            () = wake.notified() => {}
        }
    }
}

/// How finely the schedule times status steps.
const STEP_GRAIN: Duration = Duration::from_millis(5);

/// Delivery attempts due, until the simulator is dropped.
async fn run_deliveries(weak: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let next = {
            let Some(inner) = weak.upgrade() else { return };
            inner.dispatch(&weak)
        };
        let cap = tokio::time::Instant::now() + Duration::from_secs(1);
        let at = next.map_or(cap, |n| n.min(cap));
        tokio::select! {
            () = tokio::time::sleep_until(at) => {}
            () = wake.notified() => {}
        }
    }
}

impl Inner {
    /// Put back what a store held: orders into the book (and the step queue when not final),
    /// unfinished deliveries into the outbox. Orders of gateways or operations not configured
    /// now stay in the file, unserved (a create with the same id is still refused: the insert
    /// finds it).
    fn restore(&self, loaded: db::Loaded) {
        let max_delivery = db::max_delivery_id(&loaded);
        let mut book = lock(&self.core.book);
        let mut steps = Vec::new();
        let mut issued = 0;
        for (order, due_ms) in loaded.orders {
            let Some(&gw) = self.by_name.get(&order.gateway) else {
                continue;
            };
            let Some(op) = self.entries[usize::from(gw)]
                .sg
                .gateway
                .spec()
                .operations
                .iter()
                .position(|x| x.name == order.operation)
                .and_then(|i| u16::try_from(i).ok())
            else {
                continue;
            };
            // Gateway ids go on after the highest one the store holds: an order created after
            // a restart must not get the id of an older one.
            issued = issued.max(id_number(&order.gateway_id).unwrap_or(0));
            let path = book.intern(order.path.clone());
            let profile = match order.profile.as_deref() {
                Some(name) => self.entries[usize::from(gw)].profile_index(Some(name)),
                None => store::NO_PROFILE,
            };
            let rec = Rec::new(gw, op, &order, path).with_profile(profile);
            let fin = rec.is_final();
            if let Some(slot) = book.insert(rec)
                && !fin
            {
                steps.push((self.mono_of(due_ms.unwrap_or(0)), slot));
            }
        }
        drop(book);
        steps.sort_unstable();
        lock(&self.core.steps).extend(steps);
        self.counter.store(issued, Ordering::Relaxed);
        let mut out = lock(&self.outbox);
        out.next_id = max_delivery;
        for row in loaded.deliveries {
            let Some(&gw) = self.by_name.get(&row.gateway) else {
                continue;
            };
            let Some(n) = self.entries[usize::from(gw)]
                .sg
                .gateway
                .spec()
                .notifications
                .iter()
                .position(|x| x.name == row.notification)
                .and_then(|i| u16::try_from(i).ok())
            else {
                continue;
            };
            let copy = usize::try_from(row.copy).unwrap_or(usize::MAX);
            if copy >= row.copies.len() {
                continue;
            }
            let due = self.mono_of(row.next_ms);
            out.due.push(Reverse((due, row.id)));
            out.jobs.insert(
                row.id,
                Job {
                    gw,
                    notification: n,
                    order_id: row.order_id,
                    url: row.url,
                    copies: row
                        .copies
                        .into_iter()
                        .map(|c| Copy {
                            status: c.status,
                            tampered: c.tampered,
                            body: Bytes::from(c.body),
                        })
                        .collect(),
                    copy,
                    attempt: row.attempt,
                },
            );
        }
    }

    /// Move the orders in `slots` one step each and queue their next steps: what follows.
    fn step_all(&self, slots: &[u32], now: u64) -> Vec<Stepped> {
        if slots.is_empty() {
            return Vec::new();
        }
        let next = now.saturating_add(millis(self.config.step));
        let mut again = Vec::with_capacity(slots.len());
        let mut stepped = Vec::with_capacity(slots.len());
        {
            let mut book = lock(&self.core.book);
            for &slot in slots {
                let Some(rec) = book.get_mut(slot) else {
                    continue;
                };
                if rec.is_final() {
                    continue;
                }
                rec.step += 1;
                let due = (!rec.is_final()).then_some(next);
                if due.is_some() {
                    again.push((next, slot));
                }
                let Some(entry) = self.entry(rec.gw) else {
                    continue;
                };
                let notifies = rec.notify_url().is_some()
                    && entry
                        .notification_of
                        .get(usize::from(rec.op))
                        .is_some_and(Option::is_some);
                if notifies || self.db.is_some() {
                    stepped.push(Stepped {
                        gw: rec.gw,
                        due,
                        rec: Some(rec.clone()),
                    });
                }
            }
        }
        lock(&self.core.steps).extend(again);
        stepped
    }

    /// Build the notifications of the steps taken, persist the steps (with them), queue them.
    async fn after_steps(&self, stepped: Vec<Stepped>) {
        if stepped.is_empty() {
            return;
        }
        let mut queued = Vec::new();
        for s in stepped {
            let Some(rec) = s.rec else { continue };
            let Some(entry) = self.entry(s.gw) else {
                continue;
            };
            let job = notification_job(entry, s.gw, &rec);
            let id = job.as_ref().map(|_| {
                let mut out = lock(&self.outbox);
                out.next_id += 1;
                out.next_id
            });
            if let Some(db) = &self.db {
                let now = unix_ms();
                let jobs = match (&job, id) {
                    (Some(j), Some(id)) => vec![JobRow {
                        id,
                        gateway: entry.name().to_owned(),
                        order_id: j.order_id.clone(),
                        notification: entry
                            .sg
                            .gateway
                            .spec()
                            .notifications
                            .get(usize::from(j.notification))
                            .map_or_else(String::new, |n| n.name.clone()),
                        url: j.url.clone(),
                        copies: j
                            .copies
                            .iter()
                            .map(|c| CopyRow {
                                status: c.status.clone(),
                                tampered: c.tampered,
                                body: String::from_utf8_lossy(&c.body).into_owned(),
                            })
                            .collect(),
                        copy: 0,
                        attempt: 0,
                        next_ms: now,
                    }],
                    _ => Vec::new(),
                };
                let _ = db
                    .send(Write::Step {
                        gateway: entry.shared_name.clone(),
                        order_id: rec.order_id().to_owned(),
                        step: i64::from(rec.step),
                        due_ms: s.due.map(|d| self.unix_of(d)),
                        jobs,
                    })
                    .await;
            }
            if let (Some(j), Some(id)) = (job, id) {
                queued.push((id, j));
            }
        }
        if queued.is_empty() {
            return;
        }
        let now = self.mono();
        let mut out = lock(&self.outbox);
        for (id, job) in queued {
            out.due.push(Reverse((now, id)));
            out.jobs.insert(id, job);
        }
        drop(out);
        self.delivery_wake.notify_one();
    }

    /// Start the attempts that are due (as many as may be in flight); the next due instant.
    fn dispatch(self: &Arc<Self>, weak: &Weak<Self>) -> Option<tokio::time::Instant> {
        let now = self.mono();
        let mut out = lock(&self.outbox);
        loop {
            let due = match out.due.peek() {
                Some(Reverse((due, _))) => *due,
                None => return None,
            };
            if due > now {
                return Some(self.instant(due));
            }
            let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
                // Every slot is busy: a finishing attempt wakes the dispatcher.
                return Some(self.instant(now + 1000));
            };
            let Reverse((_, id)) = out.due.pop()?;
            let Some(job) = out.jobs.get(&id) else {
                continue;
            };
            let Some(copy) = job.copies.get(job.copy) else {
                continue;
            };
            let Some(n) = self.entry(job.gw).and_then(|e| {
                e.sg.gateway
                    .spec()
                    .notifications
                    .get(usize::from(job.notification))
            }) else {
                continue;
            };
            let mut request = self
                .http
                .post(&job.url)
                .header("content-type", fill::notification_content_type(n.content))
                .body(copy.body.clone());
            if let Some(e) = self.entry(job.gw)
                && let Ok(recipe) = e.sg.gateway.profile(n.profile.as_deref())
                && recipe.over_body()
            {
                let now = paywire::webhook::now_secs();
                for (name, value) in fill::body_signature_headers(
                    recipe,
                    &copy.body,
                    now,
                    &e.sg.secret,
                    copy.tampered,
                ) {
                    request = request.header(name, value);
                }
            }
            let reply = n.reply.clone();
            let weak = weak.clone();
            tokio::spawn(async move {
                let verdict = match request.send().await {
                    Ok(r) => match read_reply(r).await {
                        Ok(body) => reply::acknowledges(&reply, &body),
                        Err(why) => Err(why),
                    },
                    Err(e) => Err(format!("not delivered: {}", error_chain(&e))),
                };
                drop(permit);
                if let Some(inner) = weak.upgrade() {
                    inner.attempted(id, verdict).await;
                }
            });
        }
    }

    /// Record an attempt's result (`Err`: why it was not acknowledged) and decide what comes
    /// next for its delivery.
    async fn attempted(&self, id: u64, verdict: Result<(), String>) {
        let acknowledged = verdict.is_ok();
        let write = {
            let mut out = lock(&self.outbox);
            let Some(job) = out.jobs.get_mut(&id) else {
                return;
            };
            let Some(entry) = self.entry(job.gw) else {
                return;
            };
            let Some(n) = entry
                .sg
                .gateway
                .spec()
                .notifications
                .get(usize::from(job.notification))
            else {
                return;
            };
            let Some(copy) = job.copies.get(job.copy) else {
                return;
            };
            job.attempt += 1;
            let delivery = Delivery {
                gateway: entry.name().to_owned(),
                notification: n.name.clone(),
                order_id: job.order_id.clone(),
                status: copy.status.clone(),
                attempt: job.attempt,
                acknowledged,
                tampered: copy.tampered,
            };
            // A tampered copy is refused by a correct merchant: send it once only.
            let next_copy = acknowledged || copy.tampered || job.attempt >= n.retry.attempts.max(1);
            match &verdict {
                Ok(()) => tracing::info!(
                    gateway = %delivery.gateway,
                    notification = %delivery.notification,
                    order_id = %delivery.order_id,
                    status = %delivery.status,
                    attempt = delivery.attempt,
                    tampered = delivery.tampered,
                    "notification acknowledged"
                ),
                Err(why) => tracing::info!(
                    gateway = %delivery.gateway,
                    notification = %delivery.notification,
                    order_id = %delivery.order_id,
                    status = %delivery.status,
                    attempt = delivery.attempt,
                    tampered = delivery.tampered,
                    last = next_copy && !copy.tampered,
                    "notification not acknowledged: {why}"
                ),
            }
            let now = self.mono();
            let write = if next_copy {
                job.copy += 1;
                job.attempt = 0;
                if job.copy >= job.copies.len() {
                    out.jobs.remove(&id);
                    Write::Done { id }
                } else {
                    let w = Write::Progress {
                        id,
                        copy: u32::try_from(job.copy).unwrap_or(u32::MAX),
                        attempt: 0,
                        next_ms: self.unix_of(now),
                    };
                    out.due.push(Reverse((now, id)));
                    w
                }
            } else {
                let shift = (job.attempt - 1).min(20);
                let delay = millis(self.config.notify_interval).saturating_mul(1 << shift);
                let due = now.saturating_add(delay);
                let w = Write::Progress {
                    id,
                    copy: u32::try_from(job.copy).unwrap_or(u32::MAX),
                    attempt: job.attempt,
                    next_ms: self.unix_of(due),
                };
                out.due.push(Reverse((due, id)));
                w
            };
            drop(out);
            let mut log = lock(&self.log);
            if self.config.delivery_log > 0 {
                while log.len() >= self.config.delivery_log {
                    log.pop_front();
                }
                log.push_back(delivery);
            }
            write
        };
        self.delivery_wake.notify_one();
        if let Some(db) = &self.db {
            let _ = db.send(write).await;
        }
    }
}

/// The notification a step of `rec` sends, with every copy signed (none when the order has
/// no notification URL or its operation no notification).
fn notification_job(entry: &Entry, gw: u16, rec: &Rec) -> Option<Job> {
    // Signed in the profile the order's request verified under.
    let gateway = &entry.as_merchant(rec.profile).gateway;
    let url = rec.notify_url()?.to_owned();
    let index = (*entry.notification_of.get(usize::from(rec.op))?)?;
    let n = gateway.spec().notifications.get(index)?;
    let status_field = entry.status_field.get(index).and_then(Option::as_deref);
    let view = entry.view(rec);
    let status = rec.status();
    let mut copies = vec![(status.to_owned(), false)];
    if rec.is_final() {
        if rec.has_fault("duplicate") {
            copies.push((status.to_owned(), false));
        }
        // Out of order: after the final status, the first status of the path, which was
        // never notified before. Its delivery key is new, so deduplicating by key alone does
        // not catch it: the merchant has to compare statuses.
        if rec.has_fault("out_of_order") && rec.path.len() > 1 {
            copies.push((rec.path[0].clone(), false));
        }
    }
    if rec.has_fault("bad_signature") {
        copies.insert(0, (status.to_owned(), true));
    }
    let recipe = gateway.profile(n.profile.as_deref()).ok()?;
    let mut signed = Vec::with_capacity(copies.len());
    let op = gateway.spec().operations.get(usize::from(rec.op))?;
    for (status, tampered) in copies {
        let status = fill::notification_status(gateway, op, n, &status);
        let fields = fill::notification_fields(gateway, &n.name, &view, &status, status_field);
        let Ok(mut wire) = gateway.sign_wire(n.profile.as_deref(), fields, &entry.sg.secret) else {
            return None;
        };
        // A raw-body profile's signature is a header, made (and tampered) at each attempt.
        if tampered && !recipe.over_body() {
            fill::tamper_field(&mut wire, &recipe.signature_field);
        }
        let body = fill::encode_notification(n.content, &wire);
        signed.push(Copy {
            status,
            tampered,
            body: Bytes::from(body),
        });
    }
    Some(Job {
        gw,
        notification: u16::try_from(index).ok()?,
        order_id: rec.order_id().to_owned(),
        url,
        copies: signed,
        copy: 0,
        attempt: 0,
    })
}

async fn list_orders(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::to_value(sim.orders()).unwrap_or_default()).into_response()
}

async fn list_deliveries(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::to_value(sim.deliveries()).unwrap_or_default()).into_response()
}

async fn show_stats(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::to_value(sim.stats()).unwrap_or_default()).into_response()
}

async fn add_fault(State(sim): State<Simulator>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(rule) if fill::is_fault(&rule.fault) => {
            lock(&sim.inner.faults).push(rule);
            sim.inner.armed.store(true, Ordering::Release);
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

/// The largest reply to a notification that is read (the documented replies are a few bytes).
const MAX_REPLY: usize = 64 * 1024;

/// A merchant's reply to a notification, read up to [`MAX_REPLY`] bytes; `Err` says why it
/// cannot acknowledge (a status other than 2xx, a cut body, too long a body).
async fn read_reply(mut r: reqwest::Response) -> Result<Vec<u8>, String> {
    let status = r.status();
    if !status.is_success() {
        return Err(format!("the merchant answered HTTP {status}"));
    }
    let mut body = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_REPLY {
                    return Err(format!("the reply is over {MAX_REPLY} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(format!("the reply was cut: {}", error_chain(&e))),
        }
    }
}

/// An error and its sources on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A gateway's answer before faults are applied.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What one request is: its gateway, its operation, and its fields as read (once).
struct Call<'a> {
    gw: u16,
    entry: &'a Entry,
    op_index: usize,
    op: &'a Operation,
    received: Result<Object, paywire::received::ReceiveError>,
    /// The field rules' verdict, when telling operations apart already checked them.
    checked: Option<Result<(), paywire::ValidationErrors>>,
}

/// `text` with its percent-escapes decoded (as axum's path parameters are); `None` when the
/// result is not UTF-8.
fn percent_decoded(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !text.contains('%') {
        return Some(std::borrow::Cow::Borrowed(text));
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let escaped = (byte == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match escaped {
            Some((hi, lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            None => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(std::borrow::Cow::Owned)
}

async fn handle(State(sim): State<Simulator>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    // The body cap applies before anything else (an unknown gateway gets 413 too).
    let limit = sim.inner.config.max_body;
    let declared = header(&parts.headers, "content-length").and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {limit} bytes\n"),
        )
            .into_response()
    };
    if declared.is_some_and(|n| n > limit as u64) {
        tracing::info!(path = %parts.uri.path(), "refused: the body is over {limit} bytes");
        return too_large();
    }
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        tracing::info!(path = %parts.uri.path(), "refused: the body is over {limit} bytes");
        return too_large();
    };
    let method = parts.method;
    let headers = parts.headers;
    let query = parts.uri.query();
    let Some(decoded) = percent_decoded(parts.uri.path()) else {
        return (
            StatusCode::BAD_REQUEST,
            "the path is not UTF-8 once percent-decoded\n",
        )
            .into_response();
    };
    let rest = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (gateway, path) = match rest.find('/') {
        Some(i) if i + 1 < rest.len() => (&rest[..i], &rest[i..]),
        _ => {
            return (
                StatusCode::NOT_FOUND,
                format!("nothing is served at {}\n", parts.uri.path()),
            )
                .into_response();
        }
    };
    let Some(&gw) = sim.inner.by_name.get(gateway) else {
        return (
            StatusCode::NOT_FOUND,
            format!("no gateway `{gateway}` is simulated here\n"),
        )
            .into_response();
    };
    let Some(entry) = sim.inner.entry(gw) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
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
    let content_type = header(&headers, "content-type");
    let Some(call) = pick_operation(gw, entry, path, want, query, content_type, &body) else {
        tracing::info!(gateway = %gateway, "refused: no operation at {method} {path}");
        return (
            StatusCode::NOT_FOUND,
            format!("`{gateway}` has no {method} {path}\n"),
        )
            .into_response();
    };
    let op = call.op;
    let span = tracing::info_span!(
        "request",
        gateway = %gateway,
        operation = %op.name,
        order_id = tracing::field::Empty
    );
    let (mut answer, magic) =
        tracing::Instrument::instrument(process(&sim, call, &headers), span).await;
    let fault = header(&headers, "x-paywire-fault")
        .map(str::to_owned)
        .or_else(|| sim.take_fault(gateway, &op.name))
        .or(magic);
    // An XML operation is answered in XML: the same fields, as elements.
    let content_type = if op.body() == BodyEncoding::Xml {
        answer.body = fill::json_answer_to_xml(&answer.body);
        "text/xml"
    } else {
        "application/json"
    };
    apply_fault(&sim, fault.as_deref(), answer, content_type).await
}

async fn apply_fault(
    sim: &Simulator,
    fault: Option<&str>,
    answer: Answer,
    content_type: &'static str,
) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let json = |status: StatusCode, body: String| {
        (status, [("content-type", content_type)], body).into_response()
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

/// The operation a request is for, with its fields read. Several operations may share a method
/// and path (diamondpay's five payout flavours): the first whose field rules the request meets,
/// else the first. The fields are read once, and the rules of the operation picked are not
/// checked again.
fn pick_operation<'a>(
    gw: u16,
    entry: &'a Entry,
    path: &str,
    method: Method,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<Call<'a>> {
    let routes = match method {
        Method::Get => &entry.get,
        Method::Post => &entry.post,
    };
    let candidates = routes.get(path)?;
    let first_index = *candidates.first()?;
    let first = entry.op(first_index)?;
    let received = receive(first, query, content_type, body);
    let mut pick = (first_index, first, None);
    if candidates.len() > 1
        && let Ok(obj) = &received
    {
        let mut first_verdict = None;
        for &i in candidates {
            let Some(op) = entry.op(i) else { continue };
            let verdict = paywire::validate::check(&op.request, &Received(obj));
            if verdict.is_ok() {
                pick = (i, op, Some(verdict));
                break;
            }
            if i == first_index {
                first_verdict = Some(verdict);
            }
        }
        if pick.2.is_none() {
            pick.2 = first_verdict;
        }
    }
    let (op_index, op, checked) = pick;
    let received = if op.body() == first.body() {
        received
    } else {
        receive(op, query, content_type, body)
    };
    Some(Call {
        gw,
        entry,
        op_index,
        op,
        received,
        checked,
    })
}

/// A received object as the field rules read it: the same texts as `Object`'s own
/// `FieldSource` (`Raw::sign_str` is `Raw::sign_text` borrowed), copied instead of decoded again.
struct Received<'a>(&'a Object);

impl paywire::validate::FieldSource for Received<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.0
            .get(key)
            .and_then(paywire::received::Raw::sign_str)
            .map(std::borrow::Cow::into_owned)
    }
    fn items(&self, key: &str) -> Option<Vec<String>> {
        paywire::validate::FieldSource::items(self.0, key)
    }
    fn objects(&self, key: &str) -> Option<Vec<Object>> {
        paywire::validate::FieldSource::objects(self.0, key)
    }
    fn is_structured(&self, key: &str) -> bool {
        paywire::validate::FieldSource::is_structured(self.0, key)
    }
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
        BodyEncoding::Xml => Object::from_xml(body),
    }
}

/// The value a header templated over credentials must have, when the simulator holds every
/// credential it names; literal text is kept (`Bearer {authorization}`).
fn expected_header(sg: &SimGateway, template: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    let mut named = false;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let name = &rest[open + 1..close];
        let value = match name {
            "authorization" => sg.authorization.as_ref().map(Secret::expose)?,
            other => sg.secret.credential(other)?,
        };
        out.push_str(value);
        named = true;
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    named.then_some(out)
}

/// A refusal in the gateway's own envelope, logged with its reason (the request's span names
/// the gateway, operation and order).
fn error_answer(sg: &SimGateway, meaning: ErrorMeaning, message: &str) -> Answer {
    tracing::info!(meaning = ?meaning, "refused: {message}");
    fill::error_envelope(sg, meaning, message)
}

/// Verify, validate and act on one request; returns the answer and the fault the amount of the
/// order it touched asks for.
async fn process(sim: &Simulator, call: Call<'_>, headers: &HeaderMap) -> (Answer, Option<String>) {
    let sg = &call.entry.sg;
    let gw = &sg.gateway;
    let op = call.op;
    let obj = match call.received {
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
    if let Some(id) = op
        .order_id
        .as_deref()
        .and_then(|k| obj.get(k))
        .and_then(paywire::received::Raw::sign_str)
    {
        tracing::Span::current().record("order_id", tracing::field::display(&id));
    }
    // Credential headers: every template whose credentials the simulator holds
    // (`{authorization}`, `{secret}`, or one given with `--credential`).
    for (name, template) in &op.headers {
        let Some(expected) = expected_header(sg, template) else {
            continue;
        };
        let got = header(headers, &name.to_ascii_lowercase()).unwrap_or_default();
        if !paywire::signing::signatures_match(paywire::spec::Compare::Exact, &expected, got) {
            return (
                error_answer(sg, ErrorMeaning::Auth, &format!("Invalid {name}")),
                None,
            );
        }
    }
    let mut profile = store::NO_PROFILE;
    if op.signed {
        match verify_request(call.entry, op, &obj) {
            Ok(p) => profile = p,
            Err(why) => return (error_answer(sg, ErrorMeaning::Signature, &why), None),
        }
    }
    let verdict = call
        .checked
        .unwrap_or_else(|| paywire::validate::check(&op.request, &Received(&obj)));
    if let Err(e) = verdict {
        return (
            error_answer(sg, ErrorMeaning::Invalid, &e.to_string()),
            None,
        );
    }
    match op.kind {
        OperationKind::Create => {
            let at = Placed {
                gw: call.gw,
                entry: call.entry,
                op_index: call.op_index,
                op,
                profile,
            };
            create(sim, at, &obj, headers).await
        }
        OperationKind::Query => {
            query_order(sim, call.gw, call.entry, call.op_index, op, &obj, profile)
        }
        OperationKind::Balance | OperationKind::Other => {
            let (asg, aop) = call
                .entry
                .answering(profile, call.op_index)
                .unwrap_or((sg, op));
            (
                fill::ok_envelope(asg, aop, fill::defaults(gw, op, &obj)),
                None,
            )
        }
    }
}

/// Where a create request lands: its gateway, operation, and the profile it verified under.
struct Placed<'a> {
    gw: u16,
    entry: &'a Entry,
    op_index: usize,
    op: &'a Operation,
    profile: u8,
}

/// The profile a signed request verified under, as an index into [`Entry::profiles`], or why
/// none did (one line, the gateway's message first).
///
/// The profile the spec names for the request (or the one its `adds` values point to, such as
/// diamondpay's `sign_type=HMAC-SHA256`) is tried first, then every other profile the spec
/// offers for requests: public integrations of one gateway sign with different readings of
/// its recipe (diamondpay's `&key=` and bare key), and the gateway accepts what it accepts.
/// With `--profile` only the pinned one is tried.
fn verify_request(entry: &Entry, op: &Operation, obj: &Object) -> Result<u8, String> {
    let gw = &entry.sg.gateway;
    let first = match entry.pinned {
        Some(p) => p,
        None => entry.profile_index(gw.received_profile(op.profile.as_deref(), obj)),
    };
    let recipe_of = |i: u8| gw.profile(entry.profile_name(i)).ok();
    let Some(first_recipe) = recipe_of(first) else {
        return Err("unknown signing profile".to_owned());
    };
    // The streamed check decides; a signature it refuses goes to the reference, which says
    // why (and has the last word).
    if verify::signature_holds(first_recipe, obj, &entry.sg.secret) {
        return Ok(first);
    }
    // The other offered profiles over the same signature field, each checked once; their
    // names are kept for the refusal's message.
    let mut tried = Vec::new();
    if entry.pinned.is_none() && entry.offered.contains(&first) {
        for &i in entry.offered.iter().filter(|&&i| i != first) {
            let Some(r) =
                recipe_of(i).filter(|r| r.signature_field == first_recipe.signature_field)
            else {
                continue;
            };
            if verify::signature_holds(r, obj, &entry.sg.secret) {
                return Ok(i);
            }
            tried.extend(entry.profile_name(i));
        }
    }
    let name = entry.profile_name(first);
    match paywire::signing::verify(
        first_recipe,
        &gw.profile_label(name),
        &obj.sign_fields(),
        &entry.sg.secret,
    ) {
        Ok(()) => Ok(first),
        Err(e) => {
            let tried = match (tried.is_empty(), entry.pinned) {
                (false, _) => format!("; profiles {} do not match either", tried.join(", ")),
                (true, Some(_)) => {
                    " (the simulator is held to this profile by --profile)".to_owned()
                }
                (true, None) => String::new(),
            };
            Err(format!("Signature verification failed! ({e}){tried}"))
        }
    }
}

async fn create(
    sim: &Simulator,
    at: Placed<'_>,
    obj: &Object,
    headers: &HeaderMap,
) -> (Answer, Option<String>) {
    let Placed {
        gw: gw_index,
        entry,
        op_index,
        op,
        profile,
    } = at;
    let sg = &entry.sg;
    let gw = &sg.gateway;
    let text = |k: &str| obj.get(k).and_then(paywire::received::Raw::sign_str);
    let order_id = op.order_id.as_deref().and_then(text).unwrap_or_default();
    let mut final_status = header(headers, "x-paywire-final")
        .and_then(|f| match f {
            "failed" => Some(CommonStatus::Failed),
            "cancelled" => Some(CommonStatus::Cancelled),
            "succeeded" => Some(CommonStatus::Succeeded),
            _ => None,
        })
        .unwrap_or(CommonStatus::Succeeded);
    if let Some(f) = fill::magic_final(gw, op, obj) {
        final_status = f;
    }
    let Some(path) = entry.paths.get(op_index).map(|p| {
        p[match final_status {
            CommonStatus::Failed => 1,
            CommonStatus::Cancelled => 2,
            _ => 0,
        }]
        .clone()
    }) else {
        return (sim_error("unknown operation"), None);
    };
    let notify_url = match op.notify_url.as_deref() {
        Some(field) => text(field).filter(|u| !u.is_empty()),
        None => sim
            .inner
            .config
            .notify_url
            .as_deref()
            .map(std::borrow::Cow::Borrowed),
    };
    let faults = header(headers, "x-paywire-notify")
        .map(|v| store::fault_bits(&v.split(',').collect::<Vec<_>>()))
        .unwrap_or(0);
    let signed: Vec<(&str, std::borrow::Cow<'_, str>)> = obj
        .entries()
        .iter()
        .filter_map(|(k, v)| v.sign_str().map(|t| (k.as_str(), t)))
        .collect();
    let gateway_id = sim.next_id(&entry.prefix);
    let op16 = u16::try_from(op_index).unwrap_or(u16::MAX);
    let rec = Rec::build(
        gw_index,
        op16,
        (&order_id, &gateway_id, notify_url.as_deref()),
        signed.iter().map(|(k, v)| (*k, v.as_ref())),
        path,
        faults,
        now(),
    )
    .with_profile(profile);
    // The answer is made before the record moves into the book (it is discarded for a
    // duplicate).
    let (answer, magic) = {
        let view = entry.view(&rec);
        let payload = fill::order_payload(gw, op, &view);
        let (asg, aop) = entry.answering(profile, op_index).unwrap_or((sg, op));
        (
            fill::ok_envelope(asg, aop, payload),
            fill::magic_fault(gw, op, &view),
        )
    };
    let duplicate = || {
        (
            error_answer(
                sg,
                ErrorMeaning::Duplicate,
                &format!("Duplicate order number {order_id}"),
            ),
            None,
        )
    };
    let inner = &sim.inner;
    let stepping = !rec.is_final();
    let durable = inner.db.as_ref().map(|_| rec.clone());
    let slot = lock(&inner.core.book).insert(rec);
    let Some(slot) = slot else {
        return duplicate();
    };
    match durable {
        None => inner.core.schedule(slot, stepping),
        Some(rec) => {
            // Committed before the answer goes out. Once the insert is queued the writer thread
            // schedules the order (or withdraws it) whatever happens to this request; until
            // then, a request given up (the client hung up) withdraws it.
            let due = stepping.then(|| inner.unix_of(inner.mono() + millis(inner.config.step)));
            let row = db::OrderRow {
                gateway: entry.shared_name.clone(),
                operation: entry
                    .op_names
                    .get(op_index)
                    .cloned()
                    .unwrap_or_else(|| Arc::from("")),
                notification: entry.op_notifications.get(op_index).cloned().flatten(),
                profile: entry.profiles.get(usize::from(profile)).cloned(),
                rec,
                due_ms: due,
                slot,
                stepping,
            };
            let Some(db) = &inner.db else {
                return (sim_error("no store"), None);
            };
            let guard = Unqueued {
                core: &inner.core,
                slot,
                queued: false,
            };
            match db.insert(row, guard).await {
                Ok(true) => {}
                // The file has it (an order the configured specs do not serve any more).
                Ok(false) => return duplicate(),
                Err(e) => return (sim_error(&e.to_string()), None),
            }
        }
    }
    tracing::info!(
        gateway_id = %gateway_id,
        profile = entry.profile_name(profile).unwrap_or("(spec)"),
        "order created"
    );
    (answer, magic)
}

/// An order in the book whose insert is not queued yet: withdrawn if it never is.
pub(crate) struct Unqueued<'a> {
    core: &'a Shared,
    slot: u32,
    pub(crate) queued: bool,
}

impl Drop for Unqueued<'_> {
    fn drop(&mut self) {
        if !self.queued {
            self.core.withdraw(self.slot);
        }
    }
}

fn sim_error(message: &str) -> Answer {
    Answer {
        status: 500,
        body: serde_json::json!({ "sim_error": message }).to_string(),
    }
}

fn query_order(
    sim: &Simulator,
    gw_index: u16,
    entry: &Entry,
    op_index: usize,
    op: &Operation,
    obj: &Object,
    profile: u8,
) -> (Answer, Option<String>) {
    let sg = &entry.sg;
    let gw = &sg.gateway;
    let (asg, aop) = entry.answering(profile, op_index).unwrap_or((sg, op));
    let mut found = None;
    for &i in entry.id_fields.get(op_index).map_or(&[][..], Vec::as_slice) {
        let Some(f) = op.request.get(i) else { continue };
        if let Some(v) = obj.get(&f.name).and_then(paywire::received::Raw::sign_str) {
            let book = lock(&sim.inner.core.book);
            if let Some(rec) = book.find(gw_index, &v).and_then(|s| book.get(s)) {
                found = Some(rec.clone());
                break;
            }
        }
    }
    let Some(rec) = found else {
        if op.rows.as_ref().is_some_and(|r| r.path.is_none()) {
            // A list query that matches nothing answers an empty list.
            return (
                fill::ok_envelope(asg, aop, fill::Payload::Rows(Vec::new())),
                None,
            );
        }
        return (
            error_answer(sg, ErrorMeaning::NotFound, "Order not found"),
            None,
        );
    };
    // An unsigned query (diamondpay's) says nothing of the merchant's profile: the order's
    // own (the one its create request verified under) signs the rows.
    let (asg, aop) = if profile == store::NO_PROFILE {
        entry.answering(rec.profile, op_index).unwrap_or((sg, op))
    } else {
        (asg, aop)
    };
    let view = entry.view(&rec);
    let payload = fill::order_payload(gw, op, &view);
    (
        fill::ok_envelope(asg, aop, payload),
        fill::magic_fault(gw, op, &view),
    )
}

/// The scope a response signature covers (re-exported for the fill module).
pub(crate) fn scope_of(gw: &Gateway, op: &Operation) -> Option<(String, SignatureScope)> {
    gw.spec()
        .envelope_for(op)
        .and_then(|e| e.signature.as_ref())
        .map(|s| (s.profile.clone(), s.scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_ids_are_the_prefix_and_eight_digits_or_more() {
        let gw = Gateway::from_source(
            include_str!("../../../specs/intqp.toml"),
            "specs/intqp.toml",
        )
        .unwrap();
        let sim = Simulator::new(SimConfig::new(vec![SimGateway {
            gateway: gw,
            secret: Secret::new("k"),
            authorization: None,
        }]))
        .unwrap();
        assert_eq!(sim.next_id("IN"), "IN00000001");
        sim.inner.counter.store(99_999_998, Ordering::Relaxed);
        assert_eq!(sim.next_id("IN"), "IN99999999");
        assert_eq!(sim.next_id("IN"), "IN100000000");
        sim.inner.counter.store(u64::MAX - 1, Ordering::Relaxed);
        assert_eq!(sim.next_id(""), u64::MAX.to_string());
        assert_eq!(id_number("IN100000000"), Some(100_000_000));
    }
}
