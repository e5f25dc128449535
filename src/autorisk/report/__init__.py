"""Self-contained HTML reports: one file, inline CSS, plots embedded as PNG.

- :class:`Report`: a small builder (sections, tables, figures, table of contents).
- :func:`pricing_report`: the standard pricing pack from whichever parts are
  given (portfolio, one-way charts, model comparison, GLM relativities,
  renewal dislocation, indication); :func:`build_pricing_report` returns the
  :class:`Report` unwritten, to add more before writing.
"""

from autorisk.report.builder import Report
from autorisk.report.pricing import build_pricing_report, pricing_report

__all__ = ["Report", "build_pricing_report", "pricing_report"]
