"""Shared by the Python package's tests (run by tests/python.rs, which builds and installs
the wheel first): the repository, the `veil` binary of the same build, and data made by it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(os.environ["VEIL_ROOT"])
VEIL = os.environ["VEIL_BIN"]
sys.path.insert(0, str(ROOT / "docs" / "python"))

# Rules that pseudonymize the generated file's four identifier columns and keep the rest:
# the recipes' columns, so every cell of the two outputs can be compared.
IDENTIFIERS = ["EMPLOYEE_ID", "EMPLOYEE_EMAIL", "MANAGER_ID", "MANAGER_EMAIL"]
TOKEN_RULES = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]\n"


def cli(*args, input=None, salt="salt", env=None, check=True):
    """Runs the CLI with a clean environment; returns the completed process (bytes)."""
    environment = {"PATH": os.environ.get("PATH", ""), "VEIL_SALT": salt, **(env or {})}
    done = subprocess.run([VEIL, *args], input=input, capture_output=True, env=environment)
    if check and done.returncode != 0:
        raise AssertionError(f"veil {' '.join(args)}: exit {done.returncode}: {done.stderr.decode()}")
    return done


def hash_cli(values, format="URL_SAFE_TOKEN", salt="salt", env=None):
    """`veil hash` of each value (stdin, one a line): the CLI's pseudonym, '' for a blank."""
    out = cli("hash", "--format", format, input="".join(v + "\n" for v in values).encode(), salt=salt, env=env)
    return out.stdout.decode().split("\n")[:-1]


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A generated HRIS file of 100,000 rows, and the CLI's sanitized copy of it under
    TOKEN_RULES (salt `salt`)."""
    d = tmp_path_factory.mktemp("generated")
    cli("generate", "--rows", "100000", "--seed", "11", "-o", str(d / "hris.csv"))
    (d / "rules.yaml").write_text(TOKEN_RULES)
    cli("sanitize", "--rules", str(d / "rules.yaml"), "-o", str(d / "sanitized.csv"), str(d / "hris.csv"))
    return d / "hris.csv", d / "sanitized.csv"


def read_csv(path):
    """Header and rows of a CSV veil wrote (or generated), as lists of str."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]
