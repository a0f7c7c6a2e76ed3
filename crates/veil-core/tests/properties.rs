//! Invariants on generated data (proptest): a pseudonymized column never holds an original
//! value, every lookup row joins its sanitized row, row counts match.

use std::collections::HashMap;

use proptest::prelude::*;
use veil_core::{
    Batch, ColumnarRules, MemoryOutput, Output, PseudonymOptions as Options, Pseudonymizer, Reader, Rules, RunOptions,
    Secrets, Sink,
};

const RULES: &str =
    "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID, EMAIL]\ncolumnsToRedact: [SALARY]\n";

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ,\"\n\t.@é+_-]{0,12}",
        "[a-z]{1,6}(\\.[a-z]{1,4})?@[a-z]{1,6}\\.(com|org|co)",
        "[0-9]{1,4}",
    ]
}

/// Quotes every field, so any generated text survives as one field.
fn csv_line(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
        .collect();
    quoted.join(",") + "\n"
}

/// psoxy trims every value (`String.trim`).
fn trimmed(v: &str) -> &str {
    v.trim_matches(|c: char| c <= ' ')
}

fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = Reader::new(bytes, "out", b",");
    let mut batch = Batch::default();
    let mut rows = Vec::new();
    while reader.read_batch(&mut batch, 100).unwrap() {
        for row in batch.rows() {
            rows.push((0..row.len()).map(|i| row.get_str(i).unwrap().to_owned()).collect());
        }
    }
    rows
}

fn sanitize(input: &str) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let Rules::Columnar(main) = Rules::from_yaml(RULES, "r").unwrap() else {
        panic!()
    };
    let lookup = ColumnarRules::lookup("EMPLOYEE_ID");
    let (a, b) = (MemoryOutput::default(), MemoryOutput::default());
    let sink = |rules, out: &MemoryOutput| {
        let out = out.clone();
        Sink {
            rules,
            location: "mem".into(),
            open: Box::new(move || Ok(Box::new(out) as Box<dyn Output>)),
            scan: false,
        }
    };
    let secrets = Secrets {
        salt: b"prop-salt".to_vec(),
        ..Secrets::default()
    };
    let pz = Pseudonymizer::new(&secrets, Options::default()).unwrap();
    veil_core::sanitize(
        input.as_bytes(),
        "in",
        &pz,
        vec![sink(&main, &a), sink(&lookup, &b)],
        &RunOptions {
            threads: 2,
            ..Default::default()
        },
    )
    .unwrap();
    (parse(&a.bytes()), parse(&b.bytes()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sanitized_output_keeps_rows_hides_originals_and_joins_the_lookup(
        rows in proptest::collection::vec((value(), value(), value(), value()), 0..40)
    ) {
        let mut input = csv_line(&["EMPLOYEE_ID", "EMAIL", "DEPT", "SALARY"]);
        for (id, email, dept, salary) in &rows {
            input.push_str(&csv_line(&[id, email, dept, salary]));
        }
        let (sanitized, lookup) = sanitize(&input);
        // Row counts match (plus the header).
        prop_assert_eq!(sanitized.len(), rows.len() + 1);
        prop_assert_eq!(lookup.len(), rows.len() + 1);
        prop_assert_eq!(&sanitized[0], &vec!["EMPLOYEE_ID".to_owned(), "EMAIL".into(), "DEPT".into()]);
        let originals: Vec<&str> = rows.iter().flat_map(|r| [trimmed(&r.0), trimmed(&r.1)]).filter(|v| !v.is_empty()).collect();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (k, (id, email, dept, _)) in rows.iter().enumerate() {
            let out = &sanitized[k + 1];
            // A pseudonymized column never holds an original value; blank stays blank.
            for (cell, original) in [(&out[0], trimmed(id)), (&out[1], trimmed(email))] {
                prop_assert!(!originals.contains(&cell.as_str()), "original value in a pseudonymized column");
                prop_assert_eq!(cell.is_empty(), original.is_empty());
                if !original.is_empty() {
                    prop_assert!(cell.starts_with("t~"));
                    // The same value always gets the same pseudonym.
                    let previous = seen.entry(original.to_owned()).or_insert_with(|| cell.clone());
                    prop_assert_eq!(&*previous, cell);
                }
            }
            prop_assert_eq!(&out[2], trimmed(dept));
            // Each lookup row joins its sanitized row and carries the original id.
            let l = &lookup[k + 1];
            prop_assert_eq!(&l[0], &out[0]);
            prop_assert_eq!(l[1].as_str(), trimmed(id));
        }
    }
}
