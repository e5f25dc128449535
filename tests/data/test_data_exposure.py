"""earned_exposure and split_exposure: hand-computed values and properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import earned_exposure, split_exposure
from autorisk.errors import DataError, ParameterError, SchemaError

DAY = pd.Timedelta(days=1)


def one_policy(start: str, end: str, **extra) -> pd.DataFrame:
    return pd.DataFrame({"policy_id": ["A"], "period_start": [start], "period_end": [end], **extra})


def days(pieces: pd.DataFrame) -> pd.Series:
    return (pieces["period_end"] - pieces["period_start"]) / DAY


# --- earned_exposure ------------------------------------------------------------------------


def test_earned_exposure_known_values():
    exposure = earned_exposure(
        pd.Series(["2023-01-01", "2024-01-01", "2023-03-01"]),
        np.array(["2024-01-01", "2025-01-01", "2023-03-01"], dtype="datetime64[D]"),
    )
    np.testing.assert_array_equal(exposure, np.array([365, 366, 0]) / 365.25)


def test_earned_exposure_matches_by_position_not_index():
    start = pd.Series(pd.to_datetime(["2023-01-01", "2023-06-01"]), index=[5, 6])
    end = pd.Series(pd.to_datetime(["2023-01-11", "2023-06-02"]), index=[0, 1])
    np.testing.assert_array_equal(earned_exposure(start, end, days_per_year=1), [10.0, 1.0])


def test_earned_exposure_refuses_end_before_start_and_missing_dates():
    message = str(
        pytest.raises(
            DataError, earned_exposure, ["2023-01-01", "2023-05-01"], ["2024-01-01", "2023-04-30"]
        ).value
    )
    assert (
        "column 'period_end': end_before_start" in message
        and "'2023-04-30 < 2023-05-01'" in message
    )
    assert "rows: 1" in message
    with pytest.raises(DataError, match="column 'period_start': missing"):
        earned_exposure([None], ["2024-01-01"])


def test_earned_exposure_argument_errors():
    with pytest.raises(ParameterError, match="different lengths"):
        earned_exposure(["2023-01-01"], ["2024-01-01", "2024-01-01"])
    with pytest.raises(ParameterError, match="days_per_year"):
        earned_exposure(["2023-01-01"], ["2024-01-01"], days_per_year=-1)
    with pytest.raises(SchemaError, match="'soon'"):
        earned_exposure(["2023-01-01"], ["soon"])


# --- split_exposure: known values -------------------------------------------------------------


def test_split_mid_year_policy_into_calendar_years():
    pieces = split_exposure(one_policy("2023-07-01", "2024-07-01", area=["x"]))
    assert pieces["year"].tolist() == [2023, 2024]
    assert days(pieces).tolist() == [184.0, 182.0]
    np.testing.assert_allclose(pieces["exposure"], np.array([184, 182]) / 365.25)
    assert pieces["period_start"].tolist() == list(pd.to_datetime(["2023-07-01", "2024-01-01"]))
    assert pieces["period_end"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-07-01"]))
    assert pieces["area"].tolist() == ["x", "x"]
    assert pieces["period_index"].tolist() == [0, 0]
    assert list(pieces.index) == [0, 1]


def test_split_keeps_input_order_columns_and_traces_rows_back():
    policies = pd.DataFrame(
        {
            "policy_id": ["B", "A"],
            "region": ["north", "south"],
            "period_start": ["2022-12-01", "2023-03-01"],
            "period_end": ["2023-02-01", "2023-04-01"],
            "exposure": [0.99, 0.99],
        },
        index=["b", "a"],
    )
    pieces = split_exposure(policies, days_per_year=365)
    assert list(pieces.columns) == [*policies.columns, "year", "period_index"]
    assert pieces["period_index"].tolist() == ["b", "b", "a"]
    assert pieces["region"].tolist() == ["north", "north", "south"]
    assert days(pieces).tolist() == [31.0, 31.0, 31.0]
    np.testing.assert_allclose(pieces["exposure"], [31 / 365] * 3)  # given exposure is replaced
    assert policies["exposure"].tolist() == [0.99, 0.99]  # input untouched


def test_split_at_cutoffs_labels_segments():
    pieces = split_exposure(
        one_policy("2023-01-01", "2024-01-01"), ["2023-10-01", "2023-04-01", "2023-04-01"]
    )
    assert days(pieces).tolist() == [90.0, 183.0, 92.0]
    assert pieces["segment_start"].isna().tolist() == [True, False, False]
    assert pieces["segment_start"].iloc[1:].tolist() == list(
        pd.to_datetime(["2023-04-01", "2023-10-01"])
    )


def test_split_by_quarter_and_month():
    quarters = split_exposure(one_policy("2023-02-15", "2023-07-10"), by="quarter")
    assert [str(q) for q in quarters["quarter"]] == ["2023Q1", "2023Q2", "2023Q3"]
    assert days(quarters).tolist() == [45.0, 91.0, 9.0]
    months = split_exposure(one_policy("2023-01-31", "2023-03-01"), by="month")
    assert [str(m) for m in months["month"]] == ["2023-01", "2023-02"]
    assert days(months).tolist() == [1.0, 28.0]


def test_zero_length_period_gives_one_empty_piece():
    pieces = split_exposure(one_policy("2024-01-01", "2024-01-01"))
    assert pieces["year"].tolist() == [2024]
    assert pieces["exposure"].tolist() == [0.0]


def test_period_ending_on_new_year_is_not_split():
    pieces = split_exposure(one_policy("2023-01-01", "2024-01-01"))
    assert pieces["year"].tolist() == [2023]


def test_split_of_empty_table():
    empty = one_policy("2023-01-01", "2024-01-01").iloc[:0]
    assert split_exposure(empty).empty


def test_split_needs_dates():
    with pytest.raises(SchemaError, match="period_start"):
        split_exposure(pd.DataFrame({"policy_id": [1], "exposure": [1.0]}))


def test_split_refuses_invalid_periods():
    with pytest.raises(DataError, match="end_before_start"):
        split_exposure(one_policy("2023-05-01", "2023-01-01"))


def test_split_refuses_to_overwrite_a_column():
    with pytest.raises(SchemaError, match="column 'year': column_clash"):
        split_exposure(one_policy("2023-01-01", "2024-01-01", year=[2023]))


def test_split_option_errors():
    policy = one_policy("2023-01-01", "2024-01-01")
    with pytest.raises(ParameterError, match=r"\['year', 'quarter', 'month'\]"):
        split_exposure(policy, by="week")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="either cutoffs or"):
        split_exposure(policy, ["2023-06-01"], by="month")
    with pytest.raises(ParameterError, match="missing"):
        split_exposure(policy, ["2023-06-01", None])


# --- split_exposure: properties ---------------------------------------------------------------

EPOCH = pd.Timestamp("1995-01-01")


@st.composite
def periods(draw, max_size: int = 12) -> pd.DataFrame:
    """Policies starting 1995..2035 at any hour, lasting 0 to ~5.5 years."""
    n = draw(st.integers(1, max_size))
    start_hours = draw(st.lists(st.integers(0, 40 * 365 * 24), min_size=n, max_size=n))
    length_hours = draw(st.lists(st.integers(0, 2000 * 24), min_size=n, max_size=n))
    start = EPOCH + pd.to_timedelta(start_hours, unit="h")
    return pd.DataFrame(
        {
            "policy_id": np.arange(n),
            "period_start": start,
            "period_end": start + pd.to_timedelta(length_hours, unit="h"),
        }
    )


def assert_parts_add_up(policies: pd.DataFrame, pieces: pd.DataFrame) -> None:
    """Piece lengths add up to the whole exactly, none is negative, exposure matches to rounding."""
    whole = (policies["period_end"] - policies["period_start"]).to_numpy()
    length = (pieces["period_end"] - pieces["period_start"]).to_numpy()
    assert (length >= np.timedelta64(0)).all()
    summed = pd.Series(length).groupby(pieces["period_index"].to_numpy()).sum()
    np.testing.assert_array_equal(summed.sort_index().to_numpy(), whole)
    exposure = pieces.groupby("period_index")["exposure"].sum().sort_index()
    np.testing.assert_allclose(exposure.to_numpy(), (whole / DAY) / 365.25, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(periods())
def test_calendar_year_split_properties(policies):
    pieces = split_exposure(policies)
    assert_parts_add_up(policies, pieces)
    year_start = pd.to_datetime(pieces["year"].astype(str) + "-01-01")
    assert (pieces["period_start"] >= year_start).all()
    assert (pieces["period_end"] <= year_start + pd.DateOffset(years=1)).all()
    last_instant = policies["period_end"] - pd.Timedelta(microseconds=1)
    spanned = np.where(
        policies["period_end"] > policies["period_start"],
        last_instant.dt.year - policies["period_start"].dt.year + 1,
        1,
    )
    np.testing.assert_array_equal(
        pieces.groupby("period_index").size().sort_index().to_numpy(), spanned
    )


@settings(max_examples=60, deadline=None)
@given(periods(), st.lists(st.integers(0, 45 * 365), min_size=1, max_size=8))
def test_cutoff_split_properties(policies, cutoff_days):
    cutoffs = EPOCH + pd.to_timedelta(cutoff_days, unit="D")
    pieces = split_exposure(policies, cutoffs)
    assert_parts_add_up(policies, pieces)
    bounds = np.unique(cutoffs.to_numpy())
    segment = np.searchsorted(bounds, pieces["segment_start"].to_numpy(), side="right") - 1
    segment[pieces["segment_start"].isna().to_numpy()] = -1
    segment_end = np.append(bounds, np.datetime64("NaT"))[segment + 1]
    inside_start = pieces["segment_start"].isna() | (
        pieces["period_start"] >= pieces["segment_start"]
    )
    inside_end = pd.isna(segment_end) | (pieces["period_end"].to_numpy() <= segment_end)
    assert inside_start.all() and inside_end.all()
    start, end = policies["period_start"].to_numpy(), policies["period_end"].to_numpy()
    cuts_inside = ((bounds[None, :] > start[:, None]) & (bounds[None, :] < end[:, None])).sum(
        axis=1
    )
    np.testing.assert_array_equal(
        pieces.groupby("period_index").size().sort_index().to_numpy(), cuts_inside + 1
    )
