//! The fault matrix: every provider's client against a real HTTP server on 127.0.0.1 (axum, plus
//! a raw socket for connection resets), one case per way a call can end. No case may be
//! misclassified: above all, nothing sent may ever come back as "failed".

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response as HttpResponse};
use paywire::{
    Client, ClientConfig, Credentials, IndeterminateReason, Money, NotSentReason, Outcome, Secret,
};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// What the test server does with the next request.
#[derive(Clone, Debug)]
enum Mode {
    Respond(u16, String),
    /// Read the request, then hold the connection past the client's timeout.
    Hang,
}

#[derive(Clone)]
struct Server {
    mode: Arc<Mutex<Mode>>,
    received: Arc<AtomicUsize>,
}

async fn handle(State(s): State<Server>, _body: Bytes) -> HttpResponse {
    s.received.fetch_add(1, Ordering::SeqCst);
    let mode = s.mode.lock().await.clone();
    match mode {
        Mode::Respond(status, body) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let ct = if body.trim_start().starts_with('<') {
                "text/html"
            } else {
                "application/json"
            };
            (status, [("content-type", ct)], body).into_response()
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            StatusCode::OK.into_response()
        }
    }
}

async fn start() -> (Server, String) {
    let server = Server {
        mode: Arc::new(Mutex::new(Mode::Respond(200, String::new()))),
        received: Arc::new(AtomicUsize::new(0)),
    };
    let app = Router::new().fallback(handle).with_state(server.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (server, url)
}

/// A server that reads one request and then resets the connection (RST, via SO_LINGER 0).
async fn start_resetting() -> (Arc<AtomicUsize>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let seen = received.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 65536];
            let mut got = Vec::new();
            // Read until the headers and the body (by content-length) are in.
            loop {
                let n = sock.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if got.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
            seen.fetch_add(1, Ordering::SeqCst);
            let std = sock.into_std().unwrap();
            socket2::SockRef::from(&std)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(std);
        }
    });
    (received, url)
}

fn client(url: &str, secret: &str) -> Client {
    let creds =
        Credentials::new(Secret::new(secret)).with("authorization", Secret::new("PF0002-AUTH"));
    Client::new(ClientConfig::new(url, creds).timeout(Duration::from_millis(600))).unwrap()
}

/// The outcome in one line, so a table of expectations can be compared.
fn summary<T: std::fmt::Debug, E: std::fmt::Debug>(o: &Outcome<T, E>) -> String {
    match o {
        Outcome::Accepted { .. } => "accepted".to_owned(),
        Outcome::Rejected {
            code,
            raw_code,
            message,
            ..
        } => format!("rejected {raw_code} {code:?} {message:?}"),
        Outcome::NotSent { reason, .. } => match reason {
            NotSentReason::Connect(_) => "not sent: connect".to_owned(),
            other => format!("not sent: {other}"),
        },
        Outcome::Indeterminate { reason, .. } => match reason {
            IndeterminateReason::Timeout => "indeterminate: timeout".to_owned(),
            IndeterminateReason::ConnectionLost(_) => "indeterminate: connection lost".to_owned(),
            IndeterminateReason::ServerError(s) => format!("indeterminate: server error {s}"),
            IndeterminateReason::EmptyBody(s) => format!("indeterminate: empty body {s}"),
            IndeterminateReason::Unreadable(_) => "indeterminate: unreadable".to_owned(),
            IndeterminateReason::BadSignature(_) => "indeterminate: bad signature".to_owned(),
            IndeterminateReason::UnexpectedStatus(s) => {
                format!("indeterminate: unexpected status {s}")
            }
            IndeterminateReason::Redirect { status, .. } => {
                format!("indeterminate: redirect {status}")
            }
            IndeterminateReason::TooLarge { .. } => "indeterminate: too large".to_owned(),
            IndeterminateReason::UnknownCode { code, .. } => {
                format!("indeterminate: unknown code {code}")
            }
            IndeterminateReason::AnswerMismatch { field, .. } => {
                format!("indeterminate: another order's answer ({field})")
            }
        },
    }
}

/// The transport faults every provider must classify the same way.
fn common_faults() -> Vec<(&'static str, Mode, &'static str)> {
    vec![
        (
            "500",
            Mode::Respond(500, "oops".into()),
            "indeterminate: server error 500",
        ),
        (
            "502 html",
            Mode::Respond(502, "<html><body>Bad Gateway</body></html>".into()),
            "indeterminate: server error 502",
        ),
        (
            "empty 200",
            Mode::Respond(200, String::new()),
            "indeterminate: empty body 200",
        ),
        (
            "empty 500",
            Mode::Respond(500, String::new()),
            "indeterminate: server error 500",
        ),
        (
            "truncated json",
            Mode::Respond(200, "{\"code\":20".into()),
            "indeterminate: unreadable",
        ),
        (
            "html 200",
            Mode::Respond(200, "<!DOCTYPE html><html>maintenance</html>".into()),
            "indeterminate: unreadable",
        ),
        (
            "timeout after receipt",
            Mode::Hang,
            "indeterminate: timeout",
        ),
    ]
}

