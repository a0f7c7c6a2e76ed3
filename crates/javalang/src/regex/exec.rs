//! The matcher: Java's recursive `Node.match` calls, run on an explicit stack.
//!
//! Each Java `match` method becomes a small state machine. Calling a sub-match pushes the
//! caller's live variables and a header (node, resume point) onto `Scratch::stack`, then
//! starts the callee; its boolean result resumes the caller. A call in tail position pushes
//! nothing. The order of calls and every side effect on groups and locals are Java's, so
//! results agree in corner cases too, and a long input only grows a heap vector.

use super::node::*;
use super::text::Text;
use super::{Exhausted, Program};

/// Stack words (4 bytes each) past which a match gives up (Java's own stack would have
/// overflowed long before: a 1 MB input to `(a|b)*` needs about 10 M words).
const MAX_STACK: usize = 1 << 24;
const PC_BITS: u32 = 6;

pub(super) enum Act {
    Call(NodeId, usize),
    Ret(bool),
}
use Act::{Call, Ret};

/// Java's `IntHashSet` of positions where a greedy loop already failed.
#[derive(Default)]
pub(super) struct Memo {
    bits: Vec<u64>,
    set: Vec<u32>,
}

impl Memo {
    pub fn contains(&self, p: usize) -> bool {
        self.bits.get(p >> 6).is_some_and(|w| w >> (p & 63) & 1 == 1)
    }

    pub fn add(&mut self, p: usize) {
        if self.bits.len() <= p >> 6 {
            self.bits.resize((p >> 6) + 1, 0);
        }
        if self.bits[p >> 6] >> (p & 63) & 1 == 0 {
            self.bits[p >> 6] |= 1 << (p & 63);
            self.set.push(p as u32);
        }
    }

    pub fn clear(&mut self) {
        for &p in &self.set {
            self.bits[(p >> 6) as usize] = 0;
        }
        self.set.clear();
    }
}

/// Buffers reused across calls on one thread.
#[derive(Default)]
pub(super) struct Scratch {
    pub stack: Vec<u32>,
    pub groups: Vec<u32>,
    pub locals: Vec<u32>,
    pub memo: Vec<Memo>,
}

impl Scratch {
    /// Grown by a long input: not worth keeping for the next cell.
    pub fn is_large(&self) -> bool {
        self.stack.capacity() > 1 << 16 || self.memo.iter().any(|m| m.bits.capacity() > 1 << 12)
    }
}

/// Steps one match may take, plus [`FUEL_PER_BYTE`] for each byte of its text: at about 10 ns
/// a step on this project's machine, a cell never costs more than about a millisecond beyond
/// a linear scan of it, however the pattern backtracks. Java would take as long as the
/// pattern makes it (seconds, or a stack overflow); veil fails the run on that cell instead,
/// naming its line and column.
pub const FUEL: u64 = 100_000;
/// Steps allowed per byte of text, so that a long value with a pattern that scans it a few
/// times over still matches.
pub const FUEL_PER_BYTE: u64 = 32;

/// The state of Java's `Matcher` during one call.
pub(super) struct Exec<'a> {
    pub p: &'a Program,
    pub t: Text<'a>,
    pub to: usize,
    pub s: &'a mut Scratch,
    pub last: usize,
    pub old_last: usize,
    pub lookbehind_to: usize,
    pub end_anchor: bool,
    pub fuel: u64,
}

pub(super) fn pos(v: u32) -> usize {
    v as usize
}

