"""Exponential-dispersion families with a log link: variance, deviance, likelihood.

The lowest layer of the GLM code: it imports only the Tweedie density
(:mod:`autorisk.models.tweedie_density`); the engine
(:mod:`autorisk.models.glm`) sits on it, and the helpers that read or refit
a fitted model (:mod:`~autorisk.models.inference`,
:mod:`~autorisk.models.tweedie_profile`, :mod:`~autorisk.models.refine`)
sit on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats
from sklearn.metrics import mean_tweedie_deviance

from autorisk.errors import ModelError, ParameterError
from autorisk.models.tweedie_density import tweedie_dispersion_mle, tweedie_loglik


@dataclass(frozen=True)
class Family:
    """A Tweedie-type family ``Var(Y) = dispersion * mu**power / weight`` with log link.

    ``fixed_dispersion`` is True when the dispersion is 1 by definition
    (Poisson); otherwise it is estimated by Pearson's chi-square over the
    residual degrees of freedom, as statsmodels does.
    """

    name: str
    power: float
    fixed_dispersion: bool

    @property
    def glum_family(self) -> str:
        return {"poisson": "poisson", "quasi_poisson": "poisson", "gamma": "gamma", "inverse_gaussian": "inverse.gaussian"}.get(
            self.name, f"tweedie ({self.power})"
        )

    def variance(self, mu: np.ndarray) -> np.ndarray:
        return mu**self.power

    def working_weights(self, mu: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """IRLS weights of the log link: ``w * (dmu/deta)**2 / V(mu) = w * mu**(2 - p)``."""
        return weights * mu ** (2.0 - self.power)

    def deviance(self, y: np.ndarray, mu: np.ndarray, weights: np.ndarray) -> float:
        """Total (weighted) deviance."""
        return float(mean_tweedie_deviance(y, mu, sample_weight=weights, power=self.power) * weights.sum())

    def pearson_chi2(self, y: np.ndarray, mu: np.ndarray, weights: np.ndarray) -> float:
        return float(np.sum(weights * (y - mu) ** 2 / self.variance(mu)))

    def loglik(self, y: np.ndarray, mu: np.ndarray, weights: np.ndarray, dispersion: float) -> float:
        """Log-likelihood as statsmodels defines it (Tweedie: Dunn & Smyth's series); rows of zero weight add nothing."""
        if np.any(weights == 0):
            keep = weights != 0
            y, mu, weights = y[keep], mu[keep], weights[keep]
        if self.power == 1.0:  # Poisson; quasi-Poisson scales it by the dispersion, as statsmodels does
            return float(np.sum(weights / dispersion * (special.xlogy(y, mu) - mu - special.gammaln(y + 1))))
        if self.name == "gamma":
            shape = weights / dispersion
            return float(np.sum(stats.gamma.logpdf(y, a=shape, scale=mu / shape)))
        if self.name == "inverse_gaussian":
            return float(
                np.sum(
                    -0.5
                    * (
                        weights * (y - mu) ** 2 / (y * mu**2 * dispersion)
                        + np.log(dispersion * y**3 / weights)
                        + np.log(2 * np.pi)
                    )
                )
            )
        return float(tweedie_loglik(y, mu, dispersion, self.power, weights))

    def ml_dispersion(self, y: np.ndarray, mu: np.ndarray, weights: np.ndarray, start: float = 1.0) -> float:
        """Maximum-likelihood dispersion given the fitted means ``mu`` (rows of zero weight left out).

        Gamma: the root of ``sum(w (log(w / phi) - digamma(w / phi))) = D / 2``
        (the likelihood equation of the shapes ``w / phi``; McCullagh & Nelder
        1989, section 8.3.6, with weights). Inverse Gaussian: ``D / n`` in
        closed form. Tweedie: Dunn & Smyth's series maximised numerically
        (:func:`~autorisk.models.tweedie_density.tweedie_dispersion_mle`).
        ``start`` (say the Pearson estimate) brackets the search.
        """
        used = weights > 0
        y, mu, weights = y[used], mu[used], weights[used]
        if self.name == "inverse_gaussian":
            return self.deviance(y, mu, weights) / y.size
        if self.name == "gamma":
            half_deviance = self.deviance(y, mu, weights) / 2.0
            if half_deviance <= 0:
                raise ModelError("the maximum-likelihood Gamma dispersion is 0: the model fits every claim exactly")

            def equation(log_phi: float) -> float:
                shape = weights / np.exp(log_phi)
                return float(np.sum(weights * (np.log(shape) - special.digamma(shape)))) - half_deviance

            centre = np.log(start) if np.isfinite(start) and start > 0 else 0.0
            lower, upper = centre - 5.0, centre + 5.0
            for _ in range(20):  # the left side increases with phi: widen until it brackets the root
                if equation(lower) < 0 < equation(upper):
                    break
                lower, upper = lower - 5.0, upper + 5.0
            return float(np.exp(optimize.brentq(equation, lower, upper, xtol=1e-14, rtol=1e-15)))
        if self.name == "tweedie":
            return tweedie_dispersion_mle(y, mu, self.power, weights, start=start)[0]
        raise ParameterError(f"the {self.name} family has no maximum-likelihood dispersion")


POISSON = Family("poisson", 1.0, True)
QUASI_POISSON = Family("quasi_poisson", 1.0, False)
GAMMA = Family("gamma", 2.0, False)
INVERSE_GAUSSIAN = Family("inverse_gaussian", 3.0, False)


def tweedie(power: float) -> Family:
    return Family("tweedie", float(power), False)
