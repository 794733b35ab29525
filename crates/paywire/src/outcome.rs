//! Outcomes of a call that never confuse "unknown" with "failed".
//!
//! Seeds 000 and 001 warn that a timeout, an HTTP 500, an empty response or a network delay on a
//! payout does not mean it failed. Every call therefore ends in one of four outcomes, and
//! [`Outcome`] is not a `Result`: `?` cannot quietly turn an indeterminate payout into an error
//! that a caller then treats as "not paid".

use std::fmt;
use std::time::Duration;

use crate::exchange::{Response, ResponseError};
use crate::types::{ErrorMeaning, GatewayStatus};

/// What is known about the exchange, for logs and support tickets.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    /// The operation's name.
    pub operation: String,
    /// The merchant's order id, when the operation has one.
    pub order_id: Option<String>,
    /// The HTTP status, when a response head arrived.
    pub http_status: Option<u16>,
    /// The response body (at most 2 KiB), when one arrived.
    pub body: Option<String>,
    /// Time from sending to the outcome.
    pub elapsed: Duration,
    /// The `Location` of a redirect answer (never followed).
    pub location: Option<String>,
    /// What else a reader of this evidence should know (an unsigned rejection...).
    pub notes: Vec<String>,
}

impl fmt::Debug for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evidence")
            .field("operation", &self.operation)
            .field("order_id", &self.order_id)
            .field("http_status", &self.http_status)
            .field("body", &self.body)
            .field("location", &self.location)
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

/// Keep at most 2 KiB of a body, on a character boundary.
pub fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= 2048 {
        return text.into_owned();
    }
    let mut end = 2048;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Why nothing left: safe to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSentReason {
    /// The connection could not be made (refused, DNS, TLS, connect timeout).
    Connect(String),
    /// The request could not be built (bad URL, invalid header value).
    Build(String),
    /// The request broke the spec's rules or could not be signed.
    Invalid(String),
}

impl fmt::Display for NotSentReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotSentReason::Connect(e) => write!(f, "could not connect: {e}"),
            NotSentReason::Build(e) => write!(f, "could not build the request: {e}"),
            NotSentReason::Invalid(e) => write!(f, "refused before sending: {e}"),
        }
    }
}

/// Why the result is unknown: the order may exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndeterminateReason {
    /// No complete response within the timeout after the request was sent.
    Timeout,
    /// The connection broke after the request was sent (reset, closed mid-response).
    ConnectionLost(String),
    /// The gateway answered 5xx.
    ServerError(u16),
    /// The body was empty.
    EmptyBody(u16),
    /// The body could not be read as the gateway's envelope (HTML error page, truncated JSON).
    Unreadable(String),
    /// The response's signature did not verify: it cannot be trusted either way.
    BadSignature(String),
    /// Any other HTTP status with no readable envelope.
    UnexpectedStatus(u16),
    /// The gateway answered with a redirect, which is never followed: the signed body would go
    /// to another host, or turn into a GET.
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308...).
        status: u16,
        /// Where it pointed.
        location: Option<String>,
    },
    /// The answer was larger than the client accepts.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The gateway refused with a code its spec does not list: nobody documented that it
    /// means "not created".
    UnknownCode {
        /// The code as the gateway wrote it.
        code: String,
        /// Its message, verbatim.
        message: Option<String>,
    },
    /// The answer names another order than the one sent (it is not this request's answer).
    AnswerMismatch {
        /// The echo field.
        field: String,
        /// The order id sent.
        sent: String,
        /// What the answer carries.
        answered: String,
    },
}

impl fmt::Display for IndeterminateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out after sending"),
            Self::ConnectionLost(e) => write!(f, "connection lost after sending: {e}"),
            Self::ServerError(s) => write!(f, "gateway answered HTTP {s}"),
            Self::EmptyBody(s) => write!(f, "empty body (HTTP {s})"),
            Self::Unreadable(e) => write!(f, "unreadable response: {e}"),
            Self::BadSignature(e) => write!(f, "response signature did not verify: {e}"),
            Self::UnexpectedStatus(s) => write!(f, "unexpected HTTP {s} without an envelope"),
            Self::Redirect { status, location } => write!(
                f,
                "gateway answered a redirect (HTTP {status} to {}), which is never followed",
                location.as_deref().unwrap_or("nowhere")
            ),
            Self::TooLarge { limit } => {
                write!(
                    f,
                    "the answer is larger than {limit} bytes (the client's limit)"
                )
            }
            Self::UnknownCode { code, message } => write!(
                f,
                "unknown code {code} ({}): the spec does not list it, so it does not prove that nothing was created; reconcile before retrying",
                message.as_deref().unwrap_or("no message")
            ),
            Self::AnswerMismatch {
                field,
                sent,
                answered,
            } => write!(
                f,
                "the answer's `{field}` is `{answered}`, not the `{sent}` sent: it is not this request's answer"
            ),
        }
    }
}

