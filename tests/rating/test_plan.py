"""Rating plans: GLM reproduction, hashed JSON round trip, vectorised = one-by-one, clear errors."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.errors import PlanError, QuoteError
from autorisk.models import FrequencyGLM
from autorisk.rating import (
    BandFactor,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
    coverage_from_glm,
    coverage_from_pair,
)


@pytest.fixture(scope="module")
def fitted():
    book = synthetic_book(20_000, 2, seed=11)
    data = aggregate_claims(book.policies, book.claims)
    data["ncd_level"] = data["ncd_level"].astype("category")
    train, test = data.iloc[: len(data) // 2], data.iloc[len(data) // 2 :]
    model = FrequencyGLM(
        ["region", "use", "ncd_level", "driver_age"],
        bands={"driver_age": [25, 30, 45, 60]},
        interactions=[("region", "use")],
    ).fit(train, train["claim_count"], exposure=train["exposure"])
    return model, test


def test_plan_from_glm_reproduces_the_model_on_a_test_set(fitted):
    model, test = fitted
    plan = RatingPlan("freq", "1", (coverage_from_glm(model, "all"),))
    quoted = plan.quote(test)["premium_all"].to_numpy()
    np.testing.assert_allclose(quoted, model.predict(test), rtol=1e-9, atol=0)


def test_json_round_trip_keeps_every_premium_and_the_id(fitted, tmp_path):
    model, test = fitted
    plan = RatingPlan("freq", "1", (coverage_from_glm(model, "all"),), effective_from="2027-01-01")
    loaded = RatingPlan.load(plan.save(tmp_path / "plan.json"))
    assert loaded.plan_id == plan.plan_id
    assert np.array_equal(loaded.quote(test)["premium_total"].to_numpy(), plan.quote(test)["premium_total"].to_numpy())


def test_tampered_plan_is_refused(fitted):
    model, _ = fitted
    document = json.loads(RatingPlan("freq", "1", (coverage_from_glm(model, "all"),)).to_json())
    document["content"]["coverages"][0]["base_rate"] *= 0.9
    with pytest.raises(PlanError, match="does not match its id"):
        RatingPlan.from_json(json.dumps(document))
    with pytest.raises(PlanError, match="format"):
        RatingPlan.from_json(json.dumps({"format": "pickle"}))


def test_numeric_terms_have_no_table_form(fitted):
    _, test = fitted
    model = FrequencyGLM(["region", "driver_age"]).fit(test, test["claim_count"], exposure=test["exposure"])
    with pytest.raises(PlanError, match="driver_age"):
        coverage_from_glm(model, "all")


REGION = CategoricalFactor("region", "region", ("a", "b", "c"), (1.0, 1.3, 0.8))
AGE = BandFactor("age", "age", (25.0, 60.0), (1.6, 1.0, 1.2))
PAIR = InteractionFactor("region:use", "region", "use", (("b", "business", 1.5),))
PLAN = RatingPlan("test", "1", (Coverage("tpl", 400.0, (REGION, AGE, PAIR)), Coverage("od", 250.0, (AGE,))))


def test_unknown_level_names_column_value_and_row():
    frame = pd.DataFrame({"region": ["a", "z"], "age": [30, 40], "use": ["private", "private"]}, index=[7, 8])
    with pytest.raises(QuoteError) as info:
        PLAN.quote(frame)
    message = str(info.value)
    assert "region" in message and "'z'" in message and "rows: 8" in message


def test_missing_column_and_missing_value_are_named():
    with pytest.raises(QuoteError, match="age"):
        PLAN.quote(pd.DataFrame({"region": ["a"], "use": ["private"]}))
    with pytest.raises(QuoteError, match=r"age.*rows: 1"):
        PLAN.quote(pd.DataFrame({"region": ["a", "b"], "age": [30, np.nan], "use": ["private"] * 2}))


def test_bands_are_closed_on_the_left():
    quoted = PLAN.quote(pd.DataFrame({"region": ["a"] * 3, "age": [24.99, 25, 60], "use": ["private"] * 3}))
    assert quoted["od.age"].tolist() == [1.6, 1.0, 1.2]


policies = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(18, 90), st.sampled_from(["private", "business"])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(policies, st.lists(st.floats(0.5, 2.0), min_size=3, max_size=3))
def test_batch_equals_one_by_one_and_row_order(rows, region_values):
    plan = RatingPlan("p", "1", (Coverage("tpl", 400.0, (
        CategoricalFactor("region", "region", ("a", "b", "c"), tuple(region_values)), AGE, PAIR)),))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["region", "age", "use"])
    batch = plan.quote(frame)["premium_total"].to_numpy()
    single = np.array([plan.quote(frame.iloc[[i]])["premium_total"].iloc[0] for i in range(len(frame))])
    assert np.array_equal(batch, single)
    reversed_batch = plan.quote(frame.iloc[::-1])["premium_total"].to_numpy()[::-1]
    assert np.array_equal(batch, reversed_batch)
    expected = [400.0 * dict(zip("abc", region_values, strict=True))[r] * (1.6 if a < 25 else 1.0 if a < 60 else 1.2)
                * (1.5 if (r, u) == ("b", "business") else 1.0) for r, a, u in rows]  # fmt: skip
    np.testing.assert_allclose(batch, expected, rtol=1e-12)


def test_invalid_relativities_are_refused_at_build_time():
    with pytest.raises(PlanError, match="region"):
        CategoricalFactor("region", "region", ("a", "b"), (1.0, -0.5))
    with pytest.raises(PlanError, match="cut points"):
        BandFactor("age", "age", (60.0, 25.0), (1.0, 1.0, 1.0))


@settings(max_examples=50, deadline=None)
@given(policies)
def test_quote_one_is_bit_identical_to_the_batch(rows):
    frame = pd.DataFrame(rows, columns=["region", "age", "use"])
    batch = PLAN.quote(frame)
    for i, (region, age, use) in enumerate(rows):
        one = PLAN.quote_one({"region": region, "age": age, "use": use})
        for column in batch.columns:
            assert one[column] == batch[column].iloc[i]


def test_quote_one_errors_name_the_field_and_value():
    with pytest.raises(QuoteError, match="'z'"):
        PLAN.quote_one({"region": "z", "age": 30, "use": "private"})
    with pytest.raises(QuoteError, match="age"):
        PLAN.quote_one({"region": "a", "use": "private"})
    with pytest.raises(QuoteError, match="nan"):
        PLAN.quote_one({"region": "a", "age": float("nan"), "use": "private"})


def test_categorical_string_and_object_columns_quote_alike():
    frame = pd.DataFrame({"region": ["c", "a", "b", "b"], "age": [20, 30, 70, 40], "use": ["business"] * 4})
    as_category = frame.assign(region=frame["region"].astype("category"), use=frame["use"].astype("category"))
    pd.testing.assert_frame_equal(PLAN.quote(frame), PLAN.quote(as_category))


def test_plan_from_a_frequency_severity_pair_reproduces_its_cost(fitted):
    from autorisk.models import FrequencySeverity, SeverityGLM
    from autorisk.rating import coverage_from_pair

    _, data = fitted
    pair = FrequencySeverity(
        FrequencyGLM(["region", "use", "driver_age"], bands={"driver_age": [25, 30, 45, 60]}),
        SeverityGLM(["region", "driver_age"], bands={"driver_age": [25, 30, 45, 60]}),
    ).fit(data, data["claim_count"], data["claim_amount"], exposure=data["exposure"])
    plan = RatingPlan("cost", "1", (coverage_from_pair(pair, "all"),))
    quoted = plan.quote(data)["premium_all"].to_numpy()
    np.testing.assert_allclose(quoted, pair.predict(data), rtol=1e-9, atol=0)
    # region and driver_age tables are merged: one factor each, plus use from frequency only
    assert [f.name for f in plan.coverages[0].factors] == ["region", "use", "driver_age"]


def test_loading_fee_rounding_and_bounds_by_hand():
    coverage = Coverage("tpl", 400.0, (REGION,), loadings={"expenses": 0.25}, fees={"policy": 10.0}, rounding=5.0, min_premium=300.0,
                        max_premium=900.0)  # fmt: skip
    plan = RatingPlan("gross", "1", (coverage,))
    quoted = plan.quote(pd.DataFrame({"region": ["a", "b", "c"]}))
    # pure 400, 520, 320 -> /0.75 + 10 = 543.33, 703.33, 436.67 -> nearest multiple of 5
    assert quoted["pure_tpl"].tolist() == [400.0, 520.0, 320.0]
    assert quoted["premium_tpl"].tolist() == [545.0, 705.0, 435.0]
    capped = RatingPlan("cap", "1", (Coverage("tpl", 400.0, (REGION,), max_premium=450.0, min_premium=350.0),))
    assert capped.quote(pd.DataFrame({"region": ["a", "b", "c"]}))["premium_tpl"].tolist() == [400.0, 450.0, 350.0]


@settings(max_examples=60, deadline=None)
@given(
    policies,
    st.floats(0.0, 0.6),
    st.floats(0.0, 50.0),
    st.one_of(st.none(), st.sampled_from([0.01, 1.0, 5.0])),
    st.floats(50.0, 400.0),
    st.floats(400.0, 2000.0),
    st.floats(1.0, 3.0),
)
def test_gross_premium_properties(rows, loading, fee, rounding, low, high, bump):
    def plan_with(region_b: float) -> RatingPlan:
        region = CategoricalFactor("region", "region", ("a", "b", "c"), (1.0, region_b, 0.8))
        return RatingPlan("p", "1", (Coverage("tpl", 400.0, (region, AGE, PAIR), loadings={"expenses": loading}, fees={"policy": fee},
                                              rounding=rounding, min_premium=low, max_premium=high),))  # fmt: skip

    frame = pd.DataFrame(rows, columns=["region", "age", "use"])
    plan = plan_with(1.3)
    batch = plan.quote(frame)["premium_total"].to_numpy()
    # bounds always hold, batch equals one-by-one bit for bit, JSON round trip changes nothing
    assert np.all((batch >= low) & (batch <= high))
    single = [plan.quote_one(dict(zip(["region", "age", "use"], row, strict=True)))["premium_total"] for row in rows]
    assert np.array_equal(batch, np.array(single))
    assert np.array_equal(RatingPlan.from_json(plan.to_json()).quote(frame)["premium_total"].to_numpy(), batch)
    # premium is monotone in each relativity
    assert np.all(plan_with(1.3 * bump).quote(frame)["premium_total"].to_numpy() >= batch)


def test_prohibited_factor_is_refused_and_bad_loadings_too():
    gender = CategoricalFactor("gender", "gender", ("F", "M"), (1.0, 1.1))
    with pytest.raises(PlanError, match="gender"):
        RatingPlan("eu", "1", (Coverage("tpl", 400.0, (REGION, gender)),), prohibited_columns=("gender",))
    allowed = RatingPlan("eu", "1", (Coverage("tpl", 400.0, (REGION,)),), prohibited_columns=("gender",))
    assert RatingPlan.from_json(allowed.to_json()).prohibited_columns == ("gender",)
    with pytest.raises(PlanError, match="loading"):
        Coverage("tpl", 400.0, (REGION,), loadings={"expenses": 0.7, "profit": 0.3})
    with pytest.raises(PlanError, match="min_premium"):
        Coverage("tpl", 400.0, (REGION,), min_premium=500.0, max_premium=100.0)


def test_interaction_of_banded_numeric_terms_is_looked_up_by_band(fitted):
    _, data = fitted
    bands = {"driver_age": [25, 30, 45, 60], "new_car_price": [100_000, 200_000, 300_000]}
    model = FrequencyGLM(["driver_age", "new_car_price", "use"], bands=bands,
                         interactions=[("driver_age", "new_car_price"), ("use", "driver_age")])  # fmt: skip
    model.fit(data, data["claim_count"], exposure=data["exposure"])
    plan = RatingPlan("bands", "1", (coverage_from_glm(model, "all"),))
    quoted = plan.quote(data)
    np.testing.assert_allclose(quoted["premium_all"].to_numpy(), model.predict(data), rtol=1e-9, atol=0)
    assert quoted["all.driver_age:new_car_price"].nunique() > 2  # the table is used, not its default
    reloaded = RatingPlan.from_json(plan.to_json())
    rows = data.head(50)
    assert np.array_equal(reloaded.quote(rows)["premium_all"].to_numpy(), quoted["premium_all"].to_numpy()[:50])
    for i, record in enumerate(rows.to_dict("records")):
        assert plan.quote_one(record)["premium_all"] == quoted["premium_all"].iloc[i]
    with pytest.raises(QuoteError, match="new_car_price"):
        plan.quote(rows.assign(new_car_price=np.nan))


def test_plan_and_coverage_read_well_in_a_notebook():
    from autorisk.rating import Bound

    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
    tpl = Coverage("tpl", 500.0, (use,), loadings={"expenses": 0.2}, fees={"policy": 10.0}, rounding=1.0)
    plan = RatingPlan("motor", "3", (tpl,), "2027-01-01", ("gender",), (Bound("use", 0.5, 2.0),))
    text = repr(plan)
    assert text.splitlines()[0] == f"rating plan 'motor' version 3 (id {plan.plan_id[:12]}), effective 2027-01-01 to ..."
    assert "tpl: base rate 500.00 x 1 factor(s) (use), loading 20.0%" in text
    assert "use in [0.5, 2.0]" in text and "prohibited: gender" in text
    assert repr(tpl) == "Coverage('tpl', base_rate=500.0, factors=[use], loadings={'expenses': 0.2}, fees={'policy': 10.0}, rounding=1.0)"
    summary = plan.coverage_summary()
    assert summary.loc["tpl", ["base_rate", "loading", "fee", "rounding"]].tolist() == [500.0, 0.2, 10.0, 1.0]
    page = plan._repr_html_()
    assert "<table" in page and "regulatory bounds" in page and plan.plan_id[:12] in page


def test_a_plan_from_a_glm_refuses_ages_outside_the_given_range():
    from autorisk.models import FrequencySeverity, SeverityGLM

    ages = pd.DataFrame({"age": [19.0, 30.0, 50.0, 70.0] * 5})
    claims, amounts = [1, 1, 0, 1] * 5, [900.0, 400.0, 0.0, 700.0] * 5
    spec = {"factors": ["age"], "bands": {"age": [25, 60]}}
    pair = FrequencySeverity(FrequencyGLM(**spec), SeverityGLM(**spec)).fit(ages, claims, amounts, exposure=[1.0] * 20)
    plan = RatingPlan("p", "1", (coverage_from_pair(pair, "tpl", ranges={"age": (18, 99)}),))
    np.testing.assert_allclose(plan.quote(ages)["premium_total"], pair.predict(ages), rtol=1e-12)
    with pytest.raises(QuoteError, match=r"age.*8\.0"):
        plan.quote(pd.DataFrame({"age": [30.0, 8.0]}))
    with pytest.raises(PlanError, match=r"ranges name \['region'\]"):
        coverage_from_glm(pair.frequency_, "tpl", ranges={"region": (0, 1)})
