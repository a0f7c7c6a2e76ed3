//! A job: one input, its outputs with their rules and where they go, and the one function
//! that runs it. The CLI (one file, or every file of a folder or prefix), `veil check` and
//! every Lambda event kind only describe jobs; the run policy is decided here, once: which
//! rules a path takes ([`rules_for`]), where each output really goes and whether two are one
//! or one is the input ([`Job::locations`]), which output is shared (and so scanned by the
//! PII guard) and which private ([`Role`]), opening inputs and outputs, gzip, S3 headers and
//! the all-or-nothing commit.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::identity::{self, Named};
use crate::location::{self, Cloud, Location};
use veil_core::{DiscardOutput, MemoryOutput, Output, Pseudonymizer, RunOptions, Sink, Summary};

use veil_core::{Checked, ColumnPolicy, ColumnarRules, Limits, Rules};

/// Where an output goes.
#[derive(Clone)]
pub enum Target {
    /// A path, stdout, or an S3 object. A folder or prefix (an existing folder, or a name
    /// ending in `/`) means "in it, under the input's file name", as `cp` does.
    Location(Location),
    /// Memory (tests, examples).
    Memory(MemoryOutput),
    /// Nowhere: the run is read for its summary (`veil check --scan`).
    Discard,
    /// An output the caller opens when the run starts writing (Python's file objects): it
    /// must keep its own promise of appearing whole or not at all.
    Opened(Opener),
}

/// Opens a [`Target::Opened`] output, once per run.
pub type Opener = Arc<dyn Fn() -> veil_core::Result<Box<dyn Output>> + Send + Sync>;

impl From<Location> for Target {
    fn from(location: Location) -> Self {
        Target::Location(location)
    }
}

impl From<MemoryOutput> for Target {
    fn from(out: MemoryOutput) -> Self {
        Target::Memory(out)
    }
}

/// Who may read an output, which decides whether the PII guard looks at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The copy that leaves (the sanitized copy the vendor reads): its clear columns are
    /// scanned for personal data.
    Shared,
    /// A copy that stays with you (a lookup table, which holds originals by design).
    #[default]
    Private,
}

/// The columnar rules for an input. Columnar rules apply to every file; MultiType rules
/// (`fileRules`) match the input's path under its folder or prefix (`relative`, in folder
/// runs), then, as psoxy matched them, its whole S3 key, or the trailing segments of its local
/// path, so that templates written for psoxy's bucket layout still match.
///
/// # Errors
/// MultiType rules for stdin (it has no path), or no template matches.
pub fn rules_for<'r>(rules: &'r Rules, input: &Location, relative: Option<&str>) -> Result<&'r ColumnarRules> {
    let found = match (input, relative.and_then(|r| rules.for_key(r))) {
        (_, Some(found)) => Some(found),
        (Location::S3(at), None) => rules.for_key(&at.key),
        (Location::Local(path), None) => rules.for_local_path(&path.to_string_lossy()),
        (Location::Stdio, None) if matches!(rules, Rules::Columnar(_)) => rules.for_key(""),
        (Location::Stdio, None) => {
            return Err(Error::Usage(
                "fileRules match on the input's path, and stdin has none: give a file, or columnar rules".into(),
            ));
        }
    };
    found.ok_or_else(|| {
        Error::Usage(format!(
            "no fileRules template matches `{}` (templates: {})",
            veil_core::escape(relative.map_or_else(|| input.to_string(), str::to_owned).as_str()),
            rules.templates().join(", ")
        ))
    })
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
    /// Who may read it: the PII guard looks at the clear columns of the shared copy.
    pub role: Role,
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
            role: Role::Private,
        }
    }

    /// The same, as the copy that leaves ([`Role::Shared`]).
    pub fn shared(self) -> Self {
        Destination {
            role: Role::Shared,
            ..self
        }
    }

    /// Opens it at `at` (its location once a folder is resolved to a file in it).
    fn open(&self, at: Option<&Location>, input: &str, cloud: Option<&Cloud>) -> Result<Box<dyn Output>> {
        match (&self.target, at) {
            (Target::Memory(out), _) => Ok(Box::new(out.clone())),
            (Target::Opened(open), _) => open().map_err(Error::from),
            (Target::Location(_), Some(location)) => {
                let mut metadata = HashMap::from([
                    ("veil-version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
                    (
                        "psoxy-original-object-key".to_owned(),
                        input.trim_start_matches("s3://").to_owned(),
                    ),
                ]);
                metadata.extend(self.metadata.clone());
                let stored = location::Stored {
                    gzip: self.gzip.unwrap_or_else(|| location.is_gz()),
                    content_type: self.content_type.clone(),
                    metadata,
                };
                location::create(location, &stored, cloud)
            }
            _ => Ok(Box::new(DiscardOutput)),
        }
    }
}

/// What a job reads.
enum Source {
    /// A path, stdin, or an S3 object.
    Location(Location),
    /// Bytes in memory, with a name for messages.
    Bytes { name: String, bytes: Vec<u8> },
    /// A stream (Python's file objects), with a name for messages: read by the first run.
    Reader {
        name: String,
        reader: Mutex<Option<Box<dyn Read + Send>>>,
    },
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
    pub options: RunOptions<'a>,
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
            options: RunOptions::default(),
            progress: None,
        }
    }
}

