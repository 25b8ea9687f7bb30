"""More than 16 features: a PCA or a feature selection in front of ``SWATRegressor``.

The bundled autoencoders hold networks of at most 16 inputs, so wider data
must be reduced first. Two reductions are compared here, each to 16 columns:

- ``pca16``: ``make_pipeline(StandardScaler(), PCA(n_components=16), SWATRegressor())``.
  Each component mixes every feature, so the pipeline's size counts the
  PCA's ``16 x n_features`` loadings besides the network's non-zeros.
- ``kbest16``: ``make_pipeline(SelectKBest(mutual_info_regression, k=16), SWATRegressor())``.
  It keeps 16 of the features as they are (the network reads some of them).

on three problems of 3750 training and 1250 test rows (the target at unit
variance on the training rows, so a test MSE reads as 1 - R^2):
``friedman1-32`` (Friedman #1 with 32 features, the first 5 used),
``sparse-32`` (``sparse-16``'s target with 32 features, the first 4 used)
and ``factors-24`` (24 correlated features, noisy mixes of 3 hidden factors
that the target is a function of, as in the PCA example of the gallery).
Printed per problem and seed: the test MSE, the size, and for ``kbest16``
how many of the used features the network reads (where the problem has
them).

Usage::

    python benchmarks/beyond_16.py --seeds 0 1 2 --n-jobs 2 --out beyond_16.csv
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import make_friedman1
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, mutual_info_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from bench_general import N_TEST, N_TRAIN, _sparse_16, write_csv  # noqa: E402

from sklearn_swat import SWATRegressor  # noqa: E402

K = 16


def _friedman1_32(n, rng):
    return make_friedman1(n_samples=n, n_features=32, noise=0.0, random_state=rng)


def _sparse_32(n, rng):
    X = rng.uniform(-2, 2, size=(n, 32))
    return X, _sparse_16(X)


def _factors_24(n, rng):
    factors = rng.uniform(-1, 1, size=(n, 3))
    X = factors @ rng.normal(size=(3, 24)) + 0.05 * rng.normal(size=(n, 24))
    return X, np.sin(2 * factors[:, 0]) + factors[:, 1] * factors[:, 2]


# Problem -> (generator, how many of the first features the target uses, or None).
PROBLEMS = {"friedman1-32": (_friedman1_32, 5), "sparse-32": (_sparse_32, 4),
            "factors-24": (_factors_24, None)}


def load(name: str):
    """``X_train, X_test, y_train, y_test`` of one problem (fixed seed), target at unit variance."""
    rng = np.random.RandomState(sum(map(ord, name)))
    X, y = PROBLEMS[name][0](N_TRAIN + N_TEST, rng)
    y = (y - y[:N_TRAIN].mean()) / y[:N_TRAIN].std()
    return X[:N_TRAIN], X[N_TRAIN:], y[:N_TRAIN], y[N_TRAIN:]


def make(reduction: str, seed: int):
    """The pipeline of one reduction, with ``SWATRegressor(random_state=seed, n_jobs=1)``."""
    swat = SWATRegressor(random_state=seed, n_jobs=1)
    if reduction == "pca16":
        return make_pipeline(StandardScaler(), PCA(n_components=K), swat)
    score = partial(mutual_info_regression, random_state=seed)
    return make_pipeline(SelectKBest(score, k=K), swat)


def fit(problem: str, reduction: str, seed: int) -> dict:
    """Test MSE, sizes and the used features read of one pipeline on one problem and seed."""
    X_train, X_test, y_train, y_test = load(problem)
    model = make(reduction, seed).fit(X_train, y_train)
    reg = model[-1]
    row = {"dataset": problem, "reduction": reduction, "seed": seed,
           "test_mse": float(np.mean((model.predict(X_test) - y_test) ** 2)),
           "network_nonzero": int(reg.n_nonzero_), "total_nonzero": int(reg.n_nonzero_),
           "used_read": "", "used": ""}
    if reduction == "pca16":
        row["total_nonzero"] += K * X_train.shape[1]
    used = PROBLEMS[problem][1]
    if reduction == "kbest16" and used is not None:
        read = np.flatnonzero(model[0].get_support())[reg.used_features_]
        row["used_read"], row["used"] = int(np.sum(read < used)), used
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="also write the rows to this CSV file")
    args = parser.parse_args(argv)
    rows = Parallel(n_jobs=args.n_jobs)(delayed(fit)(p, r, s) for p in args.problems for s in args.seeds
                                        for r in ("pca16", "kbest16"))
    print(f"{'problem':<14} {'seed':>4} {'reduction':<8} {'test mse':>10} {'network nnz':>11} "
          f"{'total nnz':>9} {'used read':>9}")
    for r in rows:
        read = f"{r['used_read']}/{r['used']}" if r["used"] != "" else ""
        print(f"{r['dataset']:<14} {r['seed']:>4} {r['reduction']:<8} {r['test_mse']:>10.4g} "
              f"{r['network_nonzero']:>11} {r['total_nonzero']:>9} {read:>9}")
    for p in args.problems:
        pca = {r["seed"]: r["test_mse"] for r in rows if r["dataset"] == p and r["reduction"] == "pca16"}
        kbest = {r["seed"]: r["test_mse"] for r in rows if r["dataset"] == p and r["reduction"] == "kbest16"}
        print(f"{p}: median test MSE pca16 {np.median(list(pca.values())):.4g}, "
              f"kbest16 {np.median(list(kbest.values())):.4g}")
    if args.out is not None:
        write_csv(args.out, rows)


if __name__ == "__main__":
    main()
