"""Tag names: read from a target's columns, made up when it has none, and looked up on
a fitted model (through a Pipeline or a search) for messages, tables and figures.

A 2-D tag matrix given as a pandas DataFrame (e.g. from
``TagVectorizer().set_output(transform="pandas")``) names its tags by its columns;
other matrices get ``"tag0"``, ``"tag1"``, ... (sklearn's convention for made-up
output names, ``"pca0"``...). A binary ``y`` has one tag, named after its positive
label, ``str(classes_[1])``.
"""

import numpy as np


def names_from_target(y):
    """The column names of a 2-D DataFrame-like ``y`` as a tuple of str, else None."""
    columns = getattr(y, "columns", None)
    if columns is None or len(getattr(y, "shape", ())) != 2:
        return None
    return tuple(str(column) for column in columns)


def default_tag_names(n_tags):
    """``("tag0", ..., "tag{n_tags - 1}")``."""
    return tuple(f"tag{t}" for t in range(n_tags))


def as_name_array(names):
    """Names as sklearn shows feature names: a 1-D ndarray of str objects."""
    array = np.empty(len(names), dtype=object)
    array[:] = list(names)
    return array


def fitted_tag_names(estimator, n_tags=None):
    """``estimator.tag_names_``, found on the last step of a Pipeline, a fitted search's
    ``best_estimator_`` or a meta-estimator's ``estimator_`` when the estimator itself
    has none; ``default_tag_names(n_tags)`` when none of them has names (a plain
    classifier), or None without ``n_tags``."""
    for _ in range(16):  # nested wrappers, never a cycle
        names = getattr(estimator, "tag_names_", None)
        if names is not None:
            return [str(name) for name in names]
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "estimator_"):
            estimator = estimator.estimator_
        else:
            break
    return None if n_tags is None else list(default_tag_names(n_tags))
