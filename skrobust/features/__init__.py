"""Image featurizers: pooled CNN features for the linear models.

Needs the optional extra ``skrobust[features]``; torch is imported only when
features are computed, so ``import skrobust.features`` works without it.
"""

from skrobust.features._cnn import CNNFeaturizer
from skrobust.features._network import imagenet_class_names
from skrobust.features._preprocess import UnreadableImageError, preprocess_image

__all__ = ["CNNFeaturizer", "UnreadableImageError", "imagenet_class_names", "preprocess_image"]
