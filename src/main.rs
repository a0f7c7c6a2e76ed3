//! The `veil` binary: parses arguments and dispatches to the library.
mod cli;

use clap::Parser;

fn main() {
    let code = cli::run(cli::Cli::parse());
    std::process::exit(code);
}
