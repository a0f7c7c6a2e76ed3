"""The DuckDB and Polars recipes (docs/python/) over the generated file: every cell equal to
the CLI's sanitized copy."""

import veil
from conftest import IDENTIFIERS, read_csv


def test_duckdb_udf_equals_the_cli(generated):
    import duckdb
    from duckdb_udf import register

    raw, sanitized = generated
    con = duckdb.connect()
    register(con, "salt")
    selected = ", ".join(f"veil_pseudonym({c}) AS {c}" if c in IDENTIFIERS else c for c in read_csv(sanitized)[0])
    rows = con.sql(f"SELECT {selected} FROM read_csv('{raw}', all_varchar = true, header = true)").fetchall()
    header, want = read_csv(sanitized)
    assert [["" if v is None else v for v in row] for row in rows] == want
    assert con.sql("SELECT veil_pseudonym(NULL), veil_pseudonym('1')").fetchall() == [
        (None, "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc")
    ]


def test_polars_expression_equals_the_cli(generated):
    import polars as pl
    from polars_expr import pseudonymized

    raw, sanitized = generated
    pz = veil.Pseudonymizer("salt")
    df = pl.read_csv(raw, infer_schema=False).with_columns(pseudonymized(c, pz) for c in IDENTIFIERS)
    header, want = read_csv(sanitized)
    assert df.columns == header
    assert [["" if v is None else v for v in row] for row in df.iter_rows()] == want
