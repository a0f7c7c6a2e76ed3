//! Seeded synthetic HRIS files of any size, for veil's tests, benchmarks and `veil generate`
//! (no real people), and [`Rng`], the one small PRNG veil uses.
//!
//! 12 columns as HRIS exports have them; the org chart is realistic enough to matter for
//! performance: managers are earlier employees and repeat, the first employee has no
//! manager, a tenth have a leave date, and some values hold quoted commas.
#![warn(missing_docs)]

use std::io::{self, Write};

/// The generated header.
pub const HEADER: &str = "SNAPSHOT,EMPLOYEE_ID,EMPLOYEE_EMAIL,JOIN_DATE,LEAVE_DATE,MANAGER_ID,MANAGER_EMAIL,DEPARTMENT,TEAM,LOCATION,ROLE,SALARY";

const FIRST: [&str; 16] = [
    "ana", "ben", "chloe", "dev", "elena", "farid", "grace", "hiro", "ines", "jamal", "kim", "luca", "maya", "noah",
    "olga", "priya",
];
const LAST: [&str; 12] = [
    "smith", "garcia", "chen", "okafor", "muller", "rossi", "tanaka", "silva", "novak", "khan", "dubois", "larsen",
];
const DEPARTMENTS: [&str; 6] = ["Engineering", "Sales", "Marketing", "Finance", "People", "Operations"];
const LOCATIONS: [&str; 5] = [
    "\"Austin, TX\"",
    "\"London, UK\"",
    "Berlin",
    "\"Toronto, ON\"",
    "Remote",
];
const ROLES: [&str; 6] = [
    "Engineer",
    "\"Engineer, Platform\"",
    "Account Executive",
    "Analyst",
    "\"Manager, Operations\"",
    "Designer",
];

/// xorshift64: tiny, seeded, reproducible across platforms. Not for anything secret: it
/// generates test data and shuffles rows in blocks, as psoxy does.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// Shuffles `items` (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

fn email(i: u64) -> String {
    format!(
        "{}.{}{i}@example.com",
        FIRST[(i % 16) as usize],
        LAST[(i / 16 % 12) as usize]
    )
}

/// Personal data [`write_hris_planted`] plants in clear columns: in `column`, a `kind`
/// (its name in the PII guard) on every row whose number (1-based) is a multiple of `every`.
/// So a file of `rows` rows holds exactly `rows / every` cells of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planted {
    /// The column.
    pub column: &'static str,
    /// The kind (`email`, `phone`, ...).
    pub kind: &'static str,
    /// Every how many rows.
    pub every: u64,
}

/// What [`write_hris_planted`] plants.
pub const PLANTED: [Planted; 7] = [
    Planted {
        column: "NOTES",
        kind: "email",
        every: 5,
    },
    Planted {
        column: "NOTES",
        kind: "us-ssn",
        every: 7,
    },
    Planted {
        column: "NOTES",
        kind: "card",
        every: 13,
    },
    Planted {
        column: "NOTES",
        kind: "ip",
        every: 17,
    },
    Planted {
        column: "NOTES",
        kind: "uk-nino",
        every: 19,
    },
    Planted {
        column: "PERSONAL_PHONE",
        kind: "phone",
        every: 3,
    },
    Planted {
        column: "BANK_ACCOUNT",
        kind: "iban",
        every: 11,
    },
];

/// Writes a header and `rows` rows to `out`, deterministic for a given `seed`.
///
/// # Errors
/// Any write error.
pub fn write_hris<W: Write>(out: W, rows: u64, seed: u64) -> io::Result<()> {
    write(out, rows, seed, false)
}

/// As [`write_hris`], with three more columns a sanitizer's rules often forget, holding
/// personal data as [`PLANTED`] says: `NOTES` (free text with e-mails, SSNs, card numbers,
/// IP addresses and UK NI numbers inside it), `PERSONAL_PHONE` and `BANK_ACCOUNT` (IBANs).
/// All values are made up: documentation ranges, test card numbers, invented accounts.
///
/// # Errors
/// Any write error.
pub fn write_hris_planted<W: Write>(out: W, rows: u64, seed: u64) -> io::Result<()> {
    write(out, rows, seed, true)
}

/// The planted cells of row `i`: `NOTES`, `PERSONAL_PHONE`, `BANK_ACCOUNT`.
fn planted(i: u64) -> [String; 3] {
    let due = |kind: &str| PLANTED.iter().any(|p| p.kind == kind && i.is_multiple_of(p.every));
    let mut notes = vec!["quarterly review done".to_owned()];
    if due("email") {
        notes.push(format!(
            "personal mail {}.home{i}@mailbox.example.org",
            FIRST[(i % 16) as usize]
        ));
    }
    if due("us-ssn") {
        notes.push(format!(
            "SSN {:03}-{:02}-{:04} on file",
            101 + i % 500,
            10 + i % 89,
            1000 + i % 8999
        ));
    }
    if due("card") {
        let card = if i.is_multiple_of(2) {
            "4111 1111 1111 1111"
        } else {
            "5500-0000-0000-0004"
        };
        notes.push(format!("expenses card {card}"));
    }
    if due("ip") {
        notes.push(format!("VPN from 198.51.{}.{}", i % 256, 1 + i % 254));
    }
    if due("uk-nino") {
        notes.push(format!(
            "NI number AB {:02} {:02} {:02} C",
            i % 100,
            i / 100 % 100,
            i / 10_000 % 100
        ));
    }
    let phone = match (due("phone"), i % 2) {
        (false, _) => String::new(),
        (true, 0) => format!("+44 20 7946 {:04}", i % 10_000),
        (true, _) => format!("(415) 555-{:04}", i % 10_000),
    };
    let iban = if due("iban") { gb_iban(i) } else { String::new() };
    [notes.join("; "), phone, iban]
}

