"""China motor template: CTPL tariff, commercial formula, NCD, autonomous clamp, regulatory bounds, round trip.

Expected numbers are typed by hand from the published rules (the issue text
and the 2020 CTPL floating-rate table) or computed by hand here, never taken
from the plan under test.
"""

import dataclasses
import functools
import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.errors import DataError, ParameterError, PlanError, QuoteError
from autorisk.models import FrequencyGLM
from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan, coverage_from_glm
from autorisk.rating.templates.china import (
    china_motor_plan,
    china_template,
    ctpl_coverage,
    ctpl_vehicle_class,
)

# 2020 CTPL floating rates (交强险费率浮动系数), percent, classes 1..6, by region group.
CTPL_RATES = {
    "A": (-30, -40, -50, 0, 10, 30),
    "B": (-25, -35, -45, 0, 10, 30),
    "C": (-20, -30, -40, 0, 10, 30),
    "D": (-15, -25, -35, 0, 10, 30),
    "E": (-10, -20, -30, 0, 10, 30),
}
GROUP_EXAMPLE = {"A": "Hainan", "B": "Yunnan", "C": "Gansu", "D": "Tianjin", "E": "Jiangsu"}
# Increased-limit factors and deductible relativities to 3 decimals (the JSON author's hand derivation).
ILF = {100_000: 0.527, 500_000: 0.871, 1_000_000: 1.0, 10_000_000: 1.247}
DEDUCTIBLE = {0: 1.0, 500: 0.916, 2000: 0.729}
NCD = {-4: 0.5, -1: 0.8, 0: 1.0, 5: 2.0}

USE = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
AGE = BandFactor("vehicle_age", "vehicle_age", (3.0, 8.0), (1.2, 1.0, 0.9))
TPL = Coverage("tpl", 800.0, (USE,))
OD = Coverage("od", 1500.0, (USE, AGE))


@functools.cache
def plan(autonomous_range="2020", ncd_scale="national"):
    return china_motor_plan(TPL, OD, autonomous_range=autonomous_range, ncd_scale=ncd_scale,
                            expense_loading=0.25, extra_regions={"Other": "E"})  # fmt: skip


def policy(**changes):
    base = {"region": "Hainan", "ctpl_class": "private_car_lt6", "ctpl_history": 0, "ncd_level": 0,
            "traffic_violation_class": "none", "autonomous_coefficient": 1.0, "tpl_limit": 1_000_000,
            "od_deductible": 0, "use": "private", "vehicle_age": 5}  # fmt: skip
    return {**base, **changes}


def ctpl_premium(**row):
    frame = pd.DataFrame([{"region": "Hainan", "ctpl_class": "private_car_lt6", "ctpl_history": 0, **row}])
    return RatingPlan("ctpl", "1", (ctpl_coverage(),)).quote(frame)["premium_ctpl"].iloc[0]


# ------------------------------------------------------------------ CTPL


def test_ctpl_published_examples():
    # private car, 5 seats, group A (Hainan), 3 claim-free years: 950 x (1 - 50%)
    assert ctpl_premium(ctpl_class=ctpl_vehicle_class("private", 5).item(), ctpl_history=3) == pytest.approx(475.00, abs=1e-9)
    # 7 seats, group E (Jiangsu), at-fault death last year: 1100 x (1 + 30%)
    seven = ctpl_vehicle_class("private", 7).item()
    assert ctpl_premium(region="Jiangsu", ctpl_class=seven, ctpl_history=6) == pytest.approx(1430.00, abs=1e-9)
    # first insured: no floating
    assert ctpl_premium(ctpl_class=seven, ctpl_history=0) == pytest.approx(1100.00, abs=1e-9)


@pytest.mark.parametrize("group", sorted(CTPL_RATES))
def test_ctpl_floating_table_matches_the_2020_announcement(group):
    frame = pd.DataFrame({"region": GROUP_EXAMPLE[group], "ctpl_class": "private_car_lt6", "ctpl_history": range(1, 7)})
    premiums = RatingPlan("ctpl", "1", (ctpl_coverage(),)).quote(frame)["premium_ctpl"].to_numpy()
    expected = [round(950 * (100 + rate) / 100, 2) for rate in CTPL_RATES[group]]
    np.testing.assert_allclose(premiums, expected, rtol=0, atol=1e-9)


