"""Figures for skrobust results (matplotlib, the optional ``plots`` extra).

The figures belong to the experiments (:mod:`skrobust.experiments`), where they are
defined; this module keeps their public import path.
"""

from skrobust.experiments._plotting import (
    plot_pi_learned_vs_measured,
    plot_retrieval_grid,
    plot_score_vs_clean_size,
    plot_tag_position_accuracy,
)

__all__ = [
    "plot_pi_learned_vs_measured",
    "plot_retrieval_grid",
    "plot_score_vs_clean_size",
    "plot_tag_position_accuracy",
]
