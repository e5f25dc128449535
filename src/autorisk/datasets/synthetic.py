"""A synthetic Chinese private-car motor book with known truth.

:func:`synthetic_book` simulates a multi-year book of private cars (家庭自用车
and enterprise non-operating cars) with renewals, lapses, cancellations, the
commercial NCD ladder, and claims on three coverages, drawn from a known
frequency/severity model (:class:`~autorisk.datasets.truth.SyntheticTruth`,
whose module docstring lists every true parameter). It is meant for tests,
demos and benchmarks: estimators can be checked against the truth.

Policy table (one row per policy period)
----------------------------------------
policy_id : int64
    Same across renewals.
period_start, period_end : datetime64[ns]
    The period is ``[period_start, period_end)`` (end exclusive). A renewal
    starts exactly at the previous end. New business starts on a uniformly
    random day of its year. Periods are annual (365 or 366 days, same
    calendar date next year; a 29 February start ends on 1 March) unless
    cancelled.
exposure : float64
    ``(period_end - period_start).days / 365.25``, in ``(0, 1.003]``.
renewal_count : int16
    0 for new business, +1 at each renewal.
vehicle_type : category
    ``sedan, suv, mpv, van``.
seats : int8
    5, 7 or 9, consistent with ``vehicle_type`` (sedan 5; suv 5/7; mpv 7/9;
    van 7/9).
use : category
    ``private`` (family use) or ``business`` (enterprise non-operating).
vehicle_age : int8
    Whole years, +1 at each renewal.
new_car_price : float32
    Price of the car when new (新车购置价), CNY, rounded to 100: lognormal
    (sigma 0.45) with median 130k sedan, 170k suv, 190k mpv, 85k van, times a
    regional level (Beijing 1.25 ... Henan 0.90), clipped to [30k, 3M].
region : category
    ``Guangdong, Zhejiang, Jiangsu, Shandong, Beijing, Sichuan, Henan, Other``.
driver_age : int8
    18..85, +1 at each renewal (a policy whose driver would turn 86 lapses).
gender : category
    ``F``/``M``. No effect in the truth (``truth.unused_factors``); more
    women drive sedans than vans, so gender is correlated with a rated factor.
ncd_level : int8
    Commercial NCD level -4..+5, moved at renewal by
    :func:`autorisk.datasets.ncd.ncd_transition` from the expiring period's
    TPL + OD claims. New business: level 0 for new cars, otherwise mostly 0
    or negative (history comes with the vehicle via the shared platform).
channel : category
    ``agent, dealer, direct, online`` (dealers mostly sell new cars).
od_cover : bool
    Own-damage cover bought; probability ``0.30 + 0.65 * exp(-vehicle_age / 6)``
    (95% for new cars); at renewal a cover is kept with probability
    ``p(age + 1) / p(age)`` so the age profile holds, and never re-bought.
cancelled : bool
    Cancelled mid-term (probability ``cancellation_rate``; uniform day);
    ``period_end`` is the cancellation date. Cancelled periods do not renew.

All policies carry CTPL and commercial TPL; OD only if ``od_cover``.

Claims table (one row per claim)
--------------------------------
claim_id : int64
    Unique; numbered 1, 2, ... in order of policy period, coverage and
    occurrence date before censoring at the valuation date (so a claim keeps
    its id in every snapshot of the same book).
policy_id : int64
    The claim belongs to the period of that policy containing its
    ``occurrence_date``.
coverage : category
    ``ctpl`` (compulsory traffic liability), ``tpl`` (commercial third-party
    liability), ``od`` (own damage).
occurrence_date : datetime64[ns]
    Uniform over the days of the period ``[period_start, period_end)``.
report_date : datetime64[ns]
    Occurrence + reporting delay (lognormal days; longer for liability).
settlement_date : datetime64[ns]
    Report + settlement delay (months to years for liability, longer for
    larger claims); ``NaT`` while open at the valuation date.
paid, incurred : float64
    CNY at the valuation date. Settled: ``paid == incurred == ultimate``.
    Open: ``paid`` is a share of ultimate growing with the time since report
    (``paid < ultimate``) and ``incurred`` is paid plus a case reserve, an
    imperfect case estimate of ultimate; always ``paid <= incurred``.
ultimate : float64
    The true final cost (Gamma), rounded to 0.01 CNY. Known only because the
    book is synthetic; a real claims table has no such column.

With ``valuation_date=None`` (the default) the book is fully developed: every
claim is reported and settled and ``paid == incurred == ultimate``. With a
valuation date, claims reported after it are dropped (``truth.ibnr_count``,
``truth.ibnr_ultimate``; claims occurring after it go to
``truth.unoccurred_count``). The policies and the underlying claims do not
depend on the valuation date, so books of one seed at several valuation dates
are consistent snapshots (same claim ids), from which development triangles
can be built. The policy table always holds every period, including those
starting after the valuation date.

Dynamics
--------
Year 1 holds ``n_policies`` new policies. Each later year every expiring,
non-cancelled period renews unless it lapses. The odds of lapsing are the
odds of ``lapse_rate`` (default 0.15) times a channel odds ratio (agent 0.8,
dealer 1.0, direct 1.0, online 1.8) times 1.8 if the expiring period had a
commercial claim (so about 12% lapse through agents, 24% online, 24% after a
claim). Lapses and cancellations are replaced by new business so that exactly
``n_policies`` periods incept in every year. At renewal the
vehicle and driver ages grow by one, the NCD level moves, and everything else
(vehicle, region, channel, gender, use, price) is kept.

Examples
--------
>>> book = synthetic_book(n_policies=1_000, n_years=2, seed=1)
>>> book.policies["period_start"].dt.year.value_counts().sort_index().tolist()
[1000, 1000]
>>> sorted(book.claims["coverage"].cat.categories)
['ctpl', 'od', 'tpl']
>>> lam = book.truth.frequency(book.policies, "tpl")    # true rate per policy
>>> bool((lam > 0).all())
True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from autorisk.datasets.ncd import NCD_MIN, NcdState, ncd_state_for_level, ncd_transition
from autorisk.datasets.synthetic_locations import CityPlacer
from autorisk.datasets.synthetic_vehicles import simulate_vehicles, vehicle_columns
from autorisk.datasets.truth import (
    BAND_EDGES,
    COMMERCIAL_COVERAGES,
    COVERAGES,
    LEVELS,
    MAX_DELAY_DAYS,
    SyntheticTruth,
)
from autorisk.errors import DataError

# --------------------------------------------------------------------------
# Portfolio mix of new business (documented in the module docstring)
# --------------------------------------------------------------------------
VEHICLE_TYPE_P = (0.56, 0.30, 0.10, 0.04)  # sedan, suv, mpv, van
SEAT_VALUES = np.array([5, 7, 9], dtype=np.int8)
SEATS_P = np.array(  # rows: vehicle type; columns: 5, 7, 9 seats
    [[1.00, 0.00, 0.00], [0.80, 0.20, 0.00], [0.00, 0.85, 0.15], [0.00, 0.30, 0.70]]
)
BUSINESS_USE_P = np.array([0.05, 0.05, 0.12, 0.30])  # by vehicle type
REGION_P = (0.14, 0.10, 0.11, 0.09, 0.05, 0.07, 0.08, 0.36)
PRICE_MEDIAN = np.array([130_000.0, 170_000.0, 190_000.0, 85_000.0])  # by vehicle type
PRICE_REGION_FACTOR = np.array([1.10, 1.12, 1.08, 0.95, 1.25, 0.95, 0.90, 1.00])
PRICE_SIGMA = 0.45
PRICE_MIN, PRICE_MAX = 30_000.0, 3_000_000.0
NEW_VEHICLE_SHARE = 0.35
USED_VEHICLE_AGE_MEAN = 4.0  # 1 + floor(exponential), capped at 20
MAX_NEW_BUSINESS_VEHICLE_AGE = 20
DRIVER_AGE_NB = (  # (lowest, highest, probability), uniform within
    (18, 24, 0.07),
    (25, 29, 0.12),
    (30, 44, 0.40),
    (45, 59, 0.30),
    (60, 80, 0.11),
)
MAX_DRIVER_AGE = 85
FEMALE_P = np.array([0.38, 0.30, 0.25, 0.10])  # by vehicle type
CHANNEL_P = np.array(  # agent, dealer, direct, online
    [[0.50, 0.12, 0.14, 0.24], [0.25, 0.55, 0.08, 0.12]]  # used vehicle, new vehicle
)
NCD_NB_P = (0.28, 0.12, 0.12, 0.13, 0.25, 0.06, 0.025, 0.01, 0.003, 0.002)  # used vehicles
OD_COVER_FLOOR, OD_COVER_RANGE, OD_COVER_SCALE = 0.30, 0.65, 6.0
LAPSE_CHANNEL_ODDS_RATIO = np.array([0.8, 1.0, 1.0, 1.8])  # agent, dealer, direct, online
LAPSE_AFTER_CLAIM_ODDS_RATIO = 1.8
MAX_YEARS = 100

_NS_PER_DAY = 86_400_000_000_000
_EPOCH = np.datetime64("1970-01-01", "D")


class SyntheticBook(NamedTuple):
    """A synthetic book: ``(policies, claims, truth)``.

    Attributes
    ----------
    policies : DataFrame
        One row per policy period (see the module docstring for columns).
    claims : DataFrame
        One row per claim reported by the valuation date.
    truth : SyntheticTruth
        The model that generated the book, and valuation-date bookkeeping.

    Examples
    --------
    >>> policies, claims, truth = synthetic_book(500, n_years=3, seed=2)
    >>> len(policies), truth.generation["n_policies"]
    (1500, 500)
    >>> bool(claims["policy_id"].isin(policies["policy_id"]).all())
    True
    """

    policies: pd.DataFrame
    claims: pd.DataFrame
    truth: SyntheticTruth


def synthetic_book(
    n_policies: int = 10_000,
    n_years: int = 3,
    seed: int = 0,
    *,
    start_year: int = 2021,
    valuation_date: Any = None,
    lapse_rate: float = 0.15,
    cancellation_rate: float = 0.03,
    locations: bool = False,
    vehicles: bool = False,
) -> SyntheticBook:
    """Simulate a Chinese private-car motor book with known truth.

    Parameters
    ----------
    n_policies : int, default 10_000
        Policy periods incepting in each underwriting year (lapses and
        cancellations are replaced by new business).
    n_years : int, default 3
        Underwriting years ``start_year .. start_year + n_years - 1``; the
        policy table has ``n_policies * n_years`` rows.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same arguments give
        identical frames.
    start_year : int, default 2021
        First underwriting year.
    valuation_date : date-like, optional
        Date at which claims are observed (time of day ignored). ``None``:
        fully developed. Must not precede 1 January of ``start_year``.
    lapse_rate : float, default 0.15
        Base probability that an expiring period does not renew, before the
        channel and after-claim odds ratios (0: nobody lapses, 1: everybody).
    cancellation_rate : float, default 0.03
        Probability that a period is cancelled mid-term.
    locations : bool, default False
        Give each policy a ``city`` with its ``lon``/``lat`` (columns after
        ``region``) and multiply its claim frequency by a smooth spatial
        relativity, listed per city in ``truth.locations`` (see
        :mod:`autorisk.datasets.synthetic_locations`). ``False``: no such
        columns and the book of earlier versions, bit for bit (with
        ``True`` the first year's policies are unchanged; claims, and through
        lapses and NCD later years, move).
    vehicles : bool, default False
        Add ``make`` and ``model`` columns and a known vehicle effect on the
        claim frequency (:mod:`autorisk.datasets.synthetic_vehicles`; truth in
        ``truth.generation["vehicles"]``). Drawn from a separate random
        stream: the first year's policies are as with ``False``; the claims,
        and through them later renewals (NCD, lapses), change.

    Returns
    -------
    SyntheticBook
        ``(policies, claims, truth)``.

    Raises
    ------
    DataError
        On a bad argument (e.g. ``n_policies <= 0``).

    Notes
    -----
    Fully vectorised per underwriting year; 10 million policy-years take well
    under a minute on one core (see ``benchmarks/bench_synthetic_book.py``).

    Examples
    --------
    >>> book = synthetic_book(1_000, n_years=2, seed=1)
    >>> len(book.policies), book.policies["period_start"].dt.year.unique().tolist()
    (2000, [2021, 2022])
    >>> sorted(book.claims["coverage"].unique())
    ['ctpl', 'od', 'tpl']
    >>> synthetic_book(1_000, n_years=2, seed=1).policies.equals(book.policies)  # same seed, same book
    True

    Valued mid-way, the claims reported later are missing and counted in the truth:

    >>> early = synthetic_book(1_000, n_years=2, seed=1, valuation_date="2022-06-30")
    >>> len(early.claims) < len(book.claims), early.truth.n_ibnr > 0
    (True, True)
    """
    n = _check_int("n_policies", n_policies, 1)
    n_years = _check_int("n_years", n_years, 1, MAX_YEARS)
    seed = _check_int("seed", seed, 0)
    start_year = _check_int("start_year", start_year, 1900, 2200 - n_years)
    lapse_rate = _check_rate("lapse_rate", lapse_rate)
    cancellation_rate = _check_rate("cancellation_rate", cancellation_rate)
    valuation = _check_valuation(valuation_date, start_year)
    if not isinstance(locations, (bool, np.bool_)):
        raise DataError(f"locations must be True or False, got {locations!r}")
    if not isinstance(vehicles, (bool, np.bool_)):
        raise DataError(f"vehicles must be True or False, got {vehicles!r}")
    vehicle_truth, model_of_id = simulate_vehicles(seed, n * n_years) if vehicles else (None, None)

    truth = dataclasses.replace(
        SyntheticTruth.default(),
        dynamics={
            "lapse_rate": lapse_rate,
            "cancellation_rate": cancellation_rate,
            "lapse_channel_odds_ratio": dict(
                zip(LEVELS["channel"], LAPSE_CHANNEL_ODDS_RATIO.tolist(), strict=True)
            ),
            "lapse_after_claim_odds_ratio": LAPSE_AFTER_CLAIM_ODDS_RATIO,
            "max_driver_age": MAX_DRIVER_AGE,
            "ncd_rule": "autorisk.datasets.ncd.ncd_transition (TPL + OD claims)",
        },
        generation={
            "n_policies": n,
            "n_years": n_years,
            "seed": seed,
            "start_year": start_year,
        },
    )
    rng = np.random.default_rng(seed)
    total = n * n_years
    out = {name: np.empty(total, dtype=dtype) for name, dtype in _POLICY_DTYPES.items()}
    claim_chunks: list[dict[str, np.ndarray]] = []
    prev: dict[str, np.ndarray] | None = None
    next_id = 1
    places = CityPlacer(seed, total) if locations else None  # own stream: other draws do not move
    for k in range(n_years):
        year = start_year + k
        if prev is None:
            cur = _new_business(rng, n, year, next_id)
        else:
            renewed = _renew(rng, prev, truth)
            n_new = n - len(renewed["policy_id"])
            fresh = _new_business(rng, n_new, year, next_id)
            cur = {key: np.concatenate([renewed[key], fresh[key]]) for key in renewed}
            del renewed, fresh
        next_id += int((cur["renewal_count"] == 0).sum())
        if places is not None:
            places.place(cur, k * n)
        _set_period(rng, cur, year, cancellation_rate)
        vehicle_log = None
        if vehicle_truth is not None:
            vehicle_log = np.log(vehicle_truth.models["relativity"].to_numpy())[
                model_of_id[cur["policy_id"]]
            ]
        claim_chunks.append(_simulate_claims(rng, cur, truth, vehicle_log))
        for name in out:
            out[name][k * n : (k + 1) * n] = cur[name]
        prev = cur

    claims = {key: np.concatenate([c.pop(key) for c in claim_chunks]) for key in _CLAIM_KEYS}
    del claim_chunks, prev, cur
    # ids before censoring: snapshots of one seed at several valuation dates share them
    claims["claim_id"] = np.arange(1, len(claims["policy_id"]) + 1, dtype=np.int64)
    if valuation is not None:
        claims, censored = _apply_valuation(claims, valuation, truth)
        truth = dataclasses.replace(truth, valuation_date=valuation, **censored)
    else:
        claims["paid"] = claims["ultimate"].copy()
        claims["incurred"] = claims["ultimate"].copy()
    policies = _policy_frame(out)
    if places is not None:
        truth = places.finish(policies, truth)
    if vehicle_truth is not None:
        columns = vehicle_columns(vehicle_truth, model_of_id[policies["policy_id"].to_numpy()])
        policies = policies.assign(**columns)
        truth = dataclasses.replace(
            truth, generation={**truth.generation, "vehicles": vehicle_truth}
        )
    return SyntheticBook(policies, _claim_frame(claims), truth)


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------
def _check_int(name: str, value: Any, lower: int, upper: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DataError(f"{name} must be an integer, got {value!r}")
    if value < lower or (upper is not None and value > upper):
        bound = f">= {lower}" if upper is None else f"in [{lower}, {upper}]"
        raise DataError(f"{name} must be {bound}, got {value!r}")
    return int(value)


def _check_rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(f"{name} must be a probability, got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise DataError(f"{name} must lie in [0, 1], got {value!r}")
    return float(value)


def _check_valuation(value: Any, start_year: int) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"valuation_date must be a date, got {value!r}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise DataError(f"valuation_date must be a date, got {value!r}")
    if ts.tzinfo is not None:
        raise DataError(f"valuation_date must be timezone-naive, got {value!r}")
    ts = ts.normalize()
    if ts < pd.Timestamp(year=start_year, month=1, day=1):
        raise DataError(
            f"valuation_date {ts.date()} precedes the first underwriting year {start_year}"
        )
    return ts


# --------------------------------------------------------------------------
# policies
# --------------------------------------------------------------------------
_POLICY_DTYPES: dict[str, Any] = {
    "policy_id": np.int64,
    "start": np.int64,  # days since 1970-01-01
    "end": np.int64,
    "days": np.int64,
    "renewal_count": np.int16,
    "vehicle_type": np.int8,
    "seats": np.int8,
    "use": np.int8,
    "vehicle_age": np.int8,
    "new_car_price": np.float32,
    "region": np.int8,
    "driver_age": np.int8,
    "gender": np.int8,
    "ncd_level": np.int8,
    "channel": np.int8,
    "od_cover": np.bool_,
    "cancelled": np.bool_,
}


def _day(year: int, month: int = 1, day: int = 1) -> int:
    return int((np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D") - _EPOCH).astype(int))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _annual_days(start: np.ndarray, year: int) -> np.ndarray:
    """Days from each start (in ``year``) to the same calendar date a year later."""
    before_march = start < _day(year, 3, 1)
    return np.where(before_march, 365 + _is_leap(year), 365 + _is_leap(year + 1)).astype(np.int64)


def _draw(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:
    """Codes ``0..len(p)-1`` drawn with probabilities ``p`` (normalised)."""
    cdf = np.cumsum(np.asarray(p, dtype=np.float64))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int8)


def _draw_given(rng: np.random.Generator, p: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Codes drawn with probabilities ``p[given]`` (one row of ``p`` per condition)."""
    cdf = np.cumsum(p, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(given))
    out = np.empty(len(given), dtype=np.int8)
    for row in range(p.shape[0]):
        mask = given == row
        out[mask] = np.searchsorted(cdf[row], u[mask], side="right")
    return out


