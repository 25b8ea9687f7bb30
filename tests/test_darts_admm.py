"""Tests of DARTSADMMRegressor, the DARTS+ADMM baseline (cheap settings throughout)."""

import math
import pickle
from types import SimpleNamespace

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.history import History

from sklearn_swat import DARTSADMMRegressor, SparseMLP, _darts_admm
from sklearn_swat._base import effective_n_threads
from sklearn_swat._darts_admm import (
    _ADMMPruning,
    _ArchitectureStep,
    _DARTSADMMNet,
    _final_network,
    _MixedActivationMLP,
    _project_top_k,
    _SlicedBatches,
    _with_a_path,
)

# Tiny data built once (sklearn's test_mlp.py does the same).
_rng = np.random.RandomState(0)
X = _rng.uniform(-2.0, 3.0, size=(160, 2))
y = np.sin(1.5 * X[:, 0]) + 0.3 * X[:, 1] ** 2 + 4.0
N_WEIGHTS = 2 * 7 + 7 * 7 + 7

CHEAP = dict(search_epochs=3, admm_epochs=4, retrain_epochs=4, batch_size=64)


def _n_kept(sparsity, n_weights=N_WEIGHTS):
    return max(1, int(round((1 - sparsity) * n_weights)))


@pytest.fixture(scope="module")
def fitted():
    # A fit good enough to check that it learns, shared by the read-only tests.
    return DARTSADMMRegressor(
        search_epochs=15, admm_epochs=15, retrain_epochs=30, batch_size=32, random_state=0
    ).fit(X, y)


def test_fit_predict_learns(fitted):
    """predict returns one float per row on the target's scale and beats the mean."""
    pred = fitted.predict(X)
    assert pred.shape == (len(X),)
    assert pred.dtype == np.float64
    assert fitted.score(X, y) > 0.7
    assert isinstance(fitted.network_, SparseMLP)
    assert fitted.depth_ == 2
    assert fitted.n_features_in_ == 2


def test_views_come_from_the_network(fitted):
    """The base class's views read the fitted SparseMLP."""
    net = fitted.network_
    assert fitted.n_nonzero_ == net.n_nonzero
    assert fitted.n_active_neurons_ == net.n_active_neurons
    assert len(fitted.activations_) == 2
    assert "non-zero parameters" in fitted.summary()
    np.testing.assert_array_equal(fitted.used_features_, net.used_inputs)
    assert f"inputs: {fitted.used_features_.sum()}/{fitted.n_features_in_} read" in fitted.summary()
    for w, acts in zip(fitted.arch_weights_, net.activations):
        np.testing.assert_allclose(w.sum(axis=1), 1.0)
        np.testing.assert_array_equal(w.argmax(axis=1), acts)
    assert set(fitted.history_) == {"search", "admm", "retrain"}
    assert len(fitted.history_["admm"]) == 15


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 0.5, 0.8, 0.99, 0.999])
def test_sparsity_achieved_and_pruned_weights_exactly_zero(sparsity):
    """The mask keeps round((1 - sparsity) * n_weights) weights; all others are exactly 0."""
    reg = DARTSADMMRegressor(sparsity=sparsity, random_state=0, **CHEAP).fit(X, y)
    k = _n_kept(sparsity)
    masks = reg.weight_masks_
    assert [m.shape for m in masks] == [c.shape for c in reg.network_.coefs]
    assert sum(int(m.sum()) for m in masks) == k
    n_weights_nonzero = 0
    for c, m in zip(reg.network_.coefs, masks):
        assert np.all(c[~m] == 0.0)
        n_weights_nonzero += int(np.count_nonzero(c))
    # Folding constant neurons may zero a few more, never fewer.
    assert n_weights_nonzero <= k
    # Size: weights plus at most every hidden bias and the output bias.
    assert reg.n_nonzero_ <= k + 7 + 7 + 1


@pytest.mark.parametrize("solver", ["lbfgs", "lm"])
def test_polish_finishes_the_retrained_weights_with_the_mask_kept(solver):
    """polish_iter trains the surviving weights by L-BFGS or Levenberg-Marquardt, as SWAT's
    polish: a lower training error, the same zeros, activations and size; polish_iter=0 is the
    retrained network itself."""
    from sklearn_swat._polish import polish

    raw = DARTSADMMRegressor(random_state=0, polish_iter=0, **CHEAP).fit(X, y)
    done = DARTSADMMRegressor(random_state=0, polish_iter=200, polish_solver=solver, **CHEAP).fit(X, y)
    assert done.score(X, y) > raw.score(X, y) + 0.05
    assert done.n_nonzero_ == raw.n_nonzero_
    assert [a.tolist() for a in done.network_.activations] == [a.tolist() for a in raw.network_.activations]
    for a, b in zip(done.network_.coefs, raw.network_.coefs):
        np.testing.assert_array_equal(a == 0, b == 0)
    # It is SWAT's polish, on the scaled training rows, from the unpolished network.
    Xs = X * raw.x_scale_ + raw.x_offset_
    ys = (y - raw.y_offset_) / raw.y_scale_
    expected = polish(raw.network_, Xs, ys, max_iter=200, solver=solver)[0]
    np.testing.assert_array_equal(done.network_.predict(Xs), expected.predict(Xs))


def test_default_sparsity_counts_on_full_shape():
    """With the default shape and sparsity half of the 70 weights survive."""
    reg = DARTSADMMRegressor(random_state=1, **CHEAP).fit(X, y)
    assert sum(int(m.sum()) for m in reg.weight_masks_) == 35
    assert reg.network_.layer_sizes == [7, 7]


