"""The ``dispersion=`` option: Pearson, deviance or maximum likelihood, used by all the inference.

References: statsmodels' ``scale="X2"`` and ``scale="dev"`` fits of the same
dummy designs (scale, standard errors, t intervals), statsmodels' own
log-likelihoods maximised over the scale with scipy for the ML estimates,
and R's ``drop1(test="F")`` formula with the deviance dispersion by hand.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _glm_reference import GAMMA, POISSON, dummies, largest, limits, sm_glm
from scipy import optimize, stats

from autorisk.errors import ParameterError
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM, families

LOG = sm.families.links.Log()


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():
        yield


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    """300 claims with a 4-level and a 2-level factor, Gamma shape 1.5, weights (claim counts) 1 to 3."""
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame({"k": rng.choice(["a", "b", "c", "d"], n), "u": rng.choice(["p", "q"], n)})
    mean = 2000.0 * frame["k"].map({"a": 1.0, "b": 1.3, "c": 0.8, "d": 1.1}) * np.where(frame["u"] == "q", 1.2, 1.0)
    frame["count"] = rng.integers(1, 4, n)
    shape = 1.5 * frame["count"]  # an average of `count` claims: shape grows with the weight
    frame["severity"] = rng.gamma(shape, mean / shape)
    return frame


def _reference(frame, family, **fit):
    base = {f: largest(frame, f, frame["count"]) for f in ("k", "u")}
    return sm_glm(frame["severity"], dummies(frame, ["k", "u"], base), family, fit_kwargs=fit,
                  var_weights=frame["count"].to_numpy(float))  # fmt: skip


def _ml_scale(family, frame, mu) -> float:
    """Maximise statsmodels' log-likelihood of ``family`` over the scale (its own density code)."""
    y, w = frame["severity"].to_numpy(float), frame["count"].to_numpy(float)

    def negative(log_scale):
        return -family.loglike(y, mu, var_weights=w, scale=np.exp(log_scale))

    result = optimize.minimize_scalar(negative, bounds=(-12.0, 12.0), method="bounded", options={"xatol": 1e-10})
    return float(np.exp(result.x))


def _fit(frame, **options):
    return SeverityGLM(["k", "u"], **options).fit(frame, frame["severity"] * frame["count"], claim_count=frame["count"])


@pytest.mark.parametrize(("method", "scale"), [("pearson", "X2"), ("deviance", "dev")])
def test_pearson_and_deviance_dispersions_are_statsmodels_scales(claims, method, scale):
    model = _fit(claims, dispersion=method)
    result = _reference(claims, GAMMA, scale=scale)
    assert model.dispersion_ == pytest.approx(result.scale, rel=1e-8)
    if method == "deviance":
        assert model.dispersion_ == pytest.approx(result.deviance / result.df_resid, rel=1e-8)
    names = list(result.params.index)
    np.testing.assert_allclose(model.params_[names], result.params[names], rtol=1e-7, atol=1e-10)
    se = np.sqrt(np.diag(model.cov_params_.loc[names, names].to_numpy()))
    np.testing.assert_allclose(se, result.bse[names], rtol=1e-6)
    # t intervals on n - p df with the chosen dispersion, as statsmodels' use_t=True
    table = model.coef_table().loc[("k", "b")]
    t_result = _reference(claims, GAMMA, scale=scale, use_t=True)
    lower, upper = t_result.conf_int().loc["k[b]"]
    assert (table["ci_lower"], table["ci_upper"]) == (pytest.approx(lower, rel=1e-6), pytest.approx(upper, rel=1e-6))
    assert table["p_value"] == pytest.approx(t_result.pvalues["k[b]"], rel=1e-5)


def test_gamma_ml_dispersion_maximises_statsmodels_likelihood(claims):
    model = _fit(claims, dispersion="ml")
    expected = _ml_scale(GAMMA, claims, model.predict(claims))
    assert model.dispersion_ == pytest.approx(expected, rel=1e-6)
    # the log-likelihood is statsmodels' at that scale, and it beats the Pearson one
    mu = model.predict(claims)
    y, w = claims["severity"].to_numpy(float), claims["count"].to_numpy(float)
    assert model.loglik_ == pytest.approx(GAMMA.loglike(y, mu, var_weights=w, scale=model.dispersion_), rel=1e-10)
    assert model.loglik_ > _fit(claims).loglik_
    # the standard errors scale with the square root of the dispersion
    pearson = _fit(claims)
    ratio = np.sqrt(np.diag(model.cov_params_)) / np.sqrt(np.diag(pearson.cov_params_))
    np.testing.assert_allclose(ratio, np.sqrt(model.dispersion_ / pearson.dispersion_), rtol=1e-9)
    np.testing.assert_allclose(model.params_, pearson.params_, rtol=0, atol=0)


