"""Tests for the tag-noise analysis in skrobust.tags and its plot."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp

from skrobust.tags import (
    MIRFLICKR_CONCEPT_TAGS,
    TagVectorizer,
    accuracy_by_position,
    concept_tag_matrices,
    effect_of_tag_count,
    tag_noise,
)

# Five images, three concepts. Hand counts per concept (columns):
#   present (Z):          a 3, b 2, c 0
#   tagged (Y):           a 2, b 3, c 1
#   tagged and present:   a 2, b 1, c 0
Z = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]])
Y = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 0, 0]])
P = np.array([[1, 2, 0], [3, 0, 0], [0, 12, 1], [0, 4, 0], [0, 0, 0]])


@pytest.mark.parametrize("convert", [np.asarray, sp.csr_matrix, sp.csr_array])
def test_tag_noise_matches_hand_counts(convert):
    r = tag_noise(convert(Y), convert(Z), concepts=["a", "b", "c"])
    assert r.n_images == 5
    assert r.concepts.tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(r.n_present, [3, 2, 0])
    np.testing.assert_array_equal(r.n_tagged, [2, 3, 1])
    np.testing.assert_array_equal(r.n_tagged_present, [2, 1, 0])
    np.testing.assert_allclose(r.tag_given_present, [2 / 3, 1 / 2, np.nan])
    np.testing.assert_allclose(r.tag_given_absent, [0 / 2, 2 / 3, 1 / 5])
    np.testing.assert_allclose(r.present_given_tag, [1, 1 / 3, 0])
    np.testing.assert_allclose(
        r.tag_given_present_se, [np.sqrt(2 / 3 * 1 / 3 / 3), np.sqrt(0.25 / 2), np.nan])
    # Pooled: 3 of 5 present pairs tagged; 3 of 10 absent pairs tagged; 3 of 6 tags true.
    assert r.overall_tag_given_present == pytest.approx(3 / 5)
    assert r.overall_tag_given_absent == pytest.approx(3 / 10)
    assert r.overall_present_given_tag == pytest.approx(3 / 6)
    assert r.overall_present_given_tag_se == pytest.approx(np.sqrt(0.25 / 6))


def test_results_are_frozen():
    r = tag_noise(Y, Z)
    with pytest.raises(AttributeError):
        r.n_images = 3
    assert r.concepts.tolist() == ["0", "1", "2"]


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="only 0 and 1"):
        tag_noise(Y * 2, Z)
    with pytest.raises(ValueError, match="shape"):
        tag_noise(Y, Z[:, :2])
    with pytest.raises(ValueError, match="names"):
        tag_noise(Y, Z, concepts=["a"])
    with pytest.raises(ValueError, match="positions"):
        accuracy_by_position(-P, Z)
    with pytest.raises(ValueError, match="increasing"):
        accuracy_by_position(P, Z, bins=[3, 1])
    with pytest.raises(ValueError, match="n_tags"):
        effect_of_tag_count(Y, Z, n_tags=[1, 2])


@pytest.mark.parametrize("convert", [np.asarray, sp.csr_array])
def test_accuracy_by_position_matches_hand_counts(convert):
    # Tags (position: correct?): 1 yes, 2 no, 3 yes, 12 no, 1 no, 4 yes.
    r = accuracy_by_position(convert(P), convert(Z), bins=[1, 3, 11])
    assert r.labels.tolist() == ["1-2", "3-10", "11+"]
    np.testing.assert_array_equal(r.lower, [1, 3, 11])
    np.testing.assert_array_equal(r.upper, [2, 10, -1])
    np.testing.assert_array_equal(r.n_tags, [3, 2, 1])
    np.testing.assert_array_equal(r.n_correct, [1, 2, 0])
    np.testing.assert_allclose(r.accuracy, [1 / 3, 1, 0])
    np.testing.assert_allclose(r.stderr, [np.sqrt(2 / 9 / 3), 0, 0])


def test_accuracy_by_position_default_bins_and_empty_bin():
    r = accuracy_by_position(P, Z)
    assert r.labels.tolist() == ["1-2", "3-4", "5-6", "7-8", "9-10", "11+"]
    np.testing.assert_array_equal(r.n_tags, [3, 2, 0, 0, 0, 1])
    assert np.isnan(r.accuracy[2]) and np.isnan(r.stderr[2])
    # Positions below the first edge are left out.
    assert accuracy_by_position(P, Z, bins=[2]).n_tags.tolist() == [4]  # 2, 3, 4, 12


def test_effect_of_tag_count_matches_hand_counts():
    n_tags = np.array([2, 1, 7, 3, 0])
    r = effect_of_tag_count(Y, Z, n_tags, bins=[1, 3])
    assert r.labels.tolist() == ["1-2", "3+"]
    np.testing.assert_array_equal(r.n_images, [2, 2])  # image 4 (no tags) left out
    # Images 0, 1: present 3, tagged 3, both 2.  Images 2, 3: present 2, tagged 3, both 1.
    np.testing.assert_allclose(r.tag_given_present, [2 / 3, 1 / 2])
    np.testing.assert_allclose(r.present_given_tag, [2 / 3, 1 / 3])
    with pytest.raises(ValueError):
        effect_of_tag_count(Y, Z, n_tags.astype(float))


def test_concept_tag_matrices_take_first_position():
    X = [["sky", "dog", "cielo"], ["puppy", "nikon", "dog"], ["cat"], []]
    vec = TagVectorizer(lemmatize=None).fit(X)
    concepts = {"sky": ["sky", "cielo"], "dog": ["dog", "puppy"], "bird": ["bird"]}
    Yc, Pc = concept_tag_matrices(vec.transform(X), vec.transform_positions(X),
                                  vec.get_feature_names_out(), concepts)
    np.testing.assert_array_equal(Pc.toarray(), [[1, 2, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(Yc.toarray(), Pc.toarray() > 0)
    assert Yc.dtype == np.int8 and Pc.dtype == np.int32


def test_mirflickr_concept_map_covers_the_24_concepts():
    assert list(MIRFLICKR_CONCEPT_TAGS) == sorted(MIRFLICKR_CONCEPT_TAGS)
    assert len(MIRFLICKR_CONCEPT_TAGS) == 24
    for concept, tags in MIRFLICKR_CONCEPT_TAGS.items():
        assert tags and len(set(tags)) == len(tags), concept
        assert all(t == t.lower().strip() for t in tags)


def test_plot_tag_position_accuracy():
    import matplotlib  # the test environment installs the `plots` extra

    matplotlib.use("Agg")
    from skrobust.plotting import plot_tag_position_accuracy

    r = accuracy_by_position(P, Z, bins=[1, 3, 11])
    ax = plot_tag_position_accuracy(
        r, label="ours", reference={"labels": ["1-2", "11+", "20+"],
                                    "accuracy": [0.65, 0.4, 0.35], "label": "paper"})
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [100 / 3, 100, 0])
    line = ax.get_lines()[-1]
    np.testing.assert_allclose(line.get_ydata(), [65, 40])  # "20+" has no bar: dropped
    np.testing.assert_allclose(line.get_xdata(), [0, 2])
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_plotting_without_matplotlib_names_the_extra(monkeypatch):
    from skrobust import plotting

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skrobust\[plots\]"):
        plotting.plot_tag_position_accuracy(accuracy_by_position(P, Z))
