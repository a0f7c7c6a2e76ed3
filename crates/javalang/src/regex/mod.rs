//! `java.util.regex` as psoxy uses it: `Pattern.compile(p)` (no flags), `Matcher.matches()`
//! with its groups, and `Matcher.replaceAll(replacement)`.
//!
//! Rule authors write patterns for Java, and the same pattern means something else to other
//! engines: `\w`, `\d`, `\s` and `\b` are ASCII-only, `[[:alpha:]]` is a plain class, and Java
//! adds look-around, back-references, possessive quantifiers and atomic groups. This is a
//! port of the JDK 25 implementation (parser, node graph, `study`, and each node's `match`),
//! run on an explicit stack; see `crates/javalang/testdata/RegexProbe.java` for the table it is checked
//! against.
//!
//! Positions follow Java's UTF-16 indexing (see `text.rs`): where Java's search steps into
//! a surrogate pair, so does this one, and a surrogate that `replace_all` leaves alone is
//! written `?`, as Java's UTF-8 encoder writes it. Each call has a budget of 100,000
//! steps (plus 32 per input byte) and returns `Exhausted` past it.
//!
//! Unsupported (compile to an error saying so): `\X`, `\b{g}`, `\N{name}` and the CANON_EQ
//! flag `(?c)` where it would change a class.

mod class;
mod clazz;
mod curly;
mod escape;
mod exec;
mod group;
mod literal;
mod look;
mod loops;
mod names;
mod node;
mod parse;
mod props;
mod replace;
mod sequence;
mod text;
mod unicode_table;

/// `Character.getType(c)`: the general category as Java numbers it (0 unassigned, 15
/// control, 16 format, 12 space separator, ...).
pub fn character_type(c: char) -> u32 {
    props::get_type(c as u32)
}

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use exec::{Exec, Scratch};
use node::{NONE, NodeId};
pub use replace::Replacement;
use text::{Sink, Text};

/// The backtracking budget ran out (a pattern that would run for a very long time in Java).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("regular expression backtracking budget exhausted")
    }
}

impl std::error::Error for Exhausted {}

/// A compiled pattern.
pub(crate) struct Program {
    nodes: Vec<node::Node>,
    sets: Vec<class::CharSet>,
    /// Java's `matchRoot` (what `matches()` runs).
    match_root: NodeId,
    /// Java's `capturingGroupCount`: groups plus group 0.
    group_count: usize,
    local_count: usize,
    memo_count: usize,
    names: Vec<(String, usize)>,
    /// The unanchored search steps by code point (`StartS`), not by UTF-16 unit (`Start`).
    start_supp: bool,
    /// `matchRoot` is `Begin`: the search only tries its starting position.
    begin_root: bool,
    /// `Start.minLength`.
    min_length: i32,
}

/// A compiled java.util.regex Pattern (flags 0).
#[derive(Clone)]
pub struct Regex {
    pattern: Arc<str>,
    prog: Arc<Program>,
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Regex").field(&&*self.pattern).finish()
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's reusable buffers (fresh ones if they are already in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            if s.is_large() {
                *s = Scratch::default();
            }
            r
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

impl Regex {
    /// Pattern.compile(pattern). Err(description) exactly when Java throws PatternSyntaxException
    /// (or, for `\X`, `\b{g}`, `\N{...}` and `(?c)`, a description saying veil does not support it).
    pub fn new(pattern: &str) -> Result<Regex, String> {
        let prog = parse::Parser::compile(pattern)?;
        Ok(Regex {
            pattern: pattern.into(),
            prog: Arc::new(prog),
        })
    }

    /// Matcher.groupCount().
    pub fn group_count(&self) -> usize {
        self.prog.group_count - 1
    }

    /// The number of the group named `name` (`(?<name>...)`).
    fn group_number(&self, name: &str) -> Option<usize> {
        self.prog.names.iter().find(|(n, _)| n == name).map(|&(_, g)| g)
    }

