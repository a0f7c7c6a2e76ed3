//! What Python hands `sanitize` and `check`, made into the job layer's terms: a source
//! (a path, bytes, or a binary file object), rules (a path or YAML text), and destinations
//! (a path, a binary file object, or `None` for bytes returned).

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use veil::{Job, Location, Target};
use veil_core::{MemoryOutput, Output, Rules};

use crate::errors::to_py;

/// A source's job (no outputs yet), and the location rules are chosen by (a path's).
pub fn job(source: &Bound<'_, PyAny>) -> PyResult<(Job<'static>, Option<Location>)> {
    if let Some(path) = as_path(source)? {
        let location = Location::Local(path);
        return Ok((Job::new(location.clone()), Some(location)));
    }
    if let Ok(bytes) = source.cast::<PyBytes>() {
        return Ok((Job::from_bytes("<bytes>", bytes.as_bytes().to_vec()), None));
    }
    if let Ok(bytes) = source.cast::<PyByteArray>() {
        return Ok((Job::from_bytes("<bytes>", bytes.to_vec()), None));
    }
    if source.hasattr("read")? {
        let name = source
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .unwrap_or_else(|| "<file object>".to_owned());
        let reader = FileObjectReader {
            file: source.clone().unbind(),
        };
        return Ok((Job::from_reader(name, Box::new(reader)), None));
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
        Some(String::from_utf8_lossy(bytes.as_bytes()).into_owned())
    } else if let Ok(text) = rules.cast::<PyString>() {
        let text = text.to_cow()?;
        (text.contains('\n') || text.contains(": ")).then(|| text.into_owned())
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

/// A Python binary file object read from Rust, taking the GIL for each read.
struct FileObjectReader {
    file: Py<PyAny>,
}

impl Read for FileObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
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
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok(n)
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
            Python::attach(|py| {
                self.file
                    .bind(py)
                    .call_method1("write", (PyBytes::new(py, &chunk[..n]),))
                    .map(drop)
            })
            .map_err(|e| failed(io::Error::other(e.to_string())))?;
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
