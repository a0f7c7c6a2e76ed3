//! deploy/template.yaml deployed into moto (tests/deploy/deploy_to_moto.py: aws-sam-translator,
//! then CloudFormation with the template's default parameters), and the Lambda handler run with
//! exactly the deployed configuration: catches wiring mistakes (a bucket name, a path, an
//! environment variable) that linting cannot.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::common::root;
use crate::lambda::{Function, Outcome, fixture, reference, sample};
use crate::s3::{Moto, moto};

/// The stack as tests/deploy/deploy_to_moto.py deployed it into `m`: its JSON report.
fn deploy(m: &Moto) -> Value {
    // scripts/test.sh's venv (it exports its python as VEIL_TEST_PYTHON).
    let python = std::env::var_os("VEIL_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target/moto-venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run ./scripts/test.sh once (it installs moto and aws-sam-translator)",
        python.display()
    );
    let out = Command::new(python)
        .arg(root().join("tests/deploy/deploy_to_moto.py"))
        .arg(&m.endpoint)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "deploy_to_moto.py failed:\n{stderr}");
    // What moto could not create (stripped, with the reason), for the test's output.
    for line in stderr.lines().filter(|l| l.starts_with("deploy_to_moto:")) {
        eprintln!("{line}");
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The one `ADDITIONAL_TRANSFORMS` entry of the template: (bucket, path within it, rules YAML).
/// Read from the block YAML the template writes, one `key: value` per line, rules indented.
fn lookup_transform(yaml: &str) -> (String, String, String) {
    assert_eq!(yaml.lines().filter(|l| l.starts_with("- ")).count(), 1, "{yaml}");
    let value = |key: &str| {
        yaml.lines()
            .find_map(|l| l.trim_start_matches(['-', ' ']).strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {yaml}"))
            .trim()
            .trim_matches('"')
            .to_owned()
    };
    let rules: String = yaml
        .lines()
        .skip_while(|l| l.trim() != "rules:")
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| format!("{}\n", &l[4..]))
        .collect();
    assert!(!rules.is_empty(), "no rules in {yaml}");
    (value("destinationBucketName:"), value("pathWithinBucket:"), rules)
}

/// IAM's wildcard match: `*` any run of characters (`/` too), `?` one character.
fn iam_matches(pattern: &[u8], value: &[u8]) -> bool {
    match pattern {
        [] => value.is_empty(),
        [b'*', rest @ ..] => (0..=value.len()).any(|i| iam_matches(rest, &value[i..])),
        [b'?', rest @ ..] => !value.is_empty() && iam_matches(rest, &value[1..]),
        [c, rest @ ..] => value.first() == Some(c) && iam_matches(rest, &value[1..]),
    }
}

/// Whether one of the role's Allow statements names `action` on `resource` (conditions are
/// not evaluated; only real IAM does that).
fn allowed(statements: &Value, action: &str, resource: &str) -> bool {
    let any = |list: &Value, value: &str| {
        list.as_array().is_some_and(|l| {
            l.iter()
                .any(|p| iam_matches(p.as_str().unwrap_or("").as_bytes(), value.as_bytes()))
        })
    };
    statements
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["Effect"] == "Allow" && any(&s["Action"], action) && any(&s["Resource"], resource))
}

