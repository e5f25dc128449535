"""Territory building blocks: exact partition, smoothing formula, experience, factor, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from _territory_books import located_book
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.datasets.synthetic_locations import haversine_km
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.territory import (
    optimal_partition,
    residual_experience,
    smooth_territories,
    territory_factor,
    territory_zones,
)


def _brute_force_cost(x: np.ndarray, w: np.ndarray, k: int) -> float:
    """Smallest weighted within-group SS over every assignment of the values to at most k groups."""
    best = np.inf
    for labels in itertools.product(range(k), repeat=len(x)):
        labels = np.array(labels)
        best = min(best, _cost(x, w, labels))
    return best


def _cost(x: np.ndarray, w: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for g in np.unique(labels):
        m = labels == g
        mean = np.average(x[m], weights=w[m])
        total += float(np.sum(w[m] * (x[m] - mean) ** 2))
    return total


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-20, 20), st.integers(1, 5)), min_size=1, max_size=6),
    st.integers(1, 4),
)
def test_partition_equals_brute_force(points: list[tuple[int, int]], k: int) -> None:
    x = np.array([p[0] / 4 for p in points])
    w = np.array([float(p[1]) for p in points])
    k = min(k, len(x))
    labels = optimal_partition(x, w, k)
    assert _cost(x, w, labels) == pytest.approx(_brute_force_cost(x, w, k), abs=1e-9)
    # groups are intervals of the sorted values, numbered upwards
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(labels[order]) >= 0)
    assert labels.min() == 0 and labels.max() < k


def test_smoothing_matches_a_direct_loop() -> None:
    rng = np.random.default_rng(3)
    n = 7
    where = pd.DataFrame({"lon": rng.uniform(110, 115, n), "lat": rng.uniform(28, 32, n)}, index=list("abcdefg"))
    expected = rng.uniform(5, 50, n)
    observed = rng.poisson(expected * rng.uniform(0.7, 1.4, n)).astype(float)
    experience = pd.DataFrame({"exposure": expected * 10, "observed": observed, "expected": expected},
                              index=where.index)  # fmt: skip
    h, k = 150.0, 20.0
    result = smooth_territories(experience, where, bandwidth=h, credibility=k)
    m = observed.sum() / expected.sum()
    for i, loc in enumerate(where.index):
        num = den = 0.0
        for j in range(n):
            if j != i:
                d = float(haversine_km(where.lon.iloc[i], where.lat.iloc[i], where.lon.iloc[j], where.lat.iloc[j]))
                wij = np.exp(-(d**2) / (2 * h**2))
                num, den = num + wij * observed[j], den + wij * expected[j]
        comp = den / (den + k) * (num / den) + k / (den + k) * m
        z = expected[i] / (expected[i] + k)
        assert result.table.loc[loc, "relativity"] == pytest.approx(z * observed[i] / expected[i] + (1 - z) * comp)


def test_buhlmann_k_matches_the_moment_estimator_and_no_signal_means_full_shrinkage() -> None:
    experience = pd.DataFrame({"exposure": 1.0, "observed": [10.0, 30.0, 20.0], "expected": [20.0, 20.0, 20.0]},
                              index=["a", "b", "c"])  # fmt: skip
    where = pd.DataFrame({"lon": [100.0, 101.0, 102.0], "lat": [30.0, 30.0, 30.0]}, index=["a", "b", "c"])
    result = smooth_territories(experience, where, bandwidth=100.0)
    # m = 1; sum E (r - m)^2 = 20 * 0.25 * 2 = 10; minus (n - 1) m = 8; over E - sum E^2 / E = 40
    assert result.credibility_k == pytest.approx(1.0 / (8.0 / 40.0))
    flat = experience.assign(observed=[19.0, 21.0, 20.0])  # less spread than Poisson noise
    shrunk = smooth_territories(flat, where, bandwidth=100.0)
    assert shrunk.credibility_k == np.inf
    assert np.allclose(shrunk.relativity, 1.0)


def test_residual_experience_sums_by_location() -> None:
    policies, _ = located_book(0)
    experience = residual_experience(policies, "mu")
    manual = policies.groupby("city", observed=True)[["exposure", "claim_count", "mu"]].sum()
    manual = manual.set_axis(manual.index.astype(str)).reindex(experience.index)
    assert np.allclose(experience["exposure"], manual["exposure"])
    assert np.array_equal(experience["observed"], manual["claim_count"])
    assert np.allclose(experience["ae"], manual["claim_count"] / manual["mu"])
    same = residual_experience(policies, policies["mu"].to_numpy(), claims=policies["claim_count"].to_numpy())
    pd.testing.assert_frame_equal(same, experience)


def test_factor_prices_each_city_at_its_zone_relativity() -> None:
    policies, cities = located_book(1)
    zones = territory_zones(smooth_territories(residual_experience(policies, "mu"), cities), n_zones=4)
    factor = territory_factor(zones, "city", decimals=None)
    assert isinstance(factor, CategoricalFactor) and factor.name == "territory"
    plan = RatingPlan("territory", "1", (Coverage("tpl", 100.0, (factor,)),))
    sample = policies.head(200)
    quoted = plan.quote(sample[["city"]].astype({"city": str}))
    assert np.allclose(quoted["pure_tpl"].to_numpy(), 100.0 * sample["city"].map(zones.relativity).astype(float).to_numpy())


def _tiny() -> pd.DataFrame:
    return pd.DataFrame({"city": ["a", "b", "b"], "exposure": [1.0, 0.5, 1.0], "claim_count": [0, 1, 2],
                         "mu": [0.2, 0.1, 0.2]})  # fmt: skip


def test_bad_input_names_the_problem() -> None:
    book = _tiny()
    with pytest.raises(SchemaError, match="city"):
        residual_experience(book.drop(columns="city"), "mu")
    with pytest.raises(SchemaError, match="exposure"):
        residual_experience(book.drop(columns="exposure"), "mu")
    with pytest.raises(DataError, match="exposure.*negative"):
        residual_experience(book.assign(exposure=[1.0, -0.5, 1.0]), "mu")
    with pytest.raises(DataError, match="claims.*negative"):
        residual_experience(book.assign(claim_count=[0, -1, 2]), "mu")
    with pytest.raises(DataError, match="expected"):
        residual_experience(book, [0.1, 0.2])
    experience = residual_experience(book, "mu")
    where = pd.DataFrame({"lon": [100.0, 101.0], "lat": [30.0, 30.0]}, index=["a", "b"])
    with pytest.raises(DataError, match="no coordinates"):
        smooth_territories(experience, where.loc[["a"]])
    with pytest.raises(SchemaError, match="lat"):
        smooth_territories(experience, where.drop(columns="lat"))
    with pytest.raises(ParameterError, match="method"):
        smooth_territories(experience, where, method="kriging")
    with pytest.raises(ParameterError, match="bandwidth"):
        smooth_territories(experience, where, bandwidth=-5.0)
    with pytest.raises(ParameterError, match="credibility"):
        smooth_territories(experience, where, credibility="classical")
    smoothed = smooth_territories(experience, where)
    for bad in (0, 3, 1.5):
        with pytest.raises(ParameterError, match=f"n_zones .*got {bad!r}"):
            territory_zones(smoothed, n_zones=bad)
    with pytest.raises(ParameterError, match="n_groups"):
        optimal_partition([1.0, 2.0], [1.0, 1.0], 3)
    with pytest.raises(DataError, match="weights"):
        optimal_partition([1.0, 2.0], [1.0, -1.0], 1)


def test_zones_need_the_weight_column() -> None:
    smoothed = pd.DataFrame({"relativity": [0.9, 1.1]}, index=["a", "b"])
    with pytest.raises(SchemaError, match="smoothed.*exposure"):
        territory_zones(smoothed, n_zones=1)
    zones = territory_zones(smoothed.assign(expected=[2.0, 1.0]), n_zones=1, weights="expected")
    assert zones.zones.loc[1, "relativity"] == pytest.approx((2 * 0.9 + 1.1) / 3)
