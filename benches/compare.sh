#!/usr/bin/env bash
# Side-by-side comparison on one generated HRIS file, in one run:
#   1. the plain job: veil (1 thread, all threads; PII guard on, its default, and off) writing the sanitized file and the lookup
#      table in one pass, DuckDB (1 thread, all threads) and a plain Python csv+hashlib script
#      doing the same two outputs with sha256(value || salt), and the floor: veil's own
#      read-and-rewrite with no transformation;
#   2. the compressed job, as deployed: gzip input, both outputs gzip; veil against DuckDB
#      writing COMPRESSION gzip from the same input;
#   3. the compressed job under the CPU share of a Lambda of each memory size (one vCPU per
#      1,769 MB), through a cgroup CPU quota (v1 `cpu.cfs_quota_us` or v2 `cpu.max`); skipped,
#      saying so, where neither is writable.
# Prints wall time, rows/s, peak RSS and each ratio against veil; for the Lambda sizes,
# seconds and GB-seconds per million rows.
# Usage: benches/compare.sh [ROWS]   (default 1000000). Installs DuckDB into target/bench-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
threads=$(nproc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

venv=target/bench-venv
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "compare.sh: installing duckdb into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet duckdb
fi
cargo build --release --quiet
veil=target/release/veil
$veil generate --rows "$rows" --seed 1 -o "$work/hris.csv"
size_mb=$(du -m "$work/hris.csv" | cut -f1)

# The reference job (DESIGN.md "Performance").
cat >"$work/rules.yaml" <<'YAML'
pseudonymFormat: URL_SAFE_TOKEN
columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]
columnsToRedact: [SALARY]
YAML
echo 'columnsToRedact: []' >"$work/floor.yaml"

cat >"$work/duck.py" <<'PY'
import sys, duckdb
src, out, lookup, threads = sys.argv[1:5]
options = "HEADER, COMPRESSION gzip" if out.endswith(".gz") else "HEADER"
con = duckdb.connect()
con.execute(f"SET threads={threads}")
con.execute("""CREATE MACRO ps(v) AS CASE WHEN v IS NULL OR v = '' THEN NULL ELSE
    't~' || rtrim(replace(replace(to_base64(unhex(sha256(v || 'salt'))), '+', '-'), '/', '_'), '=') END""")
rel = f"read_csv('{src}', all_varchar=true, header=true)"
con.execute(f"""COPY (SELECT SNAPSHOT, ps(EMPLOYEE_ID) AS EMPLOYEE_ID, ps(EMPLOYEE_EMAIL) AS EMPLOYEE_EMAIL,
    JOIN_DATE, LEAVE_DATE, ps(MANAGER_ID) AS MANAGER_ID, ps(MANAGER_EMAIL) AS MANAGER_EMAIL, DEPARTMENT, TEAM,
    LOCATION, ROLE FROM {rel}) TO '{out}' ({options})""")
con.execute(f"COPY (SELECT ps(EMPLOYEE_ID) AS EMPLOYEE_ID, EMPLOYEE_ID AS EMPLOYEE_ID_ORIG FROM {rel}) TO '{lookup}' ({options})")
PY

cat >"$work/plain.py" <<'PY'
import sys, csv, hashlib, base64
src, out, lookup = sys.argv[1:4]
def ps(v):
    v = v.strip()
    if not v:
        return ""
    return "t~" + base64.urlsafe_b64encode(hashlib.sha256((v + "salt").encode()).digest()).rstrip(b"=").decode()
with open(src, newline="") as f, open(out, "w", newline="") as o, open(lookup, "w", newline="") as l:
    r, w, lw = csv.reader(f), csv.writer(o, lineterminator="\n"), csv.writer(l, lineterminator="\n")
    head = next(r)
    idx = {h: i for i, h in enumerate(head)}
    hashed = {idx[c] for c in ("EMPLOYEE_ID", "EMPLOYEE_EMAIL", "MANAGER_ID", "MANAGER_EMAIL")}
    keep = [i for i, h in enumerate(head) if h != "SALARY"]
    w.writerow([head[i] for i in keep])
    lw.writerow(["EMPLOYEE_ID", "EMPLOYEE_ID_ORIG"])
    eid = idx["EMPLOYEE_ID"]
    for row in r:
        w.writerow([ps(row[i]) if i in hashed else row[i] for i in keep])
        lw.writerow([ps(row[eid]), row[eid].strip()])
