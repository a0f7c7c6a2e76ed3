//! Runs over many inputs: every file under a folder or an S3 prefix, each sanitized by a
//! job of its own into the same relative path under each output folder or prefix.
//!
//! A re-run is safe to repeat and to interrupt. Each output records what it was made from
//! ([`crate::provenance`]); a file whose outputs all record the same input, rules and
//! pseudonym settings is skipped. Outputs appear whole or not at all (as for one file), so an
//! interrupted run leaves only complete outputs, and running it again finishes the rest.
//! Several files are sanitized at once; memory grows with that number, never with the number
//! or size of the files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::job::{Destination, Job, JobContext, Progress};
use crate::provenance::{self, Identity, Manifest, Record};
use crate::rules::{ColumnarRules, Rules};

/// One output tree of a run: a folder or prefix, the rules that make its files, and the
/// SHA-256 of those rules as written (recorded with every output).
pub struct FolderOutput<'r> {
    /// A folder, or `s3://bucket/prefix/`.
    pub root: String,
    /// The rules (MultiType `fileRules` match each file's relative path).
    pub rules: &'r Rules,
    /// SHA-256 (hex) of the rules' text.
    pub rules_sha256: String,
}

/// A run over every file under a folder or prefix.
pub struct Folder<'r> {
    /// A folder, or `s3://bucket/prefix/`.
    pub input: String,
    /// Where each file's outputs go.
    pub outputs: Vec<FolderOutput<'r>>,
    /// Globs a file's relative path must match (one of); empty: `*.csv` and `*.csv.gz`.
    pub include: Vec<String>,
    /// Globs that leave a file out.
    pub exclude: Vec<String>,
    /// Files sanitized at once.
    pub jobs: usize,
    /// Re-do every file, up to date or not.
    pub force: bool,
    /// Say what would be done and why, writing nothing.
    pub dry_run: bool,
    /// Stop starting files after the first failure.
    pub fail_fast: bool,
    /// Set (by a signal handler) to stop: files in progress are abandoned, leaving nothing.
    pub cancel: Option<&'r AtomicBool>,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Sanitized.
    Done,
    /// Up to date.
    Skipped,
    /// Would be sanitized (`dry_run`).
    WouldDo,
    /// Failed; nothing written for it.
    Failed,
    /// Stopped by `cancel` while in progress; nothing written for it.
    Interrupted,
}

impl Status {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Skipped => "skipped",
            Status::WouldDo => "would do",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        }
    }
}

/// One file's outcome.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The input.
    pub input: String,
    /// Its outputs.
    pub outputs: Vec<String>,
    /// What happened.
    pub status: Status,
    /// Why it was (or would be) sanitized: `new`, `input changed`, `rules changed`, ...
    pub reason: Option<&'static str>,
    /// Rows written.
    pub rows: u64,
    /// Bytes of stored input.
    pub bytes: u64,
    /// Time it took.
    pub seconds: f64,
    /// The error, for a failed file (never a cell value).
    pub error: Option<String>,
    /// What the PII guard found in the sanitized output (first output), without values.
    pub findings: Vec<crate::pipeline::Finding>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct FolderSummary {
    /// Every file, in the order they finished.
    pub files: Vec<FileOutcome>,
    /// Stopped by `cancel` before the end.
    pub interrupted: bool,
    /// Files matched under the input root (some may not have been started).
    pub listed: usize,
}

impl FolderSummary {
    /// Files with a status.
    pub fn count(&self, status: Status) -> usize {
        self.files.iter().filter(|f| f.status == status).count()
    }
}

/// What a run tells its caller as it goes (for a progress bar and a report).
#[derive(Debug)]
pub enum Event<'a> {
    /// The files to look at are known: how many, and their stored bytes.
    Listed {
        /// Files matched by the include and exclude globs.
        files: usize,
        /// Their stored size.
        bytes: u64,
    },
    /// More bytes of some input were read.
    Read(u64),
    /// A file ended (done, skipped, failed, ...).
    Finished(&'a FileOutcome),
}

