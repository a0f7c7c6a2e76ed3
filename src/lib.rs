//! veil: streaming, psoxy-compatible CSV sanitizer.
pub mod email;
pub mod error;
pub mod reader;
