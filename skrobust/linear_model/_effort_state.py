"""RobustLogisticRegression's tagging-effort bookkeeping: the ``tag_effort`` checks,
each row's effort bin on the data's device, and the rates a row is scored with.

The mathematics is :mod:`._effort`'s; this mixin only ties it to the estimator.
"""

from skrobust._array_api import get_namespace_and_device, is_numpy_namespace
from skrobust.linear_model import _effort


class _EffortMixin:
    """``tag_effort`` of fit/partial_fit/score/predict_tag_proba."""

    def _checked_effort(self, tag_effort, n_samples, first_call):
        """Validated host counts (int64) or None, without changing the model.

        A model fitted with effort needs it on every later training call, and one
        fitted without refuses it: the noise model's parameters differ.
        """
        counts = _effort.check_tag_effort(tag_effort, n_samples)
        if counts is not None and self.solver == "lbfgs":
            raise ValueError(
                "tag_effort is supported by solver='sgd' only (the full-batch L-BFGS "
                "solver has one pi per tag); use solver='sgd'."
            )
        if first_call:
            if counts is not None:
                _effort.check_effort_edges(self.effort_bins)
            return counts
        fitted = getattr(self, "effort_bins_", None) is not None
        if fitted and counts is None:
            raise ValueError(
                "This model was fitted with tag_effort (pi per effort bin); pass "
                "tag_effort on every training call."
            )
        if not fitted and counts is not None:
            raise ValueError(
                "This model was fitted without tag_effort; it cannot take it now. Fit "
                "a new model with tag_effort from the first call."
            )
        return counts

    def _effort_bins_on_device(self, counts, like, xp):
        """Each row's bin as an integer array on ``like``'s device, or None."""
        if counts is None:
            return None
        bins = _effort.bin_index(counts, self.effort_bins_)
        if is_numpy_namespace(xp):
            return bins
        return xp.asarray(bins, device=get_namespace_and_device(like)[2])

    def _prediction_bins(self, tag_effort, n_samples, like, xp):
        """Bins of a prediction/scoring call's ``tag_effort``; None gives the pooled
        rates. A model fitted without effort refuses it."""
        counts = _effort.check_tag_effort(tag_effort, n_samples)
        if counts is not None and getattr(self, "effort_bins_", None) is None:
            raise ValueError(
                "This model was fitted without tag_effort: it has one pi per tag, and "
                "no use for an effort at prediction. Leave tag_effort=None."
            )
        return self._effort_bins_on_device(counts, like, xp)

    def _row_rates(self, bins, xp):
        """(pi, gamma) to score rows with: per row from their bins, else pooled."""
        if bins is None:
            return self.pi_, self.gamma_
        return _effort.row_rates(self.pi_effort_, self.gamma_effort_, bins, xp)
