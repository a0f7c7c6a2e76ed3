//! The Lambda's log lines: one JSON object a line on stdout, which CloudWatch Logs takes.
//!
//! Each object's line is also a CloudWatch Embedded Metric Format record: an `_aws` block
//! declares the metrics (namespace `veil`, dimension `FunctionName`) and the line carries
//! them as numbers, so that CloudWatch makes metrics of them with no agent and no API call:
//! `Rows`, `InputBytes`, `Seconds`, `PiiFindings` (cells) and `Warnings` for every object,
//! and `Failures` (1) for a failed one. No value, name of a person or column content is ever
//! a metric or a dimension: the dimension is the function's name.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The metrics namespace.
pub const NAMESPACE: &str = "veil";

/// What one object did, as metrics.
#[derive(Debug, Default, Clone, Copy)]
pub struct Metrics {
    /// Data rows written.
    pub rows: u64,
    /// Bytes of the input read.
    pub input_bytes: u64,
    /// Time the object took.
    pub seconds: f64,
    /// Cells of personal data found in the shared copy's clear columns.
    pub pii_findings: u64,
    /// Warnings (missing columns, names matching nothing).
    pub warnings: u64,
    /// True for a failed object.
    pub failed: bool,
}

impl Metrics {
    /// `line` with the metrics and their EMF declaration added.
    pub fn into_line(self, mut line: Map<String, Value>, function: &str) -> Value {
        let mut declared = vec![
            ("Rows", "Count", json!(self.rows)),
            ("InputBytes", "Bytes", json!(self.input_bytes)),
            ("Seconds", "Seconds", json!((self.seconds * 1000.0).round() / 1000.0)),
            ("PiiFindings", "Count", json!(self.pii_findings)),
            ("Warnings", "Count", json!(self.warnings)),
        ];
        if self.failed {
            declared.push(("Failures", "Count", json!(1)));
        }
        let metrics: Vec<Value> = declared
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
            .collect();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        line.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": metrics,
                }],
            }),
        );
        line.insert("FunctionName".into(), json!(function));
        for (name, _, value) in declared {
            line.insert(name.into(), value);
        }
        Value::Object(line)
    }
}

/// Writes one log line.
pub fn log(line: Value) {
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_declares_its_metrics_and_carries_them_as_numbers() {
        let mut line = Map::new();
        line.insert("status".into(), json!("ok"));
        let metrics = Metrics {
            rows: 200,
            input_bytes: 21344,
            seconds: 0.0414,
            pii_findings: 3,
            warnings: 1,
            failed: false,
        };
        let value = metrics.into_line(line, "veil-test");
        let aws = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(aws["Namespace"], "veil");
        assert_eq!(aws["Dimensions"], json!([["FunctionName"]]));
        let names: Vec<&str> = aws["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Rows", "InputBytes", "Seconds", "PiiFindings", "Warnings"]);
        assert_eq!(
            (value["Rows"].as_u64(), value["Seconds"].as_f64()),
            (Some(200), Some(0.041))
        );
        assert_eq!(value["FunctionName"], "veil-test");
        assert!(value["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
        let failed = Metrics {
            failed: true,
            ..Metrics::default()
        }
        .into_line(Map::new(), "f");
        assert_eq!(failed["Failures"], 1);
    }
}
