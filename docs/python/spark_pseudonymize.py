"""veil's pseudonyms in Spark: the ones `veil sanitize` (and psoxy, for the same salt) write,
computed on the executors batch by batch through Arrow, with no Python loop over rows.

Every executor imports `veil`: install its wheel on the cluster (docs/warehouse.md, Spark).
"""


def pseudonymize_columns(df, columns, salt, format="URL_SAFE_TOKEN", **settings):
    """`df` with each of `columns` (string columns) replaced by its pseudonym; other columns,
    the schema and the partitioning are kept. `settings` are psoxy's, as `veil.Pseudonymizer`
    takes them (`email_domain_handling="TOKENIZE"`, ...)."""
    wanted = set(columns)

    def pseudonymize(batches):
        import pyarrow as pa
        import veil

        pseudonymizer = veil.Pseudonymizer(salt, **settings)
        for batch in batches:
            arrays = [
                pseudonymizer.pseudonymize(column, format) if name in wanted else column
                for name, column in zip(batch.schema.names, batch.columns)
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=batch.schema)

    return df.mapInArrow(pseudonymize, df.schema)
