"""
==============================================
More than 16 features: a PCA pipeline
==============================================

The bundled autoencoders hold networks of at most 16 inputs (``"cornn"``: 2, ``"general"``:
up to 8, ``"wide"``: up to 16), so :class:`~sklearn_swat.SWATRegressor` refuses wider data
with a message that says what to do. Many wide data sets have few underlying directions; a
:class:`~sklearn.decomposition.PCA` in a :class:`~sklearn.pipeline.Pipeline` finds them, and
the sparse network is searched on those. Where only some of the features matter instead, a
feature selection (:class:`~sklearn.feature_selection.SelectKBest` with
:func:`~sklearn.feature_selection.mutual_info_regression`) keeps them as they are, and a PCA
can lose them (``benchmarks/beyond_16.py``).

The example takes about ten seconds on a two-core CPU.
"""

# %%
# Data: 20 correlated features driven by 3 hidden factors
# -------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_swat import SWATRegressor

rng = np.random.RandomState(0)
factors = rng.uniform(-1, 1, size=(2500, 3))
mixing = rng.normal(size=(3, 20))
X = factors @ mixing + 0.05 * rng.normal(size=(2500, 20))
y = (
    np.sin(2 * factors[:, 0])
    + factors[:, 1] * factors[:, 2]
    + 0.02 * rng.normal(size=2500)
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
print(X_train.shape)

# %%
# Without a reduction, a clear error
# ----------------------------------
try:
    SWATRegressor().fit(X_train, y_train)
except ValueError as exc:
    print(exc)

# %%
# The pipeline
# ------------
# Scale, keep 5 principal components (at most 16), search a sparse network on them. The
# 5-input network is searched in the ``"general"`` autoencoder's latent space, chosen by
# ``autoencoder="auto"``. ``n_jobs=1``: one torch thread, plenty for networks this small.
swat = make_pipeline(
    StandardScaler(), PCA(n_components=5), SWATRegressor(n_jobs=1, random_state=0)
)
swat.fit(X_train, y_train)
pca, reg = swat[1], swat[-1]
print(
    f"share of variance per component: {np.round(pca.explained_variance_ratio_, 3)}"
)
print(f"autoencoder searched: {reg.autoencoder_!r}")
print(reg.summary())

# %%
# The same pipeline with a dense MLP of similar width, for comparison.
mlp = make_pipeline(
    StandardScaler(),
    PCA(n_components=5),
    MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000, random_state=0),
)
mlp.fit(X_train, y_train)
n_mlp = sum(w.size for w in mlp[-1].coefs_ + mlp[-1].intercepts_)
print(
    f"SWAT pipeline: test R^2 {swat.score(X_test, y_test):.3f} with {reg.n_nonzero_} non-zero parameters"
)
print(
    f"MLP pipeline:  test R^2 {mlp.score(X_test, y_test):.3f} with {n_mlp} parameters"
)

# %%
# Predicted against true values on the test rows
# ----------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharex=True, sharey=True)
for ax, model, title in (
    (axes[0], swat, f"SWAT pipeline ({reg.n_nonzero_} non-zeros)"),
    (axes[1], mlp, f"MLP pipeline ({n_mlp} parameters)"),
):
    ax.scatter(y_test, model.predict(X_test), s=6, alpha=0.5)
    lims = [y_test.min(), y_test.max()]
    ax.plot(lims, lims, color="k", lw=0.8)
    ax.set_title(f"{title}: R^2 {model.score(X_test, y_test):.3f}", fontsize=10)
    ax.set_xlabel("true y")
axes[0].set_ylabel("predicted y")
fig.tight_layout()

# %%
# The first three components carry nearly all the variance here, since the features were
# made from three factors; keeping two more costs the search little. On real data, choose
# ``n_components`` by cross-validation like any other parameter of the pipeline
# (``GridSearchCV(pipe, {"pca__n_components": [3, 5, 8]})``).
plt.show()
