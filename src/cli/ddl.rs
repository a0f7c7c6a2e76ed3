//! `veil check --ddl`: the `CREATE TABLE` a sanitized copy loads into, made from the same
//! plan `sanitize` runs, so that a warehouse never hard-codes the columns of one rules file.
//! Every column is text (identifiers keep their leading zeros, and no type can break a load),
//! and every name is quoted, so capitals, spaces, quotes and SQL keywords stay as the file
//! spells them.

use std::borrow::Cow;

use veil::{Error, Result};

use super::args::SqlEngine;

/// The table `--table` names when not given.
pub const DEFAULT_TABLE: &str = "sanitized";

/// A table's name, `NAME` or `SCHEMA.NAME`, each part quoted on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName(Vec<String>);

/// `--table` for clap: `NAME` or `SCHEMA.NAME` (the dot separates the schema).
pub fn parse_table(text: &str) -> std::result::Result<TableName, String> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 2 {
        return Err("give NAME or SCHEMA.NAME: a dot separates the schema from the table".into());
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Err("the table and its schema need a name".into());
    }
    if text.contains('\0') {
        return Err("a SQL name cannot hold a NUL character".into());
    }
    Ok(TableName(parts.into_iter().map(str::to_owned).collect()))
}

/// The name a column gets in the table: its own, or `column_N` (its 1-based position) when
/// blank, as SQL has no empty names.
pub fn column_name(position: usize, name: &str) -> Cow<'_, str> {
    if name.is_empty() {
        Cow::Owned(format!("column_{position}"))
    } else {
        Cow::Borrowed(name)
    }
}

/// `CREATE TABLE IF NOT EXISTS table (...)` with `columns` (a plan's output names, in order),
/// every column text, in `engine`'s syntax.
///
/// # Errors
/// There is no column, or a name holds a NUL character (no SQL name can).
pub fn create_table(engine: SqlEngine, table: &TableName, columns: &[&str]) -> Result<String> {
    if columns.is_empty() {
        return Err(Error::Usage(
            "the sanitized copy has no columns: there is no table to create".into(),
        ));
    }
    if let Some(i) = columns.iter().position(|c| c.contains('\0')) {
        return Err(Error::Usage(format!(
            "output column {} has a NUL character in its name, which no SQL name can hold",
            i + 1
        )));
    }
    let text = match engine {
        SqlEngine::Postgresql => "text",
        SqlEngine::Duckdb => "VARCHAR",
    };
    let name: Vec<String> = table.0.iter().map(|p| quoted(p)).collect();
    let mut sql = format!("CREATE TABLE IF NOT EXISTS {} (\n", name.join("."));
    for (i, column) in columns.iter().enumerate() {
        let comma = if i + 1 < columns.len() { "," } else { "" };
        sql.push_str(&format!("    {} {text}{comma}\n", quoted(&column_name(i + 1, column))));
    }
    sql.push_str(");\n");
    Ok(sql)
}

/// `name` as a SQL identifier, the same in PostgreSQL and DuckDB: in double quotes, each `"`
/// doubled; whatever it holds, it stays one name with this exact spelling.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> TableName {
        parse_table(text).unwrap()
    }

    #[test]
    fn every_column_is_text_and_every_name_quoted() {
        let sql = create_table(
            SqlEngine::Postgresql,
            &table("hris_sanitized"),
            &["EMPLOYEE_ID", "Dept"],
        )
        .unwrap();
        assert_eq!(
            sql,
            "CREATE TABLE IF NOT EXISTS \"hris_sanitized\" (\n    \"EMPLOYEE_ID\" text,\n    \"Dept\" text\n);\n"
        );
        let sql = create_table(SqlEngine::Duckdb, &table("sanitized"), &["id"]).unwrap();
        assert_eq!(
            sql,
            "CREATE TABLE IF NOT EXISTS \"sanitized\" (\n    \"id\" VARCHAR\n);\n"
        );
    }

    #[test]
    fn quotes_spaces_unicode_and_keywords_stay_one_name() {
        let columns = [
            "a\"b",
            "\"",
            "first name",
            "Zoë 東京 😀",
            "select",
            "ORDER",
            "a.b",
            "--x",
        ];
        let sql = create_table(SqlEngine::Postgresql, &table("t"), &columns).unwrap();
        let lines: Vec<&str> = sql.lines().skip(1).take(columns.len()).collect();
        assert_eq!(
            lines,
            [
                "    \"a\"\"b\" text,",
                "    \"\"\"\" text,",
                "    \"first name\" text,",
                "    \"Zoë 東京 😀\" text,",
                "    \"select\" text,",
                "    \"ORDER\" text,",
                "    \"a.b\" text,",
                "    \"--x\" text"
            ]
        );
    }

    #[test]
    fn a_schema_and_its_table_are_quoted_apart() {
        let sql = create_table(SqlEngine::Duckdb, &table("hr.Sanitized \"x\""), &["id"]).unwrap();
        assert!(
            sql.starts_with("CREATE TABLE IF NOT EXISTS \"hr\".\"Sanitized \"\"x\"\"\" (\n"),
            "{sql}"
        );
    }

    #[test]
    fn table_names_that_are_not_one_or_two_parts_are_refused() {
        for bad in ["", ".", "a.", ".a", "a.b.c", "a\0b"] {
            assert!(parse_table(bad).is_err(), "{bad:?}");
        }
        assert_eq!(table("a b"), TableName(vec!["a b".into()]));
    }

    #[test]
    fn a_blank_column_name_becomes_its_position() {
        let sql = create_table(SqlEngine::Postgresql, &table("t"), &["a", "", "c"]).unwrap();
        assert!(sql.contains("    \"column_2\" text,\n"), "{sql}");
    }

    #[test]
    fn no_columns_or_a_nul_in_a_name_is_refused() {
        let err = create_table(SqlEngine::Postgresql, &table("t"), &[]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = create_table(SqlEngine::Duckdb, &table("t"), &["a", "b\0c"]).unwrap_err();
        assert!(err.to_string().contains("output column 2 has a NUL"), "{err}");
    }
}
