//! Each provider's generated client against the simulator, end to end: signature accepted,
//! tampered signature refused with the gateway's code, duplicate order refused, notification
//! delivered, verified and acknowledged, and the query (or reconciliation) returns the final status.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use paywire::{
    Client, ClientConfig, CommonStatus, Credentials, Gateway, Money, ReconcilePolicy, Secret,
};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tokio::net::TcpListener;

const DP_KEY: &str = "dp-platform-key";
const DP_AUTH: &str = "PF0002-AUTH";
const GP_TOKEN: &str = "gp-api-token";
const IQ_KEY: &str = "iq-merchant-key";

async fn start_sim() -> (Simulator, String) {
    let gw = |g: &'static Gateway, key: &str| SimGateway {
        gateway: g.clone(),
        secret: Secret::new(key),
        authorization: Some(Secret::new(DP_AUTH)),
    };
    let mut config = SimConfig::new(vec![
        gw(paywire_tests::diamondpay(), DP_KEY),
        gw(paywire_tests::goldenpay(), GP_TOKEN),
        gw(paywire_tests::intqp(), IQ_KEY),
    ]);
    config.step = Duration::from_millis(150);
    config.notify_interval = Duration::from_millis(50);
    config.hold = Duration::from_secs(2);
    let sim = Simulator::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sim.clone().serve(listener));
    (sim, url)
}

/// What the merchant's notification endpoint saw: verified delivery keys, first-time handled ones.
#[derive(Clone, Default)]
struct Merchant {
    handled: Arc<Mutex<BTreeSet<String>>>,
    duplicates: Arc<Mutex<u32>>,
    refused: Arc<Mutex<u32>>,
}

type Verify = fn(&[u8], Option<&str>) -> Result<(String, String, String), String>;

