"""scikit-learn's estimator checks on SWATRegressor, in a cheap configuration."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_swat import SWATRegressor

# A short search keeps each of the ~50 checks fast; the checks test the API,
# not the quality of the fit.
FAST = dict(max_iter=8, polish_iter=8, n_restarts=1, depths=(1, 2), random_state=0)

EXPECTED_FAILED_CHECKS = {
    # This check builds X with 30 features; the bundled autoencoders hold
    # networks of at most 16 inputs and SWATRegressor refuses more with an
    # error suggesting a feature selection or a PCA (tests/test_swat.py tests that). With
    # fewer features it would fail too: a weight of k is not k copies of a
    # row, since the held-out split and the mini-batches draw rows (as for
    # SGDRegressor); a weight of 0 is no row, tested in test_swat.py.
    "check_sample_weight_equivalence_on_dense_data": "30 features > 16; integer weights are not copies",
}


# The checks that build X with 10 features (check_dtype_object,
# check_regressor_data_not_an_array, check_regressors_int and the three runs of
# check_regressors_train) search the bundled "wide" space.
@parametrize_with_checks(
    [SWATRegressor(**FAST)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", ["SWATRegressor", "DARTSADMMRegressor", "PrunedMLPRegressor"])
def test_docstring_states_every_default(name):
    """Each parameter's ``default=`` in the class docstring is the one ``__init__`` takes (a
    changed default that the documentation does not follow is a failure)."""
    import ast
    import inspect
    import re

    import sklearn_swat
    from sklearn_swat import benchmark

    cls = getattr(sklearn_swat, name, None) or getattr(benchmark, name)
    documented = dict(re.findall(r"^(\w+) : [^\n]*?default=([^\n]+)$", inspect.getdoc(cls), re.M))
    for param, spec in inspect.signature(cls).parameters.items():
        assert param in documented, f"{name}: {param} has no 'default=' in the docstring"
        value = ast.literal_eval(documented[param])
        assert (value, type(value)) == (spec.default, type(spec.default)), (param, documented[param])
