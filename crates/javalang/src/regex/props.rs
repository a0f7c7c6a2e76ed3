//! `java.lang.Character` properties, evaluated from the JDK's tables.

use super::unicode_table as t;

// java.lang.Character.getType values.
pub(super) const LU: u32 = 1;
pub(super) const LL: u32 = 2;
pub(super) const LT: u32 = 3;
pub(super) const LM: u32 = 4;
pub(super) const LO: u32 = 5;
pub(super) const MN: u32 = 6;
pub(super) const ME: u32 = 7;
pub(super) const MC: u32 = 8;
pub(super) const ND: u32 = 9;
pub(super) const NL: u32 = 10;
pub(super) const NO: u32 = 11;
pub(super) const ZS: u32 = 12;
pub(super) const ZL: u32 = 13;
pub(super) const ZP: u32 = 14;
pub(super) const CC: u32 = 15;
pub(super) const CF: u32 = 16;
pub(super) const CO: u32 = 18;
pub(super) const CS: u32 = 19;
pub(super) const PD: u32 = 20;
pub(super) const PS: u32 = 21;
pub(super) const PE: u32 = 22;
pub(super) const PC: u32 = 23;
pub(super) const PO: u32 = 24;
pub(super) const SM: u32 = 25;
pub(super) const SC: u32 = 26;
pub(super) const SK: u32 = 27;
pub(super) const SO: u32 = 28;
pub(super) const PI: u32 = 29;
pub(super) const PF: u32 = 30;

/// `Character.NON_SPACING_MARK`, for `\b`.
pub(super) const NON_SPACING_MARK: u32 = MN;

pub(super) const fn m(t: u32) -> u32 {
    1 << t
}

pub(super) const LETTER: u32 = m(LU) | m(LL) | m(LT) | m(LM) | m(LO);
pub(super) const SPACE_SEP: u32 = m(ZS) | m(ZL) | m(ZP);
pub(super) const PUNCT: u32 = m(PD) | m(PS) | m(PE) | m(PC) | m(PO) | m(PI) | m(PF);
pub(super) const CASED: u32 = m(LU) | m(LL) | m(LT);

// java.util.regex.ASCII ctype bits.
pub(super) const A_UPPER: u32 = 0x100;
pub(super) const A_LOWER: u32 = 0x200;
pub(super) const A_DIGIT: u32 = 0x400;
pub(super) const A_SPACE: u32 = 0x800;
pub(super) const A_PUNCT: u32 = 0x1000;
pub(super) const A_CNTRL: u32 = 0x2000;
pub(super) const A_BLANK: u32 = 0x4000;
pub(super) const A_HEX: u32 = 0x8000;
pub(super) const A_UNDER: u32 = 0x10000;
pub(super) const A_ALPHA: u32 = A_UPPER | A_LOWER;
pub(super) const A_ALNUM: u32 = A_ALPHA | A_DIGIT;
pub(super) const A_WORD: u32 = A_ALNUM | A_UNDER;

/// `ASCII.getType(c)` for c < 128.
pub(super) fn ascii_type(c: u32) -> u32 {
    match c {
        0x09 => A_SPACE | A_CNTRL | A_BLANK,
        0x0A..=0x0D => A_SPACE | A_CNTRL,
        0x00..=0x1F | 0x7F => A_CNTRL,
        0x20 => A_SPACE | A_BLANK,
        0x30..=0x39 => A_DIGIT | A_HEX,
        0x41..=0x46 => A_UPPER | A_HEX,
        0x47..=0x5A => A_UPPER,
        0x61..=0x66 => A_LOWER | A_HEX,
        0x67..=0x7A => A_LOWER,
        0x5F => A_PUNCT | A_UNDER,
        0x21..=0x7E => A_PUNCT,
        _ => 0,
    }
}

/// A `Character` property (none of them is a `BmpCharPredicate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prop {
    Category(u32),
    Alphabetic,
    Ideographic,
    Lower,
    Upper,
    Title,
    Digit,
    Letter,
    LetterOrDigit,
    Defined,
    JavaIdStart,
    JavaIdPart,
    UnicodeIdStart,
    UnicodeIdPart,
    IdIgnorable,
    SpaceChar,
    JavaWhitespace,
    IsoControl,
    Mirrored,
    Emoji,
    EmojiPresentation,
    EmojiModifier,
    EmojiModifierBase,
    EmojiComponent,
    ExtendedPictographic,
    WhiteSpace,
    Punctuation,
    HexDigit,
    Noncharacter,
    Alnum,
    Blank,
    Graph,
    Print,
    JoinControl,
    Word,
    Script(u16),
    Block(u16),
}

/// `Character.getType`.
pub(super) fn get_type(c: u32) -> u32 {
    let i = t::GC.partition_point(|&e| e >> 5 <= c);
    t::GC[i - 1] & 31
}

fn in_ranges(flat: &[u32], c: u32) -> bool {
    let pairs = flat.len() / 2;
    let (mut lo, mut hi) = (0usize, pairs);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if flat[2 * mid] <= c { lo = mid + 1 } else { hi = mid }
    }
    lo > 0 && c <= flat[2 * (lo - 1) + 1]
}

