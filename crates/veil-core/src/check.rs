//! What `veil check` shows and Python's `veil.check` returns: a file's header, and for each
//! set of rules the plan it makes (every output column, its source and action) or its
//! problems. Only the header is read.

use std::io::Read;

use crate::error::{Error, Result};
use crate::pipeline::{common_delimiter, read_header};
use crate::plan::{ColumnPolicy, Plan};
use crate::reader::{Batch, Limits, Reader};
use crate::rules::ColumnarRules;

/// A header, and what each set of rules makes of it.
#[derive(Debug)]
pub struct Checked {
    /// The input's name.
    pub input: String,
    /// The header's names, trimmed; empty for an empty input.
    pub header: Vec<String>,
    /// The header's physical line (1 unless blank lines come first).
    pub line: u64,
    /// Per rule set, in order: its plan, or the problems that make `sanitize` refuse it.
    pub plans: Vec<Result<Plan>>,
}

/// Reads `input`'s header (with the delimiter the rule sets agree on) and binds each rule set
/// to it under `policy`.
///
/// # Errors
/// The rule sets set different delimiters, or the header cannot be read (bad bytes, too wide
/// for `limits`). A rule set that does not fit the header is not an error here: its entry in
/// [`Checked::plans`] is.
pub fn check(
    input: impl Read,
    name: &str,
    rules: &[&ColumnarRules],
    policy: ColumnPolicy,
    limits: Limits,
) -> Result<Checked> {
    let delimiter = common_delimiter(rules.iter().copied())?;
    let mut reader = Reader::new(input, name, &delimiter).with_limits(limits);
    let (header, line) = read_header(&mut reader, &mut Batch::default())?.unwrap_or((Vec::new(), 1));
    let plans = rules
        .iter()
        .map(|r| Plan::bind(r, &header, name, line, policy))
        .collect();
    Ok(Checked {
        input: name.to_owned(),
        header,
        line,
        plans,
    })
}

impl Checked {
    /// How many rule sets would be refused.
    pub fn refused(&self) -> usize {
        self.plans.iter().filter(|p| p.is_err()).count()
    }

    /// Whether a rule set's problems are the header's (rather than an error of another kind).
    pub fn is_header_problem(e: &Error) -> bool {
        matches!(e, Error::Header { .. })
    }
}
