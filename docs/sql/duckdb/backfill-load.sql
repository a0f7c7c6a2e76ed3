-- Every daily lookup table of a folder, named by its day (2026-11-03.csv or .csv.gz), into
-- the staging table at once, each row with its file's day as the snapshot; accumulate.sql
-- then adds them all in one transaction. Set the folder first:
--   SET VARIABLE lookups = 'lookups';
CREATE OR REPLACE TABLE hris_lookup_staging AS
SELECT employee_id, employee_id_orig,
       CAST(regexp_extract(filename, '(\d{4}-\d{2}-\d{2})\.csv(\.gz)?$', 1) AS DATE) AS snapshot
FROM read_csv(getvariable('lookups') || '/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].csv*',
              header = true, all_varchar = true, filename = true);
