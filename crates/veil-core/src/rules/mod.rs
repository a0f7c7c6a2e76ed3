//! psoxy bulk rules: `ColumnarRules` and `MultiTypeBulkDataRules`, loaded from YAML.
//!
//! Loading reports every problem at once, each with its line and column: unknown keys (with
//! the valid ones), bad enum values (with the valid ones), wrong types, blank entries,
//! invalid regexes, keys written twice. Checks that need the file's header (duplicate names,
//! rule combinations that would leak a column present in the file) happen in
//! [`crate::plan`].

mod load;
mod template;

use regex::Regex;

use crate::error::{Error, Problem, Result};
use crate::pseudonym::PseudonymFormat;
use crate::transform::Step;
use crate::yaml::{self, Node};
use javalang as java;
use javalang::yaml11::Reading;
use load::{load, problem};

mod additional;
pub use additional::AdditionalTransform;

/// A column name from the rules, trimmed as psoxy trims it (`String.trim`), with where it
/// was written.
#[derive(Debug, Clone)]
pub struct Name {
    /// The name, trimmed.
    pub text: String,
    /// 1-based line and column in the rules file.
    pub at: (usize, usize),
    /// What psoxy's YAML reader makes of it when that differs: a plain `No` is the YAML 1.1
    /// boolean `false` to psoxy and `007` the number 7, but veil reads the text, which is what
    /// the user meant.
    pub psoxy_reads: Option<javalang::yaml11::Reading>,
}

impl Name {
    /// psoxy's name comparison, `String.equalsIgnoreCase`.
    pub fn is(&self, other: &str) -> bool {
        java::equals_ignore_case(&self.text, other)
    }
}

/// One `fieldsToTransform` pipeline.
#[derive(Debug, Clone)]
pub struct FieldTransform {
    /// The map key (also the default source column).
    pub key: Name,
    /// `newName`: the output column, as written (psoxy does not trim it).
    pub new_name: Name,
    /// `sourceColumn`, else the key.
    pub source: Name,
    /// Compiled steps, in order.
    pub steps: Vec<Step>,
}

/// psoxy's `ColumnarRules`.
#[derive(Debug, Clone, Default)]
pub struct ColumnarRules {
    /// Input delimiter (`,` when absent); output is always comma-delimited.
    pub delimiter: Option<String>,
    /// How pseudonyms are written.
    pub pseudonym_format: PseudonymFormat,
    /// Columns that must be present and are pseudonymized.
    pub columns_to_pseudonymize: Vec<Name>,
    /// Columns pseudonymized when present.
    pub columns_to_pseudonymize_if_present: Vec<Name>,
    /// Input columns removed.
    pub columns_to_redact: Vec<Name>,
    /// When set, the only input columns kept.
    pub columns_to_include: Option<Vec<Name>>,
    /// old → new, in file order.
    pub columns_to_rename: Vec<(Name, Name)>,
    /// source → copy, in file order.
    pub columns_to_duplicate: Vec<(Name, Name)>,
    /// Pipelines, in file order.
    pub fields_to_transform: Vec<FieldTransform>,
    /// Set for veil's built-in lookup rules ([`ColumnarRules::lookup`]): the key column.
    pub lookup_key: Option<String>,
}

/// Rules as loaded: one set for every file, or path templates to sets.
#[derive(Debug, Clone)]
pub enum Rules {
    /// `ColumnarRules`.
    Columnar(ColumnarRules),
    /// `MultiTypeBulkDataRules`: first matching template wins.
    MultiType(Vec<(Template, Rules)>),
}

/// A `fileRules` path template such as `/hris/{date}/employees.csv`.
#[derive(Debug, Clone)]
pub struct Template {
    /// As written.
    pub text: String,
    regex: Regex,
}

impl Rules {
    /// Parses rules from YAML text; `source_name` names it in messages.
    ///
    /// # Errors
    /// Every problem found, at once.
    pub fn from_yaml(text: &str, source_name: &str) -> Result<Rules> {
        let node = yaml::parse(text).map_err(|(message, at)| Error::Rules {
            source_name: source_name.into(),
            problems: vec![Problem {
                at: Some(at),
                rule: String::new(),
                message: format!("YAML syntax: {message}"),
            }],
        })?;
        Rules::from_node(&node, source_name)
    }

