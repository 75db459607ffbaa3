"""What GridSearchCV without ``scoring`` chooses: ``RobustLogisticRegression.score``
(each image's tags ranked by P(true | x)) against ranking them by P(tag | x) (the
score until 2026-12-04), judged by the chosen strength's annotation F@5 against the
manual labels of the test rows.

Run from the repository root (one BLAS thread, as the other quality benchmarks)::

    python benchmarks/quality/grid_search_score.py --dataset mirflickr --splits 8
    python benchmarks/quality/grid_search_score.py --dataset mirflickr12k --splits 2

Per split of the quality benchmark (``_data.load``; features standardised on the
training rows): the test F@5 of the estimator fitted on all training rows at every
point of the grid (alpha 1e-4, 1e-3, 1e-2, 0.1, 1 and "auto"), and which point a
3-fold GridSearchCV on the training tags chooses by either score (both from one
search: the two scores are two metrics of the same folds). The regret is the grid's
best test F@5 minus the chosen point's. Nothing is chosen on test labels; they only
judge the choices. Prints a table, writes ``benchmarks/results/grid_search_score_*.json``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import numpy as np  # noqa: E402
from _common import machine, print_table, save  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import _data  # noqa: E402

GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, "auto"]


def tag_probability_score(model, X, Y):
    """The score before 2026-12-04: mean per-image ROC AUC of the tags ranked by
    P(tag | x) (images with a tag given and one not)."""
    from sklearn.metrics import roc_auc_score

    Y = np.asarray(Y.toarray() if hasattr(Y, "toarray") else Y)
    P = np.asarray(model.predict_tag_proba(X))
    rows = np.flatnonzero((Y.sum(axis=1) > 0) & (Y.sum(axis=1) < Y.shape[1]))
    return float(np.mean([roc_auc_score(Y[i], P[i]) for i in rows])) if len(rows) else 0.5


def run_split(split, pi_method, n_jobs):
    from sklearn.model_selection import GridSearchCV

    from skrobust import RobustLogisticRegression
    from skrobust.metrics import annotation_f1

    a = _data.split_arrays(split)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f1 = {str(alpha): 100 * annotation_f1(a.Z_test, RobustLogisticRegression(
            alpha=alpha, pi_method=pi_method, random_state=0).fit(a.X_train, a.Y_train)
            .predict_proba(a.X_test), k=5) for alpha in GRID}
        search = GridSearchCV(
            RobustLogisticRegression(pi_method=pi_method, random_state=0), {"alpha": GRID},
            scoring={"score": lambda m, X, Y: m.score(X, Y), "p_tag": tag_probability_score},
            refit=False, cv=3, n_jobs=n_jobs).fit(a.X_train, a.Y_train)
    best = max(f1.values())
    out = {"name": split.name, "pi_method": pi_method, "test_f1": f1}
    for metric in ("score", "p_tag"):
        chosen = str(search.cv_results_["params"][
            int(np.argmax(search.cv_results_[f"mean_test_{metric}"]))]["alpha"])
        out[f"chosen_by_{metric}"] = chosen
        out[f"regret_{metric}"] = best - f1[chosen]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("mirflickr", "mirflickr12k"), default="mirflickr")
    parser.add_argument("--splits", type=int, default=8)
    parser.add_argument("--pi-methods", nargs="+", default=["auto", "em"])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    splits = _data.load(args.dataset, args.splits)
    rows = []
    with threadpool_limits(1):
        for pi_method in args.pi_methods:
            for split in splits:
                rows.append(run_split(split, pi_method, args.n_jobs))
                print(rows[-1], flush=True)
    summary = []
    for pi_method in args.pi_methods:
        mine = [r for r in rows if r["pi_method"] == pi_method]
        for metric in ("score", "p_tag"):
            regret = np.array([r[f"regret_{metric}"] for r in mine])
            summary.append({"pi_method": pi_method, "ranked by": {
                "score": "P(true | x) (score)", "p_tag": "P(tag | x) (before)"}[metric],
                "mean regret F@5": round(float(regret.mean()), 2),
                "max": round(float(regret.max()), 2),
                "within 2": f"{int(np.sum(regret <= 2))}/{len(regret)}"})
    print_table(summary, list(summary[0]))
    info = machine()
    print(f"CPU {info.get('cpu_model')}, BLAS kernel {info.get('blas_kernel')}")
    save(f"grid_search_score_{args.dataset}", dict(summary=summary, splits=rows,
                                                     seconds=time.perf_counter() - started))


if __name__ == "__main__":
    main()
