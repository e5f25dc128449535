"""Elasticity by segment, retention curves, their charts, and the discrimination / calibration tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from _demand_truth import renewal_book
from scipy import special
from sklearn.metrics import roc_auc_score

from autorisk.demand import (
    RetentionGBM,
    RetentionGLM,
    demand_calibration,
    demand_lift,
    demand_scores,
    elasticity_table,
    plot_elasticity,
    plot_retention_curve,
    retention_curve,
)
from autorisk.errors import SchemaError

X, Y, LOGIT = renewal_book(10_000, seed=21)
GLM = RetentionGLM(["age", "region"], price_interactions=["age"]).fit(X, Y)


def test_elasticity_table_weighted_means_and_quantiles_by_hand():
    weights = np.random.default_rng(0).uniform(0.2, 1.0, len(X))
    table = elasticity_table(GLM, X, by="age", weights=weights)
    e, p = GLM.elasticity(X), GLM.predict(X)
    for level in ("young", "mid", "old"):
        mask = (X["age"] == level).to_numpy()
        row = table.loc[level]
        assert row["count"] == mask.sum()
        assert row["elasticity"] == pytest.approx(np.average(e[mask], weights=weights[mask]), rel=1e-12)
        assert row["retention"] == pytest.approx(np.average(p[mask], weights=weights[mask]), rel=1e-12)
        assert row["premium_elasticity"] == pytest.approx(1 + row["elasticity"], rel=1e-12)
        assert row["q50"] == pytest.approx(np.quantile(e[mask], 0.5), rel=1e-12)
    # the truth: young (slope -6) are the most sensitive, old (-1.5) the least
    assert table.loc["young", "elasticity"] < table.loc["mid", "elasticity"] < table.loc["old", "elasticity"] < 0
    whole = elasticity_table(GLM, X)
    assert list(whole.index) == ["(all)"] and whole.loc["(all)", "count"] == len(X)
    two = elasticity_table(GLM, X, by=["age", "region"])
    assert len(two) == 6
    with pytest.raises(SchemaError, match="'channel'"):
        elasticity_table(GLM, X, by="channel")


def test_the_true_elasticity_lies_in_the_fitted_elasticity_interval():
    # elasticity = slope[age] x (1 - P): the truth's mean per age inside the slope's 99% interval times the fit's 1 - P
    true_e = X["age"].map({"young": -6.0, "mid": -3.0, "old": -1.5}).to_numpy() * (1 - special.expit(LOGIT))
    slopes, fitted = GLM.price_slopes(level=0.99), GLM.predict(X)
    table = elasticity_table(GLM, X, by="age")
    for level in ("young", "mid", "old"):
        mask = (X["age"] == level).to_numpy()
        lapse = np.mean(1 - fitted[mask])
        row = slopes.loc[f"change (age={level!r})"]
        assert row["ci_lower"] * lapse < true_e[mask].mean() < row["ci_upper"] * lapse
        assert table.loc[level, "elasticity"] == pytest.approx(row["slope"] * lapse, rel=1e-12)


def test_retention_curve_is_the_mean_of_the_policies_predictions():
    rows = X[X["age"] == "young"]
    curve = retention_curve(GLM, rows, multipliers=[0.9, 1.0, 1.1])
    for m, value in zip([0.9, 1.0, 1.1], curve["retention"], strict=True):
        assert value == pytest.approx(GLM.predict_retention(rows, rows["offered"].to_numpy() * m).mean(), rel=1e-12)
    assert curve["retention"].is_monotonic_decreasing
    one = retention_curve(GLM, X.iloc[[0]], prices=[300.0, 400.0, 500.0])
    assert one["price"].tolist() == [300.0, 400.0, 500.0]
    assert one["expected_premium"].tolist() == pytest.approx(list(one["retention"] * one["price"]))
    by = retention_curve(GLM, X, by="region")
    assert set(by["region"]) == {"n", "s"} and len(by) == 2 * 21
    assert plot_retention_curve(by, by="region").get_ylabel() == "retention"
    assert len(plot_elasticity(elasticity_table(GLM, X, by="age")).patches) == 3


def test_scores_calibration_and_lift():
    gbm = RetentionGBM(["age", "region"], early_stopping=None, n_rounds=40).fit(X, Y)
    for model in (GLM, gbm):
        scores = demand_scores(model, X, Y)
        assert scores["auc"] == pytest.approx(roc_auc_score(Y, model.predict(X)))
        assert scores["gini"] == pytest.approx(2 * scores["auc"] - 1)
        assert 0.5 < scores["auc"] < 1 and scores["lorenz_gini"] > 0
        assert scores["log_loss"] == pytest.approx(-np.mean(Y * np.log(model.predict(X)) + (1 - Y) * np.log(1 - model.predict(X))))
    # a logistic GLM with an intercept and the region factor matches totals overall and per region exactly
    table = demand_calibration(GLM, X, Y, by="region")
    np.testing.assert_allclose(table["ae"].to_numpy(), 1.0, rtol=1e-9)
    lift = demand_lift(GLM, X, Y, n_bins=5)
    assert lift["predicted_rate"].is_monotonic_increasing and lift["exposure"].sum() == len(X)
    assert lift["actual"].sum() == Y.sum()
    assert isinstance(table, pd.DataFrame)


def test_bad_weights_and_price_points_are_refused():
    from autorisk.errors import DataError, ParameterError

    weights = np.ones(len(X))
    weights[[4, 9]] = -1.0
    with pytest.raises(DataError, match=r"column 'weights': negative in 2 rows .*rows: 4, 9"):
        elasticity_table(GLM, X, weights=weights)
    with pytest.raises(ParameterError, match="not both"):
        retention_curve(GLM, X, multipliers=[1.0], prices=[100.0])
    with pytest.raises(DataError, match="column 'price'"):
        retention_curve(GLM, X, prices=[100.0, -5.0])
