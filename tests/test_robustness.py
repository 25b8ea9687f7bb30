"""Hostile inputs, table-driven, for every estimator: a correct fit or a clear error, never a
torch traceback, and no input array mutated."""

import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sklearn_swat import DARTSADMMRegressor, SWATRegressor

ESTIMATORS = {
    "swat": lambda: SWATRegressor(max_iter=10, polish_iter=10, n_restarts=1, depths=(1, 2), random_state=0),
    "darts": lambda: DARTSADMMRegressor(search_epochs=2, admm_epochs=2, retrain_epochs=4, batch_size=32,
                                        random_state=0),
}

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(60, 2))
y = X[:, 0] - 2 * X[:, 1]


def _with(value, where=(0, 0)):
    out = X.copy()
    out[where] = value
    return out


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


# name -> (X, y, expected): expected is "fit" or a regex of the error message.
CASES = {
    "nan": (_with(np.nan), y, "NaN"),
    "inf": (_with(np.inf), y, "infinity"),
    "empty": (np.empty((0, 2)), np.empty(0), "0 sample"),
    "one sample": (X[:1], y[:1], "1 sample"),
    "one feature": (X[:, :1], y, "fit"),
    "constant feature": (np.c_[X[:, :1], np.full(60, 3.0)], y, "fit"),
    "constant target": (X, np.full(60, -2.0), "fit"),
    "huge magnitudes": (X * 1e12, y * 1e12, "fit"),
    "tiny magnitudes": (X * 1e-12, y * 1e-12, "fit"),
    "integer dtype": ((X * 10).astype(np.int64), y, "fit"),
    "boolean dtype": (X > 0, y, "fit"),
    "strings": (np.array([["a", "b"]] * 60, dtype=object), y, r"X must hold numbers.*OneHotEncoder"),
    "read-only": (_readonly(X), _readonly(y), "fit"),
    "non-contiguous": (np.asfortranarray(np.c_[X, X])[:, ::2], y, "fit"),
    "numbers as strings in target": (X, y.astype(str), "fit"),
    "strings in target": (X, np.array(["a", "b"] * 30), "y must hold numbers"),
    "'nan' as a string in target": (X, np.r_[["nan"], y[1:].astype(str)], "NaN"),
    "magnitudes near float64's limit": (X, y * 5e307, "too large to scale"),
    "nan in target": (X, np.r_[np.nan, y[1:]], "NaN"),
    "None in an object target": (X, np.array([None, *y[1:]], dtype=object), "NaN"),
    "'inf' in an object target": (X, np.array(["inf", *y[1:]], dtype=object), "infinity"),
    "float16 target far from 0": (X, (2e4 + 1e3 * y).astype(np.float16), "fit"),
    "wrong length": (X, y[:-1], "inconsistent numbers of samples"),
    "two targets": (X, np.c_[y, -y], r"fits one target.*MultiOutputRegressor"),
    "two targets as lists": (X, np.c_[y, -y].tolist(), r"fits one target.*MultiOutputRegressor"),
    # One target transposed: not several targets (MultiOutputRegressor would not help).
    "target as one row": (X, y.reshape(1, -1), r"y should be a 1d array, got an array of shape \(1, 60\)"),
}


# Fitting cases whose numbers are a float64 array's: the same model as on that array.
SAME_AS_FLOAT64 = {"integer dtype", "boolean dtype", "read-only", "non-contiguous",
                   "numbers as strings in target"}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_hostile_inputs(name, case):
    Xc, yc, expected = CASES[case]
    X_before, y_before = np.array(Xc, copy=True), np.array(yc, copy=True)
    est = ESTIMATORS[name]()
    if expected == "fit":
        est.fit(Xc, yc)
        pred = est.predict(Xc)
        assert pred.shape == (len(yc),) and np.all(np.isfinite(pred))
        if case in SAME_AS_FLOAT64:
            # C-contiguous copies: the non-contiguous case is checked against another layout.
            X64, y64 = np.ascontiguousarray(Xc, dtype=np.float64), np.ascontiguousarray(yc, dtype=np.float64)
            np.testing.assert_array_equal(pred, ESTIMATORS[name]().fit(X64, y64).predict(X64))
        if case == "constant target":  # SWAT's one-parameter network is exact; DARTS+ADMM trains
            np.testing.assert_allclose(pred, -2.0, rtol=0, atol=0 if name == "swat" else 1e-4)
    else:
        with pytest.raises(ValueError, match=expected):
            est.fit(Xc, yc)
    np.testing.assert_array_equal(np.asarray(Xc), X_before)
    np.testing.assert_array_equal(np.asarray(yc), y_before)


