"""Territory rating: residual experience by location, spatial smoothing, zones, a rating factor.

The workflow, one module per step:

1. :func:`residual_experience` (:mod:`~autorisk.territory.experience`):
   observed and expected claims per location, the expected from any model
   that leaves the location out; the raw actual-to-expected (A/E) relativity.
2. :func:`smooth_territories` (:mod:`~autorisk.territory.smoothing`): each
   location's A/E blended by credibility with a distance-weighted complement
   from its neighbours (Gaussian kernel in km, bandwidth by leave-one-out).
3. :func:`territory_zones` and :func:`choose_n_zones`
   (:mod:`~autorisk.territory.zones`): the smoothed log relativities grouped
   into zones by an exact weighted 1-D k-means (:func:`optimal_partition`),
   or, with ``contiguity=``, into zones each in one piece on the map by
   weighted Ward clustering along neighbour links
   (:mod:`~autorisk.territory.contiguity`: a Delaunay triangulation or the
   user's adjacency); the number of zones by cross-validated Poisson
   deviance (folds of policies or of ``groups``).
4. :func:`territory_factor` (:mod:`~autorisk.territory.factor`): a
   :class:`~autorisk.rating.CategoricalFactor` for a rating plan.
"""

from autorisk.models.partition import optimal_partition
from autorisk.territory.experience import residual_experience
from autorisk.territory.factor import territory_factor
from autorisk.territory.smoothing import TerritorySmoothing, smooth_territories
from autorisk.territory.zones import TerritoryZones, ZoneChoice, choose_n_zones, territory_zones

__all__ = [
    "TerritorySmoothing",
    "TerritoryZones",
    "ZoneChoice",
    "choose_n_zones",
    "optimal_partition",
    "residual_experience",
    "smooth_territories",
    "territory_factor",
    "territory_zones",
]
