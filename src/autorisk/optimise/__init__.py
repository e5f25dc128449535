"""Renewal price optimisation: the offer per policy that maximises expected profit within the rules and targets.

- :func:`optimise_offers`: maximise ``sum P_i(p_i) (p_i - cost_i - expenses_i)``
  subject to :class:`MinRetention`, :class:`MinVolume`,
  :class:`MaxAverageChange`, :class:`SegmentRetention`,
  :class:`SegmentChange`, every price within the range
  :class:`~autorisk.renewal.RenewalRules` allows (caps, new-business price,
  minimum premium; rounded as :func:`~autorisk.renewal.renewal_offers`
  rounds). Lagrangian duality: for fixed multipliers the problem separates
  into one problem per policy, solved on a price grid and refined; the
  duality gap is reported (:class:`OptimisationResult`).
- :class:`OptimisedRenewalJob`: the multipliers found once, then applied chunk
  by chunk by :func:`autorisk.batch.rerate` (locally or on Dask).
- :func:`efficient_frontier`: profit against retention and volume, with the
  current and the capped technical pricing marked (:class:`Frontier`).

The demand model is any object with ``predict_retention(X, price)`` (price
of shape (n,) or (n, k)), ``reads_columns()`` and, for the fast path,
``log_linear_price_response(X) -> (a, b)`` with ``logit P = a + b log(price)``
(None when the model is not log-linear): the models of :mod:`autorisk.demand`.
"""

from autorisk.optimise.constraints import (
           MaxAverageChange,
           MinRetention,
           MinVolume,
           SegmentChange,
           SegmentRetention,
)
from autorisk.optimise.job import OptimisedRenewalJob
from autorisk.optimise.optimiser import efficient_frontier, optimise_offers
from autorisk.optimise.problem import InfeasibleTargetError
from autorisk.optimise.result import Frontier, OptimisationResult

__all__ = ["Frontier", "InfeasibleTargetError", "MaxAverageChange", "MinRetention", "MinVolume",
           "OptimisationResult", "OptimisedRenewalJob", "SegmentChange", "SegmentRetention", "efficient_frontier", "optimise_offers"]
