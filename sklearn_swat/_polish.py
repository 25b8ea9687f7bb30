"""Full-batch training of a fixed sparse network's surviving parameters.

The latent descent chooses an architecture (which weights are non-zero, each
neuron's activation, which neurons are on) and rough weights; a full-batch
second-order polish on all rows then brings the surviving weights and biases
to a precise minimum of the (weighted) squared error. The networks are tiny
(at most a few hundred parameters), so the forward and backward passes are
written in numpy: SciPy's L-BFGS-B on the loss and its gradient, or the
project's own Levenberg-Marquardt (NumPy and LAPACK) on the residuals and
their Jacobian. No autograd overhead, double precision, deterministic.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from ._network import _NUMPY_ACTIVATIONS, LEAKY_SLOPE, SparseMLP

# Full-batch L-BFGS on more rows than this costs time in proportion and buys
# nothing for networks of at most a few hundred parameters: larger data are
# polished and pruned on a fixed random subset of this many rows.
MAX_POLISH_ROWS = 8192


SINGLE_TRIES = 3
"""Single-weight removals tried per pruning round once groups are refused."""

SOLVERS = ("lbfgs", "lm")
"""The polish's optimisers: L-BFGS-B on the loss, Levenberg-Marquardt on the residuals."""


def _check_solver(solver: str) -> None:
    """Refuse a solver not in :data:`SOLVERS`, naming it."""
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}; got {solver!r}.")


def subsample(n: int, seed: int, max_rows: int | None = None) -> np.ndarray:
    """Indices of at most ``max_rows`` of ``n`` rows: all of them in order when ``n`` is small enough.

    Examples
    --------
    >>> from sklearn_swat._polish import subsample
    >>> subsample(5, seed=0).tolist()
    [0, 1, 2, 3, 4]
    >>> len(subsample(10_000, seed=0, max_rows=100))
    100
    """
    max_rows = MAX_POLISH_ROWS if max_rows is None else max_rows
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.RandomState(seed).choice(n, size=max_rows, replace=False))


# Per-column constants are stored broadcast to all rows up to this many
# elements: numpy multiplies two arrays of the same shape several times
# faster than a narrow (rows, 2 to 7) array by a row vector, bit for bit the
# same products.
_FULL_CONSTANTS = 2**17


def _rows(v: np.ndarray, n_rows: int) -> np.ndarray:
    """``v`` repeated on ``n_rows`` rows when small enough, else ``v`` itself (broadcast when used)."""
    if n_rows * v.size > _FULL_CONSTANTS:
        return v
    return np.tile(v, (n_rows, 1))


def _activation_plan(act: np.ndarray, gate: np.ndarray, n_rows: int) -> tuple:
    """The per-column constants :func:`_activate` needs for a hidden layer on ``n_rows`` rows.

    ``s = sigmoid(k x)`` with ``k = 2`` for tanh and 1 for sigmoid (0 for
    leaky ReLU, whose columns are computed apart): ``-k``, ``k g``,
    ``[tanh] g`` and ``k^2 g``, the leaky columns, their gates, and whether
    the layer has leaky columns and smooth ones. Computed once per polish,
    not at every evaluation.
    """
    g = gate.astype(np.float64)
    sig, tan, leaky = act == 0, act == 1, act == 2
    k = np.where(tan, 2.0, np.where(sig, 1.0, 0.0))
    consts = [_rows(c, n_rows) for c in (-k, k * g, tan * g, k * k * g, leaky, leaky * g)]
    return (*consts, bool(leaky.any()), not leaky.all())


