//! The bulk-mode Lambda, a drop-in for psoxy's S3 handler (feature `aws`).
//!
//! Configuration uses psoxy's names and precedence (env, then the SSM instance path, then
//! the SSM shared path; secrets from SSM or Secrets Manager), re-read in one batch on every
//! invocation ([`crate::aws::settings`]), so that a rules or salt change applies to the next
//! object on warm containers too. The AWS clients are built once per cold start. Each event
//! is parsed once into an [`Invocation`]; each object in it becomes one job
//! ([`object`]), read once for the default transform and every `ADDITIONAL_TRANSFORMS`
//! entry. One JSON log line per object names it, its rows and outputs and carries its
//! metrics ([`log`]), never a cell value. Any failure fails the invocation (direct S3 and
//! EventBridge), or is reported in `batchItemFailures` (SQS) or as the task's `resultCode`
//! (S3 Batch Operations: `TemporaryFailure` for what may pass on a retry, `PermanentFailure`
//! otherwise), so retries, dead-letter queues and completion reports work.

mod log;
mod object;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use serde_json::{Value, json};
use veil_core::{AdditionalTransform, ColumnPolicy, ColumnarRules, PiiGuard, PiiKind, Pseudonymizer, Rules, Secrets};

use crate::aws::event::Invocation;
use crate::aws::s3::Aws;
use crate::aws::settings::{Snapshot, Sources, Store};
use crate::config;
use crate::error::{Error, Result};
use crate::location::Cloud;
use log::log;

/// What the stored configuration makes: rebuilt only when a version changed.
struct Loaded {
    /// The versions it was built from.
    snapshot: Snapshot,
    pseudonymizer: Arc<Pseudonymizer>,
    /// The default transform (`OUTPUT_BUCKET`, `OUTPUT_BASE_PATH`, `RULES`) first, then the
    /// `ADDITIONAL_TRANSFORMS`.
    transforms: Vec<AdditionalTransform>,
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
    pii_guard: PiiGuard,
    /// `PII_ALLOW`: accepted findings, `COLUMN:KIND,...`.
    pii_allow: Vec<(String, PiiKind)>,
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
        Err(_) if decoded != raw => Ok(Rules::from_yaml(raw, name)?),
        result => Ok(result?),
    }
}

