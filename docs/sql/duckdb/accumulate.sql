-- Adds the staged lookup tables to hris_pseudonyms, the table of every pseudonym ever seen
-- with the first and the last day it was seen. Loading a day again changes nothing, and
-- days may come in any order.
-- Fails, adding nothing, when a pseudonym would map to two originals, or an original to two
-- pseudonyms: the salt or the settings changed. The message names a pseudonym, never an
-- original.
CREATE TABLE IF NOT EXISTS hris_pseudonyms (
    employee_id      VARCHAR PRIMARY KEY,
    employee_id_orig VARCHAR NOT NULL,
    first_seen       DATE NOT NULL,  -- the earliest snapshot it was in
    last_seen        DATE NOT NULL   -- the latest snapshot it was in
);

BEGIN TRANSACTION;
-- a pseudonym with two originals (in these files, or against what was seen before)
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
INSERT INTO hris_pseudonyms AS a (employee_id, employee_id_orig, first_seen, last_seen)
SELECT employee_id, employee_id_orig, min(snapshot), max(snapshot)
FROM hris_lookup_staging GROUP BY employee_id, employee_id_orig
ON CONFLICT (employee_id) DO UPDATE
SET first_seen = least(a.first_seen, excluded.first_seen),
    last_seen  = greatest(a.last_seen, excluded.last_seen)
WHERE excluded.first_seen < a.first_seen OR excluded.last_seen > a.last_seen;
COMMIT;
