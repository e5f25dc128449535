"""A synthetic renewal book whose customers decide by a known demand truth.

:func:`renewal_quotes` draws ``n`` renewing private-car policies with the
portfolio mix of :func:`~autorisk.datasets.synthetic_book`, prices them the
way an insurer does (the technical premium re-rated from last year's, the
change capped) and draws each customer's decision from a
:class:`~autorisk.datasets.demand.DemandTruth`.

Columns (one row per renewal quote)
-----------------------------------
policy_id : int64
    1..n.
age_band : category
    Driver age band ``18-24, 25-29, 30-44, 45-59, 60+`` (from ``driver_age``).
driver_age, vehicle_age : int8
vehicle_type, use, region, channel : category
    As in the synthetic book.
ncd_level : int8
new_car_price : float32
od_cover : bool
claimed : bool
    A commercial (TPL or OD) claim in the expiring year, drawn with the
    true claim rates of :class:`~autorisk.datasets.SyntheticTruth`.
expected_cost : float64
    True expected claims cost of the coming year (CTPL + TPL + OD if
    covered), CNY: the sum of ``SyntheticTruth.expected_cost`` over the
    coverages at one year of exposure.
prem_technical : float64
    ``expected_cost / technical_loss_ratio`` (default 0.65), to the cent.
prem_last : float64
    Last year's premium: ``prem_technical / exp(rerating)`` times a
    lognormal commercial noise (sigma ``last_sigma``), to the cent. The
    re-rating ``log(technical / last technical)`` is the plan's rate change
    by age band (``18-24 +8%, 25-29 +4%, 30-44 0, 45-59 -1%, 60+ +3%`` in
    log), ``+0.25`` after a claim and ``-0.03`` without one, plus normal
    noise (``rerating_sigma``).
prem_offered : float64
    The insurer's renewal offer: ``prem_last`` times the technical change
    ``prem_technical / prem_last`` clipped to ``[1 - max_decrease,
    1 + max_increase]`` (default -10%, +15%), to the cent. NOT random: it is
    driven by the risk (claims, age), so a fit of ``renewed`` on the price
    change alone is confounded (claimants get the increases and, in the
    truth, are more loyal).
prem_market : float64
    The market price: ``prem_technical * exp(market_shift + market_sigma * z)``
    (defaults 0.02 and 0.10), to the cent.
renewed : int8
    1 if the customer renewed at ``prem_offered``: Bernoulli of
    ``truth.retention(quotes)``.

Confounding, and what undoes it
-------------------------------
The offer is set by the risk, not at random: a claim in the expiring year
raises the technical premium (``claim_loading``) and, in the default truth,
makes the customer *more* likely to stay. Within one segment, a logistic fit
of ``renewed`` on ``log(prem_offered / prem_last)`` alone therefore finds a
slope near zero or even positive where the true price coefficient is about
-4 (``tests/datasets/test_demand.py``). Two remedies: model the confounders
(``claimed`` and the competitiveness ``log(p / market)``, or the price change
net of the technical re-rating, all columns of the book), or run a
randomised :func:`~autorisk.datasets.price_test`, whose tested change
``log(1 + arm)`` is independent of the risk, so even a one-variable fit on it
recovers ``beta_i + gamma`` within its confidence interval.

Examples
--------
>>> quotes, truth = renewal_quotes(2_000, seed=1)
>>> quotes.columns[:4].tolist()
['policy_id', 'age_band', 'driver_age', 'vehicle_type']
>>> bool(((quotes["prem_offered"] / quotes["prem_last"]).between(0.8999, 1.1501)).all())
True
>>> bool(abs(quotes["renewed"].mean() - truth.retention(quotes).mean()) < 0.03)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from autorisk.datasets.demand import DemandTruth
from autorisk.datasets.factors import BAND_EDGES, COVERAGES, LEVELS
from autorisk.datasets.synthetic import _check_int, _new_business
from autorisk.datasets.truth import SyntheticTruth
from autorisk.errors import ParameterError

#: Log rate change of the plan by driver age band (18-24 .. 60+).
RATE_CHANGE_BY_AGE = (0.08, 0.04, 0.0, -0.01, 0.03)


@dataclass(frozen=True)
class RenewalPricing:
    """How :func:`renewal_quotes` prices the book (documented in the module docstring).

    Parameters
    ----------
    technical_loss_ratio : float
        ``prem_technical = expected_cost / technical_loss_ratio``.
    max_increase, max_decrease : float
        Caps of the offer's change over ``prem_last``.
    claim_loading, claim_free_discount : float
        Log re-rating after a claim / without one.
    rerating_sigma, last_sigma : float
        Noise of the re-rating and of last year's commercial premium (log).
    market_shift, market_sigma : float
        Log level and noise of the market price over the technical premium.

    Examples
    --------
    >>> RenewalPricing().max_increase, RenewalPricing(max_increase=0.1).max_increase
    (0.15, 0.1)
    """

    technical_loss_ratio: float = 0.65
    max_increase: float = 0.15
    max_decrease: float = 0.10
    claim_loading: float = 0.25
    claim_free_discount: float = 0.03
    rerating_sigma: float = 0.06
    last_sigma: float = 0.03
    market_shift: float = 0.02
    market_sigma: float = 0.10

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ParameterError(f"{name} must be a finite number, got {value!r}")
        if not 0 < self.technical_loss_ratio <= 2:
            raise ParameterError(f"technical_loss_ratio must be in (0, 2], got {self.technical_loss_ratio!r}")
        if self.max_increase < 0 or not 0 <= self.max_decrease < 1:
            raise ParameterError(
                f"max_increase must be >= 0 and max_decrease in [0, 1), got {self.max_increase!r}, "
                f"{self.max_decrease!r}"
            )
        for name in ("rerating_sigma", "last_sigma", "market_sigma"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be >= 0, got {getattr(self, name)!r}")


class RenewalBook(NamedTuple):
    """A renewal book and the demand truth its outcomes were drawn from: ``(quotes, truth)``.

    Attributes
    ----------
    quotes : DataFrame
        One row per renewal quote (see :mod:`autorisk.datasets.renewal_book`).
    truth : DemandTruth
        The retention curve that drew ``quotes["renewed"]``.

    Examples
    --------
    >>> book = renewal_quotes(100, seed=0)
    >>> len(book.quotes), type(book.truth).__name__
    (100, 'DemandTruth')
    """

    quotes: pd.DataFrame
    truth: DemandTruth


def renewal_quotes(
    n: int = 10_000,
    seed: int = 0,
    *,
    truth: DemandTruth | None = None,
    pricing: RenewalPricing | None = None,
) -> RenewalBook:
    """Simulate a renewal book: risk, technical and offered premiums, market prices and decisions.

    Parameters
    ----------
    n : int, default 10_000
        Number of renewal quotes.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same arguments give
        identical books.
    truth : DemandTruth, optional
        The demand truth that draws ``renewed``; default ``DemandTruth()``. It
        must read the columns the book has (segments ``age_band, channel,
        claimed`` or any other column of the book; prices ``prem_offered,
        prem_last, prem_market``).
    pricing : RenewalPricing, optional
        How the insurer prices the book; default ``RenewalPricing()``.

    Returns
    -------
    RenewalBook
        ``(quotes, truth)``; columns in the module docstring.

    Raises
    ------
    DataError
        ``n`` or ``seed`` not a whole number in range.
    SchemaError, UnknownCategoryError
        ``truth`` reads a column the book lacks, or levels the book does not know.

    Examples
    --------
    >>> quotes, truth = renewal_quotes(5_000, seed=3)
    >>> bool(quotes["renewed"].isin([0, 1]).all()), renewal_quotes(5_000, seed=3).quotes.equals(quotes)
    (True, True)

    The offer follows the risk: claimants' prices go up, and they renew more.

    >>> by_claim = quotes.groupby("claimed")
    >>> change = by_claim.apply(lambda g: (g["prem_offered"] / g["prem_last"]).mean())
    >>> bool(change[True] > change[False]), bool(by_claim["renewed"].mean()[True] > 0.85)
    (True, True)
    """
    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    truth = DemandTruth() if truth is None else truth
    pricing = RenewalPricing() if pricing is None else pricing
    if not isinstance(truth, DemandTruth):
        raise ParameterError(f"truth must be a DemandTruth, got {type(truth).__name__}")
    if not isinstance(pricing, RenewalPricing):
        raise ParameterError(f"pricing must be a RenewalPricing, got {type(pricing).__name__}")
    rng = np.random.default_rng(seed)
    drawn = _new_business(rng, n, 2024, 1)
    quotes = _segments(drawn)
    risk = SyntheticTruth.default()
    rated = quotes.assign(exposure=1.0)
    rate_tpl = risk.frequency(rated, "tpl").to_numpy()
    rate_od = risk.frequency(rated, "od").to_numpy() * quotes["od_cover"].to_numpy()
    claimed = rng.random(n) < -np.expm1(-(rate_tpl + rate_od))
    expected = sum(risk.expected_cost(rated, coverage).to_numpy() for coverage in COVERAGES)
    technical = expected / pricing.technical_loss_ratio
    band = quotes["age_band"].cat.codes.to_numpy()
    rerating = (
        np.asarray(RATE_CHANGE_BY_AGE)[band]
        + np.where(claimed, pricing.claim_loading, -pricing.claim_free_discount)
        + pricing.rerating_sigma * rng.standard_normal(n)
    )
    last = _cents(technical * np.exp(-rerating + pricing.last_sigma * rng.standard_normal(n)))
    technical = _cents(technical)
    change = np.clip(technical / last, 1.0 - pricing.max_decrease, 1.0 + pricing.max_increase)
    offered = _cents(last * change)
    market = _cents(technical * np.exp(pricing.market_shift + pricing.market_sigma * rng.standard_normal(n)))
    quotes["claimed"] = claimed
    quotes["expected_cost"] = expected
    quotes["prem_technical"] = technical
    quotes["prem_last"] = last
    quotes["prem_offered"] = offered
    quotes["prem_market"] = market
    quotes[truth.outcome] = draw_outcome(truth, quotes, rng)
    return RenewalBook(quotes, truth)


def draw_outcome(truth: DemandTruth, quotes: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """0/1 decisions drawn from ``truth.retention(quotes)`` (one uniform per row).

    Parameters
    ----------
    truth : DemandTruth
    quotes : DataFrame
        Rows with the columns ``truth`` reads.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int8

    Examples
    --------
    >>> import numpy as np
    >>> quotes, truth = renewal_quotes(1_000, seed=0)
    >>> draw_outcome(truth, quotes, np.random.default_rng(0)).dtype
    dtype('int8')
    """
    return (rng.random(len(quotes)) < truth.retention(quotes)).astype(np.int8)


def _cents(values: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(values, 2), 0.01)


def _segments(drawn: dict[str, Any]) -> pd.DataFrame:
    def cat(key: str, factor: str) -> pd.Categorical:
        return pd.Categorical.from_codes(drawn[key], categories=list(LEVELS[factor]))

    age = drawn["driver_age"]
    band = (np.searchsorted(np.asarray(BAND_EDGES["driver_age"]), age, side="right") - 1).astype(np.int8)
    return pd.DataFrame(
        {
            "policy_id": drawn["policy_id"],
            "age_band": pd.Categorical.from_codes(band, categories=list(LEVELS["driver_age_band"]), ordered=True),
            "driver_age": age,
            "vehicle_type": cat("vehicle_type", "vehicle_type"),
            "use": cat("use", "use"),
            "vehicle_age": drawn["vehicle_age"],
            "new_car_price": drawn["new_car_price"],
            "region": cat("region", "region"),
            "channel": cat("channel", "channel"),
            "ncd_level": drawn["ncd_level"],
            "od_cover": drawn["od_cover"],
        }
    )


__all__ = ["RATE_CHANGE_BY_AGE", "RenewalBook", "RenewalPricing", "draw_outcome", "renewal_quotes"]
