//! Seeded synthetic HRIS files of any size, for benchmarks and demos (no real people).
//!
//! 12 columns as HRIS exports have them; the org chart is realistic enough to matter for
//! performance: managers are earlier employees and repeat, the first employee has no
//! manager, a tenth have a leave date, and some values hold quoted commas.

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

/// xorshift64: tiny, seeded, reproducible across platforms.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn email(i: u64) -> String {
    format!(
        "{}.{}{i}@example.com",
        FIRST[(i % 16) as usize],
        LAST[(i / 16 % 12) as usize]
    )
}

/// Writes a header and `rows` rows to `out`, deterministic for a given `seed`.
///
/// # Errors
/// Any write error.
pub fn write_hris<W: Write>(out: W, rows: u64, seed: u64) -> io::Result<()> {
    // Buffered here: one write per row to a pipe or stdout would cost more than the rows.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut line = String::with_capacity(256);
    out.write_all(HEADER.as_bytes())?;
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
        let _ = writeln!(
            line,
            "2024-07-01,E{i:07},{},{join},{leave},{manager_id},{manager_email},{department},{department} {team},{location},{role},{salary}",
            email(i)
        );
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

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
