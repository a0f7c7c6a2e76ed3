"""The Python package against the CLI: pseudonyms, sanitize and check, errors."""

import gzip
import io

import pyarrow as pa
import pytest
import veil
from conftest import ROOT, TOKEN_RULES, cli, hash_cli

VALUES = [
    "E0000001",
    "1",
    "alice@acme.com",
    "Alice.Smith+news@Acme.COM",
    "a.l.i.c.e@gmail.com",
    "  padded  ",
    "\u00e9l\u00e8ve@\u00e9cole.fr",
    "not an email @ all",
    "\"quoted\"@example.com",
    "x" * 300,
]
SETTINGS = [
    ({}, {}),
    ({"email_canonicalization": "IGNORE_DOTS"}, {"EMAIL_CANONICALIZATION": "IGNORE_DOTS"}),
    ({"email_domain_handling": "tokenize", "salt_email_domains": "dsalt"}, {"EMAIL_DOMAIN_HANDLING": "TOKENIZE", "SALT_EMAIL_DOMAINS": "dsalt"}),
    ({"email_domain_handling": "REDACT"}, {"EMAIL_DOMAIN_HANDLING": "REDACT"}),
    ({"email_domain_handling": "ENCRYPT", "encryption_key": "k3y"}, {"EMAIL_DOMAIN_HANDLING": "ENCRYPT", "ENCRYPTION_KEY_EMAIL_DOMAINS": "k3y"}),
    ({"hash": "hmac-sha256"}, {"VEIL_HASH": "hmac-sha256"}),
]


@pytest.mark.parametrize("kwargs,env", SETTINGS)
@pytest.mark.parametrize("format", ["URL_SAFE_TOKEN", "JSON", "URL_SAFE_HASH_ONLY"])
def test_pseudonyms_equal_the_clis(kwargs, env, format):
    want = hash_cli(VALUES, format, env=env)
    got = veil.Pseudonymizer("salt", **kwargs).pseudonymize(VALUES, format)
    assert got == want
    assert veil.Pseudonymizer("salt", **kwargs).pseudonymize(pa.array(VALUES), format).to_pylist() == want


def test_known_pseudonyms_and_blanks():
    pz = veil.Pseudonymizer("salt")
    assert pz.pseudonymize(["1", None, "", " \t", "\u3000", "alice@acme.com"]) == [
        "t~0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc",
        None,
        None,
        None,
        None,
        "t~UFdK0TvVTvZ23c6QslyCy0o2MSq2DRtDjEXfTPJyyMk@acme.com",
    ]
    assert pz.pseudonymize(["1"], "json") == ['{"hash":"0zPKqEd-CtbCLB1ZSwX6Zo7uAWUvkpfHGzv9-cuYwZc"}']
    assert veil.Pseudonymizer(b"salt").fingerprint == pz.fingerprint
    assert veil.Pseudonymizer("other").fingerprint != pz.fingerprint


def test_arrow_arrays_keep_their_type_chunks_and_nulls():
    pz = veil.Pseudonymizer("salt")
    values = [f"E{i:07d}" if i % 7 else None for i in range(50_000)]
    want = pz.pseudonymize(values)
    for kind in (pa.string(), pa.large_string()):
        array = pa.array(values, type=kind)
        got = pz.pseudonymize(array)
        assert got.type == kind and got.null_count == array.null_count
        assert got.to_pylist() == want
        # A slice (an offset into the buffers) and a chunked array with an empty chunk.
        assert pz.pseudonymize(array.slice(12_345, 20_000)).to_pylist() == want[12_345:32_345]
        chunked = pa.chunked_array([array.slice(0, 10), array.slice(10, 0), array.slice(10)], type=kind)
        out = pz.pseudonymize(chunked)
        assert isinstance(out, pa.ChunkedArray) and out.type == kind
        assert [len(c) for c in out.chunks] == [10, 0, len(values) - 10]
        assert out.to_pylist() == want
        assert pz.pseudonymize(pa.array([], type=kind)).to_pylist() == []
        assert pz.pseudonymize(pa.array([None, None], type=kind)).to_pylist() == [None, None]
        assert pz.pseudonymize(pa.chunked_array([], type=kind)).type == kind


