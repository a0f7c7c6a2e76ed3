//! Detectors for personal data in the cells that leave in clear (issue 12): e-mail addresses,
//! phone numbers, US social security numbers, UK National Insurance numbers, IBANs, payment
//! card numbers and IP addresses, found anywhere in a cell's text, on token boundaries.
//!
//! [`scan`] runs on every clear cell of every row, so it is built in two stages:
//!
//! 1. a census of the cell's bytes (digits, `.`, `:`, `@`, `+` and capitals: one table lookup
//!    and add per byte) that rules out most cells at once: no `@` means no e-mail, fewer than 2
//!    colons no IPv6 address, and the numeric kinds need 9 digits (SSN, card, IBAN, a phone
//!    number without `+`), 8 and a `+` (phone), 6 and 3 capitals (NINO) or 4 and 3 dots (IPv4),
//!    so dates, amounts and ids stop there;
//! 2. the precise checks, without allocation: each `@` is expanded to its token and confirmed by
//!    psoxy's mailbox grammar ([`crate::email::parse`]); each run of digits is read with its
//!    separators into a *chunk* (`+44 (0)20 7946 0958`, `4111-1111-1111-1111`, `2024-06-30`) whose
//!    shape is then tested against each numeric kind; IBANs and NINOs are tried where a digit run
//!    follows two letters; IPv6 candidates (hex digits, colons, dots) go to [`Ipv6Addr`]'s parser.
//!
//! # Boundaries
//! A match is never part of a longer token: the byte before it and the byte after it are not
//! ASCII letters, digits or `_`, and not a `-` or `.` that joins it to one (`ID-4155552671`,
//! `v1.2.3.4`, `1.2.3.4.5` and `4155552671X` match nothing). Bytes outside ASCII count as
//! punctuation. Inside a chunk, a single space is a *soft* boundary: `Room 12 020 7946 0958`
//! holds a phone number and `4111 1111 1111 1111 12/26` a card, but `-`, `.` and `/` always join.
//!
//! # Decisions on ambiguous cases
//! * **email**: a dot-atom local part, `@`, and a domain with a dot whose last label is 2–26
//!   letters, as psoxy's grammar wants. So `@handle`, `a@b`, `foo@localhost`, `user@10.0.0.1` and
//!   `@scope/pkg@1.2.3` are not e-mails. A whole cell that parses as a mailbox with a display
//!   name, comments or a quoted local part is one. Tokens such as `git@github.com:org/repo`,
//!   `https://user:pass@host.com/` and `icon@2x.png` do match: the grammar cannot tell them apart.
//! * **phone**: `+` and 8–15 digits with separators (10–15 without), `00` and a country code
//!   (11–17 digits with separators), North American `(415) 555-2671`, `415-555-2671`,
//!   `415.555.2671`, `415 555 2671`, `1-415-555-2671` (area code and exchange starting 2–9), and
//!   national numbers with a trunk `0` (`020 7946 0958`, `07700 900123`, `01 23 45 67 89`,
//!   `030/1234567`, `(020) 7946 0958`: 10–12 digits in groups of 2+ with one separator). A bare
//!   run of digits is never a phone number (`4155552671`, `02079460958`: indistinguishable from
//!   ids and amounts), nor is a short local number (`555-2671`), and national forms without a
//!   trunk `0` outside North America (Spain's `612 345 678`) are not recognised.
//! * **us-ssn**: `AAA-GG-SSSS` with dashes, or with single spaces when the three groups are the
//!   whole number; a bare run of 9 digits is not one (ids, amounts). Area 000, 666 and 900–999,
//!   group 00, serial 0000 and the advertising numbers 078-05-1120 and 219-09-9999 are excluded.
//! * **uk-nino**: upper case only, with the suffix A–D (`AB123456C`, `AB 12 34 56 C`,
//!   `AB123456 C`); prefix letters as HMRC allocates them. HMRC's own example `QQ123456C` is
//!   *not* a valid number (Q cannot come first) and is not reported.
//! * **iban**: a known country with its exact length, check digits passing mod-97, written
//!   without spaces or in groups of four; letters in any case.
//! * **card**: 13–19 digits, bare or in groups (the first of four digits, then groups of 3–6,
//!   one separator, space or dash), Luhn valid, with a known issuer prefix and length (Visa,
//!   Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).
//! * **ip**: dotted quads with no leading zeros and not inside a longer dotted number; `0.x`,
//!   `127.x` (loopback) and `224.x` and above (multicast, reserved, netmasks such as
//!   `255.255.255.0`) are not reported. A four-part version `1.2.3.4` is indistinguishable from
//!   an address and is reported (but `v1.2.3.4` is not). IPv6 in any form std parses (full,
//!   compressed, with an embedded IPv4), with at least one decimal digit or four colons (so that
//!   `Foo::Bar`-like code and `ab::cd` do not match), except `::` and `::1`. Times (`12:30:45`)
//!   and MAC addresses are not valid IPv6 and do not match.
//! * Cells shorter than 6 bytes hold nothing (`a@b.co` is the shortest finding).
use std::fmt;
use std::net::Ipv6Addr;

use crate::email;

/// A kind of personal data found in a clear cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An e-mail address (psoxy's mailbox grammar).
    Email,
    /// A phone number, international or in a common national form.
    Phone,
    /// A US social security number.
    UsSsn,
    /// A UK National Insurance number.
    UkNino,
    /// An international bank account number.
    Iban,
    /// A payment card number.
    Card,
    /// An IPv4 or IPv6 address.
    Ip,
}

impl Kind {
    /// Every kind, in bit order.
    pub const ALL: [Kind; 7] = [
        Kind::Email,
        Kind::Phone,
        Kind::UsSsn,
        Kind::UkNino,
        Kind::Iban,
        Kind::Card,
        Kind::Ip,
    ];

    /// `email`, `phone`, `us-ssn`, `uk-nino`, `iban`, `card`, `ip`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::UsSsn => "us-ssn",
            Kind::UkNino => "uk-nino",
            Kind::Iban => "iban",
            Kind::Card => "card",
            Kind::Ip => "ip",
        }
    }

    /// The kind named `name` (see [`Kind::name`]; ASCII case is ignored).
    #[must_use]
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// This kind's bit in the set [`scan`] returns: `1 << index` in [`Kind::ALL`].
    #[must_use]
    pub const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const EMAIL: u8 = Kind::Email.bit();
const PHONE: u8 = Kind::Phone.bit();
const SSN: u8 = Kind::UsSsn.bit();
const NINO: u8 = Kind::UkNino.bit();
const IBAN: u8 = Kind::Iban.bit();
const CARD: u8 = Kind::Card.bit();
const IP: u8 = Kind::Ip.bit();

/// Shortest cell that can hold a finding (`a@b.co`).
const MIN_LEN: usize = 6;

/// The kinds found in one cell, as a bit set ([`Kind::bit`]). 0 when nothing is found.
#[must_use]
#[inline]
pub fn scan(cell: &[u8]) -> u8 {
    if cell.len() < MIN_LEN {
        return 0;
    }
    let census = Census::of(cell);
    let mut found = 0;
    if census.ats > 0 && has_email(cell) {
        found |= EMAIL;
    }
    if census.numeric() {
        found |= numbers(cell);
    }
    if census.colons >= 2 && found & IP == 0 && has_ipv6(cell) {
        found |= IP;
    }
    found
}

/// How many digits, dots, colons, `@`, `+` and upper-case letters a cell holds.
#[derive(Debug, PartialEq)]
struct Census {
    digits: u32,
    dots: u32,
    colons: u32,
    ats: u32,
    pluses: u32,
    uppers: u32,
}

/// Per byte, the census fields it adds to, one byte each, in [`Census`] order.
const CENSUS: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'0'..=b'9' => 1,
            b'.' => 1 << 8,
            b':' => 1 << 16,
            b'@' => 1 << 24,
            b'+' => 1 << 32,
            b'A'..=b'Z' => 1 << 40,
            _ => 0,
        };
        b += 1;
    }
    table
};