def test_negative_or_all_zero_sample_weights_are_refused():
    # DARTSADMMRegressor takes no sample_weight (its docstring says so).
    w = np.ones(len(y))
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        ESTIMATORS["swat"]().fit(X, y, sample_weight=np.r_[-1.0, w[1:]])
    # scikit-learn's own check says it first; the estimator's stands behind it.
    with pytest.raises(ValueError, match="at least one non-zero number|sums to zero"):
        ESTIMATORS["swat"]().fit(X, y, sample_weight=0 * w)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_values_near_float64s_limit_are_one_clear_error_without_numpy_warnings(name):
    """scikit-learn's finiteness check sums X, which overflows on such finite values: no
    RuntimeWarning comes before the estimator's own error, at fit or at predict."""
    huge = X * [1.5e308, 1.0]  # the sum of the first column overflows both ways: NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="X holds values too large to scale"):
            ESTIMATORS[name]().fit(huge, y)
        est = ESTIMATORS[name]().fit(X / 100, y)  # inputs scaled up 100 times: 1.5e308 overflows
        with pytest.raises(ValueError, match="too far outside the training data's range to scale"):
            est.predict(huge)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_a_random_state_instance_seeds_the_fit(name):
    """A RandomState seeds the fit as its draws say: two fresh ones of one seed give one model."""
    fits = [ESTIMATORS[name]().set_params(random_state=np.random.RandomState(s)).fit(X, y).predict(X)
            for s in (3, 3, 4)]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_text_columns_are_named_with_what_to_do(name):
    """A DataFrame with text or categorical columns: the error names them and says how to encode
    them, at fit and at predict; a target of strings is not blamed on X."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x0": X[:, 0], "colour": ["red", "blue"] * 30,
                          "size": pd.Categorical(["S", "M", "L"] * 20)})
    message = r"X must hold numbers, but its non-numeric columns \['colour', 'size'\].*OneHotEncoder"
    with pytest.raises(ValueError, match=message):
        ESTIMATORS[name]().fit(frame, y)
    est = ESTIMATORS[name]().fit(frame[["x0"]].assign(x1=X[:, 1]), y)
    with pytest.raises(ValueError, match=r"X must hold numbers, but its non-numeric columns \['x1'\]"):
        est.predict(frame[["x0"]].assign(x1="a"))
    # A target of strings is named, whether X is an array, an object array of numbers or a
    # DataFrame whose object column holds numbers.
    # Numpy's own strings too, whose message was once wrapped in itself.
    for labels in (np.array(["a", "b"] * 30, dtype=object), np.array(["a", "b"] * 30)):
        for Xc in (X, X.astype(object), frame[["x0"]].assign(x1=X[:, 1].astype(object))):
            with pytest.raises(ValueError, match=r"y must hold numbers.*could not be converted") as info:
                ESTIMATORS[name]().fit(Xc, labels)
            assert "X must hold numbers" not in str(info.value)
            assert str(info.value).count("y must hold numbers") == 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_low_precision_target_fits_as_its_float64_copy(name, dtype):
    """y is scaled in float64 whatever its dtype, as X is: the same numbers, the same model."""
    y_low = (3 * y).astype(dtype)
    low = ESTIMATORS[name]().fit(X, y_low)
    ref = ESTIMATORS[name]().fit(X, y_low.astype(np.float64))
    np.testing.assert_array_equal(low.predict(X), ref.predict(X))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_nan_is_named_when_the_finiteness_check_is_off(name):
    sklearn = pytest.importorskip("sklearn")
    est = ESTIMATORS[name]().fit(X, y)
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            ESTIMATORS[name]().fit(_with(np.nan), y)
        with pytest.raises(ValueError, match="y contains NaN or infinity"):
            ESTIMATORS[name]().fit(X, np.r_[np.inf, y[1:]])
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            est.predict(_with(np.nan))
        if name == "swat":
            w = np.ones(len(y))
            w[3] = np.nan
            with pytest.raises(ValueError, match="sample_weight contains NaN or infinity"):
                ESTIMATORS[name]().fit(X, y, sample_weight=w)
            # On a row of weight zero too (a review found it accepted: such rows were left
            # out before the check).
            left_out = np.r_[0.0, np.ones(len(y) - 1)]  # row 0, where the NaN is
            with pytest.raises(ValueError, match="X contains NaN or infinity"):
                ESTIMATORS[name]().fit(_with(np.nan), y, sample_weight=left_out)
            with pytest.raises(ValueError, match="y contains NaN or infinity"):
                ESTIMATORS[name]().fit(X, np.r_[np.inf, y[1:]], sample_weight=left_out)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_inputs_too_far_out_to_scale_are_refused_at_predict(name):
    # Trained on spreads of 1e-300, the scale is 1e300: 1e10 scales beyond float64.
    est = ESTIMATORS[name]().fit(X * 1e-300, y)
    far = np.array([[0.0, 0.0], [1e10, 0.0]])
    with pytest.raises(ValueError, match=r"1 row\(s\) \(the first: row 1\) too far outside"):
        est.predict(far)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_predictions_that_overflow_are_refused_not_returned(name):
    """Rows that scale to finite values but whose prediction overflows float64 (a leaky ReLU
    network grows with its input): an error that counts them, not NaN or infinity returned
    with numpy's overflow warnings (an audit found both)."""
    from sklearn_swat import SparseMLP

    est = ESTIMATORS[name]().fit(X, y)
    est.network_ = SparseMLP([np.array([[4.0], [0.0]]), np.array([[4.0]])], [np.zeros(1), np.zeros(1)],
                             [["leaky_relu"]])
    far = np.array([[0.5, 0.0], [1e308, 0.0], [0.0, 0.0], [-1.5e308, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"2 row\(s\) \(the first: row 1\) .* overflows float64"):
            est.predict(far)
        assert np.isfinite(est.predict(far[[0, 2]])).all()


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_rows_too_far_out_are_counted_over_every_block(name, monkeypatch):
    """predict scales a block of rows at a time: the error still counts all of X's bad rows."""
    import sklearn

    est = ESTIMATORS[name]().fit(X * 1e-300, y)
    monkeypatch.setattr("sklearn_swat._base._PREDICT_BLOCK", 2)
    monkeypatch.setattr("sklearn_swat._network._PREDICT_BLOCK", 2)
    far = np.zeros((7, 2))
    far[[3, 6], 0] = 1e10
    with pytest.raises(ValueError, match=r"2 row\(s\) \(the first: row 3\) too far outside"):
        est.predict(far)
    far[5, 1] = np.nan  # after the first bad block: a NaN is named as such
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match="X contains NaN or infinity"):
            est.predict(far)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_predict_memory_does_not_grow_with_the_rows(name):
    """Beyond X and the output, predict holds one block of rows at a time: float32 X is not
    copied whole to float64, nor scaled whole (tracemalloc's peak at 4 and at 16 blocks)."""
    import tracemalloc

    from sklearn_swat._network import _PREDICT_BLOCK

    est = ESTIMATORS[name]().fit(X, y)
    peaks = []
    for blocks in (4, 16):
        big = np.random.RandomState(0).uniform(-1, 1, (blocks * _PREDICT_BLOCK, 2)).astype(np.float32)
        tracemalloc.start()
        est.predict(big)
        peaks.append(tracemalloc.get_traced_memory()[1] - 8 * len(big))  # less the output
        tracemalloc.stop()
    assert peaks[1] - peaks[0] < 2**20, peaks  # 12 more blocks of float64 X alone would be 12 MB


@pytest.mark.parametrize("scale", [1e39, 1e-50], ids=["overflow", "underflow"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_export_refuses_a_dtype_the_scaling_does_not_fit(name, scale):
    # A target of 1e39 overflows float32's scale factor; one of 1e-50 flushes it to zero.
    torch = pytest.importorskip("torch")
    est = ESTIMATORS[name]().fit(X, y * scale)
    with pytest.raises(ValueError, match="does not fit in torch.float32.*dtype=torch.float64"):
        est.export_torch()
    with torch.no_grad():
        out = est.export_torch(torch.float64)(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(out, est.predict(X), rtol=1e-10)


@pytest.mark.parametrize("name, param", [
    ("swat", "learning_rate"), ("swat", "threshold_learning_rate"), ("swat", "refine_learning_rate"),
    ("darts", "lr"), ("darts", "arch_lr"), ("pruned-mlp", "learning_rate"),
])
def test_the_largest_learning_rate_accepted_fails_in_words_not_in_torch(name, param):
    """Adam divides the rate by 0.1 on its first step: the largest rate the parameter check
    accepts must not overflow float32 inside torch (a RuntimeError); it fits or says why.
    The next larger float is refused by the parameter check, by name."""
    from sklearn_swat._base import MAX_LEARNING_RATE
    from sklearn_swat.benchmark import PrunedMLPRegressor

    make = {**ESTIMATORS, "pruned-mlp": lambda: PrunedMLPRegressor(
        hidden_layer_sizes=(3,), max_iter=2, retrain_iter=2, polish_iter=5, random_state=0)}[name]
    est = make().set_params(**{param: MAX_LEARNING_RATE})
    if param == "refine_learning_rate":
        est.set_params(refine_iter=2)
    try:
        est.fit(X, y)
    except ValueError as exc:
        assert "not finite" in str(exc) or "diverged" in str(exc), exc
    with pytest.raises(ValueError, match=param):
        make().set_params(**{param: np.nextafter(MAX_LEARNING_RATE, np.inf)}).fit(X, y)


def test_threads_count_the_cores_the_process_may_use():
    # Limited to one core (CPU affinity, as taskset or a container sets), -1 means one thread.
    import os
    import subprocess
    import sys

    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this platform")
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from sklearn_swat._base import effective_n_threads; "
            "print(effective_n_threads(-1), effective_n_threads(8))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1"]


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_small_spreads_are_data_not_constants(name):
    """A spread of 1e-13 around 0 is scaled up like any other, not taken for a constant."""
    small = ESTIMATORS[name]().fit(X * 1e-13, y * 1e-13)
    ref = ESTIMATORS[name]().fit(X, y)
    assert small.n_nonzero_ > 1
    np.testing.assert_allclose(small.score(X * 1e-13, y * 1e-13), ref.score(X, y), atol=1e-6)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("device", ["gpu", "mps", "meta", "cuda:x"])
def test_unknown_device_is_refused_by_name(name, device):
    with pytest.raises(ValueError, match="'cpu', 'cuda', 'cuda:N'"):
        ESTIMATORS[name]().set_params(device=device).fit(X, y)


def test_a_gpu_index_the_machine_lacks_is_refused_by_name(monkeypatch):
    """cuda:N past the last GPU is a clear error before any work (here two GPUs pretended)."""
    import torch

    from sklearn_swat._base import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == torch.device("cuda:1")
    assert resolve_device("cuda") == torch.device("cuda")
    with pytest.raises(ValueError, match=r"no GPU of index 2; this machine has 2 \(cuda:0 to cuda:1\)"):
        resolve_device("cuda:2")


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_memmap_input(name, tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    est = ESTIMATORS[name]().fit(Xm, y)
    np.testing.assert_array_equal(est.predict(Xm), est.predict(X))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_sparse_is_refused(name):
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="[Ss]parse|dense"):
        ESTIMATORS[name]().fit(sp.csr_matrix(X), y)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_predict_time_errors(name):
    pd = pytest.importorskip("pandas")
    with pytest.raises(NotFittedError):
        ESTIMATORS[name]().predict(X)
    est = ESTIMATORS[name]().fit(pd.DataFrame(X, columns=["a", "b"]), y)
    # An array after a DataFrame: scikit-learn's warning about the missing names, then the error.
    with pytest.warns(UserWarning, match="valid feature names"), pytest.raises(ValueError, match="features"):
        est.predict(np.ones((3, 3)))
    with pytest.raises(ValueError, match="feature names"):
        est.predict(pd.DataFrame(X, columns=["a", "c"]))
    # Without names at fit, a DataFrame at predict works.
    est = ESTIMATORS[name]().fit(X, y)
    assert est.predict(pd.DataFrame(X)).shape == (60,)


def test_fits_in_joblib_workers_use_one_thread_each():
    """GridSearchCV(n_jobs=2) on 2 cores must not run 2 x 2 torch threads."""
    import os

    from joblib import Parallel, delayed

    from sklearn_swat._base import effective_n_threads

    n_jobs = 2
    threads = Parallel(n_jobs=n_jobs)(delayed(effective_n_threads)(None) for _ in range(4))
    cores = os.cpu_count() or 1
    assert all(t * n_jobs <= max(cores, n_jobs) for t in threads), threads


def test_concurrent_fits_restore_the_thread_count():
    """Fits in threads share torch's thread setting; the last to end restores it."""
    import threading

    import torch

    from sklearn_swat._base import torch_threads

    before = torch.get_num_threads()
    barrier = threading.Barrier(4)

    def fit_like(n):
        with torch_threads(n):
            barrier.wait()  # all four inside at once, each having set its own count
        barrier.wait()

    workers = [threading.Thread(target=fit_like, args=(n,)) for n in (1, 2, 3, 4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert torch.get_num_threads() == before


def test_large_seeds_are_distinct():
    """Every seed numpy accepts is its own: 2**31 is not 0."""
    a = ESTIMATORS["swat"]().set_params(random_state=2**31).fit(X, y)
    b = ESTIMATORS["swat"]().set_params(random_state=0).fit(X, y)
    c = ESTIMATORS["swat"]().set_params(random_state=2**32 - 1).fit(X, y)
    assert not np.array_equal(a.predict(X), b.predict(X))
    assert np.all(np.isfinite(c.predict(X)))


def test_same_seed_same_predictions_across_processes(tmp_path):
    import subprocess
    import sys

    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    code = (
        "import numpy as np, sys; from sklearn_swat import SWATRegressor;"
        f"X = np.load(r'{tmp_path / 'X.npy'}'); y = np.load(r'{tmp_path / 'y.npy'}');"
        "m = SWATRegressor(max_iter=10, polish_iter=10, n_restarts=1, depths=(1, 2), random_state=3);"
        "np.save(sys.argv[1], m.fit(X, y).predict(X))"
    )
    for i in range(2):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / f"p{i}.npy")], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "p0.npy"), np.load(tmp_path / "p1.npy"))


def test_seeded_draws_leave_the_cuda_generators_alone(monkeypatch):
    # torch.manual_seed reseeds every CUDA generator too, which forking the CPU
    # generator does not restore: the seeded draws must seed the CPU one only.
    import torch

    from sklearn_swat.benchmark import PrunedMLPRegressor

    calls = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda seed: calls.append(seed))
    X = np.random.RandomState(0).uniform(-1, 1, (60, 2))
    y = X[:, 0] * X[:, 1]
    PrunedMLPRegressor(hidden_layer_sizes=(3,), max_iter=2, retrain_iter=2, random_state=7).fit(X, y)
    SWATRegressor(autoencoder="untrained:cornn", max_iter=3, polish_iter=3, n_restarts=1,
                  depths=(1,), random_state=7).fit(X, y)
    assert calls == []


