"""JSON Schema of a quote request, generated from a rating plan, and the problems of a policy.

A plan's factors decide which values they rate (:mod:`autorisk.rating.values`);
this module states the same rules as JSON Schema (draft 2020-12), so another
system's engineers can generate a client and validate a policy before sending it:

* a categorical factor (and an unbanded side of a complete two-way table) is an
  ``enum`` of its levels in their JSON types: ``3`` matches the level 3 (and
  3.0), never ``"3"`` nor ``true``; ``"North"`` does not match ``"north"``;
* a band factor is a number in its accepted range, ends included (``minimum`` /
  ``maximum``); a ladder an integer on the ladder; a bounded coefficient a
  number ``> 0`` (it is clamped, not refused, above and below its bounds);
* an unbanded side of a two-way table with a default relativity accepts any
  value of its levels' kind (a non-blank string, a number, a boolean);
* a column read by several factors accepts what every one of them accepts (the
  intersection); a two-way table whose pairs are not a full rectangle adds a
  rule on the pair (``if`` one level ``then`` the other among those listed).

Numbers are finite: an unbounded side reads ``[-1.797e308, 1.797e308]``, the
largest double. Two limits of JSON Schema, documented rather than hidden: a
validator compares integers exactly, while the plan reads them as doubles, so
an integer beyond 2**53 within rounding of a bound may be judged differently;
and NaN / Infinity are not JSON (the service's parser refuses them). What is
not a rule on the request's shape is not in the schema: a plan's regulatory
bounds are checked on its tables when it is built, so an accepted value never
breaks one at quote time, but relativities whose product under- or overflows
the premium are refused by the quote (and reported by :func:`policy_problems`
on the field ``premium_<coverage>``).

:func:`field_problems` is the cheap check run on every request (missing and
extra fields, set operations only); :func:`policy_problems` lists every problem
of a policy, in the words of :class:`~autorisk.errors.DataIssue`, for the 422
answer once a quote has failed.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError, PlanError, QuoteError, levels_text
from autorisk.rating.factors import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    InteractionFactor,
)
from autorisk.rating.plan import RatingPlan
from autorisk.rating.values import BOOLEAN, NUMBER, TEXT, level_key, text_hint

Extra = Literal["refuse", "ignore"]

#: The dialect of every schema this module writes.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: The largest finite double: the range of a number no factor bounds.
MAX_DOUBLE = sys.float_info.max
#: What a non-blank string matches (``str.strip`` and ``\\S`` agree on Python's whitespace).
NON_BLANK = r"\S"
#: The ``rule`` of the entries :func:`field_problems` writes.
MISSING_FIELD, EXTRA_FIELD = "missing field", "extra field"
NOT_AN_OBJECT, NOT_IN_FORCE, NOT_A_DATE = "not an object", "plan not in force", "not a date"

_EXTRA_OPTIONS = ("refuse", "ignore")
#: The pandas hint of a text number, reworded for an HTTP client.
_PANDAS_HINT = text_hint(["0"])
_JSON_HINT = "; send a JSON number, not a string"


# ------------------------------------------------------------------ value sets
@dataclass(frozen=True)
class _Interval:
    """Numbers from ``low`` to ``high``; an open end excludes itself."""

    low: float
    low_open: bool
    high: float
    high_open: bool

    def contains(self, x: float) -> bool:
        return (x > self.low or (x == self.low and not self.low_open)) and (
            x < self.high or (x == self.high and not self.high_open)
        )

    def empty(self) -> bool:
        return self.low > self.high or (self.low == self.high and (self.low_open or self.high_open))


_FINITE = (_Interval(-MAX_DOUBLE, False, MAX_DOUBLE, False),)
_ALL_NUMBERS = (_Interval(-math.inf, False, math.inf, False),)


@dataclass(frozen=True)
class _Accepts:
    """A set of JSON values: explicit levels, plus every non-blank string, every boolean, numbers in intervals."""

    levels: tuple[tuple[Any, Any], ...] = ()  # (level key, JSON value)
    text: bool = False
    boolean: bool = False
    numbers: tuple[_Interval, ...] = ()
    integer: bool = False  # the numbers must equal an integer

    def contains(self, key: Any, value: Any) -> bool:
        if any(key == k for k, _ in self.levels):
            return True
        return self._general(key, value)

    def _general(self, key: Any, value: Any) -> bool:
        kind = key[0]
        if kind == TEXT:
            return self.text
        if kind == BOOLEAN:
            return self.boolean
        if kind != NUMBER:
            return False
        try:
            x = float(value)
        except OverflowError:  # an integer no double holds: the plan refuses it as a number
            return False
        return any(i.contains(x) for i in self.numbers) and (not self.integer or x == math.floor(x))

    def __and__(self, other: _Accepts) -> _Accepts:
        kept: dict[Any, Any] = {}
        for mine, theirs in ((self, other), (other, self)):
            for key, value in mine.levels:
                if key not in kept and theirs.contains(key, value):
                    kept[key] = value
        numbers_ = _intersect(self.numbers, other.numbers)
        both = _Accepts((), self.text and other.text, self.boolean and other.boolean, numbers_,
                        bool(numbers_) and (self.integer or other.integer))  # fmt: skip
        # A level the general part already accepts needs no place in the enum.
        levels = tuple((k, v) for k, v in kept.items() if not both._general(k, v))
        return _Accepts(levels, both.text, both.boolean, both.numbers, both.integer)


def _intersect(a: tuple[_Interval, ...], b: tuple[_Interval, ...]) -> tuple[_Interval, ...]:
    out = []
    for x in a:
        for y in b:
            low, low_open = max((x.low, x.low_open), (y.low, y.low_open))
            high, high_open = min((x.high, not x.high_open), (y.high, not y.high_open))
            cut = _Interval(low, low_open, high, not high_open)
            if not cut.empty():
                out.append(cut)
    return _merged(out)


def _merged(intervals: list[_Interval]) -> tuple[_Interval, ...]:
    """Sorted, with touching or overlapping intervals joined."""
    out: list[_Interval] = []
    for i in sorted(intervals, key=lambda i: (i.low, i.low_open)):
        last = out[-1] if out else None
        if last is not None and (i.low < last.high or (i.low == last.high and not (i.low_open and last.high_open))):
            high, high_open = max((last.high, not last.high_open), (i.high, not i.high_open))
            out[-1] = _Interval(last.low, last.low_open, high, not high_open)
        else:
            out.append(i)
    return tuple(out)


def _json_level(level: Any) -> tuple[Any, Any] | None:
    """``(level key, JSON value)`` of a level, or None when no JSON value can match it (a tuple, NaN, inf)."""
    key = level_key(level)
    if key is None or key[0] not in (TEXT, BOOLEAN, NUMBER):
        return None
    if key[0] == TEXT:
        return key, str(level)
    if key[0] == BOOLEAN:
        return key, bool(level)
    value = key[1]
    if isinstance(value, int):
        return key, int(value)
    try:
        x = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return (key, x) if math.isfinite(x) and x == value else None


def _levels(levels: Iterable[Any]) -> _Accepts:
    found: dict[Any, Any] = {}
    for level in levels:
        pair = _json_level(level)
        if pair is not None:
            found.setdefault(*pair)
    return _Accepts(tuple(found.items()))


def _bands(cut_points: Iterable[float]) -> list[_Interval]:
    """The bands of an interaction's numeric side (closed on the left), finite numbers only."""
    edges = [-MAX_DOUBLE, *(float(c) for c in cut_points), MAX_DOUBLE]
    return [_Interval(a, False, b, i < len(edges) - 2) for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False))]


