"""Tests for skrobust.tags.TagVectorizer."""

import copy
import math
import pickle
import random

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skrobust.tags import TagVectorizer, normalize_tag


def plain(**kwargs):
    """A vectorizer without WordNet, so most tests run without the nlp extra."""
    kwargs.setdefault("lemmatize", None)
    return TagVectorizer(**kwargs)


def names(vec):
    return vec.get_feature_names_out().tolist()


def test_output_is_binary_csr_with_right_shape_and_dtype():
    X = [["dog", "sky", "dog"], [], ["sky"]]
    Y = plain().fit_transform(X)
    assert sp.issparse(Y) and Y.format == "csr"
    assert Y.shape == (3, 2)
    assert Y.dtype == np.float32
    assert Y.has_sorted_indices
    np.testing.assert_array_equal(Y.toarray(), [[1, 1], [0, 0], [0, 1]])
    assert plain(dtype=np.int8).fit_transform(X).dtype == np.int8


def test_fit_then_transform_equals_fit_transform():
    X = [["b", "a"], ["c"], ["a", "c", "d"]]
    vec = plain()
    Y1 = vec.fit_transform(X)
    Y2 = plain().fit(X).transform(X)
    assert (Y1 != Y2).nnz == 0
    assert names(vec) == ["a", "b", "c", "d"]


def test_feature_names_are_stable_under_input_order():
    X = [["zebra", "apple"], ["mango"], ["apple", "kiwi"]]
    shuffled = [list(reversed(tags)) for tags in reversed(X)]
    assert names(plain().fit(X)) == names(plain().fit(shuffled))
    assert names(plain().fit(X)) == ["apple", "kiwi", "mango", "zebra"]


def test_normalisation_lowercase_nfkc_whitespace():
    vec = plain().fit([[" New  York", "new\u00a0york", "\uff24\uff4f\uff47"]])
    assert names(vec) == ["dog", "new york"]
    assert names(plain(lowercase=False).fit([["Dog", "dog"]])) == ["Dog", "dog"]


def test_truncation_happens_before_counting():
    # "cat" is the third tag of both images: with 2 tags per image it is never seen.
    X = [["dog", "sky", "cat"], ["sky", "dog", "cat"]]
    vec = plain(max_tags_per_image=2).fit(X)
    assert names(vec) == ["dog", "sky"]
    assert "cat" not in vec.tag_counts_
    # An excluded tag still takes its place: the uploader typed it.
    vec = plain(max_tags_per_image=2).fit([["2008", "dog", "cat"]])
    assert names(vec) == ["dog"]
    # Missing entries are not tags and do not use up the budget.
    vec = plain(max_tags_per_image=2).fit([[None, "", "  ", "dog", float("nan"), "cat"]])
    assert names(vec) == ["cat", "dog"]
    assert len(plain(max_tags_per_image=None).fit([[f"t{i}" for i in range(50)]])
               .vocabulary_) == 50


@pytest.mark.parametrize(
    "tag", ["nikon", "Canon", "2008", "d80", "explore", "flickr", "Nikon D80", "50mm",
            "canoneos400d", "abigfave", "geotagged", "10faves", "120", "35", "7"]
)
def test_builtin_exclusion_drops_non_image_tags(tag):
    vec = plain().fit([[tag, "dog"]])
    assert names(vec) == ["dog"]
    assert normalize_tag(tag) in names(plain(exclude=None).fit([[tag, "dog"]]))


@pytest.mark.parametrize("tag", ["dog", "sky", "3d", "k9", "a380", "car", "flower"])
def test_builtin_exclusion_keeps_image_tags(tag):
    assert names(plain().fit([[tag]])) == [tag]


def test_user_exclusion_list_and_callable():
    X = [["Dog", "sky", "nikon"]]
    assert names(plain(exclude=["DOG"]).fit(X)) == ["nikon", "sky"]
    assert names(plain(exclude=None).fit(X)) == ["dog", "nikon", "sky"]
    assert names(plain(exclude=lambda t: t.startswith("s")).fit(X)) == ["dog", "nikon"]
    with pytest.raises(TypeError, match="exclude entries"):
        plain(exclude=["ok", 3]).fit(X)


