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
