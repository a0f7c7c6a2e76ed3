//! Rules bound to one file's header: what each output column is made of.
//!
//! Built once per file, exactly in psoxy's registration order (SPEC.md §6): duplicates,
//! renames, transforms, pseudonymize, pseudonymize-if-present, pass-through; output columns
//! sorted by input position, new ones after in natural order. The per-row loop then does
//! no name lookups. veil adds the header checks psoxy lacks: duplicate header names and
//! columns the rules name but the file lacks are errors, not silent phantom columns.

use std::fmt::Write as _;

use crate::error::{Error, Problem, Result};
use crate::pseudonym::PseudonymFormat;
use crate::rules::{ColumnarRules, Name, same_name};
use crate::transform::Step;

/// What happens to a non-blank value, in order.
#[derive(Debug, Clone)]
pub enum Func {
    /// Pseudonymize with the plan's format.
    Pseudonymize,
    /// A `fieldsToTransform` pipeline.
    Pipeline(Vec<Step>),
}

/// How an output column is computed; `Copy` and `Pseudonymize` are the fast paths.
#[derive(Debug, Clone)]
pub enum Action {
    /// The input value unchanged.
    Copy,
    /// The input value pseudonymized.
    Pseudonymize,
    /// Anything else: functions applied in order; a null stops the chain.
    Chain(Vec<Func>),
}

/// One output column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Output header spelling.
    pub name: String,
    /// Index of the input column it reads.
    pub source: usize,
    /// What is done to the value.
    pub action: Action,
    /// The rules that produced it, for `veil check`.
    pub origin: Vec<String>,
}

/// The rules for one output, bound to one header.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Output columns in output order.
    pub columns: Vec<Column>,
    /// The input header, trimmed.
    pub input: Vec<String>,
    /// Pseudonym format of these rules.
    pub format: PseudonymFormat,
    /// Input columns not written, with why.
    pub dropped: Vec<(String, &'static str)>,
}

struct Entry {
    key: String,
    source: String,
    funcs: Vec<Func>,
    origin: Vec<String>,
}

