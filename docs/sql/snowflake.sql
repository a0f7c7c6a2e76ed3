-- Snowflake: documented, NOT run by the test suite (no Snowflake here). The PostgreSQL and
-- DuckDB files beside this one are the tested forms of the same steps.

-- Load one lookup table (plain or .gz: COMPRESSION = AUTO) from a stage into a staging table.
CREATE TABLE IF NOT EXISTS hris_lookup_staging (employee_id VARCHAR NOT NULL, employee_id_orig VARCHAR NOT NULL);
TRUNCATE TABLE hris_lookup_staging;
COPY INTO hris_lookup_staging
FROM @veil_stage/hris-lookup.csv.gz
FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '"' COMPRESSION = AUTO ENCODING = 'UTF8');

-- Accumulate the day the export was taken (SET snapshot = '2026-11-03'::DATE;), refusing a
-- pseudonym with two originals or an original with two pseudonyms. Loading a day again
-- changes nothing; days may come in any order.
CREATE TABLE IF NOT EXISTS hris_pseudonyms (
    employee_id VARCHAR PRIMARY KEY,  -- not enforced by Snowflake: the MERGE keeps it unique
    employee_id_orig VARCHAR NOT NULL,
    first_seen DATE NOT NULL,  -- the earliest snapshot it was in
    last_seen DATE NOT NULL    -- the latest snapshot it was in
);
EXECUTE IMMEDIATE $$
DECLARE
    conflict EXCEPTION (-20001, 'a pseudonym maps to two originals, or an original to two pseudonyms: salt or settings changed');
    n INTEGER;
BEGIN
    BEGIN TRANSACTION;
    n := (SELECT COUNT(*) FROM (
            SELECT employee_id FROM (
                SELECT employee_id, employee_id_orig FROM hris_lookup_staging
                UNION
                SELECT a.employee_id, a.employee_id_orig
                FROM hris_pseudonyms a JOIN hris_lookup_staging s ON s.employee_id = a.employee_id
            ) GROUP BY employee_id HAVING COUNT(*) > 1
            UNION ALL
            SELECT s.employee_id FROM hris_lookup_staging s
            JOIN (SELECT employee_id, employee_id_orig FROM hris_pseudonyms
                  UNION SELECT employee_id, employee_id_orig FROM hris_lookup_staging) a
              ON a.employee_id_orig = s.employee_id_orig AND a.employee_id <> s.employee_id));
    IF (n > 0) THEN
        ROLLBACK;
        RAISE conflict;
    END IF;
    MERGE INTO hris_pseudonyms p
    USING (SELECT DISTINCT employee_id, employee_id_orig FROM hris_lookup_staging) s
    ON p.employee_id = s.employee_id
    WHEN MATCHED AND ($snapshot < p.first_seen OR $snapshot > p.last_seen) THEN
        UPDATE SET first_seen = LEAST(p.first_seen, $snapshot), last_seen = GREATEST(p.last_seen, $snapshot)
    WHEN NOT MATCHED THEN INSERT (employee_id, employee_id_orig, first_seen, last_seen)
        VALUES (s.employee_id, s.employee_id_orig, $snapshot, $snapshot);
    COMMIT;
END;
$$;

-- Re-identify a vendor export keyed by the pseudonym.
SELECT p.employee_id_orig, v.*
FROM vendor_export v JOIN hris_pseudonyms p ON p.employee_id = v.employee_id;

-- veil's pseudonym of a plain identifier (not an e-mail). SHA2_BINARY hashes the UTF-8 bytes;
-- BASE64_ENCODE does not wrap lines by default. TRIM here removes space, tab, LF and CR;
-- veil (Java's String.trim) also removes the other control characters U+0000 to U+001F.
-- $veil_salt: a session variable set from the secret store, never a literal in shared code.
CREATE OR REPLACE FUNCTION veil_hash(v VARCHAR, salt VARCHAR) RETURNS VARCHAR AS $$
    REPLACE(REPLACE(RTRIM(BASE64_ENCODE(SHA2_BINARY(
        TRIM(v, ' ' || CHR(9) || CHR(10) || CHR(13)) || salt, 256)), '='), '+', '-'), '/', '_')
$$;
SELECT 't~' || veil_hash(id, $veil_salt)                   AS url_safe_token,
       veil_hash(id, $veil_salt)                           AS url_safe_hash_only,
       '{"hash":"' || veil_hash(id, $veil_salt) || '"}'    AS json
FROM ids;
