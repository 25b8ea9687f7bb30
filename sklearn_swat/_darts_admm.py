"""The paper's baseline: DARTS activation search, then ADMM pruning, then retraining.

A fixed-shape MLP whose hidden neurons each mix the three activations of the
network family (DARTS mixed operation) is trained with skorch. Three phases
share one torch module, each a skorch net with its own callbacks:

1. search: weights on one half of the training data, architecture logits on
   the other half, alternately (first-order DARTS, :class:`_ArchitectureStep`);
   then each neuron keeps its argmax activation;
2. ADMM: the weights are trained with the augmented Lagrangian term of the
   sparsity constraint, and ``Z``, ``U`` and ``rho`` are updated after every
   epoch (:class:`_ADMMPruning`);
3. retraining: the weights outside the ``k`` largest are set to zero and stay
   zero (a mask in the module), the others are trained again.

The estimator then hands a :class:`SparseMLP` to the shared base class.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import ArrayLike
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback, LRScheduler
from skorch.dataset import Dataset
from torch import nn
from torch.nn.utils import skip_init

from ._base import (
    MAX_LEARNING_RATE,
    BaseSparseNetworkRegressor,
    atomic_fit,
    autograd_enabled,
    effective_n_threads,
    resolve_device,
    seed_from_random_state,
    torch_threads,
)
from ._network import _NUMPY_ACTIVATIONS, ACTIVATIONS, LEAKY_SLOPE, MAX_DEPTH, SparseMLP
from ._polish import SOLVERS, polish, subsample


class _MixedActivationMLP(nn.Module):
    """An MLP whose hidden neurons mix sigmoid, tanh and leaky ReLU.

    During the search each neuron's activation is ``softmax(arch_logits)``
    applied to the three candidates (DARTS mixed operation). After
    :meth:`fix_activations` it is the argmax alone. Weights are multiplied by
    a fixed 0/1 mask in the forward pass, so that pruned weights contribute
    nothing and receive no gradient.
    """

    def __init__(
        self, n_inputs: int, hidden_layer_sizes: tuple[int, ...], generator: torch.Generator
    ) -> None:
        super().__init__()
        sizes = [n_inputs, *hidden_layer_sizes, 1]
        # nn.Linear's own initialisation, drawn from the fit's generator instead
        # of torch's global one (which fits running in threads would share).
        self.linears = nn.ModuleList(
            skip_init(nn.Linear, a, b, dtype=torch.float32) for a, b in itertools.pairwise(sizes)
        )
        with torch.no_grad():
            for lin in self.linears:
                nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=generator)
                bound = 1.0 / math.sqrt(lin.in_features)
                nn.init.uniform_(lin.bias, -bound, bound, generator=generator)
        # DARTS initialises the architecture logits at 1e-3 * N(0, 1).
        self.arch_logits = nn.ParameterList(
            nn.Parameter(1e-3 * torch.randn(w, len(ACTIVATIONS), generator=generator, dtype=torch.float32))
            for w in hidden_layer_sizes
        )
        for i, lin in enumerate(self.linears):
            self.register_buffer(f"mask{i}", torch.ones_like(lin.weight))
        self.fixed_ = None

    def masks(self) -> list[torch.Tensor]:
        return [getattr(self, f"mask{i}") for i in range(len(self.linears))]

    def weights(self) -> list[torch.Tensor]:
        return [lin.weight for lin in self.linears]

    def activation_weights(self, layer: int) -> torch.Tensor:
        if self.fixed_ is not None:
            return self.fixed_[layer]
        return torch.softmax(self.arch_logits[layer], dim=1)

    @torch.no_grad()
    def fix_activations(self) -> None:
        """Keep each neuron's most weighted activation (end of the search)."""
        self.fixed_ = [
            F.one_hot(p.argmax(dim=1), len(ACTIVATIONS)).to(p.dtype) for p in self.arch_logits
        ]
        for p in self.arch_logits:
            p.requires_grad_(False)

    @torch.no_grad()
    def set_masks(self, masks: list[torch.Tensor]) -> None:
        for i, (lin, m) in enumerate(zip(self.linears, masks)):
            getattr(self, f"mask{i}").copy_(m)
            lin.weight.mul_(m)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = X
        last = len(self.linears) - 1
        for i, (lin, mask) in enumerate(zip(self.linears, self.masks())):
            a = F.linear(h, lin.weight * mask, lin.bias)
            if i == last:
                return a
            w = self.activation_weights(i)
            h = (
                w[:, 0] * torch.sigmoid(a)
                + w[:, 1] * torch.tanh(a)
                + w[:, 2] * F.leaky_relu(a, LEAKY_SLOPE)
            )
        raise AssertionError("unreachable")


