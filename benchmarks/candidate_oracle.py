"""The best any choice among ``swat``'s own candidates could do against ``swat-untrained``.

``swat`` polishes and prunes one or a few of its latent search's candidates and keeps the
smallest within its budget. Could another choice (another candidate, another stopping
point) have won the pairs it loses? This script refits ``swat`` on the pairs of a benchmark
``results.csv`` that it does not win, polishes and prunes *every* candidate of its search
(all depths and restarts) with the fit's own budget and pruning settings (its polish
after each removal, solver and layer folding, and the full polish after the pruning),
records each pruning path and goes on ``--extra`` single removals past each stop (as
``prune_paths.py``). A pair counts as
reachable when any network on any of these paths has no more non-zeros than the untrained
search's network and a test MSE at most 1.1 times its. Test MSE decides here, which no
real rule can use: the count is an upper bound for every selection and stopping rule over
these candidates.

Usage::

    python benchmarks/candidate_oracle.py \
        --results docs/benchmarks/checkpoints/pure_descent/defaults/results.csv \
        --data-home ../shared/cornn --n-jobs 2 --extra 12 --out oracle.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from prune_paths import PAIR, past_the_stop, read_pair_rows  # noqa: E402

from sklearn_swat.benchmark import MSE_TOLERANCE  # noqa: E402


def lost_pairs(frame: pd.DataFrame) -> tuple[list[tuple[str, int]], pd.DataFrame]:
    """(data set, seed) pairs ``swat`` does not win, and both searches' rows side by side."""
    wide = frame.pivot_table(index=["dataset", "seed"], columns="estimator",
                             values=["test_mse", "n_nonzero"])
    s, u = wide.xs(PAIR[0], axis=1, level=1), wide.xs(PAIR[1], axis=1, level=1)
    both = s.add_suffix("_s").join(u.add_suffix("_u")).dropna()
    win = (both.n_nonzero_s <= both.n_nonzero_u) & (both.test_mse_s <= MSE_TOLERANCE * both.test_mse_u)
    return [(d, int(k)) for d, k in both.index[~win]], both


def oracle_fit(dataset: str, seed: int, extra: int, data_home: str | None) -> dict:
    """Refit ``swat``; polish, prune and extend every candidate of its search."""
    import sklearn_swat._polish as P
    import sklearn_swat._swat as S
    from sklearn_swat.benchmark import make_estimator
    from sklearn_swat.datasets import load_cornn

    seen: dict = {}
    search, prune = S.latent_search, S.prune

    def recording_search(*args, **kwargs):
        out = search(*args, **kwargs)
        seen["candidates"] = out[0]
        return out

    def recording_prune(network, fit_data, check_data, budget, **kwargs):
        seen.setdefault("prune", (fit_data, check_data, float(budget), kwargs))
        return prune(network, fit_data, check_data, budget, **kwargs)

    S.latent_search, S.prune = recording_search, recording_prune
    try:
        X_train, X_test, y_train, y_test = load_cornn(dataset, data_home=data_home)
        est = make_estimator(PAIR[0], seed).fit(X_train, y_train)
    finally:
        S.latent_search, S.prune = search, prune
    fitted = est.network_

    def test_mse(net) -> float:
        est.network_ = net
        return float(np.mean((est.predict(X_test) - y_test) ** 2))

    row = {"dataset": dataset, "seed": seed, "n_nonzero": fitted.n_nonzero, "test_mse": test_mse(fitted),
           "candidates": []}
    if "prune" in seen:
        fit_data, check_data, budget, kwargs = seen["prune"]
        # The fit's own pruning: its polish after each removal, solver and layer folding.
        settings = {k: kwargs[k] for k in ("polish_iter", "solver", "fold_layers")}
        row["budget"] = budget
        for c in seen["candidates"]:
            net = c.network
            if est.polish_iter > 0:
                net = P.polish(net, *fit_data, max_iter=est.polish_iter, solver=est.polish_solver)[0]
            trace = []
            kept = P.prune(net, fit_data, check_data, budget=budget, trace=trace, **settings)
            if kept is not net and est.polish_iter > 0:
                # The full polish the fit gives the network its pruning leaves, kept if the
                # held-out loss does not rise (the fit judges on all its held-out rows).
                last = P.polish(kept, *fit_data, max_iter=est.polish_iter, solver=est.polish_solver)[0]
                if (loss := P._loss(last, *check_data)) <= trace[-1][1]:
                    kept = last
                    trace.append((kept, loss))
            _, beyond = past_the_stop(kept, fit_data, check_data, budget, settings["polish_iter"], extra,
                                      settings["solver"])
            row["candidates"].append({
                "depth": c.depth, "restart": c.restart,
                "path": [(n.n_nonzero, loss, test_mse(n)) for n, loss in trace],
                "beyond": [(n.n_nonzero, loss, test_mse(n)) for n, loss in beyond],
            })
    est.network_ = fitted
    return row


