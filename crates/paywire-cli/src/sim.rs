//! `paywire sim`: the sandbox simulator (paywire-sim) for every spec given, until Ctrl-C.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use paywire::{Gateway, Secret};
use paywire_sim::{SimConfig, SimGateway, Simulator};

use crate::cli::{LogLevel, SimArgs};
use crate::error::CliError;

/// The variable the merchant secret is read from when `--secret-env` is not given.
pub const DEFAULT_SECRET_ENV: &str = "PAYWIRE_SIM_SECRET";
/// The secret used when [`DEFAULT_SECRET_ENV`] is unset: public, for the sandbox only.
pub const SANDBOX_SECRET: &str = "sandbox-secret";
/// The `{authorization}` header value used when `--authorization-env` is not given.
pub const SANDBOX_AUTHORIZATION: &str = "sandbox-authorization";

/// What the simulator does on request, for the banner (mirrors paywire-sim's crate docs).
pub const CHEAT_SHEET: &str = "\
fault injection (the request is processed first: the order exists, only the answer is lost)
  header   x-paywire-fault: timeout | 500 | 502 | empty | truncated | reset | delay=<ms>
  amount   minor units ending in 91 timeout, 92 HTTP 500, 93 HTTP 502 (HTML), 94 empty body,
           95 truncated body, 96 connection reset, 97 final status failed, 98 cancelled
  control  POST {base}/_sim/faults {\"gateway\":\"intqp\",\"operation\":\"withdraw\",\"fault\":\"timeout\",\"times\":1}
  order    header x-paywire-final: failed | cancelled | succeeded (the final status)
           header x-paywire-notify: duplicate,out_of_order,bad_signature (its notifications)
  state    GET {base}/_sim/orders    GET {base}/_sim/deliveries";

/// Run `paywire sim` until Ctrl-C.
pub fn run(args: &SimArgs) -> Result<u8, CliError> {
    let mut paths = Vec::new();
    for pattern in &args.spec {
        for p in expand(pattern)? {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
    }
    let mut gateways = Vec::new();
    let mut failed = 0;
    for path in &paths {
        match Gateway::load(path) {
            Ok(g) => gateways.push((path.clone(), g)),
            Err(e) => {
                failed += 1;
                eprintln!("error: {}", e.to_string().trim_end());
            }
        }
    }
    if failed > 0 {
        return Err(CliError::SpecsFailed(failed));
    }

    let mut warnings = Vec::new();
    let secret = match (&args.secret_env, &args.secret_file) {
        (_, Some(path)) => crate::cli::SecretArgs {
            secret_env: None,
            secret_file: Some(path.clone()),
        }
        .load()?,
        (Some(var), None) => {
            Secret::from_env(var).map_err(|source| CliError::SimSecretEnv { source })?
        }
        (None, None) => Secret::from_env(DEFAULT_SECRET_ENV).unwrap_or_else(|_| {
            warnings.push(format!(
                "warning: {DEFAULT_SECRET_ENV} is not set: every gateway accepts the public sandbox \
                 secret \"{SANDBOX_SECRET}\" (use --secret-env VAR for your own)"
            ));
            Secret::new(SANDBOX_SECRET)
        }),
    };
    let secret = crate::input::with_credentials(secret, &args.credentials)?;
    let authorization = match &args.authorization_env {
        Some(var) => {
            Secret::from_env(var).map_err(|source| CliError::AuthorizationEnv { source })?
        }
        None => {
            let needs = gateways.iter().any(|(_, g)| {
                g.spec()
                    .operations
                    .iter()
                    .any(|o| o.headers.values().any(|t| t.contains("{authorization}")))
            });
            if needs {
                warnings.push(format!(
                    "warning: no --authorization-env: Authorization headers must be the public \
                     sandbox value \"{SANDBOX_AUTHORIZATION}\""
                ));
            }
            Secret::new(SANDBOX_AUTHORIZATION)
        }
    };

    let mut config = SimConfig::new(
        gateways
            .iter()
            .map(|(_, g)| SimGateway {
                gateway: g.clone(),
                secret: secret.clone(),
                authorization: Some(authorization.clone()),
            })
            .collect(),
    );
    config.db.clone_from(&args.db);
    config.step = Duration::from_millis(args.step_ms.max(1));
    config.hold = Duration::from_millis(args.hold_ms);
    config.profiles = args.profile.iter().cloned().collect();
    config.notify_url.clone_from(&args.notify_url);
    let sim = Simulator::new(config)?;
    init_log(args.log);

    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let addr = format!("{}:{}", args.host, args.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| CliError::Listen {
                addr: addr.clone(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| CliError::Listen {
            addr: addr.clone(),
            source,
        })?;
        let base = format!("http://{local}");
        for w in &warnings {
            eprintln!("{w}");
        }
        crate::print(&banner(&base, &gateways, args))?;
        tokio::select! {
            served = sim.serve(listener) => served.map_err(|source| CliError::Listen { addr, source })?,
            _ = tokio::signal::ctrl_c() => println!("stopped (Ctrl-C)"),
        }
        Ok(0)
    })
}

/// Log to stderr at `level` (paywire-sim's events only: one line per request and per
/// notification delivery attempt).
fn init_log(level: LogLevel) {
    let max = match level {
        LogLevel::Off => return,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(max)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .finish();
    // Only fails when a subscriber is already set (nothing to do then).
    let _ = tracing::subscriber::set_global_default(subscriber);
}

fn banner(base: &str, gateways: &[(PathBuf, Gateway)], args: &SimArgs) -> String {
    let width = gateways
        .iter()
        .map(|(_, g)| g.name().len())
        .max()
        .unwrap_or(0);
    let mut s = format!(
        "paywire sim: {} gateway(s) on {base}, orders {}\n",
        gateways.len(),
        args.db
            .as_ref()
            .map_or_else(|| "in memory".to_owned(), |p| format!("in {}", p.display())),
    );
    for (path, g) in gateways {
        s.push_str(&format!(
            "  {:width$}  {base}/{}   ({})\n",
            g.name(),
            g.name(),
            path.display()
        ));
        let accepted = match args.profile.iter().find(|(name, _)| name == g.name()) {
            Some((_, p)) => format!("{p} only (--profile)"),
            None => {
                let offered: Vec<&str> = g
                    .spec()
                    .profiles
                    .iter()
                    .filter(|(_, r)| r.signs_every_field())
                    .map(|(k, _)| k.as_str())
                    .collect();
                format!("any of {}", offered.join(", "))
            }
        };
        s.push_str(&format!(
            "  {:width$}  requests signed with {accepted}\n",
            ""
        ));
    }
    s.push_str(&format!(
        "status step {} ms, a timeout fault holds {} ms\n\n",
        args.step_ms, args.hold_ms
    ));
    s.push_str(&CHEAT_SHEET.replace("{base}", base));
    s.push_str("\n\nCtrl-C stops.\n");
    s
}

/// The files a `--spec` value names: itself, or the files matching `*` and `?` in its file
/// name, sorted.
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>, CliError> {
    let path = Path::new(pattern);
    let Some(name) = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.contains(['*', '?']))
    else {
        return Ok(vec![path.to_path_buf()]);
    };
    let no_spec = |why: String| CliError::NoSpec {
        pattern: pattern.to_owned(),
        why,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if dir.to_string_lossy().contains(['*', '?']) {
        return Err(no_spec(
            "wildcards are matched in the file name only, not in directories".to_owned(),
        ));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| no_spec(format!("cannot read the directory {}: {e}", dir.display())))?;
    let mut found = BTreeSet::new();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else { continue };
        let hidden = file.starts_with('.') && !name.starts_with('.');
        if !hidden && wildcard(name.as_bytes(), file.as_bytes()) && entry.path().is_file() {
            found.insert(dir.join(file));
        }
    }
    if found.is_empty() {
        return Err(no_spec("no file matches".to_owned()));
    }
    Ok(found.into_iter().collect())
}

/// `*` matches any run of bytes, `?` one byte; everything else matches itself.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_file_names() {
        let m = |p: &str, t: &str| wildcard(p.as_bytes(), t.as_bytes());
        assert!(m("*.toml", "intqp.toml"));
        assert!(m("*", "x"));
        assert!(m("d*pay.toml", "diamondpay.toml"));
        assert!(m("?ntqp.toml", "intqp.toml"));
        assert!(m("*o*o*", "goldenpay.toml"));
        assert!(!m("*.toml", "schema.json"));
        assert!(!m("*.toml", "x.toml.bak"));
        assert!(!m("?.toml", "ab.toml"));
        assert!(m("a**b", "ab"));
    }
}
