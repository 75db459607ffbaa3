"""
Choosing settings with GridSearchCV and the paper's scores
==========================================================

:mod:`skrobust.metrics` scores the paper's tasks at top k and provides scorers for
:class:`~sklearn.model_selection.GridSearchCV`. Here we search the L2 strength and
the noise model of :class:`~skrobust.RobustLogisticRegression` on synthetic tags
with known noise (tag ``t``'s true labels are tagged with probability ``pi_t``, from
0.2 to 1), scoring annotation F@4 (the scorers' ``k="auto"``: half the tags of a
vocabulary under 10, here 8) and single-tag retrieval precision at 5 in one search.

The scorers compare predictions with the fold's ``y``, here the noisy tags. The
last step checks every candidate against the true labels, which a real data set
would give only for a small clean subset.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skrobust import RobustLogisticRegression
from skrobust.datasets import make_tagged_classification
from skrobust.metrics import SCORERS, annotation_scores, retrieval_precision

true_pi = np.linspace(0.2, 1.0, 8)
X, Y, Z = make_tagged_classification(
    n_samples=15_000, n_features=20, n_tags=8, pi=true_pi, random_state=0
)
X_train, Y_train, X_test, Z_test = X[:10_000], Y[:10_000], X[10_000:], Z[10_000:]

# %%
# One search, two scores
# ----------------------
# ``SCORERS`` maps names to scorers; pass several and say which one picks the model.
search = GridSearchCV(
    RobustLogisticRegression(random_state=0),
    {"alpha": [1e-4, 1e-2], "noise": ["missing", "none"]},
    scoring={name: SCORERS[name] for name in ("annotation_f1", "retrieval_precision")},
    refit="annotation_f1",
    cv=3,
)
with warnings.catch_warnings():
    # pi converges slowly; 100 epochs are plenty for this comparison.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, Y_train)

results = search.cv_results_
print("noise     alpha   F@4 (tags)  P@5 retrieval (tags)")
for i, params in enumerate(results["params"]):
    print(f"{params['noise']:<9} {params['alpha']:<7g} "
          f"{results['mean_test_annotation_f1'][i]:.3f}       "
          f"{results['mean_test_retrieval_precision'][i]:.3f}")
print("chosen:", search.best_params_)

# %%
# Against the true labels
# -----------------------
# On the noisy tags the robust model scores higher at each alpha; against the true
# labels of held-out data it does too, and the chosen model's pi tracks the true pi.
print("noise     alpha   F@4 (true)  P@5 retrieval (true)")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for params in results["params"]:
        model = clone(search.estimator).set_params(**params).fit(X_train, Y_train)
        proba = model.predict_proba(X_test)
        print(f"{params['noise']:<9} {params['alpha']:<7g} "
              f"{annotation_scores(Z_test, proba, k=4).f1:.3f}       "
              f"{retrieval_precision(Z_test, proba).mean_precision:.3f}")
print("true pi:   ", np.round(true_pi, 2))
print("learned pi:", np.round(search.best_estimator_.pi_, 2))
