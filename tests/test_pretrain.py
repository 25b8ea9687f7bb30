"""The zoo, the autoencoder's losses, and the pretraining command: resume, export, evaluate."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import types
from dataclasses import replace

import numpy as np
import pytest
import torch

from sklearn_swat._autoencoder import AutoencoderConfig, MultiScaleAutoencoder, hard_network, soft_network
from sklearn_swat._checkpoints import (
    list_checkpoints,
    load_autoencoder,
    load_checkpoint_info,
    untrained_autoencoder,
)
from sklearn_swat._encoding import canonicalize
from sklearn_swat._zoo import (
    distill_networks,
    fit_networks,
    fitted_zoo,
    prune_networks,
    random_targets,
    sample_networks,
    sample_points,
    sample_zoo_batch,
)
from sklearn_swat.pretrain.__main__ import main
from sklearn_swat.pretrain._train import (
    PRESETS,
    TrainSettings,
    config_options,
    evaluate,
    evaluation_batches,
    fitted_pool,
    lr_factor,
    train,
)

TINY = AutoencoderConfig(width=4, max_inputs=2, d_model=16, n_heads=2, encoder_layers=1,
                         decoder_layers=1, dim_feedforward=16)


def test_zoo_is_reproducible_and_follows_the_design():
    a = sample_networks(2000, 3, 0.4, 7, 2, generator=torch.Generator().manual_seed(1))
    b = sample_networks(2000, 3, 0.4, 7, 2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a.weights, b.weights) and torch.equal(a.gates, b.gates)
    w = a.weights[:, 1:]
    assert w.abs().max() <= 5
    assert abs(float((w == 0).float().mean()) - 0.4) < 0.01
    assert abs(float(a.gates.mean()) - 0.5) < 0.03
    assert a.biases.abs().max() <= 1
    assert torch.all(a.weights[:, 0, 2:] == 0)  # absent inputs are zero rows
    assert torch.all(a.gates.sum(-1) >= 1)  # no layer entirely off
    assert torch.all(a.act.sum(-1) == 1)


def test_zoo_variable_inputs():
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(500, 2, 0.0, 8, 8, variable_inputs=True, generator=gen)
    counts = nets.in_mask.sum(1)
    assert counts.min() == 1 and counts.max() == 8
    _, x, y = sample_zoo_batch(64, 8, 8, variable_inputs=True, n_points=32,
                               generator=torch.Generator().manual_seed(0))
    assert x.shape == (64, 32, 8) and y.shape == (64, 32)


def test_zoo_can_be_made_sparser():
    """sparsity_levels and gate_prob change the zoo; their defaults change nothing."""
    a = sample_networks(2000, 3, 0.4, 7, 2, generator=torch.Generator().manual_seed(1), gate_prob=0.3)
    assert abs(float(a.gates.mean()) - 0.3) < 0.03
    nets, _, _ = sample_zoo_batch(500, 7, 2, variable_inputs=False, n_points=8, depth=2,
                                  sparsity_levels=(0.8,), generator=torch.Generator().manual_seed(0))
    assert abs(float((nets.weights[:, 1:] == 0).float().mean()) - 0.8) < 0.02
    plain = sample_zoo_batch(64, 7, 2, variable_inputs=False, n_points=8,
                             generator=torch.Generator().manual_seed(3))
    same = sample_zoo_batch(64, 7, 2, variable_inputs=False, n_points=8, sparsity_levels=(0.0, 0.2, 0.4),
                            gate_prob=0.5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(plain[0].weights, same[0].weights) and torch.equal(plain[2], same[2])
    unscaled = sample_zoo_batch(64, 7, 2, variable_inputs=False, n_points=8, weight_scales=(1.0,),
                                generator=torch.Generator().manual_seed(3))
    assert torch.equal(plain[0].weights, unscaled[0].weights)


def test_zoo_weight_scales_shrink_hidden_weights_only():
    nets = sample_networks(3000, 2, 0.0, 7, 2, weight_scales=(1.0, 0.25),
                           generator=torch.Generator().manual_seed(0))
    largest = nets.weights.abs().flatten(1).amax(1)
    small = largest <= 0.25 * 5.0
    # About half of the networks drew the scale 0.25; output weights keep the full range.
    assert 0.45 < float(small.float().mean()) < 0.55
    assert float(nets.out_w[small].abs().max()) > 4.0


@pytest.mark.parametrize("option, value, message", [
    ("--sparsity-levels", "0,2", "must be in \\[0, 1\\)"),
    ("--sparsity-levels", "0;0.2", "separated by commas"),
    ("--gate-prob", "0", "gate_prob must be in"),
    ("--fitted-share", "1", "fitted_share must be in"),
    ("--fitted-pool", "2", "fitted_pool must be at least"),
    ("--fitted-prune", "-1", "fitted_prune must be at least 0"),
    ("--distill-pool", "5", "distill_pool at least 6"),
    ("--weight-scales", "1,0", "must be in \\(0, 1\\]"),
    ("--weight-scales", "1;0.5", "separated by commas"),
    ("--device", "gpu0", "not a device sklearn-swat runs on; use 'cpu', 'cuda'"),
    # Non-regression tests for #14: each refused with the option and its range, nothing written.
    ("--steps", "0", "steps must be at least 1; got 0"),
    ("--steps", "-5", "steps must be at least 1; got -5"),
    ("--checkpoint-every", "0", "checkpoint_every must be at least 1"),
    ("--checkpoint-every", "-1", "checkpoint_every must be at least 1"),
    ("--threads", "0", "threads must be at least 1"),
    ("--batch-size", "0", "batch_size must be at least 1"),
    ("--n-points", "1", "n_points must be at least 2"),
    ("--n-points", "0", "n_points must be at least 2"),
    ("--lr", "-1", "lr must be greater than 0"),
    ("--lr", "nan", "lr must be a finite number; got nan"),
    ("--lr", "inf", "lr must be a finite number; got inf"),
    ("--rec-weight", "inf", "rec_weight must be a finite number"),
    ("--weight-scale", "inf", "weight_scale must be"),
    ("--all-decoders-weight", "nan", "all_decoders_weight must be a finite number"),
    ("--distill-weight", "nan", "distill_weight must be a finite number"),
    ("--seed", "20000000000000", "seed must be in 0..4294967295; got 20000000000000"),
    ("--seed", "-1", "seed must be in 0..4294967295"),
    ("--warmup", "-1", "warmup must be at least 0"),
    ("--grad-clip", "0", "grad_clip must be greater than 0"),
    ("--min-lr-ratio", "2", "min_lr_ratio must be in \\[0, 1\\]"),
    ("--max-minutes", "-1", "--max-minutes: must be a number greater than 0"),
    ("--variable-inputs", "ture", "--variable-inputs: expected true/false, yes/no or 1/0; got 'ture'"),
    ("--width", "0", "width must be at least 2 \\(neurons per layer\\); got 0"),
    # One neuron per layer: the search's gate spread is NaN (a review's run lost every step).
    ("--width", "1", "width must be at least 2 \\(neurons per layer\\); got 1"),
    ("--n-heads", "0", "n_heads must be at least 1"),
    pytest.param("--device", "cuda", "CUDA is not available", marks=pytest.mark.skipif(
        torch.cuda.is_available(), reason="this machine has a GPU")),
])
def test_cli_rejects_bad_settings(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit):
        main(["train", "--workdir", str(tmp_path / "run"), option, value])
    err = capsys.readouterr().err
    assert re.search(message, err)
    # The usage shown is the train command's, whose options the user got wrong.
    assert "usage: python -m sklearn_swat.pretrain train" in err


def test_cli_refuses_fitted_networks_in_batches_of_one(tmp_path, capsys):
    """A batch of one has no room for a zoo network beside a fitted one: refused in words,
    before a pool is made, where batches of two train."""
    with pytest.raises(SystemExit):
        main(["train", "--workdir", str(tmp_path / "run"), "--batch-size", "1", "--fitted-share", "0.5",
              "--fitted-pool", "4", "--fitted-steps", "1", "--steps", "1", "--n-points", "8"])
    err = capsys.readouterr().err
    assert "fitted_share needs batch_size of at least 2" in err and "got batch_size 1" in err
    assert not (tmp_path / "run").exists()
    TrainSettings(batch_size=2, fitted_share=0.5)
    TrainSettings(batch_size=1, fitted_share=0.0)
    assert not (tmp_path / "run").exists()


def test_random_targets_are_smooth_functions_scaled_to_the_unit_interval():
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(400, 1, 0.0, 7, 2, generator=gen)
    x = sample_points(nets.in_mask, 200, gen)
    y = random_targets(x, nets.in_mask, torch.Generator().manual_seed(1))
    assert y.shape == (400, 200) and torch.isfinite(y).all()
    torch.testing.assert_close(y.min(1).values, -torch.ones(400))
    torch.testing.assert_close(y.max(1).values, torch.ones(400))
    assert torch.equal(y, random_targets(x, nets.in_mask, torch.Generator().manual_seed(1)))
    # Smooth: nearby points have nearby values (no steps of the size of the range).
    near = x + 0.01 * torch.randn(x.shape, generator=gen) * nets.in_mask[:, None, :]
    y_near = random_targets(torch.cat([x, near], 1), nets.in_mask, torch.Generator().manual_seed(1))
    scale = (y_near.amax(1) - y_near.amin(1))[:, None] / 2
    jump = ((y_near[:, 200:] - y_near[:, :200]) / scale).abs()
    assert float(jump.median()) < 0.05


def test_fit_networks_fits_within_the_zoo_and_keeps_the_architecture():
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(64, 2, 0.4, 7, 2, generator=gen)
    x = sample_points(nets.in_mask, 128, gen)
    y = random_targets(x, nets.in_mask, gen)
    before = nets.weights.clone()
    fitted, mse = fit_networks(nets, x, y, steps=200)
    assert torch.equal(nets.weights, before)  # the input batch is not changed
    start = ((nets.forward(x) - y) ** 2).mean(1)
    assert float(mse.median()) < 0.5 * float(start.median())
    torch.testing.assert_close(mse, ((fitted.forward(x) - y) ** 2).mean(1))
    assert torch.equal(fitted.weights == 0, nets.weights == 0)
    assert torch.equal(fitted.gates, nets.gates) and torch.equal(fitted.act, nets.act)
    assert fitted.weights.abs().max() <= 5 and fitted.out_w.abs().max() <= 5
    assert fitted.biases.abs().max() <= 1 and fitted.out_b.abs().max() <= 1


def test_prune_networks_keeps_at_most_the_asked_weights_and_still_fits():
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(64, 2, 0.0, 7, 2, generator=gen, gate_prob=1.0)
    x = sample_points(nets.in_mask, 128, gen)
    y = random_targets(x, nets.in_mask, gen)
    fitted, _ = fit_networks(nets, x, y, steps=200)
    keep = torch.full((64,), 12.0)
    keep[:32] = 30.0
    before = fitted.weights.clone()
    pruned, mse = prune_networks(fitted, x, y, keep, rounds=3, steps=100)
    assert torch.equal(fitted.weights, before)  # the input batch is not changed
    nnz = (pruned.weights != 0).flatten(1).sum(1) + (pruned.out_w != 0).sum(1)
    assert bool((nnz <= keep).all()) and float(nnz[:32].float().mean()) > float(nnz[32:].float().mean())
    # Every neuron left on reaches the output, and a switched-off one has no weights.
    off = pruned.gates == 0
    assert float(pruned.weights[:, 0].abs().masked_select(off[:, 0, None, :].expand(-1, 7, -1)).sum()) == 0
    assert bool((pruned.out_w.abs().masked_select(off[:, 1]) == 0).all())
    used = (pruned.weights[:, 1] != 0).any(-1)
    assert bool((used | off[:, 0]).all())
    torch.testing.assert_close(mse, ((pruned.forward(x) - y) ** 2).mean(1))
    # Pruned and retrained, the networks still fit far better than predicting the mean.
    assert float(mse.median()) < 0.3 * float(y.var(1).median())


@pytest.mark.parametrize("seed", [0, 2, 5])
def test_fitted_zoo_with_pruning_cuts_to_the_keep_range_and_keeps_a_path(seed):
    """Pruned networks keep at most keep_range's top and never lose their last path to the
    output (seeds 2 and 5 gave empty and constant networks of one hidden layer when the cut
    ranked weights by size alone)."""
    nets, mse = fitted_zoo(32, 1, 7, 2, variable_inputs=False, generator=torch.Generator().manual_seed(seed),
                           steps=40, prune_rounds=2, keep_range=(5, 10), chunk=16)
    nnz = (nets.weights != 0).flatten(1).sum(1) + (nets.out_w != 0).sum(1)
    assert nets.batch_size == 32 and bool((nnz <= 10).all()) and bool((nnz >= 2).all())
    assert torch.isfinite(mse).all()
    x = sample_points(nets.in_mask, 64, torch.Generator().manual_seed(1))
    out = nets.forward(x)
    assert bool(((out.amax(1) - out.amin(1)) > 1e-6).all())


def test_prune_networks_keeps_the_strongest_path_not_the_largest_weights():
    """Cut to three weights, a two-layer network keeps its input-to-output chain with the
    largest product of magnitudes (1 * 3 * 1), not its three largest weights (5, 3 and 1.2),
    which lie on no common path and would leave a constant network."""
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(1, 2, 0.0, 7, 2, generator=gen, gate_prob=1.0)
    w, out_w = torch.zeros_like(nets.weights), torch.zeros_like(nets.out_w)
    w[0, 0, 0, 0], w[0, 0, 1, 1] = 5.0, 1.0  # x0 -> a0, x1 -> a1
    w[0, 1, 0, 0], w[0, 1, 1, 1] = 0.1, 3.0  # a0 -> b0, a1 -> b1
    out_w[0, 0], out_w[0, 1] = 1.2, 1.0
    nets = replace(nets, weights=w, out_w=out_w)
    x = sample_points(nets.in_mask, 32, gen)
    y = random_targets(x, nets.in_mask, gen)
    pruned, _ = prune_networks(nets, x, y, torch.tensor([3.0]), rounds=1, steps=1)
    assert torch.nonzero(pruned.weights[0]).tolist() == [[0, 1, 1], [1, 1, 1]]
    assert torch.nonzero(pruned.out_w[0]).flatten().tolist() == [1]
    assert pruned.gates[0, :, 0].tolist() == [0.0, 0.0]  # the other chain switched off
    # Asked for fewer weights than a path has, the path is still kept.
    pruned, _ = prune_networks(nets, x, y, torch.tensor([1.0]), rounds=1, steps=1)
    assert int((pruned.weights != 0).sum() + (pruned.out_w != 0).sum()) == 3


def test_fitted_zoo_run_keeps_its_pool_and_resumes_exactly(tmp_path):
    """A run with fitted networks in its batches makes the pool once, and a resumed run
    (which loads it) ends with the weights of an unbroken one."""
    def run(workdir, **kwargs):
        settings = TrainSettings(steps=6, batch_size=8, n_points=16, warmup=2, checkpoint_every=2, seed=3,
                                 fitted_share=0.5, fitted_pool=16, fitted_steps=5)
        return train(TINY, settings, workdir, progress=False, **kwargs)

    straight = run(tmp_path / "a")
    assert (tmp_path / "a" / "fitted_zoo.pt").exists()
    run(tmp_path / "b", max_minutes=0.0)
    resumed = run(tmp_path / "b", resume=True)
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), k
    plain = run_train(tmp_path / "c", 6)
    assert not (tmp_path / "c" / "fitted_zoo.pt").exists()
    assert any(not torch.equal(a, b) for a, b in zip(plain.state_dict().values(),
                                                     straight.state_dict().values()))
    # A pool made with other settings is not used silently.
    other = TrainSettings(steps=8, batch_size=8, n_points=16, warmup=2, checkpoint_every=2, seed=3,
                          fitted_share=0.5, fitted_pool=16, fitted_steps=6)
    written = (tmp_path / "b" / "config.json").read_text()
    with pytest.raises(ValueError, match="was made with other settings"):
        fitted_pool(TINY, other, tmp_path / "b")
    # Resuming with them is refused before that, for the settings themselves.
    with pytest.raises(ValueError, match="trained with other settings"):
        train(TINY, other, tmp_path / "b", progress=False, resume=True)
    assert (tmp_path / "b" / "config.json").read_text() == written


def test_training_ignores_the_callers_torch_modes(tmp_path):
    """Under no_grad, inference_mode or a float64 default dtype, a run trains the same weights
    (latent noise and the fitted pool's permuted copies drawn as in float32), and the
    caller's modes are back afterwards; evaluate leaves a model in the mode it found it."""
    def run(workdir):
        settings = TrainSettings(steps=3, batch_size=8, n_points=16, warmup=1, checkpoint_every=3, seed=3,
                                 latent_noise=0.1, fitted_share=0.5, fitted_pool=16, fitted_steps=2)
        return train(TINY, settings, workdir, progress=False).state_dict()

    reference = run(tmp_path / "plain")
    with torch.no_grad():
        under_no_grad = run(tmp_path / "no_grad")
        assert not torch.is_grad_enabled()
    with torch.inference_mode():
        under_inference = run(tmp_path / "inference")
        assert torch.is_inference_mode_enabled()
    torch.set_default_dtype(torch.float64)
    try:
        under_float64 = run(tmp_path / "float64")
        model = MultiScaleAutoencoder(TINY)
        figures64 = evaluate(model, n_networks=8, n_points=16)
    finally:
        torch.set_default_dtype(torch.float32)
    for other in (under_no_grad, under_inference, under_float64):
        for key, value in reference.items():
            assert torch.equal(other[key], value), key
    assert evaluate(model, n_networks=8, n_points=16) == figures64
    assert model.training
    model.eval()
    evaluate(model, n_networks=8, n_points=16)
    assert not model.training


def test_train_settings_take_numpy_numbers_and_refuse_other_types():
    settings = TrainSettings(steps=np.int64(4), lr=np.float32(0.5), warmup=np.int32(1))
    assert type(settings.steps) is int and type(settings.lr) is float and settings.lr == 0.5
    json.dumps(settings.__dict__)  # as a run saves them
    for kwargs, message in [(dict(batch_size=4.0), "batch_size must be an int; got 4.0"),
                            (dict(steps=True), "steps must be an int"),
                            (dict(lr="0.1"), "lr must be a float; got '0.1'"),
                            (dict(sparsity_levels=0.2), "sparsity_levels must be a str")]:
        with pytest.raises(TypeError, match=message):
            TrainSettings(**kwargs)


def test_latent_shape_and_decoders():
    model = MultiScaleAutoencoder(TINY)
    nets, _, _ = sample_zoo_batch(5, 4, 2, variable_inputs=False, n_points=8,
                                  generator=torch.Generator().manual_seed(0))
    z = model.encode(nets)
    assert z.shape == (5, 4, 16)
    # Parameter-free layer norm: each latent token is standardised.
    torch.testing.assert_close(z.mean(-1), torch.zeros(5, 4), atol=1e-5, rtol=0)
    for depth in (1, 2, 3, 4):
        raw = model.decode(z, depth)
        assert raw["weights"].shape == (5, depth, 4, 4)


def run_train(workdir, steps, **kwargs):
    settings = TrainSettings(steps=steps, batch_size=8, n_points=16, warmup=2, checkpoint_every=2, seed=3)
    return train(TINY, settings, workdir, progress=False, **kwargs)


def test_resume_continues_exactly(tmp_path):
    straight = run_train(tmp_path / "a", 6)
    # A run stopped after its first checkpoint (as a killed one would be), then resumed.
    run_train(tmp_path / "b", 6, max_minutes=0.0)
    st = torch.load(tmp_path / "b" / "state.pt", weights_only=True)
    assert st["step"] < 6
    resumed = run_train(tmp_path / "b", 6, resume=True)
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), k


