"""Portfolio risk analytics: experience tables and summaries."""

from autorisk.analytics.experience import EXPERIENCE_COLUMNS, experience_table

__all__ = ["EXPERIENCE_COLUMNS", "experience_table"]
