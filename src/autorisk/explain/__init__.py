"""Explain a pricing model and turn a GBM into a tariff.

- :func:`partial_dependence`: a model's average rate as one feature moves
  over its grid (any model with ``predict``).
- :func:`shap_effects`: a tree model's SHAP values (``contributions``)
  averaged by level or band with exposure weights.
- :func:`interaction_strength`: Friedman's H-statistic of every pair of
  features on the log-rate scale, to choose the interactions a GLM needs.
- :func:`gbm_to_tariff`: bands where a GBM's effects change, its strongest
  interactions, a :class:`~autorisk.models.FrequencyGLM` fitted on them (a
  rating plan can be built from it), and the share of the GBM's Gini the
  tariff keeps (:class:`TariffFromGBM`).
"""

from autorisk.explain.bands import effect_cut_points, nice_number
from autorisk.explain.dependence import partial_dependence
from autorisk.explain.effects import shap_effects
from autorisk.explain.interaction import interaction_strength
from autorisk.explain.tariff import TariffFromGBM, gbm_to_tariff

__all__ = [
    "TariffFromGBM",
    "effect_cut_points",
    "gbm_to_tariff",
    "interaction_strength",
    "nice_number",
    "partial_dependence",
    "shap_effects",
]
