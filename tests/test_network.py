"""The network family: forward passes, size count, encoding, compaction, family limits."""

import copy
import warnings

import numpy as np
import pytest
import torch

from sklearn_swat import ACTIVATIONS, SparseMLP
from sklearn_swat._encoding import (
    batch_from_networks,
    canonicalize,
    n_columns,
    network_from_matrix,
    network_to_matrix,
    parse_matrix,
)


def random_network(rng, n_inputs=2, sizes=(7, 7), sparsity=0.3, p_on=0.7):
    units = [n_inputs, *sizes, 1]
    coefs = [rng.uniform(-3, 3, (a, b)) * (rng.rand(a, b) > sparsity) for a, b in zip(units, units[1:])]
    intercepts = [rng.uniform(-1, 1, b) for b in units[1:]]
    acts = [rng.randint(0, 3, s) for s in sizes]
    gates = [rng.rand(s) < p_on for s in sizes]
    for g in gates:
        g[0] = True
    return SparseMLP(coefs, intercepts, acts, gates)


@pytest.fixture
def rng():
    return np.random.RandomState(0)


def reference_forward(net, X):
    """A plain per-neuron loop: the definition the vectorised code must match."""
    funcs = {
        0: lambda a: 1 / (1 + np.exp(-a)),
        1: np.tanh,
        2: lambda a: np.where(a >= 0, a, 0.01 * a),
    }
    h = X
    for c, b, act, g in zip(net.coefs[:-1], net.intercepts[:-1], net.activations, net.gates):
        a = h @ c + b
        h = np.stack([funcs[act[j]](a[:, j]) * g[j] for j in range(a.shape[1])], axis=1)
    return h @ net.coefs[-1][:, 0] + net.intercepts[-1][0]


@pytest.mark.parametrize("sizes", [(3,), (7, 5), (2, 7, 4), (7, 7, 7, 7)])
def test_numpy_and_torch_forward_match_reference(rng, sizes):
    net = random_network(rng, sizes=sizes)
    X = rng.uniform(-2, 2, (50, 2))
    expected = reference_forward(net, X)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12, atol=1e-12)
    out = net.forward_torch(torch.as_tensor(X, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_rows", [7, 20, 23])
def test_predict_in_blocks_matches_reference(rng, monkeypatch, n_rows):
    # Large inputs run a block of rows at a time (to bound memory); every
    # row, the last partial block's too, must come out as in one pass.
    monkeypatch.setattr("sklearn_swat._network._PREDICT_BLOCK", 7)
    net = random_network(rng, sizes=(7, 5))
    X = rng.uniform(-2, 2, (n_rows, 2))
    np.testing.assert_allclose(net.predict(X), reference_forward(net, X), rtol=1e-12, atol=1e-12)


def test_weighted_mse_in_blocks_matches_one_pass(rng):
    from sklearn_swat._latent_search import _weighted_mse, _weighted_mse_blocks

    nets = batch_from_networks([random_network(rng, sizes=(7, 5)) for _ in range(3)], width=8,
                               dtype=torch.float64)
    X = torch.nn.functional.pad(torch.as_tensor(rng.uniform(-2, 2, (23, 2))), (0, 6))
    y, w = torch.as_tensor(rng.randn(23)), torch.as_tensor(rng.rand(23))
    one = _weighted_mse(nets.forward(X), y, w)
    torch.testing.assert_close(_weighted_mse_blocks(nets, X, y, w, block=7), one)


def test_refine_scores_large_data_a_block_at_a_time(rng, monkeypatch):
    """refine judges its networks on all rows, a block at a time on large data: the same
    refined networks as one pass (here blocks of 7 rows against one of 23)."""
    from sklearn_swat import _latent_search
    from sklearn_swat._latent_search import refine

    nets = batch_from_networks([random_network(rng, sizes=(7, 5)) for _ in range(3)], width=8,
                               dtype=torch.float64)
    X = torch.nn.functional.pad(torch.as_tensor(rng.uniform(-2, 2, (23, 2))), (0, 6))
    y, w = torch.as_tensor(rng.randn(23)), torch.as_tensor(rng.rand(23))

    def run():
        out = refine([nets], X, y, w, n_iter=5, lr=0.05, batch_size=8, gen=torch.Generator().manual_seed(0))
        return out[0]

    one_pass = run()
    forwards = []
    real_forward = type(nets).forward

    def spy(self, X):
        forwards.append(X.shape[0])
        return real_forward(self, X)

    monkeypatch.setattr(_latent_search, "_FORWARD_BLOCK", 7)
    monkeypatch.setattr(type(nets), "forward", spy)
    blocked = run()
    assert 23 not in forwards and forwards.count(2) == 2  # 7 + 7 + 7 + 2 rows, before and after
    for a, b in zip((one_pass.weights, one_pass.biases, one_pass.out_w, one_pass.out_b),
                    (blocked.weights, blocked.biases, blocked.out_w, blocked.out_b)):
        torch.testing.assert_close(a, b)


def test_predict_saturates_without_overflow():
    # Pre-activations of +-2000: exp overflows in a naive sigmoid. Each
    # neuron must saturate exactly (sigmoid 1 and 0, tanh +-1, leaky ReLU
    # linear), with no RuntimeWarning.
    net = SparseMLP(
        coefs=[np.array([[1000.0, 1000.0, 1000.0]]), np.array([[1.0], [10.0], [100.0]])],
        intercepts=[np.zeros(3), np.zeros(1)],
        activations=[["sigmoid", "tanh", "leaky_relu"]],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = net.predict(np.array([[2.0], [-2.0]]))
    np.testing.assert_array_equal(out, [1.0 + 10.0 + 200000.0, 0.0 - 10.0 - 2000.0])


def test_n_nonzero_counts_live_weights_and_active_biases():
    # 2 inputs -> 3 neurons (middle one off) -> output.
    net = SparseMLP(
        coefs=[np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0]]), np.array([[1.0], [5.0], [0.0]])],
        intercepts=[np.array([0.1, 0.2, 0.3]), np.array([0.5])],
        activations=[["tanh", "sigmoid", "leaky_relu"]],
        gates=[[True, False, True]],
    )
    # Live weights: into neuron 0: 1 (w=1), into neuron 2: 1 (w=4); out: neuron 0 (1), neuron 2 (0).
    # Biases: 2 active neurons + output bias.
    assert net.n_nonzero == 1 + 1 + 1 + 2 + 1
    assert net.n_active_neurons == [2]


