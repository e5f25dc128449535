"""NB2 frequency equals statsmodels' NegativeBinomial(loglike_method="nb2") with the exposure offset.

References: statsmodels' discrete ``NegativeBinomial`` on dense dummies built
independently (``_glm_reference``), its Newton fit iterated to 1e-12;
statsmodels' Poisson GLM for the Poisson log-likelihood; the boundary
p-value ``0.5 P(chi2(1) > LR)`` computed with scipy; synthetic books with a
known ``alpha`` (gamma frailty) and with none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _glm_reference import POISSON, dummies, limits, sm_glm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from autorisk.errors import ParameterError
from autorisk.models import FrequencyGLM, negative_binomial

AREA = {"A": 0.0, "B": 0.3, "C": -0.4, "D": 0.6}
BASE = {"area": "A", "use": "private"}


def _book(n: int, seed: int, alpha: float) -> pd.DataFrame:
    """Counts with gamma frailty of variance ``alpha`` (NB2 with that alpha; Poisson at 0)."""
    rng = np.random.default_rng(seed)
    book = pd.DataFrame(
        {
            "area": rng.choice(list(AREA), n, p=[0.4, 0.3, 0.2, 0.1]),
            "use": rng.choice(["private", "business"], n, p=[0.7, 0.3]),
            "age": rng.uniform(18, 80, n).round(),
            "exposure": rng.uniform(0.2, 1.0, n),
        }
    )
    eta = book["area"].map(AREA) + 0.4 * (book["use"] == "business") - 0.01 * (book["age"] - 45) - 1.0
    frailty = rng.gamma(1 / alpha, alpha, n) if alpha > 0 else 1.0
    book["claims"] = rng.poisson(frailty * book["exposure"] * np.exp(eta))
    return book


def _design(book: pd.DataFrame) -> pd.DataFrame:
    design = dummies(book, ["area", "use"], BASE, ["age"])
    for level in ("B", "C", "D"):
        design[f"area[{level}]:use[business]"] = design[f"area[{level}]"] * design["use[business]"]
    return design


@pytest.fixture(scope="module")
def overdispersed():
    book = _book(8_000, seed=1, alpha=0.8)
    model = FrequencyGLM(["area", "use", "age"], base_levels=BASE, interactions=[("area", "use")])
    model.fit(book, book["claims"], exposure=book["exposure"])
    return book, model, negative_binomial(model, book, book["claims"], exposure=book["exposure"])


def test_nb2_equals_statsmodels_with_exposure_offset(overdispersed):
    book, model, fit = overdispersed
    design = _design(book)
    with limits():
        reference = NegativeBinomial(book["claims"], design, loglike_method="nb2", offset=np.log(book["exposure"]))
        result = reference.fit(method="newton", maxiter=200, tol=1e-12, disp=0)
    names = [*design.columns, "alpha"]
    np.testing.assert_allclose(fit.params_[names], result.params[names], rtol=1e-9, atol=1e-12)
    se = np.sqrt(np.diag(fit.cov_params_.loc[names, names]))
    np.testing.assert_allclose(se, result.bse[names], rtol=1e-9)
    np.testing.assert_allclose(fit.loglik_, result.llf, rtol=1e-10)
    np.testing.assert_allclose(fit.aic_, result.aic, rtol=1e-10)
    np.testing.assert_allclose(fit.bic_, result.bic, rtol=1e-10)
    assert fit.alpha_ == pytest.approx(0.8, abs=3 * se[-1])  # the truth, within 3 standard errors


def test_overdispersion_test_and_aic_against_statsmodels_poisson(overdispersed):
    book, model, fit = overdispersed
    with limits():
        poisson = sm_glm(book["claims"], _design(book), POISSON, offset=np.log(book["exposure"]))
    np.testing.assert_allclose(fit.comparison.loc["Poisson", "loglik"], poisson.llf, rtol=1e-10)
    np.testing.assert_allclose(fit.comparison.loc["Poisson", "aic"], poisson.aic, rtol=1e-10)
    lr = 2 * (fit.loglik_ - poisson.llf)
    np.testing.assert_allclose(fit.overdispersion_test["lr_stat"], lr, rtol=1e-8)
    np.testing.assert_allclose(fit.overdispersion_test["p_value"], 0.5 * stats.chi2.sf(lr, 1), rtol=1e-6)
    assert fit.overdispersion_test["p_value"] < 1e-10
    assert fit.comparison["aic"].idxmin() == "NB2" and not fit.at_boundary


def test_poisson_counts_are_not_called_overdispersed():
    book = _book(8_000, seed=2, alpha=0.0)
    model = FrequencyGLM(["area", "use", "age"]).fit(book, book["claims"], exposure=book["exposure"])
    fit = negative_binomial(model, book, book["claims"], exposure=book["exposure"])
    assert fit.overdispersion_test["p_value"] > 0.05
    assert fit.comparison["aic"].idxmin() == "Poisson"  # one more parameter, no more likelihood to speak of
    assert fit.alpha_ < 0.1
    # the coefficients are the Poisson ones when alpha is (nearly) 0
    np.testing.assert_allclose(fit.params_[model.params_.index], model.params_, atol=5 * np.sqrt(fit.alpha_) + 1e-6)


def test_underdispersed_counts_put_alpha_on_the_boundary():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"area": rng.choice(["a", "b"], 3_000)})
    claims = rng.binomial(1, np.where(X["area"] == "b", 0.5, 0.3))  # variance below the mean
    model = FrequencyGLM(["area"]).fit(X, claims)
    fit = negative_binomial(model, X, claims)
    assert fit.at_boundary and fit.alpha_ == 0 and fit.overdispersion_test["p_value"] == 1.0
    assert fit.loglik_ == model.loglik_ and fit.comparison["aic"].idxmin() == "Poisson"
    assert np.isnan(fit.coef_table().loc["alpha", "std_err"])


def test_refusals(overdispersed):
    book, _, _ = overdispersed
    quasi = FrequencyGLM(["area"], overdispersion="quasi").fit(book, book["claims"], exposure=book["exposure"])
    with pytest.raises(ParameterError, match="Poisson"):
        negative_binomial(quasi, book, book["claims"], exposure=book["exposure"])
    weights = np.where(book["use"] == "business", 2.0, 1.0)
    weighted = FrequencyGLM(["area"]).fit(book, book["claims"], exposure=book["exposure"], sample_weight=weights)
    with pytest.raises(ParameterError, match="sample weights"):
        negative_binomial(weighted, book, book["claims"], exposure=book["exposure"], sample_weight=weights)