PY

# The text of an output, gunzipped when it is gzip (one member: `gzip -t` checks it first).
text() {
    case $1 in
        *.gz) gzip -t "$1" && gunzip -c "$1" ;;
        *) cat "$1" ;;
    esac
}

# run NAME OUT LOOKUP CMD...: times CMD, checks both outputs have every row and the right columns.
results=()
run() {
    local name=$1 out=$2 lookup=$3
    shift 3
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>"$work/stderr" || {
        cat "$work/stderr" >&2
        exit 1
    }
    local stats
    stats=$(tail -1 "$work/time")
    local lines cols
    lines=$(text "$out" | wc -l)
    cols=$(head -1 < <(text "$out") | tr ',' '\n' | wc -l)
    if [ "$lines" -ne $((rows + 1)) ] || { [ "$name" != floor ] && [ "$cols" -ne 11 ]; }; then
        echo "compare.sh: $name wrote $lines lines with $cols columns" >&2
        exit 1
    fi
    if [ -n "$lookup" ] && [ "$(text "$lookup" | wc -l)" -ne $((rows + 1)) ]; then
        echo "compare.sh: $name lookup is short" >&2
        exit 1
    fi
    results+=("$name $stats")
}

export VEIL_SALT=salt
run "veil-${threads}-threads" "$work/v.csv" "$work/vl.csv" \
    $veil sanitize --quiet --threads "$threads" --rules "$work/rules.yaml" -o "$work/v.csv" --lookup "$work/vl.csv" "$work/hris.csv"
run "veil-1-thread" "$work/v1.csv" "$work/v1l.csv" \
    $veil sanitize --quiet --threads 1 --rules "$work/rules.yaml" -o "$work/v1.csv" --lookup "$work/v1l.csv" "$work/hris.csv"
# The PII guard (on by default, `warn`) scans the 7 columns the reference job keeps in clear.
run "veil-${threads}-no-pii-guard" "$work/vn.csv" "$work/vnl.csv" \
    $veil sanitize --quiet --pii-guard off --threads "$threads" --rules "$work/rules.yaml" -o "$work/vn.csv" --lookup "$work/vnl.csv" "$work/hris.csv"
run "veil-1-no-pii-guard" "$work/vn1.csv" "$work/vn1l.csv" \
    $veil sanitize --quiet --pii-guard off --threads 1 --rules "$work/rules.yaml" -o "$work/vn1.csv" --lookup "$work/vn1l.csv" "$work/hris.csv"
run floor "$work/f.csv" "" \
    $veil sanitize --quiet --threads "$threads" --rules "$work/floor.yaml" -o "$work/f.csv" "$work/hris.csv"
run "duckdb-${threads}-threads" "$work/d.csv" "$work/dl.csv" "$venv/bin/python" "$work/duck.py" "$work/hris.csv" "$work/d.csv" "$work/dl.csv" "$threads"
run "duckdb-1-thread" "$work/d1.csv" "$work/d1l.csv" "$venv/bin/python" "$work/duck.py" "$work/hris.csv" "$work/d1.csv" "$work/d1l.csv" 1
run "python-csv-hashlib" "$work/p.csv" "$work/pl.csv" python3 "$work/plain.py" "$work/hris.csv" "$work/p.csv" "$work/pl.csv"

# Same pseudonyms as the peers (they hash the trimmed value as written, like veil for ids).
if ! cmp -s <(cut -d, -f1 "$work/vl.csv") <(cut -d, -f1 "$work/pl.csv"); then
    echo "compare.sh: veil and Python disagree on EMPLOYEE_ID pseudonyms" >&2
    exit 1
fi

# table TITLE: prints the results gathered so far against the first, then clears them.
table() {
    echo "$1"
    local base
    base=$(echo "${results[0]}" | cut -d' ' -f2)
    printf '%-22s %9s %12s %12s %10s\n' tool "wall s" "rows/s" "peak RSS MB" "x veil"
    for r in "${results[@]}"; do
        read -r name secs kb <<<"$r"
        printf '%-22s %9.2f %12.0f %12.1f %10.2f\n' "$name" "$secs" "$(echo "$rows / $secs" | bc -l)" \
            "$(echo "$kb / 1024" | bc -l)" "$(echo "$secs / $base" | bc -l)"
    done
    results=()
}

