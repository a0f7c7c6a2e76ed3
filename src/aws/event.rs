//! Lambda events → objects to process (feature `aws`).
//!
//! Accepts S3 notifications sent direct (every record, where psoxy reads only the first),
//! wrapped in SQS messages (each remembers its message id for `batchItemFailures`), and
//! EventBridge "Object Created" events, and S3 Batch Operations invocations (schemas 1.0 and
//! 2.0, answered per task). S3 notification and Batch Operations keys are URL-encoded (`+` is
//! a space); EventBridge keys are not. `s3:TestEvent` and other event names are skipped.

use serde_json::Value;

/// One object to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Source bucket.
    pub bucket: String,
    /// Source key, decoded.
    pub key: String,
    /// The SQS message it came in, if any.
    pub message_id: Option<String>,
    /// The S3 Batch Operations task it came in, if any.
    pub task_id: Option<String>,
}

/// What an event asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Objects to process, in event order.
    pub objects: Vec<ObjectRef>,
    /// SQS message ids whose body could not be understood (reported as failures).
    pub bad_messages: Vec<String>,
    /// True when the event came from SQS (answer with `batchItemFailures`).
    pub from_sqs: bool,
    /// Set for an S3 Batch Operations invocation (answer with one result per task).
    pub batch: Option<Batch>,
}

/// An S3 Batch Operations invocation: what its answer must echo.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// `invocationSchemaVersion`: `1.0` or `2.0`.
    pub schema: String,
    /// `invocationId`.
    pub invocation_id: String,
    /// Tasks that name no object: (task id, why), answered `PermanentFailure`.
    pub bad_tasks: Vec<(String, String)>,
}

/// Parses any supported event.
///
/// # Errors
/// An event of no supported shape (the message says which shapes are supported).
pub fn parse(event: &Value) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    if let Some(schema) = event.get("invocationSchemaVersion").and_then(Value::as_str) {
        return parse_batch(event, schema);
    }
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        for record in records {
            match record.get("eventSource").and_then(Value::as_str) {
                Some("aws:sqs") => {
                    parsed.from_sqs = true;
                    let id = record
                        .get("messageId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let body = record.get("body").and_then(Value::as_str).unwrap_or_default();
                    match serde_json::from_str::<Value>(body).ok().map(|inner| parse(&inner)) {
                        Some(Ok(inner)) => parsed.objects.extend(inner.objects.into_iter().map(|j| ObjectRef {
                            message_id: Some(id.clone()),
                            ..j
                        })),
                        _ => parsed.bad_messages.push(id),
                    }
                }
                Some("aws:s3") => {
                    let created = record
                        .get("eventName")
                        .and_then(Value::as_str)
                        .is_none_or(|n| n.starts_with("ObjectCreated"));
                    let bucket = record.pointer("/s3/bucket/name").and_then(Value::as_str);
                    let key = record.pointer("/s3/object/key").and_then(Value::as_str);
                    if let (true, Some(bucket), Some(key)) = (created, bucket, key) {
                        parsed.objects.push(ObjectRef {
                            bucket: bucket.to_owned(),
                            key: decode_key(key),
                            message_id: None,
                            task_id: None,
                        });
                    }
                }
                _ => {}
            }
        }
        return Ok(parsed);
    }
    if event.get("source").and_then(Value::as_str) == Some("aws.s3") {
        if event.get("detail-type").and_then(Value::as_str) == Some("Object Created") {
            let bucket = event.pointer("/detail/bucket/name").and_then(Value::as_str);
            let key = event.pointer("/detail/object/key").and_then(Value::as_str);
            if let (Some(bucket), Some(key)) = (bucket, key) {
                parsed.objects.push(ObjectRef {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    message_id: None,
                    task_id: None,
                });
            }
        }
        return Ok(parsed);
    }
    if event.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(parsed);
    }
    Err(
        "unsupported event: expected an S3 notification, an SQS event wrapping one, an EventBridge \
         \"Object Created\" event, or an S3 Batch Operations invocation"
            .into(),
    )
}

/// An S3 Batch Operations invocation. Schema 1.0 names the bucket by ARN (`s3BucketArn`),
/// 2.0 by name (`s3Bucket`); either is accepted in both. Tasks come as `tasks` (a list) or
/// `task` (one).
fn parse_batch(event: &Value, schema: &str) -> Result<Parsed, String> {
    if schema != "1.0" && schema != "2.0" {
        return Err(format!(
            "S3 Batch Operations invocationSchemaVersion {schema:?} is not supported (1.0 and 2.0 are)"
        ));
    }
    let invocation_id = event
        .get("invocationId")
        .and_then(Value::as_str)
        .ok_or("S3 Batch Operations invocation without invocationId")?;
    let tasks: Vec<&Value> = match (event.get("tasks"), event.get("task")) {
        (Some(Value::Array(tasks)), _) => tasks.iter().collect(),
        (_, Some(task @ Value::Object(_))) => vec![task],
        _ => return Err("S3 Batch Operations invocation without tasks".into()),
    };
    let mut batch = Batch {
        schema: schema.to_owned(),
        invocation_id: invocation_id.to_owned(),
        bad_tasks: Vec::new(),
    };
    let mut objects = Vec::new();
    for task in tasks {
        let Some(task_id) = task.get("taskId").and_then(Value::as_str) else {
            continue; // nothing to answer it by; treatMissingKeysAs covers it
        };
        let bucket = task
            .get("s3Bucket")
            .and_then(Value::as_str)
            .or_else(|| {
                task.get("s3BucketArn")
                    .and_then(Value::as_str)
                    .and_then(|arn| arn.rsplit_once(":::").map(|(_, name)| name))
            })
            .filter(|b| !b.is_empty());
        let key = task.get("s3Key").and_then(Value::as_str).filter(|k| !k.is_empty());
        match (bucket, key) {
            (Some(bucket), Some(key)) => objects.push(ObjectRef {
                bucket: bucket.to_owned(),
                key: decode_key(key),
                message_id: None,
                task_id: Some(task_id.to_owned()),
            }),
            _ => batch.bad_tasks.push((
                task_id.to_owned(),
                "task names no bucket (s3Bucket or s3BucketArn) or no s3Key".into(),
            )),
        }
    }
    Ok(Parsed {
        objects,
        batch: Some(batch),
        ..Parsed::default()
    })
}

