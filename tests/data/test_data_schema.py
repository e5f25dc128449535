"""Column declarations and mapping user tables onto them."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from autorisk.data import CLAIM_COLUMNS, POLICY_COLUMNS, ColumnSpec, standardize
from autorisk.errors import DataError, ParameterError, SchemaError


def test_declarations_name_the_canonical_columns():
    assert POLICY_COLUMNS.names == ("policy_id", "period_start", "period_end", "exposure")
    assert {c.name for c in CLAIM_COLUMNS if c.required} == {
        "claim_id",
        "policy_id",
        "occurrence_date",
    }
    assert CLAIM_COLUMNS["settlement_date"].kind == "date"
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY_COLUMNS["exposure"].required = True  # type: ignore[misc]
    assert isinstance(POLICY_COLUMNS["exposure"], ColumnSpec)


def test_mapping_renames_coerces_and_keeps_other_columns_in_place():
    raw = pd.DataFrame(
        {
            "Area": ["A", "B"],
            "IDpol": [11, 12],
            "Expo": ["0.5", "1"],
            "Start": ["2023-01-01", "2023-02-01"],
        }
    )
    frame = standardize(raw, POLICY_COLUMNS, {"policy_id": "IDpol", "exposure": "Expo"})
    assert list(frame.columns) == ["Area", "policy_id", "exposure", "Start"]
    assert frame["exposure"].dtype == np.float64
    assert frame["exposure"].tolist() == [0.5, 1.0]
    assert frame["Start"].tolist() == ["2023-01-01", "2023-02-01"]  # pass-through, not coerced
    assert list(raw.columns) == ["Area", "IDpol", "Expo", "Start"]  # input untouched
    assert raw["Expo"].tolist() == ["0.5", "1"]


def test_date_strings_become_datetimes():
    raw = pd.DataFrame(
        {
            "policy_id": [1, 2],
            "period_start": ["2023-01-01", None],
            "period_end": ["2024-01-01"] * 2,
        }
    )
    frame = standardize(raw, POLICY_COLUMNS)
    assert frame["period_start"].dtype == "datetime64[us]"
    assert frame["period_start"].iloc[0] == pd.Timestamp("2023-01-01")
    assert pd.isna(frame["period_start"].iloc[1])  # missing stays missing, for validation to report


def test_missing_required_column_names_it_and_the_available_columns():
    raw = pd.DataFrame({"IDpol": [1], "Expo": [1.0]})
    with pytest.raises(SchemaError) as info:
        standardize(raw, POLICY_COLUMNS, {"exposure": "Expo"})
    message = str(info.value)
    assert "'policy_id'" in message and "IDpol" in message and "Expo" in message
    assert info.value.columns == ["policy_id"]
    assert isinstance(info.value, KeyError) and isinstance(info.value, DataError)


def test_mapped_column_that_does_not_exist_names_both_names():
    raw = pd.DataFrame({"IDpol": [1], "Expo": [1.0]})
    with pytest.raises(SchemaError) as info:
        standardize(raw, POLICY_COLUMNS, {"policy_id": "ID_POL", "exposure": "Expo"})
    message = str(info.value)
    assert "'policy_id'" in message and "'ID_POL'" in message and "'IDpol'" in message


def test_neither_dates_nor_exposure_is_a_schema_error():
    with pytest.raises(SchemaError, match="both period_start and period_end, or exposure"):
        standardize(pd.DataFrame({"policy_id": [1]}), POLICY_COLUMNS)


def test_half_a_date_pair_is_a_schema_error():
    raw = pd.DataFrame({"policy_id": [1], "period_start": ["2023-01-01"], "exposure": [1.0]})
    with pytest.raises(
        SchemaError, match="column 'period_end'.*period_start and period_end together"
    ):
        standardize(raw, POLICY_COLUMNS)


def test_claims_need_an_amount():
    raw = pd.DataFrame({"claim_id": [1], "policy_id": [1], "occurrence_date": ["2023-01-01"]})
    with pytest.raises(SchemaError, match="paid, or incurred"):
        standardize(raw, CLAIM_COLUMNS)


def test_unknown_canonical_name_in_mapping_lists_valid_names():
    raw = pd.DataFrame({"policy_id": [1], "exposure": [1.0]})
    with pytest.raises(ParameterError, match=r"\['polcy_id'\].*'policy_id', 'period_start'"):
        standardize(raw, POLICY_COLUMNS, {"polcy_id": "policy_id"})


def test_two_canonical_columns_mapped_to_one_user_column():
    raw = pd.DataFrame(
        {"claim_id": [1], "policy_id": [1], "occurrence_date": ["2023-01-01"], "Payment": [5.0]}
    )
    with pytest.raises(ParameterError, match="same column.*Payment"):
        standardize(raw, CLAIM_COLUMNS, {"paid": "Payment", "incurred": "Payment"})


def test_renaming_onto_an_existing_column_is_refused():
    raw = pd.DataFrame({"policy_id": [1], "Expo": [1.0], "exposure": [0.5]})
    with pytest.raises(SchemaError, match="column 'exposure': column_clash.*'Expo'"):
        standardize(raw, POLICY_COLUMNS, {"exposure": "Expo"})


def test_duplicate_column_names_are_refused():
    raw = pd.DataFrame([[1, 1.0, 2.0]], columns=["policy_id", "exposure", "exposure"])
    with pytest.raises(SchemaError, match="column 'exposure': duplicate_column"):
        standardize(raw, POLICY_COLUMNS)


def test_missing_factor_column():
    raw = pd.DataFrame({"policy_id": [1], "exposure": [1.0]})
    with pytest.raises(SchemaError, match="column 'VehAge': missing_column"):
        standardize(raw, POLICY_COLUMNS, factors=["VehAge"])


def test_unparseable_number_names_column_value_and_row():
    raw = pd.DataFrame(
        {"policy_id": [1, 2, 3], "exposure": ["0.5", "abc", "1"]}, index=["p1", "p2", "p3"]
    )
    with pytest.raises(SchemaError) as info:
        standardize(raw, POLICY_COLUMNS)
    message = str(info.value)
    assert "column 'exposure': dtype in 1 row" in message
    assert "'abc'" in message and "'p2'" in message


def test_booleans_are_not_amounts():
    raw = pd.DataFrame({"policy_id": [1], "exposure": [True]})
    with pytest.raises(SchemaError, match="column 'exposure'.*not booleans"):
        standardize(raw, POLICY_COLUMNS)


@pytest.mark.parametrize("bad", ["not-a-date", "31/12/2023"])
def test_unparseable_or_ambiguous_date_names_column_value_and_row(bad):
    raw = pd.DataFrame(
        {"policy_id": [1, 2], "period_start": ["2023-01-01", bad], "period_end": ["2024-01-01"] * 2}
    )
    with pytest.raises(SchemaError) as info:
        standardize(raw, POLICY_COLUMNS)
    message = str(info.value)
    assert "column 'period_start': dtype in 1 row" in message
    assert repr(bad) in message and "rows: 1" in message


def test_numbers_are_not_read_as_dates():
    raw = pd.DataFrame({"policy_id": [1], "period_start": [20230101], "period_end": [20240101]})
    with pytest.raises(
        SchemaError, match="column 'period_start'.*dates or date strings, not int64"
    ):
        standardize(raw, POLICY_COLUMNS)


def test_timezone_aware_dates_keep_their_wall_clock_time():
    start = pd.Series(pd.to_datetime(["2023-01-01 00:00"]).tz_localize("Europe/Paris"))
    raw = pd.DataFrame({"policy_id": [1], "period_start": start, "period_end": ["2024-01-01"]})
    frame = standardize(raw, POLICY_COLUMNS)
    assert frame["period_start"].iloc[0] == pd.Timestamp("2023-01-01")


def test_categorical_ids_become_plain_values():
    raw = pd.DataFrame(
        {
            "policy_id": pd.Categorical(["b", "a"], categories=["a", "b", "unused"]),
            "exposure": [1, 1],
        }
    )
    frame = standardize(raw, POLICY_COLUMNS)
    assert not isinstance(frame["policy_id"].dtype, pd.CategoricalDtype)
    assert frame["policy_id"].tolist() == ["b", "a"]


def test_non_frame_input_is_a_type_error():
    with pytest.raises(ParameterError, match="DataFrame"):
        standardize({"policy_id": [1]}, POLICY_COLUMNS)  # type: ignore[arg-type]
