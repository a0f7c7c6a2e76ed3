//! What an output was made from and how, so that a re-run can skip what is up to date and
//! re-do what is not.
//!
//! Each output of a folder or prefix run records its input (an S3 ETag; or a local file's
//! size, modification time and SHA-256), the SHA-256 of the rules that made it, the
//! fingerprint of the pseudonym settings ([`crate::Pseudonymizer::fingerprint`]) and the
//! [`Policy`] it was checked under. A local output's record also holds the output itself (size,
//! modification time and the digest computed in the pass) and the warnings and PII findings of
//! the run that made it. On S3 the record is the object's metadata (input, rules, settings,
//! policy: what is known when the upload starts); locally it is a line of a manifest kept in
//! each output folder, beside the outputs it describes, replaced atomically and synced. The
//! manifest is JSON Lines (one output a line), read and written a line at a time, and the
//! strings every record shares (rules, settings) are held once: a folder of 30,000 files costs
//! a few hundred bytes per file, not a JSON tree of the whole folder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::error::{Error, Result};
use crate::local;
use veil_core::Digest;
use veil_core::PiiKind as Kind;
use veil_core::{ColumnPolicy, Finding, PiiGuard};

/// The manifest's file name in each local output folder.
pub const MANIFEST: &str = ".veil-manifest.json";

/// What identifies an input's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// An S3 object's ETag.
    pub etag: Option<String>,
    /// Size in bytes (stored, before any gunzip).
    pub size: Option<u64>,
    /// A local file's modification time, nanoseconds since the epoch.
    pub mtime: Option<u64>,
    /// A local file's SHA-256, known once it has been read.
    pub sha256: Option<[u8; 32]>,
}

/// A local output as it was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: Option<u64>,
    /// [`Digest`] of its bytes.
    pub digest: u128,
}

/// The checks an output passed: a stricter policy re-checks what a looser one let through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// The PII guard's mode.
    pub guard: PiiGuard,
    /// Findings accepted (`--pii-allow`).
    pub allow: Vec<(String, Kind)>,
    /// How rule columns the file lacks were treated.
    pub columns: ColumnPolicy,
}

impl Policy {
    fn rank(guard: PiiGuard) -> u8 {
        match guard {
            PiiGuard::Off => 0,
            PiiGuard::Warn => 1,
            PiiGuard::Fail => 2,
        }
    }

    /// True when an output checked under this policy passes `wanted` too: a guard at least as
    /// strict, no finding accepted that `wanted` does not accept, strict columns if wanted.
    pub fn covers(&self, wanted: &Policy) -> bool {
        Self::rank(self.guard) >= Self::rank(wanted.guard)
            && self.allow.iter().all(|(c, k)| {
                wanted
                    .allow
                    .iter()
                    .any(|(wc, wk)| wk == k && javalang::equals_ignore_case(wc, c))
            })
            && (self.columns.strict || !wanted.columns.strict)
            && (!self.columns.allow_absent || wanted.columns.allow_absent)
    }

    /// As recorded: `guard=warn;allow=NOTES:email,X:phone;strict-columns=no`.
    pub fn to_text(&self) -> String {
        let guard = match self.guard {
            PiiGuard::Off => "off",
            PiiGuard::Warn => "warn",
            PiiGuard::Fail => "fail",
        };
        let allow: Vec<String> = self.allow.iter().map(|(c, k)| format!("{c}:{}", k.name())).collect();
        let yes = |b: bool| if b { "yes" } else { "no" };
        format!(
            "guard={guard};allow={};strict-columns={};absent-columns={}",
            allow.join(","),
            yes(self.columns.strict),
            if self.columns.allow_absent {
                "allowed"
            } else {
                "refused"
            }
        )
    }

