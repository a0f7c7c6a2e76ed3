//! `veil sanitize`: one input into its outputs in one pass (a folder or prefix: see
//! `folder.rs`), with a progress bar on a terminal, a summary, warnings and findings.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use veil::{Destination, Error, Job, JobContext, Progress, Result};
use veil_core::{ColumnarRules, RunOptions};

use super::args::{ColumnArgs, PiiArgs, SecretArgs};
use super::{cloud_for, display, findings_text, folder, interrupt, load_all, location, rules_for, salt, warn_readings};

#[derive(Args, Debug)]
pub struct SanitizeArgs {
    /// Rules file (psoxy ColumnarRules or MultiTypeBulkDataRules YAML).
    #[arg(long, value_name = "RULES.yaml")]
    pub rules: PathBuf,
    /// Sanitized output: a path or s3://bucket/key (`.gz` for gzip), or `-` for stdout
    /// (the default). An existing folder, or a name ending in `/`, means the input's name in
    /// it. A device or FIFO is written through; a symlink is written at its target.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<String>,
    /// Also write a lookup table here (repeatable); keep it private.
    #[arg(long, value_name = "OUT")]
    pub lookup: Vec<String>,
    /// Rules for the lookup table(s), one per --lookup in order; default: built-in
    /// `<KEY>,<KEY>_ORIG` rules.
    #[arg(long, value_name = "RULES.yaml")]
    pub lookup_rules: Vec<PathBuf>,
    /// Key column of the built-in lookup rules.
    #[arg(long, value_name = "COL", default_value = "EMPLOYEE_ID")]
    pub lookup_key: String,
    /// Shuffle rows within blocks of 500, as psoxy does (optionally seeded).
    #[arg(long, value_name = "SEED", num_args = 0..=1)]
    pub shuffle: Option<Option<u64>>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Threads sanitizing rows, 1 to 1024 (default: every core); 1 runs on a single core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Compression level of gzip outputs (`*.gz`), 0 to 9. Default 1: pseudonyms are random,
    /// so higher levels cost much time for little size (README, Performance).
    #[arg(long, value_name = "N", value_parser = veil::config::parse_gzip_level)]
    pub gzip_level: Option<u32>,
    #[command(flatten)]
    pub pii: PiiArgs,
    #[command(flatten)]
    pub folder: FolderArgs,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// Input CSV: a path or s3://bucket/key (gzip detected), or `-` for stdin. A folder, or
    /// a location ending in `/` (`exports/`, `s3://bucket/prefix/`), sanitizes every file
    /// under it into the same relative path under OUT and each lookup, which must then be
    /// folders or prefixes too.
    #[arg(value_name = "INPUT")]
    pub input: String,
}

/// Options of folder and prefix runs.
#[derive(Args, Debug)]
pub struct FolderArgs {
    /// Files to take, matched against their path under INPUT (repeatable; a glob without `/`
    /// matches the file name; `**` crosses folders). Default: `*.csv` and `*.csv.gz`.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Files to leave out (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Files sanitized at once (default: the cores, twice that when S3 is involved).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Sanitize every file, even those whose outputs are up to date.
    #[arg(long)]
    pub force: bool,
    /// Print what would be sanitized and why, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Stop starting files after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Write one JSON line per file here (input, outputs, status, reason, rows, seconds, error).
    #[arg(long, value_name = "FILE")]
    pub report: Option<String>,
    /// Re-hash every local output and compare it with the digest recorded when it was
    /// written (without it, size and modification time are compared).
    #[arg(long)]
    pub verify: bool,
}

impl SanitizeArgs {
    /// The run options these arguments ask for (`threads`: the default when not given).
    pub fn options(&self, threads: usize) -> RunOptions<'static> {
        RunOptions {
            shuffle_seed: self.shuffle.map(|seed| {
                seed.unwrap_or_else(|| std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), Instant::now()))
            }),
            threads: self.threads.map_or(threads, usize::from),
            columns: self.columns.policy(),
            limits: self.columns.limits(),
            gzip_level: self.gzip_level,
            cancel: Some(interrupt::flag()),
            pii_guard: self.pii.pii_guard.into(),
            pii_allow: self.pii.pii_allow.clone(),
            ..Default::default()
        }
    }
}

