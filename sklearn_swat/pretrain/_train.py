"""Pretraining and evaluation of the multi-scale autoencoder."""

from __future__ import annotations

import json
import math
import os
import time
import warnings
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch

from .._autoencoder import AutoencoderConfig, MultiScaleAutoencoder, hard_network, soft_network
from .._base import autograd_enabled, resolve_device, typed_field
from .._checkpoints import _build
from .._encoding import NetworkBatch, canonicalize
from .._locking import exclusive_folder
from .._network import MAX_DEPTH
from .._zoo import distill_networks, fitted_zoo, sample_networks, sample_points, sample_zoo_batch

# Seeds of the evaluation zoo live far from the training streams, which use
# seed * _STREAM + step, so evaluation networks are never trained on.
_STREAM = 1_000_003
_EVAL_SEED = 2**40 + 7
_VAR_FLOOR = 1e-2
# Held (flock) by the run writing to a workdir; removed when it ends.
LOCK_FILE = ".state.lock"
# Zoo networks whose output is constant (all output weights zeroed, say)
# have no relative error: it divides by their variance. Evaluation leaves
# out those below this variance and reports how many there were.
_CONSTANT_VAR = 1e-6
# Seed offset of the fitted zoo's pool, apart from the training streams.
_POOL_SEED = 2**41 + 11
# Seed offset of the distilled pool, apart from both.
_DISTILL_SEED = 2**41 + 29
# The (deeper, shallower) depth pairs of the distilled pool.
_DISTILL_PAIRS = [(d, k) for d in range(2, MAX_DEPTH + 1) for k in range(1, d)]


# The configurations of the bundled checkpoints, by name (``train --preset``).
PRESETS = {
    "cornn": AutoencoderConfig(width=7, max_inputs=2, variable_inputs=False),
    "general": AutoencoderConfig(width=8, max_inputs=8, variable_inputs=True),
    "wide": AutoencoderConfig(width=16, max_inputs=16, variable_inputs=True),
}


def config_options(config: AutoencoderConfig) -> str:
    """Options of ``train`` that give ``config``: a preset, and each size that differs from it."""
    base = next((name for name, c in PRESETS.items() if c == config),
                next((name for name, c in PRESETS.items() if c.max_inputs == config.max_inputs), "cornn"))
    options = [f"--preset {base}"]
    for f in fields(AutoencoderConfig):
        value = getattr(config, f.name)
        if value != getattr(PRESETS[base], f.name):
            text = str(value).lower() if isinstance(value, bool) else value  # as --variable-inputs reads it
            options.append(f"--{f.name.replace('_', '-')} {text}")
    return " ".join(options)


@dataclass
class TrainSettings:
    """Schedule of a pretraining run (see ``python -m sklearn_swat.pretrain train -h``)."""

    steps: int = 20000
    batch_size: int = 128
    n_points: int = 128
    lr: float = 1e-3
    warmup: int = 500
    min_lr_ratio: float = 0.05
    weight_decay: float = 0.0
    rec_weight: float = 1.0
    latent_noise: float = 0.05
    grad_clip: float = 1.0
    seed: int = 0
    checkpoint_every: int = 250
    threads: int = 1
    device: str = "cpu"
    sparsity_levels: str = "0,0.2,0.4"
    gate_prob: float = 0.5
    weight_scales: str = "1"
    fitted_share: float = 0.0
    fitted_pool: int = 16384
    fitted_steps: int = 600
    fitted_prune: int = 0
    all_decoders_weight: float = 0.0
    distill_weight: float = 0.0
    distill_pool: int = 6144
    distill_steps: int = 300

    def __post_init__(self):
        # numpy numbers become Python ones (the settings are saved as JSON); another
        # type is refused here, not by a torch call or json.dumps later in the run.
        for f in fields(self):
            if not (f.name == "device" and self.device is None):  # None: "auto", as resolve_device reads it
                setattr(self, f.name, typed_field(f.name, f.type, getattr(self, f.name)))
        resolve_device(self.device)  # a clear ValueError for an unknown device
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{f.name} must be a finite number; got {value}.")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be in 0..{2**32 - 1}; got {self.seed}.")
        # ``not x >= low`` rather than ``x < low``: NaN is refused too. steps may be 0
        # (no step: with ``init_from``, the loaded weights); the command line asks for 1.
        for name, low in (("steps", 0), ("batch_size", 1), ("n_points", 2), ("warmup", 0),
                          ("checkpoint_every", 1), ("threads", 1), ("weight_decay", 0),
                          ("rec_weight", 0), ("latent_noise", 0)):
            if not getattr(self, name) >= low:
                raise ValueError(f"{name} must be at least {low}; got {getattr(self, name)}.")
        if not self.lr > 0:
            raise ValueError(f"lr must be greater than 0; got {self.lr}.")
        if not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be greater than 0; got {self.grad_clip}.")
        if not 0 <= self.min_lr_ratio <= 1:
            raise ValueError(f"min_lr_ratio must be in [0, 1]; got {self.min_lr_ratio}.")
        levels = parse_levels(self.sparsity_levels)
        if not 0 < self.gate_prob <= 1:
            raise ValueError(f"gate_prob must be in (0, 1]; got {self.gate_prob}.")
        if not 0 <= self.fitted_share < 1:
            raise ValueError(f"fitted_share must be in [0, 1); got {self.fitted_share}.")
        if self.fitted_share > 0 and self.batch_size < 2:
            raise ValueError(f"fitted_share needs batch_size of at least 2 (each batch holds at least one "
                             f"zoo network and one fitted network); got batch_size {self.batch_size}.")
        if self.fitted_prune < 0:
            raise ValueError(f"fitted_prune must be at least 0; got {self.fitted_prune}.")
        if self.fitted_pool < MAX_DEPTH or self.fitted_steps < 0:
            raise ValueError(f"fitted_pool must be at least {MAX_DEPTH} and fitted_steps at least 0; "
                             f"got {self.fitted_pool} and {self.fitted_steps}.")
        if self.all_decoders_weight < 0:
            raise ValueError(f"all_decoders_weight must be at least 0; got {self.all_decoders_weight}.")
        if self.distill_weight < 0 or self.distill_pool < len(_DISTILL_PAIRS) or self.distill_steps < 1:
            raise ValueError(f"distill_weight must be at least 0, distill_pool at least "
                             f"{len(_DISTILL_PAIRS)} and distill_steps at least 1; got "
                             f"{self.distill_weight}, {self.distill_pool} and {self.distill_steps}.")
        self.sparsity_levels = ",".join(f"{v:g}" for v in levels)
        self.weight_scales = ",".join(f"{v:g}" for v in parse_scales(self.weight_scales))


