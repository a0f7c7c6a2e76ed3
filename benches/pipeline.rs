//! Throughput of the hot paths on seeded, generated HRIS data.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use veil::{
    ColumnarRules, MemoryOutput, Output, PseudonymFormat, PseudonymOptions, Pseudonymizer, Rules, Secrets, Sink,
    pipeline,
};

const RULES: &str = "pseudonymFormat: URL_SAFE_TOKEN\n\
    columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]\ncolumnsToRedact: [SALARY]\n";

/// A seeded 12-column HRIS file of `rows` rows.
fn hris(rows: u64) -> String {
    let mut out = Vec::new();
    veil::generate::write_hris(&mut out, rows, 1).expect("in memory");
    String::from_utf8(out).expect("generated text is UTF-8")
}

fn pseudonymizer() -> Pseudonymizer {
    let secrets = Secrets {
        salt: b"bench-salt".to_vec(),
        ..Secrets::default()
    };
    Pseudonymizer::new(&secrets, PseudonymOptions::default()).expect("salt")
}

fn bench_pseudonymize(c: &mut Criterion) {
    let pz = pseudonymizer();
    let mut group = c.benchmark_group("pseudonymize");
    group.throughput(Throughput::Elements(1));
    for (name, value) in [("id", "E0001234"), ("email", "user1234@example.com")] {
        for format in [
            PseudonymFormat::Json,
            PseudonymFormat::UrlSafeToken,
            PseudonymFormat::UrlSafeHashOnly,
        ] {
            let mut out = Vec::with_capacity(128);
            group.bench_function(format!("{name}/{format:?}"), |b| {
                b.iter(|| {
                    out.clear();
                    pz.pseudonymize(black_box(value), format, &mut out);
                    assert!(out.len() >= 43);
                })
            });
        }
    }
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    const ROWS: u64 = 20_000;
    let input = hris(ROWS);
    let Rules::Columnar(main) = Rules::from_yaml(RULES, "bench").expect("rules") else {
        unreachable!()
    };
    let lookup = ColumnarRules::lookup("EMPLOYEE_ID");
    let pz = pseudonymizer();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    group.bench_function("sanitize+lookup/20k-rows", |b| {
        b.iter(|| {
            let sinks = [&main, &lookup]
                .into_iter()
                .map(|rules| Sink {
                    rules,
                    location: "mem".into(),
                    open: Box::new(|| Ok(Box::new(MemoryOutput::default()) as Box<dyn Output>)),
                })
                .collect();
            let summary = pipeline::run(input.as_bytes(), "bench.csv", &pz, sinks, &Default::default()).expect("runs");
            assert_eq!(summary.rows, ROWS);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_pseudonymize, bench_pipeline);
criterion_main!(benches);
