//! paywire provider for goldenpay: payouts (withdrawals), collect orders (deposits), balance and
//! merchant info, and the payout and collect callbacks, generated from `specs/goldenpay.toml`
//! (seed 002; <https://integration.gpbli.top/en/reference/>).
//!
//! Everything here is code generated from `specs/goldenpay.toml` by `cargo xtask codegen`:
//! `src/generated.rs`, pretty-printed and checked in, and compared with the spec by
//! `cargo xtask check`. No spec is parsed at run time: signers, validators and readers are
//! plain Rust. The interpreter that drives a spec loaded at run time, `paywire::Gateway`
//! (feature `dynamic` of `paywire`), is what the CLI and the simulator use. The base URL
//! differs per merchant: it is configuration, not a constant.
//!
//! | operation | request | response |
//! |---|---|---|
//! | create payout, `POST /api/v1/mch/wdl-orders` (JSON) | [`CreatePayoutRequest`] | [`CreatePayoutResponse`] |
//! | query payout, `GET /api/v1/mch/wdl-orders` (signed query) | [`QueryPayoutRequest`] | [`QueryPayoutResponse`] |
//! | create collect, `POST /api/v1/mch/pmt-orders` (JSON) | [`CreateCollectRequest`] | [`CreateCollectResponse`] |
//! | query collect, `GET /api/v1/mch/pmt-orders` (signed query) | [`QueryCollectRequest`] | [`QueryCollectResponse`] |
//! | balance, `GET /api/v1/mch/balance` (signed query) | [`BalanceRequest`] | [`BalanceResponse`] |
//! | merchant info, `GET /api/v1/mch/info` (signed query) | [`MerchantInfoRequest`] | [`MerchantInfoResponse`] |
//! | payout callback, `POST` JSON to `callback_url` | | [`PayoutNotification`] |
//! | collect callback, `POST` JSON to `callback_url` | | [`CollectNotification`] |
//!
//! Each request's `prepare` gives the exact method, path, body or query string to send (and
//! its `canonical_string` the string that was hashed); each response's `read` and each
//! callback's `verify` take the bytes that came back. With the
//! `client` feature (on by default), `paywire::Client::send` sends a request and returns a
//! [`paywire::Outcome`].
//!
//! # The protocol in brief
//!
//! - **Signature**: every non-empty parameter but `sign` (the query parameters of a GET too),
//!   sorted by key in ASCII order, joined as `key=value` with `&`, with the API token *in front*:
//!   `<token>&k1=v1&k2=v2...`; MD5, sent as lowercase hex, compared case-insensitively. Values
//!   enter raw (not URL-encoded). A request's `canonical_string(&token)` is a value of its own
//!   ([`paywire::CanonicalString`]): it prints masked (`Display`, `Debug` and `masked()` show
//!   the token as `****`, so it starts with `****&`), and `expose()` gives the exact text that
//!   is hashed.
//! - **Envelope**: success is `{"code":200,"payload":{...}}`, failure
//!   `{"code":400,"errors":{"message":"..."}}` (429 when rate limited). A failure's message is
//!   passed through **verbatim**: seed 002 asks merchants to show texts such as
//!   `Withdrawal amount exceeds limit` or `Invalid card number...` to their customer service.
//! - **Status**: payouts are processing at 10 and 20, cancelled or rejected at 50, succeeded at
//!   60 (any other code: processing). Collect orders are succeeded at 60, processing at 20, failed
//!   otherwise. Each response and callback carries its status mapped onto
//!   [`paywire::CommonStatus`].
//! - **Accepted is not paid**: a `code` 200 means the order exists, not that money moved; the
//!   result arrives at `callback_url` (or through the query operations).
//! - **A timeout is not a failure**: when no answer (or no readable answer) came back, the order
//!   may exist. `read` then returns an error, never [`paywire::Response::Rejected`], and the
//!   client's outcome is [`paywire::Outcome::Indeterminate`]. Do not mark the order failed and
//!   do not resend it under a new `trans_id`: query it with [`QueryPayoutRequest`] /
//!   [`QueryCollectRequest`] or wait for the callback. Only a rejection (`code` 400 with its
//!   message) is safe to treat as "not created".
//! - **Callbacks** are POSTed as JSON, signed like requests over *every* received field; a body
//!   that fails verification is not trusted (query the order instead). Reply with the plain
//!   text `success`; deliveries repeat, so handle them idempotently (by `trans_id` and status).
//!   `order_amount` and `mch_id` arrive as numbers or strings depending on the gateway's
//!   version: both read alike, and amounts are read from their exact text, never through
//!   floating point.
//!
//! Bad input is refused before anything is signed, naming the field and the rule: a missing
//! required field, `account_no` over 34 characters, a `nonce` outside 6..24 characters, an
//! amount below 0.01, and the per-country rules of seed 002 (bank code for VND and THB, account
//! type and tax number for BRL, phone or email for PIX keys of those types, bank name everywhere
//! but PHP).
//!
//! # Create a payout
//!
//! A Vietnamese bank payout. Amounts are [`paywire::Money`] in minor units and go on the wire
//! as a two-decimal string:
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_goldenpay::CreatePayoutRequest;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = Secret::new("goldenpay-test-token");
//! let creds = Credentials::new(token.clone());
//! let payout = CreatePayoutRequest::builder()
//!     .mch_id(8888)
//!     .trans_id("2019uZP8KImVd2Xbzae")
//!     .channel("bank")
//!     .amount(Money::from_minor(10_000_000)) // "100000.00"
//!     .currency("VND")
//!     .account_no("2333667799212341")
//!     .account_name("Nguyễn Xuân Hưng")
//!     .account_org("PVCOMOBANK")
//!     .account_org_code("970425") // required for VND and THB
//!     .callback_url("https://merchant.example/goldenpay/payout")
//!     .nonce("x8Kp2QmZ")
//!     .timestamp(1729187424)
//!     .build()?;
//!
//! let prepared = payout.prepare(&creds)?;
//! assert_eq!(prepared.method.as_str(), "POST");
//! assert_eq!(prepared.path, "/api/v1/mch/wdl-orders");
//! assert_eq!(prepared.content_type, Some("application/json"));
//! // Token first, then every non-empty field in ASCII order. The string prints masked...
//! let canonical = payout.canonical_string(&token);
//! let masked = canonical.to_string();
//! assert_eq!(masked, canonical.masked());
//! assert!(masked.starts_with("****&account_name=Nguyễn Xuân Hưng&account_no=2333667799212341&"));
//! assert!(masked.ends_with("&timestamp=1729187424&trans_id=2019uZP8KImVd2Xbzae"));
//! // ...and `expose()` gives the exact text that is hashed, token included.
//! assert_eq!(canonical.expose(), masked.replacen("****", "goldenpay-test-token", 1));
//! assert_eq!(prepared.signature, Some(payout.signature(&token)));
//! // The JSON body carries the signature.
//! let body = prepared.body.as_deref().unwrap();
//! assert!(body.starts_with(r#"{"mch_id":8888,"trans_id":"2019uZP8KImVd2Xbzae","#));
//! assert!(body.contains(r#""amount":"100000.00""#));
//! let sign = prepared.signature.as_ref().unwrap().to_string();
//! assert!(body.ends_with(&format!(r#""sign":"{sign}"}}"#)));
//! # Ok(())
//! # }
//! ```
//!
//! A Brazilian PIX payout to a phone key: BRL needs `account_type` and `account_tin`, and the
//! `PHONE` type needs `account_phone` (the `EMAIL` type needs `account_email`):
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_goldenpay::CreatePayoutRequest;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let builder = CreatePayoutRequest::builder()
//!     .mch_id(8888)
//!     .trans_id("BR20241018000001")
//!     .channel("pix")
//!     .amount(Money::from_minor(25_050)) // "250.50"
//!     .currency("BRL")
//!     .account_no("+5511987654321")
//!     .account_name("Joao da Silva")
//!     .account_org("PIX")
//!     .account_type("PHONE")
//!     .account_tin("12345678909")
//!     .callback_url("https://merchant.example/goldenpay/payout")
//!     .nonce("b7Rq1LzW9t")
//!     .timestamp(1729187500);
//!
//! // Without the phone the request is refused, naming the field and the rule.
//! let err = builder.clone().build().unwrap_err();
//! assert!(err.names("account_phone"));
//! assert_eq!(
//!     err.to_string(),
//!     "invalid request: `account_phone` is required when currency is BRL and account_type is PHONE"
//! );
//!
//! let payout = builder.account_phone("+5511987654321").build()?;
//! let token = Secret::new("goldenpay-test-token");
//! let prepared = payout.prepare(&Credentials::new(token.clone()))?;
//! let canonical = payout.canonical_string(&token).masked();
//! assert!(canonical.contains("&account_phone=+5511987654321&account_tin=12345678909&account_type=PHONE&"));
//! assert!(prepared.body.unwrap().contains(r#""account_phone":"+5511987654321""#));
//! # Ok(())
//! # }
//! ```
//!
//! # Query a payout
//!
//! A GET whose query parameters are signed; `sign` travels in the query string:
//!
//! ```
//! use paywire::{Credentials, Secret};
//! use paywire_goldenpay::QueryPayoutRequest;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let query = QueryPayoutRequest::builder()
//!     .id("WT1729187424AJCT") // the platform id or your trans_id
//!     .mch_id(8888)
//!     .nonce("q1w2e3r4")
//!     .timestamp(1729188000)
//!     .build()?;
//! let token = Secret::new("goldenpay-test-token");
//! let prepared = query.prepare(&Credentials::new(token.clone()))?;
//! assert_eq!(prepared.method.as_str(), "GET");
//! assert_eq!(prepared.body, None);
//! assert_eq!(
//!     query.canonical_string(&token).masked(),
//!     "****&id=WT1729187424AJCT&mch_id=8888&nonce=q1w2e3r4&timestamp=1729188000"
//! );
//! assert_eq!(
//!     prepared.query.as_deref(),
//!     Some("id=WT1729187424AJCT&mch_id=8888&nonce=q1w2e3r4&timestamp=1729188000&sign=b1392e4fff9961df4e4f53a93d69a988")
//! );
//! assert!(prepared.path_and_query().starts_with("/api/v1/mch/wdl-orders?id=WT1729187424AJCT&"));
//! # Ok(())
//! # }
//! ```
//!
//! # Create a collect order
//!
//! Show the returned cashier `url` (or the `meta` account data) to the payer; the result
//! arrives at `callback_url`:
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_goldenpay::CreateCollectRequest;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let collect = CreateCollectRequest::builder()
//!     .mch_id(8888)
//!     .trans_id("C20241018000001")
//!     .currency("VND")
//!     .amount(Money::from_minor(50_000_000)) // "500000.00"
//!     .channel("bank")
//!     .callback_url("https://merchant.example/goldenpay/collect")
//!     .return_url("https://merchant.example/paid")
//!     .mode("auto")
//!     .nonce("c0ll3ct01")
//!     .timestamp(1729190000)
//!     .build()?;
//! let token = Secret::new("goldenpay-test-token");
//! let prepared = collect.prepare(&Credentials::new(token.clone()))?;
//! assert_eq!(prepared.path, "/api/v1/mch/pmt-orders");
//! assert!(collect.canonical_string(&token).masked().starts_with("****&amount=500000.00&callback_url="));
//! # Ok(())
//! # }
//! ```
//!
//! # Balance and merchant info
//!
//! ```
//! use paywire::{Credentials, Money, Response, Secret};
//! use paywire_goldenpay::{BalanceRequest, BalanceResponse, MerchantInfoRequest};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = Secret::new("goldenpay-test-token");
//! let creds = Credentials::new(token.clone());
//! let balance = BalanceRequest::builder()
//!     .mch_id(8888)
//!     .currency("VND")
//!     .nonce("bal9Xk2m")
//!     .timestamp(1729191000)
//!     .build()?
//!     .prepare(&creds)?;
//! assert_eq!(
//!     balance.path_and_query(),
//!     "/api/v1/mch/balance?mch_id=8888&currency=VND&nonce=bal9Xk2m&timestamp=1729191000&sign=ef4a265db33471ac491a0a88c7735ef1"
//! );
//!
//! let info = MerchantInfoRequest::builder()
//!     .mch_id(8888)
//!     .nonce("inf0Zq8r")
//!     .timestamp(1729191100)
//!     .build()?;
//! assert_eq!(info.prepare(&creds)?.path, "/api/v1/mch/info");
//! assert_eq!(
//!     info.canonical_string(&token).masked(),
//!     "****&mch_id=8888&nonce=inf0Zq8r&timestamp=1729191100"
//! );
//!
//! // The balance is a JSON number in standard units, read from its text: no floating point.
//! let answer = br#"{"code":200,"payload":{"balance":1520000.5}}"#;
//! let Response::Accepted { payload, .. } = BalanceResponse::read(answer, &token)? else {
//!     panic!("accepted")
//! };
//! assert_eq!(payload.balance, Money::from_minor(152_000_050));
//! # Ok(())
//! # }
//! ```
//!
//! # Read a response
//!
//! Seed 002's create payout answer (status 20: processing, not paid) and a rejection, whose
//! message is kept verbatim:
//!
//! ```
//! use paywire::{CommonStatus, Response, Secret};
//! use paywire_goldenpay::{CreatePayoutResponse, ErrorCode};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = Secret::new("goldenpay-test-token");
//!
//! let body = br#"{"code":200,"payload":{"id":"WT1729187424AJCT","trans_id":"2019uZP8KImVd2Xbzae",
//!     "mch_id":"8888","channel":"bank","order_amount":100,"currency":"VND",
//!     "created_at":"2019-04-12 14:12:31","status":20}}"#;
//! match CreatePayoutResponse::read(body, &token)? {
//!     Response::Accepted { payload, status } => {
//!         assert_eq!(payload.id, "WT1729187424AJCT");
//!         let status = status.unwrap();
//!         assert_eq!((status.code.as_str(), status.common), ("20", CommonStatus::Processing));
//!     }
//!     Response::Rejected { .. } => unreachable!(),
//! }
//!
//! let body = br#"{"code":400,"errors":{"message":"Withdrawal amount exceeds limit"}}"#;
//! match CreatePayoutResponse::read(body, &token)? {
//!     Response::Rejected { code, message, .. } => {
//!         // Safe to treat as not created; show the message as is.
//!         assert_eq!(code, ErrorCode::BadRequest);
//!         assert_eq!(message.as_deref(), Some("Withdrawal amount exceeds limit"));
//!     }
//!     Response::Accepted { .. } => unreachable!(),
//! }
//!
//! // No body (a timeout) or an HTML error page is an error, never a rejection: the payout
//! // may exist. Query it by trans_id instead of marking it failed.
//! assert!(CreatePayoutResponse::read(b"", &token).is_err());
//! assert!(CreatePayoutResponse::read(b"<html>502 Bad Gateway</html>", &token).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # Verify a callback and reply
//!
//! Verify the raw body exactly as received (every field but `sign`, unknown ones included),
//! then answer with the plain text `success`:
//!
//! ```
//! use paywire::{CommonStatus, Money, Secret};
//! use paywire_goldenpay::PayoutNotification;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = Secret::new("goldenpay-test-token");
//! // mch_id as a number, order_amount as a string: the versions of the gateway differ.
//! let body = br#"{
//!   "id": "WT1729187424AJCT",
//!   "trans_id": "2019uZP8KImVd2Xbzae",
//!   "mch_id": 8888,
//!   "order_amount": "100.00",
//!   "status": 60,
//!   "created_at": "2019-04-12 14:12:31",
//!   "payed_at": "2019-04-12 14:20:05",
//!   "sign": "c0feeab0960d44f186c4682ade74bdff"
//! }"#;
//!
//! let verified = PayoutNotification::verify(body, Some("application/json"), &token)?;
//! let n = &verified.notification;
//! assert_eq!((n.trans_id.as_str(), n.mch_id.as_str()), ("2019uZP8KImVd2Xbzae", "8888"));
//! assert_eq!(n.order_amount, Money::from_minor(10_000));
//! assert_eq!(verified.meta.status.as_ref().unwrap().common, CommonStatus::Succeeded);
//! // Record the delivery key to handle repeated deliveries once.
//! assert_eq!(verified.delivery_key(), "payout:2019uZP8KImVd2Xbzae:60");
//! // The HTTP reply the gateway expects.
//! assert_eq!(verified.reply_content_type(), "text/plain");
//! assert_eq!(verified.reply_body(), "success");
//!
//! // A body changed in transit does not verify, and its fields are not returned.
//! let tampered = String::from_utf8(body.to_vec())?.replace("\"100.00\"", "\"900.00\"");
//! assert!(PayoutNotification::verify(tampered.as_bytes(), None, &token).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # Sending with the client (feature `client`, on by default)
//!
//! Every call ends in one of four [`Outcome`]s, and `Outcome` is not a `Result`: an
//! indeterminate payout cannot be turned into "failed" by `?`.
//!
//! ```no_run
//! use paywire::{Credentials, Money, Secret};
//! use paywire_goldenpay::{Client, ClientConfig, Outcome, ReconcilePolicy, CreatePayoutRequest, PayoutNotification, QueryPayoutRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::new(Secret::from_env("GOLDENPAY_TOKEN")?)
//!     .with("authorization", Secret::from_env("GOLDENPAY_AUTHORIZATION")?);
//! let client = Client::new(ClientConfig::new("https://gateway.example", credentials))?;
//! let payout = CreatePayoutRequest::builder()
//!     .mch_id(8888)
//!     .trans_id("T-20261121-0001")
//!     .channel("bank")
//!     .amount(Money::from_minor(10_000))
//!     .currency("VND")
//!     .account_no("2333667799212341")
//!     .account_name("Nguyen Xuan Hung")
//!     .account_org("PVCOMBANK")
//!     .account_org_code("970425")
//!     .callback_url("https://merchant.example/goldenpay/callback")
//!     .nonce("k2j4h5g6")
//!     .timestamp(1_763_700_000)
//!     .build()?;
//! match client.send(&payout).await {
//!     // The order exists (money has not necessarily moved): wait for the notification.
//!     Outcome::Accepted { payload, .. } => println!("created {:?}", payload.id),
//!     // Not created: show the gateway's message verbatim.
//!     Outcome::Rejected { code, message, .. } => println!("refused {code}: {message:?}"),
//!     // Nothing left the machine: safe to send the same request again.
//!     Outcome::NotSent { reason, .. } => println!("not sent: {reason}"),
//!     // It may exist. Never pay again under a new order id: reconcile by our own id.
//!     Outcome::Indeterminate { reason, .. } => {
//!         println!("unknown ({reason}): reconciling");
//!         let query = || {
//!             QueryPayoutRequest::builder()
//!             .id("T-20261121-0001") // our own trans_id: no gateway id exists after a timeout
//!             .mch_id(8888)
//!             .nonce("n0nce-fresh")
//!             .timestamp(1_763_700_060)
//!             .build()
//!             .expect("a valid query")
//!         };
//!         let found = client.reconcile(query, ReconcilePolicy::default()).await;
//!         println!("final: {:?} after {} queries", found.common_status(), found.attempts);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Handling notifications idempotently (axum)
//!
//! The gateway retries and duplicates happen: verify, handle each delivery key once, and always
//! answer the exact reply. A body that fails verification is never trusted: query the order.
//!
//! ```no_run
//! use std::collections::HashSet;
//! use std::sync::{Arc, Mutex};
//!
//! use axum::{Router, body::Bytes, extract::State, http::{HeaderMap, StatusCode}, routing::post};
//! use paywire::Secret;
//! use paywire_goldenpay::PayoutNotification;
//!
//! #[derive(Clone)]
//! struct App {
//!     secret: Secret,
//!     handled: Arc<Mutex<HashSet<String>>>, // use your database in production
//! }
//!
//! async fn notify(State(app): State<App>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
//!     let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
//!     match PayoutNotification::verify(&body, content_type, &app.secret) {
//!         Ok(verified) => {
//!             let first_time = app.handled.lock().map(|mut h| h.insert(verified.delivery_key())).unwrap_or(false);
//!             if first_time {
//!                 // Apply verified.notification exactly once (credit, mark paid...).
//!             }
//!             (StatusCode::OK, verified.reply_body().to_owned())
//!         }
//!         // Forged or corrupted: do not apply it; the order's state comes from the query API.
//!         Err(_) => (StatusCode::BAD_REQUEST, String::new()),
//!     }
//! }
//!
//! # async fn serve() -> std::io::Result<()> {
//! let app = App { secret: Secret::new("platform key"), handled: Default::default() };
//! let router = Router::new().route("/goldenpay/notify", post(notify)).with_state(app);
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! axum::serve(listener, router).await
//! # }
//! ```

#[cfg(feature = "client")]
pub use paywire::{Client, ClientConfig, Outcome, ReconcilePolicy, Reconciliation};

// The provider's logic, generated from `specs/goldenpay.toml` by `cargo xtask codegen`
// (pretty-printed, checked in, and compared with the spec by `cargo xtask check`).
include!("generated.rs");
