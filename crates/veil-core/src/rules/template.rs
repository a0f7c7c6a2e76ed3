//! `fileRules` path templates (psoxy's `PathTemplateUtils`): `{name}` matches one path
//! segment, `{name?}` may be empty, everything else is literal.

use regex::Regex;

/// `{name}` matches one path segment (1+ chars), `{name?}` 0+ chars; all else is literal.
/// (psoxy leaves `{ } | \` unescaped, so `|` becomes alternation: veil does not.)
pub(super) fn compile_template(text: &str) -> std::result::Result<Regex, String> {
    let mut pattern = String::from("^");
    let body = text.strip_prefix('/').unwrap_or(text);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        pattern.push_str(&regex::escape(&rest[..open]));
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("template `{text}` has `{{` without `}}`"))?;
        let inner = &rest[open + 1..open + close];
        let (name, optional) = match inner.strip_suffix('?') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "parameter `{{{inner}}}` must be a letter then letters or digits (psoxy fails at match time)"
            ));
        }
        pattern.push_str(if optional { "([^/]*)" } else { "([^/]+)" });
        rest = &rest[open + close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).map_err(|e| format!("template `{text}`: {e}"))
}
