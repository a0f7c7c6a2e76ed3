//! `java.util.Formatter` (JDK 25) for the one call psoxy's `formatString` makes:
//! `String.format(pattern, value)` with a single non-null `String` argument.
//!
//! Java checks a pattern in two passes, and so does [`Format::parse`]: first the whole
//! pattern is split into fixed text and specifiers (syntax, flags, width and precision errors,
//! left to right), then the specifiers are run in order against the argument list (missing
//! arguments, and conversions a `String` cannot take). With one `String` argument every
//! outcome depends on the pattern alone, so all of it is decided here, once, and
//! [`Format::apply`] cannot fail.
//!
//! Lengths (width, precision) are in UTF-16 code units, as in Java. When a precision cuts a
//! surrogate pair in half, Java keeps the lone high surrogate and psoxy's UTF-8 writer prints
//! it as `?`; so does this module.

use super::to_upper;

// Java's `Formatter.Flags`, same bits (the order of `flags_string` depends on them).
const LEFT_JUSTIFY: u16 = 1 << 0;
const UPPERCASE: u16 = 1 << 1;
const ALTERNATE: u16 = 1 << 2;
const PLUS: u16 = 1 << 3;
const LEADING_SPACE: u16 = 1 << 4;
const ZERO_PAD: u16 = 1 << 5;
const GROUP: u16 = 1 << 6;
const PARENTHESES: u16 = 1 << 7;
const PREVIOUS: u16 = 1 << 8;

/// `Flags.toString`: the flags in Java's fixed order (`^` is the internal upper-case flag).
fn flags_string(flags: u16) -> String {
    const ORDER: [(u16, char); 9] = [
        (LEFT_JUSTIFY, '-'),
        (UPPERCASE, '^'),
        (ALTERNATE, '#'),
        (PLUS, '+'),
        (LEADING_SPACE, ' '),
        (ZERO_PAD, '0'),
        (GROUP, ','),
        (PARENTHESES, '('),
        (PREVIOUS, '<'),
    ];
    ORDER
        .iter()
        .filter(|&&(f, _)| flags & f != 0)
        .map(|&(_, c)| c)
        .collect()
}

fn flag_of(c: char) -> Option<u16> {
    Some(match c {
        '-' => LEFT_JUSTIFY,
        '#' => ALTERNATE,
        '+' => PLUS,
        ' ' => LEADING_SPACE,
        '0' => ZERO_PAD,
        ',' => GROUP,
        '(' => PARENTHESES,
        '<' => PREVIOUS,
        _ => return None,
    })
}

fn is_flag(c: char) -> bool {
    flag_of(c).is_some()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// `Formatter.isConversion`: what the specifier grammar accepts as a conversion character.
fn is_conversion(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '%'
}

/// `Conversion.isValid`: the conversions Java knows (date/time ones go through `t`/`T`).
fn is_valid_conversion(c: char) -> bool {
    "bBsShHcCdoxXeEgGfaAn%".contains(c)
}

/// `DateTime.isValid`: the letters allowed after `t`/`T`.
fn is_date_time(c: char) -> bool {
    "HIklMNLQpsSTzZaAbBCdehjmyYrRcDF".contains(c)
}

/// `Integer.parseInt` of ASCII digits: `None` when the value does not fit an `int`.
fn parse_int(digits: &[char]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let n = n.checked_mul(10)?.checked_add(d.to_digit(10)?)?;
        (n <= i32::MAX as u32).then_some(n)
    })
}

/// The message of a Java exception, with the specifier it is about.
fn fail(source: &str, exception: &str, message: &str) -> String {
    format!("`{source}`: {exception}: {message}")
}

fn unknown_conversion(source: &str, conversion: &str) -> String {
    fail(
        source,
        "UnknownFormatConversionException",
        &format!("Conversion = '{conversion}'"),
    )
}

/// A `java.util.Formatter` pattern applied to one String argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pieces: Vec<Piece>,
}

