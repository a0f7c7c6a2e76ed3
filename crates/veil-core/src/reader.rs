//! Streaming CSV reader with psoxy's dialect (Apache Commons CSV as psoxy configures it).
//!
//! Why not the `csv` crate: psoxy's dialect differs in ways that change output bytes or
//! safety: multi-byte delimiters, Java-whitespace skipping around quoted fields, an error
//! (not silent acceptance) for text after a closing quote or an unterminated quote, and
//! the record separator taken from the first line ending. The reader also works in
//! [`Batch`]es: a batch owns a block of input holding whole records, fields are spans into
//! it (quotes unescaped in place), so rows are never copied and batches can be sanitized
//! on several threads while parsing stays sequential.

use std::io::Read;

use crate::error::{DataError, Error, Result};

/// Largest single record accepted; beyond it the input is almost surely broken quoting.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// How wide a file may be. A header is names, not data: a megabyte of them, or 100,000
/// columns, is already far past any real export, and a hostile one (20 million commas
/// gzip to 20 KB) must not cost gigabytes. A record may not have more fields than a header
/// may have columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most fields in any record (the header included).
    pub max_fields: usize,
    /// Most bytes in the header record.
    pub max_header_bytes: usize,
}

impl Limits {
    /// The default: 100,000 columns and 1 MiB of header.
    pub const DEFAULT: Limits = Limits::columns(100_000);

    /// Up to `max_columns` columns, with the header's byte limit growing in proportion
    /// (1 MiB per 100,000 columns, at least 1 MiB).
    pub const fn columns(max_columns: usize) -> Limits {
        let blocks = max_columns.div_ceil(100_000);
        Limits {
            max_fields: max_columns,
            max_header_bytes: if blocks == 0 { 1 << 20 } else { blocks << 20 },
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
const INITIAL_BUFFER: usize = 256 << 10;

/// A line ending as found in the input; psoxy writes every output line with the first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// `\r`
    Cr,
}

impl LineEnding {
    /// The bytes of this line ending.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::Cr => b"\r",
        }
    }
}

/// A block of whole records; fields are byte spans into `data`.
#[derive(Default)]
pub struct Batch {
    data: Vec<u8>,
    spans: Vec<(u32, u32)>,
    rows: Vec<RowInfo>,
}

#[derive(Clone, Copy)]
struct RowInfo {
    first_span: u32,
    len: u32,
    line: u64,
}

impl Batch {
    /// Number of records in the batch.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `i`-th record.
    pub fn row(&self, i: usize) -> Row<'_> {
        let info = self.rows[i];
        let start = info.first_span as usize;
        Row {
            data: &self.data,
            spans: &self.spans[start..start + info.len as usize],
            line: info.line,
        }
    }

    /// All records in order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.len()).map(|i| self.row(i))
    }

    /// Bytes of input this batch covers (approximately: after unescaping).
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    fn clear(&mut self) {
        self.spans.clear();
        self.rows.clear();
    }
}

/// One record: trimmed, unescaped fields.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    data: &'a [u8],
    spans: &'a [(u32, u32)],
    line: u64,
}

impl<'a> Row<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the record has no field (never produced by the reader).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.spans.get(i).map(|&(s, e)| &self.data[s as usize..e as usize])
    }

    /// Field `i` as text, or `None` past the end.
    pub fn get_str(&self, i: usize) -> Option<&'a str> {
        // SAFETY: the reader validates every record as UTF-8 before handing it out
        // (`finish_record`), and spans start and end at ASCII delimiters, quotes or trimmed
        // ASCII bytes, so each field is whole UTF-8.
        self.get(i).map(|b| unsafe { std::str::from_utf8_unchecked(b) })
    }

    /// 1-based physical line where the record starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let data = self.data;
        self.spans.iter().map(move |&(s, e)| &data[s as usize..e as usize])
    }
}

/// Deliberately opaque: a record's `Debug` must never print its cells.
impl std::fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Row {{ line: {}, fields: {} }}", self.line, self.len())
    }
}

/// Reads records from any byte source, in batches.
pub struct Reader<R> {
    src: R,
    name: String,
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    /// Bytes `buf[..end]` are read and not yet handed out in a batch.
    end: usize,
    eof: bool,
    started: bool,
    /// Physical line of the next unparsed byte.
    line: u64,
    first_eol: Option<LineEnding>,
    bytes_read: u64,
    limits: Limits,
    /// The first record (the header) has been read.
    header_done: bool,
}

