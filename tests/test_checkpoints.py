"""Bundled checkpoints: listing, loading by name or path, and refusal of bad files."""

import json
import os
import pickle
import re
import shutil
import signal

import numpy as np
import pytest
import torch

from sklearn_swat import CheckpointError, list_checkpoints, load_autoencoder
from sklearn_swat._autoencoder import AutoencoderConfig, MultiScaleAutoencoder
from sklearn_swat._checkpoints import WEIGHTS_DIR, save_checkpoint, sha256_file, untrained_autoencoder


@pytest.fixture
def copy_of(tmp_path):
    def make(name="cornn"):
        for suffix in (".safetensors", ".json"):
            shutil.copy(WEIGHTS_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
        return tmp_path / f"{name}.safetensors"

    return make


def test_the_bundled_checkpoints_ship_and_load_by_name():
    infos = list_checkpoints()
    assert {"cornn", "general", "wide"} <= set(infos)
    assert infos["cornn"]["config"]["width"] == 7 and infos["cornn"]["config"]["max_inputs"] == 2
    assert infos["general"]["config"]["width"] == 8 and infos["general"]["config"]["max_inputs"] == 8
    assert infos["wide"]["config"]["width"] == 16 and infos["wide"]["config"]["max_inputs"] == 16
    assert infos["wide"]["config"]["variable_inputs"] is True
    for name, info in infos.items():
        model = load_autoencoder(name)
        assert isinstance(model, MultiScaleAutoencoder)
        assert not any(p.requires_grad for p in model.parameters())
        size_mb = (WEIGHTS_DIR / info["file"]).stat().st_size / 2**20
        assert size_mb < 8, f"{name} is {size_mb:.1f} MB: the package must stay small"
        assert sha256_file(WEIGHTS_DIR / info["file"]) == info["sha256"]
        for key in ("training", "quality"):
            assert key in info


def test_load_by_path(copy_of):
    path = copy_of()
    model = load_autoencoder(path)
    ref = load_autoencoder("cornn")
    for (k, a), (_, b) in zip(model.state_dict().items(), ref.state_dict().items()):
        assert torch.equal(a, b), k


def test_unknown_name_lists_the_bundled_ones():
    with pytest.raises(CheckpointError, match=r"Unknown autoencoder checkpoint 'gpt2'.*cornn"):
        load_autoencoder("gpt2")


def test_a_bare_name_of_a_checkpoint_here_says_to_pass_its_path(copy_of, tmp_path, monkeypatch):
    """A bare name means a bundled checkpoint; the user's own, in the current folder, is
    named in the error with the path that loads it."""
    path = copy_of()
    path.rename(tmp_path / "mine.safetensors")
    (tmp_path / "cornn.json").rename(tmp_path / "mine.json")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError, match=r"'mine.safetensors' exists in the current folder: "
                                              r"pass './mine.safetensors'"):
        load_autoencoder("mine")
    load_autoencoder("./mine.safetensors")  # as the message says
    # A folder of that name is most likely a training run's: it needs an export first (an
    # audit was sent to './runs', which only a second error explained).
    (tmp_path / "runs").mkdir()
    with pytest.raises(CheckpointError, match=r"'runs' is a folder in the current folder; a training folder "
                                              r"has no checkpoint until 'python -m sklearn_swat.pretrain "
                                              r"export --workdir runs --name NAME'"):
        load_autoencoder("runs")


def test_missing_file(copy_of, tmp_path):
    path = copy_of()
    path.unlink()
    with pytest.raises(CheckpointError, match="does not exist"):
        load_autoencoder(path)
    # A mistyped path: the error names the file the user typed, not only its .json.
    typo = tmp_path / "nope.safetensors"
    with pytest.raises(CheckpointError, match=r"No checkpoint at '\S*nope.safetensors': neither"):
        load_autoencoder(typo)
    # A file that is there but no checkpoint (a training folder's state): said so, with the export.
    (tmp_path / "state.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match=r"state.pt' is not a checkpoint.*pretrain export --workdir"):
        load_autoencoder(tmp_path / "state.pt")


def test_wrong_sha256_is_refused(copy_of):
    path = copy_of()
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=rf"{path.name} is corrupt or was replaced"):
        load_autoencoder(path)


