"""Chain ladder with Mack standard errors, and Bornhuetter-Ferguson, via chainladder.

The estimators are chainladder's; these functions pick the options, check
the inputs and return a :class:`ReserveResult` table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import chainladder as cl
import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.reserving.results import ReserveResult

#: Our names for the estimators of the last sigma (where Mack's regression has
#: one point), mapped to chainladder's ``Development(sigma_interpolation=...)``.
SIGMA_ESTIMATORS = {
    "mack": "mack",  # Mack (1993): min(s_{n-2}^4 / s_{n-3}^2, s_{n-3}^2, s_{n-2}^2)
    "log-linear": "log-linear",  # extrapolate log(sigma) linearly in development age
}
AVERAGES = ("volume", "simple", "regression")
#: Tail factors beyond the triangle's last age: chainladder's ``TailCurve`` fits of the
#: link ratios minus 1 (an exponential decay or an inverse power curve).
TAILS = ("exponential", "inverse_power")


def mack(
    triangle: cl.Triangle, *, sigma: str = "mack", average: str = "volume", tail: str | None = None
) -> ReserveResult:
    """Mack chain ladder: ultimates, IBNR and Mack (1993) standard errors.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle, e.g. from :func:`build_triangle`.
    sigma : {"mack", "log-linear"}, default "mack"
        How to estimate the variance parameter of the last development
        period, which has a single link ratio: ``"mack"`` is Mack's own
        estimator, ``"log-linear"`` extrapolates log sigma linearly.
    average : {"volume", "simple", "regression"}, default "volume"
        Link-ratio average; "volume" is the classic chain ladder.
    tail : {None, "exponential", "inverse_power"}, default None
        None takes the last age as fully developed. Otherwise a tail factor is
        extrapolated from the link ratios (chainladder's ``TailCurve``) and the
        Mack errors include the tail; use it when claims still settle after the
        triangle's last age.

    Returns
    -------
    ReserveResult
        Columns latest, ultimate, ibnr, std_err (prediction error: process
        plus parameter) and cv; ``total["std_err"]`` is Mack's total
        standard error, which allows for the correlation between origins.

    Examples
    --------
    >>> import chainladder as cl
    >>> result = mack(cl.load_sample("raa"), sigma="log-linear")
    >>> round(result.total["ibnr"]), round(result.total["std_err"])
    (52135, 26881)
    """
    _check_triangle(triangle)
    _check_option("sigma", sigma, SIGMA_ESTIMATORS)
    _check_option("average", average, AVERAGES)
    _check_tail(tail, triangle)
    development = cl.Development(
        average=average, sigma_interpolation=SIGMA_ESTIMATORS[sigma]
    ).fit_transform(triangle)
    if tail is not None:
        development = cl.TailCurve(curve=tail).fit_transform(development)
    model = cl.MackChainladder().fit(development)

    table = _base_table(triangle, model.ultimate_)
    # mack_std_err_ runs to age 9999 (ultimate); its last column is the reserve error.
    table["std_err"] = _per_origin(model.mack_std_err_.values[..., -1], table.index)
    table["cv"] = _ratio(table["std_err"], table["ibnr"])
    total = table[["latest", "ultimate", "ibnr"]].sum()
    total["std_err"] = float(np.asarray(model.total_mack_std_err_.values).ravel()[0])
    total["cv"] = total["std_err"] / total["ibnr"] if total["ibnr"] else np.nan
    settings = {"sigma": sigma, "average": average} | ({"tail": tail} if tail else {})
    return ReserveResult("Mack chain ladder", table, total, model, settings)


def bornhuetter_ferguson(
    triangle: cl.Triangle,
    apriori_ultimate: float | Sequence[float] | pd.Series | Mapping,
    *,
    apriori_loss_ratio: float = 1.0,
    average: str = "volume",
    tail: str | None = None,
) -> ReserveResult:
    """Bornhuetter-Ferguson: IBNR = a priori ultimate x share still to develop.

    The share still to develop, ``1 - 1/CDF``, uses the chain ladder
    development pattern of ``triangle``; ultimate = latest + IBNR.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle, e.g. from :func:`build_triangle`.
    apriori_ultimate : float, sequence, Series or mapping
        Exposure base per origin period, e.g. earned premium: one number for
        every origin, one per origin in order, or keyed by origin (a
        ``Series``/mapping whose keys match the triangle's origins, as
        ``Period``, year or string).  Multiplied by ``apriori_loss_ratio``
        to give the a priori expected ultimate.
    apriori_loss_ratio : float, default 1.0
        Expected loss ratio on ``apriori_ultimate``; keep 1.0 when that is
        already an expected ultimate.
    average : {"volume", "simple", "regression"}, default "volume"
        Link-ratio average for the development pattern.
    tail : {None, "exponential", "inverse_power"}, default None
        As :func:`mack`: extend the development pattern beyond the last age
        with a fitted tail factor, so even the oldest origin keeps a share to develop.

    Returns
    -------
    ReserveResult
        Columns latest, apriori (expected ultimate), ultimate and ibnr.

    Examples
    --------
    >>> import chainladder as cl
    >>> result = bornhuetter_ferguson(cl.load_sample("raa"), 40_000, apriori_loss_ratio=0.7)
    >>> round(result.total["ibnr"])
    75203
    """
    _check_triangle(triangle)
    _check_option("average", average, AVERAGES)
    _check_tail(tail, triangle)
    if not np.isfinite(apriori_loss_ratio) or apriori_loss_ratio <= 0:
        raise ParameterError(f"apriori_loss_ratio={apriori_loss_ratio!r} must be a number > 0")
    origins = triangle.origin
    base = _per_origin_input(apriori_ultimate, origins)

    weight = triangle.latest_diagonal.copy()
    weight.values = base.to_numpy(dtype=float).reshape(weight.values.shape)
    development = cl.Development(average=average).fit_transform(triangle)
    if tail is not None:
        development = cl.TailCurve(curve=tail).fit_transform(development)
    model = cl.BornhuetterFerguson(apriori=apriori_loss_ratio).fit(
        development, sample_weight=weight
    )

    table = _base_table(triangle, model.ultimate_)
    table.insert(1, "apriori", base.to_numpy(dtype=float) * apriori_loss_ratio)
    total = table.sum()
    settings = {"apriori_loss_ratio": apriori_loss_ratio, "average": average} | ({"tail": tail} if tail else {})
    return ReserveResult("Bornhuetter-Ferguson", table, total, model, settings)


def _check_triangle(triangle: object) -> None:
    if not isinstance(triangle, cl.Triangle):
        raise ParameterError(
            f"triangle must be a chainladder.Triangle (see build_triangle), got {type(triangle).__name__}"
        )
    if triangle.shape[:2] != (1, 1):
        raise ParameterError(
            f"triangle must hold one triangle (index and columns of size 1), got shape "
            f"{triangle.shape}; select one, e.g. triangle['paid']"
        )
    if not triangle.is_cumulative:
        raise ParameterError("triangle must be cumulative; use triangle.incr_to_cum()")
    if triangle.shape[3] < 2:
        raise ParameterError("triangle needs at least two development ages")


def _check_tail(tail: str | None, triangle: cl.Triangle) -> None:
    if tail is None:
        return
    _check_option("tail", tail, TAILS)
    if triangle.shape[3] < 3:
        raise ParameterError("a tail curve needs at least three development ages (two link ratios)")


def _check_option(name: str, value: object, valid: Sequence[str] | Mapping) -> None:
    if value not in valid:
        raise ParameterError(
            f"{name}={value!r} is not valid; valid options: {', '.join(map(repr, valid))}"
        )


def _per_origin(values: cl.Triangle | np.ndarray, origins: pd.PeriodIndex) -> np.ndarray:
    """One number per origin from a (1, 1, n_origin, 1) triangle or array, NaN as 0."""
    if isinstance(values, cl.Triangle):
        values = values.values
    flat = np.asarray(values, dtype=float).reshape(-1)
    if flat.size != len(origins):
        raise AssertionError(f"expected {len(origins)} origins, got {flat.size}")
    return np.nan_to_num(flat, nan=0.0)


def _base_table(triangle: cl.Triangle, ultimate: cl.Triangle) -> pd.DataFrame:
    origins = pd.PeriodIndex(triangle.origin, name="origin")
    latest = _per_origin(triangle.latest_diagonal, origins)
    ultimate_values = _per_origin(ultimate, origins)
    return pd.DataFrame(
        {"latest": latest, "ultimate": ultimate_values, "ibnr": ultimate_values - latest},
        index=origins,
    )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator.div(denominator.where(denominator != 0))


def _per_origin_input(
    values: float | Sequence[float] | pd.Series | Mapping, origins: pd.PeriodIndex
) -> pd.Series:
    """Align a scalar, sequence or origin-keyed input to the triangle's origins; check > 0."""
    labels = origins.astype(str)
    if np.isscalar(values):
        series = pd.Series(float(values), index=labels)  # type: ignore[arg-type]
    elif isinstance(values, (pd.Series, Mapping)):
        series = pd.Series(values)
        series.index = [_origin_label(k, origins.freq) for k in series.index]
        unknown = sorted(set(series.index) - set(labels))
        missing = [o for o in labels if o not in series.index]
        if unknown or missing:
            raise ParameterError(
                "apriori_ultimate keys must match the triangle's origins "
                f"({', '.join(labels)}); missing: {missing or 'none'}; unknown: {unknown or 'none'}"
            )
        series = series.reindex(labels)
    else:
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.size != len(labels):
            raise ParameterError(
                f"apriori_ultimate has {array.size} values but the triangle has "
                f"{len(labels)} origins ({labels[0]} to {labels[-1]})"
            )
        series = pd.Series(array, index=labels)
    series = pd.to_numeric(series, errors="coerce").astype(float)
    bad = ~(np.isfinite(series) & (series > 0))
    if bad.any():
        raise ParameterError(
            "apriori_ultimate must be a finite number > 0 for every origin; bad at "
            + ", ".join(f"{k}={v!r}" for k, v in series[bad].items())
        )
    return series


def _origin_label(key: object, freq: object) -> str:
    """Label of an origin key given as Period, Timestamp, year or string."""
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)):  # a year; pandas would read an int as an ordinal
        key = str(key)
    return str(pd.Period(key, freq=freq))  # type: ignore[arg-type]
