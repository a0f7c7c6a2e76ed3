//! Zero-width nodes that read around the position: `^ $ \R \b` and look-behind.

use super::exec::{Act, Exec};
use super::node::*;
use super::props::{self, A_WORD, NON_SPACING_MARK, Prop};

const LF: u32 = 0x0A;
const CR: u32 = 0x0D;

fn is_line_terminator(c: u32) -> bool {
    c == LF || c == CR || (c | 1) == 0x2029 || c == 0x85
}

impl Exec<'_> {
    /// `Caret` (MULTILINE `^`) and `UnixCaret`.
    pub fn caret(&self, i: usize, unix: bool) -> bool {
        if i == self.to {
            return false;
        }
        if i > 0 {
            let (c, _) = self.t.unit_before(i);
            if unix {
                return c == LF;
            }
            if !is_line_terminator(c) {
                return false;
            }
            if c == CR && self.t.unit_at(i).0 == LF {
                return false;
            }
        }
        true
    }

    /// `Dollar`: `$` (before a final line terminator too) and `\Z`; MULTILINE `$`.
    pub fn dollar(&mut self, n: NodeId, i: usize, multiline: bool) -> Act {
        let next = self.p.nodes[n as usize].next;
        let (t, to) = (self.t, self.to);
        if !multiline {
            let (mut rem, mut x) = (0, i);
            while x < to && rem < 3 {
                x = t.next_unit(x);
                rem += 1;
            }
            if rem > 2 {
                return Act::Ret(false);
            }
            if rem == 2 {
                let (a, x1) = t.unit_at(i);
                if a != CR || t.unit_at(x1).0 != LF {
                    return Act::Ret(false);
                }
            }
        }
        if i < to {
            let c = t.unit_at(i).0;
            if c == LF {
                if i > 0 && t.unit_before(i).0 == CR {
                    return Act::Ret(false);
                }
            } else if !(c == CR || c == 0x85 || (c | 1) == 0x2029) {
                return Act::Ret(false);
            }
        }
        Act::Call(next, i)
    }

    /// `UnixDollar` (UNIX_LINES `$`).
    pub fn unix_dollar(&mut self, next: NodeId, i: usize, multiline: bool) -> Act {
        if i < self.to {
            let (c, after) = self.t.unit_at(i);
            if c != LF || (!multiline && after != self.to) {
                return Act::Ret(false);
            }
        }
        Act::Call(next, i)
    }

    /// `LineEnding` (`\R`): `\r\n` first, then `\r` alone.
    pub fn line_ending(&mut self, n: NodeId, i: usize) -> Act {
        let next = self.p.nodes[n as usize].next;
        if i < self.to {
            let (c, i1) = self.t.unit_at(i);
            if matches!(c, 0x0A | 0x0B | 0x0C | 0x85 | 0x2028 | 0x2029) {
                return Act::Call(next, i1);
            }
            if c == CR {
                if i1 < self.to && self.t.unit_at(i1).0 == LF {
                    self.push(i1);
                    self.frame(n, 1);
                    return Act::Call(next, i1 + 1);
                }
                return Act::Call(next, i1);
            }
        }
        Act::Ret(false)
    }

    /// `Bound.check`: which kind of word boundary is at `i` (JDK 19+: ASCII word characters
    /// unless UNICODE_CHARACTER_CLASS; a non-spacing mark counts with its base character).
    pub fn bound(&self, i: usize, unicode: bool) -> u8 {
        let is_word = |c: u32| {
            if unicode {
                Prop::Word.eval(c)
            } else {
                c < 128 && props::ascii_type(c) & A_WORD != 0
            }
        };
        let t = self.t;
        let mut left = false;
        if i > 0 {
            let (c, _) = t.cp_before(i);
            left = is_word(c) || (props::get_type(c) == NON_SPACING_MARK && self.has_base(t.unit_before(i).1));
        }
        let mut right = false;
        if i < self.to {
            let (c, _) = t.cp_at(i);
            right = is_word(c) || (props::get_type(c) == NON_SPACING_MARK && self.has_base(i));
        }
        if left ^ right {
            if right { BOUND_LEFT } else { BOUND_RIGHT }
        } else {
            BOUND_NONE
        }
    }

    /// `Pattern.hasBaseCharacter`: walks back (by unit) over non-spacing marks.
    fn has_base(&self, mut x: usize) -> bool {
        loop {
            let (c, _) = self.t.cp_at(x);
            if props::is_letter_or_digit(c) {
                return true;
            }
            if props::get_type(c) != NON_SPACING_MARK || x == 0 {
                return false;
            }
            x = self.t.unit_before(x).1;
        }
    }

    /// Java's look-behind window: the first start to try and the lowest one (`usize::MAX`
    /// when none can be tried), from `i - rmin` down to `max(i - rmax, 0)` in units (code
    /// points for `BehindS`), with `int` arithmetic.
    fn behind_window(&self, i: usize, rmax: i32, rmin: i32, supp: bool) -> (Option<usize>, usize) {
        let t = self.t;
        if supp {
            let max_chars = t.count_chars(i, rmax.wrapping_neg());
            let min_chars = t.count_chars(i, rmin.wrapping_neg());
            return (t.back_units(i, min_chars), t.back_units(i, max_chars).unwrap_or(0));
        }
        // i - x overflows int exactly when i + |x| > Integer.MAX_VALUE (x < 0).
        let overflows = |x: i32| t.unit_index(i) as i64 - x as i64 > i32::MAX as i64;
        let from = if rmax >= 0 {
            t.back_units(i, rmax as u64).unwrap_or(0)
        } else if overflows(rmax) {
            0
        } else {
            usize::MAX
        };
        let start = if rmin >= 0 {
            t.back_units(i, rmin as u64)
        } else if overflows(rmin) {
            None
        } else {
            Some(i)
        };
        (start, from)
    }

    pub fn behind_enter(&mut self, n: NodeId, i: usize) -> Act {
        let Kind::Behind {
            cond, rmax, rmin, supp, ..
        } = self.p.nodes[n as usize].kind
        else {
            return Act::Ret(false);
        };
        let (start, from) = self.behind_window(i, rmax, rmin, supp);
        self.charge(i.saturating_sub(from.min(i)));
        let saved = self.lookbehind_to;
        self.lookbehind_to = i;
        match start {
            Some(j) if j >= from => {
                self.push_behind(n, i, saved, from, j);
                Act::Call(cond, j)
            }
            _ => self.behind_finish(n, i, saved, false),
        }
    }

    fn push_behind(&mut self, n: NodeId, i: usize, saved: usize, from: usize, j: usize) {
        for v in [i, saved, from, j] {
            self.push(v);
        }
        self.frame(n, 1);
    }

    pub fn behind_resume(&mut self, n: NodeId, r: bool) -> Act {
        let (j, from, saved, i) = (self.pop(), self.pop(), self.pop(), self.pop());
        if r {
            return self.behind_finish(n, i, saved, true);
        }
        let Kind::Behind { cond, supp, .. } = self.p.nodes[n as usize].kind else {
            return Act::Ret(false);
        };
        let j = if supp {
            if j > from { Some(self.t.cp_before(j).1) } else { None }
        } else if j > 0 {
            Some(self.t.unit_before(j).1)
        } else {
            None
        };
        match j {
            Some(j) if j >= from => {
                self.push_behind(n, i, saved, from, j);
                Act::Call(cond, j)
            }
            _ => self.behind_finish(n, i, saved, false),
        }
    }

    fn behind_finish(&mut self, n: NodeId, i: usize, saved: usize, matched: bool) -> Act {
        self.lookbehind_to = saved;
        let node = &self.p.nodes[n as usize];
        let negate = matches!(node.kind, Kind::Behind { negate: true, .. });
        self.cond(matched != negate, node.next, i)
    }
}
