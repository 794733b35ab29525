#!/usr/bin/env bash
# The project's test command (README "Test"): formatting, lints, generated files, every test.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo xtask check"
cargo xtask check
echo "== dependency budget (types-only providers link no spec parser)"
bash scripts/dep_budget.sh
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
echo "== cargo test"
cargo test --workspace
