"""Tests of the chain ladder's assumptions (Mack 1994), via chainladder.

Mack (1994), "Measuring the variability of chain ladder reserve estimates",
Appendices G and H, gives two tests for a triangle before its chain ladder
(and Mack standard errors) are trusted:

- subsequent development factors are uncorrelated
  (:func:`development_factor_correlation`, Spearman rank correlations);
- no calendar year (diagonal) holds mostly small or mostly large factors
  (:func:`calendar_year_effect`).

The statistics are chainladder's (``cl.DevelopmentCorrelation`` and
``cl.ValuationCorrelation``); the interval of the calendar-year test is
computed here from chainladder's E(Z) and Var(Z), because chainladder's
whole-triangle flag (``total=True``) centres its range on Var(Z) instead of E(Z).
"""

from __future__ import annotations

from dataclasses import dataclass

import chainladder as cl
import numpy as np
import pandas as pd
from scipy.stats import norm

from autorisk.errors import ParameterError
from autorisk.reserving.methods import _check_triangle


@dataclass(frozen=True)
class AssumptionTest:
    """The outcome of one test of a chain ladder assumption: statistic, interval and detail table.

    Attributes
    ----------
    name : str
        The test, e.g. ``"Correlation of subsequent development factors"``.
    statistic : float
        The test statistic (Mack's T or Z).
    expected : float
        Its expected value when the assumption holds.
    variance : float
        Its variance when the assumption holds.
    confidence : float
        Probability of the interval under the assumption.
    interval : tuple of float
        ``expected -/+ z x sqrt(variance)`` with z the normal quantile of
        ``(1 + confidence) / 2``.
    table : DataFrame
        The pieces: one row per pair of development columns (T_k and its
        weight) or per calendar year (Z_j, E(Z_j), Var(Z_j)).

    Examples
    --------
    >>> import chainladder as cl
    >>> test = development_factor_correlation(cl.load_sample("raa"))
    >>> test.within_interval, round(test.statistic, 3)
    (True, 0.07)
    """

    name: str
    statistic: float
    expected: float
    variance: float
    confidence: float
    interval: tuple[float, float]
    table: pd.DataFrame

    @property
    def within_interval(self) -> bool:
        """True when the statistic lies in the interval: no evidence against the assumption."""
        return bool(self.interval[0] <= self.statistic <= self.interval[1])

    @property
    def conclusion(self) -> str:
        """One sentence on the outcome."""
        where = "inside" if self.within_interval else "outside"
        verdict = "no evidence against the assumption" if self.within_interval else "the assumption is doubtful"
        return (
            f"{self.statistic:.3f} is {where} the {self.confidence:.0%} interval "
            f"[{self.interval[0]:.3f}, {self.interval[1]:.3f}]: {verdict}"
        )

    def __repr__(self) -> str:
        return f"{self.name}\n{self.conclusion}\n{self.table.to_string(float_format='{:.4f}'.format)}"

    def _repr_html_(self) -> str:
        html = self.table.style.format("{:.4f}", na_rep="").to_html()
        return f"<p><b>{self.name}</b><br>{self.conclusion}</p>{html}"


def development_factor_correlation(
    triangle: cl.Triangle, *, confidence: float = 0.5
) -> AssumptionTest:
    """Mack's (1994, Appendix G) test for correlation between subsequent development factors.

    For each pair of adjacent columns of age-to-age factors, Spearman's rank
    correlation T_k is taken over the origins that have both factors; T is
    their average weighted by the number of pairs less one. Without
    correlation T has mean 0 and variance ``2 / ((I - 2)(I - 3))``, I the
    number of development ages. Mack uses a 50% interval: the test is only
    approximate and should flag correlation in a good part of the triangle.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle with as many origins as development
        ages (at least four).
    confidence : float, default 0.5
        Probability of the interval, in (0, 1).

    Returns
    -------
    AssumptionTest
        ``statistic`` is T; ``table`` has one row per factor pair, with the
        ages of the two factors, T_k and its weight.

    Examples
    --------
    Mack (1994) on the RAA data: T = 0.070, inside [-0.127, 0.127].

    >>> import chainladder as cl
    >>> test = development_factor_correlation(cl.load_sample("raa"))
    >>> round(test.statistic, 3), tuple(round(x, 3) for x in test.interval)
    (0.07, (-0.127, 0.127))
    """
    _check_square(triangle, minimum=4)
    _check_confidence(confidence)
    result = cl.DevelopmentCorrelation(triangle, p_critical=confidence)
    ages = list(triangle.link_ratio.development)
    ks = list(result.t.columns)
    table = pd.DataFrame(
        {
            "factors": [f"{ages[k - 2]} & {ages[k - 1]}" for k in ks],
            "t": result.t.loc["T_k"].to_numpy(dtype=float),
            "weight": result.weights.loc["I-k-1"].to_numpy(dtype=float),
        },
        index=pd.Index(ks, name="k"),
    )
    statistic = float(np.asarray(result.t_expectation).ravel()[0])
    return _outcome(
        "Correlation of subsequent development factors (Mack 1994)",
        statistic, 0.0, float(result.t_variance), confidence, table,
    )  # fmt: skip


