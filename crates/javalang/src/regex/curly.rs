//! Repetition of single nodes: `CharPropertyGreedy` and `Curly`, each a state machine that
//! follows its Java `match` method step for step.

use super::exec::{Act, Exec};
use super::node::*;
use Act::{Call, Ret};

// Resume points.
const C_MIN: u32 = 1;
const M0_A: u32 = 2;
const M0_B: u32 = 3;
const M0_C: u32 = 4;
const M0_D: u32 = 5;
const M1_A: u32 = 6;
const M1_B: u32 = 7;
const M2_A: u32 = 8;

/// The fields of a `Curly` or `GroupCurly` node.
#[derive(Clone, Copy)]
pub(super) struct Rep {
    pub atom: NodeId,
    pub qtype: Qtype,
    pub cmin: u32,
    pub cmax: u32,
    pub next: NodeId,
    pub local: usize,
    pub group: usize,
    pub capture: bool,
}

impl Exec<'_> {
    pub fn rep(&self, n: NodeId) -> Rep {
        let node = &self.p.nodes[n as usize];
        let mut r = Rep {
            atom: 0,
            qtype: Qtype::Greedy,
            cmin: 0,
            cmax: 0,
            next: node.next,
            local: 0,
            group: 0,
            capture: false,
        };
        match node.kind {
            Kind::Curly {
                atom,
                qtype,
                cmin,
                cmax,
            } => (r.atom, r.qtype, r.cmin, r.cmax) = (atom, qtype, cmin, cmax),
            Kind::GroupCurly {
                atom,
                qtype,
                cmin,
                cmax,
                local,
                group,
                capture,
            } => {
                (r.atom, r.qtype, r.cmin, r.cmax) = (atom, qtype, cmin, cmax);
                (r.local, r.group, r.capture) = (local as usize, group as usize, capture);
            }
            _ => {}
        }
        r
    }

    pub fn push_all(&mut self, n: NodeId, pc: u32, vals: &[usize]) {
        for &v in vals {
            self.push(v);
        }
        self.frame(n, pc);
    }

    pub fn pop4(&mut self) -> (usize, usize, usize, usize) {
        let d = self.pop();
        let c = self.pop();
        let b = self.pop();
        (self.pop(), b, c, d)
    }

    pub fn pop2(&mut self) -> (usize, usize) {
        let b = self.pop();
        (self.pop(), b)
    }

    /// `CharPropertyGreedy` (and its BMP twin): take all, then give back one at a time.
    pub fn greedy(&mut self, n: NodeId, i: usize, set: u32, cmin: u32, follow: Follow) -> Act {
        let cs = &self.p.sets[set as usize];
        let (t, to) = (self.t, self.to);
        let mut x = i;
        let mut floor = None;
        if cs.is_dot() {
            if t.is_mid(x) {
                x += 2;
            }
            while x < to {
                let b = t.b[x];
                if b > b'\r' && b < 0xC2 {
                    x += 1;
                    continue;
                }
                if b == b'\n' || b == b'\r' {
                    break;
                }
                if b == 0xC2 && t.b.get(x + 1) == Some(&0x85) {
                    break;
                }
                if b == 0xE2 && t.b.get(x + 1) == Some(&0x80) && matches!(t.b.get(x + 2), Some(0xA8 | 0xA9)) {
                    break;
                }
                x += 1;
            }
            let mut y = i;
            floor = Some(i);
            for _ in 0..cmin {
                if y >= x {
                    floor = None;
                    break;
                }
                y = t.cp_at(y).1;
                floor = Some(y);
            }
        } else {
            let mut count = 0u32;
            if cmin == 0 {
                floor = Some(i);
            }
            while x < to {
                let (c, nx) = t.cp_at(x);
                if !cs.is(c) {
                    break;
                }
                x = nx;
                count += 1;
                if count == cmin {
                    floor = Some(x);
                }
            }
        }
        self.charge(x - i);
        let Some(floor) = floor else {
            return Ret(false);
        };
        self.greedy_try(n, follow, i, floor, x)
    }

    /// Tries the rest at `x`, backing off (to `floor` at most) past positions it cannot start at.
    pub fn greedy_try(&mut self, n: NodeId, follow: Follow, start: usize, floor: usize, mut x: usize) -> Act {
        loop {
            let fits = match follow {
                Follow::Any => true,
                Follow::Set(s) => x < self.to && self.p.sets[s as usize].is(self.t.cp_at(x).0),
                Follow::Char(c) => x < self.to && self.t.cp_at(x).0 == c,
            };
            if fits {
                self.push_all(n, 1, &[start, floor, x]);
                return Call(self.p.nodes[n as usize].next, x);
            }
            if x == floor {
                return Ret(false);
            }
            x = start.max(self.t.cp_before(x).1);
        }
    }

    pub fn greedy_resume(&mut self, n: NodeId, follow: Follow, r: bool) -> Act {
        let x = self.pop();
        let floor = self.pop();
        let start = self.pop();
        if r {
            return Ret(true);
        }
        if x == floor {
            return Ret(false);
        }
        let x = start.max(self.t.cp_before(x).1);
        self.greedy_try(n, follow, start, floor, x)
    }

    /// `Curly.match`: the first `cmin` atoms, then greedy, lazy or possessive.
    pub fn curly_min(&mut self, n: NodeId, atom: NodeId, i: usize, j: usize, cmin: u32) -> Act {
        if j < cmin as usize {
            self.push_all(n, C_MIN, &[i, j]);
            return Call(atom, i);
        }
        match self.rep(n).qtype {
            Qtype::Greedy => self.m0_entry(n, i, j),
            Qtype::Lazy => self.m1_loop(n, i, j),
            _ => self.m2_loop(n, i, j),
        }
    }

    pub fn m0_entry(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        let r = self.rep(n);
        if j >= r.cmax as usize {
            return Call(r.next, i);
        }
        self.push_all(n, M0_A, &[i, j, 0, j]);
        Call(r.atom, i)
    }

    pub fn m0_inner(&mut self, n: NodeId, i: usize, j: usize, k: usize, bl: usize) -> Act {
        let r = self.rep(n);
        if j < r.cmax as usize {
            self.push_all(n, M0_B, &[i, j, k, bl]);
            return Call(r.atom, i);
        }
        self.m0_back(n, i, j, k, bl)
    }

    pub fn m0_back(&mut self, n: NodeId, i: usize, j: usize, k: usize, bl: usize) -> Act {
        if j >= bl {
            self.push_all(n, M0_D, &[i, j, k, bl]);
            return Call(self.rep(n).next, i);
        }
        Ret(false)
    }

    pub fn m1_loop(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        self.push_all(n, M1_A, &[i, j]);
        Call(self.rep(n).next, i)
    }

    pub fn m2_loop(&mut self, n: NodeId, i: usize, j: usize) -> Act {
        let r = self.rep(n);
        if j < r.cmax as usize {
            self.push_all(n, M2_A, &[i, j]);
            return Call(r.atom, i);
        }
        Call(r.next, i)
    }

    pub fn curly_resume(&mut self, n: NodeId, pc: u32, ok: bool) -> Act {
        let r = self.rep(n);
        let last = self.last;
        match pc {
            C_MIN => {
                let (_, j) = self.pop2();
                if !ok {
                    Ret(false)
                } else {
                    self.curly_min(n, r.atom, last, j + 1, r.cmin)
                }
            }
            M0_A => {
                let (i, j, _, bl) = self.pop4();
                if !ok {
                    return Call(r.next, i);
                }
                let k = self.t.units(i, last) as usize;
                if k == 0 {
                    return Call(r.next, i);
                }
                self.m0_inner(n, last, j + 1, k, bl)
            }
            M0_B => {
                let (i, j, k, bl) = self.pop4();
                if !ok {
                    return self.m0_back(n, i, j, k, bl);
                }
                if self.t.fwd_units(i, k as u64) != Some(last) {
                    self.push_all(n, M0_C, &[i, j, k, bl]);
                    return self.m0_entry(n, last, j + 1);
                }
                self.m0_inner(n, last, j + 1, k, bl)
            }
            M0_C => {
                let (i, j, k, bl) = self.pop4();
                if ok { Ret(true) } else { self.m0_back(n, i, j, k, bl) }
            }
            M0_D => {
                let (i, j, k, bl) = self.pop4();
                if ok {
                    return Ret(true);
                }
                if j == bl {
                    return Ret(false);
                }
                let i = self.t.back_units(i, k as u64).unwrap_or(0);
                self.m0_back(n, i, j - 1, k, bl)
            }
            M1_A => {
                let (i, j) = self.pop2();
                if ok {
                    return Ret(true);
                }
                if j >= r.cmax as usize {
                    return Ret(false);
                }
                self.push_all(n, M1_B, &[i, j]);
                Call(r.atom, i)
            }
            M1_B => {
                let (i, j) = self.pop2();
                if !ok || i == last {
                    Ret(false)
                } else {
                    self.m1_loop(n, last, j + 1)
                }
            }
            _ => {
                let (i, j) = self.pop2();
                if !ok || i == last {
                    Call(r.next, i)
                } else {
                    self.m2_loop(n, last, j + 1)
                }
            }
        }
    }
}
