//! Order state in memory: a compact record per order, two hash indexes, nothing cloned wholesale.
//!
//! Every order the simulator knows lives in a `Book`: one `Rec` per order in creation order,
//! found by merchant order id or by gateway id through two `hashbrown::HashTable<u32>` indexes
//! (four bytes and a control byte per entry; the keys are read from the records, never copied).
//! A record keeps its strings in one packed buffer (order id, gateway id, notification URL, the
//! request's fields), its status path as a shared `Arc<[String]>` (interned: a gateway has a
//! handful of distinct paths), and small integers for the rest. [`Order`], the public view, is
//! built from a record on demand (answers, queries, notifications, [`crate::Simulator::orders`]).
//!
//! With [`crate::SimConfig::db`] the book is loaded from SQLite at start and every change is
//! written there too (see `db.rs`); reads never touch SQLite.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use hashbrown::HashTable;
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
    /// The signing profile the merchant's request verified under, which the simulator also
    /// signs this order's notifications with (absent in files written before profiles were
    /// recorded: the spec's own profile then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
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
    /// The writer thread could not be started, or has stopped.
    #[error("the SQLite writer is not running: {0}")]
    Writer(String),
}

/// The notification faults a record can carry, as bits.
pub(crate) const FAULTS: [&str; 3] = ["duplicate", "out_of_order", "bad_signature"];

/// Bits of the known fault names in `names` (unknown names have no effect and are dropped).
pub(crate) fn fault_bits<S: AsRef<str>>(names: &[S]) -> u8 {
    names.iter().fold(0, |bits, n| {
        FAULTS
            .iter()
            .position(|f| *f == n.as_ref().trim())
            .map_or(bits, |i| bits | (1 << i))
    })
}

/// [`Rec::profile`] of an order signed under the spec's own profile (or not signed).
pub(crate) const NO_PROFILE: u8 = u8::MAX;

/// One order, compactly.
#[derive(Clone)]
pub(crate) struct Rec {
    /// Index of the gateway in the simulator's gateway list.
    pub gw: u16,
    /// Index of the creating operation in the gateway's spec.
    pub op: u16,
    /// Index of the current status in `path`.
    pub step: u16,
    /// Notification fault bits (see [`FAULTS`]).
    pub faults: u8,
    /// Whether the record was withdrawn (its durable write failed): skipped everywhere.
    pub dead: bool,
    /// Index of the profile the request verified under in the gateway's profile list
    /// ([`NO_PROFILE`]: the spec's own choice).
    pub profile: u8,
    /// Unix seconds of creation.
    pub created_at: u64,
    /// The status path (shared between orders).
    pub path: Arc<[String]>,
    /// Order id, gateway id, notification URL, then the request's fields, each text preceded
    /// by its length (LEB128).
    data: Box<[u8]>,
}

fn put(buf: &mut Vec<u8>, s: &str) {
    let mut n = s.len();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf.push(byte);
            break;
        }
        buf.push(byte | 0x80);
    }
    buf.extend_from_slice(s.as_bytes());
}

/// The texts of a packed buffer, in order, as bytes (always UTF-8: only ever written from
/// `&str`).
struct Raw<'a>(&'a [u8]);

impl<'a> Iterator for Raw<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let mut n = 0usize;
        let mut shift = 0;
        let mut i = 0;
        loop {
            let byte = *self.0.get(i)?;
            n |= usize::from(byte & 0x7f) << shift;
            i += 1;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 56 {
                return None;
            }
        }
        let text = self.0.get(i..i.checked_add(n)?)?;
        self.0 = &self.0[i + n..];
        Some(text)
    }
}

/// The texts of a packed buffer, in order (a text that is not UTF-8, which cannot be written,
/// ends the iteration).
struct Texts<'a>(Raw<'a>);

impl<'a> Iterator for Texts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.0.next()?).ok()
    }
}

impl Rec {
    /// A record of `order`, created by operation `op` of gateway `gw`.
    pub fn new(gw: u16, op: u16, order: &Order, path: Arc<[String]>) -> Self {
        Self::build(
            gw,
            op,
            (
                &order.order_id,
                &order.gateway_id,
                order.notify_url.as_deref(),
            ),
            order.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            path,
            fault_bits(&order.notify_faults),
            order.created_at,
        )
        .with_step(order.step)
    }

    /// The same record, signed under profile `index` of its gateway's list.
    pub fn with_profile(mut self, index: u8) -> Self {
        self.profile = index;
        self
    }

