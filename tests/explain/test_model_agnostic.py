"""Explainers against hand-written models whose structure is known exactly."""

import itertools

import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError, SchemaError
from autorisk.explain import (
    effect_cut_points,
    gbm_to_tariff,
    interaction_strength,
    nice_number,
    partial_dependence,
    shap_effects,
)
from autorisk.rating import RatingPlan, coverage_from_glm

C = 0.5  # the x1 x x3 interaction coefficient
LEVEL_EFFECT = {"a": 0.0, "b": 0.3, "c": -0.2}


def a(x1):
    return 0.3 * x1**2


def b(x2):
    return np.where(x2 < 0, 0.4, 0.0)


class KnownModel:
    """log rate = log 0.1 + a(x1) + b(x2) + C x1 x3 + d(x4)."""

    def predict(self, X, exposure=None):
        log_rate = (
            np.log(0.1)
            + a(X["x1"].to_numpy())
            + b(X["x2"].to_numpy())
            + C * X["x1"].to_numpy() * X["x3"].to_numpy()
            + X["x4"].astype(object).map(LEVEL_EFFECT).to_numpy(dtype=float)
        )
        rate = np.exp(log_rate)
        return rate if exposure is None else rate * np.asarray(exposure)


@pytest.fixture(scope="module")
def factorial():
    """Every combination once: averages over rows factorise exactly."""
    x1 = np.linspace(-1, 1, 21)
    x2 = np.linspace(-1, 1, 11)
    x3 = np.array([-1.0, 1.0])
    rows = list(itertools.product(x1, x2, x3, LEVEL_EFFECT))
    X = pd.DataFrame(rows, columns=["x1", "x2", "x3", "x4"])
    X["x4"] = X["x4"].astype("category")
    return X


def test_partial_dependence_recovers_the_main_effects_up_to_a_constant(factorial):
    model = KnownModel()
    pd2 = partial_dependence(model, factorial, "x2", sample=None)
    offset = np.log(pd2["rate"].to_numpy()) - b(pd2["value"].to_numpy())
    np.testing.assert_allclose(offset, offset[0], atol=1e-12)

    # x1 interacts with x3 (+/-1, balanced): its curve is a(g) + log cosh(C g) + constant.
    pd1 = partial_dependence(model, factorial, "x1", n_points=21, sample=None)
    g = pd1["value"].to_numpy()
    offset = np.log(pd1["rate"].to_numpy()) - a(g) - np.log(np.cosh(C * g))
    np.testing.assert_allclose(offset, offset[0], atol=1e-12)
    assert len(g) == 21

    pd4 = partial_dependence(model, factorial, "x4", sample=None)
    assert pd4["value"].tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(np.log(pd4["relativity"] / pd4["relativity"].iloc[0]), list(LEVEL_EFFECT.values()))


def test_partial_dependence_grid_exposure_and_relativity(factorial):
    exposure = np.random.default_rng(1).uniform(0.1, 1.0, len(factorial))
    curve = partial_dependence(KnownModel(), factorial, "x1", n_points=5, exposure=exposure, sample=300)
    assert len(curve) == 5 and curve["value"].is_monotonic_increasing
    assert curve["exposure"].sum() == pytest.approx(exposure.sum())
    assert np.average(curve["relativity"], weights=curve["exposure"]) == pytest.approx(1.0)
    given = partial_dependence(KnownModel(), factorial, "x2", grid=[-0.5, 0.5], sample=None)
    assert given["rate"].iloc[0] / given["rate"].iloc[1] == pytest.approx(np.exp(0.4))


def test_h2_is_zero_without_interaction_and_ranks_the_planted_pair_first(factorial):
    ranking = interaction_strength(KnownModel(), factorial, sample=None, grid_points=21)
    table = ranking.set_index(["feature_a", "feature_b"])
    assert ranking[["feature_a", "feature_b"]].iloc[0].tolist() == ["x1", "x3"]
    assert table.loc[("x1", "x3"), "h2"] > 0.3
    others = table.drop(index=("x1", "x3"))
    assert others["h2"].max() < 1e-12
    # With every value on the grid the pure interaction is C x1 x3 exactly: its RMS is C * rms(x1).
    x1 = factorial["x1"].to_numpy()
    assert table.loc[("x1", "x3"), "strength"] == pytest.approx(C * np.sqrt(np.mean(x1**2)), rel=1e-9)
    assert ranking["rank"].tolist() == list(range(1, 7))


def test_h2_on_a_discretised_random_sample_keeps_the_ranking():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({
        "x1": rng.uniform(-1, 1, 5_000),
        "x2": rng.uniform(-1, 1, 5_000),
        "x3": rng.choice([-1.0, 1.0], 5_000),
        "x4": pd.Categorical(rng.choice(list(LEVEL_EFFECT), 5_000)),
    })
    ranking = interaction_strength(KnownModel(), X, exposure=rng.uniform(0.2, 1, 5_000), sample=300, seed=4)
    assert ranking[["feature_a", "feature_b"]].iloc[0].tolist() == ["x1", "x3"]
    assert ranking["h2"].iloc[1:].max() < 1e-10
    by_h2 = interaction_strength(KnownModel(), X, sample=300, rank_by="h2")
    assert by_h2[["feature_a", "feature_b"]].iloc[0].tolist() == ["x1", "x3"]
    with pytest.raises(ParameterError, match="rank_by"):
        interaction_strength(KnownModel(), X, rank_by="gini")


