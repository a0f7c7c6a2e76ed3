//! A checker of CloudWatch Embedded Metric Format records, after the specification
//! (docs.aws.amazon.com, "Specification: Embedded metric format"): what CloudWatch would
//! reject or silently drop, as a message naming the rule broken.

use serde_json::{Map, Value};

/// The units CloudWatch accepts.
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// A name of a namespace, dimension or metric: 1 to `max` characters, not only white
/// space, no ASCII control character, not starting with a colon.
fn name(what: &str, text: &Value, max: usize) -> Result<String, String> {
    let text = text.as_str().ok_or(format!("{what} is not a string"))?;
    let chars = text.chars().count();
    if chars == 0 || chars > max {
        return Err(format!("{what} {text:?}: {chars} characters, 1 to {max} allowed"));
    }
    if text.trim().is_empty() || text.chars().any(|c| c.is_ascii_control()) || text.starts_with(':') {
        return Err(format!(
            "{what} {text:?}: blank, a control character or a leading colon"
        ));
    }
    Ok(text.to_owned())
}

/// Checks one log line; returns the metrics it declares, with their values and units.
pub fn check(line: &str) -> Result<Vec<(String, f64, String)>, String> {
    if line.len() > 256 * 1024 {
        return Err(format!("{} bytes: more than a log event holds", line.len()));
    }
    let root: Map<String, Value> = serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let aws = root.get("_aws").and_then(Value::as_object).ok_or("no _aws object")?;
    let timestamp = aws
        .get("Timestamp")
        .and_then(Value::as_u64)
        .ok_or("_aws.Timestamp is not a non-negative integer")?;
    if timestamp < 1_000_000_000_000 {
        return Err(format!(
            "_aws.Timestamp {timestamp} is not in milliseconds since the epoch"
        ));
    }
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .ok_or("_aws.CloudWatchMetrics is not an array")?;
    if directives.is_empty() {
        return Err("_aws.CloudWatchMetrics declares nothing".into());
    }
    let mut declared = Vec::new();
    for directive in directives {
        name("Namespace", &directive["Namespace"], 1024)?;
        let dimension_sets = directive["Dimensions"].as_array().ok_or("Dimensions is not an array")?;
        let mut dimensions = Vec::new();
        for set in dimension_sets {
            let set = set.as_array().ok_or("a dimension set is not an array")?;
            if set.len() > 30 {
                return Err(format!("{} dimensions in a set: 30 allowed", set.len()));
            }
            for dimension in set {
                let dimension = name("dimension", dimension, 250)?;
                let value = root
                    .get(&dimension)
                    .ok_or(format!("dimension {dimension} has no member"))?;
                let value = value
                    .as_str()
                    .ok_or(format!("dimension {dimension}'s value is not a string"))?;
                if value.is_empty() || value.chars().count() > 1024 {
                    return Err(format!("dimension {dimension}'s value: 1 to 1024 characters"));
                }
                dimensions.push(dimension);
            }
        }
        let metrics = directive["Metrics"].as_array().ok_or("Metrics is not an array")?;
        if metrics.len() > 100 {
            return Err(format!("{} metrics: 100 allowed", metrics.len()));
        }
        for metric in metrics {
            let metric_name = name("metric", &metric["Name"], 1024)?;
            if dimensions.contains(&metric_name) || declared.iter().any(|(n, _, _)| *n == metric_name) {
                return Err(format!("metric {metric_name} declared twice, or also a dimension"));
            }
            let unit = match metric.get("Unit") {
                None => "None".to_owned(),
                Some(unit) => {
                    let unit = unit
                        .as_str()
                        .ok_or(format!("metric {metric_name}'s unit is not a string"))?;
                    if !UNITS.contains(&unit) {
                        return Err(format!(
                            "metric {metric_name}: unit {unit:?} is not one CloudWatch knows"
                        ));
                    }
                    unit.to_owned()
                }
            };
            if let Some(resolution) = metric.get("StorageResolution")
                && resolution != 1
                && resolution != 60
            {
                return Err(format!("metric {metric_name}: StorageResolution must be 1 or 60"));
            }
            let value = root
                .get(&metric_name)
                .ok_or(format!("metric {metric_name} has no member"))?;
            let value = value
                .as_f64()
                .ok_or(format!("metric {metric_name}'s value is not a number"))?;
            declared.push((metric_name, value, unit));
        }
    }
    Ok(declared)
}

#[test]
fn the_checker_refuses_what_cloudwatch_refuses() {
    let good = r#"{"_aws":{"Timestamp":1765000000000,"CloudWatchMetrics":[{"Namespace":"veil","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"Rows","Unit":"Count"}]}]},"FunctionName":"f","Rows":3}"#;
    assert_eq!(check(good).unwrap(), [("Rows".to_owned(), 3.0, "Count".to_owned())]);
    for (bad, why) in [
        (good.replace("1765000000000", "1765000000"), "milliseconds"),
        (good.replace("\"Rows\":3", "\"Rows\":\"3\""), "not a number"),
        (
            good.replace("\"FunctionName\":\"f\"", "\"FunctionName\":7"),
            "not a string",
        ),
        (good.replace("Count", "Rows"), "unit"),
        (good.replace("\"veil\"", "\" \""), "blank"),
        (good.replace(",\"Rows\":3", ""), "no member"),
    ] {
        let err = check(&bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}
