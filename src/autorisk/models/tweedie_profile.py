"""Profile likelihood of the Tweedie power: what ``TweedieGLM(power="profile")`` calls.

For each power of a grid the model is fitted, its dispersion estimated by
maximum likelihood given the fitted means, and the Tweedie log-likelihood
(:mod:`autorisk.models.tweedie_density`, Dunn & Smyth's series) compared.
The density functions are re-exported here, where they used to live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone

from autorisk.errors import ParameterError
from autorisk.models.tweedie_density import tweedie_dispersion_mle, tweedie_loglik, tweedie_logpdf

if TYPE_CHECKING:
    from autorisk.models.glm import TweedieGLM


def profile_power(
    model: TweedieGLM,
    X: pd.DataFrame,
    amount: np.ndarray,
    weights: np.ndarray,
    exposure: np.ndarray,
) -> tuple[float, pd.DataFrame]:
    """Pick the Tweedie power of ``model`` by profile likelihood over ``model.power_grid``.

    For each power ``p`` of the grid a clone of ``model`` with ``power=p`` is
    fitted on ``(X, amount, exposure, sample_weight=weights)``; the dispersion
    is then estimated by maximum likelihood given the fitted means, and the
    Tweedie log-likelihood of the rate ``amount / exposure`` is computed with
    prior weights ``weights * exposure`` (dispersion ``phi / (w * exposure)``),
    the scale on which :class:`~autorisk.models.glm.TweedieGLM` fits. The
    coefficients of a fixed power do not depend on ``phi``, so this maximises
    the likelihood over the coefficients and ``phi`` jointly for each ``p``.

    Parameters
    ----------
    model : TweedieGLM
        The (unfitted) estimator; only its parameters are used.
    X : DataFrame
        Rating factors.
    amount : ndarray
        Claim amount per row, ``>= 0``.
    weights : ndarray
        Sample (prior) weights per row, ``>= 0``.
    exposure : ndarray
        Exposure per row, ``> 0``.

    Returns
    -------
    best_power : float
        The grid power with the largest log-likelihood.
    profile : DataFrame
        One row per grid power, sorted by power: ``power``, ``loglik``,
        ``dispersion`` (maximum likelihood), ``pearson_dispersion``,
        ``deviance`` and ``n_iter`` of the fit.

    Raises
    ------
    ParameterError
        If the grid is empty or has a power outside ``(1, 2)``.

    Notes
    -----
    The log-likelihood is that of the rate; on the amount scale it differs by
    ``-sum(log(exposure))`` over rows with claims, the same for every power,
    so the choice of power is unaffected.

    Examples
    --------
    Compound Poisson amounts with exponential claims are Tweedie with power
    1.5 (see :func:`tweedie_dispersion_mle`); the profile finds it. Fitting
    ``TweedieGLM(power="profile")`` runs the same search and keeps the
    profile as ``power_profile_``.

    >>> from autorisk.models import TweedieGLM
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"area": rng.choice(["a", "b"], 2_000)})
    >>> amount = rng.gamma(rng.poisson(0.2, 2_000), 500.0)
    >>> ones = np.ones(2_000)
    >>> best, profile = profile_power(TweedieGLM(["area"], power_grid=(1.2, 1.5, 1.8)), X, amount, ones, ones)
    >>> best, profile["power"].tolist()
    (1.5, [1.2, 1.5, 1.8])
    >>> bool(profile["loglik"].idxmax() == 1)
    True
    """
    grid = _power_grid(model.power_grid)
    amount = np.asarray(amount, dtype=float)
    weights = np.asarray(weights, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    rate, prior = amount / exposure, weights * exposure
    rows = []
    for power in grid:
        fitted = clone(model).set_params(power=power).fit(X, amount, exposure=exposure, sample_weight=weights)
        mu = fitted.predict(X)
        dispersion, loglik = tweedie_dispersion_mle(rate, mu, power, prior, start=fitted.dispersion_)
        rows.append(
            {
                "power": power,
                "loglik": loglik,
                "dispersion": dispersion,
                "pearson_dispersion": float(fitted.pearson_chi2_ / fitted.df_resid_),
                "deviance": float(fitted.deviance_),
                "n_iter": int(fitted.n_iter_),
            }
        )
    profile = pd.DataFrame(rows)
    if not np.isfinite(profile["loglik"]).any():
        raise ParameterError("the Tweedie log-likelihood is not finite at any power of the grid")
    best = float(profile["power"].iloc[int(np.nanargmax(profile["loglik"].to_numpy()))])
    return best, profile


def _power_grid(grid: Sequence[float] | None) -> list[float]:
    try:
        powers = sorted({float(p) for p in (grid if grid is not None else ())})
    except (TypeError, ValueError):
        raise ParameterError(f"power_grid must be a sequence of numbers in (1, 2), got {grid!r}") from None
    if not powers or not all(1.0 < p < 2.0 for p in powers):
        raise ParameterError(f"power_grid must be a non-empty sequence of numbers in (1, 2), got {grid!r}")
    return powers


__all__ = ["profile_power", "tweedie_dispersion_mle", "tweedie_logpdf", "tweedie_loglik"]
