"""Spliced severity: a proper distribution (continuous cdf, unit mass, inverse functions), its
limited expected values against a closed form, recovery of a known splice, and GPD stability."""

import numpy as np
import pytest
from scipy import integrate, special, stats

from autorisk.errors import ModelError, ParameterError
from autorisk.rating import limit_factor, limited_expected_value
from autorisk.severity import SplicedFit, gpd_stability, spliced_distribution

MU, SIGMA, T, P, XI, SCALE = 7.0, 1.0, 5000.0, 0.9, 0.35, 4000.0


def truth():
    return spliced_distribution(stats.lognorm(SIGMA, scale=np.exp(MU)),
                                stats.genpareto(XI, loc=T, scale=SCALE), T, P)  # fmt: skip


def lognormal_lev(u):
    return np.exp(MU + SIGMA**2 / 2) * special.ndtr((np.log(u) - MU - SIGMA**2) / SIGMA) + u * special.ndtr(
        -(np.log(u) - MU) / SIGMA)  # fmt: skip


def spliced_lev(u):
    """Closed form: ∫_0^t S = t - p (t - LEV_b(t)) / F_b(t), plus the GPD's (1 - p) LEV above t."""
    body_cdf = special.ndtr((np.log(T) - MU) / SIGMA)
    below = T - P * (T - lognormal_lev(T)) / body_cdf
    above = (1 - P) * SCALE / (1 - XI) * (1 - (1 + XI * (u - T) / SCALE) ** (1 - 1 / XI))
    return below + above


def test_spliced_distribution_is_a_proper_distribution():
    dist = truth()
    assert dist.cdf(T) == pytest.approx(P, rel=1e-12)
    assert dist.cdf(T * (1 + 1e-9)) == pytest.approx(P, rel=1e-6)  # continuous at the threshold
    mass = integrate.quad(dist.pdf, 0, T)[0] + integrate.quad(dist.pdf, T, np.inf)[0]
    assert mass == pytest.approx(1.0, rel=1e-8)
    x = np.array([50.0, 1000.0, 4999.0, 5001.0, 2e4, 1e6])
    np.testing.assert_allclose(dist.ppf(dist.cdf(x)), x, rtol=1e-8)
    np.testing.assert_allclose(dist.isf(dist.sf(x)), x, rtol=1e-8)
    np.testing.assert_allclose(dist.cdf(x) + dist.sf(x), 1.0, rtol=1e-12)
    # the mean against an independent integral of x f(x)
    mean = integrate.quad(lambda v: v * dist.pdf(v), 0, T)[0] + integrate.quad(lambda v: v * dist.pdf(v), T, np.inf)[0]
    assert float(dist.mean()) == pytest.approx(mean, rel=1e-7)


def test_limited_expected_values_of_the_splice_match_the_closed_form():
    limits = np.array([1e6, 2e6, 3e6, 5e6])
    np.testing.assert_allclose(limited_expected_value(truth(), limits), spliced_lev(limits), rtol=1e-8)
    factor = limit_factor(truth(), [1_000_000, 2_000_000, 5_000_000], base=1_000_000)
    expected = spliced_lev(np.array([1e6, 2e6, 5e6])) / spliced_lev(1e6)
    np.testing.assert_allclose(factor.values, expected, rtol=1e-8)


def draw(n, seed, dist=None):
    return (dist or truth()).ppf(np.random.default_rng(seed).random(n))


def test_spliced_fit_recovers_a_known_splice_with_censoring_in_the_tail():
    x = draw(40_000, seed=3)
    limit = 30_000.0
    fit = SplicedFit("lognormal", threshold=T).fit(np.minimum(x, limit), limit=limit)
    assert fit.tail_.n_censored_ == int((x >= limit).sum()) > 50
    for part, truth_values in ((fit.body_, [MU, SIGMA]), (fit.tail_, [XI, SCALE])):
        z = (part.params_.to_numpy() - truth_values) / part.std_err_.to_numpy()
        assert np.all(np.abs(z) < 4), (part.family_.name, z)
    assert fit.weight_ == pytest.approx(P, abs=4 * np.sqrt(P * (1 - P) / x.size))
    # the whole model's log-likelihood is that of its own density at the data
    uncensored = np.minimum(x, limit) < limit
    direct = np.log(fit.distribution_.pdf(x[uncensored])).sum() + (~uncensored).sum() * np.log(
        fit.distribution_.sf(limit))  # fmt: skip
    assert fit.loglik_ == pytest.approx(direct, rel=1e-9)
    assert "GPD tail above 5,000" in repr(fit) and "<table" in fit._repr_html_()


def test_the_splice_beats_a_single_lognormal_on_a_heavy_tail():
    from autorisk.severity import compare_families

    x = draw(20_000, seed=4)
    single = compare_families(x, ["lognormal"]).table.loc["lognormal", "aic"]
    assert SplicedFit("lognormal", threshold=T).fit(x).aic_ < single - 10


def test_gpd_stability_is_flat_above_a_true_gpd_threshold():
    x = stats.genpareto(0.3, scale=1000.0).rvs(30_000, random_state=6)
    table = gpd_stability(x, [0.0, 500.0, 1000.0, 3000.0, 1e9])
    stable = table.iloc[:4]
    assert np.all(np.abs(stable["xi"] - 0.3) < 3 * stable["xi_std_err"])
    # above a GPD threshold u the scale is sigma + xi u: the modified scale stays at sigma
    np.testing.assert_allclose(stable["modified_scale"], 1000.0, rtol=0.1)
    assert table.iloc[4]["n_excess"] == 0 and np.isnan(table.iloc[4]["xi"])


def test_spliced_fit_refuses_bad_setups():
    x = draw(500, seed=1)
    with pytest.raises(ParameterError, match="threshold must be finite and > 0"):
        SplicedFit().fit(x)
    with pytest.raises(ParameterError, match="censored amounts must lie above the threshold"):
        SplicedFit(threshold=T).fit(np.minimum(x, 1000.0), limit=1000.0)
    with pytest.raises(ModelError, match="claims on both sides"):
        SplicedFit(threshold=x.max() + 1).fit(x)
    with pytest.raises(ParameterError, match="weight must be in"):
        spliced_distribution(stats.expon(), stats.expon(loc=1.0), 1.0, 1.0)
