"""Plans built from GLMs: level groups expanded, pair tables rebased, accepted ranges from the training data."""

import dataclasses
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError, PlanError, QuoteError, UnknownCategoryError
from autorisk.models import (
    FrequencyGLM,
    FrequencySeverity,
    SeverityGLM,
    group_levels,
    restrict_factor,
)
from autorisk.rating import (
    BandFactor,
    CategoricalFactor,
    Coverage,
    RatingPlan,
    coverage_from_glm,
    coverage_from_pair,
)

AREA_TRUTH = {"a": 1.0, "b": 1.3, "c": 0.7, "d": 0.75, "e": 1.1}
AGE_CUTS = [30, 50]


@pytest.fixture(scope="module")
def book():
    """Synthetic policies with known frequency by area and use; ages 20-70, vehicle values 5,000-50,000."""
    rng = np.random.default_rng(7)
    n = 6_000
    data = pd.DataFrame({
        "area": rng.choice(list(AREA_TRUTH), n),
        "use": rng.choice(["private", "business"], n, p=[0.7, 0.3]),
        "age": rng.integers(20, 71, n).astype(float),
        "value": rng.uniform(5_000, 50_000, n).round(-2),
        "exposure": rng.uniform(0.2, 1.0, n),
    })
    data.loc[0, ["age", "value"]] = [20.0, 5_000.0]  # the training range is known exactly
    data.loc[1, ["age", "value"]] = [70.0, 50_000.0]
    rate = 0.15 * data["area"].map(AREA_TRUTH) * np.where(data["use"] == "business", 1.4, 1.0)
    data["claim_count"] = rng.poisson(rate * data["exposure"])
    data["claim_amount"] = np.where(
        data["claim_count"] > 0, data["claim_count"] * rng.gamma(2.0, 500.0 * data["area"].map(AREA_TRUTH)), 0.0
    )
    return data


def fit_frequency(data, **options):
    spec = {"factors": ["area", "use", "age"], "bands": {"age": AGE_CUTS}, **options}
    return FrequencyGLM(**spec).fit(data, data["claim_count"], exposure=data["exposure"])


# ------------------------------------------------------------------ level groups (review 1)


def test_a_grouped_model_becomes_a_plan_that_rates_its_own_training_data(book):
    model = fit_frequency(book)
    grouped = group_levels(model, "area", {"c": "cd", "d": "cd"}, book, book["claim_count"], exposure=book["exposure"])
    coverage = dataclasses.replace(coverage_from_glm(grouped, "tpl"), loadings={"expenses": 0.2})
    plan = RatingPlan("grouped", "1", (coverage,))
    quoted = plan.quote(book)
    np.testing.assert_allclose(quoted["premium_tpl"], grouped.predict(book) / 0.8, rtol=1e-9, atol=0)
    area = next(f for f in coverage.factors if f.name == "area")
    table = dict(area.table())
    assert table["c"] == table["d"] == pytest.approx(grouped.relativities().set_index(["factor", "level"])
                                                        .loc[("area", "cd"), "relativity"], rel=1e-12)  # fmt: skip
    assert {"a", "b", "c", "d", "e"} <= set(table)
    first = book.iloc[2].to_dict()
    assert plan.quote_one(first)["premium_tpl"] == quoted["premium_tpl"].iloc[2]
    with pytest.raises(QuoteError, match="'f'"):
        plan.quote_one({**first, "area": "f"})


def test_a_model_with_rare_levels_pooled_becomes_a_plan_that_rates_its_training_data(book):
    # min_exposure pools the rare areas into "other" (level_groups_); each raw rare area gets the
    # pooled level's relativity in the table, so the plan rates the training data as the model.
    rare = book.assign(area=np.where(np.arange(len(book)) % 100 == 0, "rare_" + book["area"], book["area"]))
    model = fit_frequency(rare, min_exposure=50.0)
    assert set(model.level_groups_["area"].values()) >= {"other"}
    pooled = [raw for raw, level in model.level_groups_["area"].items() if level == "other"]
    assert sorted(pooled) == sorted(f"rare_{a}" for a in AREA_TRUTH)
    coverage = coverage_from_glm(model, "tpl")
    quoted = RatingPlan("pooled", "1", (coverage,)).quote(rare)
    np.testing.assert_allclose(quoted["premium_tpl"], model.predict(rare), rtol=1e-9, atol=0)
    table = dict(next(f for f in coverage.factors if f.name == "area").table())
    other = model.relativities().set_index(["factor", "level"]).loc[("area", "other"), "relativity"]
    assert all(table[raw] == pytest.approx(other, rel=1e-12) for raw in pooled)


