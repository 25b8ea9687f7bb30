"""A dense tanh MLP trained in torch, magnitude-pruned to a given size, then retrained.

The benchmark's ``pruned-mlp`` baseline asks: with the same number of
non-zero parameters as SWAT's network, how well does the simplest pruning
of a dense network do? The size is counted as for ``MLPRegressor``: the
non-zero entries of ``coefs_`` and ``intercepts_``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._base import (
    MAX_LEARNING_RATE,
    atomic_fit,
    autograd_enabled,
    finite_magnitudes,
    numeric_inputs,
    numeric_target,
    seed_from_random_state,
    seeded_global_rng,
    torch_threads,
)
from .._network import MAX_DEPTH, SparseMLP
from .._polish import SOLVERS, polish, subsample


def mlp_size(coefs, intercepts) -> tuple[int, list[int], int]:
    """Size of a plain MLP given as sklearn's ``coefs_`` and ``intercepts_``.

    Parameters
    ----------
    coefs : list of ndarray
        Weight matrices, ``coefs[i]`` of shape ``(n_units[i], n_units[i + 1])``.
    intercepts : list of ndarray
        Bias vectors, ``intercepts[i]`` of shape ``(n_units[i + 1],)``.

    Returns
    -------
    n_nonzero : int
        Non-zero weights plus non-zero biases, over all layers.
    n_active_neurons : list of int
        Per hidden layer, the neurons whose output reaches the output through
        non-zero weights (a neuron with no such path changes nothing).
    depth : int
        Number of hidden layers.

    Examples
    --------
    >>> import numpy as np
    >>> coefs = [np.ones((2, 7)), np.ones((7, 7)), np.ones((7, 1))]
    >>> intercepts = [np.ones(7), np.ones(7), np.ones(1)]
    >>> mlp_size(coefs, intercepts)
    (85, [7, 7], 2)
    """
    n_nonzero = sum(int(np.count_nonzero(c)) for c in coefs)
    n_nonzero += sum(int(np.count_nonzero(b)) for b in intercepts)
    depth = len(coefs) - 1
    alive = np.ones(1, dtype=bool)
    active = []
    for i in reversed(range(depth)):
        alive = np.any(np.asarray(coefs[i + 1])[:, alive] != 0.0, axis=1)
        active.append(int(alive.sum()))
    return n_nonzero, active[::-1], depth


def _magnitude_masks(params: list[torch.Tensor], k: int) -> list[torch.Tensor]:
    """0/1 masks keeping the ``k`` entries of largest magnitude over all tensors."""
    flat = torch.cat([p.detach().reshape(-1) for p in params])
    keep = torch.zeros_like(flat, dtype=torch.bool)
    keep[torch.argsort(flat.abs(), descending=True, stable=True)[:k]] = True
    masks, start = [], 0
    for p in params:
        masks.append(keep[start : start + p.numel()].reshape(p.shape).to(p.dtype))
        start += p.numel()
    return masks


def _n_live(params) -> int:
    """Non-zero entries over all of ``params``."""
    return sum(int(torch.count_nonzero(p)) for p in params)


@torch.no_grad()
def _drop_dead(linears: list[nn.Linear]) -> None:
    """Zero the parameters that cannot change the output, in place.

    A hidden neuron none of whose outgoing weights is non-zero changes
    nothing: its incoming weights and bias go. A neuron with no non-zero
    incoming weight and a zero bias outputs tanh(0) = 0: its outgoing
    weights go. Repeated until nothing changes, so that the count of
    non-zeros is the count of parameters that matter.
    """
    while True:
        before = _n_live(p for lin in linears for p in lin.parameters())
        for i in range(len(linears) - 1):
            silent = ~linears[i].weight.ne(0).any(dim=1) & linears[i].bias.eq(0)
            linears[i + 1].weight[:, silent] = 0.0
        for i in reversed(range(len(linears) - 1)):
            unused = ~linears[i + 1].weight.ne(0).any(dim=0)
            linears[i].weight[unused, :] = 0.0
            linears[i].bias[unused] = 0.0
        if _n_live(p for lin in linears for p in lin.parameters()) == before:
            return


@torch.no_grad()
def _prune_to(module: nn.Sequential, target: int) -> None:
    """Prune by global magnitude, then drop dead parameters, keeping at most ``target``.

    The output bias and the most other entries by magnitude whose live
    remainder (after :func:`_drop_dead`) is at most ``target``: dropping dead
    parameters frees room that larger magnitudes fill, as far as it goes.
    """
    params = list(module.parameters())
    linears = [m for m in module if isinstance(m, nn.Linear)]
    start = [p.detach().clone() for p in params]
    n_live = _n_live(start)
    # The output bias is kept: with it alone the network is the constant
    # (SWAT's one-parameter network), never the zero function.
    for k in range(max(n_live, target), target - 1, -1):
        masks = [*_magnitude_masks(start[:-1], k - 1), torch.ones_like(start[-1])]
        for p, p0, m in zip(params, start, masks):
            p.copy_(p0 * m)
        _drop_dead(linears)
        if _n_live(params) <= target:
            return


def _check_float32(values: np.ndarray, what: str) -> None:
    """Refuse NaN or infinity, and values float32, in which this baseline trains without
    scaling, cannot hold."""
    largest = float(np.max(finite_magnitudes(values, what)))
    if largest > float(np.finfo(np.float32).max):
        raise ValueError(
            f"{what} holds values beyond float32's range (largest magnitude {largest:.3g}, "
            "float32's limit 3.4e38), in which this baseline trains without scaling. Scale "
            "them first, for example with sklearn.preprocessing.MinMaxScaler in a Pipeline "
            "(X) or TransformedTargetRegressor (y)."
        )


class PrunedMLPRegressor(RegressorMixin, BaseEstimator):
    """Dense tanh MLP, magnitude-pruned to ``n_nonzero`` parameters, then retrained.

    Two phases, both with Adam on mini-batches of ``batch_size`` rows, and a
    polish:

    1. the dense network (tanh hidden layers, linear output) is trained for
       ``max_iter`` epochs;
    2. it is pruned to ``n_nonzero`` parameters by global magnitude, weights
       and biases together, in ``pruning_steps`` steps whose sizes fall
       geometrically (gradual magnitude pruning); after each step the
       parameters that can no longer change the output (those of a neuron
       whose outgoing weights are all pruned, and the outgoing weights of a
       neuron left with no input and no bias) are pruned too, and the
       survivors are retrained for a share of ``retrain_iter`` epochs, the
       pruned entries held at zero;
    3. the non-zero weights and biases are polished with ``SWATRegressor``'s
       full-batch L-BFGS (``polish_iter`` iterations; Levenberg-Marquardt
       evaluations with ``polish_solver="lm"``; on a fixed random 8192
       of the rows when there are more), zeros held at zero, so the size
       stays as pruned. SWAT's networks and ``DARTSADMMRegressor``'s get the
       same polish: mini-batch Adam stops short of the minimum on smooth
       targets, and a baseline left there would be compared with less
       finished weights (this phase came on 2026-12-05).

    Plain one-shot magnitude pruning, this baseline until 2026-11-28, cut
    every path from the inputs to the output on about half of the CORNN
    functions at SWAT's sizes, leaving a constant network that still
    counted its dead weights; ``pruning_steps=1`` is one shot with the
    repair above. Each step keeps the most entries by magnitude whose live remainder fits
    its size, so the non-zero count ends at ``n_nonzero``, or below it
    where removing one more entry would leave more dead ones.

    No scaling is applied: give it inputs and target of order one, as the
    CORNN data are, or put a scaler before it (the benchmark's ``pruned-mlp``
    scales its inputs to [-1, 1] with ``MinMaxScaler``). With the defaults a
    fit of 3750 rows takes about 4 s on one thread (a median 3.8 s in the
    54-function benchmark, the polish included).

    Parameters
    ----------
    hidden_layer_sizes : int or array-like of int, default=(7, 7)
        Neurons of each hidden layer; an integer is one hidden layer, as in
        scikit-learn's ``MLPRegressor``.
    n_nonzero : int or None, default=None
        Parameters (weights and biases) kept by pruning; ``None``, or a number
        at least the dense count, keeps the network dense and skips phase 2.
    max_iter : int, default=200
        Epochs of dense training.
    retrain_iter : int, default=200
        Epochs of retraining after pruning, shared by the pruning steps (the
        last one takes the remainder).
    pruning_steps : int, default=5
        Steps of the gradual pruning.
    batch_size : int, default=256
        Rows per Adam step.
    learning_rate : float, default=0.01
        Adam learning rate, both phases.
    polish_iter : int, default=1000
        L-BFGS iterations of the polish (Levenberg-Marquardt evaluations with
        ``polish_solver="lm"``; the default of ``SWATRegressor`` and
        ``DARTSADMMRegressor``); 0 skips it. The polish handles at most 4
        hidden layers, as SWAT's networks have.
    polish_solver : {"lbfgs", "lm"}, default="lbfgs"
        The polish's optimiser, as ``SWATRegressor``'s: L-BFGS-B
        (``polish_iter`` iterations) or Levenberg-Marquardt (``polish_iter``
        evaluations of the residuals; 100 is its usual count: with the
        default 1000 it costs about ten times as much).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the order of the mini-batches. Pass an
        int for reproducible output across multiple function calls. The global
        torch random state is left as it was.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(n_units[i], n_units[i + 1])``
        as in ``MLPRegressor``; pruned entries are exactly zero.
    intercepts_ : list of ndarray
        Bias vectors; pruned entries are exactly zero.
    n_nonzero_ : int
        Non-zero entries of ``coefs_`` and ``intercepts_``.
    n_active_neurons_ : list of int
        Neurons per hidden layer whose output still reaches the output.
    depth_ : int
        Number of hidden layers.
    loss_curve_ : list of float
        Mean training MSE of each epoch, both Adam phases (the polish not
        included).
    n_iter_ : int
        Epochs run, both Adam phases.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The dense network without pruning.
    sklearn_swat.SWATRegressor : Whose network size the benchmark prunes to.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_swat.benchmark import PrunedMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = np.tanh(2 * X[:, 0]) + 0.5 * X[:, 1]
    >>> reg = PrunedMLPRegressor(n_nonzero=20, max_iter=20, retrain_iter=20, random_state=0)
    >>> reg.fit(X, y).n_nonzero_ <= 20
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_nonzero": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "retrain_iter": [Interval(Integral, 0, None, closed="left")],
        "pruning_steps": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, MAX_LEARNING_RATE, closed="right")],
        "polish_iter": [Interval(Integral, 0, None, closed="left")],
        "polish_solver": [StrOptions(set(SOLVERS))],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes: int | Sequence[int] = (7, 7),
        n_nonzero: int | None = None,
        max_iter: int = 200,
        retrain_iter: int = 200,
        pruning_steps: int = 5,
        batch_size: int = 256,
        learning_rate: float = 0.01,
        polish_iter: int = 1000,
        polish_solver: str = "lbfgs",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_nonzero = n_nonzero
        self.max_iter = max_iter
        self.retrain_iter = retrain_iter
        self.pruning_steps = pruning_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.polish_iter = polish_iter
        self.polish_solver = polish_solver
        self.random_state = random_state

    def _train(self, module, X, y, epochs, masks, gen, curve) -> None:
        opt = torch.optim.Adam(module.parameters(), lr=self.learning_rate)
        params = list(module.parameters())
        n = len(X)
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for start in range(0, n, self.batch_size):
                idx = order[start : start + self.batch_size]
                opt.zero_grad()
                loss = torch.mean((module(X[idx]) - y[idx]) ** 2)
                loss.backward()
                opt.step()
                if masks is not None:
                    # Re-applying the mask after each step keeps pruned
                    # entries at exactly zero whatever Adam's moments hold.
                    with torch.no_grad():
                        for p, m in zip(params, masks):
                            p.mul_(m)
                total += float(loss.detach()) * len(idx)
            curve.append(total / n)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> PrunedMLPRegressor:
        """Train densely, prune by magnitude and retrain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : PrunedMLPRegressor
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat.benchmark import PrunedMLPRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
        >>> reg = PrunedMLPRegressor(n_nonzero=30, max_iter=2, retrain_iter=2, random_state=0)
        >>> reg.fit(X, X[:, 0]).coefs_[0].shape
        (2, 7)
        >>> len(reg.loss_curve_)
        4
        """
        # The parameters are checked before validate_data, which sets n_features_in_; and
        # a failed refit (bad data, a divergence, Ctrl-C) leaves the fitted model as it was.
        hidden = self._check_hidden_layers()
        with atomic_fit(self):
            return self._fit(X, y, hidden)

    def _check_hidden_layers(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        hidden = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not hidden or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in hidden
        ):
            raise ValueError(
                "hidden_layer_sizes must hold at least one positive integer (a hidden layer's "
                f"neurons); got {self.hidden_layer_sizes!r}."
            )
        if isinstance(self.n_nonzero, bool):
            raise ValueError(f"n_nonzero must be a positive integer or None; got {self.n_nonzero!r}.")
        if self.polish_iter > 0 and len(hidden) > MAX_DEPTH:
            raise ValueError(
                f"The polish handles at most {MAX_DEPTH} hidden layers; got {len(hidden)} "
                f"(hidden_layer_sizes={self.hidden_layer_sizes!r}). Pass polish_iter=0 or fewer layers."
            )
        return [int(s) for s in hidden]

    def _fit(self, X, y, hidden: list[int]) -> PrunedMLPRegressor:
        # errstate: scikit-learn's finiteness check sums X first, which overflows on
        # finite values near float64's limit (as in the other estimators).
        with numeric_inputs(X, y), np.errstate(over="ignore", invalid="ignore"):
            X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        y = numeric_target(y)  # numbers given as strings, as the other estimators take them
        _check_float32(X, "X")
        _check_float32(y, "y")
        sizes = [X.shape[1], *hidden, 1]
        seed = seed_from_random_state(self.random_state)
        # Copies (torch.tensor): a read-only array, as pandas may give, is fine.
        Xt = torch.tensor(X, dtype=torch.float32)
        yt = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
        curve: list[float] = []
        with seeded_global_rng(seed), autograd_enabled():  # nn.Linear's initial draws
            layers: list[nn.Module] = []
            for a, b in itertools.pairwise(sizes):
                layers += [nn.Linear(a, b, dtype=torch.float32), nn.Tanh()]
            module = nn.Sequential(*layers[:-1])
        with torch_threads(1), autograd_enabled():
            gen = torch.Generator().manual_seed(seed)
            self._train(module, Xt, yt, self.max_iter, None, gen, curve)
            n_params = sum(p.numel() for p in module.parameters())
            if self.n_nonzero is not None and self.n_nonzero < n_params:
                steps = self.pruning_steps
                for step in range(1, steps + 1):
                    # Sizes from the dense count down to n_nonzero, geometrically.
                    k = round(n_params * (self.n_nonzero / n_params) ** (step / steps))
                    _prune_to(module, max(int(k), self.n_nonzero))
                    masks = [p.detach().ne(0).to(p.dtype) for p in module.parameters()]
                    epochs = self.retrain_iter // steps
                    if step == steps:
                        epochs = self.retrain_iter - epochs * (steps - 1)
                    self._train(module, Xt, yt, epochs, masks, gen, curve)
        if not all(torch.isfinite(p).all() for p in module.parameters()):
            raise ValueError(
                "Training diverged (non-finite weights). This baseline trains on X and y as "
                "given, in float32: scale them first (for example sklearn.preprocessing."
                "MinMaxScaler in a Pipeline, and TransformedTargetRegressor for y), or lower "
                "learning_rate."
            )
        linears = [m for m in module if isinstance(m, nn.Linear)]
        # "+ 0.0" turns the -0.0 of pruned negative entries into 0.0.
        coefs = [lin.weight.detach().double().numpy().T + 0.0 for lin in linears]
        intercepts = [lin.bias.detach().double().numpy() + 0.0 for lin in linears]
        if self.polish_iter > 0:
            network = SparseMLP(coefs, intercepts, [["tanh"] * c.shape[1] for c in coefs[:-1]])
            rows = subsample(len(X), seed)
            network = polish(network, X[rows], y[rows], max_iter=self.polish_iter, zero_biases_fixed=True,
                             solver=self.polish_solver)[0]
            coefs, intercepts = network.coefs, network.intercepts  # zeros kept as the +0.0 given
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.loss_curve_ = curve
        self.n_iter_ = len(curve)
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict with the pruned network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predictions.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat.benchmark import PrunedMLPRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
        >>> reg = PrunedMLPRegressor(max_iter=2, random_state=0).fit(X, X[:, 0])
        >>> reg.predict(X[:3]).shape
        (3,)
        """
        check_is_fitted(self, "coefs_")
        with numeric_inputs(X), np.errstate(over="ignore", invalid="ignore"):
            h = validate_data(self, X, reset=False, dtype=np.float64)
        finite_magnitudes(h, "X")  # assume_finite=True skipped the usual check
        for c, b in zip(self.coefs_[:-1], self.intercepts_[:-1]):
            h = np.tanh(h @ c + b)
        return (h @ self.coefs_[-1] + self.intercepts_[-1])[:, 0]

    @property
    def n_nonzero_(self) -> int:
        """Non-zero entries of ``coefs_`` and ``intercepts_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat.benchmark import PrunedMLPRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
        >>> PrunedMLPRegressor(max_iter=2, random_state=0).fit(X, X[:, 0]).n_nonzero_
        85
        >>> reg = PrunedMLPRegressor(n_nonzero=30, max_iter=2, retrain_iter=2, random_state=0)
        >>> reg.fit(X, X[:, 0]).n_nonzero_ <= 30
        True
        """
        check_is_fitted(self, "coefs_")
        return mlp_size(self.coefs_, self.intercepts_)[0]

    @property
    def n_active_neurons_(self) -> list[int]:
        """Neurons per hidden layer whose output reaches the output.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat.benchmark import PrunedMLPRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
        >>> reg = PrunedMLPRegressor(hidden_layer_sizes=(4, 3), max_iter=2, random_state=0)
        >>> reg.fit(X, X[:, 0]).n_active_neurons_
        [4, 3]
        """
        check_is_fitted(self, "coefs_")
        return mlp_size(self.coefs_, self.intercepts_)[1]

    @property
    def depth_(self) -> int:
        """Number of hidden layers.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat.benchmark import PrunedMLPRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
        >>> reg = PrunedMLPRegressor(hidden_layer_sizes=(5,), max_iter=2, random_state=0)
        >>> reg.fit(X, X[:, 0]).depth_
        1
        """
        check_is_fitted(self, "coefs_")
        return len(self.coefs_) - 1
