"""The estimators and the pretraining on a CUDA GPU.

These tests need a GPU, so they skip on CI (which has none); run them with
``python -m pytest tests/test_cuda.py`` on a machine that has one. The
search's random draws are made on the CPU, so a GPU fit starts where a CPU
fit does; only float rounding differs.
"""

import numpy as np
import pytest
import torch

from sklearn_swat import DARTSADMMRegressor, SWATRegressor

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(300, 2))
y = np.tanh(2 * X[:, 0]) + X[:, 1] ** 2
FAST = dict(max_iter=40, polish_iter=40, n_restarts=2, random_state=0)


@pytest.mark.parametrize("autoencoder", ["cornn", "general", "wide", "untrained:cornn"])
def test_swat_fits_on_cuda(autoencoder):
    """A search on the GPU learns as well as on the CPU and predicts on the CPU."""
    gpu = SWATRegressor(device="cuda", autoencoder=autoencoder, **FAST).fit(X, y)
    cpu = SWATRegressor(device="cpu", autoencoder=autoencoder, **FAST).fit(X, y)
    assert gpu.device_.type == "cuda"
    mse_gpu = np.mean((gpu.predict(X) - y) ** 2)
    mse_cpu = np.mean((cpu.predict(X) - y) ** 2)
    assert mse_gpu < 0.2 * np.var(y)
    assert mse_gpu < 3 * mse_cpu + 1e-3


def test_swat_cuda_same_seed_same_model():
    """Two GPU fits with one random_state give the same predictions (up to float rounding)."""
    a = SWATRegressor(device="cuda", **FAST).fit(X, y).predict(X)
    b = SWATRegressor(device="cuda", **FAST).fit(X, y).predict(X)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sparsity", [0.5, 0.9])
def test_darts_admm_fits_on_cuda(sparsity):
    """At 0.9 a layer gets none of the top-k weights, and the projection gives it one back
    (the path that indexed a CPU tensor with a CUDA mask)."""
    reg = DARTSADMMRegressor(device="cuda", search_epochs=5, admm_epochs=5, retrain_epochs=10,
                             batch_size=64, sparsity=sparsity, random_state=0).fit(X, y)
    assert reg.device_.type == "cuda"
    assert np.mean((reg.predict(X) - y) ** 2) < np.var(y)


def test_pretrain_on_cuda_loads_on_cpu(tmp_path):
    """A GPU training state resumes and loads on a CPU-only reader."""
    from sklearn_swat._autoencoder import AutoencoderConfig
    from sklearn_swat.pretrain._train import TrainSettings, load_training_state, train

    config = AutoencoderConfig(width=4, max_inputs=2, variable_inputs=False, d_model=16, n_heads=2,
                               encoder_layers=1, decoder_layers=1, dim_feedforward=32)
    settings = TrainSettings(steps=6, batch_size=8, n_points=16, warmup=2, checkpoint_every=3,
                             device="cuda")
    model = train(config, settings, tmp_path, progress=False)
    assert next(model.parameters()).device.type == "cpu"
    loaded, log, saved = load_training_state(tmp_path)
    assert log["step"] == 6 and saved["device"] == "cuda"
    assert log["device"] == torch.cuda.get_device_name(0)
    for a, b in zip(model.parameters(), loaded.parameters()):
        assert torch.equal(a, b)
    settings.steps = 9
    train(config, settings, tmp_path, resume=True, progress=False)
    assert load_training_state(tmp_path)[1]["step"] == 9