    /// Reads [`Policy::to_text`]; anything it cannot read is the loosest policy, so that the
    /// output is checked again.
    pub fn from_text(text: &str) -> Policy {
        let mut policy = Policy {
            guard: PiiGuard::Off,
            columns: ColumnPolicy {
                strict: false,
                allow_absent: true,
            },
            ..Policy::default()
        };
        for part in text.split(';') {
            match part.split_once('=') {
                Some(("guard", v)) => policy.guard = PiiGuard::parse(v).unwrap_or(PiiGuard::Off),
                Some(("allow", v)) => {
                    policy.allow = v
                        .split(',')
                        .filter_map(|a| {
                            let (c, k) = a.rsplit_once(':')?;
                            Some((c.to_owned(), Kind::parse(k)?))
                        })
                        .collect();
                }
                Some(("strict-columns", v)) => policy.columns.strict = v == "yes",
                Some(("absent-columns", v)) => policy.columns.allow_absent = v != "refused",
                _ => {}
            }
        }
        policy
    }
}

/// What one output was made from, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The input, as located when the output was made (for people; not compared).
    pub input: String,
    /// The input's identity.
    pub source: Source,
    /// SHA-256 (hex) of the rules (shared by the records of one run).
    pub rules: Arc<str>,
    /// [`crate::Pseudonymizer::fingerprint`] (shared by the records of one run).
    pub settings: Arc<str>,
    /// The checks it passed.
    pub policy: Policy,
    /// The output as written (local outputs).
    pub stored: Option<Stored>,
    /// Warnings of the run that made it (names only).
    pub warnings: Vec<String>,
    /// PII findings of the run that made it (local outputs).
    pub findings: Vec<Finding>,
}

/// A local output to look at when deciding whether it is up to date.
pub struct Present<'a> {
    /// Its path.
    pub path: &'a Path,
    /// Re-hash it and compare with the recorded digest (`--verify`).
    pub verify: bool,
}

/// Why an output must be made again, or `None` when it is up to date. `input` is the local
/// input file (to hash when only its time changed); `output` the local output to check
/// against its recorded size, time and digest (`None` for S3, whose record lives and dies
/// with the object).
pub fn stale(
    record: Option<&Record>,
    wanted: &Record,
    input: Option<&Path>,
    output: Option<Present<'_>>,
) -> Option<&'static str> {
    let Some(record) = record else {
        return Some("new");
    };
    if record.rules != wanted.rules {
        return Some("rules changed");
    }
    if record.settings != wanted.settings {
        return Some("salt or settings changed");
    }
    if input_changed(&record.source, &wanted.source, input) {
        return Some("input changed");
    }
    if let Some(output) = output {
        let Some(stored) = &record.stored else {
            return Some("output not recorded");
        };
        let Ok(meta) = fs::metadata(output.path) else {
            return Some("output missing");
        };
        if meta.len() != stored.size || mtime(&meta) != stored.mtime {
            return Some("output changed");
        }
        if output.verify {
            let digest = fs::File::open(output.path).and_then(Digest::of_reader);
            if !digest.is_ok_and(|d| d.value() == stored.digest) {
                return Some("output changed");
            }
        }
    }
    if !record.policy.covers(&wanted.policy) {
        return Some("stricter checks");
    }
    None
}

fn input_changed(was: &Source, now: &Source, local: Option<&Path>) -> bool {
    if now.etag.is_some() {
        return was.etag != now.etag;
    }
    if was.size != now.size {
        return true;
    }
    if was.mtime == now.mtime {
        return false;
    }
    // Touched, perhaps not changed: the content decides.
    let same = match (local, &was.sha256) {
        (Some(path), Some(hash)) => sha256_file(path).is_ok_and(|h| &h == hash),
        _ => false,
    };
    !same
}

/// A file's modification time, nanoseconds since the epoch.
pub fn mtime(meta: &fs::Metadata) -> Option<u64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
}

/// SHA-256 of a file's bytes.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> io::Result<[u8; 32]> {
    let mut file = fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(hasher.finalize().into()),
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

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A local file's identity from its metadata (the hash comes later, from reading it).
pub fn local_source(meta: &fs::Metadata) -> Source {
    Source {
        size: Some(meta.len()),
        mtime: mtime(meta),
        ..Source::default()
    }
}

const KEYS: [&str; 8] = [
    "veil-input",
    "veil-input-etag",
    "veil-input-size",
    "veil-input-mtime",
    "veil-input-sha256",
    "veil-rules-sha256",
    "veil-settings-sha256",
    "veil-policy",
];

