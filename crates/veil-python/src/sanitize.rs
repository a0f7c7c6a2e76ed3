//! `veil.sanitize`: one source into its sanitized copy and lookup tables in one pass, as
//! `veil sanitize` does: the same job (destination checks, the PII guard on the shared copy,
//! nothing published unless everything succeeded), run with the GIL released.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use veil::{Destination, Job, JobContext};
use veil_core::{ColumnPolicy, ColumnarRules, MemoryOutput, PiiGuard, PiiKind, Rules, RunOptions, Secrets, Summary};

use crate::errors::{UsageError, to_py};
use crate::pseudonymizer::{Pseudonymizer, salt_bytes};
use crate::sources;

/// What a sanitize run did, and the outputs that went to no path or file object.
#[pyclass(module = "veil", frozen, get_all)]
pub struct Sanitized {
    /// Data rows written.
    rows: u64,
    /// Bytes of the source read (as stored: compressed, for gzip).
    input_bytes: u64,
    /// The sanitized copy, when `output` was `None`.
    sanitized: Option<Py<PyBytes>>,
    /// Each lookup table, when its destination was `None`.
    lookups: Vec<Option<Py<PyBytes>>>,
    /// Columns missing from the file, rule names matching none (names only).
    warnings: Vec<String>,
    /// What the PII guard found in the sanitized copy's clear columns: dicts with `column`,
    /// `kind`, `cells` and `lines`.
    findings: Py<PyList>,
}

#[pymethods]
impl Sanitized {
    fn __repr__(&self) -> String {
        format!(
            "veil.Sanitized(rows={}, warnings={}, findings={})",
            self.rows,
            self.warnings.len(),
            Python::attach(|py| self.findings.bind(py).len())
        )
    }
}

/// Where rules apply: a path's own rules (MultiType templates match it); anything else only
/// columnar rules.
pub(crate) fn rules_for<'r>(rules: &'r Rules, at: Option<&veil::Location>) -> PyResult<&'r ColumnarRules> {
    match at {
        Some(location) => veil::rules_for(rules, location, None).map_err(to_py),
        None if rules.templates().is_empty() => veil::rules_for(rules, &veil::Location::Stdio, None).map_err(to_py),
        None => Err(UsageError::new_err(
            "fileRules (MultiType rules) match on the input's path: give the source as a path, or columnar rules",
        )),
    }
}