/// A piece of the output: fixed text (including `%n` and `%%`, already justified) or the
/// argument as a specifier prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Spec),
}

/// A specifier that prints the argument, as checked: one of `%s`, `%b`, `%h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    kind: Kind,
    upper: bool,
    left: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `%s`: the value itself.
    String,
    /// `%b`: `true` for any non-null argument that is not a `Boolean`.
    Boolean,
    /// `%h`: `Integer.toHexString(arg.hashCode())`.
    HashCode,
}

/// Java's `FormatSpecifier` after parsing, before it meets the argument.
struct Specifier {
    /// The specifier as written, for messages.
    source: String,
    /// -2: takes no argument (`%n`, `%%`); -1: `<`; 0: ordinary; n: explicit `n$`.
    index: i64,
    flags: u16,
    width: Option<u32>,
    precision: Option<u32>,
    /// A `t`/`T` date/time conversion (`c` is then the letter after it).
    dt: bool,
    /// The conversion, lower-cased when it was an upper-case one (then `UPPERCASE` is set).
    c: char,
}

/// One element of the parsed pattern.
enum Item {
    Fixed(String),
    Specifier(Specifier),
}

impl Specifier {
    /// `new FormatSpecifier(char)`: the fast path for `%` followed directly by a valid
    /// conversion, which Java builds without any check.
    fn simple(c: char) -> Specifier {
        let upper = c.is_ascii_uppercase();
        let c = c.to_ascii_lowercase();
        Specifier {
            source: format!("%{c}"),
            index: if c == 'n' || c == '%' { -2 } else { 0 },
            flags: if upper { UPPERCASE } else { 0 },
            width: None,
            precision: None,
            dt: false,
            c,
        }
    }

    fn has(&self, flag: u16) -> bool {
        self.flags & flag == flag
    }

    /// `FormatSpecifier.toString`, which Java puts in some messages (flags before the index).
    fn java_string(&self) -> String {
        let mut s = format!("%{}", flags_string(self.flags & !UPPERCASE));
        if self.index > 0 {
            s += &format!("{}$", self.index);
        }
        if let Some(w) = self.width {
            s += &w.to_string();
        }
        if let Some(p) = self.precision {
            s += &format!(".{p}");
        }
        let upper = self.has(UPPERCASE);
        if self.dt {
            s.push(if upper { 'T' } else { 't' });
        }
        s.push(if upper { self.c.to_ascii_uppercase() } else { self.c });
        s
    }

    fn fail(&self, exception: &str, message: &str) -> String {
        fail(&self.source, exception, message)
    }

    fn missing_width(&self) -> String {
        self.fail("MissingFormatWidthException", &self.java_string())
    }

    fn illegal_flags(&self) -> String {
        let flags = flags_string(self.flags);
        self.fail("IllegalFormatFlagsException", &format!("Flags = '{flags}'"))
    }

    fn illegal_precision(&self, p: u32) -> String {
        self.fail("IllegalFormatPrecisionException", &p.to_string())
    }

    fn mismatch(&self, flags: u16) -> String {
        let message = format!("Conversion = {}, Flags = {}", self.c, flags_string(flags));
        self.fail("FormatFlagsConversionMismatchException", &message)
    }

    fn check_bad_flags(&self, bad: u16) -> Result<(), String> {
        match self.flags & bad {
            0 => Ok(()),
            f => Err(self.mismatch(f)),
        }
    }

    fn check_left_needs_width(&self) -> Result<(), String> {
        if self.width.is_none() && self.has(LEFT_JUSTIFY) {
            return Err(self.missing_width());
        }
        Ok(())
    }

    fn check_no_precision(&self) -> Result<(), String> {
        match self.precision {
            Some(p) => Err(self.illegal_precision(p)),
            None => Ok(()),
        }
    }

