//! `veil completions SHELL`: the shell completion script, on stdout, for the shell to load
//! (README, Install).

use clap::{Args, CommandFactory};
use clap_complete::Shell;
use veil::Result;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, ignore_case = true)]
    shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<i32> {
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "veil", &mut script);
    super::write_stdout(&script)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_every_command() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut super::super::Cli::command(), "veil", &mut script);
            let script = String::from_utf8(script).unwrap();
            for command in ["sanitize", "check", "hash", "generate", "completions", "man"] {
                assert!(script.contains(command), "{shell}: {command}");
            }
        }
    }
}
