//! Rules bound to one file's header: what each output column is made of.
//!
//! Built as psoxy's `ColumnarBulkDataSanitizerImpl` builds its column table (SPEC.md §6):
//! names compared with Java's `equalsIgnoreCase`, each rule list walked in Java's
//! `CASE_INSENSITIVE_ORDER`, registrations in psoxy's order (duplicates, renames,
//! transforms, pseudonymize, pseudonymize-if-present, pass-through), output columns ordered
//! by input position, then by the spelling of their first registration. A source the file
//! lacks gives an empty column, as in psoxy, and is reported. Names are looked up in hash
//! maps, so binding is linear in the header's width; the per-row loop does no lookups.
//! veil adds one header check psoxy lacks: duplicate header names are an error (psoxy
//! silently drops one of the columns).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

mod checks;
mod near;
mod table;

use crate::error::{Error, Problem, Result};
use crate::escape::{listed, name as shown};
use crate::pseudonym::PseudonymFormat;
use crate::rules::{ColumnarRules, Name};
use crate::transform::Step;
use checks::{absent, duplicate_names, leaks, unmatched};
use javalang as java;
use table::Table;

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
    /// Index of the input column it reads; `None` when the file lacks it (always empty).
    pub source: Option<usize>,
    /// What is done to the value.
    pub action: Action,
    /// The rules that produced it, for `veil check`.
    pub origin: Vec<String>,
}

/// An output column whose source the file lacks: psoxy writes it empty, and so does veil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The output column.
    pub column: String,
    /// The source column as the rules name it.
    pub source: String,
    /// The rule that reads it, e.g. `columnsToPseudonymize`.
    pub rule: String,
}

/// Names in one rule that match no input column: the rule does nothing (a typo?).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    /// The rule, e.g. `columnsToRedact`.
    pub rule: &'static str,
    /// The names, as written.
    pub names: Vec<String>,
}

/// How a run treats rule columns the file lacks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnPolicy {
    /// Refuse a file that lacks any column the rules read (`--strict-columns`), instead of
    /// writing it empty as psoxy does.
    pub strict: bool,
    /// Accept, as psoxy does, a file that has none of the columns the rules pseudonymize or
    /// redact, or whose header has a near miss of a missing rule column that would leave in
    /// clear (`--allow-absent-columns`).
    pub allow_absent: bool,
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
    /// Output columns written empty because the file lacks their source.
    pub missing: Vec<Missing>,
    /// Rule names that match no input column.
    pub unmatched: Vec<Unmatched>,
}

impl Plan {
    /// Binds `rules` to `header` as a run does: [`Plan::new`], then the checks of `policy`
    /// (absent and near-miss columns refused unless allowed, missing ones when strict). The
    /// built-in lookup rules take the key column's spelling from the header, so that the
    /// table's header is `EMPLOYEE_ID,EMPLOYEE_ID_ORIG` whatever `--lookup-key` spelled.
    ///
    /// # Errors
    /// Every header problem at once.
    pub fn bind(rules: &ColumnarRules, header: &[String], file: &str, line: u64, policy: ColumnPolicy) -> Result<Plan> {
        let respelled;
        let rules = match rules
            .lookup_key
            .as_deref()
            .and_then(|k| header.iter().find(|h| java::equals_ignore_case(h, k)))
        {
            Some(spelled) => {
                respelled = ColumnarRules::lookup(spelled);
                &respelled
            }
            None => rules,
        };
        Plan::build(rules, header, file, line, policy)
    }

    /// Binds `rules` to `header` (empty for an empty input) as psoxy does, whatever columns
    /// are absent. `file` and `line` name the header in messages.
    ///
    /// # Errors
    /// Every header problem at once: duplicate names, a value that would be pseudonymized
    /// twice.
    pub fn new(rules: &ColumnarRules, header: &[String], file: &str, line: u64) -> Result<Plan> {
        let psoxy = ColumnPolicy {
            strict: false,
            allow_absent: true,
        };
        Plan::build(rules, header, file, line, psoxy)
    }