def _od_cover_probability(vehicle_age: np.ndarray) -> np.ndarray:
    return OD_COVER_FLOOR + OD_COVER_RANGE * np.exp(-vehicle_age / OD_COVER_SCALE)


def _new_business(rng: np.random.Generator, n: int, year: int, first_id: int) -> dict:
    vehicle_type = _draw(rng, VEHICLE_TYPE_P, n)
    seats = SEAT_VALUES[_draw_given(rng, SEATS_P, vehicle_type)]
    use = (rng.random(n) < BUSINESS_USE_P[vehicle_type]).astype(np.int8)
    region = _draw(rng, REGION_P, n)
    new_vehicle = rng.random(n) < NEW_VEHICLE_SHARE
    used_age = 1 + np.minimum(
        np.floor(rng.exponential(USED_VEHICLE_AGE_MEAN, n)), MAX_NEW_BUSINESS_VEHICLE_AGE - 1
    )
    vehicle_age = np.where(new_vehicle, 0, used_age).astype(np.int8)
    median = PRICE_MEDIAN[vehicle_type] * PRICE_REGION_FACTOR[region]
    price = rng.lognormal(np.log(median), PRICE_SIGMA)
    price = np.clip(np.round(price / 100.0) * 100.0, PRICE_MIN, PRICE_MAX).astype(np.float32)
    lo = np.array([b[0] for b in DRIVER_AGE_NB])
    width = np.array([b[1] - b[0] + 1 for b in DRIVER_AGE_NB])
    age_band = _draw(rng, [b[2] for b in DRIVER_AGE_NB], n)
    driver_age = (lo[age_band] + np.floor(rng.random(n) * width[age_band])).astype(np.int8)
    gender = (rng.random(n) >= FEMALE_P[vehicle_type]).astype(np.int8)  # 0 = F, 1 = M
    channel = _draw_given(rng, CHANNEL_P, new_vehicle.astype(np.int8))
    used_level = _draw(rng, NCD_NB_P, n) + NCD_MIN
    ncd = ncd_state_for_level(np.where(new_vehicle, 0, used_level))
    od_cover = rng.random(n) < _od_cover_probability(vehicle_age)
    year_days = 365 + _is_leap(year)
    start = _day(year) + np.floor(rng.random(n) * year_days).astype(np.int64)
    return {
        "policy_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "start": start,
        "renewal_count": np.zeros(n, dtype=np.int16),
        "vehicle_type": vehicle_type,
        "seats": seats,
        "use": use,
        "vehicle_age": vehicle_age,
        "new_car_price": price,
        "region": region,
        "driver_age": driver_age,
        "gender": gender,
        "ncd_level": ncd.level,
        "claim_free_years": ncd.claim_free_years,
        "claims_1": ncd.claims_1,
        "claims_2": ncd.claims_2,
        "channel": channel,
        "od_cover": od_cover,
    }


