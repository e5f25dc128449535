"""The complement of the indication; classical credibility is :func:`autorisk.analytics.classical_credibility`."""

from __future__ import annotations

import numpy as np

from autorisk.analytics.credibility import FULL_CREDIBILITY_CLAIMS, classical_credibility
from autorisk.errors import ParameterError


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


__all__ = ["FULL_CREDIBILITY_CLAIMS", "classical_credibility", "trended_present_rates_change"]
