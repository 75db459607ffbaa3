"""skrobust.metrics' tag prediction and annotation (and retrieval on hand data):
hand-computed values, ties, sparse input, array API namespaces, errors."""

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
import torch
from sklearn.exceptions import UndefinedMetricWarning

from skrobust.metrics import (
    annotation_scores,
    retrieval_precision,
    tag_prediction_scores,
)
from skrobust.metrics._utils import top_k_mask

# ------------------------------------------------------------------ hand fixtures

# Tag prediction, k=2.
#   image 0: true {0, 1, 2}; scores tie 0, 1, 2 at 0.5 -> lower indices: {0, 1};
#            2 hits: precision 2/2 = 1, recall 2/3.
#   image 1: true {2}; top 2: tag 1 (0.9), then the tie 0, 2, 3 at 0.2 -> tag 0;
#            0 hits: precision 0, recall 0.
#   image 2: no true tag -> left out of both averages.
#   precision (1 + 0)/2 = 1/2, recall (2/3 + 0)/2 = 1/3,
#   F = 2 (1/2)(1/3) / (1/2 + 1/3) = (1/3) / (5/6) = 2/5.
TAG_TRUE = np.array([[1, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
TAG_SCORE = np.array([[0.5, 0.5, 0.5, 0.1], [0.2, 0.9, 0.2, 0.2], [0.3, 0.1, 0.4, 0.9]])

# Annotation, k=1 (each image gets its single best tag).
#   image 0: tie tag 0 / tag 1 at 0.7 -> tag 0 (lower index); true: correct
#   image 1: tag 1; true: correct
#   image 2: tag 3; tag 3 has no positive image at all
#   image 3: tag 0; wrong (image 3 has tag 2)
#   tag 0: given to {0, 3}, correct {0}: P 1/2; positives {0, 1}: R 1/2; F 1/2
#   tag 1: given to {1}, correct: P 1; positives {1, 2}: R 1/2; F 2(1)(1/2)/(3/2) = 2/3
#   tag 2: never given: P 0; positive {3}: R 0; F 0
#   tag 3: no positive image: left out (NaN)
#   means over tags 0-2: P 1/2, R 1/3, F (1/2 + 2/3 + 0)/3 = 7/18
ANN_TRUE = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
ANN_SCORE = np.array(
    [[0.7, 0.7, 0.1, 0.0], [0.2, 0.6, 0.1, 0.0], [0.1, 0.2, 0.1, 0.9], [0.8, 0.1, 0.3, 0.2]]
)

# Retrieval, k=2. Image 4 has no tag but high probabilities (a distractor).
RET_TRUE = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [1, 1, 1], [0, 0, 0]])
RET_PROBA = np.array(
    [[0.9, 0.5, 0.2], [0.8, 0.3, 0.1], [0.1, 0.9, 0.6], [0.4, 0.4, 0.4], [0.9, 0.9, 0.1]]
)
# 1 tag:  {0}: relevant {0,1,3}; top 2 by col 0 = images 0, 4 (both 0.9): 1 hit / 2 = 1/2
#         {1}: relevant {0,2,3}; top 2 = images 2, 4 (both 0.9): 1 hit / 2 = 1/2
#         {2}: relevant {2,3};   top 2 = images 2 (0.6), 3 (0.4): 2 hits / 2 = 1
#         mean 2/3
# 2 tags (joint probability = product):
#         {0,1}: relevant {0,3}; products .45 .24 .09 .16 .81 -> images 4, 0: 1 / min(2,2) = 1/2
#         {0,2}: relevant {3};   products .18 .08 .06 .16 .09 -> images 0, 3: 1 / min(2,1) = 1
#         {1,2}: relevant {2,3}; products .10 .03 .54 .16 .09 -> images 2, 3: 2 / 2 = 1
#         mean 5/6
# 3 tags: {0,1,2}: relevant {3}; products .090 .024 .054 .064 .081 -> images 0, 4: 0 hits
# k=1, 1 tag: {0}: tie images 0 and 4 at 0.9 -> image 0 (lower index), relevant: 1
#             {1}: tie images 2 and 4 at 0.9 -> image 2, relevant: 1
#             {2}: image 2, relevant: 1          -> mean 1 (0 if ties went the other way)


def test_tag_prediction_hand_computed():
    scores = tag_prediction_scores(TAG_TRUE, TAG_SCORE, k=2)
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(2 / 5)
    assert (scores.k, scores.n_images) == (2, 2)


def test_tag_prediction_k_edges():
    # k=1: image 0 -> tag 0 (tie, lower index): hit, P 1, R 1/3; image 1 -> tag 1: miss.
    scores = tag_prediction_scores(TAG_TRUE, TAG_SCORE, k=1)
    assert (scores.precision, scores.recall) == pytest.approx((1 / 2, 1 / 6))
    # k = n_tags: every tag suggested; P = true tags / 4, R = 1, whatever the scores,
    # which the warning says.
    with pytest.warns(UndefinedMetricWarning, match="k=4 equals the number of tags"):
        scores = tag_prediction_scores(TAG_TRUE, TAG_SCORE, k=4)
    assert (scores.precision, scores.recall) == pytest.approx(((3 / 4 + 1 / 4) / 2, 1.0))


def test_annotation_hand_computed():
    scores = annotation_scores(ANN_TRUE, ANN_SCORE, k=1)
    nan = np.nan
    np.testing.assert_allclose(scores.precision_per_tag, [1 / 2, 1, 0, nan])
    np.testing.assert_allclose(scores.recall_per_tag, [1 / 2, 1 / 2, 0, nan])
    np.testing.assert_allclose(scores.f1_per_tag, [1 / 2, 2 / 3, 0, nan])
    np.testing.assert_array_equal(scores.support, [2, 2, 1, 0])
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx(7 / 18)
    assert (scores.k, scores.n_tags) == (1, 3)
    with pytest.raises(ValueError):  # results are read-only
        scores.f1_per_tag[0] = 1.0


def test_retrieval_hand_computed():
    scores = retrieval_precision(RET_TRUE, RET_PROBA, k=2)
    assert scores.precision[1] == pytest.approx(2 / 3)
    assert scores.precision[2] == pytest.approx(5 / 6)
    assert scores.precision[3] == 0.0
    assert scores.n_queries == {1: 3, 2: 3, 3: 1}
    assert scores.n_candidates == {1: 3, 2: 3, 3: 1}
    assert scores.mean_precision == pytest.approx((2 / 3 + 5 / 6 + 0) / 3)
    assert list(scores.precision) == [1, 2, 3]


def test_retrieval_ties_go_to_lower_image_index():
    scores = retrieval_precision(RET_TRUE, RET_PROBA, k=1, query_sizes=(1,))
    assert scores.precision == {1: 1.0}


def test_retrieval_skips_queries_without_relevant_images():
    # A fourth tag no image has: no query contains it, nothing else changes.
    y_true = np.hstack([RET_TRUE, np.zeros((5, 1), dtype=int)])
    y_proba = np.hstack([RET_PROBA, np.full((5, 1), 0.99)])
    scores = retrieval_precision(y_true, y_proba, k=2)
    assert scores.n_queries == {1: 3, 2: 3, 3: 1}
    assert scores.precision[1] == pytest.approx(2 / 3)
    # A size with no combination at all: NaN, zero queries, and the mean ignores it.
    scores = retrieval_precision(y_true, y_proba, k=2, query_sizes=(1, 4))
    assert scores.n_queries == {1: 3, 4: 0} and np.isnan(scores.precision[4])
    assert scores.mean_precision == pytest.approx(2 / 3)


def test_retrieval_zero_probabilities_and_log_proba():
    # Probability 0 is clipped, not -inf: image 4 then still ranks by its other tags.
    proba = RET_PROBA.copy()
    proba[3, 0] = 0.0
    clipped = retrieval_precision(RET_TRUE, proba, k=2)
    assert np.isfinite(list(clipped.precision.values())).all()
    # log_proba=True gives the same ranking as probabilities.
    direct = retrieval_precision(RET_TRUE, RET_PROBA, k=2)
    logged = retrieval_precision(RET_TRUE, np.log(RET_PROBA), k=2, log_proba=True)
    assert logged.precision == pytest.approx(direct.precision)


# ------------------------------------------------------------------ ties, sparse


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [1, 3, 7])
def test_top_k_mask_matches_stable_sort(seed, k):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(30, 9)).astype(float)  # many ties
    expected = np.zeros(scores.shape, dtype=bool)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    np.put_along_axis(expected, order, True, axis=1)
    np.testing.assert_array_equal(top_k_mask(scores, k, np), expected)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array])
