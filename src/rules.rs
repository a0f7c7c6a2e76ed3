//! psoxy bulk rules: `ColumnarRules` and `MultiTypeBulkDataRules`, loaded from YAML.
//!
//! Loading reports every problem at once, each with its line and column: unknown keys (with
//! the valid ones), bad enum values (with the valid ones), wrong types, blank entries,
//! invalid regexes, keys written twice. Checks that need the file's header (duplicate names,
//! rule combinations that would leak a column present in the file) happen in
//! [`crate::plan`].

use std::path::Path;

use regex::Regex;

use crate::error::{Error, Problem, Result};
use crate::java;
use crate::java::format::Format;
use crate::pseudonym::PseudonymFormat;
use crate::transform::{self, Step};
use crate::yaml::{self, Kind, Node};

/// A column name from the rules, trimmed as psoxy trims it (`String.trim`), with where it
/// was written.
#[derive(Debug, Clone)]
pub struct Name {
    /// The name, trimmed.
    pub text: String,
    /// 1-based line and column in the rules file.
    pub at: (usize, usize),
    /// What psoxy's YAML reader makes of it when that differs: a plain `No` is the YAML 1.1
    /// boolean `false` to psoxy, but veil reads the text, which is what the user meant.
    pub psoxy_reads: Option<&'static str>,
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

const COLUMNAR_KEYS: [&str; 10] = [
    "delimiter",
    "pseudonymFormat",
    "columnsToPseudonymize",
    "columnsToPseudonymizeIfPresent",
    "columnsToRedact",
    "columnsToInclude",
    "columnsToRename",
    "columnsToDuplicate",
    "fieldsToTransform",
    "defaultScopeIdForSource",
];
const TRANSFORM_KEYS: [&str; 3] = ["newName", "sourceColumn", "transforms"];
const STEP_KEYS: [&str; 4] = ["filter", "formatString", "javaRegExpReplace", "pseudonymize"];

impl Rules {
    /// Loads rules from a YAML file.
    ///
    /// # Errors
    /// The file cannot be read, or the rules have problems (all listed).
    pub fn from_path(path: &Path) -> Result<Rules> {
        let text =
            std::fs::read_to_string(path).map_err(|e| Error::io(format!("reading rules {}", path.display()), e))?;
        Rules::from_yaml(&text, &path.display().to_string())
    }

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
                    "key `{key}` is written twice in one mapping (lines {} and {}): psoxy would silently keep only the last; remove one",
                    first.0, second.0
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
                let reads = n.psoxy_reads?;
                Some(format!(
                    "line {}:{}: `{rule}`: `{}` is a YAML 1.1 boolean, which psoxy reads as the column `{reads}`; veil reads `{}`. Quote it ('{}') to mean the same to both",
                    n.at.0, n.at.1, n.text, n.text, n.text
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

fn problem(problems: &mut Vec<Problem>, at: (usize, usize), rule: &str, message: impl Into<String>) {
    problems.push(Problem {
        at: Some(at),
        rule: rule.to_owned(),
        message: message.into(),
    });
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn load(node: &Node, path: &str, depth: usize, problems: &mut Vec<Problem>) -> Option<Rules> {
    let Kind::Map(entries) = &node.kind else {
        problem(
            problems,
            node.at,
            path,
            format!("expected a mapping of rules, found {}", node.type_name()),
        );
        return None;
    };
    if entries.iter().any(|(k, _)| k.as_str() == Some("fileRules")) {
        return load_multi(node, entries, path, depth, problems).map(Rules::MultiType);
    }
    if entries
        .iter()
        .any(|(k, _)| matches!(k.as_str(), Some("format" | "transforms")))
    {
        let format = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("format"))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("NDJSON");
        problem(
            problems,
            node.at,
            path,
            format!(
                "these are psoxy RecordRules (`format: {format}` with JSONPath `transforms`), for record files; veil supports ColumnarRules (CSV) only, not RecordRules yet"
            ),
        );
        return None;
    }
    if entries.iter().any(|(k, _)| k.as_str() == Some("endpoints")) {
        problem(
            problems,
            node.at,
            path,
            "these are REST API rules (`endpoints`); bulk files need ColumnarRules",
        );
        return None;
    }
    load_columnar(entries, path, problems).map(Rules::Columnar)
}

fn load_multi(
    node: &Node,
    entries: &[(Node, Node)],
    path: &str,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Option<Vec<(Template, Rules)>> {
    for (k, _) in entries {
        if k.as_str() != Some("fileRules") {
            unknown_key(k, path, &["fileRules"], problems);
        }
    }
    if depth > 1 {
        problem(problems, node.at, path, "fileRules may nest only one level deep");
        return None;
    }
    let rules_path = join(path, "fileRules");
    let (_, value) = entries.iter().find(|(k, _)| k.as_str() == Some("fileRules"))?;
    let Kind::Map(templates) = &value.kind else {
        problem(
            problems,
            value.at,
            &rules_path,
            "expected a mapping from path templates to rules",
        );
        return None;
    };
    if templates.is_empty() {
        problem(problems, value.at, &rules_path, "needs at least one path template");
    }
    let mut out = Vec::new();
    for (k, v) in templates {
        let Some(text) = k.as_str() else {
            problem(problems, k.at, &rules_path, "a path template must be a string");
            continue;
        };
        let entry_path = format!("{rules_path}[{text}]");
        let template = match compile_template(text) {
            Ok(regex) => Some(Template {
                text: text.to_owned(),
                regex,
            }),
            Err(message) => {
                problem(problems, k.at, &entry_path, message);
                None
            }
        };
        let rules = load(v, &entry_path, depth + 1, problems);
        if let (Some(t), Some(r)) = (template, rules) {
            out.push((t, r));
        }
    }
    Some(out)
}

/// `{name}` matches one path segment (1+ chars), `{name?}` 0+ chars; all else is literal.
/// (psoxy leaves `{ } | \` unescaped, so `|` becomes alternation: veil does not.)
fn compile_template(text: &str) -> std::result::Result<Regex, String> {
    let mut pattern = String::from("^");
    let body = text.strip_prefix('/').unwrap_or(text);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        pattern.push_str(&regex::escape(&rest[..open]));
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("template `{text}` has `{{` without `}}`"))?;
        let inner = &rest[open + 1..open + close];
        let (name, optional) = match inner.strip_suffix('?') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "parameter `{{{inner}}}` must be a letter then letters or digits (psoxy fails at match time)"
            ));
        }
        pattern.push_str(if optional { "([^/]*)" } else { "([^/]+)" });
        rest = &rest[open + close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).map_err(|e| format!("template `{text}`: {e}"))
}

fn unknown_key(key: &Node, path: &str, valid: &[&str], problems: &mut Vec<Problem>) {
    let name = key.as_str().unwrap_or("?");
    let folded = name.replace('_', "").to_lowercase();
    let hint = valid
        .iter()
        .map(|v| (edit_distance(&v.to_lowercase(), &folded), v))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, v)| format!(" (did you mean `{v}`? keys are case-sensitive camelCase)"))
        .unwrap_or_default();
    problem(
        problems,
        key.at,
        &join(path, name),
        format!("unknown key{hint}; valid keys: {}", valid.join(", ")),
    );
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn load_columnar(entries: &[(Node, Node)], path: &str, problems: &mut Vec<Problem>) -> Option<ColumnarRules> {
    let before = problems.len();
    let mut rules = ColumnarRules::default();
    for (k, v) in entries {
        let Some(key) = k.as_str() else {
            problem(problems, k.at, path, "keys must be strings");
            continue;
        };
        let key_path = join(path, key);
        match key {
            "delimiter" => {
                rules.delimiter = match &v.kind {
                    Kind::Null => None,
                    Kind::Scalar { text, .. } => Some(text.clone()),
                    _ => {
                        problem(problems, v.at, &key_path, "expected a string such as \",\" or \"\\t\"");
                        None
                    }
                }
            }
            "pseudonymFormat" => {
                rules.pseudonym_format = match &v.kind {
                    Kind::Null => PseudonymFormat::Json,
                    _ => match v.as_str().and_then(PseudonymFormat::from_name) {
                        Some(f) => f,
                        None => {
                            let valid = PseudonymFormat::NAMES.join(", ");
                            problem(
                                problems,
                                v.at,
                                &key_path,
                                format!("invalid value; valid values (case-sensitive): {valid}"),
                            );
                            PseudonymFormat::Json
                        }
                    },
                }
            }
            "columnsToPseudonymize" => rules.columns_to_pseudonymize = names(v, &key_path, problems),
            "columnsToPseudonymizeIfPresent" => {
                rules.columns_to_pseudonymize_if_present = names(v, &key_path, problems)
            }
            "columnsToRedact" => rules.columns_to_redact = names(v, &key_path, problems),
            "columnsToInclude" => rules.columns_to_include = (!v.is_null()).then(|| names(v, &key_path, problems)),
            "columnsToRename" => rules.columns_to_rename = pairs(v, &key_path, problems),
            "columnsToDuplicate" => rules.columns_to_duplicate = pairs(v, &key_path, problems),
            "fieldsToTransform" => rules.fields_to_transform = field_transforms(v, &key_path, problems),
            "defaultScopeIdForSource" => {} // legacy, ignored by psoxy too
            _ => unknown_key(k, path, &COLUMNAR_KEYS, problems),
        }
    }
    (problems.len() == before).then_some(rules)
}

