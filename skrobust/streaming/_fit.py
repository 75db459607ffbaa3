"""fit_stream: drive ``partial_fit`` over chunks, with progress, checkpoints and resume."""

import os
from numbers import Integral

import numpy as np

from skrobust._persistence._archive import remove_stale_temp_files
from skrobust._persistence._codec import class_name, supported_classes
from skrobust.streaming._checkpoint import (
    Checkpoint,
    check_resume_point,
    load_checkpoint,
    save_checkpoint,
)
from skrobust.streaming._chunks import Chunk, ChunkedDataset
from skrobust.streaming._fingerprint import data_fingerprint, fingerprint_differences


class ChunkError(ValueError):
    """A chunk could not be read or trained on; the model is as it was before it.

    Raised by :func:`fit_stream`, which fills in the details below.

    Parameters
    ----------
    message : str
        What failed and where, and the underlying cause.
    chunk_index, where, epoch, position, chunks_done, checkpoint
        Keyword-only; stored as the attributes of the same names.

    Attributes
    ----------
    chunk_index : int or None
        The chunk's index in file order (its position in the stream for a plain
        iterable without indices).
    where : str
        The chunk's rows and files.
    epoch : int
        The epoch it belongs to.
    position : int
        Its position in that epoch's order: the chunks trained on before it.
    chunks_done : int
        Chunks the model has been trained on in all.
    checkpoint : str or None
        The checkpoint holding the model from before the chunk, if any.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.streaming import ChunkError, fit_stream
    >>> good = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
    >>> bad = (np.full((4, 2), np.nan), np.array([0, 1, 0, 1]))
    >>> try:
    ...     fit_stream(RobustLogisticRegression(), [good, bad], progress=False,
    ...                classes=[0, 1])
    ... except ChunkError as error:
    ...     print(error.chunk_index, error.chunks_done)
    1 1
    """

    def __init__(self, message, *, chunk_index, where, epoch, position, chunks_done, checkpoint):
        super().__init__(message)
        self.chunk_index = chunk_index
        self.where = where
        self.epoch = epoch
        self.position = position
        self.chunks_done = chunks_done
        self.checkpoint = checkpoint


def _progress_bar(progress, total, initial):
    """A tqdm bar when asked for and installed; otherwise None (tqdm is optional)."""
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=initial, unit="chunk", desc="fit_stream", leave=False)


def _dataset_summary(data):
    return {
        "n_samples": data.n_samples,
        "n_features": data.n_features,
        "n_tags": data.n_tags,
        "chunk_size": data.chunk_size,
        "n_chunks": data.n_chunks,
        "shuffle_chunks": data.shuffle_chunks,
    }


def _same_params(a, b):
    """Constructor parameters equal, ignoring RNG objects (they compare by identity)."""
    pa, pb = a.get_params(deep=False), b.get_params(deep=False)
    if pa.keys() != pb.keys():
        return False
    for key, va in pa.items():
        vb = pb[key]
        rng_types = (np.random.RandomState, np.random.Generator)
        if isinstance(va, rng_types) and isinstance(vb, rng_types):
            continue
        if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
            if not np.array_equal(np.asarray(va), np.asarray(vb)):
                return False
        elif va != vb:
            return False
    return True


def _restore(estimator, path, data, fingerprint, allow_data_change, n_epochs):
    """Load the checkpoint at ``path`` into ``estimator`` (in place)."""
    saved = load_checkpoint(path)
    if type(saved.estimator) is not type(estimator) or not _same_params(
        saved.estimator, estimator
    ):
        raise ValueError(
            f"The checkpoint {os.fspath(path)!r} holds {saved.estimator!r}, which is not "
            f"the estimator passed ({estimator!r}). Pass the same estimator to resume, "
            "or another checkpoint path to start afresh."
        )
    if saved.dataset != _dataset_summary(data):
        raise ValueError(
            f"The checkpoint {os.fspath(path)!r} was written for data {saved.dataset}; "
            f"this dataset is {_dataset_summary(data)}."
        )
    check_resume_point(saved, data, n_epochs, path)
    differences = fingerprint_differences(saved.data_fingerprint, fingerprint)
    if differences and not allow_data_change:
        raise ValueError(
            f"The checkpoint {os.fspath(path)!r} was written for other data: "
            f"{'; '.join(differences)}. If the change is deliberate (a repaired file, "
            "say), pass allow_data_change=True to resume on the data as it is now; "
            "to start afresh, pass another checkpoint path or delete this one."
        )
    # Update the caller's object rather than hand back another one: code that keeps
    # using `estimator` after fit_stream sees the resumed model, as with partial_fit.
    vars(estimator).clear()
    vars(estimator).update(vars(saved.estimator))
    return saved


