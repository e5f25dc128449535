"""Credibility: classical (limited fluctuation) and Bühlmann-Straub, and credibility-weighted tables.

A segment's observed frequency is blended with a complement (by default the
book's frequency) as ``Z * observed + (1 - Z) * complement``, with the
credibility factor ``Z`` in [0, 1] either from the square-root rule on claim
counts (:func:`classical_credibility`) or from the Bühlmann-Straub model fitted
on several periods per level (:func:`buhlmann_straub`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.analytics.experience import _segments, experience_table
from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

#: Claims for full credibility of a frequency: ``(1.645 / 0.05) ** 2`` (90% probability
#: that the observed frequency lies within 5% of the true one, Poisson claims).
FULL_CREDIBILITY_CLAIMS = 1082

#: Methods accepted by :func:`credibility_table`.
METHODS = ("classical", "buhlmann_straub")


def classical_credibility(claim_count: Any, *, full: float = FULL_CREDIBILITY_CLAIMS) -> Any:
    """Limited-fluctuation credibility by the square-root rule: ``Z = min(1, sqrt(n / full))``.

    Parameters
    ----------
    claim_count : float, array-like or Series
        Observed claim counts ``n`` (>= 0).
    full : float, default 1082
        Claims needed for full credibility (``Z = 1``), > 0. The default is
        the classical standard for a frequency: 90% probability of being
        within 5% of the truth with Poisson claims.

    Returns
    -------
    float, ndarray or Series
        ``Z`` in [0, 1], of the same shape as ``claim_count`` (a Series keeps
        its index).

    Raises
    ------
    ParameterError
        If ``full`` is not positive or a count is negative or missing.

    Examples
    --------
    >>> classical_credibility(1082)
    1.0
    >>> classical_credibility([0, 270.5, 5000])
    array([0. , 0.5, 1. ])
    """
    if not np.isfinite(full) or full <= 0:
        raise ParameterError(f"full must be a positive number of claims, got {full!r}")
    counts = np.asarray(claim_count, dtype=float)
    if np.isnan(counts).any() or (counts < 0).any():
        raise ParameterError("claim_count must hold counts >= 0 (no missing values)")
    z = np.minimum(1.0, np.sqrt(counts / full))
    if isinstance(claim_count, pd.Series):
        return pd.Series(z, index=claim_count.index, name="credibility")
    return float(z) if z.ndim == 0 else z


@dataclass
class BuhlmannStraubResult:
    """Fitted Bühlmann-Straub model of claim frequency by level.

    Attributes
    ----------
    collective_mean : float
        Estimated collective mean frequency ``mu`` (the credibility-weighted
        mean of the levels' frequencies; the exposure-weighted mean when no
        level gets credibility).
    epv : float
        Expected process variance ``sigma^2`` (per unit of exposure).
    vhm : float
        Variance of hypothetical means ``tau^2``, truncated at 0.
    vhm_raw : float
        The unbiased ``tau^2`` estimate before truncation (may be negative).
    k : float
        ``epv / vhm``: the exposure at which a level gets ``Z = 0.5``
        (``inf`` when ``vhm`` is 0).
    table : DataFrame
        Per level: ``exposure``, ``claim_count``, ``periods`` (cells with
        exposure), ``frequency``, ``credibility`` (``Z``) and
        ``credibility_frequency``.

    Examples
    --------
    Three regions, two years each (see :func:`buhlmann_straub`):

    >>> import pandas as pd
    >>> book = pd.DataFrame({"region": list("aabbcc"), "year": [1, 2] * 3,
    ...                      "exposure": [100.0] * 6, "claim_count": [5, 7, 10, 12, 20, 16]})
    >>> fit = buhlmann_straub(book, "region", within="year")
    >>> round(fit.collective_mean, 4), round(fit.k, 2), fit.vhm_truncated
    (0.1167, 11.65, False)

    When the regions differ less than the year-to-year noise, the VHM is
    truncated at 0 and no region gets credibility:

    >>> flat = buhlmann_straub(book.assign(claim_count=[9, 13, 12, 10, 10, 12]), "region", within="year")
    >>> round(flat.vhm_raw, 6), flat.vhm_truncated, flat.k, flat.table["credibility"].tolist()
    (-0.0002, True, inf, [0.0, 0.0, 0.0])
    """

    collective_mean: float
    epv: float
    vhm: float
    vhm_raw: float
    k: float
    table: pd.DataFrame

    @property
    def vhm_truncated(self) -> bool:
        """True when the raw VHM estimate was negative and set to 0 (every ``Z`` is then 0)."""
        return bool(self.vhm_raw < 0)

    def _fields(self) -> dict[str, str]:
        return {
            "levels": f"{len(self.table):,}",
            "collective mean": f"{self.collective_mean:.6g}",
            "EPV (sigma^2)": f"{self.epv:.6g}",
            "VHM (tau^2)": f"{self.vhm:.6g}" + (" (truncated at 0)" if self.vhm_truncated else ""),
            "k = EPV / VHM": f"{self.k:.6g}",
        }

    def __repr__(self) -> str:
        width = max(map(len, self._fields()))
        lines = [f"{name:<{width}}  {value}" for name, value in self._fields().items()]
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            return "BuhlmannStraubResult\n" + "\n".join(lines) + f"\n\n{self.table}"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th>{n}</th><td>{v}</td></tr>" for n, v in self._fields().items())
        return f"<h4>Bühlmann-Straub credibility</h4><table>{rows}</table>{self.table.to_html()}"


def buhlmann_straub(
    data: pd.DataFrame,
    by: str | Sequence[str],
    *,
    exposure: str = "exposure",
    claim_count: str = "claim_count",
    within: str | None = None,
) -> BuhlmannStraubResult:
    r"""Bühlmann-Straub credibility of claim frequency for the levels of a factor.

    Each level ``i`` (e.g. a region) is observed in cells ``j = 1..n_i`` (the
    periods of ``within``, or the rows of ``data`` when ``within`` is None)
    with exposure ``w_ij`` and frequency ``X_ij = claims_ij / w_ij``. The
    standard unbiased estimators (Bühlmann & Gisler, *A Course in Credibility
    Theory*, 2005, section 4.8) are::

        w_i   = sum_j w_ij                X_i  = sum_j w_ij X_ij / w_i
        w     = sum_i w_i                 Xbar = sum_i w_i X_i / w
        EPV   sigma^2 = mean over levels with n_i >= 2 of
                        sum_j w_ij (X_ij - X_i)^2 / (n_i - 1)
        VHM   tau^2   = [sum_i w_i (X_i - Xbar)^2 - (I - 1) sigma^2]
                        / [w - sum_i w_i^2 / w]
        k = sigma^2 / tau^2,   Z_i = w_i / (w_i + k)
        mu = sum_i Z_i X_i / sum_i Z_i           (collective mean)
        estimate_i = mu + Z_i (X_i - mu) = Z_i X_i + (1 - Z_i) mu

    ``I`` is the number of levels with exposure. The ``tau^2`` estimate can
    be negative when the levels differ less than their process noise implies;
    it is then truncated at 0, every ``Z_i`` is 0, ``k`` is infinite and
    ``mu`` falls back to ``Xbar`` (the data give no evidence that levels
    differ). Levels with no exposure get ``Z = 0`` and the estimate ``mu``.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period) with exposure and claim count.
    by : str or list of str
        Factor(s) whose levels (or cells of levels) get credibility.
    exposure, claim_count : str
        Column names.
    within : str, optional
        Period column (e.g. ``"year"``): cells are (level, period) sums. With
        None, each row is a cell.

    Returns
    -------
    BuhlmannStraubResult

    Raises
    ------
    SchemaError
        If a named column is missing.
    DataError
        If exposure or counts are negative or missing, a cell has claims but
        no exposure, there are fewer than two levels, or no level has two or
        more cells (the EPV cannot be estimated).

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"region": list("aabbcc"), "year": [1, 2] * 3,
    ...                      "exposure": [100.0] * 6, "claim_count": [5, 7, 10, 12, 20, 16]})
    >>> fit = buhlmann_straub(book, "region", within="year")
    >>> round(fit.epv, 4), round(fit.vhm, 6), round(fit.k, 2)
    (0.04, 0.003433, 11.65)
    >>> fit.table[["frequency", "credibility", "credibility_frequency"]].round(4)
            frequency  credibility  credibility_frequency
    region
    a            0.06        0.945                 0.0631
    b            0.11        0.945                 0.1104
    c            0.18        0.945                 0.1765
    """
    keys = _keys(by)
    if not keys:
        raise ParameterError("by must name at least one factor column")
    if within is not None and within not in data.columns:
        raise SchemaError(
            DataIssue(within, "missing column", f"columns among {list(data.columns)}")
        )
    levels = experience_table(
        data, keys, exposure=exposure, claim_count=claim_count, claim_amount=None, total=False
    )
    if within is None:
        cells = pd.DataFrame({"exposure": data[exposure], "claim_count": data[claim_count]})
        cell_levels = _row_levels(data, keys)
    else:
        cells = experience_table(
            data,
            [*keys, within],
            exposure=exposure,
            claim_count=claim_count,
            claim_amount=None,
            total=False,
        )
        cell_levels = cells.index.droplevel(-1)
    position = levels.index.get_indexer(cell_levels)
    w = cells["exposure"].to_numpy(dtype=float)
    s = cells["claim_count"].to_numpy(dtype=float)
    orphan = (w == 0) & (s > 0)
    if orphan.any():
        raise DataError(
            DataIssue.from_mask(
                exposure, "claims without exposure", "exposure > 0 where claim_count > 0",
                orphan, cells.index, cells["exposure"],
            )
        )  # fmt: skip
    keep = (position >= 0) & (w > 0)
    g, w, s = position[keep], w[keep], s[keep]
    n_levels = len(levels)

    w_i = np.bincount(g, weights=w, minlength=n_levels)
    n_i = np.bincount(g, minlength=n_levels)
    has = w_i > 0
    x_i = np.divide(
        np.bincount(g, weights=s, minlength=n_levels), w_i, out=np.zeros(n_levels), where=has
    )
    x_ij = s / w
    squares = np.bincount(g, weights=w * (x_ij - x_i[g]) ** 2, minlength=n_levels)
    level_column = ", ".join(keys)
    if has.sum() < 2:
        raise DataError(
            DataIssue(level_column, "fewer than two levels", "two or more levels with exposure")
        )
    repeated = n_i >= 2
    if not repeated.any():
        raise DataError(
            DataIssue(within or level_column, "one cell per level",
                      "at least one level observed in two or more periods (to estimate the EPV)")
        )  # fmt: skip
    epv = float(np.mean(squares[repeated] / (n_i[repeated] - 1)))

    total = w_i.sum()
    x_bar = float(np.sum(w_i * x_i) / total)
    n_with = int(has.sum())
    vhm_raw = float(
        (np.sum(w_i * (x_i - x_bar) ** 2) - (n_with - 1) * epv) / (total - np.sum(w_i**2) / total)
    )
    vhm = max(vhm_raw, 0.0)
    if vhm > 0:
        k = epv / vhm
        z = w_i / (w_i + k)
        mu = float(np.sum(z * x_i) / np.sum(z))
    else:
        k, z, mu = np.inf, np.zeros(n_levels), x_bar

    table = levels.drop(columns="exposure_share")
    table.insert(2, "periods", n_i)
    table["credibility"] = z
    table["credibility_frequency"] = z * x_i + (1 - z) * mu
    return BuhlmannStraubResult(mu, epv, vhm, vhm_raw, float(k), table)


def _row_levels(data: pd.DataFrame, keys: list[str]) -> pd.Index:
    """Each row's level as :func:`experience_table` labels it (missing values as ``"(missing)"``)."""
    with warnings.catch_warnings():  # experience_table has already said what it has to say
        warnings.simplefilter("ignore", UserWarning)
        columns = {key: _segments(data[key], key, None) for key in keys}
    frame = pd.DataFrame(columns)
    return pd.MultiIndex.from_frame(frame) if len(keys) > 1 else pd.Index(frame[keys[0]])