    /// `FormatSpecifier.check`: the per-conversion rules on flags, width and precision.
    fn check(&self) -> Result<(), String> {
        const NUMERIC: u16 = PLUS | LEADING_SPACE | ZERO_PAD | GROUP | PARENTHESES;
        if self.dt {
            self.check_no_precision()?;
            if !is_date_time(self.c) {
                return Err(unknown_conversion(&self.source, &format!("t{}", self.c)));
            }
            self.check_bad_flags(ALTERNATE | NUMERIC)?;
            return self.check_left_needs_width();
        }
        match self.c {
            'b' | 's' | 'h' => {
                if self.c != 's' && self.has(ALTERNATE) {
                    return Err(self.mismatch(ALTERNATE));
                }
                self.check_left_needs_width()?;
                self.check_bad_flags(NUMERIC)
            }
            'c' => {
                self.check_no_precision()?;
                self.check_bad_flags(ALTERNATE | NUMERIC)?;
                self.check_left_needs_width()
            }
            'd' | 'o' | 'x' => {
                self.check_numeric()?;
                self.check_no_precision()?;
                self.check_bad_flags(if self.c == 'd' { ALTERNATE } else { GROUP })
            }
            'e' | 'g' | 'f' | 'a' => {
                self.check_numeric()?;
                self.check_bad_flags(match self.c {
                    'a' => PARENTHESES | GROUP,
                    'e' => GROUP,
                    'g' => ALTERNATE,
                    _ => 0,
                })
            }
            '%' => {
                self.check_no_precision()?;
                if self.flags != LEFT_JUSTIFY && self.flags != 0 {
                    return Err(self.illegal_flags());
                }
                self.check_left_needs_width()
            }
            'n' => {
                self.check_no_precision()?;
                if let Some(w) = self.width {
                    return Err(self.fail("IllegalFormatWidthException", &w.to_string()));
                }
                if self.flags != 0 {
                    return Err(self.illegal_flags());
                }
                Ok(())
            }
            c => Err(unknown_conversion(&self.source, &c.to_string())),
        }
    }

    fn check_numeric(&self) -> Result<(), String> {
        if self.width.is_none() && self.flags & (LEFT_JUSTIFY | ZERO_PAD) != 0 {
            return Err(self.missing_width());
        }
        if self.has(PLUS | LEADING_SPACE) || self.has(LEFT_JUSTIFY | ZERO_PAD) {
            return Err(self.illegal_flags());
        }
        Ok(())
    }

    /// What the specifier prints for its (String) argument, or the exception Java throws
    /// when it meets one.
    fn print_string_arg(&self) -> Result<Spec, String> {
        let kind = match self.c {
            _ if self.dt => return Err(self.illegal_conversion()),
            's' if self.has(ALTERNATE) => return Err(self.mismatch(ALTERNATE)),
            's' => Kind::String,
            'b' => Kind::Boolean,
            'h' => Kind::HashCode,
            _ => return Err(self.illegal_conversion()),
        };
        Ok(self.spec(kind))
    }

    fn illegal_conversion(&self) -> String {
        let message = format!("{} != java.lang.String", self.c);
        self.fail("IllegalFormatConversionException", &message)
    }

    fn spec(&self, kind: Kind) -> Spec {
        Spec {
            kind,
            upper: self.has(UPPERCASE),
            left: self.has(LEFT_JUSTIFY),
            width: self.width.map(|w| w as usize),
            precision: self.precision.map(|p| p as usize),
        }
    }
}

