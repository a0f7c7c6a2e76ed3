//! `veil sanitize FOLDER/`: every file under a folder or prefix, with a progress bar over
//! files and bytes, a JSON-lines report and a summary.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use std::sync::atomic::{AtomicBool, Ordering};

use veil::{
    Error, Event, FileOutcome, Folder, FolderOutput, FolderSummary, JobContext, Location, Result, Role, Status,
};
use veil_core::{ColumnarRules, Rules};

use super::sanitize::SanitizeArgs;
use super::{cloud_for, interrupt, load_all, salt};

/// The outputs of a folder run must be folders or prefixes too.
fn check_output(flag: &str, location: &Location) -> Result<()> {
    if !location.is_folder() {
        return Err(Error::Usage(format!(
            "{flag} `{location}` must be a folder or prefix ending in `/` when INPUT is a folder: its \
             outputs keep each input's relative path"
        )));
    }
    Ok(())
}

/// SHA-256 of the rules as written, so that editing them re-does the outputs they make.
fn rules_sha256(path: &Path) -> Result<String> {
    let text = std::fs::read(path).map_err(|cause| Error::ConfigFile {
        context: format!("reading rules {}", veil_core::escape(&path.display().to_string())),
        cause,
    })?;
    Ok(veil::sha256_hex(&text))
}

