"""The estimators the benchmark knows, by name, and how their size is read.

Other code (examples, notebooks, another benchmark) builds the same
estimators with :func:`make_estimator` and reads their size with
:func:`network_size`, so that every comparison uses the same settings.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sklearn.base import BaseEstimator
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler

from .._darts_admm import DARTSADMMRegressor
from .._swat import SWATRegressor
from ._darts_depths import DARTSDepthsRegressor
from ._pruned_mlp import PrunedMLPRegressor, mlp_size

QUICK_ENV = "SKLEARN_SWAT_BENCHMARK_QUICK"


class BenchmarkError(ValueError):
    """Bad input to the benchmark: unknown names, a corrupt results file, no scheduler.

    A subclass of ``ValueError``, raised before any fit runs.

    Examples
    --------
    >>> from sklearn_swat.benchmark import BenchmarkError, make_estimator
    >>> try:
    ...     make_estimator("SWAT")
    ... except BenchmarkError as exc:
    ...     print(exc)
    unknown estimator 'SWAT' (did you mean 'swat'?). Valid estimator names (12): ...
    >>> issubclass(BenchmarkError, ValueError)
    True
    """


@dataclass(frozen=True)
class EstimatorSpec:
    """How to build one of the benchmark's estimators.

    Parameters
    ----------
    name : str
        The name used on the command line and in ``results.csv``.
    description : str
        One line for ``--help`` and the report.
    factory : callable
        ``factory(seed, quick, target_n_nonzero)`` returns an unfitted
        estimator. ``quick`` asks for tiny settings (tests only).
    reference : str or None, default=None
        Name of the estimator whose fitted ``n_nonzero`` on the same data set
        and seed is passed as ``target_n_nonzero``; ``None`` when not needed.

    Examples
    --------
    >>> from sklearn_swat.benchmark import ESTIMATORS, EstimatorSpec
    >>> spec = ESTIMATORS["pruned-mlp"]
    >>> spec.reference
    'swat'
    >>> spec.factory(0, True, 30)[-1]
    PrunedMLPRegressor(max_iter=2, n_nonzero=30, random_state=0, retrain_iter=2)
    >>> from sklearn.linear_model import Ridge
    >>> EstimatorSpec("ridge", "Ridge regression", lambda seed, quick, target: Ridge())
    EstimatorSpec(name='ridge', description='Ridge regression', factory=<function <lambda> at ...>,
                  reference=None)
    """

    name: str
    description: str
    factory: Callable[[int, bool, int | None], BaseEstimator]
    reference: str | None = None


# Tiny settings for the test suite: a fit takes about a second, the results
# mean nothing.
_QUICK_SWAT = dict(max_iter=5, polish_iter=5, n_restarts=1, depths=(1, 2))


def _swat_factory(sized: bool = False, **params):
    """``SWATRegressor`` with ``params`` (over the quick ones); capped at the target if ``sized``."""

    def make(seed: int, quick: bool, target: int | None) -> BaseEstimator:
        kwargs = {**(_QUICK_SWAT if quick else {}), **params}
        if sized:
            kwargs["max_nonzero"] = target
        return SWATRegressor(random_state=seed, n_jobs=1, **kwargs)

    return make


_swat = _swat_factory()
_swat_paper = _swat_factory(init="random", activations="all", refine_iter=0, polish_iter=0, prune=False,
                            selection="train")
# "untrained:auto": a random autoencoder of the config that "auto" would
# pick ("cornn" for 2 features), so that only the training differs; each
# seed of the benchmark draws another one.
_swat_untrained = _swat_factory(autoencoder="untrained:auto")
# DESIGN section 7's fixed-activation baseline: one activation for every
# neuron, searched through the same latent space.
_swat_tanh = _swat_factory(activations="tanh")
_swat_sized = _swat_factory(sized=True)
_swat_untrained_sized = _swat_factory(sized=True, autoencoder="untrained:auto")
# The latent descent alone, without the weight-space polish and pruning that
# both latent spaces share: where pretraining acts.
_swat_descent = _swat_factory(polish_iter=0, prune=False)
_swat_descent_untrained = _swat_factory(polish_iter=0, prune=False, autoencoder="untrained:auto")


def _darts_admm(seed: int, quick: bool, target: int | None) -> BaseEstimator:
    quick_params = dict(search_epochs=1, admm_epochs=1, retrain_epochs=2) if quick else {}
    return DARTSADMMRegressor(random_state=seed, n_jobs=1, **quick_params)


def _darts_admm_depths(seed: int, quick: bool, target: int | None) -> BaseEstimator:
    quick_params = dict(search_epochs=1, admm_epochs=1, retrain_epochs=2) if quick else None
    return DARTSDepthsRegressor(random_state=seed, darts_params=quick_params)


# The plain MLPs get their inputs min-max scaled to [-1, 1], as SWATRegressor
# and DARTSADMMRegressor scale them inside: tanh networks on raw inputs of
# another range (the general benchmark's domains reach 10, Friedman #2's
# 1700) saturate, and the baseline would be handicapped by its input's units.
# The CORNN inputs already lie in [-1, 1].
def _scaled(estimator: BaseEstimator) -> Pipeline:
    return make_pipeline(MinMaxScaler(feature_range=(-1, 1)), estimator)


def _mlp(seed: int, quick: bool, target: int | None) -> BaseEstimator:
    return _scaled(MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=20 if quick else 2000, random_state=seed))


def _pruned_mlp(seed: int, quick: bool, target: int | None) -> BaseEstimator:
    quick_params = dict(max_iter=2, retrain_iter=2) if quick else {}
    return _scaled(PrunedMLPRegressor(
        hidden_layer_sizes=(7, 7), n_nonzero=target, random_state=seed, **quick_params
    ))


ESTIMATORS: dict[str, EstimatorSpec] = {
    spec.name: spec
    for spec in (
        EstimatorSpec("swat", "SWATRegressor with its defaults", _swat),
        EstimatorSpec(
            "swat-paper",
            'SWATRegressor as the paper: init="random", activations="all", no refinement, polish or pruning, '
            'selection="train" (with the default selection_tolerance=0.2: the smallest network within 1.2x '
            "the lowest training MSE); four descents per depth, as swat (the authors: one)",
            _swat_paper,
        ),
        EstimatorSpec(
            "swat-tanh",
            'SWATRegressor with activations="tanh": one activation for every neuron (the '
            "fixed-activation baseline, through the same latent space)",
            _swat_tanh,
        ),
        EstimatorSpec(
            "swat-untrained",
            "SWATRegressor searching an untrained autoencoder of the same config (ablation)",
            _swat_untrained,
        ),
        EstimatorSpec(
            "swat-sized",
            "SWATRegressor capped (max_nonzero) at swat-untrained's size on the same data and seed",
            _swat_sized,
            reference="swat-untrained",
        ),
        EstimatorSpec(
            "swat-untrained-sized",
            "swat-untrained capped (max_nonzero) at swat's size on the same data and seed",
            _swat_untrained_sized,
            reference="swat",
        ),
        EstimatorSpec(
            "swat-descent",
            "SWATRegressor's latent descent alone: polish_iter=0, prune=False",
            _swat_descent,
        ),
        EstimatorSpec(
            "swat-descent-untrained",
            "swat-descent through an untrained autoencoder of the same config (ablation)",
            _swat_descent_untrained,
        ),
        EstimatorSpec("darts-admm", "DARTSADMMRegressor with its defaults", _darts_admm),
        EstimatorSpec(
            "darts-admm-depths",
            "DARTSADMMRegressor at each depth 1 to 4 (width 7, its other defaults), fitted on 90% of the "
            "training rows; kept: the smallest network within 1.2x the lowest MSE on the other 10% "
            "(SWAT's selection rule)",
            _darts_admm_depths,
        ),
        EstimatorSpec(
            "mlp", "sklearn MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000), inputs min-max scaled to "
            "[-1, 1]", _mlp
        ),
        EstimatorSpec(
            "pruned-mlp",
            "dense 7-7 tanh MLP, inputs min-max scaled to [-1, 1], pruned by magnitude in 5 steps to "
            "swat's size on the same data and seed (parameters that cannot reach the output dropped), "
            "retrained, then polished by L-BFGS",
            _pruned_mlp,
            reference="swat",
        ),
    )
}
"""The benchmark's estimators by name, in run order: each an :class:`EstimatorSpec`.