/// `Formatter.parse`: the pattern split into fixed text and specifiers, with every error
/// Java finds before looking at the arguments.
fn split(pattern: &str) -> Result<Vec<Item>, String> {
    // Java walks UTF-16 units; every character the grammar cares about is ASCII, so
    // walking characters makes the same decisions.
    let s: Vec<char> = pattern.chars().collect();
    let max = s.len();
    let mut items = Vec::new();
    let mut i = 0;
    while i < max {
        let Some(n) = s[i..].iter().position(|&c| c == '%').map(|p| p + i) else {
            items.push(Item::Fixed(s[i..].iter().collect()));
            break;
        };
        if i != n {
            items.push(Item::Fixed(s[i..n].iter().collect()));
        }
        i = n + 1;
        if i >= max {
            return Err(unknown_conversion("%", "%"));
        }
        let c = s[i];
        if is_valid_conversion(c) {
            items.push(Item::Specifier(Specifier::simple(c)));
            i += 1;
        } else if let Some((len, spec)) = parse_specifier(&s, i)? {
            items.push(Item::Specifier(spec));
            i += len;
        } else {
            return Err(unknown_conversion(&format!("%{c}"), &c.to_string()));
        }
    }
    Ok(items)
}

/// `FormatSpecifierParser.parse` from just after a `%`:
/// `%[argument_index$][flags][width][.precision][t|T]conversion`. `Ok(None)` when nothing
/// there reads as a specifier (Java then reports the character after `%` as unknown).
///
/// This follows Java's scanner closely, including its look-ahead variable `c`, which keeps
/// the last character examined (so a `t` not followed by a letter can end up as the
/// conversion `\0`).
fn parse_specifier(s: &[char], start: usize) -> Result<Option<(usize, Specifier)>, String> {
    let max = s.len();
    let first = s[start];
    let mut c = first;
    let mut off = start;
    // Advances over characters matching `pred`, leaving the last one examined in `c`.
    let scan = |from: usize, pred: fn(char) -> bool, c: &mut char| {
        let mut j = from;
        while j < max {
            *c = s[j];
            if !pred(*c) {
                break;
            }
            j += 1;
        }
        j
    };

    let mut arg_size = 0;
    let j = scan(off, is_digit, &mut c);
    if j == off || c != '$' {
        c = first;
    } else {
        let j = j + 1;
        if j < max {
            c = s[j];
        }
        arg_size = j - off;
        off = j;
    }
    let j = scan(off, is_flag, &mut c);
    let flag_size = j - off;
    off = j;
    let j = scan(off, is_digit, &mut c);
    let width_size = j - off;
    off = j;
    let mut precision_size = 0;
    if c == '.' {
        off += 1;
        let j = scan(off, is_digit, &mut c);
        if j == off {
            return Ok(None);
        }
        precision_size = j - off + 1;
        off = j;
    }
    let (mut t, mut conversion) = ('\0', '\0');
    if (c == 't' || c == 'T') && off + 1 < max {
        if is_conversion(s[off + 1]) {
            t = c;
            conversion = s[off + 1];
            off += 2;
        }
    } else if is_conversion(c) {
        conversion = c;
        off += 1;
    } else {
        return Ok(None);
    }
    if arg_size + flag_size + width_size + precision_size == 0 && t == '\0' && conversion == '\0' {
        return Ok(None);
    }

    let source: String = s[start - 1..off].iter().collect();
    let arg_end = start + arg_size;
    let flag_end = arg_end + flag_size;
    let width_end = flag_end + width_size;
    let precision_end = width_end + precision_size;
    let mut spec = Specifier {
        source,
        index: 0,
        flags: 0,
        width: None,
        precision: None,
        dt: false,
        c: conversion,
    };
    if arg_size > 0 {
        spec.index = match parse_int(&s[start..arg_end - 1]) {
            Some(n) if n > 0 => n.into(),
            found => {
                let message = match found {
                    Some(_) => "Illegal format argument index = 0",
                    None => "Format argument index: (not representable as int)",
                };
                return Err(spec.fail("IllegalFormatArgumentIndexException", message));
            }
        };
    }
    for &f in &s[arg_end..flag_end] {
        let v = flag_of(f).expect("scanned as a flag");
        if spec.flags & v != 0 {
            let message = format!("Flags = '{}'", flags_string(v));
            return Err(spec.fail("DuplicateFormatFlagsException", &message));
        }
        spec.flags |= v;
    }
    if spec.has(PREVIOUS) {
        spec.index = -1;
    }
    if width_size > 0 {
        spec.width = Some(
            parse_int(&s[flag_end..width_end])
                .ok_or_else(|| spec.fail("IllegalFormatWidthException", &i32::MIN.to_string()))?,
        );
    }
    if precision_size > 0 {
        spec.precision = Some(
            parse_int(&s[width_end + 1..precision_end])
                .ok_or_else(|| spec.fail("IllegalFormatPrecisionException", &i32::MIN.to_string()))?,
        );
    }
    if t != '\0' {
        spec.dt = true;
        if t == 'T' {
            spec.flags |= UPPERCASE;
        }
    } else {
        if !is_valid_conversion(conversion) {
            return Err(unknown_conversion(&spec.source, &conversion.to_string()));
        }
        if conversion.is_ascii_uppercase() {
            spec.flags |= UPPERCASE;
            spec.c = conversion.to_ascii_lowercase();
        }
        if spec.c == 'n' || spec.c == '%' {
            spec.index = -2;
        }
    }
    spec.check()?;
    Ok(Some((off - start, spec)))
}

