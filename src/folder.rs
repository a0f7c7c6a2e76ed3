//! Runs over many inputs: every file under a folder or an S3 prefix, each sanitized by a
//! job of its own into the same relative path under each output folder or prefix.
//!
//! A re-run is safe to repeat and to interrupt. Each output records what it was made from and
//! how ([`crate::provenance`]); a file whose outputs all record the same input, rules, pseudonym
//! settings and at least as strict a policy, and whose local outputs are as written, is
//! skipped. Outputs appear whole or not at all (as for one file), so an interrupted run leaves
//! only complete outputs, and running it again finishes the rest. One run at a time writes
//! into a local output folder (a lock). Several files are sanitized at once; memory grows
//! with that number and a few hundred bytes per file, never with the size of the files.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::job::{Destination, Job, JobContext, Progress, Role, rules_for};
use crate::listing::{self, Filter, Found, Ignored};
use crate::local;
use crate::location::Location;
use crate::provenance::{self, Manifest, Policy, Present, Record, Shared, Stored};
use veil_core::Finding;
use veil_core::Rules;

/// One output tree of a run: a folder or prefix, the rules that make its files, and the
/// SHA-256 of those rules as written (recorded with every output).
pub struct FolderOutput<'r> {
    /// A folder, or an S3 prefix.
    pub root: Location,
    /// The rules (MultiType `fileRules` match each file's relative path).
    pub rules: &'r Rules,
    /// SHA-256 (hex) of the rules' text.
    pub rules_sha256: String,
    /// Who may read its files: the PII guard looks at the shared copy's clear columns.
    pub role: Role,
}

/// A run over every file under a folder or prefix.
pub struct Folder<'r> {
    /// A folder, or an S3 prefix.
    pub input: Location,
    /// Where each file's outputs go.
    pub outputs: Vec<FolderOutput<'r>>,
    /// Which files are taken.
    pub filter: Filter,
    /// Files sanitized at once.
    pub jobs: usize,
    /// Re-do every file, up to date or not.
    pub force: bool,
    /// Re-hash every local output and compare it with its record.
    pub verify: bool,
    /// Say what would be done and why, writing nothing.
    pub dry_run: bool,
    /// Stop starting files after the first failure.
    pub fail_fast: bool,
    /// Where the caller writes its report: checked against the run's inputs and outputs, so
    /// that it replaces neither.
    pub report: Option<Location>,
    /// Set (by a signal handler, or when stdout closed) to stop: files in progress are
    /// abandoned, leaving nothing.
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

    const ALL: [Status; 5] = [
        Status::Done,
        Status::Skipped,
        Status::WouldDo,
        Status::Failed,
        Status::Interrupted,
    ];
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
    /// What the PII guard found in the scanned output, without values: this run's for a file
    /// done, the recorded ones for a file up to date.
    pub findings: Vec<Finding>,
    /// Warnings (missing columns, names matching nothing): this run's, or the recorded ones.
    pub warnings: Vec<String>,
}

/// What a run did: counts, and the failed files.
#[derive(Debug, Default)]
pub struct FolderSummary {
    /// Files per status, in [`Status::ALL`] order.
    counts: [usize; 5],
    /// Rows written.
    pub rows: u64,
    /// Stored bytes of the files sanitized.
    pub bytes: u64,
    /// The files that failed, in the order they finished.
    pub failed: Vec<FileOutcome>,
    /// Stopped by `cancel` before the end.
    pub interrupted: bool,
    /// Files matched under the input root (some may not have been started).
    pub listed: usize,
    /// Entries left out (not regular files).
    pub ignored: usize,
}

