"""Scores of one fitted model on a test split against the clean labels, and paired
differences across splits."""

import numpy as np
from scipy import stats

from skrobust.metrics import annotation_scores, retrieval_precision

from _contenders import mean_auc

CLIP = 1e-7
#: Retrieval queries per size at most (drawn with a fixed seed): with 24 tags every
#: triple is kept (2,024); Corel16k's ~150 labels would give ~500k triples.
MAX_QUERIES = 3000
#: The metrics the summary tables show (key, label, higher is better); k is 5, 2 on
#: MULAN scene (run_quality.annotation_k).
HEADLINE = (
    ("annotation_f1", "F@k", True),
    ("annotation_precision", "P@k", True),
    ("annotation_recall", "R@k", True),
    ("retrieval_1", "ret P@5 1", True),
    ("retrieval_2", "ret P@5 2", True),
    ("retrieval_3", "ret P@5 3", True),
    ("mean_auc", "AUC", True),
    ("log_loss", "logloss", False),
    ("brier", "Brier", False),
)


def pi_errors(pi_hat, pi_ref):
    """max |error|, mean |error| and Pearson r of pi_hat against pi_ref (NaN tags
    of pi_ref, i.e. no positive image, left out)."""
    pi_hat = np.asarray(pi_hat, dtype=np.float64).ravel()
    pi_ref = np.asarray(pi_ref, dtype=np.float64).ravel()
    ok = np.isfinite(pi_ref) & np.isfinite(pi_hat)
    err = np.abs(pi_hat[ok] - pi_ref[ok])
    r = float("nan")
    if ok.sum() > 1 and np.ptp(pi_hat[ok]) > 0 and np.ptp(pi_ref[ok]) > 0:
        r = float(np.corrcoef(pi_hat[ok], pi_ref[ok])[0, 1])
    return {
        "pi_max_abs_error": float(err.max()) if err.size else float("nan"),
        "pi_mean_abs_error": float(err.mean()) if err.size else float("nan"),
        "pi_pearson_r": r,
    }


def score(model, X_test, Z_test, *, pi_ref=None, k=5, query_sizes=(1, 2, 3)):
    """All scores of ``model`` on (X_test, Z_test).

    Parameters
    ----------
    model : fitted model with ``predict_proba`` (n, n_tags) = P(true label | x)
    X_test : ndarray
    Z_test : ndarray of shape (n, n_tags)
        Clean 0/1 labels.
    pi_ref : ndarray of shape (n_tags,), default=None
        Reference tagging rate per tag (simulated true pi, or measured on the
        training split); pi errors are computed when the model has ``pi_``.

    Returns
    -------
    dict of str -> float
    """
    proba = np.asarray(model.predict_proba(X_test), dtype=np.float64)
    if proba.shape != Z_test.shape:
        raise ValueError(f"predict_proba gave {proba.shape}, expected {Z_test.shape}.")
    if not np.all((proba >= 0) & (proba <= 1)):
        raise ValueError("predict_proba returned values outside [0, 1].")
    Z = np.asarray(Z_test, dtype=np.int8)
    k = min(k, Z.shape[1])
    ann = annotation_scores(Z, proba, k=k)
    sizes = tuple(s for s in query_sizes if s <= Z.shape[1])
    ret = retrieval_precision(
        Z, proba, k=min(k, Z.shape[0]), query_sizes=sizes, max_queries=MAX_QUERIES,
        random_state=0,
    )
    p = np.clip(proba, CLIP, 1 - CLIP)
    out = {
        "annotation_precision": float(ann.precision),
        "annotation_recall": float(ann.recall),
        "annotation_f1": float(ann.f1),
        **{f"retrieval_{s}": float(v) for s, v in ret.precision.items()},
        "mean_auc": mean_auc(Z, proba),
        "log_loss": float(-np.mean(Z * np.log(p) + (1 - Z) * np.log1p(-p))),
        "brier": float(np.mean((proba - Z) ** 2)),
    }
    if pi_ref is not None and getattr(model, "pi_", None) is not None:
        out.update(pi_errors(np.asarray(model.pi_), pi_ref))
    return out


def mean_ci(values, level=0.95):
    """Mean and half-width of its t-interval (NaN half-width for fewer than 2)."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return float("nan"), float("nan")
    if v.size == 1:
        return float(v[0]), float("nan")
    half = stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(half)


def paired_differences(per_split, contender, reference, metric):
    """Per-split (contender - reference) of ``metric`` over the splits both have.

    ``per_split`` is a list (one per split) of {model name: {metric: value}}.
    Returns the mean, the 95% t half-width, the number of pairs and how many of them
    favour the contender.
    """
    diffs = [
        s[contender][metric] - s[reference][metric]
        for s in per_split
        if contender in s and reference in s
        and metric in s[contender] and metric in s[reference]
    ]
    mean, half = mean_ci(diffs)
    return {"mean": mean, "ci95": half, "n": len(diffs), "diffs": diffs}
