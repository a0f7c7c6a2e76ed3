//! Rules read from a file: a regular file of a reasonable size, read whole, then parsed by the
//! core. `/dev/zero` or a pipe given as `--rules` is refused, never read for ever.

use std::io::Read;
use std::path::Path;

use veil_core::Rules;

use crate::error::{Error, Result};

/// The largest rules file read.
pub const MAX_RULES_BYTES: u64 = 16 << 20;

/// Loads rules from a YAML file: a regular file of at most 16 MiB.
///
/// # Errors
/// The file cannot be read, is not a regular file (`/dev/zero`, a pipe), is too large or
/// not UTF-8 ([`Error::ConfigFile`]), or the rules have problems (all listed).
pub fn load_rules(path: &Path) -> Result<Rules> {
    let shown = veil_core::escape(&path.display().to_string()).into_owned();
    let fail = |cause: std::io::Error| Error::ConfigFile {
        context: format!("reading rules {shown}"),
        cause,
    };
    let invalid = |why: &str| fail(std::io::Error::new(std::io::ErrorKind::InvalidInput, why.to_owned()));
    // Looked at before it is opened: opening a FIFO waits for a writer.
    let meta = std::fs::metadata(path).map_err(fail)?;
    if !meta.is_file() {
        return Err(invalid("not a regular file"));
    }
    if meta.len() > MAX_RULES_BYTES {
        return Err(invalid("larger than 16 MiB (a rules file is a few kilobytes)"));
    }
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(MAX_RULES_BYTES + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > MAX_RULES_BYTES {
        return Err(invalid("larger than 16 MiB (a rules file is a few kilobytes)"));
    }
    let text = String::from_utf8(bytes).map_err(|_| invalid("not UTF-8"))?;
    Ok(Rules::from_yaml(&text, &shown)?)
}
