"""Later partial_fit chunks in plain NumPy skip sklearn's validate_data (issue 16):
the same model, the same errors, and the full path for anything else."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification


@pytest.fixture(scope="module")
def chunks():
    X, Y, _ = make_tagged_classification(
        n_samples=1200, n_features=6, n_tags=3, pi=0.5, random_state=0
    )
    return [(X[i:i + 300], Y[i:i + 300]) for i in range(0, 1200, 300)]


@pytest.fixture
def spy(monkeypatch):
    """Records, per later call, whether the fast path took the chunk."""
    taken = []
    original = RobustLogisticRegression._is_plain_numpy_chunk

    def recording(self, X, y, classes):
        answer = original(self, X, y, classes)
        taken.append(answer)
        return answer

    monkeypatch.setattr(RobustLogisticRegression, "_is_plain_numpy_chunk", recording)
    return taken


def stream(chunks, **params):
    model = RobustLogisticRegression(batch_size=100, random_state=0, **params)
    for X, Y in chunks:
        model.partial_fit(X, Y)
    return model


def test_the_fast_path_trains_the_same_model(chunks, spy, monkeypatch):
    fast = stream(chunks)
    assert spy == [True] * (len(chunks) - 1)
    monkeypatch.setattr(RobustLogisticRegression, "_is_plain_numpy_chunk",
                        lambda self, X, y, classes: False)
    full = stream(chunks)
    np.testing.assert_array_equal(fast.coef_, full.coef_)
    np.testing.assert_array_equal(fast.pi_, full.pi_)


@pytest.mark.parametrize("layout", ["fortran", "bool_y", "float_y", "weights"])
def test_plain_chunks_of_any_memory_layout_and_dtype_take_it(chunks, spy, layout):
    model = RobustLogisticRegression(batch_size=100).partial_fit(*chunks[0])
    X, Y = chunks[1]
    X_before, Y_before = X.copy(), Y.copy()
    weights = None
    if layout == "fortran":
        X = np.asfortranarray(X)
    elif layout == "bool_y":
        Y = Y.astype(bool)
    elif layout == "float_y":
        Y = Y.astype(np.float32)
    else:
        weights = np.linspace(0.5, 2.0, X.shape[0])
    model.partial_fit(X, Y, sample_weight=weights)
    assert spy == [True]
    np.testing.assert_array_equal(chunks[1][0], X_before)  # the caller's arrays, unchanged
    np.testing.assert_array_equal(chunks[1][1], Y_before)


def test_anything_else_takes_the_full_validation(chunks, spy):
    model = RobustLogisticRegression(batch_size=100).partial_fit(*chunks[0])
    X, Y = chunks[1]
    # A DataFrame may name the tags (here as the model named them).
    model.partial_fit(X, pd.DataFrame(Y, columns=["tag0", "tag1", "tag2"]))
    model.partial_fit(X, Y.tolist())
    model.partial_fit(X.astype(np.float32), Y)  # cast to the model's float64
    model.partial_fit(sp.csr_matrix(X), Y)
    assert spy == [False] * 4


@pytest.mark.parametrize("bad, message", [
    ("value_2", r"found values outside \{0, 1\}: \[2\]"),
    ("nan_y", "Input y contains NaN"),
    ("n_features", "X has 5 features, but RobustLogisticRegression is expecting 6"),
    ("n_tags", "y has 2 tags"),
    ("n_rows", "inconsistent numbers of samples"),
])
def test_bad_later_chunks_get_the_full_paths_message_and_change_nothing(chunks, bad, message):
    model = RobustLogisticRegression(batch_size=100).partial_fit(*chunks[0])
    coef = model.coef_.copy()
    X, Y = chunks[1][0].copy(), chunks[1][1].copy()
    if bad == "value_2":
        Y[3, 1] = 2
    elif bad == "nan_y":
        Y = Y.astype(float)
        Y[3, 1] = np.nan
    elif bad == "n_features":
        X = X[:, :5]
    elif bad == "n_tags":
        Y = Y[:, :2]
    else:
        Y = Y[:-1]
    with pytest.raises(ValueError, match=message):
        model.partial_fit(X, Y)
    np.testing.assert_array_equal(model.coef_, coef)


def test_a_one_column_array_after_a_one_tag_sparse_matrix_is_the_wrong_layout(chunks):
    X, Y = chunks[0]
    model = RobustLogisticRegression(batch_size=100).partial_fit(X, sp.csr_matrix(Y[:, :1]))
    with pytest.raises(ValueError, match="fitted on a 2-D tag matrix, this call passes a 1-D"), \
            pytest.warns(DataConversionWarning, match="column-vector y"):
        model.partial_fit(X, Y[:, :1])


def test_a_model_fitted_on_named_features_still_warns_about_unnamed_ones(chunks):
    X, Y = chunks[0]
    columns = [f"f{j}" for j in range(X.shape[1])]
    model = RobustLogisticRegression(batch_size=100).partial_fit(
        pd.DataFrame(X, columns=columns), Y
    )
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.partial_fit(X, Y)


def test_pos_label_other_than_1_with_a_tag_matrix_still_raises(chunks):
    X, Y = chunks[0]
    model = RobustLogisticRegression(batch_size=100).partial_fit(X, Y)
    model.set_params(pos_label=0)
    with pytest.raises(ValueError, match="pos_label=0 is only used with a 1-D binary y"):
        model.partial_fit(X, Y)


def test_it_returns_what_the_full_validation_returns(chunks, monkeypatch):
    model = RobustLogisticRegression(batch_size=100).partial_fit(*chunks[0])
    X, Y = chunks[1]
    weights = np.linspace(0.5, 2.0, X.shape[0])
    fast = model._validate_training_data(X, Y, weights, None, first_call=False)
    monkeypatch.setattr(RobustLogisticRegression, "_is_plain_numpy_chunk",
                        lambda self, X, y, classes: False)
    full = model._validate_training_data(X, Y, weights, None, first_call=False)
    assert fast[0] is full[0] is X and fast[1] is full[1] is Y  # no copies either way
    np.testing.assert_array_equal(fast[2], full[2])
    assert fast[2].dtype == full[2].dtype
    assert fast[3] is full[3] and fast[4] is full[4] is None
