"""Tagging effort on the real at-scale set: effort-blind vs effort-aware robust LR.

Run from the repository root (one thread, as the other quality benchmarks)::

    python benchmarks/quality/effort_study.py --splits 0 1 2

On ``load_mirflickr12k`` (12,541 MIRFLICKR photos, CNN features, the 24 concepts'
user tags Y and manual labels Z; 70/30 splits seeded 0, 1, 2; features standardized
on the training rows), per split:

* ``rlr``: ``RobustLogisticRegression(random_state=seed)`` (defaults: alpha="auto"),
  trained on Y; ``rlr_effort``: the same with ``tag_effort`` = each training image's
  count of vocabulary tags (``split.n_tags``, over the whole vocabulary, not only the
  24 concepts), binned by the default ``effort_bins`` (0-2, 3-5, 6-10, 11-20, 21+),
  its rates per bin read off the cross-fit before training (``pi_method="auto"``);
  ``rlr_effort_em``: the same with the rates learned by EM (``pi_method="em"``);
  ``rlr_effort_own``: ``effort="other_tags"`` with the same counts, so that a tag's
  effort is the image's other tags (``n_tags - y_it``: a tag never counts towards
  its own effort); ``rlr_effort_other``: ``tag_effort`` = the count of the image's
  tags that are not among the 24 modelled concept tags (``n_tags - Y.sum(axis=1)``,
  clipped at 0), the same for all its tags;
* ``lr``: the benchmark's balanced L2 LR per tag on Y (``class_weight="balanced"``'s
  objective, solved by the benchmark's L-BFGS head as ``lr_balanced`` of
  run_quality), C by inner 3-fold CV of the mean per-tag AUC on the training tags,
  over ``C_GRID`` (logspace(-7, 2, 10); the choice is printed and flagged at an edge).

Scores: (a) pi per (effort bin, tag) against pi measured on the training rows of that
bin (``measured_pi(Y, Z)``; cells without a positive left out; bins of the model's own
effort count, the blind model's one pi per tag against every bin of ``n_tags``): mean
absolute error over cells, the same weighted by each cell's clean positives, and per
bin; (b) annotation F@5 and mean per-tag AUC against Z on the
test rows, ranking by P(z | x); (c) tag prediction F@5 against the test rows' user
tags Y, ranking by P(y | x) (``predict_tag_proba``; with the test rows' tag counts for
``rlr_effort``; LR's own P(y | x)), the mean per-tag AUC of the same scores against
Y (ranking images per tag), and for RLR the held-out observed-data log-likelihood of
the test tags per image and tag (``score``; balanced LR's probabilities are not
meant as tag probabilities, so none for LR). Test images' counts include the concept
tags being predicted, as an uploader's tag count would at scoring time.

``--lr-from FILE`` takes the ``lr`` results of the same splits from an earlier run's
JSON instead of refitting it (its inner CV takes about 8 minutes a split).

Prints a table and writes ``benchmarks/results/effort_mirflickr12k.json``.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import _data  # noqa: E402
from _contenders import C_GRID, _train_reduced, train_balanced, tune_C  # noqa: E402
from _head import sigmoid  # noqa: E402

from skrobust import RobustLogisticRegression  # noqa: E402
from skrobust.experiments import measured_pi  # noqa: E402
from skrobust.linear_model._effort import DEFAULT_EFFORT_BINS, bin_index  # noqa: E402
from skrobust.metrics import annotation_scores, tag_prediction_scores  # noqa: E402
from skrobust.metrics._utils import mean_tag_auc  # noqa: E402

RESULTS = HERE.parent / "results" / "effort_mirflickr12k.json"
BIN_NAMES = ["0-2", "3-5", "6-10", "11-20", "21+"]
MODELS = ("rlr", "rlr_effort", "rlr_effort_em", "rlr_effort_own", "rlr_effort_other", "lr")


def pi_table(Y, Z, bins, n_bins):
    """Measured pi per (bin, tag) and the positives behind each cell; ``bins`` per
    row (n,) or per entry (n, n_tags)."""
    pi = np.full((n_bins, Y.shape[1]), np.nan)
    positives = np.zeros((n_bins, Y.shape[1]), dtype=np.int64)
    for k in range(n_bins):
        if bins.ndim == 1:  # the rows of bin k
            rows = bins == k
            if rows.any():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    pi[k] = measured_pi(Y[rows], Z[rows])
                positives[k] = Z[rows].sum(axis=0)
            continue
        inside = bins == k  # the same per entry
        positives[k] = (Z * inside).sum(axis=0)
        tagged = (Y * Z * inside).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            pi[k] = np.where(positives[k] > 0, tagged / positives[k], np.nan)
    return pi, positives


def pi_errors(pi_cells, measured, positives):
    error = np.abs(pi_cells - measured)
    known = np.isfinite(error)
    # How far the measured rates themselves sit from the truth: a cell measured on n
    # positives is a binomial proportion, off by sqrt(2 p (1 - p) / (pi n)) on
    # average. No estimate can be expected to come closer to the measured cells.
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = np.sqrt(2 * measured * (1 - measured) / (np.pi * positives))
    return {
        "reference_noise": float(np.nanmean(np.where(known, noise, np.nan))),
        "mean_abs_error": float(np.nanmean(error)),
        "weighted_abs_error": float(np.sum(error[known] * positives[known])
                                    / np.sum(positives[known])),
        "per_bin": [float(np.nanmean(e)) if np.isfinite(e).any() else None for e in error],
    }


def scores(p_true, p_tag, Z_test, Y_test):
    return {
        "annotation_f5": 100 * float(annotation_scores(Z_test, p_true, k=5).f1),
        "auc": float(mean_tag_auc(Z_test, p_true)),
        "tag_prediction_f5": 100 * float(tag_prediction_scores(Y_test, p_tag, k=5).f1),
        "tag_auc": float(mean_tag_auc(Y_test, p_tag)),
    }


def fit_rlr(seed, X_train, Y_train, X_test, Y_test, Z_test, measured, positives,
            effort_train=None, effort_test=None, effort="given", pi_method="auto"):
    started = time.perf_counter()
    model = RobustLogisticRegression(random_state=seed, effort=effort, pi_method=pi_method).fit(
        X_train, Y_train, tag_effort=effort_train)
    seconds = time.perf_counter() - started
    cells = model.pi_effort_ if effort_train is not None else np.broadcast_to(
        model.pi_, measured.shape)
    out = {
        **scores(model.predict_proba(X_test),
                 model.predict_tag_proba(X_test, tag_effort=effort_test), Z_test, Y_test),
        **pi_errors(cells, measured, positives),
        # The tags' held-out log-likelihood per image and tag (score is a ranking).
        "tag_loglik": float(model.tag_log_likelihood(X_test, Y_test, tag_effort=effort_test)
                            .sum()) / Y_test.size,
        "alpha": model.alpha_, "fit_seconds": seconds, "pi": model.pi_.tolist(),
    }
    if effort_train is not None:
        out["pi_effort"] = model.pi_effort_.tolist()
        out["tag_prediction_f5_without_test_effort"] = 100 * float(tag_prediction_scores(
            Y_test, model.predict_tag_proba(X_test), k=5).f1)
    return out


def run_split(split, n_folds, lr=None):
    X, Y, Z = split.X, split.Y, split.Z
    train, test = split.train, split.test
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0
    X_train = ((X[train] - mean) / std).astype(np.float32)
    X_test = ((X[test] - mean) / std).astype(np.float32)
    Y_train, Z_train, Y_test, Z_test = Y[train], Z[train], Y[test], Z[test]
    effort_train, effort_test = split.n_tags[train], split.n_tags[test]
    n_bins = len(DEFAULT_EFFORT_BINS) + 1
    bins_train = bin_index(effort_train, DEFAULT_EFFORT_BINS)
    measured, positives = pi_table(Y_train, Z_train, bins_train, n_bins)
    seed = int(split.name.rsplit("/", 1)[1])
    out = {"name": split.name, "measured_pi": measured.tolist(),
           "positives": positives.tolist(),
           "bin_sizes": np.bincount(bins_train, minlength=n_bins).tolist()}

    common = (seed, X_train, Y_train, X_test, Y_test, Z_test)
    out["rlr"] = fit_rlr(*common, measured, positives)
    out["rlr_effort"] = fit_rlr(*common, measured, positives, effort_train, effort_test)
    out["rlr_effort_em"] = fit_rlr(*common, measured, positives, effort_train, effort_test,
                                   pi_method="em")
    own = bin_index(effort_train[:, None] - Y_train, DEFAULT_EFFORT_BINS)
    measured_own, positives_own = pi_table(Y_train, Z_train, own, n_bins)
    out["measured_pi_own"] = measured_own.tolist()
    # Scored with each test image's full count: predict_tag_proba then takes it as
    # the other tags of every tag (exact for the untagged ones, one high for tagged).
    out["rlr_effort_own"] = fit_rlr(*common, measured_own, positives_own, effort_train,
                                    effort_test, effort="other_tags")
    other_train = np.maximum(effort_train - Y_train.sum(axis=1), 0)
    other_test = np.maximum(effort_test - Y_test.sum(axis=1), 0)
    measured_other, positives_other = pi_table(
        Y_train, Z_train, bin_index(other_train, DEFAULT_EFFORT_BINS), n_bins)
    out["measured_pi_other"] = measured_other.tolist()
    out["rlr_effort_other"] = fit_rlr(*common, measured_other, positives_other,
                                      other_train, other_test)
    if lr is not None:
        out["lr"] = lr
        return out
    started = time.perf_counter()
    X64 = X_train.astype(np.float64)
    C, cv_auc, _ = tune_C(train_balanced, X64, Y_train.astype(np.float64), seed=seed,
                          n_folds=n_folds)
    coef, intercept = _train_reduced(train_balanced, X64, Y_train.astype(np.float64), C)
    seconds = time.perf_counter() - started
    p = sigmoid(X_test.astype(np.float64) @ coef.T + intercept)
    out["lr"] = {**scores(p, p, Z_test, Y_test), "C": C, "cv_auc": cv_auc.tolist(),
                 "C_at_edge": bool(C in (C_GRID.min(), C_GRID.max())),
                 "fit_seconds": seconds}
    return out


def summary(results):
    rows = []
    for name in MODELS:
        per = [r[name] for r in results]
        row = {"model": name}
        for key in ("reference_noise", "mean_abs_error", "weighted_abs_error",
                    "annotation_f5", "auc",
                    "tag_prediction_f5", "tag_auc", "tag_loglik", "fit_seconds"):
            if all(key in p for p in per):
                row[key] = float(np.mean([p[key] for p in per]))
        if "per_bin" in per[0]:
            row["per_bin"] = np.nanmean(
                np.array([[np.nan if v is None else v for v in p["per_bin"]] for p in per]),
                axis=0).tolist()
        rows.append(row)
    return rows


def print_table(rows, n_splits):
    print(f"\nMIRFLICKR 12,541 photos, {n_splits} splits (means)")
    head = ("model", "ref noise", "pi err", "weighted", *(f"err {b}" for b in BIN_NAMES), "ann F@5",
            "AUC", "tag F@5", "tag AUC", "tag loglik", "fit s")
    print(f"{head[0]:>16} | " + " | ".join(f"{h:>8}" for h in head[1:]))
    for row in rows:
        cells = [row["model"]]
        cells += [f"{row[k]:.3f}" if k in row else "" for k in (
            "reference_noise", "mean_abs_error", "weighted_abs_error")]
        cells += ([f"{v:.3f}" for v in row["per_bin"]] if "per_bin" in row else [""] * 5)
        cells += [f"{row[key]:{form}}" if key in row else "" for key, form in (
            ("annotation_f5", ".1f"), ("auc", ".3f"), ("tag_prediction_f5", ".1f"),
            ("tag_auc", ".3f"), ("tag_loglik", ".4f"), ("fit_seconds", ".1f"))]
        print(f"{cells[0]:>16} | " + " | ".join(f"{c:>8}" for c in cells[1:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=3, help="inner CV folds of LR's C")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--lr-from", type=Path, default=None,
                        help="reuse the lr results of these splits from an earlier JSON")
    args = parser.parse_args(argv)
    earlier = {}
    if args.lr_from is not None:
        earlier = {r["name"]: r["lr"] for r in json.loads(args.lr_from.read_text())["splits"]}
    started = time.perf_counter()
    splits = _data.load_mirflickr12k(n_splits=max(args.splits) + 1)
    results = []
    with threadpool_limits(1):
        for s in args.splits:
            result = run_split(splits[s], args.folds, lr=earlier.get(splits[s].name))
            results.append(result)
            print(json.dumps({k: {m: v for m, v in result[k].items()
                                  if m in ("annotation_f5", "auc", "tag_prediction_f5",
                                           "mean_abs_error", "alpha", "C", "fit_seconds")}
                              for k in MODELS}), flush=True)
    rows = summary(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "command": "python benchmarks/quality/effort_study.py " + " ".join(sys.argv[1:]),
        "machine": machine(), "effort_bins": list(DEFAULT_EFFORT_BINS),
        "lr_from": None if args.lr_from is None else str(args.lr_from),
        "summary": rows, "splits": results,
        "total_seconds": time.perf_counter() - started,
    }, indent=1))
    print_table(rows, len(results))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