def test_ctpl_vehicle_class_maps_the_synthetic_book_uses():
    classes = ctpl_vehicle_class(["private"] * 3 + ["business"] * 3, [5, 7, 9] * 2).tolist()
    assert classes == ["private_car_lt6", "private_car_ge6", "private_car_ge6",
                       "enterprise_nonop_lt6", "enterprise_nonop_6_10", "enterprise_nonop_6_10"]  # fmt: skip
    frame = pd.DataFrame({"region": "Tianjin", "ctpl_class": classes, "ctpl_history": 4})
    premiums = RatingPlan("ctpl", "1", (ctpl_coverage(),)).quote(frame)["premium_ctpl"].tolist()
    assert premiums == pytest.approx([950, 1100, 1100, 1000, 1130, 1130], abs=1e-9)
    with pytest.raises(DataError, match="taxi"):
        ctpl_vehicle_class(["private", "taxi"], [5, 5])
    with pytest.raises(DataError, match="no CTPL vehicle class"):
        ctpl_vehicle_class("private", 0)


def test_ctpl_unknown_region_and_history_are_refused():
    book_plan = RatingPlan("ctpl", "1", (ctpl_coverage(),))
    frame = pd.DataFrame({"region": ["Hainan", "Other"], "ctpl_class": "private_car_lt6", "ctpl_history": 3})
    with pytest.raises(QuoteError, match="Other"):
        book_plan.quote(frame)
    with pytest.raises(QuoteError, match="Other"):
        book_plan.quote_one(frame.iloc[1].to_dict())
    fixed = RatingPlan("ctpl", "1", (ctpl_coverage(extra_regions={"Other": "E"}),))
    assert fixed.quote(frame)["premium_ctpl"].tolist() == pytest.approx([475.0, 665.0], abs=1e-9)
    with pytest.raises(QuoteError, match="ctpl_history"):
        fixed.quote(frame.assign(ctpl_history=[3, 7]))
    with pytest.raises(QuoteError):
        fixed.quote_one({"region": "Hainan", "ctpl_class": "private_car_lt6", "ctpl_history": 7})
    with pytest.raises(ParameterError, match="'D'"):
        ctpl_coverage(extra_regions={"Beijing": "A"})
    with pytest.raises(ParameterError, match="valid groups"):
        ctpl_coverage(extra_regions={"Other": "F"})


# ------------------------------------------------------------ commercial

ROWS = [  # (policy changes, benchmark tpl, benchmark od, ILF, deductible, NCD, violation, autonomous applied)
    ({}, 800.0, 1500.0, ILF[1_000_000], DEDUCTIBLE[0], 1.0, 1.0, 1.0),
    ({"use": "business", "vehicle_age": 1, "ncd_level": -4, "tpl_limit": 100_000, "od_deductible": 500,
      "autonomous_coefficient": 0.9}, 1040.0, 2340.0, ILF[100_000], DEDUCTIBLE[500], 0.5, 1.0, 0.9),
    ({"region": "Beijing", "traffic_violation_class": "red_light_or_speeding_6_8", "ncd_level": 5,
      "vehicle_age": 10, "tpl_limit": 10_000_000, "od_deductible": 2000, "autonomous_coefficient": 1.2},
     800.0, 1350.0, ILF[10_000_000], DEDUCTIBLE[2000], 2.0, 1.1, 1.2),
    # Beijing's reported range is 1.0-1.45: the illustrative 1.5 of drunk driving is capped there
    ({"region": "Beijing", "traffic_violation_class": "drunk_driving_or_hit_and_run", "ncd_level": -1,
      "autonomous_coefficient": 2.0}, 800.0, 1500.0, 1.0, 1.0, 0.8, 1.45, 1.35),
    # Shanghai 0.9-1.1; Jiangsu 0.9-1.5; Guangdong has no coefficient
    ({"region": "Shanghai", "traffic_violation_class": "drink_driving", "tpl_limit": 500_000},
     800.0, 1500.0, ILF[500_000], 1.0, 1.0, 1.1, 1.0),
    ({"region": "Jiangsu", "traffic_violation_class": "drunk_driving_or_hit_and_run"}, 800.0, 1500.0, 1.0, 1.0, 1.0, 1.5, 1.0),
    ({"region": "Guangdong", "traffic_violation_class": "drunk_driving_or_hit_and_run", "autonomous_coefficient": 0.1},
     800.0, 1500.0, 1.0, 1.0, 1.0, 1.0, 0.65),
]  # fmt: skip


