//! `veil generate`: a seeded synthetic HRIS file (no real people) of any size, written as any
//! output is (whole or not at all; through, for a device or FIFO), and removed again when the
//! run is stopped.

use std::io::Write;

use clap::Args;
use veil::{Error, Location, Result};
use veil_core::GzipWriter;

use super::args::SecretArgs;
use super::{cloud_for, interrupt, location};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Data rows to write.
    #[arg(long, default_value_t = 1000)]
    rows: u64,
    /// Seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output path, or `-` for stdout.
    #[arg(short, long, default_value = "-")]
    output: String,
    /// Add NOTES, PERSONAL_PHONE and BANK_ACCOUNT columns holding made-up personal data (to
    /// try the PII guard): an e-mail every 5th row, an SSN every 7th, a card number every
    /// 13th, an IP address every 17th and a UK NI number every 19th in NOTES, a phone number
    /// every 3rd row, an IBAN every 11th.
    #[arg(long)]
    plant_pii: bool,
}

pub fn generate(args: GenerateArgs) -> Result<i32> {
    interrupt::install();
    let output: Location = location(&args.output)?;
    let cloud = cloud_for(&[&output], &SecretArgs::default())?;
    let stored = veil::Stored {
        gzip: output.is_gz(),
        ..Default::default()
    };
    let out = veil::create_output(&output, &stored, cloud.as_ref())?;
    let gzip = out.gzip();
    // Stops at the next write once a stop is asked for (Ctrl-C, SIGTERM): the output is then
    // dropped, which removes its temp file.
    let mut out = interrupt::Stoppable(out);
    let write = if args.plant_pii {
        veil_generate::write_hris_planted::<&mut dyn Write>
    } else {
        veil_generate::write_hris::<&mut dyn Write>
    };
    let written = if gzip {
        let mut gz = GzipWriter::new(&mut out, GzipWriter::<Vec<u8>>::DEFAULT_LEVEL);
        write(&mut gz, args.rows, args.seed).and_then(|()| gz.finish().map(drop))
    } else {
        write(&mut out, args.rows, args.seed)
    };
    if interrupt::stopped() {
        eprintln!("veil: interrupted: nothing was written");
        return Ok(130);
    }
    written.map_err(|e| Error::io(format!("writing {output}"), e))?;
    out.0.commit()?;
    Ok(0)
}