    fn build(rules: &ColumnarRules, header: &[String], file: &str, line: u64, policy: ColumnPolicy) -> Result<Plan> {
        let key = java::ignore_case_key;
        let keys: Vec<String> = header.iter().map(|h| key(h)).collect();
        let mut problems = duplicate_names(header, &keys);
        let mut position: HashMap<&str, usize> = HashMap::with_capacity(header.len());
        for (i, k) in keys.iter().enumerate() {
            position.entry(k.as_str()).or_insert(i);
        }
        let set = |list: &[Name]| list.iter().map(|n| key(&n.text)).collect::<HashSet<String>>();
        let redact = set(&rules.columns_to_redact);
        let include = rules.columns_to_include.as_deref().map(set);
        let retained: Vec<usize> = (0..header.len())
            .filter(|&i| !redact.contains(&keys[i]) && include.as_ref().is_none_or(|inc| inc.contains(&keys[i])))
            .collect();
        let mut retained_index: HashMap<&str, usize> = HashMap::with_capacity(retained.len());
        for &i in &retained {
            retained_index.entry(keys[i].as_str()).or_insert(i);
        }

        let table = Table::register(rules, header, &keys, &retained, &retained_index);
        let Table {
            entries,
            index: table_index,
            renames,
        } = table;
        let renamed_away: HashSet<String> = renames.iter().map(|(from, _)| key(&from.text)).collect();

        // Output order: input position (a renamed column takes its old column's place), then
        // `String.compareTo` of the first registration's spelling.
        let mut rename_source: HashMap<String, usize> = HashMap::new();
        for (from, to) in &renames {
            let at = position.get(key(&from.text).as_str()).copied().unwrap_or(usize::MAX);
            rename_source.entry(key(&to.text)).or_insert(at);
        }
        let mut missing = Vec::new();
        // (place, first registration's spelling, column): what output order sorts on.
        let mut columns: Vec<(usize, std::borrow::Cow<'_, str>, Column)> = Vec::with_capacity(entries.len());
        for e in entries {
            if let Some(i) = e.kept {
                // Kept as it is: its own place, its own name, no rule.
                let column = Column {
                    name: header[i].clone(),
                    source: Some(i),
                    action: Action::Copy,
                    origin: Vec::new(),
                };
                columns.push((i, e.key, column));
                continue;
            }
            let k = key(&e.key);
            let source = position.get(key(&e.lookup).as_str()).copied();
            if source.is_none() {
                let rule = e.origin[0].split(' ').next().unwrap_or_default().to_owned();
                missing.push(Missing {
                    column: e.key.to_string(),
                    source: e.written.to_string(),
                    rule,
                });
            }
            let hashes = e.funcs.iter().filter(|f| hashes_value(f)).count();
            if hashes > 1 {
                problems.push(Problem::new(
                    e.origin.join(" + "),
                    format!("column `{}` would be pseudonymized {hashes} times", shown(&e.key)),
                ));
            }
            let at = position.get(k.as_str()).copied().unwrap_or(usize::MAX);
            let at = at.min(rename_source.get(&k).copied().unwrap_or(usize::MAX));
            let name = match retained_index.get(k.as_str()) {
                Some(&i) => header[i].clone(),
                None => e.key.to_string(),
            };
            let action = match e.funcs.as_slice() {
                [] => Action::Copy,
                [Func::Pseudonymize] => Action::Pseudonymize,
                funcs => Action::Chain(funcs.to_vec()),
            };
            let origin = e.origin;
            columns.push((
                at,
                e.key,
                Column {
                    name,
                    source,
                    action,
                    origin,
                },
            ));
        }
        let output = |name: &str| {
            let i = *table_index.get(key(name).as_str())?;
            let (_, _, c) = &columns[i];
            Some((c.source, hashes_in(&c.action) > 0))
        };
        let retained_at = |i: usize| retained_index.get(keys[i].as_str()) == Some(&i);
        problems.extend(leaks(rules, &position, &redact, output, retained_at));
        if !policy.allow_absent {
            let mut clear = vec![false; header.len()];
            for (_, _, c) in &columns {
                if let Some(i) = c.source
                    && hashes_in(&c.action) == 0
                {
                    clear[i] = true;
                }
            }
            problems.extend(absent(rules, header, &position, |i| clear[i]));
        }
        if policy.strict {
            problems.extend(Plan::missing_problems(&missing));
        }
        if !problems.is_empty() {
            return Err(Error::Header {
                file: file.into(),
                line,
                problems,
            });
        }
        columns.sort_by(|(a, x, _), (b, y, _)| a.cmp(b).then_with(|| java::compare(x, y)));
        let columns: Vec<Column> = columns.into_iter().map(|(_, _, c)| c).collect();

        // An input column is written when an output column of the same name reads it.
        let mut written = vec![false; header.len()];
        for c in &columns {
            if let Some(i) = c.source
                && java::equals_ignore_case(&c.name, &header[i])
            {
                written[i] = true;
            }
        }
        let dropped = header
            .iter()
            .enumerate()
            .filter(|(i, _)| !written[*i])
            .map(|(i, h)| {
                let why = if redact.contains(&keys[i]) {
                    "columnsToRedact"
                } else if !retained_index.contains_key(keys[i].as_str()) {
                    "not in columnsToInclude"
                } else if renamed_away.contains(&keys[i]) {
                    "renamed"
                } else {
                    "replaced by a rule's output"
                };
                (h.clone(), why)
            })
            .collect();
        let unmatched = unmatched(rules, &position);
        Ok(Plan {
            columns,
            input: header.to_vec(),
            format: rules.pseudonym_format,
            dropped,
            missing,
            unmatched,
        })
    }

    /// With `--strict-columns`: the missing columns as problems, as veil refused them before
    /// it followed psoxy.
    fn missing_problems(missing: &[Missing]) -> Vec<Problem> {
        missing
            .iter()
            .map(|m| {
                Problem::new(
                    m.rule.clone(),
                    // Never list the header: in a file without one, it is a data row.
                    format!(
                        "column `{}` is not in the file's header (--strict-columns; `veil check` shows its columns)",
                        shown(&m.source)
                    ),
                )
            })
            .collect()
    }

    /// A line about columns the file lacks, and one about rule names that match nothing
    /// (names escaped and cut short, at most 20 of each).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.missing.is_empty() {
            let list = self.missing.iter().map(|m| {
                if java::equals_ignore_case(&m.column, &m.source) {
                    format!("`{}` ({})", shown(&m.column), m.rule)
                } else {
                    format!("`{}` ({} of `{}`)", shown(&m.source), m.rule, shown(&m.column))
                }
            });
            warnings.push(format!(
                "columns missing from the file, written as empty columns as psoxy does: {}",
                listed(list, ", ")
            ));
        }
        if !self.unmatched.is_empty() {
            let list = self.unmatched.iter().map(|u| {
                let names = u.names.iter().map(|n| format!("`{}`", shown(n)));
                format!("{} {}", u.rule, listed(names, ", "))
            });
            warnings.push(format!("rule names matching no column: {}", listed(list, "; ")));
        }
        warnings
    }

    /// Output header names.
    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
    /// Number of output columns whose values are pseudonymized.
    pub fn pseudonymized_columns(&self) -> usize {
        self.columns.iter().filter(|c| hashes_in(&c.action) > 0).count()
    }

    /// Output columns whose values leave in clear (kept, renamed, duplicated, or transformed
    /// without a pseudonymization): the ones the PII guard looks at.
    pub fn clear_columns(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].source.is_some() && hashes_in(&self.columns[i].action) == 0)
            .collect()
    }

    /// What output column `i` is made by, in words, with the rules behind it:
    /// `pseudonymize (URL_SAFE_TOKEN)  [columnsToPseudonymize]` (`veil check`, Python's
    /// `veil.check`).
    pub fn action(&self, i: usize) -> String {
        let format = PseudonymFormat::NAMES[self.format as usize];
        let column = &self.columns[i];
        let action = match &column.action {
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
        let rules = column
            .origin
            .iter()
            .filter(|o| *o != "kept")
            .cloned()
            .collect::<Vec<_>>();
        if rules.is_empty() {
            action
        } else {
            format!("{action}  [{}]", rules.join("; "))
        }
    }

    /// A table of output column, source and action, for `veil check`.
    pub fn describe(&self) -> String {
        let rows: Vec<[String; 3]> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let source = match c.source {
                    Some(i) => shown(&self.input[i]),
                    None => "(missing)".to_owned(),
                };
                [shown(&c.name), source, self.action(i)]
            })
            .collect();
        let width = |k: usize| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0).max(6);
        let w0 = width(0);
        let dropped: Vec<(String, &str)> = self.dropped.iter().map(|(n, why)| (shown(n), *why)).collect();
        let w1 = dropped
            .iter()
            .map(|(n, _)| n.chars().count())
            .fold(width(1), usize::max);
        let mut out = format!("{:w0$}  {:w1$}  ACTION\n", "OUTPUT", "SOURCE");
        for [name, source, action] in &rows {
            let _ = writeln!(out, "{name:w0$}  {source:w1$}  {action}");
        }
        for (name, why) in &dropped {
            let _ = writeln!(out, "{:w0$}  {name:w1$}  dropped ({why})", "-");
        }
        out
    }
}

