//! The simulator, with the stock diamondpay spec, answers and notifies the way public
//! integrations read it (docs/gateways-answers.md): a deposit with another service and no
//! `last_numbers` is accepted and answered with `payment_info.payment_id`; notifications and
//! query rows carry Unix-second integers; query answers carry a top-level `total`; the older
//! v1 payouts path answers; the balance lists `platform_channels` with `total` the row count.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use paywire::{Client, ClientConfig, Credentials, Money, Outcome, Secret, Time};
use paywire_diamondpay::*;
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tokio::net::TcpListener;

const KEY: &str = "dp-evidence-key";
const AUTH: &str = "PF0002-AUTH";

async fn start() -> (Simulator, String, Arc<Mutex<Vec<String>>>, String) {
    let mut config = SimConfig::new(vec![SimGateway {
        gateway: paywire_tests::diamondpay().clone(),
        secret: Secret::new(KEY),
        authorization: Some(Secret::new(AUTH)),
    }]);
    config.step = Duration::from_millis(100);
    config.notify_interval = Duration::from_millis(50);
    config.hold = Duration::from_secs(2);
    let sim = Simulator::new(config).expect("simulator");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/diamondpay", listener.local_addr().expect("addr"));
    tokio::spawn(sim.clone().serve(listener));

    // The merchant: keeps every notification body as received, answers like the integrations.
    let bodies = Arc::new(Mutex::new(Vec::new()));
    async fn hook(State(bodies): State<Arc<Mutex<Vec<String>>>>, body: Bytes) -> String {
        bodies
            .lock()
            .expect("lock")
            .push(String::from_utf8_lossy(&body).into_owned());
        r#"{"error_code":"0000"}"#.to_owned()
    }
    let app = Router::new().fallback(hook).with_state(bodies.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook_url = format!("http://{}/notify", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (sim, base, bodies, hook_url)
}

fn client(base: &str) -> Client {
    let creds = Credentials::new(Secret::new(KEY)).with("authorization", Secret::new(AUTH));
    Client::new(ClientConfig::new(base, creds).timeout(Duration::from_secs(2))).expect("client")
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    for _ in 0..300 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not met in 7.5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_answers_as_public_integrations_read_constructed() {
    let (sim, base, bodies, hook) = start().await;
    let c = client(&base);

    // A deposit with another service and no last_numbers, as the drivers send it.
    let deposit = CreateDepositRequest::builder()
        .platform_id("PF0003")
        .service_id("SVC0026")
        .payment_cl_id("EV-D1")
        .amount(Money::from_minor(100_000))
        .notify_url(hook.clone())
        .request_time(1_764_547_200)
        .build()
        .expect("builds");
    let Outcome::Accepted { payload, .. } = c.send(&deposit).await else {
        panic!("deposit accepted")
    };
    let info = payload.payment_info.expect("payment_info");
    let id = info.payment_id.expect("payment_info.payment_id");
    assert!(!id.is_empty());
    assert_eq!(payload.payment_id.as_deref(), Some(id.as_str()));

    // A payout, then its notification: times as JSON integers, verified by the typed API.
    let payout = CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id("EV-P1")
        .amount(Money::from_minor(50_000))
        .notify_url(hook.clone())
        .bank_code("812")
        .number("4088748280272397")
        .currency("twd")
        .request_time(1_764_547_200)
        .build()
        .expect("builds");
    assert!(matches!(c.send(&payout).await, Outcome::Accepted { .. }));
    wait_for(|| {
        let got = bodies.lock().expect("lock");
        got.iter().any(|b| b.contains("EV-P1")) && got.iter().any(|b| b.contains("EV-D1"))
    })
    .await;
    let got = bodies.lock().expect("lock").clone();
    for body in &got {
        let v: paywire::serde_json::Value =
            paywire::serde_json::from_str(body).expect("JSON notification");
        assert!(v["create_time"].is_i64(), "create_time: {body}");
        assert!(v["update_time"].is_i64(), "update_time: {body}");
    }
    let body = got
        .iter()
        .find(|b| b.contains("EV-P1"))
        .expect("payout notification");
    let verified =
        PayoutNotification::verify(body.as_bytes(), Some("application/json"), &Secret::new(KEY))
            .expect("the typed API verifies the simulator's notification");
    assert!(matches!(verified.notification.create_time, Time::Unix(_)));
    let body = got
        .iter()
        .find(|b| b.contains("EV-D1"))
        .expect("deposit notification");
    let verified =
        DepositNotification::verify(body.as_bytes(), Some("application/json"), &Secret::new(KEY))
            .expect("verifies");
    assert!(matches!(verified.notification.update_time, Time::Unix(_)));

    // Query answers: a top-level total, rows with Unix-second times; v1 and v2 alike.
    let Outcome::Accepted { payload, .. } = c
        .send(
            &QueryPayoutsRequest::builder()
                .payout_cl_id("EV-P1")
                .build()
                .expect("builds"),
        )
        .await
    else {
        panic!("query accepted")
    };
    assert_eq!(payload.count, Some(1));
    assert_eq!(payload.rows.len(), 1);
    assert!(matches!(payload.rows[0].create_time, Some(Time::Unix(_))));
    let Outcome::Accepted { payload, .. } = c
        .send(
            &QueryPayoutsV1Request::builder()
                .payout_cl_id("EV-P1")
                .build()
                .expect("builds"),
        )
        .await
    else {
        panic!("v1 query accepted")
    };
    assert_eq!(payload.count, Some(1));
    assert_eq!(payload.rows[0].payout_cl_id.as_deref(), Some("EV-P1"));
    let Outcome::Accepted { payload, .. } = c
        .send(
            &QueryDepositsRequest::builder()
                .payment_cl_id("EV-D1")
                .build()
                .expect("builds"),
        )
        .await
    else {
        panic!("deposit query accepted")
    };
    assert_eq!(payload.count, Some(1));
    assert!(matches!(payload.rows[0].update_time, Some(Time::Unix(_))));

    // Balance: platform_channels, total the number of rows, outer and row signs verified.
    let Outcome::Accepted { payload, .. } = c
        .send(&BalanceRequest::builder().build().expect("builds"))
        .await
    else {
        panic!("balance accepted")
    };
    let channels = payload.platform_channels.expect("platform_channels");
    assert!(!channels.is_empty());
    assert_eq!(payload.total, i64::try_from(channels.len()).ok());
    drop(sim);
}
