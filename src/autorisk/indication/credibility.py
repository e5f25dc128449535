"""Classical (limited-fluctuation) credibility and the complement of the indication."""

from __future__ import annotations

import numpy as np

from autorisk.errors import ParameterError

#: Claims for full credibility: 90% probability of being within 5% of the expected
#: claim count, Poisson frequency: ``(1.645 / 0.05) ** 2 = 1,082``.
FULL_CREDIBILITY_CLAIMS = 1082.0


def classical_credibility(
    claim_count: float, full_standard: float = FULL_CREDIBILITY_CLAIMS
) -> float:
    """Credibility ``Z = min(1, sqrt(claim_count / full_standard))`` (the square-root rule).

    Examples
    --------
    >>> classical_credibility(270.5), classical_credibility(5000)
    (0.5, 1.0)
    """
    if not np.isfinite(claim_count) or claim_count < 0:
        raise ParameterError(f"claim_count must be finite and >= 0, got {claim_count!r}")
    if not np.isfinite(full_standard) or full_standard <= 0:
        raise ParameterError(f"full_standard must be > 0, got {full_standard!r}")
    return float(min(1.0, np.sqrt(claim_count / full_standard)))


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
