"""Checkpoints of a streamed fit: the model and its position in the stream, on disk.

A checkpoint is a file of the format of :func:`skrobust.save` (a zip archive of a
JSON manifest and ``.npy`` arrays, every byte covered by a sha256; loading runs no
code from it), holding the model, where the stream stands, and a fingerprint of
the data. It is written to a temporary file in the same directory, flushed to disk,
then renamed over the old one (``os.replace`` is atomic on POSIX and Windows), so a
crash mid-write leaves the previous checkpoint whole rather than a torn file.
"""

import os
from dataclasses import dataclass, field, fields

import numpy as np

from skrobust._persistence import load_state, save_state
from skrobust._persistence._archive import FileError

KIND = "streaming checkpoint"


@dataclass
class Checkpoint:
    """A model and where it stands in a stream of chunks.

    Attributes
    ----------
    estimator : estimator
        The model after ``chunks_done`` chunks.
    epoch : int
        The epoch in progress.
    position : int
        Chunks of that epoch already trained on (the next one is
        ``order[position]``).
    order : ndarray of shape (n_chunks,)
        The chunk order of ``epoch``.
    seed : int
        The dataset seed the run's chunk orders came from.
    chunks_done : int
        Chunks trained on over all epochs.
    dataset : dict
        Shape of the data it was trained on (samples, features, tags, chunk size,
        chunk count), checked on resume.
    data_fingerprint : dict
        Per part of X and Y: shape, dtype, file size and modification time, and
        the sha256 of rows sampled from first to last; checked on resume (see
        ``allow_data_change`` of :func:`fit_stream`).

    See Also
    --------
    load_checkpoint : Reads one from the file :func:`fit_stream` writes.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.streaming import ChunkedDataset, fit_stream, load_checkpoint
    >>> X, Y, _ = make_tagged_classification(n_samples=600, n_features=5, n_tags=2,
    ...                                      random_state=0)
    >>> data = ChunkedDataset(X, Y, chunk_size=300, random_state=0)
    >>> path = Path(tempfile.mkdtemp()) / "run.ckpt"
    >>> model = fit_stream(RobustLogisticRegression(random_state=0), data,
    ...                    progress=False, checkpoint=path)
    >>> ckpt = load_checkpoint(path)
    >>> ckpt.chunks_done, ckpt.estimator.coef_.shape
    (2, (2, 5))
    """

    estimator: object
    epoch: int
    position: int
    order: np.ndarray
    seed: int
    chunks_done: int
    dataset: dict = field(default_factory=dict)
    data_fingerprint: dict = field(default_factory=dict)


def save_checkpoint(path, checkpoint):
    """Write ``checkpoint`` to ``path`` atomically (temp file, fsync, os.replace)."""
    # The RNG inside the estimator (its bit generator's state) and every array are
    # stored exactly, so a resumed fit continues bit for bit.
    save_state(vars(checkpoint), path, KIND)


def load_checkpoint(path):
    """Read a checkpoint written by :func:`~skrobust.streaming.fit_stream`.

    Every byte is checked against the sha256 hashes the file stores, and nothing
    in it is executed (no pickle), so a damaged or crafted file raises instead of
    loading.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.

    Returns
    -------
    checkpoint : Checkpoint
        Its ``estimator`` is the model as of the checkpoint, usable on its own.

    Raises
    ------
    ValueError
        The file is truncated, damaged, not a checkpoint, or names a class
        skrobust does not load; the message names the file and what differs.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.streaming import ChunkedDataset, fit_stream, load_checkpoint
    >>> X, Y, _ = make_tagged_classification(n_samples=600, n_features=5, n_tags=2,
    ...                                      random_state=0)
    >>> data = ChunkedDataset(X, Y, chunk_size=300, random_state=0)
    >>> path = Path(tempfile.mkdtemp()) / "run.ckpt"
    >>> model = fit_stream(RobustLogisticRegression(random_state=0), data,
    ...                    progress=False, checkpoint=path)
    >>> load_checkpoint(path).estimator.pi_.shape
    (2,)
    """
    payload = load_state(path, KIND)
    names = [f.name for f in fields(Checkpoint)]
    if not isinstance(payload, dict) or sorted(payload) != sorted(names):
        raise FileError(
            f"{os.fspath(path)!r} is not a skrobust streaming checkpoint: it holds "
            f"{sorted(payload) if isinstance(payload, dict) else type(payload).__name__}, "
            f"not the fields {names}."
        )
    _check_fields(payload, path)
    return Checkpoint(**payload)


def _check_fields(payload, path):
    """Field types, so that a hand-edited checkpoint fails here, naming the field,
    rather than later with an IndexError."""
    problems = [
        name for name in ("epoch", "position", "chunks_done")
        if type(payload[name]) is not int or payload[name] < 0
    ]
    problems += [] if type(payload["seed"]) is int else ["seed"]
    problems += [
        name for name in ("dataset", "data_fingerprint") if type(payload[name]) is not dict
    ]
    order = payload["order"]
    if order is not None:
        if not (isinstance(order, np.ndarray) and order.ndim == 1 and order.dtype.kind in "iu"):
            problems.append("order")
        elif "position" not in problems and payload["position"] >= max(len(order), 1):
            problems.append("position")  # past the end of the chunk order
    if problems:
        raise FileError(
            f"{os.fspath(path)!r} is not a valid streaming checkpoint: its fields "
            f"{problems} do not hold what fit_stream writes."
        )


def check_resume_point(checkpoint, data, n_epochs, path):
    """Refuse to resume from a checkpoint whose position is not one ``fit_stream``
    could have reached on ``data``, or that is past the ``n_epochs`` asked for.

    The chunk order of an epoch follows from the run's seed, so a saved order that
    differs (``[0] * 10``, out-of-range indices), an epoch or position that does
    not match the count of chunks done, would resume a different model silently
    or fail later with a raw IndexError.
    """
    where = f"The checkpoint {os.fspath(path)!r}"
    n_chunks = data.n_chunks
    epoch, position = checkpoint.epoch, checkpoint.position
    if position >= n_chunks or checkpoint.chunks_done != epoch * n_chunks + position:
        raise FileError(
            f"{where} is not a valid streaming checkpoint: epoch {epoch}, position "
            f"{position} and {checkpoint.chunks_done} chunks done do not agree for "
            f"{n_chunks} chunks per epoch.")
    if checkpoint.order is not None:
        expected = np.asarray(data.chunk_order(epoch, checkpoint.seed))
        order = np.asarray(checkpoint.order)
        if order.shape != expected.shape or not np.array_equal(order, expected):
            raise FileError(
                f"{where} is not a valid streaming checkpoint: its chunk order for "
                f"epoch {epoch} is not the one its seed gives.")
    if epoch > n_epochs or (epoch == n_epochs and position > 0):
        done = f"{epoch} epoch(s)" + (f" and {position} chunk(s)" if position else "")
        raise ValueError(
            f"{where} has already trained {done}, more than n_epochs={n_epochs}: "
            f"pass n_epochs >= {epoch + (position > 0)} to resume it, or another "
            "checkpoint path to train afresh.")
