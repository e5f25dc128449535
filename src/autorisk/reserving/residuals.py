"""Residual diagnostics of the ODP model behind the chain ladder and its bootstrap (England & Verrall 2002).

The over-dispersed Poisson GLM of the incremental payments, with a log link
and one parameter per origin and per development age, has the chain ladder's
fitted values: the latest diagonal run backwards by the volume-weighted
development factors. Its Pearson residuals ``(C - m) / sqrt(m)``, adjusted by
the leverage (``sqrt(1 / (1 - h))``) and divided by the square root of the
scale ``phi = sum(r**2) / (n - p)``, are what the bootstrap resamples; plotted
against origin, development and calendar period they should show no trend.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chainladder as cl
import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.reserving.bootstrap import _hat_adjustment
from autorisk.reserving.methods import _check_triangle

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The periods residuals are plotted against.
RESIDUAL_AXES = ("origin", "development", "calendar")


@dataclass(frozen=True)
class ODPResiduals:
    """Residuals of the ODP model of a triangle's incremental values, cell by cell.

    Attributes
    ----------
    table : DataFrame
        One row per observed cell: ``origin``, ``development`` and
        ``calendar`` (positions from 0; calendar = origin + development),
        ``incremental``, ``expected`` (the chain ladder's), ``pearson``
        (``(incremental - expected) / sqrt(expected)``), ``leverage``,
        ``adjusted`` (``pearson * sqrt(1 / (1 - leverage))``, 0 where the
        leverage is 1) and ``standardised`` (``adjusted / sqrt(scale)``).
    scale : float
        The ODP scale ``phi``: the sum of squared Pearson residuals over the
        degrees of freedom (cells minus ``2 * origins - 1`` parameters).
    degrees_of_freedom : int

    Examples
    --------
    >>> import chainladder as cl
    >>> residuals = odp_residuals(cl.load_sample("raa"))
    >>> len(residuals.table), residuals.degrees_of_freedom, round(residuals.scale)
    (55, 36, 984)
    """

    table: pd.DataFrame
    scale: float
    degrees_of_freedom: int

    def by(self, axis: str) -> pd.DataFrame:
        """Mean and spread of the standardised residuals per ``"origin"``, ``"development"`` or ``"calendar"`` period.

        Parameters
        ----------
        axis : {"origin", "development", "calendar"}

        Returns
        -------
        DataFrame
            Per period: ``cells``, ``mean``, ``std``, ``lowest``, ``highest``.
        """
        if axis not in RESIDUAL_AXES:
            raise ParameterError(f"axis must be one of {RESIDUAL_AXES}, got {axis!r}")
        grouped = self.table.groupby(axis)["standardised"]
        return pd.DataFrame({"cells": grouped.size(), "mean": grouped.mean(), "std": grouped.std(),
                             "lowest": grouped.min(), "highest": grouped.max()})  # fmt: skip

    def plot(self, axes: Sequence[Axes] | None = None) -> list[Axes]:
        """Standardised residuals against origin, development and calendar period, with each period's mean.

        Parameters
        ----------
        axes : three Axes, optional
            Default a new figure with three panels.

        Returns
        -------
        list of Axes
        """
        import matplotlib.pyplot as plt  # late: matplotlib only when plotting

        if axes is None:
            _, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True, layout="constrained")
        for ax, axis in zip(axes, RESIDUAL_AXES, strict=True):
            ax.scatter(self.table[axis], self.table["standardised"], s=14, color="0.4")
            means = self.by(axis)["mean"]
            ax.plot(means.index, means.to_numpy(), color="tab:red", marker="o", label="mean")
            ax.axhline(0.0, color="black", linewidth=0.8)
            ax.set_xlabel(f"{axis} period")
        axes[0].set_ylabel("standardised Pearson residual")
        axes[0].legend()
        return list(axes)

    def __repr__(self) -> str:
        return (f"ODPResiduals({len(self.table)} cells, scale {self.scale:.6g}, "
                f"{self.degrees_of_freedom} degrees of freedom)")  # fmt: skip

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        return f"<p>{head}</p>" + self.by("calendar").to_html(float_format="{:.3f}".format)


def odp_residuals(triangle: cl.Triangle) -> ODPResiduals:
    """Pearson residuals of the ODP model (the chain ladder's GLM) of a cumulative triangle.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle (as for :func:`odp_bootstrap`).

    Returns
    -------
    ODPResiduals

    Examples
    --------
    >>> import chainladder as cl
    >>> residuals = odp_residuals(cl.load_sample("genins"))
    >>> residuals.by("calendar")["cells"].tolist()
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    """
    _check_triangle(triangle)
    cumulative = np.asarray(triangle.values, dtype=float)[0, 0]
    expected_cumulative = _chain_ladder_fitted(cumulative)
    incremental = np.diff(cumulative, axis=1, prepend=0.0)
    expected = np.diff(expected_cumulative, axis=1, prepend=0.0)
    observed = ~np.isnan(cumulative)
    rows, columns = np.nonzero(observed)
    m = expected[rows, columns]
    pearson = (incremental[rows, columns] - m) / np.sqrt(m)
    n_origins, n_ages = cumulative.shape
    degrees_of_freedom = int(rows.size - (n_origins + n_ages - 1))
    scale = float(np.sum(pearson**2) / degrees_of_freedom) if degrees_of_freedom > 0 else float("nan")
    adjustment = _hat_adjustment(np.where(observed, expected, np.nan))[rows, columns]
    with np.errstate(divide="ignore"):
        leverage = np.where(adjustment > 0, 1.0 - 1.0 / adjustment**2, 1.0)
    adjusted = pearson * adjustment
    table = pd.DataFrame({
        "origin": rows, "development": columns, "calendar": rows + columns,
        "incremental": incremental[rows, columns], "expected": m, "pearson": pearson, "leverage": leverage,
        "adjusted": adjusted, "standardised": adjusted / np.sqrt(scale),
    })  # fmt: skip
    return ODPResiduals(table, scale, degrees_of_freedom)


def _chain_ladder_fitted(cumulative: np.ndarray) -> np.ndarray:
    """The ODP (chain ladder) fitted cumulative values on the observed cells: the latest run backwards."""
    observed = ~np.isnan(cumulative)
    n_ages = cumulative.shape[1]
    factors = np.ones(n_ages - 1)
    for j in range(n_ages - 1):
        both = observed[:, j] & observed[:, j + 1]
        factors[j] = cumulative[both, j + 1].sum() / cumulative[both, j].sum()
    fitted = np.full(cumulative.shape, np.nan)
    for i in range(cumulative.shape[0]):
        last = int(np.flatnonzero(observed[i]).max())
        fitted[i, last] = cumulative[i, last]
        for j in range(last - 1, -1, -1):
            fitted[i, j] = fitted[i, j + 1] / factors[j]
    return fitted


__all__ = ["RESIDUAL_AXES", "ODPResiduals", "odp_residuals"]
