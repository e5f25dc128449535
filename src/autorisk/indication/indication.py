"""Overall rate-level indication: the loss-ratio and pure-premium methods, one engine.

Both methods follow Werner & Modlin, *Basic Ratemaking* (CAS), chapter 8:

* loss ratio: ``indicated change = (LR + F) / (1 - V - Q) - 1`` with ``LR`` the
  trended ultimate loss & LAE over the on-level earned premium and ``F`` the
  fixed expense ratio;
* pure premium: ``indicated average rate = (PP + F_e) / (1 - V - Q)`` with ``PP``
  the trended ultimate loss & LAE per exposure and ``F_e`` the fixed expense per
  exposure; the change is that rate over the current average rate, minus 1.

They agree whenever on-level premium = exposure x current average rate.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.indication._checks import per_year, ratio
from autorisk.indication.credibility import (
    FREQUENCY_STANDARD,
    classical_credibility,
    pure_premium_standard,
)
from autorisk.indication.offbalance import off_balance_factor
from autorisk.indication.premium_trend import two_step_premium_trend
from autorisk.indication.trend import (
    PERIODS,
    DateLike,
    average_accident_date,
    average_written_date,
    decimal_year,
    experience_dates,
    trend_factor,
)

Method = Literal["loss_ratio", "pure_premium"]


@dataclass(frozen=True, kw_only=True)
class Indication:
    """Inputs of an overall rate indication; validated when a method runs.

    Parameters
    ----------
    years : sequence of int
        Experience years: accident years (losses trended from mid-year, premium
        is the calendar year's earned premium) or policy years, see
        ``experience_period``.
    earned_exposure : array-like
        Earned exposure per year (> 0).
    losses : array-like
        Loss per year, ultimate (from a reserving step) or to be developed by
        ``development_factors``.
    forecast_effective : date or decimal year
        Date the new rates take effect.
    variable_expense_ratio, profit_ratio : float
        ``V`` and ``Q``, shares of premium; ``V + Q < 1``.
    earned_premium, on_level_factor : array-like, optional
        Historical earned premium and its on-level factors (e.g. the
        ``on_level_factor`` column of :func:`~autorisk.indication.on_level_factors`).
    on_level_premium : array-like, optional
        Earned premium at current rates (e.g. from
        :func:`~autorisk.indication.extension_of_exposures`); instead of the two above.
    current_average_rate : float, optional
        Current average premium per exposure; default total on-level premium over
        total exposure. Needed by the pure-premium method when no premium is given.
    development_factors : array-like, optional
        Loss development factors to ultimate per year (default 1: ``losses`` are ultimate).
    lae_ratio : float, default 0
        Loss adjustment expense as a ratio to loss: loss & LAE = loss x (1 + ratio).
    loss_trend : float, default 0
        Annual loss (pure premium) trend, e.g. ``0.04``, from each year's average
        accident date (:func:`~autorisk.indication.experience_dates`) to the
        forecast period's (:func:`~autorisk.indication.average_accident_date`).
    premium_trend : float, default 0
        Annual premium trend (e.g. the drift of the average NCD coefficient,
        :func:`~autorisk.indication.ncd_premium_drift`). The loss-ratio method
        trends on-level premium by it, so loss ratios move at the net trend
        ``loss trend factor / premium trend factor``; the pure-premium method
        ignores it (it compares the indicated rate with today's average rate).
        One-step trending (Werner & Modlin, ch. 5): from each year's premium's
        average written date to the forecast period's
        (:func:`~autorisk.indication.average_written_date`).
    latest_average_written_premium : float, optional
        Latest average written premium per exposure at current rate level; when
        given, premium is trended in two steps
        (:func:`~autorisk.indication.two_step_premium_trend`): to this level, then
        at ``premium_trend`` from ``latest_written_date`` to the forecast period's
        average written date.
    latest_written_date : date or decimal year, optional
        Average written date of that latest premium; default the middle of the
        latest experience year.
    experience_period : {"accident", "policy"}, default "accident"
        Accident years or policy years (policies written in the year, losses
        over their terms: average accident date half a term after mid-year).
    rates_in_effect_months, term_months : float, default 12
        How long the new rates will be written, and the policy term; they fix the
        forecast period's average accident date.
    fixed_expense_ratio : float, optional
        ``F``, fixed expense as a share of on-level premium.
    fixed_expense_per_exposure : float, optional
        ``F_e``, fixed expense per exposure; give at most one of the two
        (neither: no fixed expense).
    fixed_expense_trend : float, default 0
        Annual trend of the fixed expense provision given, > -1: trends it from
        ``fixed_expense_date`` to the forecast period's average written date
        (Werner & Modlin, ch. 7: from the average date the historical expenses
        were incurred to the average date they will be incurred). For
        ``fixed_expense_per_exposure`` it is the trend of fixed expense per
        exposure; for ``fixed_expense_ratio`` the trend of the ratio, i.e. how
        much faster fixed expenses grow than average premium (0 when they grow
        alike, as Werner & Modlin assume for the premium-based ratio).
    fixed_expense_date : date or decimal year, optional
        Average date the historical fixed expenses were incurred; default the
        middle of the latest experience year (calendar-year expense data).
    year_weights : array-like, optional
        Weights of each year's loss ratio / pure premium; default: totals over
        all years (weights proportional to premium / exposure).
    claim_counts : array-like, optional
        Claims per year, for classical credibility.
    claim_amounts : array-like, optional
        Individual claim amounts (> 0); their sample coefficient of variation
        (``std(ddof=1) / mean``) is the severity CV of the credibility standard.
    severity_cv : float, optional
        Severity coefficient of variation, given instead of ``claim_amounts``
        (``0`` gives the frequency standard).
    credibility : float, optional
        Given credibility ``Z`` in [0, 1]; overrides ``claim_counts``.
        Neither given: ``Z = 1``.
    full_credibility_claims : float, optional
        Claims for full credibility (square-root rule below it). Default: the
        pure-premium / loss-ratio standard ``(z / k) ** 2 x (1 + CV ** 2)`` with
        ``z = norm.ppf(0.95)``, ``k = 5%`` and the severity CV (Werner & Modlin,
        ch. 12); without a CV, the frequency standard ``(z / k) ** 2`` (about
        1,082) with a warning, as it overstates ``Z`` by ``sqrt(1 + CV ** 2)``.
    complement_change : float, default 0
        Rate change of the complement of credibility (e.g. from
        :func:`~autorisk.indication.trended_present_rates_change`).
    current_base_rate : float, optional
        Current base rate; when given the result carries the new base rate.
    off_balance : float, default 0
        Change of the average rating relativity caused by changes to the
        relativities in the same review (new average / current average - 1).
        The base rate is divided by ``1 + off_balance`` so that base rate and
        relativities together move the average rate by the selected change.
    current_relativity, proposed_relativity : array-like, optional
        The book's relativities now and as proposed, per policy or per level
        (with ``relativity_exposure``); when given the off-balance is computed
        from them (:func:`~autorisk.indication.off_balance_factor`) instead of
        given: ``off_balance = average proposed / average current - 1``.
    relativity_exposure : array-like, optional
        Exposure of each row of the relativities (default 1 each).

    Examples
    --------
    Two years trended at 5% a year to the forecast period's average accident
    date, 1 Jan 2026 (rates effective 1 Jan 2025, annual policies): 2022 is
    trended 3.5 years and 2023 2.5.

    >>> inputs = Indication(years=[2022, 2023], earned_exposure=[10.0, 10.0], losses=[500.0, 600.0],
    ...                     on_level_premium=[1000.0, 1000.0], forecast_effective="2025-01-01",
    ...                     loss_trend=0.05, variable_expense_ratio=0.2, profit_ratio=0.05)
    >>> result = loss_ratio_indication(inputs)
    >>> result.by_year["trend_factor"].round(5).tolist()  # 1.05 ** 3.5, 1.05 ** 2.5
    [1.18621, 1.12973]
    >>> round(result.value("loss & LAE ratio"), 6), round(result.indicated_change, 6)  # 0.635471 / 0.75 - 1
    (0.635471, -0.152705)
    """

    years: Any
    earned_exposure: Any
    losses: Any
    forecast_effective: DateLike
    variable_expense_ratio: float
    profit_ratio: float
    earned_premium: Any = None
    on_level_factor: Any = None
    on_level_premium: Any = None
    current_average_rate: float | None = None
    development_factors: Any = None
    lae_ratio: float = 0.0
    loss_trend: float = 0.0
    premium_trend: float = 0.0
    latest_average_written_premium: float | None = None
    latest_written_date: DateLike | None = None
    experience_period: Literal["accident", "policy"] = "accident"
    rates_in_effect_months: float = 12
    term_months: float = 12
    fixed_expense_ratio: float | None = None
    fixed_expense_per_exposure: float | None = None
    fixed_expense_trend: float = 0.0
    fixed_expense_date: DateLike | None = None
    year_weights: Any = None
    claim_counts: Any = None
    claim_amounts: Any = None
    severity_cv: float | None = None
    credibility: float | None = None
    full_credibility_claims: float | None = None
    complement_change: float = 0.0
    current_base_rate: float | None = None
    off_balance: float = 0.0
    current_relativity: Any = None
    proposed_relativity: Any = None
    relativity_exposure: Any = None


@dataclass(frozen=True)
class IndicationResult:
    """An indicated overall rate change, with every step shown.

    Attributes
    ----------
    method : {"loss_ratio", "pure_premium"}
    steps : DataFrame
        One row per step: ``step``, ``value`` and ``formula``.
    by_year : DataFrame
        Per experience year: exposure, premium, losses, factors and the trended
        loss & LAE ratio and pure premium.
    indicated_change : float
        Indication of the experience alone.
    credibility : float
        ``Z`` given to the experience.
    credibility_weighted_change : float
        ``Z x indicated + (1 - Z) x complement``.
    new_base_rate : float or None
        ``current_base_rate x (1 + weighted change) / (1 + off_balance)``.

    Examples
    --------
    Loss ratio 0.6, ``F + V + Q = 30%``: indicated ``(0.6 + 0.1) / 0.8 - 1 = -12.5%``.
    300 claims against 1,200 for full credibility give ``Z = sqrt(0.25) = 0.5``,
    so the weighted change is -6.25% and the base rate of 400 becomes 375.

    >>> inputs = Indication(years=[2023], earned_exposure=[10.0], losses=[600.0],
    ...                     on_level_premium=[1000.0], forecast_effective="2025-01-01",
    ...                     fixed_expense_ratio=0.10, variable_expense_ratio=0.15, profit_ratio=0.05,
    ...                     claim_counts=[300], full_credibility_claims=1200, current_base_rate=400.0)
    >>> result = loss_ratio_indication(inputs)
    >>> result.indicated_change, result.credibility, result.credibility_weighted_change, result.new_base_rate
    (-0.125, 0.5, -0.0625, 375.0)
    >>> result.value("permissible loss ratio")
    0.8
    >>> result.steps.columns.tolist()
    ['step', 'value', 'formula']
    """

    method: str
    steps: pd.DataFrame = field(repr=False)
    by_year: pd.DataFrame = field(repr=False)
    indicated_change: float
    credibility: float
    credibility_weighted_change: float
    new_base_rate: float | None

    def value(self, step: str) -> float:
        """The value of one step, by its name."""
        match = self.steps.loc[self.steps["step"] == step, "value"]
        if match.empty:
            raise ParameterError(f"unknown step {step!r}; steps: {self.steps['step'].tolist()}")
        return float(match.iloc[0])

    def __repr__(self) -> str:
        title = f"{self.method.replace('_', '-')} indication"
        shown = self.steps.assign(value=self.steps["value"].map(_step_value))
        return f"{title}\n{'=' * len(title)}\n{shown.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return (
            f"<h4>{html.escape(self.method.replace('_', '-'))} indication</h4>"
            + self.steps.assign(value=self.steps["value"].map(_step_value)).to_html(index=False)
            + "<h4>by experience year</h4>"
            + self.by_year.to_html(float_format=_step_value)
        )


def _step_value(value: float) -> str:
    """A step's value for reading: 6 significant digits (years, rates, ratios), millions in whole units, no exponents."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    if value == 0 or abs(value) >= 1e-4:
        return f"{value:.6g}"
    return f"{value:.10f}".rstrip("0")


def loss_ratio_indication(inputs: Indication) -> IndicationResult:
    """Indicated overall change by the loss-ratio method.

    ``(LR + F) / (1 - V - Q) - 1``; see :class:`Indication` for the inputs.

    Parameters
    ----------
    inputs : Indication
        Experience, expenses, trend and credibility; validated here.

    Returns
    -------
    IndicationResult
        The change, credibility-weighted change and every step.

    Raises
    ------
    ParameterError, DataError
        On inconsistent or invalid inputs (e.g. ``V + Q >= 1``, a missing premium).

    Examples
    --------
    One year, premium 1,000 already on-level, ultimate loss & LAE 600, no trend,
    F = 10%, V = 15%, Q = 5%: ``(0.6 + 0.1) / 0.8 - 1 = -12.5%``.

    >>> inputs = Indication(years=[2023], earned_exposure=[10.0], losses=[600.0],
    ...                     on_level_premium=[1000.0], forecast_effective="2025-01-01",
    ...                     fixed_expense_ratio=0.10, variable_expense_ratio=0.15,
    ...                     profit_ratio=0.05)
    >>> round(loss_ratio_indication(inputs).indicated_change, 4)
    -0.125
    """
    return _indicate(inputs, "loss_ratio")


def pure_premium_indication(inputs: Indication) -> IndicationResult:
    """Indicated overall change by the pure-premium method.

    ``(PP + F_e) / (1 - V - Q)`` over the current average rate, minus 1; equal to
    the loss-ratio method when on-level premium = exposure x current average rate.

    Parameters
    ----------
    inputs : Indication
        As :func:`loss_ratio_indication`; a premium or ``current_average_rate``
        gives the current average rate.

    Returns
    -------
    IndicationResult

    Raises
    ------
    ParameterError, DataError
        On inconsistent or invalid inputs.

    Examples
    --------
    Same as :func:`loss_ratio_indication`: PP = 600 / 10 = 60, F_e = 10% x 100 = 10,
    indicated average rate ``(60 + 10) / 0.8 = 87.5`` against 100 now.

    >>> inputs = Indication(years=[2023], earned_exposure=[10.0], losses=[600.0],
    ...                     on_level_premium=[1000.0], forecast_effective="2025-01-01",
    ...                     fixed_expense_ratio=0.10, variable_expense_ratio=0.15,
    ...                     profit_ratio=0.05)
    >>> result = pure_premium_indication(inputs)
    >>> round(result.value("indicated average rate"), 4), round(result.indicated_change, 4)
    (87.5, -0.125)
    """
    return _indicate(inputs, "pure_premium")


def _on_level_premium(inputs: Indication, years: pd.Index) -> np.ndarray | None:
    if inputs.on_level_premium is not None:
        if inputs.earned_premium is not None or inputs.on_level_factor is not None:
            raise ParameterError(
                "give on_level_premium or earned_premium with on_level_factor, not both"
            )
        return per_year("on_level_premium", inputs.on_level_premium, years)
    if inputs.earned_premium is None:
        if inputs.on_level_factor is not None:
            raise ParameterError("on_level_factor needs earned_premium")
        return None
    premium = per_year("earned_premium", inputs.earned_premium, years)
    factor = (np.ones(len(years)) if inputs.on_level_factor is None
              else per_year("on_level_factor", inputs.on_level_factor, years, positive=True))  # fmt: skip
    return premium * factor


def _premium_trend(
    inputs: Indication,
    years: pd.Index,
    average_premium: np.ndarray,
    written_dates: np.ndarray,
    forecast_written: float,
) -> tuple[pd.DataFrame | None, list[tuple[str, float, str]]]:
    """Premium trend factors per year (one- or two-step) and their steps; ``None`` without premium trend."""
    rate = float(inputs.premium_trend)
    if inputs.latest_average_written_premium is None:
        if inputs.latest_written_date is not None:
            raise ParameterError("latest_written_date needs latest_average_written_premium")
        if rate == 0:
            return None, []
        factor = np.array([trend_factor(rate, when, forecast_written) for when in written_dates])
        table = pd.DataFrame({"average_premium": average_premium, "premium_trend_factor": factor},
                             index=years)  # fmt: skip
        return table, [("forecast average written date", forecast_written,
                        "effective + rates-in-effect months / 24 (years)"),
                       ("premium trend", rate, "one-step: (1 + trend) ^ (forecast written date - "
                        "year's average written date)")]  # fmt: skip
    latest_date = years.max() + 0.5 if inputs.latest_written_date is None else inputs.latest_written_date
    table = two_step_premium_trend(years, average_premium, inputs.latest_average_written_premium,
                                   annual_trend=rate, latest_written_date=latest_date,
                                   forecast_effective=inputs.forecast_effective,
                                   rates_in_effect_months=inputs.rates_in_effect_months)  # fmt: skip
    return table, [("forecast average written date", forecast_written,
                    "effective + rates-in-effect months / 24 (years)"),
                   ("latest average written premium", float(inputs.latest_average_written_premium),
                    "given, at current rate level"),
                   ("premium trend", rate, "two-step: latest / year's average premium x (1 + trend) ^ "
                    "(forecast written date - latest written date)")]  # fmt: skip


def _off_balance(inputs: Indication) -> tuple[float, list[tuple[str, float, str]]]:
    """The off-balance, given or from the book's relativities, and the steps that computed it."""
    given_relativities = (inputs.current_relativity is not None, inputs.proposed_relativity is not None)
    if not any(given_relativities):
        if inputs.relativity_exposure is not None:
            raise ParameterError("relativity_exposure needs current_relativity and proposed_relativity")
        off_balance = float(inputs.off_balance)
        if not np.isfinite(off_balance) or off_balance <= -1:
            raise ParameterError(f"off_balance must be > -1, got {inputs.off_balance!r}")
        return off_balance, []
    if not all(given_relativities):
        raise ParameterError("give both current_relativity and proposed_relativity")
    if inputs.off_balance != 0:
        raise ParameterError("give off_balance or the relativities (current_relativity, proposed_relativity), not both")
    factor = off_balance_factor(inputs.current_relativity, inputs.proposed_relativity, inputs.relativity_exposure)
    return 1 / factor - 1, [("off-balance factor", factor,
                             "exposure-weighted average current / proposed relativity")]  # fmt: skip


def _weights(inputs: Indication, years: pd.Index) -> np.ndarray | None:
    if inputs.year_weights is None:
        return None
    weights = per_year("year_weights", inputs.year_weights, years)
    if weights.sum() <= 0:
        raise ParameterError("year_weights must not all be 0")
    return weights / weights.sum()


def _average(numerator: np.ndarray, denominator: np.ndarray, weights: np.ndarray | None) -> float:
    if weights is None:
        return float(numerator.sum() / denominator.sum())
    return float(weights @ (numerator / denominator))


def _severity_cv(inputs: Indication) -> tuple[float, str] | None:
    if inputs.claim_amounts is not None and inputs.severity_cv is not None:
        raise ParameterError("give claim_amounts or severity_cv, not both")
    if inputs.severity_cv is not None:
        cv = ratio("severity_cv", inputs.severity_cv, high=np.inf)
        return cv, "given"
    if inputs.claim_amounts is None:
        return None
    amounts = pd.Series(np.asarray(inputs.claim_amounts, dtype=float).reshape(-1))
    bad = ~np.isfinite(amounts) | (amounts <= 0)
    if bad.any():
        raise DataError([DataIssue.from_mask("claim_amounts", "positive", "finite and > 0",
                                             bad, amounts.index, amounts)])  # fmt: skip
    if len(amounts) < 2:
        raise ParameterError(f"claim_amounts needs at least 2 claims for a CV, got {len(amounts)}")
    cv = float(amounts.std(ddof=1) / amounts.mean())
    return cv, f"sample std / mean of {len(amounts)} claim amounts"


def _full_credibility_standard(inputs: Indication) -> tuple[float, list[tuple[str, float, str]]]:
    if inputs.full_credibility_claims is not None:
        full = ratio("full_credibility_claims", inputs.full_credibility_claims, high=np.inf)
        if full <= 0:
            raise ParameterError(f"full_credibility_claims must be > 0, got {full}")
        return full, [("full credibility claims", full, "given")]
    severity = _severity_cv(inputs)
    if severity is None:
        warnings.warn(
            "claim_counts without claim_amounts or severity_cv: using the frequency standard "
            f"{FREQUENCY_STANDARD:.0f} claims, which overstates Z by sqrt(1 + CV^2) for a loss "
            "ratio or pure premium; give claim_amounts or severity_cv",
            UserWarning,
            stacklevel=4,
        )
        return FREQUENCY_STANDARD, [("full credibility claims", FREQUENCY_STANDARD,
                                     "frequency standard (z / k)^2, z = norm.ppf(0.95), k = 0.05")]  # fmt: skip
    cv, source = severity
    full = pure_premium_standard(cv)
    return full, [("severity CV", cv, source),
                  ("full credibility claims", full,
                   "(z / k)^2 x (1 + CV^2), z = norm.ppf(0.95), k = 0.05")]  # fmt: skip


def _indicate(inputs: Indication, method: Method) -> IndicationResult:
    years = pd.Index([int(y) for y in np.asarray(inputs.years).reshape(-1)], name="year")
    if years.empty or years.has_duplicates:
        raise ParameterError(f"years must be distinct and non-empty, got {list(years)}")
    variable = ratio("variable_expense_ratio", inputs.variable_expense_ratio)
    profit = ratio("profit_ratio", inputs.profit_ratio, low=-1.0)
    permissible = 1 - variable - profit
    if permissible <= 0:
        raise ParameterError(
            f"variable_expense_ratio + profit_ratio must be < 1, got {variable} + {profit} = {variable + profit}"
        )
    exposure = per_year("earned_exposure", inputs.earned_exposure, years, positive=True)
    losses = per_year("losses", inputs.losses, years)
    development = (np.ones(len(years)) if inputs.development_factors is None
                   else per_year("development_factors", inputs.development_factors, years, positive=True))  # fmt: skip
    lae = ratio("lae_ratio", inputs.lae_ratio, high=np.inf)
    on_level = _on_level_premium(inputs, years)
    if on_level is None and method == "loss_ratio":
        raise ParameterError("the loss-ratio method needs on_level_premium or earned_premium")
    if on_level is not None and (on_level <= 0).any():
        raise ParameterError("on-level premium must be > 0 in every year for loss ratios")
    if inputs.current_average_rate is not None:
        current_rate = ratio("current_average_rate", inputs.current_average_rate, high=np.inf)
        if current_rate <= 0:
            raise ParameterError(f"current_average_rate must be > 0, got {current_rate}")
    elif on_level is not None:
        current_rate = float(on_level.sum() / exposure.sum())
    else:
        raise ParameterError("the pure-premium method needs current_average_rate or premium")
    weights = _weights(inputs, years)

    forecast_date = average_accident_date(inputs.forecast_effective,
                                          rates_in_effect_months=inputs.rates_in_effect_months,
                                          term_months=inputs.term_months)  # fmt: skip
    if inputs.experience_period not in PERIODS:
        raise ParameterError(f"experience_period must be one of {PERIODS}, got {inputs.experience_period!r}")
    dates = [experience_dates(year, period=inputs.experience_period, term_months=inputs.term_months)
             for year in years]  # fmt: skip
    accident_dates = np.array([accident for accident, _ in dates])
    written_dates = np.array([written for _, written in dates])
    trend = np.array([trend_factor(inputs.loss_trend, when, forecast_date) for when in accident_dates])
    ultimate = losses * development
    loss_lae = ultimate * (1 + lae)
    trended = loss_lae * trend

    if inputs.fixed_expense_ratio is not None and inputs.fixed_expense_per_exposure is not None:
        raise ParameterError("give fixed_expense_ratio or fixed_expense_per_exposure, not both")
    if inputs.fixed_expense_per_exposure is not None:
        fixed_per_exposure = ratio(
            "fixed_expense_per_exposure", inputs.fixed_expense_per_exposure, high=np.inf
        )
        fixed_ratio = fixed_per_exposure / current_rate
    else:
        fixed_ratio = ratio("fixed_expense_ratio", inputs.fixed_expense_ratio or 0.0)
        fixed_per_exposure = fixed_ratio * current_rate
    forecast_written = average_written_date(inputs.forecast_effective,
                                            rates_in_effect_months=inputs.rates_in_effect_months)  # fmt: skip
    fixed_rows: list[tuple[str, float, str]] = []
    if inputs.fixed_expense_trend != 0 or inputs.fixed_expense_date is not None:
        expense_date = (years.max() + 0.5 if inputs.fixed_expense_date is None
                        else decimal_year(inputs.fixed_expense_date))  # fmt: skip
        fixed_trend = trend_factor(inputs.fixed_expense_trend, expense_date, forecast_written)
        fixed_ratio *= fixed_trend
        fixed_per_exposure *= fixed_trend
        fixed_rows = [("fixed expense date", expense_date, "average date historical fixed expenses were incurred"),
                      ("fixed expense trend factor", fixed_trend,
                       f"(1 + {inputs.fixed_expense_trend:g}) ^ (forecast written date - fixed expense date)")]  # fmt: skip

    by_year = pd.DataFrame({"earned_exposure": exposure}, index=years)
    if on_level is not None:
        by_year["on_level_premium"] = on_level
    by_year = by_year.assign(losses=losses, development_factor=development, ultimate_loss=ultimate,
                             loss_and_lae=loss_lae, average_accident_date=accident_dates,
                             trend_factor=trend, trended_loss_and_lae=trended,
                             pure_premium=trended / exposure)  # fmt: skip
    premium_rows: list[tuple[str, float, str]] = []
    projected = on_level
    if method == "loss_ratio":
        assert on_level is not None
        premium_table, premium_rows = _premium_trend(inputs, years, on_level / exposure, written_dates,
                                                     forecast_written)  # fmt: skip
        if premium_table is not None:
            projected = on_level * premium_table["premium_trend_factor"].to_numpy()
            premium_rows.append(("projected earned premium", projected.sum(),
                                 "sum of on-level premium x premium trend factor"))  # fmt: skip
            by_year = by_year.join(premium_table.drop(columns="average_premium"))
            by_year["projected_premium"] = projected
            by_year["net_trend_factor"] = trend / premium_table["premium_trend_factor"].to_numpy()
    if projected is not None:
        by_year["loss_ratio"] = trended / projected
    if weights is not None:
        by_year["weight"] = weights

    rows: list[tuple[str, float, str]] = [
        ("earned exposure", exposure.sum(), "sum of earned exposure"),
    ]
    if on_level is not None:
        rows.append(
            ("on-level earned premium", on_level.sum(), "sum of earned premium x on-level factor")
        )
    rows += [
        ("current average rate", current_rate, "on-level premium / exposure (or given)"),
        ("ultimate loss", ultimate.sum(), "sum of loss x development factor"),
        ("ultimate loss & LAE", loss_lae.sum(), f"ultimate loss x (1 + LAE ratio {lae:g})"),
        ("forecast average accident date", forecast_date,
         "effective + rates-in-effect months / 24 + term months / 24 (years)"),
        ("trended ultimate loss & LAE", trended.sum(),
         f"sum of loss & LAE x (1 + {inputs.loss_trend:g}) ^ (forecast date - {inputs.experience_period} "
         "year's average accident date)"),
    ]  # fmt: skip
    if fixed_rows and not premium_rows:
        rows.append(("forecast average written date", forecast_written,
                     "effective + rates-in-effect months / 24 (years)"))  # fmt: skip
    rows += premium_rows + fixed_rows
    where = "weighted average of yearly" if weights is not None else "total"
    if method == "loss_ratio":
        assert projected is not None
        loss_ratio = _average(trended, projected, weights)
        indicated = (loss_ratio + fixed_ratio) / permissible - 1
        premium_name = "projected premium" if premium_rows else "on-level premium"
        rows += [
            ("loss & LAE ratio", loss_ratio, f"{where} trended loss & LAE / {premium_name}"),
            ("fixed expense ratio", fixed_ratio, "F (or F_e / current average rate), trended"),
            ("variable expense ratio", variable, "V"),
            ("profit ratio", profit, "Q"),
            ("permissible loss ratio", permissible, "1 - V - Q"),
            ("indicated change", indicated, "(LR + F) / (1 - V - Q) - 1"),
        ]
    else:
        pure_premium = _average(trended, exposure, weights)
        rate = (pure_premium + fixed_per_exposure) / permissible
        indicated = rate / current_rate - 1
        rows += [
            ("pure premium", pure_premium, f"{where} trended loss & LAE / exposure"),
            ("fixed expense per exposure", fixed_per_exposure, "F_e (or F x current average rate), trended"),
            ("variable expense ratio", variable, "V"),
            ("profit ratio", profit, "Q"),
            ("permissible loss ratio", permissible, "1 - V - Q"),
            ("indicated average rate", rate, "(PP + F_e) / (1 - V - Q)"),
            ("indicated change", indicated, "indicated average rate / current average rate - 1"),
        ]

    if inputs.credibility is not None:
        credibility = ratio("credibility", inputs.credibility, high=1.0, high_open=False)
        rows.append(("credibility", credibility, "Z given"))
    elif inputs.claim_counts is not None:
        claims = per_year("claim_counts", inputs.claim_counts, years).sum()
        full, standard_rows = _full_credibility_standard(inputs)
        credibility = float(classical_credibility(claims, full=full))
        rows += standard_rows
        rows += [("claim count", claims, "sum of claim counts"),
                 ("credibility", credibility, f"Z = min(1, sqrt(claims / {full:g}))")]  # fmt: skip
    else:
        credibility = 1.0
        rows.append(("credibility", credibility, "Z = 1 (no claim counts or credibility given)"))
    complement = float(inputs.complement_change)
    if not np.isfinite(complement) or complement <= -1:
        raise ParameterError(f"complement_change must be > -1, got {inputs.complement_change!r}")
    weighted = credibility * indicated + (1 - credibility) * complement
    rows += [("complement change", complement, "given"),
             ("credibility-weighted change", weighted, "Z x indicated + (1 - Z) x complement")]  # fmt: skip

    new_base = None
    if inputs.current_base_rate is not None:
        base = ratio("current_base_rate", inputs.current_base_rate, high=np.inf)
        off_balance, off_balance_rows = _off_balance(inputs)
        new_base = base * (1 + weighted) / (1 + off_balance)
        rows += [("current base rate", base, "given"), *off_balance_rows,
                 ("off-balance", off_balance, "new average relativity / current average relativity - 1"),
                 ("new base rate", new_base,
                  "current base rate x (1 + weighted change) / (1 + off-balance)")]  # fmt: skip

    steps = pd.DataFrame(rows, columns=["step", "value", "formula"])
    steps["value"] = steps["value"].astype(float)
    return IndicationResult(method, steps, by_year, float(indicated), float(credibility),
                            float(weighted), None if new_base is None else float(new_base))  # fmt: skip


__all__ = ["Indication", "IndicationResult", "loss_ratio_indication", "pure_premium_indication"]
