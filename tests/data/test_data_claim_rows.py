"""validate_claims on claims as they come: no dates, composite keys, repeated ids, recoveries, nil claims."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import aggregate_claims, link_claims, validate_claims, validate_policies
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.models import SeverityGLM


def undated() -> pd.DataFrame:
    """Exposure-only policies, as the French freMTPL2freq."""
    return pd.DataFrame({"policy_id": [7, 8, 9], "exposure": [1.0, 0.5, 0.25], "area": ["a", "b", "b"]})


def error_of(*args, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        validate_claims(*args, **kwargs)
    assert not isinstance(info.value, SchemaError)
    return info.value


def quiet(*args, **kwargs):
    """validate_claims, failing on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return validate_claims(*args, **kwargs)


# --- occurrence date ---------------------------------------------------------------------------


def test_no_occurrence_date_is_needed_against_undated_policies():
    claims = pd.DataFrame({"claim_id": [1, 2, 3], "policy_id": [7, 9, 9], "paid": [100.0, 40.0, 60.0]})
    valid = quiet(claims, undated()).valid
    assert list(valid.columns) == ["claim_id", "policy_id", "paid"]
    experience = aggregate_claims(undated(), valid, amount="paid")
    assert experience["claim_count"].tolist() == [1, 0, 2]
    assert experience["claim_amount"].tolist() == [100.0, 0.0, 100.0]


def test_a_given_occurrence_date_must_still_be_filled():
    claims = pd.DataFrame(
        {"claim_id": [1, 2], "policy_id": [7, 8], "occurrence_date": ["2023-01-05", None], "paid": [1.0, 2.0]},
        index=["k1", "k2"],
    )
    assert error_of(claims, undated()).issues[0].rows == ("k2",)


# --- composite key -----------------------------------------------------------------------------


def fleet() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "policy_id": ["F1", "F1", "F1", "F2"],
            "vehicle": ["V1", "V2", "V2", "V1"],
            "period_start": ["2023-01-01", "2023-01-01", "2024-01-01", "2023-01-01"],
            "period_end": ["2024-01-01", "2024-01-01", "2025-01-01", "2024-01-01"],
        },
        index=["F1-V1-23", "F1-V2-23", "F1-V2-24", "F2-V1-23"],
    )


def fleet_claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3", "c4"],
            "policy_id": ["F1", "F1", "F1", "F2"],
            "vehicle": ["V2", "V2", "V1", "V1"],
            "occurrence_date": ["2023-06-01", "2024-02-01", "2023-03-01", "2023-09-09"],
            "incurred": [500.0, 700.0, 1_000.0, 50.0],
        },
        index=["k1", "k2", "k3", "k4"],
    )


def test_claims_keyed_on_policy_and_vehicle():
    key = ["policy_id", "vehicle"]
    policies = validate_policies(fleet(), on=key).valid
    claims = quiet(fleet_claims(), policies, on=key).valid
    linked = link_claims(claims, policies, on=key)
    assert linked["period_index"].tolist() == ["F1-V2-23", "F1-V2-24", "F1-V1-23", "F2-V1-23"]
    experience = aggregate_claims(policies, claims, on=key)
    assert experience["claim_count"].tolist() == [1, 1, 1, 1]
    assert experience["claim_amount"].tolist() == [1_000.0, 500.0, 700.0, 50.0]


def test_an_unknown_composite_key_is_an_orphan_named_by_both_columns():
    key = ["policy_id", "vehicle"]
    policies = validate_policies(fleet(), on=key).valid
    claims = fleet_claims().assign(vehicle=["V2", "V9", "V1", "V2"])
    error = error_of(claims, policies, on=key)
    (issue,) = error.issues
    assert (issue.column, issue.rule) == ("policy_id, vehicle", "orphan")
    assert issue.values == ("F1, V9", "F2, V2") and issue.rows == ("k2", "k4")


def test_the_key_must_be_in_both_tables():
    policies = validate_policies(fleet(), on=["policy_id", "vehicle"]).valid
    with pytest.raises(SchemaError, match="claims: column 'vehicle': missing_column"):
        validate_claims(fleet_claims().drop(columns="vehicle"), policies, on=["policy_id", "vehicle"])
    with pytest.raises(DataError, match="policies: column 'policy_id, period_start': duplicate"):
        validate_claims(fleet_claims(), fleet())  # without on, the fleet's policy_id repeats


