"""The standard pricing report, from whichever of its parts are given."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from autorisk.analytics import credibility_table, experience_table
from autorisk.analytics.credibility import FULL_CREDIBILITY_CLAIMS
from autorisk.errors import ParameterError, levels_text
from autorisk.evaluate import plot_one_way, plot_relativities
from autorisk.models.banding import assign_bands, cut_points
from autorisk.report.builder import Report

if TYPE_CHECKING:
    from autorisk.analytics import MonitoringResult
    from autorisk.evaluate import Comparison
    from autorisk.indication import IndicationResult
    from autorisk.rating import RatingPlan
    from autorisk.renewal import Dislocation
    from autorisk.reserving import ReserveResult

_BOOK_AVERAGE = "(book average)"
#: A numeric factor with more distinct values than this is banded in the report's tables and charts.
MAX_LEVELS = 12
#: Quantile bands of a numeric factor banded automatically.
AUTO_BANDS = 10
_SCORED_ON = ("hold-out", "in-sample")


def build_pricing_report(
    *,
    portfolio: pd.DataFrame | None = None,
    factors: Sequence[str] = (),
    two_way: Sequence[tuple[str, str]] = (),
    comparison: Comparison | None = None,
    comparison_on: Literal["hold-out", "in-sample"] | None = None,
    comparison_note: str | None = None,
    bands: Mapping[str, int | Sequence[float]] | None = None,
    glm: Any = None,
    plan: RatingPlan | None = None,
    risk_deciles: pd.DataFrame | None = None,
    top_risks: pd.DataFrame | None = None,
    departing_segments: pd.DataFrame | None = None,
    monitoring: MonitoringResult | None = None,
    dislocation: Dislocation | None = None,
    reserves: ReserveResult | Sequence[ReserveResult] = (),
    indication: IndicationResult | None = None,
    title: str = "Pricing report",
    exposure: str = "exposure",
    claim_count: str = "claim_count",
    claim_amount: str | None = "claim_amount",
) -> Report:
    """The pricing report as a :class:`Report`, not yet written; :func:`pricing_report` writes it.

    Every part is optional; sections appear for the parts given, in a fixed
    order: portfolio, one-way analysis, model comparison, relativities,
    rating plan, segmentation, monitoring, dislocation, loss development,
    rate indication.

    Parameters
    ----------
    portfolio : DataFrame, optional
        One row per policy (period) with exposure, claim count and (optionally)
        claim amount: the experience overall and by each of ``factors``.
    factors : sequence of str
        Rating factors for experience tables and one-way charts. A numeric
        factor with more than 12 distinct values is banded (10 quantile
        bands, or as ``bands`` says) in every table and chart. The one-way
        charts show the comparison's models on the comparison's rows when
        ``comparison`` has the factor, else the portfolio's actual frequency
        against the book average (the caption says which).
    two_way : sequence of (str, str)
        Pairs of factors for two-way tables of frequency and exposure.
    comparison : Comparison, optional
        From :func:`autorisk.evaluate.compare`: metrics, Lorenz curves, lift
        charts and the double lift of the first two models.
    comparison_on : {"hold-out", "in-sample"}, optional
        What the comparison's rows are to the models: rows kept out of their
        fitting (``"hold-out"``) or rows they were fitted on
        (``"in-sample"``, optimistic). Default: not known, and the report
        says so rather than call them test data.
    comparison_note : str, optional
        A sentence on how the comparison's rows were chosen (shown with it).
    bands : dict, optional
        ``{factor: cut points}`` or ``{factor: number of quantile bands}``
        for numeric ``factors``, as :func:`autorisk.analytics.experience_table`.
    glm : fitted GLM, optional
        Anything with ``relativities()``: a table and chart per factor.
    plan : RatingPlan, optional
        Its coverages and every rating table; with ``portfolio`` (holding
        the columns the plan reads) also the portfolio's premiums at this
        plan: their distribution and their average by each of ``factors``.
    risk_deciles, top_risks, departing_segments : DataFrame, optional
        From the functions of those names in :mod:`autorisk.analytics`.
    monitoring : MonitoringResult, optional
        From :func:`autorisk.analytics.monitor`: A/E over time (chart and
        table), a heat map per segment factor, segments and drift.
    dislocation : Dislocation, optional
        From :func:`autorisk.renewal.dislocation`.
    reserves : ReserveResult or sequence of them, optional
        From :func:`autorisk.reserving.mack` or
        :func:`~autorisk.reserving.bornhuetter_ferguson`: one table each.
    indication : IndicationResult, optional
        From :func:`autorisk.indication.loss_ratio_indication` (or pure premium).
    title : str, default "Pricing report"
    exposure, claim_count, claim_amount : str
        Column names in ``portfolio``.

    Returns
    -------
    Report
        Add sections of your own before writing it.

    Examples
    --------
    >>> from autorisk.indication import Indication, loss_ratio_indication
    >>> book = pd.DataFrame({"region": ["N", "S"], "exposure": [1.0, 2.0], "claim_count": [1, 0],
    ...                      "claim_amount": [800.0, 0.0]})
    >>> indication = loss_ratio_indication(Indication(
    ...     years=[2023], earned_exposure=[3.0], losses=[800.0], on_level_premium=[1200.0],
    ...     forecast_effective="2025-01-01", variable_expense_ratio=0.2, profit_ratio=0.05))
    >>> report = build_pricing_report(portfolio=book, indication=indication)
    >>> report  # whole-book table; indication steps and years
    Report('Pricing report', 2 sections, 3 items)
    >>> report.add_section("Notes", "Reviewed by the pricing committee.")
    >>> "Rate indication" in report.to_html()
    True
    """
    if comparison_on is not None and comparison_on not in _SCORED_ON:
        raise ParameterError(f"comparison_on must be one of {list(_SCORED_ON)} or None, got {comparison_on!r}")
    report = Report(title)
    factors = list(factors)
    banding = _Banding(factors, bands, portfolio if portfolio is not None else getattr(comparison, "data", None))
    if portfolio is not None:
        amount = claim_amount if claim_amount in portfolio.columns else None
        columns = {"exposure": exposure, "claim_count": claim_count, "claim_amount": amount}
        banded = banding.apply(portfolio)
        report.add_section("Portfolio summary", f"{len(portfolio):,} rows: the whole book given.")
        report.add_table(experience_table(portfolio, **columns), "Whole book")
        for factor in factors:
            report.add_table(
                credibility_table(banded, factor, **columns),
                f"Experience by {factor}{banding.note(factor)}, with classical credibility "
                f"(full at {FULL_CREDIBILITY_CLAIMS:,} claims)",
            )
        for first, second in two_way:
            table = experience_table(banding.apply(portfolio, [first, second]), [first, second], **columns,
                                     total=False)  # fmt: skip
            report.add_table(
                table["frequency"].unstack(second), f"Claim frequency by {first} and {second}"
            )
            report.add_table(table["exposure"].unstack(second), f"Exposure by {first} and {second}")
    scored = _scored_text(comparison, comparison_on) if comparison is not None else ""
    if factors and (portfolio is not None or comparison is not None):
        _one_way_section(report, factors, portfolio, comparison, scored, banding, exposure, claim_count)
    if comparison is not None:
        _comparison_section(report, comparison, comparison_on, comparison_note)
    if glm is not None:
        _relativity_section(report, glm)
    if plan is not None:
        _plan_section(report, plan, portfolio, factors, banding)
    if risk_deciles is not None or top_risks is not None or departing_segments is not None:
        _segmentation_section(report, risk_deciles, top_risks, departing_segments)
    if monitoring is not None:
        _monitoring_section(report, monitoring)
    if dislocation is not None:
        report.add_section("Renewal dislocation", "Offered against current premium, per policy.")
        report.add_figure(dislocation.plot(), "Policies and offered premium by change band")
        report.add_table(dislocation.bands, "Change bands (offered / current - 1)")
        report.add_table(dislocation.totals, "Totals")
        report.add_table(dislocation.rules, "Policies whose offer each rule moved")
    reserves = [reserves] if hasattr(reserves, "table") else list(reserves)
    if reserves:
        report.add_section("Loss development", "Ultimates and reserves per origin period, with totals.")
        for result in reserves:
            report.add_table(result.to_frame(), result.title)
    if indication is not None:
        report.add_section("Rate indication", f"Method: {indication.method.replace('_', ' ')}.")
        report.add_table(_indication_steps(indication.steps), "Indication steps",
                         formats={"amount": ",.2f", "ratio": ".4f", "year": ".2f"})  # fmt: skip
        report.add_table(indication.by_year, "By experience year")
    return report


def pricing_report(path: str | Path, **parts: Any) -> Path:
    """Write the standard pricing report to one self-contained HTML file.

    Every part is optional; sections appear for the parts given.

    Parameters
    ----------
    path : str or Path
        Output ``.html`` file.
    **parts
        The parts of the report, by keyword: ``portfolio``, ``factors``,
        ``comparison``, ``glm``, ``plan``, ``monitoring``, ``reserves``,
        ``indication`` and the others of :func:`build_pricing_report`,
        which documents each.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> book = pd.DataFrame({"region": ["N", "S"], "exposure": [1.0, 2.0], "claim_count": [1, 0],
    ...                      "claim_amount": [800.0, 0.0]})
    >>> path = pricing_report(Path(tempfile.mkdtemp()) / "report.html", portfolio=book, title="Motor Q3")
    >>> page = path.read_text(encoding="utf-8")
    >>> path.name, "<title>Motor Q3</title>" in page, '<h2 id="section-1">Portfolio summary</h2>' in page
    ('report.html', True, True)
    """
    return build_pricing_report(**parts).write(path)


def _one_way_section(
    report: Report,
    factors: Sequence[str],
    portfolio: pd.DataFrame | None,
    comparison: Comparison | None,
    scored: str,
    banding: _Banding,
    exposure: str,
    claim_count: str,
) -> None:
    report.add_section(
        "One-way analysis", "Claim frequency by level of each factor; bars show exposure."
    )
    for factor in factors:
        band = banding.note(factor)
        if comparison is not None and factor in comparison.data.columns:
            banded = copy.copy(comparison)
            banded.data = banding.apply(comparison.data, [factor])
            report.add_figure(banded.plot_one_way(factor), f"Actual vs models by {factor}{band}, on {scored}")
        elif portfolio is not None:
            average = portfolio[claim_count].sum() / portfolio[exposure].sum()
            frame = banding.apply(portfolio, [factor]).assign(**{_BOOK_AVERAGE: average * portfolio[exposure]})
            axes = plot_one_way(
                frame, factor, claim_count, {"book average": _BOOK_AVERAGE}, exposure
            )
            why = f"; the comparison's data lack {factor}" if comparison is not None else ""
            report.add_figure(axes, f"Actual frequency by {factor}{band}, on the whole book ({len(portfolio):,} "
                                    f"rows{why})")  # fmt: skip


def _scored_text(comparison: Comparison, scored_on: str | None) -> str:
    """What the comparison's rows are, in words: ``"12,000 hold-out rows (not used in fitting)"``."""
    rows = f"{len(comparison.data):,}"
    if scored_on == "hold-out":
        return f"{rows} hold-out rows (not used in fitting)"
    if scored_on == "in-sample":
        return f"{rows} rows the models were fitted on (in-sample)"
    return f"{rows} rows (not known to be hold-out)"