def test_one_thread_and_every_core_agree():
    values = [f"user{i}@example{i % 13}.com" for i in range(100_000)]
    assert veil.Pseudonymizer("s", threads=1).pseudonymize(values) == veil.Pseudonymizer("s").pseudonymize(values)


def test_refusals_name_the_problem_never_the_value():
    pz = veil.Pseudonymizer("salt")
    with pytest.raises(TypeError, match=r"value 1 is a int, not a str or None"):
        pz.pseudonymize(["a", 12345])
    with pytest.raises(TypeError, match="string and large_string arrays"):
        pz.pseudonymize(pa.array([1, 2]))
    with pytest.raises(ValueError, match="format: invalid value; valid values: JSON, URL_SAFE_TOKEN, URL_SAFE_HASH_ONLY"):
        pz.pseudonymize(["a"], "HEX")
    with pytest.raises(veil.UsageError, match="EMAIL_DOMAIN_HANDLING: invalid value; valid values") as e:
        veil.Pseudonymizer("salt", email_domain_handling="s3cr3t-ish")
    assert "s3cr3t" not in str(e.value)
    with pytest.raises(veil.UsageError, match="ENCRYPT needs"):
        veil.Pseudonymizer("salt", email_domain_handling="ENCRYPT")
    with pytest.raises(veil.UsageError, match="the salt is empty"):
        veil.Pseudonymizer("")


SAMPLE = ROOT / "testdata" / "hris-sample.csv"
RULES = ROOT / "rules-examples" / "hris-default.yaml"


def cli_outputs(tmp_path, *extra):
    cli("sanitize", "--rules", str(RULES), "-o", str(tmp_path / "s.csv"), "--lookup", str(tmp_path / "l.csv"), *extra, str(SAMPLE))
    return (tmp_path / "s.csv").read_bytes(), (tmp_path / "l.csv").read_bytes()


def test_sanitize_writes_what_the_cli_writes(tmp_path):
    want_sanitized, want_lookup = cli_outputs(tmp_path)
    # Returned, from a path, with the rules as a path.
    result = veil.sanitize(str(SAMPLE), RULES, salt="salt", lookups=[None])
    assert (result.sanitized, result.lookups) == (want_sanitized, [want_lookup])
    assert result.rows == 200 and result.warnings == [] and result.input_bytes == SAMPLE.stat().st_size
    # From bytes and from a file object, the rules as text, into files and file objects.
    text = RULES.read_text()
    gz = tmp_path / "out" / "s.csv.gz"
    lookup = io.BytesIO()
    with open(SAMPLE, "rb") as source:
        result = veil.sanitize(source, text, salt=veil.Pseudonymizer("salt"), output=gz, lookups=[lookup])
    assert gzip.decompress(gz.read_bytes()) == want_sanitized
    assert lookup.getvalue() == want_lookup and result.sanitized is None
    result = veil.sanitize(SAMPLE.read_bytes(), text.encode(), salt=b"salt", lookups=[None], lookup_rules=[TOKEN_RULES.replace("URL_SAFE_TOKEN", "JSON")])
    assert result.sanitized == want_sanitized
    assert result.lookups[0].startswith(b"SNAPSHOT,EMPLOYEE_ID,EMPLOYEE_EMAIL")


def test_a_failed_run_writes_nothing_and_names_the_line(tmp_path):
    bad = SAMPLE.read_bytes() + b"2024-07-01,E9999,leaked.value@acme.com\n"
    into = io.BytesIO()
    with pytest.raises(veil.DataError, match=r"line 202") as e:
        veil.sanitize(bad, RULES, salt="salt", output=tmp_path / "s.csv", lookups=[into])
    assert "leaked" not in str(e.value) and "E9999" not in str(e.value)
    assert into.getvalue() == b"" and list(tmp_path.iterdir()) == []
    with pytest.raises(veil.UsageError, match="none of the 4 column"):
        veil.sanitize(b"a;b\n1;2\n", RULES, salt="salt")
    assert veil.sanitize(b"a;b\n1;2\n", RULES, salt="salt", allow_absent_columns=True).rows == 1
    with pytest.raises(veil.UsageError, match=r"is the input|refused|same"):
        veil.sanitize(SAMPLE, RULES, salt="salt", output=SAMPLE)


