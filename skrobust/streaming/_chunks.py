"""Chunks of (features, tags) read from disk in a shuffled chunk order."""

from numbers import Integral
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from skrobust.streaming._sources import RowSource


class Chunk(NamedTuple):
    """One chunk of a :class:`ChunkedDataset`.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    Y : ndarray or sparse matrix of shape (n_rows, n_tags) or (n_rows,)
    index : int
        The chunk's index in file order (chunk ``k`` holds rows
        ``k * chunk_size`` to ``(k + 1) * chunk_size - 1``).
    start, stop : int
        Its rows, ``[start, stop)``, counted over all parts.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.streaming import ChunkedDataset
    >>> data = ChunkedDataset(np.zeros((5, 2)), np.ones(5), chunk_size=2,
    ...                       shuffle_chunks=False)
    >>> chunk = next(iter(data))
    >>> chunk.index, chunk.start, chunk.stop, chunk.X.shape
    (0, 0, 2, (2, 2))
    """

    X: object
    Y: object
    index: int
    start: int
    stop: int


class ChunkedDataset:
    """Features and tags too large for memory, read one chunk of rows at a time.

    Chunk ``k`` holds rows ``k * chunk_size`` to ``(k + 1) * chunk_size - 1`` (the
    last one may be shorter). Each epoch visits every chunk once, in an order
    shuffled per epoch when ``shuffle_chunks`` is True; rows inside a chunk are
    left in file order (the estimator shuffles them itself). Only file headers are
    read here; data is read by :meth:`read_chunk`, so memory holds one chunk.

    Parameters
    ----------
    X : path, array-like, sparse matrix, or list of these
        Features, shape (n_samples, n_features). A path names a ``.npy`` file
        (C order), read with plain positioned reads so that nothing stays mapped;
        an ``np.memmap``, array or scipy.sparse matrix is sliced. A list is stacked
        by rows (e.g. one ``.npy`` per shard).
    Y : path, array-like, sparse matrix, or list of these
        Tags, shape (n_samples, n_tags) (0/1) or (n_samples,) (binary labels),
        row-aligned with X. A ``.npz`` path is loaded with
        :func:`scipy.sparse.load_npz` (whole: about 8 bytes per tag); a ``.npy``
        path is read by chunks like X. Its parts need not match X's.
    chunk_size : int, default=10_000
        Rows per chunk. At 4096 float32 features a chunk of 10,000 rows is 164 MB.
    shuffle_chunks : bool, default=True
        Visit the chunks in a fresh random order each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk orders. The orders of all epochs follow from one seed drawn
        here, so a dataset gives the same order for the same epoch every time.

    Attributes
    ----------
    n_samples : int
    n_features : int
    n_tags : int or None
        None for a 1-D Y.
    n_chunks : int
    seed : int
        The seed of the chunk orders.

    Raises
    ------
    FileNotFoundError
        If a ``.npy`` or ``.npz`` path does not name a file.
    ValueError
        If a file cannot be read as what it should be (a truncated ``.npy``, a
        damaged ``.npz``: the message names the file, and the damaged member
        when there is one), or the parts disagree in shape.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.streaming import ChunkedDataset
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> Y = np.eye(10, 3, dtype=np.int8)
    >>> data = ChunkedDataset(X, Y, chunk_size=4, random_state=0)
    >>> data.n_chunks
    3
    >>> [(c.index, c.X.shape[0]) for c in data.iter_epoch(0)]
    [(2, 2), (0, 4), (1, 4)]
    """

    def __init__(self, X, Y, chunk_size=10_000, *, shuffle_chunks=True, random_state=None):
        if not isinstance(chunk_size, Integral) or isinstance(chunk_size, bool):
            raise TypeError(f"chunk_size must be an int; got {chunk_size!r}.")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1; got {chunk_size}.")
        self.X = RowSource(X, "X")
        self.Y = RowSource(Y, "Y")
        if len(self.X.trailing_shape) != 1:
            raise ValueError(
                f"X must be 2-D (n_samples, n_features); its rows have shape "
                f"{self.X.trailing_shape}."
            )
        if self.X.n_rows != self.Y.n_rows:
            raise ValueError(
                f"X and Y have different numbers of rows: {self.X.n_rows} and "
                f"{self.Y.n_rows}."
            )
        if self.X.n_rows == 0:
            raise ValueError("X has no rows.")
        self.chunk_size = int(chunk_size)
        self.shuffle_chunks = bool(shuffle_chunks)
        self.n_samples = self.X.n_rows
        self.n_features = int(self.X.trailing_shape[0])
        self.n_tags = int(self.Y.trailing_shape[0]) if self.Y.trailing_shape else None
        self.n_chunks = -(-self.n_samples // self.chunk_size)
        if isinstance(random_state, Integral) and not isinstance(random_state, bool):
            self.seed = int(random_state)
        else:
            self.seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    def __len__(self):
        return self.n_chunks

    def __iter__(self):
        return self.iter_epoch(0)

    def chunk_order(self, epoch, seed=None):
        """The chunk indices of ``epoch`` in visiting order.

        Parameters
        ----------
        epoch : int
            Epoch number, from 0.
        seed : int, default=None
            Use this seed instead of :attr:`seed` (a checkpoint stores the seed its
            run used, so a resumed run visits the same chunks).

        Returns
        -------
        order : ndarray of shape (n_chunks,)
            A permutation of ``range(n_chunks)``.
        """
        if not self.shuffle_chunks:
            return np.arange(self.n_chunks)
        seed = self.seed if seed is None else seed
        # One generator per (seed, epoch): any epoch's order is known without
        # replaying the earlier ones, which is what resuming needs.
        return np.random.default_rng([seed, int(epoch)]).permutation(self.n_chunks)

    def chunk_rows(self, index):
        """Rows ``(start, stop)`` of chunk ``index``."""
        if not 0 <= index < self.n_chunks:
            raise IndexError(f"chunk {index} out of range; there are {self.n_chunks}.")
        start = int(index) * self.chunk_size
        return start, min(start + self.chunk_size, self.n_samples)

    def describe_chunk(self, index):
        """Where chunk ``index`` lives: its rows and the files/arrays they come from."""
        start, stop = self.chunk_rows(index)
        where = self.X.describe(start, stop)
        tags = self.Y.describe(start, stop)
        if tags != where:
            where = f"X: {where}; Y: {tags}"
        return f"chunk {index} (rows {start}-{stop - 1}; {where})"

    def read_chunk(self, index):
        """Read chunk ``index`` from its files.

        Parameters
        ----------
        index : int
            Chunk index in file order.

        Returns
        -------
        chunk : Chunk
            ``(X, Y, index, start, stop)``.

        Raises
        ------
        ValueError
            If the rows cannot be read (a file truncated since the dataset was
            opened); the message names the chunk and its files.
        """
        start, stop = self.chunk_rows(index)
        try:
            X, Y = self.X.read(start, stop), self.Y.read(start, stop)
        except (ValueError, OSError) as err:
            raise ValueError(f"Cannot read {self.describe_chunk(index)}: {err}") from err
        return Chunk(X, Y, int(index), start, stop)

    def iter_epoch(self, epoch=0, start=0, seed=None):
        """Yield the chunks of one epoch in its order, from position ``start``.

        Parameters
        ----------
        epoch : int, default=0
            Which epoch's order to follow.
        start : int, default=0
            Skip the first ``start`` chunks of that order (without reading them).
        seed : int, default=None
            See :meth:`chunk_order`.

        Yields
        ------
        chunk : Chunk
        """
        order = self.chunk_order(epoch, seed)
        for index in order[start:]:
            yield self.read_chunk(int(index))


def iter_chunks(X, Y, chunk_size=10_000, *, shuffle_chunks=True, random_state=None):
    """Iterate over ``(X_chunk, Y_chunk, chunk_index)``: one pass over data on disk.

    A shortcut for one epoch of :class:`ChunkedDataset`; see it for the parameters.
    Feed the chunks to ``partial_fit`` yourself, or use :func:`fit_stream` for
    several epochs, a progress bar, checkpoints and errors that name the chunk.

    Parameters
    ----------
    X : path, array-like, sparse matrix, or list of these
        Features (a ``.npy`` path is read by chunks).
    Y : path, array-like, sparse matrix, or list of these
        Tags, row-aligned with X.
    chunk_size : int, default=10_000
        Rows per chunk.
    shuffle_chunks : bool, default=True
        Visit the chunks in random order.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.

    Returns
    -------
    chunks : iterator of (X_chunk, Y_chunk, chunk_index)
        ``chunk_index`` is the chunk's index in file order. The data is checked
        (shapes, row counts) when this is called, before anything is read.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.streaming import iter_chunks
    >>> X, Y = np.zeros((5, 2)), np.zeros((5, 3), dtype=np.int8)
    >>> [(i, Xc.shape) for Xc, Yc, i in iter_chunks(X, Y, 2, shuffle_chunks=False)]
    [(0, (2, 2)), (1, (2, 2)), (2, (1, 2))]
    """
    dataset = ChunkedDataset(
        X, Y, chunk_size, shuffle_chunks=shuffle_chunks, random_state=random_state
    )
    return ((chunk.X, chunk.Y, chunk.index) for chunk in dataset.iter_epoch(0))
