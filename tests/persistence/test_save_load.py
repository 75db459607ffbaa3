"""skrobust.save / skrobust.load: round trips of every supported class, exact
predictions and state, refusals at save time, clear errors at load time."""

import json
import pickle
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import skrobust
from skrobust import (
    InterceptCalibrator,
    RobustLogisticRegression,
    RobustLogisticRegressionCV,
    estimator_to_numpy,
)
from skrobust._persistence import _archive
from skrobust.datasets import make_tagged_classification
from skrobust.tags import TagVectorizer

TAG_LISTS = [["dog", "sky"], ["dog", "cat", "sun"], ["sky"], ["cat", "dog"], ["sea"]]


@pytest.fixture(scope="module")
def data():
    X, Y, Z = make_tagged_classification(
        n_samples=300, n_features=4, n_tags=3, pi=[0.4, 0.7, 0.9], random_state=0
    )
    return X, Y, Z


def quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


def rlr(**params):
    return RobustLogisticRegression(max_iter=3, batch_size=64, random_state=0, **params)


def fitted_models(X, Y, Z):
    """name -> (fitted model, method to compare, its input)."""
    model = quiet(lambda: rlr().fit(X, Y))
    return {
        "RobustLogisticRegression": (model, "predict_proba", X),
        "RobustLogisticRegression-binary": (
            quiet(lambda: rlr(noise="missing+spurious").fit(X, Y[:, 0])), "predict_proba", X
        ),
        "RobustLogisticRegressionCV": (
            quiet(lambda: RobustLogisticRegressionCV(alphas=3, cv=2, max_iter=2,
                                                     random_state=0).fit(X, Y)),
            "predict_proba", X,
        ),
        "InterceptCalibrator-prefit": (
            InterceptCalibrator(model).fit(X[:150], Z[:150]), "predict_proba", X
        ),
        "InterceptCalibrator-trained": (
            quiet(lambda: InterceptCalibrator(rlr(), method="platt").fit(
                X[:150], Z[:150], X_noisy=X, y_noisy=Y)),
            "predict_proba", X,
        ),
        "InterceptCalibrator-of-Pipeline": (
            InterceptCalibrator(quiet(lambda: make_pipeline(StandardScaler(), rlr()).fit(X, Y)))
            .fit(X[:150], Z[:150]),
            "predict_proba", X,
        ),
        "StandardScaler": (StandardScaler().fit(X), "transform", X),
        "Pipeline": (
            quiet(lambda: make_pipeline(StandardScaler(), rlr()).fit(X, Y)),
            "predict_proba", X,
        ),
        "Pipeline-calibrated": (
            make_pipeline(StandardScaler().fit(X), InterceptCalibrator(model)).fit(
                X[:150], Z[:150]
            ),
            "predict", X,
        ),
        "TagVectorizer": (
            TagVectorizer(lemmatize=None, min_images=2).fit(TAG_LISTS), "transform", TAG_LISTS
        ),
    }


def assert_same_state(a, b, where="model"):
    """Same class, same __dict__ keys, and every value equal to the bit."""
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.tobytes() == b.tobytes() if a.dtype != object else a.tolist() == b.tolist()
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same_state(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, np.random.RandomState):
        state_a, state_b = a.get_state(legacy=False), b.get_state(legacy=False)
        np.testing.assert_array_equal(state_a["state"]["key"], state_b["state"]["key"])
        assert (state_a["state"]["pos"], state_a["gauss"]) == (
            state_b["state"]["pos"], state_b["gauss"]
        ), where
    elif hasattr(a, "get_params"):
        assert_same_state(vars(a), vars(b), where)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def models(data):
    return fitted_models(*data)


@pytest.mark.parametrize(
    "name",
    ["RobustLogisticRegression", "RobustLogisticRegression-binary",
     "RobustLogisticRegressionCV", "InterceptCalibrator-prefit",
     "InterceptCalibrator-trained", "InterceptCalibrator-of-Pipeline", "StandardScaler", "Pipeline", "Pipeline-calibrated",
     "TagVectorizer"],
)
def test_round_trip_predicts_bit_identically(models, name, tmp_path):
    model, method, X = models[name]
    before = pickle.dumps(model)
    path = tmp_path / "model.skrobust"
    skrobust.save(model, path)
    loaded = skrobust.load(path)
    assert pickle.dumps(model) == before  # saving leaves the model alone
    assert_same_state(model, loaded)
    expected, found = getattr(model, method)(X), getattr(loaded, method)(X)
    if hasattr(expected, "toarray"):
        expected, found = expected.toarray(), found.toarray()
    assert found.dtype == expected.dtype
    assert found.tobytes() == expected.tobytes()
    # The archive holds JSON and .npy members only.
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert names[0] == "manifest.json"
    assert all(n.startswith("arrays/") and n.endswith(".npy") for n in names[1:])
    assert sorted(manifest["arrays"]) == sorted(names[1:])
    assert manifest["format_version"] == 1 and manifest["kind"] == "model"


