//! The rest of the parser: escapes, character classes and `\p{...}` families.

use super::class::{P, Pred};
use super::names;
use super::node::*;
use super::parse::*;
use super::props::{A_DIGIT, A_SPACE, A_WORD};

const fn ch(c: char) -> u32 {
    c as u32
}

fn is_hex(c: u32) -> bool {
    matches!(c, 0x30..=0x39 | 0x41..=0x46 | 0x61..=0x66)
}

fn hex(c: u32) -> u32 {
    char::from_u32(c).and_then(|c| c.to_digit(16)).unwrap_or(0)
}

fn is_oct(c: u32) -> bool {
    (0x30..=0x37).contains(&c)
}

fn is_ascii_alpha(c: u32) -> bool {
    (0x41..=0x5A).contains(&c) || (0x61..=0x7A).contains(&c)
}

const ILLEGAL: &str = "Illegal/unsupported escape sequence";

impl Parser {
    /// `Pattern.escape`: the sequence after a backslash.
    pub fn escape(&mut self, inclass: bool, create: bool, isrange: bool) -> PResult<Esc> {
        let c = self.skip();
        let u = self.has(UNICODE_CHARACTER_CLASS);
        // Predefined classes: a predicate in a class, a node outside.
        let class = |p: &mut Parser, pred: P| -> Esc {
            if !create {
                Esc::Nothing
            } else if inclass {
                Esc::Pred(pred)
            } else {
                Esc::Node(p.new_char_property(pred))
            }
        };
        let node = |p: &mut Parser, k: Kind| if create { Esc::Node(p.add(k)) } else { Esc::Nothing };
        let Some(cc) = char::from_u32(c) else {
            return Ok(Esc::Char(c));
        };
        Ok(match cc {
            '0' => Esc::Char(self.octal()?),
            '1'..='9' if !inclass => {
                if create {
                    Esc::Node(self.back_ref((c - 0x30) as u64))
                } else {
                    Esc::Nothing
                }
            }
            'A' if !inclass => node(self, Kind::Begin),
            'B' if !inclass => node(
                self,
                Kind::Bound {
                    kind: BOUND_NONE,
                    unicode: u,
                },
            ),
            'D' => class(self, if u { names::digit() } else { names::ascii(A_DIGIT) }.negate()),
            'G' if !inclass => node(self, Kind::LastMatch),
            'H' => class(self, P::new(Pred::HorizWs, true).negate()),
            'N' => Esc::Char(self.named_char()?),
            'R' if !inclass => node(self, Kind::LineEnding),
            'S' => class(
                self,
                if u { names::white_space() } else { names::ascii(A_SPACE) }.negate(),
            ),
            'V' => class(self, P::new(Pred::VertWs, true).negate()),
            'W' => class(self, if u { names::word() } else { names::ascii(A_WORD) }.negate()),
            'X' if !inclass => {
                if create {
                    return err("\\X (grapheme cluster) is not supported by veil");
                }
                Esc::Nothing
            }
            'Z' if !inclass => {
                let k = if self.has(UNIX_LINES) {
                    Kind::UnixDollar { multiline: false }
                } else {
                    Kind::Dollar { multiline: false }
                };
                node(self, k)
            }
            'a' => Esc::Char(7),
            'b' if !inclass => {
                if create {
                    if self.peek() == ch('{') {
                        if self.skip() == ch('g') {
                            if self.read() == ch('}') {
                                return err("\\b{g} (grapheme boundary) is not supported by veil");
                            }
                            return err(ILLEGAL);
                        }
                        self.unread();
                        self.unread();
                    }
                    Esc::Node(self.add(Kind::Bound {
                        kind: BOUND_BOTH,
                        unicode: u,
                    }))
                } else {
                    Esc::Nothing
                }
            }
            'c' => Esc::Char(self.control()?),
            'd' => class(self, if u { names::digit() } else { names::ascii(A_DIGIT) }),
            'e' => Esc::Char(0x1B),
            'f' => Esc::Char(0x0C),
            'h' => class(self, P::new(Pred::HorizWs, true)),
            'k' if !inclass => {
                if self.read() != ch('<') {
                    return err("\\k is not followed by '<' for named capturing group");
                }
                let c = self.read();
                let name = self.groupname(c)?;
                let Some(&(_, number)) = self.names.iter().find(|(n, _)| *n == name) else {
                    return Err(format!("named capturing group <{name}> does not exist"));
                };
                if create {
                    self.has_group_ref = true;
                    let group = number * 2;
                    let k = if self.has(CASE_INSENSITIVE) {
                        Kind::CiBackRef {
                            group,
                            unicode: self.has(UNICODE_CASE),
                        }
                    } else {
                        Kind::BackRef { group }
                    };
                    Esc::Node(self.add(k))
                } else {
                    Esc::Nothing
                }
            }
            'n' => Esc::Char(0x0A),
            'r' => Esc::Char(0x0D),
            's' => class(self, if u { names::white_space() } else { names::ascii(A_SPACE) }),
            't' => Esc::Char(0x09),
            'u' => Esc::Char(self.unicode()?),
            'v' => {
                if isrange {
                    return Ok(Esc::Char(0x0B));
                }
                class(self, P::new(Pred::VertWs, true))
            }
            'w' => class(self, if u { names::word() } else { names::ascii(A_WORD) }),
            'x' => Esc::Char(self.hexadecimal()?),
            'z' if !inclass => node(self, Kind::End),
            '1'..='9' | 'A' | 'B' | 'G' | 'R' | 'X' | 'Z' | 'b' | 'k' | 'z' => return err(ILLEGAL),
            'C' | 'E' | 'F' | 'I' | 'J' | 'K' | 'L' | 'M' | 'O' | 'P' | 'Q' | 'T' | 'U' | 'Y' => return err(ILLEGAL),
            'g' | 'i' | 'j' | 'l' | 'm' | 'o' | 'p' | 'q' | 'y' => return err(ILLEGAL),
            _ => Esc::Char(c),
        })
    }

