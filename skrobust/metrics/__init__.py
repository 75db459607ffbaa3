"""The paper's three evaluation tasks, at top k, and scorers for model selection.

Tag prediction (:func:`tag_prediction_scores`), image annotation
(:func:`annotation_scores`) and multi-tag retrieval (:func:`retrieval_precision`),
their one-number score functions and ``SCORERS`` for scikit-learn's searches.
"""

from skrobust.metrics._retrieval import RetrievalScores, retrieval_precision
from skrobust.metrics._scorers import (
    SCORERS,
    annotation_f1,
    annotation_f1_scorer,
    annotation_precision,
    annotation_recall,
    make_tag_prediction_scorer,
    retrieval_precision_mean,
    retrieval_precision_scorer,
    tag_prediction_f1,
    tag_prediction_f1_scorer,
    tag_prediction_precision,
    tag_prediction_recall,
)
from skrobust.metrics._scores import (
    AnnotationScores,
    TagPredictionScores,
    annotation_scores,
    tag_prediction_scores,
)

__all__ = [
    "AnnotationScores",
    "RetrievalScores",
    "SCORERS",
    "TagPredictionScores",
    "annotation_f1",
    "annotation_f1_scorer",
    "annotation_precision",
    "annotation_recall",
    "annotation_scores",
    "make_tag_prediction_scorer",
    "retrieval_precision",
    "retrieval_precision_mean",
    "retrieval_precision_scorer",
    "tag_prediction_f1",
    "tag_prediction_f1_scorer",
    "tag_prediction_precision",
    "tag_prediction_recall",
    "tag_prediction_scores",
]