pub fn sanitize(args: SanitizeArgs, input: Location) -> Result<i32> {
    let output = args.output.as_deref().map(super::location).transpose()?;
    let lookups = args
        .lookup
        .iter()
        .map(|l| super::location(l))
        .collect::<Result<Vec<_>>>()?;
    if output.is_none() && lookups.is_empty() {
        return Err(Error::Usage(
            "a folder run needs -o FOLDER/ or --lookup FOLDER/ (or s3://bucket/prefix/): its outputs keep each \
             input's relative path"
                .into(),
        ));
    }
    if let Some(out) = &output {
        check_output("-o", out)?;
    }
    for lookup in &lookups {
        check_output("--lookup", lookup)?;
    }
    let report = args.folder.report.as_deref().map(super::location).transpose()?;
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, args.lookup.len())?;
    for rules in main_rules.all_columnar() {
        super::warn_readings(&args.rules, rules);
    }
    for (path, rules) in args.lookup_rules.iter().zip(lookup_rules.iter().flatten()) {
        for rules in rules.all_columnar() {
            super::warn_readings(path, rules);
        }
    }
    let builtin = Rules::Columnar(ColumnarRules::lookup(&args.lookup_key));
    let mut outputs = Vec::new();
    if let Some(root) = output {
        outputs.push(FolderOutput {
            root,
            rules: &main_rules,
            rules_sha256: rules_sha256(&args.rules)?,
            role: Role::Shared,
        });
    }
    for (i, (root, rules)) in lookups.into_iter().zip(&lookup_rules).enumerate() {
        outputs.push(match rules {
            Some(rules) => FolderOutput {
                root,
                rules,
                rules_sha256: rules_sha256(&args.lookup_rules[i])?,
                role: Role::Private,
            },
            None => FolderOutput {
                root,
                rules: &builtin,
                rules_sha256: veil::sha256_hex(
                    format!("veil built-in lookup rules, key {}", args.lookup_key).as_bytes(),
                ),
                role: Role::Private,
            },
        });
    }
    let mut locations: Vec<&Location> = outputs.iter().map(|o| &o.root).collect();
    locations.push(&input);
    locations.extend(&report);
    let s3 = locations.iter().any(|l| l.is_s3());
    let cloud = cloud_for(&locations, &args.secrets)?;
    let pseudonymizer = salt::pseudonymizer(&args.secrets, cloud.as_ref())?;
    let cores = veil::available_threads();
    let dry_run = args.folder.dry_run;
    let folder = Folder {
        input,
        outputs,
        filter: veil::Filter {
            include: args.folder.include.clone(),
            exclude: args.folder.exclude.clone(),
        },
        // S3 transfers wait on the network: twice the cores keeps the cores busy meanwhile.
        jobs: args.folder.jobs.unwrap_or(if s3 { 2 * cores } else { cores }).max(1),
        force: args.folder.force,
        verify: args.folder.verify,
        dry_run,
        fail_fast: args.folder.fail_fast,
        report: report.clone(),
        cancel: Some(interrupt::flag()),
    };
    let context = JobContext {
        pseudonymizer: &pseudonymizer,
        cloud: cloud.as_ref(),
        options: veil_core::RunOptions {
            cancel: None,
            ..args.options(cores)
        },
        progress: None,
    };
    let report_out: Mutex<Option<Box<dyn veil_core::Output>>> = Mutex::new(None);
    let report_error: Mutex<Option<Error>> = Mutex::new(None);
    let stdout_closed = AtomicBool::new(false);
    let bar = Bar::new(args.quiet || dry_run);
    // Stops the run at the next file, keeping the first reason.
    let stop = |error: Error| {
        report_error.lock().expect("not poisoned").get_or_insert(error);
        interrupt::flag().store(true, Ordering::Relaxed);
    };
    let on_event = |event: Event<'_>| match event {
        Event::Listed { files, bytes } => {
            // Opened only now: the run has checked that the report replaces no input or output.
            if let Some(at) = &report {
                match veil::create_output(at, &veil::Stored::default(), cloud.as_ref()) {
                    Ok(out) => *report_out.lock().expect("not poisoned") = Some(out),
                    Err(e) => stop(e),
                }
            }
            bar.start(files, bytes);
        }
        Event::Ignored(ignored) => bar.note(&format!(
            "veil: skipped {}: {}",
            veil_core::escape(&folder.input.join(&ignored.relative).to_string()),
            ignored.why
        )),
        Event::Read(bytes) => bar.read(bytes),
        Event::Finished(outcome) => {
            bar.finished(outcome);
            tell(outcome, &bar);
            if dry_run && outcome.status == Status::WouldDo {
                let line = format!(
                    "would sanitize {} ({})\n",
                    veil_core::escape(&outcome.input),
                    outcome.reason.unwrap_or("new")
                );
                let mut out = std::io::stdout().lock();
                if !stdout_closed.load(Ordering::Relaxed)
                    && let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush())
                {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        stdout_closed.store(true, Ordering::Relaxed);
                        interrupt::flag().store(true, Ordering::Relaxed);
                    } else {
                        stop(Error::io("writing to stdout", e));
                    }
                }
            }
            if let Some(out) = report_out.lock().expect("not poisoned").as_mut()
                && let Err(e) = writeln!(out, "{}", report_line(outcome)).and_then(|()| out.flush())
            {
                let at = report.as_ref().map(ToString::to_string).unwrap_or_default();
                stop(Error::io(format!("writing report {at}"), e));
            }
        }
    };
    let started = Instant::now();
    let summary = folder.run(&context, &on_event);
    bar.clear();
    let report_out = report_out.into_inner().expect("not poisoned");
    if let Some(e) = report_error.into_inner().expect("not poisoned") {
        return Err(e);
    }
    let summary = summary?;
    if let Some(out) = report_out {
        out.commit()?;
    }
    if stdout_closed.load(Ordering::Relaxed) {
        return Ok(0);
    }
    for f in &summary.failed {
        // Most errors name the file already (with its line); the others get its name here.
        let error = veil_core::escape(f.error.as_deref().unwrap_or("unknown error")).into_owned();
        let input = veil_core::escape(&f.input);
        if error.starts_with(input.as_ref()) {
            eprintln!("veil: failed: {error}");
        } else {
            eprintln!("veil: failed: {input}: {error}");
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
    if !summary.failed.is_empty() {
        eprintln!(
            "veil: {} of {} files failed (listed above); nothing was written for them",
            summary.failed.len(),
            summary.listed
        );
        return Ok(1);
    }
    Ok(0)
}

/// What a file's end tells the user on stderr: this run's findings and warnings, or, for a
/// file up to date, what the run that made it recorded.
fn tell(outcome: &FileOutcome, bar: &Bar) {
    let output = veil_core::escape(outcome.outputs.first().map_or("", String::as_str)).into_owned();
    match outcome.status {
        Status::Done => {
            for warning in &outcome.warnings {
                bar.note(&format!(
                    "veil: warning: {} -> {output}: {}",
                    veil_core::escape(&outcome.input),
                    veil_core::escape(warning)
                ));
            }
            if !outcome.findings.is_empty() {
                bar.note(&super::findings_text(&outcome.input, &output, &outcome.findings));
            }
        }
        Status::Skipped if !outcome.findings.is_empty() || !outcome.warnings.is_empty() => {
            let mut recorded: Vec<String> = outcome.findings.iter().map(veil_core::Finding::brief).collect();
            recorded.extend(outcome.warnings.iter().map(|w| veil_core::escape(w).into_owned()));
            bar.note(&format!(
                "veil: {output}: up to date, recorded: {}",
                recorded.join("; ")
            ));
        }
        _ => {}
    }
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
        "pii": f.findings.iter().map(veil_core::Finding::to_json).collect::<Vec<_>>(),
        "warnings": f.warnings,
    })
}

/// The final line: what was done, skipped and failed.
fn summary_line(summary: &FolderSummary, dry_run: bool, seconds: f64) -> String {
    let (rows, bytes) = (summary.rows, summary.bytes);
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
    let not_started = summary.listed - summary.finished();
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

    /// A line on stderr, above the bar when there is one.
    fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
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
                bar.println(format!("failed: {}", veil_core::escape(&outcome.input)));
            }
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
