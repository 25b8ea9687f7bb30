"""Follow the pruning of ``swat`` and ``swat-untrained`` step by step, and past its stop.

Where the pretrained search loses to the untrained one under the benchmark's rule, its
network is often larger and more accurate. Could the pruning have gone on to a network that
wins? This script refits both searches on the pairs a benchmark ``results.csv`` names,
records every network the pruning of the chosen candidate accepts (its size, held-out MSE
and test MSE) and then goes on past the budget, one weight at a time (each removal the
best of the pruning's own tries, retrained), for ``--extra`` more steps. Per pair it prints
where each search stopped and whether the pretrained search's path, continued, reaches a
network that would win: no more non-zeros than the untrained network and a test MSE at most
1.1 times its.

Each refit is checked against the row it replays: the same seed on the same machine must
give the row's network again.

Usage::

    python benchmarks/prune_paths.py --results docs/benchmarks/checkpoints/pure_descent/defaults/results.csv \
        --which larger-more-accurate --data-home ../shared/cornn --n-jobs 2 --extra 12 --out paths.json
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from sklearn_swat.benchmark import MSE_TOLERANCE

PAIR = ("swat", "swat-untrained")


def read_pair_rows(path: str, parser: argparse.ArgumentParser) -> pd.DataFrame:
    """The rows of a benchmark ``results.csv``; a parser error if it lacks either search."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        parser.error(f"--results: cannot read {path} ({err})")
    missing = [e for e in PAIR if "estimator" not in frame or not (frame.estimator == e).any()]
    if missing:
        parser.error(f"--results: {path} has no rows of {missing}; it needs both {list(PAIR)} "
                     "(the benchmark's --estimators swat swat-untrained).")
    return frame


def select_pairs(frame: pd.DataFrame, which: str) -> list[tuple[str, int]]:
    """(data set, seed) pairs of ``frame``: all, or those where ``swat`` is larger and more accurate."""
    wide = frame.pivot_table(index=["dataset", "seed"], columns="estimator",
                             values=["test_mse", "n_nonzero"])
    s, u = wide.xs(PAIR[0], axis=1, level=1), wide.xs(PAIR[1], axis=1, level=1)
    keep = s.n_nonzero.notna() & u.n_nonzero.notna()
    if which == "larger-more-accurate":
        keep &= (s.n_nonzero > u.n_nonzero) & (s.test_mse * MSE_TOLERANCE < u.test_mse)
    return [(d, int(k)) for d, k in keep[keep].index]


def past_the_stop(network, fit_data, check_data, budget: float, polish_iter: int, extra: int,
                  solver: str = "lbfgs"):
    """Why a pruning stopped at ``network``, and ``extra`` single removals past it.

    Each removal is the best retrained (by training loss, polished by ``solver``) of the
    pruning's own tries (``sklearn_swat._polish._removal_trials`` with a step of one),
    whatever ``budget`` says; a hidden layer is never folded here.
    Returns ``(stop, beyond)``: ``stop`` is ``"empty"`` (no weight left), ``"refused"`` (every
    try of the first removal goes over ``budget``) or ``"rounds"`` (one is within it: the
    pruning ran out of rounds); ``beyond`` lists ``(network, loss on check_data)``.
    """
    import sklearn_swat._polish as P

    Xc, yc, wc = (np.asarray(a, dtype=np.float64) for a in check_data)
    fit_data = tuple(np.asarray(a, dtype=np.float64) for a in fit_data)
    stop, beyond, current = "empty", [], network
    for i in range(max(extra, 1)):
        trials = [(fit_loss, j, trial) for j, (fit_loss, trial)
                  in enumerate(P._removal_trials(current, fit_data, 1, polish_iter, solver))
                  if trial.n_nonzero < current.n_nonzero]
        if not trials:
            break
        if i == 0:
            within = any(P._loss(trial, Xc, yc, wc) <= budget for _, _, trial in trials)
            stop = "rounds" if within else "refused"
            if extra == 0:
                break
        current = min(trials)[2]
        beyond.append((current, P._loss(current, Xc, yc, wc)))
    return stop, beyond


def same_zeros(a, b) -> bool:
    """Whether two networks have the same layers, zeros, activations and gates."""
    return a.depth == b.depth and all(
        x.shape == y.shape and np.array_equal(x != 0, y != 0) for x, y in zip(a.coefs, b.coefs)
    ) and all(np.array_equal(x, y) for x, y in zip([*a.activations, *a.gates], [*b.activations, *b.gates]))


