"""Tag-suggestion probabilities, P(tag supplied | x), from a model wherever it sits.

scikit-learn's :class:`~sklearn.pipeline.Pipeline` forwards only the methods it knows
(``predict_proba``, ``decision_function``...), so ``pipe.predict_tag_proba`` does not
exist and ``pipe[-1].predict_tag_proba(X)`` skips the pipeline's transformers: it
scores raw features with weights learned on scaled ones. :func:`predict_tag_proba`
runs X through every transformer first, as the pipeline's own ``predict_proba``
does, and looks through fitted searches too.
"""

from sklearn.pipeline import Pipeline

# Wrappers nest a few deep at most; the bound only guards against a cycle.
_MAX_DEPTH = 16


def _tag_proba_method(estimator):
    """A function X -> P(tag | x) for the model inside ``estimator``, or None.

    Looks through Pipelines (transforming X by their steps) and fitted searches
    (``best_estimator_``), stopping at the first object that has
    ``predict_tag_proba``.
    """
    transformers = []
    current = estimator
    for _ in range(_MAX_DEPTH):
        method = getattr(current, "predict_tag_proba", None)
        if method is not None:
            break
        if isinstance(current, Pipeline):
            transformers.extend(
                step for _, step in current.steps[:-1] if step not in (None, "passthrough")
            )
            current = current.steps[-1][1]
        elif hasattr(current, "best_estimator_"):
            current = current.best_estimator_
        else:
            return None
    else:
        return None

    def tag_proba(X, **kwargs):
        for step in transformers:
            X = step.transform(X)
        return method(X, **kwargs)

    return tag_proba


def predict_tag_proba(estimator, X, tag_effort=None):
    """P(user supplies the tag | x) of a fitted model, a Pipeline ending in one, or a
    fitted search over either.

    The probability that an uploader would tag each image with each tag (the
    paper's eq. 5, ``pi sigma + (1 - gamma)(1 - sigma)``): what tag suggestion ranks
    by. For a :class:`~sklearn.pipeline.Pipeline`, X goes through every transformer
    before the final model's
    :meth:`~skrobust.RobustLogisticRegression.predict_tag_proba`, exactly as the
    pipeline's own ``predict_proba`` would do (``pipe[-1].predict_tag_proba(X)``
    would skip them).

    Parameters
    ----------
    estimator : estimator
        A fitted :class:`~skrobust.RobustLogisticRegression` (or anything with a
        ``predict_tag_proba`` method), a fitted Pipeline ending in one (pipelines
        may nest), or a fitted search (e.g. ``GridSearchCV``) whose
        ``best_estimator_`` is either.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, as the pipeline (or the model) takes them.
    tag_effort : array-like of shape (n_samples,), default=None
        Each image's count of uploader tags, for a model fitted with
        ``tag_effort`` (see :meth:`~skrobust.RobustLogisticRegression.predict_tag_proba`);
        passed to the model only, not to the pipeline's transformers.

    Returns
    -------
    proba : array of shape (n_samples, n_tags) or (n_samples, 2)
        As :meth:`~skrobust.RobustLogisticRegression.predict_tag_proba`.

    Raises
    ------
    TypeError
        If no model with ``predict_tag_proba`` is found: a classifier without a
        noise model has only ``predict_proba``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skrobust import RobustLogisticRegression, predict_tag_proba
    >>> from skrobust.datasets import make_tagged_classification
    >>> X, Y, Z = make_tagged_classification(
    ...     n_samples=2000, n_features=5, n_tags=3, pi=0.4, random_state=0)
    >>> model = make_pipeline(StandardScaler(), RobustLogisticRegression(random_state=0))
    >>> model = model.fit(100 * X + 50, Y)          # features far from scaled
    >>> predict_tag_proba(model, 100 * X[:2] + 50).shape
    (2, 3)
    """
    method = _tag_proba_method(estimator)
    if method is None:
        raise TypeError(
            f"{type(estimator).__name__} has no predict_tag_proba, and is not a "
            "Pipeline ending in a model that has one (or a fitted search over such a "
            "model). For a classifier trained on tags without a noise model, its "
            "predict_proba is the probability of the tags."
        )
    if tag_effort is None:
        return method(X)
    return method(X, tag_effort=tag_effort)
