"""Fine-tune an autoencoder so that latent descent through its decoders fits functions (an experiment).

The pretraining script trains the autoencoder to reconstruct zoo networks; nothing in it asks
that a gradient descent *in its latent space* reach a good network. This experiment does ask
that, by differentiating through the descent (a learned-optimisation objective), and is kept
beside the benchmarks as the record of a measurement in
``docs/benchmarks/checkpoints/report.md`` ("Fine-tuning the decoders on the descent itself");
no bundled checkpoint is made by it.

Each step draws ``--functions`` random smooth functions (:func:`sklearn_swat._zoo.random_targets`,
no benchmark function among them) on ``--points`` points of [-1, 1]^2 and, for every depth,
starts ``--restarts`` codes per function as the search did when the experiment ran (half zoo
starts, half standard normal codes; the search has since restricted half of its restarts to
smooth activations, ``activations="mixed"``, which this script does not). It runs ``k1``
steps of the search's Adam descent on the codes without a graph
(``k1`` drawn uniformly in ``0..--k1-max``, so that every stage of the search's temperature
schedule is seen), then ``--k2`` differentiable steps, and takes as loss the log MSE plus the
penalties of the search's objective at the end. A reconstruction and functional loss on a batch
of zoo networks (as in pretraining) keeps the encoder and the decoders consistent. Adam on all
weights of the autoencoder.

Usage::

    python benchmarks/descent_finetune.py --out runs/descent --minutes 24 --lr 2e-4 \
        --k1-max 100 --k2 8 --seed 2

writes ``cornn.safetensors`` and ``cornn.json`` under ``--out`` (named so whatever ``--init``
is); pass the ``.safetensors`` path as ``SWATRegressor(autoencoder=...)``.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch

from sklearn_swat import SWATRegressor
from sklearn_swat._checkpoints import WRITTEN_KEYS, load_autoencoder, load_checkpoint_info, save_checkpoint
from sklearn_swat._encoding import canonicalize
from sklearn_swat._latent_search import _soft_candidates, _zoo_start
from sklearn_swat._zoo import random_targets, sample_points, sample_zoo_batch
from sklearn_swat.pretrain._train import functional_errors, reconstruction_loss

# The descent is the default SWATRegressor's: its temperature schedule, code learning rate,
# gate and compactness weights.
_SEARCH = SWATRegressor()._settings()
_ZOO_DRAWS = 256
_ZOO_LEVELS = (0, 0.2, 0.4, 0.6, 0.8)


def _temperature(step: int) -> float:
    s = _SEARCH
    frac = min(1.0, step / max(1, s.anneal_iter))
    return s.temperature_start + frac * (s.temperature_end - s.temperature_start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder for the fine-tuned checkpoint")
    parser.add_argument("--init", default="cornn", help="checkpoint to start from (name or path)")
    parser.add_argument("--minutes", type=float, required=True, help="wall-clock training time")
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--alpha", type=float, default=1e-3, help="sparsity weight of the descent")
    parser.add_argument("--k1-max", type=int, default=40)
    parser.add_argument("--k2", type=int, default=6)
    parser.add_argument("--functions", type=int, default=8)
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--points", type=int, default=128)
    parser.add_argument("--rec-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    a = parser.parse_args(argv)

    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)
    model = copy.deepcopy(load_autoencoder(a.init))
    for p in model.parameters():
        p.requires_grad_(True)
    cfg = model.config
    W, B, R = cfg.width, a.functions, a.restarts
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    in_mask1 = (torch.arange(W) < cfg.max_inputs).float()[None, :]

    def search_loss(z, k, t, x, y, temperature):
        raw = model.decode(z, k)
        net, sparsity, gate_std, gate_mean = _soft_candidates(raw, t, in_mask1, temperature,
                                                              smooth_std=True)
        mse = ((net.forward(x) - y) ** 2).mean(-1)
        s = _SEARCH
        return mse + a.alpha * sparsity - s.gate_weight * gate_std + s.compactness_weight * gate_mean, mse

    t0, step, log = time.time(), 0, []
    while time.time() - t0 < a.minutes * 60 and (a.max_steps is None or step < a.max_steps):
        in_mask = in_mask1.expand(B, W)
        x = sample_points(in_mask, a.points, gen)
        y = random_targets(x, in_mask, gen)
        meta, finals = 0.0, []
        for k in range(1, 5):
            model.eval()
            with torch.no_grad():
                starts = []
                for b in range(B):
                    zoo = _zoo_start(model, k, R // 2, x[b], y[b], torch.ones(a.points), _ZOO_DRAWS, gen,
                                     "cpu")
                    starts.append(torch.cat([zoo, torch.randn((R - R // 2, W, cfg.d_model), generator=gen)]))
                z = torch.cat(starts)
            model.train()
            xc, yc = x.repeat_interleave(R, 0), y.repeat_interleave(R, 0)
            t = torch.zeros(B * R)
            m, v = torch.zeros_like(z), torch.zeros_like(z)
            k1 = int(torch.randint(0, a.k1_max + 1, (1,), generator=gen))
            b1, b2, eps = 0.9, 0.999, 1e-8
            for i in range(k1 + a.k2):
                if i <= k1:  # no graph through the first k1 steps
                    z, m, v = z.detach().requires_grad_(True), m.detach(), v.detach()
                loss, _ = search_loss(z, k, t, xc, yc, _temperature(i))
                (g,) = torch.autograd.grad(loss.sum(), z, create_graph=i >= k1)
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                m_hat, v_hat = m / (1 - b1 ** (i + 1)), v / (1 - b2 ** (i + 1))
                z = z - _SEARCH.lr * m_hat / (torch.sqrt(v_hat + 1e-12) + eps)
            loss, mse = search_loss(z, k, t, xc, yc, _temperature(k1 + a.k2))
            meta = meta + torch.log(mse + 1e-4).mean() + (loss - mse).mean()
            finals.append(float(mse.detach().view(B, R).min(1).values.mean()))
        nets, xz, yz = sample_zoo_batch(64, W, cfg.max_inputs, variable_inputs=cfg.variable_inputs,
                                        n_points=64, generator=gen, sparsity_levels=_ZOO_LEVELS)
        zc = model.encode(nets)
        rec = reconstruction_loss(model, zc, canonicalize(nets))
        func = torch.log1p(functional_errors(model, zc, nets, xz, yz).min(1).values).mean()
        total = meta / 4 + a.rec_weight * (rec + func)
        opt.zero_grad()
        step += 1
        if not torch.isfinite(total):
            print(f"step {step}: non-finite loss, skipped", flush=True)
            continue
        total.backward()
        if not torch.isfinite(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)):
            print(f"step {step}: non-finite gradient, skipped", flush=True)
            continue
        opt.step()
        log.append(finals)
        if step % 10 == 0:
            recent = np.array(log[-10:]).mean(0).round(4)
            print(f"{step} {time.time() - t0:.0f}s descent MSE by depth {recent} "
                  f"rec {float(rec):.4f} func {float(func):.4f}", flush=True)

    model.eval()
    # The description of the checkpoint started from, with what this run did added; written
    # atomically, with the umask's permissions, by the package's own save_checkpoint.
    extra = {k: v for k, v in load_checkpoint_info(a.init).items() if k not in WRITTEN_KEYS}
    extra["descent_finetune"] = {"steps": step, "minutes": round((time.time() - t0) / 60, 1),
                                 "settings": vars(a)}
    weights = save_checkpoint(model, "cornn", Path(a.out), extra=extra)
    print("saved", weights, "after", step, "steps")


if __name__ == "__main__":
    main()
