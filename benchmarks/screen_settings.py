"""Screen settings of two benchmark estimators on the CORNN functions, set in both.

The issue's test of pretraining compares ``swat`` with ``swat-untrained``, the
same search through an untrained autoencoder. A setting of the search
(tolerance, restarts, ...) can change the networks of both, so a fair screen
changes it in both and counts the benchmark's win rule between the two. Each
``--variant TAG=JSON`` names keyword arguments given to ``set_params`` of both
benchmark estimators (``{}`` for the defaults). Rows go to
``OUT/TAG/results.csv`` with the benchmark's columns (a rerun skips rows already
there), and a table prints, per variant: the pairs, the wins of ``swat`` (no
more non-zeros, test MSE at most 1.1 times), per seed, the same rule the other
way round, the pairs where ``swat``'s test MSE is more than 1.1 times lower or
higher and where its network is smaller or larger, and the median size and
test MSE of each search.

``--pair A B`` screens another pair the same way (default ``swat
swat-untrained``): ``--pair swat darts-admm`` with a setting both estimators
take, such as ``polish_solver``, compares SWAT with DARTS+ADMM with that
setting in both.

Usage (without ``--data-home`` the data are generated from the closed forms,
not the published CSVs every committed screen used)::

    python benchmarks/screen_settings.py --out screen --seeds 0 1 2 --n-jobs 2 \
        --data-home ../shared/cornn --variant base={} --variant tol05='{"selection_tolerance": 0.5}'
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from sklearn_swat.benchmark import (
    ESTIMATORS,
    MSE_TOLERANCE,
    BenchmarkError,
    append_results,
    fit_row,
    make_estimator,
    read_results,
)
from sklearn_swat.benchmark._registry import check_names
from sklearn_swat.benchmark._report import _wins
from sklearn_swat.datasets import cornn_names, load_cornn

PAIR = ("swat", "swat-untrained")


def one_fit(dataset: str, estimator: str, seed: int, params: dict, data_home: str | None) -> dict:
    """Fit one benchmark estimator with ``params`` set; the benchmark's row."""
    est = make_estimator(estimator, seed).set_params(**params)
    return fit_row(est, estimator, dataset, seed, load_cornn(dataset, data_home=data_home))


def score(frame: pd.DataFrame, pair: tuple[str, str] = PAIR) -> dict:
    """The benchmark's win rule both ways and the counts behind it.

    ``pair[0]`` is ``swat`` (the benchmark's win rates are ``swat``'s), ``pair[1]`` its rival;
    of rows with the same data set, estimator and seed the first counts, as in the report.
    """
    frame = frame.drop_duplicates(["dataset", "estimator", "seed"], keep="first")
    both = pd.merge(frame[frame.estimator == pair[0]], frame[frame.estimator == pair[1]],
                    on=["dataset", "seed"], suffixes=("", "_u"))
    # The report's own rule, on each pair's two rows.
    own = both[["n_nonzero", "test_mse"]].to_dict("records")
    theirs = both[["n_nonzero_u", "test_mse_u"]].set_axis(["n_nonzero", "test_mse"], axis=1)
    rival_rows = theirs.to_dict("records")
    wins = pd.Series([_wins(a, b) for a, b in zip(own, rival_rows)], index=both.index, dtype=bool)
    reverse = pd.Series([_wins(b, a) for a, b in zip(own, rival_rows)], index=both.index, dtype=bool)
    per_seed = [int(wins[both.seed == seed].sum()) for seed in sorted(both.seed.unique())]
    rival = "untrained" if pair == PAIR else pair[1]
    return {
        "pairs": len(both), "wins": int(wins.sum()),
        "per seed": " ".join(str(w) for w in per_seed), "reverse": int(reverse.sum()),
        "more accurate": int((both.test_mse * MSE_TOLERANCE < both.test_mse_u).sum()),
        "less accurate": int((both.test_mse > MSE_TOLERANCE * both.test_mse_u).sum()),
        "smaller": int((both.n_nonzero < both.n_nonzero_u).sum()),
        "larger": int((both.n_nonzero > both.n_nonzero_u).sum()),
        "nnz swat": both.n_nonzero.median(), f"nnz {rival}": both.n_nonzero_u.median(),
        "mse swat": both.test_mse.median(), f"mse {rival}": both.test_mse_u.median(),
        "fit s swat": both.fit_seconds.median(), f"fit s {rival}": both.fit_seconds_u.median(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--variant", action="append", required=True, metavar="TAG=JSON")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--datasets", nargs="+", default=None, help="default: all 54")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--pair", nargs=2, default=list(PAIR), metavar=("SWAT", "RIVAL"),
                        help="the two estimators (default: %(default)s); the first must be swat")
    args = parser.parse_args(argv)
    pair = tuple(args.pair)
    if pair[0] != "swat":
        parser.error(f"--pair: the first must be swat (the win rates are swat's); got {pair[0]!r}")
    if pair[1] not in ESTIMATORS or ESTIMATORS[pair[1]].reference is not None:
        fixed = [name for name, spec in ESTIMATORS.items() if spec.reference is None and name != "swat"]
        parser.error(f"--pair: the rival must be one of {fixed} (an estimator sized from another's "
                     f"rows needs the benchmark runner); got {pair[1]!r}")
    try:
        datasets = check_names("data set", args.datasets or cornn_names(), cornn_names())
    except BenchmarkError as err:
        parser.error(f"--datasets: {err}")
    variants = {}
    for spec in args.variant:
        tag, sep, text = spec.partition("=")
        if not sep or not tag or Path(tag).name != tag or tag in (".", ".."):
            parser.error(f"--variant takes TAG=JSON, TAG a plain folder name; got {spec!r}")
        try:
            params = json.loads(text)
        except json.JSONDecodeError as err:
            parser.error(f"--variant {tag}: not JSON ({err}); got {text!r}")
        if not isinstance(params, dict):
            parser.error(f"--variant {tag}: the JSON must be an object of set_params keywords; got {text!r}")
        for name in pair:
            try:
                make_estimator(name, 0).set_params(**params)
            except ValueError as err:  # an unknown keyword; values are checked at fit
                parser.error(f"--variant {tag}: {err}")
        variants[tag] = params
    # Read by the worker processes joblib starts: one BLAS thread per fit.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    table = {}
    for tag, params in variants.items():
        path = args.out / tag / "results.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = read_results(path) if path.exists() else []
        done = {(r["dataset"], r["estimator"], r["seed"]) for r in rows}
        tasks = [(d, e, s) for s in args.seeds for d in datasets for e in pair if (d, e, s) not in done]
        jobs = (delayed(one_fit)(d, e, s, params, args.data_home) for d, e, s in tasks)
        for row in Parallel(n_jobs=args.n_jobs, return_as="generator")(jobs):
            append_results(path, [row])
        frame = pd.read_csv(path)
        table[tag] = score(frame[frame.estimator.isin(pair)], pair)
        print(f"{tag} {params}: {len(tasks)} new fits", flush=True)
    print(pd.DataFrame(table).T.to_string())


if __name__ == "__main__":
    main()
