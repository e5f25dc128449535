"""Lift and double lift tables, calibration and A/E tables: totals, ordering, bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.evaluate import (
    actual_vs_expected,
    calibration,
    double_lift,
    exposure_bins,
    lift_table,
)


@pytest.fixture
def book() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 20_000
    exposure = rng.uniform(0.1, 1.0, n)
    rate = rng.gamma(2.0, 0.05, n)
    return pd.DataFrame(
        {
            "region": pd.Categorical(rng.choice(["N", "S", "E"], n), categories=["S", "N", "E", "W"]),
            "use": rng.choice(["private", "business"], n),
            "exposure": exposure,
            "claims": rng.poisson(rate * exposure).astype(float),
            "model_a": rate * exposure,
            "model_b": rate * exposure * np.exp(rng.normal(0, 0.3, n)),
        }
    )


# -------------------------------------------------------------------- lift
def test_lift_totals_equal_the_book_totals(book):
    table = lift_table(book["claims"], book["model_a"], book["exposure"])
    assert list(table.index) == list(range(1, 11))
    assert table["actual"].sum() == pytest.approx(book["claims"].sum())
    assert table["predicted"].sum() == pytest.approx(book["model_a"].sum())
    assert table["exposure"].sum() == pytest.approx(book["exposure"].sum())
    assert table["ae"].to_numpy() == pytest.approx((table["actual"] / table["predicted"]).to_numpy())


def test_lift_bins_are_ordered_with_equal_exposure(book):
    table = lift_table(book["claims"], book["model_a"], book["exposure"])
    assert np.all(table["rate_upper"].to_numpy()[:-1] <= table["rate_lower"].to_numpy()[1:])
    assert np.all(np.diff(table["predicted_rate"]) > 0)
    share = table["exposure"] / table["exposure"].sum()
    assert share.to_numpy() == pytest.approx(np.full(10, 0.1), abs=0.01)


def test_equal_rows_fill_bins_exactly():
    bins = exposure_bins(np.arange(100.0)[::-1], np.ones(100), n_bins=10)
    assert np.bincount(bins).tolist() == [10] * 10
    assert bins[0] == 9 and bins[-1] == 0


def test_ties_share_a_bin_and_empty_bins_are_left_out():
    table = lift_table([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5], n_bins=10)
    assert len(table) == 1
    assert table["exposure"].iloc[0] == 4
    bins = exposure_bins([1.0, 2.0, 2.0, 2.0, 3.0], np.ones(5), n_bins=5)
    assert len(set(bins[1:4])) == 1


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(0, 10_000))
def test_lift_totals_property(n, n_bins, seed):
    rng = np.random.default_rng(seed)
    exposure = rng.uniform(0.1, 1, n)
    predicted = rng.choice([0.1, 0.2, 0.3, 0.5], n) * exposure
    actual = rng.poisson(predicted).astype(float)
    table = lift_table(actual, predicted, exposure, n_bins=n_bins)
    assert len(table) <= n_bins
    assert table["actual"].sum() == pytest.approx(actual.sum())
    assert table["predicted"].sum() == pytest.approx(predicted.sum())


def test_lift_with_weights_for_severity():
    severity = np.array([1000.0, 2000.0, np.nan, 5000.0])
    predicted = np.array([1200.0, 1800.0, 3000.0, 4000.0])
    counts = np.array([2.0, 1.0, 0.0, 1.0])
    table = lift_table(severity, predicted, weights=counts, n_bins=2)
    assert table["exposure"].sum() == 4  # claims
    assert table["actual"].sum() == pytest.approx(2000 + 2000 + 5000)  # amounts


# ------------------------------------------------------------- double lift
def test_double_lift_is_sorted_by_the_ratio(book):
    table = double_lift(book["claims"], book["model_a"], book["model_b"], book["exposure"])
    assert np.all(table["ratio_upper"].to_numpy()[:-1] <= table["ratio_lower"].to_numpy()[1:])
    # each bin's ratio of totals lies within the bin's range, so it increases too
    ratio = (table["rate_a"] / table["rate_b"]).to_numpy()
    assert np.all(np.diff(ratio) > 0)
    # model_a is the truth: its A/E stays near 1 where model_b's runs from below 1 (where it
    # over-predicts, in the low bins of a / b) to above 1
    assert table["ae_b"].iloc[0] < 0.8 and table["ae_b"].iloc[-1] > 1.25
    assert np.abs(table["ae_a"] - 1).max() < np.abs(table["ae_b"] - 1).max()


def test_double_lift_totals(book):
    args = book["claims"], book["model_a"], book["model_b"], book["exposure"]
    rebased = double_lift(*args)
    assert rebased["predicted_a"].sum() == pytest.approx(book["claims"].sum())
    assert rebased["predicted_b"].sum() == pytest.approx(book["claims"].sum())
    raw = double_lift(*args, rebase=False)
    assert raw["predicted_a"].sum() == pytest.approx(book["model_a"].sum())
    assert raw["predicted_b"].sum() == pytest.approx(book["model_b"].sum())
    assert raw["actual"].sum() == pytest.approx(book["claims"].sum())
    assert (raw.index == rebased.index).all()


def test_bad_bins():
    for n_bins in (0, 2.5, True):
        with pytest.raises(ParameterError, match="n_bins"):
            lift_table([1.0], [1.0], n_bins=n_bins)


# ------------------------------------------------------------- calibration
def test_actual_vs_expected_sums_to_the_book(book):
    table = actual_vs_expected(book, "region", "claims", "model_a", "exposure")
    assert list(table.index) == ["S", "N", "E"]  # category order, unused level left out
    assert table["actual"].sum() == pytest.approx(book["claims"].sum())
    assert table["expected"].sum() == pytest.approx(book["model_a"].sum())
    assert table["exposure"].sum() == pytest.approx(book["exposure"].sum())
    by_hand = book[book["region"] == "N"]
    assert table.loc["N", "ae"] == pytest.approx(by_hand["claims"].sum() / by_hand["model_a"].sum())
    assert table.loc["N", "actual_rate"] == pytest.approx(by_hand["claims"].sum() / by_hand["exposure"].sum())


def test_actual_vs_expected_by_two_columns_and_missing_level(book):
    book = book.assign(use=book["use"].where(book.index % 7 != 0))
    table = actual_vs_expected(book, ["region", "use"], "claims", "model_a")
    assert table.index.names == ["region", "use"]
    assert table["actual"].sum() == pytest.approx(book["claims"].sum())  # the missing level is kept
    assert table["exposure"].sum() == len(book)  # no exposure column: one per row


def test_calibration_overall_and_by_segment(book):
    table = calibration(book["claims"], book["model_b"], book["exposure"], segment=book["use"])
    overall = table.loc["(all)"]
    assert overall["actual"] == pytest.approx(book["claims"].sum())
    assert overall["expected"] == pytest.approx(book["model_b"].sum())
    assert overall["ae"] == pytest.approx(book["claims"].sum() / book["model_b"].sum())
    segments = table.drop("(all)")
    assert list(segments.index) == ["business", "private"]
    for column in ("exposure", "actual", "expected"):
        assert segments[column].sum() == pytest.approx(overall[column])
    assert len(calibration(book["claims"], book["model_b"], book["exposure"])) == 1


def test_a_poisson_glm_is_calibrated_on_its_factor_levels():
    """A Poisson GLM with a factor reproduces the training claims of each level (A/E = 1)."""
    from autorisk.models import FrequencyGLM

    rng = np.random.default_rng(5)
    data = pd.DataFrame({"region": rng.choice(["N", "S", "E"], 2_000), "exposure": rng.uniform(0.2, 1, 2_000)})
    data["claims"] = rng.poisson(0.1 * data["exposure"] * data["region"].map({"N": 1, "S": 1.5, "E": 0.7}))
    model = FrequencyGLM(["region"]).fit(data[["region"]], data["claims"], exposure=data["exposure"])
    data["expected"] = model.predict(data[["region"]], exposure=data["exposure"])
    table = actual_vs_expected(data, "region", "claims", "expected", "exposure")
    assert table["ae"].to_numpy() == pytest.approx(1.0, abs=1e-7)


def test_missing_columns_and_bad_values(book):
    with pytest.raises(SchemaError, match="nope"):
        actual_vs_expected(book, "nope", "claims", "model_a")
    bad = book.assign(exposure=book["exposure"].where(book.index != 4, -1.0))
    with pytest.raises(DataError, match=r"column 'exposure': not positive in 1 row.*rows: 4"):
        actual_vs_expected(bad, "region", "claims", "model_a", "exposure")
    with pytest.raises(DataError, match="segment"):
        calibration([1.0, 2.0], [1.0, 1.0], segment=["a"])