impl FolderSummary {
    /// Files with a status.
    pub fn count(&self, status: Status) -> usize {
        Status::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.counts[i])
    }

    /// Files that ended one way or another.
    pub fn finished(&self) -> usize {
        self.counts.iter().sum()
    }

    fn add(&mut self, outcome: FileOutcome) {
        if let Some(i) = Status::ALL.iter().position(|s| *s == outcome.status) {
            self.counts[i] += 1;
        }
        self.rows += outcome.rows;
        if outcome.status == Status::Done {
            self.bytes += outcome.bytes;
        }
        if outcome.status == Status::Failed {
            self.failed.push(outcome);
        }
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
    /// An entry under the input was left out: not a file veil can read whole.
    Ignored(&'a Ignored),
    /// More bytes of some input were read.
    Read(u64),
    /// A file ended (done, skipped, failed, ...). Told in listing order, whatever order the
    /// jobs end in, so that reports and dry runs read the same from one run to the next.
    Finished(&'a FileOutcome),
}

impl Folder<'_> {
    /// Sanitizes every file under the input root that is not up to date, `jobs` at a time;
    /// `on_event` hears of the listing, of bytes read and of each file as it ends. A failed
    /// file does not stop the others (unless `fail_fast`): its outcome says why.
    ///
    /// # Errors
    /// The roots overlap or are one, the report would replace an input or output, another run
    /// holds an output folder, the input cannot be listed, or a manifest cannot be read or
    /// written.
    pub fn run(&self, context: &JobContext<'_>, on_event: &(dyn Fn(Event<'_>) + Sync)) -> Result<FolderSummary> {
        let input = Identity::of(&self.input, false)?;
        let roots: Vec<Identity> = self
            .outputs
            .iter()
            .map(|o| Identity::of(&o.root, true))
            .collect::<Result<_>>()?;
        for (i, root) in roots.iter().enumerate() {
            if input.contains(root) {
                return Err(Error::OutputInsideInput {
                    output: self.outputs[i].root.to_string(),
                    input: self.input.to_string(),
                });
            }
            // The same folder under two spellings (`out/`, `./out/`, a symlink to it), or one
            // inside the other: two outputs could land on one path, a lookup table
            // (originals) over a sanitized copy.
            if let Some(j) = (0..i).find(|&j| roots[j].contains(root) || root.contains(&roots[j])) {
                return Err(Error::OutputsOverlap {
                    first: self.outputs[j].root.to_string(),
                    second: self.outputs[i].root.to_string(),
                });
            }
        }
        let listing = listing::list(&self.input, &self.filter, context.cloud)?;
        self.check_report(&input, &roots, &listing.files)?;
        let _locks = if self.dry_run {
            Vec::new()
        } else {
            self.outputs
                .iter()
                .filter_map(|o| Some((o.root.as_path()?, o.root.to_string())))
                .map(|(dir, spelled)| local::lock_folder(dir, &spelled))
                .collect::<Result<Vec<_>>>()?
        };
        let files = listing.files;
        on_event(Event::Listed {
            files: files.len(),
            bytes: files.iter().map(|f| f.source.size.unwrap_or(0)).sum(),
        });
        for ignored in &listing.ignored {
            on_event(Event::Ignored(ignored));
        }
        let mut shared = Shared::default();
        let rules_sha256: Vec<std::sync::Arc<str>> = self.outputs.iter().map(|o| shared.get(&o.rules_sha256)).collect();
        let settings = shared.get(context.pseudonymizer.fingerprint());
        let state = State {
            manifests: Mutex::new(Manifests {
                by_folder: HashMap::new(),
                shared,
            }),
            rules_sha256,
            settings,
            saved: Mutex::new((Instant::now(), Duration::ZERO)),
            summary: Mutex::new(FolderSummary::default()),
            ended: Mutex::new((0, BTreeMap::new())),
            next: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            policy: Policy {
                guard: context.options.pii_guard,
                allow: context.options.pii_allow.clone(),
                columns: context.options.columns,
            },
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
        let cancelled = || per_file.options.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
        let work = || -> Result<()> {
            loop {
                let stop = cancelled() || (self.fail_fast && state.failed.load(Ordering::Relaxed));
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
                let outcome = self.file(&files[i], &context, &state)?;
                if outcome.status == Status::Failed {
                    state.failed.store(true, Ordering::Relaxed);
                }
                // The rest of the file's bytes: all of them when it was skipped.
                let rest = outcome.bytes.saturating_sub(read.load(Ordering::Relaxed));
                if rest > 0 {
                    on_event(Event::Read(rest));
                }
                state.ended(i, outcome, on_event);
            }
        };
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..jobs.min(files.len().max(1))).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Internal("a job thread panicked".into())))
                })
                .collect()
        });
        // Files after one never started (cancelled, failed fast) are told now.
        state.tell_held(on_event);
        if !self.dry_run {
            state.save()?;
        }
        results.into_iter().collect::<Result<()>>()?;
        let mut summary = state.summary.into_inner().expect("not poisoned");
        summary.interrupted =
            summary.count(Status::Interrupted) > 0 || (cancelled() && summary.finished() < files.len());
        summary.listed = files.len();
        summary.ignored = listing.ignored.len();
        Ok(summary)
    }

    /// Refuses a report that is, or would become, one of the run's inputs (under the input
    /// root, matching the globs) or outputs, or a manifest or lock.
    fn check_report(&self, input: &Identity, roots: &[Identity], files: &[Found]) -> Result<()> {
        let Some(report) = &self.report else {
            return Ok(());
        };
        let at = Identity::of(report, true)?;
        if let Some(relative) = at.relative_to(input)
            && self.filter.wants(&relative)
        {
            return Err(Error::OutputIsInput {
                output: report.to_string(),
                input: self.input.join(&relative).to_string(),
            });
        }
        for (o, root) in self.outputs.iter().zip(roots) {
            let Some(relative) = at.relative_to(root) else {
                continue;
            };
            let name = relative.rsplit('/').next().unwrap_or_default();
            if files.iter().any(|f| f.relative == relative) || name == provenance::MANIFEST || name == local::LOCK {
                return Err(Error::SameDestination {
                    first: o.root.join(&relative).to_string(),
                    second: report.to_string(),
                });
            }
        }
        Ok(())
    }

    /// One file: skip it, or run its job. Errors of the file are its outcome; only a
    /// manifest that cannot be written stops the run.
    fn file(&self, found: &Found, context: &JobContext<'_>, state: &State) -> Result<FileOutcome> {
        let started = Instant::now();
        let location = self.input.join(&found.relative);
        let outputs: Vec<Location> = self.outputs.iter().map(|o| o.root.join(&found.relative)).collect();
        let mut outcome = FileOutcome {
            input: location.to_string(),
            outputs: outputs.iter().map(Location::to_string).collect(),
            status: Status::Skipped,
            reason: None,
            rows: 0,
            bytes: found.source.size.unwrap_or(0),
            seconds: 0.0,
            error: None,
            findings: Vec::new(),
            warnings: Vec::new(),
        };
        let fail = |mut outcome: FileOutcome, error: String| {
            outcome.status = Status::Failed;
            outcome.error = Some(error);
            outcome.seconds = started.elapsed().as_secs_f64();
            outcome
        };
        if let Some(problem) = &found.problem {
            return Ok(fail(outcome, problem.clone()));
        }
        let mut wanted = Record {
            input: location.to_string(),
            source: found.source.clone(),
            settings: state.settings.clone(),
            policy: state.policy.clone(),
            ..Record::default()
        };
        let mut reason = self.force.then_some("forced");
        let mut rules = Vec::new();
        let mut touched = Vec::new();
        let mut recorded = Vec::new();
        for (i, output) in self.outputs.iter().enumerate() {
            let columnar = match rules_for(output.rules, &location, Some(&found.relative)) {
                Ok(columnar) => columnar,
                Err(e) => return Ok(fail(outcome, format!("{e} (rules of {})", output.root))),
            };
            rules.push(columnar);
            if reason.is_some() {
                continue;
            }
            wanted.rules = state.rules_sha256[i].clone();
            let existing = match state.existing(i, &outputs[i], &output.root, &found.relative, context) {
                Ok(record) => record,
                Err(e) => return Ok(fail(outcome, e.to_string())),
            };
            let present = outputs[i].as_path().map(|path| Present {
                path,
                verify: self.verify,
            });
            reason = provenance::stale(existing.as_ref(), &wanted, location.as_path(), present);
            if reason.is_none()
                && let Some(record) = existing
            {
                if record.source.mtime != found.source.mtime {
                    // Touched but the same bytes: remember the new time, so that the next
                    // run need not hash the file again.
                    let mut record = record.clone();
                    record.source.mtime = found.source.mtime;
                    touched.push((i, record));
                }
                recorded.push(record);
            }
        }
        outcome.reason = reason;
        if reason.is_none() {
            for record in recorded {
                outcome.findings.extend(record.findings);
                outcome.warnings.extend(record.warnings);
            }
            if !self.dry_run {
                for (i, record) in touched {
                    state.record(i, &self.outputs[i].root, &found.relative, record)?;
                }
            }
            return Ok(outcome);
        }
        if self.dry_run {
            outcome.status = Status::WouldDo;
            return Ok(outcome);
        }
        if let Some(path) = location.as_path() {
            match provenance::sha256_file(path) {
                Ok(hash) => wanted.source.sha256 = Some(hash),
                Err(e) => return Ok(fail(outcome, format!("reading {}: {e}", path.display()))),
            }
        }
        let mut job = Job::new(location.clone());
        let mut records = Vec::new();
        for (i, output) in self.outputs.iter().enumerate() {
            if outputs[i].as_path().is_some_and(Path::is_dir) {
                return Ok(fail(outcome, format!("output {} is a folder", outputs[i])));
            }
            let record = Record {
                rules: state.rules_sha256[i].clone(),
                ..wanted.clone()
            };
            let mut destination = Destination::new(outputs[i].clone(), rules[i]);
            destination.metadata = record.to_metadata();
            destination.role = output.role;
            job = job.destination(destination);
            records.push(record);
        }
        let summary = match job.run(context) {
            Ok(summary) => summary,
            Err(Error::Core(veil_core::Error::Interrupted)) => {
                outcome.status = Status::Interrupted;
                outcome.seconds = started.elapsed().as_secs_f64();
                return Ok(outcome);
            }
            Err(e) => return Ok(fail(outcome, e.to_string())),
        };
        outcome.status = Status::Done;
        outcome.rows = summary.rows;
        outcome.seconds = started.elapsed().as_secs_f64();
        for (i, (mut record, written)) in records.into_iter().zip(summary.outputs).enumerate() {
            record.warnings = written.warnings;
            record.findings = written.findings;
            if let Some(path) = outputs[i].as_path() {
                record.stored = Some(Stored {
                    size: written.bytes,
                    mtime: std::fs::metadata(path).ok().and_then(|m| provenance::mtime(&m)),
                    digest: written.digest,
                });
            }
            outcome.findings.extend(record.findings.iter().cloned());
            outcome.warnings.extend(record.warnings.iter().cloned());
            state.record(i, &self.outputs[i].root, &found.relative, record)?;
        }
        state.save_now_and_then()?;
        Ok(outcome)
    }
}

