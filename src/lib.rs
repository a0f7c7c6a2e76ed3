//! # veil
//!
//! Streaming, psoxy-compatible sanitizer for bulk CSV exports (HRIS snapshots first).
//! One read of the input writes every output: the sanitized copy (columns pseudonymized,
//! redacted, renamed, duplicated or transformed by psoxy's `ColumnarRules` YAML) and any
//! number of lookup tables, with pseudonyms byte-identical to Worklytics psoxy's.
//!
//! The flow is: [`Rules`] (YAML, every problem reported at once) → a [`Job`] (one input and
//! its outputs, each with its rules) → [`Job::run`] (one pass over the input; each output's
//! rules bound to the header as a [`Plan`]; nothing published unless everything succeeds).
//! The CLI, folder and prefix runs ([`Folder`]) and the Lambda all run jobs this way.
//!
//! ```
//! use veil::{Job, JobContext, MemoryOutput, PseudonymOptions, Pseudonymizer, Rules, Secrets};
//!
//! # fn main() -> Result<(), veil::Error> {
//! let rules = Rules::from_yaml("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [SALARY]\n", "inline")?;
//! let rules = rules.for_key("hris.csv").expect("columnar rules apply to every file");
//! let secrets = Secrets { salt: b"salt".to_vec(), ..Secrets::default() };
//! let pseudonymizer = Pseudonymizer::new(&secrets, PseudonymOptions::default())?;
//!
//! let input = b"EMPLOYEE_ID,DEPARTMENT,SALARY\n1,Engineering,100\n".to_vec();
//! let sanitized = MemoryOutput::default();
//! let job = Job::from_bytes("hris.csv", input).output(sanitized.clone(), rules);
//! let summary = job.run(&JobContext::new(&pseudonymizer))?;
//!
//! assert_eq!(summary.rows, 1);
//! assert_eq!(sanitized.bytes(), b"EMPLOYEE_ID,DEPARTMENT\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,Engineering\n");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "aws")]
mod aws;
mod bytes;
mod config;
mod digest;
mod email;
mod error;
mod escape;
mod folder;
mod generate;
mod gzip;
mod identity;
mod io;
mod java;
mod job;
mod listing;
mod local;
mod location;
mod pii;
mod pipeline;
mod plan;
mod provenance;
mod pseudonym;
mod reader;
mod rules;
mod sha256;
mod transform;
mod writer;
mod yaml;
mod yaml11;

#[cfg(feature = "aws")]
pub use aws::{lambda::run as run_lambda, s3::parameter as ssm_parameter};
pub use config::{pseudonymizer_from_env, salt_from_env, salt_from_file_bytes as salt_from_file};
pub use error::{DataError, Error, Problem, Result};
pub use escape::{escape, name as shown_name};
pub use folder::{Event, FileOutcome, Folder, FolderOutput, FolderSummary, Status};
pub use generate::{PLANTED, Planted, write_hris, write_hris_planted};
pub use gzip::{DEFAULT_LEVEL as DEFAULT_GZIP_LEVEL, Writer as GzipWriter, parse_level as parse_gzip_level};
pub use io::{MemoryOutput, Output};
pub use job::{Destination, Job, JobContext, Progress, Target};
pub use listing::{Filter, Ignored, glob_matches};
pub use location::{Cloud, Location, S3Path, Stored, create as create_output, open as open_input};
pub use pii::{Kind as PiiKind, scan as scan_cell};
pub use pipeline::{
    Finding, Options as RunOptions, OutputSummary, PiiGuard, Scratch, Sink, Summary, available_threads,
    common_delimiter, parse_pii_allow, read_header, run as run_pipeline, write_row,
};
pub use plan::{Action, Column, ColumnPolicy, Func, Missing, Plan, Unmatched};
pub use provenance::{MANIFEST, sha256_hex};
pub use pseudonym::{
    Canonicalization, DomainHandling, HashAlgorithm, Options as PseudonymOptions, PseudonymCache, PseudonymFormat,
    Pseudonymizer, Secrets,
};
pub use reader::{Batch, Limits, LineEnding, Reader, Row};
pub use rules::{ColumnarRules, FieldTransform, Name, Rules, Template};
pub use transform::Step;
