"""Mid-term adjustments and cancellation refunds: exact money identities, batch == row by row, errors."""

import datetime as dt
import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import DataError, ParameterError, QuoteError
from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
from autorisk.rating.templates.china import china_motor_plan
from autorisk.renewal.midterm import (
    Adjustment,
    ShortPeriodTable,
    adjust,
    adjust_many,
    cancel_many,
    cancellation_refund,
)

REGION = CategoricalFactor("region", "region", ("north", "south", "east"), (1.0, 1.2, 0.9))
AGE = BandFactor("age", "driver_age", (25.0, 65.0), (1.5, 1.0, 1.2))
VEHICLE = CategoricalFactor("vehicle", "vehicle", ("small", "family", "suv"), (0.9, 1.0, 1.3))
# Loadings, fees, rounding, a minimum premium and a tax: every step of the gross premium.
PLAN = RatingPlan("hand", "1", (
    Coverage("tpl", 400.0, (REGION, AGE), loadings={"expenses": 0.2}, fees={"policy": 10.0}, rounding=0.01),
    Coverage("od", 300.0, (VEHICLE, AGE), min_premium=150.0, taxes={"IPT": 0.1}),
))  # fmt: skip
CHINA_POLICY = {"region": "Beijing", "ctpl_class": "private_car_lt6", "ctpl_history": 0, "ncd_level": -4,
                "traffic_violation_class": "red_light_or_speeding_6_8", "autonomous_coefficient": 1.7,
                "tpl_limit": 1_000_000}  # fmt: skip

policies = st.fixed_dictionaries({
    "region": st.sampled_from(REGION.levels), "vehicle": st.sampled_from(VEHICLE.levels),
    "driver_age": st.integers(18, 90),
})  # fmt: skip
changes = st.fixed_dictionaries({}, optional={
    "region": st.sampled_from(REGION.levels), "vehicle": st.sampled_from(VEHICLE.levels),
    "driver_age": st.integers(18, 90),
})  # fmt: skip
amounts = st.integers(0, 10**9).map(lambda cents: cents / 100)


@st.composite
def terms(draw, max_days=1200):
    """``(start, end, t1, t2)`` with ``start <= t1 <= t2 < end``."""
    start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)))
    days = draw(st.integers(1, max_days))
    first, second = sorted(draw(st.lists(st.integers(0, days - 1), min_size=2, max_size=2)))
    day = dt.timedelta(days=1)
    return start, start + days * day, start + first * day, start + second * day


@st.composite
def one_year_terms(draw):
    """A one-year term (same day next year, or 28 February after a 29 February) and a cancellation in it."""
    start = draw(st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)))
    end = (pd.Timestamp(start) + pd.DateOffset(years=1)).date()
    return start, end, start + dt.timedelta(days=draw(st.integers(0, (end - start).days - 1)))


def _term(start, end, effective):
    return {"start": start, "end": end, "effective": effective}


# ------------------------------------------------------------------ adjustments


@settings(max_examples=60, deadline=None)
@given(policies, terms())
def test_a_change_that_changes_nothing_costs_nothing(policy, term):
    start, end, effective, _ = term
    for nothing in ({}, {"region": policy["region"]}, dict(policy)):
        same = adjust(PLAN, policy, nothing, **_term(start, end, effective))
        assert same.charge == 0.0 and same.premium_after == same.premium_before
        assert same.changed_factors == [] and (same.breakdown["change"] == 0).all()


@settings(max_examples=80, deadline=None)
@given(policies, changes, terms())
def test_adjusting_and_back_on_the_same_day_returns_to_the_original_premium(policy, change, term):
    start, end, effective, _ = term
    there = adjust(PLAN, policy, change, **_term(start, end, effective))
    back = adjust(PLAN, there.policy_after, {k: policy[k] for k in change}, **_term(start, end, effective))
    assert back.policy_after == policy
    assert back.premium_after == there.premium_before  # exactly: the same quote
    assert there.charge + back.charge == 0.0  # a change and its reversal round to opposite cents
    assert there.charge == pytest.approx((there.premium_after - there.premium_before) * there.remaining_share,
                                         abs=0.005 + 1e-9)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(policies, changes, terms())
