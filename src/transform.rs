//! `fieldsToTransform` steps, with Java semantics where psoxy uses Java.
//!
//! psoxy runs `filter` and `javaRegExpReplace` with `java.util.regex` (`matches()` is a full
//! match; `replaceAll` also reports an empty match right after a non-empty one, so `(.*)` on
//! `abc` gives `[abc][]`) and `formatString` with `String.format` (see [`crate::java::format`]). The Rust `regex` crate
//! covers Java's syntax except look-around and back-references, which are rejected when the
//! rules load, never at run time.

use regex::Regex;

use crate::java::format::Format;

/// One step of a pipeline, compiled.
#[derive(Debug, Clone)]
pub enum Step {
    /// Keep the value only if it fully matches; with a group, keep group 1.
    Filter {
        /// The pattern anchored at both ends.
        full: Regex,
    },
    /// `String.format(pattern, value)`, as `java.util.Formatter` does it.
    Format(Format),
    /// If the value fully matches, Java `replaceAll` with the replacement.
    Replace {
        /// The pattern anchored at both ends (the "matches" test).
        full: Regex,
        /// The pattern as written (the search in `replaceAll`).
        search: Regex,
        /// The parsed replacement.
        replacement: Vec<ReplacePart>,
    },
    /// `pseudonymize: true` (a `false` compiles to nothing).
    Pseudonymize,
}

/// A piece of a Java replacement string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplacePart {
    /// Literal text.
    Text(String),
    /// `$n`.
    Group(usize),
    /// `${name}`.
    Named(String),
}

/// Compiles a Java regex for a full match (`matches()`).
///
/// # Errors
/// The pattern is invalid or uses a feature the `regex` crate lacks.
pub fn compile_full(pattern: &str) -> Result<Regex, String> {
    compile(pattern)?;
    compile(&format!(r"\A(?:{pattern})\z"))
}

/// Compiles a Java regex as written.
///
/// # Errors
/// The pattern is invalid or uses a feature the `regex` crate lacks.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| match e {
        regex::Error::Syntax(s) => {
            let hint = if pattern.contains("(?=") || pattern.contains("(?!") || pattern.contains("(?<=") {
                " (look-around is not supported)"
            } else {
                ""
            };
            format!(
                "invalid regular expression{hint}: {}",
                s.lines().last().unwrap_or("").trim()
            )
        }
        other => format!("invalid regular expression: {other}"),
    })
}

/// Parses a Java replacement string (`$1`, `${name}`, `\$`) against the regex's groups.
///
/// # Errors
/// A `$` not followed by a group, or a group the regex does not have.
pub fn parse_replacement(replace: &str, regex: &Regex) -> Result<Vec<ReplacePart>, String> {
    let groups = regex.captures_len() - 1;
    let mut parts = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = replace.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let next = chars.get(i + 1).ok_or("character to be escaped is missing")?;
                text.push(*next);
                i += 2;
            }
            '$' => {
                if !text.is_empty() {
                    parts.push(ReplacePart::Text(std::mem::take(&mut text)));
                }
                i += 1;
                if chars.get(i) == Some(&'{') {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == '}')
                        .ok_or("named group is missing `}`")?;
                    let name: String = chars[i + 1..i + close].iter().collect();
                    if regex.capture_names().all(|n| n != Some(name.as_str())) {
                        return Err(format!("no group named `{name}`"));
                    }
                    parts.push(ReplacePart::Named(name));
                    i += close + 1;
                    continue;
                }
                // Java: first digit always; more digits while the number stays a valid group.
                let first = chars
                    .get(i)
                    .and_then(|c| c.to_digit(10))
                    .ok_or("illegal group reference")?;
                let mut n = first as usize;
                i += 1;
                while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    let longer = n * 10 + d as usize;
                    if longer > groups {
                        break;
                    }
                    n = longer;
                    i += 1;
                }
                if n > groups {
                    return Err(format!("no group {n}"));
                }
                parts.push(ReplacePart::Group(n));
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        parts.push(ReplacePart::Text(text));
    }
    Ok(parts)
}

