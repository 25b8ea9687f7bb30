"""CI: the package as a user installs it, from its wheel, outside the source tree.

Run with the wheel's contents first on ``PYTHONPATH`` and a working directory outside
the clone: the checkpoints and ``py.typed`` are in the wheel, and a fit works from it.
"""

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

import sklearn_swat
from sklearn_swat import SWATRegressor, list_checkpoints, load_autoencoder

site = Path(sys.argv[1]).resolve()
package = Path(sklearn_swat.__file__).resolve().parent
assert package.parent == site, f"imported {package}, not the wheel's copy under {site}"
assert sorted(list_checkpoints()) == ["cornn", "general", "wide"], sorted(list_checkpoints())
for name in ("cornn", "general", "wide"):
    load_autoencoder(name)  # its sha256 checked against the description
assert (package / "py.typed").is_file(), "py.typed is missing from the wheel"
# The version is written once, in __init__.py; the wheel's metadata takes it from there.
wheel_version = version("sklearn-swat")
assert wheel_version == sklearn_swat.__version__, (wheel_version, sklearn_swat.__version__)

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(200, 2))
y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
reg = SWATRegressor(max_iter=30, n_restarts=2, polish_iter=20, depths=(1, 2), random_state=0).fit(X, y)
assert reg.score(X, y) > 0.5, reg.score(X, y)
print(f"wheel check: {package} fits (R^2 {reg.score(X, y):.3f}, {reg.n_nonzero_} non-zeros)")
