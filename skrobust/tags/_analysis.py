"""How noisy are user tags? Statistics of observed tags against ground truth.

Given observed tags ``Y`` and true labels ``Z`` over the same concepts (images in
rows), these functions measure what Izadinia et al. report for NUS-WIDE: the chance an
uploader tags a concept that is present, P(y=1 | z=1); the chance they tag one that is
absent, P(y=1 | z=0); the chance a tag is true, P(z=1 | y=1); tag accuracy by position
in the uploader's list; and how these depend on the number of tags per image.
Standard errors are binomial, sqrt(p (1 - p) / n). Results are frozen dataclasses of
NumPy arrays that :mod:`skrobust.plotting` can draw.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array


@dataclass(frozen=True)
class TagNoise:
    """Tag noise per concept and pooled over all (image, concept) pairs.

    Attributes
    ----------
    concepts : ndarray of str, shape (n_concepts,)
        Concept names.
    n_images : int
        Number of images.
    n_present, n_tagged, n_tagged_present : ndarray of int, shape (n_concepts,)
        Images where the concept is present (z=1), tagged (y=1), and both.
    tag_given_present, tag_given_present_se : ndarray of float, shape (n_concepts,)
        Tagging likelihood P(y=1 | z=1) and its standard error (NaN where n=0).
    tag_given_absent, tag_given_absent_se : ndarray of float, shape (n_concepts,)
        False-tag rate P(y=1 | z=0) and its standard error.
    present_given_tag, present_given_tag_se : ndarray of float, shape (n_concepts,)
        Tag precision P(z=1 | y=1) and its standard error.
    overall_tag_given_present, overall_tag_given_absent, overall_present_given_tag : float
        The same three rates pooled over all (image, concept) pairs.
    overall_tag_given_present_se, overall_tag_given_absent_se, \
overall_present_given_tag_se : float
        Their standard errors.

    See Also
    --------
    tag_noise : Builds it from a tag matrix and ground truth.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import tag_noise
    >>> r = tag_noise(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]),
    ...               concepts=["dog", "sky"])
    >>> r.concepts.tolist(), r.n_present.tolist(), r.tag_given_present.tolist()
    (['dog', 'sky'], [2, 1], [0.5, 1.0])
    """

    concepts: np.ndarray
    n_images: int
    n_present: np.ndarray
    n_tagged: np.ndarray
    n_tagged_present: np.ndarray
    tag_given_present: np.ndarray
    tag_given_present_se: np.ndarray
    tag_given_absent: np.ndarray
    tag_given_absent_se: np.ndarray
    present_given_tag: np.ndarray
    present_given_tag_se: np.ndarray
    overall_tag_given_present: float
    overall_tag_given_present_se: float
    overall_tag_given_absent: float
    overall_tag_given_absent_se: float
    overall_present_given_tag: float
    overall_present_given_tag_se: float


@dataclass(frozen=True)
class PositionAccuracy:
    """Accuracy P(z=1 | y=1) of tags grouped by their position in the tag list.

    Attributes
    ----------
    labels : ndarray of str, shape (n_bins,)
        Bin labels such as ``"1-2"`` or ``"11+"``.
    lower, upper : ndarray of int, shape (n_bins,)
        First and last position of each bin (``upper`` is -1 for an open bin).
    n_tags : ndarray of int, shape (n_bins,)
        Observed (image, concept) tags whose position falls in the bin.
    n_correct : ndarray of int, shape (n_bins,)
        Of these, the ones where the concept is present.
    accuracy, stderr : ndarray of float, shape (n_bins,)
        ``n_correct / n_tags`` and its binomial standard error (NaN where empty).

    See Also
    --------
    accuracy_by_position : Builds it from tag positions and ground truth.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import accuracy_by_position
    >>> r = accuracy_by_position(np.array([[1, 0], [2, 3]]), np.array([[1, 0], [0, 1]]),
    ...                          bins=[1, 3])
    >>> r.labels.tolist(), r.accuracy.tolist()
    (['1-2', '3+'], [0.5, 1.0])
    """

    labels: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_tags: np.ndarray
    n_correct: np.ndarray
    accuracy: np.ndarray
    stderr: np.ndarray


@dataclass(frozen=True)
class TagCountEffect:
    """Tag noise for images grouped by how many tags they carry.

    Attributes
    ----------
    labels : ndarray of str, shape (n_bins,)
        Bin labels such as ``"1"``, ``"2-4"`` or ``"20+"``.
    lower, upper : ndarray of int, shape (n_bins,)
        Bounds of each bin (``upper`` is -1 for an open bin).
    n_images : ndarray of int, shape (n_bins,)
        Images in the bin.
    tag_given_present, tag_given_present_se : ndarray of float, shape (n_bins,)
        P(y=1 | z=1) pooled over the bin's images and all concepts, and its error.
    present_given_tag, present_given_tag_se : ndarray of float, shape (n_bins,)
        P(z=1 | y=1) pooled likewise, and its error.

    See Also
    --------
    effect_of_tag_count : Builds it from tags, ground truth and tag counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import effect_of_tag_count
    >>> r = effect_of_tag_count(np.array([[1, 0], [1, 1]]), np.array([[1, 1], [1, 1]]),
    ...                         n_tags=[1, 5], bins=[1, 5])
    >>> r.labels.tolist(), r.n_images.tolist(), r.tag_given_present.tolist()
    (['1-4', '5+'], [1, 1], [0.5, 1.0])
    """

    labels: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_images: np.ndarray
    tag_given_present: np.ndarray
    tag_given_present_se: np.ndarray
    present_given_tag: np.ndarray
    present_given_tag_se: np.ndarray


def _rate(k, n):
    """Binomial proportion k/n and its standard error; NaN where n == 0."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        se = np.where(n > 0, np.sqrt(p * (1 - p) / n), np.nan)
    return p, se


