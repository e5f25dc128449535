"""optimise_offers against an exact solver (scipy.optimize.milp over the same price grid) and known optima."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, brentq, milp
from scipy.sparse import csr_matrix

from autorisk.optimise import (
    MaxAverageChange,
    MinRetention,
    MinVolume,
    SegmentChange,
    SegmentRetention,
    efficient_frontier,
    optimise_offers,
)
from autorisk.renewal import RenewalRules
from autorisk.renewal.rescore import cap_offers

from .reference_demand import reference_model, renewal_book

CAPS = RenewalRules(max_increase=0.2, max_decrease=0.2, new_business_rule=False, rounding=None)


def milp_optimum(book: pd.DataFrame, model, rows: list[tuple[np.ndarray, float]], k: int = 101) -> tuple[float, np.ndarray]:
    """Exact optimum over the grid lo + (hi - lo) j / (k - 1): one binary per policy and price, one price each.

    ``rows``: constraints ``sum_ij coef_ij x_ij >= rhs`` with ``coef`` of shape (n, k).
    """
    n = len(book)
    last = book["prem_last"].to_numpy()
    lo, hi = last * 0.8, last * 1.2  # the caps of CAPS, by hand
    prices = lo[:, None] + (hi - lo)[:, None] * np.linspace(0, 1, k)[None, :]
    P = model.predict_retention(book, prices)
    profit = P * (prices - book["cost"].to_numpy()[:, None])
    one = csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), np.arange(n * k))), shape=(n, n * k))
    cons = [LinearConstraint(one, 1, 1)]
    cons += [LinearConstraint(coef.reshape(1, -1), rhs, np.inf) for coef, rhs in rows]
    res = milp(-profit.ravel(), constraints=cons, integrality=np.ones(n * k), bounds=Bounds(0, 1),
               options={"mip_rel_gap": 1e-7})  # fmt: skip
    assert res.success, res.message
    x = res.x.reshape(n, k)
    return -res.fun, (x * prices).sum(axis=1), P, prices


@pytest.mark.parametrize("fast", [True, False])
def test_one_retention_constraint_matches_milp_within_0_1_percent(fast):
    book = renewal_book(300, seed=3)
    model = reference_model(fast)
    free = optimise_offers(book, model, expected_cost="cost", rules=CAPS)
    target = free.offers["retention"].mean() + 0.03  # binding: 3 points above the unconstrained optimum
    result = optimise_offers(book, model, expected_cost="cost", rules=CAPS, constraints=[MinRetention(target)])
    n = len(book)
    _, _, P, prices = milp_optimum(book, model, [])
    exact, _, _, _ = milp_optimum(book, model, [(P / n, target)])
    got = result.offers["expected_profit"].sum()
    assert result.offers["retention"].mean() >= target - 1e-12
    assert got >= exact * (1 - 1e-3)
    assert got <= result.dual_bound * (1 + 1e-12) and exact <= result.dual_bound * (1 + 1e-6)  # milp's feasibility tolerance
    assert result.duality_gap <= 1e-3
    assert result.constraints.loc["min_retention", "binding"]


def test_several_constraints_match_milp_within_0_1_percent():
    book = renewal_book(150, seed=5)
    model = reference_model()
    n, last = len(book), book["prem_last"].to_numpy()
    south = (book["region"] == "south").to_numpy()
    constraints = [MinRetention(0.86), MaxAverageChange(0.04), SegmentRetention("region", {"south": 0.85})]
    result = optimise_offers(book, model, expected_cost="cost", rules=CAPS, constraints=constraints)
    _, _, P, prices = milp_optimum(book, model, [])
    rows = [(P / n, 0.86), (-prices / (n * last[:, None]), -(1 + 0.04)), (P * south[:, None] / south.sum(), 0.85)]
    exact, _, _, _ = milp_optimum(book, model, rows)
    offers = result.offers
    assert offers["retention"].mean() >= 0.86 - 1e-9
    assert offers["change"].mean() <= 0.04 + 1e-9
    assert offers.loc[south, "retention"].mean() >= 0.85 - 1e-9
    assert offers["expected_profit"].sum() >= exact * (1 - 1e-3)
    assert result.duality_gap <= 1e-3


def test_unconstrained_optimum_is_the_first_order_condition():
    """Per policy: d/dp [P (p - c)] = 0 with P' = b P (1 - P) / p, solved by brentq independently."""
    book = renewal_book(40, seed=1)
    wide = RenewalRules(max_increase=2.0, max_decrease=0.9, new_business_rule=False, rounding=None)
    model = reference_model()
    result = optimise_offers(book, model, expected_cost="cost", rules=wide)
    a, b = model.log_linear_price_response(book)
    for i, (ai, bi, c) in enumerate(zip(a, b, book["cost"], strict=True)):
        def foc(p, ai=ai, bi=bi, c=c):
            P = 1 / (1 + np.exp(-(ai + bi * np.log(p))))
            return bi * (1 - P) * (p - c) / p + 1
        expected = brentq(foc, c * 1.0001, book["prem_last"].iloc[i] * 3)
        assert result.offers["offered_premium"].iloc[i] == pytest.approx(expected, rel=1e-7)