# --- claim ids ---------------------------------------------------------------------------------


def per_policy_ids() -> pd.DataFrame:
    """Claims numbered per policy: id 1 exists under policies 7 and 9."""
    return pd.DataFrame(
        {"claim_id": [1, 2, 1], "policy_id": [7, 7, 9], "paid": [10.0, 20.0, 30.0]}, index=["k1", "k2", "k3"]
    )


def test_ids_unique_within_the_key():
    error = error_of(per_policy_ids())  # the default: unique in the table
    assert error.issues[0].column == "claim_id" and error.issues[0].rows == ("k1", "k3")
    valid = quiet(per_policy_ids(), undated(), claim_ids="within_key").valid
    assert valid["claim_id"].tolist() == [1, 2, 1]
    twice = per_policy_ids().assign(claim_id=[1, 1, 1])
    (issue,) = error_of(twice, claim_ids="within_key").issues
    assert issue.column == "policy_id, claim_id" and issue.values == ("7, 1", "7, 1") and issue.rows == ("k1", "k2")
    experience = aggregate_claims(undated(), valid, amount="paid", claim_ids="within_key")
    assert experience["claim_count"].tolist() == [2, 0, 1]


def test_claims_numbered_within_the_key_by_occurrence_date_then_row_order():
    claims = pd.DataFrame(
        {
            "policy_id": [7, 9, 7, 7, 9],
            "occurrence_date": ["2023-05-01", "2023-01-01", "2023-02-01", "2023-05-01", "2023-01-01"],
            "paid": [1.0, 2.0, 3.0, 4.0, 5.0],
        },
        index=["a", "b", "c", "d", "e"],
    )
    valid = quiet(claims, undated(), claim_ids="number").valid
    assert list(valid.columns) == ["claim_id", "policy_id", "occurrence_date", "paid"]
    # policy 7: c (Feb) 1, a (May, first row) 2, d (May) 3; policy 9: b 1, e 2.
    assert valid["claim_id"].to_dict() == {"a": 2, "b": 1, "c": 1, "d": 3, "e": 2}
    experience = aggregate_claims(undated(), valid, amount="paid", claim_ids="within_key")
    assert experience["claim_count"].tolist() == [3, 0, 2]


def test_numbering_options_that_cannot_work_are_refused():
    with pytest.raises(ParameterError, match="claim_ids=.number.*have a claim_id column"):
        validate_claims(per_policy_ids(), claim_ids="number")
    with pytest.raises(ParameterError, match="negative='net'.*claim_ids='number'"):
        validate_claims(per_policy_ids().drop(columns="claim_id"), claim_ids="number", negative="net")
    with pytest.raises(ParameterError, match=r"claim_ids must be one of \['unique', 'within_key'\]"):
        aggregate_claims(undated(), per_policy_ids(), claim_ids="number")
    for option, value in (("claim_ids", "any"), ("negative", "refund"), ("zero", "keep"), ("on", 3)):
        with pytest.raises(ParameterError, match=option):
            validate_claims(per_policy_ids(), **{option: value})


# --- negative amounts ----------------------------------------------------------------------------


def transactions() -> pd.DataFrame:
    """Claim 1: a payment, a recovery and a later payment; claim 2 a payment; claim 3 a payment recovered in full."""
    return pd.DataFrame(
        {
            "claim_id": [1, 1, 2, 1, 3, 3],
            "policy_id": [7, 7, 8, 7, 9, 9],
            "occurrence_date": ["2023-03-01"] * 3 + ["2023-03-01", "2023-04-01", "2023-04-01"],
            "report_date": ["2023-03-05", "2023-03-02", "2023-05-01", "2023-03-09", "2023-04-02", "2023-04-03"],
            "settlement_date": ["2023-06-01", "2023-09-01", None, "2023-07-01", "2023-05-01", "2023-08-01"],
            "paid": [900.0, -300.0, 50.0, 100.0, 400.0, -400.0],
        },
        index=["t1", "t2", "t3", "t4", "t5", "t6"],
    )


def test_negative_amounts_are_rejected_by_default():
    (issue,) = error_of(transactions().iloc[[0, 1, 2]].assign(claim_id=[1, 2, 3])).issues
    assert (issue.column, issue.rule, issue.rows, issue.values) == ("paid", "negative", ("t2",), (-300.0,))