def test_nice_numbers_and_effect_cut_points():
    assert nice_number(23.0, 26.0, 24.5) == 25.0
    assert nice_number(-3.0, -2.0, -2.5) == -2.0
    assert nice_number(0.012, 0.019, 0.013) == 0.015
    assert nice_number(199_950.0, 200_050.0, 200_010.0) == 200_000.0
    price = np.random.default_rng(0).lognormal(np.log(150_000), 0.5, 20_000).round(-2)
    effect = np.where(price >= 250_000, 0.3, 0.0)
    cuts = effect_cut_points(price, effect, np.ones(len(price)), max_bands=4)
    assert cuts.tolist() == [250_000.0]
    assert effect_cut_points(price, np.zeros(len(price)), np.ones(len(price)), max_bands=1).tolist() == []


class YoungInExpensiveCars:
    """Rate 0.1 x 1.5 if age < 25 x 0.8 if region b x 1.6 if (age < 25 and price >= 250k)."""

    features_ = ["age", "price", "region"]

    def predict(self, X, exposure=None):
        young = X["age"].to_numpy() < 25
        expensive = X["price"].to_numpy() >= 250_000
        region = np.where(X["region"].astype(object).to_numpy() == "b", 0.8, 1.0)
        rate = 0.1 * np.where(young, 1.5, 1.0) * region * np.where(young & expensive, 1.6, 1.0)
        return rate if exposure is None else rate * np.asarray(exposure)


def test_gbm_to_tariff_without_shap_uses_partial_dependence_and_builds_a_plan():
    rng = np.random.default_rng(7)
    n = 60_000
    X = pd.DataFrame({
        "age": rng.integers(18, 80, n),
        "price": rng.lognormal(np.log(150_000), 0.6, n).round(-2),
        "region": pd.Categorical(rng.choice(["a", "b"], n)),
    })
    exposure = rng.uniform(0.5, 1.0, n)
    model = YoungInExpensiveCars()
    y = rng.poisson(model.predict(X, exposure))
    train, test = slice(0, n // 2), slice(n // 2, n)
    result = gbm_to_tariff(
        model, X.iloc[train], y[train], exposure[train], max_bands=3, interactions=1,
        test=(X.iloc[test], y[test], exposure[test]),
    )  # fmt: skip
    assert result.interactions == [("age", "price")]
    assert result.bands["age"].tolist() == [25.0]
    assert result.bands["price"].tolist() == [250_000.0]
    assert result.gini_data == "test" and result.gini_ratio > 0.9
    coef = result.glm.params_["age[<25]:price[>=250000]"]
    assert coef == pytest.approx(np.log(1.6), abs=0.25)
    plan = RatingPlan("tariff", "1", (coverage_from_glm(result.glm, "tpl"),))  # reads the raw columns
    held_out = X.iloc[test]
    np.testing.assert_allclose(plan.quote(held_out)["premium_tpl"], result.glm.predict(held_out), rtol=1e-9)
    assert "keeps" in repr(result) and "<table" in result._repr_html_()


def test_given_pairs_skip_the_ranking_and_training_gini_is_labelled():
    rng = np.random.default_rng(8)
    n = 20_000
    X = pd.DataFrame({
        "age": rng.integers(18, 80, n),
        "price": rng.lognormal(np.log(150_000), 0.6, n).round(-2),
        "region": pd.Categorical(rng.choice(["a", "b"], n)),
    })
    model = YoungInExpensiveCars()
    y = rng.poisson(model.predict(X))
    result = gbm_to_tariff(model, X, y, np.ones(n), max_bands=3, interactions=[("region", "age")])
    assert result.interaction_table is None and result.interactions == [("region", "age")]
    assert result.gini_data == "training"
    assert "region:age" in result.summary_table()["factor"].tolist()


def test_clear_errors():
    X = pd.DataFrame({"x1": [0.0, 1.0], "x2": [0.0, 1.0], "x3": [1.0, -1.0], "x4": ["a", "b"]})
    model = KnownModel()
    with pytest.raises(SchemaError, match="age"):
        partial_dependence(model, X, "age")
    with pytest.raises(ParameterError, match="sample"):
        partial_dependence(model, X, "x1", sample=0)
    with pytest.raises(ParameterError, match="contributions"):
        shap_effects(model, X)
    with pytest.raises(ParameterError, match="two distinct"):
        interaction_strength(model, X, features=["x1"])
    with pytest.raises(ParameterError, match="pairs"):
        gbm_to_tariff(model, X, [0, 1], [1.0, 1.0], interactions=[("x1", "x1")])
    with pytest.raises(ParameterError, match="bool"):
        gbm_to_tariff(model, X, [0, 1], [1.0, 1.0], interactions=True)
