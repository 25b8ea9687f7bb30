"""
==========================================
Fit a sparse network to a 2-D function
==========================================

``SWATRegressor`` searches the latent space of the bundled autoencoder for a small sparse
MLP that fits the data, then predicts with that network alone.
"""

# %%
# Data: a smooth function of two inputs.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor

from sklearn_swat import SWATRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-2, 2, size=(2000, 2))
y = np.sin(X[:, 0]) * X[:, 1] + 0.1 * X[:, 0] ** 2
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# Fit SWATRegressor and a dense MLP of the paper's size for comparison.
swat = SWATRegressor(random_state=0).fit(X_train, y_train)
mlp = MLPRegressor(hidden_layer_sizes=(7, 7), max_iter=2000, random_state=0).fit(
    X_train, y_train
)
print(swat.summary())
print(
    f"SWAT: test R^2 {swat.score(X_test, y_test):.3f} with {swat.n_nonzero_} non-zero parameters"
)
print(f"MLP:  test R^2 {mlp.score(X_test, y_test):.3f} with 85 parameters")

# %%
# The network that was found.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
swat.plot_network(ax=axes[0])
grid = np.linspace(-2, 2, 60)
gx, gy = np.meshgrid(grid, grid)
pred = swat.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
im = axes[1].contourf(gx, gy, pred, levels=30)
fig.colorbar(im, ax=axes[1])
axes[1].set_title("fitted surface")
fig.tight_layout()

# %%
plt.show()
