"""Property-based tests (hypothesis, part of the test extra): any shape and scale within the
family fits. In a file of their own, so that without hypothesis only these skip."""

import numpy as np
import pytest

from sklearn_swat import SWATRegressor

pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    n_samples=st.integers(2, 40),
    n_features=st.integers(1, 8),
    x_exp=st.integers(-8, 8),
    y_exp=st.integers(-8, 8),
    seed=st.integers(0, 2**16),
)
def test_any_shape_and_scale_fits_to_finite_predictions(n_samples, n_features, x_exp, y_exp, seed):
    """Property: every shape within the family and every scale gives a finite, in-range fit."""
    r = np.random.RandomState(seed)
    Xh = r.normal(size=(n_samples, n_features)) * 10.0**x_exp
    yh = r.normal(size=n_samples) * 10.0**y_exp
    est = SWATRegressor(max_iter=10, polish_iter=10, n_restarts=1, depths=(1, 2), random_state=0).fit(Xh, yh)
    pred = est.predict(Xh)
    assert np.all(np.isfinite(pred))
    # Predictions of a fitted network stay within a generous band around the target's range.
    span = np.ptp(yh) + 10.0**y_exp
    assert np.all(np.abs(pred - yh.mean()) <= 1e3 * span)