def test_first_load_in_a_process_leaves_torch_global_rng_alone():
    # Building the autoencoder that the checkpoint then fills draws initial weights:
    # the first fit in a fresh process (cache empty) must not move the user's generator.
    import subprocess
    import sys

    code = (
        "import numpy as np, torch; from sklearn_swat import SWATRegressor;"
        "torch.manual_seed(5); before = torch.get_rng_state();"
        "X = np.random.RandomState(0).uniform(-1, 1, (60, 2)); y = X[:, 0] * X[:, 1];"
        "kw = dict(max_iter=3, polish_iter=3, n_restarts=1, depths=(1,), random_state=0);"
        "SWATRegressor(**kw).fit(X, y);"
        "SWATRegressor(autoencoder='untrained:cornn', **kw).fit(X, y);"
        "assert torch.equal(torch.get_rng_state(), before), 'moved'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _darts_phase(module):
    """Which phase of DARTSADMMRegressor.fit a forward pass of its module belongs to."""
    if module.fixed_ is None:
        return "search"
    return "admm" if all(bool(m.all()) for m in module.masks()) else "retrain"


@pytest.mark.parametrize("phase", ["search", "admm", "retrain"])
@pytest.mark.parametrize("fitted", [True, False], ids=["fitted", "unfitted"])
def test_darts_keyboard_interrupt_propagates_and_keeps_state(phase, fitted, monkeypatch):
    """Ctrl-C in any phase stops DARTSADMMRegressor.fit and leaves the estimator as it was.

    skorch's ``partial_fit`` swallows a KeyboardInterrupt raised in its training loop and
    returns, so without care a Ctrl-C would only cut one phase short and ``fit`` would go on.
    The interrupt is injected at the third forward pass of the phase, i.e. mid-phase after
    some training steps.
    """
    import pickle

    from sklearn_swat import _darts_admm

    est = ESTIMATORS["darts"]()
    if fitted:
        est.fit(X, y)
        before_pred = est.predict(X)
    before_state = dict(est.__dict__)
    before_bytes = pickle.dumps(est)

    real_forward = _darts_admm._MixedActivationMLP.forward
    calls = []

    def forward(module, Xb):
        if _darts_phase(module) == phase:
            calls.append(phase)
            if len(calls) == 3:
                raise KeyboardInterrupt
        return real_forward(module, Xb)

    monkeypatch.setattr(_darts_admm._MixedActivationMLP, "forward", forward)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X[:40, :1] * 3, y[:40] + 1)  # other data and shape: any leak would show
    monkeypatch.undo()
    assert len(calls) == 3  # the interrupt was raised in the intended phase, once

    assert est.__dict__.keys() == before_state.keys()
    assert all(est.__dict__[k] is v for k, v in before_state.items())
    assert pickle.dumps(est) == before_bytes
    if fitted:
        assert est.n_features_in_ == 2
        np.testing.assert_array_equal(est.predict(X), before_pred)
    else:
        with pytest.raises(NotFittedError):
            est.predict(X)


