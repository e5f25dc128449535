"""Regulatory bounds as data: ranges a plan's coefficients and loadings must respect.

A :class:`Bound` names its target:

* ``"<factor>"``: that factor in every coverage that has it, e.g.
  ``"autonomous"`` (a Chinese autonomous pricing coefficient in [0.65, 1.35]);
* ``"<coverage>.<factor>"``: that factor in one coverage;
* ``"loading"`` or ``"<coverage>.loading"``: the sum of the proportional
  loadings (e.g. the Chinese expense loading cap of 25%).

A plan checks its bounds when it is built (every table value, the clamp range
of a bounded coefficient, the loadings) and again at quote time (every applied
relativity), so neither a hand edit of the JSON nor a bad input slips through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autorisk.errors import PlanError


@dataclass(frozen=True)
class Bound:
    """``lower <= target <= upper`` (either end optional), with the rule's source.

    Examples
    --------
    >>> Bound("autonomous", 0.65, 1.35, "CBIRC 2020 reform").contains(1.4)
    False
    """

    target: str
    lower: float | None = None
    upper: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        ends = [e for e in (self.lower, self.upper) if e is not None]
        if not ends or any(not math.isfinite(e) for e in ends):
            raise PlanError(f"bound on {self.target!r}: needs a finite lower and/or upper end")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise PlanError(f"bound on {self.target!r}: lower {self.lower} exceeds upper {self.upper}")

    def contains(self, value: float) -> bool:
        return (self.lower is None or value >= self.lower) and (self.upper is None or value <= self.upper)

    @property
    def interval(self) -> str:
        return f"[{'-inf' if self.lower is None else self.lower}, {'inf' if self.upper is None else self.upper}]"

    def applies_to(self, coverage: str, item: str) -> bool:
        """Whether the bound targets ``item`` (a factor name or ``"loading"``) of ``coverage``."""
        return self.target in (item, f"{coverage}.{item}")

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "lower": self.lower, "upper": self.upper, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bound:
        return cls(data["target"], data.get("lower"), data.get("upper"), data.get("source", ""))


def check_plan_bounds(plan: Any) -> None:
    """Raise PlanError unless every bound targets something and every value it targets lies inside it."""
    for bound in plan.bounds:
        hits = 0
        for coverage in plan.coverages:
            if bound.applies_to(coverage.name, "loading"):
                hits += 1
                if not bound.contains(coverage.loading):
                    raise PlanError(f"plan {plan.name!r}: {coverage.name}.loading = {coverage.loading} breaks "
                                    f"bound {bound.interval} ({bound.source or 'no source given'})")  # fmt: skip
            for factor in coverage.factors:
                if not bound.applies_to(coverage.name, factor.name):
                    continue
                hits += 1
                values = list(factor.values)
                default = getattr(factor, "default", None)
                if default is not None:
                    values.append(default)
                outside = [v for v in values if not bound.contains(v)]
                if outside:
                    raise PlanError(f"plan {plan.name!r}: {coverage.name}.{factor.name} has relativities {outside} "
                                    f"outside bound {bound.interval} ({bound.source or 'no source given'})")  # fmt: skip
        if not hits:
            raise PlanError(f"plan {plan.name!r}: bound on {bound.target!r} matches no factor or loading")
