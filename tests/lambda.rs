//! The `veil` binary as a Lambda, driven through the Runtime API (a small emulator of the
//! documented HTTP interface) against moto, with the event fixtures in testdata/events/.

use serde_json::Value;

use crate::common::lambda_api::{Function, Outcome, fixture, invoke_ok, sample};
use crate::common::moto::{Moto, cutting_proxy, moto};
use crate::common::{root, run, veil};

/// The sample with a short row at line 202 that carries a value no message may show.
fn bad_sample() -> Vec<u8> {
    let mut bad = sample();
    bad.extend_from_slice(b"2024-06-30,E9999,only-three-fields@acme.com\n");
    bad
}

/// The local CLI's outputs for the sample: the reference for every Lambda output.
pub(crate) fn reference(rules: &str, lookup_rules: &str) -> (Vec<u8>, Vec<u8>) {
    reference_with_salt(rules, lookup_rules, "salt")
}

/// [`reference`] with another salt.
fn reference_with_salt(rules: &str, lookup_rules: &str, salt: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), rules).unwrap();
    std::fs::write(dir.path().join("l.yaml"), lookup_rules).unwrap();
    let input = root().join("testdata/hris-sample.csv");
    let (code, _, err) = run(veil(dir.path())
        .env("VEIL_SALT", salt)
        .args([
            "sanitize",
            "--quiet",
            "--rules",
            "r.yaml",
            "-o",
            "s.csv",
            "--lookup",
            "l.csv",
            "--lookup-rules",
            "l.yaml",
        ])
        .arg(input));
    assert_eq!(code, 0, "{err}");
    (
        std::fs::read(dir.path().join("s.csv")).unwrap(),
        std::fs::read(dir.path().join("l.csv")).unwrap(),
    )
}

const RULES: &str =
    "columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL, MANAGER_ID, MANAGER_EMAIL]\ncolumnsToRedact: [SALARY]\n";
const LOOKUP_RULES: &str = "pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [EMPLOYEE_ID]\ncolumnsToInclude: [EMPLOYEE_ID]\ncolumnsToDuplicate: {EMPLOYEE_ID: EMPLOYEE_ID_ORIG}\n";

/// A psoxy user's configuration: OUTPUT_BUCKET and ADDITIONAL_TRANSFORMS in env, RULES and
/// PSOXY_SALT in SSM under the shared path.
fn psoxy_setup(m: &Moto, tag: &str) -> (String, String, String, String) {
    let (input, sanitized, lookup) = (
        m.bucket(&format!("{tag}-in")),
        m.bucket(&format!("{tag}-out")),
        m.bucket(&format!("{tag}-lk")),
    );
    let path = format!("/{tag}-{}/", std::process::id());
    for (name, value) in [("PSOXY_SALT", "salt"), ("RULES", RULES)] {
        put_parameter(m, &format!("{path}{name}"), value);
    }
    let additional = format!(
        "- destinationBucketName: {lookup}\n  pathWithinBucket: lookup/\n  compressOutput: false\n  rules:\n{}",
        LOOKUP_RULES.lines().map(|l| format!("    {l}\n")).collect::<String>()
    );
    (input, sanitized, lookup, format!("{path}\n{additional}"))
}

