"""Risk segmentation of an in-force book: risk-score deciles, the highest risks and their drivers, departing segments.

- :func:`risk_deciles`: equal-exposure bands of a risk score (a predicted
  frequency or pure premium, or the plan premium per year), with their
  share of the book, of its expected cost and, given claims, actual against
  expected.
- :func:`top_risks`: the highest-scored policies and the factors that make
  each riskier than the average policy.
- :func:`departing_segments`: levels of rating factors whose actual claims
  depart from the expected ones by more than Poisson noise explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.analytics._poisson import poisson_ae_interval, poisson_ae_test
from autorisk.analytics.credibility import classical_credibility
from autorisk.data.schema import require_columns
from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError
from autorisk.evaluate.calibration import actual_vs_expected
from autorisk.evaluate.lift import checked_bins, exposure_bins

__all__ = ["ADJUSTMENTS", "departing_segments", "risk_deciles", "top_risks"]

#: Multiple-testing adjustments accepted by :func:`departing_segments`.
ADJUSTMENTS = (None, "holm")

_TABLE = "data"
#: The constant column of ``model.contributions``: not a driver.
_BIAS = "bias"
#: How a missing factor value is shown (as the GLM design names its level).
_MISSING = "(missing)"


def risk_deciles(
    data: pd.DataFrame,
    score: str,
    *,
    exposure: str = "exposure",
    n_bins: int = 10,
    actual: str | None = None,
    expected: str | None = None,
    factors: Sequence[str] = (),
) -> pd.DataFrame:
    """Equal-exposure bands of a risk score: who is in each, how risky, and how it ran.

    Policies are sorted by ``score`` and cut into ``n_bins`` bands of about
    equal exposure with :func:`~autorisk.evaluate.exposure_bins` (policies
    with the same score share a band, so bands can be uneven and an empty one
    is left out).

    Parameters
    ----------
    data : DataFrame
        One row per policy (period).
    score : str
        Column of the expected rate per unit of exposure: a predicted
        frequency or pure premium, or the plan premium per year; ``>= 0``.
    exposure : str, default "exposure"
        Exposure column, ``> 0``.
    n_bins : int, default 10
        Number of bands (10: deciles).
    actual, expected : str, optional
        Columns of claim counts and of the model's expected counts (``> 0``);
        given both, the table adds ``actual``, ``expected`` and ``ae``.
    factors : list of str
        Rating factors whose most common level (by exposure) each band shows.

    Returns
    -------
    DataFrame
        Indexed by ``decile`` (1 = lowest score), columns ``policies``,
        ``exposure``, ``exposure_share``, ``min_score``, ``max_score``,
        ``mean_score`` (exposure-weighted), ``relativity`` (``mean_score``
        over the book's exposure-weighted mean score), ``cost_share`` (the
        band's share of the book's ``score * exposure``: of its expected
        cost when the score is a pure premium); then ``actual``,
        ``expected`` and ``ae`` when asked, and ``"<factor>: top level"``
        for each factor, e.g. ``"18-24 (41%)"``: the level with the most
        exposure in the band and its share of the band's exposure.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        A score missing, infinite or negative, or an exposure not positive,
        naming the column, values and rows; bad actual or expected values.
    ParameterError
        ``n_bins`` is not a positive integer, or only one of ``actual`` and
        ``expected`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"rate": [0.05, 0.1, 0.2, 0.4], "exposure": [1.0, 1.0, 0.5, 0.5],
    ...                      "age": ["40+", "40+", "18-24", "40+"]})
    >>> table = risk_deciles(book, "rate", n_bins=2, factors=["age"])
    >>> table[["policies", "exposure", "max_score", "mean_score", "relativity", "cost_share"]]
            policies  exposure  max_score  mean_score  relativity  cost_share
    decile
    1              1       1.0       0.05        0.05    0.333333    0.111111
    2              3       2.0       0.40        0.20    1.333333    0.888889
    >>> table["age: top level"].tolist()
    ['40+ (100%)', '40+ (75%)']
    """
    n_bins = checked_bins(n_bins)
    if (actual is None) != (expected is None):
        raise ParameterError("give both actual and expected (claim counts and expected counts), or neither")
    factors = list(factors)
    claims = [] if actual is None else [actual, expected]
    require_columns(data, [score, exposure, *claims, *factors], _TABLE, "for risk deciles")
    rate, size = _score_and_exposure(data[score], score, data[exposure], exposure)

    decile = pd.Series(exposure_bins(rate, size, n_bins) + 1, index=data.index, name="decile")
    frame = pd.DataFrame({"exposure": size, "score": rate, "cost": rate * size}, index=data.index)
    grouped = frame.groupby(decile, sort=True)
    table = grouped.agg(
        policies=("exposure", "size"),
        exposure=("exposure", "sum"),
        min_score=("score", "min"),
        max_score=("score", "max"),
        cost=("cost", "sum"),
    )
    table.insert(2, "exposure_share", table["exposure"] / size.sum())
    book_mean = frame["cost"].sum() / size.sum()
    table["mean_score"] = table["cost"] / table["exposure"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["relativity"] = table["mean_score"] / book_mean
        table["cost_share"] = table["cost"] / frame["cost"].sum()
    table = table.drop(columns="cost")

    if claims:
        key = _free_name("decile", claims + [exposure])
        ae = actual_vs_expected(
            data[[*claims, exposure]].assign(**{key: decile}), key, actual, expected, exposure
        )
        table = table.join(ae[["actual", "expected", "ae"]].rename_axis("decile"))
    for factor in factors:
        table[f"{factor}: top level"] = _top_levels(data[factor], decile, frame["exposure"])
    return table


def top_risks(
    data: pd.DataFrame,
    model: Any = None,
    *,
    drivers: pd.DataFrame | None = None,
    score: str | None = None,
    n: int = 20,
    n_drivers: int = 3,
    exposure: str = "exposure",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """The ``n`` highest-scored policies, with the factors that drive their score.

    A driver is a factor's effect on the policy's log rate minus that
    factor's exposure-weighted mean effect over the whole book, so it says
    what makes the policy riskier than the average policy; its exponential
    is the relativity shown (``x1.84``: this factor alone makes the policy
    84% dearer than the average policy). Each policy lists its
    ``n_drivers`` largest drivers, largest first.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period); the book the drivers are centred on.
    model : object, optional
        A fitted model with ``predict(X)`` (the rate per unit of exposure)
        and, for drivers, ``contributions(X)``: the GLMs and GBMs of
        :mod:`autorisk.models`. For a GBM this is TreeSHAP on every row of
        ``data``, about a millisecond a row.
    drivers : DataFrame, optional
        Instead of the model's contributions: each factor's relativity per
        row (``> 0``), indexed like ``data``, e.g. a rating plan's breakdown
        ``plan.quote(data).filter(regex=r"^tpl\\.[^.]+$")``. A column named
        as a column of ``data`` shows the policy's value; rename plan
        columns (``.rename(columns=lambda c: c.removeprefix("tpl."))``) when
        the factor names are data columns.
    score : str, optional
        Column of the rate per unit of exposure to rank by (``>= 0``);
        default ``model.predict(data)``.
    n : int, default 20
        Number of policies returned (fewer if ``data`` is shorter).
    n_drivers : int, default 3
        Drivers listed per policy (fewer if there are fewer factors).
    exposure : str, default "exposure"
        Exposure column (``> 0``): the weights of the book's means.
    keep : list of str
        Columns of ``data`` to show (e.g. a policy number, the premium).

    Returns
    -------
    DataFrame
        Indexed like ``data`` (the selected rows), sorted by ``score``
        descending (ties in the order of ``data``); columns ``rank`` (1 =
        highest), the ``keep`` columns, ``score``, ``relativity`` (score
        over the book's exposure-weighted mean score) and, per driver ``k``,
        ``driver_k`` (e.g. ``"driver_age=19 (x1.84)"``), ``driver_k_factor``
        and ``driver_k_relativity``. Without ``drivers`` and a model with
        ``contributions``, there are no driver columns.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        A missing, infinite or negative score, an exposure not positive, or
        a driver relativity not positive and finite, naming column and rows.
    ParameterError
        Neither ``model`` nor ``score``; both ``model`` contributions and
        ``drivers`` would apply; ``drivers`` not indexed like ``data``; or
        ``n`` / ``n_drivers`` out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"age": [19, 45, 60], "area": ["city", "rural", "city"],
    ...                      "rate": [0.3, 0.08, 0.12], "exposure": [1.0, 1.0, 2.0]})
    >>> factors = pd.DataFrame({"age": [2.0, 0.8, 1.0], "area": [1.5, 1.0, 1.2]})
    >>> top_risks(book, score="rate", drivers=factors, n=2, n_drivers=2)[["rank", "score", "driver_1", "driver_2"]]
       rank  score           driver_1           driver_2
    0     1   0.30     age=19 (x1.78)  area=city (x1.24)
    2     2   0.12  area=city (x0.99)     age=60 (x0.89)
    """
    n = _positive_int(n, "n")
    n_drivers = _positive_int(n_drivers, "n_drivers", minimum=0)
    keep = list(keep)
    if score is None and model is None:
        raise ParameterError("give a model (to score the policies) or the name of a score column")
    require_columns(data, [*([] if score is None else [score]), exposure, *keep], _TABLE, "for top risks")
    if score is None:
        scores = pd.Series(np.asarray(model.predict(data), dtype=float), index=data.index)
        rate, size = _score_and_exposure(scores, "model.predict(data)", data[exposure], exposure)
    else:
        rate, size = _score_and_exposure(data[score], score, data[exposure], exposure)

    log_effects = _log_effects(data, model, drivers)
    order = np.argsort(-rate, kind="stable")[:n]
    rows = data.index[order]
    book_mean = np.sum(rate * size) / np.sum(size)
    table = data.iloc[order][keep].copy() if keep else pd.DataFrame(index=rows)
    table.insert(0, "rank", np.arange(1, len(order) + 1))
    table["score"] = rate[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["relativity"] = rate[order] / book_mean
    if log_effects is None or n_drivers == 0 or log_effects.shape[1] == 0:
        return table

    centred = log_effects - np.average(log_effects.to_numpy(), axis=0, weights=size)
    top = centred.iloc[order]
    names = top.columns.to_numpy(dtype=object)
    values = top.to_numpy(dtype=float)
    ranked = np.argsort(-values, axis=1, kind="stable")[:, : min(n_drivers, len(names))]
    for k in range(ranked.shape[1]):
        factor = names[ranked[:, k]]
        relativity = np.exp(values[np.arange(len(values)), ranked[:, k]])
        table[f"driver_{k + 1}"] = [
            f"{_describe(data, position, name)} (x{rel:.2f})"
            for position, name, rel in zip(order, factor, relativity, strict=True)
        ]
        table[f"driver_{k + 1}_factor"] = factor
        table[f"driver_{k + 1}_relativity"] = relativity
    return table


def departing_segments(
    data: pd.DataFrame,
    by: str | Sequence[str],
    actual: str,
    expected: str,
    *,
    exposure: str | None = None,
    level: float = 0.95,
    min_expected: float = 5.0,
    adjust: Literal["holm"] | None = None,
) -> pd.DataFrame:
    """Levels of rating factors whose actual claims depart from expected beyond Poisson noise.

    Each column of ``by`` is analysed one way; its levels are stacked in one
    tidy table. A segment's actual claim count ``a`` is taken as Poisson with
    mean ``ae * e``, where ``e`` is its expected count (the model's, taken as
    known). The interval of ``ae`` is Garwood's exact central interval
    divided by ``e``::

        lower = G(alpha/2; a) / e,    upper = G(1 - alpha/2; a + 1) / e

    with ``G(q; k)`` the ``q`` quantile of a gamma(k, 1) law and ``alpha =
    1 - level``; the p-value is the two-sided exact test of ``ae = 1``,
    ``min(1, 2 min(P(X <= a), P(X >= a)))`` with ``X ~ Poisson(e)``. The
    interval excludes 1 exactly when the p-value is below ``alpha``.

    Multiple testing: at ``level=0.95`` about 5% of segments that run
    exactly as expected are flagged by chance, so among 60 levels expect
    about three false alarms. ``adjust="holm"`` controls the chance of any
    false alarm (family-wise error rate) instead, at the cost of missing
    smaller departures.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period).
    by : str or list of str
        Segment columns, each analysed on its own (missing values form
        their own level; band numeric columns with many values first).
    actual : str
        Column of claim counts (``>= 0``).
    expected : str
        Column of the model's expected claim counts (``> 0``) on the same
        exposure.
    exposure : str, optional
        Exposure column (``> 0``), reported per segment; default: the
        number of rows.
    level : float, default 0.95
        Confidence level of the interval, in (0, 1).
    min_expected : float, default 5.0
        Segments with fewer expected claims are never flagged: too small to
        tell, and an exact test on them mostly flags noise in the model's
        smallest cells.
    adjust : {None, "holm"}, default None
        ``"holm"``: add ``p_adjusted``, Holm's step-down adjustment of the
        p-values over the segments with at least ``min_expected`` expected
        claims (NaN for the others), and flag a segment when
        ``p_adjusted < 1 - level``.

    Returns
    -------
    DataFrame
        One row per (factor, level), sorted by ``p_value`` (ties in factor
        and level order); columns ``factor``, ``level``, ``exposure``,
        ``actual``, ``expected``, ``ae``, ``ae_lower``, ``ae_upper``,
        ``p_value`` (and ``p_adjusted``), ``z`` (``(actual - expected) /
        sqrt(expected)``, the signed Poisson score statistic),
        ``credibility`` (classical ``Z`` of the actual claim count, 1,082
        claims for full credibility) and ``departs`` (the interval excludes
        1, or the adjusted p-value is below ``1 - level``, and ``expected >=
        min_expected``).

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        Bad values (missing or negative claims, expected counts or exposure
        not positive), naming the column and rows.
    ParameterError
        ``by`` empty, ``level`` outside (0, 1), ``min_expected`` negative or
        ``adjust`` not an option.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"area": ["a"] * 2 + ["b"] * 2, "claims": [20, 22, 9, 11],
    ...                      "expected": [10.0, 10.0, 10.0, 10.0]})
    >>> table = departing_segments(book, "area", "claims", "expected")
    >>> table[["factor", "level", "actual", "expected", "ae", "ae_lower", "ae_upper", "departs"]].round(3)
      factor level  actual  expected   ae  ae_lower  ae_upper  departs
    0   area     a    42.0      20.0  2.1     1.513     2.839     True
    1   area     b    20.0      20.0  1.0     0.611     1.544    False
    """
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ParameterError("by must name at least one segment column")
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ParameterError(f"level must be a confidence level in (0, 1), got {level!r}")
    if not np.isfinite(min_expected) or min_expected < 0:
        raise ParameterError(f"min_expected must be a finite number >= 0, got {min_expected!r}")
    if adjust not in ADJUSTMENTS:
        raise ParameterError(f"adjust must be one of {list(ADJUSTMENTS)}, got {adjust!r}")
    require_columns(data, keys, _TABLE, "to segment by")

    frames = []
    for key in keys:
        one_way = actual_vs_expected(data, key, actual, expected, exposure)
        frames.append(
            pd.DataFrame({
                "factor": key,
                "level": one_way.index.to_numpy(dtype=object),
                **{c: one_way[c].to_numpy(dtype=float) for c in ("exposure", "actual", "expected", "ae")},
            })
        )
    table = pd.concat(frames, ignore_index=True)
    a = table["actual"].to_numpy()
    e = table["expected"].to_numpy()
    table["ae_lower"], table["ae_upper"] = poisson_ae_interval(a, e, level)
    table["p_value"] = poisson_ae_test(a, e)
    eligible = e >= min_expected
    if adjust == "holm":
        adjusted = np.full(len(table), np.nan)
        adjusted[eligible] = _holm(table["p_value"].to_numpy()[eligible])
        table["p_adjusted"] = adjusted
        departs = eligible & (adjusted < 1 - level)
    else:
        departs = eligible & ((table["ae_lower"] > 1) | (table["ae_upper"] < 1)).to_numpy()
    table["z"] = (a - e) / np.sqrt(e)
    table["credibility"] = classical_credibility(a)
    table["departs"] = departs
    return table.sort_values("p_value", kind="stable", ignore_index=True)


# ------------------------------------------------------------------ helpers
def _score_and_exposure(
    scores: pd.Series, score: str, exposures: pd.Series, exposure: str
) -> tuple[np.ndarray, np.ndarray]:
    """Checked score (``>= 0``) and exposure (``> 0``) arrays, both problems reported at once."""
    if len(scores) == 0:
        raise DataError(DataIssue(score, "empty", "at least one policy"), table=_TABLE)
    issues: list[DataIssue] = []
    rate = _check_values(scores, score, positive=False, issues=issues)
    size = _check_values(exposures, exposure, positive=True, issues=issues)
    if issues:
        raise DataError(issues, table=_TABLE)
    return rate, size


def _check_values(
    series: pd.Series, column: str, *, positive: bool, issues: list[DataIssue] | None = None
) -> np.ndarray:
    """``series`` as floats; an issue for missing, infinite or out-of-range values (raised unless collected)."""
    try:
        values = series.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise SchemaError(
            DataIssue(column, "not numeric", "numbers", 0, (), (str(series.dtype),)), table=_TABLE
        ) from None
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():
        rule, expected = ("missing, infinite or not positive", "finite values > 0") if positive else (
            "missing, infinite or negative", "finite values >= 0")  # fmt: skip
        issue = DataIssue.from_mask(column, rule, expected, bad, series.index, series)
        if issues is None:
            raise DataError(issue, table=_TABLE)
        issues.append(issue)
    return values


def _top_levels(values: pd.Series, decile: pd.Series, size: pd.Series) -> pd.Series:
    """Per decile: ``"<level> (<share>%)"`` for the level with the most exposure (first in order on ties)."""
    by_level = size.groupby([decile, values.rename("level")], observed=True, dropna=False, sort=True).sum()
    top = by_level.groupby(level=0).idxmax()
    share = by_level.loc[top.to_list()].to_numpy() / by_level.groupby(level=0).sum().reindex(top.index).to_numpy()
    labels = [f"{_MISSING if pd.isna(lvl) else lvl} ({s:.0%})" for (_, lvl), s in zip(top, share, strict=True)]
    return pd.Series(labels, index=top.index)


def _log_effects(data: pd.DataFrame, model: Any, drivers: pd.DataFrame | None) -> pd.DataFrame | None:
    """Each factor's effect on the log rate per row: log relativities of ``drivers``, or model contributions."""
    if drivers is not None:
        if model is not None and hasattr(model, "contributions"):
            raise ParameterError("give drivers or a model with contributions, not both: which explains the score?")
        if not isinstance(drivers, pd.DataFrame) or not drivers.index.equals(data.index):
            raise ParameterError("drivers must be a DataFrame of relativities indexed like data (one row per policy)")
        issues: list[DataIssue] = []
        relativities = {c: _check_values(drivers[c], str(c), positive=True, issues=issues) for c in drivers.columns}
        if issues:
            raise DataError(issues, table="drivers")
        return np.log(pd.DataFrame(relativities, index=data.index))
    if model is None or not hasattr(model, "contributions"):
        return None
    # The checker of explain.effects: a DataFrame with "bias", one row per row.
    from autorisk.explain.effects import contributions

    return contributions(model, data).drop(columns=_BIAS)


def _describe(data: pd.DataFrame, position: int, factor: str) -> str:
    """``"factor=value"`` for a column of ``data`` (``"a:b=x:y"`` for an interaction), else the name."""
    columns = [factor] if factor in data.columns else factor.split(":")
    if not all(c in data.columns for c in columns):
        return factor
    return f"{factor}=" + ":".join(_format(data[c].iloc[position]) for c in columns)


def _format(value: Any) -> str:
    return format(value, "g") if isinstance(value, (float, np.floating)) else str(value)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values: the ``i``-th smallest times ``m - i + 1``, made monotone, capped at 1."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    return adjusted


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _free_name(name: str, taken: Any) -> str:
    """``name``, prefixed with underscores until it is not among ``taken``."""
    taken = set(taken)
    while name in taken:
        name = "_" + name
    return name
