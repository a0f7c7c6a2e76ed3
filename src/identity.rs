//! What a location really names, so that two spellings of one place are seen as one: an
//! existing file by its device and inode (hard links and symlinks included), a device by its
//! device number, a new file by its real folder (symlinks followed, even dangling ones) and
//! name, stdin and stdout by what they are open on, an S3 object by its bucket and key.
//!
//! [`check`] refuses a run whose destinations are not all different from each other and from
//! its inputs, before anything is opened: a lookup table (every original) written over the
//! sanitized copy, or an output over its input, is how a sanitizer leaks or destroys.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::local;
use crate::location::{Location, S3Path};

/// What a location names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The real path, for local paths.
    real: Option<PathBuf>,
    /// The file, device or pipe, when it exists.
    node: Option<Node>,
    /// The bucket and key.
    s3: Option<S3Path>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    /// A regular file or folder: device and inode.
    File { dev: u64, ino: u64 },
    /// A FIFO or socket: device and inode.
    Pipe { dev: u64, ino: u64 },
    /// A character or block device: its device number, whatever node names it.
    Device(u64),
}

impl Node {
    fn of(meta: &fs::Metadata) -> Node {
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_block_device() {
            Node::Device(meta.rdev())
        } else if kind.is_fifo() || kind.is_socket() {
            Node::Pipe {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        } else {
            Node::File {
                dev: meta.dev(),
                ino: meta.ino(),
            }
        }
    }

    /// `/dev/null` (Linux: major 1, minor 3): any number of outputs may be thrown away there.
    fn is_null_device(self) -> bool {
        matches!(self, Node::Device(rdev) if cfg!(target_os = "linux") && rdev == (1 << 8 | 3))
    }
}

/// The metadata of stdin or stdout, whatever they are open on.
fn stdio_metadata(output: bool) -> Option<fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = if output {
        std::io::stdout().as_fd().try_clone_to_owned()
    } else {
        std::io::stdin().as_fd().try_clone_to_owned()
    };
    fs::File::from(fd.ok()?).metadata().ok()
}

impl Identity {
    /// What `location` names, as an input (`-` is stdin) or as an output (`-` is stdout).
    ///
    /// # Errors
    /// A local path that cannot be resolved (a symlink loop).
    pub fn of(location: &Location, output: bool) -> Result<Identity> {
        Ok(match location {
            Location::Stdio => Identity {
                real: None,
                node: stdio_metadata(output).map(|m| Node::of(&m)),
                s3: None,
            },
            Location::Local(path) => Identity {
                real: Some(local::real_path(path)?),
                node: fs::metadata(path).ok().map(|m| Node::of(&m)),
                s3: None,
            },
            Location::S3(at) => Identity {
                real: None,
                node: None,
                s3: Some(at.clone()),
            },
        })
    }

    /// True when both name the same place.
    pub fn same(&self, other: &Identity) -> bool {
        (self.real.is_some() && self.real == other.real)
            || (self.node.is_some() && self.node == other.node)
            || (self.s3.is_some() && self.s3 == other.s3)
    }

    /// True when writing here destroys what a reader of `input` reads: the same file or
    /// object, never a pipe or a terminal that only happen to be shared.
    fn clobbers(&self, input: &Identity) -> bool {
        matches!(input.node, Some(Node::File { .. }) | None) && self.same(input)
    }

    /// The `/`-separated path of `other` under this folder or prefix, when it lies under it.
    pub fn relative_to(&self, root: &Identity) -> Option<String> {
        match (&self.real, &root.real, &self.s3, &root.s3) {
            (Some(path), Some(dir), _, _) => {
                let rest = path.strip_prefix(dir).ok()?;
                let parts: Vec<String> = rest
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                (!parts.is_empty()).then(|| parts.join("/"))
            }
            (_, _, Some(at), Some(prefix)) if root.contains(self) && at.key != prefix.key => {
                let start = if prefix.key.is_empty() || prefix.key.ends_with('/') {
                    prefix.key.len()
                } else {
                    prefix.key.len() + 1
                };
                Some(at.key[start..].to_owned())
            }
            _ => None,
        }
    }

