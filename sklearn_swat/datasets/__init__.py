"""Benchmark data sets: the CORNN regression suite of 54 classic 2-D functions."""

from ._cornn import CORNN_FUNCTIONS, cornn_domain, cornn_names, load_cornn

__all__ = ["CORNN_FUNCTIONS", "cornn_domain", "cornn_names", "load_cornn"]
