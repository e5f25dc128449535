"""Exact Poisson inference on an actual / expected ratio, shared by the analytics modules.

``actual`` is treated as a Poisson count with mean ``ae * expected``, where
``expected`` is known; the interval is Garwood's exact (central) interval
for the Poisson mean, divided by ``expected``. Non-integer ``actual`` (e.g.
weighted counts) uses the continuous (gamma) form of the same formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from autorisk.errors import DataError, DataIssue, ParameterError

__all__ = ["poisson_ae_interval", "poisson_ae_test"]


def poisson_ae_interval(actual: Any, expected: Any, level: float = 0.95) -> tuple[Any, Any]:
    """Exact (Garwood) confidence interval of actual / expected.

    ``lower = G(alpha/2; a) / e`` and ``upper = G(1 - alpha/2; a + 1) / e``,
    where ``G(q; k)`` is the ``q`` quantile of a gamma(k, 1) law (half a
    chi-square with ``2k`` degrees of freedom) and ``alpha = 1 - level``.

    Parameters
    ----------
    actual : array-like of float
        Observed counts, >= 0.
    expected : array-like of float
        Expected counts, >= 0, broadcastable with ``actual``.
    level : float, default 0.95
        Confidence level, in (0, 1).

    Returns
    -------
    (lower, upper) : arrays (floats for scalar inputs)
        The bounds of the ratio. ``lower`` is 0 where ``actual`` is 0; both
        are NaN where ``expected`` is 0.

    Raises
    ------
    ParameterError
        If ``level`` is not in (0, 1).
    DataError
        If a value is missing, infinite or negative.

    Examples
    --------
    >>> lower, upper = poisson_ae_interval([0, 10], [5.0, 10.0])
    >>> lower.round(4), upper.round(4)
    (array([0.    , 0.4795]), array([0.7378, 1.839 ]))
    """
    if not (isinstance(level, (int, float, np.floating)) and 0 < level < 1):
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    a, e = _counts(actual, expected)
    alpha = 1.0 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(a > 0, stats.gamma.ppf(alpha / 2, np.where(a > 0, a, 1.0)), 0.0)
        high = stats.gamma.ppf(1 - alpha / 2, a + 1.0)
        positive = e > 0
        lower = np.where(positive, low / np.where(positive, e, 1.0), np.nan)
        upper = np.where(positive, high / np.where(positive, e, 1.0), np.nan)
    return _out(lower), _out(upper)


def poisson_ae_test(actual: Any, expected: Any) -> Any:
    """Two-sided exact p-value of ``actual`` against a Poisson law of mean ``expected``.

    ``p = min(1, 2 min(P(X <= a), P(X >= a)))`` with ``X ~ Poisson(e)``;
    non-integer ``a`` uses ``P(X <= floor(a))`` and ``P(X >= ceil(a))``.

    Parameters
    ----------
    actual, expected : array-like of float
        As :func:`poisson_ae_interval`. ``expected`` 0 gives p = 1 when
        ``actual`` is 0, else 0.

    Returns
    -------
    array (float for scalar inputs)

    Examples
    --------
    >>> round(poisson_ae_test(10, 10.0), 6)
    1.0
    >>> poisson_ae_test([0, 20], [5.0, 10.0]).round(5)
    array([0.01348, 0.00691])
    """
    a, e = _counts(actual, expected)
    below = stats.poisson.cdf(np.floor(a), e)
    above = stats.poisson.sf(np.ceil(a) - 1, e)
    p = np.minimum(1.0, 2 * np.minimum(below, above))
    p = np.where(e > 0, p, np.where(a > 0, 0.0, 1.0))
    return _out(p)


def _counts(actual: Any, expected: Any) -> tuple[np.ndarray, np.ndarray]:
    a, e = np.broadcast_arrays(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float))
    issues = []
    for name, values in (("actual", a), ("expected", e)):
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            flat = values.ravel()
            issues.append(
                DataIssue.from_mask(
                    name, "missing or negative", "finite values >= 0",
                    bad.ravel(), np.arange(flat.size), flat,
                )  # fmt: skip
            )
    if issues:
        raise DataError(issues)
    return a, e


def _out(values: np.ndarray) -> Any:
    return float(values) if values.ndim == 0 else values
