"""Portfolio risk analytics: experience tables, credibility and population drift.

- :func:`experience_table`: exposure, claims, frequency, severity, pure premium by segment.
- :func:`classical_credibility`, :func:`buhlmann_straub`, :func:`credibility_table`:
  classical (square-root rule, 1,082 claims) and Bühlmann-Straub credibility for sparse levels.
- :func:`psi`, :func:`psi_table`, :func:`drift_report`: population stability index between
  two snapshots, per factor, with thresholds.
- :func:`risk_deciles`, :func:`top_risks`, :func:`departing_segments`: risk segmentation of
  the in-force book (score deciles, the riskiest policies and what drives them, segments
  whose experience departs from expected).
- :func:`monitor`: actual against expected of a deployed plan or model over time and by
  segment, with exact Poisson intervals, signals and (given a reference snapshot) drift.
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
from autorisk.analytics.monitoring import MONITOR_COLUMNS, MonitoringResult, monitor
from autorisk.analytics.segmentation import departing_segments, risk_deciles, top_risks

__all__ = [
    "EXPERIENCE_COLUMNS",
    "FULL_CREDIBILITY_CLAIMS",
    "MONITOR_COLUMNS",
    "BuhlmannStraubResult",
    "MonitoringResult",
    "buhlmann_straub",
    "classical_credibility",
    "credibility_table",
    "departing_segments",
    "drift_report",
    "experience_table",
    "monitor",
    "psi",
    "psi_table",
    "risk_deciles",
    "top_risks",
]
