//! S3 and SSM (feature `aws`): a streaming GetObject source, a multipart-upload sink that
//! is completed only on commit and aborted otherwise, and SSM parameter reads.
//!
//! The core is synchronous; these adapters bridge to the async SDK with a runtime
//! [`Handle`]. Call them from a thread that may block (the CLI's main thread, or
//! `spawn_blocking` in the Lambda), never from inside an async task.

use std::collections::HashMap;
use std::io::{self, Write};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use tokio::runtime::Handle;
use tokio::task::{JoinError, JoinSet};
use tokio_util::io::SyncIoBridge;

use crate::location::{Listed, S3Path};
use veil_core::{Error, Result};
use veil_core::{Input, Output, decode};

/// Default multipart part size; S3 requires at least 5 MiB for all parts but the last.
pub const PART_SIZE: usize = 8 << 20;

/// The AWS clients, built once (per process, or per Lambda cold start).
#[derive(Clone, Debug)]
pub struct Aws {
    /// S3 client (path-style when an endpoint override is set).
    pub s3: aws_sdk_s3::Client,
    /// SSM client.
    pub ssm: aws_sdk_ssm::Client,
    /// Secrets Manager client.
    pub secrets: aws_sdk_secretsmanager::Client,
    /// Runtime the clients run on.
    pub handle: Handle,
}

impl Aws {
    /// Clients from the standard AWS chain (env, profile, IMDS), `AWS_ENDPOINT_URL` included.
    /// Region defaults to `us-east-1` when none is configured.
    pub async fn from_env() -> Aws {
        use aws_config::meta::region::RegionProviderChain;
        let region = RegionProviderChain::default_provider().or_else("us-east-1");
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(region)
            .load()
            .await;
        // No variable sets path-style, and virtual-host style fails against local servers.
        let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()));
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(endpoint)
            .build();
        Aws {
            s3: aws_sdk_s3::Client::from_conf(s3),
            ssm: aws_sdk_ssm::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
            handle: Handle::current(),
        }
    }
}

/// A short message for an SDK error: `code (status): message` for service errors, the
/// cause chain otherwise (never the raw response).
fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E, HttpResponse>) -> String {
    match e {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let err = service.err();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code} (HTTP {status}): {message}"),
                (Some(code), None) => format!("{code} (HTTP {status})"),
                _ => format!("HTTP {status}"),
            }
        }
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}

/// Failures worth trying again later: throttling, server errors, timeouts, connections
/// that failed or dropped. (Missing objects, denied access and bad requests are not.)
fn transient<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            status == 429
                || status >= 500
                || matches!(
                    service.err().code(),
                    Some("SlowDown" | "Throttling" | "ThrottlingException" | "RequestTimeout")
                )
        }
        _ => false,
    }
}

/// An SDK error as an I/O error; a transient one gets the kind `ResourceBusy` so that
/// [`Error::is_transient`] can tell it apart.
pub(crate) fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    context: String,
    e: SdkError<E, HttpResponse>,
) -> Error {
    let kind = if transient(&e) {
        io::ErrorKind::ResourceBusy
    } else {
        io::ErrorKind::Other
    };
    Error::io(context, io::Error::new(kind, describe(&e)))
}

/// An object's bytes as they arrive. A failure here is the connection's (dropped or
/// stalled), so it is marked as worth trying again.
struct Body<R>(R);

impl<R: io::Read> io::Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::Other => io::Error::new(io::ErrorKind::ConnectionAborted, e),
            _ => e,
        })
    }
}

/// What a source object says about itself.
#[derive(Debug, Clone, Default)]
pub struct Head {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// User metadata.
    pub metadata: HashMap<String, String>,
}

/// HEAD of an object.
///
/// # Errors
/// The object is missing or unreadable.
pub fn head(aws: &Aws, at: &S3Path) -> Result<Head> {
    let out = aws
        .handle
        .block_on(aws.s3.head_object().bucket(&at.bucket).key(&at.key).send())
        .map_err(|e| sdk_error(format!("reading {at}"), e))?;
    Ok(Head {
        content_type: out.content_type().map(str::to_owned),
        content_encoding: out.content_encoding().map(str::to_owned),
        metadata: out.metadata().cloned().unwrap_or_default(),
    })
}

