//! # veil
//!
//! Streaming, psoxy-compatible sanitizer for bulk CSV exports (HRIS snapshots first), as a
//! library under the `veil` command and the AWS Lambda. The sanitizing itself is
//! [`veil_core`]'s; this package adds where bytes live and how a run is decided:
//!
//! - storage behind one [`Location`], parsed once: local paths (written whole or not at all,
//!   devices and FIFOs written through, symlinks at their target), stdin and stdout, and S3
//!   (feature `aws`);
//! - [`Job`]: the one runner. It resolves every destination to what it really is and refuses
//!   two that are one, or one that is the input, before anything is opened; picks the rules
//!   for the input's path; runs the one pass; publishes all outputs or none;
//! - [`Folder`]: every file under a folder or prefix, each a job, with a record of what each
//!   output was made from, so that re-runs redo only what changed;
//! - the Lambda handler (feature `aws`) and the settings both share.
//!
//! ```
//! use veil::{Job, JobContext};
//! use veil_core::{MemoryOutput, PseudonymOptions, Pseudonymizer, Rules, Secrets};
//!
//! # fn main() -> Result<(), veil::Error> {
//! let rules = Rules::from_yaml("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\n", "inline")?;
//! let rules = rules.for_key("hris.csv").expect("columnar rules apply to every file");
//! let secrets = Secrets { salt: b"salt".to_vec(), ..Secrets::default() };
//! let pseudonymizer = Pseudonymizer::new(&secrets, PseudonymOptions::default())?;
//! let sanitized = MemoryOutput::default();
//! let job = Job::from_bytes("hris.csv", b"EMPLOYEE_ID,DEPARTMENT\n1,Engineering\n".to_vec()).output(sanitized.clone(), rules);
//! let summary = job.run(&JobContext::new(&pseudonymizer))?;
//! assert_eq!(summary.rows, 1);
//! assert_eq!(sanitized.bytes(), b"EMPLOYEE_ID,DEPARTMENT\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,Engineering\n");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "aws")]
mod aws;
pub mod config;
mod error;
mod folder;
mod identity;
mod job;
mod listing;
mod local;
mod location;
mod provenance;
mod rules_file;

#[cfg(feature = "aws")]
pub use aws::{lambda::run as run_lambda, s3::parameter as ssm_parameter};
pub use error::{Error, ErrorKind, Result};
pub use folder::{Event, FileOutcome, Folder, FolderOutput, FolderSummary, Status};
pub use job::{Destination, Job, JobContext, Opener, Progress, Role, Target, rules_for};
pub use listing::{Filter, Ignored};
pub use location::{Cloud, Location, S3Path, Stored, create as create_output, open as open_input};
pub use provenance::sha256_hex;
pub use rules_file::load_rules;

/// Every core the process may use.
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
