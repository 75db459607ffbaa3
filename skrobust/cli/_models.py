"""The trained tagger as the commands store and use it.

A model is ``Pipeline(StandardScaler, RobustLogisticRegression)``, optionally wrapped
in an ``InterceptCalibrator``; it is stored with the package's safe model format
(``skrobust.save`` / ``skrobust.load``: nothing in the file can run code), never
pickled. Tag names come from the ``<model>.tags.txt`` sidecar when ``train`` wrote
one (the model's own ``tag_names_`` were not the tags'), else from ``tag_names_``.
"""

import warnings

import numpy as np
from sklearn.pipeline import Pipeline

import skrobust
from skrobust.calibration import InterceptCalibrator
from skrobust.cli._errors import CommandError
from skrobust.cli._inputs import read_lines
from skrobust.cli._outputs import tag_list_path, write_text


def save_model(model, path, tag_names):
    """Save ``model``; write the tag-name sidecar when the model's names differ.

    A model fitted on a plain 0/1 matrix names its tags ``tag0``, ``tag1``, ...;
    the sidecar then keeps the TagVectorizer's names.
    """
    skrobust.save(model, path)
    sidecar = tag_list_path(path)
    if _own_tag_names(model) != list(tag_names):
        write_text(sidecar, "".join(f"{name}\n" for name in tag_names))
    elif sidecar.exists():
        sidecar.unlink()  # a stale list from an earlier model must not be read back


def load_model(path):
    """The model saved at ``path`` and its tag names, checked to fit each other."""
    model = skrobust.load(path)  # verified; a damaged file is a ValueError naming it
    pipeline, rlr = model_parts(model, path)
    sidecar = tag_list_path(path)
    names = read_lines(sidecar) if sidecar.exists() else _own_tag_names(model)
    if names is None:
        raise CommandError(f"{path}: the model has no tag names and {sidecar} is "
                           "missing (it is written by skrobust train)")
    names = [str(name) for name in names]
    n_tags = np.asarray(rlr.pi_).shape[0]
    if len(names) != n_tags:
        raise CommandError(f"{path}: the model has {n_tags} tags but {len(names)} tag "
                           "names")
    return model, names


def model_parts(model, path="the model"):
    """``(pipeline, robust_lr)`` of a model as ``train`` builds it."""
    pipeline = model.estimator_ if isinstance(model, InterceptCalibrator) else model
    if not isinstance(pipeline, Pipeline) or not hasattr(pipeline[-1], "pi_"):
        raise CommandError(f"{path}: not a tagger trained by skrobust train (expected a "
                           f"fitted Pipeline ending in RobustLogisticRegression, got "
                           f"{type(pipeline).__name__})")
    return pipeline, pipeline[-1]


def _own_tag_names(model):
    """``tag_names_`` of the model, its pipeline or its final estimator, if any."""
    candidates = [model]
    if isinstance(model, InterceptCalibrator):
        candidates.append(model.estimator_)
    if isinstance(candidates[-1], Pipeline):
        candidates.append(candidates[-1][-1])
    for candidate in candidates:
        names = getattr(candidate, "tag_names_", None)
        if names is not None:
            return list(names)
    return None


def probabilities(model, X, features="the features"):
    """``(p_true, p_tag)`` per photo and tag, both of shape (n_photos, n_tags).

    ``p_true`` is P(the tag is true of the photo) (calibrated when the model is);
    ``p_tag`` is P(an uploader would supply the tag), the tag-suggestion score, from
    that same ``p_true`` (so under the "missing" noise model never above it). A
    Pipeline does not forward ``predict_tag_proba``, so the scaler is applied here.
    Features unlike the training ones (``features`` names them) give a warning.
    """
    pipeline, rlr = model_parts(model)
    n_features = getattr(pipeline, "n_features_in_", X.shape[1])
    if X.shape[1] != n_features:
        raise CommandError(f"the features have {X.shape[1]} columns but the model was "
                           f"trained on {n_features}")
    check_feature_scale(pipeline, X, features)
    p_true = np.asarray(model.predict_proba(X), dtype=np.float64)
    if isinstance(model, InterceptCalibrator):  # P(tag) from the calibrated P(true)
        p_tag = model.predict_tag_proba(X)
    else:
        p_tag = rlr.predict_tag_proba(pipeline[:-1].transform(X))
    return p_true, np.asarray(p_tag, dtype=np.float64)


# A photo's features, standardised by the training statistics, have a root mean
# square near 1 (0.7-1.5 on MIRFLICKR); features of another network or scale do not
# (x3: about 3; x100: about 100). Warn when the typical photo is beyond this.
MAX_TYPICAL_RMS = 4.0


def check_feature_scale(pipeline, X, features):
    """Warn when ``X`` is far from the scale of the features the model was trained on.

    Compares the rows with the pipeline's ``StandardScaler`` training statistics
    (``mean_``, ``scale_``): the median over photos of the root mean square of the
    standardised features, which is about 1 for photos like the training ones.
    """
    scaler = pipeline[0] if len(pipeline) > 1 else None
    mean, scale = getattr(scaler, "mean_", None), getattr(scaler, "scale_", None)
    if mean is None or scale is None:
        return
    z = (np.asarray(X, dtype=np.float64) - mean) / scale
    typical = float(np.median(np.sqrt(np.mean(z * z, axis=1))))
    if typical > MAX_TYPICAL_RMS:
        warnings.warn(
            f"{features} are not on the scale of the features the model was trained "
            f"on: a typical photo is {typical:.0f} standard deviations from the "
            "training mean (photos like the training ones: about 1). Features from "
            "another network, or scaled? The probabilities will be meaningless.",
            UserWarning, stacklevel=2)