def test_same_random_state_bit_identical_and_global_rng_untouched():
    """Same int random_state -> identical predictions; the global torch RNG is left alone."""
    torch.manual_seed(123)
    before = torch.get_rng_state()
    p1 = DARTSADMMRegressor(random_state=7, **CHEAP).fit(X, y).predict(X)
    assert torch.equal(torch.get_rng_state(), before)
    p2 = DARTSADMMRegressor(random_state=7, **CHEAP).fit(X, y).predict(X)
    p3 = DARTSADMMRegressor(random_state=8, **CHEAP).fit(X, y).predict(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)


def test_grid_search_over_sparsity():
    """Works as a scikit-learn estimator inside GridSearchCV."""
    grid = GridSearchCV(
        DARTSADMMRegressor(random_state=0, **CHEAP),
        {"sparsity": [0.3, 0.7]},
        cv=2,
    ).fit(X, y)
    assert grid.best_params_["sparsity"] in (0.3, 0.7)
    kept = sum(int(m.sum()) for m in grid.best_estimator_.weight_masks_)
    assert kept == _n_kept(grid.best_params_["sparsity"])
    assert grid.predict(X).shape == (len(X),)


@pytest.mark.parametrize("sparsity", [1.0, 1.5, -0.1])
def test_invalid_sparsity_rejected(sparsity):
    """sparsity outside [0, 1) is rejected in fit with a message that names it."""
    reg = DARTSADMMRegressor(sparsity=sparsity, **CHEAP)
    with pytest.raises(InvalidParameterError, match=r"'sparsity' parameter .* range \[0.0, 1.0\)"):
        reg.fit(X, y)


@pytest.mark.parametrize("column", [np.full(len(X), 7.0), 1e6 + 1e-7 * np.linspace(0, 1, len(X))],
                         ids=["constant", "constant-but-for-rounding"])
def test_a_feature_constant_in_training_keeps_no_weights(column):
    """Its weights learned nothing: they are zeroed before the top-k and stay zero (the feature
    is 0 on every scaled training row: no gradient), so the network does not count them and a
    new value of that feature does not move the predictions. A spread of 1e-13 of the values'
    size is rounding, which the scaling counts as constant (an audit found such a column read)."""
    Xc = np.c_[X, column]
    reg = DARTSADMMRegressor(sparsity=0.5, random_state=0, **CHEAP).fit(Xc, y)
    assert not reg.weight_masks_[0][2].any() and not reg.network_.coefs[0][2].any()
    moved = Xc.copy()
    moved[:, 2] = -3.0
    np.testing.assert_array_equal(reg.predict(moved), reg.predict(Xc))


@pytest.mark.parametrize("sizes", [(), (7, 7, 7, 7, 7), (7, 0), (7, 2.5), (True,), True])
def test_invalid_hidden_layer_sizes_rejected(sizes):
    """Depths outside 1..4 and non-positive or non-integer widths fail in fit."""
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        DARTSADMMRegressor(hidden_layer_sizes=sizes, **CHEAP).fit(X, y)


@pytest.mark.parametrize("param", ["batch_size", "search_epochs", "polish_iter", "n_jobs"])
def test_a_boolean_for_an_integer_setting_is_refused_by_name(param):
    """scikit-learn's parameter check takes True for 1; the estimator names the setting."""
    with pytest.raises(ValueError, match=f"{param} must be an integer, not a boolean; got True"):
        DARTSADMMRegressor(**{**CHEAP, param: True}).fit(X, y)


def test_bad_input_errors():
    """NaN, wrong feature count and predicting before fit give clear errors."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DARTSADMMRegressor().predict(X)
    Xnan = X.copy()
    Xnan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DARTSADMMRegressor(**CHEAP).fit(Xnan, y)
    reg = DARTSADMMRegressor(random_state=0, **CHEAP).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        reg.predict(X[:, :1])


def test_inputs_not_mutated():
    """fit and predict leave X and y as they were, float32 and read-only inputs included."""
    X32 = X.astype(np.float32)
    y_copy, X32_copy = y.copy(), X32.copy()
    X32.setflags(write=False)
    reg = DARTSADMMRegressor(random_state=0, **CHEAP).fit(X32, y)
    reg.predict(X32)
    np.testing.assert_array_equal(X32, X32_copy)
    np.testing.assert_array_equal(y, y_copy)
    params = reg.get_params()
    assert params["hidden_layer_sizes"] == (7, 7)
    assert params["sparsity"] == 0.5


def test_export_torch_matches_predict(fitted):
    """The exported torch module computes predict, scaling included."""
    module = fitted.export_torch(dtype=torch.float64)
    with torch.no_grad():
        out = module(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(out, fitted.predict(X), rtol=1e-10, atol=1e-10)
    module32 = fitted.export_torch()
    with torch.no_grad():
        out32 = module32(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(out32, fitted.predict(X), rtol=1e-4, atol=1e-4)


def test_pickle_round_trip(fitted, tmp_path):
    """joblib and pickle round trips keep predictions identical."""
    path = tmp_path / "reg.joblib"
    joblib.dump(fitted, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), fitted.predict(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X), fitted.predict(X))


def test_n_jobs_restores_torch_threads():
    """n_jobs sets torch's threads during fit only."""
    before = torch.get_num_threads()
    DARTSADMMRegressor(n_jobs=1, random_state=0, **CHEAP).fit(X, y)
    assert torch.get_num_threads() == before


def test_verbose_prints_phases(capsys):
    """verbose=1 announces each phase and shows skorch's epoch table."""
    DARTSADMMRegressor(verbose=1, random_state=0, search_epochs=1, admm_epochs=1,
                       retrain_epochs=1).fit(X, y)
    out = capsys.readouterr().out
    assert "[DARTS] search" in out and "[ADMM]" in out and "[retrain]" in out
    assert "train_loss" in out


