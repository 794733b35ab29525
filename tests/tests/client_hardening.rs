//! The client under attack: redirects, huge answers, undocumented codes, answers for another
//! order, unsigned rejections. Each case was accepted (or followed) before paywire refused it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywire::{Client, ClientConfig, Credentials, IndeterminateReason, Money, Outcome, Secret};
use tokio::net::TcpListener;

const GP_TOKEN: &str = "gp-token";

/// Serve `app` on a free loopback port; the base URL.
async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A server that answers every request with `answer` and counts the requests.
async fn answering(
    answer: impl Fn() -> Response + Clone + Send + Sync + 'static,
) -> (Arc<AtomicUsize>, String) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let app = Router::new().fallback(move || {
        let answer = answer.clone();
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            answer()
        }
    });
    (hits, serve(app).await)
}

fn client(url: &str) -> Client {
    let creds = Credentials::new(Secret::new(GP_TOKEN));
    Client::new(ClientConfig::new(url, creds).timeout(Duration::from_secs(5))).unwrap()
}

fn payout(trans_id: &str) -> paywire_goldenpay::CreatePayoutRequest {
    paywire_goldenpay::CreatePayoutRequest::builder()
        .mch_id(8888)
        .trans_id(trans_id)
        .channel("bank")
        .amount(Money::from_minor(10000))
        .currency("VND")
        .account_no("2333667799212341")
        .account_name("Nguyen Xuan Hung")
        .account_org("PVCOMBANK")
        .account_org_code("970425")
        .callback_url("https://m.example/cb")
        .nonce("abcdef12")
        .timestamp(1729187424)
        .build()
        .unwrap()
}

fn payout_accepted(trans_id: &str) -> String {
    format!(
        r#"{{"code":200,"payload":{{"id":"WT1","trans_id":"{trans_id}","mch_id":"8888","order_amount":100,"status":20}}}}"#
    )
}