``python -m sklearn_swat.benchmark cornn --help`` prints their descriptions;
:func:`make_estimator` builds one.
"""


def estimator_names() -> list[str]:
    """Return the names of the benchmark's estimators, in run order.

    Returns
    -------
    names : list of str
        Estimators that others depend on come first.

    Examples
    --------
    >>> from sklearn_swat.benchmark import estimator_names
    >>> estimator_names()
    ['swat', 'swat-paper', 'swat-tanh', 'swat-untrained', 'swat-sized', 'swat-untrained-sized',
     'swat-descent', 'swat-descent-untrained', 'darts-admm', 'darts-admm-depths', 'mlp', 'pruned-mlp']
    """
    return list(ESTIMATORS)


def check_names(kind: str, names: Iterable[str], valid: list[str]) -> list[str]:
    """Return ``names`` without duplicates, or raise listing the valid names.

    Parameters
    ----------
    kind : str
        What the names are ("data set", "estimator"), for the message.
    names : iterable of str
        Names to check.
    valid : list of str
        The accepted names.

    Returns
    -------
    names : list of str
        The names in the given order, each once.

    Raises
    ------
    BenchmarkError
        If a name is not valid (the message suggests close matches), if
        ``names`` is a string rather than a list of names, or if it is empty.
    """
    if isinstance(names, str):
        raise BenchmarkError(
            f"The {kind} names must be a list of names; got the string {names!r}. "
            f"Pass [{names!r}] for that one name."
        )
    out: list[str] = []
    bad = []
    for name in names:
        if name not in valid:
            bad.append(name)
        elif name not in out:
            out.append(name)
    if bad:
        by_lower = {v.lower(): v for v in valid}
        lines = []
        for name in bad:
            close = []
            if isinstance(name, str):
                close = difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
                if name.lower() in by_lower:
                    close = [by_lower[name.lower()]]
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            lines.append(f"unknown {kind} {name!r}{hint}")
        # "--estimators mlp,swat" is one name to argparse.
        commas = (
            f" Separate {kind} names with spaces, not commas (quote a name that holds a space)."
            if any(isinstance(name, str) and "," in name for name in bad) else ""
        )
        raise BenchmarkError(
            "; ".join(lines) + f". Valid {kind} names ({len(valid)}): "
            + ", ".join(repr(v) for v in valid) + "." + commas
        )
    if not out:
        raise BenchmarkError(f"No {kind} name given: name at least one, or pass None for all.")
    return out


def make_estimator(
    name: str, seed: int = 0, *, quick: bool = False, target_n_nonzero: int | None = None
) -> BaseEstimator:
    """Build one of the benchmark's estimators, unfitted.

    Parameters
    ----------
    name : str
        One of :func:`estimator_names`.
    seed : int, default=0
        Its ``random_state``.
    quick : bool, default=False
        Tiny settings (a few iterations) for tests; the results mean nothing.
    target_n_nonzero : int or None, default=None
        For an estimator with a ``reference`` (``pruned-mlp``, ``swat-sized``,
        ``swat-untrained-sized``):
        the size of the reference's network on the same data set and seed.
        ``None`` leaves the network uncapped.

    Returns
    -------
    estimator : BaseEstimator
        A fresh, unfitted estimator.

    Raises
    ------
    BenchmarkError
        If ``name`` is unknown.

    Examples
    --------
    >>> from sklearn_swat.benchmark import make_estimator
    >>> make_estimator("mlp", seed=3)
    Pipeline(steps=[('minmaxscaler', MinMaxScaler(feature_range=(-1, 1))),
                    ('mlpregressor',
                     MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000, random_state=3))])
    >>> make_estimator("swat-untrained").autoencoder
    'untrained:auto'
    """
    (name,) = check_names("estimator", [name], estimator_names())
    return ESTIMATORS[name].factory(int(seed), bool(quick), target_n_nonzero)


def network_size(estimator: BaseEstimator) -> tuple[int, list[int], int]:
    """Size of a fitted estimator's network, counted as the benchmark does.

    Parameters
    ----------
    estimator : BaseEstimator
        A fitted estimator with ``n_nonzero_``, ``n_active_neurons_`` and
        ``depth_`` (the package's estimators, :class:`PrunedMLPRegressor`), or
        a fitted ``MLPRegressor``, whose size is the non-zero entries of
        ``coefs_`` and ``intercepts_`` (85 for a dense 2-7-7-1 network), or a
        fitted ``Pipeline`` ending in one of these (the size of its last step:
        the benchmark's ``mlp`` and ``pruned-mlp`` scale their inputs first).

    Returns
    -------
    n_nonzero : int
        Non-zero parameters.
    n_active_neurons : list of int
        Active neurons per hidden layer.
    depth : int
        Number of hidden layers.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_swat.benchmark import make_estimator, network_size
    >>> X = np.random.RandomState(0).uniform(-1, 1, size=(50, 2))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # ConvergenceWarning of the quick settings
    ...     mlp = make_estimator("mlp", quick=True).fit(X, X[:, 0])
    >>> network_size(mlp)
    (85, [7, 7], 2)
    >>> pruned = make_estimator("pruned-mlp", quick=True, target_n_nonzero=30).fit(X, X[:, 0])
    >>> n_nonzero, n_active_neurons, depth = network_size(pruned)
    >>> n_nonzero <= 30, depth
    (True, 2)
    """
    if isinstance(estimator, Pipeline):
        # The network is the last step; a scaler before it adds no parameter.
        estimator = estimator[-1]
    if isinstance(estimator, MLPRegressor):
        return mlp_size(estimator.coefs_, estimator.intercepts_)
    return (
        int(estimator.n_nonzero_),
        [int(n) for n in estimator.n_active_neurons_],
        int(estimator.depth_),
    )