def _torch_mode_fits():
    """Predictions of fits that exercise every torch path: both bundled autoencoders with
    zoo starts, an untrained one, DARTS+ADMM and the pruned-MLP rival."""
    from sklearn_swat.benchmark import PrunedMLPRegressor

    X3 = np.c_[X, X[:, 0] * X[:, 1]]
    kw = dict(max_iter=6, polish_iter=5, n_restarts=2, depths=(1, 2), random_state=0)
    fits = [
        (SWATRegressor(**kw), X),
        (SWATRegressor(autoencoder="general", **kw), X3),
        (SWATRegressor(autoencoder="untrained:cornn", **kw), X),
        (ESTIMATORS["darts"](), X),
        (PrunedMLPRegressor(hidden_layer_sizes=(3,), max_iter=3, retrain_iter=3, random_state=0), X),
    ]
    return np.array([est.fit(Xf, y).predict(Xf) for est, Xf in fits])


@pytest.fixture(scope="module")
def torch_mode_reference():
    """The fits of :func:`_torch_mode_fits` in the default modes, made once for the tests below."""
    return _torch_mode_fits()


def test_fits_do_not_depend_on_torch_default_dtype(tmp_path, torch_mode_reference):
    # A user who set torch's default dtype to float64 gets the same models, bit for bit
    # (the package builds its modules and tensors in float32 itself), and putting the
    # default back leaves nothing behind (the autoencoder a first fit loads is cached).
    # A fresh process: the cache must be empty when the float64 default is on.
    import subprocess
    import sys

    expected = torch_mode_reference
    code = (
        "import sys, numpy as np, torch; sys.path.insert(0, sys.argv[2]);"
        "import test_robustness as t;"
        "torch.set_default_dtype(torch.float64); a = t._torch_mode_fits();"
        "torch.set_default_dtype(torch.float32); b = t._torch_mode_fits();"
        "np.save(sys.argv[1], np.stack([a, b]))"
    )
    out = tmp_path / "p.npy"
    subprocess.run([sys.executable, "-c", code, str(out), str(Path(__file__).parent)], check=True)
    a, b = np.load(out)
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(b, expected)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_fits_under_a_callers_no_grad_block(mode, torch_mode_reference):
    # fit trains with autograd whatever mode the caller is in: the same models as outside.
    import torch

    expected = torch_mode_reference
    with getattr(torch, mode)():
        got = _torch_mode_fits()
        assert not torch.is_grad_enabled()  # the caller's mode is back after the fits
    np.testing.assert_array_equal(got, expected)


