"""Where the tests find ../shared/data and the optional extras, and what to do when
they are missing: skip on a developer machine, fail in CI (CI=true), so a CI run can
never go green by silently skipping the tests on real data; the stand-ins for a
GPU namespace; and a fit that stops at max_iter on purpose."""

import importlib
import os
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

REPO = Path(__file__).resolve().parents[1]


def in_ci():
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_data_dir():
    """``$SKROBUST_SHARED_DATA`` or ``<repo>/../shared/data``; skip/fail if absent."""
    env = os.environ.get("SKROBUST_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        msg = f"shared data directory not found: {path} (set SKROBUST_SHARED_DATA)"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def require(module):
    """Import an optional dependency; skip without it locally, fail in CI."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"optional dependency {module!r} is not installed: {exc}"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)


def stand_in_device(namespace):
    """(convert, device) for a namespace that stands in for a GPU: "torch" (CPU, device
    None; skipped without torch) or "array_api_strict" (its second device)."""
    if namespace == "torch":
        torch = pytest.importorskip("torch")
        return (lambda a: torch.asarray(a, device="cpu")), None
    import array_api_strict

    device = array_api_strict.Device("device1")
    return (lambda a: array_api_strict.asarray(a, device=device)), device


def fit_without_convergence_warning(model, X, Y, **fit_params):
    """``model.fit``, where stopping at ``max_iter`` (or at the chosen epochs) is meant."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, Y, **fit_params)
