//! Decides whether a cell holds an e-mail address, the way psoxy does. psoxy fully matches each
//! value against an RFC-2822 *mailbox* regex taken from Bottema/Connor's `email-rfc2822-validator`
//! (criteria `ALLOW_QUOTED_IDENTIFIERS` + `ALLOW_PARENS_IN_LOCALPART`, no domain literals, RFC-1035
//! domains whose last label is 2–26 letters). Whatever it accepts is hashed as `local@domain`
//! (comments and display names dropped); anything else is hashed verbatim. To produce the same
//! pseudonyms we must accept exactly the same language, so this module ports that grammar,
//! quirks included, as a linear-time lexer plus a token-level check instead of a backtracking
//! regex.
//!
//! Quirks of the regex that are kept on purpose:
//! * comments do not nest (`(a (b))` is rejected) and may hold only ASCII;
//! * display-name atoms have no dots (`J. Smith <j@x.com>` is rejected) and consecutive words
//!   must be separated by white space (`Al(x)Bo <a@x.com>` is rejected);
//! * only quoted display-name words may hold non-ASCII (psoxy ≥ 0.5.11, RFC 6532 `qtext`);
//! * each white-space run is a limited number of "folds" (`[ \t]*\r\n[ \t]+`), see `Gap` in the source.
use std::borrow::Cow;
use std::fmt;

/// An e-mail address found in a cell.
pub struct Mailbox<'a> {
    /// Local part, case as written; quoted local parts keep their quotes unless
    /// removing the quotes yields a valid dot-atom (psoxy: `"john"@x.com` → `john`,
    /// `"john smith"@x.com` keeps `"john smith"` including the quotes). Like psoxy, the
    /// unquoted text may carry comments or white space around the dot-atom: `"john "` → `john `.
    /// Always borrowed from the input; a `Cow` so callers need not care.
    pub local: Cow<'a, str>,
    /// Domain exactly as written (case kept), comments and whitespace removed.
    pub domain: &'a str,
}

/// Hand-written so that logs and panics never show the address: it is personal data.
impl fmt::Debug for Mailbox<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mailbox { .. }")
    }
}

/// Parses `value` as a psoxy mailbox; `None` when it is not an e-mail.
#[must_use]
pub fn parse(value: &str) -> Option<Mailbox<'_>> {
    match parse_plain(value) {
        Some(verdict) => verdict,
        None if !value.as_bytes().contains(&b'@') => None,
        None => parse_general(value),
    }
}

/// Fast path for the overwhelmingly common `local@domain` made only of atext, dots and `@`.
/// Such a value has no comments, quotes or white space, so this check is the whole grammar and
/// its verdict is final. Returns `None` when the value needs the general parser.
fn parse_plain(value: &str) -> Option<Option<Mailbox<'_>>> {
    /// 1 for atext and `.`, 2 for `@`, 0 for anything that needs the general parser.
    const PLAIN: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut i = 0;
        while i < 128 {
            if CLASSES[i] & ATEXT != 0 || i == b'.' as usize {
                table[i] = 1;
            }
            i += 1;
        }
        table[b'@' as usize] = 2;
        table
    };
    let bytes = value.as_bytes();
    let (mut at, mut ats) = (0, 0);
    for (i, &b) in bytes.iter().enumerate() {
        match PLAIN[b as usize] {
            1 => {}
            2 => (at, ats) = (i, ats + 1),
            _ => return None,
        }
    }
    if ats != 1 {
        return Some(None);
    }
    let (local, domain) = (&value[..at], &value[at + 1..]);
    let ok = is_dot_atom(local.as_bytes()) && is_domain(domain.as_bytes());
    Some(ok.then_some(Mailbox {
        local: Cow::Borrowed(local),
        domain,
    }))
}