def test_net_sums_the_transactions_of_each_claim():
    with pytest.warns(UserWarning, match=r"1 claim\(s\) with a zero paid, kept as nil claims"):
        valid = validate_claims(transactions(), undated(), negative="net").valid
    # claim 1: 900 - 300 + 100 = 700, reported 2023-03-02 (earliest), settled 2023-09-01 (latest)
    assert list(valid.index) == ["t1", "t3", "t5"]
    assert valid["paid"].tolist() == [700.0, 50.0, 0.0]
    assert valid.loc["t1", "report_date"] == pd.Timestamp("2023-03-02")
    assert valid.loc["t1", "settlement_date"] == pd.Timestamp("2023-09-01")
    assert pd.isna(valid.loc["t3", "settlement_date"])
    experience = aggregate_claims(undated(), valid, amount="paid")
    assert experience["claim_count"].tolist() == [1, 1, 0]
    assert experience["nil_claim_count"].tolist() == [0, 0, 1]
    assert experience["claim_amount"].tolist() == [700.0, 50.0, 0.0]


def test_a_claim_netting_below_zero_is_refused_with_all_its_rows():
    rows = transactions().assign(paid=[900.0, -1_200.0, 50.0, 100.0, 400.0, -400.0])
    (issue,) = error_of(rows, negative="net", zero="nil").issues
    assert (issue.rule, issue.rows, issue.values) == ("net negative", ("t1", "t2", "t4"), (-200.0, -200.0, -200.0))


def test_rows_of_one_claim_must_agree_on_key_and_occurrence():
    rows = transactions().assign(occurrence_date=["2023-03-01", "2023-03-02"] + ["2023-03-01"] * 2 + ["2023-04-01"] * 2)
    rows.loc["t6", "policy_id"] = 8
    error = error_of(rows, negative="net", zero="nil")
    found = [(i.column, i.rule, i.rows) for i in error.issues]
    assert found == [
        ("policy_id", "conflict within claim", ("t5", "t6")),
        ("occurrence_date", "conflict within claim", ("t1", "t2", "t4")),
    ]


def test_a_claim_is_rejected_whole_when_one_of_its_rows_fails():
    rows = transactions()
    rows.loc["t4", "paid"] = np.nan
    valid, rejected = validate_claims(rows, negative="net", zero="nil", errors="reject")
    assert list(valid.index) == ["t3", "t5"]
    assert rejected["reason"].to_dict() == {
        "t1": "claim_id: claim rejected",
        "t2": "claim_id: claim rejected",
        "t4": "paid: missing",
    }


def test_infinite_amounts_are_refused_when_netting_too():
    rows = transactions().assign(paid=[900.0, -np.inf, 50.0, 100.0, 400.0, -400.0])
    rules = [(i.rule, i.rows) for i in error_of(rows, negative="net", zero="nil").issues]
    assert ("infinite", ("t2",)) in rules


def test_drop_removes_the_negative_rows_and_says_how_many():
    with pytest.warns(UserWarning, match=r"dropped 2 claim row\(s\) with a negative paid"):
        valid = validate_claims(transactions().assign(claim_id=range(6)), negative="drop").valid
    assert list(valid.index) == ["t1", "t3", "t4", "t5"]
    assert valid["paid"].sum() == 900.0 + 50.0 + 100.0 + 400.0


# --- zero amounts ----------------------------------------------------------------------------------


def with_nil() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": [1, 2, 3, 4],
            "policy_id": [7, 8, 8, 9],
            "paid": [1_000.0, 0.0, 3_000.0, 0.0],
            "incurred": [1_000.0, 0.0, 3_000.0, 500.0],  # claim 4: open, reserved, nothing paid
        },
        index=["k1", "k2", "k3", "k4"],
    )


def test_nil_claims_are_flagged_and_kept_by_default():
    with pytest.warns(UserWarning, match=r"1 claim\(s\) with a zero paid and incurred, kept as nil claims"):
        valid = validate_claims(with_nil(), undated()).valid
    assert list(valid.index) == ["k1", "k2", "k3", "k4"]
    assert len(quiet(with_nil(), undated(), zero="nil").valid) == 4


