"""
==========================================
Grid search over sparsity
==========================================

``selection_tolerance`` is how much worse (relatively) than the best candidate a smaller
network may be: the selection keeps the smallest candidate within it, and the pruning goes
on while the held-out error stays within it. The larger it is, the smaller the network and
the larger the error. ``GridSearchCV`` finds the trade-off like for any scikit-learn
estimator; a second scorer records the size of each fold's network, and a custom ``refit``
picks the smallest network whose error is within 3 times the best.

(``alpha``, the weight of the latent descent's sparsity penalty, shrinks the decoded
candidates, but the polish and the pruning after the descent decide the final size: over
1e-4 to 1e-1 its effect on the fitted network is weak and not monotone.)

To keep the search fast (under half a minute) each of its fits is cut down: 1000 training
rows, 60 descent steps, 300 polish iterations, two restarts, depths 1 and 2. The chosen
``selection_tolerance`` is then fitted once with the default settings, which search longer.
"""

# %%
# The data: a CORNN function
# --------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from sklearn_swat import SWATRegressor
from sklearn_swat.datasets import load_cornn

X_train, X_test, y_train, y_test = load_cornn("McCormick")
X_train, y_train = X_train[:1000], y_train[:1000]

# n_jobs=1: one torch thread per fit. The networks are tiny, so a second thread gains
# little, and it can cost several times over on a machine that is busy with other work.
fast = dict(
    max_iter=60,
    polish_iter=300,
    n_restarts=2,
    depths=(1, 2),
    n_jobs=1,
    random_state=0,
)


# %%
# The search
# ----------
# Two scorers: the (negated) MSE, and the number of non-zero parameters of the fold's
# network (a scorer is any ``callable(estimator, X, y)``).
def n_nonzero(estimator, X, y):
    return estimator.n_nonzero_


def smallest_close_to_best(cv_results, margin=3.0):
    """The index of the smallest network whose mean CV MSE is within ``margin`` x the best."""
    mse = -np.asarray(cv_results["mean_test_mse"])
    size = np.asarray(cv_results["mean_test_n_nonzero"])
    ok = np.flatnonzero(mse <= margin * mse.min())
    return int(ok[np.argmin(size[ok])])


search = GridSearchCV(
    SWATRegressor(**fast),
    param_grid={"selection_tolerance": [0.0, 0.2, 0.5, 1.0, 3.0, 10.0]},
    scoring={"mse": "neg_mean_squared_error", "n_nonzero": n_nonzero},
    refit=smallest_close_to_best,
    cv=3,
)
search.fit(X_train, y_train)

table = pd.DataFrame(
    {
        "selection_tolerance": search.cv_results_["param_selection_tolerance"],
        "CV MSE": -search.cv_results_["mean_test_mse"],
        "non-zeros": search.cv_results_["mean_test_n_nonzero"],
    }
)
table

# %%
# The trade-off
# -------------
fig, ax1 = plt.subplots(figsize=(6.5, 4))
ax1.plot(table["selection_tolerance"], table["CV MSE"], "o-", color="tab:blue")
ax1.set_xscale("symlog", linthresh=0.1)
ax1.set_yscale("log")
ax1.set_xlabel("selection_tolerance")
ax1.set_ylabel("mean CV MSE", color="tab:blue")
ax2 = ax1.twinx()
ax2.plot(table["selection_tolerance"], table["non-zeros"], "s--", color="tab:red")
ax2.set_ylabel("mean non-zero parameters", color="tab:red")
ax2.set_ylim(0, None)
chosen = search.best_params_["selection_tolerance"]
ax1.axvline(chosen, color="grey", lw=0.8)
ax1.set_title(f"chosen: selection_tolerance={chosen:g}")
fig.tight_layout()

# %%
# The chosen tolerance, with the full search
# ------------------------------------------
# ``search.best_estimator_`` is the cut-down fit refitted on all 1000 rows. One cut-down fit
# varies a lot from seed to seed (the cross-validated means above average three of them), so
# the final model is fitted with the default search settings, which are steadier, on all the
# training rows. Its size need not match the cut-down fits' sizes above: the full search
# polishes longer and searches four depths rather than two, and the chosen
# ``selection_tolerance`` is only what it shares with them. On McCormick the full search
# returns a much smaller network at the chosen tolerance (10 on the machine that built these
# pages) than at the default 0.2: 9 non-zeros, one hidden layer, against the 24 of the
# demo in :doc:`/getting_started`, for a test MSE about 0.001 against the demo's 2.8e-06.
# How far the tolerance moves a full fit depends on the function.
X_full, _, y_full, _ = load_cornn("McCormick")
final = SWATRegressor(selection_tolerance=chosen, n_jobs=1, random_state=0)
final.fit(X_full, y_full)
print(final.summary())
print(
    f"test MSE {np.mean((final.predict(X_test) - y_test) ** 2):.3g} "
    f"with {final.n_nonzero_} non-zero parameters"
)

# %%
# Other parameters that trade error for size: ``target_error`` (an error that is enough,
# as a share of the target's variance), ``max_nonzero`` (a hard cap) and ``depths``.
# ``GridSearchCV(n_jobs=2)`` runs two fits at once; leave the estimator's ``n_jobs=None``
# there and each fit uses one torch thread.
plt.show()
