//! How a run behaves: threads, shuffling, gzip level, the PII guard, column policy, limits.

use std::sync::atomic::AtomicBool;

use crate::error::{Error, Result};

use crate::pii;
use crate::plan::ColumnPolicy;
use crate::reader::Limits;

/// Run options.
#[derive(Default, Clone)]
pub struct RunOptions<'a> {
    /// Shuffle rows within blocks of 500, as psoxy does, with this seed.
    pub shuffle_seed: Option<u64>,
    /// Called after each batch with the rows done so far (from the writing thread).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Threads sanitizing batches; 0 or 1 runs everything on the calling thread.
    pub threads: usize,
    /// How rule columns the file lacks are treated.
    pub columns: ColumnPolicy,
    /// gzip level of the outputs that want gzip ([`crate::Output::gzip`]); `None` is
    /// level 1 (`GzipWriter::DEFAULT_LEVEL`).
    pub gzip_level: Option<u32>,
    /// When set (by a signal handler), the run stops at the next batch with
    /// [`Error::Interrupted`], publishing nothing.
    pub cancel: Option<&'a AtomicBool>,
    /// Look for personal data in the clear columns of the outputs that ask for it
    /// ([`crate::Sink::scan`]): report it, or refuse to publish anything.
    pub pii_guard: PiiGuard,
    /// Findings accepted, by output column name and kind.
    pub pii_allow: Vec<(String, pii::Kind)>,
    /// How wide the input may be.
    pub limits: Limits,
}

/// What the PII guard does with personal data found in clear columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PiiGuard {
    /// Do not look.
    Off,
    /// Report it ([`crate::OutputSummary::findings`]).
    #[default]
    Warn,
    /// Publish nothing: the run fails with [`Error::Pii`].
    Fail,
}

impl PiiGuard {
    /// Parses `off`, `warn` or `fail` (any case).
    ///
    /// # Errors
    /// Any other value.
    pub fn parse(value: &str) -> Result<PiiGuard> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(PiiGuard::Off),
            "warn" => Ok(PiiGuard::Warn),
            "fail" => Ok(PiiGuard::Fail),
            _ => Err(Error::setting("PII guard", "expected off, warn or fail")),
        }
    }
}
