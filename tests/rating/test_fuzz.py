"""Hostile inputs: the single and the batch quote refuse the same rows and give the same bits on the rest.

Random plans of every factor kind (categorical with text, integer and boolean
levels; bands with and without an accepted range; a bonus-malus ladder; a
bounded coefficient; two-way tables, complete or with a default, one side
banded) meet policies where some fields hold a hostile value of any type. The
property, for every plan and book:

* ``quote_one`` either returns positive finite premiums or raises an
  ``AutoriskError`` (never another exception, never a NaN or zero premium);
* ``quote(errors="flag")`` flags exactly the rows ``quote_one`` refuses and
  gives the same bits on every other row and column;
* ``quote(errors="raise")`` raises an ``AutoriskError`` whose issues name only
  refused rows, and raises nothing when no row is refused.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autorisk.errors import AutoriskError, QuoteError
from autorisk.rating import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    Coverage,
    InteractionFactor,
    RatingPlan,
)

HOSTILE = [
    None, float("nan"), np.nan, float("inf"), -float("inf"), True, False, np.True_, np.bool_(False),
    "3", "1.0", "-1", "", " ", "x", "private", "abc", b"3", b"x", [1], [], {"a": 1}, (1, 2), 10**30, -(10**30),
    10**400, 5e-324, -5e-324, 1e308, -1e308, -0.0, 0, 1, -1, 3, 2.5, 1000, pd.NA, pd.NaT, np.int64(3),
    np.int8(-1), np.uint64(2**63), np.float32(2.5), np.float16(0.1), np.float64("nan"), np.str_("x"),
    Decimal("3"), Fraction(1, 2), complex(1, 0), pd.Timestamp("2026-01-01"), object(),
]  # fmt: skip

relativity = st.floats(0.2, 5.0)


@st.composite
def hostile_plans(draw) -> RatingPlan:
    """One coverage with a random subset of factor kinds (each reading its own column or sharing one)."""
    factors = []
    kinds = draw(st.lists(st.sampled_from(["text", "int", "bool", "band", "range", "ncd", "coef", "pair",
                                           "complete", "banded_pair"]), min_size=1, max_size=6, unique=True))  # fmt: skip
    for kind in kinds:
        if kind == "text":
            factors.append(CategoricalFactor("use", "use", ("private", "business", "x"), tuple(draw(st.lists(relativity, min_size=3, max_size=3)))))
        elif kind == "int":
            factors.append(CategoricalFactor("deductible", "deductible", (0, 500, 1000), tuple(draw(st.lists(relativity, min_size=3, max_size=3)))))
        elif kind == "bool":
            factors.append(CategoricalFactor("garaged", "garaged", (True, False), tuple(draw(st.lists(relativity, min_size=2, max_size=2)))))
        elif kind in ("band", "range"):
            cuts = tuple(sorted(draw(st.sets(st.integers(1, 29), min_size=1, max_size=4))))
            values = tuple(draw(st.lists(relativity, min_size=len(cuts) + 1, max_size=len(cuts) + 1)))
            limits = {"lower": 0.0, "upper": 30.0} if kind == "range" else {}
            factors.append(BandFactor(kind, "age", tuple(map(float, cuts)), values,
                                      closed=draw(st.sampled_from(["left", "right"])), **limits))  # fmt: skip
        elif kind == "ncd":
            factors.append(BonusMalusFactor("ncd", "level", -2, tuple(draw(st.lists(relativity, min_size=5, max_size=5)))))
        elif kind == "coef":
            low = draw(st.floats(0.3, 1.0))
            factors.append(BoundedCoefficient("coef", "coef", low, low + draw(st.floats(0.0, 1.0))))
        elif kind == "pair":
            cells = tuple((a, b, draw(relativity)) for a in ("private", "business") for b in (-1, 2) if draw(st.booleans()))
            factors.append(InteractionFactor("pair", "use", "level", cells))
        elif kind == "complete":
            cells = tuple((a, b, draw(relativity)) for a in (True, False) for b in (0, 500, 1000))
            factors.append(InteractionFactor("complete", "garaged", "deductible", cells, default=None))
        else:
            cells = tuple((a, b, draw(relativity)) for a in ("<10", ">=10") for b in ("private", "x") if draw(st.booleans()))
            factors.append(InteractionFactor("banded_pair", "age", "use", cells, cut_points_a=(10.0,)))
    coverage = Coverage(
        "c", draw(st.floats(10.0, 5000.0)), tuple(factors), loadings={"e": draw(st.floats(0.0, 0.5))},
        fees={"f": draw(st.sampled_from([0.0, 7.5]))}, rounding=draw(st.sampled_from([None, 0.01, 1.0])),
        taxes={"t": draw(st.sampled_from([0.0, 0.06]))}, min_premium=draw(st.sampled_from([None, 50.0])),
    )  # fmt: skip
    return RatingPlan("fuzz", "1", (coverage,))


valid = st.fixed_dictionaries({
    "use": st.sampled_from(["private", "business", "x"]),
    "deductible": st.sampled_from([0, 500, 1000]),
    "garaged": st.booleans(),
    "age": st.floats(0, 30),
    "level": st.integers(-2, 2),
    "coef": st.floats(0.05, 5.0),
})  # fmt: skip


@st.composite
def hostile_books(draw) -> list[dict]:
    records = draw(st.lists(valid, min_size=1, max_size=12))
    for record in records:
        for column in draw(st.lists(st.sampled_from(sorted(record)), max_size=2, unique=True)):
            record[column] = draw(st.sampled_from(HOSTILE))
    return records


def _frame(records: list[dict]) -> pd.DataFrame:
    # Column by column, as object when a value would not survive pandas' inference (a list, a dict).
    columns = {}
    for name in records[0]:
        values = [r[name] for r in records]
        try:
            columns[name] = pd.Series(values)
        except (TypeError, ValueError):
            columns[name] = pd.Series(np.array(values + [None], dtype=object)[:-1])
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


def _quote_one(plan: RatingPlan, record: dict) -> dict | None:
    """The single quote, or None if refused; anything but an AutoriskError, or a bad premium, fails."""
    try:
        one = plan.quote_one(record)
    except AutoriskError:
        return None
    assert math.isfinite(one["premium_total"]) and one["premium_total"] > 0, (record, one)
    return one


def _bits(value) -> bytes:
    return np.float64(value).tobytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_plans(), hostile_books())
def test_single_and_batch_refuse_the_same_rows_and_agree_on_the_rest(plan, records):
    for record in records:  # the raw values, as a JSON client or a Python caller sends them
        _quote_one(plan, record)
    # A DataFrame gives each column one dtype (a complex value makes the floats complex, a float
    # column takes a numpy uint64 as a float): the batch is compared with single quotes of the
    # values as the frame holds them.
    frame = _frame(records)
    singles = [_quote_one(plan, {c: frame[c].iloc[i] for c in frame.columns}) for i in range(len(frame))]
    refused = [i for i, one in enumerate(singles) if one is None]

    flagged = plan.quote(frame, errors="flag")
    assert list(np.flatnonzero(flagged["quote_error"].to_numpy() != "")) == refused, (records, flagged["quote_error"])
    assert flagged.loc[refused, "premium_total"].isna().all()
    for i, one in enumerate(singles):
        if one is None:
            continue
        for column, value in one.items():
            got = flagged[column].iloc[i]
            if column == "plan_id" or column.endswith(".clamped"):
                assert got == value
            else:
                assert _bits(got) == _bits(value), (column, records[i], got, value)

    if refused:
        with pytest.raises(AutoriskError) as caught:
            plan.quote(frame, errors="raise")
        assert isinstance(caught.value, QuoteError)
        named = {row for issue in caught.value.issues for row in issue.rows}
        assert named and named <= set(refused)
    else:
        plan.quote(frame, errors="raise")


@pytest.mark.parametrize(
    ("column", "value"),
    [("level", True), ("level", False), ("level", "3"), ("age", True), ("deductible", False), ("coef", True),
     ("coef", "1.0"), ("age", "3"), ("use", ["private"]), ("use", {"a": 1}), ("garaged", 1), ("deductible", "500")],
)  # fmt: skip
def test_issue_examples_are_refused_on_both_paths(column, value):
    # The issue's examples on one plan with every kind: a boolean is not a level 1, a numeric string
    # is not a number, a list is not a level; the batch flags the row the single quote refuses.
    plan = RatingPlan("p", "1", (Coverage("c", 100.0, (
        CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.2)),
        CategoricalFactor("deductible", "deductible", (0, 500), (1.0, 0.9)),
        CategoricalFactor("garaged", "garaged", (True, False), (0.95, 1.0)),
        BandFactor("age", "age", (5.0,), (1.0, 1.1), lower=0.0, upper=30.0),
        BonusMalusFactor("ncd", "level", -2, (0.8, 0.9, 1.0, 1.1, 1.2)),
        BoundedCoefficient("coef", "coef", 0.7, 1.3),
    )),))  # fmt: skip
    good = {"use": "private", "deductible": 500, "garaged": True, "age": 3.0, "level": 1, "coef": 1.0}
    bad = {**good, column: value}
    with pytest.raises(QuoteError, match=column):
        plan.quote_one(bad)
    flagged = plan.quote(_frame([good, bad]), errors="flag")
    assert flagged["quote_error"].iloc[0] == "" and column in flagged["quote_error"].iloc[1]
    with pytest.raises(QuoteError, match=column):
        plan.quote(_frame([good, bad]))


@pytest.mark.parametrize("value", [[1], {"a": 1}, [], (1, [2])])
def test_unhashable_value_is_not_a_level_of_an_empty_two_way_table(value):
    # Found by the fuzz test: a two-way table with no cells (every pair at its default) knows no kind
    # of level, so the batch took the stand-in of a list for a level and rated it at the default
    # while quote_one refused it.
    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.2))
    pair = InteractionFactor("pair", "use", "level", (), default=1.0)
    plan = RatingPlan("p", "1", (Coverage("c", 100.0, (use, pair)),))
    good, bad = {"use": "private", "level": 0}, {"use": "private", "level": value}
    assert plan.quote_one(good)["premium_total"] == 100.0
    with pytest.raises(QuoteError, match="level"):
        plan.quote_one(bad)
    flagged = plan.quote(_frame([good, bad, good]), errors="flag")
    assert flagged["quote_error"].tolist()[0::2] == ["", ""] and "level" in flagged["quote_error"].iloc[1]
