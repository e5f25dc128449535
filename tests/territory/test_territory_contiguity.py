"""Contiguous territory zones: weighted Ward along neighbour links, against scikit-learn and the spatial truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _territory_books import located_book, weighted_corr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from sklearn.cluster import AgglomerativeClustering

from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.territory import (
    choose_n_zones,
    residual_experience,
    smooth_territories,
    territory_zones,
)
from autorisk.territory.contiguity import contiguous_ward, n_components, neighbour_pairs


def _points(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lon": rng.uniform(100, 120, n), "lat": rng.uniform(25, 40, n)},
                        index=[f"loc{i}" for i in range(n)])  # fmt: skip


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Two labelings group the same items together (labels themselves may differ)."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _connected_within(labels: np.ndarray, pairs: np.ndarray) -> bool:
    """Every cluster is one piece of the graph restricted to its members."""
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        inside = pairs[np.isin(pairs[:, 0], members) & np.isin(pairs[:, 1], members)]
        local = np.searchsorted(members, inside)
        if n_components(len(members), local.reshape(-1, 2)) != 1:
            return False
    return True


# ------------------------------------------------------- against scikit-learn
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 40), data=st.data())
def test_unit_weights_match_scikit_learns_ward_under_the_same_connectivity(seed, n, data):
    """sklearn's AgglomerativeClustering(linkage="ward", connectivity=...) is an independent implementation."""
    table = _points(seed, n)
    pairs = neighbour_pairs(table, "delaunay")
    values = np.random.default_rng(seed + 1).normal(0, 0.3, n)
    n_zones = data.draw(st.integers(1, n))
    ours = contiguous_ward(values, np.ones(n), pairs, n_zones)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    theirs = AgglomerativeClustering(n_zones, linkage="ward", connectivity=graph + graph.T).fit_predict(
        values.reshape(-1, 1)
    )
    assert _same_partition(ours, theirs)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 25), data=st.data())
def test_integer_weights_equal_replicated_locations(seed, n, data):
    """Weight w is w copies of the location, linked to each other and to the location's neighbours."""
    table = _points(seed, n)
    pairs = neighbour_pairs(table, "delaunay")
    rng = np.random.default_rng(seed + 2)
    values, weights = rng.normal(0, 0.3, n), rng.integers(1, 4, n)
    n_zones = data.draw(st.integers(1, n))
    ours = contiguous_ward(values, weights.astype(float), pairs, n_zones)
    owner = np.repeat(np.arange(n), weights)
    copies = len(owner)
    links = [(i, j) for i in range(copies) for j in range(i + 1, copies)
             if owner[i] == owner[j] or (min(owner[i], owner[j]), max(owner[i], owner[j])) in set(map(tuple, pairs))]  # fmt: skip
    rows, cols = np.array(links).T if links else (np.zeros(0, int), np.zeros(0, int))
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(copies, copies)).tocsr()
    theirs = AgglomerativeClustering(n_zones, linkage="ward", connectivity=graph + graph.T).fit_predict(
        values[owner].reshape(-1, 1)
    )
    first_copy = np.searchsorted(owner, np.arange(n))
    assert _same_partition(ours, theirs[first_copy])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 60))
def test_the_gabriel_graph_is_the_definition_and_holds_the_minimum_spanning_tree(seed, n):
    table = _points(seed, n)
    gabriel = {tuple(p) for p in neighbour_pairs(table, "gabriel").tolist()}
    delaunay = {tuple(p) for p in neighbour_pairs(table, "delaunay").tolist()}
    assert gabriel <= delaunay
    # brute force: (i, j) is Gabriel iff no other point lies in the circle with diameter i-j
    xy = np.column_stack([table["lon"] * np.cos(np.radians(table["lat"].mean())), table["lat"]])
    for i, j in delaunay:
        others = np.delete(np.arange(n), [i, j])
        middle, radius2 = (xy[i] + xy[j]) / 2, np.sum((xy[i] - xy[j]) ** 2) / 4
        empty = bool(np.all(np.sum((xy[others] - middle) ** 2, axis=1) > radius2))
        assert ((i, j) in gabriel) == empty
    # the Euclidean minimum spanning tree is a subgraph: the graph is connected
    distance = np.sqrt(np.sum((xy[:, None] - xy[None]) ** 2, axis=2))
    tree = minimum_spanning_tree(distance).tocoo()
    assert {tuple(sorted(e)) for e in zip(tree.row.tolist(), tree.col.tolist(), strict=True)} <= gabriel
    assert n_components(n, np.array(sorted(gabriel)).reshape(-1, 2)) == 1