#[test]
fn the_deployed_template_sanitizes_a_snapshot() {
    let started = Instant::now();
    let m = moto();
    let deployed = deploy(&m);
    assert_eq!(deployed["status"], "CREATE_COMPLETE", "{deployed:#}");
    let output = |name: &str| {
        deployed["outputs"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no output {name}: {deployed:#}"))
            .to_owned()
    };
    let (input, sanitized, lookup) = (
        output("InputBucketName"),
        output("SanitizedBucketName"),
        output("LookupBucketName"),
    );
    let function = &deployed["functions"]["SanitizerFunction"];
    let name = function["FunctionName"].as_str().unwrap().to_owned();
    assert_eq!(output("FunctionArn"), function["FunctionArn"].as_str().unwrap());
    let env: BTreeMap<String, String> = serde_json::from_value(function["Environment"]["Variables"].clone()).unwrap();

    // S3 invokes the function for uploads to the input bucket (moto keeps no notification
    // configuration from CloudFormation: this is the transformed template's).
    assert!(
        deployed["s3_triggers"].as_array().unwrap().iter().any(|t| {
            t["bucket"] == input.as_str()
                && t["function"] == name.as_str()
                && t["event"].as_str().unwrap().starts_with("s3:ObjectCreated:")
        }),
        "{:#}",
        deployed["s3_triggers"]
    );

    // The configuration the function will read: RULES where the stack put it, and the salt
    // where an operator creates it, <SharedConfigPath>PSOXY_SALT (the template's description;
    // CloudFormation cannot create SecureStrings).
    let (shared, instance) = (&env["PATH_TO_SHARED_CONFIG"], &env["PATH_TO_INSTANCE_CONFIG"]);
    let salt_name = format!(
        "{}PSOXY_SALT",
        deployed["parameters"]["SharedConfigPath"].as_str().unwrap()
    );
    let rules_name = format!("{instance}RULES");
    assert_eq!(deployed["resources"]["RulesParameter"]["physical"], rules_name.as_str());
    let rules =
        m.rt.block_on(m.ssm.get_parameter().name(&rules_name).send())
            .unwrap()
            .parameter
            .and_then(|p| p.value)
            .unwrap();
    m.rt.block_on(
        m.ssm
            .put_parameter()
            .name(&salt_name)
            .value("salt")
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send(),
    )
    .unwrap();
    let (lookup_bucket, lookup_path, lookup_rules) = lookup_transform(&env["ADDITIONAL_TRANSFORMS"]);
    assert_eq!(
        lookup_bucket, lookup,
        "the lookup table goes to the stack's lookup bucket"
    );

    let key = "hris/2024-07-01/hris.csv"; // the key of testdata/events/s3-put.json
    let lookup_key = format!("{lookup_path}{key}");
    m.put(&input, key, sample());

    // moto does not evaluate IAM: the role's statements must name what the function does
    // with this configuration (moto keeps the role as deployed).
    let arn: Vec<&str> = function["FunctionArn"].as_str().unwrap().split(':').collect();
    let (partition, region, account) = (arn[1], arn[3], arn[4]);
    let s3 = |bucket: &str, key: &str| format!("arn:{partition}:s3:::{bucket}/{key}");
    let mut needed = vec![("s3:GetObject", s3(&input, key))];
    for object in [s3(&sanitized, key), s3(&lookup, &lookup_key)] {
        needed.extend([("s3:PutObject", object.clone()), ("s3:AbortMultipartUpload", object)]);
    }
    // One GetParameters call reads every name under both paths: each must be allowed.
    let mut names = vec![salt_name.clone()];
    for path in [instance, shared] {
        names.extend(["RULES", "ADDITIONAL_TRANSFORMS", "PSOXY_SALT"].map(|n| format!("{path}{n}")));
    }
    for name in names {
        let parameter = format!("arn:{partition}:ssm:{region}:{account}:parameter{name}");
        needed.push(("ssm:GetParameters", parameter));
    }
    let statements = &function["RoleStatements"];
    for (action, resource) in &needed {
        assert!(
            allowed(statements, action, resource),
            "the role does not allow {action} on {resource}: {statements:#}"
        );
    }

    // Exactly the deployed environment, plus what the Lambda service sets (Function::start:
    // Runtime API, credentials, region, moto's endpoint; here the deployed name and memory).
    let memory = function["MemorySize"].to_string();
    let log_group = output("LogGroupName");
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    vars.extend([
        ("AWS_LAMBDA_FUNCTION_NAME", name.as_str()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory.as_str()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", log_group.as_str()),
    ]);
    let mut f = Function::start(&m, &vars);
    match f.api.invoke(&fixture("s3-put.json", &input)) {
        Outcome::Response(v) => assert_eq!(v["processed"], 1, "{v}"),
        other => panic!("{other:?}"),
    }

    let (want_sanitized, want_lookup) = reference(&rules, &lookup_rules);
    assert!(want_lookup.starts_with(b"EMPLOYEE_ID,EMPLOYEE_ID_ORIG\n"));
    let (body, ct, ce, meta) = m.get(&sanitized, key);
    assert_eq!(
        body, want_sanitized,
        "the sanitized copy: the CLI's output for the deployed RULES"
    );
    assert_eq!(
        (ct.as_deref(), ce.as_deref()),
        (Some("text/csv; charset=utf-8"), Some("gzip"))
    );
    assert_eq!(meta["psoxy-instance-id"], name);
    assert_eq!(meta["psoxy-original-object-key"], format!("{input}/{key}"));
    let (body, _, ce, _) = m.get(&lookup, &lookup_key);
    assert_eq!(body, want_lookup, "the lookup table");
    assert_eq!(ce.as_deref(), Some("gzip"));
    assert_eq!(m.keys(&sanitized), [key]);
    assert_eq!(m.keys(&lookup), [lookup_key.as_str()]);

    let logs = f.logs_when(|logs| logs.iter().any(|l| l["status"] == "ok"));
    let ok: Vec<&Value> = logs.iter().filter(|l| l["status"] == "ok").collect();
    assert_eq!(ok.len(), 1, "{logs:?}");
    assert_eq!(ok[0]["rows"], 200);
    eprintln!("deployed and sanitized in {:?}", started.elapsed());
}
