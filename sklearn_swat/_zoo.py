"""The random network zoo of DESIGN section 3, generated on the fly from a seed."""

from __future__ import annotations

import math
from dataclasses import replace

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
    whose neurons all came out off gets one of them switched on, so that every
    layer has a neuron on (a network can still be constant in effect where the
    sparsity zeroes the weights on its paths: 13 to 20% of the networks at
    sparsity 0.4, by depth).

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
    weights = weights * (torch.rand(weights.shape, generator=g, dtype=torch.float32) >= sparsity)
    weights[:, 0] *= in_mask[:, :, None]
    if tuple(weight_scales) != (1.0,):
        scales = torch.as_tensor(weight_scales, dtype=dtype)
        weights = weights * scales[torch.randint(0, len(scales), (n,), generator=g)].view(n, 1, 1, 1)
    out_w = _uniform((n, width), -WEIGHT_RANGE, WEIGHT_RANGE, g, dtype)
    out_w = out_w * (torch.rand(out_w.shape, generator=g, dtype=torch.float32) >= sparsity)
    biases = _uniform((n, depth, width), -BIAS_RANGE, BIAS_RANGE, g, dtype)
    out_b = _uniform((n,), -BIAS_RANGE, BIAS_RANGE, g, dtype)
    gates = (torch.rand((n, depth, width), generator=g, dtype=torch.float32) < gate_prob).to(dtype)
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


