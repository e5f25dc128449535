"""Bad input to optimise_offers: clear autorisk.errors naming the column, the values and the rows."""

from __future__ import annotations

import numpy as np
import pytest

from autorisk.errors import DataError, ModelError, ParameterError, SchemaError
from autorisk.optimise import InfeasibleTargetError, MinRetention, SegmentRetention, optimise_offers
from autorisk.rating import Coverage, RatingPlan
from autorisk.renewal import RenewalRules

from .reference_demand import LogLinearRetention, reference_model, renewal_book

RULES = RenewalRules(max_increase=0.1, max_decrease=0.1, new_business_rule=False)


def test_nan_prices_are_named_with_their_rows():
    book = renewal_book(20)
    book.loc[[3, 7], "prem_last"] = [np.nan, -5.0]
    with pytest.raises(DataError) as error:
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES)
    assert error.value.columns == ["prem_last"]
    assert error.value.issues[0].rows == (3, 7) and error.value.issues[0].n_rows == 2


def test_nan_cost_is_named():
    book = renewal_book(20)
    book.loc[5, "cost"] = np.nan
    with pytest.raises(DataError, match="column 'cost'.*rows: 5"):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES)


def test_missing_columns_are_named():
    book = renewal_book(20)
    with pytest.raises(SchemaError, match="region"):
        optimise_offers(book.drop(columns="region"), reference_model(), expected_cost="cost", rules=RULES)
    with pytest.raises(SchemaError, match="claims_cost"):
        optimise_offers(book, reference_model(), expected_cost="claims_cost", rules=RULES)


def test_an_infeasible_retention_target_says_the_best_the_rules_allow():
    book = renewal_book(200, seed=9)
    model = reference_model()
    best = model.predict_retention(book, book["prem_last"].to_numpy() * 0.9).mean()  # every price cut by the 10% cap
    with pytest.raises(InfeasibleTargetError, match=f"best retention the rules allow is {best:.6g}") as error:
        optimise_offers(book, model, expected_cost="cost", rules=RULES, constraints=[MinRetention(0.99)])
    assert error.value.best == pytest.approx(best, rel=1e-12)
    assert isinstance(error.value, ParameterError)
    # the sampled path says the same on a book larger than twice the sample
    with pytest.raises(InfeasibleTargetError, match="best retention the rules allow"):
        optimise_offers(book, model, expected_cost="cost", rules=RULES, constraints=[MinRetention(0.99)], sample=50)


def test_a_target_only_unrounded_prices_reach_says_the_best_the_rounded_prices_allow():
    book = renewal_book(200, seed=9)
    model = reference_model()
    rules = RenewalRules(max_increase=0.1, max_decrease=0.1, new_business_rule=False, rounding=5.0)
    cut = book["prem_last"].to_numpy() * 0.9  # the best retention: every price cut by the 10% cap
    rounded = np.ceil(np.round(cut / 5.0, 9)) * 5.0  # rounding to 5 cannot go below the cap
    best_unrounded = model.predict_retention(book, cut).mean()
    best_rounded = model.predict_retention(book, rounded).mean()
    assert best_rounded < best_unrounded  # the case this test is about
    target = (best_rounded + best_unrounded) / 2
    with pytest.raises(InfeasibleTargetError, match="rounded to 5") as error:
        optimise_offers(book, model, expected_cost="cost", rules=rules, constraints=[MinRetention(target)])
    assert error.value.best == pytest.approx(best_rounded, rel=1e-9)
    # a target the rounded prices can reach is met
    result = optimise_offers(book, model, expected_cost="cost", rules=rules,
                             constraints=[MinRetention(best_rounded - 1e-4)])  # fmt: skip
    assert result.offers["retention"].mean() >= best_rounded - 1e-4


def test_a_demand_model_reading_a_prohibited_column_is_refused():
    plan = RatingPlan("eu", "1", (Coverage("tpl", 500.0, ()),), prohibited_columns=("gender",))
    book = renewal_book(20).assign(gender="f")
    model = LogLinearRetention({"north": 2.0, "south": 2.0, "east": 2.0}, {"north": -3.0, "south": -3.0, "east": -3.0},
                               extra=("gender",))  # fmt: skip
    with pytest.raises(ModelError, match="prohibited columns \\['gender'\\]"):
        optimise_offers(book, model, expected_cost="cost", rules=RULES, plan=plan)
    optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES, plan=plan)  # the model without it


def test_bad_parameters():
    book = renewal_book(20)
    with pytest.raises(ParameterError, match="MinRetention target"):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES, constraints=[MinRetention(1.5)])
    with pytest.raises(ParameterError, match="'west'"):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES,
                        constraints=[SegmentRetention("region", {"west": 0.8})])  # fmt: skip
    with pytest.raises(ParameterError, match="constraints must be"):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES, constraints=[0.85])
    with pytest.raises(ParameterError, match="new_business= or technical="):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RenewalRules())
    with pytest.raises(ParameterError, match="grid"):
        optimise_offers(book, reference_model(), expected_cost="cost", rules=RULES, grid=1)