    /// Rules from an already parsed YAML node (e.g. inside `ADDITIONAL_TRANSFORMS`).
    ///
    /// # Errors
    /// Every problem found, at once.
    pub fn from_node(node: &Node, source_name: &str) -> Result<Rules> {
        let mut problems = Vec::new();
        for yaml::DuplicateKey { key, first, second } in yaml::duplicate_keys(node) {
            problem(
                &mut problems,
                second,
                "",
                format!(
                    "key `{}` is written twice in one mapping (lines {} and {}): psoxy would silently keep only the last; remove one",
                    crate::escape::name(&key),
                    first.0,
                    second.0
                ),
            );
        }
        let rules = load(node, "", 0, &mut problems);
        match rules {
            Some(rules) if problems.is_empty() => Ok(rules),
            _ => Err(Error::Rules {
                source_name: source_name.into(),
                problems,
            }),
        }
    }

    /// The rules for an object key, matched exactly as psoxy matches S3 keys.
    pub fn for_key(&self, key: &str) -> Option<&ColumnarRules> {
        match self {
            Rules::Columnar(c) => Some(c),
            Rules::MultiType(entries) => entries.iter().find_map(|(t, rules)| {
                let caps = t.regex.captures(key.trim_start_matches('/'))?;
                match rules {
                    Rules::Columnar(c) => Some(c),
                    nested => {
                        let last = caps.iter().skip(1).flatten().last()?;
                        nested.for_key(last.as_str())
                    }
                }
            }),
        }
    }

    /// The rules for a local path: the whole path, else its trailing segments, so that
    /// `/hris/{date}/employees.csv` matches `~/exports/hris/2024/employees.csv`.
    pub fn for_local_path(&self, path: &str) -> Option<&ColumnarRules> {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        let mut candidates = vec![path];
        candidates.extend(path.match_indices('/').map(|(i, _)| &path[i + 1..]));
        candidates.into_iter().find_map(|c| self.for_key(c))
    }

    /// Every set of columnar rules in these rules (one, or one per `fileRules` template).
    pub fn all_columnar(&self) -> Vec<&ColumnarRules> {
        match self {
            Rules::Columnar(c) => vec![c],
            Rules::MultiType(entries) => entries.iter().flat_map(|(_, r)| r.all_columnar()).collect(),
        }
    }

    /// Lists the templates (for `veil check` and messages); empty for columnar rules.
    pub fn templates(&self) -> Vec<&str> {
        match self {
            Rules::Columnar(_) => Vec::new(),
            Rules::MultiType(entries) => entries.iter().map(|(t, _)| t.text.as_str()).collect(),
        }
    }
}

impl ColumnarRules {
    /// veil's built-in lookup rules: pseudonymize `key` as `URL_SAFE_TOKEN`, copy it first
    /// to `<key>_ORIG`, keep nothing else.
    pub fn lookup(key: &str) -> ColumnarRules {
        let name = |text: String| Name {
            text,
            at: (0, 0),
            psoxy_reads: None,
        };
        ColumnarRules {
            pseudonym_format: PseudonymFormat::UrlSafeToken,
            columns_to_pseudonymize: vec![name(key.to_owned())],
            columns_to_include: Some(vec![name(key.to_owned())]),
            columns_to_duplicate: vec![(name(key.to_owned()), name(format!("{key}_ORIG")))],
            lookup_key: Some(key.to_owned()),
            ..ColumnarRules::default()
        }
    }

    /// Names psoxy's YAML reader reads differently from veil, as warnings for `veil check`.
    pub fn psoxy_readings(&self) -> Vec<String> {
        let mut names: Vec<(&str, &Name)> = Vec::new();
        let lists = [
            ("columnsToPseudonymize", &self.columns_to_pseudonymize),
            (
                "columnsToPseudonymizeIfPresent",
                &self.columns_to_pseudonymize_if_present,
            ),
            ("columnsToRedact", &self.columns_to_redact),
        ];
        for (rule, list) in lists {
            names.extend(list.iter().map(|n| (rule, n)));
        }
        names.extend(
            self.columns_to_include
                .iter()
                .flatten()
                .map(|n| ("columnsToInclude", n)),
        );
        for (rule, pairs) in [
            ("columnsToRename", &self.columns_to_rename),
            ("columnsToDuplicate", &self.columns_to_duplicate),
        ] {
            names.extend(pairs.iter().map(|(_, to)| (rule, to)));
        }
        names.extend(
            self.fields_to_transform
                .iter()
                .map(|t| ("fieldsToTransform", &t.source)),
        );
        names
            .into_iter()
            .filter_map(|(rule, n)| {
                let reads = match n.psoxy_reads.as_ref()? {
                    Reading::Text(text) => format!("the column `{}`", crate::escape::name(text)),
                    Reading::Null => "null (no column)".to_owned(),
                    Reading::Refused => "a number it cannot convert, and refuses the rules".to_owned(),
                };
                let text = crate::escape::name(&n.text);
                Some(format!(
                    "line {}:{}: `{rule}`: psoxy's YAML 1.1 reader reads `{text}` as {reads}; veil reads `{text}`. \
                     Quote it ('{text}') to mean the same to both",
                    n.at.0, n.at.1
                ))
            })
            .collect()
    }

