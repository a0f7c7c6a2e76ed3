//! The bulk-mode Lambda, a drop-in for psoxy's S3 handler (feature `aws`).
//!
//! Configuration uses psoxy's names and precedence (env, then the SSM instance path, then
//! the SSM shared path; secrets from SSM or Secrets Manager), re-read in one batch on every
//! invocation ([`crate::aws::settings`]), so that a rules or salt change applies to the next
//! object on warm containers too. The AWS clients are built once per cold start. An object
//! that would outlive the invocation's deadline is stopped before it does, with its uploads
//! aborted and a log line that says so. Each
//! object in an event is read once for the default transform and every
//! `ADDITIONAL_TRANSFORMS` entry; outputs are multipart uploads completed only when the
//! whole object succeeded. One JSON log line per object names it, its rows and outputs,
//! never a cell value. Any failure fails the invocation (direct S3 and EventBridge), or is
//! reported in `batchItemFailures` (SQS) or as the task's `resultCode` (S3 Batch Operations:
//! `TemporaryFailure` for what may pass on a retry, `PermanentFailure` otherwise), so retries,
//! dead-letter queues and completion reports work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use serde_json::{Value, json};

use crate::aws::event::{self, ObjectRef};
use crate::aws::s3::{self, Aws};
use crate::aws::settings::{Snapshot, Sources, Store};
use crate::config;
use crate::error::{Error, Result};
use crate::job::{Destination, Job, JobContext, Progress};
use crate::location::{Cloud, Location, S3Path};
use crate::pipeline;
use crate::plan::ColumnPolicy;
use crate::pseudonym::Pseudonymizer;
use crate::rules::{ColumnarRules, Rules};
use crate::yaml::{self, Kind};

/// One output of every object: where it goes and with which rules.
#[derive(Debug)]
struct Transform {
    bucket: String,
    path: String,
    rules: Rules,
    compress: Option<bool>,
}

/// What the stored configuration makes: rebuilt only when a version changed.
struct Loaded {
    /// The versions it was built from.
    snapshot: Snapshot,
    pseudonymizer: Arc<Pseudonymizer>,
    transforms: Vec<Transform>,
    /// Output metadata (`psoxy-rules-sha` and the rest).
    metadata: HashMap<String, String>,
    /// Rule names psoxy's YAML reader reads as something else (logged with the config).
    readings: Vec<String>,
}

/// The function: clients and environment settings from the cold start, and the stored
/// configuration as of the last invocation.
pub struct Handler {
    cloud: Cloud,
    sources: Sources,
    function: String,
    output_bucket: String,
    output_base_path: String,
    input_base_path: Option<String>,
    compress_always: bool,
    /// `STRICT_COLUMNS=true`: refuse an object whose header lacks a column the rules read;
    /// `ALLOW_ABSENT_COLUMNS=true`: accept one that has none of them, as psoxy does.
    columns: ColumnPolicy,
    /// `GZIP_LEVEL`: the level of gzip outputs.
    gzip_level: Option<u32>,
    /// `DEADLINE_MARGIN_SECONDS`: stop an object when less time than this is left.
    margin: Duration,
    /// `PII_GUARD`: what to do with personal data in the sanitized copy's clear columns.
    pii_guard: pipeline::PiiGuard,
    /// `PII_ALLOW`: accepted findings, `COLUMN:KIND,...`.
    pii_allow: Vec<(String, crate::pii::Kind)>,
    current: Mutex<Option<Arc<Loaded>>>,
}

/// Default safety margin before the deadline: enough to abort the uploads and log.
const DEFAULT_MARGIN: Duration = Duration::from_secs(20);

/// `RULES` may be plain YAML, base64 YAML, or base64 of gzip YAML (psoxy §3.1).
pub fn decode_rules_value(raw: &str) -> String {
    use std::io::Read;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw) else {
        return raw.to_owned();
    };
    let mut text = String::new();
    if flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .is_ok()
    {
        return text;
    }
    String::from_utf8(bytes).unwrap_or_else(|_| raw.to_owned())
}

fn load_rules(raw: &str, name: &str) -> Result<Rules> {
    let decoded = decode_rules_value(raw);
    match Rules::from_yaml(&decoded, name) {
        Err(_) if decoded != raw => Rules::from_yaml(raw, name),
        result => result,
    }
}

