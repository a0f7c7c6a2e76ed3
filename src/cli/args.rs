//! Options several commands share, and the enumerated values, parsed once by clap (any case,
//! as psoxy reads its settings).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use veil_core::{ColumnPolicy, HashAlgorithm, Limits, PiiGuard, PiiKind, PseudonymFormat};

/// How the file's columns are checked against the rules.
#[derive(Args, Debug)]
pub struct ColumnArgs {
    /// Refuse the file when a column the rules read (columnsToPseudonymize, or the source of
    /// a rename, duplicate or transform) is missing from it. Default: write that column
    /// empty, as psoxy does, and warn.
    #[arg(long)]
    pub strict_columns: bool,
    /// Accept, as psoxy does, a file that has none of the columns the rules pseudonymize or
    /// redact (no header, or the wrong delimiter), or whose header has a near miss of a
    /// missing rule column that would leave in clear (`MANAGER_EMIAL` against
    /// `MANAGER_EMAIL`). Default: refuse them (exit 2).
    #[arg(long)]
    pub allow_absent_columns: bool,
    /// Most columns a header may have; the header may hold 1 MiB of names per 100,000.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_columns: u32,
}

impl ColumnArgs {
    /// The column policy these options ask for.
    pub fn policy(&self) -> ColumnPolicy {
        ColumnPolicy {
            strict: self.strict_columns,
            allow_absent: self.allow_absent_columns,
        }
    }

    /// How wide a file may be.
    pub fn limits(&self) -> Limits {
        Limits::columns(self.max_columns as usize)
    }
}

/// `--pii-guard`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GuardArg {
    /// Do not look.
    Off,
    /// List what is found after the summary.
    Warn,
    /// Write nothing and exit 3 when something is found.
    Fail,
}

impl From<GuardArg> for PiiGuard {
    fn from(arg: GuardArg) -> Self {
        match arg {
            GuardArg::Off => PiiGuard::Off,
            GuardArg::Warn => PiiGuard::Warn,
            GuardArg::Fail => PiiGuard::Fail,
        }
    }
}

/// `--format`: psoxy's `pseudonymFormat` names.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// `{"domain":"x.com","hash":"..."}`.
    #[value(name = "JSON")]
    Json,
    /// `t~...`, `t~...@x.com` for e-mails.
    #[value(name = "URL_SAFE_TOKEN")]
    UrlSafeToken,
    /// The hash alone.
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

/// `--hash`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HashArg {
    /// SHA-256(value ‖ salt), identical to psoxy.
    Psoxy,
    /// HMAC-SHA256 keyed with the salt.
    #[value(name = "hmac-sha256")]
    HmacSha256,
}

impl From<HashArg> for HashAlgorithm {
    fn from(arg: HashArg) -> Self {
        match arg {
            HashArg::Psoxy => HashAlgorithm::Psoxy,
            HashArg::HmacSha256 => HashAlgorithm::HmacSha256,
        }
    }
}

/// `check --ddl`: the SQL engine whose `CREATE TABLE` to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlEngine {
    /// PostgreSQL (and psql): columns of type `text`.
    Postgresql,
    /// DuckDB: columns of type `VARCHAR`.
    Duckdb,
}

/// The PII guard: personal data in the columns the sanitized copy keeps in clear.
#[derive(Args, Debug)]
pub struct PiiArgs {
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
    pub pii_guard: GuardArg,
    /// Accept a finding, e.g. `WORK_PHONE:phone` (repeatable; kinds: email, phone, us-ssn,
    /// uk-nino, iban, card, ip).
    #[arg(long, value_name = "COLUMN:KIND", value_parser = parse_pii_allow)]
    pub pii_allow: Vec<(String, PiiKind)>,
}

/// `COLUMN:KIND` for clap.
pub fn parse_pii_allow(text: &str) -> Result<(String, PiiKind), String> {
    veil::config::parse_pii_allow(text).map_err(|e| e.to_string())
}

/// Where the salt comes from, and how values are hashed.
#[derive(Args, Debug, Default)]
pub struct SecretArgs {
    /// Read the salt from this file (one trailing newline is ignored); else env VEIL_SALT,
    /// else env PSOXY_SALT.
    #[arg(long, value_name = "PATH")]
    pub salt_file: Option<PathBuf>,
    /// Read the salt from this SSM parameter (SecureString), e.g. psoxy's `/PSOXY_SALT`.
    #[cfg(feature = "aws")]
    #[arg(long, value_name = "NAME", conflicts_with = "salt_file")]
    pub salt_ssm: Option<String>,
    /// Hash: `psoxy` = SHA-256(value ‖ salt), identical to psoxy; `hmac-sha256` = HMAC
    /// keyed with the salt. [env: VEIL_HASH]
    #[arg(long, value_name = "ALGORITHM", value_enum, ignore_case = true)]
    pub hash: Option<HashArg>,
}
