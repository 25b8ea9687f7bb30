"""The network family: small MLPs with per-neuron activations and gates.

A :class:`SparseMLP` has ``n_inputs`` inputs, 1 to 4 hidden layers and one
linear output. Every hidden neuron has its incoming weights, a bias, one of
three activations (sigmoid, tanh, leaky ReLU with slope 0.01) and an on/off
gate. A neuron whose gate is off contributes nothing and is not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:  # annotations only
    import matplotlib.axes

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "leaky_relu")
"""The three activations a hidden neuron can have, ``("sigmoid", "tanh", "leaky_relu")``.

A neuron's activation id indexes this tuple.

Leaky ReLU has slope 0.01 below zero.
"""
MAX_DEPTH = 4
LEAKY_SLOPE = 0.01
# Rows per block of the numpy forward: the intermediate arrays of a block
# stay a few MB, whatever the number of rows (one block up to this many).
_PREDICT_BLOCK = 65536


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # exp(-|a|) never overflows: 1 / (1 + e) where a >= 0, e / (1 + e) below.
    e = np.exp(-np.abs(a))
    d = 1.0 + e
    out = np.divide(1.0, d)
    np.divide(e, d, out=out, where=a < 0)
    return out


def _leaky_relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, LEAKY_SLOPE * a)


_NUMPY_ACTIVATIONS = (_sigmoid, np.tanh, _leaky_relu)


def torch_activation(index: int, a: torch.Tensor) -> torch.Tensor:
    """Apply activation number ``index`` of :data:`ACTIVATIONS` to a tensor."""
    if index == 0:
        return torch.sigmoid(a)
    if index == 1:
        return torch.tanh(a)
    return torch.nn.functional.leaky_relu(a, LEAKY_SLOPE)


def _as_activation_ids(values: Sequence | np.ndarray, size: int, layer: int) -> np.ndarray:
    values = np.asarray(values, dtype=object)
    if values.ndim > 1:
        raise ValueError(
            f"The activations of hidden layer {layer} must be a flat sequence, one per neuron; "
            f"got {values.tolist()!r}."
        )
    out = []
    for v in values.ravel():
        if isinstance(v, str):
            if v not in ACTIVATIONS:
                raise ValueError(
                    f"Unknown activation {v!r} in hidden layer {layer}; "
                    f"expected one of {ACTIVATIONS}."
                )
            out.append(ACTIVATIONS.index(v))
        else:
            ok = isinstance(v, (int, np.integer, float, np.floating)) and not isinstance(v, (bool, np.bool_))
            iv = int(v) if ok and np.isfinite(v) else -1
            if iv != v or not 0 <= iv < len(ACTIVATIONS):
                raise ValueError(
                    f"Unknown activation id {v!r} in hidden layer {layer}; expected an "
                    f"integer in [0, {len(ACTIVATIONS) - 1}] or a name in {ACTIVATIONS}."
                )
            out.append(iv)
    arr = np.asarray(out, dtype=np.int64)
    if arr.shape != (size,):
        raise ValueError(
            f"Hidden layer {layer} has {size} neurons but {arr.size} activations."
        )
    return arr


class SparseMLP:
    """A small MLP with per-neuron activations and on/off gates.

    Parameters
    ----------
    coefs : list of ndarray
        ``depth + 1`` weight matrices; ``coefs[i]`` has shape
        ``(n_units[i], n_units[i + 1])`` where ``n_units`` starts with the
        number of inputs and ends with 1 (the linear output).
    intercepts : list of ndarray
        ``depth + 1`` bias vectors, ``intercepts[i]`` of shape
        ``(n_units[i + 1],)``.
    activations : list of array-like
        One entry per hidden layer: each neuron's activation, as a name of
        :data:`ACTIVATIONS` or its index.
    gates : list of array-like of bool, default=None
        One entry per hidden layer: whether each neuron is on. ``None`` means
        all on.

    Attributes
    ----------
    coefs : list of ndarray
        The weight matrices, float64 copies of those given.
    intercepts : list of ndarray
        The bias vectors, float64 copies.
    activations : list of ndarray of int
        Each hidden neuron's activation, as its index in :data:`ACTIVATIONS`.
    gates : list of ndarray of bool
        Whether each hidden neuron is on.
    depth : int
        Number of hidden layers (1 to 4).
    n_inputs : int
        Number of input features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_swat import SparseMLP
    >>> net = SparseMLP(
    ...     coefs=[np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[1.0], [1.0]])],
    ...     intercepts=[np.zeros(2), np.zeros(1)],
    ...     activations=[["tanh", "leaky_relu"]],
    ... )
    >>> net.predict(np.array([[0.0, 1.0]]))
    array([2.])
    >>> net.n_nonzero  # 4 non-zero weights, 2 hidden biases, 1 output bias
    7
    """

    def __init__(
        self,
        coefs: Sequence[np.ndarray],
        intercepts: Sequence[np.ndarray],
        activations: Sequence,
        gates: Sequence | None = None,
    ) -> None:
        # Lists first: a generator would be spent by the check below (or has no len()).
        coefs, intercepts, activations = list(coefs), list(intercepts), list(activations)
        gates = None if gates is None else list(gates)
        for what, arrays in (("coefs", coefs), ("intercepts", intercepts)):
            if any(np.iscomplexobj(a) for a in arrays):
                raise ValueError(f"{what} must be real numbers; got complex values. Pass their real part.")
        coefs = [np.array(c, dtype=np.float64) for c in coefs]
        intercepts = [np.array(b, dtype=np.float64).reshape(-1) for b in intercepts]
        depth = len(coefs) - 1
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(
                f"A network of this family has 1 to {MAX_DEPTH} hidden layers; got "
                f"{depth} (from {len(coefs)} weight matrices)."
            )
        if len(intercepts) != len(coefs):
            raise ValueError(
                f"Got {len(coefs)} weight matrices but {len(intercepts)} bias vectors."
            )
        if len(activations) != depth:
            raise ValueError(
                f"Got {depth} hidden layers but activations for {len(activations)}."
            )
        for i, c in enumerate(coefs):
            if c.ndim != 2 or 0 in c.shape:
                raise ValueError(
                    f"coefs[{i}] must be a 2-D array with at least one row and one column "
                    f"(inputs by neurons); got shape {c.shape}."
                )
        if gates is None:
            gates = [np.ones(c.shape[1], dtype=bool) for c in coefs[:-1]]
        if len(gates) != depth:
            raise ValueError(f"Got {depth} hidden layers but gates for {len(gates)}.")
        for i, (c, b) in enumerate(zip(coefs, intercepts)):
            if i > 0 and c.shape[0] != coefs[i - 1].shape[1]:
                raise ValueError(
                    f"coefs[{i}] has {c.shape[0]} rows but layer {i} has "
                    f"{coefs[i - 1].shape[1]} neurons."
                )
            if b.shape != (c.shape[1],):
                raise ValueError(
                    f"intercepts[{i}] has shape {b.shape}; expected ({c.shape[1]},)."
                )
            if not (np.all(np.isfinite(c)) and np.all(np.isfinite(b))):
                raise ValueError(f"Layer {i} has non-finite weights or biases.")
        if coefs[-1].shape[1] != 1:
            raise ValueError(
                f"The output layer has {coefs[-1].shape[1]} units; this family has one output."
            )
        self.coefs = coefs
        self.intercepts = intercepts
        self.activations = [
            _as_activation_ids(a, c.shape[1], i) for i, (a, c) in enumerate(zip(activations, coefs))
        ]
        self.gates = []
        for i, (g, c) in enumerate(zip(gates, coefs)):
            g = np.asarray(g)
            # A copy: the caller's array stays the caller's. Only booleans and 0/1 are gates.
            if g.ndim > 1 or not (g.dtype == bool or (g.dtype.kind in "iuf" and np.isin(g, (0, 1)).all())):
                raise ValueError(
                    f"The gates of hidden layer {i} must be a flat sequence of booleans (or 0/1), "
                    f"one per neuron; got {g.tolist()!r}."
                )
            g = np.array(g, dtype=bool).reshape(-1)
            if g.shape != (c.shape[1],):
                raise ValueError(
                    f"Hidden layer {i} has {c.shape[1]} neurons but {g.size} gates."
                )
            self.gates.append(g)

    # ------------------------------------------------------------------ shape
    @property
    def depth(self) -> int:
        """Number of hidden layers.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)],
        ...                 [["tanh", "tanh", "sigmoid"]])
        >>> net.depth, net.n_inputs, net.layer_sizes
        (1, 2, [3])
        """
        return len(self.coefs) - 1

    @property
    def n_inputs(self) -> int:
        """Number of input features.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((5, 2)), np.ones((2, 1))], [np.zeros(2), np.zeros(1)],
        ...                 [["tanh", "tanh"]])
        >>> net.n_inputs
        5
        """
        return self.coefs[0].shape[0]

    @property
    def layer_sizes(self) -> list[int]:
        """Number of neuron positions of each hidden layer (gated-off ones included).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)],
        ...                 [["tanh"] * 3], gates=[[True, False, True]])
        >>> net.layer_sizes, net.n_active_neurons
        ([3], [2])
        """
        return [c.shape[1] for c in self.coefs[:-1]]

    @property
    def n_active_neurons(self) -> list[int]:
        """Number of switched-on neurons of each hidden layer.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)],
        ...                 [["tanh"] * 3], gates=[[True, False, True]])
        >>> net.n_active_neurons
        [2]
        """
        return [int(g.sum()) for g in self.gates]

    @property
    def used_inputs(self) -> np.ndarray:
        """Which inputs the network reads: a boolean mask of shape ``(n_inputs,)``.

        An input is read when a path of non-zero weights through switched-on
        neurons leads from it to the output. The output does not depend on an
        input outside the mask, whatever its value; it does on every input
        inside it unless weights cancel exactly. The constant network reads
        none.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]), np.array([[1.0], [0.0]])],
        ...                 [np.zeros(2), np.zeros(1)], [["tanh", "tanh"]])
        >>> net.used_inputs  # input 1 feeds a neuron whose output weight is zero
        array([ True, False, False])
        """
        masks = self._active_masks()
        needed = masks[-1]
        for i in range(self.depth, -1, -1):
            needed = masks[i] & (self.coefs[i][:, needed] != 0).any(axis=1)
        return needed

    def _active_masks(self) -> list[np.ndarray]:
        # Units of every layer, inputs and output included, that are present.
        return [np.ones(self.n_inputs, bool), *self.gates, np.ones(1, bool)]

    @property
    def n_nonzero(self) -> int:
        """Non-zero weights between present units, plus active biases and the output bias.

        The weights and bias of a switched-off neuron are removed and not
        counted. A switched-on neuron whose output reaches nothing (all its
        outgoing weights zero) is counted as it stands; :meth:`compact`
        removes it, and :meth:`plot` and :meth:`to_torch` count and build
        the compacted network. ``SWATRegressor``'s fitted networks are
        compact; ``DARTSADMMRegressor``'s keep their full width with dead
        neurons switched off (the count is the same either way).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0, 0.0, 2.0]]), np.ones((3, 1))],
        ...                 [np.zeros(3), np.zeros(1)], [["tanh"] * 3],
        ...                 gates=[[True, True, False]])
        >>> net.n_nonzero  # 1 input weight + 2 hidden biases, 2 output weights + 1 bias
        6
        """
        masks = self._active_masks()
        n = 0
        for i, c in enumerate(self.coefs):
            live = np.outer(masks[i], masks[i + 1])
            n += int(np.count_nonzero(c[live]))
            n += int(masks[i + 1].sum())
        return n

    # ---------------------------------------------------------------- forward
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Compute the network's output in numpy.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_inputs)
            Inputs.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Outputs.

        Notes
        -----
        The inputs are not checked for NaN or infinity, which propagate as in
        numpy; the estimators' ``predict`` refuses them.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0], [-1.0]]), np.array([[2.0]])],
        ...                 [np.zeros(1), np.array([0.5])], [["leaky_relu"]])
        >>> net.predict(np.array([[3.0, 1.0], [1.0, 3.0]]))
        array([4.5 , 0.46])
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"X must have shape (n_samples, {self.n_inputs}); got {X.shape}."
            )
        if X.shape[0] <= _PREDICT_BLOCK:
            return self._forward_numpy(X)
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _PREDICT_BLOCK):
            out[start:start + _PREDICT_BLOCK] = self._forward_numpy(X[start:start + _PREDICT_BLOCK])
        return out

    def _forward_numpy(self, h: np.ndarray) -> np.ndarray:
        h = self._hidden_numpy(h, self.depth)
        return (h @ self.coefs[-1] + self.intercepts[-1])[:, 0]

    def _hidden_numpy(self, h: np.ndarray, n_layers: int) -> np.ndarray:
        # The outputs of hidden layer n_layers (the inputs themselves for 0).
        layers = zip(self.coefs[:n_layers], self.intercepts[:n_layers], self.activations, self.gates)
        for c, b, act, g in layers:
            a = h @ c + b
            for k, f in enumerate(_NUMPY_ACTIVATIONS):
                cols = np.flatnonzero((act == k) & g)
                if cols.size:
                    a[:, cols] = f(a[:, cols])
            a[:, ~g] = 0.0
            h = a
        return h

    def forward_torch(self, X: torch.Tensor) -> torch.Tensor:
        """Compute the network's output in torch, in the dtype of ``X`` (no gradient).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_inputs)
            Inputs.

        Returns
        -------
        y : torch.Tensor of shape (n_samples,)
            Outputs.

        Raises
        ------
        ValueError
            If ``X`` is not a 2-D tensor with ``n_inputs`` columns, or not of a
            floating point dtype.

        Examples
        --------
        >>> import numpy as np
        >>> import torch
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0], [-1.0]]), np.array([[2.0]])],
        ...                 [np.zeros(1), np.array([0.5])], [["leaky_relu"]])
        >>> net.forward_torch(torch.tensor([[3.0, 1.0]], dtype=torch.float64))
        tensor([4.5000], dtype=torch.float64)
        """
        if not isinstance(X, torch.Tensor) or X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(
                f"X must be a torch.Tensor of shape (n_samples, {self.n_inputs}); got "
                f"{type(X).__name__} of shape {tuple(getattr(X, 'shape', ()))}. Use predict for "
                "numpy arrays."
            )
        with torch.no_grad():
            return self.to_torch(dtype=X.dtype)(X)

    # ------------------------------------------------------------ transforms
    def compact(self) -> SparseMLP:
        """Return an equivalent network without switched-off or dead neurons.

        A neuron is removed when its gate is off or when all its outgoing
        weights are zero. A neuron with no non-zero incoming weight outputs a
        constant, which is folded into the next layer's biases. At least one
        neuron per hidden layer is kept so that the depth does not change.

        Returns
        -------
        network : SparseMLP
            The same function with fewer neuron positions.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((2, 3)), np.array([[1.0], [0.0], [1.0]])],
        ...                 [np.zeros(3), np.zeros(1)], [["tanh"] * 3],
        ...                 gates=[[True, True, False]])
        >>> small = net.compact()  # neuron 2 is off, neuron 1 has no outgoing weight
        >>> small.layer_sizes, small.n_nonzero == net.n_nonzero - 3
        ([1], True)
        >>> X = np.array([[0.3, -0.2]])
        >>> bool(np.allclose(small.predict(X), net.predict(X)))
        True
        """
        coefs = [c.copy() for c in self.coefs]
        intercepts = [b.copy() for b in self.intercepts]
        acts = [a.copy() for a in self.activations]
        gates = [g.copy() for g in self.gates]
        for i in range(self.depth):
            g = gates[i]
            coefs[i][:, ~g] = 0.0
            intercepts[i][~g] = 0.0
            coefs[i + 1][~g, :] = 0.0
            # Constant neurons: fold act(bias) into the next layer's bias.
            const = g & ~np.any(coefs[i] != 0.0, axis=0)
            for j in np.flatnonzero(const):
                value = _NUMPY_ACTIVATIONS[acts[i][j]](intercepts[i][j : j + 1])[0]
                intercepts[i + 1] += value * coefs[i + 1][j, :]
                coefs[i + 1][j, :] = 0.0
        # Remove neurons with no outgoing weight, from the top down, so that
        # a removal can make neurons below it dead too.
        keep = [g.copy() for g in gates]
        for i in reversed(range(self.depth)):
            keep[i] &= np.any(coefs[i + 1] != 0.0, axis=1)
            coefs[i][:, ~keep[i]] = 0.0
        for i in range(self.depth):
            if not keep[i].any():
                # Keep one silent neuron so that the depth stays the same.
                keep[i][0] = True
                gates[i][0] = False
        new_coefs, new_b, new_a, new_g = [], [], [], []
        prev = np.ones(self.n_inputs, dtype=bool)
        for i in range(self.depth):
            new_coefs.append(coefs[i][np.ix_(prev, keep[i])])
            new_b.append(intercepts[i][keep[i]])
            new_a.append(acts[i][keep[i]])
            new_g.append(gates[i][keep[i]])
            prev = keep[i]
        new_coefs.append(coefs[-1][prev, :])
        new_b.append(intercepts[-1])
        return SparseMLP(new_coefs, new_b, new_a, new_g)

    def permute(self, layer: int, order: Sequence[int]) -> SparseMLP:
        """Return the same function with the neurons of hidden ``layer`` reordered.

        Parameters
        ----------
        layer : int
            Index of the hidden layer, from 0.
        order : sequence of int
            New order of its neurons: position ``i`` takes neuron ``order[i]``.

        Returns
        -------
        network : SparseMLP
            An equivalent network.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0, -2.0]]), np.array([[1.0], [3.0]])],
        ...                 [np.zeros(2), np.zeros(1)], [["tanh", "sigmoid"]])
        >>> swapped = net.permute(0, [1, 0])
        >>> [int(a) for a in swapped.activations[0]]  # sigmoid, tanh
        [0, 1]
        >>> X = np.array([[0.5]])
        >>> bool(np.allclose(swapped.predict(X), net.predict(X)))
        True
        """
        if not (isinstance(layer, (int, np.integer)) and 0 <= layer < self.depth):
            raise ValueError(f"layer must be a hidden layer's index in 0..{self.depth - 1}; got {layer!r}.")
        order = np.asarray(order)
        width = self.coefs[layer].shape[1]
        if order.dtype.kind not in "iu" or sorted(order.tolist()) != list(range(width)):
            raise ValueError(
                f"order must hold each of hidden layer {layer}'s {width} neuron indices once "
                f"(a permutation of 0..{width - 1}); got {order.tolist()!r}."
            )
        coefs = [c.copy() for c in self.coefs]
        intercepts = [b.copy() for b in self.intercepts]
        acts = [a.copy() for a in self.activations]
        gates = [g.copy() for g in self.gates]
        coefs[layer] = coefs[layer][:, order]
        intercepts[layer] = intercepts[layer][order]
        acts[layer] = acts[layer][order]
        gates[layer] = gates[layer][order]
        coefs[layer + 1] = coefs[layer + 1][order, :]
        return SparseMLP(coefs, intercepts, acts, gates)

    # ----------------------------------------------------------------- torch
    def to_torch(self, dtype: torch.dtype = torch.float32) -> nn.Module:
        """Return a plain :class:`torch.nn.Module` computing the same function.

        Parameters
        ----------
        dtype : torch.dtype, default=torch.float32
            Dtype of the module's parameters.

        Returns
        -------
        module : torch.nn.Module
            Maps a tensor of shape ``(n, n_inputs)`` to ``(n,)``.

        Raises
        ------
        ValueError
            If ``dtype`` is not a torch floating point dtype.

        Examples
        --------
        >>> import numpy as np
        >>> import torch
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0], [-1.0]]), np.array([[2.0]])],
        ...                 [np.zeros(1), np.array([0.5])], [["leaky_relu"]])
        >>> module = net.to_torch()
        >>> module(torch.tensor([[3.0, 1.0]]))
        tensor([4.5000], grad_fn=<SelectBackward0>)
        """
        check_float_dtype(dtype)
        return TorchSparseMLP(self.compact(), dtype=dtype)

    # -------------------------------------------------------------- display
    def summary(self, input_names: Sequence[str] | None = None) -> str:
        """Return a readable description of the inputs read, the layers, activations and size.

        Parameters
        ----------
        input_names : sequence of str, default=None
            A name for each input, used to list the inputs read when the
            network does not read them all; ``x0``, ``x1``, ... by default.

        Returns
        -------
        text : str
            One line for the network, one for the inputs it reads
            (:attr:`used_inputs`), one per layer.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.array([[1.0, 0.0]]), np.ones((2, 1))],
        ...                 [np.zeros(2), np.zeros(1)], [["tanh", "sigmoid"]])
        >>> print(net.summary())
        SparseMLP: 1 inputs, 1 hidden layer(s), 1 output; 6 non-zero parameters
          inputs: 1/1 read
          hidden 1: 2/2 neurons on (1 sigmoid, 1 tanh); 1/2 incoming weights non-zero
          output: linear; 2/2 incoming weights non-zero
        """
        lines = [
            f"SparseMLP: {self.n_inputs} inputs, {self.depth} hidden layer(s), 1 output; "
            f"{self.n_nonzero} non-zero parameters"
        ]
        input_names = self._input_names(input_names)
        used = self.used_inputs
        read = f"  inputs: {int(used.sum())}/{self.n_inputs} read"
        if 0 < used.sum() < self.n_inputs:
            read += " (" + ", ".join(input_names[j] for j in np.flatnonzero(used)) + ")"
        lines.append(read)
        masks = self._active_masks()
        for i in range(self.depth):
            g = self.gates[i]
            counts = {name: int(np.sum((self.activations[i] == k) & g)) for k, name in enumerate(ACTIVATIONS)}
            acts = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            live = np.outer(masks[i], masks[i + 1])
            nz = int(np.count_nonzero(self.coefs[i][live]))
            lines.append(
                f"  hidden {i + 1}: {int(g.sum())}/{g.size} neurons on ({acts or 'none'}); "
                f"{nz}/{int(live.sum())} incoming weights non-zero"
            )
        live = np.outer(masks[-2], masks[-1])
        nz = int(np.count_nonzero(self.coefs[-1][live]))
        lines.append(f"  output: linear; {nz}/{int(live.sum())} incoming weights non-zero")
        return "\n".join(lines)

    def _input_names(self, input_names: Sequence[str] | None) -> list[str]:
        """``input_names`` as strings, checked against the inputs; ``x0``, ``x1``, ... for ``None``."""
        if input_names is None:
            return [f"x{j}" for j in range(self.n_inputs)]
        if len(input_names) != self.n_inputs:
            raise ValueError(f"input_names has {len(input_names)} names for {self.n_inputs} inputs.")
        return [str(name) for name in input_names]

    def __repr__(self) -> str:
        sizes = "-".join(str(n) for n in [self.n_inputs, *self.n_active_neurons, 1])
        return f"SparseMLP({sizes}, n_nonzero={self.n_nonzero})"

    def plot(
        self, ax: matplotlib.axes.Axes | None = None, input_names: Sequence[str] | None = None
    ) -> matplotlib.axes.Axes:
        """Draw the network with matplotlib: active neurons and non-zero weights.

        The inputs are named on the left, the first at the top; an input the
        network does not read (:attr:`used_inputs`) is drawn hollow, its name
        in grey.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; a new figure is made when ``None``.
        input_names : sequence of str, default=None
            A name for each input; ``x0``, ``x1``, ... by default.

        Returns
        -------
        ax : matplotlib.axes.Axes
            The axes drawn on.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_swat import SparseMLP
        >>> net = SparseMLP([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)],
        ...                 [["tanh", "sigmoid", "leaky_relu"]])
        >>> ax = net.plot()
        >>> ax.get_title()
        '13 non-zero parameters'
        """
        import matplotlib.pyplot as plt

        names = self._input_names(input_names)
        net = self.compact()
        used = net.used_inputs
        if ax is None:
            _, ax = plt.subplots(figsize=(1.8 * (net.depth + 2), 4))
        sizes = [net.n_inputs, *[len(g) for g in net.gates], 1]
        pos = []
        for i, n in enumerate(sizes):
            ys = np.linspace((n - 1) / 2, -(n - 1) / 2, n) if n > 1 else np.zeros(1)
            pos.append([(float(i), float(y)) for y in ys])
        wmax = max(float(np.max(np.abs(c))) for c in net.coefs) or 1.0
        masks = net._active_masks()
        for i, c in enumerate(net.coefs):
            for a in range(c.shape[0]):
                for b in range(c.shape[1]):
                    if c[a, b] != 0 and masks[i][a] and masks[i + 1][b]:
                        (x0, y0), (x1, y1) = pos[i][a], pos[i + 1][b]
                        ax.plot(
                            [x0, x1], [y0, y1],
                            color="tab:red" if c[a, b] > 0 else "tab:blue",
                            lw=0.5 + 2.5 * abs(c[a, b]) / wmax, alpha=0.7, zorder=1,
                        )
        colors = {0: "tab:green", 1: "tab:orange", 2: "tab:purple"}
        for i, layer in enumerate(pos):
            for j, (x, y) in enumerate(layer):
                if 0 < i < len(pos) - 1:
                    on = net.gates[i - 1][j]
                    color = colors[int(net.activations[i - 1][j])] if on else "lightgrey"
                elif i == 0:
                    color = "black" if used[j] else "white"
                    ax.text(x - 0.12, y, names[j], ha="right", va="center", fontsize=8,
                            color="black" if used[j] else "grey")
                else:
                    color = "black"
                ax.scatter([x], [y], s=220, color=color, zorder=2, edgecolors="k")
        for k, name in enumerate(ACTIVATIONS):
            ax.scatter([], [], color=colors[k], label=name, edgecolors="k")
        if not used.all():
            ax.scatter([], [], color="white", label="input not read", edgecolors="k")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=4, frameon=False, fontsize=8)
        ax.set_title(f"{net.n_nonzero} non-zero parameters", fontsize=10)
        ax.set_axis_off()
        return ax


def check_float_dtype(dtype) -> None:
    """Refuse anything but a torch floating point dtype, saying what to pass."""
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise ValueError(
            f"dtype must be a torch floating point dtype such as torch.float32 or "
            f"torch.float64; got {dtype!r}."
        )


class TorchSparseMLP(nn.Module):
    """A plain torch module computing a :class:`SparseMLP`.

    Parameters
    ----------
    network : SparseMLP
        The network to copy.
    dtype : torch.dtype, default=torch.float32
        Dtype of the parameters.
    """

    def __init__(self, network: SparseMLP, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.linears = nn.ModuleList()
        for c, b in zip(network.coefs, network.intercepts):
            # skip_init: no initial draw from torch's global generator (the weights are copied).
            lin = nn.utils.skip_init(nn.Linear, c.shape[0], c.shape[1], dtype=dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(c.T, dtype=dtype))
                lin.bias.copy_(torch.as_tensor(b, dtype=dtype))
            self.linears.append(lin)
        # Which activations each layer uses is fixed when the module is built, so that
        # forward has no branch on a tensor's value and torch.export can trace it.
        self._layer_activations = []
        for i, (a, g) in enumerate(zip(network.activations, network.gates)):
            self.register_buffer(f"act{i}", torch.as_tensor(a, dtype=torch.long))
            self.register_buffer(f"gate{i}", torch.as_tensor(g, dtype=dtype))
            self._layer_activations.append(tuple(int(k) for k in np.unique(a)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, lin in enumerate(self.linears[:-1]):
            a = lin(h)
            act = getattr(self, f"act{i}")
            out = torch.zeros_like(a)
            for k in self._layer_activations[i]:
                out = torch.where(act == k, torch_activation(k, a), out)
            h = out * getattr(self, f"gate{i}")
        return self.linears[-1](h)[:, 0]
