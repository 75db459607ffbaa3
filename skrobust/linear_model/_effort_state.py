"""RobustLogisticRegression's tagging-effort bookkeeping: the ``tag_effort`` checks,
each row's effort bins on the data's device, and the rates an entry is scored with.

The mathematics is :mod:`._effort`'s; this mixin only ties it to the estimator.
"""

import numpy as np
import scipy.sparse as sp

from skrobust._array_api import get_namespace_and_device, is_numpy_namespace, to_numpy
from skrobust.linear_model import _effort
from skrobust.linear_model._dask_pass import is_dask_collection


def _tags_per_row(Y, xp):
    """Host count of each row's tags (entries that are not 0)."""
    if sp.issparse(Y):
        return np.asarray((Y != 0).sum(axis=1)).ravel().astype(np.int64)
    return np.asarray(to_numpy(xp.sum(xp.astype(Y != 0, xp.int64), axis=1)), dtype=np.int64)


def entry_bins_on_device(counts, edges, own_tag, like, xp):
    """:func:`._effort.entry_bins` of the host ``counts`` (bin ``edges``; ``own_tag``:
    a tag counts towards its own effort) as integer arrays on ``like``'s device, one
    array twice where they agree; None without counts. For a model not fitted yet
    (the CV estimator's folds) as for a fitted one."""
    if counts is None:
        return None
    untagged, tagged = _effort.entry_bins(counts, edges, own_tag)
    if not is_numpy_namespace(xp):
        device = get_namespace_and_device(like)[2]
        same = tagged is untagged
        untagged = xp.asarray(untagged, device=device)
        tagged = untagged if same else xp.asarray(tagged, device=device)
    return untagged, tagged


class _EffortMixin:
    """``tag_effort`` of fit/partial_fit/score/tag_log_likelihood/predict_tag_proba."""

    def _uses_effort(self):
        return getattr(self, "effort_bins_", None) is not None

    def _checked_effort(self, tag_effort, Y, xp, first_call):
        """Validated host counts (int64) or None, without changing the model.

        Under ``effort="other_tags"`` a missing ``tag_effort`` is each row's count of
        tags in Y (the modelled tags are the whole vocabulary). A model fitted with
        effort needs it on every later training call, and one fitted without refuses
        it: the noise model's parameters differ.
        """
        other_tags = (self.effort == "other_tags" if first_call
                      else self._uses_effort() and not self._effort_own_tag)
        if is_dask_collection(Y) and (tag_effort is not None or other_tags):
            raise ValueError(
                "Tagging effort (tag_effort, effort='other_tags') is not available on "
                "dask arrays: the rates per effort bin are trained in memory only. "
                "Leave tag_effort=None and effort='given' on dask data."
            )
        counts = _effort.check_tag_effort(tag_effort, Y.shape[0])
        if counts is None and other_tags:
            counts = _tags_per_row(Y, xp)
        if counts is not None and self.solver == "lbfgs":
            raise ValueError(
                "tag_effort is supported by solver='sgd' only (the full-batch L-BFGS "
                "solver has one pi per tag); use solver='sgd'."
            )
        if first_call:
            if counts is not None:
                _effort.check_effort_edges(self.effort_bins)
            return counts
        if self._uses_effort() and counts is None:
            raise ValueError(
                "This model was fitted with tag_effort (pi per effort bin); pass "
                "tag_effort on every training call."
            )
        if not self._uses_effort() and counts is not None:
            raise ValueError(
                "This model was fitted without tag_effort; it cannot take it now. Fit "
                "a new model with tag_effort from the first call."
            )
        return counts

    def _effort_bins_on_device(self, counts, like, xp, own_tag=None):
        """The (untagged, tagged) entries' bins of each row, as integer arrays on
        ``like``'s device (one array twice where they agree), or None."""
        if counts is None:  # models saved before effort existed have no effort_bins_
            return None
        own_tag = self._effort_own_tag if own_tag is None else own_tag
        return entry_bins_on_device(counts, self.effort_bins_, own_tag, like, xp)

    def _prediction_bins(self, tag_effort, Y, n_samples, like, xp):
        """Bins of a scoring call's ``tag_effort`` (with its tags ``Y``), or of a
        prediction's (``Y`` None: each count is the image's other tags, for all its
        tags); None gives the pooled rates. A model fitted without effort refuses it."""
        counts = _effort.check_tag_effort(tag_effort, n_samples)
        if not self._uses_effort():
            if counts is not None:
                raise ValueError(
                    "This model was fitted without tag_effort: it has one pi per tag, "
                    "and no use for an effort at prediction. Leave tag_effort=None."
                )
            return None
        if Y is None:
            return self._effort_bins_on_device(counts, like, xp, own_tag=True)
        if counts is None and not self._effort_own_tag:
            counts = _tags_per_row(Y, xp)
        return self._effort_bins_on_device(counts, like, xp)

    def _row_rates(self, bins, xp, Y=None):
        """(pi, gamma) to score entries with: per entry from their bins, else pooled."""
        if bins is None:
            return self.pi_, self.gamma_
        return _effort.row_rates(self.pi_effort_, self.gamma_effort_, bins, xp, Y)