/// HEAD of an object, or `None` when there is none at that key.
///
/// # Errors
/// The bucket is unreadable.
pub fn head_if_any(aws: &Aws, at: &S3Path) -> Result<Option<Head>> {
    let request = aws.s3.head_object().bucket(&at.bucket).key(&at.key).send();
    match aws.handle.block_on(request) {
        Ok(out) => Ok(Some(Head {
            content_type: out.content_type().map(str::to_owned),
            content_encoding: out.content_encoding().map(str::to_owned),
            metadata: out.metadata().cloned().unwrap_or_default(),
        })),
        Err(SdkError::ServiceError(e)) if e.raw().status().as_u16() == 404 => Ok(None),
        Err(e) => Err(sdk_error(format!("reading {at}"), e)),
    }
}

/// Every object under `prefix` in `bucket`, in key order.
///
/// # Errors
/// The bucket cannot be listed.
pub fn list(aws: &Aws, bucket: &str, prefix: &str) -> Result<Vec<Listed>> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let request = aws
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take())
            .send();
        let page = aws
            .handle
            .block_on(request)
            .map_err(|e| sdk_error(format!("listing s3://{bucket}/{prefix}"), e))?;
        for object in page.contents() {
            if let Some(key) = object.key() {
                found.push(Listed {
                    key: key.to_owned(),
                    etag: object.e_tag().map(str::to_owned),
                    size: object.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                });
            }
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// Streams an object (gunzipped when it starts with the gzip magic): never the whole
/// object in memory, never a copy on disk.
///
/// # Errors
/// The object is missing or unreadable.
pub fn open(aws: &Aws, at: &S3Path) -> Result<Input> {
    let out = aws
        .handle
        .block_on(aws.s3.get_object().bucket(&at.bucket).key(&at.key).send())
        .map_err(|e| sdk_error(format!("reading {at}"), e))?;
    let size = out.content_length().and_then(|n| u64::try_from(n).ok());
    let body = SyncIoBridge::new_with_handle(out.body.into_async_read(), aws.handle.clone());
    decode(Box::new(Body(body)), &at.to_string(), size)
}

/// Headers and metadata of an object veil writes.
#[derive(Debug, Clone, Default)]
pub struct ObjectInfo {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// gzip-compress the body (sets `Content-Encoding: gzip`).
    pub gzip: bool,
    /// User metadata (`x-amz-meta-*`).
    pub metadata: HashMap<String, String>,
}

/// The part size: `VEIL_S3_PART_SIZE` bytes if set (at least 5 MiB), else [`PART_SIZE`].
pub fn part_size() -> usize {
    std::env::var("VEIL_S3_PART_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PART_SIZE)
        .max(5 << 20)
}

/// psoxy's content type for a key (`.gz` stripped first), or `None` to leave S3's default.
pub fn content_type_for(key: &str) -> Option<String> {
    let key = key.strip_suffix(".gz").unwrap_or(key);
    let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    match ext.as_str() {
        "csv" => Some("text/csv; charset=utf-8".into()),
        "ndjson" | "jsonl" => Some("application/x-ndjson".into()),
        "json" => Some("application/json".into()),
        _ => None,
    }
}

/// Creates an S3 output. The multipart upload starts at once, so a missing bucket or a
/// denied write fails before any row is read; parts are uploaded as they fill, up to
/// [`PARTS_IN_FLIGHT`] at a time; the object appears only on commit; abort (or drop) aborts
/// the upload.
///
/// # Errors
/// The upload cannot be started (missing bucket, access denied, network).
pub fn create(aws: &Aws, at: &S3Path, info: ObjectInfo, part_size: usize) -> Result<Box<dyn Output>> {
    let mut upload = Upload {
        aws: aws.clone(),
        at: at.clone(),
        info: info.clone(),
        part_size: part_size.max(5 << 20),
        buffer: Vec::new(),
        upload_id: None,
        sent: 0,
        uploading: JoinSet::new(),
        parts: Vec::new(),
    };
    upload.start()?;
    Ok(Box::new(upload))
}

/// Parts of one output uploading at once. One part at a time leaves the link idle while the
/// next part fills and while each request waits for its reply; a few in flight keep it busy.
/// Each holds its own buffer, so memory is this many × the part size (32 MiB at the default
/// 8 MiB), plus the part filling, per S3 output.
pub const PARTS_IN_FLIGHT: usize = 4;

/// What an uploaded part reports: its number and ETag, or the error message.
type PartResult = std::result::Result<CompletedPart, String>;

struct Upload {
    aws: Aws,
    at: S3Path,
    info: ObjectInfo,
    part_size: usize,
    /// The part filling.
    buffer: Vec<u8>,
    /// `None` once completed or aborted: nothing left to abort, nothing more to send.
    upload_id: Option<String>,
    /// How many parts were sent (the last part's number).
    sent: i32,
    /// Parts uploading now, each owning its buffer; at most [`PARTS_IN_FLIGHT`].
    uploading: JoinSet<PartResult>,
    /// Parts uploaded, in the order they finished.
    parts: Vec<CompletedPart>,
}

impl Upload {
    fn start(&mut self) -> Result<()> {
        let request = self
            .aws
            .s3
            .create_multipart_upload()
            .bucket(&self.at.bucket)
            .key(&self.at.key)
            .set_content_type(self.info.content_type.clone())
            .set_content_encoding(self.info.gzip.then(|| "gzip".to_owned()))
            .set_metadata(Some(self.info.metadata.clone()))
            .send();
        let context = || format!("writing {}", self.at);
        let created = self.aws.handle.block_on(request).map_err(|e| sdk_error(context(), e))?;
        let id = created
            .upload_id()
            .ok_or_else(|| Error::io(context(), io::Error::other("no upload id")))?;
        self.upload_id = Some(id.to_owned());
        Ok(())
    }

    /// Sends the buffer as the next part, in the background, once fewer than
    /// [`PARTS_IN_FLIGHT`] are uploading.
    fn upload_part(&mut self) -> io::Result<()> {
        while self.uploading.len() >= PARTS_IN_FLIGHT {
            self.wait_one()?;
        }
        self.sent += 1;
        let number = self.sent;
        // The next part will fill too: allocate it whole once rather than by doubling.
        let body = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.part_size));
        let request = self
            .aws
            .s3
            .upload_part()
            .bucket(&self.at.bucket)
            .key(&self.at.key)
            .set_upload_id(self.upload_id.clone())
            .part_number(number)
            .body(ByteStream::from(body));
        let task = async move {
            let part = request.send().await.map_err(|e| describe(&e))?;
            Ok(CompletedPart::builder()
                .set_e_tag(part.e_tag().map(str::to_owned))
                .part_number(number)
                .build())
        };
        self.uploading.spawn_on(task, &self.aws.handle);
        Ok(())
    }

    /// Waits for any one part in flight to finish, and records it.
    fn wait_one(&mut self) -> io::Result<()> {
        match self.aws.handle.block_on(self.uploading.join_next()) {
            Some(done) => self.record(done),
            None => Ok(()),
        }
    }

    /// Records the parts that have finished, without waiting for the others.
    fn collect_finished(&mut self) -> io::Result<()> {
        while let Some(done) = self.uploading.try_join_next() {
            self.record(done)?;
        }
        Ok(())
    }

    /// Records one finished part. A failed part aborts the whole upload at once (the other
    /// parts are cancelled), so the object can never be completed without it.
    fn record(&mut self, done: std::result::Result<PartResult, JoinError>) -> io::Result<()> {
        let error = match done {
            Ok(Ok(part)) => {
                self.parts.push(part);
                return Ok(());
            }
            Ok(Err(message)) => io::Error::other(message),
            Err(e) => io::Error::other(e), // the task panicked or was cancelled
        };
        self.abort_upload();
        Err(error)
    }

    /// Sends the last part and waits for every part of a multipart object: everything that
    /// can fail short of completing it. (A small object is one PUT, at commit.)
    fn send_all(&mut self) -> Result<()> {
        let at = self.at.to_string();
        let context = || format!("writing {at}");
        if self.upload_id.is_none() {
            return Err(Error::io(context(), aborted()));
        }
        if self.sent > 0 && !self.buffer.is_empty() {
            self.upload_part().map_err(|e| Error::io(context(), e))?;
        }
        while !self.uploading.is_empty() {
            self.wait_one().map_err(|e| Error::io(context(), e))?;
        }
        Ok(())
    }

    /// Completes the object; on error the caller aborts.
    fn finish(&mut self) -> Result<()> {
        let at = self.at.to_string();
        let context = || format!("writing {at}");
        let s3 = self.aws.s3.clone();
        let (bucket, key) = (self.at.bucket.clone(), self.at.key.clone());
        if self.upload_id.is_none() {
            return Err(Error::io(context(), aborted()));
        }
        if self.sent == 0 {
            // Small object: one PUT; the upload started at open only checked access.
            self.abort_upload();
            let body = ByteStream::from(std::mem::take(&mut self.buffer));
            self.aws
                .handle
                .block_on(
                    s3.put_object()
                        .bucket(&bucket)
                        .key(&key)
                        .set_content_type(self.info.content_type.clone())
                        .set_content_encoding(self.info.gzip.then(|| "gzip".to_owned()))
                        .set_metadata(Some(self.info.metadata.clone()))
                        .body(body)
                        .send(),
                )
                .map_err(|e| sdk_error(context(), e))?;
        } else {
            self.send_all()?;
            // Parts finish in any order; S3 wants them by number, and every one of them (it
            // would complete an object with a gap).
            let mut parts = std::mem::take(&mut self.parts);
            parts.sort_by_key(|p| p.part_number());
            if parts.len() != self.sent as usize {
                return Err(Error::io(context(), io::Error::other("a part is missing")));
            }
            let parts = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
            self.aws
                .handle
                .block_on(
                    s3.complete_multipart_upload()
                        .bucket(&bucket)
                        .key(&key)
                        .set_upload_id(self.upload_id.clone())
                        .multipart_upload(parts)
                        .send(),
                )
                .map_err(|e| sdk_error(context(), e))?;
            self.upload_id = None; // completed: nothing left to abort
        }
        Ok(())
    }

    /// Aborts the multipart upload unless it was completed (or already aborted). Parts still
    /// uploading are cancelled, and waited for, first: none is being sent after the abort.
    fn abort_upload(&mut self) {
        if !self.uploading.is_empty() {
            self.aws.handle.block_on(self.uploading.shutdown());
        }
        if let Some(id) = self.upload_id.take() {
            let request = self
                .aws
                .s3
                .abort_multipart_upload()
                .bucket(&self.at.bucket)
                .key(&self.at.key)
                .upload_id(id)
                .send();
            // Best effort: the bucket's lifecycle rule for incomplete uploads is the backstop.
            let _ = self.aws.handle.block_on(request);
        }
    }
}

