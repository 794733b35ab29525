//! What a request and its answer are, whichever engine made them: the merchant's credentials,
//! a prepared request, a typed response, verified notifications, and their errors.

use std::collections::BTreeMap;
use std::fmt;

use crate::Secret;
use crate::received::{Object, ReceiveError};
use crate::sign::{Signature, VerifyError};
use crate::types::{GatewayStatus, Method};
use crate::validate::ValidationErrors;

/// The merchant's credentials: the signing secret and any named values headers refer to
/// (`{authorization}` in a header template reads `values["authorization"]`).
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The signing key or token.
    pub secret: Secret,
    /// Other named credentials.
    pub values: BTreeMap<String, Secret>,
}

impl Credentials {
    /// Credentials with only a signing secret.
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            values: BTreeMap::new(),
        }
    }

    /// Add a named credential.
    /// Profiles with a credential slot of this name (`credentials = { accessKey = "access_key" }`)
    /// sign it too.
    pub fn with(mut self, name: &str, value: Secret) -> Self {
        self.secret = self.secret.clone().with_credential(name, value.expose());
        self.values.insert(name.to_owned(), value);
        self
    }

    /// A credential a header needs (`secret` is the signing secret).
    pub fn for_header(&self, header: &str, name: &str) -> Result<&Secret, GatewayError> {
        if name == "secret" {
            return Ok(&self.secret);
        }
        self.values
            .get(name)
            .ok_or_else(|| GatewayError::MissingCredential {
                header: header.to_owned(),
                credential: name.to_owned(),
            })
    }
}

/// A request could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// No such operation.
    #[error("gateway `{gateway}` has no operation `{name}` (it has: {known})")]
    UnknownOperation {
        gateway: String,
        name: String,
        known: String,
    },
    /// No such notification.
    #[error("gateway `{gateway}` has no notification `{name}` (it has: {known})")]
    UnknownNotification {
        gateway: String,
        name: String,
        known: String,
    },
    /// No such profile.
    #[error("gateway `{gateway}` has no signing profile `{name}` (it has: {known})")]
    UnknownProfile {
        gateway: String,
        name: String,
        known: String,
    },
    /// A header names a credential that was not given.
    #[error("header `{header}` needs the credential `{credential}`, which was not given")]
    MissingCredential { header: String, credential: String },
    /// The request breaks the spec's field rules.
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// A stored request could not be read back (`AnyRequest::from_json` in generated code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredRequestError {
    /// No such operation.
    #[error("gateway `{gateway}` has no operation `{name}` (it has: {known})")]
    UnknownOperation {
        /// The gateway.
        gateway: &'static str,
        /// The name given.
        name: String,
        /// The operations it has.
        known: &'static str,
    },
    /// The JSON does not fit the operation's request.
    #[error("stored `{operation}` request: {message}")]
    Invalid {
        /// The operation.
        operation: &'static str,
        /// What serde said.
        message: String,
    },
}

/// A request ready to send: validated, signed and encoded. `Debug` masks the signature and body.
#[derive(Clone)]
pub struct PreparedRequest {
    /// The operation's name.
    pub operation: String,
    /// HTTP method.
    pub method: Method,
    /// Path under the base URL.
    pub path: String,
    /// Query string (without `?`), for `body = "query"`.
    pub query: Option<String>,
    /// The body, for JSON and form operations.
    pub body: Option<String>,
    /// The body's content type.
    pub content_type: Option<&'static str>,
    /// Headers, credentials filled in.
    pub headers: Vec<(String, Secret)>,
    /// The signature, when signed.
    pub signature: Option<Signature>,
    /// The merchant's order id, when the operation names the field that carries it.
    pub order_id: Option<String>,
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "body",
                &self
                    .body
                    .as_ref()
                    .map(|b| format!("<{} bytes, signed>", b.len())),
            )
            .field("signature", &self.signature)
            .finish()
    }
}

impl PreparedRequest {
    /// The path with the query string, as it goes on the request line.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) if !q.is_empty() => format!("{}?{q}", self.path),
            _ => self.path.clone(),
        }
    }
}