def test_sparse_y_true_equals_dense(container):
    rng = np.random.default_rng(0)
    Y = (rng.random((60, 7)) < 0.3).astype(np.int8)
    S = np.round(rng.random((60, 7)), 1)
    Ys = container(Y)
    assert tag_prediction_scores(Ys, S, k=3) == tag_prediction_scores(Y, S, k=3)
    dense, sparse = annotation_scores(Y, S, k=3), annotation_scores(Ys, S, k=3)
    np.testing.assert_array_equal(dense.f1_per_tag, sparse.f1_per_tag)
    assert retrieval_precision(Ys, S, k=4) == retrieval_precision(Y, S, k=4)


def test_inputs_are_not_modified():
    Y, S = RET_TRUE.copy(), RET_PROBA.copy()
    Ys = sp.csr_matrix(Y)
    Ys_data = Ys.data.copy()
    for y in (Y, Ys):
        tag_prediction_scores(y, S, k=2)
        annotation_scores(y, S, k=2)
        retrieval_precision(y, S, k=2)
    np.testing.assert_array_equal(Y, RET_TRUE)
    np.testing.assert_array_equal(S, RET_PROBA)
    np.testing.assert_array_equal(Ys.data, Ys_data)


# ------------------------------------------------------------------ array API


def _strict(device_name):
    def convert(a):
        return array_api_strict.asarray(a, device=array_api_strict.Device(device_name))

    return convert


