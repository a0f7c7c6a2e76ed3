//! The one pass: read the input once, write every output (sanitized copy, lookup tables).
//!
//! Order of work, so that a failure leaves nothing behind: read the header, bind every
//! output's rules to it (all problems at once), and only then open the outputs. Rows are
//! read in [`Batch`]es and each batch is written to each output's buffer, then to the
//! output. Outputs are committed only after the last row; on any error they are dropped,
//! which discards them.

use std::io::Read;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::gzip;
use crate::io::Output;
use crate::options::{PiiGuard, RunOptions};
use crate::pii::{self, Finding};
use crate::plan::Plan;
use crate::pseudonym::Pseudonymizer;
use crate::reader::{Batch, LineEnding, Reader};
use crate::rules::ColumnarRules;
use crate::summary::{OutputSummary, Summary};
use crate::workers::{Tally, Work, Writer, copy_rows};
use crate::writer::push_header;
use javalang as java;

/// Opens an output; called only once everything has been validated.
pub type Opener<'a> = Box<dyn FnOnce() -> Result<Box<dyn Output>> + 'a>;

/// One output of the pass: its rules and how to open it once everything checks out.
pub struct Sink<'a> {
    /// The rules for this output.
    pub rules: &'a ColumnarRules,
    /// Where it goes, for the summary.
    pub location: String,
    /// Creates the output.
    pub open: Opener<'a>,
    /// Look for personal data in its clear columns ([`crate::RunOptions::pii_guard`]): the output
    /// that leaves (the sanitized copy), not the private lookup tables.
    pub scan: bool,
}

/// The header of an input: its names and the line they are on; `None` for an empty input.
///
/// # Errors
/// The first record cannot be read.
pub fn read_header<R: Read>(reader: &mut Reader<R>, batch: &mut Batch) -> Result<Option<(Vec<String>, u64)>> {
    if !reader.read_batch(batch, 1)? {
        return Ok(None);
    }
    let row = batch.row(0);
    let names = (0..row.len())
        .map(|i| row.get_str(i).unwrap_or("").to_owned())
        .collect();
    Ok(Some((names, row.line())))
}

/// The input delimiter all outputs agree on.
///
/// # Errors
/// Two outputs' rules set different delimiters (the input is read once).
pub fn common_delimiter<'a>(rules: impl IntoIterator<Item = &'a ColumnarRules>) -> Result<Vec<u8>> {
    let mut chosen: Option<&[u8]> = None;
    for r in rules {
        if r.delimiter.as_deref().is_some_and(|d| !d.is_empty()) {
            match chosen {
                Some(d) if d != r.delimiter_bytes() => {
                    return Err(Error::setting(
                        "delimiter",
                        "the rules set different `delimiter`s, but the input is read once with one delimiter",
                    ));
                }
                _ => chosen = Some(r.delimiter_bytes()),
            }
        }
    }
    Ok(chosen.unwrap_or(b",").to_vec())
}

impl<'a> Sink<'a> {
    /// An output at `location` (for messages and the summary) made with `rules`, opened by
    /// `open`; not scanned by the PII guard (see [`Sink::scan`]).
    pub fn new(location: impl Into<String>, rules: &'a ColumnarRules, open: Opener<'a>) -> Self {
        Sink {
            rules,
            location: location.into(),
            open,
            scan: false,
        }
    }
}

