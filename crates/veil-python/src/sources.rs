//! What Python hands `sanitize` and `check`, made into the job layer's terms: a source
//! (a path, bytes, or a binary file object), rules (a path or YAML text), and destinations
//! (a path, a binary file object, or `None` for bytes returned).

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use veil::{Job, Location, Target};
use veil_core::{MemoryOutput, Output, Rules};

use crate::errors::{UsageError, to_py};

/// A source's job (no outputs yet), the location rules are chosen by (a path's), and for a
/// file object the guard that ends reading from it: dropped when the call returns, so that
/// no thread of the run (gzip input is read ahead on one) reads the object afterwards.
pub fn job(source: &Bound<'_, PyAny>) -> PyResult<(Job<'static>, Option<Location>, Option<StreamGuard>)> {
    if let Ok(text) = source.cast::<PyString>()
        && text.to_cow().is_ok_and(|t| t.contains(['\n', '\r']))
    {
        return Err(UsageError::new_err(
            "a str source is a path, and this one holds a line break: pass CSV text as bytes",
        ));
    }
    if let Some(path) = as_path(source)? {
        let location = Location::Local(path);
        return Ok((Job::new(location.clone()), Some(location), None));
    }
    if let Ok(bytes) = source.cast::<PyBytes>() {
        return Ok((Job::from_bytes("<bytes>", bytes.as_bytes().to_vec()), None, None));
    }
    if let Ok(bytes) = source.cast::<PyByteArray>() {
        return Ok((Job::from_bytes("<bytes>", bytes.to_vec()), None, None));
    }
    if source.hasattr("read")? {
        let name = source
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .unwrap_or_else(|| "<file object>".to_owned());
        let ended = Arc::new(AtomicBool::new(false));
        let reader = FileObjectReader {
            file: source.clone().unbind(),
            ended: ended.clone(),
        };
        return Ok((Job::from_reader(name, Box::new(reader)), None, Some(StreamGuard(ended))));
    }
    Err(PyTypeError::new_err(
        "the source is a path (str or os.PathLike), bytes, or a binary file object",
    ))
}

/// `str` and `os.PathLike` as a path; anything else `None`.
fn as_path(value: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if value.is_instance_of::<PyString>() || value.hasattr("__fspath__")? {
        return Ok(Some(value.extract::<PathBuf>()?));
    }
    Ok(None)
}

/// Rules from a path, or from YAML text: a `str` holding a newline or `: ` is text, any
/// other `str` (and `os.PathLike`) a path; `bytes` are text.
pub fn rules(rules: &Bound<'_, PyAny>) -> PyResult<Rules> {
    let text = if let Ok(bytes) = rules.cast::<PyBytes>() {
        let text = std::str::from_utf8(bytes.as_bytes())
            .map_err(|_| UsageError::new_err("rules given as bytes: not UTF-8 text"))?;
        Some(text.to_owned())
    } else if rules.is_instance_of::<PyString>() {
        let text = crate::pseudonymizer::text(rules, "the rules")?;
        (text.contains('\n') || text.contains(": ")).then_some(text)
    } else {
        None
    };
    match text {
        Some(text) => Rules::from_yaml(&text, "<rules>").map_err(to_py),
        None => {
            let path = as_path(rules)?.ok_or_else(|| {
                PyTypeError::new_err("rules are a path (str or os.PathLike) or YAML text (str or bytes)")
            })?;
            veil::load_rules(&path).map_err(to_py)
        }
    }
}

/// Where an output goes, and the memory it is returned from when it goes nowhere else.
pub fn target(destination: &Bound<'_, PyAny>) -> PyResult<(Target, Option<MemoryOutput>)> {
    if destination.is_none() {
        let memory = MemoryOutput::default();
        return Ok((Target::Memory(memory.clone()), Some(memory)));
    }
    if let Some(path) = as_path(destination)? {
        let location = Location::Local(path);
        return Ok((Target::Location(location), None));
    }
    if destination.hasattr("write")? {
        let file = destination.clone().unbind();
        let open: veil::Opener = Arc::new(move || {
            let spool = tempfile::spooled_tempfile(SPOOL_IN_MEMORY);
            let file = Python::attach(|py| file.clone_ref(py));
            Ok(Box::new(FileObjectOutput { file, spool }) as Box<dyn Output>)
        });
        return Ok((Target::Opened(open), None));
    }
    Err(PyTypeError::new_err(
        "an output is a path (str or os.PathLike), a binary file object, or None (returned as bytes)",
    ))
}