def test_one_hidden_layer_and_other_widths():
    """Depth and widths follow hidden_layer_sizes; the weight count follows the shape."""
    reg = DARTSADMMRegressor(hidden_layer_sizes=(5,), sparsity=0.4, random_state=0, **CHEAP).fit(X, y)
    assert reg.depth_ == 1
    assert sum(int(m.sum()) for m in reg.weight_masks_) == _n_kept(0.4, 2 * 5 + 5)


def test_project_top_k_is_global():
    """The ADMM projection keeps the k largest magnitudes over all layers together."""
    w = [torch.tensor([[0.1, -5.0]]), torch.tensor([[3.0], [-0.2]])]
    masks = _project_top_k(w, 2)
    assert [m.tolist() for m in masks] == [[[0.0, 1.0]], [[1.0], [0.0]]]


def test_project_top_k_leaves_no_layer_empty():
    """A layer with no weight cuts the network: its largest entry is kept, in place of the
    smallest kept entry of a layer that keeps more than one."""
    w = [torch.tensor([[4.0, -5.0], [3.0, 0.5]]), torch.tensor([[0.1], [-0.2]])]
    masks = _project_top_k(w, 3)
    assert [m.tolist() for m in masks] == [[[1.0, 1.0], [0.0, 0.0]], [[0.0], [1.0]]]
    assert sum(int(m.sum()) for m in masks) == 3
    # As many weights as layers: one in each.
    assert [m.tolist() for m in _project_top_k(w, 2)] == [[[0.0, 1.0], [0.0, 0.0]], [[0.0], [1.0]]]
    # Fewer weights than layers: the plain top k.
    assert [m.tolist() for m in _project_top_k(w, 1)] == [[[0.0, 1.0], [0.0, 0.0]], [[0.0], [0.0]]]


def test_a_final_mask_without_a_path_keeps_the_strongest_path_instead():
    """Kept weights in every layer may connect no input to the output (a constant network): the
    path of largest magnitudes is kept, in place of the smallest other kept entry."""
    w = [torch.tensor([[9.0, 0.1], [0.2, 0.3]]),  # (out, in), as nn.Linear
         torch.tensor([[0.05, 0.01], [0.02, 8.0]]),
         torch.tensor([[7.0, 0.04]])]
    top = _project_top_k(w, 4)  # 9, 8, 7 and 0.3: the output reads a neuron nothing reaches
    assert [m.tolist() for m in top] == [[[1, 0], [0, 1]], [[0, 0], [0, 1]], [[1, 0]]]
    fixed = _with_a_path(w, top)
    assert [m.tolist() for m in fixed] == [[[1, 0], [0, 0]], [[1, 0], [0, 1]], [[1, 0]]]
    assert [m.tolist() for m in top] == [[[1, 0], [0, 1]], [[0, 0], [0, 1]], [[1, 0]]]  # not mutated
    # A mask with a path is kept as it is.
    assert _with_a_path(w, fixed) is fixed


def test_deep_sparse_network_keeps_a_path_to_the_output():
    # 2-7-7-7-7-1 at sparsity 0.9: the 17 largest weights left every output weight on a neuron
    # nothing reaches, and the network was a constant for every seed tried.
    rng = np.random.RandomState(0)
    X4 = rng.uniform(-1, 1, (400, 2))
    y4 = np.sin(2 * X4[:, 0]) + X4[:, 1] ** 2
    reg = DARTSADMMRegressor(hidden_layer_sizes=(7, 7, 7, 7), sparsity=0.9, random_state=0).fit(X4, y4)
    assert sum(int(m.sum()) for m in reg.weight_masks_) == 17
    assert reg.n_nonzero_ > 1 and reg.score(X4, y4) > 0


def test_small_network_is_not_cut_to_a_constant():
    # 2-2-1 with 3 of its 6 weights: the top 3 were all in the first layer, a constant network.
    rng = np.random.RandomState(0)
    X2 = rng.uniform(-1, 1, (200, 2))
    y2 = np.sin(2 * X2[:, 0]) + X2[:, 1] ** 2
    reg = DARTSADMMRegressor(hidden_layer_sizes=(2,), search_epochs=5, admm_epochs=10, retrain_epochs=5,
                             batch_size=64, random_state=3).fit(X2, y2)
    assert [int(m.sum()) for m in reg.weight_masks_] == [2, 1]
    assert np.ptp(reg.predict(X2)) > 0.1 and reg.score(X2, y2) > 0  # a function of X, not the mean


def _final_network_keeps_the_function(module, masks):
    """The final network of ``module`` under ``masks``, checked to compute what the module does."""
    module.set_masks(masks)
    net = _final_network(module)
    Xt = torch.as_tensor(X[:20], dtype=torch.float32)
    with torch.no_grad():
        expected = module(Xt)[:, 0].double().numpy()
    np.testing.assert_allclose(net.predict(X[:20]), expected, rtol=1e-5, atol=1e-5)
    return net


def test_final_network_folds_constant_and_drops_dead_neurons():
    """Switching off dead neurons and folding constant ones keeps the function."""
    module = _mixed_mlp((3, 3))
    module.fix_activations()
    masks = [torch.ones_like(w) for w in module.weights()]
    masks[0][1, :] = 0.0  # neuron 1 of layer 1: no incoming weight, outputs a constant
    masks[2][0, 2] = 0.0  # neuron 2 of layer 2: no outgoing weight, dead
    net = _final_network_keeps_the_function(module, masks)
    assert net.n_active_neurons == [2, 2]
    assert net.n_nonzero < SparseMLP(net.coefs, net.intercepts, net.activations).n_nonzero


