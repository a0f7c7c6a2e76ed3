-- One lookup table (header EMPLOYEE_ID,EMPLOYEE_ID_ORIG) into a staging table, read from
-- psql's standard input so that plain and gzip files load the same way; `snapshot` is the
-- day the export was taken, which accumulate.sql records:
--   psql -v ON_ERROR_STOP=1 -v snapshot=2026-11-03 -f lookup-load.sql -f accumulate.sql < hris-lookup.csv
--   gunzip -c hris-lookup.csv.gz | psql -v ON_ERROR_STOP=1 -v snapshot=2026-11-03 -f lookup-load.sql -f accumulate.sql
-- No key here: a lookup table has one row per input row, so a pseudonym can repeat.
SET client_min_messages = warning;  -- no "already exists, skipping" notices on later loads
CREATE TABLE IF NOT EXISTS hris_lookup_staging (
    employee_id      text NOT NULL,  -- the pseudonym (URL_SAFE_TOKEN, `t~...`)
    employee_id_orig text NOT NULL   -- the original identifier, trimmed
);
TRUNCATE hris_lookup_staging;
\copy hris_lookup_staging FROM pstdin WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
