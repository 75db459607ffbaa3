"""Figures of the experiments: pi scatter, cost curve, retrieval grid (Agg backend)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skrobust.plotting import (  # noqa: E402
    plot_pi_learned_vs_measured,
    plot_retrieval_grid,
    plot_score_vs_clean_size,
)


def test_pi_scatter_drops_nan_and_checks_sizes():
    ax = plot_pi_learned_vs_measured([0.1, np.nan, 0.5], [0.2, 0.3, 0.4],
                                     names=["a", "b", "c"], correlation=0.5)
    assert len(ax.collections[0].get_offsets()) == 2
    assert "r = 0.50" in ax.get_title()
    assert [t.get_text() for t in ax.texts] == ["a", "c"]
    with pytest.raises(ValueError, match="differ in size"):
        plot_pi_learned_vs_measured([0.1], [0.1, 0.2])
    plt.close("all")


def test_curve_in_percent_with_bands():
    ax = plot_score_vs_clean_size([5, 50], {"m": [0.2, 0.4]}, errors={"m": [0.01, 0.02]},
                                  labels={"m": "model"})
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [20, 40])
    assert line.get_label() == "model" and ax.get_xscale() == "log"
    assert len(ax.collections) == 1
    with pytest.raises(ValueError, match="points"):
        plot_score_vs_clean_size([5, 50], {"m": [0.2]})
    plt.close("all")


def test_retrieval_grid(tmp_path):
    from PIL import Image

    paths = []
    for i in range(4):
        paths.append(str(tmp_path / f"im{i}.jpg"))
        Image.new("RGB", (60, 40), (60 * i, 0, 0)).save(paths[-1])
    fig = plot_retrieval_grid(paths, ["a", "b"], [[0, 1, 2], [3]],
                              relevant=[[True, False, True], [False]], k=3)
    assert len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "a"
    assert fig.axes[0].spines["top"].get_edgecolor()[:3] == matplotlib.colors.to_rgb(
        "tab:green")
    with pytest.raises(ValueError, match="rankings"):
        plot_retrieval_grid(paths, ["a"], [[0], [1]])
    plt.close("all")