impl Census {
    /// One table lookup and add per byte; in blocks of 255 bytes so no field overflows (one
    /// loop for the usual short cell: a second level costs a mispredicted branch per cell).
    #[inline]
    fn of(cell: &[u8]) -> Census {
        let fold = |bytes: &[u8]| bytes.iter().fold(0u64, |sum, &b| sum + CENSUS[usize::from(b)]);
        let field = |packed: u64, k: u32| (packed >> (8 * k) & 0xff) as u32;
        let unpack = |packed: u64| Census {
            digits: field(packed, 0),
            dots: field(packed, 1),
            colons: field(packed, 2),
            ats: field(packed, 3),
            pluses: field(packed, 4),
            uppers: field(packed, 5),
        };
        if cell.len() <= 255 {
            return unpack(fold(cell));
        }
        cell.chunks(255)
            .map(|block| unpack(fold(block)))
            .fold(unpack(0), |a, b| Census {
                digits: a.digits + b.digits,
                dots: a.dots + b.dots,
                colons: a.colons + b.colons,
                ats: a.ats + b.ats,
                pluses: a.pluses + b.pluses,
                uppers: a.uppers + b.uppers,
            })
    }

    /// Whether the cell has enough digits for any numeric kind: 9 for an SSN, a phone number
    /// without `+`, a card or an IBAN; 8 and a `+` for a phone number; 6 and 3 capitals for
    /// a NINO; 4 and 3 dots for an IPv4 address. Dates, amounts and ids stop here.
    fn numeric(&self) -> bool {
        self.digits >= 9
            || self.digits >= 8 && self.pluses > 0
            || self.digits >= 6 && self.uppers >= 3
            || self.digits >= 4 && self.dots >= 3
    }
}

/// Letters, digits and `_`: what a match must not touch.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Punctuation that joins two words into one token (`ID-42`, `v1.2`).
fn is_joiner(b: u8) -> bool {
    b == b'-' || b == b'.'
}

/// Whether a match may start at `s`: nothing word-like, joined or not, right before it.
fn left_boundary(cell: &[u8], s: usize) -> bool {
    s == 0 || {
        let b = cell[s - 1];
        !(is_word(b) || is_joiner(b) && s >= 2 && is_word(cell[s - 2]))
    }
}

