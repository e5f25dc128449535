"""Deductible and limit options: limited expected values against closed forms, monotone factors, clear errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from autorisk.errors import ParameterError
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.rating.limits import (
    deductible_factor,
    gamma_severity,
    limit_factor,
    limited_expected_value,
    loss_elimination_ratio,
)

LIMITS = np.array([0.0, 1.0, 50.0, 300.0, 1000.0, 2500.0, 10_000.0, 1e6])


# ------------------------------------------------- closed-form truths (Klugman, Panjer & Willmot)


def exponential_lev(u, theta):
    return theta * -np.expm1(-u / theta)


def lognormal_lev(u, mu, sigma):
    with np.errstate(divide="ignore"):
        log_u = np.log(u)
    below = np.exp(mu + sigma**2 / 2) * special.ndtr((log_u - mu - sigma**2) / sigma)
    return below + u * special.ndtr(-(log_u - mu) / sigma)


def lomax_lev(u, alpha, theta):
    return theta / (alpha - 1) * (1 - (theta / (theta + u)) ** (alpha - 1))


def gamma_lev(u, alpha, theta):
    return alpha * theta * special.gammainc(alpha + 1, u / theta) + u * special.gammaincc(
        alpha, u / theta
    )


@pytest.mark.parametrize("theta", [1.0, 850.0, 40_000.0])
def test_exponential_matches_closed_form(theta):
    got = limited_expected_value(stats.expon(scale=theta), [*LIMITS, np.inf])
    np.testing.assert_allclose(got, [*exponential_lev(LIMITS, theta), theta], rtol=1e-8, atol=0)


@pytest.mark.parametrize(("mu", "sigma"), [(6.5, 0.4), (7.0, 1.5), (5.0, 2.5)])
def test_lognormal_matches_closed_form(mu, sigma):
    got = limited_expected_value(stats.lognorm(sigma, scale=np.exp(mu)), [*LIMITS, np.inf])
    np.testing.assert_allclose(
        got, [*lognormal_lev(LIMITS, mu, sigma), np.exp(mu + sigma**2 / 2)], rtol=1e-8, atol=0
    )


@pytest.mark.parametrize(("alpha", "theta"), [(1.2, 500.0), (2.5, 2000.0), (6.0, 100.0)])
def test_pareto_matches_closed_form(alpha, theta):
    got = limited_expected_value(stats.lomax(alpha, scale=theta), [*LIMITS, np.inf])
    np.testing.assert_allclose(
        got, [*lomax_lev(LIMITS, alpha, theta), theta / (alpha - 1)], rtol=1e-8, atol=0
    )


@pytest.mark.parametrize(("alpha", "theta"), [(0.3, 3000.0), (1.0, 700.0), (4.0, 250.0)])
def test_gamma_matches_closed_form(alpha, theta):
    got = limited_expected_value(stats.gamma(alpha, scale=theta), [*LIMITS, np.inf])
    np.testing.assert_allclose(
        got, [*gamma_lev(LIMITS, alpha, theta), alpha * theta], rtol=1e-8, atol=0
    )


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["lognormal", "pareto"]),
    st.floats(0.1, 3.0),
    st.floats(1.05, 8.0),
    st.lists(st.floats(1.0, 1e9), min_size=1, max_size=4),
)
def test_heavy_tails_match_closed_forms_for_any_parameters(family, sigma, alpha, limits):
    limits = np.array(limits)
    if family == "lognormal":
        dist = stats.lognorm(sigma, scale=np.exp(7.0))
        expected = [*lognormal_lev(limits, 7.0, sigma), np.exp(7.0 + sigma**2 / 2)]
    else:
        dist = stats.lomax(alpha, scale=2000.0)
        expected = [*lomax_lev(limits, alpha, 2000.0), 2000.0 / (alpha - 1)]
    np.testing.assert_allclose(limited_expected_value(dist, [*limits, np.inf]), expected, rtol=1e-8)


def test_shifted_and_bounded_supports():
    # Shifted exponential: X = 200 + Exp(500); uniform on [100, 1000]: E[X ∧ u] by hand.
    shifted = limited_expected_value(
        stats.expon(loc=200.0, scale=500.0), [100.0, 200.0, 700.0, np.inf]
    )
    np.testing.assert_allclose(
        shifted, [100.0, 200.0, 200.0 + exponential_lev(500.0, 500.0), 700.0], rtol=1e-10
    )
    uniform = limited_expected_value(
        stats.uniform(100.0, 900.0), [50.0, 400.0, 1000.0, 5000.0, np.inf]
    )
    at_400 = 100.0 + (400.0 - 100.0) - (400.0 - 100.0) ** 2 / (2 * 900.0)
    np.testing.assert_allclose(uniform, [50.0, at_400, 550.0, 550.0, 550.0], rtol=1e-10)


def test_result_keeps_the_shape_of_the_limits():
    dist = stats.expon(scale=100.0)
    assert limited_expected_value(dist, 100.0).shape == ()
    grid = np.array([[0.0, 50.0], [100.0, np.inf]])
    got = limited_expected_value(dist, grid)
    np.testing.assert_allclose(
        got, [[0.0, exponential_lev(50.0, 100.0)], [exponential_lev(100.0, 100.0), 100.0]]
    )


# ------------------------------------------------------------------------ empirical


def brute_force_lev(claims, u, weights=None):
    weights = [1.0] * len(claims) if weights is None else weights
    total = 0.0
    for claim, weight in zip(claims, weights, strict=True):
        total += weight * (claim if claim < u else u)
    return total / sum(weights)


def test_sample_matches_a_python_loop():
    rng = np.random.default_rng(3)
    claims = rng.lognormal(7.0, 1.2, size=400)
    weights = rng.uniform(0.0, 3.0, size=400)
    limits = [0.0, 100.0, 1000.0, 5000.0, np.inf]
    expected = [brute_force_lev(claims.tolist(), u) for u in limits]
    np.testing.assert_allclose(limited_expected_value(claims, limits), expected, rtol=1e-12)
    weighted = [brute_force_lev(claims.tolist(), u, weights.tolist()) for u in limits]
    np.testing.assert_allclose(
        limited_expected_value(claims, limits, weights=weights), weighted, rtol=1e-12
    )
    as_series = limited_expected_value(pd.Series(claims), limits)
    np.testing.assert_allclose(as_series, expected, rtol=1e-12)


def test_large_sample_converges_to_the_closed_form():
    mu, sigma = 7.0, 1.0
    claims = stats.lognorm(sigma, scale=np.exp(mu)).rvs(
        size=400_000, random_state=np.random.default_rng(20)
    )
    limits = np.array([250.0, 1000.0, 5000.0, 20_000.0])
    np.testing.assert_allclose(
        limited_expected_value(claims, limits), lognormal_lev(limits, mu, sigma), rtol=0.01
    )


def test_deductible_and_limit_factors_from_the_exponential():
    # Exponential: layer (d, inf) costs theta e^{-d/theta}; layer (0, L) costs theta (1 - e^{-L/theta}).
    # Deductibles far in the tail keep their relative accuracy (layers are summed, not differenced).
    theta = 1500.0
    dist = stats.expon(scale=theta)
    deductibles = [0, 250, 500, 1000, 20_000, 60_000]
    factor = deductible_factor(dist, deductibles, base=250)
    np.testing.assert_allclose(
        factor.values, np.exp(-(np.array(deductibles) - 250) / theta), rtol=1e-9
    )
    limits = [5000, 10_000, 50_000]
    ilf = limit_factor(dist, limits, base=10_000)
    np.testing.assert_allclose(
        ilf.values, -np.expm1(-np.array(limits) / theta) / -np.expm1(-10_000 / theta), rtol=1e-9
    )
    ler = loss_elimination_ratio(dist, deductibles)
    np.testing.assert_allclose(ler, -np.expm1(-np.array(deductibles) / theta), rtol=1e-9)


def test_layer_factors_from_the_pareto_with_both_deductible_and_limit():
    alpha, theta = 2.2, 3000.0
    dist = stats.lomax(alpha, scale=theta)
    factor = deductible_factor(dist, [0, 500, 2000], base=500, limit=100_000)
    layer = lomax_lev(100_000, alpha, theta) - lomax_lev(
        np.array([0.0, 500.0, 2000.0]), alpha, theta
    )
    np.testing.assert_allclose(factor.values, layer / layer[1], rtol=1e-8)
    ilf = limit_factor(dist, [10_000, 25_000, 100_000], base=25_000, deductible=500)
    layer = lomax_lev(np.array([10_000.0, 25_000.0, 100_000.0]), alpha, theta) - lomax_lev(
        500.0, alpha, theta
    )
    np.testing.assert_allclose(ilf.values, layer / layer[1], rtol=1e-8)


def test_factors_are_plain_data_with_the_levels_as_given():
    factor = deductible_factor(
        stats.expon(scale=1000.0), np.array([0, 500, 1000]), base=500, column="excess", name="xs"
    )
    assert isinstance(factor, CategoricalFactor)
    assert (factor.name, factor.column, factor.levels) == ("xs", "excess", (0, 500, 1000))
    assert all(type(level) is int for level in factor.levels)
    assert all(type(value) is float for value in factor.values)
    assert factor.values[1] == 1.0
    ilf = limit_factor([100.0, 800.0, 30_000.0], [1000.0, 25_000.5], base=1000.0)
    assert ilf.levels == (1000.0, 25_000.5) and all(type(value) is float for value in ilf.values)


def test_gamma_severity_has_the_glm_mean_and_variance():
    severity = gamma_severity(3200.0, 0.6)
    assert severity.mean() == pytest.approx(3200.0, rel=1e-12)
    assert severity.var() == pytest.approx(0.6 * 3200.0**2, rel=1e-12)
    np.testing.assert_allclose(
        limited_expected_value(severity, [1000.0, 5000.0]),
        gamma_lev(np.array([1000.0, 5000.0]), 1 / 0.6, 3200.0 * 0.6),
        rtol=1e-8,
    )


# --------------------------------------------------------------------- rating plan


def test_factor_quotes_through_a_rating_plan():
    theta = 2000.0
    factor = deductible_factor(stats.expon(scale=theta), [0, 500], base=0)
    plan = RatingPlan("p", "1", (Coverage("od", 1000.0, (factor,)),))
    premium = plan.quote(pd.DataFrame({"deductible": [0, 500]}))["premium_od"]
    np.testing.assert_allclose(premium, [1000.0, 1000.0 * np.exp(-500 / theta)], rtol=1e-9)
    ilf = limit_factor(stats.expon(scale=theta), [1000, 5000], base=1000)
    plan = RatingPlan("p", "1", (Coverage("tpl", 400.0, (ilf, factor)),))
    loaded = RatingPlan.from_json(plan.to_json())
    table = pd.DataFrame({"limit": [5000, 1000], "deductible": [500, 0]})
    expected = [400.0 * -np.expm1(-2.5) / -np.expm1(-0.5) * np.exp(-0.25), 400.0]
    np.testing.assert_allclose(loaded.quote(table)["premium_tpl"], expected, rtol=1e-9)


# ---------------------------------------------------------------------- properties

DISTRIBUTIONS = [
    stats.expon(scale=2000.0),
    stats.lognorm(1.8, scale=900.0),
    stats.lomax(1.6, scale=1500.0),
    stats.gamma(0.5, scale=4000.0),
]
claims_strategy = st.lists(st.floats(0.0, 1e5), min_size=1, max_size=40).map(
    lambda xs: [*xs, 20_000.0]
)
amounts = st.lists(st.integers(0, 15_000), min_size=1, max_size=6, unique=True)
severities = st.one_of(claims_strategy, st.sampled_from(DISTRIBUTIONS))


@settings(max_examples=40, deadline=None)
@given(severities, amounts, st.just(np.inf) | st.integers(15_001, 40_000), st.data())
def test_deductible_relativities_fall_with_the_deductible_and_are_1_at_base(
    severity, deductibles, limit, data
):
    base = data.draw(st.sampled_from(deductibles))
    factor = deductible_factor(severity, deductibles, base=base, limit=limit)
    by_deductible = dict(zip(factor.levels, factor.values, strict=True))
    ordered = [by_deductible[d] for d in sorted(deductibles)]
    assert by_deductible[base] == 1.0
    assert all(b <= a for a, b in zip(ordered, ordered[1:], strict=False))
    assert all(v > 0 for v in ordered)


@settings(max_examples=40, deadline=None)
@given(severities, amounts, st.integers(0, 2000) | st.just(0), st.data())
def test_increased_limit_factors_rise_with_the_limit_and_grow_less_than_the_layer(
    severity, offsets, deductible, data
):
    limits = [deductible + 1 + x for x in offsets]
    base = data.draw(st.sampled_from(limits))
    factor = limit_factor(severity, limits, base=base, deductible=deductible)
    ilf = dict(zip(factor.levels, factor.values, strict=True))
    ordered = sorted(limits)
    assert ilf[base] == 1.0
    assert all(ilf[b] >= ilf[a] for a, b in zip(ordered, ordered[1:], strict=False))
    # E[X ∧ L] is concave, so the layer (d, L] grows at most in proportion to its width:
    # ILF(L) <= (L - d) / (base - d) above the base (= L / base without a deductible), >= below it.
    for limit in ordered:
        width = (limit - deductible) / (base - deductible)
        if limit >= base:
            assert ilf[limit] <= width * (1 + 1e-9)
        else:
            assert ilf[limit] >= width * (1 - 1e-9)


@settings(max_examples=40, deadline=None)
@given(severities, amounts, st.integers(1, 30_000) | st.just(np.inf))
def test_loss_elimination_ratio_is_between_0_and_1(severity, deductibles, limit):
    deductibles = [min(d, limit) for d in deductibles]
    ratio = loss_elimination_ratio(severity, deductibles, limit)
    assert np.all((ratio >= 0) & (ratio <= 1))
    assert np.all(ratio[np.asarray(deductibles) == limit] == 1.0)


# -------------------------------------------------------------------------- errors

EXPON = stats.expon(scale=1000.0)


def case(name, call, *fragments):
    return pytest.param(call, fragments, id=name)


# fmt: off
ERRORS = [
    # option lists and amounts
    case("negative deductible", lambda: deductible_factor(EXPON, [0, -100], base=0), "deductibles", "-100"),
    case("NaN deductible", lambda: loss_elimination_ratio(EXPON, [0.0, np.nan]), "deductibles", "nan"),
    case("infinite deductible", lambda: deductible_factor(EXPON, [0, np.inf], base=0), "deductibles", "inf"),
    case("repeated deductible", lambda: deductible_factor(EXPON, [0, 500, 500.0], base=0), "deductibles", "500"),
    case("negative limit", lambda: limited_expected_value(EXPON, [100.0, -5.0]), "limits", "-5"),
    case("NaN limit", lambda: loss_elimination_ratio(EXPON, [100.0], np.nan), "limit", "nan"),
    case("infinite limit option", lambda: limit_factor(EXPON, [1000, np.inf], base=1000), "limits", "inf"),
    case("negative deductible of ILF", lambda: limit_factor(EXPON, [10], base=10, deductible=-1), "deductible", "-1"),
    # bases, and deductibles against limits
    case("deductible base", lambda: deductible_factor(EXPON, [0, 500], base=250), "base 250", "deductibles [0, 500]"),
    case("limit base", lambda: limit_factor(EXPON, [1000, 5000], base=2000), "base 2000", "limits [1000, 5000]"),
    case("limits not above deductible", lambda: limit_factor(EXPON, [400, 500, 1000], base=1000, deductible=500),
         "limits", "deductible 500.0", "[400.0, 500.0]"),
    case("deductible not below limit", lambda: deductible_factor(EXPON, [0, 1000], base=0, limit=1000),
         "deductibles", "limit 1000.0", "[1000.0]"),
    case("LER above limit", lambda: loss_elimination_ratio(EXPON, [0, 2000], 1000), "deductibles", "[2000.0]"),
    case("LER limit 0", lambda: loss_elimination_ratio(EXPON, [0], 0), "limit 0.0", "E[X ∧ limit] = 0"),
    case("no loss above deductible", lambda: deductible_factor([100.0, 200.0], [0, 300], base=0),
         "deductibles", "[300.0]"),
    # samples and weights
    case("empty sample", lambda: limited_expected_value([], [100.0]), "severity", "[]"),
    case("negative claim", lambda: limited_expected_value([100.0, -5.0], [100.0]), "severity", "-5.0"),
    case("infinite claim", lambda: limited_expected_value([100.0, np.inf], [100.0]), "severity", "inf"),
    case("text sample", lambda: limited_expected_value(["a", "b"], [100.0]), "severity", "'a'"),
    case("negative weight", lambda: limited_expected_value([1.0, 2.0], [1.0], weights=[1, -2]), "weights", "-2.0"),
    case("short weights", lambda: limited_expected_value([1.0, 2.0], [1.0], weights=[1.0]), "weights", "(1,)"),
    case("zero weights", lambda: limited_expected_value([1.0, 2.0], [1.0], weights=[0, 0]), "weights", "[0.0, 0.0]"),
    case("weighted distribution", lambda: limited_expected_value(EXPON, [1.0], weights=[1.0]),
         "weights", "distribution"),
    # distributions
    case("discrete", lambda: limited_expected_value(stats.poisson(3.0), [1.0]), "severity", "poisson(3.0)"),
    case("support below 0", lambda: limited_expected_value(stats.norm(1000, 10), [1.0]),
         "severity", "norm(1000, 10)", "support [-inf, inf]"),
    case("infinite mean", lambda: limited_expected_value(stats.lomax(0.8, scale=1000), [np.inf]),
         "severity", "lomax(0.8, scale=1000)", "mean inf"),
    case("infinite mean via factor", lambda: deductible_factor(stats.lomax(1.0), [0, 9], base=0),
         "severity", "lomax(1.0)", "mean inf"),
    # E[X] = e^32: quad's error estimate on the tail is about 1e-6 of it, the result off by 2e-6.
    case("no convergence", lambda: limited_expected_value(stats.lognorm(8.0), [100.0, np.inf]),
         "severity", "lognorm(8.0)", "(0.0, inf]", "did not converge"),
    case("gamma mean", lambda: gamma_severity(0.0, 1.0), "mean", "0.0"),
    case("gamma dispersion", lambda: gamma_severity(1000.0, np.nan), "dispersion", "nan"),
]
# fmt: on


@pytest.mark.parametrize(("call", "fragments"), ERRORS)
def test_errors_name_the_parameter_and_the_value(call, fragments):
    with pytest.raises(ParameterError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_heavy_tail_with_infinite_mean_still_prices_finite_limits():
    alpha, theta = 0.8, 1000.0
    limits = np.array([100.0, 5000.0, 1e6])
    got = limited_expected_value(stats.lomax(alpha, scale=theta), limits)
    np.testing.assert_allclose(got, lomax_lev(limits, alpha, theta), rtol=1e-8)
