//! The loop: seeds first, then mutants, round-robin over the targets in time slices, every
//! input run under `catch_unwind`. A panic or a finding is recorded with its input (written to
//! the crash directory and printed escaped); inputs that reach a new kind of result join the
//! target's corpus.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::corpus::Ctx;
use crate::mutate::Mutator;
use crate::rng::{Rng, fnv1a};
use crate::targets::Target;

/// How a run is bounded and reported.
#[derive(Debug, Clone)]
pub struct Config {
    /// Total time over every target.
    pub seconds: f64,
    /// The seed of every generator.
    pub seed: u64,
    /// At most this many inputs per target (reproducible runs), if set.
    pub runs: Option<u64>,
    /// Where crashing inputs are written (`<target>-<hash>`); `None` writes nothing.
    pub crash_dir: Option<PathBuf>,
    /// The progress interval.
    pub progress: Duration,
    /// Print progress and findings.
    pub verbose: bool,
}

/// One target's figures.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// The target.
    pub name: &'static str,
    /// Inputs run (seeds and mutants).
    pub inputs: u64,
    /// Inputs that reached the target's deep stage (see [`mark_deep`]).
    pub deep: u64,
    /// Inputs that panicked.
    pub panics: u64,
    /// Inputs that showed a finding (engines disagree, an invariant broke).
    pub findings: u64,
    /// Inputs slower than a second.
    pub slow: u64,
    /// Corpus size at the end (seeds + kept mutants).
    pub corpus: usize,
    /// Time spent in the target.
    pub elapsed: Duration,
    /// Each distinct panic location (or finding) with its count.
    pub distinct: BTreeMap<String, u64>,
    /// The first input of each distinct problem, escaped, with its file.
    pub examples: Vec<String>,
}

struct PanicRecord {
    message: String,
    location: String,
    frames: Vec<String>,
}

thread_local! {
    static IN_FUZZ: Cell<bool> = const { Cell::new(false) };
    static DEEP: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<PanicRecord>> = const { RefCell::new(None) };
}

/// Install the hook that records a panic on a fuzzing thread (and leaves other threads'
/// panics, a test harness's, to the previous hook).
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_FUZZ.with(Cell::get) {
                previous(info);
                return;
            }
            let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "(non-string panic payload)".to_owned()
            };
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_else(|| "(unknown location)".to_owned());
            let bt = std::backtrace::Backtrace::force_capture().to_string();
            let frames = bt
                .lines()
                .filter(|l| {
                    (l.contains("paywire") || l.contains("at ./") || l.contains("crates/"))
                        && !l.contains("paywire_fuzz::runner")
                })
                .take(16)
                .map(|l| l.trim().to_owned())
                .collect();
            LAST.with(|r| {
                *r.borrow_mut() = Some(PanicRecord {
                    message,
                    location,
                    frames,
                })
            });
        }));
    });
}

/// Called by a target when an input reached its deep stage (a body parsed, a signature
/// passed, a spec validated): counted per target, to show how far the mutants get.
pub fn mark_deep() {
    DEEP.with(|d| d.set(true));
}

/// Whether the last input run on this thread reached its target's deep stage.
pub fn last_was_deep() -> bool {
    DEEP.with(Cell::get)
}

/// What one input did.
pub enum Ran {
    /// No problem; the result's shape.
    Fine(u64),
    /// A finding (not a panic).
    Finding(String),
    /// A panic: message, location, frames.
    Panic(String, String, Vec<String>),
}

/// Run one input under `catch_unwind`.
pub fn run_one(t: &Target, ctx: &Ctx, input: &[u8]) -> Ran {
    install_hook();
    IN_FUZZ.with(|f| f.set(true));
    DEEP.with(|d| d.set(false));
    let r = panic::catch_unwind(AssertUnwindSafe(|| (t.run)(ctx, input)));
    IN_FUZZ.with(|f| f.set(false));
    match r {
        Ok(Ok(shape)) => Ran::Fine(shape),
        Ok(Err(finding)) => Ran::Finding(finding),
        Err(payload) => {
            let rec = LAST.with(|l| l.borrow_mut().take());
            match rec {
                Some(p) => Ran::Panic(p.message, p.location, p.frames),
                None => {
                    let msg = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    Ran::Panic(msg, "(unknown location)".to_owned(), Vec::new())
                }
            }
        }
    }
}

/// Bytes as printable text: ASCII kept, `\n`, `\t`, `\\`, `\"` and `\xNN` for the rest.
pub fn escape(bytes: &[u8], max: usize) -> String {
    let mut s = String::new();
    for &b in bytes.iter().take(max) {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > max {
        s.push_str(&format!("... ({} bytes in all)", bytes.len()));
    }
    s
}

struct State<'a> {
    target: &'a Target,
    stats: Stats,
    seeds: Vec<Vec<u8>>,
    kept: Vec<Vec<u8>>,
    seen: HashSet<u64>,
    next_seed: usize,
    rng: Rng,
    mutator: Mutator,
    saved_per_problem: BTreeMap<String, u32>,
    done: bool,
}

const MAX_KEPT: usize = 1024;

