//! A gateway driven by its spec at run time: prepare (validate, sign, encode) any operation from
//! key/value fields, read its response envelope, verify notifications. Generated provider types
//! go through the same functions, so typed and dynamic paths cannot disagree.

use paywire_spec::{
    BodyEncoding, Notification, NotificationContent, Operation, Recipe, SignatureScope, Spec,
    SpecErrors,
};

use crate::exchange::{
    Credentials, GatewayError, NotificationError, PreparedRequest, ResponseError,
    VerifiedNotification, VerifyOptions,
};
use crate::received::{Object, Raw, ReceiveError};
use crate::sign::{CanonicalString, SignField, Signature};
use crate::signing;
use crate::types::GatewayStatus;
use crate::validate;
use crate::wire::WireFields;
use crate::{CommonStatus, ErrorMeaning, Method, Secret};

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
    /// The number of rows the answer states beside a list payload (the operation's
    /// `rows.count`, diamondpay's query `total`), as received.
    pub count: Option<i64>,
}

impl Accepted {
    /// The payload as an object (empty when it is not one).
    pub fn payload_object(&self) -> Object {
        Object::from_raw(&self.payload).unwrap_or_default()
    }
}

/// A refused call: the gateway's code and message, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The envelope's success answers are signed, and this rejection was not.
    pub unsigned: bool,
    /// The error code as the gateway wrote it.
    pub code: String,
    /// The message as the gateway wrote it.
    pub message: Option<String>,
}

/// A request the interpreter prepared, with what went into it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request as it will be sent.
    pub request: PreparedRequest,
    /// The fields as sent (the profile's `adds` and the signature included).
    pub fields: WireFields,
    /// The canonical string, when signed.
    pub canonical: Option<CanonicalString>,
}

/// The fields of a received message whose signed values may contain the join separator (marked
/// `allow_separators`); with `container`, also the payload's key when any field is, since the
/// payload's JSON text carries their values.
pub fn separators_allowed<'a>(
    fields: &'a [paywire_spec::Field],
    container: Option<&'a str>,
) -> Vec<&'a str> {
    let mut out: Vec<&str> = fields
        .iter()
        .filter(|f| f.allow_separators)
        .map(|f| f.name.as_str())
        .collect();
    if let Some(c) = container
        && !out.is_empty()
    {
        out.push(c);
    }
    out
}

/// The runtime's method for a spec's.
pub fn method(m: paywire_spec::Method) -> Method {
    match m {
        paywire_spec::Method::Get => Method::Get,
        paywire_spec::Method::Post => Method::Post,
    }
}

/// The runtime's common status for a spec's.
pub fn common_status(s: paywire_spec::CommonStatus) -> CommonStatus {
    use paywire_spec::CommonStatus as S;
    match s {
        S::Pending => CommonStatus::Pending,
        S::Processing => CommonStatus::Processing,
        S::Succeeded => CommonStatus::Succeeded,
        S::Failed => CommonStatus::Failed,
        S::Cancelled => CommonStatus::Cancelled,
        S::Unknown => CommonStatus::Unknown,
    }
}

/// The runtime's error meaning for a spec's.
pub fn error_meaning(m: paywire_spec::ErrorMeaning) -> ErrorMeaning {
    use paywire_spec::ErrorMeaning as M;
    match m {
        M::Signature => ErrorMeaning::Signature,
        M::Duplicate => ErrorMeaning::Duplicate,
        M::Invalid => ErrorMeaning::Invalid,
        M::NotFound => ErrorMeaning::NotFound,
        M::Auth => ErrorMeaning::Auth,
        M::RateLimited => ErrorMeaning::RateLimited,
    }
}

/// A gateway loaded from its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    spec: Spec,
    body_limit: usize,
}

fn known<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

impl Gateway {
    /// A gateway from an already validated spec.
    pub fn new(spec: Spec) -> Self {
        Self {
            spec,
            body_limit: crate::received::DEFAULT_BODY_LIMIT,
        }
    }