def test_autoencoder_first_loaded_under_inference_mode_still_searches(tmp_path):
    # The cached autoencoder holds ordinary tensors even when the process's first load
    # happens under the caller's inference_mode (inference tensors cannot be used in the
    # descent's backward pass). A fresh process: the cache must be empty.
    import subprocess
    import sys

    code = (
        "import numpy as np, torch; from sklearn_swat import SWATRegressor, load_autoencoder\n"
        "with torch.inference_mode(): load_autoencoder('cornn')\n"
        "X = np.random.RandomState(0).uniform(-1, 1, (60, 2));"
        "reg = SWATRegressor(max_iter=3, polish_iter=3, n_restarts=1, depths=(1,)).fit(X, X[:, 0])\n"
        "print(reg.n_iter_, all(np.isfinite(reg.loss_curve_)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["3", "True"]  # every step of the descent ran


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_a_numpy_integer_seed_is_the_same_seed_as_the_int(name):
    """random_state=np.int64(3) (a grid over np.arange, a seed read from an array) gives the model
    of random_state=3, not another one."""
    ref = ESTIMATORS[name]().set_params(random_state=3).fit(X, y).predict(X)
    got = ESTIMATORS[name]().set_params(random_state=np.int64(3)).fit(X, y).predict(X)
    np.testing.assert_array_equal(got, ref)


def test_random_state_none_draws_its_seed_from_numpys_global_generator():
    """random_state=None seeds the fit from numpy's global generator, as scikit-learn's estimators
    do (docs/guarantees.md): np.random.seed reproduces it, another global seed gives another
    model, and the draw moves the global generator on."""
    # The legacy global generator is the subject here (NPY002 asks for a Generator instead).
    saved = np.random.get_state()  # noqa: NPY002
    try:
        fits = []
        for global_seed in (0, 0, 1):
            np.random.seed(global_seed)  # noqa: NPY002
            before = np.random.get_state()[1].copy()  # noqa: NPY002
            fits.append(ESTIMATORS["darts"]().set_params(random_state=None).fit(X, y).predict(X))
            assert not np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002 (a draw moved it)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])


