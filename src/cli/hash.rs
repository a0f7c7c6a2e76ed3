//! `veil hash`: the pseudonym of each value, with the salt and settings `sanitize` uses. Values
//! come from the command line, or one a line from stdin (which keeps them out of the shell's
//! history and the process table).

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use veil::{Error, Result};
use veil_core::PseudonymFormat;

use super::args::{FormatArg, SecretArgs};
use super::{cloud_for, salt};

#[derive(Args, Debug)]
pub struct HashArgs {
    /// Output format.
    #[arg(long, default_value = "JSON", value_enum, ignore_case = true)]
    format: FormatArg,
    #[command(flatten)]
    secrets: SecretArgs,
    /// Values to pseudonymize. None, or `-`: one value per line of standard input (LF or
    /// CRLF), so that values stay out of the shell's history and the process table.
    #[arg(value_name = "VALUE")]
    values: Vec<String>,
}

pub fn hash(args: HashArgs) -> Result<i32> {
    let cloud = cloud_for(&[], &args.secrets)?;
    let pseudonymizer = salt::pseudonymizer(&args.secrets, cloud.as_ref())?;
    let format = PseudonymFormat::from(args.format);
    // Buffered (a million values would otherwise be a million writes), except for values
    // typed at a terminal, each answered as it is entered.
    let interactive = std::io::stdin().is_terminal();
    let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    let mut cell = Vec::new();
    let mut put = |value: &str| -> Result<()> {
        cell.clear();
        pseudonymizer.pseudonymize_cell(value, format, &mut cell);
        cell.push(b'\n');
        out.write_all(&cell)
            .and_then(|()| if interactive { out.flush() } else { Ok(()) })
            .map_err(|e| Error::io("writing to stdout", e))
    };
    if args.values.is_empty() || args.values == ["-"] {
        // One value a line; a line's ending (LF or CRLF) is not part of the value.
        for (i, line) in std::io::stdin().lock().split(b'\n').enumerate() {
            let mut line = line.map_err(|e| Error::io("reading values from stdin", e))?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let value =
                String::from_utf8(line).map_err(|_| Error::Usage(format!("stdin line {}: not UTF-8", i + 1)))?;
            put(&value)?;
        }
    } else {
        for value in &args.values {
            put(value)?;
        }
    }
    out.flush().map_err(|e| Error::io("writing to stdout", e))?;
    Ok(0)
}
