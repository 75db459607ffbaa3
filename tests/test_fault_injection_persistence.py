"""Fault injection for skrobust.load: files of every odd type and size, and archives
with valid hashes (anyone can write one) around a decoded state that ``fit`` could not
have left. Each must fail with a ValueError naming the file, in memory bounded by
what the file would return, never with a raw MemoryError, AttributeError, a hang,
or a model that predicts nonsense."""

import builtins
import json
import os
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skrobust
from skrobust import InterceptCalibrator, RobustLogisticRegression
from skrobust._persistence import _archive
from skrobust.datasets import make_tagged_classification

MIB = 1 << 20


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The bytes of a saved calibrated Pipeline(StandardScaler, RLR) and its data."""
    X, Y, Z = make_tagged_classification(n_samples=300, n_features=4, n_tags=3,
                                         random_state=0)
    model = make_pipeline(StandardScaler(), RobustLogisticRegression(
        max_iter=3, tol=None, random_state=0)).fit(X, Y)
    model = InterceptCalibrator(model).fit(X[:60], Z[:60])
    path = tmp_path_factory.mktemp("saved") / "m.skrobust"
    skrobust.save(model, path)
    return path.read_bytes(), X


def _unpack(data):
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    return manifest, members


def _estimators(node, found=None):
    """Every estimator node of the manifest's tree, by class name (first seen)."""
    found = {} if found is None else found
    if isinstance(node, dict):
        if node.get("type") == "estimator":
            found.setdefault(node["class"].rsplit(".", 1)[-1], node)
        for value in node.values():
            _estimators(value, found)
    elif isinstance(node, list):
        for value in node:
            _estimators(value, found)
    return found


def _array_node(manifest, members, node_id, array):
    """A node for ``array`` as a new member with its hash (keeping ``node_id``)."""
    name = f"arrays/crafted{len(members)}.npy"
    members[name] = _archive.array_bytes(array)
    manifest["arrays"][name] = {"shape": list(array.shape), "dtype": array.dtype.str,
                                "sha256": _archive.sha256(members[name])}
    return {"type": "ndarray", "id": node_id, "member": name}


def _craft(saved, tmp_path, change):
    manifest, members = _unpack(saved[0])
    change(manifest, members, _estimators(manifest["root"]))
    path = tmp_path / "crafted.skrobust"
    path.write_bytes(_archive.archive_bytes(manifest, members))
    return path


def _set_array(cls, attribute, make):
    """A change replacing ``cls``'s ``attribute`` by ``make(current array)``."""
    def change(manifest, members, estimators):
        attributes = estimators[cls]["attributes"]
        node = attributes[attribute]
        current = np.lib.format.read_array(
            __import__("io").BytesIO(members[node["member"]]))
        attributes[attribute] = _array_node(manifest, members, node["id"], make(current))
    return change


def _load_fails(path, match):
    with pytest.raises(ValueError, match=rf"{path.name}'.*{match}"):
        skrobust.load(path)


# --------------------------------------------------------- file types and sizes


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.fifo"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            skrobust.load(fifo)
        except Exception as err:  # noqa: BLE001 - recorded and checked below
            outcome.append(err)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():  # unblock the old behaviour's open() so the test ends
        with open(fifo, "wb"):
            pass
        thread.join(60)
        pytest.fail("skrobust.load blocked on a FIFO")
    assert isinstance(outcome[0], ValueError) and "not a regular file" in str(outcome[0])


def test_a_device_is_refused_before_it_is_read():
    with pytest.raises(ValueError, match="'/dev/zero' is not a regular file"):
        skrobust.load("/dev/zero")


def _peak_while(call):
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_large_file_without_a_trailer_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "big.skrobust"
    with open(path, "wb") as f:
        f.truncate(256 * MIB)  # sparse: costs no disk
    peak = _peak_while(lambda: pytest.raises(ValueError, skrobust.load, path))
    assert peak < 16 * MIB, f"peak {peak / MIB:.0f} MiB to refuse a 256 MiB file"


def test_a_large_prefix_before_a_valid_archive_is_refused_in_bounded_memory(saved, tmp_path):
    path = tmp_path / "prefixed.skrobust"
    with open(path, "wb") as f:
        f.truncate(256 * MIB)
        f.seek(256 * MIB)
        f.write(saved[0])
    holder = []
    peak = _peak_while(lambda: holder.append(
        pytest.raises(ValueError, skrobust.load, path)))
    assert "bytes before member" in str(holder[0].value)
    assert peak < 16 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_a_member_header_declaring_a_huge_array_is_refused(saved, tmp_path):
    """Shape (10**13,) in the .npy header, hashes recomputed: no allocation."""
    def change(manifest, members, estimators):
        node = estimators["RobustLogisticRegression"]["attributes"]["coef_"]
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
        import io
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, header)
        members[node["member"]] = buffer.getvalue() + b"\0" * 64
        entry = manifest["arrays"][node["member"]]
        entry.update(shape=[10**13], dtype="<f8",
                     sha256=_archive.sha256(members[node["member"]]))
    path = _craft(saved, tmp_path, change)
    _load_fails(path, r"declares an array of shape \(10000000000000,\)")