def test_adjusting_and_back_later_charges_the_difference_between_the_two_dates(policy, change, term):
    start, end, first, second = term
    there = adjust(PLAN, policy, change, **_term(start, end, first))
    back = adjust(PLAN, there.policy_after, {k: policy[k] for k in change}, **_term(start, end, second))
    difference = there.premium_after - there.premium_before
    between = (second - first).days / (end - start).days
    # Each charge is rounded to the cent on its own: the total is within a cent of the exact amount ...
    assert there.charge + back.charge == pytest.approx(difference * between, abs=0.01 + 1e-9)
    # ... and the change back returns exactly what the first change would charge from that date.
    assert back.charge == -adjust(PLAN, policy, change, **_term(start, end, second)).charge


def test_successive_changes_compose():
    policy = {"region": "north", "vehicle": "small", "driver_age": 40}
    term = {"start": "2024-01-01", "end": "2025-01-01"}  # a leap year: 366 days
    first = adjust(PLAN, policy, {"vehicle": "suv"}, effective="2024-03-01", **term)
    second = adjust(PLAN, first.policy_after, {"region": "south"}, effective="2024-07-01", **term)
    assert first.days_in_term == 366 and first.days_remaining == 306 and second.days_remaining == 184
    assert second.premium_before == first.premium_after
    assert second.policy_after == {"region": "south", "vehicle": "suv", "driver_age": 40}
    direct = PLAN.quote_one(second.policy_after)["premium_total"]
    assert second.premium_after == direct


def test_leap_and_multi_year_terms_are_counted_in_days():
    policy = {"region": "north", "vehicle": "small", "driver_age": 40}
    leap = adjust(PLAN, policy, {"region": "south"}, start="2024-02-29", end="2025-02-28", effective="2024-08-31")
    assert (leap.days_in_term, leap.days_remaining, leap.remaining_share) == (365, 181, 181 / 365)
    three = adjust(PLAN, policy, {"region": "south"}, start="2023-01-01", end="2026-01-01", effective="2024-01-01")
    assert (three.days_in_term, three.days_remaining) == (1096, 731)
    assert three.charge == round((three.premium_after - three.premium_before) * 731 / 1096, 2)
    on_the_first_day = adjust(PLAN, policy, {"region": "south"}, start="2023-01-01", end="2024-01-01",
                              effective="2023-01-01")  # fmt: skip
    assert on_the_first_day.remaining_share == 1.0


def test_a_lower_premium_is_returned_and_ties_round_away_from_zero():
    region = CategoricalFactor("region", "region", ("a", "b"), (1.0, 1.5))
    plan = RatingPlan("ties", "1", (Coverage("tpl", 2.0, (region,)),))  # premiums 2 and 3
    term = {"start": "2025-01-01", "end": "2025-07-20", "effective": "2025-07-19"}  # 1 day of 200: 0.005
    up = adjust(plan, {"region": "a"}, {"region": "b"}, **term)
    down = adjust(plan, {"region": "b"}, {"region": "a"}, **term)
    assert up.days_in_term == 200 and (up.charge, down.charge) == (0.01, -0.01)
    assert "return 0.01" in repr(down) and "charge 0.01" in repr(up)


@settings(max_examples=40, deadline=None)
@given(policies, changes)
def test_breakdown_lists_every_factor_that_changed(policy, change):
    adjustment = adjust(PLAN, policy, change, start="2025-01-01", end="2026-01-01", effective="2025-06-01")
    before, after = PLAN.quote_one(policy), PLAN.quote_one({**policy, **change})
    factors = [f"{c.name}.{f.name}" for c in PLAN.coverages for f in c.factors]
    expected = [k for k in factors if before[k] != after[k]]
    assert adjustment.changed_factors == expected
    table = adjustment.breakdown
    assert set(factors) <= set(table.index)
    assert list(table.index[(table["change"] != 0) & table.index.isin(factors)]) == expected
    assert table.loc["premium_total", "before"] == adjustment.premium_before


