//! `paywire demo`: the whole story in one command, on loopback ports.
//!
//! An embedded simulator plays diamondpay, goldenpay and intqp (their specs come from the
//! provider crates, so the demo runs from any directory); a merchant endpoint verifies every
//! notification with the provider's typed `PayoutNotification::verify` before it replies; the
//! provider crates' typed requests go through `paywire::Client`. For each provider the transcript
//! shows a payout accepted (with its masked canonical string and signature), its notifications
//! verified, the order queried, then a payout whose answer is lost (a timeout: INDETERMINATE)
//! reconciled with `Client::reconcile` to the simulator's final status.
//!
//! The secrets are fixed sandbox values and are never printed: canonical strings show them as
//! `****`. Exit status 0 when every step went as narrated, 1 otherwise.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use paywire::{
    CanonicalString, Client, ClientConfig, Credentials, Evidence, GatewayError, Money,
    NotificationError, Outcome, PreparedRequest, ReconcilePolicy, Reconciliation, Secret,
    VerifiedNotification,
};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tokio::net::TcpListener;

use crate::cli::DemoArgs;
use crate::error::CliError;
use crate::text::status_text;

/// Time between an order's status steps in the simulator.
const STEP: Duration = Duration::from_millis(150);
/// Time before the simulator's second notification delivery (doubling after).
const NOTIFY_INTERVAL: Duration = Duration::from_millis(50);
/// How long the simulator holds a connection it was told to time out.
const HOLD: Duration = Duration::from_millis(1_500);
/// The client's whole-request timeout: shorter than [`HOLD`], so the injected timeout is lost.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1_000);
/// Longest wait for a notification or a reconciliation.
const PATIENCE: Duration = Duration::from_secs(10);

// Fixed sandbox credentials: the simulator and the client share them. Never printed.
const DP_KEY: &str = "demo-diamondpay-platform-key";
const DP_AUTH: &str = "demo-diamondpay-authorization";
const GP_TOKEN: &str = "demo-goldenpay-api-token";
const IQ_KEY: &str = "demo-intqp-merchant-key";

/// Indentation of detail lines, and the width of their label.
const INDENT: &str = "    ";
const LABEL: usize = 14;

/// Run `paywire demo`.
pub fn run(_args: &DemoArgs) -> Result<u8, CliError> {
    crate::runtime()?.block_on(demo())
}

async fn bind() -> Result<TcpListener, CliError> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|source| CliError::Listen {
            addr: "127.0.0.1:0".to_owned(),
            source,
        })
}

fn local_url(listener: &TcpListener) -> Result<String, CliError> {
    listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .map_err(|source| CliError::Listen {
            addr: "127.0.0.1:0".to_owned(),
            source,
        })
}

const DIAMONDPAY_SPEC: &str = include_str!("../../../specs/diamondpay.toml");
const GOLDENPAY_SPEC: &str = include_str!("../../../specs/goldenpay.toml");
const INTQP_SPEC: &str = include_str!("../../../specs/intqp.toml");