    /// A new record (at its first status) from its ids and the request's fields.
    pub fn build<'a>(
        gw: u16,
        op: u16,
        (order_id, gateway_id, notify_url): (&str, &str, Option<&str>),
        fields: impl Iterator<Item = (&'a str, &'a str)> + Clone,
        path: Arc<[String]>,
        faults: u8,
        created_at: u64,
    ) -> Self {
        let size = order_id.len()
            + gateway_id.len()
            + notify_url.map_or(0, str::len)
            + fields
                .clone()
                .map(|(k, v)| k.len() + v.len() + 4)
                .sum::<usize>()
            + 9;
        let mut data = Vec::with_capacity(size);
        put(&mut data, order_id);
        put(&mut data, gateway_id);
        put(&mut data, notify_url.unwrap_or(""));
        for (k, v) in fields {
            put(&mut data, k);
            put(&mut data, v);
        }
        Self {
            gw,
            op,
            step: 0,
            faults,
            dead: false,
            profile: NO_PROFILE,
            created_at,
            path,
            data: data.into_boxed_slice(),
        }
    }

    fn with_step(mut self, step: usize) -> Self {
        self.step = u16::try_from(step).unwrap_or(u16::MAX);
        self
    }

    /// The value of a request field.
    pub fn field(&self, name: &str) -> Option<&str> {
        // Names compared as bytes; only the value found is checked as UTF-8.
        let mut t = Raw(&self.data).skip(3);
        while let (Some(k), Some(v)) = (t.next(), t.next()) {
            if k == name.as_bytes() {
                return std::str::from_utf8(v).ok();
            }
        }
        None
    }

    /// The current status code.
    pub fn status(&self) -> &str {
        self.path
            .get(usize::from(self.step))
            .map_or("", String::as_str)
    }

    /// Whether a notification fault (one of [`FAULTS`]) is set.
    pub fn has_fault(&self, name: &str) -> bool {
        FAULTS
            .iter()
            .position(|f| *f == name)
            .is_some_and(|i| self.faults & (1 << i) != 0)
    }

    fn fault_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        FAULTS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.faults & (1 << i) != 0)
            .map(|(_, f)| *f)
    }

    pub fn order_id(&self) -> &str {
        Texts(Raw(&self.data)).next().unwrap_or("")
    }

    pub fn gateway_id(&self) -> &str {
        Texts(Raw(&self.data)).nth(1).unwrap_or("")
    }

    pub fn notify_url(&self) -> Option<&str> {
        Texts(Raw(&self.data)).nth(2).filter(|u| !u.is_empty())
    }

    /// The request's fields, as (name, text).
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut t = Texts(Raw(&self.data)).skip(3);
        std::iter::from_fn(move || Some((t.next()?, t.next()?)))
    }

    pub fn is_final(&self) -> bool {
        usize::from(self.step) + 1 >= self.path.len()
    }

    /// The public view; the names say what the indexes mean.
    pub fn to_order(&self, names: &RecView<'_>) -> Order {
        let RecView {
            gateway,
            operation,
            notification,
            profile,
            ..
        } = *names;
        Order {
            gateway: gateway.to_owned(),
            operation: operation.to_owned(),
            order_id: self.order_id().to_owned(),
            gateway_id: self.gateway_id().to_owned(),
            fields: self
                .fields()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            path: self.path.to_vec(),
            step: usize::from(self.step),
            notify_url: self.notify_url().map(str::to_owned),
            notification: notification.map(str::to_owned),
            notify_faults: self.fault_names().map(str::to_owned).collect(),
            created_at: self.created_at,
            profile: profile.map(str::to_owned),
        }
    }

    /// Heap bytes owned by this record alone (the packed buffer), for the memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.data.len()
    }
}

/// A record with the names its indexes stand for: what answers, notifications and the SQLite
/// row are made from.
pub(crate) struct RecView<'a> {
    pub rec: &'a Rec,
    pub gateway: &'a str,
    pub operation: &'a str,
    pub notification: Option<&'a str>,
    pub profile: Option<&'a str>,
}

impl crate::fill::OrderView for RecView<'_> {
    fn operation(&self) -> &str {
        self.operation
    }
    fn gateway_id(&self) -> &str {
        self.rec.gateway_id()
    }
    fn field(&self, name: &str) -> Option<&str> {
        self.rec.field(name)
    }
    fn status(&self) -> &str {
        self.rec.status()
    }
    fn created_at(&self) -> u64 {
        self.rec.created_at
    }
}

