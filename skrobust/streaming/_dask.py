"""Lining up dask arrays for dask-ml's ``Incremental`` (dask is imported lazily)."""


def incremental_inputs(X, Y):
    """Rechunk dask ``X`` and ``Y`` so that ``Incremental.fit`` feeds matching blocks.

    ``dask_ml.wrappers.Incremental`` calls ``partial_fit`` once per row block, on
    block ``(i, 0)`` of X and block ``i`` of y. Two things go wrong otherwise,
    silently or not (dask-ml 2025.1.0):

    * an X split along its columns would train on its first column block only,
      so X is rechunked to a single column block;
    * a 2-D y has no block ``i`` (its blocks are ``(i, j)``) and ``partial_fit``
      receives a tuple instead of the tags. A tag matrix is therefore handed over
      as a dask DataFrame with one partition per row block of X, which
      ``Incremental`` indexes correctly. A 1-D y stays an array, rechunked to X's
      row blocks.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Features.
    Y : dask.array.Array of shape (n_samples,) or (n_samples, n_tags)
        Binary labels or a 0/1 tag matrix.

    Returns
    -------
    X : dask.array.Array
        One block per row block, holding all columns.
    Y : dask.array.Array or dask.dataframe.DataFrame
        Row blocks equal to X's.

    Examples
    --------
    >>> import dask.array as da
    >>> from skrobust.streaming import incremental_inputs
    >>> X = da.zeros((10, 4), chunks=(5, 2))
    >>> Y = da.zeros((10, 3), dtype="int8", chunks=(4, 3))
    >>> Xr, Yr = incremental_inputs(X, Y)
    >>> Xr.chunks, Yr.npartitions
    (((5, 5), (4,)), 2)
    """
    import dask.array as da
    import dask.dataframe as dd

    if not isinstance(X, da.Array) or not isinstance(Y, da.Array):
        raise TypeError(
            f"X and Y must be dask arrays; got {type(X).__name__} and {type(Y).__name__}."
        )
    if X.ndim != 2 or Y.ndim not in (1, 2):
        raise ValueError(f"X must be 2-D and Y 1-D or 2-D; got {X.ndim}-D and {Y.ndim}-D.")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y have different numbers of rows: {X.shape[0]} and {Y.shape[0]}."
        )
    X = X.rechunk({1: -1})
    if Y.ndim == 1:
        return X, Y.rechunk((X.chunks[0],))
    return X, dd.from_dask_array(Y.rechunk({0: X.chunks[0], 1: -1}))