/// Sanitizes `source` into its sanitized copy and lookup tables in one pass, as `veil
/// sanitize` does: nothing is written unless everything succeeds.
///
/// `source`: a path, bytes, or a binary file object. `rules`: a path, or YAML text (a str
/// holding a newline or `: `, or bytes). `salt`: str, bytes or a `veil.Pseudonymizer`.
/// `output` and each of `lookups`: a path (`*.gz` is gzip), a binary file object, or None to
/// get the bytes back. Lookups use `lookup_rules` (one per lookup) or the built-in
/// `<lookup_key>,<lookup_key>_ORIG` rules. `pii_guard`: off, warn or fail; `pii_allow`:
/// `COLUMN:KIND` findings to accept. Returns a `veil.Sanitized`.
#[pyfunction]
#[pyo3(signature = (
    source,
    rules,
    *,
    salt,
    output = None,
    lookups = Vec::new(),
    lookup_rules = None,
    lookup_key = "EMPLOYEE_ID",
    pii_guard = "warn",
    pii_allow = Vec::new(),
    strict_columns = false,
    allow_absent_columns = false,
    threads = None,
))]
#[allow(clippy::too_many_arguments)]
pub fn sanitize(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    rules: &Bound<'_, PyAny>,
    salt: &Bound<'_, PyAny>,
    output: Option<&Bound<'_, PyAny>>,
    lookups: Vec<Bound<'_, PyAny>>,
    lookup_rules: Option<Vec<Bound<'_, PyAny>>>,
    lookup_key: &str,
    pii_guard: &str,
    pii_allow: Vec<String>,
    strict_columns: bool,
    allow_absent_columns: bool,
    threads: Option<usize>,
) -> PyResult<Sanitized> {
    let pseudonymizer = match salt.cast::<Pseudonymizer>() {
        Ok(p) => p.get().inner.clone(),
        Err(_) => {
            let secrets = Secrets {
                salt: salt_bytes(salt)?,
                ..Secrets::default()
            };
            std::sync::Arc::new(
                veil_core::Pseudonymizer::new(&secrets, veil_core::PseudonymOptions::default()).map_err(to_py)?,
            )
        }
    };
    let main = sources::rules(rules)?;
    let extra: Vec<Rules> = match &lookup_rules {
        None => Vec::new(),
        Some(list) if list.len() == lookups.len() => list.iter().map(sources::rules).collect::<PyResult<_>>()?,
        Some(list) => {
            return Err(UsageError::new_err(format!(
                "{} lookup_rules for {} lookups: give one per lookup, or none",
                list.len(),
                lookups.len()
            )));
        }
    };
    let builtin = ColumnarRules::lookup(lookup_key);
    let none = py.None().into_bound(py);
    let mut places = vec![
        sources::Place::of(source, "source", false)?,
        sources::Place::of(output.unwrap_or(&none), "output", true)?,
    ];
    for (i, lookup) in lookups.iter().enumerate() {
        if !lookup.is_none() {
            places.push(sources::Place::of(lookup, &format!("lookups[{i}]"), true)?);
        }
    }
    if output.is_none_or(|o| o.is_none()) {
        places.remove(1);
    }
    sources::check_places(&places)?;
    let (job, at, _stream) = sources::job(source)?;
    let mut job = job;
    let (target, sanitized) = sources::target(output.unwrap_or(&none))?;
    // Names psoxy's YAML reader reads as something else, warned about as the CLI does.
    let mut readings = Vec::new();
    let main_rules = rules_for(&main, at.as_ref())?;
    readings.extend(main_rules.psoxy_readings());
    job = job.destination(Destination::new(target, main_rules).shared());
    let mut returned = Vec::new();
    for (i, lookup) in lookups.iter().enumerate() {
        let (target, memory) = sources::target(lookup)?;
        let rules = match extra.get(i) {
            Some(r) => {
                let rules = rules_for(r, at.as_ref())?;
                readings.extend(rules.psoxy_readings());
                rules
            }
            None => &builtin,
        };
        job = job.output(target, rules);
        returned.push(memory);
    }
    let options = RunOptions {
        threads: crate::pseudonymizer::check_threads(threads)?,
        pii_guard: parse_guard(pii_guard)?,
        pii_allow: pii_allow
            .iter()
            .map(|a| veil::config::parse_pii_allow(a).map_err(to_py))
            .collect::<PyResult<Vec<(String, PiiKind)>>>()?,
        columns: ColumnPolicy {
            strict: strict_columns,
            allow_absent: allow_absent_columns,
        },
        ..RunOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let context = JobContext {
        options: RunOptions {
            cancel: Some(&cancel),
            ..options
        },
        ..JobContext::new(&pseudonymizer)
    };
    let summary = run_interruptibly(py, &job, &context, &cancel)?;
    let bytes_of = |memory: Option<MemoryOutput>| memory.map(|m| PyBytes::new(py, &m.bytes()).unbind());
    let findings = PyList::empty(py);
    for f in summary.outputs.first().map(|o| &o.findings[..]).unwrap_or_default() {
        let d = PyDict::new(py);
        d.set_item("column", &f.column)?;
        d.set_item("kind", f.kind.name())?;
        d.set_item("cells", f.cells)?;
        d.set_item("lines", &f.lines)?;
        findings.append(d)?;
    }
    Ok(Sanitized {
        rows: summary.rows,
        input_bytes: summary.input_bytes,
        sanitized: bytes_of(sanitized),
        lookups: returned.into_iter().map(bytes_of).collect(),
        warnings: readings
            .into_iter()
            .chain(summary.outputs.iter().flat_map(|o| o.warnings.clone()))
            .collect(),
        findings: findings.unbind(),
    })
}

/// Runs `job` on a thread of its own while the calling thread lets Python handle signals:
/// Ctrl-C stops the run at its next batch, publishing nothing, and raises
/// `KeyboardInterrupt` (the pass itself never holds the GIL).
fn run_interruptibly(
    py: Python<'_>,
    job: &Job<'_>,
    context: &JobContext<'_>,
    cancel: &AtomicBool,
) -> PyResult<Summary> {
    let mut signal: Option<PyErr> = None;
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let caller = std::thread::current();
            let run = scope.spawn(move || {
                let result = job.run(context);
                caller.unpark();
                result
            });
            while !run.is_finished() {
                std::thread::park_timeout(Duration::from_millis(50));
                if signal.is_none()
                    && let Err(e) = Python::attach(|py| py.check_signals())
                {
                    cancel.store(true, Ordering::Relaxed);
                    signal = Some(e);
                }
            }
            run.join()
        })
    });
    if let Some(signal) = signal {
        return Err(signal);
    }
    match result {
        Ok(result) => result.map_err(to_py),
        Err(_) => Err(crate::errors::InternalError::new_err(
            "the run's thread panicked (a bug in veil; please report it)",
        )),
    }
}

/// `off`, `warn` or `fail`, in any case.
fn parse_guard(name: &str) -> PyResult<PiiGuard> {
    match name.to_ascii_lowercase().as_str() {
        "off" => Ok(PiiGuard::Off),
        "warn" => Ok(PiiGuard::Warn),
        "fail" => Ok(PiiGuard::Fail),
        _ => Err(UsageError::new_err(
            "pii_guard: invalid value; valid values: off, warn, fail",
        )),
    }
}
