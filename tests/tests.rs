//! Integration tests: one binary, one module per area.

/// Running the built `veil` binary in a temp dir.
mod common;

/// `veil sanitize/check/hash` end to end: outputs, exit codes, messages, no leftovers.
mod cli;

/// Data-driven golden cases in `testdata/golden/`.
mod golden;

/// Every file in `rules-examples/` loads and fits the sample data.
mod examples;

/// The PII guard: scans, fail and warn, allowances, planted data found exactly.
mod pii;

/// The edges of the file system: aliased, special and folder destinations, crashes,
/// concurrent runs, outputs changed behind veil's back, strange input trees, closed pipes.
mod edges;

/// A new user's mistakes refused (no rule column, near misses, options), resources bounded.
mod mistakes;

/// Folder and prefix runs: re-runs, idempotence, failures, interrupts, routing.
mod folder;

/// S3 and SSM against a real local server (moto).
#[cfg(feature = "aws")]
mod s3;

/// The Lambda through the Runtime API, against moto.
#[cfg(feature = "aws")]
mod lambda;

/// deploy/template.yaml deployed into moto, and the Lambda run with the deployed configuration.
#[cfg(feature = "aws")]
mod deploy;

/// The Python package and the Spark, DuckDB and Polars recipes, against the CLI.
mod python;

/// The documents' links and anchors resolve; the README stays short.
mod docs;

/// The warehouse SQL of docs/sql/ on PostgreSQL and DuckDB: loads, accumulation, pseudonyms.
mod warehouse;