def test_compact_keeps_function_and_drops_dead_neurons(rng):
    dropped = 0
    for _ in range(20):
        net = random_network(rng, sizes=(7, 7, 7), sparsity=0.6, p_on=0.5)
        small = net.compact()
        X = rng.uniform(-1, 1, (40, 2))
        np.testing.assert_allclose(small.predict(X), net.predict(X), rtol=1e-10, atol=1e-10)
        assert small.n_nonzero <= net.n_nonzero
        assert small.depth == net.depth
        # What is left is live: every neuron on (but the one a layer keeps for its depth), no
        # layer wider than before.
        assert all(np.all(g) or g.size == 1 for g in small.gates)
        assert all(a.shape[1] <= b.shape[1] for a, b in zip(small.coefs[:-1], net.coefs[:-1]))
        dropped += sum(b.shape[1] - a.shape[1] for a, b in zip(small.coefs[:-1], net.coefs[:-1]))
    assert dropped > 0  # half the neurons start off


@pytest.mark.parametrize("sizes", [(7,), (4, 6), (7, 2, 5), (1, 7, 7, 3)])
def test_encode_decode_is_exact(rng, sizes):
    net = random_network(rng, sizes=sizes)
    values, mask = network_to_matrix(net, width=7)
    assert values.shape == (7, n_columns(7, 4)) == (7, 56)
    back = network_from_matrix(values, mask)
    assert back.layer_sizes == net.layer_sizes and back.n_inputs == net.n_inputs
    for a, b in zip(back.coefs, net.coefs):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(back.intercepts, net.intercepts):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(back.activations, net.activations):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(back.gates, net.gates):
        np.testing.assert_array_equal(a, b)
    X = rng.uniform(-1, 1, (30, 2))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_permutation_changes_matrix_not_function(rng):
    net = random_network(rng, sizes=(7, 7))
    perm = net.permute(0, rng.permutation(7)).permute(1, rng.permutation(7))
    v1, _ = network_to_matrix(net, 7)
    v2, _ = network_to_matrix(perm, 7)
    assert not np.allclose(v1, v2)
    X = rng.uniform(-1, 1, (30, 2))
    np.testing.assert_allclose(perm.predict(X), net.predict(X), rtol=1e-12, atol=1e-12)