class _SlicedBatches:
    """Shuffled mini-batches cut from whole tensors, an ``iterator_train`` for skorch.

    A drop-in for :class:`torch.utils.data.DataLoader` on in-memory arrays:
    DataLoader fetches and collates row by row, which costs more than the
    forward and backward pass of these tiny networks.
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 64,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        self.X = torch.as_tensor(dataset.X)
        self.y = torch.as_tensor(dataset.y)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.X[idx], self.y[idx]


class _ArchitectureStep(Callback):
    """First-order DARTS: an architecture step before every weight step.

    Before each training batch of the net (drawn from the weights' half of
    the data), one Adam step is taken on the architecture logits with a batch
    of the other half, the weights held fixed.
    """

    def __init__(self, X, y, lr: float, batch_size: int, generator: torch.Generator) -> None:
        self.X = X
        self.y = y
        self.lr = lr
        self.batch_size = batch_size
        self.generator = generator

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        self.optimizer_ = torch.optim.Adam(net.module_.arch_logits.parameters(), lr=self.lr)
        loader = _SlicedBatches(
            Dataset(self.X, self.y),
            batch_size=self.batch_size,
            shuffle=True,
            generator=self.generator,
        )
        self.batches_ = _cycle(loader)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs) -> None:
        if not training:
            return
        Xa, ya = next(self.batches_)
        self.optimizer_.zero_grad()
        net.module_.train()
        loss = net.get_loss(net.infer(Xa), ya, X=Xa, training=False)
        loss.backward()
        self.optimizer_.step()
        net.history.record_batch("arch_loss", loss.item())


def _with_a_path(weights: list[torch.Tensor], masks: list[torch.Tensor]) -> list[torch.Tensor]:
    """``masks``, or where they leave no input-to-output path, as many entries with one.

    ``weights[i]`` has shape (out, in), as ``nn.Linear``'s. Without a path
    through the kept weights the network is a constant, whatever the
    retraining does. Then the path of largest product of weight magnitudes
    is kept, and as many of the smallest other kept entries (of layers that
    keep more than one) make way, so the count stays the same. A mask that
    has a path is returned as it is.
    """
    reach = torch.ones(weights[0].shape[1], dtype=torch.bool, device=weights[0].device)
    for m in masks:
        reach = ((m != 0) & reach[None, :]).any(dim=1)
    total = int(sum(int(m.count_nonzero()) for m in masks))
    if bool(reach.any()) or total < len(weights):
        return masks
    score = torch.zeros(weights[0].shape[1], dtype=torch.float64, device=weights[0].device)
    back = []
    for w in weights:  # log of the best product of magnitudes reaching each neuron
        best, arg = (score[None, :] + torch.log(w.detach().abs().double())).max(dim=1)
        back.append(arg)
        score = best
    path, j = set(), 0
    for layer in reversed(range(len(weights))):
        i = int(back[layer][j])
        path.add((layer, j, i))
        j = i
    new = [m.clone() for m in masks]
    added = [(layer, j, i) for layer, j, i in path if new[layer][j, i] == 0]
    for layer, j, i in added:
        new[layer][j, i] = 1
    counts = [int(m.count_nonzero()) for m in new]
    others = sorted(
        (float(weights[layer][j, i].abs()), layer, j, i)
        for layer, m in enumerate(new) for j, i in m.nonzero().tolist() if (layer, j, i) not in path
    )
    removed = 0
    for _, layer, j, i in others:
        if removed == len(added):
            break
        if counts[layer] > 1:
            new[layer][j, i] = 0
            counts[layer] -= 1
            removed += 1
    return new


def _cycle(loader):
    # itertools.cycle would replay the first pass's order; this reshuffles.
    while True:
        yield from loader


def _project_top_k(weights: list[torch.Tensor], k: int) -> list[torch.Tensor]:
    """Keep the ``k`` entries of largest magnitude over all tensors, zero the rest.

    Every tensor (layer) keeps at least its largest entry when ``k`` allows:
    a layer with no weight left cuts the network, which is then a constant.
    Where the ``k`` largest already reach every layer, that changes nothing;
    else the smallest kept entries of layers keeping more than one make way.
    (Kept weights in every layer can still leave no path from an input to
    the output: :func:`_with_a_path` mends the final mask.)
    """
    flat = torch.cat([w.reshape(-1) for w in weights])
    keep = torch.zeros_like(flat, dtype=torch.bool)
    order = torch.argsort(flat.abs(), descending=True, stable=True)
    keep[order[:k]] = True
    # On the weights' device: a CPU tensor indexed by a CUDA mask raises.
    layer = torch.cat([torch.full((w.numel(),), i, device=flat.device) for i, w in enumerate(weights)])
    if k >= len(weights):
        for i in range(len(weights)):
            if keep[layer == i].any():
                continue
            count = torch.bincount(layer[keep], minlength=len(weights))
            # The smallest kept entry of a layer that keeps more than one.
            drop = next(j for j in order.flip(0).tolist() if keep[j] and count[layer[j]] > 1)
            keep[drop] = False
            keep[next(j for j in order.tolist() if layer[j] == i)] = True
    out, start = [], 0
    for w in weights:
        n = w.numel()
        out.append(keep[start : start + n].reshape(w.shape).to(w.dtype))
        start += n
    return out


class _ADMMPruning(Callback):
    """ADMM weight pruning to ``k`` non-zero weights (Zhang et al., 2018).

    The net adds :meth:`penalty`, ``rho / 2 * ||W - Z + U||^2``, to its
    training loss (the W-step). After every epoch (one ADMM round):
    ``Z = top_k(W + U)``, ``U += W - Z``, ``rho *= rho_growth``.
    """

    def __init__(self, k: int, rho: float, rho_growth: float) -> None:
        self.k = k
        self.rho = rho
        self.rho_growth = rho_growth

    @torch.no_grad()
    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        W = [w.detach() for w in net.module_.weights()]
        self.U_ = [torch.zeros_like(w) for w in W]
        self.Z_ = [w * m for w, m in zip(W, _project_top_k(W, self.k))]
        self.rho_ = self.rho

    def penalty(self, module: _MixedActivationMLP) -> torch.Tensor:
        return 0.5 * self.rho_ * sum(
            ((w - z + u) ** 2).sum() for w, z, u in zip(module.weights(), self.Z_, self.U_)
        )

    @torch.no_grad()
    def on_epoch_end(self, net, **kwargs) -> None:
        W = [w.detach() for w in net.module_.weights()]
        V = [w + u for w, u in zip(W, self.U_)]
        self.Z_ = [v * m for v, m in zip(V, _project_top_k(V, self.k))]
        self.U_ = [u + w - z for u, w, z in zip(self.U_, W, self.Z_)]
        residual = float(torch.sqrt(sum(((w - z) ** 2).sum() for w, z in zip(W, self.Z_))))
        net.history.record("admm_residual", residual)
        net.history.record("rho", self.rho_)
        self.rho_ *= self.rho_growth


class _DARTSADMMNet(NeuralNetRegressor):
    """skorch regressor for the three phases.

    Its optimizer trains the weights and biases only: the architecture
    logits have their own optimizer in :class:`_ArchitectureStep`. Callbacks
    with a ``penalty(module)`` method add it to the training loss (the ADMM
    augmented Lagrangian term).
    """

    def get_all_learnable_params(self):
        for name, param in super().get_all_learnable_params():
            if not name.startswith("arch_logits"):
                yield name, param

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training:
            for _, cb in self.callbacks_:
                if hasattr(cb, "penalty"):
                    loss = loss + cb.penalty(self.module_)
        return loss

    # skorch's partial_fit catches a KeyboardInterrupt from fit_loop and returns
    # normally (its EarlyStopping ends training that way), so a Ctrl-C would only
    # cut the current phase short and the estimator's fit would go on. fit_loop
    # remembers the interrupt; partial_fit raises it again once skorch has run
    # on_train_end, so that it reaches the estimator's fit (which then restores
    # its previous state). None of these nets uses EarlyStopping.
    def fit_loop(self, X, y=None, *args, **kwargs):
        try:
            return super().fit_loop(X, y, *args, **kwargs)
        except KeyboardInterrupt as exc:
            self._interrupt = exc
            raise

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        self._interrupt = None
        super().partial_fit(X, y, classes, **fit_params)
        interrupt, self._interrupt = self._interrupt, None
        if interrupt is not None:
            raise interrupt
        return self


def _final_network(module: _MixedActivationMLP) -> SparseMLP:
    """The trained module as a full-shape :class:`SparseMLP`, dead neurons switched off.

    A neuron all of whose incoming weights were pruned outputs a constant,
    which is folded into the next layer's biases; a neuron with no remaining
    outgoing weight is switched off. Both keep the function and shrink the
    counted size only, as SWAT's final networks are counted (DESIGN section 5).
    """
    # "+ 0.0" turns the -0.0 of pruned negative weights into 0.0.
    coefs = [
        (lin.weight * m).detach().cpu().double().numpy().T + 0.0
        for lin, m in zip(module.linears, module.masks())
    ]
    intercepts = [lin.bias.detach().cpu().double().numpy().copy() for lin in module.linears]
    acts = [p.detach().argmax(dim=1).cpu().numpy() for p in module.arch_logits]
    depth = len(acts)
    gates = [np.ones(c.shape[1], dtype=bool) for c in coefs[:-1]]
    for i in range(depth):
        for j in np.flatnonzero(~np.any(coefs[i] != 0.0, axis=0)):
            value = _NUMPY_ACTIVATIONS[acts[i][j]](intercepts[i][j : j + 1])[0]
            intercepts[i + 1] += value * coefs[i + 1][j, :]
            coefs[i + 1][j, :] = 0.0
            gates[i][j] = False
    alive_above = np.ones(1, dtype=bool)
    for i in reversed(range(depth)):
        gates[i] &= np.any(coefs[i + 1][:, alive_above] != 0.0, axis=1)
        alive_above = gates[i]
    return SparseMLP(coefs, intercepts, acts, gates)


class DARTSADMMRegressor(BaseSparseNetworkRegressor):
    """DARTS activation search, ADMM pruning and retraining: the paper's baseline.

    The network has the shape given by ``hidden_layer_sizes`` (1 to 4 hidden
    layers; the paper's search space is width at most 7, the ``"cornn"``
    autoencoder's; ``"general"``'s is 8, ``"wide"``'s 16). Training has three phases, each a
    skorch :class:`~skorch.NeuralNetRegressor` over the same module, all with
    Adam and mini-batches of ``batch_size`` rows, and a polish:

    1. **Search** (``search_epochs``). Every hidden neuron's activation is a
       softmax mixture of sigmoid, tanh and leaky ReLU (slope 0.01), the
       DARTS mixed operation. The training rows are split in two random
       halves; before each weight step on a batch of the first half, one
       step on the architecture logits (``arch_lr``) is taken with a batch of
       the second half (first-order DARTS). Then each neuron keeps the
       activation of largest weight.
    2. **ADMM pruning** (``admm_epochs``, all training rows). The weights are
       trained on the data loss plus ``rho / 2 * ||W - Z + U||^2``; after every
       epoch ``Z`` is the projection of ``W + U`` onto its ``k`` largest
       entries (by magnitude, over all layers' weights together; when ``k``
       is at least the number of layers, each layer keeps at least its
       largest one, since a layer with none cuts the network to a
       constant), ``U += W - Z`` and ``rho *= rho_growth``. ``k`` keeps
       ``1 - sparsity`` of the weights.
    3. **Retraining** (``retrain_epochs``, all training rows). All but the
       ``k`` largest weights are set to zero and stay zero (where these leave
       no path from an input to the output, which would make the network a
       constant, the path of largest weights is kept instead of as many of
       the smallest others); the others and the biases are trained again,
       the learning rate following a cosine decay to zero.
    4. **Polish** (``polish_iter``): the surviving weights and biases are
       trained by full-batch L-BFGS (or Levenberg-Marquardt:
       ``polish_solver``), zeros and activations fixed, as
       ``SWATRegressor`` polishes its networks (the baseline's retraining
       finished as precisely as SWAT's; the paper asks only for retraining
       with the mask fixed, and mini-batch Adam alone stops short of the
       minimum on these smooth functions).

    Inputs and target are scaled to [-1, 1] before training (from the
    training data's minimum and maximum) and predictions are mapped back.
    The fitted network, ``network_``, is a :class:`~sklearn_swat.SparseMLP`
    in the scaled space with the pruned weights exactly zero.

    Parameters
    ----------
    hidden_layer_sizes : int or array-like of int, default=(7, 7)
        Number of neurons of each hidden layer; 1 to 4 layers (an int: one
        layer).

    sparsity : float in [0, 1), default=0.5
        Fraction of the weights (biases not included) set to zero. The number
        of weights kept is ``max(1, round((1 - sparsity) * n_weights))``;
        ``sparsity=0`` skips the ADMM phase.

    search_epochs : int, default=50
        Epochs of the architecture search (over the weights' half of the
        rows).

    admm_epochs : int, default=80
        Epochs, that is ADMM rounds, of the pruning phase. ``0`` prunes by
        magnitude straight after the search.

    retrain_epochs : int, default=120
        Epochs of retraining of the surviving weights.

    polish_iter : int, default=1000
        Full-batch L-BFGS iterations (Levenberg-Marquardt evaluations with
        ``polish_solver="lm"``) on the retrained network's surviving
        weights and biases (its zeros and activations fixed), on the
        training rows (a fixed random 8192 of them when there are more):
        the same polish, with the same default, as ``SWATRegressor``'s, so
        that the two are compared with equally finished weights. 0: none.

    polish_solver : {"lbfgs", "lm"}, default="lbfgs"
        The polish's optimiser, as ``SWATRegressor``'s: L-BFGS-B
        (``polish_iter`` iterations) or Levenberg-Marquardt (``polish_iter``
        evaluations of the residuals; 100 is its usual count: with the
        default 1000 it costs about ten times as much).

    batch_size : int, default=256
        Rows per mini-batch, in every phase.

    lr : float, default=0.03
        Adam learning rate of the weights and biases, in every phase.

    arch_lr : float, default=0.03
        Adam learning rate of the architecture logits during the search.

    rho : float, default=1e-3
        Penalty parameter of the augmented Lagrangian in the first ADMM round.

    rho_growth : float, default=1.1
        Factor applied to ``rho`` after every ADMM round (the default takes it
        from 1e-3 to about 2 over 80 rounds).

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the split of the rows and the order of the
        mini-batches. Pass an int for reproducible output across multiple
        function calls. The global torch random state is left as it was.

    device : str or None, default="cpu"
        Torch device to train on; ``"auto"`` or ``None`` picks CUDA when it is
        available. These networks are so small that the CPU is usually faster.

    n_jobs : int or None, default=1
        Torch threads during ``fit``: ``None`` means 1, ``-1`` all cores.
        One thread is the default because these networks are far too small
        to gain from more: on a busy two-core machine a small fit took 0.3 s
        on one thread and 5.4 s on two.

    verbose : int, default=0
        Print each phase and skorch's per-epoch table when positive.

    Attributes
    ----------
    network_ : SparseMLP
        The fitted network, on inputs and target scaled to [-1, 1], with
        every hidden layer at its full width: pruned weights are exactly
        zero, and neurons left without an outgoing weight, or without an
        incoming one (their constant output is folded into the next layer's
        biases), are switched off.

    weight_masks_ : list of ndarray of bool
        Which weights survived pruning, one array per layer shaped like
        ``network_.coefs``.

    arch_weights_ : list of ndarray of shape (width, 3)
        The softmax weights of sigmoid, tanh and leaky ReLU of every hidden
        neuron at the end of the search.

    history_ : dict of str to skorch.history.History
        skorch's history of each phase that ran (``"search"``, ``"admm"``,
        ``"retrain"``): training loss per epoch and batch (with the
        augmented Lagrangian term during ADMM), the architecture loss per
        batch, and the ADMM residual ``||W - Z||`` and ``rho`` per round.

    device_ : torch.device
        The device used.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when ``X`` has string column
        names.

    x_scale_, x_offset_ : ndarray of shape (n_features_in_,)
        Input scaling to [-1, 1]: ``X * x_scale_ + x_offset_``.

    y_scale_, y_offset_ : float
        Target scaling: predictions are ``network_ output * y_scale_ + y_offset_``.

    n_nonzero_ : int
        Size of the fitted network: non-zero weights between active units,
        plus the biases of active neurons and the output bias.

    depth_ : int
        Number of hidden layers.

    n_active_neurons_ : list of int
        Neurons switched on, per hidden layer.

    activations_ : list of list of str
        Activation of each active neuron, per hidden layer.

    used_features_ : ndarray of bool of shape (n_features_in_,)
        The features the fitted network reads (a path of non-zero weights
        to the output); its predictions do not depend on the others.

    See Also
    --------
    SparseMLP : The network family of the fitted predictor.
    sklearn.neural_network.MLPRegressor : A dense MLP with one activation.

    Notes
    -----
    This is the DARTS+ADMM baseline of the SWAT-NN paper, rebuilt from its
    description: one fixed shape (``hidden_layer_sizes``, default (7, 7):
    SWAT's ``"cornn"`` width; SWAT searches depths 1 to 4 besides, and the
    benchmark's ``darts-admm-depths`` fits this estimator at each of them and
    keeps one by SWAT's selection rule), a
    per-neuron choice among the same three activations, size counted the
    same way (:attr:`n_nonzero_`). ``fit``
    does not take ``sample_weight``.
    Where it departs from the published recipes (DARTS, Liu et al. 2019;
    ADMM pruning, Zhang et al. 2018), for networks this small: one Adam for
    the weights and one for the logits, at the same learning rate (DARTS:
    SGD with momentum and a cosine schedule for the weights); the searched
    weights go on into the ADMM phase (DARTS trains the chosen architecture
    again from scratch); the ``k`` largest weights are counted over all
    layers together, not per layer; and the scaled dual ``U`` is not
    rescaled when ``rho`` grows. ``sparsity`` is the share of weights the
    mask sets to zero: a weight it keeps into a neuron with no kept outgoing
    weight, or out of one with no kept incoming weight (whose constant output
    is folded into the next layer's biases), is not counted in
    :attr:`n_nonzero_`, so the network can be sparser, and
    :attr:`weight_masks_` can hold ones where ``network_`` holds zeros.
    Every epoch passes over every training row, so the fit time grows with
    the rows times the epochs of the three phases (250 by default): on one
    thread of the benchmarks' machine, 4.4 s for 3750 rows and 25 s for
    30,000 before the polish came; the polish, on at most 8192 rows, added
    about a second to the benchmark's median fit. On large data, fewer
    epochs keep it in hand.
    An error or a ``KeyboardInterrupt`` in any phase stops ``fit`` (skorch alone
    would end only that phase on a ``KeyboardInterrupt``) and leaves a previously
    fitted estimator exactly as it was.

    How the defaults were chosen. The networks are tiny, so on a CPU each
    optimiser step costs about the same up to a few hundred rows: the time
    budget (a fit of 3750 rows in seconds on one thread; 4.2 s is the
    median of the 54-function benchmark on a 2-core AMD EPYC, the polish
    included) is a number
    of steps, and larger batches buy accuracy for free. The defaults come
    from a short tuning run on three CORNN functions (inputs scaled by
    their domain, target by the training set's minimum and maximum, test
    MSE on the 1250 test rows, ``random_state=0``, one thread on a busy
    two-core machine):

    - batch 128, lr 0.01, epochs 40/50/50: test MSE 0.0031 (Himmelblau),
      0.0036 (Ackley), 0.0018 (Goldstein-Price); 24 s a fit;
    - batch 256, epochs 80/80/80: lr 0.01 gave 0.0060 and 0.0036 on
      Himmelblau and Ackley, lr 0.03 gave 0.0014 and 0.0036 (18-20 s);
    - batch 256, lr 0.03, epochs 50/80/120 (shorter search, longer
      retraining): 0.00097 (Himmelblau) and 0.0015 (Goldstein-Price), with
      43-45 non-zero parameters; ``rho=1e-2, rho_growth=1.05`` instead was
      worse (0.0013, 0.0017), so ``rho=1e-3, rho_growth=1.1`` was kept.

    With the defaults (``random_state=0``; in brackets ``random_state=1``):
    test MSE 0.00097 (0.0049) with 45 (40) non-zero parameters on
    Himmelblau, 0.0036 (0.0038) with 38 (34) on Ackley, 0.0015 (0.0013)
    with 45 (39) on Goldstein-Price. A fit took 10.4 s of CPU time (11-21 s
    of wall time on the busy machine). For comparison, the same estimator
    with ``sparsity=0`` (85 parameters) reached 0.0013, 0.0036 and 0.00082,
    and scikit-learn's ``MLPRegressor(hidden_layer_sizes=(7, 7))`` with its
    defaults 0.029, 0.062 and 0.021: pruning half of the weights costs
    little accuracy. These figures are without the polish, which came
    later (2026-12-05): a review found the mini-batch retraining stops
    short of the minimum, and SWAT's L-BFGS polish takes the same three
    fits to 0.00024, 0.0036 and 0.00054 (sizes unchanged).

    References
    ----------
    .. [1] H. Liu, K. Simonyan, Y. Yang. "DARTS: Differentiable Architecture
       Search". ICLR 2019.
    .. [2] T. Zhang, S. Ye, K. Zhang, J. Tang, W. Wen, M. Fardad, Y. Wang. "A
       Systematic DNN Weight Pruning Framework using Alternating Direction
       Method of Multipliers". ECCV 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_swat import DARTSADMMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))
    >>> y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    >>> reg = DARTSADMMRegressor(
    ...     sparsity=0.5, search_epochs=10, admm_epochs=10, retrain_epochs=20,
    ...     batch_size=64, random_state=0,
    ... ).fit(X, y)
    >>> sum(int(m.sum()) for m in reg.weight_masks_)  # of 2*7 + 7*7 + 7 = 70 weights
    35
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "sparsity": [Interval(Real, 0, 1, closed="left")],
        "search_epochs": [Interval(Integral, 1, None, closed="left")],
        "admm_epochs": [Interval(Integral, 0, None, closed="left")],
        "retrain_epochs": [Interval(Integral, 0, None, closed="left")],
        "polish_iter": [Interval(Integral, 0, None, closed="left")],
        "polish_solver": [StrOptions(set(SOLVERS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, MAX_LEARNING_RATE, closed="right")],
        "arch_lr": [Interval(Real, 0, MAX_LEARNING_RATE, closed="right")],
        "rho": [Interval(Real, 0, None, closed="neither")],
        "rho_growth": [Interval(Real, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, None],
        "n_jobs": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Integral, None, -1, closed="right"),
            None,
        ],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (7, 7),
        *,
        sparsity: float = 0.5,
        search_epochs: int = 50,
        admm_epochs: int = 80,
        retrain_epochs: int = 120,
        polish_iter: int = 1000,
        polish_solver: str = "lbfgs",
        batch_size: int = 256,
        lr: float = 0.03,
        arch_lr: float = 0.03,
        rho: float = 1e-3,
        rho_growth: float = 1.1,
        random_state: int | np.random.RandomState | None = None,
        device: str | None = "cpu",
        n_jobs: int | None = 1,
        verbose: int | bool = 0,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.sparsity = sparsity
        self.search_epochs = search_epochs
        self.admm_epochs = admm_epochs
        self.retrain_epochs = retrain_epochs
        self.polish_iter = polish_iter
        self.polish_solver = polish_solver
        self.batch_size = batch_size
        self.lr = lr
        self.arch_lr = arch_lr
        self.rho = rho
        self.rho_growth = rho_growth
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not 1 <= len(sizes) <= MAX_DEPTH:
            raise ValueError(
                f"hidden_layer_sizes must have 1 to {MAX_DEPTH} layers (the network "
                f"family's depths); got {self.hidden_layer_sizes!r}."
            )
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers; got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _make_net(self, module, epochs, callbacks, device, lr, generator):
        # One skorch net per phase, all on the same module instance (skorch
        # does not re-create an initialised module); each gets a fresh Adam.
        # The per-epoch table costs time even when it is not printed.
        quiet = {} if self.verbose else {"callbacks__print_log": None}
        return _DARTSADMMNet(
            module,
            max_epochs=epochs,
            lr=lr,
            batch_size=self.batch_size,
            optimizer=torch.optim.Adam,
            iterator_train=_SlicedBatches,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            train_split=None,
            callbacks=callbacks,
            **quiet,
            device=str(device),
            verbose=self.verbose,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike) -> DARTSADMMRegressor:
        """Search the activations, prune with ADMM and retrain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Training target.

        Returns
        -------
        self : DARTSADMMRegressor
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import DARTSADMMRegressor
        >>> X = np.random.RandomState(0).uniform(-1, 1, size=(100, 2))
        >>> y = X[:, 0] * X[:, 1]
        >>> reg = DARTSADMMRegressor(search_epochs=2, admm_epochs=2, retrain_epochs=2,
        ...                          random_state=0)
        >>> reg.fit(X, y)
        DARTSADMMRegressor(admm_epochs=2, random_state=0, retrain_epochs=2,
                           search_epochs=2)
        >>> reg.n_nonzero_ <= 85
        True
        """
        # An error part-way leaves a previously fitted estimator as it was.
        with atomic_fit(self), autograd_enabled():
            return self._fit(X, y)

    def _fit(self, X, y) -> DARTSADMMRegressor:
        X, y, _ = self._validate_fit_data(X, y, None)
        sizes = self._hidden_sizes()
        self.device_ = resolve_device(self.device)
        seed = seed_from_random_state(self.random_state)
        Xs64, ys64 = self._fit_scalers(X, y)
        Xs = Xs64.astype(np.float32)
        ys = ys64.astype(np.float32).reshape(-1, 1)

        # Two halves of the training data: weights on one, architecture on
        # the other (DARTS' train / validation split).
        order = np.random.RandomState(seed).permutation(len(Xs))
        half = len(Xs) // 2
        w_idx, a_idx = order[half:], order[:half]

        n_weights = sum(a * b for a, b in itertools.pairwise([X.shape[1], *sizes, 1]))
        k = max(1, int(round((1.0 - self.sparsity) * n_weights)))
        # Every draw of the fit (initial weights and logits, batch orders) comes
        # from this generator: torch's global one is neither read nor changed,
        # so that fits running at once in threads stay reproducible.
        generator = torch.Generator().manual_seed(seed)

        with torch_threads(effective_n_threads(self.n_jobs)):
            module = _MixedActivationMLP(X.shape[1], sizes, generator)
            history = {}

            if self.verbose:
                print(f"[DARTS] search: {self.search_epochs} epochs")
            arch_step = _ArchitectureStep(
                Xs[a_idx], ys[a_idx], self.arch_lr, self.batch_size, generator
            )
            net = self._make_net(
                module,
                self.search_epochs,
                [("architecture", arch_step)],
                self.device_,
                self.lr,
                generator,
            )
            net.fit(Xs[w_idx], ys[w_idx])
            history["search"] = net.history
            self.arch_weights_ = [
                torch.softmax(p.detach(), dim=1).cpu().double().numpy() for p in module.arch_logits
            ]
            module.fix_activations()

            if k < n_weights and self.admm_epochs > 0:
                if self.verbose:
                    print(f"[ADMM] pruning to {k} of {n_weights} weights: {self.admm_epochs} epochs")
                admm = _ADMMPruning(k, self.rho, self.rho_growth)
                net = self._make_net(
                    module, self.admm_epochs, [("admm", admm)], self.device_, self.lr, generator
                )
                net.fit(Xs, ys)
                history["admm"] = net.history

            weights = [w.detach() for w in module.weights()]
            # A feature that was the same on every training row (scaled to 0) taught
            # its weights nothing: they are zeroed, or a new value of that feature would
            # move the predictions through weights no data ever set. The top-k keeps
            # them only where it keeps every other weight of the layer, and they stay
            # zero: the feature is 0 on every training row, so they get no gradient.
            with torch.no_grad():
                weights[0][:, torch.from_numpy(~Xs.any(axis=0)).to(weights[0].device)] = 0.0
            masks = _with_a_path(weights, _project_top_k(weights, k))
            module.set_masks(masks)
            if self.retrain_epochs > 0:
                if self.verbose:
                    print(f"[retrain] {k} weights, mask fixed: {self.retrain_epochs} epochs")
                schedule = LRScheduler(policy="CosineAnnealingLR", T_max=self.retrain_epochs)
                net = self._make_net(
                    module,
                    self.retrain_epochs,
                    [("lr_schedule", schedule)],
                    self.device_,
                    self.lr,
                    generator,
                )
                net.fit(Xs, ys)
                history["retrain"] = net.history

        if not all(torch.isfinite(p).all() for p in module.parameters()):
            raise ValueError(
                "Training diverged (non-finite weights); lower lr or rho_growth."
            )
        self.weight_masks_ = [m.detach().cpu().numpy().T.astype(bool) for m in masks]
        self.history_ = history
        network = _final_network(module)
        if self.polish_iter > 0:
            # SWAT's polish, on at most as many rows as SWAT's (a fixed random
            # 8192): the weights finished as precisely as SWAT's, the mask kept.
            rows = subsample(len(Xs64), seed)
            network = polish(network, Xs64[rows], ys64[rows], max_iter=self.polish_iter,
                             solver=self.polish_solver)[0]
        self.network_ = network
        return self