def fit_stream(
    estimator,
    data,
    *,
    n_epochs=1,
    checkpoint=None,
    checkpoint_every=1,
    progress=True,
    allow_data_change=False,
    **partial_fit_params,
):
    """Train ``estimator`` with ``partial_fit`` over chunks read one at a time.

    Each chunk is one ``partial_fit`` call (one pass of the estimator over its rows),
    so memory holds one chunk. With a ``checkpoint`` path the model and its
    position in the stream are saved between chunks; running the same call again
    resumes from there and ends with exactly the model an uninterrupted run gives.

    If a chunk cannot be read or is rejected by ``partial_fit`` (NaN, a truncated
    file, a different number of tags), a :class:`ChunkError` names the chunk and
    the model stays as it was before that chunk (``partial_fit`` changes nothing
    when it raises); the checkpoint, if any, is brought up to that state, so that
    fixing the data and calling again with ``allow_data_change=True`` resumes at
    the failed chunk. On ``KeyboardInterrupt`` the checkpoint is brought up to
    date too.

    Checkpoints are files of the format of :func:`skrobust.save`: every byte is
    verified when resuming and nothing in them is executed, so a damaged or
    crafted checkpoint raises a ``ValueError`` naming the file instead of resuming
    a different model. Temp files left by a checkpoint write that was killed
    (``.<name>.*.tmp`` next to the checkpoint) are removed when the next run starts.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Trained in place, continuing from its current state (pass a fresh or
        cloned estimator for a new fit).
    data : ChunkedDataset or iterable of chunks
        A :class:`ChunkedDataset` (needed for ``n_epochs > 1`` and checkpoints),
        or any iterable of ``(X, Y)`` or ``(X, Y, chunk_index)`` tuples, trained on
        in the order given.
    n_epochs : int, default=1
        Passes over the dataset; each visits every chunk once, in the dataset's
        order for that epoch. When resuming, the total count including the epochs
        already done: calling again with a larger ``n_epochs`` trains on.
    checkpoint : str, path-like or None, default=None
        File to save the model, its position and a fingerprint of the data to. If
        it exists, training resumes from it (the estimator's parameters and the
        data's shape must match). The estimator must be one :func:`skrobust.save`
        supports.
    checkpoint_every : int, default=1
        Save after every this many chunks, and at the end.
    progress : bool, default=True
        Show a progress bar if tqdm is installed.
    allow_data_change : bool, default=False
        When resuming, the checkpoint's fingerprint of the data (per file: size,
        modification time and a sha256 of rows sampled from first to last; per
        in-memory array: that sha256) must match the data passed, or a
        ``ValueError`` says what differs. Pass True to resume on purposely changed
        data (e.g. a file repaired after a :class:`ChunkError`); the data's shape
        must still match.
    **partial_fit_params : dict
        Passed to every ``partial_fit`` call (e.g. ``classes`` for a binary y).

    Returns
    -------
    estimator : estimator
        The same object, trained.

    Raises
    ------
    ChunkError
        A chunk was unreadable or rejected; the error says which one and where
        the stream stopped.

    Examples
    --------
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.streaming import ChunkedDataset, fit_stream
    >>> X, Y, _ = make_tagged_classification(n_samples=2000, n_features=5, random_state=0)
    >>> data = ChunkedDataset(X, Y, chunk_size=500, random_state=0)
    >>> model = fit_stream(RobustLogisticRegression(random_state=0), data,
    ...                    n_epochs=2, progress=False)
    >>> model.n_iter_  # one partial_fit pass per chunk
    8
    """
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(f"{type(estimator).__name__} has no partial_fit method.")
    for name, value in (("n_epochs", n_epochs), ("checkpoint_every", checkpoint_every)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}.")
    if checkpoint is not None and class_name(type(estimator)) is None:
        raise TypeError(
            f"Checkpoints hold models of the classes {', '.join(supported_classes())}; "
            f"got a {type(estimator).__name__}. Pass checkpoint=None to train it "
            "without one."
        )
    if not isinstance(data, ChunkedDataset):
        if n_epochs != 1 or checkpoint is not None:
            raise ValueError(
                "n_epochs > 1 and checkpoints need a ChunkedDataset, which can re-read "
                f"any chunk; got {type(data).__name__}."
            )
        return _fit_iterable(estimator, data, progress, partial_fit_params)
    return _fit_dataset(
        estimator, data, n_epochs, checkpoint, checkpoint_every, progress,
        bool(allow_data_change), partial_fit_params,
    )


