-- A sanitized copy (here: testdata/hris-sample.csv through rules-examples/hris-redact-rename.yaml)
-- from psql's standard input, like lookup-load.sql. Every column is text: identifiers keep
-- their leading zeros, and a rules change cannot break the load on a type.
CREATE TABLE IF NOT EXISTS hris_sanitized (
    snapshot text, employee_id text, employee_email text, join_date text, leave_date text,
    manager_id text, manager_email text, department text, sub_department text, job_title text
);
\copy hris_sanitized FROM pstdin WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
