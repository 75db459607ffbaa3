"""Tests for WordNet lemmatization (skrobust.tags._lemmatize) and its use in TagVectorizer."""

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from skrobust.tags import TagVectorizer, WordNetNotFoundError, wordnet_lemmatize


def _wordnet_available():
    try:
        wordnet_lemmatize("cars")
    except WordNetNotFoundError:
        return False
    return True


# Skipped only on a developer machine without WordNet; CI (CI=true) provisions it,
# so there a missing WordNet fails these tests instead of skipping them.
needs_wordnet = pytest.mark.skipif(
    not _wordnet_available() and os.environ.get("CI") != "true",
    reason="NLTK WordNet data not installed (bash scripts/provision_wordnet.sh)",
)


@needs_wordnet
@pytest.mark.parametrize(
    "tag, lemma",
    [("cars", "car"), ("geese", "goose"), ("churches", "church"), ("dogs", "dog"),
     ("leaves", "leaf"), ("children", "child"), ("skies", "sky")],
)
def test_plurals_merge(tag, lemma):
    assert wordnet_lemmatize(tag) == lemma


@needs_wordnet
@pytest.mark.parametrize("tag", ["glass", "bus", "news", "people", "sky", "nikon", "日本",
                                 "new york", "2008"])
def test_words_that_are_not_plurals_stay(tag):
    assert wordnet_lemmatize(tag) == tag


@needs_wordnet
def test_lemmatization_is_cached_per_tag():
    wordnet_lemmatize.cache_clear()
    for _ in range(3):
        wordnet_lemmatize("churches")
    info = wordnet_lemmatize.cache_info()
    assert (info.misses, info.hits) == (1, 2)


@needs_wordnet
def test_vectorizer_merges_plurals_by_default():
    X = [["Cars", "car", "geese"], ["goose", "churches"], ["glass", "bus", "news"]]
    vec = TagVectorizer()
    Y = vec.fit_transform(X)
    assert vec.get_feature_names_out().tolist() == [
        "bus", "car", "church", "glass", "goose", "news"]
    assert Y.toarray().tolist() == [[0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 1, 0],
                                    [1, 0, 0, 1, 0, 1]]
    # Both spellings were seen once per image: "car" counted once in image 0.
    assert vec.document_counts_.tolist() == [1, 1, 1, 1, 2, 1]


@needs_wordnet
def test_loading_wordnet_says_so_once(capsys, caplog):
    from skrobust.tags import _lemmatize

    _lemmatize._wordnet_lemmatizer.cache_clear()  # as in a fresh process
    wordnet_lemmatize.cache_clear()
    with caplog.at_level(logging.INFO, logger="skrobust.tags"):
        wordnet_lemmatize("cars")
        wordnet_lemmatize("dogs")
    notice = "Loading NLTK's WordNet for tag lemmatization"
    shown = capsys.readouterr().err + caplog.text  # stderr, or the log under pytest
    assert shown.count(notice) == 1


def _run(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


def test_missing_wordnet_data_gives_install_help(tmp_path):
    result = _run(f"""
        import nltk
        nltk.data.path[:] = [{str(tmp_path)!r}]
        from skrobust.tags import TagVectorizer, WordNetNotFoundError
        try:
            TagVectorizer().fit([["cars"]])
        except WordNetNotFoundError as exc:
            assert isinstance(exc, LookupError)
            print(exc)
        else:
            raise SystemExit("no error")
    """)
    assert result.returncode == 0, result.stderr
    assert "python -m nltk.downloader wordnet" in result.stdout
    assert "scripts/provision_wordnet.sh" in result.stdout
    assert "lemmatize=None" in result.stdout


@needs_wordnet
def test_loading_wordnet_prints_one_line_without_logging_configured():
    result = _run("""
        from skrobust.tags import wordnet_lemmatize
        print(wordnet_lemmatize("cars"), wordnet_lemmatize("dogs"))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["car", "dog"]
    assert result.stderr.count("Loading NLTK's WordNet") == 1


def test_missing_nltk_gives_install_help():
    result = _run("""
        import sys
        sys.modules["nltk"] = None  # import nltk now raises ImportError
        from skrobust.tags import TagVectorizer, WordNetNotFoundError
        assert TagVectorizer(lemmatize=None).fit_transform([["cars"]]).shape == (1, 1)
        try:
            TagVectorizer().fit([["cars"]])
        except WordNetNotFoundError as exc:
            print(exc)
    """)
    assert result.returncode == 0, result.stderr
    assert "skrobust[nlp]" in result.stdout
