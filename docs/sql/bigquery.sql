-- BigQuery: documented, NOT run by the test suite (no BigQuery here). The PostgreSQL and
-- DuckDB files beside this one are the tested forms of the same steps.

-- Load one lookup table (plain or .gz, detected by BigQuery) into a staging table.
LOAD DATA OVERWRITE hr.hris_lookup_staging (employee_id STRING NOT NULL, employee_id_orig STRING NOT NULL)
FROM FILES (format = 'CSV', skip_leading_rows = 1, encoding = 'UTF-8',
            uris = ['gs://your-bucket/lookup/hris-lookup.csv.gz']);

-- Accumulate the day the export was taken (bq query --parameter=snapshot:DATE:2026-11-03),
-- refusing a pseudonym with two originals or an original with two pseudonyms. Loading a day
-- again changes nothing; days may come in any order.
CREATE TABLE IF NOT EXISTS hr.hris_pseudonyms (
    employee_id STRING NOT NULL, employee_id_orig STRING NOT NULL,
    first_seen DATE NOT NULL, last_seen DATE NOT NULL);
BEGIN TRANSACTION;
ASSERT NOT EXISTS (
    SELECT employee_id FROM (
        SELECT employee_id, employee_id_orig FROM hr.hris_lookup_staging
        UNION DISTINCT
        SELECT a.employee_id, a.employee_id_orig
        FROM hr.hris_pseudonyms a JOIN hr.hris_lookup_staging s USING (employee_id)
    ) GROUP BY employee_id HAVING COUNT(*) > 1
) AS 'a pseudonym maps to two originals: salt or settings changed';
ASSERT NOT EXISTS (
    SELECT 1 FROM hr.hris_lookup_staging s
    JOIN (SELECT employee_id, employee_id_orig FROM hr.hris_pseudonyms
          UNION DISTINCT SELECT employee_id, employee_id_orig FROM hr.hris_lookup_staging) a
      ON a.employee_id_orig = s.employee_id_orig AND a.employee_id != s.employee_id
) AS 'an original has two pseudonyms: salt or settings changed';
MERGE hr.hris_pseudonyms p
USING (SELECT DISTINCT employee_id, employee_id_orig FROM hr.hris_lookup_staging) s
ON p.employee_id = s.employee_id
WHEN MATCHED AND (@snapshot < p.first_seen OR @snapshot > p.last_seen) THEN
    UPDATE SET first_seen = LEAST(p.first_seen, @snapshot), last_seen = GREATEST(p.last_seen, @snapshot)
WHEN NOT MATCHED THEN
    INSERT (employee_id, employee_id_orig, first_seen, last_seen)
    VALUES (s.employee_id, s.employee_id_orig, @snapshot, @snapshot);
COMMIT TRANSACTION;

-- Re-identify a vendor export keyed by the pseudonym.
SELECT p.employee_id_orig, v.*
FROM hr.vendor_export v JOIN hr.hris_pseudonyms p ON p.employee_id = v.employee_id;

-- veil's pseudonym of a plain identifier (not an e-mail). SHA256 of a STRING hashes its UTF-8
-- bytes; the RE2 class [\x00-\x20] trims as Java's String.trim does.
-- @veil_salt: a query parameter filled from Secret Manager, never a literal in shared code.
CREATE TEMP FUNCTION veil_hash(v STRING, salt STRING) AS (
    TRANSLATE(RTRIM(TO_BASE64(SHA256(CONCAT(
        REGEXP_REPLACE(v, r'^[\x00-\x20]+|[\x00-\x20]+$', ''), salt))), '='), '+/', '-_')
);
SELECT 't~' || veil_hash(id, @veil_salt)                      AS url_safe_token,
       veil_hash(id, @veil_salt)                              AS url_safe_hash_only,
       CONCAT('{"hash":"', veil_hash(id, @veil_salt), '"}')   AS json
FROM hr.ids;
