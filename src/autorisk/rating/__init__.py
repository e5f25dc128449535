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
  :func:`coverage_from_pair`), deductible and limit options priced from a
  severity distribution (:func:`deductible_factor`, :func:`limit_factor`);
* :func:`diff_plans` between two plans, :func:`export_tables` to CSV / Excel;
* :mod:`autorisk.rating.templates.china`: the China motor template.
"""

from autorisk.rating.bounds import Bound
from autorisk.rating.build import coverage_from_glm, coverage_from_pair
from autorisk.rating.coverage import Coverage
from autorisk.rating.diff import PlanDiff, diff_plans
from autorisk.rating.export import export_tables, rating_tables
from autorisk.rating.factors import (
    BandFactor,
    BonusMalusFactor,
    BoundedCoefficient,
    CategoricalFactor,
    InteractionFactor,
)
from autorisk.rating.limits import (
    deductible_factor,
    gamma_severity,
    limit_factor,
    limited_expected_value,
    loss_elimination_ratio,
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
    "PlanDiff",
    "RatingPlan",
    "coverage_from_glm",
    "coverage_from_pair",
    "deductible_factor",
    "diff_plans",
    "export_tables",
    "gamma_severity",
    "limit_factor",
    "limited_expected_value",
    "loss_elimination_ratio",
    "rating_tables",
    "select_plan",
]