echo "input: $rows rows, $size_mb MB, $(nproc) cores; job: 4 columns pseudonymized, SALARY redacted, lookup table, one pass"
table "plain job: CSV in, CSV out"

# The compressed job, as the Lambda runs it: gzip in, gzip out.
gzip -6 -c "$work/hris.csv" >"$work/hris.csv.gz"
gz_mb=$(du -m "$work/hris.csv.gz" | cut -f1)
run "veil-${threads}-threads-gzip" "$work/vz.csv.gz" "$work/vzl.csv.gz" \
    $veil sanitize --quiet --rules "$work/rules.yaml" -o "$work/vz.csv.gz" --lookup "$work/vzl.csv.gz" "$work/hris.csv.gz"
run "duckdb-${threads}-threads-gzip" "$work/dz.csv.gz" "$work/dzl.csv.gz" \
    "$venv/bin/python" "$work/duck.py" "$work/hris.csv.gz" "$work/dz.csv.gz" "$work/dzl.csv.gz" "$threads"
if ! cmp -s <(text "$work/vzl.csv.gz" | cut -d, -f1) <(cut -d, -f1 "$work/pl.csv"); then
    echo "compare.sh: the compressed job's pseudonyms differ from the plain job's" >&2
    exit 1
fi
echo
table "compressed job: gzip in ($gz_mb MB, gzip -6), gzip out at veil's default level, both outputs"
echo "sizes: sanitized $(du -m "$work/vz.csv.gz" | cut -f1) MB (DuckDB $(du -m "$work/dz.csv.gz" | cut -f1) MB), lookup $(du -m "$work/vzl.csv.gz" | cut -f1) MB (DuckDB $(du -m "$work/dzl.csv.gz" | cut -f1) MB)"

# The compressed job at Lambda sizes: a CPU quota of MB / 1769 vCPU, through a cgroup.
echo
if [ -w /sys/fs/cgroup/cpu/cgroup.procs ]; then
    cgroup=/sys/fs/cgroup/cpu/veil-compare-$$
    limit() { echo "$1" >"$cgroup/cpu.cfs_quota_us"; echo 100000 >"$cgroup/cpu.cfs_period_us"; }
elif [ -w /sys/fs/cgroup/cgroup.subtree_control ] && grep -q cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cgroup=/sys/fs/cgroup/veil-compare-$$
    limit() { echo "$1 100000" >"$cgroup/cpu.max"; }
else
    cgroup=""
fi
if [ -z "$cgroup" ]; then
    echo "Lambda sizes: skipped, no writable cgroup cpu controller here (v1 cpu.cfs_quota_us or v2 cpu.max)"
else
    mkdir "$cgroup"
    trap 'rmdir "$cgroup" 2>/dev/null; rm -rf "$work"' EXIT
    echo "compressed job at Lambda sizes (CPU quota = MB / 1769 vCPU; this machine has $(nproc) cores)"
    printf '%-10s %8s %9s %12s %16s\n' "memory MB" vCPU "wall s" "s / M rows" "GB-s / M rows"
    for mb in 512 1024 1769 3538 5307; do
        quota=$((100000 * mb / 1769))
        limit "$quota"
        # shellcheck disable=SC2016 # expanded by the inner sh: it joins the group, then runs veil
        /usr/bin/time -o "$work/time" -f '%e' sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$cgroup" \
            $veil sanitize --quiet --rules "$work/rules.yaml" -o "$work/vz.csv.gz" --lookup "$work/vzl.csv.gz" "$work/hris.csv.gz"
        secs=$(tail -1 "$work/time")
        per_m=$(echo "$secs * 1000000 / $rows" | bc -l)
        printf '%-10s %8.2f %9.2f %12.2f %16.2f\n' "$mb" "$(echo "$mb / 1769" | bc -l)" "$secs" "$per_m" \
            "$(echo "$per_m * $mb / 1024" | bc -l)"
    done
fi