impl State<'_> {
    fn next_input(&mut self) -> Vec<u8> {
        if self.next_seed < self.seeds.len() {
            self.next_seed += 1;
            return self.seeds[self.next_seed - 1].clone();
        }
        let pool_len = self.seeds.len() + self.kept.len();
        let i = self.rng.below(pool_len.max(1));
        let parent = if i < self.seeds.len() {
            self.seeds.get(i).cloned().unwrap_or_default()
        } else {
            self.kept[i - self.seeds.len()].clone()
        };
        let others = if self.rng.chance(1, 2) || self.kept.is_empty() {
            &self.seeds
        } else {
            &self.kept
        };
        let mut out = self.mutator.mutate(&mut self.rng, &parent, others);
        out.truncate(self.target.max_len);
        out
    }

    fn record(&mut self, cfg: &Config, input: &[u8], ran: Ran, took: Duration) {
        let (kind, key, detail) = match ran {
            Ran::Fine(shape) => {
                if self.seen.insert(shape) {
                    if self.kept.len() < MAX_KEPT {
                        self.kept.push(input.to_vec());
                    } else {
                        let i = self.rng.below(MAX_KEPT);
                        self.kept[i] = input.to_vec();
                    }
                }
                if took > Duration::from_secs(1) {
                    self.stats.slow += 1;
                    (
                        "slow",
                        format!("slow input ({} ms)", took.as_millis()),
                        String::new(),
                    )
                } else {
                    return;
                }
            }
            Ran::Finding(f) => {
                self.stats.findings += 1;
                let key: String = f
                    .chars()
                    .filter(|c| !c.is_ascii_digit())
                    .take(120)
                    .collect();
                ("finding", key, f)
            }
            Ran::Panic(msg, loc, frames) => {
                self.stats.panics += 1;
                let detail = format!("panicked at {loc}: {msg}\n    {}", frames.join("\n    "));
                ("panic", format!("panic at {loc}"), detail)
            }
        };
        let count = self.stats.distinct.entry(key.clone()).or_insert(0);
        *count += 1;
        let first = *count == 1;
        let saved = self.saved_per_problem.entry(key.clone()).or_insert(0);
        let mut file = String::new();
        if let Some(dir) = cfg.crash_dir.as_ref().filter(|_| *saved < 8) {
            *saved += 1;
            let _ = std::fs::create_dir_all(dir);
            let name = format!("{}-{:016x}", self.target.name, fnv1a(input));
            let path = dir.join(&name);
            if std::fs::write(&path, input).is_ok() {
                file = path.display().to_string();
            }
        }
        if first {
            let example = format!(
                "[{}] {kind}: {}\n  input ({} bytes): \"{}\"\n  saved: {}",
                self.target.name,
                if detail.is_empty() { &key } else { &detail },
                input.len(),
                escape(input, 600),
                if file.is_empty() {
                    "(not saved)"
                } else {
                    &file
                },
            );
            if cfg.verbose {
                println!("{example}");
            }
            self.stats.examples.push(example);
        }
    }
}

/// Run the targets; returns each one's figures.
pub fn run(ctx: &Ctx, targets: &[(&Target, Vec<Vec<u8>>)], cfg: &Config) -> Vec<Stats> {
    install_hook();
    let mut states: Vec<State> = targets
        .iter()
        .map(|(t, seeds)| State {
            target: t,
            stats: Stats {
                name: t.name,
                ..Stats::default()
            },
            mutator: Mutator::new(seeds, t.max_len),
            seeds: seeds.clone(),
            kept: Vec::new(),
            seen: HashSet::new(),
            next_seed: 0,
            rng: Rng::new(cfg.seed ^ fnv1a(t.name.as_bytes())),
            saved_per_problem: BTreeMap::new(),
            done: false,
        })
        .collect();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(cfg.seconds.max(0.0));
    let slice = Duration::from_millis(100);
    let mut last_progress = start;
    while Instant::now() < deadline && states.iter().any(|s| !s.done) {
        for st in states.iter_mut().filter(|s| !s.done) {
            let slice_end = (Instant::now() + slice).min(deadline);
            let t0 = Instant::now();
            loop {
                if cfg.runs.is_some_and(|max| st.stats.inputs >= max) {
                    st.done = true;
                    break;
                }
                let input = st.next_input();
                let i0 = Instant::now();
                let ran = run_one(st.target, ctx, &input);
                let took = i0.elapsed();
                st.stats.inputs += 1;
                if DEEP.with(Cell::get) {
                    st.stats.deep += 1;
                }
                st.record(cfg, &input, ran, took);
                if Instant::now() >= slice_end {
                    break;
                }
            }
            st.stats.elapsed += t0.elapsed();
            st.stats.corpus = st.seeds.len() + st.kept.len();
        }
        if cfg.verbose && last_progress.elapsed() >= cfg.progress {
            last_progress = Instant::now();
            for st in &states {
                println!("{}", progress_line(start.elapsed(), &st.stats));
            }
        }
    }
    states.into_iter().map(|s| s.stats).collect()
}

/// One progress line.
pub fn progress_line(at: Duration, s: &Stats) -> String {
    let rate = if s.elapsed.as_secs_f64() > 0.0 {
        s.inputs as f64 / s.elapsed.as_secs_f64()
    } else {
        0.0
    };
    format!(
        "[{:6.1}s] {:<9} inputs {:>9} ({:>7.0}/s)  deep {:>9}  panics {}  findings {}  corpus {}",
        at.as_secs_f64(),
        s.name,
        s.inputs,
        rate,
        s.deep,
        s.panics,
        s.findings,
        s.corpus
    )
}

/// The summary table.
pub fn summary(stats: &[Stats]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<9} {:>10} {:>10} {:>9} {:>7} {:>9} {:>5} {:>7}\n",
        "target", "inputs", "deep", "seconds", "panics", "findings", "slow", "corpus"
    ));
    for s in stats {
        out.push_str(&format!(
            "{:<9} {:>10} {:>10} {:>9.1} {:>7} {:>9} {:>5} {:>7}\n",
            s.name,
            s.inputs,
            s.deep,
            s.elapsed.as_secs_f64(),
            s.panics,
            s.findings,
            s.slow,
            s.corpus
        ));
    }
    for s in stats {
        for (k, n) in &s.distinct {
            out.push_str(&format!("  {}: {k} ({n} input(s))\n", s.name));
        }
    }
    out
}
