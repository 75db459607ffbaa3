"""Tables, figures and JSON of ``python -m skrobust demo``."""

import json

import numpy as np

from skrobust.experiments._results import MODEL_NAMES

# Izadinia et al. on NUS-WIDE (81 concepts, 1,000 tags, fc7 features), as quoted in
# the issue that specified this demo: tag prediction F@5, calibrated RLR annotation F,
# RLR retrieval P@5 for 1/2/3-tag queries.
PAPER = {
    "tag_f1": {"lr": 8.7, "rlr": 9.5},
    "annotation_f1": {"rlr_calibrated": 36.7},
    "retrieval": {"rlr_calibrated": (71.9, 11.0, 3.9)},
    "pi_correlation": 0.34,
}
def _pm(pair, scale=100.0, digits=1):
    mean, std = pair
    if mean is None or np.isnan(mean):
        return "-"
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def _table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}"
                     for i, w in enumerate(widths))
    out = [title, line.format(*header), "  ".join("-" * w for w in widths)]
    out += [line.format(*map(str, r)) for r in rows]
    return "\n".join(out)


def format_tables(result, reference=False):
    """The paper's Tables 2, 3 and 4, the paired differences, the pi correlation and
    the cost curve, as text; ``reference`` adds the paper's NUS-WIDE numbers."""
    s = result.summary()
    k = result.settings["k"]
    n_splits = len(result.splits)
    n_clean = result.settings["n_clean"]
    names = {key: name.replace("calibration", f"calibration ({n_clean} clean)")
             for key, name in MODEL_NAMES.items()}
    blocks = []

    rows = [[names[m], _pm(s[m]["tag_precision"]), _pm(s[m]["tag_recall"]),
             _pm(s[m]["tag_f1"])] for m in ("lr", "rlr", "lr_clean")]
    if reference:
        rows.append(["paper, NUS-WIDE: LR / RLR", "", "",
                     f"{PAPER['tag_f1']['lr']} / {PAPER['tag_f1']['rlr']}"])
    blocks.append(_table(
        f"Table 2. Tag prediction: top {k} by P(y=1|x) against the test images' user "
        f"tags (mean ± std over {n_splits} splits, %)",
        ["model", f"P@{k}", f"R@{k}", f"F@{k}"], rows))

    rows = []
    for m in MODEL_NAMES:
        row = [names[m], _pm(s[m]["annotation_precision"]), _pm(s[m]["annotation_recall"]),
               _pm(s[m]["annotation_f1"])]
        rows.append(row)
    if reference:
        rows.append(["paper, NUS-WIDE: RLR + calibration", "", "",
                     f"{PAPER['annotation_f1']['rlr_calibrated']}"])
    blocks.append(_table(
        f"Table 3. Image annotation: top {k} labels by P(z=1|x) against the clean "
        f"labels, per-label scores averaged (mean ± std over {n_splits} splits, %)",
        ["model", f"P@{k}", f"R@{k}", f"F@{k}"], rows))

    sizes = result.splits[0].models["rlr"].retrieval
    rows = []
    for m in MODEL_NAMES:
        row = [names[m]] + [_pm(s[m][f"retrieval_{q}"]) for q in sizes]
        row.append(_pm(s[m]["mean_auc"], scale=1, digits=3))
        rows.append(row)
    if reference:
        paper = PAPER["retrieval"]["rlr_calibrated"]
        rows.append(["paper, NUS-WIDE: RLR + calibration", *map(str, paper[: len(sizes)]),
                     ""])
    blocks.append(_table(
        f"Table 4. Multi-tag retrieval: P@{k} for queries of 1, 2 and 3 labels, and "
        f"mean ROC AUC (mean ± std over {n_splits} splits)",
        ["model", *[f"{q} tag{'s' if q > 1 else ''}" for q in sizes], "mean AUC"], rows))

    r = s["pi_correlation"]
    line = (f"Learned pi vs measured P(tag | concept present): Pearson r = "
            f"{r[0]:.2f} ± {r[1]:.2f} over {n_splits} splits")
    line += f" (paper, NUS-WIDE: {PAPER['pi_correlation']})" if reference else ""
    blocks.append(line)

    blocks.append(_paired_table(result))

    curve_rows = []
    for i, size in enumerate(s["curve_sizes"]):
        curve_rows.append([str(int(size))] + [
            _pm((s["curve"][m][0][i], s["curve"][m][1][i])) for m in s["curve"]])
    blocks.append(_table(
        f"Annotation F@{k} against the number of clean training images (%)",
        ["clean images", "LR tags + calibration", "RLR tags + calibration",
         "LR trained on them"], curve_rows))
    return "\n\n".join(blocks)


