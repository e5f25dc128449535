"""GLM estimators for pricing: frequency (Poisson), severity (Gamma), pure premium (Tweedie).

One private engine, :class:`~autorisk.models.glm_engine._PricingGLM`, does
the work (design, fit, inference); the public classes here differ only in
their family and in how the response and exposure enter. Coefficients are
fitted by glum (IRLS on a tabmat design, categorical factors kept sparse);
standard errors use the expected information ``dispersion * (X'WX)^-1``
exactly as statsmodels does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.models._inputs import fit_inputs
from autorisk.models.families import (
    GAMMA,
    INVERSE_GAUSSIAN,
    POISSON,
    QUASI_POISSON,
    Family,
    tweedie,
)
from autorisk.models.glm_engine import (  # noqa: F401 (the engine's names, importable from here as before)
    DISPERSION_METHODS,
    INESTIMABLE_STD_ERR,
    INTERCEPT,
    _PricingGLM,
)
from autorisk.models.penalty import Penalty

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
    min_exposure : float or dict, optional
        Levels of a categorical factor whose exposure (for severity, claim
        count) is below this join one level ``"other"`` before fitting; one
        number for every categorical factor or ``{factor: number}``. The
        mapping is kept in ``level_groups_``, and at prediction a level
        unseen in training joins ``"other"`` too, with a warning (see
        :mod:`autorisk.models.levels`).
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
    max_iter : int, default 100
        Most IRLS iterations.
    penalty : Penalty or {"fused", "lasso", "ridge"}, optional
        Penalise the categorical and banded factors: ridge or lasso on the
        usual coding, or a fused lasso on the steps between neighbouring
        levels of an ordered factor, which merges neighbours the data cannot
        tell apart (see :class:`~autorisk.models.penalty.Penalty`; a kind
        alone is ``Penalty(kind)``, its strength chosen by cross-validation).
        The coefficients stay on the usual coding, so relativity tables and
        rating plans read the model as any other. Standard errors and tests
        are those of the unpenalised likelihood at the penalised estimates:
        they ignore the selection. Default None: maximum likelihood."""


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
    level_groups_ : dict
        ``{factor: {level: group}}`` of the factors ``min_exposure`` grouped.
    restricted_exposure_ : dict
        Training exposure per level of each restricted factor.
    feature_names_in_ : ndarray of str
        The columns of ``X`` at fit; ``n_features_in_`` their number.
    alpha_ : float
        With ``penalty``: the strength used (given, or chosen by CV).
    penalties_ : dict
        With ``penalty``: ``{factor: kind}`` of the penalised factors.
    alpha_path_ : DataFrame
        With ``penalty`` and ``alpha=None``: per alpha of the path (largest
        first), ``alpha``, the mean held-out deviance per unit of prior
        weight ``cv_deviance``, its ``cv_deviance_sd`` over folds and
        ``cv_deviance_se`` (sd / sqrt(folds)), and per penalised factor (a
        column named after it) its number of distinct relativities.
    selection_path_ : DataFrame
        With ``penalty`` and ``alpha=None``: per alpha, the training
        ``deviance`` and ``cv_deviance`` of the path, and per penalised factor
        whether it is active (any coefficient non-zero); the factors that
        turn active last are the ones the penalty drops first.

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

    _counts_response = True

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
        overdispersion: str = "none",
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
        penalty: Penalty | str | None = None,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, min_exposure=min_exposure, dispersion=dispersion, tol=tol, max_iter=max_iter, penalty=penalty,
        )
        self.overdispersion = overdispersion

    def _family(self) -> Family:
        options = {"none": POISSON, "quasi": QUASI_POISSON}
        if self.overdispersion not in options:
            raise ParameterError(f"overdispersion must be one of {tuple(options)}, got {self.overdispersion!r}")
        return options[self.overdispersion]

    def fit(self, X: pd.DataFrame, y: Any, exposure: Any = None, sample_weight: Any = None) -> FrequencyGLM:
        """Fit claim counts ``y`` with exposure (years) as a log offset."""
        return self._fit(*self._prepared(X, y, exposure, sample_weight))

    def _prepared(self, X, y, exposure=None, sample_weight=None, *, reset: bool = True):
        """The table, response, prior weights and exposure that ``fit`` hands the engine."""
        return fit_inputs(self, X, y, sample_weight, exposure, "claim_count", integer=True, reset=reset)


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
        min_exposure: float | Mapping[str, float] | None = None,
        family: str = "gamma",
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
        penalty: Penalty | str | None = None,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, min_exposure=min_exposure, dispersion=dispersion, tol=tol, max_iter=max_iter, penalty=penalty,
        )
        self.family = family

    def _family(self) -> Family:
        options = {"gamma": GAMMA, "inverse_gaussian": INVERSE_GAUSSIAN}
        if self.family not in options:
            raise ParameterError(f"family must be one of {tuple(options)}, got {self.family!r}")
        return options[self.family]

    def fit(self, X: pd.DataFrame, y: Any, claim_count: Any = None, sample_weight: Any = None) -> SeverityGLM:
        """Fit average severity ``y / claim_count`` weighted by ``claim_count`` (rows with claims)."""
        return self._fit(*self._prepared(X, y, claim_count, sample_weight))

    def _prepared(self, X, y, claim_count=None, sample_weight=None, *, reset: bool = True):
        """The rows with claims, their average claim, weight times claim count, and unit exposure."""
        X, amount, weights, counts = fit_inputs(
            self, X, y, sample_weight, claim_count, "claim_amount", positive_exposure=False, reset=reset
        )
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
        return rows, severity, weights[has_claims] * counts[has_claims], np.ones(int(has_claims.sum()))

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
        min_exposure: float | Mapping[str, float] | None = None,
        power: float | str = 1.5,
        power_grid: Sequence[float] = (1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8),
        dispersion: str = "pearson",
        tol: float = 1e-8,
        max_iter: int = 100,
        penalty: Penalty | str | None = None,
    ):
        super().__init__(
            factors, base_levels=base_levels, bands=bands, n_bands=n_bands, splines=splines,
            interactions=interactions, groups=groups, restrict=restrict, unseen=unseen,
            missing=missing, min_exposure=min_exposure, dispersion=dispersion, tol=tol, max_iter=max_iter, penalty=penalty,
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
        X, amount, weights, exposure = self._prepared(X, y, exposure, sample_weight)
        self.power_ = self.power
        if self.power == "profile":
            from autorisk.models.tweedie_profile import profile_power  # a helper above the engine

            self.power_, self.power_profile_ = profile_power(self, X, amount, weights, exposure)
        return self._fit(X, amount, weights, exposure)

    def _prepared(self, X, y, exposure=None, sample_weight=None, *, reset: bool = True):
        """The table, claim amount, prior weights and exposure that ``fit`` hands the engine."""
        return fit_inputs(self, X, y, sample_weight, exposure, "claim_amount", reset=reset)


for _estimator in (FrequencyGLM, SeverityGLM, TweedieGLM):
    _estimator.__doc__ = _estimator.__doc__.replace("<shared>", _SHARED_PARAMETERS)
