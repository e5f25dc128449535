"""Mean Poisson, Gamma and Tweedie deviances and D², exposure-weighted or per policy.

One engine, :func:`mean_deviance`, takes the Tweedie power; the
family-named functions are thin faces over it. All share the signature
``f(actual, predicted, exposure=None, weights=None, ...)`` of every metric in
:mod:`autorisk.evaluate`, where ``actual`` and ``predicted`` are on the
model's target scale: the claim count (frequency), the claim amount (Tweedie,
pure premium times exposure) or the average claim (severity, with the claim
count as ``weights``).

Two averages
------------
Exposure-weighted (the default)
    ``sum_i w_i e_i d(y_i / e_i, mu_i / e_i) / sum_i w_i e_i``: the mean
    deviance of the rates (per unit of exposure) weighted by exposure, the
    quantity a GLM with an exposure offset minimises. It equals
    scikit-learn's ``mean_tweedie_deviance(y / e, mu / e, sample_weight=w * e)``.
    For Poisson the unit deviance is homogeneous of degree one,
    ``e d(y/e, mu/e) = d(y, mu)``, so it is also the sum of the unit Poisson
    deviances of the counts divided by the total exposure.
Per policy (``per_policy=True``)
    ``sum_i w_i d(y_i, mu_i) / sum_i w_i``: the plain (or ``weights``-weighted)
    mean over policies of the unit deviance of the row values, exposure
    ignored: scikit-learn's ``mean_tweedie_deviance(y, mu, sample_weight=w)``.

Without exposure the two coincide.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from autorisk.errors import ParameterError
from autorisk.evaluate._inputs import ArrayLike, Observations, observations

__all__ = [
    "d2_score",
    "gamma_deviance",
    "mean_deviance",
    "poisson_deviance",
    "tweedie_deviance",
    "unit_deviance",
]


def unit_deviance(actual: ArrayLike, predicted: ArrayLike, power: float) -> np.ndarray:
    """Unit Tweedie deviance ``d(y, mu)`` of each row, as scikit-learn defines it.

    Parameters
    ----------
    actual, predicted : array-like
        Observed values ``y`` and means ``mu > 0`` (unchecked: the public
        metrics check their inputs).
    power : float
        0 (normal, ``(y - mu)**2``), 1 (Poisson), in (1, 2) (compound
        Poisson-gamma), 2 (Gamma) or above 2 (3 is inverse Gaussian).

    Returns
    -------
    ndarray
        ``2 * (y log(y / mu) - y + mu)`` for Poisson,
        ``2 * (log(mu / y) + y / mu - 1)`` for Gamma, and otherwise
        ``2 * (y**(2-p) / ((1-p)(2-p)) - y mu**(1-p) / (1-p) + mu**(2-p) / (2-p))``.

    Examples
    --------
    >>> unit_deviance([0.0, 2.0], [1.0, 1.0], power=1).round(4)
    array([2.    , 0.7726])
    """
    p = checked_power(power)
    y = np.asarray(actual, dtype=float)
    mu = np.asarray(predicted, dtype=float)
    if p == 0:
        return (y - mu) ** 2
    if p == 1:
        return 2 * (special.xlogy(y, y / mu) - y + mu)
    if p == 2:
        return 2 * (np.log(mu / y) + y / mu - 1)
    return 2 * (
        np.power(np.maximum(y, 0), 2 - p) / ((1 - p) * (2 - p))
        - y * np.power(mu, 1 - p) / (1 - p)
        + np.power(mu, 2 - p) / (2 - p)
    )


def mean_deviance(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    power: float,
    per_policy: bool = False,
) -> float:
    """Mean Tweedie deviance of predictions, exposure-weighted or per policy.

    Parameters
    ----------
    actual : array-like
        Observed value per row on the target scale (count, amount or
        average claim), ``>= 0`` (``> 0`` for ``power >= 2``) where the
        weight is positive.
    predicted : array-like
        Model prediction per row on the same scale, ``> 0``.
    exposure : array-like, optional
        Exposure per row, ``> 0``; default 1.
    weights : array-like, optional
        Prior weight per row, ``>= 0`` (the claim count for a severity
        model); rows of weight 0 are ignored. Default 1.
    power : float
        Tweedie power: 1 Poisson, (1, 2) compound Poisson-gamma, 2 Gamma,
        3 inverse Gaussian, 0 squared error.
    per_policy : bool, default False
        False: ``sum w e d(y/e, mu/e) / sum w e`` (exposure-weighted mean of
        the rate deviances). True: ``sum w d(y, mu) / sum w`` (mean over
        policies of the row deviances). See the module docstring.

    Returns
    -------
    float

    Raises
    ------
    DataError
        Missing, infinite, negative or mis-sized inputs, naming the argument
        and the rows.
    ParameterError
        A power in (0, 1) or below 0.

    Examples
    --------
    >>> round(mean_deviance([0, 1, 2], [0.5, 1.0, 1.5], exposure=[0.5, 1.0, 1.0], power=1), 6)
    0.460291
    >>> round(mean_deviance([0, 1, 2], [0.5, 1.0, 1.5], exposure=[0.5, 1.0, 1.0], power=1, per_policy=True), 6)
    0.383576
    """
    p = checked_power(power)
    obs = observations(actual, predicted, exposure, weights, positive_actual=p >= 2)
    return _mean(obs, obs.predicted, p, per_policy)


def poisson_deviance(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    per_policy: bool = False,
) -> float:
    """Mean Poisson deviance of claim-count predictions.

    Exposure-weighted (default): the sum of the unit Poisson deviances of
    the counts divided by the total exposure, which equals the mean deviance
    of the frequencies weighted by exposure (scikit-learn's
    ``mean_poisson_deviance(y / e, mu / e, sample_weight=e)``). Per policy:
    the plain mean of the count deviances (``mean_poisson_deviance(y, mu)``).

    Parameters
    ----------
    actual : array-like
        Claim count per row, ``>= 0``.
    predicted : array-like
        Expected claim count per row (frequency times exposure), ``> 0``.
    exposure, weights, per_policy
        As :func:`mean_deviance`.

    Returns
    -------
    float
        :func:`mean_deviance` with ``power=1``.

    Examples
    --------
    >>> counts, expected, exposure = [0, 1, 2], [0.5, 1.0, 1.5], [0.5, 1.0, 1.0]
    >>> round(poisson_deviance(counts, expected, exposure), 6)
    0.460291
    >>> round(poisson_deviance(counts, expected, exposure, per_policy=True), 6)
    0.383576
    """
    return mean_deviance(actual, predicted, exposure, weights, power=1, per_policy=per_policy)


def gamma_deviance(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    per_policy: bool = False,
) -> float:
    """Mean Gamma deviance of severity predictions.

    For a severity model ``actual`` is the average claim per row and
    ``weights`` the claim count: the result is scikit-learn's
    ``mean_gamma_deviance(y, mu, sample_weight=claim_count)``; rows without
    claims (weight 0) are ignored.

    Parameters
    ----------
    actual : array-like
        Average claim per row, ``> 0`` where the weight is positive.
    predicted : array-like
        Predicted average claim per row, ``> 0``.
    exposure : array-like, optional
        Usually omitted for severity (default 1).
    weights : array-like, optional
        Claim count per row; rows without claims are ignored.
    per_policy : bool, default False
        As :func:`mean_deviance`.

    Returns
    -------
    float
        :func:`mean_deviance` with ``power=2``.

    Examples
    --------
    >>> round(gamma_deviance([900.0, 1500.0, 2000.0], [1000.0, 1200.0, 2000.0], weights=[1, 2, 0]), 6)
    0.039382
    """
    return mean_deviance(actual, predicted, exposure, weights, power=2, per_policy=per_policy)


def tweedie_deviance(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    power: float,
    per_policy: bool = False,
) -> float:
    """Mean Tweedie deviance of claim-amount (pure premium times exposure) predictions.

    Exposure-weighted (default): the deviance of the amounts per unit of
    exposure weighted by exposure, as a Tweedie GLM of the pure premium is
    fitted; scikit-learn's ``mean_tweedie_deviance(y / e, mu / e,
    sample_weight=e, power=power)``.

    Parameters
    ----------
    actual : array-like
        Claim amount per row, ``>= 0``.
    predicted : array-like
        Predicted claim amount per row (pure premium times exposure), ``> 0``.
    exposure, weights, per_policy
        As :func:`mean_deviance`.
    power : float
        Tweedie power, usually in (1, 2) for pure premium.

    Returns
    -------
    float

    Examples
    --------
    >>> round(tweedie_deviance([0.0, 300.0], [100.0, 150.0], [1.0, 0.5], power=1.5), 4)
    30.629
    """
    return mean_deviance(actual, predicted, exposure, weights, power=power, per_policy=per_policy)


def d2_score(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    power: float,
    per_policy: bool = False,
) -> float:
    """D², the fraction of deviance explained: ``1 - deviance(model) / deviance(null)``.

    The null model predicts the overall exposure-weighted mean rate for
    every row, ``sum(w y) / sum(w e)`` times the row's exposure (the average
    claim ``sum(claims) / sum(counts)`` for a severity model). Both
    deviances are :func:`mean_deviance` with the same ``power`` and
    ``per_policy``. Exposure-weighted, it equals scikit-learn's
    ``d2_tweedie_score(y / e, mu / e, sample_weight=w * e, power=power)``.
    1 is a perfect fit, 0 no better than the null model; it can be negative
    on a test set. NaN when there are no claims or the null deviance is 0.

    Parameters
    ----------
    actual, predicted, exposure, weights : array-like
        As :func:`mean_deviance`.
    power : float
        Tweedie power of the deviance: 1 Poisson, (1, 2) Tweedie, 2 Gamma.
    per_policy : bool, default False
        Exposure-weighted (False) or per-policy (True) deviances.

    Returns
    -------
    float
        At most 1; NaN as above.

    Examples
    --------
    >>> round(d2_score([0, 1, 2], [0.5, 1.0, 1.5], [0.5, 1.0, 1.0], power=1), 4)
    0.3145
    """
    p = checked_power(power)
    obs = observations(actual, predicted, exposure, weights, positive_actual=p >= 2)
    total = obs.actual_total.sum()
    if total <= 0:  # the null mean would be 0, outside every family's range
        return float("nan")
    null_deviance = _mean(obs, total / obs.size.sum() * obs.exposure, p, per_policy)
    if null_deviance == 0:
        return float("nan")
    return 1.0 - _mean(obs, obs.predicted, p, per_policy) / null_deviance


def _mean(obs: Observations, predicted: np.ndarray, power: float, per_policy: bool) -> float:
    if per_policy:
        deviance = unit_deviance(obs.actual, predicted, power)
        return float(np.sum(obs.weights * deviance) / np.sum(obs.weights))
    deviance = unit_deviance(obs.actual / obs.exposure, predicted / obs.exposure, power)
    return float(np.sum(obs.size * deviance) / np.sum(obs.size))


def checked_power(power: float) -> float:
    """``power`` as a float, or a ParameterError unless it is 0 or at least 1."""
    try:
        p = float(power)
    except (TypeError, ValueError):
        raise ParameterError(f"power must be a number (0, 1, in (1, 2), 2 or above), got {power!r}") from None
    if not (p == 0 or p >= 1) or not np.isfinite(p):
        raise ParameterError(f"power must be 0 or at least 1 (1 Poisson, 2 Gamma, 1-2 Tweedie), got {power!r}")
    return p
