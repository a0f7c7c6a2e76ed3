//! `veil sanitize FOLDER/`: every file under a folder or prefix, with a progress bar over
//! files and bytes, a JSON-lines report and a summary.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use veil::{ColumnarRules, Event, FileOutcome, Folder, FolderOutput, FolderSummary, JobContext, Rules, Status};

use super::{SanitizeArgs, cloud_for, interrupt, load_all, pseudonymizer, shuffle_seed, usage};

/// True when `input` names a folder or prefix: it ends with `/`, or is a local directory.
pub fn is_folder(input: &str) -> bool {
    input.ends_with('/') || (!veil::is_s3(input) && input != "-" && Path::new(input).is_dir())
}

/// The outputs of a folder run must be folders or prefixes too.
fn check_output(flag: &str, location: &str) -> anyhow::Result<()> {
    if location == "-" {
        return Err(usage(format!(
            "a folder run needs {flag} FOLDER/ (or s3://bucket/prefix/): its outputs keep each input's relative path"
        )));
    }
    let local_file = !veil::is_s3(location) && Path::new(location).is_file();
    if local_file || !(location.ends_with('/') || Path::new(location).is_dir()) {
        return Err(usage(format!(
            "{flag} `{location}` must be a folder or prefix ending in `/` when INPUT is a folder"
        )));
    }
    Ok(())
}

/// SHA-256 of the rules as written, so that editing them re-does the outputs they make.
fn rules_sha256(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(veil::sha256_hex(&text))
}

pub fn sanitize(args: SanitizeArgs) -> anyhow::Result<i32> {
    check_output("-o", &args.output)?;
    for lookup in &args.lookup {
        check_output("--lookup", lookup)?;
    }
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, args.lookup.len())?;
    let builtin = Rules::Columnar(ColumnarRules::lookup(&args.lookup_key));
    let mut outputs = vec![FolderOutput {
        root: args.output.clone(),
        rules: &main_rules,
        rules_sha256: rules_sha256(&args.rules)?,
    }];
    for (i, (root, rules)) in args.lookup.iter().zip(&lookup_rules).enumerate() {
        outputs.push(match rules {
            Some(rules) => FolderOutput {
                root: root.clone(),
                rules,
                rules_sha256: rules_sha256(&args.lookup_rules[i])?,
            },
            None => FolderOutput {
                root: root.clone(),
                rules: &builtin,
                rules_sha256: veil::sha256_hex(
                    format!("veil built-in lookup rules, key {}", args.lookup_key).as_bytes(),
                ),
            },
        });
    }
    let mut locations: Vec<&str> = outputs.iter().map(|o| o.root.as_str()).collect();
    locations.push(&args.input);
    for (i, a) in locations.iter().enumerate() {
        if locations[..i].contains(a) {
            return Err(usage(format!("`{a}` is given twice")));
        }
    }
    let s3 = locations.iter().any(|l| veil::is_s3(l));
    let cloud = cloud_for(&locations, &args.secrets)?;
    let pseudonymizer = pseudonymizer(&args.secrets, cloud.as_ref())?;
    let cores = veil::available_threads();
    let folder = Folder {
        input: args.input.clone(),
        outputs,
        include: args.folder.include.clone(),
        exclude: args.folder.exclude.clone(),
        // S3 transfers wait on the network: twice the cores keeps the cores busy meanwhile.
        jobs: args.folder.jobs.unwrap_or(if s3 { 2 * cores } else { cores }).max(1),
        force: args.folder.force,
        dry_run: args.folder.dry_run,
        fail_fast: args.folder.fail_fast,
        cancel: Some(interrupt::flag()),
    };
    let context = JobContext {
        pseudonymizer: &pseudonymizer,
        cloud: cloud.as_ref(),
        options: veil::RunOptions {
            shuffle_seed: shuffle_seed(args.shuffle.as_deref())?,
            threads: args.threads.unwrap_or(cores),
            strict_columns: args.strict_columns,
            gzip_level: args.gzip_level,
            pii_guard: args.pii.guard(),
            pii_allow: args.pii.pii_allow.clone(),
            ..Default::default()
        },
        progress: None,
    };
    let report = match &args.folder.report {
        Some(path) => Some(Mutex::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating report {}", path.display()))?,
        ))),
        None => None,
    };
    let bar = Bar::new(args.quiet || args.folder.dry_run);
    let dry_run = args.folder.dry_run;
    let report_error = Mutex::new(None);
    let on_event = |event: Event<'_>| match event {
        Event::Listed { files, bytes } => bar.start(files, bytes),
        Event::Read(bytes) => bar.read(bytes),
        Event::Finished(outcome) => {
            bar.finished(outcome);
            if dry_run && outcome.status == Status::WouldDo {
                println!("would sanitize {} ({})", outcome.input, outcome.reason.unwrap_or("new"));
            }
            if let Some(report) = &report {
                let mut out = report.lock().expect("not poisoned");
                if let Err(e) = writeln!(out, "{}", report_line(outcome)).and_then(|()| out.flush()) {
                    report_error.lock().expect("not poisoned").get_or_insert(e);
                }
            }
        }
    };
    let started = Instant::now();
    let summary = folder.run(&context, &on_event);
    bar.clear();
    let summary = summary?;
    if let Some(e) = report_error.into_inner().expect("not poisoned") {
        let path = args.folder.report.as_deref().unwrap_or(Path::new(""));
        return Err(anyhow::Error::new(e).context(format!("writing report {}", path.display())));
    }
    for f in &summary.files {
        super::warn_findings(&f.input, &f.outputs[0], &f.findings);
    }
    let failed: Vec<&FileOutcome> = summary.files.iter().filter(|f| f.status == Status::Failed).collect();
    for f in &failed {
        // Most errors name the file already (with its line); the others get its name here.
        let error = f.error.as_deref().unwrap_or("unknown error");
        if error.starts_with(&f.input) {
            eprintln!("veil: failed: {error}");
        } else {
            eprintln!("veil: failed: {}: {error}", f.input);
        }
    }
    if !args.quiet || dry_run {
        eprintln!(
            "veil: {}",
            summary_line(&summary, dry_run, started.elapsed().as_secs_f64())
        );
    }
    if summary.interrupted {
        eprintln!("veil: interrupted: only complete outputs were written; run the same command again to finish");
        return Ok(130);
    }
    if !failed.is_empty() {
        eprintln!(
            "veil: {} of {} files failed (listed above); nothing was written for them",
            failed.len(),
            summary.listed
        );
        return Ok(1);
    }
    Ok(0)
}

