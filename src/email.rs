//! Placeholder: replaced by the RFC-2822 mailbox parser.
use std::borrow::Cow;

/// An e-mail address found in a cell.
pub struct Mailbox<'a> {
    /// Local part, unquoted where psoxy unquotes it, case as written.
    pub local: Cow<'a, str>,
    /// Domain exactly as written.
    pub domain: &'a str,
}

/// Parses `value` as a psoxy mailbox.
pub fn parse(value: &str) -> Option<Mailbox<'_>> {
    let _ = value;
    None
}
