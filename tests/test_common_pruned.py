"""scikit-learn's API checks for the benchmark's PrunedMLPRegressor, with few steps so that they run fast.

It is a rival in the benchmark, not part of the public API, but it is used as an estimator there
(cloned, fitted in parallel, in pipelines): the checks hold it to the same contract.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_swat.benchmark._pruned_mlp import PrunedMLPRegressor


@parametrize_with_checks(
    [PrunedMLPRegressor(n_nonzero=40, max_iter=5, retrain_iter=5, polish_iter=20, random_state=0)]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