def test_fits_in_threads_match_serial_fits():
    """Fits running at once in threads draw from their own generators, not torch's global one."""
    from concurrent.futures import ThreadPoolExecutor

    seeds = [1, 2, 3, 4]
    serial = [DARTSADMMRegressor(random_state=s, **CHEAP).fit(X, y).predict(X) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(
            pool.map(
                lambda s: DARTSADMMRegressor(random_state=s, n_jobs=1, **CHEAP)
                .fit(X, y)
                .predict(X),
                seeds,
            )
        )
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "params", [dict(rho_growth=0.5), dict(search_epochs=0), dict(rho=0.0), dict(polish_solver="newton")]
)
def test_out_of_range_admm_and_search_parameters_rejected(params):
    """rho_growth < 1 (rho would shrink), no search epoch, rho = 0 or a polish solver other than
    "lbfgs" and "lm" are refused in fit, before any training."""
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        DARTSADMMRegressor(**dict(CHEAP, **params)).fit(X, y)


def _mixed_mlp(hidden):
    """A mixed-activation MLP of 2 inputs and these hidden widths, its initial weights seeded."""
    return _MixedActivationMLP(2, hidden, torch.Generator().manual_seed(0))


def _module_with_weights(w0, w1):
    """A 2-2-1 mixed-activation MLP whose weights are ``w0`` (2, 2) and ``w1`` (1, 2)."""
    module = _mixed_mlp((2,))
    _set_weights(module, w0, w1)
    return module


def _set_weights(module, w0, w1):
    with torch.no_grad():
        module.linears[0].weight.copy_(torch.tensor(w0))
        module.linears[1].weight.copy_(torch.tensor(w1))


def test_admm_rounds_follow_the_documented_updates():
    """ADMM (Zhang et al.): at the start U = 0 and Z = top_k(W); after each round
    Z = top_k(W + U), U += W - Z, rho *= rho_growth; the penalty is rho/2 ||W - Z + U||^2."""
    k, rho, growth = 3, 0.5, 2.0
    module = _module_with_weights([[4.0, -0.5], [0.25, 3.0]], [[-2.0, 0.125]])
    admm = _ADMMPruning(k, rho, growth)
    net = SimpleNamespace(module_=module, history=History())
    net.history.new_epoch()
    admm.on_train_begin(net)
    W = [w.detach().clone() for w in module.weights()]
    # Start: U = 0, Z = the k largest entries of W, the others exactly 0.
    assert all(torch.equal(u, torch.zeros_like(w)) for u, w in zip(admm.U_, W))
    assert [z.tolist() for z in admm.Z_] == [[[4.0, 0.0], [0.0, 3.0]], [[-2.0, 0.0]]]
    assert admm.rho_ == rho
    torch.testing.assert_close(admm.penalty(module), torch.tensor(0.5 * rho * (0.5**2 + 0.25**2 + 0.125**2)))

    # One round with a non-zero dual U: Z projects W + U, not W.
    _set_weights(module, [[1.0, -0.5], [0.25, 3.0]], [[-2.0, 0.125]])
    admm.U_ = [torch.tensor([[0.0, -4.0], [0.0, 0.0]]), torch.tensor([[0.0, 0.0]])]
    admm.on_epoch_end(net)
    # W + U = [[1, -4.5], [0.25, 3]], [[-2, 0.125]]: the 3 largest are -4.5, 3 and -2.
    assert [z.tolist() for z in admm.Z_] == [[[0.0, -4.5], [0.0, 3.0]], [[-2.0, 0.0]]]
    assert [u.tolist() for u in admm.U_] == [[[1.0, 0.0], [0.25, 0.0]], [[0.0, 0.125]]]  # U += W - Z
    # rho grows after the round; the history records the round's rho and ||W - Z||.
    assert admm.rho_ == rho * growth
    assert net.history[-1, "rho"] == rho
    assert net.history[-1, "admm_residual"] == pytest.approx(math.sqrt(1.0**2 + 4.0**2 + 0.25**2 + 0.125**2))
    # The penalty takes the new rho, and + U: W - Z + U = [[2, 4], [0.5, 0]], [[0, 0.25]].
    torch.testing.assert_close(
        admm.penalty(module), torch.tensor(0.5 * rho * growth * (4.0 + 16.0 + 0.25 + 0.0625))
    )


def test_admm_penalty_is_in_the_training_loss_and_the_logits_are_not_weights():
    """The net adds every callback's penalty to the training loss (not to other losses), and
    its optimizer sees the weights and biases only: the architecture logits have their own."""
    module = _mixed_mlp((3,))
    admm = _ADMMPruning(2, 0.7, 1.1)
    net = _DARTSADMMNet(
        module, max_epochs=1, lr=0.01, optimizer=torch.optim.Adam, train_split=None,
        callbacks=[("admm", admm)], callbacks__print_log=None,
    ).initialize()
    admm.on_train_begin(net)
    Xt = torch.as_tensor(X[:10], dtype=torch.float32)
    yt = torch.as_tensor(y[:10, None], dtype=torch.float32)
    with torch.no_grad():
        pred = net.infer(Xt)
        data = net.get_loss(pred, yt, training=False)
        full = net.get_loss(pred, yt, training=True)
        penalty = admm.penalty(module)
    assert penalty > 0
    torch.testing.assert_close(full - data, penalty)
    names = {name for name, _ in net.get_all_learnable_params()}
    assert names == {"linears.0.weight", "linears.0.bias", "linears.1.weight", "linears.1.bias"}
    optimised = {id(p) for group in net.optimizer_.param_groups for p in group["params"]}
    assert not any(id(p) in optimised for p in module.arch_logits)