async fn start_merchant(verify: Verify) -> (Merchant, String) {
    let m = Merchant::default();
    async fn hook(
        State((m, verify)): State<(Merchant, Verify)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (axum::http::StatusCode, String) {
        let ct = headers.get("content-type").and_then(|v| v.to_str().ok());
        match verify(&body, ct) {
            Ok((key, reply, _)) => {
                if !m.handled.lock().unwrap().insert(key) {
                    *m.duplicates.lock().unwrap() += 1;
                }
                (axum::http::StatusCode::OK, reply)
            }
            Err(_) => {
                *m.refused.lock().unwrap() += 1;
                (axum::http::StatusCode::BAD_REQUEST, "bad signature".into())
            }
        }
    }
    let app = Router::new().fallback(hook).with_state((m.clone(), verify));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (m, url)
}

fn client(base: &str, secret: &str) -> Client {
    let creds = Credentials::new(Secret::new(secret)).with("authorization", Secret::new(DP_AUTH));
    Client::new(ClientConfig::new(base, creds).timeout(Duration::from_millis(800))).unwrap()
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not met in 5 s");
}

fn patient() -> ReconcilePolicy {
    ReconcilePolicy {
        deadline: Duration::from_secs(10),
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
    }
}

#[tokio::test]
async fn diamondpay_end_to_end() {
    use paywire_diamondpay::*;
    let (sim, base) = start_sim().await;
    let base = format!("{base}/diamondpay");
    let verify: Verify = |b, ct| {
        PayoutNotification::verify(b, ct, &Secret::new(DP_KEY))
            .map(|v| {
                (
                    v.delivery_key(),
                    v.reply_body().to_owned(),
                    v.notification.payout_cl_id.clone(),
                )
            })
            .map_err(|e| e.to_string())
    };
    let (merchant, hook) = start_merchant(verify).await;
    let payout = |id: &str| {
        CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id(id)
            .amount(Money::from_minor(50000))
            .notify_url(hook.clone())
            .bank_code("812")
            .number("4088748280272397")
            .currency("twd")
            .request_time(1595504997)
            .build()
            .unwrap()
    };
    let good = client(&base, DP_KEY);
    let Outcome::Accepted { payload, .. } = good.send(&payout("E2E-1")).await else {
        panic!("accepted")
    };
    assert!(payload.payout_id.starts_with("DI"), "{}", payload.payout_id);
    match good.send(&payout("E2E-1")).await {
        Outcome::Rejected { code, .. } => assert_eq!(code, ErrorCode::DuplicateOrder),
        other => panic!("{other:?}"),
    }
    // A wrong key is refused with the gateway's code (the answer to a create is unsigned).
    match client(&base, "not-the-platform-key")
        .send(&payout("E2E-2"))
        .await
    {
        Outcome::Rejected { code, message, .. } => {
            assert_eq!(code, ErrorCode::SignatureVerificationFailed);
            assert!(message.unwrap().contains("Signature verification failed"));
        }
        other => panic!("{other:?}"),
    }
    wait_for(|| {
        sim.deliveries()
            .iter()
            .any(|d| d.order_id == "E2E-1" && d.acknowledged && d.status == "3")
    })
    .await;
    assert!(
        merchant
            .handled
            .lock()
            .unwrap()
            .iter()
            .any(|k| k.ends_with(":E2E-1:3"))
    );
    let query = || {
        QueryPayoutsRequest::builder()
            .payout_cl_id("E2E-1")
            .build()
            .unwrap()
    };
    let r = good.reconcile(query, patient()).await;
    assert!(r.terminal, "{r:?}");
    assert_eq!(r.common_status(), CommonStatus::Succeeded);

    // An injected timeout (magic amount ending in 91): indeterminate, then reconciled by the
    // merchant's own id to the simulator's final status.
    let mut timed_out = payout("E2E-T");
    timed_out.amount = Money::from_minor(50091);
    match good.send(&timed_out).await {
        Outcome::Indeterminate { reason, evidence } => {
            assert_eq!(reason, paywire::IndeterminateReason::Timeout);
            assert_eq!(evidence.order_id.as_deref(), Some("E2E-T"));
        }
        other => panic!("{other:?}"),
    }
    let query = || {
        QueryPayoutsRequest::builder()
            .payout_cl_id("E2E-T")
            .build()
            .unwrap()
    };
    let r = good.reconcile(query, patient()).await;
    assert!(r.terminal && r.attempts >= 1, "{r:?}");
    let order = sim
        .orders()
        .into_iter()
        .find(|o| o.order_id == "E2E-T")
        .unwrap();
    assert_eq!(r.status.unwrap().code, order.status());
}

#[tokio::test]
async fn goldenpay_end_to_end() {
    use paywire_goldenpay::*;
    let (sim, base) = start_sim().await;
    let base = format!("{base}/goldenpay");
    let verify: Verify = |b, ct| {
        PayoutNotification::verify(b, ct, &Secret::new(GP_TOKEN))
            .map(|v| {
                (
                    v.delivery_key(),
                    v.reply_body().to_owned(),
                    v.notification.trans_id.clone(),
                )
            })
            .map_err(|e| e.to_string())
    };
    let (merchant, hook) = start_merchant(verify).await;
    let payout = |id: &str| {
        CreatePayoutRequest::builder()
            .mch_id(8888)
            .trans_id(id)
            .channel("bank")
            .amount(Money::from_minor(10000))
            .currency("VND")
            .account_no("2333667799212341")
            .account_name("Nguyen Xuan Hung")
            .account_org("PVCOMBANK")
            .account_org_code("970425")
            .callback_url(hook.clone())
            .nonce("abcdef12")
            .timestamp(1729187424)
            .build()
            .unwrap()
    };
    let good = client(&base, GP_TOKEN);
    let Outcome::Accepted { status, .. } = good.send(&payout("GP-1")).await else {
        panic!("accepted")
    };
    assert_eq!(status.unwrap().common, CommonStatus::Processing);
    match good.send(&payout("GP-1")).await {
        Outcome::Rejected {
            code,
            message,
            evidence,
            ..
        } => {
            assert_eq!(code, ErrorCode::BadRequest);
            assert_eq!(evidence.http_status, Some(400));
            assert!(message.unwrap().contains("Duplicate"));
        }
        other => panic!("{other:?}"),
    }
    match client(&base, "wrong-token").send(&payout("GP-2")).await {
        Outcome::Rejected { code, message, .. } => {
            assert_eq!(code, ErrorCode::BadRequest);
            assert!(message.unwrap().contains("Signature verification failed"));
        }
        other => panic!("{other:?}"),
    }
    wait_for(|| {
        sim.deliveries()
            .iter()
            .any(|d| d.order_id == "GP-1" && d.acknowledged && d.status == "60")
    })
    .await;
    assert!(
        merchant
            .handled
            .lock()
            .unwrap()
            .iter()
            .any(|k| k.ends_with(":GP-1:60"))
    );
    let query = || {
        QueryPayoutRequest::builder()
            .id("GP-1")
            .mch_id(8888)
            .nonce("n0nce42")
            .timestamp(1729187424)
            .build()
            .unwrap()
    };
    let r = good.reconcile(query, patient()).await;
    assert_eq!(r.common_status(), CommonStatus::Succeeded, "{r:?}");
}

#[tokio::test]
async fn intqp_end_to_end() {
    use paywire_intqp::*;
    let (sim, base) = start_sim().await;
    let base = format!("{base}/intqp");
    let withdraw = |id: &str| {
        WithdrawRequest::builder()
            .uid("test1")
            .currency("VND")
            .orderid(id)
            .notify_url("http://127.0.0.1:9/unused")
            .amount(Money::from_minor(10000))
            .userip("127.0.0.1")
            .timestamp(1758210270)
            .pay_code("1004")
            .build()
            .unwrap()
    };
    let good = client(&base, IQ_KEY);
    let Outcome::Accepted { payload, .. } = good.send(&withdraw("IQ-1")).await else {
        panic!("accepted")
    };
    assert!(payload.transactionid.is_some());
    match good.send(&withdraw("IQ-1")).await {
        Outcome::Rejected { code, .. } => assert_eq!(code, ErrorCode::DuplicateOrder),
        other => panic!("{other:?}"),
    }
    // A request signed under the other reading of the recipe (`&key=`) is accepted too, and
    // the answer is signed the same way, so the client verifies it (tests/tests/sim_profiles.rs
    // covers every profile). (With a wrong key the gateway's signed answer would not verify:
    // that is Indeterminate.)
    match good
        .send_with(&withdraw("IQ-2"), paywire_intqp::Profile::Md5Key)
        .await
    {
        Outcome::Accepted { .. } => {}
        other => panic!("{other:?}"),
    }
    // intqp documents no query API: after a timeout, resubmitting the same orderid is the
    // reconciliation (10003 proves the first one was created).
    let mut req = withdraw("IQ-3");
    req.amount = Money::from_minor(10091); // magic amount: the simulator holds the connection
    match good.send(&req).await {
        Outcome::Indeterminate { .. } => {}
        other => panic!("{other:?}"),
    }
    assert!(
        sim.orders().iter().any(|o| o.order_id == "IQ-3"),
        "the timed-out order exists"
    );
    let r = good.reconcile(|| req.clone(), patient()).await;
    assert!(r.last.proves_order_exists(), "{r:?}");
    assert!(
        matches!(
            r.last,
            Outcome::Rejected {
                code: ErrorCode::DuplicateOrder,
                ..
            }
        ),
        "{r:?}"
    );
}