def test_canonical_form_is_permutation_invariant_and_keeps_function(rng):
    net = random_network(rng, sizes=(7, 7, 7))
    perm = net.permute(0, rng.permutation(7)).permute(2, rng.permutation(7))
    a = canonicalize(batch_from_networks([net], 7, dtype=torch.float64))
    b = canonicalize(batch_from_networks([perm], 7, dtype=torch.float64))
    np.testing.assert_array_equal(a.to_matrix(4)[0].numpy(), b.to_matrix(4)[0].numpy())
    X = torch.as_tensor(rng.uniform(-1, 1, (30, 7)) * ([1, 1] + [0] * 5))
    np.testing.assert_allclose(a.forward(X).numpy()[0], net.predict(X[:, :2].numpy()), rtol=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_canonical_form_is_invariant_to_a_permutation_of_any_layer(seed):
    """Each layer alone permuted, the first included: the same canonical form (float64)."""
    rng = np.random.RandomState(seed)
    net = random_network(rng, sizes=(7, 7, 7), p_on=1.0)
    reference = canonicalize(batch_from_networks([net], 7, dtype=torch.float64)).to_matrix(4)[0]
    for layer in range(3):
        permuted = net.permute(layer, rng.permutation(7))
        got = canonicalize(batch_from_networks([permuted], 7, dtype=torch.float64)).to_matrix(4)[0]
        torch.testing.assert_close(got, reference, rtol=0, atol=1e-12)


def test_reorder_of_a_network_narrower_than_the_layout_moves_its_unit_mask(rng):
    """Real neurons moved past the layer's width stay real: the unit mask moves with them, and
    the canonical form and the function stay."""
    net = random_network(rng, sizes=(3, 5), p_on=1.0)
    batch = batch_from_networks([net], 7, dtype=torch.float64)
    order = torch.tensor([[6, 0, 5, 1, 4, 2, 3]])
    moved = batch.reorder(0, order).reorder(1, order.flip(1))
    torch.testing.assert_close(moved.unit_mask[0, 0], batch.unit_mask[0, 0][order[0]])
    a, b = canonicalize(batch), canonicalize(moved)
    torch.testing.assert_close(a.to_matrix(4)[0], b.to_matrix(4)[0], rtol=0, atol=0)
    X = torch.as_tensor(rng.uniform(-1, 1, (30, 7)) * ([1, 1] + [0] * 5))
    np.testing.assert_allclose(b.forward(X).numpy()[0], net.predict(X[:, :2].numpy()), rtol=1e-10)


@pytest.mark.parametrize("sizes", [(7,), (4, 6), (7, 2, 5)])
def test_mask_marks_exactly_the_real_parameters(rng, sizes):
    """Every weight, every hidden neuron's bias, 3 activation entries and gate, and the output
    bias: each real entry once, the padding none."""
    net = random_network(rng, sizes=sizes)
    _, mask = network_to_matrix(net, width=7)
    units = [net.n_inputs, *sizes]
    assert mask.sum() == sum(a * b + 5 * b for a, b in zip(units, units[1:])) + sizes[-1] + 1


def test_encoder_sees_the_output_bias(rng):
    """Two networks apart only in their output bias have different latent codes."""
    from sklearn_swat import load_autoencoder

    net = random_network(rng, sizes=(7, 7))
    shifted = SparseMLP(net.coefs, [*net.intercepts[:-1], net.intercepts[-1] + 1.0], net.activations,
                        net.gates)
    with torch.no_grad():
        z = load_autoencoder("cornn").encode(batch_from_networks([net, shifted], 7))
    assert not torch.allclose(z[0], z[1], atol=1e-4)


def test_to_networks_takes_n_inputs_and_a_gate_of_one_half_as_on(rng):
    """NetworkBatch.to_networks: ``n_inputs`` as given, and a gate of exactly 0.5 is on."""
    net = random_network(rng, sizes=(4,), p_on=1.0)
    batch = batch_from_networks([net], 7, dtype=torch.float64)
    assert batch.to_networks(n_inputs=3)[0].n_inputs == 3
    batch.gates[0, 0, 1] = 0.5
    assert bool(batch.to_networks()[0].gates[0][1])


def test_soft_network_temperature_sharpens_the_activation_mixture():
    """soft_network's mixture is softmax(logits / temperature)."""
    from sklearn_swat._autoencoder import soft_network

    raw = {"weights": torch.zeros(1, 1, 2, 2), "biases": torch.zeros(1, 1, 2),
           "act_logits": torch.tensor([[[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]]]),
           "gate_logits": torch.zeros(1, 1, 2), "out_w": torch.zeros(1, 2), "out_b": torch.zeros(1)}
    act = soft_network(raw, torch.ones(1, 2), temperature=0.5).act
    torch.testing.assert_close(act, torch.softmax(raw["act_logits"] / 0.5, dim=-1))


def test_batched_forward_matches_numpy(rng):
    nets = [random_network(rng, sizes=(5, 7)) for _ in range(4)]
    batch = batch_from_networks(nets, 7, dtype=torch.float64)
    X = rng.uniform(-1, 1, (20, 2))
    Xp = torch.as_tensor(np.pad(X, ((0, 0), (0, 5))))
    out = batch.forward(Xp).numpy()
    for i, net in enumerate(nets):
        np.testing.assert_allclose(out[i], net.predict(X), rtol=1e-10)
    for a, b in zip(batch.to_networks(), nets):
        np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-10)


def test_to_torch_module_is_plain_and_matches(rng):
    net = random_network(rng, sizes=(7, 3))
    module = net.to_torch(dtype=torch.float64)
    assert isinstance(module, torch.nn.Module)
    X = rng.uniform(-1, 1, (25, 2))
    out = module(torch.as_tensor(X)).detach().numpy()
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-10, atol=1e-12)


def test_to_torch_module_exports_with_torch_export(rng):
    # The module has no branch on a tensor's value, so torch.export traces it, with a
    # dynamic batch size, and the exported program computes the same function.
    net = random_network(rng, sizes=(7, 5, 3))
    module = net.to_torch(dtype=torch.float64)
    X = torch.as_tensor(rng.uniform(-1, 1, (25, 2)))
    program = torch.export.export(module, (X,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    out = program.module()(X[:9]).detach().numpy()
    np.testing.assert_allclose(out, net.predict(X[:9].numpy()), rtol=1e-10, atol=1e-12)


def test_summary_and_plot(rng):
    import matplotlib

    matplotlib.use("Agg")
    net = random_network(rng, sizes=(7, 7))
    text = net.summary()
    assert f"{net.n_nonzero} non-zero" in text and "hidden 2" in text
    ax = net.plot()
    assert ax.get_title().startswith(f"{net.compact().n_nonzero} non-zero")


def _one_neuron_off():
    """1-3-1 with hidden neurons tanh, sigmoid, tanh and the last one switched off."""
    return SparseMLP([np.array([[1.0, 0.0, 2.0]]), np.ones((3, 1))], [np.zeros(3), np.zeros(1)],
                     [["tanh", "sigmoid", "tanh"]], [np.array([True, True, False])])


def test_summary_and_repr_count_only_switched_on_neurons():
    net = _one_neuron_off()
    text = net.summary()
    assert "2/3 neurons on (1 sigmoid, 1 tanh)" in text
    assert "1/2 incoming weights non-zero" in text and "output: linear; 2/2 incoming" in text
    assert repr(net) == f"SparseMLP(1-2-1, n_nonzero={net.n_nonzero})"


def test_parameters_are_float64_copies_and_the_torch_module_float32_by_default():
    coefs = [np.ones((1, 2), dtype=np.float32), np.ones((2, 1), dtype=np.float32)]
    intercepts = [np.zeros(2, dtype=np.float32), np.zeros(1, dtype=np.float32)]
    net = SparseMLP(coefs, intercepts, [["tanh", "tanh"]])
    assert all(a.dtype == np.float64 for a in net.coefs + net.intercepts)
    coefs[0][0, 0] = 5.0
    assert net.coefs[0][0, 0] == 1.0  # a copy: the caller's arrays are not the network's
    assert all(p.dtype == torch.float32 for p in net.to_torch().parameters())


def test_compact_removes_dead_neurons_from_the_top_down():
    # Hidden-2 neuron 1 has a zero output weight; hidden-1 neuron 1 feeds only it: both go.
    net = SparseMLP([np.array([[1.0, 1.0]]), np.eye(2), np.array([[1.0], [0.0]])],
                    [np.zeros(2), np.zeros(2), np.zeros(1)], [["tanh"] * 2, ["tanh"] * 2])
    small = net.compact()
    assert small.layer_sizes == [1, 1] and small.n_nonzero == 6
    X = np.linspace(-1, 1, 9)[:, None]
    np.testing.assert_allclose(small.predict(X), net.predict(X), rtol=1e-15)


def test_compact_switches_off_the_placeholder_of_a_dead_layer():
    # Every neuron of the layer is on but feeds nothing: the layer keeps one neuron,
    # switched off, and the network is the constant (its bias folded into the output).
    net = SparseMLP([np.array([[1.0, 2.0]]), np.zeros((2, 1))], [np.ones(2), np.array([0.5])],
                    [["tanh", "tanh"]])
    small = net.compact()
    assert small.layer_sizes == [1] and small.gates[0].tolist() == [False] and small.n_nonzero == 1
    X = np.linspace(-1, 1, 5)[:, None]
    np.testing.assert_allclose(small.predict(X), net.predict(X), rtol=1e-15)


def test_torch_module_applies_the_gates_of_a_network_not_compacted():
    from sklearn_swat._network import TorchSparseMLP

    net = SparseMLP([np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]])], [np.zeros(2), np.zeros(1)],
                    [["tanh", "tanh"]], [np.array([True, False])])
    X = np.array([[0.5], [-1.0]])
    with torch.no_grad():
        out = TorchSparseMLP(net, dtype=torch.float64)(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-15)


