//! The `veil` command line: argument definitions and the three commands.

mod folder;
mod interrupt;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use veil::{
    Batch, ColumnarRules, Error, Job, JobContext, Location, Plan, Progress, PseudonymFormat, Pseudonymizer, Reader,
    Rules,
};

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
    Sanitize(Box<SanitizeArgs>),
    /// Show what each output column becomes, and every problem, without writing anything.
    Check(CheckArgs),
    /// Print the pseudonym of each VALUE (uses the same salt and settings as sanitize).
    Hash(HashArgs),
    /// Write a seeded synthetic HRIS CSV (12 columns, no real people) for benchmarks.
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
struct GenerateArgs {
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

#[derive(Args, Debug)]
struct SanitizeArgs {
    /// Rules file (psoxy ColumnarRules or MultiTypeBulkDataRules YAML).
    #[arg(long, value_name = "RULES.yaml")]
    rules: PathBuf,
    /// Sanitized output: a path or s3://bucket/key (`.gz` for gzip), or `-` for stdout
    /// (the default). An existing folder, or a name ending in `/`, means the input's name in
    /// it. A device or FIFO is written through; a symlink is written at its target.
    #[arg(short, long, value_name = "OUT")]
    output: Option<String>,
    /// Also write a lookup table here (repeatable); keep it private.
    #[arg(long, value_name = "OUT")]
    lookup: Vec<String>,
    /// Rules for the lookup table(s), one per --lookup in order; default: built-in
    /// `<KEY>,<KEY>_ORIG` rules.
    #[arg(long, value_name = "RULES.yaml")]
    lookup_rules: Vec<PathBuf>,
    /// Key column of the built-in lookup rules.
    #[arg(long, value_name = "COL", default_value = "EMPLOYEE_ID")]
    lookup_key: String,
    /// Shuffle rows within blocks of 500, as psoxy does (optionally seeded).
    #[arg(long, value_name = "SEED", num_args = 0..=1)]
    shuffle: Option<Option<u64>>,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    quiet: bool,
    /// Threads sanitizing rows, 1 to 1024 (default: every core); 1 runs on a single core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    #[command(flatten)]
    columns: ColumnArgs,
    /// Compression level of gzip outputs (`*.gz`), 0 to 9. Default 1: pseudonyms are random,
    /// so higher levels cost much time for little size (README, Performance).
    #[arg(long, value_name = "N", value_parser = parse_gzip_level)]
    gzip_level: Option<u32>,
    #[command(flatten)]
    pii: PiiArgs,
    #[command(flatten)]
    folder: FolderArgs,
    #[command(flatten)]
    secrets: SecretArgs,
    /// Input CSV: a path or s3://bucket/key (gzip detected), or `-` for stdin. A folder, or
    /// a location ending in `/` (`exports/`, `s3://bucket/prefix/`), sanitizes every file
    /// under it into the same relative path under OUT and each lookup, which must then be
    /// folders or prefixes too.
    #[arg(value_name = "INPUT")]
    input: String,
}

/// How the file's columns are checked against the rules.
#[derive(Args, Debug)]
struct ColumnArgs {
    /// Refuse the file when a column the rules read (columnsToPseudonymize, or the source of
    /// a rename, duplicate or transform) is missing from it. Default: write that column
    /// empty, as psoxy does, and warn.
    #[arg(long)]
    strict_columns: bool,
    /// Accept, as psoxy does, a file that has none of the columns the rules pseudonymize or
    /// redact (no header, or the wrong delimiter), or whose header has a near miss of a
    /// missing rule column that would leave in clear (`MANAGER_EMIAL` against
    /// `MANAGER_EMAIL`). Default: refuse them (exit 2).
    #[arg(long)]
    allow_absent_columns: bool,
    /// Most columns a header may have; the header may hold 1 MiB of names per 100,000.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    max_columns: u32,
}

impl ColumnArgs {
    fn policy(&self) -> veil::ColumnPolicy {
        veil::ColumnPolicy {
            strict: self.strict_columns,
            allow_absent: self.allow_absent_columns,
        }
    }

    fn limits(&self) -> veil::Limits {
        veil::Limits::columns(self.max_columns as usize)
    }
}

/// `--pii-guard` (any case).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GuardArg {
    Off,
    Warn,
    Fail,
}