// ASCII character classes of the grammar, one bit each.
/// RFC 2822 `atext` (the validator's criteria add neither `.` nor `[]`).
const ATEXT: u8 = 1;
/// Comment text: no-white-space controls and printable ASCII except `(`, `)` and `\`.
const CTEXT: u8 = 2;
/// Local-part quoted text: as `CTEXT` but `(`/`)` allowed (`ALLOW_PARENS_IN_LOCALPART`), `"` not.
const QTEXT: u8 = 4;
/// Display-name quoted text (psoxy's RFC 6532 `[^\p{Cntrl}\\"]`), ASCII half: printable and
/// space, no controls. Every non-ASCII character is accepted there as well.
const PTEXT: u8 = 8;
/// May follow a backslash in a quoted pair: any ASCII except NUL, CR and LF.
const PAIR: u8 = 16;

const CLASSES: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let ctl = matches!(b, 1..=8 | 11 | 12 | 14..=31 | 127);
        let mut c = 0;
        if b.is_ascii_alphanumeric()
            || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?')
            || matches!(b, b'^'..=b'`' | b'{'..=b'~')
        {
            c |= ATEXT;
        }
        if ctl || matches!(b, 0x21..=0x27 | 0x2A..=0x5B | 0x5D..=0x7E) {
            c |= CTEXT;
        }
        if ctl || matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            c |= QTEXT;
        }
        if matches!(b, 0x20 | 0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            c |= PTEXT;
        }
        if matches!(b, 1..=9 | 11 | 12 | 14..=127) {
            c |= PAIR;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn has(b: u8, class: u8) -> bool {
    b < 128 && CLASSES[b as usize] & class != 0
}

/// `atext+ ("." atext+)*`: no leading, trailing or doubled dots. (One pass: this runs on
/// every cell of an e-mail column.)
fn is_dot_atom(s: &[u8]) -> bool {
    let mut after_dot = true;
    for &b in s {
        if b == b'.' {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if has(b, ATEXT) {
            after_dot = false;
        } else {
            return false;
        }
    }
    !after_dot
}

/// RFC-1035 name as the validator spells it: `label ("." label)* "." ALPHA{2,26}`, a label being
/// 1–63 letters, digits and inner hyphens. So no IP addresses, no `localhost`, no trailing dot.
/// (One pass, for the same reason.)
fn is_domain(s: &[u8]) -> bool {
    let (mut start, mut dots, mut letters_only) = (0, 0, true);
    for (i, &b) in s.iter().enumerate() {
        if b == b'.' {
            if !(1..=63).contains(&(i - start)) || s[i - 1] == b'-' {
                return false;
            }
            (start, dots, letters_only) = (i + 1, dots + 1, true);
        } else if b == b'-' {
            if i == start {
                return false;
            }
            letters_only = false;
        } else if b.is_ascii_digit() {
            letters_only = false;
        } else if !b.is_ascii_alphabetic() {
            return false;
        }
    }
    dots > 0 && letters_only && (2..=26).contains(&(s.len() - start))
}

/// Summary of a gap: the white space and comments between two tokens. The regex puts an
/// optional CFWS (`([FWS] comment)* [FWS]`) at each side of every token, where one FWS is
/// `([ \t]* CRLF)? [ \t]+`, so a white-space run inside a gap may need several FWS ("folds",
/// one per CRLF). How many it may use depends on how many FWS slots meet there, see [`Slot`].
#[derive(Clone, Copy, Default)]
struct Gap {
    /// Most FWS any single run of the gap needs.
    widest: usize,
    /// Number of runs that need two or more FWS.
    wide_runs: usize,
    /// Whether the gap holds any white space at all.
    spaced: bool,
}

/// What the grammar allows in a gap.
#[derive(Clone, Copy)]
enum Slot {
    /// One optional CFWS: every run is at most one FWS.
    One,
    /// Two CFWS back to back (display name then `<`): one run may be two FWS.
    Two,
    /// Between display-name words, `CFWS FWS CFWS` with the middle FWS mandatory.
    Sep,
}

fn fits(gap: Option<Gap>, slot: Slot) -> bool {
    match (gap, slot) {
        (None, Slot::Sep) => false,
        (None, _) => true,
        (Some(g), Slot::One) => g.widest <= 1,
        (Some(g), Slot::Two) => g.widest <= 2 && g.wide_runs <= 1,
        (Some(g), Slot::Sep) => g.spaced && g.widest <= 3 && g.wide_runs <= 1,
    }
}

/// A run of spaces, tabs and CRLFs.
struct Run {
    end: usize,
    /// FWS needed to cover it: 0 when empty, else the number of CRLFs but at least one.
    folds: usize,
    /// Whether a display-name quoted string accepts it. There a space may also be text, so
    /// several CRLFs are fine as long as each inner segment has a space after its first byte.
    phrase_ok: bool,
}

/// Scans white space from `start`. `None` if it holds a bare CR or LF, or a CRLF not followed by
/// a space or tab: nothing in the grammar accepts those, so the whole value is not an e-mail.
fn ws_run(s: &[u8], start: usize) -> Option<Run> {
    let (mut i, mut crlfs, mut phrase_ok) = (start, 0, true);
    let (mut segment, mut late_space) = (start, false);
    loop {
        match s.get(i) {
            Some(b' ') => {
                late_space |= i > segment;
                i += 1;
            }
            Some(b'\t') => i += 1,
            Some(b'\r') if s.get(i + 1) == Some(&b'\n') => {
                if crlfs > 0 && i == segment {
                    return None;
                }
                phrase_ok &= crlfs == 0 || late_space;
                crlfs += 1;
                i += 2;
                (segment, late_space) = (i, false);
            }
            Some(b'\r' | b'\n') => return None,
            _ => break,
        }
    }
    if crlfs > 0 && i == segment {
        return None;
    }
    let folds = if i == start { 0 } else { crlfs.max(1) };
    Some(Run {
        end: i,
        folds,
        phrase_ok,
    })
}

/// Scans a comment starting at the `(` at `i`; returns the index after its `)`. Iterative and
/// non-nesting like the regex: a `(` inside a comment makes the value invalid.
fn comment(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        let run = ws_run(s, i)?;
        if run.folds > 1 {
            return None;
        }
        let spaced = run.folds > 0;
        i = run.end;
        match *s.get(i)? {
            b')' => return Some(i + 1),
            // The validator's `ccontent` is an ungrouped `ctext|quoted-pair`, so the optional FWS
            // binds to `ctext` only: white space right before a quoted pair is rejected.
            b'\\' if !spaced && has(*s.get(i + 1)?, PAIR) => i += 2,
            b if has(b, CTEXT) => i += 1,
            _ => return None,
        }
    }
}

/// Scans a quoted string starting at the `"` at `i`; returns (end, valid as local part, valid as
/// display-name word). The two differ: only the latter takes non-ASCII and bare-space text.
fn quoted(s: &[u8], mut i: usize) -> Option<(usize, bool, bool)> {
    let (mut local_ok, mut phrase_ok) = (true, true);
    i += 1;
    loop {
        let run = ws_run(s, i)?;
        local_ok &= run.folds <= 1;
        phrase_ok &= run.phrase_ok;
        i = run.end;
        match *s.get(i)? {
            b'"' => return Some((i + 1, local_ok, phrase_ok)),
            b'\\' if has(*s.get(i + 1)?, PAIR) => i += 2,
            b if b >= 0x80 || has(b, QTEXT | PTEXT) => {
                local_ok &= has(b, QTEXT);
                phrase_ok &= b >= 0x80 || has(b, PTEXT);
                i += 1;
            }
            _ => return None,
        }
        if !local_ok && !phrase_ok {
            return None;
        }
    }
}

/// Scans white space and comments from `i` into one [`Gap`].
fn gap(s: &[u8], mut i: usize) -> Option<(Gap, usize)> {
    let mut g = Gap::default();
    loop {
        let run = ws_run(s, i)?;
        g.widest = g.widest.max(run.folds);
        g.wide_runs += usize::from(run.folds > 1);
        g.spaced |= run.folds > 0;
        i = run.end;
        if s.get(i) != Some(&b'(') {
            return Some((g, i));
        }
        i = comment(s, i)?;
    }
}

#[derive(Clone, Copy)]
enum Tok {
    Gap(Gap),
    /// A run of atext and dots: a dot-atom local part, a domain, or a display-name atom.
    Word(usize, usize),
    Quoted {
        start: usize,
        end: usize,
        local_ok: bool,
        phrase_ok: bool,
    },
    At,
    Lt,
    Gt,
}

/// Splits `s` into tokens, merging adjacent white space and comments into one gap. `None` for
/// any byte no token can take (`,`, `:`, `[`, non-ASCII outside display-name quotes, ...).
fn lex(s: &[u8]) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let start = i;
        i += 1;
        toks.push(match b {
            b' ' | b'\t' | b'\r' | b'\n' | b'(' => {
                let (g, end) = gap(s, start)?;
                i = end;
                Tok::Gap(g)
            }
            b'"' => {
                let (end, local_ok, phrase_ok) = quoted(s, start)?;
                i = end;
                Tok::Quoted {
                    start,
                    end,
                    local_ok,
                    phrase_ok,
                }
            }
            b'@' => Tok::At,
            b'<' => Tok::Lt,
            b'>' => Tok::Gt,
            _ if b == b'.' || has(b, ATEXT) => {
                while s.get(i).is_some_and(|&b| b == b'.' || has(b, ATEXT)) {
                    i += 1;
                }
                Tok::Word(start, i)
            }
            _ => return None,
        });
    }
    Some(toks)
}

