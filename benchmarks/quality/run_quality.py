"""Quality benchmark: contenders trained on NOISY tags, scored against CLEAN labels.

Run from the repository root, as a plain script (it puts its own folder on sys.path
to import its sibling modules ``_data``, ``_contenders``, ``_scores``, ``_head``)::

    .venv/bin/python benchmarks/quality/run_quality.py --dataset mirflickr --quick
    .venv/bin/python benchmarks/quality/run_quality.py --dataset scene --omission image \\
        --contenders lr_balanced,rlr_default --n-splits 10 --n-jobs 2
    .venv/bin/python benchmarks/quality/run_quality.py --contenders lr_balanced \\
        --rlr 'rlr_30_epochs={"max_iter": 30}'      # any RobustLogisticRegression setting
        --rlr-cv 'cv_lbfgs={"solver": "lbfgs"}'      # any RobustLogisticRegressionCV one

For every split and contender: fit on the training images' noisy tags (``lr_clean``:
on their clean labels, the ceiling), score on the test images against their clean
labels, then calibrate one intercept per tag on the split's clean images
(``skrobust.InterceptCalibrator(model).fit(X_clean, Z_clean)``, defaults) and score
again ("+cal" rows). Prints mean +- std over splits and paired differences against
``lr_balanced`` and ``lr`` (mean with 95% t-interval, and how many splits favour the
contender), and writes everything to ``benchmarks/results/quality_<dataset>.json``.

Each split runs with BLAS limited to one thread (``threadpoolctl``): the full-batch
L-BFGS heads are dominated by small GEMMs and L-BFGS vector work, which get *slower*
with threads on a shared 2-core machine; ``--n-jobs 2`` runs two splits at once.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Its siblings, and benchmarks/_common.py (shared by every benchmark) one level up.
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import _data  # noqa: E402
import _scores  # noqa: E402
from _contenders import C_GRID, CONTENDERS, Skipped, rlr_contender  # noqa: E402

RESULTS_DIR = HERE.parent / "results"
REFERENCES = ("lr_balanced", "lr")
#: Data sets with real user tags (no simulated omission).
REAL_TAGS = ("mirflickr", "mirflickr12k")
DEFAULT_CONTENDERS = (
    "lr", "lr_balanced", "elkan_noto", "wan", "epr", "em", "llr", "lr_clean",
    "rlr_default", "rlr_early", "rlr_cv",
)


# ---------------------------------------------------------------------- one split


def annotation_k(split):
    """Top 5, as the paper; 2 on MULAN scene, whose 6 labels (1.07 per image) would
    put almost every label in every top 5 and make annotation F@5 equal for all."""
    return 2 if split.Z.shape[1] < 10 else 5


def calibrate(model, X_clean, Z_clean):
    """InterceptCalibrator on the clean images, defaults. Tags whose clean labels are
    one class (common with 50 images) make it warn per call; expected here."""
    from skrobust import InterceptCalibrator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return InterceptCalibrator(model).fit(X_clean, Z_clean)


def run_split(split, contenders, *, seed=None, standardize=True, verbose=True):
    """Fit, calibrate and score every contender on one split.

    Parameters
    ----------
    split : Bunch
        As made by ``_data`` (X, Y, Z, train, test, clean, true_pi, name).
    contenders : list of str
        Names in ``_contenders.CONTENDERS``.
    seed : int, default=None
        Seed passed to the contenders (default: the split's position, from its name).
    standardize : bool, default=True
        Standardize features on the training rows.

    Returns
    -------
    dict with ``name``, ``scores`` ({model: {metric: value}}, calibrated models as
    "<name>+cal"), ``fit_seconds``, ``calibrate_seconds``, ``chosen_C``, ``pi``
    (estimates and reference), ``skipped`` ({name: reason}).
    """
    if seed is None:
        seed = int(str(split.name).rsplit("/", 1)[-1]) if "/" in str(split.name) else 0
    from skrobust.experiments import measured_pi

    a = _data.split_arrays(split, standardize=standardize)
    pi_ref = split.true_pi if split.true_pi is not None else measured_pi(a.Y_train, a.Z_train)
    out = {
        "name": split.name, "seed": int(seed), "n_train": len(split.train),
        "n_test": len(split.test), "n_clean": len(split.clean), "n_tags": a.Z_test.shape[1],
        "pi_reference": np.asarray(pi_ref, dtype=float).tolist(),
        "pi_reference_kind": "simulated" if split.true_pi is not None else "measured_on_train",
        "scores": {}, "fit_seconds": {}, "calibrate_seconds": {}, "chosen_C": {},
        "chosen_alpha": {},
        "pi": {}, "skipped": {}, "warnings": {},
    }
    with threadpool_limits(1):
        for name in contenders:
            spec = CONTENDERS[name]
            target = a.Z_train if spec.target == "clean" else a.Y_train
            extra = (
                {"X_clean": a.X_clean, "Z_clean": a.Z_clean, "Y_clean": a.Y_clean}
                if spec.uses_clean else {}
            )
            if spec.uses_effort:
                counts = getattr(split, "n_tags", None)
                extra["tag_effort"] = None if counts is None else counts[split.train]
            start = time.perf_counter()
            try:
                # Recorded, not printed: e.g. RLR's ConvergenceWarning at max_iter.
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    model = spec.fit(a.X_train, target, seed=seed, **extra)
            except Skipped as exc:
                out["skipped"][name] = str(exc)
                continue
            out["fit_seconds"][name] = time.perf_counter() - start
            if caught:
                out["warnings"][name] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
            out["scores"][name] = _scores.score(model, a.X_test, a.Z_test, pi_ref=pi_ref,
                                                k=annotation_k(split))
            tuned = hasattr(model, "cv_auc_") or hasattr(model, "clean_f1_")
            if getattr(model, "C", None) is not None and tuned:
                out["chosen_C"][name] = float(model.C)
                if model.C in (min(C_GRID), max(C_GRID)):
                    out["warnings"].setdefault(name, []).append(
                        f"C={model.C:g} is at the edge of the grid: widen C_GRID")
            if isinstance(getattr(model, "alpha_", None), float):
                out["chosen_alpha"][name] = model.alpha_
            if getattr(model, "pi_", None) is not None:
                out["pi"][name] = np.asarray(model.pi_, dtype=float).tolist()
            start = time.perf_counter()
            calibrated = calibrate(model, a.X_clean, a.Z_clean)
            out["calibrate_seconds"][name] = time.perf_counter() - start
            out["scores"][f"{name}+cal"] = _scores.score(calibrated, a.X_test, a.Z_test,
                                                         k=annotation_k(split))
            if verbose:
                s = out["scores"][name]
                print(f"  {split.name:>18} {name:>12}: F@k {100 * s['annotation_f1']:5.1f} "
                      f"AUC {s['mean_auc']:.3f}  fit {out['fit_seconds'][name]:6.1f} s",
                      flush=True)
    return out


def run(splits, contenders, *, n_jobs=1, verbose=True):
    """run_split over all splits (joblib, at most ``n_jobs`` at once)."""
    if n_jobs == 1:
        return [run_split(s, contenders, verbose=verbose) for s in splits]
    from joblib import Parallel, delayed

    # Worker processes import the sibling modules by name: give them this folder.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(HERE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    return Parallel(n_jobs=n_jobs)(
        delayed(run_split)(s, contenders, verbose=verbose) for s in splits
    )


# ---------------------------------------------------------------------- summaries


def model_names(results):
    names = []
    for r in results:
        for name in r["scores"]:
            if name not in names:
                names.append(name)
    return names


def summarize(results):
    """Mean/std per model and metric, paired differences against the references."""
    per_split = [r["scores"] for r in results]
    names = model_names(results)
    metrics = [m for m, _, _ in _scores.HEADLINE] + [
        "pi_max_abs_error", "pi_mean_abs_error", "pi_pearson_r"
    ]
    table = {}
    for name in names:
        row = {}
        for m in metrics:
            vals = [s[name][m] for s in per_split if name in s and m in s[name]]
            vals = [v for v in vals if np.isfinite(v)]
            if vals:
                row[m] = {"mean": float(np.mean(vals)),
                          "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else float("nan"),
                          "n": len(vals)}
        base = name.split("+")[0]
        secs = [r["fit_seconds"][base] for r in results if base in r["fit_seconds"]]
        row["fit_seconds"] = {"mean": float(np.mean(secs)), "per_split": secs} if secs else {}
        table[name] = row
    diffs = {}
    for ref in REFERENCES:
        for name in names:
            cal = name.endswith("+cal")
            ref_name = f"{ref}+cal" if cal else ref
            if name == ref_name or ref_name not in names:
                continue
            diffs[f"{name} - {ref_name}"] = {
                m: _scores.paired_differences(per_split, name, ref_name, m)
                for m, _, _ in _scores.HEADLINE
            }
    skipped, warned = {}, {}
    for r in results:
        skipped.update(r["skipped"])
        for name, messages in r["warnings"].items():
            warned.setdefault(name, {}).update(dict.fromkeys(messages))
    warned = {name: list(m) for name, m in warned.items()}
    return {"table": table, "paired_differences": diffs, "skipped": skipped,
            "warnings": warned}


def _pct(metric):
    return metric.startswith(("annotation", "retrieval"))


def _fmt(metric, value):
    if value is None or not np.isfinite(value):  # None: NaN read back from JSON
        return "nan"
    if _pct(metric):
        return f"{100 * value:.1f}"
    if metric in ("log_loss", "brier"):
        return f"{value:.4f}"
    return f"{value:.3f}"


def print_summary(dataset, summary):
    """Plain fixed-width tables."""
    table = summary["table"]
    cols = [(m, label) for m, label, _ in _scores.HEADLINE] + [
        ("pi_mean_abs_error", "pi |err|"), ("pi_pearson_r", "pi r")
    ]
    print(f"\n=== {dataset}: mean +- std over splits (annotation/retrieval in %) ===")
    header = ["model"] + [label for _, label in cols] + ["fit s"]
    rows = []
    for name, row in table.items():
        cells = [name]
        for m, _ in cols:
            if m in row:
                cells.append(f"{_fmt(m, row[m]['mean'])}+-{_fmt(m, row[m]['std'])}")
            else:
                cells.append("")
        cells.append(f"{row['fit_seconds']['mean']:.1f}" if row["fit_seconds"] and not name.endswith("+cal") else "")
        rows.append(cells)
    _print_rows(header, rows)
    shown = ("annotation_f1", "retrieval_1", "retrieval_2", "mean_auc", "log_loss")
    labels = dict((m, label) for m, label, _ in _scores.HEADLINE)
    print(f"\n=== {dataset}: paired differences, contender - reference "
          "(mean +- 95% t half-width [splits favouring the contender / splits]) ===")
    header = ["contender - reference"] + [labels[m] for m in shown]
    rows = []
    higher = dict((m, h) for m, _, h in _scores.HEADLINE)
    for pair, per_metric in summary["paired_differences"].items():
        cells = [pair]
        for m in shown:
            d = per_metric[m]
            if d["n"] == 0:
                cells.append("")
                continue
            wins = sum((x > 0) if higher[m] else (x < 0) for x in d["diffs"])
            scale = 100 if _pct(m) else 1
            digits = 1 if _pct(m) else (4 if m == "log_loss" else 3)
            half = (float("nan") if d["ci95"] is None else d["ci95"]) * scale
            cells.append(f"{d['mean'] * scale:+.{digits}f}+-{half:.{digits}f} [{wins}/{d['n']}]")
        rows.append(cells)
    _print_rows(header, rows)
    for name, reason in summary["skipped"].items():
        print(f"skipped {name}: {reason}")
    for name, messages in summary.get("warnings", {}).items():
        for message in messages:
            print(f"warning during fit of {name}: {message[:160]}")


def _print_rows(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


# ---------------------------------------------------------------------- machine


def machine_info():
    """What the numbers were measured on: the benchmarks' shared record (CPU model,
    BLAS libraries and kernel, OPENBLAS_CORETYPE), plus library versions."""
    info = machine()
    import scipy
    import sklearn

    import skrobust

    info["versions"] = {"numpy": np.__version__, "scipy": scipy.__version__,
                        "sklearn": sklearn.__version__,
                        "skrobust": getattr(skrobust, "__version__", None)}
    return info


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# ---------------------------------------------------------------------- CLI


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="mirflickr",
                        choices=["mirflickr", "mirflickr12k", "scene", "corel16k", "all"])
    parser.add_argument("--omission", default="random", choices=["random", "image", "both"],
                        help="simulated tag omission for scene/corel16k")
    parser.add_argument("--n-splits", type=int, default=None,
                        help="default: 20 mirflickr, 10 scene, 10 corel16k")
    parser.add_argument("--contenders", default=",".join(DEFAULT_CONTENDERS),
                        help="comma-separated names from: " + ",".join(CONTENDERS))
    parser.add_argument("--rlr", action="append", default=[], metavar="NAME=JSON",
                        help='an extra contender RobustLogisticRegression(**JSON), e.g. '
                             '--rlr \'a1e-3={"alpha": 0.001}\' (repeatable)')
    parser.add_argument("--rlr-cv", action="append", default=[], metavar="NAME=JSON",
                        help="the same for RobustLogisticRegressionCV(**JSON)")
    parser.add_argument("--effort", action="store_true",
                        help="add rlr_effort (tag_effort = each image's tag count; "
                             "mirflickr12k only, skipped elsewhere)")
    parser.add_argument("--quick", action="store_true", help="3 splits (smoke run)")
    parser.add_argument("--n-jobs", type=int, default=1, help="splits in parallel (<= 2 here)")
    parser.add_argument("--output", default=None,
                        help="result file name in benchmarks/results (default quality_<dataset>.json)")
    args = parser.parse_args(argv)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    for spec, cv in [(spec, False) for spec in args.rlr] + [(spec, True) for spec in args.rlr_cv]:
        option = "--rlr-cv" if cv else "--rlr"
        name, _, params = spec.partition("=")
        try:
            params = json.loads(params)
        except json.JSONDecodeError as exc:
            parser.error(f"{option} {spec!r}: the part after '=' is not JSON ({exc})")
        if not name or name in CONTENDERS or not isinstance(params, dict):
            parser.error(f"{option} {spec!r}: expected NEW_NAME={{\"param\": value, ...}}")
        try:
            CONTENDERS[name] = rlr_contender(params, cv=cv)
        except (TypeError, ValueError) as exc:
            parser.error(f"{option} {spec!r}: {exc}")
        args.contenders.append(name)
    if args.effort and "rlr_effort" not in args.contenders:
        args.contenders.append("rlr_effort")
    unknown = [c for c in args.contenders if c not in CONTENDERS]
    if unknown:
        parser.error(f"unknown contenders {unknown}; known: {sorted(CONTENDERS)}")
    if args.quick:
        args.n_splits = 3
    return args


def main(argv=None):
    args = parse_args(argv)
    datasets = (["mirflickr", "mirflickr12k", "scene", "corel16k"] if args.dataset == "all"
                else [args.dataset])
    omissions = ["random", "image"] if args.omission == "both" else [args.omission]
    report = {
        "command": " ".join([sys.executable] + sys.argv) if argv is None else " ".join(argv),
        "machine": machine_info(),
        "contenders": {c: CONTENDERS[c].note for c in args.contenders},
        "datasets": {},
    }
    start = time.perf_counter()
    for name in datasets:
        real_tags = name in REAL_TAGS
        for omission in (["real"] if real_tags else omissions):
            label = name if real_tags else f"{name}-{omission}"
            splits = _data.load(name, args.n_splits, omission)
            print(f"\n{label}: {len(splits)} splits, contenders {args.contenders}", flush=True)
            results = run(splits, args.contenders, n_jobs=args.n_jobs)
            summary = summarize(results)
            print_summary(label, summary)
            report["datasets"][label] = {"splits": results, "summary": summary}
    report["total_seconds"] = time.perf_counter() - start
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = args.output or f"quality_{args.dataset}.json"
    if not out.endswith(".json"):
        out += ".json"
    path = RESULTS_DIR / out
    path.write_text(json.dumps(_jsonable(report), indent=1) + "\n")
    print(f"\nwrote {path} ({report['total_seconds']:.0f} s)")
    return report


if __name__ == "__main__":
    main()
