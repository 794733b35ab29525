//! The HTTP client (feature `client`, on by default in provider crates): sends any generated
//! request over reqwest (rustls) and returns an [`Outcome`] that never mistakes unknown for
//! failed; [`Client::reconcile`] resolves an indeterminate order through the query API.

use std::time::{Duration, Instant};

use crate::exchange::{Credentials, GatewayError, PreparedRequest, Response, ResponseError};
use crate::outcome::{Evidence, Exchange, IndeterminateReason, NotSentReason, Outcome, classify};
use crate::request::Request;
use crate::types::{CommonStatus, ErrorMeaning, Method};

/// How to reach a gateway.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL (`https://api.gateway.example`); operation paths are appended.
    pub base_url: String,
    /// The merchant's credentials.
    pub credentials: Credentials,
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
    /// Connect timeout (a connect failure is `NotSent`: nothing left).
    pub connect_timeout: Duration,
    /// A reqwest client of your own (proxies, TLS roots, pools); its timeouts are yours then,
    /// and it must not follow redirects (`reqwest::redirect::Policy::none()`): a redirect
    /// would re-send the signed body elsewhere.
    pub http: Option<reqwest::Client>,
    /// The largest answer read, in bytes (default 1 MiB); a larger one is indeterminate.
    pub max_response_bytes: usize,
}

/// The default largest answer the client reads: 1 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

impl ClientConfig {
    /// A configuration with 30 s request and 10 s connect timeouts.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            http: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Set the largest answer read, in bytes.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Set the whole-request timeout.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Set the connect timeout.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Use a reqwest client of your own.
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }
}

/// A client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// The base URL is not http(s).
    #[error("base URL `{0}` must start with http:// or https://")]
    BaseUrl(String),
}

/// Sends requests of any provider.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    credentials: Credentials,
    http: reqwest::Client,
    max_response_bytes: usize,
}

/// How [`Client::reconcile`] polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcilePolicy {
    /// Stop polling after this long.
    pub deadline: Duration,
    /// Wait before the second query.
    pub initial_delay: Duration,
    /// Longest wait between queries.
    pub max_delay: Duration,
}

