"""
==========================================
Export the fitted network to torch
==========================================

``predict`` runs the fitted sparse network in numpy, without torch. ``export_torch()``
hands the same network over as a plain :class:`torch.nn.Module`, with the input scaling and
the mapping back to the target's scale inside it: use it in a torch program, differentiate
it, fine-tune it, or save it with :func:`torch.export.export` as a file that loads without
sklearn-swat.

The example takes about ten seconds on a two-core CPU.
"""

# %%
# Fit
# ---
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_swat import SWATRegressor

rng = np.random.RandomState(0)
X = rng.uniform(-2, 2, size=(2000, 2))
y = np.sin(X[:, 0]) * X[:, 1] + 0.1 * X[:, 0] ** 2
reg = SWATRegressor(n_jobs=1, random_state=0).fit(X, y)
print(reg.summary())

# %%
# Export: the same predictions
# ----------------------------
# In float64 the module matches ``predict`` to rounding error; the default float32 to about
# 1e-5 relative.
module = reg.export_torch(dtype=torch.float64)
print(module)
with torch.no_grad():
    out = module(torch.as_tensor(X)).numpy()
print(f"largest difference from predict: {np.abs(out - reg.predict(X)).max():.2e}")
# The module holds the compacted network: switched-off neurons are left out, and what
# remains is stored as dense matrices in which the pruned weights are zeros.
n_params = sum(p.numel() for p in module.parameters())
print(
    f"{n_params} weights and biases in the module, {reg.n_nonzero_} of them non-zero"
)

# %%
# Differentiate it
# ----------------
# Any torch code can use the module: here autograd gives the gradient of the fitted
# function, drawn as arrows over its surface.
grid = np.linspace(-2, 2, 15)
gx, gy = np.meshgrid(grid, grid)
points = torch.tensor(np.c_[gx.ravel(), gy.ravel()], requires_grad=True)
module(points).sum().backward()
grad = points.grad.numpy()

fine = np.linspace(-2, 2, 80)
fx, fy = np.meshgrid(fine, fine)
surface = reg.predict(np.c_[fx.ravel(), fy.ravel()]).reshape(fx.shape)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
im = ax.contourf(fx, fy, surface, levels=30, cmap="viridis")
ax.quiver(
    gx,
    gy,
    grad[:, 0].reshape(gx.shape),
    grad[:, 1].reshape(gx.shape),
    color="white",
)
fig.colorbar(im, ax=ax, label="fitted f(x1, x2)")
ax.set_xlabel("x1")
ax.set_ylabel("x2")
ax.set_title("fitted function and its gradient (torch autograd)", fontsize=10)
fig.tight_layout()

# %%
# Fine-tune it, keeping the zeros
# -------------------------------
# The data drift: the target gains a term. A few Adam steps on the exported module adapt
# it; the weights that SWAT pruned are held at zero by masking their gradients, so the
# network stays as sparse as it was.
# A network this small trains fastest on one torch thread: more threads cost more in
# synchronisation than they save (measured: 300 steps in 0.24 s on one thread, 20 s on two
# of two cores that another process was also using).
torch.set_num_threads(1)
y_new = y + 0.3 * X[:, 1]
X_t, y_t = torch.as_tensor(X), torch.as_tensor(y_new)
masks = {
    name: (p != 0).to(p.dtype)
    for name, p in module.named_parameters()
    if p.dim() == 2
}
optimizer = torch.optim.Adam(module.parameters(), lr=0.01)


def mse():
    with torch.no_grad():
        return float(((module(X_t) - y_t) ** 2).mean())


n_zero = sum(int((m == 0).sum()) for m in masks.values())
print(f"{n_zero} pruned weights held at zero")
print(f"MSE on the drifted target before fine-tuning: {mse():.4f}")
for _ in range(300):
    optimizer.zero_grad()
    loss = ((module(X_t) - y_t) ** 2).mean()
    loss.backward()
    for name, p in module.named_parameters():
        if name in masks:
            p.grad *= masks[name]
    optimizer.step()
print(f"after 300 steps: {mse():.4f}")
still_zero = all(
    bool((p[masks[n] == 0] == 0).all())
    for n, p in module.named_parameters()
    if n in masks
)
print(f"pruned weights still zero: {still_zero}")

# %%
# Save it as a standalone program
# -------------------------------
# :func:`torch.export.export` traces the module (the batch size left free); the saved file
# loads with torch alone.
exported = torch.export.export(
    module, (X_t[:4],), dynamic_shapes=({0: torch.export.Dim("batch")},)
)
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "swat_network.pt2"
    torch.export.save(exported, path)
    loaded = torch.export.load(path).module()
    with torch.no_grad():
        same = torch.allclose(loaded(X_t), module(X_t))
    print(
        f"{path.name}: {path.stat().st_size} bytes; same outputs after loading: {same}"
    )

# %%
plt.show()
