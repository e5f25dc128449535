"""Renewal pricing: experience update, re-scoring with capping and fairness rules, dislocation.

- :func:`renewal_offers`: technical premium from a plan (after an NCD /
  bonus-malus ladder moves each policy on), caps per policy or segment, the
  new-business-price rule, minimum premium and rounding, with reason codes.
- :func:`dislocation`: who gains and who loses, the rules that bound, the
  premium moved (:class:`Dislocation`, with a chart).
"""

from autorisk.renewal.dislocation import Dislocation, dislocation
from autorisk.renewal.rescore import RULES, RenewalRules, reasons, renewal_offers

__all__ = ["RULES", "Dislocation", "RenewalRules", "dislocation", "reasons", "renewal_offers"]
