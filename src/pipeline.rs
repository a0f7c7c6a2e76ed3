//! The one pass: read the input once, write every output (sanitized copy, lookup tables).
//!
//! Order of work, so that a failure leaves nothing behind: read the header, bind every
//! output's rules to it (all problems at once), and only then open the outputs. Rows are
//! read in [`Batch`]es and each batch is written to each output's buffer, then to the
//! output. Outputs are committed only after the last row; on any error they are dropped,
//! which discards them.

use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use crate::digest::Digest;
use crate::error::{DataError, Error, Result};
use crate::gzip;
use crate::io::Output;
use crate::java;
use crate::java::regex::Exhausted;
use crate::pii;
use crate::plan::{Action, ColumnPolicy, Func, Plan};
use crate::pseudonym::{PseudonymCache, PseudonymFormat, Pseudonymizer};
use crate::reader::{Batch, Limits, LineEnding, Reader, Row};
use crate::rules::ColumnarRules;
use crate::transform;
use crate::writer::{push_field, push_header, push_pseudonym};

/// Rows per batch: large enough to amortize per-batch work, small enough to stay in cache.
const BATCH_ROWS: usize = 4096;
/// psoxy shuffles rows within blocks of this many.
const SHUFFLE_BLOCK: usize = 500;

/// Opens an output; called only once everything has been validated.
pub type Opener<'a> = Box<dyn FnOnce() -> Result<Box<dyn Output>> + 'a>;

/// One output of the pass.
pub struct Sink<'a> {
    /// The rules for this output.
    pub rules: &'a ColumnarRules,
    /// Where it goes, for the summary.
    pub location: String,
    /// Creates the output.
    pub open: Opener<'a>,
    /// Look for personal data in its clear columns ([`Options::pii_guard`]): the output
    /// that leaves (the sanitized copy), not the private lookup tables.
    pub scan: bool,
}

/// Run options.
#[derive(Default, Clone)]
pub struct Options<'a> {
    /// Shuffle rows within blocks of 500, as psoxy does, with this seed.
    pub shuffle_seed: Option<u64>,
    /// Called after each batch with the rows done so far (from the writing thread).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Threads sanitizing batches; 0 or 1 runs everything on the calling thread.
    pub threads: usize,
    /// How rule columns the file lacks are treated.
    pub columns: ColumnPolicy,
    /// gzip level of the outputs that want gzip ([`Output::gzip`]); `None` is
    /// [`gzip::DEFAULT_LEVEL`].
    pub gzip_level: Option<u32>,
    /// When set (by a signal handler), the run stops at the next batch with
    /// [`Error::Interrupted`], publishing nothing.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
    /// Look for personal data in the clear columns of the outputs that ask for it
    /// ([`Sink::scan`]): report it, or refuse to publish anything.
    pub pii_guard: PiiGuard,
    /// Findings accepted, by output column name and kind.
    pub pii_allow: Vec<(String, pii::Kind)>,
    /// How wide the input may be.
    pub limits: Limits,
}

/// What the PII guard does with personal data found in clear columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PiiGuard {
    /// Do not look.
    Off,
    /// Report it ([`OutputSummary::findings`]).
    #[default]
    Warn,
    /// Publish nothing: the run fails with [`Error::Pii`].
    Fail,
}

impl PiiGuard {
    /// Parses `off`, `warn` or `fail` (any case).
    ///
    /// # Errors
    /// Any other value.
    pub fn parse(value: &str) -> Result<PiiGuard> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(PiiGuard::Off),
            "warn" => Ok(PiiGuard::Warn),
            "fail" => Ok(PiiGuard::Fail),
            _ => Err(Error::Config(format!(
                "PII guard `{value}`: expected off, warn or fail"
            ))),
        }
    }
}

/// Parses `COLUMN:KIND` (`--pii-allow`, `PII_ALLOW`).
///
/// # Errors
/// No `:`, or an unknown kind.
pub fn parse_pii_allow(value: &str) -> Result<(String, pii::Kind)> {
    let (column, kind) = value
        .rsplit_once(':')
        .ok_or_else(|| Error::Config(format!("PII allowance `{value}`: expected COLUMN:KIND")))?;
    let kind = pii::Kind::parse(kind.trim()).ok_or_else(|| {
        let kinds: Vec<&str> = pii::Kind::ALL.iter().map(|k| k.name()).collect();
        Error::Config(format!(
            "PII allowance `{value}`: kind must be one of {}",
            kinds.join(", ")
        ))
    })?;
    Ok((column.trim().to_owned(), kind))
}

/// Personal data found in one clear output column: how many cells, and where first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The output column.
    pub column: String,
    /// What was found.
    pub kind: pii::Kind,
    /// Cells it was found in.
    pub cells: u64,
    /// The first (up to) three physical lines.
    pub lines: Vec<u64>,
}