def test_inverse_gaussian_ml_dispersion_is_deviance_over_n(claims):
    model = _fit(claims, family="inverse_gaussian", dispersion="ml")
    family = sm.families.InverseGaussian(LOG)
    assert model.dispersion_ == pytest.approx(_ml_scale(family, claims, model.predict(claims)), rel=1e-6)
    assert model.dispersion_ == pytest.approx(model.deviance_ / len(claims), rel=1e-12)


def test_tweedie_ml_and_deviance_dispersions():
    rng = np.random.default_rng(8)
    n = 1500
    X = pd.DataFrame({"area": rng.choice(["a", "b", "c"], n)})
    exposure = rng.uniform(0.3, 1.0, n)
    amount = rng.gamma(rng.poisson(0.3 * exposure * X["area"].map({"a": 1.0, "b": 1.5, "c": 0.7})), 800.0)
    model = TweedieGLM(["area"], power=1.5, dispersion="ml").fit(X, amount, exposure=exposure)
    rate, mu = amount / exposure, model.predict(X)
    family = sm.families.Tweedie(var_power=1.5, link=LOG)

    def negative(log_scale):
        return -family.loglike(rate, mu, var_weights=exposure, scale=np.exp(log_scale))

    expected = np.exp(optimize.minimize_scalar(negative, bounds=(0.0, 10.0), method="bounded",
                                               options={"xatol": 1e-9}).x)  # fmt: skip
    assert model.dispersion_ == pytest.approx(expected, rel=1e-5)
    deviance = TweedieGLM(["area"], power=1.5, dispersion="deviance").fit(X, amount, exposure=exposure)
    assert deviance.dispersion_ == pytest.approx(deviance.deviance_ / (n - 3), rel=1e-12)


def test_f_tests_use_the_chosen_dispersion_as_r_drop1(claims):
    model = _fit(claims, dispersion="deviance")
    table = model.drop_one(claims, claims["severity"] * claims["count"], claim_count=claims["count"])
    full = _reference(claims, GAMMA)
    reduced = sm_glm(claims["severity"], dummies(claims, ["u"], {"u": largest(claims, "u", claims["count"])}),
                     GAMMA, var_weights=claims["count"].to_numpy(float))  # fmt: skip
    # R's drop1(test="F"): F = (dD / ddf) / (D / (n - p))
    f_stat = (reduced.deviance - full.deviance) / 3 / (full.deviance / full.df_resid)
    assert table.loc["k", "F"] == pytest.approx(f_stat, rel=1e-6)
    assert table.loc["k", "p_value"] == pytest.approx(stats.f.sf(f_stat, 3, full.df_resid), rel=1e-5)
    assert model.summary().statistics()["dispersion method"] == "deviance"


def test_quasi_poisson_deviance_dispersion():
    rng = np.random.default_rng(9)
    n = 500
    X = pd.DataFrame({"area": rng.choice(list("abc"), n)})
    exposure = rng.uniform(0.2, 1.0, n)
    y = rng.poisson(0.4 * exposure * rng.gamma(0.8, 1 / 0.8, n))
    model = FrequencyGLM(["area"], overdispersion="quasi", dispersion="deviance").fit(X, y, exposure=exposure)
    base = {"area": largest(X, "area", exposure)}
    result = sm_glm(y, dummies(X, ["area"], base), POISSON, offset=np.log(exposure), fit_kwargs={"scale": "dev"})
    assert model.dispersion_ == pytest.approx(result.scale, rel=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(model.cov_params_)), result.bse[model.params_.index], rtol=1e-6)


def test_dispersion_options_that_do_not_apply_are_refused():
    X = pd.DataFrame({"area": ["a", "b", "a", "b"]})
    with pytest.raises(ParameterError, match="dispersion must be one of"):
        SeverityGLM(["area"], dispersion="mle").fit(X, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ParameterError, match="poisson dispersion is 1"):
        FrequencyGLM(["area"], dispersion="deviance").fit(X, [0, 1, 2, 1])
    with pytest.raises(ParameterError, match="quasi-Poisson"):
        FrequencyGLM(["area"], overdispersion="quasi", dispersion="ml").fit(X, [0, 1, 2, 1])


@pytest.mark.parametrize(
    "family", [families.GAMMA, families.INVERSE_GAUSSIAN, families.POISSON, families.tweedie(1.5)], ids=lambda f: f.name
)
def test_rows_of_zero_weight_add_nothing_to_the_log_likelihood(family):
    # A zero-weight row (a policy period with no claims in a severity fit) is left out, without the
    # divide-by-zero warning scipy's gamma density gives for a shape of 0.
    rng = np.random.default_rng(3)
    y, mu, w = rng.gamma(2.0, 500.0, 40), rng.uniform(500.0, 1500.0, 40), rng.integers(1, 4, 40).astype(float)
    w_zero = w.copy()
    w_zero[::7] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with_zeros = family.loglik(y, mu, w_zero, 1.3)
    keep = w_zero > 0
    assert with_zeros == pytest.approx(family.loglik(y[keep], mu[keep], w_zero[keep], 1.3), rel=1e-13)