/// A made-up GB IBAN with valid check digits (bank `NWBK`, sort code 601613).
fn gb_iban(i: u64) -> String {
    let bban = format!("NWBK601613{:08}", 10_000_000 + i % 90_000_000);
    // ISO 13616: BBAN + country + "00", letters as 10..35, mod 97; check = 98 - remainder.
    let digits: String = format!("{bban}GB00")
        .chars()
        .map(|c| c.to_digit(36).expect("alphanumeric").to_string())
        .collect();
    let remainder = digits.bytes().fold(0u64, |r, d| (r * 10 + u64::from(d - b'0')) % 97);
    format!("GB{:02}{bban}", 98 - remainder)
}

fn write<W: Write>(out: W, rows: u64, seed: u64, plant: bool) -> io::Result<()> {
    // Buffered here: one write per row to a pipe or stdout would cost more than the rows.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut rng = Rng::new(seed);
    let mut line = String::with_capacity(256);
    out.write_all(HEADER.as_bytes())?;
    if plant {
        out.write_all(b",NOTES,PERSONAL_PHONE,BANK_ACCOUNT")?;
    }
    out.write_all(b"\n")?;
    for i in 1..=rows {
        line.clear();
        // Managers are earlier employees; a small pool, so each manager appears many times.
        let manager = if i == 1 { 0 } else { 1 + rng.next() % (i / 8).max(1) };
        let join = format!(
            "20{:02}-{:02}-{:02}",
            10 + rng.next() % 14,
            1 + rng.next() % 12,
            1 + rng.next() % 28
        );
        let leave = if rng.next().is_multiple_of(10) {
            "2024-06-30"
        } else {
            ""
        };
        let (manager_id, manager_email) = if manager == 0 {
            (String::new(), String::new())
        } else {
            (format!("E{manager:07}"), email(manager))
        };
        let department = rng.pick(&DEPARTMENTS);
        let team = rng.next() % 40;
        let location = rng.pick(&LOCATIONS);
        let role = rng.pick(&ROLES);
        let salary = 40_000 + rng.next() % 160_000;
        use std::fmt::Write as _;
        let _ = write!(
            line,
            "2024-07-01,E{i:07},{},{join},{leave},{manager_id},{manager_email},{department},{department} {team},{location},{role},{salary}",
            email(i)
        );
        if plant {
            let [notes, phone, iban] = planted(i);
            let _ = write!(line, ",{notes},{phone},{iban}");
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_ibans_pass_mod_97_and_planting_keeps_the_rest() {
        let iban = gb_iban(7);
        assert_eq!(iban.len(), 22);
        let moved = format!("{}{}", &iban[4..], &iban[..4]);
        let digits: String = moved.chars().map(|c| c.to_digit(36).unwrap().to_string()).collect();
        assert_eq!(digits.bytes().fold(0u64, |r, d| (r * 10 + u64::from(d - b'0')) % 97), 1);
        let (mut plain, mut planted) = (Vec::new(), Vec::new());
        write_hris(&mut plain, 40, 3).unwrap();
        write_hris_planted(&mut planted, 40, 3).unwrap();
        let (plain, planted) = (String::from_utf8(plain).unwrap(), String::from_utf8(planted).unwrap());
        for (a, b) in plain.lines().zip(planted.lines()) {
            assert!(b.starts_with(a), "{a}\n{b}");
            assert_eq!(b[a.len()..].matches(',').count(), 3, "{b}");
        }
        let row_35 = planted.lines().nth(35).unwrap();
        assert!(
            row_35.contains("@mailbox.example.org") && row_35.contains("SSN "),
            "{row_35}"
        );
    }

    #[test]
    fn same_seed_same_bytes_and_the_shape_is_right() {
        let mut a = Vec::new();
        write_hris(&mut a, 50, 7).unwrap();
        let mut b = Vec::new();
        write_hris(&mut b, 50, 7).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.lines().count(), 51);
        let second = text.lines().nth(1).unwrap();
        assert!(
            second.starts_with("2024-07-01,E0000001,ben.smith1@example.com,"),
            "{second}"
        );
        assert!(second.contains(",,,"), "the first employee has no manager: {second}");
        let mut c = Vec::new();
        write_hris(&mut c, 50, 8).unwrap();
        assert_ne!(text.as_bytes(), &c[..]);
    }
}
