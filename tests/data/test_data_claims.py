"""link_claims, aggregate_claims and large_loss_loading."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import (
    aggregate_claims,
    large_loss_loading,
    link_claims,
    split_exposure,
    validate_claims,
)
from autorisk.errors import DataError, ParameterError, SchemaError

# --- link_claims -----------------------------------------------------------------------------


def test_link_claims_to_the_period_containing_the_occurrence(policies, claims):
    linked = link_claims(claims, policies)
    # c2 occurs on 2023-01-01: the end of A-22 is exclusive, so it is A-23's.
    assert linked["period_index"].tolist() == ["A-22", "A-23", "A-23", "B-23"]
    assert list(linked.index) == list(claims.index)


def test_overlapping_periods_give_the_claim_to_the_latest_start():
    policies = pd.DataFrame(
        {
            "policy_id": ["A", "A", "A"],
            "period_start": ["2023-01-01", "2023-03-01", "2023-02-01"],
            "period_end": ["2024-01-01", "2023-04-01", "2023-02-10"],
        },
        index=["year", "march", "early-feb"],
    )
    claims = pd.DataFrame(
        {
            "claim_id": [1, 2, 3, 4],
            "policy_id": ["A"] * 4,
            "occurrence_date": ["2023-03-15", "2023-05-01", "2023-02-05", "2023-02-20"],
            "paid": [1.0] * 4,
        }
    )
    # 2023-05-01 and 2023-02-20: the latest-starting periods have ended, the yearly one has not.
    assert link_claims(claims, policies)["period_index"].tolist() == [
        "march",
        "year",
        "early-feb",
        "year",
    ]


def test_link_claims_without_dates_matches_policy_id():
    policies = pd.DataFrame({"policy_id": [7, 8], "exposure": [1.0, 0.5]}, index=["p7", "p8"])
    claims = pd.DataFrame(
        {
            "claim_id": [1, 2],
            "policy_id": [8, 8],
            "occurrence_date": ["2023-01-01"] * 2,
            "paid": [1.0, 2.0],
        }
    )
    assert link_claims(claims, policies)["period_index"].tolist() == ["p8", "p8"]


def test_link_claims_matches_categorical_ids_to_text_ids(policies, claims):
    claims = claims.assign(policy_id=claims["policy_id"].astype("category"))
    assert link_claims(claims, policies)["period_index"].tolist() == [
        "A-22",
        "A-23",
        "A-23",
        "B-23",
    ]


def test_link_claims_raises_for_orphans_and_claims_outside_periods(policies, claims):
    claims = claims.assign(
        policy_id=["A", "Z", "A", "B"],
        occurrence_date=pd.to_datetime(["2021-05-01", "2023-01-01", "2023-12-31", "2023-03-15"]),
    )
    with pytest.raises(DataError) as info:
        link_claims(claims, policies)
    message = str(info.value)
    assert (
        "column 'policy_id': orphan in 1 row" in message
        and "'Z'" in message
        and "rows: 11" in message
    )
    assert (
        "column 'occurrence_date': outside_period in 1 row" in message and "'2021-05-01'" in message
    )


def test_link_claims_needs_unique_policy_labels(policies, claims):
    with pytest.raises(DataError, match="column 'index': duplicate in 2 rows.*rows: 'A', 'A'"):
        link_claims(claims, policies.set_axis(["A", "A", "B"]))


# --- aggregate_claims: worked by hand -----------------------------------------------------------


def test_aggregate_worked_by_hand(policies, claims):
    aggregated = aggregate_claims(policies, claims)
    # c1 od 1200; A-23: c2 tpl 40000 + c3 od 500; B-23: c4 tpl 250.
    assert aggregated["claim_count"].tolist() == [1, 2, 1]
    assert aggregated["claim_count"].dtype == np.int64
    assert aggregated["claim_amount"].tolist() == [1_200.0, 40_500.0, 250.0]
    assert aggregated["claim_count_od"].tolist() == [1, 1, 0]
    assert aggregated["claim_count_tpl"].tolist() == [0, 1, 1]
    assert aggregated["claim_amount_od"].tolist() == [1_200.0, 500.0, 0.0]
    assert aggregated["claim_amount_tpl"].tolist() == [0.0, 40_000.0, 250.0]
    assert list(aggregated.index) == ["A-22", "A-23", "B-23"]
    np.testing.assert_allclose(aggregated["exposure"], np.array([365, 365, 181]) / 365.25)


def test_aggregate_paid_without_coverage_columns(policies, claims):
    aggregated = aggregate_claims(policies, claims, amount="paid", by_coverage=False)
    assert aggregated["claim_amount"].tolist() == [1_000.0, 0.0, 250.0]
    assert not any(c.startswith("claim_count_") for c in aggregated.columns)


def test_aggregate_gives_zeros_to_policies_without_claims(policies, claims):
    aggregated = aggregate_claims(policies, claims.iloc[:1])
    assert aggregated["claim_count"].tolist() == [1, 0, 0]
    assert aggregated["claim_amount"].tolist() == [1_200.0, 0.0, 0.0]


def test_categorical_coverage_gives_every_category(policies, claims):
    coverage = pd.Categorical(claims["coverage"], categories=["ctpl", "od", "tpl"])
    aggregated = aggregate_claims(policies, claims.assign(coverage=coverage))
    assert aggregated["claim_count_ctpl"].tolist() == [0, 0, 0]


def test_aggregate_on_exposure_only_policies():
    policies = pd.DataFrame({"policy_id": [1, 2, 3], "exposure": [1.0, 0.5, 0.25]})
    claims = pd.DataFrame(
        {
            "claim_id": [1, 2, 3],
            "policy_id": [3, 1, 3],
            "occurrence_date": ["2023-01-01"] * 3,
            "incurred": [5.0, 7.0, 11.0],
        }
    )
    aggregated = aggregate_claims(policies, claims)
    assert aggregated["claim_count"].tolist() == [1, 0, 2]
    assert aggregated["claim_amount"].tolist() == [7.0, 0.0, 16.0]


def test_aggregate_refuses_duplicate_policy_ids_without_dates():
    policies = pd.DataFrame({"policy_id": [1, 1], "exposure": [1.0, 0.5]})
    claims = pd.DataFrame(
        {"claim_id": [1], "policy_id": [1], "occurrence_date": ["2023-01-01"], "incurred": [5.0]}
    )
    with pytest.raises(DataError, match="policies: column 'policy_id': duplicate"):
        aggregate_claims(policies, claims)


def test_aggregate_refuses_orphans(policies, claims):
    with pytest.raises(DataError, match="orphan.*'Z'"):
        aggregate_claims(policies, claims.assign(policy_id=["A", "A", "A", "Z"]))


def test_aggregate_refuses_missing_coverage(policies, claims):
    with pytest.raises(DataError, match="column 'coverage': missing.*rows: 12"):
        aggregate_claims(policies, claims.assign(coverage=["od", "tpl", None, "tpl"]))


def test_aggregating_twice_is_refused(policies, claims):
    aggregated = aggregate_claims(policies, claims)
    with pytest.raises(SchemaError, match="column 'claim_count': column_clash"):
        aggregate_claims(aggregated, claims)


def test_aggregate_option_errors(policies, claims):
    with pytest.raises(ParameterError, match=r"\['paid', 'incurred'\]"):
        aggregate_claims(policies, claims, amount="reserve")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="column 'paid'"):
        aggregate_claims(policies, claims.drop(columns="paid"), amount="paid")
    for cap in (0.0, -5.0, float("nan"), {"tpl": -1.0}, "big"):
        with pytest.raises(ParameterError, match="cap must be"):
            aggregate_claims(policies, claims, cap=cap)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="coverage"):
        aggregate_claims(policies, claims.drop(columns="coverage"), cap={"tpl": 1.0})


# --- capping and the large-loss loading ----------------------------------------------------------


def test_cap_for_all_claims_by_hand(policies, claims):
    aggregated = aggregate_claims(policies, claims, cap=10_000.0)
    assert aggregated["claim_amount_capped"].tolist() == [1_200.0, 10_500.0, 250.0]
    assert aggregated["claim_amount_excess"].tolist() == [0.0, 30_000.0, 0.0]
    assert large_loss_loading(aggregated) == pytest.approx(30_000.0 / 11_950.0)


def test_cap_per_coverage_leaves_other_coverages_uncapped(policies, claims):
    aggregated = aggregate_claims(policies, claims, cap={"od": 1_000.0})
    assert aggregated["claim_amount_capped"].tolist() == [1_000.0, 40_500.0, 250.0]
    assert aggregated["claim_amount_excess"].tolist() == [200.0, 0.0, 0.0]


def test_loading_needs_capped_columns_and_a_positive_capped_total(policies, claims):
    with pytest.raises(SchemaError, match="claim_amount_capped"):
        large_loss_loading(aggregate_claims(policies, claims))
    no_claims = aggregate_claims(policies, claims.iloc[:0], cap=10.0)
    with pytest.raises(DataError, match="zero_total"):
        large_loss_loading(no_claims)


# --- properties ----------------------------------------------------------------------------------

COVERAGES = ["ctpl", "od", "tpl"]


@st.composite
def books(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Policies with 1-3 renewals (contiguous or with gaps) and claims inside their periods."""
    n_policies = draw(st.integers(1, 8))
    rows = []
    for policy in range(n_policies):
        start = pd.Timestamp("2020-01-01") + pd.Timedelta(days=draw(st.integers(0, 400)))
        for _ in range(draw(st.integers(1, 3))):
            end = start + pd.Timedelta(days=draw(st.integers(1, 400)))
            rows.append((f"P{policy}", start, end))
            start = end + pd.Timedelta(days=draw(st.integers(0, 30)))
    policies = pd.DataFrame(rows, columns=["policy_id", "period_start", "period_end"])
    n_claims = draw(st.integers(0, 25))
    claim_rows = []
    for claim in range(n_claims):
        period = draw(st.integers(0, len(policies) - 1))
        start, end = policies.loc[period, ["period_start", "period_end"]]
        offset = draw(st.integers(0, (end - start).days - 1))
        amount = draw(st.one_of(st.just(0.0), st.floats(0, 1e6, allow_nan=False)))
        claim_rows.append(
            (
                claim,
                policies.loc[period, "policy_id"],
                start + pd.Timedelta(days=offset),
                amount,
                draw(st.sampled_from(COVERAGES)),
                period,
            )
        )
    claims = pd.DataFrame(
        claim_rows,
        columns=["claim_id", "policy_id", "occurrence_date", "incurred", "coverage", "true_period"],
    )
    return policies, claims