impl<'a> Exec<'a> {
    pub fn new(p: &'a Program, text: &'a str, s: &'a mut Scratch) -> Exec<'a> {
        s.stack.clear();
        s.groups.clear();
        s.groups.resize(p.group_count * 2, NONE);
        s.locals.clear();
        s.locals.resize(p.local_count, NONE);
        if s.memo.len() < p.memo_count {
            s.memo.resize_with(p.memo_count, Memo::default);
        }
        for m in &mut s.memo[..p.memo_count] {
            m.clear();
        }
        let to = text.len();
        Exec {
            p,
            t: Text { b: text.as_bytes() },
            to,
            s,
            last: 0,
            old_last: usize::MAX,
            lookbehind_to: 0,
            end_anchor: false,
            fuel: FUEL + FUEL_PER_BYTE * to as u64,
        }
    }

    #[inline]
    pub fn push(&mut self, v: usize) {
        self.s.stack.push(v as u32);
    }

    #[inline]
    pub fn pop(&mut self) -> usize {
        self.s.stack.pop().unwrap_or(0) as usize
    }

    #[inline]
    pub fn frame(&mut self, n: NodeId, pc: u32) {
        self.s.stack.push(n << PC_BITS | pc);
    }

    pub fn charge(&mut self, n: usize) {
        self.fuel = self.fuel.saturating_sub(n as u64);
    }

    /// Runs `node.match(i)` to completion.
    pub fn run(&mut self, node: NodeId, i: usize) -> Result<bool, Exhausted> {
        let base = self.s.stack.len();
        let mut act = Call(node, i);
        loop {
            act = match act {
                Call(n, i) => {
                    if self.fuel == 0 || self.s.stack.len() > MAX_STACK {
                        self.s.stack.clear();
                        return Err(Exhausted);
                    }
                    self.fuel -= 1;
                    self.enter(n, i)
                }
                Ret(r) => {
                    if self.s.stack.len() <= base {
                        return Ok(r);
                    }
                    let h = self.s.stack.pop().unwrap_or(0);
                    self.resume(h >> PC_BITS, h & ((1 << PC_BITS) - 1), r)
                }
            };
        }
    }

    fn enter(&mut self, n: NodeId, i: usize) -> Act {
        let p = self.p;
        let node = &p.nodes[n as usize];
        let next = node.next;
        match &node.kind {
            Kind::Accept => {
                self.last = i;
                Ret(true)
            }
            Kind::LastAccept => {
                if self.end_anchor && i != self.to {
                    return Ret(false);
                }
                self.last = i;
                Ret(true)
            }
            Kind::LookBehindEnd => Ret(i == self.lookbehind_to),
            Kind::Begin => self.cond(i == 0, next, i),
            Kind::End => self.cond(i == self.to, next, i),
            Kind::LastMatch => self.cond(i == self.old_last, next, i),
            Kind::Caret | Kind::UnixCaret => {
                let unix = matches!(node.kind, Kind::UnixCaret);
                self.cond(self.caret(i, unix), next, i)
            }
            Kind::Dollar { multiline } => self.dollar(n, i, *multiline),
            Kind::UnixDollar { multiline } => self.unix_dollar(next, i, *multiline),
            Kind::LineEnding => self.line_ending(n, i),
            Kind::CharProperty { set } => {
                if i < self.to {
                    let (c, j) = self.t.cp_at(i);
                    if p.sets[*set as usize].is(c) {
                        return Call(next, j);
                    }
                }
                Ret(false)
            }
            Kind::Slice { chars, fold, utf8 } => match self.slice(i, chars, *fold, utf8.as_deref()) {
                Some(j) => Call(next, j),
                None => Ret(false),
            },
            Kind::Ques { atom, qtype } => {
                let (first, save) = match qtype {
                    Qtype::Lazy => (next, true),
                    Qtype::Independent => (*atom, false),
                    _ => (*atom, true),
                };
                if save {
                    self.push(i);
                }
                self.frame(n, 1);
                Call(first, i)
            }
            Kind::Greedy { set, cmin, follow } => self.greedy(n, i, *set, *cmin, *follow),
            Kind::Curly { atom, cmin, .. } => self.curly_min(n, *atom, i, 0, *cmin),
            Kind::GroupCurly { .. } => self.group_curly_enter(n, i),
            Kind::BranchConn => Call(next, i),
            Kind::Branch { .. } => self.branch_try(n, i, 0),
            Kind::GroupHead { local } => {
                let save = self.s.locals[*local as usize];
                self.s.locals[*local as usize] = i as u32;
                self.push(save as usize);
                self.frame(n, 1);
                Call(next, i)
            }
            Kind::GroupTail { local, group } => {
                let begin = self.s.locals[*local as usize];
                if begin == NONE {
                    // A GroupCurly atom: no group bookkeeping here.
                    self.last = i;
                    return Ret(true);
                }
                if *group == 0 {
                    return Call(next, i);
                }
                let g = *group as usize;
                let (gs, ge) = (self.s.groups[g], self.s.groups[g + 1]);
                self.s.groups[g] = begin;
                self.s.groups[g + 1] = i as u32;
                self.push(gs as usize);
                self.push(ge as usize);
                self.frame(n, 1);
                Call(next, i)
            }
            Kind::Prolog { body_loop } => self.loop_init(*body_loop, i),
            Kind::Loop { .. } => self.loop_match(n, i),
            Kind::BackRef { group } => self.back_ref(next, i, *group as usize),
            Kind::CiBackRef { group, unicode } => self.ci_back_ref(next, i, *group as usize, *unicode),
            Kind::Pos { cond } | Kind::Neg { cond } => {
                self.push(i);
                self.frame(n, 1);
                Call(*cond, i)
            }
            Kind::Behind { .. } => self.behind_enter(n, i),
            Kind::Bound { kind, unicode } => {
                let ok = self.bound(i, *unicode) & kind != 0;
                self.cond(ok, next, i)
            }
        }
    }

    fn resume(&mut self, n: NodeId, pc: u32, r: bool) -> Act {
        let p = self.p;
        let node = &p.nodes[n as usize];
        let next = node.next;
        match &node.kind {
            Kind::Ques { atom, qtype } => match (qtype, pc) {
                (Qtype::Greedy, 1) => {
                    let i = self.pop();
                    if r {
                        self.push(i);
                        self.frame(n, 2);
                        Call(next, self.last)
                    } else {
                        Call(next, i)
                    }
                }
                (Qtype::Greedy, _) => {
                    let i = self.pop();
                    if r { Ret(true) } else { Call(next, i) }
                }
                (Qtype::Lazy, 1) => {
                    let i = self.pop();
                    if r {
                        return Ret(true);
                    }
                    self.frame(n, 2);
                    Call(*atom, i)
                }
                (Qtype::Lazy, _) | (Qtype::Independent, _) => self.cond(r, next, self.last),
                (Qtype::Possessive, _) => {
                    let i = self.pop();
                    Call(next, if r { self.last } else { i })
                }
            },
            Kind::Branch { .. } => {
                let k = self.pop();
                let i = self.pop();
                if r { Ret(true) } else { self.branch_try(n, i, k + 1) }
            }
            Kind::GroupHead { local } => {
                let save = self.pop() as u32;
                self.s.locals[*local as usize] = save;
                Ret(r)
            }
            Kind::GroupTail { group, .. } => {
                let ge = self.pop() as u32;
                let gs = self.pop() as u32;
                if !r {
                    self.s.groups[*group as usize] = gs;
                    self.s.groups[*group as usize + 1] = ge;
                }
                Ret(r)
            }
            Kind::Pos { .. } => {
                let i = self.pop();
                self.cond(r, next, i)
            }
            Kind::Neg { .. } => {
                let i = self.pop();
                self.cond(!r, next, i)
            }
            Kind::Dollar { .. } | Kind::LineEnding => {
                let i = self.pop();
                if r { Ret(true) } else { Call(next, i) }
            }
            Kind::Greedy { follow, .. } => self.greedy_resume(n, *follow, r),
            Kind::Curly { .. } => self.curly_resume(n, pc, r),
            Kind::GroupCurly { .. } => self.group_curly_resume(n, pc, r),
            Kind::Loop { .. } => self.loop_resume(n, pc, r),
            Kind::Behind { .. } => self.behind_resume(n, r),
            _ => Ret(r),
        }
    }

    #[inline]
    pub fn cond(&self, ok: bool, next: NodeId, i: usize) -> Act {
        if ok { Call(next, i) } else { Ret(false) }
    }

    fn branch_try(&mut self, n: NodeId, i: usize, k: usize) -> Act {
        let Kind::Branch { atoms, conn } = &self.p.nodes[n as usize].kind else {
            return Ret(false);
        };
        let target = if atoms[k] == NONE {
            self.p.nodes[*conn as usize].next
        } else {
            atoms[k]
        };
        if k + 1 < atoms.len() {
            self.push(i);
            self.push(k);
            self.frame(n, 1);
        }
        Call(target, i)
    }
}