    /// True when `other` lies under this folder or prefix (or is it).
    pub fn contains(&self, other: &Identity) -> bool {
        match (&self.real, &other.real, &self.s3, &other.s3) {
            (Some(a), Some(b), _, _) => b.starts_with(a),
            (_, _, Some(a), Some(b)) => {
                let prefix = if a.key.is_empty() || a.key.ends_with('/') {
                    a.key.clone()
                } else {
                    format!("{}/", a.key)
                };
                a.bucket == b.bucket && (b.key.starts_with(&prefix) || b.key == a.key)
            }
            _ => false,
        }
    }
}

/// A location of a run, as the user spelled it, with what it names.
#[derive(Debug, Clone)]
pub struct Named {
    /// As spelled (for messages).
    pub spelled: String,
    /// What it names.
    pub identity: Identity,
}

impl Named {
    /// `location` as an input or an output.
    ///
    /// # Errors
    /// See [`Identity::of`].
    pub fn new(location: &Location, output: bool) -> Result<Named> {
        Ok(Named {
            spelled: shown(location),
            identity: Identity::of(location, output)?,
        })
    }
}

/// A location for messages: `-` is `<stdin>`/`<stdout>` to a reader.
fn shown(location: &Location) -> String {
    match location {
        Location::Stdio => "-".into(),
        other => other.to_string(),
    }
}

/// Refuses destinations that name one place twice, or that are an input.
///
/// # Errors
/// [`Error::SameDestination`] or [`Error::OutputIsInput`], naming both as spelled.
pub fn check(inputs: &[Named], outputs: &[Named]) -> Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|input| out.identity.clobbers(&input.identity)) {
            return Err(Error::OutputIsInput {
                output: out.spelled.clone(),
                input: input.spelled.clone(),
            });
        }
        let null = out.identity.node.is_some_and(Node::is_null_device);
        if let Some(first) = outputs[..i].iter().find(|o| !null && o.identity.same(&out.identity)) {
            return Err(Error::SameDestination {
                first: first.spelled.clone(),
                second: out.spelled.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn named(location: &str, output: bool) -> Named {
        Named::new(&Location::parse(location).unwrap(), output).unwrap()
    }

    #[test]
    fn two_spellings_of_one_new_file_are_one_destination() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let a = base.join("out/today.csv");
        let b = base.join("out/../out/./today.csv");
        let err = check(
            &[],
            &[named(a.to_str().unwrap(), true), named(b.to_str().unwrap(), true)],
        )
        .unwrap_err();
        assert!(matches!(err, Error::SameDestination { .. }), "{err}");
        symlink("out", base.join("lkl")).unwrap();
        let c = base.join("lkl/today.csv");
        assert!(
            check(
                &[],
                &[named(a.to_str().unwrap(), true), named(c.to_str().unwrap(), true)]
            )
            .is_err()
        );
        let d = base.join("out/other.csv");
        assert!(
            check(
                &[],
                &[named(a.to_str().unwrap(), true), named(d.to_str().unwrap(), true)]
            )
            .is_ok()
        );
    }

    #[test]
    fn hard_links_and_inputs_are_caught() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        fs::write(&a, "x").unwrap();
        let b = dir.path().join("b.csv");
        fs::hard_link(&a, &b).unwrap();
        let err = check(
            &[named(a.to_str().unwrap(), false)],
            &[named(b.to_str().unwrap(), true)],
        )
        .unwrap_err();
        assert!(matches!(err, Error::OutputIsInput { .. }), "{err}");
    }

    #[test]
    fn s3_keys_and_prefixes() {
        let s3 = |l: &str| Identity::of(&Location::parse(l).unwrap(), true).unwrap();
        assert!(s3("s3://b/k").same(&s3("s3://b/k")));
        assert!(!s3("s3://b/k").same(&s3("s3://c/k")));
        assert!(s3("s3://b/in/").contains(&s3("s3://b/in/x.csv")));
        assert!(s3("s3://b/in").contains(&s3("s3://b/in/x.csv")));
        assert!(!s3("s3://b/in").contains(&s3("s3://b/input/x.csv")));
        assert!(s3("s3://b").contains(&s3("s3://b/x.csv")));
    }
}
