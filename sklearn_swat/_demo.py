"""The demo behind ``python -m sklearn_swat demo``: one fit on a CORNN function, two pictures.

It needs no files: the CORNN data are generated from the function's closed form.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

DEFAULT_FUNCTION = "McCormick"
DEFAULT_OUT = "swat_demo"
# A dense MLPRegressor(hidden_layer_sizes=(7, 7)) on 2 inputs: 2*7 + 7*7 + 7 weights, 15 biases.
_DENSE_7_7_PARAMETERS = 85
# --quick: a smoke test of the whole command in about a second; the network is worse.
_QUICK_PARAMS = {"max_iter": 10, "polish_iter": 20, "n_restarts": 1, "depths": (1, 2)}


def run_demo(
    function: str = DEFAULT_FUNCTION,
    out: str | os.PathLike = DEFAULT_OUT,
    random_state: int = 0,
    quick: bool = False,
    print_fn=print,
) -> dict:
    """Fit :class:`SWATRegressor` on one CORNN function, report it and draw it.

    Parameters
    ----------
    function : str, default="McCormick"
        A CORNN function, one of :func:`sklearn_swat.datasets.cornn_names`.
    out : str or path-like, default="swat_demo"
        Folder for ``network.png`` and ``surface.png`` (made if missing).
    random_state : int, default=0
        Seed of the fit.
    quick : bool, default=False
        Search far less (a smoke test of the command; the network is worse).
    print_fn : callable, default=print
        Where the report lines go.

    Returns
    -------
    result : dict
        ``function``, ``estimator`` (the fitted SWATRegressor), ``fit_seconds``,
        ``test_mse``, ``n_nonzero``, ``network_png`` and ``surface_png``.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_swat._demo import run_demo
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = run_demo("Booth", out, quick=True, print_fn=lambda line: None)
    ...     sorted(p.name for p in (result["network_png"], result["surface_png"]))
    ['network.png', 'surface.png']
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._swat import SWATRegressor
    from .datasets import cornn_domain, load_cornn
    from .datasets._cornn import N_TEST, N_TRAIN

    # load_cornn checks the name first and says which names are close.
    X_train, X_test, y_train, y_test = load_cornn(function)
    out = Path(out)
    # Before the fit: a folder that cannot be made should not cost a search first.
    out.mkdir(parents=True, exist_ok=True)
    # One torch thread: the candidate networks are tiny, so a second thread gains little,
    # and it costs several times over when another program keeps the cores busy.
    params = {"n_jobs": 1, "random_state": random_state, **(_QUICK_PARAMS if quick else {})}
    reg = SWATRegressor(**params)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    print_fn(f"SWAT-NN demo: SWATRegressor({shown}) on the CORNN function {function!r}")
    print_fn(f"  {N_TRAIN} training and {N_TEST} test points, inputs and target scaled to [-1, 1]")

    start = time.perf_counter()
    reg.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    test_mse = float(np.mean((reg.predict(X_test) - y_test) ** 2))
    baseline = float(np.mean((y_test - y_train.mean()) ** 2))

    print_fn("")
    print_fn(reg.summary())
    print_fn("")
    print_fn(f"fit time:            {fit_seconds:.1f} s")
    print_fn(f"test MSE:            {test_mse:.3g}   (predicting the mean: {baseline:.3g})")
    print_fn(f"non-zero parameters: {reg.n_nonzero_}   "
             f"(a dense 2-7-7-1 MLP has {_DENSE_7_7_PARAMETERS})")

    network_png = out / "network.png"
    ax = reg.network_.plot(input_names=["x", "y"])
    for name in ax.texts:
        name.set_fontsize(12)
    # plot puts layer i at x = i and the output at y = 0.
    ax.text(reg.depth_ + 1.15, 0.0, "f(x, y)", ha="left", va="center", fontsize=12)
    ax.set_xlim(-0.6, reg.depth_ + 1.8)
    ax.set_title(f"SWATRegressor on {function}: {reg.n_nonzero_} non-zero parameters\n"
                 "red: positive weight, blue: negative; width: magnitude", fontsize=10)
    ax.figure.tight_layout()
    ax.figure.savefig(network_png, dpi=120)
    plt.close(ax.figure)

    surface_png = out / "surface.png"
    fig = plot_surface(reg, function, cornn_domain(function), y_train_raw_range(function))
    fig.savefig(surface_png, dpi=120)
    plt.close(fig)
    print_fn(f"wrote {network_png} (the network) and {surface_png} (true and fitted surface)")

    return {
        "function": function,
        "estimator": reg,
        "fit_seconds": fit_seconds,
        "test_mse": test_mse,
        "n_nonzero": int(reg.n_nonzero_),
        "network_png": network_png,
        "surface_png": surface_png,
    }


