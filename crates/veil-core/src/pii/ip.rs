//! IPv6 addresses (IPv4's dotted quads are read as digit groups in `numbers.rs`).

use std::net::Ipv6Addr;

use super::{is_word, left_boundary};

fn is_v6(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Whether a run of hex digits, colons and dots with at least two colons is an IPv6 address.
#[inline(never)]
pub(super) fn has_ipv6(cell: &[u8]) -> bool {
    let mut from = 0;
    while let Some(k) = memchr::memchr(b':', &cell[from..]) {
        let colon = from + k;
        let mut s = colon;
        while s > 0 && is_v6(cell[s - 1]) {
            s -= 1;
        }
        let mut e = colon + 1;
        while e < cell.len() && is_v6(cell[e]) {
            e += 1;
        }
        from = e;
        if !left_boundary(cell, s) || cell.get(s) == Some(&b'.') || e < cell.len() && is_word(cell[e]) {
            continue;
        }
        let mut t = e;
        while t > s && cell[t - 1] == b'.' {
            t -= 1;
        }
        // `addr fe80::1: up`: a colon may end the sentence, not the address (`fe80::` is one).
        if ipv6(&cell[s..t]) || t - s > 2 && cell[t - 1] == b':' && cell[t - 2] != b':' && ipv6(&cell[s..t - 1]) {
            return true;
        }
    }
    false
}

fn ipv6(token: &[u8]) -> bool {
    let colons = token.iter().filter(|&&b| b == b':').count();
    if !(2..=45).contains(&token.len()) || colons < 2 || !(colons >= 4 || token.iter().any(u8::is_ascii_digit)) {
        return false;
    }
    std::str::from_utf8(token)
        .ok()
        .and_then(|text| text.parse::<Ipv6Addr>().ok())
        .is_some_and(|address| !address.is_unspecified() && !address.is_loopback())
}
