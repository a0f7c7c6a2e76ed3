//! deploy/template.yaml deployed into moto (tests/deploy/deploy_to_moto.py: aws-sam-translator,
//! then CloudFormation with the template's default parameters), and the Lambda handler run with
//! exactly the deployed configuration: catches wiring mistakes (a bucket name, a path, an
//! environment variable) that linting cannot. The monitoring (alarm topic, alarms, dashboard)
//! is checked against the same stack, and against a second one with the alarm e-mail and a
//! created KMS key.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::common::lambda_api::{Function, invoke_ok, sample};
use crate::common::moto::{Moto, moto};
use crate::common::root;
use crate::lambda::reference;

/// The stack as tests/deploy/deploy_to_moto.py deployed it into `m`, with the template's
/// default parameters: its JSON report.
fn deploy(m: &Moto) -> Value {
    deploy_with(m, &[])
}

/// The same with `args` for deploy_to_moto.py: `--stack-name NAME`, `Parameter=Value`...
fn deploy_with(m: &Moto, args: &[&str]) -> Value {
    let python = crate::common::python::python();
    let out = Command::new(python)
        .arg(root().join("tests/deploy/deploy_to_moto.py"))
        .arg(&m.endpoint)
        .args(args)
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
    // The PII guard's defaults, spelled out (PiiGuard, PiiAllow).
    assert_eq!((env["PII_GUARD"].as_str(), env["PII_ALLOW"].as_str()), ("warn", ""));

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
    invoke_ok(&mut f, &input);

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
    // The line is the metrics the alarms and the dashboard read (`monitoring`): namespace
    // veil, dimension FunctionName = the deployed function's name.
    let line = f
        .logs
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("\"status\":\"ok\""))
        .cloned()
        .unwrap();
    let metrics = crate::common::emf::check(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let names: Vec<&str> = metrics.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["Rows", "InputBytes", "Seconds", "PiiFindings", "Warnings"]);
    assert_eq!(
        (
            ok[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"].as_str(),
            ok[0]["FunctionName"].as_str()
        ),
        (Some("veil"), Some(name.as_str()))
    );
    eprintln!("deployed and sanitized in {:?}", started.elapsed());

    // The default deployment's monitoring: no subscription, no customer managed key.
    monitoring(&deployed, None);
}

/// The template's monitoring on a second stack, side by side with the first on the same
/// server (its own stack name, Prefix and configuration paths): an alarm e-mail and a KMS key
/// created by the stack, so the topic is encrypted and the key policy must let the alarms
/// publish; and the PII guard set to fail, with accepted findings.
#[test]
fn the_alarms_watch_the_deployed_function_queue_and_topic() {
    let m = moto();
    let email = "veil-alarms@example.com";
    let parameter = format!("AlarmEmail={email}");
    let deployed = deploy_with(
        &m,
        &[
            "--stack-name",
            "veil-deploy-test-monitoring",
            "Prefix=veilmon",
            "SharedConfigPath=/veilmon/",
            "InstanceConfigPath=/veilmon/hris/",
            "CreateKmsKey=true",
            "PiiGuard=fail",
            "PiiAllow=WORK_PHONE:phone,NOTES:ip",
            &parameter,
        ],
    );
    assert_eq!(deployed["status"], "CREATE_COMPLETE", "{deployed:#}");
    assert_eq!(deployed["parameters"]["Prefix"], "veilmon");
    let env = &deployed["functions"]["SanitizerFunction"]["Environment"]["Variables"];
    assert_eq!(env["PII_GUARD"], "fail");
    assert_eq!(env["PII_ALLOW"], "WORK_PHONE:phone,NOTES:ip");
    monitoring(&deployed, Some(email));
}

