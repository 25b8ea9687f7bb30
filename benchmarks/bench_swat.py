"""Speed and quality of the default SWATRegressor fit on 5 CORNN functions.

Prints, for each function, the fit's wall time, test MSE (on targets scaled to
[-1, 1] as CORNN does) and non-zero parameter count, for SWATRegressor,
DARTSADMMRegressor and ``MLPRegressor(hidden_layer_sizes=(7, 7),
max_iter=2000)`` fitted in the same run, then the medians and the ratios
against the MLP (the reference).

The 5 functions are every 11th of the 54 names in alphabetical order, a rule
fixed before any measurement: Ackley, Bohachevsky N.2, Exponential, Periodic,
Shubert.

The defaults after the latent descent (``polish_iter``, ``prune``,
``refine_iter``) were chosen on the 16 functions of ``TUNING_FUNCTIONS``
(``--tuning`` runs them), compared with DARTS+ADMM's results in the
54-function benchmark. Both sets are part of the 54. ``selection_tolerance``
was then chosen among 0.1, 0.2 and 0.5 on all 54 functions (see the
SWATRegressor Notes).

Usage::

    python benchmarks/bench_swat.py [--data-home ../shared/cornn] [--seed 0] [--tuning]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPRegressor

from sklearn_swat import DARTSADMMRegressor, SWATRegressor
from sklearn_swat.benchmark import BenchmarkError
from sklearn_swat.benchmark._registry import check_names
from sklearn_swat.datasets import cornn_names, load_cornn
from sklearn_swat.datasets._cornn import DATA_HOME_ENV  # load_cornn's default folder, when set

DEFAULT_HOME = Path(__file__).resolve().parents[2] / "shared" / "cornn"


TUNING_FUNCTIONS = [
    "Beale", "Bird", "Brent", "Egg Crate", "Goldstein-Price", "Himmelblau", "Matyas", "Qing",
    "Schwefel 2.22", "Styblinski-Tang", "Zakharov", "Alpine N.1", "Rosenbrock", "Griewank",
    "Deckkers-Aarts", "Three-Hump Camel",
]


def mlp_nonzero(mlp: MLPRegressor) -> int:
    return int(sum(np.count_nonzero(a) for a in [*mlp.coefs_, *mlp.intercepts_]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-home", default=str(DEFAULT_HOME) if DEFAULT_HOME.exists() else None,
                        help="folder of the published CORNN CSV files (default: %(default)s; "
                             "'none': data generated from the closed forms)")
    parser.add_argument("--datasets", nargs="+", default=sorted(cornn_names())[::11],
                        help="CORNN function names (default: every 11th of the sorted names, five)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of every fit (default: 0)")
    parser.add_argument("--n-jobs", type=int, default=None, help="torch threads per fit")
    parser.add_argument("--skip-darts", action="store_true", help="fit swat and mlp only")
    parser.add_argument("--tuning", action="store_true", help="the 16 functions the defaults were tuned on")
    args = parser.parse_args()
    if args.tuning:
        args.datasets = TUNING_FUNCTIONS
    try:
        args.datasets = check_names("data set", args.datasets, cornn_names())
    except BenchmarkError as err:
        parser.error(f"--datasets: {err}")
    if args.data_home is not None and args.data_home.lower() == "none":
        args.data_home = None
        os.environ.pop(DATA_HOME_ENV, None)  # load_cornn would read the CSVs it names
    elif args.data_home is None and os.environ.get(DATA_HOME_ENV):
        args.data_home = os.environ[DATA_HOME_ENV]  # what load_cornn reads: said as such below
    if args.data_home is not None and not Path(args.data_home).is_dir():
        parser.error(f"--data-home: no folder {args.data_home}; give the folder of the CORNN CSV files, "
                     "or 'none' for data generated from the closed forms")

    estimators = {
        "swat": lambda: SWATRegressor(random_state=args.seed, n_jobs=args.n_jobs),
        "darts-admm": lambda: DARTSADMMRegressor(random_state=args.seed),
        "mlp": lambda: MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000, random_state=args.seed),
    }
    if args.skip_darts:
        del estimators["darts-admm"]
    rows = []
    print("data:", f"the published CSV files in {args.data_home}" if args.data_home
          else "generated from the closed forms")
    print(f"{'function':18s} {'estimator':11s} {'fit_s':>7s} {'test_mse':>10s} {'n_nonzero':>9s}")
    for name in args.datasets:
        X_tr, X_te, y_tr, y_te = load_cornn(name, data_home=args.data_home)
        for est_name, make in estimators.items():
            est = make()
            t0 = time.perf_counter()
            est.fit(X_tr, y_tr)
            seconds = time.perf_counter() - t0
            mse = float(np.mean((est.predict(X_te) - y_te) ** 2))
            nnz = est.n_nonzero_ if hasattr(est, "n_nonzero_") else mlp_nonzero(est)
            rows.append((name, est_name, seconds, mse, nnz))
            print(f"{name:18s} {est_name:11s} {seconds:7.2f} {mse:10.3e} {nnz:9d}", flush=True)

    print("\nmedians over the functions (ratios: per function against mlp, then the median)")
    ref = {r[0]: r for r in rows if r[1] == "mlp"}
    for est_name in estimators:
        mine = [r for r in rows if r[1] == est_name]
        med_t = np.median([r[2] for r in mine])
        med_mse = np.median([r[3] for r in mine])
        med_nnz = np.median([r[4] for r in mine])
        mse_ratio = np.median([r[3] / ref[r[0]][3] for r in mine])
        nnz_ratio = np.median([r[4] / ref[r[0]][4] for r in mine])
        print(
            f"{est_name:11s} fit_s {med_t:6.2f}  test_mse {med_mse:.3e}  n_nonzero {med_nnz:5.1f}  "
            f"mse/mlp {mse_ratio:5.2f}  nonzero/mlp {nnz_ratio:4.2f}"
        )


if __name__ == "__main__":
    main()