/// A folder or a prefix.
enum Root {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Root {
    fn parse(location: &str) -> Result<Root> {
        if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::Config(format!("`{location}` names no bucket")));
            }
            let mut prefix = prefix.to_owned();
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            return Ok(Root::S3 {
                bucket: bucket.to_owned(),
                prefix,
            });
        }
        Ok(Root::Local(PathBuf::from(location)))
    }

    /// The location of a file at `relative` under the root.
    fn join(&self, relative: &str) -> String {
        match self {
            Root::Local(dir) => dir.join(relative).to_string_lossy().into_owned(),
            Root::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}{relative}"),
        }
    }

    /// True when `other` lies inside this root (or is it).
    fn contains(&self, other: &Root) -> bool {
        match (self, other) {
            (Root::Local(a), Root::Local(b)) => {
                let (a, b) = (absolute(a), absolute(b));
                b.starts_with(&a)
            }
            (Root::S3 { bucket: a, prefix: p }, Root::S3 { bucket: b, prefix: q }) => {
                a == b && q.starts_with(p.as_str())
            }
            _ => false,
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(path))
}

/// A file found under the input root.
struct Found {
    relative: String,
    identity: Identity,
}

/// `*` matches within a path segment, `**` across segments, `?` one character. A pattern
/// without `/` is matched against the file name alone.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p {
            [] => s.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| go(rest.strip_prefix(b"/").unwrap_or(rest), &s[i..])),
            [b'*', rest @ ..] => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(rest, &s[i..])),
            [b'?', rest @ ..] => matches!(s, [c, tail @ ..] if *c != b'/' && go(rest, tail)),
            [c, rest @ ..] => matches!(s, [d, tail @ ..] if d == c && go(rest, tail)),
        }
    }
    let target = if pattern.contains('/') {
        path
    } else {
        path.rsplit('/').next().unwrap_or(path)
    };
    go(pattern.as_bytes(), target.as_bytes())
}

