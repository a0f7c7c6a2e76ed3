//! BOM and quoting variants under every line ending and delimiter (`testdata/dialect/`):
//! 0 to 3 byte-order marks, a final newline or none, the last field plain, quoted, quoted
//! with spaces and an escaped quote, spanning lines, or an empty quoted string. Each row holds
//! psoxy's output for the file (see `testdata/golden/INDEX.md`, source "psoxy").

use veil::{MemoryOutput, Output, PseudonymOptions, Pseudonymizer, Rules, Secrets, Sink, pipeline};

use crate::common::root;

/// Undoes the table's `\uXXXX` escapes (UTF-16 units).
fn unescape(s: &str) -> String {
    let mut units = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        units.extend(rest[..i].encode_utf16());
        units.push(u16::from_str_radix(&rest[i + 2..i + 6], 16).expect("four hex digits"));
        rest = &rest[i + 6..];
    }
    units.extend(rest.encode_utf16());
    String::from_utf16(&units).expect("whole characters")
}

fn sanitize(delimiter: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    let yaml = format!("delimiter: {delimiter:?}\ncolumnsToPseudonymize: [id]\n");
    let rules = Rules::from_yaml(&yaml, "dialect").map_err(|e| e.to_string())?;
    let rules = rules.for_key("x.csv").expect("columnar");
    let secrets = Secrets {
        salt: b"salt".to_vec(),
        ..Secrets::default()
    };
    let pz = Pseudonymizer::new(&secrets, PseudonymOptions::default()).expect("salt");
    let out = MemoryOutput::default();
    let sink = Sink {
        rules,
        location: "memory".into(),
        open: Box::new({
            let out = out.clone();
            move || Ok(Box::new(out) as Box<dyn Output>)
        }),
    };
    pipeline::run(input, "x.csv", &pz, vec![sink], &Default::default()).map_err(|e| e.to_string())?;
    Ok(out.bytes())
}

#[test]
fn every_line_ending_delimiter_bom_and_quoting_matches_psoxy() {
    let table = std::fs::read_to_string(root().join("testdata/dialect/cases.tsv")).unwrap();
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (delimiter, input, want) = (unescape(fields[0]), unescape(fields[1]), fields[2]);
        let got = sanitize(&delimiter, input.as_bytes());
        match want.strip_prefix("ERROR: ") {
            Some(_) => assert!(got.is_err(), "{input:?}: psoxy fails, veil wrote {got:?}"),
            None => assert_eq!(
                got.as_deref().map(String::from_utf8_lossy),
                Ok(unescape(want).into()),
                "delimiter {delimiter:?}, input {input:?}"
            ),
        }
        checked += 1;
    }
    assert_eq!(checked, 480);
}