def _of_kinds(kinds: frozenset[str]) -> _Accepts:
    """Any value of these kinds (every kind when none is given: a table with no cell)."""
    kinds = kinds or frozenset({TEXT, BOOLEAN, NUMBER})
    return _Accepts((), TEXT in kinds, BOOLEAN in kinds, _ALL_NUMBERS if NUMBER in kinds else ())


# ------------------------------------------------------------ factor -> rules
@dataclass(frozen=True)
class _PairRule:
    """A two-way table without a default whose listed pairs are not a full rectangle."""

    columns: tuple[str, str]
    allowed: tuple[tuple[Any, _Accepts], ...]  # (value set of column a, the b values allowed with it)


def _interaction_sides(factor: InteractionFactor) -> tuple[list[_Accepts], _PairRule | None]:
    cuts = (factor.cut_points_a, factor.cut_points_b)
    if factor.default is not None:
        sides = [_Accepts(numbers=_FINITE) if cuts[i] is not None else _of_kinds(factor._kinds[i]) for i in (0, 1)]
        return sides, None
    bands = [None if c is None else dict(zip(factor._labels[i], _bands(c), strict=True)) for i, c in enumerate(cuts)]

    def side_value(i: int, level: Any) -> tuple[Any, _Accepts] | None:
        if bands[i] is not None:
            interval = bands[i][str(level)]
            return ("band", interval), _Accepts(numbers=(interval,))
        pair = _json_level(level)
        return None if pair is None else (pair[0], _Accepts((pair,)))

    cells: dict[Any, tuple[_Accepts, dict[Any, _Accepts]]] = {}
    seen_b: dict[Any, _Accepts] = {}
    for a, b, _ in factor.cells:
        side_a, side_b = side_value(0, a), side_value(1, b)
        if side_a is None or side_b is None:
            continue  # a level no JSON value can take
        cells.setdefault(side_a[0], (side_a[1], {}))[1][side_b[0]] = side_b[1]
        seen_b[side_b[0]] = side_b[1]
    sides = [_union([a for a, _ in cells.values()]), _union(list(seen_b.values()))]
    full = all(len(row) == len(seen_b) for _, row in cells.values())
    rule = None if full else _PairRule(
        factor.columns, tuple((a, _union(list(row.values()))) for a, row in cells.values()))  # fmt: skip
    return sides, rule


