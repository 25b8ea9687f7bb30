"""The dense candidate on the 54 CORNN functions: what ``dense_candidate=True`` does there.

``SWATRegressor(dense_candidate="auto")`` leaves the dense candidate out on one
or two features. This script fits the benchmark's ``swat`` with
``dense_candidate=True`` on every CORNN function, as the benchmark fits it,
and writes one row per fit: the columns of ``results.csv`` (by the
benchmark's own ``fit_row``; the estimator named ``swat-dense``) and
``origin``, where the chosen network came from (``"latent"``, ``"dense"`` or
``"constant"``). Compare with the report's
``swat`` rows (``docs/benchmarks/results.csv``), which search the latent space
alone.

Usage::

    python benchmarks/dense_candidate_cornn.py --out docs/benchmarks/dense_candidate_cornn.csv \\
        --data-home ../shared/cornn --seeds 0 --n-jobs 2
"""

from __future__ import annotations

import argparse

import pandas as pd
from joblib import Parallel, delayed

from sklearn_swat.benchmark import make_estimator
from sklearn_swat.benchmark._runner import fit_row
from sklearn_swat.datasets import cornn_names, load_cornn


def fit_one(name: str, seed: int, data_home: str | None) -> dict:
    """Fit ``swat`` with the dense candidate on one function: its results row and ``origin``."""
    est = make_estimator("swat", seed).set_params(dense_candidate=True)
    row = fit_row(est, "swat-dense", name, seed, load_cornn(name, data_home=data_home))
    return {**row, "origin": est.candidates_["origin"][est.candidates_["selected"]][0]}


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
    table["n_active_neurons"] = ["-".join(map(str, n)) for n in table["n_active_neurons"]]
    table.to_csv(args.out, index=False)
    print(table["origin"].value_counts().to_string())
    print(f"median fit seconds {table['fit_seconds'].median():.1f}, "
          f"median non-zeros {table['n_nonzero'].median()}")


if __name__ == "__main__":
    main()
