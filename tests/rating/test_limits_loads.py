"""Limited second moments, risk-loaded and ALAE-loaded increased-limit factors against independent
integrals, the thin gamma tail against a lognormal, and fitted severities used directly."""

import numpy as np
import pytest
from scipy import integrate, special, stats

from autorisk.errors import ParameterError
from autorisk.rating import (
    deductible_factor,
    gamma_severity,
    limit_factor,
    limited_expected_value,
    loss_elimination_ratio,
)
from autorisk.severity import SeverityFit

LIMITS = [1_000_000, 2_000_000, 3_000_000, 5_000_000]


def lognormal_limited_moment(u, mu, sigma, k):
    """Klugman, Panjer & Willmot: E[(X ∧ u)^k] of a lognormal."""
    z = (np.log(u) - mu) / sigma
    return np.exp(k * mu + k**2 * sigma**2 / 2) * special.ndtr(z - k * sigma) + u**k * special.ndtr(-z)


def test_second_limited_moment_matches_the_lognormal_closed_form_and_the_sample():
    mu, sigma = 9.0, 1.6
    limits = np.array([100.0, 1e4, 1e5, 1e6, 1e7])
    np.testing.assert_allclose(
        limited_expected_value(stats.lognorm(sigma, scale=np.exp(mu)), limits, order=2),
        lognormal_limited_moment(limits, mu, sigma, 2), rtol=1e-8)  # fmt: skip
    sample = np.array([10.0, 300.0, 2500.0])
    np.testing.assert_allclose(limited_expected_value(sample, [500.0], order=2),
                               [np.mean(np.minimum(sample, 500.0) ** 2)])  # fmt: skip
    with pytest.raises(ParameterError, match="order must be an integer >= 1"):
        limited_expected_value(sample, [500.0], order=0)
    with pytest.raises(ParameterError, match="moment of order 2"):
        limited_expected_value(stats.lomax(1.5), np.inf, order=2)


def layer_moments(dist, d, limit):
    """E[Y] and E[Y^2] of the layer payment Y = min(max(X - d, 0), L - d), integrated from the density."""
    pay = lambda x: np.clip(x - d, 0.0, limit - d)  # noqa: E731
    first, second = (
        integrate.quad(lambda x, k=k: pay(x) ** k * dist.pdf(x), d, limit, epsrel=1e-12, limit=400)[0]
        + (limit - d) ** k * dist.sf(limit)
        for k in (1, 2)
    )
    return first, second


@pytest.mark.parametrize(("basis", "load"), [("variance", 2e-7), ("std", 0.15)])
def test_risk_and_alae_loaded_ilfs_match_a_hand_computation(basis, load):
    dist, d, alae = stats.lognorm(1.8, scale=30_000.0), 1000.0, 0.08
    factor = limit_factor(dist, LIMITS, base=1_000_000, deductible=d, risk_load=load, risk_load_basis=basis,
                          alae=alae)  # fmt: skip
    moments = [layer_moments(dist, d, limit) for limit in LIMITS]
    base_loss = moments[0][0]

    def cost(first, second):
        variance = second - first**2
        risk = load * (variance if basis == "variance" else np.sqrt(variance))
        return first + risk + alae * base_loss  # unlimited ALAE: the same amount for every limit

    costs = np.array([cost(*m) for m in moments])
    np.testing.assert_allclose(factor.values, costs / costs[0], rtol=1e-6)
    plain = limit_factor(dist, LIMITS, base=1_000_000, deductible=d).values
    # the risk load raises high limits' factors; in this case by more than unlimited ALAE lowers them
    assert all(f > p for f, p in zip(factor.values[1:], plain[1:], strict=True))


def test_alae_unlimited_pulls_factors_to_one_and_proportional_alae_cancels():
    dist = stats.lognorm(1.8, scale=30_000.0)
    plain = np.array(limit_factor(dist, LIMITS, base=1_000_000).values)
    unlimited = np.array(limit_factor(dist, LIMITS, base=1_000_000, alae=0.1).values)
    np.testing.assert_allclose(unlimited, (plain + 0.1) / 1.1, rtol=1e-12)
    proportional = limit_factor(dist, LIMITS, base=1_000_000, alae=0.1, alae_basis="proportional")
    np.testing.assert_allclose(proportional.values, plain, rtol=1e-12)
    with pytest.raises(ParameterError, match=r"alae_basis must be one of \('unlimited', 'proportional'\)"):
        limit_factor(dist, LIMITS, base=1_000_000, alae=0.1, alae_basis="capped")
    with pytest.raises(ParameterError, match="risk_load_basis must be one of"):
        limit_factor(dist, LIMITS, base=1_000_000, risk_load=0.1, risk_load_basis="var")
    with pytest.raises(ParameterError, match="risk_load must be finite, >= 0"):
        limit_factor(dist, LIMITS, base=1_000_000, risk_load=-1.0)


def test_a_gamma_understates_high_limit_ilfs_against_a_lognormal_with_the_same_mean_and_cv():
    mean, cv = 40_000.0, 2.0
    gamma = gamma_severity(mean, cv**2)
    sigma = np.sqrt(np.log1p(cv**2))
    lognormal = stats.lognorm(sigma, scale=mean / np.sqrt(1 + cv**2))
    assert float(lognormal.mean()) == pytest.approx(mean) and float(lognormal.std()) == pytest.approx(cv * mean)
    thin = limit_factor(gamma, LIMITS, base=1_000_000).values
    heavy = limit_factor(lognormal, LIMITS, base=1_000_000).values
    assert heavy[-1] > thin[-1]
    # measured: ILF(5M) 1.00045 for the gamma and 1.0095 for the lognormal: 20 times the increase
    assert heavy[-1] - 1 > 10 * (thin[-1] - 1)


def test_a_fitted_severity_goes_straight_into_the_limit_factors():
    truth = stats.lognorm(1.5, scale=20_000.0)
    x = truth.rvs(20_000, random_state=9)
    fit = SeverityFit("lognormal").fit(np.minimum(x, 2e6), limit=2e6)
    fitted = limit_factor(fit.distribution_, LIMITS, base=1_000_000).values
    true = limit_factor(truth, LIMITS, base=1_000_000).values
    np.testing.assert_allclose(fitted, true, rtol=0.02)


def test_deductible_relativities_from_a_fit_to_truncated_data_recover_the_ground_up_truth():
    # claims are only seen above a 500 deductible: the fit's ground-up distribution still prices
    # lower deductibles, which the observed amounts alone cannot
    truth = stats.weibull_min(0.9, scale=3000.0)
    x = truth.rvs(60_000, random_state=12)
    seen = x[x > 500.0]
    fit = SeverityFit("weibull").fit(seen, deductible=500.0)
    options = [0, 250, 500, 1000, 2000]
    fitted = deductible_factor(fit.distribution_, options, base=0).values
    true = deductible_factor(truth, options, base=0).values
    np.testing.assert_allclose(fitted, true, rtol=0.01)
    ler = loss_elimination_ratio(fit.distribution_, [500.0])[0]
    assert ler == pytest.approx(loss_elimination_ratio(truth, [500.0])[0], rel=0.03)
    # a fit that ignores the truncation prices the deductibles worse (measured: 2.7% against 0.5%)
    naive = deductible_factor(SeverityFit("weibull").fit(seen).distribution_, options, base=0).values
    errors = [np.max(np.abs(np.array(v) / true - 1)) for v in (fitted, naive)]
    assert errors[1] > 3 * errors[0]