    /// The input delimiter as bytes (`,` by default).
    pub fn delimiter_bytes(&self) -> &[u8] {
        match &self.delimiter {
            Some(d) if !d.is_empty() => d.as_bytes(),
            _ => b",",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_ok(yaml: &str) -> ColumnarRules {
        match Rules::from_yaml(yaml, "r.yaml").unwrap() {
            Rules::Columnar(c) => c,
            Rules::MultiType(_) => panic!("expected columnar"),
        }
    }

    fn problems(yaml: &str) -> Vec<String> {
        match Rules::from_yaml(yaml, "r.yaml") {
            Err(Error::Rules { problems, .. }) => problems.iter().map(ToString::to_string).collect(),
            other => panic!("expected rule problems, got {other:?}"),
        }
    }

    #[test]
    fn loads_every_columnar_key() {
        let r = load_ok(
            "delimiter: \"\\t\"\npseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [' employee_id ']\n\
             columnsToPseudonymizeIfPresent: [EXTRA]\ncolumnsToRedact: [SALARY]\ncolumnsToInclude: [employee_id, EMAIL, X]\n\
             columnsToRename: {EMAIL: EMPLOYEE_EMAIL}\ncolumnsToDuplicate: {employee_id: ID_ORIG}\n\
             fieldsToTransform:\n  X:\n    newName: GH\n    transforms:\n      - filter: '(.*)@.*'\n      - formatString: '%s_e'\n      - pseudonymize: true\n\
             defaultScopeIdForSource: hris\n",
        );
        assert_eq!(r.delimiter_bytes(), b"\t");
        assert_eq!(r.pseudonym_format, PseudonymFormat::UrlSafeToken);
        assert_eq!(r.columns_to_pseudonymize[0].text, "employee_id");
        assert_eq!(r.columns_to_rename[0].1.text, "EMPLOYEE_EMAIL");
        assert_eq!(r.fields_to_transform[0].steps.len(), 3);
        assert_eq!(r.fields_to_transform[0].source.text, "X");
    }

    #[test]
    fn reports_all_problems_at_once_with_positions() {
        let p = problems("pseudonymFormat: url_safe_token\ncolumnsToPseudonymise: [A]\ncolumnsToRedact: ['  ']\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("line 1:18: `pseudonymFormat`: invalid value; valid values (case-sensitive): JSON, URL_SAFE_TOKEN, URL_SAFE_HASH_ONLY"));
        assert!(p[1].contains("`columnsToPseudonymise`: unknown key (did you mean `columnsToPseudonymize`?"));
        assert!(p[1].contains("valid keys: delimiter, pseudonymFormat"));
        assert!(p[2].contains("blank column name"));
    }

    #[test]
    fn snake_case_keys_get_a_hint() {
        let p = problems("pseudonym_format: URL_SAFE_TOKEN\n");
        assert!(p[0].contains("did you mean `pseudonymFormat`?"), "{p:?}");
    }

    #[test]
    fn record_rules_are_named_in_one_line() {
        let p = problems("format: NDJSON\ntransforms:\n  - redact: \"$.email\"\n  - pseudonymize: \"$.id\"\n");
        assert_eq!(
            p,
            [
                "line 1:1: these are psoxy RecordRules (`format: NDJSON` with JSONPath `transforms`), for record files; veil supports ColumnarRules (CSV) only, not RecordRules yet"
            ]
        );
    }

    #[test]
    fn harmless_repetitions_are_accepted() {
        // psoxy keeps sets and maps: a name listed twice, or a rename given twice the same
        // way, changes nothing.
        let r = load_ok("columnsToPseudonymize: [a, A]\ncolumnsToRename: {b: x, B: X}\n");
        assert_eq!(r.columns_to_pseudonymize.len(), 2);
        assert_eq!(r.columns_to_rename.len(), 1);
        // Redacting a column that is also pseudonymized if present drops it, as asked.
        load_ok("columnsToRedact: [e]\ncolumnsToPseudonymizeIfPresent: [e]\n");
    }

    #[test]
    fn duplicate_yaml_keys_are_refused_with_both_lines() {
        let p = problems(
            "fieldsToTransform:\n  LAST_NAME:\n    newName: A\n    transforms: []\n  LAST_NAME:\n    newName: B\n    transforms: []\n",
        );
        assert_eq!(
            p[0],
            "line 5:3: key `LAST_NAME` is written twice in one mapping (lines 2 and 5): psoxy would silently keep only the last; remove one"
        );
        assert!(problems("columnsToRedact: [a]\ncolumnsToRedact: [b]\n")[0].contains("lines 1 and 2"));
    }

    #[test]
    fn yaml_keys_are_text_and_pseudonymize_takes_jacksons_booleans() {
        let r = load_ok("columnsToRename:\n  null: x\n  ~: y\n");
        assert_eq!(r.columns_to_rename[0].0.text, "null");
        assert_eq!(r.columns_to_rename[1].0.text, "~");
        for (value, on) in [
            ("yes", true),
            ("On", true),
            ("\"true\"", true),
            ("1", true),
            ("no", false),
            ("0", false),
        ] {
            let r = load_ok(&format!(
                "fieldsToTransform: {{a: {{newName: b, transforms: [{{pseudonymize: {value}}}]}}}}\n"
            ));
            assert_eq!(r.fields_to_transform[0].steps.len(), usize::from(on), "{value}");
        }
        for value in ["y", "'yes'", "oN", "\"1\""] {
            let p = problems(&format!(
                "fieldsToTransform: {{a: {{newName: b, transforms: [{{pseudonymize: {value}}}]}}}}\n"
            ));
            assert!(p[0].contains("expected true or false"), "{value}: {p:?}");
        }
    }

    #[test]
    fn yaml_11_booleans_used_as_names_are_flagged() {
        let r = load_ok("columnsToPseudonymize: [No, 'Yes', id]\n");
        let notes = r.psoxy_readings();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("psoxy's YAML 1.1 reader reads `No` as the column `false`; veil reads `No`"),
            "{notes:?}"
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut yaml = String::from("a: &a [x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            yaml.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                vec![
                    format!(
                        "*{}",
                        if level == 1 {
                            "a".to_owned()
                        } else {
                            format!("l{}", level - 1)
                        }
                    );
                    7
                ]
                .join(", ")
            ));
        }
        let p = problems(&yaml);
        assert!(p[0].contains("aliases") || p[0].contains("YAML nodes"), "{p:?}");
    }

