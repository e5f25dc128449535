"""Inference: drop-one and likelihood-ratio tests, coefficient tables, relativities, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _glm_reference import GAMMA, POISSON, dummies, largest, limits, sm_glm
from scipy import stats

from autorisk.datasets import load
from autorisk.errors import ParameterError
from autorisk.models import FrequencyGLM, SeverityGLM, likelihood_ratio

FACTORS = ["area", "risk_class", "bonus_class", "gender"]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():
        yield


@pytest.fixture(scope="module")
def bike() -> pd.DataFrame:
    book = load("swmotorcycle")
    return book[book["exposure"] > 0].reset_index(drop=True)


@pytest.fixture(scope="module")
def frequency(bike):
    return FrequencyGLM(FACTORS).fit(bike, bike["claim_count"], exposure=bike["exposure"])


def _sm_frequency(bike, factors):
    base = {f: largest(bike, f, bike["exposure"]) for f in factors}
    return sm_glm(bike["claim_count"], dummies(bike, factors, base), POISSON, offset=np.log(bike["exposure"]))


def _sm_severity(claims, factors):
    base = {f: largest(claims, f, claims["claim_count"]) for f in factors}
    return sm_glm(
        claims["claim_amount"] / claims["claim_count"],
        dummies(claims, factors, base),
        GAMMA,
        var_weights=claims["claim_count"].to_numpy(dtype=float),
    )


def test_drop_one_frequency_equals_nested_statsmodels_fits(bike, frequency):
    before = frequency.params_.copy()
    table = frequency.drop_one(bike, bike["claim_count"], exposure=bike["exposure"])
    pd.testing.assert_series_equal(frequency.params_, before)  # the model itself is untouched
    assert list(table.index) == FACTORS
    full = _sm_frequency(bike, FACTORS)
    for factor in FACTORS:
        reduced = _sm_frequency(bike, [f for f in FACTORS if f != factor])
        deviance = reduced.deviance - full.deviance
        row = table.loc[factor]
        assert row["df"] == full.df_model - reduced.df_model == bike[factor].nunique() - 1
        np.testing.assert_allclose(row["deviance"], deviance, rtol=1e-6, atol=1e-8 * full.deviance)
        np.testing.assert_allclose(row["lr_stat"], deviance, rtol=1e-6, atol=1e-8 * full.deviance)  # Poisson: phi = 1
        np.testing.assert_allclose(row["p_value"], stats.chi2.sf(deviance, row["df"]), rtol=1e-5, atol=1e-300)
        assert row["test"] == "chi2" and "F" not in table  # Poisson: dispersion fixed at 1


def test_drop_one_severity_scales_by_the_full_model_dispersion(bike):
    claims = bike[bike["claim_count"] > 0]
    factors = ["area", "bonus_class"]
    model = SeverityGLM(factors).fit(bike, bike["claim_amount"], claim_count=bike["claim_count"])
    table = model.drop_one(bike, bike["claim_amount"], claim_count=bike["claim_count"])
    full = _sm_severity(claims, factors)
    for factor in factors:
        reduced = _sm_severity(claims, [f for f in factors if f != factor])
        deviance = reduced.deviance - full.deviance
        np.testing.assert_allclose(table.loc[factor, "deviance"], deviance, rtol=1e-6)
        np.testing.assert_allclose(table.loc[factor, "lr_stat"], deviance / full.scale, rtol=1e-6)
        # an estimated dispersion: F = (dD / ddf) / phi on (ddf, n - p), as R's anova(test="F")
        ddf = full.df_model - reduced.df_model
        assert table.loc[factor, "df"] == ddf and table.loc[factor, "df_resid"] == full.df_resid
        assert table.loc[factor, "test"] == "F"
        f_stat = deviance / ddf / full.scale
        np.testing.assert_allclose(table.loc[factor, "F"], f_stat, rtol=1e-6)
        np.testing.assert_allclose(table.loc[factor, "p_value"], stats.f.sf(f_stat, ddf, full.df_resid), rtol=1e-5)


def test_drop_one_of_the_only_factor_compares_with_the_null_model(bike):
    model = FrequencyGLM(["area"]).fit(bike, bike["claim_count"], exposure=bike["exposure"])
    table = model.drop_one(bike, bike["claim_count"], exposure=bike["exposure"])
    full = _sm_frequency(bike, ["area"])
    np.testing.assert_allclose(table.loc["area", "deviance"], full.null_deviance - full.deviance, rtol=1e-8)
    assert table.loc["area", "df"] == 6


def test_drop_one_drops_the_factor_interactions(bike):
    factors = ["bonus_class", "gender", "area"]
    model = FrequencyGLM(factors, interactions=[("gender", "bonus_class")]).fit(
        bike, bike["claim_count"], exposure=bike["exposure"]
    )
    table = model.drop_one(bike, bike["claim_count"], exposure=bike["exposure"])
    n_interaction = sum(":" in name for name in model.params_.index)
    assert n_interaction == 6
    assert table.loc["gender", "df"] == 1 + n_interaction
    assert table.loc["bonus_class", "df"] == 6 + n_interaction
    without_gender = FrequencyGLM(["bonus_class", "area"]).fit(bike, bike["claim_count"], exposure=bike["exposure"])
    np.testing.assert_allclose(table.loc["gender", "deviance"], without_gender.deviance_ - model.deviance_, rtol=1e-9)
    # the table says so: the terms dropped with each factor, a note, and both show when printed
    assert table.loc["gender", "dropped"] == "gender, gender:bonus_class"
    assert table.loc["bonus_class", "dropped"] == "bonus_class, gender:bonus_class"
    assert table.loc["area", "dropped"] == "area"
    assert "interaction" in table.attrs["note"]
    assert "gender:bonus_class" in repr(table) and (table["test"] == "chi2").all()


def test_likelihood_ratio_equals_statsmodels(bike):
    small = FrequencyGLM(["area"]).fit(bike, bike["claim_count"], exposure=bike["exposure"])
    large = FrequencyGLM(["area", "bonus_class"]).fit(bike, bike["claim_count"], exposure=bike["exposure"])
    result = likelihood_ratio(small, large)
    sm_small, sm_large = _sm_frequency(bike, ["area"]), _sm_frequency(bike, ["area", "bonus_class"])
    deviance = sm_small.deviance - sm_large.deviance
    assert result["df"] == 6
    np.testing.assert_allclose(result["deviance"], deviance, rtol=1e-8)
    # for Poisson the deviance difference is twice the log-likelihood difference
    np.testing.assert_allclose(result["lr_stat"], 2 * (sm_large.llf - sm_small.llf), rtol=1e-8)
    np.testing.assert_allclose(result["p_value"], stats.chi2.sf(deviance, 6), rtol=1e-6)
    with pytest.raises(ParameterError, match="more parameters"):
        likelihood_ratio(large, small)


def test_coef_table_matches_statsmodels_wald_statistics(bike, frequency):
    table = frequency.coef_table()
    reference = _sm_frequency(bike, FACTORS)
    estimated = table[table["status"] == "estimated"]
    names = ["(intercept)" if t == "(intercept)" else f"{t}[{lv}]" for t, lv in estimated.index]
    np.testing.assert_allclose(estimated["coef"], reference.params[names], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(estimated["std_err"], reference.bse[names], rtol=1e-4)
    np.testing.assert_allclose(estimated["z"], reference.tvalues[names], rtol=1e-4)
    np.testing.assert_allclose(estimated["p_value"], reference.pvalues[names], rtol=1e-3, atol=1e-300)
    interval = reference.conf_int(0.05).loc[names]
    np.testing.assert_allclose(estimated["ci_lower"], interval[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(estimated["ci_upper"], interval[1], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(estimated["relativity"], np.exp(estimated["coef"]), rtol=1e-14)
    np.testing.assert_allclose(estimated["relativity_upper"], np.exp(interval[1]), rtol=1e-5)
    # a 90% interval is narrower, by the ratio of the normal quantiles
    narrow = frequency.coef_table(0.90).loc[estimated.index]
    ratio = (narrow["ci_upper"] - narrow["ci_lower"]) / (estimated["ci_upper"] - estimated["ci_lower"])
    np.testing.assert_allclose(ratio, stats.norm.ppf(0.95) / stats.norm.ppf(0.975), rtol=1e-12)


def test_coef_table_base_rows(bike, frequency):
    table = frequency.coef_table()
    base = table[table["status"] == "base"]
    assert len(base) == len(FACTORS)
    for factor in FACTORS:
        assert base.loc[factor].index[0] == largest(bike, factor, bike["exposure"])
    assert (base["coef"] == 0).all() and (base["relativity"] == 1).all()
    assert (base["relativity_lower"] == 1).all() and (base["relativity_upper"] == 1).all()
    assert base["std_err"].isna().all()
    # one row per level of every factor, plus the intercept
    assert len(table) == 1 + sum(bike[f].nunique() for f in FACTORS)


def test_relativities_exposure_sums_to_total(bike, frequency):
    table = frequency.relativities()
    assert list(table.columns) == [
        "factor", "level", "relativity", "relativity_lower", "relativity_upper", "exposure", "status",
    ]  # fmt: skip
    for factor in FACTORS:
        rows = table[table["factor"] == factor]
        np.testing.assert_allclose(rows["exposure"].sum(), bike["exposure"].sum(), rtol=1e-12)
        by_level = bike.groupby(bike[factor].astype(object))["exposure"].sum()
        np.testing.assert_allclose(rows.set_index("level")["exposure"][by_level.index], by_level, rtol=1e-12)
    # banded: the bands' exposures add up too
    banded = FrequencyGLM(["owner_age", "area"], bands={"owner_age": "exposure"}).fit(
        bike, bike["claim_count"], exposure=bike["exposure"]
    )
    bands = banded.relativities().query("factor == 'owner_age'")
    assert len(bands) >= 4
    np.testing.assert_allclose(bands["exposure"].sum(), bike["exposure"].sum(), rtol=1e-12)


def test_summary_text_and_html(frequency):
    summary = frequency.summary()
    text = repr(summary)
    for word in ("FrequencyGLM", "poisson", "deviance", "null deviance", "AIC", "BIC", "dispersion", "bonus_class",
                 "normal (z)"):  # fmt: skip
        assert word in text, word
    assert f"{frequency.deviance_:,.4f}" in text and f"{frequency.aic_:,.4f}" in text
    html = summary._repr_html_()
    assert html.count("<table") == 2 and "</table>" in html and "AIC" in html and "bonus_class" in html
    statistics = summary.statistics()
    assert statistics["deviance"] == frequency.deviance_ and statistics["AIC"] == frequency.aic_
    assert statistics["observations"] == frequency.n_obs_ and statistics["parameters"] == len(frequency.params_)
    np.testing.assert_allclose(statistics["D^2"], 1 - frequency.deviance_ / frequency.null_deviance_)


def test_interaction_cells_carry_their_training_exposure():
    from autorisk.datasets import synthetic_book
    from autorisk.models import FrequencyGLM

    book = synthetic_book(5_000, 1, seed=3).policies
    claims = (book.index % 7 == 0).astype(int)
    model = FrequencyGLM(["use", "region"], interactions=[("use", "region")]).fit(book, claims, exposure=book["exposure"])
    cells = model.relativities().query("factor == 'use:region'").set_index("level")["exposure"]
    expected = book.groupby(["use", "region"], observed=True)["exposure"].sum()
    assert len(cells) > 0 and cells.notna().all()
    for label, value in cells.items():
        use, region = label.split(":")
        assert value == pytest.approx(expected[(use, region)], rel=1e-12)
