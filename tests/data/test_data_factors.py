"""validate_policies on declared factors: numbers, ranges, levels, booleans, blank text and a composite key."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import validate_policies
from autorisk.errors import DataError, ParameterError, SchemaError


def book(**columns) -> pd.DataFrame:
    """Exposure-only policies p1, p2, ... with the given factor columns."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame(
        {"policy_id": range(1, n + 1), "exposure": [1.0] * n, **columns},
        index=[f"p{i}" for i in range(1, n + 1)],
    )


def error_of(frame: pd.DataFrame, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        validate_policies(frame, **kwargs)
    assert not isinstance(info.value, SchemaError)
    return info.value


# --- numbers ---------------------------------------------------------------------------------


def test_text_in_a_numeric_column_is_refused_with_its_values_and_rows():
    frame = book(vehicle_value=[20_000, "twenty thousand", 15_000.5, "abc"])
    error = error_of(frame, numeric=["vehicle_value"])
    (issue,) = error.issues
    assert (issue.column, issue.rule, issue.n_rows) == ("vehicle_value", "text", 2)
    assert issue.values == ("twenty thousand", "abc") and issue.rows == ("p2", "p4")
    assert "pd.to_numeric" not in str(error)  # not numbers: no advice to convert


def test_a_column_of_numbers_as_text_gets_the_hint():
    frame = book(driver_age=["45", "38", " 61 "])
    message = str(error_of(frame, numeric=["driver_age"]))
    assert "column 'driver_age': text in 3 rows" in message
    assert "holds numbers as text: convert it with pd.to_numeric(data['driver_age'])" in message
    assert "rows: 'p1', 'p2', 'p3'" in message


def test_booleans_are_not_numbers_in_a_numeric_column():
    mixed = error_of(book(vehicle_age=[3, True, 5.0, False]), numeric=["vehicle_age"])
    assert [(i.rule, i.values, i.rows) for i in mixed.issues] == [
        ("boolean", (True, False), ("p2", "p4"))
    ]
    whole = error_of(book(vehicle_age=[True, False]), numeric=["vehicle_age"])
    assert whole.issues[0].rule == "boolean" and whole.issues[0].n_rows == 2


def test_nan_is_missing_and_infinities_are_refused():
    frame = book(bonus=[50.0, np.nan, np.inf, -np.inf, 100.0])
    error = error_of(frame, numeric=["bonus"])
    found = {(i.rule, i.rows) for i in error.issues}
    assert found == {("missing", ("p2",)), ("infinite", ("p3", "p4"))}


def test_an_object_column_of_numbers_comes_back_numeric():
    frame = book(driver_age=pd.Series([45, 38, 61], dtype=object).to_numpy())
    valid = validate_policies(frame, numeric=["driver_age"]).valid
    assert pd.api.types.is_integer_dtype(valid["driver_age"])
    assert valid["driver_age"].tolist() == [45, 38, 61]


# --- ranges ------------------------------------------------------------------------------------


def test_ranges_are_inclusive_and_name_column_values_and_rows():
    frame = book(driver_age=[17, 18, 99, 100, 45])
    error = error_of(frame, ranges={"driver_age": (18, 99)})
    (issue,) = error.issues
    assert issue.rule == "out of range" and issue.expected == "18 <= driver_age <= 99"
    assert issue.values == (17, 100) and issue.rows == ("p1", "p4")


def test_an_open_end_is_none():
    frame = book(bonus=[-5.0, 0.0, 350.0], driver_age=[16, 17, 120])
    error = error_of(frame, ranges={"bonus": (0, None), "driver_age": (None, 17)})
    assert [(i.column, i.expected, i.rows) for i in error.issues] == [
        ("bonus", "0 <= bonus", ("p1",)),
        ("driver_age", "driver_age <= 17", ("p3",)),
    ]


def test_reject_mode_sets_aside_the_rows_out_of_range_or_of_the_wrong_type():
    frame = book(driver_age=[30, -2, "40", 51], bonus=[50, 60, 70, 500])
    valid, rejected = validate_policies(
        frame, ranges={"driver_age": (18, 99), "bonus": (50, 350)}, errors="reject"
    )
    assert list(valid.index) == ["p1"]
    assert rejected["reason"].to_dict() == {
        "p2": "driver_age: out of range",
        "p3": "driver_age: text",
        "p4": "bonus: out of range",
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-1_000, 1_000), min_size=1, max_size=30),
    st.integers(-500, 500),
    st.integers(0, 500),
)
def test_rejected_rows_are_exactly_those_outside_the_bounds(values, low, width):
    high = low + width
    frame = book(x=values)
    valid, rejected = validate_policies(frame, ranges={"x": (low, high)}, errors="reject")
    inside = [low <= v <= high for v in values]
    assert list(valid.index) == list(frame.index[inside])
    assert list(rejected.index) == list(frame.index[[not i for i in inside]])


