"""Export of a training run as a package checkpoint, its evaluation and the docs page."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from .._autoencoder import AutoencoderConfig
from .._checkpoints import (
    WEIGHTS_DIR,
    list_checkpoints,
    load_autoencoder,
    load_checkpoint_info,
    save_checkpoint,
    untrained_autoencoder,
)
from ._train import (
    TrainSettings,
    config_options,
    cpu_name,
    evaluate,
    evaluation_batches,
    load_training_state,
)


def _earlier_stages(origins: list[str]) -> list[dict]:
    """Settings of the earlier stages of a run whose log predates their recording.

    Found only where the last origin is a checkpoint ("NAME (sha256 ...)")
    still reachable by that name with that sha256; else none.
    """
    if not origins or " (sha256 " not in origins[-1]:
        return []
    name, sha = origins[-1][:-1].split(" (sha256 ")
    try:
        info = load_checkpoint_info(name)
    except (FileNotFoundError, ValueError):
        return []
    if info.get("sha256") != sha:
        return []
    training = info.get("training", {})
    return [*training.get("stages", []), training.get("settings", {})]


def _options(settings: dict) -> str:
    """Command-line options that give a run these settings (defaults left out)."""
    from dataclasses import fields

    always = ("steps", "lr", "batch_size", "n_points", "seed", "threads")
    out = []
    for f in fields(TrainSettings):
        if f.name in settings and (f.name in always or settings[f.name] != f.default):
            out.append(f"--{f.name.replace('_', '-')} {settings[f.name]}")
    return " ".join(out)


def _installed(weights: Path) -> bool:
    """Whether the package of this ``weights`` folder is installed, not a source checkout.

    A source checkout (an editable install) has the project's ``pyproject.toml``
    beside the package folder; site-packages, ``pip install --target`` and an
    unpacked wheel do not.
    """
    pyproject = weights.resolve().parent.parent / "pyproject.toml"
    try:
        return 'name = "sklearn-swat"' not in pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True


def export(workdir: str | os.PathLike, name: str, out: str | os.PathLike | None = None,
           n_networks: int = 1000, warn: Callable[[str], None] | None = None) -> Path:
    """Write the training state of ``workdir`` as checkpoint ``name``.

    The JSON beside the weights records the config, the training schedule,
    the loss log and the quality figures of :func:`evaluate`.

    Parameters
    ----------
    workdir : str or path-like
        The training folder (its ``state.pt``).
    name : str
        The checkpoint's name: a plain file name, without a folder.
    out : str or path-like, default=None
        Folder of the checkpoint; None: the package's bundled weights, in a
        source checkout (an editable install) only: an installed package's
        are not replaced (a ValueError asks for ``out``).
    n_networks : int, default=1000
        Zoo networks of the quality figures.
    warn : callable, default=None
        Receives a warning line when the run stopped before its last step
        (it is exported as it is); None: :func:`warnings.warn`.

    Returns
    -------
    path : Path
        The written ``.safetensors`` file.
    """
    if (name in ("", ".", "..") or Path(name).name != name or "\\" in name
            or name.endswith((".json", ".safetensors"))):
        raise ValueError(f"--name must be a plain file name without extension, such as cornn; got {name!r}.")
    model, log, settings = load_training_state(workdir)
    bad = [k for k, v in model.state_dict().items() if not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"the run in {workdir} has non-finite weights ({len(bad)} tensors, e.g. {bad[0]}): "
                         "it diverged, and is not exported. Train again with a lower --lr.")
    if out is None and _installed(WEIGHTS_DIR):
        # Only a source checkout's weights/ is the project's to replace: an installed
        # package's would be overwritten in place and outlive an uninstall.
        raise ValueError(f"--out is needed: sklearn_swat is installed ({WEIGHTS_DIR} is not in a source "
                         "checkout of the project), and an export there would replace its "
                         "bundled checkpoints. Give --out DIR and load the result by its path, e.g. "
                         f"SWATRegressor(autoencoder='DIR/{name}.safetensors').")
    # The folder is made (or found unwritable) before the minutes of evaluation.
    folder = Path(out) if out is not None else WEIGHTS_DIR
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--out {folder} is a file: give a folder (made if missing).")
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"--out {folder} is not a folder you may write to; give another --out.")
    if "steps" in settings and log["step"] < settings["steps"]:
        message = (f"the run in {workdir} stopped at step {log['step']} of {settings['steps']}; "
                   "exporting it as it is (train --resume finishes it)")
        if warn is None:
            warnings.warn(message, UserWarning, stacklevel=2)
        else:
            warn(message)
    quality = evaluate(model, n_networks=n_networks)
    extra = {
        "training": {
            "steps": log["step"] + log.get("step_offset", 0),
            "train_minutes": round(log["seconds"] / 60, 1),
            "train_device": log.get("device") or cpu_name(settings.get("threads", 1)),
            "settings": settings,
            "command": f"python -m sklearn_swat.pretrain train {config_options(model.config)} "
                       f"--workdir {Path(workdir).name} ...",
            "log": {k: log[k] for k in ("steps", "loss", "functional", "reconstruction")},
            "init_from": log.get("init_from", []),
            "stages": log.get("stages") or _earlier_stages(log.get("init_from", [])),
        },
        "quality": quality,
    }
    return save_checkpoint(model, name, folder, extra)


def evaluate_checkpoint(name_or_path: str, n_networks: int = 1000) -> dict:
    """Quality figures of a checkpoint beside those of an untrained model of its config."""
    info = load_checkpoint_info(name_or_path)
    model = load_autoencoder(name_or_path)
    figures = evaluate(model, n_networks=n_networks)
    base = evaluate(untrained_autoencoder(model.config), n_networks=n_networks)
    figures["random_init_relative_error_median"] = base["relative_error_median"]
    figures["random_init_permutation_ratio"] = base["permutation_ratio"]
    trained, untrained = figures["relative_error_median"], base["relative_error_median"]
    figures["improvement_over_random_init"] = (
        None if trained is None or untrained is None else untrained / max(trained, 1e-12)
    )
    figures["n_parameters"] = int(sum(p.numel() for p in model.parameters()))
    figures["checkpoint_mb"] = round(Path(info["path"]).stat().st_size / 2**20, 2)
    training = info.get("training", {})
    figures["train_minutes"] = training.get("train_minutes")
    figures["train_steps"] = training.get("steps")
    figures["train_device"] = training.get("train_device")
    figures["checkpoint"] = info["name"]
    return figures


def write_report(out: str | os.PathLike = "docs", n_networks: int = 1000) -> Path:
    """Evaluate every bundled checkpoint; write ``pretraining.md`` and the loss curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    (out / "_static").mkdir(parents=True, exist_ok=True)
    names = sorted(list_checkpoints())
    rows = {name: evaluate_checkpoint(name, n_networks=n_networks) for name in names}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for name in names:
        log = load_checkpoint_info(name)["training"]["log"]
        axes[0].plot(log["steps"], log["functional"], label=name)
        axes[1].plot(log["steps"], log["reconstruction"], label=name)
    axes[0].set_title("functional loss: mean log(1 + min over decoders of rel. MSE)")
    axes[1].set_title("reconstruction loss (true-depth decoder)")
    for ax in axes:
        ax.set_xlabel("step")
        ax.set_yscale("log")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "_static" / "pretraining_loss.png", dpi=110)
    plt.close(fig)

    keys = [
        ("relative_error_median", "relative error, median (target <= 0.2)"),
        ("relative_error_mean", "relative error, mean"),
        ("share_below_0.1", "share of networks with relative error < 0.1"),
        ("share_below_0.1_true_depth", "the same, decoder of the network's own depth only"),
        ("share_below_0.1_shallower", "the same, best shallower decoder (networks of depth 2-4)"),
        ("n_constant_excluded", "constant zoo networks left out (no relative error)"),
        ("random_init_relative_error_median", "untrained model, relative error median"),
        ("improvement_over_random_init", "improvement over untrained (target >= 5x)"),
        ("permutation_ratio", "permutation ratio (target <= 0.3)"),
        ("random_init_permutation_ratio", "untrained model, permutation ratio"),
        ("n_parameters", "parameters"),
        ("checkpoint_mb", "checkpoint size (MB)"),
        ("train_steps", "training steps"),
        ("train_minutes", "training minutes"),
        ("train_device", "training device (last stage)"),
    ]

    def fmt(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    per_level: dict[float, int] = {}
    for n, _, sparsity in evaluation_batches(n_networks):
        per_level[sparsity] = per_level.get(sparsity, 0) + n
    levels = "sparsity " + ", ".join(f"{k:g}" for k in per_level) + ": " + ", ".join(
        str(v) for v in per_level.values()) + " networks"

    lines = [
        "# Pretraining the latent space",
        "",
        "<!-- Generated by `python -m sklearn_swat.pretrain report`; do not edit by hand. -->",
        "",
        f"Figures measured on {n_networks} fresh zoo networks that training never saw "
        f"(fixed evaluation seed; the four depths in turn, {levels}), 1000 points each. The "
        "relative error of a network is the MSE between the best decoder's hard-decoded network "
        "(argmax activations, gates >= 0.5) and the original, divided by the variance of the "
        "original output; a network whose output is constant (variance below 1e-6) has none and "
        "is left out.",
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label in keys:
        lines.append(f"| {label} | " + " | ".join(fmt(rows[n].get(key)) for n in names) + " |")
    lines += [
        "",
        "The mean is dominated by a few networks that are nearly constant (output variance "
        "just above 1e-6), where a small error is a large relative one; the median and the "
        "share below 0.1 describe the typical network.",
        "",
        "![pretraining loss curves](_static/pretraining_loss.png)",
        "",
        "## What departs from the paper, and why",
        "",
        "- **Size.** The authors' encoder and decoders are GPT-2 small (about 620 M parameters, "
        "trained on a GPU). Here the encoder is a 3-layer and each of the four decoders a 2-layer "
        "pre-norm transformer with 64-dimensional tokens (about 0.39 to 0.41 M parameters, 1.5 "
        "to 1.6 MB), trained in under two hours, on one CPU thread except `general`'s second "
        "stage (7.5 minutes on a GPU), so that it ships inside the package. "
        "The latent code is still one token per matrix row (W x 64).",
        "- **Optimiser.** The authors train with Adam at a learning rate of 1e-4 on batches of "
        "64 networks. Here AdamW (no weight decay by default) runs with a linear warm-up of 500 "
        "steps, then a cosine decay to 5% of the peak rate, gradients clipped to norm 1, at "
        "peak rates of 1.5e-3 (first stages) and 8e-4 or 1e-3 (second stages) on batches of "
        "128 networks (1024 on the GPU): a small model trained for hours, not days, needs the "
        "larger steps; the commands below give each stage's settings.",
        "- **Reconstruction loss.** Beside the functional loss (minimum over the four decoders "
        "of the decoded network's MSE to the original output), the decoder of the true depth "
        "also learns the matrix itself: weights and biases of live connections (MSE), "
        "activations of active neurons (cross-entropy), gates (binary cross-entropy). A "
        "throwaway prototype with the functional loss alone learnt nothing in 15 minutes.",
        "- **One depth per code, in practice.** The paper's minimum over the decoders lets a "
        "network come back as an equivalent one of another depth. Here the reconstruction loss "
        "ties each code to its own depth's decoder, and the two rows under the share above "
        "measure it: with the bundled checkpoints the best decoder is the network's own on "
        "every network reconstructed, and no shallower decoder reconstructs a network of depth "
        "2 to 4: it answers a deeper code with a network that is constant in effect (decoder "
        "1 switches nearly all its neurons off; `python benchmarks/decoder_depths.py cornn "
        "--gates`). Training every decoder on every code, four times longer on a GPU too, did "
        "not change that; a weight-space target, shallower networks distilled from deeper ones "
        "(`--distill-weight`), reopens those neurons and gives back part of the deeper "
        "network's shape, not yet its level (benchmarks/checkpoints/report.md, 'The same "
        "stages on a GPU'). The search decodes each code at its own depth only, so it does not "
        "need the property; decoding its codes at the other depths as well added no useful "
        "candidate (benchmarks/checkpoints/report.md, 'Every code decoded at every depth').",
        "- **Normalised functional loss.** Zoo outputs are heavy-tailed (variance from 0 to "
        "about 1e6), so each network's MSE is divided by its output variance (+0.01) and passed "
        "through log(1 + .), so no few networks dominate a batch.",
        "- **Canonical neuron order.** Before encoding, every network is put in a canonical "
        "form: switched-off neurons are zeroed and moved last, the others sorted by activation "
        "and a fixed projection of their incoming weights, layer by layer from the input. "
        "Permuting hidden neurons therefore does not change the encoding, except where two "
        "neurons' sort keys tie (the projection passes through a float32 tanh, which rounds to "
        "+-1 for large arguments: about 0.05 to 1.7% of zoo networks, more of the deeper and "
        "wider ones): the permutation ratio is near 0 by construction, for the untrained model "
        "too. The paper's encoder must learn "
        "this symmetry; a canonical form gives it exactly and spares the small model the work.",
        "- **A standardised latent space.** The encoder ends in a parameter-free layer norm, so "
        "each latent token has zero mean and unit variance, the scale of the N(0, 1) draws the "
        "latent descent starts from; training adds N(0, 0.05^2) noise to the codes so that "
        "nearby codes decode to similar networks.",
        "- **Zoo.** As the paper (weights U(-5, 5) with sparsity 0, 0.2 or 0.4, biases "
        "U(-1, 1), neurons on with probability 1/2, activations uniform), except that a layer "
        "whose neurons all came out off gets one switched on. The `general` and `wide` zoos draw "
        "each network's input count in 1..8 and 1..16; absent inputs are zero rows. Training "
        "uses 128 points per network (the paper: 1000); evaluation uses 1000. `cornn` and "
        "`general` have a second stage on a sparser zoo (sparsity up to 0.8, "
        "`--sparsity-levels`), and `wide` was trained on that zoo from its start, in one "
        "stage: the networks the "
        "search returns are sparser than most of the paper's zoo, and with it the search found "
        "smaller networks, as accurate as before with `cornn` (though not by more than "
        "checkpoints of one recipe differ: the same stage with another zoo seed, or on the "
        "paper's zoo, did less well), and against the untrained search won 8 of 36 "
        "multi-feature pairs instead of 2 with `general` (both against the one random "
        "autoencoder the ablation drew for every seed until 2026-11-27) "
        "(benchmarks/checkpoints/report.md). The figures above are on the paper's zoo for all three.",
        "",
        "## How to make the checkpoints again",
        "",
        "```bash",
    ]
    for name in names:
        info = load_checkpoint_info(name)
        training, preset = info["training"], config_options(AutoencoderConfig.from_dict(info["config"]))
        stages = [*training.get("stages", []), training["settings"]]
        for i, s in enumerate(stages):
            workdir = f"runs/{name}" if len(stages) == 1 else f"runs/{name}-{i + 1}"
            lines.append(
                f"python -m sklearn_swat.pretrain train {preset} --workdir {workdir} "
                + (f"--init-from runs/{name}-{i} " if i else "") + _options(s)
            )
        lines.append(f"python -m sklearn_swat.pretrain export --workdir {workdir} --name {name}")
    lines += [
        "python -m sklearn_swat.pretrain report --out docs",
        "```",
        "",
        "A killed run continues with the same command and `--resume`; every batch is drawn "
        "from a generator seeded by (seed, step), so the resumed run sees the data an unbroken "
        "run would have seen.",
        "",
    ]
    page = out / "pretraining.md"
    page.write_text("\n".join(lines))
    return page