def _paired_table(result):
    """RLR minus the tuned LR, split by split: the comparison a claim must rest on."""
    k = result.settings["k"]
    largest = max(result.settings["query_sizes"])
    scores = {
        f"annotation F@{k}": lambda m: 100 * m.annotation["f1"],
        f"{largest}-tag P@{k}": lambda m: 100 * m.retrieval[largest],
        "mean AUC": lambda m: m.mean_auc,
    }
    rows = []
    for ours, theirs in (("rlr", "lr"), ("rlr_calibrated", "lr_calibrated")):
        row = [f"{MODEL_NAMES[ours]} − {MODEL_NAMES[theirs]}"]
        for name, score in scores.items():
            d = np.array([score(sp.models[ours]) - score(sp.models[theirs])
                          for sp in result.splits])
            digits = 3 if name == "mean AUC" else 1
            row.append(f"{d.mean():+.{digits}f} ± {d.std():.{digits}f} "
                       f"({int((d > 0).sum())}/{len(d)})")
        rows.append(row)
    return _table(
        "Paired differences, split by split (mean ± std, and the splits where RLR "
        "is ahead)", ["difference", *scores], rows)


def write_json(path, result, extra):
    """All numbers (per split and summary) and the run's context, as JSON."""
    data = result.to_dict()
    data.update(extra)
    data["paper_nus_wide"] = PAPER
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")


def figure_tag_positions(path, positions, Z, title):
    from skrobust.plotting import plot_tag_position_accuracy
    from skrobust.tags import accuracy_by_position

    pos = accuracy_by_position(positions, Z, bins=(1, 3, 5, 7, 9, 11))
    ax = plot_tag_position_accuracy(pos, label="this data")
    ax.set_title(title, fontsize=10)
    ax.figure.savefig(path, dpi=110)
    _close(ax.figure)
    return pos


def figure_pi(path, result):
    from skrobust.plotting import plot_pi_learned_vs_measured

    measured = np.concatenate([s.pi_measured for s in result.splits])
    learned = np.concatenate([s.pi_learned for s in result.splits])
    names = result.tag_names if len(result.splits) == 1 else None
    ax = plot_pi_learned_vs_measured(measured, learned, names=names,
                                     correlation=result.summary()["pi_correlation"][0])
    ax.set_title(ax.get_title() + f"\n{len(result.splits)} splits x "
                 f"{len(result.tag_names)} tags", fontsize=9)
    ax.figure.savefig(path, dpi=110)
    _close(ax.figure)


def figure_curve(path, result):
    from skrobust.plotting import plot_score_vs_clean_size

    s = result.summary()
    k = result.settings["k"]
    labels = {"lr_calibrated": "LR on tags + calibration",
              "rlr_calibrated": "RLR on tags + calibration",
              "lr_clean": "LR trained on the clean images only"}
    ax = plot_score_vs_clean_size(
        s["curve_sizes"], {m: v[0] for m, v in s["curve"].items()},
        errors={m: v[1] for m, v in s["curve"].items()}, labels=labels,
        ylabel=f"annotation F@{k}")
    ax.set_title("Score against clean labelling cost", fontsize=10)
    ax.figure.savefig(path, dpi=110)
    _close(ax.figure)


def figure_retrieval(path, image_paths, proba, Z, tag_names, queries, k=5):
    """Top-k test photos for each query (ranked by the summed log-probabilities)."""
    from skrobust.plotting import plot_retrieval_grid

    index = {n: j for j, n in enumerate(tag_names)}
    log_p = np.log(np.clip(proba, np.finfo(np.float64).tiny, 1))
    titles, rankings, relevant = [], [], []
    for query in queries:
        cols = [index[q] for q in query]
        order = np.argsort(-log_p[:, cols].sum(axis=1), kind="stable")[:k]
        titles.append(" + ".join(query))
        rankings.append(order)
        relevant.append(Z[np.ix_(order, cols)].all(axis=1))
    fig = plot_retrieval_grid(image_paths, titles, rankings, relevant=relevant, k=k)
    fig.suptitle("Top retrieved test photos (RLR + calibration); green: relevant",
                 fontsize=10)
    fig.savefig(path, dpi=90)
    _close(fig)
    return {t: [bool(v) for v in r] for t, r in zip(titles, relevant)}


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)