def test_exclusion_is_checked_before_and_after_lemmatization():
    def lemma(t):
        return t.rstrip("s")

    X = [["cameras", "dogs"]]
    assert names(plain(lemmatize=lemma, exclude=["camera"]).fit(X)) == ["dog"]
    assert names(plain(lemmatize=lemma, exclude=["cameras"]).fit(X)) == ["dog"]


def test_callable_lemmatizer_merges_and_is_called_once_per_distinct_tag():
    calls = []

    def lemma(t):
        calls.append(t)
        return t[:-1] if t.endswith("s") else t

    X = [["cars", "car"], ["cars"], ["cars", "dogs"]]
    vec = plain(lemmatize=lemma)
    Y = vec.fit_transform(X)
    assert names(vec) == ["car", "dog"]
    np.testing.assert_array_equal(Y.toarray(), [[1, 0], [1, 0], [1, 1]])
    assert sorted(calls) == ["car", "cars", "dogs"]
    # A lemma of "" drops the tag; a non-string lemma is an error.
    assert names(plain(lemmatize=lambda t: "" if t == "x" else t).fit([["x", "y"]])) == ["y"]
    with pytest.raises(TypeError, match="must return a string"):
        plain(lemmatize=lambda t: None).fit([["x"]])


def test_min_images_and_max_tags():
    X = [["a", "b", "c"], ["a", "b"], ["a", "d"], ["e"]]
    vec = plain(min_images=2).fit(X)
    assert names(vec) == ["a", "b"]
    np.testing.assert_array_equal(vec.document_counts_, [3, 2])
    # Most frequent first, ties broken alphabetically (c, d, e all once): keeps a, b, c.
    assert names(plain(max_tags=3).fit(X)) == ["a", "b", "c"]
    assert vec.tag_counts_ == {"a": 3, "b": 2, "c": 1, "d": 1, "e": 1}
    assert vec.n_images_seen_ == 4


def test_min_images_above_every_count_raises_in_fit_not_partial_fit():
    X = [["a", "b"], ["a"], ["c"]]
    for method in ("fit", "fit_transform"):
        with pytest.raises(ValueError, match=r"no tags remain: min_images=4, but the most "
                           r"used tag is on 2 of the 3 images"):
            getattr(plain(min_images=4), method)(X)
    # A stream's first chunks may not reach min_images yet; later ones can.
    stream = plain(min_images=4).partial_fit(X)
    assert names(stream) == []
    assert names(stream.partial_fit(X)) == ["a"]
    assert plain(min_images=4).fit([None, []]).vocabulary_ == {}  # no tags at all


def test_pandas_output_is_sparse_and_names_the_model_tags():
    pd = pytest.importorskip("pandas")
    from skrobust import RobustLogisticRegression

    X = [["dog", "sky"], ["Dog"], None, ["sea", "sky"]]
    vec = plain().set_output(transform="pandas")
    for Y in (vec.fit_transform(X), vec.transform(X)):
        assert isinstance(Y, pd.DataFrame)
        assert Y.columns.tolist() == ["dog", "sea", "sky"]
        assert all(isinstance(dtype, pd.SparseDtype) for dtype in Y.dtypes)
        np.testing.assert_array_equal(Y.sparse.to_dense().to_numpy(),
                                      plain().fit_transform(X).toarray())
    features = np.random.RandomState(0).randn(4, 2)
    model = RobustLogisticRegression(max_iter=2, tol=None).fit(features, vec.transform(X))
    assert model.tag_names_.tolist() == ["dog", "sea", "sky"]
    assert sp.issparse(plain().fit_transform(X))  # the default stays CSR


def test_tag_repeated_in_one_image_counts_once():
    vec = plain().fit([["a", "a", "A"], ["a"]])
    np.testing.assert_array_equal(vec.document_counts_, [2])
    assert vec.transform([["a", "a"]]).toarray().tolist() == [[1.0]]


