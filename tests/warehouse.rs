//! The warehouse side, on a real PostgreSQL server (`common::postgres`) and DuckDB (PyPI, in
//! the tests' venv, `common::python`): the SQL files of `docs/sql/` load lookup tables
//! and sanitized copies made by the built binary (into the table `veil check --ddl` makes),
//! accumulate daily lookup tables with their conflict check, backfill a folder of them,
//! re-identify a vendor export, and compute veil's pseudonyms in SQL.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{root, run, veil};

const SEP: char = '\u{1f}';

/// One SQL engine: a fresh PostgreSQL database or a fresh DuckDB file.
enum Engine {
    Postgres { conn: String, admin: String, db: String },
    DuckDb { python: PathBuf, db: PathBuf },
}

/// What to run, in order: a SQL file of `docs/sql/<engine>/`, a statement, or a variable.
enum Arg<'a> {
    File(&'a str),
    Sql(&'a str),
    Var(&'a str, &'a str),
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

fn postgres() -> Engine {
    let admin = crate::common::postgres::admin();
    let db = format!(
        "veil_wh_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let (code, _, err) = run(psql(&admin).arg("-c").arg(format!("CREATE DATABASE {db}")));
    assert_eq!(code, 0, "CREATE DATABASE: {err}");
    // In a keyword/value string the last `dbname` wins.
    let conn = format!("{admin} dbname={db}");
    Engine::Postgres { conn, admin, db }
}

fn duckdb(dir: &Path) -> Engine {
    let python = crate::common::python::python();
    let ok = Command::new(&python)
        .args(["-c", "import duckdb"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the warehouse tests need DuckDB: scripts/test-venv.sh installs it into target/test-venv, or set \
         VEIL_TEST_PYTHON to a Python that can `import duckdb`"
    );
    Engine::DuckDb {
        python,
        db: dir.join("warehouse.duckdb"),
    }
}

fn psql(conn: &str) -> Command {
    let mut cmd = Command::new("psql");
    cmd.arg(conn)
        .args(["-X", "-q", "-A", "-t", "-F", "\u{1f}", "-v", "ON_ERROR_STOP=1"])
        .env("PGOPTIONS", "-c client_min_messages=warning")
        .env("PGCONNECT_TIMEOUT", "10");
    cmd
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Engine::Postgres { admin, db, .. } = self {
            let _ = psql(admin)
                .arg("-c")
                .arg(format!("DROP DATABASE IF EXISTS {db}"))
                .output();
        }
    }
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Postgres { .. } => "postgresql",
            Engine::DuckDb { .. } => "duckdb",
        }
    }

    /// Runs `args` in order; for PostgreSQL `stdin` (gunzipped first when named `.gz`, as
    /// the docs do) is psql's standard input, read by `\copy ... FROM pstdin`.
    /// Returns (exit code, stdout, stderr).
    fn run(&self, args: &[Arg], stdin: Option<&Path>) -> (i32, String, String) {
        let sql = root().join("docs/sql").join(self.name());
        let mut cmd = match self {
            Engine::Postgres { conn, .. } => {
                let mut cmd = match stdin {
                    Some(file) if file.extension().is_some_and(|e| e == "gz") => {
                        let mut cmd = Command::new("sh");
                        cmd.args(["-c", r#"gunzip -c "$0" | "$@""#])
                            .arg(file)
                            .arg("psql")
                            .arg(conn)
                            .args(["-X", "-q", "-A", "-t", "-F", "\u{1f}"])
                            .args(["-v", "ON_ERROR_STOP=1"])
                            .env("PGOPTIONS", "-c client_min_messages=warning")
                            .env("PGCONNECT_TIMEOUT", "10");
                        cmd
                    }
                    Some(file) => {
                        let mut cmd = psql(conn);
                        cmd.stdin(std::fs::File::open(file).unwrap());
                        cmd
                    }
                    None => psql(conn),
                };
                for arg in args {
                    match arg {
                        Arg::File(f) => cmd.arg("-f").arg(sql.join(f)),
                        Arg::Sql(s) => cmd.arg("-c").arg(s),
                        Arg::Var(n, v) => cmd.arg("-v").arg(format!("{n}={v}")),
                    };
                }
                cmd
            }
            Engine::DuckDb { python, db } => {
                let mut cmd = Command::new(python);
                cmd.arg(root().join("tests/warehouse/duckdb_sql.py"))
                    .arg(db)
                    .env("PYTHONIOENCODING", "utf-8");
                for arg in args {
                    match arg {
                        Arg::File(f) => cmd.arg(sql.join(f)),
                        Arg::Sql(s) => cmd.arg("-c").arg(s),
                        Arg::Var(n, v) => cmd.arg(format!("{n}={v}")),
                    };
                }
                cmd
            }
        };
        if stdin.is_none() {
            cmd.stdin(Stdio::null());
        }
        run(&mut cmd)
    }

    /// Runs and requires success; returns the rows of the last statement.
    fn ok(&self, args: &[Arg], stdin: Option<&Path>) -> Vec<String> {
        let (code, out, err) = self.run(args, stdin);
        assert_eq!(code, 0, "{}: {err}", self.name());
        out.lines().map(str::to_owned).collect()
    }

    /// lookup-load.sql then accumulate.sql on one lookup table (plain or `.gz`) of `day`.
    fn accumulate(&self, lookup: &Path, day: &str) -> (i32, String, String) {
        let path = lookup.to_str().unwrap();
        let args = [
            Arg::Var("lookup", path),
            Arg::Var("snapshot", day),
            Arg::File("lookup-load.sql"),
            Arg::File("accumulate.sql"),
        ];
        self.run(&args, Some(lookup))
    }

    /// `veil check --ddl` over `input` with `rules`, piped into the engine as the docs do
    /// (psql, or DuckDB reading SQL from its standard input).
    fn create_table(&self, dir: &Path, rules: &Path, input: &Path, table: &str) {
        let mut check = veil(dir);
        check
            .args(["check", "--ddl", self.name(), "--table", table, "--rules"])
            .arg(rules)
            .arg(input)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut check = check.spawn().unwrap();
        let mut load = match self {
            Engine::Postgres { conn, .. } => psql(conn),
            Engine::DuckDb { python, db } => {
                let mut cmd = Command::new(python);
                cmd.args([
                    "-c",
                    "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.stdin.read())",
                ])
                .arg(db);
                cmd
            }
        };
        let (code, _, err) = run(load.stdin(check.stdout.take().unwrap()));
        let checked = check.wait_with_output().unwrap();
        let warnings = String::from_utf8_lossy(&checked.stderr);
        assert!(checked.status.success(), "veil check --ddl: {warnings}");
        assert_eq!(code, 0, "{}: {err}", self.name());
    }

    fn count(&self, table: &str) -> usize {
        let sql = format!("SELECT count(*) FROM {table}");
        self.ok(&[Arg::Sql(&sql)], None)[0].parse().unwrap()
    }

    /// A vendor export CSV as table `vendor_export`, every column text.
    fn load_vendor(&self, csv: &Path) {
        match self {
            Engine::Postgres { .. } => self.ok(
                &[
                    Arg::Sql("CREATE TABLE vendor_export (employee_id text, collaboration_hours text)"),
                    Arg::Sql(r"\copy vendor_export FROM pstdin WITH (FORMAT csv, HEADER true)"),
                ],
                Some(csv),
            ),
            Engine::DuckDb { .. } => self.ok(
                &[
                    Arg::Var("vendor", csv.to_str().unwrap()),
                    Arg::Sql(
                        "CREATE TABLE vendor_export AS SELECT * FROM \
                         read_csv(getvariable('vendor'), header = true, all_varchar = true)",
                    ),
                ],
                None,
            ),
        };
    }
}

/// The sample's column `col` (no quoted commas before it in the sample's first columns).
fn sample_column(col: usize) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().to_owned())
        .collect()
}

/// `veil sanitize` with the redact-rename rules (URL_SAFE_TOKEN pseudonyms) and the built-in
/// lookup rules: writes `out` and the lookup tables `lookups` in `dir`.
fn sanitize(dir: &Path, salt: &str, input: &Path, out: &str, lookups: &[&str]) {
    let mut cmd = veil(dir);
    cmd.env("VEIL_SALT", salt)
        .arg("sanitize")
        .arg("--rules")
        .arg(root().join("rules-examples/hris-redact-rename.yaml"))
        .args(["-q", "-o", out]);
    for l in lookups {
        cmd.args(["--lookup", l]);
    }
    let (code, _, err) = run(cmd.arg(input));
    assert_eq!(code, 0, "{err}");
}

fn load_and_reidentify(engine: &Engine, dir: &Path) {
    let sample = root().join("testdata/hris-sample.csv");
    sanitize(
        dir,
        "salt",
        &sample,
        "hris-sanitized.csv.gz",
        &["hris-lookup.csv", "hris-lookup.csv.gz"],
    );
    sanitize(dir, "salt", &sample, "hris-sanitized.csv", &[]);

    // The lookup table, gzip then plain: 200 employees, the second load adds nothing.
    let (code, _, err) = engine.accumulate(&dir.join("hris-lookup.csv.gz"), "2024-06-30");
    assert_eq!(code, 0, "{}: {err}", engine.name());
    assert_eq!(engine.count("hris_lookup_staging"), 200);
    assert_eq!(engine.count("hris_pseudonyms"), 200);
    let (code, _, err) = engine.accumulate(&dir.join("hris-lookup.csv"), "2024-06-30");
    assert_eq!(code, 0, "{}: {err}", engine.name());
    assert_eq!(engine.count("hris_pseudonyms"), 200);

    // The sanitized copy, into the table `veil check --ddl` makes for its rules (DuckDB reads
    // the .gz, psql the plain file).
    let rules = root().join("rules-examples/hris-redact-rename.yaml");
    engine.create_table(dir, &rules, &sample, "hris_sanitized");
    let sanitized = match engine {
        Engine::Postgres { .. } => dir.join("hris-sanitized.csv"),
        Engine::DuckDb { .. } => dir.join("hris-sanitized.csv.gz"),
    };
    load_sanitized(engine, &sanitized);
    assert_eq!(engine.count("hris_sanitized"), 200);
    // Every sanitized row re-identifies, its manager too. The columns keep the file's names.
    let managers = engine.ok(
        &[Arg::Sql(
            "SELECT e.employee_id_orig, coalesce(m.employee_id_orig, '') \
             FROM hris_sanitized s \
             JOIN hris_pseudonyms e ON e.employee_id = s.\"EMPLOYEE_ID\" \
             LEFT JOIN hris_pseudonyms m ON m.employee_id = s.\"MANAGER_ID\" \
             ORDER BY e.employee_id_orig",
        )],
        None,
    );
    let ids = sample_column(1);
    let manager_ids = sample_column(5);
    let mut expected: Vec<String> = ids
        .iter()
        .zip(&manager_ids)
        .map(|(e, m)| format!("{e}{SEP}{m}"))
        .collect();
    expected.sort();
    assert_eq!(managers, expected, "{}", engine.name());

    // A vendor export keyed by pseudonyms taken from the sanitized copy, and one the
    // lookup tables never saw.
    let pseudonyms: Vec<String> = std::fs::read_to_string(dir.join("hris-sanitized.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .collect();
    let unknown = "t~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let vendor = format!(
        "employee_id,collaboration_hours\n{},12.5\n{},3\n{},40.25\n{unknown},7\n",
        pseudonyms[9], pseudonyms[0], pseudonyms[1]
    );
    std::fs::write(dir.join("vendor-export.csv"), vendor).unwrap();
    engine.load_vendor(&dir.join("vendor-export.csv"));
    let rows = engine.ok(&[Arg::File("reidentify.sql")], None);
    assert_eq!(
        rows,
        [
            format!("E0001{SEP}{}{SEP}3", pseudonyms[0]),
            format!("E0002{SEP}{}{SEP}40.25", pseudonyms[1]),
            format!("{}{SEP}{}{SEP}12.5", ids[9], pseudonyms[9]),
        ],
        "{}",
        engine.name()
    );
    assert_eq!(ids[9], "E0010");
}

/// sanitized-load.sql on one sanitized copy (plain or `.gz`).
fn load_sanitized(engine: &Engine, sanitized: &Path) {
    engine.ok(
        &[
            Arg::Var("sanitized", sanitized.to_str().unwrap()),
            Arg::File("sanitized-load.sql"),
        ],
        Some(sanitized),
    );
}

#[test]
fn postgresql_loads_and_reidentifies() {
    let dir = tempfile::tempdir().unwrap();
    load_and_reidentify(&postgres(), dir.path());
}

#[test]
fn duckdb_loads_and_reidentifies() {
    let dir = tempfile::tempdir().unwrap();
    load_and_reidentify(&duckdb(dir.path()), dir.path());
}

/// Writes the sample's header and its data rows `rows` (0-based) to `name`.
fn snapshot(dir: &Path, name: &str, rows: impl Iterator<Item = usize>) -> PathBuf {
    let text = std::fs::read_to_string(root().join("testdata/hris-sample.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = std::fs::File::create(dir.join(name)).unwrap();
    writeln!(out, "{}", lines[0]).unwrap();
    for r in rows {
        writeln!(out, "{}", lines[1 + r]).unwrap();
    }
    dir.join(name)
}

fn accumulates_and_detects_conflicts(engine: &Engine, dir: &Path) {
    // Three daily snapshots: day 2 loses 20 leavers and gains 30 joiners (and repeats a
    // row: a lookup table has one row per input row), day 3 loses 30 more and gains 20.
    let days = [
        snapshot(dir, "day1.csv", 0..150),
        snapshot(dir, "day2.csv", (20..180).chain([42])),
        snapshot(dir, "day3.csv", 50..200),
    ];
    let lookups = ["lookup-day1.csv", "lookup-day2.csv.gz", "lookup-day3.csv"];
    let dates = ["2026-11-01", "2026-11-02", "2026-11-03"];
    for (((day, lookup), seen), date) in days.iter().zip(lookups).zip([150, 180, 200]).zip(dates) {
        sanitize(dir, "salt", day, "sanitized.csv", &[lookup]);
        let (code, _, err) = engine.accumulate(&dir.join(lookup), date);
        assert_eq!(code, 0, "{}: {lookup}: {err}", engine.name());
        assert_eq!(engine.count("hris_pseudonyms"), seen, "{}", engine.name());
    }
    assert_eq!(engine.count("hris_lookup_staging"), 150);
    let ids = sample_column(1);

    // The salt changed: every original gets a second pseudonym; the load fails, adds nothing.
    sanitize(dir, "another salt", &days[2], "sanitized.csv", &["lookup-day4.csv"]);
    let (code, _, err) = engine.accumulate(&dir.join("lookup-day4.csv"), "2026-11-04");
    assert_ne!(code, 0, "{}", engine.name());
    assert!(
        err.contains("is a second pseudonym of an original already seen: salt or settings changed"),
        "{}: {err}",
        engine.name()
    );
    assert_eq!(engine.count("hris_pseudonyms"), 200, "{}", engine.name());
    for id in &ids {
        assert!(!err.contains(id.as_str()), "{}: original in: {err}", engine.name());
    }

    // A pseudonym already seen arrives with another original: fails, never naming either.
    let lookup = std::fs::read_to_string(dir.join("lookup-day1.csv")).unwrap();
    let first = lookup.lines().nth(1).unwrap().split(',').next().unwrap();
    std::fs::write(
        dir.join("lookup-bad.csv"),
        format!("EMPLOYEE_ID,EMPLOYEE_ID_ORIG\n{first},X9999\n"),
    )
    .unwrap();
    let (code, _, err) = engine.accumulate(&dir.join("lookup-bad.csv"), "2026-11-04");
    assert_ne!(code, 0, "{}", engine.name());
    assert!(
        err.contains(&format!(
            "pseudonym {first} maps to two originals: salt or settings changed"
        )),
        "{}: {err}",
        engine.name()
    );
    assert!(!err.contains("X9999") && !err.contains("E0001"), "{err}");
    assert_eq!(engine.count("hris_pseudonyms"), 200, "{}", engine.name());
}

#[test]
fn postgresql_accumulates_and_detects_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    accumulates_and_detects_conflicts(&postgres(), dir.path());
}

#[test]
fn duckdb_accumulates_and_detects_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    accumulates_and_detects_conflicts(&duckdb(dir.path()), dir.path());
}

fn quick_start_copy_loads_into_the_ddl_table(engine: &Engine, dir: &Path) {
    // The Quick start: psoxy's default rules (JSON pseudonyms, every column kept) over the
    // sample, whose 12 columns no hard-coded table fits.
    let sample = root().join("testdata/hris-sample.csv");
    let rules = root().join("rules-examples/hris-default.yaml");
    let (code, _, err) = run(veil(dir)
        .args(["sanitize", "-q", "--rules"])
        .arg(&rules)
        .args(["-o", "hris-sanitized.csv"])
        .arg(&sample));
    assert_eq!(code, 0, "{err}");
    engine.create_table(dir, &rules, &sample, "hris_sanitized");
    // Made again (a daily job may): no change. Loaded twice: the table holds one copy.
    engine.create_table(dir, &rules, &sample, "hris_sanitized");
    load_sanitized(engine, &dir.join("hris-sanitized.csv"));
    load_sanitized(engine, &dir.join("hris-sanitized.csv"));
    assert_eq!(engine.count("hris_sanitized"), 200, "{}", engine.name());
    let header = std::fs::read_to_string(&sample).unwrap();
    let header: Vec<String> = header.lines().next().unwrap().split(',').map(str::to_owned).collect();
    assert_eq!(columns_of(engine, "hris_sanitized"), header, "{}", engine.name());
    // Quoted cells (JSON pseudonyms, `Austin, TX`) come back whole.
    let (code, pseudonym, err) = run(veil(dir).args(["hash", "E0001"]));
    assert_eq!(code, 0, "{err}");
    let first = engine.ok(
        &[Arg::Sql(
            "SELECT \"EMPLOYEE_ID\", \"LOCATION\", \"SALARY\" FROM hris_sanitized \
             WHERE \"EMPLOYEE_ID\" LIKE '{\"hash\":%' ORDER BY \"JOIN_DATE\", \"EMPLOYEE_ID\" LIMIT 1",
        )],
        None,
    );
    assert_eq!(first, [format!("{}{SEP}Austin, TX{SEP}337500", pseudonym.trim_end())]);

    // Names SQL would otherwise read differently: a quote, a space, a keyword, capitals,
    // Unicode, and a blank name (called by its position).
    std::fs::write(
        dir.join("odd.csv"),
        "id,\"a\"\"b\",first name,select,Zoë 東京,\n1,x,y,z,w,\n",
    )
    .unwrap();
    std::fs::write(dir.join("odd.yaml"), "columnsToPseudonymize: [id]\n").unwrap();
    engine.create_table(dir, &dir.join("odd.yaml"), &dir.join("odd.csv"), "odd");
    assert_eq!(
        columns_of(engine, "odd"),
        ["id", "a\"b", "first name", "select", "Zoë 東京", "column_6"],
        "{}",
        engine.name()
    );
}

/// A table's column names, in order.
fn columns_of(engine: &Engine, table: &str) -> Vec<String> {
    engine.ok(
        &[Arg::Sql(&format!(
            "SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' \
             ORDER BY ordinal_position"
        ))],
        None,
    )
}

#[test]
fn postgresql_loads_the_quick_starts_copy_into_the_ddl_table() {
    let dir = tempfile::tempdir().unwrap();
    quick_start_copy_loads_into_the_ddl_table(&postgres(), dir.path());
}

#[test]
fn duckdb_loads_the_quick_starts_copy_into_the_ddl_table() {
    let dir = tempfile::tempdir().unwrap();
    quick_start_copy_loads_into_the_ddl_table(&duckdb(dir.path()), dir.path());
}

/// Five daily exports across a month's end, overlapping: day k has the sample's rows 25k to
/// 25k+99; E0001 to E0010 leave after the first day and come back on the fourth; a row repeats.
const DAYS: [&str; 5] = ["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"];

fn rows_of_day(k: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = (25 * k..25 * k + 100).collect();
    if k == 3 {
        rows.extend(0..10);
    }
    if k == 1 {
        rows.push(42);
    }
    rows
}

/// The folder `lookups/` of the five days' lookup tables, made as the docs make them: a folder
/// run over `exports/` (odd days gzipped, and a file that is not a day's); and the expected
/// `orig, first_seen, last_seen`.
fn daily_lookups(dir: &Path) -> (PathBuf, Vec<String>) {
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    for (k, day) in DAYS.iter().enumerate() {
        let export = snapshot(&exports, &format!("{day}.csv"), rows_of_day(k).into_iter());
        if k % 2 == 1 {
            let plain = std::fs::read(&export).unwrap();
            let gz = std::fs::File::create(exports.join(format!("{day}.csv.gz"))).unwrap();
            let mut gz = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
            gz.write_all(&plain).unwrap();
            gz.finish().unwrap();
            std::fs::remove_file(&export).unwrap();
        }
    }
    let mut cmd = veil(dir);
    cmd.arg("sanitize")
        .arg("--rules")
        .arg(root().join("rules-examples/hris-redact-rename.yaml"))
        .args(["-q", "-o", "out/", "--lookup", "lookups/", "exports/"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 0, "{err}");
    let lookups = dir.join("lookups");
    std::fs::write(lookups.join("notes.csv"), "not a lookup table\n").unwrap();
    let ids = sample_column(1);
    let mut expected: Vec<String> = (0..ids.len())
        .filter_map(|row| {
            let seen: Vec<&str> = (0..DAYS.len())
                .filter(|&k| rows_of_day(k).contains(&row))
                .map(|k| DAYS[k])
                .collect();
            Some(format!("{}{SEP}{}{SEP}{}", ids[row], seen.first()?, seen.last()?))
        })
        .collect();
    expected.sort();
    (lookups, expected)
}

/// The folder through the engine's backfill (PostgreSQL: backfill.sh, one psql per day;
/// DuckDB: backfill-load.sql and accumulate.sql, the folder at once), as the docs run it,
/// with none of the tests' settings that would hide notices.
fn backfill(engine: &Engine, lookups: &Path) -> (i32, String, String) {
    match engine {
        Engine::Postgres { conn, .. } => run(Command::new("bash")
            .arg(root().join("docs/sql/postgresql/backfill.sh"))
            .arg(lookups)
            .args(["-d", conn])
            .env_remove("PGOPTIONS")
            .stdin(Stdio::null())),
        Engine::DuckDb { .. } => engine.run(
            &[
                Arg::Var("lookups", lookups.to_str().unwrap()),
                Arg::File("backfill-load.sql"),
                Arg::File("accumulate.sql"),
            ],
            None,
        ),
    }
}

/// Every row of hris_pseudonyms, pseudonyms included.
fn pseudonyms_table(engine: &Engine) -> Vec<String> {
    engine.ok(
        &[Arg::Sql(
            "SELECT employee_id, employee_id_orig, first_seen, last_seen FROM hris_pseudonyms \
             ORDER BY employee_id",
        )],
        None,
    )
}

fn backfills_a_folder_of_days(engine: &Engine, dir: &Path) {
    let (lookups, expected) = daily_lookups(dir);
    let seen = "SELECT employee_id_orig, first_seen, last_seen FROM hris_pseudonyms ORDER BY employee_id_orig";

    // First seen on the first day a pseudonym was in, last seen on the last; quietly.
    let (code, out, err) = backfill(engine, &lookups);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{}", engine.name());
    assert_eq!(engine.ok(&[Arg::Sql(seen)], None), expected, "{}", engine.name());
    assert!(expected.contains(&format!("E0001{SEP}2026-10-30{SEP}2026-11-02")));

    // Again: nothing changes, nothing is said.
    let table = pseudonyms_table(engine);
    let (code, out, err) = backfill(engine, &lookups);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{}", engine.name());
    assert_eq!(pseudonyms_table(engine), table, "{}", engine.name());

    // A day made with another salt: refused, naming no original; the table is as it was.
    let export = dir.join(format!("exports/{}.csv", DAYS[4]));
    sanitize(
        dir,
        "another salt",
        &export,
        "sanitized.csv",
        &["lookups/2026-11-04.csv"],
    );
    let (code, _, err) = backfill(engine, &lookups);
    assert_ne!(code, 0, "{}", engine.name());
    assert!(err.contains("salt or settings changed"), "{}: {err}", engine.name());
    if let Engine::Postgres { .. } = engine {
        assert!(
            err.contains("2026-11-04.csv was not loaded; the days before it were"),
            "{err}"
        );
    }
    assert!(!err.contains("E0"), "{}: original in: {err}", engine.name());
    assert_eq!(pseudonyms_table(engine), table, "{}", engine.name());

    // The days one by one, newest first, with the daily recipe: the same table.
    std::fs::remove_file(lookups.join("2026-11-04.csv")).unwrap();
    let other = match engine {
        Engine::Postgres { .. } => postgres(),
        Engine::DuckDb { .. } => {
            let dir = dir.join("reversed");
            std::fs::create_dir(&dir).unwrap();
            duckdb(&dir)
        }
    };
    for (k, day) in DAYS.iter().enumerate().rev() {
        let gz = if k % 2 == 1 { ".gz" } else { "" };
        let (code, _, err) = other.accumulate(&lookups.join(format!("{day}.csv{gz}")), day);
        assert_eq!(code, 0, "{}: {day}: {err}", engine.name());
    }
    assert_eq!(pseudonyms_table(&other), table, "{}", engine.name());
}

#[test]
fn postgresql_backfills_a_folder_of_days() {
    let dir = tempfile::tempdir().unwrap();
    backfills_a_folder_of_days(&postgres(), dir.path());
}

#[test]
fn duckdb_backfills_a_folder_of_days() {
    let dir = tempfile::tempdir().unwrap();
    backfills_a_folder_of_days(&duckdb(dir.path()), dir.path());
}

fn a_load_without_its_day_is_refused(engine: &Engine, dir: &Path) {
    sanitize(
        dir,
        "salt",
        &root().join("testdata/hris-sample.csv"),
        "sanitized.csv",
        &["lookup.csv"],
    );
    let lookup = dir.join("lookup.csv");
    let args = [
        Arg::Var("lookup", lookup.to_str().unwrap()),
        Arg::File("lookup-load.sql"),
        Arg::File("accumulate.sql"),
    ];
    let (code, _, err) = engine.run(&args, Some(&lookup));
    assert_ne!(code, 0, "{}", engine.name());
    assert!(
        err.contains("no snapshot: give the lookup table's day"),
        "{}: {err}",
        engine.name()
    );
}

#[test]
fn postgresql_load_without_its_day_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    a_load_without_its_day_is_refused(&postgres(), dir.path());
}

#[test]
fn duckdb_load_without_its_day_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    a_load_without_its_day_is_refused(&duckdb(dir.path()), dir.path());
}

/// Ids whose pseudonyms SQL must compute exactly as `veil hash` does: leading zeros,
/// surrounding whitespace (trimmed like Java's String.trim), Unicode, quotes.
const IDS: &[&str] = &[
    "007",
    "7",
    " E1 ",
    "E1",
    "\tE2\r",
    "Zoë",
    "  Zoë",
    "José Ñúñez",
    "東京-42",
    "😀",
    "O'Brien",
    "a\"b",
    "x\u{b}",
];

fn sql_pseudonyms_equal_veil_hash(engine: &Engine, dir: &Path) {
    let mut expected: Vec<Vec<String>> = IDS.iter().map(|id| vec![(*id).to_owned()]).collect();
    for format in ["URL_SAFE_TOKEN", "URL_SAFE_HASH_ONLY", "JSON"] {
        let (code, out, err) = run(veil(dir).args(["hash", "--format", format]).args(IDS));
        assert_eq!(code, 0, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), IDS.len(), "{out}");
        for (row, line) in expected.iter_mut().zip(lines) {
            row.push(line.to_owned());
        }
    }
    assert_eq!(expected[2][1], expected[3][1], "veil trims ` E1 `");

    // The ids as a quoted CSV, loaded as text.
    let mut csv = String::from("id\n");
    for id in IDS {
        csv.push_str(&format!("\"{}\"\n", id.replace('"', "\"\"")));
    }
    std::fs::write(dir.join("ids.csv"), csv).unwrap();
    let ids = dir.join("ids.csv");
    let mut args = vec![Arg::Var("ids", ids.to_str().unwrap())];
    match engine {
        Engine::Postgres { .. } => {
            args.push(Arg::Sql("CREATE TABLE ids (id text)"));
            args.push(Arg::Sql(r"\copy ids FROM pstdin WITH (FORMAT csv, HEADER true)"));
        }
        Engine::DuckDb { .. } => args.push(Arg::Sql(
            "CREATE TABLE ids AS SELECT id FROM read_csv(getvariable('ids'), header = true, \
             all_varchar = true, quote = '\"', escape = '\"')",
        )),
    }
    engine.ok(&args, Some(&ids));
    assert_eq!(engine.count("ids"), IDS.len());

    // The salt is a variable, as it would come from the secret store.
    let rows = engine.ok(
        &[
            Arg::Var("salt", "salt"),
            Arg::File("pseudonym.sql"),
            Arg::File("pseudonym-query.sql"),
        ],
        None,
    );
    let mut got: Vec<Vec<String>> = rows.iter().map(|r| r.split(SEP).map(str::to_owned).collect()).collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "{}", engine.name());
}