    pub fn control(&mut self) -> PResult<u32> {
        if self.cursor < self.plen {
            return Ok(self.read() ^ 64);
        }
        err("Illegal control escape sequence")
    }

    pub fn octal(&mut self) -> PResult<u32> {
        let n = self.read();
        if is_oct(n) {
            let m = self.read();
            if is_oct(m) {
                let o = self.read();
                if is_oct(o) && n <= ch('3') {
                    return Ok((n - 0x30) * 64 + (m - 0x30) * 8 + (o - 0x30));
                }
                self.unread();
                return Ok((n - 0x30) * 8 + (m - 0x30));
            }
            self.unread();
            return Ok(n - 0x30);
        }
        err("Illegal octal escape sequence")
    }

    pub fn hexadecimal(&mut self) -> PResult<u32> {
        let n = self.read();
        if is_hex(n) {
            let m = self.read();
            if is_hex(m) {
                return Ok(hex(n) * 16 + hex(m));
            }
        } else if n == ch('{') && is_hex(self.peek()) {
            let mut c = 0u32;
            loop {
                let n = self.read();
                if !is_hex(n) {
                    if n != ch('}') {
                        return err("Unclosed hexadecimal escape sequence");
                    }
                    return Ok(c);
                }
                c = (c << 4) + hex(n);
                if c > 0x10FFFF {
                    return err("Hexadecimal codepoint is too big");
                }
            }
        }
        err("Illegal hexadecimal escape sequence")
    }

    pub fn uxxxx(&mut self) -> PResult<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let c = self.read();
            if !is_hex(c) {
                return err("Illegal Unicode escape sequence");
            }
            n = n * 16 + hex(c);
        }
        Ok(n)
    }

    /// `\uXXXX`, joining an escaped surrogate pair.
    pub fn unicode(&mut self) -> PResult<u32> {
        let n = self.uxxxx()?;
        if (0xD800..0xDC00).contains(&n) {
            let cur = self.cursor;
            if self.read() == ch('\\') && self.read() == ch('u') {
                let n2 = self.uxxxx()?;
                if (0xDC00..0xE000).contains(&n2) {
                    return Ok(0x1_0000 + ((n - 0xD800) << 10) + (n2 - 0xDC00));
                }
            }
            self.cursor = cur;
        }
        Ok(n)
    }

    pub fn named_char(&mut self) -> PResult<u32> {
        if self.read() == ch('{') {
            while self.read() != ch('}') {
                if self.cursor >= self.plen {
                    return err("Unclosed character name escape sequence");
                }
            }
            return err("\\N{name} (character names) is not supported by veil");
        }
        err("Illegal character name escape sequence")
    }

    pub fn groupname(&mut self, mut c: u32) -> PResult<String> {
        if !is_ascii_alpha(c) {
            return err("capturing group name does not start with a Latin letter");
        }
        let mut s = String::new();
        loop {
            s.push(char::from_u32(c).unwrap_or('?'));
            c = self.read();
            if !(is_ascii_alpha(c) || is_digit(c)) {
                break;
            }
        }
        if c != ch('>') {
            return err("named capturing group is missing trailing '>'");
        }
        Ok(s)
    }
}