/// Whether a match may end right before `e`.
fn right_boundary(cell: &[u8], e: usize) -> bool {
    e >= cell.len() || {
        let b = cell[e];
        !(is_word(b) || is_joiner(b) && e + 1 < cell.len() && is_word(cell[e + 1]))
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail

/// RFC 2822 `atext` and `.`: the bytes a local part is made of (used to find its start only;
/// psoxy's grammar in [`crate::email`] decides).
const LOCAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?' | b'^'..=b'`' | b'{'..=b'~' | b'.'
            );
        i += 1;
    }
    table
};

#[inline(never)]
fn has_email(cell: &[u8]) -> bool {
    if memchr::memchr_iter(b'@', cell).any(|at| email_at(cell, at)) {
        return true;
    }
    // A whole cell may be a mailbox the token search does not see: a display name with the
    // address in angle brackets is found above, but `"john smith"@x.com` and comments are not.
    std::str::from_utf8(cell).ok().and_then(email::parse).is_some()
}

/// Whether the `@` at `at` is the middle of an e-mail address.
fn email_at(cell: &[u8], at: usize) -> bool {
    // Text such as `see..a@x.com` or `...a@x.com`: the local part starts after the dots.
    let mut s = at;
    while s > 0 && LOCAL[usize::from(cell[s - 1])] && !(cell[s - 1] == b'.' && cell[s] == b'.') {
        s -= 1;
    }
    while s < at && cell[s] == b'.' {
        s += 1;
    }
    let mut e = at + 1;
    while e < cell.len() && (cell[e].is_ascii_alphanumeric() || cell[e] == b'-' || cell[e] == b'.') {
        e += 1;
    }
    // A sentence may end right after the address.
    while e > at + 1 && matches!(cell[e - 1], b'.' | b'-') {
        e -= 1;
    }
    if s == at || e == at + 1 {
        return false;
    }
    // Every byte of the candidate is ASCII, so this cannot fail.
    std::str::from_utf8(&cell[s..e]).ok().and_then(email::parse).is_some()
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// Every numeric kind in the cell: IBANs and NINOs where a digit run follows two letters, then
/// the chunk of each remaining digit run.
#[inline(never)]
fn numbers(cell: &[u8]) -> u8 {
    let mut found = 0;
    let mut i = 0;
    while i < cell.len() {
        let Some(k) = cell[i..].iter().position(u8::is_ascii_digit) else {
            break;
        };
        let p = i + k;
        if p >= 2 && cell[p - 2].is_ascii_alphabetic() && cell[p - 1].is_ascii_alphabetic() {
            if let Some(end) = iban(cell, p - 2) {
                found |= IBAN;
                i = end;
                continue;
            }
            if let Some(end) = nino(cell, p - 2) {
                found |= NINO;
                i = end;
                continue;
            }
        } else if p >= 3
            && cell[p - 1] == b' '
            && cell[p - 2].is_ascii_uppercase()
            && cell[p - 3].is_ascii_uppercase()
            && let Some(end) = nino(cell, p - 3)
        {
            found |= NINO;
            i = end;
            continue;
        }
        let mut run = p;
        while run < cell.len() && cell[run].is_ascii_digit() {
            run += 1;
        }
        // Fast paths for the digit runs of ordinary values (ids, amounts, dates).
        let plus = p > 0 && cell[p - 1] == b'+';
        let start = if plus || p > 0 && cell[p - 1] == b'(' { p - 1 } else { p };
        if !left_boundary(cell, start) {
            // `E0001`, `v1.2`, `ID-42`: not the start of anything; what follows a space is
            // read on its own.
            i = run;
            continue;
        }
        if run == cell.len() || !matches!(cell[run], b' ' | b'-' | b'.' | b'/' | b')') {
            // A single group: only a bare card number or `+` and a phone number.
            let len = run - p;
            if right_boundary(cell, run) {
                if plus && (10..=15).contains(&len) && cell[p] != b'0' {
                    found |= PHONE;
                } else if !plus && (13..=19).contains(&len) {
                    let mut digits = [0u8; 19];
                    for (d, &b) in digits.iter_mut().zip(&cell[p..run]) {
                        *d = b - b'0';
                    }
                    if luhn(&digits[..len]) && issuer(&digits[..len]) {
                        found |= CARD;
                    }
                }
            }
            i = run;
            continue;
        }
        let chunk = Chunk::read(cell, p);
        found |= chunk.classify(cell);
        i = chunk.end;
    }
    found
}

/// Groups a chunk holds at most; a longer run of numbers continues in the next chunk.
const MAX_GROUPS: usize = 16;

// A separator between two digit groups: an optional `)` closing a parenthesis, then one of
// space, `-`, `.` or `/`, then an optional `(`. At least one of them.
/// Mask of the middle character.
const MID: u8 = 7;
const SP: u8 = 1;
const DASH: u8 = 2;
const DOT: u8 = 3;
const SLASH: u8 = 4;
const CLOSE: u8 = 8;
const OPEN: u8 = 16;

/// A separator that does not join its neighbours into one number: it has a space or a
/// parenthesis (`2024 123-45-6789`, `(415) 555-2671`).
fn loose(sep: u8) -> bool {
    sep & MID == SP || sep & (OPEN | CLOSE) != 0
}

/// A run of digit groups joined by separators: `+44 (0)20 7946 0958` is five groups.
struct Chunk {
    n: usize,
    /// Where each group's digits start.
    start: [usize; MAX_GROUPS],
    /// Digits in each group (saturated at 255, far beyond anything matched).
    len: [u8; MAX_GROUPS],
    /// `sep[i]`: the separator before group `i` (0 for the first).
    sep: [u8; MAX_GROUPS],
    /// Starts with `+`.
    plus: bool,
    /// Starts with `(`.
    open_first: bool,
    /// The chunk starts on a token boundary.
    left_ok: bool,
    /// The chunk ends on a token boundary.
    right_ok: bool,
    /// One past the chunk's last byte.
    end: usize,
}

impl Chunk {
    /// Reads the chunk whose first digit run starts at `p` (the byte before is not a digit).
    fn read(cell: &[u8], p: usize) -> Chunk {
        let n = cell.len();
        let mut c = Chunk {
            n: 0,
            start: [0; MAX_GROUPS],
            len: [0; MAX_GROUPS],
            sep: [0; MAX_GROUPS],
            plus: false,
            open_first: false,
            left_ok: false,
            right_ok: false,
            end: p,
        };
        let mut s = p;
        let mut open = false;
        if p > 0 {
            match cell[p - 1] {
                b'(' => (s, open, c.open_first) = (p - 1, true, true),
                b'+' => (s, c.plus) = (p - 1, true),
                _ => {}
            }
        }
        c.left_ok = left_boundary(cell, s);
        let mut i = p;
        let mut sep = 0;
        loop {
            let group = i;
            while i < n && cell[i].is_ascii_digit() {
                i += 1;
            }
            c.start[c.n] = group;
            c.len[c.n] = u8::try_from(i - group).unwrap_or(u8::MAX);
            c.sep[c.n] = sep;
            c.n += 1;
            if c.n == MAX_GROUPS {
                break;
            }
            let (mut q, mut code, mut now_open) = (i, 0, open);
            if now_open && q < n && cell[q] == b')' {
                (q, code, now_open) = (q + 1, CLOSE, false);
            }
            if q < n {
                let mid = match cell[q] {
                    b' ' => SP,
                    b'-' => DASH,
                    b'.' => DOT,
                    b'/' => SLASH,
                    _ => 0,
                };
                if mid != 0 {
                    (q, code) = (q + 1, code | mid);
                }
            }
            if !now_open && q < n && cell[q] == b'(' {
                (q, code, now_open) = (q + 1, code | OPEN, true);
            }
            if code == 0 || q >= n || !cell[q].is_ascii_digit() {
                break;
            }
            (i, sep, open) = (q, code, now_open);
        }
        if open && i < n && cell[i] == b')' {
            i += 1;
        }
        c.end = i;
        c.right_ok = right_boundary(cell, i);
        c
    }

    fn classify(&self, cell: &[u8]) -> u8 {
        // Dates and short numbers: every kind needs 4 groups (IPv4), 9 digits (SSN, and
        // phones without `+`) or a `+` (8 digits).
        if self.n < 4 && !self.plus && self.len[..self.n].iter().map(|&l| usize::from(l)).sum::<usize>() < 9 {
            return 0;
        }
        let mut found = 0;
        if self.ip4(cell) {
            found |= IP;
        }
        if self.ssn(cell) {
            found |= SSN;
        }
        if self.card(cell) {
            found |= CARD;
        } else if self.phone(cell) {
            // A card's digits hold phone-shaped runs (`4000 0566 5566 5556`): one or the other.
            found |= PHONE;
        }
        found
    }

    /// Whether a match may start at group `a`.
    fn starts(&self, a: usize) -> bool {
        if a == 0 {
            self.left_ok && !self.plus
        } else {
            loose(self.sep[a])
        }
    }

    /// Whether a match may end with group `b`.
    fn ends(&self, b: usize) -> bool {
        if b + 1 == self.n {
            self.right_ok
        } else {
            loose(self.sep[b + 1])
        }
    }

    /// Whether group `a` is in parentheses (opened right before it).
    fn in_parens(&self, a: usize) -> bool {
        if a == 0 {
            self.open_first
        } else {
            self.sep[a] & OPEN != 0
        }
    }

    fn digits<'a>(&self, cell: &'a [u8], g: usize) -> &'a [u8] {
        &cell[self.start[g]..self.start[g] + usize::from(self.len[g])]
    }

    fn lens(&self, a: usize, want: &[u8]) -> bool {
        a + want.len() <= self.n && self.len[a..a + want.len()] == *want
    }

    /// Dotted quads: exactly four groups joined by dots, not inside a longer dotted number.
    fn ip4(&self, cell: &[u8]) -> bool {
        let mut a = 0;
        while a < self.n {
            let mut b = a;
            while b + 1 < self.n && self.sep[b + 1] == DOT {
                b += 1;
            }
            if b == a + 3 && (a > 0 || self.left_ok && !self.plus) && (b + 1 < self.n || self.right_ok) {
                let mut octets = [0u16; 4];
                let ok = (0..4).all(|k| {
                    let d = self.digits(cell, a + k);
                    octets[k] = number(d) as u16;
                    (1..=3).contains(&d.len()) && (d.len() == 1 || d[0] != b'0') && octets[k] <= 255
                });
                if ok && !matches!(octets[0], 0 | 127 | 224..) {
                    return true;
                }
            }
            a = b + 1;
        }
        false
    }

    /// `AAA-GG-SSSS` anywhere, or `AAA GG SSSS` as the whole chunk.
    fn ssn(&self, cell: &[u8]) -> bool {
        let valid = |a: usize| {
            let (area, group, serial) = (
                number(self.digits(cell, a)),
                number(self.digits(cell, a + 1)),
                number(self.digits(cell, a + 2)),
            );
            !matches!(area, 0 | 666 | 900..)
                && group != 0
                && serial != 0
                && (area, group, serial) != (78, 5, 1120)
                && (area, group, serial) != (219, 9, 9999)
        };
        let dashed = (0..self.n.saturating_sub(2)).any(|a| {
            self.lens(a, &[3, 2, 4])
                && self.sep[a + 1] == DASH
                && self.sep[a + 2] == DASH
                && self.starts(a)
                && self.ends(a + 2)
                && valid(a)
        });
        dashed
            || self.n == 3
                && self.lens(0, &[3, 2, 4])
                && self.sep[1] == SP
                && self.sep[2] == SP
                && self.starts(0)
                && self.right_ok
                && valid(0)
    }

    /// 13–19 digits, bare or grouped (four, then 3–6 each, one separator), Luhn and issuer.
    fn card(&self, cell: &[u8]) -> bool {
        for a in 0..self.n {
            if !self.starts(a) {
                continue;
            }
            let first = usize::from(self.len[a]);
            if (13..=19).contains(&first) && self.ends(a) && self.card_ok(cell, a, a) {
                return true;
            }
            if first != 4 || a + 1 >= self.n {
                continue;
            }
            let joint = self.sep[a + 1];
            if joint != SP && joint != DASH {
                continue;
            }
            let mut total = 4;
            let mut b = a + 1;
            while b < self.n && self.sep[b] == joint {
                let len = usize::from(self.len[b]);
                total += len;
                if total > 19 || len > 6 {
                    break;
                }
                if total >= 13 && self.ends(b) && self.card_ok(cell, a, b) {
                    return true;
                }
                if len < 3 {
                    break;
                }
                b += 1;
            }
        }
        false
    }

    fn card_ok(&self, cell: &[u8], a: usize, b: usize) -> bool {
        let mut digits = [0u8; 19];
        let mut len = 0;
        for g in a..=b {
            for &d in self.digits(cell, g) {
                digits[len] = d - b'0';
                len += 1;
            }
        }
        let digits = &digits[..len];
        luhn(digits) && issuer(digits)
    }

    fn phone(&self, cell: &[u8]) -> bool {
        if self.plus && self.left_ok && cell[self.start[0]] != b'0' {
            let mut total = 0;
            for b in 0..self.n {
                total += usize::from(self.len[b]);
                if total > 15 {
                    break;
                }
                if self.ends(b) && total >= if b == 0 { 10 } else { 8 } {
                    return true;
                }
            }
        }
        (0..self.n).any(|a| {
            (if a == 0 {
                self.left_ok && !self.plus
            } else {
                loose(self.sep[a])
            }) && (self.north_american(cell, a) || self.trunk(cell, a) || self.access(cell, a))
        })
    }

    /// `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `415 555 2671`, `1-415-555-2671`.
    fn north_american(&self, cell: &[u8], a: usize) -> bool {
        let mut k = a;
        if self.len[k] == 1 && cell[self.start[k]] == b'1' && k + 3 < self.n {
            if !matches!(self.sep[k + 1] & !OPEN, SP | DASH | DOT) {
                return false;
            }
            k += 1;
        }
        if !self.lens(k, &[3, 3, 4]) || !self.ends(k + 2) {
            return false;
        }
        let (area, exchange) = (cell[self.start[k]], cell[self.start[k + 1]]);
        if !(b'2'..=b'9').contains(&area) || !(b'2'..=b'9').contains(&exchange) {
            return false;
        }
        let (first, second) = (self.sep[k + 1], self.sep[k + 2]);
        if first & CLOSE != 0 {
            self.in_parens(k)
                && first & OPEN == 0
                && matches!(first & MID, 0 | SP | DASH)
                && matches!(second, SP | DASH | DOT)
        } else {
            first == second && matches!(first, SP | DASH | DOT)
        }
    }

    /// A national number with a trunk `0`: `020 7946 0958`, `07700 900123`, `(020) 7946 0958`.
    fn trunk(&self, cell: &[u8], a: usize) -> bool {
        let first = self.digits(cell, a);
        if !(2..=5).contains(&first.len()) || first[0] != b'0' || first[1] == b'0' {
            return false;
        }
        let mut joint = 0;
        let mut total = first.len();
        for b in a + 1..self.n {
            let sep = self.sep[b];
            if b == a + 1 && sep & CLOSE != 0 {
                // `(020) 7946 0958`
                if !self.in_parens(a) || sep & OPEN != 0 || !matches!(sep & MID, 0 | SP) {
                    return false;
                }
            } else if !matches!(sep, SP | DASH | DOT | SLASH) || joint != 0 && sep != joint {
                return false;
            } else {
                joint = sep;
            }
            let len = usize::from(self.len[b]);
            total += len;
            if !(2..=8).contains(&len) || total > 12 {
                return false;
            }
            // Four dotted groups of up to three digits make an IP address, if anything.
            let dotted_quad = joint == DOT && b == a + 3 && (a..=b).all(|g| self.len[g] <= 3);
            if total >= 10 && self.ends(b) && !dotted_quad {
                return true;
            }
        }
        false
    }

    /// The international access code `00` and a country code: `0044 20 7946 0958`.
    fn access(&self, cell: &[u8], a: usize) -> bool {
        let first = self.digits(cell, a);
        if !(3..=5).contains(&first.len()) || first[..2] != *b"00" || first[2] == b'0' {
            return false;
        }
        let mut total = first.len();
        for b in a + 1..self.n {
            if !matches!(self.sep[b], SP | DASH | DOT | SLASH) {
                return false;
            }
            total += usize::from(self.len[b]);
            if total > 17 {
                return false;
            }
            if total >= 11 && self.ends(b) {
                return true;
            }
        }
        false
    }
}

/// The value of a short run of ASCII digits.
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, &d| n.wrapping_mul(10).wrapping_add(u32::from(d - b'0')))
}

