"""Population drift between two snapshots: population stability index (PSI) per factor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

#: Share given to an empty bin so that ``ln(a / e)`` stays finite.
EPSILON = 1e-4

#: Default PSI thresholds: below the first "stable", below the second "moderate shift".
THRESHOLDS = (0.1, 0.25)

#: Status labels, from no shift to a significant one.
STATUSES = ("stable", "moderate shift", "significant shift")

Bins = int | Sequence[float] | Literal["categorical"]


def psi_table(
    expected: Any,
    actual: Any,
    *,
    bins: Bins = 10,
    expected_weights: Any = None,
    actual_weights: Any = None,
    epsilon: float = EPSILON,
) -> pd.DataFrame:
    """Per-bin shares and PSI contributions of two samples of one variable.

    The contributions sum to :func:`psi`.

    Parameters
    ----------
    expected, actual : array-like or Series
        The reference and the current sample of one variable.
    bins : int, sequence of float or "categorical", default 10
        How to bin the variable; see :func:`psi` for the rules.
    expected_weights, actual_weights : array-like, optional
        Weights of the rows (e.g. exposure), >= 0; default 1 per row.
    epsilon : float, default 1e-4
        Floor on a bin's share in the formula (not in the shares shown).

    Returns
    -------
    DataFrame
        Indexed by bin: ``expected_share``, ``actual_share`` (before the
        epsilon floor) and ``psi`` (the bin's contribution).

    Examples
    --------
    >>> psi_table(["a", "a", "b", "b"], ["a", "b", "b", "c"])
         expected_share  actual_share       psi
    bin
    a               0.5          0.25  0.173287
    b               0.5          0.50  0.000000
    c               0.0          0.25  1.955229
    """
    if not (0 < epsilon < 1):
        raise ParameterError(f"epsilon must be in (0, 1), got {epsilon!r}")
    e = pd.Series(np.asarray(expected) if not isinstance(expected, pd.Series) else expected)
    a = pd.Series(np.asarray(actual) if not isinstance(actual, pd.Series) else actual)
    e_bins, a_bins = _bin(e.reset_index(drop=True), a.reset_index(drop=True), bins)
    e_share = _shares(e_bins, expected_weights, "expected_weights")
    a_share = _shares(a_bins, actual_weights, "actual_weights")
    labels = list(e_share.index) + [b for b in a_share.index if b not in e_share.index]
    table = pd.DataFrame(
        {"expected_share": e_share.reindex(labels, fill_value=0.0),
         "actual_share": a_share.reindex(labels, fill_value=0.0)}
    )  # fmt: skip
    table = table[(table["expected_share"] > 0) | (table["actual_share"] > 0)]
    table.index.name = "bin"
    floored_e = table["expected_share"].clip(lower=epsilon)
    floored_a = table["actual_share"].clip(lower=epsilon)
    table["psi"] = (floored_a - floored_e) * np.log(floored_a / floored_e)
    return table


def psi(
    expected: Any,
    actual: Any,
    *,
    bins: Bins = 10,
    expected_weights: Any = None,
    actual_weights: Any = None,
    epsilon: float = EPSILON,
) -> float:
    """Population stability index of ``actual`` against ``expected``.

    ``PSI = sum over bins of (a_k - e_k) * ln(a_k / e_k)`` where ``e_k`` and
    ``a_k`` are the shares of the two samples in bin ``k``. It is 0 for
    identical distributions, and symmetric in the two samples once the bins
    are fixed.

    Parameters
    ----------
    expected, actual : array-like or Series
        The reference and the current sample of one variable.
    bins : int, sequence of float or "categorical", default 10
        An int bins a numeric variable on the quantiles of ``expected``
        (fewer bins when quantiles tie). A sequence gives the interior cut
        points (bins are right-closed, open-ended at both ends).
        ``"categorical"`` uses each distinct value as a bin; non-numeric and
        boolean variables are always categorical. Levels of ``actual`` absent
        from ``expected`` get their own bins. Missing values form a bin of
        their own in every case.
    expected_weights, actual_weights : array-like, optional
        Weights of the rows (e.g. exposure), >= 0; default 1 per row.
    epsilon : float, default 1e-4
        Floor on a bin's share in the formula, so that a bin empty in one
        sample adds a large but finite ``(a - eps) ln(a / eps)`` instead of
        infinity. Shares are not renormalised after the floor.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        If ``bins`` or ``epsilon`` is invalid, or a sample is empty.
    DataError
        If weights are negative, missing or of the wrong length.

    Examples
    --------
    >>> round(psi([1, 2, 3, 4], [1, 2, 3, 4], bins=2), 6)
    0.0
    >>> round(psi(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
    0.2747
    """
    table = psi_table(
        expected, actual, bins=bins, expected_weights=expected_weights,
        actual_weights=actual_weights, epsilon=epsilon,
    )  # fmt: skip
    return float(table["psi"].sum())


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    factors: str | Sequence[str],
    *,
    weights: str | None = None,
    bins: Bins | Mapping[str, Bins] = 10,
    thresholds: tuple[float, float] = THRESHOLDS,
    epsilon: float = EPSILON,
) -> pd.DataFrame:
    """PSI of each factor between a reference and a current snapshot, with a status.

    Parameters
    ----------
    reference, current : DataFrame
        The two snapshots (e.g. last year's and this quarter's portfolio).
    factors : str or list of str
        Columns to compare.
    weights : str, optional
        Column of row weights (e.g. ``"exposure"``) in both snapshots.
    bins : int, sequence, "categorical" or mapping, default 10
        As :func:`psi`; a mapping gives it per factor (others get 10).
    thresholds : (float, float), default (0.1, 0.25)
        ``PSI < thresholds[0]`` is "stable", ``< thresholds[1]`` "moderate
        shift", otherwise "significant shift" (a PSI equal to a threshold
        takes the higher status).
    epsilon : float, default 1e-4
        As :func:`psi`.

    Returns
    -------
    DataFrame
        Indexed by factor: ``psi``, ``bins`` (bins with any weight),
        ``new_levels`` (bins present in ``current`` only) and ``status``.

    Raises
    ------
    SchemaError
        If a factor or the weight column is missing from a snapshot.
    ParameterError
        If the thresholds are not two increasing non-negative numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"area": list("aabb"), "age": [20, 30, 40, 50]})
    >>> cur = pd.DataFrame({"area": list("abbb"), "age": [21, 31, 41, 51]})
    >>> drift_report(ref, cur, ["area", "age"], bins=2)
               psi  bins  new_levels             status
    factor
    area  0.274653     2           0  significant shift
    age   0.000000     2           0             stable
    """
    low, high = _thresholds(thresholds)
    names = [factors] if isinstance(factors, str) else list(factors)
    needed = [*names, *([weights] if weights else [])]
    for label, frame in (("reference", reference), ("current", current)):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise SchemaError(
                DataIssue(
                    ", ".join(missing), "missing column", f"columns among {list(frame.columns)}"
                ),
                table=label,
            )
    rows = []
    for name in names:
        spec = bins.get(name, 10) if isinstance(bins, Mapping) else bins
        try:
            table = psi_table(
                reference[name], current[name], bins=spec, epsilon=epsilon,
                expected_weights=reference[weights] if weights else None,
                actual_weights=current[weights] if weights else None,
            )  # fmt: skip
        except ParameterError as error:
            raise ParameterError(f"factor '{name}': {error}") from error
        value = float(table["psi"].sum())
        status = STATUSES[0] if value < low else STATUSES[1] if value < high else STATUSES[2]
        new = int(((table["expected_share"] == 0) & (table["actual_share"] > 0)).sum())
        rows.append({"psi": value, "bins": len(table), "new_levels": new, "status": status})
    return pd.DataFrame(rows, index=pd.Index(names, name="factor"))


def _thresholds(thresholds: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(t) for t in thresholds)
    except (TypeError, ValueError):
        raise ParameterError(
            f"thresholds must be two numbers (low, high), got {thresholds!r}"
        ) from None
    if not (0 <= low < high):
        raise ParameterError(f"thresholds must satisfy 0 <= low < high, got {thresholds!r}")
    return low, high


def _bin(expected: pd.Series, actual: pd.Series, bins: Bins) -> tuple[pd.Series, pd.Series]:
    """Labels of the bins of both samples (missing values labelled ``"missing"``)."""
    if len(expected) == 0 or len(actual) == 0:
        raise ParameterError("both samples must hold at least one value")
    numeric = all(
        pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        for s in (expected, actual)
    )
    if isinstance(bins, str):
        if bins != "categorical":
            raise ParameterError(
                f"bins must be an int >= 1, cut points or 'categorical', got {bins!r}"
            )
        numeric = False
    if not numeric:
        return _as_levels(expected), _as_levels(actual)
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if bins < 1:
            raise ParameterError(
                f"bins must be an int >= 1, cut points or 'categorical', got {bins!r}"
            )
        values = expected.dropna().to_numpy(dtype=float)
        if values.size == 0:
            cuts = np.array([])
        else:
            cuts = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1))[1:-1])
    else:
        cuts = np.asarray(bins, dtype=float)
        if cuts.ndim != 1 or not np.all(np.isfinite(cuts)) or np.any(np.diff(cuts) <= 0):
            raise ParameterError(f"cut points must be finite and strictly increasing, got {bins!r}")
    edges = np.concatenate([[-np.inf], cuts, [np.inf]])

    def label(series: pd.Series) -> pd.Series:
        return _as_levels(pd.cut(series.astype(float), edges))

    return label(expected), label(actual)


def _as_levels(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "missing")


def _shares(labels: pd.Series, weights: Any, name: str) -> pd.Series:
    if weights is None:
        w = np.ones(len(labels))
    else:
        w_series = weights if isinstance(weights, pd.Series) else pd.Series(np.asarray(weights))
        column = str(w_series.name) if w_series.name is not None else name
        if len(w_series) != len(labels):
            raise DataError(
                DataIssue(column, "wrong length", f"{len(labels)} weights", len(w_series))
            )
        w = w_series.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise DataError(
                DataIssue.from_mask(
                    column,
                    "missing or negative",
                    "finite weights >= 0",
                    bad,
                    w_series.index,
                    w_series,
                )
            )
    total = w.sum()
    if total <= 0:
        raise ParameterError(f"{name} must have a positive total")
    shares = pd.Series(w, index=labels.to_numpy()).groupby(level=0, sort=False).sum() / total
    return _ordered(shares)


def _ordered(shares: pd.Series) -> pd.Series:
    """Bins in their natural order (intervals and levels sorted), "missing" last."""
    labels = list(shares.index)
    present = [b for b in labels if not (isinstance(b, str) and b == "missing")]
    try:
        present = sorted(present, key=lambda b: b.left if isinstance(b, pd.Interval) else b)
    except TypeError:
        present = sorted(present, key=str)
    return shares.reindex(present + (["missing"] if "missing" in labels else []))


__all__ = ["EPSILON", "STATUSES", "THRESHOLDS", "drift_report", "psi", "psi_table"]