def test_zero_drop_and_reject():
    with pytest.warns(UserWarning, match=r"1 claim\(s\) with a zero paid and incurred, dropped"):
        valid = validate_claims(with_nil(), zero="drop").valid
    assert list(valid.index) == ["k1", "k3", "k4"]
    (issue,) = error_of(with_nil(), zero="reject").issues
    assert (issue.column, issue.rule, issue.rows) == ("paid, incurred", "zero", ("k2",))


def test_nil_claims_count_apart_and_severity_ignores_them():
    valid = quiet(with_nil(), undated(), zero="nil").valid
    experience = aggregate_claims(undated(), valid)
    assert experience["claim_count"].tolist() == [1, 1, 1]
    assert experience["nil_claim_count"].tolist() == [0, 1, 0]
    assert experience["claim_amount"].tolist() == [1_000.0, 3_000.0, 500.0]
    paid = aggregate_claims(undated(), valid, amount="paid")  # nothing paid yet on claim 4
    assert paid["claim_count"].tolist() == [1, 1, 0] and paid["nil_claim_count"].tolist() == [0, 1, 1]

    # Severity on the experience equals severity on the claims that cost something.
    def severity(table):
        model = SeverityGLM(["area"]).fit(table, table["claim_amount"], claim_count=table["claim_count"])
        return model.predict(undated())

    without_nil = aggregate_claims(undated(), valid.drop(index="k2"))
    np.testing.assert_allclose(severity(experience), severity(without_nil), rtol=1e-12)
    np.testing.assert_allclose(severity(experience), [1_000.0, 1_750.0, 1_750.0], rtol=1e-9)


def test_nil_claims_are_not_counted_per_coverage():
    claims = with_nil().assign(coverage=["od", "tpl", "tpl", "od"])
    experience = aggregate_claims(undated(), claims, amount="paid")
    assert experience["claim_count_tpl"].tolist() == [0, 1, 0]
    assert experience["claim_count_od"].tolist() == [1, 0, 0]
    assert experience["claim_amount_tpl"].tolist() == [0.0, 3_000.0, 0.0]


# --- real claims and properties ----------------------------------------------------------------


def test_french_claim_amounts_without_ids_or_dates():
    from autorisk.datasets import load

    sev = load("freMTPL2sev")  # IDpol and ClaimAmount only; a policy may have several claims
    sev = sev.assign(policy_id=sev["policy_id"].astype(str))
    policies = pd.DataFrame({"policy_id": sev["policy_id"].unique(), "exposure": 1.0})
    valid = quiet(sev, policies, {"incurred": "claim_amount"}, claim_ids="number").valid
    per_policy = sev.groupby("policy_id", sort=False).size()
    assert valid.groupby("policy_id", sort=False)["claim_id"].max().equals(per_policy)
    experience = aggregate_claims(policies, valid, claim_ids="within_key")
    assert experience.set_index("policy_id")["claim_count"].equals(per_policy.reindex(policies["policy_id"]))
    assert experience["claim_amount"].sum() == pytest.approx(sev["claim_amount"].sum(), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.floats(0, 1e5, allow_nan=False), st.floats(0, 1e5, allow_nan=False)),
        min_size=1,
        max_size=20,
    )
)
def test_netting_keeps_one_row_per_claim_and_the_total(rows):
    """Each drawn claim pays a, recovers at most a (b clipped), all as separate rows."""
    ids, paid = [], []
    for claim, payment, recovery in rows:
        ids += [claim, claim]
        paid += [payment, -min(recovery, payment)]
    claims = pd.DataFrame({"claim_id": ids, "policy_id": 7, "paid": paid})
    valid = validate_claims(claims, negative="net", zero="nil").valid
    assert sorted(valid["claim_id"]) == sorted(set(ids))
    assert valid["paid"].sum() == pytest.approx(sum(paid), abs=1e-6)
    expected = claims.groupby("claim_id")["paid"].sum()
    np.testing.assert_allclose(valid.set_index("claim_id")["paid"].sort_index(), expected, atol=1e-9)


def test_a_payment_recovered_in_full_nets_to_a_nil_claim_not_a_negative_one():
    claims = pd.DataFrame({"claim_id": [1, 1, 1], "policy_id": 7, "paid": [0.3, -0.1, -0.2]})
    assert 0.3 - 0.1 - 0.2 < 0  # in binary floating point
    valid = quiet(claims, negative="net", zero="nil").valid
    assert valid["paid"].tolist() == [0.0]