/// Serialized exactly as [`Order`] is (the SQLite `data` column), without building one.
impl Serialize for RecView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        struct Fields<'a>(&'a Rec);
        impl Serialize for Fields<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut sorted: Vec<(&str, &str)> = self.0.fields().collect();
                sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
                s.collect_map(sorted)
            }
        }
        struct Faults<'a>(&'a Rec);
        impl Serialize for Faults<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.fault_names())
            }
        }
        let r = self.rec;
        let mut st = s.serialize_struct("Order", 12)?;
        st.serialize_field("gateway", self.gateway)?;
        st.serialize_field("operation", self.operation)?;
        st.serialize_field("order_id", r.order_id())?;
        st.serialize_field("gateway_id", r.gateway_id())?;
        st.serialize_field("fields", &Fields(r))?;
        st.serialize_field("path", &*r.path)?;
        st.serialize_field("step", &usize::from(r.step))?;
        st.serialize_field("notify_url", &r.notify_url())?;
        st.serialize_field("notification", &self.notification)?;
        st.serialize_field("notify_faults", &Faults(r))?;
        st.serialize_field("created_at", &r.created_at)?;
        if let Some(p) = self.profile {
            st.serialize_field("profile", p)?;
        } else {
            st.skip_field("profile")?;
        }
        st.end()
    }
}

/// Records per chunk of the book: the book grows by chunks, never by moving what it holds.
const CHUNK: usize = 1 << 14;

/// An index entry: the slot of a record and 32 bits of its key's hash, so that growing the
/// table never reads the records again.
#[derive(Clone, Copy)]
struct Entry {
    slot: u32,
    hash: u32,
}

/// The table hash of an entry, from its 32 stored bits.
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Every order, indexed by merchant order id and by gateway id (per gateway).
pub(crate) struct Book {
    chunks: Vec<Vec<Rec>>,
    /// Records held, withdrawn ones included (the next slot).
    slots: usize,
    by_order: HashTable<Entry>,
    by_gateway_id: HashTable<Entry>,
    hasher: RandomState,
    paths: HashMap<Vec<String>, Arc<[String]>>,
    live: usize,
    /// Bytes of the records' packed buffers.
    data_bytes: usize,
}

impl Default for Book {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            slots: 0,
            by_order: HashTable::new(),
            by_gateway_id: HashTable::new(),
            hasher: RandomState::new(),
            paths: HashMap::new(),
            live: 0,
            data_bytes: 0,
        }
    }
}

fn at(chunks: &[Vec<Rec>], slot: u32) -> Option<&Rec> {
    let s = slot as usize;
    chunks.get(s / CHUNK)?.get(s % CHUNK)
}

impl Book {
    fn hash(&self, gw: u16, id: &str) -> u32 {
        // The high half: `spread` makes the table hash from it.
        (self.hasher.hash_one((gw, id)) >> 32) as u32
    }

    /// The shared copy of a status path.
    pub fn intern(&mut self, path: Vec<String>) -> Arc<[String]> {
        if let Some(p) = self.paths.get(&path) {
            return p.clone();
        }
        let shared: Arc<[String]> = path.clone().into();
        self.paths.insert(path, shared.clone());
        shared
    }

    fn find_in(
        &self,
        table: &HashTable<Entry>,
        gw: u16,
        id: &str,
        key: fn(&Rec) -> &str,
    ) -> Option<u32> {
        let h = self.hash(gw, id);
        table
            .find(spread(h), |e| {
                e.hash == h && at(&self.chunks, e.slot).is_some_and(|r| r.gw == gw && key(r) == id)
            })
            .map(|e| e.slot)
    }