def test_text_in_both_X_and_y_is_blamed_on_X():
    """Where neither X nor y converts to numbers, the error names X (the first thing to encode),
    not the target."""
    words = np.array([["a", "b"]] * 60, dtype=object)
    labels = np.array(["a", "b"] * 30, dtype=object)
    for name in ESTIMATORS:
        with pytest.raises(ValueError, match=r"X must hold numbers.*OneHotEncoder") as info:
            ESTIMATORS[name]().fit(words, labels)
        assert "y must hold numbers" not in str(info.value)


def test_boolean_columns_are_not_named_as_non_numeric():
    """A DataFrame's bool column is a number column: the error lists only the text columns."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x0": X[:, 0], "flag": X[:, 1] > 0, "colour": ["red", "blue"] * 30})
    with pytest.raises(ValueError, match=r"its non-numeric columns \['colour'\] could not be converted"):
        ESTIMATORS["swat"]().fit(frame, y)


def test_an_array_of_bytes_gets_the_advice_too():
    """Bytes (dtype 'S') are text as str is: the same advice to encode them, at fit and predict."""
    data = np.array([[b"a", b"b"]] * 60)
    with pytest.raises(ValueError, match=r"X must hold numbers, but X could not.*OneHotEncoder"):
        ESTIMATORS["swat"]().fit(data, y)
    est = ESTIMATORS["darts"]().fit(X, y)
    with pytest.raises(ValueError, match=r"X must hold numbers, but X could not.*OneHotEncoder"):
        est.predict(data)


def test_negative_n_jobs_counts_back_from_every_core():
    """n_jobs=-1 is every core the process may use, -2 all but one, never fewer than one."""
    from sklearn_swat._base import effective_n_threads

    cores = joblib.cpu_count(only_physical_cores=False)
    assert effective_n_threads(-1) == cores
    assert effective_n_threads(-2) == max(1, cores - 1)
    assert effective_n_threads(-cores - 5) == 1


def test_nested_blocks_and_failed_fits_restore_the_thread_count():
    """torch's thread count is back as it was after nested blocks (a fit inside a fit's
    callback) and after a block that raised (a fit that failed or was interrupted), and later
    blocks restore it again."""
    from sklearn_swat._base import torch_threads

    before = torch.get_num_threads()
    with torch_threads(before + 1):
        with torch_threads(before + 2):
            assert torch.get_num_threads() == before + 2
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="boom"):
        with torch_threads(before + 1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(before + 1):
        pass
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_device_none_is_auto(name):
    """device=None, which the parameter check accepts, means "auto": cuda where there is one,
    else the CPU; never an error."""
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    est = ESTIMATORS[name]().set_params(device=None).fit(X, y)
    assert est.device_.type == expected
    assert est.device is None  # kept as passed


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_float32_inputs_fit_as_their_float64_copy(name):
    """X is scaled in float64 whatever its dtype (docs/guarantees.md): float32 X gives the model
    of its float64 copy, bit for bit on one machine."""
    X32 = (X * [3.0, 0.7] + [5.0, -1.0]).astype(np.float32)  # off-centre: rounding shows
    low = ESTIMATORS[name]().fit(X32, y)
    ref = ESTIMATORS[name]().fit(X32.astype(np.float64), y)
    np.testing.assert_array_equal(low.x_scale_, ref.x_scale_)
    np.testing.assert_array_equal(low.x_offset_, ref.x_offset_)
    np.testing.assert_array_equal(low.predict(X32), ref.predict(X32))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_each_feature_and_the_target_are_scaled_to_minus_one_one(name):
    """``X * x_scale_ + x_offset_`` spans [-1, 1] in each column, whatever its own range and
    centre; a constant column (also one constant but for rounding, 1e6 + 1e-7 x) gets scale 1
    and maps to 0; ``(y - y_offset_) / y_scale_`` spans [-1, 1] too."""
    Xc = np.c_[3.0 * X[:, 0] + 5.0, np.full(60, 3.0), 1e6 + 1e-7 * X[:, 1], 0.01 * X[:, 1] - 2.0]
    yc = 4.0 * y + 10.0
    est = ESTIMATORS[name]().fit(Xc, yc)
    scaled = Xc * est.x_scale_ + est.x_offset_
    varying = [0, 3]
    np.testing.assert_allclose(scaled[:, varying].min(axis=0), -1.0, atol=1e-12)
    np.testing.assert_allclose(scaled[:, varying].max(axis=0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(est.x_scale_[[1, 2]], [1.0, 1.0])
    assert np.all(scaled[:, 1] == 0.0) and np.all(np.abs(scaled[:, 2]) < 1e-6)
    ys = (yc - est.y_offset_) / est.y_scale_
    np.testing.assert_allclose([ys.min(), ys.max()], [-1.0, 1.0], atol=1e-12)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_tags_say_nan_and_several_targets_are_refused(name):
    """scikit-learn's tools read the tags: NaN is refused (a Pipeline needs an imputer before the
    estimator), dense input only, one target."""
    tags = ESTIMATORS[name]().__sklearn_tags__()
    assert tags.input_tags.allow_nan is False
    assert tags.input_tags.sparse is False
    assert tags.target_tags.multi_output is False and tags.target_tags.single_output is True


@pytest.mark.parametrize("name, param", [("swat", "learning_rate"), ("darts", "lr")])
def test_a_learning_rate_of_1e37_passes_the_parameter_check(name, param):
    """The parameter check refuses a learning rate only above about 3.4e37 (docs/guarantees.md):
    1e37 reaches the fit, which fits or says in words that it diverged."""
    from sklearn.utils._param_validation import InvalidParameterError

    est = ESTIMATORS[name]().set_params(**{param: 1e37})
    try:
        est.fit(X, y)
    except InvalidParameterError:
        raise
    except ValueError as exc:
        assert "not finite" in str(exc) or "diverged" in str(exc), exc


# The fitted network's views, by the name a user calls them with.
VIEWS = {
    "n_nonzero_": lambda est: est.n_nonzero_,
    "depth_": lambda est: est.depth_,
    "n_active_neurons_": lambda est: est.n_active_neurons_,
    "activations_": lambda est: est.activations_,
    "summary": lambda est: est.summary(),
    "export_torch": lambda est: est.export_torch(),
    "plot_network": lambda est: est.plot_network(),
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_view_of_the_network_says_not_fitted_before_fit(name, view):
    """Before fit, each view of the fitted network raises scikit-learn's NotFittedError, whose
    message says to call fit, not an AttributeError about a missing ``network_``."""
    est = ESTIMATORS[name]()
    with pytest.raises(NotFittedError, match=f"This {type(est).__name__} instance is not fitted yet"):
        VIEWS[view](est)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_sparse_input_is_refused_at_predict_too(name):
    """A sparse matrix at predict gets scikit-learn's advice to densify it, as at fit, not a
    numpy error from inside the scaling."""
    sp = pytest.importorskip("scipy.sparse")
    est = ESTIMATORS[name]().fit(X, y)
    for make in (sp.csr_matrix, sp.coo_matrix):
        with pytest.raises(TypeError, match=r"dense data is required.*toarray"):
            est.predict(make(X))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_predict_takes_integer_and_float32_inputs_as_their_float64_copy(name):
    """Integers beyond float32's 24 bits are converted to float64 at predict, not float32, and
    float32 X gives float64 predictions: both as predict on X's float64 copy, bit for bit."""
    Xi = (X * 1000).astype(np.int64) + 2**25  # 2**25 + odd numbers: not float32 numbers
    est = ESTIMATORS[name]().fit(Xi.astype(np.float64), y)
    np.testing.assert_array_equal(est.predict(Xi), est.predict(Xi.astype(np.float64)))
    X32 = (X * [3.0, 0.7] + [5.0, -1.0]).astype(np.float32)
    est = ESTIMATORS[name]().fit(X32, y)
    pred = est.predict(X32)
    assert pred.dtype == np.float64
    np.testing.assert_array_equal(pred, est.predict(X32.astype(np.float64)))


