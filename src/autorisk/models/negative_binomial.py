"""Negative binomial (NB2) claim frequency on a Poisson model's design, and the test of overdispersion.

:func:`negative_binomial` takes a fitted Poisson :class:`~autorisk.models.FrequencyGLM`
and refits its design (factors, bands, interactions, exposure offset) with
NB2 counts, ``Var(N) = mu + alpha mu**2``, by maximum likelihood in the
coefficients *and* ``alpha``: for each ``alpha`` the coefficients are the
NB2 GLM's (Fisher scoring from the previous ones), and ``log(alpha)`` maximises the
profile log-likelihood (bounded Brent search). Standard errors come from the
observed information of ``(coefficients, alpha)``, as statsmodels'
``NegativeBinomial(loglike_method="nb2")`` reports them.

The Poisson model is NB2 at ``alpha = 0``, on the boundary of the parameter
space, so the likelihood-ratio statistic ``2 (l_NB - l_Poisson)`` is referred
to the mixture ``0.5 chi2(0) + 0.5 chi2(1)``: ``p = 0.5 P(chi2(1) > LR)``
(Self & Liang 1987; Cameron & Trivedi 2013, section 3.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ModelError, ParameterError
from autorisk.models.glm_engine import _PricingGLM
from autorisk.models.glm_numerics import SINGULAR, information

__all__ = ["NegativeBinomialFit", "negative_binomial"]

#: Search range of ``alpha`` (Var = mu + alpha mu**2) once the counts are overdispersed.
ALPHA_BOUNDS = (1e-8, 1e3)


def negative_binomial(model: _PricingGLM, X: pd.DataFrame, y: Any, **fit_params: Any) -> NegativeBinomialFit:
    """Refit a Poisson frequency model's design as NB2 by maximum likelihood, and compare the two.

    Parameters
    ----------
    model : FrequencyGLM
        A fitted Poisson model (``overdispersion="none"``), without sample weights.
    X : DataFrame
        The rating factors it was fitted on.
    y : array-like
        The claim counts it was fitted on.
    **fit_params
        The other arguments of its ``fit``: ``exposure=``.

    Returns
    -------
    NegativeBinomialFit

    Raises
    ------
    ParameterError
        If the model is not a Poisson frequency model, or was fitted with sample weights.
    ModelError
        If the data do not reproduce the model's fit, or the design is singular.

    Examples
    --------
    Counts with gamma frailty of variance 1 (``alpha = 1``; the estimate,
    0.84, is 1.4 standard errors from it):

    >>> import numpy as np, pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"area": rng.choice(["a", "b"], 4_000)})
    >>> claims = rng.poisson(rng.gamma(1.0, 1.0, 4_000) * np.where(X["area"] == "b", 0.4, 0.2))
    >>> fit = negative_binomial(FrequencyGLM(["area"]).fit(X, claims), X, claims)
    >>> round(fit.alpha_, 2), round(float(fit.coef_table().loc["alpha", "std_err"]), 2)
    (0.84, 0.12)
    >>> fit.overdispersion_test["p_value"] < 1e-6
    True
    >>> fit.comparison[["parameters"]]
             parameters
    model
    Poisson           2
    NB2               3
    """
    check_is_fitted(model, "params_")
    if getattr(model, "family_", None) is None or model.family_.name != "poisson":
        raise ParameterError(f"negative_binomial refits a Poisson FrequencyGLM; got the {model.family_.name} family")
    arrays = model._fitted_arrays(X, y, **fit_params)
    if np.any(arrays.weights != 1):
        raise ParameterError("negative_binomial needs a model fitted without sample weights (the NB2 likelihood has none)")
    if not np.isclose(model.family_.deviance(arrays.response, arrays.mu, arrays.weights), model.deviance_, rtol=1e-6):
        raise ModelError("negative_binomial needs the data the Poisson model was fitted on: the deviance differs")
    y = arrays.response
    offset = np.zeros(len(y)) if arrays.offset is None else arrays.offset
    matrix = arrays.matrix
    beta = model.params_.to_numpy(dtype=float).copy()

    def mean(b: np.ndarray) -> np.ndarray:
        return np.exp(b[0] + (matrix.matvec(b[1:]) if len(b) > 1 else 0.0) + offset)

    def fit_coefficients(alpha: float, start: np.ndarray) -> np.ndarray:
        """Fisher scoring of the NB2 GLM at fixed ``alpha`` (working weights ``mu / (1 + alpha mu)``)."""
        b = start
        for _ in range(200):
            mu = mean(b)
            residual = (y - mu) / (1.0 + alpha * mu)
            score = np.r_[residual.sum(), matrix.transpose_matvec(residual)] if len(b) > 1 else np.array([residual.sum()])
            try:
                step = linalg.cho_solve(linalg.cho_factor(information(matrix, mu / (1.0 + alpha * mu))), score)
            except linalg.LinAlgError:
                raise ModelError(SINGULAR) from None
            b = b + step
            if np.max(np.abs(step)) < 1e-12:
                break
        return b

    names = [*model.params_.index, "alpha"]
    k, n = len(beta), len(y)
    # The profile's slope at alpha = 0 is the score 0.5 sum((y - mu)**2 - y) at the Poisson fit (envelope
    # theorem; the score of Cameron & Trivedi's overdispersion test). When it is <= 0 (no overdispersion)
    # the maximum is taken on the boundary, where NB2 is the Poisson model itself; a search would only
    # creep towards it (the profile is flat there).
    if 0.5 * np.sum((y - arrays.mu) ** 2 - y) <= 0:
        cov = np.full((k + 1, k + 1), np.nan)
        cov[:k, :k] = model.cov_params_.to_numpy()
        return _result(names, beta, 0.0, float(model.loglik_), cov, float(model.loglik_), n, at_boundary=True)

    state = {"beta": beta}

    def negative_profile(log_alpha: float) -> float:
        alpha = float(np.exp(log_alpha))
        state["beta"] = fit_coefficients(alpha, state["beta"])
        return -_loglik(y, mean(state["beta"]), alpha)

    lower, upper = np.log(ALPHA_BOUNDS[0]), np.log(ALPHA_BOUNDS[1])
    found = optimize.minimize_scalar(negative_profile, bounds=(lower, upper), method="bounded", options={"xatol": 1e-10})
    alpha = float(np.exp(found.x))
    beta = fit_coefficients(alpha, state["beta"])
    mu = mean(beta)
    cov = _inverse_observed_information(matrix, y, mu, alpha)
    for _ in range(3):  # Newton steps in (coefficients, alpha): the flat profile leaves alpha ~1e-8 off
        step = cov @ _score(matrix, y, mu, alpha)
        if not np.all(np.isfinite(step)) or alpha + step[-1] <= 0:
            break
        beta, alpha = beta + step[:-1], alpha + float(step[-1])
        mu = mean(beta)
        cov = _inverse_observed_information(matrix, y, mu, alpha)
        if np.max(np.abs(step)) < 1e-13:
            break
    return _result(names, beta, alpha, _loglik(y, mu, alpha), cov, float(model.loglik_), n, at_boundary=False)


def _result(names, beta, alpha: float, loglik: float, cov, poisson_loglik: float, n: int, *, at_boundary: bool):
    """The fit, its comparison with the Poisson model and the boundary likelihood-ratio test."""
    k = len(beta)
    lr = max(2.0 * (loglik - poisson_loglik), 0.0)
    test = {"lr_stat": lr, "df": 1, "p_value": float(0.5 * stats.chi2.sf(lr, 1)) if lr > 0 else 1.0}
    comparison = pd.DataFrame(
        {
            "loglik": [poisson_loglik, loglik],
            "parameters": [k, k + 1],
            "aic": [-2 * poisson_loglik + 2 * k, -2 * loglik + 2 * (k + 1)],
            "bic": [-2 * poisson_loglik + k * np.log(n), -2 * loglik + (k + 1) * np.log(n)],
        },
        index=pd.Index(["Poisson", "NB2"], name="model"),
    )
    return NegativeBinomialFit(
        params_=pd.Series([*beta, alpha], index=names, name="coef"),
        cov_params_=pd.DataFrame(cov, index=names, columns=names),
        alpha_=alpha,
        loglik_=loglik,
        aic_=float(comparison.loc["NB2", "aic"]),
        bic_=float(comparison.loc["NB2", "bic"]),
        n_obs_=n,
        comparison=comparison,
        overdispersion_test=test,
        at_boundary=at_boundary,
    )


def _loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """NB2 log-likelihood ``sum log P(N = y)``, ``N ~ NB(mean mu, size 1 / alpha)``."""
    size = 1.0 / alpha
    return float(np.sum(
        special.gammaln(y + size) - special.gammaln(size) - special.gammaln(y + 1)
        + size * np.log(size / (size + mu)) + special.xlogy(y, mu / (size + mu))
    ))  # fmt: skip


def _score(matrix, y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """Gradient of the NB2 log-likelihood in ``(coefficients, alpha)`` (see :func:`_inverse_observed_information`)."""
    u = 1.0 + alpha * mu
    residual = (y - mu) / u
    size = 1.0 / alpha
    g = special.digamma(size) - special.digamma(y + size) + np.log(u)
    d_alpha = float(np.sum(g / alpha**2 + (y - mu) / (alpha * u)))
    d_beta = np.r_[residual.sum(), matrix.transpose_matvec(residual)] if matrix.shape[1] else np.array([residual.sum()])
    return np.r_[d_beta, d_alpha]


def _inverse_observed_information(matrix, y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """Inverse of minus the Hessian of the NB2 log-likelihood in ``(coefficients, alpha)``.

    Per row, with ``u = 1 + alpha mu``: ``-d2l/deta2 = mu (1 + alpha y) / u**2``,
    ``-d2l/deta dalpha = mu (y - mu) / u**2`` and, with
    ``g = psi(1/alpha) - psi(y + 1/alpha) + log(u)``,
    ``dl/dalpha = g / alpha**2 + (y - mu) / (alpha u)``, whose derivative is
    ``g' / alpha**2 - 2 g / alpha**3 - (y - mu)(1 + 2 alpha mu) / (alpha u)**2``,
    ``g' = (psi1(y + 1/alpha) - psi1(1/alpha)) / alpha**2 + mu / u``.
    """
    u = 1.0 + alpha * mu
    size = 1.0 / alpha
    g = special.digamma(size) - special.digamma(y + size) + np.log(u)
    g_prime = (special.polygamma(1, y + size) - special.polygamma(1, size)) / alpha**2 + mu / u
    d2_alpha = g_prime / alpha**2 - 2.0 * g / alpha**3 - (y - mu) * (1.0 + 2.0 * alpha * mu) / (alpha * u) ** 2
    cross = mu * (y - mu) / u**2
    p = matrix.shape[1] + 1
    observed = np.empty((p + 1, p + 1))
    observed[:p, :p] = information(matrix, mu * (1.0 + alpha * y) / u**2)
    cross_beta = np.r_[cross.sum(), matrix.transpose_matvec(cross)] if p > 1 else np.array([cross.sum()])
    observed[:p, p] = observed[p, :p] = cross_beta
    observed[p, p] = -float(np.sum(d2_alpha))
    try:
        return np.linalg.inv(observed)
    except np.linalg.LinAlgError:
        raise ModelError(SINGULAR) from None


@dataclass
class NegativeBinomialFit:
    """An NB2 frequency model on a Poisson model's design, and its comparison with the Poisson fit.

    Attributes
    ----------
    params_ : Series
        Intercept, coefficients (named as the Poisson model's) and ``alpha``.
    cov_params_ : DataFrame
        Inverse observed information of ``params_``.
    alpha_ : float
        NB2 dispersion: ``Var(N) = mu + alpha mu**2``.
    loglik_, aic_, bic_ : float
        Log-likelihood and information criteria (``alpha`` counted as a parameter).
    n_obs_ : int
        Rows.
    comparison : DataFrame
        ``loglik``, ``parameters``, ``aic``, ``bic`` of the Poisson and NB2 fits.
    overdispersion_test : dict
        ``lr_stat`` (``2 (l_NB - l_Poisson)``), ``df`` (1) and ``p_value``
        from the boundary mixture ``0.5 chi2(0) + 0.5 chi2(1)``.
    at_boundary : bool
        True when the maximum is at ``alpha = 0`` (the counts are not
        overdispersed: the score in ``alpha`` at the Poisson fit is <= 0); the
        fit is then the Poisson one, ``alpha``'s variance NaN and ``p_value`` 1.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"area": rng.choice(["a", "b"], 2_000)})
    >>> claims = rng.poisson(np.where(X["area"] == "b", 0.4, 0.2))  # Poisson: no overdispersion
    >>> fit = negative_binomial(FrequencyGLM(["area"]).fit(X, claims), X, claims)
    >>> bool(fit.overdispersion_test["p_value"] > 0.05), fit.comparison["aic"].idxmin()
    (True, 'Poisson')
    """

    params_: pd.Series
    cov_params_: pd.DataFrame
    alpha_: float
    loglik_: float
    aic_: float
    bic_: float
    n_obs_: int
    comparison: pd.DataFrame
    overdispersion_test: dict[str, Any]
    at_boundary: bool

    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficients (and alpha) with standard errors, z, p-values and Wald intervals.

        Parameters
        ----------
        level : float, default 0.95
            Coverage of the intervals.

        Returns
        -------
        DataFrame
            Indexed by name: ``coef``, ``std_err``, ``z``, ``p_value``,
            ``ci_lower``, ``ci_upper``, ``relativity`` (``exp(coef)``; NaN for alpha).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame({"area": rng.choice(["a", "b"], 2_000)})
        >>> claims = rng.poisson(rng.gamma(2.0, 0.5, 2_000) * 0.3)
        >>> fit = negative_binomial(FrequencyGLM(["area"]).fit(X, claims), X, claims)
        >>> list(fit.coef_table().index)
        ['(intercept)', 'area[a]', 'alpha']
        """
        if not 0 < level < 1:
            raise ParameterError(f"level must be in (0, 1), got {level!r}")
        se = np.sqrt(np.diag(self.cov_params_.to_numpy()))
        half = stats.norm.ppf(0.5 + level / 2) * se
        table = pd.DataFrame({"coef": self.params_.to_numpy(), "std_err": se}, index=self.params_.index)
        table["z"] = table["coef"] / table["std_err"]
        table["p_value"] = 2 * stats.norm.sf(np.abs(table["z"]))
        table["ci_lower"], table["ci_upper"] = table["coef"] - half, table["coef"] + half
        table["relativity"] = np.where(table.index == "alpha", np.nan, np.exp(table["coef"]))
        return table

    def _test_text(self) -> str:
        t = self.overdispersion_test
        return f"alpha = {self.alpha_:.4g}; LR = {t['lr_stat']:.4g}, p = {t['p_value']:.3g} (half chi2(1), boundary)"

    def __repr__(self) -> str:
        title = "NB2 frequency vs Poisson"
        return f"{title}\n{'=' * len(title)}\n{self._test_text()}\n\n{self.comparison.to_string()}\n\n{self.coef_table().to_string()}"

    def _repr_html_(self) -> str:
        return (
            f"<h4>NB2 frequency vs Poisson</h4><p>{self._test_text()}</p>"
            + self.comparison.to_html(float_format=lambda v: f"{v:.6g}")
            + self.coef_table().to_html(float_format=lambda v: f"{v:.4g}", na_rep="")
        )