def _parse_numbers(text: str, name: str, example: str) -> tuple[float, ...]:
    """Numbers from a comma-separated option value, or a ValueError naming the option."""
    try:
        return tuple(float(v) for v in str(text).split(","))
    except ValueError:
        raise ValueError(f"{name} must be numbers separated by commas, e.g. '{example}'; "
                         f"got {text!r}.") from None


def parse_levels(text: str) -> tuple[float, ...]:
    """The zoo's sparsity levels from a comma-separated list such as ``"0,0.2,0.4"``."""
    levels = _parse_numbers(text, "sparsity_levels", "0,0.2,0.4")
    if not all(0 <= v < 1 for v in levels):
        raise ValueError(f"sparsity levels must be in [0, 1); got {text!r}.")
    return levels


def parse_scales(text: str) -> tuple[float, ...]:
    """The zoo's hidden-weight multipliers from a comma-separated list such as ``"1,0.5,0.25"``."""
    scales = _parse_numbers(text, "weight_scales", "1,0.5,0.25")
    if not all(0 < v <= 1 for v in scales):
        raise ValueError(f"weight scales must be in (0, 1]; got {text!r}.")
    return scales


def lr_factor(step: int, s: TrainSettings) -> float:
    """Linear warm-up then cosine decay to ``min_lr_ratio``."""
    if step < s.warmup:
        return (step + 1) / s.warmup
    t = min(1.0, (step - s.warmup) / max(1, s.steps - s.warmup))
    return s.min_lr_ratio + (1 - s.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))


def functional_errors(model: MultiScaleAutoencoder, z: torch.Tensor, nets: NetworkBatch,
                      x: torch.Tensor, y: torch.Tensor, hard: bool = False) -> torch.Tensor:
    """Per network and decoder: MSE to the original output / (its variance + floor).

    Returns
    -------
    errors : Tensor of shape (B, 4)
    """
    denom = y.var(dim=1) + _VAR_FLOOR
    errs = []
    for k in range(1, MAX_DEPTH + 1):
        raw = model.decode(z, k)
        net = hard_network(raw, nets.in_mask) if hard else soft_network(raw, nets.in_mask)
        errs.append(((net.forward(x) - y) ** 2).mean(dim=1) / denom)
    return torch.stack(errs, dim=1)


def reconstruction_loss(model: MultiScaleAutoencoder, z: torch.Tensor, canon: NetworkBatch) -> torch.Tensor:
    """Direct loss of the true-depth decoder on the canonical matrix.

    Weights and biases of present connections (MSE, weights in units of
    ``weight_scale``), activations of switched-on neurons (cross-entropy) and
    every gate (binary cross-entropy).
    """
    raw = model.decode(z, canon.depth)
    ws = model.config.weight_scale
    on = canon.gates
    src = torch.cat([canon.in_mask[:, None, :], on[:, :-1]], dim=1)
    live = src[:, :, :, None] * on[:, :, None, :]
    w_err = ((raw["weights"] - canon.weights) / ws) ** 2
    loss_w = (w_err * live).sum() / live.sum().clamp(min=1)
    last = on[:, -1]
    ow_err = ((raw["out_w"] - canon.out_w) / ws) ** 2
    loss_ow = (ow_err * last).sum() / last.sum().clamp(min=1)
    loss_b = (((raw["biases"] - canon.biases) ** 2) * on).sum() / on.sum().clamp(min=1)
    loss_ob = ((raw["out_b"] - canon.out_b) ** 2).mean()
    ce = torch.nn.functional.cross_entropy(
        raw["act_logits"].reshape(-1, 3), canon.act.argmax(-1).reshape(-1), reduction="none"
    ).reshape(on.shape)
    loss_a = (ce * on).sum() / on.sum().clamp(min=1)
    loss_g = torch.nn.functional.binary_cross_entropy_with_logits(raw["gate_logits"], canon.gates)
    return loss_w + loss_ow + loss_b + loss_ob + loss_a + loss_g