def _union(sets: list[_Accepts]) -> _Accepts:
    """Union of level sets and of band intervals (what a side of a complete-table factor takes)."""
    levels = {k: v for s in sets for k, v in s.levels}
    return _Accepts(tuple(levels.items()), numbers=_merged([i for s in sets for i in s.numbers]))


def _factor_rules(factor: Any) -> tuple[dict[str, _Accepts], _PairRule | None]:
    if isinstance(factor, CategoricalFactor):
        return {factor.column: _levels(factor.levels)}, None
    if isinstance(factor, BandFactor):
        low = -MAX_DOUBLE if factor.lower is None else factor.lower
        high = MAX_DOUBLE if factor.upper is None else factor.upper
        return {factor.column: _Accepts(numbers=(_Interval(low, False, high, False),))}, None
    if isinstance(factor, BonusMalusFactor):
        levels = factor.levels
        return {factor.column: _Accepts(numbers=(_Interval(levels[0], False, levels[-1], False),), integer=True)}, None
    if isinstance(factor, BoundedCoefficient):
        return {factor.column: _Accepts(numbers=(_Interval(0, True, MAX_DOUBLE, False),))}, None
    if isinstance(factor, InteractionFactor):
        sides, rule = _interaction_sides(factor)
        if factor.column_a == factor.column_b:
            return {factor.column_a: sides[0] & sides[1]}, rule
        return dict(zip(factor.columns, sides, strict=True)), rule
    raise PlanError(f"factor {getattr(factor, 'name', factor)!r}: no request schema for kind "
                    f"{getattr(factor, 'kind', type(factor).__name__)!r}")  # fmt: skip


@dataclass(frozen=True)
class _PlanRules:
    columns: tuple[str, ...]
    column_set: frozenset[str]
    accepts: dict[str, _Accepts]
    readers: dict[str, str]
    pairs: tuple[_PairRule, ...]
    #: Two-way tables without a default, by their columns: (factor name, the values each side takes).
    tables: dict[tuple[str, str], list[tuple[str, tuple[_Accepts, _Accepts]]]]
    #: A value each column accepts (None if none): stands for a missing field so its partners are still judged.
    placeholders: dict[str, Any]


_RULES: dict[str, _PlanRules] = {}
_RULES_KEPT = 256
_RULES_LOCK = threading.Lock()


