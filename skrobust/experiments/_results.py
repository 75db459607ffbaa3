"""Result containers of :mod:`skrobust.experiments`: plain floats and arrays, JSON-ready."""

import math
from dataclasses import dataclass, field, fields

import numpy as np

MODEL_NAMES = {
    "lr": "tuned LR on user tags",
    "lr_calibrated": "tuned LR on tags + calibration",
    "rlr": "RLR on user tags",
    "rlr_calibrated": "RLR on tags + calibration",
    "lr_clean": "LR on clean labels",
}
"""dict of str to str: key of each compared model -> its display name, in table order."""


def _plain(value):
    """NumPy scalars/arrays and NaN to JSON values (NaN becomes None)."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value


def _floats(values):
    """A JSON list back to a float array (None back to NaN)."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _float(value):
    return float("nan") if value is None else float(value)


@dataclass
class ModelScores:
    """Scores of one model on one test split.

    Attributes
    ----------
    annotation : dict of str -> float
        Image annotation (the paper's Table 3) against the clean labels:
        ``precision``, ``recall`` and ``f1`` at k.
    tag_prediction : dict of str -> float
        Tag prediction (Table 2) against the held-out user tags: ``precision``,
        ``recall`` and ``f1`` at k, ranking by P(y=1|x); NaN for models that have
        no tag probability (the calibrated ones).
    retrieval : dict of int -> float
        Retrieval precision at k (Table 4) per query size (1, 2, 3 tags).
    mean_auc : float
        ROC AUC of P(z=1|x) against the clean labels, averaged over the tags that
        have both classes in the test split.

    Examples
    --------
    >>> from skrobust.experiments import ModelScores
    >>> scores = ModelScores(
    ...     annotation={"precision": 0.5, "recall": 0.4, "f1": 0.44},
    ...     tag_prediction={"precision": 0.2, "recall": 0.7, "f1": 0.31},
    ...     retrieval={1: 0.75, 2: 0.3}, mean_auc=0.85)
    >>> ModelScores.from_dict(scores.to_dict()) == scores
    True
    """

    annotation: dict
    tag_prediction: dict
    retrieval: dict
    mean_auc: float

    def to_dict(self):
        """The scores as JSON-serialisable Python values (NaN as None)."""
        return _plain(
            {
                "annotation": self.annotation,
                "tag_prediction": self.tag_prediction,
                "retrieval": self.retrieval,
                "mean_auc": self.mean_auc,
            }
        )

    @classmethod
    def from_dict(cls, data):
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            annotation={k: _float(v) for k, v in data["annotation"].items()},
            tag_prediction={k: _float(v) for k, v in data["tag_prediction"].items()},
            retrieval={int(k): _float(v) for k, v in data["retrieval"].items()},
            mean_auc=_float(data["mean_auc"]),
        )


