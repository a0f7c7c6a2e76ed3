//! `veil man`: the manual page, as roff on stdout (`veil man | man -l -`), or with
//! `--out-dir` one page per command (`veil.1`, `veil-sanitize.1`, ...) for `MANPATH`
//! (README, Install).

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use veil::{Error, Result};

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `veil.1` and one page per command into DIR (created when missing) instead of
    /// printing `veil.1`.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub fn man(args: ManArgs) -> Result<i32> {
    let command = super::Cli::command();
    match args.out_dir {
        Some(dir) => {
            let shown = veil_core::escape(&dir.display().to_string()).to_string();
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating {shown}"), e))?;
            clap_mangen::generate_to(command, &dir).map_err(|e| Error::io(format!("writing pages into {shown}"), e))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Error::io("rendering the manual page", e))?;
            super::write_stdout(&page)?;
        }
    }
    Ok(0)
}
