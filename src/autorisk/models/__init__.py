"""Pricing models: GLMs for frequency, severity and pure premium.

- :class:`FrequencyGLM`: Poisson (or quasi-Poisson) claim counts with a log-exposure offset.
- :class:`SeverityGLM`: Gamma (or inverse Gaussian) average claim weighted by claim count.
- :class:`TweedieGLM`: pure premium per unit of exposure.

Each follows scikit-learn's conventions (``fit`` returns self, fitted
attributes end in ``_``) and adds what pricing needs: base levels, bands,
splines, interactions, restrictions, ``coef_table()``, ``relativities()``,
``drop_one()`` and ``summary()``.
"""

from autorisk.models.glm import FrequencyGLM, SeverityGLM, TweedieGLM
from autorisk.models.inference import likelihood_ratio

__all__ = ["FrequencyGLM", "SeverityGLM", "TweedieGLM", "likelihood_ratio"]
