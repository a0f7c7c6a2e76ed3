//! `veil sanitize DIR/` and `s3://bucket/prefix/` through the binary: output trees that mirror
//! the input, re-runs that redo only what changed, failures that stay alone and leave nothing,
//! interrupts that leave only complete outputs, MultiType routing by path, usage errors.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::common::{read_output, root, run, veil};

/// The manifest each local output folder keeps.
const MANIFEST: &str = ".veil-manifest.json";

/// The files of the standard tree that the default globs take, sorted.
const CSVS: [&str; 4] = [
    "2024/01/hris-2024-01-01.csv",
    "2024/01/hris-2024-01-15.csv",
    "2024/02/hris-2024-02-01.csv.gz",
    "hris-latest.csv",
];

/// Their data rows: 200 + 120 + 60 + 51.
const ROWS: u64 = 431;

/// The sample's header and data rows.
fn sample() -> (String, Vec<String>) {
    let text = fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    let mut lines = text.lines().map(str::to_owned);
    (lines.next().unwrap(), lines.collect())
}

/// The sample's header and its data rows `from..to`.
fn snapshot(from: usize, to: usize) -> String {
    let (header, rows) = sample();
    let mut text = header + "\n";
    for row in &rows[from..to] {
        text.push_str(row);
        text.push('\n');
    }
    text
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The standard tree's inputs: relative path and bytes as stored (in the order of `CSVS`).
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (CSVS[0], snapshot(0, 200).into_bytes()),
        (CSVS[1], snapshot(0, 120).into_bytes()),
        (CSVS[2], gzip(snapshot(20, 80).as_bytes())),
        (CSVS[3], snapshot(100, 151).into_bytes()),
    ]
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A temp dir with `rules.yaml` (psoxy's default HRIS rules) and under `in/` the four
/// snapshots in nested folders, plus files that the default globs leave out.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(root().join("rules-examples/hris-default.yaml"), d.join("rules.yaml")).unwrap();
    for (rel, bytes) in inputs() {
        write(&d.join("in").join(rel), bytes);
    }
    write(&d.join("in/2024/notes.txt"), "not a csv\n");
    write(&d.join("in/2024/01/hris-2024-01-01.csv.bak"), snapshot(0, 3));
    dir
}

/// The standard tree with two bad files among the good ones: a row with a 13th field (line
/// 5, good rows after it) and a quoted field never closed (line 4, the last). Both hold
/// values that must never be shown.
fn tree_with_bad_files() -> tempfile::TempDir {
    let dir = tree();
    let extra = "2024-06-30,E9999,planted.secret@leak.example,2020-01-01,,E0001,bowie.coldbrook@acme.com,\
                 Sales,Field,Remote,Rep,1000,EXTRA\n";
    let (_, rows) = sample();
    let after: String = rows[3..6].iter().map(|r| format!("{r}\n")).collect();
    write(
        &dir.path().join("in/2024/01/hris-2024-01-10.csv"),
        snapshot(0, 3) + extra + &after,
    );
    let unclosed = "2024-06-30,E9998,\"never.closed@leak.example,2020-01-01,,,,Sales,Field,Remote,Rep,1000\n";
    write(&dir.path().join("in/2024/02/unclosed.csv"), snapshot(0, 2) + unclosed);
    dir
}

/// `veil sanitize --rules rules.yaml -o out/ --lookup lk/` in `dir`; add options and `in/`.
fn sanitize(dir: &Path) -> Command {
    let mut cmd = veil(dir);
    cmd.args(["sanitize", "--rules", "rules.yaml", "-o", "out/", "--lookup", "lk/"]);
    cmd
}

/// The lock file a folder run keeps in each local output folder (rewritten by every run).
const LOCK: &str = ".veil-lock";

/// Every file under `dir` (hidden ones too, but the output folder's lock), relative with
/// `/`, sorted; folders left out.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, at: &Path, found: &mut Vec<String>) {
        for entry in fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, found);
            } else if at == base && path.file_name().is_some_and(|n| n == LOCK) {
                continue;
            } else {
                let relative = path.strip_prefix(base).unwrap();
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut found);
    }
    found.sort();
    found
}

/// The given files and a `MANIFEST` in each of their folders, as `files_under` lists an
/// output folder.
fn listing(files: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = files.iter().map(|f| (*f).to_owned()).collect();
    for file in files {
        let manifest = match file.rsplit_once('/') {
            Some((folder, _)) => format!("{folder}/{MANIFEST}"),
            None => MANIFEST.to_owned(),
        };
        if !all.contains(&manifest) {
            all.push(manifest);
        }
    }
    all.sort();
    all
}