/// Ends reading from a file object source when dropped.
pub struct StreamGuard(Arc<AtomicBool>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A Python binary file object read from Rust, taking the GIL for each read; reads end
/// (as at end of file) once its call has returned.
struct FileObjectReader {
    file: Py<PyAny>,
    ended: Arc<AtomicBool>,
}

impl Read for FileObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended.load(Ordering::Relaxed) {
            return Ok(0);
        }
        Python::attach(|py| {
            let chunk = self
                .file
                .bind(py)
                .call_method1("read", (buf.len(),))
                .map_err(|e| io::Error::other(format!("the file object's read() failed: {e}")))?;
            let bytes = chunk.cast::<PyBytes>().map_err(|_| {
                io::Error::other("the file object's read() returned no bytes: open it in binary mode ('rb')")
            })?;
            let bytes = bytes.as_bytes();
            if bytes.len() > buf.len() {
                return Err(io::Error::other(format!(
                    "the file object's read({}) returned {} bytes, more than asked",
                    buf.len(),
                    bytes.len()
                )));
            }
            buf[..bytes.len()].copy_from_slice(bytes);
            Ok(bytes.len())
        })
    }
}

/// Outputs up to this size stay in memory before they are written to the file object.
const SPOOL_IN_MEMORY: usize = 8 << 20;

/// An output into a Python file object: spooled (memory, then a temporary file) while the
/// run goes, written to the file object only when every output of the run succeeded, so a
/// failed run writes nothing to it.
struct FileObjectOutput {
    file: Py<PyAny>,
    spool: tempfile::SpooledTempFile,
}

impl Write for FileObjectOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.spool.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.spool.flush()
    }
}

impl Output for FileObjectOutput {
    fn commits_partially(&self) -> bool {
        true
    }

    fn prepare(&mut self) -> veil_core::Result<()> {
        self.spool
            .flush()
            .map_err(|e| veil_core::Error::io("writing a file object's output", e))
    }

    fn commit(mut self: Box<Self>) -> veil_core::Result<()> {
        let failed = |e: io::Error| veil_core::Error::io("writing to the file object", e);
        self.spool.seek(SeekFrom::Start(0)).map_err(failed)?;
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = self.spool.read(&mut chunk).map_err(failed)?;
            if n == 0 {
                break;
            }
            let mut done = 0;
            while done < n {
                // A raw stream may take part of what it is given: the rest goes again.
                let wrote = Python::attach(|py| -> PyResult<Option<usize>> {
                    self.file
                        .bind(py)
                        .call_method1("write", (PyBytes::new(py, &chunk[done..n]),))?
                        .extract()
                })
                .map_err(|e| failed(io::Error::other(e.to_string())))?;
                match wrote {
                    Some(w) if w > 0 && w <= n - done => done += w,
                    // BufferedWriter and friends return None only when they cannot write now.
                    _ => return Err(failed(io::Error::other("the file object's write() took no bytes"))),
                }
            }
        }
        Python::attach(|py| {
            let file = self.file.bind(py);
            match file.hasattr("flush") {
                Ok(true) => file.call_method0("flush").map(drop),
                _ => Ok(()),
            }
        })
        .map_err(|e| failed(io::Error::other(e.to_string())))
    }
}

/// One of a call's source and destinations, as far as telling two apart goes: the Python
/// object, and the file under it (device and inode) when there is one.
pub struct Place {
    what: String,
    object: usize,
    path: bool,
    file: Option<(u64, u64)>,
    output: bool,
}

impl Place {
    /// `value` (a path, a file object, bytes, or None), called `what` in messages.
    pub fn of(value: &Bound<'_, PyAny>, what: &str, output: bool) -> PyResult<Place> {
        let py = value.py();
        let os = py.import("os")?;
        let id = |stat: Bound<'_, PyAny>| -> PyResult<(u64, u64)> {
            Ok((stat.getattr("st_dev")?.extract()?, stat.getattr("st_ino")?.extract()?))
        };
        let path = as_path(value)?.is_some();
        let file = if path {
            os.call_method1("stat", (value,)).ok().map(id).transpose()?
        } else if value.hasattr("fileno")? {
            match value.call_method0("fileno") {
                Ok(fd) => os.call_method1("fstat", (fd,)).ok().map(id).transpose()?,
                Err(_) => None,
            }
        } else {
            None
        };
        Ok(Place {
            what: what.to_owned(),
            object: value.as_ptr() as usize,
            path,
            file,
            output,
        })
    }
}

/// Refuses a destination that is the source or another destination: the same file object
/// twice, or a file object over the same file as a path or another file object (the job
/// layer compares paths with paths). A lookup table written over the sanitized copy would
/// publish every original.
pub fn check_places(places: &[Place]) -> PyResult<()> {
    for (i, a) in places.iter().enumerate() {
        for b in &places[i + 1..] {
            if !(a.output || b.output) || (a.path && b.path) {
                continue;
            }
            let same_object = a.object == b.object && !a.path;
            let same_file = a.file.is_some() && a.file == b.file;
            if same_object || same_file {
                return Err(UsageError::new_err(format!(
                    "{} and {} are the same {}: each output needs a place of its own, and none may be the source",
                    a.what,
                    b.what,
                    if same_object { "object" } else { "file" }
                )));
            }
        }
    }
    Ok(())
}
