//! Character predicates: what `Pattern.CharPredicate` lambdas compute, as data.
//!
//! Java also tracks whether a predicate can only match BMP characters (`BmpCharPredicate`),
//! which decides whether its unanchored search steps by unit or by code point; `P::bmp`
//! follows the same rules.

use super::props::{self, Prop};
use crate::{to_lower, to_upper};

/// One predicate; `Bits` refers to a `BitClass` of the pattern (they can still grow after
/// being referenced, as Java's shared objects do, so they are read only once parsing ends).
#[derive(Clone, Debug)]
pub(super) enum Pred {
    All,
    Dot,
    UnixDot,
    VertWs,
    HorizWs,
    Single(u32),
    SingleI(u32, u32),
    SingleU(u32),
    Range(u32, u32),
    CiRange(u32, u32),
    CiRangeU(u32, u32),
    Bits(u32),
    Ctype(u32),
    Prop(Prop),
    Not(Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
}

/// A predicate and whether Java types it as a `BmpCharPredicate`.
#[derive(Clone, Debug)]
pub(super) struct P {
    pub pred: Pred,
    pub bmp: bool,
}

impl P {
    pub fn new(pred: Pred, bmp: bool) -> P {
        P { pred, bmp }
    }

    pub fn union(self, other: P) -> P {
        P::new(
            Pred::Or(Box::new(self.pred), Box::new(other.pred)),
            self.bmp && other.bmp,
        )
    }

    pub fn and(self, other: P) -> P {
        P::new(
            Pred::And(Box::new(self.pred), Box::new(other.pred)),
            self.bmp && other.bmp,
        )
    }

    pub fn negate(self) -> P {
        P::new(Pred::Not(Box::new(self.pred)), false)
    }
}

/// `Character.toLowerCase(Character.toUpperCase(c))` over any code point (surrogates stay).
pub(super) fn fold_u(c: u32) -> u32 {
    lower_cp(upper_cp(c))
}

pub(super) fn upper_cp(c: u32) -> u32 {
    char::from_u32(c).map_or(c, |ch| to_upper(ch) as u32)
}

pub(super) fn lower_cp(c: u32) -> u32 {
    char::from_u32(c).map_or(c, |ch| to_lower(ch) as u32)
}

pub(super) fn ascii_lower(c: u32) -> u32 {
    if (b'A' as u32..=b'Z' as u32).contains(&c) {
        c + 32
    } else {
        c
    }
}

pub(super) fn ascii_upper(c: u32) -> u32 {
    if (b'a' as u32..=b'z' as u32).contains(&c) {
        c - 32
    } else {
        c
    }
}

fn is_line_terminator(c: u32) -> bool {
    c == 0x0A || c == 0x0D || (c | 1) == 0x2029 || c == 0x85
}

impl Pred {
    pub fn eval(&self, c: u32, bits: &[[u64; 4]]) -> bool {
        let in_range = |lo: u32, hi: u32, x: u32| lo <= x && x <= hi;
        match self {
            Pred::All => true,
            Pred::Dot => !is_line_terminator(c),
            Pred::UnixDot => c != 0x0A,
            Pred::VertWs => (0x0A..=0x0D).contains(&c) || c == 0x85 || c == 0x2028 || c == 0x2029,
            Pred::HorizWs => {
                matches!(
                    c,
                    0x09 | 0x20 | 0xA0 | 0x1680 | 0x180E | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000
                )
            }
            Pred::Single(x) => c == *x,
            Pred::SingleI(l, u) => c == *l || c == *u,
            Pred::SingleU(l) => c == *l || *l == fold_u(c),
            Pred::Range(l, u) => in_range(*l, *u, c),
            Pred::CiRange(l, u) => {
                in_range(*l, *u, c)
                    || (c < 0x80 && (in_range(*l, *u, ascii_upper(c)) || in_range(*l, *u, ascii_lower(c))))
            }
            Pred::CiRangeU(l, u) => {
                let up = upper_cp(c);
                in_range(*l, *u, c) || in_range(*l, *u, up) || in_range(*l, *u, lower_cp(up))
            }
            Pred::Bits(i) => {
                c < 256
                    && bits
                        .get(*i as usize)
                        .is_some_and(|b| b[(c >> 6) as usize] >> (c & 63) & 1 == 1)
            }
            Pred::Ctype(mask) => c < 128 && props::ascii_type(c) & mask != 0,
            Pred::Prop(p) => p.eval(c),
            Pred::Not(p) => !p.eval(c, bits),
            Pred::And(a, b) => a.eval(c, bits) && b.eval(c, bits),
            Pred::Or(a, b) => a.eval(c, bits) || b.eval(c, bits),
        }
    }
}

/// A compiled predicate: Latin-1 answers precomputed, the rest evaluated.
#[derive(Clone, Debug)]
pub(super) struct CharSet {
    latin1: [u64; 4],
    pred: Pred,
}

impl CharSet {
    pub fn new(pred: Pred, bits: &[[u64; 4]]) -> CharSet {
        let mut latin1 = [0u64; 4];
        for c in 0..256u32 {
            if pred.eval(c, bits) {
                latin1[(c >> 6) as usize] |= 1 << (c & 63);
            }
        }
        CharSet { latin1, pred }
    }

    #[inline]
    pub fn is(&self, c: u32) -> bool {
        if c < 256 {
            self.latin1[(c >> 6) as usize] >> (c & 63) & 1 == 1
        } else {
            self.pred.eval(c, &[])
        }
    }

    /// Whether the predicate is `.` (without DOTALL), for a faster scan.
    pub fn is_dot(&self) -> bool {
        matches!(self.pred, Pred::Dot)
    }
}
