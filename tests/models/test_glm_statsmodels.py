"""autorisk's GLMs reproduce statsmodels on real books, to 1e-6 on coefficients.

The reference fits use dense dummies built here with ``pd.get_dummies`` on the
raw columns (see ``_glm_reference``), the same base levels, and statsmodels'
``GLM``: Poisson with a log-exposure offset for frequency, Gamma with a log
link on the average claim weighted by the claim count (``var_weights``) for
severity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _glm_reference import (
    GAMMA,
    POISSON,
    assert_matches_statsmodels,
    dummies,
    largest,
    limits,
    sm_glm,
)

from autorisk.datasets import load
from autorisk.models import FrequencyGLM, SeverityGLM

BOOKS = {
    # dataset: (categorical factors, numeric factor entered raw)
    "swmotorcycle": (["area", "risk_class", "bonus_class", "gender"], "owner_age"),
    "ausprivauto0405": (["vehicle_age_group", "vehicle_body", "gender", "driver_age_group"], "vehicle_value"),
}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():  # OpenMP/BLAS threads only slow these fits down on a busy 2-core machine
        yield


@pytest.fixture(scope="module")
def books() -> dict[str, pd.DataFrame]:
    motorcycle = load("swmotorcycle")
    # zero-exposure rows have no log offset (and 4 of them carry claims): drop them
    motorcycle = motorcycle[motorcycle["exposure"] > 0].reset_index(drop=True)
    return {"swmotorcycle": motorcycle, "ausprivauto0405": load("ausprivauto0405")}


def _base_levels(frame, factors, weight, how):
    if how == "default":  # autorisk's default, recomputed independently: largest weight
        return {f: largest(frame, f, weight) for f in factors}
    # explicit and deliberately not the default: the alphabetically first level
    return {f: sorted(frame[f].astype(object).unique())[0] for f in factors}


@pytest.mark.parametrize("how", ["default", "explicit"])
@pytest.mark.parametrize("name", list(BOOKS))
def test_frequency_equals_statsmodels(books, name, how):
    book = books[name]
    factors, numeric = BOOKS[name]
    base = _base_levels(book, factors, book["exposure"], how)
    model = FrequencyGLM(
        [*factors, numeric], base_levels=base if how == "explicit" else None
    ).fit(book, book["claim_count"], exposure=book["exposure"])
    assert {t.name: t.base_level for t in model.design_.terms if t.is_categorical} == base

    reference = sm_glm(
        book["claim_count"], dummies(book, factors, base, [numeric]), POISSON, offset=np.log(book["exposure"])
    )
    assert_matches_statsmodels(model, reference)
    assert model.dispersion_ == 1.0
    # quasi-Poisson: same coefficients, Pearson dispersion, standard errors scaled by its root
    quasi = FrequencyGLM([*factors, numeric], base_levels=base, overdispersion="quasi").fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    quasi_reference = sm_glm(
        book["claim_count"], dummies(book, factors, base, [numeric]), POISSON,
        offset=np.log(book["exposure"]), fit_kwargs={"scale": "X2"},
    )  # fmt: skip
    scale = quasi_reference.scale
    np.testing.assert_allclose(scale, reference.pearson_chi2 / reference.df_resid, rtol=1e-12)
    np.testing.assert_allclose(quasi.params_[reference.params.index], reference.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(quasi.dispersion_, scale, rtol=1e-6)
    np.testing.assert_allclose(
        np.sqrt(np.diag(quasi.cov_params_.loc[reference.params.index, reference.params.index])),
        quasi_reference.bse[reference.params.index],
        rtol=1e-4,
    )
    # statsmodels' quasi-Poisson log-likelihood divides the Poisson one by the dispersion
    np.testing.assert_allclose(quasi.loglik_, quasi_reference.llf, rtol=1e-8)
    np.testing.assert_allclose(quasi.aic_, quasi_reference.aic, rtol=1e-8)


@pytest.mark.parametrize("how", ["default", "explicit"])
@pytest.mark.parametrize("name", list(BOOKS))
def test_severity_equals_statsmodels(books, name, how):
    book = books[name]
    factors, numeric = BOOKS[name]
    claims = book[book["claim_count"] > 0]
    # severity's default base level is the level with the most claims
    base = _base_levels(claims, factors, claims["claim_count"], how)
    model = SeverityGLM([*factors, numeric], base_levels=base if how == "explicit" else None).fit(
        book, book["claim_amount"], claim_count=book["claim_count"]
    )
    assert {t.name: t.base_level for t in model.design_.terms if t.is_categorical} == base

    reference = sm_glm(
        claims["claim_amount"] / claims["claim_count"],
        dummies(claims, factors, base, [numeric]),
        GAMMA,
        var_weights=claims["claim_count"].to_numpy(dtype=float),
    )
    assert_matches_statsmodels(model, reference)
    # the "exposure" of a severity level is its claim count
    table = model.relativities()
    for factor in factors:
        counts = claims.groupby(claims[factor].astype(object))["claim_count"].sum()
        got = table[table["factor"] == factor].set_index("level")["exposure"]
        np.testing.assert_allclose(got.sort_index(), counts.sort_index().astype(float))


# ---------------------------------------------------------- Ohlsson & Johansson
# The motorcycle case study of Ohlsson & Johansson (2010), ch. 2: zone, vehicle
# class, vehicle age 0-1 / 2-4 / 5+, owner age 0-20 / 21-24 / 25-30 / 31-40 /
# 41-50 / 51-60 / 61+, bonus class grouped 1-2 / 3-4 / 5-7.
OJ_FACTORS = ["area", "risk_class", "vehicle_age", "owner_age", "bonus_class"]
OJ_BANDS = {"vehicle_age": [2, 5], "owner_age": [21, 25, 31, 41, 51, 61]}
OJ_LABELS = {
    "vehicle_age": ["<2", "[2, 5)", ">=5"],
    "owner_age": ["<21", "[21, 25)", "[25, 31)", "[31, 41)", "[41, 51)", "[51, 61)", ">=61"],
}
OJ_BONUS = {"BM1": "1-2", "BM2": "1-2", "BM3": "3-4", "BM4": "3-4", "BM5": "5-7", "BM6": "5-7", "BM7": "5-7"}


def _oj_cells(book: pd.DataFrame) -> pd.DataFrame:
    """O&J's rating variables, derived here with pd.cut and a plain dict map."""
    out = book.copy()
    for factor, points in OJ_BANDS.items():
        bins = [-np.inf, *points, np.inf]
        out[factor] = pd.cut(book[factor], bins, right=False, labels=OJ_LABELS[factor]).astype(object)
    out["bonus_class"] = book["bonus_class"].astype(object).map(OJ_BONUS)
    out["area"] = book["area"].astype(object)
    out["risk_class"] = book["risk_class"].astype(object)
    return out


