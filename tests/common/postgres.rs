//! A real PostgreSQL server for the warehouse tests: the one `VEIL_TEST_PG` names (a libpq
//! keyword/value string), else a throw-away cluster this test process makes (once) with the
//! machine's PostgreSQL binaries (`initdb`, `postgres`), in a temp folder, trust auth, on
//! 127.0.0.1 and a free port, ended with the process. As root, the cluster is owned and run
//! by the `postgres` system user (initdb refuses root).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A connection string for an administrator of the server.
pub fn admin() -> String {
    if let Ok(conn) = std::env::var("VEIL_TEST_PG") {
        return conn;
    }
    static STARTED: OnceLock<String> = OnceLock::new();
    STARTED.get_or_init(start).clone()
}

/// The newest `/usr/lib/postgresql/*/bin`, or `pg_config --bindir`.
fn binaries() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    if let Some(bin) = found.pop() {
        return bin;
    }
    let out = Command::new("pg_config").arg("--bindir").output();
    match out {
        Ok(out) if out.status.success() => PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
        _ => panic!(
            "the warehouse tests need PostgreSQL's server binaries (initdb, postgres): install them \
             (Debian: apt-get install postgresql), or set VEIL_TEST_PG to a server's connection string"
        ),
    }
}

/// The `postgres` system user's uid and gid, when running as root.
fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let user = std::ffi::CString::new("postgres").expect("no NUL");
    // SAFETY: a valid NUL-terminated name; the record is read at once, before any other call.
    let entry = unsafe { libc::getpwnam(user.as_ptr()) };
    assert!(
        !entry.is_null(),
        "running as root needs a `postgres` user (Debian's postgresql package makes it)"
    );
    // SAFETY: checked not null above.
    let entry = unsafe { &*entry };
    Some((entry.pw_uid, entry.pw_gid))
}

/// `program` in `bin`, as the `postgres` user when running as root.
fn command(bin: &Path, program: &str, user: Option<(u32, u32)>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(bin.join(program));
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn start() -> String {
    let bin = binaries();
    let user = run_as();
    let dir = std::env::temp_dir().join(format!("veil-test-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder for the cluster");
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the cluster's folder");
    }
    let data = dir.join("data");
    let out = command(&bin, "initdb", user)
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ])
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = super::free_port();
    let mut server = command(&bin, "postgres", user);
    server
        .arg("-D")
        .arg(&data)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
        ])
        .arg("-k")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    super::spawn_for_life(server);
    super::wait_for_port(port, 60, "postgres");
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}
