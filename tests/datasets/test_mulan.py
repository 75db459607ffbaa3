"""Tests for the MULAN scene loader and its simulated tag omission."""

import numpy as np
import pytest

from _shared import shared_data_dir
from skrobust.datasets import SCENE_LABELS, load_mulan_scene


@pytest.fixture(scope="module")
def scene_dir():
    return shared_data_dir() / "mulan-scene"


def test_real_files(scene_dir):
    train = load_mulan_scene(scene_dir)
    test = load_mulan_scene(scene_dir, subset="test")
    assert train.data.shape == (1211, 294) and train.data.dtype == np.float32
    assert test.data.shape == (1196, 294)
    assert train.target.shape == (1211, 6) and train.target.dtype == np.int8
    assert train.target_names == list(SCENE_LABELS)
    assert train.target.any(axis=1).all()
    X, Z = load_mulan_scene(scene_dir, subset="all", return_X_y=True)
    np.testing.assert_array_equal(X, np.vstack([train.data, test.data]))
    assert Z.shape == (2407, 6)
    assert "Boutell" in train.DESCR


def test_simulated_tags_have_the_asked_pi(scene_dir):
    pi = [0.2, 0.4, 0.6, 0.8, 1.0, 0.0]
    scene = load_mulan_scene(scene_dir, subset="all", pi=pi, random_state=0)
    Z, Y = scene.target, scene.tags
    assert (Y <= Z).all()  # tags are only ever dropped
    kept = (Y * Z).sum(axis=0) / Z.sum(axis=0)
    np.testing.assert_allclose(kept, pi, atol=0.07)
    np.testing.assert_array_equal(scene.pi, pi)
    again = load_mulan_scene(scene_dir, subset="all", pi=pi, random_state=0)
    np.testing.assert_array_equal(again.tags, Y)


def test_errors(scene_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("SKROBUST_MULAN_SCENE_DIR", raising=False)
    with pytest.raises(ValueError, match="SKROBUST_MULAN_SCENE_DIR"):
        load_mulan_scene()
    with pytest.raises(FileNotFoundError, match="scene-train.arff"):
        load_mulan_scene(tmp_path)
    with pytest.raises(ValueError, match="pi"):
        load_mulan_scene(scene_dir, pi=[0.5, 0.5])
    with pytest.raises(ValueError, match="pi"):
        load_mulan_scene(scene_dir, pi=1.5)
    with pytest.raises(ValueError, match="subset"):
        load_mulan_scene(scene_dir, subset="val")
    lines = (scene_dir / "scene-train.arff").read_text().splitlines()
    k = lines.index("@data") + 3
    lines[k] = lines[k].rsplit(",", 1)[0]
    (tmp_path / "scene-train.arff").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"scene-train.arff, line {k + 1}: 299 values"):
        load_mulan_scene(tmp_path)