def _fit_iterable(estimator, chunks, progress, partial_fit_params):
    total = len(chunks) if hasattr(chunks, "__len__") else None
    bar = _progress_bar(progress, total, 0)
    done = 0
    try:
        for position, item in enumerate(chunks):
            if isinstance(item, Chunk):
                X, Y, index = item.X, item.Y, item.index
                where = f"chunk {index} (rows {item.start}-{item.stop - 1})"
            elif isinstance(item, tuple) and len(item) in (2, 3):
                X, Y = item[0], item[1]
                index = item[2] if len(item) == 3 else position
                where = f"chunk {index}" + (
                    f" (position {position} in the stream)" if len(item) == 3 else ""
                )
            else:
                raise TypeError(
                    "Each chunk must be an (X, Y) or (X, Y, chunk_index) tuple; got "
                    f"{type(item).__name__} at position {position}."
                )
            try:
                estimator.partial_fit(X, Y, **partial_fit_params)
            except (ValueError, TypeError) as err:
                raise ChunkError(
                    f"{where} was rejected. Stopped after {done} chunks; the model is "
                    f"as it was after them. Cause: {err}",
                    chunk_index=index, where=where, epoch=0, position=position,
                    chunks_done=done, checkpoint=None,
                ) from err
            done += 1
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return estimator


def _fit_dataset(
    estimator, data, n_epochs, path, every, progress, allow_data_change, partial_fit_params
):
    epoch, position, seed, done, order = 0, 0, data.seed, 0, None
    fingerprint = None
    if path is not None:
        remove_stale_temp_files(path)
        fingerprint = data_fingerprint(data)
    if path is not None and os.path.exists(path):
        saved = _restore(estimator, path, data, fingerprint, allow_data_change, n_epochs)
        epoch, position, seed, done = saved.epoch, saved.position, saved.seed, saved.chunks_done
        order = None if saved.order is None else np.asarray(saved.order)
    # chunks_done of the state on disk; None when nothing is saved yet, so that even
    # a stop before the first chunk records the run's seed and chunk order.
    saved_at = done if order is not None else None

    def save():
        nonlocal saved_at
        if path is None or saved_at == done:
            return
        save_checkpoint(
            path,
            Checkpoint(
                estimator=estimator, epoch=epoch, position=position, order=order,
                seed=seed, chunks_done=done, dataset=_dataset_summary(data),
                data_fingerprint=fingerprint,
            ),
        )
        saved_at = done

    total = n_epochs * data.n_chunks
    bar = _progress_bar(progress, total, min(done, total))
    try:
        while epoch < n_epochs:
            if order is None:
                order = data.chunk_order(epoch, seed)
            index = int(order[position])
            try:
                chunk = data.read_chunk(index)
                estimator.partial_fit(chunk.X, chunk.Y, **partial_fit_params)
            except (ValueError, TypeError, OSError) as err:
                save()  # the state from before this chunk: a resumed run retries it
                where = data.describe_chunk(index)
                saved = (
                    f"; the checkpoint {os.fspath(path)!r} holds it (once the data is "
                    "fixed, call again with allow_data_change=True to resume here)"
                    if path else ""
                )
                raise ChunkError(
                    f"{where} failed (epoch {epoch}, position {position} of the chunk "
                    f"order). Stopped after {done} chunks; the model is as it was after "
                    f"them{saved}. Cause: {err}",
                    chunk_index=index, where=where, epoch=epoch, position=position,
                    chunks_done=done, checkpoint=None if path is None else os.fspath(path),
                ) from err
            # Drop this chunk before the next is read, so memory peaks at one chunk.
            del chunk
            if position + 1 == data.n_chunks:
                # Store "start of the next epoch" rather than "end of this one".
                epoch, position, done = epoch + 1, 0, done + 1
                order = data.chunk_order(epoch, seed)
            else:
                position, done = position + 1, done + 1
            if done % every == 0 or epoch == n_epochs:
                save()
            if bar is not None:
                bar.update(1)
                loss = getattr(estimator, "loss_curve_", None)
                if loss:
                    bar.set_postfix(epoch=epoch, loss=f"{loss[-1]:.4g}", refresh=False)
    except KeyboardInterrupt:
        # partial_fit leaves the model as it was when interrupted; save that state
        # so that calling again resumes at the interrupted chunk.
        save()
        raise
    finally:
        if bar is not None:
            bar.close()
    return estimator