def credibility_table(
    data: pd.DataFrame,
    by: str | Sequence[str],
    *,
    exposure: str = "exposure",
    claim_count: str = "claim_count",
    claim_amount: str | None = "claim_amount",
    method: Literal["classical", "buhlmann_straub"] = "classical",
    full: float = FULL_CREDIBILITY_CLAIMS,
    within: str | None = None,
    complement: Literal["overall", "collective"] | float = "overall",
    total: bool = True,
) -> pd.DataFrame:
    """Experience table by factor(s) with credibility-weighted frequency and relativity.

    Extends :func:`~autorisk.analytics.experience_table` with three columns:
    ``credibility`` (``Z``), ``credibility_frequency`` (``Z * frequency +
    (1 - Z) * complement``; the complement where ``Z`` is 0) and
    ``relativity`` (``credibility_frequency / complement``).

    Parameters
    ----------
    data, by, exposure, claim_count, claim_amount, total
        As :func:`~autorisk.analytics.experience_table`; ``by`` is required.
        With two factors, each cell gets credibility on its own.
    method : {"classical", "buhlmann_straub"}, default "classical"
        ``"classical"``: :func:`classical_credibility` of each level's claim
        count with ``full`` claims for full credibility.
        ``"buhlmann_straub"``: ``Z`` from :func:`buhlmann_straub` (with
        ``within``).
    full : float, default 1082
        Claims for full credibility (classical only).
    within : str, optional
        Period column for Bühlmann-Straub (see :func:`buhlmann_straub`).
    complement : "overall", "collective" or float, default "overall"
        What the levels are shrunk towards: the book's frequency
        (``"overall"``: all claims / all exposure), the Bühlmann-Straub
        collective mean (``"collective"``, Bühlmann-Straub only; this
        reproduces its credibility estimates), or a given frequency.

    Returns
    -------
    DataFrame
        The experience table plus ``credibility``, ``credibility_frequency``
        and ``relativity``. On the ``"All"`` row, ``credibility`` is the
        classical ``Z`` of the whole book (NaN for Bühlmann-Straub) and
        ``credibility_frequency`` is the book's frequency.

    Raises
    ------
    ParameterError
        If ``method`` or ``complement`` is not one of the options.
    SchemaError, DataError
        As :func:`~autorisk.analytics.experience_table` and :func:`buhlmann_straub`.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"area": ["a", "b"], "exposure": [5000.0, 400.0],
    ...                      "claim_count": [540, 60]})
    >>> credibility_table(book, "area", claim_amount=None, full=1082)[
    ...     ["frequency", "credibility", "credibility_frequency", "relativity"]].round(4)
          frequency  credibility  credibility_frequency  relativity
    area
    a        0.1080       0.7065                 0.1089      0.9802
    b        0.1500       0.2355                 0.1203      1.0824
    All      0.1111       0.7447                 0.1111      1.0000
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {list(METHODS)}, got {method!r}")
    keys = _keys(by)
    if not keys:
        raise ParameterError("by must name at least one factor column")
    table = experience_table(
        data,
        keys,
        exposure=exposure,
        claim_count=claim_count,
        claim_amount=claim_amount,
        total=total,
    )
    overall = float(data[claim_count].sum()) / float(data[exposure].sum())
    n_levels = len(table) - 1 if total else len(table)
    level_index = table.index[:n_levels]

    fit = None
    if method == "classical":
        z = classical_credibility(table["claim_count"].to_numpy(dtype=float), full=full)
    else:
        fit = buhlmann_straub(data, keys, exposure=exposure, claim_count=claim_count, within=within)
        z = np.append(fit.table["credibility"].reindex(level_index).to_numpy(dtype=float),
                      [np.nan] * (len(table) - n_levels))  # fmt: skip
    base = _complement(complement, overall, fit)

    frequency = table["frequency"].to_numpy(dtype=float)
    blended = np.where(z > 0, z * frequency + (1 - z) * base, base)
    if total:
        blended[-1] = frequency[-1]
    table["credibility"] = z
    table["credibility_frequency"] = blended
    table["relativity"] = blended / base if base > 0 else np.nan
    return table


def _complement(complement: str | float, overall: float, fit: BuhlmannStraubResult | None) -> float:
    if isinstance(complement, str):
        if complement == "overall":
            return overall
        if complement == "collective" and fit is not None:
            return fit.collective_mean
        raise ParameterError(
            "complement must be 'overall', 'collective' (method='buhlmann_straub' only) "
            f"or a frequency >= 0, got {complement!r}"
        )
    value = float(complement)
    if not np.isfinite(value) or value < 0:
        raise ParameterError(f"complement must be a finite frequency >= 0, got {complement!r}")
    return value


def _keys(by: str | Sequence[str] | None) -> list[str]:
    return [by] if isinstance(by, str) else list(by or [])


__all__ = [
    "FULL_CREDIBILITY_CLAIMS",
    "METHODS",
    "BuhlmannStraubResult",
    "buhlmann_straub",
    "classical_credibility",
    "credibility_table",
]
