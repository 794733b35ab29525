//! `paywire send`: send one operation of a spec from a JSON object of fields, and show the
//! outcome: accepted, rejected, not sent or indeterminate, each with what to do next.

use std::time::Duration;

use paywire::ErrorMeaning;
use paywire::received::Object;
use paywire::spec::{Operation, OperationKind};
use paywire::{
    Client, ClientConfig, Credentials, Gateway, GatewayError, NotSentReason, Outcome, Secret,
    WireFields,
};

use crate::cli::SendArgs;
use crate::error::{CliError, EXIT_INDETERMINATE, EXIT_NOT_SENT, EXIT_REJECTED};
use crate::input;
use crate::text::{Out, status_text};

/// Run `paywire send`: print the outcome and return the exit status it gives.
pub fn run(args: &SendArgs) -> Result<u8, CliError> {
    let gateway = Gateway::load(&args.spec)?;
    // Names first, so a typo is a usage error before anything is read or sent.
    let op = gateway.operation(&args.operation)?;
    let profile = args.profile.as_deref();
    if op.signed {
        gateway.profile(profile.or(op.profile.as_deref()))?;
    }
    let secret = args.secret.load()?;
    let mut credentials = Credentials::new(secret.clone());
    // `--credential` values serve header templates (`{api_key}`) as well as signed slots.
    for name in secret.credential_names() {
        if let Some(value) = secret.credential(name) {
            credentials
                .values
                .insert(name.to_owned(), Secret::new(value));
        }
    }
    if let Some(var) = &args.authorization_env {
        let value =
            Secret::from_env(var).map_err(|source| CliError::AuthorizationEnv { source })?;
        credentials = credentials.with("authorization", value);
    }
    let bytes = input::read("fields", &args.fields)?;
    let object = Object::from_json(&bytes).map_err(|source| CliError::BadInput {
        what: "fields",
        path: input::shown(&args.fields),
        source,
    })?;
    let fields = WireFields::from_object(&object);

    // Prepared here only to show what is signed; the client prepares the same fields again.
    // A header credential that was not given is a usage error; broken field rules are the
    // outcome's business (not sent).
    let prepared = match gateway.prepare_explained(&op.name, fields.clone(), &credentials, profile)
    {
        Ok(p) => Some(p),
        Err(e @ GatewayError::MissingCredential { .. }) => return Err(e.into()),
        Err(_) => None,
    };
    let timeout = Duration::from_millis(args.timeout_ms);
    let config = ClientConfig::new(args.base_url.clone(), credentials)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)));
    let client = Client::new(config)?;

    let mut out = Out::default();
    let url = format!(
        "{}{}",
        args.base_url.trim_end_matches('/'),
        prepared
            .as_ref()
            .map_or_else(|| op.path.clone(), |p| p.request.path_and_query())
    );
    out.line(
        "request",
        &format!(
            "{} {}: {} {url}",
            gateway.name(),
            op.name,
            op.method.as_str()
        ),
    );
    if let Some(p) = &prepared {
        if let (Some(canonical), Some(signature)) = (&p.canonical, &p.request.signature) {
            out.line(
                "signed",
                &gateway.profile_label(profile.or(op.profile.as_deref())),
            );
            out.line("canonical", &canonical.masked());
            out.line("signature", signature.as_str());
        } else {
            out.line("signed", "no (the operation is not signed)");
        }
    }
    crate::print(&out.into_string())?;

    let outcome =
        crate::runtime()?.block_on(client.send_dynamic(&gateway, &op.name, fields, profile));
    let (text, code) = report(&gateway, op, &outcome);
    crate::print(&text)?;
    Ok(code)
}