#[test]
fn psoxy_environment_direct_encoded_multi_and_eventbridge_events() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "lam");
    let (path, additional) = config.split_once('\n').unwrap();
    for key in [
        "hris/2024-07-01/hris.csv",
        "hris/July 2024/hr snapshot.csv",
        "hris/a.csv",
        "hris/b.csv",
        "hris/eventbridge.csv",
    ] {
        m.put(&input, key, sample());
    }
    let mut f = Function::start(
        &m,
        &[
            ("OUTPUT_BUCKET", &sanitized),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
            ("PATH_TO_INSTANCE_CONFIG", "/none/"),
            ("GZIP_LEVEL", "6"),
        ],
    );
    let (want_sanitized, want_lookup) = reference(RULES, LOOKUP_RULES);

    invoke_ok(&mut f, &input);
    let (body, ct, ce, meta) = m.get(&sanitized, "hris/2024-07-01/hris.csv");
    assert_eq!(
        body, want_sanitized,
        "COMPRESS_OUTPUT_ALWAYS defaults to gzip; content matches the CLI"
    );
    assert_eq!(
        (ct.as_deref(), ce.as_deref()),
        (Some("text/csv; charset=utf-8"), Some("gzip"))
    );
    assert_eq!(meta["psoxy-instance-id"], "veil-test");
    assert_eq!(meta["psoxy-salt-sha"], "pRwka918R7CEI6El1noIhIMJzqBGYUvvqXYHyMvxl2Y");
    assert_eq!(
        meta["psoxy-original-object-key"],
        format!("{input}/hris/2024-07-01/hris.csv")
    );
    let (body, _, ce, _) = m.get(&lookup, "lookup/hris/2024-07-01/hris.csv");
    assert_eq!((body, ce), (want_lookup.clone(), None), "compressOutput: false wins");

    for (event, keys) in [
        ("s3-encoded-key.json", vec!["hris/July 2024/hr snapshot.csv"]),
        ("s3-multi.json", vec!["hris/a.csv", "hris/b.csv"]),
        ("eventbridge.json", vec!["hris/eventbridge.csv"]),
    ] {
        match f.api.invoke(&fixture(event, &input)) {
            Outcome::Response(v) => assert_eq!(v["processed"], keys.len(), "{event}: {v}"),
            other => panic!("{event}: {other:?}"),
        }
        for key in keys {
            assert_eq!(m.get(&sanitized, key).0, want_sanitized, "{event}: {key}");
            assert_eq!(
                m.get(&lookup, &format!("lookup/{key}")).0,
                want_lookup,
                "{event}: {key}"
            );
        }
    }
    match f.api.invoke(&fixture("s3-test-event.json", &input)) {
        Outcome::Response(v) => assert_eq!(v["processed"], 0),
        other => panic!("{other:?}"),
    }
    let logs = f.logs_when(|logs| logs.iter().filter(|l| l["status"] == "ok").count() >= 5);
    let done: Vec<&Value> = logs.iter().filter(|l| l["status"] == "ok").collect();
    assert_eq!(done.len(), 5, "one log line per object: {logs:?}");
    assert_eq!(done[0]["rows"], 200);
    assert!(
        logs.iter()
            .any(|l| l["status"] == "cold-start" && l["init_ms"].is_u64())
    );
    let all = f.logs.lock().unwrap().join("\n");
    assert!(
        !all.contains("@acme.com") && !all.contains("E0001,"),
        "no cell values in logs"
    );
}

