//! `paywire verify`: check a received body's signature, as a notification or with a profile.

use paywire::received::Object;
use paywire::{Gateway, GatewayStatus, WireFields, signing};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::cli::{Format, VerifyArgs};
use crate::error::CliError;
use crate::input;
use crate::text::{Out, common_name, quoted, raw_text};

/// A body that verified.
struct Verified {
    notification: Option<String>,
    profile: String,
    fields: Object,
    order_id: Option<String>,
    status: Option<GatewayStatus>,
    reply: Option<(String, String)>,
}

/// Run `paywire verify` and return what to print. A body that does not verify is an error
/// (exit status 1).
pub fn run(args: &VerifyArgs) -> Result<String, CliError> {
    let gateway = Gateway::load(&args.spec)?;
    if args.detect {
        return detect(&gateway, args);
    }
    // Resolve names before reading anything, so a typo is a usage error, not a failed verification.
    let profile = match &args.notification {
        Some(name) => gateway.notification(name)?.profile.clone(),
        None => args.profile.clone(),
    };
    let recipe = gateway.profile(profile.as_deref())?;
    let label = gateway.profile_label(profile.as_deref());
    let secret = args.secret.load()?;
    let body = input::read("body", &args.body)?;
    let content_type = args.content_type.as_deref();

    let mut headers = Vec::with_capacity(args.headers.len());
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .filter(|(n, _)| !n.trim().is_empty())
            .ok_or_else(|| CliError::BadHeader(h.clone()))?;
        headers.push((name.trim(), value.trim()));
    }
    let options = paywire::VerifyOptions {
        headers: &headers,
        now: args.now,
        ..paywire::VerifyOptions::default()
    };

    let verified = match &args.notification {
        Some(name) => {
            let n =
                gateway.verify_notification_opts(name, &body, content_type, &secret, &options)?;
            Verified {
                notification: Some(n.name),
                profile: label,
                fields: n.fields,
                order_id: n.order_id,
                status: n.status,
                reply: Some((n.reply_content_type, n.reply_body)),
            }
        }
        None => {
            let fields = Object::from_body(&body, content_type).map_err(|source| {
                CliError::UnreadableBody {
                    path: input::shown(&args.body),
                    source,
                }
            })?;
            if recipe.over_body() {
                signing::verify_webhook(
                    recipe,
                    &body,
                    &headers,
                    &secret,
                    args.now.unwrap_or_else(paywire::webhook::now_secs),
                    None,
                )?;
            } else {
                signing::verify(recipe, &label, &fields.sign_fields(), &secret)?;
            }
            Verified {
                notification: None,
                profile: label,
                fields,
                order_id: None,
                status: None,
                reply: None,
            }
        }
    };
    match args.format {
        Format::Text => Ok(text(&verified)),
        Format::Json => json(&verified),
    }
}

fn text(v: &Verified) -> String {
    let mut out = Out::default();
    let what = match &v.notification {
        Some(n) => format!("notification `{n}`, signed with {}", v.profile),
        None => format!("signed with {}", v.profile),
    };
    out.line("verified", &what);
    if v.notification.is_some() {
        out.line("order id", v.order_id.as_deref().unwrap_or("(not given)"));
        let status = match &v.status {
            Some(s) => format!("{} -> {}", quoted(&s.code), common_name(s.common)),
            None => "(not given)".to_owned(),
        };
        out.line("status", &status);
    }
    if let Some((content_type, body)) = &v.reply {
        out.line("reply", &format!("{body}   ({content_type})"));
    }
    out.line("fields", &format!("{} received", v.fields.entries().len()));
    let rows: Vec<Vec<String>> = v
        .fields
        .entries()
        .iter()
        .map(|(k, raw)| vec![k.clone(), raw_text(raw)])
        .collect();
    out.table(2, &rows, 40);
    out.into_string()
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    verified: bool,
    notification: Option<&'a str>,
    profile: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<ReplyJson<'a>>,
    fields: Box<RawValue>,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    code: &'a str,
    common: &'static str,
}

#[derive(Serialize)]
struct ReplyJson<'a> {
    content_type: &'a str,
    body: &'a str,
}

fn json(v: &Verified) -> Result<String, CliError> {
    let out = VerifyJson {
        verified: true,
        notification: v.notification.as_deref(),
        profile: &v.profile,
        order_id: v.order_id.as_deref(),
        status: v.status.as_ref().map(|s| StatusJson {
            code: &s.code,
            common: s.common.as_str(),
        }),
        reply: v
            .reply
            .as_ref()
            .map(|(content_type, body)| ReplyJson { content_type, body }),
        // Each value's text as received (form values become strings).
        fields: RawValue::from_string(WireFields::from_object(&v.fields).to_json())?,
    };
    let mut text = serde_json::to_string(&out)?;
    text.push('\n');
    Ok(text)
}

/// `paywire verify --detect`: which recipe signed this body?
fn detect(gateway: &Gateway, args: &VerifyArgs) -> Result<String, CliError> {
    let secret = args.secret.load()?;
    let body = input::read("body", &args.body)?;
    let fields = Object::from_body(&body, args.content_type.as_deref()).map_err(|source| {
        CliError::UnreadableBody {
            path: input::shown(&args.body),
            source,
        }
    })?;
    let mut sign_fields = fields.sign_fields();
    if let Some(sig) = &args.signature {
        let field = gateway
            .spec()
            .profile_for(None)
            .map_or("sign", |r| r.signature_field.as_str());
        sign_fields.retain(|f| f.key != field);
        sign_fields.push(paywire::signing::SignField::new(field, sig.clone()));
    }
    let found = paywire::detect::detect(gateway, &sign_fields, &secret);
    let summary = crate::sign::mask_text_public(&found.summary(), &secret);
    if found.matched().is_empty() {
        Err(CliError::NoRecipe(summary))
    } else {
        Ok(summary)
    }
}
