"""Model evaluation and comparison: deviances, Gini, calibration, lift, bootstrap and charts.

Every metric takes ``(actual, predicted, exposure=None, weights=None)`` on the
model's target scale: claim count (frequency, ``predict(X, exposure)``),
claim amount (Tweedie) or average claim with the claim count as weight
(severity).

- Deviance: :func:`mean_deviance` (any Tweedie power), :func:`poisson_deviance`,
  :func:`gamma_deviance`, :func:`tweedie_deviance`, exposure-weighted or per
  policy; :func:`d2_score` against the overall mean; :func:`unit_deviance` per row.
- Ranking: :func:`lorenz_curve` and :func:`gini` (exposure-weighted, ties grouped).
- Calibration: :func:`calibration` (overall and by segment) and
  :func:`actual_vs_expected` (A/E by level of columns of a table).
- Lift: :func:`lift_table` (equal-exposure bins of the predicted rate) and
  :func:`double_lift` (bins of the ratio of two models).
- :func:`bootstrap_difference`: paired percentile interval for the difference
  in a metric between two models.
- :func:`compare`: several models on one test set, a tidy table and the charts.
- Charts (matplotlib, return the Axes, never show): :func:`plot_one_way`,
  :func:`plot_lift`, :func:`plot_double_lift`, :func:`plot_lorenz`,
  :func:`plot_relativities`, :func:`plot_alpha_path` (a penalised GLM's ``alpha_path_``);
  residuals: :func:`plot_residuals` (against fitted values), :func:`plot_residuals_by_level`
  (:func:`residual_means` by level of a factor).
"""

from autorisk.evaluate.bootstrap import BootstrapResult, bootstrap_difference
from autorisk.evaluate.calibration import actual_vs_expected, calibration
from autorisk.evaluate.compare import METRICS, Comparison, compare
from autorisk.evaluate.deviance import (
    d2_score,
    gamma_deviance,
    mean_deviance,
    poisson_deviance,
    tweedie_deviance,
    unit_deviance,
)
from autorisk.evaluate.lift import double_lift, exposure_bins, lift_table
from autorisk.evaluate.lorenz import gini, lorenz_curve
from autorisk.evaluate.plots import (
    plot_alpha_path,
    plot_double_lift,
    plot_lift,
    plot_lorenz,
    plot_one_way,
    plot_relativities,
)
from autorisk.evaluate.residual_plots import plot_residuals, plot_residuals_by_level, residual_means

__all__ = [
    "METRICS",
    "BootstrapResult",
    "Comparison",
    "actual_vs_expected",
    "bootstrap_difference",
    "calibration",
    "compare",
    "d2_score",
    "double_lift",
    "exposure_bins",
    "gamma_deviance",
    "gini",
    "lift_table",
    "lorenz_curve",
    "mean_deviance",
    "plot_alpha_path",
    "plot_double_lift",
    "plot_lift",
    "plot_lorenz",
    "plot_one_way",
    "plot_relativities",
    "plot_residuals",
    "plot_residuals_by_level",
    "poisson_deviance",
    "residual_means",
    "tweedie_deviance",
    "unit_deviance",
]
