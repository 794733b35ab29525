//! The simulator with the stock specs serves merchants whatever profile of the spec they sign
//! with (issue 12): diamondpay's `md5` (`&key=`), `md5-bare-key` (what every public integration
//! does) and `hmac-sha256`, intqp's two readings of its recipe, goldenpay's one. For each: the
//! request is accepted, the order remembers the profile, its notifications are signed with it
//! (the merchant verifies with the same profile), replies are acknowledged by meaning, and
//! signed answers (intqp's, diamondpay's query rows) verify under it. `SimConfig::profiles`
//! (`paywire sim --profile gateway=profile`) holds a gateway to one profile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use paywire::received::Object;
use paywire::{Client, ClientConfig, Credentials, Gateway, Money, Secret};
use paywire_sim::{SimConfig, SimError, SimGateway, Simulator};
use tokio::net::TcpListener;

const KEY: &str = "profiles-test-key";
const AUTH: &str = "profiles-test-auth";

async fn start_sim(pinned: &[(&str, &str)]) -> (Simulator, String) {
    let gw = |g: &'static Gateway| SimGateway {
        gateway: g.clone(),
        secret: Secret::new(KEY),
        authorization: Some(Secret::new(AUTH)),
    };
    let mut config = SimConfig::new(vec![
        gw(paywire_tests::diamondpay()),
        gw(paywire_tests::goldenpay()),
        gw(paywire_tests::intqp()),
    ]);
    config.step = Duration::from_millis(100);
    config.notify_interval = Duration::from_millis(50);
    config.profiles = pinned
        .iter()
        .map(|(g, p)| ((*g).to_owned(), (*p).to_owned()))
        .collect();
    let sim = Simulator::new(config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sim.clone().serve(listener));
    (sim, url)
}

/// A merchant endpoint: each body is verified by `check`; a verified one gets `reply`, any
/// other HTTP 400. Returns what it verified and refused.
type Check = Arc<dyn Fn(&Object) -> bool + Send + Sync>;

#[derive(Clone, Default)]
struct Seen {
    verified: Arc<Mutex<Vec<String>>>,
    refused: Arc<Mutex<u32>>,
}

