"""Deviances and D² against scikit-learn, on random positive data (hypothesis).

Exposure-weighted means are checked against scikit-learn on rates
(``y / e``, ``mu / e`` weighted by ``e``) and, for Poisson, also against the
sum of the count deviances over the total exposure; per-policy means
against scikit-learn on the row values.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    d2_tweedie_score,
    mean_gamma_deviance,
    mean_poisson_deviance,
    mean_tweedie_deviance,
)

from autorisk.errors import DataError, ParameterError
from autorisk.evaluate import (
    d2_score,
    gamma_deviance,
    mean_deviance,
    poisson_deviance,
    tweedie_deviance,
    unit_deviance,
)

close = partial(pytest.approx, rel=1e-9, abs=1e-12)
POWERS = [1.2, 1.5, 1.8, 2.5, 3.0]


@st.composite
def book(draw, kind: str = "counts", min_size: int = 1):
    """Actual, predicted, exposure and weights of ``n`` random policies."""
    n = draw(st.integers(min_size, 25))
    floats = partial(st.floats, allow_nan=False, allow_infinity=False)
    if kind == "counts":
        actual = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    elif kind == "amounts":  # compound Poisson: many zeros, positive amounts
        actual = draw(st.lists(st.one_of(st.just(0.0), floats(1.0, 1e5)), min_size=n, max_size=n))
    else:  # severities: positive
        actual = draw(st.lists(floats(1.0, 1e5), min_size=n, max_size=n))
    scale = 1.0 if kind == "counts" else 1e3
    predicted = draw(st.lists(floats(0.01, 5.0), min_size=n, max_size=n))
    exposure = draw(st.lists(floats(0.05, 2.0), min_size=n, max_size=n))
    weights = draw(st.lists(floats(0.1, 5.0), min_size=n, max_size=n))
    return (
        np.array(actual, dtype=float),
        np.array(predicted) * scale,
        np.array(exposure),
        np.array(weights),
    )


# ------------------------------------------------------------------ Poisson
@settings(max_examples=30, deadline=None)
@given(book("counts"))
def test_poisson_exposure_weighted_matches_sklearn_both_ways(data):
    y, mu, e, _ = data
    ours = poisson_deviance(y, mu, e)
    # the mean deviance of the frequencies weighted by exposure ...
    assert ours == close(mean_poisson_deviance(y / e, mu / e, sample_weight=e))
    # ... is the sum of the unit deviances of the counts over the total exposure
    assert ours == close(mean_poisson_deviance(y, mu) * len(y) / e.sum())


@settings(max_examples=30, deadline=None)
@given(book("counts"))
def test_poisson_per_policy_matches_sklearn(data):
    y, mu, e, w = data
    assert poisson_deviance(y, mu, e, per_policy=True) == close(mean_poisson_deviance(y, mu))
    assert poisson_deviance(y, mu, e, w, per_policy=True) == close(mean_poisson_deviance(y, mu, sample_weight=w))


@settings(max_examples=25, deadline=None)
@given(book("counts"))
def test_poisson_with_weights_and_exposure(data):
    y, mu, e, w = data
    expected = mean_poisson_deviance(y / e, mu / e, sample_weight=w * e)
    assert poisson_deviance(y, mu, e, w) == close(expected)


def test_without_exposure_both_means_agree():
    y, mu = np.array([0.0, 1.0, 3.0]), np.array([0.4, 1.1, 2.0])
    assert poisson_deviance(y, mu) == close(poisson_deviance(y, mu, per_policy=True))
    assert poisson_deviance(y, mu) == close(mean_poisson_deviance(y, mu))


# -------------------------------------------------------------------- Gamma
@settings(max_examples=30, deadline=None)
@given(book("severities"))
def test_gamma_matches_sklearn_weighted_and_unweighted(data):
    y, mu, _, w = data
    assert gamma_deviance(y, mu) == close(mean_gamma_deviance(y, mu))
    assert gamma_deviance(y, mu, weights=w) == close(mean_gamma_deviance(y, mu, sample_weight=w))
    assert gamma_deviance(y, mu, weights=w, per_policy=True) == close(mean_gamma_deviance(y, mu, sample_weight=w))


def test_gamma_ignores_rows_without_claims():
    """A severity row of weight 0 (no claims) may have a missing average claim."""
    y = np.array([900.0, 1500.0, np.nan])
    mu = np.array([1000.0, 1200.0, 2000.0])
    counts = np.array([1.0, 2.0, 0.0])
    expected = mean_gamma_deviance(y[:2], mu[:2], sample_weight=counts[:2])
    assert gamma_deviance(y, mu, weights=counts) == close(expected)


# ------------------------------------------------------------------ Tweedie
@pytest.mark.parametrize("power", POWERS)
@settings(max_examples=15, deadline=None)
@given(data=book("amounts"))
def test_tweedie_matches_sklearn(power, data):
    y, mu, e, w = data
    if power >= 2:
        y = np.where(y > 0, y, 1.0)  # zero amounts are outside these families' support
    assert tweedie_deviance(y, mu, e, power=power) == close(mean_tweedie_deviance(y / e, mu / e, sample_weight=e, power=power))
    assert tweedie_deviance(y, mu, e, w, power=power) == close(
        mean_tweedie_deviance(y / e, mu / e, sample_weight=w * e, power=power)
    )
    assert tweedie_deviance(y, mu, e, power=power, per_policy=True) == close(mean_tweedie_deviance(y, mu, power=power))
    assert tweedie_deviance(y, mu, power=power) == close(mean_tweedie_deviance(y, mu, power=power))


@pytest.mark.parametrize("power", [0.0, 1.0, 1.5, 1.8, 2.0, 3.0])
def test_unit_deviance_sums_to_sklearn(power):
    rng = np.random.default_rng(7)
    y = rng.gamma(2.0, 50.0, 40)
    mu = rng.gamma(2.0, 50.0, 40)
    assert unit_deviance(y, mu, power).mean() == close(mean_tweedie_deviance(y, mu, power=power))


def test_family_faces_are_the_engine():
    y, mu, e = np.array([0.0, 2.0, 1.0]), np.array([0.5, 1.0, 1.5]), np.array([0.5, 1.0, 2.0])
    assert poisson_deviance(y, mu, e) == mean_deviance(y, mu, e, power=1)
    assert tweedie_deviance(y, mu, e, power=1) == mean_deviance(y, mu, e, power=1)
    assert gamma_deviance(y + 1, mu, e) == mean_deviance(y + 1, mu, e, power=2)


# ----------------------------------------------------------------------- D²
@pytest.mark.parametrize("power", [1.0, 1.5, 1.8])
@settings(max_examples=20, deadline=None)
@given(data=book("amounts", min_size=2))
def test_d2_matches_sklearn_on_rates(power, data):
    y, mu, e, w = data
    assume(y.sum() > 0)  # no claims: D² is undefined (NaN here, an error in scikit-learn)
    ours = d2_score(y, mu, e, w, power=power)
    expected = d2_tweedie_score(y / e, mu / e, sample_weight=w * e, power=power)
    if np.isnan(expected):  # sklearn: NaN when the null deviance is 0
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_d2_without_claims_is_nan():
    assert np.isnan(d2_score([0.0, 0.0], [0.1, 0.2], power=1.5))


def test_d2_is_one_minus_deviance_ratio_against_overall_rate():
    y = np.array([0.0, 1.0, 2.0, 0.0])
    mu = np.array([0.2, 0.9, 1.6, 0.3])
    e = np.array([0.5, 1.0, 1.0, 0.5])
    null = y.sum() / e.sum() * e
    expected = 1 - poisson_deviance(y, mu, e) / poisson_deviance(y, null, e)
    assert d2_score(y, mu, e, power=1) == close(expected)
    assert d2_score(y, null, e, power=1) == close(0.0)
    expected = 1 - poisson_deviance(y, mu, e, per_policy=True) / poisson_deviance(y, null, e, per_policy=True)
    assert d2_score(y, mu, e, power=1, per_policy=True) == close(expected)


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize("power", [-1.0, 0.5, float("nan"), "gamma"])
def test_bad_power(power):
    with pytest.raises(ParameterError, match="power"):
        mean_deviance([1.0], [1.0], power=power)


def test_gamma_refuses_zero_severity_where_weighted():
    with pytest.raises(DataError, match="actual.*not positive"):
        gamma_deviance([0.0, 100.0], [50.0, 50.0], weights=[1, 1])
