//! `veil check`: what each output column becomes, and every problem, for the job `sanitize`
//! would run, without writing anything; `--scan` reads the whole file for personal data in the
//! columns the sanitized copy keeps in clear; `--ddl` prints instead the `CREATE TABLE` the
//! sanitized copy loads into (`ddl.rs`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use veil::{Cloud, Destination, Error, Job, JobContext, Location, Result, Target};
use veil_core::{ColumnarRules, PiiGuard, PiiKind, PseudonymOptions, Pseudonymizer, RunOptions, Secrets};

use super::args::{ColumnArgs, SecretArgs, SqlEngine, parse_pii_allow};
use super::ddl::{self, TableName};
use super::{cloud_for, interrupt, load_all, location, rules_for};

#[derive(Args, Debug)]
pub struct CheckArgs {
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
    pii_allow: Vec<(String, PiiKind)>,
    /// Print only the `CREATE TABLE` of the sanitized copy (every column text, names quoted)
    /// for this engine, to pipe into psql or duckdb; warnings and problems go to stderr.
    #[arg(
        long,
        value_name = "ENGINE",
        value_enum,
        ignore_case = true,
        conflicts_with_all = ["scan", "lookup_rules", "lookup_key"]
    )]
    ddl: Option<SqlEngine>,
    /// With --ddl: the table's name, `NAME` or `SCHEMA.NAME`, used exactly as written
    /// (quoted) [default: sanitized].
    #[arg(long, value_name = "NAME", value_parser = ddl::parse_table, requires = "ddl")]
    table: Option<TableName>,
    /// Input CSV (only its header is read, unless --scan).
    #[arg(value_name = "INPUT")]
    input: String,
}

fn write_out(out: &mut impl Write, text: &str) -> Result<()> {
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("writing to stdout", e))
}

pub fn check(args: CheckArgs) -> Result<i32> {
    let (main_rules, lookup_rules) = load_all(&args.rules, &args.lookup_rules, args.lookup_rules.len())?;
    let input = location(&args.input)?;
    let builtin = args.lookup_key.as_deref().map(ColumnarRules::lookup);
    // The job `sanitize` would run, its outputs nowhere.
    let mut titles = vec![format!("sanitized output ({})", args.rules.display())];
    let mut job = Job::new(input.clone())
        .destination(Destination::new(Target::Discard, rules_for(&main_rules, &args.rules, &input)?).shared());
    for (path, rules) in args.lookup_rules.iter().zip(lookup_rules.iter().flatten()) {
        titles.push(format!("lookup ({})", path.display()));
        job = job.output(Target::Discard, rules_for(rules, path, &input)?);
    }
    if let Some(b) = &builtin {
        titles.push(format!(
            "lookup (built-in, key {})",
            veil_core::escape(b.lookup_key.as_deref().unwrap_or_default())
        ));
        job = job.output(Target::Discard, b);
    }
    let cloud = cloud_for(&[&input], &SecretArgs::default())?;
    let checked = job.check(cloud.as_ref(), args.columns.policy(), args.columns.limits())?;
    if let Some(engine) = args.ddl {
        let table = match args.table {
            Some(table) => table,
            None => ddl::parse_table(ddl::DEFAULT_TABLE).map_err(Error::Usage)?,
        };
        let rules = job.destinations()[0].rules;
        return print_ddl(engine, &table, &titles[0], rules, &checked.plans[0]);
    }
    let mut out = std::io::stdout().lock();
    let name = veil_core::escape(&checked.input);
    if checked.header.is_empty() {
        write_out(
            &mut out,
            &format!("input: {name} (empty: no header; only the columns the rules create)\n"),
        )?;
    } else {
        let (columns, line) = (checked.header.len(), checked.line);
        write_out(
            &mut out,
            &format!("input: {name} ({columns} columns, header on line {line})\n"),
        )?;
    }
    let mut warned = 0;
    for ((title, plan), destination) in titles.iter().zip(&checked.plans).zip(job.destinations()) {
        write_out(&mut out, &format!("\n{title}:\n"))?;
        let mut warnings = destination.rules.psoxy_readings();
        match plan {
            Ok(plan) => {
                write_out(&mut out, &plan.describe())?;
                warnings.splice(0..0, plan.warnings());
            }
            Err(e) => write_out(&mut out, &format!("PROBLEMS:\n{e}\n"))?,
        }
        for warning in &warnings {
            write_out(&mut out, &format!("warning: {warning}\n"))?;
        }
        warned += warnings.len();
    }
    let refused = checked.refused();
    if refused > 0 {
        let sets = checked.plans.len();
        write_out(
            &mut out,
            &format!("\n{refused} of {sets} rule set(s) have problems; `veil sanitize` would refuse to run.\n"),
        )?;
        return Ok(2);
    }
    if warned == 0 {
        write_out(&mut out, "\nno problems.\n")?;
    } else {
        let s = if warned == 1 { "" } else { "s" };
        write_out(
            &mut out,
            &format!("\n{warned} warning{s} (above); no problems: `veil sanitize` would run, and warn.\n"),
        )?;
    }
    if args.scan {
        drop(out);
        return scan(&args, input, job.destinations()[0].rules, cloud.as_ref());
    }
    Ok(0)
}

