//! The files of a folder or S3 prefix that a folder run takes: every regular file under the
//! root whose path matches the include globs and none of the exclude globs.
//!
//! A tree can hold anything, and one strange entry must not stop the others or hang the run:
//! a symlink to nowhere or to itself, a FIFO (reading it would wait for ever), a device (a
//! link to `/dev/zero` never ends), a socket, a symlink to a folder (not followed: it could
//! loop) are reported and left out; a folder that cannot be read, or a name that is not
//! UTF-8, becomes a file that fails alone, with a message that says so.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::location::{Cloud, Location};
use crate::provenance::{self, Source};

/// Which files of the tree a run takes.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Globs a file's relative path must match (one of); empty: `*.csv` and `*.csv.gz`.
    pub include: Vec<String>,
    /// Globs that leave a file out.
    pub exclude: Vec<String>,
}

impl Filter {
    /// True when the file at `relative` is taken.
    pub fn wants(&self, relative: &str) -> bool {
        const DEFAULTS: [&str; 2] = ["*.csv", "*.csv.gz"];
        let included = if self.include.is_empty() {
            DEFAULTS.iter().any(|g| glob_matches(g, relative))
        } else {
            self.include.iter().any(|g| glob_matches(g, relative))
        };
        included && !self.exclude.iter().any(|g| glob_matches(g, relative))
    }
}

/// `*` matches within a path segment, `**` across segments, `?` one character. A pattern
/// without `/` is matched against the file name alone.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match p {
            [] => s.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| go(rest.strip_prefix(b"/").unwrap_or(rest), &s[i..])),
            [b'*', rest @ ..] => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| go(rest, &s[i..])),
            [b'?', rest @ ..] => matches!(s, [c, tail @ ..] if *c != b'/' && go(rest, tail)),
            [c, rest @ ..] => matches!(s, [d, tail @ ..] if d == c && go(rest, tail)),
        }
    }
    let target = if pattern.contains('/') {
        path
    } else {
        path.rsplit('/').next().unwrap_or(path)
    };
    go(pattern.as_bytes(), target.as_bytes())
}

/// A file found under the root.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its path under the root, `/`-separated.
    pub relative: String,
    /// What identifies its content now.
    pub source: Source,
    /// Why it cannot be sanitized, when it cannot (it then fails alone).
    pub problem: Option<String>,
}

/// An entry left out because it is not a file veil can read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// Its path under the root.
    pub relative: String,
    /// What it is.
    pub why: &'static str,
}

/// What a root holds.
#[derive(Debug, Default)]
pub struct Listing {
    /// The files to sanitize, by relative path.
    pub files: Vec<Found>,
    /// The entries left out.
    pub ignored: Vec<Ignored>,
}

/// Lists the files under `root` that `filter` takes.
///
/// # Errors
/// The root itself cannot be listed.
pub fn list(root: &Location, filter: &Filter, cloud: Option<&Cloud>) -> Result<Listing> {
    let mut listing = match root {
        Location::Local(dir) => list_local(dir, filter)?,
        Location::S3(at) => list_s3(at, filter, cloud)?,
        Location::Stdio => Listing::default(),
    };
    listing.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    listing.ignored.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(listing)
}

fn list_local(dir: &Path, filter: &Filter) -> Result<Listing> {
    use std::os::unix::fs::FileTypeExt;
    let mut listing = Listing::default();
    // The root must be readable; a folder under it that is not fails alone.
    let mut stack: Vec<(PathBuf, String)> = Vec::new();
    let first = fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    let mut pending = Some(first);
    let mut at = String::new();
    loop {
        let entries = match pending.take() {
            Some(entries) => entries,
            None => {
                let Some((path, relative)) = stack.pop() else { break };
                at = relative;
                match fs::read_dir(&path) {
                    Ok(entries) => entries,
                    Err(e) => {
                        listing.files.push(Found {
                            relative: at.clone(),
                            source: Source::default(),
                            problem: Some(format!("cannot list this folder: {e}")),
                        });
                        continue;
                    }
                }
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    listing.files.push(Found {
                        relative: at.clone(),
                        source: Source::default(),
                        problem: Some(format!("cannot list this folder: {e}")),
                    });
                    break;
                }
            };
            let name = entry.file_name();
            let (name_text, utf8) = match name.to_str() {
                Some(text) => (text.to_owned(), true),
                None => (name.to_string_lossy().into_owned(), false),
            };
            let relative = if at.is_empty() {
                name_text
            } else {
                format!("{at}/{name_text}")
            };
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                listing.ignored.push(Ignored {
                    relative,
                    why: "cannot be examined",
                });
                continue;
            };
            if kind.is_dir() {
                stack.push((path, relative));
                continue;
            }
            if !filter.wants(&relative) {
                continue;
            }
            if !utf8 {
                listing.files.push(Found {
                    relative,
                    source: Source::default(),
                    problem: Some("the file name is not valid UTF-8: rename it to sanitize it".into()),
                });
                continue;
            }
            // Symlinks are followed to what they name.
            let meta = match fs::metadata(&path) {
                Ok(meta) => meta,
                Err(e) => {
                    let why = if kind.is_symlink() {
                        if e.raw_os_error() == Some(40) {
                            "is a symlink loop"
                        } else {
                            "is a symlink to nothing"
                        }
                    } else {
                        "cannot be examined"
                    };
                    listing.ignored.push(Ignored { relative, why });
                    continue;
                }
            };
            let target = meta.file_type();
            let why = if target.is_file() {
                None
            } else if target.is_dir() {
                Some("is a symlink to a folder (not followed)")
            } else if target.is_fifo() {
                Some("is a FIFO, not a file")
            } else if target.is_char_device() || target.is_block_device() {
                Some("is a device, not a file")
            } else if target.is_socket() {
                Some("is a socket, not a file")
            } else {
                Some("is not a regular file")
            };
            match why {
                Some(why) => listing.ignored.push(Ignored { relative, why }),
                None => listing.files.push(Found {
                    relative,
                    source: provenance::local_source(&meta),
                    problem: None,
                }),
            }
        }
    }
    Ok(listing)
}