impl Finding {
    /// As JSON for log lines and reports: column, kind, cells, lines (never a value).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "column": self.column, "kind": self.kind.name(), "cells": self.cells, "lines": self.lines,
        })
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        write!(
            f,
            "column `{}`: {} in {} cell{} (line{} {})",
            crate::escape::name(&self.column),
            self.kind.name(),
            self.cells,
            if self.cells == 1 { "" } else { "s" },
            if self.lines.len() == 1 { "" } else { "s" },
            lines.join(", ")
        )
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The input's name.
    pub input: String,
    /// Data rows read (and written to each output).
    pub rows: u64,
    /// Decoded input bytes read.
    pub input_bytes: u64,
    /// One entry per output, in order.
    pub outputs: Vec<OutputSummary>,
}

/// What was written to one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSummary {
    /// The output's location.
    pub location: String,
    /// Output columns.
    pub columns: usize,
    /// Output columns holding pseudonyms.
    pub pseudonymized: usize,
    /// Columns the file lacks (written empty), rule names matching no column, `--pii-allow`
    /// columns the output lacks: names only, never values.
    pub warnings: Vec<String>,
    /// Personal data found in its clear columns (PII guard), minus what was allowed.
    pub findings: Vec<Finding>,
    /// Bytes written, as stored (compressed, for a gzip output).
    pub bytes: u64,
    /// XXH3-128 of the bytes written, as stored ([`crate::digest`]): what a re-run compares
    /// to tell an output that changed since.
    pub digest: u128,
}

/// Every core the process may use.
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The header of an input: its names and the line they are on; `None` for an empty input.
///
/// # Errors
/// The first record cannot be read.
pub fn read_header<R: Read>(reader: &mut Reader<R>, batch: &mut Batch) -> Result<Option<(Vec<String>, u64)>> {
    if !reader.read_batch(batch, 1)? {
        return Ok(None);
    }
    let row = batch.row(0);
    let names = (0..row.len())
        .map(|i| row.get_str(i).unwrap_or("").to_owned())
        .collect();
    Ok(Some((names, row.line())))
}

/// The input delimiter all outputs agree on.
///
/// # Errors
/// Two outputs' rules set different delimiters (the input is read once).
pub fn common_delimiter<'a>(rules: impl IntoIterator<Item = &'a ColumnarRules>) -> Result<Vec<u8>> {
    let mut chosen: Option<&[u8]> = None;
    for r in rules {
        if r.delimiter.as_deref().is_some_and(|d| !d.is_empty()) {
            match chosen {
                Some(d) if d != r.delimiter_bytes() => {
                    return Err(Error::Config(
                        "the rules set different `delimiter`s, but the input is read once with one delimiter".into(),
                    ));
                }
                _ => chosen = Some(r.delimiter_bytes()),
            }
        }
    }
    Ok(chosen.unwrap_or(b",").to_vec())
}