    /// Matcher.matches(): Ok(None) when the whole text does not match; else Ok(Some(groups))
    /// with groups[0..=group_count], None for a group that did not participate.
    pub fn matches<'t>(&self, text: &'t str) -> Result<Option<Vec<Option<&'t str>>>, Exhausted> {
        if text.len() >= NONE as usize {
            return Err(Exhausted);
        }
        with_scratch(|s| {
            let mut ex = Exec::new(&self.prog, text, s);
            ex.end_anchor = true;
            ex.old_last = 0;
            if !ex.run(self.prog.match_root, 0)? {
                return Ok(None);
            }
            let t = Text { b: text.as_bytes() };
            let mut groups = Vec::with_capacity(self.prog.group_count);
            groups.push(Some(text));
            for g in 1..self.prog.group_count {
                let (a, b) = (ex.s.groups[2 * g], ex.s.groups[2 * g + 1]);
                groups.push(if a == NONE || b == NONE {
                    None
                } else {
                    Some(slice(t, text, a as usize, b as usize))
                });
            }
            Ok(Some(groups))
        })
    }

    /// Matcher.replaceAll(replacement) over the whole text (find loop; after an empty match the next
    /// search starts one character later, as Java does).
    pub fn replace_all(&self, text: &str, replacement: &Replacement) -> Result<String, Exhausted> {
        let mut out = Sink::default();
        let mut append_from = 0;
        let found = self.find_loop(text, |ex, first| {
            out.push_range(ex.t, append_from, first);
            replacement.expand(&mut out, ex.t, first, ex.last, &ex.s.groups);
            append_from = ex.last;
        })?;
        if found == 0 {
            return Ok(text.to_string());
        }
        out.push_range(Text { b: text.as_bytes() }, append_from, text.len());
        Ok(out.finish())
    }

    /// The `find()` loop of `replaceAll`: calls `on_match` with each match's start (its end is
    /// `ex.last`, its groups `ex.s.groups`); returns how many there were.
    fn find_loop(&self, text: &str, mut on_match: impl FnMut(&Exec<'_>, usize)) -> Result<usize, Exhausted> {
        if text.len() >= NONE as usize {
            return Err(Exhausted);
        }
        with_scratch(|s| {
            let mut ex = Exec::new(&self.prog, text, s);
            let (mut first, mut count) = (usize::MAX, 0);
            loop {
                let mut from = ex.last;
                if from == first {
                    if from >= ex.to {
                        break;
                    }
                    from = ex.t.next_unit(from);
                }
                let Some(start) = self.search(&mut ex, from)? else {
                    break;
                };
                first = start;
                count += 1;
                on_match(&ex, first);
            }
            Ok(count)
        })
    }

    /// `Matcher.search(from)`: the start of the first match at or after `from`.
    fn search(&self, ex: &mut Exec<'_>, from: usize) -> Result<Option<usize>, Exhausted> {
        if ex.old_last == usize::MAX {
            ex.old_last = from;
        }
        ex.s.groups.fill(NONE);
        for m in &mut ex.s.memo[..self.prog.memo_count] {
            m.clear();
        }
        let p = &*self.prog;
        let mut found = None;
        if p.begin_root {
            if ex.run(p.match_root, from)? {
                found = Some(from);
            }
        } else {
            let mut i = from;
            loop {
                if (ex.to - i) < p.min_length.max(0) as usize {
                    break;
                }
                if ex.run(p.match_root, i)? {
                    found = Some(i);
                    break;
                }
                if i >= ex.to {
                    break;
                }
                i = if p.start_supp {
                    ex.t.cp_at(i).1
                } else {
                    ex.t.next_unit(i)
                };
            }
        }
        ex.old_last = ex.last;
        if let Some(start) = found {
            ex.s.groups[0] = start as u32;
            ex.s.groups[1] = ex.last as u32;
        }
        Ok(found)
    }
}

/// The text of a group; a bound inside a surrogate pair (Java can put one there only inside
/// a look-behind) is widened to the whole character.
fn slice<'t>(t: Text<'_>, text: &'t str, a: usize, b: usize) -> &'t str {
    let a = if t.is_mid(a) { a - 2 } else { a };
    let b = if t.is_mid(b) { b + 2 } else { b };
    text.get(a..b.max(a)).unwrap_or("")
}

#[cfg(test)]
mod tests;
