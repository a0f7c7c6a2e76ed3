//! What an output was made from, so that a re-run can skip what is up to date.
//!
//! Each output of a folder or prefix run records its input's identity (an S3 ETag; or a
//! local file's size, modification time and SHA-256), the SHA-256 of the rules that made it
//! and the fingerprint of the pseudonym settings ([`crate::Pseudonymizer::fingerprint`]).
//! On S3 the record is the object's metadata; locally it is an entry in a manifest kept in
//! each output folder (beside the outputs it describes) and replaced atomically.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use sha2::Digest;

use crate::error::{Error, Result};

/// The manifest's file name in each local output folder.
pub const MANIFEST: &str = ".veil-manifest.json";

/// What identifies an input's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// An S3 object's ETag.
    pub etag: Option<String>,
    /// Size in bytes (stored, before any gunzip).
    pub size: Option<u64>,
    /// A local file's modification time, nanoseconds since the epoch.
    pub mtime: Option<u128>,
    /// A local file's SHA-256 (hex), known once it has been read.
    pub sha256: Option<String>,
}

/// What one output was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The input, as located when the output was made (for people; not compared).
    pub input: String,
    /// The input's identity.
    pub identity: Identity,
    /// SHA-256 (hex) of the rules.
    pub rules: String,
    /// [`crate::Pseudonymizer::fingerprint`].
    pub settings: String,
}

/// Why an output must be made again, or `None` when it is up to date.
pub fn stale(record: Option<&Record>, wanted: &Record, local: Option<&Path>) -> Option<&'static str> {
    let Some(record) = record else {
        return Some("new");
    };
    if record.rules != wanted.rules {
        return Some("rules changed");
    }
    if record.settings != wanted.settings {
        return Some("salt or settings changed");
    }
    let (was, now) = (&record.identity, &wanted.identity);
    if now.etag.is_some() {
        return (was.etag != now.etag).then_some("input changed");
    }
    if was.size != now.size {
        return Some("input changed");
    }
    if was.mtime == now.mtime {
        return None;
    }
    // Touched, perhaps not changed: the content decides.
    let same = match (local, &was.sha256) {
        (Some(path), Some(hash)) => sha256_file(path).is_ok_and(|h| &h == hash),
        _ => false,
    };
    (!same).then_some("input changed")
}

/// SHA-256 (hex) of a file's bytes.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(hex(&hasher.finalize())),
            n => hasher.update(&buf[..n]),
        }
    }
}

/// SHA-256 (hex) of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A local file's identity from its metadata (the hash comes later, from reading it).
///
/// # Errors
/// The file's metadata cannot be read.
pub fn local_identity(path: &Path) -> io::Result<Identity> {
    let meta = fs::metadata(path)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos());
    Ok(Identity {
        size: Some(meta.len()),
        mtime,
        ..Identity::default()
    })
}

const KEYS: [&str; 7] = [
    "veil-input",
    "veil-input-etag",
    "veil-input-size",
    "veil-input-mtime",
    "veil-input-sha256",
    "veil-rules-sha256",
    "veil-settings-sha256",
];

impl Record {
    /// The record as S3 user metadata (and manifest fields): `veil-input…`,
    /// `veil-rules-sha256`, `veil-settings-sha256`.
    pub fn to_metadata(&self) -> HashMap<String, String> {
        let i = &self.identity;
        let values = [
            Some(self.input.clone()),
            i.etag.clone(),
            i.size.map(|n| n.to_string()),
            i.mtime.map(|n| n.to_string()),
            i.sha256.clone(),
            Some(self.rules.clone()),
            Some(self.settings.clone()),
        ];
        KEYS.iter()
            .zip(values)
            .filter_map(|(k, v)| Some(((*k).to_owned(), v?)))
            .collect()
    }

    /// The record in S3 user metadata, when it has one.
    pub fn from_metadata(metadata: &HashMap<String, String>) -> Option<Record> {
        let get = |k: &str| metadata.get(k).cloned();
        Some(Record {
            input: get("veil-input").unwrap_or_default(),
            identity: Identity {
                etag: get("veil-input-etag"),
                size: get("veil-input-size").and_then(|v| v.parse().ok()),
                mtime: get("veil-input-mtime").and_then(|v| v.parse().ok()),
                sha256: get("veil-input-sha256"),
            },
            rules: get("veil-rules-sha256")?,
            settings: get("veil-settings-sha256")?,
        })
    }
}

/// The records of one local output folder, by output path relative to it.
#[derive(Debug, Default)]
pub struct Manifest {
    path: PathBuf,
    records: BTreeMap<String, Record>,
    /// Records changed since loaded or saved: a run that changed nothing writes nothing.
    changed: bool,
}