def test_predict_works_in_blocks_of_predict_block_rows(monkeypatch):
    from sklearn_swat import _network

    monkeypatch.setattr(_network, "_PREDICT_BLOCK", 7)
    seen = []
    forward = SparseMLP._forward_numpy

    def spy(self, h, *args, **kwargs):
        seen.append(h.shape[0])
        return forward(self, h, *args, **kwargs)

    monkeypatch.setattr(SparseMLP, "_forward_numpy", spy)
    net = SparseMLP([np.ones((1, 2)), np.ones((2, 1))], [np.zeros(2), np.zeros(1)], [["tanh"] * 2])
    X = np.linspace(-1, 1, 23)[:, None]
    whole = np.tanh(X @ np.ones((1, 2))) @ np.ones((2, 1))
    np.testing.assert_allclose(net.predict(X), whole[:, 0], rtol=1e-15)
    net.predict(X[:5])
    assert seen == [7, 7, 7, 2, 5]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"depth": 5}, "1 to 4 hidden layers"),
        ({"activation": "relu"}, "Unknown activation 'relu'"),
        ({"activation": 3}, "Unknown activation id 3"),
    ],
)
def test_networks_outside_the_family_are_refused(kwargs, match):
    depth = kwargs.get("depth", 2)
    units = [2] + [3] * depth + [1]
    coefs = [np.ones((a, b)) for a, b in zip(units, units[1:])]
    intercepts = [np.zeros(b) for b in units[1:]]
    acts = [[kwargs.get("activation", "tanh")] * 3 for _ in range(depth)]
    with pytest.raises(ValueError, match=match):
        SparseMLP(coefs, intercepts, acts)


def test_complex_parameters_are_refused():
    coefs = [np.ones((2, 1)) * (1 + 1j), np.ones((1, 1))]
    with pytest.raises(ValueError, match="coefs must be real numbers"):
        SparseMLP(coefs, [np.zeros(1), np.zeros(1)], [["tanh"]])
    with pytest.raises(ValueError, match="intercepts must be real numbers"):
        SparseMLP([np.ones((2, 1)), np.ones((1, 1))], [np.zeros(1) + 0j, np.zeros(1)], [["tanh"]])


def test_width_beyond_layout_is_refused(rng):
    net = random_network(rng, sizes=(9,))
    with pytest.raises(ValueError, match="does not fit width 8"):
        network_to_matrix(net, width=8)


def test_activation_names():
    assert ACTIVATIONS == ("sigmoid", "tanh", "leaky_relu")


def _one_layer(**kw):
    args = dict(coefs=[np.ones((2, 3)), np.ones((3, 1))], intercepts=[np.zeros(3), np.zeros(1)],
                activations=[[0, 1, 2]])
    return SparseMLP(**{**args, **kw})


def test_gates_are_copied_not_shared():
    g = np.array([True, True, False])
    net = _one_layer(gates=[g])
    before = net.predict(np.ones((1, 2)))
    g[2] = True
    assert net.gates[0].tolist() == [True, True, False]
    np.testing.assert_array_equal(net.predict(np.ones((1, 2))), before)


@pytest.mark.parametrize("gates", [[["False", "True", "True"]], [[np.nan, 1, 1]], [[2, 1, 0]], [[[1, 1, 1]]]])
def test_gates_must_be_booleans(gates):
    with pytest.raises(ValueError, match="gates of hidden layer 0 must be"):
        _one_layer(gates=gates)


@pytest.mark.parametrize("activations", [[[True, 0, 1]], [[None, 0, 1]], [[np.nan, 0, 1]]])
def test_activations_must_be_ids_or_names(activations):
    with pytest.raises(ValueError, match="activation"):
        _one_layer(activations=activations)


def test_nested_activations_are_refused_not_flattened():
    # [[[0], [1], [2]]] would flatten to the right count and hide a mistaken shape.
    with pytest.raises(ValueError, match="activations of hidden layer 0 must be a flat sequence"):
        _one_layer(activations=[[[0], [1], [2]]])


