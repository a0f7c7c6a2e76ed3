//! # veil-core
//!
//! The core of veil, a streaming, psoxy-compatible sanitizer for bulk CSV exports (HRIS
//! snapshots first): psoxy's rules, the plan they make for a file's header, pseudonyms
//! byte-identical to psoxy's, a CSV reader and writer with psoxy's dialect, the one pass
//! that writes every output from one read of the input, and the detectors of the PII guard.
//!
//! It only reads from a [`std::io::Read`] and writes to [`Output`]s (a [`std::io::Write`]
//! that becomes visible when committed): no file system, environment, AWS or async runtime.
//! Files, S3, the CLI and the Lambda are the `veil` package's.
//!
//! The flow: [`Rules`] (YAML, every problem reported at once) → a [`Pseudonymizer`] for the
//! salt → [`sanitize`] (the header read, each output's rules bound to it as a [`Plan`], every
//! row through every output, nothing committed unless everything succeeded) → a
//! [`Summary`].
//!
//! ```
//! use veil_core::{MemoryOutput, Output, PseudonymOptions, Pseudonymizer, Rules, RunOptions, Secrets, Sink};
//!
//! # fn main() -> Result<(), veil_core::Error> {
//! let rules = Rules::from_yaml("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [SALARY]\n", "inline")?;
//! let rules = rules.for_key("hris.csv").expect("columnar rules apply to every file");
//! let secrets = Secrets { salt: b"salt".to_vec(), ..Secrets::default() };
//! let pseudonymizer = Pseudonymizer::new(&secrets, PseudonymOptions::default())?;
//!
//! let sanitized = MemoryOutput::default();
//! let out = sanitized.clone();
//! let sink = Sink::new("sanitized", rules, Box::new(move || Ok(Box::new(out) as Box<dyn Output>)));
//! let input = "EMPLOYEE_ID,DEPARTMENT,SALARY\n1,Engineering,100\n";
//! let summary = veil_core::sanitize(input.as_bytes(), "hris.csv", &pseudonymizer, vec![sink], &RunOptions::default())?;
//!
//! assert_eq!(summary.rows, 1);
//! assert_eq!(sanitized.bytes(), b"EMPLOYEE_ID,DEPARTMENT\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,Engineering\n");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod bytes;
mod check;
mod digest;
mod email;
mod error;
mod escape;
mod gzip;
mod io;
mod options;
mod pii;
mod pipeline;
mod plan;
mod pseudonym;
mod reader;
mod row;
mod rules;
mod settings;
mod sha256;
mod summary;
mod transform;
mod workers;
mod writer;
mod yaml;

pub use check::{Checked, check};
pub use digest::Digest;
pub use error::{DataError, Error, ErrorKind, Problem, Result};
pub use escape::escape;
pub use gzip::Writer as GzipWriter;
pub use io::{CountHandle, DiscardOutput, Input, MemoryOutput, Output, decode};
pub use options::{PiiGuard, RunOptions};
pub use pii::{Finding, Kind as PiiKind};
pub use pipeline::{Sink, sanitize};
pub use plan::{Column, ColumnPolicy, Plan};
pub use pseudonym::{
    Canonicalization, DomainHandling, HashAlgorithm, Options as PseudonymOptions, PseudonymFormat, Pseudonymizer,
    Secrets,
};
pub use reader::{Batch, Limits, Reader, Row};
pub use rules::{AdditionalTransform, ColumnarRules, Rules};
pub use summary::{OutputSummary, Summary};