_CLI_TINY = ["--preset", "cornn", "--width", "4", "--max-inputs", "2", "--d-model", "16", "--n-heads", "2",
             "--encoder-layers", "1", "--decoder-layers", "1", "--dim-feedforward", "16", "--batch-size", "8",
             "--n-points", "16", "--warmup", "2", "--seed", "3", "--threads", "1"]


def _bar_counts(path, steps):
    """Step counts printed by the progress bar in a captured stderr, in order."""
    return [int(m) for m in re.findall(rf"(\d+)/{steps} \[", path.read_text(errors="replace"))]


def test_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    """Issue #7: a pretraining process killed with SIGKILL mid-run loses at most one checkpoint
    interval, and ``--resume`` then finishes with the weights of an unbroken run, bit for bit."""
    steps, every = 40, 5
    cmd = [sys.executable, "-m", "sklearn_swat.pretrain", "train", *_CLI_TINY, "--steps", str(steps),
           "--checkpoint-every", str(every)]
    # The progress bar (stderr) is redrawn after every step, so it tells how far a run got.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_MININTERVAL": "0", "TQDM_MINITERS": "1"}
    killed_state = tmp_path / "killed" / "state.pt"
    procs = []
    try:
        with open(tmp_path / "straight.err", "w") as e_straight, open(tmp_path / "killed.err", "w") as e_kill:
            straight = subprocess.Popen([*cmd, "--no-progress", "--workdir", str(tmp_path / "straight")],
                                        env=env, stdout=subprocess.DEVNULL, stderr=e_straight)
            procs.append(straight)
            victim = subprocess.Popen([*cmd, "--workdir", str(tmp_path / "killed")],
                                      env=env, stdout=subprocess.DEVNULL, stderr=e_kill)
            procs.append(victim)
            deadline = time.monotonic() + 120
            while not killed_state.exists():
                assert victim.poll() is None, (tmp_path / "killed.err").read_text(errors="replace")
                assert time.monotonic() < deadline, "no checkpoint within 120 s"
                time.sleep(0.01)
            victim.send_signal(signal.SIGKILL)
            assert victim.wait(timeout=60) == -signal.SIGKILL  # killed, not finished

        st = torch.load(killed_state, weights_only=True)
        saved = int(st["step"])
        reached = _bar_counts(tmp_path / "killed.err", steps)[-1]
        assert saved % every == 0 and 0 < saved < steps
        assert 0 <= reached - saved <= every, (reached, saved)

        with open(tmp_path / "resumed.err", "w") as e_resume:
            subprocess.run([*cmd, "--resume", "--workdir", str(tmp_path / "killed")], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=e_resume, timeout=300)
        counts = _bar_counts(tmp_path / "resumed.err", steps)
        assert counts[0] == saved and counts[-1] == steps  # started at the checkpoint, not at 0
        assert straight.wait(timeout=300) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    a = torch.load(tmp_path / "straight" / "state.pt", weights_only=True)
    b = torch.load(killed_state, weights_only=True)
    assert a["step"] == b["step"] == steps
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    for key, value in a["optimizer"]["state"].items():
        for name, t in value.items():
            assert torch.equal(t, b["optimizer"]["state"][key][name]), (key, name)
    log_a, log_b = json.loads(a["log"]), json.loads(b["log"])
    # The log kept the killed run's entries and went on from there: same losses, no repeats.
    assert log_b["steps"] == list(range(every, steps + 1, every))
    assert log_a["loss"] == log_b["loss"]


def test_training_leaves_the_callers_torch_state_alone(tmp_path):
    # The test's own changes to the thread count and the global generator are
    # undone afterwards, so the rest of the suite keeps conftest's one thread.
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        try:
            torch.set_num_threads(2)
            torch.manual_seed(123)
            expected = torch.rand(3)
            torch.manual_seed(123)
            run_train(tmp_path, 2)  # threads=1, seed=3 inside
            assert torch.get_num_threads() == 2
            assert torch.equal(torch.rand(3), expected)
        finally:
            torch.set_num_threads(threads)


def test_existing_run_needs_resume(tmp_path):
    run_train(tmp_path, 2)
    with pytest.raises(FileExistsError, match="--resume"):
        run_train(tmp_path, 2)


def test_warm_start_continues_the_earlier_run(tmp_path):
    """``init_from`` starts from trained weights; the log and the counts carry the first stage."""
    from sklearn_swat.pretrain._report import export

    first = run_train(tmp_path / "a", 4)
    settings = TrainSettings(steps=0, batch_size=8, n_points=16, warmup=2, checkpoint_every=2, seed=4)
    same = train(TINY, settings, tmp_path / "b0", progress=False, init_from=tmp_path / "a")
    for (k, a), (_, b) in zip(first.state_dict().items(), same.state_dict().items()):
        assert torch.equal(a, b), k  # zero further steps: exactly the first stage's weights
    settings.steps = 4
    second = train(TINY, settings, tmp_path / "b", progress=False, init_from=tmp_path / "a")
    assert not all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters()))
    export(tmp_path / "b", "tiny", tmp_path, n_networks=10)
    info = json.loads((tmp_path / "tiny.json").read_text())["training"]
    assert info["steps"] == 8
    assert info["log"]["steps"] == [2, 4, 6, 8]
    assert info["init_from"] == [str(tmp_path / "a")]
    # A third stage from the exported checkpoint keeps the whole history.
    settings.steps = 2
    train(TINY, settings, tmp_path / "d", progress=False, init_from=tmp_path / "tiny.safetensors")
    export(tmp_path / "d", "tiny3", tmp_path, n_networks=10)
    third = json.loads((tmp_path / "tiny3.json").read_text())["training"]
    assert third["steps"] == 10 and third["log"]["steps"] == [2, 4, 6, 8, 10]
    assert third["init_from"][0] == str(tmp_path / "a") and third["init_from"][1].startswith("tiny (sha256")
    # Each earlier stage's settings are kept, first stage first, to make the checkpoint again.
    assert [st["seed"] for st in info["stages"]] == [3]
    assert [st["seed"] for st in third["stages"]] == [3, 4] and third["settings"]["steps"] == 2
    # A bundled checkpoint of another config is refused with the reason.
    with pytest.raises(ValueError, match="config"):
        train(TINY, settings, tmp_path / "c", progress=False, init_from="cornn")


