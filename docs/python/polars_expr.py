"""veil's pseudonyms in Polars: an expression over whole batches (Arrow, no Python loop),
equal to the column `veil sanitize` writes for the same salt."""

import polars as pl


def pseudonymized(column, pseudonymizer, format="URL_SAFE_TOKEN"):
    """`column` replaced by its pseudonym, under the same name; `pseudonymizer` is a
    `veil.Pseudonymizer`."""
    return pl.col(column).map_batches(
        lambda series: pl.Series(series.name, pseudonymizer.pseudonymize(series.to_arrow(), format)),
        return_dtype=pl.String,
    )
