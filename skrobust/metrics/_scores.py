"""The paper's three evaluation tasks, at top k, and scorers for model selection.

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
import scipy.sparse as sp
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import make_scorer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from skrobust._array_api import to_numpy
from skrobust.linear_model._tag_response import _tag_proba_method
from skrobust.metrics._queries import enumerate_queries, query_precisions
from skrobust.metrics._utils import check_k, check_scores, device_indicator, top_k_mask

__all__ = [
    "AnnotationScores",
    "RetrievalScores",
    "SCORERS",
    "TagPredictionScores",
    "annotation_f1",
    "annotation_f1_scorer",
    "annotation_precision",
    "annotation_recall",
    "annotation_scores",
    "make_tag_prediction_scorer",
    "retrieval_precision",
    "retrieval_precision_mean",
    "retrieval_precision_scorer",
    "tag_prediction_f1",
    "tag_prediction_f1_scorer",
    "tag_prediction_precision",
    "tag_prediction_recall",
    "tag_prediction_scores",
]


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


# ----------------------------------------------------------------------- retrieval


@dataclass(frozen=True)
class RetrievalScores:
    """Result of :func:`retrieval_precision`.

    Attributes
    ----------
    precision : dict of int -> float
        Mean precision at k per query size; NaN for a size with no query.
    n_queries : dict of int -> int
        Queries evaluated per size (after ``max_queries`` subsampling).
    n_candidates : dict of int -> int
        Queries with at least one relevant image per size, before subsampling.
    k : int
        Images retrieved per query.
    mean_precision : float
        Unweighted mean of ``precision`` over the sizes that have queries.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    >>> y_score = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.7, 0.6, 0.4]])
    >>> from skrobust.metrics import retrieval_precision
    >>> s = retrieval_precision(y_true, y_score, k=1, query_sizes=(1, 2))
    >>> s.n_queries, round(s.precision[1], 3), s.mean_precision
    ({1: 3, 2: 2}, 0.667, 0.3333333333333333)
    """

    precision: dict
    n_queries: dict
    n_candidates: dict
    k: int

    @property
    def mean_precision(self):
        """Unweighted mean of ``precision`` over the sizes that have queries."""
        values = [p for size, p in self.precision.items() if self.n_queries[size] > 0]
        return float(np.mean(values)) if values else float("nan")


def _check_query_sizes(query_sizes, n_tags):
    sizes = list(query_sizes)
    if not sizes:
        raise ValueError("query_sizes must not be empty.")
    for size in sizes:
        if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
            raise ValueError(f"query_sizes must be positive integers, got {size!r}.")
        if size > n_tags:
            raise ValueError(f"Query size {size} is larger than the number of tags ({n_tags}).")
    if len(set(sizes)) != len(sizes):
        raise ValueError(f"query_sizes has repeated values: {tuple(sizes)}.")
    return [int(size) for size in sizes]


@validate_params(
    {
        "y_true": ["array-like", "sparse matrix"],
        "y_proba": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "query_sizes": [list, tuple],
        "max_queries": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "log_proba": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def retrieval_precision(
    y_true,
    y_proba,
    k=5,
    *,
    query_sizes=(1, 2, 3),
    max_queries=None,
    random_state=None,
    log_proba=False,
):
    """Precision at k of multi-tag image retrieval (the paper's Table 4).

    A query is a set of tags; an image is relevant when it has all of them. Every
    combination of ``query_sizes`` tags with at least one relevant image is a query
    (combinations with none are left out, so there are no empty queries). Images are
    ranked by the joint probability of the query's tags, assumed independent given the
    image, i.e. by the sum of log P(z_t=1 | x) over the query's tags; the top ``k``
    are retrieved and the query scores hits / min(k, relevant images), so a query with
    fewer than k relevant images can still reach 1. Scores are averaged per size.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_images, n_tags)
        0/1 indicator of each image's true labels.
    y_proba : array-like of shape (n_images, n_tags)
        P(z=1 | x) per tag (:meth:`~skrobust.RobustLogisticRegression.predict_proba`),
        in [0, 1]; or log-probabilities with ``log_proba=True``
        (``predict_log_proba``, exact where probabilities underflow).
    k : int, default=5
        Images retrieved per query, at most n_images.
    query_sizes : tuple of int, default=(1, 2, 3)
        Numbers of tags per query, each evaluated separately.
    max_queries : int, default=None
        If set, at most this many queries per size, drawn uniformly without
        replacement from those with a relevant image (with ``random_state``); for
        vocabularies whose triples run to millions. The combinations are still all
        enumerated (from the sparse tag co-occurrence, which is cheap); only scoring
        is subsampled. None evaluates every query.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling; unused when ``max_queries`` is None.
    log_proba : bool, default=False
        Whether ``y_proba`` holds log-probabilities. Otherwise probabilities are
        clipped below at the dtype's smallest normal number before the log, so that
        images whose probability underflowed to 0 still rank (last) by their other tags.

    Returns
    -------
    scores : RetrievalScores
        ``precision`` and ``n_queries`` (dicts keyed by query size, in the order of
        ``query_sizes``), ``n_candidates`` and ``k``; ``mean_precision`` averages
        over sizes.

    Notes
    -----
    Vectorised: queries are scored in batches, each one array of (queries, images)
    joint log-probabilities built by gathering and adding the tags' rows, then the
    top k of every query is found at once by a partition (``torch.topk`` on torch)
    and hits are counted against the relevance of the same images. Python loops only
    over batches of queries, never over images or single queries.

    Measured on 2 CPU cores, NumPy float64, 81 tags, every query
    (``benchmarks/bench_metrics.py``): 20,000 images with 3 true tags each on average
    (81 + 3,240 + 54,624 queries) 3.9 s; with 6 (81 + 3,240 + 85,297, almost every
    triple) 5.9 s, of which enumerating the combinations takes 0.16 s; 4,000 images
    0.3-1.1 s. The cost grows as images x queries.

    Examples
    --------
    >>> from skrobust.metrics import retrieval_precision
    >>> y_true = [[1, 1],
    ...           [1, 0],
    ...           [0, 1],
    ...           [0, 0]]
    >>> y_proba = [[0.9, 0.6],
    ...            [0.8, 0.1],
    ...            [0.1, 0.7],
    ...            [0.5, 0.8]]
    >>> s = retrieval_precision(y_true, y_proba, k=2, query_sizes=(1, 2))
    >>> s.precision   # {0}: 2/2, {1}: images 3, 2 -> 1/2; {0, 1}: images 0, 3 -> 1/1
    {1: 0.75, 2: 1.0}
    >>> s.n_queries
    {1: 2, 2: 1}
    """
    y_true_host, scores, xp, device = check_scores(y_true, y_proba, name="y_proba")
    n_images, n_tags = y_true_host.shape
    check_k(k, n_images, "images")
    sizes = _check_query_sizes(query_sizes, n_tags)

    if log_proba:
        if bool(xp.any(scores > 0)):
            raise ValueError("y_proba must hold log-probabilities (<= 0) with log_proba=True.")
        log_scores = scores
    else:
        if bool(xp.any((scores < 0) | (scores > 1))):
            raise ValueError("y_proba must hold probabilities in [0, 1]; pass "
                             "log_proba=True for log-probabilities.")
        log_scores = xp.log(xp.clip(scores, min=xp.finfo(scores.dtype).smallest_normal))

    # One tag's scores contiguous: queries gather whole rows of these.
    log_scores_t = xp.permute_dims(log_scores, (1, 0))
    if isinstance(log_scores_t, np.ndarray):
        log_scores_t = np.ascontiguousarray(log_scores_t)
    relevant_t = device_indicator(y_true_host, xp, device, transpose=True)

    queries = enumerate_queries(sp.csc_matrix(y_true_host), sizes)
    rng = check_random_state(random_state)
    precision, n_queries, n_candidates = {}, {}, {}
    for size in sizes:
        combos = queries[size]
        n_candidates[size] = len(combos)
        if max_queries is not None and len(combos) > max_queries:
            combos = combos[np.sort(rng.choice(len(combos), max_queries, replace=False))]
        n_queries[size] = len(combos)
        if len(combos) == 0:
            precision[size] = float("nan")
            continue
        tags = xp.asarray(combos.astype(np.int64), device=device)
        values = to_numpy(query_precisions(log_scores_t, relevant_t, tags, k, xp))
        precision[size] = float(np.mean(values, dtype=np.float64))
    if not any(n_queries.values()):
        warnings.warn(
            "No image has a true tag; retrieval precision is undefined.", UndefinedMetricWarning
        )
    return RetrievalScores(precision, n_queries, n_candidates, k)


# ------------------------------------------------------------------------- scorers
# Module-level score functions (not closures or partials): scorers must pickle for
# GridSearchCV(n_jobs>1), and make_scorer's repr shows the function's name.


def _resolve_k(k, y_score):
    """``k="auto"``: 5, or half the tags (at least 1) when there are fewer than 10.

    Selecting most of the tags of every image leaves the scores measuring only which
    few are left out: nearly the same for every model.
    """
    if k != "auto":
        return k
    n_tags = np.shape(y_score)[1] if not hasattr(y_score, "shape") else y_score.shape[1]
    return max(1, min(_DEFAULT_K, int(n_tags) // 2))


_DEFAULT_K = 5


def tag_prediction_f1(y_true, y_score, k="auto"):
    return tag_prediction_scores(y_true, y_score, _resolve_k(k, y_score)).f1


def tag_prediction_precision(y_true, y_score, k="auto"):
    return tag_prediction_scores(y_true, y_score, _resolve_k(k, y_score)).precision


def tag_prediction_recall(y_true, y_score, k="auto"):
    return tag_prediction_scores(y_true, y_score, _resolve_k(k, y_score)).recall


def annotation_f1(y_true, y_score, k="auto"):
    return annotation_scores(y_true, y_score, _resolve_k(k, y_score)).f1


def annotation_precision(y_true, y_score, k="auto"):
    return annotation_scores(y_true, y_score, _resolve_k(k, y_score)).precision


def annotation_recall(y_true, y_score, k="auto"):
    return annotation_scores(y_true, y_score, _resolve_k(k, y_score)).recall


# One docstring template for the six one-number wrappers above, filled in below, so
# that the six cannot drift apart.
_SCORE_DOC = """{what} of :func:`{source}`, as one float for
:func:`~sklearn.metrics.make_scorer`.

