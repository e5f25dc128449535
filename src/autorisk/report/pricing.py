"""The standard pricing report, from whichever of its parts are given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from autorisk.analytics import credibility_table, experience_table
from autorisk.evaluate import plot_one_way, plot_relativities
from autorisk.report.builder import Report

if TYPE_CHECKING:
    from autorisk.analytics import MonitoringResult
    from autorisk.evaluate import Comparison
    from autorisk.indication import IndicationResult
    from autorisk.rating import RatingPlan
    from autorisk.renewal import Dislocation
    from autorisk.reserving import ReserveResult

_BOOK_AVERAGE = "(book average)"


def build_pricing_report(
    *,
    portfolio: pd.DataFrame | None = None,
    factors: Sequence[str] = (),
    two_way: Sequence[tuple[str, str]] = (),
    comparison: Comparison | None = None,
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
        Rating factors for experience tables and one-way charts (band numeric
        factors with many values first). The one-way charts show the
        comparison's models when ``comparison`` has the factor, else the
        portfolio's actual frequency against the book average.
    two_way : sequence of (str, str)
        Pairs of factors for two-way tables of frequency and exposure.
    comparison : Comparison, optional
        From :func:`autorisk.evaluate.compare`: metrics, Lorenz curves, lift
        charts and the double lift of the first two models.
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
    report = Report(title)
    if portfolio is not None:
        amount = claim_amount if claim_amount in portfolio.columns else None
        columns = {"exposure": exposure, "claim_count": claim_count, "claim_amount": amount}
        report.add_section("Portfolio summary", f"{len(portfolio):,} rows.")
        report.add_table(experience_table(portfolio, **columns), "Whole book")
        for factor in factors:
            report.add_table(
                credibility_table(portfolio, factor, **columns),
                f"Experience by {factor}, with classical credibility (full at 1,082 claims)",
            )
        for first, second in two_way:
            table = experience_table(portfolio, [first, second], **columns, total=False)
            report.add_table(
                table["frequency"].unstack(second), f"Claim frequency by {first} and {second}"
            )
            report.add_table(table["exposure"].unstack(second), f"Exposure by {first} and {second}")
    if factors and (portfolio is not None or comparison is not None):
        _one_way_section(report, factors, portfolio, comparison, exposure, claim_count)
    if comparison is not None:
        _comparison_section(report, comparison)
    if glm is not None:
        _relativity_section(report, glm)
    if plan is not None:
        _plan_section(report, plan, portfolio, factors)
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
        report.add_table(indication.steps.set_index("step"), "Indication steps")
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
    exposure: str,
    claim_count: str,
) -> None:
    report.add_section(
        "One-way analysis", "Claim frequency by level of each factor; bars show exposure."
    )
    for factor in factors:
        if comparison is not None and factor in comparison.data.columns:
            report.add_figure(comparison.plot_one_way(factor), f"Actual vs models by {factor}")
        elif portfolio is not None:
            average = portfolio[claim_count].sum() / portfolio[exposure].sum()
            frame = portfolio.assign(**{_BOOK_AVERAGE: average * portfolio[exposure]})
            axes = plot_one_way(
                frame, factor, claim_count, {"book average": _BOOK_AVERAGE}, exposure
            )
            report.add_figure(axes, f"Actual frequency by {factor}")


def _comparison_section(report: Report, comparison: Comparison) -> None:
    models = comparison.models
    report.add_section("Model comparison", f"{len(models)} model(s), {comparison.family} deviance.")
    report.add_table(comparison.wide, "Metrics on the test data")
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
    if portfolio is None or not set(plan.columns) <= set(portfolio.columns):
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
    for factor in factors:
        if factor in portfolio.columns:
            frame = pd.DataFrame({factor: portfolio[factor], "premium": premium}).dropna(subset=["premium"])
            table = frame.groupby(factor, observed=True, sort=True).agg(
                policies=("premium", "size"), average_premium=("premium", "mean")
            )
            report.add_table(table, f"Average premium at this plan by {factor}")
