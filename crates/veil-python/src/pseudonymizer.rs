//! `veil.Pseudonymizer`: psoxy's pseudonyms over a Python list or a pyarrow string array,
//! computed on every core with the GIL released, value by value as the CLI computes a cell
//! (trimmed as psoxy's reader trims; a blank value has no pseudonym: null).

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use veil_core::PseudonymFormat;

use crate::arrow::{Built, Imported, Strings};
use crate::errors::{UsageError, to_py};

/// Below this many values a call stays on one thread: starting threads costs more.
const PER_THREAD: usize = 16_384;

/// Computes psoxy's pseudonyms with one salt and psoxy's settings.
///
/// Keywords are psoxy's settings by their environment names, lower-cased:
/// email_canonicalization (STRICT, IGNORE_DOTS), email_domain_handling (PRESERVE, REDACT,
/// TOKENIZE, ENCRYPT), salt_email_domains, encryption_key (ENCRYPTION_KEY_EMAIL_DOMAINS),
/// pseudonym_implementation (v0.4), and veil's hash (psoxy, hmac-sha256); threads: the
/// cores to use (default: all).
#[pyclass(module = "veil", frozen)]
pub struct Pseudonymizer {
    pub(crate) inner: Arc<veil_core::Pseudonymizer>,
    threads: usize,
}

/// A salt given as `str` or `bytes`. Text that is not valid Unicode (a lone surrogate, as
/// `os.environ` makes of bytes that are not UTF-8) is refused without showing it.
pub(crate) fn salt_bytes(salt: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if salt.is_instance_of::<PyString>() {
        return text(salt, "the salt").map(String::into_bytes);
    }
    salt.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("the salt is a str or bytes"))
}

/// A `str` argument as Rust text; the error names `what` and never shows the value (Python's
/// own UnicodeEncodeError would carry it).
pub(crate) fn text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    let Ok(text) = value.cast::<PyString>() else {
        return Err(PyTypeError::new_err(format!("{what} is a str")));
    };
    text.to_cow().map(std::borrow::Cow::into_owned).map_err(|_| {
        UsageError::new_err(format!(
            "{what} is not valid Unicode text (it holds a lone surrogate): pass it as bytes, or decode it properly"
        ))
    })
}

#[pymethods]
impl Pseudonymizer {
    #[new]
    #[pyo3(signature = (
        salt,
        *,
        email_canonicalization = None,
        email_domain_handling = None,
        salt_email_domains = None,
        encryption_key = None,
        hash = None,
        pseudonym_implementation = None,
        threads = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        salt: &Bound<'_, PyAny>,
        email_canonicalization: Option<Bound<'_, PyAny>>,
        email_domain_handling: Option<Bound<'_, PyAny>>,
        salt_email_domains: Option<Bound<'_, PyAny>>,
        encryption_key: Option<Bound<'_, PyAny>>,
        hash: Option<Bound<'_, PyAny>>,
        pseudonym_implementation: Option<Bound<'_, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let named = [
            (
                "EMAIL_CANONICALIZATION",
                "email_canonicalization",
                email_canonicalization,
            ),
            ("EMAIL_DOMAIN_HANDLING", "email_domain_handling", email_domain_handling),
            ("SALT_EMAIL_DOMAINS", "salt_email_domains", salt_email_domains),
            ("ENCRYPTION_KEY_EMAIL_DOMAINS", "encryption_key", encryption_key),
            ("VEIL_HASH", "hash", hash),
            (
                "PSEUDONYM_IMPLEMENTATION",
                "pseudonym_implementation",
                pseudonym_implementation,
            ),
        ];
        let mut settings = Vec::new();
        for (name, keyword, value) in named {
            if let Some(value) = value.filter(|v| !v.is_none()) {
                settings.push((name, text(&value, keyword)?));
            }
        }
        let lookup = |name: &str| settings.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let (inner, warnings) = veil::config::pseudonymizer_from(salt_bytes(salt)?, &lookup, None).map_err(to_py)?;
        for warning in warnings {
            let message = std::ffi::CString::new(warning).unwrap_or_default();
            PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyUserWarning>(), &message, 1)?;
        }
        let threads = check_threads(threads)?;
        Ok(Pseudonymizer {
            inner: Arc::new(inner),
            threads,
        })
    }

    /// The pseudonym of each value of `values`, in `format`.
    ///
    /// `values`: a list (or any iterable) of `str` and `None`, answered with a list; or a
    /// pyarrow `string`/`large_string` `Array` or `ChunkedArray`, answered with one of the same
    /// type and chunks. A null, or a blank value (as psoxy's `isBlank`), is answered with
    /// null. Values are trimmed as psoxy's CSV reader trims.
    #[pyo3(signature = (values, format = "URL_SAFE_TOKEN"))]
    fn pseudonymize<'py>(&self, values: &Bound<'py, PyAny>, format: &str) -> PyResult<Bound<'py, PyAny>> {
        let format = parse_format(format)?;
        let py = values.py();
        if values.hasattr("_export_to_c")? {
            return self.array(values, format);
        }
        if values.hasattr("chunks")? && values.hasattr("num_chunks")? {
            let chunks = values
                .getattr("chunks")?
                .try_iter()?
                .map(|chunk| self.array(&chunk?, format))
                .collect::<PyResult<Vec<_>>>()?;
            let pyarrow = py.import("pyarrow")?;
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("type", values.getattr("type")?)?;
            return pyarrow.call_method("chunked_array", (chunks,), Some(&kwargs));
        }
        if values.is_instance_of::<PyString>() || values.is_instance_of::<pyo3::types::PyBytes>() {
            return Err(PyTypeError::new_err(
                "values is a list (or array) of values, not one value: wrap it in a list",
            ));
        }
        self.list(values, format)
    }

    /// A SHA-256 (hex) of everything that decides pseudonyms (salt, settings); equal for two
    /// pseudonymizers that give the same pseudonyms. It reveals the salt no more than psoxy's
    /// `psoxy-salt-sha` does.
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    fn __repr__(&self) -> String {
        format!("veil.Pseudonymizer(fingerprint={:.12}...)", self.inner.fingerprint())
    }
}