def test_commercial_premium_is_the_published_formula_by_hand():
    frame = pd.DataFrame([policy(**changes) for changes, *_ in ROWS])
    quoted = plan().quote(frame)
    for i, (_, tpl, od, ilf, deductible, ncd, violation, autonomous) in enumerate(ROWS):
        base_limit = ilf == 1.0 and deductible == 1.0
        tolerance = 1e-12 if base_limit else 1e-3  # ILF / deductible tables known to 3 decimals
        expected_tpl = tpl * ilf * ncd * violation * autonomous / (1 - 0.25)
        expected_od = od * deductible * ncd * violation * autonomous / (1 - 0.25)
        assert quoted["premium_tpl"].iloc[i] == pytest.approx(expected_tpl, rel=tolerance)
        assert quoted["premium_od"].iloc[i] == pytest.approx(expected_od, rel=tolerance)
    steps = [c for c in quoted.columns if "." in c or c.startswith(("pure_", "premium_"))]
    assert steps[:6] == ["ctpl.vehicle_class", "ctpl.floating_rate", "pure_ctpl", "premium_ctpl",
                                           "tpl.use", "tpl.limit"]  # fmt: skip


def test_option_tables_match_the_templates_derived_values():
    data = china_template()
    limit = plan().coverage("tpl").factors[1]
    deductible = plan().coverage("od").factors[2]
    implied_ilf = {int(k): v for k, v in data["tpl_limits"]["severity"]["implied_ilf"].items()}
    implied_deductible = {int(k): v for k, v in data["od_deductibles"]["severity"]["implied_relativity"].items()}
    assert dict(zip(limit.levels, np.round(limit.values, 3), strict=True)) == implied_ilf
    assert dict(zip(deductible.levels, np.round(deductible.values, 3), strict=True)) == implied_deductible
    assert limit.levels[0] == 100_000 and limit.levels[-1] == 10_000_000  # issue: 100k to 10M yuan


def test_ncd_ladder_ends_and_scales():
    for level, coefficient in NCD.items():
        assert plan().quote_one(policy(ncd_level=level))["tpl.ncd"] == coefficient
    beijing = plan(ncd_scale="beijing_xiamen")
    assert beijing.quote_one(policy(ncd_level=-5))["tpl.ncd"] == 0.4
    assert beijing.quote_one(policy(ncd_level=5))["od.ncd"] == 2.0
    with pytest.raises(QuoteError, match="ncd_level"):
        plan().quote(pd.DataFrame([policy(ncd_level=-5)]))
    with pytest.raises(QuoteError, match="ncd_level"):
        plan().quote_one(policy(ncd_level=6))
    ncd = plan().coverage("tpl").factors[2]
    assert (ncd.name, ncd.scale, ncd.levels[0], ncd.levels[-1]) == ("ncd", "CN national 2020", -4, 5)
    assert beijing.coverage("od").factors[3].scale == "CN Beijing-Xiamen 2020"
    with pytest.raises(ParameterError, match="national"):
        china_motor_plan(TPL, ncd_scale="shanghai")


@pytest.mark.parametrize(
    ("regime", "raw", "applied", "clamped"),
    [("2020", 1.5, 1.35, 1), ("2023", 1.5, 1.5, 0), ("2020", 0.3, 0.65, -1), ("2023", 0.3, 0.5, -1),
     ("2020", 1.0, 1.0, 0), ((0.8, 1.2), 1.5, 1.2, 1)],
)  # fmt: skip
def test_autonomous_coefficient_is_clamped_and_the_clamp_recorded(regime, raw, applied, clamped):
    rated = plan(autonomous_range=regime)
    quoted = rated.quote(pd.DataFrame([policy(autonomous_coefficient=raw)]))
    for coverage in ("tpl", "od"):
        assert quoted[f"{coverage}.autonomous"].iloc[0] == applied
        assert quoted[f"{coverage}.autonomous.clamped"].iloc[0] == clamped
    one = rated.quote_one(policy(autonomous_coefficient=raw))
    assert (one["tpl.autonomous"], one["tpl.autonomous.clamped"]) == (applied, clamped)
    with pytest.raises(QuoteError, match="autonomous_coefficient"):
        rated.quote(pd.DataFrame([policy(autonomous_coefficient=0.0)]))


