-- A sanitized copy into hris_sanitized, from psql's standard input like lookup-load.sql. Make
-- the table once from the rules and an input of that layout (every column text, so identifiers
-- keep their leading zeros and a rules change cannot break the load on a type):
--   veil check --ddl postgresql --table hris_sanitized --rules RULES INPUT | psql -v ON_ERROR_STOP=1
-- The table holds one copy: a load replaces it, so loading a file again changes nothing.
BEGIN;
TRUNCATE hris_sanitized;
\copy hris_sanitized FROM pstdin WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
COMMIT;