impl Pseudonymizer {
    /// One pyarrow array: its buffers read in place, the pseudonyms handed back as a new array.
    fn array<'py>(&self, array: &Bound<'py, PyAny>, format: PseudonymFormat) -> PyResult<Bound<'py, PyAny>> {
        let imported = Imported::from_pyarrow(array)?;
        let strings = imported.strings();
        let py = array.py();
        let built = py.detach(|| {
            self.on_threads(strings.len(), |range, built| {
                pseudonymize_range(&self.inner, strings, range, format, built)
            })
        });
        built.into_pyarrow(py, imported.is_large())
    }

    /// A list: values taken out under the GIL, pseudonymized without it.
    fn list<'py>(&self, values: &Bound<'py, PyAny>, format: PseudonymFormat) -> PyResult<Bound<'py, PyAny>> {
        let py = values.py();
        let mut taken: Vec<Option<String>> = Vec::new();
        for (i, value) in values.try_iter()?.enumerate() {
            let value = value?;
            if value.is_none() {
                taken.push(None);
            } else if value.is_instance_of::<PyString>() {
                taken.push(Some(text(&value, &format!("value {i}"))?));
            } else {
                return Err(PyTypeError::new_err(format!(
                    "value {i} is a {}, not a str or None",
                    value.get_type().name()?
                )));
            }
        }
        let built = py.detach(|| {
            self.on_threads(taken.len(), |range, built| {
                for value in &taken[range] {
                    let before = built.data.len();
                    if let Some(v) = value {
                        self.inner.pseudonymize_cell(v, format, &mut built.data);
                    }
                    built.push(built.data.len() > before);
                }
            })
        });
        let list = PyList::empty(py);
        let mut start = 0usize;
        for (i, &end) in built.ends.iter().enumerate() {
            let end = end as usize;
            if built.validity[i / 8] & (1 << (i % 8)) == 0 {
                list.append(py.None())?;
            } else {
                // Pseudonyms are ASCII, and a domain kept in clear is the value's own text.
                let text = std::str::from_utf8(&built.data[start..end]).expect("pseudonyms are UTF-8");
                list.append(text)?;
            }
            start = end;
        }
        Ok(list.into_any())
    }

    /// Runs `work` over `n` values split into one range per thread, in order.
    fn on_threads(&self, n: usize, work: impl Fn(std::ops::Range<usize>, &mut Built) + Sync) -> Built {
        let threads = self.threads.min(n.div_ceil(PER_THREAD)).max(1);
        let width = 48;
        if threads == 1 {
            let mut built = Built::with_capacity(n, width);
            work(0..n, &mut built);
            return built;
        }
        let per = n.div_ceil(threads);
        let parts: Vec<Built> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * per).min(n)..((t + 1) * per).min(n);
                    let work = &work;
                    scope.spawn(move || {
                        let mut built = Built::with_capacity(range.len(), width);
                        work(range, &mut built);
                        built
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a pseudonymizing thread panicked"))
                .collect()
        });
        let mut parts = parts.into_iter();
        let mut built = parts.next().unwrap_or_default();
        for part in parts {
            built.append(part);
        }
        built
    }
}

/// Pseudonymizes values `range` of `strings` into `built`.
fn pseudonymize_range(
    pz: &veil_core::Pseudonymizer,
    strings: Strings<'_>,
    range: std::ops::Range<usize>,
    format: PseudonymFormat,
    built: &mut Built,
) {
    for i in range {
        let before = built.data.len();
        if let Some(bytes) = strings.get(i) {
            // Arrow strings are UTF-8 by the format's rules; a producer that broke them gets
            // null rather than a pseudonym of something else.
            if let Ok(value) = std::str::from_utf8(bytes) {
                pz.pseudonymize_cell(value, format, &mut built.data);
            }
        }
        built.push(built.data.len() > before);
    }
}

/// The threads a call may use: all cores by default, at most 1,024 (as the CLI's
/// `--threads`).
pub(crate) fn check_threads(threads: Option<usize>) -> PyResult<usize> {
    match threads {
        None => Ok(veil::available_threads()),
        Some(n @ 1..=1024) => Ok(n),
        Some(_) => Err(UsageError::new_err("threads: a whole number from 1 to 1024")),
    }
}

/// A pseudonym format by psoxy's name, in any case.
pub(crate) fn parse_format(name: &str) -> PyResult<PseudonymFormat> {
    PseudonymFormat::from_name(&name.to_ascii_uppercase()).ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "format: invalid value; valid values: {}",
            PseudonymFormat::NAMES.join(", ")
        ))
    })
}
