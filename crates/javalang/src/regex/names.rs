//! The names `\\p{...}` accepts and the predicates they stand for (`CharPredicates`).

use super::class::{P, Pred};
use super::props::*;
use super::unicode_table as t;

fn prop(p: Prop) -> P {
    P::new(Pred::Prop(p), false)
}

fn cased(first: Prop, ci: bool) -> P {
    if !ci {
        return prop(first);
    }
    let others: [Prop; 2] = match first {
        Prop::Lower => [Prop::Upper, Prop::Title],
        Prop::Upper => [Prop::Lower, Prop::Title],
        _ => [Prop::Lower, Prop::Upper],
    };
    prop(first).union(prop(others[0]).union(prop(others[1])))
}

fn ctype(mask: u32) -> P {
    P::new(Pred::Ctype(mask), true)
}

fn range(lo: u32, hi: u32) -> P {
    P::new(Pred::Range(lo, hi), true)
}

/// `CharPredicates.WORD()`, `DIGIT()`, `WHITE_SPACE()`: `\w \d \s` with UNICODE_CHARACTER_CLASS.
pub(super) fn word() -> P {
    prop(Prop::Word)
}

pub(super) fn digit() -> P {
    prop(Prop::Digit)
}

pub(super) fn white_space() -> P {
    prop(Prop::WhiteSpace)
}

/// `\w \d \s` without UNICODE_CHARACTER_CLASS (`ASCII_WORD()` ...).
pub(super) fn ascii(mask: u32) -> P {
    ctype(mask)
}

fn posix(name: &str, ci: bool) -> Option<P> {
    Some(match name {
        "ALPHA" => prop(Prop::Alphabetic),
        "LOWER" => cased(Prop::Lower, ci),
        "UPPER" => cased(Prop::Upper, ci),
        "SPACE" => prop(Prop::WhiteSpace),
        "PUNCT" => prop(Prop::Punctuation),
        "XDIGIT" => prop(Prop::HexDigit),
        "ALNUM" => prop(Prop::Alnum),
        "CNTRL" => prop(Prop::Category(m(CC))),
        "DIGIT" => prop(Prop::Digit),
        "BLANK" => prop(Prop::Blank),
        "GRAPH" => prop(Prop::Graph),
        "PRINT" => prop(Prop::Print),
        _ => return None,
    })
}

/// `CharPredicates.forUnicodeProperty`: `\p{IsAlphabetic}` and other binary properties.
pub(super) fn for_unicode_property(name: &str, ci: bool) -> Option<P> {
    let name = java_upper(name);
    let p = match name.as_str() {
        "ALPHABETIC" => prop(Prop::Alphabetic),
        "ASSIGNED" => prop(Prop::Defined),
        "CONTROL" => prop(Prop::Category(m(CC))),
        "EMOJI" => prop(Prop::Emoji),
        "EMOJI_PRESENTATION" => prop(Prop::EmojiPresentation),
        "EMOJI_MODIFIER" => prop(Prop::EmojiModifier),
        "EMOJI_MODIFIER_BASE" => prop(Prop::EmojiModifierBase),
        "EMOJI_COMPONENT" => prop(Prop::EmojiComponent),
        "EXTENDED_PICTOGRAPHIC" => prop(Prop::ExtendedPictographic),
        "HEXDIGIT" | "HEX_DIGIT" => prop(Prop::HexDigit),
        "IDEOGRAPHIC" => prop(Prop::Ideographic),
        "JOINCONTROL" | "JOIN_CONTROL" => prop(Prop::JoinControl),
        "LETTER" => prop(Prop::Letter),
        "LOWERCASE" => cased(Prop::Lower, ci),
        "NONCHARACTERCODEPOINT" | "NONCHARACTER_CODE_POINT" => prop(Prop::Noncharacter),
        "TITLECASE" => cased(Prop::Title, ci),
        "PUNCTUATION" => prop(Prop::Punctuation),
        "UPPERCASE" => cased(Prop::Upper, ci),
        "WHITESPACE" | "WHITE_SPACE" => prop(Prop::WhiteSpace),
        "WORD" => prop(Prop::Word),
        _ => return posix(&name, ci),
    };
    Some(p)
}

/// `CharPredicates.forPOSIXName` (UNICODE_CHARACTER_CLASS): `\p{Alpha}` over all of Unicode.
pub(super) fn for_posix_name(name: &str, ci: bool) -> Option<P> {
    posix(&java_upper(name), ci)
}

