"""A spliced severity: a body distribution below a threshold and a generalised Pareto tail above it.

The density is ``p f_b(x) / F_b(t)`` for ``x <= t`` and ``(1 - p) g(x)``
above, where ``f_b`` is the body family (fitted to the claims at or below
``t`` as a sample truncated from above at ``t``), ``g`` the GPD of the
excesses over ``t`` and ``p`` the share of claims at or below ``t``. The
threshold is a choice: read it off where the mean excess turns linear
(:func:`~autorisk.severity.mean_excess_plot`) and where the fitted GPD shape
stops drifting (:func:`gpd_stability`).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from autorisk.errors import ModelError, ParameterError
from autorisk.severity.fit import SeverityFit
from autorisk.severity.likelihood import claims_table

__all__ = ["SplicedFit", "gpd_stability", "spliced_distribution"]


def gpd_stability(amounts: Any, thresholds: Any, *, limit: Any = np.inf, censored: Any = None) -> pd.DataFrame:
    """The GPD fitted above each candidate threshold: its shape should settle once the tail is reached.

    Above a threshold where the GPD holds, the shape ``xi`` stays the same
    and the modified scale ``sigma - xi u`` too; below it they drift.

    Parameters
    ----------
    amounts : array-like of float
        Ground-up claim amounts.
    thresholds : array-like of float
        Candidate thresholds.
    limit, censored
        As in :meth:`SeverityFit.fit`.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``threshold``, ``n_excess``, ``xi``,
        ``xi_std_err``, ``sigma``, ``modified_scale`` (``sigma - xi u``).
        Thresholds with fewer than 10 excesses get NaN.

    Examples
    --------
    >>> x = stats.genpareto(0.4, scale=1000.0).rvs(20_000, random_state=0)
    >>> gpd_stability(x, [500.0, 2000.0])[["threshold", "xi"]].round(2)
       threshold    xi
    0      500.0  0.41
    1     2000.0  0.41
    """
    x = claims_table(amounts).amounts
    rows = []
    for u in np.atleast_1d(np.asarray(thresholds, dtype=float)):
        n = int((x > u).sum())
        row = {"threshold": u, "n_excess": n, "xi": np.nan, "xi_std_err": np.nan, "sigma": np.nan}
        if n >= 10:
            fit = SeverityFit("gpd", threshold=u).fit(x, limit=limit, censored=censored)
            row.update(xi=fit.params_["xi"], xi_std_err=fit.std_err_["xi"], sigma=fit.params_["sigma"])
        rows.append(row)
    table = pd.DataFrame(rows)
    table["modified_scale"] = table["sigma"] - table["xi"] * table["threshold"]
    return table


class _Spliced(stats.rv_continuous):
    """A body below ``threshold`` (weight ``weight``) and a tail above it, as a scipy distribution."""

    def __init__(self, body: Any = None, tail: Any = None, threshold: float = 0.0,
                 weight: float = 1.0, **kwargs: Any) -> None:  # fmt: skip
        kwargs.setdefault("a", 0.0)
        kwargs.setdefault("b", float(tail.support()[1]) if tail is not None else np.inf)
        kwargs.setdefault("name", "spliced")
        super().__init__(**kwargs)
        self.body, self.tail, self.threshold, self.weight = body, tail, threshold, weight
        self._body_mass = float(body.cdf(threshold)) if body is not None else 1.0

    def _updated_ctor_param(self) -> dict[str, Any]:
        # scipy re-creates the distribution from these when it freezes it
        params = super()._updated_ctor_param()
        params.update(body=self.body, tail=self.tail, threshold=self.threshold, weight=self.weight)
        return params

    def _pdf(self, x: np.ndarray) -> np.ndarray:
        below = self.weight * self.body.pdf(x) / self._body_mass
        return np.where(x <= self.threshold, below, (1 - self.weight) * self.tail.pdf(x))

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        below = self.weight * np.minimum(self.body.cdf(x) / self._body_mass, 1.0)
        above = self.weight + (1 - self.weight) * self.tail.cdf(x)
        return np.where(x <= self.threshold, below, above)

    def _sf(self, x: np.ndarray) -> np.ndarray:
        below = 1 - self.weight * np.minimum(self.body.cdf(x) / self._body_mass, 1.0)
        return np.where(x <= self.threshold, below, (1 - self.weight) * self.tail.sf(x))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            below = self.body.ppf(np.minimum(q / self.weight, 1.0) * self._body_mass)
            above = self.tail.ppf(np.clip((q - self.weight) / (1 - self.weight), 0.0, 1.0))
        return np.where(q <= self.weight, below, above)

    def _isf(self, w: np.ndarray) -> np.ndarray:
        # The tail's own isf keeps its accuracy for tiny survival probabilities.
        with np.errstate(invalid="ignore", divide="ignore"):
            below = self.body.ppf(np.clip((1 - w) / self.weight, 0.0, 1.0) * self._body_mass)
            above = self.tail.isf(np.minimum(w / (1 - self.weight), 1.0))
        return np.where(w >= 1 - self.weight, below, above)

    def _munp(self, n: int) -> float:
        body = self.body.expect(lambda x: x**n, lb=0.0, ub=self.threshold, conditional=True)
        return float(self.weight * body + (1 - self.weight) * self.tail.moment(n))


def spliced_distribution(body: Any, tail: Any, threshold: float, weight: float) -> Any:
    """A frozen scipy distribution: ``body`` below ``threshold`` with probability ``weight``, ``tail`` above.

    Parameters
    ----------
    body : frozen scipy.stats distribution
        The body, renormalised to ``[0, threshold]``.
    tail : frozen scipy.stats distribution
        The tail, with support from ``threshold`` up (e.g. a GPD with ``loc=threshold``).
    threshold : float
        The splice point ``t > 0``.
    weight : float
        ``P(X <= t)``, in ``(0, 1)``.

    Returns
    -------
    frozen scipy.stats distribution
        With ``pdf``, ``cdf``, ``sf``, ``ppf``, ``isf``, ``mean`` and ``moment``.

    Examples
    --------
    >>> dist = spliced_distribution(stats.expon(scale=100.0), stats.genpareto(0.3, loc=200.0, scale=150.0),
    ...                             200.0, 0.8)
    >>> float(dist.cdf(200.0)), round(float(dist.ppf(0.9)), 2)
    (0.8, 315.57)
    """
    if not (np.isfinite(threshold) and threshold > 0):
        raise ParameterError(f"threshold must be finite and > 0, got {threshold!r}")
    if not 0 < weight < 1:
        raise ParameterError(f"weight must be in (0, 1), got {weight!r}")
    return _Spliced(body=body, tail=tail, threshold=float(threshold), weight=float(weight))()


class SplicedFit:
    """Fit a body family below a threshold and a generalised Pareto tail above it.

    The body is fitted by maximum likelihood to the claims at or below the
    threshold, truncated from above there; the tail is a GPD fitted to the
    excesses (with censoring at limits, e.g. policy limits above the
    threshold); the weight is the claims' share at or below the threshold.
    Deductibles are not supported: fit ground-up or from-the-first-unit claims.

    Parameters
    ----------
    body : str, default "lognormal"
        The body family (one of :data:`~autorisk.severity.FAMILIES` but "gpd").
    threshold : float, default 0.0
        The splice point ``t > 0`` (required: 0 is refused at fit time).

    Attributes
    ----------
    body_, tail_ : SeverityFit
        The body's and the tail's fits.
    weight_ : float
        ``P(X <= t)``: the (weighted) share of claims at or below the threshold.
    loglik_, aic_, bic_ : float
        Of the whole spliced model (the weight counts as a parameter).
    distribution_ : frozen scipy.stats distribution
        The spliced distribution (see :func:`spliced_distribution`).

    Examples
    --------
    >>> x = stats.lognorm(1.2, scale=1500.0).rvs(5000, random_state=0)
    >>> fit = SplicedFit("lognormal", threshold=10_000.0).fit(x)
    >>> round(fit.weight_, 4), round(float(fit.distribution_.cdf(10_000.0)), 4)
    (0.9456, 0.9456)
    """

    def __init__(self, body: str = "lognormal", *, threshold: float = 0.0) -> None:
        self.body = body
        self.threshold = threshold

    def fit(self, amounts: Any, *, limit: Any = np.inf, censored: Any = None, weights: Any = None) -> SplicedFit:
        """Fit the body and the tail.

        Parameters
        ----------
        amounts : array-like of float
            Ground-up claim amounts ``> 0``.
        limit : float or array-like of float, default inf
            Limits on the amounts: claims at their limit are censored; every
            censored amount must lie above the threshold.
        censored : array-like of bool, optional
            Censoring flags (default: amount at its limit).
        weights : array-like of float, optional
            Claim weights.

        Returns
        -------
        SplicedFit
            ``self``, fitted.

        Raises
        ------
        ParameterError
            A body of "gpd", a threshold that is not positive, or a censored
            amount at or below the threshold.
        ModelError
            No claim on one side of the threshold.

        Examples
        --------
        >>> x = stats.lognorm(1.0, scale=1000.0).rvs(2000, random_state=1)
        >>> SplicedFit(threshold=5000.0).fit(x).tail_.n_claims_
        126
        """
        if self.body == "gpd":
            raise ParameterError("body must be a family other than 'gpd'")
        t = float(self.threshold)
        if not (np.isfinite(t) and t > 0):
            raise ParameterError(f"threshold must be finite and > 0, got {self.threshold!r}")
        data = claims_table(amounts, limit=limit, censored=censored, weights=weights)
        low = data.amounts <= t
        if (data.censored & low).any():
            raise ParameterError(
                f"censored amounts must lie above the threshold {t!r}; got "
                f"{data.amounts[data.censored & low][:5].tolist()}"
            )
        if low.all() or not low.any():
            raise ModelError(f"the threshold {t!r} must have claims on both sides")
        self.body_ = SeverityFit(self.body).fit(data.amounts[low], weights=data.weights[low], upper=t)
        self.tail_ = SeverityFit("gpd", threshold=t).fit(
            data.amounts, limit=data.limits, censored=data.censored, weights=data.weights
        )
        w_low, w_all = data.weights[low].sum(), data.weights.sum()
        self.weight_ = float(w_low / w_all)
        binomial = w_low * np.log(self.weight_) + (w_all - w_low) * np.log1p(-self.weight_)
        self.loglik_ = self.body_.loglik_ + self.tail_.loglik_ + float(binomial)
        p = self.body_.theta_.size + self.tail_.theta_.size + 1
        self.aic_ = 2 * p - 2 * self.loglik_
        self.bic_ = p * np.log(data.n) - 2 * self.loglik_
        self.distribution_ = spliced_distribution(
            self.body_.distribution_, self.tail_.distribution_, t, self.weight_
        )
        return self

    def summary(self) -> pd.DataFrame:
        """Parameters of the body and the tail, and the weight.

        Returns
        -------
        pandas.DataFrame
            Indexed by (part, parameter): ``estimate``, ``std_err``.

        Examples
        --------
        >>> x = stats.lognorm(1.0, scale=1000.0).rvs(2000, random_state=1)
        >>> SplicedFit(threshold=5000.0).fit(x).summary().index.tolist()[-1]
        ('splice', 'weight')
        """
        if not hasattr(self, "weight_"):
            raise ModelError("this SplicedFit is not fitted yet: call fit first")
        n = self.body_.n_claims_ + self.tail_.n_claims_
        weight = pd.DataFrame({"estimate": [self.weight_],
                               "std_err": [np.sqrt(self.weight_ * (1 - self.weight_) / n)]},
                              index=[("splice", "weight")])  # fmt: skip
        parts = [
            fit.summary()[["estimate", "std_err"]].set_axis([(part, k) for k in fit.params_.index])
            for part, fit in (("body", self.body_), ("tail", self.tail_))
        ]
        table = pd.concat([*parts, weight])
        table.index = pd.MultiIndex.from_tuples(table.index, names=["part", "parameter"])
        return table

    def _heading(self) -> str:
        return (f"spliced severity: {self.body} body, GPD tail above {self.threshold:,.0f} "
                f"(weight below {self.weight_:.4f}); log-likelihood {self.loglik_:,.2f}, AIC {self.aic_:,.2f}")  # fmt: skip

    def __repr__(self) -> str:
        if not hasattr(self, "weight_"):
            return f"SplicedFit(body={self.body!r}, threshold={self.threshold!r})"
        return f"{self._heading()}\n{self.summary().to_string()}"

    def _repr_html_(self) -> str:
        if not hasattr(self, "weight_"):
            return f"<pre>{html.escape(repr(self))}</pre>"
        return f"<p>{html.escape(self._heading())}</p>{self.summary().to_html()}"
