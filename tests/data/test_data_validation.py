"""validate_policies and validate_claims: one test per bad-input case, then the modes."""

import numpy as np
import pandas as pd
import pytest

from autorisk.data import ValidationResult, validate_claims, validate_policies
from autorisk.errors import DataError, ParameterError, SchemaError


def raw_policies() -> pd.DataFrame:
    """A valid policy table under user column names, with labelled rows."""
    return pd.DataFrame(
        {
            "IDpol": ["P1", "P2", "P3"],
            "Start": ["2023-01-01", "2023-03-01", "2023-06-15"],
            "End": ["2024-01-01", "2024-03-01", "2023-12-15"],
            "Area": ["A", "B", "C"],
        },
        index=["r1", "r2", "r3"],
    )


MAPPING = {"policy_id": "IDpol", "period_start": "Start", "period_end": "End"}


def raw_claims() -> pd.DataFrame:
    """A valid claims table on :func:`raw_policies` (canonical names)."""
    return pd.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3"],
            "policy_id": ["P1", "P2", "P3"],
            "occurrence_date": ["2023-02-01", "2023-03-01", "2023-12-14"],
            "report_date": ["2023-02-03", "2023-03-10", None],
            "settlement_date": ["2023-04-01", None, None],
            "paid": [100.0, 0.0, 0.0],
            "incurred": [150.0, 80.0, 10.0],
        },
        index=["k1", "k2", "k3"],
    )


def validation_error(function, *args, **kwargs) -> str:
    """Message of the row-level DataError raised by the call."""
    with pytest.raises(DataError) as info:
        function(*args, **kwargs)
    assert not isinstance(info.value, SchemaError)
    return str(info.value)


def check_policies_fail(
    frame: pd.DataFrame, column: str, rule: str, value: str, row: str, columns=MAPPING, **kwargs
) -> None:
    """The row-level error names column, rule, value and row label, and is not a SchemaError."""
    with pytest.raises(DataError) as info:
        validate_policies(frame, columns, **kwargs)
    assert not isinstance(info.value, SchemaError)
    message = str(info.value)
    assert f"column '{column}': {rule}" in message
    assert value in message
    assert f"'{row}'" in message


def check_claims_fail(
    frame: pd.DataFrame, column: str, rule: str, value: str, row: str, **kwargs
) -> None:
    """As :func:`check_policies_fail`, for claims."""
    with pytest.raises(DataError) as info:
        validate_claims(frame, **kwargs)
    assert not isinstance(info.value, SchemaError)
    message = str(info.value)
    assert f"column '{column}': {rule}" in message
    assert value in message
    assert f"'{row}'" in message


# --- policies: valid input ------------------------------------------------------------------


def test_valid_policies_come_back_canonical_with_exposure_from_dates():
    result = validate_policies(raw_policies(), MAPPING, factors=["Area"])
    assert isinstance(result, ValidationResult)
    assert list(result.valid.columns) == [
        "policy_id",
        "period_start",
        "period_end",
        "Area",
        "exposure",
    ]
    assert list(result.valid.index) == ["r1", "r2", "r3"]
    np.testing.assert_allclose(result.valid["exposure"], np.array([365, 366, 183]) / 365.25)
    assert result.rejected.empty and "reason" in result.rejected.columns


def test_days_per_year_is_a_parameter():
    valid = validate_policies(raw_policies(), MAPPING, days_per_year=365).valid
    assert valid["exposure"].iloc[0] == 1.0


def test_given_exposure_is_kept():
    raw = raw_policies().assign(Expo=[0.5, 0.25, 0.1])
    valid = validate_policies(raw, MAPPING | {"exposure": "Expo"}).valid
    assert valid["exposure"].tolist() == [0.5, 0.25, 0.1]


def test_exposure_only_policies():
    raw = pd.DataFrame({"IDpol": [1, 2], "Expo": [0.5, 1.0]})
    valid = validate_policies(raw, {"policy_id": "IDpol", "exposure": "Expo"}).valid
    assert list(valid.columns) == ["policy_id", "exposure"]


def test_end_inclusive_adds_one_day_at_the_edge():
    raw = raw_policies().assign(End=["2023-12-31", "2024-02-29", "2023-12-14"])
    valid = validate_policies(raw, MAPPING, end_inclusive=True).valid
    assert valid["period_end"].tolist() == list(
        pd.to_datetime(["2024-01-01", "2024-03-01", "2023-12-15"])
    )
    np.testing.assert_allclose(valid["exposure"], np.array([365, 366, 183]) / 365.25)