def test_fixed_vocabulary_list_and_dict():
    X = [["sky", "dog", "cat"]]
    vec = plain(vocabulary=["sky", "dog", "bird"]).fit(X)
    assert names(vec) == ["sky", "dog", "bird"]
    np.testing.assert_array_equal(vec.transform(X).toarray(), [[1, 1, 0]])
    np.testing.assert_array_equal(vec.document_counts_, [1, 1, 0])
    vec = plain(vocabulary={"dog": 1, "sky": 0}).fit(X)
    assert names(vec) == ["sky", "dog"]
    with pytest.raises(ValueError, match="0..n-1"):
        plain(vocabulary={"dog": 3}).fit(X)
    with pytest.raises(ValueError, match="repeated"):
        plain(vocabulary=["dog", "dog"]).fit(X)


def _random_tag_lists(n, seed):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)] + ["Nikon", "2008", "", None]
    return [
        [rng.choice(words) for _ in range(rng.randint(0, 30))] if rng.random() > 0.05 else None
        for _ in range(n)
    ]


@pytest.mark.parametrize("params", [{}, {"min_images": 5}, {"max_tags": 10}])
def test_streaming_vocabulary_equals_batch(params):
    X = _random_tag_lists(500, seed=0)
    batch = plain(**params).fit(X)
    stream = plain(**params)
    for start in range(0, len(X), 73):
        stream.partial_fit(X[start : start + 73])
    assert stream.vocabulary_ == batch.vocabulary_
    assert stream.tag_counts_ == batch.tag_counts_
    np.testing.assert_array_equal(stream.document_counts_, batch.document_counts_)
    assert stream.n_images_seen_ == batch.n_images_seen_ == 500
    assert (stream.transform(X) != batch.transform(X)).nnz == 0
    # fit() starts over; partial_fit() continues.
    assert plain(**params).partial_fit(X).fit(X[:10]).n_images_seen_ == 10


def test_positions_are_first_one_based_positions():
    vec = plain(lemmatize=lambda t: t.rstrip("s"))
    X = [["sky", None, "nikon", "cars", "dog", "car"], [], ["dog"]]
    vec.fit(X)
    assert names(vec) == ["car", "dog", "sky"]
    P = vec.transform_positions(X)
    assert P.dtype == np.int32 and P.format == "csr"
    # None takes no position; nikon (excluded) does; "car" is first at "cars".
    np.testing.assert_array_equal(P.toarray(), [[3, 4, 1], [0, 0, 0], [0, 1, 0]])
    Y = vec.transform(X)
    np.testing.assert_array_equal(P.indptr, Y.indptr)
    np.testing.assert_array_equal(P.indices, Y.indices)


def test_positions_never_exceed_max_tags_per_image():
    X = _random_tag_lists(200, seed=1)
    P = plain(max_tags_per_image=7).fit(X).transform_positions(X)
    assert P.data.min() >= 1 and P.data.max() <= 7


def test_transform_ignores_unknown_tags_and_keeps_row_count():
    vec = plain().fit([["a"], ["b"]])
    Y = vec.transform([["zzz"], ["a", "zzz"], None, ["b"]])
    np.testing.assert_array_equal(Y.toarray(), [[0, 0], [1, 0], [0, 0], [0, 1]])


def test_missing_images_and_empty_lists_give_zero_rows():
    X = [None, float("nan"), [], ["dog"], np.array(["dog", "sky"], dtype=object), ("sky",)]
    Y = plain().fit_transform(X)
    np.testing.assert_array_equal(Y.toarray(), [[0, 0], [0, 0], [0, 0], [1, 0], [1, 1], [0, 1]])


