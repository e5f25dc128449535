"""Renewal offers: caps, the new-business-price rule, rounding and the dislocation summary."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import DataError, ParameterError
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.renewal.dislocation import dislocation
from autorisk.renewal.rescore import RULES, RenewalRules, renewal_offers

REGION = CategoricalFactor("region", "region", ("north", "south", "east"), (1.0, 1.5, 0.7))
PLAN = RatingPlan("tariff", "2", (Coverage("tpl", 500.0, (REGION,)),))
CHEAPER_FOR_NEWCOMERS = RatingPlan("new business", "2", (Coverage("tpl", 450.0, (REGION,)),))

books = st.lists(
    st.tuples(st.sampled_from(["north", "south", "east"]), st.floats(100.0, 2000.0)), min_size=1, max_size=40
).map(lambda rows: pd.DataFrame(rows, columns=["region", "current_premium"]).assign(policy_id=lambda d: d.index))


@settings(max_examples=80, deadline=None)
@given(books, st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.sampled_from([None, 0.01, 1.0]), st.booleans(),
       st.booleans())  # fmt: skip
def test_offer_properties(book, increase, decrease, rounding, rule, cheaper):
    rules = RenewalRules(max_increase=increase, max_decrease=decrease, rounding=rounding, new_business_rule=rule)
    offers = renewal_offers(book, PLAN, rules=rules, new_business=CHEAPER_FOR_NEWCOMERS if cheaper else None)
    current, technical = offers["current_premium"].to_numpy(), offers["technical_premium"].to_numpy()
    offered, flags = offers["offered_premium"].to_numpy(), offers["rule_flags"].to_numpy()
    unit = rounding or 0.0
    expected_technical = 500.0 * book["region"].map(dict(zip(REGION.levels, REGION.values, strict=True))).to_numpy()
    np.testing.assert_allclose(technical, expected_technical, rtol=1e-12)
    if rule:  # never above what a new customer with the same risk pays
        assert np.all(offered <= offers["new_business_premium"].to_numpy() + 1e-9)
    free = (flags & RULES["new_business_price"]) == 0
    upper, lower = current * (1 + increase), current * (1 - decrease)
    assert np.all(offered <= upper * (1 + 1e-12))  # rounding never carries an offer across a cap
    # ... nor below the decrease cap, unless the two caps hold no multiple of the unit between them
    assert np.all(offered[free] >= lower[free] * (1 - 1e-12) - unit)
    # a cap flag iff the technical premium lay outside the band
    assert np.array_equal((flags & RULES["cap_increase"]) > 0, technical > upper)
    assert np.array_equal((flags & RULES["cap_decrease"]) > 0, technical < lower)
    untouched = flags == 0
    np.testing.assert_allclose(offered[untouched], technical[untouched], atol=unit / 2 + 1e-9, rtol=0)
    assert (offers["reason"][untouched] == "none").all()
    np.testing.assert_allclose(offers["change"], offered / current - 1, rtol=1e-12)
    # the dislocation summary reconciles with the offers
    summary = dislocation(offers)
    assert summary.bands["policies"].sum() == len(book)
    overall = summary.totals.loc["(all)"]
    assert overall["offered_premium"] == pytest.approx(offered.sum())
    assert overall["moved_up"] - overall["moved_down"] == pytest.approx(offered.sum() - current.sum(), abs=1e-6)
    assert summary.rules.loc["cap_increase", "policies"] == int(np.count_nonzero(flags & 1))


def test_segment_caps_and_reasons_by_hand():
    book = pd.DataFrame({"policy_id": [1, 2, 3], "region": ["north", "south", "south"],
                         "current_premium": [400.0, 600.0, 1000.0]})  # fmt: skip
    rules = RenewalRules(max_increase=0.1, max_decrease=0.1, segment="region", segment_caps={"south": (0.2, 0.1)})
    offers = renewal_offers(book, PLAN, rules=rules).set_index("policy_id")
    # north: 400 -> technical 500, capped at +10% = 440; south: 600 -> 750 capped at +20% = 720;
    # south: 1000 -> 750, floor -10% = 900, then the new-business price 750 applies
    assert offers["offered_premium"].tolist() == [440.0, 720.0, 750.0]
    assert offers["reason"].tolist() == ["cap_increase", "cap_increase", "cap_decrease+new_business_price"]
    summary = dislocation(offers, by="region")
    assert summary.totals.loc["south", "policies"] == 2 and summary.totals.loc["north", "at_cap_increase"] == 1
    assert "change bands" in str(summary) and "<table" in summary._repr_html_()


def test_without_the_rule_a_decrease_cap_can_keep_a_renewal_above_new_business():
    book = pd.DataFrame({"region": ["south"], "current_premium": [1000.0]})
    offers = renewal_offers(book, PLAN, rules=RenewalRules(max_decrease=0.1, new_business_rule=False))
    assert offers["offered_premium"].tolist() == [900.0] and offers["technical_premium"].tolist() == [750.0]


def test_bad_inputs_are_named():
    book = pd.DataFrame({"region": ["north", "south"], "current_premium": [400.0, -1.0]}, index=[7, 8])
    with pytest.raises(DataError, match=r"current_premium.*rows: 8"):
        renewal_offers(book, PLAN)
    with pytest.raises(DataError, match="current_premium"):
        renewal_offers(book.drop(columns="current_premium"), PLAN)
    with pytest.raises(ParameterError, match="max_decrease"):
        RenewalRules(max_decrease=1.5)
    with pytest.raises(ParameterError, match="segment"):
        RenewalRules(segment_caps={"south": (0.1, 0.1)})


def test_rescoring_with_a_model_keeps_the_plan_as_new_business_price():
    book = pd.DataFrame({"region": ["north", "south", "east"], "current_premium": [500.0, 700.0, 400.0]})
    model_premium = np.array([520.0, 900.0, 300.0])
    offers = renewal_offers(book, PLAN, rules=RenewalRules(max_increase=0.1, max_decrease=0.1),
                            score=lambda d: model_premium[: len(d)])  # fmt: skip
    assert offers["technical_premium"].tolist() == [520.0, 900.0, 300.0]
    # north: 520 within the caps, but a new customer pays 500; south: capped at 770, then 750 binds;
    # east: the 10% floor is 360, but a new customer pays 350
    assert offers["offered_premium"].tolist() == [500.0, 750.0, 350.0]
    assert offers["new_business_premium"].tolist() == [500.0, 750.0, 350.0]
    with pytest.raises(DataError, match="technical_premium"):
        renewal_offers(book, PLAN, score=lambda d: np.array([1.0, np.nan, 2.0]))


def test_an_offer_at_exactly_a_band_edge_is_in_the_band_above_it():
    # Every offer exactly 20% below its current premium in cents (4/5 of a multiple of 5 cents):
    # in binary, offered / current - 1 falls just under -0.2 for many of them (189.08 / 236.35),
    # and they were counted in "< -20%"; all belong to "[-20%, -10%)".
    cents = np.arange(10_000, 60_000, 5)
    offers = pd.DataFrame({"current_premium": cents / 100, "offered_premium": cents * 4 // 5 / 100,
                           "rule_flags": np.zeros(cents.size, dtype=np.uint8)})  # fmt: skip
    assert ((offers["offered_premium"] / offers["current_premium"] - 1) < -0.2).any()  # the binary trap is there
    bands = dislocation(offers).bands["policies"]
    assert bands.loc["[-20%, -10%)"] == cents.size and bands.drop("[-20%, -10%)").sum() == 0