impl Folder<'_> {
    fn wanted(&self, relative: &str) -> bool {
        let defaults = ["*.csv".to_owned(), "*.csv.gz".to_owned()];
        let include = if self.include.is_empty() {
            &defaults[..]
        } else {
            &self.include
        };
        include.iter().any(|g| glob_matches(g, relative)) && !self.exclude.iter().any(|g| glob_matches(g, relative))
    }

    fn list(&self, root: &Root, context: &JobContext<'_>) -> Result<Vec<Found>> {
        let mut found = Vec::new();
        match root {
            Root::Local(dir) => {
                let mut stack = vec![dir.clone()];
                while let Some(at) = stack.pop() {
                    let entries =
                        std::fs::read_dir(&at).map_err(|e| Error::io(format!("listing {}", at.display()), e))?;
                    for entry in entries {
                        let entry = entry.map_err(|e| Error::io(format!("listing {}", at.display()), e))?;
                        let path = entry.path();
                        let kind = entry
                            .file_type()
                            .map_err(|e| Error::io(format!("listing {}", path.display()), e))?;
                        if kind.is_dir() {
                            stack.push(path);
                            continue;
                        }
                        let relative = path
                            .strip_prefix(dir)
                            .unwrap_or(&path)
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/");
                        if self.wanted(&relative) {
                            let identity = provenance::local_identity(&path)
                                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
                            found.push(Found { relative, identity });
                        }
                    }
                }
            }
            Root::S3 { bucket, prefix } => {
                #[cfg(feature = "aws")]
                {
                    let cloud = context
                        .cloud
                        .ok_or_else(|| Error::Config("s3:// needs the AWS clients".into()))?;
                    for object in crate::aws::s3::list(cloud.aws(), bucket, prefix)? {
                        let relative = object.key[prefix.len()..].to_owned();
                        if !relative.is_empty() && !relative.ends_with('/') && self.wanted(&relative) {
                            let identity = Identity {
                                etag: object.etag,
                                size: Some(object.size),
                                ..Identity::default()
                            };
                            found.push(Found { relative, identity });
                        }
                    }
                }
                #[cfg(not(feature = "aws"))]
                {
                    let _ = (bucket, prefix, context);
                    return Err(Error::Config("s3:// needs veil built with the `aws` feature".into()));
                }
            }
        }
        found.sort_by(|a, b| a.relative.cmp(&b.relative));
        Ok(found)
    }

    /// Sanitizes every file under the input root that is not up to date, `jobs` at a time;
    /// `on_event` hears of the listing, of bytes read and of each file as it ends. A failed
    /// file does not stop the others (unless `fail_fast`): its outcome says why.
    ///
    /// # Errors
    /// The roots cannot be listed or are nested, or a manifest cannot be read or written.
    pub fn run(&self, context: &JobContext<'_>, on_event: &(dyn Fn(Event<'_>) + Sync)) -> Result<FolderSummary> {
        let input = Root::parse(&self.input)?;
        let roots: Vec<Root> = self
            .outputs
            .iter()
            .map(|o| Root::parse(&o.root))
            .collect::<Result<_>>()?;
        for (i, root) in roots.iter().enumerate() {
            if input.contains(root) {
                return Err(Error::Config(format!(
                    "output `{}` is inside the input `{}`: its files would be read as inputs",
                    self.outputs[i].root, self.input
                )));
            }
            // The same folder under two spellings (`out/`, `./out/`), or one inside the other:
            // two outputs could land on one path, a lookup table (originals) over a sanitized
            // copy.
            if let Some(j) = (0..i).find(|&j| roots[j].contains(root) || root.contains(&roots[j])) {
                return Err(Error::Config(format!(
                    "outputs `{}` and `{}` overlap: give each output its own folder or prefix, \
                     neither inside the other",
                    self.outputs[j].root, self.outputs[i].root
                )));
            }
        }
        let files = self.list(&input, context)?;
        on_event(Event::Listed {
            files: files.len(),
            bytes: files.iter().map(|f| f.identity.size.unwrap_or(0)).sum(),
        });
        let state = State {
            manifests: Mutex::new(HashMap::new()),
            saved: Mutex::new(Instant::now()),
            summary: Mutex::new(FolderSummary::default()),
            next: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        };
        let jobs = self.jobs.max(1);
        let mut options = context.options.clone();
        options.threads = (options.threads.max(1) / jobs).max(1);
        options.cancel = self.cancel.or(options.cancel);
        let per_file = JobContext {
            options,
            progress: None,
            ..*context
        };
        let work = || -> Result<()> {
            loop {
                let stop = self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
                    || (self.fail_fast && state.failed.load(Ordering::Relaxed));
                let i = state.next.fetch_add(1, Ordering::Relaxed);
                if stop || i >= files.len() {
                    return Ok(());
                }
                let read = AtomicU64::new(0);
                let progress = |p: Progress| {
                    let before = read.swap(p.read, Ordering::Relaxed);
                    on_event(Event::Read(p.read.saturating_sub(before)));
                };
                let context = JobContext {
                    progress: Some(&progress),
                    ..per_file.clone()
                };
                let outcome = self.file(&files[i], &input, &roots, &context, &state)?;
                if outcome.status == Status::Failed {
                    state.failed.store(true, Ordering::Relaxed);
                }
                // The rest of the file's bytes: all of them when it was skipped.
                let rest = outcome.bytes.saturating_sub(read.load(Ordering::Relaxed));
                if rest > 0 {
                    on_event(Event::Read(rest));
                }
                on_event(Event::Finished(&outcome));
                state.summary.lock().expect("not poisoned").files.push(outcome);
            }
        };
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..jobs.min(files.len().max(1))).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Config("a job thread panicked".into())))
                })
                .collect()
        });
        if !self.dry_run {
            state.save()?;
        }
        results.into_iter().collect::<Result<()>>()?;
        let mut summary = state.summary.into_inner().expect("not poisoned");
        summary.interrupted = summary.count(Status::Interrupted) > 0
            || (self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) && summary.files.len() < files.len());
        summary.listed = files.len();
        Ok(summary)
    }

    /// One file: skip it, or run its job. Errors of the file are its outcome; only a
    /// manifest that cannot be written stops the run.
    fn file(
        &self,
        found: &Found,
        input: &Root,
        roots: &[Root],
        context: &JobContext<'_>,
        state: &State,
    ) -> Result<FileOutcome> {
        let started = Instant::now();
        let location = input.join(&found.relative);
        let outputs: Vec<String> = roots.iter().map(|r| r.join(&found.relative)).collect();
        let mut outcome = FileOutcome {
            input: location.clone(),
            outputs: outputs.clone(),
            status: Status::Skipped,
            reason: None,
            rows: 0,
            bytes: found.identity.size.unwrap_or(0),
            seconds: 0.0,
            error: None,
            findings: Vec::new(),
        };
        let fail = |mut outcome: FileOutcome, error: String| {
            outcome.status = Status::Failed;
            outcome.error = Some(error);
            outcome.seconds = started.elapsed().as_secs_f64();
            outcome
        };
        let mut wanted = Record {
            input: location.clone(),
            identity: found.identity.clone(),
            rules: String::new(),
            settings: context.pseudonymizer.fingerprint().to_owned(),
        };
        let local = match input {
            Root::Local(dir) => Some(dir.join(&found.relative)),
            Root::S3 { .. } => None,
        };
        let mut reason = self.force.then_some("forced");
        let mut rules = Vec::new();
        let mut touched = Vec::new();
        for (i, output) in self.outputs.iter().enumerate() {
            let Some(columnar) = rules_for(output.rules, &found.relative, input) else {
                let error = format!(
                    "no fileRules template matches `{}` (rules of {}; templates: {})",
                    found.relative,
                    output.root,
                    output.rules.templates().join(", ")
                );
                return Ok(fail(outcome, error));
            };
            rules.push(columnar);
            if reason.is_none() {
                wanted.rules = output.rules_sha256.clone();
                let existing = match self.existing(i, &roots[i], &found.relative, context, state) {
                    Ok(record) => record,
                    Err(e) => return Ok(fail(outcome, e.to_string())),
                };
                reason = provenance::stale(existing.as_ref(), &wanted, local.as_deref());
                if reason.is_none()
                    && let Some(mut record) = existing
                    && record.identity.mtime != found.identity.mtime
                {
                    // Touched but the same bytes: remember the new time, so that the next
                    // run need not hash the file again.
                    record.identity.mtime = found.identity.mtime;
                    touched.push((i, record));
                }
            }
        }
        outcome.reason = reason;
        if reason.is_none() {
            if !self.dry_run {
                for (i, record) in touched {
                    state.record(i, &roots[i], &found.relative, record)?;
                }
            }
            return Ok(outcome);
        }
        if self.dry_run {
            outcome.status = Status::WouldDo;
            return Ok(outcome);
        }
        if let Some(path) = &local {
            match provenance::sha256_file(path) {
                Ok(hash) => wanted.identity.sha256 = Some(hash),
                Err(e) => return Ok(fail(outcome, format!("reading {}: {e}", path.display()))),
            }
        }
        let mut job = Job::new(location.clone());
        let mut records = Vec::new();
        for (i, output) in self.outputs.iter().enumerate() {
            let record = Record {
                rules: output.rules_sha256.clone(),
                ..wanted.clone()
            };
            if let Root::Local(_) = roots[i] {
                let output = Path::new(&outputs[i]);
                if let Some(dir) = output.parent()
                    && let Err(e) = std::fs::create_dir_all(dir)
                {
                    return Ok(fail(outcome, format!("creating {}: {e}", dir.display())));
                }
                remove_stale_temps(output);
            }
            let mut destination = Destination::new(outputs[i].clone(), rules[i]);
            destination.metadata = record.to_metadata();
            // The first output is the sanitized copy, the one that leaves.
            destination.scan = i == 0;
            job = job.destination(destination);
            records.push(record);
        }
        match job.run(context) {
            Ok(summary) => {
                outcome.status = Status::Done;
                outcome.rows = summary.rows;
                outcome.findings = summary.outputs.into_iter().flat_map(|o| o.findings).collect();
            }
            Err(Error::Interrupted) => {
                outcome.status = Status::Interrupted;
                outcome.seconds = started.elapsed().as_secs_f64();
                return Ok(outcome);
            }
            Err(e) => return Ok(fail(outcome, e.to_string())),
        }
        outcome.seconds = started.elapsed().as_secs_f64();
        for (i, record) in records.into_iter().enumerate() {
            state.record(i, &roots[i], &found.relative, record)?;
        }
        // Saved now and then, not after every file: an entry lost to a crash only costs
        // doing that file again.
        let mut saved = state.saved.lock().expect("not poisoned");
        if saved.elapsed() >= Duration::from_secs(2) {
            state.save()?;
            *saved = Instant::now();
        }
        Ok(outcome)
    }

    /// The record of an existing output, or `None` when there is no output or no record.
    fn existing(
        &self,
        i: usize,
        root: &Root,
        relative: &str,
        context: &JobContext<'_>,
        state: &State,
    ) -> Result<Option<Record>> {
        match root {
            Root::Local(dir) => {
                if !dir.join(relative).is_file() {
                    return Ok(None);
                }
                state.recorded(i, dir, relative)
            }
            Root::S3 { bucket, prefix } => {
                #[cfg(feature = "aws")]
                {
                    let cloud = context
                        .cloud
                        .ok_or_else(|| Error::Config("s3:// needs the AWS clients".into()))?;
                    let at = crate::aws::s3::Location {
                        bucket: bucket.clone(),
                        key: format!("{prefix}{relative}"),
                    };
                    let head = crate::aws::s3::head_if_any(cloud.aws(), &at)?;
                    Ok(head.and_then(|h| Record::from_metadata(&h.metadata)))
                }
                #[cfg(not(feature = "aws"))]
                {
                    let _ = (bucket, prefix, context, relative);
                    Err(Error::Config("s3:// needs veil built with the `aws` feature".into()))
                }
            }
        }
    }
}

