//! paywire provider for **diamondpay**, generated from `specs/diamondpay.toml`.
//!
//! diamondpay ("Gateway A" of the paywire docs) is a white-label payment aggregator documented at
//! <https://payment-docs-aay.pages.dev/en/>; sister sites (docs.kuipay.co, docs.ppayasia.com,
//! docs.apayasia.com) publish the same API. Each merchant is given its own base URL, a merchant
//! ID (`platform_id`), a platform key that signs requests, and an ID sent as the `Authorization`
//! header of the query and balance calls. This crate is the code generated from
//! `specs/diamondpay.toml` by `cargo xtask codegen` (`src/generated.rs`, pretty-printed, checked
//! in, and compared with the spec by `cargo xtask check`): every type below, and the signing,
//! validation and reading behind them, is plain Rust. No spec is parsed at run time; the
//! interpreter that drives a spec loaded at run time, `paywire::Gateway` (feature `dynamic` of
//! `paywire`), is what the CLI and the simulator use.
//!
//! # Operations
//!
//! | family | operation | request type | wire |
//! |---|---|---|---|
//! | payout | TWD bank card (seed 000) | [`CreatePayoutTwdRequest`] | `POST /gateway/api/v2/payouts`, JSON, signed |
//! | payout | CNY bank card (seed 001) | [`CreatePayoutCnyBankRequest`] | same |
//! | payout | INR (IFSC) | [`CreatePayoutInrRequest`] | same |
//! | payout | CNY Alipay (SVC0033) | [`CreatePayoutCnyAlipayRequest`] | same |
//! | payout | CNY UnionPay (SVC0062) | [`CreatePayoutCnyUnionpayRequest`] | same |
//! | deposit | TWD ATM (seed 003, SVC0025) | [`CreateDepositTwdAtmRequest`] | `POST /gateway/api/v1/payments`, JSON, signed |
//! | deposit | any service (`last_numbers` only for SVC0025) | [`CreateDepositRequest`] | same |
//! | query | payouts | [`QueryPayoutsRequest`] | `GET /gateway/api/v2/payouts?…`, header `Authorization`, each row signed; `total` in [`QueryPayoutsResponse::count`] |
//! | query | payouts, older path | [`QueryPayoutsV1Request`] | `GET /gateway/api/v1/payouts?…`, same |
//! | query | deposits | [`QueryDepositsRequest`] | `GET /gateway/api/v1/payments?…`, header `Authorization`, each row signed |
//! | balance | platform and channels | [`BalanceRequest`] | `GET /gateway/api/v1/platforms/balance`, header `Authorization`, answer signed |
//! | notification | deposit / payout result | [`DepositNotification`], [`PayoutNotification`] | `POST` to `notify_url`, JSON or form, signed; reply `{"error_code":"0000"}` |
//!
//! Every request type has a builder whose `build()` checks each rule of the spec (required
//! fields, `String(n)` lengths, fixed currencies, the IFSC shape, 1 to 10 five-digit
//! `last_numbers`) and names every broken field; nothing is signed or sent before that.
//!
//! # Signing profiles
//!
//! The signed string is every sent field except `sign`, `sign_type` and empty values, sorted by
//! key in ASCII order, joined as `key=value` with `&`, values raw (not URL-encoded); a list such
//! as `last_numbers` enters as compact JSON (`last_numbers=["12345","67890"]`). Two versions of
//! the signature page were published and integrations disagree on how the key is appended, so
//! the spec offers three [`Profile`]s:
//!
//! - [`Profile::Md5`] (`md5`, the default): `…&key=<platform key>`, MD5, lowercase hex, as the
//!   official signature page shows it.
//! - [`Profile::Md5BareKey`] (`md5-bare-key`): `…&<platform key>`, what every public integration
//!   signs with, and **the one a merchant most likely needs** (see the first example below).
//! - [`Profile::HmacSha256`] (`hmac-sha256`): the same string with no key appended,
//!   HMAC-SHA256 keyed with the platform key (64 hex characters); the request also carries
//!   `sign_type=HMAC-SHA256`.
//!
//! `prepare()` signs with the default profile, `prepare_with(profile, …)` with another one.
//! ([`Profile::Balance`] and [`Profile::Channel`] only verify the balance answer.) A signed
//! request's `canonical_string(&key)` (or `canonical_string_with(profile, &key)`) is the string
//! that is hashed, as a [`paywire::CanonicalString`]: it prints masked (`Display`, `Debug` and
//! `masked()` show the key as `****`), and `expose()` gives the exact text.
//!
//! # What an answer means
//!
//! - `"0000"` only means the call was **accepted**: the order exists, not that money moved
//!   (seeds 000 and 001). A payout's or deposit's result comes from the notification or from
//!   [`QueryPayoutsRequest`] / [`QueryDepositsRequest`].
//! - Any other code is a rejection, its code typed as [`ErrorCode`] (unknown codes kept in
//!   [`ErrorCode::Other`]) and its message kept verbatim: safe to treat as not created.
//! - **Never treat a timeout as failed.** A timeout, an HTTP 5xx, an empty body or one that is
//!   not the envelope, after the request was sent, means the result is *unknown*: the order may
//!   exist. Query it by its merchant order ID or wait for the notification. paywire's client
//!   (the default `client` feature) reports this as [`paywire::Outcome::Indeterminate`];
//!   reading such a body with `*Response::read` returns an error, never a rejection.
//! - Notifications are retried up to 10 times within an hour: handle each event once (see
//!   `delivery_key()` on [`paywire::Verified`]), and reply `{"error_code":"0000"}` every time.
//!   A notification that fails verification is not trusted: query the order instead.
//!
//! # Examples
//!
//! ## Pick the signing profile first
//!
//! The official signature page appends `&key=<platform key>` ([`Profile::Md5`], the default),
//! but every public integration of this API that was found (six, in PHP, Go, TypeScript and
//! Java, running in production) appends the key bare, `&<platform key>`
//! ([`Profile::Md5BareKey`]), and verifies the gateway's notifications that way. **Start with
//! `md5-bare-key`**; if the gateway answers `0004` ("Signature verification failed!") to a
//! correct request, switch to `md5` (or let `paywire verify --detect` name the recipe of a body
//! the gateway signed). The default stays `md5` because it is the only published recipe and
//! because changing it would silently change what every existing `prepare()` call signs.
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_diamondpay::{CreatePayoutTwdRequest, Profile};
//!
//! let key = Secret::new("diamondpay-test-key");
//! let credentials = Credentials::new(key.clone());
//! let request = CreatePayoutTwdRequest::builder()
//!     .platform_id("PF0002")
//!     .service_id("SVC0004")
//!     .payout_cl_id("DEVPOT00143538")
//!     .amount(Money::from_minor(50000))
//!     .notify_url("https://xxx.xx/notification")
//!     .bank_code("812")
//!     .number("4088748280272397")
//!     .name("test_name")
//!     .currency("twd")
//!     .request_time(1595504997)
//!     .build()?;
//!
//! // What public integrations sign: the key appended bare (most likely what you need).
//! let bare = request.prepare_with(Profile::Md5BareKey, &credentials)?;
//! let canonical = request.canonical_string_with(Profile::Md5BareKey, &key);
//! assert!(canonical.expose().ends_with("&service_id=SVC0004&diamondpay-test-key"));
//! assert_eq!(bare.signature.as_ref().map(|s| s.to_string()).as_deref(),
//!            Some("a40f3abf17235a9978ec6279562f6541"));
//!
//! // What the signature page shows (the default profile): `&key=<platform key>`.
//! let documented = request.prepare(&credentials)?; // = prepare_with(Profile::Md5, …)
//! assert!(request.canonical_string(&key).expose().ends_with("&service_id=SVC0004&key=diamondpay-test-key"));
//! assert_eq!(documented.signature.as_ref().map(|s| s.to_string()).as_deref(),
//!            Some("db37b1c90256e089794204f9363f3c57"));
//!
//! // The profile can come from configuration by its spec name.
//! assert_eq!(Profile::from_name("md5-bare-key"), Some(Profile::Md5BareKey));
//! assert_eq!(Profile::Md5BareKey.name(), "md5-bare-key");
//!
//! // Notifications are verified with the declared `md5` unless told otherwise: name the
//! // profile in VerifyOptions (query answers: `QueryPayoutsResponse::read_as(…, Some(profile))`).
//! let notification = Profile::Md5BareKey.sign_json(
//!     br#"{"payout_id":"POT1","payout_cl_id":"DEVPOT00143538","platform_id":"PF0002","amount":50000,"fee":1000,"status":3,"create_time":1595504997,"update_time":1595505611}"#,
//!     &key,
//! )?;
//! let options = paywire::VerifyOptions { profile: Some("md5-bare-key"), ..Default::default() };
//! let verified = paywire_diamondpay::PayoutNotification::verify_with(
//!     notification.as_bytes(), Some("application/json"), &key, &options)?;
//! assert_eq!(verified.notification.real_amount, None); // optional in payout notifications
//! assert_eq!(verified.notification.create_time, paywire::Time::Unix(1595504997));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Create a payout (TWD) with `prepare()`
//!
//! Seed 000's request example, signed with the default `md5` profile:
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_diamondpay::CreatePayoutTwdRequest;
//!
//! let key = Secret::new("diamondpay-test-key");
//! let credentials = Credentials::new(key.clone());
//! let request = CreatePayoutTwdRequest::builder()
//!     .platform_id("PF0002")
//!     .service_id("SVC0004")
//!     .payout_cl_id("DEVPOT00143538")
//!     .amount(Money::from_minor(50000)) // TWD 500.00, in cents
//!     .notify_url("https://xxx.xx/notification")
//!     .bank_code("812")
//!     .number("4088748280272397")
//!     .name("test_name")
//!     .currency("twd")
//!     .request_time(1595504997)
//!     .build()?;
//! let prepared = request.prepare(&credentials)?;
//!
//! assert_eq!(prepared.path, "/gateway/api/v2/payouts");
//! assert_eq!(prepared.content_type, Some("application/json"));
//! // The string that was hashed prints masked; `expose()` gives the exact text.
//! let canonical = request.canonical_string(&key);
//! assert_eq!(
//!     canonical.to_string(),
//!     "amount=50000&bank_code=812&currency=twd&name=test_name\
//!      &notify_url=https://xxx.xx/notification&number=4088748280272397\
//!      &payout_cl_id=DEVPOT00143538&platform_id=PF0002&request_time=1595504997\
//!      &service_id=SVC0004&key=****"
//! );
//! assert_eq!(canonical.to_string(), canonical.masked());
//! assert!(canonical.expose().ends_with("&service_id=SVC0004&key=diamondpay-test-key"));
//! let sign = prepared.signature.as_ref().expect("signed").to_string();
//! assert_eq!(sign, "db37b1c90256e089794204f9363f3c57");
//! // amount and request_time go out as JSON strings, as in the seed's example.
//! assert_eq!(
//!     prepared.body.as_deref(),
//!     Some(
//!         r#"{"platform_id":"PF0002","service_id":"SVC0004","payout_cl_id":"DEVPOT00143538","amount":"50000","notify_url":"https://xxx.xx/notification","bank_code":"812","number":"4088748280272397","name":"test_name","currency":"twd","request_time":"1595504997","sign":"db37b1c90256e089794204f9363f3c57"}"#
//!     )
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Create a deposit (TWD ATM) with `last_numbers`
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_diamondpay::CreateDepositTwdAtmRequest;
//!
//! let key = Secret::new("diamondpay-test-key");
//! let credentials = Credentials::new(key.clone());
//! let builder = CreateDepositTwdAtmRequest::builder()
//!     .platform_id("PF0003")
//!     .service_id("SVC0025")
//!     .payment_cl_id("test_tw_card_1766005863_25")
//!     .amount(Money::from_minor(48389))
//!     .name("王小明")
//!     .notify_url("https://merchant.example/notify/deposit")
//!     .request_time(1766005863);
//! let request = builder
//!     .clone()
//!     .last_numbers(["12345", "67890", "11111"])
//!     .build()?;
//! let prepared = request.prepare(&credentials)?;
//! let canonical = request.canonical_string(&key).masked();
//! // The list enters the signed string as compact JSON.
//! assert!(canonical.contains(r#"&last_numbers=["12345","67890","11111"]&"#));
//! let body = prepared.body.as_deref().unwrap_or_default();
//! assert!(body.contains(r#""amount":48389,"last_numbers":["12345","67890","11111"]"#));
//!
//! // One to ten entries of five digits: anything else is refused before signing.
//! let err = builder.last_numbers(vec!["12345"; 11]).build().unwrap_err();
//! assert!(err.names("last_numbers"));
//! assert_eq!(
//!     err.to_string(),
//!     "invalid request: `last_numbers` has 11 items; at most 10 are allowed"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Query payouts with the `Authorization` header
//!
//! The query itself is not signed; the merchant's ID goes in the `Authorization` header (the
//! credential named `authorization`), and every returned row carries its own `sign`.
//!
//! ```
//! use paywire::{Credentials, Secret};
//! use paywire_diamondpay::QueryPayoutsRequest;
//!
//! let credentials = Credentials::new(Secret::new("diamondpay-test-key"))
//!     .with("authorization", Secret::new("MERCHANT-AUTH-ID"));
//! let prepared = QueryPayoutsRequest::builder()
//!     .payout_cl_id("DEVPOT00143538")
//!     .limit(50)
//!     .build()?
//!     .prepare(&credentials)?;
//!
//! assert_eq!(prepared.method.as_str(), "GET");
//! assert_eq!(prepared.query.as_deref(), Some("limit=50&payout_cl_id=DEVPOT00143538"));
//! assert_eq!(
//!     prepared.path_and_query(),
//!     "/gateway/api/v2/payouts?limit=50&payout_cl_id=DEVPOT00143538"
//! );
//! assert!(prepared.signature.is_none() && prepared.body.is_none());
//! let (name, value) = &prepared.headers[0];
//! assert_eq!(name, "Authorization");
//! assert_eq!(value.expose(), "MERCHANT-AUTH-ID"); // what goes on the wire
//! assert_eq!(value.to_string(), "****"); // what logs show
//!
//! // Without the credential, nothing is prepared.
//! let err = QueryPayoutsRequest::builder()
//!     .build()?
//!     .prepare(&Credentials::new(Secret::new("diamondpay-test-key")))
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "header `Authorization` needs the credential `authorization`, which was not given"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Read a response
//!
//! ```
//! use paywire::{Response, Secret};
//! use paywire_diamondpay::{CreatePayoutTwdResponse, ErrorCode, QueryPayoutsResponse};
//!
//! let secret = Secret::new("diamondpay-test-key");
//!
//! // Accepted: the payout exists. It is not paid yet.
//! let body = br#"{"error_code":"0000","data":{"payout_id":"POT00000001"}}"#;
//! let Response::Accepted { payload, .. } = CreatePayoutTwdResponse::read(body, &secret)? else {
//!     panic!("accepted")
//! };
//! assert_eq!(payload.payout_id, "POT00000001");
//!
//! // Rejected: the code typed, the message verbatim. Safe to treat as not created.
//! let body = br#"{"error_code":"0004","error_msg":"Signature verification failed!"}"#;
//! let Response::Rejected { code, message, .. } = CreatePayoutTwdResponse::read(body, &secret)?
//! else {
//!     panic!("rejected")
//! };
//! assert_eq!(code, ErrorCode::SignatureVerificationFailed);
//! assert_eq!(message.as_deref(), Some("Signature verification failed!"));
//!
//! // Not the envelope (a proxy's error page): an error, never a rejection. The payout may
//! // exist: query it or wait for the notification.
//! assert!(CreatePayoutTwdResponse::read(b"<html>502 Bad Gateway</html>", &secret).is_err());
//!
//! // Query rows are trusted only once each row's own sign verifies.
//! let body = br#"{"error_code":"0000","data":[{"payout_id":"POT00000001","payout_cl_id":"DEVPOT00143538","platform_id":"PF0002","amount":50000,"real_amount":50000,"fee":1000,"status":3,"create_time":1595504997,"update_time":1595505611,"sign":"dde395a056416d5ce517ccc739e2fcaf"}]}"#;
//! let Response::Accepted { payload, .. } = QueryPayoutsResponse::read(body, &secret)? else {
//!     panic!("accepted")
//! };
//! assert_eq!(payload.rows[0].status, Some(3)); // 3: completed
//! let tampered = String::from_utf8_lossy(body).replace(r#""fee":1000"#, r#""fee":1"#);
//! let err = QueryPayoutsResponse::read(tampered.as_bytes(), &secret).unwrap_err();
//! assert!(err.to_string().starts_with("row 0: signature verification failed"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Verify a notification and reply
//!
//! ```
//! use paywire::{CommonStatus, Secret};
//! use paywire_diamondpay::DepositNotification;
//!
//! let secret = Secret::new("diamondpay-test-key");
//! let body = r#"{"payment_id":"DEVPM00000018","payment_cl_id":"test_tw_card_1766005863_25","platform_id":"PF0003","payment_cl_name":"王小明","amount":48389,"real_amount":48389,"fee":484,"status":2,"create_time":1766005863,"update_time":1766006170,"sign":"d4009d609a2af4f278f288cd63d8f76c"}"#.as_bytes();
//!
//! let verified = DepositNotification::verify(body, Some("application/json"), &secret)?;
//! let deposit = &verified.notification;
//! assert_eq!(deposit.payment_cl_id, "test_tw_card_1766005863_25");
//! assert_eq!(deposit.real_amount.minor(), 48389);
//! // Credit only on status 2 (completed); handle each delivery once.
//! assert_eq!(verified.meta.status.as_ref().map(|s| s.common), Some(CommonStatus::Succeeded));
//! assert_eq!(verified.delivery_key(), "deposit:test_tw_card_1766005863_25:2");
//! // The exact reply the gateway expects (else it retries).
//! assert_eq!(verified.reply_body(), r#"{"error_code":"0000"}"#);
//! assert_eq!(verified.reply_content_type(), "application/json");
//!
//! // A changed field fails verification and yields no payload.
//! let forged = String::from_utf8_lossy(body).replace(r#""real_amount":48389"#, r#""real_amount":4838900"#);
//! assert_ne!(forged.as_bytes(), body);
//! assert!(DepositNotification::verify(forged.as_bytes(), None, &secret).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Sign with the HMAC-SHA256 profile
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_diamondpay::{CreatePayoutTwdRequest, Profile};
//!
//! let key = Secret::new("diamondpay-test-key");
//! let credentials = Credentials::new(key.clone());
//! let request = CreatePayoutTwdRequest::builder()
//!     .platform_id("PF0002")
//!     .service_id("SVC0004")
//!     .payout_cl_id("DEVPOT00143538")
//!     .amount(Money::from_minor(50000))
//!     .bank_code("812")
//!     .number("4088748280272397")
//!     .currency("twd")
//!     .request_time(1595504997)
//!     .build()?;
//! let prepared = request.prepare_with(Profile::HmacSha256, &credentials)?;
//!
//! // Same string, no key in it: the key is the HMAC key. sign_type is sent, not signed.
//! let canonical = request.canonical_string_with(Profile::HmacSha256, &key);
//! assert_eq!(canonical.masked(), canonical.expose());
//! assert_eq!(
//!     canonical.masked(),
//!     "amount=50000&bank_code=812&currency=twd&number=4088748280272397\
//!      &payout_cl_id=DEVPOT00143538&platform_id=PF0002&request_time=1595504997\
//!      &service_id=SVC0004"
//! );
//! assert_eq!(prepared.signature, Some(request.signature_with(Profile::HmacSha256, &key)));
//! assert_eq!(prepared.signature.as_ref().expect("signed").as_str().len(), 64);
//! assert!(prepared.body.as_deref().unwrap_or_default().contains(r#""sign_type":"HMAC-SHA256""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sending with the client (feature `client`, on by default)
//!
//! Every call ends in one of four [`Outcome`]s, and `Outcome` is not a `Result`: an
//! indeterminate payout cannot be turned into "failed" by `?`.
//!
//! ```no_run
//! use paywire::{Credentials, Money, Secret};
//! use paywire_diamondpay::{Client, ClientConfig, Outcome, ReconcilePolicy, CreatePayoutTwdRequest, PayoutNotification, QueryPayoutsRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = Credentials::new(Secret::from_env("DIAMONDPAY_KEY")?)
//!     .with("authorization", Secret::from_env("DIAMONDPAY_AUTHORIZATION")?);
//! let client = Client::new(ClientConfig::new("https://gateway.example", credentials))?;
//! let payout = CreatePayoutTwdRequest::builder()
//!     .platform_id("PF0002")
//!     .service_id("SVC0004")
//!     .payout_cl_id("DEVPOT00143538")
//!     .amount(Money::from_minor(50_000))
//!     .notify_url("https://merchant.example/diamondpay/notify")
//!     .bank_code("812")
//!     .number("4088748280272397")
//!     .currency("twd")
//!     .request_time(1_763_700_000)
//!     .build()?;
//! match client.send(&payout).await {
//!     // The order exists (money has not necessarily moved): wait for the notification.
//!     Outcome::Accepted { payload, .. } => println!("created {:?}", payload.payout_id),
//!     // Not created: show the gateway's message verbatim.
//!     Outcome::Rejected { code, message, .. } => println!("refused {code}: {message:?}"),
//!     // Nothing left the machine: safe to send the same request again.
//!     Outcome::NotSent { reason, .. } => println!("not sent: {reason}"),
//!     // It may exist. Never pay again under a new order id: reconcile by our own id.
//!     Outcome::Indeterminate { reason, .. } => {
//!         println!("unknown ({reason}): reconciling");
//!         let query = || {
//!             QueryPayoutsRequest::builder()
//!             .payout_cl_id("DEVPOT00143538") // our own id: no gateway id exists after a timeout
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
//! use paywire_diamondpay::PayoutNotification;
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
//! let router = Router::new().route("/diamondpay/notify", post(notify)).with_state(app);
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! axum::serve(listener, router).await
//! # }
//! ```

#[cfg(feature = "client")]
pub use paywire::{Client, ClientConfig, Outcome, ReconcilePolicy, Reconciliation};

// The provider's logic, generated from `specs/diamondpay.toml` by `cargo xtask codegen`
// (pretty-printed, checked in, and compared with the spec by `cargo xtask check`).
include!("generated.rs");
