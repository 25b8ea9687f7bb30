"""DARTS+ADMM over the depths SWAT searches: the baseline chooses its depth as SWAT does.

DESIGN section 7 gives the baseline "the same depths and width" as SWAT's
search, and the paper reports "the best-performing models identified by
DARTS+ADMM", each "a model configuration". The benchmark's ``darts-admm`` is
one configuration, two layers of 7; ``darts-admm-depths`` fits one network
of width 7 at each depth 1 to 4 on the same rows and keeps one by SWAT's own
rule: the smallest whose held-out MSE is within ``selection_tolerance`` of
the best (:class:`~sklearn_swat.SWATRegressor`'s ``selection="validation"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._darts_admm import DARTSADMMRegressor
from .._network import SparseMLP
from .._swat import selection_budget


class DARTSDepthsRegressor(RegressorMixin, BaseEstimator):
    """DARTS+ADMM at each of ``depths`` (``width`` neurons a layer), the smallest of the most accurate.

    The training rows are split once (``validation_fraction`` held out, drawn
    by ``random_state``): each depth's :class:`~sklearn_swat.DARTSADMMRegressor`
    is fitted on the rest, and the one kept has the fewest non-zero
    parameters among those whose held-out MSE is at most ``1 +
    selection_tolerance`` times the lowest (ties: the lower MSE, then the
    shallower). It is not refitted on the held-out rows, as SWAT's network
    is not.

    Parameters
    ----------
    depths : sequence of int, default=(1, 2, 3, 4)
        Hidden layers of the networks tried.
    width : int, default=7
        Neurons per hidden layer (the ``"cornn"`` latent space's width).
    validation_fraction : float, default=0.1
        Share of the training rows held out to choose the depth.
    selection_tolerance : float, default=0.2
        As :class:`~sklearn_swat.SWATRegressor`'s.
    random_state : int, default=0
        Seeds the split and every fit.
    darts_params : dict, default=None
        Further :class:`~sklearn_swat.DARTSADMMRegressor` parameters (the
        benchmark's tiny test settings).

    Attributes
    ----------
    estimator_ : DARTSADMMRegressor
        The depth kept.
    validation_mse_ : list of float
        Held-out MSE of each depth, in the order of ``depths``.
    n_nonzero_by_depth_ : list of int
        Non-zero parameters of each depth's network.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_swat.benchmark._darts_depths import DARTSDepthsRegressor
    >>> X = np.random.RandomState(0).uniform(-1, 1, size=(200, 2))
    >>> reg = DARTSDepthsRegressor(depths=(1, 2), darts_params=dict(
    ...     search_epochs=1, admm_epochs=1, retrain_epochs=2, polish_iter=5)).fit(X, X[:, 0] * X[:, 1])
    >>> reg.depth_ in (1, 2), len(reg.validation_mse_)
    (True, 2)
    """

    def __init__(
        self,
        depths: Sequence[int] = (1, 2, 3, 4),
        width: int = 7,
        validation_fraction: float = 0.1,
        selection_tolerance: float = 0.2,
        random_state: int = 0,
        darts_params: dict | None = None,
    ) -> None:
        self.depths = depths
        self.width = width
        self.validation_fraction = validation_fraction
        self.selection_tolerance = selection_tolerance
        self.random_state = random_state
        self.darts_params = darts_params

    def fit(self, X: ArrayLike, y: ArrayLike) -> DARTSDepthsRegressor:
        """Fit a network at each depth and keep one; see the class description."""
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        n = len(X)
        order = np.random.RandomState(self.random_state).permutation(n)
        n_val = int(np.floor(self.validation_fraction * n))
        val, rows = order[:n_val], order[n_val:]
        fits, mses = [], []
        for depth in self.depths:
            est = DARTSADMMRegressor(
                hidden_layer_sizes=(self.width,) * depth, random_state=self.random_state, n_jobs=1,
                **(self.darts_params or {}),
            ).fit(X[rows], y[rows])
            fits.append(est)
            mses.append(float(np.mean((est.predict(X[val]) - y[val]) ** 2)))
        budget = selection_budget(min(mses), self.selection_tolerance)
        ok = [i for i, m in enumerate(mses) if m <= budget]
        pick = min(ok, key=lambda i: (fits[i].n_nonzero_, mses[i], i))
        self.estimator_ = fits[pick]
        self.validation_mse_ = mses
        self.n_nonzero_by_depth_ = [int(e.n_nonzero_) for e in fits]
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict with the depth kept."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @property
    def network_(self) -> SparseMLP:
        """The kept network."""
        return self.estimator_.network_

    @property
    def n_nonzero_(self) -> int:
        """Non-zero parameters of the kept network."""
        return self.estimator_.n_nonzero_

    @property
    def n_active_neurons_(self) -> list[int]:
        """Active neurons per hidden layer of the kept network."""
        return self.estimator_.n_active_neurons_

    @property
    def depth_(self) -> int:
        """Hidden layers of the kept network."""
        return self.estimator_.depth_
