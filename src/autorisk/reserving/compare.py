"""Paid against incurred: the ultimates of the two triangles side by side.

Paid and incurred (paid plus case reserves) triangles of the same claims
should point to the same ultimate; where their projections part, the case
reserves or the payment pattern have changed, and the reserving actuary
looks there first. Build both with :func:`build_triangle` (``value=`` the
paid or the incurred increments) and project each with any method.
"""

from __future__ import annotations

from dataclasses import dataclass

import chainladder as cl
import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.reserving.methods import mack
from autorisk.reserving.results import ReserveResult, table_html, table_text, with_total


@dataclass(frozen=True)
class UltimateComparison:
    """Paid and incurred ultimates per origin, their difference and ratio.

    Attributes
    ----------
    table : DataFrame
        Indexed by origin: ``paid_latest``, ``incurred_latest``,
        ``paid_ultimate``, ``incurred_ultimate``, ``difference``
        (incurred less paid ultimate) and ``ratio`` (paid over incurred ultimate).
    total : Series
        Column totals; ``ratio`` is the ratio of the totals.
    paid, incurred : ReserveResult
        The two projections compared.

    Examples
    --------
    >>> import chainladder as cl
    >>> mcl = cl.load_sample("mcl")
    >>> comparison = compare_paid_incurred(mcl["paid"], mcl["incurred"])
    >>> list(comparison.table.columns)
    ['paid_latest', 'incurred_latest', 'paid_ultimate', 'incurred_ultimate', 'difference', 'ratio']
    """

    table: pd.DataFrame
    total: pd.Series
    paid: ReserveResult
    incurred: ReserveResult

    @property
    def title(self) -> str:
        """What is compared, e.g. ``Paid vs incurred ultimates (Mack chain ladder / Mack chain ladder)``."""
        return f"Paid vs incurred ultimates ({self.paid.method} / {self.incurred.method})"

    def to_frame(self) -> pd.DataFrame:
        """The per-origin table with a final ``Total`` row."""
        return with_total(self.table, self.total)

    def __repr__(self) -> str:
        return table_text(self.title, self.to_frame())

    def _repr_html_(self) -> str:
        return table_html(self.title, self.to_frame())


def compare_paid_incurred(
    paid: cl.Triangle | ReserveResult, incurred: cl.Triangle | ReserveResult
) -> UltimateComparison:
    """Compare the ultimates projected from a paid and an incurred triangle, origin by origin.

    Parameters
    ----------
    paid : chainladder.Triangle or ReserveResult
        The paid triangle (projected with the chain ladder, :func:`mack`)
        or its projection by any method.
    incurred : chainladder.Triangle or ReserveResult
        The incurred triangle or its projection, with the same origins.

    Returns
    -------
    UltimateComparison
        Per origin and in total: latest paid and incurred, the two
        ultimates, their difference (incurred - paid) and ratio (paid / incurred).

    Examples
    --------
    The Munich chain ladder data of Quarg & Mack (2004), projected separately:

    >>> import chainladder as cl
    >>> mcl = cl.load_sample("mcl")
    >>> comparison = compare_paid_incurred(mcl["paid"], mcl["incurred"])
    >>> round(comparison.total["paid_ultimate"]), round(comparison.total["incurred_ultimate"])
    (31463, 33071)
    """
    paid_result = _projection("paid", paid)
    incurred_result = _projection("incurred", incurred)
    paid_origins = list(paid_result.table.index.astype(str))
    incurred_origins = list(incurred_result.table.index.astype(str))
    if paid_origins != incurred_origins:
        raise ParameterError(
            "paid and incurred must have the same origins; paid has "
            f"{', '.join(paid_origins)} and incurred has {', '.join(incurred_origins)}"
        )
    paid_ultimate = paid_result.table["ultimate"]
    incurred_ultimate = incurred_result.table["ultimate"].set_axis(paid_ultimate.index)
    table = pd.DataFrame(
        {
            "paid_latest": paid_result.table["latest"],
            "incurred_latest": incurred_result.table["latest"].set_axis(paid_ultimate.index),
            "paid_ultimate": paid_ultimate,
            "incurred_ultimate": incurred_ultimate,
            "difference": incurred_ultimate - paid_ultimate,
            "ratio": paid_ultimate / incurred_ultimate.where(incurred_ultimate != 0),
        }
    )
    total = table.drop(columns="ratio").sum()
    total["ratio"] = (
        total["paid_ultimate"] / total["incurred_ultimate"] if total["incurred_ultimate"] else np.nan
    )
    return UltimateComparison(table, total, paid_result, incurred_result)


def _projection(name: str, value: cl.Triangle | ReserveResult) -> ReserveResult:
    if isinstance(value, ReserveResult):
        return value
    if isinstance(value, cl.Triangle):
        return mack(value)
    raise ParameterError(
        f"{name} must be a chainladder.Triangle or a ReserveResult, got {type(value).__name__}"
    )