impl From<GuardArg> for veil::PiiGuard {
    fn from(arg: GuardArg) -> Self {
        match arg {
            GuardArg::Off => veil::PiiGuard::Off,
            GuardArg::Warn => veil::PiiGuard::Warn,
            GuardArg::Fail => veil::PiiGuard::Fail,
        }
    }
}

/// `--format` (any case), psoxy's `pseudonymFormat` names.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    #[value(name = "JSON")]
    Json,
    #[value(name = "URL_SAFE_TOKEN")]
    UrlSafeToken,
    #[value(name = "URL_SAFE_HASH_ONLY")]
    UrlSafeHashOnly,
}

impl From<FormatArg> for PseudonymFormat {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Json => PseudonymFormat::Json,
            FormatArg::UrlSafeToken => PseudonymFormat::UrlSafeToken,
            FormatArg::UrlSafeHashOnly => PseudonymFormat::UrlSafeHashOnly,
        }
    }
}

/// `--hash` (any case).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum HashArg {
    /// SHA-256(value ‖ salt), identical to psoxy.
    Psoxy,
    /// HMAC-SHA256 keyed with the salt.
    #[value(name = "hmac-sha256")]
    HmacSha256,
}

impl From<HashArg> for veil::HashAlgorithm {
    fn from(arg: HashArg) -> Self {
        match arg {
            HashArg::Psoxy => veil::HashAlgorithm::Psoxy,
            HashArg::HmacSha256 => veil::HashAlgorithm::HmacSha256,
        }
    }
}

/// The PII guard: personal data in the columns the sanitized copy keeps in clear.
#[derive(Args, Debug)]
struct PiiArgs {
    /// Look for e-mails, phone numbers, US SSNs, UK NI numbers, IBANs, card numbers and IP
    /// addresses in the columns the sanitized output keeps in clear: `warn` lists them after
    /// the summary, `fail` writes nothing and exits 3, `off` does not look.
    #[arg(
        long,
        value_name = "MODE",
        env = "VEIL_PII_GUARD",
        default_value = "warn",
        value_enum,
        ignore_case = true,
        hide_env_values = true
    )]
    pii_guard: GuardArg,
    /// Accept a finding, e.g. `WORK_PHONE:phone` (repeatable; kinds: email, phone, us-ssn,
    /// uk-nino, iban, card, ip).
    #[arg(long, value_name = "COLUMN:KIND", value_parser = parse_pii_allow)]
    pii_allow: Vec<(String, veil::PiiKind)>,
}

fn parse_pii_allow(text: &str) -> Result<(String, veil::PiiKind), String> {
    veil::parse_pii_allow(text).map_err(|e| e.to_string())
}

impl PiiArgs {
    fn guard(&self) -> veil::PiiGuard {
        self.pii_guard.into()
    }
}

/// What the PII guard found in one output (`warn`), for stderr: columns, kinds, counts and
/// lines, never a value.
pub(crate) fn findings_text(input: &str, output: &str, findings: &[veil::Finding]) -> String {
    let mut text = format!(
        "veil: warning: personal data in columns {} -> {} keeps in clear (--pii-allow COLUMN:KIND accepts \
         one, --pii-guard fail refuses):",
        veil::escape(input),
        veil::escape(display(output))
    );
    for f in findings {
        text.push_str(&format!("\n  {f}"));
    }
    text
}

