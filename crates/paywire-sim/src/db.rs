//! SQLite persistence: one writer thread, batched commits, WAL.
//!
//! The simulator's state lives in memory (`store::Book`, the step queue, the delivery outbox);
//! with [`crate::SimConfig::db`] every change is also sent to a dedicated thread that owns the
//! connection and writes it. The thread takes whatever is queued (up to [`MAX_BATCH`] writes),
//! applies it in one transaction and commits, so under load one commit carries many orders.
//! Nothing on the async runtime waits on SQLite except a create request, which waits for the
//! commit of its own order before the answer is sent.
//!
//! The file is in WAL mode with `synchronous = NORMAL`: a commit has been written to the WAL
//! file (by `write(2)`) when it returns, so it survives the simulator being killed (SIGKILL,
//! a panic, Ctrl-C); the WAL is fsynced at checkpoints, not at each commit, so an operating
//! system crash or power loss can lose the transactions committed since the last checkpoint.
//!
//! Tables: `orders` (the previous schema, plus the columns `step` and `due_ms`: the current
//! status index and the Unix milliseconds its next step is due, NULL once final), and
//! `deliveries` (one row per notification still being delivered; deleted once acknowledged or
//! given up). Older files gain the two columns when opened.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use crate::store::{Order, Rec, RecView, StoreError};
use crate::{Shared, Unqueued};

/// Writes one transaction takes at most.
pub(crate) const MAX_BATCH: usize = 4096;
/// Writes queued for the writer thread at most; senders wait beyond.
const QUEUE: usize = 16 * 1024;

/// One copy of a notification: its status, whether its signature is broken on purpose, the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CopyRow {
    pub status: String,
    pub tampered: bool,
    pub body: String,
}

/// A notification being delivered, as stored.
#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    pub id: u64,
    pub gateway: String,
    pub order_id: String,
    pub notification: String,
    pub url: String,
    pub copies: Vec<CopyRow>,
    /// The copy being delivered.
    pub copy: u32,
    /// Attempts made at that copy.
    pub attempt: u32,
    /// Unix milliseconds of the next attempt.
    pub next_ms: i64,
}

/// A new order for the writer (which serializes it: the JSON is made off the async threads).
pub(crate) struct OrderRow {
    pub gateway: Arc<str>,
    pub operation: Arc<str>,
    pub notification: Option<Arc<str>>,
    /// The profile the request verified under (None: the spec's own).
    pub profile: Option<Arc<str>>,
    pub rec: Rec,
    /// Unix milliseconds of its first step (None: created final).
    pub due_ms: Option<i64>,
    /// Where it is in the book, and whether it takes steps: once committed the writer
    /// schedules its first step; refused or failed, the writer withdraws it.
    pub slot: u32,
    pub stepping: bool,
}

/// One change for the writer.
pub(crate) enum Write {
    /// A new order; `done` hears whether it was inserted (false: the id existed) once committed.
    Insert {
        row: Box<OrderRow>,
        done: oneshot::Sender<Result<bool, String>>,
    },
    /// An order moved to `step`, with the notifications that step sends (same transaction).
    Step {
        gateway: Arc<str>,
        order_id: String,
        step: i64,
        due_ms: Option<i64>,
        jobs: Vec<JobRow>,
    },
    /// A delivery moved on (a failed attempt, or the next copy).
    Progress {
        id: u64,
        copy: u32,
        attempt: u32,
        next_ms: i64,
    },
    /// A delivery ended (acknowledged, or attempts exhausted).
    Done { id: u64 },
}

/// What a store held when it was opened.
pub(crate) struct Loaded {
    /// Every order, in creation order, with the Unix milliseconds its next step is due.
    pub orders: Vec<(Order, Option<i64>)>,
    /// Deliveries not finished.
    pub deliveries: Vec<JobRow>,
}

