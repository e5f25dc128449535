"""Factor kinds, loadings, taxes, bounds, flags and effective dates, checked by hand and by properties."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import PlanError, QuoteError
from autorisk.rating import (
    BandFactor,
    BonusMalusFactor,
    Bound,
    BoundedCoefficient,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
    select_plan,
)
from autorisk.rating.plan import _content_hash

NCD = BonusMalusFactor("ncd", "ncd_level", -4, (0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0))
APC = BoundedCoefficient("autonomous", "apc", 0.65, 1.35, "CBIRC 2020")
REGION = CategoricalFactor("region", "region", ("a", "b", "c"), (1.0, 1.3, 0.8))
AGE = BandFactor("age", "age", (25.0, 60.0), (1.6, 1.0, 1.2), lower=18.0, upper=99.0)
GROUP = InteractionFactor("float", "region", "history", tuple((r, h, 1 + 0.1 * h) for r in "abc" for h in range(-3, 4)),
                          default=None)  # fmt: skip


def one_coverage_plan(*factors, **coverage) -> RatingPlan:
    return RatingPlan("t", "1", (Coverage("tpl", 1000.0, tuple(factors), **coverage),))


def frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


# ----------------------------------------------------------------- NCD ladder
def test_ncd_ladder_by_hand_and_from_any_integer_dtype():
    plan = one_coverage_plan(NCD)
    levels = [-4, -1, 0, 5]
    expected = [500.0, 800.0, 1000.0, 2000.0]
    for column in (pd.Series(levels, dtype="int8"), pd.Series(levels, dtype="int64"),
                   pd.Series(levels, dtype="float64"), pd.Series(levels).astype("category")):  # fmt: skip
        assert plan.quote(frame(ncd_level=column))["premium_tpl"].tolist() == expected
    assert [plan.quote_one({"ncd_level": v})["premium_tpl"] for v in levels] == expected


@pytest.mark.parametrize("bad", [6, -5, 1.5, np.nan])
def test_ncd_level_off_the_ladder_names_value_and_row(bad):
    plan = one_coverage_plan(NCD)
    with pytest.raises(QuoteError) as info:
        plan.quote(frame(ncd_level=[0, bad, 1]).set_axis([10, 11, 12]))
    message = str(info.value)
    assert "ncd_level" in message and "rows: 11" in message and "from -4 to 5" in message
    with pytest.raises(QuoteError, match="ncd_level"):
        plan.quote_one({"ncd_level": bad})


# ------------------------------------------------------ bounded coefficient
def test_bounded_coefficient_is_clamped_and_the_clamp_recorded():
    plan = one_coverage_plan(APC)
    quoted = plan.quote(frame(apc=[0.3, 0.65, 1.0, 1.35, 1.8]))
    assert quoted["tpl.autonomous"].tolist() == [0.65, 0.65, 1.0, 1.35, 1.35]
    assert quoted["tpl.autonomous.clamped"].tolist() == [-1, 0, 0, 0, 1]
    one = plan.quote_one({"apc": 1.8})
    assert one["tpl.autonomous"] == 1.35 and one["tpl.autonomous.clamped"] == 1


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_bounded_coefficient_refuses_non_positive_or_missing_input(bad):
    with pytest.raises(QuoteError, match=r"apc.*rows: 1"):
        one_coverage_plan(APC).quote(frame(apc=[1.0, bad]))
    with pytest.raises(QuoteError, match="apc"):
        one_coverage_plan(APC).quote_one({"apc": bad})


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=20), st.floats(0.1, 1.0), st.floats(1.0, 3.0))
def test_bounded_coefficient_properties(values, lower, upper):
    coefficient = BoundedCoefficient("c", "c", lower, upper)
    plan = RatingPlan("t", "1", (Coverage("tpl", 1000.0, (coefficient,)),), bounds=(Bound("c", lower, upper),))
    quoted = plan.quote(frame(c=values))
    applied = quoted["tpl.c"].to_numpy()
    raw = np.asarray(values)
    assert np.all((applied >= lower) & (applied <= upper))
    inside = (raw >= lower) & (raw <= upper)
    assert np.array_equal(applied[inside], raw[inside])
    assert np.array_equal(quoted["tpl.c.clamped"].to_numpy(), np.sign(raw - applied).astype(int))
    for i, value in enumerate(values):
        assert plan.quote_one({"c": value})["premium_total"] == quoted["premium_total"].iloc[i]


# ------------------------------------------------------------------- bands
def test_band_ends_closed_right_and_accepted_range():
    right = BandFactor("age", "age", (25.0, 60.0), (1.6, 1.0, 1.2), closed="right", lower=18, upper=99)
    assert right.labels() == ["[18, 25]", "(25, 60]", "(60, 99]"]
    plan = one_coverage_plan(right)
    assert plan.quote(frame(age=[18, 25, 25.5, 60, 99]))["tpl.age"].tolist() == [1.6, 1.6, 1.0, 1.0, 1.2]
    assert [plan.quote_one({"age": a})["tpl.age"] for a in (18, 25, 25.5, 60, 99)] == [1.6, 1.6, 1.0, 1.0, 1.2]
    with pytest.raises(QuoteError) as info:
        plan.quote(frame(age=[30, 17, 120]))
    assert "out of range" in str(info.value) and "17" in str(info.value) and "rows: 1, 2" in str(info.value)
    with pytest.raises(QuoteError, match="17"):
        plan.quote_one({"age": 17})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(18, 99), min_size=1, max_size=30), st.sampled_from(["int8", "int64", "float64"]))
def test_bands_agree_with_pandas_cut_for_every_dtype(ages, dtype):
    edges = [-np.inf, 25, 30, 45, 60, np.inf]
    factor = BandFactor("age", "age", (25.0, 30.0, 45.0, 60.0), (1.5, 1.2, 1.0, 0.9, 1.1))
    expected = pd.cut(pd.Series(ages), edges, right=False, labels=False).map(dict(enumerate(factor.values)))
    quoted = one_coverage_plan(factor).quote(frame(age=pd.Series(ages, dtype=dtype)))["tpl.age"]
    assert quoted.tolist() == expected.tolist()


# ------------------------------------------------------------ interactions
def test_complete_interaction_table_refuses_unlisted_pairs_and_missing_values():
    plan = one_coverage_plan(GROUP)
    assert plan.quote(frame(region=["a", "c"], history=[-3, 2]))["tpl.float"].tolist() == [1 - 0.3, 1 + 0.2]
    with pytest.raises(QuoteError, match=r"pair not in table.*rows: 1"):
        plan.quote(frame(region=["a", "z"], history=[0, 0]))
    with pytest.raises(QuoteError, match="not in table"):
        plan.quote_one({"region": "a", "history": 9})
    sparse = one_coverage_plan(InteractionFactor("pair", "region", "use", (("b", "x", 1.5),)))
    with pytest.raises(QuoteError, match=r"use.*missing value"):
        sparse.quote(frame(region=["a", "b"], use=["x", None]))
    with pytest.raises(QuoteError, match="use"):
        sparse.quote_one({"region": "a", "use": None})


# ------------------------------------------------- loadings, fees and taxes
def test_loadings_fees_and_taxes_by_hand():
    coverage = Coverage("tpl", 400.0, (REGION,), loadings={"expenses": 0.15, "commission": 0.05, "profit": 0.05},
                        fees={"policy": 10.0}, taxes={"IPT": 0.12}, rounding=1.0)  # fmt: skip
    other = Coverage("od", 300.0, (REGION,), taxes={"IPT": 0.12, "fire": 0.02})
    plan = RatingPlan("t", "1", (coverage, other))
    quoted = plan.quote(frame(region=["a", "b"]))
    # tpl: 400/0.75 + 10 = 543.33 -> 543; 520/0.75 + 10 = 703.33 -> 703; tax 12% to the cent
    assert quoted["premium_tpl"].tolist() == [543.0, 703.0]
    assert quoted["tax_tpl"].tolist() == [65.16, 84.36]
    assert quoted["tax_od"].tolist() == [42.0, 54.6]
    np.testing.assert_allclose(quoted["payable_total"], quoted["premium_total"] + quoted["tax_total"], rtol=0)
    assert quoted["premium_total"].tolist() == [843.0, 1093.0]
    one = plan.quote_one({"region": "b"})
    assert {k: one[k] for k in quoted.columns} == quoted.iloc[1].to_dict()


# ------------------------------------------------------------------ bounds
def test_bounds_refuse_a_plan_at_build_time():
    with pytest.raises(PlanError, match=r"tpl.ncd has relativities \[0.5\] outside bound \[0.6, 2.0\]"):
        RatingPlan("t", "1", (Coverage("tpl", 1.0, (NCD,)),), bounds=(Bound("ncd", 0.6, 2.0, "filing"),))
    wide = BoundedCoefficient("autonomous", "apc", 0.5, 1.5)
    with pytest.raises(PlanError, match="autonomous"):
        RatingPlan("t", "1", (Coverage("tpl", 1.0, (wide,)),), bounds=(Bound("autonomous", 0.65, 1.35),))
    with pytest.raises(PlanError, match=r"loading = 0.3.*\[-inf, 0.25\]"):
        RatingPlan("t", "1", (Coverage("tpl", 1.0, (), loadings={"expenses": 0.3}),), bounds=(Bound("loading", upper=0.25),))
    with pytest.raises(PlanError, match="matches no factor"):
        RatingPlan("t", "1", (Coverage("tpl", 1.0, (NCD,)),), bounds=(Bound("ndc", 0.5, 2.0),))
    ok = RatingPlan("t", "1", (Coverage("tpl", 1.0, (NCD, APC)),), bounds=(Bound("tpl.ncd", 0.5, 2.0), Bound("autonomous", 0.65, 1.35)))
    assert RatingPlan.from_json(ok.to_json()).bounds == ok.bounds


def test_a_hand_edited_plan_that_breaks_its_bounds_is_refused_on_load():
    plan = RatingPlan("t", "1", (Coverage("tpl", 1.0, (APC,)),), bounds=(Bound("autonomous", 0.65, 1.35),))
    document = json.loads(plan.to_json())
    document["content"]["coverages"][0]["factors"][0]["upper"] = 1.5
    document["plan_id"] = _content_hash(document["content"])  # a careful editor re-hashes
    with pytest.raises(PlanError, match="outside bound"):
        RatingPlan.from_json(json.dumps(document))


# -------------------------------------------------------------------- flags
def test_flag_mode_prices_good_rows_exactly_and_explains_bad_ones():
    plan = one_coverage_plan(REGION, AGE, NCD)
    data = frame(region=["a", "z", "b", "c"], age=[30, 40, 15, 70], ncd_level=[0, 9, 1, -4]).set_axis([5, 6, 7, 8])
    with pytest.raises(QuoteError) as info:
        plan.quote(data)
    assert set(info.value.columns) == {"region", "age", "ncd_level"}  # every problem at once
    flagged = plan.quote(data, errors="flag")
    assert flagged["quote_error"].tolist()[0] == "" and flagged["quote_error"].tolist()[3] == ""
    assert "region" in flagged.loc[6, "quote_error"] and "ncd_level" in flagged.loc[6, "quote_error"]
    assert "age: out of range" in flagged.loc[7, "quote_error"]
    assert flagged.loc[[6, 7], "premium_total"].isna().all()
    good = plan.quote(data.loc[[5, 8]])
    assert np.array_equal(flagged.loc[[5, 8], "premium_total"].to_numpy(), good["premium_total"].to_numpy())


# ----------------------------------------------------------- effective dates
def test_effective_dates_checked_per_row_and_for_one_quote():
    plan = RatingPlan("t", "2", (Coverage("tpl", 500.0, (REGION,)),), effective_from="2027-01-01",
                      effective_to="2028-01-01")  # fmt: skip
    data = frame(region=["a", "b"], start=pd.to_datetime(["2027-06-01", "2028-01-01"]))
    with pytest.raises(QuoteError, match=r"start.*not in force.*rows: 1"):
        plan.quote(data, as_of="start")
    assert plan.quote(data, as_of="start", errors="flag")["quote_error"].tolist()[0] == ""
    with pytest.raises(QuoteError, match="not in force"):
        plan.quote(data, as_of="2026-12-31")
    with pytest.raises(QuoteError, match="not in force"):
        plan.quote_one({"region": "a"}, as_of="2028-01-01")
    older = RatingPlan("t", "1", (Coverage("tpl", 480.0, (REGION,)),), effective_from="2026-01-01",
                       effective_to="2027-01-01")  # fmt: skip
    assert select_plan([older, plan], "2027-01-01") is plan
    assert select_plan([older, plan], "2026-12-31") is older
    with pytest.raises(PlanError, match="0 plans in force"):
        select_plan([older, plan], "2030-01-01")
    with pytest.raises(PlanError, match="ISO date"):
        RatingPlan("t", "1", (Coverage("tpl", 1.0),), effective_from="01/01/2027")


# ---------------------------------------------------------------- overrides
def test_override_changes_only_that_level_and_is_recorded():
    plan = one_coverage_plan(REGION, AGE)
    adjusted = plan.override("tpl", "region", {"b": 1.25}).override("tpl", "age", {"[18, 25)": 1.5})
    data = frame(region=["a", "b", "c", "b"], age=[30, 30, 30, 20])
    before, after = plan.quote(data), adjusted.quote(data)
    assert after["tpl.region"].tolist() == [1.0, 1.25, 0.8, 1.25]
    assert after["tpl.age"].tolist() == [1.0, 1.0, 1.0, 1.5]
    assert before["premium_tpl"].iloc[0] == after["premium_tpl"].iloc[0]
    loaded = RatingPlan.from_json(adjusted.to_json())
    assert loaded.coverage("tpl").factors[0].overridden == ("b",)
    assert loaded.coverage("tpl").factors[1].overridden == (0,)
    with pytest.raises(PlanError, match="no level 'q'"):
        plan.override("tpl", "region", {"q": 1.0})


def test_version_1_files_are_still_read():
    content = {"name": "old", "version": "1", "effective_from": None, "prohibited_columns": [],
               "coverages": [{"name": "tpl", "base_rate": 400.0, "loading": 0.2, "fee": 5.0, "min_premium": None,
                              "max_premium": None, "rounding": None,
                              "factors": [{"kind": "categorical", "name": "region", "column": "region",
                                           "table": [["a", 1.0], ["b", 1.5]], "overridden": []}]}]}  # fmt: skip
    document = {"format": "autorisk.rating_plan/1", "plan_id": _content_hash(content), "content": content}
    plan = RatingPlan.from_json(json.dumps(document))
    assert plan.quote_one({"region": "b"})["premium_tpl"] == 600.0 / 0.8 + 5.0


def test_a_premium_is_never_silently_zero():
    tiny = one_coverage_plan(REGION, rounding=1.0)
    assert RatingPlan("t", "1", (Coverage("tpl", 0.1, (REGION,), rounding=1.0),)).quote(
        frame(region=["c"]))["premium_tpl"].tolist() == [1.0]  # 0.08 rounds to one unit, not to 0
    assert tiny.quote_one({"region": "c"})["premium_tpl"] == 800.0
    underflow = RatingPlan("t", "1", (Coverage("tpl", 1e-300, (CategoricalFactor("r", "r", ("a",), (1e-300,)),)),))
    with pytest.raises(QuoteError, match=r"premium_tpl.*not positive"):
        underflow.quote(frame(r=["a"]))
    assert underflow.quote(frame(r=["a"]), errors="flag")["quote_error"].iloc[0].startswith("premium_tpl")
    with pytest.raises(QuoteError, match="premium_tpl"):
        underflow.quote_one({"r": "a"})


# ------------------------------------------------------- random plans (all kinds)
COLUMNS = {"cat": ["x", "y", "z"], "num": None, "lvl": None, "coef": None}


@st.composite
def random_plans(draw):
    relativity = st.floats(0.2, 5.0)
    kinds = draw(st.lists(st.sampled_from(["cat", "band", "ncd", "coef", "pair"]), min_size=1, max_size=5, unique=True))
    factors = []
    for kind in kinds:
        if kind == "cat":
            factors.append(CategoricalFactor("cat", "cat", ("x", "y", "z"), tuple(draw(st.lists(relativity, min_size=3, max_size=3)))))
        elif kind == "band":
            cuts = tuple(sorted(draw(st.sets(st.integers(1, 99), min_size=1, max_size=4))))
            closed = draw(st.sampled_from(["left", "right"]))
            values = tuple(draw(st.lists(relativity, min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
            factors.append(BandFactor("band", "num", tuple(map(float, cuts)), values, closed=closed))
        elif kind == "ncd":
            factors.append(BonusMalusFactor("ncd", "lvl", -2, tuple(draw(st.lists(relativity, min_size=5, max_size=5)))))
        elif kind == "coef":
            low = draw(st.floats(0.3, 1.0))
            factors.append(BoundedCoefficient("coef", "coef", low, low + draw(st.floats(0.0, 1.0))))
        else:
            cells = tuple((a, b, draw(relativity)) for a in ("x", "y") for b in (-1, 2) if draw(st.booleans()))
            factors.append(InteractionFactor("pair", "cat", "lvl", cells))
    coverage = Coverage("c", draw(st.floats(10.0, 5000.0)), tuple(factors),
                        loadings={"e": draw(st.floats(0.0, 0.5))}, rounding=draw(st.sampled_from([None, 0.01, 1.0])),
                        taxes={"t": draw(st.sampled_from([0.0, 0.06]))})  # fmt: skip
    return RatingPlan("random", "1", (coverage,))


rows = st.lists(
    st.fixed_dictionaries({"cat": st.sampled_from(["x", "y", "z"]), "num": st.floats(0, 100), "lvl": st.integers(-2, 2),
                           "coef": st.floats(0.05, 5.0)}),
    min_size=1, max_size=25,
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(random_plans(), rows, st.randoms(use_true_random=False))
def test_random_plans_batch_equals_one_by_one_row_order_and_json(plan, records, rng):
    data = pd.DataFrame(records)
    batch = plan.quote(data)
    for i, record in enumerate(records):
        one = plan.quote_one(record)
        assert all(one[column] == batch[column].iloc[i] for column in batch.columns), (one, batch.iloc[i])
    order = list(range(len(data)))
    rng.shuffle(order)
    shuffled = plan.quote(data.iloc[order])
    assert np.array_equal(shuffled["premium_total"].to_numpy(), batch["premium_total"].to_numpy()[order])
    lean = plan.quote(data, breakdown=False)
    assert not any(column.startswith("c.") and not column.endswith(".clamped") for column in lean.columns)
    for column in lean.columns:
        assert np.array_equal(lean[column].to_numpy(), batch[column].to_numpy()), column
    reloaded = RatingPlan.from_json(plan.to_json())
    assert reloaded.plan_id == plan.plan_id
    pd.testing.assert_frame_equal(reloaded.quote(data), batch)
    assert (batch["premium_total"] > 0).all()


@settings(max_examples=60, deadline=None)
@given(random_plans(), st.sets(st.sampled_from(["cat", "num", "lvl", "coef", "gender"]), max_size=3))
def test_a_prohibited_column_is_always_refused(plan, prohibited):
    reads = set(plan.columns)
    if reads & prohibited:
        with pytest.raises(PlanError, match="prohibited"):
            RatingPlan("p", "1", plan.coverages, prohibited_columns=tuple(prohibited))
    else:
        allowed = RatingPlan("p", "1", plan.coverages, prohibited_columns=tuple(prohibited))
        assert set(allowed.prohibited_columns) == prohibited
