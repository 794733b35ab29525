//! A driver for instruction counts of one request, client and server together (the server's
//! work is the same for both paths): `drive_client <typed|raw> <n>` starts the loopback server,
//! warms one connection, then sends `n` requests one after the other. Under
//! `valgrind --tool=callgrind`, (Ir(n = 1100) - Ir(n = 100)) / 1000 is the instructions per
//! request, user space only (the kernel's TCP work is not counted).

use paywire::{Client, ClientConfig, Outcome};
use paywire_benches::loopback::{PATH, Server};
use paywire_benches::{self as b};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: drive_client <typed|raw> <n>");
        std::process::exit(2);
    };
    let typed = match path.as_str() {
        "typed" => true,
        "raw" => false,
        _ => {
            eprintln!("usage: drive_client <typed|raw> <n>");
            std::process::exit(2);
        }
    };
    let server = Server::start();
    let base = format!("http://{}", server.addr);
    let url = format!("{base}{PATH}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let request = b::seed_000_typed();
    let creds = b::diamondpay_credentials();
    let body: &'static [u8] = Box::leak(
        request
            .prepare(&creds)
            .expect("prepares")
            .body
            .expect("a JSON body")
            .into_bytes()
            .into_boxed_slice(),
    );
    let client = Client::new(ClientConfig::new(base, creds)).expect("typed client");
    let raw = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("raw client");
    rt.block_on(async {
        for _ in 0..(10 + n) {
            if typed {
                match client.send(&request).await {
                    Outcome::Accepted { .. } => {}
                    other => panic!("not accepted: {other:?}"),
                }
            } else {
                let resp = raw
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("raw send");
                assert!(resp.status().is_success());
                std::hint::black_box(resp.bytes().await.expect("raw body"));
            }
        }
    });
    drop(rt);
    drop(server);
}
