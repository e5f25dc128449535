"""China motor rating-plan template: compulsory TPL and commercial TPL / own damage after the 2020 reform.

Every regulatory and tariff value is data, read from the bundled
``china_motor.json`` (:func:`china_template`), where each table keeps its
source, its confidence (``confirmed`` / ``recalled`` / ``illustrative``) and
its caveats. The plan built here is

* **CTPL** (交强险, coverage ``"ctpl"``): base premium of the vehicle class x
  ``(1 + floating rate)``, the rate set by the region group (A-E) and the
  claim-history category, rounded to the fen:

  - base premiums: 2008 CTPL base rate table (CIRC), classes 1-10 confirmed
    against reprints, trucks recalled; the plan's base rate is the private car
    under 6 seats (950 yuan) and every class is a relativity to it;
  - floating rates: the 2020 announcement on CTPL limits and floating rates
    (银保监会、公安部、国家卫生健康委、农业农村部), amending the 2007 interim
    measures; groups and the -50% / +30% ends confirmed, other rates recalled.
    History category ``0`` (first insured, no history) does not float (recalled).

* **commercial** coverages (the benchmark pure premiums you pass, e.g. from
  :func:`~autorisk.rating.coverage_from_glm`), each extended by::

      premium = benchmark x option x NCD x traffic violation x autonomous / (1 - expense loading)

  - option: increased-limit factor of the TPL limit (options 100k-10M yuan,
    2020 reform range; the grid inside it recalled) or the own-damage
    deductible credit, both from an **illustrative** lognormal severity
    (:mod:`autorisk.rating.limits`);
  - NCD: the 2020 ladder, national -4..+5 (0.5-2.0) or Beijing and Xiamen
    -5..+5 (0.4-2.0), recalled except its range and ends;
  - traffic violation: only in the regions reported to have one (Beijing,
    Shanghai, Jiangsu, Shenzhen; one secondary source); the class table is
    **illustrative** and each region's coefficient is that table clipped to
    the region's reported range; every other region gets 1.0;
  - autonomous pricing coefficient: from your risk model, clamped to the
    regulatory range, 0.65-1.35 (2020 guidance) or 0.5-1.5 (notice of
    2022-12-30, in force region by region in 2023), or a range you give;
  - expense loading: at most 25% (2020 guidance, down from 35%).

  Every band factor of a benchmark has an accepted range (the JSON's
  ``accepted_ranges``: vehicle age 0-30, driver age 18-100, seats 1-60, new-car
  price 10,000-50,000,000 yuan, each with its reason, or your ``ranges=``), so
  ``vehicle_age=-1`` or ``1e308`` is refused, not rated in an outer band.

The loading cap, the NCD range and the autonomous range are also plan
:class:`~autorisk.rating.Bound` s, each carrying its source, so a hand-edited
plan file breaking them is refused on load and a relativity outside them is
refused at quote time. (The two-way tables, traffic violation and CTPL
floating rate, have no bound: :func:`~autorisk.rating.bounds.check_plan_bounds`
reads a factor's ``values``, which an ``InteractionFactor`` does not have.) VAT (6%) is included in the
Chinese tariff premiums, so the plan adds no tax; the vehicle and vessel tax
collected with CTPL is not a premium and is left out.

Not legal or regulatory advice: replace the tables with your filed ones
before real use (see the JSON's ``meta``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from autorisk.errors import DataError, DataIssue, ParameterError, PlanError
from autorisk.rating.bounds import Bound
from autorisk.rating.coverage import Coverage
from autorisk.rating.factors import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    Factor,
    InteractionFactor,
)
from autorisk.rating.limits import deductible_factor, limit_factor
from autorisk.rating.plan import RatingPlan

__all__ = [
    "DEFAULT_COLUMNS",
    "china_motor_plan",
    "china_template",
    "ctpl_coverage",
    "ctpl_vehicle_class",
]

#: Policy attributes the template reads, by default name; ``columns=`` maps them to yours.
DEFAULT_COLUMNS: dict[str, str] = {
    name: name
    for name in ("region", "ctpl_class", "ctpl_history", "ncd_level", "traffic_violation_class",
                 "autonomous_coefficient", "tpl_limit", "od_deductible")
}  # fmt: skip
#: CTPL class whose premium is the coverage's base rate (家庭自用汽车6座以下).
CTPL_BASE_CLASS = "private_car_lt6"
#: CTPL claim-history category of a vehicle first insured (no history): no floating.
CTPL_NO_HISTORY = 0
#: NCD ladders of the JSON and the scale name recorded in the plan.
NCD_SCALES = {"national": "CN national 2020", "beijing_xiamen": "CN Beijing-Xiamen 2020"}
#: How :func:`ctpl_vehicle_class` reads ``use``: the owner type of a non-operating passenger car.
USE_TO_OWNER = {"private": "private", "business": "enterprise", "enterprise": "enterprise",
                "government": "government"}  # fmt: skip

_PACKAGE = "autorisk.rating.templates"
_FILE = "china_motor.json"


@functools.cache
def _template_text() -> str:
    return resources.files(_PACKAGE).joinpath(_FILE).read_text(encoding="utf-8")


def china_template() -> dict[str, Any]:
    """The China motor template data (``china_motor.json``), a fresh copy on each call.

    Returns
    -------
    dict
        Top-level keys ``meta``, ``ncd_ladders``,
        ``autonomous_pricing_coefficient``, ``expense_loading_cap``, ``ctpl``,
        ``tpl_limits``, ``od_deductibles``, ``traffic_violation_coefficient``,
        ``accepted_ranges`` and ``vat_rate``; every table has its ``source``
        and ``confidence``.

    Examples
    --------
    >>> data = china_template()
    >>> data["expense_loading_cap"]["value"], data["autonomous_pricing_coefficient"]["ranges"]["2023"]
    (0.25, [0.5, 1.5])
    """
    return json.loads(_template_text())


# -------------------------------------------------------------------- CTPL


def ctpl_vehicle_class(use: ArrayLike, seats: ArrayLike) -> np.ndarray:
    """CTPL vehicle class code of non-operating passenger cars, from their use and number of seats.

    Seat bands include their lower end and exclude the upper one, as in the
    2008 table (6 seats is "6 and more"; "6-10" is 6 to 9).

    Parameters
    ----------
    use : array-like of str
        ``"private"`` (家庭自用), ``"business"`` (mapped to the *enterprise
        non-operating* classes, 企业非营业, as in the synthetic book),
        ``"enterprise"`` or ``"government"`` (机关非营业).
    seats : array-like of int
        Number of seats, an integer in the JSON's ``accepted_ranges`` for
        ``seats`` (1-60); broadcast against ``use``.

    Returns
    -------
    ndarray of object
        Class codes of ``china_motor.json`` (e.g. ``"private_car_lt6"``).

    Raises
    ------
    DataError
        A use not listed above, or a number of seats that is not an integer in 1-60.

    Examples
    --------
    >>> ctpl_vehicle_class(["private", "private", "business"], [5, 7, 9]).tolist()
    ['private_car_lt6', 'private_car_ge6', 'enterprise_nonop_6_10']
    """
    use_array, seat_array = np.broadcast_arrays(np.asarray(use, dtype=object), np.asarray(seats, dtype=float))
    owner = np.array([USE_TO_OWNER.get(u) if isinstance(u, str) else None for u in use_array.ravel()],
                     dtype=object).reshape(use_array.shape)  # fmt: skip
    out = np.full(use_array.shape, None, dtype=object)
    for entry in china_template()["ctpl"]["base_premium"]["classes"]:
        if "seats" not in entry:
            continue
        low, high = entry["seats"]
        upper = math.inf if high is None else high
        out[(owner == entry["use"]) & (seat_array >= low) & (seat_array < upper)] = entry["code"]
    low_seats, high_seats = _accepted_ranges()["seats"]
    whole = np.isfinite(seat_array) & (seat_array == np.floor(seat_array))
    bad = np.equal(out, None) | ~whole | (seat_array < low_seats) | (seat_array > high_seats)
    if bad.any():
        flat = bad.ravel()
        values = np.empty(flat.size, dtype=object)
        values[:] = list(zip(use_array.ravel().tolist(), seat_array.ravel().tolist(), strict=True))
        expected = f"use in {sorted(USE_TO_OWNER)} and an integer number of seats in [{low_seats:g}, {high_seats:g}]"
        raise DataError(DataIssue.from_mask("use, seats", "no CTPL vehicle class", expected, flat,
                                            pd.RangeIndex(flat.size), values))  # fmt: skip
    return out


def ctpl_coverage(extra_regions: Mapping[str, str] | None = None,
                  columns: Mapping[str, str] | None = None) -> Coverage:  # fmt: skip
    """Compulsory TPL (交强险): class base premium x (1 + floating rate), rounded to 0.01 yuan.

    Parameters
    ----------
    extra_regions : mapping of str to str, optional
        Region labels of your data that are not in the JSON's
        ``province_group`` (English names of the 31 provinces and the five
        separately planned cities), each mapped to a group ``"A"`` ... ``"E"``,
        e.g. ``{"Other": "E"}``.
    columns : mapping of str to str, optional
        Your names for ``region``, ``ctpl_class`` (class code, see
        :func:`ctpl_vehicle_class`) and ``ctpl_history`` (integer category
        1-6 of the 2020 table, 0 for a vehicle with no history).

    Returns
    -------
    Coverage
        ``"ctpl"``: base rate 950 (private car under 6 seats), a
        ``vehicle_class`` table (class premium / 950) and a complete
        ``floating_rate`` table (region x history): a region or category not
        listed is a QuoteError, never a default.

    Examples
    --------
    >>> from autorisk.rating.plan import RatingPlan
    >>> plan = RatingPlan("ctpl", "1", (ctpl_coverage(),))
    >>> policy = {"region": "Hainan", "ctpl_class": "private_car_lt6", "ctpl_history": 3}
    >>> plan.quote_one(policy)["premium_ctpl"]
    475.0
    """
    data = china_template()
    cols = _columns(columns)
    regions = _region_groups(data, extra_regions)
    classes = data["ctpl"]["base_premium"]["classes"]
    base = next(float(c["premium"]) for c in classes if c["code"] == CTPL_BASE_CLASS)
    vehicle = CategoricalFactor("vehicle_class", cols["ctpl_class"], tuple(c["code"] for c in classes),
                                tuple(c["premium"] / base for c in classes))  # fmt: skip
    floating = data["ctpl"]["floating_rate"]
    cells = []
    for region, group in regions.items():
        rates = {CTPL_NO_HISTORY: floating["no_history"]["rate"]}
        rates.update({int(c["class"]): rate for c, rate in zip(floating["classes"], floating["rates"][group], strict=True)})
        cells += [(region, category, 1.0 + rate) for category, rate in rates.items()]
    table = InteractionFactor("floating_rate", cols["region"], cols["ctpl_history"], tuple(cells), default=None)
    return Coverage("ctpl", base, (vehicle, table), rounding=0.01)


# -------------------------------------------------------------- commercial


def china_motor_plan(
    tpl: Coverage,
    od: Coverage | None = None,
    *,
    ncd_scale: Literal["national", "beijing_xiamen"] = "national",
    autonomous_range: Literal["2020", "2023"] | tuple[float, float] = "2020",
    expense_loading: float = 0.25,
    extra_regions: Mapping[str, str] | None = None,
    name: str = "China motor",
    version: str = "1",
    effective_from: str | None = None,
    columns: Mapping[str, str] | None = None,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> RatingPlan:
    """A Chinese motor rating plan: CTPL plus commercial TPL (and own damage) on your benchmark pure premiums.

    Each commercial coverage keeps the benchmark's factors and appends the
    option factor (``"limit"`` on ``tpl``, ``"deductible"`` on ``od``),
    ``"ncd"``, ``"traffic_violation"`` and ``"autonomous"``, with the loading
    ``{"expenses": expense_loading}``. The quote records the clamp of the
    autonomous coefficient in ``<coverage>.autonomous.clamped``.

    Every band factor of a benchmark gets an accepted range: the narrower of
    its own (``lower``/``upper``, e.g. the training range that
    :func:`~autorisk.rating.coverage_from_glm` records) and the template's for
    its column (``ranges``, else the JSON's ``accepted_ranges``); a band
    factor with neither is refused, so no plan built here rates
    ``vehicle_age=-1`` or ``1e308`` in an outer band.

    Parameters
    ----------
    tpl : Coverage
        Benchmark pure premium of commercial third-party liability at the base
        limit (1,000,000 yuan). It must have no loadings and no factor reading
        a column the template rates itself (NCD, violation class, autonomous
        coefficient, limit or deductible), which would count twice.
    od : Coverage, optional
        Benchmark pure premium of own damage at no deductible; same rules.
    ncd_scale : {"national", "beijing_xiamen"}, default "national"
        NCD ladder: -4..+5 (0.5-2.0), or -5..+5 (0.4-2.0) for a Beijing or
        Xiamen book.
    autonomous_range : {"2020", "2023"} or (float, float), default "2020"
        Range the autonomous pricing coefficient is clamped to: 0.65-1.35,
        0.5-1.5, or your own ``(lower, upper)`` with ``0 < lower <= upper``
        (recorded as configured, not as a published range).
    expense_loading : float, default 0.25
        Expense loading in ``[0, cap]``, the cap 0.25 from the JSON.
    extra_regions : mapping of str to str, optional
        Region labels not in the JSON mapped to a CTPL group, e.g.
        ``{"Other": "E"}``; they have no traffic-violation coefficient.
    name, version, effective_from : str, optional
        Passed to :class:`~autorisk.rating.RatingPlan`.
    columns : mapping of str to str, optional
        Your names for the attributes in :data:`DEFAULT_COLUMNS`.
    ranges : mapping of str to (lower, upper), optional
        Accepted values of the benchmarks' banded columns, by column name,
        replacing or adding to the JSON's ``accepted_ranges``
        (``vehicle_age`` 0-30, ``driver_age`` 18-100, ``seats`` 1-60,
        ``new_car_price`` 10,000-50,000,000); either end may be None.

    Returns
    -------
    RatingPlan
        Coverages ``ctpl``, ``tpl`` (and ``od``) with bounds on the loading,
        ``ncd`` and ``autonomous``.

    Raises
    ------
    PlanError
        ``expense_loading`` above the cap (or negative); a benchmark with
        loadings or rating a template column; a band factor with no accepted
        range (neither its own nor the template's), or whose range leaves out
        one of its bands.
    ParameterError
        An unknown ``ncd_scale``, ``autonomous_range``, column key or region group.

    Examples
    --------
    >>> tpl = Coverage("tpl", 600.0)
    >>> plan = china_motor_plan(tpl, autonomous_range="2023", expense_loading=0.2)
    >>> policy = {"region": "Beijing", "ctpl_class": "private_car_lt6", "ctpl_history": 0, "ncd_level": -4,
    ...           "traffic_violation_class": "red_light_or_speeding_6_8", "autonomous_coefficient": 1.7,
    ...           "tpl_limit": 1_000_000}
    >>> quote = plan.quote_one(policy)
    >>> quote["premium_ctpl"], quote["tpl.autonomous"], quote["tpl.autonomous.clamped"]
    (950.0, 1.5, 1)
    >>> round(quote["premium_tpl"], 6)  # 600 x 0.5 x 1.1 x 1.5 / 0.8
    618.75

    A benchmark's vehicle-age bands accept 0-30 years:

    >>> from autorisk.rating import BandFactor
    >>> age = BandFactor("vehicle_age", "vehicle_age", (3.0, 8.0), (1.2, 1.0, 0.9))
    >>> plan = china_motor_plan(tpl, Coverage("od", 1500.0, (age,)))
    >>> plan.coverages[2].factors[0].lower, plan.coverages[2].factors[0].upper
    (0.0, 30.0)
    >>> plan.quote_one({**policy, "od_deductible": 0, "vehicle_age": -1})
    Traceback (most recent call last):
    ...
    autorisk.errors.QuoteError: column 'vehicle_age': cannot rate value -1 (expected a number in [0.0, 30.0])
    """
    data = china_template()
    cols = _columns(columns)
    regions = _region_groups(data, extra_regions)
    cap_section = data["expense_loading_cap"]
    cap = float(cap_section["value"])
    if not 0 <= expense_loading <= cap:
        raise PlanError(f"expense_loading {expense_loading} is outside [0, {cap}]: the cap on the expense loading "
                        f"is {cap} ({cap_section['source']})")  # fmt: skip
    if ncd_scale not in NCD_SCALES:
        raise ParameterError(f"ncd_scale must be one of {list(NCD_SCALES)}, got {ncd_scale!r}")
    ladder = data["ncd_ladders"][ncd_scale]
    ncd = BonusMalusFactor("ncd", cols["ncd_level"], int(ladder["lowest"]), tuple(float(v) for v in ladder["values"]),
                           scale=NCD_SCALES[ncd_scale])  # fmt: skip
    low, high, autonomous_source = _autonomous_range(data, autonomous_range)
    autonomous = BoundedCoefficient("autonomous", cols["autonomous_coefficient"], low, high, autonomous_source)
    violation = _traffic_violation(data, regions, cols)
    common = (ncd, violation, autonomous)
    accepted = {**_accepted_ranges(), **_checked_ranges(ranges)}
    coverages = [ctpl_coverage(extra_regions, columns),
                 _commercial(_ranged(tpl, accepted), _option_factor("tpl_limits", cols["tpl_limit"]), common,
                             expense_loading, cols)]  # fmt: skip
    if od is not None:
        option = _option_factor("od_deductibles", cols["od_deductible"])
        coverages.append(_commercial(_ranged(od, accepted), option, common, expense_loading, cols))
    bounds = (
        Bound("loading", upper=cap, source=f"expense loading cap: {cap_section['source']}"),
        Bound("ncd", min(ncd.values), max(ncd.values), f"{NCD_SCALES[ncd_scale]} NCD ladder: {ladder['source']}"),
        Bound("autonomous", low, high, autonomous_source),
        Bound("ctpl.floating_rate", 0.5, 1.3, "CTPL floating rate -50%..+30% (2020 adjustment): "
              + data["ctpl"]["floating_rate"]["source"]),
    )
    return RatingPlan(name, version, tuple(coverages), effective_from, bounds=bounds)


# ---------------------------------------------------------------- helpers


def _accepted_ranges() -> dict[str, tuple[float, float]]:
    """The JSON's ``accepted_ranges``: ``{column: (lower, upper)}``."""
    columns = china_template()["accepted_ranges"]["columns"]
    return {column: (float(entry["range"][0]), float(entry["range"][1])) for column, entry in columns.items()}


def _checked_ranges(ranges: Mapping[str, Any] | None) -> dict[str, tuple[float | None, float | None]]:
    out: dict[str, tuple[float | None, float | None]] = {}
    for column, bounds in (ranges or {}).items():
        try:
            low, high = (None if v is None else float(v) for v in bounds)
        except (TypeError, ValueError):
            raise ParameterError(f"ranges[{column!r}] must be (lower, upper), got {bounds!r}") from None
        if any(v is not None and not math.isfinite(v) for v in (low, high)) or (
            low is not None and high is not None and low > high
        ):
            raise ParameterError(f"ranges[{column!r}] must be a finite interval (lower <= upper), got {bounds!r}")
        out[str(column)] = (low, high)
    return out


def _ranged(benchmark: Coverage, accepted: Mapping[str, tuple[float | None, float | None]]) -> Coverage:
    """``benchmark`` with every band factor's range narrowed to the template's for its column."""
    factors = []
    for factor in benchmark.factors:
        if isinstance(factor, BandFactor):
            low, high = accepted.get(factor.column, (None, None))
            lower = max((e for e in (factor.lower, low) if e is not None), default=None)
            upper = min((e for e in (factor.upper, high) if e is not None), default=None)
            if lower is None and upper is None:
                raise PlanError(
                    f"benchmark coverage {benchmark.name!r}: band factor {factor.name!r} on {factor.column!r} has no "
                    f"accepted range; give ranges={{{factor.column!r}: (lower, upper)}} (the template knows "
                    f"{sorted(accepted)})"
                )
            try:
                factor = dataclasses.replace(factor, lower=lower, upper=upper)
            except PlanError as error:
                raise PlanError(f"benchmark coverage {benchmark.name!r}: the accepted range of {factor.column!r} "
                                f"(its own [{factor.lower}, {factor.upper}] within the template's [{low}, {high}]) "
                                f"does not fit its bands: {error}") from None  # fmt: skip
        factors.append(factor)
    return dataclasses.replace(benchmark, factors=tuple(factors))


def _columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    unknown = sorted(set(columns or {}) - set(DEFAULT_COLUMNS))
    if unknown:
        raise ParameterError(f"columns: unknown keys {unknown}; valid keys: {list(DEFAULT_COLUMNS)}")
    return {**DEFAULT_COLUMNS, **(columns or {})}


def _region_groups(data: dict[str, Any], extra: Mapping[str, str] | None) -> dict[str, str]:
    """Region label -> CTPL region group: the JSON's mapping plus ``extra`` (which may not contradict it)."""
    floating = data["ctpl"]["floating_rate"]
    regions = dict(floating["province_group"])
    groups = sorted(floating["rates"])
    for region, group in (extra or {}).items():
        if group not in groups:
            raise ParameterError(f"extra_regions: region {region!r} mapped to {group!r}; valid groups: {groups}")
        if regions.get(region, group) != group:
            raise ParameterError(f"extra_regions: region {region!r} is already in group {regions[region]!r}, "
                                 f"not {group!r}")  # fmt: skip
        regions[region] = group
    return regions


def _autonomous_range(data: dict[str, Any], choice: Any) -> tuple[float, float, str]:
    section = data["autonomous_pricing_coefficient"]
    if isinstance(choice, str):
        if choice not in section["regimes"]:
            raise ParameterError(f"autonomous_range must be one of {list(section['regimes'])} or (lower, upper), "
                                 f"got {choice!r}")  # fmt: skip
        regime = section["regimes"][choice]
        low, high = regime["range"]
        return float(low), float(high), f"CN {choice} autonomous pricing range: {regime['source']}"
    try:
        low, high = (float(v) for v in choice)
    except (TypeError, ValueError):
        raise ParameterError(f"autonomous_range must be one of {list(section['regimes'])} or (lower, upper), "
                             f"got {choice!r}") from None  # fmt: skip
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high):
        raise ParameterError(f"autonomous_range must satisfy 0 < lower <= upper, got {choice!r}")
    return low, high, f"configured autonomous pricing range [{low}, {high}] (not one of the published regimes)"


def _traffic_violation(data: dict[str, Any], regions: Mapping[str, str], cols: Mapping[str, str]) -> InteractionFactor:
    """Complete region x class table: the class table clipped to each region's range, 1.0 where there is none."""
    section = data["traffic_violation_coefficient"]
    known = section["regions"]["known"]
    classes = section["classes"]["values"]
    cells = []
    for region in regions:
        low, high = known.get(region, (1.0, 1.0))  # no coefficient in the region: 1.0 for every class
        cells += [(region, label, min(max(float(value), low), high)) for label, value in classes.items()]
    return InteractionFactor("traffic_violation", cols["region"], cols["traffic_violation_class"], tuple(cells),
                             default=None)  # fmt: skip


@functools.cache
def _option_factor(section: str, column: str) -> CategoricalFactor:
    """The limit (``tpl_limits``) or deductible (``od_deductibles``) factor from the JSON's options and severity."""
    options = china_template()[section]
    severity = options["severity"]
    if severity["distribution"] != "lognormal":
        raise PlanError(f"{section}: severity {severity['distribution']!r} not supported (expected 'lognormal')")
    dist = stats.lognorm(severity["parameters"]["sigma"], scale=math.exp(severity["parameters"]["mu"]))
    if section == "tpl_limits":
        return limit_factor(dist, options["options"], base=options["base"], column=column, name="limit")
    return deductible_factor(dist, options["options"], base=options["base"], column=column, name="deductible")


def _commercial(benchmark: Coverage, option: Factor, common: tuple[Factor, ...], expense_loading: float,
                cols: Mapping[str, str]) -> Coverage:  # fmt: skip
    if benchmark.loadings:
        raise PlanError(f"benchmark coverage {benchmark.name!r} already has loadings {dict(benchmark.loadings)}: "
                        f"pass the pure premium; the template adds the expense loading")  # fmt: skip
    ours = {col for factor in (option, *common) for col in factor.columns} - {cols["region"]}
    twice = sorted({f"{f.name} reads {col!r}" for f in benchmark.factors for col in f.columns if col in ours})
    if twice:
        raise PlanError(f"benchmark coverage {benchmark.name!r} rates columns the template rates itself: {twice}")
    return dataclasses.replace(benchmark, factors=(*benchmark.factors, option, *common),
                               loadings={"expenses": float(expense_loading)})  # fmt: skip
