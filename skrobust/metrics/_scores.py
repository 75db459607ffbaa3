"""Tag prediction and image annotation at top k, and the conventions every score here follows.

Izadinia et al., "Image Classification and Retrieval from User-Supplied Tags", evaluate

* **tag prediction** (their Table 2): suggest the k tags a user would most likely
  write for an image, ranked by P(y=1 | x) (:meth:`RobustLogisticRegression.predict_tag_proba`),
  scored against the user's tags: :func:`tag_prediction_scores`;
* **image annotation** (Table 3): label each image with its k most probable true
  labels, ranked by P(z=1 | x) (``predict_proba``), scored per label against clean
  labels: :func:`annotation_scores`;
* **multi-tag retrieval** (Table 4): for a query of 1, 2 or 3 tags, retrieve the k
  images most likely to have all of them: :func:`retrieval_precision`.

All take ``y_true``, a (n_images, n_tags) 0/1 matrix (dense or scipy.sparse), and a
score array of the same shape from NumPy, CuPy, torch or any Array API library. As in
scikit-learn, non-NumPy scores are worked on in their own namespace and device only
inside ``sklearn.config_context(array_api_dispatch=True)``, and converted to NumPy
otherwise. Results are Python floats and small NumPy arrays in frozen dataclasses.

**Ties** are broken deterministically and identically everywhere: among equal scores
the lower index ranks first (the lower tag index for tag prediction and annotation,
the lower image index for retrieval), as a stable sort by decreasing score would.

**k and the number of tags**: at ``k = n_tags`` every tag of every image is
selected, so tag prediction and annotation give every model the same score; they then
warn (``UndefinedMetricWarning``, as :func:`sklearn.metrics.top_k_accuracy_score`
does), and ``k > n_tags`` is an error. Well below ``n_tags`` is where the scores
tell models apart: with 5 tags, annotation F at k=4 differs between candidates in
the fourth decimal, at k=2 by 30 times more. So the scorers and
their one-number score functions default to ``k="auto"``: 5 (the paper's), or half
the tags (at least 1) on vocabularies of fewer than 10 tags.

``SCORERS`` maps names to scorers for :class:`~sklearn.model_selection.GridSearchCV`
(``scoring=SCORERS`` or any subset of it).
"""

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import Interval, validate_params

from skrobust._array_api import to_numpy
from skrobust.metrics._utils import check_k, check_scores, device_indicator, top_k_mask


def _harmonic_mean(precision, recall):
    """F1 of two numbers (arrays or floats); 0 where both are 0."""
    total = precision + recall
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1), 0.0)


def _warn_if_every_tag(k, n_tags, verb):
    """At k = n_tags every tag is selected for every image: any scores score alike."""
    if k == n_tags:
        warnings.warn(
            f"k={k} equals the number of tags ({n_tags}): every tag is {verb} for every "
            "image, so every model gets the same score. Choose k < n_tags.",
            UndefinedMetricWarning,
            stacklevel=3,
        )


def _read_only(array):
    array.flags.writeable = False
    return array


# ----------------------------------------------------------------------- tag prediction


@dataclass(frozen=True)
class TagPredictionScores:
    """Result of :func:`tag_prediction_scores`.

    Attributes
    ----------
    precision : float
        Mean over evaluated images of (true tags among the top k) / k.
    recall : float
        Mean over evaluated images of (true tags among the top k) / (true tags).
    f1 : float
        Harmonic mean of ``precision`` and ``recall`` (0 when both are 0).
    k : int
        Tags suggested per image.
    n_images : int
        Images evaluated: those with at least one true tag.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    >>> y_score = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.7, 0.6, 0.4]])
    >>> from skrobust.metrics import tag_prediction_scores
    >>> s = tag_prediction_scores(y_true, y_score, k=1)
    >>> s.precision, round(s.recall, 3), round(s.f1, 3), s.n_images
    (1.0, 0.667, 0.8, 3)
    """

    precision: float
    recall: float
    f1: float
    k: int
    n_images: int


