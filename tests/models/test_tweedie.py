"""Tests of the Tweedie density, the Tweedie GLM against statsmodels and the profile of the power.

The series density is checked four ways: it integrates to one with the
right mean and variance, it matches a brute-force sum over a million series
terms, it matches statsmodels' exact log-likelihood (Wright-Bessel form)
where that one is accurate, and it matches a Monte-Carlo compound
Poisson-gamma histogram. Seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import integrate, special, stats
from statsmodels.genmod.families import Tweedie, links

from autorisk.errors import ParameterError
from autorisk.models.glm import INTERCEPT, TweedieGLM
from autorisk.models.tweedie_profile import (
    profile_power,
    tweedie_dispersion_mle,
    tweedie_loglik,
    tweedie_logpdf,
)

GRID = (1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8)
RELATIVITIES = {
    "region": {"north": 1.0, "south": 1.3, "east": 0.8},
    "age": {"18-24": 1.8, "25-44": 1.0, "45-64": 0.9, "65+": 1.2},
}


# ------------------------------------------------------------------ helpers
def simulate_cpg(rng, mu, dispersion, power, weights):
    """Compound Poisson-gamma draws with Tweedie mean ``mu``, dispersion ``dispersion / weights``."""
    phi = dispersion / weights
    lam = mu ** (2 - power) / (phi * (2 - power))
    alpha = (2 - power) / (power - 1)  # gamma shape per claim: power = (alpha + 2) / (alpha + 1)
    scale = phi * (power - 1) * mu ** (power - 1)
    counts = rng.poisson(lam)
    y = np.zeros(len(counts))
    has = counts > 0
    y[has] = rng.gamma(alpha * counts[has], scale[has])
    return y


def tweedie_book(n, power, seed, dispersion=200.0, base=500.0, weighted=False):
    """Rating factors, amount, exposure and weights from a Tweedie GLM with known power."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            factor: pd.Categorical(rng.choice(list(levels), size=n), categories=list(levels))
            for factor, levels in RELATIVITIES.items()
        }
    )
    rate = base * np.prod(
        [X[f].map(levels).to_numpy(dtype=float) for f, levels in RELATIVITIES.items()], axis=0
    )
    exposure = rng.uniform(0.2, 1.0, n)
    weights = rng.choice([1.0, 2.0], size=n) if weighted else np.ones(n)
    amount = simulate_cpg(rng, rate, dispersion, power, weights * exposure) * exposure
    return X, amount, exposure, weights


def brute_force_logpdf(y, mu, phi, power, n_terms=1_000_000):
    """Sum the Dunn & Smyth series over j = 1 .. n_terms, no mode finding, no truncation logic."""
    lam = mu ** (2 - power) / (phi * (2 - power))
    alpha = (2 - power) / (power - 1)
    g = phi * (power - 1) * mu ** (power - 1)
    j = np.arange(1, n_terms + 1, dtype=float)
    log_w = (
        -lam + j * np.log(lam) - special.gammaln(j + 1)
        + (j * alpha - 1) * np.log(y) - y / g - special.gammaln(j * alpha) - j * alpha * np.log(g)
    )
    return special.logsumexp(log_w)


# ------------------------------------------------------------------ density
@pytest.mark.parametrize(
    ("power", "mu", "phi"),
    [(1.05, 2.0, 0.1), (1.2, 3.0, 0.3), (1.5, 1.0, 1.0), (1.8, 0.5, 2.0), (1.9, 4.0, 0.5)],
)
def test_density_integrates_to_one_with_tweedie_mean_and_variance(power, mu, phi):
    def f(v):
        return float(np.exp(tweedie_logpdf(v, mu, phi, power)))

    p0 = f(0.0)
    assert p0 == pytest.approx(np.exp(-(mu ** (2 - power)) / (phi * (2 - power))), rel=1e-14)
    def total(g):  # the density has an integrable y**(alpha - 1) singularity at 0
        return sum(
            integrate.quad(g, lo, hi, limit=200, epsabs=1e-11, epsrel=1e-9)[0]
            for lo, hi in ((0.0, mu), (mu, np.inf))
        )

    mass = total(f) + p0
    mean = total(lambda v: v * f(v))
    second = total(lambda v: (v - mu) ** 2 * f(v)) + mu**2 * p0
    assert mass == pytest.approx(1.0, abs=1e-8)
    assert mean == pytest.approx(mu, rel=1e-8)
    assert second == pytest.approx(phi * mu**power, rel=1e-6)