def trace_fit(dataset: str, estimator: str, seed: int, extra: int, data_home: str | None) -> dict:
    """Fit one benchmark estimator, recording its pruning path and ``extra`` steps past it."""
    import sklearn_swat._polish as P
    import sklearn_swat._swat as S
    from sklearn_swat.benchmark import make_estimator
    from sklearn_swat.datasets import load_cornn

    calls = []

    def traced_prune(network, fit_data, check_data, budget, **kwargs):
        trace = []
        kept = P.prune(network, fit_data, check_data, budget, trace=trace, **kwargs)
        calls.append({"trace": trace, "kept": kept, "fit": fit_data, "check": check_data,
                      "budget": float(budget), "polish_iter": kwargs["polish_iter"],
                      "solver": kwargs.get("solver", "lbfgs")})
        return kept

    original = S.prune
    S.prune = traced_prune
    try:
        X_train, X_test, y_train, y_test = load_cornn(dataset, data_home=data_home)
        est = make_estimator(estimator, seed).fit(X_train, y_train)
    finally:
        S.prune = original
    fitted = est.network_
    # The pruning that gave the fitted network (None if it was not pruned): the fit polishes
    # the network a pruning leaves once more, so the fitted one has its zeros, not its floats.
    last = next((c for c in reversed(calls) if same_zeros(c["kept"], fitted)), None)
    stop, beyond, path = None, [], []
    if last is not None:
        path = last["trace"]
        stop, beyond = past_the_stop(fitted, last["fit"], last["check"], last["budget"],
                                     last["polish_iter"], extra, last["solver"])

    def test_mse(net) -> float:
        est.network_ = net
        return float(np.mean((est.predict(X_test) - y_test) ** 2))

    row = {"dataset": dataset, "estimator": estimator, "seed": seed, "n_nonzero": fitted.n_nonzero,
           "test_mse": test_mse(fitted), "stop": stop, "budget": last["budget"] if last else None,
           "path": [(n.n_nonzero, loss, test_mse(n)) for n, loss in path],
           "beyond": [(n.n_nonzero, loss, test_mse(n)) for n, loss in beyond]}
    est.network_ = fitted
    return row


def summarize_paths(rows: list[dict], replayed: pd.DataFrame) -> pd.DataFrame:
    """One line per pair: where both searches stopped and what the pretrained path reaches."""
    by = {(r["dataset"], r["estimator"], r["seed"]): r for r in rows}
    ref = replayed.set_index(["dataset", "estimator", "seed"])
    out = []
    for (dataset, estimator, seed), s in by.items():
        if estimator != PAIR[0]:
            continue
        u = by[(dataset, PAIR[1], seed)]
        replays = all(r["n_nonzero"] == ref.loc[(dataset, e, seed), "n_nonzero"]
                      and np.isclose(r["test_mse"], ref.loc[(dataset, e, seed), "test_mse"], rtol=1e-9)
                      for e, r in ((PAIR[0], s), (PAIR[1], u)))
        # The fitted network itself, where it was not pruned (the constant network).
        points = (s["path"] or [(s["n_nonzero"], np.nan, s["test_mse"])]) + s["beyond"]
        at_size = [t for n, _, t in points if n <= u["n_nonzero"]]
        next_loss = s["beyond"][0][1] / s["budget"] if s["beyond"] else np.nan
        last_loss = s["path"][-1][1] / s["budget"] if s["path"] else np.nan
        out.append({
            "dataset": dataset, "seed": seed, "replays": replays,
            "nnz": s["n_nonzero"], "nnz_untrained": u["n_nonzero"],
            "test_mse": s["test_mse"], "test_mse_untrained": u["test_mse"],
            "stop": s["stop"], "steps": max(len(s["path"]) - 1, 0),
            "last_over_budget": last_loss, "next_over_budget": next_loss,
            "mse_at_untrained_size": min(at_size) / u["test_mse"] if at_size else np.nan,
            "reaches_win": any(n <= u["n_nonzero"] and t <= MSE_TOLERANCE * u["test_mse"]
                               for n, _, t in points),
        })
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True, help="benchmark results.csv with both searches")
    parser.add_argument("--which", choices=["all", "larger-more-accurate"], default="larger-more-accurate")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--extra", type=int, default=12, help="removals past the pruning's stop")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=None, help="write the recorded paths as JSON here")
    args = parser.parse_args(argv)

    frame = read_pair_rows(args.results, parser)
    pairs = select_pairs(frame, args.which)
    if not pairs:
        print(f"no pairs selected (--which {args.which}): nothing to trace.")
        return 0
    jobs = [(d, e, s) for d, s in pairs for e in PAIR]
    rows = Parallel(n_jobs=args.n_jobs)(delayed(trace_fit)(d, e, s, args.extra, args.data_home)
                                        for d, e, s in jobs)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f)
    table = summarize_paths(rows, frame)
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\npairs {len(table)}, replayed {int(table.replays.sum())}; "
          f"the pruning stopped by: {table.stop.value_counts().to_dict()}")
    print(f"pretrained path continued reaches a win on {int(table.reaches_win.sum())}; "
          f"median test MSE at the untrained network's size over the untrained one's: "
          f"{table.mse_at_untrained_size.median():.3g}")
    return 0 if table.replays.all() else 1


if __name__ == "__main__":
    sys.exit(main())