impl Plan {
    /// Binds `rules` to `header`. `file` and `line` name the header in messages.
    ///
    /// # Errors
    /// Every header problem at once: duplicate names, columns the rules name that the
    /// file lacks, a value that would be pseudonymized twice.
    pub fn new(rules: &ColumnarRules, header: &[String], file: &str, line: u64) -> Result<Plan> {
        let mut problems = duplicate_names(header);
        let index_of = |name: &str| header.iter().position(|h| same_name(h, name));
        let listed = |list: &[Name], name: &str| list.iter().any(|n| n.is(name));
        let retained: Vec<usize> = (0..header.len())
            .filter(|&i| !listed(&rules.columns_to_redact, &header[i]))
            .filter(|&i| {
                rules
                    .columns_to_include
                    .as_ref()
                    .is_none_or(|inc| listed(inc, &header[i]))
            })
            .collect();

        let mut entries: Vec<Entry> = Vec::new();
        let sorted = |pairs: &[(Name, Name)]| {
            let mut v: Vec<(Name, Name)> = pairs.to_vec();
            v.sort_by_key(|(from, _)| from.text.to_lowercase());
            v
        };
        for (from, to) in sorted(&rules.columns_to_duplicate) {
            add(
                &mut entries,
                &to,
                &from,
                None,
                format!("columnsToDuplicate from {}", from.text),
            );
        }
        for (from, to) in sorted(&rules.columns_to_rename) {
            add(
                &mut entries,
                &to,
                &from,
                None,
                format!("columnsToRename from {}", from.text),
            );
        }
        let mut transforms: Vec<_> = rules.fields_to_transform.iter().enumerate().collect();
        transforms.sort_by_key(|(i, t)| (t.source.text.to_lowercase(), *i));
        for (_, t) in transforms {
            let origin = format!("fieldsToTransform.{}", t.key.text);
            add(
                &mut entries,
                &t.new_name,
                &t.source,
                Some(Func::Pipeline(t.steps.clone())),
                origin,
            );
        }
        let mut pseudonymize = rules.columns_to_pseudonymize.clone();
        pseudonymize.sort_by_key(|n| n.text.to_lowercase());
        for n in &pseudonymize {
            add(
                &mut entries,
                n,
                n,
                Some(Func::Pseudonymize),
                "columnsToPseudonymize".into(),
            );
        }
        let mut if_present = rules.columns_to_pseudonymize_if_present.clone();
        if_present.sort_by_key(|n| n.text.to_lowercase());
        for n in &if_present {
            if retained.iter().any(|&i| n.is(&header[i])) {
                add(
                    &mut entries,
                    n,
                    n,
                    Some(Func::Pseudonymize),
                    "columnsToPseudonymizeIfPresent".into(),
                );
            }
        }
        let renamed_away = |h: &str| rules.columns_to_rename.iter().any(|(from, _)| from.is(h));
        for &i in &retained {
            let h = &header[i];
            if !entries.iter().any(|e| same_name(&e.key, h)) && !renamed_away(h) {
                let name = Name {
                    text: h.clone(),
                    at: (0, 0),
                };
                add(&mut entries, &name, &name, None, "kept".into());
            }
        }

        let mut columns = Vec::new();
        for e in entries {
            let Some(source) = index_of(&e.source) else {
                let rule = e.origin.first().cloned().unwrap_or_default();
                let rule = rule.split(' ').next().unwrap_or_default().to_owned();
                problems.push(Problem::new(
                    rule,
                    // Never list the header: in a file without one, it is a data row.
                    format!(
                        "column `{}` is not in the file's header (`veil check` shows its columns)",
                        e.source
                    ),
                ));
                continue;
            };
            let hashes = e.funcs.iter().filter(|f| hashes_value(f)).count();
            if hashes > 1 {
                problems.push(Problem::new(
                    e.origin.join(" + "),
                    format!("column `{}` would be pseudonymized {hashes} times", e.key),
                ));
            }
            let name = match retained.iter().find(|&&i| same_name(&header[i], &e.key)) {
                Some(&i) => header[i].clone(),
                None => e.key,
            };
            let action = match e.funcs.as_slice() {
                [] => Action::Copy,
                [Func::Pseudonymize] => Action::Pseudonymize,
                _ => Action::Chain(e.funcs),
            };
            columns.push(Column {
                name,
                source,
                action,
                origin: e.origin,
            });
        }
        if !problems.is_empty() {
            return Err(Error::Header {
                file: file.into(),
                line,
                problems,
            });
        }

        let position = |name: &str| {
            let direct = header.iter().position(|h| same_name(h, name));
            let mut renames = sorted(&rules.columns_to_rename);
            renames.retain(|(_, to)| to.is(name));
            let renamed = renames.first().and_then(|(from, _)| index_of(&from.text));
            direct.into_iter().chain(renamed).min().unwrap_or(usize::MAX)
        };
        // Ties in natural (UTF-16, case-sensitive) order, as Java's String.compareTo.
        columns.sort_by_cached_key(|c| (position(&c.name), c.name.encode_utf16().collect::<Vec<u16>>()));
        let dropped = header
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !columns
                    .iter()
                    .any(|c| c.source == *i && same_name(&c.name, &header[*i]))
            })
            .map(|(i, h)| {
                let why = if listed(&rules.columns_to_redact, h) {
                    "columnsToRedact"
                } else if !retained.contains(&i) {
                    "not in columnsToInclude"
                } else if renamed_away(h) {
                    "renamed"
                } else {
                    "replaced by a rule's output"
                };
                (h.clone(), why)
            })
            .collect();
        Ok(Plan {
            columns,
            input: header.to_vec(),
            format: rules.pseudonym_format,
            dropped,
        })
    }

    /// Output header names.
    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Number of output columns whose values are pseudonymized.
    pub fn pseudonymized_columns(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| match &c.action {
                Action::Pseudonymize => true,
                Action::Chain(funcs) => funcs.iter().any(hashes_value),
                Action::Copy => false,
            })
            .count()
    }

    /// A table of output column, source and action, for `veil check`.
    pub fn describe(&self) -> String {
        let format = PseudonymFormat::NAMES[self.format as usize];
        let rows: Vec<[String; 3]> = self
            .columns
            .iter()
            .map(|c| {
                let action = match &c.action {
                    Action::Copy => "copy".to_owned(),
                    Action::Pseudonymize => format!("pseudonymize ({format})"),
                    Action::Chain(funcs) => funcs
                        .iter()
                        .map(|f| match f {
                            Func::Pseudonymize => format!("pseudonymize ({format})"),
                            Func::Pipeline(steps) => steps.iter().map(step_name).collect::<Vec<_>>().join(" → "),
                        })
                        .collect::<Vec<_>>()
                        .join(", then "),
                };
                let rules = c.origin.iter().filter(|o| *o != "kept").cloned().collect::<Vec<_>>();
                let action = if rules.is_empty() {
                    action
                } else {
                    format!("{action}  [{}]", rules.join("; "))
                };
                [c.name.clone(), self.input[c.source].clone(), action]
            })
            .collect();
        let width = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0).max(6);
        let w0 = width(0);
        let w1 = self
            .dropped
            .iter()
            .map(|(n, _)| n.chars().count())
            .fold(width(1), usize::max);
        let mut out = format!("{:w0$}  {:w1$}  ACTION\n", "OUTPUT", "SOURCE");
        for [name, source, action] in &rows {
            let _ = writeln!(out, "{name:w0$}  {source:w1$}  {action}");
        }
        for (name, why) in &self.dropped {
            let _ = writeln!(out, "{:w0$}  {name:w1$}  dropped ({why})", "-");
        }
        out
    }
}

