"""docs/rating_plan.schema.json describes every plan autorisk writes, and refuses broken ones.

Engineers of other systems validate plans with any JSON Schema validator and
the schema; here the ``jsonschema`` library stands in for them.
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from test_factor_kinds import random_plans  # tests/rating is on the path (rootdir-relative import)

from autorisk.rating import FORMAT, RatingPlan
from autorisk.rating.templates.china import china_motor_plan

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "rating_plan.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _document(plan: RatingPlan) -> dict:
    return json.loads(plan.to_json())


@pytest.fixture(scope="module")
def china() -> dict:
    from autorisk.rating import BandFactor, CategoricalFactor, Coverage

    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
    age = BandFactor("vehicle_age", "vehicle_age", (2.0, 5.0), (1.0, 0.9, 0.8), closed="right", lower=0, upper=30)
    tpl, od = Coverage("tpl", 800.0, (use, age)), Coverage("od", 600.0, (use,))
    plan = china_motor_plan(tpl, od, name="cn", version="7", effective_from="2027-01-01")
    return _document(plan.override("tpl", "ncd", {0: 1.05}))


def test_the_schema_is_a_valid_schema_of_the_current_format():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["format"]["const"] == FORMAT


def test_the_china_template_validates(china):
    VALIDATOR.validate(china)
    kinds = {f["kind"] for c in china["content"]["coverages"] for f in c["factors"]}
    assert kinds == {"categorical", "bands", "interaction", "bonus_malus", "bounded"}


@settings(max_examples=60, deadline=None)
@given(random_plans())
def test_every_random_plan_validates(plan):
    VALIDATOR.validate(_document(plan))


def test_a_banded_interaction_validates():
    from autorisk.rating import Coverage, InteractionFactor

    cells = (("<25", "business", 1.4), (">=60", "private", 0.9))
    pair = InteractionFactor("age_use", "driver_age", "use", cells, 1.0, (("<25", "business"),), (25.0, 60.0), None)
    VALIDATOR.validate(_document(RatingPlan("b", "1", (Coverage("tpl", 500.0, (pair,)),))))


BREAKS = {
    "no base rate": lambda d: d["content"]["coverages"][0].pop("base_rate"),
    "zero base rate": lambda d: d["content"]["coverages"][0].update(base_rate=0),
    "negative relativity": lambda d: d["content"]["coverages"][0]["factors"][0]["table"][0].__setitem__(1, -1.0),
    "unknown factor kind": lambda d: d["content"]["coverages"][0]["factors"][0].update(kind="lookup"),
    "bad plan id": lambda d: d.update(plan_id="not-a-hash"),
    "older format label": lambda d: d.update(format="autorisk.rating_plan/3"),
    "negative loading": lambda d: d["content"]["coverages"][0]["loadings"].update(expenses=-0.1),
    "bound with no ends": lambda d: d["content"]["bounds"][0].update(lower=None, upper=None),
    "misspelt key": lambda d: d["content"]["coverages"][0].update(base_rates=1.0),
    "no coverage": lambda d: d["content"].update(coverages=[]),
    "text as a date": lambda d: d["content"].update(effective_from="next monday"),
}


@pytest.mark.parametrize("name", BREAKS)
def test_broken_documents_are_refused(china, name):
    document = copy.deepcopy(china)
    BREAKS[name](document)
    assert not VALIDATOR.is_valid(document), name
