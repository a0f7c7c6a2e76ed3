"""veil's pseudonyms in DuckDB: a vectorized function over Arrow, `veil_pseudonym(column)`
in SQL, equal to the column `veil sanitize` writes for the same salt."""

import duckdb
import veil


def register(con, salt, name="veil_pseudonym", format="URL_SAFE_TOKEN", **settings):
    """Adds `name(VARCHAR) -> VARCHAR` to the connection `con`; `settings` are psoxy's."""
    pseudonymizer = veil.Pseudonymizer(salt, **settings)
    con.create_function(
        name,
        lambda values: pseudonymizer.pseudonymize(values, format),
        [duckdb.sqltype("VARCHAR")],
        duckdb.sqltype("VARCHAR"),
        type="arrow",
        side_effects=False,
    )