@dataclass
class SplitResult:
    """Everything measured on one random train/test split.

    Attributes
    ----------
    seed : int
        Seed of the split and of the models trained on it.
    n_train, n_test, n_clean : int
        Training images, test images, and clean training images used for calibration.
    models : dict of str -> ModelScores
        Keys ``"lr"``, ``"lr_calibrated"``, ``"rlr"``, ``"rlr_calibrated"``,
        ``"lr_clean"`` (see ``MODEL_NAMES``).
    pi_learned : ndarray of shape (n_tags,)
        The robust model's ``pi_``.
    pi_measured : ndarray of shape (n_tags,)
        P(y=1 | z=1) on the training split, from the clean labels; NaN for a tag
        with no positive training image.
    pi_correlation : float
        Pearson correlation of the two over the tags where both are defined.
    curve_sizes : ndarray of shape (n_sizes,)
        Clean training images used at each point of the calibration-size curve.
    curve_f1 : dict of str -> ndarray of shape (n_sizes,)
        Annotation F at k per size: ``"lr_calibrated"`` and ``"rlr_calibrated"``
        (noisy-tag models calibrated on that many clean images) and ``"lr_clean"``
        (LR trained on only those clean images).
    fit_seconds : dict of str -> float
        Training time per model (noisy and clean fits).

    Examples
    --------
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.experiments import run_split
    >>> X, Y, Z = make_tagged_classification(n_samples=300, n_tags=4, pi=0.4,
    ...                                      random_state=0)
    >>> split = run_split(X, Y, Z, np.arange(200), np.arange(200, 300), n_clean=20,
    ...                   clean_sizes=(10,), k=2)
    >>> sorted(split.models) == sorted(MODEL_NAMES)
    True
    >>> split.pi_learned.shape
    (4,)
    """

    seed: int
    n_train: int
    n_test: int
    n_clean: int
    models: dict
    pi_learned: np.ndarray
    pi_measured: np.ndarray
    pi_correlation: float
    curve_sizes: np.ndarray
    curve_f1: dict
    fit_seconds: dict = field(default_factory=dict)

    def to_dict(self):
        """The split's results as JSON-serialisable Python values (NaN as None)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "models":
                value = {k: m.to_dict() for k, m in value.items()}
            out[f.name] = _plain(value)
        return out

    @classmethod
    def from_dict(cls, data):
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            seed=int(data["seed"]),
            n_train=int(data["n_train"]),
            n_test=int(data["n_test"]),
            n_clean=int(data["n_clean"]),
            models={k: ModelScores.from_dict(v) for k, v in data["models"].items()},
            pi_learned=_floats(data["pi_learned"]),
            pi_measured=_floats(data["pi_measured"]),
            pi_correlation=_float(data["pi_correlation"]),
            curve_sizes=np.asarray(data["curve_sizes"], dtype=np.int64),
            curve_f1={k: _floats(v) for k, v in data["curve_f1"].items()},
            fit_seconds={k: float(v) for k, v in data.get("fit_seconds", {}).items()},
        )


def _mean_std(values):
    values = np.asarray(values, dtype=np.float64)
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    return float(finite.mean()), float(finite.std())


@dataclass
class ComparisonResult:
    """The paper's comparisons repeated over random splits.

    Attributes
    ----------
    splits : list of SplitResult
        One entry per split.
    tag_names : list of str
        Name of each tag (column of Y and Z).
    settings : dict
        How the results were produced (sizes, k, model parameters, data set).

    Examples
    --------
    >>> from skrobust.datasets import make_tagged_classification
    >>> from skrobust.experiments import run_comparison
    >>> X, Y, Z = make_tagged_classification(n_samples=300, n_tags=4, pi=0.4,
    ...                                      random_state=0)
    >>> result = run_comparison(X, Y, Z, n_splits=2, n_clean=20, clean_sizes=(10,), k=2)
    >>> mean, std = result.summary()["rlr"]["annotation_f1"]
    >>> 0 <= mean <= 1 and len(result.splits)
    2
    """

    splits: list
    tag_names: list
    settings: dict

    def summary(self):
        """Mean and standard deviation over splits of every score.

        Returns
        -------
        summary : dict
            ``summary[model][metric] = (mean, std)`` with metrics
            ``annotation_precision``, ``annotation_recall``, ``annotation_f1``,
            ``tag_precision``, ``tag_recall``, ``tag_f1``, ``retrieval_1`` ..
            ``retrieval_3`` and ``mean_auc``; plus ``summary["pi_correlation"]``
            and ``summary["curve"][model] = (mean array, std array)`` over
            ``summary["curve_sizes"]``. The std is the population std over splits
            (0 for one split).
        """
        out = {}
        for name in self.splits[0].models:
            scores = [s.models[name] for s in self.splits]
            metrics = {}
            for key in ("precision", "recall", "f1"):
                metrics[f"annotation_{key}"] = _mean_std([m.annotation[key] for m in scores])
                metrics[f"tag_{key}"] = _mean_std([m.tag_prediction[key] for m in scores])
            for size in scores[0].retrieval:
                metrics[f"retrieval_{size}"] = _mean_std([m.retrieval[size] for m in scores])
            metrics["mean_auc"] = _mean_std([m.mean_auc for m in scores])
            out[name] = metrics
        out["pi_correlation"] = _mean_std([s.pi_correlation for s in self.splits])
        out["curve_sizes"] = self.splits[0].curve_sizes
        out["curve"] = {}
        for name in self.splits[0].curve_f1:
            stacked = np.vstack([s.curve_f1[name] for s in self.splits])
            out["curve"][name] = (np.nanmean(stacked, axis=0), np.nanstd(stacked, axis=0))
        return out

    def to_dict(self):
        """All results and their summary as JSON-serialisable Python values."""
        return {
            "settings": _plain(self.settings),
            "tag_names": list(self.tag_names),
            "summary": _plain(self.summary()),
            "splits": [s.to_dict() for s in self.splits],
        }

    @classmethod
    def from_dict(cls, data):
        """Rebuild from :meth:`to_dict` output (the summary is recomputed)."""
        return cls(
            splits=[SplitResult.from_dict(s) for s in data["splits"]],
            tag_names=list(data["tag_names"]),
            settings=dict(data["settings"]),
        )