fn additional_transforms(raw: &str) -> Result<Vec<Transform>> {
    let bad = |message: String| Error::Config(format!("ADDITIONAL_TRANSFORMS: {message}"));
    let node = yaml::parse(raw).map_err(|(m, at)| bad(format!("line {}: {m}", at.0)))?;
    let items = match &node.kind {
        Kind::Seq(items) => items.as_slice(),
        Kind::Null => &[],
        _ => return Err(bad("expected a YAML list".into())),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Kind::Map(entries) = &item.kind else {
            return Err(bad(format!("entry {i} is not a mapping")));
        };
        let field = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k)).map(|(_, v)| v);
        let bucket = field("destinationBucketName")
            .and_then(|v| v.as_str())
            .ok_or_else(|| bad(format!("entry {i} needs destinationBucketName")))?;
        let rules = field("rules").ok_or_else(|| bad(format!("entry {i} needs rules")))?;
        out.push(Transform {
            bucket: bucket.to_owned(),
            path: field("pathWithinBucket")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned(),
            rules: Rules::from_node(rules, &format!("ADDITIONAL_TRANSFORMS[{i}].rules"))?,
            compress: field("compressOutput").and_then(|v| v.as_bool()),
        });
    }
    Ok(out)
}

impl Handler {
    /// Builds the clients and reads the configuration (once per cold start; the stored
    /// configuration is read again on every invocation).
    ///
    /// # Errors
    /// Missing `OUTPUT_BUCKET`, `RULES` or `PSOXY_SALT`, or invalid values.
    pub async fn cold_start() -> Result<Handler> {
        let aws = Aws::from_env().await;
        let handler = Handler::from_env(aws)?;
        let handler = Arc::new(handler);
        let first = Arc::clone(&handler);
        tokio::task::spawn_blocking(move || first.refresh().map(|_| ()))
            .await
            .map_err(|e| Error::Config(format!("configuration task failed: {e}")))??;
        Arc::try_unwrap(handler).map_err(|_| Error::Config("configuration task kept the handler".into()))
    }

    /// The settings that only the environment gives (they cannot change in a container).
    fn from_env(aws: Aws) -> Result<Handler> {
        let function = config::process_env("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
        let margin = match config::process_env("DEADLINE_MARGIN_SECONDS") {
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| Error::Config(format!("DEADLINE_MARGIN_SECONDS `{v}`: expected seconds")))?,
            None => DEFAULT_MARGIN,
        };
        Ok(Handler {
            cloud: Cloud::from_aws(aws),
            sources: Sources::from_env(&function)?,
            output_bucket: config::process_env("OUTPUT_BUCKET")
                .ok_or_else(|| Error::Config("OUTPUT_BUCKET is required".into()))?,
            output_base_path: config::process_env("OUTPUT_BASE_PATH").unwrap_or_default(),
            function,
            input_base_path: config::process_env("INPUT_BASE_PATH"),
            compress_always: config::process_env("COMPRESS_OUTPUT_ALWAYS")
                .is_none_or(|v| !v.eq_ignore_ascii_case("false")),
            columns: ColumnPolicy {
                strict: config::process_env("STRICT_COLUMNS").is_some_and(|v| v.eq_ignore_ascii_case("true")),
                allow_absent: config::process_env("ALLOW_ABSENT_COLUMNS")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            },
            gzip_level: config::process_env("GZIP_LEVEL")
                .map(|v| crate::gzip::parse_level(&v).map_err(|e| Error::Config(format!("GZIP_LEVEL: {e}"))))
                .transpose()?,
            margin,
            pii_guard: match config::process_env("PII_GUARD") {
                Some(v) => pipeline::PiiGuard::parse(&v).map_err(|e| Error::Config(format!("PII_GUARD: {e}")))?,
                None => pipeline::PiiGuard::Warn,
            },
            pii_allow: config::process_env("PII_ALLOW")
                .unwrap_or_default()
                .split(',')
                .filter(|a| !a.trim().is_empty())
                .map(pipeline::parse_pii_allow)
                .collect::<Result<_>>()?,
            current: Mutex::new(None),
        })
    }