/// Sanitizes `input` into every sink in one pass.
///
/// # Errors
/// Rules that do not fit the header (exit 2), a bad row or bytes (exit 1), or I/O.
/// On error no output is committed.
pub fn sanitize<R: Read>(
    input: R,
    name: &str,
    pseudonymizer: &Pseudonymizer,
    sinks: Vec<Sink<'_>>,
    options: &RunOptions<'_>,
) -> Result<Summary> {
    let delimiter = common_delimiter(sinks.iter().map(|s| s.rules))?;
    let mut reader = Reader::new(input, name, &delimiter).with_limits(options.limits);
    let mut batch = Batch::default();
    // An empty input has no header: psoxy still writes the columns its rules create.
    let (names, line) = read_header(&mut reader, &mut batch)?.unwrap_or((Vec::new(), 1));
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for sink in &sinks {
        match Plan::bind(sink.rules, &names, name, line, options.columns) {
            Ok(p) => plans.push(p),
            // The same problem in two outputs' rules is told once.
            Err(Error::Header { problems: p, .. }) => {
                for problem in p {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Header {
            file: name.into(),
            line,
            problems,
        });
    }
    let eol = reader.line_ending();
    // The clear columns of each output the guard looks at (none when it is off).
    let clear: Vec<Vec<usize>> = sinks
        .iter()
        .zip(&plans)
        .map(|(sink, plan)| match sink.scan && options.pii_guard != PiiGuard::Off {
            true => plan.clear_columns(),
            false => Vec::new(),
        })
        .collect();
    let mut outputs: Vec<Box<dyn Output>> = Vec::new();
    let mut summaries = Vec::new();
    let result = (|| {
        for (sink, plan) in sinks.into_iter().zip(&plans) {
            outputs.push((sink.open)()?);
            summaries.push(OutputSummary {
                columns: plan.columns.len(),
                pseudonymized: plan.pseudonymized_columns(),
                warnings: warnings(
                    plan,
                    sink.scan && options.pii_guard != PiiGuard::Off,
                    &options.pii_allow,
                ),
                findings: Vec::new(),
                bytes: 0,
                digest: 0,
                location: sink.location,
            });
        }
        let plans: Vec<&Plan> = plans.iter().collect();
        let level = options.gzip_level.unwrap_or(gzip::DEFAULT_LEVEL);
        let levels: Vec<Option<u32>> = outputs.iter().map(|o| o.gzip().then_some(level)).collect();
        let mut writer = Writer {
            outputs: &mut outputs,
            members: levels.iter().map(|l| l.map(|_| gzip::Member::default())).collect(),
            summaries: &summaries,
            tally: Tally::default(),
            digests: levels.iter().map(|_| Digest::default()).collect(),
        };
        let eol_bytes = eol.map_or(&b""[..], LineEnding::as_bytes);
        let mut head = Work::default();
        for (i, plan) in plans.iter().enumerate() {
            head.text.push(Vec::new());
            push_header(&mut head.text[i], &plan.header(), eol_bytes);
        }
        head.encode(&levels, &mut Vec::new());
        writer.start()?;
        writer.write(&head)?;
        let header_names = names.as_slice();
        let rows = copy_rows(
            &mut reader,
            &mut batch,
            &plans,
            &clear,
            &mut writer,
            &levels,
            header_names,
            eol,
            pseudonymizer,
            name,
            options,
        )?;
        writer.finish()?;
        Ok((rows, writer.tally, writer.digests))
    })();
    let result = result.and_then(|(rows, tally, digests)| {
        for (i, (summary, digest)) in summaries.iter_mut().zip(digests).enumerate() {
            summary.findings = tally.findings(i, &plans[i], &options.pii_allow);
            summary.bytes = digest.len();
            summary.digest = digest.value();
        }
        let found: Vec<(String, Finding)> = summaries
            .iter()
            .flat_map(|s| s.findings.iter().map(|f| (s.location.clone(), f.clone())))
            .collect();
        if options.pii_guard == PiiGuard::Fail && !found.is_empty() {
            return Err(Error::Pii {
                file: name.to_owned(),
                findings: found,
            });
        }
        Ok(rows)
    });
    // Every output is prepared (written out, synced, uploaded) before any is published, so
    // a failure in one at the end leaves none behind.
    let prepared = result.and_then(|rows| outputs.iter_mut().try_for_each(|out| out.prepare()).map(|()| rows));
    let rows = match prepared {
        Ok(rows) => rows,
        Err(e) => {
            for out in outputs {
                out.abort();
            }
            return Err(e);
        }
    };
    // An output whose commit can fail part way (a stream written only now) goes first, so
    // that its failure publishes none of the others.
    outputs.sort_by_key(|out| !out.commits_partially());
    let mut outputs = outputs.into_iter();
    while let Some(out) = outputs.next() {
        if let Err(e) = out.commit() {
            for rest in outputs {
                rest.abort();
            }
            return Err(e);
        }
    }
    Ok(Summary {
        input: name.to_owned(),
        rows,
        input_bytes: reader.bytes_read(),
        outputs: summaries,
    })
}

/// The warnings of one output: its plan's, and, for an output the guard scans, each
/// `--pii-allow` column it does not have (a typo there accepts nothing).
fn warnings(plan: &Plan, scanned: bool, allow: &[(String, pii::Kind)]) -> Vec<String> {
    let mut warnings = plan.warnings();
    if scanned {
        for (column, kind) in allow {
            if !plan.columns.iter().any(|c| java::equals_ignore_case(&c.name, column)) {
                warnings.push(format!(
                    "--pii-allow `{}:{kind}`: the output has no column `{}`, so it accepts nothing",
                    crate::escape::name(column),
                    crate::escape::name(column)
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::error::DataError;
    use crate::io::MemoryOutput;
    use crate::plan::ColumnPolicy;
    use crate::pseudonym::{Options as PzOptions, Secrets};
    use crate::rules::Rules;

    /// Options that read files as psoxy does, rule columns absent or not (these tests are
    /// about other things; the refusals have tests of their own in `plan`).
    fn psoxy() -> RunOptions<'static> {
        RunOptions {
            columns: ColumnPolicy {
                strict: false,
                allow_absent: true,
            },
            ..RunOptions::default()
        }
    }

    fn pz() -> Pseudonymizer {
        let secrets = Secrets {
            salt: b"salt".to_vec(),
            ..Secrets::default()
        };
        Pseudonymizer::new(&secrets, PzOptions::default()).unwrap()
    }

    fn columnar(yaml: &str) -> ColumnarRules {
        match Rules::from_yaml(yaml, "r.yaml").unwrap() {
            Rules::Columnar(c) => c,
            Rules::MultiType(_) => panic!(),
        }
    }

    fn sanitize(input: &str, yamls: &[&str], options: &RunOptions<'_>) -> Result<Vec<String>> {
        let rules: Vec<ColumnarRules> = yamls.iter().map(|y| columnar(y)).collect();
        let outs: Vec<MemoryOutput> = rules.iter().map(|_| MemoryOutput::default()).collect();
        let sinks = rules
            .iter()
            .zip(&outs)
            .map(|(r, o)| {
                let o = o.clone();
                Sink {
                    rules: r,
                    location: "mem".into(),
                    open: Box::new(move || Ok(Box::new(o) as Box<dyn Output>)),
                    scan: false,
                }
            })
            .collect();
        super::sanitize(input.as_bytes(), "in.csv", &pz(), sinks, options)?;
        Ok(outs.iter().map(|o| String::from_utf8(o.bytes()).unwrap()).collect())
    }

    /// BOM and quoting variants under every line ending and delimiter (`testdata/dialect/`):
    /// 0 to 3 byte-order marks, a final newline or none, the last field plain, quoted, quoted
    /// with spaces and an escaped quote, spanning lines, or an empty quoted string; each row
    /// holds psoxy's output (see `testdata/golden/INDEX.md`, source "psoxy").
    #[test]
    fn every_line_ending_delimiter_bom_and_quoting_matches_psoxy() {
        use javalang::unescape_probe as unescape;
        let table = include_str!("../testdata/dialect/cases.tsv");
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (delimiter, data, want) = (unescape(fields[0]), unescape(fields[1]), unescape(fields[2]));
            let yaml = format!("delimiter: {delimiter:?}\ncolumnsToPseudonymize: [id]\n");
            let got = sanitize(&data, &[&yaml], &psoxy()).map(|mut outs| outs.remove(0));
            assert_eq!(got.ok(), Some(want), "delimiter {:?}, input {:?}", delimiter, data);
            checked += 1;
        }
        assert_eq!(checked, 480);
    }

    #[test]
    fn gzip_outputs_are_one_member_whatever_the_threads() {
        let input = String::from_utf8({
            let mut v = Vec::new();
            veil_generate::write_hris(&mut v, 20_000, 3).unwrap();
            v
        })
        .unwrap();
        let rules = columnar("columnsToPseudonymize: [EMPLOYEE_ID]\n");
        let plain = sanitize(&input, &["columnsToPseudonymize: [EMPLOYEE_ID]\n"], &psoxy()).unwrap();
        for threads in [1, 2, 3] {
            for level in [None, Some(0), Some(6)] {
                let out = MemoryOutput::gzip();
                let sink = Sink {
                    rules: &rules,
                    location: "mem.gz".into(),
                    open: Box::new({
                        let out = out.clone();
                        move || Ok(Box::new(out) as Box<dyn Output>)
                    }),
                    scan: false,
                };
                let options = RunOptions {
                    threads,
                    gzip_level: level,
                    ..psoxy()
                };
                super::sanitize(input.as_bytes(), "in.csv", &pz(), vec![sink], &options).unwrap();
                let gz = out.bytes();
                let mut one_member = flate2::bufread::GzDecoder::new(&gz[..]);
                let mut text = String::new();
                std::io::Read::read_to_string(&mut one_member, &mut text).unwrap();
                assert!(one_member.into_inner().is_empty(), "one member");
                assert_eq!(text, plain[0], "threads {threads}, level {level:?}");
            }
        }
    }

    #[test]
    fn g6_mixed_line_endings_use_the_first_everywhere() {
        let out = sanitize(
            "foo,bar\r\n1,2\r\n1,2\n1,2\n",
            &["columnsToPseudonymize: [foo]\n"],
            &psoxy(),
        )
        .unwrap();
        let row = "\"{\"\"hash\"\"\":\"\"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\"\"}\",2\r\n";
        let row = row.replace("\"\"\":", "\"\":");
        assert_eq!(out[0], format!("foo,bar\r\n{row}{row}{row}"));
    }

    #[test]
    fn one_pass_feeds_the_sanitized_output_and_the_lookup() {
        let main = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToRedact: [SALARY]\n";
        let lookup = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\n\
                      columnsToInclude: [EMPLOYEE_ID]\ncolumnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";
        let out = sanitize("EMPLOYEE_ID,SALARY\n1,100\n,200\n", &[main, lookup], &psoxy()).unwrap();
        assert_eq!(out[0], "EMPLOYEE_ID\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc\n\n");
        assert_eq!(
            out[1],
            "EMPLOYEE_ID,EMPLOYEE_ID_ORIG\nt~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc,1\n,\n"
        );
    }

    /// Remembers whether it was published or discarded; its `prepare` can be made to fail.
    struct Recorder {
        fail_prepare: bool,
        state: Arc<Mutex<&'static str>>,
    }

    impl std::io::Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Output for Recorder {
        fn prepare(&mut self) -> Result<()> {
            *self.state.lock().unwrap() = "prepared";
            if self.fail_prepare {
                return Err(Error::io("writing out2.csv", std::io::Error::other("disk full")));
            }
            Ok(())
        }

        fn commit(self: Box<Self>) -> Result<()> {
            *self.state.lock().unwrap() = "committed";
            Ok(())
        }

        fn abort(self: Box<Self>) {
            *self.state.lock().unwrap() = "aborted";
        }
    }

    #[test]
    fn every_output_is_prepared_before_any_is_published() {
        let rules = columnar("columnsToRedact: [b]\n");
        for fail_second in [false, true] {
            let states: Vec<_> = (0..2).map(|_| Arc::new(Mutex::new("open"))).collect();
            let sinks = states
                .iter()
                .enumerate()
                .map(|(i, state)| {
                    let (state, fail_prepare) = (Arc::clone(state), fail_second && i == 1);
                    Sink {
                        rules: &rules,
                        location: format!("out{}.csv", i + 1),
                        open: Box::new(move || Ok(Box::new(Recorder { fail_prepare, state }) as Box<dyn Output>)),
                        scan: false,
                    }
                })
                .collect();
            let result = super::sanitize("a,b\n1,2\n".as_bytes(), "in.csv", &pz(), sinks, &psoxy());
            let states: Vec<&str> = states.iter().map(|s| *s.lock().unwrap()).collect();
            if fail_second {
                let message = result.unwrap_err().to_string();
                assert!(
                    message.contains("writing out2.csv") && message.contains("disk full"),
                    "{message}"
                );
                assert_eq!(states, ["aborted", "aborted"]);
            } else {
                assert_eq!(result.unwrap().rows, 1);
                assert_eq!(states, ["committed", "committed"]);
            }
        }
    }

    #[test]
    fn header_only_and_empty_inputs() {
        let rules = ["columnsToRedact: [x]\n"];
        assert_eq!(sanitize("a,b", &rules, &psoxy()).unwrap(), ["a,b"]);
        assert_eq!(sanitize("a,b\n", &rules, &psoxy()).unwrap(), ["a,b\n"]);
        assert_eq!(sanitize("", &rules, &psoxy()).unwrap(), [""]);
        assert_eq!(sanitize("a,b\n1,2", &rules, &psoxy()).unwrap(), ["a,b\n1,2\n"]);
    }

    #[test]
    fn short_and_shifted_rows_fail_with_their_line() {
        let rules = ["columnsToRedact: [x]\n"];
        let err = sanitize("a,b,c\n1,2,3\n1,2\n", &rules, &psoxy()).unwrap_err();
        assert_eq!(err.to_string().split(':').next().unwrap(), "in.csv line 3");
        assert!(matches!(
            err,
            Error::Data {
                kind: DataError::ShortRow { .. },
                ..
            }
        ));
        let err = sanitize("a,b\n1,2,SECRET\n", &rules, &psoxy()).unwrap_err();
        assert!(matches!(
            err,
            Error::Data {
                line: 2,
                kind: DataError::ExtraFields { .. },
                ..
            }
        ));
        assert!(!err.to_string().contains("SECRET"));
        assert_eq!(sanitize("a,b\n1,2,\n", &rules, &psoxy()).unwrap(), ["a,b\n1,2\n"]);
    }

    #[test]
    fn pipelines_follow_psoxy_and_null_stays_null() {
        let yaml = "fieldsToTransform:\n  EMAIL:\n    newName: GH\n    transforms:\n      - filter: '(.*)@.*'\n      - formatString: '%s_enterprise'\n      - pseudonymize: true\n";
        let out = sanitize("EMAIL\nalice@worklytics.co\nnot-an-email\n", &[yaml], &psoxy()).unwrap();
        assert_eq!(
            out[0],
            "EMAIL,GH\nalice@worklytics.co,\"{\"\"hash\"\":\"\"sbIXAryuJzPz0dxRh4swzuxCY9_ZetgbAQlcrI-W30g\"\"}\"\nnot-an-email,\n"
        );
    }

    #[test]
    fn shuffle_permutes_within_blocks_and_keeps_every_row() {
        let mut input = String::from("n\n");
        for i in 0..1200 {
            input.push_str(&format!("{i}\n"));
        }
        let options = RunOptions {
            shuffle_seed: Some(7),
            ..psoxy()
        };
        let out = sanitize(&input, &["columnsToRedact: [x]\n"], &options).unwrap();
        let rows: Vec<usize> = out[0].lines().skip(1).map(|l| l.parse().unwrap()).collect();
        assert_ne!(rows, (0..1200).collect::<Vec<_>>());
        assert!(rows[..500].iter().all(|&r| r < 500), "blocks of 500 stay blocks");
        let mut sorted = rows.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1200).collect::<Vec<_>>());
    }

    #[test]
    fn threads_never_change_the_output_even_shuffled() {
        let mut input = Vec::new();
        veil_generate::write_hris(&mut input, 30_000, 9).unwrap();
        let input = String::from_utf8(input).unwrap();
        let rules = [
            "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID, MANAGER_EMAIL]\n",
            "columnsToInclude: [EMPLOYEE_ID]\n",
        ];
        for seed in [None, Some(3)] {
            let with = |threads| {
                let options = RunOptions {
                    threads,
                    shuffle_seed: seed,
                    ..psoxy()
                };
                sanitize(&input, &rules, &options).unwrap()
            };
            let one = with(1);
            assert_eq!(one[0].lines().count(), 30_001);
            assert_eq!(with(2), one, "seed {seed:?}");
            assert_eq!(with(5), one, "seed {seed:?}");
        }
    }

    #[test]
    fn a_late_error_in_parallel_mode_names_its_line() {
        let mut input = Vec::new();
        veil_generate::write_hris(&mut input, 20_000, 9).unwrap();
        input.extend_from_slice(b"2024-07-01,E1\n");
        let options = RunOptions { threads: 3, ..psoxy() };
        let err = sanitize(
            std::str::from_utf8(&input).unwrap(),
            &["columnsToRedact: [SALARY]\n"],
            &options,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Data {
                    line: 20_002,
                    kind: DataError::ShortRow { .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn differing_delimiters_are_refused() {
        let err = sanitize("a\n1\n", &["delimiter: ';'\n", "delimiter: '|'\n"], &psoxy()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