def _record_architecture_rows(monkeypatch) -> list:
    """Record the rows (a copy of X) each architecture step is built with, one array per fit's search."""
    rows, real_init = [], _darts_admm._ArchitectureStep.__init__

    def init(self, X_, *args, **kw):
        rows.append(np.asarray(X_).copy())
        real_init(self, X_, *args, **kw)

    monkeypatch.setattr(_darts_admm._ArchitectureStep, "__init__", init)
    return rows


def test_each_phase_trains_on_the_documented_rows(monkeypatch):
    """Search: weights on one half of the rows and architecture logits on the other half
    (disjoint, together all rows); ADMM and retraining: all rows."""
    seen, arch = [], _record_architecture_rows(monkeypatch)
    real_fit = _DARTSADMMNet.fit

    def fit(self, X_, y_=None, **kw):
        seen.append(np.asarray(X_).copy())
        return real_fit(self, X_, y_, **kw)

    monkeypatch.setattr(_DARTSADMMNet, "fit", fit)
    reg = DARTSADMMRegressor(random_state=0, **CHEAP).fit(X, y)
    scaled = (X * reg.x_scale_ + reg.x_offset_).astype(np.float32)

    def rows(a):
        return {tuple(r) for r in a.tolist()}

    search, admm, retrain = seen
    assert len(search) == len(X) - len(X) // 2 and len(arch[0]) == len(X) // 2
    assert rows(search).isdisjoint(rows(arch[0]))
    assert rows(search) | rows(arch[0]) == rows(scaled)
    assert len(admm) == len(retrain) == len(X)
    assert rows(admm) == rows(retrain) == rows(scaled)


def test_no_admm_phase_where_nothing_is_pruned():
    """sparsity=0 keeps every weight, and admm_epochs=0 asks for no round: no ADMM phase."""
    reg = DARTSADMMRegressor(sparsity=0.0, random_state=0, **CHEAP).fit(X, y)
    assert set(reg.history_) == {"search", "retrain"}
    reg = DARTSADMMRegressor(sparsity=0.5, random_state=0, **dict(CHEAP, admm_epochs=0)).fit(X, y)
    assert set(reg.history_) == {"search", "retrain"}
    assert set(DARTSADMMRegressor(sparsity=0.5, random_state=0, **CHEAP).fit(X, y).history_) == {
        "search", "admm", "retrain"}


def test_retraining_learning_rate_follows_a_cosine_decay():
    """Retraining's learning rate decays from lr towards 0 on a cosine over retrain_epochs."""
    reg = DARTSADMMRegressor(lr=0.02, random_state=0, **dict(CHEAP, retrain_epochs=6)).fit(X, y)
    lrs = reg.history_["retrain"][:, "event_lr"]  # the rate each epoch trained with
    np.testing.assert_allclose(lrs, [0.01 * (1 + math.cos(math.pi * e / 6)) for e in range(6)], atol=1e-12)


def test_arch_lr_drives_the_architecture_logits():
    """arch_lr is the logits' learning rate: a tiny one leaves the mixture nearly uniform
    (DARTS starts from 1e-3 * N(0, 1) logits), a large one moves it."""
    still = DARTSADMMRegressor(arch_lr=1e-7, random_state=0, **CHEAP).fit(X, y)
    moved = DARTSADMMRegressor(arch_lr=0.3, random_state=0, **CHEAP).fit(X, y)
    for w in still.arch_weights_:
        np.testing.assert_allclose(w, 1 / 3, atol=1e-3)
    assert max(np.abs(w - 1 / 3).max() for w in moved.arch_weights_) > 0.05


