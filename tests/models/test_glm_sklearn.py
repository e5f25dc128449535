"""The pricing GLMs follow scikit-learn's estimator conventions.

clone / get_params / set_params, ``check_is_fitted``, ``fit`` returning self,
Pipelines with exposure passed by metadata routing, and ``cross_validate`` /
``GridSearchCV`` agreeing with a hand-written fold loop.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
import sklearn
from _glm_reference import limits
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from autorisk.datasets import synthetic_book
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM

FACTORS = ["region", "use", "driver_age"]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():  # OpenMP/BLAS threads only slow these fits down on a busy 2-core machine
        yield


@pytest.fixture(scope="module")
def book():
    policies, claims, _ = synthetic_book(6_000, 2, seed=7)
    policies = policies.reset_index(drop=True)
    # TPL claims per policy period (periods of one policy do not overlap)
    tpl = claims[claims["coverage"] == "tpl"]
    rows = tpl.merge(
        policies[["policy_id", "period_start", "period_end"]].reset_index(), on="policy_id"
    ).query("period_start <= occurrence_date < period_end")
    assert len(rows) == len(tpl)
    y = pd.Series(np.bincount(rows["index"], minlength=len(policies)), index=policies.index)
    amount = pd.Series(np.bincount(rows["index"], weights=rows["ultimate"], minlength=len(policies)))
    return policies, y, policies["exposure"], amount


def _every_option():
    return dict(
        factors=["region", "use", "driver_age", "vehicle_age"],
        base_levels={"region": "Beijing"},
        bands={"driver_age": [25, 30, 45, 60]},
        n_bands=4,
        splines={"vehicle_age": 3},
        interactions=[("region", "use")],
        groups={"region": {"Henan": "Henan+Sichuan", "Sichuan": "Henan+Sichuan"}},
        restrict={"channel": {"agent": 1.0, "dealer": 0.9, "direct": 1.0, "online": 1.1}},
        unseen="base",
        missing="level",
        tol=1e-9,
        max_iter=50,
    )


@pytest.mark.parametrize(
    "estimator",
    [
        FrequencyGLM(**_every_option(), overdispersion="quasi"),
        SeverityGLM(**_every_option(), family="inverse_gaussian"),
        TweedieGLM(**_every_option(), power=1.7, power_grid=(1.4, 1.7)),
    ],
    ids=["frequency", "severity", "tweedie"],
)
def test_clone_round_trip(estimator):
    copy = clone(estimator)
    assert type(copy) is type(estimator) and copy is not estimator
    assert copy.get_params() == estimator.get_params()
    # every constructor argument is a parameter, stored as given
    names = [p for p in inspect.signature(type(estimator).__init__).parameters if p != "self"]
    assert sorted(estimator.get_params()) == sorted(names)
    assert copy.set_params(n_bands=7) is copy and copy.n_bands == 7 and estimator.n_bands == 4
    assert repr(estimator).startswith(type(estimator).__name__)


def test_fit_returns_self_and_check_is_fitted(book):
    policies, y, exposure, amount = book
    X = policies[FACTORS]
    for model, fit in [
        (FrequencyGLM(bands={"driver_age": "quantile"}), lambda m: m.fit(X, y, exposure=exposure)),
        (SeverityGLM(bands={"driver_age": "quantile"}), lambda m: m.fit(X, amount, claim_count=y)),
        (TweedieGLM(bands={"driver_age": "quantile"}), lambda m: m.fit(X, amount, exposure=exposure)),
    ]:
        with pytest.raises(NotFittedError):
            check_is_fitted(model)
        with pytest.raises(NotFittedError):
            model.predict(X)
        assert fit(model) is model
        check_is_fitted(model)
        assert model.n_features_in_ == 3 and list(model.feature_names_in_) == FACTORS
        # a clone of a fitted model is unfitted and shares nothing fitted
        copy = clone(model)
        with pytest.raises(NotFittedError):
            check_is_fitted(copy)
        assert not hasattr(copy, "params_")


def test_pipeline_routes_exposure(book):
    policies, y, exposure, _ = book
    select = FunctionTransformer(lambda frame: frame[FACTORS])
    direct = FrequencyGLM(bands={"driver_age": "quantile"}).fit(policies[FACTORS], y, exposure=exposure)
    with sklearn.config_context(enable_metadata_routing=True):
        glm = FrequencyGLM(bands={"driver_age": "quantile"}).set_fit_request(exposure=True)
        pipe = make_pipeline(select, glm)
        assert pipe.fit(policies, y, exposure=exposure) is pipe
        pd.testing.assert_series_equal(pipe[-1].params_, direct.params_)
        np.testing.assert_array_equal(pipe.predict(policies), direct.predict(policies[FACTORS]))
        # without the request, routing refuses the exposure instead of dropping it
        with pytest.raises((TypeError, ValueError)):
            make_pipeline(select, FrequencyGLM()).fit(policies, y, exposure=exposure)


def _manual_scores(estimator, X, y, exposure, cv):
    scores = []
    for train, test in cv.split(X):
        model = clone(estimator).fit(X.iloc[train], y.iloc[train], exposure=exposure.iloc[train])
        scores.append(model.score(X.iloc[test], y.iloc[test], exposure=exposure.iloc[test]))
    return np.array(scores)


def test_score_is_d2_with_the_exposure_offset(book):
    policies, y, exposure, _ = book
    X = policies[FACTORS]
    model = FrequencyGLM(bands={"driver_age": "quantile"}).fit(X, y, exposure=exposure)
    # on the training data the score is the summary's D^2 = 1 - deviance / null deviance
    np.testing.assert_allclose(model.score(X, y, exposure=exposure), 1 - model.deviance_ / model.null_deviance_, rtol=1e-10)
    # and an independent D^2: Poisson deviance of the fit against the constant-frequency model
    mu = model.predict(X, exposure)
    null = exposure * y.sum() / exposure.sum()
    expected = 1 - mean_poisson_deviance(y, mu) / mean_poisson_deviance(y, null)
    np.testing.assert_allclose(model.score(X, y, exposure=exposure), expected, rtol=1e-10)


def test_cross_validate_equals_manual_folds(book):
    policies, y, exposure, _ = book
    X = policies[FACTORS]
    cv = KFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        glm = (
            FrequencyGLM(bands={"driver_age": "quantile"})
            .set_fit_request(exposure=True)
            .set_score_request(exposure=True)
        )
        result = cross_validate(glm, X, y, cv=cv, params={"exposure": exposure}, return_estimator=True)
        pipe = make_pipeline(FunctionTransformer(lambda frame: frame[FACTORS]), glm)
        piped = cross_validate(pipe, policies, y, cv=cv, params={"exposure": exposure})
    expected = _manual_scores(FrequencyGLM(bands={"driver_age": "quantile"}), X, y, exposure, cv)
    np.testing.assert_allclose(result["test_score"], expected, rtol=1e-10)
    np.testing.assert_allclose(piped["test_score"], expected, rtol=1e-10)
    for fitted, (train, _) in zip(result["estimator"], cv.split(X), strict=True):
        manual = FrequencyGLM(bands={"driver_age": "quantile"}).fit(
            X.iloc[train], y.iloc[train], exposure=exposure.iloc[train]
        )
        pd.testing.assert_series_equal(fitted.params_, manual.params_)


def test_grid_search_over_n_bands_equals_manual_folds(book):
    policies, y, exposure, _ = book
    X = policies[FACTORS]
    cv = KFold(3, shuffle=True, random_state=1)
    grid = [2, 4, 8]
    with sklearn.config_context(enable_metadata_routing=True):
        glm = (
            FrequencyGLM(bands={"driver_age": "exposure"})
            .set_fit_request(exposure=True)
            .set_score_request(exposure=True)
        )
        search = GridSearchCV(glm, {"n_bands": grid}, cv=cv).fit(X, y, exposure=exposure)
    means = []
    for n_bands in grid:
        scores = _manual_scores(FrequencyGLM(bands={"driver_age": "exposure"}, n_bands=n_bands), X, y, exposure, cv)
        means.append(scores.mean())
        row = search.cv_results_["params"].index({"n_bands": n_bands})
        for k, score in enumerate(scores):
            np.testing.assert_allclose(search.cv_results_[f"split{k}_test_score"][row], score, rtol=1e-10)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means, rtol=1e-10)
    best = grid[int(np.argmax(means))]
    assert search.best_params_ == {"n_bands": best}
    refit = FrequencyGLM(bands={"driver_age": "exposure"}, n_bands=best).fit(X, y, exposure=exposure)
    pd.testing.assert_series_equal(search.best_estimator_.params_, refit.params_)
    assert len(search.best_estimator_.design_.terms[2].levels) <= best
