//! Repetition of groups: `GroupCurly` (a deterministic group; it sets and restores its group
//! while backing off, as Java does) and `Loop` / `LazyLoop` (any other group).

use super::curly::Rep;
use super::exec::{Act, Exec, pos};
use super::node::*;
use Act::{Call, Ret};

// Resume points.
const GC_RESTORE: u32 = 1;
const GC_MIN: u32 = 2;
const G0_A: u32 = 3;
const G0_B: u32 = 4;
const G0_C: u32 = 5;
const G0_D: u32 = 6;
const G1_A: u32 = 7;
const G1_B: u32 = 8;
const G2_A: u32 = 9;
const L_RESTORE: u32 = 1;
const L_INIT_BODY: u32 = 2;
const L_MIN: u32 = 3;
const L_BODY: u32 = 4;
const L_LAZY_NEXT: u32 = 5;
const L_INIT_LAZY: u32 = 6;

impl Exec<'_> {
    pub fn set_group(&mut self, r: &Rep, start: usize, end: usize) {
        if r.capture {
            self.s.groups[r.group] = start as u32;
            self.s.groups[r.group + 1] = end as u32;
        }
    }

    /// `GroupCurly.match`: a deterministic group repeated; the atom runs without its
    /// GroupHead, and the group is set here.
    pub fn group_curly_enter(&mut self, n: NodeId, i: usize) -> Act {
        let r = self.rep(n);
        let save0 = self.s.locals[r.local];
        let (save1, save2) = if r.capture {
            (self.s.groups[r.group], self.s.groups[r.group + 1])
        } else {
            (0, 0)
        };
        self.push_all(n, GC_RESTORE, &[pos(save0), pos(save1), pos(save2)]);
        self.s.locals[r.local] = NONE;
        self.gc_min(n, i, 0)
    }

    pub fn gc_min(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        let r = self.rep(n);
        if j < r.cmin as usize {
            self.push_all(n, GC_MIN, &[i, j]);
            return Call(r.atom, i);
        }
        match r.qtype {
            Qtype::Greedy => self.g0_entry(n, i, j),
            Qtype::Lazy => self.g1_loop(n, i, j),
            _ => self.g2_loop(n, i, j),
        }
    }

    pub fn group_values(&self, r: &Rep) -> (usize, usize) {
        if r.capture {
            (pos(self.s.groups[r.group]), pos(self.s.groups[r.group + 1]))
        } else {
            (0, 0)
        }
    }

    pub fn g0_entry(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        let r = self.rep(n);
        let (s0, s1) = self.group_values(&r);
        if j >= r.cmax as usize {
            return self.g0_end(n, i, s0, s1);
        }
        self.push_all(n, G0_A, &[i, j, 0, j, s0, s1]);
        Call(r.atom, i)
    }

    /// One more iteration [i, ni) of length k taken; try another atom.
    #[allow(clippy::too_many_arguments)]
    pub fn g0_step(
        &mut self,
        n: NodeId,
        i: usize,
        ni: usize,
        j: usize,
        k: usize,
        min: usize,
        s: (usize, usize),
    ) -> Act {
        let r = self.rep(n);
        self.set_group(&r, i, ni);
        let j = j + 1;
        if j >= r.cmax as usize {
            return self.g0_back(n, ni, j, k, min, s);
        }
        self.push_all(n, G0_B, &[ni, j, k, min, s.0, s.1]);
        Call(r.atom, ni)
    }

    pub fn g0_back(&mut self, n: NodeId, i: usize, j: usize, k: usize, min: usize, s: (usize, usize)) -> Act {
        if j > min {
            self.push_all(n, G0_D, &[i, j, k, min, s.0, s.1]);
            return Call(self.rep(n).next, i);
        }
        self.g0_end(n, i, s.0, s.1)
    }

    pub fn g0_end(&mut self, n: NodeId, i: usize, s0: usize, s1: usize) -> Act {
        let r = self.rep(n);
        if r.capture {
            self.s.groups[r.group] = s0 as u32;
            self.s.groups[r.group + 1] = s1 as u32;
        }
        Call(r.next, i)
    }

    pub fn g1_loop(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        self.push_all(n, G1_A, &[i, j]);
        Call(self.rep(n).next, i)
    }

    pub fn g2_loop(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        let r = self.rep(n);
        if j < r.cmax as usize {
            self.push_all(n, G2_A, &[i, j]);
            return Call(r.atom, i);
        }
        Call(r.next, i)
    }

    pub fn pop6(&mut self) -> (usize, usize, usize, usize, (usize, usize)) {
        let s1 = self.pop();
        let s0 = self.pop();
        let (i, j, k, min) = self.pop4();
        (i, j, k, min, (s0, s1))
    }

    pub fn group_curly_resume(&mut self, n: NodeId, pc: u32, ok: bool) -> Act {
        let r = self.rep(n);
        let last = self.last;
        match pc {
            GC_RESTORE => {
                let save2 = self.pop() as u32;
                let save1 = self.pop() as u32;
                let save0 = self.pop() as u32;
                if !ok {
                    self.s.locals[r.local] = save0;
                    if r.capture {
                        self.s.groups[r.group] = save1;
                        self.s.groups[r.group + 1] = save2;
                    }
                }
                Ret(ok)
            }
            GC_MIN => {
                let (i, j) = self.pop2();
                if !ok {
                    return Ret(false);
                }
                self.set_group(&r, i, last);
                self.gc_min(n, last, j + 1)
            }
            G0_A => {
                let (i, j, _, min, s) = self.pop6();
                if !ok {
                    return self.g0_end(n, i, s.0, s.1);
                }
                let k = self.t.units(i, last) as usize;
                if k == 0 {
                    self.set_group(&r, i, i);
                    return self.g0_end(n, i, s.0, s.1);
                }
                self.g0_step(n, i, last, j, k, min, s)
            }
            G0_B => {
                let (i, j, k, min, s) = self.pop6();
                if !ok {
                    return self.g0_back(n, i, j, k, min, s);
                }
                if self.t.fwd_units(i, k as u64) != Some(last) {
                    self.push_all(n, G0_C, &[i, j, k, min, s.0, s.1]);
                    return self.g0_entry(n, i, j);
                }
                self.g0_step(n, i, last, j, k, min, s)
            }
            G0_C => {
                let (i, j, k, min, s) = self.pop6();
                if ok {
                    Ret(true)
                } else {
                    self.g0_back(n, i, j, k, min, s)
                }
            }
            G0_D => {
                let (i, j, k, min, s) = self.pop6();
                let back = |e: &Exec, p: usize| e.t.back_units(p, k as u64).unwrap_or(0);
                if ok {
                    let start = back(self, i);
                    self.set_group(&r, start, i);
                    return Ret(true);
                }
                let i = back(self, i);
                let start = back(self, i);
                self.set_group(&r, start, i);
                self.g0_back(n, i, j - 1, k, min, s)
            }
            G1_A => {
                let (i, j) = self.pop2();
                if ok {
                    return Ret(true);
                }
                if j >= r.cmax as usize {
                    return Ret(false);
                }
                self.push_all(n, G1_B, &[i, j]);
                Call(r.atom, i)
            }
            G1_B => {
                let (i, j) = self.pop2();
                if !ok || i == last {
                    return Ret(false);
                }
                self.set_group(&r, i, last);
                self.g1_loop(n, last, j + 1)
            }
            _ => {
                let (i, j) = self.pop2();
                if !ok {
                    return Call(r.next, i);
                }
                self.set_group(&r, i, last);
                if i == last {
                    Call(r.next, i)
                } else {
                    self.g2_loop(n, last, j + 1)
                }
            }
        }
    }

    /// `Prolog.match` -> `Loop.matchInit` / `LazyLoop.matchInit`.
    pub fn loop_init(&mut self, lp: NodeId, i: usize) -> Act {
        let node = &self.p.nodes[lp as usize];
        let Kind::Loop {
            body,
            count,
            cmin,
            cmax,
            lazy,
            ..
        } = node.kind
        else {
            return Ret(false);
        };
        let next = node.next;
        let ci = count as usize;
        let save = pos(self.s.locals[ci]);
        if 0 < cmin {
            self.s.locals[ci] = 1;
            self.push_all(lp, L_RESTORE, &[save]);
            Call(body, i)
        } else if lazy {
            self.push_all(lp, L_INIT_LAZY, &[save, i]);
            Call(next, i)
        } else if 0 < cmax {
            self.s.locals[ci] = 1;
            self.push_all(lp, L_INIT_BODY, &[save, i]);
            Call(body, i)
        } else {
            self.push_all(lp, L_RESTORE, &[save]);
            Call(next, i)
        }
    }

    /// `Loop.match` / `LazyLoop.match`: reached at the end of each iteration of the body.
    pub fn loop_match(&mut self, n: NodeId, i: usize) -> Act {
        let node = &self.p.nodes[n as usize];
        let Kind::Loop {
            body,
            count,
            begin,
            cmin,
            cmax,
            memo,
            lazy,
        } = node.kind
        else {
            return Ret(false);
        };
        let next = node.next;
        let b = self.s.locals[begin as usize];
        if b == NONE || i > pos(b) {
            let ci = count as usize;
            let c = self.s.locals[ci];
            if c < cmin {
                self.s.locals[ci] = c.wrapping_add(1);
                self.push_all(n, L_MIN, &[pos(c)]);
                return Call(body, i);
            }
            if lazy {
                self.push_all(n, L_LAZY_NEXT, &[pos(c), i]);
                return Call(next, i);
            }
            if c < cmax {
                if memo != NONE && self.s.memo[memo as usize].contains(i) {
                    return Call(next, i);
                }
                self.s.locals[ci] = c.wrapping_add(1);
                self.push_all(n, L_BODY, &[pos(c), i]);
                return Call(body, i);
            }
        }
        Call(next, i)
    }

    pub fn loop_resume(&mut self, n: NodeId, pc: u32, ok: bool) -> Act {
        let node = &self.p.nodes[n as usize];
        let Kind::Loop {
            body,
            count,
            cmax,
            memo,
            ..
        } = node.kind
        else {
            return Ret(false);
        };
        let next = node.next;
        let ci = count as usize;
        match pc {
            L_RESTORE => {
                self.s.locals[ci] = self.pop() as u32;
                Ret(ok)
            }
            L_INIT_BODY => {
                let (save, i) = self.pop2();
                if ok {
                    self.s.locals[ci] = save as u32;
                    return Ret(true);
                }
                self.push_all(n, L_RESTORE, &[save]);
                Call(next, i)
            }
            L_INIT_LAZY => {
                let (save, i) = self.pop2();
                if !ok && 0 < cmax {
                    self.s.locals[ci] = 1;
                    self.push_all(n, L_RESTORE, &[save]);
                    return Call(body, i);
                }
                self.s.locals[ci] = save as u32;
                Ret(ok)
            }
            L_MIN => {
                let c = self.pop() as u32;
                if !ok {
                    self.s.locals[ci] = c;
                }
                Ret(ok)
            }
            L_BODY => {
                let (c, i) = self.pop2();
                if ok {
                    return Ret(true);
                }
                self.s.locals[ci] = c as u32;
                if memo != NONE {
                    self.s.memo[memo as usize].add(i);
                }
                Call(next, i)
            }
            _ => {
                let (c, i) = self.pop2();
                if ok {
                    return Ret(true);
                }
                if (c as u32) < cmax {
                    self.s.locals[ci] = (c as u32).wrapping_add(1);
                    self.push_all(n, L_MIN, &[c]);
                    return Call(body, i);
                }
                Ret(false)
            }
        }
    }
}
