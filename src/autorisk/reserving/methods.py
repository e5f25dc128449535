"""Chain ladder with Mack standard errors, Bornhuetter-Ferguson, Benktander and Cape Cod, via chainladder.

The estimators are chainladder's; these functions pick the options, check
the inputs and return a :class:`ReserveResult` table. All four share one
development pattern (:func:`_development`): volume-weighted (or simple, or
regression) link ratios, optionally extended by a fitted tail.
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
    development = _development(triangle, average, tail, sigma_interpolation=SIGMA_ESTIMATORS[sigma])
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
    model, table = _expected_ultimate_method(
        cl.BornhuetterFerguson(apriori=apriori_loss_ratio),
        triangle, apriori_ultimate, apriori_loss_ratio, average, tail,
    )  # fmt: skip
    settings = {"apriori_loss_ratio": apriori_loss_ratio, "average": average} | ({"tail": tail} if tail else {})
    return ReserveResult("Bornhuetter-Ferguson", table, table.sum(), model, settings)


def benktander(
    triangle: cl.Triangle,
    apriori_ultimate: float | Sequence[float] | pd.Series | Mapping,
    *,
    apriori_loss_ratio: float = 1.0,
    n_iters: int = 2,
    average: str = "volume",
    tail: str | None = None,
) -> ReserveResult:
    """Benktander (iterated Bornhuetter-Ferguson): BF with the BF ultimate as the a priori.

    With ``q = 1 - 1/CDF`` the share still to develop, Bornhuetter-Ferguson
    gives ``U_BF = latest + q x apriori`` and Benktander (1976) applies the
    same formula to ``U_BF``: ``U_GB = latest + q x U_BF``. That is the
    credibility mix ``U_GB = (1 - q) U_CL + q U_BF`` of the chain ladder and
    BF ultimates (Mack 2000), trusting the triangle more as it develops.
    Each further iteration moves the ultimate towards the chain ladder.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle, e.g. from :func:`build_triangle`.
    apriori_ultimate : float, sequence, Series or mapping
        As :func:`bornhuetter_ferguson`: the exposure base per origin,
        multiplied by ``apriori_loss_ratio`` to give the a priori ultimate.
    apriori_loss_ratio : float, default 1.0
        Expected loss ratio on ``apriori_ultimate``.
    n_iters : int, default 2
        Number of BF steps: 1 is Bornhuetter-Ferguson, 2 is Benktander's
        method, and many iterations converge to the chain ladder.
    average : {"volume", "simple", "regression"}, default "volume"
        Link-ratio average for the development pattern.
    tail : {None, "exponential", "inverse_power"}, default None
        As :func:`mack`: extend the development pattern with a fitted tail factor.

    Returns
    -------
    ReserveResult
        Columns latest, apriori (expected ultimate), ultimate and ibnr.

    Examples
    --------
    >>> import chainladder as cl
    >>> result = benktander(cl.load_sample("raa"), 40_000, apriori_loss_ratio=0.7)
    >>> round(result.total["ibnr"])
    67041
    """
    if isinstance(n_iters, bool) or not isinstance(n_iters, (int, np.integer)) or n_iters < 1:
        raise ParameterError(f"n_iters={n_iters!r} must be an integer >= 1 (1 is Bornhuetter-Ferguson)")
    model, table = _expected_ultimate_method(
        cl.Benktander(apriori=apriori_loss_ratio, n_iters=int(n_iters)),
        triangle, apriori_ultimate, apriori_loss_ratio, average, tail,
    )  # fmt: skip
    settings = {
        "apriori_loss_ratio": apriori_loss_ratio, "n_iters": int(n_iters), "average": average
    } | ({"tail": tail} if tail else {})  # fmt: skip
    return ReserveResult("Benktander", table, table.sum(), model, settings)


def cape_cod(
    triangle: cl.Triangle,
    premium: float | Sequence[float] | pd.Series | Mapping,
    *,
    decay: float = 1.0,
    trend: float = 0.0,
    average: str = "volume",
    tail: str | None = None,
) -> ReserveResult:
    """Cape Cod (Stanard-Bühlmann): Bornhuetter-Ferguson with the loss ratio estimated from the triangle.

    The expected loss ratio is the claims to date over the premium "used
    up" so far, ``ELR = sum(latest) / sum(premium / CDF)``; the a priori
    ultimate is ``premium x ELR`` and, as in BF, IBNR = a priori x ``(1 - 1/CDF)``.

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle, e.g. from :func:`build_triangle`.
    premium : float, sequence, Series or mapping
        Earned premium (or another exposure) per origin period: one number
        for every origin, one per origin in order, or keyed by origin, as
        ``apriori_ultimate`` in :func:`bornhuetter_ferguson`.
    decay : float, default 1.0
        In (0, 1]. 1 is the classic Cape Cod, one loss ratio for all origins;
        below 1 each origin's loss ratio weights the other origins by
        ``decay ** distance`` (the generalised Cape Cod of Struzzieri and
        Hussian), so it follows recent experience.
    trend : float, default 0.0
        Annual loss-ratio trend, > -1, applied to bring the origins' loss
        ratios to a common level before they are pooled.
    average : {"volume", "simple", "regression"}, default "volume"
        Link-ratio average for the development pattern.
    tail : {None, "exponential", "inverse_power"}, default None
        As :func:`mack`: extend the development pattern with a fitted tail factor.

    Returns
    -------
    ReserveResult
        Columns latest, premium, elr (the loss ratio applied to each
        origin), apriori (``premium x elr``), ultimate and ibnr; the total
        ``elr`` is the total apriori over the total premium.

    Examples
    --------
    >>> import chainladder as cl
    >>> xyz = cl.load_sample("xyz")
    >>> premium = xyz["Premium"].latest_diagonal.to_frame().iloc[:, 0]
    >>> result = cape_cod(xyz["Paid"], premium)
    >>> round(float(result.table["elr"].iloc[0]), 6), round(result.total["ibnr"])
    (0.763919, 228671)
    """
    if not (np.isfinite(decay) and 0 < decay <= 1):
        raise ParameterError(f"decay={decay!r} must be a number in (0, 1]")
    if not (np.isfinite(trend) and trend > -1):
        raise ParameterError(f"trend={trend!r} must be a number > -1")
    _check_triangle(triangle)
    _check_option("average", average, AVERAGES)
    _check_tail(tail, triangle)
    base = _per_origin_input(premium, triangle.origin, name="premium")
    development = _development(triangle, average, tail)
    model = cl.CapeCod(decay=decay, trend=trend).fit(
        development, sample_weight=_origin_triangle(triangle, base)
    )
    table = _base_table(triangle, model.ultimate_)
    elr = _per_origin(model.detrended_apriori_, table.index)
    table.insert(1, "premium", base.to_numpy(dtype=float))
    table.insert(2, "elr", elr)
    table.insert(3, "apriori", table["premium"] * elr)
    total = table.sum()
    total["elr"] = total["apriori"] / total["premium"]
    settings = {"decay": decay, "trend": trend, "average": average} | ({"tail": tail} if tail else {})
    return ReserveResult("Cape Cod", table, total, model, settings)


def _expected_ultimate_method(
    estimator: cl.BornhuetterFerguson | cl.Benktander,
    triangle: cl.Triangle,
    apriori_ultimate: float | Sequence[float] | pd.Series | Mapping,
    apriori_loss_ratio: float,
    average: str,
    tail: str | None,
) -> tuple[object, pd.DataFrame]:
    """Fit BF or Benktander on the checked inputs; the table with its apriori column."""
    _check_triangle(triangle)
    _check_option("average", average, AVERAGES)
    _check_tail(tail, triangle)
    if not np.isfinite(apriori_loss_ratio) or apriori_loss_ratio <= 0:
        raise ParameterError(f"apriori_loss_ratio={apriori_loss_ratio!r} must be a number > 0")
    base = _per_origin_input(apriori_ultimate, triangle.origin)
    development = _development(triangle, average, tail)
    model = estimator.fit(development, sample_weight=_origin_triangle(triangle, base))
    table = _base_table(triangle, model.ultimate_)
    table.insert(1, "apriori", base.to_numpy(dtype=float) * apriori_loss_ratio)
    return model, table


def _development(
    triangle: cl.Triangle, average: str, tail: str | None, sigma_interpolation: str = "log-linear"
) -> cl.Triangle:
    """The triangle with its chain ladder development pattern (and tail) fitted."""
    development = cl.Development(
        average=average, sigma_interpolation=sigma_interpolation
    ).fit_transform(triangle)
    if tail is not None:
        development = cl.TailCurve(curve=tail).fit_transform(development)
    return development


def _origin_triangle(triangle: cl.Triangle, values: pd.Series) -> cl.Triangle:
    """One value per origin as a chainladder vector shaped like the latest diagonal."""
    vector = triangle.latest_diagonal.copy()
    vector.values = values.to_numpy(dtype=float).reshape(vector.values.shape)
    return vector


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
    values: float | Sequence[float] | pd.Series | Mapping,
    origins: pd.PeriodIndex,
    name: str = "apriori_ultimate",
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
                f"{name} keys must match the triangle's origins "
                f"({', '.join(labels)}); missing: {missing or 'none'}; unknown: {unknown or 'none'}"
            )
        series = series.reindex(labels)
    else:
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.size != len(labels):
            raise ParameterError(
                f"{name} has {array.size} values but the triangle has "
                f"{len(labels)} origins ({labels[0]} to {labels[-1]})"
            )
        series = pd.Series(array, index=labels)
    series = pd.to_numeric(series, errors="coerce").astype(float)
    bad = ~(np.isfinite(series) & (series > 0))
    if bad.any():
        raise ParameterError(
            f"{name} must be a finite number > 0 for every origin; bad at "
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
