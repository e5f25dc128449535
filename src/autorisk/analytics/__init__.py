"""Portfolio risk analytics: experience tables, credibility and population drift.

- :func:`experience_table`: exposure, claims, frequency, severity, pure premium by segment.
- :func:`classical_credibility`, :func:`buhlmann_straub`, :func:`credibility_table`:
  classical (square-root rule, 1,082 claims) and Bühlmann-Straub credibility for sparse levels.
- :func:`psi`, :func:`psi_table`, :func:`drift_report`: population stability index between
  two snapshots, per factor, with thresholds.
"""

from autorisk.analytics.credibility import (
    FULL_CREDIBILITY_CLAIMS,
    BuhlmannStraubResult,
    buhlmann_straub,
    classical_credibility,
    credibility_table,
)
from autorisk.analytics.drift import drift_report, psi, psi_table
from autorisk.analytics.experience import EXPERIENCE_COLUMNS, experience_table

__all__ = [
    "EXPERIENCE_COLUMNS",
    "FULL_CREDIBILITY_CLAIMS",
    "BuhlmannStraubResult",
    "buhlmann_straub",
    "classical_credibility",
    "credibility_table",
    "drift_report",
    "experience_table",
    "psi",
    "psi_table",
]