@pytest.mark.parametrize(
    ("y", "mu", "phi", "power"),
    [
        (11.408187572206204, 12.45467754757772, 0.01, 1.1),  # ~3800 terms to the mode
        (1e5, 5.5, 1.0, 1.1),  # ~12000 terms to the mode
        (1e-8, 1.0, 1.0, 1.5),  # first term dominates
        (3.0, 2.0, 5.0, 1.9),
        (250.0, 40.0, 0.02, 1.6),
    ],
)
def test_series_matches_brute_force_sum(y, mu, phi, power):
    assert tweedie_logpdf(y, mu, phi, power) == pytest.approx(brute_force_logpdf(y, mu, phi, power), rel=1e-10)


@pytest.mark.parametrize("power", [1.35, 1.5, 1.65, 1.8, 1.95])
def test_matches_statsmodels_exact_loglike(power):
    # statsmodels (eql=False) evaluates the density through scipy's log_wright_bessel,
    # an independent implementation; it loses accuracy (1e-6 relative at p = 1.2,
    # 1e-3 at p = 1.1) for p near 1, where the brute-force test above covers the
    # series, so the powers here stay where it is accurate.
    rng = np.random.default_rng(int(power * 100))
    n = 3000
    mu = rng.uniform(0.05, 20.0, n)
    weights = rng.uniform(0.2, 5.0, n)
    y = simulate_cpg(rng, mu, 1.5, power, weights)
    for phi in (0.2, 1.5, 30.0):
        ours = tweedie_logpdf(y, mu, phi, power, weights)
        theirs = Tweedie(var_power=power, eql=False).loglike_obs(y, mu, var_weights=weights, scale=phi)
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
        assert tweedie_loglik(y, mu, phi, power, weights) == pytest.approx(theirs.sum(), rel=1e-11)


def test_matches_monte_carlo_compound_poisson_gamma_histogram():
    rng = np.random.default_rng(7)
    mu, phi, power = 2.0, 1.2, 1.4
    n = 400_000
    draws = simulate_cpg(rng, np.full(n, mu), phi, power, np.ones(n))
    edges = np.r_[0.0, np.quantile(draws[draws > 0], np.linspace(0, 1, 41)[1:-1]), np.inf]
    observed = np.r_[np.sum(draws == 0), np.histogram(draws[draws > 0], edges)[0]]
    p0 = np.exp(tweedie_logpdf(0.0, mu, phi, power))
    cells = [
        integrate.quad(lambda v: float(np.exp(tweedie_logpdf(v, mu, phi, power))), lo, hi, limit=200)[0]
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    expected = n * np.r_[p0, cells]
    assert expected.sum() == pytest.approx(n, rel=1e-9)
    chi2 = np.sum((observed - expected) ** 2 / expected)
    assert stats.chi2.sf(chi2, len(expected) - 1) > 1e-3


def test_logpdf_broadcasts_and_weights_divide_the_dispersion():
    y = np.array([[0.0, 1.0], [2.0, 5.0]])
    assert tweedie_logpdf(y, 1.5, 2.0, 1.5).shape == (2, 2)
    np.testing.assert_allclose(
        tweedie_logpdf(y, 1.5, 2.0, 1.5, weights=4.0), tweedie_logpdf(y, 1.5, 0.5, 1.5), rtol=1e-15
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(y=1.0, mu=1.0, dispersion=1.0, power=1.0),
        dict(y=1.0, mu=1.0, dispersion=1.0, power=2.0),
        dict(y=-1.0, mu=1.0, dispersion=1.0, power=1.5),
        dict(y=1.0, mu=0.0, dispersion=1.0, power=1.5),
        dict(y=1.0, mu=1.0, dispersion=0.0, power=1.5),
        dict(y=np.nan, mu=1.0, dispersion=1.0, power=1.5),
    ],
)
def test_logpdf_rejects_bad_arguments(kwargs):
    with pytest.raises(ParameterError):
        tweedie_logpdf(**kwargs)


def test_dispersion_mle_maximises_the_likelihood():
    rng = np.random.default_rng(3)
    n = 20_000
    mu = rng.uniform(1.0, 10.0, n)
    weights = rng.uniform(0.5, 2.0, n)
    y = simulate_cpg(rng, mu, 3.0, 1.5, weights)
    phi, loglik = tweedie_dispersion_mle(y, mu, 1.5, weights)
    assert phi == pytest.approx(3.0, rel=0.05)
    assert loglik == pytest.approx(tweedie_loglik(y, mu, phi, 1.5, weights), rel=1e-14)
    for other in (phi * 0.99, phi * 1.01):
        assert tweedie_loglik(y, mu, other, 1.5, weights) < loglik
    # zero prior weights carry no information
    y0, mu0, w0 = np.r_[y, 7.0], np.r_[mu, 1.0], np.r_[weights, 0.0]
    assert tweedie_dispersion_mle(y0, mu0, 1.5, w0)[1] == pytest.approx(loglik, rel=1e-9)


