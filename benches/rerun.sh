#!/usr/bin/env bash
# Re-runs over many snapshots, in two parts.
# 1. FILES generated daily HRIS snapshots of ROWS rows each (a year/month/day tree),
#    sanitized (with a lookup table) as a folder, local to local, then prefix to prefix on a
#    local S3 server (moto, on loopback, as the tests use).
# 2. Many small files in ONE folder (100 rows each): 365, then MANY (default 30,000), local
#    to local, to show that the cost per file does not grow with the number of files.
# Each is run twice: the first run does every file, the second finds all of them up to date.
# Prints wall time, time per file and peak RSS of each run, and checks the counts in veil's
# summary line.
# Usage: benches/rerun.sh [FILES [ROWS [MANY]]]   (default: 365 10000 30000)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-365}
rows=${2:-10000}
many=${3:-30000}
command -v /usr/bin/time >/dev/null || { echo "rerun.sh: needs GNU time" >&2; exit 1; }
work=$(mktemp -d)
moto_pid=""
trap '[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; rm -rf "$work"' EXIT

cargo build --release --quiet
veil=$PWD/target/release/veil
export VEIL_SALT=salt
cat >"$work/rules.yaml" <<'YAML'
pseudonymFormat: URL_SAFE_TOKEN
columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]
columnsToRedact: [SALARY]
YAML

echo "generating $files snapshots of $rows rows" >&2
for i in $(seq 1 "$files"); do
    day=$(date -u -d "2024-01-01 + $((i - 1)) days" +%Y/%m/%d)
    mkdir -p "$work/in/$(dirname "$day")"
    $veil generate --rows "$rows" --seed "$i" -o "$work/in/$day.csv"
done
mb=$(du -sm "$work/in" | cut -f1)

# run NAME COUNT EXPECT ARGS...: one timed run over COUNT files; EXPECT is a fragment of
# the summary line. Leaves "wall rss_kb" in $work/last.
run() {
    local name=$1 count=$2 expect=$3
    shift 3
    /usr/bin/time -o "$work/time" -f '%e %M' "$veil" sanitize --rules "$work/rules.yaml" "$@" 2>"$work/err"
    grep -q "$expect" "$work/err" || { cat "$work/err" >&2; echo "rerun.sh: $name: expected '$expect'" >&2; exit 1; }
    read -r wall rss <"$work/time"
    cp "$work/time" "$work/last"
    printf '%-34s %8s %9s %10s   %s\n' "$name" "$wall" "$(awk -v w="$wall" -v n="$count" 'BEGIN { printf "%.2f", 1000 * w / n }')" \
        "$((rss / 1024))" "$(tail -1 "$work/err" | sed 's/^veil: //')"
}
header() {
    printf '%-34s %8s %9s %10s   %s\n' "run" "wall s" "ms/file" "peak MB" "veil's summary"
}

printf '%s files, %s rows each, %s MB; %s cores\n' "$files" "$rows" "$mb" "$(nproc)"
header
run "local, first run" "$files" "$files sanitized" -o "$work/out/" --lookup "$work/lookup/" "$work/in/"
run "local, second run" "$files" "nothing to do" -o "$work/out/" --lookup "$work/lookup/" "$work/in/"

# S3: moto from the tests' venv (scripts/test-venv.sh makes it).
venv=$(scripts/test-venv.sh)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
    sleep 0.2
done
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
"$venv/bin/python" - "$work/in" <<'PY'
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for b in ("rerun-in", "rerun-out", "rerun-lookup"):
    s3.create_bucket(Bucket=b)
root = sys.argv[1]
for d, _, names in os.walk(root):
    for n in names:
        path = os.path.join(d, n)
        s3.upload_file(path, "rerun-in", "hris/" + os.path.relpath(path, root))
PY
run "S3, first run" "$files" "$files sanitized" -o s3://rerun-out/hris/ --lookup s3://rerun-lookup/hris/ s3://rerun-in/hris/
run "S3, second run" "$files" "nothing to do" -o s3://rerun-out/hris/ --lookup s3://rerun-lookup/hris/ s3://rerun-in/hris/

# 2. Many small files in one folder: the cost per file must not grow with their number.
kill "$moto_pid" 2>/dev/null || true
moto_pid=""
$veil generate --rows 100 --seed 7 -o "$work/small.csv"
printf '\nsmall files (100 rows) in one folder, local to local\n'
header
for count in 365 "$many"; do
    flat=$work/flat-$count
    python3 - "$work/small.csv" "$flat/in" "$count" <<'PY'
import os, sys
src, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
os.makedirs(folder)
for i in range(count):
    with open(os.path.join(folder, "s%06d.csv" % i), "wb") as f:
        f.write(data)
PY
    run "$count files, first run" "$count" "$count sanitized" -o "$flat/out/" --lookup "$flat/lookup/" "$flat/in/"
    read -r _ rss_first <"$work/last"
    run "$count files, second run" "$count" "nothing to do" -o "$flat/out/" --lookup "$flat/lookup/" "$flat/in/"
    if [ "$count" = 365 ]; then base_rss=$rss_first; fi
    rm -rf "$flat"
done
awk -v a="$base_rss" -v b="$rss_first" -v n="$many" \
    'BEGIN { printf "memory per file (first runs, %d files against 365): %.0f bytes\n", n, (b - a) * 1024 / (n - 365) }'
