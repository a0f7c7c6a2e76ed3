//! Bytes in and out, whatever stores them: an input stream gunzipped when it is gzip, and
//! the [`Output`] every destination implements (local files in [`crate::local`], S3 objects
//! in the `aws` adapter, memory here).
//!
//! Inputs are sniffed for the gzip magic bytes (a CSV can never start with `1f 8b`), so
//! `.gz` files, gzip on stdin and psoxy's `Content-Encoding: gzip` all just work. Outputs
//! named `*.gz` are gzip-compressed. An output becomes visible only when committed.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::mpsc;

use flate2::bufread::MultiGzDecoder;

use crate::error::{Error, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Buffer size of inputs and local outputs.
pub(crate) const READ_BUFFER: usize = 1 << 20;

/// A destination that becomes visible only when committed.
pub trait Output: Write + Send {
    /// Does everything that can fail short of publishing: writes out compression and buffers,
    /// syncs a file, sends an upload's last parts. A run prepares every output before it
    /// commits any, so a late failure in one output publishes none of them.
    ///
    /// # Errors
    /// Any failure to flush, sync or upload; the caller then aborts.
    fn prepare(&mut self) -> Result<()> {
        Ok(())
    }

    /// Publishes the output (renames the temp file into place, completes the upload).
    ///
    /// # Errors
    /// Any failure to flush, sync or rename; the output is then removed.
    fn commit(self: Box<Self>) -> Result<()>;

    /// Discards everything written (dropping does the same, best effort).
    fn abort(self: Box<Self>) {}

    /// True when [`Output::commit`] can fail after publishing part of the output (a stream
    /// written only at commit, which cannot be taken back). A run commits such outputs
    /// before the others, so that their failure publishes nothing else.
    fn commits_partially(&self) -> bool {
        false
    }

    /// True when the bytes written must be a gzip stream (an output named `*.gz`, an S3
    /// object with `Content-Encoding: gzip`). The output stores bytes as given: the writer
    /// compresses them (on every core, as pigz does), so that compression can run on every core.
    fn gzip(&self) -> bool {
        false
    }
}

/// An input stream with the name used in messages and its size when known.
pub struct Input {
    /// The decoded (gunzipped) bytes.
    pub reader: Box<dyn Read + Send>,
    /// Name for messages (the path, or `<stdin>`).
    pub name: String,
    /// Size in bytes of the stored (possibly compressed) input, when known.
    pub size: Option<u64>,
    /// How many stored bytes have been read so far (for progress).
    pub progress: CountHandle,
}

/// Shared counter of bytes read from the stored input.
#[derive(Clone, Default)]
pub struct CountHandle(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl CountHandle {
    /// Bytes read so far.
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

struct Counted<R> {
    inner: R,
    count: CountHandle,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.0.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Wraps a raw byte stream: counts it and gunzips it if it starts with the gzip magic.
///
/// # Errors
/// The first bytes cannot be read.
pub fn decode(raw: Box<dyn Read + Send>, name: &str, size: Option<u64>) -> Result<Input> {
    let progress = CountHandle::default();
    let counted = Counted {
        inner: raw,
        count: progress.clone(),
    };
    let mut buffered = BufReader::with_capacity(READ_BUFFER, counted);
    let head = buffered
        .fill_buf()
        .map_err(|e| Error::io(format!("reading {name}"), e))?;
    let reader: Box<dyn Read + Send> = if head.starts_with(&GZIP_MAGIC) {
        Box::new(Prefetched::start(GunzipErrors {
            inner: MultiGzDecoder::new(buffered),
        }))
    } else {
        Box::new(buffered)
    };
    Ok(Input {
        reader,
        name: name.to_owned(),
        size,
        progress,
    })
}

/// Reads on a thread of its own, a few chunks ahead: with gzip input, inflating takes about
/// as long as parsing, and this way the two run side by side instead of on the one reading
/// thread. Holds at most four chunks. The thread ends when the input does, on an error, or
/// when this reader is dropped (its next chunk finds no one to take it).
struct Prefetched {
    chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
    spent: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Prefetched {
    const CHUNK: usize = 1 << 20;

    fn start<R: Read + Send + 'static>(mut source: R) -> Self {
        let (tx, chunks) = mpsc::sync_channel::<io::Result<Vec<u8>>>(2);
        let (spent, reuse) = mpsc::sync_channel::<Vec<u8>>(2);
        std::thread::spawn(move || {
            loop {
                let mut chunk = reuse.try_recv().unwrap_or_default();
                chunk.resize(Self::CHUNK, 0);
                let mut filled = 0;
                let result = loop {
                    match source.read(&mut chunk[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                chunk.truncate(filled);
                let last = filled == 0 || result.is_err();
                if tx.send(result.map(|()| chunk)).is_err() || last {
                    return;
                }
            }
        });
        Prefetched {
            chunks,
            spent,
            current: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl Read for Prefetched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.current.len() {
            if self.done {
                return Ok(0);
            }
            let next = self
                .chunks
                .recv()
                .map_err(|_| io::Error::other("the input's reading thread stopped"))??;
            if next.is_empty() {
                self.done = true;
                return Ok(0);
            }
            let spent = std::mem::replace(&mut self.current, next);
            let _ = self.spent.try_send(spent);
            self.pos = 0;
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Makes a corrupt gzip stream an error that says so.
struct GunzipErrors<R> {
    inner: R,
}

impl<R: Read> Read for GunzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("gzip stream is corrupt or truncated: {e}")))
    }
}

/// An output that keeps nothing (`veil check --scan` reads a whole file for its findings).
pub struct DiscardOutput;

impl Write for DiscardOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Output for DiscardOutput {
    fn commit(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// An output held in memory (tests, benchmarks, the library example); clones share it.
#[derive(Default, Clone)]
pub struct MemoryOutput {
    bytes: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    gzip: bool,
}

impl MemoryOutput {
    /// An output that wants a gzip stream (as a `*.gz` file does).
    pub fn gzip() -> Self {
        MemoryOutput {
            gzip: true,
            ..MemoryOutput::default()
        }
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Write for MemoryOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Output for MemoryOutput {
    fn commit(self: Box<Self>) -> Result<()> {
        Ok(())
    }

    fn gzip(&self) -> bool {
        self.gzip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_detected_by_magic_bytes() {
        let mut gz = crate::gzip::Writer::new(Vec::new(), 1);
        gz.write_all(b"a,b\n1,2\n").unwrap();
        let bytes = gz.finish().unwrap();
        let mut input = decode(Box::new(io::Cursor::new(bytes)), "x", None).unwrap();
        let mut text = String::new();
        input.reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "a,b\n1,2\n");
    }

    #[test]
    fn gzip_input_is_read_whole_across_chunks_and_a_truncated_one_fails() {
        let text: Vec<u8> = (0..600_000u32).flat_map(|i| format!("{i},x\n").into_bytes()).collect();
        let mut gz = crate::gzip::Writer::new(Vec::new(), 1);
        gz.write_all(&text).unwrap();
        let bytes = gz.finish().unwrap();
        let mut input = decode(Box::new(io::Cursor::new(bytes.clone())), "x", None).unwrap();
        let mut got = Vec::new();
        input.reader.read_to_end(&mut got).unwrap();
        assert!(got == text, "{} bytes read of {}", got.len(), text.len());
        let truncated = bytes[..bytes.len() / 2].to_vec();
        let mut input = decode(Box::new(io::Cursor::new(truncated)), "x", None).unwrap();
        let err = input.reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(
            err.to_string().starts_with("gzip stream is corrupt or truncated"),
            "{err}"
        );
    }
}