def test_bundled_checkpoint_loaded_by_name_is_checked_too(copy_of, tmp_path, monkeypatch):
    # The sha256 check is not only for paths: a bundled checkpoint damaged in place (a
    # broken install) is refused when loaded by its name.
    import sklearn_swat._checkpoints as checkpoints

    path = copy_of()
    monkeypatch.setattr(checkpoints, "WEIGHTS_DIR", tmp_path)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"cornn.safetensors is corrupt or was replaced"):
        load_autoencoder("cornn")


def test_file_changed_after_a_load_is_refused(copy_of):
    # The loaded model is cached; the file's sha256 is still checked on every load.
    path = copy_of()
    load_autoencoder(path)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=rf"{path.name} is corrupt or was replaced"):
        load_autoencoder(path)


def _replace_weights(path, data: bytes) -> None:
    """Write ``data`` as the weights file and record its sha256, so only the content is wrong."""
    path.write_bytes(data)
    meta = path.with_suffix(".json")
    info = json.loads(meta.read_text())
    info["sha256"] = sha256_file(path)
    meta.write_text(json.dumps(info))


def test_truncated_file_is_refused_even_with_matching_hash(copy_of):
    path = copy_of()
    _replace_weights(path, path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_autoencoder(path)


def test_a_tensor_of_a_dtype_torch_cannot_name_is_refused(copy_of):
    """A well-formed file whose tensor has a dtype safetensors knows and torch's loader does not
    (F8_E8M0): a CheckpointError, not the loader's KeyError."""
    import struct

    path = copy_of()
    header = json.dumps({"t": {"dtype": "F8_E8M0", "shape": [1], "data_offsets": [0, 1]}}).encode()
    header += b" " * (-len(header) % 8)
    _replace_weights(path, struct.pack("<Q", len(header)) + header + b"\x7f")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_autoencoder(path)


class _Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("touch PWNED",))


def test_pickle_that_would_run_code_is_refused_and_not_run(copy_of, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = copy_of()
    _replace_weights(path, pickle.dumps({"model": _Exploit()}))
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        load_autoencoder(path)
    assert not (tmp_path / "PWNED").exists()


def test_checkpoint_of_another_config_is_refused(copy_of):
    path = copy_of()
    meta = path.with_suffix(".json")
    info = json.loads(meta.read_text())
    info["config"]["d_model"] = 32
    meta.write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="does not match its config"):
        load_autoencoder(path)


def test_corrupt_description_is_refused(copy_of):
    path = copy_of()
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(CheckpointError, match="description .* is corrupt"):
        load_autoencoder(path)


