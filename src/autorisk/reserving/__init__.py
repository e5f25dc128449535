"""Loss reserving: triangles from claim data, chain ladder, BF, Benktander, Cape Cod, ODP bootstrap, Mack's tests.

autorisk builds the triangles from its claim-level data
(:func:`build_triangle`) and reads the results back into tidy tables
(:class:`ReserveResult`); the reserving methods themselves are the
``chainladder`` library's:

- :func:`mack`: chain ladder with Mack (1993) standard errors;
- :func:`bornhuetter_ferguson`: an a priori ultimate times the share still to develop;
- :func:`benktander`: Bornhuetter-Ferguson iterated (its ultimate as the a priori),
  the credibility mix of chain ladder and BF;
- :func:`cape_cod`: BF with the loss ratio estimated from the triangle and the
  premium, ``ELR = sum(latest) / sum(premium / CDF)``.

Paid and incurred triangles come from the same call: ``value=`` the paid
increments, or the incurred ones (payments plus changes in case reserves,
negative for releases); :func:`compare_paid_incurred` sets their ultimates
side by side per origin (an :class:`UltimateComparison`: difference and ratio).

:func:`odp_bootstrap` simulates the distribution of the chain ladder IBNR
(England & Verrall's over-dispersed Poisson bootstrap) and returns a
:class:`BootstrapResult`: mean, standard error and percentiles by origin and
in total, the simulations and a histogram (``plot()``). :func:`odp_residuals`
gives the model's standardised Pearson residuals by origin, development and
calendar period (``plot()``), the diagnostics of what the bootstrap resamples.

Before trusting a chain ladder, Mack's (1994) tests of its assumptions
(:func:`development_factor_correlation`, :func:`calendar_year_effect`)
return an :class:`AssumptionTest`: the statistic, its interval and the pieces.

Examples
--------
``ausautoBI8999`` holds the claims finalised from July 1993 on, so its
triangle starts with accident year 1994 (earlier years lack their early
development):

>>> from autorisk.datasets import load
>>> from autorisk.reserving import build_triangle, mack
>>> claims = load("ausautoBI8999").query("accident_date >= '1994-01-01'")
>>> paid = build_triangle(claims, origin="accident_date", development="finalisation_date",
...                       value="claim_amount", valuation_date="1998-12-31")
>>> result = mack(paid)
>>> list(result.table.columns), len(result.table)
(['latest', 'ultimate', 'ibnr', 'std_err', 'cv'], 5)
"""

from autorisk.reserving.assumptions import (
    AssumptionTest,
    calendar_year_effect,
    development_factor_correlation,
)
from autorisk.reserving.bootstrap import PERCENTILES, BootstrapResult, odp_bootstrap
from autorisk.reserving.compare import UltimateComparison, compare_paid_incurred
from autorisk.reserving.methods import (
    SIGMA_ESTIMATORS,
    benktander,
    bornhuetter_ferguson,
    cape_cod,
    mack,
)
from autorisk.reserving.residuals import RESIDUAL_AXES, ODPResiduals, odp_residuals
from autorisk.reserving.results import ReserveResult
from autorisk.reserving.triangles import GRAINS, NegativeCumulativeWarning, build_triangle

__all__ = [
    "GRAINS",
    "AssumptionTest",
    "BootstrapResult",
    "NegativeCumulativeWarning",
    "ODPResiduals",
    "PERCENTILES",
    "RESIDUAL_AXES",
    "SIGMA_ESTIMATORS",
    "ReserveResult",
    "UltimateComparison",
    "benktander",
    "bornhuetter_ferguson",
    "build_triangle",
    "calendar_year_effect",
    "cape_cod",
    "compare_paid_incurred",
    "development_factor_correlation",
    "mack",
    "odp_bootstrap",
    "odp_residuals",
]
