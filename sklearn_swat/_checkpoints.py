"""Registry of the shipped autoencoder checkpoints: listing, sha256 check, safe loading.

A checkpoint is two files in a folder: ``NAME.safetensors`` (the weights; the
safetensors format holds tensors only, so loading it cannot run code) and
``NAME.json`` (the config, the sha256 of the weights file, the training
summary and the quality figures measured when it was exported).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
from functools import lru_cache
from pathlib import Path

import torch

from ._autoencoder import AutoencoderConfig, MultiScaleAutoencoder
from ._base import seeded_global_rng

WEIGHTS_DIR = Path(__file__).parent / "weights"


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, foreign or of another config.

    Raised by :func:`load_autoencoder` (and so by ``SWATRegressor.fit``) with a
    message that names the file and says what was wrong. It is a
    :class:`ValueError`.

    Examples
    --------
    >>> from sklearn_swat import CheckpointError, load_autoencoder
    >>> try:
    ...     load_autoencoder("no-such-checkpoint")
    ... except CheckpointError as exc:
    ...     print(exc)
    Unknown autoencoder checkpoint 'no-such-checkpoint'. Bundled checkpoints: ['cornn', 'general', 'wide']...
    """


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def list_checkpoints() -> dict[str, dict]:
    """The bundled checkpoints: name -> their JSON description.

    Returns
    -------
    checkpoints : dict
        For each name, a dict with ``name``, ``file`` (the ``.safetensors``
        file's name), ``sha256`` (of that file), ``config`` (the
        architecture, ``max_inputs`` among it: the most input features the
        checkpoint encodes), ``training`` (how it was trained) and
        ``quality`` (reconstruction figures).

    Examples
    --------
    >>> from sklearn_swat import list_checkpoints
    >>> sorted(list_checkpoints())
    ['cornn', 'general', 'wide']
    """
    # By file name, as load_autoencoder finds them; a broken description is
    # a CheckpointError that names its file.
    return {meta.stem: _read_info(meta) for meta in sorted(WEIGHTS_DIR.glob("*.json"))}


def _resolve(name_or_path: str | os.PathLike) -> tuple[Path, Path]:
    """(json, safetensors) paths of a bundled name or of a path to either file."""
    s = str(name_or_path)
    if os.sep not in s and "/" not in s and not s.endswith((".json", ".safetensors")):
        meta = WEIGHTS_DIR / f"{s}.json"
        if not meta.exists():
            names = sorted(m.stem for m in WEIGHTS_DIR.glob("*.json"))
            # A bare name is a bundled checkpoint's; one of the user's, here, needs a path.
            here = [f for f in (s, f"{s}.safetensors") if os.path.exists(f)]
            hint = f" {here[0]!r} exists in the current folder: pass './{here[0]}' for it." if here else ""
            if here and os.path.isdir(here[0]):
                hint = (f" {here[0]!r} is a folder in the current folder; a training folder has no "
                        f"checkpoint until 'python -m sklearn_swat.pretrain export --workdir {here[0]} "
                        "--name NAME' writes one.")
            raise CheckpointError(
                f"Unknown autoencoder checkpoint {s!r}. Bundled checkpoints: {names}; "
                "or pass the path of a .safetensors file made by "
                f"'python -m sklearn_swat.pretrain export'.{hint}"
            )
    else:
        p = Path(s).expanduser()
        if p.is_dir():
            raise CheckpointError(
                f"{str(p)!r} is a folder; pass the path of the NAME.safetensors file in it "
                "(with its NAME.json beside it). A training folder has none until "
                "'python -m sklearn_swat.pretrain export --workdir DIR --name NAME' writes it."
            )
        # NAME.json or NAME.safetensors names the pair; any other path is NAME
        # itself (a dotted name such as model.v2 keeps its dot).
        meta = p.with_suffix(".json") if p.suffix in (".json", ".safetensors") else Path(f"{p}.json")
    weights = meta.with_suffix(".safetensors")
    missing = [f for f in (weights, meta) if not f.is_file()]
    if len(missing) == 2:
        if Path(s).expanduser().is_file():  # a training run's state.pt, say
            raise CheckpointError(
                f"{s!r} is not a checkpoint: a checkpoint is a NAME.safetensors file with its "
                "NAME.json beside it. A training folder's state.pt becomes one with "
                "'python -m sklearn_swat.pretrain export --workdir DIR --name NAME'."
            )
        raise CheckpointError(
            f"No checkpoint at {s!r}: neither {weights} nor {meta} exists. A checkpoint is a "
            "NAME.safetensors file with its NAME.json beside it; check the path."
        )
    if missing:
        raise CheckpointError(
            f"Checkpoint file {missing[0]} does not exist. A checkpoint is a NAME.safetensors file "
            "with its NAME.json beside it."
        )
    return meta, weights


