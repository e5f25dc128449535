"""Tweedie compound Poisson-gamma density, log-likelihood and maximum-likelihood dispersion.

The lowest layer of the Tweedie code: numbers in, numbers out, no model.
:mod:`autorisk.models.families` computes a Tweedie GLM's log-likelihood
here, and :mod:`autorisk.models.tweedie_profile` (the profile likelihood of
the power, which fits models) re-exports these functions.

For ``1 < p < 2`` a Tweedie variable with mean ``mu`` and dispersion ``phi``
is a compound Poisson sum of gamma claims::

    N ~ Poisson(lambda),   lambda = mu**(2 - p) / (phi * (2 - p))
    Y = X_1 + ... + X_N,   X_k ~ Gamma(shape=alpha, scale=gamma)
    alpha = (2 - p) / (p - 1),   gamma = phi * (p - 1) * mu**(p - 1)

so ``P(Y = 0) = exp(-lambda)`` and, for ``y > 0``, the density is the
Poisson mixture of gamma densities ``f(y) = sum_{j >= 1} W_j`` with::

    log W_j = -lambda - y / gamma - log(y)
              + j * (log(lambda) + alpha * log(y / gamma)) - lgamma(j + 1) - lgamma(j * alpha)

(Dunn & Smyth, 2005, "Series evaluation of Tweedie exponential dispersion
model densities", Statistics and Computing 15, 267-280). ``log W_j`` is
concave in ``j``; the series is summed outwards from its mode in both
directions, vectorised over observations, with a running log-sum-exp, until
each side has fallen ``37`` nats (``exp(-37) ~ 1e-16``) below the largest
term. A prior weight ``w`` divides the dispersion: ``phi_i = phi / w_i``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import optimize, special, stats

from autorisk.errors import ParameterError

#: Terms more than this many nats below the largest one are dropped (exp(-37) ~ 1e-16).
_SERIES_DROP = 37.0
#: Safety cap on the number of series terms summed on each side of the mode.
_MAX_TERMS = 1_000_000
#: Modes above this are summed by Laplace's method (the terms span ~10 sqrt(mode) steps).
_LAPLACE_MODE = 1e7


def tweedie_logpdf(
    y: Any,
    mu: Any,
    dispersion: float | np.ndarray,
    power: float,
    weights: Any = None,
) -> np.ndarray:
    """Log-density of the Tweedie compound Poisson-gamma distribution, ``1 < power < 2``.

    Parameters
    ----------
    y : array-like
        Observations, ``>= 0``.
    mu : array-like
        Means, ``> 0`` (broadcast against ``y``).
    dispersion : float or array-like
        Dispersion ``phi > 0``; observation ``i`` has dispersion ``phi / weights[i]``.
    power : float
        Tweedie power in ``(1, 2)``.
    weights : array-like, optional
        Prior weights ``> 0``; default 1.

    Returns
    -------
    ndarray
        ``log f(y_i)``: ``-lambda_i`` at ``y_i = 0``, the log of the
        Dunn & Smyth series at ``y_i > 0``.

    Raises
    ------
    ParameterError
        If ``power`` is not in ``(1, 2)``, or ``y``, ``mu``, ``dispersion`` or
        ``weights`` are out of range.

    Examples
    --------
    >>> import numpy as np
    >>> lp = tweedie_logpdf([0.0, 1.0], mu=1.0, dispersion=1.0, power=1.5)
    >>> float(np.exp(lp[0]))  # P(Y = 0) = exp(-mu**0.5 / 0.5)
    0.1353...
    """
    power = float(power)
    if not 1.0 < power < 2.0:
        raise ParameterError(f"the Tweedie power must be in (1, 2), got {power}")
    w = 1.0 if weights is None else np.asarray(weights, dtype=float)
    y, mu, phi = np.broadcast_arrays(
        np.asarray(y, dtype=float), np.asarray(mu, dtype=float), np.asarray(dispersion, dtype=float) / w
    )
    shape = y.shape
    y, mu, phi = y.ravel(), mu.ravel(), phi.ravel()
    if np.any(~(y >= 0)) or np.any(~(mu > 0)) or np.any(~(phi > 0)) or np.any(~np.isfinite(phi)):
        raise ParameterError("tweedie_logpdf needs y >= 0, mu > 0, and finite dispersion / weights > 0")

    lam = mu ** (2.0 - power) / (phi * (2.0 - power))
    out = -lam
    positive = np.flatnonzero(y > 0)
    if positive.size:
        yp, lp = y[positive], lam[positive]
        alpha = (2.0 - power) / (power - 1.0)
        gamma_scale = phi[positive] * (power - 1.0) * mu[positive] ** (power - 1.0)
        # log W_j = base + j * slope - lgamma(j + 1) - lgamma(j * alpha)
        slope = np.log(lp) + alpha * (np.log(yp) - np.log(gamma_scale))
        base = -lp - yp / gamma_scale - np.log(yp)
        out[positive] = base + _log_series(slope, alpha)
    return out.reshape(shape)


def _log_series(slope: np.ndarray, alpha: float) -> np.ndarray:
    """``log sum_{j >= 1} exp(j * slope - lgamma(j + 1) - lgamma(j * alpha))``, per element.

    Summed term by term from the mode outwards; past :data:`_LAPLACE_MODE`
    (a near-zero dispersion, as in a fit with no residual variation) the
    terms form a smooth bump of width ``~sqrt(mode)``, too wide to walk
    through, and the sum is its Laplace integral.
    """
    mode = np.exp((slope - alpha * np.log(alpha)) / (1.0 + alpha))
    out = np.empty_like(slope)
    wide = mode > _LAPLACE_MODE
    if wide.any():
        out[wide] = _laplace_log_series(slope[wide], alpha, mode[wide])
    if (~wide).any():
        out[~wide] = _summed_log_series(slope[~wide], alpha)
    return out


def _laplace_log_series(slope: np.ndarray, alpha: float, mode: np.ndarray) -> np.ndarray:
    """Laplace's method: ``f(j*) + log(2 pi / -f''(j*)) / 2`` at the exact stationary point ``j*`` of the terms.

    The relative error is of order ``1 / j*``, below ``1e-6`` nats past :data:`_LAPLACE_MODE`.
    """
    log_j = np.log(mode)
    for _ in range(50):  # Newton on log j: f'(j) = slope - digamma(j + 1) - alpha digamma(alpha j)
        j = np.exp(log_j)
        gradient = slope - special.digamma(j + 1.0) - alpha * special.digamma(alpha * j)
        curvature = -special.polygamma(1, j + 1.0) - alpha**2 * special.polygamma(1, alpha * j)
        step = -gradient / (curvature * j)
        log_j = log_j + step
        if np.max(np.abs(step)) < 1e-14:
            break
    j = np.exp(log_j)
    curvature = special.polygamma(1, j + 1.0) + alpha**2 * special.polygamma(1, alpha * j)
    peak = j * slope - special.gammaln(j + 1.0) - special.gammaln(j * alpha)
    return peak + 0.5 * np.log(2.0 * np.pi / curvature)


def _summed_log_series(slope: np.ndarray, alpha: float) -> np.ndarray:
    """The series summed term by term outwards from its mode, to terms 37 nats below the largest."""

    def term(j: np.ndarray, s: np.ndarray) -> np.ndarray:
        return j * s - special.gammaln(j + 1.0) - special.gammaln(j * alpha)

    # Stationary point with Stirling's digamma ~ log: log j + alpha * log(alpha * j) = slope.
    mode = np.exp((slope - alpha * np.log(alpha)) / (1.0 + alpha))
    start = np.maximum(1.0, np.round(np.minimum(mode, 1e15)))
    first = term(start, slope)
    top = first.copy()  # running maximum of the terms summed so far
    total = np.ones_like(slope)  # sum of exp(term - top)

    for step in (1.0, -1.0):
        idx = np.arange(slope.size)
        j = start.copy()
        previous = first.copy()
        if step < 0:
            idx = idx[j > 1]
            j, previous = j[idx], previous[idx]
        for _ in range(_MAX_TERMS):
            if not idx.size:
                break
            j = j + step
            t = term(j, slope[idx])
            m = top[idx]
            higher = t > m
            # online log-sum-exp: rescale the running sum when a new maximum appears
            ratio = np.exp(-np.abs(t - m))
            total[idx] = np.where(higher, total[idx] * ratio + 1.0, total[idx] + ratio)
            top[idx] = np.where(higher, t, m)
            # concave terms: past the peak (falling) and negligible means the rest is too
            done = (t < previous) & (t < top[idx] - _SERIES_DROP)
            if step < 0:
                done |= j <= 1
            keep = ~done
            idx, j, previous = idx[keep], j[keep], t[keep]
    return top + np.log(total)


def tweedie_loglik(
    y: Any, mu: Any, dispersion: float, power: float, weights: Any = None
) -> float:
    """Total Tweedie log-likelihood ``sum_i log f(y_i; mu_i, dispersion / w_i, power)``.

    Observations with zero prior weight carry no information and are left out.

    Parameters
    ----------
    y, mu : array-like
        Observations ``>= 0`` and means ``> 0`` (``mu`` broadcast against ``y``).
    dispersion : float
        Dispersion ``phi > 0``.
    power : float
        Tweedie power in ``(1, 2)``.
    weights : array-like, optional
        Prior weights ``>= 0``; default 1.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        As :func:`tweedie_logpdf`.

    Examples
    --------
    At ``mu = phi = 1`` and ``p = 1.5``, ``P(Y = 0) = exp(-mu**0.5 / (phi * 0.5)) = exp(-2)``:

    >>> tweedie_loglik([0.0, 0.0], mu=1.0, dispersion=1.0, power=1.5)
    -4.0
    >>> tweedie_loglik([0.0, 0.0], mu=1.0, dispersion=1.0, power=1.5, weights=[1.0, 0.0])
    -2.0
    """
    y = np.asarray(y, dtype=float)
    mu = np.broadcast_to(np.asarray(mu, dtype=float), y.shape)
    w = np.ones_like(y) if weights is None else np.broadcast_to(np.asarray(weights, dtype=float), y.shape)
    used = w > 0
    return float(np.sum(tweedie_logpdf(y[used], mu[used], dispersion, power, w[used])))


def tweedie_dispersion_mle(
    y: Any,
    mu: Any,
    power: float,
    weights: Any = None,
    start: float | None = None,
) -> tuple[float, float]:
    """Maximum-likelihood dispersion of a Tweedie model with fitted means ``mu``.

    Parameters
    ----------
    y, mu, weights : array-like
        Observations, fitted means and prior weights (as :func:`tweedie_logpdf`).
    power : float
        Tweedie power in ``(1, 2)``.
    start : float, optional
        Initial guess, e.g. the Pearson estimate; default the Pearson
        chi-square over the number of observations.

    Returns
    -------
    (float, float)
        The dispersion maximising the log-likelihood and that log-likelihood.

    Notes
    -----
    The log-likelihood is maximised over ``log(phi)`` by bounded Brent search
    within a factor ``e**7`` (about 1100) of ``start``; the bracket is
    widened if the optimum lands on its edge.

    Examples
    --------
    Claim frequency 0.2 and exponential claims of mean 500: Tweedie with mean
    100, power 1.5 and dispersion ``mu**0.5 / (0.5 * 0.2) = 100``.

    >>> rng = np.random.default_rng(0)
    >>> amount = rng.gamma(rng.poisson(0.2, 2_000), 500.0)
    >>> dispersion, loglik = tweedie_dispersion_mle(amount, 100.0, power=1.5)
    >>> round(dispersion, 1), loglik == tweedie_loglik(amount, 100.0, dispersion, 1.5)
    (94.5, True)
    """
    y = np.asarray(y, dtype=float)
    mu = np.broadcast_to(np.asarray(mu, dtype=float), y.shape)
    w = np.ones_like(y) if weights is None else np.broadcast_to(np.asarray(weights, dtype=float), y.shape)
    used = w > 0
    y, mu, w = y[used], mu[used], w[used]
    if start is None:
        start = float(np.sum(w * (y - mu) ** 2 / mu**power) / max(y.size, 1))
    if not np.isfinite(start) or start <= 0:
        start = 1.0

    def negative(log_phi: float) -> float:
        return -float(np.sum(tweedie_logpdf(y, mu, np.exp(log_phi), power, w)))

    centre, half_width = np.log(start), 7.0
    for _ in range(5):
        lower, upper = centre - half_width, centre + half_width
        result = optimize.minimize_scalar(negative, bounds=(lower, upper), method="bounded", options={"xatol": 1e-7})
        if min(result.x - lower, upper - result.x) > 1e-3:
            break
        centre, half_width = result.x, 2 * half_width
    return float(np.exp(result.x)), float(-result.fun)


def tweedie_cdf(y: Any, mu: Any, dispersion: float | np.ndarray, power: float, weights: Any = None) -> np.ndarray:
    """Distribution function ``P(Y <= y)`` of the Tweedie compound Poisson-gamma, ``1 < power < 2``.

    From the compound Poisson form of the module docstring,
    ``P(Y <= y) = exp(-lambda) + sum_{j >= 1} Poisson(j; lambda) * G(y; j alpha, gamma)``
    with ``G`` the gamma distribution function (scipy's regularised
    incomplete gamma ``gammainc``). For each observation the sum runs over
    the Poisson counts within ``12 sqrt(lambda) + 30`` of ``lambda``; the
    counts left out hold less than ``1e-20`` of the probability.

    Parameters
    ----------
    y : array-like
        Values at which to evaluate, ``>= 0``.
    mu : array-like
        Means, ``> 0`` (broadcast against ``y``).
    dispersion : float or array-like
        Dispersion ``phi > 0``; observation ``i`` has dispersion ``phi / weights[i]``.
    power : float
        Tweedie power in ``(1, 2)``.
    weights : array-like, optional
        Prior weights ``> 0``; default 1.

    Returns
    -------
    ndarray
        ``P(Y_i <= y_i)``; at ``y_i = 0`` the point mass ``exp(-lambda_i)``.

    Raises
    ------
    ParameterError
        As :func:`tweedie_logpdf`.

    Examples
    --------
    At ``mu = phi = 1`` and ``p = 1.5``, ``P(Y = 0) = exp(-2)``, and the distribution function rises to 1:

    >>> tweedie_cdf([0.0, 1.0, 50.0], mu=1.0, dispersion=1.0, power=1.5).round(4)
    array([0.1353, 0.6035, 1.    ])
    """
    power = float(power)
    if not 1.0 < power < 2.0:
        raise ParameterError(f"the Tweedie power must be in (1, 2), got {power}")
    w = 1.0 if weights is None else np.asarray(weights, dtype=float)
    y, mu, phi = np.broadcast_arrays(
        np.asarray(y, dtype=float), np.asarray(mu, dtype=float), np.asarray(dispersion, dtype=float) / w
    )
    shape = y.shape
    y, mu, phi = y.ravel(), mu.ravel(), phi.ravel()
    if np.any(~(y >= 0)) or np.any(~(mu > 0)) or np.any(~(phi > 0)) or np.any(~np.isfinite(phi)):
        raise ParameterError("tweedie_cdf needs y >= 0, mu > 0, and finite dispersion / weights > 0")
    lam = mu ** (2.0 - power) / (phi * (2.0 - power))
    alpha = (2.0 - power) / (power - 1.0)
    scale = phi * (power - 1.0) * mu ** (power - 1.0)
    out = np.exp(-lam)
    positive = np.flatnonzero(y > 0)
    if positive.size:
        lp, x = lam[positive], y[positive] / scale[positive]
        spread = 12.0 * np.sqrt(lp) + 30.0
        first = np.maximum(1, np.floor(lp - spread)).astype(np.int64)
        last = np.ceil(lp + spread).astype(np.int64)
        total = np.zeros(positive.size)
        for step in range(int(np.max(last - first)) + 1):
            j = first + step
            used = j <= last
            total[used] += stats.poisson.pmf(j[used], lp[used]) * special.gammainc(j[used] * alpha, x[used])
        out[positive] += total
    return np.minimum(out, 1.0).reshape(shape)


__all__ = ["tweedie_cdf", "tweedie_dispersion_mle", "tweedie_logpdf", "tweedie_loglik"]
