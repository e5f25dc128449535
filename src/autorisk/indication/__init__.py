"""Overall rate-level indication (Werner & Modlin, *Basic Ratemaking*).

The pieces, in the order an indication uses them:

* :func:`on_level_factors` (parallelogram method) and :func:`extension_of_exposures`
  bring earned premium to current rates;
* :func:`trend_factor` and :func:`average_accident_date` trend losses from each
  experience year's midpoint to the forecast period's average accident date;
* :func:`classical_credibility` and :func:`trended_present_rates_change` weight the
  indication against a complement;
* :class:`Indication` holds the inputs; :func:`loss_ratio_indication` and
  :func:`pure_premium_indication` return an :class:`IndicationResult` with every step.
"""

from autorisk.indication.credibility import (
    FREQUENCY_STANDARD,
    FULL_CREDIBILITY_CLAIMS,
    classical_credibility,
    pure_premium_standard,
    trended_present_rates_change,
)
from autorisk.indication.indication import (
    Indication,
    IndicationResult,
    loss_ratio_indication,
    pure_premium_indication,
)
from autorisk.indication.onlevel import extension_of_exposures, on_level_factors
from autorisk.indication.trend import average_accident_date, decimal_year, trend_factor

__all__ = [
    "FREQUENCY_STANDARD",
    "FULL_CREDIBILITY_CLAIMS",
    "Indication",
    "IndicationResult",
    "average_accident_date",
    "classical_credibility",
    "decimal_year",
    "extension_of_exposures",
    "loss_ratio_indication",
    "on_level_factors",
    "pure_premium_indication",
    "pure_premium_standard",
    "trend_factor",
    "trended_present_rates_change",
]
