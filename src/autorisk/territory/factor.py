"""Territory relativities as a categorical factor of a rating plan."""

from __future__ import annotations

from autorisk.rating import CategoricalFactor
from autorisk.territory.smoothing import TerritorySmoothing
from autorisk.territory.zones import TerritoryZones, ZoneChoice


def territory_factor(
    territories: TerritoryZones | TerritorySmoothing | ZoneChoice,
    column: str = "city",
    *,
    name: str = "territory",
    decimals: int | None = 4,
) -> CategoricalFactor:
    """A :class:`~autorisk.rating.CategoricalFactor` ``location -> relativity`` on ``column``.

    Parameters
    ----------
    territories : TerritoryZones, ZoneChoice or TerritorySmoothing
        Zones (each location gets its zone's relativity) or smoothed
        relativities (each location its own).
    column : str, default "city"
        Column of the quoted policies holding the location.
    name : str, default "territory"
        Factor name in the plan.
    decimals : int or None, default 4
        Round the relativities (``None``: as estimated).

    Returns
    -------
    CategoricalFactor
        Levels are the locations (as strings when they are), in the order of
        the territories' table.

    Examples
    --------
    >>> import pandas as pd
    >>> smoothed = pd.DataFrame({"relativity": [0.8, 0.82, 1.2], "exposure": [1.0, 3.0, 2.0]}, index=["a", "b", "c"])
    >>> from autorisk.territory import territory_zones
    >>> factor = territory_factor(territory_zones(smoothed, n_zones=2))
    >>> factor.table()
    [('a', 0.815), ('b', 0.815), ('c', 1.2)]
    >>> factor.relativity({"city": "c"})
    1.2
    """
    if isinstance(territories, ZoneChoice):
        territories = territories.zones
    return CategoricalFactor.from_series(name, column, territories.relativity, decimals)


__all__ = ["territory_factor"]