def test_end_inclusive_turns_a_one_day_policy_into_one_day():
    raw = pd.DataFrame(
        {"policy_id": [1], "period_start": ["2023-05-01"], "period_end": ["2023-05-01"]}
    )
    assert (
        validate_policies(raw, end_inclusive=True, days_per_year=1).valid["exposure"].iloc[0] == 1.0
    )


def test_end_inclusive_needs_dates():
    with pytest.raises(SchemaError, match="period_end"):
        validate_policies(pd.DataFrame({"policy_id": [1], "exposure": [1.0]}), end_inclusive=True)


def test_zero_length_period_is_valid_with_zero_exposure():
    raw = raw_policies().assign(End=["2023-01-01", "2024-03-01", "2023-12-15"])
    assert validate_policies(raw, MAPPING).valid["exposure"].iloc[0] == 0.0


# --- policies: one test per bad input ---------------------------------------------------------


def test_missing_policy_column_names_canonical_and_user_name_and_available_columns():
    with pytest.raises(SchemaError) as info:
        validate_policies(raw_policies().drop(columns="IDpol"), MAPPING)
    message = str(info.value)
    assert (
        "'policy_id'" in message and "'IDpol'" in message and "['Start', 'End', 'Area']" in message
    )


def test_uncoercible_exposure_is_a_schema_error_naming_value_and_row():
    raw = raw_policies().assign(Expo=["0.5", "abc", "1"])
    with pytest.raises(SchemaError) as info:
        validate_policies(raw, MAPPING | {"exposure": "Expo"})
    message = str(info.value)
    assert "column 'exposure': dtype" in message and "'abc'" in message and "'r2'" in message


def test_uncoercible_date_is_a_schema_error_naming_value_and_row():
    raw = raw_policies().assign(End=["2024-01-01", "not-a-date", "2023-12-15"])
    with pytest.raises(SchemaError) as info:
        validate_policies(raw, MAPPING)
    message = str(info.value)
    assert (
        "column 'period_end': dtype" in message and "'not-a-date'" in message and "'r2'" in message
    )


def test_missing_policy_id():
    raw = raw_policies().assign(IDpol=["P1", np.nan, "P3"])
    check_policies_fail(raw, "policy_id", "missing", "values: nan", "r2")


def test_missing_period_start():
    raw = raw_policies().assign(Start=["2023-01-01", "2023-03-01", None])
    check_policies_fail(raw, "period_start", "missing", "values: None", "r3")


def test_missing_factor_value():
    raw = raw_policies().assign(Area=["A", np.nan, "C"])
    check_policies_fail(raw, "Area", "missing", "values: nan", "r2", factors=["Area"])


def test_unknown_level_is_named_with_its_value_and_row():
    raw = raw_policies().assign(Area=["A", "Z9", "C"])
    check_policies_fail(raw, "Area", "unknown level", "'Z9'", "r2", levels={"Area": ["A", "B", "C"]})


def test_unknown_levels_are_rejected_rows_and_missing_ones_are_missing():
    raw = raw_policies().assign(Area=["A", "Z9", np.nan])
    result = validate_policies(raw, MAPPING, levels={"Area": ["A", "B", "C"]}, errors="reject")
    assert list(result.valid["Area"]) == ["A"]
    assert list(result.rejected["reason"]) == ["Area: unknown level", "Area: missing"]


def test_missing_value_outside_factors_passes_through():
    raw = raw_policies().assign(Area=["A", np.nan, "C"])
    assert len(validate_policies(raw, MAPPING).valid) == 3


def test_negative_exposure():
    raw = raw_policies().assign(Expo=[1.0, -0.5, 0.5])
    check_policies_fail(
        raw, "exposure", "negative", "-0.5", "r2", columns=MAPPING | {"exposure": "Expo"}
    )


def test_infinite_exposure():
    raw = pd.DataFrame({"policy_id": ["P1", "P2"], "exposure": [1.0, np.inf]}, index=["r1", "r2"])
    message = validation_error(validate_policies, raw)
    assert "column 'exposure': infinite" in message and "inf" in message and "'r2'" in message


def test_nan_exposure_is_missing():
    raw = pd.DataFrame({"policy_id": ["P1", "P2"], "exposure": [1.0, np.nan]}, index=["r1", "r2"])
    message = validation_error(validate_policies, raw)
    assert "column 'exposure': missing" in message and "'r2'" in message