struct Cursor<'t> {
    toks: &'t [Tok],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.pos).copied()
    }
    fn bump(&mut self) -> Option<Tok> {
        let tok = self.peek();
        self.pos += 1;
        tok
    }
    /// Takes the gap at the cursor, if any.
    fn gap(&mut self) -> Option<Gap> {
        match self.peek() {
            Some(Tok::Gap(g)) => {
                self.pos += 1;
                Some(g)
            }
            _ => None,
        }
    }
    /// Takes the gap at the cursor, if any, and checks it holds at most one CFWS.
    fn cfws(&mut self) -> bool {
        let gap = self.gap();
        fits(gap, Slot::One)
    }
    fn done(&self) -> bool {
        self.pos == self.toks.len()
    }
}

/// The general path: `addr-spec` or `[phrase] <addr-spec>`, each with optional CFWS around.
fn parse_general(value: &str) -> Option<Mailbox<'_>> {
    let s = value.as_bytes();
    let toks = lex(s)?;
    let mut c = Cursor { toks: &toks, pos: 0 };
    if !c.cfws() {
        return None;
    }
    // A `<` can only stand outside quotes and comments in the name-addr form.
    if !toks.iter().any(|t| matches!(t, Tok::Lt)) {
        let mailbox = addr_spec(&mut c, value)?;
        return c.done().then_some(mailbox);
    }
    // Display name: words (dot-free atoms or quoted strings), each pair separated by white space.
    loop {
        match c.bump()? {
            Tok::Lt => break,
            Tok::Word(a, b) if !s[a..b].contains(&b'.') => {}
            Tok::Quoted { phrase_ok: true, .. } => {}
            _ => return None,
        }
        let gap = c.gap();
        let word_next = matches!(c.peek(), Some(Tok::Word(..) | Tok::Quoted { .. }));
        if !fits(gap, if word_next { Slot::Sep } else { Slot::Two }) {
            return None;
        }
    }
    let mailbox = addr_spec(&mut c, value)?;
    (matches!(c.bump(), Some(Tok::Gt)) && c.cfws() && c.done()).then_some(mailbox)
}

