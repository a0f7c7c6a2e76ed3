//! gzip outputs compressed on every core, as pigz does.
//!
//! Each batch is deflated on the worker that sanitized it, into blocks that end on a byte
//! boundary (a sync flush) and use no earlier data, so the writer only appends them. One
//! header opens and one trailer closes a single gzip member, whose CRC-32 is the batches'
//! CRCs combined. One member matters: some readers (Python's `zlib.decompress(data, 31)`,
//! flate2's `GzDecoder`) stop after the first member of a multi-member file.

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// The level when none is given: measured on the reference job (README, Performance), level
/// 1 is several times faster than 6 for a little more size, because pseudonyms are random and
/// compress poorly whatever the effort.
pub const DEFAULT_LEVEL: u32 = 1;

/// The gzip header: deflate, no name or time, unknown OS.
pub const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// The end of a deflate stream after a sync flush: an empty final block with fixed codes.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// A compressed piece of one output: deflate blocks ending on a byte boundary, and the
/// CRC-32 and length of the bytes they hold.
#[derive(Default, Clone)]
pub struct Chunk {
    /// The deflate blocks.
    pub bytes: Vec<u8>,
    /// CRC-32 of the uncompressed bytes.
    pub crc: crc32fast::Hasher,
    /// Length of the uncompressed bytes.
    pub len: u64,
}

/// A deflate compressor for independent chunks, one per worker and output.
pub struct Deflater {
    compress: Compress,
}

impl Deflater {
    /// A compressor at `level` (0-9).
    pub fn new(level: u32) -> Self {
        Deflater {
            compress: Compress::new(Compression::new(level), false),
        }
    }

    /// Deflates `data` into `chunk` (replacing what it held), independent of any earlier
    /// chunk and ending on a byte boundary.
    pub fn deflate(&mut self, data: &[u8], chunk: &mut Chunk) {
        chunk.bytes.clear();
        chunk.crc = crc32fast::Hasher::new();
        chunk.crc.update(data);
        chunk.len = data.len() as u64;
        if data.is_empty() {
            return;
        }
        self.compress.reset();
        chunk.bytes.reserve(data.len() / 2 + 64);
        loop {
            let consumed = self.compress.total_in() as usize;
            let status = self
                .compress
                .compress_vec(&data[consumed..], &mut chunk.bytes, FlushCompress::Sync)
                .expect("deflate takes any input");
            // Done once all input is in and the flush fitted (room left in the buffer).
            let room = chunk.bytes.len() < chunk.bytes.capacity();
            if self.compress.total_in() as usize == data.len() && room && status == Status::Ok {
                return;
            }
            chunk.bytes.reserve(chunk.bytes.capacity().max(4096));
        }
    }
}

/// One gzip member being written: [`HEADER`], the chunks in order, then [`Member::trailer`].
#[derive(Default)]
pub struct Member {
    crc: crc32fast::Hasher,
    len: u64,
}

impl Member {
    /// Counts a chunk about to be written.
    pub fn add(&mut self, chunk: &Chunk) {
        self.crc.combine(&chunk.crc);
        self.len += chunk.len;
    }

    /// The final block and the trailer: CRC-32 and length (mod 2^32) of everything added.
    pub fn trailer(&self) -> [u8; 10] {
        let mut out = [0u8; 10];
        out[..2].copy_from_slice(&FINAL_BLOCK);
        out[2..6].copy_from_slice(&self.crc.clone().finalize().to_le_bytes());
        out[6..].copy_from_slice(&(self.len as u32).to_le_bytes());
        out
    }
}

/// A gzip writer on one thread, for what does not go through the pipeline (`veil generate`):
/// the same member format, one chunk per `CHUNK` bytes.
pub struct Writer<W: Write> {
    inner: W,
    deflater: Deflater,
    member: Member,
    pending: Vec<u8>,
    chunk: Chunk,
    started: bool,
}

impl<W: Write> Writer<W> {
    const CHUNK: usize = 1 << 20;

    /// The level outputs are compressed at unless told otherwise: pseudonyms are random, so
    /// more effort buys little size (README, Performance).
    pub const DEFAULT_LEVEL: u32 = DEFAULT_LEVEL;

    /// Compresses into `inner` at `level`.
    pub fn new(inner: W, level: u32) -> Self {
        Writer {
            inner,
            deflater: Deflater::new(level),
            member: Member::default(),
            pending: Vec::with_capacity(Self::CHUNK),
            chunk: Chunk::default(),
            started: false,
        }
    }

    fn emit(&mut self) -> io::Result<()> {
        if !self.started {
            self.inner.write_all(&HEADER)?;
            self.started = true;
        }
        self.deflater.deflate(&self.pending, &mut self.chunk);
        self.member.add(&self.chunk);
        self.pending.clear();
        self.inner.write_all(&self.chunk.bytes)
    }

    /// Writes the rest and the trailer; returns the inner writer.
    ///
    /// # Errors
    /// Writing to the inner writer failed.
    pub fn finish(mut self) -> io::Result<W> {
        self.emit()?;
        self.inner.write_all(&self.member.trailer())?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(Self::CHUNK - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == Self::CHUNK {
            self.emit()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// A member of three independently deflated chunks, as the pipeline writes one.
    fn member(parts: &[&[u8]], level: u32) -> Vec<u8> {
        let mut out = HEADER.to_vec();
        let mut member = Member::default();
        let mut deflater = Deflater::new(level);
        let mut chunk = Chunk::default();
        for part in parts {
            deflater.deflate(part, &mut chunk);
            member.add(&chunk);
            out.extend_from_slice(&chunk.bytes);
        }
        out.extend_from_slice(&member.trailer());
        out
    }

    #[test]
    fn chunks_make_one_member_that_single_member_readers_read_whole() {
        let a = b"id,name\n".repeat(1000);
        let b: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i.wrapping_mul(2_654_435_761)).to_le_bytes())
            .collect();
        let c = b"tail\n".to_vec();
        for level in [0, 1, 6, 9] {
            let gz = member(&[&a, &b, &[], &c], level);
            // flate2's GzDecoder stops after the first member: it must see everything.
            let mut got = Vec::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut got).unwrap();
            assert_eq!(got, [a.as_slice(), &b, &c].concat(), "level {level}");
            // Nothing follows the one member.
            let mut decoder = flate2::bufread::GzDecoder::new(&gz[..]);
            std::io::copy(&mut decoder, &mut std::io::sink()).unwrap();
            assert!(decoder.into_inner().is_empty());
        }
    }

    #[test]
    fn the_writer_makes_the_same_format() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut w = Writer::new(Vec::new(), 1);
        w.write_all(&data).unwrap();
        let gz = w.finish().unwrap();
        let mut got = Vec::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
        let empty = Writer::new(Vec::new(), 6).finish().unwrap();
        let mut got = Vec::new();
        flate2::read::GzDecoder::new(&empty[..]).read_to_end(&mut got).unwrap();
        assert!(got.is_empty());
    }

    #[test]
    fn levels_are_checked() {}
}
