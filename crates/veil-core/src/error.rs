//! The core's one error type, and the kinds that decide what a caller does about one.
//!
//! Every variant names *where* (file, line, column, rule) and never *what*: no cell
//! value, salt or key ever reaches an error message, `Debug` output or a log line.
//! [`Error::kind`] says what kind of failure it is: that decides a process's exit code and
//! whether trying again may help.

use std::fmt;
use std::io;

use crate::pii::Finding;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an error is: what the caller must do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is bad (a row, its bytes), or reading or writing failed: fix the file, or try
    /// again when the failure was transient. Exit code 1.
    Data,
    /// Usage, configuration or rules: fix the command, the settings or the rules. Exit code 2.
    Usage,
    /// The PII guard found personal data that would leave in clear: nothing was written.
    /// Exit code 3.
    Pii,
    /// Stopped on request: nothing partial was written; run again. Exit code 130.
    Interrupted,
    /// A bug (a worker thread panicked): report it. Exit code 70.
    Internal,
    /// The Lambda stopped an object before its invocation's deadline.
    Deadline,
    /// The Lambda could not understand its event.
    Event,
}

impl ErrorKind {
    /// The process exit code of this kind.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Data | ErrorKind::Deadline => 1,
            ErrorKind::Usage | ErrorKind::Event => 2,
            ErrorKind::Pii => 3,
            ErrorKind::Internal => 70,
            ErrorKind::Interrupted => 130,
        }
    }
}

