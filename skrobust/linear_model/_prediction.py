"""RobustLogisticRegression's predictions (scores, P(true label), P(user tags it)) and
its scores of observed tags (``tag_log_likelihood``, ``score``)."""

import math

from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from skrobust._array_api import check_same_namespace, get_namespace_and_device
from skrobust.linear_model import _em, _outputs
from skrobust.linear_model._held_out_auc import held_out_tag_auc, image_auc_sums


class _PredictionMixin:
    """The prediction methods of a fitted model (``coef_``, ``intercept_``, ``pi_``,
    ``gamma_``, ``classes_``)."""

    def _scores(self, X, method):
        """Validated ``X @ coef_.T + intercept_`` (n_samples, n_tags), and its namespace."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method=method)
        X = validate_data(self, X, accept_sparse="csr", dtype=self.coef_.dtype, reset=False)
        scores = safe_sparse_dot(X, self.coef_.T) + self.intercept_
        return scores, get_namespace_and_device(scores)[0]

    def decision_function(self, X):
        """Scores ``w . x + b`` (the log-odds of the true label).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : array of shape (n_samples,) or (n_samples, n_tags)
            1-D for a binary model (positive favours ``classes_[1]``).
        """
        scores, _ = self._scores(X, "decision_function")
        return scores if self._multilabel else scores[:, 0]

    def predict_proba(self, X):
        """P(true label | x): what annotation and retrieval rank by.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            For a binary model, the probabilities of ``classes_[0]`` and
            ``classes_[1]``; for a tag matrix, P(z_t = 1 | x) per tag.
        """
        scores, xp = self._scores(X, "predict_proba")
        return _outputs.probabilities(scores, not self._multilabel, xp)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._scores(X, "predict_log_proba")
        return _outputs.log_probabilities(scores, not self._multilabel, xp)

    def predict_tag_proba(self, X, tag_effort=None):
        """P(user supplies the tag | x) = pi sigma + (1 - gamma)(1 - sigma).

        The paper's eq. 5: what a user would tag, for tag suggestion. Use
        :meth:`predict_proba` for whether the label is true.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        tag_effort : array-like of shape (n_samples,), default=None
            For a model fitted with ``tag_effort``: each image's count of uploader
            tags (pi and gamma of its effort bin are used). None uses the pooled
            ``pi_`` and ``gamma_`` (the training images' average effort).

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._scores(X, "predict_tag_proba")
        bins = self._prediction_bins(tag_effort, None, scores.shape[0], scores, xp)
        p_tag = _em.tag_probability(scores, *self._row_rates(bins, xp), xp)
        return _outputs.two_columns(p_tag, not self._multilabel, xp)

    def predict(self, X):
        """Most probable true label: a class label, or a 0/1 row of tags.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : array of shape (n_samples,) or (n_samples, n_tags)
            Class labels for a binary model; 0/1 integers per tag for a tag matrix.
        """
        scores, xp = self._scores(X, "predict")
        return _outputs.predictions(scores, not self._multilabel, self.classes_, xp)

    def tag_log_likelihood(self, X, Y, sample_weight=None, tag_effort=None):
        """Per tag, the summed log-likelihood of observed tags under the noise model.

        ``sum_i w_i log P(y_it | x_i)`` with ``P(y=1 | x) = pi sigma + (1 - gamma)(1 -
        sigma)``: a proper score of noisy tags that needs no clean labels (higher is
        better). Early stopping and :class:`RobustLogisticRegressionCV` use it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        Y : {array-like, sparse matrix} of shape (n_samples, n_tags)
            Their observed 0/1 tags (a binary model takes a 1-D y of its classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.
        tag_effort : array-like of shape (n_samples,), default=None
            The samples' tag counts, for a model fitted with ``tag_effort`` (each
            row is then scored with its effort bin's pi and gamma); None scores
            with the pooled ``pi_`` and ``gamma_``.

        Returns
        -------
        loglik : array of shape (n_tags,)
            On the model's namespace and device.
        """
        check_is_fitted(self)
        X, Y, weights, xp, _ = self._validate_training_data(
            X, Y, sample_weight, classes=None, first_call=False, training=False
        )
        bins = self._prediction_bins(tag_effort, Y, X.shape[0], X, xp)
        return self._log_likelihood_sums(X, Y, weights, xp, bins)

    def score(self, X, y, sample_weight=None, tag_effort=None):
        """How well the model ranks the observed tags: the mean per-image ROC AUC.

        What :class:`~sklearn.model_selection.GridSearchCV` and
        :func:`~sklearn.model_selection.cross_val_score` use without ``scoring``
        (higher is better). Each image's tags are ranked by P(true | x), as
        annotation (:meth:`predict_proba`) ranks them; its AUC is the chance that a
        tag the uploader gave ranks above one they did not (ties count one half).
        The score is the (weighted) mean over the images with at least one tag
        given and one not; for a binary model, whose images have one tag each, it
        is the AUC of that tag across the images. 0.5 when nothing can be ranked.

        Why this. Not the tags' log-likelihood (:meth:`tag_log_likelihood`, a
        proper score of the noise model): annotation compares the tags of one
        image, and on the 730 embedded MIRFLICKR photos a grid search by the
        held-out likelihood chose ``alpha=1`` on 5 of 6 splits, whose nearly flat
        scores rank every image's tags by their frequency, 9-15 F@5 points below
        the best strength. Not P(tag | x) either (tag suggestion, the score until
        2026-12-04): with pi held at its cross-fitted estimate
        (``pi_method="auto"``) it ranked an image's likely concepts by their pi,
        and on 8 splits of those photos a grid search over alpha chose 3.5 F@5
        points below the grid's best on average (up to 9.7); ranked by P(true | x)
        1.3 (up to 4.6). At scale (8,779 photos, 2 splits) both chose the best
        strength. With ``pi_method="em"`` the two were 1.0 and 0.5
        (``benchmarks/quality/grid_search_score.py``). Accuracy
        against the noisy tags (ClassifierMixin's score) would choose models that
        predict no tag at all. To select for tag suggestion, pass
        ``scoring="tag_prediction_f1"`` (:mod:`skrobust.metrics`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,) or (n_samples, n_tags)
            Their observed tags, as for ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.
        tag_effort : array-like of shape (n_samples,), default=None
            The samples' tag counts, for a model fitted with ``tag_effort``: checked
            as for :meth:`tag_log_likelihood`, so that routed metadata that does not
            fit the model is refused. P(true | x) does not depend on it.

        Returns
        -------
        score : float
            In [0, 1].
        """
        check_is_fitted(self)
        X, Y, weights, xp, _ = self._validate_training_data(
            X, y, sample_weight, classes=None, first_call=False, training=False
        )
        self._prediction_bins(tag_effort, Y, X.shape[0], X, xp)  # refuses what does not fit
        if Y.shape[1] == 1:  # one tag: its AUC across images, which pi does not change
            auc = float(held_out_tag_auc(self, X, Y, weights, xp, None, max_rows=None)[0])
            return 0.5 if math.isnan(auc) else auc
        total, weight = image_auc_sums(self, X, Y, weights, xp)
        return total / weight if weight > 0 else 0.5