def _comparison_section(
    report: Report, comparison: Comparison, scored_on: str | None, note: str | None
) -> None:
    models = comparison.models
    scored = _scored_text(comparison, scored_on)
    caveat = {
        "hold-out": "",
        "in-sample": " In-sample metrics flatter the models (most of all the more flexible ones); "
                     "compare on hold-out rows to choose between them.",
        None: " Whether the models were fitted on these rows is not known: if they were, the metrics are "
              "in-sample and flatter them.",
    }[scored_on]  # fmt: skip
    text = f"{len(models)} model(s), {comparison.family} deviance, scored on {scored}.{caveat}"
    report.add_section("Model comparison", text + (f" {note}" if note else ""))
    label = {"hold-out": "hold-out", "in-sample": "in-sample", None: "scored"}[scored_on]
    report.add_table(comparison.wide, f"Metrics on the {len(comparison.data):,} {label} rows")
    report.add_figure(comparison.plot_lorenz(), "Lorenz curves")
    for model in models:
        report.add_figure(comparison.plot_lift(model), f"Lift chart: {model}")
    if len(models) >= 2:
        report.add_figure(
            comparison.plot_double_lift(models[0], models[1]),
            f"Double lift: {models[0]} / {models[1]}",
        )


def _relativity_section(report: Report, glm: Any) -> None:
    relativities = glm.relativities()
    report.add_section(
        "Relativities", "Fitted relativities with confidence intervals, against the base level."
    )
    for factor in relativities["factor"].unique():
        rows = (
            relativities[relativities["factor"] == factor].drop(columns="factor").set_index("level")
        )
        report.add_figure(plot_relativities(relativities, factor), f"Relativities: {factor}")
        report.add_table(rows, f"Relativities: {factor}")