/// A response could not be trusted or understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The body is not a readable object.
    #[error("unreadable response: {0}")]
    Unreadable(#[from] ReceiveError),
    /// The envelope's code is missing.
    #[error("the response has no result code at `{0}`")]
    NoCode(String),
    /// The operation or a profile it names is not in the spec.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The response's signature does not verify.
    #[error("response {0}")]
    Signature(#[from] VerifyError),
    /// The payload does not fit the spec's response fields.
    #[error("response payload: {0}")]
    Payload(#[from] crate::read::ReadError),
    /// The signed payload breaks the spec's field rules.
    #[error("response fields: {0}")]
    Invalid(#[from] ValidationErrors),
    /// A signed row does not verify.
    #[error("row {index}: {source}")]
    Row {
        /// The row's index.
        index: usize,
        /// Why.
        source: VerifyError,
    },
}

/// A notification could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// The body cannot be read.
    #[error("unreadable notification: {0}")]
    Unreadable(#[from] ReceiveError),
    /// The signature does not verify: do not trust the payload; query the order instead.
    #[error("notification {0}")]
    Signature(#[from] VerifyError),
    /// The notification or its profile is not in the spec.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The body verified but does not fit the spec's fields.
    #[error("notification payload: {0}")]
    Payload(#[from] crate::read::ReadError),
    /// The body verified but breaks the spec's field rules (a pattern, an enum, a bound).
    #[error("notification fields: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The notification is for another merchant.
    #[error("notification for another merchant: `{field}` is `{found}`, not `{expected}`")]
    OtherMerchant {
        /// The merchant-id field.
        field: String,
        /// Your merchant id.
        expected: String,
        /// What the notification carries (absent: empty).
        found: String,
    },
}

/// Refuse a notification whose merchant-id field is not `expected` (generated code and the
/// interpreter).
pub fn check_merchant(
    obj: &Object,
    field: &str,
    expected: Option<&str>,
) -> Result<(), NotificationError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let found = obj.text(field).unwrap_or_default();
    if found == expected {
        Ok(())
    } else {
        Err(NotificationError::OtherMerchant {
            field: field.to_owned(),
            expected: expected.to_owned(),
            found,
        })
    }
}

/// How a received notification is checked, beyond the spec.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// Fields whose signed values may hold the join separator, besides those the spec marks
    /// `allow_separators`: your decision that they cannot carry a shifted pair.
    pub also_allowed: &'a [&'a str],
    /// The largest body accepted, in bytes (default 1 MiB).
    pub max_body: usize,
    /// Your merchant id: where the spec names the field carrying it, a notification for
    /// another merchant (signed with a shared key, or replayed) is refused.
    pub merchant_id: Option<&'a str>,
    /// The profile to verify with, by its spec name, instead of the notification's declared one
    /// (diamondpay: `Some("md5-bare-key")`, the recipe public integrations use). A body carrying
    /// another profile's added fields (`sign_type=HMAC-SHA256`) is still verified with that
    /// profile. A name the spec does not define is an error.
    pub profile: Option<&'a str>,
    /// The request's headers (name, value), for profiles whose signature travels in a header
    /// (raw-body webhooks). Names are matched case-insensitively.
    pub headers: &'a [(&'a str, &'a str)],
    /// The time to check a signed timestamp against, in Unix seconds (default: the clock).
    pub now: Option<i64>,
    /// Refuses a signature accepted before inside its window (raw-body webhooks). Keep one
    /// guard per endpoint for the life of the process.
    pub replay: Option<&'a crate::webhook::ReplayGuard>,
}

impl Default for VerifyOptions<'_> {
    fn default() -> Self {
        Self {
            also_allowed: &[],
            max_body: crate::received::DEFAULT_BODY_LIMIT,
            merchant_id: None,
            profile: None,
            headers: &[],
            now: None,
            replay: None,
        }
    }
}

/// A notification whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedNotification {
    /// The notification's name in the spec.
    pub name: String,
    /// Every field as received.
    pub fields: Object,
    /// The merchant order id, when the spec says where it is.
    pub order_id: Option<String>,
    /// The status, when the spec maps it.
    pub status: Option<GatewayStatus>,
    /// The exact reply body the gateway expects.
    pub reply_body: String,
    /// The reply's content type.
    pub reply_content_type: String,
}

impl VerifiedNotification {
    /// A key that is the same for every delivery of the same event (name, order id, status):
    /// store it and skip a notification whose key was already handled.
    pub fn delivery_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.name,
            self.order_id.as_deref().unwrap_or("-"),
            self.status.as_ref().map_or("-", |s| s.code.as_str())
        )
    }
}

/// A typed response: accepted with its payload, or rejected with the gateway's code.
#[derive(Debug, Clone, PartialEq)]
pub enum Response<T, E> {
    /// The gateway said yes: the order exists (not that money moved).
    Accepted {
        /// The typed payload.
        payload: T,
        /// The order's status, when the operation maps one.
        status: Option<GatewayStatus>,
    },
    /// The gateway said no.
    Rejected {
        /// The code, typed.
        code: E,
        /// The code as the gateway wrote it.
        raw_code: String,
        /// The message, verbatim.
        message: Option<String>,
        /// The operation's success answers are signed and this rejection was not (anyone on
        /// the path could have written it).
        unsigned: bool,
    },
}

impl<T, E> Response<T, E> {
    /// Transform the accepted payload.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U, E> {
        match self {
            Response::Accepted { payload, status } => Response::Accepted {
                payload: f(payload),
                status,
            },
            Response::Rejected {
                code,
                raw_code,
                message,
                unsigned,
            } => Response::Rejected {
                code,
                raw_code,
                message,
                unsigned,
            },
        }
    }
}

/// A verified notification with its typed fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<T> {
    /// The typed fields.
    pub notification: T,
    /// Reply, order id, status and delivery key.
    pub meta: VerifiedNotification,
}

impl<T> Verified<T> {
    /// The exact reply body the gateway expects.
    pub fn reply_body(&self) -> &str {
        &self.meta.reply_body
    }

    /// The reply's content type.
    pub fn reply_content_type(&self) -> &str {
        &self.meta.reply_content_type
    }

    /// The same for every delivery of the same event: use it to handle duplicates once.
    pub fn delivery_key(&self) -> String {
        self.meta.delivery_key()
    }
}
