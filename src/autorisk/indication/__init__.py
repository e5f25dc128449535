"""Overall rate-level indication (Werner & Modlin, *Basic Ratemaking*).

The pieces, in the order an indication uses them:

* :func:`on_level_factors` (parallelogram method) and :func:`extension_of_exposures`
  bring earned premium to current rates;
* :func:`trend_factor`, :func:`experience_dates` and :func:`average_accident_date`
  trend losses from each accident or policy year's average accident date to the
  forecast period's; :func:`average_written_date` and
  :func:`two_step_premium_trend` trend premium, e.g. at the drift of the
  average NCD coefficient (:func:`ncd_premium_drift`);
* :func:`classical_credibility` and :func:`trended_present_rates_change` weight the
  indication against a complement;
* :func:`off_balance_factor` offsets changed relativities in the new base rate;
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
from autorisk.indication.ncd_drift import NCDDrift, ncd_premium_drift
from autorisk.indication.offbalance import off_balance_factor
from autorisk.indication.onlevel import extension_of_exposures, on_level_factors
from autorisk.indication.premium_trend import two_step_premium_trend
from autorisk.indication.trend import (
    average_accident_date,
    average_written_date,
    decimal_year,
    experience_dates,
    trend_factor,
)

__all__ = [
    "FREQUENCY_STANDARD",
    "FULL_CREDIBILITY_CLAIMS",
    "Indication",
    "IndicationResult",
    "NCDDrift",
    "average_accident_date",
    "average_written_date",
    "classical_credibility",
    "decimal_year",
    "experience_dates",
    "extension_of_exposures",
    "loss_ratio_indication",
    "ncd_premium_drift",
    "off_balance_factor",
    "on_level_factors",
    "pure_premium_indication",
    "pure_premium_standard",
    "trend_factor",
    "trended_present_rates_change",
    "two_step_premium_trend",
]