fn json(status: u16, body: String) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[tokio::test]
async fn redirects_are_never_followed_and_keep_their_location() {
    // Where a redirect would send the signed body: it must never be reached.
    let (elsewhere_hits, elsewhere) = answering(|| json(200, payout_accepted("T1"))).await;
    for status in [301u16, 302, 303, 307, 308] {
        let location = format!("{elsewhere}/api/v1/mch/wdl-orders");
        let to = location.clone();
        let (hits, url) = answering(move || {
            (
                StatusCode::from_u16(status).unwrap(),
                [(header::LOCATION, to.clone())],
            )
                .into_response()
        })
        .await;
        let outcome = client(&url).send(&payout("T1")).await;
        match &outcome {
            Outcome::Indeterminate {
                reason:
                    IndeterminateReason::Redirect {
                        status: s,
                        location: l,
                    },
                evidence,
            } => {
                assert_eq!(*s, status);
                assert_eq!(l.as_deref(), Some(location.as_str()));
                assert_eq!(evidence.location.as_deref(), Some(location.as_str()));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "{status}: sent once");
    }
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "no redirect was followed"
    );
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_indeterminate() {
    // 8 MiB streamed in chunks (no content-length), and the same with a content-length.
    let chunked = || {
        let chunk = vec![b' '; 64 * 1024];
        let stream = futures_stream(chunk, 128);
        Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(stream))
            .unwrap()
    };
    let (_, url) = answering(chunked).await;
    let outcome = client(&url).send(&payout("T1")).await;
    assert!(
        matches!(
            outcome,
            Outcome::Indeterminate {
                reason: IndeterminateReason::TooLarge {
                    limit: paywire::DEFAULT_MAX_RESPONSE_BYTES
                },
                ..
            }
        ),
        "{outcome:?}"
    );
    let (_, url) = answering(|| json(200, " ".repeat(2 << 20) + &payout_accepted("T1"))).await;
    let outcome = client(&url).send(&payout("T1")).await;
    assert!(
        matches!(
            outcome,
            Outcome::Indeterminate {
                reason: IndeterminateReason::TooLarge { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
    // The limit is configurable: raised, the same answer is read.
    let creds = Credentials::new(Secret::new(GP_TOKEN));
    let roomy = Client::new(ClientConfig::new(&url, creds).max_response_bytes(8 << 20)).unwrap();
    assert!(matches!(
        roomy.send(&payout("T1")).await,
        Outcome::Accepted { .. }
    ));
}

/// `count` chunks of `chunk`, as a body stream.
fn futures_stream(
    chunk: Vec<u8>,
    count: usize,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    struct Chunks(Vec<u8>, usize);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.1 == 0 {
                return std::task::Poll::Ready(None);
            }
            self.1 -= 1;
            std::task::Poll::Ready(Some(Ok(self.0.clone())))
        }
    }
    Chunks(chunk, count)
}

#[tokio::test]
async fn only_documented_codes_are_rejections() {
    // goldenpay documents 400 and 429; a 502 in the envelope on HTTP 200 proves nothing.
    let (_, url) = answering(|| {
        json(
            200,
            r#"{"code":502,"errors":{"message":"upstream"}}"#.into(),
        )
    })
    .await;
    let outcome = client(&url).send(&payout("T1")).await;
    match &outcome {
        Outcome::Indeterminate {
            reason: IndeterminateReason::UnknownCode { code, message },
            ..
        } => {
            assert_eq!(code, "502");
            assert_eq!(message.as_deref(), Some("upstream"));
            assert!(outcome_text(&outcome).contains("reconcile before retrying"));
        }
        other => panic!("{other:?}"),
    }
    let (_, url) =
        answering(|| json(400, r#"{"code":400,"errors":{"message":"limit"}}"#.into())).await;
    assert!(matches!(
        client(&url).send(&payout("T1")).await,
        Outcome::Rejected { .. }
    ));
    // intqp: a status it does not document.
    let (_, url) = answering(|| json(200, r#"{"status":500,"msg":"error"}"#.into())).await;
    let creds = Credentials::new(Secret::new("iq-key"));
    let iq = Client::new(ClientConfig::new(&url, creds)).unwrap();
    let withdraw = paywire_intqp::WithdrawRequest::builder()
        .uid("test1")
        .currency("VND")
        .orderid("IQ-1")
        .notify_url("https://m.example/n")
        .amount(Money::from_minor(10000))
        .userip("127.0.0.1")
        .timestamp(1758210270)
        .pay_code("1004")
        .build()
        .unwrap();
    let outcome = iq.send(&withdraw).await;
    assert!(
        matches!(
            outcome,
            Outcome::Indeterminate {
                reason: IndeterminateReason::UnknownCode { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
}

fn outcome_text<T, E>(o: &Outcome<T, E>) -> String {
    match o {
        Outcome::Indeterminate { reason, .. } => reason.to_string(),
        other => other.kind().to_owned(),
    }
}

#[tokio::test]
async fn an_answer_about_another_order_is_not_this_requests() {
    // The payout answer names trans_id T2; the request was T1.
    let (_, url) = answering(|| json(200, payout_accepted("T2"))).await;
    let outcome = client(&url).send(&payout("T1")).await;
    match outcome {
        Outcome::Indeterminate {
            reason:
                IndeterminateReason::AnswerMismatch {
                    field,
                    sent,
                    answered,
                },
            ..
        } => assert_eq!(
            (field.as_str(), sent.as_str(), answered.as_str()),
            ("trans_id", "T1", "T2")
        ),
        other => panic!("{other:?}"),
    }
    // A genuine signed collect answer for another trans_id: still not this request's answer.
    let secret = Secret::new(GP_TOKEN);
    let payload = paywire_goldenpay::Profile::DEFAULT
        .sign_json(
            br#"{"id":"PT9","trans_id":"C9","mch_id":8888,"order_amount":"100.00","status":20,"url":"https://cashier.example/PT9"}"#,
            &secret,
        )
        .unwrap();
    let body = format!(r#"{{"code":200,"payload":{payload}}}"#);
    let (_, url) = answering(move || json(200, body.clone())).await;
    let collect = paywire_goldenpay::CreateCollectRequest::builder()
        .mch_id(8888)
        .trans_id("C1")
        .currency("VND")
        .amount(Money::from_minor(10000))
        .channel("bank")
        .callback_url("https://m.example/cb")
        .nonce("abcdef12")
        .timestamp(1729187424)
        .build()
        .unwrap();
    let outcome = client(&url).send(&collect).await;
    assert!(
        matches!(
            outcome,
            Outcome::Indeterminate {
                reason: IndeterminateReason::AnswerMismatch { .. },
                ..
            }
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unsigned_rejection_of_a_signed_operation_says_so() {
    // goldenpay signs its collect answers; this refusal carries no signature.
    let (_, url) =
        answering(|| json(400, r#"{"code":400,"errors":{"message":"bad"}}"#.into())).await;
    let collect = paywire_goldenpay::CreateCollectRequest::builder()
        .mch_id(8888)
        .trans_id("C1")
        .currency("VND")
        .amount(Money::from_minor(10000))
        .channel("bank")
        .callback_url("https://m.example/cb")
        .nonce("abcdef12")
        .timestamp(1729187424)
        .build()
        .unwrap();
    match client(&url).send(&collect).await {
        Outcome::Rejected { evidence, .. } => assert!(
            evidence.notes.iter().any(|n| n.contains("not signed")),
            "{:?}",
            evidence.notes
        ),
        other => panic!("{other:?}"),
    }
    // A payout's answers are never signed: nothing to note.
    match client(&url).send(&payout("T1")).await {
        Outcome::Rejected { evidence, .. } => assert!(evidence.notes.is_empty()),
        other => panic!("{other:?}"),
    }
}
