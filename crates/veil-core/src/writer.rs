//! CSV output exactly as psoxy prints it (Commons CSV `DEFAULT`, `QuoteMode.MINIMAL`).
//!
//! Output is always comma-delimited; each line ends with the input's first line ending.
//! A field is quoted iff its first byte is `<= '#'`, it contains `,` `"` CR or LF, or its
//! last byte is `<= ' '`. An empty *value* is quoted (`""`) only as the first field of a
//! line, and a null (blank input cell) is never quoted.

/// True when psoxy's printer would quote this non-empty value.
pub fn needs_quotes(value: &[u8]) -> bool {
    match (value.first(), value.last()) {
        (Some(&first), Some(&last)) => first <= b'#' || last <= b' ' || has_special(value),
        _ => false,
    }
}

/// True when `value` holds a byte that forces quoting anywhere in a field.
fn has_special(value: &[u8]) -> bool {
    crate::bytes::find_any(value, [b',', b'"', b'\r', b'\n']).is_some()
}

/// Appends one field to `out`. `None` is a null (written as nothing); `Some(b"")` is an
/// empty string, quoted when it is the first field of the line.
pub fn push_field(out: &mut Vec<u8>, value: Option<&[u8]>, first: bool) {
    if !first {
        out.push(b',');
    }
    let Some(value) = value else { return };
    if value.is_empty() {
        if first {
            out.extend_from_slice(b"\"\"");
        }
        return;
    }
    if !needs_quotes(value) {
        out.extend_from_slice(value);
        return;
    }
    out.push(b'"');
    let mut rest = value;
    while let Some(k) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=k]);
        out.push(b'"');
        rest = &rest[k + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Appends a pseudonym: tokens never need quotes; JSON always does. Skips the scan.
pub fn push_pseudonym(out: &mut Vec<u8>, value: &[u8], json: bool, first: bool) {
    if !first {
        out.push(b',');
    }
    if !json {
        debug_assert!(!needs_quotes(value));
        out.extend_from_slice(value);
        return;
    }
    out.push(b'"');
    for &b in value {
        out.push(b);
        if b == b'"' {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Appends a header line (names are empty strings, never nulls) and the line ending.
pub fn push_header<S: AsRef<str>>(out: &mut Vec<u8>, names: &[S], eol: &[u8]) {
    for (i, name) in names.iter().enumerate() {
        push_field(out, Some(name.as_ref().as_bytes()), i == 0);
    }
    out.extend_from_slice(eol);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_at_a_time_scan_matches_the_table_at_every_position() {
        for len in 1..=40 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut value = vec![b'a'; len];
                    value[at] = byte;
                    assert_eq!(has_special(&value), b",\"\r\n".contains(&byte), "{len} {at} {byte}");
                }
            }
        }
    }

    fn line(fields: &[Option<&str>]) -> String {
        let mut out = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            push_field(&mut out, f.map(str::as_bytes), i == 0);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn psoxy_printer_vectors() {
        // edge-cases.txt "printer direct" and "quoting of special values".
        assert_eq!(line(&[Some(""), Some("x")]), r#""",x"#);
        assert_eq!(line(&[None, Some("x")]), ",x");
        assert_eq!(line(&[Some("x"), Some("")]), "x,");
        assert_eq!(line(&[Some(" lead"), Some("trail ")]), r#"" lead","trail ""#);
        assert_eq!(line(&[Some("\""), Some("#")]), "\"\"\"\",\"#\"");
        assert_eq!(line(&[Some("-1"), Some("t~abc@acme.com")]), "-1,t~abc@acme.com");
        assert_eq!(
            line(&[
                Some("#x"),
                Some("!y"),
                Some("q\"uote"),
                Some("multi\nline"),
                Some("=cmd"),
                Some("a,b"),
                Some("'s")
            ]),
            "\"#x\",\"!y\",\"q\"\"uote\",\"multi\nline\",=cmd,\"a,b\",'s"
        );
    }

    #[test]
    fn json_pseudonyms_are_quoted_tokens_are_not() {
        assert_eq!(line(&[Some(r#"{"hash":"h"}"#)]), r#""{""hash"":""h""}""#);
        assert!(!needs_quotes(b"t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc"));
    }

    #[test]
    fn pseudonyms_are_written_as_push_field_would() {
        for (value, json) in [
            (r#"{"domain":"x.com","hash":"h-_"}"#, true),
            ("t~abc-_@x.com", false),
            ("-abc_", false),
        ] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            push_field(&mut a, Some(value.as_bytes()), false);
            push_pseudonym(&mut b, value.as_bytes(), json, false);
            assert_eq!(a, b, "{value}");
        }
    }

    #[test]
    fn header_keeps_empty_names() {
        let mut out = Vec::new();
        push_header(&mut out, &["", "a"], b"\r\n");
        assert_eq!(out, b"\"\",a\r\n");
        out.clear();
        push_header(&mut out, &["a", "b", ""], b"\n");
        assert_eq!(out, b"a,b,\n");
    }
}