def _segmentation_section(
    report: Report,
    deciles: pd.DataFrame | None,
    top: pd.DataFrame | None,
    departing: pd.DataFrame | None,
) -> None:
    report.add_section("Risk segmentation", "Where the risk sits in the book, and where experience departs from it.")
    if deciles is not None:
        report.add_table(deciles, "Risk score deciles (equal exposure; 1 = lowest risk)")
    if top is not None:
        shown = [c for c in top.columns if not c.startswith("driver_") or c.count("_") == 1]
        report.add_table(top[shown].set_index("rank"), "Highest-risk policies and what drives their score")
    if departing is not None:
        flagged = departing[departing["departs"]]
        report.add_table(
            flagged.set_index(["factor", "level"]) if len(flagged) else departing.head(0),
            f"Segments departing from expected ({len(flagged)} of {len(departing)})",
        )


def _monitoring_section(report: Report, monitoring: MonitoringResult) -> None:
    level = monitoring.settings.get("level", 0.95)
    report.add_section(
        "Monitoring", f"Actual against expected by period, with {level:.0%} {monitoring.interval_kind} intervals."
    )
    report.add_figure(monitoring.plot(), "A/E by period")
    report.add_table(monitoring.to_frame(), "A/E by period")
    for factor in monitoring.factors:
        report.add_figure(monitoring.plot_heatmap(factor), f"A/E by {factor} and period")
    if len(monitoring.by_segment):
        report.add_table(monitoring.by_segment.set_index(["factor", "level"]), "A/E by segment over the window")
    if monitoring.drift is not None:
        report.add_table(monitoring.drift, "Population drift against the reference (PSI)")


