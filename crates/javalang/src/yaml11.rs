//! What psoxy's rules reader makes of a plain YAML scalar used as a column name.
//!
//! psoxy reads rules with Jackson over SnakeYAML, which resolves plain scalars by YAML 1.1:
//! `columnsToPseudonymize: [007]` is the integer 7 to it, and the column it pseudonymizes is
//! `7`; `No` is `false`; `1_000` is `1000`; `.inf` makes it refuse the rules. veil reads the
//! text as written (what the author meant) and warns where psoxy reads something else, so that
//! a rules file means the same to both once the name is quoted. Map keys (`columnsToRename`'s
//! old names) are always text to psoxy. Checked against `crates/javalang/testdata/yaml.tsv`, printed by
//! Jackson and SnakeYAML themselves (`crates/javalang/testdata/YamlProbe.java`).

use std::sync::OnceLock;

use regex::Regex;

/// What psoxy reads instead of a scalar's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Other text: `007` → `7`, `No` → `false`, `0x1F` → `31`, `1_000` → `1000`.
    Text(String),
    /// Java `null` (`~`, `null`, `Null`, `NULL`).
    Null,
    /// No name at all: psoxy refuses the rules (`.inf`, `.nan`, a base-60 float, a number of
    /// more than 1,000 digits).
    Refused,
}

/// SnakeYAML's implicit resolvers (1.33 to 2.6 alike), applied to plain scalars of at most
/// 1,024 characters.
struct Patterns {
    boolean: Regex,
    null: Regex,
    int: Regex,
    float: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| Patterns {
        boolean: Regex::new(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
            .expect("valid"),
        null: Regex::new(r"^(?:~|null|Null|NULL| )?$").expect("valid"),
        int: Regex::new(
            r"^(?:[-+]?0b_*[0-1][0-1_]*|[-+]?0_*[0-7][0-7_]*|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x_*[0-9a-fA-F][0-9a-fA-F_]*|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        )
        .expect("valid"),
        float: Regex::new(
            r"^([-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        )
        .expect("valid"),
    })
}

/// Longest number text Jackson converts (its `StreamReadConstraints`).
const MAX_NUMBER: usize = 1000;

/// What psoxy reads for the plain scalar `text` in a list or as a map value, when that is
/// not `text` itself.
pub fn psoxy_reading(text: &str) -> Option<Reading> {
    resolve(text).filter(|r| *r != Reading::Text(text.to_owned()))
}

fn resolve(text: &str) -> Option<Reading> {
    if text.encode_utf16().count() > 1024 {
        return None;
    }
    let p = patterns();
    if p.boolean.is_match(text) {
        let value = matches!(text.as_bytes()[0], b'y' | b'Y' | b't' | b'T') || text.eq_ignore_ascii_case("on");
        return Some(Reading::Text(if value { "true" } else { "false" }.to_owned()));
    }
    if p.null.is_match(text) {
        return Some(Reading::Null);
    }
    if p.int.is_match(text) {
        return int(text);
    }
    if p.float.is_match(text) {
        return float(text);
    }
    None
}

/// An integer as Jackson converts it: underscores dropped, `0x` hex, `0b` binary, a leading
/// `0` octal, written back in decimal. Base 60 (`12:30`) is left as text.
fn int(text: &str) -> Option<Reading> {
    if text.contains(':') {
        return None;
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    if cleaned.len() > MAX_NUMBER {
        return Some(Reading::Refused);
    }
    let (negative, digits) = match cleaned.as_bytes()[0] {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(binary) = digits.strip_prefix("0b") {
        (2, binary)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    let mut value = to_decimal(digits, radix);
    if negative && value != "0" {
        value.insert(0, '-');
    }
    Some(Reading::Text(value))
}

/// A float as it reaches psoxy: its text, except that underscores (and with them a leading
/// `+`) are dropped; infinities, NaN and base-60 floats cannot be converted.
fn float(text: &str) -> Option<Reading> {
    let special = text.contains(':') || text.contains("inf") || text.contains("Inf") || text.contains("INF");
    if special || text.contains("nan") || text.contains("NaN") || text.contains("NAN") {
        return Some(Reading::Refused);
    }
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Some(Reading::Refused);
    }
    if !text.contains('_') {
        return None;
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned).to_owned();
    Some(Reading::Text(cleaned))
}

/// Digits in `radix` as a decimal string, of any length.
fn to_decimal(digits: &str, radix: u32) -> String {
    // Little-endian limbs of nine decimal digits.
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix).unwrap_or(0));
        for limb in &mut limbs {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut text = limbs.last().copied().unwrap_or(0).to_string();
    for limb in limbs.iter().rev().skip(1) {
        text += &format!("{limb:09}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unescape(field: &str) -> String {
        let mut out = String::new();
        let mut chars = field.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('t') => out.push('\t'),
                    Some('n') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Every row Jackson and SnakeYAML printed: what psoxy reads as a list item (map values
    /// read the same).
    #[test]
    fn readings_match_the_jdk_table() {
        let table = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/yaml.tsv")).unwrap();
        let mut rows = 0;
        for line in table.lines().skip(1).filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (scalar, list, value) = (unescape(fields[0]), fields[1], fields[3]);
            assert_eq!(list, value, "{scalar:?}: list items and map values read alike");
            let expected = match list {
                "<null>" => Some(Reading::Null),
                l if l.starts_with("<error") => Some(Reading::Refused),
                l if unescape(l) == scalar => None,
                l => Some(Reading::Text(unescape(l))),
            };
            assert_eq!(psoxy_reading(&scalar), expected, "{scalar:?}");
            rows += 1;
        }
        assert!(rows > 300, "{rows} rows");
    }

    #[test]
    fn big_numbers_convert_exactly() {
        assert_eq!(to_decimal("FFFFFFFFFFFFFFFF", 16), "18446744073709551615");
        assert_eq!(to_decimal("0", 10), "0");
        assert_eq!(psoxy_reading("007"), Some(Reading::Text("7".into())));
        assert_eq!(psoxy_reading("EMPLOYEE_ID"), None);
    }
}
