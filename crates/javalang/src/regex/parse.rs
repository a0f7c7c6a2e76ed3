//! `Pattern.compile`: a port of `Pattern`'s recursive-descent parser, keeping its quirks
//! (which `\` sequences are errors where, how quantifiers bind, when a repeated group is a
//! `GroupCurly` or a `Loop`), since they decide what a pattern matches.

use super::Program;
use super::class::{CharSet, P};
use super::node::*;

pub(super) const UNIX_LINES: u32 = 0x01;
pub(super) const CASE_INSENSITIVE: u32 = 0x02;
pub(super) const COMMENTS: u32 = 0x04;
pub(super) const MULTILINE: u32 = 0x08;
pub(super) const DOTALL: u32 = 0x20;
pub(super) const UNICODE_CASE: u32 = 0x40;
pub(super) const CANON_EQ: u32 = 0x80;
pub(super) const UNICODE_CHARACTER_CLASS: u32 = 0x100;

/// Nesting depth (groups, classes) past which Java's parser would overflow its stack.
const MAX_DEPTH: u32 = 2000;

pub(super) type PResult<T> = Result<T, String>;

pub(super) fn err<T>(s: &str) -> PResult<T> {
    Err(s.to_string())
}

pub(super) fn is_digit(c: u32) -> bool {
    (0x30..=0x39).contains(&c)
}

pub(super) fn is_supplementary(c: u32) -> bool {
    c >= 0x1_0000 || (0xD800..=0xDFFF).contains(&c)
}

const fn ch(c: char) -> u32 {
    c as u32
}

pub(super) struct Parser {
    pub temp: Vec<u32>,
    pub cursor: usize,
    pub plen: usize,
    pub flags0: u32,
    pub has_supp: bool,
    /// Java's `capturingGroupCount` (groups so far, plus one).
    pub group_count: u32,
    pub local_count: u32,
    pub names: Vec<(String, u32)>,
    pub nodes: Vec<Node>,
    pub preds: Vec<P>,
    pub bits: Vec<[u64; 4]>,
    pub top_closures: Vec<NodeId>,
    pub has_group_ref: bool,
    pub depth: u32,
    /// Java would have read past its pattern array (an ArrayIndexOutOfBoundsException).
    pub oob: bool,
}

impl Parser {
    pub fn has(&self, f: u32) -> bool {
        self.flags0 & f != 0
    }

    pub fn at(&mut self, i: usize) -> u32 {
        match self.temp.get(i) {
            Some(&c) => c,
            None => {
                self.oob = true;
                0
            }
        }
    }

    pub fn mark(&mut self, c: u32) {
        let p = self.plen;
        self.temp[p] = c;
    }