/// Options of folder and prefix runs.
#[derive(Args, Debug)]
struct FolderArgs {
    /// Files to take, matched against their path under INPUT (repeatable; a glob without `/`
    /// matches the file name; `**` crosses folders). Default: `*.csv` and `*.csv.gz`.
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Files to leave out (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Files sanitized at once (default: the cores, twice that when S3 is involved).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Sanitize every file, even those whose outputs are up to date.
    #[arg(long)]
    force: bool,
    /// Print what would be sanitized and why, writing nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stop starting files after the first failure.
    #[arg(long)]
    fail_fast: bool,
    /// Write one JSON line per file here (input, outputs, status, reason, rows, seconds, error).
    #[arg(long, value_name = "FILE")]
    report: Option<String>,
    /// Re-hash every local output and compare it with the digest recorded when it was
    /// written (without it, size and modification time are compared).
    #[arg(long)]
    verify: bool,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Rules file.
    #[arg(long, value_name = "RULES.yaml")]
    rules: PathBuf,
    /// Lookup rules to check as well (repeatable).
    #[arg(long, value_name = "RULES.yaml")]
    lookup_rules: Vec<PathBuf>,
    /// Check the built-in lookup rules with this key column too.
    #[arg(long, value_name = "COL")]
    lookup_key: Option<String>,
    #[command(flatten)]
    columns: ColumnArgs,
    /// Read the whole file and list, for each column the sanitized output keeps in clear,
    /// the personal data found (kind, cells, first lines; never a value). Exit 3 if any.
    #[arg(long)]
    scan: bool,
    /// With --scan: accept a finding, e.g. `WORK_PHONE:phone` (repeatable).
    #[arg(long, value_name = "COLUMN:KIND", value_parser = parse_pii_allow, requires = "scan")]
    pii_allow: Vec<(String, veil::PiiKind)>,
    /// Input CSV (only its header is read, unless --scan).
    #[arg(value_name = "INPUT")]
    input: String,
}

#[derive(Args, Debug)]
struct HashArgs {
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

#[derive(Args, Debug)]
struct SecretArgs {
    /// Read the salt from this file (one trailing newline is ignored); else env VEIL_SALT,
    /// else env PSOXY_SALT.
    #[arg(long, value_name = "PATH")]
    salt_file: Option<PathBuf>,
    /// Read the salt from this SSM parameter (SecureString), e.g. psoxy's `/PSOXY_SALT`.
    #[cfg(feature = "aws")]
    #[arg(long, value_name = "NAME", conflicts_with = "salt_file")]
    salt_ssm: Option<String>,
    /// Hash: `psoxy` = SHA-256(value ‖ salt), identical to psoxy; `hmac-sha256` = HMAC
    /// keyed with the salt. [env: VEIL_HASH]
    #[arg(long, value_name = "ALGORITHM", value_enum, ignore_case = true)]
    hash: Option<HashArg>,
}

impl SecretArgs {
    fn none() -> SecretArgs {
        SecretArgs {
            salt_file: None,
            #[cfg(feature = "aws")]
            salt_ssm: None,
            hash: None,
        }
    }
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Sanitize(args) => sanitize(*args),
        Command::Check(args) => check(args),
        Command::Hash(args) => hash(args),
        Command::Generate(args) => generate(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

fn report(err: &anyhow::Error) -> i32 {
    let kind = err.chain().find_map(|e| {
        e.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| e.downcast_ref::<Error>().and_then(Error::io_kind))
    });
    if kind == Some(std::io::ErrorKind::BrokenPipe) {
        return 0;
    }
    eprintln!("veil: error: {err:#}");
    err.chain()
        .find_map(|e| e.downcast_ref::<Error>())
        .map_or(if err.is::<Usage>() { 2 } else { 1 }, Error::exit_code)
}

/// A usage error (exit 2) found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(message.into()).into()
}

/// Parses a location given on the command line (a usage error when it is not one).
fn location(text: &str) -> anyhow::Result<Location> {
    Ok(Location::parse(text)?)
}

/// AWS clients, built only when a location or the salt needs them.
fn cloud_for(locations: &[&Location], secrets: &SecretArgs) -> anyhow::Result<Option<veil::Cloud>> {
    #[cfg(feature = "aws")]
    let ssm = secrets.salt_ssm.is_some();
    #[cfg(not(feature = "aws"))]
    let ssm = {
        let _ = secrets;
        false
    };
    if ssm || locations.iter().any(|l| l.is_s3()) {
        return Ok(Some(veil::Cloud::connect()?));
    }
    Ok(None)
}

fn pseudonymizer(args: &SecretArgs, cloud: Option<&veil::Cloud>) -> anyhow::Result<Pseudonymizer> {
    #[cfg(feature = "aws")]
    let from_ssm = match (&args.salt_ssm, cloud) {
        (Some(name), Some(cloud)) => Some(
            veil::ssm_parameter(cloud.aws(), name)?
                .ok_or_else(|| usage(format!("SSM parameter {name} does not exist")))?
                .into_bytes(),
        ),
        _ => None,
    };
    #[cfg(not(feature = "aws"))]
    let from_ssm: Option<Vec<u8>> = {
        let _ = cloud;
        None
    };
    let salt = match (from_ssm, &args.salt_file) {
        (Some(salt), _) => salt,
        (None, Some(path)) => {
            // A salt is short; a file without end (a device) must not be read for ever.
            const MAX_SALT: u64 = 64 << 10;
            let context = || format!("reading salt file {}", veil::escape(&path.display().to_string()));
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_SALT + 1), &mut bytes))
                .map_err(|cause| Error::ConfigFile {
                    context: context(),
                    cause,
                })?;
            if bytes.len() as u64 > MAX_SALT {
                return Err(Error::ConfigFile {
                    context: context(),
                    cause: std::io::Error::new(std::io::ErrorKind::InvalidInput, "larger than 64 KiB"),
                }
                .into());
            }
            veil::salt_from_file(bytes)
        }
        (None, None) => veil::salt_from_env().ok_or_else(|| {
            usage(
                "no salt: pass --salt-file PATH, or set VEIL_SALT (or psoxy's PSOXY_SALT). \
                 Use the same salt as your psoxy deployment to get the same pseudonyms.",
            )
        })?,
    };
    let (pseudonymizer, warnings) = veil::pseudonymizer_from_env(salt, args.hash.map(Into::into))?;
    for warning in warnings {
        eprintln!("veil: warning: {warning}");
    }
    Ok(pseudonymizer)
}

