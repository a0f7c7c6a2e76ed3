//! A small emulator of the Lambda Runtime API (the documented HTTP interface the function
//! polls), and the `veil` binary run against it as a function, its stdout collected as log
//! lines. `VEIL_TEST_LAMBDA_BIN` runs another build of the function instead (the arm64
//! `bootstrap`), through `VEIL_TEST_LAMBDA_RUNNER` when set (`qemu-aarch64 -L SYSROOT`).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::moto::Moto;
use super::{read_request, root};

/// What the function answered to one invocation.
#[derive(Debug)]
pub enum Outcome {
    Response(Value),
    Error(String),
}

/// A minimal Lambda Runtime API: hands out queued events, collects answers.
pub struct RuntimeApi {
    address: String,
    events: Sender<(String, String, u64)>,
    outcomes: Receiver<Outcome>,
    next_id: usize,
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (events, queue) = channel::<(String, String, u64)>();
        let (report, outcomes) = channel::<Outcome>();
        let queue = Arc::new(Mutex::new(queue));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (queue, report) = (Arc::clone(&queue), report.clone());
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    while let Some((method, path, body)) = read_request(&mut reader) {
                        let reply = if method == "GET" && path.ends_with("/invocation/next") {
                            let Ok((id, event, deadline)) = queue.lock().unwrap().recv() else {
                                return;
                            };
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:veil-test\r\n\
                                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{event}",
                                event.len()
                            )
                        } else {
                            let text = String::from_utf8_lossy(&body).into_owned();
                            let outcome = if path.ends_with("/response") {
                                Outcome::Response(serde_json::from_str(&text).unwrap_or(Value::String(text)))
                            } else {
                                Outcome::Error(text)
                            };
                            let _ = report.send(outcome);
                            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}".to_owned()
                        };
                        if writer.write_all(reply.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        RuntimeApi {
            address,
            events,
            outcomes,
            next_id: 0,
        }
    }

    pub fn invoke(&mut self, event: &str) -> Outcome {
        self.invoke_until(event, 9_999_999_999_999)
    }

    /// Invokes with a deadline (milliseconds since the Unix epoch), as Lambda sets it.
    pub fn invoke_until(&mut self, event: &str, deadline_ms: u64) -> Outcome {
        self.next_id += 1;
        self.events
            .send((format!("req-{}", self.next_id), event.to_owned(), deadline_ms))
            .unwrap();
        self.outcomes
            .recv_timeout(Duration::from_secs(120))
            .expect("the function answers")
    }
}

/// A running function: its process, its Runtime API and its log lines.
pub struct Function {
    pub api: RuntimeApi,
    child: Child,
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Function {
    pub fn start(m: &Moto, env: &[(&str, &str)]) -> Function {
        Function::start_at(m, &m.endpoint, env)
    }

    /// A function whose AWS calls go to `endpoint` (a proxy in front of moto).
    pub fn start_at(m: &Moto, endpoint: &str, env: &[(&str, &str)]) -> Function {
        let _ = m;
        let api = RuntimeApi::start();
        let mut cmd = function_command();
        Moto::aws_env(&mut cmd, endpoint);
        cmd.env_remove("VEIL_SALT")
            .env("AWS_LAMBDA_RUNTIME_API", &api.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "veil-test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/veil-test")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Function { api, child, logs }
    }

    pub fn logs(&self) -> Vec<Value> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The log lines once `ready` holds for them (or after 10 s): a line is written after the
    /// invocation's answer and read by another thread, so it may arrive a moment later.
    pub fn logs_when(&self, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs();
            if ready(&logs) || std::time::Instant::now() > deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The function's process: the `veil` binary of this build, or `VEIL_TEST_LAMBDA_BIN` (run
/// through `VEIL_TEST_LAMBDA_RUNNER` when set), with a clean environment.
fn function_command() -> Command {
    let Some(bin) = std::env::var_os("VEIL_TEST_LAMBDA_BIN") else {
        return super::veil(&root());
    };
    let runner = std::env::var("VEIL_TEST_LAMBDA_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut cmd = Command::new(program);
            cmd.args(words).arg(&bin);
            cmd
        }
        None => Command::new(&bin),
    };
    cmd.current_dir(root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null());
    cmd
}

/// Invokes `f` with the sample's S3 put event for `bucket` and expects one object processed.
pub fn invoke_ok(f: &mut Function, bucket: &str) {
    match f.api.invoke(&fixture("s3-put.json", bucket)) {
        Outcome::Response(v) => assert_eq!(v["processed"], 1, "{v}"),
        other => panic!("{other:?}"),
    }
}

pub fn fixture(name: &str, bucket: &str) -> String {
    std::fs::read_to_string(root().join("testdata/events").join(name))
        .unwrap()
        .replace("veil-input", bucket)
}

pub fn sample() -> Vec<u8> {
    std::fs::read(root().join("testdata/hris-sample.csv")).unwrap()
}
