//! A job: one input, its outputs with their rules and where they go, and the one function
//! that runs it. The CLI (one file, or every file of a folder or prefix) and every Lambda
//! event kind build jobs and run them here, so opening inputs and outputs, gzip, S3 headers
//! and the all-or-nothing commit work the same everywhere.

use std::collections::HashMap;
use std::io::Read;

use crate::error::Result;
use crate::io::{DiscardOutput, MemoryOutput, Output};
use crate::location::{self, Cloud};
use crate::pipeline::{self, Options, Sink, Summary};
use crate::pseudonym::Pseudonymizer;
use crate::rules::ColumnarRules;

/// Where an output goes.
#[derive(Clone)]
pub enum Target {
    /// A path, `-` for stdout, or `s3://bucket/key`.
    Location(String),
    /// Memory (tests, examples).
    Memory(MemoryOutput),
    /// Nowhere: the run is read for its summary (`veil check --scan`).
    Discard,
}

impl From<&str> for Target {
    fn from(location: &str) -> Self {
        Target::Location(location.to_owned())
    }
}

impl From<String> for Target {
    fn from(location: String) -> Self {
        Target::Location(location)
    }
}

impl From<MemoryOutput> for Target {
    fn from(out: MemoryOutput) -> Self {
        Target::Memory(out)
    }
}

/// One output of a job: its rules, where it goes, and how an S3 object is stored.
#[derive(Clone)]
pub struct Destination<'r> {
    /// The rules that make it.
    pub rules: &'r ColumnarRules,
    /// Where it goes.
    pub target: Target,
    /// gzip it; `None`: when the name ends in `.gz`.
    pub gzip: Option<bool>,
    /// An S3 object's `Content-Type`; `None`: from the key's extension.
    pub content_type: Option<String>,
    /// An S3 object's user metadata, beside veil's own.
    pub metadata: HashMap<String, String>,
    /// The PII guard looks at its clear columns: set for the copy that leaves (the
    /// sanitized output), not for private lookup tables.
    pub scan: bool,
}

impl<'r> Destination<'r> {
    /// An output at `target` made with `rules`, stored the default way.
    pub fn new(target: impl Into<Target>, rules: &'r ColumnarRules) -> Self {
        Destination {
            rules,
            target: target.into(),
            gzip: None,
            content_type: None,
            metadata: HashMap::new(),
            scan: false,
        }
    }

    /// Where it goes, for messages.
    pub fn name(&self) -> &str {
        match &self.target {
            Target::Location(l) => l,
            Target::Memory(_) => "<memory>",
            Target::Discard => "<scan>",
        }
    }

    fn open(&self, input: &str, cloud: Option<&Cloud>) -> Result<Box<dyn Output>> {
        match &self.target {
            Target::Memory(out) => Ok(Box::new(out.clone())),
            Target::Discard => Ok(Box::new(DiscardOutput)),
            Target::Location(location) => {
                let mut metadata = HashMap::from([
                    ("veil-version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
                    (
                        "psoxy-original-object-key".to_owned(),
                        input.trim_start_matches("s3://").to_owned(),
                    ),
                ]);
                metadata.extend(self.metadata.clone());
                let stored = location::Stored {
                    gzip: self.gzip.unwrap_or_else(|| location.ends_with(".gz")),
                    content_type: self.content_type.clone(),
                    metadata,
                };
                location::create(location, &stored, cloud)
            }
        }
    }
}

/// What a job reads.
enum Source {
    /// A path, `-` for stdin, or `s3://bucket/key`.
    Location(String),
    /// Bytes in memory, with a name for messages.
    Bytes { name: String, bytes: Vec<u8> },
}

/// One input and its outputs, sanitized in one pass ([`Job::run`]).
pub struct Job<'r> {
    source: Source,
    destinations: Vec<Destination<'r>>,
}

/// What a job runs with: the pseudonymizer, the AWS clients when S3 is involved, and the
/// pipeline's options.
#[derive(Clone)]
pub struct JobContext<'a> {
    /// Computes the pseudonyms.
    pub pseudonymizer: &'a Pseudonymizer,
    /// The AWS clients, needed for `s3://` locations.
    pub cloud: Option<&'a Cloud>,
    /// Threads, gzip level, strictness, shuffling.
    pub options: Options<'a>,
    /// Called as batches are written.
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
}