    #[test]
    fn transform_problems_name_the_step() {
        let p = problems(
            "fieldsToTransform:\n  A:\n    transforms:\n      - filter: '(?=x)(unclosed'\n      - pseudonymizeWithScope: x\n      - formatString: '%d'\n      - javaRegExpReplace: {regExp: '(a)', replace: '$2'}\n",
        );
        assert!(
            p.iter()
                .any(|m| m.contains("`fieldsToTransform.A.transforms[0].filter`")
                    && m.contains("invalid regular expression (java.util.regex)")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.contains("`fieldsToTransform.A.transforms[3].javaRegExpReplace`")
                    && m.contains("invalid replacement")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("removed in psoxy v0.5")));
        assert!(p.iter().any(|m| m.contains("`%d`")));
        assert!(p.iter().any(|m| m.contains("`newName` is required")));
    }

    #[test]
    fn multi_type_templates_match_keys_and_local_paths() {
        let rules = Rules::from_yaml(
            "fileRules:\n  /hris/{date}/employees.csv:\n    columnsToPseudonymize: [ID]\n  /zoom/{file}.csv:\n    columnsToRedact: [x]\n",
            "m.yaml",
        )
        .unwrap();
        assert!(rules.for_key("hris/2024-01-01/employees.csv").is_some());
        assert!(
            rules.for_key("hris//employees.csv").is_none(),
            "a required parameter is not empty"
        );
        assert!(rules.for_key("zoom/a|b.csv").is_some());
        let zoom = rules.for_local_path("/home/me/exports/zoom/meetings.csv").unwrap();
        assert_eq!(zoom.columns_to_redact[0].text, "x");
        assert!(rules.for_local_path("other/file.csv").is_none());
        assert_eq!(rules.templates(), ["/hris/{date}/employees.csv", "/zoom/{file}.csv"]);
    }

    #[test]
    fn bad_template_parameter_is_a_rules_problem() {
        let p = problems("fileRules:\n  /x/{file_name}.csv:\n    columnsToRedact: [a]\n");
        assert!(p[0].contains("{file_name}"), "{p:?}");
    }

    #[test]
    fn lookup_rules_are_key_and_orig() {
        let r = ColumnarRules::lookup("EMPLOYEE_ID");
        assert_eq!(r.columns_to_duplicate[0].1.text, "EMPLOYEE_ID_ORIG");
        assert_eq!(r.pseudonym_format, PseudonymFormat::UrlSafeToken);
    }
}
