#[cfg(feature = "aws")]
use std::io::{BufRead, BufReader, Read};
#[cfg(feature = "aws")]
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `veil` command with a clean environment: salt `salt` unless `env` overrides it.
pub fn veil(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_veil"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("VEIL_SALT", "salt").stdin(Stdio::null());
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("veil runs");
    (
        status.code().expect("exit code"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Reads a possibly gzipped output. A gzip output must be one member: read with a reader
/// that stops after the first (as Python's `zlib.decompress(data, 31)` does), nothing may
/// be left.
pub fn read_output(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let mut one_member = flate2::bufread::GzDecoder::new(&bytes[..]);
        one_member.read_to_end(&mut out).expect("gunzip");
        assert!(
            one_member.into_inner().is_empty(),
            "{}: more than one gzip member",
            path.display()
        );
        out
    } else {
        bytes
    }
}

/// Reads one HTTP/1.1 request (method, path, body) for the test servers; `None` at EOF.
#[cfg(feature = "aws")]
pub fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

/// The tests' Python: a venv with moto, aws-sam-translator and DuckDB.
pub mod python;

/// A PostgreSQL server for the warehouse tests.
pub mod postgres;

/// moto: S3, SSM and Secrets Manager on loopback.
#[cfg(feature = "aws")]
pub mod moto;

/// A checker of CloudWatch Embedded Metric Format log lines.
#[cfg(feature = "aws")]
pub mod emf;

/// The Lambda Runtime API emulator and the function run against it.
#[cfg(feature = "aws")]
pub mod lambda_api;

/// Starts `cmd` so that it ends with this test process: from a thread that lives as long as
/// the process (the kernel's parent-death signal follows the thread that started a child, and
/// test threads end with their test), asking for SIGTERM when its parent dies. That thread
/// also reaps the child should it end first. Returns its pid.
pub fn spawn_for_life(mut cmd: Command) -> u32 {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl only sets this process's parent-death signal; nothing else runs between
    // fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            let _ = tx.send(Ok(child.id()));
            let _ = child.wait();
        }
        Err(e) => {
            let _ = tx.send(Err(e));
        }
    });
    rx.recv()
        .expect("the spawning thread answers")
        .expect("the server starts")
}

/// Waits until something listens on `port` on loopback, or panics after `secs` naming `what`.
pub fn wait_for_port(port: u16, secs: u64, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not start on port {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("an address")
        .port()
}