    /// Add `rec` unless its gateway already has its merchant order id: `Some(slot)` when added.
    pub fn insert(&mut self, rec: Rec) -> Option<u32> {
        let gw = rec.gw;
        if self
            .find_in(&self.by_order, gw, rec.order_id(), Rec::order_id)
            .is_some()
        {
            return None;
        }
        let slot = u32::try_from(self.slots).ok()?;
        let h = self.hash(gw, rec.order_id());
        let g = self.hash(gw, rec.gateway_id());
        self.data_bytes += rec.heap_bytes();
        if self.slots.is_multiple_of(CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        self.chunks.last_mut()?.push(rec);
        self.slots += 1;
        self.by_order
            .insert_unique(spread(h), Entry { slot, hash: h }, |e| spread(e.hash));
        self.by_gateway_id
            .insert_unique(spread(g), Entry { slot, hash: g }, |e| spread(e.hash));
        self.live += 1;
        Some(slot)
    }

    /// Withdraw an order whose durable write failed: it leaves both indexes.
    pub fn withdraw(&mut self, slot: u32) {
        let Some(rec) = self.get(slot) else {
            return;
        };
        let h = self.hash(rec.gw, rec.order_id());
        let g = self.hash(rec.gw, rec.gateway_id());
        if let Ok(e) = self.by_order.find_entry(spread(h), |e| e.slot == slot) {
            e.remove();
        }
        if let Ok(e) = self.by_gateway_id.find_entry(spread(g), |e| e.slot == slot) {
            e.remove();
        }
        if let Some(rec) = self.get_mut(slot) {
            rec.dead = true;
            self.live -= 1;
        }
    }

    /// An order of gateway `gw` by merchant order id, else by gateway id.
    pub fn find(&self, gw: u16, id: &str) -> Option<u32> {
        self.find_in(&self.by_order, gw, id, Rec::order_id)
            .or_else(|| self.find_in(&self.by_gateway_id, gw, id, Rec::gateway_id))
    }

    pub fn get(&self, slot: u32) -> Option<&Rec> {
        at(&self.chunks, slot).filter(|r| !r.dead)
    }

    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Rec> {
        let s = slot as usize;
        self.chunks
            .get_mut(s / CHUNK)?
            .get_mut(s % CHUNK)
            .filter(|r| !r.dead)
    }

    /// Every live order, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Rec)> {
        self.chunks
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, r)| !r.dead)
            .map(|(i, r)| (i as u32, r))
    }

    pub fn len(&self) -> usize {
        self.live
    }

    /// Bytes held by the book: records, packed buffers, index tables (capacity, not length).
    pub fn bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<Rec>()
            + self.data_bytes
            + (self.by_order.capacity() + self.by_gateway_id.capacity())
                * (std::mem::size_of::<Entry>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, gid: &str) -> Order {
        Order {
            gateway: "g".into(),
            operation: "op".into(),
            order_id: id.into(),
            gateway_id: gid.into(),
            fields: [("amount", "100"), ("note", "é\u{0}\u{7f}x")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            path: vec!["0".into(), "1".into(), "3".into()],
            step: 1,
            notify_url: Some("http://127.0.0.1:9/n".into()),
            notification: Some("payout".into()),
            notify_faults: vec![
                "duplicate".into(),
                "nonsense".into(),
                "bad_signature".into(),
            ],
            created_at: 1_700_000_000,
            profile: None,
        }
    }

    #[test]
    fn a_record_gives_back_its_order() {
        let mut book = Book::default();
        let o = order(&"x".repeat(300), "GI00000001");
        let path = book.intern(o.path.clone());
        let rec = Rec::new(0, 0, &o, path);
        let view = RecView {
            rec: &rec,
            gateway: "g",
            operation: "op",
            notification: Some("payout"),
            profile: Some("md5-bare-key"),
        };
        let back = rec.to_order(&view);
        let mut expected = o.clone();
        expected.notify_faults = vec!["duplicate".into(), "bad_signature".into()];
        expected.profile = Some("md5-bare-key".into());
        assert_eq!(back, expected);
        assert_eq!(back.status(), "1");
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(serde_json::from_str::<Order>(&json).unwrap(), expected);
        assert_eq!(json, serde_json::to_string(&expected).unwrap());
        assert!(!rec.is_final());
    }

    #[test]
    fn the_book_refuses_duplicates_per_gateway_and_finds_both_ids() {
        let mut book = Book::default();
        let mk = |gw: u16, id: &str, gid: &str, book: &mut Book| {
            let o = order(id, gid);
            let p = book.intern(o.path.clone());
            Rec::new(gw, 0, &o, p)
        };
        let r = mk(0, "A", "GI1", &mut book);
        let a = book.insert(r).unwrap();
        let r = mk(0, "A", "GI2", &mut book);
        assert!(book.insert(r).is_none(), "same gateway, same order id");
        let r = mk(1, "A", "GI3", &mut book);
        let b = book.insert(r).unwrap();
        assert_eq!(book.find(0, "A"), Some(a));
        assert_eq!(book.find(1, "A"), Some(b));
        assert_eq!(book.find(0, "GI1"), Some(a));
        assert_eq!(book.find(1, "GI1"), None);
        assert_eq!(book.find(0, "nothing"), None);
        book.withdraw(a);
        assert_eq!(book.find(0, "A"), None);
        assert_eq!(book.len(), 1);
        let r = mk(0, "A", "GI4", &mut book);
        assert!(book.insert(r).is_some(), "a withdrawn id can be used again");
        assert_eq!(book.iter().count(), 2);
    }
}
