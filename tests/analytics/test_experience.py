"""experience_table against a plain-Python reference and hand-worked figures."""

import warnings
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.analytics import experience_table
from autorisk.errors import DataError, ParameterError, SchemaError

rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["x", "y"]),
        st.floats(0.01, 2.0),
        st.integers(0, 4),
        st.floats(0.0, 1e5),
    ),
    min_size=1,
    max_size=60,
)


def _frame(records):
    return pd.DataFrame(records, columns=["area", "use", "exposure", "claim_count", "claim_amount"])


@settings(max_examples=60, deadline=None)
@given(rows)
def test_matches_a_plain_python_reference(records):
    book = _frame(records)
    reference = defaultdict(lambda: [0.0, 0, 0.0])
    for area, _, exposure, count, amount in records:
        reference[area][0] += exposure
        reference[area][1] += count
        reference[area][2] += amount
    table = experience_table(book, "area")
    total_exposure = sum(r[2] for r in records)
    for area, (exposure, count, amount) in reference.items():
        row = table.loc[area]
        assert row["exposure"] == pytest.approx(exposure)
        assert row["claim_count"] == count
        assert row["frequency"] == pytest.approx(count / exposure)
        assert row["pure_premium"] == pytest.approx(amount / exposure)
        assert row["exposure_share"] == pytest.approx(exposure / total_exposure)
        if count:
            assert row["severity"] == pytest.approx(amount / count)
        else:
            assert np.isnan(row["severity"])
    assert table.loc["All", "claim_count"] == sum(r[3] for r in records)
    assert table.drop(index="All")["exposure_share"].sum() == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(rows)
def test_two_way_segments_add_up_to_one_way(records):
    book = _frame(records)
    two_way = experience_table(book, ["area", "use"], total=False)
    one_way = experience_table(book, "area", total=False)
    summed = two_way.groupby(level="area")[["exposure", "claim_count", "claim_amount"]].sum()
    pd.testing.assert_frame_equal(summed, one_way[["exposure", "claim_count", "claim_amount"]],
                                  check_names=False, check_index_type=False)


def test_single_row_without_grouping():
    book = _frame([("a", "x", 0.5, 1, 800.0), ("b", "y", 1.5, 1, 200.0)])
    table = experience_table(book)
    assert list(table.index) == ["All"]
    assert table.loc["All", "frequency"] == pytest.approx(1.0)
    assert table.loc["All", "severity"] == pytest.approx(500.0)
    assert table.loc["All", "pure_premium"] == pytest.approx(500.0)


def test_missing_column_is_named():
    book = _frame([("a", "x", 1.0, 0, 0.0)]).drop(columns="claim_count")
    with pytest.raises(SchemaError, match="claim_count"):
        experience_table(book, "area")


def test_negative_exposure_names_value_and_row():
    book = _frame([("a", "x", 1.0, 0, 0.0), ("b", "x", -0.25, 0, 0.0)])
    with pytest.raises(DataError) as info:
        experience_table(book, "area")
    message = str(info.value)
    assert "exposure" in message and "-0.25" in message and "rows: 1" in message


def test_earned_premium_and_loss_ratio_by_segment():
    rng = np.random.default_rng(5)
    book = pd.DataFrame({"region": rng.choice(["a", "b", "c"], 500), "exposure": rng.uniform(0.1, 1.0, 500),
                         "claim_count": rng.poisson(0.2, 500), "premium": rng.uniform(200, 800, 500)})  # fmt: skip
    book["claim_amount"] = book["claim_count"] * rng.gamma(2.0, 500.0, 500)
    table = experience_table(book, "region", premium="premium")
    grouped = book.groupby("region")[["claim_amount", "premium", "exposure"]].sum()
    np.testing.assert_allclose(table.loc[["a", "b", "c"], "loss_ratio"], grouped["claim_amount"] / grouped["premium"])
    np.testing.assert_allclose(table.loc[["a", "b", "c"], "average_premium"], grouped["premium"] / grouped["exposure"])
    assert table.loc["All", "loss_ratio"] == pytest.approx(book["claim_amount"].sum() / book["premium"].sum())
    with pytest.raises(DataError, match=r"premium.*rows: 3"):
        experience_table(book.assign(premium=book["premium"].where(book.index != 3, -1.0)), "region", premium="premium")


# ------------------------------------------------------------- missing levels
MISSING_VALUES = [None, np.nan, "", "  "]

keyed_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", *MISSING_VALUES]),
        st.sampled_from(["x", "y", None]),
        st.floats(0.0, 2.0),
        st.integers(0, 4),
    ),
    min_size=1,
    max_size=60,
)


def _is_missing(value):
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


