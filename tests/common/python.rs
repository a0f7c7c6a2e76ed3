//! The tests' Python: a venv with the pinned moto, aws-sam-translator and DuckDB. The one
//! `VEIL_TEST_PYTHON` belongs to when set, else `target/test-venv`, made (once, under a lock)
//! by `scripts/test-venv.sh` when missing.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use super::root;

/// The venv's folder.
pub fn venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        if let Some(python) = std::env::var_os("VEIL_TEST_PYTHON") {
            let python = PathBuf::from(python);
            return python
                .parent()
                .and_then(|bin| bin.parent())
                .expect("a venv's bin/python")
                .to_path_buf();
        }
        let out = Command::new("bash")
            .arg(root().join("scripts/test-venv.sh"))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "scripts/test-venv.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).expect("a path").trim())
    })
    .clone()
}

/// The venv's python.
pub fn python() -> PathBuf {
    venv().join("bin/python")
}
