"""The ``wide`` latent space against the way to 9 to 16 features before it: a PCA to 8.

Before the ``wide`` checkpoint, ``SWATRegressor`` refused more than 8
features and its error suggested
``make_pipeline(StandardScaler(), PCA(n_components=8), SWATRegressor())``,
which searches the ``general`` space on 8 principal components. This script
fits that pipeline on ``bench_general.py``'s wide suite and sets it against
the ``swat`` rows of a wide-suite results file (``"auto"``: the ``wide``
space on the raw features), pair by pair (problem, seed). The pipeline's
network reads the 8 components, each a dense mix of every feature, so its
size counts the PCA's ``8 x n_features`` loadings as well; the network's own
non-zeros are printed beside.

Usage::

    python benchmarks/bench_general.py --suite wide --out bench_wide --estimators swat --seeds 0 1 2
    python benchmarks/wide_vs_pca.py --results bench_wide/results.csv --seeds 0 1 2 --n-jobs 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from bench_general import WIDE_PROBLEMS, load  # noqa: E402

from sklearn_swat import SWATRegressor  # noqa: E402
from sklearn_swat.benchmark import read_results  # noqa: E402
from sklearn_swat.benchmark._report import _clearly_lower, _wins  # noqa: E402

N_COMPONENTS = 8


def fit_pca(problem: str, seed: int) -> dict:
    """Test MSE and sizes of the PCA pipeline on one problem and seed."""
    X_train, X_test, y_train, y_test = load(problem)
    model = make_pipeline(StandardScaler(), PCA(n_components=N_COMPONENTS),
                          SWATRegressor(random_state=seed, n_jobs=1))
    model.fit(X_train, y_train)
    reg = model[-1]
    mse = float(np.mean((model.predict(X_test) - y_test) ** 2))
    return {"dataset": problem, "seed": seed, "test_mse": mse,
            "network_nonzero": int(reg.n_nonzero_),
            "total_nonzero": int(reg.n_nonzero_ + N_COMPONENTS * X_train.shape[1])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, required=True, help="a wide-suite results.csv with swat rows")
    parser.add_argument("--problems", nargs="+", default=list(WIDE_PROBLEMS), choices=list(WIDE_PROBLEMS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    swat = {(r["dataset"], r["seed"]): r for r in read_results(args.results) if r["estimator"] == "swat"}
    missing = [(p, s) for p in args.problems for s in args.seeds if (p, s) not in swat]
    if missing:
        parser.error(f"{args.results} has no swat row for {missing[:3]}: "
                     "run bench_general.py --suite wide first")
    rows = Parallel(n_jobs=args.n_jobs)(delayed(fit_pca)(p, s) for p in args.problems for s in args.seeds)
    print(f"{'problem':<20} {'seed':>4} {'wide mse':>10} {'nnz':>4} {'pca8 mse':>10} {'net nnz':>7} "
          f"{'+pca':>5}")
    ratios, wins, reverse, better, worse = [], 0, 0, 0, 0
    for r in rows:
        w = swat[(r["dataset"], r["seed"])]
        # The benchmark's win rule, with the PCA's loadings in the pipeline's size.
        pca = {"n_nonzero": r["total_nonzero"], "test_mse": r["test_mse"]}
        ratios.append(w["test_mse"] / r["test_mse"])
        wins += _wins(w, pca)
        reverse += _wins(pca, w)
        better += _clearly_lower(w, pca)
        worse += _clearly_lower(pca, w)
        print(f"{r['dataset']:<20} {r['seed']:>4} {w['test_mse']:>10.4g} {w['n_nonzero']:>4} "
              f"{r['test_mse']:>10.4g} {r['network_nonzero']:>7} {r['total_nonzero']:>5}")
    print(f"pairs {len(rows)}; wide more accurate (> 1.1x) on {better}, less on {worse}; "
          f"geometric mean of test MSE wide / pca8: {np.exp(np.mean(np.log(ratios))):.3g}; "
          f"wins (no larger, within 1.1x) wide {wins}, pca8 {reverse}")


if __name__ == "__main__":
    main()
