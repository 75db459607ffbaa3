"""L-BFGS for many independent problems at once: one per tag, vectorised.

The tags of RobustLogisticRegression are separate problems that share their data:
one pass over X evaluates every tag's objective and gradient with two matrix
products. One L-BFGS over all the tags' parameters together would mix their
curvature pairs and make every tag take the same step length. Here each tag keeps
its own pairs, its own search direction and its own backtracking line search,
while every evaluation still serves all tags in one pass (a tag whose step is
already accepted keeps it while the others backtrack).

Parameters are a tuple of arrays whose first axis is the tag: ``(coef, intercept,
...)``, each (n_tags, ...) of any Array API namespace. Per-tag scalars (step
lengths, curvature ratios) are (n_tags,) arrays in the widest float the device
has; they are cast to the parameters' dtype before they touch a parameter-sized
array, so float32 weights stay float32.
"""

from skrobust._array_api import get_namespace_and_device, max_float_dtype

# Sufficient decrease (Armijo) constant, and the most step halvings per iteration.
_ARMIJO = 1e-4
_MAX_HALVINGS = 10


def _per_tag_dot(a, b, xp, dtype):
    """sum over everything but the tag axis of a * b, for tuples of arrays: (n_tags,)."""
    total = None
    for x, y in zip(a, b):
        part = xp.vecdot(x, y) if x.ndim == 2 else x * y
        part = xp.astype(part, dtype)
        total = part if total is None else total + part
    return total


def _scaled(scale, arrays, xp):
    """scale[t] * array[t] for each array of the tuple (scale cast to its dtype)."""
    out = []
    for a in arrays:
        s = xp.astype(scale, a.dtype)
        out.append(s[:, None] * a if a.ndim == 2 else s * a)
    return tuple(out)


def _axpy(scale, x, y, xp):
    """y + scale[t] * x[t], tuple by tuple."""
    return tuple(b + a for a, b in zip(_scaled(scale, x, xp), y))


def _select(mask, new, old, xp):
    """new[t] where mask[t] else old[t]."""
    out = []
    for a, b in zip(new, old):
        m = mask[:, None] if a.ndim == 2 else mask
        out.append(xp.where(m, a, b))
    return tuple(out)


