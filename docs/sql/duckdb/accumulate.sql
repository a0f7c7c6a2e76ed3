-- Adds the staged lookup table to hris_pseudonyms, the table of every pseudonym ever seen.
-- Fails, adding nothing, when a pseudonym would map to two originals, or an original to two
-- pseudonyms: the salt or the settings changed. The message names a pseudonym, never an
-- original.
CREATE TABLE IF NOT EXISTS hris_pseudonyms (
    employee_id      VARCHAR PRIMARY KEY,
    employee_id_orig VARCHAR NOT NULL,
    first_seen       DATE NOT NULL DEFAULT current_date
);

BEGIN TRANSACTION;
-- a pseudonym with two originals (in this file, or against what was seen before)
SELECT error('pseudonym ' || employee_id || ' maps to two originals: salt or settings changed')
FROM (
    SELECT employee_id, employee_id_orig FROM hris_lookup_staging
    UNION
    SELECT a.employee_id, a.employee_id_orig
    FROM hris_pseudonyms a JOIN hris_lookup_staging s USING (employee_id)
) GROUP BY employee_id HAVING count(*) > 1;
-- an original with two pseudonyms
SELECT error('pseudonym ' || s.employee_id
             || ' is a second pseudonym of an original already seen: salt or settings changed')
FROM hris_lookup_staging s
WHERE EXISTS (SELECT 1 FROM hris_pseudonyms a
              WHERE a.employee_id_orig = s.employee_id_orig AND a.employee_id <> s.employee_id)
   OR EXISTS (SELECT 1 FROM hris_lookup_staging t
              WHERE t.employee_id_orig = s.employee_id_orig AND t.employee_id <> s.employee_id);
INSERT INTO hris_pseudonyms (employee_id, employee_id_orig)
SELECT DISTINCT employee_id, employee_id_orig FROM hris_lookup_staging
ON CONFLICT (employee_id) DO NOTHING;
COMMIT;
