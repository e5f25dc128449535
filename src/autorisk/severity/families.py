"""The parametric claim-size families: their parameters, scipy distributions and starting values.

Each family maps a vector ``theta`` of unconstrained working parameters
(logarithms of the positive ones) to a frozen :mod:`scipy.stats`
distribution. Fitting works on ``theta``, so standard errors come on that
scale too.

=============  ===============================  ==========================================
family         parameters                       scipy
=============  ===============================  ==========================================
lognormal      ``mu``, ``sigma``                ``lognorm(sigma, scale=exp(mu))``
gamma          ``shape``, ``scale``             ``gamma(shape, scale=scale)``
weibull        ``shape``, ``scale``             ``weibull_min(shape, scale=scale)``
pareto         ``alpha``, ``theta``             ``lomax(alpha, scale=theta)``
gpd            ``xi``, ``sigma`` (threshold t)  ``genpareto(xi, loc=t, scale=sigma)``
=============  ===============================  ==========================================

"pareto" is the two-parameter Pareto of Klugman, Panjer & Willmot's *Loss
Models* (the Lomax): ``S(x) = (theta / (x + theta))^alpha`` on ``x > 0``.
"gpd" is the generalised Pareto of exceedances over a threshold ``t``
(``S(x) = (1 + xi (x - t) / sigma)^(-1/xi)``), used for the tail; with
``t = 0`` and ``xi > 0`` it is the Pareto with ``alpha = 1/xi``,
``theta = sigma/xi``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from autorisk.errors import ParameterError

__all__ = ["FAMILIES", "Family", "family"]


@dataclass(frozen=True)
class Family:
    """One claim-size family: how its working parameters make a scipy distribution.

    Attributes
    ----------
    name : str
        The family's name, a key of :data:`FAMILIES`.
    parameters : tuple of str
        Names of the natural parameters, in order.
    logged : tuple of bool
        Whether each working parameter is the logarithm of the natural one.
    build : callable
        ``build(natural, threshold)`` -> frozen scipy distribution.
    start : callable
        ``start(amounts, threshold)`` -> natural starting values from the amounts.

    Examples
    --------
    >>> lognormal = family("lognormal")
    >>> lognormal.parameters, lognormal.logged
    (('mu', 'sigma'), (False, True))
    >>> float(lognormal.distribution(np.array([0.0, np.log(2.0)])).median())
    1.0
    """

    name: str
    parameters: tuple[str, ...]
    logged: tuple[bool, ...]
    build: Callable[[np.ndarray, float], Any]
    start: Callable[[np.ndarray, float], np.ndarray]

    def natural(self, theta: np.ndarray) -> np.ndarray:
        """Natural parameters from working ones (``exp`` of the logged ones)."""
        theta = np.asarray(theta, dtype=float)
        return np.where(self.logged, np.exp(theta), theta)

    def working(self, natural: np.ndarray) -> np.ndarray:
        """Working parameters from natural ones (``log`` of the positive ones)."""
        natural = np.asarray(natural, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.logged, np.log(natural), natural)

    def distribution(self, theta: np.ndarray, threshold: float = 0.0) -> Any:
        """The frozen scipy distribution at working parameters ``theta``."""
        return self.build(self.natural(theta), threshold)


def _moments_of_logs(x: np.ndarray, _: float) -> np.ndarray:
    logs = np.log(x)
    return np.array([logs.mean(), max(logs.std(), 1e-3)])


def _gamma_moments(x: np.ndarray, _: float) -> np.ndarray:
    mean, variance = x.mean(), max(x.var(), 1e-12 * x.mean() ** 2)
    return np.array([mean**2 / variance, variance / mean])


def _weibull_start(x: np.ndarray, _: float) -> np.ndarray:
    # The log of a Weibull amount has sd pi / (shape sqrt 6).
    shape = np.pi / (np.sqrt(6.0) * max(np.log(x).std(), 1e-3))
    return np.array([shape, float(np.exp(np.log(x).mean() + 0.5772 / shape))])


def _pareto_start(x: np.ndarray, _: float) -> np.ndarray:
    # Method of moments when the CV exceeds 1 (alpha > 2), else a heavy-ish default.
    mean, cv2 = x.mean(), x.var() / x.mean() ** 2
    alpha = 2.0 * cv2 / (cv2 - 1.0) if cv2 > 1.05 else 3.0
    return np.array([alpha, mean * (alpha - 1.0)])


def _gpd_start(x: np.ndarray, threshold: float) -> np.ndarray:
    excess = x - threshold
    mean, cv2 = excess.mean(), excess.var() / excess.mean() ** 2
    xi = float(np.clip(0.5 * (1.0 - 1.0 / cv2), -0.4, 0.9))
    return np.array([xi, mean * (1.0 - xi)])


#: The families, by name.
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("lognormal", ("mu", "sigma"), (False, True),
               lambda p, t: stats.lognorm(p[1], scale=np.exp(p[0])), _moments_of_logs),
        Family("gamma", ("shape", "scale"), (True, True),
               lambda p, t: stats.gamma(p[0], scale=p[1]), _gamma_moments),
        Family("weibull", ("shape", "scale"), (True, True),
               lambda p, t: stats.weibull_min(p[0], scale=p[1]), _weibull_start),
        Family("pareto", ("alpha", "theta"), (True, True),
               lambda p, t: stats.lomax(p[0], scale=p[1]), _pareto_start),
        Family("gpd", ("xi", "sigma"), (False, True),
               lambda p, t: stats.genpareto(p[0], loc=t, scale=p[1]), _gpd_start),
    )
}  # fmt: skip


def family(name: str) -> Family:
    """The family called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`FAMILIES`.

    Returns
    -------
    Family

    Raises
    ------
    ParameterError
        An unknown name; the message lists the valid ones.

    Examples
    --------
    >>> family("pareto").parameters
    ('alpha', 'theta')
    """
    if name not in FAMILIES:
        raise ParameterError(f"family must be one of {tuple(FAMILIES)}, got {name!r}")
    return FAMILIES[name]