/// The error for writing to, or committing, an upload aborted because a part failed (that
/// part's own error was returned first).
fn aborted() -> io::Error {
    io::Error::other("the upload was aborted after an earlier error")
}

impl Write for Upload {
    /// Takes at most what fills the current part, so every part but the last is exactly the
    /// part size; a part that failed since the last write surfaces here.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.collect_finished()?;
        if self.upload_id.is_none() {
            return Err(aborted());
        }
        let n = buf.len().min(self.part_size - self.buffer.len());
        self.buffer.extend_from_slice(&buf[..n]);
        if self.buffer.len() == self.part_size {
            self.upload_part()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Output for Upload {
    fn prepare(&mut self) -> Result<()> {
        let result = self.send_all();
        if result.is_err() {
            self.abort_upload();
        }
        result
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        let result = self.finish();
        if result.is_err() {
            self.abort_upload();
        }
        result
    }

    fn abort(mut self: Box<Self>) {
        self.abort_upload();
    }

    fn gzip(&self) -> bool {
        self.info.gzip
    }
}

/// Whatever was not completed is aborted: no partial object, even on panic.
impl Drop for Upload {
    fn drop(&mut self) {
        self.abort_upload();
    }
}

/// Reads a parameter (SecureStrings decrypted); `None` when absent or psoxy's placeholder
/// `fill me`.
///
/// # Errors
/// Any failure other than "not found" (access denied, network).
pub fn parameter(aws: &Aws, name: &str) -> Result<Option<String>> {
    let request = aws.ssm.get_parameter().name(name).with_decryption(true).send();
    match aws.handle.block_on(request) {
        Ok(out) => Ok(out
            .parameter()
            .and_then(|p| p.value())
            .filter(|v| *v != "fill me")
            .map(str::to_owned)),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_not_found()) => Ok(None),
        Err(e) => Err(sdk_error(format!("reading SSM parameter {name}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_psoxy() {
        assert_eq!(
            content_type_for("a/b.csv.gz").as_deref(),
            Some("text/csv; charset=utf-8")
        );
        assert_eq!(content_type_for("a/b.CSV").as_deref(), Some("text/csv; charset=utf-8"));
        assert_eq!(content_type_for("a/b.jsonl").as_deref(), Some("application/x-ndjson"));
        assert_eq!(content_type_for("a/b"), None);
    }
}
