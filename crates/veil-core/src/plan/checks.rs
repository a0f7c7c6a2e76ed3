//! Header checks psoxy lacks: rule combinations that would write a column of the file in
//! clear against the rules' evident intent, rule names that match no column, duplicate
//! header names.

use std::collections::{HashMap, HashSet};

use super::Unmatched;
use super::near::is_near;
use super::table::tree_order;
use crate::error::Problem;
use crate::escape::name as shown;
use crate::rules::{ColumnarRules, Name};
use javalang as java;

/// Rule combinations with which psoxy would write a value of a column present in the file in
/// clear against the rules' evident intent (SPEC.md §6). `output(name)` gives an output
/// column's source and whether it is pseudonymized; `retained(i)` whether input column `i`
/// passes the redact and include lists. A column the file lacks leaks nothing, so these are
/// checked against the header, not in the rules alone.
pub(super) fn leaks(
    rules: &ColumnarRules,
    position: &HashMap<&str, usize>,
    redact: &HashSet<String>,
    output: impl Fn(&str) -> Option<(Option<usize>, bool)>,
    retained: impl Fn(usize) -> bool,
) -> Vec<Problem> {
    let key = java::ignore_case_key;
    let present = |n: &Name| position.contains_key(key(&n.text).as_str());
    let listed = |list: &[Name], name: &str| list.iter().any(|n| n.is(name));
    let mut problems = Vec::new();
    // psoxy ignores the redaction and writes the pseudonyms of the redacted column.
    for n in &rules.columns_to_pseudonymize {
        if present(n) && redact.contains(&key(&n.text)) {
            problems.push(Problem::new(
                "columnsToPseudonymize",
                format!(
                    "`{}` is also in columnsToRedact: psoxy would ignore the redaction and write its pseudonyms; decide whether to pseudonymize or drop it",
                    shown(&n.text)
                ),
            ));
        }
    }
    let mut derived: Vec<(&Name, &Name, String)> = Vec::new();
    for (from, to) in &rules.columns_to_rename {
        derived.push((from, to, format!("columnsToRename.{}", shown(&from.text))));
    }
    for (from, to) in &rules.columns_to_duplicate {
        derived.push((from, to, format!("columnsToDuplicate.{}", shown(&from.text))));
    }
    for t in &rules.fields_to_transform {
        derived.push((
            &t.source,
            &t.new_name,
            format!("fieldsToTransform.{}", shown(&t.key.text)),
        ));
    }
    for (from, to, rule) in derived {
        // The output column `to` as built: its first registration decides its source.
        let Some((Some(source), false)) = output(&to.text) else {
            continue;
        };
        if !retained(source) {
            let why = if redact.contains(&key(&from.text)) {
                "is in columnsToRedact"
            } else {
                "is not in columnsToInclude"
            };
            problems.push(Problem::new(
                rule.clone(),
                format!(
                    "source `{}` {why}; its values would be written in clear as `{}`",
                    shown(&from.text),
                    shown(&to.text)
                ),
            ));
        }
        if redact.contains(&key(&to.text)) {
            problems.push(Problem::new(
                rule.clone(),
                format!(
                    "target `{}` is in columnsToRedact, which removes input columns only: the copy would be written in clear",
                    shown(&to.text)
                ),
            ));
        }
        if listed(&rules.columns_to_pseudonymize_if_present, &to.text) {
            problems.push(Problem::new(
                rule.clone(),
                format!(
                    "columnsToPseudonymizeIfPresent names `{}`, which is not an input column, so psoxy never pseudonymizes it; list it in columnsToPseudonymize",
                    shown(&to.text)
                ),
            ));
        }
    }
    for (from, to) in &rules.columns_to_rename {
        let pseudonymized = listed(&rules.columns_to_pseudonymize, &from.text)
            || listed(&rules.columns_to_pseudonymize_if_present, &from.text);
        if present(from) && pseudonymized && matches!(output(&to.text), Some((_, false))) {
            problems.push(Problem::new(
                format!("columnsToRename.{}", shown(&from.text)),
                format!(
                    "`{}` is renamed to `{}` and also listed for pseudonymization under its old name: the renamed column would be in clear; pseudonymize `{}` instead",
                    shown(&from.text),
                    shown(&to.text),
                    shown(&to.text)
                ),
            ));
        }
    }
    problems
}

