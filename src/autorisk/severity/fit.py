"""Maximum-likelihood fit of one claim-size family, with deductibles and limits in the likelihood."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ModelError, ParameterError
from autorisk.severity.families import family
from autorisk.severity.likelihood import claims_table, hessian, log_likelihood, maximise

__all__ = ["SeverityFit"]


class SeverityFit:
    """Fit a claim-size distribution by maximum likelihood, allowing for deductibles and limits.

    Losses below a claim's deductible are unseen (left truncation) and losses
    above its limit are known only to exceed it (right censoring); see
    :mod:`autorisk.severity.likelihood`. Standard errors come from the
    observed information (the numerical Hessian) on the working scale (logs of
    positive parameters) and are carried to the natural parameters by the
    delta method.

    Parameters
    ----------
    family : {"lognormal", "gamma", "weibull", "pareto", "gpd"}, default "lognormal"
        The family (see :mod:`autorisk.severity.families`; "pareto" is the
        two-parameter Pareto / Lomax).
    threshold : float, default 0.0
        For "gpd": the threshold ``t`` the excesses are measured from; only
        amounts above it are fitted, as if truncated there. Must be 0 for the
        other families.

    Attributes
    ----------
    params_ : pandas.Series
        Natural parameter estimates.
    std_err_ : pandas.Series
        Their standard errors (delta method from the working scale).
    theta_ : ndarray
        Working parameter estimates; ``cov_`` is their covariance matrix.
    loglik_, aic_, bic_ : float
        Maximised log-likelihood, ``2p - 2 loglik`` and ``p log n - 2 loglik``.
    n_claims_, n_censored_ : int
        Claims fitted and how many were censored.
    distribution_ : frozen scipy.stats distribution
        The fitted ground-up distribution; ``limit_factor``,
        ``deductible_factor`` and ``limited_expected_value`` take it directly.

    Examples
    --------
    >>> from scipy import stats
    >>> amounts = stats.lognorm(1.2, scale=2000.0).rvs(2000, random_state=1)
    >>> fit = SeverityFit("lognormal").fit(np.minimum(amounts, 20_000.0), limit=20_000.0)
    >>> fit.n_censored_, fit.params_.round(2).tolist()
    (58, [7.64, 1.21])
    >>> fit.std_err_.round(3).tolist()
    [0.027, 0.02]
    """

    def __init__(self, family: str = "lognormal", *, threshold: float = 0.0) -> None:
        self.family = family
        self.threshold = threshold

    def fit(
        self,
        amounts: Any,
        *,
        deductible: Any = 0.0,
        limit: Any = np.inf,
        censored: Any = None,
        weights: Any = None,
        upper: float = np.inf,
    ) -> SeverityFit:
        """Fit the family to the claim amounts.

        Parameters
        ----------
        amounts : array-like of float
            Ground-up loss amounts ``> 0`` (payment plus deductible); a
            censored claim's amount is its limit.
        deductible : float or array-like of float, default 0.0
            Each claim's deductible (left truncation point).
        limit : float or array-like of float, default inf
            Each claim's limit on the ground-up amount (right censoring point).
        censored : array-like of bool, optional
            Censoring flags; by default an amount at its limit is censored.
        weights : array-like of float, optional
            Weights of the claims' contributions to the likelihood.
        upper : float, default inf
            Truncation point from above shared by all claims (the body of a spliced model).

        Returns
        -------
        SeverityFit
            ``self``, fitted.

        Raises
        ------
        ParameterError
            An unknown family or a bad threshold.
        DataError
            Bad amounts, deductibles, limits or weights (naming field, values and rows).
        ModelError
            The likelihood cannot be maximised.

        Examples
        --------
        >>> SeverityFit("gamma").fit([100.0, 250.0, 900.0]).params_.round(2).tolist()
        [1.43, 291.75]
        """
        spec = family(self.family)
        threshold = _threshold(self.threshold, self.family)
        if threshold > 0:
            amounts, deductible, limit, censored, weights = _above(
                threshold, amounts, deductible, limit, censored, weights
            )
        data = claims_table(
            amounts, deductible=deductible, limit=limit, censored=censored, weights=weights, upper=upper
        )  # fmt: skip
        start = spec.start(data.amounts, threshold)
        theta = maximise(spec, data, start, threshold)
        information = -hessian(spec, theta, data, threshold)
        try:
            cov = np.linalg.inv(information)
        except np.linalg.LinAlgError:
            raise ModelError(
                f"the observed information of the {spec.name} fit is singular: "
                "its parameters are not identified by these claims"
            ) from None
        natural = spec.natural(theta)
        working_se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        self.family_ = spec
        self.theta_ = theta
        self.cov_ = cov
        self.params_ = pd.Series(natural, index=list(spec.parameters), name="estimate")
        self.std_err_ = pd.Series(
            np.where(spec.logged, natural * working_se, working_se), index=self.params_.index, name="std_err"
        )  # fmt: skip
        self.loglik_ = log_likelihood(spec, theta, data, threshold)
        p, n = theta.size, data.n
        self.aic_ = 2 * p - 2 * self.loglik_
        self.bic_ = p * np.log(n) - 2 * self.loglik_
        self.n_claims_ = n
        self.n_censored_ = int(data.censored.sum())
        self.distribution_ = spec.distribution(theta, threshold)
        return self

    def summary(self) -> pd.DataFrame:
        """The parameter table: estimate and standard error, natural and on the working scale.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter: ``estimate``, ``std_err``, ``scale``
            ("log" or "identity"), ``working``, ``working_std_err``.

        Examples
        --------
        >>> fit = SeverityFit("weibull").fit([120.0, 340.0, 560.0, 900.0, 2200.0])
        >>> fit.summary()["scale"].tolist()
        ['log', 'log']
        """
        self._check_fitted()
        return pd.DataFrame(
            {
                "estimate": self.params_,
                "std_err": self.std_err_,
                "scale": ["log" if lg else "identity" for lg in self.family_.logged],
                "working": self.theta_,
                "working_std_err": np.sqrt(np.clip(np.diag(self.cov_), 0.0, None)),
            }
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ModelError("this SeverityFit is not fitted yet: call fit first")

    def _heading(self) -> str:
        where = f" above {self.threshold:,.0f}" if self.family_.name == "gpd" else ""
        return (
            f"{self.family_.name} severity{where}: {self.n_claims_:,} claims ({self.n_censored_:,} censored), "
            f"log-likelihood {self.loglik_:,.2f}, AIC {self.aic_:,.2f}, BIC {self.bic_:,.2f}"
        )

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"SeverityFit(family={self.family!r}, threshold={self.threshold!r})"
        return f"{self._heading()}\n{self.summary().to_string()}"

    def _repr_html_(self) -> str:
        if not hasattr(self, "params_"):
            return f"<pre>{html.escape(repr(self))}</pre>"
        return f"<p>{html.escape(self._heading())}</p>{self.summary().to_html()}"


def _threshold(value: Any, name: str) -> float:
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"threshold must be a number, got {value!r}") from None
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ParameterError(f"threshold must be finite and >= 0, got {value!r}")
    if threshold > 0 and name != "gpd":
        raise ParameterError(f"threshold applies to family 'gpd' only, got {threshold!r} for {name!r}")
    return threshold


def _above(threshold: float, amounts: Any, deductible: Any, limit: Any, censored: Any, weights: Any):
    """The claims above the threshold, each truncated at the larger of its deductible and the threshold."""
    x = np.asarray(amounts, dtype=float).ravel()
    keep = x > threshold
    if not keep.any():
        raise ModelError(f"no claim amount exceeds the threshold {threshold!r}")

    def pick(values: Any) -> Any:
        array = np.asarray(values)
        return array if array.ndim == 0 else array.ravel()[keep]

    deductibles = np.maximum(np.asarray(pick(deductible), dtype=float), threshold)
    return (x[keep], deductibles, pick(limit), None if censored is None else pick(censored),
            None if weights is None else pick(weights))  # fmt: skip