def summarize(rows: list[dict], both: pd.DataFrame) -> pd.DataFrame:
    """Per pair: the untrained network, and the best reachable pretrained network at its size."""
    out = []
    for r in rows:
        u_nnz, u_mse = both.loc[(r["dataset"], r["seed"]), ["n_nonzero_u", "test_mse_u"]]
        points = [(r["n_nonzero"], r["test_mse"], "chosen")]
        for c in r["candidates"]:
            tag = f"d{c['depth']}r{c['restart']}"
            points += [(n, t, tag) for n, _, t in c["path"]]
            points += [(n, t, tag + "+") for n, _, t in c["beyond"]]
        at_size = [(t, tag) for n, t, tag in points if n <= u_nnz]
        best = min(at_size) if at_size else (np.nan, "")
        within = [tag for n, t, tag in points if n <= u_nnz and t <= MSE_TOLERANCE * u_mse]
        out.append({
            "dataset": r["dataset"], "seed": r["seed"], "nnz": r["n_nonzero"], "nnz_untrained": int(u_nnz),
            "test_mse": r["test_mse"], "test_mse_untrained": u_mse,
            "best_at_size_ratio": best[0] / u_mse if at_size else np.nan, "best_at_size_from": best[1],
            "reachable": bool(within),
            "within_budget": any(not tag.endswith("+") for tag in within),
        })
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True, help="benchmark results.csv with both searches")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--extra", type=int, default=12, help="removals past each pruning's stop")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="only the first LIMIT lost pairs")
    parser.add_argument("--out", default=None, help="write the recorded paths as JSON here")
    args = parser.parse_args(argv)

    frame = read_pair_rows(args.results, parser)
    lost, both = lost_pairs(frame)
    won = len(both) - len(lost)
    pairs = lost[: args.limit]
    if not pairs:
        print(f"pairs {len(both)}, won {won}: no lost pair to examine.")
        return 0
    rows = Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(oracle_fit)(d, s, args.extra, args.data_home) for d, s in pairs)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f)
    table = summarize(rows, both)
    ref = both.loc[[(r["dataset"], r["seed"]) for r in rows]]
    table["replays"] = (table.nnz.to_numpy() == ref.n_nonzero_s.to_numpy()) & np.isclose(
        table.test_mse.to_numpy(), ref.test_mse_s.to_numpy(), rtol=1e-9)
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\npairs {len(both)}, won {won}, lost pairs examined {len(table)}, "
          f"replayed {int(table.replays.sum())}")
    print(f"reachable from some candidate: {int(table.reachable.sum())} "
          f"(within the fit's own budget: {int(table.within_budget.sum())}); "
          f"upper bound on wins: {won + int(table.reachable.sum())}")
    print(f"median best test MSE at the untrained network's size over the untrained one's: "
          f"{table.best_at_size_ratio.median():.3g}")
    return 0 if table.replays.all() else 1


if __name__ == "__main__":
    sys.exit(main())