impl<'r> Job<'r> {
    /// A job reading `input`: a path, stdin, or an S3 object.
    pub fn new(input: Location) -> Self {
        Job {
            source: Source::Location(input),
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

    /// A job reading a stream, once; `name` names it in messages. Gzip is recognized by its
    /// first bytes, as for files.
    pub fn from_reader(name: impl Into<String>, reader: Box<dyn Read + Send>) -> Self {
        Job {
            source: Source::Reader {
                name: name.into(),
                reader: Mutex::new(Some(reader)),
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
    pub fn input(&self) -> String {
        match &self.source {
            Source::Location(l) => l.to_string(),
            Source::Bytes { name, .. } | Source::Reader { name, .. } => name.clone(),
        }
    }

    /// The outputs.
    pub fn destinations(&self) -> &[Destination<'r>] {
        &self.destinations
    }

    /// Where each output goes: a folder or prefix resolved to the input's name in it, then
    /// every destination checked against the others and the input, however spelled,
    /// before anything is opened. `None` for outputs in memory or nowhere.
    ///
    /// # Errors
    /// A folder destination for an input without a name (stdin, bytes), a destination veil
    /// does not write (a socket), two destinations that are one, or one that is the input.
    pub fn locations(&self) -> Result<Vec<Option<Location>>> {
        let input = match &self.source {
            Source::Location(l) => Some(l),
            Source::Bytes { .. } | Source::Reader { .. } => None,
        };
        let mut locations = Vec::new();
        for d in &self.destinations {
            let Target::Location(target) = &d.target else {
                locations.push(None);
                continue;
            };
            let at = if target.is_folder() {
                let name = input.and_then(Location::file_name).ok_or_else(|| Error::Unwritable {
                    location: target.to_string(),
                    why: "is a folder, and the input has no file name to give the output in it".into(),
                })?;
                target.join(&name)
            } else {
                target.clone()
            };
            if let Some(path) = at.as_path() {
                crate::local::destination(path)?;
            }
            locations.push(Some(at));
        }
        let inputs = match input {
            Some(l) => vec![Named::new(l, false)?],
            None => Vec::new(),
        };
        let outputs = locations
            .iter()
            .flatten()
            .map(|l| Named::new(l, true))
            .collect::<Result<Vec<_>>>()?;
        identity::check(&inputs, &outputs)?;
        Ok(locations)
    }

    /// What `veil check` shows: the input's header, read alone, and each output's plan or
    /// problems under `policy`. Nothing is written.
    ///
    /// # Errors
    /// The input cannot be opened or its header read, or the outputs' rules set different
    /// delimiters.
    pub fn check(&self, cloud: Option<&Cloud>, policy: ColumnPolicy, limits: Limits) -> Result<Checked> {
        let rules: Vec<&ColumnarRules> = self.destinations.iter().map(|d| d.rules).collect();
        Ok(match &self.source {
            Source::Location(location) => {
                let opened = location::open(location, cloud)?;
                veil_core::check(opened.reader, &opened.name, &rules, policy, limits)?
            }
            Source::Bytes { name, bytes } => veil_core::check(&bytes[..], name, &rules, policy, limits)?,
            Source::Reader { name, .. } => {
                let opened = veil_core::decode(self.take_reader()?, name, None)?;
                veil_core::check(opened.reader, name, &rules, policy, limits)?
            }
        })
    }

    /// The stream of a [`Job::from_reader`] job, which only one run can read.
    fn take_reader(&self) -> Result<Box<dyn Read + Send>> {
        let Source::Reader { name, reader } = &self.source else {
            return Err(Error::Internal("not a stream job".into()));
        };
        reader
            .lock()
            .map_err(|_| Error::Internal("a job's stream lock was poisoned".into()))?
            .take()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{}: the stream was read by an earlier run",
                    veil_core::escape(name)
                ))
            })
    }

    /// Sanitizes the input into every output in one pass; nothing is published unless all
    /// succeed (see [`veil_core::sanitize`]). Destinations are checked first ([`Job::locations`]).
    ///
    /// # Errors
    /// A destination is refused, the input cannot be opened, the rules do not fit its header,
    /// a row is bad, or an output cannot be written.
    pub fn run(&self, context: &JobContext<'_>) -> Result<Summary> {
        let locations = self.locations()?;
        let input = self.input();
        let input = input.as_str();
        let sinks = self
            .destinations
            .iter()
            .zip(&locations)
            .map(|(d, at)| Sink {
                rules: d.rules,
                location: match (&d.target, at) {
                    (_, Some(at)) => at.to_string(),
                    (Target::Memory(_), None) => "<memory>".to_owned(),
                    (Target::Opened(_), None) => "<output>".to_owned(),
                    _ => "<scan>".to_owned(),
                },
                open: Box::new(move || d.open(at.as_ref(), input, context.cloud).map_err(Error::into_core)),
                scan: d.role == Role::Shared,
            })
            .collect();
        let (reader, name, size, counter): (Box<dyn Read + Send + '_>, String, _, _) = match &self.source {
            Source::Location(location) => {
                let opened = location::open(location, context.cloud)?;
                (opened.reader, opened.name, opened.size, Some(opened.progress))
            }
            Source::Bytes { name, bytes } => (Box::new(&bytes[..]), name.clone(), Some(bytes.len() as u64), None),
            Source::Reader { name, .. } => {
                let opened = veil_core::decode(self.take_reader()?, name, None)?;
                (opened.reader, opened.name, None, Some(opened.progress))
            }
        };
        let tick = |rows: u64| {
            if let Some(caller) = context.options.progress {
                caller(rows);
            }
            if let Some(progress) = context.progress {
                let read = counter.as_ref().map_or(0, |c| c.get());
                progress(Progress { rows, read, size });
            }
        };
        let mut options = context.options.clone();
        options.progress = Some(&tick);
        Ok(veil_core::sanitize(
            reader,
            &name,
            context.pseudonymizer,
            sinks,
            &options,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use veil_core::Rules;
    use veil_core::{PseudonymOptions, Secrets};

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
            .output(Location::Local(file.clone()), rules);
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