@pytest.mark.parametrize("coefs", [[np.ones(3), np.ones((3, 1))], [np.ones((2, 0)), np.ones((0, 1))],
                                   [np.ones((0, 3)), np.ones((3, 1))]])
def test_empty_or_flat_weight_matrices_are_refused(coefs):
    with pytest.raises(ValueError, match=r"coefs\[0\] must be a 2-D array with at least one"):
        SparseMLP(coefs, [np.zeros(c.shape[-1]) for c in coefs], [[0] * coefs[0].shape[-1]])


@pytest.mark.parametrize("layer, order", [(0, [0, 1]), (0, [0, 0, 1]), (0, [True, False, True]),
                                          (0, [1.0, 0.0, 2.0]), (1, [0, 1, 2]), (-1, [0, 1, 2])])
def test_permute_takes_only_permutations(layer, order):
    with pytest.raises(ValueError, match="layer must be|permutation"):
        _one_layer().permute(layer, order)


def test_layers_may_come_as_generators():
    # Any iterable of arrays, as the parameters' type says: the check for complex values must not use it up.
    layers = [np.array([[1.0], [-1.0]]), np.array([[2.0]])]
    net = SparseMLP((c for c in layers), (b for b in [np.zeros(1), np.array([0.5])]), [["leaky_relu"]])
    assert net.depth == 1 and net.n_inputs == 2


def _refine_case(rng):
    """Three float64 networks whose last hidden layer's first neuron (on) has output weight 0,
    and 40 rows whose last 10 have weight 0 and a target that is noise."""
    nets = batch_from_networks([random_network(rng, sizes=(7, 5)) for _ in range(3)], width=8,
                               dtype=torch.float64)
    nets.out_w[:, 0] = 0.0
    X = torch.nn.functional.pad(torch.as_tensor(rng.uniform(-1, 1, (40, 2))), (0, 6))
    y = torch.tanh(X[:, 0] - X[:, 1])
    y[30:] = torch.as_tensor(rng.randn(10) * 5)
    w = torch.cat([torch.as_tensor(rng.uniform(0.5, 1.5, 30)), torch.zeros(10, dtype=torch.float64)])
    return nets, X, y, w


def test_refine_trains_weights_and_biases_on_the_weighted_rows_and_keeps_the_zeros(rng):
    """refine's Adam steps move the non-zero weights and the biases at the rate asked, on the
    weighted MSE (rows of weight 0 play no part); zeros, activations and gates stay, and no
    network comes back fitting worse."""
    from sklearn_swat._latent_search import _weighted_mse, refine

    nets, X, y, w = _refine_case(rng)

    def run(X, y, w, lr=0.05):
        gen = torch.Generator().manual_seed(0)
        return refine([nets], X, y, w, n_iter=10, lr=lr, batch_size=64, gen=gen)[0]

    out = run(X, y, w)
    before, after = _weighted_mse(nets.forward(X), y, w), _weighted_mse(out.forward(X), y, w)
    assert (after <= before).all() and (after < before).any()
    moved = after < before
    assert not torch.equal(out.biases[moved], nets.biases[moved])
    assert ((nets.weights == 0) <= (out.weights == 0)).all() and (out.out_w[:, 0] == 0).all()
    assert torch.equal(out.act, nets.act) and torch.equal(out.gates, nets.gates)
    alone = run(X[:30], y[:30], w[:30])
    for a, b in zip((out.weights, out.biases, out.out_w, out.out_b),
                    (alone.weights, alone.biases, alone.out_w, alone.out_b)):
        torch.testing.assert_close(a, b)
    slower = run(X, y, w, lr=0.01)
    assert not torch.equal(slower.weights[moved], out.weights[moved])


def test_refine_returns_a_network_it_made_worse_unchanged(rng):
    """A refinement that raises a network's full-data loss (here a learning rate far too large)
    is dropped: that network comes back exactly as given."""
    from sklearn_swat._latent_search import _weighted_mse, refine

    nets, X, y, w = _refine_case(rng)
    out = refine([nets], X, y, w, n_iter=10, lr=20.0, batch_size=64, gen=torch.Generator().manual_seed(0))[0]
    before, after = _weighted_mse(nets.forward(X), y, w), _weighted_mse(out.forward(X), y, w)
    assert (after <= before).all()
    kept = after == before
    assert kept.any()
    for new, old in zip((out.weights, out.biases, out.out_w, out.out_b),
                        (nets.weights, nets.biases, nets.out_w, nets.out_b)):
        assert torch.equal(new[kept], old[kept])


def _two_layers(**kw):
    """A 2-3-3-1 network, with any of its arguments replaced."""
    args = dict(coefs=[np.ones((2, 3)), np.ones((3, 3)), np.ones((3, 1))],
                intercepts=[np.zeros(3), np.zeros(3), np.zeros(1)], activations=[["tanh"] * 3] * 2)
    return SparseMLP(**{**args, **kw})


