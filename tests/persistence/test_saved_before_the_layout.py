"""Files saved before the package layout changed (issue 17) still load, and equal.

tests/fixtures/persistence/ holds models saved by skrobust at commit 47060e8, when
every module sat at the top of skrobust/. The manifest names classes by their public
paths (``skrobust.RobustLogisticRegression``), never by the module that defines
them, so moving modules does not change what a file means.
"""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

import skrobust
from skrobust._persistence._codec import supported_classes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "persistence"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _class_names(node):
    if isinstance(node, dict):
        if node.get("type") == "estimator":
            yield node["class"]
        for value in node.values():
            yield from _class_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _class_names(value)


@pytest.mark.parametrize("name", ["pipeline_rlr", "calibrator", "rlr_cv"])
def test_models_saved_before_the_move_predict_the_same(name):
    model = skrobust.load(FIXTURES / f"{name}.skrobust")
    proba = np.asarray(model.predict_proba(np.asarray(EXPECTED["X"])))
    np.testing.assert_allclose(proba, EXPECTED[name], rtol=0, atol=1e-11)


def test_tag_vectorizer_saved_before_the_move_transforms_the_same():
    vec = skrobust.load(FIXTURES / "tag_vectorizer.skrobust")
    assert vec.transform([["sky", "dog", "cat"]]).toarray().tolist() == EXPECTED["tag_vectorizer"]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.skrobust")), ids=lambda p: p.name)
def test_manifests_name_public_classes_only(path):
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    names = set(_class_names(manifest["root"]))
    assert names and names <= set(supported_classes())
    assert not any("._" in name for name in names)  # no private module path
