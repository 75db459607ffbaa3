"""Peak memory of a streamed fit as the file grows: it should stay flat.

Features (float32, d=1024) and tags (int8, 50 tags) are written to ``.npy`` files of
1x, 4x and 16x the chunk size (20,000 rows: an 82 MB chunk, a 1.3 GB file at 16x).
Each size is trained for one epoch by ``fit_stream`` in a fresh subprocess, which
reports its peak resident set size (``VmHWM`` from /proc/self/status; see
``_status_kb`` for why not ``ru_maxrss``), its
resident size after imports and data set-up (the floor), and its throughput. Two
ways of reading the file are measured:

* ``path``: ``ChunkedDataset("X.npy", ...)``, positioned reads into a fresh buffer per
  chunk (what skrobust.streaming does with a path);
* ``memmap``: ``ChunkedDataset(np.load("X.npy", mmap_mode="r"), ...)``, slicing a
  memory map. Pages it touched stay mapped, and Linux counts resident file pages of
  a mapping in RSS, so its RSS grows with the file (they are page cache, reclaimable,
  not a leak; but a cluster scheduler that kills on RSS will not know that).

Usage: python benchmarks/bench_streaming_memory.py [--multiples 1 4 16] [--chunk 20000]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import print_table, save

D, N_TAGS = 1024, 50


def write_files(directory, n_rows, chunk, seed=0):
    """Synthetic tagged data written chunk by chunk (the parent never holds it all)."""
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal((N_TAGS, D)).astype(np.float32) * (3 / np.sqrt(D))
    X_file = np.lib.format.open_memmap(directory / "X.npy", "w+", np.float32, (n_rows, D))
    Y_file = np.lib.format.open_memmap(directory / "Y.npy", "w+", np.int8, (n_rows, N_TAGS))
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        X = rng.standard_normal((stop - start, D), dtype=np.float32)
        true = rng.random((stop - start, N_TAGS)) < 1 / (1 + np.exp(-(X @ coef.T - 1.5)))
        X_file[start:stop] = X
        Y_file[start:stop] = true & (rng.random(true.shape) < 0.5)  # pi = 0.5
    X_file.flush()
    Y_file.flush()
    del X_file, Y_file


def child(directory, chunk, mode):
    """Runs in a fresh interpreter: one epoch of fit_stream, then report memory."""
    from skrobust import RobustLogisticRegression
    from skrobust.streaming import ChunkedDataset, fit_stream

    X = directory / "X.npy"
    if mode == "memmap":
        X = np.load(X, mmap_mode="r")
    data = ChunkedDataset(X, directory / "Y.npy", chunk_size=chunk, random_state=0)
    floor_kb = _status_kb("VmRSS")
    start = time.perf_counter()
    model = fit_stream(RobustLogisticRegression(alpha=1e-4, random_state=0), data, progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "rows": data.n_samples,
        "seconds": seconds,
        "floor_mb": floor_kb / 1024,
        "peak_mb": _status_kb("VmHWM") / 1024,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "n_iter": model.n_iter_,
        "pi_mean": float(np.mean(model.pi_)),
    }))


def _status_kb(field):
    """VmRSS (now) or VmHWM (peak) of this process, from /proc (Linux).

    Not ru_maxrss: Linux carries ru_maxrss over from the forking parent through
    exec, so a child of a parent that just wrote a 1.3 GB file would report the
    parent's peak. VmHWM belongs to this process's own address space.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return float("nan")  # pragma: no cover - not Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiples", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--modes", nargs="+", default=["path", "memmap"])
    parser.add_argument("--child", nargs=2, metavar=("DIR", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child[0]), args.chunk, args.child[1])

    chunk_mb = args.chunk * D * 4 / 2**20
    rows = []
    for multiple in args.multiples:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            write_files(directory, multiple * args.chunk, args.chunk)
            file_mb = (directory / "X.npy").stat().st_size / 2**20
            for mode in args.modes:
                out = subprocess.run(
                    [sys.executable, __file__, "--chunk", str(args.chunk),
                     "--child", str(directory), mode],
                    check=True, capture_output=True, text=True,
                ).stdout
                result = json.loads(out.strip().splitlines()[-1])
                rows.append({
                    "mode": mode,
                    "x_chunk": multiple,
                    "file_mb": round(file_mb, 1),
                    "floor_mb": round(result["floor_mb"], 1),
                    "peak_rss_mb": round(result["peak_mb"], 1),
                    "peak_minus_floor_mb": round(result["peak_mb"] - result["floor_mb"], 1),
                    "rows_per_s": round(result["rows"] / result["seconds"]),
                    "seconds": round(result["seconds"], 2),
                    "n_iter": result["n_iter"],
                    "pi_mean": round(result["pi_mean"], 3),
                })
                print(rows[-1], flush=True)
    print(f"\nchunk: {args.chunk} rows x {D} float32 = {chunk_mb:.0f} MB; {N_TAGS} int8 tags")
    columns = ["mode", "x_chunk", "file_mb", "floor_mb", "peak_rss_mb",
               "peak_minus_floor_mb", "rows_per_s", "seconds"]
    print_table(rows, columns)
    save("streaming_memory", {
        "description": "Peak RSS (VmHWM) of one epoch of fit_stream, fresh process "
                       "per size; floor = RSS after imports and dataset set-up.",
        "chunk_rows": args.chunk, "n_features": D, "n_tags": N_TAGS,
        "dtype": "float32", "chunk_mb": chunk_mb, "rows": rows,
    })


if __name__ == "__main__":
    main()
