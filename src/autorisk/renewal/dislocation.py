"""Dislocation of a renewal run: who gains, who loses, which rules bound, how much premium moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue
from autorisk.renewal.rescore import RULES

#: Edges of the change bands (offered / current - 1) of the summary.
CHANGE_EDGES: tuple[float, ...] = (-np.inf, -0.20, -0.10, -0.05, -0.005, 0.005, 0.05, 0.10, 0.20, np.inf)


@dataclass
class Dislocation:
    """A renewal run's dislocation: the distribution of changes, the rules that bound, premium moved.

    Attributes
    ----------
    bands : DataFrame
        Per change band: policies, share of policies, current and offered premium.
    totals : DataFrame
        Overall (and per segment with ``by``): policies, current and offered
        premium, average and median change, premium moved up and down, and
        policies at each rule.
    rules : DataFrame
        Policies whose offer each rule moved, overall.

    Examples
    --------
    >>> offers = pd.DataFrame({"current_premium": [100.0, 200.0, 300.0, 400.0],
    ...                        "offered_premium": [125.0, 190.0, 300.0, 440.0], "region": ["N", "N", "S", "S"],
    ...                        "rule_flags": np.array([1, 0, 0, 0], dtype=np.uint8)})  # the first hit the cap
    >>> summary = dislocation(offers, by="region")
    >>> summary.bands.query("policies > 0")["policies"].to_dict()
    {'[-5%, -0.5%)': 1, '[-0.5%, +0.5%)': 1, '[+10%, +20%)': 1, '>= +20%': 1}
    >>> summary.totals["premium_change"].round(4).to_dict()  # 1055 / 1000, 315 / 300, 740 / 700
    {'(all)': 0.055, 'N': 0.05, 'S': 0.0571}
    >>> summary.rules["policies"].to_dict()
    {'cap_increase': 1, 'cap_decrease': 0, 'new_business_price': 0, 'min_premium': 0, 'conflict': 0}
    """

    bands: pd.DataFrame
    totals: pd.DataFrame
    rules: pd.DataFrame

    def __str__(self) -> str:
        with pd.option_context("display.width", 140, "display.max_columns", 20):
            return (
                f"change bands (offered / current - 1)\n{_format(self.bands)}\n\n"
                f"totals\n{_format(self.totals)}\n\nrules that moved offers\n{_format(self.rules)}"
            )

    def _repr_html_(self) -> str:
        return "".join(f"<h4>{t}</h4>{f.to_html()}" for t, f in
                       (("change bands", self.bands), ("totals", self.totals), ("rules", self.rules)))  # fmt: skip

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of policies and premium by change band (returns the Axes)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 4.5))
        positions = np.arange(len(self.bands))
        ax.bar(positions - 0.2, self.bands["policy_share"], width=0.4, label="policies")
        premium_share = self.bands["offered_premium"] / self.bands["offered_premium"].sum()
        ax.bar(positions + 0.2, premium_share, width=0.4, label="offered premium")
        ax.set_xticks(positions, [str(b) for b in self.bands.index], rotation=30, ha="right")
        ax.set_ylabel("share")
        ax.set_xlabel("change of premium at renewal")
        ax.set_title("Renewal dislocation")
        ax.legend()
        return ax


def dislocation(offers: pd.DataFrame, by: str | Sequence[str] | None = None) -> Dislocation:
    """Summarise a renewal run (the output of :func:`~autorisk.renewal.renewal_offers`).

    Parameters
    ----------
    offers : DataFrame
        With ``current_premium``, ``offered_premium`` and ``rule_flags``
        (plus the ``by`` columns).
    by : str or list of str, optional
        Segments for :attr:`Dislocation.totals` (the overall row comes first).

    Returns
    -------
    Dislocation
        ``bands``, ``totals`` and ``rules``.

    Raises
    ------
    DataError
        If a needed column is missing.

    Examples
    --------
    >>> offers = pd.DataFrame({"current_premium": [100.0, 200.0, 300.0], "offered_premium": [110.0, 190.0, 300.0],
    ...                        "rule_flags": np.array([1, 0, 0], dtype=np.uint8)})
    >>> summary = dislocation(offers)
    >>> summary.totals[["policies", "current_premium", "offered_premium", "moved_up", "moved_down"]]
           policies  current_premium  offered_premium  moved_up  moved_down
    (all)         3            600.0            600.0      10.0        10.0
    """
    needed = ["current_premium", "offered_premium", "rule_flags"]
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [c for c in needed + by if c not in offers.columns]
    if missing:
        raise DataError(DataIssue(", ".join(missing), "missing column", f"columns {needed + by}"), table="offers")
    frame = offers[needed + by].copy()
    frame["change"] = frame["offered_premium"] / frame["current_premium"] - 1.0
    # Banded on the change rounded to 1e-12: an offer at exactly -20% in cents (189.08 / 236.35) divides
    # to just below -0.2 in binary and would fall in the band under its own edge.
    frame["band"] = pd.cut(frame["change"].round(12), CHANGE_EDGES, labels=_band_labels(), right=False)
    n = len(frame)
    bands = frame.groupby("band", observed=False).agg(
        policies=("change", "size"), current_premium=("current_premium", "sum"),
        offered_premium=("offered_premium", "sum"),
    )  # fmt: skip
    bands.insert(1, "policy_share", bands["policies"] / max(n, 1))
    totals = [_totals(frame).rename("(all)")]
    for key, group in frame.groupby(by, observed=True) if by else ():
        totals.append(_totals(group).rename(key if len(by) > 1 else key[0]))
    flags = frame["rule_flags"].to_numpy()
    rules = pd.DataFrame(
        {"policies": [int(np.count_nonzero(flags & bit)) for bit in RULES.values()]}, index=pd.Index(RULES, name="rule")
    )
    rules["share"] = rules["policies"] / max(n, 1)
    return Dislocation(bands, pd.DataFrame(totals), rules)


def _totals(frame: pd.DataFrame) -> pd.Series:
    moved = frame["offered_premium"] - frame["current_premium"]
    flags = frame["rule_flags"].to_numpy()
    row = {
        "policies": len(frame),
        "current_premium": frame["current_premium"].sum(),
        "offered_premium": frame["offered_premium"].sum(),
        "premium_change": frame["offered_premium"].sum() / frame["current_premium"].sum() - 1.0,
        "mean_change": frame["change"].mean(),
        "median_change": frame["change"].median(),
        "moved_up": moved[moved > 0].sum(),
        "moved_down": -moved[moved < 0].sum(),
    }
    row.update({f"at_{name}": int(np.count_nonzero(flags & bit)) for name, bit in RULES.items()})
    return pd.Series(row, dtype=object)


def _band_labels() -> list[str]:
    def pct(x: float) -> str:
        return f"{x:+.1%}".replace(".0%", "%")

    edges = CHANGE_EDGES
    return [
        f"< {pct(edges[1])}", *(f"[{pct(a)}, {pct(b)})" for a, b in zip(edges[1:-2], edges[2:-1], strict=True)),
        f">= {pct(edges[-2])}",
    ]  # fmt: skip


def _format(frame: pd.DataFrame) -> str:
    def cell(value: Any) -> Any:
        if isinstance(value, float | np.floating):
            return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4f}"
        return value

    return frame.map(cell).to_string()
