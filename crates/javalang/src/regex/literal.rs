//! Nodes that match text: literal slices and back-references.

use super::exec::{Act, Exec, pos};
use super::node::*;
use Act::{Call, Ret};

impl Exec<'_> {
    /// Slice matching (all of Java's Slice variants compare the same way on our positions).
    pub fn slice(&self, i: usize, chars: &[u32], fold: Fold, utf8: Option<&[u8]>) -> Option<usize> {
        if let Some(bytes) = utf8
            && !self.t.is_mid(i)
        {
            return self.t.b[i..].starts_with(bytes).then_some(i + bytes.len());
        }
        let mut x = i;
        for &c in chars {
            if x >= self.to {
                return None;
            }
            let (u, nx) = self.t.cp_at(x);
            let ok = match fold {
                Fold::Exact => c == u,
                Fold::Ascii => c == u || c == super::class::ascii_lower(u),
                Fold::Unicode => c == u || c == super::class::fold_u(u),
            };
            if !ok {
                return None;
            }
            x = nx;
        }
        Some(x)
    }

    /// `BackRef`: the group's text again, unit for unit.
    pub fn back_ref(&mut self, next: NodeId, i: usize, g: usize) -> Act {
        if g + 1 >= self.s.groups.len() || self.s.groups[g] == NONE {
            return Ret(false);
        }
        let (s, e) = (pos(self.s.groups[g]), pos(self.s.groups[g + 1]));
        let t = self.t;
        if !t.is_mid(s) && !t.is_mid(e) && !t.is_mid(i) {
            let len = e.saturating_sub(s);
            self.charge(len);
            let ok = i + len <= self.to && t.b[i..i + len] == t.b[s..e];
            return self.cond(ok, next, i + len);
        }
        let (mut x, mut y) = (i, s);
        while y < e {
            if x >= self.to {
                return Ret(false);
            }
            let (a, nx) = t.unit_at(x);
            let (b, ny) = t.unit_at(y);
            if a != b {
                return Ret(false);
            }
            (x, y) = (nx, ny);
        }
        Call(next, x)
    }

    /// `CIBackRef`, with its loop over code points bounded by the group's length in units.
    pub fn ci_back_ref(&mut self, next: NodeId, i: usize, g: usize, unicode: bool) -> Act {
        use super::class::{ascii_lower, lower_cp, upper_cp};
        if g + 1 >= self.s.groups.len() || self.s.groups[g] == NONE {
            return Ret(false);
        }
        let (s, e) = (pos(self.s.groups[g]), pos(self.s.groups[g + 1]));
        let t = self.t;
        let size = t.units(s, e);
        let Some(end) = t.fwd_units(i, size) else {
            return Ret(false);
        };
        self.charge(e.saturating_sub(s));
        let (mut x, mut j, mut count, mut index) = (i, s, size, 0);
        while index < count {
            if x >= self.to || j >= self.to {
                return Ret(false);
            }
            let (c1, nx) = t.cp_at(x);
            let (c2, nj) = t.cp_at(j);
            if c1 != c2 {
                let same = if unicode {
                    let (u1, u2) = (upper_cp(c1), upper_cp(c2));
                    u1 == u2 || lower_cp(u1) == lower_cp(u2)
                } else {
                    ascii_lower(c1) == ascii_lower(c2)
                };
                if !same {
                    return Ret(false);
                }
            }
            (x, j) = (nx, nj);
            if c1 >= 0x1_0000 {
                count -= 1;
            }
            index += 1;
        }
        Call(next, end)
    }
}
