"""Command line: ``python -m skrobust demo`` (or the ``skrobust`` console script).

``demo`` reproduces the paper's evaluation (Izadinia et al., "Image Classification and
Retrieval from User-Supplied Tags") on real photos: LR and robust LR trained on user
tags, with and without intercept calibration on a few clean labels, against LR
trained on clean labels, over random splits. It prints the paper's Tables 2-4 and
writes figures and a JSON of every number to ``--output``.
"""

import argparse
import os
import sys
import time
from pathlib import Path

DATASETS = ("mirflickr-subset", "mirflickr25k", "mulan-scene")
# Retrieval-grid queries, in order of preference; those with no relevant test image
# are skipped.
GRID_QUERIES = (("sky",), ("flower",), ("dog",), ("sky", "clouds"), ("sea", "sky"),
                ("people", "portrait"), ("sky", "clouds", "sunset"))


class _Progress:
    """One line per stage, with the time since the start."""

    def __init__(self, quiet=False):
        self.start = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message):
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f} s] {message}", flush=True)


def _load(args, progress):
    from skrobust import _demo_data as data

    if args.dataset == "mirflickr-subset":
        bunch = data.load_mirflickr_subset_demo(args.concept_map, args.photos_dir)
    else:
        data_dir = args.data_dir or data.default_data_dir(args.dataset)
        if data_dir is None:
            raise data.DemoDataError(
                f"--dataset {args.dataset} needs --data-dir (its folder of files).")
        if args.dataset == "mirflickr25k":
            bunch = data.load_mirflickr25k_demo(data_dir, args.features, args.concept_map)
        else:
            bunch = data.load_scene_demo(data_dir, seed=args.seed)
    progress(f"loaded {bunch.name}: {bunch.X.shape[0]} images, {bunch.X.shape[1]} "
             f"features, {bunch.Z.shape[1]} labels; "
             f"{bunch.Y.sum(axis=1).mean():.2f} noisy tags and "
             f"{bunch.Z.sum(axis=1).mean():.2f} true labels per image")
    for note in bunch.notes:
        print(f"note: {note}")
    return bunch


def _retrieval_figure(path, bunch, result, args, progress):
    """Retrain split 0's calibrated RLR and show its top test photos per query."""
    import numpy as np
    from sklearn.model_selection import ShuffleSplit
    from sklearn.preprocessing import StandardScaler

    from skrobust._demo_report import figure_retrieval
    from skrobust.experiments import _calibrate, make_model

    split = result.splits[0]
    # The split's exact training set: the same splitter and seed as run_comparison.
    splitter = ShuffleSplit(n_splits=1, train_size=result.settings["train_count"],
                            random_state=split.seed)
    train, test = next(splitter.split(bunch.X))
    scaler = StandardScaler().fit(bunch.X[train])
    X_train = scaler.transform(bunch.X[train]).astype(np.float32)
    X_test = scaler.transform(bunch.X[test]).astype(np.float32)
    rlr = make_model("rlr", result.settings["model_params"]["rlr"], split.seed)
    rlr.fit(X_train, bunch.Y[train])
    n = split.n_clean
    calibrated = _calibrate(rlr, X_train[:n], bunch.Z[train][:n])
    proba = np.asarray(calibrated.predict_proba(X_test), dtype=np.float64)
    Z_test = bunch.Z[test]
    names = list(bunch.tag_names)
    queries = [q for q in GRID_QUERIES if all(t in names for t in q)
               and Z_test[:, [names.index(t) for t in q]].all(axis=1).any()][:5]
    paths = [bunch.image_paths[i] for i in test]
    hits = figure_retrieval(path, paths, proba, Z_test, names, queries, k=args.k)
    progress(f"wrote {path.name} ({len(queries)} queries)")
    return hits


