//! One object of an invocation: its job (the default transform and every
//! `ADDITIONAL_TRANSFORMS` entry, one read), stopped before the invocation's deadline, and
//! its log line with its metrics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use serde_json::{Map, Value, json};
use veil_core::{RunOptions, Summary};

use super::log::{Metrics, log};
use super::{Handler, Loaded};
use crate::aws::event::ObjectRef;
use crate::aws::s3;
use crate::error::{Error, Result};
use crate::job::{Destination, Job, JobContext, Progress, Role, rules_for};
use crate::location::{Location, S3Path};

impl Handler {
    /// Processes one object: every transform in one read. Runs on a blocking thread.
    /// Returns what was done, in words (an S3 Batch Operations task's `resultString`).
    pub(super) fn process(&self, object: &ObjectRef, loaded: &Loaded, deadline: Option<SystemTime>) -> Result<String> {
        let started = Instant::now();
        let (rows, read) = (AtomicU64::new(0), AtomicU64::new(0));
        let result = self.run_object(object, loaded, deadline, &rows, &read);
        let mut line = Map::new();
        line.insert("bucket".into(), json!(object.bucket));
        line.insert("key".into(), json!(object.key));
        let mut metrics = Metrics {
            seconds: started.elapsed().as_secs_f64(),
            ..Metrics::default()
        };
        let answer = match result {
            Ok(Ran::Skipped) => {
                line.insert("status".into(), json!("skipped"));
                line.insert("reason".into(), json!("written by this function"));
                Ok("skipped: written by this function".to_owned())
            }
            Ok(Ran::Done(summary)) => {
                let outputs: Vec<&str> = summary.outputs.iter().map(|o| o.location.as_str()).collect();
                // Columns the file lacks and rule names matching none: names only, never values.
                let warnings: Vec<String> = summary
                    .outputs
                    .iter()
                    .flat_map(|o| o.warnings.iter().map(|w| format!("{}: {w}", o.location)))
                    .collect();
                let pii: Vec<Value> = summary
                    .outputs
                    .iter()
                    .flat_map(|o| o.findings.iter().map(|f| finding_json(&o.location, f)))
                    .collect();
                metrics.rows = summary.rows;
                metrics.input_bytes = summary.input_bytes;
                metrics.warnings = warnings.len() as u64;
                metrics.pii_findings = summary.outputs.iter().flat_map(|o| &o.findings).map(|f| f.cells).sum();
                let done = format!("{} rows into {}", summary.rows, outputs.join(", "));
                line.insert("status".into(), json!("ok"));
                line.insert("rows".into(), json!(summary.rows));
                line.insert("bytes".into(), json!(summary.input_bytes));
                line.insert("outputs".into(), json!(outputs));
                line.insert("duration_ms".into(), json!(started.elapsed().as_millis() as u64));
                line.insert("rules_sha".into(), json!(loaded.metadata.get("psoxy-rules-sha")));
                if !warnings.is_empty() {
                    line.insert("warnings".into(), json!(warnings));
                }
                if !pii.is_empty() {
                    line.insert("pii".into(), json!(pii));
                }
                Ok(done)
            }
            Err(Stop::Deadline { rows, bytes }) => {
                let left = deadline
                    .and_then(|d| d.duration_since(SystemTime::now()).ok())
                    .unwrap_or_default();
                let hint = "give the function more memory (more CPU), or split the file";
                metrics.rows = rows;
                metrics.input_bytes = bytes;
                metrics.failed = true;
                line.insert("status".into(), json!("deadline"));
                line.insert("rows_done".into(), json!(rows));
                line.insert("bytes_done".into(), json!(bytes));
                line.insert("margin_ms".into(), json!(self.margin.as_millis() as u64));
                line.insert("remaining_ms".into(), json!(left.as_millis() as u64));
                line.insert("hint".into(), json!(hint));
                Err(Error::Deadline(format!(
                    "s3://{}/{}: stopped {} s before the invocation's deadline (DEADLINE_MARGIN_SECONDS) after {rows} \
                     rows and {bytes} bytes; nothing was written: {hint}",
                    object.bucket,
                    object.key,
                    self.margin.as_secs_f64()
                )))
            }
            Err(Stop::Failed(e)) => {
                metrics.failed = true;
                line.insert("status".into(), json!("error"));
                line.insert("error".into(), json!(e.to_string()));
                line.insert("error_type".into(), json!(e.name()));
                if let Error::Core(veil_core::Error::Pii { findings, .. }) = &e {
                    line.insert(
                        "pii".into(),
                        findings.iter().map(|(output, f)| finding_json(output, f)).collect(),
                    );
                    metrics.pii_findings = findings.iter().map(|(_, f)| f.cells).sum();
                }
                Err(e)
            }
        };
        log(metrics.into_line(line, &self.function));
        answer
    }

