"""Checkpoints of a streamed fit: the model and its position in the stream, on disk.

A checkpoint is written to a temporary file in the same directory, flushed to disk,
then renamed over the old one (``os.replace`` is atomic on POSIX and Windows), so a
crash mid-write leaves the previous checkpoint whole rather than a torn file.
"""

import os
import pickle
import tempfile
from dataclasses import dataclass, field

import numpy as np

_FORMAT = "skrobust.streaming.checkpoint/1"


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


def save_checkpoint(path, checkpoint):
    """Write ``checkpoint`` to ``path`` atomically (temp file, fsync, os.replace)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    payload = {"format": _FORMAT, **vars(checkpoint)}
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Also on an interrupt: never leave half-written temp files behind.
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable where the OS allows (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def load_checkpoint(path):
    """Read a checkpoint written by :func:`~skrobust.streaming.fit_stream`.

    Only load checkpoints you wrote yourself: like any pickle, a checkpoint file
    can run code when loaded.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.

    Returns
    -------
    checkpoint : Checkpoint
        Its ``estimator`` is the model as of the checkpoint, usable on its own.

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
    with open(path, "rb") as f:
        payload = pickle.load(f)
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a skrobust streaming checkpoint.")
    del payload["format"]
    return Checkpoint(**payload)