/// Run the matrix for one provider: `send` sends its create request to a URL.
async fn run_matrix<F, Fut>(
    name: &str,
    secret: &str,
    cases: Vec<(&'static str, Mode, String)>,
    send: F,
) where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let (server, url) = start().await;
    let mut all: Vec<(&str, Mode, String)> = cases;
    all.extend(
        common_faults()
            .into_iter()
            .map(|(n, m, e)| (n, m, e.to_owned())),
    );
    for (case, mode, expected) in all {
        *server.mode.lock().await = mode;
        let before = server.received.load(Ordering::SeqCst);
        let got = send(client(&url, secret)).await;
        assert_eq!(got, expected, "{name}: case `{case}`");
        assert_eq!(
            server.received.load(Ordering::SeqCst),
            before + 1,
            "{name}: `{case}` reached the server"
        );
    }
    // Connection reset after the request was read.
    let (received, reset_url) = start_resetting().await;
    let got = send(client(&reset_url, secret)).await;
    assert_eq!(got, "indeterminate: connection lost", "{name}: reset");
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "{name}: the resetting server read the request"
    );
    // Connection refused: a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let got = send(client(&format!("http://127.0.0.1:{port}"), secret)).await;
    assert_eq!(got, "not sent: connect", "{name}: refused");
}

