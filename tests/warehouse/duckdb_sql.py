r"""Runs SQL files against a DuckDB database for tests/warehouse.rs.

usage: duckdb_sql.py DATABASE [NAME=VALUE | FILE.sql | -c SQL]...

NAME=VALUE sets a DuckDB variable (SET VARIABLE, read with getvariable), FILE.sql and -c SQL
run in order. The rows of the last statement go to stdout, one a line, fields separated by
U+001F (as `psql -A -t -F $'\x1f'` prints them), NULL as empty; an error goes to stderr with
exit code 1.
"""

import sys

import duckdb


def main(argv):
    con = duckdb.connect(argv[1])
    result = None
    args = iter(argv[2:])
    try:
        for arg in args:
            if arg == "-c":
                result = con.execute(next(args))
            elif arg.endswith(".sql"):
                with open(arg, encoding="utf-8") as f:
                    result = con.execute(f.read())
            else:
                name, value = arg.split("=", 1)
                con.execute(f"SET VARIABLE {name} = ?", [value])
        rows = result.fetchall() if result is not None and result.description else []
    except duckdb.Error as e:
        print(f"duckdb: {e}", file=sys.stderr)
        return 1
    for row in rows:
        print("\x1f".join("" if v is None else str(v) for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