/// The result of one call.
#[must_use = "an Indeterminate outcome means the order may exist: reconcile it, never retry blindly"]
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T, E> {
    /// The gateway said yes: the order exists (not that money moved).
    Accepted {
        /// The typed payload.
        payload: T,
        /// The order's status, when the operation maps one.
        status: Option<GatewayStatus>,
        /// The exchange.
        evidence: Evidence,
    },
    /// The gateway said no, with its code and message verbatim: safe to treat as not created,
    /// except a duplicate-order rejection ([`Outcome::proves_order_exists`]), which says an
    /// order with this merchant id exists already.
    Rejected {
        /// The code, typed per provider.
        code: E,
        /// The code as the gateway wrote it.
        raw_code: String,
        /// What the spec says the code means (duplicate, bad signature...), when it says.
        meaning: Option<ErrorMeaning>,
        /// The message, verbatim.
        message: Option<String>,
        /// The exchange.
        evidence: Evidence,
    },
    /// Failed before anything left: safe to retry.
    NotSent {
        /// Why.
        reason: NotSentReason,
        /// The exchange (no response).
        evidence: Evidence,
    },
    /// Sent, result unknown: the order may exist. Query it or wait for the notification.
    Indeterminate {
        /// Why.
        reason: IndeterminateReason,
        /// The exchange.
        evidence: Evidence,
    },
}

impl<T, E> Outcome<T, E> {
    /// The evidence of the exchange.
    pub fn evidence(&self) -> &Evidence {
        match self {
            Outcome::Accepted { evidence, .. }
            | Outcome::Rejected { evidence, .. }
            | Outcome::NotSent { evidence, .. }
            | Outcome::Indeterminate { evidence, .. } => evidence,
        }
    }

    /// A one-word name of the outcome (`accepted`, `rejected`, `not sent`, `indeterminate`).
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Accepted { .. } => "accepted",
            Outcome::Rejected { .. } => "rejected",
            Outcome::NotSent { .. } => "not sent",
            Outcome::Indeterminate { .. } => "indeterminate",
        }
    }

    /// Whether the gateway said an order with this merchant id exists (accepted, or refused as
    /// a duplicate): after an indeterminate create, resubmitting the same order id and getting
    /// this answer proves the first attempt went through.
    pub fn proves_order_exists(&self) -> bool {
        matches!(
            self,
            Outcome::Accepted { .. }
                | Outcome::Rejected {
                    meaning: Some(ErrorMeaning::Duplicate),
                    ..
                }
        )
    }

    /// Whether the order may exist without the gateway having said so.
    pub fn is_indeterminate(&self) -> bool {
        matches!(self, Outcome::Indeterminate { .. })
    }
}

/// What came back from the network for one request.
#[derive(Debug)]
pub enum Exchange {
    /// Nothing left.
    NotSent(NotSentReason),
    /// Sent, then the transport failed.
    Lost(IndeterminateReason),
    /// A response arrived.
    Answered {
        /// HTTP status.
        status: u16,
        /// Body bytes.
        body: Vec<u8>,
        /// The `Location` header, when the answer is a redirect.
        location: Option<String>,
    },
}

