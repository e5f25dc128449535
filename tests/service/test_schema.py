"""The request schema generated from a plan, judged by jsonschema (the reference validator) against quote_one.

The core property, on random plans and on the China motor plan: a policy is
valid under ``policy_schema(plan)`` iff ``plan.quote_one`` prices it (and, when
extra fields are refused, it has none) iff ``policy_problems`` finds nothing.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from autorisk.errors import ParameterError, PlanError, QuoteError
from autorisk.models.banding import band_labels
from autorisk.rating import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
)
from autorisk.rating.values import level_key
from autorisk.service.schema import (
    MAX_DOUBLE,
    batch_request_schema,
    field_problems,
    openapi_components,
    policy_problems,
    policy_schema,
    quote_request_schema,
)
from batch.batch_helpers import china_book, china_plan

COLUMNS = ("a", "b", "c", "d")
#: Levels a random categorical or two-way table draws from: text in several cases, numbers, booleans.
LEVELS = ("north", "North", "south", "x y", "3", "B", 0, 1, 3, -2, 100, 2.5, 3.0, True, False)
RELATIVITY = st.sampled_from([0.5, 0.8, 1.0, 1.1, 1.25, 2.0])
#: Cut points and range ends: multiples of 0.5, so values on them are easy to hit exactly.
POINTS = [x / 2 for x in range(-20, 121)]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORE = settings(SETTINGS, max_examples=1000)


# ------------------------------------------------------------------- plans
@st.composite
def factors(draw, name: str, complete_tables: bool = False, kind: str | None = None):
    kind = kind or draw(st.sampled_from(["categorical", "bands", "ladder", "bounded", "interaction", "interaction"]))
    column = draw(st.sampled_from(COLUMNS))
    if kind == "categorical":
        levels = draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=5, unique_by=level_key))
        return CategoricalFactor(name, column, tuple(levels), tuple(draw(RELATIVITY) for _ in levels))
    if kind == "bands":
        cuts = sorted(draw(st.sets(st.sampled_from(POINTS[10:-10]), max_size=3)))
        low = draw(st.none() | st.sampled_from([p for p in POINTS if not cuts or p < cuts[0]]))
        high = draw(st.none() | st.sampled_from([p for p in POINTS if (not cuts or p > cuts[-1])
                                                  and (low is None or p >= low)]))  # fmt: skip
        closed = draw(st.sampled_from(["left", "right"]))
        values = tuple(draw(RELATIVITY) for _ in range(len(cuts) + 1))
        return BandFactor(name, column, tuple(cuts), values, closed=closed, lower=low, upper=high)
    if kind == "ladder":
        n = draw(st.integers(1, 6))
        return BonusMalusFactor(name, column, draw(st.integers(-4, 3)), tuple(draw(RELATIVITY) for _ in range(n)))
    if kind == "bounded":
        return BoundedCoefficient(name, column, draw(st.sampled_from([0.5, 0.65, 1.0])), draw(st.sampled_from([1.0, 1.35, 2.0])))
    column_b = draw(st.sampled_from([c for c in COLUMNS if c != column]))
    sides, cuts = [], []
    for _ in range(2):
        if draw(st.integers(0, 2)) == 0:
            points = sorted(draw(st.sets(st.sampled_from(POINTS[10:-10]), min_size=0, max_size=2)))
            cuts.append(tuple(points))
            sides.append(band_labels(np.asarray(points, dtype=float)))
        else:
            cuts.append(None)
            sides.append(draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=3, unique_by=level_key)))
    pairs = list(itertools.product(*sides))
    if not complete_tables and len(pairs) > 1 and draw(st.integers(0, 2)):
        dropped = draw(st.sets(st.sampled_from(pairs), min_size=1, max_size=len(pairs) - 1))
        pairs = [p for p in pairs if p not in dropped]
    default = draw(st.sampled_from([None, 1.0]))
    cells = tuple((x, y, draw(RELATIVITY)) for x, y in pairs)
    return InteractionFactor(name, column, column_b, cells, default, (), cuts[0], cuts[1])


@st.composite
def plans(draw, complete_tables: bool = False):
    n = draw(st.integers(1, 4))
    chosen = [draw(factors(f"f{i}", complete_tables)) for i in range(n)]
    second = draw(st.lists(st.sampled_from(chosen), unique_by=id)) if draw(st.booleans()) else None
    coverages = [Coverage("tpl", 100.0, tuple(chosen))]
    if second is not None:
        coverages.append(Coverage("od", 200.0, tuple(second)))
    return RatingPlan("random plan", "1", tuple(coverages))


# ---------------------------------------------------------------- policies
def plan_factors(plan: RatingPlan, column: str):
    return [f for c in plan.coverages for f in c.factors if column in f.columns]


def swap_case(text: str) -> str:
    return text.swapcase() if text.swapcase() != text else text.upper() + "x"


JUNK = [None, "", " ", [1], {"k": 1}, True, False, "abc", 0, -1, 0.5, 1e-300, 1e308, -1e308, MAX_DOUBLE,
        math.inf, -math.inf, 10**400]  # fmt: skip


def candidates(plan: RatingPlan, column: str) -> list:
    """Values worth trying on a column: its levels and their near misses, range ends and just around them."""
    exact, near = plausible(plan, column)
    return [*exact, *near, *JUNK]


def plausible(plan: RatingPlan, column: str) -> tuple[list, list]:
    """What the factors reading a column name (levels, range ends, cut points), and the values just around them."""
    exact: list = []
    near: list = []
    for f in plan_factors(plan, column):
        levels: list = []
        if isinstance(f, CategoricalFactor):
            levels = list(f.levels)
        elif isinstance(f, InteractionFactor):
            side = f.columns.index(column)
            cuts = (f.cut_points_a, f.cut_points_b)[side]
            if cuts is None:
                levels = [cell[side] for cell in f.cells]
            else:
                exact += list(cuts)
                near += [x + d for x in cuts for d in (-0.5, 0.25)]
        elif isinstance(f, BandFactor):
            ends = [e for e in (f.lower, f.upper) if e is not None]
            exact += [*ends, *f.cut_points, *(int(x) for x in ends if x == int(x))]
            near += [x + d for x in (*ends, *f.cut_points) for d in (-0.5, -1e-9, 1e-9, 0.5)]
        elif isinstance(f, BonusMalusFactor):
            exact += [f.levels[0], float(f.levels[-1])]
            near += [f.levels[0] - 1, f.levels[-1] + 1, f.levels[0] + 0.5]
        elif isinstance(f, BoundedCoefficient):
            exact += [f.lower, f.upper, f.lower / 2, f.upper * 2]
            near += [-f.lower]
        for level in levels:
            exact.append(level)
            if isinstance(level, str):
                near += [swap_case(level), " " + level]
            elif isinstance(level, (int, float)) and not isinstance(level, bool):
                near += [str(level), float(level), level + 0.5]
    return exact, near


def values(plan: RatingPlan, column: str):
    finite = st.floats(allow_nan=False, allow_infinity=False)
    return st.sampled_from(candidates(plan, column)) | st.integers(-(2**53), 2**53) | finite | st.text(max_size=3)


def likely_values(plan: RatingPlan, column: str):
    """Values the factors name (so that whole policies are often priced; quote_one still judges them)."""
    exact, near = plausible(plan, column)
    return (st.sampled_from(exact) | st.sampled_from(near)) if near else values(plan, column)


@st.composite
def policies(draw, plan: RatingPlan):
    policy = {c: draw(likely_values(plan, c) if draw(st.integers(0, 5)) else values(plan, c)) for c in plan.columns}
    for column in draw(st.sets(st.sampled_from(plan.columns))) if draw(st.integers(0, 4)) == 0 else ():
        del policy[column]
    if draw(st.integers(0, 4)) == 0:
        policy[draw(st.sampled_from(["zz", "region ", "A"]))] = draw(st.sampled_from([1, "x", None]))
    return policy


def priced(plan: RatingPlan, policy) -> bool:
    try:
        plan.quote_one(policy)
    except QuoteError:
        return False
    return True


# ------------------------------------------------------------ the property
def check_agreement(plan: RatingPlan, policy, extra: str) -> list[dict]:
    schema = policy_schema(plan, extra=extra)
    valid = Draft202012Validator(schema).is_valid(policy)
    extras = set(policy) - set(plan.columns) if isinstance(policy, dict) else set()
    expected = isinstance(policy, dict) and priced(plan, policy) and (extra == "ignore" or not extras)
    problems = policy_problems(plan, policy, extra=extra)
    event("priced" if expected else "refused")
    for f in (f for c in plan.coverages for f in c.factors):
        if isinstance(f, BandFactor) and isinstance(policy, dict) and policy.get(f.column) in (f.lower, f.upper):
            event("on a band's end")
        if isinstance(f, InteractionFactor) and f.default is None and isinstance(policy, dict) and expected is False:
            keys = [level_key(policy[c]) if c in policy and not isinstance(policy[c], (list, dict)) else None
                    for c in f.columns]  # fmt: skip
            listed = [{level_key(cell[i]) for cell in f.cells} for i in (0, 1)]
            pairs = {(level_key(a), level_key(b)) for a, b, _ in f.cells}
            if keys[0] in listed[0] and keys[1] in listed[1] and tuple(keys) not in pairs:
                event("each level listed, the pair not")
    assert valid == expected, (policy, schema)
    assert (problems == []) == expected, (policy, problems)
    json.dumps(problems, allow_nan=False)  # plain JSON
    if isinstance(policy, dict):
        for entry in problems:
            assert set(entry) == {"field", "value", "rule", "expected"}
            if entry["field"] in policy:
                assert entry["value"] == _plain(policy[entry["field"]]), entry
            elif entry["rule"] == "missing field":
                assert entry["field"] in plan.columns and entry["value"] is None
            else:  # a pair of fields
                fields = entry["field"].split(", ")
                assert entry["value"] == [_plain(policy[f]) for f in fields], entry
        named = {e["field"] for e in problems if e["rule"] == "extra field"}
        assert named == (extras if extra == "refuse" else set())
        assert {e["field"] for e in problems if e["rule"] == "missing field"} == set(plan.columns) - set(policy)
    return problems


def _plain(value):
    return repr(value) if isinstance(value, float) and not math.isfinite(value) else value


@CORE
@given(plan=plans(), data=st.data(), extra=st.sampled_from(["refuse", "ignore"]))
def test_schema_valid_iff_quote_one_prices_iff_no_problem_on_random_plans(plan, data, extra):
    schema = policy_schema(plan, extra=extra)
    Draft202012Validator.check_schema(schema)
    assert json.loads(json.dumps(schema, allow_nan=False)) == schema  # plain JSON data
    for component in openapi_components([plan], extra=extra).values():
        Draft202012Validator.check_schema(component)
    check_agreement(plan, data.draw(policies(plan)), extra)


@settings(SETTINGS, max_examples=60)
@given(table=factors("t", kind="interaction"), other=st.none() | factors("u"))
def test_every_pair_of_a_two_way_table_judged_alike(table, other):
    """Each pair of values the table (and another factor on its columns) names: the pair rules hold."""
    plan = RatingPlan("tables", "1", (Coverage("tpl", 100.0, (table,) if other is None else (table, other)),))
    a, b = table.columns
    seen = set()
    for x, y in itertools.product(*(sum(plausible(plan, c), []) for c in (a, b))):
        policy = {a: x, b: y, **({} if other is None else {c: 0.0 for c in other.columns if c not in (a, b)})}
        if not set(plan.columns) <= set(policy):
            return
        seen.add(bool(check_agreement(plan, policy, "refuse")))
    event(f"refused and priced pairs seen: {sorted(seen)}")


def good_china_policy(i: int = 0) -> dict:
    plan = china_plan()
    row = china_book(50).iloc[i][plan.columns].to_dict()
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}


@SETTINGS
@given(data=st.data(), extra=st.sampled_from(["refuse", "ignore"]))
def test_schema_valid_iff_quote_one_prices_on_the_china_plan(data, extra):
    plan = china_plan()
    policy = good_china_policy(data.draw(st.integers(0, 49)))
    for column in data.draw(st.sets(st.sampled_from(plan.columns), max_size=3)):
        policy[column] = data.draw(values(plan, column))
    check_agreement(plan, policy, extra)


def check_named_fields(plan: RatingPlan, base: dict, data) -> None:
    """Corrupt some fields of a priced policy, drop others: the problems name exactly the bad ones."""
    columns = list(plan.columns)
    changed = {c: data.draw(values(plan, c)) for c in data.draw(st.sets(st.sampled_from(columns), max_size=4))}
    bad = {c for c, v in changed.items() if not priced(plan, {**base, c: v})}
    dropped = data.draw(st.sets(st.sampled_from(columns), max_size=2))
    policy = {c: v for c, v in {**base, **changed}.items() if c not in dropped}
    problems = policy_problems(plan, policy)
    named = {e["field"] for e in problems if e["rule"] not in ("missing field", "extra field")}
    assert named == bad - dropped, (policy, problems)
    for entry in problems:
        if entry["field"] in policy:
            assert entry["value"] == _plain(policy[entry["field"]])


@SETTINGS
@given(data=st.data())
def test_problems_name_each_bad_field_and_its_value_on_the_china_plan(data):
    check_named_fields(china_plan(), good_china_policy(data.draw(st.integers(0, 49))), data)


@SETTINGS
@given(plan=plans(complete_tables=True), data=st.data())
def test_problems_name_each_bad_field_on_random_plans(plan, data):
    schema = policy_schema(plan)
    base = {}
    for column in plan.columns:  # a value of each column that quote_one then confirms
        found = [v for v in candidates(plan, column) if Draft202012Validator(schema["properties"][column]).is_valid(v)]
        if not found:
            event("no value accepted")
            return
        base[column] = found[0]
    if not priced(plan, base):
        event("first values not priced together")
        return
    check_named_fields(plan, base, data)


# ---------------------------------------------------------- the named cases
def problem_of(policy_changes: dict, extra: str = "refuse", drop: tuple = ()):
    policy = {**good_china_policy(), **policy_changes}
    for column in drop:
        del policy[column]
    return policy_problems(china_plan(), policy, extra=extra)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"driver_age": True}, "driver_age", "a boolean, not a number"),
        ({"ncd_level": False}, "ncd_level", "level not on the ladder"),
        ({"use": "Private"}, "use", "unknown level"),
        ({"tpl_limit": "1000000"}, "tpl_limit", "unknown level"),
        ({"driver_age": "30"}, "driver_age", "text, not a number"),
        ({"driver_age": 17.5}, "driver_age", "out of range"),
        ({"vehicle_age": 30.5}, "vehicle_age", "out of range"),
        ({"autonomous_coefficient": 0}, "autonomous_coefficient", "not positive"),
        ({"ncd_level": 2.5}, "ncd_level", "level not on the ladder"),
        ({"use": None}, "use", "unknown level"),
        ({"ctpl_history": 7}, "ctpl_history", "not in table"),
    ],
)
def test_each_bad_value_is_one_entry_naming_field_value_and_rule(changes, field, rule):
    problems = problem_of(changes)
    assert [(e["field"], e["value"], e["rule"]) for e in problems] == [(field, changes[field], rule)]
    assert not priced(china_plan(), {**good_china_policy(), **changes})


def test_text_numbers_are_told_to_send_numbers():
    (entry,) = problem_of({"driver_age": "30"})
    assert entry["expected"] == "a finite number; send a JSON number, not a string"


def test_values_on_the_bounds_are_accepted_and_the_coefficient_is_clamped_not_refused():
    plan = china_plan()
    schema = Draft202012Validator(policy_schema(plan))
    for changes in ({"driver_age": 18}, {"driver_age": 100.0}, {"vehicle_age": 0}, {"vehicle_age": 30},
                    {"ncd_level": -4}, {"ncd_level": 5.0}, {"autonomous_coefficient": 1e-9},
                    {"autonomous_coefficient": 50.0}):  # fmt: skip
        policy = {**good_china_policy(), **changes}
        assert schema.is_valid(policy) and priced(plan, policy) and policy_problems(plan, policy) == []


def test_missing_and_extra_fields_refused_or_ignored():
    problems = problem_of({"gender": "f"}, drop=("use",))
    assert [(e["field"], e["value"], e["rule"]) for e in problems] == [
        ("use", None, "missing field"), ("gender", "f", "extra field")]  # fmt: skip
    assert [e["field"] for e in problem_of({"gender": "f"}, extra="ignore", drop=("use",))] == ["use"]
    assert problem_of({"gender": "f"}, extra="ignore") == []


def test_a_missing_field_does_not_hide_the_problems_of_the_fields_read_with_it():
    problems = problem_of({"ctpl_history": 99}, drop=("region",))
    assert [(e["field"], e["rule"]) for e in problems] == [("region", "missing field"), ("ctpl_history", "not in table")]


def test_every_problem_listed_at_once():
    problems = problem_of({"use": "BUSINESS", "driver_age": True, "region": [1], "x": 1}, drop=("tpl_limit",))
    assert {(e["field"], e["rule"]) for e in problems} == {
        ("tpl_limit", "missing field"), ("x", "extra field"), ("use", "unknown level"),
        ("driver_age", "a boolean, not a number"), ("region", "not a level")}  # fmt: skip


@pytest.mark.parametrize("policy", [[1, 2], "policy", 3, None])
def test_a_policy_that_is_not_an_object_is_one_entry(policy):
    plan = china_plan()
    assert [e["rule"] for e in policy_problems(plan, policy)] == ["not an object"]
    assert not Draft202012Validator(policy_schema(plan)).is_valid(policy)


def test_quote_date_outside_the_plan_or_not_a_date():
    tpl = Coverage("tpl", 500.0, (CategoricalFactor("use", "use", ("private",), (1.0,)),))
    plan = RatingPlan("t", "1", (tpl,), effective_from="2026-01-01", effective_to="2027-01-01")
    assert policy_problems(plan, {"use": "private"}, as_of="2026-06-01") == []
    (entry,) = policy_problems(plan, {"use": "private"}, as_of="2027-01-01")
    assert (entry["field"], entry["rule"]) == ("quote_date", "plan not in force")
    with pytest.raises(QuoteError):
        plan.quote_one({"use": "private"}, as_of="2027-01-01")
    assert [e["rule"] for e in policy_problems(plan, {"use": "private"}, as_of="soon")] == ["not a date"]


def test_a_column_read_by_several_factors_takes_the_levels_all_of_them_accept():
    one = CategoricalFactor("one", "area", ("a", "b", 3), (1.0, 1.1, 1.2))
    two = CategoricalFactor("two", "area", ("b", 3.0, "c"), (1.0, 1.1, 1.2))
    plan = RatingPlan("p", "1", (Coverage("tpl", 100.0, (one,)), Coverage("od", 100.0, (two,))))
    area = policy_schema(plan)["properties"]["area"]
    assert area["enum"] == ["b", 3]
    assert area["description"] == "read by 'one' (categorical) in tpl; 'two' (categorical) in od"


def test_an_incomplete_two_way_table_gives_a_rule_on_the_pair():
    table = InteractionFactor("t", "x", "y", (("a", 1, 1.0), ("a", 2, 1.1), ("b", 1, 1.2)), default=None)
    plan = RatingPlan("p", "1", (Coverage("tpl", 100.0, (table,)),))
    validator = Draft202012Validator(policy_schema(plan))
    for x, y in itertools.product(["a", "b"], [1, 2]):
        assert validator.is_valid({"x": x, "y": y}) == ((x, y) != ("b", 2)) == priced(plan, {"x": x, "y": y})
    (entry,) = policy_problems(plan, {"x": "b", "y": 2})
    assert (entry["field"], entry["value"], entry["rule"]) == ("x, y", ["b", 2], "pair not in table")


def test_unknown_extra_option_is_refused():
    with pytest.raises(ParameterError, match="extra must be one of"):
        policy_schema(china_plan(), extra="allow")


# ---------------------------------------------------------- request bodies
def test_quote_and_batch_request_schemas_are_valid_and_judge_bodies():
    plan = china_plan()
    policy = good_china_policy()
    quote = quote_request_schema(plan)
    batch = batch_request_schema(plan, max_policies=2)
    for schema in (quote, batch):
        Draft202012Validator.check_schema(schema)
    judge = Draft202012Validator(quote)
    assert judge.is_valid({"policy": policy})
    assert judge.is_valid({"plan": plan.name, "version": "1", "quote_date": "2026-03-01", "policy": policy})
    assert not judge.is_valid({"plan": "other", "policy": policy})
    assert not judge.is_valid({"version": "2", "policy": policy})
    assert not judge.is_valid({"quote_date": "1 March", "policy": policy})
    assert not judge.is_valid({"policy": {**policy, "use": "Business"}})
    assert not judge.is_valid({"policy": policy, "extra": 1})
    assert not judge.is_valid({"plan": plan.name})
    batch_judge = Draft202012Validator(batch)
    assert batch_judge.is_valid({"policies": [policy, policy], "breakdown": False})
    assert not batch_judge.is_valid({"policies": [policy] * 3})
    assert not batch_judge.is_valid({"policies": [{**policy, "driver_age": True}]})
    assert json.loads(json.dumps(batch, allow_nan=False)) == batch


def test_openapi_components_are_valid_schemas_and_refer_to_their_policy():
    plan = china_plan()
    other = RatingPlan("demo", "2.1", (Coverage("tpl", 500.0, (CategoricalFactor("use", "use", ("a",), (1.0,)),)),))
    components = openapi_components([plan, other, plan])
    assert sorted(components) == ["Policy_china_motor_batch_tests_v1", "Policy_demo_v2.1",
                                  "QuoteRequest_china_motor_batch_tests_v1", "QuoteRequest_demo_v2.1"]  # fmt: skip
    for schema in components.values():
        Draft202012Validator.check_schema(schema)
    document = {"$ref": "#/components/schemas/QuoteRequest_china_motor_batch_tests_v1",
                "components": {"schemas": components}}  # fmt: skip
    judge = Draft202012Validator(document)
    assert judge.is_valid({"policy": good_china_policy()})
    assert not judge.is_valid({"policy": {**good_china_policy(), "ncd_level": 6}})
    assert json.loads(json.dumps(components, allow_nan=False)) == components


def test_openapi_components_refuse_two_plans_with_one_name():
    one = RatingPlan("a b", "1", (Coverage("tpl", 500.0),))
    two = RatingPlan("a-b", "1", (Coverage("tpl", 600.0),))
    with pytest.raises(PlanError, match="share the OpenAPI component name"):
        openapi_components([one, two])


# ------------------------------------------------------------- field check
def test_field_problems_is_only_about_field_names():
    plan = china_plan()
    policy = {**good_china_policy(), "use": "nonsense"}
    assert field_problems(plan, policy) == []
    del policy["use"]
    policy["usage"] = "private"
    assert [(e["field"], e["rule"]) for e in field_problems(plan, policy)] == [
        ("use", "missing field"), ("usage", "extra field")]  # fmt: skip
    assert [e["field"] for e in field_problems(plan, policy, extra="ignore")] == ["use"]


def test_an_overflowing_premium_is_not_a_shape_rule_but_is_a_problem():
    """Documented limit: the schema judges values; a product of relativities that overflows is the quote's to refuse."""
    huge = CategoricalFactor("x", "x", ("a",), (1e10,))
    plan = RatingPlan("p", "1", (Coverage("tpl", 1e300, (huge,)),))
    assert Draft202012Validator(policy_schema(plan)).is_valid({"x": "a"})
    assert not priced(plan, {"x": "a"})
    (entry,) = policy_problems(plan, {"x": "a"})
    assert (entry["field"], entry["value"], entry["rule"]) == ("premium_tpl", "inf", "not positive and finite")
