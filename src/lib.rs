//! veil: streaming, psoxy-compatible CSV sanitizer.
pub mod config;
pub mod email;
pub mod error;
pub mod io;
pub mod pipeline;
pub mod plan;
pub mod pseudonym;
pub mod reader;
pub mod rules;
pub mod transform;
pub mod writer;
pub mod yaml;
