//! paywire provider for intqp, generated from `specs/intqp.toml`.
//!
//! intqp (<https://doc.intqp.com>) is a payment gateway for withdrawals (payouts, `POST /applyfor`)
//! and deposits (pay-ins, `POST /pay`) through channels named by a `pay_code`. Each channel takes
//! its own fields: `POST /channel/formRule` returns them, and a request can be checked against
//! them before it is sent ([`FormRuleResponseData::check`]). Everything in this crate except that
//! check (`src/form_rules.rs`) is the code generated from `specs/intqp.toml` by
//! `cargo xtask codegen` (`src/generated.rs`, pretty-printed, checked in, and compared with the
//! spec by `cargo xtask check`). No spec is parsed at run time; the interpreter that drives a
//! spec loaded at run time, `paywire::Gateway` (feature `dynamic` of `paywire`), is what the CLI
//! and the simulator use. With the `client` feature (on by default), `paywire::Client` sends
//! these requests and tells accepted, rejected, not sent and indeterminate apart.
//!
//! | operation | request | response |
//! |---|---|---|
//! | withdrawal, `POST /applyfor` (JSON) | [`WithdrawRequest`] | [`WithdrawResponse`] |
//! | deposit, `POST /pay` (JSON) | [`DepositRequest`] | [`DepositResponse`] |
//! | channel form rules, `POST /channel/formRule` (JSON) | [`FormRuleRequest`] | [`FormRuleResponse`] |
//!
//! # Signing
//!
//! Every request carries `sign`: the sent fields sorted by name in ASCII order, `key=value`
//! joined with `&`, the merchant key appended, MD5, **uppercase hex**. `sign` itself and empty
//! values are left out (the docs do not say; every gateway of this family does). Where the key
//! goes is not clear from the docs, so there are two profiles ([`Profile`]):
//!
//! - [`Profile::Md5`], the default: the key appended bare, `…&userip=127.0.0.1<key>` (the
//!   literal reading of "add merchant secret key at the end of the string");
//! - [`Profile::Md5Key`]: the key appended as `&key=<key>`; pick it with `prepare_with`.
//!
//! A request's `canonical_string(&key)` (or `canonical_string_with(profile, &key)`) is the
//! string that is hashed, as a [`paywire::CanonicalString`]: it prints masked (`Display`,
//! `Debug` and `masked()` show the key as `****`), and `expose()` gives the exact text.
//!
//! # Responses
//!
//! Every response is `{"status":10000,"result":{...},"sign":"<32 uppercase hex>"}`, and
//! responses are signed: `read` verifies `sign` over every other top-level field as received
//! (`status`, and `result` as compact JSON) with the default profile before anything is parsed,
//! and a success whose `sign` is missing or wrong is an error, not a payload. The docs show no
//! error body; one without a `sign` is taken as the rejection it says, one with a `sign` must
//! verify. `status` is the result:
//!
//! | `status` | meaning | read as |
//! |---|---|---|
//! | 10000 | success | [`paywire::Response::Accepted`] |
//! | 10001 | parameter error | `Rejected` with [`ErrorCode::ParameterError`] |
//! | 10002 | signature verification failed | [`ErrorCode::SignatureVerificationFailed`] |
//! | 10003 | duplicate order number | [`ErrorCode::DuplicateOrder`] |
//! | 10004 | amount format error | [`ErrorCode::AmountFormatError`] |
//! | 10005 | bank ID does not exist | [`ErrorCode::BankIdDoesNotExist`] |
//! | 10006 | insufficient balance | [`ErrorCode::InsufficientBalance`] |
//! | 10007 | withdrawal limit exceeded | [`ErrorCode::WithdrawalLimitExceeded`] |
//!
//! Any other code is kept verbatim as [`ErrorCode::Other`]. Accepted means the order exists, not
//! that money moved.
//!
//! **10003 is not a failure of the order.** It means an order with this `orderid` already
//! exists: a retry with the same `orderid` is safe (it cannot create a second order), and a
//! `DuplicateOrder` answer to it tells you the first request went through. Never retry with a
//! new `orderid` after a timeout or an unreadable answer.
//!
//! # Reconciling
//!
//! The docs describe no query API (so `Client::reconcile` has nothing to poll), and the
//! notification format is not documented either (so this crate has no notification type yet).
//! After an indeterminate call (timeout, 5xx, an unreadable body), resubmit the same order with
//! the same `orderid`, amount and account (a fresh `timestamp` is fine: the docs warn that it is
//! checked, and the signature is recomputed): `Accepted` means it is created now,
//! [`ErrorCode::DuplicateOrder`] means the first request created it. Neither says whether money
//! moved, and `DuplicateOrder` does not show the first order's details: the final state comes
//! with the asynchronous notification to `notify_url`.
//!
//! # Form rules
//!
//! Fetch the rules of the channel, read the signed answer, then check a withdrawal against them
//! before sending it. Every broken rule is reported at once, each naming its field.
//!
//! ```
//! use paywire::{Credentials, Money, Response, Secret};
//! use paywire_intqp::{FormRuleRequest, FormRuleResponse, Profile, WithdrawRequest};
//!
//! let secret = Secret::new("merchant-key");
//! let ask = FormRuleRequest::builder()
//!     .uid("test1")
//!     .currency("KRW")
//!     .pay_code("1004")
//!     .timestamp(1758210270)
//!     .userip("127.0.0.1")
//!     .build()?;
//! let prepared = ask.prepare(&Credentials::new(secret.clone()))?;
//! assert_eq!(prepared.path, "/channel/formRule");
//!
//! // The gateway's answer (seed 004's example), signed here as the gateway would sign it.
//! let answer = br#"{"status":10000,"result":{"data":{
//!     "pay_code":"1004","name":"Korea Withdrawal","description":"Withdrawal through Korea payment",
//!     "form_fields":[
//!       {"name":"bank_id","label":"Bank ID","type":"select","required":true,"max_length":100,
//!        "options":[{"bankID":1001,"name":"KB Kookmin Bank"}],
//!        "validation_rules":["required","integer"]},
//!       {"name":"bank_account","label":"Account Holder Name","type":"input","required":true,
//!        "max_length":50,"options":null,"validation_rules":["required","string","max:50"]}]}}}"#;
//! let answer = Profile::DEFAULT.sign_json(answer, &secret)?;
//! let Response::Accepted { payload, .. } = FormRuleResponse::read(answer.as_bytes(), &secret)?
//! else {
//!     panic!("the channel's rules");
//! };
//! let rules = payload.data.expect("result.data");
//!
//! let withdrawal = WithdrawRequest::builder()
//!     .uid("test1")
//!     .currency("KRW")
//!     .orderid("W202611210001")
//!     .notify_url("https://merchant.example/notify")
//!     .amount(Money::from_minor(1_000_000)) // "10000.00"
//!     .userip("127.0.0.1")
//!     .timestamp(1758210270)
//!     .bank_id(9999)
//!     .pay_code("1004")
//!     .build()?; // the spec's own rules hold
//! let err = rules.check_withdraw(&withdrawal).unwrap_err(); // the channel's do not
//! assert_eq!(
//!     err.to_string(),
//!     "invalid request: `bank_id` must be one of: 1001; `bank_account` is required"
//! );
//!
//! let withdrawal = WithdrawRequest {
//!     bank_id: Some(1001),
//!     bank_account: Some("Kim Minsu".into()),
//!     ..withdrawal
//! };
//! assert_eq!(rules.check_withdraw(&withdrawal), Ok(()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Withdrawal
//!
//! Build (the spec's rules are checked: required fields, two-decimal amounts, the IFSC required
//! for INR), then prepare: validated, signed and encoded, exactly as it will be sent.
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_intqp::{Profile, WithdrawRequest};
//!
//! let withdrawal = WithdrawRequest::builder()
//!     .uid("test1")
//!     .currency("INR")
//!     .orderid("W202611210001")
//!     .notify_url("https://merchant.example/notify")
//!     .amount(Money::from_minor(10_050)) // "100.50"
//!     .userip("127.0.0.1")
//!     .timestamp(1758210270)
//!     .bank_account("Ravi Kumar")
//!     .bank_no("001234567890")
//!     .bank_ifsc("SBIN0001234")
//!     .pay_code("1004")
//!     .build()?;
//! let key = Secret::new("merchant-key");
//! let credentials = Credentials::new(key.clone());
//! let prepared = withdrawal.prepare(&credentials)?;
//! assert_eq!(prepared.path, "/applyfor");
//! // The string that is hashed prints masked; `expose()` gives the exact text.
//! let canonical = withdrawal.canonical_string(&key);
//! assert!(canonical.expose().ends_with("&userip=127.0.0.1merchant-key"));
//! assert_eq!(
//!     canonical.to_string(),
//!     "amount=100.50&bank_account=Ravi Kumar&bank_ifsc=SBIN0001234&bank_no=001234567890\
//!      &currency=INR&notify_url=https://merchant.example/notify&orderid=W202611210001\
//!      &pay_code=1004&timestamp=1758210270&uid=test1&userip=127.0.0.1****"
//! );
//! assert_eq!(
//!     prepared.body.as_deref().unwrap(),
//!     r#"{"uid":"test1","currency":"INR","orderid":"W202611210001","notify_url":"https://merchant.example/notify","amount":"100.50","userip":"127.0.0.1","timestamp":1758210270,"bank_account":"Ravi Kumar","bank_no":"001234567890","bank_ifsc":"SBIN0001234","pay_code":"1004","sign":"0E32055827720964D006E29C426B2C15"}"#
//! );
//!
//! // The other reading of "add the key at the end".
//! let prepared = withdrawal.prepare_with(Profile::Md5Key, &credentials)?;
//! let canonical = withdrawal.canonical_string_with(Profile::Md5Key, &key);
//! assert!(canonical.masked().ends_with("&userip=127.0.0.1&key=****"));
//! assert_eq!(prepared.signature, Some(withdrawal.signature_with(Profile::Md5Key, &key)));
//!
//! // Bad input is refused before anything is sent, naming each field.
//! let err = WithdrawRequest::builder().uid("test1").currency("INR").build().unwrap_err();
//! assert!(err.names("orderid") && err.names("amount") && err.names("pay_code"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Deposit
//!
//! ```
//! use paywire::{Credentials, Money, Secret};
//! use paywire_intqp::DepositRequest;
//!
//! let deposit = DepositRequest::builder()
//!     .uid("test1")
//!     .currency("VND")
//!     .orderid("D202611210001")
//!     .notify_url("https://merchant.example/notify")
//!     .return_url("https://merchant.example/return")
//!     .amount(Money::from_minor(5_000_000)) // "50000.00"
//!     .userip("10.0.0.8")
//!     .timestamp(1758210270)
//!     .pay_code("2001")
//!     .path_type("2") // the custom checkout
//!     .build()?;
//! let prepared = deposit.prepare(&Credentials::new(Secret::new("merchant-key")))?;
//! assert_eq!(prepared.path, "/pay");
//! assert_eq!(
//!     prepared.body.as_deref().unwrap(),
//!     r#"{"uid":"test1","currency":"VND","orderid":"D202611210001","notify_url":"https://merchant.example/notify","return_url":"https://merchant.example/return","amount":"50000.00","userip":"10.0.0.8","timestamp":1758210270,"pay_code":"2001","path_type":"2","sign":"254C73E8666C27562679886117017541"}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading a response
//!
//! ```
//! use paywire::{Response, ResponseError, Secret};
//! use paywire_intqp::{ErrorCode, Profile, WithdrawResponse};
//!
//! let secret = Secret::new("merchant-key");
//! // Signed here as the gateway would sign it.
//! let sign = |body: &str| Profile::DEFAULT.sign_json(body.as_bytes(), &secret).unwrap();
//!
//! // Accepted: the order exists (not that money moved).
//! let body = sign(r#"{"status":10000,"result":{"transactionid":"123"}}"#);
//! match WithdrawResponse::read(body.as_bytes(), &secret)? {
//!     Response::Accepted { payload, .. } => {
//!         assert_eq!(payload.transactionid.as_deref(), Some("123"))
//!     }
//!     other => panic!("{other:?}"),
//! }
//!
//! // Rejected, with the typed code and the message verbatim.
//! let body = sign(r#"{"status":10006,"result":null,"msg":"Insufficient balance"}"#);
//! let Response::Rejected { code, message, .. } = WithdrawResponse::read(body.as_bytes(), &secret)?
//! else {
//!     panic!("rejected");
//! };
//! assert_eq!(code, ErrorCode::InsufficientBalance);
//! assert_eq!(message.as_deref(), Some("Insufficient balance"));
//!
//! // 10003 on a retry with the same orderid: the first request created the order.
//! let body = sign(r#"{"status":10003,"result":null}"#);
//! let read = WithdrawResponse::read(body.as_bytes(), &secret)?;
//! assert!(matches!(read, Response::Rejected { code: ErrorCode::DuplicateOrder, .. }));
//!
//! // A body whose sign does not verify is not trusted.
//! let forged = br#"{"status":10000,"result":{"transactionid":"123"},
//!                    "sign":"00000000000000000000000000000000"}"#;
//! assert!(matches!(
//!     WithdrawResponse::read(forged, &secret),
//!     Err(ResponseError::Signature(_))
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sending with the client (feature `client`, on by default)
//!
//! Every call ends in one of four [`Outcome`]s, and `Outcome` is not a `Result`: an
//! indeterminate withdrawal cannot be turned into "failed" by `?`. intqp documents no query API
//! and no notification format, so an indeterminate withdrawal is reconciled by resubmitting the
//! same `orderid`: `10003 DuplicateOrder` proves the first one went through.
//!
//! ```no_run
//! use paywire::{Credentials, Money, Secret};
//! use paywire_intqp::{Client, ClientConfig, ErrorCode, Outcome, ReconcilePolicy, WithdrawRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(ClientConfig::new(
//!     "https://gateway.example",
//!     Credentials::new(Secret::from_env("INTQP_KEY")?),
//! ))?;
//! let withdrawal = WithdrawRequest::builder()
//!     .uid("test1")
//!     .currency("VND")
//!     .orderid("W202611210001")
//!     .notify_url("https://merchant.example/intqp/notify")
//!     .amount(Money::from_minor(10_050))
//!     .userip("203.0.113.7")
//!     .timestamp(1_763_700_000)
//!     .pay_code("1004")
//!     .build()?;
//! match client.send(&withdrawal).await {
//!     Outcome::Accepted { payload, .. } => println!("created {:?}", payload.transactionid),
//!     Outcome::Rejected { code: ErrorCode::DuplicateOrder, .. } => println!("already exists"),
//!     Outcome::Rejected { code, message, .. } => println!("refused {code}: {message:?}"),
//!     Outcome::NotSent { reason, .. } => println!("not sent, safe to retry: {reason}"),
//!     Outcome::Indeterminate { reason, .. } => {
//!         println!("unknown ({reason}): resubmitting the same orderid");
//!         let found = client.reconcile(|| withdrawal.clone(), ReconcilePolicy::default()).await;
//!         println!("order exists: {}", found.last.proves_order_exists());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "client")]
pub use paywire::{Client, ClientConfig, Outcome, ReconcilePolicy, Reconciliation};

mod form_rules;

// The provider's logic, generated from `specs/intqp.toml` by `cargo xtask codegen`
// (pretty-printed, checked in, and compared with the spec by `cargo xtask check`).
include!("generated.rs");