def test_batches_cover_every_row_once_shuffled_by_the_generator():
    """Every row once per pass, in batches of batch_size (the last one shorter), reshuffled by
    the generator at each pass when shuffle=True, in order otherwise."""
    data = SimpleNamespace(X=np.arange(10, dtype=np.float32)[:, None], y=np.zeros((10, 1), np.float32))
    plain = _SlicedBatches(data, batch_size=4)
    assert len(plain) == 3
    assert [xb[:, 0].tolist() for xb, _ in plain] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shuffled = _SlicedBatches(data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    passes = [torch.cat([xb[:, 0] for xb, _ in shuffled]).tolist() for _ in range(2)]
    assert all(sorted(p) == list(range(10)) for p in passes)
    assert passes[0] != list(range(10)) and passes[0] != passes[1]
    again = _SlicedBatches(data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    assert torch.cat([xb[:, 0] for xb, _ in again]).tolist() == passes[0]


def test_random_state_seeds_the_initial_weights(monkeypatch):
    """random_state seeds the torch draws (initial weights and logits), not only the split."""
    inits = []
    real_init = _MixedActivationMLP.__init__

    def init(self, *args, **kw):
        real_init(self, *args, **kw)
        inits.append(torch.cat([p.detach().reshape(-1).clone() for p in self.parameters()]))

    monkeypatch.setattr(_MixedActivationMLP, "__init__", init)
    small = dict(search_epochs=1, admm_epochs=1, retrain_epochs=1, polish_iter=0, batch_size=64)
    for seed in (1, 1, 2):
        DARTSADMMRegressor(random_state=seed, **small).fit(X, y)
    assert torch.equal(inits[0], inits[1])
    assert not torch.equal(inits[0], inits[2])


def test_masked_weights_contribute_nothing_and_get_no_gradient():
    """Pruned weights stay out of the forward pass and get no gradient, so retraining cannot
    grow them back (the fitted network reads the weights through the mask)."""
    module = _mixed_mlp((3,))
    module.fix_activations()
    masks = [torch.ones_like(w) for w in module.weights()]
    masks[0][0, :] = 0.0
    masks[1][0, 1] = 0.0
    module.set_masks(masks)
    Xt = torch.as_tensor(X[:20], dtype=torch.float32)
    with torch.no_grad():
        out = module(Xt)
        module.linears[0].weight[0] = 5.0  # pruned entries given a value: nothing changes
        module.linears[1].weight[0, 1] = -5.0
        torch.testing.assert_close(module(Xt), out, rtol=0, atol=0)
    module(Xt).sum().backward()
    assert torch.all(module.linears[0].weight.grad[0] == 0)
    assert module.linears[1].weight.grad[0, 1] == 0
    assert module.linears[0].weight.grad[1:].abs().sum() > 0


def test_final_network_switches_off_what_reaches_only_dead_neurons_and_folds_the_last_layer():
    """A neuron whose only outgoing weight goes to a dead neuron is dead too, and a neuron of the
    last hidden layer with no incoming weight is folded into the output bias through its own
    activation; the folded neuron's outgoing weights are zero, and the function is kept."""
    module = _mixed_mlp((3, 3))
    with torch.no_grad():
        module.arch_logits[1][1] = torch.tensor([0.0, 0.0, 1.0])  # leaky ReLU, not sigmoid
        module.linears[1].bias[1] = -0.8  # where leaky ReLU and sigmoid differ
    module.fix_activations()
    masks = [torch.ones_like(w) for w in module.weights()]  # (out, in), as nn.Linear
    masks[2][0, 2] = 0.0  # layer-2 neuron 2: no outgoing weight, dead
    masks[1][:2, 0] = 0.0  # layer-1 neuron 0: its only outgoing weight goes to that dead neuron
    masks[1][1, :] = 0.0  # layer-2 neuron 1: no incoming weight, a constant
    net = _final_network_keeps_the_function(module, masks)
    assert [np.asarray(g).tolist() for g in net.gates] == [[False, True, True], [True, False, False]]
    assert net.n_active_neurons == [2, 1]
    # 2 x 2 input weights, 2 biases; 2 weights into neuron 0 of layer 2, its bias; 1 output
    # weight and the output bias.
    assert net.n_nonzero == 4 + 2 + 2 + 1 + 1 + 1
    assert np.all(net.coefs[2][1] == 0.0)  # the folded neuron's output weight


def test_final_network_pruned_weights_are_positive_zeros():
    """Pruned weights are 0.0, not the -0.0 that masking a negative weight gives (it would print
    as "-0" and compare equal, but its sign bit would differ from SWAT's networks)."""
    module = _mixed_mlp((3, 3))
    module.fix_activations()
    masks = [torch.ones_like(w) for w in module.weights()]
    masks[0][:, 0] = 0.0
    masks[1][0, :] = 0.0
    module.set_masks(masks)
    # set_masks multiplies the weights by the mask: the negative ones pruned are now -0.0.
    assert any(torch.signbit(w)[m == 0].any() for w, m in zip(module.weights(), masks))
    net = _final_network(module)
    for c in net.coefs:
        assert not np.signbit(c[c == 0]).any()


@pytest.mark.parametrize("param, value", [("batch_size", 0), ("lr", 0.0), ("arch_lr", 0.0)])
def test_zero_batch_size_or_learning_rate_refused_by_name(param, value):
    """An empty batch or a learning rate of zero cannot train: refused in fit, by name."""
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        DARTSADMMRegressor(**dict(CHEAP, **{param: value})).fit(X, y)


def test_documented_boundary_values_are_accepted():
    """rho_growth=1 (rho constant), retrain_epochs=0 (no retraining: the pruned network as it is),
    n_jobs=None (one thread) and an int hidden_layer_sizes (one layer) all fit."""
    reg = DARTSADMMRegressor(rho_growth=1.0, random_state=0, **CHEAP).fit(X, y)
    assert reg.history_["admm"][:, "rho"] == [1e-3] * CHEAP["admm_epochs"]
    reg = DARTSADMMRegressor(random_state=0, n_jobs=None, **dict(CHEAP, retrain_epochs=0)).fit(X, y)
    assert set(reg.history_) == {"search", "admm"}
    assert sum(int(m.sum()) for m in reg.weight_masks_) == 35
    for c, m in zip(reg.network_.coefs, reg.weight_masks_):
        assert np.all(c[~m] == 0.0)
    reg = DARTSADMMRegressor(5, random_state=0, **CHEAP).fit(X, y)
    assert reg.depth_ == 1 and reg.network_.layer_sizes == [5]
    # Wider than the paper's search space (7) too: the int is a width, not bounded by it.
    reg = DARTSADMMRegressor(9, random_state=0, **CHEAP).fit(X, y)
    assert reg.depth_ == 1 and reg.network_.layer_sizes == [9]


def test_polish_runs_on_a_random_8192_rows_seeded_by_random_state(monkeypatch):
    """On more rows than SWAT's polish takes, the polish gets 8192 distinct training rows, the same
    for the same random_state and others for another one."""
    seen = []
    real_polish = _darts_admm.polish

    def polish(network, Xp, yp, **kw):
        seen.append(Xp.copy())
        return real_polish(network, Xp, yp, **kw)

    monkeypatch.setattr(_darts_admm, "polish", polish)
    rng = np.random.RandomState(0)
    Xb = rng.uniform(-1, 1, size=(9000, 2))
    yb = Xb[:, 0] * Xb[:, 1]
    small = dict(search_epochs=1, admm_epochs=1, retrain_epochs=1, batch_size=1024, polish_iter=1)
    regs = [DARTSADMMRegressor(random_state=s, **small).fit(Xb, yb) for s in (0, 0, 1)]
    scaled = Xb * regs[0].x_scale_ + regs[0].x_offset_
    rows = {tuple(r) for r in scaled.tolist()}
    assert [len(s) for s in seen] == [8192] * 3
    assert len({tuple(r) for r in seen[0].tolist()}) == 8192
    assert {tuple(r) for r in seen[0].tolist()} <= rows
    np.testing.assert_array_equal(seen[0], seen[1])
    assert not np.array_equal(seen[0], seen[2])


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_n_jobs_sets_the_torch_threads_of_the_training(monkeypatch, n_jobs):
    """Training runs on the threads n_jobs asks for (capped at the cores; -1: all of them), not
    always one."""
    counts = []
    real_forward = _MixedActivationMLP.forward

    def forward(self, X_):
        counts.append(torch.get_num_threads())
        return real_forward(self, X_)

    monkeypatch.setattr(_MixedActivationMLP, "forward", forward)
    one_epoch = dict(search_epochs=1, admm_epochs=1, retrain_epochs=1, polish_iter=0, batch_size=64)
    DARTSADMMRegressor(n_jobs=n_jobs, random_state=0, **one_epoch).fit(X, y)
    assert counts and set(counts) == {effective_n_threads(n_jobs)}


def test_fitted_attributes_have_the_documented_types_and_shapes():
    """weight_masks_ are bool arrays shaped like network_.coefs, arch_weights_ float64 arrays of
    shape (width, 3) whose rows are softmax weights, device_ a torch.device."""
    reg = DARTSADMMRegressor((4, 3), random_state=0, **CHEAP).fit(X, y)
    assert [m.dtype for m in reg.weight_masks_] == [np.dtype(bool)] * 3
    assert [m.shape for m in reg.weight_masks_] == [c.shape for c in reg.network_.coefs]
    assert [w.shape for w in reg.arch_weights_] == [(4, 3), (3, 3)]
    assert all(w.dtype == np.float64 for w in reg.arch_weights_)
    for w in reg.arch_weights_:
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-6)
    assert isinstance(reg.device_, torch.device) and reg.device_.type == "cpu"


def test_project_top_k_keeps_exactly_k_among_ties():
    """Entries of equal magnitude do not push the count past k: ties go to the earlier entry (layer
    order, then row-major), so the mask is the same on every run."""
    w = [torch.tensor([[1.0, -1.0], [1.0, 0.5]]), torch.tensor([[-1.0], [1.0]])]
    for k in (1, 2, 3, 4):
        masks = _project_top_k(w, k)
        assert sum(int(m.sum()) for m in masks) == k
    assert [m.tolist() for m in _project_top_k(w, 1)] == [[[1.0, 0.0], [0.0, 0.0]], [[0.0], [0.0]]]
    # k = 3: the three first 1s are in layer 0, whose last one makes way for layer 1's first.
    assert [m.tolist() for m in _project_top_k(w, 3)] == [[[1.0, 1.0], [0.0, 0.0]], [[1.0], [0.0]]]
    # The default shape's 70 weights, all of magnitude 1 (a sort that is not stable breaks these
    # ties otherwise): the first 35, but the 35th makes way for the output layer's first.
    signs = torch.tensor([1.0, -1.0]).repeat(35)
    w = [signs[:14].reshape(7, 2), signs[14:63].reshape(7, 7), signs[63:].reshape(1, 7)]
    kept = torch.cat([m.reshape(-1) for m in _project_top_k(w, 35)])
    assert kept.nonzero().flatten().tolist() == [*range(34), 63]


def test_project_top_k_takes_the_way_only_from_a_layer_that_keeps_more_than_one():
    """A layer left empty gets its largest entry in place of the smallest kept entry of a layer
    keeping more than one, never of a layer keeping one (which would be cut in its turn)."""
    w = [torch.tensor([[5.0, 4.0]]), torch.tensor([[0.3]]), torch.tensor([[0.1]])]
    masks = _project_top_k(w, 3)  # the top 3 (5, 4, 0.3) leave the last layer empty
    assert [m.tolist() for m in masks] == [[[1.0, 0.0]], [[1.0]], [[1.0]]]


def test_a_mask_of_one_weight_per_layer_without_a_path_is_mended():
    """With as many kept weights as layers, one in each, the two can still miss each other: the
    strongest path is kept instead (the count unchanged), not a constant network."""
    w = [torch.tensor([[9.0, 0.1], [0.2, 0.3]]), torch.tensor([[0.05, 8.0]])]
    masks = [torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[0.0, 1.0]])]  # 9 and 8: no path
    fixed = _with_a_path(w, masks)
    # Input 1 -> neuron 1 -> output (0.3 * 8) beats input 0 -> neuron 0 -> output (9 * 0.05).
    assert [m.tolist() for m in fixed] == [[[0.0, 0.0], [0.0, 1.0]], [[0.0, 1.0]]]