enum Parsed {
    /// A record ended after this many bytes (terminator included).
    Record(usize),
    /// Only blank line(s): skip this many bytes.
    Blank(usize),
    /// More input is needed.
    Incomplete,
}

impl<R: Read> Reader<R> {
    /// A reader over `src`; `name` is used in messages, `delimiter` is psoxy's (empty → `,`).
    pub fn new(src: R, name: impl Into<String>, delimiter: &[u8]) -> Self {
        Reader {
            src,
            name: name.into(),
            delimiter: if delimiter.is_empty() {
                b",".to_vec()
            } else {
                delimiter.to_vec()
            },
            buf: vec![0; INITIAL_BUFFER],
            end: 0,
            eof: false,
            started: false,
            line: 1,
            first_eol: None,
            bytes_read: 0,
            limits: Limits::DEFAULT,
            header_done: false,
        }
    }

    /// Sets how wide records may be (default [`Limits::DEFAULT`]).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The first line ending seen outside quotes, if any yet.
    pub fn line_ending(&self) -> Option<LineEnding> {
        self.first_eol
    }

    /// Bytes consumed from the source so far (after decompression).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The input name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Fills `batch` with up to `max_rows` records (at least one unless the input is done).
    /// Returns `false` when the input is exhausted and the batch is empty.
    ///
    /// # Errors
    /// Malformed quoting, invalid UTF-8, an oversized record, or a read failure.
    pub fn read_batch(&mut self, batch: &mut Batch, max_rows: usize) -> Result<bool> {
        batch.clear();
        let mut pos = 0;
        loop {
            if !self.started && !self.start()? {
                break;
            }
            match self.parse_record(pos, batch)? {
                Parsed::Record(n) => {
                    if !self.header_done && n > self.limits.max_header_bytes {
                        return Err(self.header_too_large());
                    }
                    self.header_done = true;
                    pos += n;
                    if batch.rows.len() >= max_rows {
                        break;
                    }
                }
                Parsed::Blank(n) => pos += n,
                Parsed::Incomplete => {
                    if self.eof {
                        break;
                    }
                    if pos > 0 {
                        break;
                    }
                    if !self.header_done && self.end > self.limits.max_header_bytes {
                        return Err(self.header_too_large());
                    }
                    self.fill()?;
                }
            }
        }
        // Hand the parsed prefix to the batch; keep the unparsed tail for next time.
        let tail = self.end - pos;
        let mut next = std::mem::take(&mut batch.data);
        next.clear();
        next.resize(self.buf.len().max(INITIAL_BUFFER), 0);
        next[..tail].copy_from_slice(&self.buf[pos..self.end]);
        batch.data = std::mem::replace(&mut self.buf, next);
        batch.data.truncate(pos);
        self.end = tail;
        Ok(!batch.rows.is_empty())
    }

