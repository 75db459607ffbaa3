"""``skrobust demo``: the paper's evaluation on real photos.

It reproduces the paper's evaluation (Izadinia et al., "Image Classification and
Retrieval from User-Supplied Tags") on real photos: robust LR with the package
defaults and a tuned LR trained on user tags, with and without calibration on a few
clean labels, against LR trained on clean labels, over random splits. It prints the
paper's Tables 2-4 and the paired differences, and writes figures and a JSON of
every number to ``--output``.
"""

import os
import time
import warnings

from skrobust.cli import _types
from skrobust.cli._errors import CommandError
from skrobust.cli._outputs import prepare_output_dir
from skrobust.cli._progress import Stages

# Each data set and its number of clean labels (the cut-off k must be below it).
DATASETS = {"mirflickr-subset": 24, "mirflickr25k": 24, "mulan-scene": 6}
DEFAULT_OUTPUT = "skrobust_output"
# Retrieval-grid queries, in order of preference; those with no relevant test image
# are skipped.
GRID_QUERIES = (("sky",), ("flower",), ("dog",), ("sky", "clouds"), ("sea", "sky"),
                ("people", "portrait"), ("sky", "clouds", "sunset"))


def _load(args, progress):
    from skrobust.experiments import _demo_data as data

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

    from skrobust.experiments._demo_report import figure_retrieval
    from skrobust.experiments import make_model
    from skrobust.experiments._models import _calibrate

    split = result.splits[0]
    # The split's exact training set: the same splitter and seed as run_comparison.
    splitter = ShuffleSplit(n_splits=1, train_size=result.settings["train_count"],
                            random_state=split.seed)
    train, test = next(splitter.split(bunch.X))
    scaler = StandardScaler().fit(bunch.X[train])
    X_train = scaler.transform(bunch.X[train]).astype(np.float32)
    X_test = scaler.transform(bunch.X[test]).astype(np.float32)
    from sklearn.exceptions import ConvergenceWarning

    rlr = make_model("rlr", result.settings["model_params"]["rlr"], split.seed)
    with warnings.catch_warnings():
        # The split's model again: its expected ConvergenceWarning was silenced
        # there too (see skrobust.experiments._run_one).
        warnings.simplefilter("ignore", ConvergenceWarning)
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


DESCRIPTION = """\
Reproduce the evaluation of Izadinia et al., "Image Classification and Retrieval
from User-Supplied Tags", on real photos: robust LR with the package defaults and
a tuned logistic regression (LR; balanced, its C chosen by inner cross-validation
on the training tags) trained on user tags, with and without calibration on a few
clean labels, against LR trained on clean labels, over random train/test splits.
Nothing is chosen with test labels.

Prints the paper's Tables 2-4 (tag prediction, image annotation, multi-tag
retrieval) and the paired differences, and writes to --output: results.json (every number), figures (with
matplotlib) and, when the MIRFLICKR photos are found, retrieval_grid.png.

Data sets:
  mirflickr-subset  730 MIRFLICKR photos shipped with skrobust (default; offline)
  mirflickr25k      MIRFLICKR-25k photos with features: --data-dir and --features
                    (default: the shared data's 12,541 photos, features/ beside it)
  mulan-scene       MULAN scene, tag noise simulated with known pi: --data-dir

examples:
  skrobust demo
  skrobust demo --quick --output /tmp/demo
  skrobust demo --dataset mulan-scene --data-dir ../shared/data/mulan-scene
"""