const STORED: [&str; 3] = ["veil-output-size", "veil-output-mtime", "veil-output-digest"];

impl Record {
    /// The record as S3 user metadata: what is known before the output is written.
    pub fn to_metadata(&self) -> HashMap<String, String> {
        let s = &self.source;
        let values = [
            Some(self.input.clone()),
            s.etag.clone(),
            s.size.map(|n| n.to_string()),
            s.mtime.map(|n| n.to_string()),
            s.sha256.map(|h| hex(&h)),
            Some(self.rules.to_string()),
            Some(self.settings.to_string()),
            Some(self.policy.to_text()),
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
            source: Source {
                etag: get("veil-input-etag"),
                size: get("veil-input-size").and_then(|v| v.parse().ok()),
                mtime: get("veil-input-mtime").and_then(|v| v.parse().ok()),
                sha256: get("veil-input-sha256").and_then(|h| unhex(&h)),
            },
            rules: get("veil-rules-sha256")?.into(),
            settings: get("veil-settings-sha256")?.into(),
            policy: Policy::from_text(&get("veil-policy").unwrap_or_default()),
            ..Record::default()
        })
    }

    /// The record as a manifest entry: the metadata, the output as stored, the warnings and
    /// findings.
    fn to_json(&self) -> Value {
        let mut fields: Map<String, Value> = self
            .to_metadata()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        if let Some(stored) = &self.stored {
            let values = [
                Some(stored.size.to_string()),
                stored.mtime.map(|m| m.to_string()),
                Some(format!("{:032x}", stored.digest)),
            ];
            for (k, v) in STORED.iter().zip(values) {
                if let Some(v) = v {
                    fields.insert((*k).to_owned(), Value::String(v));
                }
            }
        }
        if !self.warnings.is_empty() {
            fields.insert("warnings".into(), json!(self.warnings));
        }
        if !self.findings.is_empty() {
            fields.insert("pii".into(), self.findings.iter().map(Finding::to_json).collect());
        }
        Value::Object(fields)
    }

    fn from_json(value: &Value) -> Option<Record> {
        let object = value.as_object()?;
        let strings: HashMap<String, String> = object
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        let mut record = Record::from_metadata(&strings)?;
        record.stored = match (strings.get(STORED[0]), strings.get(STORED[2])) {
            (Some(size), Some(digest)) => Some(Stored {
                size: size.parse().ok()?,
                mtime: strings.get(STORED[1]).and_then(|m| m.parse().ok()),
                digest: u128::from_str_radix(digest, 16).ok()?,
            }),
            _ => None,
        };
        record.warnings = object
            .get("warnings")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|w| Some(w.as_str()?.to_owned())).collect())
            .unwrap_or_default();
        record.findings = object
            .get("pii")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(finding_from_json).collect())
            .unwrap_or_default();
        Some(record)
    }
}