/// Warns, on stderr, about names psoxy's YAML reader reads as something else.
fn warn_readings(file: &Path, rules: &ColumnarRules) {
    for note in rules.psoxy_readings() {
        eprintln!("veil: warning: {}: {note}", veil::escape(&file.display().to_string()));
    }
}

/// Picks the columnar rules for `input` (MultiType rules match on its path).
fn rules_for<'r>(rules: &'r Rules, file: &Path, input: &Location) -> anyhow::Result<&'r ColumnarRules> {
    if *input == Location::Stdio && matches!(rules, Rules::MultiType(_)) {
        return Err(usage(format!(
            "{}: fileRules match on the input's path; stdin has none",
            file.display()
        )));
    }
    let key = match input {
        Location::S3(at) => at.key.clone(),
        other => other.to_string(),
    };
    rules.for_local_path(&key).ok_or_else(|| {
        usage(format!(
            "{}: no fileRules template matches `{input}` (templates: {})",
            file.display(),
            rules.templates().join(", ")
        ))
    })
}

/// Loads the main rules and each lookup's rules (built-in when none are given).
fn load_all(rules: &Path, lookup_rules: &[PathBuf], lookups: usize) -> anyhow::Result<(Rules, Vec<Option<Rules>>)> {
    let main = Rules::from_path(rules);
    let extra: Vec<_> = lookup_rules.iter().map(|p| Rules::from_path(p)).collect();
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
        return Err(errors.remove(0).into());
    }
    if !errors.is_empty() {
        let problems = errors.iter().map(|e| veil::Problem::new("", e.to_string())).collect();
        return Err(Error::Rules {
            source_name: "rules files".into(),
            problems,
        }
        .into());
    }
    let main = main.expect("no error, so loaded");
    let per_lookup = match (extra.len(), lookups) {
        (0, n) => (0..n).map(|_| None).collect(),
        (k, n) if k == n => extra.into_iter().map(Some).collect(),
        (k, n) => {
            return Err(usage(format!(
                "{k} --lookup-rules for {n} --lookup outputs: give one per --lookup, or none"
            )));
        }
    };
    Ok((main, per_lookup))
}

