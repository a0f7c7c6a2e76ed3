#!/usr/bin/env bash
# Release builds of veil. The one place that says how a release artifact is built: the release
# workflow (.github/workflows/release.yml) runs `dist`, CI (scripts/release-check.sh) runs
# `binary aarch64-unknown-linux-gnu`, so the two run the same command line and cannot drift.
#
#   scripts/build-release.sh tools [PKG==V...]     the pinned build tools (and PKGs), once, into
#                                                  target/release-venv; the Rust targets
#   scripts/build-release.sh binary TRIPLE         cargo zigbuild for TRIPLE against its glibc baseline,
#                                                  then the baseline check; prints the binary's path
#   scripts/build-release.sh lambda                the Lambda zip as deploy/README.md builds it, bootstrap
#                                                  checked against Lambda's glibc; prints the zip's path
#   scripts/build-release.sh glibc BINARY X.Y      fail if BINARY needs a GLIBC_ version newer than X.Y
#   scripts/build-release.sh dist VERSION [DIR]    all release files and SHA256SUMS into DIR (dist/)
# Logs go to stderr, paths to stdout. Honours CARGO_TARGET_DIR.
#
# glibc baselines (the oldest glibc each artifact runs on), checked on every build:
#   veil-VERSION-x86_64-unknown-linux-gnu.tar.gz   glibc 2.17  (RHEL/CentOS 7, Ubuntu 14.04, Debian 8 on)
#   veil-VERSION-aarch64-unknown-linux-gnu.tar.gz  glibc 2.17  (every aarch64 glibc: 2.17 was the first)
#   veil-VERSION-lambda-arm64.zip                  glibc 2.34  (Lambda's provided.al2023); needs 2.30
# 2.17 is as old as it goes: it is the floor of Rust's own *-linux-gnu targets (since Rust 1.64),
# and it builds and links (cargo zigbuild's TRIPLE.2.17: Zig links against 2.17's symbol lists).
# What sets it: on x86_64 clock_gettime@GLIBC_2.17 (std; before 2.17 it was in librt), then
# getauxval@GLIBC_2.16; on aarch64 GLIBC_2.17 is the base version of every symbol.
# Why the Lambda bootstrap needs 2.30 (measured with `readelf --version-info` / `objdump -T`):
# `cargo lambda build --arm64` links against Zig's default glibc for aarch64-linux-gnu, and there
# Rust's std (1.95) refers to gettid (std::sys::thread::unix::current_os_id) as a *weak* symbol
# with a raw-syscall fallback; gettid is GLIBC_2.30, and the link records that as a hard version
# need (flags: none), so an older loader refuses the whole binary. Below it:
# pow@GLIBC_2.29 (libm's newer default version of pow; 2.17's pow links as well), statx 2.28,
# getrandom 2.25, __cxa_thread_atexit_impl 2.18: all weak in std with fallbacks. Linked against
# 2.17, those weak references stay unversioned (null before the glibc that has them, found after)
# and every version needed is GLIBC_2.17. No other crate sets the floor: the AWS SDK's TLS,
# aws-lc-sys, is C built by the cc crate with Zig's clang (no CMake, no system C toolchain) and
# needs only getauxval (2.16) for CPU features.
#
# The Lambda bootstrap is a different build from the aarch64 release binary, on purpose: cargo
# lambda adds target-cpu=neoverse-n1 (Graviton2; ARMv8.2 instructions such as LSE atomics, which
# fault on ARMv8.0 cores: Cortex-A72 as in a Raspberry Pi 4 or Graviton1), panic=abort (veil-core
# catches a worker's panic, workers.rs, to report it; abort kills the process) and strip, and it
# links against Zig's default glibc. The release binary is a plain release build for any aarch64.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned build tools (PyPI). ziglang is Zig itself; cargo-lambda carries its own cargo-zigbuild.
build_tools=(cargo-zigbuild==0.24.1 ziglang==0.17.1 cargo-lambda==1.9.2)
venv=target/release-venv
lambda_glibc=2.34

log() { echo "build-release.sh: $*" >&2; }
die() { log "$*"; exit 1; }

glibc_baseline() {
    case "$1" in
        x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) echo 2.17 ;;
        *) die "no glibc baseline stated for $1" ;;
    esac
}

# Install (once) the pip packages given into the venv; later calls with other packages add them.
# A stamp per package list says what is in it, so a changed pin reinstalls.
venv_install() {
    local stamp
    stamp="$venv/.pins-$(printf '%s\n' "$@" | sha256sum | cut -c1-16)"
    [ -f "$stamp" ] && return 0
    log "installing $* into $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
    touch "$stamp"
}