/// `[CFWS] local [CFWS] "@" [CFWS] domain [CFWS]`.
fn addr_spec<'a>(c: &mut Cursor<'_>, value: &'a str) -> Option<Mailbox<'a>> {
    let s = value.as_bytes();
    if !c.cfws() {
        return None;
    }
    let local = match c.bump()? {
        Tok::Word(a, b) if is_dot_atom(&s[a..b]) => &value[a..b],
        Tok::Quoted {
            start,
            end,
            local_ok: true,
            ..
        } => {
            // psoxy drops the quotes when the bare content is itself a valid local part.
            let inner = &value[start + 1..end - 1];
            if is_local_part(inner) {
                inner
            } else {
                &value[start..end]
            }
        }
        _ => return None,
    };
    if !(c.cfws() && matches!(c.bump(), Some(Tok::At)) && c.cfws()) {
        return None;
    }
    let domain = match c.bump()? {
        Tok::Word(a, b) if is_domain(&s[a..b]) => &value[a..b],
        _ => return None,
    };
    c.cfws().then_some(Mailbox {
        local: Cow::Borrowed(local),
        domain,
    })
}

/// Whether `s` alone matches the grammar's local part, CFWS included: psoxy tests the unquoted
/// text with its addr-spec regex, so `"john "` becomes `john ` and `"(x)john"` becomes `(x)john`.
fn is_local_part(s: &str) -> bool {
    let Some(toks) = lex(s.as_bytes()) else {
        return false;
    };
    let mut c = Cursor { toks: &toks, pos: 0 };
    let word = |t| match t {
        Some(Tok::Word(a, b)) => is_dot_atom(&s.as_bytes()[a..b]),
        Some(Tok::Quoted { local_ok, .. }) => local_ok,
        _ => false,
    };
    c.cfws() && word(c.bump()) && c.cfws() && c.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The one-pass checks agree with their plain definitions on every string over the
    /// characters that matter (exhaustive up to length 5, then seeded random up to 80).
    #[test]
    fn one_pass_checks_match_their_definitions() {
        fn dot_atom(s: &[u8]) -> bool {
            !s.is_empty()
                && s.split(|&b| b == b'.')
                    .all(|part| !part.is_empty() && part.iter().all(|&b| has(b, ATEXT)))
        }
        fn domain(s: &[u8]) -> bool {
            let Some(dot) = s.iter().rposition(|&b| b == b'.') else {
                return false;
            };
            let tld = &s[dot + 1..];
            let is_label = |l: &[u8]| {
                (1..=63).contains(&l.len())
                    && l[0].is_ascii_alphanumeric()
                    && l[l.len() - 1].is_ascii_alphanumeric()
                    && l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            };
            (2..=26).contains(&tld.len())
                && tld.iter().all(u8::is_ascii_alphabetic)
                && s[..dot].split(|&b| b == b'.').all(is_label)
        }
        let check = |s: &[u8]| {
            assert_eq!(is_dot_atom(s), dot_atom(s), "{:?}", String::from_utf8_lossy(s));
            assert_eq!(is_domain(s), domain(s), "{:?}", String::from_utf8_lossy(s));
        };
        let alphabet = b"a1.-_Z";
        let mut s = Vec::new();
        for len in 0..=5u32 {
            for n in 0..alphabet.len().pow(len) {
                s.clear();
                let mut k = n;
                for _ in 0..len {
                    s.push(alphabet[k % alphabet.len()]);
                    k /= alphabet.len();
                }
                check(&s);
            }
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 81) as usize;
            s.clear();
            let mut bits = state;
            for i in 0..len {
                if i % 20 == 0 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    bits = state;
                }
                // Mostly letters, so long labels and long TLDs occur.
                s.push(match bits % 16 {
                    0 => b'.',
                    1 => b'-',
                    2 => b'7',
                    3 => b'+',
                    _ => b'a' + (bits % 5) as u8,
                });
                bits >>= 3;
            }
            check(&s);
            let long: Vec<u8> = std::iter::repeat_n(b'a', len).chain(*b".com").collect();
            check(&long);
        }
    }

    /// `(local, domain)` of a parsed value, or `None` when it is not an e-mail.
    fn parts(value: &str) -> Option<(String, String)> {
        parse(value).map(|m| (m.local.into_owned(), m.domain.to_owned()))
    }

    fn check(cases: &[(&str, Option<(&str, &str)>)]) {
        for &(input, want) in cases {
            let want = want.map(|(l, d)| (l.to_owned(), d.to_owned()));
            assert_eq!(parts(input), want, "input {input:?}");
            // The general parser alone must agree with the fast path.
            let general = parse_general(input).map(|m| (m.local.into_owned(), m.domain.to_owned()));
            assert_eq!(general, want, "general parser, input {input:?}");
        }
    }

    /// /work/shared/psoxy/email-classification.txt, observed with psoxy's own parser.
    #[test]
    fn psoxy_classification() {
        check(&[
            ("alice@worklytics.co", Some(("alice", "worklytics.co"))),
            ("Alice Example <alice@worklytics.co>", Some(("alice", "worklytics.co"))),
            (
                "\"Alice Example\" <alice@worklytics.co>",
                Some(("alice", "worklytics.co")),
            ),
            ("alice@localhost", None),
            ("alice@acme.c", None),
            (
                "alice@acme.technologyverylongtld",
                Some(("alice", "acme.technologyverylongtld")),
            ),
            ("alice@10.0.0.1", None),
            ("alice@[10.0.0.1]", None),
            ("alice..bob@x.com", None),
            (".alice@x.com", None),
            ("josé@x.com", None),
            ("alice@exämple.com", None),
            ("\"john smith\"@x.com", Some(("\"john smith\"", "x.com"))),
            ("\"john\"@x.com", Some(("john", "x.com"))),
            ("alice@x.com (Alice)", Some(("alice", "x.com"))),
            ("<alice@x.com>", Some(("alice", "x.com"))),
            ("alice@x.com,bob@x.com", None),
            ("alice+tag+two@x.com", Some(("alice+tag+two", "x.com"))),
            ("a+@x.com", Some(("a+", "x.com"))),
            ("+a@x.com", Some(("+a", "x.com"))),
            ("Alice.Example@Worklytics.CO", Some(("Alice.Example", "Worklytics.CO"))),
            (" alice@x.com ", Some(("alice", "x.com"))),
            ("alice@x-.com", None),
            ("alice@-x.com", None),
            ("alice@x.com.", None),
            ("alice@sub.x.co.uk", Some(("alice", "sub.x.co.uk"))),
            ("a@b.cd", Some(("a", "b.cd"))),
            ("o'brien@x.com", Some(("o'brien", "x.com"))),
            ("first/last@x.com", Some(("first/last", "x.com"))),
            ("alice@x_y.com", None),
            ("ALICE@X.COM", Some(("ALICE", "X.COM"))),
            ("alice@acme.COM ", Some(("alice", "acme.COM"))),
            ("mailto:alice@x.com", None),
            ("alice@@x.com", None),
            ("a@b@c.com", None),
            ("name <alice@x.com> extra", None),
        ]);
    }

    /// VECTORS.md section D: canonical equivalents of `alice@worklytics.co` and near misses.
    #[test]
    fn canonical_equivalence_vectors() {
        for input in [
            "Alice Example <alice@worklytics.co>",
            "\"Alice Different Last name\" <alice@worklytics.co>",
            "Alice@worklytics.co",
            "AlIcE@worklytics.co",
            "alice+test@worklytics.co",
        ] {
            let m = parse(input).expect(input);
            let lower = m.local.to_lowercase();
            assert_eq!(lower.split('+').next(), Some("alice"), "{input}");
            assert_eq!(m.domain, "worklytics.co", "{input}");
        }
        check(&[
            (
                "Alice Example <alice2@worklytics.co>",
                Some(("alice2", "worklytics.co")),
            ),
            (
                "\"Alice Example\" <alice-a@worklytics.co>",
                Some(("alice-a", "worklytics.co")),
            ),
            ("AlIcE.Other@worklytics.co", Some(("AlIcE.Other", "worklytics.co"))),
            ("Alice.Example@worklytics.co", Some(("Alice.Example", "worklytics.co"))),
            ("employee@acme.COM", Some(("employee", "acme.COM"))),
            ("+a@x.com", Some(("+a", "x.com"))),
        ]);
    }

    /// SPEC.md section 8 step 1 negatives plus other values seen in real files.
    #[test]
    fn not_emails() {
        let nbsp = "a@b.com\u{a0}";
        for input in [
            "alice@localhost",
            "alice@acme.c",
            "alice@10.0.0.1",
            "alice@[10.0.0.1]",
            "alice..bob@x.com",
            ".alice@x.com",
            "josé@x.com",
            "alice@exämple.com",
            "alice@x_y.com",
            "alice@x.com.",
            "mailto:alice@x.com",
            "a@b@c.com",
            "alice@x.com,bob@x.com",
            "name <a@x.com> extra",
            "",
            "@",
            "a@",
            "@b.com",
            "1",
            "Participant's Email Address",
            "{\"ImportId\":\"Email\"}",
            // NBSP is not white space for the grammar (nor for Java's `trim`).
            nbsp,
            "\u{a0}a@b.com",
            "alice@x.com\r\n",
            "\"Alice\" <alice@x.com",
            "<>",
            "<@x.com>",
            "alice@x.com <alice@x.com>",
        ] {
            assert!(parse(input).is_none(), "{input:?}");
        }
    }

    /// Positives derived from the grammar, each confirmed against the Java regex.
    #[test]
    fn comments_white_space_and_display_names() {
        check(&[
            ("alice(comment)@x.com", Some(("alice", "x.com"))),
            ("(c)alice@x.com", Some(("alice", "x.com"))),
            ("alice@(c)x.com", Some(("alice", "x.com"))),
            ("alice @ x.com", Some(("alice", "x.com"))),
            ("a\t@x.com\t", Some(("a", "x.com"))),
            ("  Alice   Example   <  alice@x.com  >  ", Some(("alice", "x.com"))),
            ("Alice<alice@x.com>", Some(("alice", "x.com"))),
            ("alice@x.com (Alice) (Smith)", Some(("alice", "x.com"))),
            ("<alice@x.com> (Alice)", Some(("alice", "x.com"))),
            ("Al (x) Bo <a@x.com>", Some(("a", "x.com"))),
            ("John \"Q\" Public <jqp@x.com>", Some(("jqp", "x.com"))),
            ("\"alice@x.com\" <alice@x.com>", Some(("alice", "x.com"))),
            ("a@x.com (\\))", Some(("a", "x.com"))),
            ("alice@x.com\r\n (c)", Some(("alice", "x.com"))),
            ("Alice \r\n \r\n <alice@x.com>", Some(("alice", "x.com"))),
            // psoxy >= 0.5.11 accepts non-ASCII inside quoted display names (RFC 6532).
            (
                "\"Mónica Geller\" <monica@example.com>",
                Some(("monica", "example.com")),
            ),
            ("\"张伟\" <zhangwei@example.com>", Some(("zhangwei", "example.com"))),
        ]);
    }

    /// Where the validator's regex is stricter than RFC 2822; psoxy hashes these verbatim.
    #[test]
    fn regex_quirks_rejected() {
        for input in [
            "alice@x.com (a (b) c)",              // comments do not nest
            "J. Smith <j@x.com>",                 // no dots in display-name atoms
            "Alice.Example <alice@x.com>",        // idem
            "Al(x)Bo <a@x.com>",                  // words need white space between them
            "\"A\"\"B\" <a@x.com>",               // idem
            "a@x.com ( \\))",                     // no FWS right before a quoted pair in a comment
            "Mónica <m@x.com>",                   // non-ASCII only inside quoted display names
            "(Mónica) m@x.com",                   // nor in comments
            "\"\u{1}\" <a@x.com>",                // display-name quotes take no control characters
            "Alice \r\n \r\n \r\n <alice@x.com>", // too many folds in one run
            "\"a\r\n \r\n b\" <a@x.com>",         // folds in quotes need a space in between
        ] {
            assert!(parse(input).is_none(), "{input:?}");
        }
    }

    /// psoxy keeps the quotes unless the bare text matches its local-part grammar, CFWS included.
    #[test]
    fn quoted_local_parts() {
        check(&[
            ("\"john\"@x.com", Some(("john", "x.com"))),
            ("\"jo.hn\"@x.com", Some(("jo.hn", "x.com"))),
            ("\"user+tag\"@x.com", Some(("user+tag", "x.com"))),
            ("<\"john\"@x.com>", Some(("john", "x.com"))),
            ("\"john\"(c)@x.com", Some(("john", "x.com"))),
            ("\"john \"@x.com", Some(("john ", "x.com"))),
            ("\"(x)john\"@x.com", Some(("(x)john", "x.com"))),
            ("\"jo hn\"@x.com", Some(("\"jo hn\"", "x.com"))),
            ("\"jo..hn\"@x.com", Some(("\"jo..hn\"", "x.com"))),
            ("\"a\\\"b\"@x.com", Some(("\"a\\\"b\"", "x.com"))),
            ("\"\"@x.com", Some(("\"\"", "x.com"))),
            ("\"\u{1}\"@x.com", Some(("\"\u{1}\"", "x.com"))),
            ("Bob <\"bob smith\"@x.com>", Some(("\"bob smith\"", "x.com"))),
        ]);
        assert!(parse("\"josé\"@x.com").is_none());
    }

    #[test]
    fn domain_labels() {
        let long_label = format!("a@{}.com", "b".repeat(63));
        let too_long = format!("a@{}.com", "b".repeat(64));
        let tld26 = format!("a@x.{}", "c".repeat(26));
        let tld27 = format!("a@x.{}", "c".repeat(27));
        assert!(parse(&long_label).is_some());
        assert!(parse(&too_long).is_none());
        assert!(parse(&tld26).is_some());
        assert!(parse(&tld27).is_none());
        assert!(parse("a@x.c0m").is_none());
        assert!(parse("a@1-2.x.com").is_some());
    }

    #[test]
    fn never_allocates_and_hides_personal_data() {
        for input in ["alice@x.com", "Alice <alice@x.com>", "\"john\"@x.com", "\"a b\"@x.com"] {
            let m = parse(input).unwrap();
            assert!(matches!(m.local, Cow::Borrowed(_)), "{input}");
            let shown = format!("{m:?}");
            assert_eq!(shown, "Mailbox { .. }");
        }
    }

    /// Hostile inputs return quickly and do not overflow the stack.
    #[test]
    fn pathological_inputs() {
        let start = Instant::now();
        let parens = format!("{}a@b.com", "(".repeat(10_000));
        assert!(parse(&parens).is_none());
        let closed = format!("{}a@b.com", "()".repeat(100_000));
        assert!(parse(&closed).is_some());
        let long_local = format!("{}@x.com", "a.".repeat(500_000) + "a");
        assert!(parse(&long_local).is_some());
        let many_words = format!("{}<a@x.com>", "w ".repeat(200_000));
        assert!(parse(&many_words).is_some());
        let quotes = format!("{}@x.com", "\"".repeat(100_001));
        assert!(parse(&quotes).is_none());
        let ats = "@".repeat(1_000_000);
        assert!(parse(&ats).is_none());
        for b in 0..=255u8 {
            let s = String::from_utf8_lossy(&[b'a', b, b'@', b'x', b'.', b'c', b'o', b'm', b]).into_owned();
            let _ = parse(&s);
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
