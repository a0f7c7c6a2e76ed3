//! veil's errors as Python exceptions, one class per thing the caller does about them (the
//! kinds that decide the CLI's exit codes). Messages are the CLI's: they name the file, line,
//! column and rule, never a value, the salt or a key.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use veil::ErrorKind;

create_exception!(
    veil,
    VeilError,
    PyException,
    "Every veil error. Its message names the file, line, column and rule; never a value."
);
create_exception!(
    veil,
    UsageError,
    VeilError,
    "Rules, settings or arguments to fix (the CLI's exit code 2)."
);
create_exception!(
    veil,
    DataError,
    VeilError,
    "A bad input (a row, its bytes) or a failed read or write (the CLI's exit code 1)."
);
create_exception!(
    veil,
    PiiError,
    VeilError,
    "The PII guard (pii_guard=\"fail\") found personal data in columns that leave in clear; nothing was written (exit code 3)."
);
create_exception!(
    veil,
    InternalError,
    VeilError,
    "A bug in veil: please report it (exit code 70)."
);

/// The Python exception for a veil error.
pub fn to_py(error: impl Into<veil::Error>) -> PyErr {
    let error: veil::Error = error.into();
    let message = error.to_string();
    match error.kind() {
        ErrorKind::Usage | ErrorKind::Event => UsageError::new_err(message),
        ErrorKind::Data | ErrorKind::Deadline => DataError::new_err(message),
        ErrorKind::Pii => PiiError::new_err(message),
        ErrorKind::Internal => InternalError::new_err(message),
        _ => VeilError::new_err(message),
    }
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("VeilError", py.get_type::<VeilError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("PiiError", py.get_type::<PiiError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}
