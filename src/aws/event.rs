//! Lambda events → objects to process (feature `aws`).
//!
//! Accepts S3 notifications sent direct (every record, where psoxy reads only the first),
//! wrapped in SQS messages (each remembers its message id for `batchItemFailures`), and
//! EventBridge "Object Created" events. S3 notification keys are URL-encoded (`+` is a
//! space); EventBridge keys are not. `s3:TestEvent` and other event names are skipped.

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
}

/// Parses any supported event.
///
/// # Errors
/// An event of no supported shape (the message says which shapes are supported).
pub fn parse(event: &Value) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
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
                });
            }
        }
        return Ok(parsed);
    }
    if event.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(parsed);
    }
    Err(
        "unsupported event: expected an S3 notification, an SQS event wrapping one, or an EventBridge \
         \"Object Created\" event"
            .into(),
    )
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
}
