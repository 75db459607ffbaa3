"""User tags to labels: TagVectorizer, lemmatization, non-image tags, tag statistics."""

from ._analysis import (
    PositionAccuracy,
    TagCountEffect,
    TagNoise,
    accuracy_by_position,
    effect_of_tag_count,
    tag_noise,
)
from ._concept_map import (
    MIRFLICKR_CONCEPT_SYNONYMS,
    MIRFLICKR_CONCEPT_TAGS,
    concept_tag_matrices,
)
from ._exclude import NON_IMAGE_PATTERN, NON_IMAGE_TAGS, is_non_image_tag
from ._lemmatize import WordNetNotFoundError, wordnet_lemmatize
from ._tokens import normalize_tag
from ._vectorizer import TagVectorizer

__all__ = [
    "MIRFLICKR_CONCEPT_SYNONYMS",
    "MIRFLICKR_CONCEPT_TAGS",
    "NON_IMAGE_PATTERN",
    "NON_IMAGE_TAGS",
    "PositionAccuracy",
    "TagCountEffect",
    "TagNoise",
    "TagVectorizer",
    "WordNetNotFoundError",
    "accuracy_by_position",
    "concept_tag_matrices",
    "effect_of_tag_count",
    "is_non_image_tag",
    "normalize_tag",
    "tag_noise",
    "wordnet_lemmatize",
]
