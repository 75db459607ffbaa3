"""
=======================================================
Calibrating a noisy-tag model on 1% of clean labels
=======================================================

A :class:`~skrobust.RobustLogisticRegression` trained on 100,000 images' user tags
(each true tag supplied with probability ``pi = 0.3``) ranks well, but its
probabilities answer "is this tag true *in the tagged collection*". When the
collection we annotate has other tag priors, :class:`~skrobust.InterceptCalibrator`
keeps every weight and re-fits one intercept per tag on 1,000 clean labels (1%).

We compare it with the uncalibrated model and with scikit-learn's
``CalibratedClassifierCV(FrozenEstimator(...), method="sigmoid")`` fitted per tag on
the same 1,000 labels and the very same scores (sigmoid calibration learns a slope as
well as an intercept), on two target collections:

* **same source**: clean labels drawn like the tagged ones; the robust model already
  learned pi, so there is little to fix;
* **prior shift**: each tag's true log-odds moved by a different amount in [-1, 1].

Scores are the mean over tags of the log-loss and Brier score against the true labels
of 49,000 held-out images.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import brier_score_loss, log_loss

from skrobust import InterceptCalibrator, RobustLogisticRegression
from skrobust.datasets import make_tagged_classification

N_NOISY, N_CLEAN, N_TAGS = 100_000, 1000, 10

X, Y, Z, coef, intercept = make_tagged_classification(
    n_samples=N_NOISY + 50_000, n_features=20, n_tags=N_TAGS, pi=0.3, random_state=0,
    return_coef=True,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model = RobustLogisticRegression(random_state=0).fit(X[:N_NOISY], Y[:N_NOISY])

X_target = X[N_NOISY:]
rng = np.random.default_rng(0)
shift = rng.uniform(-1, 1, size=N_TAGS)
Z_shifted = rng.random(Z[N_NOISY:].shape) < expit(X_target @ coef.T + intercept + shift)
targets = {"same source": Z[N_NOISY:], "prior shift": Z_shifted.astype(np.int8)}


class TagColumn(ClassifierMixin, BaseEstimator):
    """One tag of the multi-label model as a binary classifier with the same scores."""

    def __init__(self, model=None, tag=0):
        self.model = model
        self.tag = tag

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X):
        return self.model.decision_function(X)[:, self.tag]

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)


def sigmoid_per_tag(X_clean, Z_clean, X_test):
    return np.column_stack([
        CalibratedClassifierCV(
            FrozenEstimator(TagColumn(model, t).fit(None, None)), method="sigmoid"
        )
        .fit(X_clean, Z_clean[:, t])
        .predict_proba(X_test)[:, 1]
        for t in range(N_TAGS)
    ])


def mean_scores(proba, Z_true):
    tags = range(N_TAGS)
    return (
        np.mean([log_loss(Z_true[:, t], proba[:, t], labels=[0, 1]) for t in tags]),
        np.mean([brier_score_loss(Z_true[:, t], proba[:, t], pos_label=1) for t in tags]),
    )


X_clean, X_test = X_target[:N_CLEAN], X_target[N_CLEAN:]
probabilities = {}
print(f"{'target':<12} {'method':<22} {'log-loss':>9} {'Brier':>9}")
for target_name, Z_target in targets.items():
    Z_clean, Z_test = Z_target[:N_CLEAN], Z_target[N_CLEAN:]
    # method="intercept": the paper's one offset per tag, so that the learned offsets
    # can be read against the true shifts below ("auto" may also fit a slope).
    calibrated = InterceptCalibrator(model, method="intercept").fit(X_clean, Z_clean)
    probabilities[target_name] = {
        "uncalibrated": model.predict_proba(X_test),
        "InterceptCalibrator": calibrated.predict_proba(X_test),
        "sigmoid (per tag)": sigmoid_per_tag(X_clean, Z_clean, X_test),
    }
    for method, proba in probabilities[target_name].items():
        loss, brier = mean_scores(proba, Z_test)
        print(f"{target_name:<12} {method:<22} {loss:9.5f} {brier:9.5f}")
    print(f"{target_name:<12} prior strength chosen: {calibrated.prior_strength_:g}")
    if target_name == "prior shift":
        beta = np.asarray(calibrated.beta_)

print("max |beta - shift| on the shifted target:", round(float(np.max(np.abs(beta - shift))), 3))

# %%
# Reliability on the shifted target (all tags pooled), and the learned offsets
# against the true shifts: one parameter per tag, learned from 1,000 labels.
fig, (reliability, offsets) = plt.subplots(1, 2, figsize=(10, 4.2))
Z_test = targets["prior shift"][N_CLEAN:]
for method, proba in probabilities["prior shift"].items():
    observed, predicted = calibration_curve(Z_test.ravel(), proba.ravel(), n_bins=15)
    reliability.plot(predicted, observed, marker="o", markersize=3, label=method)
reliability.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
reliability.set(xlabel="predicted P(true tag)", ylabel="observed frequency",
                title="Prior-shifted target collection")
reliability.legend()
offsets.scatter(shift, beta)
offsets.plot([-1, 1], [-1, 1], color="grey", linestyle=":")
offsets.set(xlabel="true shift of the tag's log-odds", ylabel="learned beta",
            title="One intercept per tag")
fig.tight_layout()
plt.show()