/// `CharPredicates.forProperty`: general categories, POSIX (ASCII) classes, `java...` methods.
pub(super) fn for_property(name: &str, ci: bool) -> Option<P> {
    let cat = |mask: u32| Some(prop(Prop::Category(mask)));
    let case_mask = |own: u32| if ci { CASED } else { m(own) };
    match name {
        "Cn" => cat(m(0)),
        "Lu" => cat(case_mask(LU)),
        "Ll" => cat(case_mask(LL)),
        "Lt" => cat(case_mask(LT)),
        "Lm" => cat(m(LM)),
        "Lo" => cat(m(LO)),
        "Mn" => cat(m(MN)),
        "Me" => cat(m(ME)),
        "Mc" => cat(m(MC)),
        "Nd" => cat(m(ND)),
        "Nl" => cat(m(NL)),
        "No" => cat(m(NO)),
        "Zs" => cat(m(ZS)),
        "Zl" => cat(m(ZL)),
        "Zp" => cat(m(ZP)),
        "Cc" => cat(m(CC)),
        "Cf" => cat(m(CF)),
        "Co" => cat(m(CO)),
        "Cs" => cat(m(CS)),
        "Pd" => cat(m(PD)),
        "Ps" => cat(m(PS)),
        "Pe" => cat(m(PE)),
        "Pc" => cat(m(PC)),
        "Po" => cat(m(PO)),
        "Sm" => cat(m(SM)),
        "Sc" => cat(m(SC)),
        "Sk" => cat(m(SK)),
        "So" => cat(m(SO)),
        "Pi" => cat(m(PI)),
        "Pf" => cat(m(PF)),
        "L" => cat(LETTER),
        "M" => cat(m(MN) | m(ME) | m(MC)),
        "N" => cat(m(ND) | m(NL) | m(NO)),
        "Z" => cat(SPACE_SEP),
        "C" => cat(m(CC) | m(CF) | m(CO) | m(CS) | m(0)),
        "P" => cat(PUNCT),
        "S" => cat(m(SM) | m(SC) | m(SK) | m(SO)),
        "LC" => cat(CASED),
        "LD" => cat(LETTER | m(ND)),
        "L1" => Some(range(0x00, 0xFF)),
        "all" => Some(P::new(Pred::All, false)),
        "ASCII" => Some(range(0x00, 0x7F)),
        "Alnum" => Some(ctype(A_ALNUM)),
        "Alpha" => Some(ctype(A_ALPHA)),
        "Blank" => Some(ctype(A_BLANK)),
        "Cntrl" => Some(ctype(A_CNTRL)),
        "Digit" => Some(range(0x30, 0x39)),
        "Graph" => Some(ctype(A_PUNCT | A_ALNUM)),
        "Lower" => Some(if ci { ctype(A_ALPHA) } else { range(0x61, 0x7A) }),
        "Print" => Some(range(0x20, 0x7E)),
        "Punct" => Some(ctype(A_PUNCT)),
        "Space" => Some(ctype(A_SPACE)),
        "Upper" => Some(if ci { ctype(A_ALPHA) } else { range(0x41, 0x5A) }),
        "XDigit" => Some(ctype(A_HEX)),
        "javaLowerCase" => Some(cased(Prop::Lower, ci)),
        "javaUpperCase" => Some(cased(Prop::Upper, ci)),
        "javaAlphabetic" => Some(prop(Prop::Alphabetic)),
        "javaIdeographic" => Some(prop(Prop::Ideographic)),
        "javaTitleCase" => Some(cased(Prop::Title, ci)),
        "javaDigit" => Some(prop(Prop::Digit)),
        "javaDefined" => Some(prop(Prop::Defined)),
        "javaLetter" => Some(prop(Prop::Letter)),
        "javaLetterOrDigit" => Some(prop(Prop::LetterOrDigit)),
        "javaJavaIdentifierStart" => Some(prop(Prop::JavaIdStart)),
        "javaJavaIdentifierPart" => Some(prop(Prop::JavaIdPart)),
        "javaUnicodeIdentifierStart" => Some(prop(Prop::UnicodeIdStart)),
        "javaUnicodeIdentifierPart" => Some(prop(Prop::UnicodeIdPart)),
        "javaIdentifierIgnorable" => Some(prop(Prop::IdIgnorable)),
        "javaSpaceChar" => Some(prop(Prop::SpaceChar)),
        "javaWhitespace" => Some(prop(Prop::JavaWhitespace)),
        "javaISOControl" => Some(prop(Prop::IsoControl)),
        "javaMirrored" => Some(prop(Prop::Mirrored)),
        _ => None,
    }
}

fn lookup(names: &[(&str, u16)], key: &str) -> Option<u16> {
    names.binary_search_by(|(k, _)| k.cmp(&key)).ok().map(|i| names[i].1)
}

/// `CharPredicates.forUnicodeScript` (`Character.UnicodeScript.forName`).
pub(super) fn for_script(name: &str) -> Option<P> {
    lookup(&t::SCRIPT_NAMES, &java_upper(name)).map(|s| prop(Prop::Script(s)))
}

/// `CharPredicates.forUnicodeBlock` (`Character.UnicodeBlock.forName`).
pub(super) fn for_block(name: &str) -> Option<P> {
    lookup(&t::BLOCK_NAMES, &java_upper(name)).map(|b| prop(Prop::Block(b)))
}

/// `String.toUpperCase(Locale.ROOT)` as far as property names can tell: the full mappings
/// that produce ASCII (ß, ligatures) and the simple ones otherwise.
pub(super) fn java_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ß' => out.push_str("SS"),
            'ﬀ' => out.push_str("FF"),
            'ﬁ' => out.push_str("FI"),
            'ﬂ' => out.push_str("FL"),
            'ﬃ' => out.push_str("FFI"),
            'ﬄ' => out.push_str("FFL"),
            'ﬅ' | 'ﬆ' => out.push_str("ST"),
            _ => out.push(crate::to_upper(c)),
        }
    }
    out
}
