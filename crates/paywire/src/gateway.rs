//! A gateway driven by its spec at run time: prepare (validate, sign, encode) any operation from
//! key/value fields, read its response envelope, verify notifications. Generated provider types
//! go through the same functions, so typed and dynamic paths cannot disagree.

use std::collections::BTreeMap;
use std::fmt;

use paywire_spec::{
    BodyEncoding, CommonStatus, Method, Notification, NotificationContent, Operation, Recipe,
    SignatureScope, Spec, SpecErrors,
};

use crate::Secret;
use crate::received::{Object, Raw, ReceiveError};
use crate::signing::{self, CanonicalString, SignField, Signature, VerifyError};
use crate::validate::{self, ValidationErrors};
use crate::wire::WireFields;

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
    pub fn with(mut self, name: &str, value: Secret) -> Self {
        self.values.insert(name.to_owned(), value);
        self
    }
}

/// A gateway could not do what was asked.
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
    /// The signed fields as sent.
    pub fields: WireFields,
    /// The canonical string, when signed.
    pub canonical: Option<CanonicalString>,
    /// The signature, when signed.
    pub signature: Option<Signature>,
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
            .field("canonical", &self.canonical)
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

/// What a gateway answered, once the envelope was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The gateway said yes.
    Accepted(Accepted),
    /// The gateway said no, with its code and message.
    Rejected(Rejection),
}

/// An accepted call's payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The result code.
    pub code: String,
    /// The payload as received.
    pub payload: Raw,
    /// The order's status, read through the operation's status map, when it has one.
    pub status: Option<GatewayStatus>,
}

impl Accepted {
    /// The payload as an object (empty when it is not one).
    pub fn payload_object(&self) -> Object {
        Object::from_raw(&self.payload).unwrap_or_default()
    }
}

/// A status as the gateway wrote it and as the common status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayStatus {
    /// The gateway's code, as text.
    pub code: String,
    /// The common status it maps to.
    pub common: CommonStatus,
}

/// A refused call: the gateway's code and message, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The error code as the gateway wrote it.
    pub code: String,
    /// The message as the gateway wrote it.
    pub message: Option<String>,
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

/// A gateway loaded from its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    spec: Spec,
}

fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

impl Gateway {
    /// A gateway from an already validated spec.
    pub fn new(spec: Spec) -> Self {
        Self { spec }
    }

    /// Parse and validate a spec's source.
    pub fn from_source(src: &str, file: &str) -> Result<Self, SpecErrors> {
        paywire_spec::parse_str(src, file).map(Self::new)
    }

