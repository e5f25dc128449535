"""Territory zones: smoothed relativities grouped into a few zones, and how many zones to use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.evaluate.deviance import unit_deviance
from autorisk.models.partition import optimal_partition
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


def territory_zones(smoothed: TerritorySmoothing | pd.DataFrame, *, n_zones: int = 5,
                    weights: str = "exposure") -> TerritoryZones:  # fmt: skip
    """Cluster smoothed log relativities into zones by exact weighted 1-D k-means.

    The zones minimise the ``weights``-weighted within-zone sum of squares of
    the log smoothed relativities (:func:`optimal_partition`, exact); a zone's
    relativity is the weighted mean of its locations' smoothed relativities.

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

    Returns
    -------
    TerritoryZones

    Raises
    ------
    ParameterError
        ``n_zones`` out of range.
    SchemaError
        A missing column.

    Examples
    --------
    >>> import pandas as pd
    >>> smoothed = pd.DataFrame({"relativity": [0.9, 1.1, 1.0], "exposure": [1.0, 1.0, 1.0]}, index=["a", "b", "c"])
    >>> territory_zones(smoothed, n_zones=3).locations["zone"].tolist()
    [1, 3, 2]
    """
    table = smoothed.table if isinstance(smoothed, TerritorySmoothing) else smoothed
    relativity = column_values(table, "relativity", "relativity", "smoothed")
    weight = column_values(table, weights, "weights", "smoothed")
    n = len(table)
    if isinstance(n_zones, bool) or not isinstance(n_zones, (int, np.integer)) or not 1 <= n_zones <= n:
        raise ParameterError(f"n_zones must be an integer in [1, {n}] (the number of locations), got {n_zones!r}")
    labels = optimal_partition(np.log(relativity.to_numpy()), weight.to_numpy(), int(n_zones)) + 1
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
) -> ZoneChoice:
    """The number of zones with the smallest cross-validated Poisson deviance.

    Policies are split at random into ``folds`` folds. For each fold the
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
    usable = [int(c) for c in candidates if 1 <= int(c) <= len(full.table)]
    if not usable:
        raise ParameterError(
            f"candidates must hold a zone count in [1, {len(full.table)}] (the number of locations), "
            f"got {list(candidates)!r}"
        )
    fold = np.random.default_rng(seed).permutation(len(policies)) % folds
    where = policies[location].to_numpy()
    total = np.zeros(len(usable))
    for f in range(folds):
        train, test = fold != f, fold == f
        smoothing = smooth_territories(
            residual_experience(policies[train], mu[train], location=location, exposure=weight[train],
                                claims=counts[train]),
            coordinates, bandwidth=bandwidth, credibility=credibility, bandwidths=bandwidths,
        )  # fmt: skip
        for i, n_zones in enumerate(usable):
            zones = territory_zones(smoothing, n_zones=min(n_zones, len(smoothing.table)))
            rel = pd.Series(where[test]).map(zones.relativity).fillna(smoothing.overall).to_numpy()
            total[i] += np.sum(unit_deviance(counts[test], mu[test] * rel, 1.0))
    deviance = total / weight.sum()
    scores = pd.DataFrame({"deviance": deviance, "vs_best": deviance - deviance.min()},
                          index=pd.Index(usable, name="n_zones"))  # fmt: skip
    best = int(scores["deviance"].idxmin())
    return ZoneChoice(scores, best, territory_zones(full, n_zones=best), full)


__all__ = ["DEFAULT_ZONE_COUNTS", "TerritoryZones", "ZoneChoice", "choose_n_zones", "territory_zones"]
