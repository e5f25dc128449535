"""Loss reserving: development triangles from claim data, chain ladder and BF.

autorisk builds the triangles from its claim-level data
(:func:`build_triangle`) and reads the results back into tidy tables
(:class:`ReserveResult`); the reserving methods themselves are the
``chainladder`` library's (:func:`mack`, :func:`bornhuetter_ferguson`).

Examples
--------
>>> from autorisk.datasets import load
>>> from autorisk.reserving import build_triangle, mack
>>> paid = build_triangle(load("ausautoBI8999"), origin="accident_date",
...                       development="finalisation_date", value="claim_amount")
>>> result = mack(paid)
>>> list(result.table.columns)
['latest', 'ultimate', 'ibnr', 'std_err', 'cv']
"""

from autorisk.reserving.methods import SIGMA_ESTIMATORS, bornhuetter_ferguson, mack
from autorisk.reserving.results import ReserveResult
from autorisk.reserving.triangles import GRAINS, build_triangle

__all__ = [
    "GRAINS",
    "SIGMA_ESTIMATORS",
    "ReserveResult",
    "bornhuetter_ferguson",
    "build_triangle",
    "mack",
]