fn run_value(table: &[u32], shift: u32, c: u32) -> u32 {
    let i = table.partition_point(|&e| e >> shift <= c);
    table[i - 1] & ((1 << shift) - 1)
}

pub(super) fn is_letter_or_digit(c: u32) -> bool {
    (LETTER | m(ND)) >> get_type(c) & 1 == 1
}

fn is_ignorable(c: u32, ty: u32) -> bool {
    c <= 8 || (0x0E..=0x1B).contains(&c) || (0x7F..=0x9F).contains(&c) || ty == CF
}

fn is_java_start(ty: u32) -> bool {
    (LETTER | m(NL) | m(SC) | m(PC)) >> ty & 1 == 1
}

fn is_java_part(c: u32, ty: u32) -> bool {
    is_java_start(ty) || (m(ND) | m(MC) | m(MN)) >> ty & 1 == 1 || is_ignorable(c, ty)
}

fn is_alphabetic(c: u32, ty: u32) -> bool {
    ((LETTER | m(NL)) >> ty & 1 == 1) != in_ranges(&t::ALPHABETIC_XOR, c)
}

fn is_graph(ty: u32) -> bool {
    (SPACE_SEP | m(CC) | m(CS) | 1) >> ty & 1 == 0
}

impl Prop {
    pub fn eval(self, c: u32) -> bool {
        let ty = get_type(c);
        match self {
            Prop::Category(mask) => mask >> ty & 1 == 1,
            Prop::Alphabetic => is_alphabetic(c, ty),
            Prop::Ideographic => in_ranges(&t::IDEOGRAPHIC, c),
            Prop::Lower => (ty == LL) != in_ranges(&t::LOWER_XOR, c),
            Prop::Upper => (ty == LU) != in_ranges(&t::UPPER_XOR, c),
            Prop::Title => ty == LT,
            Prop::Digit => ty == ND,
            Prop::Letter => LETTER >> ty & 1 == 1,
            Prop::LetterOrDigit => (LETTER | m(ND)) >> ty & 1 == 1,
            Prop::Defined => ty != 0,
            Prop::JavaIdStart => is_java_start(ty),
            Prop::JavaIdPart => is_java_part(c, ty),
            Prop::UnicodeIdStart => ((LETTER | m(NL)) >> ty & 1 == 1) != in_ranges(&t::UNICODE_ID_START_XOR, c),
            Prop::UnicodeIdPart => (is_java_part(c, ty) && ty != SC) != in_ranges(&t::UNICODE_ID_PART_XOR, c),
            Prop::IdIgnorable => is_ignorable(c, ty),
            Prop::SpaceChar => SPACE_SEP >> ty & 1 == 1,
            Prop::JavaWhitespace => char::from_u32(c).is_some_and(crate::is_whitespace),
            Prop::IsoControl => c <= 0x9F && !(0x20..0x7F).contains(&c),
            Prop::Mirrored => in_ranges(&t::MIRRORED, c),
            Prop::Emoji => in_ranges(&t::EMOJI, c),
            Prop::EmojiPresentation => in_ranges(&t::EMOJI_PRESENTATION, c),
            Prop::EmojiModifier => in_ranges(&t::EMOJI_MODIFIER, c),
            Prop::EmojiModifierBase => in_ranges(&t::EMOJI_MODIFIER_BASE, c),
            Prop::EmojiComponent => in_ranges(&t::EMOJI_COMPONENT, c),
            Prop::ExtendedPictographic => in_ranges(&t::EXTENDED_PICTOGRAPHIC, c),
            Prop::WhiteSpace => SPACE_SEP >> ty & 1 == 1 || (0x09..=0x0D).contains(&c) || c == 0x85,
            Prop::Punctuation => PUNCT >> ty & 1 == 1,
            Prop::HexDigit => {
                ty == ND
                    || matches!(c, 0x30..=0x39 | 0x41..=0x46 | 0x61..=0x66 | 0xFF10..=0xFF19 | 0xFF21..=0xFF26 | 0xFF41..=0xFF46)
            }
            Prop::Noncharacter => c & 0xFFFE == 0xFFFE || (0xFDD0..=0xFDEF).contains(&c),
            Prop::Alnum => is_alphabetic(c, ty) || ty == ND,
            Prop::Blank => ty == ZS || c == 0x09,
            Prop::Graph => is_graph(ty),
            Prop::Print => (is_graph(ty) || ty == ZS || c == 0x09) && ty != CC,
            Prop::JoinControl => c == 0x200C || c == 0x200D,
            Prop::Word => {
                is_alphabetic(c, ty)
                    || (m(MN) | m(ME) | m(MC) | m(ND) | m(PC)) >> ty & 1 == 1
                    || c == 0x200C
                    || c == 0x200D
            }
            Prop::Script(s) => run_value(&t::SCRIPT, 8, c) == s as u32,
            Prop::Block(b) => run_value(&t::BLOCK, 9, c) == b as u32,
        }
    }
}
