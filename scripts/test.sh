#!/usr/bin/env bash
# The whole test suite: unit, integration (built binary, golden cases, proptest) and doc tests.
# Installs and starts what the tests need; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-features --all-targets
cargo test --all-features --doc
