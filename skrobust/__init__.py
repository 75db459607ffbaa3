"""skrobust: image classifiers learned from noisy, user-supplied tags.

Robust logistic regression (Izadinia, Farhadi, Hertzmann and Hoffman, "Image
Classification and Retrieval from User-Supplied Tags") as scikit-learn estimators.
"""

from skrobust._array_api import estimator_to_numpy
from skrobust.calibration import InterceptCalibrator
from skrobust.linear_model import RobustLogisticRegression

__version__ = "0.1.0.dev0"

__all__ = ["InterceptCalibrator", "RobustLogisticRegression", "estimator_to_numpy", "__version__"]
