"""Do the networks ``swat`` returns lie in its autoencoder's latent space?

Fits the benchmark's ``swat`` on every CORNN function (one seed), then passes each fitted
network through the bundled autoencoder (encode, decode at its own depth, hard decode) and
prints how far it lies from the zoo the autoencoder was trained on: its largest weight and
hidden bias against the zoo's ranges, and its relative reconstruction error (MSE between the
network and its reconstruction over uniform inputs, over the variance of the network's
output; 1 is no better than the mean), as fitted and after clipping its weights and biases
into the zoo's ranges. A zoo network's error is below 0.01 in the median
(``python -m sklearn_swat.pretrain evaluate``).

A fitted :class:`~sklearn_swat._network.SparseMLP` is compact (only its active neurons);
the zoo's layout keeps all ``width`` neuron slots of a layer, switched-off ones gated, so
the batch is given every slot (``unit_mask`` of ones) before it is encoded. Without that the
encoder sees a layout it was never trained on, and even zoo networks come back wrong.

Usage::

    python benchmarks/fitted_reconstruction.py --data-home ../shared/cornn --n-jobs 2
"""

from __future__ import annotations

import argparse
import copy

import numpy as np
import torch
from joblib import Parallel, delayed


def fitted_network(name: str, seed: int, data_home: str | None):
    """The network of the benchmark's ``swat`` on one function."""
    from sklearn_swat.benchmark import make_estimator
    from sklearn_swat.datasets import load_cornn

    X_train, _, y_train, _ = load_cornn(name, data_home=data_home)
    return make_estimator("swat", seed).fit(X_train, y_train).network_


def relative_error(model, batch, x: torch.Tensor) -> float:
    """MSE between ``batch``'s one network and its reconstruction, over its output variance."""
    from sklearn_swat._autoencoder import hard_network

    with torch.no_grad():
        rec = hard_network(model.decode(model.encode(batch), batch.depth), batch.in_mask)
        f, r = batch.forward(x), rec.forward(x)
    return float(((f - r) ** 2).mean() / f.var().clamp(min=1e-12))


def main(argv: list[str] | None = None) -> int:
    from sklearn_swat._checkpoints import load_autoencoder
    from sklearn_swat._encoding import batch_from_networks
    from sklearn_swat._zoo import BIAS_RANGE, WEIGHT_RANGE
    from sklearn_swat.datasets import cornn_names

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--checkpoint", default="cornn", help="a bundled name or a path")
    args = parser.parse_args(argv)

    model = load_autoencoder(args.checkpoint)
    width = model.config.width
    names = cornn_names()
    nets = Parallel(n_jobs=args.n_jobs)(delayed(fitted_network)(n, args.seed, args.data_home) for n in names)
    points = torch.rand(4000, width, generator=torch.Generator().manual_seed(0)) * 2 - 1
    rows = []
    for name, net in zip(names, nets):
        if net.n_nonzero <= 1:
            continue  # the constant network: nothing to encode
        x = points * (torch.arange(width) < net.n_inputs)
        batch = batch_from_networks([net], width)
        batch.unit_mask = torch.ones_like(batch.unit_mask)
        clipped = copy.copy(batch)
        clipped.weights = batch.weights.clamp(-WEIGHT_RANGE, WEIGHT_RANGE)
        clipped.out_w = batch.out_w.clamp(-WEIGHT_RANGE, WEIGHT_RANGE)
        clipped.biases = batch.biases.clamp(-BIAS_RANGE, BIAS_RANGE)
        clipped.out_b = batch.out_b.clamp(-BIAS_RANGE, BIAS_RANGE)
        rows.append((name, max(float(np.abs(c).max()) for c in net.coefs),
                     max(float(np.abs(b).max()) for b in net.intercepts[:-1]),
                     relative_error(model, batch, x), relative_error(model, clipped, x)))
    w, b, err, err_clipped = (np.array([r[i] for r in rows]) for i in range(1, 5))
    print(f"{len(rows)} fitted networks (the non-constant ones of {len(names)}; swat, seed {args.seed})")
    print(f"largest |weight|: median {np.median(w):.2f}; "
          f"above the zoo's {WEIGHT_RANGE:g} on {(w > WEIGHT_RANGE).sum()}")
    print(f"largest |hidden bias|: median {np.median(b):.2f}; "
          f"above the zoo's {BIAS_RANGE:g} on {(b > BIAS_RANGE).sum()}")
    for label, e in (("as fitted", err), ("clipped into the zoo's ranges", err_clipped)):
        q1, q2, q3 = np.quantile(e, [0.25, 0.5, 0.75])
        print(f"relative reconstruction error, {label}: quartiles {q1:.3g} {q2:.3g} {q3:.3g}; "
              f"below 0.1 on {(e < 0.1).sum()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