    /// Reads the first bytes: strips up to two UTF-8 BOMs (psoxy strips one twice, so a
    /// file written with two loses both), rejects UTF-16/32.
    fn start(&mut self) -> Result<bool> {
        while self.end < 6 && !self.eof {
            self.fill()?;
        }
        let head = &self.buf[..self.end];
        let wide = if head.starts_with(&[0, 0, 0xFE, 0xFF]) || head.starts_with(&[0xFF, 0xFE, 0, 0]) {
            Some("UTF-32")
        } else if head.starts_with(&[0xFE, 0xFF]) || head.starts_with(&[0xFF, 0xFE]) {
            Some("UTF-16")
        } else {
            None
        };
        if let Some(name) = wide {
            return Err(self.data_error(1, DataError::UnsupportedEncoding(name)));
        }
        for _ in 0..2 {
            if self.buf[..self.end].starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.buf.copy_within(3..self.end, 0);
                self.end -= 3;
            }
        }
        self.started = true;
        Ok(true)
    }

    fn header_too_large(&self) -> Error {
        self.data_error(
            self.line,
            DataError::HeaderTooLarge {
                limit: self.limits.max_header_bytes,
            },
        )
    }

    /// Reads more input into the buffer, growing it when full, until it is full or the input
    /// ends: a pipe gives 64 KiB a read, and parsing a long record again after every read
    /// would cost its length squared.
    fn fill(&mut self) -> Result<()> {
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(self.data_error(
                    self.line,
                    DataError::RecordTooLarge {
                        limit: MAX_RECORD_BYTES,
                    },
                ));
            }
            let grown = (self.buf.len() * 2).min(MAX_RECORD_BYTES);
            self.buf.resize(grown, 0);
        }
        while self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    self.bytes_read += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(format!("reading {}", self.name), e)),
            }
        }
        Ok(())
    }

    fn data_error(&self, line: u64, kind: DataError) -> Error {
        Error::Data {
            file: self.name.clone(),
            line,
            kind,
        }
    }

    /// Parses one record at `buf[start..end]`, appending its spans to `batch` on success.
    fn parse_record(&mut self, start: usize, batch: &mut Batch) -> Result<Parsed> {
        let buf = &self.buf[..self.end];
        let eof = self.eof;
        if start >= buf.len() {
            return Ok(Parsed::Incomplete);
        }
        // Blank lines are skipped (Commons CSV ignoreEmptyLines), but their ending counts.
        if let Some(eol) = line_end_at(buf, start, eof) {
            let (ending, len) = match eol {
                Some(x) => x,
                None => return Ok(Parsed::Incomplete),
            };
            self.note_eol(ending);
            self.line += 1;
            return Ok(Parsed::Blank(len));
        }
        let spans_before = batch.spans.len();
        let record_line = self.line;
        let mut lines_inside = 0u64;
        let mut escaped: Vec<usize> = Vec::new();
        let mut i = start;
        loop {
            // One field starting at i.
            i = skip_java_space(buf, i, &self.delimiter);
            let (field, after, had_escape, newlines) = if buf.get(i) == Some(&b'"') {
                match scan_quoted(buf, i + 1, eof) {
                    Quoted::Closed { end, escapes, newlines } => {
                        let after = skip_java_space(buf, end + 1, &self.delimiter);
                        ((i + 1, end), after, escapes, newlines)
                    }
                    Quoted::Open => {
                        batch.spans.truncate(spans_before);
                        if eof {
                            return Err(self.data_error(record_line, DataError::UnterminatedQuote));
                        }
                        return Ok(Parsed::Incomplete);
                    }
                }
            } else {
                let stop = find_field_end(buf, i, &self.delimiter);
                let (s, e) = trim_java_space_end(buf, i, stop);
                ((s, e), stop, false, 0)
            };
            lines_inside += newlines;
            let (s, e) = trim_ascii(buf, field.0, field.1);
            if had_escape {
                escaped.push(batch.spans.len());
            }
            if batch.spans.len() - spans_before >= self.limits.max_fields {
                batch.spans.truncate(spans_before);
                let limit = self.limits.max_fields;
                return Err(self.data_error(record_line, DataError::TooManyFields { limit }));
            }
            batch.spans.push((s as u32, e as u32));
            // What ends the field?
            if after >= buf.len() {
                if !eof {
                    batch.spans.truncate(spans_before);
                    return Ok(Parsed::Incomplete);
                }
                self.line += lines_inside;
                return self.finish_record(batch, spans_before, record_line, &escaped, start, after - start);
            }
            let delimited = match self.delimiter.as_slice() {
                [single] => buf[after] == *single,
                many => buf[after..].starts_with(many),
            };
            if delimited {
                i = after + self.delimiter.len();
                continue;
            }
            match line_end_at(buf, after, eof) {
                Some(Some((ending, len))) => {
                    self.note_eol(ending);
                    self.line += lines_inside + 1;
                    let total = after + len - start;
                    return self.finish_record(batch, spans_before, record_line, &escaped, start, total);
                }
                Some(None) => {
                    batch.spans.truncate(spans_before);
                    return Ok(Parsed::Incomplete);
                }
                None if !eof && buf.len() - after < self.delimiter.len().max(3) => {
                    // Maybe a delimiter or a Unicode space cut by the buffer end.
                    batch.spans.truncate(spans_before);
                    return Ok(Parsed::Incomplete);
                }
                None => {
                    // Only a closing quote can leave us here: text follows it.
                    return Err(self.data_error(record_line + lines_inside, DataError::TextAfterQuote));
                }
            }
        }
    }

    fn note_eol(&mut self, ending: LineEnding) {
        if self.first_eol.is_none() {
            self.first_eol = Some(ending);
        }
    }

    /// Checks the record is UTF-8, unescapes its quoted fields and records it.
    fn finish_record(
        &mut self,
        batch: &mut Batch,
        spans_before: usize,
        line: u64,
        escaped: &[usize],
        start: usize,
        len: usize,
    ) -> Result<Parsed> {
        let spans = &batch.spans[spans_before..];
        let record = &self.buf[start..start + len];
        // Most records are ASCII, which is cheaper to confirm than to validate as UTF-8.
        let invalid = if record.is_ascii() {
            None
        } else {
            std::str::from_utf8(record).err()
        };
        if let Some(e) = invalid {
            let bad = (start + e.valid_up_to()) as u32;
            let field = spans.iter().position(|&(_, e)| bad < e).unwrap_or(0);
            let kind = DataError::InvalidUtf8 { field, column: None };
            return Err(self.data_error(line, kind));
        }
        for &k in escaped {
            let (s, e) = batch.spans[k];
            let new_end = unescape_in_place(&mut self.buf[s as usize..e as usize]);
            batch.spans[k].1 = s + new_end as u32;
        }
        batch.rows.push(RowInfo {
            first_span: spans_before as u32,
            len: (batch.spans.len() - spans_before) as u32,
            line,
        });
        Ok(Parsed::Record(len))
    }
}

