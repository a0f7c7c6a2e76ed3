//! What a run did: rows, bytes, and per output its columns, warnings, findings and digest.

use crate::pii::Finding;

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The input's name.
    pub input: String,
    /// Data rows read (and written to each output).
    pub rows: u64,
    /// Decoded input bytes read.
    pub input_bytes: u64,
    /// One entry per output, in order.
    pub outputs: Vec<OutputSummary>,
}

/// What was written to one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSummary {
    /// The output's location.
    pub location: String,
    /// Output columns.
    pub columns: usize,
    /// Output columns holding pseudonyms.
    pub pseudonymized: usize,
    /// Columns the file lacks (written empty), rule names matching no column, `--pii-allow`
    /// columns the output lacks: names only, never values.
    pub warnings: Vec<String>,
    /// Personal data found in its clear columns (PII guard), minus what was allowed.
    pub findings: Vec<Finding>,
    /// Bytes written, as stored (compressed, for a gzip output).
    pub bytes: u64,
    /// XXH3-128 of the bytes written, as stored: what a re-run compares
    /// to tell an output that changed since.
    pub digest: u128,
}
