"""One code path on NumPy, array_api_strict (two devices, standing in for a GPU) and
torch CPU: same numbers, state on the input's device, no host round trip per batch."""

import pickle

import array_api_strict
import numpy as np
import pytest
import sklearn
import torch

import _em_reference as ref
from skrobust import RobustLogisticRegression, estimator_to_numpy
from skrobust.linear_model import _em
from skrobust._array_api import to_numpy
from skrobust.linear_model._sgd_em import TrainingConfig, initial_state, train_pass
from skrobust.datasets import make_tagged_classification


def _strict(device_name):
    def convert(a):
        return array_api_strict.asarray(a, device=array_api_strict.Device(device_name))

    return convert


NAMESPACES = {
    "array_api_strict-CPU_DEVICE": (array_api_strict, _strict("CPU_DEVICE")),
    "array_api_strict-device1": (array_api_strict, _strict("device1")),
    "torch-cpu": (torch, lambda a: torch.asarray(a, device="cpu")),
}


@pytest.fixture(scope="module")
def data():
    X, Y, Z = make_tagged_classification(
        n_samples=1200, n_features=6, n_tags=3, pi=[0.3, 0.6, 0.9], random_state=0
    )
    return X, Y.astype(np.float64), np.linspace(0.5, 1.5, 1200)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_model_on_every_namespace(name, dtype, data):
    X, Y, weights = data
    X = X.astype(dtype)
    xp, convert = NAMESPACES[name]
    params = dict(noise="missing+spurious", max_iter=3, tol=None, random_state=0, batch_size=200)
    reference = RobustLogisticRegression(**params).fit(X, Y, sample_weight=weights)
    with sklearn.config_context(array_api_dispatch=True):
        model = RobustLogisticRegression(**params).fit(
            convert(X), convert(Y), sample_weight=convert(weights)
        )
        model.partial_fit(convert(X[:300]), convert(Y[:300]))
        proba = model.predict_proba(convert(X))
        tag_proba = model.predict_tag_proba(convert(X))
        predictions = model.predict(convert(X))
    reference.partial_fit(X[:300], Y[:300])
    device = array_api_strict.Device(name.split("-")[1]) if "strict" in name else torch.device("cpu")

    rtol = 2e-4 if dtype == np.float32 else 1e-9
    for attribute in ("coef_", "intercept_", "pi_", "gamma_"):
        value = getattr(model, attribute)
        assert type(value).__module__.startswith(xp.__name__.split(".")[0])
        assert value.device == device
        np.testing.assert_allclose(to_numpy(value), getattr(reference, attribute), rtol=rtol, atol=rtol)
    for ours, theirs in [
        (proba, reference.predict_proba(X)),
        (tag_proba, reference.predict_tag_proba(X)),
    ]:
        assert ours.device == device and to_numpy(ours).dtype == dtype
        np.testing.assert_allclose(to_numpy(ours), theirs, rtol=rtol, atol=rtol)
    agreement = np.mean(to_numpy(predictions) == reference.predict(X))
    assert agreement > 0.999


def _forbid_host_transfers(monkeypatch):
    """Make every device->host conversion of an array_api_strict array raise."""

    def refuse(*args, **kwargs):
        raise AssertionError("host round trip inside the minibatch loop")

    for method in ("__bool__", "__float__", "__int__", "__index__", "__array__", "__dlpack__"):
        monkeypatch.setattr(array_api_strict._array_object.Array, method, refuse, raising=False)


def test_minibatch_loop_has_no_host_round_trip(data, monkeypatch):
    X, Y, weights = data
    xp = array_api_strict
    convert = _strict("device1")
    device = array_api_strict.Device("device1")
    state = initial_state(3, 6, 0.5, 0.9, xp, device, xp.float64)
    config = TrainingConfig(
        alpha=1e-4, schedule="invscaling", learning_rate=0.1, power_t=0.25, momentum=0.9,
        batch_size=100, em_step=0.01, learn_pi=True, learn_gamma=True,
    )
    order = convert(np.random.default_rng(0).permutation(1200))
    X_d, Y_d, w_d = convert(X), convert(Y), convert(weights)
    _forbid_host_transfers(monkeypatch)
    new_state, loss = train_pass(state, X_d, Y_d, w_d, order, config, xp)
    monkeypatch.undo()
    assert new_state.n_updates == 12
    assert new_state.coef.device == device and loss.device == device
    assert float(loss) > 0


def test_em_functions_on_every_namespace():
    rng = np.random.default_rng(0)
    s = rng.normal(scale=50, size=(20, 3))
    y = (rng.random((20, 3)) < 0.5).astype(float)
    pi, gamma = np.array([0.2, 0.5, 1.0]), np.array([0.9, 1.0, 0.8])
    w = rng.random(20)
    expected = ref.posterior_and_loglik(s, y, pi, gamma, np)
    residual, sums, loglik = _em.step_terms(s, y, pi, gamma, w, np)
    expected_step = [residual, *sums, loglik]
    for xp, convert in NAMESPACES.values():
        from sklearn.utils._array_api import get_namespace

        with sklearn.config_context(array_api_dispatch=True):
            ns, _ = get_namespace(convert(s))
        args = convert(s), convert(y), convert(pi), convert(gamma)
        result = ref.posterior_and_loglik(*args, ns)
        for ours, theirs in zip(result, expected):
            np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-12)
        residual, sums, loglik = _em.step_terms(*args, convert(w), ns)
        for ours, theirs in zip([residual, *sums, loglik], expected_step):
            np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-12, atol=1e-15)


def test_predict_with_another_namespace_is_refused(data):
    X, Y, _ = data
    with sklearn.config_context(array_api_dispatch=True):
        model = RobustLogisticRegression(max_iter=1, tol=None).fit(torch.asarray(X), torch.asarray(Y))
        with pytest.raises(ValueError, match="same namespace"):
            model.predict_proba(X)
        with pytest.raises(ValueError, match="same namespace"):
            model.partial_fit(X, Y)


def test_estimator_to_numpy_pickles_without_the_device(data):
    X, Y, _ = data
    convert = _strict("device1")
    with sklearn.config_context(array_api_dispatch=True):
        model = RobustLogisticRegression(max_iter=2, tol=None, random_state=0).fit(
            convert(X), convert(Y)
        )
        expected = to_numpy(model.predict_proba(convert(X)))
    portable = pickle.loads(pickle.dumps(estimator_to_numpy(model)))
    assert isinstance(portable.coef_, np.ndarray) and isinstance(portable.pi_, np.ndarray)
    np.testing.assert_allclose(portable.predict_proba(X), expected, rtol=1e-12)
    # The original keeps its device state.
    assert model.coef_.device == array_api_strict.Device("device1")


def test_without_dispatch_torch_input_is_converted_to_numpy(data):
    """sklearn's convention: without array_api_dispatch, inputs become NumPy."""
    X, Y, _ = data
    model = RobustLogisticRegression(max_iter=1, tol=None).fit(torch.asarray(X), torch.asarray(Y))
    assert isinstance(model.coef_, np.ndarray)
