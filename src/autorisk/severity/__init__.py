"""Claim severity distributions: maximum-likelihood fits with deductibles and limits, tails and splices.

* :class:`SeverityFit`: lognormal, gamma, Weibull, Pareto (two-parameter,
  Lomax) or generalised Pareto above a threshold, fitted with left truncation
  at deductibles and right censoring at limits in the likelihood; standard
  errors from the observed information;
* :func:`compare_families`: AIC / BIC table across the families;
* :func:`qq_plot`, :func:`mean_excess`, :func:`mean_excess_plot`: diagnostics;
* :func:`gpd_stability` and :class:`SplicedFit`: a body below a threshold and
  a GPD tail above it;
* :func:`large_loss_load`: the large-loss loading on capped losses, its
  volatility across periods and its credibility spread over segments;
* :func:`index_amounts`, :func:`indexed_threshold`: claims inflation before
  fitting and capping.

Every fitted object exposes ``distribution_``, a frozen scipy distribution
that :func:`autorisk.rating.limit_factor`, :func:`~autorisk.rating.deductible_factor`
and :func:`~autorisk.rating.limited_expected_value` take directly.
"""

from autorisk.severity.compare import DEFAULT_FAMILIES, FamilyComparison, compare_families
from autorisk.severity.families import FAMILIES, Family, family
from autorisk.severity.fit import SeverityFit
from autorisk.severity.inflation import index_amounts, indexed_threshold
from autorisk.severity.large_losses import LargeLossLoad, large_loss_load
from autorisk.severity.plots import mean_excess, mean_excess_plot, qq_plot
from autorisk.severity.splice import SplicedFit, gpd_stability, spliced_distribution

__all__ = [
    "DEFAULT_FAMILIES",
    "FAMILIES",
    "Family",
    "FamilyComparison",
    "LargeLossLoad",
    "SeverityFit",
    "SplicedFit",
    "compare_families",
    "family",
    "gpd_stability",
    "index_amounts",
    "indexed_threshold",
    "large_loss_load",
    "mean_excess",
    "mean_excess_plot",
    "qq_plot",
    "spliced_distribution",
]