def _rules(plan: RatingPlan) -> _PlanRules:
    """The plan's rules, computed once per plan content (its id)."""
    found = _RULES.get(plan.plan_id)
    if found is not None:
        return found
    accepts: dict[str, _Accepts] = {}
    readers: dict[str, dict[str, list[str]]] = {}
    pairs: list[_PairRule] = []
    tables: dict[tuple[str, str], list[tuple[str, tuple[_Accepts, _Accepts]]]] = {}
    done: dict[int, tuple[dict[str, _Accepts], _PairRule | None]] = {}
    for coverage in plan.coverages:
        for factor in coverage.factors:
            if id(factor) not in done:
                done[id(factor)] = _factor_rules(factor)
                if done[id(factor)][1] is not None:
                    pairs.append(done[id(factor)][1])
                if isinstance(factor, InteractionFactor) and factor.default is None:
                    sides = tuple(_interaction_sides(factor)[0])
                    tables.setdefault(factor.columns, []).append((factor.name, sides))  # type: ignore[arg-type]
            for column, accepted in done[id(factor)][0].items():
                accepts[column] = accepts[column] & accepted if column in accepts else accepted
                readers.setdefault(column, {}).setdefault(f"{factor.name!r} ({factor.kind})", []).append(coverage.name)
    columns = tuple(plan.columns)
    text = {c: "read by " + "; ".join(f"{f} in {', '.join(dict.fromkeys(cov))}" for f, cov in readers[c].items())
            for c in columns}  # fmt: skip
    placeholders = {c: _placeholder(accepts[c]) for c in columns}
    rules = _PlanRules(columns, frozenset(columns), accepts, text, tuple(pairs), tables, placeholders)
    with _RULES_LOCK:  # the service's threads share the cache
        if len(_RULES) >= _RULES_KEPT:
            _RULES.pop(next(iter(_RULES)))
        _RULES[plan.plan_id] = rules
    return rules


def _placeholder(accepts: _Accepts) -> Any:
    """Some value of the set (None when it is empty)."""
    if accepts.levels:
        return accepts.levels[0][1]
    if accepts.text:
        return "x"
    if accepts.boolean:
        return True
    for i in accepts.numbers:
        low = max(i.low, -MAX_DOUBLE)
        high = min(i.high, MAX_DOUBLE)
        for x in (math.ceil(low), math.floor(high), low, high, low / 2 + high / 2):
            if i.contains(x) and (not accepts.integer or x == math.floor(x)):
                return x
    return None


def _describe(accepts: _Accepts) -> str:
    """The set in words, for an ``expected``."""
    parts = [f"one of {levels_text([v for _, v in accepts.levels])}"] if accepts.levels else []
    parts += ["a non-blank string"] * accepts.text + ["a boolean"] * accepts.boolean
    for i in accepts.numbers:
        ends = ("(" if i.low_open else "[") + f"{i.low:g}, {i.high:g}" + (")" if i.high_open else "]")
        parts.append(f"{'an integer' if accepts.integer else 'a number'} in {ends}")
    return " or ".join(parts) or "nothing (no value is accepted)"