@pytest.fixture(scope="module")
def ohlsson(books):
    book = books["swmotorcycle"]
    cells = _oj_cells(book)
    base = {f: largest(cells, f, cells["exposure"]) for f in OJ_FACTORS}  # O&J: most exposure
    frequency = FrequencyGLM(OJ_FACTORS, bands=OJ_BANDS, groups={"bonus_class": OJ_BONUS}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    severity = SeverityGLM(OJ_FACTORS, bands=OJ_BANDS, groups={"bonus_class": OJ_BONUS}, base_levels=base).fit(
        book, book["claim_amount"], claim_count=book["claim_count"]
    )
    return book, cells, base, frequency, severity


def test_ohlsson_johansson_frequency(ohlsson):
    book, cells, base, model, _ = ohlsson
    assert {t.name: t.base_level for t in model.design_.terms} == base
    for factor, points in OJ_BANDS.items():
        term = next(t for t in model.design_.terms if t.name == factor)
        np.testing.assert_array_equal(term.cut_points, points)
        assert list(term.levels) == OJ_LABELS[factor]
    reference = sm_glm(
        cells["claim_count"], dummies(cells, OJ_FACTORS, base), POISSON, offset=np.log(cells["exposure"])
    )
    assert_matches_statsmodels(model, reference)

    # O&J fit on tariff cells; Poisson sums are sufficient, so the cell fit has the
    # same coefficients and standard errors as the policy-level one.
    tariff = cells.groupby(OJ_FACTORS, observed=True)[["exposure", "claim_count"]].sum().reset_index()
    aggregated = sm_glm(
        tariff["claim_count"], dummies(tariff, OJ_FACTORS, base), POISSON, offset=np.log(tariff["exposure"])
    )
    names = aggregated.params.index
    np.testing.assert_allclose(model.params_[names], aggregated.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(model.cov_params_.loc[names, names])), aggregated.bse, rtol=1e-4)

    # relativities: the exposure of each band/group is the exposure of its policies
    table = model.relativities()
    for factor in OJ_FACTORS:
        expected = cells.groupby(factor)["exposure"].sum()
        got = table[table["factor"] == factor].set_index("level")["exposure"]
        np.testing.assert_allclose(got.sort_index(), expected.sort_index(), rtol=1e-12)


