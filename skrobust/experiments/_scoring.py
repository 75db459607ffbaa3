"""One fitted model's scores on a test set (tag prediction, annotation, retrieval,
mean per-tag AUC), and the measured tagging rates pi it should learn."""

import numpy as np

from skrobust.calibration import InterceptCalibrator
from skrobust.experiments._results import ModelScores
from skrobust.linear_model._tag_response import _tag_proba_method
from skrobust.linear_model._targets import dense_binary_matrix
from skrobust.metrics import annotation_scores, retrieval_precision, tag_prediction_scores
from skrobust.metrics._utils import mean_tag_auc


def _dense_indicator(M, name):
    return dense_binary_matrix(M, name, dtype=np.int8)


def measured_pi(Y, Z):
    """P(tag supplied | label true) per tag, measured from clean labels.

    Parameters
    ----------
    Y : {array-like, sparse matrix} of shape (n_images, n_tags)
        Noisy 0/1 tags.
    Z : {array-like, sparse matrix} of shape (n_images, n_tags)
        Clean 0/1 labels.

    Returns
    -------
    pi : ndarray of shape (n_tags,)
        ``sum(Y & Z) / sum(Z)`` per tag; NaN where a tag has no positive image.

    Examples
    --------
    >>> from skrobust.experiments import measured_pi
    >>> measured_pi([[1, 0], [0, 0], [1, 1]], [[1, 0], [1, 0], [1, 1]])
    array([0.66666667, 1.        ])
    """
    Y = _dense_indicator(Y, "Y")
    Z = _dense_indicator(Z, "Z")
    if Y.shape != Z.shape:
        raise ValueError(f"Y and Z must have the same shape, got {Y.shape} and {Z.shape}.")
    positives = Z.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positives > 0, (Y & Z).sum(axis=0) / positives, np.nan)


def score_model(model, X, Z, Y=None, *, k=5, query_sizes=(1, 2, 3)):
    """The paper's three tasks and mean AUC for one fitted model on test data.

    Parameters
    ----------
    model : fitted classifier
        Multi-label: ``predict_proba(X)`` gives P(z=1|x), shape (n_images, n_tags).
        Tag prediction ranks by :func:`skrobust.predict_tag_proba` (P(y=1|x)) when
        the model (or the last step of a Pipeline) has it.
    X : array-like of shape (n_images, n_features)
        Test features.
    Z : {array-like, sparse matrix} of shape (n_images, n_tags)
        Clean test labels (annotation, retrieval, AUC).
    Y : {array-like, sparse matrix} of shape (n_images, n_tags), default=None
        The test images' own user tags, for tag prediction. With None, or a model
        without ``predict_tag_proba`` (a calibrated one: its probabilities are of
        the true labels, not of the user's tags), tag prediction is NaN.
    k : int, default=5
        Tags per image (annotation, tag prediction) and images per query (retrieval).
    query_sizes : tuple of int, default=(1, 2, 3)
        Retrieval query sizes.

    Returns
    -------
    scores : ModelScores

    Examples
    --------
    >>> from skrobust import RobustLogisticRegression
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.experiments import score_model
    >>> X, Y, Z = make_tagged_classification(n_samples=600, n_tags=6, random_state=0)
    >>> model = RobustLogisticRegression(tol=None, max_iter=20, random_state=0)
    >>> model = model.fit(X[:400], Y[:400])
    >>> s = score_model(model, X[400:], Z[400:], Y[400:], k=2)
    >>> sorted(s.annotation), sorted(s.retrieval)
    (['f1', 'precision', 'recall'], [1, 2, 3])
    >>> 0.5 < s.mean_auc <= 1
    True
    """
    Z = _dense_indicator(Z, "Z")
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    if proba.shape != Z.shape:
        raise ValueError(
            f"predict_proba gave shape {proba.shape}, but Z has shape {Z.shape}; the "
            "model must be multi-label with one column per tag."
        )
    annotation = annotation_scores(Z, proba, k=k)
    nan = float("nan")
    tag = {"precision": nan, "recall": nan, "f1": nan}
    # Through a Pipeline too; a calibrated model's P(tag) is left out, as documented
    # (the tables compare the tag suggestions of the models trained on the tags).
    calibrated = isinstance(model, InterceptCalibrator)
    tag_proba = None if calibrated else _tag_proba_method(model)
    if Y is not None and tag_proba is not None:
        result = tag_prediction_scores(_dense_indicator(Y, "Y"), tag_proba(X), k=k)
        tag = {"precision": result.precision, "recall": result.recall, "f1": result.f1}
    retrieval = retrieval_precision(Z, proba, k=k, query_sizes=tuple(query_sizes))
    return ModelScores(
        annotation={
            "precision": annotation.precision,
            "recall": annotation.recall,
            "f1": annotation.f1,
        },
        tag_prediction=tag,
        retrieval=dict(retrieval.precision),
        mean_auc=mean_tag_auc(Z, proba),
    )