fn finding_from_json(value: &Value) -> Option<Finding> {
    Some(Finding {
        column: value.get("column")?.as_str()?.to_owned(),
        kind: Kind::parse(value.get("kind")?.as_str()?)?,
        cells: value.get("cells")?.as_u64()?,
        lines: value
            .get("lines")?
            .as_array()?
            .iter()
            .filter_map(Value::as_u64)
            .collect(),
    })
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
    /// Loads the manifest of `folder` (empty when there is none yet), a line at a time; the
    /// strings records share are held once (`shared`, kept by the caller across folders).
    ///
    /// # Errors
    /// The manifest exists but cannot be read or is not veil's.
    pub fn load(folder: &Path, shared: &mut Shared) -> Result<Manifest> {
        let path = folder.join(MANIFEST);
        let mut manifest = Manifest {
            path: path.clone(),
            records: BTreeMap::new(),
            changed: false,
        };
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(manifest),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        let corrupt = || Error::Manifest {
            path: path.display().to_string(),
        };
        let mut lines = io::BufReader::new(file).lines();
        let first = match lines.next() {
            Some(line) => line.map_err(|e| Error::io(format!("reading {}", path.display()), e))?,
            None => return Ok(manifest),
        };
        let head: Value = serde_json::from_str(&first).map_err(|_| corrupt())?;
        if let Some(outputs) = head.get("outputs").and_then(Value::as_object) {
            // Manifests of veil 0.1 before JSON Lines: one object holding every output.
            for (output, fields) in outputs {
                let record = Record::from_json(fields).ok_or_else(corrupt)?;
                manifest.records.insert(output.clone(), shared.intern(record));
            }
            return Ok(manifest);
        }
        if head.get("veil").and_then(Value::as_str) != Some(MANIFEST_VERSION) {
            return Err(corrupt());
        }
        for line in lines {
            let line = line.map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let value: Value = serde_json::from_str(&line).map_err(|_| corrupt())?;
            let output = value.get("output").and_then(Value::as_str).ok_or_else(corrupt)?;
            let record = Record::from_json(&value).ok_or_else(corrupt)?;
            manifest.records.insert(output.to_owned(), shared.intern(record));
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

    /// Writes the manifest, when a record changed: a temporary file beside it, a line per
    /// output, synced, then renamed over it and the folder synced, so a reader never sees half
    /// of one and a crash never loses a saved one.
    ///
    /// # Errors
    /// The folder is not writable.
    pub fn save(&mut self) -> Result<()> {
        if !self.changed {
            return Ok(());
        }
        let records = &self.records;
        local::write_whole_with(&self.path, |out| {
            writeln!(out, "{}", json!({ "veil": MANIFEST_VERSION }))?;
            for (output, record) in records {
                let mut value = record.to_json();
                value["output"] = Value::String(output.clone());
                serde_json::to_writer(&mut *out, &value)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
        .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))?;
        self.changed = false;
        Ok(())
    }
}

/// The version line that opens a manifest.
const MANIFEST_VERSION: &str = "manifest 3";

/// The strings the records of a run share, held once.
#[derive(Debug, Default)]
pub struct Shared {
    strings: HashSet<Arc<str>>,
}

impl Shared {
    /// `text`, as the one shared copy.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(held) = self.strings.get(text) {
            return Arc::clone(held);
        }
        let held: Arc<str> = text.into();
        self.strings.insert(Arc::clone(&held));
        held
    }

    fn intern(&mut self, mut record: Record) -> Record {
        record.rules = self.get(&record.rules);
        record.settings = self.get(&record.settings);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(etag: Option<&str>, size: u64, mtime: u64, sha: Option<[u8; 32]>) -> Record {
        Record {
            input: "in/a.csv".into(),
            source: Source {
                etag: etag.map(str::to_owned),
                size: Some(size),
                mtime: Some(mtime),
                sha256: sha,
            },
            rules: "r".into(),
            settings: "s".into(),
            ..Record::default()
        }
    }

    #[test]
    fn what_changed_decides() {
        let was = record(None, 10, 1, Some([7; 32]));
        assert_eq!(stale(None, &was, None, None), Some("new"));
        assert_eq!(stale(Some(&was), &was, None, None), None);
        let rules = Record {
            rules: "r2".into(),
            ..was.clone()
        };
        assert_eq!(stale(Some(&was), &rules, None, None), Some("rules changed"));
        let settings = Record {
            settings: "s2".into(),
            ..was.clone()
        };
        assert_eq!(
            stale(Some(&was), &settings, None, None),
            Some("salt or settings changed")
        );
        assert_eq!(
            stale(Some(&was), &record(None, 11, 1, Some([7; 32])), None, None),
            Some("input changed")
        );
        let s3 = record(Some("\"e1\""), 10, 0, None);
        assert_eq!(
            stale(Some(&s3), &record(Some("\"e2\""), 10, 0, None), None, None),
            Some("input changed")
        );
        assert_eq!(stale(Some(&s3), &s3, None, None), None);
    }

    #[test]
    fn a_touched_file_with_the_same_content_is_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        fs::write(&path, "a,b\n1,2\n").unwrap();
        let hash = sha256_file(&path).unwrap();
        let was = record(None, 8, 1, Some(hash));
        let now = record(None, 8, 2, None);
        assert_eq!(stale(Some(&was), &now, Some(&path), None), None);
        fs::write(&path, "a,b\n1,3\n").unwrap();
        assert_eq!(stale(Some(&was), &now, Some(&path), None), Some("input changed"));
    }

    #[test]
    fn outputs_are_checked_against_their_record() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.csv");
        fs::write(&out, "a,b\n").unwrap();
        let meta = fs::metadata(&out).unwrap();
        let mut was = record(None, 8, 1, Some([7; 32]));
        let present = |verify| Some(Present { path: &out, verify });
        assert_eq!(
            stale(Some(&was), &was, None, present(false)),
            Some("output not recorded")
        );
        was.stored = Some(Stored {
            size: 4,
            mtime: mtime(&meta),
            digest: Digest::of_reader(&b"a,b\n"[..]).unwrap().value(),
        });
        assert_eq!(stale(Some(&was), &was, None, present(true)), None);
        // Same size, same time (set back), other bytes: only --verify sees it.
        fs::write(&out, "x,y\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&out)
            .unwrap()
            .set_modified(meta.modified().unwrap())
            .unwrap();
        assert_eq!(stale(Some(&was), &was, None, present(false)), None);
        assert_eq!(stale(Some(&was), &was, None, present(true)), Some("output changed"));
        fs::write(&out, "").unwrap();
        assert_eq!(stale(Some(&was), &was, None, present(false)), Some("output changed"));
        fs::remove_file(&out).unwrap();
        assert_eq!(stale(Some(&was), &was, None, present(false)), Some("output missing"));
    }

    #[test]
    fn a_stricter_policy_checks_again_and_a_looser_one_does_not() {
        let mut was = record(None, 8, 1, Some([7; 32]));
        was.policy = Policy {
            guard: PiiGuard::Warn,
            allow: vec![("NOTES".into(), Kind::Email)],
            columns: ColumnPolicy::default(),
        };
        let mut now = was.clone();
        now.policy.allow = vec![("notes".into(), Kind::Email), ("X".into(), Kind::Phone)];
        now.policy.guard = PiiGuard::Off;
        assert_eq!(stale(Some(&was), &now, None, None), None);
        for stricter in [
            Policy {
                guard: PiiGuard::Fail,
                ..was.policy.clone()
            },
            Policy {
                allow: vec![],
                ..was.policy.clone()
            },
            Policy {
                columns: ColumnPolicy {
                    strict: true,
                    allow_absent: false,
                },
                ..was.policy.clone()
            },
        ] {
            now.policy = stricter;
            assert_eq!(stale(Some(&was), &now, None, None), Some("stricter checks"));
        }
        assert_eq!(Policy::from_text(&was.policy.to_text()), was.policy);
    }

    #[test]
    fn manifests_round_trip_and_metadata_too() {
        let dir = tempfile::tempdir().unwrap();
        let mut shared = Shared::default();
        let mut m = Manifest::load(dir.path(), &mut shared).unwrap();
        let mut r = record(None, 8, 5, Some([0xab; 32]));
        r.stored = Some(Stored {
            size: 3,
            mtime: Some(7),
            digest: 0xd,
        });
        r.warnings = vec!["column `X` is missing".into()];
        r.findings = vec![Finding {
            column: "NOTES".into(),
            kind: Kind::Email,
            cells: 200,
            lines: vec![6, 11, 16],
        }];
        m.insert("sub/a.csv", r.clone());
        m.save().unwrap();
        let loaded = Manifest::load(dir.path(), &mut shared).unwrap();
        assert_eq!(loaded.get("sub/a.csv"), Some(&r));
        let text = fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        assert_eq!(
            text.lines().count(),
            2,
            "a version line, then a line per output: {text}"
        );
        let from_metadata = Record::from_metadata(&r.to_metadata()).unwrap();
        assert_eq!(from_metadata.rules, r.rules);
        assert_eq!(from_metadata.policy, r.policy);
        fs::write(dir.path().join(MANIFEST), "{").unwrap();
        assert!(
            Manifest::load(dir.path(), &mut shared)
                .unwrap_err()
                .to_string()
                .contains("not a veil manifest")
        );
    }
}
