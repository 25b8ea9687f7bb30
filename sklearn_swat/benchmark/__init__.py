"""The CORNN benchmark: run estimators on the 54 data sets, then report.

Command line::

    python -m sklearn_swat.benchmark cornn --out DIR [--datasets ...] [--estimators ...]
        [--seeds 0 1 ...] [--data-home PATH] [--n-jobs N] [--scheduler ADDRESS]
    python -m sklearn_swat.benchmark report DIR

The same from Python: :func:`run_benchmark` and :func:`write_report`. The
estimators are built by name from a registry (:func:`make_estimator`), so
other code can reuse exactly the benchmark's settings.
"""

from ._pruned_mlp import PrunedMLPRegressor
from ._registry import (
    ESTIMATORS,
    BenchmarkError,
    EstimatorSpec,
    estimator_names,
    make_estimator,
    network_size,
)
from ._report import MSE_TOLERANCE, Summary, WinRate, summarize, write_report
from ._runner import COLUMNS, BenchmarkRun, append_results, fit_row, read_results, run_benchmark

__all__ = [
    "COLUMNS",
    "ESTIMATORS",
    "MSE_TOLERANCE",
    "BenchmarkError",
    "BenchmarkRun",
    "EstimatorSpec",
    "PrunedMLPRegressor",
    "Summary",
    "WinRate",
    "append_results",
    "estimator_names",
    "fit_row",
    "make_estimator",
    "network_size",
    "read_results",
    "run_benchmark",
    "summarize",
    "write_report",
]
