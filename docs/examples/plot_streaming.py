"""
Training from a memory-mapped file: on a laptop and on a dask cluster
=====================================================================

The same model trained twice from the same ``.npy`` file, one chunk of rows at a
time: first on one machine with :func:`skrobust.streaming.fit_stream`, then with
dask-ml's ``Incremental`` on a local dask cluster of two worker processes (the shape
of a real cluster, on one machine). Both visit the chunks in the same order, so they
end with the same model. The script prints throughput and peak memory of each.

It runs offline in a few seconds on synthetic data.
"""

import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.streaming import ChunkedDataset, fit_stream, incremental_inputs


def peak_rss_mb():
    """This process's peak resident memory (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# %%
# Data on disk
# ------------
# 40,000 images with 128 float32 features and 20 noisy tags (each true tag kept with
# probability 0.5), written as a ``.npy`` feature file and a sparse ``.npz`` tag file:
# the layout of CNN features extracted once and saved. Chunks of 5,000 rows.
N, D, TAGS, CHUNK = 40_000, 128, 20, 5_000
params = dict(batch_size=500, shuffle=False, random_state=0)

# dask starts its worker processes by re-importing this script: everything that
# does work sits under this guard, so that only the main process runs it.
if __name__ == "__main__":
    X, Y, Z = make_tagged_classification(
        n_samples=N, n_features=D, n_tags=TAGS, pi=0.5, dtype=np.float32, random_state=0
    )
    tmp = Path(tempfile.mkdtemp())
    np.save(tmp / "features.npy", X)
    sp.save_npz(tmp / "tags.npz", sp.csr_matrix(Y))
    del X  # from here on the features are read from disk

# %%
# On a laptop: fit_stream
# -----------------------
# ``ChunkedDataset`` reads one chunk at a time with plain file reads; ``fit_stream``
# calls ``partial_fit`` per chunk, shows a progress bar and, with ``checkpoint=``,
# saves the model between chunks so that an interrupted run resumes exactly.
if __name__ == "__main__":
    data = ChunkedDataset(tmp / "features.npy", tmp / "tags.npz", chunk_size=CHUNK,
                          shuffle_chunks=False)
    start = time.perf_counter()
    laptop = fit_stream(RobustLogisticRegression(**params), data, progress=False,
                        checkpoint=tmp / "model.ckpt")
    seconds = time.perf_counter() - start
    print(f"fit_stream: {N / seconds:,.0f} images/s, this process peaked at "
          f"{peak_rss_mb():.0f} MB")

# %%
# On a dask cluster: Incremental
# ------------------------------
# The file becomes a dask array with one block per chunk, each block read from disk
# by the worker that trains on it: the graph holds file names and row ranges, not
# data (``da.from_array`` on a memory map would pickle the data into the graph). On
# a real cluster every worker must see the files, e.g. on shared storage.
# ``Incremental`` sends the model from task to task, each ``partial_fit`` running
# where its chunk is. ``incremental_inputs`` hands the tag matrix over in the form
# dask-ml needs (see docs/streaming.md).
import dask  # noqa: E402
import dask.array as da  # noqa: E402
from dask_ml.wrappers import Incremental  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402


def read_features(path, start, stop):
    return np.array(np.load(path, mmap_mode="r")[start:stop])


def read_tags(path, start, stop):
    # The whole .npz is loaded per block: fine for tags (8 bytes per tag); at scale
    # store one tag file per feature shard instead.
    return sp.load_npz(path)[start:stop].toarray()


def from_file(reader, path, n_columns, dtype):
    blocks = [
        da.from_delayed(dask.delayed(reader)(path, start, min(start + CHUNK, N)),
                        shape=(min(start + CHUNK, N) - start, n_columns), dtype=dtype)
        for start in range(0, N, CHUNK)
    ]
    return da.concatenate(blocks, axis=0)


if __name__ == "__main__":
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        dX = from_file(read_features, tmp / "features.npy", D, np.float32)
        dY = from_file(read_tags, tmp / "tags.npz", TAGS, np.int8)
        dX, dY = incremental_inputs(dX, dY)
        start = time.perf_counter()
        inc = Incremental(RobustLogisticRegression(**params), shuffle_blocks=False)
        inc.fit(dX, dY)
        seconds = time.perf_counter() - start
        worker_peaks = client.run(peak_rss_mb)
        print(f"Incremental on 2 workers: {N / seconds:,.0f} images/s, worker peaks "
              + ", ".join(f"{mb:.0f} MB" for mb in worker_peaks.values()))
        proba = inc.predict_proba(dX).compute()

    # %%
    # The same model
    # --------------
    # Same chunk order, same model: pi and the accuracy against the true labels
    # agree to float32 rounding (the workers run BLAS on one thread, this process
    # on all cores, so sums are added in another order).
    same = np.max(np.abs(inc.estimator_.coef_ - laptop.coef_))
    print(f"max |coef difference| = {same:.1e}")
    print("learned pi, laptop :", np.round(laptop.pi_[:5], 3))
    print("learned pi, cluster:", np.round(inc.estimator_.pi_[:5], 3))
    accuracy = ((proba > 0.5) == Z).mean()
    print(f"accuracy against the true labels: {accuracy:.3f} "
          f"(the noisy tags themselves: {(Y == Z).mean():.3f})")