def _demo(args):
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files, never a window
    progress = _Progress(args.quiet)
    from skrobust import _demo_data

    try:
        bunch = _load(args, progress)
    except (_demo_data.DemoDataError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from skrobust import _demo_report as report
    from skrobust.experiments import run_comparison

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    if args.k is None:
        # Top 5 of scene's 6 labels would hit almost every label of every image.
        args.k = 2 if bunch.name == "mulan-scene" else 5
    n_splits = 1 if args.quick else args.n_splits
    sizes = (5, 20, 50) if args.quick else (5, 10, 20, 50, 100, 200)
    progress(f"running {n_splits} random splits (train {args.train_size:g}, "
             f"{args.n_clean} clean images for calibration)")
    result = run_comparison(
        bunch.X, bunch.Y, bunch.Z, n_splits=n_splits, train_size=args.train_size,
        n_clean=args.n_clean, clean_sizes=sizes, k=args.k, tag_names=bunch.tag_names,
        random_state=args.seed, n_jobs=args.n_jobs, progress=progress,
    )
    print()
    print(report.format_tables(result, reference=bunch.name == "mirflickr-subset"))
    print()

    figures, extra = [], {"dataset": bunch.name, "description": bunch.description,
                          "concept_map": bunch.concept_map, "notes": list(bunch.notes)}
    if bunch.true_pi is not None:
        extra["true_pi"] = bunch.true_pi.tolist()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("note: matplotlib is not installed (pip install 'skrobust[plots]'): "
              "no figures written.")
    else:
        if bunch.positions is not None:
            pos = report.figure_tag_positions(
                out / "tag_position_accuracy.png", bunch.positions, bunch.Z,
                f"User-tag accuracy by position ({bunch.name})")
            extra["position_accuracy"] = {
                "labels": [str(x) for x in pos.labels],
                "accuracy": [None if x != x else float(x) for x in pos.accuracy],
                "n_tags": [int(x) for x in pos.n_tags]}
            figures.append("tag_position_accuracy.png")
        report.figure_pi(out / "pi_learned_vs_measured.png", result)
        report.figure_curve(out / "score_vs_clean_images.png", result)
        figures += ["pi_learned_vs_measured.png", "score_vs_clean_images.png"]
        if bunch.image_paths is not None:
            extra["retrieval_grid_hits"] = _retrieval_figure(
                out / "retrieval_grid.png", bunch, result, args, progress)
            figures.append("retrieval_grid.png")
        elif bunch.name.startswith("mirflickr"):
            print("note: MIRFLICKR photos not found (give --photos-dir or set "
                  "SKROBUST_MIRFLICKR_DIR): no retrieval grid.")
        progress(f"wrote {len(figures)} figures")
    extra["figures"] = figures
    extra["wall_seconds"] = time.perf_counter() - progress.start
    report.write_json(out / "results.json", result, extra)
    progress(f"wrote {out / 'results.json'}; done")
    return 0


def main(argv=None):
    """Entry point of ``python -m skrobust`` and the ``skrobust`` console script."""
    parser = argparse.ArgumentParser(prog="skrobust", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="the paper's evaluation on real photos (default: the embedded "
        "MIRFLICKR subset)")
    demo.add_argument("--dataset", choices=DATASETS, default="mirflickr-subset")
    demo.add_argument("--data-dir", help="folder of the mirflickr25k or mulan-scene files")
    demo.add_argument("--features", help="mirflickr25k: .npy features, one row per image")
    demo.add_argument("--photos-dir", help="MIRFLICKR photos (default: "
                      "$SKROBUST_MIRFLICKR_DIR or the shared data checkout)")
    demo.add_argument("--concept-map", choices=("synonyms", "full"), default="synonyms",
                      help="which user tags name a MIRFLICKR concept: its name and "
                      "synonyms (default), or also its kinds and translations")
    demo.add_argument("--output", default="skrobust_output", help="output folder")
    demo.add_argument("--n-splits", type=int, default=5)
    demo.add_argument("--train-size", type=float, default=0.7)
    demo.add_argument("--n-clean", type=int, default=50)
    demo.add_argument("--k", type=int, default=None,
                      help="cut-off of every score (default 5; 2 for mulan-scene's 6 labels)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--n-jobs", type=int, default=2, help="splits run in parallel")
    demo.add_argument("--quick", action="store_true",
                      help="one split and a short curve (a smoke test, seconds)")
    demo.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
