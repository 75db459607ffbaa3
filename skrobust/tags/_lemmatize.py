"""WordNet noun lemmatization of tags through NLTK, with a clear error when missing.

NLTK and its WordNet data are optional (the ``nlp`` extra): they are imported and
loaded on first use, and each distinct tag is lemmatized once per process. Loading
takes 10-25 s on a small machine, so the first use says so in one line: through the
``skrobust.tags`` logger (at INFO) when the program has configured logging, else on
stderr.
"""

import functools
import logging
import sys
import time
import warnings

_logger = logging.getLogger("skrobust.tags")

_INSTALL_HELP = (
    "Install it with one of:\n"
    "  python -m nltk.downloader wordnet        (online)\n"
    "  bash scripts/provision_wordnet.sh        (offline, from Debian's wordnet-base;\n"
    "                                            run from a skrobust checkout)\n"
    "or pass lemmatize=None to TagVectorizer to skip lemmatization."
)


class WordNetNotFoundError(LookupError):
    """NLTK's WordNet data (or NLTK itself) is not installed where NLTK looks.

    A :class:`LookupError`, like the error NLTK raises, with a message saying how to
    install the data online and offline.

    Parameters
    ----------
    *args : object
        The message, as for any exception.

    Attributes
    ----------
    args : tuple
        The arguments given, the message first.

    Examples
    --------
    >>> from skrobust.tags import WordNetNotFoundError, wordnet_lemmatize
    >>> try:
    ...     lemma = wordnet_lemmatize("cars")
    ... except WordNetNotFoundError:  # no WordNet data: keep the tag as it is
    ...     lemma = "cars"
    >>> issubclass(WordNetNotFoundError, LookupError)
    True
    """


@functools.lru_cache(maxsize=1)
def _wordnet_lemmatizer():
    """Load NLTK's WordNetLemmatizer once, checking that WordNet can be read."""
    try:
        from nltk.corpus import wordnet
        from nltk.stem import WordNetLemmatizer
    except ImportError as exc:
        raise WordNetNotFoundError(
            "lemmatize='wordnet' needs NLTK: pip install 'skrobust[nlp]' "
            "(or pip install nltk), then the WordNet data. " + _INSTALL_HELP
        ) from exc
    _notice("Loading NLTK's WordNet for tag lemmatization (once per process; "
            "10-25 s)...")
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # Without the optional multilingual "omw" data NLTK warns on load; the
            # English lemmatizer does not use it.
            warnings.filterwarnings("ignore", message="The multilingual functions")
            wordnet.ensure_loaded()
    except LookupError as exc:
        raise WordNetNotFoundError(
            "NLTK's WordNet data was not found on nltk.data.path. " + _INSTALL_HELP
        ) from exc
    _logger.debug("WordNet loaded in %.1f s", time.perf_counter() - started)
    return WordNetLemmatizer()


def _notice(message):
    """One line for the user: logged if the program configured logging, else printed
    to stderr (a library's INFO record would otherwise go nowhere)."""
    if _logger.hasHandlers():
        _logger.info(message)
    else:
        print(message, file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=2**20)
def wordnet_lemmatize(tag):
    """Lemmatize a tag as an English noun with NLTK's WordNet lemmatizer.

    Plurals become singular (``cars`` -> ``car``, ``geese`` -> ``goose``); words
    WordNet does not know are returned unchanged. NLTK picks the shortest lemma, which
    has known quirks on words that are not nouns (``has`` -> ``ha``, ``as`` -> ``a``)
    and keeps ``men`` (WordNet lists it as a noun in its own right). Results are cached
    per distinct tag for the life of the process.

    Parameters
    ----------
    tag : str
        A normalised tag.

    Returns
    -------
    str
        The noun lemma.

    Raises
    ------
    WordNetNotFoundError
        If NLTK or its WordNet data is not installed.

    Examples
    --------
    >>> from skrobust.tags import wordnet_lemmatize
    >>> [wordnet_lemmatize(t) for t in ["cars", "geese", "glass", "news"]]
    ['car', 'goose', 'glass', 'news']
    """
    return _wordnet_lemmatizer().lemmatize(tag, pos="n")