def test_end_before_start():
    raw = raw_policies().assign(End=["2024-01-01", "2023-02-28", "2023-12-15"])
    check_policies_fail(raw, "period_end", "end_before_start", "'2023-02-28 < 2023-03-01'", "r2")


def test_duplicate_policy_period():
    raw = raw_policies().assign(
        IDpol=["P1", "P2", "P2"], Start=["2023-01-01", "2023-03-01", "2023-03-01"]
    )
    check_policies_fail(raw, "policy_id, period_start", "duplicate", "'P2, 2023-03-01'", "r3")


def test_duplicate_policy_id_without_dates():
    raw = pd.DataFrame(
        {"policy_id": ["P1", "P2", "P1"], "exposure": [1.0, 1.0, 1.0]}, index=["r1", "r2", "r3"]
    )
    message = validation_error(validate_policies, raw)
    assert "column 'policy_id': duplicate in 2 rows" in message
    assert "'P1'" in message and "rows: 'r1', 'r3'" in message


def test_all_row_problems_are_reported_in_one_error():
    raw = raw_policies().assign(
        IDpol=["P1", None, "P3"], End=["2024-01-01", "2024-03-01", "2023-01-01"]
    )
    with pytest.raises(DataError) as info:
        validate_policies(raw, MAPPING)
    assert [issue.rule for issue in info.value.issues] == ["missing", "end_before_start"]
    assert "2 problems" in str(info.value)


def test_reject_mode_splits_bad_rows_from_good_ones_with_all_reasons():
    raw = raw_policies().assign(
        IDpol=["P1", None, "P3"],
        Start=["2023-01-01", "2023-03-01", "2023-06-15"],
        End=["2024-01-01", "2023-01-01", "2023-12-15"],
        Area=["A", "B", None],
    )
    valid, rejected = validate_policies(raw, MAPPING, factors=["Area"], errors="reject")
    assert list(valid.index) == ["r1"]
    assert list(valid.columns[:3]) == ["policy_id", "period_start", "period_end"]
    assert list(rejected.index) == ["r2", "r3"]
    assert list(rejected.columns) == [*raw.columns, "reason"]
    pd.testing.assert_frame_equal(rejected.drop(columns="reason"), raw.loc[["r2", "r3"]])
    assert rejected.loc["r2", "reason"] == "policy_id: missing; period_end: end_before_start"
    assert rejected.loc["r3", "reason"] == "Area: missing"