def test_cli_train_export_evaluate(tmp_path, capsys):
    work = tmp_path / "run"
    args = ["train", "--preset", "cornn", "--workdir", str(work), "--steps", "2", "--batch-size", "4",
            "--n-points", "8", "--d-model", "16", "--n-heads", "2", "--encoder-layers", "1",
            "--decoder-layers", "1", "--dim-feedforward", "16", "--no-progress"]
    assert main(args) == 0
    assert main(["export", "--workdir", str(work), "--name", "tiny", "--out", str(tmp_path),
                 "--n-networks", "50"]) == 0
    info = json.loads((tmp_path / "tiny.json").read_text())
    assert info["training"]["steps"] == 2 and info["config"]["d_model"] == 16
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(tmp_path / "tiny.safetensors"), "--json",
                 "--n-networks", "50"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for key in ("relative_error_median", "relative_error_mean", "random_init_relative_error_median",
                "permutation_ratio", "n_parameters", "checkpoint_mb", "train_minutes", "train_device"):
        assert key in figures


def test_all_decoders_weight_trains_every_decoder():
    """The min over decoders trains one decoder per network; all_decoders_weight trains all four."""
    from sklearn_swat.pretrain._train import training_step_loss

    batch = sample_zoo_batch(2, TINY.width, TINY.max_inputs, variable_inputs=False, n_points=16,
                             depth=1, generator=torch.Generator().manual_seed(0))

    def decoder_grads(weight):
        torch.manual_seed(0)
        model = MultiScaleAutoencoder(TINY)
        settings = TrainSettings(steps=1, latent_noise=0.0, rec_weight=0.0, all_decoders_weight=weight)
        loss, func, _ = training_step_loss(model, batch, settings, torch.Generator().manual_seed(0))
        loss.backward()
        norms = [sum(float(p.grad.abs().sum()) for p in dec.parameters() if p.grad is not None)
                 for dec in model.decoders]
        return float(loss.detach()), func, norms

    loss0, func0, plain = decoder_grads(0.0)
    loss1, func1, every = decoder_grads(0.5)
    assert func0 == func1 and loss0 == pytest.approx(func0)
    assert loss1 > loss0  # the mean over decoders is added
    assert all(n > 0 for n in every)
    # Without it, only the best decoder of each of the two networks learns.
    assert 1 <= sum(n > 0 for n in plain) <= 2
    with pytest.raises(ValueError, match="all_decoders_weight"):
        TrainSettings(all_decoders_weight=-1.0)


def test_distilled_pool_fits_the_deeper_networks_and_is_made_once(tmp_path):
    """A run with distill_weight makes its pool of distilled networks once; they fit the deeper ones."""
    from sklearn_swat.pretrain._train import distilled_pool

    settings = TrainSettings(steps=2, batch_size=8, n_points=16, warmup=1, checkpoint_every=1, seed=3,
                             distill_weight=1.0, distill_pool=24, distill_steps=150)
    train(TINY, settings, tmp_path / "a", progress=False)
    assert (tmp_path / "a" / "distilled_pool.pt").exists()
    pool = distilled_pool(TINY, settings, tmp_path / "a")  # read back, not made again
    assert sorted(pool) == [(2, 1), (3, 1), (3, 2), (4, 1), (4, 2), (4, 3)]
    gen = torch.Generator().manual_seed(0)
    fitted, untrained = [], []
    for (d, k), (deep, shallow) in pool.items():
        assert (deep.depth, shallow.depth, deep.batch_size, shallow.batch_size) == (d, k, 4, 4)
        assert torch.equal(deep.in_mask, shallow.in_mask)
        x = sample_points(deep.in_mask, 256, gen)
        y = deep.forward(x)
        other = sample_networks(4, k, 0.0, TINY.width, TINY.max_inputs, generator=gen)
        for nets, out in ((shallow, fitted), (other, untrained)):
            out.append(((nets.forward(x) - y) ** 2).mean(dim=1) / (y.var(dim=1) + 1e-2))
    # The distilled networks fit the deeper networks' functions, far better than a random one of their depth.
    assert float(torch.cat(fitted).median()) < 0.25 * float(torch.cat(untrained).median())
    other = TrainSettings(**{**settings.__dict__, "distill_steps": 10})
    with pytest.raises(ValueError, match="was made with other settings"):
        distilled_pool(TINY, other, tmp_path / "a")


def test_distill_loss_trains_the_shallower_decoder(tmp_path):
    """The distillation loss reaches the decoder of the shallower depth of the pair it draws."""
    from sklearn_swat.pretrain._train import _DISTILL_PAIRS, distill_loss, distilled_pool

    settings = TrainSettings(seed=1, distill_weight=1.0, distill_pool=12, distill_steps=5)
    pool = distilled_pool(TINY, settings, tmp_path)
    torch.manual_seed(0)
    model = MultiScaleAutoencoder(TINY)
    distill_loss(model, pool, 3, torch.Generator().manual_seed(5)).backward()
    _, k = _DISTILL_PAIRS[int(torch.randint(0, len(_DISTILL_PAIRS), (1,),
                                            generator=torch.Generator().manual_seed(5)))]
    grads = [sum(float(p.grad.abs().sum()) for p in dec.parameters() if p.grad is not None)
             for dec in model.decoders]
    assert grads[k - 1] > 0
    assert all(g == 0 for i, g in enumerate(grads) if i != k - 1)


def test_bundled_cornn_checkpoint_beats_untrained():
    """The shipped latent space must reconstruct zoo networks far better than chance."""
    from sklearn_swat._autoencoder import AutoencoderConfig
    from sklearn_swat._checkpoints import load_checkpoint_info, untrained_autoencoder

    model = load_autoencoder("cornn")
    trained = evaluate(model, n_networks=100, n_points=200)
    base = evaluate(untrained_autoencoder(model.config), n_networks=100, n_points=200)
    assert trained["relative_error_median"] < 0.5
    # As good as its description says (0.0047 on 1000 networks; 0.0049 on these 100): a wrong
    # row, position embedding or attention scale in the decoder gives 1.5x to 10x that.
    described = load_checkpoint_info("cornn")["quality"]["relative_error_median"]
    assert trained["relative_error_median"] < 1.25 * described
    # The config's defaults are the bundled checkpoint's architecture.
    assert AutoencoderConfig().to_dict() == model.config.to_dict()
    assert trained["relative_error_median"] * 5 < base["relative_error_median"]
    assert trained["permutation_ratio"] <= 0.3
    assert np.isfinite(trained["relative_error_mean"])
    # The multi-scale figures: each network's own depth's decoder is one of the four (so it
    # does no better than the best), and it is the one that reconstructs most networks.
    assert 0.5 < trained["share_below_0.1_true_depth"] <= trained["share_below_0.1"]
    assert 0 <= trained["share_below_0.1_shallower"] <= 1


def test_report_command_gives_the_same_settings(tmp_path):
    """The options the docs page prints for a checkpoint's stage make a run of those settings."""
    from sklearn_swat.pretrain._report import _options

    # One small step: the command line refuses --steps 0.
    settings = TrainSettings(steps=1, batch_size=4, n_points=8, lr=0.0008, seed=1,
                             sparsity_levels="0,0.2,0.8", gate_prob=0.3)
    options = _options(settings.__dict__)
    assert "--sparsity-levels 0,0.2,0.8" in options and "--latent-noise" not in options
    assert main(["train", "--preset", "cornn", "--workdir", str(tmp_path), "--no-progress",
                 *options.split()]) == 0
    written = json.loads((tmp_path / "config.json").read_text())["settings"]
    assert written == settings.__dict__


# Non-regression tests for #10 to #16: the pretraining command's errors and refusals.

def _cli_train(workdir, *extra):
    return main(["train", *_CLI_TINY, "--workdir", str(workdir), "--no-progress", "--checkpoint-every", "2",
                 *extra])


@pytest.mark.parametrize("text, value", [("true", True), ("YES", True), ("1", True), ("False", False),
                                         ("no", False), ("0", False)])
def test_cli_boolean_options_accept_the_usual_words(tmp_path, text, value):
    assert _cli_train(tmp_path, "--steps", "1", "--variable-inputs", text) == 0
    assert json.loads((tmp_path / "config.json").read_text())["config"]["variable_inputs"] is value