/// Sanitizes `input` into every sink in one pass.
///
/// # Errors
/// Rules that do not fit the header (exit 2), a bad row or bytes (exit 1), or I/O.
/// On error no output is committed.
pub fn run<R: Read>(
    input: R,
    name: &str,
    pseudonymizer: &Pseudonymizer,
    sinks: Vec<Sink<'_>>,
    options: &Options<'_>,
) -> Result<Summary> {
    let delimiter = common_delimiter(sinks.iter().map(|s| s.rules))?;
    let mut reader = Reader::new(input, name, &delimiter).with_limits(options.limits);
    let mut batch = Batch::default();
    // An empty input has no header: psoxy still writes the columns its rules create.
    let (names, line) = read_header(&mut reader, &mut batch)?.unwrap_or((Vec::new(), 1));
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for sink in &sinks {
        match Plan::bind(sink.rules, &names, name, line, options.columns) {
            Ok(p) => plans.push(p),
            // The same problem in two outputs' rules is told once.
            Err(Error::Header { problems: p, .. }) => {
                for problem in p {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Header {
            file: name.into(),
            line,
            problems,
        });
    }
    let eol = reader.line_ending();
    // The clear columns of each output the guard looks at (none when it is off).
    let clear: Vec<Vec<usize>> = sinks
        .iter()
        .zip(&plans)
        .map(|(sink, plan)| match sink.scan && options.pii_guard != PiiGuard::Off {
            true => plan.clear_columns(),
            false => Vec::new(),
        })
        .collect();
    let mut outputs: Vec<Box<dyn Output>> = Vec::new();
    let mut summaries = Vec::new();
    let result = (|| {
        for (sink, plan) in sinks.into_iter().zip(&plans) {
            outputs.push((sink.open)()?);
            summaries.push(OutputSummary {
                columns: plan.columns.len(),
                pseudonymized: plan.pseudonymized_columns(),
                warnings: warnings(
                    plan,
                    sink.scan && options.pii_guard != PiiGuard::Off,
                    &options.pii_allow,
                ),
                findings: Vec::new(),
                bytes: 0,
                digest: 0,
                location: sink.location,
            });
        }
        let plans: Vec<&Plan> = plans.iter().collect();
        let level = options.gzip_level.unwrap_or(gzip::DEFAULT_LEVEL);
        let levels: Vec<Option<u32>> = outputs.iter().map(|o| o.gzip().then_some(level)).collect();
        let mut writer = Writer {
            outputs: &mut outputs,
            members: levels.iter().map(|l| l.map(|_| gzip::Member::default())).collect(),
            summaries: &summaries,
            tally: Tally::default(),
            digests: levels.iter().map(|_| Digest::default()).collect(),
        };
        let eol_bytes = eol.map_or(&b""[..], LineEnding::as_bytes);
        let mut head = Work::default();
        for (i, plan) in plans.iter().enumerate() {
            head.text.push(Vec::new());
            push_header(&mut head.text[i], &plan.header(), eol_bytes);
        }
        head.encode(&levels, &mut Vec::new());
        writer.start()?;
        writer.write(&head)?;
        let header_names = names.as_slice();
        let rows = copy_rows(
            &mut reader,
            &mut batch,
            &plans,
            &clear,
            &mut writer,
            &levels,
            header_names,
            eol,
            pseudonymizer,
            name,
            options,
        )?;
        writer.finish()?;
        Ok((rows, writer.tally, writer.digests))
    })();
    let result = result.and_then(|(rows, tally, digests)| {
        for (i, (summary, digest)) in summaries.iter_mut().zip(digests).enumerate() {
            summary.findings = tally.findings(i, &plans[i], &options.pii_allow);
            summary.bytes = digest.len();
            summary.digest = digest.value();
        }
        let found: Vec<(String, Finding)> = summaries
            .iter()
            .flat_map(|s| s.findings.iter().map(|f| (s.location.clone(), f.clone())))
            .collect();
        if options.pii_guard == PiiGuard::Fail && !found.is_empty() {
            return Err(Error::Pii {
                file: name.to_owned(),
                findings: found,
            });
        }
        Ok(rows)
    });
    // Every output is prepared (written out, synced, uploaded) before any is published, so
    // a failure in one at the end leaves none behind.
    let prepared = result.and_then(|rows| outputs.iter_mut().try_for_each(|out| out.prepare()).map(|()| rows));
    let rows = match prepared {
        Ok(rows) => rows,
        Err(e) => {
            for out in outputs {
                out.abort();
            }
            return Err(e);
        }
    };
    for out in outputs {
        out.commit()?;
    }
    Ok(Summary {
        input: name.to_owned(),
        rows,
        input_bytes: reader.bytes_read(),
        outputs: summaries,
    })
}

/// The warnings of one output: its plan's, and, for an output the guard scans, each
/// `--pii-allow` column it does not have (a typo there accepts nothing).
fn warnings(plan: &Plan, scanned: bool, allow: &[(String, pii::Kind)]) -> Vec<String> {
    let mut warnings = plan.warnings();
    if scanned {
        for (column, kind) in allow {
            if !plan.columns.iter().any(|c| java::equals_ignore_case(&c.name, column)) {
                warnings.push(format!(
                    "--pii-allow `{}:{kind}`: the output has no column `{}`, so it accepts nothing",
                    crate::escape::name(column),
                    crate::escape::name(column)
                ));
            }
        }
    }
    warnings
}

/// Turns one batch into one buffer per output. Shared read-only by the workers.
struct Sanitizer<'a> {
    plans: &'a [&'a Plan],
    header: &'a [String],
    eol: &'a [u8],
    pseudonymizer: &'a Pseudonymizer,
    name: &'a str,
    shuffle_seed: Option<u64>,
    /// gzip level per output, `None` for plain ones.
    levels: &'a [Option<u32>],
    /// Per output, the clear columns the PII guard scans.
    clear: &'a [Vec<usize>],
}

/// A batch and what it became for each output, passed between threads and reused: the text
/// of its rows, and for a gzip output that text deflated.
#[derive(Default)]
struct Work {
    batch: Batch,
    text: Vec<Vec<u8>>,
    gzipped: Vec<gzip::Chunk>,
    /// Cells of clear columns where the PII guard found something.
    hits: Vec<Hit>,
}

/// One clear cell holding personal data.
struct Hit {
    output: usize,
    column: usize,
    kinds: u8,
    line: u64,
}

/// Counts of what the guard found, per output, column and kind, with the first lines.
#[derive(Default)]
struct Tally {
    counts: std::collections::BTreeMap<(usize, usize, pii::Kind), (u64, Vec<u64>)>,
}

impl Tally {
    /// Adds a batch's hits (batches come in input order, so the first lines are the first).
    fn add(&mut self, hits: &[Hit]) {
        for hit in hits {
            for kind in pii::Kind::ALL {
                if hit.kinds & kind.bit() != 0 {
                    let (cells, lines) = self.counts.entry((hit.output, hit.column, kind)).or_default();
                    *cells += 1;
                    if lines.len() < 3 {
                        lines.push(hit.line);
                    }
                }
            }
        }
    }

    /// The findings of one output, in column order, minus the allowed ones.
    fn findings(&self, output: usize, plan: &Plan, allow: &[(String, pii::Kind)]) -> Vec<Finding> {
        self.counts
            .range((output, 0, pii::Kind::ALL[0])..)
            .take_while(|((o, _, _), _)| *o == output)
            .map(|((_, column, kind), (cells, lines))| Finding {
                column: plan.columns[*column].name.clone(),
                kind: *kind,
                cells: *cells,
                lines: lines.clone(),
            })
            .filter(|f| {
                !allow
                    .iter()
                    .any(|(c, k)| *k == f.kind && java::equals_ignore_case(c, &f.column))
            })
            .collect()
    }
}

