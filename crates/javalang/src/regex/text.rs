//! Java positions over UTF-8 text.
//!
//! `java.util.regex` indexes its input by UTF-16 unit, and some of its steps move by one unit
//! even across a surrogate pair (the unanchored search of a pattern without supplementary
//! characters, `find` after an empty match, look-behind windows). To land exactly where Java
//! lands, positions here are byte offsets into the UTF-8 text, plus one extra kind: the
//! position between the two surrogates of a supplementary character is the offset two bytes
//! into its four-byte sequence (a *mid* position). Every Java index then has exactly one
//! offset, offsets compare in the same order, and reading at a mid position yields the lone
//! low surrogate Java would read there.

/// The input text, with Java's `charAt` / `codePointAt` family over the positions above.
#[derive(Clone, Copy)]
pub(super) struct Text<'t> {
    pub b: &'t [u8],
}

fn is_cont(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn high(c: u32) -> u32 {
    0xD800 + ((c - 0x1_0000) >> 10)
}

fn low(c: u32) -> u32 {
    0xDC00 + ((c - 0x1_0000) & 0x3FF)
}

impl<'t> Text<'t> {
    /// The character starting at char boundary `p`, and its length in bytes.
    #[inline]
    fn decode(&self, p: usize) -> (u32, usize) {
        let b = self.b;
        let b0 = b[p] as u32;
        if b0 < 0x80 {
            (b0, 1)
        } else if b0 < 0xE0 {
            (((b0 & 0x1F) << 6) | (b[p + 1] as u32 & 0x3F), 2)
        } else if b0 < 0xF0 {
            let c = ((b0 & 0x0F) << 12) | ((b[p + 1] as u32 & 0x3F) << 6) | (b[p + 2] as u32 & 0x3F);
            (c, 3)
        } else {
            let c = ((b0 & 0x07) << 18)
                | ((b[p + 1] as u32 & 0x3F) << 12)
                | ((b[p + 2] as u32 & 0x3F) << 6)
                | (b[p + 3] as u32 & 0x3F);
            (c, 4)
        }
    }

    /// Whether `p` lies between the two surrogates of a supplementary character.
    #[inline]
    pub fn is_mid(&self, p: usize) -> bool {
        p < self.b.len() && is_cont(self.b[p])
    }

    /// `Character.codePointAt(seq, p)` (p < len) and the position after it.
    #[inline]
    pub fn cp_at(&self, p: usize) -> (u32, usize) {
        let b0 = self.b[p];
        if b0 < 0x80 {
            return (b0 as u32, p + 1);
        }
        if is_cont(b0) {
            return (low(self.decode(p - 2).0), p + 2);
        }
        let (c, n) = self.decode(p);
        (c, p + n)
    }

    /// `seq.charAt(p)` (p < len) and the position one unit later.
    #[inline]
    pub fn unit_at(&self, p: usize) -> (u32, usize) {
        let b0 = self.b[p];
        if b0 < 0x80 {
            return (b0 as u32, p + 1);
        }
        if is_cont(b0) {
            return (low(self.decode(p - 2).0), p + 2);
        }
        match self.decode(p) {
            (c, 4) => (high(c), p + 2),
            (c, n) => (c, p + n),
        }
    }

    /// Start of the character that ends at char boundary `p` (p > 0).
    #[inline]
    fn prev_start(&self, p: usize) -> usize {
        let mut q = p - 1;
        while is_cont(self.b[q]) {
            q -= 1;
        }
        q
    }

    /// `Character.codePointBefore(seq, p)` (p > 0) and the position before it.
    #[inline]
    pub fn cp_before(&self, p: usize) -> (u32, usize) {
        if self.is_mid(p) {
            return (high(self.decode(p - 2).0), p - 2);
        }
        if self.b[p - 1] < 0x80 {
            return (self.b[p - 1] as u32, p - 1);
        }
        let q = self.prev_start(p);
        (self.decode(q).0, q)
    }

    /// `seq.charAt(p - 1)` (p > 0) and the position one unit earlier.
    #[inline]
    pub fn unit_before(&self, p: usize) -> (u32, usize) {
        if self.is_mid(p) {
            return (high(self.decode(p - 2).0), p - 2);
        }
        if self.b[p - 1] < 0x80 {
            return (self.b[p - 1] as u32, p - 1);
        }
        let q = self.prev_start(p);
        match self.decode(q) {
            (c, 4) => (low(c), q + 2),
            (c, _) => (c, q),
        }
    }

    /// The position one unit after `p` (p < len).
    #[inline]
    pub fn next_unit(&self, p: usize) -> usize {
        self.unit_at(p).1
    }

    /// The position `n` units after `p`, or None past the end.
    pub fn fwd_units(&self, mut p: usize, n: u64) -> Option<usize> {
        for _ in 0..n {
            if p >= self.b.len() {
                return None;
            }
            p = self.unit_at(p).1;
        }
        Some(p)
    }

    /// The position `n` units before `p`, or None before the start.
    pub fn back_units(&self, mut p: usize, n: u64) -> Option<usize> {
        for _ in 0..n {
            if p == 0 {
                return None;
            }
            p = self.unit_before(p).1;
        }
        Some(p)
    }

    /// The number of UTF-16 units from `a` to `b` (a <= b).
    pub fn units(&self, a: usize, b: usize) -> u64 {
        let mut n = 0;
        let mut p = a;
        while p < b {
            p = self.unit_at(p).1;
            n += 1;
        }
        n
    }

    /// Java's `Pattern.countChars(seq, index, n)`: units spanned by `n` code points forward
    /// (n >= 0) or `-n` backward, with its arithmetic on `int` kept (`-Integer.MIN_VALUE`).
    pub fn count_chars(&self, index: usize, n: i32) -> u64 {
        let len = self.b.len();
        if n == 1 && index < len && !(0xD800..0xDC00).contains(&self.unit_at(index).0) {
            return 1;
        }
        let mut x = index;
        if n >= 0 {
            for _ in 0..n {
                if x >= len {
                    break;
                }
                x = self.cp_at(x).1;
            }
            return self.units(index, x);
        }
        let back = n.wrapping_neg();
        for _ in 0..back.max(0) {
            if x == 0 {
                break;
            }
            x = self.cp_before(x).1;
        }
        self.units(x, index)
    }

    /// The Java (UTF-16) index of position `p`.
    pub fn unit_index(&self, p: usize) -> u64 {
        self.units(0, p)
    }
}

/// Appends UTF-16 units to a `String`, rejoining surrogate halves that meet again and writing
/// `?` for one left alone, as Java's UTF-8 encoder does when psoxy writes such a string.
#[derive(Default)]
pub(super) struct Sink {
    pub out: String,
    pending_high: Option<u32>,
}

impl Sink {
    fn flush(&mut self) {
        if self.pending_high.take().is_some() {
            self.out.push('?');
        }
    }

    pub fn push_str(&mut self, s: &str) {
        if !s.is_empty() {
            self.flush();
            self.out.push_str(s);
        }
    }

    fn push_unit(&mut self, u: u32) {
        if (0xD800..0xDC00).contains(&u) {
            self.flush();
            self.pending_high = Some(u);
        } else if (0xDC00..0xE000).contains(&u) {
            match self.pending_high.take() {
                Some(h) => {
                    let c = 0x1_0000 + ((h - 0xD800) << 10) + (u - 0xDC00);
                    self.out.push(char::from_u32(c).unwrap_or('?'));
                }
                None => self.out.push('?'),
            }
        } else {
            self.flush();
            self.out.push(char::from_u32(u).unwrap_or('?'));
        }
    }

    /// Appends the text between two positions, either of which may be a mid position.
    pub fn push_range(&mut self, t: Text<'_>, mut a: usize, b: usize) {
        if a >= b {
            return;
        }
        if t.is_mid(a) {
            self.push_unit(t.unit_at(a).0);
            a += 2;
        }
        if t.is_mid(b) {
            if a < b - 2 {
                self.push_str(std::str::from_utf8(&t.b[a..b - 2]).unwrap_or(""));
            }
            self.push_unit(t.unit_before(b).0);
        } else if a < b {
            self.push_str(std::str::from_utf8(&t.b[a..b]).unwrap_or(""));
        }
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}
