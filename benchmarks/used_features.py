"""Which features the fitted networks read, on the problems whose target ignores some of them.

Five problems of ``bench_general.py`` have features the target does not use:
Friedman #1 (``friedman1-8``, ``friedman1-8-noise``, ``friedman1-10``,
``friedman1-16-noise``) reads its first 5 features, ``sparse-16`` its first 4.
This script fits ``swat``, ``darts-admm`` and ``pruned-mlp`` (sized, as in the
reports, from ``swat``'s network; ``--estimators`` chooses among these and
``swat-untrained``) as the reports do, one fit per process on one
thread, and counts the features each network reads (a path of non-zero weights
to the output: ``used_features_``): the informative ones, which a good fit
needs, and the ignored ones, which only cost weights. A dense ``mlp`` reads
every feature. Each fit's test MSE is compared with the report's row for the
same problem, estimator and seed (on the machine that made the reports, the
same network gives the same bits).

Usage::

    python benchmarks/used_features.py --seeds 0 1 2 --n-jobs 2 --out used_features.csv
    python benchmarks/used_features.py --estimators swat-untrained --seeds 0 1 2 --n-jobs 2
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from bench_general import load, write_csv  # noqa: E402

from sklearn_swat import SparseMLP  # noqa: E402
from sklearn_swat._base import torch_threads  # noqa: E402
from sklearn_swat.benchmark import make_estimator, read_results  # noqa: E402

# Problem -> how many of its first features the target uses (the others it ignores).
INFORMATIVE = {"friedman1-8": 5, "friedman1-8-noise": 5, "friedman1-10": 5, "friedman1-16-noise": 5,
               "sparse-16": 4}
# The estimators it knows, in the order it prints them; pruned-mlp is sized from swat.
ESTIMATORS = ("swat", "swat-untrained", "darts-admm", "pruned-mlp")
DEFAULT = ("swat", "darts-admm", "pruned-mlp")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks"
REPORTS = (DOCS / "general" / "results.csv", DOCS / "wide" / "results.csv")


def used_features(regressor) -> np.ndarray:
    """The features a fitted regressor's network reads: ``used_features_``, or for the
    pruned MLP (``coefs_`` and ``intercepts_``, every unit on) its weights as a SparseMLP's."""
    if hasattr(regressor, "network_"):
        return regressor.used_features_
    hidden = [["tanh"] * c.shape[1] for c in regressor.coefs_[:-1]]  # any activation: only the zeros count
    return SparseMLP(regressor.coefs_, regressor.intercepts_, hidden).used_inputs


def fit(problem: str, estimator: str, seed: int, target_n_nonzero: int | None = None) -> dict:
    """Fit one estimator as the reports do; its test MSE, size and the features its network reads."""
    X_train, X_test, y_train, y_test = load(problem)
    est = make_estimator(estimator, seed, target_n_nonzero=target_n_nonzero)
    with torch_threads(1), threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X_train, y_train)
    last = est[-1] if hasattr(est, "steps") else est  # the benchmark's MLPs scale their inputs first
    used = used_features(last)
    k = INFORMATIVE[problem]
    return {"dataset": problem, "estimator": estimator, "seed": seed,
            "test_mse": float(np.mean((est.predict(X_test) - y_test) ** 2)),
            "n_nonzero": int(last.n_nonzero_), "informative_read": int(used[:k].sum()),
            "informative": k, "ignored_read": int(used[k:].sum()), "ignored": int(used.size - k)}


def summarize(rows: list[dict], report: dict) -> str:
    """The per-fit table and, per estimator, the totals."""
    lines = [f"{'problem':<19} {'seed':>4} {'estimator':<11} {'informative':>11} {'ignored':>8} "
             f"{'nnz':>4} {'test mse':>10}  as the report"]
    for r in rows:
        ref = report.get((r["dataset"], r["estimator"], r["seed"]))
        same = "no row" if ref is None else ("same" if ref["test_mse"] == r["test_mse"] else
                                             f"differs ({ref['test_mse']:.4g}, nnz {ref['n_nonzero']})")
        read = f"{r['informative_read']:>6}/{r['informative']:<4} {r['ignored_read']:>4}/{r['ignored']:<3}"
        lines.append(f"{r['dataset']:<19} {r['seed']:>4} {r['estimator']:<11} {read} "
                     f"{r['n_nonzero']:>4} {r['test_mse']:>10.4g}  {same}")
    for name in dict.fromkeys(r["estimator"] for r in rows):
        mine = [r for r in rows if r["estimator"] == name]
        total = {key: sum(r[key] for r in mine) for key in ("informative_read", "informative", "ignored_read",
                                                             "ignored")}
        lines.append(
            f"{name}: fits {len(mine)}; informative features read "
            f"{total['informative_read']}/{total['informative']}; "
            f"ignored features read {total['ignored_read']}/{total['ignored']}; "
            f"fits reading every informative feature and no ignored one "
            f"{sum(r['informative_read'] == r['informative'] and r['ignored_read'] == 0 for r in mine)}; "
            f"median nnz {np.median([r['n_nonzero'] for r in mine]):g}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", nargs="+", default=list(INFORMATIVE), choices=list(INFORMATIVE))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--estimators", nargs="+", default=list(DEFAULT), choices=list(ESTIMATORS))
    parser.add_argument("--out", type=Path, default=None, help="also write the rows to this CSV file")
    args = parser.parse_args(argv)
    if "pruned-mlp" in args.estimators and "swat" not in args.estimators:
        parser.error("pruned-mlp is pruned to swat's size: add swat to --estimators")
    pairs = [(p, s) for p in args.problems for s in args.seeds]
    first = [e for e in args.estimators if e != "pruned-mlp"]
    rows = Parallel(n_jobs=args.n_jobs)(delayed(fit)(p, e, s) for p, s in pairs for e in first)
    if "pruned-mlp" in args.estimators:  # pruned to swat's size on the same problem and seed
        sizes = {(r["dataset"], r["seed"]): r["n_nonzero"] for r in rows if r["estimator"] == "swat"}
        rows += Parallel(n_jobs=args.n_jobs)(delayed(fit)(p, "pruned-mlp", s, sizes[p, s]) for p, s in pairs)
    order = list(INFORMATIVE)
    rows.sort(key=lambda r: (order.index(r["dataset"]), r["seed"], ESTIMATORS.index(r["estimator"])))
    report = {(r["dataset"], r["estimator"], r["seed"]): r
              for path in REPORTS if path.exists() for r in read_results(path)}
    print(summarize(rows, report))
    if args.out is not None:
        write_csv(args.out, rows)


if __name__ == "__main__":
    main()