/// Everything that can go wrong while loading rules or sanitizing a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The rules file (or a rules value) is invalid: every problem found, at once.
    #[error("{source_name}: {} problem(s) in rules:\n{}", problems.len(), Problem::list(problems))]
    Rules {
        /// File name (or config name such as `RULES`) the rules came from.
        source_name: String,
        /// All problems found.
        problems: Vec<Problem>,
    },
    /// The rules do not fit the file's header: every problem found, at once.
    #[error("{file}: rules do not fit the header (line {line}):\n{}", Problem::list(problems))]
    Header {
        /// Input file name.
        file: String,
        /// Physical line of the header.
        line: u64,
        /// All problems found.
        problems: Vec<Problem>,
    },
    /// A data row cannot be read or sanitized.
    #[error("{file} line {line}: {kind}")]
    Data {
        /// Input file name.
        file: String,
        /// 1-based physical line where the record starts.
        line: u64,
        /// What is wrong.
        kind: DataError,
    },
    /// Reading or writing failed. The message includes the I/O error's, so it is not also
    /// given as the `source` (which would print it twice in a chain).
    #[error("{context}: {cause}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        cause: io::Error,
    },
    /// A setting or secret is missing or invalid (never its value: only its name and why).
    #[error("{name}: {why}")]
    Setting {
        /// The setting, as the user knows it (`EMAIL_DOMAIN_HANDLING`, `--pii-allow`, ...).
        name: String,
        /// What is wrong, and what would be right.
        why: String,
    },
    /// Stopped on request (Ctrl-C): nothing of the interrupted output was published.
    #[error("interrupted")]
    Interrupted,
    /// The PII guard (`fail`) found personal data in columns that would leave in clear:
    /// nothing was published. Names columns, kinds, counts and lines, never values.
    #[error(
        "{file}: personal data in columns that leave in clear; nothing was written (accept a finding with --pii-allow COLUMN:KIND):\n{}",
        Error::list_findings(findings)
    )]
    Pii {
        /// Input file name.
        file: String,
        /// (output, finding) pairs.
        findings: Vec<(String, Finding)>,
    },
    /// A bug: a thread panicked. Nothing was published.
    #[error("internal error: {0} (a bug in veil; please report it)")]
    Internal(String),
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Rules { .. } | Error::Header { .. } | Error::Setting { .. } => ErrorKind::Usage,
            Error::Data { .. } | Error::Io { .. } => ErrorKind::Data,
            Error::Interrupted => ErrorKind::Interrupted,
            Error::Pii { .. } => ErrorKind::Pii,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The process exit code for this error ([`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }

    /// A setting that is missing or invalid.
    pub fn setting(name: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Setting {
            name: name.into(),
            why: why.into(),
        }
    }

    fn list_findings(findings: &[(String, Finding)]) -> String {
        let lines: Vec<String> = findings.iter().map(|(output, f)| format!("  {output}: {f}")).collect();
        lines.join("\n")
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, cause: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            cause,
        }
    }

    /// True for a failure that may pass if tried again later (throttling, a server error,
    /// a timeout, a dropped connection), as opposed to a bad file, bad rules or denied access.
    pub fn is_transient(&self) -> bool {
        use io::ErrorKind::*;
        matches!(
            self.io_kind(),
            Some(
                ResourceBusy
                    | TimedOut
                    | ConnectionReset
                    | ConnectionAborted
                    | ConnectionRefused
                    | NotConnected
                    | Interrupted
            )
        )
    }

    /// The kind of an I/O failure (to tell a closed pipe from a full disk).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            Error::Io { cause, .. } => Some(cause.kind()),
            _ => None,
        }
    }
}

/// What is wrong with one data record. Carries positions and counts only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataError {
    /// The record has fewer fields than the header.
    ShortRow {
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
        /// Name of the first missing column.
        column: String,
    },
    /// The record has more non-empty fields than the header (a shifted row).
    ExtraFields {
        /// Fields in the header.
        expected: usize,
        /// Fields in this record.
        found: usize,
    },
    /// The bytes of a field are not UTF-8.
    InvalidUtf8 {
        /// 0-based field index.
        field: usize,
        /// Column name, once the header is known.
        column: Option<String>,
    },
    /// The input starts with a UTF-16 or UTF-32 byte-order mark.
    UnsupportedEncoding(&'static str),
    /// Something other than a delimiter or line end follows a closing quote.
    TextAfterQuote,
    /// The input ends inside a quoted field that starts on this line.
    UnterminatedQuote,
    /// One record is larger than the reader allows.
    RecordTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A record has more fields than a header may have columns.
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// The header is larger than a header may be.
    HeaderTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A transform's regex ran out of its backtracking budget on a value.
    RegexTooComplex {
        /// The output column.
        column: String,
        /// The rules that make it.
        rule: String,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::ShortRow {
                expected,
                found,
                column,
            } => write!(
                f,
                "record has {} but the header has {expected} fields (column `{column}` is missing); \
                 veil never shifts a short row",
                fields(*found)
            ),
            DataError::ExtraFields { expected, found } => write!(
                f,
                "record has {} but the header has {expected} fields, and the extra fields are not empty \
                 (an unquoted delimiter inside a value?)",
                fields(*found)
            ),
            DataError::InvalidUtf8 { field, column } => {
                match column {
                    Some(name) => write!(f, "column `{name}`")?,
                    None => write!(f, "field {}", field + 1)?,
                }
                write!(
                    f,
                    " is not valid UTF-8 (convert the file, e.g. `iconv -f latin1 -t utf-8`)"
                )
            }
            DataError::UnsupportedEncoding(name) => {
                write!(f, "input is {name} (byte-order mark); veil reads UTF-8 only")
            }
            DataError::TextAfterQuote => {
                write!(
                    f,
                    "text after a closing quote (a quoted field must end at a delimiter or line end)"
                )
            }
            DataError::UnterminatedQuote => {
                write!(
                    f,
                    "quoted field starting here is never closed (input ends inside quotes)"
                )
            }
            DataError::RecordTooLarge { limit } => {
                write!(f, "record is larger than {limit} bytes (unbalanced quotes?)")
            }
            DataError::TooManyFields { limit } => write!(
                f,
                "record has more than {limit} fields (a header may have at most {limit} columns; --max-columns N \
                 raises the limit)"
            ),
            DataError::HeaderTooLarge { limit } => write!(
                f,
                "the header is larger than {limit} bytes (a header is column names; --max-columns N raises the limit)"
            ),
            DataError::RegexTooComplex { column, rule } => write!(
                f,
                "column `{column}` ({rule}): the regular expression backtracks too long on this value (Java would take as long); simplify it"
            ),
        }
    }
}

fn fields(n: usize) -> String {
    if n == 1 {
        "1 field".into()
    } else {
        format!("{n} fields")
    }
}

/// One problem in the rules, located in the rules file where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column in the rules file, when known.
    pub at: Option<(usize, usize)>,
    /// The rule key path, e.g. `columnsToRename.EMAIL`.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem with no position.
    pub fn new(rule: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            at: None,
            rule: rule.into(),
            message: message.into(),
        }
    }

    /// The problems, one a line, at most [`crate::escape::LISTED`] of them, then how many more.
    fn list(problems: &[Problem]) -> String {
        crate::escape::listed(problems.iter().map(|p| format!("  - {p}")), "\n")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, col)) = self.at {
            write!(f, "line {line}:{col}: ")?;
        }
        if self.rule.is_empty() {
            write!(f, "{}", self.message)
        } else {
            // A rule path holds names from the rules file: escaped, and cut short.
            let rule = crate::escape::escape(&self.rule);
            match rule.char_indices().nth(200) {
                Some((end, _)) => write!(f, "`{}…`: {}", &rule[..end], self.message),
                None => write!(f, "`{rule}`: {}", self.message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_split_rules_from_data() {
        let rules = Error::Rules {
            source_name: "r.yaml".into(),
            problems: vec![Problem::new("delimiter", "bad")],
        };
        assert_eq!(rules.exit_code(), 2);
        let data = Error::Data {
            file: "in.csv".into(),
            line: 3,
            kind: DataError::TextAfterQuote,
        };
        assert_eq!(data.exit_code(), 1);
        assert!(
            data.to_string()
                .starts_with("in.csv line 3: text after a closing quote")
        );
    }

    #[test]
    fn problems_are_listed_with_positions() {
        let mut p = Problem::new("columnsToRename.EMAIL", "renames a redacted column");
        p.at = Some((4, 3));
        let e = Error::Rules {
            source_name: "r.yaml".into(),
            problems: vec![p, Problem::new("", "plain")],
        };
        assert_eq!(
            e.to_string(),
            "r.yaml: 2 problem(s) in rules:\n  - line 4:3: `columnsToRename.EMAIL`: renames a redacted column\n  - plain"
        );
    }
}