@pytest.mark.parametrize("kwargs, match", [
    ({"coefs": [np.ones((2, 1))], "intercepts": [np.zeros(1)], "activations": []},
     r"1 to 4 hidden layers; got 0 \(from 1 weight matrices\)"),
    ({"intercepts": [np.zeros(3), np.zeros(3)]}, "Got 3 weight matrices but 2 bias vectors"),
    ({"activations": [["tanh"] * 3] * 3}, "Got 2 hidden layers but activations for 3"),
    ({"gates": [[True] * 3] * 3}, "Got 2 hidden layers but gates for 3"),
    ({"coefs": [np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 1))]},
     r"coefs\[1\] has 2 rows but layer 1 has 3"),
    ({"intercepts": [np.zeros(1), np.zeros(3), np.zeros(1)]},
     r"intercepts\[0\] has shape \(1,\); expected \(3,\)"),
    ({"intercepts": [np.array([0.0, np.nan, 0.0]), np.zeros(3), np.zeros(1)]}, "Layer 0 has non-finite"),
    ({"coefs": [np.ones((2, 3)), np.ones((3, 3)), np.ones((3, 2))],
      "intercepts": [np.zeros(3), np.zeros(3), np.zeros(2)]},
     "The output layer has 2 units; this family has one output"),
    ({"activations": [["tanh"] * 2, ["tanh"] * 3]}, "Hidden layer 0 has 3 neurons but 2 activations"),
    ({"gates": [[True, True], [True] * 3]}, "Hidden layer 0 has 3 neurons but 2 gates"),
])
def test_malformed_networks_are_refused_saying_what_is_wrong(kwargs, match):
    """A network whose parts do not fit together is refused when it is made, with the part named,
    not accepted to fail (or silently broadcast, or drop a layer) later."""
    with pytest.raises(ValueError, match=match):
        _two_layers(**kwargs)


@pytest.mark.parametrize("activations", [[[1.5, 0, 1]], [[-1, 0, 1]], [[0, 1, np.inf]]])
def test_activation_ids_must_be_whole_numbers_in_range(activations):
    """An id is an index of ACTIVATIONS: 1.5 is not truncated to 1, -1 does not count from the end."""
    with pytest.raises(ValueError, match="Unknown activation id"):
        _one_layer(activations=activations)


def test_whole_float_activation_ids_and_float_gates_of_zero_and_one_are_accepted():
    """Ids and gates read from a float array (2.0, 1.0, 0.0) are the integers and booleans they hold."""
    net = _one_layer(activations=[np.array([2.0, 1.0, 0.0])], gates=[np.array([1.0, 0.0, 1.0])])
    assert net.activations[0].tolist() == [2, 1, 0] and net.activations[0].dtype == np.int64
    assert net.gates[0].tolist() == [True, False, True]


def test_float64_parameters_are_copied_not_shared():
    """Arrays already float64 are copied too: changing them afterwards leaves the network alone."""
    coefs, intercepts = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)]
    net = SparseMLP(coefs, intercepts, [["tanh"] * 3])
    X = np.ones((2, 2))
    before = net.predict(X)
    coefs[0][:] = 5.0
    intercepts[0][:] = 5.0
    intercepts[1][:] = 5.0
    np.testing.assert_array_equal(net.predict(X), before)
    assert net.coefs[0][0, 0] == 1.0 and net.intercepts[1][0] == 0.0


@pytest.mark.parametrize("net", [
    # Neuron 1 is constant (no incoming weight) and neuron 2 is off: compact folds and zeroes.
    SparseMLP([np.array([[1.0, 0.0, 2.0]]), np.ones((3, 1))], [np.array([0.1, 0.5, 0.3]), np.zeros(1)],
              [["tanh", "sigmoid", "leaky_relu"]], [[True, True, False]]),
    # Every neuron feeds nothing: compact keeps one, switched off.
    SparseMLP([np.array([[1.0, 2.0]]), np.zeros((2, 1))], [np.ones(2), np.array([0.5])], [["tanh", "tanh"]]),
])
def test_compact_leaves_the_network_it_was_called_on_alone(net):
    """compact returns a new network; the one it is called on keeps its weights, biases and gates."""
    before = copy.deepcopy(net)
    X = np.linspace(-1, 1, 5)[:, None]
    small = net.compact()
    np.testing.assert_allclose(small.predict(X), before.predict(X), rtol=1e-13, atol=1e-13)
    for name in ("coefs", "intercepts", "activations", "gates"):
        for a, b in zip(getattr(net, name), getattr(before, name)):
            np.testing.assert_array_equal(a, b)
    assert net.n_active_neurons == before.n_active_neurons


@pytest.mark.parametrize("X", [np.zeros(2), np.zeros((1, 1, 2))])
def test_predict_refuses_inputs_that_are_not_a_matrix(X):
    """One row must be passed as a (1, n_inputs) matrix: a flat or 3-D array is refused in words."""
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        _one_layer().predict(X)


def test_to_torch_builds_the_compacted_network():
    """The torch module has the compacted network's parameters: switched-off and dead neurons are left out."""
    net = SparseMLP([np.array([[1.0, 2.0, 3.0]]), np.array([[1.0], [0.0], [1.0]])], [np.ones(3), np.zeros(1)],
                    [["tanh", "sigmoid", "leaky_relu"]], [[True, True, False]])
    module = net.to_torch(dtype=torch.float64)
    assert [tuple(p.shape) for p in module.parameters()] == [(1, 1), (1,), (1, 1), (1,)]
    X = np.linspace(-1, 1, 5)[:, None]
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.as_tensor(X)).numpy(), net.predict(X), rtol=1e-13)


def test_summary_says_none_for_a_layer_with_every_neuron_off():
    net = _two_layers(gates=[[False] * 3, [True] * 3])
    assert "hidden 1: 0/3 neurons on (none)" in net.summary()