def load_checkpoint_info(name_or_path: str | os.PathLike) -> dict:
    """The JSON description of a checkpoint, with its resolved ``path``."""
    meta, weights = _resolve(name_or_path)
    info = _read_info(meta)
    info["path"] = str(weights)
    return info


def _read_info(meta: Path) -> dict:
    """A checkpoint's JSON description, checked for the entries the package reads."""
    try:
        info = json.loads(meta.read_text())
        AutoencoderConfig.from_dict(info["config"])
        # name and sha256 are required (a KeyError names the one missing); training and quality optional.
        for key, kind in (("name", str), ("sha256", str), ("training", dict), ("quality", dict)):
            value = info[key] if key in ("name", "sha256") else info.get(key, {})
            if not isinstance(value, kind):
                raise TypeError(f"{key!r} must be a {kind.__name__}, not {type(value).__name__}")
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"Checkpoint description {meta} is corrupt: {exc}.") from exc
    return info


def _build(config: AutoencoderConfig, seed: int | None = None) -> MultiScaleAutoencoder:
    """A new autoencoder, torch's global random state left as it was.

    With ``seed``, its initial weights are those of that seed; without, they
    are drawn (to be overwritten by a checkpoint's). Its parameters are
    ordinary tensors even under the caller's ``torch.inference_mode()``, so
    that a later search can differentiate through them.
    """
    with seeded_global_rng(seed), torch.inference_mode(False):
        return MultiScaleAutoencoder(config)


def _check_sha256(weights: str, sha256: str) -> None:
    actual = sha256_file(weights)
    if actual != sha256:
        raise CheckpointError(
            f"Checkpoint file {weights} is corrupt or was replaced: its sha256 is {actual}, "
            f"its description says {sha256}. Reinstall the package or re-export the checkpoint."
        )


@lru_cache(maxsize=8)
def _load_cached(weights: str, sha256: str, config_json: str) -> MultiScaleAutoencoder:
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        data = Path(weights).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"Checkpoint file {weights} could not be read: {exc}.") from exc
    # The bytes parsed are the bytes checked: a file replaced since the caller's
    # check is not loaded (and cached) under the sha256 it no longer has.
    if hashlib.sha256(data).hexdigest() != sha256:
        _check_sha256(weights, sha256)  # names the file and both hashes
        raise CheckpointError(f"Checkpoint file {weights} changed while it was read; load it again.")
    try:
        state = load(data)
    # A dtype torch has no name for here (F8_E8M0, say) is a KeyError of safetensors.torch.
    except (SafetensorError, OSError, ValueError, KeyError) as exc:
        raise CheckpointError(
            f"Checkpoint file {weights} is not a readable safetensors file: {exc}."
        ) from exc
    bad = [k for k, v in state.items() if v.dtype != torch.float32 or not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(
            f"Checkpoint file {weights} holds tensors that are not finite float32 values: {bad[:5]}"
            f"{' ...' if len(bad) > 5 else ''}. Export the checkpoint again from a healthy training state."
        )
    config = AutoencoderConfig.from_dict(json.loads(config_json))
    try:
        model = _build(config)
        with torch.inference_mode(False):
            model.load_state_dict(state, strict=True)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"Checkpoint file {weights} does not match its config {config}: {exc}"
        ) from exc
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def load_autoencoder(name_or_path: str | os.PathLike = "cornn") -> MultiScaleAutoencoder:
    """Load a bundled autoencoder by name, or one exported to a path.

    The weights file's sha256 is checked against its description at every
    call, and the file is read with safetensors (no pickle). Loaded models
    are cached, frozen and in eval mode: do not modify them. torch's global
    random state is left as it was.

    Parameters
    ----------
    name_or_path : str or path-like, default="cornn"
        A name of :func:`list_checkpoints` or the path of a ``.safetensors``
        (or ``.json``) file of an exported checkpoint.

    Returns
    -------
    MultiScaleAutoencoder
        The autoencoder, a :class:`torch.nn.Module` (the class itself is
        private: its ``encode`` and ``decode`` are the search's internals),
        frozen (evaluation mode, no gradients) and shared: later loads of
        the same file return the same cached module.

    Raises
    ------
    CheckpointError
        Unknown name, missing, corrupt or foreign file, or config mismatch.

    Examples
    --------
    >>> from sklearn_swat import load_autoencoder
    >>> model = load_autoencoder("cornn")
    >>> model.config.width, model.config.max_inputs
    (7, 2)
    """
    info = load_checkpoint_info(name_or_path)
    # Checked on every load, not only the first one the cache below remembers
    # (about 1 ms for a bundled checkpoint).
    _check_sha256(info["path"], info["sha256"])
    return _load_cached(info["path"], info["sha256"], json.dumps(info["config"], sort_keys=True))


