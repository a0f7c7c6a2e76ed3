#!/usr/bin/env bash
# Peak memory of the reference job at growing input sizes. Each input is generated on the fly
# and piped into veil, so no large file is kept on disk; the sanitized output goes to a pipe
# (counted, then dropped) and the lookup table to a temporary file, deleted after each size.
# With --gzip both outputs are gzip (the sanitized copy to a `.gz` temporary file, so that
# veil compresses it, removed after each size) as the Lambda writes them.
# Prints input size, rows, wall time, rows/s and veil's peak RSS.
# Usage: benches/memory.sh [--gzip] [SIZE_MB...]   (default: 1 10 1024 5120)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in /usr/bin/time bc; do
    command -v "$tool" >/dev/null || { echo "memory.sh: needs $tool (GNU time, bc)" >&2; exit 1; }
done
gz=""
if [ "${1:-}" = --gzip ]; then
    gz=.gz
    shift
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10 1024 5120)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet
veil=target/release/veil
cat >"$work/rules.yaml" <<'YAML'
pseudonymFormat: URL_SAFE_TOKEN
columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]
columnsToRedact: [SALARY]
YAML

# Generated rows average 152 bytes (measured on 1 M rows).
printf '%-10s %12s %10s %12s %10s\n' "input" "rows" "wall s" "rows/s" "peak RSS"
for mb in "${sizes[@]}"; do
    rows=$((mb * 1048576 / 152))
    if [ -n "$gz" ]; then
        $veil generate --rows "$rows" --seed 1 |
            VEIL_SALT=salt /usr/bin/time -o "$work/time" -f '%e %M' \
                $veil sanitize --quiet --rules "$work/rules.yaml" -o "$work/out.csv.gz" --lookup "$work/lookup.csv.gz" -
        out_bytes=$(wc -c <"$work/out.csv.gz")
        gzip -t "$work/out.csv.gz"
        lookup_rows=$(($(gunzip -c "$work/lookup.csv.gz" | wc -l) - 1))
    else
        out_bytes=$(
            $veil generate --rows "$rows" --seed 1 |
                VEIL_SALT=salt /usr/bin/time -o "$work/time" -f '%e %M' \
                    $veil sanitize --quiet --rules "$work/rules.yaml" -o - --lookup "$work/lookup.csv" - |
                wc -c
        )
        lookup_rows=$(($(wc -l <"$work/lookup.csv") - 1))
    fi
    read -r wall rss_kb <"$work/time"
    rm -f "$work/lookup.csv" "$work/lookup.csv.gz" "$work/out.csv.gz"
    if [ "$lookup_rows" -ne "$rows" ] || [ "$out_bytes" -le 0 ]; then
        echo "memory.sh: $mb MB: expected $rows lookup rows and some output; got $lookup_rows rows, $out_bytes bytes" >&2
        exit 1
    fi
    printf '%-10s %12d %10.2f %12.0f %8.1f MB\n' "${mb} MB" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" \
        "$(echo "$rss_kb / 1024" | bc -l)"
done
