"""Rating engine: plans of coverages and factors, quoted vectorised, saved as hashed JSON.

First slice (issue 4 in progress): categorical, banded and two-way interaction
factors; :class:`RatingPlan` with ``quote``, JSON save/load with a content-hash
plan id; :func:`coverage_from_glm` building a coverage that reproduces a GLM.
"""

from autorisk.rating.factors import BandFactor, CategoricalFactor, InteractionFactor
from autorisk.rating.plan import FORMAT, Coverage, RatingPlan, coverage_from_glm, coverage_from_pair

__all__ = [
    "FORMAT",
    "BandFactor",
    "CategoricalFactor",
    "Coverage",
    "InteractionFactor",
    "RatingPlan",
    "coverage_from_glm",
    "coverage_from_pair",
]