@settings(max_examples=60, deadline=None)
@given(books(), st.floats(1.0, 1e6))
def test_aggregation_preserves_totals_and_finds_the_right_period(book, cap):
    policies, claims = book
    aggregated = aggregate_claims(policies, claims, cap=cap)
    assert aggregated["claim_count"].sum() + aggregated["nil_claim_count"].sum() == len(claims)
    assert aggregated["claim_amount"].sum() == pytest.approx(
        claims["incurred"].sum(), rel=1e-12, abs=1e-9
    )
    period = claims["true_period"].astype(int)
    positive = claims["incurred"] > 0
    expected_counts = np.bincount(period[positive], minlength=len(policies))
    expected_nil = np.bincount(period[~positive], minlength=len(policies))
    np.testing.assert_array_equal(aggregated["claim_count"].to_numpy(), expected_counts)
    np.testing.assert_array_equal(aggregated["nil_claim_count"].to_numpy(), expected_nil)
    present = sorted(claims["coverage"].unique())
    count_columns = [f"claim_count_{c}" for c in present]
    amount_columns = [f"claim_amount_{c}" for c in present]
    np.testing.assert_array_equal(aggregated[count_columns].sum(axis=1), aggregated["claim_count"])
    np.testing.assert_allclose(
        aggregated[amount_columns].sum(axis=1), aggregated["claim_amount"], rtol=1e-12
    )
    np.testing.assert_allclose(
        aggregated["claim_amount_capped"] + aggregated["claim_amount_excess"],
        aggregated["claim_amount"],
        rtol=1e-12,
    )
    assert (aggregated["claim_amount_excess"] >= -1e-9).all()
    assert aggregated["claim_amount_capped"].sum() == pytest.approx(
        np.minimum(claims["incurred"], cap).sum()
    )
    linked = link_claims(claims, policies)
    np.testing.assert_array_equal(
        linked["period_index"].to_numpy(), claims["true_period"].to_numpy()
    )