    /// The configuration for this invocation: stored values read again in one batch, and
    /// rules and pseudonymizer rebuilt only when a version changed. Runs on a blocking thread.
    fn refresh(&self) -> Result<Arc<Loaded>> {
        let snapshot = Snapshot::read(self.cloud.aws(), &self.sources)?;
        let mut current = self.current.lock().expect("not poisoned");
        if let Some(loaded) = current.as_ref()
            && loaded.snapshot.same_versions(&snapshot)
        {
            return Ok(Arc::clone(loaded));
        }
        let loaded = Arc::new(self.load(snapshot)?);
        log(json!({
            "status": "config",
            "reloaded": current.is_some(),
            "rules_sha": loaded.metadata.get("psoxy-rules-sha"),
            "rules_from": loaded.snapshot.source("RULES"),
            "salt_from": loaded.snapshot.source("PSOXY_SALT"),
            "versions": format!("{:?}", loaded.snapshot),
            "warnings": loaded.readings,
        }));
        *current = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// Rules, transforms and pseudonymizer from a snapshot.
    fn load(&self, snapshot: Snapshot) -> Result<Loaded> {
        let raw_rules = snapshot
            .get("RULES")
            .ok_or_else(|| Error::Config("RULES is not set (env, or SSM under the instance or shared path)".into()))?;
        let mut transforms = vec![Transform {
            bucket: self.output_bucket.clone(),
            path: self.output_base_path.clone(),
            rules: load_rules(raw_rules, "RULES")?,
            compress: None,
        }];
        if let Some(raw) = snapshot.get("ADDITIONAL_TRANSFORMS") {
            transforms.extend(additional_transforms(raw)?);
        }
        let store = match self.sources.store() {
            Store::Ssm => "SSM",
            Store::SecretsManager => "Secrets Manager",
        };
        let salt = snapshot
            .get("PSOXY_SALT")
            .ok_or_else(|| Error::Config(format!("PSOXY_SALT is not in {store} (instance or shared path)")))?;
        let secret = |name: &str| snapshot.get(name).map(|v| v.as_bytes().to_vec());
        let secrets = crate::pseudonym::Secrets {
            salt: salt.as_bytes().to_vec(),
            domain_salt: secret("SALT_EMAIL_DOMAINS"),
            encryption_key: secret("ENCRYPTION_KEY_EMAIL_DOMAINS").or_else(|| secret("PSOXY_ENCRYPTION_KEY")),
        };
        let pseudonymizer = Pseudonymizer::new(&secrets, config::options(&config::process_env, None)?)?;
        let mut metadata = HashMap::new();
        metadata.insert("psoxy-instance-id".to_owned(), self.function.clone());
        metadata.insert(
            "psoxy-version".to_owned(),
            format!("veil-{}", env!("CARGO_PKG_VERSION")),
        );
        metadata.insert("psoxy-rules-sha".to_owned(), sha1_hex(raw_rules.as_bytes()));
        metadata.insert("psoxy-salt-sha".to_owned(), psoxy_salt_sha(salt.as_bytes()));
        metadata.insert("veil-version".to_owned(), env!("CARGO_PKG_VERSION").to_owned());
        let readings = transforms
            .iter()
            .flat_map(|t| t.rules.all_columnar())
            .flat_map(ColumnarRules::psoxy_readings)
            .collect();
        Ok(Loaded {
            snapshot,
            pseudonymizer: Arc::new(pseudonymizer),
            transforms,
            metadata,
            readings,
        })
    }

    /// Handles one invocation.
    ///
    /// # Errors
    /// Any object that failed (not for SQS or S3 Batch Operations, where failures are
    /// reported per message or per task).
    pub async fn handle(self: Arc<Self>, event: Value, deadline: Option<SystemTime>) -> Result<Value> {
        let parsed = event::parse(&event).map_err(Error::Config)?;
        let this = Arc::clone(&self);
        let loaded = tokio::task::spawn_blocking(move || this.refresh())
            .await
            .map_err(|e| Error::Config(format!("configuration task failed: {e}")))??;
        let mut failed_messages: Vec<String> = parsed.bad_messages.clone();
        let mut errors = Vec::new();
        let mut results = Vec::new();
        let mut processed = 0;
        for object in parsed.objects {
            let this = Arc::clone(&self);
            let outcome = tokio::task::spawn_blocking({
                let (object, loaded) = (object.clone(), Arc::clone(&loaded));
                move || this.process(&object, &loaded, deadline)
            })
            .await
            .map_err(|e| Error::Config(format!("worker failed: {e}")))
            .and_then(|r| r);
            if let Some(task) = &object.task_id {
                results.push(match &outcome {
                    Ok(done) => json!({"taskId": task, "resultCode": "Succeeded", "resultString": done}),
                    Err(e) => {
                        json!({"taskId": task, "resultCode": batch_code(e), "resultString": short(&e.to_string())})
                    }
                });
            }
            match outcome {
                Ok(_) => processed += 1,
                Err(e) => {
                    let mut line =
                        json!({"bucket": object.bucket, "key": object.key, "status": "error", "error": e.to_string()});
                    if let Error::Pii { findings, .. } = &e {
                        line["pii"] = findings.iter().map(|(output, f)| finding_json(output, f)).collect();
                    }
                    log(line);
                    match (object.message_id, object.task_id) {
                        (Some(id), _) if !failed_messages.contains(&id) => failed_messages.push(id),
                        (Some(_), _) | (None, Some(_)) => {}
                        (None, None) => errors.push(format!("s3://{}/{}: {e}", object.bucket, object.key)),
                    }
                }
            }
        }
        if let Some(batch) = parsed.batch {
            for (task, why) in batch.bad_tasks {
                results.push(json!({"taskId": task, "resultCode": "PermanentFailure", "resultString": why}));
            }
            return Ok(json!({
                "invocationSchemaVersion": batch.schema,
                "treatMissingKeysAs": "PermanentFailure",
                "invocationId": batch.invocation_id,
                "results": results,
            }));
        }
        if parsed.from_sqs {
            let failures: Vec<Value> = failed_messages.iter().map(|id| json!({"itemIdentifier": id})).collect();
            return Ok(json!({"batchItemFailures": failures}));
        }
        if !errors.is_empty() {
            return Err(Error::Config(format!(
                "{} object(s) failed: {}",
                errors.len(),
                errors.join("; ")
            )));
        }
        Ok(json!({"processed": processed}))
    }

    /// Processes one object: every transform in one read. Runs on a blocking thread.
    /// Returns what was done, in words (an S3 Batch Operations task's `resultString`).
    fn process(&self, object: &ObjectRef, loaded: &Loaded, deadline: Option<SystemTime>) -> Result<String> {
        let started = Instant::now();
        let source = S3Path {
            bucket: object.bucket.clone(),
            key: object.key.clone(),
        };
        let aws = self.cloud.aws();
        let head = s3::head(aws, &source)?;
        if !self.function.is_empty() && head.metadata.get("psoxy-instance-id") == Some(&self.function) {
            log(
                json!({"bucket": object.bucket, "key": object.key, "status": "skipped", "reason": "written by this function"}),
            );
            return Ok("skipped: written by this function".into());
        }
        let input_compressed = head.content_encoding.as_deref() == Some("gzip") || object.key.ends_with(".gz");
        let relative = match &self.input_base_path {
            Some(base) => object.key.strip_prefix(base.as_str()).unwrap_or(&object.key),
            None => &object.key,
        };
        let mut job = Job::new(Location::S3(source.clone()));
        for (i, t) in loaded.transforms.iter().enumerate() {
            let rules = t
                .rules
                .for_key(&object.key)
                .ok_or_else(|| Error::Config(format!("no applicable rules found for {}", object.key)))?;
            let target = S3Path {
                bucket: t.bucket.clone(),
                key: format!("{}{relative}", t.path),
            };
            if target.bucket == source.bucket && self.function.is_empty() {
                return Err(Error::Config(format!(
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
            // The default transform makes the copy that leaves; ADDITIONAL_TRANSFORMS make
            // the private lookup tables.
            destination.scan = i == 0;
            job = job.destination(destination);
        }
        // Stop before the deadline, not at it: Lambda would kill the process mid-upload,
        // with no log line to say why.
        let stop_at = deadline.map(|d| d.checked_sub(self.margin).unwrap_or(SystemTime::UNIX_EPOCH));
        if let Some(at) = stop_at
            && SystemTime::now() >= at
        {
            return Err(self.out_of_time(object, 0, 0, deadline));
        }
        let (rows, read) = (AtomicU64::new(0), AtomicU64::new(0));
        let progress = |p: Progress| {
            rows.store(p.rows, Ordering::Relaxed);
            read.store(p.read, Ordering::Relaxed);
        };
        let cancel = AtomicBool::new(false);
        let context = JobContext {
            pseudonymizer: &loaded.pseudonymizer,
            cloud: Some(&self.cloud),
            options: pipeline::Options {
                threads: pipeline::available_threads(),
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
        let summary = match result {
            Err(Error::Interrupted) if cancel.load(Ordering::Relaxed) => {
                return Err(self.out_of_time(
                    object,
                    rows.load(Ordering::Relaxed),
                    read.load(Ordering::Relaxed),
                    deadline,
                ));
            }
            other => other?,
        };
        let outputs: Vec<&str> = summary.outputs.iter().map(|o| o.location.as_str()).collect();
        let mut line = json!({
            "bucket": object.bucket, "key": object.key, "status": "ok", "rows": summary.rows,
            "bytes": summary.input_bytes, "outputs": outputs,
            "duration_ms": started.elapsed().as_millis() as u64,
            "rules_sha": loaded.metadata.get("psoxy-rules-sha"),
        });
        // Columns the file lacks and rule names matching none: names only, never values.
        let warnings: Vec<String> = summary
            .outputs
            .iter()
            .flat_map(|o| o.warnings.iter().map(|w| format!("{}: {w}", o.location)))
            .collect();
        let done = format!("{} rows into {}", summary.rows, outputs.join(", "));
        if !warnings.is_empty() {
            line["warnings"] = json!(warnings);
        }
        let pii: Vec<Value> = summary
            .outputs
            .iter()
            .flat_map(|o| o.findings.iter().map(|f| finding_json(&o.location, f)))
            .collect();
        if !pii.is_empty() {
            line["pii"] = json!(pii);
        }
        log(line);
        Ok(done)
    }
}

impl Handler {
    /// The object was stopped (or not started) because the invocation's deadline is within
    /// the margin: its uploads are aborted. Logs one line and returns the invocation's error.
    fn out_of_time(&self, object: &ObjectRef, rows: u64, bytes: u64, deadline: Option<SystemTime>) -> Error {
        let left = deadline
            .and_then(|d| d.duration_since(SystemTime::now()).ok())
            .unwrap_or_default();
        let hint = "give the function more memory (more CPU), or split the file";
        log(json!({
            "bucket": object.bucket, "key": object.key, "status": "deadline",
            "rows_done": rows, "bytes_done": bytes,
            "margin_ms": self.margin.as_millis() as u64, "remaining_ms": left.as_millis() as u64,
            "hint": hint,
        }));
        Error::Config(format!(
            "s3://{}/{}: stopped {} s before the invocation's deadline (DEADLINE_MARGIN_SECONDS) after {rows} rows \
             and {bytes} bytes; nothing was written: {hint}",
            object.bucket,
            object.key,
            self.margin.as_secs_f64()
        ))
    }
}

/// psoxy's `psoxy-salt-sha` object metadata: lets an operator check which salt wrote an
/// object without revealing it (std base64 without padding, `/`→`_`, `+`→`.`).
pub fn psoxy_salt_sha(salt: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(salt);
    h.update(b"f33c366c-ae91-4819-b221-f9794ebb8145");
    base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(h.finalize())
        .replace('/', "_")
        .replace('+', ".")
}

/// SHA-1 in hex (psoxy's `psoxy-rules-sha` of the raw `RULES` value).
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An S3 Batch Operations result code: `TemporaryFailure` (S3 tries the task again) for
/// throttling, server errors, timeouts and dropped connections; `PermanentFailure` for a bad
/// file, bad rules, a missing object or denied access.
fn batch_code(e: &Error) -> &'static str {
    if e.is_transient() {
        "TemporaryFailure"
    } else {
        "PermanentFailure"
    }
}

/// A PII guard finding in a log line, with the output it was found in.
fn finding_json(output: &str, finding: &pipeline::Finding) -> Value {
    let mut value = finding.to_json();
    value["output"] = json!(output);
    value
}

/// A `resultString` of reasonable length (it lands in the completion report's CSV).
fn short(text: &str) -> String {
    const MAX: usize = 1000;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// One structured log line (CloudWatch takes stdout).
fn log(line: Value) {
    println!("{line}");
}

/// Tells the Runtime API why the cold start failed (`POST /runtime/init/error`), so that the
/// invocation fails with that message rather than an unexplained exit. Best effort.
fn report_init_error(message: &str) {
    use std::io::Write;
    let Some(api) = config::process_env("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let body = json!({"errorMessage": message, "errorType": "Runtime.ConfigurationError"}).to_string();
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.ConfigurationError\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Ok(mut stream) = std::net::TcpStream::connect(&api) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(request.as_bytes());
        let _ = std::io::Read::read(&mut stream, &mut [0u8; 256]);
    }
}

/// Runs the Lambda runtime loop (when `AWS_LAMBDA_RUNTIME_API` is set).
///
/// # Errors
/// The cold start failed (the runtime reports it) or the runtime API is unreachable.
pub async fn run() -> std::result::Result<(), lambda_runtime::Error> {
    let started = Instant::now();
    let handler = match Handler::cold_start().await {
        Ok(h) => Arc::new(h),
        Err(e) => {
            log(json!({"status": "init-error", "error": e.to_string()}));
            report_init_error(&e.to_string());
            return Err(e.to_string().into());
        }
    };
    log(json!({"status": "cold-start", "init_ms": started.elapsed().as_millis() as u64}));
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| {
            let handler = Arc::clone(&handler);
            async move {
                let deadline = (event.context.deadline > 0).then(|| event.context.deadline());
                handler
                    .handle(event.payload, deadline)
                    .await
                    .map_err(|e| lambda_runtime::Error::from(e.to_string()))
            }
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_h_salt_sha_metadata() {
        assert_eq!(psoxy_salt_sha(b"salt"), "pRwka918R7CEI6El1noIhIMJzqBGYUvvqXYHyMvxl2Y");
        assert_eq!(psoxy_salt_sha(b"secret"), "Ebz5CMlg0.uv2RIW85ELiU4FJju.wcFDd2LJo3P2kSI");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn rules_values_decode_like_psoxy() {
        let yaml = "columnsToPseudonymize: [A]\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(yaml);
        assert_eq!(decode_rules_value(&b64), yaml);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, yaml.as_bytes()).unwrap();
        let b64gz = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        assert_eq!(decode_rules_value(&b64gz), yaml);
        assert_eq!(decode_rules_value(yaml), yaml);
        assert!(
            load_rules("columnsToRedact: [x]", "RULES").is_ok(),
            "not base64 (spaces): plain YAML"
        );
    }

    #[test]
    fn additional_transforms_parse_psoxy_lookup_builders() {
        let raw = "- destinationBucketName: lookup\n  pathWithinBucket: lk/\n  compressOutput: false\n  rules:\n    columnsToPseudonymize: [EMPLOYEE_ID]\n    columnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";
        let t = additional_transforms(raw).unwrap();
        assert_eq!(
            (t[0].bucket.as_str(), t[0].path.as_str(), t[0].compress),
            ("lookup", "lk/", Some(false))
        );
        assert!(
            additional_transforms("- pathWithinBucket: x\n")
                .unwrap_err()
                .to_string()
                .contains("destinationBucketName")
        );
    }

    #[test]
    fn batch_result_codes_retry_only_what_may_pass() {
        let busy = Error::io(
            "reading s3://b/k",
            std::io::Error::new(std::io::ErrorKind::ResourceBusy, "SlowDown (HTTP 503)"),
        );
        let dropped = Error::io(
            "reading s3://b/k",
            std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "x"),
        );
        let denied = Error::io("reading s3://b/k", std::io::Error::other("AccessDenied (HTTP 403)"));
        assert_eq!(batch_code(&busy), "TemporaryFailure");
        assert_eq!(batch_code(&dropped), "TemporaryFailure");
        assert_eq!(batch_code(&denied), "PermanentFailure");
        assert_eq!(
            batch_code(&Error::Config("no applicable rules found".into())),
            "PermanentFailure"
        );
        assert_eq!(short(&"é".repeat(1500)).chars().count(), 1001);
    }
}
