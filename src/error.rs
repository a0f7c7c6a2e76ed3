//! The `veil` package's error: the core's, plus what storage, jobs, folder runs, the CLI and
//! the Lambda add. Like the core's, every variant names where and never what (no cell value,
//! salt or key), and its [`ErrorKind`] decides the exit code and whether trying again may
//! help (the retry class S3 Batch Operations sees).

use std::io;

pub use veil_core::ErrorKind;

/// Result alias of the `veil` package.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The core's: rules, header, data, I/O, settings, PII guard, interruption, a bug.
    #[error(transparent)]
    Core(#[from] veil_core::Error),
    /// Two destinations of one run name the same file, folder or object (however spelled):
    /// one output would replace the other.
    #[error(
        "`{first}` and `{second}` are the same destination: one output would replace the other (a lookup table over a sanitized copy publishes every original); give each its own path"
    )]
    SameDestination {
        /// The first, as spelled.
        first: String,
        /// The second, as spelled.
        second: String,
    },
    /// A destination is an input of the run (however spelled, stdin included).
    #[error("output `{output}` is the input `{input}`: writing it would destroy what is being read")]
    OutputIsInput {
        /// The output, as spelled.
        output: String,
        /// The input, as spelled.
        input: String,
    },
    /// An output folder or prefix lies inside the input folder or prefix.
    #[error("output `{output}` is inside the input `{input}`: its files would be read as inputs")]
    OutputInsideInput {
        /// The output root, as spelled.
        output: String,
        /// The input root, as spelled.
        input: String,
    },
    /// Two output folders or prefixes are one, or one is inside the other.
    #[error(
        "outputs `{first}` and `{second}` overlap: give each output its own folder or prefix, neither inside the other"
    )]
    OutputsOverlap {
        /// The first, as spelled.
        first: String,
        /// The second, as spelled.
        second: String,
    },
    /// A destination veil does not write: a socket, a block device, a symlink to nothing, a
    /// folder where a file name is needed.
    #[error("{location} {why}")]
    Unwritable {
        /// The destination, as spelled.
        location: String,
        /// What it is, and what veil writes instead.
        why: String,
    },
    /// Another veil run is writing to this output folder.
    #[error("another veil run ({}) is writing to {folder}", match pid { Some(p) => format!("pid {p}"), None => "pid unknown".into() })]
    Locked {
        /// The folder, as spelled.
        folder: String,
        /// The process that holds it, when known.
        pid: Option<u32>,
    },
    /// A configuration file (rules, salt) cannot be read, or is not one.
    #[error("{context}: {cause}")]
    ConfigFile {
        /// What was being read, with the path.
        context: String,
        /// Why it could not be.
        cause: io::Error,
    },
    /// A location that is not one (`s3:///key`, an empty path), or that this build cannot
    /// reach (S3 without the `aws` feature).
    #[error("`{location}`: {why}")]
    Location {
        /// As spelled.
        location: String,
        /// What is wrong with it.
        why: String,
    },
    /// A folder's record of its outputs cannot be read as one.
    #[error("{path}: not a veil manifest (remove it to start over)")]
    Manifest {
        /// The manifest's path.
        path: String,
    },
    /// A command line that does not go together (`--report` without a folder, ...).
    #[error("{0}")]
    Usage(String),
    /// The Lambda stopped an object before the invocation's deadline; nothing was written.
    #[error("{0}")]
    Deadline(String),
    /// The Lambda could not understand its event.
    #[error("event: {0}")]
    Event(String),
    /// A bug: a thread panicked or a task failed.
    #[error("internal error: {0} (a bug in veil; please report it)")]
    Internal(String),
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Core(e) => e.kind(),
            Error::SameDestination { .. }
            | Error::OutputIsInput { .. }
            | Error::OutputInsideInput { .. }
            | Error::OutputsOverlap { .. }
            | Error::Unwritable { .. }
            | Error::Locked { .. }
            | Error::ConfigFile { .. }
            | Error::Location { .. }
            | Error::Manifest { .. }
            | Error::Usage(_) => ErrorKind::Usage,
            Error::Deadline(_) => ErrorKind::Deadline,
            Error::Event(_) => ErrorKind::Event,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The process exit code for this error ([`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }

    /// True for a failure that may pass if tried again later (throttling, a server error, a
    /// timeout, a dropped connection): S3 Batch Operations then retries the task.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Core(e) if e.is_transient())
    }

    /// The kind of an I/O failure (to tell a closed pipe from a full disk).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            Error::Core(e) => e.io_kind(),
            Error::ConfigFile { cause, .. } => Some(cause.kind()),
            _ => None,
        }
    }

    /// The variant's name, for machine-readable error types (the Lambda's `errorType`).
    pub fn name(&self) -> &'static str {
        match self {
            Error::Core(e) => match e {
                veil_core::Error::Rules { .. } => "Rules",
                veil_core::Error::Header { .. } => "Header",
                veil_core::Error::Data { .. } => "Data",
                veil_core::Error::Io { .. } => "Io",
                veil_core::Error::Setting { .. } => "Setting",
                veil_core::Error::Interrupted => "Interrupted",
                veil_core::Error::Pii { .. } => "Pii",
                veil_core::Error::Internal(_) => "Internal",
                _ => "Core",
            },
            Error::SameDestination { .. } => "SameDestination",
            Error::OutputIsInput { .. } => "OutputIsInput",
            Error::OutputInsideInput { .. } => "OutputInsideInput",
            Error::OutputsOverlap { .. } => "OutputsOverlap",
            Error::Unwritable { .. } => "Unwritable",
            Error::Locked { .. } => "Locked",
            Error::ConfigFile { .. } => "ConfigFile",
            Error::Location { .. } => "Location",
            Error::Manifest { .. } => "Manifest",
            Error::Usage(_) => "Usage",
            Error::Deadline(_) => "Deadline",
            Error::Event(_) => "Event",
            Error::Internal(_) => "Internal",
        }
    }

    /// As the core's error, for where the core calls back into this package (opening an
    /// output): the core's own as they are, the others by their kind and message.
    pub fn into_core(self) -> veil_core::Error {
        match self {
            Error::Core(e) => e,
            Error::Internal(why) => veil_core::Error::Internal(why),
            other if other.kind() == ErrorKind::Usage => veil_core::Error::setting(other.name(), other.to_string()),
            other => veil_core::Error::io(other.to_string(), io::Error::other(other.name())),
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, cause: io::Error) -> Self {
        Error::Core(veil_core::Error::io(context, cause))
    }

    /// A setting that is missing or invalid.
    pub fn setting(name: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Core(veil_core::Error::setting(name, why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_decide_exit_codes() {
        let cases: [(Error, i32); 7] = [
            (Error::Usage("x".into()), 2),
            (Error::io("reading x", io::Error::other("boom")), 1),
            (Error::Core(veil_core::Error::Interrupted), 130),
            (Error::Internal("a job thread panicked".into()), 70),
            (Error::Deadline("stopped".into()), 1),
            (Error::Event("not an event".into()), 2),
            (
                Error::Locked {
                    folder: "out/".into(),
                    pid: Some(7),
                },
                2,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code(), code, "{error}");
        }
        assert_eq!(Error::Internal("x".into()).name(), "Internal");
    }
}