pub fn sanitize(args: SanitizeArgs) -> Result<i32> {
    if args.lookup.is_empty() && !args.lookup_rules.is_empty() {
        return Err(Error::Usage("--lookup-rules needs --lookup OUT".into()));
    }
    interrupt::install();
    let input = location(&args.input)?;
    if input.is_folder() {
        return folder::sanitize(args, input);
    }
    let folder_only = [
        (!args.folder.include.is_empty(), "--include"),
        (!args.folder.exclude.is_empty(), "--exclude"),
        (args.folder.jobs.is_some(), "--jobs"),
        (args.folder.force, "--force"),
        (args.folder.verify, "--verify"),
        (args.folder.dry_run, "--dry-run"),
        (args.folder.fail_fast, "--fail-fast"),
        (args.folder.report.is_some(), "--report"),
    ];
    if let Some((_, flag)) = folder_only.iter().find(|(set, _)| *set) {
        return Err(Error::Usage(format!(
            "{flag} is for folder and prefix runs: give a folder, or a location ending in `/`"
        )));
    }
    let output = location(args.output.as_deref().unwrap_or("-"))?;
    let lookups = args.lookup.iter().map(|l| location(l)).collect::<Result<Vec<_>>>()?;
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, args.lookup.len())?;
    let mut all = vec![&input, &output];
    all.extend(&lookups);
    let cloud = cloud_for(&all, &args.secrets)?;
    let cloud = cloud.as_ref();
    let pseudonymizer = salt::pseudonymizer(&args.secrets, cloud)?;
    let main = rules_for(&main_rules, &args.rules, &input)?;
    warn_readings(&args.rules, main);
    let builtin = ColumnarRules::lookup(&args.lookup_key);
    let mut job = Job::new(input.clone()).destination(Destination::new(output, main).shared());
    for (i, (at, rules)) in lookups.into_iter().zip(&lookup_rules).enumerate() {
        let rules = match rules {
            Some(r) => {
                let rules = rules_for(r, &args.lookup_rules[i], &input)?;
                warn_readings(&args.lookup_rules[i], rules);
                rules
            }
            None => &builtin,
        };
        job = job.output(at, rules);
    }
    let started = Instant::now();
    let bar = std::sync::OnceLock::new();
    let progress = |p: Progress| {
        let bar = bar.get_or_init(|| progress_bar(args.quiet, p.size));
        if let Some(bar) = bar {
            bar.set_position(p.read);
        }
    };
    let context = JobContext {
        pseudonymizer: &pseudonymizer,
        cloud,
        options: args.options(veil::available_threads()),
        progress: Some(&progress),
    };
    let summary = job.run(&context);
    if let Some(Some(bar)) = bar.get() {
        bar.finish_and_clear();
    }
    let summary = summary?;
    for o in &summary.outputs {
        for warning in &o.warnings {
            eprintln!(
                "veil: warning: {} -> {}: {}",
                veil_core::escape(&summary.input),
                veil_core::escape(display(&o.location)),
                veil_core::escape(warning)
            );
        }
    }
    if !args.quiet {
        let outputs: Vec<String> = summary
            .outputs
            .iter()
            .map(|o| {
                let location = veil_core::escape(display(&o.location));
                format!("{location} ({} columns, {} pseudonymized)", o.columns, o.pseudonymized)
            })
            .collect();
        eprintln!(
            "veil: {} rows, {:.1} MB read, in {:.2} s -> {}",
            summary.rows,
            summary.input_bytes as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            outputs.join(", ")
        );
    }
    for o in summary.outputs.iter().filter(|o| !o.findings.is_empty()) {
        eprintln!("{}", findings_text(&summary.input, &o.location, &o.findings));
    }
    Ok(0)
}

/// A progress bar on stderr for large inputs, only when stderr is a terminal.
fn progress_bar(quiet: bool, size: Option<u64>) -> Option<indicatif::ProgressBar> {
    const LARGE: u64 = 64 << 20;
    if quiet || !std::io::stderr().is_terminal() || size.is_some_and(|s| s < LARGE) {
        return None;
    }
    let bar = match size {
        Some(total) => indicatif::ProgressBar::new(total).with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .expect("valid template"),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}").expect("valid template"),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}
