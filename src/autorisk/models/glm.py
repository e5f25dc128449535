"""GLM estimators for pricing: frequency (Poisson), severity (Gamma), pure premium (Tweedie).

One private engine, :class:`_PricingGLM`, does the work (design, fit,
inference); the public classes differ only in their family and in how the
response and exposure enter. Coefficients are fitted by glum (IRLS on a
tabmat design, categorical factors kept sparse); standard errors use the
expected information ``dispersion * (X'WX)^-1`` exactly as statsmodels does.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import glum
import numpy as np
import pandas as pd
import tabmat
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from autorisk.data.arrays import exposure_column, numeric_column
from autorisk.errors import DataError, DataIssue, ModelError, ParameterError
from autorisk.models.design import Design
from autorisk.models.families import (
    GAMMA,
    INVERSE_GAUSSIAN,
    POISSON,
    QUASI_POISSON,
    Family,
    tweedie,
)
from autorisk.models.glm_numerics import SINGULAR as _SINGULAR
from autorisk.models.glm_numerics import intercept_only_mean as _intercept_only_mean
from autorisk.models.glm_numerics import inverse_information as _inverse_information
from autorisk.models.glm_numerics import null_mean as _null_mean
from autorisk.models.glm_numerics import polish as _polish
from autorisk.models.glm_numerics import tabmat_design as _tabmat
from autorisk.models.glm_results import GLMResults

INTERCEPT = "(intercept)"
#: A standard error above this (on the log scale) means the data cannot pin the coefficient down.
INESTIMABLE_STD_ERR = 100.0
#: IRLS also stops when a step moves the coefficients by less than this (L2 norm,
#: sqrt of machine epsilon): on large data glum's gradient stalls at a round-off
#: floor (about 1e-8 at 1M rows) and it would otherwise run to ``max_iter``.
_STEP_SIZE_TOL = float(np.sqrt(np.finfo(float).eps))
#: How ``dispersion=`` estimates an estimated dispersion: Pearson's chi-square or the
#: deviance over the residual degrees of freedom, or maximum likelihood.
DISPERSION_METHODS = ("pearson", "deviance", "ml")


class _PricingGLM(GLMResults, RegressorMixin, BaseEstimator):
    """Shared engine of the pricing GLMs; use a public subclass.

    Fitting and prediction are here; what is read off a fitted model (tables,
    tests, summary) and saving it come from :class:`~autorisk.models.glm_results.GLMResults`.
    """

    #: True when exposure enters as a log offset; False when the response is a
    #: rate per unit of exposure weighted by exposure (Tweedie).
    _exposure_as_offset: ClassVar[bool] = True

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        splines: Mapping[str, int] | None = None,
        interactions: Sequence[tuple[str, str]] | None = None,
        groups: Mapping[str, Mapping[Any, Any]] | None = None,
        restrict: Mapping[str, Mapping[Any, float]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        self.factors = factors
        self.base_levels = base_levels
        self.bands = bands
        self.n_bands = n_bands
        self.splines = splines
        self.interactions = interactions
        self.groups = groups
        self.restrict = restrict
        self.unseen = unseen
        self.missing = missing
        self.dispersion = dispersion
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------ to override
    def _family(self) -> Family:
        raise NotImplementedError

    # -------------------------------------------------------------- fitting
    def _fit(self, X: pd.DataFrame, y: Any, weights: np.ndarray, exposure: np.ndarray) -> _PricingGLM:
        """Fit on response ``y`` (count, severity or amount) with prior weights and exposure."""
        family = self._family()
        self._check_dispersion(family)
        restricted = dict(self.restrict or {})
        factors = list(self.factors) if self.factors is not None else [c for c in X.columns if c not in restricted]
        overlap = set(factors) & set(restricted)
        if overlap:
            raise ParameterError(f"restricted factors are fitted as offsets, not as factors: {sorted(overlap)}")
        X = self._grouped(X)
        level_weights = weights * exposure
        response, weights, offset = self._response(y, weights, exposure, X)
        self.design_ = Design(
            factors,
            base_levels=self.base_levels,
            bands=self.bands,
            n_bands=self.n_bands,
            splines=self.splines,
            interactions=self.interactions,
            unseen=self.unseen,
            missing=self.missing,
        ).fit(X, exposure=level_weights, response=response * weights)
        self.restricted_exposure_ = {
            factor: pd.Series(level_weights, index=X.index).groupby(X[factor].astype(object)).sum().to_dict()
            for factor in restricted
        }
        frame = self.design_.transform(X)
        if np.all(response == response[0]):
            # glum refuses such data with a bare ValueError ("No variation in `y`")
            raise ModelError(f"the response has no variation (every value is {response[0]:g}); nothing to estimate")
        if frame.shape[1] == 0:
            return self._fit_intercept_only(X, family, response, weights, offset)
        matrix = _tabmat(frame)
        engine = glum.GeneralizedLinearRegressor(
            family=family.glum_family,
            link="log",
            alpha=0,
            drop_first=True,
            gradient_tol=self.tol,
            step_size_tol=_STEP_SIZE_TOL,
            max_iter=self.max_iter,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            try:
                engine.fit(matrix, response, sample_weight=weights, offset=offset)
            except np.linalg.LinAlgError:
                raise ModelError(_SINGULAR) from None
        if engine.n_iter_ >= self.max_iter:
            warnings.warn(f"GLM did not converge in {self.max_iter} iterations", UserWarning, stacklevel=3)
        names = self.design_.coef_names
        beta = _polish(matrix, family, response, weights, offset, np.r_[engine.intercept_, engine.coef_])
        self.params_ = pd.Series(beta, index=[INTERCEPT, *names], name="coef")
        self.intercept_ = float(beta[0])
        self.coef_ = beta[1:]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.family_ = family
        self.n_iter_ = int(engine.n_iter_)

        eta = self.intercept_ + matrix.matvec(self.coef_) + (0.0 if offset is None else offset)
        mu = np.exp(eta)
        self._fit_statistics(response, mu, weights, offset, matrix)
        return self

    def _fit_intercept_only(self, X, family, response, weights, offset) -> _PricingGLM:
        """No factor to fit (none given, or all restricted): the intercept has a closed form."""
        mu = _null_mean(family, response, weights, offset)
        self.intercept_ = float(np.log(mu[0]) - (0.0 if offset is None else offset[0]))
        self.coef_ = np.zeros(0)
        self.params_ = pd.Series([self.intercept_], index=[INTERCEPT], name="coef")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.family_ = family
        self.n_iter_ = 0
        self._fit_statistics(response, mu, weights, offset, tabmat.DenseMatrix(np.zeros((len(response), 0))))
        return self

    def _response(self, y, weights, exposure, X):
        """Response, prior weights and offset the engine fits."""
        offset = self._restricted_offset(X)
        exposure = exposure_column(exposure, X.index, positive=True)
        if self._exposure_as_offset:
            return y, weights, np.log(exposure) + (0.0 if offset is None else offset)
        return y / exposure, weights * exposure, offset

    def _fit_statistics(self, response, mu, weights, offset, matrix) -> None:
        family = self.family_
        n, p = len(response), len(self.params_)
        self.n_obs_ = n
        self.df_resid_ = n - p
        self.deviance_ = family.deviance(response, mu, weights)
        self.null_deviance_ = family.deviance(response, _null_mean(family, response, weights, offset), weights)
        self.pearson_chi2_ = family.pearson_chi2(response, mu, weights)
        self.dispersion_ = self._dispersion(family, response, mu, weights)
        self.loglik_ = family.loglik(response, mu, weights, self.dispersion_)
        self.aic_ = -2 * self.loglik_ + 2 * p
        self.bic_ = -2 * self.loglik_ + p * np.log(n)
        self.cov_params_ = pd.DataFrame(
            self.dispersion_ * _inverse_information(matrix, family.working_weights(mu, weights)),
            index=self.params_.index,
            columns=self.params_.index,
        )
        self._warn_inestimable()

    def _dispersion(self, family: Family, response, mu, weights) -> float:
        """The dispersion by the method ``self.dispersion`` (1 when the family fixes it)."""
        if family.fixed_dispersion:
            return 1.0
        if self.dispersion == "pearson":
            return self.pearson_chi2_ / self.df_resid_
        if self.dispersion == "deviance":
            return self.deviance_ / self.df_resid_
        return family.ml_dispersion(response, mu, weights, start=self.pearson_chi2_ / max(self.df_resid_, 1))

    def _check_dispersion(self, family: Family) -> None:
        if self.dispersion not in DISPERSION_METHODS:
            raise ParameterError(f"dispersion must be one of {DISPERSION_METHODS}, got {self.dispersion!r}")
        if family.fixed_dispersion and self.dispersion != "pearson":
            raise ParameterError(
                f"dispersion={self.dispersion!r} needs an estimated dispersion: the {family.name} dispersion is 1 "
                "by definition (overdispersion='quasi' estimates it)"
            )
        if self.dispersion == "ml" and family.name == "quasi_poisson":
            raise ParameterError(
                "dispersion='ml' needs a likelihood, which quasi-Poisson does not have; use 'pearson' or 'deviance'"
            )

    def _warn_inestimable(self) -> None:
        """Flag level coefficients driven towards infinity: typically a level with no claims.

        Only 0/1 level columns are checked: for them a standard error is on
        the log-relativity scale; numeric and spline columns have their own units.
        """
        levels = [
            name
            for term in self.design_.terms
            if term.is_categorical or (term.kind == "interaction" and term.pairs)
            for name in term.coef_names
        ]
        se = pd.Series(np.sqrt(np.diag(self.cov_params_.to_numpy())), index=self.params_.index)[levels]
        inestimable = se.index[(se > INESTIMABLE_STD_ERR) | (self.params_[levels].abs() > 20)]
        if len(inestimable):
            warnings.warn(
                f"coefficients {list(inestimable)} are not estimable (standard error > {INESTIMABLE_STD_ERR:g}): "
                "their levels probably have no claims; group them with a neighbouring level",
                UserWarning,
                stacklevel=5,
            )

    def _grouped(self, X: pd.DataFrame) -> pd.DataFrame:
        """Apply level groupings ``{factor: {level: group}}`` (unmapped levels stay)."""
        if not self.groups:
            return X
        X = X.copy()
        for factor, mapping in self.groups.items():
            values = X[factor].astype(object)
            X[factor] = values.map(lambda v, m=mapping: m.get(v, v)).astype("category")
        return X

    def _restricted_offset(self, X: pd.DataFrame) -> np.ndarray | None:
        """Log of the fixed relativities of restricted factors, summed per row."""
        if not self.restrict:
            return None
        return np.sum(list(self._restricted_logs(X).values()), axis=0)

    def _restricted_logs(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        """Log of each restricted factor's fixed relativity per row."""
        logs = {}
        for factor, relativities in (self.restrict or {}).items():
            if factor not in X.columns:
                raise DataError(DataIssue(factor, "missing column", "the restricted factor's column"))
            values = X[factor].astype(object)
            mapped = values.map(dict(relativities)).to_numpy(dtype=float, na_value=np.nan)
            bad = ~np.isfinite(mapped) | (mapped <= 0)
            if bad.any():
                raise DataError(
                    DataIssue.from_mask(
                        factor, "no restricted relativity", f"a level among {list(relativities)} with relativity > 0",
                        bad, X.index, values,
                    )
                )
            logs[factor] = np.log(mapped)
        return logs

    # ----------------------------------------------------------- prediction
    def _linear_predictor(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "params_")
        X = self._grouped(X)
        frame = self.design_.transform(X)
        eta = self.intercept_ + _tabmat(frame).matvec(self.coef_) if len(self.coef_) else np.full(len(X), self.intercept_)
        offset = self._restricted_offset(X)
        return eta if offset is None else eta + offset

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each term's additive share of the log prediction (per unit of exposure), row by row.

        The GLM counterpart of ``FrequencyGBM.contributions``: exact, as the
        linear predictor is a sum of terms.

        Returns
        -------
        DataFrame
            Indexed like ``X``: one column per term (a main effect by its
            factor name, an interaction as ``"a:b"``, a restricted factor by
            its name, holding the log of its fixed relativity) plus
            ``"bias"``, the intercept. A categorical term is its level's
            coefficient (0 at the base level). Each row sums to
            ``log(predict(X))`` up to rounding.
        """
        check_is_fitted(self, "params_")
        X = self._grouped(X)
        frame = self.design_.transform(X)
        parts: dict[str, np.ndarray] = {}
        for term in self.design_.terms:
            coefs = self.params_[list(term.coef_names)].to_numpy(dtype=float)
            if term.is_categorical:  # one column of base-first codes: the base level's coefficient is 0
                parts[term.name] = np.r_[0.0, coefs][frame[term.name].cat.codes.to_numpy()]
            else:  # numeric, spline and interaction terms are float columns named by their coefficients
                parts[term.name] = frame[list(term.coef_names)].to_numpy(dtype=float) @ coefs
        parts.update(self._restricted_logs(X))
        parts["bias"] = np.full(len(X), self.intercept_)
        return pd.DataFrame(parts, index=X.index)

    def predict(self, X: pd.DataFrame, exposure: Any = None) -> np.ndarray:
        """Expected value per row: ``exposure * exp(X beta)`` (exposure defaults to 1)."""
        mu = np.exp(self._linear_predictor(X))
        return mu if exposure is None else mu * exposure_column(exposure, X.index)

    def score(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> float:
        """D^2: the fraction of the null deviance explained on (X, y).

        The null model is the one ``summary()`` reports: only an intercept is
        fitted, with every offset of the model kept (the exposure and the
        fixed relativities of restricted factors), so a restricted factor is
        not credited to the model. On the training data ``score`` equals the
        summary's ``D^2``.
        """
        check_is_fitted(self, "params_")
        eta = self._linear_predictor(X)
        n = len(eta)
        weights = np.ones(n) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
        y = numeric_column(y, X.index, "y")
        e = exposure_column(exposure, X.index)
        restricted = self._restricted_offset(self._grouped(X))
        base = np.ones(n) if restricted is None else np.exp(restricted)  # offsets of the null model, exp scale
        if self._exposure_as_offset:
            mu, base = np.exp(eta) * e, base * e
        else:  # a rate per unit of exposure, weighted by exposure, as at fit
            y, mu, weights = y / e, np.exp(eta), weights * e
        family = self.family_
        null = _intercept_only_mean(family, y, weights, base)
        return 1.0 - family.deviance(y, mu, weights) / family.deviance(y, null, weights)


_SHARED_PARAMETERS = """
    factors : list of str, optional
        Rating factors (columns of ``X``) entering as main effects; default
        all columns except restricted ones. Categorical (or string / bool)
        columns get one coefficient per non-base level; numeric columns enter
        raw unless listed in ``bands`` or ``splines``.
    base_levels : dict, optional
        Base level per categorical or banded factor; default the level with
        the largest exposure.
    bands : dict, optional
        ``{factor: method or cut points}``: band a numeric factor by
        ``"quantile"``, ``"exposure"`` (equal exposure) or ``"tree"`` cut
        points, or at the given inner cut points.
    n_bands : int, default 5
        Number of bands for automatic banding.
    splines : dict, optional
        ``{factor: df}``: natural cubic spline with ``df`` columns.
    interactions : list of (str, str), optional
        Two-factor interactions (both factors must be main effects).
    groups : dict, optional
        ``{factor: {level: group}}``: merge levels before fitting.
    restrict : dict, optional
        ``{factor: {level: relativity}}``: fix a factor's relativities (entered
        as an offset) and fit the rest.
    unseen : {"raise", "base"}, default "raise"
        Levels unseen at fit time: raise ``UnknownCategoryError`` or use the
        base level with a warning.
    missing : {"raise", "level"}, default "raise"
        Missing categorical values: raise, or treat as a level of their own.
    tol : float, default 1e-8
        Gradient tolerance of the IRLS solver, which also stops once a step
        changes the coefficients by less than 1.5e-8 (L2 norm).
    dispersion : {"pearson", "deviance", "ml"}, default "pearson"
        How an estimated dispersion (Gamma, inverse Gaussian, Tweedie,
        quasi-Poisson) is estimated: Pearson's chi-square over the residual
        degrees of freedom ``n - p`` (statsmodels' ``scale="X2"``, R's
        ``summary.glm``), the deviance over ``n - p`` (``scale="dev"``), or
        maximum likelihood given the fitted means (not for quasi-Poisson,
        which has no likelihood). The coefficients do not depend on it; the
        standard errors, t intervals, F tests and log-likelihood use it. A
        Poisson model's dispersion is 1 and takes only ``"pearson"``.
    max_iter : int, default 100"""


class FrequencyGLM(_PricingGLM):
    """Claim frequency GLM: Poisson with a log link and log-exposure offset.

    Parameters
    ----------<shared>
    overdispersion : {"none", "quasi"}, default "none"
        ``"quasi"`` estimates the dispersion (quasi-Poisson, by
        ``dispersion=``, Pearson's chi-square by default): the same
        coefficients, wider intervals, F tests instead of chi-square.

    Attributes
    ----------
    params_ : Series
        Intercept and coefficients by name (``factor[level]``, the intercept
        ``(intercept)``); ``intercept_`` and ``coef_`` hold the same numbers.
    cov_params_ : DataFrame
        Covariance of ``params_``: ``dispersion_ * (X'WX)^-1``.
    dispersion_ : float
        1 for Poisson; estimated as ``dispersion=`` says for quasi-Poisson.
    deviance_, null_deviance_, pearson_chi2_, loglik_, aic_, bic_ : float
        Fit statistics on the training rows (the null model keeps the
        exposure and restricted offsets, as :meth:`score`).
    n_obs_, df_resid_, n_iter_ : int
        Rows, residual degrees of freedom ``n - p``, solver iterations.
    design_ : Design
        Fitted terms: levels, base levels, bands, knots, exposure per level.
    restricted_exposure_ : dict
        Training exposure per level of each restricted factor.
    feature_names_in_ : ndarray of str
        The columns of ``X`` at fit; ``n_features_in_`` their number.

    See Also
    --------
    SeverityGLM, TweedieGLM, FrequencySeverity
    autorisk.models.load_model : read a model written by :meth:`save`.

    Examples
    --------
    Area ``a`` has 2 claims in 10 years of exposure and ``b`` 8 in 10: the
    fitted frequencies are 0.2 and 0.8, and on equal exposure the first
    level, ``a``, is the base, so ``b`` has relativity 4.

    >>> import pandas as pd
    >>> X = pd.DataFrame({"area": list("aaaabbbb")})
    >>> claims, exposure = [1, 0, 0, 1, 2, 2, 3, 1], [2.5] * 8
    >>> model = FrequencyGLM(["area"]).fit(X, claims, exposure=exposure)
    >>> model.relativities()[["level", "relativity", "exposure", "status"]].round(3)
      level  relativity  exposure     status
    0     a        1.00      10.0       base
    1     b        4.00      10.0  estimated
    >>> model.predict(X.iloc[[0, 4]], exposure=[1.0, 0.5]).round(3)
    array([0.2, 0.4])

    Saved as JSON and read back, it predicts the same bits:

    >>> import pathlib, tempfile
    >>> again = FrequencyGLM.load(model.save(pathlib.Path(tempfile.mkdtemp()) / "frequency.json"))
    >>> bool((again.predict(X) == model.predict(X)).all())
    True

    On a synthetic book:

    >>> from autorisk.datasets import synthetic_book
    >>> book = synthetic_book(5_000, 2, seed=3)
    >>> counts = book.claims.groupby("policy_id").size()
    >>> policies = book.policies.drop_duplicates("policy_id").set_index("policy_id")
    >>> y = counts.reindex(policies.index, fill_value=0)
    >>> model = FrequencyGLM(["region", "use"]).fit(policies, y, exposure=policies["exposure"])
    >>> model.relativities().query("factor == 'use'")["level"].tolist()
    ['private', 'business']
    """

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        splines: Mapping[str, int] | None = None,
        interactions: Sequence[tuple[str, str]] | None = None,
        groups: Mapping[str, Mapping[Any, Any]] | None = None,
        restrict: Mapping[str, Mapping[Any, float]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        overdispersion: str = "none",
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, dispersion=dispersion, tol=tol, max_iter=max_iter,
        )
        self.overdispersion = overdispersion

    def _family(self) -> Family:
        options = {"none": POISSON, "quasi": QUASI_POISSON}
        if self.overdispersion not in options:
            raise ParameterError(f"overdispersion must be one of {tuple(options)}, got {self.overdispersion!r}")
        return options[self.overdispersion]

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> FrequencyGLM:
        """Fit claim counts ``y`` with exposure (years) as a log offset."""
        y, weights, exposure = _inputs(X, y, sample_weight, exposure, "claim_count", integer=True)
        return self._fit(X, y, weights, exposure)


class SeverityGLM(_PricingGLM):
    """Claim severity GLM: Gamma (or inverse Gaussian) with a log link.

    ``fit(X, y, claim_count)`` takes the total claim amount per row and its
    claim count: the response is the average claim ``y / claim_count``,
    weighted by the claim count, on the rows with claims only. Without
    ``claim_count`` each row is one claim.

    Parameters
    ----------<shared>
    family : {"gamma", "inverse_gaussian"}, default "gamma"
        Distribution of the average claim: variance proportional to
        ``mu**2`` (Gamma) or ``mu**3`` (inverse Gaussian).

    Attributes
    ----------
    As :class:`FrequencyGLM`; ``dispersion_`` is estimated (``dispersion=``),
    so Wald tests use t and nested-model tests F on ``df_resid_``; the
    ``exposure`` of a level in ``relativities()`` is its claim count.

    See Also
    --------
    FrequencyGLM, FrequencySeverity

    Examples
    --------
    With one factor the fitted severities are the average claims of its
    levels: ``a`` 4,000 / 2 = 2,000 and ``b`` 8,000 / 3 = 2,666.67 (the base
    level, having more claims), a relativity of 0.75 for ``a``. The row
    without claims is ignored in fitting and predicted like the others.

    >>> import pandas as pd
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b", "b"]})
    >>> model = SeverityGLM(["area"]).fit(X, [1000.0, 3000.0, 2000.0, 6000.0, 0.0], claim_count=[1, 1, 1, 2, 0])
    >>> model.relativities()[["level", "relativity", "exposure", "status"]]
      level  relativity  exposure     status
    0     b        1.00       3.0       base
    1     a        0.75       2.0  estimated
    >>> model.predict(X).round(2)
    array([2000.  , 2000.  , 2666.67, 2666.67, 2666.67])
    >>> import pathlib, tempfile
    >>> again = SeverityGLM.load(model.save(pathlib.Path(tempfile.mkdtemp()) / "severity.json"))
    >>> bool((again.predict(X) == model.predict(X)).all()), again.dispersion_ == model.dispersion_
    (True, True)
    """

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        splines: Mapping[str, int] | None = None,
        interactions: Sequence[tuple[str, str]] | None = None,
        groups: Mapping[str, Mapping[Any, Any]] | None = None,
        restrict: Mapping[str, Mapping[Any, float]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        family: str = "gamma",
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, dispersion=dispersion, tol=tol, max_iter=max_iter,
        )
        self.family = family

    def _family(self) -> Family:
        options = {"gamma": GAMMA, "inverse_gaussian": INVERSE_GAUSSIAN}
        if self.family not in options:
            raise ParameterError(f"family must be one of {tuple(options)}, got {self.family!r}")
        return options[self.family]

    def fit(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None) -> SeverityGLM:
        """Fit average severity ``y / claim_count`` weighted by ``claim_count`` (rows with claims)."""
        amount, weights, counts = _inputs(X, y, sample_weight, claim_count, "claim_amount", positive_exposure=False)
        has_claims = counts > 0
        if not has_claims.any():
            raise DataError(DataIssue("claim_count", "no claims", "at least one row with claims"))
        bad = has_claims & (amount <= 0)
        if bad.any():
            raise DataError(
                DataIssue.from_mask("claim_amount", "not positive", "amount > 0 where claim_count > 0", bad, X.index, amount)
            )
        rows = X.loc[has_claims] if not has_claims.all() else X
        severity = amount[has_claims] / counts[has_claims]
        return self._fit(rows, severity, weights[has_claims] * counts[has_claims], np.ones(int(has_claims.sum())))

    def _response(self, y, weights, exposure, X):
        # Severity has no exposure: the claim count is the prior weight.
        return y, weights, self._restricted_offset(X)


class TweedieGLM(_PricingGLM):
    """Pure premium GLM: Tweedie compound Poisson-gamma with a log link.

    ``fit(X, y, exposure)`` takes the claim amount per row. The model is for
    the amount per unit of exposure, ``y / exposure``, with prior weight
    ``exposure``: the variance of a compound Poisson total grows in
    proportion to exposure, which a log offset on the raw amount would not
    give for ``1 < power < 2``. ``predict(X, exposure)`` returns the expected
    amount.

    Parameters
    ----------<shared>
    power : float or "profile", default 1.5
        Tweedie power in (1, 2); ``"profile"`` picks it by profile likelihood
        over ``power_grid``.
    power_grid : sequence of float
        Powers tried by ``power="profile"``.

    Attributes
    ----------
    As :class:`FrequencyGLM` (``dispersion_`` estimated, as ``dispersion=``
    says), plus:
    power_ : float
        The power used.
    power_profile_ : DataFrame
        With ``power="profile"``: the log-likelihood of each grid power (see
        :func:`~autorisk.models.tweedie_profile.profile_power`).

    See Also
    --------
    FrequencySeverity : frequency times severity, the other road to a pure premium.

    Examples
    --------
    With one factor the fitted pure premiums are the levels' claim amounts
    per unit of exposure, whatever the power: ``a`` 500 / 2 = 250 and ``b``
    1,200 / 3 = 400 (the base level, having more exposure).

    >>> import pandas as pd
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b", "b"]})
    >>> model = TweedieGLM(["area"], power=1.6).fit(X, [0.0, 500.0, 300.0, 0.0, 900.0],
    ...                                             exposure=[1.0, 1.0, 0.5, 1.0, 1.5])
    >>> model.relativities()[["level", "relativity", "exposure"]]
      level  relativity  exposure
    0     b       1.000       3.0
    1     a       0.625       2.0
    >>> model.predict(X, exposure=[1.0, 1.0, 0.5, 1.0, 1.5])  # expected amounts
    array([250., 250., 200., 400., 600.])
    >>> model.power_
    1.6
    """

    _exposure_as_offset = False

    def __init__(
        self,
        factors: Sequence[str] | None = None,
        *,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        splines: Mapping[str, int] | None = None,
        interactions: Sequence[tuple[str, str]] | None = None,
        groups: Mapping[str, Mapping[Any, Any]] | None = None,
        restrict: Mapping[str, Mapping[Any, float]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
        power: float | str = 1.5,
        power_grid: Sequence[float] = (1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8),
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, dispersion=dispersion, tol=tol, max_iter=max_iter,
        )
        self.power = power
        self.power_grid = power_grid

    def _family(self) -> Family:
        power = getattr(self, "power_", self.power)
        if isinstance(power, str) or not 1 < float(power) < 2:
            raise ParameterError(f"power must be a number in (1, 2) or 'profile', got {power!r}")
        return tweedie(float(power))

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> TweedieGLM:
        """Fit the claim amount ``y`` per unit of ``exposure``."""
        amount, weights, exposure = _inputs(X, y, sample_weight, exposure, "claim_amount")
        self.power_ = self.power
        if self.power == "profile":
            from autorisk.models.tweedie_profile import profile_power  # a helper above the engine

            self.power_, self.power_profile_ = profile_power(self, X, amount, weights, exposure)
        return self._fit(X, amount, weights, exposure)


for _estimator in (FrequencyGLM, SeverityGLM, TweedieGLM):
    _estimator.__doc__ = _estimator.__doc__.replace("<shared>", _SHARED_PARAMETERS)


# ---------------------------------------------------------------- helpers
def _inputs(X, y, sample_weight, exposure, response_name, *, integer=False, positive_exposure=True):
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"X must be a pandas DataFrame of rating factors, got {type(X).__name__}")
    n = len(X)
    y = numeric_column(y, X.index, response_name)
    issues = []
    if integer and np.any(y != np.round(y)):
        issues.append(DataIssue.from_mask(response_name, "not a whole number", "claim counts", y != np.round(y), X.index, y))
    if np.any(y < 0):
        issues.append(DataIssue.from_mask(response_name, "negative", "values >= 0", y < 0, X.index, y))
    weights = np.ones(n) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
    if np.any(weights < 0):
        issues.append(DataIssue.from_mask("sample_weight", "negative", "weights >= 0", weights < 0, X.index, weights))
    name = "exposure" if positive_exposure else "claim_count"
    exposure = np.ones(n) if exposure is None else numeric_column(exposure, X.index, name)
    if np.any(exposure < 0):
        issues.append(DataIssue.from_mask(name, "negative", "values >= 0", exposure < 0, X.index, exposure))
    if issues:
        raise DataError(issues)
    return y, weights, exposure