def y_train_raw_range(function: str) -> tuple[float, float]:
    """Minimum and maximum of the raw training targets: CORNN's target scaling."""
    from .datasets import load_cornn

    _, _, y_raw, _ = load_cornn(function, scaled=False)
    return float(y_raw.min()), float(y_raw.max())


def plot_surface(reg, function, domain, target_range, n_grid: int = 120):
    """Three panels over the function's domain: true (scaled) target, prediction, error."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm

    from .datasets import CORNN_FUNCTIONS

    (x_lo, x_hi), (y_lo, y_hi) = domain
    t_lo, t_hi = target_range
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, n_grid), np.linspace(y_lo, y_hi, n_grid))
    with np.errstate(invalid="ignore", divide="ignore"):
        truth = 2.0 * (CORNN_FUNCTIONS[function](gx, gy) - t_lo) / (t_hi - t_lo) - 1.0
    # The estimator was fitted on inputs scaled from the domain to [-1, 1].
    sx = 2.0 * (gx - x_lo) / (x_hi - x_lo) - 1.0
    sy = 2.0 * (gy - y_lo) / (y_hi - y_lo) - 1.0
    pred = reg.predict(np.c_[sx.ravel(), sy.ravel()]).reshape(gx.shape)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    # Colour levels at quantiles of the true surface: many CORNN functions are flat but for
    # steep corners, and evenly spaced levels would paint most of the domain one colour.
    # A function can be undefined at points of the grid (Keane at the origin, a corner of its
    # domain): those points are left blank.
    truth = np.ma.masked_invalid(truth)
    levels = np.unique(np.round(np.quantile(truth.compressed(), np.linspace(0, 1, 25)), 3))
    # The outer levels take in both surfaces whole: the quantiles are rounded, and a rounded
    # lowest quantile above the true minimum would leave the minimum's neighbourhood blank.
    levels[0] = min(levels[0], truth.min(), pred.min()) - 1e-9
    levels[-1] = max(levels[-1], truth.max(), pred.max()) + 1e-9
    norm = BoundaryNorm(levels, ncolors=256)
    for ax, values, title in ((axes[0], truth, f"{function}: true f(x, y), scaled"),
                              (axes[1], pred, "SWATRegressor prediction")):
        im = ax.contourf(gx, gy, values, levels=levels, norm=norm, cmap="viridis")
        ax.set_title(title, fontsize=10)
    cbar = fig.colorbar(im, ax=axes[:2], shrink=0.9, label="target, scaled (levels at its quantiles)")
    cbar.set_ticks(levels[::4])
    cbar.ax.set_yticklabels([f"{v:.2f}" for v in levels[::4]])
    err = np.abs(pred - truth)
    im = axes[2].contourf(gx, gy, err, levels=31, cmap="magma")
    axes[2].set_title(f"|prediction - true|, max {err.max():.2g}", fontsize=10)
    fig.colorbar(im, ax=axes[2], shrink=0.9)
    for ax in axes:
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_aspect((x_hi - x_lo) / (y_hi - y_lo))
    return fig