@pytest.mark.parametrize("bad, what", [("nan", "NaN"), ("inf", "infinity")])
def test_nan_in_a_target_given_as_text_names_y(bad, what):
    """NaN or infinity in a target of numbers written as strings is blamed on y, not on X."""
    for name in ESTIMATORS:
        with pytest.raises(ValueError, match=f"Input y contains {what}"):
            ESTIMATORS[name]().fit(X, np.r_[[bad], y[1:].astype(str)])


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_exported_module_is_in_eval_mode(name):
    """export_torch returns a module ready for inference (torch.export, ONNX): in eval mode,
    every submodule too."""
    module = ESTIMATORS[name]().fit(X, y).export_torch()
    assert not any(m.training for m in module.modules())


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_values_above_a_quarter_of_float64s_limit_are_refused(name):
    """The scaling keeps room for predictions beyond the training range: a feature or a target
    reaching 6e307 (above a quarter of float64's largest, though its span fits) is refused with
    the advice to divide it, as larger values are."""
    big = 6e307 * (X[:, 0] + 1) / 2  # 0 to 6e307, one sign
    with pytest.raises(ValueError, match="X holds values too large to scale.*MaxAbsScaler"):
        ESTIMATORS[name]().fit(np.c_[X[:, :1], big], y)
    with pytest.raises(ValueError, match="y holds values too large to scale.*MaxAbsScaler"):
        ESTIMATORS[name]().fit(X, big)


