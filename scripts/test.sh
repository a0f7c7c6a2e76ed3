#!/usr/bin/env bash
# The whole test suite: unit and integration tests of every crate (the built binary, golden
# cases, proptest), the S3, SSM, Secrets Manager and Lambda tests against a real local server
# (moto), the deploy template created in it, the warehouse SQL against a real PostgreSQL
# server and DuckDB, the Python package (built with maturin, installed into the test venv)
# with its Spark, DuckDB and Polars recipes, benchmarks run once as tests, and doc tests.
#
# The tests start the servers they need themselves (tests/common/: moto from the venv
# scripts/test-venv.sh makes, a throw-away PostgreSQL cluster, both ended with the tests), or
# use the ones VEIL_TEST_ENDPOINT and VEIL_TEST_PG name. This script only makes sure the
# machine has what they start them with: Python 3 with venv, PostgreSQL's server and client
# binaries, and a Java runtime for Spark (17 or newer). As root on Debian it installs what is
# missing (apt-get update first); otherwise it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null; then
    missing+=(postgresql)
fi
java -version >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
# shellcheck source=scripts/need.sh
source scripts/need.sh
need test.sh "${missing[@]}"
scripts/test-venv.sh >/dev/null

cargo test --workspace --all-features --all-targets
cargo test --workspace --all-features --doc
