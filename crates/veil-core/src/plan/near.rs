//! Names that are almost the same: the typo that leaves a column in clear. A rule names
//! `MANAGER_EMIAL`, the file has `MANAGER_EMAIL`; a rule names `SSN`, the file's header has
//! `SSN` followed by a zero-width space. Neither matches (psoxy compares with
//! `equalsIgnoreCase`), so the column passes through unchanged.

use crate::escape;
use javalang as java;

/// A name reduced to what a reader sees: case folded as Java folds it, and white space,
/// invisible and format characters removed.
fn visible(name: &str) -> Vec<char> {
    name.chars()
        .filter(|&c| !c.is_whitespace() && !escape::is_hidden(c))
        .map(|c| java::to_lower(java::to_upper(c)))
        .collect()
}

/// Edits allowed between names of this many visible characters: none for short names
/// (`ID` against `IP` is a different column), one up to six, two beyond.
fn edits_allowed(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// True when `header` is a near miss of the rule name `rule`: the same once case, white space
/// and invisible characters are set aside, or within a few edits (insertions, deletions,
/// substitutions, swaps of neighbours).
pub(super) fn is_near(rule: &str, header: &str) -> bool {
    let (a, b) = (visible(rule), visible(header));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let allowed = edits_allowed(a.len().min(b.len()));
    a.len().abs_diff(b.len()) <= allowed && distance(&a, &b, allowed) <= allowed
}

/// Optimal string alignment distance, giving up (returning `limit + 1`) once every path
/// costs more than `limit`.
fn distance(a: &[char], b: &[char], limit: usize) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; 3];
    for (j, cell) in rows[1].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (prev2, rest) = rows.split_at_mut(1);
        let (prev, cur) = rest.split_at_mut(1);
        let (prev2, prev, cur) = (&prev2[0], &prev[0], &mut cur[0]);
        cur[0] = i;
        let mut best = cur[0];
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            best = best.min(d);
        }
        if best > limit {
            return limit + 1;
        }
        rows.rotate_left(1);
    }
    rows[1][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert!(is_near("MANAGER_EMIAL", "MANAGER_EMAIL"), "a swap");
        assert!(is_near("SSN", "SSN\u{200b}"), "an invisible character");
        assert!(is_near("SSN", "SSN\u{a0}"), "a no-break space");
        assert!(is_near("SSN", " ssn"), "case and space");
        assert!(is_near("EMPLOYEE_ID", "EMPLOYE_ID"), "a letter missing");
        assert!(is_near("EMPLOYEE_ID", "EMPLOYEE-ID"));
        assert!(is_near("EMAIL", "E-MAIL"));
        assert!(!is_near("ID", "IP"), "short names must match exactly");
        assert!(!is_near("SSN", "SIN"));
        assert!(!is_near("EMPLOYEE_ID", "MANAGER_ID"));
        assert!(!is_near("EMAIL", "MANAGER_EMAIL"));
        assert!(!is_near("", "X"));
        assert_eq!(distance(&['a', 'b'], &['b', 'a'], 2), 1);
    }
}