def test_a_shared_factor_changes_in_every_coverage_that_reads_it():
    policy = {"region": "north", "vehicle": "small", "driver_age": 40}
    older = adjust(PLAN, policy, {"driver_age": 70}, start="2025-01-01", end="2026-01-01", effective="2025-06-01")
    assert older.changed_factors == ["tpl.age", "od.age"]
    assert older.changes == {"driver_age": (40, 70)}
    assert older.breakdown.loc["tpl.age", "ratio"] == pytest.approx(1.2)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(policies, changes, terms()), min_size=1, max_size=12))
def test_adjust_many_equals_adjust_row_by_row_bit_for_bit(rows):
    book = pd.DataFrame([{**p, "period_start": t[0], "period_end": t[1]} for p, _, t in rows],
                        index=[f"P{i}" for i in range(len(rows))])  # fmt: skip
    moves = pd.DataFrame([{**c, "effective": t[2]} for _, c, t in rows], index=book.index)
    moves = moves.reindex(columns=[*(c for c in ("region", "vehicle", "driver_age") if c in moves), "effective"])
    batch = adjust_many(PLAN, book, moves)
    for label, (policy, change, (start, end, effective, _)) in zip(book.index, rows, strict=True):
        one = adjust(PLAN, policy, change, **_term(start, end, effective))
        got = batch.loc[label]
        for column, value in (("premium_before", one.premium_before), ("premium_after", one.premium_after),
                              ("remaining_share", one.remaining_share), ("charge", one.charge),
                              ("premium_od_after", one.after["premium_od"])):  # fmt: skip
            assert float(got[column]).hex() == float(value).hex(), (label, column)
        assert got["days_remaining"] == one.days_remaining and got["days_in_term"] == one.days_in_term


def test_adjust_many_takes_a_subset_of_the_book_and_single_dates():
    book = pd.DataFrame({"region": pd.Categorical(["north", "south", "east"]), "vehicle": "small",
                         "driver_age": [30, 40, 50]}, index=[10, 20, 30])  # fmt: skip
    moves = pd.DataFrame({"region": ["east", None], "driver_age": [None, 70]}, index=[30, 10])
    out = adjust_many(PLAN, book, moves, start="2025-01-01", end="2026-01-01", effective="2025-07-01")
    assert list(out.index) == [30, 10]
    assert out.loc[30, "charge"] == 0.0  # east -> east: the missing age is no change
    one = adjust(PLAN, {"region": "north", "vehicle": "small", "driver_age": 30}, {"driver_age": 70},
                 start="2025-01-01", end="2026-01-01", effective="2025-07-01")  # fmt: skip
    assert out.loc[10, "charge"] == one.charge and out.attrs["plan_id"] == PLAN.plan_id


def test_china_template_raising_the_tpl_limit_mid_term():
    plan = china_motor_plan(Coverage("tpl", 600.0), autonomous_range="2023", expense_loading=0.2)
    term = {"start": "2025-03-01", "end": "2026-03-01", "effective": "2025-09-01"}
    raised = adjust(plan, CHINA_POLICY, {"tpl_limit": 2_000_000}, **term)
    assert raised.changed_factors == ["tpl.limit"]
    assert raised.after["tpl.limit"] > raised.before["tpl.limit"] == 1.0
    assert raised.after["premium_ctpl"] == raised.before["premium_ctpl"] == 950.0  # CTPL does not read the limit
    assert raised.days_remaining == 181 and raised.days_in_term == 365
    expected = (raised.after["premium_tpl"] - raised.before["premium_tpl"]) * 181 / 365
    assert raised.charge > 0 and raised.charge == pytest.approx(expected, abs=0.005)
    book = pd.DataFrame([CHINA_POLICY], index=["CN1"]).assign(period_start=term["start"], period_end=term["end"])
    moves = pd.DataFrame({"tpl_limit": [2_000_000], "effective": [term["effective"]]}, index=["CN1"])
    assert adjust_many(plan, book, moves).loc["CN1", "charge"] == raised.charge
    with pytest.raises(QuoteError, match=r"tpl_limit.*1234567"):
        adjust(plan, CHINA_POLICY, {"tpl_limit": 1_234_567}, **term)


