"""
==============================================
Which features does the network read?
==============================================

A sparse network reads only the features that have a path of non-zero weights to its
output; its predictions do not depend on the others. ``used_features_`` gives them as a
boolean mask, and ``summary()`` names them. On Friedman #1 with ten features, of which the
target uses the first five, :class:`~sklearn_swat.SWATRegressor` searches the ``wide``
latent space (up to 16 features) and is compared with
:class:`~sklearn_swat.DARTSADMMRegressor`, whose network of fixed shape is pruned by
weight magnitude.

The example takes about a minute on a two-core CPU.
"""

# %%
# Data: ten features, five of them used by the target
# ----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import make_friedman1
from sklearn.model_selection import train_test_split

from sklearn_swat import DARTSADMMRegressor, SWATRegressor

X, y = make_friedman1(n_samples=3000, n_features=10, noise=0.0, random_state=0)
X = pd.DataFrame(X, columns=[f"f{j}" for j in range(10)])
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
informative = np.arange(10) < 5  # Friedman #1 uses f0 to f4

# %%
# Fit both estimators
# -------------------
swat = SWATRegressor(random_state=0).fit(X_train, y_train)
darts = DARTSADMMRegressor(random_state=0).fit(X_train, y_train)
print(swat.summary())
for name, reg in [("SWAT", swat), ("DARTS+ADMM", darts)]:
    read = reg.feature_names_in_[reg.used_features_]
    print(
        f"{name}: test R^2 {reg.score(X_test, y_test):.4f}, {reg.n_nonzero_} non-zero "
        f"parameters, reads {len(read)} features: {', '.join(read)}"
    )

# %%
# The predictions ignore the features the network does not read: shuffling them
# changes nothing.
rng = np.random.RandomState(1)
shuffled = X_test.copy()
for column in X_test.columns[~swat.used_features_]:
    shuffled[column] = rng.permutation(shuffled[column].to_numpy())
print("SWAT predictions unchanged:", np.array_equal(swat.predict(shuffled), swat.predict(X_test)))

# %%
# Which features each network reads
# ---------------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), gridspec_kw={"width_ratios": [1, 1.3]})
positions = np.arange(10)
for offset, (name, reg) in zip((-0.2, 0.2), [("SWAT", swat), ("DARTS+ADMM", darts)]):
    axes[0].bar(positions + offset, reg.used_features_.astype(int), width=0.4, label=name)
axes[0].axvspan(-0.5, 4.5, color="0.9", zorder=0, label="used by the target")
axes[0].set_xticks(positions, X.columns)
axes[0].set_yticks([0, 1], ["not read", "read"])
axes[0].set_title("features read")
axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize="small")
swat.plot_network(ax=axes[1])
fig.tight_layout()

# %%
plt.show()
