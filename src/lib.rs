//! # veil
//!
//! Streaming, psoxy-compatible sanitizer for bulk CSV exports (HRIS snapshots first).
//! One read of the input writes every output: the sanitized copy (columns pseudonymized,
//! redacted, renamed, duplicated or transformed by psoxy's `ColumnarRules` YAML) and any
//! number of lookup tables, with pseudonyms byte-identical to Worklytics psoxy's.
//!
//! The flow is: [`Rules`] (YAML, every problem reported at once) → [`Plan`] (rules bound
//! to one file's header) → [`pipeline::run`] (one pass over the input, N outputs, nothing
//! committed unless everything succeeds).
//!
//! ```
//! use veil::{pipeline, MemoryOutput, Output, Pseudonymizer, PseudonymOptions, Rules, Secrets, Sink};
//!
//! # fn main() -> Result<(), veil::Error> {
//! let rules = Rules::from_yaml("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [SALARY]\n", "inline")?;
//! let rules = rules.for_key("hris.csv").expect("columnar rules apply to every file");
//! let secrets = Secrets { salt: b"salt".to_vec(), ..Secrets::default() };
//! let pseudonymizer = Pseudonymizer::new(&secrets, PseudonymOptions::default())?;
//!
//! let out = MemoryOutput::default();
//! let sink = Sink { rules, location: "memory".into(), open: Box::new({
//!     let out = out.clone();
//!     move || Ok(Box::new(out) as Box<dyn Output>)
//! }) };
//! let input = "EMPLOYEE_ID,DEPARTMENT,SALARY\n1,Engineering,100\n";
//! let summary = pipeline::run(input.as_bytes(), "hris.csv", &pseudonymizer, vec![sink], &Default::default())?;
//!
//! assert_eq!(summary.rows, 1);
//! assert_eq!(out.bytes(), b"EMPLOYEE_ID,DEPARTMENT\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,Engineering\n");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

#[cfg(feature = "aws")]
pub mod aws;
mod bytes;
pub mod config;
pub mod email;
pub mod error;
pub mod generate;
pub mod gzip;
pub mod io;
pub mod java;
pub mod job;
pub mod location;
pub mod pipeline;
pub mod plan;
pub mod pseudonym;
pub mod reader;
pub mod rules;
mod sha256;
pub mod transform;
pub mod writer;
pub mod yaml;

pub use error::{DataError, Error, Problem, Result};
pub use io::{MemoryOutput, Output};
pub use pipeline::{Sink, Summary};
pub use plan::Plan;
pub use pseudonym::{Options as PseudonymOptions, PseudonymFormat, Pseudonymizer, Secrets};
pub use rules::{ColumnarRules, Rules};
