//! The Java semantics psoxy's output depends on, reproduced exactly.
//!
//! psoxy runs on the JVM, and several of its results follow from `java.lang` and
//! `java.util` rather than from its own code: names are trimmed with `String.trim` and
//! compared with `String.CASE_INSENSITIVE_ORDER`, blank cells are those made only of
//! `Character.isWhitespace`, transform sources are looked up lower-cased with
//! `String.toLowerCase`, output columns tie-break on `String.compareTo`. The functions here
//! are those, checked against tables printed by a real JDK (`crates/javalang/testdata/`).
//! So is [`yaml11`], what Jackson's YAML 1.1 reader makes of a plain scalar in psoxy's rules.
#![warn(missing_docs)]

mod case_table;
pub mod format;
pub mod regex;
pub mod yaml11;

use std::cmp::Ordering;

/// `Character.toUpperCase(int)`.
pub fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    lookup(&case_table::UPPER, c)
}

/// `Character.toLowerCase(int)`.
pub fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    lookup(&case_table::LOWER, c)
}

fn lookup(table: &[(u32, u32)], c: char) -> char {
    match table.binary_search_by_key(&(c as u32), |&(from, _)| from) {
        Ok(i) => char::from_u32(table[i].1).unwrap_or(c),
        Err(_) => c,
    }
}

/// The per-character key of `String.CASE_INSENSITIVE_ORDER`: two characters compare equal
/// when they are equal, or equal upper-cased, or equal upper-cased then lower-cased; all
/// three are captured by lower(upper(c)).
pub fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        to_lower(to_upper(c))
    }
}

/// `String.equalsIgnoreCase`.
pub fn equals_ignore_case(a: &str, b: &str) -> bool {
    compare_ignore_case(a, b) == Ordering::Equal
}

/// `String.CASE_INSENSITIVE_ORDER.compare` (`compareToIgnoreCase`), by sign.
pub fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return Ordering::Equal;
    }
    // Code points of the same case class stay in one plane, so comparing folded code points
    // and then UTF-16 lengths gives Java's order (it steps over surrogate pairs as units).
    let folded = a.chars().map(fold).cmp(b.chars().map(fold));
    folded.then_with(|| utf16_len(a).cmp(&utf16_len(b)))
}

/// A string whose equality is `equalsIgnoreCase`, for hash maps of names.
pub fn ignore_case_key(s: &str) -> String {
    s.chars().map(fold).collect()
}

/// `String.compareTo`: UTF-16 code unit order, by sign.
pub fn compare(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `String.trim`: strips every character up to U+0020 from both ends, and only those
/// (not U+00A0 or other Unicode spaces).
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// `Character.isWhitespace`: Unicode space, line and paragraph separators except the
/// non-breaking ones (U+00A0, U+2007, U+202F), plus tab, line feed, U+000B, form feed,
/// carriage return and U+001C..=U+001F.
pub fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1C}'..='\u{20}'
            | '\u{1680}'
            | '\u{2000}'..='\u{2006}'
            | '\u{2008}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// commons-lang `StringUtils.isBlank`: empty, or only [`is_whitespace`] characters.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_whitespace)
}

/// `String.toLowerCase()` outside the Turkish, Azeri and Lithuanian locales, as far as
/// case-insensitive lookups can tell: every character lower-cased, except that U+0130
/// (İ) becomes two characters, `i` and U+0307. (The choice between σ and final ς, which
/// Java also makes here, folds to the same key.)
pub fn to_lower_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\u{130}' {
            out.push_str("i\u{307}");
        } else {
            out.push(to_lower(c));
        }
    }
    out
}

/// A string of the JDK probes' tables (`testdata/*.tsv`, and tables other crates keep in the
/// same form) with its `\uXXXX` escapes (UTF-16 units, a surrogate pair in two) undone.
///
/// # Panics
/// On an escape that leaves half a surrogate pair: the tables never hold one.
pub fn unescape_probe(s: &str) -> String {
    String::from_utf16(&utf16_units(s)).expect("the probe writes whole characters")
}

/// The UTF-16 units of a probe string, its `\uXXXX` escapes undone.
pub(crate) fn utf16_units(s: &str) -> Vec<u16> {
    let mut units = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        units.extend(rest[..i].encode_utf16());
        units.push(u16::from_str_radix(&rest[i + 2..i + 6], 16).expect("four hex digits"));
        rest = &rest[i + 6..];
    }
    units.extend(rest.encode_utf16());
    units
}

#[cfg(test)]
pub(crate) mod tests;