/// A mapping's entries; `null` is an empty mapping, anything else a problem.
fn map_entries<'n>(node: &'n Node, path: &str, expected: &str, problems: &mut Vec<Problem>) -> &'n [(Node, Node)] {
    match &node.kind {
        Kind::Null => &[],
        Kind::Map(entries) => entries,
        _ => {
            problem(
                problems,
                node.at,
                path,
                format!("expected {expected}, found {}", node.type_name()),
            );
            &[]
        }
    }
}

/// A list's items; `null` is an empty list, anything else a problem.
fn seq_items<'n>(node: &'n Node, path: &str, expected: &str, problems: &mut Vec<Problem>) -> &'n [Node] {
    match &node.kind {
        Kind::Null => &[],
        Kind::Seq(items) => items,
        _ => {
            problem(
                problems,
                node.at,
                path,
                format!("expected {expected}, found {}", node.type_name()),
            );
            &[]
        }
    }
}

fn names(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<Name> {
    let items = seq_items(node, path, "a list of column names", problems);
    items.iter().filter_map(|item| name_of(item, path, problems)).collect()
}

/// A column name: any scalar, `String.trim`med; blank (only Java white space) is a problem,
/// as psoxy fails on it.
fn name_of(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Option<Name> {
    let text = raw_name(node, path, problems)?;
    if java::is_blank(&text) {
        problem(problems, node.at, path, "blank column name");
        return None;
    }
    Some(Name {
        text: java::trim(&text).to_owned(),
        at: node.at,
        psoxy_reads: node.yaml11_bool().map(|b| if b { "true" } else { "false" }),
    })
}

/// A scalar as text, untrimmed (`newName` is used as written); `null` is a problem.
fn raw_name(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match &node.kind {
        Kind::Scalar { text, .. } => Some(text.clone()),
        Kind::Null => {
            problem(problems, node.at, path, "blank column name");
            None
        }
        _ => {
            let found = node.type_name();
            problem(
                problems,
                node.at,
                path,
                format!("expected a column name, found {found}"),
            );
            None
        }
    }
}

/// A mapping of column names. psoxy keeps the first of two keys that differ only in case
/// and silently drops the other: harmless when both say the same, a lost column otherwise.
fn pairs(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<(Name, Name)> {
    let entries = map_entries(node, path, "a mapping of column names", problems);
    let mut out: Vec<(Name, Name)> = Vec::new();
    for (k, v) in entries {
        let (Some(from), Some(to)) = (name_of(k, path, problems), name_of(v, path, problems)) else {
            continue;
        };
        match out.iter().find(|(f, _)| f.is(&from.text)) {
            Some((_, first)) if first.is(&to.text) => {}
            Some((first_from, first)) => {
                let msg = format!(
                    "`{}` (line {}) and `{}` differ only in case, with different targets (`{}`, `{}`): psoxy would silently keep the first and drop the other",
                    first_from.text, first_from.at.0, from.text, first.text, to.text
                );
                problem(problems, k.at, path, msg);
            }
            None => out.push((from, to)),
        }
    }
    out
}

fn field_transforms(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<FieldTransform> {
    let entries = map_entries(node, path, "a mapping of named pipelines", problems);
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some(mut key) = name_of(k, path, problems) else {
            continue;
        };
        key.psoxy_reads = None; // a mapping key is always text to psoxy
        let entry_path = join(path, &key.text);
        let Kind::Map(fields) = &v.kind else {
            problem(
                problems,
                v.at,
                &entry_path,
                "expected {newName, sourceColumn, transforms}",
            );
            continue;
        };
        let mut new_name = None;
        let mut source = None;
        let mut steps = Vec::new();
        for (fk, fv) in fields {
            match fk.as_str() {
                Some("newName") => {
                    new_name = raw_name(fv, &join(&entry_path, "newName"), problems).map(|text| Name {
                        text,
                        at: fv.at,
                        psoxy_reads: None,
                    })
                }
                Some("sourceColumn") => source = name_of(fv, &join(&entry_path, "sourceColumn"), problems),
                Some("transforms") => steps = compile_steps(fv, &join(&entry_path, "transforms"), problems),
                _ => unknown_key(fk, &entry_path, &TRANSFORM_KEYS, problems),
            }
        }
        let Some(new_name) = new_name else {
            problem(problems, v.at, &entry_path, "`newName` is required");
            continue;
        };
        out.push(FieldTransform {
            source: source.unwrap_or_else(|| key.clone()),
            key,
            new_name,
            steps,
        });
    }
    out
}

fn compile_steps(node: &Node, path: &str, problems: &mut Vec<Problem>) -> Vec<Step> {
    let items = seq_items(node, path, "a list of transforms", problems);
    let mut steps = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let step_path = format!("{path}[{i}]");
        let Kind::Map(kv) = &item.kind else {
            problem(
                problems,
                item.at,
                &step_path,
                format!("expected one of: {}", STEP_KEYS.join(", ")),
            );
            continue;
        };
        if kv.len() != 1 {
            problem(problems, item.at, &step_path, "each transform has exactly one key");
            continue;
        }
        let (k, v) = &kv[0];
        let key = k.as_str().unwrap_or("?");
        let here = join(&step_path, key);
        let compiled = match key {
            "filter" => v
                .as_str()
                .ok_or_else(|| "expected a regular expression".to_owned())
                .and_then(transform::compile_full)
                .map(|full| Some(Step::Filter { full })),
            // psoxy fails at the first value when the format needs an argument other than one
            // string (`%d`, `%s %s`); veil refuses it here, before anything is written.
            "formatString" => v
                .as_str()
                .ok_or_else(|| "expected a format string such as \"%s_suffix\"".to_owned())
                .and_then(|f| {
                    Format::parse(f).map_err(|e| format!("{e} (psoxy formats one string value and fails on the first)"))
                })
                .map(|format| Some(Step::Format(format))),
            "javaRegExpReplace" => replace_step(v).map(Some),
            "pseudonymize" => v
                .as_java_bool()
                .ok_or_else(|| "expected true or false".to_owned())
                .map(|on| on.then_some(Step::Pseudonymize)),
            "pseudonymizeWithScope" => Err("removed in psoxy v0.5; use `pseudonymize: true`".to_owned()),
            _ => {
                unknown_key(k, &step_path, &STEP_KEYS, problems);
                continue;
            }
        };
        match compiled {
            Ok(Some(step)) => steps.push(step),
            Ok(None) => {}
            Err(message) => problem(problems, v.at, &here, message),
        }
    }
    steps
}

fn replace_step(node: &Node) -> std::result::Result<Step, String> {
    let Kind::Map(kv) = &node.kind else {
        return Err("expected {regExp, replace}".into());
    };
    let get = |name: &str| {
        kv.iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .and_then(|(_, v)| v.as_str())
    };
    if let Some((k, _)) = kv
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), Some("regExp" | "replace")))
    {
        return Err(format!(
            "unknown key `{}`; valid keys: regExp, replace",
            k.as_str().unwrap_or("?")
        ));
    }
    let pattern = get("regExp").ok_or("`regExp` is required")?;
    let replace = get("replace").unwrap_or("");
    let search = transform::compile(pattern)?;
    Ok(Step::Replace {
        full: transform::compile_full(pattern)?,
        replacement: transform::parse_replacement(replace, &search)?,
        search,
    })
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
        assert!(notes[0].contains("`No` is a YAML 1.1 boolean, which psoxy reads as the column `false`"));
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
            "fieldsToTransform:\n  A:\n    transforms:\n      - filter: '(?=x)'\n      - pseudonymizeWithScope: x\n      - formatString: '%d'\n",
        );
        assert!(
            p.iter()
                .any(|m| m.contains("`fieldsToTransform.A.transforms[0].filter`") && m.contains("look-around")),
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
