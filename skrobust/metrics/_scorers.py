"""One-number score functions and scorers for scikit-learn's model selection:
``SCORERS`` and :func:`make_tag_prediction_scorer`."""

import numpy as np
from sklearn.metrics import make_scorer

from skrobust.linear_model._tag_response import _tag_proba_method
from skrobust.metrics._retrieval import retrieval_precision
from skrobust.metrics._scores import annotation_scores, tag_prediction_scores


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