/// `check --ddl`: the `CREATE TABLE` alone on stdout, the rest on stderr, with the exit code
/// `check` would give.
fn print_ddl(
    engine: SqlEngine,
    table: &TableName,
    title: &str,
    rules: &ColumnarRules,
    plan: &veil_core::Result<veil_core::Plan>,
) -> Result<i32> {
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("veil: {title}: PROBLEMS:\n{e}\n`veil sanitize` would refuse to run.");
            return Ok(2);
        }
    };
    let columns = plan.header();
    let sql = ddl::create_table(engine, table, &columns)?;
    for warning in plan.warnings().iter().chain(&rules.psoxy_readings()) {
        eprintln!("veil: warning: {warning}");
    }
    for (i, name) in columns.iter().enumerate().filter(|(_, name)| name.is_empty()) {
        let column = ddl::column_name(i + 1, name);
        eprintln!(
            "veil: warning: output column {} has a blank name: the table calls it {column}",
            i + 1
        );
    }
    write_out(&mut std::io::stdout().lock(), &sql)?;
    Ok(0)
}

/// `check --scan`: the whole file through the sanitized output's rules, into nowhere, for
/// what the PII guard finds in its clear columns. Exit 3 when something is found.
fn scan(args: &CheckArgs, input: Location, rules: &ColumnarRules, cloud: Option<&Cloud>) -> Result<i32> {
    // Clear columns do not depend on the salt: any will do.
    let secrets = Secrets {
        salt: b"veil check --scan".to_vec(),
        ..Secrets::default()
    };
    let pseudonymizer = Pseudonymizer::new(&secrets, PseudonymOptions::default())?;
    let job = Job::new(input).destination(Destination::new(Target::Discard, rules).shared());
    let context = JobContext {
        pseudonymizer: &pseudonymizer,
        cloud,
        options: RunOptions {
            threads: veil::available_threads(),
            cancel: Some(interrupt::flag()),
            pii_guard: PiiGuard::Warn,
            pii_allow: args.pii_allow.clone(),
            columns: args.columns.policy(),
            limits: args.columns.limits(),
            ..Default::default()
        },
        progress: None,
    };
    let summary = job.run(&context)?;
    let findings = &summary.outputs[0].findings;
    let mut out = std::io::stdout().lock();
    write_out(&mut out, &format!("\nscan: {} rows read\n", summary.rows))?;
    if findings.is_empty() {
        write_out(
            &mut out,
            "no personal data found in the columns the sanitized output keeps in clear.\n",
        )?;
        return Ok(0);
    }
    write_out(
        &mut out,
        "personal data in the columns the sanitized output keeps in clear:\n",
    )?;
    for f in findings {
        write_out(&mut out, &format!("  {f}\n"))?;
    }
    Ok(3)
}
