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
//!
//! [`Ipv6Addr`]: std::net::Ipv6Addr
use std::fmt;

mod email;
mod ip;
mod numbers;
#[cfg(test)]
mod tests;

use email::has_email;
use ip::has_ipv6;
use numbers::numbers;

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

    /// This kind's bit in the set the scan returns: `1 << index` in [`Kind::ALL`].
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