fn sanitize(args: SanitizeArgs) -> anyhow::Result<i32> {
    if args.lookup.is_empty() && !args.lookup_rules.is_empty() {
        return Err(usage("--lookup-rules needs --lookup OUT"));
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
        return Err(usage(format!(
            "{flag} is for folder and prefix runs: give a folder, or a location ending in `/`"
        )));
    }
    let output = location(args.output.as_deref().unwrap_or("-"))?;
    let lookups = args
        .lookup
        .iter()
        .map(|l| location(l))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, args.lookup.len())?;
    let mut all = vec![&input, &output];
    all.extend(&lookups);
    let cloud = cloud_for(&all, &args.secrets)?;
    let cloud = cloud.as_ref();
    let pseudonymizer = pseudonymizer(&args.secrets, cloud)?;
    let main = rules_for(&main_rules, &args.rules, &input)?;
    warn_readings(&args.rules, main);
    let builtin = ColumnarRules::lookup(&args.lookup_key);
    let mut sanitized = veil::Destination::new(output, main);
    sanitized.scan = true;
    let mut job = Job::new(input.clone()).destination(sanitized);
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
        options: veil::RunOptions {
            shuffle_seed: shuffle_seed(args.shuffle),
            threads: args.threads.map_or_else(veil::available_threads, usize::from),
            columns: args.columns.policy(),
            limits: args.columns.limits(),
            gzip_level: args.gzip_level,
            cancel: Some(interrupt::flag()),
            pii_guard: args.pii.guard(),
            pii_allow: args.pii.pii_allow.clone(),
            ..Default::default()
        },
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
                veil::escape(&summary.input),
                veil::escape(display(&o.location)),
                veil::escape(warning)
            );
        }
    }
    if !args.quiet {
        let outputs: Vec<String> = summary
            .outputs
            .iter()
            .map(|o| {
                let location = veil::escape(display(&o.location));
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

fn parse_gzip_level(text: &str) -> Result<u32, String> {
    veil::parse_gzip_level(text)
}

/// `--shuffle [SEED]`: none, a random seed, or the one given.
fn shuffle_seed(arg: Option<Option<u64>>) -> Option<u64> {
    arg.map(|seed| {
        seed.unwrap_or_else(|| std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), Instant::now()))
    })
}

/// An output location for messages.
fn display(location: &str) -> &str {
    if location == "-" { "<stdout>" } else { location }
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

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let lookups = args.lookup_rules.len();
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, lookups)?;
    let input_at = location(&args.input)?;
    let mut sets: Vec<(String, &ColumnarRules)> = Vec::new();
    sets.push((
        format!("sanitized output ({})", args.rules.display()),
        rules_for(&main_rules, &args.rules, &input_at)?,
    ));
    for (path, rules) in args.lookup_rules.iter().zip(&lookup_rules) {
        let rules = rules.as_ref().expect("one per path");
        sets.push((
            format!("lookup ({})", path.display()),
            rules_for(rules, path, &input_at)?,
        ));
    }
    let builtin = args.lookup_key.as_deref().map(ColumnarRules::lookup);
    if let Some(b) = &builtin {
        sets.push((
            format!(
                "lookup (built-in, key {})",
                args.lookup_key.as_deref().unwrap_or_default()
            ),
            b,
        ));
    }
    let delimiter = veil::common_delimiter(sets.iter().map(|(_, r)| *r))?;
    let cloud = cloud_for(&[&input_at], &SecretArgs::none())?;
    let input = veil::open_input(&input_at, cloud.as_ref())?;
    let mut reader = Reader::new(input.reader, &input.name, &delimiter).with_limits(args.columns.limits());
    let (header, line) = veil::read_header(&mut reader, &mut Batch::default())?.unwrap_or((Vec::new(), 1));
    let mut out = std::io::stdout().lock();
    if header.is_empty() {
        writeln!(
            out,
            "input: {} (empty: no header; only the columns the rules create)",
            input.name
        )?;
    } else {
        writeln!(
            out,
            "input: {} ({} columns, header on line {line})",
            input.name,
            header.len()
        )?;
    }
    let (mut failed, mut warned) = (0, 0);
    for (title, rules) in &sets {
        writeln!(out, "\n{title}:")?;
        let mut warnings = rules.psoxy_readings();
        match Plan::bind(rules, &header, &input.name, line, args.columns.policy()) {
            Ok(plan) => {
                write!(out, "{}", plan.describe())?;
                warnings.splice(0..0, plan.warnings());
            }
            Err(e) => {
                failed += 1;
                writeln!(out, "PROBLEMS:\n{e}")?;
            }
        }
        for warning in &warnings {
            writeln!(out, "warning: {warning}")?;
        }
        warned += warnings.len();
    }
    if failed > 0 {
        writeln!(
            out,
            "\n{failed} of {} rule set(s) have problems; `veil sanitize` would refuse to run.",
            sets.len()
        )?;
        return Ok(2);
    }
    if warned == 0 {
        writeln!(out, "\nno problems.")?;
    } else {
        writeln!(
            out,
            "\n{warned} warning{} (above); no problems: `veil sanitize` would run, and warn.",
            if warned == 1 { "" } else { "s" }
        )?;
    }
    if args.scan {
        drop(out);
        return scan(&args, input_at, sets[0].1, cloud.as_ref());
    }
    Ok(0)
}

