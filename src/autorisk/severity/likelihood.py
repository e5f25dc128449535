"""The claim-size log-likelihood with deductibles (left truncation) and limits (right censoring).

Per claim ``i`` with ground-up amount ``x_i``, deductible ``d_i`` and limit
``u_i``, the contribution is

* ``log f(x_i) - log S(d_i)`` when the amount is observed exactly;
* ``log S(u_i) - log S(d_i)`` when it is censored at the limit (the loss was
  at least ``u_i``; only that is known).

A claim below its deductible is never reported, hence the division by
``S(d_i)``. A sample truncated from above at ``t`` as well (the body of a
spliced model) divides by ``S(d_i) - S(t)`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from autorisk.errors import DataError, DataIssue, ModelError
from autorisk.severity.families import Family

__all__ = ["Claims", "claims_table", "hessian", "log_likelihood", "maximise"]

#: Relative step of the central differences of the observed information.
HESSIAN_STEP = 1e-4


@dataclass(frozen=True)
class Claims:
    """Checked claim data for a likelihood: amounts, deductibles, limits, censoring flags, weights.

    Attributes
    ----------
    amounts, deductibles, limits, weights : ndarray of float
        One value per claim (``limits`` may be ``inf``; ``weights`` all 1 by default).
    censored : ndarray of bool
        Whether each amount is censored at its limit.
    upper : float
        Truncation point from above shared by all claims (``inf``: none).

    Examples
    --------
    >>> data = claims_table([100.0, 500.0], deductible=50.0, limit=500.0)
    >>> data.censored.tolist(), data.deductibles.tolist()
    ([False, True], [50.0, 50.0])
    """

    amounts: np.ndarray
    deductibles: np.ndarray
    limits: np.ndarray
    censored: np.ndarray
    weights: np.ndarray
    upper: float = np.inf

    @property
    def n(self) -> int:
        """Number of claims."""
        return int(self.amounts.size)


def claims_table(
    amounts: Any,
    *,
    deductible: Any = 0.0,
    limit: Any = np.inf,
    censored: Any = None,
    weights: Any = None,
    upper: float = np.inf,
) -> Claims:
    """Check claim data and broadcast deductibles, limits and flags to one per claim.

    Parameters
    ----------
    amounts : array-like of float
        Ground-up loss amounts ``> 0`` (a payment plus its deductible); a
        censored claim's amount is its limit.
    deductible : float or array-like of float, default 0.0
        Deductible ``d_i >= 0`` per claim (or one for all): losses at or below
        it are not in the data. Amounts must be ``>= d_i``.
    limit : float or array-like of float, default inf
        Limit ``u_i > d_i`` on the ground-up amount; amounts must be ``<= u_i``.
    censored : array-like of bool, optional
        Which amounts are censored at the limit. By default a claim is
        censored when its amount reaches its limit (``x_i >= u_i``).
    weights : array-like of float, optional
        Weights ``> 0`` of the claims' contributions.
    upper : float, default inf
        Truncation from above: no claim above it is in the data.

    Returns
    -------
    Claims

    Raises
    ------
    DataError
        Naming the field, the offending values and their rows.

    Examples
    --------
    >>> claims_table([10.0, -1.0])
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: claims: column 'amounts': not a positive finite amount in 1 row (expected finite amounts > 0); values: -1.0; rows: 1
    """
    x = _column(amounts, "amounts")
    n = x.size
    if n == 0:
        raise DataError(DataIssue("amounts", "empty", "at least one claim amount"))
    d = _column(deductible, "deductible", n)
    u = _column(limit, "limit", n)
    w = np.ones(n) if weights is None else _column(weights, "weights", n)
    flags = u <= x if censored is None else np.broadcast_to(np.asarray(censored, bool), (n,))
    index = pd.RangeIndex(n)
    valid = np.isfinite(x) & (x > 0)
    checks = [
        ("amounts", "not a positive finite amount", "finite amounts > 0", ~valid, x),
        ("deductible", "not a finite amount >= 0", "finite deductibles >= 0", ~(np.isfinite(d) & (d >= 0)), d),
        ("limit", "not above the deductible", "limits above the deductible", ~(u > d), u),
        ("amounts", "below the deductible", "amounts >= their deductible", valid & (x < d), x),
        ("amounts", "above the limit", "amounts <= their limit", valid & (x > u), x),
        ("amounts", "above the truncation point", f"amounts <= {upper!r}", valid & (x > upper), x),
        ("weights", "not a positive finite weight", "finite weights > 0", ~(np.isfinite(w) & (w > 0)), w),
    ]  # fmt: skip
    issues = [DataIssue.from_mask(c, r, e, m, index, v) for c, r, e, m, v in checks if m.any()]
    if issues:
        raise DataError(issues, table="claims")
    return Claims(x, d, u, np.asarray(flags, bool).copy(), w, float(upper))


def log_likelihood(family: Family, theta: np.ndarray, data: Claims, threshold: float = 0.0) -> float:
    """The weighted log-likelihood of ``data`` at working parameters ``theta``.

    Parameters
    ----------
    family : Family
        The claim-size family.
    theta : array-like of float
        Working parameters (logs of the positive ones).
    data : Claims
        The checked claims.
    threshold : float, default 0.0
        The GPD's threshold (its ``loc``); other families ignore it.

    Returns
    -------
    float
        The log-likelihood, ``-inf`` where the parameters cannot have produced the data.

    Examples
    --------
    >>> from scipy import stats
    >>> from autorisk.severity.families import family
    >>> data = claims_table([1.0, 2.0, 4.0], limit=4.0)
    >>> exact = stats.expon.logpdf([1.0, 2.0]).sum() + stats.expon.logsf(4.0)
    >>> gamma = family("gamma")
    >>> bool(np.isclose(log_likelihood(gamma, np.array([0.0, 0.0]), data), exact))
    True
    """
    dist = family.distribution(theta, threshold)
    with np.errstate(all="ignore"):
        exact = ~data.censored
        terms = np.empty(data.n)
        terms[exact] = dist.logpdf(data.amounts[exact])
        terms[~exact] = dist.logsf(data.amounts[~exact])
        below = dist.logsf(data.deductibles)
        if np.isfinite(data.upper):
            below = below + np.log1p(-np.exp(dist.logsf(data.upper) - below))
        value = float(np.sum(data.weights * (terms - below)))
    return value if np.isfinite(value) else -np.inf


def maximise(family: Family, data: Claims, start: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """Working parameters maximising the log-likelihood, from natural starting values ``start``.

    Quasi-Newton (BFGS) on the mean log-likelihood, with a Nelder-Mead search
    first when BFGS fails (a start where the likelihood is 0, a GPD endpoint).

    Parameters
    ----------
    family : Family
        The claim-size family.
    data : Claims
        The checked claims.
    start : array-like of float
        Natural starting values.
    threshold : float, default 0.0
        The GPD's threshold.

    Returns
    -------
    ndarray
        The maximising working parameters.

    Raises
    ------
    ModelError
        No parameters give the data a positive likelihood.

    Examples
    --------
    >>> from autorisk.severity.families import family
    >>> data = claims_table(np.exp([0.0, 1.0, 2.0]))
    >>> maximise(family("lognormal"), data, np.array([0.5, 0.5])).round(4).tolist()
    [1.0, -0.2027]
    """
    scale = 1.0 / data.weights.sum()

    def objective(theta: np.ndarray) -> float:
        value = log_likelihood(family, theta, data, threshold)
        return -value * scale if np.isfinite(value) else 1e300

    theta = family.working(start)
    if objective(theta) >= 1e300:
        theta = optimize.minimize(objective, theta, method="Nelder-Mead").x
    result = optimize.minimize(objective, theta, method="BFGS", options={"gtol": 1e-9})
    if not (result.success and result.fun < 1e300):
        searched = optimize.minimize(
            objective, result.x, method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000},
        )  # fmt: skip
        result = optimize.minimize(objective, searched.x, method="BFGS", options={"gtol": 1e-9})
        if not result.fun < searched.fun:
            result = searched
    if not result.fun < 1e300:
        raise ModelError(f"no {family.name} parameters give these claims a positive likelihood")
    return np.asarray(result.x, dtype=float)


def hessian(family: Family, theta: np.ndarray, data: Claims, threshold: float = 0.0) -> np.ndarray:
    """Second derivatives of the log-likelihood in the working parameters, by central differences.

    Parameters
    ----------
    family : Family
        The claim-size family.
    theta : array-like of float
        Working parameters, usually the maximum.
    data : Claims
        The checked claims.
    threshold : float, default 0.0
        The GPD's threshold.

    Returns
    -------
    ndarray
        The ``p x p`` Hessian; minus it is the observed information.

    Examples
    --------
    >>> from autorisk.severity.families import family
    >>> data = claims_table(np.exp([0.0, 1.0, 2.0, 3.0]))
    >>> -hessian(family("lognormal"), np.array([1.5, np.log(np.sqrt(1.25))]), data).round(3) + 0.0
    array([[3.2, 0. ],
           [0. , 8. ]])
    """
    theta = np.asarray(theta, dtype=float)
    steps = HESSIAN_STEP * np.maximum(1.0, np.abs(theta))
    p = theta.size

    def ll(shift: np.ndarray) -> float:
        return log_likelihood(family, theta + shift, data, threshold)

    centre = ll(np.zeros(p))
    out = np.empty((p, p))
    for i in range(p):
        e_i = np.eye(p)[i] * steps[i]
        out[i, i] = (ll(e_i) - 2 * centre + ll(-e_i)) / steps[i] ** 2
        for j in range(i):
            e_j = np.eye(p)[j] * steps[j]
            out[i, j] = out[j, i] = (
                ll(e_i + e_j) - ll(e_i - e_j) - ll(e_j - e_i) + ll(-e_i - e_j)
            ) / (4 * steps[i] * steps[j])
    return out


def _column(values: Any, label: str, n: int | None = None) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(DataIssue(label, "not numbers", "numbers")) from None
    if n is None:
        return array.ravel()
    if array.ndim == 0 or array.size == 1:
        return np.full(n, float(array.ravel()[0]))
    if array.shape != (n,):
        raise DataError(DataIssue(label, "wrong length", f"one value per claim ({n}) or one for all"))
    return array