@validate_params(
    {
        "y_true": ["array-like", "sparse matrix"],
        "y_score": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def tag_prediction_scores(y_true, y_score, k=5):
    """Precision, recall and F at k of tag suggestion (the paper's Table 2).

    Each image is given the ``k`` tags with the highest score; a suggestion is a hit
    when the image truly has that tag. Precision and recall at k are averaged over
    images, and F is the harmonic mean of the two averages (the paper's definition,
    not the mean of per-image F).

    Images with no true tag are left out of both averages: their recall is undefined,
    and dropping them from precision as well keeps both averages over the same images
    (as :func:`annotation_scores` leaves out tags with no positive image).

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_images, n_tags)
        0/1 indicator of each image's tags: in the paper, the user's own tags.
    y_score : array-like of shape (n_images, n_tags)
        Scores, higher is more likely: the paper ranks by P(y=1 | x), which is
        :meth:`~skrobust.RobustLogisticRegression.predict_tag_proba`.
    k : int, default=5
        Tags suggested per image, below n_tags to be informative (at n_tags it warns;
        above, it raises).

    Returns
    -------
    scores : TagPredictionScores
        ``precision``, ``recall``, ``f1`` (floats), ``k`` and ``n_images`` (images
        evaluated). All three scores are NaN, with an ``UndefinedMetricWarning``, when
        no image has a true tag.

    Examples
    --------
    >>> from skrobust.metrics import tag_prediction_scores
    >>> y_true = [[1, 0, 1, 0],
    ...           [0, 1, 0, 0]]
    >>> y_score = [[0.9, 0.8, 0.1, 0.2],    # top 2: tags 0, 1 -> 1 hit of 2 true
    ...            [0.1, 0.9, 0.3, 0.2]]    # top 2: tags 1, 2 -> 1 hit of 1 true
    >>> s = tag_prediction_scores(y_true, y_score, k=2)
    >>> s.precision, s.recall, s.f1         # (0.5+0.5)/2, (0.5+1)/2, 2PR/(P+R)
    (0.5, 0.75, 0.6)
    """
    Y, scores, xp, device = check_scores(y_true, y_score)
    check_k(k, Y.shape[1], "tags")
    _warn_if_every_tag(k, Y.shape[1], "suggested")
    hits = _hits_in_top_k(Y, scores, k, xp, device, axis=1)
    n_true = np.asarray(Y.sum(axis=1)).ravel()
    evaluated = n_true > 0
    if not evaluated.any():
        warnings.warn(
            "No image has a true tag; tag prediction scores are undefined.", UndefinedMetricWarning
        )
        return TagPredictionScores(np.nan, np.nan, np.nan, k, 0)
    precision = float(np.mean(hits[evaluated] / k))
    recall = float(np.mean(hits[evaluated] / n_true[evaluated]))
    f1 = float(_harmonic_mean(precision, recall))
    return TagPredictionScores(precision, recall, f1, k, int(evaluated.sum()))


def _hits_in_top_k(Y, scores, k, xp, device, axis):
    """Per image: (true tags among its top k tags), or, with axis=0, per tag:
    (images that have the tag among their top k and truly have it), as NumPy ints."""
    selected = top_k_mask(scores, k, xp)
    truth = device_indicator(Y, xp, device)
    return to_numpy(xp.count_nonzero(selected & truth, axis=axis))


# ---------------------------------------------------------------------- image annotation


@dataclass(frozen=True, eq=False)
class AnnotationScores:
    """Result of :func:`annotation_scores`.

    Attributes
    ----------
    precision, recall, f1 : float
        Means over evaluated tags (tags with at least one positive image) of the
        per-tag values.
    precision_per_tag, recall_per_tag, f1_per_tag : ndarray of shape (n_tags,)
        Per-tag values (read-only); NaN for tags with no positive image.
    support : ndarray of shape (n_tags,)
        Positive images per tag.
    k : int
        Labels given per image.
    n_tags : int
        Tags evaluated.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    >>> y_score = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.7, 0.6, 0.4]])
    >>> from skrobust.metrics import annotation_scores
    >>> s = annotation_scores(y_true, y_score, k=1)
    >>> s.recall_per_tag.tolist(), s.support.tolist(), round(s.f1, 3)
    ([1.0, 0.5, 0.0], [2, 2, 1], 0.556)
    """

    precision: float
    recall: float
    f1: float
    precision_per_tag: np.ndarray
    recall_per_tag: np.ndarray
    f1_per_tag: np.ndarray
    support: np.ndarray
    k: int
    n_tags: int


@validate_params(
    {
        "y_true": ["array-like", "sparse matrix"],
        "y_score": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def annotation_scores(y_true, y_score, k=5):
    """Per-tag precision, recall and F of top-k image annotation (the paper's Table 3).

    Each image is annotated with its ``k`` highest-scoring tags. Then, per tag, the
    images annotated with it are compared with the images that truly have it:
    precision = correct / annotated (0 when the tag is never given), recall =
    correct / positives, F = their harmonic mean (0 when both are 0). The three are
    averaged over tags; the reported F is the mean of per-tag F, not the harmonic
    mean of the averages.

    Tags with no positive image are left out of all three averages (their recall is
    undefined, and any annotation with them would count only against precision); they
    get NaN in the per-tag arrays. This is the usual convention for this benchmark.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_images, n_tags)
        0/1 indicator of each image's true labels (clean annotations).
    y_score : array-like of shape (n_images, n_tags)
        Scores, higher is more likely: the paper ranks by P(z=1 | x), which is
        :meth:`~skrobust.RobustLogisticRegression.predict_proba`.
    k : int, default=5
        Labels given per image, below n_tags to be informative (at n_tags it warns;
        above, it raises).

    Returns
    -------
    scores : AnnotationScores
        Mean ``precision``, ``recall``, ``f1``, the per-tag arrays, ``support``, ``k``
        and ``n_tags`` (tags evaluated). The means are NaN, with an
        ``UndefinedMetricWarning``, when no tag has a positive image.

    Examples
    --------
    >>> from skrobust.metrics import annotation_scores
    >>> y_true = [[1, 0, 0],
    ...           [1, 1, 0],
    ...           [0, 0, 1]]
    >>> y_score = [[0.9, 0.5, 0.1],    # top 1: tag 0 (correct)
    ...            [0.2, 0.8, 0.1],    # top 1: tag 1 (correct)
    ...            [0.7, 0.1, 0.3]]    # top 1: tag 0 (wrong)
    >>> s = annotation_scores(y_true, y_score, k=1)
    >>> s.precision_per_tag, s.recall_per_tag   # tag 0: 1 of 2 given, 1 of 2 found
    (array([0.5, 1. , 0. ]), array([0.5, 1. , 0. ]))
    >>> round(s.f1, 4)                          # (0.5 + 1 + 0) / 3
    0.5
    """
    Y, scores, xp, device = check_scores(y_true, y_score)
    check_k(k, Y.shape[1], "tags")
    _warn_if_every_tag(k, Y.shape[1], "given")
    selected = top_k_mask(scores, k, xp)
    truth = device_indicator(Y, xp, device)
    correct = to_numpy(xp.count_nonzero(selected & truth, axis=0))
    given = to_numpy(xp.count_nonzero(selected, axis=0))
    support = np.asarray(Y.sum(axis=0)).ravel().astype(np.int64)

    evaluated = support > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(given > 0, correct / np.maximum(given, 1), 0.0)
        recall = correct / support
    f1 = _harmonic_mean(precision, recall)
    for values in (precision, recall, f1):
        values[~evaluated] = np.nan
    if not evaluated.any():
        warnings.warn(
            "No tag has a positive image; annotation scores are undefined.", UndefinedMetricWarning
        )
        means = (np.nan, np.nan, np.nan)
    else:
        means = tuple(float(np.mean(v[evaluated])) for v in (precision, recall, f1))
    return AnnotationScores(
        *means,
        precision_per_tag=_read_only(precision),
        recall_per_tag=_read_only(recall),
        f1_per_tag=_read_only(f1),
        support=_read_only(support),
        k=k,
        n_tags=int(evaluated.sum()),
    )
