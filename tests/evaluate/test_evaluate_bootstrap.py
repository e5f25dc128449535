"""Paired bootstrap of a metric difference: coverage of the true difference, seeding, checks.

Simulation: policies with a true Poisson rate; model A predicts the truth,
model B the truth times lognormal noise. For ``y ~ Poisson(mu_A)`` the
expected difference of unit deviances is itself a deviance,
``E[d(y, mu_A) - d(y, mu_B)] = -d(mu_A, mu_B)``, so the population value of
``poisson_deviance(A) - poisson_deviance(B)`` (exposure-weighted) is
``-E[d(mu_A, mu_B)] / E[exposure]``, computed on a million draws of policies.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from autorisk.errors import DataError, ParameterError
from autorisk.evaluate import (
    BootstrapResult,
    bootstrap_difference,
    gini,
    poisson_deviance,
    tweedie_deviance,
    unit_deviance,
)

NOISE = 0.4


def policies(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exposure, true expected count (model A) and perturbed expected count (model B)."""
    exposure = rng.uniform(0.2, 1.0, n)
    truth = rng.lognormal(np.log(0.15), 0.6, n) * exposure
    perturbed = truth * rng.lognormal(0.0, NOISE, n)
    return exposure, truth, perturbed


@pytest.fixture(scope="module")
def true_difference() -> float:
    exposure, truth, perturbed = policies(np.random.default_rng(12345), 1_000_000)
    return float(-unit_deviance(truth, perturbed, power=1).mean() / exposure.mean())


def test_interval_contains_the_true_difference(true_difference):
    rng = np.random.default_rng(0)
    exposure, truth, perturbed = policies(rng, 4_000)
    counts = rng.poisson(truth)
    result = bootstrap_difference(poisson_deviance, counts, truth, perturbed, exposure, n_boot=300, seed=1)
    assert result.lower < true_difference < result.upper
    assert result.upper < 0 and result.excludes_zero  # the truth is the better model
    assert result.estimate == pytest.approx(
        poisson_deviance(counts, truth, exposure) - poisson_deviance(counts, perturbed, exposure)
    )
    assert result.lower <= result.estimate <= result.upper


def test_coverage_over_repeated_test_sets(true_difference):
    """About 95% of intervals from independent test sets contain the true difference."""
    rng = np.random.default_rng(2024)
    covered = 0
    trials = 20
    for trial in range(trials):
        exposure, truth, perturbed = policies(rng, 1_500)
        counts = rng.poisson(truth)
        result = bootstrap_difference(
            poisson_deviance, counts, truth, perturbed, exposure, n_boot=200, seed=trial
        )
        covered += result.lower < true_difference < result.upper
    assert covered >= 16  # 95% nominal: P(covered < 16) is about 0.3% for a correct interval


def test_seeded_and_reproducible():
    rng = np.random.default_rng(3)
    exposure, truth, perturbed = policies(rng, 500)
    counts = rng.poisson(truth)
    args = (poisson_deviance, counts, truth, perturbed, exposure)
    first = bootstrap_difference(*args, n_boot=50, seed=7)
    again = bootstrap_difference(*args, n_boot=50, seed=7)
    other = bootstrap_difference(*args, n_boot=50, seed=8)
    np.testing.assert_array_equal(first.samples, again.samples)
    assert (first.lower, first.upper) == (again.lower, again.upper)
    assert not np.array_equal(first.samples, other.samples)
    assert len(first.samples) == 50
    assert [first.lower, first.upper] == pytest.approx(np.quantile(first.samples, [0.025, 0.975]))


def test_other_metrics_and_display():
    rng = np.random.default_rng(4)
    exposure, truth, perturbed = policies(rng, 800)
    amounts = rng.poisson(truth) * rng.gamma(2.0, 500.0, 800)
    tweedie = partial(tweedie_deviance, power=1.5)
    result = bootstrap_difference(tweedie, amounts, truth * 1000, perturbed * 1000, exposure, n_boot=30, level=0.9)
    assert isinstance(result, BootstrapResult)
    assert result.metric == "tweedie_deviance"
    assert result.level == 0.9
    counts = rng.poisson(truth)
    ranking = bootstrap_difference(gini, counts, truth, perturbed, exposure, n_boot=30)
    assert ranking.metric == "gini"
    assert "90% interval" in repr(result)
    assert "<table>" in result._repr_html_()
    assert result.std_error > 0


def test_metric_called_without_exposure_keywords_when_not_given():
    calls = []

    def mean_error(actual, predicted):
        calls.append(len(actual))
        return float(np.mean(np.abs(np.asarray(actual) - np.asarray(predicted))))

    result = bootstrap_difference(mean_error, [1.0, 2.0, 3.0], [1.0, 2.0, 2.0], [2.0, 2.0, 2.0], n_boot=5)
    assert result.estimate == pytest.approx(1 / 3 - 2 / 3)
    assert set(calls) == {3}


def test_bad_arguments():
    args = ([1.0, 0.0], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ParameterError, match="n_boot"):
        bootstrap_difference(poisson_deviance, *args, n_boot=1)
    with pytest.raises(ParameterError, match="level"):
        bootstrap_difference(poisson_deviance, *args, level=95)
    with pytest.raises(ParameterError, match="callable"):
        bootstrap_difference("deviance", *args)
    with pytest.raises(DataError, match="pred_b"):
        bootstrap_difference(poisson_deviance, [1.0, 0.0], [1.0, 1.0], [1.0, np.nan])
