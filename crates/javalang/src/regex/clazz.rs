//! The parser's character classes: `[...]` with its unions, intersections and Java's
//! parsing quirks, `\\p{...}` families, and the single-character and slice nodes.

use super::class::{P, Pred, ascii_lower, ascii_upper, fold_u, lower_cp, upper_cp};
use super::names;
use super::node::*;
use super::parse::*;

const fn ch(c: char) -> u32 {
    c as u32
}

impl Parser {
    pub fn new_char_property(&mut self, p: P) -> NodeId {
        if !p.bmp {
            self.has_supp = true;
        }
        let set = self.preds.len() as u32;
        self.preds.push(p);
        self.add(Kind::CharProperty { set })
    }

    pub fn new_slice(&mut self, buf: &[u32], _has_supp: bool) -> NodeId {
        let (chars, fold): (Vec<u32>, Fold) = if self.has(CASE_INSENSITIVE) {
            if self.has(UNICODE_CASE) {
                (buf.iter().map(|&c| fold_u(c)).collect(), Fold::Unicode)
            } else {
                (buf.iter().map(|&c| ascii_lower(c)).collect(), Fold::Ascii)
            }
        } else {
            (buf.to_vec(), Fold::Exact)
        };
        let utf8 = if fold == Fold::Exact {
            chars
                .iter()
                .map(|&c| char::from_u32(c))
                .collect::<Option<String>>()
                .map(|s| s.into_bytes().into_boxed_slice())
        } else {
            None
        };
        self.add(Kind::Slice {
            chars: chars.into_boxed_slice(),
            fold,
            utf8,
        })
    }

    /// `Pattern.single`.
    pub fn single(&self, c: u32) -> P {
        if self.has(CASE_INSENSITIVE) {
            if self.has(UNICODE_CASE) {
                let upper = upper_cp(c);
                let lower = lower_cp(upper);
                if upper != lower {
                    return P::new(Pred::SingleU(lower), false);
                }
            } else if c < 0x80 {
                let (lower, upper) = (ascii_lower(c), ascii_upper(c));
                if lower != upper {
                    return P::new(Pred::SingleI(lower, upper), true);
                }
            }
        }
        P::new(Pred::Single(c), !is_supplementary(c))
    }

    pub fn bits_add(&mut self, bits: u32, c: u32) {
        let set = |x: u32, p: &mut Parser| {
            if x < 256 {
                p.bits[bits as usize][(x >> 6) as usize] |= 1 << (x & 63);
            } else {
                // Java indexes its 256-entry array with it: ArrayIndexOutOfBoundsException.
                p.oob = true;
            }
        };
        if self.has(CASE_INSENSITIVE) {
            if c < 0x80 {
                set(ascii_upper(c), self);
                set(ascii_lower(c), self);
            } else if self.has(UNICODE_CASE) {
                set(lower_cp(c), self);
                set(upper_cp(c), self);
            }
        }
        set(c, self);
    }

    /// `Pattern.bitsOrSingle`: Latin-1 characters go into the class's bit set.
    pub fn bits_or_single(&mut self, bits: u32, c: u32) -> Option<P> {
        let special = matches!(c, 0xFF | 0xB5 | 0x49 | 0x69 | 0x53 | 0x73 | 0x4B | 0x6B | 0xC5 | 0xE5);
        if c < 256 && !(self.has(CASE_INSENSITIVE) && self.has(UNICODE_CASE) && special) {
            self.bits_add(bits, c);
            return None;
        }
        Some(self.single(c))
    }

    /// `Pattern.clazz`: a `[...]` class; `consume` eats the closing `]`.
    pub fn clazz(&mut self, consume: bool) -> PResult<P> {
        self.enter()?;
        let r = self.clazz_inner(consume);
        self.depth -= 1;
        r
    }

    pub fn clazz_inner(&mut self, consume: bool) -> PResult<P> {
        let mut prev: Option<P> = None;
        let mut curr: Option<P> = None;
        let bits = self.bits.len() as u32;
        self.bits.push([0; 4]);
        let bits_p = || P::new(Pred::Bits(bits), true);
        let union = |a: Option<P>, b: P| {
            Some(match a {
                None => b,
                Some(a) => a.union(b),
            })
        };
        let (mut is_neg, mut has_bits) = (false, false);
        let mut c = self.next();
        if c == ch('^') && self.at(self.cursor - 1) == ch('[') {
            c = self.next();
            is_neg = true;
        }
        loop {
            match char::from_u32(c).unwrap_or('\u{FFFD}') {
                '[' => {
                    let inner = self.clazz(true)?;
                    curr = Some(inner.clone());
                    prev = union(prev, inner);
                    c = self.peek();
                    continue;
                }
                '&' => {
                    c = self.next();
                    if c == ch('&') {
                        c = self.next();
                        let mut right: Option<P> = None;
                        while c != ch(']') && c != ch('&') {
                            let inner = if c == ch('[') {
                                self.clazz(true)?
                            } else {
                                self.unread();
                                self.clazz(false)?
                            };
                            right = union(right, inner);
                            c = self.peek();
                        }
                        if has_bits {
                            match prev.take() {
                                None => {
                                    prev = Some(bits_p());
                                    curr = Some(bits_p());
                                }
                                Some(p) => prev = Some(p.union(bits_p())),
                            }
                            has_bits = false;
                        }
                        if right.is_some() {
                            curr = right.clone();
                        }
                        prev = Some(match (prev.take(), right) {
                            (None, None) => return err("Bad class syntax"),
                            (None, Some(r)) => r,
                            (Some(p), _) => match &curr {
                                None => return err("Bad intersection syntax"),
                                Some(cur) => p.and(cur.clone()),
                            },
                        });
                        continue;
                    }
                    self.unread();
                }
                '\0' if self.cursor >= self.plen => return err("Unclosed character class"),
                ']' if prev.is_some() || has_bits => {
                    if consume {
                        self.next();
                    }
                    let p = match prev {
                        None => bits_p(),
                        Some(p) if has_bits => p.union(bits_p()),
                        Some(p) => p,
                    };
                    return Ok(if is_neg { p.negate() } else { p });
                }
                _ => {}
            }
            curr = self.range(bits)?;
            match &curr {
                None => has_bits = true,
                Some(x) => prev = union(prev, x.clone()),
            }
            c = self.peek();
        }
    }

