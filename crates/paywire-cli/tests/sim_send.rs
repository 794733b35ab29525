//! `paywire sim` in a child process on a free port, and `paywire send` against it: one exit
//! status per outcome (0 accepted, 1 rejected, 3 indeterminate, 4 not sent, 2 usage).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_paywire");
/// The variables the tests pass credentials in.
const KEY_VAR: &str = "PAYWIRE_SIM_TEST_KEY";
const AUTH_VAR: &str = "PAYWIRE_SIM_TEST_AUTH";
const KEY: &str = "sim-send-test-key-7f3a";
const AUTH: &str = "sim-send-test-authorization";

fn specs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

fn spec(name: &str) -> String {
    specs()
        .join(format!("{name}.toml"))
        .to_string_lossy()
        .into_owned()
}

/// A `paywire sim` child, killed when dropped.
struct Sim {
    child: Child,
    base: String,
    banner: String,
    /// What it logged to standard error so far (read continuously, so it never blocks).
    log: Arc<Mutex<String>>,
}

impl Sim {
    /// Wait up to 5 s for a log line containing every one of `parts`; the line.
    fn log_line(&self, parts: &[&str]) -> String {
        for _ in 0..200 {
            if let Some(line) = self
                .log
                .lock()
                .unwrap()
                .lines()
                .find(|l| parts.iter().all(|p| l.contains(p)))
            {
                return line.to_owned();
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("no log line with {parts:?}:\n{}", self.log.lock().unwrap());
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `paywire sim` on a free port and read its banner up to "Ctrl-C stops.".
fn start_sim(extra: &[&str]) -> Sim {
    let pattern = specs().join("*.toml");
    let mut child = Command::new(BIN)
        .args(["sim", "--spec", pattern.to_str().unwrap(), "--port", "0"])
        .args(["--step-ms", "100", "--hold-ms", "1500"])
        .args(["--secret-env", KEY_VAR, "--authorization-env", AUTH_VAR])
        .args(extra)
        .env(KEY_VAR, KEY)
        .env(AUTH_VAR, AUTH)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line == "Ctrl-C stops." {
            break;
        }
    }
    // Keep draining standard output and error so the simulator never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let log = Arc::new(Mutex::new(String::new()));
    let errors = BufReader::new(child.stderr.take().unwrap());
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in errors.lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let base = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(|w| w.trim_end_matches(',').to_owned())
        .unwrap_or_else(|| panic!("no base URL in the banner:\n{banner}"));
    Sim {
        child,
        base,
        banner,
        log,
    }
}

/// Run `paywire send` with `fields` on standard input.
fn send(args: &[&str], fields: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("send")
        .args(args)
        .args(["--json", "-"])
        .env(KEY_VAR, KEY)
        .env(AUTH_VAR, AUTH)
        .env("PAYWIRE_SIM_TEST_WRONG", "not-the-key")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(fields.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(KEY),
            "the secret was printed"
        );
    }
    out
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn payout(id: &str, amount: &str) -> String {
    format!(
        r#"{{"platform_id":"PF0002","service_id":"SVC0004","payout_cl_id":"{id}","amount":{amount},
            "notify_url":"http://127.0.0.1:9/unused","bank_code":"812","number":"4088748280272397",
            "currency":"twd","request_time":1595504997}}"#
    )
}

#[test]
fn send_gives_one_exit_status_per_outcome() {
    let sim = start_sim(&[]);
    assert!(sim.banner.contains("  diamondpay  "), "{}", sim.banner);
    assert!(sim.banner.contains("  goldenpay   "), "{}", sim.banner);
    assert!(sim.banner.contains("  intqp       "), "{}", sim.banner);
    assert!(sim.banner.contains("x-paywire-fault"), "{}", sim.banner);
    assert!(
        sim.banner.contains("ending in 91 timeout"),
        "{}",
        sim.banner
    );
    let dp = format!("{}/diamondpay", sim.base);
    let dp_spec = spec("diamondpay");
    let create = [
        "--spec",
        dp_spec.as_str(),
        "--operation",
        "create_payout_twd",
        "--base-url",
        dp.as_str(),
        "--secret-env",
        KEY_VAR,
    ];

    // Accepted: 0, with the gateway id in the payload and the canonical string masked.
    let o = send(&create, &payout("SEND-1", "50000"));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("outcome    accepted"), "{t}");
    assert!(t.contains("\"payout_id\": \"DI"), "{t}");
    assert!(t.contains("&key=****"), "{t}");
    assert!(t.contains("evidence   HTTP 200"), "{t}");