/// How far a job is.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Rows written.
    pub rows: u64,
    /// Bytes of the stored input read (compressed, for a gzip input).
    pub read: u64,
    /// Size of the stored input, when known.
    pub size: Option<u64>,
}

impl<'a> JobContext<'a> {
    /// A context with default options and no AWS clients.
    pub fn new(pseudonymizer: &'a Pseudonymizer) -> Self {
        JobContext {
            pseudonymizer,
            cloud: None,
            options: Options::default(),
            progress: None,
        }
    }
}

impl<'r> Job<'r> {
    /// A job reading `input`: a path, `-` for stdin, or `s3://bucket/key`.
    pub fn new(input: impl Into<String>) -> Self {
        Job {
            source: Source::Location(input.into()),
            destinations: Vec::new(),
        }
    }

    /// A job reading bytes in memory; `name` names them in messages.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Self {
        Job {
            source: Source::Bytes {
                name: name.into(),
                bytes,
            },
            destinations: Vec::new(),
        }
    }

    /// Adds an output at `target` made with `rules`.
    pub fn output(self, target: impl Into<Target>, rules: &'r ColumnarRules) -> Self {
        self.destination(Destination::new(target, rules))
    }

    /// Adds an output described in full.
    pub fn destination(mut self, destination: Destination<'r>) -> Self {
        self.destinations.push(destination);
        self
    }

    /// The input, for messages.
    pub fn input(&self) -> &str {
        match &self.source {
            Source::Location(l) => l,
            Source::Bytes { name, .. } => name,
        }
    }

    /// The outputs.
    pub fn destinations(&self) -> &[Destination<'r>] {
        &self.destinations
    }

    /// Sanitizes the input into every output in one pass; nothing is published unless all
    /// succeed (see [`pipeline::run`]).
    ///
    /// # Errors
    /// The input cannot be opened, the rules do not fit its header, a row is bad, or an
    /// output cannot be written.
    pub fn run(&self, context: &JobContext<'_>) -> Result<Summary> {
        let input = self.input();
        let sinks = self
            .destinations
            .iter()
            .map(|d| Sink {
                rules: d.rules,
                location: d.name().to_owned(),
                open: Box::new(move || d.open(input, context.cloud)),
                scan: d.scan,
            })
            .collect();
        let (reader, name, size, counter): (Box<dyn Read + Send + '_>, String, _, _) = match &self.source {
            Source::Location(location) => {
                let opened = location::open(location, context.cloud)?;
                (opened.reader, opened.name, opened.size, Some(opened.progress))
            }
            Source::Bytes { name, bytes } => (Box::new(&bytes[..]), name.clone(), Some(bytes.len() as u64), None),
        };
        let tick = |rows: u64| {
            if let Some(progress) = context.progress {
                let read = counter.as_ref().map_or(0, |c| c.get());
                progress(Progress { rows, read, size });
            }
        };
        let mut options = context.options.clone();
        options.progress = Some(&tick);
        pipeline::run(reader, &name, context.pseudonymizer, sinks, &options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pseudonym::{Options as PseudonymOptions, Secrets};
    use crate::rules::Rules;

    #[test]
    fn a_job_runs_into_memory_and_to_files() {
        let secrets = Secrets {
            salt: b"salt".to_vec(),
            ..Secrets::default()
        };
        let pz = Pseudonymizer::new(&secrets, PseudonymOptions::default()).unwrap();
        let rules = Rules::from_yaml("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [id]\n", "r").unwrap();
        let rules = rules.for_key("x.csv").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.csv.gz");
        let memory = MemoryOutput::default();
        let job = Job::from_bytes("x.csv", b"id,n\n1,a\n".to_vec())
            .output(memory.clone(), rules)
            .output(file.to_str().unwrap(), rules);
        let summary = job.run(&JobContext::new(&pz)).unwrap();
        assert_eq!(summary.rows, 1);
        assert_eq!(
            memory.bytes(),
            b"id,n\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,a\n"
        );
        let gz = std::fs::read(&file).unwrap();
        assert!(gz.starts_with(&[0x1f, 0x8b]), "a .gz name is gzip");
    }
}
