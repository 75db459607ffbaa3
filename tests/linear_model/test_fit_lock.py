"""Concurrent training calls on one estimator take turns: no update is lost."""

import pickle
import threading

import numpy as np
from sklearn.base import clone

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification


def test_concurrent_partial_fit_loses_no_update():
    X, Y, _ = make_tagged_classification(n_samples=400, n_features=8, n_tags=3,
                                         random_state=0)
    model = RobustLogisticRegression(alpha=1e-3, batch_size=50, random_state=0)
    start = threading.Barrier(4)

    def stream():
        start.wait()
        for _ in range(25):
            model.partial_fit(X, Y)

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 100 passes of 8 minibatches, each pass counted and every update kept.
    assert model.n_iter_ == 100
    assert model.t_ == 100 * 8
    assert len(model.loss_curve_) == 100


def test_a_model_that_has_trained_still_pickles_and_clones():
    X, Y, _ = make_tagged_classification(n_samples=200, n_features=4, n_tags=2,
                                         random_state=0)
    model = RobustLogisticRegression(alpha=1e-3, max_iter=3, tol=None).fit(X, Y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.coef_, model.coef_)
    assert clone(model).get_params() == model.get_params()
