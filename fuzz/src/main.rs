//! `paywire-fuzz [--seconds N] [--seed S] [--target NAME[,NAME]] [--runs N] [--replay FILE]`.

use std::process::ExitCode;
use std::time::Duration;

use paywire_fuzz::corpus::{Ctx, Seeds, workspace_root};
use paywire_fuzz::runner::{self, Config, Ran};
use paywire_fuzz::targets::{self, TARGETS, Target};

const USAGE: &str = "usage: paywire-fuzz [--seconds N] [--seed S] [--target NAME[,NAME...]] [--runs N] [--no-save] [--list]
       paywire-fuzz --replay FILE [--target NAME]

  --seconds N   total time over the chosen targets, round-robin (default 60)
  --seed S      seed of every generator (default: from the clock; printed)
  --target T    one target or a comma list (default: all): body, notify, response, classify, money, spec
  --runs N      at most N inputs per target (with --seed: a reproducible run)
  --no-save     do not write crashing inputs to fuzz/crashes/
  --replay FILE run one saved input (the target is the file name's prefix unless --target says)
  --list        list the targets

Exit status 1 when any input panicked or showed a finding.";

struct Args {
    seconds: f64,
    seed: Option<u64>,
    targets: Vec<String>,
    runs: Option<u64>,
    save: bool,
    replay: Option<String>,
    list: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        seconds: 60.0,
        seed: None,
        targets: Vec::new(),
        runs: None,
        save: true,
        replay: None,
        list: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--seconds" => {
                a.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds: not a number".to_owned())?
            }
            "--seed" => {
                a.seed = Some(
                    value("--seed")?
                        .parse()
                        .map_err(|_| "--seed: not an unsigned integer".to_owned())?,
                )
            }
            "--target" => {
                a.targets = value("--target")?
                    .split(',')
                    .filter(|s| !s.is_empty() && *s != "all")
                    .map(str::to_owned)
                    .collect()
            }
            "--runs" => {
                a.runs = Some(
                    value("--runs")?
                        .parse()
                        .map_err(|_| "--runs: not an unsigned integer".to_owned())?,
                )
            }
            "--replay" => a.replay = Some(value("--replay")?),
            "--no-save" => a.save = false,
            "--list" => a.list = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn seeds_of(t: &Target, s: &Seeds) -> Vec<Vec<u8>> {
    match t.name {
        "body" => s.bodies.clone(),
        "notify" => s.notifications.clone(),
        "response" | "classify" => s.responses.clone(),
        "money" => s.money.clone(),
        "spec" => s.specs.clone(),
        _ => s.bodies.clone(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if a.list {
        for t in TARGETS {
            println!("{:<9} {}", t.name, t.about);
        }
        return ExitCode::SUCCESS;
    }
    let root = workspace_root();
    let ctx = Ctx::load(&root);
    for e in &ctx.load_errors {
        eprintln!("warning: spec not loaded (its interpreter checks are skipped): {e}");
    }
    if let Some(file) = &a.replay {
        return replay(&ctx, file, &a.targets);
    }
    let chosen: Vec<&Target> = if a.targets.is_empty() {
        TARGETS.iter().collect()
    } else {
        let mut v = Vec::new();
        for name in &a.targets {
            match targets::target(name) {
                Some(t) => v.push(t),
                None => {
                    eprintln!("error: no target `{name}` (see --list)");
                    return ExitCode::from(2);
                }
            }
        }
        v
    };
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let seeds = Seeds::load(&root, &ctx);
    let with_seeds: Vec<(&Target, Vec<Vec<u8>>)> =
        chosen.iter().map(|t| (*t, seeds_of(t, &seeds))).collect();
    println!(
        "paywire-fuzz: {} target(s) ({}), {} s, seed {seed}{}; seeds: {}",
        chosen.len(),
        chosen.iter().map(|t| t.name).collect::<Vec<_>>().join(", "),
        a.seconds,
        a.runs
            .map(|r| format!(", at most {r} inputs per target"))
            .unwrap_or_default(),
        with_seeds
            .iter()
            .map(|(t, s)| format!("{} {}", t.name, s.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let cfg = Config {
        seconds: a.seconds,
        seed,
        runs: a.runs,
        crash_dir: a.save.then(|| root.join("fuzz/crashes")),
        progress: Duration::from_secs(5),
        verbose: true,
    };
    // A big stack: deep inputs must fail as errors, and a parser's recursion is not mistaken
    // for the harness's.
    let stats = std::thread::Builder::new()
        .name("paywire-fuzz".to_owned())
        .stack_size(256 << 20)
        .spawn(move || runner::run(&ctx, &with_seeds, &cfg))
        .expect("spawn the fuzzing thread")
        .join()
        .expect("the fuzzing thread");
    println!("\nsummary (seed {seed}):\n{}", runner::summary(&stats));
    let panics: u64 = stats.iter().map(|s| s.panics).sum();
    let findings: u64 = stats.iter().map(|s| s.findings).sum();
    if panics + findings > 0 {
        println!(
            "{panics} panic(s), {findings} finding(s); reproduce one with `cargo xtask fuzz --replay fuzz/crashes/<file>`"
        );
        for s in &stats {
            for e in &s.examples {
                println!("{e}");
            }
        }
        ExitCode::FAILURE
    } else {
        println!("no panic, no finding");
        ExitCode::SUCCESS
    }
}

fn replay(ctx: &Ctx, file: &str, names: &[String]) -> ExitCode {
    let input = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let base = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = names
        .first()
        .cloned()
        .unwrap_or_else(|| base.split('-').next().unwrap_or_default().to_owned());
    let Some(t) = targets::target(&name) else {
        eprintln!("error: no target `{name}`: say --target NAME");
        return ExitCode::from(2);
    };
    println!(
        "replay {file} ({} bytes) on `{}`: \"{}\"",
        input.len(),
        t.name,
        runner::escape(&input, 2000)
    );
    match runner::run_one(t, ctx, &input) {
        Ran::Fine(_) => {
            println!(
                "no panic, no finding (deep stage {})",
                if runner::last_was_deep() {
                    "reached"
                } else {
                    "not reached"
                }
            );
            ExitCode::SUCCESS
        }
        Ran::Finding(f) => {
            println!("finding: {f}");
            ExitCode::FAILURE
        }
        Ran::Panic(msg, loc, frames) => {
            println!("panicked at {loc}: {msg}\n    {}", frames.join("\n    "));
            ExitCode::FAILURE
        }
    }
}