def random_targets(x: torch.Tensor, in_mask: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random smooth functions on each network's points, scaled to [-1, 1].

    Each function is drawn from one of four generic families (none of them a
    benchmark function): a sum of one to three sine waves of random
    direction and frequency, a sum of one to three Gaussian bumps, a random
    polynomial of degree at most 3 (a quadratic form plus a cubed ridge), or
    a ridge ``g(v . x + c)`` with ``g`` one of ``|t|``, ``t**2``,
    ``tanh(3 t)`` and ``exp(t)``.

    Parameters
    ----------
    x : Tensor of shape (B, P, W)
        Points, zero on the absent inputs.
    in_mask : Tensor of shape (B, W)
    generator : torch.Generator

    Returns
    -------
    y : Tensor of shape (B, P)
        Each row scaled to span [-1, 1] (a row that came out constant is 0).
    """
    g, dt = generator, x.dtype
    B, P, W = x.shape
    m = in_mask[:, None, :]

    def normal(*shape):
        return torch.randn(shape, generator=g, dtype=dt)

    def uniform(low, high, *shape):
        return _uniform(shape, low, high, g, dt)

    def one_to_three_terms():
        return (torch.arange(3)[None, :] < torch.randint(1, 4, (B, 1), generator=g)).to(dt)

    # Sines: sum_j a_j sin(omega_j . x + phi_j), |omega_j| up to about 3 pi.
    on = one_to_three_terms()
    omega = normal(B, 3, W) * m * uniform(0.5, 3.0, B, 3, 1)
    sines = (uniform(-1, 1, B, 1, 3) * on[:, None, :]
             * torch.sin(x @ omega.transpose(1, 2) + uniform(0, 2 * torch.pi, B, 1, 3))).sum(-1)
    # Bumps: sum_j a_j exp(-|x - c_j|^2 / (2 s_j^2)).
    on = one_to_three_terms()
    centres = uniform(-1, 1, B, 3, W) * m
    d2 = ((x[:, :, None, :] - centres[:, None]) ** 2).sum(-1)
    bumps = (uniform(-1, 1, B, 1, 3) * on[:, None, :]
             * torch.exp(-d2 / (2 * uniform(0.2, 0.8, B, 1, 3) ** 2))).sum(-1)

    def ridge_direction():
        return (x @ (normal(B, W, 1) * m.transpose(1, 2))).squeeze(-1)

    # Polynomials: x' A x + b . x + (v . x)^3.
    A = normal(B, W, W) * m * in_mask[:, :, None]
    poly = ((x @ A) * x).sum(-1) + (x * normal(B, 1, W)).sum(-1) + ridge_direction() ** 3
    # Ridges: g(v . x + c).
    t = ridge_direction() + uniform(-0.5, 0.5, B, 1)
    kind = torch.randint(0, 4, (B, 1), generator=g)
    ridge = torch.where(kind == 0, t.abs(), torch.where(kind == 1, t ** 2, torch.where(
        kind == 2, torch.tanh(3 * t), torch.exp(t.clamp(max=10)))))
    family = torch.randint(0, 4, (B, 1), generator=g)
    y = torch.where(family == 0, sines, torch.where(family == 1, bumps,
                                                    torch.where(family == 2, poly, ridge)))
    low, high = y.min(dim=1, keepdim=True).values, y.max(dim=1, keepdim=True).values
    span = high - low
    return torch.where(span > 1e-6, 2 * (y - low) / span.clamp(min=1e-6) - 1, torch.zeros_like(y))


def fit_networks(nets: NetworkBatch, x: torch.Tensor, y: torch.Tensor, *, steps: int = 600,
                 lr: float = 0.2) -> tuple[NetworkBatch, torch.Tensor]:
    """Train each network's weights and biases to fit its own target, architecture fixed.

    Adam on the sum of the networks' MSEs; the zero weights stay zero, and
    the gates and activations do not change. After every step the weights
    are clipped to the zoo's range (U(-5, 5)) and the biases to theirs
    (U(-1, 1)), so that the trained networks stay where the encoder was
    trained.

    Parameters
    ----------
    nets : NetworkBatch
        The starting networks (their weights are the initialisation).
    x : Tensor of shape (B, P, W)
    y : Tensor of shape (B, P)
    steps : int, default=600
    lr : float, default=0.2

    Returns
    -------
    nets : NetworkBatch
        The trained networks (new tensors; ``nets`` is not changed).
    mse : Tensor of shape (B,)
        Each network's final MSE on its points.
    """
    w_mask = (nets.weights != 0).to(nets.weights.dtype)
    ow_mask = (nets.out_w != 0).to(nets.out_w.dtype)
    params = [t.detach().clone().requires_grad_(True)
              for t in (nets.weights, nets.biases, nets.out_w, nets.out_b)]
    opt = torch.optim.Adam(params, lr=lr)

    def current() -> NetworkBatch:
        w, b, ow, ob = params
        return replace(nets, weights=w * w_mask, biases=b, out_w=ow * ow_mask, out_b=ob)

    for _ in range(steps):
        loss = ((current().forward(x) - y) ** 2).mean(dim=1).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for p, bound in zip(params, (WEIGHT_RANGE, BIAS_RANGE, WEIGHT_RANGE, BIAS_RANGE)):
                p.clamp_(-bound, bound)
    with torch.no_grad():
        for p in params:
            p.requires_grad_(False)
        out = current()
        mse = ((out.forward(x) - y) ** 2).mean(dim=1)
    return out, mse


def distill_networks(deep: NetworkBatch, depth: int, x: torch.Tensor, y: torch.Tensor, *,
                     max_inputs: int, generator: torch.Generator, gate_prob: float = 0.5,
                     steps: int = 300) -> tuple[NetworkBatch, torch.Tensor]:
    """Networks of another ``depth`` trained to the outputs ``y`` of ``deep`` at ``x``.

    Each starts from a zoo network of that depth and ``deep``'s width (drawn
    with ``generator`` at sparsity 0, gates on with probability
    ``gate_prob``), reading only the inputs of its deeper network, and is
    trained by :func:`fit_networks`.

    Returns
    -------
    nets : NetworkBatch
    mse : Tensor of shape (B,)
        Each network's final MSE to its deeper network's outputs.
    """
    init = sample_networks(deep.batch_size, depth, 0.0, deep.width, max_inputs, generator=generator,
                           gate_prob=gate_prob)
    init.weights[:, 0] *= deep.in_mask[:, :, None]  # the deeper network's inputs only
    init.in_mask = deep.in_mask
    return fit_networks(init, x, y, steps=steps)


def _switch_off_dead(nets: NetworkBatch) -> NetworkBatch:
    """``nets`` with every neuron whose output reaches nothing switched off and zeroed.

    From the last hidden layer down: a neuron is dead when all its outgoing
    weights (to switched-on neurons, or to the output) are zero; its gate,
    incoming weights and bias are then zeroed.
    """
    w, b, gates, out_w = nets.weights.clone(), nets.biases.clone(), nets.gates.clone(), nets.out_w
    k = nets.depth
    for layer in range(k - 1, -1, -1):
        # The layer above is done: its switched-off neurons' incoming weights are zero.
        used = out_w != 0 if layer == k - 1 else (w[:, layer + 1] != 0).any(-1)
        gates[:, layer] = gates[:, layer] * used
        w[:, layer] = w[:, layer] * (gates[:, layer, None, :] > 0)
        b[:, layer] = b[:, layer] * (gates[:, layer] > 0)
    return replace(nets, weights=w, biases=b, gates=gates)


def _strongest_paths(nets: NetworkBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """Each network's strongest input-to-output path, as masks of its weights.

    The path is the chain of weights, one per layer and one output weight,
    through switched-on neurons from a real input, whose product of
    magnitudes is largest (found layer by layer, keeping for each neuron
    its best chain from the inputs). A network without such a chain of
    non-zero weights (a constant one) gets empty masks.

    Returns
    -------
    weights : bool Tensor of shape (B, k, W, W)
    out_w : bool Tensor of shape (B, W)
    """
    rows = torch.arange(nets.batch_size, device=nets.weights.device)
    score = nets.in_mask.to(nets.weights.dtype)  # best chain's magnitude up to each source
    back = []
    for layer in range(nets.depth):
        best, source = (score[:, :, None] * nets.weights[:, layer].abs()).max(1)
        score = best * (nets.gates[:, layer] > 0)
        back.append(source)
    final = score * nets.out_w.abs()
    found = final.amax(1) > 0
    j = final.argmax(1)
    w_keep = torch.zeros(nets.weights.shape, dtype=torch.bool, device=nets.weights.device)
    ow_keep = torch.zeros(nets.out_w.shape, dtype=torch.bool, device=nets.weights.device)
    ow_keep[rows, j] = found
    for layer in range(nets.depth - 1, -1, -1):
        i = back[layer][rows, j]
        w_keep[rows, layer, i, j] = found
        j = i
    return w_keep, ow_keep


def prune_networks(nets: NetworkBatch, x: torch.Tensor, y: torch.Tensor, keep: torch.Tensor, *,
                   rounds: int = 4, steps: int = 200) -> tuple[NetworkBatch, torch.Tensor]:
    """Iterative magnitude pruning of trained networks, each retrained after every cut.

    Over ``rounds`` rounds each network's non-zero weights (hidden and
    output) fall geometrically to ``keep``: the smallest in magnitude are
    zeroed, neurons that then reach nothing are switched off, and the rest
    is retrained by :func:`fit_networks` for ``steps`` steps. Each cut keeps
    the network's strongest input-to-output path (the chain of weights with
    the largest product of magnitudes), so that no network loses every path
    to the output (a network can still end constant in effect where the
    retraining saturates its neurons). Architectures chosen this way are the
    ones a function needs, unlike the zoo's random ones.

    Parameters
    ----------
    nets : NetworkBatch
        Trained networks.
    x : Tensor of shape (B, P, W)
    y : Tensor of shape (B, P)
    keep : Tensor of shape (B,)
        Non-zero weights each network ends with (at most; a network keeps
        its strongest path of ``k + 1`` weights even where ``keep`` is
        smaller, and ends with fewer where a cut switches neurons off).
    rounds : int, default=4
    steps : int, default=200

    Returns
    -------
    nets : NetworkBatch
    mse : Tensor of shape (B,)
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1; got {rounds}.")
    B = nets.batch_size
    start = ((nets.weights != 0).flatten(1).sum(1) + (nets.out_w != 0).sum(1)).to(torch.float64)
    for r in range(1, rounds + 1):
        target = torch.minimum(start, torch.round(start * (keep / start.clamp(min=1)) ** (r / rounds)))
        w_keep, ow_keep = _strongest_paths(nets)
        mags = torch.cat([nets.weights.abs().flatten(1), nets.out_w.abs()], dim=1)
        # The path's weights rank first: they are kept and count towards the target.
        mags = mags.masked_fill(torch.cat([w_keep.flatten(1), ow_keep], dim=1), math.inf)
        order = torch.sort(mags, dim=1, descending=True).values
        idx = (target.long() - 1).clamp(min=0, max=mags.shape[1] - 1)
        cut = order[torch.arange(B), idx].clamp(min=1e-12)
        w = nets.weights * ((nets.weights.abs() >= cut.view(B, 1, 1, 1)) | w_keep)
        ow = nets.out_w * ((nets.out_w.abs() >= cut.view(B, 1)) | ow_keep)
        nets = _switch_off_dead(replace(nets, weights=w, out_w=ow))
        nets, mse = fit_networks(nets, x, y, steps=steps)
    return nets, mse


