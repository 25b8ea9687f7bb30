"""The README's first command: ``python -m sklearn_swat demo`` (run with ``--quick`` here)."""

import re
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from sklearn_swat.__main__ import main
from sklearn_swat._demo import run_demo
from sklearn_swat.datasets import load_cornn


def test_demo_command_prints_report_and_writes_pngs(tmp_path, capsys):
    # The whole command, in process: the report lines and two readable PNGs.
    out = tmp_path / "demo"
    assert main(["demo", "--function", "Booth", "--out", str(out), "--quick"]) == 0
    text = capsys.readouterr().out
    for expected in ("'Booth'", "SparseMLP: 2 inputs", "fit time:", "test MSE:",
                     "non-zero parameters:", "network.png", "surface.png"):
        assert expected in text
    for name in ("network.png", "surface.png"):
        image = matplotlib.image.imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 400
        # Not a blank canvas: some pixels are far from white.
        assert (image[..., :3] < 0.5).any()


def test_demo_draws_a_function_undefined_at_a_grid_point(tmp_path):
    # Keane divides by the distance to the origin, a corner of its domain: that point is left
    # blank, not a crash after the fit (nor a numpy warning).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run_demo("Keane", tmp_path, random_state=0, quick=True, print_fn=lambda line: None)
    assert (tmp_path / "surface.png").stat().st_size > 0


@pytest.mark.parametrize("function", ["McCormick", "Booth", "Easom"])
def test_surface_levels_fill_both_surfaces_whole(function):
    # The colour levels are rounded quantiles of the true surface: the outer ones must take
    # in the whole true surface and prediction, or points beyond them are drawn blank
    # (McCormick's minimum was a white hole).
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from sklearn_swat._demo import plot_surface, y_train_raw_range
    from sklearn_swat.datasets import cornn_domain

    class Flat:  # a prediction inside the true range, so only the truth sets the bounds
        def predict(self, X):
            return np.zeros(len(X))

    fig = plot_surface(Flat(), function, cornn_domain(function), y_train_raw_range(function))
    for ax in fig.axes[:2]:
        (cs,) = [c for c in ax.collections if hasattr(c, "levels")]
        assert cs.levels[0] <= cs.zmin and cs.levels[-1] >= cs.zmax


def test_run_demo_returns_fitted_estimator(tmp_path):
    # The figures printed are the estimator's own.
    lines = []
    result = run_demo("Booth", tmp_path, random_state=1, quick=True, print_fn=lines.append)
    reg = result["estimator"]
    assert result["n_nonzero"] == reg.n_nonzero_
    X_train, X_test, y_train, y_test = load_cornn("Booth")
    assert result["test_mse"] == float(np.mean((reg.predict(X_test) - y_test) ** 2))
    assert result["test_mse"] != float(np.mean((reg.predict(X_train) - y_train) ** 2))
    assert result["fit_seconds"] > 0
    assert any(f"non-zero parameters: {reg.n_nonzero_}" in line for line in lines)
    assert reg.get_params()["random_state"] == 1


@pytest.mark.parametrize("name, hint", [("booth", "Did you mean 'Booth'"), ("Nope", "cornn_names()")])
def test_demo_unknown_function_is_a_clear_error(name, hint, capsys, tmp_path):
    # An unknown name exits with status 2 and says what the names look like; nothing is written.
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--function", name, "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert hint in err and "For example:" in err
    assert not (tmp_path / "x").exists()


