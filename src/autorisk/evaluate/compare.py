"""Compare fitted models on one test set: one tidy table of metrics, and the charts.

:func:`compare` scores each model with the deviance of its family, D², the
Gini index and the overall A/E, and returns a :class:`Comparison` holding
the predictions, from which lift, double lift, Lorenz and one-way
actual-vs-expected tables and charts, and bootstrap intervals for metric
differences, are one call away.

Scales: every model predicts on the target's scale. Frequency and Tweedie
models are asked for ``predict(data, exposure=data[exposure])`` (expected
claim count or amount); severity models (Gamma or inverse Gaussian) for
``predict(data)`` (mean claim), scored against the average claim with the
claim count as weight, without exposure.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.errors import ParameterError
from autorisk.evaluate import plots
from autorisk.evaluate._family import family_label, family_power, model_power
from autorisk.evaluate._inputs import as_array, observations
from autorisk.evaluate.bootstrap import BootstrapResult, bootstrap_difference
from autorisk.evaluate.calibration import actual_vs_expected
from autorisk.evaluate.deviance import d2_score, mean_deviance
from autorisk.evaluate.lift import checked_bins, double_lift, lift_table
from autorisk.evaluate.lorenz import gini, lorenz_curve

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["METRICS", "Comparison", "compare"]

#: Metrics of :attr:`Comparison.table`, in order, with what they mean.
METRICS: dict[str, str] = {
    "deviance": "mean deviance of the family, exposure-weighted (lower is better)",
    "deviance_per_policy": "mean deviance of the family over policies (lower is better)",
    "d2": "fraction of the null model's exposure-weighted deviance explained (higher is better)",
    "gini": "Gini index of the exposure-weighted Lorenz curve (higher ranks risk better)",
    "ae": "actual / expected over the whole book (1 is calibrated)",
}

# Column names of the internal frame of :meth:`Comparison.actual_vs_expected`; the
# parentheses keep them apart from the data's columns.
_ACTUAL, _EXPOSURE, _WEIGHT = "(actual)", "(exposure)", "(weight)"


def compare(
    models: Mapping[str, Any],
    data: pd.DataFrame,
    *,
    target: str,
    exposure: str | None = "exposure",
    weight: str | None = None,
    family: str | float | None = None,
    n_bins: int = 10,
) -> Comparison:
    """Score several models on the same test data.

    Parameters
    ----------
    models : mapping of str to model or array-like
        Fitted models by name, each with ``predict(X, exposure=None)``, or
        predictions already made (one value per row of ``data`` on the
        target's scale).
    data : DataFrame
        Test set: rating factors, target, exposure and weight columns;
        passed whole to each model's ``predict``.
    target : str
        Column of observed values: claim count (frequency), claim amount
        (Tweedie) or average claim (severity; missing allowed where the
        weight is 0).
    exposure : str or None, default "exposure"
        Exposure column; None for 1 per row. Not used for severity
        families (power 2 or above).
    weight : str, optional
        Weight column: the claim count for a severity model. Rows of weight
        0 are ignored.
    family : str or float, optional
        Family whose deviance scores every model: ``"poisson"``,
        ``"gamma"``, ``"inverse_gaussian"`` or a Tweedie power. Default: the
        models' own ``family_`` (Tweedie power from ``power_`` or
        ``power``), which must then agree.
    n_bins : int, default 10
        Bins of the lift and double lift tables.

    Returns
    -------
    Comparison
        ``table`` (tidy: model, metric, value), ``wide`` (model by metric),
        tables and charts.

    Raises
    ------
    ParameterError
        No models, families that disagree or cannot be told.
    SchemaError
        A named column is missing.
    DataError
        Bad data or predictions (naming the model), e.g. missing or
        negative values, or predictions of the wrong length.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"region": ["N", "N", "S", "S"], "claims": [0, 1, 1, 2],
    ...                      "exposure": [1.0, 1.0, 0.5, 1.0]})
    >>> result = compare({"flat": [0.8, 0.8, 0.4, 0.8], "by_region": [0.5, 0.5, 1.0, 2.0]},
    ...                  book, target="claims", family="poisson")
    >>> result.wide.round(3)
    metric     deviance  deviance_per_policy     d2   gini     ae
    model
    flat         1.013                0.886 -0.147  0.000  1.429
    by_region    0.396                0.347  0.551  0.321  1.000
    """
    if not isinstance(models, Mapping) or not models:
        raise ParameterError("models must be a non-empty mapping of names to fitted models or predictions")
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    checked_bins(n_bins)
    power = _common_power(models, family)
    if power >= 2:
        exposure = None
    require_columns(data, [c for c in (target, exposure, weight) if c is not None], "data", "for compare")
    exposure_values = None if exposure is None else data[exposure]
    weights = None if weight is None else data[weight]
    predictions = {}
    for name, model in models.items():
        label = f"predictions of {name!r}"
        predicted = _predict(model, data, exposure_values, label)
        observations(
            data[target], predicted, exposure_values, weights,
            positive_actual=power >= 2,
            labels={"actual": target, "predicted": label, "exposure": str(exposure), "weights": str(weight)},
            index=data.index,
        )
        predictions[str(name)] = predicted
    return Comparison(
        predictions=pd.DataFrame(predictions, index=data.index),
        actual=data[target],
        exposure=exposure_values,
        weights=weights,
        power=power,
        data=data,
        n_bins=n_bins,
    )


class Comparison:
    """Models scored on one test set; see :func:`compare`.

    Attributes
    ----------
    table : DataFrame
        Tidy metrics: one row per (model, metric), columns ``model``,
        ``metric``, ``value``; metrics as in :data:`METRICS`.
    predictions : DataFrame
        Each model's predictions (columns) on the rows of the data.
    power : float
        Tweedie power of the deviance used.

    Examples
    --------
    >>> book = pd.DataFrame({"region": ["N", "N", "S", "S"], "claims": [0, 1, 1, 2],
    ...                      "exposure": [1.0, 1.0, 0.5, 1.0]})
    >>> result = compare({"flat": [0.8, 0.8, 0.4, 0.8], "by_region": [0.5, 0.5, 1.0, 2.0]},
    ...                  book, target="claims", family="poisson")
    >>> result.models, result.family, result.power
    (['flat', 'by_region'], 'poisson', 1.0)
    >>> result.table.query("metric == 'ae'").round(3)
           model metric  value
    4       flat     ae  1.429
    9  by_region     ae  1.000
    """

    def __init__(
        self,
        *,
        predictions: pd.DataFrame,
        actual: pd.Series,
        exposure: pd.Series | None,
        weights: pd.Series | None,
        power: float,
        data: pd.DataFrame,
        n_bins: int = 10,
    ):
        self.predictions = predictions
        self.actual = actual
        self.exposure = exposure
        self.weights = weights
        self.power = power
        self.data = data
        self.n_bins = n_bins
        self.table = pd.DataFrame(
            [
                (model, metric, function(*self._arguments(model)))
                for model in self.models
                for metric, function in self.metric_functions().items()
            ],
            columns=["model", "metric", "value"],
        )

    # ------------------------------------------------------------- tables
    @property
    def models(self) -> list[str]:
        """Model names, in the order given."""
        return list(self.predictions.columns)

    @property
    def family(self) -> str:
        """Name of the family whose deviance is used."""
        return family_label(self.power)

    @property
    def wide(self) -> pd.DataFrame:
        """The metrics as one row per model and one column per metric."""
        wide = self.table.pivot(index="model", columns="metric", values="value")
        return wide.loc[self.models, list(METRICS)]

    def metric_functions(self) -> dict[str, Callable[..., float]]:
        """The metric behind each name of :data:`METRICS`, called as ``f(actual, predicted, exposure, weights)``."""
        return {
            "deviance": partial(mean_deviance, power=self.power),
            "deviance_per_policy": partial(mean_deviance, power=self.power, per_policy=True),
            "d2": partial(d2_score, power=self.power),
            "gini": gini,
            "ae": _overall_ae,
        }

    def lift(self, model: str) -> pd.DataFrame:
        """Lift table of one model (see :func:`~autorisk.evaluate.lift_table`)."""
        return lift_table(*self._arguments(model), n_bins=self.n_bins)

    def double_lift(self, model_a: str, model_b: str, *, rebase: bool = True) -> pd.DataFrame:
        """Double lift of two models, bins of their ratio A / B (see :func:`~autorisk.evaluate.double_lift`)."""
        actual, pred_a, exposure, weights = self._arguments(model_a)
        pred_b = self._arguments(model_b)[1]
        return double_lift(actual, pred_a, pred_b, exposure, weights, n_bins=self.n_bins, rebase=rebase)

    def lorenz(self, model: str) -> pd.DataFrame:
        """Lorenz curve of one model (see :func:`~autorisk.evaluate.lorenz_curve`)."""
        return lorenz_curve(*self._arguments(model))

    def actual_vs_expected(self, by: str | list[str]) -> pd.DataFrame:
        """A/E table of every model by level of ``by`` (columns of the data), indexed by (model, level)."""
        frame = self._one_way_frame(by)
        tables = {
            model: actual_vs_expected(frame, by, _ACTUAL, self._column(model), self._exposure_column, self._weight_column)
            for model in self.models
        }
        return pd.concat(tables, names=["model"])

    def bootstrap(
        self,
        model_a: str,
        model_b: str,
        metric: str = "deviance",
        *,
        n_boot: int = 500,
        seed: int | None = 0,
        level: float = 0.95,
    ) -> BootstrapResult:
        """Bootstrap interval of ``metric(A) - metric(B)`` (see :func:`~autorisk.evaluate.bootstrap_difference`)."""
        functions = self.metric_functions()
        if metric not in functions:
            raise ParameterError(f"metric must be one of {list(functions)}, got {metric!r}")
        actual, pred_a, exposure, weights = self._arguments(model_a)
        pred_b = self._arguments(model_b)[1]
        result = bootstrap_difference(
            functions[metric], actual, pred_a, pred_b, exposure, weights, n_boot=n_boot, seed=seed, level=level
        )
        return dataclasses.replace(result, metric=metric)

    # ------------------------------------------------------------- charts
    def plot_lorenz(self, *, ax: Axes | None = None) -> Axes:
        """Lorenz curves of every model on one chart, Gini in the legend."""
        return plots.plot_lorenz({model: self.lorenz(model) for model in self.models}, ax=ax)

    def plot_lift(self, model: str, *, ax: Axes | None = None) -> Axes:
        """Lift chart of one model."""
        return plots.plot_lift(self.lift(model), title=f"Lift chart: {model}", ax=ax)

    def plot_double_lift(self, model_a: str, model_b: str, *, ax: Axes | None = None) -> Axes:
        """Double lift chart of two models (predictions rebased to the actual total)."""
        return plots.plot_double_lift(self.double_lift(model_a, model_b), (model_a, model_b), ax=ax)

    def plot_one_way(self, factor: str, *, ax: Axes | None = None) -> Axes:
        """Actual and every model's expected rate by level of ``factor``, with exposure bars."""
        frame = self._one_way_frame(factor)
        expected = {model: self._column(model) for model in self.models}
        ylabel = f"{self.actual.name}" + ("" if self.exposure is None else " per unit of exposure")
        return plots.plot_one_way(
            frame, factor, _ACTUAL, expected, self._exposure_column, self._weight_column, ylabel=ylabel, ax=ax
        )

    def plot(self) -> Figure:
        """Dashboard: Lorenz curves, the lift chart of each model and the double lift of the first two."""
        import matplotlib.pyplot as plt

        panels = 1 + len(self.models) + (len(self.models) >= 2)
        columns = min(panels, 3)
        rows = -(-panels // columns)
        figure, axes = plt.subplots(rows, columns, figsize=(5.0 * columns, 4.5 * rows), layout="constrained", squeeze=False)
        axes = axes.ravel()
        self.plot_lorenz(ax=axes[0])
        for ax, model in zip(axes[1:], self.models, strict=False):
            self.plot_lift(model, ax=ax)
        if len(self.models) >= 2:
            self.plot_double_lift(self.models[0], self.models[1], ax=axes[len(self.models) + 1])
        for ax in axes[panels:]:
            ax.set_visible(False)
        return figure

    # ------------------------------------------------------------ display
    @property
    def _title(self) -> str:
        return f"Comparison of {len(self.models)} model{'s' if len(self.models) != 1 else ''}"

    def _header(self) -> dict[str, str]:
        kept = observations(*self._arguments(self.models[0]))
        header = {"family": self.family, "rows": f"{len(kept.actual):,}"}
        if self.exposure is not None:
            header["exposure"] = f"{kept.exposure.sum():,.2f}"
        if self.weights is not None:
            header[f"{self.weights.name}"] = f"{kept.weights.sum():,.6g}"
        header[f"{self.actual.name} (weighted total)" if self.weights is not None else f"{self.actual.name}"] = (
            f"{kept.actual_total.sum():,.6g}"
        )
        return header

    def __repr__(self) -> str:
        header = "\n".join(f"{k}: {v}" for k, v in self._header().items())
        return f"{self._title}\n{header}\n\n{self.wide.to_string(float_format=_number)}"

    def _repr_html_(self) -> str:
        header = "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in self._header().items())
        return (
            f"<h4>{self._title}</h4><table>{header}</table>"
            + self.wide.to_html(float_format=_number)
        )

    # ------------------------------------------------------------ helpers
    def _arguments(self, model: str) -> tuple[pd.Series, pd.Series, pd.Series | None, pd.Series | None]:
        if model not in self.predictions.columns:
            raise ParameterError(f"unknown model {model!r}; models: {self.models}")
        return self.actual, self.predictions[model], self.exposure, self.weights

    @property
    def _exposure_column(self) -> str | None:
        return None if self.exposure is None else _EXPOSURE

    @property
    def _weight_column(self) -> str | None:
        return None if self.weights is None else _WEIGHT

    def _one_way_frame(self, by: str | list[str]) -> pd.DataFrame:
        """The segment columns with actual, predictions (as :meth:`_column` names), exposure and weight."""
        keys = [by] if isinstance(by, str) else list(by)
        require_columns(self.data, keys, "data", "to segment by")
        # Positional assignment (the index of the data need not be unique), under names
        # that cannot clash with the data's columns.
        columns = {_ACTUAL: self.actual} | {self._column(m): self.predictions[m] for m in self.models}
        if self.exposure is not None:
            columns[_EXPOSURE] = self.exposure
        if self.weights is not None:
            columns[_WEIGHT] = self.weights
        return self.data[keys].assign(**{name: values.to_numpy() for name, values in columns.items()})

    def _column(self, model: str) -> str:
        return f"(prediction {self.models.index(model)})"


def _common_power(models: Mapping[str, Any], family: Any) -> float:
    if family is not None:
        return family_power(family)
    powers = {name: model_power(model) for name, model in models.items()}
    known = {name: power for name, power in powers.items() if power is not None}
    if not known:
        raise ParameterError(
            "cannot tell the models' family (no family_ attribute); pass family='poisson', 'gamma' or a Tweedie power"
        )
    if len(set(known.values())) > 1:
        labels = {name: family_label(power) for name, power in known.items()}
        raise ParameterError(f"the models' families differ: {labels}; pass family= to score them on one deviance")
    return next(iter(known.values()))


def _predict(model: Any, data: pd.DataFrame, exposure: pd.Series | None, label: str) -> np.ndarray:
    if hasattr(model, "predict"):
        predicted = model.predict(data) if exposure is None else model.predict(data, exposure=exposure)
    else:
        predicted = model
    return as_array(predicted, label, len(data))


def _overall_ae(actual: Any, predicted: Any, exposure: Any = None, weights: Any = None) -> float:
    """Actual / expected over the whole book (weighted totals)."""
    obs = observations(actual, predicted, exposure, weights)
    return float(obs.actual_total.sum() / obs.predicted_total.sum())


def _number(value: float) -> str:
    return f"{value:.4g}"