def test_the_plan_must_be_in_force_at_the_policy_start():
    plan = RatingPlan("dated", "1", (Coverage("tpl", 500.0, (REGION,)),), effective_from="2025-01-01")
    with pytest.raises(QuoteError, match="not in force"):
        adjust(plan, {"region": "north"}, {"region": "south"}, start="2024-06-01", end="2025-06-01",
               effective="2025-02-01")  # fmt: skip
    book = pd.DataFrame({"region": ["north", "north"], "period_start": ["2025-02-01", "2024-06-01"],
                         "period_end": ["2026-02-01", "2025-06-01"]})  # fmt: skip
    moves = pd.DataFrame({"region": ["south", "south"], "effective": ["2025-03-01", "2025-03-01"]})
    with pytest.raises(QuoteError, match=r"period_start.*rows: 1"):
        adjust_many(plan, book, moves)


@pytest.mark.parametrize(("dates", "message"), [
    ({"effective": "2026-01-01"}, r"effective = '2026-01-01': outside the term"),
    ({"effective": "2024-12-31"}, r"effective = '2024-12-31': outside the term"),
    ({"end": "2025-01-01"}, r"end = '2025-01-01': not after the start"),
    ({"end": "2024-01-01"}, r"end = '2024-01-01': not after the start"),
    ({"effective": "2025-03-01 12:00"}, r"effective = '2025-03-01 12:00': not a whole day"),
    ({"start": "1st of May"}, r"start = '1st of May'"),
])  # fmt: skip
def test_adjust_refuses_bad_dates_naming_the_field_and_value(dates, message):
    term = {"start": "2025-01-01", "end": "2026-01-01", "effective": "2025-06-01", **dates}
    with pytest.raises(ParameterError, match=message):
        adjust(PLAN, {"region": "north", "vehicle": "small", "driver_age": 40}, {"region": "south"}, **term)


def test_adjust_refuses_changes_the_plan_cannot_rate():
    policy, term = {"region": "north", "vehicle": "small", "driver_age": 40}, _term("2025-01-01", "2026-01-01", "2025-06-01")
    with pytest.raises(QuoteError, match=r"column 'colour': not read by the plan.*values: 'red'"):
        adjust(PLAN, policy, {"colour": "red"}, **term)
    with pytest.raises(QuoteError, match=r"column 'region': cannot rate value 'west'"):
        adjust(PLAN, policy, {"region": "west"}, **term)


def test_adjust_many_names_columns_values_and_rows():
    book = pd.DataFrame({"region": ["north", "south", "east"], "vehicle": "small", "driver_age": 40,
                         "period_start": "2025-01-01", "period_end": ["2026-01-01", "2026-01-01", "2024-01-01"]},
                        index=["a", "b", "c"])  # fmt: skip
    good = book.iloc[:2]
    moves = pd.DataFrame({"region": ["south", "west"], "effective": ["2025-06-01", "2025-06-01"]}, index=["a", "b"])
    with pytest.raises(QuoteError, match=r"column 'region': unknown level in 1 row.*values: 'west'; rows: 'b'"):
        adjust_many(PLAN, good, moves)
    colour = pd.DataFrame({"colour": ["red"], "effective": ["2025-06-01"]}, index=["b"])
    with pytest.raises(QuoteError, match=r"column 'colour': not read by the plan.*values: 'red'; rows: 'b'"):
        adjust_many(PLAN, good, colour)
    late = pd.DataFrame({"region": ["south", "east"], "effective": ["2025-06-01", "2026-01-01"]}, index=["a", "b"])
    with pytest.raises(DataError, match=r"column 'effective': outside the term.*'2026-01-01'; rows: 'b'"):
        adjust_many(PLAN, good, late)
    with pytest.raises(DataError, match=r"column 'period_end': not after the start.*rows: 'c'"):
        adjust_many(PLAN, book, pd.DataFrame({"region": ["south"], "effective": ["2025-06-01"]}, index=["c"]))
    with pytest.raises(DataError, match=r"not a policy.*rows: 'z'"):
        adjust_many(PLAN, good, pd.DataFrame({"region": ["south"], "effective": ["2025-06-01"]}, index=["z"]))
    with pytest.raises(DataError, match=r"policy changed twice"):
        adjust_many(PLAN, good, pd.DataFrame({"region": ["south", "east"], "effective": "2025-06-01"}, index=["a", "a"]))
    with pytest.raises(ParameterError, match=r"nor is 'effective_date' a column"):
        adjust_many(PLAN, good, moves[["region"]], effective="effective_date")