def test_the_pii_guard_fails_and_accepts(tmp_path):
    planted = tmp_path / "planted.csv"
    cli("generate", "--rows", "100", "--seed", "3", "--plant-pii", "-o", str(planted))
    with pytest.raises(veil.PiiError) as e:
        veil.sanitize(planted, RULES, salt="salt", output=tmp_path / "s.csv", pii_guard="fail")
    assert "NOTES" in str(e.value) and not (tmp_path / "s.csv").exists()
    result = veil.sanitize(planted, RULES, salt="salt", pii_guard="warn")
    kinds = {(f["column"], f["kind"]) for f in result.findings}
    assert ("NOTES", "email") in kinds and ("PERSONAL_PHONE", "phone") in kinds
    accepted = veil.sanitize(planted, RULES, salt="salt", pii_allow=["PERSONAL_PHONE:phone"])
    assert ("PERSONAL_PHONE", "phone") not in {(f["column"], f["kind"]) for f in accepted.findings}


def test_check_shows_what_veil_check_shows():
    table = cli("check", "--rules", str(RULES), "--lookup-key", "EMPLOYEE_ID", str(SAMPLE)).stdout.decode()
    checked = veil.check(SAMPLE, RULES, lookup_key="EMPLOYEE_ID")
    assert checked.ok and checked.line == 1 and checked.header[:2] == ["SNAPSHOT", "EMPLOYEE_ID"]
    assert [o.role for o in checked.outputs] == ["sanitized", "lookup"]
    for output in checked.outputs:
        for column in output.columns:
            # Each of the CLI's table rows: output, source and action, in columns.
            assert any(line.split()[:2] == [column.name, column.source] and line.rstrip().endswith(column.action) for line in table.splitlines()), column
    assert [c.name for c in checked.outputs[1].columns] == ["EMPLOYEE_ID", "EMPLOYEE_ID_ORIG"]
    missing = veil.check(b"EMPLOYEE_ID,EMPLOYEE_EMIAL\n", RULES)
    assert not missing.ok and "did you mean" in missing.outputs[0].problems


def test_help_documents_the_api():
    assert "in one pass" in veil.sanitize.__doc__
    assert "veil check" in veil.check.__doc__
    assert "email_domain_handling" in veil.Pseudonymizer.__doc__
    assert "large_string" in veil.Pseudonymizer.pseudonymize.__doc__
    assert issubclass(veil.PiiError, veil.VeilError) and issubclass(veil.UsageError, veil.VeilError)


def test_a_destination_is_never_the_source_or_another_destination(tmp_path):
    same = io.BytesIO()
    with pytest.raises(veil.UsageError, match=r"output and lookups\[0\] are the same object"):
        veil.sanitize(SAMPLE, RULES, salt="salt", output=same, lookups=[same])
    assert same.getvalue() == b""
    copy = tmp_path / "hris.csv"
    copy.write_bytes(SAMPLE.read_bytes())
    with open(copy, "rb") as source, pytest.raises(veil.UsageError, match="source and output are the same file"):
        veil.sanitize(source, RULES, salt="salt", output=copy)
    assert copy.read_bytes() == SAMPLE.read_bytes()
    with open(tmp_path / "out.csv", "wb") as out, pytest.raises(veil.UsageError, match=r"output and lookups\[0\] are the same file"):
        veil.sanitize(SAMPLE, RULES, salt="salt", output=out, lookups=[tmp_path / "out.csv"])


