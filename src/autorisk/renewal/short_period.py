"""Short-period tables: the share of the annual premium earned by months in force."""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError

#: Format tag of a short-period table document.
TABLE_FORMAT = "autorisk.short_period_table/1"



@dataclass(frozen=True)
class ShortPeriodTable:
    """Share of the annual premium earned by months in force (a short-period rate table).

    Months in force are *started* months from the policy start: a policy
    cancelled 1 day or 1 month after its start has been in force 1 month, one
    cancelled 1 month and 1 day after it 2 months. Month ``m`` ends on the
    start's day of month ``m`` months later (or that month's last day: a
    policy starting on 31 January completes its first month on 28 or 29
    February).

    Parameters
    ----------
    shares : mapping of int to float, or sequence of float
        Share of the annual premium for 1, 2, ..., n months in force: in
        ``(0, 1]``, non-decreasing, the last one 1 (a full term earns the
        whole premium). A mapping needs every month from 1 to n.
    name, description, source, confidence : str
        What the table is and where it comes from.
    caveats : tuple of str
        What to check before using it.

    Examples
    --------
    >>> table = ShortPeriodTable.china()
    >>> table.months, table.share(3), table.share(9)
    (12, 0.3, 0.85)
    >>> ShortPeriodTable({1: 0.5, 2: 1.0}, name="two months").to_dict()["shares"]
    {'1': 0.5, '2': 1.0}
    """

    shares: tuple[float, ...] | Mapping[int, float]
    name: str = "short-period table"
    description: str = ""
    source: str = ""
    confidence: str = ""
    caveats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", _table_shares(self.shares))
        object.__setattr__(self, "caveats", tuple(self.caveats))

    @property
    def months(self) -> int:
        """Longest term the table covers, in months."""
        return len(self.shares)

    def share(self, months: int) -> float:
        """Share of the annual premium earned after ``months`` started months (0 for none)."""
        if not 0 <= months <= self.months:
            raise ParameterError(f"months must be in [0, {self.months}], got {months!r}")
        return 0.0 if months == 0 else self.shares[months - 1]

    @functools.cached_property
    def _ratios(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact share(m) / share(T) as integer numerator and denominator arrays indexed [m, T]."""
        exact = [Fraction(0), *(Fraction(str(s)) for s in self.shares)]  # the decimals as written
        ratios = [[exact[m] / exact[t] if t else Fraction(0) for t in range(self.months + 1)]
                  for m in range(self.months + 1)]  # fmt: skip
        num = [[r.numerator for r in row] for row in ratios]
        den = [[r.denominator for r in row] for row in ratios]
        try:
            return np.array(num, dtype=np.int64), np.array(den, dtype=np.int64)
        except OverflowError:  # shares with many digits (1/3 as a float): Python integers
            return np.array(num, dtype=object), np.array(den, dtype=object)

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame indexed by months in force."""
        months = pd.RangeIndex(1, self.months + 1, name="months_in_force")
        return pd.DataFrame({"share": self.shares}, index=months)

    def to_dict(self) -> dict[str, Any]:
        """The table as plain data (JSON keys are strings: ``{"1": 0.1, ...}``)."""
        return {"format": TABLE_FORMAT, "name": self.name, "description": self.description,
                "shares": {str(m): s for m, s in enumerate(self.shares, 1)}, "confidence": self.confidence,
                "source": self.source, "caveats": list(self.caveats)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShortPeriodTable:
        """Read :meth:`to_dict`'s layout; ``format`` is optional, other keys are refused."""
        keys = ("format", "name", "description", "shares", "confidence", "source", "caveats")
        unknown = sorted(set(data) - set(keys))
        if unknown:
            raise ParameterError(f"short-period table: unknown keys {unknown}; valid keys: {list(keys)}")
        if "shares" not in data:
            raise ParameterError("short-period table: no 'shares' (months -> share of the annual premium)")
        if data.get("format", TABLE_FORMAT) != TABLE_FORMAT:
            raise ParameterError(f"unsupported short-period table format {data['format']!r}; expected {TABLE_FORMAT!r}")
        return cls(**{k: v for k, v in data.items() if k != "format"})

    @classmethod
    def china(cls) -> ShortPeriodTable:
        """The commonly cited Chinese short-period monthly rate table, read from ``short_period.json``.

        Its confidence is *recalled*: check it against your filed clauses.
        Current commercial motor model clauses (2020) refund cancellations pro
        rata by days; see the table's ``caveats``.
        """
        return _china_table()

    def __repr__(self) -> str:
        shares = ", ".join(f"{m}: {s:g}" for m, s in enumerate(self.shares, 1))
        return f"ShortPeriodTable({self.name!r}, months -> share {{{shares}}}, confidence {self.confidence!r})"

    def _repr_html_(self) -> str:
        head = f"<h4>{html.escape(self.name)}</h4>"
        notes = "".join(f"<p>{html.escape(t)}</p>" for t in (self.description, self.source) if t)
        return head + self.to_frame().T.to_html() + notes


@functools.cache
def _china_table() -> ShortPeriodTable:  # immutable: one instance, its ratios computed once
    text = resources.files("autorisk.renewal").joinpath("short_period.json").read_text(encoding="utf-8")
    return ShortPeriodTable.from_dict(json.loads(text))


def _table_shares(shares: Any) -> tuple[float, ...]:
    if isinstance(shares, Mapping):
        try:
            by_month = {int(m): s for m, s in shares.items()}
        except (TypeError, ValueError):
            raise ParameterError(f"short-period table months must be integers, got {list(shares)}") from None
        if sorted(by_month) != list(range(1, len(by_month) + 1)):
            raise ParameterError(f"short-period table needs every month from 1 to n, got {sorted(by_month)}")
        shares = [by_month[m] for m in sorted(by_month)]
    try:
        values = tuple(float(s) for s in shares)
    except (TypeError, ValueError):
        raise ParameterError(f"short-period table shares must be numbers, got {shares!r}") from None
    if not values or not all(0 < s <= 1 for s in values) or values[-1] != 1.0 or any(
            b < a for a, b in zip(values, values[1:], strict=False)):  # fmt: skip
        raise ParameterError("short-period table shares must be in (0, 1], non-decreasing and end at 1, "
                             f"got {list(values)}")  # fmt: skip
    return values