/// The rules for a file: its path under the input root matched against MultiType templates;
/// failing that, its whole S3 key (as psoxy matched it) or the trailing segments of its local
/// path, so that templates written for psoxy's bucket layout still match.
fn rules_for<'r>(rules: &'r Rules, relative: &str, input: &Root) -> Option<&'r ColumnarRules> {
    rules.for_key(relative).or_else(|| match input {
        Root::S3 { prefix, .. } => rules.for_key(&format!("{prefix}{relative}")),
        Root::Local(dir) => rules.for_local_path(&dir.join(relative).to_string_lossy()),
    })
}

/// Shared by the job threads.
struct State {
    /// The manifests of local output folders, by output and folder under its root: one per
    /// folder, so that each stays small however many files a tree holds. Loaded when first
    /// needed.
    manifests: Mutex<HashMap<(usize, String), Manifest>>,
    saved: Mutex<Instant>,
    summary: Mutex<FolderSummary>,
    next: AtomicUsize,
    failed: AtomicBool,
}

impl State {
    /// Runs `f` on the manifest of the folder holding output `i`'s file at `relative`.
    fn with_manifest<T>(
        &self,
        i: usize,
        root: &Path,
        relative: &str,
        f: impl FnOnce(&mut Manifest, &str) -> T,
    ) -> Result<T> {
        let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        let mut manifests = self.manifests.lock().expect("not poisoned");
        let manifest = match manifests.entry((i, folder.to_owned())) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Manifest::load(&root.join(folder))?),
        };
        Ok(f(manifest, name))
    }

    /// The record of output `i`'s file at `relative` under the local folder `root`.
    fn recorded(&self, i: usize, root: &Path, relative: &str) -> Result<Option<Record>> {
        self.with_manifest(i, root, relative, |m, name| m.get(name).cloned())
    }

    /// Records what output `i`'s file at `relative` was made from (local outputs only: on
    /// S3 the record is the object's metadata, written with it).
    fn record(&self, i: usize, root: &Root, relative: &str, record: Record) -> Result<()> {
        match root {
            Root::Local(dir) => self.with_manifest(i, dir, relative, |m, name| m.insert(name, record)),
            Root::S3 { .. } => Ok(()),
        }
    }

    /// Writes every manifest that changed.
    fn save(&self) -> Result<()> {
        for manifest in self.manifests.lock().expect("not poisoned").values_mut() {
            manifest.save()?;
        }
        Ok(())
    }
}