/// `check --scan`: the whole file through the sanitized output's rules, into nowhere, for
/// what the PII guard finds in its clear columns. Exit 3 when something is found.
fn scan(args: &CheckArgs, input: Location, rules: &ColumnarRules, cloud: Option<&veil::Cloud>) -> anyhow::Result<i32> {
    // Clear columns do not depend on the salt: any will do.
    let secrets = veil::Secrets {
        salt: b"veil check --scan".to_vec(),
        ..veil::Secrets::default()
    };
    let pseudonymizer = veil::Pseudonymizer::new(&secrets, veil::PseudonymOptions::default())?;
    let mut destination = veil::Destination::new(veil::Target::Discard, rules);
    destination.scan = true;
    let job = Job::new(input).destination(destination);
    let context = JobContext {
        pseudonymizer: &pseudonymizer,
        cloud,
        options: veil::RunOptions {
            threads: veil::available_threads(),
            cancel: Some(interrupt::flag()),
            pii_guard: veil::PiiGuard::Warn,
            pii_allow: args.pii_allow.clone(),
            ..Default::default()
        },
        progress: None,
    };
    let summary = job.run(&context)?;
    let findings = &summary.outputs[0].findings;
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nscan: {} rows read", summary.rows)?;
    if findings.is_empty() {
        writeln!(
            out,
            "no personal data found in the columns the sanitized output keeps in clear."
        )?;
        return Ok(0);
    }
    writeln!(out, "personal data in the columns the sanitized output keeps in clear:")?;
    for f in findings {
        writeln!(out, "  {f}")?;
    }
    Ok(3)
}

fn hash(args: HashArgs) -> anyhow::Result<i32> {
    let cloud = cloud_for(&[], &args.secrets)?;
    let pseudonymizer = pseudonymizer(&args.secrets, cloud.as_ref())?;
    let format = PseudonymFormat::from(args.format);
    let mut out = std::io::stdout().lock();
    let mut cell = Vec::new();
    let mut put = |value: &str| -> anyhow::Result<()> {
        cell.clear();
        pseudonymizer.pseudonymize_cell(value, format, &mut cell);
        cell.push(b'\n');
        out.write_all(&cell)?;
        Ok(())
    };
    if args.values.is_empty() || args.values == ["-"] {
        // One value a line; a line's ending (LF or CRLF) is not part of the value.
        for (i, line) in std::io::BufRead::split(std::io::stdin().lock(), b'\n').enumerate() {
            let mut line = line.context("reading values from stdin")?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let value = String::from_utf8(line).map_err(|_| usage(format!("stdin line {}: not UTF-8", i + 1)))?;
            put(&value)?;
        }
        return Ok(0);
    }
    for value in &args.values {
        put(value)?;
    }
    Ok(0)
}

fn generate(args: GenerateArgs) -> anyhow::Result<i32> {
    interrupt::install();
    let output = location(&args.output)?;
    let cloud = cloud_for(&[&output], &SecretArgs::none())?;
    let stored = veil::Stored {
        gzip: output.is_gz(),
        ..Default::default()
    };
    let out = veil::create_output(&output, &stored, cloud.as_ref())?;
    let gzip = out.gzip();
    // Stops at the next write once a stop is asked for (Ctrl-C, SIGTERM): the output is then
    // dropped, which removes its temp file.
    let mut out = interrupt::Stoppable(out);
    let context = || format!("writing {output}");
    let write = if args.plant_pii {
        veil::write_hris_planted::<&mut dyn Write>
    } else {
        veil::write_hris::<&mut dyn Write>
    };
    let written = if gzip {
        let mut gz = veil::GzipWriter::new(&mut out, veil::DEFAULT_GZIP_LEVEL);
        write(&mut gz, args.rows, args.seed).and_then(|()| gz.finish().map(drop))
    } else {
        write(&mut out, args.rows, args.seed)
    };
    if interrupt::flag().load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("veil: interrupted: nothing was written");
        return Ok(130);
    }
    written.with_context(context)?;
    out.0.commit()?;
    Ok(0)
}