/// The manifests loaded, by output and folder under its root, and the strings their records
/// share.
#[derive(Default)]
struct Manifests {
    by_folder: HashMap<(usize, String), Manifest>,
    shared: Shared,
}

/// Shared by the job threads.
struct State {
    /// The manifests of local output folders, by output and folder under its root: one per
    /// folder, so that each stays small however many files a tree holds. Loaded when first
    /// needed; the strings their records share are held once.
    manifests: Mutex<Manifests>,
    /// Per output, the SHA-256 of its rules, as recorded.
    rules_sha256: Vec<std::sync::Arc<str>>,
    /// The pseudonym settings' fingerprint, as recorded.
    settings: std::sync::Arc<str>,
    /// When the manifests were last saved, and how long that took.
    saved: Mutex<(Instant, Duration)>,
    summary: Mutex<FolderSummary>,
    /// Outcomes of files that ended before an earlier one, held until they can be told in
    /// listing order, and the index of the next file to tell.
    ended: Mutex<(usize, BTreeMap<usize, FileOutcome>)>,
    next: AtomicUsize,
    failed: AtomicBool,
    /// The checks outputs pass in this run, recorded with them.
    policy: Policy,
}

impl State {
    /// Tells of file `i`'s outcome, and of the ones held after it, once every earlier file
    /// has been told.
    fn ended(&self, i: usize, outcome: FileOutcome, on_event: &(dyn Fn(Event<'_>) + Sync)) {
        let mut ended = self.ended.lock().expect("not poisoned");
        ended.1.insert(i, outcome);
        self.tell_ready(&mut ended, on_event);
    }

    /// Tells of every outcome still held, past the files never started (cancelled, failed
    /// fast).
    fn tell_held(&self, on_event: &(dyn Fn(Event<'_>) + Sync)) {
        let mut ended = self.ended.lock().expect("not poisoned");
        while let Some(&first) = ended.1.keys().next() {
            ended.0 = first;
            self.tell_ready(&mut ended, on_event);
        }
    }

    fn tell_ready(
        &self,
        (next, held): &mut (usize, BTreeMap<usize, FileOutcome>),
        on_event: &(dyn Fn(Event<'_>) + Sync),
    ) {
        while let Some(outcome) = held.remove(next) {
            on_event(Event::Finished(&outcome));
            self.summary.lock().expect("not poisoned").add(outcome);
            *next += 1;
        }
    }

    /// Runs `f` on the manifest of the folder holding output `i`'s file at `relative`.
    fn with_manifest<T>(
        &self,
        i: usize,
        root: &Path,
        relative: &str,
        f: impl FnOnce(&mut Manifest, &str) -> T,
    ) -> Result<T> {
        let (folder, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        let mut guard = self.manifests.lock().expect("not poisoned");
        let Manifests { by_folder, shared } = &mut *guard;
        let manifest = match by_folder.entry((i, folder.to_owned())) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Manifest::load(&root.join(folder), shared)?),
        };
        Ok(f(manifest, name))
    }

    /// The record of output `i` (at `at`, file `relative` under `root`): the manifest's entry
    /// locally, the object's metadata on S3; `None` when there is none.
    fn existing(
        &self,
        i: usize,
        at: &Location,
        root: &Location,
        relative: &str,
        context: &JobContext<'_>,
    ) -> Result<Option<Record>> {
        match (root, at) {
            (Location::Local(dir), _) => self.with_manifest(i, dir, relative, |m, name| m.get(name).cloned()),
            (_, Location::S3(object)) => {
                let metadata = crate::location::metadata(object, context.cloud)?;
                Ok(metadata.and_then(|m| Record::from_metadata(&m)))
            }
            (_, other) => Err(Error::Location {
                location: other.to_string(),
                why: "has no record".into(),
            }),
        }
    }

    /// Records what output `i`'s file at `relative` was made from (local outputs only: on
    /// S3 the record is the object's metadata, written with it).
    fn record(&self, i: usize, root: &Location, relative: &str, record: Record) -> Result<()> {
        match root {
            Location::Local(dir) => self.with_manifest(i, dir, relative, |m, name| m.insert(name, record)),
            _ => Ok(()),
        }
    }

    /// Saves the manifests now and then, not after every file: an entry lost to a crash only
    /// costs doing that file again. The wait grows with the time a save takes, so that saving
    /// stays a small share of the run however large the manifests grow.
    fn save_now_and_then(&self) -> Result<()> {
        let mut saved = self.saved.lock().expect("not poisoned");
        if saved.0.elapsed() >= Duration::from_secs(2).max(saved.1 * 20) {
            let started = Instant::now();
            self.save()?;
            *saved = (Instant::now(), started.elapsed());
        }
        Ok(())
    }

    /// Writes every manifest that changed.
    fn save(&self) -> Result<()> {
        for manifest in self.manifests.lock().expect("not poisoned").by_folder.values_mut() {
            manifest.save()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_and_keep_only_failures() {
        let mut summary = FolderSummary::default();
        let outcome = |status| FileOutcome {
            input: "in/a.csv".into(),
            outputs: vec![],
            status,
            reason: None,
            rows: 2,
            bytes: 10,
            seconds: 0.0,
            error: None,
            findings: vec![],
            warnings: vec![],
        };
        summary.add(outcome(Status::Done));
        summary.add(outcome(Status::Skipped));
        summary.add(outcome(Status::Failed));
        assert_eq!(
            (
                summary.count(Status::Done),
                summary.count(Status::Skipped),
                summary.finished()
            ),
            (1, 1, 3)
        );
        assert_eq!((summary.rows, summary.bytes, summary.failed.len()), (6, 10, 1));
    }
}