class PerTagLBFGS:
    """Minimise ``n_tags`` independent smooth functions with shared evaluations.

    Parameters
    ----------
    fun : callable
        ``fun(params) -> (values, grads, aux)``: the per-tag values (n_tags,), the
        gradient as a tuple shaped like ``params``, and anything per tag the caller
        wants back for the accepted point (a tuple of (n_tags,) arrays, or ()).
    params : tuple of arrays
        The starting point; each array's first axis is the tag.
    memory : int
        Curvature pairs kept per tag (10, as scipy's L-BFGS-B and sklearn).

    Attributes
    ----------
    params, values, grads, aux
        The current point, its per-tag values, gradient and ``aux``.
    n_evaluations : int
        Calls of ``fun`` so far (each is a pass over the data).
    """

    def __init__(self, fun, params, memory=10):
        self.fun = fun
        self.memory = memory
        self.xp, _, device = get_namespace_and_device(params[0])
        self.scalar_dtype = max_float_dtype(self.xp, device)
        self.params = tuple(params)
        self.values, self.grads, self.aux = fun(self.params)
        self.n_evaluations = 1
        self._pairs = []  # (s, y, rho) per iteration; rho[t] = 0 drops tag t's pair

    def reset_values(self, values, grads):
        """Replace the current values and gradient (the objective changed between
        iterations, e.g. a refitted prior); the curvature pairs are kept."""
        self.values, self.grads = values, grads

    def _direction(self):
        """-H g by the two-loop recursion, every tag with its own pairs."""
        xp, dtype = self.xp, self.scalar_dtype
        q = tuple(self.grads)
        alphas = []
        for s, y, rho in reversed(self._pairs):
            a = rho * _per_tag_dot(s, q, xp, dtype)
            alphas.append(a)
            q = _axpy(-a, y, q, xp)
        if self._pairs:
            s, y, rho = self._pairs[-1]
            yy = _per_tag_dot(y, y, xp, dtype)
            usable = (rho > 0) & (yy > 0)
            # H0 = (s.y / y.y) I, the usual scaling; a tag without a usable last
            # pair takes a unit-length first step, as on the first iteration.
            scale = xp.where(usable, 1 / xp.where(usable, rho * yy, xp.ones_like(yy)),
                             self._first_scale())
        else:
            scale = self._first_scale()
        r = _scaled(scale, q, xp)
        for (s, y, rho), a in zip(self._pairs, reversed(alphas)):
            b = rho * _per_tag_dot(y, r, xp, dtype)
            r = _axpy(a - b, s, r, xp)
        return tuple(-x for x in r)

    def _first_scale(self):
        """1 / ||g|| (at most 1): a first step of unit length, as scipy's L-BFGS-B."""
        xp = self.xp
        norm = xp.sqrt(_per_tag_dot(self.grads, self.grads, xp, self.scalar_dtype))
        return 1 / xp.maximum(norm, xp.ones_like(norm))

    def step(self):
        """One iteration for every tag; returns how many tags accepted a step."""
        xp, dtype = self.xp, self.scalar_dtype
        direction = self._direction()
        slope = _per_tag_dot(self.grads, direction, xp, dtype)
        # Not a descent direction (pairs gone stale): that tag restarts from -g.
        uphill = ~(slope < 0)
        if bool(xp.any(uphill)):
            direction = _select(uphill, tuple(-g for g in self.grads), direction, xp)
            slope = xp.where(uphill, _per_tag_dot(self.grads, direction, xp, dtype), slope)
        step = xp.ones_like(slope)
        pending = slope < 0  # a zero gradient has nowhere to go
        accepted = xp.zeros_like(pending)
        new_params, new_values, new_grads, new_aux = (
            self.params, self.values, self.grads, self.aux)
        for _ in range(_MAX_HALVINGS + 1):
            if not bool(xp.any(pending)):
                break
            trial = _axpy(step, direction, self.params, xp)
            values, grads, aux = self.fun(trial)
            self.n_evaluations += 1
            # Rounding allowance: a tag at its minimum must not fail the test (and
            # make every tag pay another pass) over its last few digits.
            slack = 8 * xp.finfo(self.params[0].dtype).eps * xp.abs(self.values)
            accept = pending & (values <= self.values + _ARMIJO * step * slope + slack)
            new_params = _select(accept, trial, new_params, xp)
            new_grads = _select(accept, grads, new_grads, xp)
            new_values = xp.where(accept, values, new_values)
            new_aux = tuple(xp.where(accept, a, b) for a, b in zip(aux, new_aux))
            pending = pending & ~accept
            accepted = accepted | accept
            step = xp.where(pending, step / 2, step)
        s = tuple(a - b for a, b in zip(new_params, self.params))
        y = tuple(a - b for a, b in zip(new_grads, self.grads))
        sy = _per_tag_dot(s, y, xp, dtype)
        # Only pairs with s.y > 0 keep H positive definite (a tag that did not move has
        # s.y = 0; on the non-convex missing-tag objective a tag that moved may have
        # s.y < 0): the others are dropped for that tag.
        good = sy > 0
        rho = xp.where(good, 1 / xp.where(good, sy, xp.ones_like(sy)), xp.zeros_like(sy))
        self._pairs.append((s, y, rho))
        if len(self._pairs) > self.memory:
            self._pairs.pop(0)
        moved = int(xp.sum(xp.astype(accepted, xp.int32)))
        self.params, self.values, self.grads, self.aux = (
            new_params, new_values, new_grads, new_aux)
        return moved
