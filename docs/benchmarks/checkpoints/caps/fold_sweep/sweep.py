"""Size caps 4 to 16 (and none) on two small targets, two seeds: the fitted network's size,
depth and held-out MSE, one CSV row per fit (the section "The size cap folds too" of
../../report.md).

Usage: ``PYTHONPATH=PACKAGE_COPY python sweep.py OUT.csv`` (one thread; about 5 minutes).
"""

import csv
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from sklearn_swat import SWATRegressor  # noqa: E402

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, (200, 2))
TARGETS = {
    "sin": np.sin(3 * X[:, 0]) + X[:, 1] ** 2,
    "prod": X[:, 0] * X[:, 1] + 0.3 * np.abs(X[:, 1]),
}

with open(sys.argv[1], "w", newline="") as fh:
    out = csv.writer(fh)
    out.writerow(["target", "seed", "cap", "n_nonzero", "depth", "validation_mse"])
    for name, y in TARGETS.items():
        for seed in (0, 1):
            for cap in [*range(4, 17), None]:
                reg = SWATRegressor(max_iter=20, polish_iter=20, n_restarts=1, random_state=seed,
                                    max_nonzero=cap).fit(X, y)
                c = reg.candidates_
                mse = float(c["validation_loss"][c["selected"]][0])
                out.writerow([name, seed, "" if cap is None else cap, reg.n_nonzero_, reg.network_.depth,
                              repr(mse)])