/// S3 notification keys are form-encoded: `+` is a space, `%XX` a byte.
pub fn decode_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s3_record(key: &str) -> Value {
        json!({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
               "s3": {"bucket": {"name": "in"}, "object": {"key": key}}})
    }

    #[test]
    fn every_record_of_a_direct_event_with_decoded_keys() {
        let event = json!({"Records": [s3_record("a/July+2024/hr%20snapshot.csv"), s3_record("b.csv")]});
        let parsed = parse(&event).unwrap();
        let keys: Vec<&str> = parsed.objects.iter().map(|j| j.key.as_str()).collect();
        assert_eq!(keys, ["a/July 2024/hr snapshot.csv", "b.csv"]);
        assert!(!parsed.from_sqs);
    }

    #[test]
    fn sqs_messages_keep_their_ids_and_bad_bodies_are_failures() {
        let body = json!({"Records": [s3_record("x.csv")]}).to_string();
        let event = json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "m1", "body": body},
            {"eventSource": "aws:sqs", "messageId": "m2", "body": "not json"},
        ]});
        let parsed = parse(&event).unwrap();
        assert!(parsed.from_sqs);
        assert_eq!(parsed.objects[0].message_id.as_deref(), Some("m1"));
        assert_eq!(parsed.bad_messages, ["m2"]);
    }

    #[test]
    fn eventbridge_keys_are_taken_as_written() {
        let event = json!({"source": "aws.s3", "detail-type": "Object Created",
                           "detail": {"bucket": {"name": "in"}, "object": {"key": "a+b.csv"}}});
        assert_eq!(parse(&event).unwrap().objects[0].key, "a+b.csv");
    }

    #[test]
    fn test_events_and_deletes_are_skipped_and_unknown_shapes_fail() {
        assert!(
            parse(&json!({"Service": "Amazon S3", "Event": "s3:TestEvent"}))
                .unwrap()
                .objects
                .is_empty()
        );
        let delete = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
                                          "s3": {"bucket": {"name": "in"}, "object": {"key": "k"}}}]});
        assert!(parse(&delete).unwrap().objects.is_empty());
        assert!(parse(&json!({"hello": 1})).is_err());
    }

    #[test]
    fn batch_operations_tasks_of_both_schemas() {
        let v1 = json!({"invocationSchemaVersion": "1.0", "invocationId": "inv", "job": {"id": "j"},
            "tasks": [{"taskId": "t1", "s3Key": "hris/July+2024/a%2Bb.csv", "s3VersionId": null,
                       "s3BucketArn": "arn:aws:s3:::in"}]});
        let parsed = parse(&v1).unwrap();
        assert_eq!(
            parsed.objects,
            [ObjectRef {
                bucket: "in".into(),
                key: "hris/July 2024/a+b.csv".into(),
                message_id: None,
                task_id: Some("t1".into()),
            }]
        );
        let batch = parsed.batch.unwrap();
        assert_eq!((batch.schema.as_str(), batch.invocation_id.as_str()), ("1.0", "inv"));

        let v2 = json!({"invocationSchemaVersion": "2.0", "invocationId": "inv2",
            "job": {"id": "j", "userArguments": {"k": "v"}},
            "task": {"taskId": "t2", "s3Key": "x.csv", "s3VersionId": null, "s3Bucket": "in2"}});
        let parsed = parse(&v2).unwrap();
        assert_eq!(
            (parsed.objects[0].bucket.as_str(), parsed.objects[0].key.as_str()),
            ("in2", "x.csv")
        );
        assert_eq!(parsed.batch.unwrap().schema, "2.0");
    }

    #[test]
    fn batch_operations_tasks_without_an_object_fail_alone() {
        let event = json!({"invocationSchemaVersion": "2.0", "invocationId": "i",
            "tasks": [{"taskId": "bad", "s3Key": "x.csv"}, {"taskId": "ok", "s3Key": "y.csv", "s3Bucket": "b"}]});
        let parsed = parse(&event).unwrap();
        assert_eq!(parsed.objects.len(), 1);
        assert_eq!(parsed.batch.unwrap().bad_tasks[0].0, "bad");
        let unknown = json!({"invocationSchemaVersion": "3.0", "invocationId": "i", "tasks": []});
        assert!(parse(&unknown).unwrap_err().contains("3.0"));
    }
}