impl Work {
    /// Deflates the text of every gzip output (`levels[i]` is `Some`), on this thread.
    fn encode(&mut self, levels: &[Option<u32>], deflaters: &mut Vec<Option<gzip::Deflater>>) {
        self.gzipped.resize_with(levels.len(), gzip::Chunk::default);
        deflaters.resize_with(levels.len(), || None);
        for (i, level) in levels.iter().enumerate() {
            if let Some(level) = *level {
                let deflater = deflaters[i].get_or_insert_with(|| gzip::Deflater::new(level));
                deflater.deflate(&self.text[i], &mut self.gzipped[i]);
            }
        }
    }
}

/// The writing end: every output in order, with the gzip member of those that want one.
struct Writer<'a> {
    outputs: &'a mut [Box<dyn Output>],
    members: Vec<Option<gzip::Member>>,
    summaries: &'a [OutputSummary],
    tally: Tally,
    /// Of the bytes as stored, per output.
    digests: Vec<Digest>,
}

impl Writer<'_> {
    /// Writes the gzip headers.
    fn start(&mut self) -> Result<()> {
        for i in 0..self.outputs.len() {
            if self.members[i].is_some() {
                self.put(i, &gzip::HEADER)?;
            }
        }
        Ok(())
    }

    /// Writes bytes as stored to output `i`.
    fn put(&mut self, i: usize, bytes: &[u8]) -> Result<()> {
        self.digests[i].update(bytes);
        write(&mut self.outputs[i], bytes, &self.summaries[i].location)
    }

    /// Appends one batch to every output.
    fn write(&mut self, work: &Work) -> Result<()> {
        self.tally.add(&work.hits);
        for i in 0..self.outputs.len() {
            let bytes = match &mut self.members[i] {
                Some(member) => {
                    member.add(&work.gzipped[i]);
                    &work.gzipped[i].bytes
                }
                None => &work.text[i],
            };
            self.put(i, bytes)?;
        }
        Ok(())
    }

    /// Writes the gzip trailers.
    fn finish(&mut self) -> Result<()> {
        for i in 0..self.outputs.len() {
            if let Some(trailer) = self.members[i].as_ref().map(gzip::Member::trailer) {
                self.put(i, &trailer)?;
            }
        }
        Ok(())
    }
}

impl Sanitizer<'_> {
    /// Checks every row's width, then writes the batch (shuffled when asked, seeded by its
    /// sequence number so the thread count never changes the output) as each output's text,
    /// deflated for the gzip outputs.
    fn batch(&self, seq: u64, work: &mut Work, scratch: &mut Scratch) -> Result<()> {
        let Work {
            batch, text: out, hits, ..
        } = work;
        for row in batch.rows() {
            check_width(row, self.header.len(), self.header).map_err(|kind| Error::Data {
                file: self.name.into(),
                line: row.line(),
                kind,
            })?;
        }
        let mut order: Vec<usize> = (0..batch.len()).collect();
        if let Some(seed) = self.shuffle_seed {
            let mut rng = XorShift::new(seed ^ seq.wrapping_mul(0xA24B_AED4_963E_E407));
            for block in order.chunks_mut(SHUFFLE_BLOCK) {
                rng.shuffle(block);
            }
        }
        out.resize_with(self.plans.len(), Vec::new);
        out.iter_mut().for_each(Vec::clear);
        hits.clear();
        // Row by row across outputs, so a value both outputs pseudonymize hits the cache.
        for &i in &order {
            let row = batch.row(i);
            for (plan, buffer) in self.plans.iter().zip(out.iter_mut()) {
                write_row(plan, row, self.pseudonymizer, buffer, scratch).map_err(|kind| Error::Data {
                    file: self.name.into(),
                    line: row.line(),
                    kind,
                })?;
                buffer.extend_from_slice(self.eol);
            }
            for (output, columns) in self.clear.iter().enumerate() {
                for &column in columns {
                    let kinds = self.scan_cell(self.plans[output], column, row, scratch);
                    if kinds != 0 {
                        hits.push(Hit {
                            output,
                            column,
                            kinds,
                            line: row.line(),
                        });
                    }
                }
            }
        }
        work.encode(self.levels, &mut scratch.deflaters);
        Ok(())
    }
}

impl Sanitizer<'_> {
    /// The kinds of personal data in one clear output cell: the input value as written, or
    /// a transform's result (computed again: transforms without a pseudonymization are rare).
    fn scan_cell(&self, plan: &Plan, column: usize, row: Row<'_>, scratch: &mut Scratch) -> u8 {
        let column = &plan.columns[column];
        let value = column.source.and_then(|s| row.get_str(s)).unwrap_or("");
        if is_blank(value) {
            return 0;
        }
        match &column.action {
            Action::Chain(funcs) => match chain(funcs, value, plan, self.pseudonymizer, &mut scratch.bytes) {
                Ok(Some(result)) => pii::scan(result.as_bytes()),
                _ => 0,
            },
            _ => pii::scan(value.as_bytes()),
        }
    }
}

