"""Large-loss loading: the capped-off excess as a loading on capped losses, its volatility, and its spread.

:func:`autorisk.data.aggregate_claims` with ``cap=`` gives every policy
period ``claim_amount_capped`` and ``claim_amount_excess``. The loading
``L = sum(excess) / sum(capped)`` restores the total when the capped pure
premium is multiplied by ``1 + L``. Large losses are rare, so ``L`` is
volatile: :func:`large_loss_load` measures it period by period and gives
the standard error of the pooled ratio, and spreads the excess over
segments by credibility between a segment's own loading and a complement:

* ``spread="capped"``: the complement is ``L`` itself (excess proportional
  to capped loss);
* ``spread="exposure"``: the excess per unit exposure is the same
  everywhere, so the complement of a segment is
  ``(total excess / total exposure) * exposure / capped``.

With ``k`` the credibility of a segment with ``n`` claims is
``Z = n / (n + k)``; its loading ``Z * own + (1 - Z) * complement`` is then
rebalanced so that the segments' loadings restore the total excess.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.rating import CategoricalFactor

__all__ = ["LargeLossLoad", "large_loss_load"]

CAPPED, EXCESS = "claim_amount_capped", "claim_amount_excess"


@dataclass(frozen=True)
class LargeLossLoad:
    """A large-loss loading, its volatility across periods and its spread over segments.

    Attributes
    ----------
    loading : float
        ``sum(excess) / sum(capped)`` over the whole data.
    std_err : float
        Standard error of ``loading`` from the spread of the periods' ratios
        (ratio-estimator variance over ``P`` periods); NaN with one period.
    by_period : pandas.DataFrame
        Per period: ``capped``, ``excess``, ``loading``.
    segments : pandas.DataFrame or None
        Per segment (with ``by``): ``exposure``, ``claim_count``, ``capped``,
        ``excess``, ``own_loading``, ``complement``, ``credibility``,
        ``loading`` (credibility-weighted and rebalanced).

    Examples
    --------
    >>> data = pd.DataFrame({"year": [2022, 2022, 2023, 2023],
    ...                      "claim_amount_capped": [100.0, 300.0, 200.0, 200.0],
    ...                      "claim_amount_excess": [0.0, 40.0, 120.0, 0.0]})
    >>> load = large_loss_load(data, period="year")
    >>> round(load.loading, 4), load.by_period["loading"].round(2).tolist()
    (0.2, [0.1, 0.3])
    >>> round(load.std_err, 4)
    0.1
    """

    loading: float
    std_err: float
    by_period: pd.DataFrame
    segments: pd.DataFrame | None

    def __repr__(self) -> str:
        text = f"large-loss loading {self.loading:.4f} (standard error {self.std_err:.4f} from "
        text += f"{len(self.by_period)} periods)\n{self.by_period.to_string()}"
        if self.segments is not None:
            text += f"\n{self.segments.to_string()}"
        return text

    def _repr_html_(self) -> str:
        head = f"large-loss loading {self.loading:.4f} (standard error {self.std_err:.4f})"
        tables = self.by_period.to_html() + ("" if self.segments is None else self.segments.to_html())
        return f"<p>{html.escape(head)}</p>{tables}"

    @property
    def multiplier(self) -> float:
        """``1 + loading``: what multiplies a capped pure premium (or a coverage's base rate) to restore the excess."""
        return 1.0 + self.loading

    def to_factor(self, column: str | None = None, *, name: str = "large_loss",
                  decimals: int | None = 4) -> CategoricalFactor:  # fmt: skip
        """The segments' multipliers ``1 + loading`` as a rating plan's categorical factor.

        A plan built on capped losses then charges each segment its share of
        the large losses: add the factor to the coverage's factors. Without
        segments, multiply the coverage's base rate by :attr:`multiplier`.

        Parameters
        ----------
        column : str, optional
            Column of the quoted policies holding the segment; default the
            ``by`` column of :func:`large_loss_load`.
        name : str, default "large_loss"
            Factor name in the plan.
        decimals : int or None, default 4
            Round the multipliers (``None``: as estimated).

        Returns
        -------
        CategoricalFactor

        Raises
        ------
        ParameterError
            The loading was not spread over segments (no ``by``).

        Examples
        --------
        >>> data = pd.DataFrame({"year": [2022, 2022, 2023, 2023], "region": ["a", "b", "a", "b"],
        ...                      "exposure": 1.0, "claim_count": [2, 6, 2, 6],
        ...                      "claim_amount_capped": [100.0, 300.0, 200.0, 200.0],
        ...                      "claim_amount_excess": [0.0, 40.0, 120.0, 0.0]})
        >>> factor = large_loss_load(data, period="year", by="region", k=4.0).to_factor()
        >>> factor.column, factor.table()
        ('region', [('a', 1.331), ('b', 1.1214)])
        """
        if self.segments is None:
            raise ParameterError(
                "to_factor needs the loading spread over segments (large_loss_load(..., by=...)); without "
                f"segments multiply the base rate by multiplier = {self.multiplier:.6g}"
            )
        column = column if column is not None else str(self.segments.index.name)
        return CategoricalFactor.from_series(name, column, 1.0 + self.segments["loading"], decimals)


def large_loss_load(
    aggregated: pd.DataFrame,
    *,
    period: str,
    by: str | None = None,
    spread: str = "capped",
    k: float | None = None,
    exposure: str = "exposure",
    claim_count: str = "claim_count",
) -> LargeLossLoad:
    """Large-loss loading per unit of capped loss, its volatility, and its credibility spread over segments.

    Parameters
    ----------
    aggregated : pandas.DataFrame
        Policy periods with ``claim_amount_capped`` and
        ``claim_amount_excess`` (from ``aggregate_claims(..., cap=...)``).
    period : str
        Column of the period (e.g. accident year) the volatility is measured over.
    by : str, optional
        Column of the segments to spread the excess over.
    spread : {"capped", "exposure"}, default "capped"
        The complement of a segment's own loading (see the module notes).
    k : float, optional
        Credibility constant ``> 0`` in claims: ``Z = n / (n + k)``. None
        gives every segment ``Z = 0`` (the complement only).
    exposure : str, default "exposure"
        Exposure column (for ``by``).
    claim_count : str, default "claim_count"
        Claim-count column (for ``by`` with ``k``).

    Returns
    -------
    LargeLossLoad

    Raises
    ------
    DataError
        Missing columns, negative or non-finite amounts (naming rows), or no capped loss.
    ParameterError
        A bad ``spread`` or ``k``.

    Examples
    --------
    >>> data = pd.DataFrame({"year": [2022, 2022, 2023, 2023], "region": ["a", "b", "a", "b"],
    ...                      "exposure": [1.0, 1.0, 1.0, 1.0], "claim_count": [2, 6, 2, 6],
    ...                      "claim_amount_capped": [100.0, 300.0, 200.0, 200.0],
    ...                      "claim_amount_excess": [0.0, 40.0, 120.0, 0.0]})
    >>> load = large_loss_load(data, period="year", by="region", k=4.0)
    >>> load.segments[["own_loading", "credibility", "loading"]].round(4)
            own_loading  credibility  loading
    region
    a              0.40         0.50   0.3310
    b              0.08         0.75   0.1214
    """
    if spread not in ("capped", "exposure"):
        raise ParameterError(f"spread must be one of ('capped', 'exposure'), got {spread!r}")
    if k is not None and not (np.isfinite(k) and k > 0):
        raise ParameterError(f"k must be finite and > 0, got {k!r}")
    needed = [period, CAPPED, EXCESS] + ([by, exposure] if by else []) + ([claim_count] if by and k else [])
    missing = [c for c in needed if c not in aggregated.columns]
    if missing:
        raise DataError([DataIssue(c, "missing column", f"a column named {c}") for c in missing], table="aggregated")
    _check_amounts(aggregated, [CAPPED, EXCESS] + ([exposure] if by else []))
    total_capped, total_excess = float(aggregated[CAPPED].sum()), float(aggregated[EXCESS].sum())
    if total_capped <= 0:
        raise DataError(DataIssue(CAPPED, "no capped loss", f"a positive total, got {total_capped!r}"))
    loading = total_excess / total_capped
    periods = aggregated.groupby(period, observed=True)[[CAPPED, EXCESS]].sum()
    periods.columns = ["capped", "excess"]
    periods["loading"] = periods["excess"] / periods["capped"]
    n = len(periods)
    residual = periods["excess"] - loading * periods["capped"]
    std_err = float(np.sqrt((residual**2).sum() / (n * (n - 1))) / periods["capped"].mean()) if n > 1 else np.nan
    segments = None
    if by is not None:
        segments = _segments(aggregated, by, spread, k, exposure, claim_count, loading)
    return LargeLossLoad(loading, std_err, periods, segments)


def _segments(data: pd.DataFrame, by: str, spread: str, k: float | None, exposure: str, claim_count: str,
              loading: float) -> pd.DataFrame:  # fmt: skip
    columns = {"exposure": (exposure, "sum"), "capped": (CAPPED, "sum"), "excess": (EXCESS, "sum")}
    if k:
        columns["claim_count"] = (claim_count, "sum")
    table = data.groupby(by, observed=True).agg(**columns)
    if not k:
        table.insert(1, "claim_count", np.nan)
    table["own_loading"] = table["excess"] / table["capped"]
    if spread == "capped":
        table["complement"] = loading
    else:
        per_exposure = table["excess"].sum() / table["exposure"].sum()
        table["complement"] = per_exposure * table["exposure"] / table["capped"]
    table["credibility"] = table["claim_count"] / (table["claim_count"] + k) if k else 0.0
    weighted = table["credibility"] * table["own_loading"] + (1 - table["credibility"]) * table["complement"]
    # Rebalance: the segments' loaded capped losses must restore the total excess.
    table["loading"] = weighted * table["excess"].sum() / (weighted * table["capped"]).sum()
    return table


def _check_amounts(data: pd.DataFrame, columns: list[str]) -> None:
    issues = []
    for column in columns:
        values = data[column].to_numpy(dtype=float)
        bad = ~(np.isfinite(values) & (values >= 0))
        if bad.any():
            issues.append(DataIssue.from_mask(column, "negative or not finite", "finite values >= 0", bad,
                                              data.index, values))  # fmt: skip
    if issues:
        raise DataError(issues, table="aggregated")
