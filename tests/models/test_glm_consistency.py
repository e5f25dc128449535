"""Consistency of a factor over time: the factor x year test against statsmodels and on data with a known truth.

References: statsmodels' fits of the main-effects and interaction models on
dummies built here (``_glm_reference.dummies`` plus products for the
interaction), the chi-square / F statistics and p-values computed from those
fits with scipy, and synthetic books where the factor's effect does or does
not change from year to year.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _glm_reference import GAMMA, POISSON, dummies, limits, sm_glm
from scipy import stats

from autorisk.errors import ParameterError, SchemaError
from autorisk.models import FrequencyGLM, SeverityGLM, consistency_over_time

AREA = {"A": 0.0, "B": 0.3, "C": -0.4, "D": 0.6}
YEARS = (2022, 2023, 2024)
BASE = {"area": "A", "use": "private", "year": 2022}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _book(n: int, seed: int, drift: float) -> pd.DataFrame:
    """Claims whose area effects grow by ``drift`` (on the log scale) per year after the first."""
    rng = np.random.default_rng(seed)
    book = pd.DataFrame(
        {
            "area": rng.choice(list(AREA), n, p=[0.4, 0.3, 0.2, 0.1]),
            "use": rng.choice(["private", "business"], n, p=[0.7, 0.3]),
            "year": rng.choice(YEARS, n),
            "exposure": rng.uniform(0.2, 1.0, n),
        }
    )
    step = book["year"] - YEARS[0]
    area = book["area"].map(AREA) * (1 + drift * step)
    book["eta"] = area + 0.4 * (book["use"] == "business") + 0.05 * step
    book["claims"] = rng.poisson(book["exposure"] * np.exp(-1.2 + book["eta"]))
    return book


def _designs(book: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    main = dummies(book, ["area", "use", "year"], BASE)
    full = main.copy()
    for level in ("B", "C", "D"):
        for year in YEARS[1:]:
            full[f"area[{level}]:year[{year}]"] = main[f"area[{level}]"] * main[f"year[{year}]"]
    return main, full


def _relativities_from(result, level: str, year: int) -> float:
    coef = result.params[f"area[{level}]"] + (result.params[f"area[{level}]:year[{year}]"] if year != YEARS[0] else 0.0)
    return float(np.exp(coef))


def test_poisson_test_and_relativities_equal_statsmodels():
    book = _book(6_000, seed=1, drift=0.5)
    model = FrequencyGLM(["area", "use"], base_levels={"area": "A", "use": "private"})
    model.fit(book, book["claims"], exposure=book["exposure"])
    result = consistency_over_time(model, book, book["claims"], "area", "year", exposure=book["exposure"])
    main_x, full_x = _designs(book)
    with limits():
        main = sm_glm(book["claims"], main_x, POISSON, offset=np.log(book["exposure"]))
        full = sm_glm(book["claims"], full_x, POISSON, offset=np.log(book["exposure"]))
    np.testing.assert_allclose(result.main_model.deviance_, main.deviance, rtol=1e-9)
    np.testing.assert_allclose(result.interaction_model.deviance_, full.deviance, rtol=1e-9)
    statistic = main.deviance - full.deviance
    df = len(full.params) - len(main.params)
    assert result.test["test"] == "chi2" and result.test["df"] == df == 6
    np.testing.assert_allclose(result.test["lr_stat"], statistic, rtol=1e-7)
    np.testing.assert_allclose(result.test["p_value"], stats.chi2.sf(statistic, df), rtol=1e-6)

    table = result.table.set_index(["year", "level"])
    z = stats.norm.ppf(0.975)
    for year in YEARS:
        for level in ("B", "C", "D"):
            np.testing.assert_allclose(table.loc[(year, level), "relativity"], _relativities_from(full, level, year), rtol=1e-7)
            names = [f"area[{level}]"] + ([f"area[{level}]:year[{year}]"] if year != YEARS[0] else [])
            se = np.sqrt(full.cov_params().loc[names, names].to_numpy().sum())
            np.testing.assert_allclose(table.loc[(year, level), "relativity_upper"],
                                       _relativities_from(full, level, year) * np.exp(z * se), rtol=1e-6)  # fmt: skip
        assert table.loc[(year, "A"), "relativity"] == 1.0 and table.loc[(year, "A"), "status"] == "base"
    cell = book[(book["year"] == 2023) & (book["area"] == "C")]["exposure"].sum()
    np.testing.assert_allclose(table.loc[(2023, "C"), "exposure"], cell, rtol=1e-12)
    main_relativities = np.exp(main.params[["area[B]", "area[C]", "area[D]"]].to_numpy())
    np.testing.assert_allclose(result.main_relativities[["B", "C", "D"]], main_relativities, rtol=1e-7)


def test_gamma_f_test_uses_the_dispersion_of_the_interaction_model():
    book = _book(4_000, seed=2, drift=0.3)
    rng = np.random.default_rng(3)
    book["claim_count"] = rng.choice([1, 2], len(book), p=[0.8, 0.2])
    shape = 2.0 * book["claim_count"]
    book["amount"] = rng.gamma(shape, 1_500 * np.exp(0.5 * book["eta"]) / shape) * book["claim_count"]
    model = SeverityGLM(["area", "use"], base_levels={"area": "A", "use": "private"})
    model.fit(book, book["amount"], claim_count=book["claim_count"])
    result = consistency_over_time(model, book, book["amount"], "area", "year", claim_count=book["claim_count"])
    main_x, full_x = _designs(book)
    average, weights = book["amount"] / book["claim_count"], book["claim_count"].to_numpy(dtype=float)
    with limits():
        main = sm_glm(average, main_x, GAMMA, var_weights=weights)
        full = sm_glm(average, full_x, GAMMA, var_weights=weights)
    df = len(full.params) - len(main.params)
    f_stat = (main.deviance - full.deviance) / df / full.scale  # statsmodels' scale: Pearson X2 / (n - p)
    assert result.test["test"] == "F" and result.test["df_resid"] == full.df_resid
    np.testing.assert_allclose(result.interaction_model.dispersion_, full.pearson_chi2 / full.df_resid, rtol=1e-7)
    np.testing.assert_allclose(result.test["F"], f_stat, rtol=1e-6)
    np.testing.assert_allclose(result.test["p_value"], stats.f.sf(f_stat, df, full.df_resid), rtol=1e-5)
    # t intervals on the interaction model's residual degrees of freedom
    row = result.table.set_index(["year", "level"]).loc[(2024, "D")]
    names = ["area[D]", "area[D]:year[2024]"]
    se = np.sqrt(full.cov_params().loc[names, names].to_numpy().sum())
    np.testing.assert_allclose(row["relativity_lower"], _relativities_from(full, "D", 2024) / np.exp(stats.t.ppf(0.975, full.df_resid) * se), rtol=1e-6)


def test_a_changing_effect_is_detected_and_a_constant_one_is_not():
    changing = _book(8_000, seed=4, drift=0.6)
    constant = _book(8_000, seed=4, drift=0.0)
    p_values = {}
    for name, book in {"changing": changing, "constant": constant}.items():
        model = FrequencyGLM(["area", "use"]).fit(book, book["claims"], exposure=book["exposure"])
        p_values[name] = consistency_over_time(model, book, book["claims"], "area", "year", exposure=book["exposure"]).test["p_value"]
    assert p_values["changing"] < 1e-4 and p_values["constant"] > 0.05, p_values
    # the relativities move as the truth does: area D's grows year on year
    model = FrequencyGLM(["area", "use"]).fit(changing, changing["claims"], exposure=changing["exposure"])
    table = consistency_over_time(model, changing, changing["claims"], "area", "year", exposure=changing["exposure"]).table
    d = table[table["level"] == "D"].set_index("year")["relativity"]
    assert d.is_monotonic_increasing and d[2024] > d[2022] * 1.3


def test_p_values_are_roughly_uniform_without_a_change():
    p_values = []
    for seed in range(30):
        book = _book(1_500, seed=100 + seed, drift=0.0)
        model = FrequencyGLM(["area", "use"]).fit(book, book["claims"], exposure=book["exposure"])
        p_values.append(consistency_over_time(model, book, book["claims"], "area", "year", exposure=book["exposure"]).test["p_value"])
    assert stats.kstest(p_values, "uniform").pvalue > 0.01, sorted(p_values)
    assert np.mean(np.array(p_values) < 0.05) <= 0.2


def test_a_cell_without_data_is_reported_not_estimated():
    book = _book(3_000, seed=5, drift=0.0)
    book = book[~((book["area"] == "D") & (book["year"] == 2024))]
    model = FrequencyGLM(["area", "use"]).fit(book, book["claims"], exposure=book["exposure"])
    result = consistency_over_time(model, book, book["claims"], "area", "year", exposure=book["exposure"])
    row = result.table.set_index(["year", "level"]).loc[(2024, "D")]
    assert row["status"] == "no data" and np.isnan(row["relativity"]) and row["exposure"] == 0
    assert result.test["df"] == 5  # 3 x 2 interaction cells, one empty


def test_chart_draws_one_line_per_year_over_the_levels():
    book = _book(3_000, seed=6, drift=0.2)
    model = FrequencyGLM(["area", "use"]).fit(book, book["claims"], exposure=book["exposure"])
    result = consistency_over_time(model, book, book["claims"], "area", "year", exposure=book["exposure"])
    ax = result.plot()
    handles, labels = ax.get_legend_handles_labels()
    assert labels == [str(y) for y in YEARS] + ["all years"]
    assert all(len(line.get_xdata()) == len(AREA) for line in handles)
    expected = result.table[result.table["year"] == 2023].set_index("level")["relativity"]
    tick_levels = [tick.get_text() for tick in ax.get_xticklabels()]
    np.testing.assert_allclose(handles[1].get_ydata(), expected[tick_levels].to_numpy())
    assert "chi2(6)" in repr(result) and "<table" in result._repr_html_()


def test_bad_requests_are_refused():
    book = _book(1_000, seed=7, drift=0.0)
    book["age"] = np.random.default_rng(8).uniform(18, 80, len(book))
    model = FrequencyGLM(["area", "use", "age"]).fit(book, book["claims"], exposure=book["exposure"])
    with pytest.raises(ParameterError, match="categorical factor of the model"):
        consistency_over_time(model, book, book["claims"], "age", "year", exposure=book["exposure"])
    with pytest.raises(SchemaError, match="'period'"):
        consistency_over_time(model, book, book["claims"], "area", "period", exposure=book["exposure"])
    interacted = FrequencyGLM(["area", "year"], interactions=[("area", "year")]).fit(
        book.astype({"year": str}), book["claims"], exposure=book["exposure"]
    )
    with pytest.raises(ParameterError, match="already interacts"):
        consistency_over_time(interacted, book.astype({"year": str}), book["claims"], "area", "year", exposure=book["exposure"])
