#!/usr/bin/env bash
# Loads a folder of daily lookup tables named by their day (2026-11-03.csv or .csv.gz) into
# hris_pseudonyms, oldest first, each with its day as the snapshot:
#   bash docs/sql/postgresql/backfill.sh lookups/ [PSQL_OPTION...]    e.g. -d warehouse
# Quiet unless a day fails; then it names the file and stops, the days before it loaded.
# Loading a day again changes nothing, so the folder can be loaded again after a failure.
set -euo pipefail
shopt -s extglob nullglob
sql=$(dirname "$0")
dir=${1:?usage: backfill.sh LOOKUP_DIR [PSQL_OPTION...]}
shift
days=("$dir"/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].csv?(.gz))
if (( ${#days[@]} == 0 )); then
    echo "backfill.sh: no lookup table named YYYY-MM-DD.csv or YYYY-MM-DD.csv.gz in $dir" >&2
    exit 1
fi
for file in "${days[@]}"; do
    day=$(basename "$file")
    # gunzip -cf passes a plain file through unchanged.
    if ! gunzip -cf "$file" | psql -X -q -v ON_ERROR_STOP=1 -v snapshot="${day:0:10}" "$@" \
            -f "$sql/lookup-load.sql" -f "$sql/accumulate.sql"; then
        echo "backfill.sh: $file was not loaded; the days before it were" >&2
        exit 1
    fi
done
