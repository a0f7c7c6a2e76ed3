//! Checks against `crates/javalang/testdata/string.tsv`, printed by a real JDK (see its README).

use super::*;

/// A probe string, its `\uXXXX` escapes undone.
pub(crate) fn unescape(s: &str) -> String {
    unescape_probe(s)
}

fn table() -> Vec<Vec<String>> {
    let text = include_str!("../testdata/string.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').map(unescape).collect())
        .collect()
}

fn sign(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "-1",
        Ordering::Equal => "0",
        Ordering::Greater => "1",
    }
}

#[test]
fn whitespace_matches_java_for_every_code_point() {
    let java: Vec<char> = table()
        .iter()
        .filter(|row| row[0] == "whitespace")
        .map(|row| row[1].chars().next().unwrap())
        .collect();
    let ours: Vec<char> = (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|&c| is_whitespace(c))
        .collect();
    assert_eq!(ours, java);
}

#[test]
fn case_insensitive_comparison_matches_java() {
    let mut checked = 0;
    for row in table().iter().filter(|row| row[0] == "pair") {
        let (a, b) = (&row[1], &row[2]);
        assert_eq!(
            equals_ignore_case(a, b).to_string(),
            row[3],
            "equalsIgnoreCase {a:?} {b:?}"
        );
        assert_eq!(
            sign(compare_ignore_case(a, b)),
            row[4],
            "compareToIgnoreCase {a:?} {b:?}"
        );
        assert_eq!(sign(compare(a, b)), row[5], "compareTo {a:?} {b:?}");
        assert_eq!(
            ignore_case_key(a) == ignore_case_key(b),
            equals_ignore_case(a, b),
            "key {a:?} {b:?}"
        );
        checked += 1;
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn trim_blank_and_lower_case_match_java() {
    for row in table() {
        match row[0].as_str() {
            "trim" => assert_eq!(trim(&row[1]), row[2], "trim {:?}", row[1]),
            "isBlank" => assert_eq!(is_blank(&row[1]).to_string(), row[2], "isBlank {:?}", row[1]),
            "toLowerCase" => {
                // Only what lookups can see: the key of Java's lower-casing.
                assert_eq!(
                    ignore_case_key(&to_lower_case(&row[1])),
                    ignore_case_key(&row[2]),
                    "toLowerCase {:?}",
                    row[1]
                );
            }
            _ => {}
        }
    }
}

#[test]
fn issue_examples() {
    assert!(equals_ignore_case("İSİM", "ISIM"));
    assert!(equals_ignore_case("İL", "il"));
    assert!(!equals_ignore_case("i\u{307}L", "İL"));
    assert_eq!(trim(" SSN\u{a0} "), "SSN\u{a0}");
    assert!(is_blank("\u{1680}") && !is_blank("\u{a0}"));
}