/// Rule names that match no input column, per rule (renames, duplicates and transforms whose
/// source is missing are reported as [`Missing`] columns instead).
pub(super) fn unmatched(rules: &ColumnarRules, position: &HashMap<&str, usize>) -> Vec<Unmatched> {
    let absent = |n: &Name| !position.contains_key(java::ignore_case_key(&n.text).as_str());
    let lists: [(&'static str, &[Name]); 3] = [
        ("columnsToRedact", &rules.columns_to_redact),
        (
            "columnsToInclude",
            rules.columns_to_include.as_deref().unwrap_or_default(),
        ),
        (
            "columnsToPseudonymizeIfPresent",
            &rules.columns_to_pseudonymize_if_present,
        ),
    ];
    lists
        .into_iter()
        .filter_map(|(rule, list)| {
            let names: Vec<String> = tree_order(list, |n| &n.text)
                .iter()
                .filter(|n| absent(n))
                .map(|n| n.text.clone())
                .collect();
            (!names.is_empty()).then_some(Unmatched { rule, names })
        })
        .collect()
}

/// psoxy keeps the last of two same-named columns and silently drops the first.
pub(super) fn duplicate_names(header: &[String], keys: &[String]) -> Vec<Problem> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    let mut problems = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(&j) = first.get(k.as_str()) {
            let what = if header[i].is_empty() {
                "blank name".to_owned()
            } else {
                format!("`{}`", shown(&header[i]))
            };
            problems.push(Problem::new(
                "header",
                format!(
                    "columns {} and {} have the same {what} (psoxy would silently drop one)",
                    j + 1,
                    i + 1
                ),
            ));
        } else {
            first.insert(k, i);
        }
    }
    problems
}

/// What the refusals of absent columns say about the flag that accepts them.
const ACCEPT: &str = "--allow-absent-columns (Lambda ALLOW_ABSENT_COLUMNS=true) accepts the file as psoxy does";

/// Mistakes that leave personal data in clear and that psoxy accepts: none of the columns the
/// rules pseudonymize or redact is in the header (a file without a header, or read with the
/// wrong delimiter), or a rule column is missing while a header name that leaves in clear is
/// a near miss of it (`MANAGER_EMIAL` against `MANAGER_EMAIL`, `SSN` against `SSN` and a
/// zero-width space). `clear(i)` tells whether input column `i` is written in clear.
pub(super) fn absent(
    rules: &ColumnarRules,
    header: &[String],
    position: &HashMap<&str, usize>,
    clear: impl Fn(usize) -> bool,
) -> Vec<Problem> {
    if header.is_empty() {
        return Vec::new(); // an empty file: no value to leak
    }
    let present = |n: &Name| position.contains_key(java::ignore_case_key(&n.text).as_str());
    let near = |n: &Name| {
        header
            .iter()
            .enumerate()
            .find(|&(i, h)| clear(i) && is_near(&n.text, h))
            .map(|(_, h)| h)
    };
    if let Some(key) = &rules.lookup_key {
        let n = &rules.columns_to_pseudonymize[0];
        if present(n) {
            return Vec::new();
        }
        // Any header name will do here: the lookup table keeps only its key column.
        let hint = match header.iter().find(|h| is_near(&n.text, h)) {
            Some(h) => format!("; did you mean `{}`?", shown(h)),
            None => " (--lookup-key names the column the lookup table maps)".to_owned(),
        };
        return vec![Problem::new(
            "--lookup-key",
            format!("the lookup key column `{}` is not in the header{hint}", shown(key)),
        )];
    }
    let named: Vec<&Name> = rules
        .columns_to_pseudonymize
        .iter()
        .chain(&rules.columns_to_redact)
        .collect();
    if !named.is_empty() && !named.iter().any(|n| present(n)) {
        // No header name is shown: in a file without a header, the first row is data.
        let mut message = format!(
            "none of the {} column(s) the rules pseudonymize or redact is in the header ({} field{}): is the file \
             without a header, or read with the wrong delimiter?",
            named.len(),
            header.len(),
            if header.len() == 1 { "" } else { "s" }
        );
        if let [only] = header {
            let hints = [
                (';', "`;`", r#"";""#),
                ('\t', "a tab", r#""\t""#),
                ('|', "`|`", r#""|""#),
            ];
            if let Some((_, what, delimiter)) = hints.into_iter().find(|(c, _, _)| only.contains(*c)) {
                message +=
                    &format!(" The header is one field holding {what}: set `delimiter: {delimiter}` in the rules.");
            }
        }
        message += &format!(" {ACCEPT}");
        return vec![Problem::new("header", message)];
    }
    let lists: [(&str, &[Name]); 3] = [
        ("columnsToPseudonymize", &rules.columns_to_pseudonymize),
        (
            "columnsToPseudonymizeIfPresent",
            &rules.columns_to_pseudonymize_if_present,
        ),
        ("columnsToRedact", &rules.columns_to_redact),
    ];
    let mut problems = Vec::new();
    for (rule, list) in lists {
        for n in list.iter().filter(|n| !present(n)) {
            if let Some(h) = near(n) {
                problems.push(Problem::new(
                    rule,
                    format!(
                        "column `{}` is not in the header, but `{}` is and would be written in clear: did you mean `{}`? \
                         {ACCEPT}",
                        shown(&n.text),
                        shown(h),
                        shown(h)
                    ),
                ));
            }
        }
    }
    problems
}
