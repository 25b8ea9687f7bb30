"""The ``general`` (3 to 8 features) and ``wide`` (9 to 16) latent spaces against untrained ones.

The CORNN benchmark has two inputs, so it only ever searches the ``cornn``
checkpoint. This script asks of ``general`` and ``wide`` what the CORNN report
asks of ``cornn``: does a descent through the pretrained latent space find
better networks than the same descent through an untrained autoencoder of its
config? ``--suite general`` (the default) runs problems of 3 to 8 features,
``--suite wide`` problems of 9 to 16, which ``"auto"`` searches in ``wide``. It runs the
benchmark's own estimators (:func:`sklearn_swat.benchmark.make_estimator`:
``swat`` and ``swat-untrained`` pick ``general`` for more than two features;
``swat-sized`` is ``swat`` capped at ``swat-untrained``'s size and
``swat-untrained-sized`` the reverse; ``swat-tanh`` (one activation for
every neuron), ``darts-admm``, ``mlp`` and ``pruned-mlp`` as in the CORNN
benchmark) on multi-feature
regression problems: Friedman #1 to #3 and d-dimensional forms of classic
test functions, inputs uniform over their usual domain, 3750 training and
1250 test rows, the target scaled to unit variance on the training rows (so
test MSE reads as 1 - R^2). The wide suite adds a sparse problem (16 inputs,
4 of them used) and scikit-learn's diabetes data (10 features, 442 rows: a
fixed split of 332 training and 110 test rows).

Rows go to ``OUT/results.csv`` with the CORNN benchmark's columns; a rerun
skips rows already there. ``OUT/report.md`` and its figures are the CORNN
report's own (:func:`sklearn_swat.benchmark.write_report`).

Usage::

    python benchmarks/bench_general.py --out bench_general --seeds 0 1 2 --n-jobs 2
    python benchmarks/bench_general.py --suite wide --out bench_wide --seeds 0 1 2 --n-jobs 2
    python benchmarks/bench_general.py --out screen --estimators swat --seeds 0 1 2 \
        --swat-params '{"learning_rate": 0.03, "max_iter": 480}'
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_diabetes, make_friedman1, make_friedman2, make_friedman3

from sklearn_swat.benchmark import ESTIMATORS, append_results, make_estimator, read_results, write_report
from sklearn_swat.benchmark._runner import _exclusive, _run_task, _Task

N_TRAIN, N_TEST = 3750, 1250
# The second group needs a first-group fit's size (their registry reference).
FIRST = ("swat", "swat-tanh", "swat-untrained", "darts-admm", "darts-admm-depths", "mlp")
SECOND = ("swat-sized", "swat-untrained-sized", "pruned-mlp")
TITLE = "The general latent space: 3 to 8 features"
WIDE_TITLE = "The wide latent space: 9 to 16 features"
TARGET_NOTE = "Test MSE is on the target scaled to unit variance on the training rows (1 - R^2)"


def _uniform(f: Callable[[np.ndarray], np.ndarray], low: float, high: float, d: int):
    def make(n: int, rng: np.random.RandomState):
        X = rng.uniform(low, high, size=(n, d))
        return X, f(X)

    return make


def _friedman(maker, **kw):
    def make(n: int, rng: np.random.RandomState):
        return maker(n_samples=n, random_state=rng, **kw)

    return make


def _rosenbrock(X):
    return np.sum(100 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1 - X[:, :-1]) ** 2, axis=1)


def _ackley(X):
    d = X.shape[1]
    return (-20 * np.exp(-0.2 * np.sqrt(np.sum(X**2, axis=1) / d))
            - np.exp(np.sum(np.cos(2 * np.pi * X), axis=1) / d) + 20 + np.e)


def _sphere(X):
    return np.sum(X**2, axis=1)


def _sum_squares(X):
    return np.sum(np.arange(1, X.shape[1] + 1) * X**2, axis=1)


def _styblinski_tang(X):
    return 0.5 * np.sum(X**4 - 16 * X**2 + 5 * X, axis=1)


def _zakharov(X):
    s = np.sum(0.5 * np.arange(1, X.shape[1] + 1) * X, axis=1)
    return np.sum(X**2, axis=1) + s**2 + s**4


PROBLEMS: dict[str, Callable] = {
    "friedman1-5": _friedman(make_friedman1, n_features=5, noise=0.0),
    "friedman1-8": _friedman(make_friedman1, n_features=8, noise=0.0),
    "friedman1-8-noise": _friedman(make_friedman1, n_features=8, noise=1.0),
    "friedman2": _friedman(make_friedman2, noise=0.0),
    "friedman3": _friedman(make_friedman3, noise=0.0),
    "sphere-4": _uniform(_sphere, -5.12, 5.12, 4),
    "sum-squares-6": _uniform(_sum_squares, -10, 10, 6),
    "rosenbrock-4": _uniform(_rosenbrock, -2.048, 2.048, 4),
    "styblinski-tang-4": _uniform(_styblinski_tang, -5, 5, 4),
    "ackley-4": _uniform(_ackley, -5, 5, 4),
    "zakharov-4": _uniform(_zakharov, -5, 10, 4),
    "product-sines-3": _uniform(lambda X: np.prod(np.sin(X), axis=1), -np.pi, np.pi, 3),
}


def _diabetes(n: int, rng: np.random.RandomState):
    # scikit-learn's 442 rows in an order of the problem's own seed (n is not used).
    X, y = load_diabetes(return_X_y=True)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _sparse_16(X):
    # 16 inputs, 4 of them used: a search that finds them needs few weights.
    return np.sin(X[:, 0]) * X[:, 1] + X[:, 2] ** 2 - np.abs(X[:, 3])


WIDE_PROBLEMS: dict[str, Callable] = {
    "friedman1-10": _friedman(make_friedman1, n_features=10, noise=0.0),
    "friedman1-16-noise": _friedman(make_friedman1, n_features=16, noise=1.0),
    "sphere-10": _uniform(_sphere, -5.12, 5.12, 10),
    "sum-squares-12": _uniform(_sum_squares, -10, 10, 12),
    "rosenbrock-10": _uniform(_rosenbrock, -2.048, 2.048, 10),
    "styblinski-tang-10": _uniform(_styblinski_tang, -5, 5, 10),
    "ackley-12": _uniform(_ackley, -5, 5, 12),
    "zakharov-10": _uniform(_zakharov, -5, 10, 10),
    "sparse-16": _uniform(_sparse_16, -2, 2, 16),
    "diabetes": _diabetes,  # real data: its last DIABETES_TEST rows are the test rows
}
SUITES = {"general": (PROBLEMS, TITLE), "wide": (WIDE_PROBLEMS, WIDE_TITLE)}
ALL_PROBLEMS = {**PROBLEMS, **WIDE_PROBLEMS}
DIABETES_TEST = 110


def load(name: str):
    """``X_train, X_test, y_train, y_test`` of one problem (fixed seed), target at unit variance."""
    rng = np.random.RandomState(sum(map(ord, name)))
    X, y = ALL_PROBLEMS[name](N_TRAIN + N_TEST, rng)
    n_train = len(y) - DIABETES_TEST if name == "diabetes" else N_TRAIN
    y_train = y[:n_train]
    y = (y - y_train.mean()) / y_train.std()
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


def write_csv(path: Path, rows: list[dict]) -> None:
    """``rows`` (dicts with the same keys) to a CSV file, the first row's keys as the header."""
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def run(out: Path, problems: list[str], seeds: list[int], n_jobs: int, quick: bool = False,
        estimators: tuple[str, ...] = FIRST + SECOND, swat_params: dict | None = None) -> list[dict]:
    """Fit what is missing from ``out/results.csv``; return all its rows.

    ``quick`` gives the estimators the benchmark's tiny test settings. An
    estimator of ``SECOND`` needs its reference's rows (run with it or
    before): a ValueError, before any fit, where they are missing.
    ``swat_params`` are set on ``swat`` alone (``set_params``), to screen a
    setting of the search; its rows keep the name ``swat``, so they go to
    their own ``out``: ``out/swat_params.json`` records them, and ``swat``
    is not fitted into an ``out`` whose ``swat`` rows had other settings (a
    ValueError, before any fit).
    """
    if swat_params:
        make_estimator("swat", 0).set_params(**swat_params)  # an unknown name: a ValueError before any fit
    path = out / "results.csv"
    rows = read_results(path) if path.exists() else []
    have = {(r["dataset"], r["estimator"], r["seed"]) for r in rows}
    params_path = out / "swat_params.json"
    recorded = json.loads(params_path.read_text()) if params_path.exists() else {}
    if "swat" in estimators and recorded != (swat_params or {}) and (
        params_path.exists() or any(r["estimator"] == "swat" for r in rows)
    ):
        raise ValueError(f"{out}'s swat rows were fitted with --swat-params {json.dumps(recorded)}, not "
                         f"{json.dumps(swat_params or {})}: give each setting its own --out.")
    for e in SECOND:
        ref = ESTIMATORS[e].reference
        if e in estimators and ref not in estimators:
            missing = [f"{p} seed {s}" for p in problems for s in seeds
                       if (p, e, s) not in have and (p, ref, s) not in have]
            if missing:
                raise ValueError(f"{e} is capped at {ref}'s size, and {path} has no {ref} row for "
                                 f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}: add "
                                 f"{ref} to --estimators.")
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):  # one run writes to a folder at a time, as the CORNN benchmark's
        if swat_params and "swat" in estimators:
            params_path.write_text(json.dumps(swat_params, sort_keys=True) + "\n")
        for phase in (FIRST, SECOND):
            # The rows so far: what to skip, and the sizes the second group is capped at.
            sizes = {(r["dataset"], r["estimator"], r["seed"]): r["n_nonzero"]
                     for r in (read_results(path) if path.exists() else [])}
            tasks = [
                _Task(p, e, s, target_n_nonzero=sizes.get((p, ESTIMATORS[e].reference, s)))
                for p in problems for s in seeds for e in phase if e in estimators and (p, e, s) not in sizes
            ]
            start = time.perf_counter()
            results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_run_task)(t, load(t.dataset), quick, swat_params if t.estimator == "swat" else None)
                for t in tasks
            )
            for i, (task, new_rows, error) in enumerate(results, 1):
                if error:
                    raise RuntimeError(f"{task}: {error}")
                append_results(path, new_rows)
                print(f"[{i}/{len(tasks)} {time.perf_counter() - start:.0f}s] {task.dataset} {task.estimator} "
                      f"seed {task.seed}: " + ", ".join(f"{r['estimator']} mse {r['test_mse']:.3g} "
                                                         f"nnz {r['n_nonzero']}" for r in new_rows), flush=True)
    return read_results(path)