def calendar_year_effect(triangle: cl.Triangle, *, confidence: float = 0.95) -> AssumptionTest:
    """Mack's (1994, Appendix H) test for calendar-year effects on the development factors.

    Each column of age-to-age factors is split at its median into small
    and large factors (the median itself, in an odd column, is neither).
    On each diagonal j, Z_j is the smaller of the counts of small and large
    factors; with n_j factors on it and ``m = floor((n_j - 1) / 2)``,
    ``E(Z_j) = n_j/2 - C(n_j - 1, m) n_j / 2^n_j`` and
    ``Var(Z_j) = n_j(n_j - 1)/4 - C(n_j - 1, m) n_j(n_j - 1) / 2^n_j + E(Z_j) - E(Z_j)^2``.
    Without calendar-year effects, Z = sum Z_j is about normal with the
    summed mean and variance; a Z far below E(Z) says some diagonals hold
    mostly small or mostly large factors.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle with as many origins as development
        ages (at least three).
    confidence : float, default 0.95
        Probability of the interval, in (0, 1).

    Returns
    -------
    AssumptionTest
        ``statistic`` is Z; ``table`` has one row per calendar year (the
        diagonal's valuation period) with z, expected and variance.

    Examples
    --------
    On the RAA data (Mack 1994's example) Z = 14 with E(Z) = 12.875:

    >>> import chainladder as cl
    >>> test = calendar_year_effect(cl.load_sample("raa"))
    >>> test.statistic, test.expected, round(test.variance, 4), test.within_interval
    (14.0, 12.875, 3.9785, True)
    """
    _check_square(triangle, minimum=3)
    _check_confidence(confidence)
    result = cl.ValuationCorrelation(triangle, total=False)
    z = result.z.to_frame().iloc[0]
    table = pd.DataFrame(
        {
            "z": z.to_numpy(dtype=float),
            "expected": result.z_expectation.to_frame().iloc[0].to_numpy(dtype=float),
            "variance": result.z_variance.to_frame().iloc[0].to_numpy(dtype=float),
        },
        index=pd.Index(z.index, name="calendar_year"),
    )
    return _outcome(
        "Calendar-year effect on development factors (Mack 1994)",
        float(table["z"].sum()), float(table["expected"].sum()), float(table["variance"].sum()),
        confidence, table,
    )  # fmt: skip


def _outcome(
    name: str, statistic: float, expected: float, variance: float, confidence: float,
    table: pd.DataFrame,
) -> AssumptionTest:  # fmt: skip
    half_width = float(norm.ppf((1 + confidence) / 2)) * float(np.sqrt(variance))
    interval = (expected - half_width, expected + half_width)
    return AssumptionTest(name, statistic, expected, variance, confidence, interval, table)


def _check_square(triangle: cl.Triangle, minimum: int) -> None:
    _check_triangle(triangle)
    n_origins, n_ages = triangle.shape[2], triangle.shape[3]
    if n_origins != n_ages:
        raise ParameterError(
            f"Mack's tests need as many origins as development ages; the triangle has {n_origins} "
            f"origins and {n_ages} ages (build it with the same origin and development grain)"
        )
    if n_ages < minimum:
        raise ParameterError(f"this test needs at least {minimum} development ages, got {n_ages}")


def _check_confidence(confidence: float) -> None:
    if not (np.isfinite(confidence) and 0 < confidence < 1):
        raise ParameterError(f"confidence={confidence!r} must be a probability in (0, 1)")