def _plan_section(
    report: Report,
    plan: RatingPlan,
    portfolio: pd.DataFrame | None,
    factors: Sequence[str],
    banding: _Banding,
) -> None:
    from autorisk.rating import rating_tables

    effective = f", effective from {plan.effective_from}" if plan.effective_from else ""
    report.add_section(
        "Rating plan", f"{plan.name} version {plan.version} (id {plan.plan_id[:12]}){effective}."
    )
    report.add_table(plan.coverage_summary(), "Coverages")
    tables = rating_tables(plan)
    for (coverage, factor), rows in tables.groupby(["coverage", "factor"], sort=False):
        report.add_table(
            rows.drop(columns=["coverage", "factor"]).set_index("level"),
            f"{coverage}: {factor}",
        )
    if portfolio is None:
        return
    lacking = [c for c in plan.columns if c not in portfolio.columns]
    if lacking:
        report.add_section("Premiums of the portfolio at this plan",
                           f"Not computed: the portfolio lacks columns the plan reads ({levels_text(lacking)}).")  # fmt: skip
        return
    quotes = plan.quote(portfolio, breakdown=False, errors="flag")
    premium = quotes["premium_total"]
    failed = int(premium.isna().sum())
    report.add_section(
        "Premiums of the portfolio at this plan",
        f"{len(premium) - failed:,} policies quoted"
        + (f"; {failed:,} could not be quoted (see quote_error)." if failed else "."),
    )
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(premium.dropna(), bins=50, color="#4c72b0")
    ax.set_xlabel("premium_total")
    ax.set_ylabel("policies")
    report.add_figure(figure, "Distribution of the premium at this plan")
    report.add_table(_at_minimum(plan, quotes), "Policies at the minimum premium, by coverage")
    for factor in factors:
        if factor in portfolio.columns:
            levels = banding.apply(portfolio, [factor])[factor]
            frame = pd.DataFrame({factor: levels, "premium": premium}).dropna(subset=["premium"])
            table = frame.groupby(factor, observed=True, sort=True).agg(
                policies=("premium", "size"), average_premium=("premium", "mean")
            )
            report.add_table(table, f"Average premium at this plan by {factor}{banding.note(factor)}")