/// The row loop: every batch to every output, in input order. Returns the rows copied.
/// With more than one thread, the calling thread reads, `threads` workers sanitize (and
/// deflate, for gzip outputs) and one thread writes in order; a fixed pool of batches keeps
/// memory flat.
#[allow(clippy::too_many_arguments)]
fn copy_rows<R: Read>(
    reader: &mut Reader<R>,
    batch: &mut Batch,
    plans: &[&Plan],
    clear: &[Vec<usize>],
    writer: &mut Writer<'_>,
    levels: &[Option<u32>],
    header: &[String],
    eol: Option<LineEnding>,
    pseudonymizer: &Pseudonymizer,
    name: &str,
    options: &Options<'_>,
) -> Result<u64> {
    let sanitizer = Sanitizer {
        plans,
        header,
        eol: eol.unwrap_or(LineEnding::Lf).as_bytes(),
        pseudonymizer,
        name,
        shuffle_seed: options.shuffle_seed,
        levels,
        clear,
    };
    let cancelled = || {
        options
            .cancel
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
    };
    let mut read = |batch: &mut Batch| {
        if cancelled() {
            return Err(Error::Interrupted);
        }
        reader.read_batch(batch, BATCH_ROWS).map_err(|e| name_column(e, header))
    };
    if plans.is_empty() {
        // Drain the input even when there is nothing to write, so that bad bytes still fail.
        while read(batch)? {}
        return Ok(0);
    }
    let threads = options.threads.max(1);
    if threads == 1 {
        let (mut rows, mut seq) = (0u64, 0u64);
        let (mut work, mut scratch) = (Work::default(), Scratch::default());
        std::mem::swap(&mut work.batch, batch);
        while read(&mut work.batch)? {
            sanitizer.batch(seq, &mut work, &mut scratch)?;
            writer.write(&work)?;
            rows += work.batch.len() as u64;
            seq += 1;
            if let Some(progress) = options.progress {
                progress(rows);
            }
        }
        return Ok(rows);
    }

    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Work)>(threads * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Result<Work>)>(threads * 2);
    // A fixed pool of batches and buffers circulates reader → worker → writer → reader, so
    // memory is bounded by the pool, however far one worker falls behind the others: two per
    // worker (one in hand, one queued), one being read and one being written.
    let pool = threads * 2 + 2;
    let (recycle_tx, recycle_rx) = mpsc::channel::<Work>();
    for _ in 0..pool {
        recycle_tx.send(Work::default()).expect("the receiver is alive");
    }
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, done_tx, sanitizer) = (Arc::clone(&work_rx), done_tx.clone(), &sanitizer);
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let job = work_rx.lock().map_err(|_| ()).and_then(|rx| rx.recv().map_err(|_| ()));
                    let Ok((seq, mut work)) = job else { return };
                    // A panic becomes an error for the writer: otherwise its batch never comes
                    // back to the pool and the reader waits for it forever.
                    let run = AssertUnwindSafe(|| sanitizer.batch(seq, &mut work, &mut scratch));
                    let result = std::panic::catch_unwind(run)
                        .unwrap_or_else(|_| Err(Error::Config("a worker thread panicked".into())))
                        .map(|()| work);
                    if done_tx.send((seq, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((done_tx, work_rx));
        let writing = scope.spawn(move || -> Result<u64> {
            let (mut rows, mut next) = (0u64, 0u64);
            let mut pending = std::collections::BTreeMap::new();
            for (seq, result) in done_rx {
                pending.insert(seq, result?);
                while let Some(work) = pending.remove(&next) {
                    writer.write(&work)?;
                    rows += work.batch.len() as u64;
                    next += 1;
                    if let Some(progress) = options.progress {
                        progress(rows);
                    }
                    let _ = recycle_tx.send(work);
                }
            }
            Ok(rows)
        });
        let mut seq = 0u64;
        let reading = loop {
            let Ok(mut next) = recycle_rx.recv() else {
                break Ok(()); // the writer stopped: its error is the one to report
            };
            match read(&mut next.batch) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
            if work_tx.send((seq, next)).is_err() {
                break Ok(()); // the writer stopped: its error is the one to report
            }
            seq += 1;
        };
        drop(work_tx);
        let written = writing
            .join()
            .unwrap_or_else(|_| Err(Error::Config("writer thread panicked".into())));
        reading.and(written)
    })
}

/// Names the column of a UTF-8 error now that the header is known.
fn name_column(mut err: Error, header: &[String]) -> Error {
    if let Error::Data {
        kind: DataError::InvalidUtf8 { field, column },
        ..
    } = &mut err
    {
        *column = header.get(*field).map(|h| crate::escape::name(h));
    }
    err
}

fn write(out: &mut Box<dyn Output>, bytes: &[u8], location: &str) -> Result<()> {
    out.write_all(bytes)
        .map_err(|e| Error::io(format!("writing {location}"), e))
}

/// A short row is always an error; a long row only if the extra fields hold something
/// (trailing delimiters are common and harmless; anything else is a shifted row).
fn check_width(row: Row<'_>, width: usize, header: &[String]) -> std::result::Result<(), DataError> {
    if row.len() < width {
        return Err(DataError::ShortRow {
            expected: width,
            found: row.len(),
            column: crate::escape::name(&header[row.len()]),
        });
    }
    if row.len() > width && row.iter().skip(width).any(|f| !f.is_empty()) {
        return Err(DataError::ExtraFields {
            expected: width,
            found: row.len(),
        });
    }
    Ok(())
}

