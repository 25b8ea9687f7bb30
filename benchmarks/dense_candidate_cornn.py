"""The dense candidate on the 54 CORNN functions: what ``dense_candidate=True`` does there.

``SWATRegressor(dense_candidate="auto")`` leaves the dense candidate out on one
or two features. This script fits the benchmark's ``swat`` with
``dense_candidate=True`` on every CORNN function, as the benchmark fits it,
and writes one row per fit: the ``results.csv`` columns the comparison needs
(``dataset, estimator, test_mse, n_nonzero, fit_seconds, seed``, the estimator
named ``swat-dense``) and ``origin``, where the chosen network came from
(``"latent"``, ``"dense"`` or ``"constant"``). Compare with the report's
``swat`` rows (``docs/benchmarks/results.csv``), which search the latent space
alone.

Usage::

    python benchmarks/dense_candidate_cornn.py --out docs/benchmarks/dense_candidate_cornn.csv \\
        --data-home ../shared/cornn --seeds 0 --n-jobs 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from sklearn_swat.benchmark._registry import make_estimator
from sklearn_swat.datasets import cornn_names, load_cornn


def fit_one(name: str, seed: int, data_home: str | None) -> dict:
    """Fit ``swat`` with the dense candidate on one function; its row."""
    X_train, X_test, y_train, y_test = load_cornn(name, data_home=data_home)
    est = make_estimator("swat", seed)
    reg = est[-1] if hasattr(est, "steps") else est
    reg.set_params(dense_candidate=True)
    start = time.perf_counter()
    est.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    chosen = reg.candidates_["origin"][reg.candidates_["selected"]][0]
    test_mse = float(np.mean((est.predict(X_test) - y_test) ** 2))
    return dict(dataset=name, estimator="swat-dense", test_mse=test_mse, n_nonzero=reg.n_nonzero_,
                fit_seconds=round(seconds, 3), seed=seed, origin=chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--data-home", default=None, help="folder of the published CSV files")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    rows = Parallel(n_jobs=args.n_jobs)(
        delayed(fit_one)(name, seed, args.data_home) for seed in args.seeds for name in cornn_names()
    )
    table = pd.DataFrame(rows)
    table.to_csv(args.out, index=False)
    print(table["origin"].value_counts().to_string())
    print(f"median fit seconds {table['fit_seconds'].median():.1f}, "
          f"median non-zeros {table['n_nonzero'].median()}")


if __name__ == "__main__":
    main()