def test_cli_help_names_each_presets_default(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--width WIDTH default the preset's: 7 for cornn, 8 for general" in text
    assert "--d-model D_MODEL default 64" in text


def test_cli_expected_errors_are_one_line_and_exit_2(tmp_path, capsys):
    """#10: an expected error is ``error: <message>`` on stderr with status 2, no traceback."""
    assert _cli_train(tmp_path / "run", "--steps", "2") == 0
    (tmp_path / "file").write_text("")
    cases = [
        (_cli_train, (tmp_path / "run", "--steps", "2"), "state.pt exists: pass --resume"),
        (main, (["evaluate", "--checkpoint", "nosuch", "--n-networks", "5"],), "Unknown autoencoder"),
        (main, (["export", "--workdir", str(tmp_path / "nope"), "--name", "x", "--out", str(tmp_path)],),
         "no state.pt in .*nope: pass the --workdir of a training run"),
        (_cli_train, (tmp_path / "file", "--steps", "2"), "is a file, not a folder"),
        (_cli_train, (tmp_path / "b", "--steps", "2", "--init-from", "nosuch"), "Unknown autoencoder"),
        # The tiny runs' sizes are not the bundled checkpoint's: the error gives its options.
        (_cli_train, (tmp_path / "b", "--steps", "2", "--init-from", "cornn"),
         r"has config .*Start from its weights with its sizes: --preset cornn\.$"),
    ]
    capsys.readouterr()
    for func, args, message in cases:
        assert func(*args) == 2, message
        err = capsys.readouterr().err
        assert err.startswith("error: ") and re.search(message, err) and "Traceback" not in err, err
    assert not (tmp_path / "b").exists()  # a refused run leaves no empty --workdir behind


@pytest.mark.parametrize("command", ["train", "export"])
def test_cli_refuses_an_empty_workdir(tmp_path, monkeypatch, capsys, command):
    """An empty --workdir meant the current folder: train wrote state.pt there."""
    monkeypatch.chdir(tmp_path)
    argv = [command, "--workdir", ""] + (["--steps", "1"] if command == "train" else ["--name", "x"])
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "argument --workdir: is empty" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("workdir", ["", "  "])
def test_train_refuses_an_empty_workdir(tmp_path, monkeypatch, workdir):
    """train() from Python, as the CLI: an empty workdir would put state.pt in the current folder."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"workdir is empty: give a folder"):
        run_train(workdir, 1)
    assert os.listdir(tmp_path) == []


def test_cli_ctrl_c_keeps_the_checkpoint(tmp_path):
    """#10: Ctrl-C during ``train`` exits with 130 and says that ``--resume`` continues."""
    work = tmp_path / "run"
    # The child's SIGINT handler is set explicitly: a shell may start it with SIGINT ignored.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from sklearn_swat.pretrain.__main__ import main; sys.exit(main(sys.argv[1:]))")
    cmd = [sys.executable, "-c", code, "train", *_CLI_TINY, "--workdir", str(work), "--no-progress",
           "--steps", "1000000", "--checkpoint-every", "1"]
    proc = subprocess.Popen(cmd, env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (work / "state.pt").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "--resume" in err and "Traceback" not in err
    torch.load(work / "state.pt", weights_only=True)  # a whole checkpoint


def test_resume_without_a_state_is_refused(tmp_path, capsys):
    """#11: ``--resume`` on a folder without state.pt does not start a fresh run."""
    for work in (tmp_path / "missing", tmp_path):
        assert _cli_train(work, "--steps", "2", "--resume") == 2
        err = capsys.readouterr().err
        assert err == f"error: no state.pt in {work} to resume; leave out --resume to start a new run.\n"
        assert not (work / "state.pt").exists() and not (work / "config.json").exists()
    assert not (tmp_path / "missing").exists()
    with pytest.raises(FileNotFoundError, match="leave out --resume to start a new run"):
        run_train(tmp_path / "missing", 2, resume=True)


def test_one_run_at_a_time_per_workdir(tmp_path, capsys):
    """A second run in a workdir being trained in is refused before it writes anything: two
    saved through the same temporary file, and one could rename the other's half-written
    state into place (an audit found state.pt left empty). A stale lock file blocks nothing."""
    from sklearn_swat._locking import exclusive_folder
    from sklearn_swat.pretrain._train import LOCK_FILE

    run_train(tmp_path, 2)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with exclusive_folder(tmp_path, LOCK_FILE, RuntimeError):  # as the running one holds it
        with pytest.raises(FileExistsError, match=f"another pretraining run is writing to {tmp_path} "
                                                  rf"\(pid {os.getpid()}\)"):
            run_train(tmp_path, 4, resume=True)
        assert _cli_train(tmp_path, "--steps", "4", "--resume") == 2
        assert "use another --workdir" in capsys.readouterr().err
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != LOCK_FILE} == before
    # Left by a killed run: the system released its lock with the process.
    (tmp_path / LOCK_FILE).write_text("999999999\n")
    run_train(tmp_path, 4, resume=True)
    assert not (tmp_path / LOCK_FILE).exists()


@pytest.mark.parametrize("damage", ["empty", "truncated", "truncated-5000", "other"])
def test_corrupt_state_is_a_clear_error(tmp_path, capsys, damage):
    """#12: a damaged state.pt is named as such by ``--resume`` and ``export``, not torch's error."""
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "2") == 0
    state = work / "state.pt"
    if damage == "empty":
        state.write_bytes(b"")
    elif damage == "truncated":
        state.write_bytes(state.read_bytes()[:2000])
    elif damage == "truncated-5000":  # where torch raises an OSError, which is not a missing file
        state.write_bytes(state.read_bytes()[:5000])
    else:
        torch.save({"model": {}}, state)
    capsys.readouterr()
    assert _cli_train(work, "--steps", "2", "--resume") == 2
    assert main(["export", "--workdir", str(work), "--name", "x", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    for line in err:
        assert line.startswith(f"error: {state} is corrupt or not a training state ("), line
    assert not (tmp_path / "x.safetensors").exists()


def test_resume_keeps_the_saved_settings(tmp_path, capsys):
    """#13: a resumed run refuses other settings, naming them with their saved values, and
    takes the options left out from the saved run; it ends as an unbroken run does."""
    assert _cli_train(tmp_path / "a", "--steps", "6") == 0
    assert _cli_train(tmp_path / "b", "--steps", "6", "--max-minutes", "1e-9") == 0
    assert torch.load(tmp_path / "b" / "state.pt", weights_only=True)["step"] < 6
    capsys.readouterr()
    assert main(["train", "--workdir", str(tmp_path / "b"), "--resume", "--batch-size", "4", "--seed", "5",
                 "--lr", "1", "--width", "5"]) == 2
    err = capsys.readouterr().err
    for text in ("--batch-size (saved 8, now 4)", "--seed (saved 3, now 5)", "--lr (saved 0.001, now 1.0)",
                 "--width (saved 4, now 5)"):
        assert text in err, err
    assert "--lr (saved" in err and "--n-points (" not in err  # left out: the saved value, not the default
    # Only the resume flags (and settings that do not change the batches): the saved run continues.
    assert main(["train", "--workdir", str(tmp_path / "b"), "--resume", "--no-progress", "--threads", "1",
                 "--checkpoint-every", "3"]) == 0
    a = torch.load(tmp_path / "a" / "state.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "state.pt", weights_only=True)
    assert a["step"] == b["step"] == 6
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    # The schedule may be stretched, as benchmarks/pretrain_gpu.sh --resume does.
    assert main(["train", "--workdir", str(tmp_path / "b"), "--resume", "--no-progress", "--steps", "8"]) == 0
    assert torch.load(tmp_path / "b" / "state.pt", weights_only=True)["step"] == 8


def test_export_warns_about_an_unfinished_run_and_checks_the_name(tmp_path, capsys):
    """#15: an unfinished run is exported with a warning; a --name with a folder is refused first."""
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "6", "--max-minutes", "1e-9") == 0
    capsys.readouterr()
    for name in ("", "../x", "sub/x", "..", "x.safetensors", "x.json"):
        assert main(["export", "--workdir", str(tmp_path / "nope"), "--name", name, "--out",
                     str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err == ("error: --name must be a plain file name without extension, such as cornn; "
                       f"got {name!r}.\n")
    assert main(["export", "--workdir", str(work), "--name", "tiny", "--out", str(tmp_path),
                 "--n-networks", "5"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^warning: the run in .* stopped at step 1 of 6", err), err
    assert (tmp_path / "tiny.safetensors").exists()


@pytest.mark.parametrize("command", [["evaluate"], ["report", "--out", "docs-x"],
                                     ["export", "--workdir", "w", "--name", "x"]])
@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_n_networks_must_be_positive(capsys, command, value):
    """#16: --n-networks is refused by the argument parser, before any work."""
    with pytest.raises(SystemExit) as exc:
        main([*command, "--n-networks", value])
    assert exc.value.code == 2
    assert "--n-networks: must be a whole number of at least 1" in capsys.readouterr().err


def test_diverged_training_stops_and_is_not_exported(tmp_path, capsys):
    """A non-finite loss stops the run with the last good checkpoint kept; NaN weights are not exported."""
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "6", "--lr", "1e30") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Training diverged: the loss at step ") and "Lower --lr" in err, err
    # A state whose weights went non-finite (as a run without the check would save) is refused.
    assert _cli_train(tmp_path / "ok", "--steps", "2") == 0
    state = torch.load(tmp_path / "ok" / "state.pt", weights_only=True)
    key = next(iter(state["model"]))
    state["model"][key] = torch.full_like(state["model"][key], float("nan"))
    torch.save(state, tmp_path / "ok" / "state.pt")
    capsys.readouterr()
    assert main(["export", "--workdir", str(tmp_path / "ok"), "--name", "x", "--out", str(tmp_path),
                 "--n-networks", "5"]) == 2
    assert "has non-finite weights" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()


def test_a_non_finite_gradient_stops_before_the_step_and_keeps_the_last_checkpoint(
        tmp_path, capsys, monkeypatch):
    """A finite loss whose gradient is not (a step that would make every weight NaN) stops the run."""
    import sklearn_swat.pretrain._train as train_module

    real, calls = train_module.training_step_loss, []

    def nan_gradient_at_step_2(model, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            next(model.parameters()).register_hook(lambda g: g * float("nan"))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(train_module, "training_step_loss", nan_gradient_at_step_2)
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "4", "--checkpoint-every", "1") == 2
    err = capsys.readouterr().err
    assert "Training diverged: the gradient at step 2 is not finite" in err, err
    assert f"the last checkpoint, {work / 'state.pt'}, is kept" in err
    state = torch.load(work / "state.pt", weights_only=True)
    assert state["step"] == 1
    assert all(torch.isfinite(v).all() for v in state["model"].values())


def test_a_failed_checkpoint_write_is_a_clear_error_and_keeps_the_last_one(tmp_path, capsys, monkeypatch):
    """A short write (a full disk) leaves no temporary file and the earlier checkpoint as it was."""
    import sklearn_swat.pretrain._train as train_module

    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "2") == 0
    before = (work / "state.pt").read_bytes()

    def short_write(obj, path):
        open(path, "wb").write(b"half")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 0")

    monkeypatch.setattr(train_module.torch, "save", short_write)
    capsys.readouterr()
    assert _cli_train(work, "--steps", "4", "--resume") == 2
    err = capsys.readouterr().err
    assert f"error: Could not write {work / 'state.pt'} (RuntimeError" in err, err
    assert "the earlier one is kept" in err and "--resume" in err
    assert (work / "state.pt").read_bytes() == before
    assert not (work / "state.tmp").exists()


def test_resume_refuses_init_from_and_fewer_steps_than_done(tmp_path, capsys):
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "4") == 0
    with pytest.raises(SystemExit):
        main(["train", "--workdir", str(work), "--resume", "--init-from", "/no/such/thing"])
    assert "--init-from starts a new run" in capsys.readouterr().err  # this run did not start so
    before = (work / "config.json").read_text()
    assert main(["train", "--workdir", str(work), "--resume", "--steps", "2", "--no-progress"]) == 2
    assert "is at step 4, past --steps 2" in capsys.readouterr().err
    assert (work / "config.json").read_text() == before


def test_a_stage_from_other_weights_resumes_with_the_same_command(tmp_path, capsys):
    """What a stopped run says to do, "the same command with --resume", works with --init-from too."""
    assert _cli_train(tmp_path / "a", "--steps", "2") == 0
    stage = ("--steps", "5", "--seed", "1", "--init-from", str(tmp_path / "a"))
    assert _cli_train(tmp_path / "whole", *stage) == 0
    assert _cli_train(tmp_path / "cut", *stage, "--max-minutes", "1e-9") == 0
    assert "run the same command with --resume" in capsys.readouterr().err
    assert _cli_train(tmp_path / "cut", *stage, "--max-minutes", "1e-9", "--resume") == 0
    assert _cli_train(tmp_path / "cut", *stage, "--resume") == 0
    assert f"it started from {tmp_path / 'a'}" in capsys.readouterr().err
    whole, cut = (torch.load(tmp_path / d / "state.pt", weights_only=True) for d in ("whole", "cut"))
    assert cut["step"] == whole["step"] == 5
    for key, value in whole["model"].items():
        assert torch.equal(cut["model"][key], value), key


def test_stop_after_max_minutes_says_how_to_go_on(tmp_path, capsys):
    assert _cli_train(tmp_path / "run", "--steps", "6", "--max-minutes", "1e-9") == 0
    err = capsys.readouterr().err
    assert "Stopped after --max-minutes at step 1 of 6" in err and "--resume" in err


def test_finished_training_says_where_the_state_is(tmp_path, capsys):
    # Also with --no-progress, a finished run ends with a line naming its state and the export.
    assert _cli_train(tmp_path / "run", "--steps", "2") == 0
    err = capsys.readouterr().err
    assert f"Trained to step 2; the state is {tmp_path / 'run' / 'state.pt'}" in err
    assert f"export --workdir {tmp_path / 'run'}" in err


def test_exported_command_rebuilds_a_config_of_no_preset(tmp_path, capsys):
    # The tiny config is no preset: the command written with the checkpoint names its sizes.
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "1") == 0
    assert main(["export", "--workdir", str(work), "--name", "tiny", "--out", str(tmp_path),
                 "--n-networks", "8"]) == 0
    info = json.loads((tmp_path / "tiny.json").read_text())
    options = info["training"]["command"].split(" train ")[1].split(" --workdir ")[0].split()
    again = tmp_path / "again"
    assert main(["train", *options, "--workdir", str(again), "--steps", "1", "--no-progress"]) == 0
    assert json.loads((again / "config.json").read_text())["config"] == info["config"]
    assert config_options(PRESETS["general"]) == "--preset general"
    assert config_options(PRESETS["wide"]) == "--preset wide"


def test_evaluate_draws_every_depth_from_few_networks():
    model = untrained_autoencoder(TINY)
    figures = evaluate(model, n_networks=8, n_points=50)
    assert 0 <= figures["share_below_0.1_shallower"] <= 1  # networks of depth 2 to 4 were drawn
    one = evaluate(model, n_networks=1, n_points=50)
    assert one["share_below_0.1_shallower"] is None  # JSON's null: no network of depth 2 to 4
    json.dumps(one, allow_nan=False)


def test_corrupt_pool_file_is_a_clear_error(tmp_path):
    from sklearn_swat.pretrain._train import _kept_pool

    path = tmp_path / "fitted_zoo.pt"
    settings = TrainSettings()
    for junk in (b"junk", b""):
        path.write_bytes(junk)
        with pytest.raises(ValueError, match="fitted_zoo.pt is corrupt or not a pool of networks.*remove it"):
            _kept_pool(path, TINY, settings, {}, make=lambda: {})


def test_export_checks_its_folder_before_evaluating(tmp_path, capsys, monkeypatch):
    import sklearn_swat.pretrain._report as report

    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "1") == 0
    (tmp_path / "afile").write_text("")
    monkeypatch.setattr(report, "evaluate", lambda *a, **k: pytest.fail("evaluated before the folder check"))
    capsys.readouterr()
    out = tmp_path / "afile" / "x"
    assert main(["export", "--workdir", str(work), "--name", "x", "--out", str(out)]) == 2
    assert "Not a directory" in capsys.readouterr().err


def test_resume_messages_name_where_a_value_came_from(tmp_path, capsys):
    work = tmp_path / "run"
    assert _cli_train(work, "--steps", "2") == 0
    capsys.readouterr()
    # --preset's sizes, not options the user typed, differ from the run's.
    with pytest.raises(SystemExit):
        main(["train", "--workdir", str(work), "--resume", "--preset", "cornn"])
    err = capsys.readouterr().err
    assert "--preset cornn gives other sizes than the run" in err and "--d-model (saved 16, now 64)" in err
    if not torch.cuda.is_available():
        # A run saved on a GPU, resumed here: the device is the saved run's, and --device cpu goes on.
        state = torch.load(work / "state.pt", weights_only=True)
        state["settings"] = json.dumps({**json.loads(state["settings"]), "device": "cuda"})
        torch.save(state, work / "state.pt")
        with pytest.raises(SystemExit):
            main(["train", "--workdir", str(work), "--resume"])
        assert "the saved run's (cuda): pass --device cpu" in capsys.readouterr().err
        assert main(["train", "--workdir", str(work), "--resume", "--device", "cpu", "--steps", "3",
                     "--no-progress"]) == 0


def test_export_without_out_leaves_an_installed_packages_checkpoints_alone(tmp_path, monkeypatch, capsys):
    """Installed (weights/ not in a source checkout: site-packages, or a review's pip install
    --target), export needs --out: it would replace the bundled checkpoints in place, and its
    files would outlive an uninstall."""
    from sklearn_swat.pretrain import _report

    weights = tmp_path / "lib" / "python3.11" / "site-packages" / "sklearn_swat" / "weights"
    weights.mkdir(parents=True)
    monkeypatch.setattr(_report, "WEIGHTS_DIR", weights)
    assert _cli_train(tmp_path / "run", "--steps", "1") == 0
    capsys.readouterr()
    assert main(["export", "--workdir", str(tmp_path / "run"), "--name", "cornn", "--n-networks", "4"]) == 2
    err = capsys.readouterr().err
    assert "--out is needed: sklearn_swat is installed" in err
    assert "autoencoder='DIR/cornn.safetensors'" in err
    assert list(weights.iterdir()) == []
    assert main(["export", "--workdir", str(tmp_path / "run"), "--name", "cornn", "--n-networks", "4",
                 "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "cornn.safetensors").is_file()
    # Installed elsewhere (pip install --target, an unpacked wheel on PYTHONPATH): refused too.
    target = tmp_path / "tgt" / "sklearn_swat" / "weights"
    target.mkdir(parents=True)
    monkeypatch.setattr(_report, "WEIGHTS_DIR", target)
    assert main(["export", "--workdir", str(tmp_path / "run"), "--name", "cornn", "--n-networks", "4"]) == 2
    assert "--out is needed" in capsys.readouterr().err and list(target.iterdir()) == []
    # In a source checkout (the project's pyproject.toml beside the package) the default stays
    # the package's weights/.
    checkout = tmp_path / "src" / "sklearn_swat" / "weights"
    checkout.mkdir(parents=True)
    (tmp_path / "src" / "pyproject.toml").write_text('[project]\nname = "sklearn-swat"\n')
    monkeypatch.setattr(_report, "WEIGHTS_DIR", checkout)
    assert main(["export", "--workdir", str(tmp_path / "run"), "--name", "x", "--n-networks", "4"]) == 0
    assert (checkout / "x.safetensors").is_file()
    # --out naming a file: said so (it was "[Errno 17] File exists"), the file left alone.
    capsys.readouterr()
    (tmp_path / "afile").write_text("notes")
    assert main(["export", "--workdir", str(tmp_path / "run"), "--name", "x", "--n-networks", "4",
                 "--out", str(tmp_path / "afile")]) == 2
    assert "is a file: give a folder" in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "notes"


def test_init_from_a_bundled_name_means_the_bundled_checkpoint(tmp_path, monkeypatch, capsys):
    """A plain name is a training folder here unless a bundled checkpoint has it: then the
    bundled one (with a warning naming the folder and how to pick it: ./NAME)."""
    monkeypatch.chdir(tmp_path)
    assert _cli_train("cornn", "--steps", "2") == 0
    assert _cli_train("myrun", "--steps", "2") == 0
    capsys.readouterr()
    with pytest.warns(UserWarning, match=r"bundled checkpoint 'cornn', not from the training folder cornn/"):
        # The bundled cornn is of another config than these tiny runs: refused as such.
        assert _cli_train("b", "--steps", "1", "--init-from", "cornn") == 2
    assert "has config" in capsys.readouterr().err
    assert _cli_train("c", "--steps", "1", "--init-from", "./cornn") == 0
    assert _cli_train("d", "--steps", "1", "--init-from", "myrun") == 0
    from sklearn_swat.pretrain._train import load_training_state

    for run, origin in (("c", "cornn"), ("d", "myrun")):
        assert load_training_state(tmp_path / run)[1]["init_from"] == [origin]


def test_init_from_takes_a_state_file_and_names_a_folder_without_one(tmp_path, capsys):
    assert _cli_train(tmp_path / "a", "--steps", "2") == 0
    assert _cli_train(tmp_path / "b", "--steps", "1", "--init-from", str(tmp_path / "a" / "state.pt")) == 0
    (tmp_path / "empty").mkdir()
    capsys.readouterr()
    assert _cli_train(tmp_path / "c", "--steps", "1", "--init-from", str(tmp_path / "empty")) == 2
    assert "no state.pt in this folder" in capsys.readouterr().err


# From a mutation run of _zoo.py and pretrain (a helper): what 49 mutants showed untested.


def test_zoo_batches_draw_every_depth_and_sparsity_level():
    """sample_zoo_batch draws the depth in 1..4 and the level from sparsity_levels, per batch."""
    seen = set()
    for seed in range(40):
        gen = torch.Generator().manual_seed(seed)
        nets, _, _ = sample_zoo_batch(100, 7, 2, variable_inputs=False, n_points=2,
                                      sparsity_levels=(0.0, 0.5), generator=gen)
        zeros = float((nets.out_w == 0).float().mean() + (nets.weights[:, 0, :2] == 0).float().mean()) / 2
        level = 0.0 if zeros < 0.01 else 0.5
        assert level == 0.0 or abs(zeros - 0.5) < 0.05
        seen.add((nets.depth, level))
    assert seen == {(d, s) for d in (1, 2, 3, 4) for s in (0.0, 0.5)}


def test_zoo_output_layer_inputs_and_points_follow_the_design():
    """The output weights are sparsified as the hidden ones; variable input counts stay in
    1..max_inputs (not up to the width); points are uniform in [-1, 1] on present inputs only."""
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(2000, 2, 0.4, 7, 3, variable_inputs=True, generator=gen)
    assert abs(float((nets.out_w == 0).float().mean()) - 0.4) < 0.02
    assert nets.out_w.abs().max() <= 5 and nets.out_b.abs().max() <= 1
    counts = nets.in_mask.sum(1)
    assert counts.min() == 1 and counts.max() == 3
    assert torch.all(nets.weights[:, 0][nets.in_mask == 0] == 0)
    x = sample_points(nets.in_mask, 64, gen)
    assert torch.all(x[(nets.in_mask == 0)[:, None, :].expand_as(x)] == 0)
    present = x[(nets.in_mask == 1)[:, None, :].expand_as(x)]
    assert present.min() >= -1 and present.max() <= 1 and abs(float(present.mean())) < 0.01
    assert float(present.min()) < -0.99 and float(present.max()) > 0.99


def test_lr_schedule_warms_up_linearly_then_decays_to_the_floor():
    from sklearn_swat.pretrain._train import lr_factor

    s = TrainSettings(steps=10, warmup=4, min_lr_ratio=0.1)
    factors = [lr_factor(i, s) for i in range(11)]
    assert factors[:5] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    # Cosine from the peak at step 4 to the floor at step 10 (t = (step - 4) / 6).
    assert factors[7] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert factors[9] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 5 / 6)))
    assert factors[10] == pytest.approx(0.1)
    assert all(a > b for a, b in zip(factors[4:], factors[5:]))


