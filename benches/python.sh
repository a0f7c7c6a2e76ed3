#!/usr/bin/env bash
# The Python package's speed, in one run: veil.Pseudonymizer.pseudonymize over a pyarrow
# array of 1 M identifiers and of 1 M e-mail addresses (all cores, and one), against the same
# in pure Python (hashlib and base64, with the conversion from and to Arrow) for the
# identifiers, and against the CLI's own cost per value (`veil hash`, one thread, values on
# stdin). Checks that the answers are equal before timing. Prints values/s and ratios.
# Usage: benches/python.sh [N]   (default 1000000). Builds the wheel into the test venv.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
venv=$(scripts/test-venv.sh)
rm -f target/wheels/veil-*.whl
(cd crates/veil-python && "$venv/bin/maturin" build --release --quiet -o ../../target/wheels -i "$venv/bin/python" >&2)
"$venv/bin/pip" install --quiet --force-reinstall --no-deps target/wheels/veil-*.whl
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$venv/bin/python" - "$n" target/release/veil "$work" <<'PY'
import base64, hashlib, os, subprocess, sys, time
import pyarrow as pa
import veil

n, cli, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ids = pa.array([f"E{i:07d}" for i in range(n)])
emails = pa.array([f"first.last{i}@example{i % 50}.com" for i in range(n)])
salt = b"salt"

def pure(array):
    out = []
    for v in array.to_pylist():
        v = v.strip() if v is not None else None
        if not v:
            out.append(None)
            continue
        digest = hashlib.sha256(v.encode() + salt).digest()
        out.append("t~" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode())
    return pa.array(out, type=pa.string())

def best(f, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)

every = veil.Pseudonymizer("salt")
one = veil.Pseudonymizer("salt", threads=1)
assert every.pseudonymize(ids).equals(pure(ids)), "veil and hashlib disagree"
with open(os.path.join(work, "ids.txt"), "w") as f:
    f.write("\n".join(ids.to_pylist()) + "\n")

def cli_hash():
    with open(os.path.join(work, "ids.txt"), "rb") as i, open(os.path.join(work, "out.txt"), "wb") as o:
        subprocess.run([cli, "hash", "--format", "URL_SAFE_TOKEN"], stdin=i, stdout=o, check=True, env={"VEIL_SALT": "salt"})

t = {
    "pure Python (hashlib), ids": best(lambda: pure(ids), 2),
    f"veil, {os.cpu_count()} threads, ids": best(lambda: every.pseudonymize(ids)),
    "veil, 1 thread, ids": best(lambda: one.pseudonymize(ids)),
    f"veil, {os.cpu_count()} threads, e-mails": best(lambda: every.pseudonymize(emails)),
    "veil, 1 thread, e-mails": best(lambda: one.pseudonymize(emails)),
    "CLI veil hash, 1 thread, ids": best(cli_hash),
}
base = t["pure Python (hashlib), ids"]
print(f"{n:,} values each, best of 3 (pure Python: of 2)")
print(f"{'':34} {'M values/s':>10} {'ns/value':>9} {'x pure Python':>14}")
for name, secs in t.items():
    print(f"{name:34} {n / secs / 1e6:10.2f} {secs / n * 1e9:9.0f} {base / secs:14.1f}")
ratio = t["veil, 1 thread, ids"] / t["CLI veil hash, 1 thread, ids"]
print(f"Python's cost per value on one thread / the CLI's: {ratio:.2f}")
PY