def test_ohlsson_johansson_severity(ohlsson):
    book, cells, base, _, model = ohlsson
    claims = cells[cells["claim_count"] > 0]
    reference = sm_glm(
        claims["claim_amount"] / claims["claim_count"],
        dummies(claims, OJ_FACTORS, base),
        GAMMA,
        var_weights=claims["claim_count"].to_numpy(dtype=float),
    )
    assert_matches_statsmodels(model, reference)
    # on tariff cells (average claim weighted by the cell's claim count) the
    # Gamma score equations are the same, so the coefficients are too
    tariff = claims.groupby(OJ_FACTORS, observed=True)[["claim_amount", "claim_count"]].sum().reset_index()
    aggregated = sm_glm(
        tariff["claim_amount"] / tariff["claim_count"],
        dummies(tariff, OJ_FACTORS, base),
        GAMMA,
        var_weights=tariff["claim_count"].to_numpy(dtype=float),
    )
    np.testing.assert_allclose(model.params_[aggregated.params.index], aggregated.params, rtol=1e-6, atol=1e-9)


def test_ohlsson_johansson_pure_premium_is_product(ohlsson):
    """Frequency x severity predictions equal the product of statsmodels' two predictions."""
    book, cells, base, frequency, severity = ohlsson
    rows = book.sample(500, random_state=1)
    freq_ref = sm_glm(
        cells["claim_count"], dummies(cells, OJ_FACTORS, base), POISSON, offset=np.log(cells["exposure"])
    )
    claims = cells[cells["claim_count"] > 0]
    sev_ref = sm_glm(
        claims["claim_amount"] / claims["claim_count"],
        dummies(claims, OJ_FACTORS, base),
        GAMMA,
        var_weights=claims["claim_count"].to_numpy(dtype=float),
    )
    X_rows = dummies(cells.loc[rows.index], OJ_FACTORS, base)  # a level absent from the sample: 0
    expected = freq_ref.predict(
        X_rows.reindex(columns=freq_ref.params.index, fill_value=0.0), offset=np.log(rows["exposure"])
    ) * sev_ref.predict(X_rows.reindex(columns=sev_ref.params.index, fill_value=0.0))
    got = frequency.predict(rows, rows["exposure"]) * severity.predict(rows)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_a_model_without_factors_is_the_intercept_only_glm():
    import statsmodels.api as sm

    from autorisk.datasets import load
    from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM

    data = load("swmotorcycle").query("exposure > 0")
    model = FrequencyGLM([]).fit(data, data["claim_count"], exposure=data["exposure"])
    reference = sm.GLM(data["claim_count"], np.ones((len(data), 1)), family=sm.families.Poisson(),
                       offset=np.log(data["exposure"])).fit()  # fmt: skip
    assert model.intercept_ == pytest.approx(reference.params.iloc[0], rel=1e-12)
    assert model.cov_params_.iloc[0, 0] ** 0.5 == pytest.approx(reference.bse.iloc[0], rel=1e-9)
    assert model.deviance_ == pytest.approx(reference.deviance, rel=1e-12)
    # Gamma and Tweedie: the fitted mean is the book's average claim and pure premium.
    claims = data[data["claim_count"] > 0]
    severity = SeverityGLM([]).fit(claims, claims["claim_amount"], claim_count=claims["claim_count"])
    assert np.exp(severity.intercept_) == pytest.approx(claims["claim_amount"].sum() / claims["claim_count"].sum())
    tweedie = TweedieGLM([], power=1.5).fit(data, data["claim_amount"], exposure=data["exposure"])
    assert np.exp(tweedie.intercept_) == pytest.approx(data["claim_amount"].sum() / data["exposure"].sum())