def test_a_group_named_after_a_level_and_a_regrouped_group(book):
    model = fit_frequency(book)
    fit = {"exposure": book["exposure"]}
    merged = group_levels(model, "area", {"d": "c"}, book, book["claim_count"], **fit)  # d joins c
    again = group_levels(merged, "area", {"c": "ce", "e": "ce"}, book, book["claim_count"], **fit)  # then e joins them
    for refined in (merged, again):
        plan = RatingPlan("grouped", "1", (coverage_from_glm(refined, "tpl"),))
        np.testing.assert_allclose(plan.quote(book)["premium_tpl"], refined.predict(book), rtol=1e-9, atol=0)
    table = dict(next(f for f in coverage_from_glm(again, "tpl").factors if f.name == "area").table())
    assert table["c"] == table["d"] == table["e"] != table["a"]


def test_a_restriction_on_grouped_levels_and_an_interaction_with_a_grouped_factor(book):
    fit = {"exposure": book["exposure"]}
    model = fit_frequency(book, interactions=[("area", "use")])
    grouped = group_levels(model, "area", {"c": "cd", "d": "cd"}, book, book["claim_count"], **fit)
    plan = RatingPlan("interaction", "1", (coverage_from_glm(grouped, "tpl"),))
    np.testing.assert_allclose(plan.quote(book)["premium_tpl"], grouped.predict(book), rtol=1e-9, atol=0)

    restricted = restrict_factor(group_levels(fit_frequency(book), "area", {"c": "cd", "d": "cd"}, book,
                                              book["claim_count"], **fit),
                                 "area", {"a": 1.0, "b": 1.25, "cd": 0.7, "e": 1.1}, book, book["claim_count"], **fit)  # fmt: skip
    coverage = coverage_from_glm(restricted, "tpl")
    np.testing.assert_allclose(RatingPlan("r", "1", (coverage,)).quote(book)["premium_tpl"], restricted.predict(book),
                               rtol=1e-9, atol=0)  # fmt: skip
    area = dict(next(f for f in coverage.factors if f.name == "area").table())
    assert (area["c"], area["d"], area["a"]) == (0.7, 0.7, 1.0)


# ------------------------------------------------------------- pair rebasing


@pytest.fixture(scope="module")
def pair_with_other_bases(book):
    spec = {"factors": ["area", "age"], "bands": {"age": AGE_CUTS}}
    return FrequencySeverity(
        FrequencyGLM(**spec, base_levels={"area": "a", "age": "[30, 50)"}),
        SeverityGLM(**spec, base_levels={"area": "c", "age": ">=50"}),
    ).fit(book, book["claim_count"], book["claim_amount"], exposure=book["exposure"])


def test_pair_tables_are_the_pairs_relativities_with_one_at_the_frequency_base(book, pair_with_other_bases):
    pair = pair_with_other_bases
    coverage = coverage_from_pair(pair, "od")
    expected = pair.relativities().set_index(["factor", "level"])["relativity"]
    area, age = coverage.factors
    assert isinstance(area, CategoricalFactor) and isinstance(age, BandFactor)
    for level, value in area.table():
        assert value == pytest.approx(expected[("area", level)], rel=1e-12)
    for label, value in zip(["<30", "[30, 50)", ">=50"], age.values, strict=True):
        assert value == pytest.approx(expected[("age", label)], rel=1e-12)
    assert dict(area.table())["a"] == 1.0 and age.values[1] == 1.0
    # the severity bases differ, so the unrebased product has no level at 1 in either table
    sev_rel = pair.severity_.relativities().set_index(["factor", "level"])["relativity"]
    assert sev_rel[("area", "a")] != pytest.approx(1.0) and sev_rel[("age", "[30, 50)")] != pytest.approx(1.0)


