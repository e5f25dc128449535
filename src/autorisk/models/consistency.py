"""Consistency of a factor's effect over time: the factor x year interaction test and relativities by year.

:func:`consistency_over_time` refits a model twice with a year column among
its factors: with main effects only and with the interaction of the factor
and the year. The nested-model test is :func:`~autorisk.models.likelihood_ratio`
(chi-square on the deviance difference for Poisson; for an estimated
dispersion the quasi-likelihood F test ``(dD / df) / phi`` with ``phi``
and ``n - p`` of the interaction model). The interaction model's relativities
of the factor in each year, ``exp(b_level + b_level:year)``, with Wald
intervals, show *how* the effect moves; a factor whose relativities cross
from year to year is a poor basis for a tariff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from autorisk.errors import ParameterError, SchemaError, levels_text
from autorisk.models.glm_engine import _PricingGLM
from autorisk.models.inference import dispersion_is_estimated, likelihood_ratio

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ConsistencyResult", "consistency_over_time"]


def consistency_over_time(
    model: _PricingGLM, X: pd.DataFrame, y: Any, factor: str, year: str, *, level: float = 0.95, **fit_params: Any
) -> ConsistencyResult:
    """Test whether a factor's relativities change over time, and tabulate them by year.

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted, unpenalised model with ``factor`` among its categorical (or
        banded) factors; its settings are kept in both refits.
    X : DataFrame
        The data it was fitted on, with the ``year`` column.
    y : array-like
        The response it was fitted on.
    factor : str
        The factor whose consistency is tested.
    year : str
        Column of the period (any values: a year, an underwriting year, a
        quarter); entered as a categorical factor, its first value (sorted)
        the base. It may already be a categorical factor of the model.
    level : float, default 0.95
        Coverage of the relativities' Wald intervals (t for an estimated dispersion).
    **fit_params
        The other arguments of the model's ``fit`` (``exposure=``, ``claim_count=``, ``sample_weight=``).

    Returns
    -------
    ConsistencyResult

    Raises
    ------
    ParameterError
        If ``factor`` is not a categorical factor of the model, the model is
        penalised or already interacts ``factor`` with ``year``.
    SchemaError
        If ``year`` is not a column of ``X``.

    Examples
    --------
    Area ``b`` has twice the claims of ``a`` in both years: no change over time.

    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": list("aabbaabb"), "year": [2024] * 4 + [2025] * 4})
    >>> claims = [1, 2, 3, 3, 2, 2, 4, 4]
    >>> model = FrequencyGLM(["area"]).fit(X, claims)
    >>> result = consistency_over_time(model, X, claims, "area", "year")
    >>> result.table[["year", "level", "relativity"]].round(3)
       year level  relativity
    0  2024     a         1.0
    1  2024     b         2.0
    2  2025     a         1.0
    3  2025     b         2.0
    >>> result.test["df"], round(result.test["p_value"], 3)
    (1, 1.0)
    """
    check_is_fitted(model, "params_")
    terms = {term.name: term for term in model.design_.terms}
    if factor not in terms or not terms[factor].is_categorical:
        categorical = [name for name, term in terms.items() if term.is_categorical]
        raise ParameterError(f"factor must be a categorical factor of the model, one of {levels_text(categorical)}; got {factor!r}")
    if year == factor:
        raise ParameterError(f"year and factor must be different columns, got {year!r} for both")
    if getattr(model, "penalty", None) is not None:
        raise ParameterError("consistency_over_time needs an unpenalised model: a penalised fit's deviance test is not calibrated")
    if year not in X.columns:
        raise SchemaError(f"year column {year!r} is not in the data; columns: {levels_text(list(X.columns))}")
    if year in terms and not terms[year].is_categorical:
        raise ParameterError(f"year {year!r} is a numeric term of the model; it must enter as a categorical factor")
    interactions = [tuple(pair) for pair in (model.interactions or [])]
    if {factor, year} in [set(pair) for pair in interactions]:
        raise ParameterError(f"the model already interacts {factor!r} with {year!r}")

    periods = sorted(pd.unique(X[year].dropna()))
    data = X.copy()
    data[year] = pd.Categorical(X[year], categories=periods)
    factors = list(model.design_.factors) + ([] if year in terms else [year])
    base_levels = {term.name: term.base_level for term in model.design_.terms if term.is_categorical}
    base_levels.setdefault(year, periods[0])
    settings = {"factors": factors, "base_levels": base_levels}
    main = clone(model).set_params(**settings, interactions=interactions or None).fit(data, y, **fit_params)
    full = clone(model).set_params(**settings, interactions=[*interactions, (factor, year)]).fit(data, y, **fit_params)
    test = likelihood_ratio(main, full)
    test["test"] = "F" if dispersion_is_estimated(full) else "chi2"
    table = _relativities_by_year(full, data, y, factor, year, level, fit_params)
    main_term = next(term for term in main.design_.terms if term.name == factor)
    main_relativities = pd.Series(
        [1.0 if lv == main_term.base_level else float(np.exp(main.params_[f"{factor}[{lv}]"])) for lv in main_term.levels],
        index=pd.Index(main_term.levels, name="level"),
        name="relativity",
    )
    return ConsistencyResult(factor, year, test, table, main_relativities, main, full)


def _relativities_by_year(full: _PricingGLM, data, y, factor: str, year: str, level: float, fit_params) -> pd.DataFrame:
    """Per year and level: ``exp(b_level + b_level:year)`` with its Wald interval, and the cell's exposure."""
    terms = {term.name: term for term in full.design_.terms}
    term, period = terms[factor], terms[year]
    interaction = terms[f"{factor}:{year}"]
    pairs = set(interaction.pairs)
    names = list(full.params_.index)
    cov = full.cov_params_.to_numpy()
    quantile = float((stats.t(full.df_resid_) if dispersion_is_estimated(full) else stats.norm()).ppf(0.5 + level / 2))
    arrays = full._fitted_arrays(data, y, **fit_params)
    cells = pd.Series(arrays.level_weights).groupby(
        [arrays.frame[factor].to_numpy(), arrays.frame[year].to_numpy()], observed=True
    ).sum()  # fmt: skip
    rows = []
    for t in (period.base_level, *(v for v in period.levels if v != period.base_level)):
        for lv in (term.base_level, *(v for v in term.levels if v != term.base_level)):
            exposure = float(cells.get((lv, t), 0.0))
            if lv == term.base_level:
                rows.append((t, lv, 1.0, 1.0, 1.0, exposure, "base"))
                continue
            if t != period.base_level and (lv, t) not in pairs:  # no data in the cell: nothing estimated
                rows.append((t, lv, np.nan, np.nan, np.nan, exposure, "no data"))
                continue
            contrast = np.zeros(len(names))
            contrast[names.index(f"{factor}[{lv}]")] = 1.0
            if t != period.base_level:
                contrast[names.index(f"{factor}[{lv}]:{year}[{t}]")] = 1.0
            coef = float(contrast @ full.params_.to_numpy())
            half = quantile * float(np.sqrt(contrast @ cov @ contrast))
            rows.append((t, lv, np.exp(coef), np.exp(coef - half), np.exp(coef + half), exposure, "estimated"))
    columns = [year, "level", "relativity", "relativity_lower", "relativity_upper", "exposure", "status"]
    table = pd.DataFrame(rows, columns=columns).rename(columns={year: "year"})
    return table


