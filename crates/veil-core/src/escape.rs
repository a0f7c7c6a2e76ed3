//! Names as they are shown in messages. A header name, a rule name or a file name is data
//! until proven otherwise: it may hold a newline that forges a line of output, an invisible
//! character that makes two names look equal (`SSN` and `SSN\u{200b}`), or a megabyte of
//! text. Every name printed goes through [`escape`] (file names) or [`name`] (column names,
//! also cut short), and long lists of them stop at [`LISTED`].

use std::borrow::Cow;
use std::fmt::Write;

/// The longest column name shown, in characters; longer ones are cut with `…`.
pub const NAME_CHARS: usize = 64;

/// True for a character that must not be shown as itself: controls, format characters
/// (zero-width spaces, direction marks, the byte-order mark), line and paragraph separators,
/// spaces other than U+0020 (a no-break space looks like a space), private-use, surrogate
/// and unassigned code points.
pub fn is_hidden(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    // Java's Character.getType: 0 unassigned, 12 space separator, 13 line separator,
    // 14 paragraph separator, 15 control, 16 format, 18 private use, 19 surrogate.
    matches!(javalang::regex::character_type(c), 0 | 12..=16 | 18 | 19)
}

/// `text` with every hidden character (control, format and invisible ones) written as an escape: `\n`, `\r`,
/// `\t`, or `\u{200b}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A column name to show: escaped, and cut to [`NAME_CHARS`] characters.
pub fn name(text: &str) -> String {
    let escaped = escape(text);
    match escaped.char_indices().nth(NAME_CHARS) {
        Some((end, _)) => format!("{}…", &escaped[..end]),
        None => escaped.into_owned(),
    }
}

/// The most items of one list a message shows; the rest are counted.
pub const LISTED: usize = 20;

/// Items joined with `sep`, at most [`LISTED`] of them, then `and N more`.
pub fn listed(items: impl Iterator<Item = String>, sep: &str) -> String {
    let mut shown: Vec<String> = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < LISTED {
            shown.push(item);
        } else {
            more += 1;
        }
    }
    let mut text = shown.join(sep);
    if more > 0 {
        text += &format!("{sep}and {more} more");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_escaped() {
        assert_eq!(escape("SSN"), "SSN");
        assert_eq!(escape("SSN\u{200b}"), "SSN\\u{200b}");
        assert_eq!(escape("SSN\u{a0}"), "SSN\\u{a0}");
        assert_eq!(escape("\u{feff}ID"), "\\u{feff}ID");
        assert_eq!(
            escape("a\nveil: 9 files: 9 sanitized"),
            "a\\nveil: 9 files: 9 sanitized"
        );
        assert_eq!(escape("x\u{1b}[31m"), "x\\u{1b}[31m");
        assert_eq!(escape("İSİM ş 名前"), "İSİM ş 名前");
        assert_eq!(escape("a\u{2028}b\u{202e}c"), "a\\u{2028}b\\u{202e}c");
    }

    #[test]
    fn long_names_are_cut() {
        let long = "A".repeat(100_000);
        let shown = name(&long);
        assert_eq!(shown.chars().count(), NAME_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(name("EMAIL"), "EMAIL");
    }
}