def test_volume_and_segment_change_constraints_hold():
    book = renewal_book(2_000, seed=2)
    free = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS)
    volume = free.offers["expected_premium"].sum() * 1.005
    result = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS,
                             constraints=[MinVolume(volume), SegmentChange("region", {"east": (-0.02, 0.1)})], by="region")
    offers = result.offers
    assert offers["expected_premium"].sum() >= volume * (1 - 1e-9)
    east = offers["region"] == "east"
    assert -0.02 - 1e-9 <= offers.loc[east, "change"].mean() <= 0.1 + 1e-9
    assert offers["expected_profit"].sum() <= free.offers["expected_profit"].sum()
    assert result.duality_gap <= 1e-3


def test_sampled_multipliers_give_the_whole_book_answer():
    book = renewal_book(30_000, seed=4)
    kwargs = {"expected_cost": "cost", "rules": CAPS, "constraints": [MinRetention(0.9)], "gap_tol": 1e-9}
    sampled = optimise_offers(book, reference_model(), sample=2_000, **kwargs)
    whole = optimise_offers(book, reference_model(), sample=None, **kwargs)
    assert sampled.offers["retention"].mean() >= 0.9 - 1e-12
    assert sampled.offers["expected_profit"].sum() == pytest.approx(whole.offers["expected_profit"].sum(), rel=1e-6)
    assert sampled.multipliers["min_retention"] == pytest.approx(whole.multipliers["min_retention"], rel=1e-3)
    assert sampled.duality_gap <= 1e-4


def test_rounded_offers_follow_the_renewal_rounding_and_bounds():
    """Zero elasticity: every offer at its ceiling, rounded exactly as cap_offers rounds a huge technical premium."""
    book = renewal_book(500, seed=6)
    rules = RenewalRules(max_increase=0.15, max_decrease=0.1, min_premium=450.0, rounding=1.0,
                         segment="region", segment_caps={"east": (0.05, 0.05)})  # fmt: skip
    flat = type(reference_model())({"north": 2.0, "south": 2.0, "east": 2.0}, {"north": 0.0, "south": 0.0, "east": 0.0})
    result = optimise_offers(book, flat, expected_cost="cost", technical="prem_pure", rules=rules)
    current = book["prem_last"].to_numpy()
    expected, flags = cap_offers(rules, book, current, np.full(len(book), 1e9), book["prem_pure"].to_numpy())
    np.testing.assert_array_equal(result.offers["offered_premium"].to_numpy(), expected)
    assert set(result.offers["reason"].astype(str)) <= {"cap_increase", "new_business_price", "min_premium", "conflict"}
    assert (result.offers["rule_flags"] > 0).all()


def test_frontier_is_efficient_and_beats_the_capped_technical_prices():
    book = renewal_book(3_000, seed=7)
    rules = RenewalRules(max_increase=0.2, max_decrease=0.2)
    front = efficient_frontier(book, reference_model(), expected_cost="cost", technical="prem_pure", rules=rules,
                               points=9)  # fmt: skip
    table = front.table
    assert table["retention"].is_monotonic_increasing and table["profit"].is_monotonic_decreasing
    mark = front.marks.loc["capped_technical"]
    same = optimise_offers(book, reference_model(), expected_cost="cost", technical="prem_pure", rules=rules,
                           constraints=[MinRetention(mark["retention"])])  # fmt: skip
    assert same.offers["expected_profit"].sum() > mark["profit"]
    assert same.comparison.loc["capped_technical", "profit"] == pytest.approx(mark["profit"])
    import matplotlib

    matplotlib.use("Agg")
    axes = same.frontier(points=5).plot()
    assert len(axes) == 2 and axes[0].get_xlabel() == "expected retention"


def test_result_tables_and_dislocation():
    book = renewal_book(1_000, seed=8)
    result = optimise_offers(book, reference_model(), expected_cost="cost", technical="prem_pure", by="region",
                             rules=RenewalRules(max_increase=0.2, max_decrease=0.2), constraints=[MinRetention(0.9)])
    summary = result.summary
    assert summary.loc["(all)", "policies"] == 1_000
    assert summary.loc[["north", "south", "east"], "policies"].sum() == 1_000
    assert summary.loc["(all)", "expected_profit"] == pytest.approx(result.offers["expected_profit"].sum())
    dis = result.dislocation(by="region")
    assert dis.totals.loc["(all)", "policies"] == 1_000
    assert dis.rules.loc["cap_increase", "policies"] == (result.offers["rule_flags"] & 1 > 0).sum()
    interior = result.offers["bound"] == "none"
    assert (result.offers.loc[interior, "reason"] == "optimum+min_retention").all()


