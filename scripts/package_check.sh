#!/usr/bin/env bash
# Proves that each provider crate builds and passes its tests from its packaged form, the .crate
# file `cargo publish` would upload, outside the workspace, where nothing above the crate's own
# directory (specs/, the workspace Cargo.toml, sibling crates) can be reached.
#
#   1. `cargo package` the provider crates together with the workspace crates they depend on
#      (found with `cargo tree`, optional dependencies included) in one invocation: cargo
#      packages workspace members that depend on each other in dependency order. `--no-verify`:
#      the builds that matter happen in step 3, one crate at a time, so a broken provider gives
#      a FAIL line instead of stopping the script.
#   2. Print `cargo package --list` of each provider: the files that ship.
#   3. For each provider, unpack its .crate into a fresh temporary directory outside the
#      repository, unpack the runtime crates' .crate files beside it, and write a
#      .cargo/config.toml whose [patch.crates-io] points each runtime crate at its unpacked
#      package (they are not on crates.io). The provider's manifest is left as packaged. Then
#      `cargo test` there.
#   4. One PASS/FAIL line per provider; exit status 1 if any failed.
#
# Registry access: the packaged crates' registry dependencies (serde, tokio, ...) come from
# crates.io through cargo's usual cache. Packaging resolves a lockfile per crate and the
# unpacked provider re-resolves its patched dependencies, so cargo may consult the crates.io
# index. With PACKAGE_CHECK_OFFLINE=1 every cargo command runs with --offline, which works once
# the cache holds every dependency (for example after `cargo test --workspace`).
#
# Usage: bash scripts/package_check.sh [provider-crate ...]   (default: every crates/providers/*)
# Build artifacts are shared in $REPO/target/package-check (or $PACKAGE_CHECK_TARGET_DIR), so
# repeated runs are incremental. Temporary directories are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd -P) # physical path: cargo prints paths that way

offline=()
if [[ "${PACKAGE_CHECK_OFFLINE:-0}" == 1 ]]; then
    offline=(--offline)
fi

# One target directory for packaging and for every unpacked crate; it may be the workspace's
# usual one. The .crate files land in $target/package/ and are picked by exact name and version.
target="${PACKAGE_CHECK_TARGET_DIR:-$repo/target/package-check}"
export CARGO_TARGET_DIR="$target"

work=$(mktemp -d "${TMPDIR:-/tmp}/paywire-package-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
case "$work/" in
    "$repo"/*) echo "package_check: temporary directory $work is inside $repo" >&2; exit 2 ;;
esac

# The provider crates: the arguments, or the package name of every crates/providers/*/Cargo.toml.
if [[ $# -gt 0 ]]; then
    providers=("$@")
else
    providers=()
    for manifest in crates/providers/*/Cargo.toml; do
        providers+=("$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$manifest" | head -n1)")
    done
fi

# `name@version` of a workspace package, from `cargo pkgid` (path+file:///...#name@version).
pkgid() {
    local id
    id=$(cargo pkgid "${offline[@]}" -p "$1")
    id=${id##*#}
    if [[ "$id" != *@* ]]; then id="$1@$id"; fi # older cargo prints `#version` alone
    echo "$id"
}

# The workspace crates the providers depend on, directly or not, with every feature of each
# turned on: packaging a crate needs all its dependencies, optional ones included, to resolve.
# In `cargo tree --prefix none` a path dependency prints as `name vX.Y.Z (/its/path)`. Repeat
# with the crates found so far until the set stops growing.
workspace_deps() {
    local args=() p tree
    for p in "$@"; do args+=(-p "$p"); done
    tree=$(cargo tree "${offline[@]}" "${args[@]}" --all-features -e normal,build --prefix none) ||
        return 1
    grep -F " ($repo/" <<<"$tree" | awk '{print $1}' | sort -u || true
}
closure=("${providers[@]}")
while :; do
    deps=$(workspace_deps "${closure[@]}") # a separate step, so a cargo tree failure stops here
    # shellcheck disable=SC2086 # $deps is one crate name a line; split it into words
    mapfile -t next < <(printf '%s\n' "${closure[@]}" $deps | sort -u)
    [[ ${#next[@]} -eq ${#closure[@]} ]] && break
    closure=("${next[@]}")
done
runtime=()
for name in "${closure[@]}"; do
    if ! printf '%s\n' "${providers[@]}" | grep -qxF "$name"; then runtime+=("$name"); fi
done
echo "== providers: ${providers[*]}"
echo "== workspace crates they depend on: ${runtime[*]:-(none)}"

# 1. Package everything in one cargo invocation. --allow-dirty: check the working tree as it is.
package_args=()
for p in "${runtime[@]}" "${providers[@]}"; do
    package_args+=(-p "$p")
done
echo "== cargo package ${package_args[*]} --no-verify --allow-dirty"
cargo package "${offline[@]}" "${package_args[@]}" --no-verify --allow-dirty

# Unpack the runtime crates once; every provider's config patches crates.io to these copies.
mkdir -p "$work/runtime"
patch="[patch.crates-io]"$'\n'
for name in "${runtime[@]}"; do
    id=$(pkgid "$name")
    crate="$target/package/${id/@/-}.crate"
    tar -xzf "$crate" -C "$work/runtime"
    patch+="$name = { path = \"$work/runtime/${id/@/-}\" }"$'\n'
done

# 2. and 3. Per provider: the packaged file list, then a test run of the unpacked .crate.
results=()
failed=0
for name in "${providers[@]}"; do
    echo
    echo "== cargo package --list -p $name"
    cargo package "${offline[@]}" --list --allow-dirty -p "$name"

    id=$(pkgid "$name")
    crate="$target/package/${id/@/-}.crate"
    dir="$work/${id/@/-}"
    tar -xzf "$crate" -C "$work"
    mkdir -p "$dir/.cargo"
    printf '%s' "$patch" >"$dir/.cargo/config.toml"

    echo
    echo "== cargo test in $dir (unpacked from $crate)"
    log="$work/$name.log"
    if (cd "$dir" && cargo test "${offline[@]}") 2>&1 | tee "$log"; then
        results+=("PASS $name")
    else
        # The first error line says why, e.g. a spec or fixture outside the package.
        why=$(grep -m1 -E '^error' "$log" || echo "cargo test failed")
        results+=("FAIL $name: $why")
        failed=1
    fi
done

# 4. The summary.
echo
echo "== package check (each provider from its .crate, outside the workspace)"
printf '%s\n' "${results[@]}"
exit "$failed"
