"""veil: sanitize HR exports as psoxy does, and compute psoxy's pseudonyms in Python.

The same Rust code as the ``veil`` command and its AWS Lambda, so a pseudonym computed here
equals the one in a sanitized copy made by either (and by psoxy, for the same salt):

>>> import veil
>>> pz = veil.Pseudonymizer("salt")
>>> pz.pseudonymize(["1", None, "alice@acme.com"])  # doctest: +SKIP
['t~0zPK...', None, 't~...@acme.com']

- ``Pseudonymizer(salt, **psoxy_settings).pseudonymize(values, format=...)`` over a list, or
  a pyarrow ``string``/``large_string`` array or chunked array (zero-copy, every core), for
  Spark's ``mapInArrow``, DuckDB's Arrow UDFs and Polars' ``map_batches``;
- ``sanitize(source, rules, salt=..., output=..., lookups=[...])``: what ``veil sanitize``
  writes, from a path, bytes or a binary file object;
- ``check(source, rules)``: what ``veil check`` shows, as objects.

Errors are ``VeilError`` subclasses carrying the CLI's messages, which never contain a
value, the salt or a key.
"""

from ._veil import (
    Checked,
    Column,
    DataError,
    InternalError,
    Output,
    PiiError,
    Pseudonymizer,
    Sanitized,
    UsageError,
    VeilError,
    __version__,
    check,
    sanitize,
)

__all__ = [
    "Checked",
    "Column",
    "DataError",
    "InternalError",
    "Output",
    "PiiError",
    "Pseudonymizer",
    "Sanitized",
    "UsageError",
    "VeilError",
    "__version__",
    "check",
    "sanitize",
]
