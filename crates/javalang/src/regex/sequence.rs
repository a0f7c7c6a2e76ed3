//! The parser's sequences: alternation, atoms, literal slices and quantifiers.

use super::class::{P, Pred};
use super::node::*;
use super::parse::*;

const fn ch(c: char) -> u32 {
    c as u32
}

impl Parser {
    /// Alternation: a `Branch` over the sequences, joined again by a `BranchConn`.
    pub fn expr(&mut self, end: NodeId) -> PResult<NodeId> {
        let mut prev: Option<NodeId> = None;
        let mut first_tail = NONE;
        let mut branch: Option<NodeId> = None;
        let mut conn: Option<NodeId> = None;
        loop {
            let (node, node_tail) = self.sequence(end)?;
            match prev {
                None => {
                    prev = Some(node);
                    first_tail = node_tail;
                }
                Some(p) => {
                    let c = match conn {
                        Some(c) => c,
                        None => {
                            let c = self.add(Kind::BranchConn);
                            self.set_next(c, end);
                            conn = Some(c);
                            c
                        }
                    };
                    let atom = if node == end {
                        NONE
                    } else {
                        self.set_next(node_tail, c);
                        node
                    };
                    if Some(p) == branch {
                        if let Kind::Branch { atoms, .. } = &mut self.nodes[p as usize].kind {
                            atoms.push(atom);
                        }
                    } else {
                        let first = if p == end {
                            NONE
                        } else {
                            self.set_next(first_tail, c);
                            p
                        };
                        let b = self.add(Kind::Branch {
                            atoms: vec![first, atom],
                            conn: c,
                        });
                        branch = Some(b);
                        prev = Some(b);
                    }
                }
            }
            if self.peek() != ch('|') {
                return Ok(prev.unwrap_or(end));
            }
            self.next();
        }
    }

    /// A sequence of atoms with their quantifiers; returns (head, tail), or (end, NONE).
    pub fn sequence(&mut self, end: NodeId) -> PResult<(NodeId, NodeId)> {
        let (mut head, mut tail) = (NONE, NONE);
        loop {
            let c = self.peek();
            let node = match char::from_u32(c).unwrap_or('\u{FFFD}') {
                '(' => {
                    if let Some((h, t)) = self.group0()? {
                        if head == NONE {
                            head = h;
                        } else {
                            self.set_next(tail, h);
                        }
                        tail = t;
                    }
                    continue;
                }
                '[' => {
                    self.no_canon_eq()?;
                    let p = self.clazz(true)?;
                    self.new_char_property(p)
                }
                '\\' => {
                    let e = self.next_escaped();
                    if e == ch('p') || e == ch('P') {
                        let p = self.property_after_escape(e == ch('P'))?;
                        self.new_char_property(p)
                    } else {
                        self.unread();
                        self.atom()?
                    }
                }
                '^' => {
                    self.next();
                    let k = match (self.has(MULTILINE), self.has(UNIX_LINES)) {
                        (true, true) => Kind::UnixCaret,
                        (true, false) => Kind::Caret,
                        _ => Kind::Begin,
                    };
                    self.add(k)
                }
                '$' => {
                    self.next();
                    let multiline = self.has(MULTILINE);
                    self.add(if self.has(UNIX_LINES) {
                        Kind::UnixDollar { multiline }
                    } else {
                        Kind::Dollar { multiline }
                    })
                }
                '.' => {
                    self.next();
                    let pred = if self.has(DOTALL) {
                        Pred::All
                    } else if self.has(UNIX_LINES) {
                        Pred::UnixDot
                    } else {
                        Pred::Dot
                    };
                    // Built directly in Java, not through newCharProperty: no hasSupplementary.
                    let set = self.preds.len() as u32;
                    self.preds.push(P::new(pred, false));
                    self.add(Kind::CharProperty { set })
                }
                '|' | ')' => break,
                '?' | '*' | '+' => {
                    self.next();
                    return Err(format!(
                        "Dangling meta character '{}'",
                        char::from_u32(c).unwrap_or('?')
                    ));
                }
                '\0' if self.cursor >= self.plen => break,
                _ => self.atom()?,
            };
            let node = self.closure(node)?;
            if head == NONE {
                head = node;
            } else {
                self.set_next(tail, node);
            }
            tail = node;
        }
        if head == NONE {
            return Ok((end, NONE));
        }
        self.set_next(tail, end);
        Ok((head, tail))
    }

    /// The property of a `\p` or `\P` just read: one letter (`\pL`) or braced (`\p{Lu}`).
    fn property_after_escape(&mut self, complement: bool) -> PResult<P> {
        let one_letter = self.next() != ch('{');
        if one_letter {
            self.unread();
        }
        self.no_canon_eq()?;
        self.family(one_letter, complement)
    }

    pub fn no_canon_eq(&self) -> PResult<()> {
        if self.has(CANON_EQ) {
            err("CANON_EQ ((?c)) is not supported by veil")
        } else {
            Ok(())
        }
    }