/// Per-thread working memory: a byte buffer, the pseudonym cache and a deflater per gzip
/// output.
#[derive(Default)]
pub struct Scratch {
    bytes: Vec<u8>,
    cache: PseudonymCache,
    deflaters: Vec<Option<gzip::Deflater>>,
}

/// Writes one sanitized row (without line ending) to `out`.
///
/// # Errors
/// A regex of a transform ran out of its backtracking budget on a value of this row; the
/// error names the output column.
pub fn write_row(
    plan: &Plan,
    row: Row<'_>,
    pseudonymizer: &Pseudonymizer,
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
) -> std::result::Result<(), DataError> {
    for (i, column) in plan.columns.iter().enumerate() {
        let first = i == 0;
        let value = column.source.and_then(|s| row.get_str(s)).unwrap_or("");
        if is_blank(value) {
            push_field(out, None, first);
            continue;
        }
        match &column.action {
            Action::Copy => push_field(out, Some(value.as_bytes()), first),
            Action::Pseudonymize => {
                let pseudonym = pseudonymizer.pseudonymize_cached(value, plan.format, &mut scratch.cache);
                push_pseudonym(out, pseudonym, plan.format == PseudonymFormat::Json, first);
            }
            Action::Chain(funcs) => {
                let result = chain(funcs, value, plan, pseudonymizer, &mut scratch.bytes).map_err(|_| {
                    DataError::RegexTooComplex {
                        column: crate::escape::name(&column.name),
                        rule: column.origin.join(" + "),
                    }
                })?;
                push_field(out, result.as_deref().map(str::as_bytes), first);
            }
        }
    }
    Ok(())
}

/// psoxy's `StringUtils.isBlank`: a blank cell is written as null (empty, never quoted).
/// Values are trimmed of everything up to U+0020 already, so only one starting with a
/// multi-byte Java space (U+1680, U+2000.., U+3000) needs the full check.
fn is_blank(value: &str) -> bool {
    match value.as_bytes().first() {
        None => true,
        Some(0xE1..=0xE3) => java::is_blank(value),
        Some(_) => false,
    }
}

/// Applies functions in order; once the value is null, it stays null. A blank value reaching
/// a pseudonymization is left as it is (psoxy hashes only non-blank values).
fn chain(
    funcs: &[Func],
    value: &str,
    plan: &Plan,
    pz: &Pseudonymizer,
    scratch: &mut Vec<u8>,
) -> std::result::Result<Option<String>, Exhausted> {
    let mut current = value.to_owned();
    let pseudonymize = |v: String, scratch: &mut Vec<u8>| {
        if java::is_blank(&v) {
            return v;
        }
        scratch.clear();
        pz.pseudonymize(&v, plan.format, scratch);
        String::from_utf8(scratch.clone()).expect("pseudonyms are ASCII")
    };
    for func in funcs {
        current = match func {
            Func::Pseudonymize => pseudonymize(current, scratch),
            Func::Pipeline(steps) => {
                let mut v = current;
                for step in steps {
                    v = match step {
                        transform::Step::Pseudonymize => pseudonymize(v, scratch),
                        other => match transform::apply(other, &v)? {
                            Some(next) => next,
                            None => return Ok(None),
                        },
                    };
                }
                v
            }
        };
    }
    Ok(Some(current))
}

