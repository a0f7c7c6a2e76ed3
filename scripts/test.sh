#!/usr/bin/env bash
# The whole test suite: unit, integration (built binary, golden cases, proptest), the S3/SSM
# and Lambda tests against a real S3-compatible server (moto) on loopback, and doc tests.
# Installs moto when missing, starts it on a free port, and always stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

# moto, pinned: 5.2.5 is the first 5.2 release whose CompleteMultipartUpload reply the AWS
# SDK parses. aws-sam-translator, pinned, turns deploy/template.yaml into plain CloudFormation
# (offline) for the deployment test (tests/deploy.rs). Installed once into target/ (kept
# between builds, ignored by git).
moto_version=5.2.5
sam_version=1.115.0
venv=target/moto-venv
if ! "$venv/bin/python" -c "import moto, samtranslator, sys; sys.exit((moto.__version__, samtranslator.__version__) != ('$moto_version', '$sam_version'))" 2>/dev/null; then
    echo "test.sh: installing moto $moto_version and aws-sam-translator $sam_version into $venv" >&2
    mkdir -p target
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "moto[server]==$moto_version" "aws-sam-translator==$sam_version"
fi
moto_server="$venv/bin/moto_server"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_log=$(mktemp)
"$moto_server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; rm -f "$moto_log"' EXIT
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
        break
    fi
    kill -0 "$moto_pid" 2>/dev/null || { cat "$moto_log" >&2; echo "test.sh: moto_server did not start" >&2; exit 1; }
    sleep 0.2
done

export VEIL_TEST_ENDPOINT="http://127.0.0.1:$port"
cargo test --all-features --all-targets
cargo test --all-features --doc