POLICIES = st.lists(
    st.fixed_dictionaries({
        "region": st.sampled_from(["Beijing", "Shanghai", "Hainan", "Other", "Shaanxi"]),
        "ctpl_class": st.sampled_from(["private_car_lt6", "private_car_ge6", "enterprise_nonop_6_10"]),
        "ctpl_history": st.integers(0, 6),
        "ncd_level": st.integers(-4, 5),
        "traffic_violation_class": st.sampled_from(["none", "red_light_or_speeding_3_5", "drink_driving",
                                                    "drunk_driving_or_hit_and_run"]),
        "autonomous_coefficient": st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False),
        "tpl_limit": st.sampled_from([100_000, 300_000, 1_000_000, 5_000_000]),
        "od_deductible": st.sampled_from([0, 300, 1000]),
        "use": st.sampled_from(["private", "business"]),
        "vehicle_age": st.integers(0, 20),
    }),
    min_size=1, max_size=12,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(POLICIES, st.sampled_from(["2020", "2023"]))
def test_autonomous_clamp_property_and_batch_equals_one_by_one(rows, regime):
    rated = plan(autonomous_range=regime)
    low, high = {"2020": (0.65, 1.35), "2023": (0.5, 1.5)}[regime]
    quoted = rated.quote(pd.DataFrame(rows))
    raw = np.array([r["autonomous_coefficient"] for r in rows])
    applied = quoted["tpl.autonomous"].to_numpy()
    assert np.all((applied >= low) & (applied <= high))
    inside = (raw >= low) & (raw <= high)
    assert np.array_equal(applied[inside], raw[inside])
    assert np.array_equal(quoted["od.autonomous.clamped"].to_numpy(), (raw > high).astype(int) - (raw < low))
    for i, row in enumerate(rows):
        one = rated.quote_one(row)
        for key, value in one.items():
            if key != "plan_id":
                assert quoted[key].iloc[i] == value, key


# ------------------------------------------------------------- the rules


def test_expense_loading_cap_is_enforced():
    with pytest.raises(PlanError, match=r"0\.3.*0\.25"):
        china_motor_plan(TPL, expense_loading=0.3)
    lower = china_motor_plan(TPL, expense_loading=0.2)
    assert lower.coverage("tpl").loadings == (("expenses", 0.2),)
    assert lower.coverage("ctpl").loadings == ()
    with pytest.raises(PlanError, match="loadings"):
        china_motor_plan(dataclasses.replace(TPL, loadings={"profit": 0.05}))
    ncd_glm = CategoricalFactor("ncd_glm", "ncd_level", (-1, 0), (0.8, 1.0))
    with pytest.raises(PlanError, match="ncd_level"):
        china_motor_plan(Coverage("tpl", 800.0, (ncd_glm,)))


def test_plan_carries_its_rules_as_bounds_with_sources():
    bounds = {b.target: b for b in plan().bounds}
    assert (bounds["loading"].lower, bounds["loading"].upper) == (None, 0.25)
    assert (bounds["ncd"].lower, bounds["ncd"].upper) == (0.5, 2.0)
    assert (bounds["autonomous"].lower, bounds["autonomous"].upper) == (0.65, 1.35)
    assert (plan("2023").bounds[2].lower, plan("2023").bounds[2].upper) == (0.5, 1.5)
    assert (plan(ncd_scale="beijing_xiamen").bounds[1].lower) == 0.4
    assert all(b.source for b in bounds.values())
    assert "2020" in bounds["autonomous"].source and "35%" in bounds["loading"].source
    assert "0.65-1.35" in plan().coverage("tpl").factors[-1].source


def _rehashed(document):
    canonical = json.dumps(document["content"], sort_keys=True, separators=(",", ":"))
    document["plan_id"] = hashlib.sha256(canonical.encode()).hexdigest()
    return json.dumps(document)