def test_the_optimizer_uses_the_schedule_of_the_step_it_takes(tmp_path):
    """The rate of step i (0-based) is lr * lr_factor(i): the first warm-up step is not at 0."""
    settings = TrainSettings(steps=6, batch_size=4, n_points=8, warmup=4, checkpoint_every=1, seed=3, lr=0.01)
    train(TINY, settings, tmp_path, progress=False, max_minutes=0.0)
    st = torch.load(tmp_path / "state.pt", weights_only=True)
    assert st["step"] == 1
    assert st["optimizer"]["param_groups"][0]["lr"] == pytest.approx(0.01 * 1 / 4)


def test_each_step_draws_its_batch_from_seed_and_step(tmp_path, monkeypatch):
    """Batch i is sample_zoo_batch's from a generator seeded by (seed, i): every step a new one."""
    import sklearn_swat.pretrain._train as train_module

    seen = []

    def spy(*args, generator, **kwargs):
        batch = sample_zoo_batch(*args, generator=generator, **kwargs)
        seen.append(batch[1])
        return batch

    monkeypatch.setattr(train_module, "sample_zoo_batch", spy)
    run_train(tmp_path, 3)
    assert len(seen) == 3 and not torch.equal(seen[0], seen[1]) and not torch.equal(seen[1], seen[2])
    gen = torch.Generator().manual_seed(3 * train_module._STREAM + 2)
    _, x, _ = sample_zoo_batch(8, TINY.width, TINY.max_inputs, variable_inputs=False, n_points=16,
                               generator=gen)
    assert torch.equal(seen[2], x)


def _ten_seconds_a_step(monkeypatch):
    """A fake clock for the training loop: each training step takes 10 s."""
    import sklearn_swat.pretrain._train as train_module

    clock = [1000.0]
    real = train_module.training_step_loss

    def slow_step(*args, **kwargs):
        clock[0] += 10.0
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "time", types.SimpleNamespace(time=lambda: clock[0]))
    monkeypatch.setattr(train_module, "training_step_loss", slow_step)


def test_max_minutes_counts_minutes(tmp_path, monkeypatch):
    """A run given 0.5 minutes stops at the first step past 30 s (a fake clock: 10 s a step)."""
    _ten_seconds_a_step(monkeypatch)
    run_train(tmp_path, 10, max_minutes=0.5)
    st = torch.load(tmp_path / "state.pt", weights_only=True)
    assert st["step"] == 4
    assert json.loads(st["log"])["seconds"] == pytest.approx(40.0)


def test_resume_may_change_the_thread_count(tmp_path):
    """threads is one of RESUME_FREE: a run resumed on more threads goes on."""
    assert _cli_train(tmp_path, "--steps", "3", "--max-minutes", "1e-9") == 0
    assert main(["train", "--workdir", str(tmp_path), "--resume", "--no-progress", "--threads", "2"]) == 0
    assert torch.load(tmp_path / "state.pt", weights_only=True)["step"] == 3


def test_resume_of_a_run_saved_before_a_setting_existed(tmp_path):
    """A setting the saved run's version did not know had its default's effect: not a difference."""
    run_train(tmp_path, 4, max_minutes=0.0)
    state = torch.load(tmp_path / "state.pt", weights_only=True)
    settings = json.loads(state["settings"])
    del settings["distill_steps"], settings["weight_scales"]
    state["settings"] = json.dumps(settings)
    torch.save(state, tmp_path / "state.pt")
    run_train(tmp_path, 4, resume=True)
    assert torch.load(tmp_path / "state.pt", weights_only=True)["step"] == 4


def test_resume_of_a_finished_run_with_its_steps_is_a_no_op(tmp_path):
    """--steps equal to the saved step is allowed ("Give --steps {step} or more")."""
    run_train(tmp_path, 2)
    before = torch.load(tmp_path / "state.pt", weights_only=True)
    run_train(tmp_path, 2, resume=True)
    after = torch.load(tmp_path / "state.pt", weights_only=True)
    assert after["step"] == 2
    for key, value in before["model"].items():
        assert torch.equal(value, after["model"][key]), key


def test_decoder_relative_errors_leave_out_only_constant_networks():
    """NaN only for an output variance below 1e-6; a small but real variance (1e-4) is kept."""
    from sklearn_swat.pretrain._train import decoder_relative_errors

    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(3, 1, 0.0, TINY.width, TINY.max_inputs, generator=gen, gate_prob=1.0)
    x = sample_points(nets.in_mask, 200, gen)
    nets.out_w[0] = 0.0
    var = nets.forward(x).var(dim=1)
    nets.out_w[1] *= math.sqrt(1e-4 / float(var[1]))
    model = untrained_autoencoder(TINY)
    errs = decoder_relative_errors(model, model.encode(nets), nets, x)
    assert torch.isnan(errs[0]).all()
    assert torch.isfinite(errs[1:]).all()


def test_evaluate_aggregates_each_networks_decoder_errors(monkeypatch):
    """With the decoder of each network's own depth exact and the others not, and one constant
    network per batch: every share says so, and the constant networks are counted."""
    import sklearn_swat.pretrain._train as train_module

    def only_own_depth(model, z, nets, x):
        errs = torch.ones(nets.batch_size, 4, dtype=torch.float64)
        errs[:, nets.depth - 1] = 0.0
        errs[0] = float("nan")
        return errs

    monkeypatch.setattr(train_module, "decoder_relative_errors", only_own_depth)
    figures = evaluate(untrained_autoencoder(TINY), n_networks=40, n_points=8)
    assert figures["n_constant_excluded"] == len(evaluation_batches(40)) == 4
    assert figures["share_below_0.1"] == figures["share_below_0.1_true_depth"] == 1.0
    assert figures["share_below_0.1_shallower"] == 0.0
    assert figures["relative_error_median"] == 0.0


def test_evaluation_batches_cover_every_depth_and_the_documented_levels():
    batches = evaluation_batches(1000)
    assert sum(n for n, _, _ in batches) == 1000
    per_level = {}
    for n, _, s in batches:
        per_level[s] = per_level.get(s, 0) + n
    assert per_level == {0.0: 400, 0.2: 400, 0.4: 200}
    per_depth = {}
    for n, d, _ in batches:
        per_depth[d] = per_depth.get(d, 0) + n
    assert per_depth == {1: 250, 2: 250, 3: 250, 4: 250}
    assert {d for _, d, _ in evaluation_batches(8)} == {1, 2, 3, 4}


