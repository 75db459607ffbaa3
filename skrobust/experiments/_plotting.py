"""Figures for skrobust results (matplotlib, the optional ``plots`` extra).

matplotlib is imported inside each function, so the package works without it.
"""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skrobust.plotting needs matplotlib: pip install 'skrobust[plots]' "
            "(or pip install matplotlib)"
        ) from exc
    return plt


def plot_tag_position_accuracy(result, *, ax=None, label=None, reference=None):
    """Bar chart of tag accuracy by position in the uploader's tag list.

    Parameters
    ----------
    result : PositionAccuracy
        From :func:`skrobust.tags.accuracy_by_position`; drawn as bars with
        one-standard-error whiskers.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    label : str, default=None
        Legend label of the bars.
    reference : dict with keys "labels", "accuracy" and optionally "label", default=None
        Published values to draw as a line over the bars (e.g. the paper's NUS-WIDE
        figure); its labels are matched to ``result.labels`` by name.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skrobust.tags import accuracy_by_position
    >>> from skrobust.plotting import plot_tag_position_accuracy
    >>> r = accuracy_by_position(np.array([[1, 0], [2, 3]]), np.array([[1, 0], [0, 1]]),
    ...                          bins=[1, 3])
    >>> ax = plot_tag_position_accuracy(r, label="toy")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['1-2', '3+']
    """
    plt = _pyplot()
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    x = np.arange(len(result.labels))
    ax.bar(
        x,
        100 * result.accuracy,
        yerr=100 * result.stderr,
        capsize=3,
        color="tab:blue",
        alpha=0.8,
        label=label,
    )
    if reference is not None:
        where = {str(name): i for i, name in enumerate(result.labels)}
        pairs = [
            (where[str(name)], acc)
            for name, acc in zip(reference["labels"], reference["accuracy"])
            if str(name) in where
        ]
        if pairs:
            xs, ys = zip(*pairs)
            ax.plot(xs, 100 * np.asarray(ys), "o--", color="tab:red",
                    label=reference.get("label"))
    ax.set_xticks(x, [str(t) for t in result.labels])
    ax.set_xlabel("position of the tag in the uploader's list")
    ax.set_ylabel("tags that are correct (%)")
    ax.set_ylim(0, 100)
    if label is not None or reference is not None:
        ax.legend(loc="lower left")
    return ax