def test_adjustment_renders_in_jupyter():
    moved = adjust(PLAN, {"region": "north", "vehicle": "small", "driver_age": 40}, {"vehicle": "suv"},
                   start="2025-01-01", end="2026-01-01", effective="2025-06-01")  # fmt: skip
    assert isinstance(moved, Adjustment)
    assert "od.vehicle" in repr(moved) and "charge" in repr(moved)
    page = moved._repr_html_()
    assert page.count("<table") == 2 and "od.vehicle" in page and "suv" in page


# ----------------------------------------------------------------- cancellations


@settings(max_examples=200, deadline=None)
@given(amounts, terms(max_days=366))
def test_refund_plus_earned_is_the_premium_paid_exactly(paid, term):
    start, end, cancelled, _ = term
    methods = ["pro_rata"] + (["short_period"] if (pd.Timestamp(start) + pd.DateOffset(years=1)).date() >= end else [])
    for method in methods:
        refund = cancellation_refund(paid, start=start, end=end, cancelled=cancelled, method=method)
        paid_cents, earned_cents, refund_cents = refund.cents
        assert earned_cents + refund_cents == paid_cents == round(paid * 100)  # exact, in cents
        assert 0 <= earned_cents <= paid_cents
        # each amount is the float nearest its cents, so the float sum rounds back to the premium
        assert (refund.earned, refund.refund) == (earned_cents / 100, refund_cents / 100)
        assert round(refund.earned + refund.refund, 2) == refund.premium_paid == paid


@settings(max_examples=150, deadline=None)
@given(amounts, one_year_terms())
def test_short_period_refunds_never_exceed_pro_rata_refunds_sampled(paid, term):
    start, end, cancelled = term
    short = cancellation_refund(paid, start=start, end=end, cancelled=cancelled, method="short_period")
    pro_rata = cancellation_refund(paid, start=start, end=end, cancelled=cancelled)
    assert short.refund <= pro_rata.refund
    assert short.months_in_term == 12


def test_short_period_refunds_never_exceed_pro_rata_refunds_for_every_date():
    """Every one-year term starting on a day of 2023-2024 (a leap year included), cancelled on each of its days."""
    starts = pd.date_range("2023-01-01", "2024-12-31")
    ends = starts + pd.DateOffset(years=1)
    days = (ends - starts).days.to_numpy()
    row = np.repeat(np.arange(len(starts)), days)
    offset = np.arange(row.size) - np.repeat(np.cumsum(days) - days, days)
    book = pd.DataFrame({"premium_paid": 1234.57, "period_start": starts[row], "period_end": ends[row],
                         "cancelled": starts[row] + pd.to_timedelta(offset, "D")})  # fmt: skip
    short, pro_rata = cancel_many(book, method="short_period"), cancel_many(book)
    assert (short["refund"] <= pro_rata["refund"]).all()
    assert (short["earned"] + short["refund"]).round(2).eq(1234.57).all()
    assert set(short["months_in_force"]) == set(range(13))


