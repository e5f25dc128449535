"""Pricing models: GLMs for frequency, severity and pure premium.

- :class:`FrequencyGLM`: Poisson (or quasi-Poisson) claim counts with a log-exposure offset.
- :class:`SeverityGLM`: Gamma (or inverse Gaussian) average claim weighted by claim count.
- :class:`TweedieGLM`: pure premium per unit of exposure.

Each follows scikit-learn's conventions (``fit`` returns self, fitted
attributes end in ``_``) and adds what pricing needs: base levels, bands,
splines, interactions, restrictions, ``coef_table()``, ``relativities()``,
``drop_one()`` and ``summary()``.

- :class:`FrequencyGBM`, :class:`SeverityGBM`, :class:`TweedieGBM`: the same
  targets as gradient-boosted trees (LightGBM), exposure as an offset, saved
  as LightGBM text plus JSON metadata; ``tune=`` (a :class:`Tuning`) searches
  their settings by cross-validated deviance.
- ``autorisk.models.credibility_levels.CredibilityLevels``: credibility-weighted
  relativities of a factor with many levels (vehicle models within makes), grouped
  for the tariff (not among the estimators above: it reads named columns and an
  expected-claims offset, so scikit-learn's array checks do not apply).
- :class:`Penalty`: ridge, lasso or fused-lasso penalties for the GLMs
  (``penalty=``), the strength chosen by cross-validation.
- :class:`FrequencySeverity`: a frequency and a severity GLM combined into expected cost.
- :func:`load_model`: read any saved model (GLMs and pairs are JSON files
  written by ``save``, GBMs folders); the kind is read from the file.
- :func:`diagnose` (also ``model.diagnostics(X, y, ...)``): residuals (deviance,
  Pearson, working, randomised quantile), leverage and Cook's distance of a
  fitted GLM, with charts; :func:`consistency_over_time`: the factor x year
  interaction test and a factor's relativities by year; :func:`negative_binomial`:
  a Poisson model's design refitted as NB2 (alpha by maximum likelihood), compared
  by AIC and the boundary likelihood-ratio test of overdispersion.
- :func:`group_levels`, :func:`restrict_factor`, :func:`smooth_factor`: refine a
  fitted GLM (merge levels, fix or smooth a factor's relativities) and refit.
"""

from autorisk.models.consistency import ConsistencyResult, consistency_over_time
from autorisk.models.diagnostics import GLMDiagnostics, diagnose
from autorisk.models.gbm import FrequencyGBM, SeverityGBM, Tuning, TweedieGBM, load_gbm
from autorisk.models.glm import FrequencyGLM, SeverityGLM, TweedieGLM
from autorisk.models.inference import likelihood_ratio
from autorisk.models.loading import load_model
from autorisk.models.negative_binomial import NegativeBinomialFit, negative_binomial
from autorisk.models.pair import FrequencySeverity
from autorisk.models.penalty import Penalty
from autorisk.models.refine import (
    band_factor,
    group_levels,
    restrict_factor,
    smooth_factor,
    smooth_relativities,
)

__all__ = ["FrequencyGLM", "SeverityGLM", "TweedieGLM", "likelihood_ratio"]
__all__ += ["ConsistencyResult", "GLMDiagnostics", "consistency_over_time", "diagnose"]
__all__ += ["NegativeBinomialFit", "negative_binomial"]
__all__ += ["FrequencyGBM", "SeverityGBM", "TweedieGBM", "Tuning", "load_gbm", "load_model"]
__all__ += [
    "FrequencySeverity",
    "Penalty",
    "band_factor",
    "group_levels",
    "restrict_factor",
    "smooth_factor",
    "smooth_relativities",
]
