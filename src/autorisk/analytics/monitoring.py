"""Monitoring a deployed plan or model: actual against expected over time and by segment.

:func:`monitor` totals the actual and expected claims of each period (and
of each level of the chosen factors), with the exact Poisson (Garwood)
interval of A/E, and flags the cells whose interval excludes 1. Given a
reference snapshot, it also measures the population drift of each period
against it with :func:`~autorisk.analytics.drift_report`.

``expected`` must be on the scale of ``actual``: a frequency model's
prediction times exposure against claim counts, or a plan's pure premium
against claim amounts. The default interval treats ``actual`` as a Poisson
count, exact for claim counts; for amounts (a claim is not worth 1) use
``test="quasi_poisson"``, whose variance is proportional to the expected
cost with a dispersion estimated from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from autorisk.analytics._poisson import poisson_ae_interval, poisson_ae_test
from autorisk.analytics.drift import drift_report
from autorisk.data.schema import require_columns
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.evaluate.calibration import OVERALL, actual_vs_expected
from autorisk.evaluate.plots import _axes, _level_ticks

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MONITOR_COLUMNS", "SIGNALS", "MonitoringResult", "monitor"]

#: Columns of every A/E table of a :class:`MonitoringResult` (tables over time
#: add ``cumulative_ae`` after ``ae_upper``).
MONITOR_COLUMNS = ["exposure", "actual", "expected", "ae", "ae_lower", "ae_upper", "p_value", "signal"]

#: Tests of :func:`monitor`: exact Poisson (claim counts) or quasi-Poisson (claim amounts).
TESTS = ("poisson", "quasi_poisson")

#: Values of the ``signal`` column: none, A/E significantly above 1, below 1.
SIGNALS = ("", "above", "below")

_TIME_COLUMNS = [*MONITOR_COLUMNS[:6], "cumulative_ae", *MONITOR_COLUMNS[6:]]


@dataclass(frozen=True)
class MonitoringResult:
    """Actual against expected of a deployed plan or model, by period and by segment.

    Attributes
    ----------
    over_time : DataFrame
        Indexed by ``period``: ``exposure``, ``actual``, ``expected``, ``ae``
        (actual / expected), ``ae_lower`` and ``ae_upper`` (exact Poisson
        interval of A/E, or quasi-Poisson: see :func:`monitor`'s ``test``), ``cumulative_ae`` (A/E from the first period to
        this one), ``p_value`` (two-sided test of A/E = 1, as the interval) and
        ``signal`` (``"above"``, ``"below"`` or ``""``).
    by_segment : DataFrame
        One row per ``factor`` and ``level`` over the whole window, columns
        ``factor``, ``level`` and :data:`MONITOR_COLUMNS`.
    by_period_segment : DataFrame
        One row per ``factor``, ``level`` and ``period`` (cells with no
        rows are absent); ``cumulative_ae`` runs over the periods of each level.
    overall : Series
        The whole window: :data:`MONITOR_COLUMNS` and ``periods``.
    drift : DataFrame or None
        With a reference snapshot: one row per ``factor`` and ``period``,
        the PSI of that period against the reference, ``bins``,
        ``new_levels`` and ``status``, as :func:`~autorisk.analytics.drift_report`.
    settings : dict
        The options of :func:`monitor`.

    Examples
    --------
    >>> book = pd.DataFrame({
    ...     "start": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-04-05", "2024-05-20"]),
    ...     "region": ["N", "S", "N", "S"], "claims": [12, 8, 30, 9], "expected": [10.0, 10.0, 15.0, 10.0]})
    >>> result = monitor(book, "claims", "expected", period="start", by="region")
    >>> result.overall[["actual", "expected", "ae"]].astype(float).round(4).to_dict()
    {'actual': 59.0, 'expected': 45.0, 'ae': 1.3111}
    >>> result.by_segment[["factor", "level", "actual", "expected", "ae", "signal"]]
       factor level  actual  expected    ae signal
    0  region     N    42.0      25.0  1.68  above
    1  region     S    17.0      20.0  0.85
    >>> result.factors, result.drift is None
    (['region'], True)
    """

    over_time: pd.DataFrame
    by_segment: pd.DataFrame
    by_period_segment: pd.DataFrame
    overall: pd.Series
    drift: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def factors(self) -> list[str]:
        """The segment factors, in the order given."""
        return list(self.settings.get("by", ()))

    def signals(self) -> pd.DataFrame:
        """Every flagged cell: periods, segments over the window, then segment-periods.

        Returns
        -------
        DataFrame
            Columns ``factor``, ``level`` (both ``"(all)"`` for a period of
            the whole book), ``period`` (``None`` for a segment over the
            whole window) and :data:`MONITOR_COLUMNS`; empty when nothing is
            flagged.
        """
        time = self.over_time.reset_index()
        time.insert(0, "factor", OVERALL)
        time.insert(1, "level", OVERALL)
        segments = self.by_segment.assign(period=None)
        parts = [
            frame.loc[frame["signal"] != "", ["factor", "level", "period", *MONITOR_COLUMNS]]
            for frame in (time, segments, self.by_period_segment)
        ]
        parts = [part.astype({"period": object}) for part in parts if not part.empty]
        if not parts:
            return pd.DataFrame(columns=["factor", "level", "period", *MONITOR_COLUMNS])
        return pd.concat(parts, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """``over_time`` with periods as text and a final ``Total`` row (the whole window)."""
        table = self.over_time.copy()
        table.index = table.index.astype(str)
        total = self.overall.drop("periods").to_frame("Total").T
        total["cumulative_ae"] = self.overall["ae"]
        return pd.concat([table, total[_TIME_COLUMNS]]).rename_axis("period")

    def plot(self, factor: str | None = None, *, ax: Axes | None = None) -> Axes:
        """A/E by period, with a reference line at 1.

        Parameters
        ----------
        factor : str, optional
            Draw one line per level of this factor (from
            ``by_period_segment``) instead of the whole book with its
            interval band.
        ax : Axes, optional

        Returns
        -------
        Axes
            Lines: one for the book (or per level of ``factor``), then the
            line at 1. The band (book only) and the flagged points are
            collections.
        """
        periods = self.over_time.index
        x = np.arange(len(periods))
        ax = _axes(ax)
        if factor is None:
            table = self.over_time
            lower = np.where(np.isfinite(table["ae_lower"]), table["ae_lower"], np.nan)
            upper = np.where(np.isfinite(table["ae_upper"]), table["ae_upper"], np.nan)
            ax.fill_between(x, lower, upper, alpha=0.25,
                            label=f"{self.settings.get('level', 0.95):.0%} interval")  # fmt: skip
            ax.plot(x, table["ae"].to_numpy(dtype=float), marker="o", color="black", label="A/E")
            _mark_signals(ax, x, table)
            title = "Actual / expected by period"
        else:
            rows = self._rows(self.by_period_segment, factor)
            for level, group in rows.groupby("level", sort=False, dropna=False, observed=True):
                table = group.set_index("period").reindex(periods)
                label = "(missing)" if _is_missing(level) else str(level)
                ax.plot(x, table["ae"].to_numpy(dtype=float), marker="o", label=label)
                _mark_signals(ax, x, table)
            title = f"Actual / expected by period and {factor}"
        ax.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
        _level_ticks(ax, x, [str(p) for p in periods])
        ax.set_xlabel("period")
        ax.set_ylabel("actual / expected")
        ax.set_title(title)
        ax.legend()
        return ax

    def plot_heatmap(self, factor: str, *, ax: Axes | None = None) -> Axes:
        """A/E by level of ``factor`` (rows) and period (columns), coloured around 1.

        The colour scale is logarithmic and symmetric around 1 (red above,
        blue below), so A/E of 2 and of 0.5 are equally intense; empty cells
        are blank. Small grids write each A/E in its cell, with a ``*`` on
        flagged cells.

        Returns
        -------
        Axes
            The heat map is ``ax.images[0]``; its colour bar is another axis
            of the figure.
        """
        from matplotlib.colors import LogNorm

        rows = self._rows(self.by_period_segment, factor)
        levels = list(dict.fromkeys(rows["level"]))
        periods = self.over_time.index
        cells = rows.set_index(["level", "period"])
        grid = cells["ae"].unstack("period").reindex(index=levels, columns=periods)
        flags = (cells["signal"] != "").unstack("period").reindex(index=levels, columns=periods)
        flags = flags.fillna(False).astype(bool)
        values = grid.to_numpy(dtype=float)
        positive = values[np.isfinite(values) & (values > 0)]
        spread = max(1.05, float(np.exp(np.abs(np.log(positive)).max()))) if positive.size else 1.05
        shown = np.clip(values, 1 / spread, spread)
        ax = _axes(ax, figsize=(max(6.0, 0.6 * len(periods) + 2), max(3.0, 0.4 * len(levels) + 1.5)))
        image = ax.imshow(np.ma.masked_invalid(shown), cmap="RdBu_r", aspect="auto",
                          norm=LogNorm(vmin=1 / spread, vmax=spread))  # fmt: skip
        if values.size <= 200:
            for i, j in zip(*np.nonzero(np.isfinite(values)), strict=True):
                mark = "*" if flags.iat[i, j] else ""
                dark = abs(np.log(shown[i, j])) > 0.6 * np.log(spread)  # white text on the deep colours
                ax.text(j, i, f"{values[i, j]:.2f}{mark}", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")  # fmt: skip
        bar = ax.figure.colorbar(image, ax=ax, label="actual / expected")
        # plain ticks (0.8, 1, 1.25, ...) rather than powers of ten on the log scale
        ticks = [t for t in (0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0) if 1 / spread <= t <= spread]
        bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        bar.minorticks_off()
        _level_ticks(ax, np.arange(len(periods)), [str(p) for p in periods])
        ax.set_yticks(np.arange(len(levels)), ["(missing)" if _is_missing(v) else str(v) for v in levels])
        ax.set_xlabel("period")
        ax.set_ylabel(factor)
        ax.set_title(f"Actual / expected by {factor} and period")
        return ax

    def _rows(self, table: pd.DataFrame, factor: str) -> pd.DataFrame:
        if factor not in self.factors:
            raise ParameterError(f"factor {factor!r} was not monitored; factors: {self.factors}")
        return table[table["factor"] == factor]

    def _title(self) -> str:
        s = self.settings
        return (
            f"A/E monitoring of '{s.get('actual')}' against '{s.get('expected')}': "
            f"{len(self.over_time)} periods, {s.get('level', 0.95):.0%} {self.interval_kind} intervals"
        )

    @property
    def interval_kind(self) -> str:
        """How the intervals were made: ``"exact Poisson"`` or ``"quasi-Poisson (dispersion ...)"``."""
        dispersion = self.settings.get("dispersion")
        return "exact Poisson" if dispersion is None else f"quasi-Poisson (dispersion {dispersion:,.4g})"

    def __repr__(self) -> str:
        flagged = self.signals()
        lines = [self._title(), self.to_frame().to_string(float_format="{:,.3f}".format)]
        lines.append(f"{len(flagged)} signal{'s' if len(flagged) != 1 else ''}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        formats = {"exposure": "{:,.1f}", "actual": "{:,.1f}", "expected": "{:,.1f}", "p_value": "{:.4f}"}
        formats |= {c: "{:.3f}" for c in ("ae", "ae_lower", "ae_upper", "cumulative_ae")}

        def highlight(row: pd.Series) -> list[str]:
            colour = {"above": "#fbe3e3", "below": "#e3ecfb"}.get(row["signal"], "")
            return [f"background-color: {colour}" if colour else ""] * len(row)

        time = self.to_frame().style.format(formats, na_rep="").apply(highlight, axis=1).to_html()
        html = f"<p><b>{self._title()}</b></p>{time}"
        flagged = self.by_segment[self.by_segment["signal"] != ""]
        if not flagged.empty:
            table = flagged.style.format(formats, na_rep="").apply(highlight, axis=1).hide(axis="index")
            html += f"<p><b>Segments flagged over the window</b></p>{table.to_html()}"
        if self.drift is not None:
            moved = self.drift[self.drift["status"] != "stable"]
            if not moved.empty:
                drift = moved.style.format({"psi": "{:.3f}"}).hide(axis="index").to_html()
                html += f"<p><b>Population drift against the reference</b></p>{drift}"
        return html


def monitor(
    data: pd.DataFrame,
    actual: str,
    expected: str,
    *,
    period: str,
    by: str | Sequence[str] = (),
    exposure: str | None = None,
    freq: str = "Q",
    level: float = 0.95,
    min_expected: float = 5.0,
    reference: pd.DataFrame | None = None,
    drift_factors: str | Sequence[str] | None = None,
    test: Literal["poisson", "quasi_poisson"] = "poisson",
) -> MonitoringResult:
    """Actual against expected claims of a deployed plan or model, by period and segment.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period) since deployment, with the claims
        observed and those the plan or model expected.
    actual : str
        Column of observed claims (count or amount), >= 0.
    expected : str
        Column of expected claims on the same scale, > 0 on every row: a
        model's prediction times exposure, or the plan's pure premium (e.g.
        ``pure_<coverage>`` of :meth:`RatingPlan.quote
        <autorisk.rating.RatingPlan.quote>`) against claim amounts.
    period : str
        Column of the period of each row: dates (grouped by ``freq``), or
        periods already (``pandas.Period``, integers such as years, ordered
        categories, or strings such as ``"2024Q1"`` that parse as periods;
        date strings are grouped by ``freq``).
    by : str or list of str, optional
        Segment factors (band numeric ones first).
    exposure : str, optional
        Exposure column (> 0); default 1 per row. Reported, not used by the
        test.
    freq : str, default "Q"
        Period frequency for dates (a pandas period alias: ``"M"``, ``"Q"``,
        ``"Y"``); ignored for discrete periods.
    level : float, default 0.95
        Confidence level of the intervals, in (0, 1).
    min_expected : float, default 5.0
        Cells with fewer expected claims are never flagged: their interval
        is too wide to mean much and many small cells make false alarms.
    reference : DataFrame, optional
        A reference snapshot (e.g. the data the plan was built on): adds
        the PSI of each period against it (:attr:`MonitoringResult.drift`).
    drift_factors : str or list of str, optional
        Columns compared with ``reference``; default ``by``. Weighted by
        ``exposure`` when given (the reference must then have that column).
    test : {"poisson", "quasi_poisson"}, default "poisson"
        ``"poisson"``: exact (Garwood) interval and test, right for claim
        counts. ``"quasi_poisson"``: normal interval with variance
        ``phi x expected``, ``phi`` the Pearson dispersion
        ``sum((actual - expected)^2) / sum(expected)`` over all rows: right
        for claim amounts against a plan's pure premium (a compound Poisson
        total has variance proportional to its mean), where the exact
        Poisson interval would be far too narrow. ``min_expected`` is then
        on the scale of ``expected`` (money), e.g. five average claims.

    Returns
    -------
    MonitoringResult

    Raises
    ------
    SchemaError
        A named column is missing (from ``data`` or ``reference``).
    DataError
        Missing, infinite or negative values of ``actual``; ``expected`` or
        ``exposure`` not positive; or a period that is missing or cannot be
        read; each naming the column, values and rows.
    ParameterError
        ``level`` or ``min_expected`` out of range, ``period`` among ``by``,
        an unknown ``test``.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({
    ...     "start": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-04-05", "2024-05-20"]),
    ...     "region": ["N", "S", "N", "S"],
    ...     "claims": [12, 8, 30, 9],
    ...     "expected": [10.0, 10.0, 15.0, 10.0]})
    >>> result = monitor(book, "claims", "expected", period="start", by="region")
    >>> result.over_time[["actual", "expected", "ae", "cumulative_ae", "signal"]]
            actual  expected   ae  cumulative_ae signal
    period
    2024Q1    20.0      20.0  1.0            1.0
    2024Q2    39.0      25.0  1.56           1.3  above
    >>> result.signals()[["factor", "level", "period", "ae"]]
      factor level  period   ae
    0  (all)  (all)  2024Q2  1.56
    1 region     N    None  1.68
    2 region     N  2024Q2  2.00
    """
    if not (isinstance(level, (int, float, np.floating)) and 0 < level < 1):
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    if not (isinstance(min_expected, (int, float, np.floating)) and min_expected >= 0):
        raise ParameterError(f"min_expected must be a number >= 0, got {min_expected!r}")
    if test not in TESTS:
        raise ParameterError(f"test must be one of {list(TESTS)}, got {test!r}")
    factors = [by] if isinstance(by, str) else list(by)
    if period in factors:
        raise ParameterError(f"period column {period!r} cannot also be a factor in by={factors}")
    columns = list(dict.fromkeys([period, actual, expected, *([exposure] if exposure else []), *factors]))
    require_columns(data, columns, "data", "for monitoring")
    work = data[columns].copy()
    work[period] = _periods(data[period], period, freq)

    def totals(keys: list[str]) -> pd.DataFrame:
        return actual_vs_expected(work, keys, actual, expected, exposure)

    over_time = totals([period])  # validates actual, expected and exposure
    dispersion = None
    if test == "quasi_poisson":
        a, e = work[actual].to_numpy(dtype=float), work[expected].to_numpy(dtype=float)
        dispersion = float(np.sum((a - e) ** 2) / np.sum(e))
    over_time = _with_stats(over_time, level, min_expected, dispersion)
    over_time.index.name = "period"
    over_time = _with_cumulative(over_time, None)

    segment_parts, cell_parts = [], []
    for factor in factors:
        one = totals([factor]).rename_axis("level").reset_index()
        one.insert(0, "factor", factor)
        segment_parts.append(one)
        cells = totals([factor, period]).rename_axis(["level", "period"]).reset_index()
        cells.insert(0, "factor", factor)
        cell_parts.append(cells)
    by_segment = _tidy(segment_parts, level, min_expected, ["factor", "level"], dispersion)
    by_period_segment = _tidy(cell_parts, level, min_expected, ["factor", "level", "period"], dispersion)
    by_period_segment = _with_cumulative(by_period_segment, ["factor", "level"])

    whole = over_time[["exposure", "actual", "expected"]].sum()
    whole_table = _with_stats(whole.to_frame().T.assign(ae=whole["actual"] / whole["expected"]),
                              level, min_expected, dispersion)  # fmt: skip
    overall = whole_table.iloc[0][MONITOR_COLUMNS].copy()
    overall["periods"] = len(over_time)
    overall.name = "overall"

    drift = None
    if reference is not None:
        drift = _drift(reference, data, work[period], drift_factors if drift_factors is not None else factors,
                       exposure, over_time.index)  # fmt: skip
    settings = {
        "actual": actual, "expected": expected, "period": period, "by": factors,
        "exposure": exposure, "freq": freq, "level": level, "min_expected": min_expected,
        "test": test, "dispersion": dispersion,
    }  # fmt: skip
    return MonitoringResult(over_time, by_segment, by_period_segment, overall, drift, settings)


# ---------------------------------------------------------------- helpers


def _with_stats(table: pd.DataFrame, level: float, min_expected: float, dispersion: float | None) -> pd.DataFrame:
    """Interval, p-value and signal of an A/E table (columns exposure, actual, expected, ae).

    ``dispersion`` None: exact Poisson; else a normal interval with variance ``dispersion x expected``.
    """
    table = table.copy()
    a = table["actual"].to_numpy(dtype=float)
    e = table["expected"].to_numpy(dtype=float)
    if dispersion is None:
        lower, upper = poisson_ae_interval(a, e, level)
        table["p_value"] = poisson_ae_test(a, e)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(dispersion / e)  # of A/E
            z = (a / e - 1.0) / se
        half = stats.norm.ppf(0.5 + level / 2) * se
        lower, upper = np.maximum(a / e - half, 0.0), a / e + half
        table["p_value"] = np.where(se > 0, 2 * stats.norm.sf(np.abs(z)), np.where(a == e, 1.0, 0.0))
    table["ae_lower"], table["ae_upper"] = lower, upper
    judged = e >= min_expected
    table["signal"] = np.select([judged & (lower > 1), judged & (upper < 1)], ["above", "below"], "")
    return table[MONITOR_COLUMNS]


def _with_cumulative(table: pd.DataFrame, keys: list[str] | None) -> pd.DataFrame:
    """Add ``cumulative_ae`` (rows already in period order within each group of ``keys``)."""
    if keys is None:
        sums = table[["actual", "expected"]].cumsum()
    else:
        sums = table.groupby(keys, sort=False, dropna=False, observed=True)[["actual", "expected"]].cumsum()
    table = table.assign(cumulative_ae=sums["actual"] / sums["expected"])
    ids = [c for c in table.columns if c not in _TIME_COLUMNS]
    return table[[*ids, *_TIME_COLUMNS]]


def _tidy(
    parts: list[pd.DataFrame], level: float, min_expected: float, keys: list[str], dispersion: float | None
) -> pd.DataFrame:
    if not parts:
        empty = {key: pd.Series(dtype=object) for key in keys}
        empty |= {c: pd.Series(dtype=float) for c in MONITOR_COLUMNS}
        return pd.DataFrame(empty | {"signal": pd.Series(dtype=object)})
    for part in parts:  # one object column of levels across factors of different dtypes
        part["level"] = part["level"].astype(object)
    table = pd.concat(parts, ignore_index=True)
    return pd.concat([table[keys], _with_stats(table, level, min_expected, dispersion)], axis=1)


def _drift(
    reference: pd.DataFrame,
    data: pd.DataFrame,
    periods: pd.Series,
    factors: str | Sequence[str],
    exposure: str | None,
    order: pd.Index,
) -> pd.DataFrame:
    """PSI of each period of ``data`` against ``reference``, one row per factor and period."""
    parts = []
    for value in order:
        table = drift_report(reference, data.loc[(periods == value).to_numpy()], factors, weights=exposure)
        parts.append(table.reset_index().assign(period=[value] * len(table)))
    table = pd.concat(parts, ignore_index=True)
    rank = {name: i for i, name in enumerate(dict.fromkeys(table["factor"]))}
    table = table.sort_values("factor", key=lambda column: column.map(rank), kind="stable")
    return table[["factor", "period", "psi", "bins", "new_levels", "status"]].reset_index(drop=True)


def _periods(values: pd.Series, name: str, freq: str) -> pd.Series:
    """The period of each row: dates grouped by ``freq``, discrete periods as they are."""
    missing = values.isna().to_numpy()
    if missing.any():
        raise DataError(DataIssue.from_mask(name, "missing", "a period or date on every row",
                                            missing, values.index, values))  # fmt: skip
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _by_freq(values.dt.tz_localize(None), name, freq)
    if pd.api.types.is_datetime64_dtype(dtype):
        return _by_freq(values, name, freq)
    if isinstance(dtype, (pd.PeriodDtype, pd.CategoricalDtype)):
        return values
    if pd.api.types.is_bool_dtype(dtype):
        raise DataError(DataIssue(name, "not a period", "dates, periods or integers such as years"))
    if pd.api.types.is_integer_dtype(dtype):
        return values
    if pd.api.types.is_float_dtype(dtype):
        fractional = (values % 1 != 0).to_numpy()
        if fractional.any():
            raise DataError(DataIssue.from_mask(name, "not a period", "whole numbers such as years",
                                                fractional, values.index, values))  # fmt: skip
        return values.astype("int64")
    return _parsed(values, name, freq)


def _parsed(values: pd.Series, name: str, freq: str) -> pd.Series:
    """Periods from an object or string column (each distinct value parsed once)."""
    codes, uniques = pd.factorize(values)
    parsed: list[Any] = []
    bad = []
    for i, value in enumerate(uniques):
        if isinstance(value, pd.Period):
            parsed.append(value)
        elif isinstance(value, (dt.date, np.datetime64)):
            parsed.append(pd.Timestamp(value))
        else:
            try:
                parsed.append(pd.Period(str(value)) if isinstance(value, str) else pd.Period(value))
            except (ValueError, TypeError):
                bad.append(i)
                parsed.append(None)
    if bad:
        mask = np.isin(codes, bad)
        raise DataError(DataIssue.from_mask(name, "not a period", "dates or periods such as '2024Q1', '2024-03', 2024",
                                            mask, values.index, values))  # fmt: skip
    # a daily period parsed from text is a date: group it like one
    dates = [isinstance(p, pd.Timestamp) or (isinstance(p, pd.Period) and p.freqstr == "D") for p in parsed]
    if all(dates):
        stamps = pd.DatetimeIndex([p.to_timestamp() if isinstance(p, pd.Period) else p for p in parsed])
        return _by_freq(pd.Series(stamps.take(codes), index=values.index), name, freq)
    freqs = {p.freqstr if isinstance(p, pd.Period) else "D" for p in parsed}
    if len(freqs) > 1:
        raise DataError(DataIssue(name, "mixed frequencies", f"periods of one frequency, got {sorted(freqs)}"))
    return pd.Series(pd.PeriodIndex(parsed).take(codes), index=values.index)


def _by_freq(dates: pd.Series, name: str, freq: str) -> pd.Series:
    try:
        return dates.dt.to_period(freq)
    except (ValueError, TypeError):
        raise ParameterError(f"freq {freq!r} (grouping the dates of '{name}') is not a pandas "
                             "period frequency such as 'M', 'Q' or 'Y'") from None  # fmt: skip


def _mark_signals(ax: Axes, x: np.ndarray, table: pd.DataFrame) -> None:
    """Red triangles on points flagged above 1, blue on points flagged below (one legend entry each)."""
    signal = table["signal"].fillna("").to_numpy()
    ae = table["ae"].to_numpy(dtype=float)
    for kind, marker, colour in (("above", "^", "tab:red"), ("below", "v", "tab:blue")):
        flagged = signal == kind
        if flagged.any():
            label = f"flagged {kind}"
            if label in ax.get_legend_handles_labels()[1]:
                label = "_nolegend_"
            ax.scatter(x[flagged], ae[flagged], marker=marker, s=60, color=colour, zorder=3, label=label)


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
