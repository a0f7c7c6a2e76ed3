"""Type stubs of the ``veil`` package (its native module, ``veil._veil``)."""

import os
from typing import IO, Any, Iterable, List, Literal, Optional, Sequence, Tuple, TypedDict, Union, overload

__version__: str

_Path = Union[str, "os.PathLike[str]"]
_Format = Literal["URL_SAFE_TOKEN", "JSON", "URL_SAFE_HASH_ONLY"]

class VeilError(Exception):
    """Every veil error. Its message names the file, line, column and rule; never a value."""

class UsageError(VeilError):
    """Rules, settings or arguments to fix (the CLI's exit code 2)."""

class DataError(VeilError):
    """A bad input (a row, its bytes) or a failed read or write (exit code 1)."""

class PiiError(VeilError):
    """The PII guard found personal data in columns that leave in clear; nothing was written (exit code 3)."""

class InternalError(VeilError):
    """A bug in veil: please report it (exit code 70)."""

class Pseudonymizer:
    """Computes psoxy's pseudonyms with one salt and psoxy's settings.

    The keyword arguments are psoxy's settings by their environment names, lower-cased:
    ``email_canonicalization`` (``STRICT`` or ``IGNORE_DOTS``), ``email_domain_handling``
    (``PRESERVE``, ``REDACT``, ``TOKENIZE``, ``ENCRYPT``), ``salt_email_domains``,
    ``encryption_key`` (``ENCRYPTION_KEY_EMAIL_DOMAINS``), ``pseudonym_implementation``
    (``v0.4``), and veil's ``hash`` (``psoxy`` or ``hmac-sha256``). ``threads``: cores
    to use (default: all).
    """

    def __init__(
        self,
        salt: Union[str, bytes],
        *,
        email_canonicalization: Optional[str] = None,
        email_domain_handling: Optional[str] = None,
        salt_email_domains: Optional[str] = None,
        encryption_key: Optional[str] = None,
        hash: Optional[str] = None,
        pseudonym_implementation: Optional[str] = None,
        threads: Optional[int] = None,
    ) -> None: ...
    @overload
    def pseudonymize(self, values: Iterable[Optional[str]], format: _Format = "URL_SAFE_TOKEN") -> List[Optional[str]]: ...
    @overload
    def pseudonymize(self, values: Any, format: _Format = "URL_SAFE_TOKEN") -> Any: ...
    def pseudonymize(self, values: Any, format: _Format = "URL_SAFE_TOKEN") -> Any:
        """The pseudonym of each value, in ``format``.

        ``values``: a list (or iterable) of ``str``/``None``, answered with a list; or a
        pyarrow ``string``/``large_string`` ``Array`` or ``ChunkedArray``, answered with one
        of the same type and chunks. Nulls and blank values give null. Values are trimmed as
        psoxy's CSV reader trims them, so a pseudonym equals the CLI's for the same cell.
        """
    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of everything that decides pseudonyms; equal for equal pseudonymizers."""

class _Finding(TypedDict):
    column: str
    kind: str
    cells: int
    lines: List[int]

class Sanitized:
    """What a ``sanitize`` run did, and the outputs that went to no path or file object."""

    rows: int
    input_bytes: int
    sanitized: Optional[bytes]
    lookups: List[Optional[bytes]]
    warnings: List[str]
    findings: List[_Finding]

def sanitize(
    source: Union[_Path, bytes, bytearray, IO[bytes]],
    rules: Union[_Path, str, bytes],
    *,
    salt: Union[str, bytes, Pseudonymizer],
    output: Union[_Path, IO[bytes], None] = None,
    lookups: Sequence[Union[_Path, IO[bytes], None]] = (),
    lookup_rules: Optional[Sequence[Union[_Path, str, bytes]]] = None,
    lookup_key: str = "EMPLOYEE_ID",
    pii_guard: Literal["off", "warn", "fail"] = "warn",
    pii_allow: Sequence[str] = (),
    strict_columns: bool = False,
    allow_absent_columns: bool = False,
    threads: Optional[int] = None,
) -> Sanitized:
    """Sanitizes ``source`` into its sanitized copy and lookup tables in one pass, as
    ``veil sanitize`` does: nothing is written unless everything succeeds.

    ``rules``: a path, or YAML text (a ``str`` holding a newline or ``": "``, or ``bytes``).
    ``output`` and each of ``lookups``: a path (``*.gz`` is gzip), a binary file object, or
    ``None`` to get the bytes back in the result. Lookups use ``lookup_rules`` (one per
    lookup) or the built-in ``<lookup_key>,<lookup_key>_ORIG`` rules. ``pii_allow``:
    ``"COLUMN:KIND"`` findings to accept.
    """

class Column:
    name: str
    source: Optional[str]
    action: str

class Output:
    role: Literal["sanitized", "lookup"]
    columns: List[Column]
    dropped: List[Tuple[str, str]]
    warnings: List[str]
    problems: Optional[str]

class Checked:
    input: str
    header: List[str]
    line: int
    outputs: List[Output]
    @property
    def ok(self) -> bool:
        """True when ``sanitize`` would run (with warnings or not)."""

def check(
    source: Union[_Path, bytes, bytearray, IO[bytes]],
    rules: Union[_Path, str, bytes],
    *,
    lookup_rules: Sequence[Union[_Path, str, bytes]] = (),
    lookup_key: Optional[str] = None,
    strict_columns: bool = False,
    allow_absent_columns: bool = False,
) -> Checked:
    """What ``veil check`` shows, as objects: the header, and for the sanitized copy and
    each lookup table its columns (source, action), dropped columns, warnings and problems.
    Only the header is read."""