@settings(max_examples=150, deadline=None)
@given(st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)), st.integers(0, 400))
def test_months_in_force_are_started_months(start, days):
    cancelled = start + dt.timedelta(days=days)
    end = (pd.Timestamp(start) + pd.DateOffset(years=2)).date()
    table = ShortPeriodTable([m / 24 for m in range(1, 25)])
    months = cancellation_refund(100.0, start=start, end=end, cancelled=cancelled, method=table).months_in_force
    # the least m whose m-month anniversary (pandas month arithmetic: day clipped to the month end) is on or after
    expected = next(m for m in range(30) if (pd.Timestamp(start) + pd.DateOffset(months=m)).date() >= cancelled)
    assert months == expected


def test_short_period_examples():
    term = {"start": "2025-01-31", "end": "2026-01-31", "method": "short_period"}
    assert cancellation_refund(1000.0, cancelled="2025-01-31", **term).refund == 1000.0  # nothing in force
    assert cancellation_refund(1000.0, cancelled="2025-02-01", **term).months_in_force == 1  # one day: one month
    assert cancellation_refund(1000.0, cancelled="2025-02-28", **term).months_in_force == 1  # month ends 28 Feb
    assert cancellation_refund(1000.0, cancelled="2025-03-01", **term).earned == 200.0
    assert cancellation_refund(1000.0, cancelled="2025-10-15", **term).earned == 850.0  # 9 months: 85%
    assert cancellation_refund(1000.0, cancelled="2026-01-30", **term).refund == 0.0
    # a 3-month policy paid 30% of the annual premium: 1 month in force earns 10% of the annual premium
    short = cancellation_refund(300.0, start="2025-01-01", end="2025-04-01", cancelled="2025-01-20",
                                method="short_period")  # fmt: skip
    assert (short.earned, short.refund, short.months_in_term) == (100.0, 200.0, 3)


def test_pro_rata_by_days_of_the_half_open_term():
    leap = cancellation_refund(366.0, start="2024-01-01", end="2025-01-01", cancelled="2024-03-01")
    assert (leap.days_in_force, leap.days_in_term, leap.earned, leap.refund) == (60, 366, 60.0, 306.0)
    two_years = cancellation_refund(731.0, start="2023-01-01", end="2025-01-01", cancelled="2024-01-01")
    assert (two_years.days_in_term, two_years.earned) == (731, 365.0)
    assert cancellation_refund(99.99, start="2025-01-01", end="2026-01-01", cancelled="2025-01-01").refund == 99.99
    half = cancellation_refund(0.01, start="2025-01-01", end="2025-01-03", cancelled="2025-01-02")
    assert (half.earned, half.refund) == (0.01, 0.0)  # half a cent earned rounds up
    assert cancellation_refund(100.004, start="2025-01-01", end="2026-01-01", cancelled="2025-01-01").premium_paid == 100.0


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(amounts, terms(max_days=366)), min_size=1, max_size=15),
       st.sampled_from(["pro_rata", "short_period"]))  # fmt: skip
def test_cancel_many_equals_cancellation_refund_row_by_row_bit_for_bit(rows, method):
    if method == "short_period":  # the shipped table covers terms of at most 12 months
        rows = [r for r in rows if (pd.Timestamp(r[1][0]) + pd.DateOffset(years=1)).date() >= r[1][1]] or rows[:0]
    book = pd.DataFrame({"premium_paid": [p for p, _ in rows], "period_start": [t[0] for _, t in rows],
                         "period_end": [t[1] for _, t in rows], "cancelled": [t[2] for _, t in rows]})  # fmt: skip
    batch = cancel_many(book, method=method)
    for i, (paid, (start, end, cancelled, _)) in enumerate(rows):
        one = cancellation_refund(paid, start=start, end=end, cancelled=cancelled, method=method)
        for column in ("premium_paid", "earned", "refund"):
            assert float(batch.loc[i, column]).hex() == float(getattr(one, column)).hex()
        assert batch.loc[i, "days_in_force"] == one.days_in_force