/// How many times an action pseudonymizes a value.
fn hashes_in(action: &Action) -> usize {
    match action {
        Action::Copy => 0,
        Action::Pseudonymize => 1,
        Action::Chain(funcs) => funcs.iter().filter(|f| hashes_value(f)).count(),
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
    fn leak_patterns_are_rejected() {
        let cases = [
            (
                "columnsToRedact: [x]\ncolumnsToRename: {x: y}\n",
                "source `x` is in columnsToRedact",
            ),
            (
                "columnsToInclude: [id]\ncolumnsToDuplicate: {x: x2}\n",
                "source `x` is not in columnsToInclude",
            ),
            (
                "columnsToRename: {email: employee_email}\ncolumnsToPseudonymize: [email]\n",
                "also listed for pseudonymization under its old name",
            ),
            (
                "columnsToRename: {email: employee_email}\ncolumnsToPseudonymizeIfPresent: [employee_email]\n",
                "never pseudonymizes it",
            ),
            (
                "columnsToRedact: [email]\ncolumnsToPseudonymize: [email]\n",
                "also in columnsToRedact",
            ),
            (
                "columnsToDuplicate: {id: id_orig}\ncolumnsToRedact: [id_orig]\n",
                "copy would be written in clear",
            ),
            (
                "columnsToRedact: [e]\nfieldsToTransform: {e: {newName: gh, transforms: [{filter: '(.*)@.*'}]}}\n",
                "source `e` is in columnsToRedact",
            ),
            (
                "columnsToPseudonymize: [a]\ncolumnsToPseudonymizeIfPresent: [A]\n",
                "would be pseudonymized 2 times",
            ),
        ];
        for (yaml, expected) in cases {
            let msg = plan(yaml, "id,x,email,e,a").unwrap_err().to_string();
            assert!(msg.contains(expected), "{yaml:?} gave {msg}");
            // A column the file lacks leaks nothing: psoxy writes it empty.
            let absent = plan(yaml, "q,r");
            assert!(
                absent.is_ok() || !absent.unwrap_err().to_string().contains(expected),
                "{yaml:?} without its columns"
            );
        }
    }

    #[test]
    fn a_derived_column_that_is_pseudonymized_leaks_nothing() {
        // Redact the e-mail but keep a pseudonymized handle derived from it; duplicate a
        // redacted id into a pseudonymized copy.
        let yaml = "columnsToRedact: [email, id]\ncolumnsToDuplicate: {id: id2}\ncolumnsToPseudonymize: [id2]\n\
                    fieldsToTransform: {email: {newName: gh, transforms: [{filter: '(.*)@.*'}, {pseudonymize: true}]}}\n";
        assert_eq!(header_of(yaml, "id,email,dept"), "dept,gh,id2");
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
        assert_eq!(p.columns[0].source, Some(0));
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
    fn missing_columns_are_empty_columns_with_a_warning() {
        // psoxy's own HRIS rules on its minimum HRIS file: MANAGER_EMAIL is appended empty.
        let yaml = "columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]\n";
        let header = "EMPLOYEE_ID,EMPLOYEE_EMAIL,DEPARTMENT,SNAPSHOT,MANAGER_ID,JOIN_DATE,LEAVE_DATE";
        let p = plan(yaml, header).unwrap();
        assert_eq!(p.header().join(","), format!("{header},MANAGER_EMAIL"));
        assert_eq!(p.columns.last().unwrap().source, None);
        assert_eq!(
            p.warnings(),
            [
                "columns missing from the file, written as empty columns as psoxy does: `MANAGER_EMAIL` (columnsToPseudonymize)"
            ]
        );
        let p = plan("columnsToDuplicate: {x: y}\ncolumnsToRename: {q: r}\n", "a,b").unwrap();
        assert_eq!(p.header().join(","), "a,b,r,y");
        assert_eq!(
            p.warnings(),
            [
                "columns missing from the file, written as empty columns as psoxy does: `x` (columnsToDuplicate of `y`), `q` (columnsToRename of `r`)"
            ]
        );
    }

    #[test]
    fn strict_columns_refuses_missing_columns() {
        let Rules::Columnar(rules) =
            Rules::from_yaml("columnsToPseudonymize: [c]\ncolumnsToDuplicate: {x: y}\n", "r").unwrap()
        else {
            panic!()
        };
        let header = ["a".to_owned(), "b".to_owned()];
        let policy = ColumnPolicy {
            strict: true,
            allow_absent: true,
        };
        let err = Plan::bind(&rules, &header, "in.csv", 1, policy).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2);
        assert!(
            msg.contains("`columnsToPseudonymize`: column `c` is not in the file's header (--strict-columns"),
            "{msg}"
        );
        assert!(
            msg.contains("`columnsToDuplicate`: column `x` is not in the file's header"),
            "{msg}"
        );
    }

    fn bind(rules: &ColumnarRules, header: &[&str], allow_absent: bool) -> Result<Plan> {
        let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
        let policy = ColumnPolicy {
            strict: false,
            allow_absent,
        };
        Plan::bind(rules, &header, "in.csv", 1, policy)
    }

    fn columnar(yaml: &str) -> ColumnarRules {
        let Rules::Columnar(rules) = Rules::from_yaml(yaml, "r.yaml").unwrap() else {
            panic!()
        };
        rules
    }

    #[test]
    fn a_file_without_any_rule_column_is_refused_without_showing_its_first_row() {
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID, EMAIL]\ncolumnsToRedact: [SSN]\n");
        let headerless = ["E0001", "secret.person@acme.com", "078-05-1120"];
        let err = bind(&rules, &headerless, false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("none of the 3 column(s) the rules pseudonymize or redact is in the header (3 fields)"),
            "{msg}"
        );
        assert!(msg.contains("--allow-absent-columns"), "{msg}");
        assert!(
            !msg.contains("secret.person") && !msg.contains("E0001") && !msg.contains("078"),
            "{msg}"
        );
        assert!(
            bind(&rules, &headerless, true).is_ok(),
            "accepted as psoxy does when asked"
        );
        // The wrong delimiter: one field holding the real one.
        for (header, delimiter) in [
            ("EMPLOYEE_ID;EMAIL;SSN", r#"set `delimiter: ";"`"#),
            ("EMPLOYEE_ID\tEMAIL", r#"set `delimiter: "\t"`"#),
            ("EMPLOYEE_ID|EMAIL", r#"set `delimiter: "|"`"#),
        ] {
            let msg = bind(&rules, &[header], false).unwrap_err().to_string();
            assert!(msg.contains(delimiter), "{msg}");
        }
        // An empty file has nothing to leak.
        assert!(bind(&rules, &[], false).is_ok());
    }

    #[test]
    fn a_near_miss_of_a_missing_rule_column_that_leaves_in_clear_is_refused() {
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID, MANAGER_EMIAL]\ncolumnsToRedact: [SSN]\n");
        let msg = bind(&rules, &["EMPLOYEE_ID", "MANAGER_EMAIL", "SSN"], false)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(
                "`columnsToPseudonymize`: column `MANAGER_EMIAL` is not in the header, but `MANAGER_EMAIL` is and would be \
                 written in clear: did you mean `MANAGER_EMAIL`?"
            ),
            "{msg}"
        );
        for spelled in ["SSN\u{200b}", "SSN\u{a0}", "SSN\u{feff}"] {
            let msg = bind(&rules, &["EMPLOYEE_ID", "MANAGER_EMIAL", spelled], false)
                .unwrap_err()
                .to_string();
            let shown = crate::escape::escape(spelled);
            assert!(msg.contains(&format!("did you mean `{shown}`?")), "{msg}");
        }
        assert!(bind(&rules, &["EMPLOYEE_ID", "MANAGER_EMAIL", "SSN"], true).is_ok());
        // The near miss is not in clear (redacted): nothing leaks, nothing refused.
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID, MANAGER_EMIAL]\ncolumnsToRedact: [MANAGER_EMAIL]\n");
        assert!(bind(&rules, &["EMPLOYEE_ID", "MANAGER_EMAIL"], false).is_ok());
        // Short names must match exactly: `ID` is not a near miss of `IP`.
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [IP]\n");
        assert!(bind(&rules, &["EMPLOYEE_ID", "ID"], false).is_ok());
    }

    #[test]
    fn the_built_in_lookup_takes_the_headers_spelling_and_refuses_an_absent_key() {
        let rules = ColumnarRules::lookup("employee_id");
        let plan = bind(&rules, &["EMPLOYEE_ID", "EMAIL"], false).unwrap();
        assert_eq!(plan.header(), ["EMPLOYEE_ID", "EMPLOYEE_ID_ORIG"]);
        let msg = bind(&ColumnarRules::lookup("EMPLOYE_ID"), &["EMPLOYEE_ID", "EMAIL"], false)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("the lookup key column `EMPLOYE_ID` is not in the header; did you mean `EMPLOYEE_ID`?"),
            "{msg}"
        );
        let msg = bind(&ColumnarRules::lookup("PERSON"), &["EMPLOYEE_ID"], false)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("the lookup key column `PERSON` is not in the header (--lookup-key"),
            "{msg}"
        );
    }

    #[test]
    fn names_in_messages_are_escaped_and_cut() {
        let long = "N".repeat(1_000);
        let rules = columnar(&format!(
            "columnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: ['{long}', \"a\\nb\"]\n"
        ));
        let warnings = bind(&rules, &["EMPLOYEE_ID"], false).unwrap().warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`a\\nb`"), "{warnings:?}");
        assert!(warnings[0].len() < 200, "{warnings:?}");
        // 100,000 blank-named duplicate columns: a bounded message.
        let header: Vec<String> = std::iter::once("EMPLOYEE_ID".to_owned())
            .chain((0..100_000).map(|_| String::new()))
            .collect();
        let err = Plan::bind(&rules, &header, "in.csv", 1, ColumnPolicy::default())
            .unwrap_err()
            .to_string();
        assert!(err.len() < 4_000, "{} bytes", err.len());
        assert!(err.ends_with("and 99979 more"), "{}", &err[err.len() - 100..]);
    }

    #[test]
    fn rule_names_matching_no_column_are_reported_per_rule() {
        let yaml = "columnsToRedact: [SSN, b]\ncolumnsToPseudonymizeIfPresent: [PHONE]\ncolumnsToInclude: [a, b, zz]\n";
        let p = plan(yaml, "a,b,SOCIAL_SECURITY_NUMBER").unwrap();
        assert_eq!(
            p.warnings(),
            [
                "rule names matching no column: columnsToRedact `SSN`; columnsToInclude `zz`; columnsToPseudonymizeIfPresent `PHONE`"
            ]
        );
        assert!(plan("columnsToRedact: [b]\n", "a,b").unwrap().warnings().is_empty());
    }

    #[test]
    fn names_match_as_java_equals_ignore_case() {
        // U+0130 is İ: Java's equalsIgnoreCase matches ISIM and İSİM, and `il` with İL.
        assert_eq!(header_of("columnsToRedact: [ISIM]\n", "id,\u{130}S\u{130}M"), "id");
        assert_eq!(header_of("columnsToRedact: [il]\n", "id,\u{130}L"), "id");
        // i + U+0307 is not İ.
        assert_eq!(
            header_of("columnsToRedact: [\"i\\u0307L\"]\n", "id,\u{130}L"),
            "id,\u{130}L"
        );
        // Names are trimmed only of characters up to U+0020, as String.trim: NBSP stays.
        assert_eq!(header_of("columnsToRedact: [\"SSN\\u00a0\"]\n", "id,SSN\u{a0}"), "id");
        assert_eq!(header_of("columnsToRedact: [SSN]\n", "id,SSN\u{a0}"), "id,SSN\u{a0}");
    }

    #[test]
    fn ties_are_broken_by_the_first_registration_spelling() {
        // The duplicate registers `department` first; the rename target sorts before it.
        let yaml =
            "columnsToRename: {DEPARTMENT: DEPARTMENT_PSEUDONYM}\ncolumnsToDuplicate: {department: department}\n";
        assert_eq!(header_of(yaml, "DEPARTMENT"), "DEPARTMENT_PSEUDONYM,DEPARTMENT");
    }

    #[test]
    fn transform_sources_are_looked_up_lower_cased() {
        // psoxy looks the source up as `trim().toLowerCase()`: İL becomes i + U+0307 + l,
        // which no longer matches the header İL, so the column comes out empty.
        let yaml = "fieldsToTransform: {\"\\u0130L\": {newName: out, transforms: [{formatString: '%s'}]}}\n";
        let p = plan(yaml, "\u{130}L").unwrap();
        assert_eq!(p.header().join(","), "\u{130}L,out");
        assert_eq!(p.columns[1].source, None);
    }

    #[test]
    fn binding_a_wide_header_is_linear() {
        let header: Vec<String> = (0..20_000).map(|i| format!("COLUMN_{i}")).collect();
        let rules = "columnsToPseudonymize: [COLUMN_1, column_19999]\ncolumnsToRedact: [COLUMN_5]\n";
        let Rules::Columnar(rules) = Rules::from_yaml(rules, "r.yaml").unwrap() else {
            panic!()
        };
        let p = Plan::new(&rules, &header, "wide.csv", 1).unwrap();
        assert_eq!(p.columns.len(), 19_999);
        assert!(matches!(p.columns[1].action, Action::Pseudonymize));
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
