//! E-mail addresses: each `@` expanded to its token and confirmed by psoxy's mailbox grammar.

use crate::email;

/// RFC 2822 `atext` and `.`: the bytes a local part is made of (used to find its start only;
/// psoxy's grammar in [`crate::email`] decides).
const LOCAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?' | b'^'..=b'`' | b'{'..=b'~' | b'.'
            );
        i += 1;
    }
    table
};

#[inline(never)]
pub(super) fn has_email(cell: &[u8]) -> bool {
    if memchr::memchr_iter(b'@', cell).any(|at| email_at(cell, at)) {
        return true;
    }
    // A whole cell may be a mailbox the token search does not see: a display name with the
    // address in angle brackets is found above, but `"john smith"@x.com` and comments are not.
    std::str::from_utf8(cell).ok().and_then(email::parse).is_some()
}

/// Whether the `@` at `at` is the middle of an e-mail address.
fn email_at(cell: &[u8], at: usize) -> bool {
    // Text such as `see..a@x.com` or `...a@x.com`: the local part starts after the dots.
    let mut s = at;
    while s > 0 && LOCAL[usize::from(cell[s - 1])] && !(cell[s - 1] == b'.' && cell[s] == b'.') {
        s -= 1;
    }
    while s < at && cell[s] == b'.' {
        s += 1;
    }
    let mut e = at + 1;
    while e < cell.len() && (cell[e].is_ascii_alphanumeric() || cell[e] == b'-' || cell[e] == b'.') {
        e += 1;
    }
    // A sentence may end right after the address.
    while e > at + 1 && matches!(cell[e - 1], b'.' | b'-') {
        e -= 1;
    }
    if s == at || e == at + 1 {
        return false;
    }
    // Every byte of the candidate is ASCII, so this cannot fail.
    std::str::from_utf8(&cell[s..e]).ok().and_then(email::parse).is_some()
}