NAMESPACES = {
    "array_api_strict-CPU_DEVICE": _strict("CPU_DEVICE"),
    "array_api_strict-device1": _strict("device1"),
    "torch-cpu": lambda a: torch.asarray(a, device="cpu"),
}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("y_true_kind", ["same-namespace", "numpy", "sparse"])
def test_array_api_namespaces_give_numpy_numbers(name, dtype, y_true_kind):
    convert = NAMESPACES[name]
    rng = np.random.default_rng(1)
    Y = (rng.random((70, 6)) < 0.35).astype(np.int8)
    P = np.round(rng.random((70, 6)), 1).astype(dtype)  # ties, and zeros to clip
    y_true = {"same-namespace": convert(Y), "numpy": Y, "sparse": sp.csr_matrix(Y)}[y_true_kind]
    with sklearn.config_context(array_api_dispatch=True):
        tag = tag_prediction_scores(y_true, convert(P), k=3)
        ann = annotation_scores(y_true, convert(P), k=2)
        ret = retrieval_precision(y_true, convert(P), k=4)
    assert tag == tag_prediction_scores(Y, P, k=3)
    reference = annotation_scores(Y, P, k=2)
    np.testing.assert_array_equal(ann.f1_per_tag, reference.f1_per_tag)
    assert ann.f1 == reference.f1
    assert ret.precision == pytest.approx(retrieval_precision(Y, P, k=4).precision, rel=1e-12)
    assert ret.n_queries == retrieval_precision(Y, P, k=4).n_queries
    assert isinstance(tag.f1, float) and isinstance(ret.precision[1], float)


def test_torch_without_dispatch_is_converted_to_numpy():
    P = torch.asarray(RET_PROBA)
    assert retrieval_precision(RET_TRUE, P, k=2) == retrieval_precision(RET_TRUE, RET_PROBA, k=2)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "function", [tag_prediction_scores, annotation_scores, retrieval_precision]
)
def test_bad_inputs(function):
    Y, P = RET_TRUE, RET_PROBA
    with pytest.raises(ValueError, match="same shape"):
        function(Y, P[:, :2])
    with pytest.raises(ValueError, match="2-D"):
        function(Y[:, 0], P[:, 0])
    with pytest.raises(ValueError, match="only 0 and 1"):
        function(Y * 2, P, 2)
    with pytest.raises(ValueError, match="only 0 and 1"):
        function(sp.csr_matrix(Y * 2), P, 2)
    with pytest.raises(ValueError, match="NaN"):
        function(Y, np.where(P > 0.8, np.nan, P), 2)
    with pytest.raises(ValueError, match="k"):
        function(Y, P, 0)
    with pytest.raises(ValueError, match="k"):
        function(Y, P, 1.5)
    with pytest.raises(ValueError, match="at least one image"):
        function(np.zeros((0, 3)), np.zeros((0, 3)), 1)


def test_k_limits():
    with pytest.raises(ValueError, match="number of tags"):
        tag_prediction_scores(RET_TRUE, RET_PROBA, k=4)
    with pytest.raises(ValueError, match="number of tags"):
        annotation_scores(RET_TRUE, RET_PROBA, k=4)
    with pytest.raises(ValueError, match="number of images"):
        retrieval_precision(RET_TRUE, RET_PROBA, k=6)
    assert retrieval_precision(RET_TRUE, RET_PROBA, k=5).n_queries[1] == 3


def test_retrieval_bad_inputs():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        retrieval_precision(RET_TRUE, RET_PROBA * 2)
    with pytest.raises(ValueError, match="log-probabilities"):
        retrieval_precision(RET_TRUE, RET_PROBA, log_proba=True)
    bad_sizes = [((), "empty"), ((0,), "positive"), ((4,), "larger"), ((1, 1), "repeated")]
    for sizes, message in bad_sizes:
        with pytest.raises(ValueError, match=message):
            retrieval_precision(RET_TRUE, RET_PROBA, k=2, query_sizes=sizes)
    with pytest.raises(ValueError, match="max_queries"):
        retrieval_precision(RET_TRUE, RET_PROBA, k=2, max_queries=0)


def test_no_positives_warns_and_gives_nan():
    Y = np.zeros_like(RET_TRUE)
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(tag_prediction_scores(Y, RET_PROBA, k=2).f1)
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(annotation_scores(Y, RET_PROBA, k=2).f1)
    with pytest.warns(UndefinedMetricWarning):
        scores = retrieval_precision(Y, RET_PROBA, k=2)
    assert scores.n_queries == {1: 0, 2: 0, 3: 0} and np.isnan(scores.mean_precision)