    /// Load a spec file.
    pub fn load(path: &std::path::Path) -> Result<Self, SpecErrors> {
        paywire_spec::load(path).map(|(s, _)| Self::new(s))
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The gateway's name.
    pub fn name(&self) -> &str {
        &self.spec.gateway.name
    }

    /// An operation by name.
    pub fn operation(&self, name: &str) -> Result<&Operation, GatewayError> {
        self.spec
            .operation(name)
            .ok_or_else(|| GatewayError::UnknownOperation {
                gateway: self.name().to_owned(),
                name: name.to_owned(),
                known: known(self.spec.operations.iter().map(|o| o.name.as_str())),
            })
    }

    /// A notification by name.
    pub fn notification(&self, name: &str) -> Result<&Notification, GatewayError> {
        self.spec
            .notification(name)
            .ok_or_else(|| GatewayError::UnknownNotification {
                gateway: self.name().to_owned(),
                name: name.to_owned(),
                known: known(self.spec.notifications.iter().map(|o| o.name.as_str())),
            })
    }

    /// A profile by name (`None`: the default profile).
    pub fn profile(&self, name: Option<&str>) -> Result<&Recipe, GatewayError> {
        self.spec
            .profile_for(name)
            .ok_or_else(|| GatewayError::UnknownProfile {
                gateway: self.name().to_owned(),
                name: name
                    .unwrap_or(&self.spec.gateway.default_profile)
                    .to_owned(),
                known: known(self.spec.profiles.keys().map(String::as_str)),
            })
    }

    /// `provider.profile`, for messages.
    pub fn profile_label(&self, name: Option<&str>) -> String {
        format!(
            "{}.{}",
            self.name(),
            name.unwrap_or(&self.spec.gateway.default_profile)
        )
    }

    /// Check fields against an operation's request rules.
    pub fn validate(&self, operation: &str, fields: &WireFields) -> Result<(), GatewayError> {
        let op = self.operation(operation)?;
        validate::check(&op.request, fields)?;
        Ok(())
    }

    /// Validate, sign (with the operation's profile, or `profile` when given) and encode.
    pub fn prepare(
        &self,
        operation: &str,
        fields: WireFields,
        credentials: &Credentials,
        profile: Option<&str>,
    ) -> Result<PreparedRequest, GatewayError> {
        let op = self.operation(operation)?;
        validate::check(&op.request, &fields)?;
        let mut fields = fields;
        let (canonical, signature) = if op.signed {
            let name = profile.or(op.profile.as_deref());
            let recipe = self.profile(name)?;
            let (canonical, sig) = signing::sign_outgoing(recipe, &mut fields, &credentials.secret);
            (Some(canonical), Some(sig))
        } else {
            (None, None)
        };
        let mut headers = Vec::new();
        for (name, template) in &op.headers {
            headers.push((
                name.clone(),
                Secret::new(fill_template(name, template, credentials)?),
            ));
        }
        let (query, body, content_type) = match op.body() {
            BodyEncoding::Json => (None, Some(fields.to_json()), Some("application/json")),
            BodyEncoding::Form => (
                None,
                Some(fields.to_form()),
                Some("application/x-www-form-urlencoded"),
            ),
            BodyEncoding::Query => (Some(fields.to_form()), None, None),
        };
        Ok(PreparedRequest {
            operation: op.name.clone(),
            method: op.method,
            path: op.path.clone(),
            query,
            body,
            content_type,
            headers,
            fields,
            canonical,
            signature,
        })
    }

    /// Read an operation's response body through its envelope, verifying what the spec says is signed.
    pub fn read_response(
        &self,
        operation: &str,
        body: &[u8],
        secret: &Secret,
    ) -> Result<Reply, ResponseError> {
        let op = self.operation(operation)?;
        let obj = Object::from_json(body)?;
        let Some(env) = self.spec.envelope_for(op) else {
            // No envelope: the whole body is the payload.
            return Ok(Reply::Accepted(Accepted {
                code: String::new(),
                status: self.status_of(op.status.as_deref(), &obj),
                payload: raw_of(body),
            }));
        };
        let code = obj
            .path(&env.code)
            .and_then(|r| r.sign_text())
            .ok_or_else(|| ResponseError::NoCode(env.code.clone()))?;
        let success = env.success.contains(&code);
        let payload = match &env.payload {
            Some(p) => obj.path(p).unwrap_or_else(|| raw_of(b"null")),
            None => raw_of(body),
        };
        if let Some(sig) = &env.signature {
            let signed_obj = match sig.scope {
                SignatureScope::Body => obj.clone(),
                SignatureScope::Payload => Object::from_raw(&payload).unwrap_or_default(),
            };
            let recipe = self.profile(Some(&sig.profile))?;
            let carries = signed_obj
                .text(&recipe.signature_field)
                .is_some_and(|s| !s.is_empty());
            if success || carries || sig.required_on_error {
                signing::verify(
                    recipe,
                    &self.profile_label(Some(&sig.profile)),
                    &signed_obj.sign_fields(),
                    secret,
                )?;
            }
        }
        if !success {
            let message = env
                .message
                .as_deref()
                .and_then(|m| obj.path(m))
                .and_then(|r| r.sign_text());
            return Ok(Reply::Rejected(Rejection { code, message }));
        }
        if let Some(rows) = &op.rows {
            let recipe = self.profile(Some(&rows.profile))?;
            let list = match &rows.path {
                Some(p) => Object::from_raw(&payload).ok().and_then(|o| o.path(p)),
                None => Some(payload.clone()),
            };
            if let Some(list) = list.and_then(|l| l.sign_text()) {
                let items: Vec<Box<serde_json::value::RawValue>> =
                    serde_json::from_str(&list).unwrap_or_default();
                for (index, item) in items.into_iter().enumerate() {
                    let row = Object::from_raw(&Raw::Json(item))?;
                    signing::verify(
                        recipe,
                        &self.profile_label(Some(&rows.profile)),
                        &row.sign_fields(),
                        secret,
                    )
                    .map_err(|source| ResponseError::Row { index, source })?;
                }
            }
        }
        // A list payload (query rows): the status is the first row's.
        let status = first_object(&payload).and_then(|p| self.status_of(op.status.as_deref(), &p));
        Ok(Reply::Accepted(Accepted {
            code,
            payload,
            status,
        }))
    }

    /// The profile a received message is verified with: a profile whose `adds` values the
    /// message carries (diamondpay's `sign_type=HMAC-SHA256`), else `declared`.
    pub fn received_profile<'a>(
        &'a self,
        declared: Option<&'a str>,
        obj: &Object,
    ) -> Option<&'a str> {
        self.spec
            .profiles
            .iter()
            .find(|(_, r)| {
                !r.adds.is_empty()
                    && r.adds
                        .iter()
                        .all(|(k, v)| obj.text(k).as_deref() == Some(v.as_str()))
            })
            .map(|(name, _)| name.as_str())
            .or(declared)
    }

    /// Read a status through a named status map.
    pub fn status_of(&self, map: Option<&str>, obj: &Object) -> Option<GatewayStatus> {
        let map = self.spec.statuses.get(map?)?;
        let code = obj.path(&map.field)?.sign_text()?;
        let common = map.map.get(&code).copied().unwrap_or(map.default);
        Some(GatewayStatus { code, common })
    }

    /// Verify a notification body and read it. A body that fails verification is an error and
    /// its payload is not returned.
    pub fn verify_notification(
        &self,
        name: &str,
        body: &[u8],
        content_type: Option<&str>,
        secret: &Secret,
    ) -> Result<VerifiedNotification, NotificationError> {
        let n = self.notification(name)?;
        let obj = match n.content {
            NotificationContent::Json => Object::from_json(body)?,
            NotificationContent::Form => Object::from_form(body)?,
            NotificationContent::JsonOrForm => Object::from_body(body, content_type)?,
        };
        // A body carrying a profile's marker (sign_type=HMAC-SHA256) is verified with that profile.
        let profile = self.received_profile(n.profile.as_deref(), &obj);
        let recipe = self.profile(profile)?;
        signing::verify(
            recipe,
            &self.profile_label(profile),
            &obj.sign_fields(),
            secret,
        )?;
        Ok(VerifiedNotification {
            name: n.name.clone(),
            order_id: n.order_id.as_deref().and_then(|k| obj.text(k)),
            status: self.status_of(n.status.as_deref(), &obj),
            fields: obj,
            reply_body: n.reply.body.clone(),
            reply_content_type: n.reply.content_type.clone(),
        })
    }

    /// Sign outgoing fields with a profile and set the signature field (and the profile's
    /// `adds`): what the simulator sends, and what tests use to make signed payloads.
    pub fn sign_wire(
        &self,
        profile: Option<&str>,
        mut fields: WireFields,
        secret: &Secret,
    ) -> Result<WireFields, GatewayError> {
        let recipe = self.profile(profile)?;
        // The signature goes last, whatever the fields carried before.
        fields.0.retain(|(k, _)| k != &recipe.signature_field);
        signing::sign_outgoing(recipe, &mut fields, secret);
        Ok(fields)
    }

    /// Re-sign a JSON object body (keeping every value's text): a test helper that makes
    /// correctly signed payloads from documented examples.
    pub fn sign_json_body(
        &self,
        profile: Option<&str>,
        body: &[u8],
        secret: &Secret,
    ) -> Result<String, ReceiveError> {
        let obj = Object::from_json(body)?;
        self.sign_wire(profile, WireFields::from_object(&obj), secret)
            .map(|w| w.to_json())
            .map_err(|e| ReceiveError::NotJsonObject(e.to_string()))
    }

    /// Sign arbitrary fields with a profile (the CLI's `sign`, the simulator's callbacks).
    pub fn sign_fields(
        &self,
        profile: Option<&str>,
        fields: &[SignField],
        secret: &Secret,
    ) -> Result<(CanonicalString, Signature), GatewayError> {
        let recipe = self.profile(profile)?;
        Ok(signing::sign(recipe, fields, secret))
    }
}