/// `Some(Some((ending, len)))` if a line ending starts at `i`; `Some(None)` if it cannot be
/// decided yet (a `\r` at the end of the buffer); `None` if there is none.
fn line_end_at(buf: &[u8], i: usize, eof: bool) -> Option<Option<(LineEnding, usize)>> {
    match buf.get(i) {
        Some(b'\n') => Some(Some((LineEnding::Lf, 1))),
        Some(b'\r') => match buf.get(i + 1) {
            Some(b'\n') => Some(Some((LineEnding::CrLf, 2))),
            Some(_) => Some(Some((LineEnding::Cr, 1))),
            None if eof => Some(Some((LineEnding::Cr, 1))),
            None => Some(None),
        },
        _ => None,
    }
}

/// Skips Java `Character.isWhitespace` characters (not line ends, not the delimiter).
fn skip_java_space(buf: &[u8], mut i: usize, delimiter: &[u8]) -> usize {
    while i < buf.len() {
        // The cheap test first: most fields start with no space at all.
        let n = java_space_len(&buf[i..]);
        if n == 0 || buf[i..].starts_with(delimiter) {
            break;
        }
        i += n;
    }
    i
}

/// Length of a Java whitespace character (other than CR/LF) at the start of `b`, or 0.
fn java_space_len(b: &[u8]) -> usize {
    match b.first() {
        Some(b' ' | b'\t' | 0x0B | 0x0C | 0x1C..=0x1F) => 1,
        Some(0xE1) if b.starts_with(&[0xE1, 0x9A, 0x80]) => 3,
        Some(0xE2) => match (b.get(1), b.get(2)) {
            (Some(0x80), Some(0x80..=0x86 | 0x88..=0x8A | 0xA8 | 0xA9)) => 3,
            (Some(0x81), Some(0x9F)) => 3,
            _ => 0,
        },
        Some(0xE3) if b.starts_with(&[0xE3, 0x80, 0x80]) => 3,
        _ => 0,
    }
}

/// Trims trailing Java whitespace from an unquoted field `[s, e)`.
fn trim_java_space_end(buf: &[u8], s: usize, mut e: usize) -> (usize, usize) {
    loop {
        if e > s && matches!(buf[e - 1], b' ' | b'\t' | 0x0B | 0x0C | 0x1C..=0x1F) {
            e -= 1;
        } else if e >= s + 3 && java_space_len(&buf[e - 3..e]) == 3 {
            e -= 3;
        } else {
            return (s, e);
        }
    }
}

/// Java `String.trim`: drops bytes `<= 0x20` at both ends.
fn trim_ascii(buf: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && buf[s] <= b' ' {
        s += 1;
    }
    while e > s && buf[e - 1] <= b' ' {
        e -= 1;
    }
    (s, e)
}

/// End of an unquoted field starting at `i`: the delimiter, a line end, or the buffer end.
fn find_field_end(buf: &[u8], i: usize, delimiter: &[u8]) -> usize {
    let first = delimiter[0];
    let mut from = i;
    loop {
        match crate::bytes::find_any(&buf[from..], [first, b'\n', b'\r']) {
            None => return buf.len(),
            Some(k) => {
                let at = from + k;
                if buf[at] != first || delimiter.len() == 1 || buf[at..].starts_with(delimiter) {
                    return at;
                }
                if buf.len() - at < delimiter.len() {
                    // A partial delimiter at the buffer end: let the caller ask for more.
                    return buf.len();
                }
                from = at + 1;
            }
        }
    }
}

enum Quoted {
    Closed { end: usize, escapes: bool, newlines: u64 },
    Open,
}

