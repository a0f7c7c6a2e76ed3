use std::fs;
use std::io::Write;
use std::process::Stdio;

use crate::common::{files_in, read_output, root, run, veil};

const HRIS: &str = "employeeId,email,department\n1,alice@worklytics.co,Engineering\n2,bob@workltyics.co,Sales\n\
                    3,charles@workltycis.co,Engineering\n4,,Engineering\n";

fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn vectors_c_psoxy_cmd_line_output_with_salt_secret() {
    let dir = setup(&[("hris.csv", HRIS), ("r.yaml", "columnsToPseudonymize: [email]\n")]);
    let (code, stdout, stderr) = run(veil(dir.path())
        .env("VEIL_SALT", "secret")
        .args(["sanitize", "--rules", "r.yaml", "hris.csv"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "employeeId,email,department\n\
         1,\"{\"\"domain\"\":\"\"worklytics.co\"\",\"\"hash\"\":\"\"wdxMApbuV7MglPNkZrM2WdV_v6x5Z31k8VbmqFCPRZI\"\"}\",Engineering\n\
         2,\"{\"\"domain\"\":\"\"workltyics.co\"\",\"\"hash\"\":\"\"usvAqWmh_e2iweTO3zC6KIRxZthJcyBHkb9qqaH9PSw\"\"}\",Sales\n\
         3,\"{\"\"domain\"\":\"\"workltycis.co\"\",\"\"hash\"\":\"\"Kxsm-xl6Y7fD15XEnp0fBbjGiVWEo90yBjhhQLqcXrI\"\"}\",Engineering\n\
         4,,Engineering\n"
    );
    assert!(stderr.starts_with("veil: 4 rows"), "{stderr}");
}

#[test]
fn psoxy_salt_and_salt_file_are_accepted_and_missing_salt_exits_2() {
    let dir = setup(&[
        ("hris.csv", HRIS),
        ("r.yaml", "columnsToPseudonymize: [employeeId]\n"),
        ("salt.txt", "secret\n"),
    ]);
    let args = ["sanitize", "--quiet", "--rules", "r.yaml", "hris.csv"];
    let (code, by_file, _) = run(veil(dir.path())
        .env_remove("VEIL_SALT")
        .args(args)
        .args(["--salt-file", "salt.txt"]));
    assert_eq!(code, 0);
    let (_, by_psoxy_env, _) = run(veil(dir.path())
        .env_remove("VEIL_SALT")
        .env("PSOXY_SALT", "secret")
        .args(args));
    assert_eq!(by_file, by_psoxy_env);
    assert!(
        by_file.contains("pLl3XK16GbhWPs9BmUho9Q73VAOllCeIsVQQMFvnYr4"),
        "{by_file}"
    );
    let (code, stdout, stderr) = run(veil(dir.path()).env_remove("VEIL_SALT").args(args));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("--salt-file") && stderr.contains("VEIL_SALT"),
        "{stderr}"
    );
}

#[test]
fn sample_job_writes_both_outputs_with_the_readme_command() {
    let dir = tempfile::tempdir().unwrap();
    let root = root();
    let (code, _, stderr) = run(veil(&root).args([
        "sanitize",
        "--rules",
        "rules-examples/hris-default.yaml",
        "-o",
        dir.path().join("hris-sanitized.csv").to_str().unwrap(),
        "--lookup",
        dir.path().join("hris-lookup.csv.gz").to_str().unwrap(),
        "testdata/hris-sample.csv",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let input = fs::read_to_string(root.join("testdata/hris-sample.csv")).unwrap();
    let sanitized = String::from_utf8(read_output(&dir.path().join("hris-sanitized.csv"))).unwrap();
    let lookup = String::from_utf8(read_output(&dir.path().join("hris-lookup.csv.gz"))).unwrap();
    assert_eq!(sanitized.lines().count(), input.lines().count());
    assert_eq!(lookup.lines().next(), Some("EMPLOYEE_ID,EMPLOYEE_ID_ORIG"));
    assert_eq!(lookup.lines().count(), input.lines().count());
    assert!(
        !sanitized.contains("@example.com\","),
        "no clear e-mail in the sanitized copy"
    );
}

#[test]
fn stdin_to_stdout_with_gzip_input() {
    let dir = setup(&[(
        "r.yaml",
        "pseudonymFormat: URL_SAFE_HASH_ONLY\ncolumnsToPseudonymize: [foo]\n",
    )]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"foo,bar\r\n1,2\r\n").unwrap();
    let bytes = gz.finish().unwrap();
    let mut child = veil(dir.path())
        .args(["sanitize", "--quiet", "--rules", "r.yaml", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "foo,bar\r\n0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,2\r\n"
    );
}

#[test]
fn a_bad_row_late_in_the_file_leaves_no_output_and_names_the_line() {
    let mut csv = String::from("EMPLOYEE_ID,EMAIL\n");
    for i in 0..20_000 {
        csv.push_str(&format!("{i},user{i}@example.com\n"));
    }
    csv.push_str("SECRET-ID-77\n");
    let dir = setup(&[
        ("in.csv", &csv),
        ("r.yaml", "columnsToPseudonymize: [EMPLOYEE_ID, EMAIL]\n"),
    ]);
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let (code, _, stderr) = run(veil(dir.path()).args([
        "sanitize",
        "--rules",
        "r.yaml",
        "-o",
        "out/s.csv.gz",
        "--lookup",
        "out/l.csv",
        "in.csv",
    ]));
    assert_eq!(code, 1);
    assert!(
        stderr
            .contains("in.csv line 20002: record has 1 field but the header has 2 fields (column `EMAIL` is missing)"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET-ID-77"));
    assert_eq!(files_in(&out_dir), Vec::<String>::new());
}

#[test]
fn rules_problems_exit_2_listing_all_of_them() {
    let dir = setup(&[
        ("in.csv", HRIS),
        (
            "r.yaml",
            "pseudonymFormat: Json\ncolumnsToRedakt: [email]\ncolumnsToPseudonymize: ['  ']\n",
        ),
    ]);
    let (code, stdout, stderr) = run(veil(dir.path()).args(["sanitize", "--rules", "r.yaml", "-o", "o.csv", "in.csv"]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
    assert!(stderr.contains("line 1:18: `pseudonymFormat`: invalid value; valid values (case-sensitive): JSON, URL_SAFE_TOKEN, URL_SAFE_HASH_ONLY"), "{stderr}");
    assert!(
        stderr.contains("line 2:1: `columnsToRedakt`: unknown key (did you mean `columnsToRedact`?"),
        "{stderr}"
    );
    assert!(!dir.path().join("o.csv").exists());
}

#[test]
fn output_onto_the_input_is_refused() {
    let dir = setup(&[("in.csv", HRIS), ("r.yaml", "columnsToRedact: [email]\n")]);
    let (code, _, stderr) = run(veil(dir.path()).args(["sanitize", "--rules", "r.yaml", "-o", "./in.csv", "in.csv"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(fs::read_to_string(dir.path().join("in.csv")).unwrap(), HRIS);
}

#[test]
fn check_prints_the_plan_and_writes_nothing() {
    let dir = setup(&[
        ("in.csv", HRIS),
        (
            "r.yaml",
            "columnsToPseudonymize: [email]\ncolumnsToRedact: [department]\n",
        ),
    ]);
    let (code, stdout, _) =
        run(veil(dir.path()).args(["check", "--rules", "r.yaml", "--lookup-key", "employeeId", "in.csv"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("email       email       pseudonymize (JSON)  [columnsToPseudonymize]"),
        "{stdout}"
    );
    assert!(stdout.contains("employeeId_ORIG"), "{stdout}");
    assert!(stdout.contains("dropped (columnsToRedact)"));
    assert_eq!(files_in(dir.path()), ["in.csv", "r.yaml"]);
    let bad = setup(&[
        ("in.csv", HRIS),
        ("r.yaml", "columnsToPseudonymize: [EMPLOYEE_EMAIL]\n"),
    ]);
    // None of the rule columns is in the file: refused unless accepted as psoxy would.
    let (code, stdout, _) = run(veil(bad.path()).args(["check", "--rules", "r.yaml", "in.csv"]));
    assert_eq!(code, 2);
    assert!(
        stdout.contains("none of the 1 column(s) the rules pseudonymize or redact is in the header (3 fields)"),
        "{stdout}"
    );
    let (code, stdout, _) =
        run(veil(bad.path()).args(["check", "--allow-absent-columns", "--rules", "r.yaml", "in.csv"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains(
            "warning: columns missing from the file, written as empty columns as psoxy does: `EMPLOYEE_EMAIL` (columnsToPseudonymize)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("\n1 warning (above); no problems: `veil sanitize` would run, and warn.\n"),
        "a warning is not `no problems`: {stdout}"
    );
    let (code, stdout, _) = run(veil(bad.path()).args(["check", "--strict-columns", "--rules", "r.yaml", "in.csv"]));
    assert_eq!(code, 2);
    assert!(
        stdout.contains("column `EMPLOYEE_EMAIL` is not in the file's header (--strict-columns"),
        "{stdout}"
    );
}

#[test]
fn hash_prints_psoxy_pseudonyms_and_honours_domain_handling() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(veil(dir.path()).args(["hash", "--format", "URL_SAFE_TOKEN", "1", "alice@acme.com"]));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\nt~UFdK0TvVTvZ23c6QslyCy0o2MSq2DRtDjEXfTPJyyMk@acme.com\n"
    );
    let (_, stdout, _) = run(veil(dir.path())
        .env("EMAIL_DOMAIN_HANDLING", "REDACT")
        .args(["hash", "alice@acme.com"]));
    assert_eq!(stdout, "{\"hash\":\"UFdK0TvVTvZ23c6QslyCy0o2MSq2DRtDjEXfTPJyyMk\"}\n");
    let (code, _, stderr) = run(veil(dir.path())
        .env("EMAIL_DOMAIN_HANDLING", "HASH")
        .args(["hash", "x"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("valid values: PRESERVE, REDACT, TOKENIZE, ENCRYPT"));
    let (_, hmac, _) =
        run(veil(dir.path()).args(["hash", "--hash", "hmac-sha256", "--format", "URL_SAFE_HASH_ONLY", "1"]));
    assert_eq!(hmac, "fhtNby5EbKk9mxSjR51GPM7LCpWzzrGTmzD5QfUd0z0\n");
}

/// The Install section's commands: bash loads the script and completes commands, options
/// and enumerated values; the manual pages render one per command.
#[test]
fn completions_and_manual_pages_install_as_the_readme_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, script, stderr) = run(veil(d).args(["completions", "bash"]));
    assert_eq!(code, 0, "{stderr}");
    fs::write(d.join("veil.bash"), script).unwrap();
    let complete = |words: &str| {
        let probe = format!(
            "source ./veil.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _veil veil \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[*]}}\""
        );
        let out = std::process::Command::new("bash")
            .current_dir(d)
            .args(["-c", &probe])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    };
    assert_eq!(complete("veil sa"), "sanitize");
    assert_eq!(complete("veil sanitize --pii-g"), "--pii-guard");
    assert_eq!(complete("veil sanitize --pii-guard ''"), "off warn fail");
    for shell in ["zsh", "fish", "powershell", "elvish", "BASH"] {
        let (code, script, _) = run(veil(d).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(
            script.contains("sanitize") && script.contains("lookup-rules"),
            "{shell}"
        );
    }
    let (code, _, stderr) = run(veil(d).args(["completions", "tcsh"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");

    let (code, page, _) = run(veil(d).arg("man"));
    assert_eq!(code, 0);
    assert!(page.contains(".TH veil 1"), "{page}");
    assert!(page.contains("veil\\-sanitize(1)"), "{page}");
    let (code, _, stderr) = run(veil(d).args(["man", "--out-dir", "man/man1"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        files_in(&d.join("man/man1")),
        [
            "veil-check.1",
            "veil-completions.1",
            "veil-generate.1",
            "veil-hash.1",
            "veil-man.1",
            "veil-sanitize.1",
            "veil.1"
        ]
    );
    let sanitize = fs::read_to_string(d.join("man/man1/veil-sanitize.1")).unwrap();
    assert!(sanitize.contains("\\-\\-lookup\\-rules"), "{sanitize}");
}

#[test]
fn help_explains_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(veil(dir.path()).args(["sanitize", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "--rules",
        "--lookup",
        "--lookup-rules",
        "--lookup-key",
        "--salt-file",
        "VEIL_SALT",
        "--hash",
        "INPUT",
    ] {
        assert!(stdout.contains(needle), "{needle} missing from help:\n{stdout}");
    }
}

#[test]
fn a_file_without_header_fails_without_printing_its_first_row() {
    let dir = setup(&[
        ("in.csv", "E9182,secret.person@example.com,Engineering\n"),
        ("r.yaml", "columnsToPseudonymize: [EMPLOYEE_ID]\n"),
    ]);
    let strict = [
        "sanitize",
        "--strict-columns",
        "--rules",
        "r.yaml",
        "-o",
        "o.csv",
        "in.csv",
    ];
    let (code, _, stderr) = run(veil(dir.path()).args(strict));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("column `EMPLOYEE_ID` is not in the file's header"),
        "{stderr}"
    );
    for value in ["E9182", "secret.person", "Engineering"] {
        assert!(!stderr.contains(value), "{stderr}");
    }
    assert_eq!(files_in(dir.path()), ["in.csv", "r.yaml"]);
    // Without it too: no rule column is in the header, so the file is refused, naming none of
    // its fields (they are a data row).
    let (code, _, stderr) = run(veil(dir.path()).args(["sanitize", "--rules", "r.yaml", "-o", "o.csv", "in.csv"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("is the file without a header"), "{stderr}");
    for value in ["E9182", "secret.person", "Engineering"] {
        assert!(!stderr.contains(value), "{stderr}");
    }
    assert_eq!(files_in(dir.path()), ["in.csv", "r.yaml"]);
    // With --allow-absent-columns veil does what psoxy does (the first row is the header, the
    // missing column is appended empty) and warns, still without a value.
    let (code, _, stderr) = run(veil(dir.path()).args([
        "sanitize",
        "--allow-absent-columns",
        "--rules",
        "r.yaml",
        "-o",
        "o.csv",
        "in.csv",
    ]));
    assert_eq!(code, 0);
    assert!(
        stderr.contains("warning: in.csv -> o.csv: columns missing from the file, written as empty columns as psoxy does: `EMPLOYEE_ID` (columnsToPseudonymize)"),
        "{stderr}"
    );
    for value in ["E9182", "secret.person", "Engineering"] {
        assert!(!stderr.contains(value), "{stderr}");
    }
}

#[test]
fn check_warns_about_names_psoxy_reads_differently_and_names_matching_nothing() {
    let dir = setup(&[
        ("in.csv", "No,EMPLOYEE_ID,SOCIAL_SECURITY_NUMBER\nx,E1,123-45-6789\n"),
        (
            "r.yaml",
            "columnsToPseudonymize: [No, EMPLOYEE_ID]\ncolumnsToRedact: [SSN]\n",
        ),
    ]);
    let (code, stdout, _) = run(veil(dir.path()).args(["check", "--rules", "r.yaml", "in.csv"]));
    assert_eq!(code, 0, "warnings are not problems");
    assert!(
        stdout.contains(
            "warning: line 1:25: `columnsToPseudonymize`: psoxy's YAML 1.1 reader reads `No` as the column `false`; veil reads `No`"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning: rule names matching no column: columnsToRedact `SSN`"),
        "{stdout}"
    );
    assert!(!stdout.contains("123-45-6789"), "{stdout}");
}

#[test]
fn gzip_outputs_are_one_member_every_reader_reads_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), "columnsToPseudonymize: [EMPLOYEE_ID]\n").unwrap();
    // Enough rows for several batches on every thread.
    let (code, _, err) = run(veil(dir.path()).args(["generate", "--rows", "30000", "-o", "in.csv.gz"]));
    assert_eq!(code, 0, "{err}");
    let mut plain = None;
    for (threads, level) in [("1", "6"), ("2", "1"), ("2", "9")] {
        let args = [
            "sanitize",
            "--quiet",
            "--threads",
            threads,
            "--gzip-level",
            level,
            "--rules",
            "r.yaml",
        ];
        let (code, _, err) =
            run(veil(dir.path())
                .args(args)
                .args(["-o", "out.csv.gz", "--lookup", "lookup.csv.gz", "in.csv.gz"]));
        assert_eq!(code, 0, "{err}");
        let text = read_output(&dir.path().join("out.csv.gz"));
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 30_001);
        assert_eq!(
            plain.get_or_insert_with(|| text.clone()),
            &text,
            "threads {threads}, level {level}"
        );
        // gzip -t and gunzip, Python's gzip module and its single-member zlib reader.
        for file in ["out.csv.gz", "lookup.csv.gz"] {
            let gzip_t = std::process::Command::new("gzip")
                .args(["-t", file])
                .current_dir(dir.path())
                .status();
            assert!(gzip_t.unwrap().success(), "gzip -t {file}");
            let gunzip = std::process::Command::new("gunzip")
                .args(["-c", file])
                .current_dir(dir.path())
                .output();
            let want = read_output(&dir.path().join(file));
            assert_eq!(gunzip.unwrap().stdout, want, "gunzip {file}");
            let python = "import gzip, sys, zlib; d = open(sys.argv[1], 'rb').read(); \
                          a = gzip.decompress(d); b = zlib.decompress(d, 31); assert a == b; sys.stdout.buffer.write(b)";
            let py = std::process::Command::new("python3")
                .args(["-c", python, file])
                .current_dir(dir.path())
                .output();
            assert_eq!(py.unwrap().stdout, want, "python {file}");
        }
    }
    let (code, _, err) =
        run(veil(dir.path()).args(["sanitize", "--gzip-level", "10", "--rules", "r.yaml", "in.csv.gz"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("0 (store) to 9"), "{err}");
}

#[test]
fn check_ddl_prints_only_the_create_table_and_keeps_the_exit_codes() {
    let dir = setup(&[
        ("hris.csv", HRIS),
        ("r.yaml", "columnsToPseudonymize: [email]\ncolumnsToRedact: [SSN]\n"),
        ("bad.yaml", "columnsToPseudonymize: [nowhere]\n"),
    ]);
    let (code, stdout, stderr) = run(veil(dir.path()).args([
        "check",
        "--ddl",
        "PostgreSQL",
        "--table",
        "hr.Sanitized",
        "--rules",
        "r.yaml",
        "hris.csv",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "CREATE TABLE IF NOT EXISTS \"hr\".\"Sanitized\" (\n    \"employeeId\" text,\n    \"email\" text,\n    \
         \"department\" text\n);\n"
    );
    assert_eq!(
        stderr,
        "veil: warning: rule names matching no column: columnsToRedact `SSN`\n"
    );
    let (code, stdout, _) = run(veil(dir.path()).args(["check", "--ddl", "duckdb", "--rules", "r.yaml", "hris.csv"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("CREATE TABLE IF NOT EXISTS \"sanitized\" (\n    \"employeeId\" VARCHAR,\n"),
        "{stdout}"
    );

    // Problems: exit 2, nothing on stdout for psql to run.
    let (code, stdout, stderr) =
        run(veil(dir.path()).args(["check", "--ddl", "duckdb", "--rules", "bad.yaml", "hris.csv"]));
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.contains("PROBLEMS:") && stderr.contains("would refuse to run"),
        "{stderr}"
    );
    // Options that make no sense with it.
    for args in [
        &["--ddl", "duckdb", "--scan"][..],
        &["--ddl", "duckdb", "--lookup-key", "email"],
        &["--table", "t"],
        &["--ddl", "duckdb", "--table", "a.b.c"],
        &["--ddl", "oracle"],
    ] {
        let (code, stdout, _) = run(veil(dir.path())
            .args(["check", "--rules", "r.yaml"])
            .args(args)
            .arg("hris.csv"));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
    }
}