def _activate(a: np.ndarray, plan: tuple, derivative: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Outputs and derivatives of a hidden layer's neurons (columns of ``a``).

    One ``exp`` over the whole layer serves both smooth activations:
    ``s = sigmoid(k x)`` with ``k = 2`` for tanh, ``tanh(x) = 2 s - 1`` and
    ``tanh'(x) = 4 s (1 - s)``. The gate scales each column. ``plan`` is
    :func:`_activation_plan`'s; ``a`` may be overwritten. A layer of leaky
    ReLUs alone skips the ``exp``; the derivatives are ``None`` when not
    asked for.
    """
    negk, kg, tang, kkg, leaky, leaky_g, any_leaky, any_smooth = plan
    out = der = None
    if any_smooth:
        s = negk * a
        with np.errstate(over="ignore"):  # exp overflow gives s = 0, the right limit
            np.exp(s, out=s)
        s += 1.0
        np.divide(1.0, s, out=s)
        out = kg * s
        out -= tang
        if derivative:
            der = 1.0 - s
            der *= s
            der *= kkg
    if any_leaky:
        slope = np.where(a > 0, 1.0, LEAKY_SLOPE)
        slope *= leaky_g
        if any_smooth:
            out = np.where(leaky, a * slope, out)
            der = np.where(leaky, slope, der) if derivative else None
        else:
            out, der = a * slope, (slope if derivative else None)
    return out, der


class _Objective:
    """Weighted mean squared error of a sparse network and its gradient.

    The free parameters are the non-zero weights of ``network`` and the
    biases of its active neurons and output (counted whether zero or not);
    zero weights stay zero, so the non-zero count never grows. With
    ``zero_biases_fixed``, zero biases stay zero too (for networks whose size
    counts non-zero biases, as ``mlp_size`` does).
    """

    def __init__(
        self, network: SparseMLP, X: np.ndarray, y: np.ndarray, w: np.ndarray, zero_biases_fixed: bool = False
    ) -> None:
        self.network = network
        self.X, self.y = X, y
        self.w = w / w.sum()
        self.w2 = 2.0 * self.w
        self.sqrt_w = np.sqrt(self.w)
        self.plans = [_activation_plan(a, g, len(y)) for a, g in zip(network.activations, network.gates)]
        self.arrays = [c.copy() for c in network.coefs] + [b.copy() for b in network.intercepts]
        bias_masks = [g.copy() for g in network.gates] + [np.ones(1, dtype=bool)]
        if zero_biases_fixed:
            bias_masks = [m & (b != 0) for m, b in zip(bias_masks, network.intercepts)]
        self.masks = [c != 0 for c in network.coefs] + bias_masks
        self.sizes = [int(m.sum()) for m in self.masks]

    def theta(self) -> np.ndarray:
        return np.concatenate([a[m] for a, m in zip(self.arrays, self.masks)])

    def _unpack(self, theta: np.ndarray) -> None:
        pos = 0
        for a, m, s in zip(self.arrays, self.masks, self.sizes):
            a[m] = theta[pos : pos + s]
            pos += s

    def _forward(self, theta: np.ndarray, derivative: bool = True):
        """Hidden outputs, activation derivatives (when asked) and residuals at ``theta``."""
        self._unpack(theta)
        depth = self.network.depth
        coefs, biases = self.arrays[: depth + 1], self.arrays[depth + 1 :]
        hs, ders = [self.X], []
        for i in range(depth):
            z = hs[-1] @ coefs[i]
            z += _rows(biases[i], len(z))
            h, d = _activate(z, self.plans[i], derivative)
            hs.append(h)
            ders.append(d)
        r = (hs[-1] @ coefs[-1])[:, 0] + biases[-1][0] - self.y
        return hs, ders, r

    def loss(self, theta: np.ndarray) -> float:
        """The weighted MSE alone (no backward pass)."""
        r = self._forward(theta, derivative=False)[2]
        return float(np.dot(self.w, r * r))

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        hs, ders, r = self._forward(theta)
        depth = self.network.depth
        coefs = self.arrays[: depth + 1]
        loss = float(np.dot(self.w, r * r))
        delta = (self.w2 * r)[:, None]
        grads_c = [None] * (depth + 1)
        grads_b = [None] * (depth + 1)
        for i in range(depth, -1, -1):
            grads_c[i] = hs[i].T @ delta
            # einsum adds the rows one after another, as ndarray.sum does
            # over the first axis of a C-ordered array with more than one
            # column (the same floats), four times faster on these narrow
            # arrays; ndarray.sum sums a single column pairwise instead.
            grads_b[i] = np.einsum("ij->j", delta) if delta.shape[1] > 1 else delta.sum(axis=0)
            if i > 0:
                delta = (delta @ coefs[i].T) * ders[i - 1]
        grads = grads_c + grads_b
        return loss, np.concatenate([g[m] for g, m in zip(grads, self.masks)])

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Weighted residuals, whose sum of squares is the loss."""
        return self.sqrt_w * self._forward(theta, derivative=False)[2]

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """Jacobian of :meth:`residuals`, one row per sample, one column per parameter.

        The backward pass of ``__call__`` without the sum over samples: each
        sample's output derivative with respect to a weight is its input to
        that weight times its delta at the weight's neuron.
        """
        hs, ders, r = self._forward(theta)
        depth = self.network.depth
        coefs = self.arrays[: depth + 1]
        delta = np.ones((len(r), 1))
        cols_c = [None] * (depth + 1)
        cols_b = [None] * (depth + 1)
        for i in range(depth, -1, -1):
            # Only the non-zero weights' columns, in the C order of theta.
            rows, cols = np.nonzero(self.masks[i])
            cols_c[i] = hs[i][:, rows] * delta[:, cols]
            cols_b[i] = delta[:, self.masks[depth + 1 + i]]
            if i > 0:
                delta = (delta @ coefs[i].T) * ders[i - 1]
        return self.sqrt_w[:, None] * np.concatenate(cols_c + cols_b, axis=1)

    def network_at(self, theta: np.ndarray) -> SparseMLP:
        self._unpack(theta)
        depth = self.network.depth
        return SparseMLP(
            [a.copy() for a in self.arrays[: depth + 1]],
            [a.copy() for a in self.arrays[depth + 1 :]],
            self.network.activations,
            self.network.gates,
        )


def _levenberg_marquardt(fun, jac, x0: np.ndarray, max_nfev: int) -> np.ndarray:
    """Levenberg-Marquardt on the residuals ``fun(x)``; the point of lowest sum of squares.

    Each step solves ``min ||J s + r||^2 + lam ||D s||^2``, ``D`` the running
    largest column norms of the Jacobian ``J`` (MINPACK's scaling), by one QR
    factorisation of ``J`` per accepted point and a small least-squares
    problem per trial ``lam``; ``lam`` follows Nielsen's rule on the ratio of
    actual to predicted reduction. ``max_nfev`` counts the evaluations of
    ``fun``, the first and rejected ones included. NumPy and LAPACK only:
    SciPy's MINPACK (``least_squares(method="lm")``, a C translation since
    SciPy 1.15) took different steps from the same inputs from one call to
    the next, as the heap lay, so a fit did not repeat bit for bit.
    """
    x = np.array(x0, dtype=np.float64)
    r = fun(x)
    nfev = 1
    cost = float(r @ r)
    scale = np.zeros(x.size)
    lam, nu = 1e-3, 2.0
    while nfev < max_nfev and np.isfinite(cost) and cost > 0:
        J = jac(x)
        if not np.all(np.isfinite(J)):
            break
        scale = np.maximum(scale, np.sqrt(np.einsum("ij,ij->j", J, J)))
        # A parameter the residuals have never depended on (a switched-off
        # neuron's weight, say) takes no step: it stays exactly as it is.
        moving = np.flatnonzero(scale > 0)
        if moving.size == 0:
            break
        Q, R = np.linalg.qr(J[:, moving])
        qtr = Q.T @ r
        damping = np.diag(scale[moving])
        accepted = False
        while nfev < max_nfev and lam < 1e16:
            A = np.vstack([R, np.sqrt(lam) * damping])
            step = np.linalg.lstsq(A, np.concatenate([-qtr, np.zeros(moving.size)]), rcond=None)[0]
            predicted = float(qtr @ qtr - np.sum((R @ step + qtr) ** 2))
            s = np.zeros(x.size)
            s[moving] = step
            x_new = x + s
            r_new = fun(x_new)
            nfev += 1
            cost_new = float(r_new @ r_new) if np.all(np.isfinite(r_new)) else np.inf
            rho = (cost - cost_new) / predicted if predicted > 0 else -1.0
            if rho > 0 and cost_new < cost:
                small = np.linalg.norm(s) <= 1e-15 * (np.linalg.norm(x) + 1e-15)
                x, r, cost = x_new, r_new, cost_new
                lam *= max(1 / 3, 1 - (2 * rho - 1) ** 3)
                nu = 2.0
                accepted = not small
                break
            lam *= nu
            nu *= 2.0
        if not accepted:
            break
    return x


def polish(
    network: SparseMLP,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    max_iter: int = 500,
    zero_biases_fixed: bool = False,
    solver: str = "lbfgs",
) -> tuple[SparseMLP, float, float]:
    """Train the non-zero weights and the active biases of ``network`` on all rows at once.

    Parameters
    ----------
    network : SparseMLP
        The network; its zeros, activations and gates are kept.
    X : ndarray of shape (n_samples, n_inputs)
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the squared errors; uniform when None.
    max_iter : int, default=500
        L-BFGS iterations, or most evaluations of the residuals by
        Levenberg-Marquardt (rejected trial steps included; one Jacobian per
        accepted step). 100 evaluations cost about what 1000 L-BFGS
        iterations do on the networks SWAT finds (a SWAT fit with
        ``polish_solver="lm", polish_iter=100`` took 0.6 to 1.3 times the
        default's time on four CORNN functions, 2026-12-06).
    zero_biases_fixed : bool, default=False
        Keep zero biases at zero, as zero weights are. By default every
        active neuron's bias and the output bias are trained, as SWAT's size
        counts them whether zero or not; a size that counts non-zero biases
        only (``mlp_size``) needs them fixed to stay the same.
    solver : {"lbfgs", "lm"}, default="lbfgs"
        ``"lbfgs"``: SciPy's L-BFGS-B on the loss and its gradient, cheap per
        step. ``"lm"``: Levenberg-Marquardt (:func:`_levenberg_marquardt`,
        with the Jacobian's column norms as the variables' scale) on the
        weighted residuals and their Jacobian, a Gauss-Newton step that
        crosses the narrow curved valleys of small networks' losses where
        L-BFGS crawls: on the 54 CORNN functions, SWAT's fits with 100
        evaluations in every polish were more accurate than with 1000 L-BFGS
        iterations on 33 and less on 5 (measured with SciPy's MINPACK, which
        this solver replaced on 2026-12-06 since it did not repeat bit for
        bit; on 46 polishes of three such fits the two ended within 1.1 times
        of each other's loss on 29, lower on 13 and higher on 4, in 0.9 times
        the time). Both are local methods: from some starts it stops higher.
        Each step costs a QR factorisation of the rows-by-parameters
        Jacobian, so it suits networks of tens to a few hundred parameters;
        fewer rows than parameters are fine.

    Returns
    -------
    network : SparseMLP
        The trained network, or ``network`` itself when training did not
        lower the loss (or produced a non-finite one).
    loss_before, loss_after : float
        Weighted mean squared error before and after.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_swat import SparseMLP
    >>> from sklearn_swat._polish import polish
    >>> X = np.linspace(-1, 1, 50)[:, None]
    >>> net = SparseMLP([np.array([[1.0]]), np.array([[0.5]])], [np.zeros(1), np.zeros(1)], [["tanh"]])
    >>> trained, before, after = polish(net, X, np.tanh(2 * X[:, 0]))
    >>> after < before
    True
    """
    _check_solver(solver)
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if not w.sum() > 0:
        w = np.ones(len(y))
    obj = _Objective(network, X, y, w, zero_biases_fixed)
    theta0 = obj.theta()
    before = obj.loss(theta0)
    if theta0.size == 0 or max_iter <= 0:
        return network, before, before
    # One BLAS thread: on these small problems a threaded BLAS inside
    # L-BFGS-B costs 30 times more than it saves (measured: 10 ms against
    # 0.3 ms per step on 85 parameters).
    with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(limits=1, user_api="blas"):
        if solver == "lm":
            if not np.isfinite(before):
                return network, before, before
            x = _levenberg_marquardt(obj.residuals, obj.jacobian, theta0, int(max_iter))
            after = obj.loss(x) if np.all(np.isfinite(x)) else np.nan
        else:
            res = minimize(
                obj, theta0, jac=True, method="L-BFGS-B",
                options={"maxiter": int(max_iter), "maxcor": 20, "ftol": 1e-15, "gtol": 1e-12},
            )
            x, after = res.x, float(res.fun)
    if not (np.isfinite(after) and after < before and np.all(np.isfinite(x))):
        return network, before, before
    return obj.network_at(x), before, after


def _loss(network: SparseMLP, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    r = network.predict(X) - y
    return float(np.dot(w, r * r) / w.sum())


def prune(
    network: SparseMLP,
    fit_data: tuple[np.ndarray, np.ndarray, np.ndarray],
    check_data: tuple[np.ndarray, np.ndarray, np.ndarray],
    budget: float,
    polish_iter: int = 200,
    max_rounds: int = 30,
    max_nonzero: int | None = None,
    trace: list | None = None,
    solver: str = "lbfgs",
    fold_layers: bool = False,
) -> SparseMLP:
    """Remove parameters one group at a time while the held-out loss stays within ``budget``.

    Each round ranks the non-zero weights by the training loss the
    network has with that one weight set to zero, removes the least
    harmful ones (a quarter of them at first, half as many after a
    refusal), retrains the rest with :func:`polish`, drops neurons left
    dead (:meth:`SparseMLP.compact`), and keeps the result if its loss on
    ``check_data`` is at most ``budget``. Once single weights are
    removed, the ``SINGLE_TRIES`` least harmful ones are each tried and the
    accepted one with the lowest retrained loss is kept; the pruning stops
    when all of them are refused (or, with ``fold_layers``, when folding each
    hidden layer into the next is refused too).

    Parameters
    ----------
    network : SparseMLP
    fit_data : tuple of (X, y, sample_weight)
        Rows the weights are trained on.
    check_data : tuple of (X, y, sample_weight)
        Rows that decide whether a removal is kept.
    budget : float
        Largest accepted weighted MSE on ``check_data``.
    polish_iter : int, default=200
        Polish iterations (or evaluations, see :func:`polish`) after each
        removal.
    max_rounds : int, default=30
        Most removal attempts within the budget.
    max_nonzero : int or None, default=None
        A size cap: first remove weights the same way, whatever ``budget``
        says, until the network has at most this many non-zero parameters
        or no weight is left (a group is kept if it at most doubles the
        held-out loss, and at single weights the best of the tries is kept
        whatever it costs); then prune within ``budget`` as usual, if the
        capped network is within it.
    trace : list or None, default=None
        When a list, the pruning within ``budget`` appends to it the network
        it starts from and each network it keeps, as ``(network, loss on
        check_data)`` pairs (for studying where a pruning stops).
    solver : {"lbfgs", "lm"}, default="lbfgs"
        The polish's optimiser (:func:`polish`).
    fold_layers : bool, default=False
        When no single weight can go within ``budget``, try removing each
        hidden layer of a network of two or more: its neurons' activations
        are replaced by their closest lines on the ``fit_data`` rows (least
        squares) and its weights multiplied into the next layer's
        (:func:`_fold_layer`), then retrained. The accepted fold with the
        lowest retrained loss is kept if the network is smaller, and the
        pruning goes on from it. The size cap folds too: once it removes
        single weights, each layer's fold is one more try, and the try with
        the lowest retrained training loss is kept (it did not when the fold
        came in).

    Returns
    -------
    SparseMLP
        The smallest accepted network (``network`` itself if no removal was
        accepted).
    """
    _check_solver(solver)
    X, y, w = (np.asarray(a, dtype=np.float64) for a in fit_data)
    if not w.sum() > 0:
        w = np.ones(len(y))
    Xc, yc, wc = (np.asarray(a, dtype=np.float64) for a in check_data)
    if not wc.sum() > 0:
        wc = np.ones(len(yc))
    with threadpool_limits(limits=1, user_api="blas"):
        if max_nonzero is not None:
            network = _shrink(
                network, (X, y, w), (Xc, yc, wc), int(max_nonzero), polish_iter, solver, fold_layers
            )
            if _loss(network, Xc, yc, wc) > budget:
                return network
        return _prune(
            network, (X, y, w), (Xc, yc, wc), budget, polish_iter, max_rounds, trace, solver, fold_layers
        )


def _n_weights(network: SparseMLP) -> int:
    return sum(int(np.count_nonzero(c)) for c in network.coefs)


def _removal_trials(best, fit_data, step, polish_iter, solver="lbfgs"):
    """Retrained networks with the ``step`` least harmful weights removed.

    Yields ``(fit_loss, trial)``; nothing when ``best`` has no weight left.
    Only weights are candidates: an active neuron's bias is counted whether
    or not it is zero, so removing it would shrink nothing.
    """
    X, y, w = fit_data
    obj = _Objective(best, X, y, w)
    theta = obj.theta()
    n_weights = _n_weights(best)
    if n_weights == 0:
        return
    # Damage of removing each weight alone, without retraining.
    damage = np.empty(n_weights)
    for j in range(n_weights):
        t = theta.copy()
        t[j] = 0.0
        damage[j] = obj.loss(t)
    order = np.argsort(damage, kind="stable")
    step = min(step, n_weights)
    # A group of the least harmful weights at once; single weights at the
    # end, where the damage ranking (taken before retraining) is only a
    # hint, so the SINGLE_TRIES least harmful ones are each tried.
    if step > 1:
        groups = [order[:step]]
    else:
        groups = [order[i : i + 1] for i in range(min(SINGLE_TRIES, n_weights))]
    for group in groups:
        t = theta.copy()
        t[group] = 0.0
        trial, _, fit_loss = polish(obj.network_at(t).compact(), X, y, w, max_iter=polish_iter, solver=solver)
        yield fit_loss, trial


def _shrink(
    network, fit_data, check_data, max_nonzero, polish_iter, solver="lbfgs", fold_layers=False
) -> SparseMLP:
    """Remove weights until at most ``max_nonzero`` non-zeros are left, whatever the loss.

    As :func:`_prune`, with a moving budget: a group removal is kept if it
    at most doubles the held-out loss (else the group is halved), and at
    single weights the best retrained of the ``SINGLE_TRIES`` least harmful
    removals is kept whatever it costs. With ``fold_layers``, folding each
    hidden layer into the next (:func:`_fold_trials`) is tried beside those
    single removals (the group removals before them are weights only).
    """
    Xc, yc, wc = check_data
    best = network
    step = None
    while best.n_nonzero > max_nonzero:
        n_weights = _n_weights(best)
        if n_weights == 0:
            break
        excess = best.n_nonzero - max_nonzero
        step = min(max(1, n_weights // 4) if step is None else step, n_weights, excess)
        limit = 2.0 * _loss(best, Xc, yc, wc)
        moves = _removal_trials(best, fit_data, step, polish_iter, solver)
        if step == 1 and fold_layers:
            moves = itertools.chain(moves, _fold_trials(best, fit_data, polish_iter, solver))
        trials = [
            (fit_loss, i, trial)
            for i, (fit_loss, trial) in enumerate(moves)
            if trial.n_nonzero < best.n_nonzero and (step == 1 or _loss(trial, Xc, yc, wc) <= limit)
        ]
        if trials:
            best = min(trials)[2]
        elif step > 1:
            step = max(1, step // 2)
        else:
            break
    return best


def _accepted(trials, best, check_data, budget) -> list:
    """``(fit_loss, index, check_loss, trial)`` of the ``(fit_loss, trial)`` pairs
    smaller than ``best`` whose loss on ``check_data`` is within ``budget``."""
    Xc, yc, wc = check_data
    return [
        (fit_loss, i, check_loss, trial)
        for i, (fit_loss, trial) in enumerate(trials)
        if (check_loss := _loss(trial, Xc, yc, wc)) <= budget and trial.n_nonzero < best.n_nonzero
    ]


def _prune(
    network, fit_data, check_data, budget, polish_iter, max_rounds, trace=None, solver="lbfgs",
    fold_layers=False,
) -> SparseMLP:
    Xc, yc, wc = check_data
    best = network
    step = None
    if trace is not None:
        trace.append((best, _loss(best, Xc, yc, wc)))
    for _ in range(max_rounds):
        n_weights = _n_weights(best)
        if n_weights == 0:
            break
        step = min(max(1, n_weights // 4) if step is None else step, n_weights)
        removals = _removal_trials(best, fit_data, step, polish_iter, solver)
        trials = _accepted(removals, best, check_data, budget)
        if not trials and step == 1 and fold_layers:
            # No single weight can go: try folding a whole hidden layer into
            # the next (a smaller network of one layer less), then prune on.
            folds = _fold_trials(best, fit_data, polish_iter, solver)
            trials = _accepted(folds, best, check_data, budget)
            if trials:
                step = None  # a fold leaves new weights: groups again
        if trials:
            _, _, check_loss, best = min(trials)
            if trace is not None:
                trace.append((best, check_loss))
        elif step > 1:
            step = max(1, step // 2)
        else:
            break
    return best


def _fold_layer(network: SparseMLP, layer: int, X: np.ndarray, w: np.ndarray) -> SparseMLP:
    """``network`` with hidden ``layer`` replaced by its best linear fit on ``X``, merged into the next.

    Each neuron's activation is replaced by the line ``a z + c`` closest to
    it, in weighted least squares, over the pre-activations ``z`` the rows
    of ``X`` give it; the layer is then linear and its weights multiply into
    the next layer's. The network must have at least two hidden layers.
    """
    h = network._hidden_numpy(X, layer)
    z = h @ network.coefs[layer] + network.intercepts[layer]
    act, gate = network.activations[layer], network.gates[layer]
    slope = np.zeros(z.shape[1])
    offset = np.zeros(z.shape[1])
    p = w / w.sum()
    rows = w > 0
    for j in np.flatnonzero(gate):
        f = _NUMPY_ACTIVATIONS[act[j]](z[:, j])
        zm, fm = p @ z[:, j], p @ f
        # A pre-activation the same on every row: its weighted mean may be an
        # ulp off, which leaves a variance of rounding errors, not 0, and a
        # slope that is their ratio. Any slope fits such rows; 0 is kept.
        if np.ptp(z[rows, j]) <= 1e-12 * max(1.0, abs(zm)):
            slope[j] = 0.0
        else:
            var = p @ (z[:, j] - zm) ** 2
            slope[j] = (p @ ((z[:, j] - zm) * (f - fm))) / var
        offset[j] = fm - slope[j] * zm
    nxt = network.coefs[layer + 1]
    coef = (network.coefs[layer] * slope) @ nxt
    bias = (network.intercepts[layer] * slope + offset) @ nxt + network.intercepts[layer + 1]
    keep = [i for i in range(network.depth) if i != layer]
    return SparseMLP(
        [*network.coefs[:layer], coef, *network.coefs[layer + 2 :]],
        [*network.intercepts[:layer], bias, *network.intercepts[layer + 2 :]],
        [network.activations[i] for i in keep],
        [network.gates[i] for i in keep],
    )


def _fold_trials(best, fit_data, polish_iter, solver="lbfgs"):
    """Retrained networks with one hidden layer folded into the next, one per layer.

    Yields ``(fit_loss, trial)``; nothing for a network of one hidden layer.
    """
    X, y, w = fit_data
    if best.depth < 2:
        return
    for layer in range(best.depth):
        folded = _fold_layer(best, layer, X, w).compact()
        trial, _, fit_loss = polish(folded, X, y, w, max_iter=polish_iter, solver=solver)
        yield fit_loss, trial