def _params(text: str) -> dict:
    """``--swat-params``' value: a JSON object of keyword arguments."""
    try:
        params = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"not JSON ({err}): {text!r}") from None
    if not isinstance(params, dict):
        raise argparse.ArgumentTypeError(f"a JSON object of keyword arguments is needed, not {text!r}")
    return params


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench_general"))
    parser.add_argument("--suite", choices=list(SUITES), default="general",
                        help="the problems and report title: general (3 to 8 features, the default) "
                             "or wide (9 to 16)")
    parser.add_argument("--problems", nargs="+", default=None, choices=list(ALL_PROBLEMS),
                        help="default: every problem of --suite")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--estimators", nargs="+", default=list(FIRST + SECOND), choices=list(FIRST + SECOND))
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count())
    parser.add_argument("--swat-params", type=_params, default=None, metavar="JSON",
                        help="keyword arguments set on swat alone, e.g. '{\"learning_rate\": 0.03}' "
                             "(a screen of the search's settings: give it its own --out)")
    args = parser.parse_args(argv)
    problems, title = SUITES[args.suite]
    try:
        run(args.out, args.problems or list(problems), args.seeds, args.n_jobs,
            estimators=tuple(args.estimators), swat_params=args.swat_params)
    except ValueError as err:
        parser.error(str(err))
    print(write_report(args.out, title=title, target_note=TARGET_NOTE).read_text())


if __name__ == "__main__":
    main()