/// Inode and modification time of every file under `dir`: a file written again (a temp file
/// renamed into place) gets a new inode, whatever the clock's granularity.
fn stamps(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    files_under(dir)
        .into_iter()
        .map(|f| {
            let meta = fs::metadata(dir.join(&f)).unwrap();
            (f, (meta.ino(), meta.modified().unwrap()))
        })
        .collect()
}

/// What single-file `veil sanitize` writes for `in/REL` in `dir` with `rules.yaml` and the
/// built-in lookup (sanitized, lookup), with `env` set on top of the usual salt.
fn single(dir: &Path, rel: &str, env: &[(&str, &str)]) -> (Vec<u8>, Vec<u8>) {
    let refs = tempfile::tempdir().unwrap();
    let name = rel.rsplit('/').next().unwrap();
    let (s, l) = (
        refs.path().join(format!("s-{name}")),
        refs.path().join(format!("l-{name}")),
    );
    let mut cmd = veil(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (code, _, err) = run(cmd
        .args(["sanitize", "--quiet", "--rules", "rules.yaml", "-o"])
        .arg(&s)
        .arg("--lookup")
        .arg(&l)
        .arg(format!("in/{rel}")));
    assert_eq!(code, 0, "{rel}: {err}");
    (fs::read(s).unwrap(), fs::read(l).unwrap())
}

/// Asserts that the outputs of each of `rels` under `out/` and `lk/` are byte for byte what a
/// single-file run of the same input writes.
fn assert_same_as_single_runs(dir: &Path, rels: &[&str], env: &[(&str, &str)]) {
    for rel in rels {
        let (sanitized, lookup) = single(dir, rel, env);
        assert!(
            fs::read(dir.join("out").join(rel)).unwrap() == sanitized,
            "out/{rel} differs from a single-file run"
        );
        assert!(
            fs::read(dir.join("lk").join(rel)).unwrap() == lookup,
            "lk/{rel} differs from a single-file run"
        );
    }
}

/// The `--report` file: each line's object by its input.
fn report(path: &Path) -> BTreeMap<String, Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            (v["input"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

/// `(status, reason, rows)` of each input in a report.
fn outcomes(report: &BTreeMap<String, Value>) -> BTreeMap<&str, (&str, Option<&str>, u64)> {
    report
        .iter()
        .map(|(input, v)| {
            let outcome = (
                v["status"].as_str().unwrap(),
                v["reason"].as_str(),
                v["rows"].as_u64().unwrap(),
            );
            (input.as_str(), outcome)
        })
        .collect()
}

fn nothing_to_do(files: usize) -> String {
    format!("veil: nothing to do: all {files} files are up to date (--force re-does them)\n")
}

/// The first run sanitizes every `*.csv` and `*.csv.gz` under the folder, and only those,
/// into the same relative paths under `-o` and `--lookup`, each output byte for byte what a
/// single-file run gives (gzip in, gzip out for `.csv.gz`).
#[test]
fn first_run_mirrors_the_tree_and_matches_single_file_runs() {
    let dir = tree();
    let d = dir.path();
    let (code, stdout, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "veil: 4 files: 4 sanitized, 0 up to date, 0 failed; {ROWS} rows, "
        )),
        "{stderr}"
    );
    assert_eq!(files_under(&d.join("out")), listing(&CSVS));
    assert_eq!(files_under(&d.join("lk")), listing(&CSVS));
    for folder in ["out", "lk"] {
        let holder = fs::read_to_string(d.join(folder).join(LOCK)).unwrap();
        assert!(
            holder.trim().parse::<u32>().is_ok(),
            "the lock names the run's pid: {holder}"
        );
    }
    assert_same_as_single_runs(d, &CSVS, &[]);
    let gz = d.join("lk/2024/02/hris-2024-02-01.csv.gz");
    assert!(fs::read(&gz).unwrap().starts_with(&[0x1f, 0x8b]));
    let lookup = String::from_utf8(read_output(&gz)).unwrap();
    assert!(lookup.starts_with("EMPLOYEE_ID,EMPLOYEE_ID_ORIG\n"), "{lookup}");
    assert_eq!(lookup.lines().count(), 61);
}

/// A second identical run rewrites nothing (not even the manifests) and says so; a dry run
/// then lists nothing to do.
#[test]
fn second_identical_run_writes_nothing() {
    let dir = tree();
    let d = dir.path();
    assert_eq!(run(sanitize(d).arg("in/")).0, 0);
    let before = (stamps(&d.join("out")), stamps(&d.join("lk")));
    let (code, stdout, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!((code, stdout.as_str(), stderr), (0, "", nothing_to_do(4)));
    assert_eq!((stamps(&d.join("out")), stamps(&d.join("lk"))), before);
    let (code, stdout, stderr) = run(sanitize(d).args(["--dry-run", "in/"]));
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            0,
            "",
            "veil: 4 files: 0 would be sanitized, 4 up to date (dry run: nothing written)\n"
        )
    );
    assert_eq!((stamps(&d.join("out")), stamps(&d.join("lk"))), before);
}

