//! The PII guard end to end: `check --scan`, `sanitize --pii-guard`, allowances, and the
//! generator's planted data found exactly (and nothing in its clean columns).

use crate::common::{files_in, root, run, veil};

const ROWS: u64 = 1000;

/// `planted.csv` (1,000 rows with planted PII) in a fresh temp dir.
fn planted_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(veil(dir.path()).args([
        "generate",
        "--rows",
        &ROWS.to_string(),
        "--seed",
        "4",
        "--plant-pii",
        "-o",
        "planted.csv",
    ]));
    assert_eq!(code, 0, "{err}");
    dir
}

fn rules() -> String {
    root().join("rules-examples/hris-default.yaml").display().to_string()
}

/// The finding lines the generator's plan promises: each planted kind with its exact count
/// and first three lines (row n is on line n + 1).
fn expected_findings() -> Vec<String> {
    let mut lines: Vec<(usize, String)> = veil_generate::PLANTED
        .iter()
        .map(|p| {
            let column = ["NOTES", "PERSONAL_PHONE", "BANK_ACCOUNT"]
                .iter()
                .position(|c| *c == p.column)
                .unwrap();
            let first: Vec<String> = (1..=3).map(|k| (k * p.every + 1).to_string()).collect();
            let kind_order = veil_core::PiiKind::ALL.iter().position(|k| k.name() == p.kind).unwrap();
            (
                column * 10 + kind_order,
                format!(
                    "  column `{}`: {} in {} cells (lines {})",
                    p.column,
                    p.kind,
                    ROWS / p.every,
                    first.join(", ")
                ),
            )
        })
        .collect();
    lines.sort();
    lines.into_iter().map(|(_, l)| l).collect()
}

/// Values planted in the file: none may appear in any message.
const PLANTED_VALUES: [&str; 6] = [
    "mailbox.example.org",
    "4111 1111",
    "5500-0000",
    "NWBK",
    "198.51.",
    "555-",
];

#[test]
fn check_scan_names_every_planted_column_kind_and_count_and_nothing_else() {
    let dir = planted_dir();
    let (code, out, err) = run(veil(dir.path()).args(["check", "--scan", "--rules", &rules(), "planted.csv"]));
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains(&format!("scan: {ROWS} rows read")), "{out}");
    let found: Vec<String> = out
        .lines()
        .skip_while(|l| !l.starts_with("personal data in the columns"))
        .skip(1)
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected_findings(), "{out}");
    for value in PLANTED_VALUES {
        assert!(!out.contains(value) && !err.contains(value), "{value} shown");
    }
}

#[test]
fn clean_files_have_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(veil(dir.path()).args(["generate", "--rows", "20000", "-o", "clean.csv"]));
    assert_eq!(code, 0, "{err}");
    let sample = root().join("testdata/hris-sample.csv").display().to_string();
    for input in ["clean.csv", sample.as_str()] {
        // hris-default keeps dates, salaries, departments, locations and roles in clear.
        let (code, out, err) = run(veil(dir.path()).args(["check", "--scan", "--rules", &rules(), input]));
        assert_eq!(code, 0, "{input}: {out}{err}");
        assert!(
            out.contains("no personal data found in the columns the sanitized output keeps in clear."),
            "{out}"
        );
    }
}