    /// The job of one object, run; `rows` and `read` follow it (for the deadline's line).
    fn run_object(
        &self,
        object: &ObjectRef,
        loaded: &Loaded,
        deadline: Option<SystemTime>,
        rows: &AtomicU64,
        read: &AtomicU64,
    ) -> std::result::Result<Ran, Stop> {
        let source = S3Path {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
        };
        let aws = self.cloud.aws();
        let head = s3::head(aws, &source).map_err(|e| Stop::Failed(e.into()))?;
        if !self.function.is_empty() && head.metadata.get("psoxy-instance-id") == Some(&self.function) {
            return Ok(Ran::Skipped);
        }
        let job = self.job(&source, &head, loaded).map_err(Stop::Failed)?;
        // Stop before the deadline, not at it: Lambda would kill the process mid-upload,
        // with no log line to say why.
        let stop_at = deadline.map(|d| d.checked_sub(self.margin).unwrap_or(SystemTime::UNIX_EPOCH));
        if stop_at.is_some_and(|at| SystemTime::now() >= at) {
            return Err(Stop::Deadline { rows: 0, bytes: 0 });
        }
        let progress = |p: Progress| {
            rows.store(p.rows, Ordering::Relaxed);
            read.store(p.read, Ordering::Relaxed);
        };
        let cancel = AtomicBool::new(false);
        let context = JobContext {
            pseudonymizer: &loaded.pseudonymizer,
            cloud: Some(&self.cloud),
            options: RunOptions {
                threads: crate::available_threads(),
                columns: self.columns,
                gzip_level: self.gzip_level,
                cancel: Some(&cancel),
                pii_guard: self.pii_guard,
                pii_allow: self.pii_allow.clone(),
                ..Default::default()
            },
            progress: Some(&progress),
        };
        let result = std::thread::scope(|scope| {
            let (done, finished) = std::sync::mpsc::channel::<()>();
            if let Some(at) = stop_at {
                let cancel = &cancel;
                scope.spawn(move || {
                    let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
                    if finished.recv_timeout(wait) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                        cancel.store(true, Ordering::Relaxed);
                    }
                });
            }
            let result = job.run(&context);
            drop(done);
            result
        });
        match result {
            Ok(summary) => Ok(Ran::Done(summary)),
            Err(Error::Core(veil_core::Error::Interrupted)) if cancel.load(Ordering::Relaxed) => Err(Stop::Deadline {
                rows: rows.load(Ordering::Relaxed),
                bytes: read.load(Ordering::Relaxed),
            }),
            Err(e) => Err(Stop::Failed(e)),
        }
    }

    /// The object's job: one destination per transform, at the transform's path plus the key
    /// (minus `INPUT_BASE_PATH`), gzip and content type as psoxy sets them, and the metadata
    /// of the loop guard. The default transform makes the copy that leaves; the others make
    /// the private lookup tables.
    fn job<'l>(&self, source: &S3Path, head: &s3::Head, loaded: &'l Loaded) -> Result<Job<'l>> {
        let input = Location::S3(source.clone());
        let input_compressed = head.content_encoding.as_deref() == Some("gzip") || source.key.ends_with(".gz");
        let relative = match &self.input_base_path {
            Some(base) => source.key.strip_prefix(base.as_str()).unwrap_or(&source.key),
            None => &source.key,
        };
        let mut job = Job::new(input.clone());
        for (i, t) in loaded.transforms.iter().enumerate() {
            let rules = rules_for(&t.rules, &input, None)?;
            let target = S3Path {
                bucket: t.bucket.clone(),
                key: format!("{}{relative}", t.path),
            };
            if target.bucket == source.bucket && self.function.is_empty() {
                return Err(Error::Usage(format!(
                    "output {target} is in the input bucket, and without AWS_LAMBDA_FUNCTION_NAME the loop guard cannot work"
                )));
            }
            let mut destination = Destination::new(Location::S3(target.clone()), rules);
            destination.gzip = Some(t.compress.unwrap_or(input_compressed || self.compress_always));
            // psoxy keeps the source's type unless it is a console upload's form type; veil
            // also replaces the generic octet-stream defaults when the extension says more.
            destination.content_type = match head.content_type.as_deref() {
                Some("application/x-www-form-urlencoded" | "binary/octet-stream" | "application/octet-stream")
                | None => s3::content_type_for(&target.key).or(head.content_type.clone()),
                Some(ct) => Some(ct.to_owned()),
            };
            destination.metadata = loaded.metadata.clone();
            destination.role = if i == 0 { Role::Shared } else { Role::Private };
            job = job.destination(destination);
        }
        Ok(job)
    }
}

/// How an object's job ended, when it did.
enum Ran {
    /// Written by this function: not read again (the loop guard).
    Skipped,
    /// Sanitized into every output.
    Done(Summary),
}

/// Why an object's job stopped.
enum Stop {
    /// Stopped (or not started) within the margin before the deadline.
    Deadline { rows: u64, bytes: u64 },
    /// Failed.
    Failed(Error),
}

/// A PII guard finding in a log line, with the output it was found in.
fn finding_json(output: &str, finding: &veil_core::Finding) -> Value {
    let mut value = finding.to_json();
    value["output"] = json!(output);
    value
}
