"""TagVectorizer.count_tags: each image's tag count over the uploader's whole
vocabulary (the tagging effort RobustLogisticRegression's tag_effort takes)."""

import numpy as np

from skrobust.tags import TagVectorizer

TAGS = [
    ["Dog", "grass", "2008", "dog", "canon", "sky"],  # "2008", "canon" excluded; "Dog" = "dog"
    ["dog", None, "", "sky"],  # missing entries are not tags
    "a,b,c,d",
    None,
    [],
]


def test_counts_every_processed_tag_before_vocabulary_filtering():
    vec = TagVectorizer(lemmatize=None, delimiter=",", min_images=2, max_tags=1)
    counts = vec.count_tags(TAGS)
    np.testing.assert_array_equal(counts, [3, 2, 4, 0, 0])
    assert counts.dtype == np.int64
    Y = vec.fit_transform(TAGS)
    assert Y.shape == (5, 1)  # the vocabulary keeps one tag; the counts do not change
    np.testing.assert_array_equal(vec.count_tags(TAGS), counts)


def test_counts_follow_truncation_and_fixed_vocabulary():
    vec = TagVectorizer(lemmatize=None, delimiter=",", max_tags_per_image=2,
                        vocabulary=["dog"])
    # The first two tags only (excluded tags take a position, as in transform).
    np.testing.assert_array_equal(vec.count_tags(TAGS), [2, 2, 2, 0, 0])
    assert vec.fit_transform(TAGS).shape == (5, 1)


def test_counts_need_no_fit_and_leave_the_input_alone():
    tags = [["cat", "cats"], ["tree"]]
    vec = TagVectorizer(lemmatize=lambda t: t.rstrip("s"))
    np.testing.assert_array_equal(vec.count_tags(tags), [1, 1])
    assert tags == [["cat", "cats"], ["tree"]]
    assert not hasattr(vec, "vocabulary_")