#[test]
fn fail_publishes_nothing_and_exits_3_warn_reports_and_allowances_silence() {
    let dir = planted_dir();
    let d = dir.path();
    let sanitize = |extra: &[&str]| {
        let mut cmd = veil(d);
        cmd.args(["sanitize", "--rules", &rules(), "-o", "out.csv", "--lookup", "lk.csv"]);
        cmd.args(extra).arg("planted.csv");
        cmd
    };
    let (code, _, err) = run(&mut sanitize(&["--pii-guard", "fail"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("planted.csv: personal data in columns that leave in clear; nothing was written"),
        "{err}"
    );
    for line in expected_findings() {
        assert!(
            err.contains(&format!("  out.csv: {}", line.trim_start())),
            "{line}\n{err}"
        );
    }
    assert_eq!(files_in(d), ["planted.csv"], "no output, no temp file");
    for value in PLANTED_VALUES {
        assert!(!err.contains(value), "{value} shown: {err}");
    }

    // The environment sets it too.
    let (code, _, _) = run(sanitize(&[]).env("VEIL_PII_GUARD", "fail"));
    assert_eq!(code, 3);
    assert_eq!(files_in(d), ["planted.csv"]);

    // warn (the default): written, and the findings follow the summary.
    let (code, _, err) = run(&mut sanitize(&[]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("veil: warning: personal data in columns planted.csv -> out.csv keeps in clear"),
        "{err}"
    );
    for line in expected_findings() {
        assert!(err.contains(&format!("{line}\n")), "{line}\n{err}");
    }
    assert!(
        !err.contains("lk.csv keeps in clear"),
        "lookup tables are private: {err}"
    );
    assert_eq!(files_in(d), ["lk.csv", "out.csv", "planted.csv"]);

    // Every finding allowed: fail passes.
    std::fs::remove_file(d.join("out.csv")).unwrap();
    std::fs::remove_file(d.join("lk.csv")).unwrap();
    let allow: Vec<String> = veil_generate::PLANTED
        .iter()
        .map(|p| format!("{}:{}", p.column, p.kind))
        .collect();
    let mut args = vec!["--pii-guard", "fail"];
    for a in &allow {
        args.extend(["--pii-allow", a.as_str()]);
    }
    let (code, _, err) = run(&mut sanitize(&args));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("personal data"), "{err}");
    // One left out: only it is reported.
    let (code, _, err) = run(&mut sanitize(&args[..args.len() - 2]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("column `BANK_ACCOUNT`: iban in 90 cells"), "{err}");
    assert!(!err.contains("`NOTES`"), "{err}");

    let (code, _, err) = run(&mut sanitize(&["--pii-allow", "NOTES:passport"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("kind must be one of email, phone, us-ssn, uk-nino, iban, card, ip"),
        "{err}"
    );
}

#[test]
fn off_does_not_look_and_pseudonymized_columns_are_never_reported() {
    let dir = planted_dir();
    let d = dir.path();
    let (code, _, err) = run(veil(d).args([
        "sanitize",
        "--rules",
        &rules(),
        "--pii-guard",
        "off",
        "-o",
        "out.csv",
        "planted.csv",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("personal data"), "{err}");
    // Pseudonymizing NOTES and redacting the others leaves nothing to find.
    std::fs::write(
        d.join("strict.yaml"),
        "columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL, NOTES]\n\
         columnsToRedact: [PERSONAL_PHONE, BANK_ACCOUNT]\n",
    )
    .unwrap();
    let (code, out, err) = run(veil(d).args(["check", "--scan", "--rules", "strict.yaml", "planted.csv"]));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_folder_run_reports_pii_per_file_and_fail_fails_the_file() {
    let dir = planted_dir();
    let d = dir.path();
    std::fs::create_dir_all(d.join("in")).unwrap();
    std::fs::rename(d.join("planted.csv"), d.join("in/planted.csv")).unwrap();
    std::fs::copy(root().join("testdata/hris-sample.csv"), d.join("in/clean.csv")).unwrap();
    let (code, _, err) = run(veil(d).args([
        "sanitize",
        "--rules",
        &rules(),
        "--pii-guard",
        "fail",
        "-o",
        "out/",
        "in/",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("veil: failed: in/planted.csv: personal data in columns that leave in clear"),
        "{err}"
    );
    assert!(!d.join("out/planted.csv").exists());
    assert!(d.join("out/clean.csv").exists());
}

/// `fail` leaves nothing on S3 either: both uploads aborted, no object, no open upload.
#[cfg(feature = "aws")]
#[test]
fn fail_leaves_no_object_and_no_upload_on_s3() {
    let m = crate::common::moto::moto();
    let bucket = m.bucket("pii");
    let dir = planted_dir();
    let (code, _, err) = run(m.veil(dir.path()).args([
        "sanitize",
        "--rules",
        &rules(),
        "--pii-guard",
        "fail",
        "-o",
        &format!("s3://{bucket}/out.csv.gz"),
        "--lookup",
        &format!("s3://{bucket}/lk.csv"),
        "planted.csv",
    ]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!("s3://{bucket}/out.csv.gz: column `NOTES`: email in 200 cells")),
        "{err}"
    );
    assert!(m.keys(&bucket).is_empty());
    assert_eq!(m.open_uploads(&bucket), 0);
}