def training_step_loss(model, batch, settings: TrainSettings, gen: torch.Generator):
    """Loss of one batch: functional (min over decoders) plus reconstruction.

    With ``settings.all_decoders_weight`` > 0, the mean over the four decoders
    of the same log error is added with that weight: every decoder learns the
    best network of its depth for every code, not only the decoder that is
    already best (the reconstruction loss ties that one to the true depth),
    so that a code comes back from a shallower decoder as a smaller network
    of about the same function.
    """
    nets, x, y = batch
    values, mask = model.prepare(nets)
    z = model.encode_matrix(values, mask)
    if settings.latent_noise:
        # Drawn on the CPU, so that every device sees the same noise.
        z = z + settings.latent_noise * torch.randn(z.shape, generator=gen, dtype=z.dtype).to(z.device)
    errs = functional_errors(model, z, nets, x, y)
    func = torch.log1p(errs.min(dim=1).values).mean()
    rec = reconstruction_loss(model, z, canonicalize(nets))
    loss = func + settings.rec_weight * rec
    if settings.all_decoders_weight:
        loss = loss + settings.all_decoders_weight * torch.log1p(errs).mean()
    return loss, float(func.detach()), float(rec.detach())


def _to_cpu(value):
    """``value`` with every tensor in it (in dicts and lists) on the CPU."""
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value


def _state(model, opt, step, log, settings, config):
    return {
        "model": {k: v.cpu() for k, v in model.state_dict().items()},
        # On the CPU, as the model: a GPU run's state loads anywhere (the
        # optimizer moves its state to the parameters' device on loading).
        "optimizer": _to_cpu(opt.state_dict()),
        "step": step,
        "log": json.dumps(log),
        "settings": json.dumps(settings.__dict__),
        "config": json.dumps(config.to_dict()),
    }


# Settings a resumed run may change: where and how fast it runs, how often it is
# saved, and how long its schedule is (benchmarks/pretrain_gpu.sh --resume
# stretches it); not which batches it draws, from (seed, step), or how it learns
# from them. A resumed run equals an unbroken one bit for bit only with the same
# steps, thread count and device.
RESUME_FREE = ("steps", "checkpoint_every", "threads", "device")


def _read_state(path: Path) -> dict:
    """The training state at ``path`` (a run's ``state.pt``), its JSON parts decoded.

    A file that is not a whole training state (truncated, empty, another
    kind of file) is a ValueError that names it, not torch's own error.
    """
    try:
        st = torch.load(path, weights_only=True, map_location="cpu")
        return {"model": st["model"], "optimizer": st["optimizer"], "step": int(st["step"]),
                "log": json.loads(st["log"]), "settings": json.loads(st["settings"]),
                "config": AutoencoderConfig.from_dict(json.loads(st["config"]))}
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # missing or unreadable: the caller's error, not the file's content
    except Exception as err:  # torch raises OSError too for some truncations
        raise _corrupt(path, err) from err


def _corrupt(path: Path, err: Exception) -> ValueError:
    """The error for a ``state.pt`` that cannot be read as a training state."""
    first = str(err).split(". ")[0].strip()[:160]
    detail = "an empty file" if path.stat().st_size == 0 else f"{type(err).__name__}: {first}".rstrip(": ")
    return ValueError(f"{path} is corrupt or not a training state ({detail}); remove it to start "
                      "the run again, or pass the --workdir of another run.")


def _diverged(what: str, state_path: Path) -> ValueError:
    """The error for a training step that went non-finite, naming what is kept."""
    kept = (f"the last checkpoint, {state_path}, is kept" if state_path.exists()
            else "no checkpoint was written")
    return ValueError(
        f"Training diverged: {what}; {kept}. Lower --lr (or --grad-clip, or the loss weights) and "
        "start a new --workdir, or --init-from the last good checkpoint.")


