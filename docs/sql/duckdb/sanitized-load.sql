-- A sanitized copy, plain or .gz, into hris_sanitized. Make the table once from the rules and
-- an input of that layout (every column text):
--   veil check --ddl duckdb --table hris_sanitized --rules RULES INPUT | duckdb warehouse.duckdb
-- The table holds one copy: a load replaces it. SET VARIABLE sanitized = 'hris-sanitized.csv.gz';
BEGIN TRANSACTION;
DELETE FROM hris_sanitized;
INSERT INTO hris_sanitized
SELECT * FROM read_csv(getvariable('sanitized'), header = true, all_varchar = true);
COMMIT;