def test_bare_string_rejected_unless_delimiter():
    with pytest.raises(ValueError, match="delimiter"):
        plain().fit(["dog,cat", ["sky"]])
    with pytest.raises(ValueError, match="single string"):
        plain().fit("dog")
    vec = plain(delimiter=",")
    Y = vec.fit_transform(["dog, cat,,sky", ["sky"], ""])
    assert names(vec) == ["cat", "dog", "sky"]
    np.testing.assert_array_equal(Y.toarray(), [[1, 1, 1], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(vec.transform_positions(["dog,,cat"]).toarray(), [[2, 1, 0]])


@pytest.mark.parametrize(
    "image, message",
    [([2008, "dog"], "must be a string"), ([b"dog"], "must be a string"),
     ([["nested"]], "must be a string"), (5, "expected a list"), (b"dog", "bytes")],
)
def test_non_string_tags_rejected_clearly(image, message):
    with pytest.raises(TypeError, match=message):
        plain().fit([["ok"], image])


def test_inputs_are_not_modified():
    X = [["Dogs", " Sky "], None, ["2008", float("nan")], ("a", "b")]
    before = copy.deepcopy(X)
    vec = plain(lemmatize=lambda t: t.rstrip("s"), exclude=["a"])
    vec.fit_transform(X)
    vec.transform_positions(X)
    assert repr(X) == repr(before)
    vocab = ["dog", "sky"]
    plain(vocabulary=vocab).fit(X)
    assert vocab == ["dog", "sky"]


def test_generators_are_read_once():
    Y = plain().fit_transform(tags for tags in [["a"], ["b", "a"]])
    np.testing.assert_array_equal(Y.toarray(), [[1, 0], [1, 1]])


def test_not_fitted_and_bad_params():
    with pytest.raises(NotFittedError):
        plain().transform([["a"]])
    with pytest.raises(NotFittedError):
        plain().get_feature_names_out()
    for bad in [{"max_tags_per_image": 0}, {"exclude": "nope"}, {"min_images": 0},
                {"lemmatize": "porter"}, {"delimiter": 3}, {"exclude": "nikon"}]:
        with pytest.raises(InvalidParameterError):
            plain(**bad).fit([["a"]])


def test_clone_params_pickle_and_tags():
    vec = plain(min_images=2, delimiter=",")
    assert clone(vec).get_params() == vec.get_params()
    assert vec.set_params(min_images=1).min_images == 1
    X = ["a,b", "a", "c,a,b"]
    vec.fit(X)
    restored = pickle.loads(pickle.dumps(vec))
    assert restored.vocabulary_ == vec.vocabulary_
    assert (restored.transform(X) != vec.transform(X)).nnz == 0
    assert not hasattr(clone(vec), "vocabulary_")
    tags = vec.__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.requires_fit


def test_pipeline_with_a_classifier():
    rng = random.Random(0)
    X, y = [], []
    for _ in range(200):
        label = rng.random() < 0.5
        tags = [rng.choice(["beach", "sea", "sand"]) if label else rng.choice(["city", "car"])]
        tags += [rng.choice(["me", "fun", "summer"])]
        X.append(tags)
        y.append(int(label))
    model = make_pipeline(plain(), LogisticRegression()).fit(X, y)
    assert model.score(X, y) == 1.0
    assert model[:-1].get_feature_names_out().tolist()[:2] == ["beach", "car"]


# Any Unicode text is accepted: arbitrary strings, including surrogates, controls and
# combining marks, never make the vectorizer fail, and normalisation is idempotent.
_text = st.text(alphabet=st.characters(codec=None), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.one_of(_text, st.none()), max_size=8)),
                max_size=8))
def test_any_unicode_is_accepted(X):
    before = copy.deepcopy(X)
    vec = plain(max_tags_per_image=5)
    Y = vec.fit_transform(X)
    P = vec.transform_positions(X)
    assert repr(X) == repr(before)
    assert Y.shape == (len(X), len(vec.vocabulary_))
    assert set(np.unique(Y.data)) <= {1.0}
    if P.nnz:
        assert 1 <= P.data.min() and P.data.max() <= 5
    for name in names(vec):
        assert name and name == normalize_tag(name)
    # Every row carries at most as many tags as the image had non-empty strings.
    for row, tags in zip(Y.getnnz(axis=1), X):
        assert row <= len([t for t in (tags or []) if t and normalize_tag(t)])


@given(_text)
def test_normalize_tag_is_idempotent(tag):
    once = normalize_tag(tag)
    assert normalize_tag(once) == once
    assert once == once.strip()
    assert "  " not in once


def test_nan_inside_list_is_skipped_not_cached():
    X = [[float("nan"), "a", math.nan]]
    assert plain().fit_transform(X).toarray().tolist() == [[1.0]]
