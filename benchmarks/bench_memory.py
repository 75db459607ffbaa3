"""Peak memory of a streamed fit against the size of the weights and of a chunk.

Each configuration runs in a fresh subprocess: chunks of (chunk_rows, 4096) float32
features and int8 tags are generated one at a time and fed to partial_fit, as a
stream from disk would be. Reported: the peak resident set size above the process's
baseline (after imports, before the first chunk), against the goal
``4 * W + 2 * chunk`` where W is the weight matrix and a chunk is X plus Y, with
the default momentum (0.9) and without it (momentum keeps the previous weights, a
second W, and an atomic pass keeps a copy of both until it succeeds: 4 W; the rest is
the chunk and the minibatch's (batch_size x tags) work arrays, at most five of them).

Usage: python benchmarks/bench_memory.py [--tags 1000 5400] [--chunk-rows 2000 10000]
"""

import argparse
import json
import subprocess
import sys

from _common import print_table, save

CHILD = r"""
import json, resource, sys
import numpy as np
from skrobust import RobustLogisticRegression

n_tags, chunk_rows, n_chunks, d = map(int, sys.argv[1:5])
momentum = float(sys.argv[5])
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
baseline = rss_mb()
model = RobustLogisticRegression(alpha=1e-4, batch_size=500, momentum=momentum, random_state=0)
rng = np.random.default_rng(0)
for i in range(n_chunks):
    X = rng.standard_normal((chunk_rows, d), dtype=np.float32)
    Y = np.zeros((chunk_rows, n_tags), dtype=np.int8)
    Y[rng.integers(0, chunk_rows, n_tags * 20), rng.integers(0, n_tags, n_tags * 20)] = 1
    model.partial_fit(X, Y)
    del X, Y
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux
print(json.dumps({"baseline_mb": baseline, "peak_mb": peak}))
"""


def run(n_tags, chunk_rows, n_chunks, momentum, d=4096):
    args = [n_tags, chunk_rows, n_chunks, d, momentum]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)],
        capture_output=True, text=True, check=True,
    )
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    w_mb = n_tags * d * 4 / 2**20
    chunk_mb = chunk_rows * (d * 4 + n_tags) / 2**20
    used = measured["peak_mb"] - measured["baseline_mb"]
    goal = 4 * w_mb + 2 * chunk_mb
    return {
        "tags": n_tags,
        "momentum": momentum,
        "chunk_rows": chunk_rows,
        "chunks": n_chunks,
        "W_mb": w_mb,
        "chunk_mb": chunk_mb,
        "peak_above_baseline_mb": used,
        "goal_4W_2chunks_mb": goal,
        "in_W": (used - chunk_mb) / w_mb,
        "meets_goal": used <= goal,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, nargs="+", default=[1000, 5400])
    parser.add_argument("--chunk-rows", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--chunks", type=int, default=4)
    parser.add_argument("--momentum", type=float, nargs="+", default=[0.9, 0.0])
    args = parser.parse_args()
    rows = [
        run(t, c, args.chunks, m)
        for t in args.tags for c in args.chunk_rows for m in args.momentum
    ]
    print_table(rows, list(rows[0]))
    save("memory", {"d": 4096, "dtype": "float32", "rows": rows})


if __name__ == "__main__":
    main()
