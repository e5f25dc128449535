"""Properties of optimise_offers on random books (hypothesis): bounds, monotonicity in a target, zero elasticity."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autorisk.optimise import InfeasibleTargetError, MinRetention, optimise_offers
from autorisk.renewal import RenewalRules

from .reference_demand import LogLinearRetention

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def books(draw):
    n = draw(st.integers(3, 30))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    last = np.round(rng.lognormal(np.log(400), 0.5, n), 2)
    technical = np.round(last * rng.lognormal(0, 0.2, n), 2)
    book = pd.DataFrame({"region": rng.choice(["a", "b"], n), "prem_last": last, "tech": technical,
                         "cost": technical * rng.uniform(0.5, 0.95, n)})  # fmt: skip
    slopes = {"a": draw(st.floats(-8, -0.5)), "b": draw(st.floats(-8, -0.5))}
    model = LogLinearRetention({"a": draw(st.floats(0.5, 3)), "b": draw(st.floats(0.5, 3))}, slopes)
    rules = RenewalRules(
        max_increase=draw(st.sampled_from([0.0, 0.05, 0.25, None])), max_decrease=draw(st.sampled_from([0.0, 0.1, 0.3])),
        new_business_rule=draw(st.booleans()), min_premium=draw(st.sampled_from([None, 150.0, 400.0])),
        rounding=draw(st.sampled_from([None, 0.01, 1.0, 5.0])), segment="region",
        segment_caps=draw(st.sampled_from([{}, {"b": (0.1, 0.05)}])),
    )  # fmt: skip
    if rules.max_increase is None and not rules.new_business_rule:
        rules = RenewalRules(max_increase=0.5, max_decrease=rules.max_decrease, min_premium=rules.min_premium,
                             rounding=rules.rounding, new_business_rule=False)  # fmt: skip
    return book, model, rules


def _caps(book, rules):
    increase = np.full(len(book), np.inf if rules.max_increase is None else rules.max_increase)
    decrease = np.full(len(book), rules.max_decrease)
    for level, (up, down) in rules.segment_caps.items():
        increase[book["region"] == level], decrease[book["region"] == level] = up, down
    return book["prem_last"].to_numpy() * (1 + increase), book["prem_last"].to_numpy() * (1 - decrease)


@SETTINGS
@given(books(), st.floats(0.0, 0.5))
def test_every_offer_within_its_caps_and_at_most_the_new_business_price(case, lift):
    book, model, rules = case
    free = optimise_offers(book, model, expected_cost="cost", technical="tech", rules=rules)
    lowest = model.predict_retention(book, np.maximum(_caps(book, rules)[1], 1.0)).mean()
    target = free.offers["retention"].mean() + lift * max(lowest - free.offers["retention"].mean(), 0)
    results = [free]
    try:
        results.append(optimise_offers(book, model, expected_cost="cost", technical="tech", rules=rules,
                                       constraints=[MinRetention(min(target, 1.0))]))  # fmt: skip
    except InfeasibleTargetError as error:  # the minimum premium or the new-business price can stop the cuts
        assert error.best < target
    for result in results:
        offer = result.offers["offered_premium"].to_numpy()
        upper, lower = _caps(book, rules)
        minimum = rules.min_premium or 0.0
        conflict = (result.offers["rule_flags"].to_numpy() & 16) > 0
        assert (offer <= np.maximum(upper, minimum) + 1e-9).all()  # the minimum wins over the increase cap
        if rules.new_business_rule:
            assert (offer <= np.maximum(book["tech"].to_numpy(), minimum) + 1e-9).all()
            below = np.minimum(lower, np.maximum(book["tech"].to_numpy(), minimum))  # the NB price wins over the cut
        else:
            below = lower
        # rounding may leave an offer a unit below the decrease cap when no multiple lies between the bounds
        unit = rules.rounding or 0.0
        assert (offer[~conflict] >= np.maximum(below, minimum)[~conflict] - unit - 1e-9).all()
        assert (offer[~conflict] >= minimum - 1e-9).all()
        if rules.rounding is not None:
            units = offer / rules.rounding
            assert np.allclose(units, np.round(units), atol=1e-6)


@SETTINGS
@given(books(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_relaxing_the_retention_target_never_lowers_the_profit(case, u, v):
    book, model, rules = case
    rules = RenewalRules(max_increase=rules.max_increase, max_decrease=rules.max_decrease, rounding=None,
                         new_business_rule=rules.new_business_rule, min_premium=rules.min_premium)  # fmt: skip
    kwargs = {"expected_cost": "cost", "technical": "tech", "rules": rules, "gap_tol": 1e-10}
    free = optimise_offers(book, model, **kwargs).offers["retention"].mean()
    best = model.predict_retention(book, np.maximum(_caps(book, rules)[1], rules.min_premium or 0.0)).mean()
    if rules.new_business_rule:
        floor = np.minimum(np.maximum(_caps(book, rules)[1], rules.min_premium or 0.0),
                           np.maximum(np.minimum(_caps(book, rules)[0], np.maximum(book["tech"], rules.min_premium or 0)),
                                      rules.min_premium or 0.0))  # fmt: skip
        best = model.predict_retention(book, floor).mean()
    low, high = sorted((u, v))
    targets = [free + t * max(best - free, 0.0) * 0.999 for t in (low, high)]
    profits = [optimise_offers(book, model, constraints=[MinRetention(t)], **kwargs).offers["expected_profit"].sum()
               for t in targets]  # fmt: skip
    assert profits[0] >= profits[1] - 1e-7 * abs(profits[1])


@SETTINGS
@given(books())
def test_zero_elasticity_sends_every_price_to_its_upper_bound(case):
    book, model, rules = case
    flat = LogLinearRetention({"a": 1.0, "b": 2.0}, {"a": 0.0, "b": 0.0})
    rules = RenewalRules(max_increase=rules.max_increase if rules.max_increase is not None else 0.3,
                         max_decrease=rules.max_decrease, new_business_rule=rules.new_business_rule,
                         segment="region", segment_caps=rules.segment_caps, rounding=None)  # fmt: skip
    result = optimise_offers(book, flat, expected_cost="cost", technical="tech", rules=rules)
    upper, _ = _caps(book, rules)
    expected = np.minimum(upper, book["tech"].to_numpy()) if rules.new_business_rule else upper
    np.testing.assert_allclose(result.offers["offered_premium"].to_numpy(), expected, rtol=1e-12)