def test_module_entry_point_runs():
    # `python -m sklearn_swat` is wired to the same main: with no command it shows the usage.
    proc = subprocess.run([sys.executable, "-m", "sklearn_swat", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "demo" in proc.stdout


def test_demo_out_that_is_a_file_fails_before_the_fit(capsys, tmp_path, monkeypatch):
    # The folder is made before the search, so a bad --out costs no fit and is a plain error.
    import sklearn_swat._swat

    def no_fit(*args, **kwargs):
        raise AssertionError("fit ran although --out cannot be made")

    monkeypatch.setattr(sklearn_swat._swat.SWATRegressor, "fit", no_fit)
    out = tmp_path / "a_file"
    out.write_text("keep me")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--function", "Booth", "--out", str(out), "--quick"])
    assert exc.value.code == 2
    assert "Pass --out a folder" in capsys.readouterr().err
    assert out.read_text() == "keep me"


def test_demo_command_seeds_the_fit_with_0_by_default(tmp_path, monkeypatch):
    """--random-state defaults to 0 (as its help says): the demo prints the same network each run."""
    import sklearn_swat._demo
    from sklearn_swat.__main__ import main

    calls = []
    monkeypatch.setattr(sklearn_swat._demo, "run_demo", lambda *args, **kwargs: calls.append(kwargs))
    assert main(["demo", "--function", "Booth", "--out", str(tmp_path), "--quick"]) == 0
    assert calls == [{"random_state": 0, "quick": True}]


def test_demo_interrupted_exits_130(tmp_path, monkeypatch, capsys):
    import sklearn_swat._demo
    from sklearn_swat.__main__ import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sklearn_swat._demo, "run_demo", interrupted)
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--function", "Booth", "--out", str(tmp_path), "--quick"])
    assert exc.value.code == 130
    assert "interrupted" in capsys.readouterr().err


def test_surface_predicts_on_the_scaled_domain_and_shows_the_scaled_target():
    """The estimator was fitted on inputs and target scaled to [-1, 1]: the surface asks it for
    predictions over [-1, 1] x [-1, 1], draws the true target on the same scale, and its colour
    levels take in a prediction that falls below the true surface."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_swat._demo import plot_surface, y_train_raw_range
    from sklearn_swat.datasets import cornn_domain

    seen = []

    class Low:  # below the true surface everywhere, so the prediction sets the lowest level
        def predict(self, X):
            seen.append(X)
            return np.full(len(X), -3.0)

    fig = plot_surface(Low(), "Booth", cornn_domain("Booth"), y_train_raw_range("Booth"))
    (X,) = seen
    np.testing.assert_allclose([X.min(axis=0), X.max(axis=0)], [[-1, -1], [1, 1]])
    truth_cs, pred_cs = ([c for c in ax.collections if hasattr(c, "levels")][0] for ax in fig.axes[:2])
    # The grid reaches the domain's corners, a little past the training rows' range.
    assert -1.5 < truth_cs.zmin < truth_cs.zmax < 1.5
    assert pred_cs.levels[0] <= pred_cs.zmin == -3.0
    plt.close(fig)


# From a second mutation run of _demo.py and __main__.py (a helper).


class _FitStopped(Exception):
    pass


def _fit_params(monkeypatch):
    """SWATRegressor.fit replaced by one that records the estimator's parameters and stops."""
    import sklearn_swat._swat

    seen = []

    def record(self, X, y):
        seen.append(self.get_params())
        raise _FitStopped

    monkeypatch.setattr(sklearn_swat._swat.SWATRegressor, "fit", record)
    return seen


def test_run_demo_fits_on_one_thread_with_seed_0_and_quick_searches_less(tmp_path, monkeypatch):
    """The demo's estimator is SWATRegressor(n_jobs=1, random_state=0) by default (the first line
    the docs show); --quick shortens the search."""
    seen = _fit_params(monkeypatch)
    lines = []
    for quick in (False, True):
        with pytest.raises(_FitStopped):
            run_demo("Booth", tmp_path, quick=quick, print_fn=lines.append)
    full, quick = seen
    assert (full["n_jobs"], full["random_state"]) == (1, 0)
    assert lines[0] == "SWAT-NN demo: SWATRegressor(n_jobs=1, random_state=0) on the CORNN function 'Booth'"
    assert quick["max_iter"] < full["max_iter"] and quick["n_restarts"] < full["n_restarts"]
    assert (quick["n_jobs"], quick["random_state"]) == (1, 0)


def test_run_demo_reports_through_print_fn_only_and_its_baseline_is_the_training_mean(tmp_path, capsys):
    """Every report line goes to print_fn (nothing to stdout), and the "predicting the mean" figure
    is the test MSE of the training targets' mean (on Keane 0.0361; the test mean's would be 0.036)."""
    lines = []
    run_demo("Keane", tmp_path, random_state=0, quick=True, print_fn=lines.append)
    assert capsys.readouterr().out == ""
    assert lines[-1].startswith("wrote ") and "surface.png" in lines[-1]
    _, _, y_train, y_test = load_cornn("Keane")
    baseline = float(np.mean((y_test - y_train.mean()) ** 2))
    assert any(f"(predicting the mean: {baseline:.3g})" in line for line in lines)


def test_run_demo_checks_the_name_before_making_the_folder(tmp_path):
    """An unknown name is refused by run_demo itself (not only by the command) before ``out`` is made."""
    with pytest.raises(ValueError, match="Did you mean 'Booth'"):
        run_demo("booth", tmp_path / "x", quick=True, print_fn=lambda line: None)
    assert not (tmp_path / "x").exists()


def test_surface_target_range_is_the_training_targets_range():
    """y_train_raw_range gives CORNN's target scaling: the raw training targets mapped with it are
    the scaled training targets (the test targets have a narrower range)."""
    from sklearn_swat._demo import y_train_raw_range

    lo, hi = y_train_raw_range("Booth")
    _, _, y_raw, _ = load_cornn("Booth", scaled=False)
    _, _, y_scaled, _ = load_cornn("Booth")
    np.testing.assert_allclose(2 * (y_raw - lo) / (hi - lo) - 1, y_scaled, atol=1e-9)


def test_surface_of_a_function_on_a_non_square_domain_predicts_on_the_unit_square():
    """McCormick's domain is (-1.5, 4) x (-3, 3): each input is scaled from its own interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_swat._demo import plot_surface, y_train_raw_range
    from sklearn_swat.datasets import cornn_domain

    seen = []

    class Spy:
        def predict(self, X):
            seen.append(X)
            return np.zeros(len(X))

    fig = plot_surface(Spy(), "McCormick", cornn_domain("McCormick"), y_train_raw_range("McCormick"))
    plt.close(fig)
    (X,) = seen
    np.testing.assert_allclose([X.min(axis=0), X.max(axis=0)], [[-1, -1], [1, 1]])


def test_demo_command_defaults(tmp_path, monkeypatch):
    """Without options the demo fits McCormick into ./swat_demo (as the README says); seeds 0 and
    2**32 - 1, the ends of the range, are accepted."""
    import sklearn_swat._demo

    calls = []
    monkeypatch.setattr(sklearn_swat._demo, "run_demo", lambda *args, **kwargs: calls.append((args, kwargs)))
    assert main(["demo"]) == 0
    assert calls[-1] == (("McCormick", "swat_demo"), {"random_state": 0, "quick": False})
    for seed in ("0", "4294967295"):
        assert main(["demo", "--random-state", seed]) == 0
        assert calls[-1][1]["random_state"] == int(seed)


@pytest.mark.parametrize("seed, message", [("x", "'x' is not an integer"),
                                           ("-1", r"-1 is not in 0 \.\. 2\*\*32 - 1"),
                                           ("4294967296", r"4294967296 is not in 0 \.\. 2\*\*32 - 1")])
def test_demo_bad_random_state_says_what_is_wrong(seed, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--random-state", seed])
    assert exc.value.code == 2
    assert re.search(f"argument --random-state: {message}", capsys.readouterr().err)


def test_command_is_required(capsys):
    """`python -m sklearn_swat` alone is a usage error (status 2), not a silent success."""
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "required: command" in capsys.readouterr().err


def test_demo_out_inside_a_file_or_missing_parents(tmp_path, capsys, monkeypatch):
    """--out below a file is the plain --out error (exit 2, no fit); missing parent folders are made."""
    _fit_params(monkeypatch)
    (tmp_path / "a_file").write_text("keep me")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--function", "Booth", "--out", str(tmp_path / "a_file" / "sub"), "--quick"])
    assert exc.value.code == 2
    assert "Pass --out a folder" in capsys.readouterr().err
    with pytest.raises(_FitStopped):
        main(["demo", "--function", "Booth", "--out", str(tmp_path / "a" / "b"), "--quick"])
    assert (tmp_path / "a" / "b").is_dir()