/// `s` justified to `width` UTF-16 units with spaces (on the right with `-`).
fn justify(out: &mut String, s: &str, width: Option<usize>, left: bool) {
    let pad = width.map_or(0, |w| w.saturating_sub(utf16_len(s)));
    if left {
        out.push_str(s);
    }
    out.extend(std::iter::repeat_n(' ', pad));
    if !left {
        out.push_str(s);
    }
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `s.substring(0, precision)` in UTF-16 units, as written out in UTF-8: a surrogate pair
/// cut in half leaves its high surrogate, which the writer replaces with `?`.
fn truncate(s: &str, precision: usize) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in s.chars() {
        let n = c.len_utf16();
        if units + n <= precision {
            out.push(c);
            units += n;
        } else {
            if units < precision {
                out.push('?');
            }
            break;
        }
    }
    out
}

/// `String.toUpperCase` outside the Turkish, Azeri and Lithuanian locales: the full
/// (possibly multi-character) mappings of SpecialCasing.txt, which Rust's
/// `char::to_uppercase` carries too, and otherwise `Character.toUpperCase` from the JDK's
/// own table (immune to the Unicode version Rust ships).
fn to_upper_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let full = c.to_uppercase();
        if full.len() > 1 {
            out.extend(full);
        } else {
            out.push(to_upper(c));
        }
    }
    out
}

/// `String.hashCode`: `h = 31 * h + unit` over UTF-16 units, wrapping.
fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)))
}

impl Format {
    /// Err(description) exactly when `String.format(pattern, s)` throws for a non-null
    /// String `s`. The description names the Java exception, the specifier and Java's own
    /// message; it quotes the pattern, never a value.
    ///
    /// # Errors
    /// Any `IllegalFormatException` Java would throw: unknown conversions, bad or duplicate
    /// flags, a missing width, an illegal width, precision or argument index, a conversion
    /// a `String` cannot take (`%d`, `%c`, `%tY`...), or a second argument (`%s %s`,
    /// `%2$s`, a leading `%<s`).
    pub fn parse(pattern: &str) -> Result<Format, String> {
        let items = split(pattern)?;
        // `Formatter.format`: run the specifiers in order against the one argument.
        let (mut last, mut lasto) = (-1i64, -1i64);
        let mut pieces: Vec<Piece> = Vec::new();
        let push_text = |pieces: &mut Vec<Piece>, text: String| match pieces.last_mut() {
            Some(Piece::Text(t)) => t.push_str(&text),
            _ => pieces.push(Piece::Text(text)),
        };
        for item in items {
            let spec = match item {
                Item::Fixed(text) => {
                    push_text(&mut pieces, text);
                    continue;
                }
                Item::Specifier(spec) => spec,
            };
            let argument = match spec.index {
                -2 => {
                    let mut text = String::new();
                    if spec.c == 'n' {
                        text.push('\n');
                    } else {
                        justify(&mut text, "%", spec.width.map(|w| w as usize), spec.has(LEFT_JUSTIFY));
                    }
                    push_text(&mut pieces, text);
                    continue;
                }
                -1 => last,
                0 => {
                    lasto += 1;
                    last = lasto;
                    lasto
                }
                n => {
                    last = n - 1;
                    last
                }
            };
            if argument != 0 {
                let message = format!("Format specifier '{}'", spec.java_string());
                return Err(spec.fail("MissingFormatArgumentException", &message));
            }
            pieces.push(Piece::Value(spec.print_string_arg()?));
        }
        Ok(Format { pieces })
    }

