//! Word-at-a-time byte search for short haystacks.
//!
//! Unquoted CSV cells are a dozen bytes or so. For those, a SIMD search spends more on
//! setting up than on searching; testing eight bytes per step in a plain `u64` is faster.
//! (Quoted cells, where long text lives, are searched with `memchr`.)

const ONES: u64 = 0x0101_0101_0101_0101;

/// Nonzero iff some byte of `x` is zero. The lowest set bit always marks the *first* zero
/// byte (higher bits may be false alarms from the borrow), which is all the search needs.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & (ONES << 7)
}

/// Position of the first byte of `haystack` equal to any of `needles`.
#[inline]
pub fn find_any<const N: usize>(haystack: &[u8], needles: [u8; N]) -> Option<usize> {
    let mut words = haystack.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let hits = needles
            .iter()
            .fold(0, |hits, &n| hits | zero_bytes(w ^ (ONES * u64::from(n))));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|k| at + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_needle_at_every_position_and_length() {
        let needles = [b',', b'\n', b'\r'];
        for len in 0..=40 {
            for first in 0..=len {
                for second in first..=len {
                    for (x, y) in [(b',', b'\n'), (b'\r', b','), (0x80, b'\n'), (0xFF, 0x01)] {
                        let mut hay = vec![b'a'; len];
                        if second < len {
                            hay[second] = y;
                        }
                        if first < len {
                            hay[first] = x;
                        }
                        let expected = hay.iter().position(|b| needles.contains(b));
                        assert_eq!(find_any(&hay, needles), expected, "{len} {first} {second} {x} {y}");
                    }
                }
            }
        }
    }
}
