"""How many of the latent descent's candidates end near the constant network.

Each fit runs the latent descent alone (``polish_iter=0, prune=False``: the
candidates are the hard-decoded codes the descent kept), and each
candidate's training MSE is divided by the constant network's (the training
mean, on the same rows): 1 is no better than predicting the mean. Per latent
space this prints, over the fits, the median share of candidates above 0.9
("near constant"), the median candidate's ratio and the best candidate's.
A latent space that is a good place to search has few candidates near the
constant and good best ones.

Usage::

    python benchmarks/descent_collapse.py --data-home ../shared/cornn --seeds 0 1 2
    python benchmarks/descent_collapse.py --general --seeds 0
    python benchmarks/descent_collapse.py --wide --seeds 0      # 9 to 16 features: the wide space
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sklearn_swat import SWATRegressor
from sklearn_swat.datasets import cornn_names, load_cornn

NEAR_CONSTANT = 0.9


def ratios(X: np.ndarray, y: np.ndarray, autoencoder: str, seed: int, **params) -> np.ndarray:
    """Each descent candidate's training MSE over the constant network's (the training mean).

    ``params`` go to ``SWATRegressor`` beside the descent-only settings.
    """
    reg = SWATRegressor(autoencoder=autoencoder, polish_iter=0, prune=False, random_state=seed, n_jobs=1,
                        **params)
    reg.fit(X, y)
    depth, loss = np.asarray(reg.candidates_["depth"]), np.asarray(reg.candidates_["train_loss"])
    # The last entry, depth 0, is the constant network (the training mean) on the same rows.
    return loss[depth > 0] / loss[depth == 0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", help="CORNN names (default: every third of the 54)")
    suite = parser.add_mutually_exclusive_group()
    suite.add_argument("--general", action="store_true", help="bench_general.py's problems instead")
    suite.add_argument("--wide", action="store_true", help="bench_general.py's wide suite (9 to 16 features)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--autoencoders", nargs="+", default=["auto", "untrained:auto"])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    if args.general or args.wide:
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_general import SUITES, load

        problems = SUITES["wide" if args.wide else "general"][0]
        data = {name: load(name) for name in problems}
    else:
        names = args.datasets or cornn_names()[::3]
        data = {name: load_cornn(name, data_home=args.data_home) for name in names}
    print(f"{'autoencoder':<16} {'fits':>5} {'near constant':>14} {'median ratio':>13} {'best ratio':>11}")
    for autoencoder in args.autoencoders:
        share, median, best = [], [], []
        for X_train, _, y_train, _ in data.values():
            for seed in args.seeds:
                r = ratios(X_train, y_train, autoencoder, seed)
                share.append(np.mean(r > NEAR_CONSTANT))
                median.append(np.median(r))
                best.append(r.min())
        print(f"{autoencoder:<16} {len(share):>5} {np.median(share):>14.2f} {np.median(median):>13.3f} "
              f"{np.median(best):>11.4f}", flush=True)


if __name__ == "__main__":
    main()