impl Manifest {
    /// Loads the manifest of `folder` (empty when there is none yet).
    ///
    /// # Errors
    /// The manifest exists but cannot be read or is not veil's.
    pub fn load(folder: &Path) -> Result<Manifest> {
        let path = folder.join(MANIFEST);
        let mut manifest = Manifest {
            path: path.clone(),
            records: BTreeMap::new(),
            changed: false,
        };
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(manifest),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        let corrupt = || {
            Error::Config(format!(
                "{}: not a veil manifest (remove it to start over)",
                path.display()
            ))
        };
        let value: Value = serde_json::from_str(&text).map_err(|_| corrupt())?;
        let outputs = value.get("outputs").and_then(Value::as_object).ok_or_else(corrupt)?;
        for (output, fields) in outputs {
            let fields: HashMap<String, String> = fields
                .as_object()
                .ok_or_else(corrupt)?
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect();
            let record = Record::from_metadata(&fields).ok_or_else(corrupt)?;
            manifest.records.insert(output.clone(), record);
        }
        Ok(manifest)
    }

    /// The record of an output, by its path relative to the folder.
    pub fn get(&self, output: &str) -> Option<&Record> {
        self.records.get(output)
    }

    /// Sets the record of an output.
    pub fn insert(&mut self, output: &str, record: Record) {
        if self.records.get(output) != Some(&record) {
            self.records.insert(output.to_owned(), record);
            self.changed = true;
        }
    }

    /// Writes the manifest, when a record changed: a temporary file beside it, then renamed
    /// over it, so a reader never sees half of one.
    ///
    /// # Errors
    /// The folder is not writable.
    pub fn save(&mut self) -> Result<()> {
        if !self.changed {
            return Ok(());
        }
        let outputs: Map<String, Value> = self
            .records
            .iter()
            .map(|(k, r)| (k.clone(), json!(r.to_metadata())))
            .collect();
        let text = serde_json::to_string_pretty(&json!({"veil": "manifest 1", "outputs": outputs}))
            .expect("a map of strings serializes");
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let context = || format!("writing {}", self.path.display());
        fs::create_dir_all(dir).map_err(|e| Error::io(context(), e))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".veil-manifest.")
            .suffix(".veil-tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(context(), e))?;
        io::Write::write_all(&mut temp, text.as_bytes()).map_err(|e| Error::io(context(), e))?;
        temp.persist(&self.path).map_err(|e| Error::io(context(), e.error))?;
        self.changed = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(etag: Option<&str>, size: u64, mtime: u128, sha: &str) -> Record {
        Record {
            input: "in/a.csv".into(),
            identity: Identity {
                etag: etag.map(str::to_owned),
                size: Some(size),
                mtime: Some(mtime),
                sha256: Some(sha.into()),
            },
            rules: "r".into(),
            settings: "s".into(),
        }
    }

    #[test]
    fn what_changed_decides() {
        let was = record(None, 10, 1, "h");
        assert_eq!(stale(None, &was, None), Some("new"));
        assert_eq!(stale(Some(&was), &was, None), None);
        let rules = Record {
            rules: "r2".into(),
            ..was.clone()
        };
        assert_eq!(stale(Some(&was), &rules, None), Some("rules changed"));
        let settings = Record {
            settings: "s2".into(),
            ..was.clone()
        };
        assert_eq!(stale(Some(&was), &settings, None), Some("salt or settings changed"));
        assert_eq!(
            stale(Some(&was), &record(None, 11, 1, "h"), None),
            Some("input changed")
        );
        let s3 = record(Some("\"e1\""), 10, 0, "");
        assert_eq!(
            stale(Some(&s3), &record(Some("\"e2\""), 10, 0, ""), None),
            Some("input changed")
        );
        assert_eq!(stale(Some(&s3), &s3, None), None);
    }

    #[test]
    fn a_touched_file_with_the_same_content_is_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        fs::write(&path, "a,b\n1,2\n").unwrap();
        let hash = sha256_file(&path).unwrap();
        let was = record(None, 8, 1, &hash);
        let now = record(None, 8, 2, "");
        assert_eq!(stale(Some(&was), &now, Some(&path)), None);
        fs::write(&path, "a,b\n1,3\n").unwrap();
        assert_eq!(stale(Some(&was), &now, Some(&path)), Some("input changed"));
    }

    #[test]
    fn manifests_round_trip_and_metadata_too() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Manifest::load(dir.path()).unwrap();
        let r = record(None, 8, 5, "abc");
        m.insert("sub/a.csv", r.clone());
        m.save().unwrap();
        let loaded = Manifest::load(dir.path()).unwrap();
        assert_eq!(loaded.get("sub/a.csv"), Some(&r));
        assert_eq!(Record::from_metadata(&r.to_metadata()), Some(r));
        fs::write(dir.path().join(MANIFEST), "{").unwrap();
        assert!(
            Manifest::load(dir.path())
                .unwrap_err()
                .to_string()
                .contains("not a veil manifest")
        );
    }
}
