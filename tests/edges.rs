//! The edges of the file system, tried as an attacker and as a new user would: outputs that
//! alias each other or an input (however spelled), special files, folders as destinations,
//! crashes and concurrent runs, re-runs over outputs changed behind veil's back, a strange
//! input tree, stdout closed early. Each repro of the edges issue is a test here.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{FileTypeExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{root, run, veil};

/// A folder with the sample as `a.csv` and the default HRIS rules as `hr.yaml`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join("testdata/hris-sample.csv"), dir.path().join("a.csv")).unwrap();
    fs::copy(
        root().join("rules-examples/hris-default.yaml"),
        dir.path().join("hr.yaml"),
    )
    .unwrap();
    dir
}

fn sanitize(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(veil(dir).args(["sanitize", "--quiet", "--rules", "hr.yaml"]).args(args))
}

/// Names in `dir`, sorted (hidden ones too).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The first original id of the sample, which must never appear in a sanitized copy.
const ORIGINAL: &str = "E0001";

fn mknod(path: &Path, major: u32, minor: u32) -> bool {
    Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

#[test]
fn a_lookup_named_like_the_sanitized_copy_is_refused_before_anything_exists() {
    let dir = setup();
    let d = dir.path();
    let (code, stdout, stderr) = sanitize(d, &["-o", "s.csv", "--lookup", "./s.csv", "a.csv"]);
    assert_eq!((code, stdout.as_str()), (2, ""), "{stderr}");
    assert_eq!(
        stderr,
        "veil: error: `s.csv` and `./s.csv` are the same destination: one output would replace the other (a lookup \
         table over a sanitized copy publishes every original); give each its own path\n"
    );
    assert_eq!(names(d), ["a.csv", "hr.yaml"]);
    // An absolute spelling of a file in a folder not made yet.
    let absolute = d.join("out/today.csv");
    let (code, _, stderr) = sanitize(
        d,
        &["-o", "out/today.csv", "--lookup", absolute.to_str().unwrap(), "a.csv"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("are the same destination"), "{stderr}");
    assert!(!d.join("out").exists());
    // A lookup folder that is a symlink to the output folder.
    fs::create_dir(d.join("out")).unwrap();
    symlink("out", d.join("lk")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "out/today.csv", "--lookup", "lk/today.csv", "a.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`out/today.csv` and `lk/today.csv` are the same destination"),
        "{stderr}"
    );
    assert_eq!(names(&d.join("out")), Vec::<String>::new());
}

#[test]
fn a_folder_run_into_a_symlink_of_its_output_folder_is_refused_on_the_first_day() {
    let dir = setup();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    fs::rename(d.join("a.csv"), d.join("in/s1.csv")).unwrap();
    symlink("out", d.join("lkl")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "--lookup", "lkl/", "in/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outputs `out/` and `lkl/` overlap"), "{stderr}");
    assert!(!d.join("out").exists());
}

#[test]
fn stdin_redirected_from_the_output_is_refused() {
    let dir = setup();
    let d = dir.path();
    let before = fs::read(d.join("a.csv")).unwrap();
    let (code, _, stderr) = run(veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "-o", "a.csv", "-"])
        .stdin(fs::File::open(d.join("a.csv")).unwrap()));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        "veil: error: output `a.csv` is the input `-`: writing it would destroy what is being read\n"
    );
    assert_eq!(fs::read(d.join("a.csv")).unwrap(), before);
    // The same file under another name (a hard link) as the input.
    fs::hard_link(d.join("a.csv"), d.join("b.csv")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "b.csv", "a.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(fs::read(d.join("a.csv")).unwrap(), before);
    // A lookup table onto the file stdout is redirected to.
    let (code, _, stderr) = run(veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "--lookup", "c.csv", "a.csv"])
        .stdout(fs::File::create(d.join("c.csv")).unwrap()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`-` and `c.csv` are the same destination"), "{stderr}");
}