def test_rho_starts_at_rho_and_grows_by_rho_growth_once_per_round():
    """The first ADMM round uses rho, and every round (epoch, whatever its number of batches)
    multiplies it by rho_growth once; one residual per round."""
    reg = DARTSADMMRegressor(rho=0.05, rho_growth=2.0, polish_iter=0, random_state=0,
                             **dict(CHEAP, batch_size=32)).fit(X, y)
    admm = reg.history_["admm"]
    rounds = CHEAP["admm_epochs"]
    np.testing.assert_allclose(admm[:, "rho"], [0.05 * 2.0**e for e in range(rounds)], rtol=1e-12)
    assert len(admm[:, "admm_residual"]) == rounds


def test_architecture_step_moves_only_the_logits_with_adam_at_its_rate():
    """One architecture step is an Adam step of the logits alone at arch_lr (Adam's first step
    moves each logit by about the rate), on a batch of the architecture rows; the weights stay."""
    module = _mixed_mlp((3,))
    net = _DARTSADMMNet(module, max_epochs=1, lr=0.01, optimizer=torch.optim.Adam, train_split=None,
                        callbacks__print_log=None).initialize()
    step = _ArchitectureStep(X[:40].astype(np.float32), y[:40, None].astype(np.float32), lr=0.02,
                             batch_size=40, generator=torch.Generator().manual_seed(0))
    weights = [p.detach().clone() for p in module.linears.parameters()]
    logits = [p.detach().clone() for p in module.arch_logits]
    with torch.no_grad():  # the batch is all 40 rows: the loss before the step, in any order
        before = float(((module(torch.as_tensor(step.X)) - torch.as_tensor(step.y)) ** 2).mean())
    step.on_train_begin(net)
    net.history.new_epoch()
    net.history.new_batch()
    step.on_batch_begin(net, training=True)
    assert all(torch.equal(a, b) for a, b in zip(weights, module.linears.parameters()))
    moved = torch.cat([(p.detach() - q).abs().reshape(-1) for p, q in zip(module.arch_logits, logits)])
    assert moved.max() == pytest.approx(0.02, rel=1e-3) and moved.max() <= 0.02 * (1 + 1e-6)
    assert net.history[-1, "batches", -1, "arch_loss"] == pytest.approx(before, rel=1e-6)