# ------------------------------------------------------------------ rendering
def _interval_schema(interval: _Interval, integer: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer" if integer else "number"}
    if interval.low != -math.inf:
        out["exclusiveMinimum" if interval.low_open else "minimum"] = _plain_number(interval.low)
    if interval.high != math.inf:
        out["exclusiveMaximum" if interval.high_open else "maximum"] = _plain_number(interval.high)
    return out


def _plain_number(x: Any) -> int | float:
    return int(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) else float(x)


def _render(accepts: _Accepts) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if accepts.levels:
        parts.append({"enum": [v for _, v in accepts.levels]})
    if accepts.text:
        parts.append({"type": "string", "pattern": NON_BLANK})
    if accepts.boolean:
        parts.append({"type": "boolean"})
    parts += [_interval_schema(i, accepts.integer) for i in accepts.numbers]
    if not parts:
        return {"not": {}}
    return parts[0] if len(parts) == 1 else {"anyOf": parts}


def _pair_schema(rule: _PairRule) -> list[dict[str, Any]]:
    a, b = rule.columns
    out = []
    for when, allowed in rule.allowed:
        condition = _render(when)
        if len(when.levels) == 1 and not when.numbers:
            condition = {"const": when.levels[0][1]}
        out.append({"if": {"properties": {a: condition}, "required": [a]},
                    "then": {"properties": {b: _render(allowed)}}})  # fmt: skip
    return out


def _check_extra(extra: str) -> None:
    if extra not in _EXTRA_OPTIONS:
        raise ParameterError(f"extra must be one of {_EXTRA_OPTIONS}, got {extra!r}")


def _policy_body(plan: RatingPlan, extra: Extra) -> dict[str, Any]:
    _check_extra(extra)
    rules = _rules(plan)
    properties = {c: {**_render(rules.accepts[c]), "description": rules.readers[c]} for c in rules.columns}
    out: dict[str, Any] = {
        "title": f"Policy rated by {plan.name} v{plan.version}",
        "description": f"The attributes plan {plan.name!r} version {plan.version} (id {plan.plan_id}) reads.",
        "type": "object",
        "properties": properties,
        "required": list(rules.columns),
    }
    if extra == "refuse":
        out["additionalProperties"] = False
    checks = [check for rule in rules.pairs for check in _pair_schema(rule)]
    if checks:
        out["allOf"] = checks
    return out


def policy_schema(plan: RatingPlan, *, extra: Extra = "refuse") -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the policy object ``plan`` rates.

    Parameters
    ----------
    plan : RatingPlan
    extra : {"refuse", "ignore"}
        Whether a field the plan does not read makes the policy invalid
        (``additionalProperties: false``) or is let through.

    Returns
    -------
    dict
        Plain JSON data: one required property per column the plan reads, each
        the set of values every factor reading it accepts (see the module
        docstring), with a description naming those factors and coverages.

    Examples
    --------
    >>> from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> age = BandFactor("age", "driver_age", (25.0,), (1.5, 1.0), lower=18, upper=99)
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region, age)),))
    >>> schema = policy_schema(plan)
    >>> schema["properties"]["region"]["enum"], schema["required"], schema["additionalProperties"]
    (['north', 'south'], ['region', 'driver_age'], False)
    >>> {k: v for k, v in schema["properties"]["driver_age"].items() if k != "description"}
    {'type': 'number', 'minimum': 18, 'maximum': 99}
    """
    return {"$schema": DIALECT, **_policy_body(plan, extra)}


def _request_properties(plan: RatingPlan) -> dict[str, Any]:
    window = f"[{plan.effective_from or 'open'}, {plan.effective_to or 'open'})"
    return {
        "plan": {"const": plan.name, "description": "The plan's name (may be left out when one plan is served)."},
        "version": {"const": plan.version,
                    "description": "The plan's version (left out: the version in force on quote_date)."},
        "quote_date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                       "description": f"YYYY-MM-DD (default: today, UTC); this version is in force on {window}."},
    }  # fmt: skip


def _request(plan: RatingPlan, title: str, key: str, value: dict[str, Any], extra_properties: dict[str, Any]) -> dict:
    return {
        "title": title,
        "type": "object",
        "properties": {**_request_properties(plan), **extra_properties, key: value},
        "required": [key],
        "additionalProperties": False,
    }


def quote_request_schema(plan: RatingPlan, *, extra: Extra = "refuse") -> dict[str, Any]:
    """JSON Schema of the whole ``POST /quote`` body for ``plan``.

    ``{"plan": <name>, "version": <version>, "quote_date": "YYYY-MM-DD", "policy": {...}}``:
    ``policy`` required (:func:`policy_schema`), the others optional, no other key.

    Parameters
    ----------
    plan : RatingPlan
        The plan whose policy the body carries.
    extra : {"refuse", "ignore"}
        Whether a policy field the plan does not read makes the body invalid
        (as in :func:`policy_schema`).

    Returns
    -------
    dict
        Plain JSON data, a draft 2020-12 schema with ``$schema`` set.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> schema = quote_request_schema(plan)
    >>> sorted(schema["properties"]), schema["required"], schema["properties"]["plan"]["const"]
    (['plan', 'policy', 'quote_date', 'version'], ['policy'], 'demo')
    """
    body = _request(plan, f"Quote request for {plan.name} v{plan.version}", "policy", _policy_body(plan, extra), {})
    return {"$schema": DIALECT, **body}


def batch_request_schema(plan: RatingPlan, *, extra: Extra = "refuse", max_policies: int | None = None) -> dict:
    """JSON Schema of a JSON ``POST /quotes`` body for ``plan``.

    ``{"plan", "version", "quote_date", "breakdown": bool, "policies": [policy, ...]}``, ``policies``
    required. Rows are rated with ``errors="flag"``: a policy that breaks the
    schema is flagged in the answer, not refused with the batch.

    Parameters
    ----------
    plan : RatingPlan
        The plan whose policies the body carries.
    extra : {"refuse", "ignore"}
        Whether a policy field the plan does not read makes a policy invalid
        (as in :func:`policy_schema`).
    max_policies : int, optional
        The most policies one body may carry (``maxItems``); default: no limit.

    Returns
    -------
    dict
        Plain JSON data, a draft 2020-12 schema with ``$schema`` set.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> policies = batch_request_schema(plan, max_policies=10_000)["properties"]["policies"]
    >>> policies["type"], policies["maxItems"], policies["items"]["properties"]["region"]["enum"]
    ('array', 10000, ['north', 'south'])
    """
    policies: dict[str, Any] = {"type": "array", "items": _policy_body(plan, extra)}
    if max_policies is not None:
        policies["maxItems"] = int(max_policies)
    breakdown = {"breakdown": {"type": "boolean", "description": "Include each factor's relativity (default true)."}}
    body = _request(plan, f"Batch quote request for {plan.name} v{plan.version}", "policies", policies, breakdown)
    return {"$schema": DIALECT, **body}


def component_names(plan: RatingPlan) -> tuple[str, str]:
    """``("Policy_<slug>_v<version>", "QuoteRequest_<slug>_v<version>")``: the plan's OpenAPI component names.

    The name is lower-cased and every run of other characters than letters and
    digits becomes ``_``; the version keeps letters, digits, ``.`` and ``-``.

    Parameters
    ----------
    plan : RatingPlan
        The plan to name.

    Returns
    -------
    tuple of str
        The names of the policy's and of the ``/quote`` body's components.

    Examples
    --------
    >>> from autorisk.rating import Coverage, RatingPlan
    >>> component_names(RatingPlan("China motor (2026)", "1.2", (Coverage("tpl", 500.0),)))
    ('Policy_china_motor_2026_v1.2', 'QuoteRequest_china_motor_2026_v1.2')
    """
    slug = re.sub(r"[^a-z0-9]+", "_", plan.name.lower()).strip("_") or "plan"
    version = re.sub(r"[^A-Za-z0-9.\-]+", "_", plan.version) or "_"
    return f"Policy_{slug}_v{version}", f"QuoteRequest_{slug}_v{version}"


def openapi_components(plans: Iterable[RatingPlan], *, extra: Extra = "refuse") -> dict[str, dict[str, Any]]:
    """Schemas for OpenAPI ``components/schemas``: each plan's policy and its ``/quote`` body.

    The request refers to its policy by ``$ref`` (``#/components/schemas/Policy_...``).
    A plan given twice is listed once; two different plans whose names and
    versions give the same component names are refused (PlanError).

    Parameters
    ----------
    plans : iterable of RatingPlan
        The plans served.
    extra : {"refuse", "ignore"}
        Whether a policy field the plan does not read makes a policy invalid
        (as in :func:`policy_schema`).

    Returns
    -------
    dict
        Component name -> schema (plain JSON data, without ``$schema``).

    Raises
    ------
    PlanError
        Two different plans share a component name.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> components = openapi_components([plan])
    >>> sorted(components), components["QuoteRequest_demo_v1"]["properties"]["policy"]
    (['Policy_demo_v1', 'QuoteRequest_demo_v1'], {'$ref': '#/components/schemas/Policy_demo_v1'})
    """
    out: dict[str, dict[str, Any]] = {}
    owners: dict[str, RatingPlan] = {}
    for plan in plans:
        policy_name, request_name = component_names(plan)
        owner = owners.get(policy_name)
        if owner is not None:
            if owner.plan_id == plan.plan_id:
                continue
            raise PlanError(f"plans {owner.name!r} v{owner.version} and {plan.name!r} v{plan.version} share the "
                            f"OpenAPI component name {policy_name!r}: rename one")  # fmt: skip
        owners[policy_name] = plan
        out[policy_name] = _policy_body(plan, extra)
        ref = {"$ref": f"#/components/schemas/{policy_name}"}
        out[request_name] = _request(plan, f"Quote request for {plan.name} v{plan.version}", "policy", ref, {})
    return out


# -------------------------------------------------------------------- problems
def _entry(field: Any, value: Any, rule: str, expected: str) -> dict[str, Any]:
    return {"field": field, "value": _json_value(value), "rule": rule, "expected": expected}


def _json_value(value: Any) -> Any:
    """The value as plain JSON data (a non-finite float as its text, anything unknown as its repr)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, numbers.Real):
        return _json_value(float(value))
    return repr(value)