def test_volume_frontier_rises_in_volume_and_its_first_point_is_the_unconstrained_optimum():
    book = renewal_book(2_000, seed=13)
    front = efficient_frontier(book, reference_model(), expected_cost="cost", rules=CAPS, kind="volume", points=6)
    assert front.table["volume"].is_monotonic_increasing and front.table["profit"].is_monotonic_decreasing
    free = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS)
    assert front.table["profit"].iloc[0] == pytest.approx(free.offers["expected_profit"].sum(), rel=1e-12)
    # the last point is (nearly) the most volume the caps allow: each policy's revenue maximiser
    top = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS,
                          constraints=[MinVolume(front.table["volume"].iloc[-1])])  # fmt: skip
    assert top.offers["expected_premium"].sum() >= front.table["volume"].iloc[-1] * (1 - 1e-9)


def test_expenses_and_expense_ratio_act_as_a_cost_of_c_plus_e_over_one_minus_r():
    """max P(p) (p (1 - r) - c - e) = (1 - r) max P(p) (p - (c + e) / (1 - r)): the same prices as that cost."""
    book = renewal_book(300, seed=14).assign(expense=lambda d: d["prem_last"] * 0.05)
    kwargs = {"rules": CAPS, "constraints": [MinRetention(0.9)], "gap_tol": 1e-10}
    loaded = optimise_offers(book, reference_model(), expected_cost="cost", expenses="expense", expense_ratio=0.2,
                             **kwargs)  # fmt: skip
    effective = (book["cost"] + book["expense"]) / 0.8
    plain = optimise_offers(book, reference_model(), expected_cost=effective.to_numpy(), **kwargs)
    np.testing.assert_allclose(loaded.offers["offered_premium"], plain.offers["offered_premium"], rtol=1e-6)
    assert loaded.offers["expected_profit"].sum() == pytest.approx(0.8 * plain.offers["expected_profit"].sum(), rel=1e-6)


def test_three_coupled_constraints_converge_with_a_small_gap():
    book = renewal_book(5_000, seed=15)
    free = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS)
    volume = free.offers["expected_premium"].sum()
    result = optimise_offers(book, reference_model(), expected_cost="cost", rules=CAPS, by="region",
                             constraints=[MinRetention(0.80), MinVolume(volume * 1.03), MaxAverageChange(0.15),
                                          SegmentChange("region", {"south": (0.0, 0.05)})])  # fmt: skip
    offers = result.offers
    assert offers["retention"].mean() >= 0.80 - 1e-9
    assert offers["expected_premium"].sum() >= volume * 1.03 * (1 - 1e-9)
    assert offers["change"].mean() <= 0.15 + 1e-9
    south = offers["region"] == "south"
    assert 0.0 - 1e-9 <= offers.loc[south, "change"].mean() <= 0.05 + 1e-9
    assert result.duality_gap <= 1e-3


def test_a_minimum_premium_no_rounded_price_can_meet_is_flagged_as_a_conflict():
    """As in renewal_offers: the minimum wins over the increase cap, but 100.005 rounds down to 100.00 (conflict)."""
    book = renewal_book(5, seed=16).assign(prem_last=[50.0, 60.0, 400.0, 500.0, 600.0])
    rules = RenewalRules(max_increase=0.1, max_decrease=0.1, min_premium=100.005, new_business_rule=False)
    result = optimise_offers(book, reference_model(), expected_cost=np.full(5, 10.0), rules=rules)
    flags = result.offers["rule_flags"].to_numpy()
    assert result.offers["offered_premium"].iloc[:2].tolist() == [100.0, 100.0]
    assert ((flags[:2] & 16) > 0).all() and not ((flags[2:] & 16) > 0).any()
    expected, rescore_flags = cap_offers(rules, book, book["prem_last"].to_numpy(), np.full(5, 1e9), np.full(5, 1e9))
    assert expected[:2].tolist() == [100.0, 100.0] and ((rescore_flags[:2] & 16) > 0).all()


def test_golden_section_refinement_of_a_model_without_the_fast_path_reaches_the_newton_optimum():
    book = renewal_book(400, seed=17)
    kwargs = {"expected_cost": "cost", "rules": CAPS, "constraints": [MinRetention(0.85)], "gap_tol": 1e-9}
    fast = optimise_offers(book, reference_model(True), **kwargs)
    grid = optimise_offers(book, reference_model(False), **kwargs)
    golden = optimise_offers(book, reference_model(False), refine=True, **kwargs)
    profit = {name: r.offers["expected_profit"].sum() for name, r in (("fast", fast), ("grid", grid), ("golden", golden))}
    assert profit["grid"] < profit["golden"]
    assert profit["golden"] == pytest.approx(profit["fast"], rel=1e-8)
    np.testing.assert_allclose(golden.offers["offered_premium"], fast.offers["offered_premium"], rtol=1e-4)
