"""The estimator's Beta priors on pi/gamma: resolved from the parameters, refitted
(empirical Bayes) after every pass, handed to the M-step as pseudo-counts."""

import numpy as np

from skrobust._array_api import get_namespace_and_device, to_numpy
from skrobust.linear_model._noise_priors import (
    check_beta_prior,
    fit_shared_beta,
    prior_pseudo_counts,
)


class _NoisePriorsMixin:
    """pi_prior/gamma_prior of RobustLogisticRegression, kept on the host."""

    def _set_prior_modes(self, n_tags):
        """Resolve pi_prior/gamma_prior: "auto", None or an (n_tags, 2) Beta prior
        (None when the rate is not learned). A user's prior is used as given; an
        "auto" one keeps its last fit (none before the first pass)."""
        learned = (self._learns_pi(),
                   self.noise == "missing+spurious" and self.learn_gamma)
        modes = []
        for value, name, learns in zip((self.pi_prior, self.gamma_prior),
                                       ("pi_prior", "gamma_prior"), learned):
            if not learns:
                modes.append(None)
            elif isinstance(value, str):
                modes.append(value)  # "auto": fitted after every pass
            else:
                modes.append(check_beta_prior(value, name, n_tags))
        self._pi_prior_mode, self._gamma_prior_mode = modes
        self._host_priors = tuple(
            kept if isinstance(mode, str) else mode
            for mode, kept in zip(modes, self._host_priors)
        )

    def _update_noise_priors(self):
        """Empirical Bayes: refit each "auto" prior to all tags' current EM counts."""
        pi_auto = isinstance(self._pi_prior_mode, str)
        gamma_auto = isinstance(self._gamma_prior_mode, str)
        if not (pi_auto or gamma_auto):
            return
        # Per (bin, tag) with tagging effort: the prior is on the pooled rates.
        s_a, s_ya, s_y = (np.asarray(to_numpy(v), dtype=float) for v in self._em_statistics[:3])
        if s_a.ndim == 2:
            s_a, s_ya, s_y = (v.sum(axis=0) for v in (s_a, s_ya, s_y))
        n = self._n_examples
        n_tags = s_a.shape[0]
        # Tags share a prior within a group: all tags, unless a caller (the CV
        # estimator, which trains one copy of every tag per L2 strength) says which.
        groups = getattr(self, "_prior_groups", None) or [slice(None)]
        pi_prior, gamma_prior = self._host_priors
        if pi_auto:
            pi_prior = np.empty((n_tags, 2))
            for g in groups:
                pi_prior[g] = fit_shared_beta(n * s_ya[g], n * s_a[g])
        if gamma_auto:
            gamma_prior = np.empty((n_tags, 2))
            s_n0 = 1 - s_y - s_a + s_ya
            for g in groups:
                gamma_prior[g] = fit_shared_beta(n * s_n0[g], n * (1 - s_a[g]))
        # A tuple, not arrays: host-side bookkeeping (sklearn's array-API checks
        # want every array attribute on the data's device).
        self._host_priors = (pi_prior, gamma_prior)

    def _noise_prior_counts(self, xp, dtype, device):
        """The MAP M-step's pseudo-counts on the device, or None for plain ML."""
        pi_prior, gamma_prior = self._host_priors
        if pi_prior is None and gamma_prior is None:
            return None
        n_tags = self.coef_.shape[0]
        zeros = (np.zeros(n_tags), np.zeros(n_tags))
        counts = (prior_pseudo_counts(pi_prior, self._n_examples) or zeros) + (
            prior_pseudo_counts(gamma_prior, self._n_examples) or zeros
        )
        return tuple(xp.asarray(c, dtype=dtype, device=device) for c in counts)

    def _prior_on_device(self, prior):
        if prior is None:
            return None
        xp, _, device = get_namespace_and_device(self.coef_)
        return xp.asarray(prior, dtype=self.coef_.dtype, device=device)

    # The priors are kept on the host (they are refitted there after every pass from
    # a few numbers per tag) and shown on the model's device, like every attribute.
    @property
    def pi_prior_(self):
        return self._prior_on_device(self._host_priors[0])

    @property
    def gamma_prior_(self):
        return self._prior_on_device(self._host_priors[1])

    def _noise_rates(self, xp):
        """pi_ and gamma_ side by side on the host (one small transfer per epoch), and
        the per-bin rates of an effort model."""
        rates = [self.pi_, self.gamma_]
        if getattr(self, "pi_effort_", None) is not None:
            rates += [xp.reshape(r, (-1,)) for r in (self.pi_effort_, self.gamma_effort_)]
        return to_numpy(xp.concat(rates))