def test_permutation_ratio_compares_permuted_copies_with_unrelated_networks(monkeypatch):
    """An encoder that sees the neuron order has a ratio well above 0; an invariant one has 0."""
    import sklearn_swat.pretrain._train as train_module

    monkeypatch.setattr(train_module, "decoder_relative_errors",
                        lambda model, z, nets, x: torch.zeros(nets.batch_size, 4, dtype=torch.float64))
    model = untrained_autoencoder(TINY)
    # Codes of one size for every depth: the encoding matrix, as it is (order seen) or sorted.
    monkeypatch.setattr(model, "encode", lambda nets: nets.to_matrix(4)[0].flatten(1).clone())
    ordered = evaluate(model, n_networks=40, n_points=8)["permutation_ratio"]
    # Fewer than 8 networks come in batches of one: each is paired with the one drawn before,
    # not with itself (which gave 0 / 0 and None).
    few = [evaluate(model, n_networks=n, n_points=8)["permutation_ratio"] for n in (2, 5)]
    monkeypatch.setattr(model, "encode", lambda nets: nets.to_matrix(4)[0].flatten(1).sort(dim=1).values)
    invariant = evaluate(model, n_networks=40, n_points=8)["permutation_ratio"]
    assert ordered > 0.2 and invariant == pytest.approx(0.0, abs=1e-6)
    assert all(r is not None and r > 0.2 for r in few), few
    assert evaluate(model, n_networks=1, n_points=8)["permutation_ratio"] is None


def test_pool_made_with_other_sparsity_levels_is_refused(tmp_path):
    settings = TrainSettings(seed=1, fitted_share=0.5, fitted_pool=4, fitted_steps=1, sparsity_levels="0")
    fitted_pool(TINY, settings, tmp_path)
    other = TrainSettings(**{**settings.__dict__, "sparsity_levels": "0,0.5"})
    with pytest.raises(ValueError, match="was made with other settings"):
        fitted_pool(TINY, other, tmp_path)


def test_grad_clip_is_the_norm_clipped_to(tmp_path, monkeypatch):
    seen = []
    real = torch.nn.utils.clip_grad_norm_

    def spy(parameters, max_norm, *args, **kwargs):
        seen.append(max_norm)
        return real(parameters, max_norm, *args, **kwargs)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", spy)
    settings = TrainSettings(steps=1, batch_size=4, n_points=8, warmup=1, seed=3, grad_clip=0.25)
    train(TINY, settings, tmp_path, progress=False)
    assert seen == [0.25]


def test_export_evaluates_n_networks_and_does_not_warn_for_a_finished_run(tmp_path, recwarn):
    from sklearn_swat.pretrain._report import export

    run_train(tmp_path / "run", 2)
    export(tmp_path / "run", "tiny", tmp_path, n_networks=6)
    quality = json.loads((tmp_path / "tiny.json").read_text())["quality"]
    assert quality["n_networks"] == 6
    assert not [w for w in recwarn if "stopped at step" in str(w.message)]


def test_evaluate_checkpoint_improvement_is_untrained_over_trained(monkeypatch):
    import sklearn_swat.pretrain._report as report

    medians = iter([0.02, 0.5])
    monkeypatch.setattr(report, "evaluate", lambda model, n_networks: {
        "relative_error_median": next(medians), "permutation_ratio": 0.0})
    figures = report.evaluate_checkpoint("cornn", n_networks=4)
    assert figures["improvement_over_random_init"] == pytest.approx(25.0)
    assert figures["random_init_relative_error_median"] == 0.5


@pytest.mark.parametrize("value", ["0", "nan"])
def test_cli_max_minutes_must_be_a_positive_number(tmp_path, capsys, value):
    """--max-minutes 0 or nan is an argument error before any work, not a run that stops at once."""
    with pytest.raises(SystemExit) as exc:
        main(["train", *_CLI_TINY, "--workdir", str(tmp_path / "run"), "--no-progress", "--steps", "1",
              "--max-minutes", value])
    assert exc.value.code == 2
    assert f"--max-minutes: must be a number greater than 0; got '{value}'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_cli_blank_workdir_is_an_argument_error(tmp_path, monkeypatch, capsys):
    """A --workdir of spaces is refused by the argument parser, as an empty one."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["train", "--workdir", "  ", "--steps", "1"])
    assert exc.value.code == 2
    assert "argument --workdir: is empty" in capsys.readouterr().err


def test_cli_ctrl_c_before_the_first_checkpoint_says_there_is_nothing_to_resume(
        tmp_path, monkeypatch, capsys):
    """Interrupted before any state.pt: exit 130 and no advice to --resume (which would fail)."""
    from sklearn_swat.pretrain import _train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_train, "train", interrupted)
    assert main(["train", *_CLI_TINY, "--workdir", str(tmp_path / "run"), "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert "nothing to resume" in err and "--resume" not in err


def test_cli_ctrl_c_during_evaluate_exits_130(monkeypatch, capsys):
    from sklearn_swat.pretrain import _report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_report, "evaluate_checkpoint", interrupted)
    assert main(["evaluate", "--checkpoint", "cornn", "--n-networks", "5"]) == 130
    assert capsys.readouterr().err == "Interrupted.\n"


# From a second mutation run of pretrain/_train.py and _report.py (a helper): what 45 mutants
# showed untested.


@pytest.mark.parametrize("kwargs, message", [
    (dict(seed=2**32), "seed must be in 0..4294967295; got 4294967296"),
    (dict(weight_decay=-0.1), "weight_decay must be at least 0"),
    (dict(latent_noise=-0.05), "latent_noise must be at least 0"),
    (dict(sparsity_levels="0,1"), "sparsity levels must be in \\[0, 1\\)"),
    (dict(distill_steps=0), "distill_steps at least 1"),
])
def test_train_settings_refuse_the_first_value_past_each_end(kwargs, message):
    """The first value out of each documented range is refused when the settings are made,
    not by AdamW (weight_decay) or as a zoo of empty networks (sparsity 1)."""
    with pytest.raises(ValueError, match=message):
        TrainSettings(**kwargs)


def test_train_settings_take_the_ends_of_their_ranges_and_write_the_levels_one_way():
    """min_lr_ratio 1 (a constant rate after the warm-up) and the largest seed are allowed; the
    levels and scales are written one way, so a run, its resume and its pools compare them as
    numbers ("0.0,0.20" is the default "0,0.2")."""
    s = TrainSettings(steps=10, warmup=2, seed=2**32 - 1, min_lr_ratio=1.0, sparsity_levels="0.0,0.20,0.4",
                      weight_scales="1.0,0.50")
    assert s.sparsity_levels == "0,0.2,0.4" == TrainSettings().sparsity_levels
    assert s.weight_scales == "1,0.5"
    assert [lr_factor(i, s) for i in (1, 2, 6, 10)] == pytest.approx([1.0, 1.0, 1.0, 1.0])


def _exact_decoder(canon, weight_scale):
    """A stand-in model whose decoder gives back ``canon`` itself, with confident logits."""
    raw = {"weights": canon.weights.clone(), "biases": canon.biases.clone(),
           "act_logits": 30.0 * canon.act - 15.0, "gate_logits": 30.0 * canon.gates - 15.0,
           "out_w": canon.out_w.clone(), "out_b": canon.out_b.clone()}
    model = types.SimpleNamespace(config=types.SimpleNamespace(weight_scale=weight_scale),
                                  decode=lambda z, depth: raw)
    return model, raw


def test_reconstruction_loss_scores_the_live_part_of_the_network_and_every_gate():
    """The matrix loss asks for the weights of live connections (in units of weight_scale),
    the biases of switched-on neurons and every gate; what a network does not use is free."""
    from sklearn_swat.pretrain._train import reconstruction_loss

    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(16, 3, 0.0, TINY.width, TINY.max_inputs, generator=gen)
    canon = canonicalize(nets)
    model, raw = _exact_decoder(canon, weight_scale=5.0)
    exact = float(reconstruction_loss(model, None, canon))
    assert exact < 1e-3
    on = canon.gates
    src = torch.cat([canon.in_mask[:, None, :], on[:, :-1]], dim=1)
    live = src[:, :, :, None] * on[:, :, None, :]  # (from row, to column) of each layer
    assert 0 < float(live.mean()) < 1
    # Weights of dead connections (from an absent input or an off neuron, or into an off one)
    # and biases of off neurons are not scored.
    raw["weights"] += 7.0 * (1 - live)
    raw["biases"] += 3.0 * (1 - on)
    assert float(reconstruction_loss(model, None, canon)) == pytest.approx(exact, abs=1e-6)
    # An error of one weight_scale on every live weight costs 1.
    raw["weights"] += 5.0 * live
    assert float(reconstruction_loss(model, None, canon)) == pytest.approx(exact + 1.0, abs=1e-4)
    # Every gate wrong (off neurons' too) costs more.
    raw["gate_logits"] = -raw["gate_logits"]
    assert float(reconstruction_loss(model, None, canon)) > exact + 5.0


def _decoder_mse(model, z, nets, x, y, build):
    """Each decoder's network (``build``: soft_network or hard_network) against ``y``: MSE per
    network and decoder, shape (networks, 4)."""
    return torch.stack([((build(model.decode(z, k), nets.in_mask).forward(x) - y) ** 2).mean(1)
                        for k in (1, 2, 3, 4)], 1)


def test_functional_errors_are_the_soft_or_hard_networks_mse_over_variance_plus_floor():
    """Training scores the soft (differentiable) decoded networks, ``hard=True`` the hard ones; an
    output of small variance is divided by its variance + 0.01, not by the variance alone."""
    from sklearn_swat.pretrain._train import functional_errors

    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(6, 2, 0.0, TINY.width, TINY.max_inputs, generator=gen, gate_prob=1.0)
    x = sample_points(nets.in_mask, 32, gen)
    y = nets.forward(x)
    y = 1e-3 * (y - y.mean(1, keepdim=True)) / y.std(1, keepdim=True)  # variance 1e-6
    model = untrained_autoencoder(TINY)
    z = model.encode(nets)
    results = []
    for hard, build in ((False, soft_network), (True, hard_network)):
        errs = functional_errors(model, z, nets, x, y, hard=hard)
        expected = _decoder_mse(model, z, nets, x, y, build) / (1e-6 + 1e-2)
        torch.testing.assert_close(errs, expected, rtol=1e-4, atol=0)
        results.append(errs)
    assert not torch.allclose(results[0], results[1])


def test_training_step_loss_adds_the_mean_log_error_of_all_four_decoders():
    """all_decoders_weight adds that weight times the mean over networks and decoders of
    log(1 + error); the functional and reconstruction parts are returned in that order."""
    from sklearn_swat.pretrain._train import functional_errors, reconstruction_loss, training_step_loss

    gen = torch.Generator().manual_seed(0)
    batch = sample_zoo_batch(6, TINY.width, TINY.max_inputs, variable_inputs=False, n_points=16,
                             generator=gen)
    model = untrained_autoencoder(TINY)
    settings = TrainSettings(latent_noise=0.0, rec_weight=0.0, all_decoders_weight=0.5)
    loss, func, rec = training_step_loss(model, batch, settings, gen)
    nets, x, y = batch
    with torch.no_grad():
        z = model.encode(nets)
        errs = functional_errors(model, z, nets, x, y)
        expected_rec = float(reconstruction_loss(model, z, canonicalize(nets)))
    assert func == pytest.approx(float(torch.log1p(errs.min(1).values).mean()), rel=1e-5)
    assert rec == pytest.approx(expected_rec, rel=1e-5) and rec != pytest.approx(func, rel=1e-2)
    assert float(loss) == pytest.approx(func + 0.5 * float(torch.log1p(errs).mean()), rel=1e-5)


def test_an_empty_state_file_is_named_as_such(tmp_path):
    """The corrupt-state error says what is wrong with the file: here that it is empty."""
    from sklearn_swat.pretrain._train import load_training_state

    (tmp_path / "state.pt").write_bytes(b"")
    with pytest.raises(ValueError, match=r"is corrupt or not a training state \(an empty file\)"):
        load_training_state(tmp_path)


def test_resume_of_a_run_saved_with_a_setting_since_removed(tmp_path):
    """A saved setting this version no longer has is left out: the command line resumes the run."""
    from sklearn_swat.pretrain._train import load_run_settings

    run_train(tmp_path, 4, max_minutes=0.0)
    state = torch.load(tmp_path / "state.pt", weights_only=True)
    state["settings"] = json.dumps({**json.loads(state["settings"]), "retired_option": 1})
    torch.save(state, tmp_path / "state.pt")
    assert "retired_option" not in load_run_settings(tmp_path)[1]
    assert main(["train", "--workdir", str(tmp_path), "--resume", "--no-progress"]) == 0
    assert torch.load(tmp_path / "state.pt", weights_only=True)["step"] == 4


def test_weight_decay_is_the_optimizers(tmp_path):
    """--weight-decay reaches AdamW, whose own default (0.01) is not used: 0 means none."""
    for decay in (0.0, 0.1):
        settings = TrainSettings(steps=1, batch_size=4, n_points=8, warmup=1, seed=3, weight_decay=decay)
        train(TINY, settings, tmp_path / str(decay), progress=False)
        st = torch.load(tmp_path / str(decay) / "state.pt", weights_only=True)
        assert st["optimizer"]["param_groups"][0]["weight_decay"] == decay


def test_trained_model_comes_back_in_eval_mode(tmp_path):
    assert not run_train(tmp_path, 1).training


def test_a_small_fitted_share_still_puts_one_fitted_network_in_each_batch(tmp_path, monkeypatch):
    """A share that rounds to no network gives one (and the batch keeps its size)."""
    import sklearn_swat.pretrain._train as train_module

    added, sizes = [], []
    real_add, real_loss = train_module._add_fitted, train_module.training_step_loss

    def add_spy(batch, pool, n, *args):
        added.append(n)
        return real_add(batch, pool, n, *args)

    def loss_spy(model, batch, *args):
        sizes.append(batch[0].batch_size)
        return real_loss(model, batch, *args)

    monkeypatch.setattr(train_module, "_add_fitted", add_spy)
    monkeypatch.setattr(train_module, "training_step_loss", loss_spy)
    settings = TrainSettings(steps=1, batch_size=8, n_points=8, warmup=1, seed=3, fitted_share=0.01,
                             fitted_pool=4, fitted_steps=1)
    train(TINY, settings, tmp_path, progress=False)
    assert added == [1] and sizes == [8]


def test_the_log_names_the_thread_count_the_run_used(tmp_path):
    from sklearn_swat.pretrain._train import cpu_name, load_training_state

    settings = TrainSettings(steps=1, batch_size=4, n_points=8, warmup=1, seed=3, threads=2)
    train(TINY, settings, tmp_path, progress=False)
    assert load_training_state(tmp_path)[1]["device"] == cpu_name(2)
    assert "2 thread(s)" in cpu_name(2)


def test_training_time_adds_up_over_a_resume_an_export_and_a_second_stage(tmp_path, monkeypatch):
    """A resumed run adds its seconds to the saved ones; the export gives them in minutes, and
    a stage started from the exported checkpoint counts those minutes (a fake clock: 10 s a step)."""
    from sklearn_swat.pretrain._report import export

    _ten_seconds_a_step(monkeypatch)
    run_train(tmp_path / "a", 6, max_minutes=0.5)  # stops after step 4, at 40 s
    run_train(tmp_path / "a", 6, resume=True)
    assert json.loads(torch.load(tmp_path / "a" / "state.pt", weights_only=True)["log"])["seconds"] == (
        pytest.approx(60.0))
    export(tmp_path / "a", "timed", tmp_path, n_networks=4)
    assert json.loads((tmp_path / "timed.json").read_text())["training"]["train_minutes"] == 1.0
    settings = TrainSettings(steps=1, batch_size=8, n_points=16, warmup=1, seed=4)
    train(TINY, settings, tmp_path / "b", progress=False, init_from=tmp_path / "timed.safetensors")
    assert json.loads(torch.load(tmp_path / "b" / "state.pt", weights_only=True)["log"])["seconds"] == (
        pytest.approx(70.0))


def test_logged_losses_are_means_over_the_steps_since_the_last_entry(tmp_path, monkeypatch):
    """With checkpoint_every 3 and 5 steps, the second entry is the mean of the last two steps."""
    import sklearn_swat.pretrain._train as train_module

    seen = []
    real = train_module.training_step_loss

    def spy(*args, **kwargs):
        loss, func, rec = real(*args, **kwargs)
        seen.append((float(loss.detach()), func, rec))
        return loss, func, rec

    monkeypatch.setattr(train_module, "training_step_loss", spy)
    settings = TrainSettings(steps=5, batch_size=4, n_points=8, warmup=1, checkpoint_every=3, seed=3)
    train(TINY, settings, tmp_path, progress=False)
    log = json.loads(torch.load(tmp_path / "state.pt", weights_only=True)["log"])
    assert log["steps"] == [3, 5]
    for i, key in enumerate(("loss", "functional", "reconstruction")):
        values = [s[i] for s in seen]
        assert log[key] == pytest.approx([sum(values[:3]) / 3, sum(values[3:]) / 2], rel=1e-6), key


def test_fitted_pool_is_drawn_from_the_runs_seed_with_the_runs_settings(tmp_path, monkeypatch):
    """Runs of other seeds get other pools, a pool of another seed in the folder is refused, and
    the pool's networks are made with the run's steps, pruning, levels and gate probability."""
    import sklearn_swat.pretrain._train as train_module

    def settings(seed, **kwargs):
        return TrainSettings(seed=seed, fitted_share=0.5, fitted_pool=4, fitted_steps=1, **kwargs)

    for run in ("a", "b", "c"):
        (tmp_path / run).mkdir()
    one, two = fitted_pool(TINY, settings(1), tmp_path / "a"), fitted_pool(TINY, settings(2), tmp_path / "b")
    assert not torch.equal(one[2].weights, two[2].weights)
    with pytest.raises(ValueError, match="was made with other settings"):
        fitted_pool(TINY, settings(2), tmp_path / "a")
    calls = []

    def spy(n, depth, width, max_inputs, **kwargs):
        calls.append(kwargs)
        nets = sample_networks(n, depth, 0.0, width, max_inputs, generator=kwargs["generator"])
        return nets, torch.zeros(n)

    monkeypatch.setattr(train_module, "fitted_zoo", spy)
    fitted_pool(TINY, settings(1, fitted_prune=2, sparsity_levels="0.2,0.6", gate_prob=0.7), tmp_path / "c")
    assert len(calls) == 4
    for kwargs in calls:
        assert (kwargs["steps"], kwargs["prune_rounds"], kwargs["sparsity_levels"], kwargs["gate_prob"]) == (
            1, 2, (0.2, 0.6), 0.7)


def test_distill_loss_asks_for_the_distilled_network_of_each_encoded_one(tmp_path, monkeypatch):
    """The shallower decoder's target for a code is the network distilled from the very network
    encoded, not another one of the pool."""
    import sklearn_swat.pretrain._train as train_module
    from sklearn_swat.pretrain._train import distill_loss, distilled_pool

    settings = TrainSettings(seed=1, distill_weight=1.0, distill_pool=24, distill_steps=5)
    pool = distilled_pool(TINY, settings, tmp_path)
    model = untrained_autoencoder(TINY)
    encoded, targets = [], []
    real_encode, real_loss = model.encode, train_module.reconstruction_loss
    monkeypatch.setattr(model, "encode", lambda nets: encoded.append(nets) or real_encode(nets))
    monkeypatch.setattr(train_module, "reconstruction_loss",
                        lambda model, z, canon: targets.append(canon) or real_loss(model, z, canon))
    distill_loss(model, pool, 8, torch.Generator().manual_seed(5))
    (deep,), (target,) = encoded, targets
    source, shallow = pool[(deep.depth, target.depth)]
    drawn = [next(j for j in range(source.batch_size) if torch.equal(source.weights[j], deep.weights[i]))
             for i in range(8)]
    expected = canonicalize(shallow.index(drawn))
    assert torch.equal(expected.weights, target.weights) and torch.equal(expected.gates, target.gates)


def test_fitted_networks_join_a_batch_as_permuted_copies():
    """Networks drawn from the fitted pool come with their hidden neurons reordered (the same
    functions), so the encoder sees them in other orders than the pool's."""
    from sklearn_swat.pretrain._train import _add_fitted

    gen = torch.Generator().manual_seed(0)
    one = sample_networks(1, 2, 0.0, TINY.width, TINY.max_inputs, generator=gen, gate_prob=1.0)
    batch = sample_zoo_batch(3, TINY.width, TINY.max_inputs, variable_inputs=False, n_points=16, depth=2,
                             generator=gen)
    nets, x, y = _add_fitted(batch, {2: one}, 8, 16, gen)
    assert nets.batch_size == 11 and x.shape == (11, 16, TINY.width) and y.shape == (11, 16)
    copies = one.index([0] * 8)
    torch.testing.assert_close(y[3:], copies.forward(x[3:]))
    torch.testing.assert_close(nets.index(slice(3, None)).forward(x[3:]), y[3:])
    assert sum(torch.equal(nets.weights[i], one.weights[0]) for i in range(3, 11)) < 8


