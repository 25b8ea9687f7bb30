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
    python benchmarks/decoder_depths.py cornn --gates         # and the share of neurons on

``--gates`` adds a second table: per true depth and decoder, the share of the decoded
networks' hidden neurons whose gate is on (what the hard decode keeps; the zoo's networks
have about half on), and in brackets the median relative error after the best affine
correction of the decoded network's output (1 - its squared correlation with the
original's): 1.0 means no more than a constant.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from sklearn_swat._autoencoder import MultiScaleAutoencoder, hard_network
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


def decoder_gates(model: MultiScaleAutoencoder, per_cell: int = 100, n_points: int = 500,
                  seed: int = 123) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per true depth: the share of gates on and the affine-corrected error, each (n, 4).

    The same networks and points as :func:`decoder_errors` (same seed).
    """
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    out = {}
    with torch.no_grad():
        for depth in range(1, MAX_DEPTH + 1):
            gates, affine = [], []
            for sparsity in (0.0, 0.2, 0.4):
                nets = sample_networks(per_cell, depth, sparsity, cfg.width, cfg.max_inputs, generator=gen)
                x = sample_points(nets.in_mask, n_points, gen)
                y = nets.forward(x)
                keep = y.var(dim=1) > 1e-6
                z = model.encode(nets)
                yc = y - y.mean(dim=1, keepdim=True)
                g, a = [], []
                for k in range(1, MAX_DEPTH + 1):
                    raw = model.decode(z, k)
                    g.append((raw["gate_logits"] >= 0).double().mean(dim=(1, 2)))
                    f = hard_network(raw, nets.in_mask).forward(x)
                    fc = f - f.mean(dim=1, keepdim=True)
                    cov = (fc * yc).mean(dim=1)
                    r2 = cov**2 / ((fc**2).mean(dim=1) * (yc**2).mean(dim=1)).clamp(min=1e-30)
                    a.append(1 - r2.double())
                gates.append(torch.stack(g, 1)[keep])
                affine.append(torch.stack(a, 1)[keep])
            out[depth] = (torch.cat(gates).numpy(), torch.cat(affine).numpy())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="bundled name, exported file, or training folder")
    parser.add_argument("--gates", action="store_true",
                        help="also print the share of gates on and the affine-corrected error")
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
    if args.gates:
        print()
        heads = [f"decoder {k}: gates on (affine)" for k in range(1, MAX_DEPTH + 1)]
        print("| true depth | " + " | ".join(heads) + " |")
        print("|---|" + "---:|" * MAX_DEPTH)
        for depth, (gates, affine) in decoder_gates(model).items():
            cells = [f"{np.mean(gates[:, k]):.2f} ({np.median(affine[:, k]):.3g})" for k in range(MAX_DEPTH)]
            print(f"| {depth} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