def add_parser(commands, common):
    parser = commands.add_parser(
        "demo", parents=[common], description=DESCRIPTION,
        help="the paper's evaluation on real photos (default: the embedded MIRFLICKR "
        "subset)", formatter_class=common.formatter_class)
    parser.add_argument("--dataset", choices=tuple(DATASETS), default="mirflickr-subset",
                        help="which data (default mirflickr-subset; see above)")
    parser.add_argument("--data-dir", type=_types.existing_dir,
                        help="folder of the mirflickr25k or mulan-scene files")
    parser.add_argument("--features", type=_types.existing_file,
                        help="mirflickr25k: .npy features with an ids file beside it "
                        "(<stem>.ids.txt), or one row per image of all_imgs.txt")
    parser.add_argument("--photos-dir", type=_types.existing_dir,
                        help="MIRFLICKR photos (default: $SKROBUST_MIRFLICKR_DIR or the "
                        "shared data checkout)")
    parser.add_argument("--concept-map", choices=("synonyms", "full"), default=None,
                        help="which user tags name a MIRFLICKR concept: its name and "
                        "synonyms (default), or also its kinds and translations")
    parser.add_argument("--output", type=_types.output_dir, default=None,
                        help=f"output folder (default {DEFAULT_OUTPUT}, or "
                        f"{DEFAULT_OUTPUT}_2, _3, ... when it is not empty); a folder "
                        "given here must be empty unless --overwrite")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --output even if it holds files")
    parser.add_argument("--n-splits", type=_types.positive_int, default=None,
                        help="random train/test splits (default 5; 1 with --quick)")
    parser.add_argument("--train-size", type=_types.fraction, default=0.7,
                        help="fraction of the images used for training (default 0.7)")
    parser.add_argument("--n-clean", type=_types.positive_int, default=50,
                        help="clean training images used for calibration (default 50; "
                        "at most the training images)")
    parser.add_argument("--k", type=_types.positive_int, default=None,
                        help="cut-off of every score, below the number of labels "
                        "(default 5; 2 for mulan-scene's 6 labels)")
    parser.add_argument("--seed", type=_types.non_negative_int, default=0,
                        help="seed of the random splits (default 0)")
    parser.add_argument("--n-jobs", type=_types.n_jobs, default=2,
                        help="splits run in parallel (default 2; -1: every core)")
    parser.add_argument("--quick", action="store_true",
                        help="one split (unless --n-splits is given) and a short "
                        "curve: a smoke test, seconds")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(run=run, check=lambda args: check_args(args, parser))
    return parser


def check_args(args, parser):
    """Checks that need several arguments; a failure is a usage error (exit 2)."""
    n_labels = DATASETS[args.dataset]
    if args.k is not None and args.k >= n_labels:
        parser.error(f"argument --k: must be below the {n_labels} labels of "
                     f"{args.dataset} (top {args.k} would be every label), got {args.k}")
    # An option that does not apply to the data set is a mistake, not something to
    # ignore silently.
    applies = {"--features": ("mirflickr25k",), "--data-dir": ("mirflickr25k", "mulan-scene"),
               "--concept-map": ("mirflickr-subset", "mirflickr25k"),
               "--photos-dir": ("mirflickr-subset", "mirflickr25k")}
    for option, datasets in applies.items():
        if getattr(args, option[2:].replace("-", "_")) is not None and args.dataset not in datasets:
            parser.error(f"argument {option}: not used by --dataset {args.dataset} (only by "
                         f"{' and '.join(datasets)})")
    if args.concept_map is None:
        args.concept_map = "synonyms"
    if args.dataset != "mirflickr-subset" and args.data_dir is None:
        from skrobust.experiments import _demo_data

        if _demo_data.default_data_dir(args.dataset) is None:
            parser.error(f"--dataset {args.dataset} needs --data-dir (its folder of files)")


def _check_split(args, n_images):
    """Too few images for the split is the user's to fix: say so in one line."""
    n_train = int(round(args.train_size * n_images))
    if not 1 <= n_train < n_images:
        raise CommandError(f"--train-size {args.train_size:g} of {n_images} images leaves "
                           f"{n_train} for training and {n_images - n_train} for testing; "
                           "both need at least one")
    if args.n_clean > n_train:
        raise CommandError(f"--n-clean {args.n_clean} is more than the {n_train} training "
                           f"images ({args.train_size:g} of {n_images})")


def run(args):
    from skrobust.cli._progress import library_notices

    with library_notices(args.quiet):  # --quiet: no "Loading WordNet" line either
        return _run(args)


def _run(args):
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures go to files, never a window
    progress = Stages(args.quiet)
    # The output first: an unwritable or occupied folder fails before any work.
    out = prepare_output_dir(args.output or DEFAULT_OUTPUT, args.overwrite,
                             numbered=args.output is None)
    if args.output is None and out.name != DEFAULT_OUTPUT:
        print(f"note: {DEFAULT_OUTPUT} is not empty; writing to {out}")
    bunch = _load(args, progress)
    _check_split(args, bunch.X.shape[0])

    from skrobust.experiments import _demo_report as report
    from skrobust.experiments import run_comparison

    if args.k is None:
        # Top 5 of scene's 6 labels would hit almost every label of every image.
        args.k = 2 if bunch.name == "mulan-scene" else 5
    n_splits = args.n_splits or (1 if args.quick else 5)
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
