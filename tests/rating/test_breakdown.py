"""A premium can be rebuilt from the quote alone; fees gross up for variable expenses when asked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import PlanError
from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
from autorisk.rating.rounding import round_money


@st.composite
def plans(draw) -> RatingPlan:
    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, draw(st.floats(0.5, 3.0))))
    age = BandFactor("age", "age", (25.0, 60.0), tuple(draw(st.lists(st.floats(0.5, 3.0), min_size=3, max_size=3))))
    coverage = Coverage(
        "tpl", draw(st.floats(20.0, 2000.0)), (use, age),
        loadings={"expenses": draw(st.floats(0.0, 0.3)), "profit": draw(st.floats(0.0, 0.1))},
        fees={"policy": draw(st.sampled_from([0.0, 12.5]))}, taxes={"ipt": draw(st.sampled_from([0.0, 0.12]))},
        rounding=draw(st.sampled_from([None, 0.01, 1.0, 5.0])), min_premium=draw(st.sampled_from([None, 150.0])),
        max_premium=draw(st.sampled_from([None, 4000.0])), fee_basis=draw(st.sampled_from(["added", "grossed_up"])),
    )  # fmt: skip
    return RatingPlan("rebuild", "1", (coverage,))


book = st.lists(st.fixed_dictionaries({"use": st.sampled_from(["private", "business"]), "age": st.floats(18, 90)}),
                min_size=1, max_size=20)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(plans(), book)
def test_premium_rebuilt_from_the_quote_row_alone(plan, records):
    quotes = plan.quote(pd.DataFrame(records))
    coverage = plan.coverages[0]
    for i, record in enumerate(records):
        row = quotes.iloc[i]
        one = plan.quote_one(record)
        # Pure premium: the base rate times the relativities shown, in order (exactly).
        pure = row["base_tpl"] * row["tpl.use"] * row["tpl.age"]
        assert pure == row["pure_tpl"] == one["pure_tpl"]
        # Loadings sum to 1 - divisor; the unrounded gross follows the fee basis.
        loadings = row["loading_expenses_tpl"] + row["loading_profit_tpl"]
        assert row["divisor_tpl"] == pytest.approx(1 - loadings, abs=1e-15)
        fees = row["fees_tpl"]
        if coverage.fee_basis == "grossed_up":
            expected = (pure + fees) / row["divisor_tpl"]
        else:
            expected = pure / row["divisor_tpl"] + fees
        assert row["unrounded_tpl"] == expected
        # Rounding (decimal half up, never below one unit) then the premium limits.
        rounded = row["unrounded_tpl"] + row["rounding_tpl"]
        if coverage.rounding is not None:
            reference = max(float(round_money(expected, coverage.rounding)), coverage.rounding)
            assert rounded == pytest.approx(reference, rel=1e-12)
        else:
            assert row["rounding_tpl"] == 0
        premium = rounded + row["limit_tpl"]
        assert premium == pytest.approx(row["premium_tpl"], rel=1e-12)
        if coverage.min_premium is not None:
            assert row["at_min_premium_tpl"] == (row["premium_tpl"] == coverage.min_premium) == one["at_min_premium_tpl"]
            # At the minimum: lifted to it, or rounded exactly onto it (150 rounded to 5 is 150).
            assert row["at_min_premium_tpl"] == (rounded <= coverage.min_premium)
        if coverage.taxes:
            assert row["tax_tpl"] == float(round_money(row["premium_tpl"] * row["tax_rate_tpl"], 0.01))
        for key, value in one.items():
            assert value == row[key] or (key == "plan_id" and value == quotes.attrs["plan_id"])


def test_fee_basis_by_hand():
    # Pure 100, V = 0.2 + 0.05, F = 15: added 100 / 0.75 + 15 = 148.33; grossed up 115 / 0.75 = 153.33.
    base = {"loadings": {"expenses": 0.2, "profit": 0.05}, "fees": {"policy": 15.0}, "rounding": 0.01}
    added = Coverage("tpl", 100.0, **base)
    grossed = Coverage("tpl", 100.0, fee_basis="grossed_up", **base)
    assert float(added.gross(100.0)) == 148.33
    assert float(grossed.gross(100.0)) == 153.33
    plan = RatingPlan("p", "1", (grossed,))
    assert RatingPlan.from_json(plan.to_json()).coverages[0].fee_basis == "grossed_up"
    # An "added" coverage writes no fee_basis key, so plans saved before the option keep their id.
    assert "fee_basis" not in added.to_dict()
    with pytest.raises(PlanError, match="fee_basis"):
        Coverage("tpl", 100.0, fee_basis="loaded")


def test_rounding_ties_match_decimal_in_the_plan():
    # 1.005 is stored just below the tie: binary half up gives 1.00, the decimal engine 1.01.
    coverage = Coverage("c", 1.005, rounding=0.01)
    plan = RatingPlan("p", "1", (coverage,))
    assert plan.quote_one({})["premium_c"] == 1.01
    assert plan.quote(pd.DataFrame(index=range(2)))["premium_c"].tolist() == [1.01, 1.01]
    # Tax of 2.675 at 100 %: 2.68, not 2.67.
    taxed = RatingPlan("p", "1", (Coverage("c", 2.675, taxes={"t": 1.0}),))
    assert taxed.quote_one({})["tax_c"] == 2.68


def test_breakdown_false_keeps_the_same_premiums():
    plan = RatingPlan("p", "1", (Coverage("c", 333.0, (CategoricalFactor("u", "u", ("a", "b"), (1.0, 1.37)),),
                                          loadings={"e": 0.3}, rounding=1.0, min_premium=400.0),))  # fmt: skip
    data = pd.DataFrame({"u": ["a", "b", "b"]})
    full, lean = plan.quote(data), plan.quote(data, breakdown=False)
    assert np.array_equal(full["premium_total"].to_numpy(), lean["premium_total"].to_numpy())
    assert "unrounded_c" not in lean.columns and "unrounded_c" in full.columns
    assert full["at_min_premium_c"].tolist() == list(full["premium_c"] == 400.0)
