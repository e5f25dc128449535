"""Customer demand: retention and conversion models, price elasticity, retention curves.

- :class:`RetentionGLM`, :class:`ConversionGLM`: logistic GLMs (glum) in the
  segment factors and the price terms ``log(offered / last)`` (price change),
  ``log(offered / market)`` (competitiveness) and ``log(offered /
  technical)`` (net re-rating), with a slope per level of the segments in
  ``price_interactions``; every price slope held ``<= 0``.
- :class:`RetentionGBM`, :class:`ConversionGBM`: LightGBM (binary), monotone
  non-increasing in every price term.
- The demand protocol the optimiser reads: ``price_columns_``,
  ``predict_retention(X, price)`` (one price or a grid of prices per row),
  ``log_linear_price_response(X)`` (GLMs), ``reads_columns()``,
  ``elasticity(X, price)``; ``save`` and :func:`load_demand_model` (JSON,
  LightGBM text; no pickle).
- :func:`elasticity_table`, :func:`retention_curve` and their charts;
  :func:`demand_scores` (AUC, Gini), :func:`demand_calibration`, :func:`demand_lift`.
"""

from autorisk.demand.elasticity import (
    elasticity_table,
    plot_elasticity,
    plot_retention_curve,
    retention_curve,
)
from autorisk.demand.gbm import ConversionGBM, RetentionGBM
from autorisk.demand.glm import ConversionGLM, RetentionGLM
from autorisk.demand.metrics import demand_calibration, demand_lift, demand_scores
from autorisk.demand.persistence import load_demand_model

__all__ = [
    "ConversionGBM",
    "ConversionGLM",
    "RetentionGBM",
    "RetentionGLM",
    "demand_calibration",
    "demand_lift",
    "demand_scores",
    "elasticity_table",
    "load_demand_model",
    "plot_elasticity",
    "plot_retention_curve",
    "retention_curve",
]
