#!/usr/bin/env bash
# The project's test command (README "Test"): formatting, lints, every test.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