    /// `String.format(pattern, value)` in an English default locale, as psoxy writes it.
    pub fn apply(&self, value: &str) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(spec) => {
                    let hash;
                    let s = match spec.kind {
                        Kind::String => value,
                        Kind::Boolean => "true",
                        Kind::HashCode => {
                            hash = format!("{:x}", java_hash(value));
                            &hash
                        }
                    };
                    let mut s = match spec.precision {
                        Some(p) if p < utf16_len(s) => truncate(s, p),
                        _ => s.to_string(),
                    };
                    if spec.upper {
                        s = to_upper_case(&s);
                    }
                    justify(&mut out, &s, spec.width, spec.left);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::unescape;

    /// Every row of the JDK's table: `parse` fails exactly where Java throws (with the same
    /// exception and message), and `apply` prints what Java printed elsewhere.
    #[test]
    fn matches_java_string_format() {
        let text = include_str!("../testdata/format.tsv");
        let (mut ok, mut errors) = (0, 0);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let row: Vec<String> = line.split('\t').map(unescape).collect();
            let (pattern, value) = (&row[0], &row[1]);
            match (row[2].as_str(), Format::parse(pattern)) {
                ("ok", Ok(format)) => {
                    assert_eq!(format.apply(value), row[3], "{pattern:?} on {value:?}");
                    ok += 1;
                }
                ("error", Err(e)) => {
                    // Java names a supplementary character after `%` by its high surrogate,
                    // which prints as `?`; ours names the character.
                    let expected = if pattern.chars().any(|c| c.len_utf16() > 1) {
                        format!("{}: ", row[3])
                    } else {
                        format!("{}: {}", row[3], row[4])
                    };
                    assert!(e.contains(&expected), "{pattern:?}: {e:?}, Java {expected:?}");
                    errors += 1;
                }
                (java, ours) => panic!("{pattern:?} on {value:?}: Java {java} {row:?}, ours {ours:?}"),
            }
        }
        assert!(ok > 1000 && errors > 1000, "{ok} ok, {errors} errors");
    }

    #[test]
    fn the_value_is_ignored_without_a_specifier() {
        assert_eq!(Format::parse("fixed %% text%n").unwrap().apply("x"), "fixed % text\n");
        assert_eq!(Format::parse("").unwrap().apply("x"), "");
    }

    #[test]
    fn errors_name_the_exception_and_specifier() {
        let e = Format::parse("id-%d").unwrap_err();
        assert_eq!(e, "`%d`: IllegalFormatConversionException: d != java.lang.String");
        let e = Format::parse("%s %s").unwrap_err();
        assert!(e.contains("MissingFormatArgumentException"), "{e}");
        let e = Format::parse("%-s").unwrap_err();
        assert!(e.starts_with("`%-s`: MissingFormatWidthException"), "{e}");
    }

    #[test]
    fn precision_counts_utf16_units() {
        let f = Format::parse("%.2s|%<-4.1S|%<3s").unwrap();
        assert_eq!(f.apply("\u{1F600}b"), "\u{1F600}|?   |\u{1F600}b");
        assert_eq!(Format::parse("%.1S").unwrap().apply("\u{df}x"), "SS");
    }
}
