//! Throughput of the hot paths on seeded, generated HRIS data: one pseudonym (each format,
//! psoxy and HMAC), one row through a plan, the whole pipeline in memory, and binding rules
//! to a wide header. Each reports
//! rows (or values) and bytes, and asserts what it produced.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use veil_core::{
    ColumnarRules, HashAlgorithm, MemoryOutput, Output, Plan, PseudonymFormat, PseudonymOptions, Pseudonymizer, Rules,
    RunOptions, Secrets, Sink,
};

/// The reference job of DESIGN.md "Performance".
const RULES: &str = "pseudonymFormat: URL_SAFE_TOKEN\n\
    columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]\ncolumnsToRedact: [SALARY]\n";

/// A seeded 12-column HRIS file of `rows` rows.
fn hris(rows: u64) -> String {
    let mut out = Vec::new();
    veil_generate::write_hris(&mut out, rows, 1).expect("in memory");
    String::from_utf8(out).expect("generated text is UTF-8")
}

fn pseudonymizer(hash: HashAlgorithm) -> Pseudonymizer {
    let secrets = Secrets {
        salt: b"bench-salt".to_vec(),
        ..Secrets::default()
    };
    let options = PseudonymOptions {
        hash,
        ..PseudonymOptions::default()
    };
    Pseudonymizer::new(&secrets, options).expect("salt")
}

fn reference_rules() -> ColumnarRules {
    let Rules::Columnar(rules) = Rules::from_yaml(RULES, "bench").expect("rules") else {
        unreachable!("columnar rules")
    };
    rules
}

fn bench_pseudonymize(c: &mut Criterion) {
    let mut group = c.benchmark_group("pseudonymize");
    for (hash_name, hash) in [("psoxy", HashAlgorithm::Psoxy), ("hmac", HashAlgorithm::HmacSha256)] {
        let pz = pseudonymizer(hash);
        for (name, value) in [("id", "E0001234"), ("email", "chloe.smith1234@example.com")] {
            group.throughput(Throughput::ElementsAndBytes {
                elements: 1,
                bytes: value.len() as u64,
            });
            for format in [
                PseudonymFormat::Json,
                PseudonymFormat::UrlSafeToken,
                PseudonymFormat::UrlSafeHashOnly,
            ] {
                let mut out = Vec::with_capacity(128);
                group.bench_function(format!("{hash_name}/{name}/{format:?}"), |b| {
                    b.iter(|| {
                        out.clear();
                        pz.pseudonymize(black_box(value), format, &mut out);
                        assert!(out.len() >= 43);
                    })
                });
            }
        }
    }
    group.finish();
}

/// Rows through the reference plan alone, on one thread: the cost of a row (reading, the
/// plan, pseudonyms, writing), over thousands of distinct generated rows so that the
/// pseudonym cache sees what it would see in a real file.
fn bench_transform_row(c: &mut Criterion) {
    const ROWS: u64 = 4096;
    let input = hris(ROWS);
    let rules = reference_rules();
    let pz = pseudonymizer(HashAlgorithm::Psoxy);
    let options = RunOptions {
        threads: 1,
        ..Default::default()
    };
    let mut group = c.benchmark_group("transform");
    group.throughput(Throughput::ElementsAndBytes {
        elements: ROWS,
        bytes: input.len() as u64,
    });
    group.bench_function("rows/reference-plan/1-thread", |b| {
        b.iter(|| {
            let out = MemoryOutput::default();
            let sink = Sink::new("mem", &rules, Box::new(move || Ok(Box::new(out) as Box<dyn Output>)));
            let summary = veil_core::sanitize(input.as_bytes(), "bench.csv", &pz, vec![sink], &options).expect("runs");
            assert_eq!(summary.rows, ROWS);
        })
    });
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    const ROWS: u64 = 20_000;
    let input = hris(ROWS);
    let main = reference_rules();
    let lookup = ColumnarRules::lookup("EMPLOYEE_ID");
    let pz = pseudonymizer(HashAlgorithm::Psoxy);
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::ElementsAndBytes {
        elements: ROWS,
        bytes: input.len() as u64,
    });
    group.sample_size(20);
    let mut thread_counts = vec![1, std::thread::available_parallelism().map_or(1, |n| n.get())];
    thread_counts.dedup();
    for threads in thread_counts {
        // The PII guard (issue 12) scans the sanitized output's clear columns: measured
        // beside the same run without it.
        for (guard, name) in [
            (veil_core::PiiGuard::Off, "guard-off"),
            (veil_core::PiiGuard::Warn, "guard-warn"),
        ] {
            let options = RunOptions {
                threads,
                pii_guard: guard,
                ..Default::default()
            };
            group.bench_function(format!("sanitize+lookup/20k-rows/{threads}-threads/{name}"), |b| {
                b.iter(|| {
                    let sinks = [&main, &lookup]
                        .into_iter()
                        .enumerate()
                        .map(|(i, rules)| Sink {
                            rules,
                            location: "mem".into(),
                            open: Box::new(|| Ok(Box::new(MemoryOutput::default()) as Box<dyn Output>)),
                            scan: i == 0,
                        })
                        .collect();
                    let summary =
                        veil_core::sanitize(input.as_bytes(), "bench.csv", &pz, sinks, &options).expect("runs");
                    assert_eq!(summary.rows, ROWS);
                })
            });
        }
    }
    group.finish();
}