/// A tiny seeded PRNG for psoxy-style block shuffling (not for anything secret).
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::MemoryOutput;
    use crate::pseudonym::{Options as PzOptions, Secrets};
    use crate::rules::Rules;

    /// Options that read files as psoxy does, rule columns absent or not (these tests are
    /// about other things; the refusals have tests of their own in `plan`).
    fn psoxy() -> Options<'static> {
        Options {
            columns: ColumnPolicy {
                strict: false,
                allow_absent: true,
            },
            ..Options::default()
        }
    }

    fn pz() -> Pseudonymizer {
        let secrets = Secrets {
            salt: b"salt".to_vec(),
            ..Secrets::default()
        };
        Pseudonymizer::new(&secrets, PzOptions::default()).unwrap()
    }

    fn columnar(yaml: &str) -> ColumnarRules {
        match Rules::from_yaml(yaml, "r.yaml").unwrap() {
            Rules::Columnar(c) => c,
            Rules::MultiType(_) => panic!(),
        }
    }

    fn sanitize(input: &str, yamls: &[&str], options: &Options<'_>) -> Result<Vec<String>> {
        let rules: Vec<ColumnarRules> = yamls.iter().map(|y| columnar(y)).collect();
        let outs: Vec<MemoryOutput> = rules.iter().map(|_| MemoryOutput::default()).collect();
        let sinks = rules
            .iter()
            .zip(&outs)
            .map(|(r, o)| {
                let o = o.clone();
                Sink {
                    rules: r,
                    location: "mem".into(),
                    open: Box::new(move || Ok(Box::new(o) as Box<dyn Output>)),
                    scan: false,
                }
            })
            .collect();
        run(input.as_bytes(), "in.csv", &pz(), sinks, options)?;
        Ok(outs.iter().map(|o| String::from_utf8(o.bytes()).unwrap()).collect())
    }

    /// BOM and quoting variants under every line ending and delimiter (`testdata/dialect/`):
    /// 0 to 3 byte-order marks, a final newline or none, the last field plain, quoted, quoted
    /// with spaces and an escaped quote, spanning lines, or an empty quoted string; each row
    /// holds psoxy's output (see `testdata/golden/INDEX.md`, source "psoxy").
    #[test]
    fn every_line_ending_delimiter_bom_and_quoting_matches_psoxy() {
        use crate::java::tests::unescape;
        let table = include_str!("../testdata/dialect/cases.tsv");
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (delimiter, data, want) = (unescape(fields[0]), unescape(fields[1]), unescape(fields[2]));
            let yaml = format!("delimiter: {delimiter:?}\ncolumnsToPseudonymize: [id]\n");
            let got = sanitize(&data, &[&yaml], &psoxy()).map(|mut outs| outs.remove(0));
            assert_eq!(got.ok(), Some(want), "delimiter {:?}, input {:?}", delimiter, data);
            checked += 1;
        }
        assert_eq!(checked, 480);
    }

    #[test]
    fn gzip_outputs_are_one_member_whatever_the_threads() {
        let input = String::from_utf8({
            let mut v = Vec::new();
            crate::generate::write_hris(&mut v, 20_000, 3).unwrap();
            v
        })
        .unwrap();
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID]\n");
        let plain = sanitize(&input, &["columnsToPseudonymize: [EMPLOYEE_ID]\n"], &psoxy()).unwrap();
        for threads in [1, 2, 3] {
            for level in [None, Some(0), Some(6)] {
                let out = MemoryOutput::gzip();
                let sink = Sink {
                    rules: &rules,
                    location: "mem.gz".into(),
                    open: Box::new({
                        let out = out.clone();
                        move || Ok(Box::new(out) as Box<dyn Output>)
                    }),
                    scan: false,
                };
                let options = Options {
                    threads,
                    gzip_level: level,
                    ..psoxy()
                };
                run(input.as_bytes(), "in.csv", &pz(), vec![sink], &options).unwrap();
                let gz = out.bytes();
                let mut one_member = flate2::bufread::GzDecoder::new(&gz[..]);
                let mut text = String::new();
                std::io::Read::read_to_string(&mut one_member, &mut text).unwrap();
                assert!(one_member.into_inner().is_empty(), "one member");
                assert_eq!(text, plain[0], "threads {threads}, level {level:?}");
            }
        }
    }

    #[test]
    fn g6_mixed_line_endings_use_the_first_everywhere() {
        let out = sanitize(
            "foo,bar\r\n1,2\r\n1,2\n1,2\n",
            &["columnsToPseudonymize: [foo]\n"],
            &psoxy(),
        )
        .unwrap();
        let row = "\"{\"\"hash\"\"\":\"\"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\"\"}\",2\r\n";
        let row = row.replace("\"\"\":", "\"\":");
        assert_eq!(out[0], format!("foo,bar\r\n{row}{row}{row}"));
    }

    #[test]
    fn one_pass_feeds_the_sanitized_output_and_the_lookup() {
        let main = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [SALARY]\n";
        let lookup = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\n\
                      columnsToInclude: [EMPLOYEE_ID]\ncolumnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";
        let out = sanitize("EMPLOYEE_ID,SALARY\n1,100\n,200\n", &[main, lookup], &psoxy()).unwrap();
        assert_eq!(out[0], "EMPLOYEE_ID\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\n\n");
        assert_eq!(
            out[1],
            "EMPLOYEE_ID,EMPLOYEE_ID_ORIG\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,1\n,\n"
        );
    }

    /// Remembers whether it was published or discarded; its `prepare` can be made to fail.
    struct Recorder {
        fail_prepare: bool,
        state: Arc<Mutex<&'static str>>,
    }

    impl std::io::Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Output for Recorder {
        fn prepare(&mut self) -> Result<()> {
            *self.state.lock().unwrap() = "prepared";
            if self.fail_prepare {
                return Err(Error::io("writing out2.csv", std::io::Error::other("disk full")));
            }
            Ok(())
        }

        fn commit(self: Box<Self>) -> Result<()> {
            *self.state.lock().unwrap() = "committed";
            Ok(())
        }

        fn abort(self: Box<Self>) {
            *self.state.lock().unwrap() = "aborted";
        }
    }

    #[test]
    fn every_output_is_prepared_before_any_is_published() {
        let rules = columnar("columnsToRedact: [b]\n");
        for fail_second in [false, true] {
            let states: Vec<_> = (0..2).map(|_| Arc::new(Mutex::new("open"))).collect();
            let sinks = states
                .iter()
                .enumerate()
                .map(|(i, state)| {
                    let (state, fail_prepare) = (Arc::clone(state), fail_second && i == 1);
                    Sink {
                        rules: &rules,
                        location: format!("out{}.csv", i + 1),
                        open: Box::new(move || Ok(Box::new(Recorder { fail_prepare, state }) as Box<dyn Output>)),
                        scan: false,
                    }
                })
                .collect();
            let result = run("a,b\n1,2\n".as_bytes(), "in.csv", &pz(), sinks, &psoxy());
            let states: Vec<&str> = states.iter().map(|s| *s.lock().unwrap()).collect();
            if fail_second {
                let message = result.unwrap_err().to_string();
                assert!(
                    message.contains("writing out2.csv") && message.contains("disk full"),
                    "{message}"
                );
                assert_eq!(states, ["aborted", "aborted"]);
            } else {
                assert_eq!(result.unwrap().rows, 1);
                assert_eq!(states, ["committed", "committed"]);
            }
        }
    }

    #[test]
    fn header_only_and_empty_inputs() {
        let rules = ["columnsToRedact: [x]\n"];
        assert_eq!(sanitize("a,b", &rules, &psoxy()).unwrap(), ["a,b"]);
        assert_eq!(sanitize("a,b\n", &rules, &psoxy()).unwrap(), ["a,b\n"]);
        assert_eq!(sanitize("", &rules, &psoxy()).unwrap(), [""]);
        assert_eq!(sanitize("a,b\n1,2", &rules, &psoxy()).unwrap(), ["a,b\n1,2\n"]);
    }

    #[test]
    fn short_and_shifted_rows_fail_with_their_line() {
        let rules = ["columnsToRedact: [x]\n"];
        let err = sanitize("a,b,c\n1,2,3\n1,2\n", &rules, &psoxy()).unwrap_err();
        assert_eq!(err.to_string().split(':').next().unwrap(), "in.csv line 3");
        assert!(matches!(
            err,
            Error::Data {
                kind: DataError::ShortRow { .. },
                ..
            }
        ));
        let err = sanitize("a,b\n1,2,SECRET\n", &rules, &psoxy()).unwrap_err();
        assert!(matches!(
            err,
            Error::Data {
                line: 2,
                kind: DataError::ExtraFields { .. },
                ..
            }
        ));
        assert!(!err.to_string().contains("SECRET"));
        assert_eq!(sanitize("a,b\n1,2,\n", &rules, &psoxy()).unwrap(), ["a,b\n1,2\n"]);
    }

    #[test]
    fn pipelines_follow_psoxy_and_null_stays_null() {
        let yaml = "fieldsToTransform:\n  EMAIL:\n    newName: GH\n    transforms:\n      - filter: '(.*)@.*'\n      - formatString: '%s_enterprise'\n      - pseudonymize: true\n";
        let out = sanitize("EMAIL\nalice@worklytics.co\nnot-an-email\n", &[yaml], &psoxy()).unwrap();
        assert_eq!(
            out[0],
            "EMAIL,GH\nalice@worklytics.co,\"{\"\"hash\"\":\"\"sbIXAryuJzPz0dxRh4swzuxCY9_ZetgbAQlcrI-W30g\"\"}\"\nnot-an-email,\n"
        );
    }

    #[test]
    fn shuffle_permutes_within_blocks_and_keeps_every_row() {
        let mut input = String::from("n\n");
        for i in 0..1200 {
            input.push_str(&format!("{i}\n"));
        }
        let options = Options {
            shuffle_seed: Some(7),
            ..psoxy()
        };
        let out = sanitize(&input, &["columnsToRedact: [x]\n"], &options).unwrap();
        let rows: Vec<usize> = out[0].lines().skip(1).map(|l| l.parse().unwrap()).collect();
        assert_ne!(rows, (0..1200).collect::<Vec<_>>());
        assert!(rows[..500].iter().all(|&r| r < 500), "blocks of 500 stay blocks");
        let mut sorted = rows.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1200).collect::<Vec<_>>());
    }

    #[test]
    fn threads_never_change_the_output_even_shuffled() {
        let mut input = Vec::new();
        crate::generate::write_hris(&mut input, 30_000, 9).unwrap();
        let input = String::from_utf8(input).unwrap();
        let rules = [
            "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID, MANAGER_EMAIL]\n",
            "columnsToInclude: [EMPLOYEE_ID]\n",
        ];
        for seed in [None, Some(3)] {
            let with = |threads| {
                let options = Options {
                    threads,
                    shuffle_seed: seed,
                    ..psoxy()
                };
                sanitize(&input, &rules, &options).unwrap()
            };
            let one = with(1);
            assert_eq!(one[0].lines().count(), 30_001);
            assert_eq!(with(2), one, "seed {seed:?}");
            assert_eq!(with(5), one, "seed {seed:?}");
        }
    }

    #[test]
    fn a_late_error_in_parallel_mode_names_its_line() {
        let mut input = Vec::new();
        crate::generate::write_hris(&mut input, 20_000, 9).unwrap();
        input.extend_from_slice(b"2024-07-01,E1\n");
        let options = Options { threads: 3, ..psoxy() };
        let err = sanitize(
            std::str::from_utf8(&input).unwrap(),
            &["columnsToRedact: [SALARY]\n"],
            &options,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Data {
                    line: 20_002,
                    kind: DataError::ShortRow { .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn differing_delimiters_are_refused() {
        let err = sanitize("a\n1\n", &["delimiter: ';'\n", "delimiter: '|'\n"], &psoxy()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