def field_problems(plan: RatingPlan, policy: Mapping[str, Any], *, extra: Extra = "refuse") -> list[dict[str, Any]]:
    """Missing fields and (``extra="refuse"``) extra fields of a policy: the fast check of every request.

    Parameters
    ----------
    plan : RatingPlan
    policy : mapping
        The request's policy object (anything else gives one ``"not an object"`` entry).
    extra : {"refuse", "ignore"}

    Returns
    -------
    list of dict
        ``{"field", "value", "rule", "expected"}`` per problem: the missing
        fields in the plan's column order (value None), then the extra ones in
        the policy's order (with their value). Empty when the fields are right.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> for entry in field_problems(plan, {"regoin": "north"}):
    ...     print(entry)
    {'field': 'region', 'value': None, 'rule': 'missing field', 'expected': "a value: read by 'region' (categorical) in tpl"}
    {'field': 'regoin', 'value': 'north', 'rule': 'extra field', 'expected': "only the fields the plan reads: ['region']"}
    """
    _check_extra(extra)
    rules = _rules(plan)
    if not isinstance(policy, Mapping):
        return [_entry("policy", policy, NOT_AN_OBJECT, f"a JSON object of the fields the plan reads: {list(rules.columns)}")]
    keys = policy.keys()
    out = []
    if not rules.column_set <= keys:
        out = [_entry(c, None, MISSING_FIELD, f"a value: {rules.readers[c]}") for c in rules.columns if c not in keys]
    if extra == "refuse" and not keys <= rules.column_set:
        expected = f"only the fields the plan reads: {list(rules.columns)}"
        out += [_entry(k, policy[k], EXTRA_FIELD, expected) for k in keys if k not in rules.column_set]
    return out