Parameters
----------
y_true : {{array-like, sparse matrix}} of shape (n_images, n_tags)
    0/1 ground truth.
y_score : array-like of shape (n_images, n_tags)
    Scores, higher is more likely.
k : int or "auto", default="auto"
    Tags per image; "auto" is 5, or half the tags (at least 1) with fewer than 10
    (at ``k = n_tags`` every model would score the same).

Returns
-------
score : float
    See :func:`{source}`.

Examples
--------
>>> import numpy as np
>>> from skrobust.metrics import {name}
>>> y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
>>> y_score = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.7, 0.6, 0.4]])
>>> round({name}(y_true, y_score, k=1), 3)
{value}
"""
for _function, _what, _source, _value in [
    (tag_prediction_f1, "F at k", "tag_prediction_scores", "0.8"),
    (tag_prediction_precision, "Precision at k", "tag_prediction_scores", "1.0"),
    (tag_prediction_recall, "Recall at k", "tag_prediction_scores", "0.667"),
    (annotation_f1, "Mean per-tag F", "annotation_scores", "0.556"),
    (annotation_precision, "Mean per-tag precision", "annotation_scores", "0.667"),
    (annotation_recall, "Mean per-tag recall", "annotation_scores", "0.5"),
]:
    _function.__doc__ = _SCORE_DOC.format(
        what=_what, source=_source, name=_function.__name__, value=_value
    )
del _function, _what, _source, _value


def retrieval_precision_mean(y_true, y_proba, k=5, query_sizes=(1,), **kwargs):
    """:func:`retrieval_precision` averaged over ``query_sizes`` (unweighted).

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_images, n_tags)
        0/1 ground truth.
    y_proba : array-like of shape (n_images, n_tags)
        P(z=1 | x) per tag.
    k : int, default=5
        Images retrieved per query.
    query_sizes : tuple of int, default=(1,)
        Query sizes averaged.
    **kwargs
        Passed to :func:`retrieval_precision` (``max_queries``, ``random_state``,
        ``log_proba``).

    Returns
    -------
    score : float
        :attr:`RetrievalScores.mean_precision`.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    >>> y_score = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.3], [0.7, 0.6, 0.4]])
    >>> from skrobust.metrics import retrieval_precision_mean
    >>> retrieval_precision_mean(y_true, y_score, k=1, query_sizes=(1, 2))
    0.3333333333333333
    """
    scores = retrieval_precision(y_true, y_proba, k, query_sizes=query_sizes, **kwargs)
    return scores.mean_precision


class _TagPredictionScorer:
    """Scorer of tag suggestion: ``score_func(y, P(tag | x))``.

    P(tag | x) is :func:`skrobust.predict_tag_proba` of the estimator, which looks
    through Pipelines (``make_scorer`` cannot: a Pipeline has no
    ``predict_tag_proba`` method, so it would fall back to ``predict_proba``, the
    probability of the true label). An estimator with no tag-noise model anywhere
    (a plain classifier trained on the tags) is scored by its ``predict_proba``,
    which for such a model is the probability of the tags.
    """

    def __init__(self, score_func, **kwargs):
        self._score_func = score_func
        self._kwargs = kwargs

    def __call__(self, estimator, X, y_true):
        tag_proba = _tag_proba_method(estimator)
        y_score = tag_proba(X) if tag_proba is not None else estimator.predict_proba(X)
        return self._score_func(y_true, y_score, **self._kwargs)

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self._kwargs.items())
        return f"tag_prediction_scorer({self._score_func.__name__}{extra})"


def make_tag_prediction_scorer(score_func, **kwargs):
    """A scorer that ranks tags by P(tag supplied | x), through Pipelines too.

    Parameters
    ----------
    score_func : callable
        ``score_func(y_true, y_score, **kwargs)``, e.g. :func:`tag_prediction_f1`.
    **kwargs
        Passed to ``score_func``, e.g. ``k=3``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true)`` for ``GridSearchCV(scoring=...)``: scores
        :func:`skrobust.predict_tag_proba` of the estimator, or its
        ``predict_proba`` when it has no tag-noise model at all (a plain classifier
        trained on the tags).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.metrics import make_tag_prediction_scorer, tag_prediction_f1
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=2000, n_features=5, n_tags=4, pi=0.4, random_state=0)
    >>> model = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=0))
    >>> scorer = make_tag_prediction_scorer(tag_prediction_f1, k=2)
    >>> 0 < scorer(model.fit(X, Y), X, Y) < 1
    True
    """
    return _TagPredictionScorer(score_func, **kwargs)


tag_prediction_f1_scorer = make_tag_prediction_scorer(tag_prediction_f1)
"""Scorer: :func:`tag_prediction_f1` (``k="auto"``) of
:func:`skrobust.predict_tag_proba` (through Pipelines; ``predict_proba`` for a model
without a tag-noise model); ``SCORERS["tag_prediction_f1"]``."""
annotation_f1_scorer = make_scorer(annotation_f1, response_method="predict_proba")
"""Scorer: :func:`annotation_f1` (``k="auto"``) of ``predict_proba``;
``SCORERS["annotation_f1"]``."""
# Single-tag queries: cheap, and stable on the small folds of a cross-validation.
retrieval_precision_scorer = make_scorer(retrieval_precision_mean, response_method="predict_proba")
"""Scorer: :func:`retrieval_precision_mean` of 1-tag queries at k=5 of
``predict_proba``; ``SCORERS["retrieval_precision"]``."""

SCORERS = {
    "tag_prediction_f1": tag_prediction_f1_scorer,
    "tag_prediction_precision": make_tag_prediction_scorer(tag_prediction_precision),
    "tag_prediction_recall": make_tag_prediction_scorer(tag_prediction_recall),
    "annotation_f1": annotation_f1_scorer,
    "annotation_precision": make_scorer(annotation_precision, response_method="predict_proba"),
    "annotation_recall": make_scorer(annotation_recall, response_method="predict_proba"),
    "retrieval_precision": retrieval_precision_scorer,
    # Mean over 1-, 2- and 3-tag queries; enumerates every co-occurring triple of the
    # fold, so it costs seconds at tens of thousands of images (see the Notes of
    # retrieval_precision).
    "retrieval_precision_123": make_scorer(
        retrieval_precision_mean, response_method="predict_proba", query_sizes=(1, 2, 3)
    ),
}
"""Scorers by name, for ``GridSearchCV(scoring=SCORERS, refit="annotation_f1")`` or
any subset: ``tag_prediction_{f1,precision,recall}`` (by
:func:`skrobust.predict_tag_proba`, which looks through Pipelines; ``predict_proba``
for a model without a tag-noise model), ``annotation_{f1,precision,recall}`` and
``retrieval_precision`` (1-tag queries), ``retrieval_precision_123`` (mean over 1-, 2-
and 3-tag queries), the last four by ``predict_proba``. Tag prediction and annotation
at ``k="auto"`` (5, or half the tags with fewer than 10), retrieval at k=5 images;
all against the fold's ``y``: for a model trained on user tags, those noisy tags.
For another k, build one, e.g.
``make_scorer(annotation_f1, response_method="predict_proba", k=3)`` or
``make_tag_prediction_scorer(tag_prediction_f1, k=3)``."""