def _save_atomically(obj: dict, path: Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename it over ``path``.

    A kill never leaves half a file at ``path``; a failed write (a full disk)
    removes the temporary file and is an OSError that names ``path``, the
    file there as it was.
    """
    tmp = path.with_suffix(".tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:  # torch reports a short write as a RuntimeError
        tmp.unlink(missing_ok=True)
        kept = "the earlier one is kept" if path.exists() else "none was written"
        raise OSError(f"Could not write {path} ({type(err).__name__}: {str(err)[:160]}); {kept}. "
                      "Free disk space (or pick another --workdir) and run the command again "
                      "(with --resume to go on from a kept checkpoint).") from err


def load_run_settings(workdir: str | os.PathLike) -> tuple[AutoencoderConfig, dict] | None:
    """Config and settings saved in ``workdir/state.pt``; None where there is none.

    Parameters
    ----------
    workdir : str or path-like
        A training folder.

    Returns
    -------
    saved : tuple of (AutoencoderConfig, dict) or None
        The run's config and its :class:`TrainSettings` as a dict (the
        settings the run's version knew; those added since are left out).
    """
    path = Path(workdir) / "state.pt"
    if not path.is_file():
        return None
    st = _read_state(path)
    known = {f.name for f in fields(TrainSettings)}
    return st["config"], {k: v for k, v in st["settings"].items() if k in known}


def _resume_differences(state: dict, config: AutoencoderConfig, settings: TrainSettings) -> list[str]:
    """Config and settings of a resumed run that differ from the saved ones, with the saved values."""
    def line(name, saved, now):
        return f"--{name.replace('_', '-')} (saved {saved!r}, now {now!r})"

    out = [line(f.name, getattr(state["config"], f.name), getattr(config, f.name))
           for f in fields(AutoencoderConfig) if getattr(state["config"], f.name) != getattr(config, f.name)]
    for f in fields(TrainSettings):
        # A setting the saved run's version did not know had its default's effect.
        saved = state["settings"].get(f.name, f.default)
        if f.name not in RESUME_FREE and saved != getattr(settings, f.name):
            out.append(line(f.name, saved, getattr(settings, f.name)))
    return out


def train(
    config: AutoencoderConfig,
    settings: TrainSettings,
    workdir: str | os.PathLike,
    resume: bool = False,
    progress: bool = True,
    max_minutes: float | None = None,
    init_from: str | os.PathLike | None = None,
) -> MultiScaleAutoencoder:
    """Train an autoencoder, writing ``workdir/state.pt`` every ``checkpoint_every`` steps.

    With ``resume=True`` the run continues from ``workdir/state.pt`` exactly
    where it stopped: every batch is drawn from a generator seeded by
    ``(seed, step)``, so a resumed run sees the same data as an unbroken one.
    For that, ``config`` and ``settings`` must equal the saved ones, except
    the settings of ``RESUME_FREE`` (``steps``, which stretches or shortens
    the cosine schedule from there on, ``checkpoint_every``, ``threads``,
    ``device``) and ``max_minutes``; a difference is a ValueError that lists
    them with their saved values.

    Parameters
    ----------
    config : AutoencoderConfig
    settings : TrainSettings
    workdir : path
    resume : bool, default=False
    progress : bool, default=True
        Show a tqdm progress bar.
    max_minutes : float, default=None
        Stop (after writing a checkpoint) once this much wall time was spent
        in this process; the run can be resumed later.
    init_from : str or path-like, default=None
        Start from trained weights instead of a random initialisation: a
        training folder (its ``state.pt``), a bundled checkpoint name or an
        exported checkpoint path, of the same config. The optimizer and the
        schedule start afresh (a second warm-up and cosine cycle); pass
        another ``seed`` than the first run's so that the zoo batches are new.
        The loss log continues the earlier run's, and the step and minute
        counts of the exported checkpoint include it.

    Returns
    -------
    MultiScaleAutoencoder

    Raises
    ------
    FileExistsError
        ``workdir/state.pt`` exists and ``resume`` is False, or another
        process is training in ``workdir`` (it holds an ``flock`` on
        ``workdir/.state.lock`` while it runs).
    FileNotFoundError
        ``resume`` is True and ``workdir/state.pt`` does not exist.
    NotADirectoryError
        ``workdir`` is a file.
    ValueError
        ``workdir`` is empty (``"."`` is the current folder),
        ``max_minutes`` is negative, ``workdir/state.pt`` is corrupt, or was
        trained with other settings (``resume``), or ``init_from`` has
        another config.
    """
    if max_minutes is not None and not max_minutes >= 0:
        raise ValueError(f"max_minutes must be at least 0; got {max_minutes}.")
    if not os.fspath(workdir).strip():
        # Path("") is the current folder: state.pt would be written there.
        raise ValueError("workdir is empty: give a folder for the run, such as runs/cornn "
                         "(\".\" for the current folder).")
    # The thread count and the global random state are the caller's: set for
    # the run, given back after it.
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        # Trained with gradients whatever the caller's no_grad or inference mode.
        with autograd_enabled():
            model = _build(config, seed=settings.seed)
            return _run(model, config, settings, Path(workdir), resume, progress, max_minutes, init_from)
    finally:
        torch.set_num_threads(threads)


def _run(model: MultiScaleAutoencoder, config: AutoencoderConfig, settings: TrainSettings,
         workdir: Path, resume: bool, progress: bool, max_minutes: float | None,
         init_from: str | os.PathLike | None) -> MultiScaleAutoencoder:
    """The training loop of :func:`train`, on a freshly initialised ``model``."""
    from tqdm.auto import tqdm

    state_path = workdir / "state.pt"
    if workdir.exists() and not workdir.is_dir():
        raise NotADirectoryError(f"--workdir {workdir} is a file, not a folder; pass a folder for the run.")
    if resume and not state_path.exists():
        raise FileNotFoundError(f"no state.pt in {workdir} to resume; leave out --resume to start a new run.")
    device = resolve_device(settings.device)
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    step, log = 0, {"steps": [], "loss": [], "functional": [], "reconstruction": [], "seconds": 0.0}
    if resume:
        st = _read_state(state_path)
        differ = _resume_differences(st, config, settings)
        if differ:
            free = ", ".join("--" + name.replace("_", "-") for name in RESUME_FREE)
            raise ValueError(
                f"{state_path} was trained with other settings: {'; '.join(differ)}. A resumed run keeps "
                f"them, so that it draws the same batches: leave these options out (the saved values are "
                f"used) or give the saved values. Only {free} and --max-minutes "
                "may change; for another run from these weights, use --init-from in a new --workdir.")
        try:
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["optimizer"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise _corrupt(state_path, err) from err
        step, log = st["step"], st["log"]
        if settings.steps < step:
            raise ValueError(f"{state_path} is at step {step}, past --steps {settings.steps}: a resumed run "
                             f"cannot go back. Give --steps {step} or more, or leave it out.")
    elif state_path.exists():
        raise FileExistsError(f"{state_path} exists: pass --resume to continue it, or another workdir.")
    elif init_from is not None:
        log = _warm_start(model, config, init_from)
    # Made only now, so that a run refused above leaves no empty folder behind.
    workdir.mkdir(parents=True, exist_ok=True)
    # One run writes to a workdir at a time: two would save through the same
    # temporary file, and one could rename the other's half-written state into place.
    with exclusive_folder(workdir, LOCK_FILE, lambda pid: FileExistsError(
        f"another pretraining run is writing to {workdir} (pid {pid or 'unknown'}); wait for it to "
        "end (then --resume it if it stopped early), or use another --workdir."
    )):
        # The pool of trained networks first (its making counts in the run's
        # time): one made with other settings stops the run before anything in
        # workdir is written.
        t_start = time.time()
        pool, n_fitted = None, 0
        if settings.fitted_share > 0:
            pool = fitted_pool(config, settings, workdir, progress)
            n_fitted = max(1, min(settings.batch_size - 1,
                                  round(settings.fitted_share * settings.batch_size)))
        distilled = (distilled_pool(config, settings, workdir, progress)
                     if settings.distill_weight > 0 else None)
        # Where the last stretch of training ran (a resumed run may move).
        log["device"] = (torch.cuda.get_device_name(device) if device.type == "cuda"
                         else cpu_name(settings.threads))
        (workdir / "config.json").write_text(json.dumps(
            {"config": config.to_dict(), "settings": settings.__dict__}, indent=1))
        seconds0 = log["seconds"]
        acc = [0.0, 0.0, 0.0, 0]
        bar = tqdm(total=settings.steps, initial=step, disable=not progress, desc="pretrain")
        levels = parse_levels(settings.sparsity_levels)
        scales = parse_scales(settings.weight_scales)
        model.train()
        while step < settings.steps:
            gen = torch.Generator().manual_seed(settings.seed * _STREAM + step)
            batch = sample_zoo_batch(
                settings.batch_size - n_fitted, config.width, config.max_inputs,
                variable_inputs=config.variable_inputs, n_points=settings.n_points, generator=gen,
                sparsity_levels=levels, gate_prob=settings.gate_prob, weight_scales=scales,
            )
            if pool is not None:
                batch = _add_fitted(batch, pool, n_fitted, settings.n_points, gen)
            if device.type != "cpu":
                nets, x, y = batch
                batch = nets.to(device), x.to(device), y.to(device)
            for group in opt.param_groups:
                group["lr"] = settings.lr * lr_factor(step, settings)
            loss, func, rec = training_step_loss(model, batch, settings, gen)
            if distilled is not None:
                loss = loss + settings.distill_weight * distill_loss(
                    model, distilled, max(1, settings.batch_size // 4), gen, device)
            if not torch.isfinite(loss):
                raise _diverged(f"the loss at step {step + 1} is {float(loss.detach())}", state_path)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            if not torch.isfinite(norm):  # the step would make every weight NaN, and the next checkpoint too
                raise _diverged(f"the gradient at step {step + 1} is not finite (norm {float(norm)})",
                                state_path)
            opt.step()
            step += 1
            acc = [acc[0] + float(loss.detach()), acc[1] + func, acc[2] + rec, acc[3] + 1]
            bar.update(1)
            done = step == settings.steps
            out_of_time = max_minutes is not None and time.time() - t_start > 60 * max_minutes
            if step % settings.checkpoint_every == 0 or done or out_of_time:
                n = max(acc[3], 1)
                log["steps"].append(log.get("step_offset", 0) + step)
                log["loss"].append(acc[0] / n)
                log["functional"].append(acc[1] / n)
                log["reconstruction"].append(acc[2] / n)
                log["seconds"] = seconds0 + time.time() - t_start
                log.setdefault("seconds_at", []).append(log["seconds"])
                acc = [0.0, 0.0, 0.0, 0]
                bar.set_postfix(loss=f"{log['loss'][-1]:.4f}", func=f"{log['functional'][-1]:.4f}")
                _save_atomically(_state(model, opt, step, log, settings, config), state_path)
                if out_of_time:
                    break
        bar.close()
        model.eval()
        return model.cpu()


def fitted_pool(config: AutoencoderConfig, settings: TrainSettings, workdir: Path,
                progress: bool = False) -> dict[int, NetworkBatch]:
    """The pool of trained zoo networks of a run, per depth: made once, kept in ``workdir``.

    ``settings.fitted_pool`` networks in all (a quarter per depth), drawn
    and trained by :func:`sklearn_swat._zoo.fitted_zoo` on the run's
    sparsity levels and gate probability, from a generator seeded by the
    run's seed, so a resumed run (which loads ``workdir/fitted_zoo.pt``)
    and a rerun see the same pool.

    Parameters
    ----------
    config : AutoencoderConfig
    settings : TrainSettings
    workdir : Path
        The run's folder; a pool there made with other settings is an error.
    progress : bool, default=False
        Print each depth's median MSE and the time taken.

    Returns
    -------
    pool : dict of int to NetworkBatch
    """

    def make() -> dict[str, NetworkBatch]:
        gen = torch.Generator().manual_seed(_POOL_SEED + settings.seed)
        pool, t0 = {}, time.time()
        per_depth = settings.fitted_pool // MAX_DEPTH
        for d in range(1, MAX_DEPTH + 1):
            pool[str(d)], err = fitted_zoo(per_depth, d, config.width, config.max_inputs,
                                           variable_inputs=config.variable_inputs, generator=gen,
                                           sparsity_levels=parse_levels(settings.sparsity_levels),
                                           gate_prob=settings.gate_prob, steps=settings.fitted_steps,
                                           prune_rounds=settings.fitted_prune)
            if progress:
                print(f"fitted zoo: depth {d}, {per_depth} networks, median MSE {float(err.median()):.4f}, "
                      f"{time.time() - t0:.0f} s", flush=True)
        return pool

    own = {"fitted_pool": settings.fitted_pool, "fitted_steps": settings.fitted_steps}
    if settings.fitted_prune:  # named only when on: pools made before the option stay valid
        own["fitted_prune"] = settings.fitted_prune
    pool = _kept_pool(workdir / "fitted_zoo.pt", config, settings, own, make)
    return {int(d): nets for d, nets in pool.items()}


def pool_batches(saved: dict) -> dict[str, NetworkBatch]:
    """The batches of a saved pool (``KEY.FIELD`` tensors, as :func:`_kept_pool` writes them), by key.

    Raises ``KeyError`` or ``TypeError`` where a batch's tensors are missing.
    """
    names = [f.name for f in fields(NetworkBatch)]
    keys = sorted({k.rsplit(".", 1)[0] for k in saved if k != "made_by"})
    return {key: NetworkBatch(*(saved[f"{key}.{n}"] for n in names)) for key in keys}


def _kept_pool(path: Path, config: AutoencoderConfig, settings: TrainSettings, own: dict,
               make) -> dict[str, NetworkBatch]:
    """A run's pool of networks by name: the one saved at ``path``, else ``make()``'s, saved there.

    ``own`` holds the pool's settings beyond the config, seed, sparsity levels
    and gate probability that every pool depends on; a pool saved with other
    settings is an error, so that a run never trains on another run's pool.
    """
    names = [f.name for f in fields(NetworkBatch)]
    made_by = json.dumps({"width": config.width, "max_inputs": config.max_inputs,
                          "variable_inputs": config.variable_inputs, "seed": settings.seed,
                          "sparsity_levels": settings.sparsity_levels, "gate_prob": settings.gate_prob,
                          **own}, sort_keys=True)
    if path.exists():
        try:
            saved = torch.load(path, weights_only=True, map_location="cpu")
            made = saved.get("made_by")
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            raise
        except Exception as err:
            raise ValueError(f"{path} is corrupt or not a pool of networks ({type(err).__name__}); "
                             "remove it to make the pool again.") from err
        if made != made_by:
            raise ValueError(f"{path} was made with other settings ({made}) than this "
                             f"run's ({made_by}); remove it to make the pool again.")
        try:
            return pool_batches(saved)
        except (KeyError, TypeError) as err:
            raise ValueError(f"{path} is corrupt or not a pool of networks (missing {err}); "
                             "remove it to make the pool again.") from err
    pool = make()
    saved = {"made_by": made_by}
    for key, nets in pool.items():
        saved.update({f"{key}.{n}": getattr(nets, n).contiguous() for n in names})
    _save_atomically(saved, path)
    return pool


def distilled_pool(config: AutoencoderConfig, settings: TrainSettings, workdir: Path,
                   progress: bool = False) -> dict[tuple[int, int], tuple[NetworkBatch, NetworkBatch]]:
    """Zoo networks and shallower networks trained to their functions: made once, kept in ``workdir``.

    For every pair of depths ``d > k``, ``settings.distill_pool`` / 6 zoo
    networks of depth ``d`` (drawn as the training batches are), and for each
    a network of depth ``k`` (a zoo network of that depth with the same
    inputs, sparsity 0) trained by :func:`sklearn_swat._zoo.distill_networks`
    for ``settings.distill_steps`` steps to the deeper one's output on 256
    points (a sparsity level per 128 networks). Saved as
    ``workdir/distilled_pool.pt``; a pool made with other settings stops the
    run.

    Returns
    -------
    pool : dict
        ``(d, k)`` -> (the deeper networks, their distilled networks).
    """

    def make() -> dict[str, NetworkBatch]:
        gen = torch.Generator().manual_seed(_DISTILL_SEED + settings.seed)
        levels = parse_levels(settings.sparsity_levels)
        n = settings.distill_pool // len(_DISTILL_PAIRS)
        pool, t0 = {}, time.time()
        for d, k in _DISTILL_PAIRS:
            deep_parts, shallow_parts, errs = [], [], []
            for start in range(0, n, 128):  # a sparsity level per 128 networks
                m = min(128, n - start)
                sparsity = levels[int(torch.randint(0, len(levels), (1,), generator=gen))]
                deep = sample_networks(m, d, sparsity, config.width, config.max_inputs,
                                       variable_inputs=config.variable_inputs, generator=gen,
                                       gate_prob=settings.gate_prob)
                x = sample_points(deep.in_mask, 256, gen)
                y = deep.forward(x)
                shallow, mse = distill_networks(deep, k, x, y, max_inputs=config.max_inputs, generator=gen,
                                                gate_prob=settings.gate_prob, steps=settings.distill_steps)
                deep_parts.append(deep)
                shallow_parts.append(shallow)
                errs.append(mse / (y.var(dim=1) + _VAR_FLOOR))
            pool[f"{d}.{k}.deep"] = NetworkBatch.cat(deep_parts)
            pool[f"{d}.{k}.shallow"] = NetworkBatch.cat(shallow_parts)
            if progress:
                print(f"distilled pool: depth {d} -> {k}, {n} networks, median relative error "
                      f"{float(torch.cat(errs).median()):.3f}, {time.time() - t0:.0f} s", flush=True)
        return pool

    own = {"distill_pool": settings.distill_pool, "distill_steps": settings.distill_steps}
    pool = _kept_pool(workdir / "distilled_pool.pt", config, settings, own, make)
    return {(d, k): (pool[f"{d}.{k}.deep"], pool[f"{d}.{k}.shallow"]) for d, k in _DISTILL_PAIRS}


def distill_loss(model: MultiScaleAutoencoder, pool: dict[tuple[int, int], tuple[NetworkBatch, NetworkBatch]],
                 n: int, gen: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
    """Reconstruction loss of a shallower decoder towards distilled networks.

    ``n`` deeper networks of one depth pair of ``pool`` (drawn with ``gen``)
    are encoded, and the decoder of the shallower depth is asked, through
    :func:`reconstruction_loss`, for their distilled networks: a weight-space
    target that reaches neurons a functional loss cannot, once their gates are
    closed (docs/benchmarks/checkpoints/report.md).
    """
    deep, shallow = pool[_DISTILL_PAIRS[int(torch.randint(0, len(_DISTILL_PAIRS), (1,), generator=gen))]]
    idx = torch.randint(0, deep.batch_size, (n,), generator=gen)
    z = model.encode(deep.index(idx).to(device))
    return reconstruction_loss(model, z, canonicalize(shallow.index(idx).to(device)))


def _add_fitted(batch, pool: dict[int, NetworkBatch], n: int, n_points: int, gen: torch.Generator):
    """``batch`` with ``n`` networks of its depth from the fitted pool, hidden neurons permuted."""
    nets, x, y = batch
    source = pool[nets.depth]
    extra = _permute_hidden(source.index(torch.randint(0, source.batch_size, (n,), generator=gen)), gen)
    xe = sample_points(extra.in_mask, n_points, gen)
    with torch.no_grad():
        ye = extra.forward(xe)
    return NetworkBatch.cat([nets, extra]), torch.cat([x, xe]), torch.cat([y, ye])


def cpu_name(threads: int) -> str:
    """How a checkpoint names the CPU it was trained on."""
    import platform

    return f"cpu ({platform.processor() or platform.machine()}, {threads} thread(s))"


def _warm_start(model: MultiScaleAutoencoder, config: AutoencoderConfig,
                init_from: str | os.PathLike) -> dict:
    """Load ``init_from``'s weights into ``model``; the log that continues its log."""
    from .._checkpoints import WEIGHTS_DIR, load_autoencoder, load_checkpoint_info

    source = Path(init_from)
    if source.name == "state.pt" and source.is_file():
        source = source.parent  # a run's state file names its run
    # A bundled checkpoint's plain name means that checkpoint, even where a
    # training folder of that name is here (./NAME names the folder).
    named = os.sep not in str(init_from) and "/" not in str(init_from)
    bundled = named and (WEIGHTS_DIR / f"{init_from}.json").is_file()
    if bundled and (source / "state.pt").exists():
        warnings.warn(f"--init-from {init_from}: starting from the bundled checkpoint {init_from!r}, not "
                      f"from the training folder {init_from}/ here; pass ./{init_from} for the folder.",
                      stacklevel=2)
    if source.is_dir() and not (source / "state.pt").exists() and not named:
        raise FileNotFoundError(f"--init-from {init_from}: no state.pt in this folder. Pass a training "
                                "folder (with its state.pt), a checkpoint name or a .safetensors path.")
    if not bundled and (source / "state.pt").exists():
        earlier, old, settings = load_training_state(source)
        steps, seconds, origin = old["step"] + old.get("step_offset", 0), old["seconds"], str(source)
    else:
        earlier = load_autoencoder(init_from)
        info = load_checkpoint_info(init_from)
        training = info.get("training", {})
        old = {"init_from": training.get("init_from", []), "stages": training.get("stages", []),
               **training.get("log", {})}
        steps, seconds = training.get("steps", 0), 60 * training.get("train_minutes", 0.0)
        origin = f"{info['name']} (sha256 {info['sha256']})"
        settings = training.get("settings", {})
    if earlier.config != config:
        raise ValueError(
            f"--init-from {init_from} has config {earlier.config}, not {config}. Start from "
            f"its weights with its sizes: {config_options(earlier.config)}."
        )
    model.load_state_dict(earlier.state_dict())
    log = {k: list(old.get(k, [])) for k in ("steps", "loss", "functional", "reconstruction")}
    log.update(seconds=float(seconds), step_offset=int(steps),
               init_from=[*old.get("init_from", []), origin],
               # The settings of every earlier stage, first stage first.
               stages=[*old.get("stages", []), settings])
    return log


def load_training_state(workdir: str | os.PathLike) -> tuple[MultiScaleAutoencoder, dict, dict]:
    """Model, training log and settings of ``workdir/state.pt``.

    A folder without ``state.pt`` is a FileNotFoundError, a ``state.pt`` that
    cannot be read as a training state a ValueError; both say what to do.
    """
    path = Path(workdir) / "state.pt"
    if not path.is_file():
        raise FileNotFoundError(f"no state.pt in {workdir}: pass the --workdir of a training run.")
    st = _read_state(path)
    model = _build(st["config"])  # torch's global generator left as it was
    try:
        model.load_state_dict(st["model"])
    except (RuntimeError, KeyError) as err:
        raise _corrupt(path, err) from err
    model.eval()
    log = st["log"]
    log["step"] = st["step"]
    return model, log, st["settings"]


def _permute_hidden(nets: NetworkBatch, gen: torch.Generator) -> NetworkBatch:
    """The same functions with every hidden layer's neurons randomly permuted."""
    B, k, W, _ = nets.weights.shape
    for layer in range(k):
        nets = nets.reorder(layer, torch.argsort(torch.rand(B, W, generator=gen, dtype=torch.float32), dim=1))
    return nets


def decoder_relative_errors(model: MultiScaleAutoencoder, z: torch.Tensor, nets: NetworkBatch,
                            x: torch.Tensor) -> torch.Tensor:
    """Every decoder's hard-decoded network against the original, as a relative error.

    Parameters
    ----------
    model : MultiScaleAutoencoder
    z : Tensor
        Latent codes of ``nets``.
    nets : NetworkBatch
        The original networks (B of them).
    x : Tensor of shape (B, n_points, W)
        Input points of each network.

    Returns
    -------
    errors : Tensor of shape (B, 4), float64
        MSE of decoder k's network (column k - 1) to the original's output,
        divided by the variance of that output; NaN for networks whose output
        is constant (variance below 1e-6).
    """
    y = nets.forward(x)
    var = y.var(dim=1)
    errs = torch.stack([
        ((hard_network(model.decode(z, k), nets.in_mask).forward(x) - y) ** 2).mean(dim=1)
        for k in range(1, MAX_DEPTH + 1)
    ], 1)
    return torch.where((var > _CONSTANT_VAR)[:, None], errs / var.clamp(min=1e-30)[:, None],
                       torch.nan).double()


@torch.no_grad()
def evaluate(model: MultiScaleAutoencoder, n_networks: int = 1000, n_points: int = 1000,
             seed: int = 0) -> dict:
    """Quality figures of an autoencoder on fresh zoo networks.

    Returns
    -------
    figures : dict
        ``relative_error_median``, ``relative_error_mean`` (per network, MSE
        of the best hard-decoded network on ``n_points`` points divided by
        the variance of the original output; networks with a constant output,
        variance below 1e-6, are left out and counted in
        ``n_constant_excluded``), the share of networks with a relative
        error below 0.1, and ``permutation_ratio`` (mean latent
        distance between a network and a hidden-neuron-permuted copy,
        divided by the mean distance between unrelated networks). The
        multi-scale property, how often a network comes back from a decoder
        of another depth: ``share_below_0.1_true_depth`` (the decoder of the
        network's own depth alone) and ``share_below_0.1_shallower`` (the
        best decoder of a smaller depth, over the networks of depth 2 to 4).
        A figure no network defines (with one network, the shallower share
        and the permutation ratio) is None. Fewer than 200
        networks are drawn in smaller groups per depth, so that every depth
        is drawn from 4 networks on.
    """
    if not n_networks >= 1 or not n_points >= 2:
        raise ValueError(f"n_networks must be at least 1 and n_points at least 2; got {n_networks} "
                         f"and {n_points}.")
    cfg = model.config
    # Evaluated in eval mode; the caller's model goes back to the mode it was in.
    was_training = model.training
    model.eval()
    try:
        return _evaluate(model, cfg, n_networks, n_points, seed)
    finally:
        model.train(was_training)


def evaluation_batches(n_networks: int) -> list[tuple[int, int, float]]:
    """The zoo batches :func:`evaluate` draws, in order: ``(n, depth, sparsity)``.

    Networks of one depth at a time, the depths in turn: chunks of 50, smaller
    when there are fewer than 200 networks, so that every depth is drawn. The
    sparsity level (0, 0.2, 0.4) moves on after each round of the four depths,
    so 1000 networks hold 400, 400 and 200 of the three levels.
    """
    chunk = min(50, max(1, n_networks // MAX_DEPTH))
    return [(min(chunk, n_networks - start), 1 + (start // chunk) % MAX_DEPTH,
             (0.0, 0.2, 0.4)[(start // (chunk * MAX_DEPTH)) % 3])
            for start in range(0, n_networks, chunk)]


def _evaluate(model: MultiScaleAutoencoder, cfg: AutoencoderConfig, n_networks: int, n_points: int,
              seed: int) -> dict:
    """The figures of :func:`evaluate`, ``model`` in eval mode."""
    gen = torch.Generator().manual_seed(_EVAL_SEED + seed)
    rel, rel_true, rel_shallow, d_perm, d_other = [], [], [], [], []
    previous = None  # the code of the network drawn last
    for n, depth, sparsity in evaluation_batches(n_networks):
        nets = sample_networks(n, depth, sparsity, cfg.width, cfg.max_inputs,
                               variable_inputs=cfg.variable_inputs, generator=gen)
        x = sample_points(nets.in_mask, n_points, gen)
        z = model.encode(nets)
        errs = decoder_relative_errors(model, z, nets, x)
        rel.append(errs.min(dim=1).values)
        rel_true.append(errs[:, depth - 1])
        if depth > 1:
            rel_shallow.append(errs[:, : depth - 1].min(dim=1).values)
        zp = model.encode(_permute_hidden(nets, gen))
        d_perm.append((z - zp).flatten(1).norm(dim=1))
        # Unrelated pairs: each network with the one before it in its batch (the first with
        # the last); a batch of one network (fewer than 8 in all, or a last one left over)
        # pairs it with the network drawn before, not with itself.
        if n > 1:
            d_other.append((z - z.roll(1, dims=0)).flatten(1).norm(dim=1))
        elif previous is not None:
            d_other.append((z - previous).flatten(1).norm(dim=1))
        previous = z[-1:]
    rel = torch.cat(rel).numpy()
    constant = int(np.isnan(rel).sum())
    rel = rel[~np.isnan(rel)]

    def share(parts):
        r = torch.cat(parts).numpy() if parts else np.array([])
        r = r[~np.isnan(r)]
        return float(np.mean(r < 0.1)) if len(r) else float("nan")

    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the median of no network
        figures = {
            "relative_error_median": float(np.median(rel)),
            "relative_error_mean": float(np.mean(rel)),
            "share_below_0.1": float(np.mean(rel < 0.1)),
            "share_below_0.1_true_depth": share(rel_true),
            "share_below_0.1_shallower": share(rel_shallow),
            "n_constant_excluded": constant,
            "permutation_ratio": float(torch.cat(d_perm).mean() / torch.cat(d_other).mean())
            if d_other else float("nan"),
            "n_networks": n_networks,
            "n_points": n_points,
        }
    # A figure that no network defines (one network has no unrelated other) is
    # None, JSON's null, not NaN, which JSON cannot hold.
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in figures.items()}
