//! Order state: in memory by default, or in a SQLite file that survives a restart.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One order the simulator knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The gateway's name.
    pub gateway: String,
    /// The operation that created it.
    pub operation: String,
    /// The merchant's order id.
    pub order_id: String,
    /// The id the simulated gateway gave it.
    pub gateway_id: String,
    /// The request's fields as text.
    pub fields: BTreeMap<String, String>,
    /// The status codes it moves through, in order; the last is final.
    pub path: Vec<String>,
    /// Index of the current status in `path`.
    pub step: usize,
    /// Where notifications go.
    pub notify_url: Option<String>,
    /// The notification sent about it.
    pub notification: Option<String>,
    /// Notification faults to inject (`duplicate`, `out_of_order`, `bad_signature`).
    pub notify_faults: Vec<String>,
    /// Unix seconds of creation.
    pub created_at: u64,
}

impl Order {
    /// The current status code.
    pub fn status(&self) -> &str {
        self.path.get(self.step).map_or("", String::as_str)
    }

    /// Whether the order reached the end of its path.
    pub fn is_final(&self) -> bool {
        self.step + 1 >= self.path.len()
    }
}

/// A store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored row is not an order.
    #[error("stored order is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// A lock was poisoned by a panic elsewhere.
    #[error("store lock poisoned")]
    Poisoned,
}

/// Where orders live.
pub enum Store {
    /// In memory; gone when the process ends.
    Memory(Mutex<BTreeMap<(String, String), Order>>),
    /// A SQLite file.
    Sqlite(Mutex<rusqlite::Connection>),
}

impl Store {
    /// An in-memory store.
    pub fn memory() -> Self {
        Store::Memory(Mutex::new(BTreeMap::new()))
    }

    /// A SQLite store at `path` (created if absent).
    pub fn sqlite(path: &Path) -> Result<Self, StoreError> {
        let conn = rusqlite::Connection::open(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS orders (
                gateway TEXT NOT NULL,
                order_id TEXT NOT NULL,
                gateway_id TEXT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (gateway, order_id)
            );
            CREATE INDEX IF NOT EXISTS orders_gateway_id ON orders (gateway, gateway_id);",
        )?;
        Ok(Store::Sqlite(Mutex::new(conn)))
    }

    /// Insert a new order; `Ok(false)` when its merchant order id exists already.
    pub fn insert(&self, order: &Order) -> Result<bool, StoreError> {
        match self {
            Store::Memory(m) => {
                let mut m = m.lock().map_err(|_| StoreError::Poisoned)?;
                let key = (order.gateway.clone(), order.order_id.clone());
                if m.contains_key(&key) {
                    return Ok(false);
                }
                m.insert(key, order.clone());
                Ok(true)
            }
            Store::Sqlite(c) => {
                let c = c.lock().map_err(|_| StoreError::Poisoned)?;
                let n = c.execute(
                    "INSERT OR IGNORE INTO orders (gateway, order_id, gateway_id, data) VALUES (?1, ?2, ?3, ?4)",
                    (&order.gateway, &order.order_id, &order.gateway_id, serde_json::to_string(order)?),
                )?;
                Ok(n == 1)
            }
        }
    }

    /// Replace a stored order.
    pub fn update(&self, order: &Order) -> Result<(), StoreError> {
        match self {
            Store::Memory(m) => {
                let mut m = m.lock().map_err(|_| StoreError::Poisoned)?;
                m.insert(
                    (order.gateway.clone(), order.order_id.clone()),
                    order.clone(),
                );
                Ok(())
            }
            Store::Sqlite(c) => {
                let c = c.lock().map_err(|_| StoreError::Poisoned)?;
                c.execute(
                    "UPDATE orders SET data = ?3 WHERE gateway = ?1 AND order_id = ?2",
                    (
                        &order.gateway,
                        &order.order_id,
                        serde_json::to_string(order)?,
                    ),
                )?;
                Ok(())
            }
        }
    }

    /// An order by merchant order id or gateway id.
    pub fn find(&self, gateway: &str, id: &str) -> Result<Option<Order>, StoreError> {
        match self {
            Store::Memory(m) => {
                let m = m.lock().map_err(|_| StoreError::Poisoned)?;
                Ok(m.values()
                    .find(|o| o.gateway == gateway && (o.order_id == id || o.gateway_id == id))
                    .cloned())
            }
            Store::Sqlite(c) => {
                let c = c.lock().map_err(|_| StoreError::Poisoned)?;
                let mut stmt = c.prepare_cached(
                    "SELECT data FROM orders WHERE gateway = ?1 AND (order_id = ?2 OR gateway_id = ?2) LIMIT 1",
                )?;
                let mut rows = stmt.query((gateway, id))?;
                match rows.next()? {
                    Some(row) => {
                        let data: String = row.get(0)?;
                        Ok(Some(serde_json::from_str(&data)?))
                    }
                    None => Ok(None),
                }
            }
        }
    }

    /// Every order.
    pub fn all(&self) -> Result<Vec<Order>, StoreError> {
        match self {
            Store::Memory(m) => Ok(m
                .lock()
                .map_err(|_| StoreError::Poisoned)?
                .values()
                .cloned()
                .collect()),
            Store::Sqlite(c) => {
                let c = c.lock().map_err(|_| StoreError::Poisoned)?;
                let mut stmt = c.prepare_cached("SELECT data FROM orders ORDER BY rowid")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                let mut out = Vec::new();
                for data in rows {
                    out.push(serde_json::from_str(&data?)?);
                }
                Ok(out)
            }
        }
    }
}