def test_hand_edited_plan_breaking_a_bound_is_refused_on_load():
    document = json.loads(plan().to_json())
    tpl = next(c for c in document["content"]["coverages"] if c["name"] == "tpl")
    autonomous = next(f for f in tpl["factors"] if f["name"] == "autonomous")
    autonomous["upper"] = 1.6
    with pytest.raises(PlanError, match="outside bound"):
        RatingPlan.from_json(_rehashed(document))
    document = json.loads(plan().to_json())
    document["content"]["coverages"][1]["loadings"]["expenses"] = 0.3
    with pytest.raises(PlanError, match="0.25"):
        RatingPlan.from_json(_rehashed(document))


def test_columns_are_renamed():
    names = {"region": "province", "ncd_level": "ncd", "autonomous_coefficient": "score"}
    renamed = china_motor_plan(TPL, columns=names)
    assert {"province", "ncd", "score"} <= set(renamed.columns)
    row = policy(region="Beijing", ncd_level=-4, autonomous_coefficient=1.2)
    mine = {names.get(k, k): v for k, v in row.items()}
    assert renamed.quote_one(mine)["premium_total"] == china_motor_plan(TPL).quote_one(row)["premium_total"]
    with pytest.raises(ParameterError, match="valid keys"):
        china_motor_plan(TPL, columns={"postcode": "zip"})


def test_template_data_is_a_fresh_copy():
    first = china_template()
    first["expense_loading_cap"]["value"] = 0.9
    assert china_template()["expense_loading_cap"]["value"] == 0.25


# --------------------------------------------------------- synthetic book


@pytest.fixture(scope="module")
def book_frame():
    book = synthetic_book(2000, 1, seed=3)
    frame = book.policies
    n = len(frame)
    data = china_template()
    classes = list(data["traffic_violation_coefficient"]["classes"]["values"])
    return frame.assign(
        ctpl_class=ctpl_vehicle_class(frame["use"], frame["seats"]),
        ctpl_history=np.arange(n) % 7,
        traffic_violation_class=[classes[i % len(classes)] for i in range(n)],
        autonomous_coefficient=np.linspace(0.4, 1.6, n),
        tpl_limit=[data["tpl_limits"]["options"][i % 12] for i in range(n)],
        od_deductible=[data["od_deductibles"]["options"][i % 5] for i in range(n)],
    ), aggregate_claims(book.policies, book.claims)


def test_synthetic_book_is_priced_and_round_trips(book_frame, tmp_path):
    frame, data = book_frame
    glm = FrequencyGLM(["region", "use"]).fit(data, data["claim_count_tpl"], exposure=data["exposure"])
    frequency = coverage_from_glm(glm, "tpl")
    tpl = dataclasses.replace(frequency, base_rate=frequency.base_rate * 5000.0)  # x an average claim
    rated = china_motor_plan(tpl, OD, extra_regions={"Other": "E"}, autonomous_range="2023")
    quoted = rated.quote(frame)
    for coverage in ("ctpl", "tpl", "od"):
        premiums = quoted[f"premium_{coverage}"].to_numpy()
        assert np.all(np.isfinite(premiums) & (premiums > 0)), coverage
    assert "tpl.region" in quoted and "tpl.use" in quoted  # the benchmark's factors are kept
    assert set(np.unique(quoted["tpl.autonomous.clamped"])) == {-1, 0, 1}
    loaded = RatingPlan.load(rated.save(tmp_path / "china.json"))
    assert loaded.plan_id == rated.plan_id
    again = loaded.quote(frame)
    for column in quoted.columns:
        if column.startswith(("premium_", "pure_")):
            assert np.array_equal(again[column].to_numpy(), quoted[column].to_numpy()), column
    with pytest.raises(QuoteError, match="Other"):
        china_motor_plan(tpl, OD).quote(frame)


# ------------------------------------------------------- accepted ranges


@pytest.mark.parametrize("bad", [-1, 999999, 1e308, -0.5, 31])
def test_vehicle_ages_outside_the_templates_range_are_refused_on_both_paths(bad):
    rated = plan()
    assert rated.quote_one(policy(vehicle_age=30))["premium_od"] > 0  # both ends are accepted
    assert rated.quote_one(policy(vehicle_age=0))["premium_od"] > 0
    with pytest.raises(QuoteError, match=rf"'vehicle_age'.*{re.escape(repr(bad))}.*\[0\.0, 30\.0\]"):
        rated.quote_one(policy(vehicle_age=bad))
    frame = pd.DataFrame([policy(), policy(vehicle_age=bad), policy(vehicle_age=4)])
    flagged = rated.quote(frame, errors="flag")
    errors = flagged["quote_error"].tolist()
    assert errors[0] == errors[2] == "" and "vehicle_age" in errors[1] and "out of range" in errors[1]
    assert np.isnan(flagged["premium_total"].iloc[1]) and np.isfinite(flagged["premium_total"].iloc[[0, 2]]).all()
    with pytest.raises(QuoteError, match=r"'vehicle_age': out of range in 1 row.*rows: 1"):
        rated.quote(frame)


