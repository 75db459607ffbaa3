"""The paper's experiments as functions: noisy tags vs clean labels, over random splits.

:func:`run_comparison` repeats :func:`run_split` over random train/test splits;
results are dataclasses with ``to_dict``/``from_dict`` for JSON. The demo's data,
its report and the figures (:mod:`skrobust.plotting`) live here too.
"""

from skrobust.experiments._comparison import run_comparison, run_split
from skrobust.experiments._models import default_model_params, make_model
from skrobust.experiments._results import MODEL_NAMES, ComparisonResult, ModelScores, SplitResult
from skrobust.experiments._scoring import measured_pi, score_model

__all__ = [
    "MODEL_NAMES",
    "ComparisonResult",
    "ModelScores",
    "SplitResult",
    "default_model_params",
    "make_model",
    "measured_pi",
    "run_comparison",
    "run_split",
    "score_model",
]
