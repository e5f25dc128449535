"""Renewal pricing: experience update, re-scoring with capping and fairness rules, dislocation.

- :func:`load_ladder`: NCD / bonus-malus transition rules as data (China
  national and Beijing/Xiamen, French CRM, Belgian 23 levels, or your own
  JSON), applied vectorised by :meth:`Ladder.renew`.
- :func:`renewal_offers`: technical premium from a plan (after an NCD /
  bonus-malus ladder moves each policy on), caps per policy or segment, the
  new-business-price rule, minimum premium and rounding, with reason codes.
- :func:`adjust` / :func:`adjust_many`: mid-term changes charged or returned
  pro rata by days; :func:`cancellation_refund` / :func:`cancel_many`:
  refunds pro rata or by a :class:`ShortPeriodTable`.
- :class:`RenewalJob`: a renewal run for :func:`autorisk.batch.rerate`.
- :func:`dislocation`: who gains and who loses, the rules that bound, the
  premium moved (:class:`Dislocation`, with a chart).
"""

from autorisk.renewal.dislocation import Dislocation, dislocation
from autorisk.renewal.job import RenewalJob
from autorisk.renewal.ladders import Ladder, available_ladders, load_ladder
from autorisk.renewal.midterm import (
    Adjustment,
    Refund,
    ShortPeriodTable,
    adjust,
    adjust_many,
    cancel_many,
    cancellation_refund,
)
from autorisk.renewal.rescore import RULES, RenewalRules, reasons, renewal_offers

__all__ = ["RULES", "Dislocation", "RenewalRules", "dislocation", "reasons", "renewal_offers"]
__all__ += ["Ladder", "RenewalJob", "available_ladders", "load_ladder"]
__all__ += ["Adjustment", "Refund", "ShortPeriodTable", "adjust", "adjust_many", "cancel_many", "cancellation_refund"]