/// The writer thread and the way to it.
pub(crate) struct Db {
    tx: Option<mpsc::Sender<Write>>,
    thread: Option<JoinHandle<()>>,
    /// The checkpointer: stops when its channel closes.
    stop_checkpoints: Option<std::sync::mpsc::Sender<()>>,
    checkpointer: Option<JoinHandle<()>>,
    errors: Arc<AtomicU64>,
    last_error: Arc<std::sync::Mutex<Option<String>>>,
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, rusqlite::Error> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL: a commit is an append to the log; NORMAL: the log is fsynced at checkpoints only.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Writer(format!(
            "{} cannot use WAL (journal mode {mode})",
            path.display()
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
        CREATE TABLE IF NOT EXISTS orders (
            gateway TEXT NOT NULL,
            order_id TEXT NOT NULL,
            gateway_id TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (gateway, order_id)
        );
        CREATE TABLE IF NOT EXISTS deliveries (
            id INTEGER PRIMARY KEY,
            gateway TEXT NOT NULL,
            order_id TEXT NOT NULL,
            notification TEXT NOT NULL,
            url TEXT NOT NULL,
            copies TEXT NOT NULL,
            copy INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            next_ms INTEGER NOT NULL
        );",
    )?;
    // Files written before steps were columns: add them (NULL: read the step from `data`).
    if !has_column(&conn, "orders", "step")? {
        conn.execute_batch("ALTER TABLE orders ADD COLUMN step INTEGER")?;
    }
    if !has_column(&conn, "orders", "due_ms")? {
        conn.execute_batch("ALTER TABLE orders ADD COLUMN due_ms INTEGER")?;
    }
    Ok(conn)
}

fn load(conn: &Connection) -> Result<Loaded, StoreError> {
    let mut orders = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT data, step, due_ms FROM orders ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let data: String = row.get(0)?;
            let step: Option<i64> = row.get(1)?;
            let due: Option<i64> = row.get(2)?;
            let mut order: Order = serde_json::from_str(&data)?;
            let stepped = step.is_some();
            if let Some(s) = step.and_then(|s| usize::try_from(s).ok()) {
                order.step = s;
            }
            // A row written before `due_ms` existed, not final: its step is due now.
            let due = if !stepped && !order.is_final() {
                Some(0)
            } else {
                due
            };
            orders.push((order, due));
        }
    }
    let mut deliveries = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, gateway, order_id, notification, url, copies, copy, attempt, next_ms
             FROM deliveries ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let copies: String = row.get(5)?;
            deliveries.push(JobRow {
                id: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                gateway: row.get(1)?,
                order_id: row.get(2)?,
                notification: row.get(3)?,
                url: row.get(4)?,
                copies: serde_json::from_str(&copies)?,
                copy: u32::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
                attempt: u32::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
                next_ms: row.get(8)?,
            });
        }
    }
    Ok(Loaded { orders, deliveries })
}

impl Db {
    /// Open (or create) the file, read what it holds, and start the writer thread, which
    /// schedules committed orders in `core`.
    pub fn open(path: &Path, core: Arc<Shared>) -> Result<(Self, Loaded), StoreError> {
        let conn = open_connection(path)?;
        let loaded = load(&conn)?;
        // Checkpoints (copying the WAL into the file, with its fsyncs) run on a connection and
        // a thread of their own, so the writer never waits on them.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864")?;
        let checkpoints = Connection::open(path)?;
        checkpoints.busy_timeout(std::time::Duration::from_secs(10))?;
        let (stop_checkpoints, stopped) = std::sync::mpsc::channel::<()>();
        let checkpointer = std::thread::Builder::new()
            .name("paywire-sim-checkpoint".to_owned())
            .spawn(move || checkpoint_until(&checkpoints, &stopped))
            .map_err(|e| StoreError::Writer(e.to_string()))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let errors = Arc::new(AtomicU64::new(0));
        let last_error = Arc::new(std::sync::Mutex::new(None));
        let thread = {
            let errors = errors.clone();
            let last_error = last_error.clone();
            std::thread::Builder::new()
                .name("paywire-sim-writer".to_owned())
                .spawn(move || run(conn, rx, &core, &errors, &last_error))
                .map_err(|e| StoreError::Writer(e.to_string()))?
        };
        Ok((
            Self {
                tx: Some(tx),
                thread: Some(thread),
                stop_checkpoints: Some(stop_checkpoints),
                checkpointer: Some(checkpointer),
                errors,
                last_error,
            },
            loaded,
        ))
    }

    /// Queue a write (waits while the queue is full).
    pub async fn send(&self, w: Write) -> Result<(), StoreError> {
        let Some(tx) = &self.tx else {
            return Err(StoreError::Writer("stopped".to_owned()));
        };
        tx.send(w)
            .await
            .map_err(|_| StoreError::Writer("the writer thread has stopped".to_owned()))
    }

    /// Insert an order and wait until it is committed: `Ok(false)` when its id existed.
    /// `guard` is disarmed once the insert is queued (the writer takes over).
    pub async fn insert(&self, row: OrderRow, mut guard: Unqueued<'_>) -> Result<bool, StoreError> {
        let (done, committed) = oneshot::channel();
        self.send(Write::Insert {
            row: Box::new(row),
            done,
        })
        .await?;
        guard.queued = true;
        drop(guard);
        match committed.await {
            Ok(Ok(inserted)) => Ok(inserted),
            Ok(Err(e)) => Err(StoreError::Writer(e)),
            Err(_) => Err(StoreError::Writer(
                "the writer thread stopped before committing".to_owned(),
            )),
        }
    }

    /// Batches that failed to commit so far, and the last error.
    pub fn errors(&self) -> (u64, Option<String>) {
        (
            self.errors.load(Ordering::Relaxed),
            self.last_error.lock().ok().and_then(|e| e.clone()),
        )
    }
}

