"""Tests of a GLM with an estimated dispersion: F tests of nested models, t-based Wald tests.

References: statsmodels fits of the same dummy designs (deviances, Pearson
scale, ``use_t=True`` p-values and intervals), the F formula of R's
``anova(test="F")`` computed by hand with scipy, and a fixed-dispersion
Poisson model that must keep chi-square and the normal.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _glm_reference import GAMMA, POISSON, dummies, largest, limits, sm_glm
from scipy import stats
from statsmodels.genmod.families import Tweedie, links

from autorisk.errors import ParameterError
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM, likelihood_ratio
from autorisk.models.families import GAMMA as AR_GAMMA
from autorisk.models.families import POISSON as AR_POISSON
from autorisk.models.inference import COEF_COLUMNS, COEF_COLUMNS_T


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():
        yield


def _fake(n_params: int, deviance: float, dispersion: float, family, df_resid: int = 0) -> SimpleNamespace:
    return SimpleNamespace(params_=pd.Series(np.zeros(n_params)), deviance_=deviance, dispersion_=dispersion,
                           family_=family, df_resid_=df_resid, n_obs_=df_resid + n_params)  # fmt: skip


def test_hand_f_of_a_ten_level_factor_on_sixty_residual_df():
    # a scaled deviance at chi-square's 5% point on 9 df: F = 16.919 / 9 = 1.880 on (9, 60)
    scaled = stats.chi2.isf(0.05, 9)
    phi = 2.5
    small = _fake(1, 1000.0 + scaled * phi, phi, AR_GAMMA, 69)
    large = _fake(10, 1000.0, phi, AR_GAMMA, 60)
    result = likelihood_ratio(small, large)
    assert set(result) == {"df", "df_resid", "deviance", "lr_stat", "F", "p_value"}
    assert result["df"] == 9 and result["df_resid"] == 60
    assert result["lr_stat"] == pytest.approx(scaled, rel=1e-12)
    assert result["F"] == pytest.approx(1.87988640, rel=1e-8)
    # F's tail on (9, 60) by its regularised incomplete beta form, independent of scipy.stats.f
    from scipy.special import betainc

    f = scaled / 9
    assert result["p_value"] == pytest.approx(betainc(60 / 2, 9 / 2, 60 / (60 + 9 * f)), rel=1e-10)
    assert 0.07 < result["p_value"] < 0.075  # against 0.050 by chi-square
    # the same numbers with a fixed dispersion (Poisson) stay chi-square
    fixed = likelihood_ratio(_fake(1, 1000.0 + scaled, 1.0, AR_POISSON, 69), _fake(10, 1000.0, 1.0, AR_POISSON, 60))
    assert set(fixed) == {"df", "deviance", "lr_stat", "p_value"}
    assert fixed["p_value"] == pytest.approx(0.05, rel=1e-10)


def test_models_of_different_families_or_rows_are_refused():
    with pytest.raises(ParameterError, match="family_"):
        likelihood_ratio(_fake(1, 10.0, 1.0, AR_POISSON, 60), _fake(3, 5.0, 1.0, AR_GAMMA, 58))
    with pytest.raises(ParameterError, match="n_obs_"):
        likelihood_ratio(_fake(1, 10.0, 1.0, AR_GAMMA, 61), _fake(3, 5.0, 1.0, AR_GAMMA, 58))


@pytest.fixture(scope="module")
def gamma_book() -> pd.DataFrame:
    """70 claims, a 10-level factor with a mild effect (60 residual df) and a 2-level one."""
    rng = np.random.default_rng(20240513)
    n = 70
    frame = pd.DataFrame({"k": np.repeat([f"k{i}" for i in range(10)], 7), "u": np.tile(["p", "q"], 35)})
    effect = np.repeat(np.linspace(-0.3, 0.3, 10), 7) + np.where(frame["u"] == "q", 0.2, 0.0)
    shape = 2.0
    frame["amount"] = rng.gamma(shape, np.exp(7.0 + effect) / shape, n)
    frame["claim_count"] = 1
    return frame


def _sm_gamma(frame, factors, **fit):
    base = {f: largest(frame, f, frame["claim_count"]) for f in factors}
    return sm_glm(frame["amount"], dummies(frame, factors, base), GAMMA, fit_kwargs=fit or None,
                  var_weights=frame["claim_count"].to_numpy(dtype=float))  # fmt: skip


def test_drop_one_gamma_is_an_f_test_as_statsmodels_deviances_give(gamma_book):
    factors = ["k", "u"]
    model = SeverityGLM(factors).fit(gamma_book, gamma_book["amount"], claim_count=gamma_book["claim_count"])
    table = model.drop_one(gamma_book, gamma_book["amount"], claim_count=gamma_book["claim_count"])
    full = _sm_gamma(gamma_book, factors)
    assert full.df_resid == 70 - 11
    for factor in factors:
        reduced = _sm_gamma(gamma_book, [f for f in factors if f != factor])
        ddf = int(full.df_model - reduced.df_model)
        f_stat = (reduced.deviance - full.deviance) / ddf / full.scale
        row = table.loc[factor]
        assert row["test"] == "F" and row["df"] == ddf and row["df_resid"] == full.df_resid
        np.testing.assert_allclose(row["F"], f_stat, rtol=1e-6)
        np.testing.assert_allclose(row["p_value"], stats.f.sf(f_stat, ddf, full.df_resid), rtol=1e-5)
        # the chi-square p-value of the scaled deviance would be smaller: F is the honest one
        assert row["p_value"] > stats.chi2.sf(row["lr_stat"], ddf)


def test_f_of_the_only_factor_against_the_null_model(gamma_book):
    model = SeverityGLM(["k"]).fit(gamma_book, gamma_book["amount"], claim_count=gamma_book["claim_count"])
    row = model.drop_one(gamma_book, gamma_book["amount"], claim_count=gamma_book["claim_count"]).loc["k"]
    full = _sm_gamma(gamma_book, ["k"])
    assert row["df"] == 9 and row["df_resid"] == 60 == full.df_resid
    f_stat = (full.null_deviance - full.deviance) / 9 / full.scale
    np.testing.assert_allclose(row["F"], f_stat, rtol=1e-6)
    np.testing.assert_allclose(row["p_value"], stats.f.sf(f_stat, 9, 60), rtol=1e-5)


def test_quasi_poisson_likelihood_ratio_is_an_f_test():
    rng = np.random.default_rng(7)
    n = 400
    book = pd.DataFrame({"area": rng.choice(list("abcd"), n), "use": rng.choice(["private", "business"], n),
                         "exposure": rng.uniform(0.2, 1.0, n)})  # fmt: skip
    # overdispersed counts: a gamma-mixed Poisson
    rate = 0.3 * np.where(book["area"] == "a", 1.4, 1.0) * rng.gamma(0.7, 1 / 0.7, n)
    book["claim_count"] = rng.poisson(rate * book["exposure"])
    fit = {"exposure": book["exposure"]}
    small = FrequencyGLM(["use"], overdispersion="quasi").fit(book, book["claim_count"], **fit)
    large = FrequencyGLM(["use", "area"], overdispersion="quasi").fit(book, book["claim_count"], **fit)
    result = likelihood_ratio(small, large)

    def reference(factors):
        base = {f: largest(book, f, book["exposure"]) for f in factors}
        return sm_glm(book["claim_count"], dummies(book, factors, base), POISSON,
                      offset=np.log(book["exposure"]), fit_kwargs={"scale": "X2"})  # fmt: skip

    sm_small, sm_large = reference(["use"]), reference(["use", "area"])
    f_stat = (sm_small.deviance - sm_large.deviance) / 3 / sm_large.scale
    assert "F" in result and result["df"] == 3 and result["df_resid"] == sm_large.df_resid == n - 5
    np.testing.assert_allclose(result["F"], f_stat, rtol=1e-6)
    np.testing.assert_allclose(result["p_value"], stats.f.sf(f_stat, 3, n - 5), rtol=1e-5)
    # the Poisson fit of the same data keeps the chi-square on the unscaled deviance
    poisson = likelihood_ratio(FrequencyGLM(["use"]).fit(book, book["claim_count"], **fit),
                               FrequencyGLM(["use", "area"]).fit(book, book["claim_count"], **fit))  # fmt: skip
    assert "F" not in poisson and "df_resid" not in poisson
    deviance = sm_small.deviance - sm_large.deviance
    np.testing.assert_allclose(poisson["p_value"], stats.chi2.sf(deviance, 3), rtol=1e-5)


def test_tweedie_likelihood_ratio_is_an_f_test():
    rng = np.random.default_rng(3)
    n = 600
    X = pd.DataFrame({"region": rng.choice(["north", "south", "east"], n), "age": rng.choice(["young", "old"], n)})
    exposure = rng.uniform(0.3, 1.0, n)
    counts = rng.poisson(0.4 * exposure * np.where(X["region"] == "south", 1.5, 1.0))
    amount = np.array([rng.gamma(2.0, 500.0, c).sum() for c in counts])
    fit = {"exposure": exposure}
    small = TweedieGLM(["age"], power=1.5).fit(X, amount, **fit)
    large = TweedieGLM(["age", "region"], power=1.5).fit(X, amount, **fit)
    result = likelihood_ratio(small, large)

    def reference(factors):
        base = {f: largest(X, f, exposure) for f in factors}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(amount / exposure, dummies(X, factors, base),
                           family=Tweedie(var_power=1.5, link=links.Log()), var_weights=exposure)  # fmt: skip
            return model.fit(tol=1e-13, tol_criterion="params", maxiter=200)

    sm_small, sm_large = reference(["age"]), reference(["age", "region"])
    f_stat = (sm_small.deviance - sm_large.deviance) / 2 / sm_large.scale
    assert "F" in result and result["df"] == 2 and result["df_resid"] == n - 4
    np.testing.assert_allclose(result["F"], f_stat, rtol=1e-5)
    np.testing.assert_allclose(result["p_value"], stats.f.sf(f_stat, 2, n - 4), rtol=1e-4)


def test_gamma_coefficients_use_t_on_the_residual_df_as_statsmodels(gamma_book):
    factors = ["k", "u"]
    model = SeverityGLM(factors).fit(gamma_book, gamma_book["amount"], claim_count=gamma_book["claim_count"])
    table = model.coef_table()
    assert list(table.columns) == COEF_COLUMNS_T and "z" not in table
    assert table.attrs == {"statistic": "t", "df_resid": 59}
    reference = _sm_gamma(gamma_book, factors, scale="X2", use_t=True)
    estimated = table[table["status"] == "estimated"]
    names = ["(intercept)" if t == "(intercept)" else f"{t}[{lv}]" for t, lv in estimated.index]
    np.testing.assert_allclose(estimated["t"], reference.tvalues[names], rtol=1e-4)
    np.testing.assert_allclose(estimated["p_value"], reference.pvalues[names], rtol=1e-4, atol=1e-12)
    interval = reference.conf_int(0.05).loc[names]
    np.testing.assert_allclose(estimated["ci_lower"], interval[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(estimated["ci_upper"], interval[1], rtol=1e-5, atol=1e-8)
    # the normal would give smaller p-values and narrower intervals on 59 df
    assert (estimated["p_value"] > 2 * stats.norm.sf(np.abs(estimated["t"]))).all()
    narrow = model.coef_table(0.90).loc[estimated.index]
    ratio = (narrow["ci_upper"] - narrow["ci_lower"]) / (estimated["ci_upper"] - estimated["ci_lower"])
    np.testing.assert_allclose(ratio, stats.t.ppf(0.95, 59) / stats.t.ppf(0.975, 59), rtol=1e-12)
    summary = model.summary()
    assert "t on 59 df" in repr(summary) and list(summary.table.columns) == COEF_COLUMNS_T


def test_quasi_poisson_coefficients_use_t_and_poisson_keeps_z():
    rng = np.random.default_rng(11)
    n = 120
    book = pd.DataFrame({"area": rng.choice(list("abc"), n), "exposure": rng.uniform(0.5, 1.0, n)})
    book["claim_count"] = rng.poisson(0.8 * book["exposure"] * rng.gamma(0.5, 2.0, n))
    base = {"area": largest(book, "area", book["exposure"])}
    design = dummies(book, ["area"], base)
    offset = np.log(book["exposure"])
    quasi = FrequencyGLM(["area"], overdispersion="quasi").fit(book, book["claim_count"], exposure=book["exposure"])
    reference = sm_glm(book["claim_count"], design, POISSON, offset=offset, fit_kwargs={"scale": "X2", "use_t": True})
    table = quasi.coef_table(0.9)
    assert table.attrs["statistic"] == "t" and table.attrs["df_resid"] == n - 3
    estimated = table[table["status"] == "estimated"]
    names = ["(intercept)" if t == "(intercept)" else f"{t}[{lv}]" for t, lv in estimated.index]
    np.testing.assert_allclose(estimated["p_value"], reference.pvalues[names], rtol=1e-4, atol=1e-12)
    np.testing.assert_allclose(estimated["ci_upper"], reference.conf_int(0.10).loc[names, 1], rtol=1e-5, atol=1e-8)
    poisson = FrequencyGLM(["area"]).fit(book, book["claim_count"], exposure=book["exposure"]).coef_table()
    assert list(poisson.columns) == COEF_COLUMNS and poisson.attrs == {"statistic": "z", "df_resid": None}
    z_reference = sm_glm(book["claim_count"], design, POISSON, offset=offset)
    estimated = poisson[poisson["status"] == "estimated"]
    np.testing.assert_allclose(estimated["p_value"], z_reference.pvalues[names], rtol=1e-4, atol=1e-12)
