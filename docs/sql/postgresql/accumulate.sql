-- Adds the staged lookup table to hris_pseudonyms, the table of every pseudonym ever seen.
-- Fails, adding nothing, when a pseudonym would map to two originals, or an original to two
-- pseudonyms: the salt or the settings changed. The message names a pseudonym, never an
-- original.
CREATE TABLE IF NOT EXISTS hris_pseudonyms (
    employee_id      text PRIMARY KEY,
    employee_id_orig text NOT NULL,
    first_seen       date NOT NULL DEFAULT current_date
);
CREATE INDEX IF NOT EXISTS hris_pseudonyms_orig ON hris_pseudonyms (employee_id_orig);

BEGIN;
LOCK TABLE hris_pseudonyms IN SHARE ROW EXCLUSIVE MODE;
DO $$
DECLARE
    p text;
BEGIN
    -- a pseudonym with two originals (in this file, or against what was seen before)
    SELECT employee_id INTO p FROM (
        SELECT employee_id, employee_id_orig FROM hris_lookup_staging
        UNION
        SELECT a.employee_id, a.employee_id_orig
        FROM hris_pseudonyms a JOIN hris_lookup_staging s USING (employee_id)
    ) x GROUP BY employee_id HAVING count(*) > 1 LIMIT 1;
    IF p IS NOT NULL THEN
        RAISE EXCEPTION 'pseudonym % maps to two originals: salt or settings changed', p;
    END IF;
    -- an original with two pseudonyms
    SELECT s.employee_id INTO p FROM hris_lookup_staging s
    WHERE EXISTS (SELECT 1 FROM hris_pseudonyms a
                  WHERE a.employee_id_orig = s.employee_id_orig AND a.employee_id <> s.employee_id)
       OR EXISTS (SELECT 1 FROM hris_lookup_staging t
                  WHERE t.employee_id_orig = s.employee_id_orig AND t.employee_id <> s.employee_id)
    LIMIT 1;
    IF p IS NOT NULL THEN
        RAISE EXCEPTION 'pseudonym % is a second pseudonym of an original already seen: salt or settings changed', p;
    END IF;
END $$;
INSERT INTO hris_pseudonyms (employee_id, employee_id_orig)
SELECT DISTINCT employee_id, employee_id_orig FROM hris_lookup_staging
ON CONFLICT (employee_id) DO NOTHING;
COMMIT;