@pytest.mark.parametrize(
    "bounds", [(99, 18), "18-99", (18,), (18, 99, 1), (True, 5), (0, float("inf")), ("18", 99)]
)
def test_invalid_ranges_are_a_parameter_error(bounds):
    with pytest.raises(ParameterError, match=r"ranges\['driver_age'\] must be \(low, high\)"):
        validate_policies(book(driver_age=[30]), ranges={"driver_age": bounds})


def test_a_column_cannot_be_numeric_and_have_levels():
    with pytest.raises(ParameterError, match="levels and declared numeric"):
        validate_policies(book(x=[1]), numeric=["x"], levels={"x": [1]})


def test_a_declared_numeric_column_must_exist():
    with pytest.raises(SchemaError, match="column 'driver_age': missing_column"):
        validate_policies(book(age=[30]), numeric=["driver_age"])


# --- missing, booleans and levels ----------------------------------------------------------


def test_empty_and_blank_text_are_missing():
    frame = book(area=["A", "", "  ", "B"])
    error = error_of(frame, factors=["area"])
    assert [(i.rule, i.rows) for i in error.issues] == [("missing", ("p2", "p3"))]


def test_a_blank_policy_id_is_missing():
    frame = pd.DataFrame({"policy_id": ["P1", " "], "exposure": [1.0, 1.0]}, index=["r1", "r2"])
    assert error_of(frame).issues[0].rows == ("r2",)


def test_a_boolean_among_levels_is_refused_but_a_boolean_column_is_fine():
    error = error_of(book(use=["private", True, "commercial"]), factors=["use"])
    assert [(i.rule, i.rows) for i in error.issues] == [("boolean", ("p2",))]
    flags = book(garaged=[True, False, True])
    assert len(validate_policies(flags, levels={"garaged": [True, False]}).valid) == 3
    as_objects = book(garaged=np.array([True, False], dtype=object))
    assert len(validate_policies(as_objects, factors=["garaged"]).valid) == 2


def test_true_is_not_the_level_one():
    error = error_of(book(ncd=[1, True, 0]), levels={"ncd": [0, 1, 2]})
    assert [(i.rule, i.rows) for i in error.issues] == [("boolean", ("p2",))]
    error = error_of(book(ncd=[True, 1]), levels={"ncd": [True, False]})  # nor 1 the level True
    assert [(i.rule, i.values) for i in error.issues] == [("boolean", (True,)), ("unknown level", (1,))]


def test_levels_match_within_their_kind_with_a_hint_for_numbers_as_text():
    assert len(validate_policies(book(ncd=[1.0, 2, 3]), levels={"ncd": [1, 2, 3]}).valid) == 3
    error = error_of(book(ncd=["1", "2", "4"]), levels={"ncd": [1, 2, 3]})
    (issue,) = error.issues
    assert issue.rule == "unknown level" and issue.n_rows == 3
    assert "pd.to_numeric(data['ncd'])" in issue.expected


def test_a_list_as_a_level_is_refused_not_a_type_error():
    frame = book(area=pd.Series(["A", ["A", "B"], "B"], dtype=object).to_numpy())
    error = error_of(frame, levels={"area": ["A", "B"]})
    assert [(i.rule, i.rows) for i in error.issues] == [("not a level", ("p2",))]


def test_a_factor_of_numbers_as_text_warns():
    with pytest.warns(UserWarning, match=r"'bonus' holds numbers as text.*pd.to_numeric.*numeric="):
        validate_policies(book(bonus=["50", "100"]), factors=["bonus"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_policies(book(area=["A", "12"]), factors=["area"])


# --- composite key ---------------------------------------------------------------------------


def test_a_fleet_is_unique_on_its_composite_key():
    fleet = pd.DataFrame(
        {
            "policy_id": ["F1", "F1", "F1"],
            "vehicle": ["V1", "V2", "V2"],
            "period_start": ["2023-01-01"] * 3,
            "period_end": ["2024-01-01"] * 3,
        },
        index=["a", "b", "c"],
    )
    error = error_of(fleet.iloc[:2])  # policy_id alone repeats
    assert error.issues[0].column == "policy_id, period_start"
    error = error_of(fleet, on=["policy_id", "vehicle"])
    (issue,) = error.issues
    assert issue.column == "policy_id, vehicle, period_start" and issue.rows == ("b", "c")
    assert len(validate_policies(fleet.iloc[:2], on=["policy_id", "vehicle"]).valid) == 2
    with pytest.raises(SchemaError, match="column 'vin': missing_column"):
        validate_policies(fleet, on=["policy_id", "vin"])