/// One alarm of the template, as the deployed stack must resolve it.
struct Alarm {
    logical: &'static str,
    /// The alarm name after `<Prefix>-sanitizer-`.
    name: &'static str,
    namespace: &'static str,
    metric: &'static str,
    statistic: &'static str,
    /// The one dimension: (name, value).
    dimension: (&'static str, String),
    /// GreaterThanThreshold this, over one period of 300 s.
    threshold: f64,
    missing_data: &'static str,
    /// Whether the OK state notifies the topic too.
    ok_actions: bool,
}

/// The alarm topic, the five alarms and the dashboard of a deployment (deploy_to_moto.py's
/// report): each alarm watches the metric of the function, queue and namespace this stack
/// created and notifies this stack's topic; the dashboard shows exactly the expected metrics
/// of the same function and queue. `email`: the AlarmEmail the stack was deployed with.
fn monitoring(deployed: &Value, email: Option<&str>) {
    let outputs = &deployed["outputs"];
    let prefix = deployed["parameters"]["Prefix"].as_str().unwrap();
    let function = &deployed["functions"]["SanitizerFunction"];
    let name = function["FunctionName"].as_str().unwrap();
    assert_eq!(name, format!("{prefix}-sanitizer"));
    let arn: Vec<&str> = function["FunctionArn"].as_str().unwrap().split(':').collect();
    let (partition, region, account) = (arn[1], arn[3], arn[4]);
    // Lambda's Timeout in seconds as moto holds the function; Duration is in milliseconds.
    let timeout_ms = function["Timeout"].as_u64().unwrap() * 1000;

    // The failure queue the function's on-failure destination names (by the queue's own ARN).
    let queue = &deployed["queues"]["DeadLetterQueue"];
    assert_eq!(queue["url"], outputs["DeadLetterQueueUrl"]);
    let queue_arn = queue["attributes"]["QueueArn"].as_str().unwrap();
    let queue_name = queue_arn.rsplit(':').next().unwrap();
    assert_eq!(queue_name, format!("{prefix}-sanitizer-failures"));

    // The topic: the stack's only one, in moto's SNS, with the subscription AlarmEmail asks for.
    let topics = deployed["topics"].as_object().unwrap();
    assert_eq!(topics.keys().collect::<Vec<_>>(), ["AlarmTopic"], "{topics:#?}");
    let topic = &topics["AlarmTopic"];
    let topic_arn = topic["arn"].as_str().unwrap();
    assert_eq!(
        topic_arn,
        format!("arn:{partition}:sns:{region}:{account}:{prefix}-sanitizer-alarms")
    );
    assert_eq!(topic["attributes"]["TopicArn"], topic_arn);
    assert_eq!(outputs["AlarmTopicArn"], topic_arn);
    let subscriptions: Vec<(&str, &str, &str)> = topic["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["TopicArn"].as_str().unwrap(),
                s["Protocol"].as_str().unwrap(),
                s["Endpoint"].as_str().unwrap(),
            )
        })
        .collect();
    match email {
        Some(email) => assert_eq!(subscriptions, [(topic_arn, "email", email)]),
        None => assert_eq!(subscriptions, []),
    }

    // The alarms: every AWS::CloudWatch::Alarm of the translated template (moto has no alarm
    // model: deploy_to_moto.py strips them and lets moto resolve their properties against the
    // created stack), each checked against what the stack created.
    let function_dimension = || ("FunctionName", name.to_owned());
    let expected = [
        Alarm {
            logical: "ErrorsAlarm",
            name: "errors",
            namespace: "AWS/Lambda",
            metric: "Errors",
            statistic: "Sum",
            dimension: function_dimension(),
            threshold: 0.0,
            missing_data: "notBreaching",
            ok_actions: true,
        },
        Alarm {
            logical: "FailureQueueAlarm",
            name: "failure-queue",
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            statistic: "Maximum",
            dimension: ("QueueName", queue_name.to_owned()),
            threshold: 0.0,
            // SQS stops publishing for an idle queue: a message left there keeps the alarm on.
            missing_data: "ignore",
            ok_actions: true,
        },
        Alarm {
            logical: "PiiFindingsAlarm",
            name: "pii-findings",
            namespace: "veil",
            metric: "PiiFindings",
            statistic: "Sum",
            dimension: function_dimension(),
            threshold: 0.0,
            missing_data: "notBreaching",
            ok_actions: false,
        },
        Alarm {
            logical: "ThrottlesAlarm",
            name: "throttles",
            namespace: "AWS/Lambda",
            metric: "Throttles",
            statistic: "Sum",
            dimension: function_dimension(),
            threshold: 0.0,
            missing_data: "notBreaching",
            ok_actions: false,
        },
        Alarm {
            logical: "DurationAlarm",
            name: "duration",
            namespace: "AWS/Lambda",
            metric: "Duration",
            statistic: "Maximum",
            dimension: function_dimension(),
            // 80% of the deployed function's timeout.
            threshold: timeout_ms as f64 * 0.8,
            missing_data: "notBreaching",
            ok_actions: false,
        },
    ];
    let alarms = deployed["alarms"].as_object().unwrap();
    let mut logicals: Vec<&str> = alarms.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = expected.iter().map(|a| a.logical).collect();
    logicals.sort_unstable();
    want.sort_unstable();
    assert_eq!(logicals, want, "the template's alarms");
    for stripped in deployed["not_deployed"].as_array().unwrap() {
        if stripped["type"] == "AWS::CloudWatch::Alarm" {
            assert!(want.contains(&stripped["logical"].as_str().unwrap()), "{stripped}");
        }
    }
    let alarm_arn = |name: &str| format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}");
    let mut alarm_arns = vec![];
    for want in &expected {
        let alarm = &alarms[want.logical];
        let context = format!("{}: {alarm:#}", want.logical);
        let alarm_name = format!("{prefix}-sanitizer-{}", want.name);
        assert_eq!(alarm["AlarmName"], alarm_name.as_str(), "{context}");
        assert_eq!(alarm["Namespace"], want.namespace, "{context}");
        assert_eq!(alarm["MetricName"], want.metric, "{context}");
        assert_eq!(alarm["Statistic"], want.statistic, "{context}");
        assert_eq!(
            alarm["Dimensions"],
            serde_json::json!([{"Name": want.dimension.0, "Value": want.dimension.1}]),
            "{context}"
        );
        assert_eq!(alarm["ComparisonOperator"], "GreaterThanThreshold", "{context}");
        assert_eq!(alarm["Threshold"].as_f64(), Some(want.threshold), "{context}");
        assert_eq!(alarm["Period"], 300, "{context}");
        assert_eq!(alarm["EvaluationPeriods"], 1, "{context}");
        assert_eq!(alarm["TreatMissingData"], want.missing_data, "{context}");
        assert_eq!(alarm["AlarmActions"], serde_json::json!([topic_arn]), "{context}");
        if want.ok_actions {
            assert_eq!(alarm["OKActions"], serde_json::json!([topic_arn]), "{context}");
        } else {
            assert!(alarm.get("OKActions").is_none(), "{context}");
        }
        alarm_arns.push(alarm_arn(&alarm_name));
    }
    let duration_threshold = alarms["DurationAlarm"]["Threshold"].as_f64().unwrap();

    // With a customer managed key: the topic is encrypted with it, and its policy lets
    // CloudWatch use it for exactly these alarms (else no notification is ever delivered).
    match deployed["keys"].get("KmsKey") {
        Some(key) => {
            assert_eq!(topic["attributes"]["KmsMasterKeyId"], key["arn"]);
            let statements: Vec<&Value> = key["policy"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["Principal"]["Service"] == "cloudwatch.amazonaws.com")
                .collect();
            assert_eq!(statements.len(), 1, "{:#}", key["policy"]);
            let statement = statements[0];
            assert_eq!(statement["Effect"], "Allow");
            assert_eq!(
                statement["Action"],
                serde_json::json!(["kms:Decrypt", "kms:GenerateDataKey*"])
            );
            assert_eq!(statement["Condition"]["StringEquals"]["aws:SourceAccount"], account);
            let source = statement["Condition"]["ArnLike"]["aws:SourceArn"].as_str().unwrap();
            for arn in &alarm_arns {
                assert!(
                    iam_matches(source.as_bytes(), arn.as_bytes()),
                    "{source} does not match {arn}"
                );
            }
            let other = alarm_arn("some-other-alarm");
            assert!(
                !iam_matches(source.as_bytes(), other.as_bytes()),
                "{source} matches {other}"
            );
        }
        None => assert!(
            topic["attributes"]
                .get("KmsMasterKeyId")
                .is_none_or(|k| k.as_str() == Some("")),
            "{topic:#}"
        ),
    }

    // The dashboard, as moto's CloudWatch holds it.
    let dashboard = &deployed["dashboards"]["Dashboard"];
    let dashboard_name = format!("{prefix}-sanitizer");
    assert_eq!(dashboard["name"], dashboard_name.as_str());
    assert_eq!(outputs["DashboardName"], dashboard_name.as_str());
    assert_eq!(
        dashboard["arn"],
        format!("arn:{partition}:cloudwatch::{account}:dashboard/{dashboard_name}")
    );
    let widgets = dashboard["body"]["widgets"].as_array().unwrap();
    // "widget title: namespace metric dimension=value statistic/period"
    let mut metrics: Vec<String> = vec![];
    let mut cells: Vec<(u64, u64, u64, u64)> = vec![];
    let mut alarm_widgets = vec![];
    for widget in widgets {
        let at = |k: &str| widget[k].as_u64().unwrap();
        let (x, y, width, height) = (at("x"), at("y"), at("width"), at("height"));
        assert!(x + width <= 24, "wider than the dashboard: {widget}");
        for &(x2, y2, w2, h2) in &cells {
            assert!(
                x + width <= x2 || x2 + w2 <= x || y + height <= y2 || y2 + h2 <= y,
                "overlapping widgets: {widget}"
            );
        }
        cells.push((x, y, width, height));
        let properties = &widget["properties"];
        match widget["type"].as_str().unwrap() {
            "alarm" => alarm_widgets.push(properties["alarms"].clone()),
            "metric" => {
                assert_eq!(properties["region"], region, "{widget}");
                let title = properties["title"].as_str().unwrap();
                for metric in properties["metrics"].as_array().unwrap() {
                    // Spelled out: namespace, metric, one dimension, options (no "." shorthand).
                    let m = metric.as_array().unwrap();
                    assert_eq!(m.len(), 5, "{metric}");
                    let s = |i: usize| m[i].as_str().unwrap();
                    let (stat, period) = (&m[4]["stat"], &m[4]["period"]);
                    let (stat, period) = (stat.as_str().unwrap(), period.as_u64().unwrap());
                    metrics.push(format!("{title}: {} {} {}={} {stat}/{period}", s(0), s(1), s(2), s(3)));
                }
            }
            other => panic!("unexpected widget type {other}: {widget}"),
        }
    }
    let duration = "Duration (ms) against the timeout";
    let mut want = vec![
        format!("Rows per hour: veil Rows FunctionName={name} Sum/3600"),
        format!("Input bytes per hour: veil InputBytes FunctionName={name} Sum/3600"),
        format!("Failures: veil Failures FunctionName={name} Sum/300"),
        format!("Failures: AWS/Lambda Errors FunctionName={name} Sum/300"),
        format!("Failures: AWS/SQS ApproximateNumberOfMessagesVisible QueueName={queue_name} Maximum/300"),
        format!("{duration}: AWS/Lambda Duration FunctionName={name} p50/300"),
        format!("{duration}: AWS/Lambda Duration FunctionName={name} p99/300"),
        format!("PII findings per hour: veil PiiFindings FunctionName={name} Sum/3600"),
        format!("Warnings per hour: veil Warnings FunctionName={name} Sum/3600"),
    ];
    metrics.sort();
    want.sort();
    assert_eq!(metrics, want, "the dashboard's metrics");
    // The duration widget: lines at the deployed timeout and at the duration alarm's threshold.
    let widget = widgets.iter().find(|w| w["properties"]["title"] == duration).unwrap();
    let lines: Vec<(&str, f64)> = widget["properties"]["annotations"]["horizontal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["label"].as_str().unwrap(), a["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [("timeout", timeout_ms as f64), ("duration alarm", duration_threshold)]
    );
    // The alarm widget shows the five alarms, by the ARNs their names give.
    assert_eq!(alarm_widgets, [serde_json::json!(alarm_arns)]);
}