def plot_pi_learned_vs_measured(pi_measured, pi_learned, *, names=None, ax=None,
                                correlation=None):
    """Scatter of the learned tagging rate ``pi_`` against the measured one.

    Parameters
    ----------
    pi_measured : array-like of shape (n_points,)
        P(y=1 | z=1) measured from clean labels (e.g.
        :func:`skrobust.experiments.measured_pi`); NaN points are left out.
    pi_learned : array-like of shape (n_points,)
        The model's ``pi_`` for the same tags (several splits may be stacked).
    names : list of str, default=None
        Tag names, written next to their points (only for up to 40 points).
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    correlation : float, default=None
        Written in the title when given (e.g. the mean Pearson r over splits).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrobust.plotting import plot_pi_learned_vs_measured
    >>> ax = plot_pi_learned_vs_measured([0.2, 0.5, float("nan")], [0.3, 0.4, 0.1],
    ...                                  names=["a", "b", "c"], correlation=1.0)
    >>> len(ax.collections[0].get_offsets())
    2
    """
    plt = _pyplot()
    import numpy as np

    x = np.asarray(pi_measured, dtype=np.float64).ravel()
    y = np.asarray(pi_learned, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"pi_measured and pi_learned differ in size: {x.size} != {y.size}.")
    if names is not None and len(names) != x.size:
        raise ValueError(f"names has {len(names)} entries for {x.size} points.")
    keep = ~(np.isnan(x) | np.isnan(y))
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
    ax.scatter(x[keep], y[keep], s=18, color="tab:blue", alpha=0.7)
    ax.plot([0, 1], [0, 1], ":", color="gray", label="learned = measured")
    if names is not None and keep.sum() <= 40:
        for xi, yi, name in zip(x[keep], y[keep], np.asarray(names, dtype=object)[keep]):
            ax.annotate(str(name), (xi, yi), fontsize=7, xytext=(2, 2),
                        textcoords="offset points")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("measured P(tag | concept present)")
    ax.set_ylabel("learned pi")
    title = "Tagging rate: learned vs measured"
    if correlation is not None:
        title += f" (r = {correlation:.2f})"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_score_vs_clean_size(sizes, curves, *, errors=None, labels=None, ax=None,
                             ylabel="annotation F@5"):
    """Score against the number of clean labelled images (the paper's cost figure).

    Parameters
    ----------
    sizes : array-like of shape (n_sizes,)
        Clean images used at each point (drawn on a log axis).
    curves : dict of str -> array-like of shape (n_sizes,)
        One score curve per model, in [0, 1] (drawn in percent).
    errors : dict of str -> array-like of shape (n_sizes,), default=None
        Spread of each curve (e.g. the std over splits), drawn as a band.
    labels : dict of str -> str, default=None
        Legend label per key of ``curves``; the key itself otherwise.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    ylabel : str, default="annotation F@5"
        Label of the score axis.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skrobust.plotting import plot_score_vs_clean_size
    >>> ax = plot_score_vs_clean_size([5, 50, 500], {"RLR": [0.4, 0.45, 0.5],
    ...                                              "LR": [0.1, 0.3, 0.5]})
    >>> [line.get_label() for line in ax.get_lines()]
    ['RLR', 'LR']
    """
    plt = _pyplot()
    import numpy as np

    sizes = np.asarray(sizes, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8), layout="constrained")
    for key, values in curves.items():
        values = 100 * np.asarray(values, dtype=np.float64)
        if values.shape != sizes.shape:
            raise ValueError(f"curve {key!r} has {values.size} points for {sizes.size} sizes.")
        label = (labels or {}).get(key, key)
        (line,) = ax.plot(sizes, values, "o-", label=label)
        if errors is not None and key in errors:
            spread = 100 * np.asarray(errors[key], dtype=np.float64)
            ax.fill_between(sizes, values - spread, values + spread,
                            color=line.get_color(), alpha=0.15)
    ax.set_xscale("log")
    ax.set_xlabel("clean labelled training images")
    ax.set_ylabel(f"{ylabel} (%)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def plot_retrieval_grid(image_paths, queries, rankings, *, relevant=None, k=5,
                        thumb_size=160):
    """A grid of the top retrieved photos: one row per query, ``k`` photos per row.

    Parameters
    ----------
    image_paths : list of str
        Photo file of each image; rankings index into it.
    queries : list of str
        Row titles (e.g. "sky + clouds").
    rankings : list of array-like of int
        Per query, the indices of the retrieved images, best first (at least ``k``).
    relevant : list of array-like of bool, default=None
        Per query, whether each retrieved image is truly relevant: drawn as a green
        (hit) or red (miss) frame.
    k : int, default=5
        Photos per row.
    thumb_size : int, default=160
        Thumbnails are shrunk to fit in ``thumb_size`` pixels (Pillow, read lazily).

    Returns
    -------
    fig : matplotlib Figure
        The figure drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import tempfile, os
    >>> from PIL import Image
    >>> from skrobust.plotting import plot_retrieval_grid
    >>> d = tempfile.mkdtemp()
    >>> paths = []
    >>> for i in range(3):
    ...     paths.append(os.path.join(d, f"im{i}.jpg"))
    ...     Image.new("RGB", (40, 30), (80 * i, 100, 50)).save(paths[-1])
    >>> fig = plot_retrieval_grid(paths, ["q"], [[2, 0]], relevant=[[True, False]], k=2)
    >>> len(fig.axes)
    2
    """
    plt = _pyplot()
    try:
        from PIL import Image
    except ImportError as exc:  # Pillow comes with matplotlib, but say so if not
        raise ImportError("plot_retrieval_grid needs Pillow: pip install pillow") from exc

    if len(queries) != len(rankings):
        raise ValueError(f"{len(queries)} queries but {len(rankings)} rankings.")
    if relevant is not None and len(relevant) != len(rankings):
        raise ValueError(f"{len(rankings)} rankings but {len(relevant)} relevance rows.")
    fig, axes = plt.subplots(len(queries), k, figsize=(1.9 * k, 2.0 * len(queries)),
                             squeeze=False, layout="constrained")
    for row, (query, ranking) in enumerate(zip(queries, rankings)):
        ranking = list(ranking)[:k]
        for col in range(k):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col >= len(ranking):
                ax.axis("off")
                continue
            with Image.open(image_paths[int(ranking[col])]) as img:
                img = img.convert("RGB")
                img.thumbnail((thumb_size, thumb_size))
                ax.imshow(img)
            if relevant is not None:
                color = "tab:green" if relevant[row][col] else "tab:red"
                for spine in ax.spines.values():
                    spine.set_edgecolor(color)
                    spine.set_linewidth(3)
            if col == 0:
                ax.set_ylabel(query, fontsize=9)
    return fig
