//! paywire runtime: what every provider crate and tool shares.
//!
//! - [`Secret`]: merchant keys, masked in Debug and Display, zeroized on drop.
//! - [`Money`]: integer minor units; decimal text is parsed without floating point.
//! - [`signing`]: canonical strings (a value with `Display`), digests (md5, sha256,
//!   hmac-sha256), constant-time verification, and an explanation of each step.
//! - [`received`]: received JSON or form bodies kept exactly as they arrived, so verification
//!   covers every field, unknown ones included, with each number's text as received.
//! - [`validate`]: a spec's field rules checked before anything is sent.
//! - [`Gateway`]: any spec driven at run time (prepare, read responses, verify notifications).
//! - [`Outcome`]: accepted, rejected, not sent or indeterminate: never "unknown" taken for
//!   "failed"; [`outcome::classify`] holds the rules.
//! - [`Request`]: implemented by every generated request, so one client sends any provider's.
//! - `client` (feature `client`): the reqwest (rustls) client, with `Client::reconcile`.
//! - [`gateway!`]: the macro that generates a provider's typed API from its spec.
//!
//! Dynamic signing of any key/value map with a provider's profile:
//!
//! ```
//! use paywire::{Gateway, Secret, received::Object, signing};
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
//! ```

#[cfg(feature = "client")]
pub mod client;
pub mod gateway;
pub mod money;
pub mod outcome;
pub mod read;
pub mod received;
pub mod request;
pub mod secret;
pub mod signing;
pub mod validate;
pub mod wire;

#[cfg(feature = "client")]
pub use client::{Client, ClientConfig, ClientError, ReconcilePolicy, Reconciliation};
pub use gateway::{
    Accepted, Credentials, Gateway, GatewayError, GatewayStatus, NotificationError,
    PreparedRequest, Rejection, Reply, Response, ResponseError, Verified, VerifiedNotification,
};
pub use money::{Money, MoneyError};
pub use outcome::{Evidence, IndeterminateReason, NotSentReason, Outcome};
pub use paywire_macros::gateway;
pub use paywire_spec as spec;
pub use paywire_spec::CommonStatus;
pub use request::Request;
pub use secret::{Secret, SecretError};
pub use serde;
pub use serde_json;
pub use signing::{CanonicalString, Signature, VerifyError};
pub use validate::{ValidationError, ValidationErrors};
pub use wire::{WireFields, WireValue};

/// Helpers used by generated code; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde_json;

    use crate::read::FromObject;
    use crate::received::Object;
    use crate::{Gateway, NotificationError, Reply, Response, ResponseError, Secret, Verified};

    /// The gateway of an embedded spec. The macro validated this exact text at compile time
    /// (`include_str!` of the same file), so it cannot fail here.
    pub fn embedded(src: &str, file: &str) -> Gateway {
        match Gateway::from_source(src, file) {
            Ok(g) => g,
            Err(e) => {
                panic!("embedded spec {file} no longer validates (it did at compile time): {e}")
            }
        }
    }

    /// A profile the generated code names (generated from the same spec).
    pub fn recipe<'a>(gw: &'a Gateway, name: &str) -> &'a crate::spec::Recipe {
        match gw.profile(Some(name)) {
            Ok(r) => r,
            Err(e) => panic!("generated code and embedded spec disagree: {e}"),
        }
    }

    /// An operation the generated code names (generated from the same spec).
    pub fn operation<'a>(gw: &'a Gateway, name: &str) -> &'a crate::spec::Operation {
        match gw.operation(name) {
            Ok(o) => o,
            Err(e) => panic!("generated code and embedded spec disagree: {e}"),
        }
    }

    /// The error of a required field that is absent.
    pub fn required(field: &str) -> crate::ValidationErrors {
        crate::ValidationErrors(vec![crate::ValidationError {
            field: field.to_owned(),
            rule: crate::validate::Rule::Required,
        }])
    }

    /// The request fields of an operation, or of a nested object along `path`.
    pub fn request_fields<'a>(
        gw: &'a Gateway,
        op: &str,
        path: &[&str],
    ) -> &'a [crate::spec::Field] {
        let mut fields: &[crate::spec::Field] = &operation(gw, op).request;
        for name in path {
            match fields.iter().find(|f| f.name == *name) {
                Some(f) => fields = &f.fields,
                None => {
                    panic!("generated code and embedded spec disagree: no field {name} in {op}")
                }
            }
        }
        fields
    }

    /// Read a response and type its payload.
    pub fn read_response<T: FromObject, E>(
        gw: &Gateway,
        op: &str,
        body: &[u8],
        secret: &Secret,
        code: impl Fn(&str) -> E,
    ) -> Result<Response<T, E>, ResponseError> {
        match gw.read_response(op, body, secret)? {
            Reply::Accepted(a) => {
                let obj = Object::from_raw(&a.payload).unwrap_or_default();
                Ok(Response::Accepted {
                    payload: T::from_object(&obj)?,
                    status: a.status,
                })
            }
            Reply::Rejected(r) => Ok(Response::Rejected {
                code: code(&r.code),
                raw_code: r.code,
                message: r.message,
            }),
        }
    }

    /// Read a response whose payload is a list of rows, and type each row.
    pub fn read_response_rows<T: FromObject, E>(
        gw: &Gateway,
        op: &str,
        body: &[u8],
        secret: &Secret,
        code: impl Fn(&str) -> E,
    ) -> Result<Response<Vec<T>, E>, ResponseError> {
        match gw.read_response(op, body, secret)? {
            Reply::Accepted(a) => {
                let text = a.payload.sign_text().unwrap_or_default();
                let list: Vec<Box<serde_json::value::RawValue>> =
                    if text.trim().is_empty() || text == "null" {
                        Vec::new()
                    } else {
                        serde_json::from_str(&text).map_err(|_| {
                            ResponseError::Payload(crate::read::ReadError {
                                field: "(payload)".to_owned(),
                                expected: "a list of rows",
                                found: text.chars().take(60).collect(),
                            })
                        })?
                    };
                let rows = list
                    .into_iter()
                    .map(|r| {
                        let obj =
                            Object::from_raw(&crate::received::Raw::Json(r)).unwrap_or_default();
                        T::from_object(&obj)
                    })
                    .collect::<Result<Vec<T>, _>>()?;
                Ok(Response::Accepted {
                    payload: rows,
                    status: a.status,
                })
            }
            Reply::Rejected(r) => Ok(Response::Rejected {
                code: code(&r.code),
                raw_code: r.code,
                message: r.message,
            }),
        }
    }

    /// Verify a notification and type it.
    pub fn verify_notification<T: FromObject>(
        gw: &Gateway,
        name: &str,
        body: &[u8],
        content_type: Option<&str>,
        secret: &Secret,
    ) -> Result<Verified<T>, NotificationError> {
        let meta = gw.verify_notification(name, body, content_type, secret)?;
        let notification = T::from_object(&meta.fields)?;
        Ok(Verified { notification, meta })
    }
}
