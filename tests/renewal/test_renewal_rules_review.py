"""Review findings 5 and 6: the minimum premium and the new-business rule; fault and lapse reach the ladder.

Expected offers are worked by hand from the rules as documented in
``autorisk.renewal.rescore``; the ladder rules are the published ones (French
CRM, Code des assurances art. A121-1: x1.25 per responsible claim, x1.125 per
partly responsible claim, two decimals truncated; China national NCD: a lapse
of over 183 days restarts at the new-business level 0).
"""

from __future__ import annotations

import pandas as pd
import pytest

from autorisk.errors import ParameterError
from autorisk.rating import BonusMalusFactor, CategoricalFactor, Coverage, RatingPlan
from autorisk.renewal import RenewalJob, RenewalRules, load_ladder, renewal_offers


def _flat(rate: float) -> RatingPlan:
    one = CategoricalFactor("all", "all", ("x",), (1.0,))
    return RatingPlan("flat", "1", (Coverage("tpl", rate, (one,)),))


def _offer(rate, current, **rules):
    book = pd.DataFrame({"policy_id": [1], "all": ["x"], "current_premium": [current]})
    row = renewal_offers(book, _flat(rate), rules=RenewalRules(**rules)).iloc[0]
    return row["offered_premium"], row["reason"], row["new_business_premium"]


def test_minimum_above_the_new_business_price_without_rounding():
    # Plan (= new-business) premium 100, minimum 120: new customers pay 120 too, so the offer is
    # 120 and it does not exceed the (floored) new-business price.
    offered, reason, new_business = _offer(100.0, 100.0, min_premium=120.0, rounding=None, max_increase=None)
    assert (offered, reason, new_business) == (120.0, "min_premium", 120.0)
    assert offered <= new_business


def test_minimum_wins_over_the_increase_cap_with_rounding():
    # Technical 150, current 100, cap +10% -> 110; the minimum 120 raises it to 120 (a multiple of 1).
    offered, reason, _ = _offer(150.0, 100.0, min_premium=120.0, rounding=1.0, max_increase=0.1)
    assert (offered, reason) == (120.0, "cap_increase+min_premium")


def test_no_multiple_of_the_unit_between_minimum_and_new_business_price_is_a_conflict():
    # NB price 100 floored to the minimum 120.4; rounding to 1 gives 120 (below the minimum) or
    # 121 (above the new-business price): the customer's side wins and the row says so.
    offered, reason, new_business = _offer(100.0, 100.0, min_premium=120.4, rounding=1.0, max_increase=None)
    assert offered == 120.0 and new_business == 120.4
    assert reason == "conflict"  # the minimum did not hold, so it is not given as the reason


def test_minimum_below_the_new_business_price_changes_nothing():
    # Current 200, cap -20% -> 160; the new-business price 100 takes it to 100; the minimum 80 does not bind.
    offered, reason, new_business = _offer(100.0, 200.0, min_premium=80.0, rounding=1.0, max_decrease=0.2)
    assert (offered, reason, new_business) == (100.0, "cap_decrease+new_business_price", 100.0)


def _ncd_plan(ladder) -> RatingPlan:
    ncd = BonusMalusFactor("ncd", ladder.level_column, ladder.lowest, tuple(ladder.values))
    return RatingPlan("ncd", "1", (Coverage("tpl", 1000.0, (ncd,)),))


def test_china_lapse_over_183_days_resets_the_level_in_a_renewal_run():
    ladder = load_ladder("china_national")
    book = ladder.init_state(pd.DataFrame({"ncd_level": [-2, -2]}))
    book = book.assign(policy_id=[1, 2], current_premium=[700.0, 700.0], claims_since_renewal=[0, 0],
                       lapse=[0, 200])  # fmt: skip
    rules = RenewalRules(max_increase=None, max_decrease=None, new_business_rule=False)
    offers = renewal_offers(book, _ncd_plan(ladder), rules=rules, ladder=ladder, lapse_days="lapse")
    # Continuous: one more claim-free year, -2 -> -3 (0.6); lapsed 200 days: back to level 0 (1.0).
    assert offers["ncd_level"].tolist() == [-3, 0]
    assert offers["technical_premium"].tolist() == [600.0, 1000.0]
    job = RenewalJob.from_plan(_ncd_plan(ladder), rules, ladder, lapse_days="lapse")
    pd.testing.assert_frame_equal(job(book), offers)


def test_french_partly_at_fault_claim_costs_1_125_not_1_25():
    ladder = load_ladder("france_crm")
    book = ladder.init_state(pd.DataFrame({"crm": [1.0, 1.0]}))
    book = book.assign(policy_id=[1, 2], current_premium=[500.0, 500.0], claims_since_renewal=[0, 0],
                       full=[1, 0], partly=[0, 1])  # fmt: skip
    renewed = renewal_offers(book, RatingPlan("f", "1", (Coverage("tpl", 500.0),)), ladder=ladder,
                             at_fault="full", partly_at_fault="partly",
                             rules=RenewalRules(max_increase=None, new_business_rule=False))  # fmt: skip
    assert renewed["crm"].tolist() == [1.25, 1.12]  # 1.125 truncated to two decimals


def test_fault_or_lapse_without_a_ladder_is_refused():
    book = pd.DataFrame({"policy_id": [1], "all": ["x"], "current_premium": [100.0], "lapse": [0]})
    with pytest.raises(ParameterError, match="ladder"):
        renewal_offers(book, _flat(100.0), lapse_days="lapse")


@pytest.mark.parametrize("paid", [1.005, 0.285, 2.675, 100.125])
def test_midterm_money_rounds_cent_ties_as_decimals(paid):
    # Review finding 8: the premium paid is rounded half up on its decimal value (Python's decimal
    # as the reference), so 1.005 pays 1.01 (binary floating point gave 1.00); earned + refund = paid.
    from decimal import ROUND_HALF_UP, Decimal

    from autorisk.renewal import cancellation_refund

    expected = float(Decimal(repr(paid)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    refund = cancellation_refund(paid, start="2026-01-01", end="2027-01-01", cancelled="2026-07-02")
    assert refund.premium_paid == expected
    assert round(refund.earned * 100) + round(refund.refund * 100) == round(expected * 100)
