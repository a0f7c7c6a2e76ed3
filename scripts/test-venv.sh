#!/usr/bin/env bash
# The tests' Python: a venv in target/test-venv (kept between builds, ignored by git) with the
# pinned servers and engines the tests use, installed when missing or at other versions.
# Prints the venv's path. Safe to call from several processes at once (a lock).
#
# moto, pinned: 5.2.5 is the first 5.2 release whose CompleteMultipartUpload reply the AWS
# SDK parses. aws-sam-translator turns deploy/template.yaml into plain CloudFormation
# (offline) for the deployment test (tests/deploy.rs). duckdb is the second engine of the
# warehouse tests (tests/warehouse.rs). maturin builds the Python package (crates/veil-python)
# that tests/python.rs installs here; pyarrow, polars, pyspark (on the machine's JDK 17),
# pandas (pyspark requires it for mapInArrow), numpy (DuckDB's Arrow UDFs need it) and pytest run its tests and recipes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/test-venv
pins=(
    "moto[server]==5.2.5" "aws-sam-translator==1.115.0" "duckdb==1.5.6"
    "maturin==1.16.0" "pyarrow==26.0.1" "polars==2.1.0" "pyspark==4.3.0" "pandas==3.1.1" "numpy==2.4.6" "pytest==9.2.0"
)
# Installed at the pinned versions? (Read from the packages' metadata: importing pyspark is slow.)
check='import sys
from importlib.metadata import version, PackageNotFoundError
pins = [p.replace("[server]", "").split("==") for p in sys.argv[1:]]
try:
    sys.exit(any(version(name) != want for name, want in pins))
except PackageNotFoundError:
    sys.exit(1)'
mkdir -p target
exec 9>target/test-venv.lock
flock 9
if ! "$venv/bin/python" -c "$check" "${pins[@]}" 2>/dev/null; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        echo "test-venv.sh: Python 3 with venv is needed (Debian: apt-get install python3-venv)" >&2
        exit 1
    fi
    echo "test-venv.sh: installing ${pins[*]} into $venv" >&2
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "${pins[@]}" >&2
fi
echo "$PWD/$venv"