/// The payload as an object, or its first element when it is a list.
fn first_object(payload: &Raw) -> Option<Object> {
    if let Ok(o) = Object::from_raw(payload) {
        return Some(o);
    }
    let text = payload.sign_text()?;
    let list: Vec<Box<serde_json::value::RawValue>> = serde_json::from_str(&text).ok()?;
    let first = list.into_iter().next()?;
    Object::from_raw(&Raw::Json(first)).ok()
}

fn raw_of(body: &[u8]) -> Raw {
    let text = String::from_utf8_lossy(body).into_owned();
    match serde_json::value::RawValue::from_string(text.clone()) {
        Ok(r) => Raw::Json(r),
        Err(_) => Raw::Text(text),
    }
}

fn fill_template(
    header: &str,
    template: &str,
    creds: &Credentials,
) -> Result<String, GatewayError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        let value = if name == "secret" {
            Some(creds.secret.expose())
        } else {
            creds.values.get(name).map(Secret::expose)
        };
        match value {
            Some(v) => out.push_str(v),
            None => {
                return Err(GatewayError::MissingCredential {
                    header: header.to_owned(),
                    credential: name.to_owned(),
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
    /// The gateway said no: safe to treat as not created.
    Rejected {
        /// The code, typed.
        code: E,
        /// The code as the gateway wrote it.
        raw_code: String,
        /// The message, verbatim.
        message: Option<String>,
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
            } => Response::Rejected {
                code,
                raw_code,
                message,
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
