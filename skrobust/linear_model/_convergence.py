"""When a fit stops: the plateau rule over loss and noise-rate drift, and the
adaptive schedule's constants."""

from collections import deque

import numpy as np

# The adaptive schedule divides the learning rate by this on every plateau and stops
# once the rate would fall below eta0 * _ADAPTIVE_FLOOR (four divisions).
_ADAPTIVE_DIVISOR = 5.0
_ADAPTIVE_FLOOR = 1e-3
# An epoch also counts as progress while some pi/gamma has drifted more than this
# since the last epoch that counted. The running EM statistics average roughly the
# last 1/em_step minibatches, so pi jitters by ~0.002 per epoch at equilibrium even
# when nothing is learned any more; real drift adds up across epochs, jitter does not.
_NOISE_DRIFT_TOL = 0.01


class _PlateauMonitor:
    """Counts epochs without progress: no loss drop of ``tol`` below the best so far
    and (``watch_noise``) no pi/gamma drift of ``_NOISE_DRIFT_TOL`` since the last
    epoch of progress.

    The drift rule is for the training loss, which can sit on a flat ridge while pi
    still moves. A held-out loss (early stopping) says itself whether pi's moves
    help: with it, drift alone is not progress (on a few hundred separable images
    pi keeps drifting towards 1 for hundreds of epochs while the held-out loss gets
    worse)."""

    def __init__(self, tol, patience, noise, watch_noise=True):
        self.tol = tol
        self.patience = patience
        self.best_loss = np.inf
        self.noise_at_progress = noise
        self.watch_noise = watch_noise
        self.count = 0
        self.recent = deque([noise], maxlen=patience + 1)  # for the warning

    def plateaued(self, loss, noise):
        self.recent.append(noise)
        if self.tol is None:
            return False
        drift = float(np.max(np.abs(noise - self.noise_at_progress)))
        if loss < self.best_loss - self.tol or (self.watch_noise and drift > _NOISE_DRIFT_TOL):
            self.count = 0
            self.noise_at_progress = noise
        else:
            self.count += 1
        self.best_loss = min(self.best_loss, loss)
        return self.count >= self.patience

    def restart(self):
        self.count = 0

    def recent_drift(self):
        """The largest change of a pi/gamma over the last ``patience`` epochs."""
        return float(np.max(np.abs(self.recent[-1] - self.recent[0])))
