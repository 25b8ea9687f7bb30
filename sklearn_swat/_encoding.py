"""Networks as matrices (DESIGN section 2), batched in torch.

A network of depth ``k`` and width ``W`` is a ``W x C_k`` matrix with
``C_k = k (W + 4) + W + 1 + k`` columns. Layer by layer: the layer's weight
block (``W`` columns; row = source neuron, column = target neuron), one bias
column and, for hidden layers, three activation columns; then one gate column
per hidden layer. A second channel of the same shape marks which entries are
real (1) and which are padding (0).

The encoder always sees the 4-layer layout. A shallower network fills the
first ``k`` hidden-layer slots, its output layer sits in the output slot and
the unused slots are padding.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import torch

from ._network import ACTIVATIONS, LEAKY_SLOPE, MAX_DEPTH, SparseMLP

N_ACT = len(ACTIVATIONS)


def n_columns(width: int, depth: int) -> int:
    """Number of columns of the matrix of a depth-``depth`` network of width ``width``."""
    return depth * (width + 4) + width + 1 + depth


@dataclass(frozen=True)
class Layout:
    """Column offsets of the matrix layout for a given width and depth."""

    width: int
    depth: int

    def weight(self, layer: int) -> int:
        """First column of the weight block into hidden ``layer`` (``depth`` = output)."""
        return layer * (self.width + 4)

    def bias(self, layer: int) -> int:
        return self.weight(layer) + self.width

    def act(self, layer: int) -> int:
        return self.bias(layer) + 1

    def gate(self, layer: int) -> int:
        return self.bias(self.depth) + 1 + layer

    @property
    def n_columns(self) -> int:
        return n_columns(self.width, self.depth)


@dataclass
class NetworkBatch:
    """A batch of ``B`` networks of one depth ``k`` and width ``W``, as tensors.

    Attributes
    ----------
    weights : Tensor of shape (B, k, W, W)
        Weights into each hidden layer; layer 0's rows are the inputs.
    biases : Tensor of shape (B, k, W)
    act : Tensor of shape (B, k, W, 3)
        Activation mixture (one-hot for a hard network).
    gates : Tensor of shape (B, k, W)
        Neuron gates in [0, 1].
    out_w : Tensor of shape (B, W)
    out_b : Tensor of shape (B,)
    in_mask : Tensor of shape (B, W)
        Which input rows are real.
    unit_mask : Tensor of shape (B, k, W)
        Which neuron positions exist.
    """

    weights: torch.Tensor
    biases: torch.Tensor
    act: torch.Tensor
    gates: torch.Tensor
    out_w: torch.Tensor
    out_b: torch.Tensor
    in_mask: torch.Tensor
    unit_mask: torch.Tensor

    @property
    def batch_size(self) -> int:
        return self.weights.shape[0]

    @property
    def depth(self) -> int:
        return self.weights.shape[1]

    @property
    def width(self) -> int:
        return self.weights.shape[2]

    def index(self, idx) -> NetworkBatch:
        """Select networks along the batch dimension."""
        return NetworkBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def to(self, device) -> NetworkBatch:
        """The same batch on ``device``."""
        return NetworkBatch(**{f.name: getattr(self, f.name).to(device) for f in fields(self)})

    @staticmethod
    def cat(batches: list[NetworkBatch]) -> NetworkBatch:
        """Concatenate batches of one depth and width along the batch dimension."""
        return NetworkBatch(
            **{f.name: torch.cat([getattr(b, f.name) for b in batches]) for f in fields(NetworkBatch)}
        )

    def reorder(self, layer: int, order: torch.Tensor) -> NetworkBatch:
        """Reorder the neurons of hidden ``layer`` (same function).

        Parameters
        ----------
        layer : int
        order : Tensor of shape (B, W)
            For each network, the new position's old neuron index.
        """
        B, k, W, _ = self.weights.shape
        w, b, act = self.weights.clone(), self.biases.clone(), self.act.clone()
        g, um, out_w = self.gates.clone(), self.unit_mask.clone(), self.out_w.clone()
        w[:, layer] = torch.gather(w[:, layer], 2, order[:, None, :].expand(B, W, W))
        b[:, layer] = torch.gather(b[:, layer], 1, order)
        act[:, layer] = torch.gather(act[:, layer], 1, order[:, :, None].expand(B, W, N_ACT))
        g[:, layer] = torch.gather(g[:, layer], 1, order)
        um[:, layer] = torch.gather(um[:, layer], 1, order)
        if layer + 1 < k:
            w[:, layer + 1] = torch.gather(w[:, layer + 1], 1, order[:, :, None].expand(B, W, W))
        else:
            out_w = torch.gather(out_w, 1, order)
        return NetworkBatch(w, b, act, g, out_w, self.out_b, self.in_mask, um)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run every network on its own points.

        Parameters
        ----------
        x : Tensor of shape (B, P, W) or (P, W)
            Inputs padded to ``W`` columns (absent inputs are zero).

        Returns
        -------
        y : Tensor of shape (B, P)
        """
        h = x if x.dim() == 3 else x.unsqueeze(0).expand(self.batch_size, -1, -1)
        for layer in range(self.depth):
            a = torch.matmul(h, self.weights[:, layer]) + self.biases[:, layer, None, :]
            # Gates folded into the mixture weights: one product fewer per entry.
            p = (self.act[:, layer] * self.gates[:, layer, :, None])[:, None]
            h = (
                p[..., 0] * torch.sigmoid(a)
                + p[..., 1] * torch.tanh(a)
                + p[..., 2] * torch.nn.functional.leaky_relu(a, LEAKY_SLOPE)
            )
        return torch.matmul(h, self.out_w.unsqueeze(-1)).squeeze(-1) + self.out_b[:, None]

    # ------------------------------------------------------------- matrices
    def to_matrix(self, slots: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode as matrices.

        Parameters
        ----------
        slots : int, default=None
            Number of hidden-layer slots of the layout (``None``: the batch's
            depth; the encoder uses 4).

        Returns
        -------
        values, mask : Tensor of shape (B, W, C)
        """
        B, k, W = self.batch_size, self.depth, self.width
        slots = k if slots is None else slots
        if slots < k:
            raise ValueError(f"A layout of {slots} hidden layers cannot hold depth {k}.")
        lay = Layout(W, slots)
        dtype = self.weights.dtype
        values = torch.zeros(B, W, lay.n_columns, dtype=dtype, device=self.weights.device)
        mask = torch.zeros_like(values)
        src = self.in_mask
        for layer in range(k):
            dst = self.unit_mask[:, layer]
            c = lay.weight(layer)
            values[:, :, c : c + W] = self.weights[:, layer]
            mask[:, :, c : c + W] = src[:, :, None] * dst[:, None, :]
            c = lay.bias(layer)
            values[:, :, c] = self.biases[:, layer]
            mask[:, :, c] = dst
            c = lay.act(layer)
            values[:, :, c : c + N_ACT] = self.act[:, layer]
            mask[:, :, c : c + N_ACT] = dst[:, :, None]
            c = lay.gate(layer)
            values[:, :, c] = self.gates[:, layer]
            mask[:, :, c] = dst
            src = dst
        c = lay.weight(slots)
        values[:, :, c] = self.out_w
        mask[:, :, c] = src
        c = lay.bias(slots)
        values[:, 0, c] = self.out_b
        mask[:, 0, c] = 1.0
        return values, mask

    def to_networks(self, n_inputs: int | None = None) -> list[SparseMLP]:
        """Hard networks: activation = argmax, gate on when >= 0.5.

        Parameters
        ----------
        n_inputs : int, default=None
            Number of inputs to keep (default: each network's ``in_mask``).
        """
        out = []
        for i in range(self.batch_size):
            n_in = int(self.in_mask[i].sum()) if n_inputs is None else n_inputs
            sizes = [n_in]
            for layer in range(self.depth):
                sizes.append(int(self.unit_mask[i, layer].sum()))
            coefs, intercepts, acts, gates = [], [], [], []
            for layer in range(self.depth):
                w = self.weights[i, layer, : sizes[layer], : sizes[layer + 1]]
                coefs.append(w.detach().double().numpy())
                n = sizes[layer + 1]
                intercepts.append(self.biases[i, layer, :n].detach().double().numpy())
                acts.append(self.act[i, layer, :n].argmax(-1).numpy())
                gates.append((self.gates[i, layer, :n] >= 0.5).numpy())
            coefs.append(self.out_w[i, : sizes[-1], None].detach().double().numpy())
            intercepts.append(self.out_b[i : i + 1].detach().double().numpy())
            out.append(SparseMLP(coefs, intercepts, acts, gates))
        return out


def batch_from_networks(networks: list[SparseMLP], width: int, dtype=torch.float32) -> NetworkBatch:
    """Stack networks of one depth into a padded :class:`NetworkBatch`.

    Raises
    ------
    ValueError
        If the networks differ in depth or do not fit in ``width``.
    """
    if not networks:
        raise ValueError("No networks given.")
    k = networks[0].depth
    B = len(networks)
    weights = torch.zeros(B, k, width, width, dtype=dtype)
    biases = torch.zeros(B, k, width, dtype=dtype)
    act = torch.zeros(B, k, width, N_ACT, dtype=dtype)
    gates = torch.zeros(B, k, width, dtype=dtype)
    out_w = torch.zeros(B, width, dtype=dtype)
    out_b = torch.zeros(B, dtype=dtype)
    in_mask = torch.zeros(B, width, dtype=dtype)
    unit_mask = torch.zeros(B, k, width, dtype=dtype)
    for i, net in enumerate(networks):
        if net.depth != k:
            raise ValueError(f"All networks of a batch need one depth; got {k} and {net.depth}.")
        sizes = [net.n_inputs, *net.layer_sizes]
        if max(sizes) > width:
            raise ValueError(
                f"A network with layer sizes {sizes} does not fit width {width}: "
                f"this layout holds at most {width} inputs and {width} neurons per layer."
            )
        in_mask[i, : sizes[0]] = 1
        for layer in range(k):
            a, b = sizes[layer], sizes[layer + 1]
            weights[i, layer, :a, :b] = torch.as_tensor(net.coefs[layer])
            biases[i, layer, :b] = torch.as_tensor(net.intercepts[layer])
            act[i, layer, torch.arange(b), torch.as_tensor(net.activations[layer])] = 1
            gates[i, layer, :b] = torch.as_tensor(net.gates[layer], dtype=dtype)
            unit_mask[i, layer, :b] = 1
        out_w[i, : sizes[-1]] = torch.as_tensor(net.coefs[-1][:, 0])
        out_b[i] = float(net.intercepts[-1][0])
    return NetworkBatch(weights, biases, act, gates, out_w, out_b, in_mask, unit_mask)


def network_to_matrix(net: SparseMLP, width: int, slots: int = MAX_DEPTH) -> tuple[np.ndarray, np.ndarray]:
    """Encode one network as a ``(values, mask)`` pair of ``width x C`` arrays."""
    v, m = batch_from_networks([net], width, dtype=torch.float64).to_matrix(slots)
    return v[0].numpy(), m[0].numpy()


def network_from_matrix(values: np.ndarray, mask: np.ndarray) -> SparseMLP:
    """Decode a ``(values, mask)`` pair made by :func:`network_to_matrix`.

    The depth, layer sizes and number of inputs are read from the mask.
    """
    values = np.asarray(values, dtype=np.float64)
    mask = np.asarray(mask) > 0.5
    W, C = values.shape
    slots = (C - W - 1) // (W + 5)
    if n_columns(W, slots) != C or mask.shape != values.shape:
        raise ValueError(f"A {W} x {C} matrix is not a layout of width {W}.")
    lay = Layout(W, slots)
    depth = int(sum(mask[:, lay.bias(s)].any() for s in range(slots)))
    n_in = int(mask[:, lay.weight(0) : lay.weight(0) + W].any(axis=1).sum()) if depth else 0
    sizes = [n_in] + [int(mask[:, lay.bias(s)].sum()) for s in range(depth)]
    coefs, intercepts, acts, gates = [], [], [], []
    for s in range(depth):
        c = lay.weight(s)
        coefs.append(values[: sizes[s], c : c + sizes[s + 1]])
        intercepts.append(values[: sizes[s + 1], lay.bias(s)])
        a = lay.act(s)
        acts.append(values[: sizes[s + 1], a : a + N_ACT].argmax(axis=1))
        gates.append(values[: sizes[s + 1], lay.gate(s)] >= 0.5)
    coefs.append(values[: sizes[-1], lay.weight(slots) : lay.weight(slots) + 1])
    intercepts.append(values[:1, lay.bias(slots)])
    return SparseMLP(coefs, intercepts, acts, gates)


def parse_matrix(mat: torch.Tensor, depth: int, weight_scale: float = 1.0) -> dict:
    """Split a decoder's ``(B, W, C_k)`` output into raw network tensors.

    Weights (and the output weights) are multiplied by ``weight_scale``;
    activation and gate columns are returned as logits.
    """
    B, W, C = mat.shape
    lay = Layout(W, depth)
    if C != lay.n_columns:
        raise ValueError(f"Expected {lay.n_columns} columns for depth {depth}; got {C}.")
    weights = torch.stack([mat[:, :, lay.weight(i) : lay.weight(i) + W] for i in range(depth)], 1)
    biases = torch.stack([mat[:, :, lay.bias(i)] for i in range(depth)], 1)
    act_logits = torch.stack([mat[:, :, lay.act(i) : lay.act(i) + N_ACT] for i in range(depth)], 1)
    gate_logits = torch.stack([mat[:, :, lay.gate(i)] for i in range(depth)], 1)
    return {
        "weights": weights * weight_scale,
        "biases": biases,
        "act_logits": act_logits,
        "gate_logits": gate_logits,
        "out_w": mat[:, :, lay.weight(depth)] * weight_scale,
        "out_b": mat[:, 0, lay.bias(depth)],
    }


def canonicalize(batch: NetworkBatch) -> NetworkBatch:
    """Put every network in a canonical neuron order, with inert entries zeroed.

    Permuting the hidden neurons of a layer does not change a network's
    function; nor do the parameters of a switched-off neuron. This maps all
    such variants of a network to one representative: switched-off neurons
    are zeroed and moved last, the others are sorted by activation, then by a
    fixed projection of their incoming weights and bias. Layers are processed
    from the input up so that each layer's incoming weights are already in
    canonical order when its key is computed.
    """
    B, k, W, _ = batch.weights.shape
    proj = torch.linspace(1.0, 0.2, W, dtype=batch.weights.dtype, device=batch.weights.device)
    for layer in range(k):
        on = (batch.gates[:, layer] >= 0.5) & (batch.unit_mask[:, layer] > 0)
        off = ~on
        # Zero the switched-off neurons: their weights in and out, bias, activation, gate.
        w, b = batch.weights.clone(), batch.biases.clone()
        act, g, out_w = batch.act.clone(), batch.gates.clone(), batch.out_w.clone()
        w[:, layer] = w[:, layer] * on[:, None, :]
        b[:, layer] = b[:, layer] * on
        act[:, layer] = act[:, layer] * on[:, :, None]
        g[:, layer] = g[:, layer] * on
        if layer + 1 < k:
            w[:, layer + 1] = w[:, layer + 1] * on[:, :, None]
        else:
            out_w = out_w * on
        batch = NetworkBatch(w, b, act, g, out_w, batch.out_b, batch.in_mask, batch.unit_mask)
        # Bounded tie-breaker in (-1, 1) below the activation id's integer step.
        fine = torch.tanh((w[:, layer] * proj[:, None]).sum(1) + 0.37 * b[:, layer])
        key = off.to(w.dtype) * 100.0 + act[:, layer].argmax(-1).to(w.dtype) * 4.0 + fine
        key = key + (batch.unit_mask[:, layer] <= 0).to(w.dtype) * 1000.0
        batch = batch.reorder(layer, torch.argsort(key, dim=1))
    return batch