/// One JSON line of `--report`.
fn report_line(f: &FileOutcome) -> serde_json::Value {
    serde_json::json!({
        "input": f.input,
        "outputs": f.outputs,
        "status": f.status.name(),
        "reason": f.reason,
        "rows": f.rows,
        "bytes": f.bytes,
        "seconds": (f.seconds * 1000.0).round() / 1000.0,
        "error": f.error,
        "pii": f.findings.iter().map(veil::Finding::to_json).collect::<Vec<_>>(),
    })
}

/// The final line: what was done, skipped and failed.
fn summary_line(summary: &FolderSummary, dry_run: bool, seconds: f64) -> String {
    let rows: u64 = summary.files.iter().map(|f| f.rows).sum();
    let bytes: u64 = summary
        .files
        .iter()
        .filter(|f| f.status == Status::Done)
        .map(|f| f.bytes)
        .sum();
    let skipped = summary.count(Status::Skipped);
    if dry_run {
        return format!(
            "{} files: {} would be sanitized, {skipped} up to date (dry run: nothing written)",
            summary.listed,
            summary.count(Status::WouldDo)
        );
    }
    if summary.listed == 0 {
        return "no files to sanitize: none under the input matches the --include globs".to_owned();
    }
    let done = summary.count(Status::Done);
    if done == 0 && skipped == summary.listed {
        return format!("nothing to do: all {skipped} files are up to date (--force re-does them)");
    }
    let not_started = summary.listed - summary.files.len();
    let mut line = format!(
        "{} files: {done} sanitized, {skipped} up to date, {} failed",
        summary.listed,
        summary.count(Status::Failed)
    );
    let interrupted = summary.count(Status::Interrupted) + not_started;
    if interrupted > 0 {
        line += &format!(", {interrupted} not done");
    }
    line += &format!("; {rows} rows, {:.1} MB read, in {seconds:.2} s", bytes as f64 / 1e6);
    line
}

/// A progress bar over files and bytes, on a terminal only.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    /// Files finished, and listed.
    files: Mutex<(usize, usize)>,
}

impl Bar {
    fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar {
                bar: None,
                files: Mutex::default(),
            };
        }
        let bar = indicatif::ProgressBar::hidden().with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {msg} files, {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("valid template"),
        );
        Bar {
            bar: Some(bar),
            files: Mutex::default(),
        }
    }

    fn start(&self, files: usize, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            bar.set_message(format!("0/{files}"));
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            *self.files.lock().expect("not poisoned") = (0, files);
        }
    }

    fn read(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finished(&self, outcome: &FileOutcome) {
        if let Some(bar) = &self.bar {
            let mut files = self.files.lock().expect("not poisoned");
            files.0 += 1;
            bar.set_message(format!("{}/{}", files.0, files.1));
            if outcome.status == Status::Failed {
                bar.println(format!("failed: {}", outcome.input));
            }
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
