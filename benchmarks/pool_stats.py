"""Degenerate networks in the fitted pools of pretraining runs.

A run with ``--fitted-share`` keeps its pool of trained zoo networks in
``WORKDIR/fitted_zoo.pt``. Per depth this prints the quartiles of the
networks' non-zero weights and how many have none, whose output is exactly
constant on 256 uniform points of their inputs, and how many have fewer
non-zeros than 5 times the depth (the smallest a pruned pool asks for by
default).

Usage::

    python benchmarks/pool_stats.py runs/pruned50 runs/pruned50_mended
"""

from __future__ import annotations

import argparse

import torch

from sklearn_swat._zoo import sample_points
from sklearn_swat.pretrain._train import pool_batches


def pool_stats(workdir: str) -> None:
    """Print the table of one run's pool."""
    saved = torch.load(f"{workdir}/fitted_zoo.pt", weights_only=True, map_location="cpu")
    print(workdir)
    totals = dict.fromkeys(("networks", "empty", "constant", "below 5*depth"), 0)
    for d, nets in pool_batches(saved).items():
        nnz = (nets.weights != 0).flatten(1).sum(1) + (nets.out_w != 0).sum(1)
        x = sample_points(nets.in_mask, 256, torch.Generator().manual_seed(0))
        with torch.no_grad():
            out = nets.forward(x)
        counts = {"networks": nets.batch_size, "empty": int((nnz == 0).sum()),
                  "constant": int(((out.amax(1) - out.amin(1)) < 1e-6).sum()),
                  "below 5*depth": int((nnz < 5 * int(d)).sum())}
        q = torch.quantile(nnz.double(), torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)).tolist()
        print(f"  depth {d}: non-zeros quartiles {q[0]:g} {q[1]:g} {q[2]:g}; "
              + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for k, v in counts.items():
            totals[k] += v
    print("  all: " + ", ".join(f"{k} {v}" for k, v in totals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdirs", nargs="+")
    for workdir in parser.parse_args().workdirs:
        pool_stats(workdir)


if __name__ == "__main__":
    main()
