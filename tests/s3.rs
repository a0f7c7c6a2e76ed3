//! The CLI against a real S3/SSM server (moto on loopback, `common::moto`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use crate::common::moto::{cutting_proxy, moto};
use crate::common::{read_request, root, run, veil};

/// A temp dir holding the rules file `r.yaml`.
fn rules_dir(yaml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), yaml).unwrap();
    dir
}

/// What the sample job writes locally: the reference for every S3 round trip.
fn local_reference() -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (s, l) = (dir.path().join("s.csv"), dir.path().join("l.csv"));
    let (code, _, err) = run(veil(&root())
        .args([
            "sanitize",
            "--quiet",
            "--rules",
            "rules-examples/hris-default.yaml",
            "-o",
        ])
        .arg(&s)
        .arg("--lookup")
        .arg(&l)
        .arg("testdata/hris-sample.csv"));
    assert_eq!(code, 0, "{err}");
    (std::fs::read(s).unwrap(), std::fs::read(l).unwrap())
}

#[test]
fn local_to_s3_with_gzip_lookup_and_metadata() {
    let m = moto();
    let b = m.bucket("round");
    let (code, _, err) = run(m.veil(&root()).args([
        "sanitize",
        "--quiet",
        "--rules",
        "rules-examples/hris-default.yaml",
        "-o",
        &format!("s3://{b}/sanitized/hris.csv.gz"),
        "--lookup",
        &format!("s3://{b}/lookup/hris.csv"),
        "testdata/hris-sample.csv",
    ]));
    assert_eq!(code, 0, "{err}");
    let (sanitized, lookup) = local_reference();
    let (body, ct, ce, meta) = m.get(&b, "sanitized/hris.csv.gz");
    assert_eq!(body, sanitized);
    assert_eq!(ct.as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(ce.as_deref(), Some("gzip"));
    assert_eq!(
        meta.get("veil-version").map(String::as_str),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        meta.get("psoxy-original-object-key").map(String::as_str),
        Some("testdata/hris-sample.csv")
    );
    let (body, _, ce, _) = m.get(&b, "lookup/hris.csv");
    assert_eq!((body, ce), (lookup, None));
}

#[test]
fn s3_to_s3_and_s3_to_local_read_gzip_input() {
    let m = moto();
    let b = m.bucket("s2s");
    let sample = std::fs::read(root().join("testdata/hris-sample.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&sample).unwrap();
    m.put(&b, "in/hris.csv.gz", gz.finish().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(m.veil(dir.path()).args([
        "sanitize",
        "--quiet",
        "--rules",
        root().join("rules-examples/hris-default.yaml").to_str().unwrap(),
        "-o",
        &format!("s3://{b}/out/hris.csv"),
        "--lookup",
        "lookup.csv",
        &format!("s3://{b}/in/hris.csv.gz"),
    ]));
    assert_eq!(code, 0, "{err}");
    let (sanitized, lookup) = local_reference();
    assert_eq!(m.get(&b, "out/hris.csv").0, sanitized);
    assert_eq!(std::fs::read(dir.path().join("lookup.csv")).unwrap(), lookup);
}

/// Rows whose sanitized copy is over 25 MiB: more parts of 5 MiB than `PARTS_IN_FLIGHT`, so
/// the bound on parts in flight is reached.
const MANY_PARTS_ROWS: u64 = 120_000;

#[test]
fn large_object_goes_through_multipart_upload() {
    let m = moto();
    let b = m.bucket("multi");
    let mut input = Vec::new();
    veil_generate::write_hris(&mut input, MANY_PARTS_ROWS, 3).unwrap();
    assert!(input.len() > 12 << 20, "{} bytes", input.len());
    m.put(&b, "in/big.csv", input.clone());
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL]\n");
    std::fs::write(dir.path().join("in.csv"), &input).unwrap();
    let (code, _, err) = run(m.veil(dir.path()).env("VEIL_S3_PART_SIZE", "5242880").args([
        "sanitize",
        "--quiet",
        "--rules",
        "r.yaml",
        "-o",
        &format!("s3://{b}/out/big.csv"),
        &format!("s3://{b}/in/big.csv"),
    ]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        run(veil(dir.path()).args(["sanitize", "--quiet", "--rules", "r.yaml", "-o", "local.csv", "in.csv"]));
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read(dir.path().join("local.csv")).unwrap();
    assert!(expected.len() > 25 << 20, "{} bytes", expected.len());
    assert_eq!(m.get(&b, "out/big.csv").0, expected);
    assert_eq!(m.open_uploads(&b), 0);
}

#[test]
fn malformed_row_deep_in_a_large_object_aborts_the_upload() {
    let m = moto();
    let b = m.bucket("badrow");
    let mut input = Vec::new();
    veil_generate::write_hris(&mut input, MANY_PARTS_ROWS, 4).unwrap();
    input.extend_from_slice(b"2024-07-01,E9999999,SECRET-MAIL@example.com\n");
    m.put(&b, "in/big.csv", input);
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID]\n");
    let (code, _, err) = run(m.veil(dir.path()).env("VEIL_S3_PART_SIZE", "5242880").args([
        "sanitize",
        "--quiet",
        "--rules",
        "r.yaml",
        "-o",
        &format!("s3://{b}/out/big.csv"),
        "--lookup",
        &format!("s3://{b}/lookup/big.csv"),
        &format!("s3://{b}/in/big.csv"),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "s3://{b}/in/big.csv line {}: record has 3 fields",
            MANY_PARTS_ROWS + 2
        )),
        "{err}"
    );
    assert!(!err.contains("SECRET-MAIL"));
    assert_eq!(m.keys(&b), ["in/big.csv"]);
    assert_eq!(m.open_uploads(&b), 0, "multipart uploads are aborted");
}

/// An HTTP proxy to moto that denies the upload of part `part` (`AccessDenied`, which is not
/// retried) and forwards every other request, one connection per request.
fn part_denying_proxy(target: &str, part: u32) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let target = target.trim_start_matches("http://").to_owned();
    let denied = format!("partNumber={part}");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (target, denied) = (target.clone(), denied.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let (mut head, mut length) = (String::new(), 0);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line.trim().is_empty() {
                        break;
                    }
                    let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
                    if name == "content-length" {
                        length = line.split(':').nth(1).unwrap().trim().parse().unwrap();
                    }
                    if name != "connection" {
                        head.push_str(&line);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return; // veil cancelled the request
                }
                let path = head.split_whitespace().nth(1).unwrap_or("");
                let query = path.split_once('?').map_or("", |(_, q)| q);
                let mut client = client;
                if query.split('&').any(|param| param == denied) {
                    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
                                <Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>";
                    let reply = format!(
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = client.write_all(reply.as_bytes());
                    return;
                }
                // `Connection: close`: the reply ends when moto closes, so it needs no parsing.
                let mut server = TcpStream::connect(&target).unwrap();
                let request = [head.as_bytes(), b"Connection: close\r\n\r\n", &body].concat();
                if server.write_all(&request).is_ok() {
                    let _ = std::io::copy(&mut server, &mut client);
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_failed_part_among_parts_in_flight_aborts_the_upload() {
    let m = moto();
    let b = m.bucket("badpart");
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID, EMPLOYEE_EMAIL]\n");
    let mut input = Vec::new();
    veil_generate::write_hris(&mut input, MANY_PARTS_ROWS, 6).unwrap();
    std::fs::write(dir.path().join("in.csv"), &input).unwrap();
    let proxy = part_denying_proxy(&m.endpoint, 3);
    let (code, _, err) = run(m.veil_at(dir.path(), &proxy).env("VEIL_S3_PART_SIZE", "5242880").args([
        "sanitize",
        "--quiet",
        "--rules",
        "r.yaml",
        "-o",
        &format!("s3://{b}/out/big.csv"),
        "in.csv",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("writing s3://{b}/out/big.csv: AccessDenied (HTTP 403)")),
        "{err}"
    );
    assert!(m.keys(&b).is_empty(), "no object without part 3");
    assert_eq!(m.open_uploads(&b), 0, "the multipart upload is aborted");
}

#[test]
fn missing_input_and_missing_output_bucket_fail_cleanly() {
    let m = moto();
    let b = m.bucket("faults");
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID]\n");
    let (code, _, err) = run(m.veil(dir.path()).args([
        "sanitize",
        "--rules",
        "r.yaml",
        "-o",
        "out.csv",
        &format!("s3://{b}/nope.csv"),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("reading s3://{b}/nope.csv")), "{err}");
    assert!(!dir.path().join("out.csv").exists());
    let (code, _, err) = run(m.veil(&root()).args([
        "sanitize",
        "--rules",
        "rules-examples/hris-default.yaml",
        "-o",
        "s3://no-such-bucket-veil/x.csv",
        "--lookup",
        &format!("s3://{b}/lookup.csv"),
        "testdata/hris-sample.csv",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("writing s3://no-such-bucket-veil/x.csv"), "{err}");
    assert!(m.keys(&b).is_empty(), "the other output is not committed either");
}

#[test]
fn connection_dropped_mid_download_leaves_no_output() {
    let m = moto();
    let b = m.bucket("drop");
    let mut input = Vec::new();
    veil_generate::write_hris(&mut input, 20_000, 5).unwrap();
    m.put(&b, "in/hris.csv", input);
    let proxy = cutting_proxy(&m.endpoint, 1 << 20);
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID]\n");
    let (code, _, err) = run(m.veil_at(dir.path(), &proxy).args([
        "sanitize",
        "--quiet",
        "--rules",
        "r.yaml",
        "-o",
        "out.csv",
        "--lookup",
        &format!("s3://{b}/lookup.csv"),
        &format!("s3://{b}/in/hris.csv"),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("reading s3://{b}/in/hris.csv")), "{err}");
    assert!(!dir.path().join("out.csv").exists());
    assert_eq!(m.keys(&b), ["in/hris.csv"]);
}

#[test]
fn salt_comes_from_an_ssm_secure_string() {
    let m = moto();
    let name = format!("/veil-test-{}/PSOXY_SALT", std::process::id());
    m.rt.block_on(
        m.ssm
            .put_parameter()
            .name(&name)
            .value("secret")
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(m.veil(dir.path()).env_remove("VEIL_SALT").args([
        "hash",
        "--format",
        "URL_SAFE_HASH_ONLY",
        "--salt-ssm",
        &name,
        "1",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "pLl3XK16GbhWPs9BmUho9Q73VAOllCeIsVQQMFvnYr4\n");
    let (code, _, err) =
        run(m
            .veil(dir.path())
            .env_remove("VEIL_SALT")
            .args(["hash", "--salt-ssm", "/veil-test/none", "1"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/veil-test/none does not exist"), "{err}");
}

/// An S3 endpoint that denies everything, as S3 does for a role without `s3:PutObject`.
fn denying_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = std::io::BufReader::new(stream);
                while read_request(&mut reader).is_some() {
                    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
                                <Message>Access Denied</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>";
                    let reply = format!(
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn access_denied_on_the_output_fails_before_reading_and_leaves_nothing() {
    let m = moto();
    let denied = denying_endpoint();
    let dir = rules_dir("columnsToPseudonymize: [EMPLOYEE_ID]\n");
    let sample = root().join("testdata/hris-sample.csv");
    let (code, _, err) = run(m
        .veil_at(dir.path(), &denied)
        .args([
            "sanitize",
            "-o",
            "s3://locked/hris.csv",
            "--lookup",
            "lookup.csv",
            "--rules",
            "r.yaml",
        ])
        .arg(sample));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("writing s3://locked/hris.csv: AccessDenied (HTTP 403): Access Denied"),
        "{err}"
    );
    assert!(!dir.path().join("lookup.csv").exists());
    assert_eq!(crate::common::files_in(dir.path()), ["r.yaml"]);
}
