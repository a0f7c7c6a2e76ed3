//! Where a CLI input or output lives: a local path, `-`, or `s3://bucket/key`.
//!
//! S3 needs the `aws` feature and clients built once ([`Cloud`]); without the feature an
//! `s3://` location is a clear configuration error.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::io::{self, Input, Output};

/// True for `s3://…` locations.
pub fn is_s3(location: &str) -> bool {
    location.starts_with("s3://")
}

/// The AWS clients for `s3://` locations, with the runtime they run on when veil owns it
/// (the CLI builds one only when needed; the Lambda's comes with its runtime).
pub struct Cloud {
    /// Owned so the clients' runtime lives as long as they do.
    #[cfg(feature = "aws")]
    _runtime: Option<tokio::runtime::Runtime>,
    #[cfg(feature = "aws")]
    aws: crate::aws::s3::Aws,
}

impl Cloud {
    /// Builds the AWS clients from the standard chain.
    ///
    /// # Errors
    /// Built without the `aws` feature, or the runtime cannot start.
    pub fn connect() -> Result<Cloud> {
        #[cfg(feature = "aws")]
        {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Error::io("starting the AWS runtime", e))?;
            let aws = runtime.block_on(crate::aws::s3::Aws::from_env());
            Ok(Cloud {
                _runtime: Some(runtime),
                aws,
            })
        }
        #[cfg(not(feature = "aws"))]
        Err(Error::Config(
            "s3:// and SSM need veil built with the `aws` feature".into(),
        ))
    }

    /// Clients built elsewhere, running on a runtime that outlives them (the Lambda's).
    #[cfg(feature = "aws")]
    pub fn from_aws(aws: crate::aws::s3::Aws) -> Cloud {
        Cloud { _runtime: None, aws }
    }

    /// The clients.
    #[cfg(feature = "aws")]
    pub fn aws(&self) -> &crate::aws::s3::Aws {
        &self.aws
    }
}

#[cfg(feature = "aws")]
fn s3_location(location: &str) -> Result<crate::aws::s3::Location> {
    crate::aws::s3::Location::parse(location)
        .ok_or_else(|| Error::Config(format!("`{location}` is not a valid s3://bucket/key location")))
}

fn unavailable(location: &str) -> Error {
    Error::Config(format!("{location}: S3 needs veil built with the `aws` feature"))
}

/// Opens an input location.
///
/// # Errors
/// Missing file or object, or S3 without [`Cloud`].
pub fn open(location: &str, cloud: Option<&Cloud>) -> Result<Input> {
    if !is_s3(location) {
        return io::open_local(location);
    }
    match cloud {
        #[cfg(feature = "aws")]
        Some(cloud) => crate::aws::s3::open(cloud.aws(), &s3_location(location)?),
        _ => Err(unavailable(location)),
    }
}

/// How an output is stored: gzip or not, and an S3 object's headers.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// gzip the bytes ([`Output::gzip`]).
    pub gzip: bool,
    /// An S3 object's `Content-Type`; `None`: from the key's extension.
    pub content_type: Option<String>,
    /// An S3 object's user metadata.
    pub metadata: HashMap<String, String>,
}

/// Creates an output location.
///
/// # Errors
/// Unwritable directory, or S3 without [`Cloud`].
pub fn create(location: &str, stored: &Stored, cloud: Option<&Cloud>) -> Result<Box<dyn Output>> {
    if !is_s3(location) {
        return io::create_local(location, stored.gzip);
    }
    match cloud {
        #[cfg(feature = "aws")]
        Some(cloud) => {
            use crate::aws::s3;
            let at = s3_location(location)?;
            let info = s3::ObjectInfo {
                content_type: stored.content_type.clone().or_else(|| s3::content_type_for(&at.key)),
                gzip: stored.gzip,
                metadata: stored.metadata.clone(),
            };
            s3::create(cloud.aws(), &at, info, s3::part_size())
        }
        _ => Err(unavailable(location)),
    }
}