def test_cancellation_refuses_bad_input_naming_the_field_and_value():
    term = {"start": "2025-01-01", "end": "2026-01-01"}
    with pytest.raises(ParameterError, match=r"premium_paid = -1.0: not a premium"):
        cancellation_refund(-1.0, cancelled="2025-06-01", **term)
    with pytest.raises(ParameterError, match=r"premium_paid = nan"):
        cancellation_refund(float("nan"), cancelled="2025-06-01", **term)
    with pytest.raises(ParameterError, match=r"cancelled = '2024-12-31': outside the term"):
        cancellation_refund(100.0, cancelled="2024-12-31", **term)
    with pytest.raises(ParameterError, match=r"cancelled = '2026-01-01': outside the term"):
        cancellation_refund(100.0, cancelled="2026-01-01", **term)
    with pytest.raises(ParameterError, match=r"end = '2025-01-01': not after the start"):
        cancellation_refund(100.0, start="2025-01-01", end="2025-01-01", cancelled="2025-01-01")
    with pytest.raises(ParameterError, match=r"end = '2026-01-02': term longer than the short-period table"):
        cancellation_refund(100.0, start="2025-01-01", end="2026-01-02", cancelled="2025-06-01", method="short_period")
    with pytest.raises(ParameterError, match=r"method must be one of \['pro_rata', 'short_period'\]"):
        cancellation_refund(100.0, cancelled="2025-06-01", method="monthly", **term)
    book = pd.DataFrame({"premium_paid": [100.0, -5.0, 100.0], "period_start": "2025-01-01",
                         "period_end": "2026-01-01", "cancelled": ["2025-06-01", "2025-06-01", "2024-06-01"]},
                        index=["a", "b", "c"])  # fmt: skip
    with pytest.raises(DataError, match=r"premium_paid': not a premium in 1 row.*-5.0; rows: 'b'") as error:
        cancel_many(book)
    assert error.value.columns == ["premium_paid", "cancelled"]
    assert error.value.issues[1].rows == ("c",)


# ----------------------------------------------------------------- short-period table


def test_shipped_table_is_data_with_its_source_and_confidence():
    text = resources.files("autorisk.renewal").joinpath("short_period.json").read_text(encoding="utf-8")
    document = json.loads(text)
    table = ShortPeriodTable.china()
    assert table.to_dict() == document  # lossless round trip
    assert ShortPeriodTable.from_dict(table.to_dict()) == table
    assert table.shares == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)
    assert table.confidence == "recalled" and "check your filed clauses" in table.source
    assert any("pro rata" in caveat for caveat in table.caveats)
    assert "<table" in table._repr_html_() and "0.85" in repr(table)


@pytest.mark.parametrize("shares", [
    {1: 0.5, 3: 1.0},  # a month missing
    [0.6, 0.5, 1.0],  # decreasing
    [0.5, 0.9],  # does not end at the whole premium
    [0.0, 1.0],  # a month earns nothing
    [],
    ["half", 1.0],
])  # fmt: skip
def test_table_rules(shares):
    with pytest.raises(ParameterError, match="short-period table"):
        ShortPeriodTable(shares)


def test_table_from_dict_refuses_unknown_keys_and_formats():
    with pytest.raises(ParameterError, match="unknown keys \\['shares_pct'\\]"):
        ShortPeriodTable.from_dict({"shares_pct": {"1": 100}})
    with pytest.raises(ParameterError, match="unsupported short-period table format"):
        ShortPeriodTable.from_dict({"format": "other/1", "shares": {"1": 1.0}})
    custom = ShortPeriodTable.from_dict({"shares": {"1": 0.5, "2": 1.0}, "name": "two months"})
    refund = cancellation_refund(200.0, start="2025-01-01", end="2025-03-01", cancelled="2025-01-10", method=custom)
    assert (refund.earned, refund.method) == (100.0, "two months")