#[tokio::test]
async fn intqp_fault_matrix() {
    use paywire_intqp::*;
    let secret = "intqp-key";
    let sign = |body: &str| {
        Profile::DEFAULT
            .sign_json(body.as_bytes(), &Secret::new(secret))
            .unwrap()
    };
    let ok = sign(r#"{"status":10000,"result":{"transactionid":"T1"}}"#);
    let mut cases = vec![
        (
            "accepted",
            Mode::Respond(200, ok.clone()),
            "accepted".to_owned(),
        ),
        (
            "bad signature",
            Mode::Respond(200, ok.replace("\"sign\":\"", "\"sign\":\"0")),
            "indeterminate: bad signature".to_owned(),
        ),
        (
            "unsigned success",
            Mode::Respond(
                200,
                r#"{"status":10000,"result":{"transactionid":"T1"}}"#.into(),
            ),
            "indeterminate: bad signature".to_owned(),
        ),
    ];
    let names = [
        "ParameterError",
        "SignatureVerificationFailed",
        "DuplicateOrder",
        "AmountFormatError",
        "BankIdDoesNotExist",
        "InsufficientBalance",
        "WithdrawalLimitExceeded",
    ];
    for (i, code) in (10001..=10007).enumerate() {
        let body = sign(&format!(r#"{{"status":{code},"msg":"m{code}"}}"#));
        cases.push((
            "documented error",
            Mode::Respond(200, body),
            format!("rejected {code} {} Some(\"m{code}\")", names[i]),
        ));
    }
    run_matrix("intqp", secret, cases, |c| async move {
        let req = WithdrawRequest::builder()
            .uid("test1")
            .currency("VND")
            .orderid("W1")
            .notify_url("https://m.example/n")
            .amount(Money::from_minor(10000))
            .userip("127.0.0.1")
            .timestamp(1758210270)
            .pay_code("1004")
            .build()
            .unwrap();
        summary(&c.send(&req).await)
    })
    .await;
}

#[tokio::test]
async fn diamondpay_fault_matrix() {
    use paywire_diamondpay::*;
    let secret = "dp-key";
    let mut cases = vec![(
        "accepted",
        Mode::Respond(
            200,
            r#"{"error_code":"0000","data":{"payout_id":"POT00000001"}}"#.into(),
        ),
        "accepted".to_owned(),
    )];
    for (code, name, msg) in [
        (
            "0004",
            "SignatureVerificationFailed",
            "Signature verification failed!",
        ),
        ("0006", "InvalidAuthorization", "Invalid Authorization"),
        ("0050", "OrderNotFound", "Order not found"),
    ] {
        cases.push((
            "documented error",
            Mode::Respond(
                200,
                format!(r#"{{"error_code":"{code}","error_msg":"{msg}"}}"#),
            ),
            format!("rejected {code} {name} Some(\"{msg}\")"),
        ));
    }
    run_matrix("diamondpay", secret, cases, |c| async move {
        let req = CreatePayoutTwdRequest::builder()
            .platform_id("PF0002")
            .service_id("SVC0004")
            .payout_cl_id("DEVPOT00143538")
            .amount(Money::from_minor(50000))
            .bank_code("812")
            .number("4088748280272397")
            .currency("twd")
            .request_time(1595504997)
            .build()
            .unwrap();
        summary(&c.send(&req).await)
    })
    .await;
}

#[tokio::test]
async fn diamondpay_query_rows_with_a_bad_signature_are_indeterminate() {
    use paywire_diamondpay::*;
    let secret = Secret::new("dp-key");
    let row = Profile::DEFAULT
        .sign_json(
            br#"{"payout_id":"POT1","payout_cl_id":"C1","platform_id":"PF0002","amount":50000,"status":3}"#,
            &secret,
        )
        .unwrap();
    let (server, url) = start().await;
    let query = || {
        QueryPayoutsRequest::builder()
            .payout_cl_id("C1")
            .build()
            .unwrap()
    };
    *server.mode.lock().await =
        Mode::Respond(200, format!(r#"{{"error_code":"0000","data":[{row}]}}"#));
    let c = client(&url, "dp-key");
    match c.send(&query()).await {
        Outcome::Accepted {
            status, payload, ..
        } => {
            assert_eq!(status.unwrap().common, paywire::CommonStatus::Succeeded);
            assert_eq!(payload.rows.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    let tampered = row.replace("\"amount\":50000", "\"amount\":50001");
    *server.mode.lock().await = Mode::Respond(
        200,
        format!(r#"{{"error_code":"0000","data":[{tampered}]}}"#),
    );
    assert_eq!(
        summary(&c.send(&query()).await),
        "indeterminate: bad signature"
    );
}

#[tokio::test]
async fn goldenpay_fault_matrix() {
    use paywire_goldenpay::*;
    let secret = "gp-token";
    let cases = vec![
        (
            "accepted",
            Mode::Respond(200, r#"{"code":200,"payload":{"id":"WT1","trans_id":"T1","mch_id":"8888","order_amount":100,"status":20}}"#.into()),
            "accepted".to_owned(),
        ),
        (
            "400 with message",
            Mode::Respond(400, r#"{"code":400,"errors":{"message":"Withdrawal amount exceeds limit"}}"#.into()),
            "rejected 400 BadRequest Some(\"Withdrawal amount exceeds limit\")".to_owned(),
        ),
        (
            "400 invalid card",
            Mode::Respond(400, r#"{"code":400,"errors":{"message":"Invalid card number..."}}"#.into()),
            "rejected 400 BadRequest Some(\"Invalid card number...\")".to_owned(),
        ),
        ("429", Mode::Respond(429, String::new()), "rejected 429 RateLimited Some(\"rate limited (HTTP 429)\")".to_owned()),
        // Credentials refused before anything was processed (an API gateway's 401/403 page, no
        // envelope): rejected with the HTTP status as the code, meaning Auth.
        (
            "401 page",
            Mode::Respond(401, "<html>401 Unauthorized</html>".into()),
            "rejected 401 Other(\"401\") Some(\"the credentials were refused (HTTP 401): nothing was processed\")".to_owned(),
        ),
        (
            "403 empty",
            Mode::Respond(403, String::new()),
            "rejected 403 Other(\"403\") Some(\"the credentials were refused (HTTP 403): nothing was processed\")".to_owned(),
        ),
        // Another 4xx page proves nothing: still indeterminate.
        ("418 page", Mode::Respond(418, "<html>teapot</html>".into()), "indeterminate: unreadable".to_owned()),
    ];
    run_matrix("goldenpay", secret, cases, |c| async move {
        let req = CreatePayoutRequest::builder()
            .mch_id(8888)
            .trans_id("T1")
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
            .unwrap();
        summary(&c.send(&req).await)
    })
    .await;
}

#[tokio::test]
async fn goldenpay_collect_answer_with_a_bad_signature_is_indeterminate() {
    use paywire_goldenpay::*;
    let secret = Secret::new("gp-token");
    let payload = Profile::DEFAULT
        .sign_json(
            br#"{"id":"PT1","trans_id":"C1","mch_id":8888,"order_amount":"100.00","status":20,"url":"https://cashier.example/PT1"}"#,
            &secret,
        )
        .unwrap();
    let (server, url) = start().await;
    let c = client(&url, "gp-token");
    let collect = || {
        CreateCollectRequest::builder()
            .mch_id(8888)
            .trans_id("C1")
            .currency("VND")
            .amount(Money::from_minor(10000))
            .channel("bank")
            .callback_url("https://m.example/cb")
            .nonce("abcdef12")
            .timestamp(1729187424)
            .build()
            .unwrap()
    };
    *server.mode.lock().await =
        Mode::Respond(200, format!(r#"{{"code":200,"payload":{payload}}}"#));
    assert_eq!(summary(&c.send(&collect()).await), "accepted");
    let tampered = payload.replace("\"100.00\"", "\"900.00\"");
    *server.mode.lock().await =
        Mode::Respond(200, format!(r#"{{"code":200,"payload":{tampered}}}"#));
    assert_eq!(
        summary(&c.send(&collect()).await),
        "indeterminate: bad signature"
    );
}
