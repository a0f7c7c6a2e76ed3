//! Where an input or output lives: a local path, `-` (stdin or stdout), or `s3://bucket/key`,
//! parsed once into a [`Location`] so that no other code sniffs strings for `-`, `s3://` or a
//! trailing `/`.
//!
//! S3 needs the `aws` feature and clients built once ([`Cloud`]); without the feature an
//! `s3://` location is a clear configuration error.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::local;
use veil_core::{Input, Output};

/// An S3 address: a bucket and a key (empty, or ending in `/`, for a prefix).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct S3Path {
    /// Bucket name.
    pub bucket: String,
    /// Object key, or prefix.
    pub key: String,
}

impl fmt::Display for S3Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// A parsed location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `-`: stdin as an input, stdout as an output.
    Stdio,
    /// A local path, as the user spelled it.
    Local(PathBuf),
    /// `s3://bucket/key`.
    S3(S3Path),
}

impl Location {
    /// Parses a location as given on the command line.
    ///
    /// # Errors
    /// An `s3://` location without a bucket, or an empty string.
    pub fn parse(text: &str) -> Result<Location> {
        if text == "-" {
            return Ok(Location::Stdio);
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::Location {
                    location: text.to_owned(),
                    why: "names no bucket (s3://bucket/key)".into(),
                });
            }
            return Ok(Location::S3(S3Path {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            }));
        }
        if text.is_empty() {
            return Err(Error::Location {
                location: String::new(),
                why: "an empty location (give a path, `-` or s3://bucket/key)".into(),
            });
        }
        Ok(Location::Local(PathBuf::from(text)))
    }

    /// True for `s3://` locations.
    pub fn is_s3(&self) -> bool {
        matches!(self, Location::S3(_))
    }

    /// True when the location names a folder or prefix: it ends with `/` (`out/`,
    /// `s3://bucket/prefix/`, `s3://bucket`), or is an existing local folder.
    pub fn is_folder(&self) -> bool {
        match self {
            Location::Stdio => false,
            Location::Local(path) => path.as_os_str().as_encoded_bytes().ends_with(b"/") || path.is_dir(),
            Location::S3(at) => at.key.is_empty() || at.key.ends_with('/'),
        }
    }

    /// The location of `relative` (a `/`-separated path) under this folder or prefix.
    pub fn join(&self, relative: &str) -> Location {
        match self {
            Location::Stdio => Location::Stdio,
            Location::Local(dir) => Location::Local(dir.join(relative)),
            Location::S3(at) => {
                let mut key = at.key.clone();
                if !key.is_empty() && !key.ends_with('/') {
                    key.push('/');
                }
                key.push_str(relative);
                Location::S3(S3Path {
                    bucket: at.bucket.clone(),
                    key,
                })
            }
        }
    }

    /// The last segment of the path or key: what `cp` would name a copy in a folder.
    pub fn file_name(&self) -> Option<String> {
        match self {
            Location::Stdio => None,
            Location::Local(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            Location::S3(at) => at.key.rsplit('/').next().filter(|n| !n.is_empty()).map(str::to_owned),
        }
    }

    /// True when the name says gzip (`*.gz`).
    pub fn is_gz(&self) -> bool {
        match self {
            Location::Stdio => false,
            Location::Local(path) => path.as_os_str().as_encoded_bytes().ends_with(b".gz"),
            Location::S3(at) => at.key.ends_with(".gz"),
        }
    }

    /// The local path, when local.
    pub fn as_path(&self) -> Option<&Path> {
        match self {
            Location::Local(path) => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Location {
    /// As the user spelled it (`-` for stdin or stdout).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Stdio => f.write_str("-"),
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::S3(at) => at.fmt(f),
        }
    }
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
        Err(Error::Location {
            location: "s3://".into(),
            why: "S3 and SSM need veil built with the `aws` feature".into(),
        })
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

/// The clients for an S3 location: an error without them, or without the `aws` feature.
/// The one place that tells the two builds apart for S3.
#[cfg(feature = "aws")]
pub(crate) fn aws<'c>(cloud: Option<&'c Cloud>, at: &S3Path) -> Result<&'c crate::aws::s3::Aws> {
    cloud.map(Cloud::aws).ok_or_else(|| Error::Location {
        location: at.to_string(),
        why: "S3 needs the AWS clients".into(),
    })
}