async fn demo() -> Result<u8, CliError> {
    let started = Instant::now();
    // The simulator plays the gateway side from the specs the provider crates were generated
    // from (the interpreter); the merchant side is the providers' compiled code.
    let sim_gateway = |file: &str, src: &str, secret: &str| -> Result<SimGateway, CliError> {
        Ok(SimGateway {
            gateway: paywire::Gateway::from_source(src, file)?,
            secret: Secret::new(secret),
            authorization: Some(Secret::new(DP_AUTH)),
        })
    };
    let mut config = SimConfig::new(vec![
        sim_gateway("specs/diamondpay.toml", DIAMONDPAY_SPEC, DP_KEY)?,
        sim_gateway("specs/goldenpay.toml", GOLDENPAY_SPEC, GP_TOKEN)?,
        sim_gateway("specs/intqp.toml", INTQP_SPEC, IQ_KEY)?,
    ]);
    config.step = STEP;
    config.notify_interval = NOTIFY_INTERVAL;
    config.hold = HOLD;
    let sim = Simulator::new(config)?;
    let sim_listener = bind().await?;
    let sim_url = local_url(&sim_listener)?;
    tokio::spawn(sim.clone().serve(sim_listener));

    let merchant = Merchant::default();
    let hook_listener = bind().await?;
    let hook_base = format!("{}/notify", local_url(&hook_listener)?);
    let app = merchant.router();
    tokio::spawn(async move { axum::serve(hook_listener, app).await });

    say(&format!(
        "paywire demo: the paywire client against the sandbox simulator, with a merchant endpoint
for notifications. For each provider: a payout accepted, its notification verified, the order
queried; then a payout whose answer is lost (INDETERMINATE) and reconciled.

  simulator  {sim_url}/<gateway>   (diamondpay, goldenpay, intqp)
             status step {} ms, notification retries from {} ms, a timeout fault holds {} ms
  merchant   {hook_base}/<gateway>   (verifies each notification, then replies)
  client     paywire::Client with the provider crates' typed requests, timeout {} ms
  secrets    fixed sandbox values, never printed: canonical strings show them as ****",
        STEP.as_millis(),
        NOTIFY_INTERVAL.as_millis(),
        HOLD.as_millis(),
        CLIENT_TIMEOUT.as_millis(),
    ));

    let demo = Demo {
        sim,
        sim_url,
        hook_base,
        merchant,
    };
    let mut failures = Vec::new();
    let runs = [
        ("diamondpay", demo.diamondpay().await),
        ("goldenpay", demo.goldenpay().await),
        ("intqp", demo.intqp().await),
    ];
    for (gateway, result) in runs {
        if let Err(e) = result {
            failures.push(format!("{gateway}: {e}"));
        }
    }

    let verified = demo.merchant.verified_count();
    let orders = demo.sim.orders().len();
    let elapsed = started.elapsed().as_secs_f64();
    say("");
    if failures.is_empty() {
        say(&format!(
            "done in {elapsed:.1} s: 3 providers, {orders} orders, {verified} notifications \
             verified, 3 lost answers reconciled; no secret was printed."
        ));
        Ok(0)
    } else {
        say(&format!("FAILED after {elapsed:.1} s:"));
        for f in &failures {
            say(&format!("{INDENT}{f}"));
        }
        Ok(1)
    }
}

/// Print a line now (the transcript is read as it happens).
fn say(line: &str) {
    println!("{line}");
}

fn heading(title: &str) {
    say("");
    say(&format!(
        "== {title} {}",
        "=".repeat(70usize.saturating_sub(title.len()))
    ));
}

fn step(gateway: &str, n: u32, what: &str) {
    say(&format!("[{gateway} {n}/5] {what}"));
}

/// A labelled detail line; further lines of `value` are indented under the first.
fn detail(label: &str, value: &str) {
    let mut lines = value.lines();
    say(&format!(
        "{INDENT}{label:<LABEL$}{}",
        lines.next().unwrap_or("")
    ));
    for more in lines {
        say(&format!("{INDENT}{:LABEL$}{more}", ""));
    }
}

/// `(HTTP 200, 3 ms)`.
fn exchange(e: &Evidence) -> String {
    let http = e
        .http_status
        .map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}"));
    format!("({http}, {} ms)", e.elapsed.as_millis())
}

/// What an unexpected outcome was.
fn describe<T, E>(o: &Outcome<T, E>) -> String {
    match o {
        Outcome::Accepted { evidence, .. } => format!("accepted {}", exchange(evidence)),
        Outcome::Rejected {
            raw_code,
            message,
            evidence,
            ..
        } => format!(
            "rejected {raw_code} {:?} {}",
            message.as_deref().unwrap_or(""),
            exchange(evidence)
        ),
        Outcome::NotSent { reason, .. } => format!("not sent: {reason}"),
        Outcome::Indeterminate { reason, evidence } => {
            format!("indeterminate: {reason} {}", exchange(evidence))
        }
    }
}

