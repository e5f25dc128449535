"""Independent references for the GLM tests: dense dummy designs and statsmodels fits.

Nothing here calls autorisk: the dummies are built with ``pd.get_dummies`` on the
raw columns, so a test that compares an autorisk fit with :func:`sm_glm` on
:func:`dummies` checks autorisk's design *and* its fit against statsmodels.
Columns are named like autorisk's coefficients (``factor[level]``, intercept
``(intercept)``) so the two can be matched by name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

try:  # multi-threaded BLAS can be pathologically slow on small shared runners
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

INTERCEPT = "(intercept)"

POISSON = sm.families.Poisson()
GAMMA = sm.families.Gamma(sm.families.links.Log())

# statsmodels' IRLS stops on the relative change of the deviance, which cannot see
# a coefficient of a level with one claim move by 1e-7; :func:`sm_glm` therefore
# certifies the reference by the size of the next Newton (scoring) step instead.
SM_TOL = 1e-12
NEWTON_STEP = 1e-11


def largest(frame: pd.DataFrame, factor: str, weight: pd.Series | np.ndarray) -> Any:
    """The level of ``factor`` with the largest total ``weight`` (first in sorted order on ties)."""
    totals = pd.Series(np.asarray(weight, dtype=float), index=frame.index).groupby(
        frame[factor].astype(object)
    ).sum()
    return totals.idxmax()


def dummies(
    frame: pd.DataFrame,
    factors: Sequence[str],
    base_levels: Mapping[str, Any],
    numeric: Sequence[str] = (),
) -> pd.DataFrame:
    """Intercept, one 0/1 column per non-base level of each factor, then raw numeric columns."""
    columns: dict[str, np.ndarray] = {INTERCEPT: np.ones(len(frame))}
    for factor in factors:
        indicator = pd.get_dummies(frame[factor].astype(object), dtype=float)
        assert base_levels[factor] in indicator.columns, (factor, base_levels[factor])
        for level in indicator.columns:
            if level != base_levels[factor]:
                columns[f"{factor}[{level}]"] = indicator[level].to_numpy()
    for name in numeric:
        columns[name] = frame[name].to_numpy(dtype=float)
    return pd.DataFrame(columns, index=frame.index)


def limits():
    return threadpool_limits(1) if threadpool_limits else contextlib.nullcontext()


def sm_glm(y, X: pd.DataFrame, family, fit_kwargs: Mapping[str, Any] | None = None, **kwargs):
    """statsmodels GLM fit (single-threaded BLAS), iterated until the next scoring step is < 1e-11."""
    with limits():
        model = sm.GLM(np.asarray(y, dtype=float), X, family=family, **kwargs)
        result = model.fit(tol=SM_TOL, maxiter=200, **(fit_kwargs or {}))
        for _ in range(5):
            # one Fisher-scoring step from the estimate: (X'WX)^-1 score, the scale cancels
            step = result.cov_params().to_numpy() @ model.score(result.params.to_numpy(), scale=result.scale)
            if np.max(np.abs(step)) < NEWTON_STEP:
                return result
            result = model.fit(start_params=result.params, tol=SM_TOL, maxiter=200, **(fit_kwargs or {}))
    raise AssertionError(f"statsmodels reference did not converge (step {np.max(np.abs(step)):.2g})")


def assert_matches_statsmodels(model, result, *, coef_rtol: float = 1e-6, se_rtol: float = 1e-4) -> None:
    """Coefficients, standard errors and fit statistics of an autorisk GLM equal statsmodels'.

    Coefficients use ``rtol`` with a tiny ``atol``: a purely relative bound is
    meaningless for a coefficient that is (nearly) zero, where both fits agree to
    round-off but the ratio does not.
    """
    names = list(result.params.index)
    assert sorted(model.params_.index) == sorted(names)
    # rtol 1e-6 plus atol 1e-9: relative error alone is meaningless for a near-zero coefficient
    np.testing.assert_allclose(model.params_[names], result.params[names], rtol=coef_rtol, atol=1e-9)
    se = pd.Series(np.sqrt(np.diag(model.cov_params_.to_numpy())), index=model.params_.index)
    np.testing.assert_allclose(se[names], result.bse[names], rtol=se_rtol)
    np.testing.assert_allclose(
        model.cov_params_.loc[names, names], result.cov_params().loc[names, names], rtol=se_rtol, atol=1e-12
    )
    np.testing.assert_allclose(model.deviance_, result.deviance, rtol=1e-8)
    np.testing.assert_allclose(model.null_deviance_, result.null_deviance, rtol=1e-8)
    np.testing.assert_allclose(model.pearson_chi2_, result.pearson_chi2, rtol=1e-6)
    np.testing.assert_allclose(model.dispersion_, result.scale, rtol=1e-6)
    np.testing.assert_allclose(model.loglik_, result.llf, rtol=1e-8)
    np.testing.assert_allclose(model.aic_, result.aic, rtol=1e-8)
    np.testing.assert_allclose(model.bic_, result.bic_llf, rtol=1e-8)
    assert model.n_obs_ == result.nobs
    assert model.df_resid_ == result.df_resid
