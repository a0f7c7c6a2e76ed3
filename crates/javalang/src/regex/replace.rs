//! `Matcher.appendExpandedReplacement`: `$n`, `${name}` and `\x` in a replacement string.

use super::Regex;
use super::node::NONE;
use super::text::{Sink, Text};

#[derive(Clone, Debug)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A parsed Java replacement string ($n, ${name}, \x escapes).
#[derive(Clone, Debug)]
pub struct Replacement {
    pieces: Vec<Piece>,
}

impl Replacement {
    /// Err exactly when Java's Matcher.replaceAll(replacement) would throw once it has at least one match
    /// for this regex ("Illegal group reference", "No group 3", "No group with name {x}",
    /// "character to be escaped is missing", "named capturing group is missing trailing '}'", ...).
    pub fn parse(replacement: &str, regex: &Regex) -> Result<Replacement, String> {
        let s: Vec<char> = replacement.chars().collect();
        let group_count = regex.group_count();
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut cursor = 0;
        while cursor < s.len() {
            let c = s[cursor];
            if c == '\\' {
                cursor += 1;
                let Some(&e) = s.get(cursor) else {
                    return Err("character to be escaped is missing".into());
                };
                lit.push(e);
                cursor += 1;
            } else if c == '$' {
                cursor += 1;
                let Some(&d) = s.get(cursor) else {
                    return Err("Illegal group reference: group index is missing".into());
                };
                let group;
                if d == '{' {
                    cursor += 1;
                    let begin = cursor;
                    while cursor < s.len() && s[cursor].is_ascii_alphanumeric() {
                        cursor += 1;
                    }
                    if begin == cursor {
                        return Err("named capturing group has 0 length name".into());
                    }
                    if s.get(cursor) != Some(&'}') {
                        return Err("named capturing group is missing trailing '}'".into());
                    }
                    let name: String = s[begin..cursor].iter().collect();
                    if name.starts_with(|c: char| c.is_ascii_digit()) {
                        return Err(format!("capturing group name {{{name}}} starts with digit character"));
                    }
                    group = regex
                        .group_number(&name)
                        .ok_or_else(|| format!("No group with name {{{name}}}"))?;
                    cursor += 1;
                } else {
                    let Some(first) = d.to_digit(10) else {
                        return Err("Illegal group reference".into());
                    };
                    let mut num = first as usize;
                    cursor += 1;
                    while let Some(digit) = s.get(cursor).and_then(|c| c.to_digit(10)) {
                        let n = num * 10 + digit as usize;
                        if group_count < n {
                            break;
                        }
                        num = n;
                        cursor += 1;
                    }
                    if num > group_count {
                        return Err(format!("No group {num}"));
                    }
                    group = num;
                }
                if !lit.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Group(group));
            } else {
                lit.push(c);
                cursor += 1;
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Literal(lit));
        }
        Ok(Replacement { pieces })
    }

    /// Appends the replacement for one match (`groups` as Java's `Matcher.groups`).
    pub(super) fn expand(&self, out: &mut Sink, t: Text<'_>, first: usize, last: usize, groups: &[u32]) {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Group(0) => out.push_range(t, first, last),
                Piece::Group(g) => {
                    let (a, b) = match (groups.get(2 * g), groups.get(2 * g + 1)) {
                        (Some(&a), Some(&b)) => (a, b),
                        _ => continue,
                    };
                    if a != NONE && b != NONE {
                        out.push_range(t, a as usize, b as usize);
                    }
                }
            }
        }
    }
}