/// The worst a cell can cost: a transform's regex that backtracks until veil's budget stops
/// it (issue 18: at most about a millisecond, where Java would take as long as the pattern
/// makes it). One row through the whole pipeline, failing on its one cell.
fn bench_regex_budget(c: &mut Criterion) {
    let Rules::Columnar(rules) = Rules::from_yaml(
        "fieldsToTransform:\n  NOTES:\n    newName: N2\n    transforms:\n      - filter: '(.*a){12}$'\n",
        "bench",
    )
    .expect("rules") else {
        unreachable!("columnar rules")
    };
    let input = "NOTES\naaaaaaaaaaaaaaaaaaaab\n";
    let pz = pseudonymizer(HashAlgorithm::Psoxy);
    let options = RunOptions {
        threads: 1,
        ..Default::default()
    };
    let mut group = c.benchmark_group("regex-budget");
    group.throughput(Throughput::Elements(1));
    group.bench_function("exhausted-cell", |b| {
        b.iter(|| {
            let sinks = vec![Sink {
                rules: &rules,
                location: "mem".into(),
                open: Box::new(|| Ok(Box::new(MemoryOutput::default()) as Box<dyn Output>)),
                scan: false,
            }];
            let err = veil_core::sanitize(input.as_bytes(), "bench.csv", &pz, sinks, &options).expect_err("exhausted");
            assert!(err.to_string().contains("backtracks too long"), "{err}");
        })
    });
    group.finish();
}

/// The digest of each output's bytes that a run computes in the pass (XXH3-128, recorded so
/// that a re-run can tell an output changed since): its rate, to set beside the pipeline's
/// (the sanitized copy and lookup of the reference job are about 1.6 times its input).
fn bench_digest(c: &mut Criterion) {
    let output = hris(100_000).into_bytes();
    let mut group = c.benchmark_group("digest");
    group.throughput(Throughput::Bytes(output.len() as u64));
    group.bench_function("xxh3-128/output-bytes", |b| {
        b.iter(|| {
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            for chunk in black_box(&output).chunks(1 << 20) {
                hasher.update(chunk);
            }
            assert_ne!(hasher.digest128(), 0);
        })
    });
    group.finish();
}

/// Binding rules to a wide header (issue 8: this was quadratic, 32 s at 20,000 columns).
fn bench_plan(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for width in [5_000usize, 20_000] {
        let header: Vec<String> = (0..width).map(|i| format!("Column_{i}")).collect();
        let yaml = format!(
            "columnsToPseudonymize: [COLUMN_1, column_{}]\ncolumnsToRedact: [COLUMN_2]\ncolumnsToRename: {{Column_3: RENAMED}}\n",
            width - 1
        );
        let Rules::Columnar(rules) = Rules::from_yaml(&yaml, "bench").expect("rules") else {
            unreachable!("columnar rules")
        };
        group.throughput(Throughput::Elements(width as u64));
        group.bench_function(format!("bind/{width}-columns"), |b| {
            b.iter(|| {
                let plan = Plan::new(&rules, black_box(&header), "wide.csv", 1).expect("plan");
                assert_eq!(plan.columns.len(), width - 1);
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_pseudonymize,
    bench_transform_row,
    bench_pipeline,
    bench_digest,
    bench_regex_budget,
    bench_plan
);
criterion_main!(benches);