/// The outcome as text, and the exit status it gives.
fn report(
    gateway: &Gateway,
    op: &Operation,
    outcome: &Outcome<serde_json::Value, String>,
) -> (String, u8) {
    let mut out = Out::default();
    let evidence = outcome.evidence();
    if let Some(id) = &evidence.order_id {
        out.line("order id", id);
    }
    let code = match outcome {
        Outcome::Accepted {
            payload, status, ..
        } => {
            out.line(
                "outcome",
                "accepted: the gateway said yes, the order exists (that is not the same as paid)",
            );
            if let Some(s) = status {
                out.line("status", &status_text(s));
            }
            let pretty =
                serde_json::to_string_pretty(payload).unwrap_or_else(|_| payload.to_string());
            out.line("payload", &pretty);
            0
        }
        Outcome::Rejected {
            raw_code,
            message,
            meaning,
            ..
        } => {
            if outcome.proves_order_exists() {
                out.line(
                    "outcome",
                    "rejected as a duplicate: an order with this merchant order id exists already\n\
                     (after an indeterminate call, this proves the first attempt created it)",
                );
            } else {
                out.line(
                    "outcome",
                    "rejected: the gateway said no; this request created no order (fix it and \
                     send it again)",
                );
            }
            out.line("code", raw_code);
            if let Some(m) = meaning {
                out.line("meaning", meaning_text(*m));
            }
            out.line("message", message.as_deref().unwrap_or("(none)"));
            EXIT_REJECTED
        }
        Outcome::NotSent { reason, .. } => {
            out.line("outcome", &format!("not sent: {reason}"));
            out.line(
                "",
                if matches!(reason, NotSentReason::Invalid(_)) {
                    "nothing was sent: fix the fields and send the request again"
                } else {
                    "nothing reached the gateway: it is safe to send the same request again"
                },
            );
            EXIT_NOT_SENT
        }
        Outcome::Indeterminate { reason, .. } => {
            out.line("outcome", &format!("INDETERMINATE: {reason}"));
            out.line(
                "",
                "the request was sent and the order may exist: do not report it as failed.\n\
                 Do not retry with a new order id; query the order or wait for the notification.",
            );
            out.line("next", &next_step(gateway, op));
            EXIT_INDETERMINATE
        }
    };
    let http = evidence
        .http_status
        .map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}"));
    out.line(
        "evidence",
        &format!("{http}, {} ms", evidence.elapsed.as_millis()),
    );
    if !matches!(outcome, Outcome::Accepted { .. })
        && let Some(body) = &evidence.body
    {
        out.line("body", if body.is_empty() { "(empty)" } else { body });
    }
    (out.into_string(), code)
}

fn meaning_text(m: ErrorMeaning) -> &'static str {
    match m {
        ErrorMeaning::Signature => "the signature did not verify (check the secret and profile)",
        ErrorMeaning::Duplicate => "duplicate merchant order id",
        ErrorMeaning::Invalid => "a field is missing or malformed",
        ErrorMeaning::NotFound => "no such order",
        ErrorMeaning::Auth => "wrong Authorization header or merchant credential",
        ErrorMeaning::RateLimited => "rate limited: nothing was processed, retry later",
    }
}

/// How to find out what happened to an indeterminate order of `op`: the queries that read its
/// statuses (every query when none does), and its notification.
fn next_step(gateway: &Gateway, op: &Operation) -> String {
    let spec = gateway.spec();
    let notification = op.notification.as_deref();
    let status_map = op.status.as_deref().or_else(|| {
        notification
            .and_then(|n| spec.notification(n))
            .and_then(|n| n.status.as_deref())
    });
    let all: Vec<&Operation> = spec
        .operations
        .iter()
        .filter(|o| o.kind == OperationKind::Query)
        .collect();
    let related: Vec<&str> = all
        .iter()
        .filter(|o| status_map.is_some() && o.status.as_deref() == status_map)
        .map(|o| o.name.as_str())
        .collect();
    let queries = if related.is_empty() {
        all.iter().map(|o| o.name.as_str()).collect()
    } else {
        related
    };
    let mut text = if queries.is_empty() {
        format!(
            "{} documents no query operation: send the same request again with the same order id;\n\
             a duplicate-order rejection proves the first one created the order.",
            gateway.name()
        )
    } else {
        format!(
            "query it by the same order id: paywire send --operation {} ...",
            queries.join(" | ")
        )
    };
    if let Some(n) = notification {
        text.push_str(&format!(
            "\nor wait for the signed `{n}` notification (check it with paywire verify)."
        ));
    }
    text
}
