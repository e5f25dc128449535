"""Results of mid-term changes and cancellations: :class:`Adjustment` and :class:`Refund`."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.renewal._midterm_checks import _CENTS


@dataclass(frozen=True)
class Refund:
    """A cancellation: the premium paid split into earned and refunded.

    Attributes
    ----------
    premium_paid, earned, refund : float
        In currency units, whole cents; ``earned + refund == premium_paid`` in
        cents (:attr:`cents`).
    method : str
        ``"pro_rata"`` or the short-period table's name.
    start, end, cancelled : datetime.date
    days_in_force, days_in_term : int
        Days of ``[start, cancelled)`` and of ``[start, end)``.
    months_in_force, months_in_term : int or None
        Started months (short-period method only).

    Examples
    --------
    Cancelled after 90 of 365 days, pro rata: 1,000 x 90 / 365 = 246.58 earned.

    >>> from autorisk.renewal import cancellation_refund
    >>> refund = cancellation_refund(1000.0, start="2025-01-01", end="2026-01-01", cancelled="2025-04-01")
    >>> refund.earned, refund.refund, refund.cents, refund.days_in_force
    (246.58, 753.42, (100000, 24658, 75342), 90)

    Short period: 4 months started, 40% earned by the Chinese table.

    >>> short = cancellation_refund(1000.0, start="2025-01-01", end="2026-01-01", cancelled="2025-04-02",
    ...                             method="short_period")
    >>> short.earned, short.months_in_force, short.months_in_term
    (400.0, 4, 12)
    """

    premium_paid: float
    earned: float
    refund: float
    method: str
    start: dt.date
    end: dt.date
    cancelled: dt.date
    days_in_force: int
    days_in_term: int
    months_in_force: int | None = None
    months_in_term: int | None = None

    @property
    def cents(self) -> tuple[int, int, int]:
        """``(premium_paid, earned, refund)`` in whole cents: the first is the sum of the others."""
        return round(self.premium_paid * _CENTS), round(self.earned * _CENTS), round(self.refund * _CENTS)

    def _basis(self) -> str:
        if self.months_in_force is None:
            return f"pro rata, {self.days_in_force} of {self.days_in_term} days in force"
        return f"{self.method}, {self.months_in_force} of {self.months_in_term} months in force"

    def __repr__(self) -> str:
        return (f"Refund(paid {self.premium_paid:.2f} = earned {self.earned:.2f} + refund {self.refund:.2f}; "
                f"{self._basis()}; cancelled {self.cancelled} in [{self.start}, {self.end}))")  # fmt: skip

    def _repr_html_(self) -> str:
        table = pd.DataFrame({"amount": [self.premium_paid, self.earned, self.refund]},
                             index=["premium paid", "earned", "refund"])  # fmt: skip
        return (f"<h4>Cancellation on {self.cancelled} of [{self.start}, {self.end})</h4>"
                f"<p>{html.escape(self._basis())}</p>" + table.to_html(float_format="{:,.2f}".format))  # fmt: skip


@dataclass(frozen=True)
class Adjustment:
    """A mid-term change priced from the plan: both quotes and the charge for the rest of the term.

    Attributes
    ----------
    before, after : dict
        :meth:`~autorisk.rating.RatingPlan.quote_one` of the policy before and
        after the change.
    changes : dict
        Attribute -> ``(old value, new value)``.
    policy_after : dict
        The policy's attributes after the change (pass it to the next
        :func:`adjust`).
    start, end, effective : datetime.date
    days_remaining, days_in_term : int
        Days of ``[effective, end)`` and of ``[start, end)``.
    remaining_share : float
        ``days_remaining / days_in_term``.
    premium_before, premium_after : float
        ``premium_total`` of the two quotes (premiums of the whole term).
    charge : float
        ``(premium_after - premium_before) x remaining_share``, rounded half up
        (away from zero) to the cent; negative: a return premium.

    Examples
    --------
    A move from north (500) to south (600) for the last 92 days of the year:
    ``100 x 92 / 365 = 25.21``.

    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> from autorisk.renewal import adjust
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> moved = adjust(plan, {"region": "north"}, {"region": "south"},
    ...                start="2025-01-01", end="2026-01-01", effective="2025-10-01")
    >>> moved.changes, moved.policy_after
    ({'region': ('north', 'south')}, {'region': 'south'})
    >>> round(moved.remaining_share, 6), moved.charge
    (0.252055, 25.21)
    >>> moved.after["premium_total"]
    600.0
    """

    before: dict[str, Any]
    after: dict[str, Any]
    changes: dict[str, tuple[Any, Any]]
    policy_after: dict[str, Any]
    start: dt.date
    end: dt.date
    effective: dt.date
    days_remaining: int
    days_in_term: int
    remaining_share: float
    premium_before: float
    premium_after: float
    charge: float

    @property
    def breakdown(self) -> pd.DataFrame:
        """Every relativity and premium of the plan before and after: ``before``, ``after``, ``change``, ``ratio``."""
        items = [k for k in self.before if k != "plan_id" and not k.endswith(".clamped")]
        before = np.array([self.before[k] for k in items], dtype=float)
        after = np.array([self.after[k] for k in items], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = after / before
        return pd.DataFrame({"before": before, "after": after, "change": after - before, "ratio": ratio},
                            index=pd.Index(items, name="item"))  # fmt: skip

    @property
    def changed_factors(self) -> list[str]:
        """``<coverage>.<factor>`` whose relativity changed."""
        relativities = {k for k in self.before if "." in k and not k.endswith(".clamped")}
        return [k for k in self.before if k in relativities and self.after[k] != self.before[k]]

    def _summary(self) -> str:
        kind = "charge" if self.charge >= 0 else "return"
        return (f"premium {self.premium_before:,.2f} -> {self.premium_after:,.2f}; {kind} {abs(self.charge):,.2f} "
                f"for {self.days_remaining} of {self.days_in_term} days (share {self.remaining_share:.6f})")  # fmt: skip

    def __repr__(self) -> str:
        changes = ", ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in self.changes.items()) or "none"
        return (f"Adjustment effective {self.effective} of [{self.start}, {self.end}): {self._summary()}\n"
                f"  changes: {changes}\n  factors changed: {', '.join(self.changed_factors) or 'none'}")  # fmt: skip

    def _repr_html_(self) -> str:
        changes = pd.DataFrame([(k, repr(o), repr(n)) for k, (o, n) in self.changes.items()],
                               columns=["attribute", "before", "after"])  # fmt: skip
        return (f"<h4>Mid-term adjustment effective {self.effective} of [{self.start}, {self.end})</h4>"
                f"<p>{html.escape(self._summary())}</p>" + changes.to_html(index=False)
                + self.breakdown.to_html(float_format="{:,.6g}".format))  # fmt: skip