# ----------------------------------------------------- GLM vs statsmodels
def statsmodels_tweedie(X, amount, exposure, weights, power, base_levels):
    frame = pd.DataFrame(
        {f: X[f].cat.reorder_categories([base, *(c for c in X[f].cat.categories if c != base)]) for f, base in base_levels.items()}
    )
    exog = sm.add_constant(pd.get_dummies(frame, drop_first=True, dtype=float, prefix_sep="__"))
    model = sm.GLM(
        amount / exposure, exog, family=Tweedie(var_power=power, link=links.Log()), var_weights=weights * exposure
    )
    return model.fit(tol=1e-13, tol_criterion="params", maxiter=200)


@pytest.mark.parametrize("power", [1.3, 1.6])
def test_fixed_power_matches_statsmodels(power):
    X, amount, exposure, weights = tweedie_book(8_000, power, seed=11, weighted=True)
    base_levels = {"region": "north", "age": "25-44"}
    ours = TweedieGLM(["region", "age"], base_levels=base_levels, power=power).fit(
        X, amount, exposure=exposure, sample_weight=weights
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = statsmodels_tweedie(X, amount, exposure, weights, power, base_levels)
    expected = theirs.params.to_numpy()
    np.testing.assert_allclose(ours.params_.to_numpy(), expected, rtol=1e-6, atol=1e-9)
    assert ours.params_.index[0] == INTERCEPT
    assert ours.deviance_ == pytest.approx(theirs.deviance, rel=1e-8)
    assert ours.dispersion_ == pytest.approx(theirs.scale, rel=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(ours.cov_params_)), theirs.bse.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(X, exposure), theirs.fittedvalues.to_numpy() * exposure, rtol=1e-6)
    # exact (series) log-likelihood at the Pearson dispersion, as statsmodels' llf with eql=False;
    # statsmodels' Wright-Bessel evaluation is itself only ~1e-6 accurate near power 1.3
    assert ours.loglik_ == pytest.approx(theirs.llf, rel=1e-6)
    assert ours.aic_ == pytest.approx(theirs.aic, rel=1e-6)


# ------------------------------------------------------------------ profile
@pytest.mark.parametrize(("power", "seed"), [(1.3, 1), (1.6, 2), (1.45, 3)])
def test_profile_picks_the_true_power(power, seed):
    X, amount, exposure, weights = tweedie_book(20_000, power, seed=seed)
    model = TweedieGLM(["region", "age"], power="profile", power_grid=GRID)
    best, profile = profile_power(model, X, amount, weights, exposure)
    assert abs(best - power) <= 0.05 + 1e-9  # the grid point nearest the truth (a neighbour off grid)
    at_best = profile.set_index("power").loc[best]
    if best == power:
        assert at_best["dispersion"] == pytest.approx(200.0, rel=0.1)  # the simulated dispersion
    assert list(profile.columns[:3]) == ["power", "loglik", "dispersion"]
    assert profile["power"].tolist() == list(GRID)
    assert best == profile.loc[profile["loglik"].idxmax(), "power"]
    # the maximum-likelihood dispersion beats the Pearson one at every power
    for row in profile.itertuples():
        mu = TweedieGLM(["region", "age"], power=row.power).fit(X, amount, exposure=exposure).predict(X)
        at_pearson = tweedie_loglik(amount / exposure, mu, row.pearson_dispersion, row.power, exposure)
        assert row.loglik >= at_pearson - 1e-9
        if row.power == best:
            break


def test_profile_through_tweedie_glm_and_weights():
    X, amount, exposure, weights = tweedie_book(10_000, 1.6, seed=5, weighted=True)
    model = TweedieGLM(["region", "age"], power="profile", power_grid=(1.7, 1.5, 1.6)).fit(
        X, amount, exposure=exposure, sample_weight=weights
    )
    assert model.power_ == 1.6
    assert model.family_.power == 1.6
    assert model.power_profile_["power"].tolist() == [1.5, 1.6, 1.7]
    fixed = TweedieGLM(["region", "age"], power=1.6).fit(X, amount, exposure=exposure, sample_weight=weights)
    pd.testing.assert_series_equal(model.params_, fixed.params_, rtol=1e-12)
    # doubling every prior weight doubles the dispersion and leaves the likelihood alone
    _, doubled = profile_power(model, X, amount, 2 * weights, exposure)
    np.testing.assert_allclose(doubled["dispersion"], 2 * model.power_profile_["dispersion"], rtol=1e-5)
    np.testing.assert_allclose(doubled["loglik"], model.power_profile_["loglik"], rtol=1e-9)


@pytest.mark.parametrize("grid", [(), (1.0, 1.5), (1.5, 2.0), ("a",), None])
def test_profile_rejects_bad_grids(grid):
    X, amount, exposure, weights = tweedie_book(200, 1.5, seed=0)
    model = TweedieGLM(["region"], power="profile", power_grid=grid)
    with pytest.raises(ParameterError):
        model.fit(X, amount, exposure=exposure)
