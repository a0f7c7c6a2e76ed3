-- One lookup table (header EMPLOYEE_ID,EMPLOYEE_ID_ORIG) of one day into a staging table.
-- read_csv reads `hris-lookup.csv` and `hris-lookup.csv.gz` alike; every column as text
-- (never let type detection turn `007` into 7). Set the path and the day the export was
-- taken first:
--   SET VARIABLE lookup = 'hris-lookup.csv.gz';
--   SET VARIABLE snapshot = DATE '2026-11-03';
SELECT error('no snapshot: give the lookup table''s day, SET VARIABLE snapshot = DATE ''2026-11-03''')
WHERE getvariable('snapshot') IS NULL;
CREATE OR REPLACE TABLE hris_lookup_staging AS
SELECT employee_id, employee_id_orig, CAST(getvariable('snapshot') AS DATE) AS snapshot
FROM read_csv(getvariable('lookup'), header = true, all_varchar = true);
