use axum::body::Body;
use axum::http::Request;
use paywire::{Credentials, Gateway, Secret, WireFields, WireValue};
use paywire_sim::{SimConfig, SimGateway, Simulator};
use tower::ServiceExt;

fn load(name: &str) -> Gateway {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(format!("{name}.toml"));
    Gateway::load(&p).unwrap()
}

async fn send(
    sim: &Simulator,
    method: &str,
    uri: &str,
    ct: Option<&str>,
    hdrs: &[(&str, &str)],
    body: Vec<u8>,
) {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    for (k, v) in hdrs {
        b = b.header(*k, *v);
    }
    let r = sim
        .router()
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let st = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .unwrap();
    println!(
        "{method} {uri} -> {st} {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
    );
}

#[tokio::test]
async fn explore() {
    let dp = load("diamondpay");
    let gp = load("goldenpay");
    let iq = load("intqp");
    let sim = Simulator::new(SimConfig::new(vec![
        SimGateway {
            gateway: dp.clone(),
            secret: Secret::new("dk"),
            authorization: Some(Secret::new("AUTH")),
        },
        SimGateway {
            gateway: gp.clone(),
            secret: Secret::new("gk"),
            authorization: None,
        },
        SimGateway {
            gateway: iq.clone(),
            secret: Secret::new("ik"),
            authorization: None,
        },
    ]))
    .unwrap();
    for (gw, name) in [(&dp, "dp"), (&gp, "gp"), (&iq, "iq")] {
        for op in &gw.spec().operations {
            println!(
                "{name} {} {:?} {} {:?} signed={} rows={:?}",
                op.name,
                op.method,
                op.path,
                op.body,
                op.signed,
                op.rows.as_ref().map(|r| r.path.clone())
            );
        }
    }
    send(
        &sim,
        "POST",
        "/diamondpay/gateway/api/v2/payouts",
        Some("application/json"),
        &[],
        b"{\"a\":1".to_vec(),
    )
    .await;
    send(
        &sim,
        "POST",
        "/diamondpay/gateway/api/v2/payouts",
        Some("application/json"),
        &[],
        b"{}".to_vec(),
    )
    .await;
    send(
        &sim,
        "POST",
        "/goldenpay/api/v1/mch/wdl-orders",
        Some("application/json"),
        &[],
        b"[1]".to_vec(),
    )
    .await;
    send(
        &sim,
        "POST",
        "/intqp/applyfor",
        Some("application/json"),
        &[],
        b"{\"a\":1,\"a\":2}".to_vec(),
    )
    .await;
    send(
        &sim,
        "POST",
        "/intqp/applyfor",
        Some("application/json"),
        &[],
        vec![0xff, 0xfe],
    )
    .await;
    send(
        &sim,
        "POST",
        "/intqp/nope",
        Some("application/json"),
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "POST",
        "/nope/nope",
        Some("application/json"),
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "POST",
        "/diamondpay",
        Some("application/json"),
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "POST",
        "/diamondpay/",
        Some("application/json"),
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "GET",
        "/diamondpay/gateway/api/v2/payouts?x=%zz&&=",
        None,
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "GET",
        "/diamondpay/gateway/api/v2/payouts?x=%zz&&=",
        None,
        &[("authorization", "AUTH")],
        vec![],
    )
    .await;
    send(
        &sim,
        "GET",
        "/diamondpay/gateway/api/v2/payouts?limit=abc",
        None,
        &[("authorization", "AUTH")],
        vec![],
    )
    .await;
    send(
        &sim,
        "GET",
        "/goldenpay/api/v1/mch/wdl-orders?x=%zz&&=",
        None,
        &[],
        vec![],
    )
    .await;
    send(
        &sim,
        "GET",
        "/diamondpay/gateway/api/v1/platforms/balance?platform_id=PF0002",
        None,
        &[("authorization", "AUTH")],
        vec![],
    )
    .await;
    send(
        &sim,
        "POST",
        "/intqp/applyfor",
        Some("application/json"),
        &[],
        vec![b'{'; 70000],
    )
    .await;
    // valid dp
    let mut w = WireFields::new();
    for (k, v) in [
        ("platform_id", "PF0002"),
        ("service_id", "SVC0004"),
        ("payout_cl_id", "X1"),
        ("amount", "50000"),
        ("bank_code", "812"),
        ("number", "4088"),
        ("currency", "twd"),
        ("request_time", "1595504997"),
    ] {
        w.push(k, WireValue::Str(v.into()));
    }
    let p = dp
        .prepare(
            "create_payout_twd",
            w,
            &Credentials::new(Secret::new("dk")),
            None,
        )
        .unwrap();
    send(
        &sim,
        "POST",
        "/diamondpay/gateway/api/v2/payouts",
        Some("application/json"),
        &[],
        p.body.clone().unwrap().into_bytes(),
    )
    .await;
    send(
        &sim,
        "POST",
        "/diamondpay/gateway/api/v2/payouts",
        Some("application/json"),
        &[],
        p.body.clone().unwrap().into_bytes(),
    )
    .await;
    // cny bank
    let mut w = WireFields::new();
    for (k, v) in [
        ("platform_id", "PF0002"),
        ("service_id", "SVC0004"),
        ("payout_cl_id", "X2"),
        ("amount", "50000"),
        ("bank_name", "ICBC"),
        ("name", "n"),
        ("number", "4088"),
        ("bank_branch", "b"),
        ("province", "p"),
        ("city", "c"),
        ("request_time", "1595504997"),
    ] {
        w.push(k, WireValue::Str(v.into()));
    }
    match dp.prepare(
        "create_payout_cny_bank",
        w,
        &Credentials::new(Secret::new("dk")),
        None,
    ) {
        Ok(p) => {
            send(
                &sim,
                "POST",
                "/diamondpay/gateway/api/v2/payouts",
                Some("application/json"),
                &[],
                p.body.clone().unwrap().into_bytes(),
            )
            .await
        }
        Err(e) => println!("cny prepare: {e}"),
    }
    for o in sim.orders() {
        println!("{o:?}");
    }
}