fn unexpected<T, E>(want: &str, o: &Outcome<T, E>) -> String {
    let text = format!("expected {want}, got {}", describe(o));
    detail("UNEXPECTED", &text);
    text
}

/// Show what a request signs: the masked canonical string and the signature.
fn show_signed(
    canonical: CanonicalString,
    prepared: Result<PreparedRequest, GatewayError>,
) -> Result<(), String> {
    let p = prepared.map_err(|e| e.to_string())?;
    if let Some(signature) = &p.signature {
        detail("canonical", &canonical.masked());
        detail("signature", signature.as_str());
    }
    Ok(())
}

fn expect_indeterminate<T, E>(o: &Outcome<T, E>) -> Result<(), String> {
    let Outcome::Indeterminate { reason, evidence } = o else {
        return Err(unexpected("indeterminate", o));
    };
    detail(
        "INDETERMINATE",
        &format!(
            "{reason} {}\n\
             not \"failed\": the request was sent and the order may exist.\n\
             Do not retry with a new order id; query the order or wait for the notification.",
            exchange(evidence)
        ),
    );
    Ok(())
}

fn policy() -> ReconcilePolicy {
    ReconcilePolicy {
        deadline: PATIENCE,
        initial_delay: STEP,
        max_delay: STEP * 3,
    }
}

/// What the merchant endpoint saw.
#[derive(Debug, Clone)]
struct Received {
    gateway: String,
    /// The verified notification, or why it was refused.
    verified: Result<VerifiedNotification, String>,
    /// An event already handled (same delivery key).
    duplicate: bool,
}

/// The merchant's notification endpoint: `POST /notify/<gateway>`.
#[derive(Clone, Default)]
struct Merchant {
    received: Arc<Mutex<Vec<Received>>>,
}

impl Merchant {
    fn router(&self) -> Router {
        Router::new()
            .route("/notify/{gateway}", post(notification))
            .with_state(self.clone())
    }

    fn all(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn record(&self, r: Received) {
        if let Ok(mut all) = self.received.lock() {
            all.push(r);
        }
    }

    fn verified_count(&self) -> usize {
        self.all()
            .iter()
            .filter(|r| r.verified.is_ok() && !r.duplicate)
            .count()
    }

    /// Every notification about one order so far.
    fn about(&self, gateway: &str, order_id: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| {
                r.gateway == gateway
                    && match &r.verified {
                        Ok(v) => v.order_id.as_deref() == Some(order_id),
                        Err(_) => false,
                    }
            })
            .collect()
    }
}

/// Verify a notification with the provider crate's typed verifier, then reply with exactly what
/// the gateway expects. A body that does not verify is refused and not trusted.
async fn notification(
    State(merchant): State<Merchant>,
    Path(gateway): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let verified: Result<VerifiedNotification, NotificationError> = match gateway.as_str() {
        "diamondpay" => paywire_diamondpay::PayoutNotification::verify(
            &body,
            content_type,
            &Secret::new(DP_KEY),
        )
        .map(|v| v.meta),
        "goldenpay" => paywire_goldenpay::PayoutNotification::verify(
            &body,
            content_type,
            &Secret::new(GP_TOKEN),
        )
        .map(|v| v.meta),
        _ => return (StatusCode::NOT_FOUND, "no such gateway\n").into_response(),
    };
    match verified {
        Ok(v) => {
            let key = v.delivery_key();
            let duplicate = merchant.all().iter().any(|r| {
                r.gateway == gateway && r.verified.as_ref().is_ok_and(|o| o.delivery_key() == key)
            });
            let reply = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, v.reply_content_type.clone())],
                v.reply_body.clone(),
            )
                .into_response();
            merchant.record(Received {
                gateway,
                verified: Ok(v),
                duplicate,
            });
            reply
        }
        Err(e) => {
            merchant.record(Received {
                gateway,
                verified: Err(e.to_string()),
                duplicate: false,
            });
            (StatusCode::BAD_REQUEST, "notification refused\n").into_response()
        }
    }
}

