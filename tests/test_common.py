"""scikit-learn's estimator checks on SWATRegressor, in a cheap configuration."""

import pytest
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_swat import SWATRegressor
from sklearn_swat._autoencoder import AutoencoderConfig
from sklearn_swat._checkpoints import save_checkpoint, untrained_autoencoder

# A short search keeps each of the ~50 checks fast; the checks test the API,
# not the quality of the fit.
FAST = dict(max_iter=8, polish_iter=8, n_restarts=1, depths=(1, 2), random_state=0)

EXPECTED_FAILED_CHECKS = {
    # These checks build X with 10 or 30 features; the bundled autoencoders
    # hold networks of at most 8 inputs and SWATRegressor refuses more with
    # an error suggesting a PCA pipeline (tests/test_swat.py tests that).
    # All but the first run below on an autoencoder of 10 inputs.
    # With fewer features the first would fail too: a weight of k is not k
    # copies of a row, since the held-out split and the mini-batches draw rows
    # (as for SGDRegressor); a weight of 0 is no row, tested in test_swat.py.
    "check_sample_weight_equivalence_on_dense_data": "30 features > 8; integer weights are not copies",
    "check_dtype_object": "10 features > 8",
    "check_regressor_data_not_an_array": "10 features > 8",
    "check_regressors_int": "10 features > 8",
    "check_regressors_train": "10 features > 8",
}


@parametrize_with_checks(
    [SWATRegressor(**FAST)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def wide_checkpoint(tmp_path_factory):
    """A small untrained autoencoder of networks with up to 10 inputs, saved as a user's own."""
    config = AutoencoderConfig(
        width=10, max_inputs=10, variable_inputs=True, d_model=16, n_heads=2,
        encoder_layers=1, decoder_layers=1, dim_feedforward=32,
    )
    folder = tmp_path_factory.mktemp("checkpoint")
    return str(save_checkpoint(untrained_autoencoder(config, seed=0), "wide", folder))


@pytest.mark.parametrize(
    "check, kwargs",
    [
        ("check_dtype_object", {}),
        ("check_regressor_data_not_an_array", {}),
        ("check_regressors_int", {}),
        # check_estimator runs this one three times: as is, on read-only memmaps, and on
        # read-only memmaps in float32.
        ("check_regressors_train", {}),
        ("check_regressors_train", {"readonly_memmap": True}),
        ("check_regressors_train", {"readonly_memmap": True, "X_dtype": "float32"}),
    ],
)
def test_checks_of_ten_features_on_an_autoencoder_that_takes_them(wide_checkpoint, check, kwargs):
    """The checks the bundled autoencoders cannot take (10 features), on one that can.

    ``check_regressors_train`` asks for R^2 > 0.5 with ``alpha=0.01``: 50
    polish iterations give 0.8 where 8 leave the constant network.
    """
    estimator = SWATRegressor(autoencoder=wide_checkpoint, **dict(FAST, polish_iter=50))
    getattr(estimator_checks, check)("SWATRegressor", estimator, **kwargs)


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