_STATIC = (
    "policy_id",
    "vehicle_type",
    "seats",
    "use",
    "new_car_price",
    "region",
    "gender",
    "channel",
)


def _renew(rng: np.random.Generator, prev: dict, truth: SyntheticTruth) -> dict:
    """Periods renewing from last year's periods ``prev`` (state of the new periods)."""
    commercial = prev["n_commercial"]
    base = truth.dynamics["lapse_rate"]
    odds_ratio = LAPSE_CHANNEL_ODDS_RATIO[prev["channel"]] * np.where(
        commercial > 0, LAPSE_AFTER_CLAIM_ODDS_RATIO, 1.0
    )
    if base >= 1.0:
        p_lapse = np.ones(len(commercial))
    else:
        odds = base / (1.0 - base) * odds_ratio
        p_lapse = odds / (1.0 + odds)
    u = rng.random(len(commercial))
    renews = ~prev["cancelled"] & (u >= p_lapse) & (prev["driver_age"] < MAX_DRIVER_AGE)
    idx = np.flatnonzero(renews)
    new = {key: prev[key][idx] for key in _STATIC}
    new["start"] = prev["end"][idx]
    new["renewal_count"] = prev["renewal_count"][idx] + np.int16(1)
    old_age = prev["vehicle_age"][idx]
    new["vehicle_age"] = old_age + np.int8(1)
    new["driver_age"] = prev["driver_age"][idx] + np.int8(1)
    state = NcdState(
        prev["ncd_level"][idx],
        prev["claim_free_years"][idx],
        prev["claims_1"][idx],
        prev["claims_2"][idx],
    )
    state = ncd_transition(state, commercial[idx])
    new["ncd_level"] = state.level
    new["claim_free_years"] = state.claim_free_years
    new["claims_1"] = state.claims_1
    new["claims_2"] = state.claims_2
    keep = _od_cover_probability(new["vehicle_age"]) / _od_cover_probability(old_age)
    new["od_cover"] = prev["od_cover"][idx] & (rng.random(len(idx)) < keep)
    return new