/// Removes what a killed run left of this output: hidden temp files named after it.
fn remove_stale_temps(output: &Path) {
    let (Some(dir), Some(name)) = (output.parent(), output.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if file.starts_with(&prefix) && file.ends_with(".veil-tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names_and_paths() {
        assert!(glob_matches("*.csv", "2024/01/hris.csv"));
        assert!(glob_matches("*.csv.gz", "a.csv.gz"));
        assert!(!glob_matches("*.csv", "a.csv.gz"));
        assert!(glob_matches("2024/*/*.csv", "2024/01/x.csv"));
        assert!(!glob_matches("2024/*.csv", "2024/01/x.csv"));
        assert!(glob_matches("2024/**/*.csv", "2024/01/02/x.csv"));
        assert!(glob_matches("2024/**/*.csv", "2024/x.csv"));
        assert!(glob_matches("hris-2024-0?-*.csv", "x/hris-2024-07-01.csv"));
    }

    #[test]
    fn roots_join_and_nest() {
        let s3 = Root::parse("s3://b/in").unwrap();
        assert_eq!(s3.join("a/x.csv"), "s3://b/in/a/x.csv");
        assert!(s3.contains(&Root::parse("s3://b/in/out/").unwrap()));
        assert!(!s3.contains(&Root::parse("s3://b/out/").unwrap()));
        let dir = tempfile::tempdir().unwrap();
        let input = Root::Local(dir.path().to_path_buf());
        assert!(input.contains(&Root::Local(dir.path().join("out"))));
        assert!(!Root::Local(dir.path().join("in")).contains(&Root::Local(dir.path().join("out"))));
    }
}