    /// A literal character or slice, or a node for an escape such as `\b` or `\1`.
    pub fn atom(&mut self) -> PResult<NodeId> {
        let mut buf: Vec<u32> = Vec::new();
        let mut prev = 0usize;
        let mut has_supp = false;
        let mut c = self.peek();
        loop {
            match char::from_u32(c).unwrap_or('\u{FFFD}') {
                '*' | '+' | '?' | '{' => {
                    if buf.len() > 1 {
                        self.cursor = prev;
                        buf.pop();
                    }
                }
                '$' | '.' | '^' | '(' | '[' | '|' | ')' => {}
                '\\' => {
                    let e = self.next_escaped();
                    if e == ch('p') || e == ch('P') {
                        if !buf.is_empty() {
                            self.unread();
                            break;
                        }
                        let p = self.property_after_escape(e == ch('P'))?;
                        return Ok(self.new_char_property(p));
                    }
                    self.unread();
                    prev = self.cursor;
                    match self.escape(false, buf.is_empty(), false)? {
                        Esc::Char(x) => {
                            buf.push(x);
                            has_supp |= is_supplementary(x);
                            c = self.peek();
                            continue;
                        }
                        Esc::Node(n) if buf.is_empty() => return Ok(n),
                        _ => self.cursor = prev,
                    }
                }
                '\0' if self.cursor >= self.plen => {}
                _ => {
                    prev = self.cursor;
                    buf.push(c);
                    has_supp |= is_supplementary(c);
                    c = self.next();
                    continue;
                }
            }
            break;
        }
        if buf.len() == 1 {
            let p = self.single(buf[0]);
            Ok(self.new_char_property(p))
        } else {
            Ok(self.new_slice(&buf, has_supp))
        }
    }

    /// `Pattern.ref`: a back-reference, taking more digits only while such a group exists.
    pub fn back_ref(&mut self, mut num: u64) -> NodeId {
        loop {
            let c = self.peek();
            if !is_digit(c) {
                break;
            }
            let n = num * 10 + (c - ch('0')) as u64;
            if (self.group_count as u64) - 1 < n {
                break;
            }
            num = n;
            self.read();
        }
        self.has_group_ref = true;
        let group = (num * 2) as u32;
        if self.has(CASE_INSENSITIVE) {
            self.add(Kind::CiBackRef {
                group,
                unicode: self.has(UNICODE_CASE),
            })
        } else {
            self.add(Kind::BackRef { group })
        }
    }

    pub fn qtype(&mut self) -> Qtype {
        match self.next() {
            0x3F => {
                self.next();
                Qtype::Lazy
            }
            0x2B => {
                self.next();
                Qtype::Possessive
            }
            _ => Qtype::Greedy,
        }
    }

    pub fn curly(&mut self, prev: NodeId, cmin: u32) -> NodeId {
        let qtype = self.qtype();
        if qtype == Qtype::Greedy
            && let Kind::CharProperty { set } = self.nodes[prev as usize].kind
        {
            return self.add(Kind::Greedy {
                set,
                cmin,
                follow: Follow::Any,
            });
        }
        self.add(Kind::Curly {
            atom: prev,
            qtype,
            cmin,
            cmax: MAX_REPS,
        })
    }

    /// A quantifier after `prev`, if any.
    pub fn closure(&mut self, prev: NodeId) -> PResult<NodeId> {
        match self.peek() {
            0x3F => {
                let qtype = self.qtype();
                Ok(self.add(Kind::Ques { atom: prev, qtype }))
            }
            0x2A => Ok(self.curly(prev, 0)),
            0x2B => Ok(self.curly(prev, 1)),
            0x7B => {
                let mut c = self.skip();
                if !is_digit(c) {
                    return err("Illegal repetition");
                }
                let overflow = || "Illegal repetition range".to_string();
                let mut cmin: i32 = 0;
                loop {
                    cmin = cmin
                        .checked_mul(10)
                        .and_then(|v| v.checked_add((c - 0x30) as i32))
                        .ok_or_else(overflow)?;
                    c = self.read();
                    if !is_digit(c) {
                        break;
                    }
                }
                let cmax;
                if c == ch(',') {
                    c = self.read();
                    if c == ch('}') {
                        self.unread();
                        return Ok(self.curly(prev, cmin as u32));
                    }
                    let mut m: i32 = 0;
                    while is_digit(c) {
                        m = m
                            .checked_mul(10)
                            .and_then(|v| v.checked_add((c - 0x30) as i32))
                            .ok_or_else(overflow)?;
                        c = self.read();
                    }
                    cmax = m;
                } else {
                    cmax = cmin;
                }
                if c != ch('}') {
                    return err("Unclosed counted closure");
                }
                if cmax < cmin {
                    return err("Illegal repetition range");
                }
                self.unread();
                let qtype = self.qtype();
                if cmin == 0 && cmax == 1 {
                    return Ok(self.add(Kind::Ques { atom: prev, qtype }));
                }
                Ok(self.add(Kind::Curly {
                    atom: prev,
                    qtype,
                    cmin: cmin as u32,
                    cmax: cmax as u32,
                }))
            }
            _ => Ok(prev),
        }
    }
}
