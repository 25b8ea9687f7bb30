"""scikit-learn's API checks for DARTSADMMRegressor, with few epochs so that they run fast."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_swat import DARTSADMMRegressor


@parametrize_with_checks(
    [
        DARTSADMMRegressor(
            search_epochs=3, admm_epochs=3, retrain_epochs=15, batch_size=32, lr=0.05, random_state=0
        )
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
