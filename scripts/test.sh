#!/usr/bin/env bash
# The whole test suite: unit, integration (built binary, golden cases, proptest), the S3/SSM
# and Lambda tests against a real S3-compatible server (moto) on loopback, the warehouse tests
# against a real PostgreSQL server and DuckDB, and doc tests.
# Installs moto and DuckDB when missing, starts moto and a throwaway PostgreSQL cluster on free
# loopback ports, and always stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

# moto, pinned: 5.2.5 is the first 5.2 release whose CompleteMultipartUpload reply the AWS
# SDK parses. aws-sam-translator, pinned, turns deploy/template.yaml into plain CloudFormation
# (offline) for the deployment test (tests/deploy.rs). duckdb, pinned, is the second engine of
# the warehouse tests (tests/warehouse.rs). Installed once into target/ (kept between builds,
# ignored by git).
moto_version=5.2.5
sam_version=1.115.0
duckdb_version=1.5.6
venv=target/moto-venv
if ! "$venv/bin/python" -c "import moto, samtranslator, duckdb, sys; sys.exit((moto.__version__, samtranslator.__version__, duckdb.__version__) != ('$moto_version', '$sam_version', '$duckdb_version'))" 2>/dev/null; then
    echo "test.sh: installing moto $moto_version, aws-sam-translator $sam_version and duckdb $duckdb_version into $venv" >&2
    mkdir -p target
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "moto[server]==$moto_version" "aws-sam-translator==$sam_version" "duckdb==$duckdb_version"
fi
export VEIL_TEST_PYTHON="$PWD/$venv/bin/python"

# PostgreSQL (Debian's package): a throwaway cluster in a temp dir, trust auth, listening only
# on 127.0.0.1 (unix socket in the temp dir). initdb refuses root, so as root the cluster is
# owned and run by the `postgres` system user.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing postgresql" >&2
    apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
[ -x "$pg_bin/initdb" ] || { echo "test.sh: PostgreSQL (initdb) not found" >&2; exit 1; }
pg_as=()
[ "$(id -u)" = 0 ] && pg_as=(runuser -u postgres --)
pg_dir=$(mktemp -d)
pg_stop() {
    [ -f "$pg_dir/data/postmaster.pid" ] && "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$pg_dir"
}
moto_server="$venv/bin/moto_server"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_log=$(mktemp)
"$moto_server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; rm -f "$moto_log"; pg_stop || true' EXIT
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
        break
    fi
    kill -0 "$moto_pid" 2>/dev/null || { cat "$moto_log" >&2; echo "test.sh: moto_server did not start" >&2; exit 1; }
    sleep 0.2
done

export VEIL_TEST_ENDPOINT="http://127.0.0.1:$port"

[ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 ||
    { cat "$pg_dir/initdb.log" >&2; echo "test.sh: initdb failed" >&2; exit 1; }
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off" start >/dev/null ||
    { cat "$pg_dir/server.log" >&2; echo "test.sh: PostgreSQL did not start" >&2; exit 1; }
export VEIL_TEST_PG="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
cargo test --all-features --all-targets
cargo test --all-features --doc