fn list_s3(at: &crate::location::S3Path, filter: &Filter, cloud: Option<&Cloud>) -> Result<Listing> {
    let prefix = if at.key.is_empty() || at.key.ends_with('/') {
        at.key.clone()
    } else {
        format!("{}/", at.key)
    };
    let mut listing = Listing::default();
    for object in crate::location::list(at, &prefix, cloud)? {
        let relative = object.key[prefix.len()..].to_owned();
        if !relative.is_empty() && !relative.ends_with('/') && filter.wants(&relative) {
            listing.files.push(Found {
                relative,
                source: Source {
                    etag: object.etag,
                    size: Some(object.size),
                    ..Source::default()
                },
                problem: None,
            });
        }
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn globs_match_names_and_paths() {
        assert!(glob_matches("*.csv", "2024/01/hris.csv"));
        assert!(glob_matches("*.csv.gz", "a.csv.gz"));
        assert!(!glob_matches("*.csv", "a.csv.gz"));
        assert!(glob_matches("2024/*/*.csv", "2024/01/x.csv"));
        assert!(!glob_matches("2024/*.csv", "2024/01/x.csv"));
        assert!(glob_matches("2024/**/*.csv", "2024/01/02/x.csv"));
        assert!(glob_matches("2024/**/*.csv", "2024/x.csv"));
        assert!(glob_matches("hris-2024-0?-*.csv", "x/hris-2024-07-01.csv"));
    }

    #[test]
    fn strange_entries_are_left_out_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/a.csv"), "x\n").unwrap();
        fs::write(root.join("b.csv"), "x\n").unwrap();
        fs::write(root.join("notes.txt"), "x\n").unwrap();
        symlink("nowhere.csv", root.join("dangling.csv")).unwrap();
        symlink("loop.csv", root.join("loop.csv")).unwrap();
        symlink("sub", root.join("folder.csv")).unwrap();
        symlink("b.csv", root.join("link.csv")).unwrap();
        assert!(
            std::process::Command::new("mkfifo")
                .arg(root.join("pipe.csv"))
                .status()
                .unwrap()
                .success()
        );
        let listing = list(&Location::Local(root.to_path_buf()), &Filter::default(), None).unwrap();
        let files: Vec<&str> = listing.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(files, ["b.csv", "link.csv", "sub/a.csv"]);
        let ignored: Vec<(&str, &str)> = listing.ignored.iter().map(|i| (i.relative.as_str(), i.why)).collect();
        assert_eq!(
            ignored,
            [
                ("dangling.csv", "is a symlink to nothing"),
                ("folder.csv", "is a symlink to a folder (not followed)"),
                ("loop.csv", "is a symlink loop"),
                ("pipe.csv", "is a FIFO, not a file"),
            ]
        );
    }

    #[test]
    fn a_name_that_is_not_utf8_fails_alone() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.csv");
        fs::write(dir.path().join(name), "x\n").unwrap();
        let listing = list(&Location::Local(dir.path().to_path_buf()), &Filter::default(), None).unwrap();
        assert_eq!(listing.files.len(), 1);
        assert_eq!(listing.files[0].relative, "caf\u{fffd}.csv");
        assert!(listing.files[0].problem.as_deref().unwrap().contains("not valid UTF-8"));
    }
}
