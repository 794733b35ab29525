//! Shared pieces of paywire's benchmarks (`cargo xtask bench`, or `cargo bench -p paywire-benches`):
//! a counting allocator, the fixtures (seed 000's TWD payout, seed 002's goldenpay payout, a
//! diamondpay payout notification), and the two references every typed path is measured against:
//!
//! - the **hand-rolled** baseline, written the way public integrations of these gateways write
//!   it: the fields in a `BTreeMap<String, String>`, `k=v` joined with `&` (empty values left
//!   out), the key appended, `md5` + `hex` (or `hmac` + `sha2`);
//! - the **floor**: the digest of the pre-built canonical bytes plus the hex encoding, which no
//!   signer can beat.
//!
//! Nothing here is timed; the bench targets in `benches/` do the timing and print the
//! allocation counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use hmac::{KeyInit as _, Mac as _};
use md5::Digest as _;
use paywire::{Credentials, Money, Secret};
use paywire_diamondpay::CreatePayoutTwdRequest;
use paywire_goldenpay::CreatePayoutRequest as GoldenPayoutRequest;

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

/// Heap allocations (`alloc`, `alloc_zeroed`) of the whole process.
pub static ALLOCS: AtomicUsize = AtomicUsize::new(0);
/// Reallocations (`realloc`) of the whole process.
pub static REALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised and without a destructor: safe to touch from inside the allocator.
    static THREAD_ALLOCS: Cell<usize> = const { Cell::new(0) };
    static THREAD_REALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn bump(global: &AtomicUsize, local: &'static std::thread::LocalKey<Cell<usize>>) {
    global.fetch_add(1, Ordering::Relaxed);
    let _ = local.try_with(|c| c.set(c.get() + 1));
}

/// `System` with two counters: the process-wide [`ALLOCS`] / [`REALLOCS`] (atomics) and a
/// per-thread pair, so that a measurement on one thread is not disturbed by another thread (the
/// HTTP server of the client bench). Install it in a bench binary with
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
pub struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to `System`; the counters do not allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS, &THREAD_ALLOCS);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS, &THREAD_ALLOCS);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&REALLOCS, &THREAD_REALLOCS);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations counted on one thread while a closure ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allocs {
    /// `alloc` + `alloc_zeroed` calls.
    pub allocs: usize,
    /// `realloc` calls (a growing buffer).
    pub reallocs: usize,
}

impl Allocs {
    /// Allocations plus reallocations: every trip to the allocator that hands out memory.
    pub fn total(self) -> usize {
        self.allocs + self.reallocs
    }
}

impl std::fmt::Display for Allocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (+{} realloc)", self.allocs, self.reallocs)
    }
}

/// The allocations this thread made so far (only meaningful with [`CountingAlloc`] installed).
pub fn thread_allocs() -> Allocs {
    Allocs {
        allocs: THREAD_ALLOCS.with(Cell::get),
        reallocs: THREAD_REALLOCS.with(Cell::get),
    }
}