# ------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 60), data=st.data())
def test_zones_are_connected_numbered_by_relativity_and_as_many_as_asked(seed, n, data):
    table = _points(seed, n)
    rng = np.random.default_rng(seed)
    table["relativity"] = np.exp(rng.normal(0, 0.3, n))
    table["exposure"] = rng.uniform(1, 100, n)
    n_zones = data.draw(st.integers(1, n))
    zones = territory_zones(table, n_zones=n_zones, contiguity="delaunay")
    assert zones.n_zones == n_zones
    assert zones.zones.index.tolist() == list(range(1, n_zones + 1))
    assert np.all(np.diff(zones.zones["relativity"]) >= 0)
    assert _connected_within(zones.locations["zone"].to_numpy(), neighbour_pairs(table, "delaunay"))
    # the zone relativity is the exposure-weighted mean of its locations' relativities
    frame = zones.locations
    expected = (frame["weight"] * frame["smoothed"]).groupby(frame["zone"]).sum() / frame.groupby("zone")["weight"].sum()
    np.testing.assert_allclose(zones.zones["relativity"], expected, rtol=1e-12)


def test_a_mapping_is_made_symmetric_and_islands_need_their_own_zone():
    table = pd.DataFrame({"relativity": [1.0, 1.1, 2.0, 2.1, 0.5], "exposure": 1.0}, index=list("abcde"))
    links = {"a": ["b"], "c": ["d", "b"], "z": ["a"]}  # "e" is an island; "z" is not a location
    assert neighbour_pairs(table, links).tolist() == [[0, 1], [1, 2], [2, 3]]
    zones = territory_zones(table, n_zones=3, contiguity=links)
    assert zones.locations["zone"].tolist() == [2, 2, 3, 3, 1]
    with pytest.raises(ParameterError, match="2 separate pieces"):
        territory_zones(table, n_zones=1, contiguity=links)


def test_locations_on_a_line_are_chained_in_order():
    table = pd.DataFrame({"lon": [3.0, 1.0, 2.0, 0.0], "lat": 10.0}, index=list("abcd"))
    assert neighbour_pairs(table, "delaunay").tolist() == [[0, 2], [1, 2], [1, 3]]


def test_bad_contiguity_is_refused():
    table = pd.DataFrame({"relativity": [1.0, 1.2], "exposure": 1.0}, index=["a", "b"])
    with pytest.raises(ParameterError, match="contiguity must be"):
        territory_zones(table, n_zones=1, contiguity="rook")
    with pytest.raises(SchemaError, match="lon"):
        territory_zones(table, n_zones=1, contiguity="delaunay")
    with pytest.raises(ParameterError, match=r"contiguity\['a'\]"):
        territory_zones(table, n_zones=1, contiguity={"a": "b"})


# ------------------------------------------------------- on the located book
@pytest.mark.parametrize("seed", (0, 1))
def test_contiguous_zones_recover_the_truth_nearly_as_well_as_free_ones(seed):
    policies, cities = located_book(seed)
    experience = residual_experience(policies, "mu")
    smoothed = smooth_territories(experience, cities)
    truth = np.log(cities["spatial_relativity"]).reindex(experience.index)
    weight = experience["exposure"].to_numpy()
    free = territory_zones(smoothed, n_zones=5)
    joined = territory_zones(smoothed, n_zones=5, contiguity="gabriel")
    assert _connected_within(joined.locations["zone"].to_numpy(), neighbour_pairs(smoothed.table, "gabriel"))
    corr_free = weighted_corr(np.log(free.relativity), truth, weight)
    corr_joined = weighted_corr(np.log(joined.relativity), truth, weight)
    # the truth is smooth in space, so asking for zones in one piece costs little
    assert corr_joined >= 0.75
    assert corr_joined >= corr_free - 0.08
    # and the free zones are not connected on this map (else the test would show nothing)
    assert not _connected_within(free.locations["zone"].to_numpy(), neighbour_pairs(smoothed.table, "gabriel"))


def test_choose_n_zones_with_contiguity_and_policy_groups():
    policies, cities = located_book(0)
    choice = choose_n_zones(policies, "mu", cities, candidates=(1, 3, 5), folds=3, contiguity="gabriel",
                            groups="policy_id")  # fmt: skip
    assert choice.n_zones > 1
    assert _connected_within(choice.zones.locations["zone"].to_numpy(),
                             neighbour_pairs(choice.smoothing.table, "gabriel"))  # fmt: skip
    bad = policies.assign(policy_id=policies["policy_id"].astype(object))
    bad.loc[bad.index[[2, 5]], "policy_id"] = None
    with pytest.raises(DataError, match=r"groups.*missing in 2 rows"):
        choose_n_zones(bad, "mu", cities, candidates=(1, 3), folds=3, groups="policy_id")
