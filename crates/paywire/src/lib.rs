//! paywire runtime: what every provider crate and tool shares.
//!
//! - [`Secret`]: merchant keys, masked in Debug and Display, zeroized on drop.
//! - [`Money`]: integer minor units; decimal text is parsed without floating point.
//! - [`sign`]: canonical strings streamed into a digest ([`sign::Digester`]) or into a
//!   [`CanonicalString`] (masked like a secret), signatures, constant-time comparison.
//! - [`received`]: received JSON or form bodies kept exactly as they arrived, so verification
//!   covers every field, unknown ones included, with each number's text as received.
//! - [`validate`], [`read`], [`wire`]: what generated code reports broken rules with, reads
//!   received fields with, and writes bodies with.
//! - [`webhook`]: signatures over a raw body carried in headers (Stripe-, Cashfree-, Square-style
//!   webhooks), with a timestamp tolerance and a [`webhook::ReplayGuard`].
//! - [`Outcome`]: accepted, rejected, not sent or indeterminate: never "unknown" taken for
//!   "failed"; [`outcome::classify`] holds the rules.
//! - [`Request`]: implemented by every generated request, so one client sends any provider's.
//!
//! Generated provider code is the logic itself (signers, validators, readers written out as
//! Rust) and needs only this crate's core. Features add the rest:
//!
//! | feature | what it adds |
//! |---|---|
//! | `md5`, `sha1`, `sha256`, `sha512`, `hmac-sha1`, `hmac-sha256`, `hmac-sha512`, `rsa-sha1`, `rsa-sha256` | the digests a provider's profiles use (RSA: PKCS#1 v1.5 with PEM keys, `rsa_key`) |
//! | `base64` | signatures written in base64 |
//! | `xml` | XML bodies (`xml`: WeChat Pay v2's flat documents, quick-xml) |
//! | `patterns` | field patterns (regex-lite), for providers whose spec has them |
//! | `client` | the reqwest (rustls) `Client`, with `Client::reconcile` |
//! | `dynamic` | the interpreter: [`Gateway`] drives any spec loaded at run time (the CLI, the simulator, user-loaded specs), `signing` explains each step; pulls the spec parser |
//! | `macros` (default) | [`gateway!`], the macro that generates a provider's typed API from its spec |
//!
//! With `dynamic`, signing of any key/value map with a provider's profile:
//!
//! ```
//! # #[cfg(feature = "dynamic")] {
//! use paywire::{Gateway, Secret, received::Object};
//!
//! let gw = Gateway::from_source(r#"
//! [gateway]
//! name = "demo"
//! default_profile = "md5"
//! [profiles.md5]
//! digest = "md5"
//! template = "{pairs}&key={secret}"
//! "#, "demo.toml").unwrap();
//! let body = br#"{"amount":"50000","platform_id":"PF0002","note":""}"#;
//! let fields = Object::from_json(body).unwrap().sign_fields();
//! let (canonical, sign) = gw.sign_fields(None, &fields, &Secret::new("k")).unwrap();
//! assert_eq!(canonical.masked(), "amount=50000&platform_id=PF0002&key=****");
//! assert_eq!(sign.as_str().len(), 32);
//! # }
//! ```

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "dynamic")]
pub mod detect;
pub mod exchange;
#[cfg(feature = "dynamic")]
pub mod gateway;
pub mod money;
pub mod outcome;
pub mod read;
pub mod received;
pub mod request;
#[cfg(any(feature = "rsa-sha1", feature = "rsa-sha256"))]
pub mod rsa_key;
pub mod secret;
pub mod sign;
#[cfg(feature = "dynamic")]
pub mod signing;
pub mod time;
pub mod types;
pub mod validate;
pub mod webhook;
pub mod wire;
#[cfg(feature = "xml")]
pub mod xml;

#[cfg(feature = "client")]
pub use client::{
    Client, ClientConfig, ClientError, DEFAULT_MAX_RESPONSE_BYTES, ReconcilePolicy, Reconciliation,
};
pub use exchange::{
    Credentials, GatewayError, NotificationError, PreparedRequest, Response, ResponseError,
    StoredRequestError, Verified, VerifiedNotification, VerifyOptions,
};
#[cfg(feature = "dynamic")]
pub use gateway::{Accepted, Gateway, Prepared, Rejection, Reply};
pub use money::{Money, MoneyError};
pub use outcome::{Evidence, IndeterminateReason, NotSentReason, Outcome};
#[cfg(feature = "macros")]
pub use paywire_macros::gateway;
#[cfg(feature = "dynamic")]
pub use paywire_spec as spec;
pub use request::Request;
pub use secret::{Secret, SecretError};
pub use serde;
pub use serde_json;
pub use sign::{CanonicalString, Signature, VerifyError};
pub use time::Time;
pub use types::{CommonStatus, ErrorMeaning, GatewayStatus, Method};
pub use validate::{ValidationError, ValidationErrors};
pub use wire::{WireFields, WireValue};

/// Used by generated code; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use itoa;
}