    /// Accept received bodies (notifications, answers) up to `limit` bytes (default 1 MiB).
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
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
        validate::check_with(&op.request, fields, self.echo_separator(op))?;
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
        self.prepare_explained(operation, fields, credentials, profile)
            .map(|p| p.request)
    }

    /// As [`Gateway::prepare`], keeping the signed fields and the canonical string (the CLI,
    /// the differential tests).
    pub fn prepare_explained(
        &self,
        operation: &str,
        fields: WireFields,
        credentials: &Credentials,
        profile: Option<&str>,
    ) -> Result<Prepared, GatewayError> {
        let op = self.operation(operation)?;
        validate::check_with(&op.request, &fields, self.echo_separator(op))?;
        let mut fields = fields;
        let (canonical, signature) = if op.signed {
            let name = profile.or(op.profile.as_deref());
            let recipe = self.profile(name)?;
            // A key that cannot sign (an RSA public key, a missing credential) is refused
            // before anything is signed, as the generated code does.
            if let Some(problem) = signing::key_problem(recipe, &credentials.secret) {
                return Err(GatewayError::Invalid(crate::ValidationErrors(vec![
                    validate::error(
                        "",
                        &recipe.signature_field,
                        crate::validate::Rule::Other(problem),
                    ),
                ])));
            }
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
            BodyEncoding::Xml => (None, Some(crate::xml::write(&fields)), Some("text/xml")),
        };
        let order_id = op
            .order_id
            .as_deref()
            .and_then(|k| fields.get(k))
            .and_then(|v| v.text());
        Ok(Prepared {
            request: PreparedRequest {
                operation: op.name.clone(),
                method: method(op.method),
                path: op.path.clone(),
                query,
                body,
                content_type,
                headers,
                signature,
                order_id,
            },
            fields,
            canonical,
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
        crate::received::check_size(body, self.body_limit)?;
        let obj = if op.body() == BodyEncoding::Xml {
            Object::from_xml(body)?
        } else {
            Object::from_json(body)?
        };
        // The whole body as the payload: as received (JSON), or the document's fields (XML).
        let whole = || {
            if op.body() == BodyEncoding::Xml {
                Raw::from_object(&obj)
            } else {
                Raw::from_body(body)
            }
        };
        let Some(env) = self.spec.envelope_for(op) else {
            // No envelope: the whole body is the payload.
            return Ok(Reply::Accepted(Accepted {
                code: String::new(),
                status: self.status_of(op.status.as_deref(), &obj),
                payload: whole(),
                count: None,
            }));
        };
        let code = obj
            .path(&env.code)
            .and_then(|r| r.sign_text())
            .ok_or_else(|| ResponseError::NoCode(env.code.clone()))?;
        let success = env.success.contains(&code);
        let payload = match &env.payload {
            Some(p) => obj.path(p).unwrap_or_else(Raw::null),
            None => whole(),
        };
        let mut unsigned = false;
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
                let container = match sig.scope {
                    // The payload's top-level key (`data` of `data.result`).
                    SignatureScope::Body => {
                        env.payload.as_deref().and_then(|p| p.split('.').next())
                    }
                    SignatureScope::Payload => None,
                };
                signing::verify_strict(
                    recipe,
                    &self.profile_label(Some(&sig.profile)),
                    &signed_obj.sign_fields(),
                    secret,
                    &separators_allowed(&op.response, container),
                )?;
            } else {
                unsigned = true;
            }
        }
        if !success {
            let message = env
                .message
                .as_deref()
                .and_then(|m| obj.path(m))
                .and_then(|r| r.sign_text());
            return Ok(Reply::Rejected(Rejection {
                code,
                message,
                unsigned,
            }));
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
                    signing::verify_strict(
                        recipe,
                        &self.profile_label(Some(&rows.profile)),
                        &row.sign_fields(),
                        secret,
                        &separators_allowed(&op.response, None),
                    )
                    .map_err(|source| ResponseError::Row { index, source })?;
                    if rows.path.is_none() {
                        validate::check(&op.response, &row)?;
                    }
                }
            }
        } else if env.signature.is_some() {
            // A signed answer's payload keeps the spec's field rules.
            if let Ok(p) = Object::from_raw(&payload) {
                validate::check(&op.response, &p)?;
            }
        }
        // A list payload (query rows): the status is the first row's.
        let status = crate::read::first_object(&payload)
            .and_then(|p| self.status_of(op.status.as_deref(), &p));
        // The row count beside a list payload, read from the body.
        let count = match &op.rows {
            Some(rows) if rows.path.is_none() => match &rows.count {
                Some(p) => crate::read::count(&obj, p)?,
                None => None,
            },
            _ => None,
        };
        Ok(Reply::Accepted(Accepted {
            code,
            payload,
            status,
            count,
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
        let common = common_status(map.map.get(&code).copied().unwrap_or(map.default));
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
        self.verify_notification_with(name, body, content_type, secret, None, &[])
    }

    /// As [`Gateway::verify_notification`], refusing a notification for another merchant
    /// than `merchant_id` (where the spec names the field) and accepting the join separator in
    /// `also_allowed` fields too.
    pub fn verify_notification_with(
        &self,
        name: &str,
        body: &[u8],
        content_type: Option<&str>,
        secret: &Secret,
        merchant_id: Option<&str>,
        also_allowed: &[&str],
    ) -> Result<VerifiedNotification, NotificationError> {
        let options = VerifyOptions {
            merchant_id,
            also_allowed,
            max_body: self.body_limit,
            ..VerifyOptions::default()
        };
        self.verify_notification_opts(name, body, content_type, secret, &options)
    }

    /// Verify a notification with every option: the request's headers (for profiles whose
    /// signature travels in a header, with a timestamp tolerance and an optional replay guard),
    /// the merchant id, separators allowed, a profile chosen by name, the body limit.
    pub fn verify_notification_opts(
        &self,
        name: &str,
        body: &[u8],
        content_type: Option<&str>,
        secret: &Secret,
        options: &VerifyOptions<'_>,
    ) -> Result<VerifiedNotification, NotificationError> {
        let merchant_id = options.merchant_id;
        let also_allowed = options.also_allowed;
        let n = self.notification(name)?;
        crate::received::check_size(body, options.max_body.min(self.body_limit))?;
        let obj = match n.content {
            NotificationContent::Json => Object::from_json(body)?,
            NotificationContent::Form => Object::from_form(body)?,
            NotificationContent::JsonOrForm => Object::from_body(body, content_type)?,
            NotificationContent::Xml => Object::from_xml(body)?,
        };
        // A body carrying a profile's marker (sign_type=HMAC-SHA256) is verified with that profile.
        let declared = options.profile.or(n.profile.as_deref());
        let profile = self.received_profile(declared, &obj);
        let recipe = self.profile(profile)?;
        if recipe.over_body() {
            signing::verify_webhook(
                recipe,
                body,
                options.headers,
                secret,
                options.now.unwrap_or_else(crate::webhook::now_secs),
                options.replay,
            )?;
        } else {
            signing::verify_strict(
                recipe,
                &self.profile_label(profile),
                &obj.sign_fields(),
                secret,
                &[separators_allowed(&n.fields, None), also_allowed.to_vec()].concat(),
            )?;
        }
        // Verified: now the fields must keep the spec's rules (types, patterns, enums, required).
        validate::check(&n.fields, &obj)?;
        if let Some(field) = &n.merchant_id {
            crate::exchange::check_merchant(&obj, field, merchant_id)?;
        }
        Ok(VerifiedNotification {
            name: n.name.clone(),
            order_id: n
                .order_id
                .as_deref()
                .and_then(|k| crate::read::order_id(&obj, k)),
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
        if recipe.over_body() {
            // The signature of a raw-body profile is a header over the encoded body.
            fields.apply_adds(recipe);
            return Ok(fields);
        }
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

    /// The separator echoed and free-text fields of an operation may not contain: the join of
    /// the operation's profile (none for an unsigned operation).
    pub fn echo_separator<'a>(&'a self, op: &Operation) -> Option<&'a str> {
        if !op.signed {
            return None;
        }
        self.profile(op.profile.as_deref())
            .ok()
            .map(|r| r.join.as_str())
            .filter(|j| !j.is_empty())
    }

    /// What the spec says an error code means.
    pub fn meaning(&self, code: &str) -> Option<ErrorMeaning> {
        self.spec
            .errors
            .iter()
            .find(|e| e.code == code)
            .and_then(|e| e.meaning)
            .map(error_meaning)
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
