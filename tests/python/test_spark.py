"""The Spark recipe (docs/python/spark_pseudonymize.py) on a local Spark session, on the
machine's JDK: 100,000 generated rows in four partitions, every cell equal to the CLI's
sanitized copy of the same rows."""

import os
import sys

from conftest import IDENTIFIERS, read_csv


def test_spark_recipe_equals_the_cli(generated):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from spark_pseudonymize import pseudonymize_columns

    raw, sanitized = generated
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("veil-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "5000")
        .getOrCreate()
    )
    try:
        # One file, read whole (multiLine), so the row ids follow the file's order; then
        # spread over four partitions, as a table in a warehouse would be.
        df = (
            spark.read.csv(str(raw), header=True, multiLine=True, escape='"')
            .withColumn("_row", F.monotonically_increasing_id())
            .repartition(4)
        )
        assert df.rdd.getNumPartitions() == 4
        out = pseudonymize_columns(df, IDENTIFIERS, "salt").orderBy("_row")
        header, want = read_csv(sanitized)
        rows = out.select(*header).collect()
    finally:
        spark.stop()
    assert len(rows) == len(want) == 100_000
    got = [["" if v is None else v for v in row] for row in rows]
    mismatches = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not mismatches, f"{len(mismatches)} rows differ, first at data row {mismatches[0] + 1}"
    assert sum(1 for row in want if "@" in row[2]) == 100_000, "e-mails included"
