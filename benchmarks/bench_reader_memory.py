"""Peak memory of skrobust.load and the streaming readers on hostile 2 GB files.

Each case runs in a fresh subprocess, which reports its resident set size after
imports (the floor) and its peak (``VmHWM`` from /proc/self/status) after the call,
and what the call did (returned, or the error type and the start of its message).
The files are sparse (``truncate``): they cost no disk and read as zeros, and are
deleted at the end. Cases (size: ``--gib``, default 2):

* ``load: zeros``: ``skrobust.load`` on a file of zeros (``truncate -s 2G``);
* ``load: prefix + archive``: zeros followed by a valid saved model;
* ``load: valid model``: the small saved model alone (the reference);
* ``iter_nuswide_tags: NUL``: ``All_Tags.txt`` of NUL bytes, no line end;
* ``iter_nuswide_tags: one line``: one photo id and a 2 GB run of ``x``;
* ``iter_yfcc100m: NUL``: a YFCC metadata file of NUL bytes;
* ``read_features: huge header``: a ``.npy`` header that declares 1e11 x 16 floats.

The goal: each peak is the floor plus what the call returns plus a constant
(the readers' MAX_LINE_BYTES, 16 MiB), whatever the file's size.

Usage: python benchmarks/bench_reader_memory.py [--gib 2] [--dir /tmp]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import print_table, save

CHILD = r"""
import json, sys, warnings
warnings.simplefilter("ignore")

def status_kb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])

case, path = sys.argv[1], sys.argv[2]
import numpy as np, skrobust
from skrobust.cli._inputs import read_features
from skrobust.datasets import iter_nuswide_tags, iter_yfcc100m
floor = status_kb("VmRSS")
calls = {
    "load": lambda: skrobust.load(path),
    "nuswide": lambda: sum(len(ids) for ids, _ in iter_nuswide_tags(path)),
    "yfcc": lambda: sum(len(c.photo_ids) for c in iter_yfcc100m(path)),
    "features": lambda: read_features(path),
}
try:
    calls[case]()
    outcome = "returned"
except Exception as err:  # what escapes is the measurement
    outcome = f"{type(err).__name__}: {str(err)[-90:]}"
print(json.dumps({"floor_mb": floor / 1024, "peak_mb": status_kb("VmHWM") / 1024,
                  "outcome": outcome}))
"""


def _sparse(path, size, tail=b"", head=b""):
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
        f.seek(size)
        f.write(tail)
    return path


def _model_bytes(directory):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import skrobust
    from skrobust.datasets import make_tagged_classification

    X, Y, _ = make_tagged_classification(n_samples=500, n_tags=5, random_state=0)
    model = make_pipeline(StandardScaler(), skrobust.RobustLogisticRegression(
        max_iter=2, tol=None, random_state=0)).fit(X, Y)
    path = directory / "model.skrobust"
    skrobust.save(model, path)
    return path.read_bytes()


def _huge_header():
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f4", "fortran_order": False, "shape": (10**11, 16)})
    return buffer.getvalue()


def cases(directory, size):
    model = _model_bytes(directory)
    nus = directory / "nus" / "NUS_WID_Tags"
    nus.mkdir(parents=True)
    nul_tags = _sparse(nus / "All_Tags.txt", size)
    line = directory / "nus_line" / "NUS_WID_Tags"
    line.mkdir(parents=True)
    with open(line / "All_Tags.txt", "wb") as f:  # really written: x is not zero
        f.write(b"11 ")
        block = b"x" * (1 << 24)
        for _ in range(size // len(block)):
            f.write(block)
        f.write(b"\n")
    (directory / "valid.skrobust").write_bytes(model)
    yield "load: zeros", "load", _sparse(directory / "zeros.skrobust", size)
    yield "load: prefix + archive", "load", _sparse(directory / "prefixed.skrobust", size,
                                                    tail=model)
    yield "load: valid model", "load", directory / "valid.skrobust"
    yield "iter_nuswide_tags: NUL", "nuswide", nul_tags.parent.parent
    yield "iter_nuswide_tags: one line", "nuswide", line.parent
    yield "iter_yfcc100m: NUL", "yfcc", _sparse(directory / "yfcc.tsv", size)
    yield "read_features: huge header", "features", _sparse(
        directory / "huge.npy", len(_huge_header()) + 1024, head=_huge_header())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--dir", default=None, help="where the sparse files go")
    args = parser.parse_args()
    size = int(args.gib * (1 << 30))
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for name, case, path in cases(Path(tmp), size):
            out = subprocess.run([sys.executable, "-c", CHILD, case, str(path)],
                                 capture_output=True, text=True, check=False)
            if out.returncode != 0:
                result = {"floor_mb": float("nan"), "peak_mb": float("nan"),
                          "outcome": f"exit {out.returncode}: {out.stderr[-200:]}"}
            else:
                result = json.loads(out.stdout.strip().splitlines()[-1])
            result["above_floor_mb"] = result["peak_mb"] - result["floor_mb"]
            rows.append({"case": name, "file_gib": args.gib, **result})
            print(f"{name}: {result}", flush=True)
    print_table(rows, ["case", "file_gib", "floor_mb", "peak_mb", "above_floor_mb",
                       "outcome"])
    save("reader_memory", {"file_gib": args.gib, "rows": rows})


if __name__ == "__main__":
    main()
