"""The known truth behind :func:`autorisk.datasets.synthetic.synthetic_book`.

Every claim of the synthetic book is drawn from the model held by a
:class:`SyntheticTruth`, so estimators can be checked against the parameters
that really generated the data.

Frequency
    For each policy period and coverage (``ctpl`` compulsory traffic
    liability, ``tpl`` commercial third-party liability, ``od`` own damage,
    the latter only when ``od_cover``), the claim count is
    ``Poisson(exposure * lambda)`` with the log-linear (Poisson GLM) rate per
    year of exposure::

        lambda = base[cov]
                 * prod over factors f of relativity[cov][f][level of f]
                 * (new_car_price / 150000) ** price_exponent[cov]
                 * interaction multiplier (below)

    over the factors ``vehicle_type, use, vehicle_age_band, driver_age_band,
    region, ncd_level, channel``. The bands are ``vehicle_age`` 0-1, 2-3, 4-6,
    7-9, 10+ (edges 0, 2, 4, 7, 10) and ``driver_age`` 18-24, 25-29, 30-44,
    45-59, 60+ (edges 18, 25, 30, 45, 60); :meth:`SyntheticTruth.band` adds
    them exactly as the truth uses them.

Planted interaction (not a main effect)
    Young drivers in expensive cars::

        lambda *= 1 + a[cov] * exp(-(driver_age - 18) / 5)
                        * sigmoid((log(new_car_price) - log(250000)) / 0.25)

    with ``driver_age`` in whole years (not banded) and ``a`` = 0.8 (ctpl),
    1.0 (tpl), 1.5 (od). The age part is 1 at 18, 0.30 at 24, 0.09 at 30 and
    below 0.013 from 40; the price switch is 0.01 at 80k, 0.12 at 150k, 0.5 at
    250k and 0.87 at 400k CNY. So an 18-year-old in a 400k car has 2.3 times
    the OD main-effects rate, while the multiplier is below 1.02 for drivers
    aged 40+. A main-effects GLM cannot capture it; recover main effects
    either on drivers aged 40+ or with ``log(interaction_multiplier)`` in the
    offset.

Unused columns
    ``gender`` has NO effect on frequency or severity
    (``unused_factors == ("gender",)``), although it is correlated with
    ``vehicle_type`` in the portfolio. ``seats`` acts only through
    ``vehicle_type`` (it is a function of it plus noise) and has no effect of
    its own.

Severity
    Each claim's ultimate cost is Gamma with shape ``severity_shape[cov]`` and
    mean::

        mu = base_severity[cov] * prod of severity relativities
             * (new_car_price / 150000) ** severity_price_exponent[cov]

    (rounded to 0.01 CNY, at least 0.01; claims are independent of each other
    and of the claim counts).

Development (only visible with a valuation date)
    Reporting delay = floor of a lognormal (median, sigma) in days; settlement
    delay after report = ceil(lognormal * (ultimate / mu) ** power), at least
    1 day; both capped at 3650 days. An open claim at valuation has
    ``paid = ultimate * paid_share * t ** paid_power`` and case-estimated
    ``incurred = max(paid, ultimate * exp((1 - t) * (case_bias + case_sigma * z)))``
    where ``t`` is the elapsed fraction of its report-to-settlement time and
    ``z`` a standard normal drawn once per claim (case estimates of liability
    claims are biased low, so incurred develops upwards).

True parameters (the output of ``SyntheticTruth.default().describe()``)::

    Frequency: claims per policy-year, Poisson, log-linear
      base frequency        ctpl 0.1000   tpl 0.0800   od 0.1500
      factor            level             ctpl     tpl      od
      vehicle_type      sedan            1.000   1.000   1.000
      vehicle_type      suv              0.950   0.970   0.920
      vehicle_type      mpv              1.080   1.100   1.050
      vehicle_type      van              1.200   1.250   1.150
      use               private          1.000   1.000   1.000
      use               business         1.300   1.350   1.250
      vehicle_age_band  0-1              1.050   1.050   1.120
      vehicle_age_band  2-3              1.000   1.000   1.000
      vehicle_age_band  4-6              0.980   0.970   0.920
      vehicle_age_band  7-9              0.960   0.950   0.850
      vehicle_age_band  10+              0.950   0.930   0.780
      driver_age_band   18-24            1.550   1.600   1.400
      driver_age_band   25-29            1.200   1.220   1.150
      driver_age_band   30-44            1.000   1.000   1.000
      driver_age_band   45-59            0.920   0.930   0.950
      driver_age_band   60+              1.100   1.120   1.080
      region            Guangdong        1.100   1.100   1.080
      region            Zhejiang         1.120   1.150   1.200
      region            Jiangsu          1.050   1.050   1.100
      region            Shandong         0.920   0.900   0.920
      region            Beijing          1.200   1.250   1.300
      region            Sichuan          0.950   0.950   0.950
      region            Henan            0.880   0.850   0.880
      region            Other            1.000   1.000   1.000
      ncd_level         -4               0.800   0.750   0.750
      ncd_level         -3               0.850   0.800   0.800
      ncd_level         -2               0.900   0.870   0.870
      ncd_level         -1               0.950   0.930   0.930
      ncd_level         0                1.000   1.000   1.000
      ncd_level         1                1.120   1.150   1.150
      ncd_level         2                1.240   1.300   1.300
      ncd_level         3                1.340   1.420   1.420
      ncd_level         4                1.420   1.520   1.520
      ncd_level         5                1.500   1.600   1.600
      channel           agent            1.000   1.000   1.000
      channel           dealer           0.970   0.960   0.950
      channel           direct           1.000   1.000   1.000
      channel           online           1.040   1.050   1.060
      price exponent    (p/150000)^b     0.000   0.000   0.200
      interaction a                      0.800   1.000   1.500
      interaction: 1 + a * exp(-(driver_age - 18) / 5) * sigmoid((log(new_car_price) - log(250000)) / 0.25)
      unused factors: gender
    Severity: ultimate cost per claim (CNY), Gamma
      base mean             ctpl 5000    tpl 12000    od 6000
      gamma shape           ctpl 1.00    tpl 0.60     od 1.40
      factor            level             ctpl     tpl      od
      vehicle_type      sedan            1.000   1.000       -
      vehicle_type      suv              1.050   1.050       -
      vehicle_type      mpv              1.100   1.100       -
      vehicle_type      van              1.150   1.150       -
      use               private              -   1.000       -
      use               business             -   1.100       -
      vehicle_age_band  0-1                  -       -   1.050
      vehicle_age_band  2-3                  -       -   1.000
      vehicle_age_band  4-6                  -       -   0.920
      vehicle_age_band  7-9                  -       -   0.850
      vehicle_age_band  10+                  -       -   0.780
      region            Guangdong        1.150   1.200   1.080
      region            Zhejiang         1.150   1.200   1.080
      region            Jiangsu          1.100   1.100   1.050
      region            Shandong         0.950   0.950   0.970
      region            Beijing          1.350   1.450   1.150
      region            Sichuan          0.900   0.900   0.950
      region            Henan            0.850   0.850   0.930
      region            Other            1.000   1.000   1.000
      price exponent    (p/150000)^b     0.000   0.000   0.600
    Development (delays in days)        ctpl     tpl      od
      report delay median                2.0     4.0     1.0
      report delay sigma                 1.2     1.4     1.0
      settlement delay median           60.0   180.0    15.0
      settlement delay sigma             1.0     1.3     0.8
      settlement severity power          0.3     0.3     0.3
      paid share when open               0.9     0.8     0.9
      paid power                         1.0     1.5     1.0
      case bias (log)                  -0.05   -0.15    0.00
      case sigma (log)                  0.30    0.50    0.25

("-" = factor not used by that coverage's severity, relativity 1.)

Attributes of :class:`SyntheticTruth`
-------------------------------------
coverages, levels, reference_levels, band_edges, band_labels
    Coverages, the level order of every factor, the level whose relativity is
    1, and the bands.
base_frequency, relativities, price_reference, price_exponent, interaction
    Frequency specification (``relativities[cov][factor][level]``).
base_severity, severity_relativities, severity_price_exponent, severity_shape
    Severity specification.
unused_factors
    ``("gender",)``.
development, dynamics
    Delay/case-reserve parameters and lapse/cancellation/NCD parameters.
generation
    ``n_policies, n_years, seed, start_year`` of the book (empty for
    :meth:`SyntheticTruth.default`).
valuation_date, ibnr_count, ibnr_ultimate, unoccurred_count, unoccurred_ultimate
    With a valuation date: claims dropped because they occurred on or before
    it but were reported after it (IBNR), and claims dropped because they had
    not yet occurred, per coverage (counts and true ultimate cost).

Examples
--------
>>> import pandas as pd
>>> truth = SyntheticTruth.default()
>>> policy = pd.DataFrame({
...     "vehicle_type": ["sedan"], "use": ["private"], "vehicle_age": [3],
...     "driver_age": [35], "region": ["Other"], "ncd_level": [0],
...     "channel": ["agent"], "new_car_price": [150_000.0]})
>>> round(float(truth.frequency(policy, "tpl", include_interaction=False).iloc[0]), 12)
0.08
>>> truth.relativities["tpl"]["driver_age_band"]["18-24"]
1.6
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.datasets._policy_columns import band_codes, boolean, car_price, level_codes, numeric
from autorisk.datasets.defaults import (
    MAX_DELAY_DAYS,
    _default_development,
    _default_relativities,
    _default_severity_relativities,
)
from autorisk.datasets.factors import (
    BAND_EDGES,
    BANDED,
    COMMERCIAL_COVERAGES,
    COVERAGES,
    LEVELS,
    PRICE_REFERENCE,
    RATING_FACTORS,
    REFERENCE_LEVELS,
    band_labels,
)
from autorisk.datasets.interaction import Interaction
from autorisk.errors import DataError


def _zero_by_coverage(kind: type) -> dict[str, Any]:
    return {c: kind(0) for c in COVERAGES}


@dataclass(frozen=True)
class SyntheticTruth:
    """The parameters that generated a synthetic book, and functions of them.

    All mappings are plain dicts built fresh for each book; treat them as
    read-only (the methods read them). See the module docstring for the
    meaning and values of every field.

    Attributes
    ----------
    base_frequency : dict
        Claims per policy-year at the reference levels, per coverage.
    relativities : dict
        ``relativities[coverage][factor][level]`` for every factor of
        :data:`RATING_FACTORS`.
    price_exponent : dict
        Frequency exponent ``b`` of ``(new_car_price / price_reference) ** b``.
    interaction : Interaction
        The planted non-linear interaction.
    base_severity, severity_relativities, severity_price_exponent, severity_shape
        Gamma severity: mean at the reference levels, relativities (a factor
        absent for a coverage has relativity 1), price exponent and shape.
    development : dict
        Reporting, settlement and case-estimate parameters per coverage.
    dynamics : dict
        Lapse, cancellation and NCD parameters of the book.
    unused_factors : tuple of str
        Columns present in the book with no effect at all: ``("gender",)``.
    coverages, levels, reference_levels, band_edges, price_reference
        Structure of the model.
    generation : dict
        ``n_policies``, ``n_years``, ``seed``, ``start_year`` of the book.
    valuation_date : Timestamp or None
        Valuation date of the claims table (``None``: fully developed).
    ibnr_count, ibnr_ultimate : dict
        Per coverage, claims that occurred on or before the valuation date
        but were reported after it, and their true ultimate cost; they are
        not in the claims table.
    unoccurred_count, unoccurred_ultimate : dict
        Per coverage, claims of the policy periods that occur after the
        valuation date (also not in the claims table).
    locations : DataFrame or None
        Books drawn with ``locations=True``: per city its region, ``lon``,
        ``lat``, share and true ``spatial_relativity`` (a multiplier of the
        frequency of every coverage, not included in :meth:`frequency`);
        ``None`` otherwise.

    Examples
    --------
    >>> truth = SyntheticTruth.default()
    >>> truth.base_frequency["od"], truth.unused_factors
    (0.15, ('gender',))
    >>> truth.relativity_table("od").query("factor == 'use'")
      factor     level  relativity
    4    use   private        1.00
    5    use  business        1.25
    >>> from autorisk.datasets import synthetic_book
    >>> synthetic_book(100, n_years=1, seed=0).truth.generation
    {'n_policies': 100, 'n_years': 1, 'seed': 0, 'start_year': 2021}
    """

    base_frequency: dict[str, float]
    relativities: dict[str, dict[str, dict[Any, float]]]
    price_exponent: dict[str, float]
    interaction: Interaction
    base_severity: dict[str, float]
    severity_relativities: dict[str, dict[str, dict[Any, float]]]
    severity_price_exponent: dict[str, float]
    severity_shape: dict[str, float]
    development: dict[str, dict[str, float]]
    dynamics: dict[str, Any] = field(default_factory=dict)
    unused_factors: tuple[str, ...] = ("gender",)
    coverages: tuple[str, ...] = COVERAGES
    levels: dict[str, tuple[Any, ...]] = field(default_factory=lambda: dict(LEVELS))
    reference_levels: dict[str, Any] = field(default_factory=lambda: dict(REFERENCE_LEVELS))
    band_edges: dict[str, tuple[int, ...]] = field(default_factory=lambda: dict(BAND_EDGES))
    price_reference: float = PRICE_REFERENCE
    generation: dict[str, Any] = field(default_factory=dict)
    valuation_date: pd.Timestamp | None = None
    ibnr_count: dict[str, int] = field(default_factory=lambda: _zero_by_coverage(int))
    ibnr_ultimate: dict[str, float] = field(default_factory=lambda: _zero_by_coverage(float))
    unoccurred_count: dict[str, int] = field(default_factory=lambda: _zero_by_coverage(int))
    unoccurred_ultimate: dict[str, float] = field(default_factory=lambda: _zero_by_coverage(float))
    locations: pd.DataFrame | None = field(default=None, compare=False)

    # ------------------------------------------------------------------ build
    @classmethod
    def default(cls) -> SyntheticTruth:
        """The default true model (no book attached: empty ``generation``)."""
        return cls(
            base_frequency={"ctpl": 0.10, "tpl": 0.08, "od": 0.15},
            relativities=_default_relativities(),
            price_exponent={"ctpl": 0.0, "tpl": 0.0, "od": 0.2},
            interaction=Interaction(amplitude={"ctpl": 0.8, "tpl": 1.0, "od": 1.5}),
            base_severity={"ctpl": 5_000.0, "tpl": 12_000.0, "od": 6_000.0},
            severity_relativities=_default_severity_relativities(),
            severity_price_exponent={"ctpl": 0.0, "tpl": 0.0, "od": 0.6},
            severity_shape={"ctpl": 1.0, "tpl": 0.6, "od": 1.4},
            development=_default_development(),
        )

    # ------------------------------------------------------------ summaries
    @property
    def band_labels(self) -> dict[str, tuple[str, ...]]:
        """Band labels per banded column (``vehicle_age_band``, ``driver_age_band``)."""
        return {f"{raw}_band": band_labels(edges) for raw, edges in self.band_edges.items()}

    @property
    def n_ibnr(self) -> int:
        """Total number of IBNR claims dropped by the valuation date."""
        return int(sum(self.ibnr_count.values()))

    @property
    def n_unoccurred(self) -> int:
        """Total number of claims occurring after the valuation date."""
        return int(sum(self.unoccurred_count.values()))

    def relativity_table(
        self, coverage: str, kind: Literal["frequency", "severity"] = "frequency"
    ) -> pd.DataFrame:
        """Tidy table of the true relativities of one coverage.

        Parameters
        ----------
        coverage : {"ctpl", "tpl", "od"}
        kind : {"frequency", "severity"}

        Returns
        -------
        DataFrame
            Columns ``factor``, ``level`` (object: str, or int for
            ``ncd_level``), ``relativity``; one row per factor level, factors
            in model order. The base (``base_frequency`` / ``base_severity``)
            and the price exponent are separate fields.
        """
        self._check_coverage(coverage)
        rels = self._relativities(kind)[coverage]
        rows = [
            (factor, level, float(value))
            for factor in self._factors(kind, coverage)
            for level, value in rels[factor].items()
        ]
        table = pd.DataFrame(rows, columns=["factor", "level", "relativity"])
        table["level"] = table["level"].astype(object)
        return table

    def describe(self) -> str:
        """All true parameters as a text table (reproduced in the module docstring)."""
        cov = self.coverages
        lines = ["Frequency: claims per policy-year, Poisson, log-linear"]
        lines.append(
            "  base frequency        "
            + "   ".join(f"{c} {self.base_frequency[c]:.4f}" for c in cov)
        )
        lines += self._describe_relativities("frequency")
        lines.append(
            f"  {'price exponent':<17} {'(p/150000)^b':<14}"
            + "".join(f"{self.price_exponent[c]:8.3f}" for c in cov)
        )
        lines.append(
            f"  {'interaction a':<17} {'':<14}"
            + "".join(f"{self.interaction.amplitude[c]:8.3f}" for c in cov)
        )
        lines.append(f"  interaction: {self.interaction.formula}")
        lines.append(f"  unused factors: {', '.join(self.unused_factors)}")
        lines.append("Severity: ultimate cost per claim (CNY), Gamma")
        lines.append(
            "  base mean             "
            + "".join(f"{c + ' ' + format(self.base_severity[c], '.0f'):<13}" for c in cov).rstrip()
        )
        lines.append(
            "  gamma shape           "
            + "".join(
                f"{c + ' ' + format(self.severity_shape[c], '.2f'):<13}" for c in cov
            ).rstrip()
        )
        lines += self._describe_relativities("severity")
        lines.append(
            f"  {'price exponent':<17} {'(p/150000)^b':<14}"
            + "".join(f"{self.severity_price_exponent[c]:8.3f}" for c in cov)
        )
        lines.append(f"{'Development (delays in days)':<32}" + "".join(f"{c:>8}" for c in cov))
        names = {
            "report_median_days": ("report delay median", ".1f"),
            "report_sigma": ("report delay sigma", ".1f"),
            "settlement_median_days": ("settlement delay median", ".1f"),
            "settlement_sigma": ("settlement delay sigma", ".1f"),
            "settlement_severity_power": ("settlement severity power", ".1f"),
            "paid_share": ("paid share when open", ".1f"),
            "paid_power": ("paid power", ".1f"),
            "case_bias": ("case bias (log)", ".2f"),
            "case_sigma": ("case sigma (log)", ".2f"),
        }
        for key, (label, fmt) in names.items():
            lines.append(
                f"  {label:<30}"
                + "".join(f"{format(self.development[c][key], fmt):>8}" for c in cov)
            )
        return "\n".join(lines)

    def _describe_relativities(self, kind: str) -> list[str]:
        rels = self._relativities(kind)
        lines = [f"  {'factor':<17} {'level':<14}" + "".join(f"{c:>8}" for c in self.coverages)]
        factors = [f for f in RATING_FACTORS if any(f in rels[c] for c in self.coverages)]
        for factor in factors:
            for level in self.levels[factor]:
                cells = "".join(
                    f"{rels[c][factor][level]:8.3f}" if factor in rels[c] else f"{'-':>8}"
                    for c in self.coverages
                )
                lines.append(f"  {factor:<17} {level!s:<14}" + cells)
        return lines

    # --------------------------------------------------------------- banding
    def band(self, policies: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``policies`` with the truth's banded columns added.

        Adds ``vehicle_age_band`` and ``driver_age_band`` (ordered
        categoricals with the labels of :attr:`band_labels`), computed from
        ``vehicle_age`` and ``driver_age`` with the edges of
        :attr:`band_edges` (a band includes its lower edge). Existing columns
        of those names are replaced.

        Raises
        ------
        SchemaError
            If ``vehicle_age`` or ``driver_age`` is missing.
        DataError
            If an age is missing, not a whole number, or below the first edge.
        """
        new = {}
        for band_col, raw in BANDED.items():
            codes = band_codes(policies, raw, self.band_edges[raw])
            new[band_col] = pd.Categorical.from_codes(
                codes, categories=list(self.levels[band_col]), ordered=True
            )
        return policies.assign(**new)

    # ------------------------------------------------------------- frequency
    def frequency(
        self, policies: pd.DataFrame, coverage: str, include_interaction: bool = True
    ) -> pd.Series:
        """True claim rate per year of exposure of each policy period.

        Parameters
        ----------
        policies : DataFrame
            Any table with the columns ``vehicle_type, use, vehicle_age,
            driver_age, region, ncd_level, channel, new_car_price`` (values
            as in the synthetic book; categorical, string or object columns
            all work). Bands are always recomputed from the raw ages.
        coverage : {"ctpl", "tpl", "od"}
        include_interaction : bool, default True
            ``False`` gives the main-effects part only (the planted
            interaction multiplier left out).

        Returns
        -------
        Series of float64
            ``lambda``, aligned with ``policies.index``. For ``od`` it is the
            rate *if* the cover is held; see :meth:`expected_claims`.

        Raises
        ------
        SchemaError, UnknownCategoryError, DataError
            Missing columns, levels the truth does not know, or bad values.
        """
        self._check_coverage(coverage)
        codes = {f: level_codes(policies, f, self.levels[f], self.band_edges) for f in RATING_FACTORS}
        price = car_price(policies)
        age = numeric(policies, "driver_age", lower=BAND_EDGES["driver_age"][0])
        log_rate = self.log_frequency_from_codes(coverage, codes, price, age, include_interaction)
        return pd.Series(np.exp(log_rate), index=policies.index, name=f"frequency_{coverage}")

    def log_frequency_from_codes(
        self,
        coverage: str,
        codes: Mapping[str, np.ndarray],
        new_car_price: np.ndarray,
        driver_age: np.ndarray,
        include_interaction: bool = True,
    ) -> np.ndarray:
        """``log(lambda)`` from level codes (positions in :attr:`levels`).

        The vectorised kernel behind :meth:`frequency` (the generator calls it
        directly on its integer codes).
        """
        n = len(new_car_price)
        out = np.full(n, math.log(self.base_frequency[coverage]))
        for factor in RATING_FACTORS:
            out += self._log_relativity_array("frequency", coverage, factor)[codes[factor]]
        beta = self.price_exponent[coverage]
        if beta:
            out += beta * np.log(np.asarray(new_car_price, dtype=np.float64) / self.price_reference)
        if include_interaction:
            out += np.log(self.interaction.multiplier(driver_age, new_car_price, coverage))
        return out

    def interaction_multiplier(self, policies: pd.DataFrame, coverage: str) -> pd.Series:
        """The planted interaction's multiplier of ``lambda`` (>= 1) per policy."""
        self._check_coverage(coverage)
        age = numeric(policies, "driver_age", lower=BAND_EDGES["driver_age"][0])
        price = car_price(policies)
        return pd.Series(
            self.interaction.multiplier(age, price, coverage),
            index=policies.index,
            name=f"interaction_{coverage}",
        )

    def expected_claims(self, policies: pd.DataFrame, coverage: str) -> pd.Series:
        """Expected claim count of each period: ``lambda * exposure`` (x ``od_cover`` for od)."""
        lam = self.frequency(policies, coverage).to_numpy()
        exposure = numeric(policies, "exposure", lower=0.0, integer=False)
        expected = lam * exposure
        if coverage == "od":
            expected = expected * boolean(policies, "od_cover")
        return pd.Series(expected, index=policies.index, name=f"expected_claims_{coverage}")

    # -------------------------------------------------------------- severity
    def severity_mean(self, policies: pd.DataFrame, coverage: str) -> pd.Series:
        """True mean ultimate cost (CNY) of a claim of each policy period."""
        self._check_coverage(coverage)
        factors = self._factors("severity", coverage)
        codes = {f: level_codes(policies, f, self.levels[f], self.band_edges) for f in factors}
        price = car_price(policies) if self.severity_price_exponent[coverage] else None
        mean = np.exp(self.log_severity_from_codes(coverage, codes, price, n=len(policies)))
        return pd.Series(mean, index=policies.index, name=f"severity_{coverage}")

    def log_severity_from_codes(
        self,
        coverage: str,
        codes: Mapping[str, np.ndarray],
        new_car_price: np.ndarray | None,
        n: int,
    ) -> np.ndarray:
        """``log(mean severity)`` from level codes (kernel of :meth:`severity_mean`)."""
        out = np.full(n, math.log(self.base_severity[coverage]))
        for factor in self._factors("severity", coverage):
            out += self._log_relativity_array("severity", coverage, factor)[codes[factor]]
        beta = self.severity_price_exponent[coverage]
        if beta:
            if new_car_price is None:
                raise DataError(f"severity of {coverage!r} needs new_car_price")
            out += beta * np.log(np.asarray(new_car_price, dtype=np.float64) / self.price_reference)
        return out

    def expected_cost(self, policies: pd.DataFrame, coverage: str) -> pd.Series:
        """True expected claims cost (pure premium) of each period, CNY."""
        cost = (
            self.expected_claims(policies, coverage).to_numpy()
            * self.severity_mean(policies, coverage).to_numpy()
        )
        return pd.Series(cost, index=policies.index, name=f"expected_cost_{coverage}")

    # --------------------------------------------------------------- helpers
    def _relativities(self, kind: str) -> dict[str, dict[str, dict[Any, float]]]:
        if kind == "frequency":
            return self.relativities
        if kind == "severity":
            return self.severity_relativities
        raise DataError(f"kind must be 'frequency' or 'severity', got {kind!r}")

    def _factors(self, kind: str, coverage: str) -> tuple[str, ...]:
        rels = self._relativities(kind)[coverage]
        return tuple(f for f in RATING_FACTORS if f in rels)

    def _log_relativity_array(self, kind: str, coverage: str, factor: str) -> np.ndarray:
        rels = self._relativities(kind)[coverage].get(factor)
        levels = self.levels[factor]
        if rels is None:
            return np.zeros(len(levels))
        return np.log(np.array([rels[level] for level in levels], dtype=np.float64))

    def _check_coverage(self, coverage: str) -> None:
        if coverage not in self.coverages:
            raise DataError(f"coverage must be one of {self.coverages}, got {coverage!r}")


__all__ = [
    "BANDED",
    "BAND_EDGES",
    "COMMERCIAL_COVERAGES",
    "COVERAGES",
    "LEVELS",
    "MAX_DELAY_DAYS",
    "PRICE_REFERENCE",
    "RATING_FACTORS",
    "REFERENCE_LEVELS",
    "Interaction",
    "SyntheticTruth",
    "band_labels",
]
