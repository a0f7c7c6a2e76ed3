-- Re-identifies a vendor export keyed by the pseudonym (vendor_export.employee_id) through
-- the accumulated table: one row per vendor row, whatever day the pseudonym was first seen.
SELECT p.employee_id_orig, v.*
FROM vendor_export v
JOIN hris_pseudonyms p ON p.employee_id = v.employee_id
ORDER BY p.employee_id_orig, v.employee_id;
