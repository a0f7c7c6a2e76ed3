-- A sanitized copy (here: testdata/hris-sample.csv through rules-examples/hris-redact-rename.yaml),
-- plain or .gz, every column as text. SET VARIABLE sanitized = 'hris-sanitized.csv.gz';
CREATE OR REPLACE TABLE hris_sanitized AS
SELECT * FROM read_csv(getvariable('sanitized'), header = true, all_varchar = true);