#[test]
fn sqs_batches_report_the_failed_message_only() {
    let m = moto();
    let (input, sanitized, _lookup, config) = psoxy_setup(&m, "sqs");
    let (path, additional) = config.split_once('\n').unwrap();
    m.put(&input, "hris/ok.csv", sample());
    let mut f = Function::start(
        &m,
        &[
            ("OUTPUT_BUCKET", &sanitized),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
        ],
    );
    match f.api.invoke(&fixture("sqs-wrapped.json", &input)) {
        Outcome::Response(v) => assert_eq!(
            v,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m-missing"}]})
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(m.keys(&sanitized), ["hris/ok.csv"]);
}

#[test]
fn bad_object_fails_the_invocation_and_writes_nothing_and_own_outputs_are_skipped() {
    let m = moto();
    let (input, _sanitized, lookup, config) = psoxy_setup(&m, "bad");
    let (path, additional) = config.split_once('\n').unwrap();
    m.put(&input, "hris/2024-07-01/hris.csv", bad_sample());
    // Output into the input bucket: the loop guard must skip our own objects.
    let mut f = Function::start(
        &m,
        &[
            ("OUTPUT_BUCKET", &input),
            ("OUTPUT_BASE_PATH", "sanitized/"),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
        ],
    );
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => {
            assert!(e.contains("line 202"), "{e}");
            assert!(!e.contains("only-three-fields"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.keys(&input), ["hris/2024-07-01/hris.csv"]);
    assert!(m.keys(&lookup).is_empty());
    m.put(&input, "hris/2024-07-01/hris.csv", sample());
    assert!(matches!(
        f.api.invoke(&fixture("s3-put.json", &input)),
        Outcome::Response(_)
    ));
    let event =
        fixture("s3-put.json", &input).replace("hris/2024-07-01/hris.csv", "sanitized/hris/2024-07-01/hris.csv");
    assert!(matches!(f.api.invoke(&event), Outcome::Response(_)));
    let logs = f.logs_when(|logs| logs.iter().any(|l| l["status"] == "skipped"));
    assert!(logs.iter().any(|l| l["status"] == "skipped"), "{logs:?}");
    assert_eq!(
        m.keys(&input),
        ["hris/2024-07-01/hris.csv", "sanitized/hris/2024-07-01/hris.csv"]
    );
}

#[test]
fn missing_columns_are_written_empty_and_logged_unless_strict() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "mis");
    let (path, additional) = config.split_once('\n').unwrap();
    // psoxy's HRIS rules (RULES) on a file without MANAGER_EMAIL.
    let csv = b"EMPLOYEE_ID,EMPLOYEE_EMAIL,MANAGER_ID,SALARY\nE1,hidden.person@acme.com,E2,100\n".to_vec();
    m.put(&input, "hris/2024-07-01/hris.csv", csv);
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional),
        ("PATH_TO_SHARED_CONFIG", path),
        ("COMPRESS_OUTPUT_ALWAYS", "false"),
    ];
    let mut f = Function::start(&m, &env);
    invoke_ok(&mut f, &input);
    let body = String::from_utf8(m.get(&sanitized, "hris/2024-07-01/hris.csv").0).unwrap();
    assert!(
        body.starts_with("EMPLOYEE_ID,EMPLOYEE_EMAIL,MANAGER_ID,MANAGER_EMAIL\n"),
        "{body}"
    );
    assert!(body.ends_with("\"}\",\n"), "MANAGER_EMAIL is empty: {body}");
    let logs = f.logs_when(|logs| logs.iter().any(|l| l["status"] == "ok"));
    let ok = logs.iter().find(|l| l["status"] == "ok").unwrap();
    assert_eq!(
        ok["warnings"],
        serde_json::json!([format!(
            "s3://{sanitized}/hris/2024-07-01/hris.csv: columns missing from the file, written as empty columns as psoxy does: `MANAGER_EMAIL` (columnsToPseudonymize)"
        )])
    );
    drop(f);

    // STRICT_COLUMNS=true refuses the object instead, and writes nothing.
    let (strict_out, strict_lookup) = (m.bucket("mis-strict-out"), m.bucket("mis-strict-lk"));
    let additional = additional.replace(&lookup, &strict_lookup);
    let env = [
        ("OUTPUT_BUCKET", strict_out.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional.as_str()),
        ("PATH_TO_SHARED_CONFIG", path),
        ("STRICT_COLUMNS", "true"),
    ];
    let mut f = Function::start(&m, &env);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => {
            assert!(e.contains("column `MANAGER_EMAIL` is not in the file's header"), "{e}");
            assert!(!e.contains("hidden.person"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(m.keys(&strict_out).is_empty());
    assert!(m.keys(&strict_lookup).is_empty());
}

/// An object with none of the rules' columns (a `;` export read with `,`) is refused, saying
/// which delimiter to set, unless ALLOW_ABSENT_COLUMNS=true accepts it as psoxy does.
#[test]
fn an_object_without_any_rule_column_fails_unless_allowed() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "absent");
    let (path, additional) = config.split_once('\n').unwrap();
    let csv = b"EMPLOYEE_ID;EMPLOYEE_EMAIL;MANAGER_ID;SALARY\nE1;hidden.person@acme.com;E2;100\n".to_vec();
    m.put(&input, "hris/2024-07-01/hris.csv", csv);
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional),
        ("PATH_TO_SHARED_CONFIG", path),
        ("COMPRESS_OUTPUT_ALWAYS", "false"),
    ];
    let mut f = Function::start(&m, &env);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => {
            assert!(
                e.contains("The header is one field holding `;`: set `delimiter:"),
                "{e}"
            );
            assert_eq!(e.matches("none of the").count(), 2, "one problem per rule set: {e}");
            assert!(!e.contains("hidden.person"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(m.keys(&sanitized).is_empty() && m.keys(&lookup).is_empty());
    drop(f);
    let mut env = env.to_vec();
    env.push(("ALLOW_ABSENT_COLUMNS", "true"));
    // The lookup key is absent too: accepted as psoxy would (an empty lookup column).
    let mut f = Function::start(&m, &env);
    invoke_ok(&mut f, &input);
}

/// An ADDITIONAL_TRANSFORMS entry whose bucket and path are the sanitized copy's would write
/// the lookup table (every original id) where the vendor reads: the object fails, nothing is
/// written.
#[test]
fn a_transform_onto_the_sanitized_copy_fails_the_object_and_writes_nothing() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "alias");
    let (path, additional) = config.split_once('\n').unwrap();
    let additional = additional
        .replace(&lookup, &sanitized)
        .replace("pathWithinBucket: lookup/", "pathWithinBucket: ''");
    m.put(&input, "hris/2024-07-01/hris.csv", sample());
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional.as_str()),
        ("PATH_TO_SHARED_CONFIG", path),
    ];
    let mut f = Function::start(&m, &env);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => assert!(
            e.contains(&format!(
                "`s3://{sanitized}/hris/2024-07-01/hris.csv` and `s3://{sanitized}/hris/2024-07-01/hris.csv` are the \
                 same destination"
            )),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(m.keys(&sanitized).is_empty());
}

