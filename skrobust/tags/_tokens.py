"""User tags to token ids: normalisation, exclusion and lemmatization of each raw
tag, cached per call, with the positions the tags held in their lists."""

import math
import unicodedata

import numpy as np

from ._exclude import is_non_image_tag
from ._lemmatize import wordnet_lemmatize

# Codes in the per-call tag cache besides real token ids (>= 0).
_DROPPED = -1  # a real user tag, removed by `exclude` or lemmatized to nothing
_NOT_A_TAG = -2  # empty or whitespace-only: never a tag, takes no position


def normalize_tag(tag, lowercase=True):
    """Normalise one tag: Unicode NFKC, optional lowercasing, whitespace collapsed.

    Parameters
    ----------
    tag : str
        A raw tag.
    lowercase : bool, default=True
        Lowercase the tag.

    Returns
    -------
    str
        The normalised tag; ``""`` when nothing but whitespace was left.

    Examples
    --------
    >>> from skrobust.tags import normalize_tag
    >>> normalize_tag("  New\\u00a0  York ")
    'new york'
    >>> normalize_tag("\\uff26\\uff4c\\uff49\\uff43\\uff4b\\uff52")  # full-width letters
    'flickr'
    """
    tag = unicodedata.normalize("NFKC", tag)
    if lowercase:
        # Unicode does not promise that lowercasing keeps text in NFKC: renormalise.
        tag = unicodedata.normalize("NFKC", tag.lower())
    return " ".join(tag.split())


def _is_missing(value):
    """None or a float NaN (a missing cell from pandas or a CSV reader)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _short(value, width=40):
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


class _TokenizerMixin:
    """TagVectorizer's tokenization of tag lists (see ``_tokenize``)."""

    def _tokenize(self, X):
        """One pass over X into a provisional token space.

        Returns the list of distinct processed tokens, and CSR-like arrays: ``indptr``
        over images, ``ids`` into the token list (unique within an image) and their
        1-based ``positions``.
        """
        if isinstance(X, (str, bytes)):
            raise ValueError(
                "TagVectorizer expects an iterable of tag lists (one per image), got a "
                "single string; wrap it in a list, e.g. [tags]."
            )
        process = self._tag_processor()
        limit = self.max_tags_per_image
        delimiter = self.delimiter
        cache = {}  # raw tag -> token id or a negative code; one lookup per tag
        token_ids = {}
        tokens = []
        indptr = [0]
        ids = []
        positions = []
        for i, image in enumerate(X):
            if _is_missing(image):
                indptr.append(len(ids))
                continue
            if isinstance(image, str):
                if delimiter is None:
                    raise ValueError(
                        f"image {i}: got the string {_short(image)} where a list of "
                        "tags was expected (iterating it would give single "
                        "characters). Pass lists of tags, or set delimiter (e.g. ',') "
                        "to split strings."
                    )
                image = image.split(delimiter)
            elif isinstance(image, bytes):
                raise TypeError(f"image {i}: tags must be str, not bytes; decode them first")
            row = {}
            position = 0
            try:
                entries = iter(image)
            except TypeError:
                raise TypeError(
                    f"image {i}: expected a list of tags (or None), got "
                    f"{type(image).__name__} {_short(image)}"
                ) from None
            for raw in entries:
                try:
                    code = cache[raw]
                except KeyError:
                    code = self._new_code(raw, i, process, token_ids, tokens)
                    if code is None:  # None/NaN inside a list: not cached, not a tag
                        continue
                    cache[raw] = code
                except TypeError:  # unhashable entry, e.g. a nested list
                    raise TypeError(
                        f"image {i}: each tag must be a string, got "
                        f"{type(raw).__name__} {_short(raw)}"
                    ) from None
                if code == _NOT_A_TAG:
                    continue
                position += 1
                if code >= 0 and code not in row:
                    row[code] = position
                if limit is not None and position >= limit:
                    break
            ids.extend(row)
            positions.extend(row.values())
            indptr.append(len(ids))
        return (
            tokens,
            np.asarray(indptr, dtype=np.int64),
            np.asarray(ids, dtype=np.int64),
            np.asarray(positions, dtype=np.int32),
        )

    def _new_code(self, raw, i, process, token_ids, tokens):
        if _is_missing(raw):
            return None
        if not isinstance(raw, str):
            raise TypeError(
                f"image {i}: each tag must be a string, got {type(raw).__name__} "
                f"{_short(raw)}; convert tags with str() first if that is intended"
            )
        token = process(raw)
        if token is None:
            return _NOT_A_TAG
        if token == "":
            return _DROPPED
        tid = token_ids.get(token)
        if tid is None:
            tid = token_ids[token] = len(tokens)
            tokens.append(token)
        return tid

    def _tag_processor(self):
        """A function raw tag -> None (not a tag), "" (dropped) or its token."""
        lowercase = self.lowercase
        lemmatize = self.lemmatize
        if lemmatize == "wordnet":
            lemmatize = wordnet_lemmatize
            lemmatize("tags")  # fail early with install help if WordNet is missing
        excluded = self._exclusion_test()

        def process(raw):
            tag = normalize_tag(raw, lowercase)
            if not tag:
                return None
            lemma = tag
            if lemmatize is not None:
                lemma = lemmatize(tag)
                if not isinstance(lemma, str):
                    raise TypeError(
                        f"lemmatize returned {type(lemma).__name__} for {tag!r}; "
                        "it must return a string"
                    )
            if excluded is not None and (excluded(tag) or excluded(lemma)):
                return ""
            return lemma

        return process

    def _exclusion_test(self):
        exclude = self.exclude
        if exclude is None:
            return None
        if isinstance(exclude, str):  # "builtin", the only string allowed
            return is_non_image_tag
        if callable(exclude):
            return exclude
        bad = [t for t in exclude if not isinstance(t, str)]
        if bad:
            raise TypeError(f"exclude entries must be strings, got {bad[0]!r}")
        words = frozenset(normalize_tag(t, self.lowercase) for t in exclude)
        return words.__contains__