def policy_problems(
    plan: RatingPlan, policy: Any, *, extra: Extra = "refuse", as_of: Any = None
) -> list[dict[str, Any]]:
    """Every problem of a policy, one entry each: the 422 answer when a quote failed.

    :func:`field_problems`, then what the plan's quoting refuses among the
    fields present: the policy is quoted as a one-row table with
    ``errors="raise"`` and each :class:`~autorisk.errors.DataIssue` becomes an
    entry (a two-way table's pair: ``field`` ``"a, b"``, ``value`` the pair).
    Never raises for the policy's content.

    Parameters
    ----------
    plan : RatingPlan
    policy : any
        The request's policy (a non-object gives one ``"not an object"`` entry).
    extra : {"refuse", "ignore"}
    as_of : date or str, optional
        The quote date: a plan not in force on it is one entry (field ``"quote_date"``).

    Returns
    -------
    list of dict
        ``{"field", "value", "rule", "expected"}`` with plain JSON values; empty
        when ``plan.quote_one(policy, as_of=as_of)`` prices the policy.

    Examples
    --------
    >>> from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> age = BandFactor("age", "driver_age", (25.0,), (1.5, 1.0), lower=18, upper=99)
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region, age)),))
    >>> for entry in policy_problems(plan, {"region": "North", "driver_age": True}):
    ...     print(entry["field"], repr(entry["value"]), "|", entry["rule"], "|", entry["expected"])
    region 'North' | unknown level | one of ['north', 'south']
    driver_age True | a boolean, not a number | a finite number
    >>> policy_problems(plan, {"region": "north", "driver_age": 18})
    []
    """
    _check_extra(extra)
    found = field_problems(plan, policy, extra=extra)
    if not isinstance(policy, Mapping):
        return found
    rules = _rules(plan)
    if as_of is not None:
        found += _date_problems(plan, as_of)
    missing = {e["field"] for e in found if e["rule"] == MISSING_FIELD}
    if len(missing) == len(rules.columns):
        return found
    # A missing field reads a value it accepts, so that the fields read with it are still judged.
    table = pd.DataFrame({c: _object_column(policy[c] if c in policy else rules.placeholders[c])
                          for c in rules.columns})  # fmt: skip
    try:
        with np.errstate(all="ignore"):  # an overflowing premium is reported below, not warned about
            plan.quote(table, errors="raise")
    except QuoteError as error:
        if not error.issues:
            found.append(_entry(None, None, "cannot be quoted", str(error)))
        for issue in error.issues:
            fields = [issue.column] if issue.column in rules.column_set else issue.column.split(", ")
            if not set(fields) <= rules.column_set:
                found.append(_entry(issue.column, issue.values[0] if issue.values else None, issue.rule,
                                    issue.expected))  # fmt: skip
            elif len(fields) == 2:
                # A pair no table lists: on the pair only when each value is listed with some other.
                if not missing.intersection(fields) and not _off_table(rules, policy, fields, missing):
                    found.append(_entry(issue.column, [policy[f] for f in fields], issue.rule, issue.expected))
            elif fields[0] not in missing:
                expected = issue.expected.replace(_PANDAS_HINT, _JSON_HINT) if _PANDAS_HINT else issue.expected
                found.append(_entry(fields[0], policy[fields[0]], issue.rule, expected))
    # A value no pair of a table lists is a problem whatever the other field holds (even when the
    # other is missing or bad, and the quote could not judge the pair).
    named = {e["field"] for e in found}
    for name, column, side in _off_table(rules, policy, rules.columns, missing):
        if column not in named:
            named.add(column)
            found.append(_entry(column, policy[column], "not in table",
                                f"{_describe(side)} (a level of the two-way table {name!r})"))  # fmt: skip
    return found