# --------------------------------------------------------- the manifest itself


@pytest.mark.parametrize("change, match", [
    (lambda m: m.update(root=None), "'root' is None, not a saved object"),
    (lambda m: m.update(versions="x"), "'versions' is 'x', not a table"),
])
def test_manifest_fields_of_the_wrong_kind(saved, tmp_path, change, match):
    path = _craft(saved, tmp_path, lambda m, members, e: change(m))
    _load_fails(path, match)


def test_a_bare_nan_token_is_not_json(saved, tmp_path):
    manifest, members = _unpack(saved[0])
    _estimators(manifest["root"])["RobustLogisticRegression"]["params"]["alpha"] = "@NAN@"
    text = json.dumps(manifest).replace('"@NAN@"', "NaN")
    path = tmp_path / "nan.skrobust"
    path.write_bytes(_archive._archive_of(text.encode(), members))
    _load_fails(path, "bare token NaN")


# --------------------------------------------------------- decoded fitted state

RLR, SCALER, CAL = "RobustLogisticRegression", "StandardScaler", "InterceptCalibrator"

WRONG_STATE = {
    "3-D coef_": (_set_array(RLR, "coef_", lambda a: a[:, None, :]), "coef_ of shape"),
    "int8 coef_": (_set_array(RLR, "coef_", lambda a: a.astype(np.int8)), "dtype int8"),
    "pi_ 7.5": (_set_array(RLR, "pi_", lambda a: np.full_like(a, 7.5)), "pi_ with values"),
    "pi_ of shape (1,)": (_set_array(RLR, "pi_", lambda a: a[:1]), r"pi_ of shape \(1,\)"),
    "NaN intercept_": (_set_array(RLR, "intercept_", lambda a: a * np.nan), "not finite"),
    "scale_ 0": (_set_array(SCALER, "scale_", lambda a: a * 0), "scale_ with values"),
    "mean_ too short": (_set_array(SCALER, "mean_", lambda a: a[:-1]), "mean_ of shape"),
    "beta_ of another length": (_set_array(CAL, "beta_", lambda a: a[:1]), r"beta_ of shape \(1,\)"),
    "missing coef_": (lambda m, members, e: e[RLR]["attributes"].pop("coef_"),
                      r"lacks \['coef_'\]"),
    "missing _multilabel": (lambda m, members, e: e[RLR]["attributes"].pop("_multilabel"),
                            r"lacks \['_multilabel'\]"),
    "predict_proba = str": (
        lambda m, members, e: e[RLR]["attributes"].update(
            predict_proba={"type": "type", "name": "builtins.str"}),
        "'predict_proba', which would hide RobustLogisticRegression.predict_proba"),
    "scaler transform = float64": (
        lambda m, members, e: e[SCALER]["attributes"].update(
            transform={"type": "type", "name": "numpy.float64"}),
        "'transform', which would hide StandardScaler.transform"),
    "n_features_in_ 5": (lambda m, members, e: e[RLR]["attributes"].update(n_features_in_=5),
                         "n_features_in_ = 5"),
}


@pytest.mark.parametrize("name", WRONG_STATE)
def test_decoded_state_fit_could_not_leave_is_refused(saved, tmp_path, name):
    change, match = WRONG_STATE[name]
    _load_fails(_craft(saved, tmp_path, change), match)


ARRAYS = {RLR: ["coef_", "intercept_", "pi_", "gamma_", "_previous_coef",
                "_previous_intercept"],
          SCALER: ["mean_", "var_", "scale_"], CAL: ["beta_", "slope_"]}
WRONG = {"an extra axis": lambda a: a[None], "int8": lambda a: a.astype(np.int8),
         "NaN": lambda a: np.full(a.shape, np.nan), "too long": lambda a: np.concatenate(
             [a, a], axis=-1)}


@pytest.mark.parametrize("wrong", WRONG)
@pytest.mark.parametrize("cls, attribute",
                         [(c, a) for c, names in ARRAYS.items() for a in names])
def test_every_fitted_array_of_a_wrong_shape_dtype_or_range(saved, tmp_path, cls,
                                                            attribute, wrong):
    path = _craft(saved, tmp_path, _set_array(cls, attribute, WRONG[wrong]))
    _load_fails(path, attribute)


def test_the_untouched_file_still_loads_and_predicts(saved, tmp_path):
    path = tmp_path / "ok.skrobust"
    path.write_bytes(saved[0])
    proba = skrobust.load(path).predict_proba(saved[1])
    assert proba.shape == (300, 3) and 0 <= proba.min() <= proba.max() <= 1