def _binary_csr(M, name, shape=None):
    """A 0/1 matrix (dense or sparse) as a boolean CSR array, values checked."""
    M = check_array(M, accept_sparse="csr", ensure_2d=True, dtype=None, input_name=name)
    M = sp.csr_array(M)
    M.eliminate_zeros()
    if M.nnz and not np.all(M.data == 1):
        raise ValueError(f"{name} must contain only 0 and 1")
    if shape is not None and M.shape != shape:
        raise ValueError(f"{name} has shape {M.shape}, expected {shape} (as Y)")
    return M.astype(bool)


def _positions_csr(P, shape):
    P = check_array(P, accept_sparse="csr", dtype=None, input_name="positions")
    P = sp.csr_array(P)
    P.eliminate_zeros()
    if P.shape != shape:
        raise ValueError(f"positions has shape {P.shape}, expected {shape} (as Z)")
    if P.nnz and (np.any(P.data < 1) or np.any(P.data != np.round(P.data))):
        raise ValueError("positions must be 0 (not tagged) or integers >= 1")
    return P


def tag_noise(Y, Z, *, concepts=None):
    """Tagging likelihood, false-tag rate and precision of observed tags.

    Parameters
    ----------
    Y : {array-like, sparse matrix} of shape (n_images, n_concepts)
        Observed tags, 0/1.
    Z : {array-like, sparse matrix} of shape (n_images, n_concepts)
        Ground truth, 0/1, same columns as ``Y``.
    concepts : list of str, default=None
        Concept names; ``"0"``, ``"1"``, ... when None.

    Returns
    -------
    TagNoise
        Per-concept and pooled rates with standard errors.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import tag_noise
    >>> Z = np.array([[1, 0], [1, 1], [0, 1], [1, 0]])
    >>> Y = np.array([[1, 0], [0, 1], [0, 0], [0, 1]])
    >>> r = tag_noise(Y, Z, concepts=["dog", "sky"])
    >>> r.tag_given_present.round(3).tolist()  # dog: 1 of 3 present tagged; sky: 1 of 2
    [0.333, 0.5]
    >>> r.tag_given_absent.tolist()  # dog: never tagged when absent; sky: 1 of 2
    [0.0, 0.5]
    >>> float(r.overall_present_given_tag)  # 2 of 3 tags are true
    0.666...
    """
    Y = _binary_csr(Y, "Y")
    Z = _binary_csr(Z, "Z", shape=Y.shape)
    n_images, n_concepts = Y.shape
    if concepts is None:
        concepts = [str(j) for j in range(n_concepts)]
    concepts = np.asarray(concepts, dtype=object)
    if concepts.shape != (n_concepts,):
        raise ValueError(f"concepts has {concepts.size} names for {n_concepts} columns")

    n_present = np.asarray(Z.sum(axis=0)).ravel().astype(np.int64)
    n_tagged = np.asarray(Y.sum(axis=0)).ravel().astype(np.int64)
    n_both = np.asarray(Y.multiply(Z).sum(axis=0)).ravel().astype(np.int64)
    n_absent = n_images - n_present
    n_false = n_tagged - n_both

    tgp = _rate(n_both, n_present)
    tga = _rate(n_false, n_absent)
    pgt = _rate(n_both, n_tagged)
    o_tgp = _rate(n_both.sum(), n_present.sum())
    o_tga = _rate(n_false.sum(), n_absent.sum())
    o_pgt = _rate(n_both.sum(), n_tagged.sum())
    return TagNoise(
        concepts=concepts,
        n_images=int(n_images),
        n_present=n_present,
        n_tagged=n_tagged,
        n_tagged_present=n_both,
        tag_given_present=tgp[0],
        tag_given_present_se=tgp[1],
        tag_given_absent=tga[0],
        tag_given_absent_se=tga[1],
        present_given_tag=pgt[0],
        present_given_tag_se=pgt[1],
        overall_tag_given_present=float(o_tgp[0]),
        overall_tag_given_present_se=float(o_tgp[1]),
        overall_tag_given_absent=float(o_tga[0]),
        overall_tag_given_absent_se=float(o_tga[1]),
        overall_present_given_tag=float(o_pgt[0]),
        overall_present_given_tag_se=float(o_pgt[1]),
    )