#[test]
fn a_symlink_output_is_written_at_its_target_and_stays_a_link() {
    let dir = setup();
    let d = dir.path();
    fs::write(d.join("real.csv"), "old\n").unwrap();
    symlink("real.csv", d.join("link.csv")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "link.csv", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::symlink_metadata(d.join("link.csv"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = fs::read_to_string(d.join("real.csv")).unwrap();
    assert!(written.starts_with("SNAPSHOT,EMPLOYEE_ID,"), "{written}");
    assert!(!written.contains(ORIGINAL));
    // A link to nothing is refused, as cp refuses it.
    symlink("nowhere.csv", d.join("dangling.csv")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "dangling.csv", "a.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("dangling.csv is a symlink to a file that does not exist"),
        "{stderr}"
    );
    assert!(!d.join("nowhere.csv").exists());
}

#[test]
fn a_fifo_output_is_written_through_to_its_reader() {
    let dir = setup();
    let d = dir.path();
    mkfifo(&d.join("pipe.csv"));
    let reader = {
        let fifo = d.join("pipe.csv");
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let (code, _, stderr) = sanitize(d, &["-o", "pipe.csv", "--lookup", "lk.csv", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    let got = reader.join().unwrap();
    assert_eq!(got.lines().count(), 201, "the reader got the whole sanitized copy");
    assert!(fs::metadata(d.join("pipe.csv")).unwrap().file_type().is_fifo());
    assert!(
        fs::read_to_string(d.join("lk.csv"))
            .unwrap()
            .starts_with("EMPLOYEE_ID,EMPLOYEE_ID_ORIG\n")
    );
}

#[test]
fn devices_are_written_through_and_a_full_one_publishes_nothing() {
    let dir = setup();
    let d = dir.path();
    if !mknod(&d.join("null"), 1, 3) || !mknod(&d.join("full"), 1, 7) {
        eprintln!("skipped: mknod is not permitted here (devices need root)");
        return;
    }
    let (code, _, stderr) = sanitize(d, &["-o", "null", "--lookup", "lk.csv", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(fs::metadata(d.join("null")).unwrap().file_type().is_char_device());
    assert!(names(d).iter().all(|n| !n.ends_with(".veil-tmp")), "{:?}", names(d));
    let (code, _, stderr) = sanitize(d, &["-o", "o.csv", "--lookup", "full", "a.csv"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("writing full"), "{stderr}");
    assert!(!d.join("o.csv").exists(), "nothing published when one output fails");
    assert!(fs::metadata(d.join("full")).unwrap().file_type().is_char_device());
    assert_eq!(names(d), ["a.csv", "full", "hr.yaml", "lk.csv", "null"]);
}

#[test]
fn a_socket_output_is_refused_before_anything_is_read() {
    let dir = setup();
    let d = dir.path();
    let _listener = std::os::unix::net::UnixListener::bind(d.join("sock.csv")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "o.csv", "--lookup", "sock.csv", "a.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        "veil: error: sock.csv is a socket; veil writes files, character devices and FIFOs\n"
    );
    assert!(!d.join("o.csv").exists());
}

#[test]
fn a_folder_as_destination_means_the_input_name_in_it() {
    let dir = setup();
    let d = dir.path();
    fs::create_dir(d.join("lk")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "o.csv", "--lookup", "lk", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::read_to_string(d.join("lk/a.csv"))
            .unwrap()
            .starts_with("EMPLOYEE_ID,EMPLOYEE_ID_ORIG\n")
    );
    // A folder not made yet, spelled with `/`, is made.
    let (code, _, stderr) = sanitize(d, &["-o", "new/day/", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::read_to_string(d.join("new/day/a.csv"))
            .unwrap()
            .starts_with("SNAPSHOT,")
    );
    // stdin has no name to give a file in a folder.
    let (code, _, stderr) = run(veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "-o", "lk/", "-"])
        .stdin(fs::File::open(d.join("a.csv")).unwrap()));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("lk/ is a folder, and the input has no file name"),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_destination_publishes_no_output() {
    let dir = setup();
    let d = dir.path();
    fs::write(d.join("file"), "x").unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "o.csv", "--lookup", "file/lk.csv", "a.csv"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("file/lk.csv"), "{stderr}");
    assert_eq!(names(d), ["a.csv", "file", "hr.yaml"]);
}

#[test]
fn a_report_onto_an_input_or_an_output_is_refused() {
    let dir = setup();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    fs::rename(d.join("a.csv"), d.join("in/s1.csv")).unwrap();
    let before = fs::read(d.join("in/s1.csv")).unwrap();
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "--report", "in/s1.csv", "in/"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        "veil: error: output `in/s1.csv` is the input `in/s1.csv`: writing it would destroy what is being read\n"
    );
    assert_eq!(fs::read(d.join("in/s1.csv")).unwrap(), before);
    // Not there yet, but it would be listed as an input by the next run.
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "--report", "in/report.csv", "in/"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "--report", "out/s1.csv", "in/"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`out/s1.csv` and `out/s1.csv` are the same destination"),
        "{stderr}"
    );
    assert!(!d.join("out/s1.csv").exists());
    // A report beside the outputs, under another name, is fine.
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "--report", "out/report.jsonl", "in/"]);
    assert_eq!(code, 0, "{stderr}");
    let report = fs::read_to_string(d.join("out/report.jsonl")).unwrap();
    assert_eq!(report.lines().count(), 1, "{report}");
}

#[test]
fn the_lambda_like_case_two_outputs_on_one_object_is_refused_in_a_job() {
    // The CLI twin of an ADDITIONAL_TRANSFORMS entry equal to the sanitized copy: one job,
    // two destinations that are one.
    let dir = setup();
    let d = dir.path();
    let (code, _, stderr) = sanitize(d, &["-o", "x/../o.csv", "--lookup", "o.csv", "a.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!d.join("o.csv").exists());
}

/// Waits until `cond` holds, or panics after `secs`.
fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn temps(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| n.ends_with(".veil-tmp")).collect()
}

#[test]
fn a_killed_run_leaves_temps_that_the_next_run_into_the_folder_removes() {
    let dir = setup();
    let d = dir.path();
    let (code, _, stderr) = run(veil(d).args(["generate", "--rows", "1000000", "-o", "big.csv"]));
    assert_eq!(code, 0, "{stderr}");
    fs::create_dir(d.join("out")).unwrap();
    let mut child = veil(d)
        .args([
            "sanitize",
            "--quiet",
            "--rules",
            "hr.yaml",
            "-o",
            "out/s.csv",
            "--lookup",
            "out/l.csv",
            "big.csv",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(120, "both temp files", || temps(&d.join("out")).len() == 2);
    child.kill().unwrap(); // SIGKILL: nothing can clean up
    child.wait().unwrap();
    let left = temps(&d.join("out"));
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|t| t.starts_with(".s.csv.")) && left.iter().any(|t| t.starts_with(".l.csv.")));
    // Another single-file run into that folder removes them, and keeps its own output.
    let (code, _, stderr) = sanitize(d, &["-o", "out/small.csv", "a.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(names(&d.join("out")), ["small.csv"]);
}

#[test]
fn generate_removes_its_temp_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let child = veil(d)
        .args(["generate", "--rows", "100000000", "-o", "g.csv"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(60, "the temp file", || temps(d).len() == 1);
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: our child, not yet reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(names(d), Vec::<String>::new());
}

/// `count` inputs of the sample's first `rows` rows in `dir/in/`.
fn many_inputs(dir: &Path, count: usize, rows: usize) {
    let sample = fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    let text: String = sample.lines().take(rows + 1).map(|l| format!("{l}\n")).collect();
    fs::create_dir_all(dir.join("in")).unwrap();
    for i in 0..count {
        fs::write(dir.join(format!("in/s{i:05}.csv")), &text).unwrap();
    }
}

#[test]
fn a_second_folder_run_into_the_same_output_folder_is_refused_naming_the_first() {
    let dir = setup();
    let d = dir.path();
    many_inputs(d, 60, 200);
    // The first run holds its lock while it waits for a reader of its report, a FIFO.
    mkfifo(&d.join("report.fifo"));
    let first = veil(d)
        .args([
            "sanitize",
            "--quiet",
            "--rules",
            "hr.yaml",
            "--report",
            "report.fifo",
            "-o",
            "out/",
            "in/",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(60, "the first run's lock", || d.join("out/.veil-lock").exists());
    let pid = first.id();
    let (code, _, stderr) = sanitize(d, &["-o", "./out/", "in/"]);
    let report = fs::read_to_string(d.join("report.fifo")).unwrap();
    let finished = first.wait_with_output().unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        format!("veil: error: another veil run (pid {pid}) is writing to ./out/\n")
    );
    assert_eq!(
        finished.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&finished.stderr)
    );
    assert_eq!(report.lines().count(), 60, "{report}");
    assert_eq!(
        names(&d.join("out")).len(),
        60 + 2,
        "every file, the manifest and the lock"
    );
    // Once the first has ended, the folder is free again.
    let (code, _, stderr) = sanitize(d, &["-o", "out/", "in/"]);
    assert_eq!(code, 0, "{stderr}");
}

/// A folder run of `in/` into `out/` and `lk/`, with `args` added; returns (code, stderr).
fn folder_run(d: &Path, args: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = run(veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "-o", "out/", "--lookup", "lk/"])
        .args(args)
        .arg("in/"));
    assert_eq!(stdout, "");
    (code, stderr)
}

#[test]
fn outputs_changed_behind_veils_back_are_made_again() {
    let dir = setup();
    let d = dir.path();
    many_inputs(d, 4, 20);
    let (code, stderr) = folder_run(d, &[]);
    assert_eq!(code, 0, "{stderr}");
    let good = fs::read(d.join("out/s00000.csv")).unwrap();
    // Replaced by clear text, truncated, overwritten by a lookup table.
    fs::copy(d.join("in/s00000.csv"), d.join("out/s00000.csv")).unwrap();
    fs::write(d.join("out/s00001.csv"), "").unwrap();
    fs::copy(d.join("lk/s00002.csv"), d.join("out/s00002.csv")).unwrap();
    let (code, stdout, _) = run(veil(d).args([
        "sanitize",
        "--rules",
        "hr.yaml",
        "-o",
        "out/",
        "--lookup",
        "lk/",
        "--dry-run",
        "in/",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "would sanitize in/s00000.csv (output changed)\nwould sanitize in/s00001.csv (output changed)\n\
         would sanitize in/s00002.csv (output changed)\n"
    );
    let (code, stderr) = folder_run(d, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("4 files: 3 sanitized, 1 up to date, 0 failed"),
        "{stderr}"
    );
    assert_eq!(fs::read(d.join("out/s00000.csv")).unwrap(), good);
    // Same size and time, other bytes: only --verify sees it.
    let path = d.join("out/s00003.csv");
    let meta = fs::metadata(&path).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.len() - 5;
    bytes[at] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(meta.modified().unwrap())
        .unwrap();
    let (_, stderr) = folder_run(d, &[]);
    assert!(stderr.contains("nothing to do: all 4 files are up to date"), "{stderr}");
    let (code, stderr) = folder_run(d, &["--verify"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("4 files: 1 sanitized, 3 up to date, 0 failed"),
        "{stderr}"
    );
}

#[test]
fn a_stricter_policy_checks_again_and_recorded_findings_are_shown() {
    let dir = setup();
    let d = dir.path();
    fs::create_dir(d.join("in")).unwrap();
    let (code, _, stderr) = run(veil(d).args(["generate", "--rows", "50", "--plant-pii", "-o", "in/p.csv"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = folder_run(d, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("personal data in columns"), "{stderr}");
    // Up to date: the findings of the run that made it are shown again, briefly.
    let (code, stderr) = folder_run(d, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("veil: out/p.csv: up to date, recorded: "), "{stderr}");
    assert!(stderr.contains("email in NOTES (10 cells)"), "{stderr}");
    // A stricter guard re-checks it (and refuses it), where it used to say "up to date".
    let (code, stderr) = folder_run(d, &["--pii-guard", "fail"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("1 files: 0 sanitized, 0 up to date, 1 failed"),
        "{stderr}"
    );
    let (code, stdout, _) = run(veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "-o", "out/", "--lookup", "lk/"])
        .args(["--pii-allow", "NOTES:email", "--strict-columns", "--dry-run", "in/"]));
    assert_eq!(code, 0);
    assert_eq!(stdout, "would sanitize in/p.csv (stricter checks)\n");
}

#[test]
fn strange_entries_under_the_input_are_skipped_and_named_and_the_rest_is_done() {
    let dir = setup();
    let d = dir.path();
    many_inputs(d, 2, 10);
    let input = d.join("in");
    symlink("nowhere.csv", input.join("dangling.csv")).unwrap();
    symlink("loop.csv", input.join("loop.csv")).unwrap();
    mkfifo(&input.join("fifo.csv"));
    let zero = mknod(&input.join("zero.csv"), 1, 5);
    fs::write(
        input.join("bad\nveil: 9 files: 9 sanitized.csv"),
        fs::read(input.join("s00000.csv")).unwrap(),
    )
    .unwrap();
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.csv");
        fs::write(input.join(name), "x\n").unwrap();
    }
    let (code, stderr) = folder_run(d, &[]);
    assert_eq!(code, 1, "the file whose name is not UTF-8 fails alone: {stderr}");
    assert!(
        stderr.contains("veil: skipped in/dangling.csv: is a symlink to nothing\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("veil: skipped in/loop.csv: is a symlink loop\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("veil: skipped in/fifo.csv: is a FIFO, not a file\n"),
        "{stderr}"
    );
    if zero {
        assert!(
            stderr.contains("veil: skipped in/zero.csv: is a device, not a file\n"),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("veil: failed: in/caf\u{fffd}.csv: the file name is not valid UTF-8: rename it"),
        "{stderr}"
    );
    assert!(
        !stderr.lines().any(|l| l.starts_with("veil: 9 files")),
        "a name forged a line: {stderr}"
    );
    assert!(
        stderr.contains("4 files: 3 sanitized, 0 up to date, 1 failed"),
        "{stderr}"
    );
    assert!(d.join("out/bad\nveil: 9 files: 9 sanitized.csv").exists());
}

#[test]
fn dry_run_into_a_closed_pipe_exits_0() {
    let dir = setup();
    let d = dir.path();
    many_inputs(d, 2000, 2);
    let mut child = veil(d)
        .args(["sanitize", "--rules", "hr.yaml", "-o", "out/", "--dry-run", "in/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("would sanitize in/s"), "{first}");
    // The reader is gone (as with `| head -1`).
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Every command: check and hash too.
    for args in [
        vec!["check", "--rules", "hr.yaml", "a.csv"],
        vec!["hash", "a", "b", "c"],
        vec!["generate", "--rows", "100000"],
    ] {
        let mut child = veil(d)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::io::stdout().flush();
}
