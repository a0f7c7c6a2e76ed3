//! The row loop: batches read in order, sanitized on worker threads (and deflated, for gzip
//! outputs), written in order by one writer, with a fixed pool of batches circulating so that
//! memory stays flat whatever the input's size. Also what the PII guard found, tallied.

use std::io::Read;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use javalang as java;
use veil_generate::Rng;

use crate::digest::Digest;
use crate::error::{DataError, Error, Result};
use crate::gzip;
use crate::io::Output;
use crate::options::RunOptions;
use crate::pii::{self, Finding};
use crate::plan::{Action, Plan};
use crate::pseudonym::Pseudonymizer;
use crate::reader::{Batch, LineEnding, Reader, Row};
use crate::row::{Scratch, chain, is_blank, write_row};
use crate::summary::OutputSummary;

/// Rows per batch: large enough to amortize per-batch work, small enough to stay in cache.
const BATCH_ROWS: usize = 4096;
/// psoxy shuffles rows within blocks of this many.
const SHUFFLE_BLOCK: usize = 500;

/// Turns one batch into one buffer per output. Shared read-only by the workers.
pub(crate) struct Sanitizer<'a> {
    pub(crate) plans: &'a [&'a Plan],
    pub(crate) header: &'a [String],
    pub(crate) eol: &'a [u8],
    pub(crate) pseudonymizer: &'a Pseudonymizer,
    pub(crate) name: &'a str,
    pub(crate) shuffle_seed: Option<u64>,
    /// gzip level per output, `None` for plain ones.
    pub(crate) levels: &'a [Option<u32>],
    /// Per output, the clear columns the PII guard scans.
    pub(crate) clear: &'a [Vec<usize>],
}

/// A batch and what it became for each output, passed between threads and reused: the text
/// of its rows, and for a gzip output that text deflated.
#[derive(Default)]
pub(crate) struct Work {
    pub(crate) batch: Batch,
    pub(crate) text: Vec<Vec<u8>>,
    pub(crate) gzipped: Vec<gzip::Chunk>,
    /// Cells of clear columns where the PII guard found something.
    pub(crate) hits: Vec<Hit>,
}

/// One clear cell holding personal data.
pub(crate) struct Hit {
    pub(crate) output: usize,
    pub(crate) column: usize,
    pub(crate) kinds: u8,
    pub(crate) line: u64,
}

/// Counts of what the guard found, per output, column and kind, with the first lines.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) counts: std::collections::BTreeMap<(usize, usize, pii::Kind), (u64, Vec<u64>)>,
}

impl Tally {
    /// Adds a batch's hits (batches come in input order, so the first lines are the first).
    pub(crate) fn add(&mut self, hits: &[Hit]) {
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
    pub(crate) fn findings(&self, output: usize, plan: &Plan, allow: &[(String, pii::Kind)]) -> Vec<Finding> {
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
    pub(crate) fn encode(&mut self, levels: &[Option<u32>], deflaters: &mut Vec<Option<gzip::Deflater>>) {
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
pub(crate) struct Writer<'a> {
    pub(crate) outputs: &'a mut [Box<dyn Output>],
    pub(crate) members: Vec<Option<gzip::Member>>,
    pub(crate) summaries: &'a [OutputSummary],
    pub(crate) tally: Tally,
    /// Of the bytes as stored, per output.
    pub(crate) digests: Vec<Digest>,
}

impl Writer<'_> {
    /// Writes the gzip headers.
    pub(crate) fn start(&mut self) -> Result<()> {
        for i in 0..self.outputs.len() {
            if self.members[i].is_some() {
                self.put(i, &gzip::HEADER)?;
            }
        }
        Ok(())
    }

    /// Writes bytes as stored to output `i`.
    pub(crate) fn put(&mut self, i: usize, bytes: &[u8]) -> Result<()> {
        self.digests[i].update(bytes);
        write(&mut self.outputs[i], bytes, &self.summaries[i].location)
    }

    /// Appends one batch to every output.
    pub(crate) fn write(&mut self, work: &Work) -> Result<()> {
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
    pub(crate) fn finish(&mut self) -> Result<()> {
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
    pub(crate) fn batch(&self, seq: u64, work: &mut Work, scratch: &mut Scratch) -> Result<()> {
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
            let mut rng = Rng::new(seed ^ seq.wrapping_mul(0xA24B_AED4_963E_E407));
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
    pub(crate) fn scan_cell(&self, plan: &Plan, column: usize, row: Row<'_>, scratch: &mut Scratch) -> u8 {
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
pub(crate) fn copy_rows<R: Read>(
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
    options: &RunOptions<'_>,
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
                        .unwrap_or_else(|_| Err(Error::Internal("a worker thread panicked".into())))
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
            .unwrap_or_else(|_| Err(Error::Internal("the writer thread panicked".into())));
        reading.and(written)
    })
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

pub(crate) fn write(out: &mut Box<dyn Output>, bytes: &[u8], location: &str) -> Result<()> {
    out.write_all(bytes)
        .map_err(|e| Error::io(format!("writing {location}"), e))
}
