#!/usr/bin/env bash
# Follows specs/README.md "Adding a gateway" on a copy of the committed tree: scaffold a provider,
# check the generated files, and test the new crate. Proves the walkthrough works from a clone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git ls-files -z | xargs -0 -I{} cp --parents {} "$work"/
cd "$work"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
echo "== new-provider walkthrough in $work"
cargo xtask new-provider smokepay
cargo xtask check
cargo test -p paywire-smokepay