def test_permute_hidden_reorders_every_hidden_layer_and_keeps_the_function():
    from sklearn_swat.pretrain._train import _permute_hidden

    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(20, 3, 0.0, TINY.width, TINY.max_inputs, generator=gen, gate_prob=1.0)
    permuted = _permute_hidden(nets, gen)
    x = sample_points(nets.in_mask, 32, gen)
    torch.testing.assert_close(permuted.forward(x), nets.forward(x))
    for layer in range(3):
        assert not torch.equal(permuted.biases[:, layer], nets.biases[:, layer]), layer
        assert torch.equal(permuted.biases[:, layer].sort(1).values, nets.biases[:, layer].sort(1).values)


def test_decoder_relative_errors_measure_the_hard_decoded_networks():
    """Evaluation scores the networks a decoder stands for (argmax activations, gates >= 0.5)."""
    from sklearn_swat.pretrain._train import decoder_relative_errors

    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(6, 2, 0.0, TINY.width, TINY.max_inputs, generator=gen, gate_prob=1.0)
    x = sample_points(nets.in_mask, 32, gen)
    model = untrained_autoencoder(TINY)
    z = model.encode(nets)
    y = nets.forward(x)
    expected = _decoder_mse(model, z, nets, x, y, hard_network) / y.var(1, keepdim=True)
    errs = decoder_relative_errors(model, z, nets, x)
    torch.testing.assert_close(errs, expected.double(), rtol=1e-4, atol=0)


def test_evaluate_draws_its_networks_from_its_seed_and_needs_two_points():
    model = untrained_autoencoder(TINY)
    first = evaluate(model, n_networks=8, n_points=16, seed=1)
    assert evaluate(model, n_networks=8, n_points=16, seed=1) == first
    assert evaluate(model, n_networks=8, n_points=16, seed=2) != first
    with pytest.raises(ValueError, match="n_points at least 2"):
        evaluate(model, n_networks=8, n_points=1)


def test_report_options_of_a_stage_saved_before_later_settings():
    """A stage recorded by an older version lacks the newer settings: its options are its own."""
    from sklearn_swat.pretrain._report import _options

    assert _options({"steps": 100, "lr": 0.001, "seed": 0, "latent_noise": 0.1}) == (
        "--steps 100 --lr 0.001 --latent-noise 0.1 --seed 0")


def test_export_refuses_a_name_with_a_backslash(tmp_path, capsys):
    """A Windows-style folder in --name is refused as a '/' one is, before the run is read."""
    assert main(["export", "--workdir", str(tmp_path / "nope"), "--name", "sub\\x",
                 "--out", str(tmp_path)]) == 2
    assert "--name must be a plain file name without extension" in capsys.readouterr().err


def test_export_recovers_the_stages_of_a_log_that_predates_them(tmp_path):
    """A log without "stages" that started from a checkpoint still reachable by its name and
    sha256 gets that checkpoint's stages and settings; from a replaced one (another sha256), none."""
    from sklearn_swat.pretrain._report import export

    run_train(tmp_path / "run", 1)
    info = load_checkpoint_info("cornn")
    state = torch.load(tmp_path / "run" / "state.pt", weights_only=True)
    log = {k: v for k, v in json.loads(state["log"]).items() if k != "stages"}
    for sha, expected in ((info["sha256"], [*info["training"]["stages"], info["training"]["settings"]]),
                          ("0" * 64, [])):
        state["log"] = json.dumps({**log, "init_from": [f"cornn (sha256 {sha})"]})
        torch.save(state, tmp_path / "run" / "state.pt")
        export(tmp_path / "run", "old", tmp_path, n_networks=4)
        assert json.loads((tmp_path / "old.json").read_text())["training"]["stages"] == expected


def test_evaluate_checkpoint_gives_the_untrained_models_own_figures_and_the_parameter_count(monkeypatch):
    import sklearn_swat.pretrain._report as report

    figures = iter([{"relative_error_median": 0.02, "permutation_ratio": 0.1},
                    {"relative_error_median": 0.5, "permutation_ratio": 0.3}])
    monkeypatch.setattr(report, "evaluate", lambda model, n_networks: next(figures))
    out = report.evaluate_checkpoint("cornn", n_networks=4)
    assert out["permutation_ratio"] == 0.1 and out["random_init_permutation_ratio"] == 0.3
    assert out["n_parameters"] == sum(p.numel() for p in load_autoencoder("cornn").parameters())


def test_report_page_gives_each_checkpoints_stages_in_order(tmp_path, monkeypatch):
    """The page's commands make each checkpoint again: its stages first to last, each from the
    one before, then the export; and it counts the networks of each sparsity level."""
    import sklearn_swat.pretrain._report as report

    monkeypatch.setattr(report, "evaluate_checkpoint", lambda name, n_networks: {})
    page = report.write_report(tmp_path, n_networks=8).read_text()
    assert "sparsity 0: 8 networks" in page
    for name in list_checkpoints():
        training = load_checkpoint_info(name)["training"]
        stages = [*training.get("stages", []), training["settings"]]
        lines = [line for line in page.splitlines() if f"--workdir runs/{name}" in line]
        assert len(lines) == len(stages) + 1
        # One stage: its folder is runs/NAME; several: runs/NAME-1, runs/NAME-2, ...
        folders = ([f"runs/{name}"] if len(stages) == 1
                   else [f"runs/{name}-{i + 1}" for i in range(len(stages))])
        for i, (line, stage, folder) in enumerate(zip(lines, stages, folders)):
            assert f"--workdir {folder} " in line and f" --seed {stage['seed']} " in line
            assert line.count("--init-from") == (i > 0)
            assert (i > 0) == (f"--init-from {folders[i - 1]} " in line)
        assert lines[-1].endswith(f"export --workdir {folders[-1]} --name {name}")
    # The bundled checkpoints have both kinds.
    assert {len(load_checkpoint_info(n)["training"].get("stages", [])) for n in list_checkpoints()} == {0, 1}


