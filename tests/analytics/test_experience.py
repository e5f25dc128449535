"""experience_table against a plain-Python reference and hand-worked figures."""

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.analytics import experience_table
from autorisk.errors import DataError, SchemaError

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