def test_reject_mode_still_raises_for_structural_problems():
    with pytest.raises(SchemaError):
        validate_policies(raw_policies(), {"policy_id": "nope"}, errors="reject")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"errors": "ignore"}, r"errors must be one of \['raise', 'reject'\], got 'ignore'"),
        ({"days_per_year": 0}, "days_per_year must be a positive finite number"),
        ({"days_per_year": float("nan")}, "days_per_year must be a positive finite number"),
    ],
)
def test_invalid_options(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        validate_policies(raw_policies(), MAPPING, **kwargs)


# --- claims -------------------------------------------------------------------------------------


def test_valid_claims_come_back_canonical():
    policies = validate_policies(raw_policies(), MAPPING).valid
    valid = validate_claims(raw_claims(), policies).valid
    assert list(valid.index) == ["k1", "k2", "k3"]
    assert valid["occurrence_date"].dtype == "datetime64[us]"
    assert valid["settlement_date"].isna().tolist() == [False, True, True]  # open claims are fine


def test_claim_column_mapping():
    raw = raw_claims().rename(
        columns={"claim_id": "IDclaim", "occurrence_date": "OccurDate", "paid": "Payment"}
    )
    valid = validate_claims(
        raw, columns={"claim_id": "IDclaim", "occurrence_date": "OccurDate", "paid": "Payment"}
    ).valid
    assert {"claim_id", "occurrence_date", "paid"} <= set(valid.columns)


def test_missing_claim_column():
    with pytest.raises(SchemaError, match="column 'claim_id': missing_column.*'policy_id'"):
        validate_claims(raw_claims().drop(columns="claim_id"))


def test_occurrence_date_is_needed_against_dated_policies():
    policies = validate_policies(raw_policies(), MAPPING).valid
    with pytest.raises(
        SchemaError, match="column 'occurrence_date': missing_column.*'claim_id', 'policy_id'"
    ):
        validate_claims(raw_claims().drop(columns="occurrence_date"), policies)


def test_missing_occurrence_date():
    check_claims_fail(
        raw_claims().assign(occurrence_date=["2023-02-01", None, "2023-12-14"]),
        "occurrence_date",
        "missing",
        "values: None",
        "k2",
    )


def test_duplicate_claim_id():
    check_claims_fail(
        raw_claims().assign(claim_id=["c1", "c2", "c1"]), "claim_id", "duplicate", "'c1'", "k3"
    )


def test_negative_paid():
    check_claims_fail(
        raw_claims().assign(paid=[100.0, -20.0, 0.0]), "paid", "negative", "-20.0", "k2"
    )


def test_negative_incurred():
    check_claims_fail(
        raw_claims().assign(incurred=[150.0, 80.0, -1.5]), "incurred", "negative", "-1.5", "k3"
    )


def test_infinite_incurred():
    check_claims_fail(
        raw_claims().assign(incurred=[np.inf, 80.0, 1.5]), "incurred", "infinite", "inf", "k1"
    )


def test_report_before_occurrence():
    raw = raw_claims().assign(report_date=["2023-01-31", "2023-03-10", None])
    check_claims_fail(
        raw, "report_date", "report_before_occurrence", "'2023-01-31 < 2023-02-01'", "k1"
    )


def test_settlement_before_report():
    raw = raw_claims().assign(settlement_date=["2023-02-02", None, None])
    check_claims_fail(
        raw, "settlement_date", "settlement_before_report", "'2023-02-02 < 2023-02-03'", "k1"
    )


def test_settlement_before_occurrence_when_report_date_is_missing():
    raw = raw_claims().assign(settlement_date=["2023-04-01", None, "2023-12-01"])
    check_claims_fail(
        raw, "settlement_date", "settlement_before_report", "'2023-12-01 < 2023-12-14'", "k3"
    )


def test_orphan_claim():
    policies = validate_policies(raw_policies(), MAPPING).valid
    raw = raw_claims().assign(policy_id=["P1", "P9", "P3"])
    check_claims_fail(raw, "policy_id", "orphan", "'P9'", "k2", policies=policies)


def test_orphan_claim_against_exposure_only_policies():
    policies = pd.DataFrame({"policy_id": ["P1", "P2", "P3"], "exposure": [1.0, 1.0, 1.0]})
    raw = raw_claims().assign(policy_id=["P1", "P2", "P4"])
    check_claims_fail(raw, "policy_id", "orphan", "'P4'", "k3", policies=policies)


def test_claim_outside_its_policy_period():
    policies = validate_policies(raw_policies(), MAPPING).valid
    raw = raw_claims().assign(occurrence_date=["2023-02-01", "2023-02-28", "2023-12-14"])
    check_claims_fail(
        raw, "occurrence_date", "outside_period", "'2023-02-28'", "k2", policies=policies
    )


def test_claim_on_the_exclusive_end_date_is_outside():
    policies = validate_policies(raw_policies(), MAPPING).valid
    raw = raw_claims().assign(occurrence_date=["2023-02-01", "2023-03-01", "2023-12-15"])
    check_claims_fail(
        raw, "occurrence_date", "outside_period", "'2023-12-15'", "k3", policies=policies
    )


def test_claim_ids_of_another_type_than_policy_ids():
    policies = pd.DataFrame({"policy_id": [1, 2, 3], "exposure": [1.0, 1.0, 1.0]})
    with pytest.raises(SchemaError, match="column 'policy_id': dtype.*claims.*policies"):
        validate_claims(raw_claims(), policies)


def test_invalid_policies_are_reported_as_such():
    policies = pd.DataFrame({"policy_id": ["P1", "P1"], "exposure": [1.0, 1.0]})
    with pytest.raises(DataError, match="^policies: column 'policy_id': duplicate"):
        validate_claims(raw_claims(), policies, errors="reject")


def test_claims_reject_mode():
    policies = validate_policies(raw_policies(), MAPPING).valid
    raw = raw_claims().assign(policy_id=["P1", "P9", "P3"], paid=[100.0, -1.0, 0.0])
    valid, rejected = validate_claims(raw, policies, errors="reject")
    assert list(valid.index) == ["k1", "k3"]
    assert list(rejected.index) == ["k2"]
    assert rejected.loc["k2", "reason"] == "paid: negative; policy_id: orphan"
    assert rejected.loc["k2", "occurrence_date"] == "2023-03-01"  # original, uncoerced row


def test_claims_invalid_errors_option():
    with pytest.raises(ParameterError, match=r"\['raise', 'reject'\]"):
        validate_claims(raw_claims(), errors="warn")