def test_plot_draws_the_compacted_network_on_the_axes_given():
    """plot draws on the axes passed (and returns them), one marker per input, per neuron of the
    compacted network and for the output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = SparseMLP([np.array([[1.0, 2.0, 3.0]]), np.array([[1.0], [0.0], [1.0]])], [np.ones(3), np.zeros(1)],
                    [["tanh", "sigmoid", "leaky_relu"]], [[True, True, False]])
    fig, ax = plt.subplots()
    try:
        assert net.plot(ax=ax) is ax
        markers = [c for c in ax.collections if len(c.get_offsets())]
        assert len(markers) == 1 + 1 + 1  # the input, the one live neuron, the output
    finally:
        plt.close(fig)


def test_plot_names_the_inputs_and_draws_the_unread_ones_hollow():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = _two_layers(coefs=[np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 1]]), np.eye(3), np.ones((3, 1))])
    fig, ax = plt.subplots()
    try:
        net.plot(ax=ax, input_names=["a", "b", "c"])
        assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
        assert [t.get_color() for t in ax.texts] == ["black", "grey", "black"]
        inputs = [c for c in ax.collections if len(c.get_offsets()) and c.get_offsets()[0][0] == 0]
        white = [tuple(c.get_facecolor()[0]) == (1.0, 1.0, 1.0, 1.0) for c in inputs]
        assert white == [False, True, False]  # the first input at the top, as listed
        assert [c.get_offsets()[0][1] for c in inputs] == [1.0, 0.0, -1.0]
        assert "input not read" in [t.get_text() for t in ax.get_legend().get_texts()]
        ax.clear()
        net.plot(ax=ax)
        assert [t.get_text() for t in ax.texts] == ["x0", "x1", "x2"]
        with pytest.raises(ValueError, match="input_names has 1 names for 3 inputs"):
            net.plot(ax=ax, input_names=["a"])
    finally:
        plt.close(fig)


def test_permute_takes_a_numpy_integer_layer():
    """A layer index from numpy (np.int64) is an index like an int."""
    net = _one_layer()
    X = np.array([[0.3, -0.7]])
    np.testing.assert_allclose(net.permute(np.int64(0), [2, 0, 1]).predict(X), net.predict(X), rtol=1e-14)



def test_every_part_of_a_network_may_be_given_as_a_generator():
    """activations and gates, like coefs and intercepts, may be any iterable: a generator gives
    the network its list gives (it used to fail with "object of type 'generator' has no len()")."""
    coefs, intercepts = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)]
    acts, gates = [["tanh", "sigmoid", "leaky_relu"]], [[True, False, True]]
    net = SparseMLP((c for c in coefs), (b for b in intercepts), (a for a in acts), (g for g in gates))
    ref = SparseMLP(coefs, intercepts, acts, gates)
    X = np.array([[0.3, -0.7], [1.0, 2.0]])
    np.testing.assert_array_equal(net.predict(X), ref.predict(X))
    assert net.n_active_neurons == ref.n_active_neurons == [2]


# From a second mutation run of _encoding.py, _autoencoder.py and _checkpoints.py (a helper):
# what 43 mutants showed untested.


def test_canonical_form_puts_switched_off_neurons_before_the_padding(rng):
    """A network narrower than the layout with switched-off neurons, its neurons moved among the
    padding: the canonical order is switched-on, switched-off, then padding (the unit mask a
    prefix again), so the same matrix and, read back, the same layer sizes and function."""
    net = random_network(rng, sizes=(3, 5), p_on=0.5)
    assert not all(g.all() for g in net.gates)
    batch = batch_from_networks([net], 7, dtype=torch.float64)
    order = torch.tensor([[6, 0, 5, 1, 4, 2, 3]])
    canon = canonicalize(batch.reorder(0, order).reorder(1, order.flip(1)))
    assert torch.equal(canon.unit_mask, batch.unit_mask)
    torch.testing.assert_close(canon.to_matrix(4)[0], canonicalize(batch).to_matrix(4)[0], rtol=0, atol=0)
    back = canon.to_networks()[0]
    assert back.layer_sizes == net.layer_sizes
    X = rng.uniform(-1, 1, (30, 2))
    np.testing.assert_allclose(back.predict(X), net.predict(X), rtol=1e-10, atol=1e-12)


def test_canonical_form_tells_neurons_of_equal_incoming_weights_apart_by_their_bias():
    """Two constant neurons (no incoming weight) of one activation differ only in their bias:
    their order in the input does not change the canonical form."""
    net = SparseMLP([np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]), np.array([[1.0], [2.0], [3.0]])],
                    [np.array([0.5, -0.5, 0.0]), np.zeros(1)], [["tanh"] * 3])
    a, b = (canonicalize(batch_from_networks([n], 3, dtype=torch.float64)).to_matrix(1)[0]
            for n in (net, net.permute(0, [1, 0, 2])))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_canonical_form_groups_switched_on_neurons_by_activation(rng):
    """DESIGN: the switched-on neurons are sorted by activation first, then by their weights."""
    for _ in range(5):
        net = random_network(rng, sizes=(7, 7, 7), p_on=1.0)
        ids = canonicalize(batch_from_networks([net], 7, dtype=torch.float64)).act[0].argmax(-1)
        assert (ids.diff(dim=-1) >= 0).all(), ids


def test_networks_read_back_from_a_batch_keep_their_layer_sizes(rng):
    """batch_from_networks then to_networks gives each network back at its own sizes, not padded
    to the layout's width."""
    nets = [random_network(rng, sizes=(3, 5)), random_network(rng, n_inputs=1, sizes=(7, 2))]
    for back, net in zip(batch_from_networks(nets, 7, dtype=torch.float64).to_networks(), nets):
        assert back.n_inputs == net.n_inputs and back.layer_sizes == net.layer_sizes
        for a, b in zip(back.coefs, net.coefs):
            np.testing.assert_array_equal(a, b)