def _set_period(rng: np.random.Generator, cur: dict, year: int, cancellation_rate: float) -> None:
    """Add ``end``, ``days`` and ``cancelled`` to the periods of ``year``."""
    n = len(cur["start"])
    full = _annual_days(cur["start"], year)
    cancelled = rng.random(n) < cancellation_rate
    idx = np.flatnonzero(cancelled)
    days = full.copy()
    days[idx] = 1 + np.floor(rng.random(len(idx)) * (full[idx] - 1)).astype(np.int64)
    cur["cancelled"] = cancelled
    cur["days"] = days
    cur["end"] = cur["start"] + days


# --------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------
_CLAIM_KEYS = ("policy_id", "coverage", "occurrence", "report", "settlement", "ultimate", "z")


def _truth_codes(cur: dict) -> dict[str, np.ndarray]:
    """Level codes of the rating factors (positions in ``LEVELS``)."""
    codes = {f: cur[f] for f in ("vehicle_type", "use", "region", "channel")}
    for raw, edges in BAND_EDGES.items():
        codes[f"{raw}_band"] = (
            np.searchsorted(np.asarray(edges), cur[raw], side="right") - 1
        ).astype(np.int8)
    codes["ncd_level"] = (cur["ncd_level"] - NCD_MIN).astype(np.int8)
    return codes