def fitted_zoo(n: int, depth: int, width: int, max_inputs: int, *, variable_inputs: bool,
               generator: torch.Generator, sparsity_levels: tuple[float, ...] = SPARSITY_LEVELS,
               gate_prob: float = 0.5, n_points: int = 256, steps: int = 600,
               chunk: int = 1024, prune_rounds: int = 0,
               keep_range: tuple[int, int] = (5, 48)) -> tuple[NetworkBatch, torch.Tensor]:
    """``n`` zoo networks of one depth, each trained on a random smooth function.

    The architectures (zeros, gates, activations) and starting weights are
    drawn as in :func:`sample_networks`, the sparsity level per chunk from
    ``sparsity_levels``; the targets by :func:`random_targets`; the training
    by :func:`fit_networks`.

    Parameters
    ----------
    n, depth, width, max_inputs, variable_inputs, generator, sparsity_levels, gate_prob
        As in :func:`sample_networks` and :func:`sample_zoo_batch`.
    n_points : int, default=256
        Points per network to train on, uniform in [-1, 1].
    steps : int, default=600
        Adam steps of :func:`fit_networks`.
    chunk : int, default=1024
        Networks trained together (one sparsity level each).
    prune_rounds : int, default=0
        When positive, each network starts dense (sparsity 0, every neuron
        on), is trained, then cut down by :func:`prune_networks` in this many
        rounds (each retrained for ``steps // 2`` steps) to a number of
        non-zero weights drawn log-uniformly in ``keep_range`` times ``depth``;
        ``sparsity_levels`` and ``gate_prob`` are then not used.
    keep_range : tuple of int, default=(5, 48)
        Smallest and largest number of non-zero weights a pruned network of
        one hidden layer keeps (a deeper one: times its depth).

    Returns
    -------
    nets : NetworkBatch
    mse : Tensor of shape (n,)
        Each network's final MSE on its target (which spans [-1, 1]).
    """
    g = generator
    parts, errs = [], []
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        sparsity = sparsity_levels[int(torch.randint(0, len(sparsity_levels), (1,), generator=g))]
        if prune_rounds > 0:
            sparsity, gate_prob = 0.0, 1.0
        nets = sample_networks(m, depth, sparsity, width, max_inputs, variable_inputs=variable_inputs,
                               generator=g, gate_prob=gate_prob)
        x = sample_points(nets.in_mask, n_points, g)
        y = random_targets(x, nets.in_mask, g)
        nets, err = fit_networks(nets, x, y, steps=steps)
        if prune_rounds > 0:
            low, high = (float(v) * depth for v in keep_range)
            keep = torch.round(torch.exp(_uniform((m,), math.log(low), math.log(high), g, torch.float64)))
            nets, err = prune_networks(nets, x, y, keep, rounds=prune_rounds, steps=max(1, steps // 2))
        parts.append(nets)
        errs.append(err)
    return NetworkBatch.cat(parts), torch.cat(errs)
