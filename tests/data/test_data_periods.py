"""merge_periods: hand-computed merges, conflicts, and properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import merge_periods
from autorisk.errors import DataError, ParameterError, SchemaError


def periods(rows, **extra) -> pd.DataFrame:
    """Policy table from (policy_id, start, end) tuples."""
    return pd.DataFrame(
        {
            "policy_id": [r[0] for r in rows],
            "period_start": pd.to_datetime([r[1] for r in rows]),
            "period_end": pd.to_datetime([r[2] for r in rows]),
            **extra,
        }
    )


def test_three_contiguous_years_merge_into_one():
    policies = periods(
        [
            ("A", "2021-01-01", "2022-01-01"),
            ("A", "2022-01-01", "2023-01-01"),
            ("A", "2023-01-01", "2024-01-01"),
        ],
        area=["x", "x", "x"],
    )
    merged = merge_periods(policies)
    assert len(merged) == 1
    assert merged["period_start"].iloc[0] == pd.Timestamp("2021-01-01")
    assert merged["period_end"].iloc[0] == pd.Timestamp("2024-01-01")
    assert merged["exposure"].iloc[0] == pytest.approx(1095 / 365.25)
    assert merged["area"].iloc[0] == "x"
    assert list(merged.index) == [0]


def test_overlap_is_counted_once():
    policies = periods(
        [
            ("A", "2023-01-01", "2023-07-01"),
            ("A", "2023-05-01", "2023-09-01"),
            ("A", "2023-02-01", "2023-03-01"),
        ]
    )
    merged = merge_periods(policies, days_per_year=1)
    assert merged["period_end"].tolist() == [pd.Timestamp("2023-09-01")]
    assert merged["exposure"].tolist() == [243.0]  # 2023-01-01 .. 2023-09-01


def test_gap_is_bridged_but_not_counted():
    policies = periods([("A", "2023-01-01", "2023-02-01"), ("A", "2023-02-04", "2023-03-01")])
    assert len(merge_periods(policies, gap_days=2)) == 2
    merged = merge_periods(policies, gap_days=3, days_per_year=1)
    assert merged["period_end"].tolist() == [pd.Timestamp("2023-03-01")]
    assert merged["exposure"].tolist() == [31.0 + 25.0]


def test_different_risk_is_not_merged_and_order_is_kept():
    policies = periods(
        [
            ("B", "2023-01-01", "2024-01-01"),
            ("A", "2023-01-01", "2023-06-01"),
            ("A", "2023-06-01", "2024-01-01"),
        ],
        vehicle=["v1", "v1", "v2"],
    )
    merged = merge_periods(policies)
    assert merged["policy_id"].tolist() == ["B", "A", "A"]
    assert merged["vehicle"].tolist() == ["v1", "v1", "v2"]


def test_gap_is_not_bridged_across_another_risk():
    policies = periods(
        [
            ("A", "2023-01-01", "2023-02-01"),
            ("A", "2023-02-05", "2023-02-10"),
            ("A", "2023-02-15", "2023-03-01"),
        ],
        vehicle=["v1", "v2", "v1"],
    )
    assert merge_periods(policies, gap_days=10)["vehicle"].tolist() == ["v1", "v2", "v1"]


def test_missing_key_values_are_equal_to_each_other():
    policies = periods(
        [("A", "2023-01-01", "2023-06-01"), ("A", "2023-06-01", "2024-01-01")],
        area=[np.nan, np.nan],
    )
    assert len(merge_periods(policies)) == 1


def test_overlap_with_different_risk_is_an_error_naming_policy_and_row():
    policies = periods(
        [
            ("A", "2023-01-01", "2024-01-01"),
            ("B", "2023-01-01", "2024-01-01"),
            ("A", "2023-06-01", "2024-06-01"),
        ],
        vehicle=["v1", "v1", "v2"],
    )
    with pytest.raises(DataError) as info:
        merge_periods(policies)
    message = str(info.value)
    assert "column 'policy_id': overlap_conflict in 1 row" in message
    assert "'A: starts 2023-06-01, before an earlier period ends 2024-01-01'" in message
    assert "rows: 2" in message


def test_keys_choose_what_must_agree():
    policies = periods(
        [("A", "2023-01-01", "2023-06-01"), ("A", "2023-06-01", "2024-01-01")], bonus=[100, 95]
    )
    merged = merge_periods(policies, keys=[])
    assert len(merged) == 1 and merged["bonus"].tolist() == [100]  # earliest period's value
    assert len(merge_periods(policies, keys=["bonus"])) == 2


def test_merge_argument_errors():
    policies = periods([("A", "2023-01-01", "2023-06-01")])
    with pytest.raises(ParameterError, match="period columns"):
        merge_periods(policies, keys=["period_start"])
    with pytest.raises(SchemaError, match="column 'vehicle': missing_column"):
        merge_periods(policies, keys=["vehicle"])
    with pytest.raises(ParameterError, match="gap_days"):
        merge_periods(policies, gap_days=-1)
    with pytest.raises(SchemaError, match="period_start"):
        merge_periods(pd.DataFrame({"policy_id": [1], "exposure": [1.0]}))
    with pytest.raises(DataError, match="end_before_start"):
        merge_periods(periods([("A", "2023-06-01", "2023-01-01")]))


def test_merge_of_empty_table():
    assert merge_periods(periods([("A", "2023-01-01", "2023-06-01")]).iloc[:0]).empty


# --- properties ----------------------------------------------------------------------------------


DAY0 = pd.Timestamp("2023-01-01")


@st.composite
def period_tables(draw) -> pd.DataFrame:
    """Up to three policies with whole-day periods that may touch, overlap, repeat or leave gaps."""
    n = draw(st.integers(1, 10))
    rows = []
    for _ in range(n):
        start = draw(st.integers(0, 60))
        rows.append((draw(st.sampled_from("ABC")), start, start + draw(st.integers(0, 30))))
    return pd.DataFrame(
        {
            "policy_id": [r[0] for r in rows],
            "period_start": [DAY0 + pd.Timedelta(days=r[1]) for r in rows],
            "period_end": [DAY0 + pd.Timedelta(days=r[2]) for r in rows],
        }
    )


def covered_days(table: pd.DataFrame) -> dict[str, set]:
    """Reference union: the set of covered days of each policy."""
    days: dict[str, set] = {}
    for policy, start, end in table[["policy_id", "period_start", "period_end"]].itertuples(
        index=False
    ):
        first, stop = (start - DAY0).days, (end - DAY0).days
        days.setdefault(policy, set()).update(range(first, stop))
    return days


@settings(max_examples=80, deadline=None)
@given(period_tables(), st.integers(0, 5))
def test_merge_properties(policies, gap_days):
    merged = merge_periods(policies, gap_days=gap_days, days_per_year=1)
    original_days = (
        (policies["period_end"] - policies["period_start"]) / pd.Timedelta(days=1)
    ).sum()
    union = covered_days(policies)
    assert merged["exposure"].sum() == sum(len(d) for d in union.values())
    assert merged["exposure"].sum() <= original_days
    # Every original period lies inside exactly one merged period of its policy.
    for policy, start, end in policies[["policy_id", "period_start", "period_end"]].itertuples(
        index=False
    ):
        same = merged[merged["policy_id"] == policy]
        holders = (same["period_start"] <= start) & (end <= same["period_end"])
        if end > start:  # a zero-length period on a boundary touches two merged periods
            assert holders.sum() == 1
        else:
            assert holders.sum() >= 1
    # Merged periods of one policy are apart by more than the gap.
    ordered = merged.sort_values(["policy_id", "period_start"])
    gaps = ordered.groupby("policy_id")["period_start"].shift(-1) - ordered["period_end"]
    assert (gaps.dropna() > pd.Timedelta(days=gap_days)).all()


@settings(max_examples=60, deadline=None)
@given(period_tables())
def test_merge_is_idempotent(policies):
    once = merge_periods(policies)
    pd.testing.assert_frame_equal(merge_periods(once), once)


@settings(max_examples=60, deadline=None)
@given(period_tables())
def test_merge_keeps_total_days_without_overlaps(policies):
    pairs = policies.reset_index().merge(policies.reset_index(), on="policy_id")
    pairs = pairs[pairs["index_x"] < pairs["index_y"]]
    latest_start = np.maximum(pairs["period_start_x"], pairs["period_start_y"])
    overlaps = (latest_start < np.minimum(pairs["period_end_x"], pairs["period_end_y"])).any()
    original_days = (
        (policies["period_end"] - policies["period_start"]) / pd.Timedelta(days=1)
    ).sum()
    merged_days = merge_periods(policies, days_per_year=1)["exposure"].sum()
    if overlaps:
        assert merged_days < original_days
    else:
        assert merged_days == original_days
