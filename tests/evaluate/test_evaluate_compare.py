"""compare(): on GLMs fitted to the synthetic book, the tidy table matches the metric functions.

Also checked against the GLMs' own statistics on their training data: the
exposure-weighted Poisson deviance times the exposure is the GLM's deviance,
and D² is the GLM's ``score`` (same null model for Poisson).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.evaluate import (
    METRICS,
    Comparison,
    compare,
    d2_score,
    double_lift,
    gamma_deviance,
    gini,
    lift_table,
    poisson_deviance,
    tweedie_deviance,
)
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM

SMALL = ["region", "use"]
LARGE = ["region", "use", "vehicle_type", "channel"]


@pytest.fixture(scope="module")
def book() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = aggregate_claims(*_book())
    data = data[data["exposure"] > 0].reset_index(drop=True)
    data["severity"] = data["claim_amount"] / data["claim_count"].where(data["claim_count"] > 0)
    train = data.iloc[::2].reset_index(drop=True)
    test = data.iloc[1::2].reset_index(drop=True)
    return train, test


def _book():
    generated = synthetic_book(5000, 1, seed=1)
    return generated.policies, generated.claims


@pytest.fixture(scope="module")
def models(book) -> dict[str, FrequencyGLM]:
    train, _ = book
    return {
        "small": FrequencyGLM(SMALL).fit(train, train["claim_count"], exposure=train["exposure"]),
        "large": FrequencyGLM(LARGE).fit(train, train["claim_count"], exposure=train["exposure"]),
    }


@pytest.fixture(scope="module")
def comparison(models, book) -> Comparison:
    return compare(models, book[1], target="claim_count")


def test_tidy_table_matches_the_metric_functions(comparison, models, book):
    _, test = book
    table = comparison.table
    assert list(table.columns) == ["model", "metric", "value"]
    assert len(table) == 2 * len(METRICS)
    assert comparison.family == "poisson"
    y, e = test["claim_count"], test["exposure"]
    for name, model in models.items():
        mu = model.predict(test, exposure=e)
        value = table[table["model"] == name].set_index("metric")["value"]
        assert value["deviance"] == pytest.approx(poisson_deviance(y, mu, e), rel=1e-12)
        assert value["deviance_per_policy"] == pytest.approx(poisson_deviance(y, mu, e, per_policy=True), rel=1e-12)
        assert value["d2"] == pytest.approx(d2_score(y, mu, e, power=1), rel=1e-12)
        assert value["gini"] == pytest.approx(gini(y, mu, e), rel=1e-12)
        assert value["ae"] == pytest.approx(y.sum() / mu.sum(), rel=1e-12)
    wide = comparison.wide
    assert list(wide.index) == ["small", "large"]
    assert list(wide.columns) == list(METRICS)
    assert wide.loc["large", "gini"] == table.query("model == 'large' and metric == 'gini'")["value"].item()


def test_richer_model_ranks_better_out_of_sample(comparison):
    wide = comparison.wide
    assert wide.loc["large", "gini"] > wide.loc["small", "gini"] > 0
    assert wide.loc["large", "deviance"] < wide.loc["small", "deviance"]


def test_agrees_with_the_glm_on_its_training_data(models, book):
    train, _ = book
    result = compare(models, train, target="claim_count")
    e = train["exposure"]
    for name, model in models.items():
        row = result.wide.loc[name]
        assert row["deviance"] * e.sum() == pytest.approx(model.deviance_, rel=1e-9)
        assert row["d2"] == pytest.approx(model.score(train, train["claim_count"], exposure=e), rel=1e-9)
        assert row["ae"] == pytest.approx(1.0, abs=1e-7)  # a Poisson GLM with intercept reproduces the total


def test_tables_are_the_functions_on_the_predictions(comparison, book):
    _, test = book
    y, e = test["claim_count"], test["exposure"]
    a, b = comparison.predictions["small"], comparison.predictions["large"]
    pd.testing.assert_frame_equal(comparison.lift("large"), lift_table(y, b, e))
    pd.testing.assert_frame_equal(comparison.double_lift("small", "large"), double_lift(y, a, b, e))
    by_region = comparison.actual_vs_expected("region")
    assert by_region.index.names == ["model", "region"]
    for model in comparison.models:
        assert by_region.loc[model, "actual"].sum() == pytest.approx(y.sum())
        assert by_region.loc[model, "expected"].sum() == pytest.approx(comparison.predictions[model].sum())


def test_bootstrap_of_the_deviance_difference(comparison):
    result = comparison.bootstrap("small", "large", n_boot=100)
    assert result.metric == "deviance"
    wide = comparison.wide
    assert result.estimate == pytest.approx(wide.loc["small", "deviance"] - wide.loc["large", "deviance"])
    with pytest.raises(ParameterError, match="metric must be one of"):
        comparison.bootstrap("small", "large", metric="rmse")
    with pytest.raises(ParameterError, match="unknown model"):
        comparison.bootstrap("small", "huge")


def test_display(comparison):
    text = repr(comparison)
    assert "Comparison of 2 models" in text and "family: poisson" in text and "large" in text
    assert "claim_count: " in text and "exposure: " in text
    html = comparison._repr_html_()
    assert "<table" in html and "small" in html and "gini" in html


def test_severity_models_use_the_claim_count_as_weight(book):
    train, test = book
    model = SeverityGLM(["vehicle_type"]).fit(train, train["claim_amount"], claim_count=train["claim_count"])
    result = compare({"severity": model}, test, target="severity", weight="claim_count")
    assert result.family == "gamma"
    mu = model.predict(test)
    has = test["claim_count"] > 0
    expected = gamma_deviance(test["severity"][has], mu[has], weights=test["claim_count"][has])
    assert result.wide.loc["severity", "deviance"] == pytest.approx(expected, rel=1e-12)
    # the exposure column is not used: the same with exposure=None
    alone = compare({"severity": model}, test, target="severity", weight="claim_count", exposure=None)
    pd.testing.assert_frame_equal(alone.table, result.table)
    on_train = compare({"severity": model}, train, target="severity", weight="claim_count")
    total = on_train.wide.loc["severity", "deviance"] * train["claim_count"].sum()
    assert total == pytest.approx(model.deviance_, rel=1e-9)


def test_tweedie_family_and_power_from_the_model(book):
    train, test = book
    model = TweedieGLM(["region"], power=1.6).fit(train, train["claim_amount"], exposure=train["exposure"])
    result = compare({"tweedie": model}, test, target="claim_amount")
    assert result.power == 1.6 and result.family == "tweedie (power 1.6)"
    mu = model.predict(test, exposure=test["exposure"])
    expected = tweedie_deviance(test["claim_amount"], mu, test["exposure"], power=1.6)
    assert result.wide.loc["tweedie", "deviance"] == pytest.approx(expected, rel=1e-12)


class StubGBM:
    """What autorisk's GBMs look like to compare(): family_ as a name, the Tweedie power in ``power``."""

    def __init__(self, family: str, rate: float, power: float | None = None):
        self.family_ = family
        self.power = power
        self.rate = rate

    def predict(self, X, exposure=None):
        e = np.ones(len(X)) if exposure is None else np.asarray(exposure)
        return self.rate * e