/// New rules content redoes every file; a dry run first names each one and why, and writes
/// nothing.
#[test]
fn a_rules_change_redoes_every_file_and_dry_run_says_so() {
    let dir = tree();
    let d = dir.path();
    assert_eq!(run(sanitize(d).arg("in/")).0, 0);
    fs::copy(
        root().join("rules-examples/hris-redact-rename.yaml"),
        d.join("rules.yaml"),
    )
    .unwrap();
    let before = (stamps(&d.join("out")), stamps(&d.join("lk")));
    let (code, stdout, stderr) = run(sanitize(d).args(["--dry-run", "in/"]));
    assert_eq!(
        (code, stderr.as_str()),
        (
            0,
            "veil: 4 files: 4 would be sanitized, 0 up to date (dry run: nothing written)\n"
        )
    );
    let mut lines: Vec<&str> = stdout.lines().collect();
    lines.sort_unstable();
    let expected: Vec<String> = CSVS
        .iter()
        .map(|rel| format!("would sanitize in/{rel} (rules changed)"))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!((stamps(&d.join("out")), stamps(&d.join("lk"))), before);

    let (code, _, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "veil: 4 files: 4 sanitized, 0 up to date, 0 failed; {ROWS} rows, "
        )),
        "{stderr}"
    );
    assert_same_as_single_runs(d, &CSVS, &[]);
    let sanitized = fs::read_to_string(d.join("out/hris-latest.csv")).unwrap();
    assert!(sanitized.starts_with("SNAPSHOT,EMPLOYEE_ID,EMPLOYEE_EMAIL,JOIN_DATE,LEAVE_DATE,MANAGER_ID,MANAGER_EMAIL,DEPARTMENT,SUB_DEPARTMENT,JOB_TITLE\n"));
    assert_eq!(run(sanitize(d).arg("in/")).2, nothing_to_do(4));
}