@dataclass
class ConsistencyResult:
    """The factor x year test and the factor's relativities by year (see :func:`consistency_over_time`).

    Attributes
    ----------
    factor, year : str
        The factor tested and the period column.
    test : dict
        :func:`~autorisk.models.likelihood_ratio` of the main-effects model
        against the interaction model (``df``, ``deviance``, ``lr_stat``,
        ``p_value``; ``F`` and ``df_resid`` for an estimated dispersion),
        and ``test``: ``"chi2"`` or ``"F"``.
    table : DataFrame
        Per year and level of the factor: ``relativity`` (to the factor's
        base level, in that year), ``relativity_lower``, ``relativity_upper``,
        ``exposure`` of the cell (claim count for severity), ``status``
        (``"base"``, ``"estimated"``, ``"no data"``).
    main_relativities : Series
        The factor's relativities in the main-effects model, by level.
    main_model, interaction_model : fitted GLM
        The two refits.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> X = pd.DataFrame({"area": list("aabbaabb"), "year": [2024] * 4 + [2025] * 4})
    >>> claims = [1, 1, 4, 4, 3, 3, 2, 2]  # b is 4 times a in 2024, 2/3 of it in 2025
    >>> result = consistency_over_time(FrequencyGLM(["area"]).fit(X, claims), X, claims, "area", "year")
    >>> result.table.query("status == 'estimated'")["relativity"].round(3).tolist()
    [4.0, 0.667]

    The main effects expect 4 claims of ``a`` and 6 of ``b`` in each year
    (against 2, 8 and 6, 4), so the statistic is
    ``2 (2 log(2/4) + 8 log(8/6) + 6 log(6/4) + 4 log(4/6)) = 3.452`` on 1 df:

    >>> round(result.test["lr_stat"], 3), result.test["test"], round(result.test["p_value"], 4)
    (3.452, 'chi2', 0.0632)
    """

    factor: str
    year: str
    test: dict[str, Any]
    table: pd.DataFrame
    main_relativities: pd.Series
    main_model: _PricingGLM
    interaction_model: _PricingGLM

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """The factor's relativities by level, one line per year, and the main-effects relativities dashed.

        Parameters
        ----------
        ax : Axes, optional
            Axes to draw on; default a new figure.

        Returns
        -------
        Axes
            One line per year, then the main effects' line, then the line at 1.

        Examples
        --------
        >>> import pandas as pd
        >>> from autorisk.models import FrequencyGLM
        >>> X = pd.DataFrame({"area": list("aabbaabb"), "year": [2024] * 4 + [2025] * 4})
        >>> claims = [1, 1, 4, 4, 3, 3, 2, 2]
        >>> ax = consistency_over_time(FrequencyGLM(["area"]).fit(X, claims), X, claims, "area", "year").plot()
        >>> ax.get_legend_handles_labels()[1]
        ['2024', '2025', 'all years']
        """
        from autorisk.evaluate.plots import _axes, _level_ticks

        levels = list(self.main_relativities.index)
        x = np.arange(len(levels))
        ax = _axes(ax)
        for period, rows in self.table.groupby("year", sort=False, observed=True):
            rows = rows.set_index("level").reindex(levels)
            ax.plot(x, rows["relativity"].to_numpy(dtype=float), marker="o", label=str(period))
        ax.plot(x, self.main_relativities.to_numpy(), color="black", linestyle="--", linewidth=2, label="all years")
        ax.axhline(1.0, color="0.6", linewidth=1)
        _level_ticks(ax, x, levels)
        ax.set_xlabel(self.factor)
        ax.set_ylabel("relativity")
        ax.set_title(f"{self.factor} by {self.year}: {_test_text(self.test)}")
        ax.legend(title=self.year, loc="best")
        return ax

    def __repr__(self) -> str:
        title = f"Consistency of {self.factor} over {self.year}: {_test_text(self.test)}"
        return f"{title}\n{'=' * len(title)}\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return (
            f"<h4>Consistency of {self.factor} over {self.year}</h4><p>{_test_text(self.test)}</p>"
            + self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")
        )


def _test_text(test: dict[str, Any]) -> str:
    if test["test"] == "F":
        return f"F({test['df']}, {test['df_resid']}) = {test['F']:.3g}, p = {test['p_value']:.3g}"
    return f"chi2({test['df']}) = {test['lr_stat']:.3g}, p = {test['p_value']:.3g}"
