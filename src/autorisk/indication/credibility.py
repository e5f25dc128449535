"""The complement of the indication; classical credibility is :func:`autorisk.analytics.classical_credibility`."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from autorisk.analytics.credibility import FULL_CREDIBILITY_CLAIMS, classical_credibility
from autorisk.errors import ParameterError

#: Claims for full credibility of a frequency, ``(norm.ppf(0.95) / 0.05) ** 2`` (about 1,082.2).
FREQUENCY_STANDARD = float((norm.ppf(0.95) / 0.05) ** 2)


def pure_premium_standard(severity_cv: float, *, probability: float = 0.90, tolerance: float = 0.05) -> float:
    """Claims for full credibility of a pure premium or loss ratio.

    ``(z / k) ** 2 x (1 + CV ** 2)`` with ``z = norm.ppf((1 + p) / 2)`` (Werner &
    Modlin, *Basic Ratemaking*, ch. 12): the frequency standard times
    ``1 + CV ** 2`` for the severity's variation.

    Parameters
    ----------
    severity_cv : float
        Coefficient of variation of the claim severity, >= 0 (0: the frequency standard).
    probability : float, default 0.90
        Probability ``p`` of being within ``tolerance`` of the truth, in (0, 1).
    tolerance : float, default 0.05
        ``k``, the relative tolerance, > 0.

    Returns
    -------
    float
        Number of claims for ``Z = 1``.

    Examples
    --------
    A severity CV of 2 multiplies the frequency standard by 5:

    >>> round(pure_premium_standard(0.0), 1), round(pure_premium_standard(2.0), 1)
    (1082.2, 5411.1)
    """
    if not np.isfinite(severity_cv) or severity_cv < 0:
        raise ParameterError(f"severity_cv must be a finite number >= 0, got {severity_cv!r}")
    if not 0 < probability < 1:
        raise ParameterError(f"probability must be in (0, 1), got {probability!r}")
    if not np.isfinite(tolerance) or tolerance <= 0:
        raise ParameterError(f"tolerance must be > 0, got {tolerance!r}")
    z = norm.ppf((1 + probability) / 2)
    return float((z / tolerance) ** 2 * (1 + severity_cv**2))


def trended_present_rates_change(
    annual_trend: float,
    years: float,
    *,
    prior_indicated: float = 0.0,
    prior_implemented: float = 0.0,
) -> float:
    """Complement from trended present rates, as a rate change.

    ``(1 + prior_indicated) / (1 + prior_implemented) * (1 + annual_trend) ** years - 1``:
    present rates, corrected for the part of the last indication not taken, and
    trended from the last review's forecast period to this one's (``years`` apart).

    Parameters
    ----------
    annual_trend : float
        Annual loss trend, > -1.
    years : float
        Time between the last review's forecast period and this one's.
    prior_indicated, prior_implemented : float, default 0
        Overall change the last review indicated and the change taken, > -1.

    Returns
    -------
    float
        The complement's rate change, for :class:`Indication`'s ``complement_change``.

    Examples
    --------
    Last review indicated +6% but took +4%; loss trend 3% a year over 2 years:
    ``1.06 / 1.04 * 1.03 ** 2 - 1``.

    >>> round(trended_present_rates_change(0.03, 2, prior_indicated=0.06, prior_implemented=0.04), 6)
    0.081302
    """
    for name, value in (("annual_trend", annual_trend), ("prior_indicated", prior_indicated),
                        ("prior_implemented", prior_implemented)):  # fmt: skip
        if not np.isfinite(value) or value <= -1:
            raise ParameterError(f"{name} must be > -1, got {value!r}")
    return float((1 + prior_indicated) / (1 + prior_implemented) * (1 + annual_trend) ** years - 1)


__all__ = [
    "FREQUENCY_STANDARD",
    "FULL_CREDIBILITY_CLAIMS",
    "classical_credibility",
    "pure_premium_standard",
    "trended_present_rates_change",
]