def _at_minimum(plan: RatingPlan, quotes: pd.DataFrame) -> pd.DataFrame:
    """Per coverage: its minimum premium and how many quoted policies pay exactly that (the floor binds)."""
    rows = {}
    for coverage in plan.coverages:
        premium = quotes[f"premium_{coverage.name}"].dropna()
        floor = coverage.min_premium
        at = int((premium == floor).sum()) if floor is not None else 0
        rows[coverage.name] = {"min_premium": floor if floor is not None else np.nan, "policies": len(premium),
                               "at_minimum": at, "share_at_minimum": at / len(premium) if len(premium) else np.nan}  # fmt: skip
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "coverage"
    return table


#: Steps of an indication that are amounts (money, exposure, claims), not ratios; and the one date.
_AMOUNT_STEP = re.compile(r"exposure|premium|rate$|^ultimate loss|^trended|claims$|claim count|per exposure")
_YEAR_STEP = re.compile(r"date")


def _indication_steps(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps with their values in three columns of one format each: amount, ratio, year."""
    kinds = steps["step"].map(lambda s: "year" if _YEAR_STEP.search(s) else "amount" if _AMOUNT_STEP.search(s)
                              and "ratio" not in s else "ratio")  # fmt: skip
    table = pd.DataFrame({kind: steps["value"].where(kinds == kind) for kind in ("amount", "ratio", "year")})
    table["formula"] = steps["formula"]
    return table.set_axis(pd.Index(steps["step"], name="step")).dropna(axis=1, how="all")


class _Banding:
    """The bands of the report's numeric factors: given in ``bands``, or quantile bands of a factor with
    more than :data:`MAX_LEVELS` distinct values, cut once (on the portfolio) and used in every table."""

    def __init__(self, factors: Sequence[str], bands: Mapping[str, Any] | None, data: pd.DataFrame | None):
        bands = dict(bands or {})
        stray = sorted(set(bands) - set(factors))
        if stray:
            raise ParameterError(f"bands names columns that are not among the factors: {stray} (factors: {list(factors)})")
        self.points: dict[str, np.ndarray] = {}
        self.automatic: set[str] = set()
        for factor in factors:
            if data is None or factor not in data.columns:
                continue
            values = data[factor]
            numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
            if factor in bands:
                if not numeric:
                    raise ParameterError(f"bands[{factor!r}]: column {factor!r} is not numeric ({values.dtype})")
                band = bands[factor]
            elif numeric and values.nunique() > MAX_LEVELS:
                band = AUTO_BANDS
                self.automatic.add(factor)
            else:
                continue
            finite = values.to_numpy(dtype=float, na_value=np.nan)
            finite = finite[np.isfinite(finite)]
            if isinstance(band, (int, np.integer)) and not isinstance(band, bool):
                self.points[factor] = cut_points(finite, "quantile", int(band)) if len(finite) else np.array([])
            else:
                self.points[factor] = cut_points(finite, band)

    def note(self, factor: str) -> str:
        """Caption words for a banded factor (empty for one shown level by level)."""
        if factor not in self.points:
            return ""
        n = len(self.points[factor]) + 1
        how = "quantile bands" if factor in self.automatic else "bands"
        return f" ({n} {how})"

    def apply(self, data: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """``data`` with its banded factors (of ``columns``, default all) replaced by their bands."""
        banded = {}
        for factor in self.points if columns is None else columns:
            if factor in self.points and factor in data.columns:
                numbers = data[factor].to_numpy(dtype=float, na_value=np.nan)
                bands = assign_bands(np.where(np.isnan(numbers), 0.0, numbers), self.points[factor])
                codes = np.where(np.isnan(numbers), -1, bands.codes)
                banded[factor] = pd.Categorical.from_codes(codes, categories=bands.categories)
        return data.assign(**banded) if banded else data