def test_every_phase_trains_on_shuffled_batches_of_batch_size_reshuffled_each_epoch(monkeypatch):
    """batch_size rows per batch in every phase (architecture batches too), every row once per
    epoch in a new order each epoch, search_epochs / admm_epochs / retrain_epochs epochs; in the
    search the architecture batch comes before each weight batch."""
    seen = {"search": [], "admm": [], "retrain": []}
    arch_halves = _record_architecture_rows(monkeypatch)
    real_forward = _MixedActivationMLP.forward

    def forward(self, X_):
        if self.fixed_ is None:
            phase = "search"
        else:
            phase = "admm" if all(bool(m.all()) for m in self.masks()) else "retrain"
        seen[phase].append(X_.detach().numpy().copy())
        return real_forward(self, X_)

    monkeypatch.setattr(_MixedActivationMLP, "forward", forward)
    epochs = dict(search_epochs=2, admm_epochs=3, retrain_epochs=2)
    reg = DARTSADMMRegressor(batch_size=30, polish_iter=0, random_state=0, **epochs).fit(X, y)
    for phase in seen:
        assert len(reg.history_[phase]) == epochs[f"{phase}_epochs"]
    # 160 rows: batches of 30, 30, 30, 30, 30, 10 in the ADMM and retraining epochs.
    for phase in ("admm", "retrain"):
        assert [len(b) for b in seen[phase]] == [30] * 5 + [10] + [30] * 5 + [10] + (
            [30] * 5 + [10] if phase == "admm" else [])
        first, second = np.concatenate(seen[phase][:6]), np.concatenate(seen[phase][6:12])
        assert sorted(map(tuple, first.tolist())) == sorted(map(tuple, second.tolist()))
        assert not np.array_equal(first, second)
    # Search: 80 rows a half, batches of 30, 30 and 20, an architecture batch before each weight batch.
    search = seen["search"]
    assert [len(b) for b in search] == [30, 30, 30, 30, 20, 20] * 2
    arch, weights = search[0::2], search[1::2]
    arch_rows = [{tuple(r) for r in half.tolist()} for half in arch_halves]
    assert all({tuple(r) for r in b.tolist()} <= arch_rows[0] for b in arch)
    assert all({tuple(r) for r in b.tolist()}.isdisjoint(arch_rows[0]) for b in weights)
    for batches in (arch, weights):
        first, second = np.concatenate(batches[:3]), np.concatenate(batches[3:])
        assert sorted(map(tuple, first.tolist())) == sorted(map(tuple, second.tolist()))
        assert not np.array_equal(first, second)


def test_random_state_seeds_the_split_of_the_rows(monkeypatch):
    """The architecture half is drawn by random_state: the same for the same seed, another for
    another seed."""
    halves = _record_architecture_rows(monkeypatch)
    small = dict(search_epochs=1, admm_epochs=0, retrain_epochs=0, polish_iter=0, batch_size=64)
    for seed in (1, 1, 2):
        DARTSADMMRegressor(random_state=seed, **small).fit(X, y)
    np.testing.assert_array_equal(halves[0], halves[1])
    assert {tuple(r) for r in halves[0].tolist()} != {tuple(r) for r in halves[2].tolist()}


def test_lr_is_the_weights_rate_in_every_phase_and_arch_lr_the_logits(monkeypatch):
    """lr sets the Adam of the weights and biases in the search, the ADMM phase and retraining
    (where the cosine starts from it); arch_lr the Adam of the logits."""
    rates = []
    real_fit = _DARTSADMMNet.fit

    def fit(self, X_, y_=None, **kw):
        out = real_fit(self, X_, y_, **kw)
        group = self.optimizer_.param_groups[0]
        arch = [cb.optimizer_.param_groups[0]["lr"] for _, cb in self.callbacks_
                if isinstance(cb, _ArchitectureStep)]
        rates.append((group.get("initial_lr", group["lr"]), arch))
        return out

    monkeypatch.setattr(_DARTSADMMNet, "fit", fit)
    DARTSADMMRegressor(lr=0.02, arch_lr=0.05, random_state=0, **CHEAP).fit(X, y)
    assert rates == [(0.02, [0.05]), (0.02, []), (0.02, [])]