def _simulate_claims(
    rng: np.random.Generator, cur: dict, truth: SyntheticTruth, extra_log: np.ndarray | None = None
) -> dict:
    """Draw the claims of one year's periods; adds ``n_commercial`` to ``cur``.

    ``extra_log``: a log multiplier of every coverage's frequency per period (the vehicle effect).
    """
    n = len(cur["start"])
    codes = _truth_codes(cur)
    exposure = cur["days"] / 365.25
    price = cur["new_car_price"]
    n_commercial = np.zeros(n, dtype=np.int64)
    parts: list[dict[str, np.ndarray]] = []
    for code, cov in enumerate(COVERAGES):
        log_lam = truth.log_frequency_from_codes(cov, codes, price, cur["driver_age"])
        if "spatial_log" in cur:  # synthetic_book(locations=True)
            log_lam = log_lam + cur["spatial_log"]
        lam = np.exp(log_lam if extra_log is None else log_lam + extra_log)
        mean_count = lam * exposure
        if cov == "od":
            mean_count[~cur["od_cover"]] = 0.0
        counts = rng.poisson(mean_count)
        if cov in COMMERCIAL_COVERAGES:
            n_commercial += counts
        rows = np.repeat(np.arange(n), counts)
        m = len(rows)
        occurrence = cur["start"][rows] + np.floor(rng.random(m) * cur["days"][rows]).astype(
            np.int64
        )
        sev_codes = {f: c[rows] for f, c in codes.items()}
        mu = np.exp(truth.log_severity_from_codes(cov, sev_codes, price[rows], m))
        shape = truth.severity_shape[cov]
        raw = rng.gamma(shape, mu / shape)
        ultimate = np.maximum(np.round(raw, 2), 0.01)
        dev = truth.development[cov]
        report_delay = np.floor(
            rng.lognormal(math.log(dev["report_median_days"]), dev["report_sigma"], m)
        )
        settle_delay = np.ceil(
            rng.lognormal(math.log(dev["settlement_median_days"]), dev["settlement_sigma"], m)
            * (raw / mu) ** dev["settlement_severity_power"]
        )
        report = occurrence + np.minimum(report_delay, MAX_DELAY_DAYS).astype(np.int64)
        settlement = report + np.clip(settle_delay, 1, MAX_DELAY_DAYS).astype(np.int64)
        parts.append(
            {
                "row": rows,
                "policy_id": cur["policy_id"][rows],
                "coverage": np.full(m, code, dtype=np.int8),
                "occurrence": occurrence,
                "report": report,
                "settlement": settlement,
                "ultimate": ultimate,
                "z": rng.standard_normal(m),
            }
        )
    cur["n_commercial"] = n_commercial
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((merged["occurrence"], merged["coverage"], merged.pop("row")))
    return {key: merged[key][order] for key in _CLAIM_KEYS}


