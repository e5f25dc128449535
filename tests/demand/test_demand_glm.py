"""The logistic demand GLMs against statsmodels and against the known truth of synthetic renewals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _demand_truth import SLOPES, renewal_book
from scipy import special, stats

from autorisk.demand import ConversionGLM, RetentionGLM
from autorisk.errors import ParameterError

BASE = {"age": "mid", "region": "n"}


@pytest.fixture(scope="module")
def book():
    return renewal_book(20_000, seed=3)


def _statsmodels_design(X: pd.DataFrame, slope_levels=("old", "young"), main_slope=True) -> pd.DataFrame:
    """The design written out by hand: dummies for non-base levels, the price term and its interactions."""
    change = np.log(X["offered"] / X["last"])
    design = pd.DataFrame({"(intercept)": 1.0}, index=X.index)
    for level in ("old", "young"):
        design[f"age[{level}]"] = (X["age"] == level).astype(float)
    design["region[s]"] = (X["region"] == "s").astype(float)
    if main_slope:
        design["log_price_change"] = change
    for level in slope_levels:
        design[f"age[{level}]:log_price_change"] = change * (X["age"] == level)
    return design


def test_coefficients_and_standard_errors_equal_statsmodels_logit(book):
    X, y, _ = book
    model = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE, monotone=False).fit(X, y)
    design = _statsmodels_design(X)
    reference = sm.Logit(y, design).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    ours = model.params_[design.columns]
    np.testing.assert_allclose(ours.to_numpy(), reference.params.to_numpy(), rtol=0, atol=1e-6)
    se = np.sqrt(np.diag(model.cov_params_.loc[design.columns, design.columns]))
    np.testing.assert_allclose(se, reference.bse.to_numpy(), rtol=1e-6)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    table = model.coef_table()
    assert table.loc[("region", "s"), "relativity"] == pytest.approx(np.exp(reference.params["region[s]"]), rel=1e-6)
    assert table.loc[("age:log_price_change", "young"), "coef"] == model.params_["age[young]:log_price_change"]
    odds = model.relativities().set_index(["factor", "level"])
    assert odds.loc[("age", "mid"), "status"] == "base" and odds.loc[("age", "mid"), "relativity"] == 1.0
    assert odds.loc[("age", "old"), "relativity"] == pytest.approx(np.exp(reference.params["age[old]"]), rel=1e-6)
    assert odds.loc[("age", "old"), "exposure"] == (X["age"] == "old").sum()


def test_price_slopes_recover_the_truth_within_their_intervals(book):
    X, y, _ = book
    model = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE).fit(X, y)
    slopes = model.price_slopes(level=0.99)
    assert model.slopes_held_ == [] and model.monotone_ == "every price slope <= 0 without constraint"
    for level, truth in SLOPES.items():
        row = slopes.loc[f"change (age={level!r})"]
        assert row["ci_lower"] < truth < row["ci_upper"], (level, row.to_dict())
        assert row["status"] == "estimated"


def test_a_positive_slope_is_held_at_zero_and_the_rest_is_the_constrained_maximum():
    X, y, _ = renewal_book(20_000, seed=5, slopes={"young": -6.0, "mid": -3.0, "old": 1.0})
    free = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE, monotone=False).fit(X, y)
    assert free.price_slopes().loc["change (age='old')", "slope"] > 0  # the data want a rising retention for 'old'
    model = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE).fit(X, y)
    assert model.slopes_held_ == ["change (age='old')"]
    assert "held at 0" in model.monotone_
    slopes = model.price_slopes()
    assert slopes.loc["change (age='old')", "slope"] == pytest.approx(0.0, abs=1e-10)
    assert slopes.loc["change (age='old')", "status"] == "held at 0"
    # The constrained maximum is statsmodels' fit with no price slope for 'old' at all.
    change = np.log(X["offered"] / X["last"])
    design = _statsmodels_design(X, slope_levels=(), main_slope=False)
    for level in ("mid", "young"):
        design[f"slope[{level}]"] = change * (X["age"] == level)
    reference = sm.Logit(y, design).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(model.predict(X), reference.predict(design), rtol=0, atol=1e-8)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.df_resid_ == len(X) - 6  # 7 coefficients, one held


def test_without_interactions_a_positive_slope_uses_glum_bounds():
    X, y, _ = renewal_book(5_000, seed=1, slopes={"young": 0.5, "mid": 0.5, "old": 0.5})
    model = RetentionGLM(["age", "region"]).fit(X, y)
    assert model.slopes_held_ == ["change"]
    assert model.params_["log_price_change"] == pytest.approx(0.0, abs=1e-12)
    reference = sm.Logit(y, _statsmodels_design(X, slope_levels=(), main_slope=False)).fit(disp=0, tol=1e-12)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)


def test_analytic_elasticity_equals_a_finite_difference(book):
    X, y, _ = book
    model = RetentionGLM(["age", "region"], market="market", price_interactions=["age"]).fit(X, y)
    rows = X.head(200)
    p = rows["offered"].to_numpy()
    h = 1e-5
    numeric = (np.log(model.predict_retention(rows, p * np.exp(h))) - np.log(model.predict_retention(rows, p * np.exp(-h)))) / (2 * h)
    np.testing.assert_allclose(model.elasticity(rows), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.premium_elasticity(rows), 1 + numeric, rtol=1e-6)
    grid = p[:, None] * np.array([0.9, 1.1])
    assert model.elasticity(rows, grid).shape == (200, 2)


def test_the_logit_is_linear_in_log_price(book):
    X, y, _ = book
    model = RetentionGLM(["age", "region"], market="market", technical="technical", price_interactions=["region"]).fit(X, y)
    rows = X.sample(300, random_state=0)
    a, b = model.log_linear_price_response(rows)
    for multiplier in (0.7, 1.0, 1.4):
        price = rows["offered"].to_numpy() * multiplier
        np.testing.assert_allclose(special.expit(a + b * np.log(price)), model.predict_retention(rows, price), rtol=1e-13)
    # b is the sum of the row's slopes: here the three terms' slopes in its region
    slopes = model.price_slopes()["slope"]
    expected = sum(slopes[f"{t} (region={r!r})"] for t in ("change", "competitiveness", "net") for r in ["n"]) * np.ones(1)
    assert b[(rows["region"] == "n").to_numpy()][0] == pytest.approx(expected[0], rel=1e-12)
    assert model.remedy_.startswith("net re-rating")


def test_a_grid_of_prices_equals_separate_calls_and_predict_on_a_replaced_frame(book):
    X, y, _ = book
    model = RetentionGLM(["age", "region"], price_interactions=["age"]).fit(X, y)
    rows = X.head(50)
    grid = rows["offered"].to_numpy()[:, None] * np.linspace(0.8, 1.2, 7)
    together = model.predict_retention(rows, grid)
    for j in range(grid.shape[1]):
        assert np.array_equal(together[:, j], model.predict_retention(rows, grid[:, j]))
        assert np.array_equal(together[:, j], model.predict(rows.assign(offered=grid[:, j])))


def test_retention_is_an_intercept_calibrated_probability(book):
    X, y, logit = book
    model = RetentionGLM(["age", "region"], price_interactions=["age"]).fit(X, y)
    p = model.predict(X)
    assert p.sum() == pytest.approx(y.sum(), rel=1e-10)  # the intercept's score equation
    assert np.corrcoef(special.logit(p), logit)[0, 1] > 0.95
    assert model.predict_proba(X.head(3)).sum(axis=1) == pytest.approx(np.ones(3))
    assert 0 < model.score(X, y) < 1


def test_conversion_glm_reads_no_last_price_and_recovers_the_competitiveness_slope():
    X, _, _ = renewal_book(20_000, seed=7)
    rng = np.random.default_rng(8)
    logit = -0.5 - 3.0 * np.log(X["offered"] / X["market"])
    sold = (rng.random(len(X)) < special.expit(logit)).astype(int)
    quotes = X.drop(columns=["last"])
    model = ConversionGLM(["age", "region"], market="market").fit(quotes, sold)
    assert model.price_columns_ == {"offered": "offered", "market": "market"}
    assert model.reads_columns() == {"age", "region", "offered", "market"}
    row = model.price_slopes().loc["competitiveness"]
    assert row["ci_lower"] < -3.0 < row["ci_upper"]
    assert "last" not in model.get_params()
    se = row["std_err"]
    assert se == pytest.approx(np.sqrt(model.cov_params_.loc["log_competitiveness", "log_competitiveness"]))
    assert stats.norm.sf(abs(row["slope"] + 3.0) / se) > 0.005


def test_weights_are_repeated_rows(book):
    X, y, _ = book
    rows, outcome = X.head(3000), y[:3000]
    weights = np.random.default_rng(2).integers(1, 4, len(rows))
    weighted = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE).fit(rows, outcome, sample_weight=weights)
    repeated = rows.loc[rows.index.repeat(weights)].reset_index(drop=True)
    long = RetentionGLM(["age", "region"], price_interactions=["age"], base_levels=BASE).fit(repeated, np.repeat(outcome, weights))
    np.testing.assert_allclose(weighted.params_, long.params_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(weighted.cov_params_, long.cov_params_, rtol=1e-8)


def test_a_banded_segment_gets_a_slope_per_band_and_a_numeric_one_is_refused(book):
    X, y, _ = book
    X = X.assign(price_level=X["last"])
    model = RetentionGLM(["region", "price_level"], bands={"price_level": [500.0, 700.0]}, price_interactions=["price_level"]).fit(X, y)
    assert len(model.price_slopes()) == 3
    assert model.remedy_.startswith("none")
    with pytest.raises(ParameterError, match="band it"):
        RetentionGLM(["region", "price_level"], price_interactions=["price_level"]).fit(X, y)


@pytest.mark.parametrize("held", [False, True])
def test_the_active_set_method_reaches_the_same_maximum_from_zero(held):
    # from beta = 0 with no row held, steps are blocked by rows at 0 (they join); with every row held,
    # rows are released by their multipliers: paths unlike the one from glum's start, the same maximum
    from autorisk.demand._binomial import _active_set, loglik
    from autorisk.demand.glm import tabmat_design

    X, y, _ = renewal_book(10_000, seed=9, slopes={"young": -4.0, "mid": 0.7, "old": 1.2}, market_slope=-2.0)
    model = RetentionGLM(["age", "region"], market="market", price_interactions=["age"], base_levels=BASE).fit(X, y)
    assert sorted(model.slopes_held_) == ["change (age='mid')", "change (age='old')"]
    frame = model.design_.transform(X.assign(log_price_change=np.log(X["offered"] / X["last"]),
                                             log_competitiveness=np.log(X["offered"] / X["market"]))[model.design_.factors])
    matrix, weights = tabmat_design(frame), np.ones(len(X))
    start = np.zeros(len(model.params_))
    beta, active, _ = _active_set(matrix, y.astype(float), weights, model.slope_cells_, start, np.full(len(model.slope_cells_), held))
    np.testing.assert_allclose(beta, model.params_.to_numpy(), rtol=0, atol=1e-7)
    assert [label for label, held in zip(model.slope_labels_, active, strict=True) if held] == model.slopes_held_
    eta = beta[0] + matrix.matvec(beta[1:])
    assert loglik(eta, y, weights) == pytest.approx(model.loglik_, rel=1e-12)
