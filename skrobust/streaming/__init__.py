"""Training from data larger than memory: chunks from disk, checkpoints, dask.

:class:`ChunkedDataset` reads features (``.npy`` files, memmaps, arrays) and tags
(sparse ``.npz``, ``.npy``, arrays) one chunk of rows at a time in a shuffled chunk
order; :func:`fit_stream` feeds the chunks to ``partial_fit`` with a progress bar,
atomic checkpoints and exact resume; :func:`incremental_inputs` lines up dask arrays
for ``dask_ml.wrappers.Incremental``. See ``docs/streaming.md``.
"""

from skrobust.streaming._checkpoint import Checkpoint, load_checkpoint
from skrobust.streaming._chunks import Chunk, ChunkedDataset, iter_chunks
from skrobust.streaming._dask import incremental_inputs
from skrobust.streaming._fit import ChunkError, fit_stream

__all__ = [
    "Checkpoint",
    "Chunk",
    "ChunkError",
    "ChunkedDataset",
    "fit_stream",
    "incremental_inputs",
    "iter_chunks",
    "load_checkpoint",
]
