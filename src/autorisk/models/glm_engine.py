"""The engine of the pricing GLMs: :class:`_PricingGLM` (design, fit, prediction, score, inference).

The public estimators (:mod:`autorisk.models.glm`) differ only in their
family and in how the response and exposure enter. Coefficients are fitted by glum (IRLS on a
tabmat design, categorical factors kept sparse); standard errors use the
expected information ``dispersion * (X'WX)^-1`` exactly as statsmodels does.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import glum
import numpy as np
import pandas as pd
import tabmat
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from autorisk.data.arrays import exposure_column, numeric_column
from autorisk.errors import DataError, DataIssue, ModelError, ParameterError, levels_text
from autorisk.models._inputs import (
    UNPENALISED_CHECKS,
    PricingTags,
    rating_table,
    target,
)
from autorisk.models.design import Design
from autorisk.models.families import (
    Family,
)
from autorisk.models.glm_numerics import SINGULAR as _SINGULAR
from autorisk.models.glm_numerics import STEP_SIZE_TOL as _STEP_SIZE_TOL
from autorisk.models.glm_numerics import intercept_only_mean as _intercept_only_mean
from autorisk.models.glm_numerics import inverse_information as _inverse_information
from autorisk.models.glm_numerics import null_mean as _null_mean
from autorisk.models.glm_numerics import polish as _polish
from autorisk.models.glm_numerics import tabmat_design as _tabmat
from autorisk.models.glm_results import GLMResults
from autorisk.models.levels import apply_level_groups, rare_level_groups
from autorisk.models.penalty import Penalty, as_penalty, fit_penalised, penalty_kinds

INTERCEPT = "(intercept)"
#: A standard error above this (on the log scale) means the data cannot pin the coefficient down.
INESTIMABLE_STD_ERR = 100.0
#: How ``dispersion=`` estimates an estimated dispersion: Pearson's chi-square or the
#: deviance over the residual degrees of freedom, or maximum likelihood.
DISPERSION_METHODS = ("pearson", "deviance", "ml")


@dataclass(frozen=True)
class FittedArrays:
    """What the engine fits on: the rows' table and model frame, the design, response, prior weights, offset, means.

    ``table`` is the rows' rating factors after level grouping (a severity
    model's rows with claims only), indexed like the data; ``frame`` the
    model frame :class:`~autorisk.models.design.Design` made of it; ``matrix``
    its tabmat design without the intercept column; ``mu`` the fitted means
    on the engine's scale (a count, an average claim, an amount per unit of
    exposure); ``level_weights`` what a level's exposure counts (prior
    weight times exposure; a severity model's claim counts).
    """

    table: pd.DataFrame
    frame: pd.DataFrame
    matrix: tabmat.MatrixBase
    response: np.ndarray
    weights: np.ndarray
    offset: np.ndarray | None
    mu: np.ndarray
    level_weights: np.ndarray


class _PricingGLM(PricingTags, GLMResults, RegressorMixin, BaseEstimator):
    """Shared engine of the pricing GLMs; use a public subclass.

    Fitting and prediction are here; what is read off a fitted model (tables,
    tests, summary) and saving it come from :class:`~autorisk.models.glm_results.GLMResults`.
    """

    #: True when exposure enters as a log offset; False when the response is a
    #: rate per unit of exposure weighted by exposure (Tweedie).
    _exposure_as_offset: ClassVar[bool] = True
    _inapplicable_checks = UNPENALISED_CHECKS

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
        min_exposure: float | Mapping[str, float] | None = None,
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
        penalty: Penalty | str | None = None,
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
        self.min_exposure = min_exposure
        self.dispersion = dispersion
        self.tol = tol
        self.max_iter = max_iter
        self.penalty = penalty

    # ------------------------------------------------------------ to override
    def _family(self) -> Family:
        raise NotImplementedError

    # -------------------------------------------------------------- fitting
    def _fit(self, X: pd.DataFrame, y: Any, weights: np.ndarray, exposure: np.ndarray) -> _PricingGLM:
        """Fit on response ``y`` (count, severity or amount) with prior weights and exposure."""
        family = self._family()
        self._check_dispersion(family)
        penalty = as_penalty(self.penalty)
        for stale in ("alpha_", "penalties_", "alpha_path_", "selection_path_"):
            self.__dict__.pop(stale, None)
        restricted = dict(self.restrict or {})
        factors = list(self.factors) if self.factors is not None else [c for c in X.columns if c not in restricted]
        overlap = set(factors) & set(restricted)
        if overlap:
            raise ParameterError(f"restricted factors are fitted as offsets, not as factors: {sorted(overlap)}")
        self.level_groups_: dict[str, dict[Any, Any]] = {}
        X = self._grouped(X)
        level_weights = weights * exposure
        self.level_groups_ = rare_level_groups(X, factors, self.min_exposure, level_weights)
        X = apply_level_groups(X, self.level_groups_)
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
        names = self.design_.coef_names
        if penalty is None:
            beta, n_iter = self._fit_unpenalised(matrix, family, response, weights, offset)
        else:
            ordered = {
                term.name: term.cut_points is not None
                or (isinstance(X[term.name].dtype, pd.CategoricalDtype) and bool(X[term.name].cat.ordered))
                for term in self.design_.terms
                if term.is_categorical
            }
            fitted = fit_penalised(
                penalty, self.design_, frame, penalty_kinds(penalty, self.design_, ordered),
                family, response, weights, offset, tol=self.tol, max_iter=self.max_iter,
            )  # fmt: skip
            beta, n_iter = fitted.beta, fitted.n_iter
            if fitted.alpha == 0:  # the unpenalised maximum: polish it as the unpenalised fit is
                beta = _polish(matrix, family, response, weights, offset, beta)
            self.alpha_ = fitted.alpha
            self.penalties_ = fitted.kinds
            if fitted.alpha_path is not None:
                self.alpha_path_ = fitted.alpha_path
                self.selection_path_ = fitted.selection_path
        self.params_ = pd.Series(beta, index=[INTERCEPT, *names], name="coef")
        self.intercept_ = float(beta[0])
        self.coef_ = beta[1:]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.family_ = family
        self.n_iter_ = n_iter

        eta = self.intercept_ + matrix.matvec(self.coef_) + (0.0 if offset is None else offset)
        mu = np.exp(eta)
        self._fit_statistics(response, mu, weights, offset, matrix)
        return self

    def _fit_unpenalised(self, matrix, family: Family, response, weights, offset) -> tuple[np.ndarray, int]:
        """Maximum-likelihood intercept and coefficients by glum's IRLS, polished; and the iterations."""
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
            warnings.warn(f"GLM did not converge in {self.max_iter} iterations", UserWarning, stacklevel=4)
        beta = _polish(matrix, family, response, weights, offset, np.r_[engine.intercept_, engine.coef_])
        return beta, int(engine.n_iter_)

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
        """Apply level groupings ``{factor: {level: group}}`` (unmapped levels stay), then ``level_groups_``."""
        if not self.groups:
            return apply_level_groups(X, getattr(self, "level_groups_", {}), stacklevel=5)
        X = X.copy()
        for factor, mapping in self.groups.items():
            values = X[factor].astype(object)
            X[factor] = values.map(lambda v, m=mapping: m.get(v, v)).astype("category")
        return apply_level_groups(X, getattr(self, "level_groups_", {}), stacklevel=5)

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
                        factor, "no restricted relativity", f"a level among {levels_text(list(relativities))} with relativity > 0",
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

    def _fitted_arrays(self, X: pd.DataFrame, y: Any, **fit_params: Any) -> FittedArrays:
        """The arrays the engine fitted on ``(X, y, **fit_params)``, rebuilt from the fitted model.

        ``fit_params`` are those of ``fit`` (``exposure=``, ``claim_count=``,
        ``sample_weight=``); the rows are prepared as ``fit`` prepares them
        (a severity model keeps the rows with claims), grouped and encoded by
        the fitted design.
        """
        check_is_fitted(self, "params_")
        X, y, weights, exposure = self._prepared(X, y, **fit_params, reset=False)
        X = self._grouped(X)
        level_weights = weights * exposure
        response, weights, offset = self._response(y, weights, exposure, X)
        frame = self.design_.transform(X)
        matrix = _tabmat(frame) if frame.shape[1] else tabmat.DenseMatrix(np.zeros((len(X), 0)))
        eta = self.intercept_ + (matrix.matvec(self.coef_) if len(self.coef_) else 0.0)
        mu = np.exp(eta + (0.0 if offset is None else offset))
        return FittedArrays(X, frame, matrix, np.asarray(response, dtype=float), np.asarray(weights, dtype=float),
                            offset, mu, level_weights)  # fmt: skip

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
        X = self._grouped(rating_table(self, X, reset=False))
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
        check_is_fitted(self, "params_")
        X = rating_table(self, X, reset=False)
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
        X = rating_table(self, X, reset=False)
        eta = self._linear_predictor(X)
        n = len(eta)
        weights = np.ones(n) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
        y = numeric_column(target(self, y, "y"), X.index, "y")
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