def _apply_valuation(
    claims: dict, valuation: pd.Timestamp, truth: SyntheticTruth
) -> tuple[dict, dict]:
    """Censor fully developed claims at the valuation date."""
    v = int((valuation.to_datetime64().astype("datetime64[D]") - _EPOCH).astype(int))
    cov = claims["coverage"]
    reported = claims["report"] <= v
    ibnr = ~reported & (claims["occurrence"] <= v)
    unoccurred = claims["occurrence"] > v
    censored: dict[str, dict] = {
        "ibnr_count": {},
        "ibnr_ultimate": {},
        "unoccurred_count": {},
        "unoccurred_ultimate": {},
    }
    for code, name in enumerate(COVERAGES):
        this = cov == code
        for label, mask in (("ibnr", ibnr & this), ("unoccurred", unoccurred & this)):
            censored[f"{label}_count"][name] = int(mask.sum())
            censored[f"{label}_ultimate"][name] = float(claims["ultimate"][mask].sum())
    kept = {key: value[reported] for key, value in claims.items()}
    open_ = kept["settlement"] > v
    idx = np.flatnonzero(open_)
    cov = kept["coverage"][idx]
    ultimate = kept["ultimate"][idx]
    report = kept["report"][idx]
    dev = truth.development

    def per_coverage(key: str) -> np.ndarray:
        return np.array([dev[c][key] for c in COVERAGES])[cov]

    elapsed = (v - report) / (kept["settlement"][idx] - report)  # in [0, 1) when open
    paid_share = per_coverage("paid_share") * elapsed ** per_coverage("paid_power")
    paid = np.floor(ultimate * paid_share * 100.0) / 100.0  # floor: stays below ultimate
    log_error = (1.0 - elapsed) * (
        per_coverage("case_bias") + per_coverage("case_sigma") * kept["z"][idx]
    )
    case = np.round(ultimate * np.exp(log_error), 2)
    kept["paid"] = kept["ultimate"].copy()
    kept["paid"][idx] = paid
    kept["incurred"] = kept["ultimate"].copy()
    kept["incurred"][idx] = np.maximum(case, paid)
    kept["open"] = open_
    return kept, censored


