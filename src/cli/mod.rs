//! The `veil` command line: one file per command (`sanitize.rs` with `folder.rs`, `check.rs`,
//! `hash.rs`, `generate.rs`), the options they share (`args.rs`, `salt.rs`), and here what
//! every command needs: parsing locations, loading rules, building the AWS clients only when
//! a location or the salt needs them, and reporting an error as an exit code.

mod args;
mod check;
mod completions;
mod ddl;
mod folder;
mod generate;
mod hash;
mod interrupt;
mod man;
mod salt;
mod sanitize;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use veil::{Cloud, Error, Location, Result};
use veil_core::{ColumnarRules, Problem, Rules};

use args::SecretArgs;

/// Sanitize HR (HRIS) CSV exports as they stream: pseudonymize, redact, rename and
/// duplicate columns with psoxy-compatible rules, and build lookup tables in the same pass.
///
/// Pseudonyms are byte-identical to Worklytics psoxy's for the same salt.
#[derive(Parser, Debug)]
#[command(name = "veil", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sanitize INPUT into OUT (and lookup tables) in one pass.
    ///
    /// Nothing is written until the rules, salt and header check out; a failed run leaves
    /// no output file. Example:
    ///
    ///   VEIL_SALT=... veil sanitize --rules rules-examples/hris-default.yaml \
    ///       -o sanitized.csv --lookup lookup.csv testdata/hris-sample.csv
    Sanitize(Box<sanitize::SanitizeArgs>),
    /// Show what each output column becomes, and every problem, without writing anything.
    Check(check::CheckArgs),
    /// Print the pseudonym of each VALUE (uses the same salt and settings as sanitize).
    Hash(hash::HashArgs),
    /// Write a seeded synthetic HRIS CSV (12 columns, no real people) for benchmarks.
    Generate(generate::GenerateArgs),
    /// Print the completion script of a shell: `source <(veil completions bash)`.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (`veil man | man -l -`), or write one page per command.
    Man(man::ManArgs),
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Sanitize(args) => sanitize::sanitize(*args),
        Command::Check(args) => check::check(args),
        Command::Hash(args) => hash::hash(args),
        Command::Generate(args) => generate::generate(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => man::man(args),
    };
    match result {
        Ok(code) => code,
        // stdout closed early (`| head`): not a failure.
        Err(err) if err.io_kind() == Some(std::io::ErrorKind::BrokenPipe) => 0,
        Err(err) => {
            eprintln!("veil: error: {err}");
            err.exit_code()
        }
    }
}

/// Parses a location given on the command line.
fn location(text: &str) -> Result<Location> {
    Location::parse(text)
}

/// AWS clients, built only when a location or the salt needs them.
fn cloud_for(locations: &[&Location], secrets: &SecretArgs) -> Result<Option<Cloud>> {
    if salt::needs_cloud(secrets) || locations.iter().any(|l| l.is_s3()) {
        return Ok(Some(Cloud::connect()?));
    }
    Ok(None)
}

/// Warns, on stderr, about names psoxy's YAML reader reads as something else.
fn warn_readings(file: &Path, rules: &ColumnarRules) {
    for note in rules.psoxy_readings() {
        eprintln!(
            "veil: warning: {}: {note}",
            veil_core::escape(&file.display().to_string())
        );
    }
}

/// The columnar rules of `file` for `input` ([`veil::rules_for`]), the error naming the file.
fn rules_for<'r>(rules: &'r Rules, file: &Path, input: &Location) -> Result<&'r ColumnarRules> {
    veil::rules_for(rules, input, None).map_err(|e| match e {
        Error::Usage(why) => Error::Usage(format!("{}: {why}", veil_core::escape(&file.display().to_string()))),
        other => other,
    })
}

/// Loads the main rules and each lookup's rules (built-in when none are given): every
/// problem of every file at once.
fn load_all(rules: &Path, lookup_rules: &[PathBuf], lookups: usize) -> Result<(Rules, Vec<Option<Rules>>)> {
    let main = veil::load_rules(rules);
    let extra: Vec<_> = lookup_rules.iter().map(|p| veil::load_rules(p)).collect();
    let mut errors: Vec<Error> = Vec::new();
    let main = match main {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let extra: Vec<Rules> = extra
        .into_iter()
        .filter_map(|r| r.map_err(|e| errors.push(e)).ok())
        .collect();
    if errors.len() == 1 {
        return Err(errors.remove(0));
    }
    if !errors.is_empty() {
        let problems = errors.iter().map(|e| Problem::new("", e.to_string())).collect();
        return Err(Error::Core(veil_core::Error::Rules {
            source_name: "rules files".into(),
            problems,
        }));
    }
    let main = main.expect("no error, so loaded");
    let per_lookup = match (extra.len(), lookups) {
        (0, n) => (0..n).map(|_| None).collect(),
        (k, n) if k == n => extra.into_iter().map(Some).collect(),
        (k, n) => {
            return Err(Error::Usage(format!(
                "{k} --lookup-rules for {n} --lookup outputs: give one per --lookup, or none"
            )));
        }
    };
    Ok((main, per_lookup))
}

/// Writes all of `bytes` to stdout; a closed stdout (`| head`) ends the command quietly.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("writing to stdout", e))
}

/// An output location for messages.
fn display(location: &str) -> &str {
    if location == "-" { "<stdout>" } else { location }
}

/// What the PII guard found in one output (`warn`), for stderr: columns, kinds, counts and
/// lines, never a value.
fn findings_text(input: &str, output: &str, findings: &[veil_core::Finding]) -> String {
    let mut text = format!(
        "veil: warning: personal data in columns {} -> {} keeps in clear (--pii-allow COLUMN:KIND accepts \
         one, --pii-guard fail refuses):",
        veil_core::escape(input),
        veil_core::escape(display(output))
    );
    for f in findings {
        text.push_str(&format!("\n  {f}"));
    }
    text
}
