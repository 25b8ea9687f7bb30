"""How far a latent space is multi-scale: each decoder's error on zoo networks of each depth.

Every network of a fresh zoo sample (100 per depth 1..4 and sparsity level 0, 0.2, 0.4) is
encoded and decoded by all four decoders; the table gives, per true depth and decoder, the
median relative error of the hard-decoded network (MSE to the original's output over 500
points, divided by that output's variance; constant networks left out) and, in brackets,
the share below 0.1. The diagonal is the ordinary reconstruction; below it, deeper decoders
giving back shallower networks; above it, what a multi-scale search would need: a shallower
decoder giving back a deeper network's function.

Usage::

    python benchmarks/decoder_depths.py cornn                 # a bundled checkpoint
    python benchmarks/decoder_depths.py path/to/x.safetensors # an exported one
    python benchmarks/decoder_depths.py runs/cornn-ad         # a training folder (state.pt)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from sklearn_swat._autoencoder import MultiScaleAutoencoder
from sklearn_swat._checkpoints import load_autoencoder
from sklearn_swat._network import MAX_DEPTH
from sklearn_swat._zoo import sample_networks, sample_points
from sklearn_swat.pretrain._train import decoder_relative_errors, load_training_state


def decoder_errors(model: MultiScaleAutoencoder, per_cell: int = 100, n_points: int = 500,
                   seed: int = 123) -> dict[int, np.ndarray]:
    """Relative error of every decoder, by true depth: arrays of shape (n_networks, 4)."""
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    out = {}
    with torch.no_grad():
        for depth in range(1, MAX_DEPTH + 1):
            parts = []
            for sparsity in (0.0, 0.2, 0.4):
                nets = sample_networks(per_cell, depth, sparsity, cfg.width, cfg.max_inputs, generator=gen)
                x = sample_points(nets.in_mask, n_points, gen)
                errs = decoder_relative_errors(model, model.encode(nets), nets, x)
                parts.append(errs[~errs[:, 0].isnan()])
            out[depth] = torch.cat(parts).numpy()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="bundled name, exported file, or training folder")
    args = parser.parse_args(argv)
    if Path(args.checkpoint).is_dir():
        model = load_training_state(args.checkpoint)[0]
    else:
        model = load_autoencoder(args.checkpoint)
    model.eval()
    print("| true depth | " + " | ".join(f"decoder {k}" for k in range(1, MAX_DEPTH + 1)) + " |")
    print("|---|" + "---:|" * MAX_DEPTH)
    for depth, errs in decoder_errors(model).items():
        cells = [f"{np.median(errs[:, k]):.3g} ({np.mean(errs[:, k] < 0.1):.2f})" for k in range(MAX_DEPTH)]
        print(f"| {depth} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