/// Scans a quoted field whose content starts at `i`; `end` is the closing quote's index. A
/// quote that is the input's last byte closes the field.
fn scan_quoted(buf: &[u8], i: usize, eof: bool) -> Quoted {
    let mut from = i;
    let mut escapes = false;
    loop {
        match memchr::memchr(b'"', &buf[from..]) {
            None => return Quoted::Open,
            Some(k) => {
                let q = from + k;
                match buf.get(q + 1) {
                    Some(b'"') => {
                        escapes = true;
                        from = q + 2;
                    }
                    Some(_) => {
                        return Quoted::Closed {
                            end: q,
                            escapes,
                            newlines: count_line_ends(&buf[i..q]),
                        };
                    }
                    None if eof => {
                        return Quoted::Closed {
                            end: q,
                            escapes,
                            newlines: count_line_ends(&buf[i..q]),
                        };
                    }
                    None => return Quoted::Open,
                }
            }
        }
    }
}

/// Physical line ends (`\n`, `\r\n`, lone `\r`) inside a quoted value.
fn count_line_ends(b: &[u8]) -> u64 {
    let mut n = 0;
    for (k, &c) in b.iter().enumerate() {
        if c == b'\n' || (c == b'\r' && b.get(k + 1) != Some(&b'\n')) {
            n += 1;
        }
    }
    n
}

