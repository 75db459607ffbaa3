"""TagVectorizer: ordered user tag lists -> a sparse 0/1 image-by-tag matrix."""

from collections.abc import Mapping
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_is_fitted

from ._tokens import _TokenizerMixin


class TagVectorizer(_TokenizerMixin, TransformerMixin, BaseEstimator):
    """Turn ordered lists of user tags into a sparse 0/1 image-by-tag matrix.

    The tags of each image are processed in the paper's order (Izadinia et al.):
    keep the first ``max_tags_per_image`` tags, normalise them (Unicode NFKC, lowercase,
    whitespace collapsed), lemmatize them as nouns (``cars`` -> ``car``), drop
    non-image tags (years, cameras, Flickr's own words), then keep the tags used on
    enough images. Column ``j`` of the output is 1 for the images tagged with
    ``get_feature_names_out()[j]``.

    Parameters
    ----------
    max_tags_per_image : int or None, default=20
        Keep only the first tags of each image, before anything else: later tags are
        less reliable. Missing entries (None, NaN, empty strings) are not tags and do
        not count; excluded tags do count, since the uploader typed them. None keeps
        every tag.
    lowercase : bool, default=True
        Lowercase tags (after NFKC normalisation).
    lemmatize : {"wordnet"}, callable or None, default="wordnet"
        ``"wordnet"`` lemmatizes each tag as an English noun with NLTK's WordNet
        lemmatizer (the ``nlp`` extra and the WordNet data; see
        :func:`wordnet_lemmatize`). A callable maps a normalised tag to its lemma
        (return ``""`` to drop the tag); it is called once per distinct tag per call,
        so it must be deterministic. None keeps tags as normalised.
    exclude : {"builtin"}, list of str, callable or None, default="builtin"
        Tags to drop. ``"builtin"`` is the documented list :data:`NON_IMAGE_TAGS` plus
        :data:`NON_IMAGE_PATTERN` (see :func:`is_non_image_tag`). A list of tags is
        normalised like the input and compared with each tag before and after
        lemmatization. A callable ``f(tag) -> bool`` is given the normalised tag and its
        lemma in turn and drops the tag if either is True. None drops nothing.
    min_images : int, default=1
        Keep tags used on at least this many images (counted after truncation,
        lemmatization and exclusion, once per image).
    max_tags : int or None, default=None
        Keep at most this many tags, the most frequent (ties broken alphabetically).
    vocabulary : list of str, dict or None, default=None
        A fixed vocabulary in processed form (normalised and lemmatized): a list gives
        the column order, a dict maps each tag to its column (0..n-1). ``min_images``
        and ``max_tags`` are then ignored; fitting still counts ``document_counts_``.
    delimiter : str or None, default=None
        When set, an image's tags may be given as one string and are split on it
        (e.g. ``","`` for MIRFLICKR's ``all_tags.txt``). When None, a bare string where
        a list of tags is expected raises a ValueError: iterating it would yield
        characters.
    dtype : dtype, default=np.float32
        Type of the output values (0 and 1). float32 matches the estimators' fast path.

    ``set_output(transform="pandas")`` makes :meth:`transform` and
    :meth:`fit_transform` return a pandas DataFrame of sparse columns named by the
    tags, which :class:`~skrobust.RobustLogisticRegression` takes as ``Y`` and whose
    column names become its ``tag_names_``.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Column index of each kept tag; columns are in alphabetical order unless a fixed
        ``vocabulary`` list gave another.
    document_counts_ : ndarray of shape (n_tags,)
        Number of fitted images carrying each kept tag.
    tag_counts_ : dict of str to int
        Number of images carrying each processed tag seen in fitting, kept or not; the
        running count that :meth:`partial_fit` extends.
    n_images_seen_ : int
        Number of images (tag lists) seen in fitting.

    See Also
    --------
    wordnet_lemmatize : The default lemmatizer.
    is_non_image_tag : The default exclusion list.

    Notes
    -----
    Input is an iterable of images; each image is a list (or tuple, array, any
    non-string iterable) of tags in the uploader's order, a delimited string when
    ``delimiter`` is set, or None/NaN for an image without tags. Such images, and empty
    lists, give all-zero rows. Inside a list, None, NaN and empty strings are skipped;
    any other non-string tag (an int such as 2008) raises a TypeError rather than being
    silently converted. A tag that appears twice in one image counts once, at its first
    position. Inputs are never modified.

    Examples
    --------
    >>> from skrobust.tags import TagVectorizer
    >>> tags = [["Dog", "grass", "2008"], ["sky", "dog"], "clouds", None]
    >>> vec = TagVectorizer(lemmatize=None, delimiter=",")
    >>> Y = vec.fit_transform(tags)
    >>> Y.shape, Y.format
    ((4, 4), 'csr')
    >>> vec.get_feature_names_out()
    array(['clouds', 'dog', 'grass', 'sky'], dtype=object)
    >>> Y.toarray()
    array([[0., 1., 1., 0.],
           [0., 1., 0., 1.],
           [1., 0., 0., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    >>> vec.transform_positions([["sky", "nikon", "dog"]]).toarray()
    array([[0, 3, 0, 1]], dtype=int32)
    """

    _parameter_constraints = {
        "max_tags_per_image": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
        "lemmatize": [StrOptions({"wordnet"}), callable, None],
        "exclude": [StrOptions({"builtin"}), "array-like", callable, None],
        "min_images": [Interval(Integral, 1, None, closed="left")],
        "max_tags": [Interval(Integral, 1, None, closed="left"), None],
        "vocabulary": ["array-like", Mapping, None],
        "delimiter": [str, None],
        "dtype": "no_validation",
    }

    def __init__(
        self,
        *,
        max_tags_per_image=20,
        lowercase=True,
        lemmatize="wordnet",
        exclude="builtin",
        min_images=1,
        max_tags=None,
        vocabulary=None,
        delimiter=None,
        dtype=np.float32,
    ):
        self.max_tags_per_image = max_tags_per_image
        self.lowercase = lowercase
        self.lemmatize = lemmatize
        self.exclude = exclude
        self.min_images = min_images
        self.max_tags = max_tags
        self.vocabulary = vocabulary
        self.delimiter = delimiter
        self.dtype = dtype

    # ---------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Count tags over all images and choose the vocabulary.

        Parameters
        ----------
        X : iterable of list of str
            Tag lists, one per image (see Notes of the class).
        y : None
            Ignored.

        Returns
        -------
        self : TagVectorizer
            The fitted vectorizer.
        """
        self._reset()
        self._count(X)
        self._check_not_all_pruned()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Add a chunk of images to the tag counts and update the vocabulary.

        Calling it on the chunks of a stream gives the same vocabulary as :meth:`fit`
        on the whole stream. Unlike :meth:`fit`, it accepts a vocabulary that is
        still empty (no tag on ``min_images`` images yet): later chunks may fill it.

        Parameters
        ----------
        X : iterable of list of str
            A chunk of tag lists.
        y : None
            Ignored.

        Returns
        -------
        self : TagVectorizer
            The updated vectorizer.
        """
        if not hasattr(self, "tag_counts_"):
            self._reset()
        self._count(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and transform in one pass over ``X`` (which may be a generator).

        Parameters
        ----------
        X : iterable of list of str
            Tag lists, one per image.
        y : None
            Ignored.

        Returns
        -------
        Y : scipy.sparse.csr_matrix or pandas.DataFrame of shape (n_images, n_tags)
            1 where an image carries a tag (a DataFrame of sparse columns named by
            the tags after ``set_output(transform="pandas")``).
        """
        self._reset()
        tokens, indptr, ids, _ = self._tokenize(X)
        self._add_counts(tokens, ids, len(indptr) - 1)
        self._check_not_all_pruned()
        indptr, _, columns = self._columns(tokens, indptr, ids)
        return self._output(
            self._csr(np.ones(len(columns), dtype=self.dtype), columns, indptr)
        )

    def _check_not_all_pruned(self):
        """Like CountVectorizer, refuse a fit whose thresholds leave no tag at all."""
        if self.vocabulary is not None or self.vocabulary_ or not self.tag_counts_:
            return
        raise ValueError(
            f"After pruning, no tags remain: min_images={self.min_images}, but the most "
            f"used tag is on {max(self.tag_counts_.values())} of the "
            f"{self.n_images_seen_} images. Try a lower min_images."
        )

    def _output(self, Y):
        """CSR, or with pandas output a DataFrame of sparse columns named by the tags
        (sklearn's own wrapper refuses sparse data; a dense frame of a million images
        by a thousand tags would not fit in memory)."""
        if _get_output_config("transform", self)["dense"] != "pandas":
            return Y
        import pandas as pd

        return pd.DataFrame.sparse.from_spmatrix(Y, columns=self.get_feature_names_out())

    def _reset(self):
        self.tag_counts_ = {}
        self.n_images_seen_ = 0

    def _count(self, X):
        tokens, indptr, ids, _ = self._tokenize(X)
        self._add_counts(tokens, ids, len(indptr) - 1)

    def _add_counts(self, tokens, ids, n_images):
        # ids are unique within each image, so a bincount counts images per tag.
        counts = np.bincount(ids, minlength=len(tokens))
        running = self.tag_counts_
        for token, count in zip(tokens, counts.tolist()):
            if count:
                running[token] = running.get(token, 0) + count
        self.n_images_seen_ += n_images
        self.vocabulary_ = self._select_vocabulary()
        names = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        self.document_counts_ = np.array(
            [self.tag_counts_.get(t, 0) for t in names], dtype=np.int64
        )

    def _select_vocabulary(self):
        if self.vocabulary is not None:
            return self._fixed_vocabulary()
        kept = [t for t, c in self.tag_counts_.items() if c >= self.min_images]
        if self.max_tags is not None and len(kept) > self.max_tags:
            kept.sort(key=lambda t: (-self.tag_counts_[t], t))
            kept = kept[: self.max_tags]
        return {t: j for j, t in enumerate(sorted(kept))}

    def _fixed_vocabulary(self):
        vocab = self.vocabulary
        if isinstance(vocab, Mapping):
            vocab = dict(vocab)
            if sorted(vocab.values()) != list(range(len(vocab))):
                raise ValueError(
                    "vocabulary dict must map its tags to the columns 0..n-1, once each"
                )
        else:
            items = list(vocab)
            vocab = {t: j for j, t in enumerate(items)}
            if len(vocab) != len(items):
                raise ValueError("vocabulary contains repeated tags")
        bad = [t for t in vocab if not isinstance(t, str)]
        if bad:
            raise TypeError(f"vocabulary entries must be strings, got {bad[0]!r}")
        return vocab

    # ---------------------------------------------------------- transforming
    def transform(self, X):
        """Encode tag lists as a 0/1 matrix over the fitted vocabulary.

        Tags outside the vocabulary are ignored.

        Parameters
        ----------
        X : iterable of list of str
            Tag lists, one per image.

        Returns
        -------
        Y : scipy.sparse.csr_matrix or pandas.DataFrame of shape (n_images, n_tags)
            1 where an image carries a tag, with ``dtype`` (a DataFrame of sparse
            columns named by the tags after ``set_output(transform="pandas")``).
        """
        indptr, columns, _ = self._encode(X)
        data = np.ones(len(columns), dtype=self.dtype)
        return self._output(self._csr(data, columns, indptr))

    def transform_positions(self, X):
        """Position of each kept tag in its image's tag list.

        Parameters
        ----------
        X : iterable of list of str
            Tag lists, one per image.

        Returns
        -------
        P : scipy.sparse.csr_matrix of int32, shape (n_images, n_tags)
            The 1-based position of the tag in the uploader's list (missing entries
            not counted), with the same sparsity pattern as :meth:`transform`; 0 where
            the image does not carry the tag.
        """
        indptr, columns, positions = self._encode(X)
        return self._csr(positions, columns, indptr)

    def count_tags(self, X):
        """Each image's number of distinct tags: its uploader's tagging effort.

        Counted after truncation to ``max_tags_per_image``, normalisation,
        lemmatization and exclusion, but over every tag the uploader used, before
        ``min_images``, ``max_tags`` or a fixed ``vocabulary`` keep some of them:
        what :meth:`RobustLogisticRegression.fit(..., tag_effort=...)
        <skrobust.RobustLogisticRegression.fit>` takes. Needs no fitting.

        Parameters
        ----------
        X : iterable of list of str
            Tag lists, one per image.

        Returns
        -------
        counts : ndarray of int64, shape (n_images,)

        Examples
        --------
        >>> from skrobust.tags import TagVectorizer
        >>> vec = TagVectorizer(lemmatize=None, min_images=2)
        >>> tags = [["dog", "grass", "2008", "Dog"], ["dog", "sky"], None]
        >>> vec.count_tags(tags)              # "2008" excluded, "Dog" = "dog"
        array([2, 2, 0])
        >>> vec.fit_transform(tags).shape     # only "dog" is on 2 images
        (3, 1)
        """
        _, indptr, _, _ = self._tokenize(X)
        return np.diff(indptr).astype(np.int64)

    def get_feature_names_out(self, input_features=None):
        """Tag names of the output columns.

        Parameters
        ----------
        input_features : None
            Ignored; the input is tag lists, not named columns.

        Returns
        -------
        feature_names_out : ndarray of str objects, shape (n_tags,)
            The kept tags, in column order.
        """
        check_is_fitted(self, "vocabulary_")
        names = np.empty(len(self.vocabulary_), dtype=object)
        for tag, j in self.vocabulary_.items():
            names[j] = tag
        return names

    def _encode(self, X):
        """Tokenize X and map its tokens to fitted columns: (indptr, columns, pos)."""
        check_is_fitted(self, "vocabulary_")
        tokens, indptr, ids, positions = self._tokenize(X)
        indptr, keep, columns = self._columns(tokens, indptr, ids)
        return indptr, columns, positions[keep]

    def _columns(self, tokens, indptr, ids):
        """Map provisional token ids to vocabulary columns, dropping unknown tokens.

        Returns the new row pointer, the mask of kept entries and their columns.
        """
        lookup = np.array([self.vocabulary_.get(t, -1) for t in tokens], dtype=np.int64)
        columns = lookup[ids] if len(ids) else np.empty(0, dtype=np.int64)
        keep = columns >= 0
        # Rows shrink where tags fall outside the vocabulary: recount them.
        n_images = len(indptr) - 1
        row = np.repeat(np.arange(n_images), np.diff(indptr))[keep]
        new_indptr = np.zeros(n_images + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n_images), out=new_indptr[1:])
        return new_indptr, keep, columns[keep]

    def _csr(self, data, columns, indptr):
        shape = (len(indptr) - 1, len(self.vocabulary_))
        index_dtype = np.int32 if max(shape + (len(columns),)) < 2**31 else np.int64
        out = sp.csr_matrix(
            (data, columns.astype(index_dtype), indptr.astype(index_dtype)), shape=shape
        )
        out.sort_indices()  # canonical CSR: other code may rely on sorted columns
        return out


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


