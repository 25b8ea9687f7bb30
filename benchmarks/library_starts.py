"""Zoo starts from a library of fitted networks instead of random ones (an experiment).

The pretrained search starts half of its restarts from the zoo: of 1024 random
networks per depth, the few that fit the data best after an affine map of
their output are encoded. Random zoo networks are mostly sums of steps, and a
regression target is smooth. This script asks whether a library of zoo
networks *trained* on random smooth functions (``sklearn_swat._zoo.fitted_zoo``,
the pool of ``--fitted-share``) makes better starts: the library is made once
(``--library``; about 3.5 minutes for 1024 networks per depth on one thread),
``_zoo_start`` is replaced by one that picks among the library's networks (the
random zoo networks are still drawn, so that every other draw of the search is
as before), and the benchmark's ``swat`` runs on the CORNN functions. Its rows
go to ``OUT`` (a rerun skips rows already there), and the win rule is printed
against the ``swat-untrained`` rows of ``--untrained`` (the benchmark's
per-seed draws), beside the same rule for the ``swat`` rows there.

Usage::

    python benchmarks/library_starts.py --library lib.pt --out rows.csv --seeds 0 1 2 \\
        --data-home ../shared/cornn --untrained docs/benchmarks/checkpoints/seeds_all.csv \\
        --params '{"activations": "all"}'

(``activations="all"`` was the default when the experiment was run, and is
what ``seeds_all.csv`` holds; the library's starts are unrestricted networks,
so the script refuses any other ``activations``.)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd
import torch
from joblib import Parallel, delayed

from sklearn_swat.datasets import cornn_names, load_cornn

_LIBRARY: dict[int, object] = {}


def make_library(path: Path, n_per_depth: int, steps: int, seed: int, width: int = 7,
                 max_inputs: int = 2) -> None:
    """Fit ``n_per_depth`` zoo networks per depth to random smooth functions; save them."""
    from sklearn_swat._zoo import fitted_zoo

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(seed)
    library = {}
    for depth in (1, 2, 3, 4):
        start = time.perf_counter()
        nets, err = fitted_zoo(n_per_depth, depth, width, max_inputs, variable_inputs=False,
                               generator=g, steps=steps, chunk=512)
        print(f"depth {depth}: median MSE {float(err.median()):.4f}, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
        library[str(depth)] = {f.name: getattr(nets, f.name) for f in dataclasses.fields(nets)}
    torch.save(library, path)


def _library(depth: int):
    from sklearn_swat._encoding import NetworkBatch

    if not _LIBRARY:
        raw = torch.load(os.environ["SWAT_LIBRARY"], weights_only=True)
        _LIBRARY.update({int(d): NetworkBatch(**f) for d, f in raw.items()})
    return _LIBRARY[depth]


@torch.no_grad()
def library_start(model, depth, n, X, y, w, n_zoo, gen, device, *, allowed=None):
    """``_zoo_start`` with the candidates taken from the library (same draws of ``gen``)."""
    from sklearn_swat._latent_search import best_fitting
    from sklearn_swat._zoo import SPARSITY_LEVELS, sample_networks

    if allowed is not None and not all(all(row) for row in allowed):
        raise ValueError("Library starts are unrestricted networks: run with activations='all'.")
    per_level = -(-max(n_zoo, n) // len(SPARSITY_LEVELS))  # as _zoo_start draws
    for s in SPARSITY_LEVELS:  # drawn and dropped: the later draws stay those of the search
        sample_networks(per_level, depth, s, model.config.width, X.shape[1], generator=gen)
    nets = _library(depth).to(device)
    return model.encode(best_fitting(nets, n, X.to(device), y.to(device), w.to(device)))


def one_fit(dataset: str, seed: int, library: str, data_home: str | None, params: dict) -> dict:
    """The benchmark's ``swat`` row (``params`` set), its zoo starts taken from ``library``."""
    import sklearn_swat._latent_search as search
    from sklearn_swat.benchmark import fit_row, make_estimator

    os.environ["SWAT_LIBRARY"] = library
    search._zoo_start = library_start
    return fit_row(make_estimator("swat", seed).set_params(**params), "swat", dataset, seed,
                   load_cornn(dataset, data_home=data_home))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--library", type=Path, required=True, help="made if absent")
    p.add_argument("--per-depth", type=int, default=1024)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--library-seed", type=int, default=12345)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--every", type=int, default=1, help="every k-th of cornn_names()")
    p.add_argument("--data-home", default=None)
    p.add_argument("--untrained", type=Path, required=True)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--params", type=json.loads, default={}, metavar="JSON",
                   help="set_params of the benchmark's swat, e.g. '{\"activations\": \"all\"}'")
    a = p.parse_args(argv)
    from sklearn_swat.benchmark import make_estimator

    try:
        activations = make_estimator("swat", 0).set_params(**a.params).activations
    except ValueError as err:
        p.error(f"--params: {err}")
    if activations != "all":
        p.error("library starts are unrestricted networks: pass --params '{\"activations\": \"all\"}' "
                f"(the search's default then); got activations={activations!r}.")
    if not a.library.exists():
        make_library(a.library, a.per_depth, a.steps, a.library_seed)
    names = cornn_names()[:: a.every]
    done = pd.read_csv(a.out) if a.out.exists() else pd.DataFrame(columns=["dataset", "seed"])
    have = set(zip(done.dataset, done.seed))
    jobs = [(d, s) for s in a.seeds for d in names if (d, s) not in have]
    rows = Parallel(n_jobs=a.n_jobs)(
        delayed(one_fit)(d, s, str(a.library.resolve()), a.data_home, a.params) for d, s in jobs)
    out = pd.concat([done, pd.DataFrame(rows)]) if rows else done
    out.to_csv(a.out, index=False)

    sys.path.insert(0, str(Path(__file__).parent))
    from screen_settings import score

    ref = pd.read_csv(a.untrained)
    keys = set(zip(out.dataset, out.seed))
    ref = ref[[k in keys for k in zip(ref.dataset, ref.seed)]]
    untrained = ref[ref.estimator == "swat-untrained"]
    table = pd.DataFrame({
        "library": score(pd.concat([out, untrained])),
        "random zoo": score(pd.concat([ref[ref.estimator == "swat"], untrained])),
    }).T
    print(table.to_string())


if __name__ == "__main__":
    main()