def test_every_band_factor_of_a_benchmark_gets_a_range_with_its_reason():
    data = china_template()["accepted_ranges"]["columns"]
    assert {c: tuple(e["range"]) for c, e in data.items()} == {
        "vehicle_age": (0, 30), "driver_age": (18, 100), "seats": (1, 60), "new_car_price": (10_000, 50_000_000)}
    assert all(e["reason"] and e["confidence"] in ("confirmed", "recalled", "illustrative") for e in data.values())
    driver = BandFactor("driver_age", "driver_age", (25.0, 60.0), (1.5, 1.0, 1.1))
    price = BandFactor("price", "new_car_price", (200_000.0,), (1.0, 1.2), lower=30_000.0)  # its own lower end is kept
    rated = china_motor_plan(Coverage("tpl", 800.0, (driver, price)), OD)
    driver, price = rated.coverages[1].factors[:2]
    assert (driver.lower, driver.upper, price.lower, price.upper) == (18.0, 100.0, 30_000.0, 50_000_000.0)
    with pytest.raises(QuoteError, match="driver_age"):
        rated.quote_one({**policy(), "driver_age": 17, "new_car_price": 100_000})
    # ranges= replaces the template's range of a column, and gives one to a column it does not know
    mileage = BandFactor("mileage", "annual_km", (10_000.0,), (1.0, 1.1))
    with pytest.raises(PlanError, match=r"'annual_km' has no accepted range; give ranges="):
        china_motor_plan(Coverage("tpl", 800.0, (mileage,)))
    custom = china_motor_plan(Coverage("tpl", 800.0, (mileage,)), OD, ranges={"annual_km": (0, 200_000), "vehicle_age": (0, 40)})
    assert (custom.coverages[1].factors[0].lower, custom.coverages[2].factors[1].upper) == (0.0, 40.0)
    with pytest.raises(PlanError, match="does not fit its bands"):
        china_motor_plan(TPL, OD, ranges={"vehicle_age": (0, 5)})  # leaves out the band >= 8
    with pytest.raises(ParameterError, match="ranges"):
        china_motor_plan(TPL, OD, ranges={"vehicle_age": (10, 0)})


def test_a_glm_benchmark_keeps_the_narrower_of_its_training_range_and_the_templates(book_frame):
    frame, data = book_frame
    glm = FrequencyGLM(["use", "vehicle_age"], bands={"vehicle_age": [2, 4, 7, 10]}).fit(
        data, data["claim_count_tpl"], exposure=data["exposure"])  # fmt: skip
    low, high = data["vehicle_age"].min(), data["vehicle_age"].max()
    rated = china_motor_plan(coverage_from_glm(glm, "tpl"), OD, extra_regions={"Other": "E"})
    band = next(f for f in rated.coverages[1].factors if f.name == "vehicle_age")
    assert (band.lower, band.upper) == (0.0, min(30.0, high + 0.1 * (high - low)))
    quoted = rated.quote(frame.assign(vehicle_age=frame["vehicle_age"].astype(float)), errors="flag")
    assert (quoted["quote_error"] == "").all()  # the book it was fitted on stays in range
    with pytest.raises(QuoteError, match="vehicle_age"):
        rated.quote_one({**frame.iloc[0].to_dict(), "vehicle_age": 999999})


def test_ctpl_vehicle_class_refuses_seats_outside_1_to_60():
    assert ctpl_vehicle_class(["business", "business"], [1, 60]).tolist() == ["enterprise_nonop_lt6", "enterprise_nonop_ge20"]
    for seats in (0, 61, 999999, 1e308):
        with pytest.raises(DataError, match=r"seats in \[1, 60\]"):
            ctpl_vehicle_class("business", seats)