def test_no_value_salt_or_key_in_an_exception():
    for call in (
        lambda: veil.Pseudonymizer("my-secret-salt\ud800"),
        lambda: veil.Pseudonymizer("s", email_domain_handling="ENCRYPT", encryption_key="k3y-secret\ud800"),
        lambda: veil.Pseudonymizer("s").pseudonymize(["alice@acme.com\ud800"]),
        lambda: veil.sanitize("EMPLOYEE_ID,EMAIL\n42,alice@acme.com\n", RULES, salt="s"),
    ):
        with pytest.raises(veil.UsageError) as e:
            call()
        shown = repr(e.value) + str(e.value.args) + str(e.value.__cause__) + str(e.value.__context__)
        assert not any(secret in shown for secret in ("secret", "alice", "42")), shown
    with pytest.raises(TypeError, match="not one value"):
        veil.Pseudonymizer("s").pseudonymize("alice")
    with pytest.raises(veil.UsageError, match="not UTF-8"):
        veil.check(SAMPLE, "columnsToRedact: [Pr\xe9nom]\n".encode("latin-1"))


def test_values_trim_as_a_cell_does(tmp_path):
    cells = ["\u3000alice\u2003", " bob ", "\u3000a,b"]
    (tmp_path / "t.csv").write_text("ID\n\u3000alice\u2003\n bob \n\"\u3000a,b\"\n")
    (tmp_path / "r.yaml").write_text("pseudonymFormat: URL_SAFE_TOKEN\ncolumnsToPseudonymize: [ID]\n")
    out = cli("sanitize", "--rules", str(tmp_path / "r.yaml"), str(tmp_path / "t.csv")).stdout.decode()
    pz = veil.Pseudonymizer("salt")
    assert out.splitlines()[1:] == pz.pseudonymize(cells) == hash_cli(cells)
    assert pz.pseudonymize(["\u3000alice\u2003"]) == pz.pseudonymize(["alice"])


class Trickle(io.RawIOBase):
    """A raw stream that takes at most 4,096 bytes a write, as raw sockets and pipes do."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        take = bytes(b[:4096])
        self.data += take
        return len(take)


class Broken(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        raise OSError(28, "No space left on device")


class Slow(io.RawIOBase):
    """A source that takes its time, long enough to be interrupted."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def readable(self):
        return True

    def read(self, n=-1):
        import time

        time.sleep(0.02)
        chunk = self.data[self.at : self.at + min(n, 4096)]
        self.at += len(chunk)
        return chunk


def test_streams_get_every_byte_or_nothing(tmp_path):
    want, _ = cli_outputs(tmp_path)
    trickle = Trickle()
    veil.sanitize(SAMPLE, RULES, salt="salt", output=trickle)
    assert bytes(trickle.data) == want
    # A stream that fails publishes no other output: the file is not there.
    with pytest.raises(veil.DataError, match="No space left"):
        veil.sanitize(SAMPLE, RULES, salt="salt", output=tmp_path / "published.csv", lookups=[Broken()])
    assert not (tmp_path / "published.csv").exists()

    class Greedy(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            return b"x" * (n + 1)

    with pytest.raises(veil.DataError, match="more than asked"):
        veil.sanitize(Greedy(), RULES, salt="salt")


def test_a_gzip_stream_is_not_read_after_the_call(tmp_path):
    import time

    big = gzip.compress(SAMPLE.read_bytes() * 40, compresslevel=1)
    f = io.BytesIO(big)
    assert veil.check(f, RULES).ok
    at = f.tell()
    time.sleep(0.3)
    assert f.tell() == at


def test_ctrl_c_stops_a_run_and_publishes_nothing(tmp_path):
    import os
    import signal
    import threading

    data = SAMPLE.read_bytes() * 50
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        veil.sanitize(Slow(data), RULES, salt="salt", output=tmp_path / "s.csv", allow_absent_columns=True)
    assert list(tmp_path.iterdir()) == []


def test_settings_behave_as_the_clis():
    assert veil.Pseudonymizer("s", email_domain_handling="", hash="").fingerprint == veil.Pseudonymizer("s").fingerprint
    with pytest.warns(UserWarning, match="SALT_EMAIL_DOMAINS is set but empty"):
        veil.Pseudonymizer("s", email_domain_handling="TOKENIZE", salt_email_domains="")
    with pytest.raises(veil.UsageError, match="threads"):
        veil.sanitize(SAMPLE, RULES, salt="s", threads=0)
    result = veil.sanitize(SAMPLE, "columnsToRedact: [SALARY, on]\n", salt="s")
    assert any("psoxy" in w and "`on`" in w for w in result.warnings), result.warnings
