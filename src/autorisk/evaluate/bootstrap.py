"""Paired bootstrap confidence interval for the difference in a metric between two models.

Both models are scored on the same resampled policies (rows drawn with
replacement, ``n`` of ``n``), so the interval reflects the sampling noise of
the test set in the *difference*, which is much smaller than the noise in
either metric. The interval is the percentile interval of the resampled
differences; the generator is seeded, so results are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autorisk.errors import ParameterError
from autorisk.evaluate._inputs import ArrayLike, as_array, observations

__all__ = ["BootstrapResult", "bootstrap_difference"]

Metric = Callable[..., float]


@dataclass(frozen=True)
class BootstrapResult:
    """Estimate and percentile confidence interval of ``metric(A) - metric(B)``.

    Attributes
    ----------
    metric : str
        Name of the metric.
    estimate : float
        The difference on the full test set.
    lower, upper : float
        Percentile confidence interval at ``level``.
    level : float
        Confidence level.
    samples : ndarray
        The ``n_boot`` resampled differences.

    Examples
    --------
    Mean absolute error of two constant predictions of ``[1, 2, 3, 4]``: 4
    misses by 1.5 on average and 2 by 1, so A - B is 0.5 on the full set.

    >>> import numpy as np
    >>> def mae(actual, predicted):
    ...     return float(np.mean(np.abs(np.asarray(actual) - predicted)))
    >>> result = bootstrap_difference(mae, [1, 2, 3, 4], np.full(4, 4.0), np.full(4, 2.0), n_boot=100, seed=1)
    >>> result.metric, result.estimate, result.level, len(result.samples)
    ('mae', 0.5, 0.95, 100)
    >>> bool(result.lower <= result.estimate <= result.upper)
    True
    """

    metric: str
    estimate: float
    lower: float
    upper: float
    level: float
    samples: np.ndarray = field(repr=False)

    @property
    def std_error(self) -> float:
        """Standard deviation of the resampled differences."""
        return float(np.std(self.samples, ddof=1))

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies entirely on one side of 0: the models differ at this level."""
        return bool(self.lower > 0 or self.upper < 0)

    def _fields(self) -> dict[str, str]:
        return {
            "metric": self.metric,
            "difference (A - B)": f"{self.estimate:.6g}",
            f"{self.level:.0%} interval": f"[{self.lower:.6g}, {self.upper:.6g}]",
            "std. error": f"{self.std_error:.3g}",
            "resamples": f"{len(self.samples):,}",
        }

    def __repr__(self) -> str:
        width = max(map(len, self._fields()))
        lines = [f"{name:<{width}}  {value}" for name, value in self._fields().items()]
        return "BootstrapResult\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in self._fields().items())
        return f"<h4>Bootstrap difference</h4><table>{rows}</table>"


def bootstrap_difference(
    metric: Metric,
    actual: ArrayLike,
    pred_a: ArrayLike,
    pred_b: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    n_boot: int = 500,
    seed: int | None = 0,
    level: float = 0.95,
) -> BootstrapResult:
    """Percentile bootstrap interval for ``metric(actual, pred_a) - metric(actual, pred_b)``.

    Parameters
    ----------
    metric : callable
        Called as ``metric(actual, predicted, exposure=..., weights=...)``
        (the keywords only when given), returning a float: any metric of
        :mod:`autorisk.evaluate`; use :func:`functools.partial` for options
        such as the Tweedie ``power``.
    actual, exposure, weights : array-like
        As :func:`~autorisk.evaluate.mean_deviance`.
    pred_a, pred_b : array-like
        The two models' predictions on the same rows.
    n_boot : int, default 500
        Number of resamples.
    seed : int or None, default 0
        Seed of the generator (``numpy.random.default_rng``); None draws fresh
        entropy (not reproducible).
    level : float, default 0.95
        Confidence level, in (0, 1).

    Returns
    -------
    BootstrapResult
        ``estimate``, ``lower``, ``upper``, ``level`` and ``samples``.

    Examples
    --------
    >>> import numpy as np
    >>> from autorisk.evaluate import poisson_deviance
    >>> rng = np.random.default_rng(1)
    >>> truth = rng.gamma(2.0, 0.05, 2_000)
    >>> counts = rng.poisson(truth)
    >>> flat = np.full(2_000, truth.mean())
    >>> result = bootstrap_difference(poisson_deviance, counts, truth, flat, n_boot=200)
    >>> result.excludes_zero, result.upper < 0
    (True, True)
    """
    if not callable(metric):
        raise ParameterError(f"metric must be a callable such as poisson_deviance, got {metric!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise ParameterError(f"n_boot must be an integer of at least 2, got {n_boot!r}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    # Checked once here, so a bad input fails with the argument named before any resampling.
    observations(actual, pred_a, exposure, weights, labels={"predicted": "pred_a"})
    n = len(observations(actual, pred_b, exposure, weights, labels={"predicted": "pred_b"}).kept)
    columns: dict[str, np.ndarray | None] = {
        "actual": as_array(actual, "actual"),
        "a": as_array(pred_a, "pred_a"),
        "b": as_array(pred_b, "pred_b"),
        "exposure": None if exposure is None else as_array(exposure, "exposure"),
        "weights": None if weights is None else as_array(weights, "weights"),
    }

    def difference(rows: np.ndarray | slice) -> float:
        picked = {k: None if v is None else v[rows] for k, v in columns.items()}
        options: dict[str, Any] = {k: picked[k] for k in ("exposure", "weights") if picked[k] is not None}
        return float(metric(picked["actual"], picked["a"], **options) - metric(picked["actual"], picked["b"], **options))

    rng = np.random.default_rng(seed)
    samples = np.array([difference(rng.integers(0, n, size=n)) for _ in range(int(n_boot))])
    lower, upper = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    name = getattr(metric, "__name__", None) or getattr(getattr(metric, "func", None), "__name__", repr(metric))
    return BootstrapResult(name, difference(slice(None)), float(lower), float(upper), float(level), samples)
