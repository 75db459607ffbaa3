"""skrobust: image classifiers learned from noisy, user-supplied tags.

Robust logistic regression (Izadinia, Farhadi, Hertzmann and Hoffman, "Image
Classification and Retrieval from User-Supplied Tags") as scikit-learn estimators.
"""

from skrobust._array_api import estimator_to_numpy
from skrobust._persistence import load, save
from skrobust.calibration import InterceptCalibrator
from skrobust.linear_model import RobustLogisticRegression, RobustLogisticRegressionCV
from skrobust.linear_model._noise_priors import noise_prior_from_clean
from skrobust.linear_model._tag_response import predict_tag_proba

__version__ = "0.1.0.dev0"

__all__ = [
    "InterceptCalibrator",
    "RobustLogisticRegression",
    "RobustLogisticRegressionCV",
    "estimator_to_numpy",
    "load",
    "noise_prior_from_clean",
    "predict_tag_proba",
    "save",
    "__version__",
]
