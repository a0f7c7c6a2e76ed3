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

/// The venv, with the Python package built from this checkout (`maturin build --release`,
/// crates/veil-python) and installed as a wheel, once per test run (and under a lock, for
/// test processes running side by side).
pub fn with_wheel() -> PathBuf {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let venv = venv();
            let wheels = root().join("target/wheels");
            std::fs::create_dir_all(&wheels).expect("target/wheels");
            let lock = std::fs::File::create(wheels.join(".lock")).expect("the wheel lock");
            lock.lock().expect("the wheel lock");
            let started = std::time::Instant::now();
            let built = || -> Vec<PathBuf> {
                std::fs::read_dir(&wheels)
                    .expect("target/wheels")
                    .map(|e| e.expect("an entry").path())
                    .filter(|p| p.extension().is_some_and(|e| e == "whl"))
                    .collect()
            };
            for old in built() {
                std::fs::remove_file(old).expect("an old wheel removed");
            }
            let out = Command::new(venv.join("bin/maturin"))
                .current_dir(root().join("crates/veil-python"))
                .args(["build", "--release", "-o"])
                .arg(&wheels)
                .arg("-i")
                .arg(venv.join("bin/python"))
                .output()
                .expect("maturin runs");
            assert!(
                out.status.success(),
                "maturin build failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let wheel = match built().as_slice() {
                [one] => one.clone(),
                other => panic!("maturin built {other:?}"),
            };
            let out = Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--force-reinstall", "--no-deps"])
                .arg(&wheel)
                .output()
                .expect("pip runs");
            assert!(
                out.status.success(),
                "installing {} failed:\n{}",
                wheel.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            eprintln!("built and installed {} in {:?}", wheel.display(), started.elapsed());
            venv
        })
        .clone()
}
