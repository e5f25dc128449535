"""Spatially smoothed relativities: each location's A/E blended with its neighbours' by credibility."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.datasets.synthetic_locations import haversine_km
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.evaluate.deviance import unit_deviance

#: Methods accepted by :func:`smooth_territories`.
METHODS = ("distance",)

#: Bandwidths (km) tried by the leave-one-out rule.
DEFAULT_BANDWIDTHS = (25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0)


@dataclass(frozen=True)
class TerritorySmoothing:
    """Smoothed relativities per location, with the method and parameters that made them.

    Attributes
    ----------
    table : DataFrame
        Indexed by location: ``lon``, ``lat``, ``exposure``, ``observed``,
        ``expected``, ``raw`` (A/E), ``complement`` (neighbours' A/E, itself
        shrunk to the overall A/E), ``credibility`` (``Z``) and ``relativity``
        (``Z * raw + (1 - Z) * complement``).
    method : str
        ``"distance"``.
    bandwidth_km : float
        Standard deviation of the Gaussian kernel, km.
    credibility_k : float
        ``k`` of ``Z = E / (E + k)``, in expected claims (``inf``: no credibility).
    overall : float
        Observed over expected claims of the whole book.
    bandwidth_scores : Series or None
        Leave-one-out Poisson deviance per candidate bandwidth (``None`` when the
        bandwidth was given).

    Examples
    --------
    >>> import pandas as pd
    >>> exp = pd.DataFrame({"exposure": [50.0, 50.0, 50.0], "observed": [6.0, 7.0, 2.0],
    ...                     "expected": [5.0, 5.0, 5.0]}, index=pd.Index(["a", "b", "c"], name="city"))
    >>> where = pd.DataFrame({"lon": [116.0, 116.1, 120.0], "lat": [40.0, 40.0, 30.0]}, index=["a", "b", "c"])
    >>> result = smooth_territories(exp, where, bandwidth=50.0, credibility=5.0)
    >>> result.table["relativity"].round(3).tolist()
    [1.199, 1.25, 0.7]
    >>> result.method, result.bandwidth_km, result.credibility_k
    ('distance', 50.0, 5.0)
    """

    table: pd.DataFrame
    method: str
    bandwidth_km: float
    credibility_k: float
    overall: float
    bandwidth_scores: pd.Series | None = None

    @property
    def relativity(self) -> pd.Series:
        """Smoothed relativity per location."""
        return self.table["relativity"]

    def describe(self) -> str:
        """The method and its parameters in one sentence."""
        return (
            f"distance-weighted credibility: Gaussian kernel sd {self.bandwidth_km:g} km (haversine), "
            f"Z = E / (E + {self.credibility_k:.4g}) with E expected claims, "
            f"complement shrunk to the overall A/E {self.overall:.4f}; {len(self.table)} locations"
        )

    def __repr__(self) -> str:
        return f"TerritorySmoothing({self.describe()})"

    def _repr_html_(self) -> str:
        head = self.table[["exposure", "observed", "expected", "raw", "credibility", "relativity"]].head(10)
        return f"<p>{self.describe()}</p>" + head.to_html(float_format="{:.3f}".format)


def smooth_territories(
    experience: pd.DataFrame,
    coordinates: pd.DataFrame,
    *,
    method: str = "distance",
    bandwidth: float | str = "loo",
    credibility: float | str = "buhlmann",
    bandwidths: Sequence[float] = DEFAULT_BANDWIDTHS,
) -> TerritorySmoothing:
    """Spatially smoothed relativities by distance-weighted credibility.

    For location ``i`` with observed claims ``O_i``, expected ``E_i`` and
    ``raw_i = O_i / E_i``::

        w_ij         = exp(-d_ij**2 / (2 h**2))            (d haversine km, w_ii = 0)
        c_i          = sum_j w_ij O_j / sum_j w_ij E_j     (neighbours' A/E)
        complement_i = Zc_i c_i + (1 - Zc_i) m,   Zc_i = sum_j w_ij E_j / (sum_j w_ij E_j + k)
        relativity_i = Z_i raw_i + (1 - Z_i) complement_i, Z_i = E_i / (E_i + k)

    with ``m`` the book's A/E. The credibility weight is the expected claim
    count (Bühlmann-Straub with Poisson within-variance). ``k = m / tau2``
    by the Bühlmann-Straub moment estimator of the between-location
    variance ``tau2 = (sum E_i (raw_i - m)**2 - (n - 1) m) / (E - sum E_i**2 / E)``
    (``k = inf``, full shrinkage, when ``tau2 <= 0``).

    Parameters
    ----------
    experience : DataFrame
        Indexed by location with ``exposure``, ``observed`` and ``expected``
        (as returned by :func:`residual_experience`).
    coordinates : DataFrame
        Indexed by location with ``lon`` and ``lat`` (degrees) for every
        location of ``experience`` (extra rows are ignored).
    method : {"distance"}
        Smoothing method (only distance-weighted credibility for now).
    bandwidth : float or "loo", default "loo"
        Kernel standard deviation in km (> 0), or ``"loo"``: the candidate of
        ``bandwidths`` whose complements best predict each location left out
        (smallest Poisson deviance of ``O_i`` against ``E_i * complement_i``).
    credibility : float or "buhlmann", default "buhlmann"
        ``k`` in expected claims (> 0, ``inf`` allowed), or the Bühlmann-Straub estimate.
    bandwidths : sequence of float
        Candidates for ``bandwidth="loo"``, km.

    Returns
    -------
    TerritorySmoothing
        The table, and the method, bandwidth and ``k`` used.

    Raises
    ------
    ParameterError
        Unknown method, bad bandwidth or credibility.
    SchemaError
        Missing columns.
    DataError
        A location without coordinates, or without expected claims.

    Examples
    --------
    >>> import pandas as pd
    >>> exp = pd.DataFrame({"exposure": [40.0, 60.0], "observed": [3.0, 9.0], "expected": [4.0, 6.0]},
    ...                    index=["a", "b"])
    >>> where = pd.DataFrame({"lon": [116.0, 116.2], "lat": [40.0, 40.1]}, index=["a", "b"])
    >>> smooth_territories(exp, where, bandwidth=30.0, credibility=4.0).relativity.round(3).tolist()
    [1.057, 1.3]
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {METHODS}, got {method!r}")
    require_columns(experience, ["observed", "expected", "exposure"], "experience", "of residual_experience")
    require_columns(coordinates, ["lon", "lat"], "coordinates", "giving each location's coordinates")
    locations = experience.index
    missing = ~locations.isin(coordinates.index)
    if missing.any():
        raise DataError(
            DataIssue.from_mask("location", "no coordinates", "a row of coordinates per location",
                                missing, locations, locations.to_series()),  # fmt: skip
            table="coordinates",
        )
    observed = experience["observed"].to_numpy(dtype=float)
    expected = experience["expected"].to_numpy(dtype=float)
    bad = ~np.isfinite(expected) | (expected <= 0)
    if bad.any():
        raise DataError(
            DataIssue.from_mask("expected", "not positive", "expected claims > 0 per location",
                                bad, locations, experience["expected"]),  # fmt: skip
            table="experience",
        )
    where = coordinates.loc[locations, ["lon", "lat"]].to_numpy(dtype=float)
    distance = haversine_km(where[:, None, 0], where[:, None, 1], where[None, :, 0], where[None, :, 1])
    overall = float(observed.sum() / expected.sum())
    k = _credibility_k(credibility, observed, expected, overall)
    scores = None
    if isinstance(bandwidth, str):
        if bandwidth != "loo":
            raise ParameterError(f"bandwidth must be a number of km > 0 or 'loo', got {bandwidth!r}")
        h_grid = [_positive("bandwidths", h) for h in bandwidths]
        if not h_grid:
            raise ParameterError("bandwidths must hold at least one candidate, got []")
        losses = [_poisson_loss(observed, expected * _complement(distance, observed, expected, h, k, overall))
                  for h in h_grid]  # fmt: skip
        scores = pd.Series(losses, index=pd.Index(h_grid, name="bandwidth_km"), name="loo_deviance")
        h = float(scores.idxmin())
    else:
        h = _positive("bandwidth", bandwidth)
    complement = _complement(distance, observed, expected, h, k, overall)
    z = expected / (expected + k)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = observed / expected
    table = pd.DataFrame(
        {
            "lon": where[:, 0],
            "lat": where[:, 1],
            "exposure": experience["exposure"].to_numpy(dtype=float),
            "observed": observed,
            "expected": expected,
            "raw": raw,
            "complement": complement,
            "credibility": z,
            "relativity": z * raw + (1.0 - z) * complement,
        },
        index=locations,
    )
    return TerritorySmoothing(table, method, h, k, overall, scores)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number > 0, got {value!r}")
    if not float(value) > 0:
        raise ParameterError(f"{name} must be > 0, got {value!r}")
    return float(value)


def _credibility_k(credibility: Any, observed: np.ndarray, expected: np.ndarray, overall: float) -> float:
    if isinstance(credibility, str):
        if credibility != "buhlmann":
            raise ParameterError(f"credibility must be a number > 0 or 'buhlmann', got {credibility!r}")
        total = expected.sum()
        between = np.sum(expected * (observed / expected - overall) ** 2) - (len(expected) - 1) * overall
        tau2 = between / (total - np.sum(expected**2) / total) if len(expected) > 1 else 0.0
        return float(overall / tau2) if tau2 > 0 else float("inf")
    return _positive("credibility", credibility)


def _complement(distance: np.ndarray, observed: np.ndarray, expected: np.ndarray,
                h: float, k: float, overall: float) -> np.ndarray:  # fmt: skip
    """Neighbours' A/E (each location left out), shrunk to ``overall`` by its credibility."""
    w = np.exp(-(distance**2) / (2.0 * h**2))
    np.fill_diagonal(w, 0.0)
    e_near = w @ expected
    o_near = w @ observed
    with np.errstate(divide="ignore", invalid="ignore"):
        near = np.where(e_near > 0, o_near / e_near, overall)
    zc = e_near / (e_near + k) if np.isfinite(k) else np.zeros_like(e_near)
    return zc * near + (1.0 - zc) * overall


def _poisson_loss(observed: np.ndarray, mu: np.ndarray) -> float:
    return float(np.sum(unit_deviance(observed, mu, 1.0)))


__all__ = ["DEFAULT_BANDWIDTHS", "METHODS", "TerritorySmoothing", "smooth_territories"]