    pub fn peek(&mut self) -> u32 {
        let c = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(c)
        } else {
            c
        }
    }

    pub fn read(&mut self) -> u32 {
        let c = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            self.parse_past_whitespace(c)
        } else {
            c
        }
    }

    pub fn next(&mut self) -> u32 {
        self.cursor += 1;
        let c = self.at(self.cursor);
        if self.has(COMMENTS) {
            self.peek_past_whitespace(c)
        } else {
            c
        }
    }

    pub fn next_escaped(&mut self) -> u32 {
        self.cursor += 1;
        self.at(self.cursor)
    }

    pub fn skip(&mut self) -> u32 {
        let c = self.at(self.cursor + 1);
        self.cursor += 2;
        c
    }

    pub fn unread(&mut self) {
        if self.cursor == 0 {
            self.oob = true;
        }
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn is_space(c: u32) -> bool {
        matches!(c, 0x09..=0x0D | 0x20)
    }

    pub fn is_line_separator(&self, c: u32) -> bool {
        if self.has(UNIX_LINES) {
            c == 0x0A
        } else {
            c == 0x0A || c == 0x0D || (c | 1) == 0x2029 || c == 0x85
        }
    }

    pub fn peek_past_whitespace(&mut self, mut c: u32) -> u32 {
        while Self::is_space(c) || c == ch('#') {
            while Self::is_space(c) {
                self.cursor += 1;
                c = self.at(self.cursor);
            }
            if c == ch('#') {
                c = self.peek_past_line();
            }
        }
        c
    }

    pub fn parse_past_whitespace(&mut self, mut c: u32) -> u32 {
        while Self::is_space(c) || c == ch('#') {
            while Self::is_space(c) {
                c = self.at(self.cursor);
                self.cursor += 1;
            }
            if c == ch('#') {
                c = self.parse_past_line();
            }
        }
        c
    }

    pub fn parse_past_line(&mut self) -> u32 {
        let mut c = self.at(self.cursor);
        self.cursor += 1;
        while c != 0 && !self.is_line_separator(c) {
            c = self.at(self.cursor);
            self.cursor += 1;
        }
        if c == 0 && self.cursor > self.plen {
            self.cursor = self.plen;
            c = self.at(self.cursor);
            self.cursor += 1;
        }
        c
    }

    pub fn peek_past_line(&mut self) -> u32 {
        self.cursor += 1;
        let mut c = self.at(self.cursor);
        while c != 0 && !self.is_line_separator(c) {
            self.cursor += 1;
            c = self.at(self.cursor);
        }
        if c == 0 && self.cursor > self.plen {
            self.cursor = self.plen;
            c = self.at(self.cursor);
        }
        c
    }

    pub fn accept(&mut self, c: u32, msg: &str) -> PResult<()> {
        let mut t = self.at(self.cursor);
        self.cursor += 1;
        if self.has(COMMENTS) {
            t = self.parse_past_whitespace(t);
        }
        if c != t { err(msg) } else { Ok(()) }
    }

    pub fn add(&mut self, kind: Kind) -> NodeId {
        self.nodes.push(Node { kind, next: ACCEPT });
        (self.nodes.len() - 1) as NodeId
    }

    pub fn set_next(&mut self, n: NodeId, next: NodeId) {
        self.nodes[n as usize].next = next;
    }

    pub fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            err("Stack overflow during pattern compilation")
        } else {
            Ok(())
        }
    }

    /// `Pattern.compile`.
    pub fn compile(pattern: &str) -> PResult<Program> {
        let cps: Vec<u32> = pattern.chars().map(u32::from).collect();
        let mut p = Parser {
            has_supp: cps.iter().any(|&c| is_supplementary(c)),
            plen: cps.len(),
            temp: cps,
            cursor: 0,
            flags0: 0,
            group_count: 1,
            local_count: 0,
            names: Vec::new(),
            nodes: Vec::new(),
            preds: Vec::new(),
            bits: Vec::new(),
            top_closures: Vec::new(),
            has_group_ref: false,
            depth: 0,
            oob: false,
        };
        p.temp.extend([0, 0]);
        p.add(Kind::Accept);
        p.add(Kind::LastAccept);
        p.add(Kind::LookBehindEnd);
        p.nodes[ACCEPT as usize].next = NONE;
        let root = if pattern.is_empty() {
            LAST_ACCEPT
        } else {
            p.parse_all()?
        };
        if p.oob {
            return err("ArrayIndexOutOfBoundsException while parsing");
        }
        let mut memo_count = 0;
        if !p.has_group_ref {
            for &n in &p.top_closures {
                if let Kind::Loop { memo, .. } = &mut p.nodes[n as usize].kind {
                    *memo = memo_count;
                    memo_count += 1;
                }
            }
        }
        let curly_locals: Vec<u32> = (p.nodes.iter())
            .filter_map(|x| match x.kind {
                Kind::GroupCurly { local, .. } => Some(local),
                _ => None,
            })
            .collect();
        for k in 0..p.nodes.len() {
            if let Kind::Greedy { .. } = p.nodes[k].kind {
                let f = follow(&p.nodes, p.nodes[k].next, &curly_locals);
                if let Kind::Greedy { follow, .. } = &mut p.nodes[k].kind {
                    *follow = f;
                }
            }
        }
        let mut info = TreeInfo::new();
        study(&p.nodes, root, &mut info);
        let sets = p.preds.iter().map(|x| CharSet::new(x.pred.clone(), &p.bits)).collect();
        Ok(Program {
            begin_root: matches!(p.nodes[root as usize].kind, Kind::Begin),
            nodes: p.nodes,
            sets,
            match_root: root,
            group_count: p.group_count as usize,
            local_count: p.local_count as usize,
            memo_count: memo_count as usize,
            names: p.names.into_iter().map(|(n, g)| (n, g as usize)).collect(),
            start_supp: p.has_supp,
            min_length: info.min,
        })
    }

    pub fn parse_all(&mut self) -> PResult<NodeId> {
        self.remove_qe_quoting();
        let root = self.expr(LAST_ACCEPT)?;
        if self.plen != self.cursor {
            if self.peek() == ch(')') {
                return err("Unmatched closing ')'");
            } else if self.cursor == self.plen + 1 && self.plen > 0 && self.temp[self.plen - 1] == ch('\\') {
                return err("Unescaped trailing backslash");
            } else {
                return err("Unexpected internal error");
            }
        }
        Ok(root)
    }

    /// `Pattern.RemoveQEQuoting`: rewrites `\Q...\E` into escaped characters.
    pub fn remove_qe_quoting(&mut self) {
        let plen = self.plen;
        let t = &self.temp;
        let mut i = 0;
        while i + 1 < plen {
            if t[i] != ch('\\') {
                i += 1;
            } else if t[i + 1] != ch('Q') {
                i += 2;
            } else {
                break;
            }
        }
        if i + 1 >= plen {
            return;
        }
        let mut out: Vec<u32> = t[..i].to_vec();
        i += 2;
        let (mut in_quote, mut begin_quote) = (true, true);
        while i < plen {
            let c = t[i];
            i += 1;
            let alpha = (ch('a')..=ch('z')).contains(&c) || (ch('A')..=ch('Z')).contains(&c);
            if c >= 0x80 || alpha {
                out.push(c);
            } else if is_digit(c) {
                if begin_quote {
                    out.extend([ch('\\'), ch('x'), ch('3')]);
                }
                out.push(c);
            } else if c != ch('\\') {
                if in_quote {
                    out.push(ch('\\'));
                }
                out.push(c);
            } else if in_quote {
                if t[i] == ch('E') {
                    i += 1;
                    in_quote = false;
                } else {
                    out.extend([ch('\\'), ch('\\')]);
                }
            } else if t[i] == ch('Q') {
                i += 1;
                in_quote = true;
                begin_quote = true;
                continue;
            } else {
                out.push(c);
                if i != plen {
                    out.push(t[i]);
                    i += 1;
                }
            }
            begin_quote = false;
        }
        self.plen = out.len();
        out.extend([0, 0]);
        self.temp = out;
    }
}

/// What `Pattern.escape` produced: a character, a class predicate (inside `[...]`), a node,
/// or nothing (a construct seen with `create == false`).
pub(super) enum Esc {
    Char(u32),
    Pred(P),
    Node(NodeId),
    Nothing,
}