/// psoxy's `add`: a new output column, or one more function (and origin) for an existing one
/// (whose source then stays the first registration's).
fn add(entries: &mut Vec<Entry>, key: &Name, source: &Name, func: Option<Func>, origin: String) {
    match entries.iter_mut().find(|e| same_name(&e.key, &key.text)) {
        Some(e) => {
            e.funcs.extend(func);
            e.origin.push(origin);
        }
        None => entries.push(Entry {
            key: key.text.clone(),
            source: source.text.clone(),
            funcs: func.into_iter().collect(),
            origin: vec![origin],
        }),
    }
}

fn hashes_value(f: &Func) -> bool {
    match f {
        Func::Pseudonymize => true,
        Func::Pipeline(steps) => steps.iter().any(|s| matches!(s, Step::Pseudonymize)),
    }
}

fn step_name(step: &Step) -> String {
    match step {
        Step::Filter { .. } => "filter".into(),
        Step::Format(_) => "formatString".into(),
        Step::Replace { .. } => "javaRegExpReplace".into(),
        Step::Pseudonymize => "pseudonymize".into(),
    }
}

/// psoxy keeps the last of two same-named columns and silently drops the first.
fn duplicate_names(header: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(j) = header[..i].iter().position(|p| same_name(p, h)) {
            let what = if h.is_empty() {
                "blank name".to_owned()
            } else {
                format!("`{h}`")
            };
            problems.push(Problem::new(
                "header",
                format!(
                    "columns {} and {} have the same {what} (psoxy would silently drop one)",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    fn plan(yaml: &str, header: &str) -> Result<Plan> {
        let Rules::Columnar(rules) = Rules::from_yaml(yaml, "r.yaml").unwrap() else {
            panic!()
        };
        let header: Vec<String> = header.split(',').map(str::to_owned).collect();
        Plan::new(&rules, &header, "in.csv", 1)
    }

    fn header_of(yaml: &str, header: &str) -> String {
        plan(yaml, header).unwrap().header().join(",")
    }

    #[test]
    fn output_order_follows_psoxy() {
        // edge-cases.txt "new column order (natural, case-sensitive)".
        let yaml = "columnsToDuplicate: {a: zz, b: AA, c: mm}\n";
        assert_eq!(header_of(yaml, "a,b,c"), "a,b,c,AA,mm,zz");
        // handle_duplicates: the copy goes last, renamed columns stay in place.
        let yaml = "columnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n\
                    columnsToRename: {TEAM: DEPARTMENT}\n";
        assert_eq!(
            header_of(yaml, "EMPLOYEE_ID,TEAM,SNAPSHOT"),
            "EMPLOYEE_ID,DEPARTMENT,SNAPSHOT,EMPLOYEE_ID_ORIG"
        );
    }

    #[test]
    fn header_spelling_comes_from_the_file() {
        let yaml = "columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL]\n";
        assert_eq!(
            header_of(yaml, "EMPLOYEE_ID,employee_EMAIL,ROLE"),
            "EMPLOYEE_ID,employee_EMAIL,ROLE"
        );
    }

    #[test]
    fn rename_onto_existing_column_replaces_it() {
        assert_eq!(header_of("columnsToRename: {a: b}\n", "a,b,c"), "b,c");
        let p = plan("columnsToRename: {a: b}\n", "a,b,c").unwrap();
        assert_eq!(p.columns[0].source, 0);
    }

    #[test]
    fn include_keeps_only_listed_inputs_but_derived_outputs_stay() {
        let yaml = "columnsToInclude: [EMPLOYEE_ID]\ncolumnsToPseudonymize: [EMPLOYEE_ID]\n\
                    columnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";
        assert_eq!(
            header_of(yaml, "EMPLOYEE_ID,EMAIL,DEPT"),
            "EMPLOYEE_ID,EMPLOYEE_ID_ORIG"
        );
    }

    #[test]
    fn missing_columns_are_errors_not_phantom_columns() {
        let err = plan("columnsToPseudonymize: [c]\ncolumnsToDuplicate: {x: y}\n", "a,b").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2);
        assert!(
            msg.contains("`columnsToPseudonymize`: column `c` is not in the file's header (`veil check` shows"),
            "{msg}"
        );
        assert!(
            msg.contains("`columnsToDuplicate`: column `x` is not in the file's header"),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_header_names_are_errors() {
        let msg = plan("columnsToRedact: [z]\n", "Email,b,EMAIL").unwrap_err().to_string();
        assert!(msg.contains("columns 1 and 3 have the same `EMAIL`"), "{msg}");
        let msg = plan("columnsToRedact: [z]\n", "a,,b,").unwrap_err().to_string();
        assert!(msg.contains("blank name"), "{msg}");
        assert_eq!(header_of("columnsToRedact: [z]\n", "a,b,"), "a,b,");
    }

    #[test]
    fn double_pseudonymization_through_a_pipeline_is_an_error() {
        let yaml =
            "columnsToPseudonymize: [gh]\nfieldsToTransform: {e: {newName: gh, transforms: [{pseudonymize: true}]}}\n";
        let msg = plan(yaml, "e").unwrap_err().to_string();
        assert!(msg.contains("would be pseudonymized 2 times"), "{msg}");
    }

    #[test]
    fn check_table_lists_actions_and_dropped_columns() {
        let yaml = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [ID]\ncolumnsToRedact: [SALARY]\n";
        let table = plan(yaml, "ID,ROLE,SALARY").unwrap().describe();
        assert_eq!(
            table,
            "OUTPUT  SOURCE  ACTION\n\
             ID      ID      pseudonymize (URL_SAFE_TOKEN)  [columnsToPseudonymize]\n\
             ROLE    ROLE    copy\n\
             -       SALARY  dropped (columnsToRedact)\n"
        );
    }
}