/// Applies a non-pseudonymize step to `value`; `None` is null.
pub fn apply(step: &Step, value: &str) -> Option<String> {
    match step {
        Step::Filter { full } => {
            let caps = full.captures(value)?;
            if full.captures_len() > 1 {
                caps.get(1).map(|m| m.as_str().to_owned())
            } else {
                Some(value.to_owned())
            }
        }
        Step::Format(format) => Some(format.apply(value)),
        Step::Replace {
            full,
            search,
            replacement,
        } => {
            if !full.is_match(value) {
                return Some(value.to_owned());
            }
            Some(replace_all_java(search, value, replacement))
        }
        Step::Pseudonymize => Some(value.to_owned()),
    }
}

/// Java `Matcher.replaceAll`: after an empty match the search resumes one character on.
fn replace_all_java(search: &Regex, value: &str, replacement: &[ReplacePart]) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    let mut copied = 0;
    let mut from = 0;
    while from <= value.len() {
        let Some(caps) = search.captures_at(value, from) else {
            break;
        };
        let m = caps.get(0).expect("group 0 always matches");
        out.push_str(&value[copied..m.start()]);
        for part in replacement {
            match part {
                ReplacePart::Text(t) => out.push_str(t),
                ReplacePart::Group(n) => out.push_str(caps.get(*n).map_or("", |g| g.as_str())),
                ReplacePart::Named(n) => out.push_str(caps.name(n).map_or("", |g| g.as_str())),
            }
        }
        copied = m.end();
        from = if m.is_empty() {
            match value[m.end()..].chars().next() {
                Some(c) => m.end() + c.len_utf8(),
                None => break,
            }
        } else {
            m.end()
        };
    }
    out.push_str(&value[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(pattern: &str, replace: &str, value: &str) -> String {
        let search = compile(pattern).unwrap();
        let step = Step::Replace {
            full: compile_full(pattern).unwrap(),
            replacement: parse_replacement(replace, &search).unwrap(),
            search,
        };
        apply(&step, value).unwrap()
    }

    #[test]
    fn filter_keeps_group_one_or_nulls() {
        let step = Step::Filter {
            full: compile_full("(.*)@.*").unwrap(),
        };
        assert_eq!(apply(&step, "alice@worklytics.co").as_deref(), Some("alice"));
        assert_eq!(apply(&step, "@acme.com").as_deref(), Some(""));
        assert_eq!(apply(&step, "no-at-sign"), None);
        let no_group = Step::Filter {
            full: compile_full("[a-z]+").unwrap(),
        };
        assert_eq!(apply(&no_group, "abc").as_deref(), Some("abc"));
        assert_eq!(apply(&no_group, "abc1"), None, "filter is a full match");
    }

    #[test]
    fn replace_all_follows_java_including_the_trailing_empty_match() {
        assert_eq!(replace("(.*)", "[$1]", "abc"), "[abc][]");
        assert_eq!(replace("a*b?", "X", "aab"), "XX");
        assert_eq!(replace("(.*)@(.*)", "$2\\$$1", "bob@x.com"), "x.com$bob");
        assert_eq!(replace("[0-9]+", "N", "abc"), "abc", "no full match leaves the value");
    }

    #[test]
    fn replacement_group_numbers_are_greedy_only_while_valid() {
        let re = compile("(a)(b)").unwrap();
        assert_eq!(
            parse_replacement("$12", &re).unwrap(),
            [ReplacePart::Group(1), ReplacePart::Text("2".into())]
        );
        assert!(parse_replacement("$3", &re).unwrap_err().contains("no group 3"));
        assert!(parse_replacement("$x", &re).is_err());
    }

    #[test]
    fn look_around_is_rejected_with_a_hint() {
        assert!(compile("a(?=b)").unwrap_err().contains("look-around"));
    }
}
