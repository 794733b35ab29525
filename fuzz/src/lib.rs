//! paywire-fuzz: a seeded mutation fuzzer for stable Rust, run in-process.
//!
//! cargo-fuzz needs a nightly toolchain, which this project's machines and CI do not have, so
//! the harness is plain Rust: a corpus of valid inputs from the repository (provider fixtures,
//! correctly signed notification bodies made at start, the specs), mutated by [`mutate`]
//! (bit flips, byte inserts and deletes, splices, truncation, bounded huge repeats, unicode and
//! invalid UTF-8, number-text changes, duplicated, added, removed and retyped JSON fields, form
//! and line edits), and run against the [`targets`] under `catch_unwind` by [`runner`]. A panic
//! is recorded with its input (written to `fuzz/crashes/<target>-<hash>`, printed escaped),
//! and so is a finding: the generated code and the interpreter disagreeing on the same bytes,
//! or a documented invariant that does not hold.
//!
//! `cargo xtask fuzz --seconds 60 [--seed S] [--target NAME]` runs it in release mode.
//! [`fields`] also serves the forged-notification corpus test (`tests/forgery.rs`) as an oracle
//! written independently of `paywire::received`.

pub mod corpus;
pub mod fields;
pub mod mutate;
pub mod rng;
pub mod runner;
pub mod targets;