def test_pair_rebasing_leaves_every_premium_unchanged(book, pair_with_other_bases):
    pair = pair_with_other_bases
    rebased = RatingPlan("p", "1", (coverage_from_pair(pair, "od"),)).quote(book)["premium_od"]
    frequency = coverage_from_glm(pair.frequency_, "f")
    severity = coverage_from_glm(pair.severity_, "s")
    # the product of the two models' own plans, factor by factor, without rebasing
    product = Coverage("od", frequency.base_rate * severity.base_rate, (*frequency.factors,
                       *(dataclasses.replace(f, name=f"{f.name} (severity)") for f in severity.factors)))  # fmt: skip
    unrebased = RatingPlan("p", "1", (product,)).quote(book)["premium_od"]
    np.testing.assert_allclose(rebased, unrebased, rtol=1e-12, atol=0)
    np.testing.assert_allclose(rebased, pair.predict(book), rtol=1e-9, atol=0)
    assert coverage_from_pair(pair, "od").base_rate == pytest.approx(
        frequency.base_rate * severity.base_rate * dict(severity.factors[0].table())["a"] * severity.factors[1].values[1],
        rel=1e-12,
    )


# ------------------------------------------------------------ default ranges


def test_the_design_records_each_numeric_terms_training_range(book):
    model = FrequencyGLM(["age", "value", "use"], bands={"age": AGE_CUTS}, splines={"value": 3}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    ranges = {t.name: t.value_range for t in model.design_.terms}
    assert ranges == {"age": (20.0, 70.0), "value": (5_000.0, 50_000.0), "use": None}
    raw = FrequencyGLM(["value"]).fit(book, book["claim_count"], exposure=book["exposure"])
    assert raw.design_.terms[0].value_range == (5_000.0, 50_000.0)


def test_default_ranges_by_hand_and_recorded_in_the_plan_json(book):
    model = FrequencyGLM(["age", "value"], bands={"age": AGE_CUTS, "value": [20_000]}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    age, value = coverage_from_glm(model, "tpl").factors
    # age 20-70: width 50, 5 on each side; value 5,000-50,000: width 45,000, 4,500 on each side
    assert (age.lower, age.upper) == (15.0, 75.0)
    assert (value.lower, value.upper) == (500.0, 54_500.0)
    age, value = coverage_from_glm(model, "tpl", range_margin=0.25).factors
    assert (age.lower, age.upper) == (7.5, 82.5)
    assert (value.lower, value.upper) == (0.0, 61_250.0)  # -6,250 raised to 0: no negative value in training
    age, _ = coverage_from_glm(model, "tpl", range_margin=0).factors
    assert (age.lower, age.upper) == (20.0, 70.0)
    document = json.loads(RatingPlan("p", "1", (coverage_from_glm(model, "tpl"),)).to_json())
    saved = {f["name"]: (f["lower"], f["upper"]) for f in document["content"]["coverages"][0]["factors"]}
    assert saved == {"age": (15.0, 75.0), "value": (500.0, 54_500.0)}


def test_negative_training_values_keep_a_negative_lower_end():
    data = pd.DataFrame({"score": [-10.0, -2.0, 0.0, 5.0, 10.0] * 20, "exposure": 1.0})
    data["claims"] = [0, 1, 0, 1, 2] * 20
    model = FrequencyGLM(["score"], bands={"score": [0]}).fit(data, data["claims"], exposure=data["exposure"])
    band = coverage_from_glm(model, "tpl").factors[0]
    assert (band.lower, band.upper) == (-12.0, 12.0)


def test_out_of_range_values_are_refused_on_both_paths_and_in_range_ones_are_the_model(book):
    model = FrequencyGLM(["area", "age", "value"], bands={"age": AGE_CUTS, "value": [20_000]}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    plan = RatingPlan("p", "1", (coverage_from_glm(model, "tpl"),))
    inside = pd.DataFrame({"area": ["a", "b", "c"], "age": [15.0, 75.0, 40.0], "value": [500.0, 54_500.0, 9_000.0]})
    np.testing.assert_allclose(plan.quote(inside)["premium_tpl"], model.predict(inside), rtol=1e-9, atol=0)
    policy = {"area": "a", "age": 40.0, "value": 9_000.0}
    for field, bad in (("age", -5.0), ("age", 76.0), ("value", -99_999.0), ("value", 1e308)):
        shown = re.escape(repr(bad))
        with pytest.raises(QuoteError, match=rf"'{field}'.*{shown}"):
            plan.quote_one({**policy, field: bad})
        with pytest.raises(QuoteError, match=rf"'{field}': out of range in 1 row.*{shown}.*rows: 1"):
            plan.quote(pd.DataFrame([policy, {**policy, field: bad}]))
        flagged = plan.quote(pd.DataFrame([policy, {**policy, field: bad}]), errors="flag")
        assert flagged["quote_error"].tolist()[0] == "" and field in flagged["quote_error"].tolist()[1]
        assert np.isnan(flagged["premium_tpl"].iloc[1])


def test_ranges_override_disable_and_check_their_arguments(book):
    model = fit_frequency(book)
    assert coverage_from_glm(model, "tpl", ranges={"age": (18, 99)}).factors[2].lower == 18.0
    assert coverage_from_glm(model, "tpl", ranges={"age": (None, None)}).factors[2].lower is None
    unranged = coverage_from_glm(model, "tpl", ranges=False).factors[2]
    assert (unranged.lower, unranged.upper) == (None, None)
    assert RatingPlan("p", "1", (coverage_from_glm(model, "tpl", ranges=False),)).quote_one(
        {"area": "a", "use": "private", "age": -5.0})["premium_tpl"] > 0  # fmt: skip
    for margin in (-0.1, float("nan"), "0.1", True):
        with pytest.raises(ParameterError, match="range_margin"):
            coverage_from_glm(model, "tpl", range_margin=margin)
    with pytest.raises(ParameterError, match="ranges"):
        coverage_from_glm(model, "tpl", ranges=True)


def test_a_band_without_training_data_is_refused_unless_the_model_rates_it_at_base(book):
    # Ages 35-45 only, cuts at 30 and 50: the outer bands are empty. The model refuses their values
    # (unseen="raise"), so a plan that rated them at 1 would disagree with it: the builder refuses.
    middle = book[book["age"].between(35, 45)]
    model = FrequencyGLM(["age"], bands={"age": AGE_CUTS}).fit(middle, middle["claim_count"], exposure=middle["exposure"])
    with pytest.raises(UnknownCategoryError):
        model.predict(pd.DataFrame({"age": [25.0]}))
    with pytest.raises(PlanError, match=r"'age'.*'<30'.*no training data.*unseen='base'"):
        coverage_from_glm(model, "tpl", ranges={"age": (18, 99)})
    # With unseen="base" the model rates them at its base level, as the plan's 1 does.
    at_base = FrequencyGLM(["age"], bands={"age": AGE_CUTS}, unseen="base").fit(
        middle, middle["claim_count"], exposure=middle["exposure"])  # fmt: skip
    coverage = coverage_from_glm(at_base, "tpl", ranges={"age": (18, 99)})
    ages = pd.DataFrame({"age": [20.0, 40.0, 70.0]})
    np.testing.assert_allclose(RatingPlan("p", "1", (coverage,)).quote(ages)["premium_tpl"], at_base.predict(ages),
                               rtol=1e-12)  # fmt: skip


def test_an_outer_band_without_training_data_needs_explicit_ranges(book):
    middle = book[book["age"].between(35, 45)]
    model = FrequencyGLM(["age"], bands={"age": AGE_CUTS}, unseen="base").fit(
        middle, middle["claim_count"], exposure=middle["exposure"])  # fmt: skip
    with pytest.raises(PlanError, match=r"'age'.*\[34, 46\].*ranges="):
        coverage_from_glm(model, "tpl")
    assert coverage_from_glm(model, "tpl", ranges={"age": (18, 99)}).factors[0].upper == 99.0


def test_a_model_without_a_recorded_range_warns_and_accepts_any_number(book):
    model = fit_frequency(book)
    model.design_.terms[2].value_range = None  # as a model saved before ranges were recorded
    with pytest.warns(UserWarning, match="no training range"):
        band = coverage_from_glm(model, "tpl").factors[2]
    assert (band.lower, band.upper) == (None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coverage_from_glm(model, "tpl", ranges={"age": (18, 99)})


def test_a_pairs_default_range_is_the_hull_of_both_training_ranges(book):
    spec = {"factors": ["age"], "bands": {"age": AGE_CUTS}}
    pair = FrequencySeverity(FrequencyGLM(**spec), SeverityGLM(**spec)).fit(
        book, book["claim_count"], book["claim_amount"], exposure=book["exposure"]
    )
    claims = book[book["claim_count"] > 0]
    assert pair.severity_.design_.terms[0].value_range == (claims["age"].min(), claims["age"].max())
    band = coverage_from_pair(pair, "od").factors[0]
    assert (band.lower, band.upper) == (15.0, 75.0)  # the frequency model saw every age, 20-70
    plan = RatingPlan("p", "1", (coverage_from_pair(pair, "od"),))
    with pytest.raises(QuoteError, match="'age'"):
        plan.quote_one({"age": 80.0})