    // The same order id again: rejected (1), the code and message verbatim.
    let o = send(&create, &payout("SEND-1", "50000"));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("rejected as a duplicate"), "{t}");
    assert!(t.contains("code       0002"), "{t}");
    assert!(
        t.contains("message    Duplicate order number SEND-1"),
        "{t}"
    );

    // A wrong key: rejected (1) by the gateway's signature check.
    let mut wrong = create;
    wrong[7] = "PAYWIRE_SIM_TEST_WRONG";
    let o = send(&wrong, &payout("SEND-2", "50000"));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("Signature verification failed"), "{t}");

    // The simulator logged each request on one line: the order created (with the profile it
    // verified under), the duplicate and the bad signature refused with their reasons.
    let created = sim.log_line(&["order_id=SEND-1", "order created"]);
    assert!(created.contains("gateway=diamondpay"), "{created}");
    assert!(created.contains("profile=\"md5\""), "{created}");
    sim.log_line(&["order_id=SEND-1", "refused: Duplicate order number SEND-1"]);
    let refused = sim.log_line(&["order_id=SEND-2", "refused: Signature verification failed"]);
    assert!(
        refused.contains("md5-bare-key"),
        "the profiles tried are named: {refused}"
    );
    assert!(
        !sim.log.lock().unwrap().contains(KEY),
        "the secret was logged"
    );

    // The magic amount ending in 91 holds the answer past the timeout: indeterminate (3).
    let o = send(
        &[&create[..], &["--timeout-ms", "400"]].concat(),
        &payout("SEND-3", "50091"),
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(3), "{t}");
    assert!(t.contains("INDETERMINATE: timed out after sending"), "{t}");
    assert!(
        t.contains(
            "Do not retry with a new order id; query the order or wait for the notification."
        ),
        "{t}"
    );
    assert!(t.contains("--operation query_payouts"), "{t}");

    // The query finds the order that timed out: it exists (Authorization header required).
    let query = [
        "--spec",
        dp_spec.as_str(),
        "--operation",
        "query_payouts",
        "--base-url",
        dp.as_str(),
        "--secret-env",
        KEY_VAR,
    ];
    let o = send(
        &[&query[..], &["--authorization-env", AUTH_VAR]].concat(),
        r#"{"payout_cl_id":"SEND-3"}"#,
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("\"payout_cl_id\": \"SEND-3\""), "{t}");
    // Without the Authorization credential: a usage error (2), naming the option.
    let o = send(&query, r#"{"payout_cl_id":"SEND-3"}"#);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--authorization-env"), "{}", text(&o));

    // Fields that break the spec's rules: not sent (4), every rule named.
    let o = send(&create, r#"{"platform_id":"PF0002"}"#);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(4), "{t}");
    assert!(t.contains("`payout_cl_id` is required"), "{t}");
    assert!(t.contains("`amount` is required"), "{t}");

    // Nobody listening: not sent (4).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/diamondpay", closed.local_addr().unwrap());
    drop(closed);
    let mut nowhere = create;
    nowhere[5] = &dead;
    let o = send(&nowhere, &payout("SEND-4", "50000"));
    let t = text(&o);
    assert_eq!(o.status.code(), Some(4), "{t}");
    assert!(t.contains("not sent: could not connect"), "{t}");

    // An unknown operation: usage (2), the known ones listed.
    let mut unknown = create;
    unknown[3] = "create_payout_xyz";
    let o = send(&unknown, "{}");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("create_payout_twd"), "{}", text(&o));

    // intqp: accepted, then the same orderid rejected as 10003.
    let iq = format!("{}/intqp", sim.base);
    let iq_spec = spec("intqp");
    let withdraw = [
        "--spec",
        iq_spec.as_str(),
        "--operation",
        "withdraw",
        "--base-url",
        iq.as_str(),
        "--secret-env",
        KEY_VAR,
    ];
    let fields = r#"{"uid":"test1","currency":"VND","orderid":"SEND-IQ-1","notify_url":"http://127.0.0.1:9/x",
        "amount":"100.00","userip":"127.0.0.1","timestamp":1758210270,"pay_code":"1004"}"#;
    let o = send(&withdraw, fields);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = send(&withdraw, fields);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("code       10003"), "{t}");
}

#[test]
fn sim_refuses_bad_specs_and_empty_patterns() {
    let dir = std::env::temp_dir().join(format!("paywire-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[gateway]\nname = \"Bad\"\ndefault_profile = \"nope\"\n\n[profiles.md5]\ndigest = \"md5\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("sim")
            .args(args)
            .args(["--port", "0"])
            .output()
            .unwrap()
    };
    // Every diagnostic of every bad spec, and nothing started.
    let o = run(&["--spec", &spec("intqp"), "--spec", bad.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(
        t.contains("bad.toml:2:") && t.contains("bad.toml:3:"),
        "{t}"
    );
    assert!(t.contains("1 spec file(s) did not load"), "{t}");
    // A pattern that matches nothing.
    let none = dir.join("*.nothing");
    let o = run(&["--spec", none.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("no file matches"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}