def _off_table(rules: _PlanRules, policy: Mapping[str, Any], fields: Iterable[str],
               missing: set[str]) -> list[tuple[str, str, _Accepts]]:  # fmt: skip
    """``(table, field, the values the table lists for it)`` of each present field no pair of a table lists."""
    fields = set(fields)
    out = []
    for columns, tables in rules.tables.items():
        for name, sides in tables:
            for column, side in zip(columns, sides, strict=True):
                if column in fields and column not in missing:
                    key = level_key(policy[column])
                    if key is None or not side.contains(key, policy[column]):
                        out.append((name, column, side))
    return out


def _object_column(value: Any) -> pd.Series:
    """One value as a one-row object column, kept as it is (a list stays one list, True stays a bool)."""
    array = np.empty(1, dtype=object)
    array[0] = value
    return pd.Series(array, dtype=object)


def _date_problems(plan: RatingPlan, as_of: Any) -> list[dict[str, Any]]:
    window = f"a date in [{plan.effective_from or 'open'}, {plan.effective_to or 'open'})"
    try:
        in_force = plan.is_effective(as_of)
    except (TypeError, ValueError, OverflowError):
        return [_entry("quote_date", str(as_of), NOT_A_DATE, "a date YYYY-MM-DD")]
    return [] if in_force else [_entry("quote_date", str(as_of), NOT_IN_FORCE, window)]


__all__ = [
    "DIALECT",
    "EXTRA_FIELD",
    "MAX_DOUBLE",
    "MISSING_FIELD",
    "NOT_AN_OBJECT",
    "batch_request_schema",
    "component_names",
    "field_problems",
    "openapi_components",
    "policy_problems",
    "policy_schema",
    "quote_request_schema",
]