@pytest.mark.parametrize("edit, message", [
    (lambda info: info.pop("name"), "'name'"),
    (lambda info: info.update(training="x"), "'training' must be a dict"),
    (lambda info: info.update(sha256=5), "'sha256' must be a str"),
])
def test_description_missing_what_the_package_reads_is_refused(copy_of, edit, message):
    path = copy_of()
    info = json.loads(path.with_suffix(".json").read_text())
    edit(info)
    path.with_suffix(".json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match=f"description .* is corrupt: .*{message}"):
        load_autoencoder(path)


@pytest.mark.parametrize("edit, message", [
    # A missing key would take its default: another architecture than the weights'.
    (lambda config: config.pop("n_heads"), r"lacks the keys \['n_heads'\]"),
    (lambda config: config.update(width=7.0), "width must be an int; got 7.0"),
    (lambda config: config.update(variable_inputs="no"), "variable_inputs must be a bool; got 'no'"),
])
def test_config_without_a_key_or_of_a_wrong_type_is_refused(copy_of, edit, message):
    path = copy_of()
    info = json.loads(path.with_suffix(".json").read_text())
    edit(info["config"])
    path.with_suffix(".json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match=f"description .* is corrupt: .*{message}"):
        load_autoencoder(path)


@pytest.mark.parametrize("spoil", ["nan", "float64"])
def test_weights_that_are_not_finite_float32_are_refused(copy_of, spoil):
    from safetensors.torch import load_file, save

    path = copy_of()
    state = load_file(path)
    key = sorted(state)[0]
    state[key] = state[key].double() if spoil == "float64" else torch.full_like(state[key], float("nan"))
    _replace_weights(path, save(state))
    with pytest.raises(CheckpointError, match=rf"not finite float32 values: \['{re.escape(key)}'\]"):
        load_autoencoder(path)


def test_listing_is_by_file_name_and_names_a_broken_description(copy_of, tmp_path, monkeypatch):
    import sklearn_swat._checkpoints as checkpoints

    copy_of("cornn")
    info = json.loads((tmp_path / "cornn.json").read_text())
    (tmp_path / "cornn.json").write_text(json.dumps({**info, "name": "other"}))
    monkeypatch.setattr(checkpoints, "WEIGHTS_DIR", tmp_path)
    # Listed under the name load_autoencoder finds it by.
    assert list(list_checkpoints()) == ["cornn"]
    load_autoencoder("cornn")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="broken.json is corrupt"):
        list_checkpoints()
    # An unknown name still says which names there are, whatever their descriptions hold.
    with pytest.raises(CheckpointError, match=r"checkpoint 'nope'.*\['broken', 'cornn'\]"):
        load_autoencoder("nope")


def test_a_path_names_its_own_files_only(copy_of, tmp_path):
    path = copy_of()
    # Another extension is not a way to name the .safetensors beside it.
    with pytest.raises(CheckpointError, match=r"neither \S*cornn.pt.safetensors nor \S*cornn.pt.json exists"):
        load_autoencoder(tmp_path / "cornn.pt")
    # A dotted name keeps its dot.
    for suffix in (".safetensors", ".json"):
        path.with_suffix(suffix).rename(tmp_path / f"model.v2{suffix}")
    load_autoencoder(tmp_path / "model.v2")
    load_autoencoder(tmp_path / "model.v2.safetensors")


def test_saved_checkpoint_is_readable_as_the_umask_allows(tmp_path):
    import os

    model = untrained_autoencoder(load_autoencoder("cornn").config)
    # Temporary files of a run killed while saving, readable by their owner only: not reused.
    for stale in (".x.safetensors.tmp", ".x.json.tmp"):
        (tmp_path / stale).write_bytes(b"")
        (tmp_path / stale).chmod(0o600)
    umask = os.umask(0o022)
    try:
        weights = save_checkpoint(model, "x", tmp_path)
    finally:
        os.umask(umask)
    assert weights.stat().st_mode & 0o777 == 0o644
    assert weights.with_suffix(".json").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.safetensors"]


def test_a_failed_save_leaves_the_checkpoint_of_that_name_loadable(tmp_path, monkeypatch):
    """Exporting over a checkpoint (as ``export --name cornn`` does) and failing on the way
    (a full disk while writing the description) leaves the old pair whole, no stray files."""
    import json
    import pathlib

    config = load_autoencoder("cornn").config
    save_checkpoint(untrained_autoencoder(config, seed=1), "x", tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_write = pathlib.Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name.endswith(".json.tmp"):
            raise OSError(28, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", full_disk)
    with pytest.raises(OSError, match="No space left"):
        save_checkpoint(untrained_autoencoder(config, seed=2), "x", tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    loaded = load_autoencoder(tmp_path / "x.safetensors")
    expected = untrained_autoencoder(config, seed=1).state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in loaded.state_dict().items())
    assert json.loads((tmp_path / "x.json").read_text())["name"] == "x"


def test_ctrl_c_between_the_two_renames_waits_for_both(tmp_path, monkeypatch):
    """A Ctrl-C as the weights are renamed into place takes effect once the description is
    too: the new pair loads (an audit left new weights under the old description)."""
    config = load_autoencoder("cornn").config
    save_checkpoint(untrained_autoencoder(config, seed=1), "x", tmp_path)
    real_replace = os.replace

    def interrupted(src, dst):
        real_replace(src, dst)
        if str(dst).endswith(".safetensors"):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", interrupted)
    # Python's own Ctrl-C handler: a run in the background (CI's) may have SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            save_checkpoint(untrained_autoencoder(config, seed=2), "x", tmp_path)
    finally:
        signal.signal(signal.SIGINT, previous)
    monkeypatch.undo()
    loaded = load_autoencoder(tmp_path / "x.safetensors")
    expected = untrained_autoencoder(config, seed=2).state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in loaded.state_dict().items())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.safetensors"]


@pytest.mark.parametrize("autoencoder", ["auto", "untrained:auto"])
def test_an_installation_without_its_checkpoints_says_so(tmp_path, monkeypatch, autoencoder):
    """Package data lost (a broken or vendored copy): a fit says what is missing, not max()'s error."""
    import numpy as np

    import sklearn_swat._checkpoints as checkpoints
    import sklearn_swat._swat as swat
    from sklearn_swat import SWATRegressor

    monkeypatch.setattr(checkpoints, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr(swat, "WEIGHTS_DIR", tmp_path)
    X = np.random.RandomState(0).uniform(-1, 1, (30, 2))
    with pytest.raises(CheckpointError, match=r"No bundled autoencoder checkpoint in .*lacks its package"):
        SWATRegressor(autoencoder=autoencoder).fit(X, X[:, 0])


def test_a_file_replaced_between_its_check_and_its_read_is_not_loaded(copy_of, monkeypatch):
    """The bytes parsed are the bytes checked: weights swapped in after the sha256 check are
    refused, not loaded and cached under the sha256 they do not have."""
    import sklearn_swat._checkpoints as checkpoints

    path = copy_of()
    other = path.with_name("other.safetensors")
    save_checkpoint(untrained_autoencoder(load_autoencoder("cornn").config, seed=3), "other", path.parent)
    real_check = checkpoints._check_sha256

    def check_then_replace(weights, sha256):
        real_check(weights, sha256)
        path.write_bytes(other.read_bytes())

    monkeypatch.setattr(checkpoints, "_check_sha256", check_then_replace)
    with pytest.raises(CheckpointError, match=rf"{path.name} is corrupt or was replaced"):
        load_autoencoder(path)


def test_a_file_read_while_it_changed_is_refused_and_loads_once_it_is_whole(copy_of, monkeypatch):
    """A read that catches the file mid-change (its bytes match no hash, the file on disk
    matches again) is refused with a message that says to load it again; that refusal is not
    cached, and the next load gives the model."""
    from pathlib import Path

    path = copy_of()
    good = path.read_bytes()
    real_read = Path.read_bytes
    reads = []

    def read_once_mid_change(self):
        if self == path and not reads:
            reads.append(self)
            return good[: len(good) // 2] + bytes(len(good) - len(good) // 2)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_once_mid_change)
    with pytest.raises(CheckpointError, match=rf"{path.name} changed while it was read; load it again"):
        load_autoencoder(path)
    assert reads == [path]
    assert isinstance(load_autoencoder(path), MultiScaleAutoencoder)


def test_save_refuses_extra_keys_it_writes_itself(tmp_path):
    """``extra`` adds to the description; a sha256 or config of its own would make it lie."""
    model = untrained_autoencoder(load_autoencoder("cornn").config)
    with pytest.raises(ValueError, match=r"extra may not set \['config', 'path', 'sha256'\]"):
        save_checkpoint(model, "x", tmp_path,
                        extra={"sha256": "0" * 64, "config": {}, "path": "elsewhere", "training": {}})
    assert list(tmp_path.iterdir()) == []


def test_saved_description_names_its_weights_file(tmp_path):
    """'file' is the .safetensors file's name, as list_checkpoints documents."""
    path = save_checkpoint(untrained_autoencoder(load_autoencoder("cornn").config), "x", tmp_path,
                           extra={"training": {}})
    info = json.loads(path.with_suffix(".json").read_text())
    assert info["file"] == "x.safetensors" == path.name
    assert info["sha256"] == sha256_file(path) and info["name"] == "x"


def test_a_checkpoint_exported_again_to_the_same_path_is_loaded_anew(tmp_path):
    """The cache of loaded models does not hide new weights saved under the same name."""
    config = load_autoencoder("cornn").config
    path = save_checkpoint(untrained_autoencoder(config, seed=1), "x", tmp_path)
    first = load_autoencoder(path)
    save_checkpoint(untrained_autoencoder(config, seed=2), "x", tmp_path)
    second = load_autoencoder(path)
    expected = untrained_autoencoder(config, seed=2).state_dict()
    assert second is not first
    assert all(torch.equal(v, expected[k]) for k, v in second.state_dict().items())


def test_a_file_name_with_its_suffix_loads_from_the_current_folder(copy_of, tmp_path, monkeypatch):
    """'NAME.safetensors' or 'NAME.json' (no folder) is a path, not a bundled name."""
    copy_of()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cornn.safetensors").rename(tmp_path / "mine.safetensors")
    (tmp_path / "cornn.json").rename(tmp_path / "mine.json")
    reference = load_autoencoder("cornn").state_dict()
    for name in ("mine.safetensors", "mine.json"):
        model = load_autoencoder(name)
        assert all(torch.equal(v, reference[k]) for k, v in model.state_dict().items())


def test_a_path_under_the_home_folder_is_expanded(copy_of, tmp_path, monkeypatch):
    """'~/NAME.safetensors' is the file in the user's home folder."""
    copy_of()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_autoencoder("~/cornn.safetensors").config == load_autoencoder("cornn").config


def test_weights_file_missing_a_tensor_is_refused(copy_of):
    """A file lacking a tensor would leave that tensor at its random initial values."""
    from safetensors.torch import load_file, save

    path = copy_of()
    state = load_file(path)
    del state[sorted(state)[-1]]
    _replace_weights(path, save(state))
    with pytest.raises(CheckpointError, match="does not match its config"):
        load_autoencoder(path)


def test_loaded_and_untrained_autoencoders_are_in_eval_mode(copy_of):
    """Documented: frozen and in evaluation mode."""
    model = load_autoencoder(copy_of())
    assert not any(m.training for m in model.modules())
    assert not any(p.requires_grad for p in model.parameters())
    assert not any(m.training for m in untrained_autoencoder(model.config).modules())


def test_seed_zero_draws_the_same_untrained_autoencoder_whatever_torchs_generator_holds():
    """Seed 0 (untrained_autoencoder's default) is a seed like any other: the same weights
    whatever torch's global generator holds, and that generator left as it was."""
    from sklearn_swat._checkpoints import untrained_autoencoder

    config = AutoencoderConfig(width=4, max_inputs=2, d_model=16, n_heads=2, encoder_layers=1,
                               decoder_layers=1, dim_feedforward=32)
    models = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        models.append(untrained_autoencoder(config, seed=0))
        assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(p, q) for p, q in zip(models[0].parameters(), models[1].parameters()))


def test_config_takes_an_int_as_a_float_but_not_as_a_bool():
    """A checkpoint's JSON may write weight_scale=5 for 5.0: it is the float 5.0. An int is not
    a bool, nor a bool an int (variable_inputs=1 is refused by name)."""
    config = AutoencoderConfig(weight_scale=5, d_model=np.int64(16), n_heads=2)
    assert type(config.weight_scale) is float and config.weight_scale == 5.0
    assert type(config.d_model) is int
    assert AutoencoderConfig(variable_inputs=np.bool_(True)).variable_inputs is True
    with pytest.raises(TypeError, match=r"variable_inputs must be a bool; got 1 \(int\)"):
        AutoencoderConfig(variable_inputs=1)
    with pytest.raises(TypeError, match=r"width must be an int; got True \(bool\)"):
        AutoencoderConfig(width=True)


# From a second mutation run of _encoding.py, _autoencoder.py and _checkpoints.py (a helper):
# what 43 mutants showed untested.


_SMALL = dict(width=4, max_inputs=2, d_model=16, n_heads=2, encoder_layers=1, decoder_layers=1,
              dim_feedforward=16)


@pytest.mark.parametrize("kwargs, match", [
    (dict(weight_scale=0.0), "weight_scale must be a finite number greater than 0; got 0.0"),
    (dict(d_model=18, n_heads=4), "d_model must be a multiple of n_heads"),
    (dict(max_inputs=0), r"max_inputs must be in 1..width \(1..4\); got 0"),
])
def test_config_out_of_range_is_refused(kwargs, match):
    """A config no autoencoder can be built from (or one that would divide by a weight scale of
    0) is refused where it is made, saying which value."""
    with pytest.raises(ValueError, match=match):
        AutoencoderConfig(**{**_SMALL, **kwargs})


def test_config_from_a_description_with_an_unknown_key_is_refused():
    """A key the package does not know (a typo, or a newer version's) is refused, not ignored."""
    with pytest.raises(ValueError, match=r"Unknown autoencoder config keys: \['depth'\]"):
        AutoencoderConfig.from_dict({**AutoencoderConfig(**_SMALL).to_dict(), "depth": 4})


def test_an_autoencoder_without_transformer_layers_is_a_valid_ablation():
    """encoder_layers=0 and decoder_layers=0 are allowed: embedding, norms and heads only."""
    from sklearn_swat._zoo import sample_zoo_batch

    model = untrained_autoencoder(AutoencoderConfig(**{**_SMALL, "encoder_layers": 0, "decoder_layers": 0}))
    nets, _, _ = sample_zoo_batch(3, 4, 2, variable_inputs=False, n_points=8,
                                  generator=torch.Generator().manual_seed(0))
    z = model.encode(nets)
    assert z.shape == (3, 4, 16) and model.decode(z, 2)["weights"].shape == (3, 2, 4, 4)


def test_description_whose_quality_is_not_a_dict_is_refused(copy_of):
    path = copy_of()
    info = json.loads(path.with_suffix(".json").read_text())
    info["quality"] = [0.1]
    path.with_suffix(".json").write_text(json.dumps(info))
    with pytest.raises(CheckpointError, match="description .* is corrupt: 'quality' must be a dict"):
        load_autoencoder(path)


def test_a_path_in_the_description_does_not_redirect_the_load(copy_of, tmp_path):
    """The weights are the .safetensors file beside the description: a "path" the description
    itself holds (which save_checkpoint never writes) is not followed."""
    from sklearn_swat._checkpoints import load_checkpoint_info

    path = copy_of()
    info = json.loads(path.with_suffix(".json").read_text())
    info["path"] = str(tmp_path / "elsewhere.safetensors")
    path.with_suffix(".json").write_text(json.dumps(info))
    assert load_checkpoint_info(path)["path"] == str(path)
    assert isinstance(load_autoencoder(path), MultiScaleAutoencoder)


def test_later_loads_of_a_checkpoint_return_the_same_cached_module(copy_of):
    """Documented: loaded models are cached, later loads of the same file return the same module."""
    path = copy_of()
    assert load_autoencoder(path) is load_autoencoder(path)


def test_load_autoencoder_loads_cornn_by_default():
    assert load_autoencoder().config == load_autoencoder("cornn").config
    assert load_autoencoder().config.width == 7


def test_untrained_autoencoder_is_frozen_and_the_same_by_default():
    """The ablation's model: no parameter needs a gradient, and the default seed is 0, not a
    draw from torch's global generator: the same weights whatever that generator holds."""
    config = AutoencoderConfig(**_SMALL)
    models = []
    with torch.random.fork_rng([]):
        for global_seed in (1, 2):
            torch.manual_seed(global_seed)
            models.append(untrained_autoencoder(config))
    assert not any(p.requires_grad for p in models[0].parameters())
    reference = untrained_autoencoder(config, seed=0)
    for model in models:
        assert all(torch.equal(p, q) for p, q in zip(model.parameters(), reference.parameters()))


def test_save_checkpoint_makes_the_folders_it_needs(tmp_path):
    """An export to a new nested folder (runs/a) creates it, as the CLI's --out does."""
    model = untrained_autoencoder(AutoencoderConfig(**_SMALL))
    path = save_checkpoint(model, "x", tmp_path / "runs" / "a")
    loaded = load_autoencoder(path)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in loaded.state_dict().items())
