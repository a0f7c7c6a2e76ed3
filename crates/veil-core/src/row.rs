//! One row through one plan: each output cell copied, pseudonymized or transformed.

use javalang::regex::Exhausted;

use crate::error::DataError;
use crate::gzip;
use crate::plan::{Action, Func, Plan};
use crate::pseudonym::{PseudonymCache, PseudonymFormat, Pseudonymizer};
use crate::reader::Row;
use crate::transform;
use crate::writer::{push_field, push_pseudonym};
use javalang as java;

/// Per-thread working memory: a byte buffer, the pseudonym cache and a deflater per gzip
/// output.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) bytes: Vec<u8>,
    pub(crate) cache: PseudonymCache,
    pub(crate) deflaters: Vec<Option<gzip::Deflater>>,
}

/// Writes one sanitized row (without line ending) to `out`.
///
/// # Errors
/// A regex of a transform ran out of its backtracking budget on a value of this row; the
/// error names the output column.
pub(crate) fn write_row(
    plan: &Plan,
    row: Row<'_>,
    pseudonymizer: &Pseudonymizer,
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
) -> std::result::Result<(), DataError> {
    for (i, column) in plan.columns.iter().enumerate() {
        let first = i == 0;
        let value = column.source.and_then(|s| row.get_str(s)).unwrap_or("");
        if is_blank(value) {
            push_field(out, None, first);
            continue;
        }
        match &column.action {
            Action::Copy => push_field(out, Some(value.as_bytes()), first),
            Action::Pseudonymize => {
                let pseudonym = pseudonymizer.pseudonymize_cached(value, plan.format, &mut scratch.cache);
                push_pseudonym(out, pseudonym, plan.format == PseudonymFormat::Json, first);
            }
            Action::Chain(funcs) => {
                let result = chain(funcs, value, plan, pseudonymizer, &mut scratch.bytes).map_err(|_| {
                    DataError::RegexTooComplex {
                        column: crate::escape::name(&column.name),
                        rule: column.origin.join(" + "),
                    }
                })?;
                push_field(out, result.as_deref().map(str::as_bytes), first);
            }
        }
    }
    Ok(())
}

/// psoxy's `StringUtils.isBlank`: a blank cell is written as null (empty, never quoted).
/// Values are trimmed of everything up to U+0020 already, so only one starting with a
/// multi-byte Java space (U+1680, U+2000.., U+3000) needs the full check.
pub(crate) fn is_blank(value: &str) -> bool {
    match value.as_bytes().first() {
        None => true,
        Some(0xE1..=0xE3) => java::is_blank(value),
        Some(_) => false,
    }
}

/// Applies functions in order; once the value is null, it stays null. A blank value reaching
/// a pseudonymization is left as it is (psoxy hashes only non-blank values).
pub(crate) fn chain(
    funcs: &[Func],
    value: &str,
    plan: &Plan,
    pz: &Pseudonymizer,
    scratch: &mut Vec<u8>,
) -> std::result::Result<Option<String>, Exhausted> {
    let mut current = value.to_owned();
    let pseudonymize = |v: String, scratch: &mut Vec<u8>| {
        if java::is_blank(&v) {
            return v;
        }
        scratch.clear();
        pz.pseudonymize(&v, plan.format, scratch);
        String::from_utf8(scratch.clone()).expect("pseudonyms are ASCII")
    };
    for func in funcs {
        current = match func {
            Func::Pseudonymize => pseudonymize(current, scratch),
            Func::Pipeline(steps) => {
                let mut v = current;
                for step in steps {
                    v = match step {
                        transform::Step::Pseudonymize => pseudonymize(v, scratch),
                        other => match transform::apply(other, &v)? {
                            Some(next) => next,
                            None => return Ok(None),
                        },
                    };
                }
                v
            }
        };
    }
    Ok(Some(current))
}