def test_manifest_lists_class_params_attributes_and_hashes(models, tmp_path):
    model = models["RobustLogisticRegression"][0]
    path = tmp_path / "m.skrobust"
    skrobust.save(model, path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        root = manifest["root"]
        assert root["class"] == "skrobust.RobustLogisticRegression"
        assert root["params"]["batch_size"] == 64 and root["params"]["noise"] == "missing"
        coef = manifest["arrays"][root["attributes"]["coef_"]["member"]]
        assert coef["shape"] == [3, 4] and coef["dtype"] == "<f8"
        assert coef["sha256"] == _archive.sha256(
            archive.read(root["attributes"]["coef_"]["member"])
        )
        # The model's RNG is stored as its bit generator's state, not as a pickle.
        assert root["attributes"]["_rng"]["type"] == "RandomState"


def test_loaded_model_trains_on_exactly_like_the_original(models, data, tmp_path):
    X, Y, _ = data
    model = models["RobustLogisticRegression"][0]
    skrobust.save(model, tmp_path / "m")
    loaded = skrobust.load(tmp_path / "m")
    original = pickle.loads(pickle.dumps(model))  # leaves the shared fixture as it is
    for m in (original, loaded):
        m.partial_fit(X[:100], Y[:100])  # shuffles with the restored RNG
    assert_same_state(original, loaded)


def test_shared_objects_stay_shared(models, data, tmp_path):
    X, Y, Z = data
    calibrated = models["InterceptCalibrator-prefit"][0]
    skrobust.save(calibrated, tmp_path / "c")
    loaded = skrobust.load(tmp_path / "c")
    assert loaded.estimator_ is loaded.estimator  # prefit: the very model it wraps
    rng_model = quiet(lambda: RobustLogisticRegression(
        max_iter=2, random_state=np.random.RandomState(3)).fit(X, Y))
    skrobust.save(rng_model, tmp_path / "r")
    loaded = skrobust.load(tmp_path / "r")
    assert loaded._rng is loaded.random_state  # as in the original
    assert_same_state(rng_model, loaded)


def test_unfitted_models_and_generator_params_round_trip(tmp_path):
    model = RobustLogisticRegression(pi_init=np.array([0.3, 0.6]), alpha=1e-3)
    skrobust.save(model, tmp_path / "u")
    loaded = skrobust.load(tmp_path / "u")
    assert not hasattr(loaded, "coef_")
    np.testing.assert_array_equal(loaded.pi_init, [0.3, 0.6])
    assert loaded.alpha == 1e-3
    vectorizer = TagVectorizer(dtype=np.int8, exclude=["me"], vocabulary={"b": 0, "a": 1})
    skrobust.save(vectorizer, tmp_path / "v")
    loaded = skrobust.load(tmp_path / "v")
    assert loaded.dtype is np.int8 and loaded.vocabulary == {"b": 0, "a": 1}
    assert_same_state(vectorizer, loaded)


def test_feature_names_round_trip(data, tmp_path):
    X, Y, _ = data
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = quiet(lambda: make_pipeline(StandardScaler(), rlr()).fit(frame, Y))
    skrobust.save(model, tmp_path / "p")
    loaded = skrobust.load(tmp_path / "p")
    assert list(loaded.feature_names_in_) == ["a", "b", "c", "d"]
    assert loaded.predict_proba(frame).tobytes() == model.predict_proba(frame).tobytes()


def test_the_same_model_gives_the_same_bytes(models, tmp_path):
    model = models["Pipeline"][0]
    skrobust.save(model, tmp_path / "a")
    skrobust.save(skrobust.load(tmp_path / "a"), tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_model_fitted_on_torch_saves_as_numpy(data, tmp_path):
    X, Y, _ = data
    with sklearn.config_context(array_api_dispatch=True):
        model = quiet(lambda: rlr().fit(torch.asarray(X), torch.asarray(Y, dtype=torch.float64)))
    assert isinstance(model.coef_, torch.Tensor)
    skrobust.save(model, tmp_path / "t")
    loaded = skrobust.load(tmp_path / "t")
    assert isinstance(loaded.coef_, np.ndarray)
    expected = estimator_to_numpy(model).predict_proba(X)
    assert loaded.predict_proba(X).tobytes() == expected.tobytes()


def test_pickling_still_works(models):
    model, method, X = models["Pipeline"]
    again = pickle.loads(pickle.dumps(model))
    assert getattr(again, method)(X).tobytes() == getattr(model, method)(X).tobytes()


# ---------------------------------------------------------------- refused at save


class MyRobustLogisticRegression(RobustLogisticRegression):
    pass


@pytest.mark.parametrize(
    "obj, match",
    [
        (LogisticRegression(), r"skrobust.save saves models of the classes .*got a "
                               r"sklearn.linear_model._logistic.LogisticRegression"),
        (MyRobustLogisticRegression(), "got a .*MyRobustLogisticRegression"),
        (InterceptCalibrator(LogisticRegression()),
         r"Cannot save InterceptCalibrator.estimator: .*LogisticRegression is not one of the "
         r"classes skrobust.save supports"),
        (make_pipeline(StandardScaler(), LogisticRegression()),
         r"Cannot save Pipeline.steps\[1\]\[1\]: .*LogisticRegression is not one of"),
        ([1, 2], "got a builtins.list"),
    ],
)
def test_unsupported_classes_are_refused(obj, match, tmp_path):
    with pytest.raises(TypeError, match=match):
        skrobust.save(obj, tmp_path / "x")
    assert list(tmp_path.iterdir()) == []  # nothing written, no temp file left


@pytest.mark.parametrize(
    "obj, match",
    [
        (RobustLogisticRegression(pi_init=object()),
         r"Cannot save RobustLogisticRegression.pi_init: it is a builtins.object, and only "
         r"JSON values"),
        (TagVectorizer(lemmatize=lambda tag: tag), r"TagVectorizer.lemmatize: .*function"),
        (Pipeline([("s", StandardScaler())], memory=pickle), r"Pipeline.memory: .*module"),
        (RobustLogisticRegression(pi_init=np.array([None, 1.0])), "object array whose items"),
    ],
)
def test_parameters_that_are_not_data_are_refused(obj, match, tmp_path):
    with pytest.raises(TypeError, match=match):
        skrobust.save(obj, tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(models, tmp_path, monkeypatch):
    path = tmp_path / "m"
    skrobust.save(models["StandardScaler"][0], path)
    before = path.read_bytes()

    def broken_write(file, data):
        file.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(_archive, "_write_and_sync", broken_write)
    with pytest.raises(OSError, match="disk full"):
        skrobust.save(models["Pipeline"][0], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


# ---------------------------------------------------------------- refused at load


def rewrite_manifest(path, change):
    """Rewrite the file at ``path`` with ``change(manifest)`` applied and valid hashes:
    what a deliberate edit (not damage) looks like."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    change(manifest)
    path.write_bytes(_archive.archive_bytes(manifest, members))


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m: m.update(format_version=2), "is in format version 2; this skrobust reads "
                                               "version 1"),
        (lambda m: m.update(format="other"), "is not a skrobust file"),
        (lambda m: m.update(kind="streaming checkpoint"), "holds a 'streaming checkpoint'"),
        (lambda m: m["root"].update({"class": "sklearn.linear_model.LogisticRegression"}),
         "names the class 'sklearn.linear_model.LogisticRegression', which is not one"),
        (lambda m: m["root"]["params"].update(color="red"), "has parameters .* does not take"),
        (lambda m: m["root"]["attributes"].update({"coef_": {"type": "pickle"}}),
         r"the saved object.coef_ has the unknown type 'pickle'"),
        (lambda m: m["root"]["attributes"].update({"coef_": {"type": "ref", "id": 999}}),
         "refers to object 999, which comes nowhere before"),
        (lambda m: m["root"]["attributes"].update({"__class__": None}),
         "sets the special attributes"),
        (lambda m: next(iter(m["arrays"].values())).update(shape=[7]), "its manifest says shape"),
    ],
)
def test_edited_files_are_refused(models, tmp_path, change, match):
    path = tmp_path / "model.skrobust"
    skrobust.save(models["RobustLogisticRegression"][0], path)
    rewrite_manifest(path, change)
    with pytest.raises(ValueError, match=r"model.skrobust'.*" + match):
        skrobust.load(path)


def test_a_checkpoint_is_not_a_model(tmp_path):
    from skrobust.streaming import ChunkedDataset, fit_stream

    X, Y, _ = make_tagged_classification(n_samples=200, n_features=3, random_state=0)
    path = tmp_path / "run.ckpt"
    fit_stream(rlr(), ChunkedDataset(X, Y, chunk_size=100), checkpoint=path, progress=False)
    with pytest.raises(ValueError, match="run.ckpt' holds a 'streaming checkpoint', not a "
                                         "'model'"):
        skrobust.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.skrobust"):
        skrobust.load(tmp_path / "nothing.skrobust")


def test_other_scikit_learn_version_warns(models, tmp_path):
    path = tmp_path / "m"
    skrobust.save(models["StandardScaler"][0], path)
    rewrite_manifest(path, lambda m: m["versions"].update({"scikit-learn": "0.1"}))
    with pytest.warns(sklearn.exceptions.InconsistentVersionWarning, match="0.1"):
        skrobust.load(path)


def test_a_pipeline_with_a_joblib_cache_is_refused_at_load(tmp_path):
    # Pipeline(memory=DIR) caches fitted transformers as pickles in DIR: a model
    # file naming a folder would make the user's next fit unpickle what is there.
    X, Y, _ = make_tagged_classification(n_samples=60, n_features=3, n_tags=2,
                                         random_state=0)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("rlr", RobustLogisticRegression(max_iter=2, tol=None))],
                    memory=str(tmp_path / "cache")).fit(X, Y)
    path = tmp_path / "cached.skrobust"
    skrobust.save(pipe, path)
    with pytest.raises(ValueError, match="memory=None"):
        skrobust.load(path)
