"""Images to the network's input: decode, resize, centre crop and normalise (the
steps listed in :mod:`skrobust.features`'s documentation), with a clear error for
an image that cannot be read."""

import os

import numpy as np

from skrobust.features._network import _import_pil

CROP_SIZE = 224
RESIZE_SHORTER = 256
_NORMALIZATIONS = {
    "tf": (np.full(3, 127.0, np.float32), np.full(3, 128.0, np.float32)),
    "imagenet": (
        np.array([0.485, 0.456, 0.406], np.float32) * 255,
        np.array([0.229, 0.224, 0.225], np.float32) * 255,
    ),
}


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
