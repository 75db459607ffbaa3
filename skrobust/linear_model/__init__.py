"""Robust logistic regression: logistic regression that learns how noisy its tags are.

The estimators live in :mod:`~skrobust.linear_model._robust` (the model) and
:mod:`~skrobust.linear_model._cv` (L2 chosen on held-out noisy tags); the EM
mathematics, the minibatch trainer, targets, outputs and noise priors are private
modules beside them.
"""

from skrobust.linear_model._robust import RobustLogisticRegression
from skrobust.linear_model._cv import RobustLogisticRegressionCV

__all__ = ["RobustLogisticRegression", "RobustLogisticRegressionCV"]
