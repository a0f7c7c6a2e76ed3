//! Rules from the YAML tree: every key, name and step checked, every problem collected with
//! its position, so that a rules file is reported whole.

use super::template::compile_template;
use super::{ColumnarRules, FieldTransform, Name, Rules, Template};
use crate::error::Problem;
use crate::pseudonym::PseudonymFormat;
use crate::transform::{self, Step};
use crate::yaml::{Kind, Node};
use javalang as java;
use javalang::format::Format;

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

pub(super) fn problem(problems: &mut Vec<Problem>, at: (usize, usize), rule: &str, message: impl Into<String>) {
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

pub(super) fn load(node: &Node, path: &str, depth: usize, problems: &mut Vec<Problem>) -> Option<Rules> {
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
        psoxy_reads: match &node.kind {
            Kind::Scalar { text, plain: true } => javalang::yaml11::psoxy_reading(text),
            _ => None,
        },
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
        let mut steps = None;
        for (fk, fv) in fields {
            match fk.as_str() {
                Some("newName") => {
                    new_name = raw_name(fv, &join(&entry_path, "newName"), problems).map(|text| Name {
                        text,
                        at: fv.at,
                        psoxy_reads: None,
                    })
                }
                // psoxy takes `firstNonNull(sourceColumn, key)`: a null source is the key.
                Some("sourceColumn") if fv.is_null() => {}
                Some("sourceColumn") => source = name_of(fv, &join(&entry_path, "sourceColumn"), problems),
                Some("transforms") if !fv.is_null() => {
                    steps = Some(compile_steps(fv, &join(&entry_path, "transforms"), problems))
                }
                Some("transforms") => {}
                _ => unknown_key(fk, &entry_path, &TRANSFORM_KEYS, problems),
            }
        }
        // psoxy fails on the first value without a list of transforms (an empty one copies).
        let Some(steps) = steps else {
            problem(
                problems,
                v.at,
                &entry_path,
                "`transforms` is required (psoxy fails on the first value without it; `[]` copies the value)",
            );
            continue;
        };
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
                .and_then(transform::compile)
                .map(|regex| Some(Step::Filter(regex))),
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
    let replace = get("replace").ok_or("`replace` is required (psoxy fails on the first value without it)")?;
    let regex = transform::compile(pattern)?;
    Ok(Step::Replace {
        replacement: transform::replacement(replace, &regex)?,
        regex,
    })
}