/// Run `f` once and count the allocations it made on this thread. The result is dropped after
/// counting (frees are not counted).
pub fn count_allocs<T>(f: impl FnOnce() -> T) -> Allocs {
    let before = thread_allocs();
    let out = f();
    let after = thread_allocs();
    drop(out);
    Allocs {
        allocs: after.allocs - before.allocs,
        reallocs: after.reallocs - before.reallocs,
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// diamondpay's platform key for the benches. Seed 000 does not publish the key behind its
/// example `sign`, so this is the key of the provider crate's own docs (`db37b1c9…` below).
pub const DIAMONDPAY_KEY: &str = "diamondpay-test-key";
/// Seed 000's request signed with [`DIAMONDPAY_KEY`] under the `md5` profile (the provider
/// crate's documented value).
pub const SEED_000_MD5_SIGN: &str = "db37b1c90256e089794204f9363f3c57";
/// goldenpay's API token for the benches.
pub const GOLDENPAY_TOKEN: &str = "goldenpay-test-token";

/// Seed 000's TWD payout as an integration holds it before signing (its own types).
#[derive(Debug, Clone)]
pub struct PlainTwdPayout {
    /// `platform_id`.
    pub platform_id: String,
    /// `service_id`.
    pub service_id: String,
    /// `payout_cl_id`.
    pub payout_cl_id: String,
    /// `amount`, TWD cents.
    pub amount: i64,
    /// `notify_url`.
    pub notify_url: String,
    /// `bank_code`.
    pub bank_code: String,
    /// `number`.
    pub number: String,
    /// `name`.
    pub name: String,
    /// `currency`.
    pub currency: String,
    /// `request_time`, Unix seconds.
    pub request_time: i64,
}

/// Seed 000's request example values.
pub fn seed_000_plain() -> PlainTwdPayout {
    PlainTwdPayout {
        platform_id: "PF0002".into(),
        service_id: "SVC0004".into(),
        payout_cl_id: "DEVPOT00143538".into(),
        amount: 50000,
        notify_url: "https://xxx.xx/notification".into(),
        bank_code: "812".into(),
        number: "4088748280272397".into(),
        name: "test_name".into(),
        currency: "twd".into(),
        request_time: 1595504997,
    }
}

/// Seed 000's request example as the typed `create_payout_twd` request.
pub fn seed_000_typed() -> CreatePayoutTwdRequest {
    let p = seed_000_plain();
    CreatePayoutTwdRequest::builder()
        .platform_id(p.platform_id)
        .service_id(p.service_id)
        .payout_cl_id(p.payout_cl_id)
        .amount(Money::from_minor(p.amount))
        .notify_url(p.notify_url)
        .bank_code(p.bank_code)
        .number(p.number)
        .name(p.name)
        .currency(p.currency)
        .request_time(p.request_time)
        .build()
        .expect("seed 000's example is a valid create_payout_twd request")
}

/// Seed 002's goldenpay payout (12 fields) as an integration holds it.
#[derive(Debug, Clone)]
pub struct PlainGoldenPayout {
    /// `mch_id`.
    pub mch_id: i64,
    /// `trans_id`.
    pub trans_id: String,
    /// `channel`.
    pub channel: String,
    /// `amount`, two decimals.
    pub amount: String,
    /// `currency`.
    pub currency: String,
    /// `account_no`.
    pub account_no: String,
    /// `account_name`.
    pub account_name: String,
    /// `account_org`.
    pub account_org: String,
    /// `account_org_code`.
    pub account_org_code: String,
    /// `callback_url`.
    pub callback_url: String,
    /// `nonce`.
    pub nonce: String,
    /// `timestamp`, Unix seconds.
    pub timestamp: i64,
}

/// Seed 002's payout example values (the callback URL and nonce from specs/goldenpay.toml).
pub fn seed_002_plain() -> PlainGoldenPayout {
    PlainGoldenPayout {
        mch_id: 8888,
        trans_id: "2019uZP8KImVd2Xbzae".into(),
        channel: "bank".into(),
        amount: "100.00".into(),
        currency: "VND".into(),
        account_no: "2333667799212341".into(),
        account_name: "Nguyễn Xuân Hưng".into(),
        account_org: "PVCOMOBANK".into(),
        account_org_code: "970425".into(),
        callback_url: "https://merchant.example/goldenpay/payout".into(),
        nonce: "x8Kp2QmZ".into(),
        timestamp: 1729187424,
    }
}

/// Seed 002's payout as the typed goldenpay `create_payout` request.
pub fn seed_002_typed() -> GoldenPayoutRequest {
    let p = seed_002_plain();
    GoldenPayoutRequest::builder()
        .mch_id(p.mch_id)
        .trans_id(p.trans_id)
        .channel(p.channel)
        .amount(Money::from_minor(10_000)) // "100.00"
        .currency(p.currency)
        .account_no(p.account_no)
        .account_name(p.account_name)
        .account_org(p.account_org)
        .account_org_code(p.account_org_code)
        .callback_url(p.callback_url)
        .nonce(p.nonce)
        .timestamp(p.timestamp)
        .build()
        .expect("seed 002's example is a valid create_payout request")
}

/// The diamondpay key as a [`Secret`].
pub fn diamondpay_secret() -> Secret {
    Secret::new(DIAMONDPAY_KEY)
}

/// The diamondpay key as [`Credentials`].
pub fn diamondpay_credentials() -> Credentials {
    Credentials::new(diamondpay_secret())
}

/// A diamondpay payout notification for seed 000's order, unsigned: the fields of
/// specs/diamondpay.toml's `payout` notification (the payout of seed 000/001, completed), with
/// amounts as JSON numbers and an empty `error_msg` (left out of the signature).
pub const PAYOUT_NOTIFICATION_UNSIGNED: &str = r#"{"payout_id":"POT00000001","payout_cl_id":"DEVPOT00143538","platform_id":"PF0002","amount":50000,"real_amount":50000,"fee":1500,"status":3,"create_time":"2020-07-23 19:49:57","update_time":"2020-07-23 19:52:31","error_msg":""}"#;

/// [`PAYOUT_NOTIFICATION_UNSIGNED`] signed with the `md5` profile and [`DIAMONDPAY_KEY`]
/// (`Profile::Md5.sign_json`: every value's text kept, `sign` last).
pub fn payout_notification() -> String {
    paywire_diamondpay::Profile::Md5
        .sign_json(
            PAYOUT_NOTIFICATION_UNSIGNED.as_bytes(),
            &diamondpay_secret(),
        )
        .expect("the notification fixture is a JSON object")
}

/// The diamondpay spec, for the interpreter rows (`paywire::Gateway`).
pub const DIAMONDPAY_SPEC: &str = include_str!("../../specs/diamondpay.toml");
/// The goldenpay spec, for the interpreter rows.
pub const GOLDENPAY_SPEC: &str = include_str!("../../specs/goldenpay.toml");

// ---------------------------------------------------------------------------------------------
// Hand-rolled baselines: what public integrations write
// ---------------------------------------------------------------------------------------------

/// seed 000's fields in a map, values `to_string()`, as integrations build them.
pub fn hand_twd_params(p: &PlainTwdPayout) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("platform_id".to_string(), p.platform_id.to_string());
    m.insert("service_id".to_string(), p.service_id.to_string());
    m.insert("payout_cl_id".to_string(), p.payout_cl_id.to_string());
    m.insert("amount".to_string(), p.amount.to_string());
    m.insert("notify_url".to_string(), p.notify_url.to_string());
    m.insert("bank_code".to_string(), p.bank_code.to_string());
    m.insert("number".to_string(), p.number.to_string());
    m.insert("name".to_string(), p.name.to_string());
    m.insert("currency".to_string(), p.currency.to_string());
    m.insert("request_time".to_string(), p.request_time.to_string());
    m
}

/// `k=v` joined with `&`, ASCII order (the map's), empty values and `sign`/`sign_type` left out.
pub fn hand_join(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && k.as_str() != "sign" && k.as_str() != "sign_type")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// MD5 of a map's pairs with `&key=<secret>` appended, lowercase hex.
pub fn hand_md5_key(params: &BTreeMap<String, String>, secret: &str) -> String {
    let s = format!("{}&key={}", hand_join(params), secret);
    hex::encode(md5::Md5::digest(s.as_bytes()))
}

/// Hand-rolled seed 000 `md5` signature.
pub fn hand_sign_twd_md5(p: &PlainTwdPayout, secret: &str) -> String {
    hand_md5_key(&hand_twd_params(p), secret)
}

/// Hand-rolled seed 000 `hmac-sha256` signature: `sign_type=HMAC-SHA256` is added to the
/// parameters (it is sent) and left out of the signed string; HMAC-SHA256 keyed with the key.
pub fn hand_sign_twd_hmac(p: &PlainTwdPayout, secret: &str) -> String {
    let mut params = hand_twd_params(p);
    params.insert("sign_type".to_string(), "HMAC-SHA256".to_string());
    let s = hand_join(&params);
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(s.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Hand-rolled goldenpay signature: `<token>&k1=v1&…`, MD5, lowercase hex.
pub fn hand_sign_golden(p: &PlainGoldenPayout, token: &str) -> String {
    let mut m = BTreeMap::new();
    m.insert("mch_id".to_string(), p.mch_id.to_string());
    m.insert("trans_id".to_string(), p.trans_id.to_string());
    m.insert("channel".to_string(), p.channel.to_string());
    m.insert("amount".to_string(), p.amount.to_string());
    m.insert("currency".to_string(), p.currency.to_string());
    m.insert("account_no".to_string(), p.account_no.to_string());
    m.insert("account_name".to_string(), p.account_name.to_string());
    m.insert("account_org".to_string(), p.account_org.to_string());
    m.insert(
        "account_org_code".to_string(),
        p.account_org_code.to_string(),
    );
    m.insert("callback_url".to_string(), p.callback_url.to_string());
    m.insert("nonce".to_string(), p.nonce.to_string());
    m.insert("timestamp".to_string(), p.timestamp.to_string());
    let s = format!("{}&{}", token, hand_join(&m));
    hex::encode(md5::Md5::digest(s.as_bytes()))
}

/// Hand-rolled "prepare": the map, its `md5` signature, `sign` inserted, `serde_json` body.
pub fn hand_prepare_twd(p: &PlainTwdPayout, secret: &str) -> String {
    let mut params = hand_twd_params(p);
    let sign = hand_md5_key(&params, secret);
    params.insert("sign".to_string(), sign);
    serde_json::to_string(&params).expect("a map of strings serialises")
}

/// Hand-rolled notification check: `serde_json` into a map, take `sign` out, join the
/// non-empty values as text, `&key=<secret>`, MD5, hex, compare (case-insensitively).
pub fn hand_verify_notification(body: &[u8], secret: &str) -> bool {
    let Ok(mut map) = serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(body) else {
        return false;
    };
    let Some(serde_json::Value::String(received)) = map.remove("sign") else {
        return false;
    };
    map.remove("sign_type");
    let s = map
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (!text.is_empty()).then(|| format!("{k}={text}"))
        })
        .collect::<Vec<_>>()
        .join("&");
    let s = format!("{s}&key={secret}");
    let expected = hex::encode(md5::Md5::digest(s.as_bytes()));
    expected.eq_ignore_ascii_case(&received)
}

// ---------------------------------------------------------------------------------------------
// Floors: the digest of pre-built bytes and the hex, nothing else
// ---------------------------------------------------------------------------------------------

/// MD5 of pre-built canonical bytes, lowercase hex.
pub fn floor_md5(canonical: &[u8]) -> String {
    hex::encode(md5::Md5::digest(canonical))
}

/// HMAC-SHA256 (keyed with `secret`) of pre-built canonical bytes, lowercase hex.
pub fn floor_hmac(canonical: &[u8], secret: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(canonical);
    hex::encode(mac.finalize().into_bytes())
}

/// The floor of `prepare`: the MD5 of pre-built canonical bytes, and the pre-built body
/// (everything up to the signature) completed with it, into one `String`.
pub fn floor_prepare(canonical: &[u8], body_prefix: &str) -> String {
    let digest = md5::Md5::digest(canonical);
    let mut out = String::with_capacity(body_prefix.len() + 48);
    out.push_str(body_prefix);
    out.push_str(",\"sign\":\"");
    let mut hexbuf = [0u8; 32];
    hex::encode_to_slice(digest, &mut hexbuf).expect("32 hex digits for 16 bytes");
    out.push_str(std::str::from_utf8(&hexbuf).expect("hex is ASCII"));
    out.push_str("\"}");
    out
}

/// The floor of verifying: the MD5 of the pre-built canonical string, hex, compare.
pub fn floor_verify(canonical: &[u8], received: &str) -> bool {
    floor_md5(canonical).eq_ignore_ascii_case(received)
}

// ---------------------------------------------------------------------------------------------
// Loopback server for the client bench
// ---------------------------------------------------------------------------------------------

/// A diamondpay stand-in on 127.0.0.1 for the client bench: `POST /gateway/api/v2/payouts`
/// reads the body and answers seed 000's documented success JSON. diamondpay's create answers
/// carry no signature (specs/diamondpay.toml), so `CreatePayoutTwdResponse::read` accepts it as is.
/// Dropping the [`loopback::Server`] shuts it down and joins its thread.
pub mod loopback {
    /// Seed 000's success answer.
    pub const ANSWER: &str = r#"{"error_code":"0000","data":{"payout_id":"POT00000001"}}"#;
    /// The create-payout path.
    pub const PATH: &str = "/gateway/api/v2/payouts";

    /// The loopback server: its address, and what stops it.
    pub struct Server {
        /// Where it listens (127.0.0.1, a free port).
        pub addr: std::net::SocketAddr,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Server {
        /// Start the server on its own thread (a one-thread tokio runtime) and wait for its address.
        pub fn start() -> Self {
            let (addr_tx, addr_rx) = std::sync::mpsc::channel();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let thread = std::thread::Builder::new()
                .name("bench-server".into())
                .spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("server runtime");
                    rt.block_on(async move {
                        let app = axum::Router::new().route(
                            PATH,
                            axum::routing::post(|body: axum::body::Bytes| async move {
                                std::hint::black_box(body);
                                (
                                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                                    ANSWER,
                                )
                            }),
                        );
                        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                            .await
                            .expect("bind 127.0.0.1:0");
                        addr_tx
                            .send(listener.local_addr().expect("addr"))
                            .expect("send addr");
                        axum::serve(listener, app)
                            .with_graceful_shutdown(async {
                                let _ = stopped.await;
                            })
                            .await
                            .expect("serve");
                    });
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
}