@settings(max_examples=60, deadline=None)
@given(keyed_rows)
def test_segments_add_up_to_the_whole_book_missing_included(records):
    book = pd.DataFrame(records, columns=["area", "use", "exposure", "claim_count"])
    total_exposure = sum(r[2] for r in records)
    for by in ("area", ["area", "use"]):
        table = experience_table(book, by, claim_amount=None)
        segments = table.drop(index=table.index[-1])
        assert segments["exposure"].sum() == pytest.approx(total_exposure, abs=1e-9)
        assert segments["claim_count"].sum() == sum(r[3] for r in records)
        assert table["exposure"].iloc[-1] == pytest.approx(total_exposure, abs=1e-9)
    one_way = experience_table(book, "area", claim_amount=None, total=False)
    missing_exposure = sum(r[2] for r in records if _is_missing(r[0]))
    if any(_is_missing(r[0]) for r in records):
        assert one_way.index[-1] == "(missing)"  # after the levels
        assert one_way.loc["(missing)", "exposure"] == pytest.approx(missing_exposure, abs=1e-12)
        assert one_way.loc["(missing)", "claim_count"] == sum(r[3] for r in records if _is_missing(r[0]))
    else:
        assert "(missing)" not in one_way.index
    present = sorted({r[0] for r in records if not _is_missing(r[0])})
    assert list(one_way.index[: len(present)]) == present


def test_missing_levels_of_numeric_and_categorical_factors():
    book = pd.DataFrame({
        "age": [30.0, np.nan, 20.0, 30.0], "cls": pd.Categorical(["hi", "lo", None, "hi"], categories=["lo", "hi"]),
        "exposure": [1.0, 2.0, 4.0, 8.0], "claim_count": [0, 1, 0, 1],
    })  # fmt: skip
    by_age = experience_table(book, "age", claim_amount=None, total=False)
    assert list(by_age.index) == [20.0, 30.0, "(missing)"]
    assert list(by_age["exposure"]) == [4.0, 9.0, 2.0]
    by_class = experience_table(book, "cls", claim_amount=None, total=False)
    assert list(by_class.index) == ["lo", "hi", "(missing)"]  # the categorical's own order, missing last
    assert list(by_class["exposure"]) == [2.0, 9.0, 4.0]


# ----------------------------------------------------------------------- bands
def test_banded_table_equals_a_hand_groupby_with_pd_cut():
    rng = np.random.default_rng(17)
    n = 2_000
    book = pd.DataFrame({"age": rng.integers(18, 90, n).astype(float), "area": rng.choice(["a", "b"], n),
                         "exposure": rng.uniform(0.1, 1.0, n), "claim_count": rng.poisson(0.1, n)})  # fmt: skip
    book.loc[rng.choice(n, 25, replace=False), "age"] = np.nan
    book["claim_amount"] = book["claim_count"] * rng.gamma(2.0, 400.0, n)
    cuts = [25, 40, 65]
    table = experience_table(book, ["age", "area"], bands={"age": cuts}, total=False)
    bands = pd.cut(book["age"], [-np.inf, *cuts, np.inf], right=False,
                   labels=["<25", "[25, 40)", "[40, 65)", ">=65"]).astype(object).fillna("(missing)")  # fmt: skip
    hand = book.groupby([bands, book["area"]])[["exposure", "claim_count", "claim_amount"]].sum()
    order = ["<25", "[25, 40)", "[40, 65)", ">=65", "(missing)"]
    assert list(dict.fromkeys(table.index.get_level_values("age"))) == order
    for (band, area), row in hand.iterrows():
        assert table.loc[(band, area), "exposure"] == pytest.approx(row["exposure"], rel=1e-12)
        assert table.loc[(band, area), "claim_count"] == row["claim_count"]
        assert table.loc[(band, area), "claim_amount"] == pytest.approx(row["claim_amount"], rel=1e-12)
    assert len(table) == len(hand)
    # a number of bands: as many rows in each (distinct values 0..99, four bands of 25)
    ages = pd.DataFrame({"age": np.arange(100), "exposure": 1.0, "claim_count": 0})
    quartiles = experience_table(ages, "age", claim_amount=None, bands={"age": 4}, total=False)
    assert list(quartiles["exposure"]) == [25.0] * 4
    assert list(quartiles.index) == ["<25", "[25, 50)", "[50, 75)", ">=75"]


def test_bad_bands_are_refused_naming_column_value_and_rows():
    book = pd.DataFrame({"age": [30, "abc", 40], "area": ["a", "b", "c"], "exposure": 1.0, "claim_count": 0})
    with pytest.raises(DataError, match=r"age.*abc.*rows: 1"):
        experience_table(book, "age", claim_amount=None, bands={"age": [35]})
    flags = book.assign(age=[True, False, True])
    with pytest.raises(DataError, match="age"):
        experience_table(flags, "age", claim_amount=None, bands={"age": [35]})
    with pytest.raises(ParameterError, match="age"):
        experience_table(book, "area", claim_amount=None, bands={"age": 3})
    with pytest.raises(ParameterError, match="increasing"):
        experience_table(book.assign(age=[1, 2, 3]), "age", claim_amount=None, bands={"age": [5, 2]})


# ---------------------------------------------------------- numbers as text
def test_numbers_written_as_text_sort_as_text_with_a_hint():
    book = pd.DataFrame({"ncd": ["10", "9", "2", None], "exposure": 1.0, "claim_count": 0})
    with pytest.warns(UserWarning, match=r"'ncd'.*pd\.to_numeric"):
        table = experience_table(book, "ncd", claim_amount=None, total=False)
    assert list(table.index) == sorted(["10", "9", "2"]) + ["(missing)"]  # text order, kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        experience_table(book.assign(ncd=["10", "9", "x", None]), "ncd", claim_amount=None)
        experience_table(book.assign(ncd=[10, 9, 2, None]), "ncd", claim_amount=None)