def untrained_autoencoder(config: AutoencoderConfig, seed: int = 0) -> MultiScaleAutoencoder:
    """A randomly initialised autoencoder of ``config``, frozen (the ablation's baseline).

    The same ``seed`` gives the same weights; torch's global random state is
    left as it was.
    """
    model = _build(config, seed)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


# The description's keys save_checkpoint writes itself ("path" too: load_checkpoint_info
# sets it on reading); ``extra`` may not set them.
WRITTEN_KEYS = frozenset({"name", "file", "sha256", "config", "path"})


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM back until the block ends, then take them as they came.

    Their handlers are replaced for the block by one that notes them (in the
    main thread only, where Python runs signal handlers; a signal mask would
    not do: the system gives a process's signal to any thread not masking it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    held = [s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not None]
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for s in received:
            signal.raise_signal(s)


def save_checkpoint(model: MultiScaleAutoencoder, name: str, folder: str | os.PathLike,
                    extra: dict | None = None) -> Path:
    """Write ``folder/NAME.safetensors`` and ``folder/NAME.json``.

    Both are written whole to temporary files first and then renamed into
    place, weights first: a failure while writing (a full disk, say) leaves
    a checkpoint of that name as it was. Ctrl-C or SIGTERM between the two
    renames waits until both are done (in the main thread); a kill there
    (SIGKILL, a power cut) leaves the new weights beside the old
    description, which loading refuses by its sha256: export again. Both
    files get the permissions of any new file (the umask's). ``extra`` adds
    keys to the JSON description (``training``, ``quality``), never one of
    those the function writes.
    """
    from safetensors.torch import save

    reserved = WRITTEN_KEYS & set(extra or {})
    if reserved:
        raise ValueError(f"extra may not set {sorted(reserved)}: save_checkpoint writes them.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{name}.safetensors"
    meta = folder / f"{name}.json"
    # Not matched by "*.json" or "*.safetensors", so never read as a checkpoint.
    tmp_weights, tmp_meta = folder / f".{name}.safetensors.tmp", folder / f".{name}.json.tmp"
    try:
        state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
        # Written as any new file is, with the umask's permissions (safetensors' own
        # save_file makes it readable by its owner only). A temporary file left by a
        # killed run would keep its permissions: it goes first.
        tmp_weights.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
        data = save(state)
        tmp_weights.write_bytes(data)
        info = {
            "name": name,
            "file": weights.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "config": model.config.to_dict(),
            **(extra or {}),
        }
        tmp_meta.write_text(json.dumps(info, indent=1) + "\n")
        with _signals_held():  # never new weights under the old description
            os.replace(tmp_weights, weights)
            os.replace(tmp_meta, meta)
    finally:
        tmp_weights.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
    return weights