async fn start_merchant(check: Check, reply: &'static str) -> (Seen, String) {
    let seen = Seen::default();
    async fn hook(
        State((seen, check, reply)): State<(Seen, Check, &'static str)>,
        body: Bytes,
    ) -> (axum::http::StatusCode, &'static str) {
        match Object::from_json(&body) {
            Ok(obj) if check(&obj) => {
                seen.verified
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                (axum::http::StatusCode::OK, reply)
            }
            _ => {
                *seen.refused.lock().unwrap() += 1;
                (axum::http::StatusCode::BAD_REQUEST, "bad signature")
            }
        }
    }
    let app = Router::new()
        .fallback(hook)
        .with_state((seen.clone(), check, reply));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (seen, url)
}

fn client(base: &str) -> Client {
    let creds = Credentials::new(Secret::new(KEY)).with("authorization", Secret::new(AUTH));
    Client::new(ClientConfig::new(base, creds).timeout(Duration::from_secs(2))).unwrap()
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{what}: not seen in 10 s");
}

#[tokio::test]
async fn diamondpay_merchants_signing_with_any_profile_are_served() {
    use paywire_diamondpay::*;
    let (sim, base) = start_sim(&[]).await;
    let base = format!("{base}/diamondpay");
    let dp = client(&base);
    for (i, profile) in [Profile::Md5, Profile::Md5BareKey, Profile::HmacSha256]
        .into_iter()
        .enumerate()
    {
        let check: Check =
            Arc::new(move |obj| profile.verify_received(obj, &Secret::new(KEY)).is_ok());
        // A reply with a space and an extra member: acknowledged by meaning.
        let (seen, hook) =
            start_merchant(check, r#"{"error_code": "0000", "message": "Success"}"#).await;
        let id = format!("PROF-DP-{i}");
        let payout = CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id(&id)
            .amount(Money::from_minor(50_000))
            .notify_url(hook)
            .bank_code("812")
            .number("4088748280272397")
            .currency("twd")
            .request_time(1_595_504_997)
            .build()
            .unwrap();
        match dp.send_with(&payout, profile).await {
            Outcome::Accepted { .. } => {}
            other => panic!("{}: {other:?}", profile.name()),
        }
        let order = sim.order("diamondpay", &id).expect("the order exists");
        assert_eq!(order.profile.as_deref(), Some(profile.name()));
        wait_for(
            &format!("{}: final notification acknowledged", profile.name()),
            || {
                sim.deliveries()
                    .iter()
                    .any(|d| d.order_id == id && d.status == "3" && d.acknowledged)
            },
        )
        .await;
        assert_eq!(*seen.refused.lock().unwrap(), 0, "{}", profile.name());
        let verified = seen.verified.lock().unwrap().clone();
        assert!(!verified.is_empty());
        // The HMAC profile's notifications say so, the MD5 ones do not.
        let hmac = verified
            .iter()
            .all(|b| b.contains(r#""sign_type":"HMAC-SHA256""#));
        assert_eq!(hmac, profile == Profile::HmacSha256, "{verified:?}");
        // Every delivery of this order was acknowledged at its first attempt.
        assert!(
            sim.deliveries()
                .iter()
                .filter(|d| d.order_id == id)
                .all(|d| d.acknowledged && d.attempt == 1)
        );
        // Query rows are signed with the merchant's profile, and read with it.
        let query = QueryPayoutsRequest::builder()
            .payout_cl_id(&id)
            .build()
            .unwrap();
        match dp.send_with(&query, profile).await {
            Outcome::Accepted { payload, .. } => {
                assert!(
                    payload
                        .rows
                        .iter()
                        .any(|row| row.payout_cl_id.as_deref() == Some(id.as_str())),
                    "{payload:?}"
                );
            }
            other => panic!("{} query: {other:?}", profile.name()),
        }
    }
}

#[tokio::test]
async fn intqp_answers_are_signed_with_the_merchants_profile() {
    use paywire_intqp::*;
    let (sim, base) = start_sim(&[]).await;
    let iq = client(&format!("{base}/intqp"));
    for profile in [Profile::Md5, Profile::Md5Key] {
        let id = format!("PROF-IQ-{}", profile.name());
        let withdraw = WithdrawRequest::builder()
            .uid("test1")
            .currency("VND")
            .orderid(&id)
            .notify_url("http://127.0.0.1:9/unused")
            .amount(Money::from_minor(10_000))
            .userip("127.0.0.1")
            .timestamp(1_758_210_270)
            .pay_code("1004")
            .build()
            .unwrap();
        match iq.send_with(&withdraw, profile).await {
            Outcome::Accepted { payload, .. } => assert!(payload.transactionid.is_some()),
            other => panic!("{}: {other:?}", profile.name()),
        }
        let order = sim.order("intqp", &id).expect("the order exists");
        assert_eq!(order.profile.as_deref(), Some(profile.name()));
    }
}

#[tokio::test]
async fn goldenpay_plain_text_replies_are_trimmed() {
    use paywire_goldenpay::*;
    let (sim, base) = start_sim(&[]).await;
    let check: Check = Arc::new(|obj| {
        Profile::Md5
            .verify_received_allowing(obj, &Secret::new(KEY), &["url"])
            .is_ok()
    });
    let (seen, hook) = start_merchant(check, "success\n").await;
    let payout = CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id("PROF-GP-1")
        .channel("bank")
        .amount(Money::from_minor(10_000))
        .currency("VND")
        .account_no("2333667799212341")
        .account_name("Nguyen Xuan Hung")
        .account_org("PVCOMBANK")
        .account_org_code("970425")
        .callback_url(hook)
        .nonce("abcdef12")
        .timestamp(1_729_187_424)
        .build()
        .unwrap();
    match client(&format!("{base}/goldenpay")).send(&payout).await {
        Outcome::Accepted { .. } => {}
        other => panic!("{other:?}"),
    }
    wait_for("goldenpay final notification acknowledged", || {
        sim.deliveries()
            .iter()
            .any(|d| d.order_id == "PROF-GP-1" && d.status == "60" && d.acknowledged)
    })
    .await;
    assert_eq!(*seen.refused.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_pinned_profile_is_the_only_one_accepted() {
    use paywire_diamondpay::*;
    let (sim, base) = start_sim(&[("diamondpay", "md5-bare-key")]).await;
    let dp = client(&format!("{base}/diamondpay"));
    let payout = |id: &str| {
        CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id(id)
            .amount(Money::from_minor(50_000))
            .bank_code("812")
            .number("4088748280272397")
            .currency("twd")
            .request_time(1_595_504_997)
            .build()
            .unwrap()
    };
    match dp.send_with(&payout("PIN-1"), Profile::Md5BareKey).await {
        Outcome::Accepted { .. } => {}
        other => panic!("{other:?}"),
    }
    for (id, other) in [("PIN-2", Profile::Md5), ("PIN-3", Profile::HmacSha256)] {
        match dp.send_with(&payout(id), other).await {
            Outcome::Rejected { code, message, .. } => {
                assert_eq!(code, ErrorCode::SignatureVerificationFailed);
                let message = message.unwrap_or_default();
                assert!(message.contains("--profile"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            sim.order("diamondpay", id).is_none(),
            "{id} was not created"
        );
    }
}

#[tokio::test]
async fn a_request_no_profile_verifies_names_the_profiles_tried() {
    use paywire_diamondpay::*;
    let (sim, base) = start_sim(&[]).await;
    let creds =
        Credentials::new(Secret::new("another-key")).with("authorization", Secret::new(AUTH));
    let wrong = Client::new(ClientConfig::new(format!("{base}/diamondpay"), creds)).unwrap();
    let payout = CreatePayoutTwdRequest::builder()
        .platform_id("PF0002")
        .service_id("SVC0004")
        .payout_cl_id("NONE-1")
        .amount(Money::from_minor(50_000))
        .bank_code("812")
        .number("4088748280272397")
        .currency("twd")
        .request_time(1_595_504_997)
        .build()
        .unwrap();
    match wrong.send(&payout).await {
        Outcome::Rejected { code, message, .. } => {
            assert_eq!(code, ErrorCode::SignatureVerificationFailed);
            let message = message.unwrap_or_default();
            assert!(
                message.contains("hmac-sha256") && message.contains("md5-bare-key"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(sim.order("diamondpay", "NONE-1").is_none());
}

#[test]
fn profiles_that_are_not_there_are_refused_at_start() {
    let gw = || SimGateway {
        gateway: paywire_tests::diamondpay().clone(),
        secret: Secret::new(KEY),
        authorization: None,
    };
    for (gateway, profile, says) in [
        ("diamondpay", "sha384", "md5-bare-key"),
        ("nopay", "md5", "no gateway"),
    ] {
        let mut config = SimConfig::new(vec![gw()]);
        config.profiles = HashMap::from([(gateway.to_owned(), profile.to_owned())]);
        match Simulator::new(config) {
            Err(e @ SimError::UnknownProfile { .. }) => {
                let text = e.to_string();
                assert!(text.contains(profile) && text.contains(says), "{text}");
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("{gateway}={profile} was accepted"),
        }
    }
}