# --------------------------------------------------------------------------
# frames
# --------------------------------------------------------------------------
def _as_datetime(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Days since the epoch -> datetime64[ns], in place (``missing`` -> NaT)."""
    days *= _NS_PER_DAY
    out = days.view("datetime64[ns]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return out


def _categorical(codes: np.ndarray, factor: str) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(LEVELS[factor]))


def _policy_frame(out: dict[str, np.ndarray]) -> pd.DataFrame:
    exposure = out.pop("days") / 365.25
    columns = {
        "policy_id": out.pop("policy_id"),
        "period_start": _as_datetime(out.pop("start")),
        "period_end": _as_datetime(out.pop("end")),
        "exposure": exposure,
        "renewal_count": out.pop("renewal_count"),
        "vehicle_type": _categorical(out.pop("vehicle_type"), "vehicle_type"),
        "seats": out.pop("seats"),
        "use": _categorical(out.pop("use"), "use"),
        "vehicle_age": out.pop("vehicle_age"),
        "new_car_price": out.pop("new_car_price"),
        "region": _categorical(out.pop("region"), "region"),
        "driver_age": out.pop("driver_age"),
        "gender": _categorical(out.pop("gender"), "gender"),
        "ncd_level": out.pop("ncd_level"),
        "channel": _categorical(out.pop("channel"), "channel"),
        "od_cover": out.pop("od_cover"),
        "cancelled": out.pop("cancelled"),
    }
    return pd.DataFrame(columns, copy=False)


def _claim_frame(claims: dict[str, np.ndarray]) -> pd.DataFrame:
    open_ = claims.pop("open", None)
    columns = {
        "claim_id": claims.pop("claim_id"),
        "policy_id": claims.pop("policy_id"),
        "coverage": pd.Categorical.from_codes(claims.pop("coverage"), categories=list(COVERAGES)),
        "occurrence_date": _as_datetime(claims.pop("occurrence")),
        "report_date": _as_datetime(claims.pop("report")),
        "settlement_date": _as_datetime(claims.pop("settlement"), open_),
        "paid": claims.pop("paid"),
        "incurred": claims.pop("incurred"),
        "ultimate": claims.pop("ultimate"),
    }
    return pd.DataFrame(columns, copy=False)


__all__ = ["SyntheticBook", "synthetic_book"]
