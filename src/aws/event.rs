//! Lambda events, parsed once into a typed [`Invocation`] (feature `aws`).
//!
//! Accepts S3 notifications sent direct (every record, where psoxy reads only the first),
//! wrapped in SQS messages (each object remembers its message, for `batchItemFailures`), and
//! EventBridge "Object Created" events, and S3 Batch Operations invocations (schemas 1.0 and
//! 2.0, answered per task). S3 notification and Batch Operations keys are URL-encoded (`+` is
//! a space); EventBridge keys are not. `s3:TestEvent` and other event names are skipped.

use serde_json::Value;

use crate::error::{Error, Result};

/// One object to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Source bucket.
    pub bucket: String,
    /// Source key, decoded.
    pub key: String,
}

/// What an invocation asks for, and how it must be answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// S3 notifications sent direct, an EventBridge event, or a test event (no objects): any
    /// failed object fails the invocation, so that Lambda retries it.
    Direct(Vec<ObjectRef>),
    /// An SQS batch: failures are answered per message (`batchItemFailures`).
    Sqs {
        /// (message id, object), in event order.
        objects: Vec<(String, ObjectRef)>,
        /// Messages whose body could not be understood: failures.
        bad_messages: Vec<String>,
    },
    /// An S3 Batch Operations invocation: answered with one result per task.
    Batch {
        /// `invocationSchemaVersion`: `1.0` or `2.0`.
        schema: String,
        /// `invocationId`.
        invocation_id: String,
        /// (task id, object), in event order.
        tasks: Vec<(String, ObjectRef)>,
        /// Tasks that name no object: (task id, why), answered `PermanentFailure`.
        bad_tasks: Vec<(String, String)>,
    },
}

impl Invocation {
    /// Parses any supported event.
    ///
    /// # Errors
    /// An event of no supported shape ([`Error::Event`]; the message says which are).
    pub fn parse(event: &Value) -> Result<Invocation> {
        if let Some(schema) = event.get("invocationSchemaVersion").and_then(Value::as_str) {
            return parse_batch(event, schema);
        }
        if let Some(records) = event.get("Records").and_then(Value::as_array) {
            let from_sqs = records
                .iter()
                .any(|r| r.get("eventSource").and_then(Value::as_str) == Some("aws:sqs"));
            if !from_sqs {
                return Ok(Invocation::Direct(records.iter().filter_map(s3_record).collect()));
            }
            let (mut objects, mut bad_messages) = (Vec::new(), Vec::new());
            for record in records {
                let id = record
                    .get("messageId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let body = record.get("body").and_then(Value::as_str).unwrap_or_default();
                match serde_json::from_str::<Value>(body)
                    .ok()
                    .map(|inner| Invocation::parse(&inner))
                {
                    Some(Ok(Invocation::Direct(inner))) => {
                        objects.extend(inner.into_iter().map(|object| (id.clone(), object)));
                    }
                    _ => bad_messages.push(id),
                }
            }
            return Ok(Invocation::Sqs { objects, bad_messages });
        }
        if event.get("source").and_then(Value::as_str) == Some("aws.s3") {
            let mut objects = Vec::new();
            if event.get("detail-type").and_then(Value::as_str) == Some("Object Created") {
                let bucket = event.pointer("/detail/bucket/name").and_then(Value::as_str);
                let key = event.pointer("/detail/object/key").and_then(Value::as_str);
                if let (Some(bucket), Some(key)) = (bucket, key) {
                    objects.push(ObjectRef {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                    });
                }
            }
            return Ok(Invocation::Direct(objects));
        }
        if event.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
            return Ok(Invocation::Direct(Vec::new()));
        }
        Err(Error::Event(
            "unsupported event: expected an S3 notification, an SQS event wrapping one, an EventBridge \
             \"Object Created\" event, or an S3 Batch Operations invocation"
                .into(),
        ))
    }

    /// The objects to process, in event order.
    pub fn objects(&self) -> Vec<&ObjectRef> {
        match self {
            Invocation::Direct(objects) => objects.iter().collect(),
            Invocation::Sqs { objects, .. } => objects.iter().map(|(_, o)| o).collect(),
            Invocation::Batch { tasks, .. } => tasks.iter().map(|(_, o)| o).collect(),
        }
    }
}

/// An `ObjectCreated` record of an S3 notification; `None` for others (deletes, tests).
fn s3_record(record: &Value) -> Option<ObjectRef> {
    if record.get("eventSource").and_then(Value::as_str) != Some("aws:s3") {
        return None;
    }
    let created = record
        .get("eventName")
        .and_then(Value::as_str)
        .is_none_or(|n| n.starts_with("ObjectCreated"));
    let bucket = record.pointer("/s3/bucket/name").and_then(Value::as_str)?;
    let key = record.pointer("/s3/object/key").and_then(Value::as_str)?;
    created.then(|| ObjectRef {
        bucket: bucket.to_owned(),
        key: decode_key(key),
    })
}

