//! `fieldsToTransform` steps, with the Java semantics psoxy runs them with.
//!
//! psoxy applies `filter` and `javaRegExpReplace` with `java.util.regex` (`matches()` is a
//! full match; `replaceAll` then runs over the value, so `(.*)` on `abc` gives `[abc][]`) and
//! `formatString` with `String.format`. Both are reproduced in [`crate::java`]; anything
//! psoxy would fail on at its first value is refused when the rules load.

use javalang::format::Format;
use javalang::regex::{Exhausted, Regex, Replacement};

/// One step of a pipeline, compiled.
#[derive(Debug, Clone)]
pub enum Step {
    /// Keep the value only if it fully matches; with a group, keep group 1 (null when group 1
    /// did not take part in the match); no match is null.
    Filter(Regex),
    /// `String.format(pattern, value)`, as `java.util.Formatter` does it.
    Format(Format),
    /// If the value fully matches, Java's `replaceAll` with the replacement.
    Replace {
        /// The pattern.
        regex: Regex,
        /// The parsed replacement.
        replacement: Replacement,
    },
    /// `pseudonymize: true` (a `false` compiles to nothing).
    Pseudonymize,
}

/// Compiles a `filter` or `regExp` as `java.util.regex.Pattern.compile` would.
///
/// # Errors
/// Where Java throws `PatternSyntaxException`.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("invalid regular expression (java.util.regex): {e}"))
}

/// Parses a `javaRegExpReplace` step's replacement against its regex.
///
/// # Errors
/// Where Java's `replaceAll` would throw once the pattern matches (`$2` with one group, a
/// trailing `\`).
pub fn replacement(replace: &str, regex: &Regex) -> Result<Replacement, String> {
    Replacement::parse(replace, regex).map_err(|e| format!("invalid replacement: {e}"))
}

/// Applies a non-pseudonymize step to `value`; `Ok(None)` is null.
///
/// # Errors
/// The regex ran out of its backtracking budget (a pattern that would run for a very long
/// time in Java too).
pub fn apply(step: &Step, value: &str) -> Result<Option<String>, Exhausted> {
    Ok(match step {
        Step::Filter(regex) => match regex.matches(value)? {
            None => None,
            Some(groups) if regex.group_count() > 0 => groups[1].map(str::to_owned),
            Some(_) => Some(value.to_owned()),
        },
        Step::Format(format) => Some(format.apply(value)),
        Step::Replace { regex, replacement } => {
            if regex.matches(value)?.is_some() {
                Some(regex.replace_all(value, replacement)?)
            } else {
                Some(value.to_owned())
            }
        }
        Step::Pseudonymize => Some(value.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(pattern: &str, value: &str) -> Option<String> {
        apply(&Step::Filter(compile(pattern).unwrap()), value).unwrap()
    }

    fn replace(pattern: &str, with: &str, value: &str) -> String {
        let regex = compile(pattern).unwrap();
        let replacement = replacement(with, &regex).unwrap();
        apply(&Step::Replace { regex, replacement }, value).unwrap().unwrap()
    }

    #[test]
    fn filter_keeps_group_one_or_nulls() {
        assert_eq!(filter("(.*)@.*", "alice@worklytics.co").as_deref(), Some("alice"));
        assert_eq!(filter("(.*)@.*", "@acme.com").as_deref(), Some(""));
        assert_eq!(filter("(.*)@.*", "no-at-sign"), None);
        assert_eq!(filter("[a-z]+", "abc").as_deref(), Some("abc"));
        assert_eq!(filter("[a-z]+", "abc1"), None, "filter is a full match");
        assert_eq!(filter("(x)?abc", "abc"), None, "group 1 took no part: null");
    }

    #[test]
    fn java_classes_are_ascii_unless_asked() {
        // Issue 8: `(\w+)` does not match José, `(.*)\b.*` does not match ٣٤٥ (JDK 19+).
        assert_eq!(filter(r"(\w+)", "José"), None);
        assert_eq!(filter(r"(.*)\b.*", "٣٤٥"), None);
        assert_eq!(filter(r"(?U)(\w+)", "José").as_deref(), Some("José"));
        // `[[:alpha:]]` is a union of the characters `:alph`, not a POSIX class.
        assert_eq!(filter("[[:alpha:]]", "h").as_deref(), Some("h"));
        assert_eq!(filter("[[:alpha:]]", "x"), None);
    }

    #[test]
    fn what_psoxy_accepts_veil_accepts() {
        assert_eq!(filter("(?<=a)b|(a)\\1", "aa").as_deref(), Some("a"));
        assert_eq!(filter("a++b", "aab").as_deref(), Some("aab"));
        assert_eq!(filter("(?>a+)b", "aab").as_deref(), Some("aab"));
        assert_eq!(filter("(?!x).*", "y").as_deref(), Some("y"));
    }

    #[test]
    fn replace_all_follows_java_including_the_trailing_empty_match() {
        assert_eq!(replace("(.*)", "[$1]", "abc"), "[abc][]");
        assert_eq!(replace("a*b?", "X", "aab"), "XX");
        assert_eq!(replace("(.*)@(.*)", "$2\\$$1", "bob@x.com"), "x.com$bob");
        assert_eq!(replace("[0-9]+", "N", "abc"), "abc", "no full match leaves the value");
    }

    #[test]
    fn bad_replacements_and_patterns_are_refused() {
        let re = compile("(a)").unwrap();
        assert!(replacement("$2", &re).is_err());
        assert!(replacement("x\\", &re).is_err());
        assert!(compile("(").is_err());
    }
}
