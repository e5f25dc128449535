"""Over-dispersed Poisson bootstrap of chain ladder reserves (England & Verrall 1999, 2002), via chainladder.

chainladder's ``BootstrapODPSample`` fits the ODP model (whose expected
values are the chain ladder's), resamples its Pearson residuals, standardised
with the hat matrix (Pinheiro et al. 2003), into pseudo triangles; a chain
ladder on each pseudo triangle gives the parameter error, and gamma noise with
the ODP scale on its future cells the process error. This module checks the
inputs, seeds both steps and reads the simulated IBNR into a
:class:`BootstrapResult`.

One repair: chainladder 0.10.1 computes the hat adjustment with
``np.divide(..., where=...)`` and no ``out``, so the cells of leverage 1
(the corners of the triangle, fitted exactly) get whatever was in memory;
that changed the pool of residuals from run to run and broke seeding.
:class:`_ODPSample` computes the adjustment itself (:func:`_hat_adjustment`),
0 in those cells, whose residuals are 0 and which chainladder leaves out of the pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import chainladder as cl
import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.reserving.methods import _base_table, _check_triangle
from autorisk.reserving.results import ReserveResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Percentiles of the IBNR reported by default (99.5% is the Solvency II reserve-risk level).
PERCENTILES = (0.5, 0.75, 0.9, 0.95, 0.995)


@dataclass(frozen=True, repr=False)  # keep ReserveResult's table repr
class BootstrapResult(ReserveResult):
    """A :class:`ReserveResult` with the simulated IBNR of a bootstrap: mean, error and percentiles.

    Attributes
    ----------
    table : DataFrame
        One row per origin: ``latest``, ``ultimate`` and ``ibnr`` of the
        chain ladder, then the bootstrap ``mean`` IBNR, ``std_err`` (its
        standard deviation: the prediction error), ``cv`` (``std_err /
        mean``) and one column per percentile (``"50%"``, ..., ``"99.5%"``).
    total : Series
        The same for the total IBNR (its percentiles are those of the
        simulated totals, not sums of the origins' percentiles).
    simulations : DataFrame
        IBNR per simulation (rows) and origin (columns).

    Examples
    --------
    >>> import chainladder as cl
    >>> result = odp_bootstrap(cl.load_sample("raa"), n_sims=200, random_state=1)
    >>> result.simulations.shape, list(result.table.columns[3:6])
    ((200, 10), ['mean', 'std_err', 'cv'])
    """

    simulations: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def plot(self, origin: object | None = None, *, bins: int = 50, ax: Axes | None = None) -> Axes:
        """Histogram of the simulated IBNR, with the chain ladder IBNR and the percentiles marked.

        Parameters
        ----------
        origin : optional
            An origin period (as in the table's index, or its label such as
            ``"1990"``); default the total IBNR.
        bins : int, default 50
            Number of histogram bins.
        ax : Axes, optional
            Axes to draw on; default a new figure.

        Returns
        -------
        Axes
            The histogram, a solid line at the chain ladder IBNR and dashed
            lines at the percentiles.

        Examples
        --------
        >>> import chainladder as cl
        >>> result = odp_bootstrap(cl.load_sample("raa"), n_sims=200, random_state=1)
        >>> ax = result.plot()
        >>> [line.get_label() for line in ax.lines][:2]
        ['chain ladder', '50%']
        """
        from autorisk.evaluate.plots import _axes  # late: matplotlib only when plotting

        if origin is None:
            values, row, label = self.simulations.sum(axis=1), self.total, "total"
        else:
            labels = self.table.index.astype(str)
            if str(origin) not in labels:
                raise ParameterError(f"origin={origin!r} is not in the triangle's origins ({', '.join(labels)})")
            position = list(labels).index(str(origin))
            values, row, label = self.simulations.iloc[:, position], self.table.iloc[position], str(origin)
        ax = _axes(ax)
        ax.hist(values, bins=bins, color="0.8", edgecolor="0.5")
        ax.axvline(row["ibnr"], color="black", linewidth=2, label="chain ladder")
        for column in _percentile_columns(self.table):
            ax.axvline(row[column], color="tab:red", linestyle="--", linewidth=1, label=column)
        ax.set_xlabel(f"IBNR ({label})")
        ax.set_ylabel("simulations")
        ax.set_title(f"{self.method}: {len(values):,} simulations")
        ax.legend()
        return ax


def odp_bootstrap(
    triangle: cl.Triangle,
    *,
    n_sims: int = 1000,
    random_state: int | None = None,
    percentiles: Sequence[float] = PERCENTILES,
) -> BootstrapResult:
    """The distribution of the chain ladder IBNR by the ODP bootstrap (England & Verrall).

    Parameters
    ----------
    triangle : chainladder.Triangle
        A single cumulative triangle, e.g. from :func:`build_triangle`.
    n_sims : int, default 1000
        Number of simulated triangles (at least 2). The Monte Carlo error of
        the mean is about ``std_err / sqrt(n_sims)``.
    random_state : int, optional
        Seed (1 to 2**32 - 2) for the residual resampling and the process
        noise; the same seed gives the same simulations. None draws fresh
        ones. 0 is refused: chainladder would then leave the process noise
        unseeded.
    percentiles : sequence of float, default PERCENTILES
        Probabilities in (0, 1) at which to report the IBNR.

    Returns
    -------
    BootstrapResult
        Per origin and in total: the chain ladder IBNR, the bootstrap mean,
        standard error, cv and percentiles; the simulations; ``plot()``.

    Examples
    --------
    >>> import chainladder as cl
    >>> result = odp_bootstrap(cl.load_sample("genins"), n_sims=500, random_state=7)
    >>> round(float(result.total["mean"] / result.total["ibnr"]), 2), round(float(result.total["cv"]), 2)
    (1.0, 0.16)
    """
    _check_triangle(triangle)
    if isinstance(n_sims, bool) or not isinstance(n_sims, (int, np.integer)) or n_sims < 2:
        raise ParameterError(f"n_sims={n_sims!r} must be an integer >= 2")
    if random_state is not None and (
        isinstance(random_state, bool)
        or not isinstance(random_state, (int, np.integer))
        or not 1 <= random_state <= 2**32 - 2
    ):
        raise ParameterError(f"random_state={random_state!r} must be None or an integer from 1 to 2**32 - 2")
    probabilities = np.asarray(percentiles, dtype=float).reshape(-1)
    if probabilities.size == 0 or not np.all((probabilities > 0) & (probabilities < 1)):
        raise ParameterError(f"percentiles={percentiles!r} must be probabilities in (0, 1)")

    sampler = _ODPSample(n_sims=int(n_sims), random_state=random_state)
    # Chainladder on the pseudo triangles adds the ODP process noise to their futures.
    simulated = cl.Chainladder().fit(sampler.fit_transform(triangle))
    table = _base_table(triangle, cl.Chainladder().fit(triangle).ultimate_)
    ibnr = np.nan_to_num(np.asarray(simulated.ibnr_.values, dtype=float)[:, 0, :, 0], nan=0.0)
    simulations = pd.DataFrame(ibnr, columns=table.index.astype(str))
    simulations.index.name = "simulation"

    summary = [_summary(simulations[c], probabilities) for c in simulations.columns]
    table = pd.concat([table, pd.DataFrame(summary, index=table.index)], axis=1)
    total = pd.concat(
        [table[["latest", "ultimate", "ibnr"]].sum(), _summary(simulations.sum(axis=1), probabilities)]
    )
    settings = {"n_sims": int(n_sims), "random_state": random_state}
    return BootstrapResult("ODP bootstrap", table, total, sampler, settings, simulations)


class _ODPSample(cl.BootstrapODPSample):
    """chainladder's ODP sampler with a deterministic hat adjustment (see the module notes)."""

    def _get_hat(self, X: cl.Triangle, exp_incr_triangle: np.ndarray) -> np.ndarray:
        return _hat_adjustment(np.asarray(exp_incr_triangle, dtype=float))


def _hat_adjustment(expected: np.ndarray) -> np.ndarray:
    """``sqrt(1 / (1 - h))`` per observed cell of the ODP GLM, h its leverage; 0 where h is 1.

    The GLM has a log link, one parameter per origin and per development age
    besides the intercept, and working weights equal to the fitted
    incremental values ``expected`` (NaN outside the triangle), so
    ``h = w x' (X' W X)^-1 x``.
    """
    rows, columns = np.nonzero(~np.isnan(expected))
    n_origins, n_ages = expected.shape
    design = np.zeros((rows.size, n_origins + n_ages - 1))
    design[:, 0] = 1.0
    design[rows > 0, rows[rows > 0]] = 1.0
    design[columns > 0, n_origins - 1 + columns[columns > 0]] = 1.0
    weights = expected[rows, columns]
    information = design.T @ (weights[:, None] * design)
    leverage = weights * np.einsum("ij,ji->i", design, np.linalg.solve(information, design.T))
    gap = np.abs(1.0 - leverage)
    factor = np.zeros_like(gap)
    free = gap > 1e-9
    factor[free] = np.sqrt(1.0 / gap[free])
    adjustment = np.full(expected.shape, np.nan)
    adjustment[rows, columns] = factor
    return adjustment


def _summary(values: pd.Series, probabilities: np.ndarray) -> pd.Series:
    """Mean, standard deviation, cv and percentiles of simulated IBNRs."""
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    quantiles = np.quantile(values.to_numpy(), probabilities)
    return pd.Series(
        {"mean": mean, "std_err": sd, "cv": sd / mean if mean else np.nan}
        | {_percent(p): q for p, q in zip(probabilities, quantiles, strict=True)}
    )


def _percent(probability: float) -> str:
    """Column label of a percentile: 0.5 -> '50%', 0.995 -> '99.5%'."""
    return f"{100 * probability:.10g}%"


def _percentile_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.endswith("%")]