/// Luhn check over digit values (0–9).
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                if d > 4 { 2 * d - 9 } else { 2 * d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A known issuer prefix with one of its lengths, on digit values.
fn issuer(d: &[u8]) -> bool {
    let prefix = |k: usize| d[..k].iter().fold(0u32, |n, &x| n * 10 + u32::from(x));
    let len = d.len();
    let (p2, p3, p4) = (prefix(2), prefix(3), prefix(4));
    let visa = d[0] == 4 && matches!(len, 13 | 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let amex = matches!(p2, 34 | 37) && len == 15;
    let discover = (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && (16..=19).contains(&len);
    let jcb = (3528..=3589).contains(&p4) && (16..=19).contains(&len);
    let diners = (p2 == 36 || (300..=305).contains(&p3) || matches!(p2, 38 | 39)) && (14..=19).contains(&len);
    let unionpay = p2 == 62 && (16..=19).contains(&len);
    let maestro = matches!(p4, 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761..=6763) && (13..=19).contains(&len);
    let mir = (2200..=2204).contains(&p4) && (16..=19).contains(&len);
    visa || mastercard || amex || discover || jcb || diners || unionpay || maestro || mir
}

/// IBAN length by country (SWIFT's IBAN registry).
fn iban_length(country: [u8; 2]) -> Option<usize> {
    Some(match &country {
        b"NO" => 15,
        b"BE" => 16,
        b"DK" | b"FI" | b"FO" | b"GL" | b"NL" => 18,
        b"MK" | b"SI" => 19,
        b"AT" | b"BA" | b"EE" | b"KZ" | b"LT" | b"LU" | b"XK" => 20,
        b"CH" | b"HR" | b"LI" | b"LV" => 21,
        b"BG" | b"BH" | b"CR" | b"DE" | b"GB" | b"GE" | b"IE" | b"ME" | b"RS" | b"VA" => 22,
        b"AE" | b"GI" | b"IL" | b"IQ" | b"TL" => 23,
        b"AD" | b"CZ" | b"ES" | b"MD" | b"PK" | b"RO" | b"SA" | b"SE" | b"SK" | b"TN" | b"VG" => 24,
        b"PT" | b"ST" => 25,
        b"IS" | b"TR" => 26,
        b"FR" | b"GR" | b"IT" | b"MC" | b"MR" | b"SM" => 27,
        b"AL" | b"AZ" | b"BY" | b"CY" | b"DO" | b"GT" | b"HU" | b"LB" | b"PL" | b"SV" => 28,
        b"BR" | b"EG" | b"PS" | b"QA" | b"UA" => 29,
        b"JO" | b"KW" | b"MU" => 30,
        b"MT" => 31,
        b"LC" => 32,
        _ => return None,
    })
}

/// The IBAN starting at `s` (two letters, then two digits), or `None`; returns its end.
fn iban(cell: &[u8], s: usize) -> Option<usize> {
    let n = cell.len();
    if s + 4 > n || !cell[s + 2].is_ascii_digit() || !cell[s + 3].is_ascii_digit() || !left_boundary(cell, s) {
        return None;
    }
    let len = iban_length([cell[s].to_ascii_uppercase(), cell[s + 1].to_ascii_uppercase()])?;
    let mut chars = [0u8; 34];
    chars[..4].copy_from_slice(&cell[s..s + 4]);
    let spaced = s + 4 < n && cell[s + 4] == b' ';
    let (mut k, mut i) = (4, s + 4);
    while k < len {
        if spaced && k % 4 == 0 {
            if i >= n || cell[i] != b' ' {
                return None;
            }
            i += 1;
        }
        if i >= n || !cell[i].is_ascii_alphanumeric() {
            return None;
        }
        chars[k] = cell[i];
        (k, i) = (k + 1, i + 1);
    }
    if !right_boundary(cell, i) {
        return None;
    }
    // Mod-97 of the number made by moving the first four characters to the end, letters
    // counting as 10–35.
    let remainder = chars[4..len].iter().chain(&chars[..4]).fold(0u32, |r, &c| {
        if c.is_ascii_digit() {
            (r * 10 + u32::from(c - b'0')) % 97
        } else {
            (r * 100 + u32::from(c.to_ascii_uppercase() - b'A') + 10) % 97
        }
    });
    (remainder == 1).then_some(i)
}

/// The NINO starting at `s` (two upper-case letters), or `None`; returns its end.
/// `AB123456C`, `AB 12 34 56 C`, `AB 123456 C`, `AB123456 C`.
fn nino(cell: &[u8], s: usize) -> Option<usize> {
    let at = |i: usize| cell.get(i).copied().unwrap_or(0);
    let (first, second) = (at(s), at(s + 1));
    let prefix_ok = first.is_ascii_uppercase()
        && second.is_ascii_uppercase()
        && !matches!(first, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V')
        && !matches!(second, b'D' | b'F' | b'I' | b'O' | b'Q' | b'U' | b'V')
        && !matches!(&[first, second], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ");
    if !prefix_ok || !left_boundary(cell, s) {
        return None;
    }
    let mut i = s + 2;
    if at(i) == b' ' {
        i += 1;
    }
    // Six digits, in pairs separated by single spaces or not at all.
    let paired = at(i + 2) == b' ';
    for pair in 0..3 {
        if pair > 0 && paired {
            if at(i) != b' ' {
                return None;
            }
            i += 1;
        }
        if !at(i).is_ascii_digit() || !at(i + 1).is_ascii_digit() {
            return None;
        }
        i += 2;
    }
    if at(i) == b' ' {
        i += 1;
    }
    if !matches!(at(i), b'A'..=b'D') {
        return None;
    }
    right_boundary(cell, i + 1).then_some(i + 1)
}

// ---------------------------------------------------------------------------------------------
// IPv6

fn is_v6(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Whether a run of hex digits, colons and dots with at least two colons is an IPv6 address.
#[inline(never)]
fn has_ipv6(cell: &[u8]) -> bool {
    let mut from = 0;
    while let Some(k) = memchr::memchr(b':', &cell[from..]) {
        let colon = from + k;
        let mut s = colon;
        while s > 0 && is_v6(cell[s - 1]) {
            s -= 1;
        }
        let mut e = colon + 1;
        while e < cell.len() && is_v6(cell[e]) {
            e += 1;
        }
        from = e;
        if !left_boundary(cell, s) || cell.get(s) == Some(&b'.') || e < cell.len() && is_word(cell[e]) {
            continue;
        }
        let mut t = e;
        while t > s && cell[t - 1] == b'.' {
            t -= 1;
        }
        // `addr fe80::1: up`: a colon may end the sentence, not the address (`fe80::` is one).
        if ipv6(&cell[s..t]) || t - s > 2 && cell[t - 1] == b':' && cell[t - 2] != b':' && ipv6(&cell[s..t - 1]) {
            return true;
        }
    }
    false
}

fn ipv6(token: &[u8]) -> bool {
    let colons = token.iter().filter(|&&b| b == b':').count();
    if !(2..=45).contains(&token.len()) || colons < 2 || !(colons >= 4 || token.iter().any(u8::is_ascii_digit)) {
        return false;
    }
    std::str::from_utf8(token)
        .ok()
        .and_then(|text| text.parse::<Ipv6Addr>().ok())
        .is_some_and(|address| !address.is_unspecified() && !address.is_loopback())
}

/// Personal data found in one clear output column: how many cells, and where first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The output column.
    pub column: String,
    /// What was found.
    pub kind: Kind,
    /// Cells it was found in.
    pub cells: u64,
    /// The first (up to) three physical lines.
    pub lines: Vec<u64>,
}

impl Finding {
    /// In a few words, for a line about a file: `email in NOTES (200 cells)`.
    pub fn brief(&self) -> String {
        format!(
            "{} in {} ({} cells)",
            self.kind.name(),
            crate::escape::name(&self.column),
            self.cells
        )
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(bits: u8) -> Vec<&'static str> {
        Kind::ALL
            .into_iter()
            .filter(|k| bits & k.bit() != 0)
            .map(Kind::name)
            .collect()
    }

    /// Each value, alone and inside a sentence, holds exactly `kind`.
    fn positives(kind: Kind, values: &[&str]) {
        for value in values {
            for cell in [
                value.to_string(),
                format!("Contact: {value}."),
                format!("({value}) and more"),
                format!("x\t{value}\ny"),
            ] {
                assert_eq!(names(scan(cell.as_bytes())), [kind.name()], "{cell:?}");
            }
        }
    }

    /// Each value, alone and inside a sentence, holds no `kind` (other kinds are allowed only
    /// where listed with the value).
    fn negatives(kind: Kind, values: &[&str]) {
        for value in values {
            for cell in [value.to_string(), format!("note {value} end")] {
                assert_eq!(scan(cell.as_bytes()) & kind.bit(), 0, "{kind} in {cell:?}");
            }
        }
    }

    /// Holds nothing at all, alone or in a sentence.
    fn clean(values: &[&str]) {
        for value in values {
            for cell in [value.to_string(), format!("note {value} end")] {
                assert_eq!(names(scan(cell.as_bytes())), Vec::<&str>::new(), "{cell:?}");
            }
        }
    }

    #[test]
    fn census_counts_every_byte_once() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let alphabet = b"0189.:@+aAZz/ \xff\x80\xb0\xba";
        for len in 0..600 {
            let cell: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            let count = |f: fn(&u8) -> bool| cell.iter().filter(|b| f(b)).count() as u32;
            let want = Census {
                digits: count(u8::is_ascii_digit),
                dots: count(|&b| b == b'.'),
                colons: count(|&b| b == b':'),
                ats: count(|&b| b == b'@'),
                pluses: count(|&b| b == b'+'),
                uppers: count(u8::is_ascii_uppercase),
            };
            assert_eq!(Census::of(&cell), want, "{cell:?}");
        }
        for b in 0..=255u8 {
            let cell = [b; 9];
            assert_eq!(Census::of(&cell).digits, if b.is_ascii_digit() { 9 } else { 0 }, "{b}");
        }
    }

    #[test]
    fn names_parse_and_bits() {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["email", "phone", "us-ssn", "uk-nino", "iban", "card", "ip"]);
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind.bit(), 1 << i);
            assert_eq!(Kind::parse(kind.name()), Some(kind));
            assert_eq!(Kind::parse(&kind.name().to_uppercase()), Some(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        for bad in ["", "ssn", "us_ssn", "nino", "ipv4", "mail", "email "] {
            assert_eq!(Kind::parse(bad), None, "{bad}");
        }
        let mut sorted = Kind::ALL;
        sorted.sort();
        assert_eq!(sorted, Kind::ALL);
    }

    #[test]
    fn email_positive() {
        positives(
            Kind::Email,
            &[
                "alice@worklytics.co",
                "Alice.Smith@Example.COM",
                "ben.smith1@example.com",
                "first.last+tag@sub.domain.co.uk",
                "o'brien@example.ie",
                "x_y-z@a-b.example.org",
                "a@b.co",
                "user@host.technologyverylongtld",
                "1234567@numbers.example.com",
                "mailto:jo@example.com",
                "jo@example.com.",
            ],
        );
        for cell in [
            "Alice Example <alice@worklytics.co>",
            "\"Alice Example\" <alice@worklytics.co>",
            "\"john smith\"@example.com",
            "john(comment)@example.com",
            "please write to jo@example.com, or call",
            "emails: a@x.com;b@y.org",
            "see...jo@example.com",
            "see..jo@example.com",
            "é jo@example.com ü",
            "email=jo@example.com&x=1",
            "<jo@example.com>",
            "a@b@c.com",
            "https://user:pass@host.example.com/path",
        ] {
            assert_eq!(names(scan(cell.as_bytes())), ["email"], "{cell:?}");
        }
    }

    #[test]
    fn email_negative() {
        clean(&[
            "@handle",
            "@handle.example",
            "ping @alice please",
            "a@b",
            "foo@localhost",
            "alice@acme.c",
            "@scope/pkg@1.2.3",
            "name@company",
            "trailing.@example.com",
            "jo@-example.com",
            "jo@example.com1",
            "https://medium.com/@someone/post-title",
            "@@@@@@",
            "price@12.50",
        ]);
        // psoxy's grammar allows white space around `@` in a whole value, not in text.
        assert_eq!(scan(b"x @ y.com"), EMAIL);
        assert_eq!(scan(b"note x @ y.com end"), 0);
        // An address, but not an e-mail one.
        negatives(Kind::Email, &["user@10.0.0.1", "user@[10.0.0.1]"]);
        assert_eq!(names(scan(b"user@10.0.0.1")), ["ip"]);
    }

    #[test]
    fn phone_positive() {
        positives(
            Kind::Phone,
            &[
                "+1 415 555 2671",
                "+1-415-555-2671",
                "+1 (415) 555-2671",
                "+14155552671",
                "+44 20 7946 0958",
                "+44 (0)20 7946 0958",
                "+442079460958",
                "+33 1 23 45 67 89",
                "+49-30-1234567",
                "+49 30 1234567",
                "+353 1 234 5678",
                "+61 2 9876 5432",
                "+91 98765 43210",
                "(415) 555-2671",
                "(415)555-2671",
                "(415) 555 2671",
                "415-555-2671",
                "415.555.2671",
                "415 555 2671",
                "1-415-555-2671",
                "1 (415) 555-2671",
                "020 7946 0958",
                "(020) 7946 0958",
                "07700 900123",
                "0161 496 0123",
                "01 23 45 67 89",
                "06-12-34-56-78",
                "030 1234567",
                "030/1234567",
                "020-7946-0958",
                "0044 20 7946 0958",
                "0033 1 23 45 67 89",
            ],
        );
        for cell in [
            "Room 12 020 7946 0958",
            "E0001 415-555-2671",
            "call 415-555-2671 x12",
            "mobile:+44 7700 900123",
            "tel. 07700 900123; fax 020 7946 0958",
            "+44 20 7946 0958 2024",
        ] {
            assert_eq!(names(scan(cell.as_bytes())), ["phone"], "{cell:?}");
        }
    }

    #[test]
    fn phone_negative() {
        clean(&[
            "12345",
            "337500",
            "100234",
            "4155552671",
            "02079460958",
            "ID-4155552671X",
            "ID-415-555-2671",
            "4155552671X",
            "555-2671",
            "2024-06-30",
            "30/06/2024",
            "2024.06.30",
            "30.06.2024",
            "06/30/2024 12:30",
            "2024-06-30 12:30:45",
            "1,234,567",
            "123456.78",
            "1 234 567",
            "12:30:45",
            "E0001",
            "E0000001",
            "02134-1234",
            "123-456-7890",
            "012345678.90",
            "0.5 1.5 2.5",
            "v415-555-2671",
            "415-555-26710",
            "415-555-2671-9",
            "+1.5",
            "+12345",
            "+123456789",
            "1 2 3 4 5 6 7 8 9 10",
            "2023 2024 2025",
        ]);
        // Other kinds, never also a phone.
        negatives(
            Kind::Phone,
            &[
                "123-45-6789",
                "123 45 6789",
                "4111 1111 1111 1111",
                "4000 0566 5566 5556",
                "4111-1111-1111-1111",
                "4111111111111111",
                "GB82 WEST 1234 5698 7654 32",
                "NL91 ABNA 0417 1643 00",
                "192.168.1.10",
                "010.100.200.30",
            ],
        );
    }

    #[test]
    fn ssn_positive() {
        positives(
            Kind::UsSsn,
            &[
                "123-45-6789",
                "123 45 6789",
                "001-01-0001",
                "665-99-9999",
                "667-01-0001",
                "899-99-9999",
                "078-05-1121",
                "219-09-9998",
                "536-22-8726",
                "772-01-2345",
            ],
        );
        for cell in [
            "SSN:123-45-6789",
            "ssn 123-45-6789, dob 1980-01-01",
            "2024 123-45-6789",
            "SSN 123 45 6789",
            "SSN 123 45 6789.",
        ] {
            assert_eq!(names(scan(cell.as_bytes())), ["us-ssn"], "{cell:?}");
        }
    }

    #[test]
    fn ssn_negative() {
        clean(&[
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "999-99-9999",
            "123-00-4567",
            "123-45-0000",
            "078-05-1120",
            "219-09-9999",
            "123456789",
            "123-456-789",
            "12-345-6789",
            "123-45-67890",
            "1123-45-6789",
            "123-45-6789-1",
            "A123-45-6789",
            "123-45-6789X",
            "123.45.6789",
            "123/45/6789",
            "123-45 6789",
            "1 123 45 6789",
        ]);
    }

    #[test]
    fn nino_positive() {
        positives(
            Kind::UkNino,
            &[
                "AB123456C",
                "AB 12 34 56 C",
                "AB 123456 C",
                "AB123456 C",
                "AB 12 34 56 A",
                "JG103759A",
                "OA123456D",
                "CE987654B",
                "ZY000000A",
                "NA123456B",
                "TA123456C",
                "KA654321D",
            ],
        );
        assert_eq!(names(scan(b"NINO: AB123456C, start 2024-06-30")), ["uk-nino"]);
    }

    #[test]
    fn nino_negative() {
        clean(&[
            "QQ123456C",
            "DA123456A",
            "FA123456A",
            "IA123456A",
            "UA123456A",
            "VA123456A",
            "AD123456A",
            "AO123456A",
            "AQ123456A",
            "BG123456A",
            "GB123456A",
            "NK123456A",
            "KN123456A",
            "TN123456A",
            "NT123456A",
            "ZZ123456A",
            "AB123456E",
            "AB123456",
            "ab123456c",
            "AB12345C",
            "AB1234567C",
            "XAB123456C",
            "AB123456CD",
            "AB 12 3456 C",
            "AB-123456-C",
        ]);
    }

    const IBANS: [&str; 37] = [
        "GB82 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91 ABNA 0417 1643 00",
        "BE68 5390 0754 7034",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "CH93 0076 2011 6238 5295 7",
        "AT61 1904 3002 3457 3201",
        "NO93 8601 1117 947",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "PL61 1090 1014 0000 0712 1981 2874",
        "SE45 5000 0000 0583 9825 7466",
        "IE29 AIBK 9311 5212 3456 78",
        "PT50 0002 0123 1234 5678 9015 4",
        "DK50 0040 0440 1162 43",
        "FI21 1234 5600 0007 85",
        "BG80 BNBG 9661 1020 3456 78",
        "HU42 1177 3016 1111 1018 0000 0000",
        "RO49 AAAA 1B31 0075 9384 0000",
        "LU28 0019 4006 4475 0000",
        "SK31 1200 0000 1987 4263 7541",
        "CZ65 0800 0000 1920 0014 5399",
        "GR16 0110 1250 0000 0001 2300 695",
        "LI21 0881 0000 2324 013A A",
        "IS14 0159 2600 7654 5510 7303 39",
        "SI56 2633 0001 2039 086",
        "EE38 2200 2210 2014 5685",
        "LT12 1000 0111 0100 1000",
        "LV80 BANK 0000 4351 9500 1",
        "HR12 1001 0051 8630 0016 0",
        "CY17 0020 0128 0000 0012 0052 7600",
        "SA03 8000 0000 6080 1016 7519",
        "AE07 0331 2345 6789 0123 456",
        "TR33 0006 1005 1978 6457 8413 26",
        "BR97 0036 0305 0000 1000 9795 493P 1",
        "QA58 DOHB 0000 1234 5678 90AB CDEF G",
    ];

    #[test]
    fn iban_positive() {
        positives(Kind::Iban, &IBANS);
        let compact: Vec<String> = IBANS.iter().map(|s| s.replace(' ', "")).collect();
        positives(Kind::Iban, &compact.iter().map(String::as_str).collect::<Vec<_>>());
        positives(Kind::Iban, &["gb82west12345698765432", "IBAN:DE89370400440532013000"]);
    }

    #[test]
    fn iban_negative() {
        let mut bad = vec![
            "GB82 WEST 1234 5698 7654 33".to_string(),
            "GB82WEST1234569876543".into(),
            "GB82WEST123456987654321".into(),
            "XX82WEST12345698765432".into(),
            "DE89 3704 0044 0532 0130 0".into(),
            "DE8937040044053201300".into(),
            "GB82 WEST 12345698765432".into(),
            "GB82  WEST 1234 5698 7654 32".into(),
            "XGB82WEST12345698765432".into(),
            "GB82WEST12345698765432X".into(),
            "GB82-WEST-1234-5698-7654-32".into(),
        ];
        // Every single-character change breaks the check digits.
        for iban in ["DE89370400440532013000", "GB82WEST12345698765432"] {
            for (i, b) in iban.bytes().enumerate().skip(2) {
                let mut changed = iban.as_bytes().to_vec();
                changed[i] = if b.is_ascii_digit() {
                    b'0' + (b - b'0' + 1) % 10
                } else {
                    b'A' + (b - b'A' + 1) % 26
                };
                bad.push(String::from_utf8(changed).unwrap());
            }
        }
        negatives(Kind::Iban, &bad.iter().map(String::as_str).collect::<Vec<_>>());
    }

    const CARDS: [&str; 20] = [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4012888888881881",
        "4222222222222",
        "4000 0566 5566 5556",
        "5555 5555 5555 4444",
        "5105105105105100",
        "2223 0031 2200 3222",
        "378282246310005",
        "3782 822463 10005",
        "371449635398431",
        "6011 1111 1111 1117",
        "6011000990139424",
        "3530111333300000",
        "3566 0020 2036 0505",
        "30569309025904",
        "3056 930902 5904",
        "6200000000000005",
        "6759 6498 2643 8453",
    ];

    #[test]
    fn card_positive() {
        positives(Kind::Card, &CARDS);
        for cell in [
            "card 4111 1111 1111 1111 exp 12/26",
            "4111 1111 1111 1111 12/26",
            "#4111111111111111",
        ] {
            assert_eq!(names(scan(cell.as_bytes())), ["card"], "{cell:?}");
        }
    }

    #[test]
    fn card_negative() {
        clean(&[
            "4111111111111112",
            "4111 1111 1111 1112",
            "411111111111111",
            "41111111111111111",
            "1234567812345670",
            "9111111111111111",
            "7111111111111110",
            "378282246310006",
            "37828224631000",
            "411 1111 1111 1111",
            "4111 11 1111 1111 11",
            "4111 1111-1111 1111",
            "4111.1111.1111.1111",
            "4111111111111111X",
            "ID-4111111111111111",
            "+4111111111111111",
            "1719792000000",
            "1719792000000000",
            "00000000000000000",
            "4111  1111  1111  1111",
        ]);
        // Luhn-valid runs of other lengths or prefixes: the check digit is made to fit.
        for body in [
            "7992739871",
            "123456789012345",
            "800000000000000",
            "9999999999999999999",
            "41111111111111",
            "411111111111111111111",
            "3782822463100",
            "5105105105105",
            "10000000000000",
            "0411111111111111",
        ] {
            let digits = (0..10)
                .map(|d| format!("{body}{d}"))
                .find(|s| luhn(&s.bytes().map(|b| b - b'0').collect::<Vec<_>>()))
                .unwrap();
            assert_eq!(scan(digits.as_bytes()), 0, "{digits}");
            assert_eq!(scan(format!("card {digits}").as_bytes()), 0, "{digits}");
        }
    }

    #[test]
    fn ip_positive() {
        positives(
            Kind::Ip,
            &[
                "192.168.1.10",
                "10.0.0.1",
                "8.8.8.8",
                "172.16.254.1",
                "203.0.113.195",
                "1.2.3.4",
                "223.255.255.254",
                "2001:db8::1",
                "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
                "2001:db8:85a3::8a2e:370:7334",
                "fe80::1ff:fe23:4567:890a",
                "::ffff:192.0.2.128",
                "64:ff9b::192.0.2.33",
                "fe80::1",
                "dead:beef:cafe:babe::",
            ],
        );
        for cell in [
            "login from 10.0.0.1:8080",
            "net 10.0.0.0/8 via 10.1.2.3",
            "http://[2001:db8::1]:8080/",
            "fe80::1%eth0",
            "addr 2001:db8::1: up",
            "version 1.2 at 192.168.0.1",
        ] {
            assert_eq!(names(scan(cell.as_bytes())), ["ip"], "{cell:?}");
        }
    }

    #[test]
    fn ip_negative() {
        clean(&[
            "1.2.3.4.5",
            "v1.2.3.4",
            "1.2.3",
            "2024.06.30",
            "256.1.1.1",
            "1.2.3.256",
            "192.168.01.1",
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "255.255.255.0",
            "224.0.0.1",
            "1.2.3.4a",
            "a1.2.3.4",
            "12:30:45",
            "12:30",
            "2024-07-01T12:30:45Z",
            "2024-07-01T12:30:45.123+02:00",
            "00:1A:2B:3C:4D:5E",
            "::",
            "::1",
            "std::vector",
            "Foo::Bar",
            "ab::cd",
            "1:2:3:4:5:6:7:8:9",
            "12345::1",
            "::g",
            "a:b",
            "{\"hash\":\"abc\",\"salt\":\"def\"}",
        ]);
    }

    /// Values HRIS exports hold in clear columns: none is personal data.
    #[test]
    fn clean_hris_values() {
        clean(&[
            "2024-07-01",
            "2024-06-30",
            "30/06/2024",
            "06/30/2024",
            "2024.06.30",
            "20240630",
            "2024-07-01T12:30:45Z",
            "2024-07-01T12:30:45.123456+02:00",
            "2024-07-01 12:30:45",
            "Mon, 01 Jul 2024 12:30:45 GMT",
            "337500",
            "40000",
            "199999",
            "123456.78",
            "1,234,567",
            "1,234,567.89",
            "$120,000.00",
            "€ 85.000,00",
            "-1234567",
            "E0001",
            "E0000001",
            "E0012345",
            "EMP-100234",
            "100234",
            "Engineering",
            "Engineering 12",
            "Manager, Operations",
            "Austin, TX",
            "London, UK",
            "Toronto, ON",
            "VP, Engineering",
            "Account Executive",
            "Remote",
            "true",
            "FULL_TIME",
            "123e4567-e89b-12d3-a456-426614174000",
            "550E8400-E29B-41D4-A716-446655440000",
            "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc",
            "t~xqZ3ab12CD34ef56GH78ij90KL12mn34OP56qr78ST9",
            "{\"hash\":\"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\"}",
            "{\"scope\":\"hris\",\"hash\":\"AB123456CDE89370400440532013000xyz\"}",
            "https://example.com/people/100234?tab=profile",
            "https://www.example.co.uk/a/b-c/2024/06/30/index.html",
            "1.2.3",
            "v1.2.3.4",
            "10.0.19041.1",
            "0.12.5",
            "3.14159",
            "SHA256:0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef01234567",
            "Q2 2024",
            "FY2024-Q3",
            "L5",
            "IC4",
            "Team 40",
            "Sales 3",
            "50%",
            "12:30",
            "-",
            "",
            "N/A",
        ]);
    }

    /// Numbers in notes that are not personal data.
    #[test]
    fn clean_free_text() {
        clean(&[
            "ISBN 978-3-16-148410-0",
            "Invoice INV-2024-000123 paid",
            "Order #123456789 shipped",
            "Ticket JIRA-12345, sprint 42",
            "Office at 30.2672, -97.7431",
            "UPS 1Z999AA10123456784",
            "Total: 1,234,567.89 USD",
            "Budget 1 250 000 EUR for 2025",
            "Sort code 60-16-13",
            "Start 30 06 2024, 09:00-17:30",
            "Meeting 2024-06-30 10:00-12:00 UTC+02:00",
            "Promoted 2023-04-01; salary 120000 -> 135000 (+12.5%)",
            "Employee E0001 replaces E0002 from 2024-07-01",
            "Rated 4.5/5 in Q2; 3 direct reports",
            "Moved to cost centre CC-1000-2000",
            "Laptop S/N C02XK0ABJG5H, asset 100234",
            "See https://wiki.example.com/pages/viewpage.action?pageId=123456789",
            "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ]);
    }

    #[test]
    fn mixed_free_text() {
        let cell = "Call +44 20 7946 0958 or mail jo@example.com; SSN 123-45-6789, NI AB 12 34 56 C, \
                    IBAN GB82 WEST 1234 5698 7654 32, card 4111 1111 1111 1111, from 192.168.1.10.";
        assert_eq!(scan(cell.as_bytes()), 0x7f, "{:?}", names(scan(cell.as_bytes())));
        let cell = "Met on 2024-06-30 at 10:30, salary 120,000; phone (415) 555-2671, ip fe80::1ff:fe23:4567:890a";
        assert_eq!(names(scan(cell.as_bytes())), ["phone", "ip"]);
        let cell = "Promoted to VP, Engineering in 2023; reports to E0000042. Review due 2025-01-15.";
        assert_eq!(scan(cell.as_bytes()), 0);
        let cell = "old card 5555555555554444 / new 378282246310005";
        assert_eq!(names(scan(cell.as_bytes())), ["card"]);
        let cell = "NINO JG103759A; acct DE89370400440532013000";
        assert_eq!(names(scan(cell.as_bytes())), ["uk-nino", "iban"]);
        // Non-UTF-8 and odd bytes do not panic.
        assert_eq!(scan(b"\xff\xfe jo@example.com \xff"), EMAIL);
        assert_eq!(scan(b"\xff123-45-6789\xff"), SSN);
        for cell in [
            &b"((((((((("[..],
            b"+++++++++",
            b"::::::::",
            b"@@@@@@",
            b"1(2(3(4(5(6(7",
            b")1)2)3)4)5)6)7",
        ] {
            let _ = scan(cell);
        }
    }

    /// Random cells over the bytes the detectors care about never panic, and a match found in
    /// a cell is found again when the cell is surrounded by spaces.
    #[test]
    fn random_cells_are_safe() {
        let alphabet = b"0123456789      +-./()@:ABCDGNQZabcefx\xc3\xa9_,;";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut cell = Vec::new();
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 48) as usize;
            cell.clear();
            let mut bits = state;
            for i in 0..len {
                if i % 8 == 7 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    bits = state;
                }
                cell.push(alphabet[(bits % alphabet.len() as u64) as usize]);
                bits >>= 6;
            }
            let found = scan(&cell);
            let mut spaced = b"  ".to_vec();
            spaced.extend_from_slice(&cell);
            spaced.extend_from_slice(b"  ");
            // Padding hides only whole-cell mailboxes (`x @ y.com`, not found inside text).
            let again = scan(&spaced);
            assert_eq!(
                found & !EMAIL & again,
                found & !EMAIL,
                "{:?}",
                String::from_utf8_lossy(&cell)
            );
        }
        // Fragments of every kind, glued at random.
        let fragments: [&[u8]; 24] = [
            b"GB82",
            b"WEST",
            b" 1234",
            b"5698",
            b"DE89",
            b"AB",
            b" 12",
            b"C",
            b"4111",
            b"-1111",
            b" 1111",
            b"123-45-",
            b"6789",
            b"+44 ",
            b"(0)",
            b"20 ",
            b"::",
            b"fe80",
            b"192.168.",
            b"1.",
            b"@x.com",
            b"jo",
            b".",
            b" ",
        ];
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cell.clear();
            let mut bits = state;
            for _ in 0..(state % 12) {
                cell.extend_from_slice(fragments[(bits % fragments.len() as u64) as usize]);
                bits /= fragments.len() as u64;
            }
            let _ = scan(&cell);
        }
        for cell in [
            ": x :", ":a:", ": :", "::", "1:", ":1", "a::.", ".::1", "::1:", "1.2.3.4:", "@", "@.", ".@",
        ] {
            let _ = scan(cell.as_bytes());
            let _ = scan(format!("      {cell}").as_bytes());
            let _ = scan(format!("{cell}      ").as_bytes());
        }
    }

    /// The generator's planted personal data, found with the exact counts it promises.
    #[test]
    fn generated_planted_columns() {
        const ROWS: u64 = 3000;
        let mut data = Vec::new();
        veil_generate::write_hris_planted(&mut data, ROWS, 11).unwrap();
        let text = String::from_utf8(data).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut counts = std::collections::BTreeMap::new();
        for line in lines {
            for (column, cell) in header.iter().zip(cells(line)) {
                for kind in names(scan(cell.as_bytes())) {
                    *counts.entry((column.to_string(), kind)).or_insert(0u64) += 1;
                }
            }
        }
        let mut want = std::collections::BTreeMap::new();
        for planted in veil_generate::PLANTED {
            want.insert((planted.column.to_string(), planted.kind), ROWS / planted.every);
        }
        want.insert(("EMPLOYEE_EMAIL".into(), "email"), ROWS);
        want.insert(("MANAGER_EMAIL".into(), "email"), ROWS - 1);
        assert_eq!(counts, want);
    }

    /// Every truncation and extension of a cell with PII stays in bounds.
    #[test]
    fn all_prefixes_and_suffixes_are_safe() {
        let cell = "Call +44 (0)20 7946 0958, jo@example.com, 123-45-6789, AB 12 34 56 C, \
                    GB82 WEST 1234 5698 7654 32, 4111-1111-1111-1111, 10.0.0.1, 2001:db8::1";
        let bytes = cell.as_bytes();
        for i in 0..=bytes.len() {
            let _ = scan(&bytes[..i]);
            let _ = scan(&bytes[i..]);
        }
    }

    /// The generator's data: e-mails where it writes e-mails, nothing anywhere else.
    #[test]
    fn generated_hris_columns() {
        let mut data = Vec::new();
        veil_generate::write_hris(&mut data, 2000, 7).unwrap();
        let text = String::from_utf8(data).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        for line in lines {
            for (column, cell) in header.iter().zip(cells(line)) {
                let want = if column.ends_with("_EMAIL") && !cell.is_empty() {
                    EMAIL
                } else {
                    0
                };
                assert_eq!(scan(cell.as_bytes()), want, "{column} {cell:?}");
            }
        }
    }

    /// The generator's CSV: quoted fields hold commas but no quotes.
    fn cells(line: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = line;
        loop {
            if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').unwrap();
                out.push(&quoted[..end]);
                rest = &quoted[end + 1..];
            } else {
                let end = rest.find(',').unwrap_or(rest.len());
                out.push(&rest[..end]);
                rest = &rest[end..];
            }
            match rest.strip_prefix(',') {
                Some(next) => rest = next,
                None => return out,
            }
        }
    }

    /// `cargo test --release --no-default-features --lib pii::tests::cost -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run in release"]
    fn cost() {
        use std::hint::black_box;
        use std::time::Instant;
        let mut data = Vec::new();
        veil_generate::write_hris(&mut data, 100_000, 1).unwrap();
        let text = String::from_utf8(data).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let (mut clear, mut emails) = (Vec::new(), Vec::new());
        for line in lines {
            for (column, cell) in header.iter().zip(cells(line)) {
                if column.ends_with("_EMAIL") {
                    emails.push(cell)
                } else {
                    clear.push(cell)
                }
            }
        }
        let notes: Vec<String> = (0..100_000)
            .map(|i| match i % 5 {
                0 => format!(
                    "Promoted to VP, Engineering in 2023; reports to E{:07}. Review due 2025-01-15.",
                    i
                ),
                1 => format!(
                    "Moved from the London, UK office on 2024-06-{:02}; relocation budget 12,500.",
                    i % 28 + 1
                ),
                2 => format!("Personal phone +44 7700 9{:05} for emergencies.", i % 100_000),
                3 => format!("Asked to reach her at jane.doe{i}@gmail.com after leave ends."),
                _ => "Completed onboarding and security training; no open items.".to_string(),
            })
            .collect();
        let time = |name: &str, cells: &[&str]| {
            let rounds = 5;
            let start = Instant::now();
            let mut found = 0usize;
            for _ in 0..rounds {
                for cell in cells {
                    found += usize::from(black_box(scan(black_box(cell.as_bytes()))) != 0);
                }
            }
            let ns = start.elapsed().as_nanos() as f64 / (rounds * cells.len()) as f64;
            let bytes = cells.iter().map(|c| c.len()).sum::<usize>() as f64 / cells.len() as f64;
            println!(
                "{name}: {} cells, {bytes:.1} bytes/cell, {ns:.1} ns/cell, {} with findings",
                cells.len(),
                found / rounds
            );
        };
        for sample in [
            "Engineering",
            "2024-07-01",
            "E0000001",
            "123456",
            "\"Austin, TX\"",
            "",
            "Engineering 12",
        ] {
            time(sample, &vec![sample; 1_000_000]);
        }
        time("HRIS clear columns", &clear);
        time("HRIS e-mail columns", &emails);
        let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
        time("notes (free text)", &notes);
    }
}
