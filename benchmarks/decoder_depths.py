"""How far a latent space is multi-scale: each decoder's error on zoo networks of each depth.

Every network of a fresh zoo sample (100 per depth 1..4 and sparsity level 0, 0.2, 0.4) is
encoded and decoded by all four decoders; the table gives, per true depth and decoder, the
median relative error of the hard-decoded network (MSE to the original's output over 500
points, divided by that output's variance; constant networks left out) and, in brackets,
the share below 0.1. The diagonal is the ordinary reconstruction; above it (a decoder deeper
than the network), deeper decoders giving back shallower networks; below it, what a
multi-scale search would need: a shallower decoder giving back a deeper network's function.

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


def decoder_figures(model: MultiScaleAutoencoder, per_cell: int = 100, n_points: int = 500,
                    seed: int = 123) -> dict[int, dict[str, np.ndarray]]:
    """Every decoder on fresh zoo networks, by true depth.

    Returns, per true depth, arrays of shape (n_networks, 4), one column per
    decoder: ``"error"``, the relative error of the hard-decoded network;
    ``"gates"``, the share of its hidden neurons switched on; ``"affine"``, 1
    minus the squared correlation of its output with the original's. Networks
    with a constant output are left out.
    """
    cfg = model.config
    gen = torch.Generator().manual_seed(seed)
    out = {}
    with torch.no_grad():
        for depth in range(1, MAX_DEPTH + 1):
            parts = {"error": [], "gates": [], "affine": []}
            for sparsity in (0.0, 0.2, 0.4):
                nets = sample_networks(per_cell, depth, sparsity, cfg.width, cfg.max_inputs, generator=gen)
                x = sample_points(nets.in_mask, n_points, gen)
                z = model.encode(nets)
                errs = decoder_relative_errors(model, z, nets, x)
                keep = ~errs[:, 0].isnan()
                y = nets.forward(x)
                yc = y - y.mean(dim=1, keepdim=True)
                gates, affine = [], []
                for k in range(1, MAX_DEPTH + 1):
                    raw = model.decode(z, k)
                    gates.append((raw["gate_logits"] >= 0).double().mean(dim=(1, 2)))
                    f = hard_network(raw, nets.in_mask).forward(x)
                    fc = f - f.mean(dim=1, keepdim=True)
                    var = (fc**2).mean(dim=1) * (yc**2).mean(dim=1)
                    r2 = (fc * yc).mean(dim=1) ** 2 / var.clamp(min=1e-30)
                    affine.append(1 - r2.double())
                parts["error"].append(errs[keep])
                parts["gates"].append(torch.stack(gates, 1)[keep])
                parts["affine"].append(torch.stack(affine, 1)[keep])
            out[depth] = {name: torch.cat(p).numpy() for name, p in parts.items()}
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
    figures = decoder_figures(model)
    print("| true depth | " + " | ".join(f"decoder {k}" for k in range(1, MAX_DEPTH + 1)) + " |")
    print("|---|" + "---:|" * MAX_DEPTH)
    for depth, fig in figures.items():
        errs = fig["error"]
        cells = [f"{np.median(errs[:, k]):.3g} ({np.mean(errs[:, k] < 0.1):.2f})" for k in range(MAX_DEPTH)]
        print(f"| {depth} | " + " | ".join(cells) + " |")
    if args.gates:
        print()
        heads = [f"decoder {k}: gates on (affine)" for k in range(1, MAX_DEPTH + 1)]
        print("| true depth | " + " | ".join(heads) + " |")
        print("|---|" + "---:|" * MAX_DEPTH)
        for depth, fig in figures.items():
            cells = [f"{np.mean(fig['gates'][:, k]):.2f} ({np.median(fig['affine'][:, k]):.3g})"
                     for k in range(MAX_DEPTH)]
            print(f"| {depth} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