impl Default for ReconcilePolicy {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(300),
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What reconciliation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciliation<T, E> {
    /// The last status the gateway reported, if any.
    pub status: Option<crate::types::GatewayStatus>,
    /// Whether that status is terminal (succeeded, failed, cancelled).
    pub terminal: bool,
    /// Queries made.
    pub attempts: u32,
    /// The last query's outcome.
    pub last: Outcome<T, E>,
    /// Evidence of every query, in order.
    pub history: Vec<Evidence>,
}

impl<T, E> Reconciliation<T, E> {
    /// The common status found, or `Unknown`.
    pub fn common_status(&self) -> CommonStatus {
        self.status
            .as_ref()
            .map_or(CommonStatus::Unknown, |s| s.common)
    }
}

impl Client {
    /// Build a client.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let base = config.base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::BaseUrl(config.base_url));
        }
        let http = match config.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .timeout(config.timeout)
                .connect_timeout(config.connect_timeout)
                // A 307/308 would re-send the signed POST body to another host, and a
                // 301/302/303 would turn it into a GET: a redirect is an answer, never followed.
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
        };
        Ok(Self {
            base,
            credentials: config.credentials,
            http,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// The credentials this client signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Validate, sign and send a request; read, verify and type the response.
    pub async fn send<R: Request>(&self, request: &R) -> Outcome<R::Payload, R::Error> {
        self.send_as(request, None).await
    }

    /// As [`Client::send`], signing with another profile of the gateway.
    pub async fn send_with<R: Request>(
        &self,
        request: &R,
        profile: R::Profile,
    ) -> Outcome<R::Payload, R::Error> {
        self.send_as(request, Some(profile)).await
    }

    async fn send_as<R: Request>(
        &self,
        request: &R,
        profile: Option<R::Profile>,
    ) -> Outcome<R::Payload, R::Error> {
        let secret = &self.credentials.secret;
        let evidence = Evidence {
            operation: R::OPERATION.to_owned(),
            order_id: request.order_id(),
            ..Evidence::default()
        };
        let outcome = self
            .execute(
                request.prepare_request(&self.credentials, profile),
                evidence,
                |body| R::read_body(body, secret, profile),
                R::error_code,
                R::meaning,
                R::documented,
            )
            .await;
        bind_to_request(outcome, |payload| request.answer_mismatch(payload))
    }

    /// Send an operation of any gateway from key/value fields (the CLI's `send`); the payload is
    /// JSON and error codes are text.
    #[cfg(feature = "dynamic")]
    pub async fn send_dynamic(
        &self,
        gateway: &crate::Gateway,
        operation: &str,
        fields: crate::WireFields,
        profile: Option<&str>,
    ) -> Outcome<serde_json::Value, String> {
        let secret = &self.credentials.secret;
        let evidence = Evidence {
            operation: operation.to_owned(),
            order_id: gateway
                .operation(operation)
                .ok()
                .and_then(|op| op.order_id.as_deref())
                .and_then(|k| fields.get(k))
                .and_then(|v| v.text()),
            ..Evidence::default()
        };
        let sent = evidence.order_id.clone();
        let echo = gateway
            .operation(operation)
            .ok()
            .and_then(|op| op.echo.clone());
        let outcome = self
            .execute(
                gateway.prepare(operation, fields, &self.credentials, profile),
                evidence,
                |body| {
                    gateway
                        .read_response(operation, body, secret)
                        .map(crate::outcome::dynamic_response)
                },
                str::to_owned,
                |code| gateway.meaning(code),
                |code| gateway.spec().errors.iter().any(|e| e.code == code),
            )
            .await;
        bind_to_request(outcome, |payload: &serde_json::Value| {
            let (field, sent) = (echo.as_ref()?, sent.as_ref()?);
            let answered = match payload.get(field)? {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            (answered != *sent).then(|| (field.clone(), sent.clone(), answered))
        })
    }

    /// Exchange a prepared request and classify the answer with `read`: the one path every
    /// send takes.
    async fn execute<T, E>(
        &self,
        prepared: Result<PreparedRequest, GatewayError>,
        mut evidence: Evidence,
        read: impl FnOnce(&[u8]) -> Result<Response<T, E>, ResponseError>,
        code_of: impl FnOnce(&str) -> E,
        meaning_of: impl Fn(&str) -> Option<ErrorMeaning>,
        known: impl Fn(&str) -> bool,
    ) -> Outcome<T, E> {
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                return Outcome::NotSent {
                    reason: NotSentReason::Invalid(e.to_string()),
                    evidence,
                };
            }
        };
        let started = Instant::now();
        let exchange = self.exchange(&prepared).await;
        evidence.elapsed = started.elapsed();
        classify(exchange, evidence, read, code_of, meaning_of, known)
    }

    /// Send a prepared request and collect what came back, classifying transport failures.
    pub async fn exchange(&self, prepared: &PreparedRequest) -> Exchange {
        let url = format!("{}{}", self.base, prepared.path_and_query());
        let mut req = match prepared.method {
            Method::Get => self.http.get(&url),
            Method::Post => self.http.post(&url),
        };
        for (name, value) in &prepared.headers {
            req = req.header(name.as_str(), value.expose());
        }
        if let Some(ct) = prepared.content_type {
            req = req.header(reqwest::header::CONTENT_TYPE, ct);
        }
        if let Some(body) = &prepared.body {
            req = req.body(body.clone());
        }
        let mut response = match req.send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(&e),
        };
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let limit = self.max_response_bytes;
        let too_large = Exchange::Lost(IndeterminateReason::TooLarge { limit });
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return too_large;
        }
        // Read chunk by chunk, so that an endless or huge answer stops at the limit.
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .map_or(4096, |n| n as usize)
                .min(limit),
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return too_large;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Exchange::Lost(IndeterminateReason::Timeout),
                Err(e) => {
                    return Exchange::Lost(IndeterminateReason::ConnectionLost(error_chain(&e)));
                }
            }
        }
        Exchange::Answered {
            status,
            body,
            location,
        }
    }

    /// Poll a query until the order reaches a terminal status, the gateway rejects the query, or
    /// the deadline passes. `query` builds a fresh query for each attempt (new nonce and
    /// timestamp) by the merchant's own order id: after a timeout no gateway id exists.
    pub async fn reconcile<R: Request>(
        &self,
        mut query: impl FnMut() -> R,
        policy: ReconcilePolicy,
    ) -> Reconciliation<R::Payload, R::Error> {
        let started = Instant::now();
        let maps_status = R::MAPS_STATUS;
        let mut delay = policy.initial_delay;
        let mut history = Vec::new();
        let mut attempts = 0;
        let mut last_status = None;
        loop {
            attempts += 1;
            let outcome = self.send(&query()).await;
            history.push(outcome.evidence().clone());
            if let Outcome::Accepted {
                status: Some(s), ..
            } = &outcome
            {
                last_status = Some(s.clone());
            }
            let terminal = last_status.as_ref().is_some_and(|s| s.common.is_terminal());
            let rejected = matches!(outcome, Outcome::Rejected { .. });
            // An operation that maps no status (resubmitting a create) is answered once it
            // proves the order exists: polling again would only send it once more.
            let conclusive = !maps_status && outcome.proves_order_exists();
            if terminal || rejected || conclusive || started.elapsed() + delay > policy.deadline {
                return Reconciliation {
                    status: last_status,
                    terminal,
                    attempts,
                    last: outcome,
                    history,
                };
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    }
}

/// An accepted answer that names another order than the one sent is not this request's
/// answer: indeterminate.
fn bind_to_request<T, E>(
    outcome: Outcome<T, E>,
    mismatch: impl FnOnce(&T) -> Option<(String, String, String)>,
) -> Outcome<T, E> {
    match outcome {
        Outcome::Accepted {
            payload,
            status,
            evidence,
        } => match mismatch(&payload) {
            Some((field, sent, answered)) => Outcome::Indeterminate {
                reason: IndeterminateReason::AnswerMismatch {
                    field,
                    sent,
                    answered,
                },
                evidence,
            },
            None => Outcome::Accepted {
                payload,
                status,
                evidence,
            },
        },
        other => other,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

/// Classify a reqwest send error: connect failures left nothing; anything after is unknown.
fn transport_failure(e: &reqwest::Error) -> Exchange {
    if e.is_builder() {
        Exchange::NotSent(NotSentReason::Build(error_chain(e)))
    } else if e.is_connect() {
        Exchange::NotSent(NotSentReason::Connect(error_chain(e)))
    } else if e.is_timeout() {
        Exchange::Lost(IndeterminateReason::Timeout)
    } else {
        Exchange::Lost(IndeterminateReason::ConnectionLost(error_chain(e)))
    }
}
