"""Compare latent spaces: ``swat`` runs made with different checkpoints, against one untrained search.

Each ``NAME=PATH`` names a benchmark ``results.csv`` whose ``swat`` rows were made with one
checkpoint (swap the files in ``sklearn_swat/weights/`` in a separate checkout, then run
``python -m sklearn_swat.benchmark cornn --estimators swat --seeds ...`` there). The
``swat-untrained`` rows of ``--untrained`` are the common rival; make all the files on one
machine, since the same seed gives other networks on another CPU. Per checkpoint it prints the
benchmark's win rule against the untrained search (no more non-zeros and test MSE <= 1.1x),
its two halves apart, and medians over the (data set, seed) pairs; then each later
checkpoint's test MSE against the first one's, pair by pair.

Usage::

    python benchmarks/compare_checkpoints.py --untrained current.csv current=current.csv \
        longer=longer.csv
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from sklearn_swat.benchmark import MSE_TOLERANCE, summarize

KEY = ["dataset", "seed"]


def compare(untrained: pd.DataFrame, runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per checkpoint: the win rule against ``untrained`` and medians.

    The counts are the benchmark report's own (:func:`sklearn_swat.benchmark.summarize`),
    over all seeds and per seed.

    Parameters
    ----------
    untrained : DataFrame
        Benchmark rows; those of ``swat-untrained`` are the rival.
    runs : dict of str to DataFrame
        Benchmark rows per checkpoint name; their ``swat`` rows are compared.

    Returns
    -------
    table : DataFrame
        Indexed by checkpoint name.
    """
    rival = untrained[untrained.estimator == "swat-untrained"]
    rows = {}
    for name, frame in runs.items():
        # Only the seeds both files have: the other rows have no pair.
        swat = frame[frame.estimator == "swat"]
        swat = swat[swat.seed.isin(rival.seed.unique())]
        both = pd.concat([swat, rival[rival.seed.isin(swat.seed.unique())]])
        summary = summarize(both.to_dict("records"))
        if "swat-untrained" not in summary.win_rates or not summary.win_rates["swat-untrained"].n_pairs:
            raise SystemExit(f"{name}: no (dataset, seed) pair shared with the untrained rows")
        against = summary.ratios["swat-untrained"]
        per_seed = [summarize(both[both.seed == seed].to_dict("records")).win_rates["swat-untrained"].wins
                    for seed in summary.seeds]
        rows[name] = {
            "pairs": against["n_pairs"],
            "wins": summary.win_rates["swat-untrained"].wins,
            "wins per seed": " ".join(str(w) for w in per_seed),
            f"MSE <= {MSE_TOLERANCE}x": against["more_accurate"],
            "no larger": against["no_larger"],
            "median MSE ratio": round(against["median_mse_ratio"], 3),
            "median nnz": float(swat.n_nonzero.median()),
            "median test MSE": float(f"{swat.test_mse.median():.3g}"),
            "median fit s": round(summary.median_fit_seconds["swat"], 1),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def against_first(runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each checkpoint's ``swat`` test MSE per (data set, seed) pair against the first one's.

    Returns
    -------
    table : DataFrame
        Per later checkpoint: pairs more than 1.1x lower and higher, and the
        geometric mean of the ratios.
    """
    names = list(runs)
    first = runs[names[0]]
    base = first[first.estimator == "swat"].set_index(KEY)
    rows = {}
    for name in names[1:]:
        swat = runs[name][runs[name].estimator == "swat"].set_index(KEY)
        pairs = base.index.intersection(swat.index)
        ratio = swat.loc[pairs].test_mse / base.loc[pairs].test_mse
        rows[name] = {
            "pairs": len(pairs),
            f"MSE > {MSE_TOLERANCE}x lower than {names[0]}": int((ratio * MSE_TOLERANCE < 1).sum()),
            f"> {MSE_TOLERANCE}x higher": int((ratio > MSE_TOLERANCE).sum()),
            "geometric mean ratio": round(float(np.exp(np.log(ratio).mean())), 3),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--untrained", required=True, help="results.csv with swat-untrained rows")
    parser.add_argument("runs", nargs="+", metavar="NAME=PATH", help="results.csv with swat rows")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="only the rows of these seeds (default: all)")
    args = parser.parse_args(argv)

    def read(path: str) -> pd.DataFrame:
        frame = pd.read_csv(path)
        return frame if args.seeds is None else frame[frame.seed.isin(args.seeds)]

    runs = {}
    for item in args.runs:
        name, sep, path = item.partition("=")
        if not sep:
            parser.error(f"expected NAME=PATH, got {item!r}")
        runs[name] = read(path)
    untrained = read(args.untrained)
    rival = untrained[untrained.estimator == "swat-untrained"]
    table = compare(untrained, runs)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string())
        print(f"swat-untrained returned a constant network on {int((rival.n_nonzero == 1).sum())} "
              f"of {len(rival)} (dataset, seed) pairs")
        if len(runs) > 1:
            print()
            print(against_first(runs).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
