//! Each directory in `testdata/golden/` is one case, and one test (`case_<name>`): `input.*`, `rules.yaml`, then either
//! `expected.csv` (exact bytes) or `expected-error.txt` (exit code, then substrings stderr
//! must hold); optionally `env.txt` (KEY=VALUE lines), `lookup-rules.yaml` or
//! `lookup-builtin` with `expected-lookup.csv`, `forbidden.txt` (cell values that must
//! never appear on stderr), `args.txt` (more `sanitize` options) and `expected-stderr.txt`
//! (substrings stderr must hold on success, such as warnings). See `testdata/golden/INDEX.md`.

use std::path::Path;

use crate::common::{files_in, read_output, root, run, veil};

fn run_case(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let files = files_in(case);
    let input = files
        .iter()
        .find(|f| f.starts_with("input"))
        .ok_or(format!("{name}: no input.* file"))?;
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("out.csv");
    let lookup = out_dir.path().join("lookup.csv");
    let mut cmd = veil(case);
    cmd.arg("sanitize")
        .arg("--rules")
        .arg("rules.yaml")
        .arg("-o")
        .arg(&out)
        .arg("--quiet");
    if files.iter().any(|f| f == "lookup-rules.yaml") {
        cmd.arg("--lookup")
            .arg(&lookup)
            .arg("--lookup-rules")
            .arg("lookup-rules.yaml");
    } else if files.iter().any(|f| f == "lookup-builtin") {
        cmd.arg("--lookup").arg(&lookup);
    }
    if let Ok(args) = std::fs::read_to_string(case.join("args.txt")) {
        cmd.args(args.split_whitespace());
    }
    cmd.arg(input);
    if let Ok(env) = std::fs::read_to_string(case.join("env.txt")) {
        for line in env.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line.split_once('=').ok_or(format!("{name}: bad env.txt line"))?;
            cmd.env(k.trim(), v.trim());
        }
    }
    let (code, _stdout, stderr) = run(&mut cmd);
    if let Ok(forbidden) = std::fs::read_to_string(case.join("forbidden.txt")) {
        for value in forbidden.lines().filter(|l| !l.is_empty()) {
            if stderr.contains(value) {
                return Err(format!("{name}: stderr shows a cell value: {stderr}"));
            }
        }
    }
    if let Ok(expected) = std::fs::read_to_string(case.join("expected-error.txt")) {
        let mut lines = expected.lines();
        let want: i32 = lines
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| format!("{name}: bad exit code line"))?;
        if code != want {
            return Err(format!("{name}: exit {code}, expected {want}; stderr: {stderr}"));
        }
        for needle in lines.filter(|l| !l.trim().is_empty()) {
            if !stderr.contains(needle.trim()) {
                return Err(format!("{name}: stderr lacks `{}`: {stderr}", needle.trim()));
            }
        }
        let left = files_in(out_dir.path());
        if !left.is_empty() {
            return Err(format!("{name}: a failed run left {left:?}"));
        }
        return Ok(());
    }
    if code != 0 {
        return Err(format!("{name}: exit {code}: {stderr}"));
    }
    if let Ok(expected) = std::fs::read_to_string(case.join("expected-stderr.txt")) {
        for needle in expected.lines().filter(|l| !l.trim().is_empty()) {
            if !stderr.contains(needle.trim()) {
                return Err(format!("{name}: stderr lacks `{}`: {stderr}", needle.trim()));
            }
        }
    }
    let compare = |got: &Path, expected: &str| -> Result<(), String> {
        let want = std::fs::read(case.join(expected)).map_err(|e| format!("{name}: {expected}: {e}"))?;
        let got = read_output(got);
        if got != want {
            return Err(format!(
                "{name}: {expected} differs\n--- expected\n{}\n--- got\n{}",
                String::from_utf8_lossy(&want).escape_debug(),
                String::from_utf8_lossy(&got).escape_debug()
            ));
        }
        Ok(())
    };
    compare(&out, "expected.csv")?;
    if files.iter().any(|f| f == "expected-lookup.csv") {
        compare(&lookup, "expected-lookup.csv")?;
    }
    Ok(())
}

/// Runs one case by its directory name, failing with what differs.
fn check(case: &str) {
    if let Err(failure) = run_case(&root().join("testdata/golden").join(case)) {
        panic!("{failure}");
    }
}

// One test per case directory, written by build.rs: `cargo test golden::case_<name>`.
include!(concat!(env!("OUT_DIR"), "/golden_cases.rs"));

#[test]
fn every_case_directory_has_its_test() {
    let dir = root().join("testdata/golden");
    let found = files_in(&dir).into_iter().filter(|n| dir.join(n).is_dir()).count();
    assert!(found >= 100, "expected the golden cases, found {found}");
    assert_eq!(
        found, CASES,
        "a case directory without its test: run `cargo clean -p veil` (build.rs lists them)"
    );
}