def test_a_nested_block_of_the_same_count_leaves_the_outer_block_its_threads():
    """A fit inside a running fit (a callback, a nested estimator) with the same n_jobs: when the
    inner block ends, the outer one goes on with its own count, not the count from before it."""
    from sklearn_swat._base import torch_threads

    before = torch.get_num_threads()
    with torch_threads(before + 1):
        with torch_threads(before + 1):
            pass
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before


def test_n_jobs_up_to_the_cores_is_taken_as_given_and_cut_above():
    """n_jobs=k runs k threads while the process may use k cores; more is cut to the core count."""
    from sklearn_swat._base import effective_n_threads

    cores = joblib.cpu_count(only_physical_cores=False)
    assert [effective_n_threads(k) for k in range(1, cores + 1)] == list(range(1, cores + 1))
    assert effective_n_threads(cores + 3) == cores


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_a_target_near_float64s_limit_with_both_signs_warns_nothing(name):
    """As for X (test_values_near_float64s_limit_are_one_clear_error_without_numpy_warnings): a
    target of +-4e307, which the range check accepts, fits without a numpy RuntimeWarning, and one
    of +-1.5e308 is refused by the estimator's own error alone."""
    signs = np.sign(X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ESTIMATORS[name]().fit(X, 4e307 * signs)
        with pytest.raises(ValueError, match="y holds values too large to scale"):
            ESTIMATORS[name]().fit(X, 1.5e308 * signs)
