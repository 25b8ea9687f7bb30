"""
==============================================================
Compare SWATRegressor, DARTSADMMRegressor and MLPRegressor
==============================================================

Three ways to fit a small network to a 2-D function, on three functions of the CORNN
benchmark:

- :class:`~sklearn_swat.SWATRegressor`: the architecture, the activations, the pruned
  weights and their values found together, by gradient descent in the latent space of a
  pretrained autoencoder of networks;
- :class:`~sklearn_swat.DARTSADMMRegressor`: the paper's baseline, a fixed 2-7-7-1 network
  whose activations are chosen by DARTS, then pruned to half its weights by ADMM and
  retrained (and polished by L-BFGS, as SWAT's networks are);
- :class:`sklearn.neural_network.MLPRegressor` with two hidden layers of 7, the dense network
  a user would pick, with 85 parameters.

All three use their default settings (one thread each), except the MLP's ``max_iter=2000``
(the benchmark's; it stops earlier by its tolerance). Each SWATRegressor fit takes ten to
fifteen seconds, the others a few; the whole example about a minute on a two-core CPU. The
full benchmark on all 54 functions is in the :doc:`benchmark report </benchmarks/report>`.
"""

# %%
# The data
# --------
# :func:`~sklearn_swat.datasets.load_cornn` generates each data set from the function's
# closed form, as CORNN samples it: 3750 training and 1250 test points, inputs and target
# scaled to [-1, 1]. The test MSE below is on that scale.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.neural_network import MLPRegressor

from sklearn_swat import DARTSADMMRegressor, SWATRegressor
from sklearn_swat.datasets import load_cornn

functions = ["McCormick", "Ackley", "Styblinski-Tang"]
# n_jobs=1: one torch thread per fit (DARTSADMMRegressor's default). The networks are tiny,
# so a second thread gains little, and it can cost several times over on a busy machine.
estimators = {
    "SWATRegressor": lambda: SWATRegressor(n_jobs=1, random_state=0),
    "DARTSADMMRegressor": lambda: DARTSADMMRegressor(n_jobs=1, random_state=0),
    "MLPRegressor(7, 7)": lambda: MLPRegressor(
        hidden_layer_sizes=(7, 7), max_iter=2000, random_state=0
    ),
}


def n_nonzero(est):
    """Non-zero weights and biases; for the dense MLP, all of them."""
    if hasattr(est, "n_nonzero_"):
        return est.n_nonzero_
    return int(sum(np.count_nonzero(w) for w in est.coefs_ + est.intercepts_))


# %%
# Fit every estimator on every function
# -------------------------------------
rows = []
for function in functions:
    X_train, X_test, y_train, y_test = load_cornn(function)
    for name, make in estimators.items():
        start = time.perf_counter()
        est = make().fit(X_train, y_train)
        rows.append(
            {
                "function": function,
                "estimator": name,
                "test MSE": float(np.mean((est.predict(X_test) - y_test) ** 2)),
                "non-zeros": n_nonzero(est),
                "fit seconds": round(time.perf_counter() - start, 1),
            }
        )
results = pd.DataFrame(rows)
results

# %%
# Error against size
# ------------------
# Lower and further left is better: as accurate with fewer parameters.
fig, ax = plt.subplots(figsize=(7, 4.5))
markers = {
    "SWATRegressor": "o",
    "DARTSADMMRegressor": "s",
    "MLPRegressor(7, 7)": "^",
}
colors = dict(zip(functions, ["tab:blue", "tab:orange", "tab:green"]))
for row in rows:
    ax.scatter(
        row["non-zeros"],
        row["test MSE"],
        marker=markers[row["estimator"]],
        color=colors[row["function"]],
        s=70,
        edgecolors="k",
    )
for name, marker in markers.items():
    ax.scatter([], [], marker=marker, color="white", edgecolors="k", label=name)
for function, color in colors.items():
    ax.scatter([], [], marker="o", color=color, label=function)
ax.set_xlim(0, 90)
ax.set_yscale("log")
ax.set_xlabel("non-zero parameters")
ax.set_ylabel("test MSE (target scaled to [-1, 1])")
ax.legend(fontsize=8, ncol=2, loc="lower right")
ax.set_title("Three CORNN functions: error against network size")
fig.tight_layout()

# %%
# What the table says
# -------------------
# Both sparse estimators are more accurate than the dense MLP with fewer parameters:
# ``MLPRegressor`` with its default tolerance stops early on these functions. How many fewer
# depends on the function and, for the greedy pruning, even on the CPU's last bits (see
# :doc:`/guarantees`, "Determinism"). ``SWATRegressor``'s networks are the smaller of the
# two sparse estimators' on all three functions; on McCormick it is also the more accurate,
# on Ackley as accurate, and on Styblinski-Tang ``DARTSADMMRegressor``'s network, four and a
# half times larger, is far more accurate (on the machine that built these pages). Smaller at some cost
# in error is the usual outcome: the :doc:`54-function report </benchmarks/report>` counts
# how often each side wins, and the :doc:`guide </swat_regressor>` says how to trade error
# for size (``selection_tolerance``, ``alpha``, ``polish_iter``).
results.groupby("estimator")[["test MSE", "non-zeros", "fit seconds"]].median()

# %%
plt.show()