/// An S3 Batch Operations invocation. Schema 1.0 names the bucket by ARN (`s3BucketArn`),
/// 2.0 by name (`s3Bucket`); either is accepted in both. Tasks come as `tasks` (a list) or
/// `task` (one).
fn parse_batch(event: &Value, schema: &str) -> Result<Invocation> {
    if schema != "1.0" && schema != "2.0" {
        return Err(Error::Event(format!(
            "S3 Batch Operations invocationSchemaVersion {schema:?} is not supported (1.0 and 2.0 are)"
        )));
    }
    let invocation_id = event
        .get("invocationId")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Event("S3 Batch Operations invocation without invocationId".into()))?;
    let listed: Vec<&Value> = match (event.get("tasks"), event.get("task")) {
        (Some(Value::Array(tasks)), _) => tasks.iter().collect(),
        (_, Some(task @ Value::Object(_))) => vec![task],
        _ => return Err(Error::Event("S3 Batch Operations invocation without tasks".into())),
    };
    let (mut tasks, mut bad_tasks) = (Vec::new(), Vec::new());
    for task in listed {
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
            (Some(bucket), Some(key)) => tasks.push((
                task_id.to_owned(),
                ObjectRef {
                    bucket: bucket.to_owned(),
                    key: decode_key(key),
                },
            )),
            _ => bad_tasks.push((
                task_id.to_owned(),
                "task names no bucket (s3Bucket or s3BucketArn) or no s3Key".into(),
            )),
        }
    }
    Ok(Invocation::Batch {
        schema: schema.to_owned(),
        invocation_id: invocation_id.to_owned(),
        tasks,
        bad_tasks,
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

    fn s3_event(key: &str) -> Value {
        json!({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
               "s3": {"bucket": {"name": "in"}, "object": {"key": key}}})
    }

    fn keys(invocation: &Invocation) -> Vec<&str> {
        invocation.objects().iter().map(|o| o.key.as_str()).collect()
    }

    #[test]
    fn every_record_of_a_direct_event_with_decoded_keys() {
        let event = json!({"Records": [s3_event("a/July+2024/hr%20snapshot.csv"), s3_event("b.csv")]});
        let invocation = Invocation::parse(&event).unwrap();
        assert!(matches!(invocation, Invocation::Direct(_)));
        assert_eq!(keys(&invocation), ["a/July 2024/hr snapshot.csv", "b.csv"]);
    }

    #[test]
    fn sqs_messages_keep_their_ids_and_bad_bodies_are_failures() {
        let body = json!({"Records": [s3_event("x.csv")]}).to_string();
        let event = json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "m1", "body": body},
            {"eventSource": "aws:sqs", "messageId": "m2", "body": "not json"},
        ]});
        let Invocation::Sqs { objects, bad_messages } = Invocation::parse(&event).unwrap() else {
            panic!("an SQS batch")
        };
        assert_eq!(objects[0].0, "m1");
        assert_eq!(bad_messages, ["m2"]);
    }

    #[test]
    fn eventbridge_keys_are_taken_as_written() {
        let event = json!({"source": "aws.s3", "detail-type": "Object Created",
                           "detail": {"bucket": {"name": "in"}, "object": {"key": "a+b.csv"}}});
        assert_eq!(keys(&Invocation::parse(&event).unwrap()), ["a+b.csv"]);
    }

    #[test]
    fn test_events_and_deletes_are_skipped_and_unknown_shapes_fail() {
        let test = Invocation::parse(&json!({"Service": "Amazon S3", "Event": "s3:TestEvent"})).unwrap();
        assert!(test.objects().is_empty());
        let delete = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
                                          "s3": {"bucket": {"name": "in"}, "object": {"key": "k"}}}]});
        assert!(Invocation::parse(&delete).unwrap().objects().is_empty());
        let unknown = Invocation::parse(&json!({"hello": 1})).unwrap_err();
        assert_eq!(unknown.kind(), crate::ErrorKind::Event);
    }

    #[test]
    fn batch_operations_tasks_of_both_schemas() {
        let v1 = json!({"invocationSchemaVersion": "1.0", "invocationId": "inv", "job": {"id": "j"},
            "tasks": [{"taskId": "t1", "s3Key": "hris/July+2024/a%2Bb.csv", "s3VersionId": null,
                       "s3BucketArn": "arn:aws:s3:::in"}]});
        let Invocation::Batch {
            schema,
            invocation_id,
            tasks,
            ..
        } = Invocation::parse(&v1).unwrap()
        else {
            panic!("a batch")
        };
        assert_eq!((schema.as_str(), invocation_id.as_str()), ("1.0", "inv"));
        assert_eq!(
            tasks,
            [(
                "t1".to_owned(),
                ObjectRef {
                    bucket: "in".into(),
                    key: "hris/July 2024/a+b.csv".into(),
                }
            )]
        );
        let v2 = json!({"invocationSchemaVersion": "2.0", "invocationId": "inv2",
            "job": {"id": "j", "userArguments": {"k": "v"}},
            "task": {"taskId": "t2", "s3Key": "x.csv", "s3VersionId": null, "s3Bucket": "in2"}});
        let parsed = Invocation::parse(&v2).unwrap();
        assert_eq!(
            (parsed.objects()[0].bucket.as_str(), parsed.objects()[0].key.as_str()),
            ("in2", "x.csv")
        );
    }

    #[test]
    fn batch_operations_tasks_without_an_object_fail_alone() {
        let event = json!({"invocationSchemaVersion": "2.0", "invocationId": "i",
            "tasks": [{"taskId": "bad", "s3Key": "x.csv"}, {"taskId": "ok", "s3Key": "y.csv", "s3Bucket": "b"}]});
        let Invocation::Batch { tasks, bad_tasks, .. } = Invocation::parse(&event).unwrap() else {
            panic!("a batch")
        };
        assert_eq!(tasks.len(), 1);
        assert_eq!(bad_tasks[0].0, "bad");
        let unknown = json!({"invocationSchemaVersion": "3.0", "invocationId": "i", "tasks": []});
        assert!(Invocation::parse(&unknown).unwrap_err().to_string().contains("3.0"));
    }
}
