"""Rating engine: plans of coverages and factors, quoted vectorised or one at a time, saved as hashed JSON.

* factors (:mod:`~autorisk.rating.factors`): categorical tables, numeric
  bands, two-way interaction tables, NCD / bonus-malus ladders and bounded
  coefficients;
* :class:`Coverage`: base rate x factors, then loadings, fees, rounding,
  minimum / maximum premium and taxes;
* :class:`RatingPlan`: coverages with effective dates, prohibited factors and
  regulatory :class:`Bound` s; ``quote`` (vectorised) and ``quote_one``
  (bit-identical); JSON with a content-hash plan id;
* builders from fitted models (:func:`coverage_from_glm`,
  :func:`coverage_from_pair`).
"""

from autorisk.rating.bounds import Bound
from autorisk.rating.build import coverage_from_glm, coverage_from_pair
from autorisk.rating.coverage import Coverage
from autorisk.rating.factors import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    InteractionFactor,
)
from autorisk.rating.plan import FORMAT, RatingPlan, select_plan

__all__ = [
    "FORMAT",
    "BandFactor",
    "BonusMalusFactor",
    "Bound",
    "BoundedCoefficient",
    "CategoricalFactor",
    "Coverage",
    "InteractionFactor",
    "RatingPlan",
    "coverage_from_glm",
    "coverage_from_pair",
    "select_plan",
]
