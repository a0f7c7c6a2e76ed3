//! The numeric kinds, read from digit groups: phone numbers, US SSNs, UK NINOs, IBANs, payment
//! cards and IPv4 addresses.

use super::{CARD, IBAN, IP, NINO, PHONE, SSN, left_boundary, right_boundary};

/// Every numeric kind in the cell: IBANs and NINOs where a digit run follows two letters, then
/// the chunk of each remaining digit run.
#[inline(never)]
pub(super) fn numbers(cell: &[u8]) -> u8 {
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
pub(super) fn luhn(digits: &[u8]) -> bool {
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