def test_batches_that_cannot_be_made_are_refused_in_words(rng):
    """No network, networks of two depths, or more inputs than the width: a ValueError saying
    which, not an IndexError or a batch that silently drops layers."""
    with pytest.raises(ValueError, match="No networks given"):
        batch_from_networks([], 7)
    with pytest.raises(ValueError, match="need one depth; got 1 and 2"):
        batch_from_networks([random_network(rng, sizes=(3,)), random_network(rng, sizes=(3, 3))], 7)
    with pytest.raises(ValueError, match=r"layer sizes \[8, 3\] does not fit width 7"):
        batch_from_networks([random_network(rng, n_inputs=8, sizes=(3,))], 7)
    with pytest.raises(ValueError, match="A layout of 1 hidden layers cannot hold depth 2"):
        batch_from_networks([random_network(rng, sizes=(3, 3))], 7).to_matrix(slots=1)


def test_matrices_of_another_shape_are_refused_in_words(rng):
    """network_from_matrix and parse_matrix check the layout's column count (and the mask's
    shape) before reading columns at the wrong offsets."""
    values, mask = network_to_matrix(random_network(rng, sizes=(3,)), width=7)
    with pytest.raises(ValueError, match="A 7 x 55 matrix is not a layout of width 7"):
        network_from_matrix(values[:, :-1], mask[:, :-1])
    with pytest.raises(ValueError, match="A 7 x 56 matrix is not a layout of width 7"):
        network_from_matrix(values, mask[:, :-1])
    with pytest.raises(ValueError, match="Expected 20 columns for depth 1; got 56"):
        parse_matrix(torch.as_tensor(values)[None], depth=1)


def test_soft_network_leaves_the_decoder_output_alone_and_temperature_to_the_activations():
    """soft_network masks the absent inputs' weights in its own copy (the decoder's output, reused
    by the caller, is left as it was); the gates are sigmoid(logit) at any temperature."""
    from sklearn_swat._autoencoder import soft_network

    gen = torch.Generator().manual_seed(0)
    raw = {"weights": torch.randn(1, 1, 2, 2, generator=gen), "biases": torch.zeros(1, 1, 2),
           "act_logits": torch.randn(1, 1, 2, 3, generator=gen),
           "gate_logits": torch.tensor([[[1.0, -2.0]]]), "out_w": torch.ones(1, 2), "out_b": torch.zeros(1)}
    before = {k: v.clone() for k, v in raw.items()}
    net = soft_network(raw, torch.tensor([[1.0, 0.0]]), temperature=0.5)
    for k, v in before.items():
        assert torch.equal(raw[k], v), k
    assert (net.weights[0, 0, 1] == 0).all() and torch.equal(net.weights[0, 0, 0], raw["weights"][0, 0, 0])
    torch.testing.assert_close(net.gates, torch.sigmoid(raw["gate_logits"]))


def _two_tanh(w1, w2, gates=None):
    """A network of two inputs and two tanh neurons with the weights given, biases zero."""
    return SparseMLP([np.array(w1, float), np.array(w2, float)], [np.zeros(2), np.zeros(1)],
                     [["tanh", "tanh"]], gates=gates)


def test_used_inputs_follow_the_non_zero_paths_to_the_output():
    def used(w1, w2, gates=None):
        return _two_tanh(w1, w2, gates).used_inputs.tolist()

    assert used([[1, 0], [0, 0]], [[1], [0]]) == [True, False]
    assert used([[1, 0], [0, 1]], [[0], [1]]) == [False, True]  # neuron 0 reaches nothing
    assert used([[0, 0], [0, 0]], [[1], [1]]) == [False, False]  # no input weight
    assert used([[1, 1], [1, 1]], [[1], [1]], gates=[[False, False]]) == [False, False]
    assert used([[1, 0], [0, 1]], [[1], [1]], gates=[[False, True]]) == [False, True]
    # Two layers: input 2 feeds a first-layer neuron that feeds only a switched-off one.
    net = _two_layers(coefs=[np.eye(3), np.eye(3), np.ones((3, 1))], gates=[[True] * 3, [True, True, False]])
    assert net.used_inputs.tolist() == [True, True, False]
    assert net.used_inputs.dtype == bool and net.used_inputs.shape == (3,)


@pytest.mark.parametrize("seed", range(20))
def test_predictions_do_not_depend_on_unused_inputs(seed):
    """Changing the inputs outside used_inputs leaves every prediction bit for bit the same;
    changing one inside changes some prediction."""
    rng = np.random.RandomState(seed)
    # 13 of these 20 networks read some of their inputs, not all
    net = random_network(rng, n_inputs=6, sizes=(5, 4), sparsity=0.6, p_on=0.8)
    used = net.used_inputs
    X = rng.uniform(-1, 1, (200, 6))
    other = X.copy()
    other[:, ~used] = rng.uniform(-1, 1, (200, int((~used).sum())))
    np.testing.assert_array_equal(net.predict(other), net.predict(X))
    for j in np.flatnonzero(used):
        moved = X.copy()
        moved[:, j] = rng.uniform(-1, 1, 200)
        assert not np.array_equal(net.predict(moved), net.predict(X)), j


def test_summary_lists_the_inputs_read_by_name():
    net = _two_layers(coefs=[np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 1]]), np.eye(3), np.ones((3, 1))])
    assert "\n  inputs: 2/3 read (x0, x2)\n" in net.summary()
    assert "inputs: 2/3 read (a, c)" in net.summary(input_names=["a", "b", "c"])
    dense = _two_layers(coefs=[np.ones((3, 3)), np.eye(3), np.ones((3, 1))])
    assert "\n  inputs: 3/3 read\n" in dense.summary()
    with pytest.raises(ValueError, match="input_names has 2 names for 3 inputs"):
        net.summary(input_names=["a", "b"])
