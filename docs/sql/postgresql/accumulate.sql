-- Adds the staged lookup table of day `snapshot` (psql -v snapshot=2026-11-03) to
-- hris_pseudonyms, the table of every pseudonym ever seen with the first and the last day it
-- was seen. Loading a day again changes nothing, and days may come in any order.
-- Fails, adding nothing, when a pseudonym would map to two originals, or an original to two
-- pseudonyms: the salt or the settings changed. The message names a pseudonym, never an
-- original.
\if :{?snapshot}
\else
DO $$ BEGIN RAISE EXCEPTION 'no snapshot: give the lookup table''s day, psql -v snapshot=2026-11-03'; END $$;
\endif
SET client_min_messages = warning;  -- no "already exists, skipping" notices on later loads
CREATE TABLE IF NOT EXISTS hris_pseudonyms (
    employee_id      text PRIMARY KEY,
    employee_id_orig text NOT NULL,
    first_seen       date NOT NULL,  -- the earliest snapshot it was in
    last_seen        date NOT NULL   -- the latest snapshot it was in
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
INSERT INTO hris_pseudonyms AS a (employee_id, employee_id_orig, first_seen, last_seen)
SELECT DISTINCT employee_id, employee_id_orig, CAST(:'snapshot' AS date), CAST(:'snapshot' AS date)
FROM hris_lookup_staging
ON CONFLICT (employee_id) DO UPDATE
SET first_seen = least(a.first_seen, excluded.first_seen),
    last_seen  = greatest(a.last_seen, excluded.last_seen)
WHERE excluded.first_seen < a.first_seen OR excluded.last_seen > a.last_seen;
COMMIT;
