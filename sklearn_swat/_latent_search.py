"""The batched latent descent of DESIGN section 5 and the final hard decode.

All restarts of all depths are optimised together: one latent code per
candidate, one decode and one batched forward of that depth's candidate
networks per depth and step, over a mini-batch of rows. The code each
candidate keeps is judged on fixed rows, the same every step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ._autoencoder import MultiScaleAutoencoder, hard_network
from ._encoding import N_ACT, NetworkBatch
from ._network import ACTIVATIONS, MAX_DEPTH, SparseMLP
from ._polish import polish, subsample
from ._zoo import SPARSITY_LEVELS, WEIGHT_RANGE, WEIGHT_SCALES, sample_networks

# Sharpness of the soft weight mask and of the gates (DESIGN section 5).
_MASK_SHARPNESS = 200.0
_COUNT_SHARPNESS = 20.0
_COUNT_WEIGHT = 0.01
_L1_WEIGHT = 0.1
_THRESHOLD_MAX = 3.0
# Rows on which the descent judges which code to keep.
_EVAL_ROWS = 1024
# Rows per block of a full-data forward without gradient.
_FORWARD_BLOCK = 65536


@dataclass
class SearchSettings:
    """Settings of one latent search (the estimator's parameters, resolved).

    The defaults are those ``SWATRegressor()``'s defaults resolve to.
    """

    depths: tuple[int, ...] = (1, 2, 3, 4)
    n_restarts: int = 4
    max_iter: int = 120
    lr: float = 0.1
    threshold_lr: float = 0.02
    batch_size: int = 256
    temperature_start: float = 1.0
    temperature_end: float = 0.01
    anneal_iter: int = 45
    alpha: float = 1e-3
    gate_weight: float = 0.4
    compactness_weight: float = 1e-3
    init: str = "mixed"
    activations: str = "mixed"
    n_zoo: int = 1024
    refine_iter: int = 0
    refine_lr: float = 0.02
    refine_top: int | None = 1
    polish_iter: int = 250
    polish_solver: str = "lbfgs"


@dataclass
class Candidate:
    """One restart of one depth after the search (and refinement)."""

    depth: int
    restart: int
    network: SparseMLP
    search_loss: float


def _weight_sum(w: torch.Tensor) -> torch.Tensor:
    """``w.sum()``, at least the dtype's smallest normal number.

    Weights far below the largest (1e-50 of it) underflow to zero in
    float32; a batch of such rows then has loss 0, not 0 / 0.
    """
    return w.sum().clamp(min=torch.finfo(w.dtype).tiny)


def _weighted_mse(pred: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Per candidate weighted MSE; ``pred`` (C, n), ``y`` and ``w`` (n,)."""
    return ((pred - y) ** 2 * w).sum(-1) / _weight_sum(w)


@torch.no_grad()
def _weighted_mse_blocks(nets: NetworkBatch, X: torch.Tensor, y: torch.Tensor, w: torch.Tensor,
                         block: int | None = None) -> torch.Tensor:
    """:func:`_weighted_mse` of every network of ``nets`` on ``X``, a block of rows at a time.

    The intermediate tensors of one forward hold (networks x rows x width)
    values each; a block keeps them a few MB on large data. With at most
    ``block`` rows it is one forward, as :func:`_weighted_mse`.
    """
    block = _FORWARD_BLOCK if block is None else block
    if X.shape[0] <= block:
        return _weighted_mse(nets.forward(X), y, w)
    total = sum(((nets.forward(X[i:i + block]) - y[i:i + block]) ** 2 * w[i:i + block]).sum(-1)
                for i in range(0, X.shape[0], block))
    return total / _weight_sum(w)


def _penalised(mse: torch.Tensor, s: SearchSettings, sparsity: torch.Tensor, gate_std: torch.Tensor,
               gate_mean: torch.Tensor) -> torch.Tensor:
    """The descent's loss of DESIGN section 5: MSE plus the sparsity, gate and compactness terms."""
    return mse + s.alpha * sparsity - s.gate_weight * gate_std + s.compactness_weight * gate_mean


def _rows(n: int, batch_size: int, gen: torch.Generator, device="cpu") -> torch.Tensor | None:
    if n <= batch_size:
        return None
    return torch.randint(0, n, (batch_size,), generator=gen).to(device)


def _affine_fit(nets: NetworkBatch, X: torch.Tensor, y: torch.Tensor,
                w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each network's weighted MSE after the best affine map ``a * f + c`` of its output.

    The scale ``a`` keeps the output weights inside the zoo's range.
    """
    f = nets.forward(torch.nn.functional.pad(X, (0, nets.width - X.shape[1])))  # (Z, n)
    wn = w / _weight_sum(w)
    fm = (f * wn).sum(1, keepdim=True)
    ym = (y * wn).sum()
    cov = ((f - fm) * (y - ym) * wn).sum(1)
    var = ((f - fm) ** 2 * wn).sum(1).clamp(min=1e-12)
    a = cov / var
    # Keep the rescaled output weights inside the range the encoder knows.
    amax = WEIGHT_RANGE / nets.out_w.abs().amax(1).clamp(min=1e-6)
    a = torch.maximum(torch.minimum(a, amax), -amax)
    c = ym - a * fm.squeeze(1)
    mse = (((a[:, None] * f + c[:, None]) - y) ** 2 * wn).sum(1)
    return mse, a, c


def _with_affine(nets: NetworkBatch, idx: torch.Tensor, a: torch.Tensor, c: torch.Tensor) -> NetworkBatch:
    """Networks ``idx`` of ``nets`` with their output maps ``a * f + c`` folded in."""
    chosen = nets.index(idx)
    chosen.out_w = chosen.out_w * a[idx, None]
    chosen.out_b = chosen.out_b * a[idx] + c[idx]
    return chosen


@torch.no_grad()
def best_fitting(nets: NetworkBatch, n: int, X: torch.Tensor, y: torch.Tensor,
                 w: torch.Tensor) -> NetworkBatch:
    """The ``n`` networks of ``nets`` that fit ``(X, y)`` best after an affine map of their output.

    Each network's output is matched to the target by the best affine map
    (its output weights scaled, within the zoo's range, and its output bias
    shifted), which the returned networks carry; they are ranked by the
    weighted MSE that leaves. ``X`` is padded to the networks' width.
    """
    mse, a, c = _affine_fit(nets, X, y, w)
    return _with_affine(nets, torch.argsort(mse)[:n], a, c)


_ANY = (True,) * N_ACT
_SMOOTH = tuple(name != "leaky_relu" for name in ACTIVATIONS)
# The activation a neuron takes when its own is not allowed: the first allowed of these.
_REPLACEMENT_ORDER = ("tanh", "sigmoid", "leaky_relu")


def _only(nets: NetworkBatch, allowed: tuple[bool, ...]) -> NetworkBatch:
    """The same networks with each neuron of an activation not ``allowed`` given an allowed one.

    The replacement is tanh where it is allowed, else the one activation
    allowed.
    """
    if all(allowed):
        return nets
    to = next(ACTIVATIONS.index(n) for n in _REPLACEMENT_ORDER if allowed[ACTIVATIONS.index(n)])
    act = nets.act.clone()
    for k in range(N_ACT):
        if not allowed[k]:
            act[..., to] += act[..., k]
            act[..., k] = 0.0
    return NetworkBatch(nets.weights, nets.biases, act, nets.gates, nets.out_w, nets.out_b,
                        nets.in_mask, nets.unit_mask)


# The paper's zoo, whose U(-5, 5) weights were chosen for CORNN: two inputs.
_PAPER_ZOO_INPUTS = 2
# Multipliers of a start network's hidden weights beyond two inputs, one drawn per network.
_WIDE_START_SCALES = (1.0, 0.5, 0.25)


def _start_zoo(per_level: int, depth: int, width: int, n_inputs: int, gen: torch.Generator) -> NetworkBatch:
    """The random networks the zoo starts are chosen among, ``per_level`` per sparsity level.

    On two inputs or fewer, the paper's zoo (:func:`sample_networks` at each
    of :data:`SPARSITY_LEVELS`). On more, a first-layer neuron sums more
    weights of U(-5, 5): its pre-activation over inputs in [-1, 1] spreads
    as the square root of their number (a standard deviation of about 2.4
    on two inputs, 6.7 on sixteen, before the zoo's sparsity zeroes some
    weights: about 2.1 and 6 over the zoo), its sigmoid or tanh saturates, and the
    zoo's networks are near step functions, far from a smooth target. There
    the first layer's weights are multiplied by ``sqrt(2 / n_inputs)`` (back
    to two inputs' spread) and each network's hidden weights by one of 1,
    1/2 and 1/4, drawn (the ``weight_scales`` of :func:`sample_networks`).
    The networks stay inside the weight range the encoder was trained on.
    """
    wide = n_inputs > _PAPER_ZOO_INPUTS
    nets = NetworkBatch.cat([
        sample_networks(per_level, depth, s, width, n_inputs, generator=gen,
                        weight_scales=_WIDE_START_SCALES if wide else WEIGHT_SCALES)
        for s in SPARSITY_LEVELS
    ])
    if wide:
        nets.weights[:, 0] *= math.sqrt(_PAPER_ZOO_INPUTS / n_inputs)
    return nets


@torch.no_grad()
def _zoo_start(model: MultiScaleAutoencoder, depth: int, n: int, X: torch.Tensor, y: torch.Tensor,
               w: torch.Tensor, n_zoo: int, gen: torch.Generator, device, *,
               allowed: list[tuple[bool, ...]] | None = None) -> torch.Tensor:
    """Latent codes of the zoo networks that already fit the data best.

    ``n_zoo`` random networks of the given depth are drawn (by
    :func:`_start_zoo`: on more than two inputs, of smaller weights), and
    the ``n`` that :func:`best_fitting` ranks first are encoded. Where ``allowed[j]``
    (which of :data:`ACTIVATIONS` the ``j``-th start's search may use) leaves
    an activation out, that start is instead the best network not already
    taken once its neurons of left-out activations take an allowed one (see
    :func:`_only`), so that the start the search decodes is a network that
    fits. An untrained model cannot use this start: its decoders do not give
    back what its encoder was shown.
    """
    cfg = model.config
    # At least n networks, so that n_restarts beyond the zoo's size get as
    # many distinct starts.
    per_level = -(-max(n_zoo, n) // len(SPARSITY_LEVELS))
    nets = _start_zoo(per_level, depth, cfg.width, X.shape[1], gen).to(device)
    X, y, w = X.to(device), y.to(device), w.to(device)
    if allowed is None or all(all(row) for row in allowed):
        return model.encode(best_fitting(nets, n, X, y, w))
    fits = {}
    for row in dict.fromkeys(allowed):
        batch = _only(nets, row)
        fits[row] = (batch, *_affine_fit(batch, X, y, w))
    order = {row: torch.argsort(fit[1]).tolist() for row, fit in fits.items()}
    taken: list[int] = []
    starts = []
    for j in range(n):
        batch, _, a, c = fits[allowed[j]]
        idx = next(i for i in order[allowed[j]] if i not in taken)
        taken.append(idx)
        starts.append(_with_affine(batch, torch.tensor([idx], device=batch.weights.device), a, c))
    return model.encode(NetworkBatch.cat(starts))


def _restart_activations(activations: str, n_restarts: int) -> list[tuple[bool, ...]]:
    """Which of :data:`ACTIVATIONS` each restart of a depth may use.

    ``"all"``: any; ``"smooth"``: sigmoid and tanh (no leaky ReLU);
    ``"mixed"``: the odd-numbered restarts smooth, the others any; the name
    of an activation: that one only.
    """
    if activations in ACTIVATIONS:
        return [tuple(name == activations for name in ACTIVATIONS)] * n_restarts
    return {"all": [_ANY] * n_restarts, "smooth": [_SMOOTH] * n_restarts,
            "mixed": [_SMOOTH if r % 2 else _ANY for r in range(n_restarts)]}[activations]


def _allowed_activations(activations: str, n_depths: int, n_restarts: int) -> torch.Tensor:
    """Which activations each candidate's neurons may take, shape (C, 1, 1, N_ACT).

    Per restart as :func:`_restart_activations` says, the same at every depth.
    """
    rows = torch.tensor(_restart_activations(activations, n_restarts) * n_depths, dtype=torch.bool)
    return rows[:, None, None, :]


def _restrict(raw: dict, allowed: torch.Tensor) -> dict:
    """``raw`` with the activation logits the candidates may not take set to -inf."""
    return {**raw, "act_logits": raw["act_logits"].masked_fill(~allowed, float("-inf"))}


def _soft_candidates(raw: dict, t: torch.Tensor, in_mask: torch.Tensor, temperature: float,
                     smooth_std: bool = False):
    """Differentiable networks of DESIGN section 5 and their penalty terms.

    ``smooth_std`` computes the gates' spread as ``sqrt(var + 1e-8)``, whose
    second derivative stays finite where all gates of a layer are equal (for
    differentiating through descent steps, as ``benchmarks/descent_finetune.py``
    does); the search keeps ``std``.
    """
    w = raw["weights"]
    C = w.shape[0]
    tw = t.view(C, 1, 1, 1)
    relevant = torch.ones_like(w)
    relevant[:, 0] = in_mask.reshape(1, -1, 1).expand(C, -1, w.shape[-1])
    mask = torch.sigmoid(_MASK_SHARPNESS * (w.abs() - tw)) * relevant
    ow = raw["out_w"]
    omask = torch.sigmoid(_MASK_SHARPNESS * (ow.abs() - t.view(C, 1)))
    g = torch.sigmoid(raw["gate_logits"])
    gates = torch.sigmoid(_MASK_SHARPNESS * (g - 0.5))
    net = NetworkBatch(
        weights=w * mask,
        biases=raw["biases"],
        act=torch.softmax(raw["act_logits"] / temperature, dim=-1),
        gates=gates,
        out_w=ow * omask,
        out_b=raw["out_b"],
        in_mask=in_mask.expand(C, -1),
        unit_mask=torch.ones_like(gates),
    )
    count = (torch.sigmoid(_COUNT_SHARPNESS * (w.abs() - tw)) * relevant).flatten(1).sum(1) + torch.sigmoid(
        _COUNT_SHARPNESS * (ow.abs() - t.view(C, 1))
    ).sum(1)
    l1 = (w.abs() * relevant).flatten(1).sum(1) + ow.abs().sum(1)
    sparsity = _COUNT_WEIGHT * count + _L1_WEIGHT * l1
    spread = (gates.var(dim=-1) + 1e-8).sqrt() if smooth_std else gates.std(dim=-1)
    gate_std = spread.mean(dim=-1)
    gate_mean = gates.mean(dim=-1).mean(dim=-1)
    return net, sparsity, gate_std, gate_mean


def _hard_candidates(raw: dict, t: torch.Tensor, in_mask: torch.Tensor) -> NetworkBatch:
    """Weights below the threshold set to 0, gates >= 0.5 on, activation = argmax."""
    net = hard_network(raw, in_mask.expand(raw["weights"].shape[0], -1))
    C = t.shape[0]
    net.weights = net.weights * (net.weights.abs() >= t.view(C, 1, 1, 1))
    net.out_w = net.out_w * (net.out_w.abs() >= t.view(C, 1))
    return net


def latent_search(
    model: MultiScaleAutoencoder,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray,
    settings: SearchSettings,
    seed: int,
    device: torch.device | str = "cpu",
    progress=None,
) -> tuple[list[Candidate], list[float]]:
    """Search the latent space of ``model`` for sparse networks fitting ``(X, y)``.

    Parameters
    ----------
    model : MultiScaleAutoencoder
        Frozen autoencoder.
    X : ndarray of shape (n_samples, n_features)
        Inputs scaled to [-1, 1]; ``n_features <= model.config.max_inputs``.
    y : ndarray of shape (n_samples,)
        Target scaled to [-1, 1].
    sample_weight : ndarray of shape (n_samples,)
    settings : SearchSettings
    seed : int
        Seed of every random draw of the search.
    device : torch.device or str, default="cpu"
        Where the search runs. Random draws are made on the CPU (the same
        numbers on every device) and moved there.
    progress : callable, default=None
        Called with the number of finished steps (for a progress bar).

    Returns
    -------
    candidates : list of Candidate
        One per depth and restart, hard-decoded, refined and polished if
        asked, on the inputs as given (``X``, already scaled by the caller).
    loss_curve : list of float
        Mean penalised loss over the candidates at each search step.
    """
    s = settings
    gen = torch.Generator().manual_seed(seed)
    cfg = model.config
    n, n_in = X.shape
    device = torch.device(device)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.float32)
    wt = torch.as_tensor(sample_weight, dtype=torch.float32)
    Xp = torch.nn.functional.pad(Xt, (0, cfg.width - n_in)).to(device)
    in_mask = (torch.arange(cfg.width) < n_in).float()[None, :].to(device)
    depths = [int(d) for d in s.depths]
    R = s.n_restarts

    # Starting codes: zoo networks that fit best, N(0, 1) draws (as the
    # paper), or half of each ("mixed": the zoo half first).
    n_from_zoo = {"zoo": R, "random": 0, "mixed": (R + 1) // 2}[s.init]
    restart_activations = _restart_activations(s.activations, R)
    z0 = []
    for k in depths:
        if n_from_zoo:
            zrows = _rows(n, 512, gen)
            Xs, ys, ws = (Xt, yt, wt) if zrows is None else (Xt[zrows], yt[zrows], wt[zrows])
            z0.append(_zoo_start(model, k, n_from_zoo, Xs, ys, ws, s.n_zoo, gen, device,
                                 allowed=restart_activations[:n_from_zoo]))
        if n_from_zoo < R:
            shape = (R - n_from_zoo, *model.latent_shape)
            z0.append(torch.randn(shape, generator=gen, dtype=torch.float32).to(device))
    yt, wt = yt.to(device), wt.to(device)
    allowed = _allowed_activations(s.activations, len(depths), R).to(device)
    z = torch.nn.Parameter(torch.cat(z0))
    t = torch.nn.Parameter(torch.zeros(len(depths) * R, dtype=torch.float32, device=device))
    opt = torch.optim.Adam(
        [{"params": [z], "lr": s.lr}, {"params": [t], "lr": s.threshold_lr}], foreach=True
    )
    best_loss = torch.full((len(depths) * R,), float("inf"), dtype=torch.float32, device=device)
    best_z = z.detach().clone()
    best_t = t.detach().clone()
    # The best code is judged on fixed rows (at most _EVAL_ROWS training
    # rows, the same every step), not on each step's mini-batch: losses on
    # different random batches do not compare.
    eval_rows = torch.as_tensor(subsample(n, seed, max_rows=_EVAL_ROWS)).to(device)
    xe, ye, we = Xp[eval_rows], yt[eval_rows], wt[eval_rows]
    curve = []
    for step in range(s.max_iter):
        # No annealing phase (anneal_iter 0): every step at the end temperature.
        frac = min(1.0, step / s.anneal_iter) if s.anneal_iter > 0 else 1.0
        temperature = s.temperature_start + frac * (s.temperature_end - s.temperature_start)
        rows = _rows(n, s.batch_size, gen, device)
        xb, yb, wb = (Xp, yt, wt) if rows is None else (Xp[rows], yt[rows], wt[rows])
        track = step >= s.anneal_iter or step == s.max_iter - 1
        losses, tracked = [], []
        for i, k in enumerate(depths):
            sl = slice(i * R, (i + 1) * R)
            raw = _restrict(model.decode(z[sl], k), allowed[sl])
            net, sparsity, gate_std, gate_mean = _soft_candidates(raw, t[sl], in_mask, temperature)
            terms = (s, sparsity, gate_std, gate_mean)
            losses.append(_penalised(_weighted_mse(net.forward(xb), yb, wb), *terms))
            if track and rows is not None:
                with torch.no_grad():
                    tracked.append(_penalised(_weighted_mse(net.forward(xe), ye, we), *terms))
        loss = torch.cat(losses)
        with torch.no_grad():
            # Keep the code and thresholds that gave this loss, before the step moves them.
            if track:
                current = torch.cat(tracked) if tracked else loss.detach()
                better = current < best_loss
                best_loss = torch.where(better, current, best_loss)
                best_z[better] = z.detach()[better]
                best_t[better] = t.detach()[better]
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        with torch.no_grad():
            t.clamp_(0.0, _THRESHOLD_MAX)
        curve.append(float(loss.detach().mean()))
        if progress is not None:
            progress(step + 1)
    if not torch.isfinite(best_loss).any():
        # Else every candidate would be its start, decoded as if there had been no search.
        raise ValueError(
            "The latent descent's loss was not finite at any step it kept, for any start "
            f"(learning_rate={s.lr!r}, threshold_learning_rate={s.threshold_lr!r}, "
            f"alpha={s.alpha!r}, gate_weight={s.gate_weight!r}, compactness={s.compactness_weight!r}, "
            f"temperature=({s.temperature_start!r}, {s.temperature_end!r})): these settings are "
            "beyond the float32 arithmetic of the search. Use values nearer the defaults."
        )

    nets = []
    with torch.no_grad():
        for i, k in enumerate(depths):
            sl = slice(i * R, (i + 1) * R)
            nets.append(_hard_candidates(_restrict(model.decode(best_z[sl], k), allowed[sl]), best_t[sl],
                                         in_mask))
    top = R if s.refine_top is None else min(R, s.refine_top)
    # Refine only each depth's best restarts (by full-data loss of the hard
    # network): the cost of a refinement step grows with the candidates,
    # and the others are rarely chosen; they are kept as decoded.
    with torch.no_grad():
        picks = [torch.argsort(_weighted_mse_blocks(b, Xp, yt, wt))[:top] for b in nets]
    if s.refine_iter > 0:
        refined = refine([b.index(p) for b, p in zip(nets, picks)], Xp, yt, wt, s.refine_iter,
                         s.refine_lr, s.batch_size, gen)
        for b, p, r in zip(nets, picks, refined):
            for f in ("weights", "biases", "out_w", "out_b"):
                getattr(b, f)[p] = getattr(r, f)
    candidates = []
    sub = subsample(n, seed)
    for i, (k, batch) in enumerate(zip(depths, nets)):
        batch = batch.to("cpu")
        chosen = set(picks[i].tolist())
        for r, net in enumerate(batch.to_networks(n_inputs=n_in)):
            net = net.compact()
            if s.polish_iter > 0 and r in chosen:
                net = polish(net, X[sub], y[sub], sample_weight[sub], max_iter=s.polish_iter,
                             solver=s.polish_solver)[0]
            candidates.append(Candidate(k, r, net, float(best_loss[i * R + r])))
    return candidates, curve


def refine(batches: list[NetworkBatch], X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, n_iter: int,
           lr: float, batch_size: int, gen: torch.Generator) -> list[NetworkBatch]:
    """Train the surviving weights and biases of hard networks, mask and activations fixed.

    All batches (one per depth) are trained together: one optimiser, one
    backward pass per step.

    Parameters
    ----------
    batches : list of NetworkBatch
        Hard networks (one-hot activations, 0/1 gates); zero weights stay zero.
    X : Tensor of shape (n, W)
    y, w : Tensor of shape (n,)
    n_iter : int
        Adam steps.
    lr : float
    batch_size : int
    gen : torch.Generator

    Returns
    -------
    list of NetworkBatch
        The refined networks: same zeros, same activations and gates. A
        network whose full-data loss did not improve is returned unchanged.
    """
    masks = [((b.weights != 0).float(), (b.out_w != 0).float()) for b in batches]
    params = [
        [torch.nn.Parameter(t.clone()) for t in (b.weights, b.biases, b.out_w, b.out_b)]
        for b in batches
    ]
    opt = torch.optim.Adam([p for group in params for p in group], lr=lr, foreach=True)

    def build(i: int, ps) -> NetworkBatch:
        b, (wm, om) = batches[i], masks[i]
        return NetworkBatch(ps[0] * wm, ps[1], b.act, b.gates, ps[2] * om, ps[3], b.in_mask, b.unit_mask)

    with torch.no_grad():
        # A block of rows at a time on large data, as the ranking of restarts.
        start = [_weighted_mse_blocks(b, X, y, w) for b in batches]
    n = X.shape[0]
    for _ in range(n_iter):
        rows = _rows(n, batch_size, gen, X.device)
        xb, yb, wb = (X, y, w) if rows is None else (X[rows], y[rows], w[rows])
        loss = sum(_weighted_mse(build(i, ps).forward(xb), yb, wb).sum() for i, ps in enumerate(params))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    out = []
    with torch.no_grad():
        for i, ps in enumerate(params):
            refined = build(i, [p.detach() for p in ps])
            # Keep the refinement only where it lowered the full-data loss.
            keep = _weighted_mse_blocks(refined, X, y, w) < start[i]
            fields_ = []
            for new, old in zip((refined.weights, refined.biases, refined.out_w, refined.out_b),
                                (batches[i].weights, batches[i].biases, batches[i].out_w, batches[i].out_b)):
                sel = keep.view(-1, *([1] * (new.dim() - 1)))
                fields_.append(torch.where(sel, new, old))
            b = batches[i]
            out.append(NetworkBatch(fields_[0], fields_[1], b.act, b.gates, fields_[2], fields_[3],
                                    b.in_mask, b.unit_mask))
    return out


__all__ = ["MAX_DEPTH", "N_ACT", "SearchSettings", "latent_search", "refine"]
