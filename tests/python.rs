//! The Python package (crates/veil-python), built as a wheel and installed into the test
//! venv, then its pytest files in tests/python/ run against the CLI of the same build: the
//! package's pseudonyms, sanitize and check; the Spark, DuckDB and Polars recipes of
//! docs/python/ that docs/warehouse.md quotes.

use std::process::Command;

use crate::common::{python, root};

/// Runs one pytest file; its output is shown when it fails.
fn pytest(file: &str) {
    let venv = python::with_wheel();
    let out = Command::new(venv.join("bin/python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header"])
        .arg(root().join("tests/python").join(file))
        .env("VEIL_ROOT", root())
        .env("VEIL_BIN", env!("CARGO_BIN_EXE_veil"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("pytest runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pytest {file}:\n{text}");
    eprintln!("{}", text.lines().last().unwrap_or_default());
}

#[test]
fn the_package_equals_the_cli() {
    pytest("test_package.py");
}

#[test]
fn the_spark_recipe_equals_the_cli_over_partitions() {
    pytest("test_spark.py");
}

#[test]
fn the_duckdb_and_polars_recipes_equal_the_cli() {
    pytest("test_duckdb_polars.py");
}
