//! psoxy's `ADDITIONAL_TRANSFORMS`: a YAML list of extra outputs of the bulk Lambda, each with
//! its bucket, path and rules (how lookup tables are configured).

use crate::error::{Error, Result};
use crate::yaml::{self, Kind};

use super::Rules;

/// One `ADDITIONAL_TRANSFORMS` entry: `{destinationBucketName, pathWithinBucket, rules,
/// compressOutput}`.
#[derive(Debug, Clone)]
pub struct AdditionalTransform {
    /// `destinationBucketName`.
    pub bucket: String,
    /// `pathWithinBucket` (empty when absent).
    pub path: String,
    /// `rules`.
    pub rules: Rules,
    /// `compressOutput`, when given.
    pub compress: Option<bool>,
}

impl AdditionalTransform {
    /// Parses the `ADDITIONAL_TRANSFORMS` value: a YAML list (empty or null: none).
    ///
    /// # Errors
    /// Not a list of mappings, an entry without `destinationBucketName` or `rules`, or rules
    /// with problems.
    pub fn list_from_yaml(raw: &str) -> Result<Vec<AdditionalTransform>> {
        let bad = |message: String| Error::setting("ADDITIONAL_TRANSFORMS", message);
        let node = yaml::parse(raw).map_err(|(m, at)| bad(format!("line {}: {m}", at.0)))?;
        let items = match &node.kind {
            Kind::Seq(items) => items.as_slice(),
            Kind::Null => &[],
            _ => return Err(bad("expected a YAML list".into())),
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Kind::Map(entries) = &item.kind else {
                return Err(bad(format!("entry {i} is not a mapping")));
            };
            let field = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k)).map(|(_, v)| v);
            let bucket = field("destinationBucketName")
                .and_then(|v| v.as_str())
                .ok_or_else(|| bad(format!("entry {i} needs destinationBucketName")))?;
            let rules = field("rules").ok_or_else(|| bad(format!("entry {i} needs rules")))?;
            out.push(AdditionalTransform {
                bucket: bucket.to_owned(),
                path: field("pathWithinBucket")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned(),
                rules: Rules::from_node(rules, &format!("ADDITIONAL_TRANSFORMS[{i}].rules"))?,
                compress: field("compressOutput").and_then(|v| v.as_bool()),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psoxy_lookup_builders_parse() {
        let raw = "- destinationBucketName: lookup\n  pathWithinBucket: lk/\n  compressOutput: false\n  rules:\n    columnsToPseudonymize: [EMPLOYEE_ID]\n    columnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";
        let t = AdditionalTransform::list_from_yaml(raw).unwrap();
        assert_eq!(
            (t[0].bucket.as_str(), t[0].path.as_str(), t[0].compress),
            ("lookup", "lk/", Some(false))
        );
        assert!(
            AdditionalTransform::list_from_yaml("- pathWithinBucket: x\n")
                .unwrap_err()
                .to_string()
                .contains("destinationBucketName")
        );
        assert!(AdditionalTransform::list_from_yaml("").unwrap().is_empty());
    }
}
