"""The random network zoo of DESIGN section 3, generated on the fly from a seed."""

from __future__ import annotations

import torch

from ._encoding import N_ACT, NetworkBatch
from ._network import MAX_DEPTH

SPARSITY_LEVELS: tuple[float, ...] = (0.0, 0.2, 0.4)
WEIGHT_RANGE = 5.0
# Multipliers of the hidden weights (the paper's zoo: none).
WEIGHT_SCALES: tuple[float, ...] = (1.0,)
BIAS_RANGE = 1.0


def _uniform(shape, low, high, gen, dtype) -> torch.Tensor:
    return torch.rand(shape, generator=gen, dtype=dtype) * (high - low) + low


def sample_networks(
    n: int,
    depth: int,
    sparsity: float,
    width: int,
    max_inputs: int,
    *,
    variable_inputs: bool = False,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
    gate_prob: float = 0.5,
    weight_scales: tuple[float, ...] = WEIGHT_SCALES,
) -> NetworkBatch:
    """Draw ``n`` random networks of one depth and sparsity level.

    Weights are U(-5, 5), each zeroed with probability ``sparsity``; biases
    are U(-1, 1); each hidden neuron is on with probability ``gate_prob`` and takes one
    of the three activations uniformly. One departure from the paper: a layer
    whose neurons all came out off gets one of them switched on, so that no
    zoo network is a constant.

    Parameters
    ----------
    n : int
        Number of networks.
    depth : int
        Number of hidden layers, 1 to 4.
    sparsity : float
        Probability that a weight is zero.
    width : int
        Neurons per hidden layer ``W``.
    max_inputs : int
        Number of inputs (the largest number when ``variable_inputs``).
    variable_inputs : bool, default=False
        Draw each network's number of inputs uniformly in ``1..max_inputs``;
        the absent inputs are zero rows.
    generator : torch.Generator
        Source of randomness.
    dtype : torch.dtype, default=torch.float32
    gate_prob : float, default=0.5
        Probability that a hidden neuron is on (the paper's 1/2).
    weight_scales : tuple of float, default=(1.0,)
        Each network's hidden weights (not its output weights) are
        multiplied by one of these, drawn uniformly per network: below 1,
        sigmoid and tanh neurons work on the smooth part of their curve
        instead of as steps. The default, the paper's zoo, draws nothing.

    Returns
    -------
    NetworkBatch
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be in 1..{MAX_DEPTH}; got {depth}.")
    if not 1 <= max_inputs <= width:
        raise ValueError(f"max_inputs must be in 1..width={width}; got {max_inputs}.")
    g = generator
    if variable_inputs:
        n_in = torch.randint(1, max_inputs + 1, (n,), generator=g)
    else:
        n_in = torch.full((n,), max_inputs)
    in_mask = (torch.arange(width)[None, :] < n_in[:, None]).to(dtype)
    weights = _uniform((n, depth, width, width), -WEIGHT_RANGE, WEIGHT_RANGE, g, dtype)
    weights = weights * (torch.rand(weights.shape, generator=g) >= sparsity)
    weights[:, 0] *= in_mask[:, :, None]
    if tuple(weight_scales) != (1.0,):
        scales = torch.as_tensor(weight_scales, dtype=dtype)
        weights = weights * scales[torch.randint(0, len(scales), (n,), generator=g)].view(n, 1, 1, 1)
    out_w = _uniform((n, width), -WEIGHT_RANGE, WEIGHT_RANGE, g, dtype)
    out_w = out_w * (torch.rand(out_w.shape, generator=g) >= sparsity)
    biases = _uniform((n, depth, width), -BIAS_RANGE, BIAS_RANGE, g, dtype)
    out_b = _uniform((n,), -BIAS_RANGE, BIAS_RANGE, g, dtype)
    gates = (torch.rand((n, depth, width), generator=g) < gate_prob).to(dtype)
    rescue = torch.randint(0, width, (n, depth), generator=g)
    dead = gates.sum(-1) == 0
    gates[dead.nonzero(as_tuple=True) + (rescue[dead],)] = 1.0
    act_id = torch.randint(0, N_ACT, (n, depth, width), generator=g)
    act = torch.nn.functional.one_hot(act_id, N_ACT).to(dtype)
    unit_mask = torch.ones((n, depth, width), dtype=dtype)
    return NetworkBatch(weights, biases, act, gates, out_w, out_b, in_mask, unit_mask)


def sample_points(in_mask: torch.Tensor, n_points: int, generator: torch.Generator) -> torch.Tensor:
    """Points uniform in [-1, 1] on each network's inputs, zero elsewhere.

    Parameters
    ----------
    in_mask : Tensor of shape (B, W)
    n_points : int
    generator : torch.Generator

    Returns
    -------
    x : Tensor of shape (B, n_points, W)
    """
    B, W = in_mask.shape
    x = torch.rand((B, n_points, W), generator=generator, dtype=in_mask.dtype) * 2 - 1
    return x * in_mask[:, None, :]


def sample_zoo_batch(
    n: int,
    width: int,
    max_inputs: int,
    *,
    variable_inputs: bool,
    n_points: int,
    generator: torch.Generator,
    depth: int | None = None,
    sparsity_levels: tuple[float, ...] = SPARSITY_LEVELS,
    gate_prob: float = 0.5,
    weight_scales: tuple[float, ...] = WEIGHT_SCALES,
) -> tuple[NetworkBatch, torch.Tensor, torch.Tensor]:
    """One training batch: a depth and a sparsity level drawn, then networks and their function.

    ``sparsity_levels``, ``gate_prob`` and ``weight_scales`` change the zoo (see
    :func:`sample_networks`); the defaults are the paper's.

    Returns
    -------
    networks : NetworkBatch
    x : Tensor of shape (n, n_points, width)
    y : Tensor of shape (n, n_points)
        The networks' outputs on ``x``.
    """
    g = generator
    if depth is None:
        depth = int(torch.randint(1, MAX_DEPTH + 1, (1,), generator=g))
    sparsity = sparsity_levels[int(torch.randint(0, len(sparsity_levels), (1,), generator=g))]
    nets = sample_networks(
        n, depth, sparsity, width, max_inputs, variable_inputs=variable_inputs, generator=g,
        gate_prob=gate_prob, weight_scales=weight_scales,
    )
    x = sample_points(nets.in_mask, n_points, g)
    with torch.no_grad():
        y = nets.forward(x)
    return nets, x, y
