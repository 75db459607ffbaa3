"""RobustLogisticRegression's predictions: scores, P(true label), P(user tags it)."""

from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from skrobust._array_api import check_same_namespace, get_namespace_and_device
from skrobust.linear_model import _em, _outputs


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

    def predict_tag_proba(self, X):
        """P(user supplies the tag | x) = pi sigma + (1 - gamma)(1 - sigma).

        The paper's eq. 5: what a user would tag, for tag suggestion. Use
        :meth:`predict_proba` for whether the label is true.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : array of shape (n_samples, 2) or (n_samples, n_tags)
            Same layout as :meth:`predict_proba`.
        """
        scores, xp = self._scores(X, "predict_tag_proba")
        p_tag = _em.tag_probability(scores, self.pi_, self.gamma_, xp)
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