struct Demo {
    sim: Simulator,
    sim_url: String,
    hook_base: String,
    merchant: Merchant,
}

impl Demo {
    fn client(&self, gateway: &str, credentials: Credentials) -> Result<Client, String> {
        let config = ClientConfig::new(format!("{}/{gateway}", self.sim_url), credentials)
            .timeout(CLIENT_TIMEOUT);
        Client::new(config).map_err(|e| e.to_string())
    }

    /// The simulator's record of an order: its current status and whether it is final.
    fn sim_status(&self, gateway: &str, order_id: &str) -> Option<(String, bool, String)> {
        self.sim
            .orders()
            .into_iter()
            .find(|o| o.gateway == gateway && o.order_id == order_id)
            .map(|o| (o.status().to_owned(), o.is_final(), o.gateway_id.clone()))
    }

    /// Wait until the merchant endpoint verified a notification of a terminal status for the
    /// order, then show every notification about it.
    async fn await_notifications(&self, gateway: &str, order_id: &str) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let terminal = self.merchant.about(gateway, order_id).iter().any(|r| {
                r.verified
                    .as_ref()
                    .ok()
                    .and_then(|v| v.status.as_ref())
                    .is_some_and(|s| s.common.is_terminal())
            });
            if terminal {
                break;
            }
            if started.elapsed() > PATIENCE {
                let text = format!(
                    "no verified notification of a final status for {order_id} within {} s",
                    PATIENCE.as_secs()
                );
                detail("UNEXPECTED", &text);
                return Err(text);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for r in self.merchant.about(gateway, order_id) {
            if let Ok(v) = &r.verified {
                let status = v
                    .status
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), status_text);
                detail(
                    "VERIFIED",
                    &format!(
                        "notification `{}` for {order_id}: status {status}{}\n\
                         delivery key {}, replied {}",
                        v.name,
                        if r.duplicate {
                            " (a duplicate: handled once)"
                        } else {
                            ""
                        },
                        v.delivery_key(),
                        v.reply_body
                    ),
                );
            }
        }
        Ok(())
    }

    /// Show a reconciliation by query, and check it against the simulator's record.
    fn reconciled<T, E>(
        &self,
        gateway: &str,
        order_id: &str,
        r: &Reconciliation<T, E>,
    ) -> Result<(), String> {
        let Some(status) = r.status.as_ref().filter(|_| r.terminal) else {
            return Err(unexpected("a terminal status", &r.last));
        };
        let sim = self.sim_status(gateway, order_id);
        let matches = sim
            .as_ref()
            .is_some_and(|(code, is_final, _)| *is_final && code == &status.code);
        detail(
            "RECONCILED",
            &format!(
                "{order_id}: final status {} after {} quer{}\n\
                 the simulator's record: {}{}",
                status_text(status),
                r.attempts,
                if r.attempts == 1 { "y" } else { "ies" },
                sim.as_ref().map_or_else(
                    || "(no order)".to_owned(),
                    |(code, _, id)| format!("status {code:?}, gateway id {id}")
                ),
                if matches {
                    " (the same)"
                } else {
                    " (DIFFERENT)"
                }
            ),
        );
        self.late_notifications(gateway, order_id);
        if matches {
            Ok(())
        } else {
            Err(format!(
                "reconciled {order_id} to {}, the simulator says {sim:?}",
                status.code
            ))
        }
    }

    /// The notifications of an order that was reconciled by query (shown, not waited for).
    fn late_notifications(&self, gateway: &str, order_id: &str) {
        let codes: Vec<String> = self
            .merchant
            .about(gateway, order_id)
            .iter()
            .filter_map(|r| r.verified.as_ref().ok())
            .filter_map(|v| v.status.as_ref().map(status_text))
            .collect();
        if !codes.is_empty() {
            detail(
                "",
                &format!(
                    "its notifications arrived too, verified: {}",
                    codes.join(", ")
                ),
            );
        }
    }

    async fn diamondpay(&self) -> Result<(), String> {
        use paywire_diamondpay::{CreatePayoutTwdRequest, QueryPayoutsRequest};
        const GW: &str = "diamondpay";
        heading("diamondpay (crate paywire-diamondpay)");
        let credentials =
            Credentials::new(Secret::new(DP_KEY)).with("authorization", Secret::new(DP_AUTH));
        let client = self.client(GW, credentials.clone())?;
        let hook = format!("{}/{GW}", self.hook_base);
        let payout = |id: &str, minor: i64| {
            CreatePayoutTwdRequest::builder()
                .platform_id("PF0002")
                .service_id("SVC0004")
                .payout_cl_id(id)
                .amount(Money::from_minor(minor))
                .notify_url(hook.clone())
                .bank_code("812")
                .number("4088748280272397")
                .currency("twd")
                .request_time(1_595_504_997)
                .build()
                .map_err(|e| e.to_string())
        };

        let id = "DEMO-DP-1";
        step(
            GW,
            1,
            &format!("create payout {id}: create_payout_twd, amount 50000 (TWD cents) to bank 812"),
        );
        let request = payout(id, 50_000)?;
        show_signed(
            request.canonical_string(&credentials.secret),
            request.prepare(&credentials),
        )?;
        let outcome = client.send(&request).await;
        let Outcome::Accepted {
            payload, evidence, ..
        } = &outcome
        else {
            return Err(unexpected("accepted", &outcome));
        };
        detail(
            "ACCEPTED",
            &format!(
                "order {id}, gateway id {} {}\n\
                 (accepted means the order exists, not that money moved)",
                payload.payout_id,
                exchange(evidence)
            ),
        );

        step(
            GW,
            2,
            "wait for the payout notifications at the merchant endpoint",
        );
        self.await_notifications(GW, id).await?;

        step(
            GW,
            3,
            &format!("query the order: query_payouts by payout_cl_id {id}"),
        );
        let query = QueryPayoutsRequest::builder()
            .payout_cl_id(id)
            .build()
            .map_err(|e| e.to_string())?;
        let outcome = client.send(&query).await;
        let Outcome::Accepted {
            payload,
            status: Some(status),
            evidence,
        } = &outcome
        else {
            return Err(unexpected("accepted with a status", &outcome));
        };
        detail(
            "ACCEPTED",
            &format!(
                "{} row(s), each row's signature verified: payout_id {}, status {} {}",
                payload.rows.len(),
                payload
                    .rows
                    .first()
                    .and_then(|r| r.payout_id.as_deref())
                    .unwrap_or("-"),
                status_text(status),
                exchange(evidence)
            ),
        );

        let id = "DEMO-DP-2";
        step(
            GW,
            4,
            &format!(
                "create payout {id} for 50091 cents: an amount ending in 91 makes the simulator hold \
                 its answer {} ms; the client waits {} ms",
                HOLD.as_millis(),
                CLIENT_TIMEOUT.as_millis()
            ),
        );
        let outcome = client.send(&payout(id, 50_091)?).await;
        expect_indeterminate(&outcome)?;

        step(
            GW,
            5,
            &format!(
                "reconcile {id}: Client::reconcile repeats query_payouts by payout_cl_id until the \
                 status is final"
            ),
        );
        let query = QueryPayoutsRequest::builder()
            .payout_cl_id(id)
            .build()
            .map_err(|e| e.to_string())?;
        let r = client.reconcile(|| query.clone(), policy()).await;
        self.reconciled(GW, id, &r)
    }

    async fn goldenpay(&self) -> Result<(), String> {
        use paywire_goldenpay::{CreatePayoutRequest, QueryPayoutRequest};
        const GW: &str = "goldenpay";
        heading("goldenpay (crate paywire-goldenpay)");
        let credentials = Credentials::new(Secret::new(GP_TOKEN));
        let client = self.client(GW, credentials.clone())?;
        let hook = format!("{}/{GW}", self.hook_base);
        let payout = |id: &str, minor: i64| {
            CreatePayoutRequest::builder()
                .mch_id(8888)
                .trans_id(id)
                .channel("bank")
                .amount(Money::from_minor(minor))
                .currency("VND")
                .account_no("2333667799212341")
                .account_name("Nguyen Xuan Hung")
                .account_org("PVCOMBANK")
                .account_org_code("970425")
                .callback_url(hook.clone())
                .nonce("abcdef12")
                .timestamp(1_729_187_424)
                .build()
                .map_err(|e| e.to_string())
        };
        let query = |id: &str| {
            QueryPayoutRequest::builder()
                .id(id)
                .mch_id(8888)
                .nonce("q0000001")
                .timestamp(1_729_187_424)
                .build()
                .map_err(|e| e.to_string())
        };

        let id = "DEMO-GP-1";
        step(
            GW,
            1,
            &format!("create payout {id}: create_payout, amount 100.00 VND to PVCOMBANK"),
        );
        let request = payout(id, 10_000)?;
        show_signed(
            request.canonical_string(&credentials.secret),
            request.prepare(&credentials),
        )?;
        let outcome = client.send(&request).await;
        let Outcome::Accepted {
            payload,
            status,
            evidence,
        } = &outcome
        else {
            return Err(unexpected("accepted", &outcome));
        };
        detail(
            "ACCEPTED",
            &format!(
                "order {id}, gateway id {}, status {} {}\n\
                 (accepted means the order exists, not that money moved)",
                payload.id,
                status.as_ref().map_or_else(|| "-".to_owned(), status_text),
                exchange(evidence)
            ),
        );
        let gateway_id = payload.id.clone();

        step(
            GW,
            2,
            "wait for the payout callback at the merchant endpoint",
        );
        self.await_notifications(GW, id).await?;

        step(
            GW,
            3,
            &format!("query the order: query_payout by gateway id {gateway_id}"),
        );
        let outcome = client.send(&query(&gateway_id)?).await;
        let Outcome::Accepted {
            payload,
            status: Some(status),
            evidence,
        } = &outcome
        else {
            return Err(unexpected("accepted with a status", &outcome));
        };
        detail(
            "ACCEPTED",
            &format!(
                "trans_id {}, status {} {}",
                payload.trans_id.as_deref().unwrap_or("-"),
                status_text(status),
                exchange(evidence)
            ),
        );

        let id = "DEMO-GP-2";
        step(
            GW,
            4,
            &format!(
                "create payout {id} for 100.91: an amount ending in 91 makes the simulator hold \
                 its answer {} ms; the client waits {} ms",
                HOLD.as_millis(),
                CLIENT_TIMEOUT.as_millis()
            ),
        );
        let outcome = client.send(&payout(id, 10_091)?).await;
        expect_indeterminate(&outcome)?;

        step(
            GW,
            5,
            &format!(
                "reconcile {id}: no gateway id came back, so Client::reconcile repeats \
                 query_payout by trans_id (a fresh nonce each time) until the status is final"
            ),
        );
        let base = query(id)?;
        let mut n = 0_u32;
        let r = client
            .reconcile(
                || {
                    n += 1;
                    let mut q = base.clone();
                    q.nonce = format!("rc{n:06}");
                    q
                },
                policy(),
            )
            .await;
        self.reconciled(GW, id, &r)
    }

    async fn intqp(&self) -> Result<(), String> {
        use paywire_intqp::{ErrorCode, WithdrawRequest};
        const GW: &str = "intqp";
        heading("intqp (crate paywire-intqp)");
        let credentials = Credentials::new(Secret::new(IQ_KEY));
        let client = self.client(GW, credentials.clone())?;
        let hook = format!("{}/{GW}", self.hook_base);
        let withdraw = |id: &str, minor: i64| {
            WithdrawRequest::builder()
                .uid("test1")
                .currency("VND")
                .orderid(id)
                .notify_url(hook.clone())
                .amount(Money::from_minor(minor))
                .userip("127.0.0.1")
                .timestamp(1_758_210_270)
                .pay_code("1004")
                .build()
                .map_err(|e| e.to_string())
        };
        let duplicate = |o: &Outcome<_, ErrorCode>, id: &str| -> Result<(), String> {
            let Outcome::Rejected {
                code: ErrorCode::DuplicateOrder,
                raw_code,
                message,
                evidence,
                ..
            } = o
            else {
                return Err(unexpected("rejected 10003 DuplicateOrder", o));
            };
            detail(
                "REJECTED",
                &format!(
                    "{raw_code} DuplicateOrder, message {:?} {}\n\
                     so {id} exists: the same orderid cannot create a second order",
                    message.as_deref().unwrap_or(""),
                    exchange(evidence)
                ),
            );
            Ok(())
        };

        let id = "DEMO-IQ-1";
        step(
            GW,
            1,
            &format!("create withdrawal {id}: withdraw, amount 100.00 VND through pay_code 1004"),
        );
        let request = withdraw(id, 10_000)?;
        show_signed(
            request.canonical_string(&credentials.secret),
            request.prepare(&credentials),
        )?;
        let outcome = client.send(&request).await;
        let Outcome::Accepted {
            payload, evidence, ..
        } = &outcome
        else {
            return Err(unexpected("accepted", &outcome));
        };
        detail(
            "ACCEPTED",
            &format!(
                "order {id}, transactionid {}, response signature verified {}\n\
                 (accepted means the order exists, not that money moved)",
                payload.transactionid.as_deref().unwrap_or("-"),
                exchange(evidence)
            ),
        );

        step(
            GW,
            2,
            "notification: intqp documents no notification format (paywire-intqp has no \
             notification type), so the simulator sends none and there is nothing to verify",
        );

        step(
            GW,
            3,
            &format!(
                "query: intqp has no query API; resubmit {id} with the same orderid instead (safe)"
            ),
        );
        duplicate(&client.send(&request).await, id)?;

        let id = "DEMO-IQ-2";
        step(
            GW,
            4,
            &format!(
                "create withdrawal {id} for 100.91: an amount ending in 91 makes the simulator \
                 hold its answer {} ms; the client waits {} ms",
                HOLD.as_millis(),
                CLIENT_TIMEOUT.as_millis()
            ),
        );
        let request = withdraw(id, 10_091)?;
        let outcome = client.send(&request).await;
        expect_indeterminate(&outcome)?;

        step(
            GW,
            5,
            &format!(
                "reconcile {id}: with no query API, Client::reconcile resubmits the same request \
                 (same orderid)"
            ),
        );
        let r = client.reconcile(|| request.clone(), policy()).await;
        duplicate(&r.last, id)?;
        let sim = self.sim_status(GW, id);
        let Some((code, true, gateway_id)) = sim else {
            let text = format!("the simulator has no final record of {id}: {sim:?}");
            detail("UNEXPECTED", &text);
            return Err(text);
        };
        detail(
            "RECONCILED",
            &format!(
                "{id} exists: the lost request created it (after {} attempt{})\n\
                 the simulator's record: gateway id {gateway_id}, status {code:?} (final; intqp\n\
                 documents no status codes, and its notification format is undocumented)",
                r.attempts,
                if r.attempts == 1 { "" } else { "s" }
            ),
        );
        Ok(())
    }
}
