"""Peak memory of a SWATRegressor fit on 1,000,000 rows x 8 features.

Prints the process's peak resident memory before the fit (data made and
packages loaded: the reference) and after it, and the fit's wall time.

Usage::

    python benchmarks/bench_memory.py [--n-samples 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from sklearn_swat import SWATRegressor


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=1_000_000,
                        help="rows of the 8-feature problem (default: %(default)s)")
    args = parser.parse_args()
    if args.n_samples < 2:
        parser.error(f"--n-samples must be at least 2 (rows to fit); got {args.n_samples}")
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(args.n_samples, 8))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] - 0.5 * X[:, 3]
    before = peak_mb()
    t0 = time.perf_counter()
    reg = SWATRegressor(random_state=0).fit(X, y)
    seconds = time.perf_counter() - t0
    after = peak_mb()
    print(f"data: {X.nbytes / 2**20:.0f} MB float64; fit {seconds:.1f} s; R^2 {reg.score(X, y):.3f}")
    print(f"peak RSS before fit {before:8.0f} MB (reference: data + imports)")
    print(f"peak RSS after fit  {after:8.0f} MB; the fit added {after - before:.0f} MB")


if __name__ == "__main__":
    main()