/// A boolean setting: `true` in any case.
fn flag(name: &str) -> bool {
    config::process_env(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

impl Handler {
    /// Builds the clients and reads the configuration (once per cold start; the stored
    /// configuration is read again on every invocation).
    ///
    /// # Errors
    /// Missing `OUTPUT_BUCKET`, `RULES` or `PSOXY_SALT`, or invalid values.
    pub async fn cold_start() -> Result<Handler> {
        let aws = Aws::from_env().await;
        let handler = Arc::new(Handler::from_env(aws)?);
        let first = Arc::clone(&handler);
        tokio::task::spawn_blocking(move || first.refresh().map(|_| ()))
            .await
            .map_err(|e| Error::Internal(format!("configuration task failed: {e}")))??;
        Arc::try_unwrap(handler).map_err(|_| Error::Internal("the configuration task kept the handler".into()))
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
                .ok_or_else(|| Error::setting("DEADLINE_MARGIN_SECONDS", "expected seconds"))?,
            None => DEFAULT_MARGIN,
        };
        let pii_guard = match config::process_env("PII_GUARD") {
            Some(v) => PiiGuard::parse(&v).map_err(|_| Error::setting("PII_GUARD", "expected off, warn or fail"))?,
            None => PiiGuard::Warn,
        };
        Ok(Handler {
            cloud: Cloud::from_aws(aws),
            sources: Sources::from_env(&function)?,
            output_bucket: config::process_env("OUTPUT_BUCKET")
                .ok_or_else(|| Error::setting("OUTPUT_BUCKET", "is required"))?,
            output_base_path: config::process_env("OUTPUT_BASE_PATH").unwrap_or_default(),
            function,
            input_base_path: config::process_env("INPUT_BASE_PATH"),
            compress_always: config::process_env("COMPRESS_OUTPUT_ALWAYS")
                .is_none_or(|v| !v.eq_ignore_ascii_case("false")),
            columns: ColumnPolicy {
                strict: flag("STRICT_COLUMNS"),
                allow_absent: flag("ALLOW_ABSENT_COLUMNS"),
            },
            gzip_level: config::process_env("GZIP_LEVEL")
                .map(|v| config::parse_gzip_level(&v).map_err(|why| Error::setting("GZIP_LEVEL", why)))
                .transpose()?,
            margin,
            pii_guard,
            pii_allow: config::process_env("PII_ALLOW")
                .unwrap_or_default()
                .split(',')
                .filter(|a| !a.trim().is_empty())
                .map(config::parse_pii_allow)
                .collect::<veil_core::Result<_>>()?,
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
            .ok_or_else(|| Error::setting("RULES", "is not set (env, or SSM under the instance or shared path)"))?;
        let mut transforms = vec![AdditionalTransform {
            bucket: self.output_bucket.clone(),
            path: self.output_base_path.clone(),
            rules: load_rules(raw_rules, "RULES")?,
            compress: None,
        }];
        if let Some(raw) = snapshot.get("ADDITIONAL_TRANSFORMS") {
            transforms.extend(AdditionalTransform::list_from_yaml(raw)?);
        }
        let store = match self.sources.store() {
            Store::Ssm => "SSM",
            Store::SecretsManager => "Secrets Manager",
        };
        let salt = snapshot
            .get("PSOXY_SALT")
            .ok_or_else(|| Error::setting("PSOXY_SALT", format!("is not in {store} (instance or shared path)")))?;
        let secret = |name: &str| snapshot.get(name).map(|v| v.as_bytes().to_vec());
        let secrets = Secrets {
            salt: salt.as_bytes().to_vec(),
            domain_salt: secret("SALT_EMAIL_DOMAINS"),
            encryption_key: secret("ENCRYPTION_KEY_EMAIL_DOMAINS").or_else(|| secret("PSOXY_ENCRYPTION_KEY")),
        };
        let options = veil_core::PseudonymOptions::from_psoxy(&config::process_env, None)?;
        let pseudonymizer = Pseudonymizer::new(&secrets, options)?;
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

    /// Handles one invocation: every object of the event, one after the other, then the
    /// answer its kind asks for.
    ///
    /// # Errors
    /// An unsupported event, the configuration cannot be read, or (direct S3 and EventBridge
    /// events only) an object failed.
    pub async fn handle(self: Arc<Self>, event: Value, deadline: Option<SystemTime>) -> Result<Value> {
        let invocation = Invocation::parse(&event)?;
        let this = Arc::clone(&self);
        let loaded = tokio::task::spawn_blocking(move || this.refresh())
            .await
            .map_err(|e| Error::Internal(format!("configuration task failed: {e}")))??;
        let mut outcomes = Vec::new();
        for object in invocation.objects() {
            let this = Arc::clone(&self);
            let (object, loaded) = (object.clone(), Arc::clone(&loaded));
            let outcome = tokio::task::spawn_blocking(move || this.process(&object, &loaded, deadline))
                .await
                .map_err(|e| Error::Internal(format!("object task failed: {e}")))
                .and_then(|r| r);
            outcomes.push(outcome);
        }
        match invocation {
            Invocation::Direct(objects) => {
                let failed: Vec<String> = objects
                    .iter()
                    .zip(&outcomes)
                    .filter_map(|(o, r)| Some(format!("s3://{}/{}: {}", o.bucket, o.key, r.as_ref().err()?)))
                    .collect();
                if let Some(first) = outcomes.into_iter().find_map(Result::err) {
                    if failed.len() == 1 {
                        return Err(first);
                    }
                    return Err(Error::Usage(format!(
                        "{} objects failed: {}",
                        failed.len(),
                        failed.join("; ")
                    )));
                }
                Ok(json!({"processed": objects.len()}))
            }
            Invocation::Sqs {
                objects,
                mut bad_messages,
            } => {
                for ((id, _), outcome) in objects.iter().zip(&outcomes) {
                    if outcome.is_err() && !bad_messages.contains(id) {
                        bad_messages.push(id.clone());
                    }
                }
                let failures: Vec<Value> = bad_messages.iter().map(|id| json!({"itemIdentifier": id})).collect();
                Ok(json!({"batchItemFailures": failures}))
            }
            Invocation::Batch {
                schema,
                invocation_id,
                tasks,
                bad_tasks,
            } => {
                let mut results: Vec<Value> = tasks
                    .iter()
                    .zip(&outcomes)
                    .map(|((task, _), outcome)| match outcome {
                        Ok(done) => json!({"taskId": task, "resultCode": "Succeeded", "resultString": done}),
                        Err(e) => {
                            json!({"taskId": task, "resultCode": batch_code(e), "resultString": short(&e.to_string())})
                        }
                    })
                    .collect();
                for (task, why) in bad_tasks {
                    results.push(json!({"taskId": task, "resultCode": "PermanentFailure", "resultString": why}));
                }
                Ok(json!({
                    "invocationSchemaVersion": schema,
                    "treatMissingKeysAs": "PermanentFailure",
                    "invocationId": invocation_id,
                    "results": results,
                }))
            }
        }
    }
}

/// psoxy's `psoxy-salt-sha` object metadata: lets an operator check which salt wrote an
/// object without revealing it (std base64 without padding, `/`→`_`, `+`→`.`).
pub fn psoxy_salt_sha(salt: &[u8]) -> String {
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
/// file, bad rules, a missing object, denied access, a deadline or a bug.
fn batch_code(e: &Error) -> &'static str {
    if e.is_transient() {
        "TemporaryFailure"
    } else {
        "PermanentFailure"
    }
}

/// A `resultString` of reasonable length (it lands in the completion report's CSV).
fn short(text: &str) -> String {
    const MAX: usize = 1000;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Tells the Runtime API why the cold start failed (`POST /runtime/init/error`), so that the
/// invocation fails with that message rather than an unexplained exit. Best effort.
fn report_init_error(error: &Error) {
    use std::io::Write;
    let Some(api) = config::process_env("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let error_type = format!("Runtime.{}", error.name());
    let body = json!({"errorMessage": error.to_string(), "errorType": error_type}).to_string();
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: {error_type}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Ok(mut stream) = std::net::TcpStream::connect(&api) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(request.as_bytes());
        let _ = std::io::Read::read(&mut stream, &mut [0u8; 256]);
    }
}

/// The Runtime API's view of an error: its message, and the variant's name as `errorType`.
impl From<Error> for lambda_runtime::Diagnostic {
    fn from(error: Error) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.name().to_owned(),
            error_message: error.to_string(),
        }
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
            log(json!({"status": "init-error", "error": e.to_string(), "error_type": e.name()}));
            report_init_error(&e);
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
                    .map_err(lambda_runtime::Diagnostic::from)
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
            batch_code(&Error::Usage("no applicable rules found".into())),
            "PermanentFailure"
        );
        assert_eq!(batch_code(&Error::Deadline("stopped".into())), "PermanentFailure");
        assert_eq!(batch_code(&Error::Internal("panicked".into())), "PermanentFailure");
        assert_eq!(short(&"é".repeat(1500)).chars().count(), 1001);
    }
}
