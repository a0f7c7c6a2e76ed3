//! `veil.check`: what `veil check` shows, as Python objects: the source's header, and for
//! each output (the sanitized copy, then each lookup table) its columns with their source
//! and action, the columns dropped, warnings, and the problems that make `sanitize` refuse.
//! Only the header is read.

use pyo3::prelude::*;
use veil::Destination;
use veil_core::{ColumnPolicy, ColumnarRules, Limits, Rules};

use crate::errors::to_py;
use crate::sources;

/// One output column.
#[pyclass(module = "veil", frozen, get_all)]
pub struct Column {
    /// Its name in the output's header.
    name: String,
    /// The source column it reads; `None` when the file lacks it (written empty).
    source: Option<String>,
    /// What makes it, with the rules behind it, as in `veil check`'s table.
    action: String,
}

#[pymethods]
impl Column {
    fn __repr__(&self) -> String {
        let source = self
            .source
            .as_ref()
            .map_or_else(|| "None".to_owned(), |s| format!("{s:?}"));
        format!("veil.Column({:?} <- {source}: {})", self.name, self.action)
    }
}

/// What one set of rules makes of the header.
#[pyclass(module = "veil", frozen, get_all)]
pub struct Output {
    /// `"sanitized"`, or `"lookup"` for a lookup table.
    role: &'static str,
    /// The output's columns, in order (empty when there are problems).
    columns: Vec<Py<Column>>,
    /// Source columns left out, with why.
    dropped: Vec<(String, String)>,
    /// Columns missing from the file, rule names matching none, names psoxy reads
    /// differently.
    warnings: Vec<String>,
    /// Why `sanitize` would refuse these rules for this file; `None` when it would run.
    problems: Option<String>,
}

#[pymethods]
impl Output {
    fn __repr__(&self) -> String {
        format!(
            "veil.Output({}, {} columns, {} warnings, problems={})",
            self.role,
            self.columns.len(),
            self.warnings.len(),
            self.problems.is_some()
        )
    }
}

/// A source's header and what each set of rules makes of it.
#[pyclass(module = "veil", frozen, get_all)]
pub struct Checked {
    /// The source, as named in messages.
    input: String,
    /// The header's names (trimmed); empty for an empty source.
    header: Vec<String>,
    /// The header's physical line.
    line: u64,
    /// The sanitized copy, then each lookup table.
    outputs: Vec<Py<Output>>,
}

#[pymethods]
impl Checked {
    /// True when `sanitize` would run (warnings or not).
    #[getter]
    fn ok(&self) -> bool {
        self.outputs.iter().all(|o| o.get().problems.is_none())
    }

    fn __repr__(&self) -> String {
        format!("veil.Checked({:?}, {} columns)", self.input, self.header.len())
    }
}

/// What `veil check` shows, as objects: the source's header, and for the sanitized copy and
/// each lookup table (`lookup_rules`, or the built-in rules for `lookup_key`) its columns
/// with their source and action, the columns dropped, warnings, and the problems that would
/// make `sanitize` refuse. Only the header is read.
#[pyfunction]
#[pyo3(signature = (source, rules, *, lookup_rules = Vec::new(), lookup_key = None, strict_columns = false, allow_absent_columns = false))]
pub fn check(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    rules: &Bound<'_, PyAny>,
    lookup_rules: Vec<Bound<'_, PyAny>>,
    lookup_key: Option<&str>,
    strict_columns: bool,
    allow_absent_columns: bool,
) -> PyResult<Checked> {
    let main = sources::rules(rules)?;
    let extra: Vec<Rules> = lookup_rules.iter().map(sources::rules).collect::<PyResult<_>>()?;
    let builtin = lookup_key.map(ColumnarRules::lookup);
    let (mut job, at, _stream) = sources::job(source)?;
    let mut chosen: Vec<&ColumnarRules> = vec![crate::sanitize::rules_for(&main, at.as_ref())?];
    for r in &extra {
        chosen.push(crate::sanitize::rules_for(r, at.as_ref())?);
    }
    chosen.extend(builtin.as_ref());
    let policy = ColumnPolicy {
        strict: strict_columns,
        allow_absent: allow_absent_columns,
    };
    for (i, &rules) in chosen.iter().enumerate() {
        let destination = Destination::new(veil::Target::Discard, rules);
        job = job.destination(if i == 0 { destination.shared() } else { destination });
    }
    let checked = py
        .detach(|| job.check(None, policy, Limits::default()))
        .map_err(to_py)?;
    let mut outputs = Vec::new();
    for (i, (plan, rules)) in checked.plans.iter().zip(&chosen).enumerate() {
        let mut warnings = Vec::new();
        let (columns, dropped, problems) = match plan {
            Ok(plan) => {
                warnings.extend(plan.warnings());
                let columns = (0..plan.columns.len())
                    .map(|c| {
                        let column = &plan.columns[c];
                        Py::new(
                            py,
                            Column {
                                name: column.name.clone(),
                                source: column.source.map(|s| plan.input[s].clone()),
                                action: plan.action(c),
                            },
                        )
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                let dropped = plan
                    .dropped
                    .iter()
                    .map(|(n, why)| (n.clone(), (*why).to_owned()))
                    .collect();
                (columns, dropped, None)
            }
            Err(e) => (Vec::new(), Vec::new(), Some(e.to_string())),
        };
        warnings.extend(rules.psoxy_readings());
        outputs.push(Py::new(
            py,
            Output {
                role: if i == 0 { "sanitized" } else { "lookup" },
                columns,
                dropped,
                warnings,
                problems,
            },
        )?);
    }
    Ok(Checked {
        input: checked.input,
        header: checked.header,
        line: checked.line,
        outputs,
    })
}