#[cfg(not(feature = "aws"))]
fn unavailable(at: &S3Path) -> Error {
    Error::Location {
        location: at.to_string(),
        why: "S3 needs veil built with the `aws` feature".into(),
    }
}

/// An object found under a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its ETag.
    pub etag: Option<String>,
    /// Its size in bytes.
    pub size: u64,
}

/// Every object under `prefix` in `at`'s bucket, in key order.
///
/// # Errors
/// The bucket cannot be listed, or S3 is not available.
pub fn list(at: &S3Path, prefix: &str, cloud: Option<&Cloud>) -> Result<Vec<Listed>> {
    #[cfg(feature = "aws")]
    return Ok(crate::aws::s3::list(aws(cloud, at)?, &at.bucket, prefix)?);
    #[cfg(not(feature = "aws"))]
    {
        let _ = (prefix, cloud);
        Err(unavailable(at))
    }
}

/// An object's user metadata, or `None` when there is no object.
///
/// # Errors
/// The bucket cannot be read, or S3 is not available.
pub fn metadata(at: &S3Path, cloud: Option<&Cloud>) -> Result<Option<HashMap<String, String>>> {
    #[cfg(feature = "aws")]
    return Ok(crate::aws::s3::head_if_any(aws(cloud, at)?, at)?.map(|h| h.metadata));
    #[cfg(not(feature = "aws"))]
    {
        let _ = cloud;
        Err(unavailable(at))
    }
}

/// Opens an input location.
///
/// # Errors
/// Missing file or object, or S3 without [`Cloud`].
pub fn open(location: &Location, cloud: Option<&Cloud>) -> Result<Input> {
    match location {
        Location::Stdio => local::open_stdin(),
        Location::Local(path) => local::open(path),
        #[cfg(feature = "aws")]
        Location::S3(at) => Ok(crate::aws::s3::open(aws(cloud, at)?, at)?),
        #[cfg(not(feature = "aws"))]
        Location::S3(at) => {
            let _ = cloud;
            Err(unavailable(at))
        }
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

/// Creates an output location: stdout, a local file (written whole or not
/// at all, or written through when it is a device or FIFO), or an S3 object.
///
/// # Errors
/// Unwritable destination, or S3 without [`Cloud`].
pub fn create(location: &Location, stored: &Stored, cloud: Option<&Cloud>) -> Result<Box<dyn Output>> {
    match location {
        Location::Stdio => Ok(Box::new(local::Stdout)),
        Location::Local(path) => local::create(path, stored.gzip),
        #[cfg(feature = "aws")]
        Location::S3(at) => {
            use crate::aws::s3;
            let info = s3::ObjectInfo {
                content_type: stored.content_type.clone().or_else(|| s3::content_type_for(&at.key)),
                gzip: stored.gzip,
                metadata: stored.metadata.clone(),
            };
            Ok(s3::create(aws(cloud, at)?, at, info, s3::part_size())?)
        }
        #[cfg(not(feature = "aws"))]
        Location::S3(at) => {
            let _ = cloud;
            Err(unavailable(at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_once() {
        assert_eq!(Location::parse("-").unwrap(), Location::Stdio);
        assert_eq!(
            Location::parse("s3://b/a/x.csv").unwrap(),
            Location::S3(S3Path {
                bucket: "b".into(),
                key: "a/x.csv".into()
            })
        );
        assert!(Location::parse("s3://b").unwrap().is_folder());
        assert!(Location::parse("s3://b/p/").unwrap().is_folder());
        assert!(!Location::parse("s3://b/p").unwrap().is_folder());
        assert!(Location::parse("s3:///k").is_err());
        assert!(Location::parse("").is_err());
        assert!(Location::parse("out/").unwrap().is_folder());
        assert_eq!(
            Location::parse("s3://b/p").unwrap().join("x.csv").to_string(),
            "s3://b/p/x.csv"
        );
        assert_eq!(
            Location::parse("s3://b/p/a.csv.gz").unwrap().file_name().as_deref(),
            Some("a.csv.gz")
        );
        assert!(Location::parse("x.csv.gz").unwrap().is_gz());
        assert_eq!(Location::parse("./a b.csv").unwrap().to_string(), "./a b.csv");
    }
}
