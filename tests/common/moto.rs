//! moto, a real S3, SSM and Secrets Manager server on loopback, for the tests that need one:
//! the one `VEIL_TEST_ENDPOINT` names, else one this test process starts (once) from the
//! tests' venv ([`super::python`]) on a free port, ended with the process. Plus proxies in
//! front of it that cut or slow connections.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

use super::{read_output, veil};

/// The server's address: named by the environment, or started here once.
pub fn endpoint() -> String {
    if let Ok(endpoint) = std::env::var("VEIL_TEST_ENDPOINT") {
        return endpoint;
    }
    static STARTED: OnceLock<String> = OnceLock::new();
    STARTED.get_or_init(start).clone()
}

fn start() -> String {
    let venv = super::python::venv();
    let port = super::free_port();
    let mut cmd = Command::new(venv.join("bin/moto_server"));
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    super::spawn_for_life(cmd);
    super::wait_for_port(port, 60, "moto_server");
    format!("http://127.0.0.1:{port}")
}

pub struct Moto {
    pub endpoint: String,
    pub rt: tokio::runtime::Runtime,
    pub s3: aws_sdk_s3::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

/// Clients of the test server: `VEIL_TEST_ENDPOINT` when set, else a moto server this test
/// process starts once (from the tests' venv, installed when missing) and that ends with it.
pub fn moto() -> Moto {
    let endpoint = endpoint();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let creds = Credentials::new("test", "test", None, None, "test");
    let s3 = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(creds.clone())
        .force_path_style(true)
        .build();
    let ssm = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(creds.clone())
        .build();
    let secrets = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(creds)
        .build();
    Moto {
        endpoint,
        rt,
        s3: aws_sdk_s3::Client::from_conf(s3),
        ssm: aws_sdk_ssm::Client::from_conf(ssm),
        secrets: aws_sdk_secretsmanager::Client::from_conf(secrets),
    }
}

static BUCKETS: AtomicUsize = AtomicUsize::new(0);

impl Moto {
    /// A fresh bucket for one test.
    pub fn bucket(&self, name: &str) -> String {
        let bucket = format!(
            "{name}-{}-{}",
            std::process::id(),
            BUCKETS.fetch_add(1, Ordering::Relaxed)
        );
        self.rt
            .block_on(self.s3.create_bucket().bucket(&bucket).send())
            .unwrap();
        bucket
    }

    pub fn put(&self, bucket: &str, key: &str, body: Vec<u8>) {
        self.rt
            .block_on(
                self.s3
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(ByteStream::from(body))
                    .send(),
            )
            .unwrap();
    }

    /// Body (decompressed if gzip), content type and content encoding.
    pub fn get(
        &self,
        bucket: &str,
        key: &str,
    ) -> (
        Vec<u8>,
        Option<String>,
        Option<String>,
        std::collections::HashMap<String, String>,
    ) {
        let out = self
            .rt
            .block_on(self.s3.get_object().bucket(bucket).key(key).send())
            .unwrap();
        let (ct, ce) = (
            out.content_type().map(str::to_owned),
            out.content_encoding().map(str::to_owned),
        );
        let meta = out.metadata().cloned().unwrap_or_default();
        let bytes = self.rt.block_on(out.body.collect()).unwrap().into_bytes().to_vec();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("obj");
        std::fs::write(&path, bytes).unwrap();
        (read_output(&path), ct, ce, meta)
    }

    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let out = self
            .rt
            .block_on(self.s3.list_objects_v2().bucket(bucket).send())
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    }

    pub fn open_uploads(&self, bucket: &str) -> usize {
        let out = self
            .rt
            .block_on(self.s3.list_multipart_uploads().bucket(bucket).send())
            .unwrap();
        out.uploads().len()
    }

    /// `veil` with credentials and the endpoint of this server.
    pub fn veil(&self, dir: &Path) -> Command {
        self.veil_at(dir, &self.endpoint)
    }

    pub fn veil_at(&self, dir: &Path, endpoint: &str) -> Command {
        let mut cmd = veil(dir);
        Moto::aws_env(&mut cmd, endpoint);
        cmd
    }

    /// Credentials, region and `endpoint` in `cmd`'s environment.
    pub fn aws_env(cmd: &mut Command, endpoint: &str) {
        cmd.env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
    }
}

/// A TCP proxy to moto that cuts every connection after `limit` response bytes.
pub fn cutting_proxy(target: &str, limit: usize) -> String {
    proxy(target, limit, None)
}

/// A TCP proxy to moto that sends each response at most `rate` bytes per second.
pub fn slow_proxy(target: &str, rate: usize) -> String {
    proxy(target, usize::MAX, Some(rate))
}

fn proxy(target: &str, limit: usize, rate: Option<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let target = target.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let target = target.clone();
            std::thread::spawn(move || {
                let Ok(server) = TcpStream::connect(&target) else {
                    return;
                };
                let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_read, &mut s_write);
                });
                let (mut s_read, mut c_write) = (server, client);
                let mut sent = 0;
                let mut buf = [0u8; 16384];
                while let Ok(n) = s_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let n = n.min(limit - sent);
                    if c_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                    if let Some(rate) = rate {
                        std::thread::sleep(std::time::Duration::from_secs_f64(n as f64 / rate as f64));
                    }
                    if sent >= limit {
                        let _ = c_write.shutdown(std::net::Shutdown::Both);
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}