# From a second mutation run of _zoo.py (a helper): behaviour the first run's tests left open.


def test_sample_networks_refuses_a_depth_or_input_count_out_of_range():
    """A depth outside 1..4 or a max_inputs outside 1..width is a ValueError that names the
    value given, not a batch the autoencoder cannot encode."""
    gen = torch.Generator().manual_seed(0)
    for depth in (0, 5):
        with pytest.raises(ValueError, match=rf"depth must be in 1\.\.4; got {depth}\."):
            sample_networks(2, depth, 0.0, 7, 2, generator=gen)
    for max_inputs in (0, 8):
        with pytest.raises(ValueError, match=rf"max_inputs must be in 1\.\.width=7; got {max_inputs}\."):
            sample_networks(2, 1, 0.0, 7, max_inputs, generator=gen)


def test_default_weight_scales_draw_nothing_from_the_generator():
    """The paper's zoo (weight_scales=(1.0,)) draws no scale, so a seed gives the networks it gave
    before the option existed; a list of scales draws one per network, even when all are 1."""
    plain = sample_networks(50, 2, 0.2, 7, 2, generator=torch.Generator().manual_seed(0))
    ones = sample_networks(50, 2, 0.2, 7, 2, weight_scales=(1.0, 1.0),
                           generator=torch.Generator().manual_seed(0))
    assert torch.equal(plain.weights, ones.weights)  # drawn before the scales, multiplied by 1
    assert not torch.equal(plain.out_w, ones.out_w)  # drawn after: the draw shifted them


def test_a_layer_switched_off_whole_gets_a_neuron_back_at_random():
    """The neuron switched back on in a layer that came out all off is any of the layer's, not
    always the first (which would give every sparse zoo network the same live neuron)."""
    nets = sample_networks(4000, 1, 0.0, 7, 2, generator=torch.Generator().manual_seed(0), gate_prob=0.05)
    single = nets.gates[:, 0][nets.gates[:, 0].sum(-1) == 1]  # most of them rescued layers
    counts = torch.bincount(single.argmax(-1), minlength=7).float()
    assert len(single) > 2000 and float(counts.min()) > 0.6 * float(counts.mean())


def test_zoo_batches_pass_their_settings_to_the_networks():
    """sample_zoo_batch draws its networks with the variable_inputs, gate_prob and weight_scales
    given (the training run's options), not sample_networks' defaults."""
    def batch(**kwargs):
        args = {"variable_inputs": False, "n_points": 4, "depth": 1, **kwargs}
        return sample_zoo_batch(1000, 7, 3, generator=torch.Generator().manual_seed(0), **args)[0]

    assert set(batch(variable_inputs=True).in_mask.sum(1).tolist()) == {1.0, 2.0, 3.0}
    assert float(batch(gate_prob=0.9).gates.mean()) > 0.85
    scaled = batch(weight_scales=(0.25,))
    assert float(scaled.weights.abs().max()) <= 0.25 * 5.0 and float(scaled.out_w.abs().max()) > 4.0


def test_random_targets_of_a_single_point_are_zero():
    """A target row that cannot span [-1, 1] (one point: a constant) is 0, as documented."""
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(20, 1, 0.0, 7, 2, generator=gen)
    y = random_targets(sample_points(nets.in_mask, 1, gen), nets.in_mask, gen)
    assert torch.equal(y, torch.zeros(20, 1))


def test_random_targets_draw_the_ridge_family():
    """About a third of the targets are ridge functions g(v . x + c) (the ridge family, a quarter,
    and the sines of one wave): their gradient keeps one direction over the whole square."""
    gen = torch.Generator().manual_seed(0)
    in_mask = torch.zeros(600, 7, dtype=torch.float64)
    in_mask[:, :2] = 1
    p = torch.zeros(600, 30, 7, dtype=torch.float64)
    p[:, :, :2] = torch.rand(600, 30, 2, generator=gen, dtype=torch.float64) * 1.6 - 0.8
    e, h = torch.eye(7, dtype=torch.float64), 1e-4
    x = torch.cat([p + h * e[0], p - h * e[0], p + h * e[1], p - h * e[1]], 1)
    # The draws do not depend on the points: one call gives each function at all of them.
    y = random_targets(x, in_mask, torch.Generator().manual_seed(1))
    grad = torch.stack([y[:, :30] - y[:, 30:60], y[:, 60:90] - y[:, 90:]], -1) / (2 * h)
    norm = grad.norm(dim=-1)
    cross = (grad[:, :, None, 0] * grad[:, None, :, 1] - grad[:, :, None, 1] * grad[:, None, :, 0]).abs()
    scale = norm[:, :, None] * norm[:, None, :] + 1e-9
    ridge = (cross / scale).amax((1, 2)) < 0.02
    assert 0.25 < float(ridge.double().mean()) < 0.45


def test_fit_networks_keeps_zero_output_weights_zero():
    """The architecture is fixed: output weights that are zero stay zero, as hidden ones do."""
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(32, 1, 0.4, 7, 2, generator=gen)
    x = sample_points(nets.in_mask, 32, gen)
    fitted, _ = fit_networks(nets, x, random_targets(x, nets.in_mask, gen), steps=5)
    assert bool((nets.out_w == 0).any())
    assert torch.equal(fitted.out_w == 0, nets.out_w == 0)


def test_distilled_networks_read_only_their_deep_networks_inputs_and_train_for_the_steps_given():
    """A distilled network has its deeper network's inputs (zero rows for the absent ones, the same
    in_mask), and distill_networks trains for ``steps`` steps: more steps, a closer fit."""
    gen = torch.Generator().manual_seed(0)
    deep = sample_networks(32, 3, 0.0, 7, 4, variable_inputs=True, generator=gen)
    x = sample_points(deep.in_mask, 64, gen)
    y = deep.forward(x)
    mse = {}
    for steps in (1, 60):
        shallow, mse[steps] = distill_networks(deep, 1, x, y, max_inputs=4, steps=steps,
                                               generator=torch.Generator().manual_seed(1))
        assert torch.equal(shallow.in_mask, deep.in_mask)
        assert bool((shallow.weights[:, 0][deep.in_mask == 0] == 0).all())
    assert float(mse[60].median()) < 0.7 * float(mse[1].median())


def test_prune_networks_cuts_to_keep_switches_off_whole_neurons_and_needs_a_round():
    """The cut keeps exactly ``keep`` weights where no neuron dies of it; a neuron left with no
    outgoing weight is switched off with its bias zeroed; rounds=0 is refused."""
    gen = torch.Generator().manual_seed(0)
    nets = sample_networks(40, 1, 0.0, 7, 2, generator=gen, gate_prob=1.0)  # 14 + 7 = 21 weights
    x = sample_points(nets.in_mask, 32, gen)
    y = random_targets(x, nets.in_mask, gen)
    keep = torch.full((40,), 19.0)
    pruned, _ = prune_networks(nets, x, y, keep, rounds=1, steps=1)
    nnz = (pruned.weights != 0).flatten(1).sum(1) + (pruned.out_w != 0).sum(1)
    assert bool((nnz <= 19).all())
    # Where both weights cut are hidden ones, no neuron loses its output: exactly 19 are left.
    mags = torch.cat([nets.weights.abs().flatten(1), nets.out_w.abs()], 1)
    cut = mags.masked_fill(mags == 0, float("inf")).topk(2, dim=1, largest=False).indices
    hidden_cut = (cut < nets.weights[0].numel()).all(1)
    assert int(hidden_cut.sum()) >= 5 and bool((nnz[hidden_cut] == 19).all())
    off = pruned.gates[:, 0] == 0
    assert bool(off.any()) and bool((pruned.biases[:, 0][off] == 0).all())
    with pytest.raises(ValueError, match="rounds must be at least 1; got 0"):
        prune_networks(nets, x, y, keep, rounds=0)


def test_fitted_zoo_follows_its_settings():
    """fitted_zoo gives n networks when n is not a multiple of chunk, draws them with the
    sparsity, gate_prob and variable_inputs given; with pruning they start dense (every neuron
    on) and keep up to keep_range times their depth."""
    def zoo(n=8, depth=1, **kwargs):
        return fitted_zoo(n, depth, 7, 3, generator=torch.Generator().manual_seed(0), n_points=16,
                          steps=1, **{"variable_inputs": False, **kwargs})[0]

    assert zoo(n=5, chunk=4).batch_size == 5
    assert abs(float((zoo(n=64, sparsity_levels=(0.6,)).weights[:, 0, :3] == 0).float().mean()) - 0.6) < 0.1
    assert bool((zoo(gate_prob=1.0).gates == 1).all())
    assert len(set(zoo(n=64, variable_inputs=True).in_mask.sum(1).tolist())) == 3
    # keep far above the 28 weights: nothing cut, the dense start shows.
    uncut = zoo(prune_rounds=1, keep_range=(100, 100), sparsity_levels=(0.6,), gate_prob=0.3)
    assert bool((uncut.gates == 1).all()) and bool((uncut.weights[:, 0, :3] != 0).all())
    deep = zoo(depth=2, prune_rounds=1, keep_range=(20, 20))
    nnz = (deep.weights != 0).flatten(1).sum(1) + (deep.out_w != 0).sum(1)
    assert bool((nnz <= 40).all()) and bool((nnz > 20).any())


# From a second mutation run of the pretraining command line (a helper).


def test_cli_options_given_as_false_or_zero_override_the_preset_and_defaults(tmp_path):
    """--variable-inputs false over the general preset's true, --latent-noise 0 and --warmup 0
    over their defaults: a false or zero value given is a value, not an option left out."""
    assert main(["train", *_CLI_TINY, "--preset", "general", "--variable-inputs", "false",
                          "--latent-noise", "0", "--warmup", "0", "--workdir", str(tmp_path),
                          "--no-progress", "--steps", "1"]) == 0
    written = json.loads((tmp_path / "config.json").read_text())
    assert written["config"]["variable_inputs"] is False
    assert (written["settings"]["latent_noise"], written["settings"]["warmup"]) == (0.0, 0)


def test_a_resumed_third_stage_names_the_run_it_started_from(tmp_path, capsys):
    """A stage started from a stage: the note of its resume names the run it started from
    (the last origin of its log), not the first stage's."""
    assert _cli_train(tmp_path / "a", "--steps", "1") == 0
    assert _cli_train(tmp_path / "b", "--steps", "2", "--init-from", str(tmp_path / "a")) == 0
    stage = ("--steps", "4", "--init-from", str(tmp_path / "b"))
    assert _cli_train(tmp_path / "c", *stage, "--max-minutes", "1e-9") == 0
    capsys.readouterr()
    assert _cli_train(tmp_path / "c", *stage, "--resume") == 0
    assert f"(it started from {tmp_path / 'b'})." in capsys.readouterr().err


def test_cli_export_evaluate_and_report_defaults_and_output(monkeypatch, capsys):
    """The documented defaults reach the library (1000 networks, the cornn checkpoint, the docs
    folder, export's --out left to export); results go to stdout, one named figure a line."""
    from pathlib import Path

    from sklearn_swat.pretrain import _report

    calls = {}

    def record(name, result):
        def fake(*args, **kwargs):
            calls[name] = (args, kwargs)
            return result

        return fake

    monkeypatch.setattr(_report, "export", record("export", Path("w/x.safetensors")))
    monkeypatch.setattr(_report, "evaluate_checkpoint", record("evaluate", {"relative_error_median": 0.25}))
    monkeypatch.setattr(_report, "write_report", record("report", Path("docs/pretraining.md")))
    assert main(["export", "--workdir", "w", "--name", "x"]) == 0
    assert calls["export"][0] == ("w", "x", None) and calls["export"][1]["n_networks"] == 1000
    assert capsys.readouterr().out == f"wrote {Path('w/x.safetensors')}\n"
    assert main(["evaluate"]) == 0
    assert calls["evaluate"] == (("cornn",), {"n_networks": 1000})
    assert capsys.readouterr().out.split() == ["relative_error_median", "0.25"]
    assert main(["report"]) == 0
    assert calls["report"] == (("docs",), {"n_networks": 1000})


def test_cli_boolean_options_take_surrounding_spaces():
    """A true/false value with spaces around it (from a script's quoting) reads as the word."""
    from sklearn_swat.pretrain.__main__ import _boolean

    assert _boolean(" Yes ") is True and _boolean("false\n") is False
