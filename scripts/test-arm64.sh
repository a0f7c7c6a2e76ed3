#!/usr/bin/env bash
# The shipped artifact is the tested artifact (issue 20): builds the arm64 Lambda bootstrap
# exactly as deploy/README.md says (scripts/build-release.sh lambda: `cargo lambda build
# --release --arm64`, zipped), takes the bootstrap out of that zip, and runs the Lambda tests
# against it under qemu-aarch64, with the same Runtime API emulator and moto as the host
# build's tests: S3 events end to end, SQS, EventBridge, Batch Operations, bad objects, the
# deadline, configuration reloads, and the deployed template's function.
#
# Needs Debian's qemu-user, libc6-arm64-cross and libgcc-s1-arm64-cross (the aarch64 sysroot
# under /usr/aarch64-linux-gnu that qemu's -L points at); as root it installs them
# (apt-get update first), otherwise it says what to install. The build is cached in target/
# like the others (clean: about 6 minutes on 2 cores; again with nothing changed: seconds).
#
# Last, a smoke figure: the bootstrap run as the CLI under qemu over 100,000 generated rows.
# It says the emulated binary works at a plausible speed, nothing about Graviton's speed.
set -euo pipefail
cd "$(dirname "$0")/.."

sysroot=/usr/aarch64-linux-gnu
missing=()
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
[ -e "$sysroot/lib/libgcc_s.so.1" ] || missing+=(libgcc-s1-arm64-cross)
# shellcheck source=scripts/need.sh
source scripts/need.sh
need test-arm64.sh "${missing[@]}"

start=$SECONDS
zip=$(scripts/build-release.sh lambda)
dir=target/arm64-test
rm -rf "$dir" && mkdir -p "$dir"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bootstrap", sys.argv[2])' "$zip" "$dir"
bootstrap=$PWD/$dir/bootstrap
chmod +x "$bootstrap"
echo "test-arm64.sh: $(file -b "$bootstrap" | cut -d, -f1-2) from $zip ($((SECONDS - start)) s)" >&2
runner="qemu-aarch64 -L $sysroot"
$runner "$bootstrap" --version

VEIL_TEST_LAMBDA_BIN=$bootstrap VEIL_TEST_LAMBDA_RUNNER=$runner \
    cargo test --all-features --test tests -- lambda:: deploy::the_deployed_template_sanitizes_a_snapshot

# The smoke figure.
rows=100000
$runner "$bootstrap" generate --rows "$rows" --seed 7 -o "$dir/hris.csv"
t0=$(date +%s.%N)
VEIL_SALT=smoke $runner "$bootstrap" sanitize --rules rules-examples/hris-default.yaml \
    -o "$dir/sanitized.csv" --lookup "$dir/lookup.csv" "$dir/hris.csv" 2>/dev/null
t1=$(date +%s.%N)
python3 -c 'import sys; r, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f"test-arm64.sh: smoke: {r} rows in {s:.2f} s under qemu-aarch64 ({r / s:,.0f} rows/s; emulated, not a performance figure)")' "$rows" "$t0" "$t1" >&2
echo "test-arm64.sh: ok ($((SECONDS - start)) s)" >&2
