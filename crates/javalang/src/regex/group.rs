//! The parser's groups: capturing, named, non-capturing, look-around, atomic, inline flags,
//! and how a quantified group becomes a `Branch`, `GroupCurly` or `Loop`.

use super::node::*;
use super::parse::*;

const fn ch(c: char) -> u32 {
    c as u32
}

impl Parser {
    pub fn create_group(&mut self, anonymous: bool) -> (NodeId, NodeId) {
        let local = self.local_count;
        self.local_count += 1;
        let group = if anonymous {
            0
        } else {
            self.group_count += 1;
            self.group_count - 1
        };
        let head = self.add(Kind::GroupHead { local });
        let tail = self.add(Kind::GroupTail {
            local,
            group: group * 2,
        });
        (head, tail)
    }

    /// A group and its quantifier; None for a flags-only group such as `(?i)`.
    pub fn group0(&mut self) -> PResult<Option<(NodeId, NodeId)>> {
        self.enter()?;
        let r = self.group0_inner();
        self.depth -= 1;
        r
    }

    pub fn group_body(&mut self, anonymous: bool) -> PResult<(NodeId, NodeId)> {
        let (h, t) = self.create_group(anonymous);
        let body = self.expr(t)?;
        self.set_next(h, body);
        Ok((h, t))
    }

    pub fn group0_inner(&mut self) -> PResult<Option<(NodeId, NodeId)>> {
        let mut capturing = false;
        let save = self.flags0;
        let save_tcn = self.top_closures.len();
        let (head, tail);
        if self.next() == ch('?') {
            let c = self.skip();
            match char::from_u32(c).unwrap_or('\u{FFFD}') {
                ':' => (head, tail) = self.group_body(true)?,
                '=' | '!' | '>' => {
                    let (h, _) = self.group_body(true)?;
                    let k = match c {
                        0x3D => Kind::Pos { cond: h },
                        0x21 => Kind::Neg { cond: h },
                        _ => Kind::Ques {
                            atom: h,
                            qtype: Qtype::Independent,
                        },
                    };
                    head = self.add(k);
                    tail = head;
                }
                '<' => {
                    let c = self.read();
                    if c != ch('=') && c != ch('!') {
                        let name = self.groupname(c)?;
                        if self.names.iter().any(|(n, _)| *n == name) {
                            return Err(format!("Named capturing group <{name}> is already defined"));
                        }
                        capturing = true;
                        let (h, t) = self.create_group(false);
                        self.names.push((name, self.group_count - 1));
                        let body = self.expr(t)?;
                        self.set_next(h, body);
                        (head, tail) = (h, t);
                    } else {
                        let start = self.cursor;
                        let (h, t) = self.group_body(true)?;
                        self.set_next(t, LOOKBEHIND_END);
                        let mut info = TreeInfo::new();
                        study(&self.nodes, h, &mut info);
                        if !info.max_valid {
                            return err("Look-behind group does not have an obvious maximum length");
                        }
                        let supp = self.temp[start..self.plen.max(start)]
                            .iter()
                            .any(|&x| is_supplementary(x));
                        let k = Kind::Behind {
                            cond: h,
                            rmax: info.max,
                            rmin: info.min,
                            supp,
                            negate: c == ch('!'),
                        };
                        head = self.add(k);
                        tail = head;
                        self.top_closures.truncate(save_tcn);
                    }
                }
                '$' | '@' => return err("Unknown group type"),
                _ => {
                    self.unread();
                    self.add_flag();
                    let c = self.read();
                    if c == ch(')') {
                        return Ok(None);
                    }
                    if c != ch(':') {
                        return err("Unknown inline modifier");
                    }
                    (head, tail) = self.group_body(true)?;
                }
            }
        } else {
            capturing = true;
            (head, tail) = self.group_body(false)?;
        }
        self.accept(ch(')'), "Unclosed group")?;
        self.flags0 = save;
        let node = self.closure(head)?;
        if node == head {
            return Ok(Some((head, tail)));
        }
        if head == tail {
            return Ok(Some((node, node)));
        }
        self.top_closures.truncate(save_tcn);
        match self.nodes[node as usize].kind.clone() {
            Kind::Ques { qtype, .. } => {
                if qtype == Qtype::Possessive {
                    return Ok(Some((node, node)));
                }
                let conn = self.add(Kind::BranchConn);
                self.set_next(tail, conn);
                let atoms = if qtype == Qtype::Greedy {
                    vec![head, NONE]
                } else {
                    vec![NONE, head]
                };
                let b = self.add(Kind::Branch { atoms, conn });
                Ok(Some((b, conn)))
            }
            Kind::Curly { qtype, cmin, cmax, .. } => {
                if qtype == Qtype::Possessive {
                    return Ok(Some((node, node)));
                }
                let mut info = TreeInfo::new();
                study(&self.nodes, head, &mut info);
                if info.det {
                    let Kind::GroupTail { local, group } = self.nodes[tail as usize].kind else {
                        return err("Internal logic error");
                    };
                    let atom = self.nodes[head as usize].next;
                    let k = Kind::GroupCurly {
                        atom,
                        qtype,
                        cmin,
                        cmax,
                        local,
                        group,
                        capture: capturing,
                    };
                    let gc = self.add(k);
                    return Ok(Some((gc, gc)));
                }
                let Kind::GroupHead { local: begin } = self.nodes[head as usize].kind else {
                    return err("Internal logic error");
                };
                let lazy = qtype != Qtype::Greedy;
                let k = Kind::Loop {
                    body: head,
                    count: self.local_count,
                    begin,
                    cmin,
                    cmax,
                    memo: NONE,
                    lazy,
                };
                let lp = self.add(k);
                if !lazy && cmax == MAX_REPS {
                    self.top_closures.push(lp);
                }
                let prolog = self.add(Kind::Prolog { body_loop: lp });
                self.local_count += 1;
                self.set_next(tail, lp);
                Ok(Some((prolog, lp)))
            }
            _ => err("Internal logic error"),
        }
    }

    pub fn add_flag(&mut self) {
        let mut c = self.peek();
        loop {
            if c == u32::from('-') {
                self.next();
                self.sub_flag();
                return;
            }
            let Some(f) = flag_of(c) else { return };
            self.flags0 |= f;
            c = self.next();
        }
    }

    pub fn sub_flag(&mut self) {
        let mut c = self.peek();
        while let Some(f) = flag_of(c) {
            self.flags0 &= !f;
            c = self.next();
        }
    }
}

/// The bit of an inline flag letter (`(?imsdux-U)`), as Java's `addFlag` reads it.
fn flag_of(c: u32) -> Option<u32> {
    Some(match char::from_u32(c)? {
        'i' => CASE_INSENSITIVE,
        'm' => MULTILINE,
        's' => DOTALL,
        'd' => UNIX_LINES,
        'u' => UNICODE_CASE,
        'c' => CANON_EQ,
        'x' => COMMENTS,
        'U' => UNICODE_CHARACTER_CLASS | UNICODE_CASE,
        _ => return None,
    })
}
