"""GLM contributions: each term's additive part of the log prediction.

Hand values come from books whose claims are exactly multiplicative in the
factors (so the Poisson maximum likelihood reproduces the planted
relativities), never from the model under test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from autorisk.explain.effects import contributions as checked_contributions
from autorisk.models import FrequencyGLM, TweedieGLM

AREA = {"a": 1.0, "b": 3.0}
USE = {"x": 1.0, "y": 2.0}
CHANNEL = {"agent": 1.0, "web": 1.25}


def exact_book(extra_by: dict | None = None) -> pd.DataFrame:
    """One row per (area, use, channel) cell; claims = 0.1 x relativities x exposure, whole numbers."""
    rows = []
    for area, use, channel in itertools.product(AREA, USE, CHANNEL):
        exposure = 400.0 if area == "a" else 200.0
        rate = 0.1 * AREA[area] * USE[use] * CHANNEL[channel] * (extra_by or {}).get((area, use), 1.0)
        rows.append({"area": area, "use": use, "channel": channel, "exposure": exposure,
                     "claim_count": round(rate * exposure)})  # fmt: skip
    return pd.DataFrame(rows, index=[f"p{i}" for i in range(len(rows))])


def test_main_effects_and_a_restricted_factor_give_the_planted_log_relativities():
    book = exact_book()
    model = FrequencyGLM(["area", "use"], restrict={"channel": CHANNEL}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    table = model.contributions(book)
    assert list(table.columns) == ["area", "use", "channel", "bias"]
    assert table.index.equals(book.index)
    expected = pd.DataFrame({
        "area": np.log(book["area"].map(AREA)),
        "use": np.log(book["use"].map(USE)),
        "channel": np.log(book["channel"].map(CHANNEL)),
        "bias": np.log(0.1),
    })
    pd.testing.assert_frame_equal(table, expected, atol=1e-7, check_dtype=False)


def test_an_interaction_is_its_own_column():
    # (b, y) runs 200 / 120 times the main effects: a saturated two-way model fits it exactly
    book = exact_book(extra_by={("b", "y"): 200 / 120}).query("channel == 'agent'")
    model = FrequencyGLM(["area", "use"], interactions=[("area", "use")]).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    table = model.contributions(book)
    assert list(table.columns) == ["area", "use", "area:use", "bias"]
    both = (book["area"] == "b") & (book["use"] == "y")
    np.testing.assert_allclose(table["area:use"], np.where(both, np.log(200 / 120), 0.0), atol=1e-7)
    np.testing.assert_allclose(table["area"], np.log(book["area"].map(AREA)), atol=1e-7)


def test_a_numeric_term_is_its_coefficient_times_the_value():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"age": rng.uniform(18, 80, 400), "area": rng.choice(["a", "b"], 400)})
    y = rng.poisson(np.exp(-2 + 0.01 * X["age"]))
    model = FrequencyGLM(["age", "area"]).fit(X, y)
    table = model.contributions(X)
    np.testing.assert_allclose(table["age"], model.params_["age"] * X["age"], rtol=1e-14)
    np.testing.assert_allclose(table["bias"], model.intercept_)


@pytest.mark.parametrize("estimator", [FrequencyGLM, TweedieGLM])
def test_rows_sum_to_the_linear_predictor_for_every_kind_of_term(estimator):
    rng = np.random.default_rng(11)
    n = 3_000
    X = pd.DataFrame({
        "area": rng.choice(list("abcd"), n),
        "use": rng.choice(["private", "business"], n),
        "age": rng.uniform(18, 80, n),
        "value": rng.uniform(5, 50, n),
        "power": rng.uniform(50, 200, n),
        "channel": rng.choice(["agent", "web"], n),
    })
    exposure = rng.uniform(0.2, 1.0, n)
    rate = 0.1 * np.exp(0.3 * (X["area"] == "b") + 0.01 * (X["age"] - 40))
    y = rng.poisson(rate * exposure) * (200.0 if estimator is TweedieGLM else 1.0)
    model = estimator(
        ["area", "use", "age", "value", "power"],
        bands={"age": [25, 40, 60]},
        splines={"value": 3},
        interactions=[("area", "use"), ("use", "power")],
        groups={"area": {"d": "c"}},
        restrict={"channel": {"agent": 1.0, "web": 0.9}},
    ).fit(X, y, exposure=exposure)
    table = checked_contributions(model, X)  # the contract explain.effects checks
    assert list(table.columns) == ["area", "use", "age", "value", "power", "area:use", "use:power", "channel", "bias"]
    np.testing.assert_allclose(table.sum(axis=1), model._linear_predictor(X), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.exp(table.sum(axis=1)), model.predict(X), rtol=1e-12)
    # the base level of a categorical term contributes nothing
    base = model.design_.terms[0].base_level
    assert (table.loc[X["area"].replace({"d": "c"}) == base, "area"] == 0).all()