/// One input whose content changed (same size, new bytes) is redone alone; one merely
/// touched (same bytes, new mtime) is skipped, and the run after that has nothing to do.
#[test]
fn one_changed_input_redoes_that_file_alone_and_a_touched_one_is_skipped() {
    let dir = tree();
    let d = dir.path();
    assert_eq!(run(sanitize(d).arg("in/")).0, 0);
    let before = stamps(&d.join("out"));
    // The same rows in reverse order: same size, other bytes.
    let (header, rows) = sample();
    let reversed: String = rows[100..151].iter().rev().map(|r| format!("{r}\n")).collect();
    let changed = format!("{header}\n{reversed}");
    assert_eq!(changed.len(), snapshot(100, 151).len());
    fs::write(d.join("in/hris-latest.csv"), changed).unwrap();
    let touched = fs::File::options()
        .write(true)
        .open(d.join("in/2024/01/hris-2024-01-15.csv"))
        .unwrap();
    touched
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .unwrap();
    drop(touched);

    let (code, _, stderr) = run(sanitize(d).args(["--report", "report.jsonl", "in/"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("veil: 4 files: 1 sanitized, 3 up to date, 0 failed; 51 rows, "),
        "{stderr}"
    );
    let report = report(&d.join("report.jsonl"));
    let expected = BTreeMap::from([
        ("in/2024/01/hris-2024-01-01.csv", ("skipped", None, 0)),
        ("in/2024/01/hris-2024-01-15.csv", ("skipped", None, 0)),
        ("in/2024/02/hris-2024-02-01.csv.gz", ("skipped", None, 0)),
        ("in/hris-latest.csv", ("done", Some("input changed"), 51)),
    ]);
    assert_eq!(outcomes(&report), expected);
    let after = stamps(&d.join("out"));
    for rel in &CSVS[..3] {
        assert_eq!(after[*rel], before[*rel], "{rel} was rewritten");
    }
    assert_ne!(after["hris-latest.csv"].0, before["hris-latest.csv"].0);
    assert_same_as_single_runs(d, &CSVS, &[]);
    assert_eq!(run(sanitize(d).arg("in/")).2, nothing_to_do(4));
}

/// Another salt makes other pseudonyms: every file is redone, with the new salt.
#[test]
fn a_salt_change_redoes_every_file() {
    let dir = tree();
    let d = dir.path();
    assert_eq!(run(sanitize(d).arg("in/")).0, 0);
    let (code, _, stderr) = run(sanitize(d)
        .env("VEIL_SALT", "pepper")
        .args(["--report", "report.jsonl", "in/"]));
    assert_eq!(code, 0, "{stderr}");
    let report = report(&d.join("report.jsonl"));
    let statuses: Vec<_> = outcomes(&report).into_values().collect();
    let expected = [200, 120, 60, 51].map(|rows| ("done", Some("salt or settings changed"), rows));
    assert_eq!(statuses, expected);
    assert_same_as_single_runs(d, &CSVS, &[("VEIL_SALT", "pepper")]);
    let (code, _, stderr) = run(sanitize(d).env("VEIL_SALT", "pepper").arg("in/"));
    assert_eq!((code, stderr), (0, nothing_to_do(4)));
}

/// `--force` redoes every file, up to date or not, and gives the same bytes again.
#[test]
fn force_redoes_every_file() {
    let dir = tree();
    let d = dir.path();
    assert_eq!(run(sanitize(d).arg("in/")).0, 0);
    let before = stamps(&d.join("lk"));
    let (code, _, stderr) = run(sanitize(d).args(["--force", "--report", "report.jsonl", "in/"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "veil: 4 files: 4 sanitized, 0 up to date, 0 failed; {ROWS} rows, "
        )),
        "{stderr}"
    );
    let report = report(&d.join("report.jsonl"));
    assert!(
        outcomes(&report)
            .values()
            .all(|&(status, reason, _)| (status, reason) == ("done", Some("forced"))),
        "{report:?}"
    );
    let after = stamps(&d.join("lk"));
    for rel in CSVS {
        assert_ne!(after[rel].0, before[rel].0, "lk/{rel} was not rewritten");
    }
    assert_same_as_single_runs(d, &CSVS, &[]);
}

/// A bad file among good ones fails alone: nothing written for it (no temp file either), the
/// others done, exit 1, the failure named with its line and without any cell value. The next
/// run tries the bad files again and skips the rest.
#[test]
fn a_bad_file_fails_alone_and_leaves_nothing() {
    let dir = tree_with_bad_files();
    let d = dir.path();
    let (code, stdout, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!((code, stdout.as_str()), (1, ""), "{stderr}");
    for line in [
        "veil: failed: in/2024/01/hris-2024-01-10.csv line 5: record has 13 fields \
         but the header has 12 fields",
        "veil: failed: in/2024/02/unclosed.csv line 4: quoted field starting here is never \
         closed",
        &format!("veil: 6 files: 4 sanitized, 0 up to date, 2 failed; {ROWS} rows, "),
        "veil: 2 of 6 files failed (listed above); nothing was written for them\n",
    ] {
        assert!(stderr.contains(line), "{line}\nnot in:\n{stderr}");
    }
    for value in ["leak.example", "planted", "E9999", "E9998", "EXTRA"] {
        assert!(!stderr.contains(value), "{value} shown:\n{stderr}");
    }
    assert_eq!(files_under(&d.join("out")), listing(&CSVS));
    assert_eq!(files_under(&d.join("lk")), listing(&CSVS));
    assert_same_as_single_runs(d, &CSVS, &[]);
    let manifest: String = files_under(&d.join("out"))
        .iter()
        .filter(|f| f.ends_with(MANIFEST))
        .map(|f| fs::read_to_string(d.join("out").join(f)).unwrap())
        .collect();
    assert!(
        !manifest.contains("unclosed") && !manifest.contains("01-10"),
        "{manifest}"
    );

    let (code, _, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("veil: 6 files: 0 sanitized, 4 up to date, 2 failed; 0 rows, "),
        "{stderr}"
    );
    assert_eq!(files_under(&d.join("out")), listing(&CSVS));
}

/// `--fail-fast` starts no file after a failure: with one job, the files listed after the bad
/// one are not done.
#[test]
fn fail_fast_stops_starting_files_after_a_failure() {
    let dir = tree_with_bad_files();
    let d = dir.path();
    let (code, _, stderr) = run(sanitize(d).args(["--jobs", "1", "--fail-fast", "in/"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("veil: 6 files: 1 sanitized, 0 up to date, 1 failed, 4 not done; 200 rows, "),
        "{stderr}"
    );
    assert!(
        stderr.contains("veil: failed: in/2024/01/hris-2024-01-10.csv line 5: "),
        "{stderr}"
    );
    assert!(!stderr.contains("unclosed"), "{stderr}");
    assert_eq!(files_under(&d.join("out")), listing(&[CSVS[0]]));
    assert_eq!(files_under(&d.join("lk")), listing(&[CSVS[0]]));
    assert_same_as_single_runs(d, &CSVS[..1], &[]);
}

/// `--report FILE` holds one JSON line per file (input, outputs, status, rows, seconds,
/// error), replaced by the next run.
#[test]
fn report_has_one_json_line_per_file() {
    let dir = tree_with_bad_files();
    let d = dir.path();
    let (code, _, stderr) = run(sanitize(d).args(["--jobs", "2", "--report", "report.jsonl", "in/"]));
    assert_eq!(code, 1, "{stderr}");
    let first = report(&d.join("report.jsonl"));
    assert_eq!(fs::read_to_string(d.join("report.jsonl")).unwrap().lines().count(), 6);
    let rows = BTreeMap::from([
        ("2024/01/hris-2024-01-01.csv", 200),
        ("2024/01/hris-2024-01-10.csv", 0),
        ("2024/01/hris-2024-01-15.csv", 120),
        ("2024/02/hris-2024-02-01.csv.gz", 60),
        ("2024/02/unclosed.csv", 0),
        ("hris-latest.csv", 51),
    ]);
    for (rel, rows) in &rows {
        let line = &first[&format!("in/{rel}")];
        assert_eq!(
            line["outputs"],
            serde_json::json!([format!("out/{rel}"), format!("lk/{rel}")])
        );
        assert_eq!(line["rows"], *rows, "{line}");
        assert!(line["seconds"].as_f64().is_some_and(|s| s >= 0.0), "{line}");
        if rel.contains("01-10") || rel.contains("unclosed") {
            assert_eq!(line["status"], "failed", "{line}");
            let error = line["error"].as_str().unwrap();
            assert!(error.starts_with(&format!("in/{rel} line ")), "{error}");
            assert!(!error.contains("leak.example"), "{error}");
        } else {
            assert_eq!(line["status"], "done", "{line}");
            assert!(line["error"].is_null(), "{line}");
        }
    }

    let (code, _, _) = run(sanitize(d).args(["--report", "report.jsonl", "in/"]));
    assert_eq!(code, 1);
    let second = report(&d.join("report.jsonl"));
    let statuses: BTreeMap<&str, (&str, u64)> = outcomes(&second)
        .into_iter()
        .map(|(input, (status, _, rows))| (input, (status, rows)))
        .collect();
    assert_eq!(
        statuses,
        BTreeMap::from([
            ("in/2024/01/hris-2024-01-01.csv", ("skipped", 0)),
            ("in/2024/01/hris-2024-01-10.csv", ("failed", 0)),
            ("in/2024/01/hris-2024-01-15.csv", ("skipped", 0)),
            ("in/2024/02/hris-2024-02-01.csv.gz", ("skipped", 0)),
            ("in/2024/02/unclosed.csv", ("failed", 0)),
            ("in/hris-latest.csv", ("skipped", 0)),
        ])
    );
}

/// SIGINT while the second of three files is being sanitized: exit 130, only complete
/// outputs and no temp files; the next run does the rest, the one after has nothing to do.
/// Should the run end before the signal lands, the same outputs must hold.
#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_run_leaves_only_complete_outputs_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(root().join("rules-examples/hris-default.yaml"), d.join("rules.yaml")).unwrap();
    fs::create_dir(d.join("in")).unwrap();
    // Large enough to be mid-file when the signal lands (a release build is ~20x faster).
    let rows = if cfg!(debug_assertions) { "20000" } else { "200000" };
    let names = ["gen-1.csv", "gen-2.csv", "gen-3.csv"];
    for (seed, name) in names.iter().enumerate() {
        let (code, _, err) = run(veil(d)
            .args(["generate", "--rows", rows, "--seed", &seed.to_string(), "-o"])
            .arg(format!("in/{name}")));
        assert_eq!(code, 0, "{err}");
    }

    let mut child = sanitize(d)
        .args(["--jobs", "1", "in/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = d.join("out/gen-1.csv");
    let deadline = Instant::now() + Duration::from_secs(600);
    while child.try_wait().unwrap().is_none() {
        if first.exists() {
            let pid = libc::pid_t::try_from(child.id()).unwrap();
            // SAFETY: sends a signal to our child, not yet reaped, so the pid is still its own.
            assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("veil neither wrote its first output nor ended");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = child.wait_with_output().unwrap();
    let code = output.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);

    let present: Vec<String> = files_under(&d.join("out"))
        .into_iter()
        .filter(|f| !f.ends_with(MANIFEST))
        .collect();
    assert_eq!(
        listing(&present.iter().map(String::as_str).collect::<Vec<_>>()),
        files_under(&d.join("out"))
    );
    assert_eq!(
        files_under(&d.join("lk")),
        files_under(&d.join("out")),
        "one output of a file without the other"
    );
    for f in &present {
        assert!(names.contains(&f.as_str()), "unexpected file {f} (a temp file left?)");
    }
    match code {
        130 => {
            assert!(
                stderr.contains(
                    "veil: interrupted: only complete outputs were written; run the same command again to finish"
                ),
                "{stderr}"
            );
            assert!(present.len() < names.len(), "interrupted, yet every file is done");
        }
        0 => assert_eq!(present.len(), names.len()),
        _ => panic!("exit {code}: {stderr}"),
    }
    assert!(present.iter().any(|f| f == "gen-1.csv"));
    let present: Vec<&str> = present.iter().map(String::as_str).collect();
    assert_same_as_single_runs(d, &present, &[]);

    let (code, _, stderr) = run(sanitize(d).args(["--report", "report.jsonl", "in/"]));
    assert_eq!(code, 0, "{stderr}");
    let expected: BTreeMap<String, &str> = names
        .iter()
        .map(|n| {
            let status = if present.contains(n) { "skipped" } else { "done" };
            (format!("in/{n}"), status)
        })
        .collect();
    let report = report(&d.join("report.jsonl"));
    let statuses: BTreeMap<String, &str> = outcomes(&report)
        .into_iter()
        .map(|(input, (status, _, _))| (input.to_owned(), status))
        .collect();
    assert_eq!(statuses, expected);
    assert_eq!(files_under(&d.join("out")), listing(&names));
    assert_eq!(files_under(&d.join("lk")), listing(&names));
    let redone: Vec<&str> = names.into_iter().filter(|n| !present.contains(n)).collect();
    assert_same_as_single_runs(d, &redone, &[]);
    assert_eq!(run(sanitize(d).arg("in/")).2, nothing_to_do(3));
}

/// MultiType `fileRules` pick each file's rules by its path under the input folder: two
/// folders get different rules, a file no template matches fails, named.
#[test]
fn multi_type_rules_route_files_by_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("rules.yaml"),
        "fileRules:\n  /hris/{date}.csv:\n    columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, \
         MANAGER_EMAIL]\n    columnsToRedact: [SALARY]\n  /badge/{date}.csv:\n    pseudonymFormat: URL_SAFE_TOKEN\n    \
         columnsToPseudonymize: [EMPLOYEE_ID]\n",
    );
    write(&d.join("in/hris/2024-01-01.csv"), snapshot(0, 30));
    let badge = "EMPLOYEE_ID,SWIPE_DATE,BUILDING_ID\nE0001,2024-01-01,HQ\nE0002,2024-01-01,B2\n";
    write(&d.join("in/badge/2024-01-01.csv"), badge);
    write(&d.join("in/other/2024-01-01.csv"), badge);
    let (code, _, stderr) = run(sanitize(d).arg("in/"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "veil: failed: in/other/2024-01-01.csv: no fileRules template matches `other/2024-01-01.csv` \
             (templates: /hris/{date}.csv, /badge/{date}.csv) (rules of out/)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("veil: 3 files: 2 sanitized, 0 up to date, 1 failed; 32 rows, "),
        "{stderr}"
    );
    let routed = ["badge/2024-01-01.csv", "hris/2024-01-01.csv"];
    assert_eq!(files_under(&d.join("out")), listing(&routed));
    assert_eq!(files_under(&d.join("lk")), listing(&routed));
    assert_same_as_single_runs(d, &routed, &[]);
    let hris = fs::read_to_string(d.join("out/hris/2024-01-01.csv")).unwrap();
    assert!(hris.starts_with("SNAPSHOT,EMPLOYEE_ID,EMPLOYEE_EMAIL,JOIN_DATE,LEAVE_DATE,MANAGER_ID,MANAGER_EMAIL,DEPARTMENT,TEAM,LOCATION,ROLE\n"), "{hris}");
    assert!(hris.contains(r#","{""hash"":""#), "JSON pseudonyms: {hris}");
    let badge = fs::read_to_string(d.join("out/badge/2024-01-01.csv")).unwrap();
    assert!(
        badge
            .lines()
            .skip(1)
            .all(|l| l.starts_with("t~") && (l.ends_with(",2024-01-01,HQ") || l.ends_with(",2024-01-01,B2"))),
        "URL_SAFE_TOKEN pseudonyms: {badge}"
    );
}

/// Outputs a folder run cannot use are refused before anything is written (exit 2): a file,
/// a folder inside the input, one folder for two outputs, or folder options on a file.
#[test]
fn unusable_outputs_are_usage_errors() {
    let dir = tree();
    let d = dir.path();
    fs::write(d.join("taken.csv"), "a\n").unwrap();
    let refused = |args: &[&str], message: &str| {
        let (code, stdout, stderr) = run(veil(d).args(["sanitize", "--rules", "rules.yaml"]).args(args));
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (2, "", format!("veil: error: {message}\n").as_str()),
            "{args:?}"
        );
    };
    refused(
        &["-o", "taken.csv", "in/"],
        "-o `taken.csv` must be a folder or prefix ending in `/` when INPUT is a folder: its outputs keep each \
         input's relative path",
    );
    refused(
        &["-o", "out/", "--lookup", "taken.csv", "in"],
        "--lookup `taken.csv` must be a folder or prefix ending in `/` when INPUT is a folder: its outputs keep \
         each input's relative path",
    );
    refused(
        &["-o", "in/2024/sanitized/", "in/"],
        "output `in/2024/sanitized/` is inside the input `in/`: its files would be read as inputs",
    );
    refused(
        &["-o", "out/", "--lookup", "./out/", "in/"],
        "outputs `out/` and `./out/` overlap: give each output its own folder or prefix, neither inside the other",
    );
    refused(
        &["-o", "out/", "--lookup", "out/lookup/", "in/"],
        "outputs `out/` and `out/lookup/` overlap: give each output its own folder or prefix, neither inside the \
         other",
    );
    refused(
        &["--force", "-o", "out.csv", "in/hris-latest.csv"],
        "--force is for folder and prefix runs: give a folder, or a location ending in `/`",
    );
    assert_eq!(files_under(&d.join("out")), Vec::<String>::new());
    assert!(!d.join("out").exists() && !d.join("in/2024/sanitized").exists());
}

/// The same runs on S3 prefixes (moto): provenance in object metadata.
#[cfg(feature = "aws")]
mod on_s3 {
    use std::io::Read;

    use super::*;
    use crate::common::moto::moto;

    /// The bytes, decompressed when gzip (as `Moto::get` returns a body).
    fn gunzip(bytes: Vec<u8>) -> Vec<u8> {
        if !bytes.starts_with(&[0x1f, 0x8b]) {
            return bytes;
        }
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
        out
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `prefix/REL` for each of `rels`, sorted.
    fn keys(prefixes: &[&str], rels: &[&str]) -> Vec<String> {
        let mut keys: Vec<String> = prefixes
            .iter()
            .flat_map(|p| rels.iter().map(move |r| format!("{p}{r}")))
            .collect();
        keys.sort();
        keys
    }

    /// Prefix to prefix: the first run does all (objects with `veil-*` metadata, bodies as
    /// single-file runs give), the second nothing; a changed object is redone alone and a bad
    /// one fails alone, leaving no object and no open upload.
    #[test]
    fn prefix_to_prefix_reruns_and_a_bad_object_fails_alone() {
        let m = moto();
        let (src, dst) = (m.bucket("folder-in"), m.bucket("folder-out"));
        let dir = tree();
        let d = dir.path();
        for (rel, bytes) in inputs() {
            m.put(&src, &format!("exports/{rel}"), bytes);
        }
        m.put(&src, "exports/2024/notes.txt", b"not a csv\n".to_vec());
        m.put(&src, "elsewhere/hris.csv", snapshot(0, 5).into_bytes());
        let sanitize = |report: &str| {
            let mut cmd = m.veil(d);
            cmd.args(["sanitize", "--rules", "rules.yaml", "-o"])
                .arg(format!("s3://{dst}/sanitized/"))
                .arg("--lookup")
                .arg(format!("s3://{dst}/lookup/"))
                .args(["--report", report])
                .arg(format!("s3://{src}/exports/"));
            run(&mut cmd)
        };

        let (code, stdout, stderr) = sanitize("1.jsonl");
        assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
        assert!(
            stderr.starts_with(&format!(
                "veil: 4 files: 4 sanitized, 0 up to date, 0 failed; {ROWS} rows, "
            )),
            "{stderr}"
        );
        let expected_keys = keys(&["sanitized/", "lookup/"], &CSVS);
        assert_eq!(m.keys(&dst), expected_keys);
        let rules_sha = sha256_hex(&fs::read(d.join("rules.yaml")).unwrap());
        for rel in CSVS {
            let (sanitized, lookup) = single(d, rel, &[]);
            let (body, _, _, meta) = m.get(&dst, &format!("sanitized/{rel}"));
            assert!(
                body == gunzip(sanitized),
                "sanitized/{rel} differs from a single-file run"
            );
            let input = format!("s3://{src}/exports/{rel}");
            assert_eq!(meta.get("veil-input"), Some(&input), "{meta:?}");
            assert_eq!(meta.get("veil-rules-sha256"), Some(&rules_sha), "{meta:?}");
            for key in ["veil-input-etag", "veil-settings-sha256"] {
                assert!(meta.get(key).is_some_and(|v| !v.is_empty()), "{key}: {meta:?}");
            }
            let (body, _, _, meta) = m.get(&dst, &format!("lookup/{rel}"));
            assert!(body == gunzip(lookup), "lookup/{rel} differs from a single-file run");
            assert_eq!(meta.get("veil-input"), Some(&input), "{meta:?}");
        }

        let (code, stdout, stderr) = sanitize("2.jsonl");
        assert_eq!((code, stdout.as_str(), stderr), (0, "", nothing_to_do(4)));

        let (header, rows) = sample();
        let changed: String = rows[100..151].iter().rev().map(|r| format!("\n{r}")).collect();
        let changed = format!("{header}{changed}\n");
        fs::write(d.join("in/hris-latest.csv"), &changed).unwrap();
        m.put(&src, "exports/hris-latest.csv", changed.into_bytes());
        let bad = snapshot(0, 2) + "2024-06-30,E9999,planted.secret@leak.example,x,,,,Sales,Field,Remote,Rep,1,EXTRA\n";
        m.put(&src, "exports/2024/03/bad.csv", bad.into_bytes());
        let (code, _, stderr) = sanitize("3.jsonl");
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "veil: failed: s3://{src}/exports/2024/03/bad.csv line 4: record \
                 has 13 fields"
            )),
            "{stderr}"
        );
        assert!(
            !stderr.contains("leak.example") && !stderr.contains("E9999"),
            "{stderr}"
        );
        let report = report(&d.join("3.jsonl"));
        let statuses: BTreeMap<&str, (&str, Option<&str>)> = outcomes(&report)
            .into_iter()
            .map(|(input, (status, reason, _))| {
                (
                    input.strip_prefix(&format!("s3://{src}/exports/")).unwrap(),
                    (status, reason),
                )
            })
            .collect();
        assert_eq!(
            statuses,
            BTreeMap::from([
                ("2024/01/hris-2024-01-01.csv", ("skipped", None)),
                ("2024/01/hris-2024-01-15.csv", ("skipped", None)),
                ("2024/02/hris-2024-02-01.csv.gz", ("skipped", None)),
                ("2024/03/bad.csv", ("failed", Some("new"))),
                ("hris-latest.csv", ("done", Some("input changed"))),
            ])
        );
        assert_eq!(m.keys(&dst), expected_keys);
        assert_eq!(m.open_uploads(&dst), 0);
        let (sanitized, _) = single(d, "hris-latest.csv", &[]);
        assert!(m.get(&dst, "sanitized/hris-latest.csv").0 == sanitized);
    }

    /// A local folder to S3 prefixes (the input's SHA-256 recorded), and an S3 prefix to local
    /// folders; each re-run has nothing to do.
    #[test]
    fn local_folder_to_prefix_and_prefix_to_local_folder() {
        let m = moto();
        let b = m.bucket("folder-mixed");
        let dir = tree();
        let d = dir.path();
        let to_s3 = || {
            let mut cmd = m.veil(d);
            cmd.args(["sanitize", "--rules", "rules.yaml", "-o"])
                .arg(format!("s3://{b}/sanitized/"))
                .arg("--lookup")
                .arg(format!("s3://{b}/lookup/"))
                .arg("in/");
            run(&mut cmd)
        };
        let (code, _, stderr) = to_s3();
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(m.keys(&b), keys(&["sanitized/", "lookup/"], &CSVS));
        for (rel, bytes) in inputs() {
            let (sanitized, lookup) = single(d, rel, &[]);
            let (body, _, _, meta) = m.get(&b, &format!("sanitized/{rel}"));
            assert!(
                body == gunzip(sanitized),
                "sanitized/{rel} differs from a single-file run"
            );
            assert_eq!(meta.get("veil-input"), Some(&format!("in/{rel}")), "{meta:?}");
            assert_eq!(meta.get("veil-input-sha256"), Some(&sha256_hex(&bytes)), "{meta:?}");
            assert!(m.get(&b, &format!("lookup/{rel}")).0 == gunzip(lookup));
        }
        assert_eq!(to_s3().2, nothing_to_do(4));

        for (rel, bytes) in inputs() {
            m.put(&b, &format!("raw/{rel}"), bytes);
        }
        let from_s3 = || {
            let mut cmd = m.veil(d);
            cmd.args(["sanitize", "--rules", "rules.yaml", "-o", "out/", "--lookup", "lk/"])
                .arg(format!("s3://{b}/raw/"));
            run(&mut cmd)
        };
        let (code, _, stderr) = from_s3();
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(files_under(&d.join("out")), listing(&CSVS));
        assert_eq!(files_under(&d.join("lk")), listing(&CSVS));
        assert_same_as_single_runs(d, &CSVS, &[]);
        assert_eq!(from_s3().2, nothing_to_do(4));
    }
}