/// Turn an exchange into an outcome, reading the body with `read` (the provider's envelope,
/// signature verification and typed payload). This is the one place the classification rules
/// live:
///
/// - transport failure before sending → `NotSent`; after sending → `Indeterminate`;
/// - a readable envelope that says yes → `Accepted`, no → `Rejected`, whatever the HTTP status
///   (goldenpay answers 400 with its error envelope);
/// - HTTP 429 without a readable envelope → `Rejected` with code `429` (rate limited: not processed);
/// - HTTP 401 or 403 without a readable envelope → `Rejected` with that code (the credentials
///   were refused before anything was processed: Stripe, Razorpay and their kind answer so);
/// - a redirect (3xx) → `Indeterminate`, never followed, its `Location` kept as evidence;
/// - a refusal with a code the spec does not list (`known` says which it lists) →
///   `Indeterminate`: only documented codes prove nothing was created;
/// - 5xx, empty or unreadable bodies, bad signatures → `Indeterminate`.
pub fn classify<T, E>(
    exchange: Exchange,
    mut evidence: Evidence,
    read: impl FnOnce(&[u8]) -> Result<Response<T, E>, ResponseError>,
    code_of: impl FnOnce(&str) -> E,
    meaning_of: impl Fn(&str) -> Option<ErrorMeaning>,
    known: impl Fn(&str) -> bool,
) -> Outcome<T, E> {
    let (status, body, location) = match exchange {
        Exchange::NotSent(reason) => return Outcome::NotSent { reason, evidence },
        Exchange::Lost(reason) => return Outcome::Indeterminate { reason, evidence },
        Exchange::Answered {
            status,
            body,
            location,
        } => (status, body, location),
    };
    evidence.http_status = Some(status);
    evidence.body = Some(truncate_body(&body));
    if (300..400).contains(&status) {
        evidence.location = location.clone();
        return Outcome::Indeterminate {
            reason: IndeterminateReason::Redirect { status, location },
            evidence,
        };
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        if status == 429 {
            return rate_limited(code_of, evidence);
        }
        if status == 401 || status == 403 {
            return unauthorized(status, code_of, evidence);
        }
        let reason = if status >= 500 {
            IndeterminateReason::ServerError(status)
        } else {
            IndeterminateReason::EmptyBody(status)
        };
        return Outcome::Indeterminate { reason, evidence };
    }
    match read(&body) {
        Ok(Response::Accepted {
            payload,
            status: st,
        }) if status < 300 => Outcome::Accepted {
            payload,
            status: st,
            evidence,
        },
        // A "success" envelope on an HTTP error status is contradictory: do not trust it.
        Ok(Response::Accepted { .. }) => Outcome::Indeterminate {
            reason: if status >= 500 {
                IndeterminateReason::ServerError(status)
            } else {
                IndeterminateReason::UnexpectedStatus(status)
            },
            evidence,
        },
        Ok(Response::Rejected {
            raw_code, message, ..
        }) if status < 500 && !known(&raw_code) => Outcome::Indeterminate {
            reason: IndeterminateReason::UnknownCode {
                code: raw_code,
                message,
            },
            evidence,
        },
        Ok(Response::Rejected {
            code,
            raw_code,
            message,
            unsigned,
        }) if status < 500 => {
            if unsigned {
                evidence.notes.push(
                    "this rejection was not signed, though the operation's success answers are: anyone on the path could have written it"
                        .to_owned(),
                );
            }
            Outcome::Rejected {
                code,
                meaning: meaning_of(&raw_code),
                raw_code,
                message,
                evidence,
            }
        }
        Ok(Response::Rejected { .. }) => Outcome::Indeterminate {
            reason: IndeterminateReason::ServerError(status),
            evidence,
        },
        Err(_) if status == 429 => rate_limited(code_of, evidence),
        Err(_) if status == 401 || status == 403 => unauthorized(status, code_of, evidence),
        Err(e) => {
            let reason = match e {
                ResponseError::Signature(v) => IndeterminateReason::BadSignature(v.to_string()),
                ResponseError::Row { .. } => IndeterminateReason::BadSignature(e.to_string()),
                _ if status >= 500 => IndeterminateReason::ServerError(status),
                other => IndeterminateReason::Unreadable(other.to_string()),
            };
            Outcome::Indeterminate { reason, evidence }
        }
    }
}

fn unauthorized<T, E>(
    status: u16,
    code_of: impl FnOnce(&str) -> E,
    evidence: Evidence,
) -> Outcome<T, E> {
    let raw = status.to_string();
    Outcome::Rejected {
        code: code_of(&raw),
        meaning: Some(ErrorMeaning::Auth),
        message: Some(format!(
            "the credentials were refused (HTTP {status}): nothing was processed"
        )),
        raw_code: raw,
        evidence,
    }
}

fn rate_limited<T, E>(code_of: impl FnOnce(&str) -> E, evidence: Evidence) -> Outcome<T, E> {
    Outcome::Rejected {
        code: code_of("429"),
        raw_code: "429".to_owned(),
        meaning: Some(ErrorMeaning::RateLimited),
        message: Some("rate limited (HTTP 429)".to_owned()),
        evidence,
    }
}

/// Read a reply dynamically (the CLI's `send`): the payload as JSON.
#[cfg(feature = "dynamic")]
pub fn dynamic_response(reply: crate::gateway::Reply) -> Response<serde_json::Value, String> {
    use crate::gateway::Reply;
    match reply {
        Reply::Accepted(a) => Response::Accepted {
            payload: crate::received::raw_to_value(&a.payload),
            status: a.status,
        },
        Reply::Rejected(r) => Response::Rejected {
            code: r.code.clone(),
            raw_code: r.code,
            message: r.message,
            unsigned: r.unsigned,
        },
    }
}