impl Drop for Db {
    /// Close the queue and wait for the writer to commit what was queued.
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        drop(self.stop_checkpoints.take());
        if let Some(t) = self.checkpointer.take() {
            let _ = t.join();
        }
    }
}

/// Time between two checkpoints.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// WAL frames (pages) beyond which a checkpoint also restarts the WAL from its beginning.
const RESTART_FRAMES: i64 = 8192;

/// Checkpoint the WAL every [`CHECKPOINT_EVERY`] until `stopped` closes. A PASSIVE checkpoint
/// copies what the WAL holds into the file alongside the writer, never blocking it; under
/// constant writing it never catches up with the end of the WAL, so once the WAL holds
/// [`RESTART_FRAMES`] a RESTART checkpoint copies the few frames left (the writer waits for that
/// copy and one fsync) and makes the next commit write from the WAL's beginning again.
fn checkpoint_until(conn: &Connection, stopped: &std::sync::mpsc::Receiver<()>) {
    let frames = |mode: &str| -> Option<i64> {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(1))
            .ok()
    };
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
        stopped.recv_timeout(CHECKPOINT_EVERY)
    {
        // A failed checkpoint is retried at the next tick; the WAL keeps every commit.
        if frames("PASSIVE").is_some_and(|n| n > RESTART_FRAMES) {
            let _ = frames("RESTART");
        }
    }
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Write>,
    core: &Shared,
    errors: &AtomicU64,
    last_error: &std::sync::Mutex<Option<String>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        let result = apply(&conn, &batch);
        if let Err(e) = &result {
            errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut last) = last_error.lock() {
                *last = Some(e.to_string());
            }
        }
        let mut inserted = match &result {
            Ok(v) => v.iter(),
            Err(_) => [].iter(),
        };
        for w in batch.drain(..) {
            if let Write::Insert { done, row } = w {
                let answer = match &result {
                    Ok(_) => Ok(inserted.next().copied().unwrap_or(false)),
                    Err(e) => Err(e.to_string()),
                };
                match answer {
                    Ok(true) => core.schedule(row.slot, row.stepping),
                    _ => core.withdraw(row.slot),
                }
                let _ = done.send(answer);
            }
        }
    }
}

/// Apply a batch in one transaction; whether each insert inserted, in order.
fn apply(conn: &Connection, batch: &[Write]) -> Result<Vec<bool>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let mut inserted = Vec::new();
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO orders (gateway, order_id, gateway_id, data, step, due_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut step = tx.prepare_cached(
            "UPDATE orders SET step = ?3, due_ms = ?4 WHERE gateway = ?1 AND order_id = ?2",
        )?;
        let mut job = tx.prepare_cached(
            "INSERT OR REPLACE INTO deliveries
             (id, gateway, order_id, notification, url, copies, copy, attempt, next_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut progress = tx.prepare_cached(
            "UPDATE deliveries SET copy = ?2, attempt = ?3, next_ms = ?4 WHERE id = ?1",
        )?;
        let mut done = tx.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?;
        for w in batch {
            match w {
                Write::Insert { row, .. } => {
                    let r = &row.rec;
                    let data = serde_json::to_string(&RecView {
                        rec: r,
                        gateway: &row.gateway,
                        operation: &row.operation,
                        notification: row.notification.as_deref(),
                        profile: row.profile.as_deref(),
                    })?;
                    let n = insert.execute(params![
                        &*row.gateway,
                        r.order_id(),
                        r.gateway_id(),
                        data,
                        i64::from(r.step),
                        row.due_ms
                    ])?;
                    inserted.push(n == 1);
                }
                Write::Step {
                    gateway,
                    order_id,
                    step: s,
                    due_ms,
                    jobs,
                } => {
                    step.execute(params![&**gateway, order_id, s, due_ms])?;
                    for j in jobs {
                        job.execute(params![
                            i64::try_from(j.id).unwrap_or(i64::MAX),
                            j.gateway,
                            j.order_id,
                            j.notification,
                            j.url,
                            serde_json::to_string(&j.copies)?,
                            j.copy,
                            j.attempt,
                            j.next_ms
                        ])?;
                    }
                }
                Write::Progress {
                    id,
                    copy,
                    attempt,
                    next_ms,
                } => {
                    progress.execute(params![
                        i64::try_from(*id).unwrap_or(i64::MAX),
                        copy,
                        attempt,
                        next_ms
                    ])?;
                }
                Write::Done { id } => {
                    done.execute(params![i64::try_from(*id).unwrap_or(i64::MAX)])?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(inserted)
}

/// The highest delivery id a file holds (0 when none), so new ids never collide.
pub(crate) fn max_delivery_id(loaded: &Loaded) -> u64 {
    loaded.deliveries.iter().map(|d| d.id).max().unwrap_or(0)
}
