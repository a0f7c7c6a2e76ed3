-- One lookup table (header EMPLOYEE_ID,EMPLOYEE_ID_ORIG) into a staging table. read_csv
-- reads `hris-lookup.csv` and `hris-lookup.csv.gz` alike; every column as text (never let
-- type detection turn `007` into 7). Set the path first: SET VARIABLE lookup = 'hris-lookup.csv.gz';
CREATE OR REPLACE TABLE hris_lookup_staging AS
SELECT employee_id, employee_id_orig
FROM read_csv(getvariable('lookup'), header = true, all_varchar = true);