# The build tools, plus any other pinned packages given (CI's linters).
tools() {
    venv_install "${build_tools[@]}"
    [ $# = 0 ] || venv_install "$@"
    for t in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
        if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$t"; then
            log "rustup target add $t"
            rustup target add "$t" >&2
        fi
    done
}

use_tools() {
    tools
    # cargo-zigbuild finds Zig as `python3 -m ziglang`: the venv's python must come first.
    PATH="$PWD/$venv/bin:$PATH"
    export PATH
}

target_dir() {
    cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

# Every GLIBC_x.y version BINARY needs (its .gnu.version_r), oldest first.
glibc_needs() {
    LC_ALL=C readelf --version-info --wide "$1" |
        sed -n 's/.*Name: \(GLIBC_[0-9][0-9.]*\).*/\1/p' | sort -u -V
}

glibc() {
    local bin=$1 baseline=$2 needs newest
    [ -f "$bin" ] || die "$bin: no such file"
    LC_ALL=C readelf --version-info --wide "$bin" | grep -q 'Name: GLIBC_PRIVATE' &&
        die "$bin needs GLIBC_PRIVATE (internal glibc ABI)"
    needs=$(glibc_needs "$bin")
    [ -n "$needs" ] || die "$bin: no GLIBC_ version needs found (not a dynamic glibc binary?)"
    newest=$(tail -n 1 <<<"$needs")
    if [ "$(printf '%s\n' "$newest" "GLIBC_$baseline" | sort -V | tail -n 1)" != "GLIBC_$baseline" ]; then
        log "$bin needs $newest, newer than its baseline glibc $baseline; symbols:"
        LC_ALL=C objdump -T "$bin" | grep -E 'GLIBC_[0-9]' |
            awk -v b="$baseline" '{ v = $0; sub(/.*GLIBC_/, "", v); sub(/[^0-9.].*/, "", v);
                split(v, x, "."); split(b, y, ".");
                if (x[1] > y[1] || (x[1] == y[1] && x[2] + 0 > y[2] + 0)) print }' >&2
        exit 1
    fi
    log "$bin: newest glibc version needed $newest (baseline $baseline): ok"
}

binary() {
    local triple=$1 baseline dir
    baseline=$(glibc_baseline "$triple")
    use_tools
    log "cargo zigbuild --release --locked --bin veil --target $triple.$baseline"
    cargo zigbuild --release --locked --bin veil --target "$triple.$baseline" >&2
    dir=$(target_dir)
    glibc "$dir/$triple/release/veil" "$baseline"
    echo "$dir/$triple/release/veil"
}

lambda() {
    local dir zip tmp
    use_tools
    # Exactly deploy/README.md's command (section 1), with the zip output.
    log "cargo lambda build --release --arm64 --output-format zip"
    cargo lambda build --release --arm64 --output-format zip >&2
    dir=$(target_dir)
    zip="$dir/lambda/veil/bootstrap.zip"
    tmp=$(mktemp -d)
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' "$zip" "$tmp"
    glibc "$tmp/bootstrap" "$lambda_glibc"
    rm -rf "$tmp"
    echo "$zip"
}

# A tarball of the binary with README.md and LICENSE* (when present), in a folder of its name;
# owners, order and times fixed so the same binary gives the same tarball.
package() {
    local bin=$1 name=$2 out=$3 stage epoch
    stage=$(mktemp -d)
    mkdir "$stage/$name"
    cp "$bin" "$stage/$name/veil"
    cp README.md "$stage/$name/"
    for f in LICENSE*; do
        [ -f "$f" ] || continue
        cp "$f" "$stage/$name/"
    done
    epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -czf "$out/$name.tar.gz" "$name"
    rm -rf "$stage"
}

dist() {
    local version=$1 out=${2:-dist} bin zip triple
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] || die "version $version is not x.y.z"
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    for triple in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
        bin=$(binary "$triple")
        # The binary must say the version it is released as (the tag matches Cargo's version).
        if [ "$triple" = "$(rustc -vV | sed -n 's/^host: //p')" ]; then
            [ "$("$bin" --version)" = "veil $version" ] ||
                die "$bin --version says '$("$bin" --version)', the release is $version"
        fi
        package "$bin" "veil-$version-$triple" "$out"
    done
    zip=$(lambda)
    cp "$zip" "$out/veil-$version-lambda-arm64.zip"
    (cd "$out" && sha256sum -- veil-"$version"-*.tar.gz "veil-$version-lambda-arm64.zip" >SHA256SUMS)
    log "release files in $out:"
    (cd "$out" && ls -l >&2 && cat SHA256SUMS >&2)
}

case "${1:-}" in
    tools) shift; tools "$@" ;;
    binary) [ $# = 2 ] || die "usage: $0 binary TRIPLE"; binary "$2" ;;
    lambda) [ $# = 1 ] || die "usage: $0 lambda"; lambda ;;
    glibc) [ $# = 3 ] || die "usage: $0 glibc BINARY X.Y"; glibc "$2" "$3" ;;
    dist) [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 dist VERSION [DIR]"; dist "$2" "${3:-dist}" ;;
    *) die "usage: $0 tools [PKG==V...] | binary TRIPLE | lambda | glibc BINARY X.Y | dist VERSION [DIR]" ;;
esac
