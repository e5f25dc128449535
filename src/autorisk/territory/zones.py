"""Territory zones: smoothed relativities grouped into a few zones, and how many zones to use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.evaluate.deviance import unit_deviance
from autorisk.models.partition import optimal_partition
from autorisk.territory.contiguity import contiguous_ward, n_components, neighbour_pairs
from autorisk.territory.experience import column_values, residual_experience
from autorisk.territory.smoothing import DEFAULT_BANDWIDTHS, TerritorySmoothing, smooth_territories

#: Zone counts tried by :func:`choose_n_zones` by default.
DEFAULT_ZONE_COUNTS = (1, 2, 3, 4, 5, 6, 8, 10)


@dataclass(frozen=True)
class TerritoryZones:
    """Locations grouped into zones numbered 1 (lowest relativity) to ``n_zones``.

    Attributes
    ----------
    locations : DataFrame
        Indexed by location: ``weight``, ``smoothed`` (relativity), ``zone``
        and ``relativity`` (the zone's).
    zones : DataFrame
        Indexed by ``zone``: ``n_locations``, ``weight``, ``relativity``
        (weighted mean of the smoothed relativities), ``lowest``, ``highest``.
    n_zones : int
        Number of zones.

    Examples
    --------
    >>> import pandas as pd
    >>> smoothed = pd.DataFrame({"relativity": [0.8, 0.82, 1.2, 1.25], "exposure": [1.0, 3.0, 2.0, 2.0]},
    ...                         index=["a", "b", "c", "d"])
    >>> zones = territory_zones(smoothed, n_zones=2)
    >>> zones.locations["zone"].tolist(), zones.zones["relativity"].round(3).tolist()
    ([1, 1, 2, 2], [0.815, 1.225])
    """

    locations: pd.DataFrame
    zones: pd.DataFrame
    n_zones: int

    @property
    def relativity(self) -> pd.Series:
        """Each location's zone relativity."""
        return self.locations["relativity"]

    def __repr__(self) -> str:
        rel = ", ".join(f"{v:.3f}" for v in self.zones["relativity"])
        return f"TerritoryZones({self.n_zones} zones over {len(self.locations)} locations; relativities {rel})"

    def _repr_html_(self) -> str:
        return f"<p>{self.n_zones} territory zones</p>" + self.zones.to_html(float_format="{:.3f}".format)


def territory_zones(smoothed: TerritorySmoothing | pd.DataFrame, *, n_zones: int = 5, weights: str = "exposure",
                    contiguity: str | Mapping[Any, Iterable[Any]] | None = None) -> TerritoryZones:  # fmt: skip
    """Cluster smoothed log relativities into zones, each zone in one piece on the map if asked.

    Without ``contiguity`` the zones minimise the ``weights``-weighted
    within-zone sum of squares of the log smoothed relativities
    (:func:`optimal_partition`, an exact weighted 1-D k-means); a zone may
    then hold locations far apart. With ``contiguity`` every zone is
    connected through the neighbour links
    (:func:`~autorisk.territory.contiguity.neighbour_pairs`), found by
    agglomerative weighted Ward clustering along the links
    (:func:`~autorisk.territory.contiguity.contiguous_ward`: greedy, not
    exact). A zone's relativity is the weighted mean of its locations'
    smoothed relativities.

    Parameters
    ----------
    smoothed : TerritorySmoothing or DataFrame
        From :func:`smooth_territories`, or a frame indexed by location with
        ``relativity`` (> 0) and the ``weights`` column.
    n_zones : int, default 5
        Number of zones, ``1 <= n_zones <=`` number of locations (fewer zones
        result only when several locations share a relativity).
    weights : str, default "exposure"
        Column weighting the locations (``"expected"`` also works on a
        :class:`TerritorySmoothing`).
    contiguity : {None, "gabriel", "delaunay"} or mapping, optional
        None: zones need not be contiguous. ``"gabriel"`` or
        ``"delaunay"``: neighbours by the Gabriel graph or the Delaunay
        triangulation of the locations' ``lon``/``lat``
        (:func:`~autorisk.territory.contiguity.neighbour_pairs`). A mapping
        ``{location: [neighbouring locations]}`` (e.g. postcode adjacency),
        made symmetric. Zones are numbered by relativity either way.

    Returns
    -------
    TerritoryZones

    Raises
    ------
    ParameterError
        ``n_zones`` out of range, or below the number of separate pieces the
        neighbour links leave (islands need zones of their own).
    SchemaError
        A missing column.

    Examples
    --------
    >>> import pandas as pd
    >>> smoothed = pd.DataFrame({"relativity": [0.9, 1.1, 1.0], "exposure": [1.0, 1.0, 1.0]}, index=["a", "b", "c"])
    >>> territory_zones(smoothed, n_zones=3).locations["zone"].tolist()
    [1, 3, 2]

    On a road of four towns, the two dear ends cannot share a zone across the cheap middle:

    >>> road = pd.DataFrame({"relativity": [1.3, 0.8, 0.8, 1.3], "exposure": 1.0}, index=list("abcd"))
    >>> territory_zones(road, n_zones=2).locations["zone"].tolist()
    [2, 1, 1, 2]
    >>> territory_zones(road, n_zones=3, contiguity={"a": ["b"], "b": ["c"], "c": ["d"]}).locations["zone"].tolist()
    [2, 1, 1, 3]
    """
    table = smoothed.table if isinstance(smoothed, TerritorySmoothing) else smoothed
    relativity = column_values(table, "relativity", "relativity", "smoothed")
    weight = column_values(table, weights, "weights", "smoothed")
    n = len(table)
    if isinstance(n_zones, bool) or not isinstance(n_zones, (int, np.integer)) or not 1 <= n_zones <= n:
        raise ParameterError(f"n_zones must be an integer in [1, {n}] (the number of locations), got {n_zones!r}")
    log_relativity = np.log(relativity.to_numpy())
    if contiguity is None:
        labels = optimal_partition(log_relativity, weight.to_numpy(), int(n_zones)) + 1
    else:
        pairs = neighbour_pairs(table, contiguity)
        labels = contiguous_ward(log_relativity, weight.to_numpy(), pairs, int(n_zones)) + 1
    frame = pd.DataFrame({"weight": weight.to_numpy(), "smoothed": relativity.to_numpy(), "zone": labels},
                         index=table.index)  # fmt: skip
    frame["weighted"] = frame["weight"] * frame["smoothed"]
    grouped = frame.groupby("zone")
    zones = pd.DataFrame(
        {
            "n_locations": grouped.size(),
            "weight": grouped["weight"].sum(),
            "relativity": grouped["weighted"].sum() / grouped["weight"].sum(),
            "lowest": grouped["smoothed"].min(),
            "highest": grouped["smoothed"].max(),
        }
    )
    frame["relativity"] = zones["relativity"].reindex(frame["zone"]).to_numpy()
    return TerritoryZones(frame.drop(columns="weighted"), zones, int(zones.shape[0]))


@dataclass(frozen=True)
class ZoneChoice:
    """Cross-validated choice of the number of zones.

    Attributes
    ----------
    scores : DataFrame
        Indexed by ``n_zones``: ``deviance`` (Poisson deviance of the held-out
        claims per unit of exposure, summed over folds) and ``vs_best`` (difference to the best).
    n_zones : int
        The count with the smallest held-out deviance.
    zones : TerritoryZones
        Zones with that count fitted on every policy.
    smoothing : TerritorySmoothing
        The smoothing fitted on every policy.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> where = pd.DataFrame({"lon": [100.0, 110.0], "lat": [30.0, 30.0]}, index=["a", "b"])
    >>> book = pd.DataFrame({"city": ["a", "b"] * 200, "exposure": 1.0, "mu": 0.1,
    ...                      "claim_count": np.tile([0, 1], 200)})
    >>> choice = choose_n_zones(book, "mu", where, candidates=(1, 2), folds=2)
    >>> choice.n_zones, choice.scores.index.tolist()
    (2, [1, 2])
    """

    scores: pd.DataFrame
    n_zones: int
    zones: TerritoryZones
    smoothing: TerritorySmoothing

    def __repr__(self) -> str:
        return f"ZoneChoice(n_zones={self.n_zones}; candidates {self.scores.index.tolist()})"

    def _repr_html_(self) -> str:
        return f"<p>{self.n_zones} zones by cross-validation</p>" + self.scores.to_html(float_format="{:.5f}".format)


def choose_n_zones(
    policies: pd.DataFrame,
    expected: str | Any,
    coordinates: pd.DataFrame,
    *,
    candidates: Sequence[int] = DEFAULT_ZONE_COUNTS,
    folds: int = 5,
    seed: int = 0,
    location: str = "city",
    exposure: str | Any = "exposure",
    claims: str | Any = "claim_count",
    bandwidth: float | str = "loo",
    credibility: float | str = "buhlmann",
    bandwidths: Sequence[float] = DEFAULT_BANDWIDTHS,
    contiguity: str | Mapping[Any, Iterable[Any]] | None = None,
    groups: str | Any = None,
) -> ZoneChoice:
    """The number of zones with the smallest cross-validated Poisson deviance.

    Policies (or, with ``groups``, whole groups such as a policy's years) are
    split at random into ``folds`` folds. For each fold the
    experience of the other folds is smoothed (:func:`smooth_territories`,
    bandwidth and ``k`` re-chosen) and zoned for every candidate; the held-out
    policies are then predicted as ``expected * zone relativity`` of their
    location (the overall A/E for a location absent from the training folds)
    and scored by Poisson deviance.

    Parameters
    ----------
    policies : DataFrame
        One row per policy.
    expected : str or array-like
        Expected claims per row from a model without the location.
    coordinates : DataFrame
        ``lon``/``lat`` per location (index).
    candidates : sequence of int, default (1, 2, 3, 4, 5, 6, 8, 10)
        Zone counts to try; counts above the number of locations are skipped.
    folds : int, default 5
        Number of folds, >= 2.
    seed : int, default 0
        Seed of the fold assignment.
    location, exposure, claims : str or array-like
        As in :func:`residual_experience`.
    bandwidth, credibility, bandwidths
        As in :func:`smooth_territories`.
    contiguity : {None, "gabriel", "delaunay"} or mapping, optional
        As in :func:`territory_zones`; counts below the number of separate
        pieces of the map are skipped (in a fold that leaves more pieces,
        the fold's number of pieces is used).
    groups : str or array-like, optional
        A label per row (a column name or values, e.g. the policy id of each
        policy-year): rows with the same label share a fold.

    Returns
    -------
    ZoneChoice

    Raises
    ------
    ParameterError
        Bad ``folds`` or no usable candidate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> where = pd.DataFrame({"lon": [100.0, 100.1, 110.0, 110.1], "lat": [30.0, 30.0, 30.0, 30.0]},
    ...                      index=["a", "b", "c", "d"])
    >>> book = pd.DataFrame({"city": np.repeat(list("abcd"), 500), "exposure": 1.0, "mu": 0.2})
    >>> book["claim_count"] = rng.poisson(0.2 * np.repeat([0.7, 0.7, 1.4, 1.4], 500))
    >>> choose_n_zones(book, "mu", where, candidates=(1, 2, 3)).n_zones
    2
    """
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ParameterError(f"folds must be an integer >= 2, got {folds!r}")
    mu = column_values(policies, expected, "expected").to_numpy()
    counts = column_values(policies, claims, "claims").to_numpy()
    weight = column_values(policies, exposure, "exposure").to_numpy()
    full = smooth_territories(
        residual_experience(policies, mu, location=location, exposure=weight, claims=counts),
        coordinates, bandwidth=bandwidth, credibility=credibility, bandwidths=bandwidths,
    )  # fmt: skip
    fewest = 1 if contiguity is None else n_components(len(full.table), neighbour_pairs(full.table, contiguity))
    usable = [int(c) for c in candidates if fewest <= int(c) <= len(full.table)]
    if not usable:
        raise ParameterError(
            f"candidates must hold a zone count in [{fewest}, {len(full.table)}] (from the number of separate "
            f"pieces of the map to the number of locations), got {list(candidates)!r}"
        )
    if groups is None:
        fold = np.random.default_rng(seed).permutation(len(policies)) % folds
    else:
        labels = _group_labels(policies, groups)
        codes = pd.factorize(labels, sort=True)[0]
        if np.any(codes < 0):
            raise DataError(DataIssue.from_mask("groups", "missing", "a label on every row", codes < 0,
                                                policies.index, labels))  # fmt: skip
        n_groups = int(codes.max()) + 1
        if n_groups < folds:
            raise ParameterError(f"folds={folds} exceeds the number of groups ({n_groups})")
        fold = (np.random.default_rng(seed).permutation(n_groups) % folds)[codes]
    where = policies[location].to_numpy()
    total = np.zeros(len(usable))
    for f in range(folds):
        train, test = fold != f, fold == f
        smoothing = smooth_territories(
            residual_experience(policies[train], mu[train], location=location, exposure=weight[train],
                                claims=counts[train]),
            coordinates, bandwidth=bandwidth, credibility=credibility, bandwidths=bandwidths,
        )  # fmt: skip
        pieces = 1 if contiguity is None else n_components(
            len(smoothing.table), neighbour_pairs(smoothing.table, contiguity))  # fmt: skip
        for i, n_zones in enumerate(usable):
            count = min(max(n_zones, pieces), len(smoothing.table))
            zones = territory_zones(smoothing, n_zones=count, contiguity=contiguity)
            rel = pd.Series(where[test]).map(zones.relativity).fillna(smoothing.overall).to_numpy()
            total[i] += np.sum(unit_deviance(counts[test], mu[test] * rel, 1.0))
    deviance = total / weight.sum()
    scores = pd.DataFrame({"deviance": deviance, "vs_best": deviance - deviance.min()},
                          index=pd.Index(usable, name="n_zones"))  # fmt: skip
    best = int(scores["deviance"].idxmin())
    return ZoneChoice(scores, best, territory_zones(full, n_zones=best, contiguity=contiguity), full)


def _group_labels(policies: pd.DataFrame, groups: Any) -> np.ndarray:
    """A label per row: a column of ``policies`` by name, or values aligned with its rows (any type)."""
    if isinstance(groups, str):
        require_columns(policies, [groups], "policies", "for groups")
        return policies[groups].to_numpy()
    labels = np.asarray(groups)
    if labels.shape != (len(policies),):
        raise DataError(f"groups must have one label per policy ({len(policies)}), got shape {labels.shape}")
    return labels


__all__ = ["DEFAULT_ZONE_COUNTS", "TerritoryZones", "ZoneChoice", "choose_n_zones", "territory_zones"]