def test_families_of_gbms_and_arrays(book, models):
    _, test = book
    stub = compare({"gbm": StubGBM("tweedie", 300.0, power=1.5)}, test, target="claim_amount")
    assert stub.power == 1.5
    assert compare({"gbm": StubGBM("poisson", 0.3)}, test, target="claim_count").family == "poisson"
    mixed = {"glm": models["small"], "precomputed": np.full(len(test), 0.3) * test["exposure"]}
    assert compare(mixed, test, target="claim_count").family == "poisson"  # arrays take the models' family
    with pytest.raises(ParameterError, match="families differ"):
        compare({"glm": models["small"], "gbm": StubGBM("tweedie", 300.0, 1.5)}, test, target="claim_count")
    forced = compare(
        {"glm": models["small"], "gbm": StubGBM("tweedie", 0.3, 1.5)}, test, target="claim_count", family="poisson"
    )
    assert forced.power == 1.0
    with pytest.raises(ParameterError, match="cannot tell"):
        compare({"array": np.ones(len(test))}, test, target="claim_count")
    with pytest.raises(ParameterError, match="Tweedie power as a number"):
        compare({"array": np.ones(len(test))}, test, target="claim_count", family="tweedie")


def test_bad_inputs_name_the_model_or_column(book, models):
    _, test = book
    predictions = np.full(len(test), 0.1)
    predictions[[3, 8]] = np.nan
    with pytest.raises(DataError, match=r"predictions of 'broken'.*missing or infinite in 2 rows.*rows: 3, 8"):
        compare({"broken": predictions}, test, target="claim_count", family="poisson")
    with pytest.raises(DataError, match=r"predictions of 'short'.*wrong length"):
        compare({"short": predictions[:10]}, test, target="claim_count", family="poisson")
    with pytest.raises(SchemaError, match="claims"):
        compare(models, test, target="claims")
    negative = test.assign(exposure=test["exposure"].where(test.index != 5, -0.5))
    with pytest.raises(DataError, match=r"column 'exposure': not positive.*rows: 5"):
        compare({"flat": np.full(len(test), 0.1)}, negative, target="claim_count", family="poisson")
    with pytest.raises(ParameterError, match="non-empty mapping"):
        compare({}, test, target="claim_count")
    with pytest.raises(ParameterError, match="n_bins"):
        compare(models, test, target="claim_count", n_bins=0)
    with pytest.raises(ParameterError, match="DataFrame"):
        compare(models, test.to_numpy(), target="claim_count")
