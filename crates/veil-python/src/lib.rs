//! The `veil` Python package's native module (`veil._veil`): pseudonyms over lists and
//! Arrow arrays, `sanitize` and `check`, calling the same Rust code as the CLI and the
//! Lambda. The Python side (`python/veil/`) re-exports it, with type stubs.

mod arrow;
mod check;
mod errors;
mod pseudonymizer;
mod sanitize;
mod sources;

use pyo3::prelude::*;

#[pymodule]
fn _veil(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<pseudonymizer::Pseudonymizer>()?;
    m.add_class::<sanitize::Sanitized>()?;
    m.add_class::<check::Checked>()?;
    m.add_class::<check::Output>()?;
    m.add_class::<check::Column>()?;
    m.add_function(wrap_pyfunction!(sanitize::sanitize, m)?)?;
    m.add_function(wrap_pyfunction!(check::check, m)?)?;
    errors::register(m)
}
