#!/usr/bin/env bash
# A types-only user of a provider crate (`--no-default-features`: no HTTP client) links the
# runtime core only: no TOML parser, no schemars, no spec model. The issue's budget: goldenpay
# (md5 only) links at most 20 crates; every provider is listed, and none may link the spec stack.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for name in goldenpay diamondpay intqp; do
    crates=$(cargo tree -p "paywire-$name" --no-default-features -e normal,no-proc-macro --prefix none \
        | sed 's/ (\*)//' | awk 'NF {print $1}' | sort -u)
    count=$(printf '%s\n' "$crates" | wc -l)
    echo "paywire-$name --no-default-features: $count crates"
    for banned in toml toml_edit toml_parser winnow indexmap schemars paywire-spec regex; do
        if printf '%s\n' "$crates" | grep -qx "$banned"; then
            echo "  FAIL: links $banned"
            status=1
        fi
    done
done
goldenpay=$(cargo tree -p paywire-goldenpay --no-default-features -e normal,no-proc-macro --prefix none \
    | sed 's/ (\*)//' | awk 'NF {print $1}' | sort -u | wc -l)
if [ "$goldenpay" -gt 20 ]; then
    echo "FAIL: paywire-goldenpay links $goldenpay crates (budget 20)"
    status=1
fi
exit $status