    /// `Pattern.range`: one character, `a-z` range, escape or `\p{...}` inside a class;
    /// None when the character went into the bit set.
    pub fn range(&mut self, bits: u32) -> PResult<Option<P>> {
        let mut c = self.peek();
        if c == ch('\\') {
            c = self.next_escaped();
            if c == ch('p') || c == ch('P') {
                let mut one_letter = true;
                if self.next() != ch('{') {
                    self.unread();
                } else {
                    one_letter = false;
                }
                return self.family(one_letter, c == ch('P')).map(Some);
            }
            let isrange = self.at(self.cursor + 1) == ch('-');
            self.unread();
            match self.escape(true, true, isrange)? {
                Esc::Pred(p) => return Ok(Some(p)),
                Esc::Char(x) => c = x,
                _ => return err("Unexpected internal error"),
            }
        } else {
            self.next();
        }
        if self.peek() == ch('-') {
            let end_range = self.at(self.cursor + 1);
            if end_range == ch('[') {
                return Ok(self.bits_or_single(bits, c));
            }
            if end_range != ch(']') {
                self.next();
                let m = self.peek();
                let m: i64 = if m == ch('\\') {
                    match self.escape(true, false, true)? {
                        Esc::Char(x) => x as i64,
                        _ => -1,
                    }
                } else {
                    self.next();
                    m as i64
                };
                if m < c as i64 {
                    return err("Illegal character range");
                }
                let m = m as u32;
                let pred = if self.has(CASE_INSENSITIVE) {
                    if self.has(UNICODE_CASE) {
                        Pred::CiRangeU(c, m)
                    } else {
                        Pred::CiRange(c, m)
                    }
                } else {
                    Pred::Range(c, m)
                };
                let bmp = matches!(pred, Pred::Range(..)) && (m < 0xD800 || (c > 0xDFFF && m < 0x1_0000));
                return Ok(Some(P::new(pred, bmp)));
            }
        }
        Ok(self.bits_or_single(bits, c))
    }

    /// `Pattern.family`: the name after `\p` / `\P`.
    pub fn family(&mut self, single_letter: bool, complement: bool) -> PResult<P> {
        self.next();
        let name: String = if single_letter {
            let c = self.at(self.cursor);
            self.read();
            char::from_u32(c).map(String::from).unwrap_or_default()
        } else {
            let i = self.cursor;
            self.mark(ch('}'));
            while self.read() != ch('}') {}
            self.mark(0);
            let j = self.cursor;
            if j > self.plen {
                return err("Unclosed character family");
            }
            if i + 1 >= j {
                return err("Empty character family");
            }
            self.temp[i..j - 1].iter().filter_map(|&c| char::from_u32(c)).collect()
        };
        let ci = self.has(CASE_INSENSITIVE);
        let p = if let Some(eq) = name.find('=') {
            let value = &name[eq + 1..];
            let key = crate::to_lower_case(&name[..eq]);
            let p = match key.as_str() {
                "sc" | "script" => names::for_script(value),
                "blk" | "block" => names::for_block(value),
                "gc" | "general_category" => names::for_property(value, ci),
                _ => None,
            };
            p.ok_or_else(|| format!("Unknown Unicode property {{name=<{key}>, value=<{value}>}}"))?
        } else {
            let p = if let Some(block) = name.strip_prefix("In") {
                names::for_block(block)
            } else if let Some(short) = name.strip_prefix("Is") {
                names::for_unicode_property(short, ci)
                    .or_else(|| names::for_property(short, ci))
                    .or_else(|| names::for_script(short))
            } else {
                let posix = if self.has(UNICODE_CHARACTER_CLASS) {
                    names::for_posix_name(&name, ci)
                } else {
                    None
                };
                posix.or_else(|| names::for_property(&name, ci))
            };
            p.ok_or_else(|| format!("Unknown character property name {{{name}}}"))?
        };
        if complement {
            self.has_supp = true;
            return Ok(p.negate());
        }
        Ok(p)
    }
}
