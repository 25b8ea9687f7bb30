"""Can decoder 1 learn deeper codes from distilled targets? A throwaway probe, kept for its figures.

A shallower decoder of the bundled ``cornn`` checkpoint answers a deeper network's code with a
network that is constant in effect, its gates closed where the sigmoid passes no gradient
(``python benchmarks/decoder_depths.py cornn --gates``), and a functional loss alone does not
reopen them. Here decoder 1 alone (the encoder and the other decoders frozen) is fine-tuned on
depth-2 zoo networks with a weight-space target: for each, a depth-1 network trained to its
function (:func:`sklearn_swat._zoo.distill_networks`, from a random depth-1 zoo network), reached
through the pretraining's reconstruction loss, plus the functional loss of decoder 1, plus the
reconstruction loss of depth-1 networks so that decoder 1 keeps its own depth. Every 50 steps it
prints decoder 1's figures of ``decoder_depths.py`` (the same fresh networks) for depths 1 and 2:
median relative error, share of gates on, median affine-corrected error (1 minus the squared
correlation of the outputs; 1.0: no better than a constant) and share of relative errors below
0.1; and the distilled targets' median relative error.

Usage::

    python benchmarks/distill_decoder1.py --steps 500 --fit-steps 200 --lr 1e-3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from decoder_depths import decoder_figures

from sklearn_swat._checkpoints import load_autoencoder
from sklearn_swat._encoding import canonicalize
from sklearn_swat._zoo import distill_networks, sample_networks, sample_points
from sklearn_swat.pretrain._train import functional_errors, reconstruction_loss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--fit-steps", type=int, default=200, help="Adam steps of each distillation")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    model = load_autoencoder("cornn")
    cfg = model.config
    for p in model.parameters():
        p.requires_grad_(False)
    params = [*model.decoders[0].parameters(), *model.heads[0].parameters(),
              *model.dec_norms[0].parameters(), model.dec_pos[0]]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=args.lr)
    gen = torch.Generator().manual_seed(7)
    rng = np.random.RandomState(0)

    def show(label):
        # Decoder 1's column of decoder_depths.py's figures, on its networks of depth 1 and 2.
        figs = decoder_figures(model)
        cells = []
        for d in (1, 2):
            err, gates, affine = (figs[d][name][:, 0] for name in ("error", "gates", "affine"))
            cells.append(f"depth {d}: error {np.median(err):.3g}, gates on {gates.mean():.2f}, "
                         f"affine {np.median(affine):.3g}, below 0.1 {np.mean(err < 0.1):.2f};")
        print(label, " ".join(cells), flush=True)

    show("start")
    t0, quality = time.time(), []
    for step in range(1, args.steps + 1):
        sparsity = float(rng.choice([0, 0.2, 0.4, 0.6, 0.8]))
        deep = sample_networks(args.batch_size, 2, sparsity, cfg.width, cfg.max_inputs, generator=gen)
        x = sample_points(deep.in_mask, 128, gen)
        y = deep.forward(x)
        target, mse = distill_networks(deep, 1, x, y, max_inputs=cfg.max_inputs, generator=gen,
                                       steps=args.fit_steps)
        quality.append(float((mse / (y.var(dim=1) + 1e-4)).median()))
        own = sample_networks(args.batch_size, 1, sparsity, cfg.width, cfg.max_inputs, generator=gen)
        with torch.no_grad():
            z, z_own = model.encode(deep), model.encode(own)
        loss = (reconstruction_loss(model, z, canonicalize(target))
                + torch.log1p(functional_errors(model, z, deep, x, y)[:, 0]).mean()
                + reconstruction_loss(model, z_own, canonicalize(own)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            show(f"step {step} ({time.time() - t0:.0f} s; targets' median relative error "
                 f"{np.median(quality[-50:]):.3g})")


if __name__ == "__main__":
    main()
