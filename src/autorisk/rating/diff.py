"""What changed between two rating plans, as an actuary files it with a rate change.

:func:`diff_plans` compares two plans item by item and returns a
:class:`PlanDiff`: a tidy table with one row per change, readable text
grouped by coverage, an HTML table in Jupyter, and optionally the premium
impact on a book of policies.

Items are named as in :mod:`autorisk.rating.export`: plan-level ``name``,
``version``, ``effective_from``, ``effective_to``, ``prohibited_columns``
(level: the column), ``bound:<target>`` (level: ``lower`` / ``upper`` /
``source``), ``coverage`` (level: its name) and ``coverage_order``; per
coverage ``base_rate``, ``loading:<name>``, ``fee:<name>``, ``tax:<name>``,
``min_premium``, ``max_premium``, ``rounding``, ``factor_order``, each factor
by name (the row of the factor itself has level None and its kind as value;
its table rows have the level) and its settings as ``<factor>.<setting>``
(``columns``, ``cut_points``, ``closed``, ``lower``, ``upper``, ``default``,
``scale``, ``source``).

A factor whose kind changes, or a band factor whose cut points or closed side
change, is reported as its whole old table removed and its whole new table
added: levels of different cuts are not comparable. An added (removed)
coverage or factor lists everything in it as added (removed).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from autorisk.rating.coverage import Coverage
from autorisk.rating.export import (
    bound_items,
    coverage_items,
    factor_attributes,
    factor_levels,
    level_text,
)
from autorisk.rating.factors import Factor
from autorisk.rating.plan import RatingPlan

__all__ = ["DIFF_COLUMNS", "PlanDiff", "diff_plans"]

#: Columns of :attr:`PlanDiff.table`.
DIFF_COLUMNS = ("coverage", "item", "level", "old", "new", "change", "what")

#: Longest text value shown in full by ``str(diff)`` (the table keeps every value whole).
_WIDTH = 60

#: Settings of a band factor that redraw its bands: its tables are then not compared level by level.
_RECUT = ("cut_points", "closed")

Key = tuple[str, Hashable]  # (item, level); level None for a scalar
Items = dict[Key, Any]


class PlanDiff:
    """The differences between two rating plans (from :func:`diff_plans`).

    Attributes
    ----------
    old, new : RatingPlan
        The plans compared.
    table : DataFrame
        One row per change, columns ``coverage`` (None for plan-level rows),
        ``item``, ``level`` (text; None for a scalar), ``old``, ``new`` (None
        when absent), ``change`` (``new / old - 1`` when both are numbers and
        ``old != 0``, else NaN) and ``what``: ``"changed"``, ``"added"``,
        ``"removed"``, ``"overridden"`` (the new plan marks the level as set by
        hand and the old did not, whether or not the value moved) or
        ``"override dropped"`` (same value, no longer marked).

    ``bool(diff)`` is False and ``str(diff)`` says "no differences" when the
    plans have the same tables and settings; ``len(diff)`` is the number of
    rows. ``str(diff)`` shows numbers to 15 significant digits and cuts text
    longer than 60 characters; the table keeps every value exact and whole.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> diff = diff_plans(plan, plan.override("tpl", "region", {"south": 1.32}))
    >>> len(diff), diff.table.loc[0, ["item", "level", "old", "new", "what"]].tolist()
    (1, ['region', 'south', 1.2, 1.32, 'overridden'])
    >>> round(float(diff.table.loc[0, "change"]), 6)
    0.1
    >>> bool(diff_plans(plan, plan)), str(diff_plans(plan, plan)).endswith("no differences")
    (False, True)
    """

    def __init__(self, old: RatingPlan, new: RatingPlan, table: pd.DataFrame):
        self.old = old
        self.new = new
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __bool__(self) -> bool:
        return len(self.table) > 0

    @property
    def header(self) -> str:
        """``plan 'name' v1 (id…) -> v2 (id…)``; the new name is repeated only if it changed."""
        renamed = f"{self.new.name!r} " if self.new.name != self.old.name else ""
        return (f"plan {self.old.name!r} v{self.old.version} ({self.old.plan_id[:8]}…) -> "
                f"{renamed}v{self.new.version} ({self.new.plan_id[:8]}…)")  # fmt: skip

    def __str__(self) -> str:
        if not self:
            return f"{self.header}: no differences"
        lines, coverage = [self.header], None
        for row in self.table.itertuples(index=False):  # rows come grouped by coverage
            if row.coverage != coverage:
                coverage = row.coverage
                lines.append(f"coverage {coverage}:")
            lines.append(f"  {_line(row)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        title = f"<h4>{_escape(self.header)}</h4>"
        if not self:
            return title + "<p>no differences</p>"
        shown = self.table.astype(object).map(_text)
        shown["change"] = [_percent(c) for c in self.table["change"]]
        return title + shown.to_html(index=False)

    def premium_impact(self, policies: pd.DataFrame) -> pd.DataFrame:
        """Total premium per coverage under the old and the new plan on a book of policies.

        Parameters
        ----------
        policies : DataFrame
            Every column either plan reads (quoted with ``errors="raise"``).

        Returns
        -------
        DataFrame
            Indexed by coverage (the new plan's, then removed ones) and
            ``"total"``; columns ``old``, ``new`` (NaN where a plan lacks the
            coverage) and ``change`` (``new / old - 1``).

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
        >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
        >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
        >>> diff = diff_plans(plan, plan.override("tpl", "region", {"south": 1.32}))
        >>> diff.premium_impact(pd.DataFrame({"region": ["north", "south"]}))
                     old     new  change
        coverage
        tpl       1100.0  1160.0  0.054545
        total     1100.0  1160.0  0.054545
        """
        quotes = self.old.quote(policies), self.new.quote(policies)
        names = _merged([c.name for c in self.new.coverages], [c.name for c in self.old.coverages])
        totals = {
            name: [q[f"premium_{name}"].sum() if f"premium_{name}" in q else np.nan for q in quotes] for name in names
        }
        totals["total"] = [q["premium_total"].sum() for q in quotes]
        impact = pd.DataFrame.from_dict(totals, orient="index", columns=["old", "new"])
        impact["change"] = impact["new"] / impact["old"] - 1
        impact.index.name = "coverage"
        return impact


def diff_plans(old: RatingPlan, new: RatingPlan) -> PlanDiff:
    """The differences between two rating plans, one row per change.

    Parameters
    ----------
    old, new : RatingPlan
        Typically the plan in force and the proposed one.

    Returns
    -------
    PlanDiff
        Its ``table`` lists plan-level changes first, then each coverage's
        (new plan's order, removed coverages last). Reordering loadings, fees,
        taxes, prohibited columns or bounds is not reported; reordering
        coverages or factors is.

    Examples
    --------
    >>> import dataclasses
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("Beijing", "Shanghai"), (1.2, 1.0))
    >>> old = RatingPlan("motor", "1", (Coverage("tpl", 500.0, (region,), fees={"policy": 10.0}),))
    >>> new = dataclasses.replace(old.override("tpl", "region", {"Beijing": 1.25}), version="2")
    >>> diff = diff_plans(old, new)
    >>> print(diff)
    plan 'motor' v1 (...…) -> v2 (...…)
      version: 1 -> 2
    coverage tpl:
      tpl.region[Beijing]: 1.2 -> 1.25 (+4.2%) overridden
    >>> diff.table[["coverage", "item", "level", "old", "new", "what"]]
      coverage     item    level   old   new        what
    0     None  version     None     1     2     changed
    1      tpl   region  Beijing   1.2  1.25  overridden
    >>> bool(diff_plans(old, old)), len(diff)
    (False, 2)
    """
    rows: list[tuple[Any, ...]] = []
    _compare(rows, None, _plan_items(old), _plan_items(new))
    _order(rows, None, "coverage_order", [c.name for c in old.coverages], [c.name for c in new.coverages])
    olds = {c.name: c for c in old.coverages}
    news = {c.name: c for c in new.coverages}
    for name in _merged(list(news), list(olds)):
        _compare_coverages(rows, name, olds.get(name), news.get(name))
    table = pd.DataFrame(rows, columns=list(DIFF_COLUMNS), dtype=object)
    table["change"] = table["change"].astype(float)
    table["what"] = table["what"].astype(str)
    table["item"] = table["item"].astype(str)
    return PlanDiff(old, new, table)


# ----------------------------------------------------------------- private


def _plan_items(plan: RatingPlan) -> Items:
    items: Items = {(name, None): getattr(plan, name) for name in ("name", "version", "effective_from", "effective_to")}
    items.update({("prohibited_columns", column): None for column in plan.prohibited_columns})
    items.update({(key, field): value for key, field, value in bound_items(plan.bounds)})
    items.update({("coverage", c.name): None for c in plan.coverages})
    return _present(items)


def _compare_coverages(rows: list[tuple[Any, ...]], name: str, old: Coverage | None, new: Coverage | None) -> None:
    def scalars(c: Coverage | None) -> Items:
        return _present({(item, None): value for item, value in coverage_items(c)}) if c else {}

    _compare(rows, name, scalars(old), scalars(new))
    old_factors = {f.name: f for f in old.factors} if old else {}
    new_factors = {f.name: f for f in new.factors} if new else {}
    _order(rows, name, "factor_order", list(old_factors), list(new_factors))
    for factor in _merged(list(new_factors), list(old_factors)):
        _compare_factors(rows, name, old_factors.get(factor), new_factors.get(factor))


def _compare_factors(rows: list[tuple[Any, ...]], coverage: str, old: Factor | None, new: Factor | None) -> None:
    name = (new if new is not None else old).name  # type: ignore[union-attr]

    def head(f: Factor | None) -> Items:
        if f is None:
            return {}
        return {(name, None): f.kind, **_present({(f"{name}.{a}", None): v for a, v in factor_attributes(f)})}

    def levels(f: Factor | None) -> tuple[Items, set[Key]]:
        table = factor_levels(f) if f is not None else []
        return {(name, level): value for level, value, _ in table}, {(name, lv) for lv, _, flag in table if flag}

    _compare(rows, coverage, head(old), head(new))
    (old_levels, old_marked), (new_levels, new_marked) = levels(old), levels(new)
    comparable = old is not None and new is not None and old.kind == new.kind and all(
        getattr(old, a, None) == getattr(new, a, None) for a in _RECUT
    )
    if comparable:
        _compare(rows, coverage, old_levels, new_levels, old_marked, new_marked)
    else:  # the old table goes, the new one comes
        _compare(rows, coverage, old_levels, {}, old_marked, set())
        _compare(rows, coverage, {}, new_levels, set(), new_marked)


def _compare(rows: list[tuple[Any, ...]], coverage: str | None, old: Items, new: Items,
             old_marked: Collection[Key] = (), new_marked: Collection[Key] = ()) -> None:  # fmt: skip
    """Append a row for each key whose value or overridden mark differs; ``marked`` keys were set by hand."""
    for key in _merged(list(new), list(old)):
        before, after = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if key in new_marked and key not in old_marked:
            what = "overridden"
        elif before is _ABSENT:
            what = "added"
        elif after is _ABSENT:
            what = "removed"
        elif not _same(before, after):
            what = "changed"
        elif key in old_marked and key not in new_marked:
            what = "override dropped"
        else:
            continue
        item, level = key
        before = None if before is _ABSENT else before
        after = None if after is _ABSENT else after
        text = level if level is None or isinstance(level, str) else level_text(level)
        rows.append((coverage, item, text, before, after, _change(before, after), what))


def _order(rows: list[tuple[Any, ...]], coverage: str | None, item: str, old: list[str], new: list[str]) -> None:
    """A row when the names both lists share come in a different order."""
    common = set(old) & set(new)
    before, after = [n for n in old if n in common], [n for n in new if n in common]
    if before != after:
        rows.append((coverage, item, None, ", ".join(before), ", ".join(after), np.nan, "changed"))


_ABSENT: Any = object()  # a key one plan lacks (None is a value: an unset setting)
_SETS = ("prohibited_columns", "coverage")  # items that are members of a set: present with value None


def _present(items: Items) -> Items:
    """Drop unset values (None or empty text), keeping set members."""
    return {k: v for k, v in items.items() if (v is not None and v != "") or k[0] in _SETS}


def _merged(first: list[Any], second: Iterable[Any]) -> list[Any]:
    """``first``, then what only ``second`` has, each once, in order."""
    seen = set(first)
    return [*first, *(x for x in second if x not in seen)]


def _same(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _change(old: Any, new: Any) -> float:
    if _is_number(old) and _is_number(new) and old != 0:
        return float(new) / float(old) - 1
    return np.nan


def _text(value: Any, width: int | None = None) -> str:
    """A value for people: numbers to 15 significant digits, text cut to ``width`` characters."""
    if value is None:
        return ""
    if _is_number(value):
        return f"{float(value):.15g}"
    text = str(value)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _percent(change: float) -> str:
    return "" if math.isnan(change) else f"{change:+.1%}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _line(row: Any) -> str:
    label = row.item if row.coverage is None else f"{row.coverage}.{row.item}"
    if row.level is not None:
        label += f"[{row.level}]"
    if row.old is None and row.new is None:
        body = row.what if row.what in ("added", "removed") else ""
    elif row.old is None:
        body = f"added {_text(row.new, _WIDTH)}"
    elif row.new is None:
        body = f"removed {_text(row.old, _WIDTH)}"
    else:
        body = f"{_text(row.old, _WIDTH)} -> {_text(row.new, _WIDTH)}"
        if not math.isnan(row.change) and row.old != row.new:
            body += f" ({_percent(row.change)})"
    if row.what in ("overridden", "override dropped"):
        body += f" {row.what}"
    return f"{label}: {body}".rstrip()