def _bins(edges, name):
    edges = np.asarray(edges)
    if (
        edges.ndim != 1
        or edges.size == 0
        or not np.issubdtype(edges.dtype, np.integer)
        or edges[0] < 1
        or np.any(np.diff(edges) <= 0)
    ):
        raise ValueError(f"{name} must be increasing integers >= 1, got {edges!r}")
    lower = edges.astype(np.int64)
    upper = np.append(lower[1:] - 1, -1)
    labels = [
        f"{lo}+" if hi < 0 else (f"{lo}" if hi == lo else f"{lo}-{hi}")
        for lo, hi in zip(lower, upper)
    ]
    return lower, upper, np.asarray(labels, dtype=object)


def _bin_index(values, lower):
    """Bin of each value (values >= lower[0]): the last lower edge not above it."""
    return np.searchsorted(lower, values, side="right") - 1


def accuracy_by_position(positions, Z, *, bins=(1, 3, 5, 7, 9, 11)):
    """Accuracy of tags by their position in the uploader's tag list.

    Parameters
    ----------
    positions : {array-like, sparse matrix} of shape (n_images, n_concepts)
        1-based position of each observed tag in its image's list, 0 where the concept
        is not tagged (as returned by :meth:`TagVectorizer.transform_positions`).
    Z : {array-like, sparse matrix} of shape (n_images, n_concepts)
        Ground truth, 0/1.
    bins : sequence of int, default=(1, 3, 5, 7, 9, 11)
        Increasing lower edges of the position bins; the last bin is open
        (the default gives 1-2, 3-4, 5-6, 7-8, 9-10, 11+).

    Returns
    -------
    PositionAccuracy
        Accuracy P(z=1 | y=1) per bin, with binomial standard errors.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import accuracy_by_position
    >>> P = np.array([[1, 0], [2, 3], [0, 5]])
    >>> Z = np.array([[1, 0], [0, 1], [0, 0]])
    >>> r = accuracy_by_position(P, Z, bins=[1, 3])
    >>> r.labels.tolist(), r.n_tags.tolist(), r.n_correct.tolist()
    (['1-2', '3+'], [2, 2], [1, 1])
    """
    Z = _binary_csr(Z, "Z")
    P = _positions_csr(positions, Z.shape)
    lower, upper, labels = _bins(bins, "bins")
    P = P.tocoo()
    pos = P.data.astype(np.int64)
    correct = np.asarray(Z[P.row, P.col]).ravel().astype(bool)
    keep = pos >= lower[0]
    which = _bin_index(pos[keep], lower)
    n_tags = np.bincount(which, minlength=len(lower))
    n_correct = np.bincount(which, weights=correct[keep], minlength=len(lower))
    n_correct = n_correct.astype(np.int64)
    accuracy, stderr = _rate(n_correct, n_tags)
    return PositionAccuracy(labels, lower, upper, n_tags, n_correct, accuracy, stderr)