#[test]
fn postgresql_pseudonyms_equal_veil_hash() {
    let dir = tempfile::tempdir().unwrap();
    sql_pseudonyms_equal_veil_hash(&postgres(), dir.path());
}

#[test]
fn duckdb_pseudonyms_equal_veil_hash() {
    let dir = tempfile::tempdir().unwrap();
    sql_pseudonyms_equal_veil_hash(&duckdb(dir.path()), dir.path());
}

/// docs/warehouse.md quotes every tested SQL file and script word for word.
#[test]
fn the_docs_quote_the_tested_sql() {
    let doc = std::fs::read_to_string(root().join("docs/warehouse.md")).unwrap();
    for engine in ["postgresql", "duckdb"] {
        let dir = root().join("docs/sql").join(engine);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let sql = std::fs::read_to_string(&path).unwrap();
            assert!(
                doc.contains(sql.trim_end()),
                "docs/warehouse.md does not quote {} as it is",
                path.display()
            );
        }
    }
    // The Python recipes the tests run (tests/python/).
    for entry in std::fs::read_dir(root().join("docs/python")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "py") {
            let code = std::fs::read_to_string(&path).unwrap();
            assert!(
                doc.contains(code.trim_end()),
                "docs/warehouse.md does not quote {} as it is",
                path.display()
            );
        }
    }
}