/// Turns `""` into `"` in place; returns the new length.
fn unescape_in_place(field: &mut [u8]) -> usize {
    let mut w = 0;
    let mut r = 0;
    while r < field.len() {
        field[w] = field[r];
        if field[r] == b'"' && field.get(r + 1) == Some(&b'"') {
            r += 1;
        }
        r += 1;
        w += 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed = (Vec<(u64, Vec<String>)>, Option<LineEnding>);

    fn read_all(input: &[u8], delimiter: &str) -> Result<Parsed> {
        read_all_chunked(input, delimiter, usize::MAX)
    }

    /// Reads through a source that returns at most `chunk` bytes per read, to exercise
    /// records split across reads.
    fn read_all_chunked(input: &[u8], delimiter: &str, chunk: usize) -> Result<Parsed> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = Reader::new(Trickle(input, chunk), "t.csv", delimiter.as_bytes());
        let mut batch = Batch::default();
        let mut out = Vec::new();
        while r.read_batch(&mut batch, 3)? {
            for row in batch.rows() {
                let fields = row.iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect();
                out.push((row.line(), fields));
            }
        }
        Ok((out, r.line_ending()))
    }

    #[test]
    fn headers_and_records_are_bounded() {
        let wide = format!("EMPLOYEE_ID{}\n", ",".repeat(200_000));
        let mut r = Reader::new(wide.as_bytes(), "w.csv", b",");
        let err = r.read_batch(&mut Batch::default(), 1).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("w.csv line 1: record has more than 100000 fields"),
            "{err}"
        );
        let mut r = Reader::new(wide.as_bytes(), "w.csv", b",").with_limits(Limits::columns(300_000));
        let mut batch = Batch::default();
        assert!(r.read_batch(&mut batch, 1).unwrap());
        assert_eq!(batch.row(0).len(), 200_001);
        let long = format!("{}\n", "A".repeat(2 << 20));
        let mut r = Reader::new(long.as_bytes(), "l.csv", b",");
        let err = r.read_batch(&mut Batch::default(), 1).err().unwrap();
        assert_eq!(
            err.to_string(),
            "l.csv line 1: the header is larger than 1048576 bytes (a header is column names; --max-columns N \
             raises the limit)"
        );
        // A data row may be long (up to the record limit), not wide.
        let data = format!("a,b\n{},x\n", "B".repeat(3 << 20));
        let mut r = Reader::new(data.as_bytes(), "d.csv", b",");
        let mut batch = Batch::default();
        assert!(r.read_batch(&mut batch, 10).unwrap());
        let mut rows = batch.len();
        while r.read_batch(&mut batch, 10).unwrap() {
            rows += batch.len();
        }
        assert_eq!(rows, 2);
    }

    fn rows(input: &str) -> Vec<Vec<String>> {
        read_all(input.as_bytes(), ",")
            .unwrap()
            .0
            .into_iter()
            .map(|r| r.1)
            .collect()
    }

    fn err(input: &[u8]) -> String {
        read_all(input, ",").expect_err("an error").to_string()
    }

    #[test]
    fn values_and_headers_are_trimmed() {
        assert_eq!(rows("a , b\n\" x \" ,  y  \n"), [["a", "b"], ["x", "y"]]);
    }

    #[test]
    fn quotes_unescape_and_keep_delimiters_and_newlines() {
        assert_eq!(
            rows("a,b,c\n\"q\"\"uote\",\"multi\nline\",\"a,b\"\n"),
            [vec!["a", "b", "c"], vec!["q\"uote", "multi\nline", "a,b"]]
        );
    }

    #[test]
    fn quote_inside_unquoted_field_is_literal() {
        assert_eq!(rows("a,b\nx\"y,2\n"), [["a", "b"], ["x\"y", "2"]]);
    }

    #[test]
    fn blank_lines_are_skipped_but_whitespace_lines_are_records() {
        assert_eq!(
            rows("\n\na,b\n\n1,2\n   \n"),
            [vec!["a", "b"], vec!["1", "2"], vec![""]]
        );
    }

    #[test]
    fn line_numbers_are_physical_and_one_based() {
        let (r, _) = read_all(b"a,b\n\n\"x\ny\",2\r\n3,4", ",").unwrap();
        let lines: Vec<u64> = r.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn first_line_ending_outside_quotes_wins() {
        assert_eq!(read_all(b"\"a\nb\",c\r\n1,2\n", ",").unwrap().1, Some(LineEnding::CrLf));
        assert_eq!(read_all(b"a,b\r1,2\r", ",").unwrap().1, Some(LineEnding::Cr));
        assert_eq!(read_all(b"a,b", ",").unwrap().1, None);
    }

    #[test]
    fn bom_is_stripped_and_wide_encodings_rejected() {
        assert_eq!(rows("\u{feff}a,b\r\n1,2\r\n"), [["a", "b"], ["1", "2"]]);
        assert!(err(b"\xff\xfea\x00").contains("UTF-16"));
    }

    #[test]
    fn trailing_delimiter_gives_an_empty_field() {
        assert_eq!(rows("a,b,\n1,2,\n"), [["a", "b", ""], ["1", "2", ""]]);
    }

    #[test]
    fn multi_byte_and_tab_delimiters() {
        let (r, _) = read_all(b"a||b\n1||2|x\n", "||").unwrap();
        assert_eq!(r[1].1, ["1", "2|x"]);
        let (r, _) = read_all(b"id\temail\n1\thas,comma\n", "\t").unwrap();
        assert_eq!(r[1].1, ["1", "has,comma"]);
    }

    #[test]
    fn text_after_closing_quote_is_an_error_with_line() {
        assert_eq!(
            err(b"a,b\n\"x\"y,2\n"),
            "t.csv line 2: text after a closing quote (a quoted field must end at a delimiter or line end)"
        );
    }

    #[test]
    fn unterminated_quote_names_its_start_line() {
        assert!(err(b"a,b\n1,2\n\"x,2\n3,4\n").starts_with("t.csv line 3: quoted field"));
    }

    #[test]
    fn invalid_utf8_names_line_and_field() {
        assert_eq!(
            err(b"a,b\n1,2\n3,caf\xe9\n"),
            "t.csv line 3: field 2 is not valid UTF-8 (convert the file, e.g. `iconv -f latin1 -t utf-8`)"
        );
    }

    #[test]
    fn unicode_spaces_around_unquoted_values_are_skipped_but_nbsp_is_kept() {
        assert_eq!(rows("a\n\u{2003}x\u{2003}\n")[1], ["x"]);
        assert_eq!(rows("a\n\u{a0}x\u{a0}\n")[1], ["\u{a0}x\u{a0}"]);
    }

    #[test]
    fn records_split_across_reads_parse_the_same() {
        let input = b"h1,h2\r\n\"a\"\"b\",\"x\r\ny\"\r\n,\r\n  p  ,q\r\n";
        let whole = read_all(input, ",").unwrap();
        for chunk in 1..8 {
            assert_eq!(read_all_chunked(input, ",", chunk).unwrap(), whole, "chunk {chunk}");
        }
        assert_eq!(whole.0[1].1, ["a\"b", "x\r\ny"]);
    }

    #[test]
    fn long_records_grow_the_buffer() {
        let big = "x".repeat(INITIAL_BUFFER * 3);
        let input = format!("a,b\n{big},1\n2,3\n");
        let r = rows(&input);
        assert_eq!(r[1][0].len(), big.len());
        assert_eq!(r[2], ["2", "3"]);
    }
}
