"""skrobust.save and skrobust.load: models in a file that cannot run code and shows damage.

The file is one zip archive (see :mod:`skrobust._persistence._archive` for the layout
and its hashes; :mod:`skrobust._persistence._codec` for what the manifest holds).
Streaming checkpoints are the same format with another ``kind`` (see
:mod:`skrobust.streaming._checkpoint`).
"""

import warnings

import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from skrobust._persistence._archive import archive_bytes, write_atomically
from skrobust._persistence._codec import Decoder, Encoder, class_name, supported_classes
from skrobust._persistence._verified import VerifiedArchive

FORMAT = "skrobust"
FORMAT_VERSION = 1
MODEL = "model"


def _versions():
    import skrobust

    return {"skrobust": skrobust.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__}


def save_state(value, path, kind):
    """Write ``value`` (a tree of supported objects) to ``path`` as a ``kind`` file."""
    encoder = Encoder()
    root = encoder.encode(value, type(value).__name__)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "versions": _versions(),
        "root": root,
        "arrays": encoder.arrays,
    }
    write_atomically(path, archive_bytes(manifest, encoder.members))


def load_state(path, kind):
    """Read back what :func:`save_state` wrote as ``kind``, verifying every hash."""
    archive = VerifiedArchive(path)
    manifest = archive.manifest
    if manifest.get("format") != FORMAT:
        archive.fail(f"is not a skrobust file (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        archive.fail(
            f"is in format version {manifest.get('format_version')!r}; this skrobust "
            f"reads version {FORMAT_VERSION}"
        )
    if manifest.get("kind") != kind:
        archive.fail(f"holds a {manifest.get('kind')!r}, not a {kind!r}")
    versions = manifest.get("versions")
    if not isinstance(versions, dict) or not all(
            isinstance(v, str) for v in versions.values()):
        archive.fail(f"has a manifest whose 'versions' is {versions!r}, not a table of "
                     "version strings")
    if not isinstance(manifest.get("root"), dict):
        archive.fail(f"has a manifest whose 'root' is {manifest.get('root')!r}, not a "
                     "saved object")
    written = versions.get("scikit-learn")
    if written != sklearn.__version__:
        # As when unpickling a model from another scikit-learn: it may not behave
        # the same.
        warnings.warn(
            InconsistentVersionWarning(
                estimator_name=f"the model in {archive.path!r}",
                current_sklearn_version=sklearn.__version__,
                original_sklearn_version=written,
            ),
            stacklevel=3,
        )
    try:
        return Decoder(archive).decode(manifest.get("root"), "the saved object")
    except RecursionError:
        archive.fail("nests values too deeply to be a file skrobust writes")


def save(obj, path):
    """Save a model to one file that loading verifies and that cannot run code.

    The file is a zip archive: ``manifest.json`` holds the format version, the
    model's class, its parameters and every fitted attribute that is not an array;
    each array is a ``.npy`` member. The sha256 of every member, of the manifest and
    of the whole archive are stored, so :func:`load` detects any changed byte. The
    file is written to a temporary file in the same folder, flushed to disk and
    renamed over ``path``: an interrupted save leaves any earlier file whole.

    A model fitted on another array namespace (CuPy, torch on a GPU) is saved as
    :func:`~skrobust.estimator_to_numpy` would convert it: it loads with NumPy
    arrays on the CPU.

    Parameters
    ----------
    obj : estimator
        A fitted or unfitted :class:`~skrobust.RobustLogisticRegression`,
        :class:`~skrobust.RobustLogisticRegressionCV`,
        :class:`~skrobust.InterceptCalibrator`,
        :class:`~skrobust.tags.TagVectorizer`,
        :class:`sklearn.preprocessing.StandardScaler`, or a
        :class:`sklearn.pipeline.Pipeline` of these. Nested models (a calibrator's
        estimator, a pipeline's steps) are saved with it.
    path : str or path-like
        The file to write (replaced if it exists).

    Returns
    -------
    None
        Nothing; the model is in the file.

    Raises
    ------
    TypeError
        ``obj`` (or a model inside it) is of another class, or a parameter or
        attribute holds something other than JSON values (None, bool, int, float,
        str and tuples, lists and dicts of them), arrays, dtypes or NumPy random
        generators: a callable, say. The message names it.

    See Also
    --------
    load : Reads the file back.

    Notes
    -----
    Pickling (``pickle``, ``joblib``) works too, as for any scikit-learn model, but
    loading a pickle runs whatever code the file names: load only your own.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import skrobust
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = skrobust.RobustLogisticRegression(max_iter=2, tol=None).fit(X, [0, 0, 1, 1])
    >>> path = Path(tempfile.mkdtemp()) / "model.skrobust"
    >>> skrobust.save(model, path)
    >>> bool(np.array_equal(skrobust.load(path).predict_proba(X), model.predict_proba(X)))
    True
    """
    if class_name(type(obj)) is None:
        raise TypeError(
            f"skrobust.save saves models of the classes {', '.join(supported_classes())}; "
            f"got a {type(obj).__module__}.{type(obj).__qualname__}."
        )
    save_state(obj, path, MODEL)


def load(path):
    """Load a model written by :func:`save`, after verifying every byte of the file.

    Loading never runs code from the file: arrays are read with
    ``allow_pickle=False``, and the classes it may name are a fixed list, looked up
    rather than imported.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    obj : estimator
        The model, with the same parameters and fitted state: it predicts exactly
        what the saved model predicted.

    Raises
    ------
    ValueError
        The file is truncated, damaged (a byte differs from what its hashes say),
        not a skrobust file, of another format version, or names a class skrobust
        does not load. The message names the file and what differs (the member, its
        expected and found sha256).
    FileNotFoundError
        There is no file at ``path``.

    See Also
    --------
    save : Writes the file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import skrobust
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = make_pipeline(
    ...     StandardScaler(), skrobust.RobustLogisticRegression(max_iter=2, tol=None)
    ... ).fit(X, [0, 0, 1, 1])
    >>> path = Path(tempfile.mkdtemp()) / "pipeline.skrobust"
    >>> skrobust.save(model, path)
    >>> loaded = skrobust.load(path)
    >>> [name for name, _ in loaded.steps]
    ['standardscaler', 'robustlogisticregression']
    >>> data = bytearray(path.read_bytes())
    >>> data[len(data) // 2] ^= 1  # one flipped bit
    >>> _ = path.write_bytes(bytes(data))
    >>> try:
    ...     skrobust.load(path)
    ... except ValueError as error:
    ...     print("pipeline.skrobust'" in str(error), "damaged" in str(error))
    True True
    """
    return load_state(path, MODEL)