def effect_of_tag_count(Y, Z, n_tags, *, bins=(1, 2, 3, 5, 10, 20)):
    """Tag noise for images grouped by their number of tags.

    Parameters
    ----------
    Y : {array-like, sparse matrix} of shape (n_images, n_concepts)
        Observed tags, 0/1.
    Z : {array-like, sparse matrix} of shape (n_images, n_concepts)
        Ground truth, 0/1.
    n_tags : array-like of int, shape (n_images,)
        Number of tags each image carries (all of its user tags, not only the concept
        tags); images below ``bins[0]`` are left out.
    bins : sequence of int, default=(1, 2, 3, 5, 10, 20)
        Increasing lower edges of the groups; the last is open.

    Returns
    -------
    TagCountEffect
        P(y=1 | z=1) and P(z=1 | y=1) per group, pooled over concepts.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.tags import effect_of_tag_count
    >>> Z = np.array([[1, 1], [1, 0], [1, 1]])
    >>> Y = np.array([[1, 0], [1, 1], [1, 1]])
    >>> r = effect_of_tag_count(Y, Z, n_tags=[1, 5, 6], bins=[1, 5])
    >>> r.labels.tolist(), r.tag_given_present.tolist(), r.present_given_tag.tolist()
    (['1-4', '5+'], [0.5, 1.0], [1.0, 0.75])
    """
    Y = _binary_csr(Y, "Y")
    Z = _binary_csr(Z, "Z", shape=Y.shape)
    n_tags = check_array(n_tags, ensure_2d=False, dtype=None, input_name="n_tags")
    if n_tags.shape != (Y.shape[0],) or not np.issubdtype(n_tags.dtype, np.integer):
        raise ValueError(f"n_tags must be {Y.shape[0]} integers, one per image")
    lower, upper, labels = _bins(bins, "bins")
    which = np.where(n_tags >= lower[0], _bin_index(n_tags, lower), -1)
    present = np.asarray(Z.sum(axis=1)).ravel()
    tagged = np.asarray(Y.sum(axis=1)).ravel()
    both = np.asarray(Y.multiply(Z).sum(axis=1)).ravel()
    keep = which >= 0

    def per_bin(values):
        return np.bincount(which[keep], weights=values[keep], minlength=len(lower))

    n_images = np.bincount(which[keep], minlength=len(lower))
    tgp = _rate(per_bin(both), per_bin(present))
    pgt = _rate(per_bin(both), per_bin(tagged))
    return TagCountEffect(labels, lower, upper, n_images, *tgp, *pgt)