@st.composite
def overlapping_book(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two policies with freely overlapping periods, and claims on any day, possibly outside them."""
    n = draw(st.integers(1, 8))
    starts = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n, unique=True))
    rows = [
        (f"P{i % 2}", start, start + draw(st.integers(0, 40))) for i, start in enumerate(starts)
    ]
    day0 = pd.Timestamp("2023-01-01")
    policies = pd.DataFrame(
        {
            "policy_id": [r[0] for r in rows],
            "period_start": [day0 + pd.Timedelta(days=r[1]) for r in rows],
            "period_end": [day0 + pd.Timedelta(days=r[2]) for r in rows],
        }
    )
    days = draw(st.lists(st.integers(0, 110), min_size=1, max_size=15))
    claims = pd.DataFrame(
        {
            "claim_id": range(len(days)),
            "policy_id": draw(
                st.lists(st.sampled_from(["P0", "P1"]), min_size=len(days), max_size=len(days))
            ),
            "occurrence_date": [day0 + pd.Timedelta(days=d) for d in days],
            "paid": 1.0,
        }
    )
    return policies, claims


@settings(max_examples=80, deadline=None)
@given(overlapping_book())
def test_matching_agrees_with_brute_force(book):
    policies, claims = book
    expected = []
    for _, claim in claims.iterrows():  # reference implementation: a plain loop is fine here
        holds = policies[
            (policies["policy_id"] == claim["policy_id"])
            & (policies["period_start"] <= claim["occurrence_date"])
            & (claim["occurrence_date"] < policies["period_end"])
        ]
        expected.append(holds["period_start"].idxmax() if len(holds) else None)
    matched = [label is not None for label in expected]
    valid, rejected = validate_claims(claims, policies, errors="reject")
    assert list(valid.index) == list(claims.index[matched])
    assert set(rejected["reason"]) <= {"occurrence_date: outside_period", "policy_id: orphan"}
    linked = link_claims(claims[matched], policies)
    assert linked["period_index"].tolist() == [label for label in expected if label is not None]


def test_claims_aggregate_onto_split_pieces(policies, claims):
    pieces = split_exposure(policies, ["2023-04-01"])
    aggregated = aggregate_claims(pieces, claims)
    # c2 (2023-01-01) goes to A-23's first piece, c3 (2023-12-31) to its second, c4 (2023-03-15) to B's first.
    assert aggregated["claim_count"].tolist() == [1, 1, 1, 1, 0]
    assert aggregated["period_index"].tolist() == ["A-22", "A-23", "A-23", "B-23", "B-23"]
    assert aggregated["claim_amount"].sum() == claims["incurred"].sum()