/// One task's answer in an S3 Batch Operations response: (code, string).
fn task_result(response: &Value, task: &str) -> (String, String) {
    let result = response["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["taskId"] == task))
        .unwrap_or_else(|| panic!("no result for task {task}: {response}"));
    (
        result["resultCode"].as_str().unwrap().to_owned(),
        result["resultString"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn s3_batch_operations_tasks_of_both_schemas_get_one_result_each() {
    let m = moto();
    let (input, _sanitized, lookup, config) = psoxy_setup(&m, "bop");
    let (path, additional) = config.split_once('\n').unwrap();
    m.put(&input, "hris/July 2024/hr snapshot.csv", sample());
    m.put(&input, "hris/2024-07-01/hris.csv", sample());
    m.put(&input, "hris/bad.csv", bad_sample());
    // Outputs into the input bucket: the loop guard must hold for batch tasks too.
    let mut f = Function::start(
        &m,
        &[
            ("OUTPUT_BUCKET", &input),
            ("OUTPUT_BASE_PATH", "sanitized/"),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
            ("COMPRESS_OUTPUT_ALWAYS", "false"),
        ],
    );
    let (want_sanitized, want_lookup) = reference(RULES, LOOKUP_RULES);

    // Schema 1.0: bucket by ARN, URL-encoded key.
    let response = match f.api.invoke(&fixture("batch-1.0.json", &input)) {
        Outcome::Response(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(response["invocationSchemaVersion"], "1.0");
    assert_eq!(
        response["invocationId"],
        "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo"
    );
    assert_eq!(response["treatMissingKeysAs"], "PermanentFailure");
    let key = "hris/July 2024/hr snapshot.csv";
    assert_eq!(
        task_result(&response, "dGFza2lkZ29lc2hlcmUK"),
        (
            "Succeeded".to_owned(),
            format!("200 rows into s3://{input}/sanitized/{key}, s3://{lookup}/lookup/{key}")
        )
    );
    assert_eq!(m.get(&input, &format!("sanitized/{key}")).0, want_sanitized);
    assert_eq!(m.get(&lookup, &format!("lookup/{key}")).0, want_lookup);
    let (_, _, _, meta) = m.get(&input, &format!("sanitized/{key}"));
    assert_eq!(meta["psoxy-instance-id"], "veil-test", "metadata as for S3 events");

    // Schema 2.0: bucket by name; several tasks: done, bad file, missing object, own output.
    let event = fixture("batch-2.0.json", &input).replace(
        "\"tasks\": [",
        &format!(
            "\"tasks\": [{}, {}, {},",
            r#"{"taskId": "bad", "s3Key": "hris/bad.csv", "s3VersionId": null, "s3Bucket": "BUCKET"}"#,
            r#"{"taskId": "gone", "s3Key": "hris/gone.csv", "s3VersionId": null, "s3Bucket": "BUCKET"}"#,
            r#"{"taskId": "own", "s3Key": "sanitized/hris/July+2024/hr+snapshot.csv", "s3Bucket": "BUCKET"}"#,
        )
        .replace("BUCKET", &input),
    );
    let response = match f.api.invoke(&event) {
        Outcome::Response(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(response["invocationSchemaVersion"], "2.0");
    assert_eq!(response["results"].as_array().unwrap().len(), 4, "{response}");
    assert_eq!(task_result(&response, "y5R3a2lkZ29lc2hlcmUK").0, "Succeeded");
    assert_eq!(m.get(&input, "sanitized/hris/2024-07-01/hris.csv").0, want_sanitized);
    let (code, text) = task_result(&response, "bad");
    assert_eq!(code, "PermanentFailure");
    assert!(text.contains(&format!("s3://{input}/hris/bad.csv line 202")), "{text}");
    assert!(!text.contains("only-three-fields"), "no cell value: {text}");
    let (code, text) = task_result(&response, "gone");
    assert_eq!(code, "PermanentFailure", "{text}");
    assert!(text.contains(&format!("reading s3://{input}/hris/gone.csv")), "{text}");
    assert_eq!(
        task_result(&response, "own"),
        ("Succeeded".to_owned(), "skipped: written by this function".to_owned())
    );
    assert!(
        !m.keys(&input)
            .iter()
            .any(|k| k.contains("bad.csv") && k.starts_with("sanitized/")),
        "a failed task writes nothing"
    );
    assert!(!m.keys(&lookup).iter().any(|k| k.contains("bad.csv")));
}

#[test]
fn s3_batch_operations_dropped_connection_is_a_temporary_failure() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "bot");
    let (path, additional) = config.split_once('\n').unwrap();
    let mut big = Vec::new();
    veil_generate::write_hris(&mut big, 20_000, 5).unwrap();
    m.put(&input, "hris/2024-07-01/hris.csv", big);
    // Every connection is cut after 1 MiB of response: the download fails part way.
    let proxy = cutting_proxy(&m.endpoint, 1 << 20);
    let mut f = Function::start_at(
        &m,
        &proxy,
        &[
            ("OUTPUT_BUCKET", &sanitized),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
        ],
    );
    let response = match f.api.invoke(&fixture("batch-2.0.json", &input)) {
        Outcome::Response(v) => v,
        other => panic!("{other:?}"),
    };
    let (code, text) = task_result(&response, "y5R3a2lkZ29lc2hlcmUK");
    assert_eq!(code, "TemporaryFailure", "S3 retries it: {text}");
    assert!(
        text.contains(&format!("reading s3://{input}/hris/2024-07-01/hris.csv")),
        "{text}"
    );
    assert!(m.keys(&sanitized).is_empty() && m.keys(&lookup).is_empty());
}

/// Puts an SSM parameter (a SecureString unless it is `RULES`).
fn put_parameter(m: &Moto, name: &str, value: &str) {
    let kind = if name.ends_with("RULES") {
        aws_sdk_ssm::types::ParameterType::String
    } else {
        aws_sdk_ssm::types::ParameterType::SecureString
    };
    m.rt.block_on(
        m.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send(),
    )
    .unwrap();
}

const KEY: &str = "hris/2024-07-01/hris.csv";

#[test]
fn rules_and_salt_changed_in_ssm_apply_to_the_next_object_on_a_warm_function() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "warm");
    let (path, additional) = config.split_once('\n').unwrap();
    m.put(&input, KEY, sample());
    let mut f = Function::start(
        &m,
        &[
            ("OUTPUT_BUCKET", &sanitized),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
            ("COMPRESS_OUTPUT_ALWAYS", "false"),
        ],
    );
    invoke_ok(&mut f, &input);
    assert_eq!(m.get(&sanitized, KEY).0, reference(RULES, LOOKUP_RULES).0);

    // An operator adds a redaction after a leak: the same container applies it at once.
    let stricter = format!("{RULES}columnsToRedact: [SALARY, LOCATION]\n").replace("columnsToRedact: [SALARY]\n", "");
    put_parameter(&m, &format!("{path}RULES"), &stricter);
    invoke_ok(&mut f, &input);
    let (body, _, _, meta) = m.get(&sanitized, KEY);
    assert_eq!(body, reference(&stricter, LOOKUP_RULES).0);
    assert!(
        !String::from_utf8(body).unwrap().contains("Austin"),
        "LOCATION redacted"
    );
    let stricter_sha = meta["psoxy-rules-sha"].clone();

    // A salt change too (and nothing else re-read when nothing changed).
    invoke_ok(&mut f, &input);
    put_parameter(&m, &format!("{path}PSOXY_SALT"), "salt-2");
    invoke_ok(&mut f, &input);
    let (want_sanitized, want_lookup) = reference_with_salt(&stricter, LOOKUP_RULES, "salt-2");
    assert_eq!(m.get(&sanitized, KEY).0, want_sanitized);
    assert_eq!(m.get(&lookup, &format!("lookup/{KEY}")).0, want_lookup);

    let logs = f.logs_when(|logs| logs.iter().filter(|l| l["status"] == "ok").count() >= 4);
    let configs: Vec<&Value> = logs.iter().filter(|l| l["status"] == "config").collect();
    assert_eq!(configs.len(), 3, "loaded at cold start, reloaded twice: {logs:?}");
    assert_eq!(
        configs
            .iter()
            .map(|c| c["reloaded"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [false, true, true]
    );
    assert_eq!(configs[1]["rules_from"], format!("SSM parameter {path}RULES"));
    let shas: Vec<&str> = logs
        .iter()
        .filter(|l| l["status"] == "ok")
        .map(|l| l["rules_sha"].as_str().unwrap())
        .collect();
    assert_eq!(shas.len(), 4);
    assert_ne!(shas[0], shas[1], "the log line says which rules were used");
    assert_eq!(shas[1], stricter_sha);
    let all = f.logs.lock().unwrap().join("\n");
    assert!(!all.contains("salt-2"), "no secret in logs");
}

#[test]
fn secrets_manager_holds_the_secrets_and_rules_stay_in_ssm() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "sm");
    let (path, additional) = config.split_once('\n').unwrap();
    m.put(&input, KEY, sample());
    let instance = format!("/sm-instance-{}/", std::process::id());
    let secret = |id: &str, value: &str| {
        m.rt.block_on(m.secrets.create_secret().name(id).secret_string(value).send())
            .unwrap();
    };
    // The shared path has a salt in both stores; Secrets Manager's is used.
    secret(&format!("{path}PSOXY_SALT"), "shared-sm-salt");
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional),
        ("PATH_TO_SHARED_CONFIG", path),
        ("PATH_TO_INSTANCE_CONFIG", instance.as_str()),
        ("COMPRESS_OUTPUT_ALWAYS", "false"),
        ("SECRETS_STORE", "aws_secrets_manager"),
    ];
    let mut f = Function::start(&m, &env);
    invoke_ok(&mut f, &input);
    let (want, want_lookup) = reference_with_salt(RULES, LOOKUP_RULES, "shared-sm-salt");
    assert_eq!(m.get(&sanitized, KEY).0, want);
    assert_eq!(m.get(&lookup, &format!("lookup/{KEY}")).0, want_lookup);

    // The instance path wins over the shared one, from the next object on.
    secret(&format!("{instance}PSOXY_SALT"), "instance-sm-salt");
    invoke_ok(&mut f, &input);
    assert_eq!(
        m.get(&sanitized, KEY).0,
        reference_with_salt(RULES, LOOKUP_RULES, "instance-sm-salt").0
    );
    // A new version of that secret applies too.
    m.rt.block_on(
        m.secrets
            .put_secret_value()
            .secret_id(format!("{instance}PSOXY_SALT"))
            .secret_string("rotated-sm-salt")
            .send(),
    )
    .unwrap();
    invoke_ok(&mut f, &input);
    assert_eq!(
        m.get(&sanitized, KEY).0,
        reference_with_salt(RULES, LOOKUP_RULES, "rotated-sm-salt").0
    );
    let logs = f.logs_when(|logs| logs.iter().filter(|l| l["status"] == "config").count() >= 3);
    let config_lines: Vec<&Value> = logs.iter().filter(|l| l["status"] == "config").collect();
    assert_eq!(config_lines[0]["salt_from"], format!("secret {path}PSOXY_SALT"));
    assert_eq!(config_lines[1]["salt_from"], format!("secret {instance}PSOXY_SALT"));
    assert_eq!(config_lines[0]["rules_from"], format!("SSM parameter {path}RULES"));
    let all = f.logs.lock().unwrap().join("\n");
    assert!(!all.contains("sm-salt"), "no secret in logs");
    drop(f);

    // No salt in Secrets Manager: the function refuses to start, and says where it looked.
    let bare_path = format!("/sm-bare-{}/", std::process::id());
    put_parameter(&m, &format!("{bare_path}RULES"), RULES);
    put_parameter(&m, &format!("{bare_path}PSOXY_SALT"), "only-in-ssm");
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("PATH_TO_SHARED_CONFIG", bare_path.as_str()),
        ("SECRETS_STORE", "AWS_SECRETS_MANAGER"),
    ];
    let mut f = Function::start(&m, &env);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => {
            assert!(e.contains("PSOXY_SALT: is not in Secrets Manager"), "{e}");
            assert!(!e.contains("only-in-ssm"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_short_deadline_stops_the_object_cleanly_with_a_log_line_and_no_object() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "ddl");
    let (path, additional) = config.split_once('\n').unwrap();
    let mut big = Vec::new();
    veil_generate::write_hris(&mut big, 40_000, 3).unwrap();
    m.put(&input, KEY, big);
    // Responses trickle at 2 MB/s: the 6 MB object takes about 3 s to read.
    let proxy = crate::common::moto::slow_proxy(&m.endpoint, 2_000_000);
    let mut f = Function::start_at(
        &m,
        &proxy,
        &[
            ("OUTPUT_BUCKET", &sanitized),
            ("ADDITIONAL_TRANSFORMS", additional),
            ("PATH_TO_SHARED_CONFIG", path),
            ("DEADLINE_MARGIN_SECONDS", "1"),
        ],
    );
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    match f.api.invoke_until(&fixture("s3-put.json", &input), now_ms() + 2_500) {
        Outcome::Error(e) => {
            assert!(e.contains("before the invocation's deadline"), "{e}");
            assert!(e.contains("more memory"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(m.keys(&sanitized).is_empty() && m.keys(&lookup).is_empty());
    assert_eq!(
        m.open_uploads(&sanitized) + m.open_uploads(&lookup),
        0,
        "uploads aborted"
    );
    // Already within the margin: not started at all.
    assert!(matches!(
        f.api.invoke_until(&fixture("s3-put.json", &input), now_ms() + 500),
        Outcome::Error(_)
    ));
    let logs = f.logs_when(|logs| logs.iter().filter(|l| l["status"] == "deadline").count() >= 2);
    let lines: Vec<&Value> = logs.iter().filter(|l| l["status"] == "deadline").collect();
    assert_eq!(lines.len(), 2, "{logs:?}");
    assert_eq!(lines[0]["key"], KEY);
    assert_eq!(lines[0]["margin_ms"], 1000);
    assert!(lines[0]["bytes_done"].as_u64().unwrap() > 0, "{}", lines[0]);
    assert!(lines[0]["hint"].as_str().unwrap().contains("split the file"));
    assert_eq!(lines[1]["bytes_done"], 0);
    assert!(m.keys(&sanitized).is_empty() && m.keys(&lookup).is_empty());
}

#[test]
fn pii_guard_fail_fails_the_object_and_logs_findings_without_values() {
    let m = moto();
    let (input, sanitized, lookup, config) = psoxy_setup(&m, "pii");
    let (path, additional) = config.split_once('\n').unwrap();
    let mut planted = Vec::new();
    veil_generate::write_hris_planted(&mut planted, 100, 2).unwrap();
    m.put(&input, KEY, planted);
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional),
        ("PATH_TO_SHARED_CONFIG", path),
        ("PII_GUARD", "fail"),
        ("PII_ALLOW", "PERSONAL_PHONE:phone, BANK_ACCOUNT:iban"),
    ];
    let mut f = Function::start(&m, &env);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Error(e) => assert!(e.contains("personal data in columns that leave in clear"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(
        m.keys(&sanitized).is_empty() && m.keys(&lookup).is_empty(),
        "nothing written"
    );
    let logs = f.logs_when(|logs| logs.iter().any(|l| l["status"] == "error"));
    let error = logs.iter().find(|l| l["status"] == "error").unwrap();
    let pii = error["pii"].as_array().unwrap();
    let kinds: Vec<(&str, &str, u64)> = pii
        .iter()
        .map(|p| {
            (
                p["column"].as_str().unwrap(),
                p["kind"].as_str().unwrap(),
                p["cells"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("NOTES", "email", 20),
            ("NOTES", "us-ssn", 14),
            ("NOTES", "uk-nino", 5),
            ("NOTES", "card", 7),
            ("NOTES", "ip", 5)
        ],
        "allowed kinds left out: {error}"
    );
    assert_eq!(pii[0]["lines"], serde_json::json!([6, 11, 16]));
    let all = f.logs.lock().unwrap().join("\n");
    assert!(
        !all.contains("mailbox.example.org") && !all.contains("4111"),
        "no values: {all}"
    );
    drop(f);

    // warn (the default): written, the findings in the log line.
    let mut f = Function::start(&m, &env[..3]);
    invoke_ok(&mut f, &input);
    assert_eq!(m.keys(&sanitized), [KEY]);
    let logs = f.logs_when(|logs| logs.iter().any(|l| l["status"] == "ok"));
    let ok = logs.iter().find(|l| l["status"] == "ok").unwrap();
    assert_eq!(ok["pii"].as_array().unwrap().len(), 7, "{ok}");
}

/// Every object's log line is an Embedded Metric Format record CloudWatch accepts, with the
/// object's numbers as metrics under namespace `veil` and the one dimension `FunctionName`:
/// a done object with findings, a failed one (`Failures`), a skipped one.
#[test]
fn every_object_line_is_an_emf_record_of_its_numbers() {
    let m = moto();
    let (input, sanitized, _lookup, config) = psoxy_setup(&m, "emf");
    let (path, additional) = config.split_once('\n').unwrap();
    let mut planted = Vec::new();
    veil_generate::write_hris_planted(&mut planted, 100, 2).unwrap();
    let planted_bytes = planted.len() as f64;
    m.put(&input, KEY, planted);
    let env = [
        ("OUTPUT_BUCKET", sanitized.as_str()),
        ("ADDITIONAL_TRANSFORMS", additional),
        ("PATH_TO_SHARED_CONFIG", path),
    ];
    let mut f = Function::start(&m, &env);
    invoke_ok(&mut f, &input);
    m.put(&input, KEY, bad_sample());
    assert!(matches!(
        f.api.invoke(&fixture("s3-put.json", &input)),
        Outcome::Error(_)
    ));
    let own = fixture("s3-put.json", &sanitized);
    assert!(matches!(f.api.invoke(&own), Outcome::Response(_)));
    let objects = |logs: &[Value]| logs.iter().filter(|l| l.get("key").is_some()).count();
    f.logs_when(|logs| objects(logs) == 3);
    let lines: Vec<String> = f.logs.lock().unwrap().clone();
    type Declared = Vec<(String, f64, String)>;
    let objects: Vec<(Value, Declared)> = lines
        .iter()
        .filter(|l| l.contains("\"key\""))
        .map(|l| {
            let metrics = crate::common::emf::check(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (serde_json::from_str(l).unwrap(), metrics)
        })
        .collect();
    let statuses: Vec<&str> = objects.iter().map(|(l, _)| l["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "error", "skipped"]);
    for (line, _) in &objects {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "veil");
        assert_eq!(directive["Dimensions"], serde_json::json!([["FunctionName"]]));
        assert_eq!(line["FunctionName"], "veil-test");
    }
    let named = |metrics: &[(String, f64, String)]| -> Vec<(String, String)> {
        metrics.iter().map(|(n, _, u)| (n.clone(), u.clone())).collect()
    };
    let value =
        |metrics: &[(String, f64, String)], name: &str| metrics.iter().find(|(n, _, _)| n == name).map(|(_, v, _)| *v);
    let every = [
        ("Rows", "Count"),
        ("InputBytes", "Bytes"),
        ("Seconds", "Seconds"),
        ("PiiFindings", "Count"),
        ("Warnings", "Count"),
    ];
    let every: Vec<(String, String)> = every.iter().map(|(n, u)| ((*n).to_owned(), (*u).to_owned())).collect();
    let (ok, ok_metrics) = &objects[0];
    assert_eq!(named(ok_metrics), every);
    let cells: u64 = ok["pii"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cells"].as_u64().unwrap())
        .sum();
    assert!(cells > 0);
    assert_eq!(value(ok_metrics, "Rows"), Some(100.0));
    assert_eq!(value(ok_metrics, "InputBytes"), Some(planted_bytes));
    assert_eq!(value(ok_metrics, "PiiFindings"), Some(cells as f64));
    assert_eq!(value(ok_metrics, "Warnings"), Some(0.0));
    assert!(value(ok_metrics, "Seconds").unwrap() < 60.0);
    let (_, failed) = &objects[1];
    assert_eq!(value(failed, "Failures"), Some(1.0));
    assert_eq!(
        named(failed).last().unwrap(),
        &("Failures".to_owned(), "Count".to_owned())
    );
    let (_, skipped) = &objects[2];
    assert_eq!((value(skipped, "Rows"), value(skipped, "Failures")), (Some(0.0), None));
}
