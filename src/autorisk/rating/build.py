"""Rating tables from fitted models: coverages that reproduce a GLM or a frequency-severity pair."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from autorisk.errors import PlanError
from autorisk.models.banding import band_labels
from autorisk.rating.coverage import Coverage
from autorisk.rating.factors import BandFactor, CategoricalFactor, Factor, InteractionFactor

Ranges = Mapping[str, tuple[float | None, float | None]]


def coverage_from_glm(model: Any, name: str, *, ranges: Ranges | None = None) -> Coverage:
    """A coverage whose premium reproduces a fitted log-link GLM's prediction per unit exposure.

    The base rate is ``exp(intercept)``; each categorical or banded term
    becomes a factor table with the base level at 1, each categorical x
    categorical interaction a two-way table, and each restricted factor a
    table of its fixed relativities. Raw numeric and spline terms have no
    table form and are refused with a PlanError (band them first).

    Parameters
    ----------
    model : fitted FrequencyGLM, SeverityGLM or TweedieGLM
        Any fitted pricing GLM (log link); its exposure offset is what the
        premium is per unit of.
    name : str
        Name of the coverage, e.g. ``"tpl"``.
    ranges : mapping of str to (lower, upper), optional
        Accepted values of banded factors, e.g. ``{"driver_age": (18, 99)}``:
        the plan then refuses a driver aged 8 instead of rating them in the
        youngest band. Either end may be None.

    Returns
    -------
    Coverage
        Base rate and factor tables, no loadings, fees or taxes (add them
        with :func:`dataclasses.replace`).

    Raises
    ------
    PlanError
        If the model has a raw numeric or spline term, or ``ranges`` names a
        factor that is not banded.

    Examples
    --------
    Area ``a`` has 1 claim in 5 years (0.2) and ``b`` 8 in 15 (0.5333, the
    base level): the plan's premium is the model's frequency.

    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM
    >>> from autorisk.rating import RatingPlan
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b", "b"]})
    >>> model = FrequencyGLM(["area"]).fit(X, [1, 0, 2, 3, 3], exposure=[2.0, 3.0, 5.0, 5.0, 5.0])
    >>> tpl = coverage_from_glm(model, "tpl")
    >>> round(tpl.base_rate, 4), tpl.factors[0].levels, tpl.factors[0].values
    (0.5333, ('a', 'b'), (0.375, 1.0))
    >>> RatingPlan("frequency", "1", (tpl,)).quote(X)["premium_total"].round(4).tolist()
    [0.2, 0.2, 0.5333, 0.5333, 0.5333]

    A banded factor with an accepted range:

    >>> ages = pd.DataFrame({"age": [19.0, 30.0, 50.0, 70.0]})
    >>> model = FrequencyGLM(["age"], bands={"age": [25, 60]}).fit(ages, [1, 1, 0, 1], exposure=[1.0] * 4)
    >>> banded = coverage_from_glm(model, "tpl", ranges={"age": (18, 99)}).factors[0]
    >>> banded.lower, banded.upper
    (18.0, 99.0)
    """
    factors: list[Factor] = []
    params = model.params_
    for term in model.design_.terms:
        if term.is_categorical:
            values = tuple(
                1.0 if level == term.base_level else float(np.exp(params[f"{term.name}[{level}]"]))
                for level in term.levels
            )
            if term.cut_points is not None:
                labels = list(term.levels)
                all_labels = band_labels(term.cut_points)
                band_values = tuple(values[labels.index(label)] if label in labels else 1.0 for label in all_labels)
                factors.append(BandFactor(term.name, term.name, tuple(map(float, term.cut_points)), band_values))
            else:
                factors.append(CategoricalFactor(term.name, term.name, tuple(term.levels), values))
        elif term.kind == "interaction" and term.pairs:
            cells = tuple(
                (la, lb, float(np.exp(params[coef]))) for coef, (la, lb) in zip(term.coef_names, term.pairs, strict=True)
            )
            # A banded parent is looked up by its bands, whose labels are the GLM's levels.
            cuts = [None if p.cut_points is None else tuple(map(float, p.cut_points)) for p in term.parents]
            factors.append(InteractionFactor(term.name, term.parents[0].name, term.parents[1].name, cells,
                                             cut_points_a=cuts[0], cut_points_b=cuts[1]))  # fmt: skip
        else:
            raise PlanError(
                f"term {term.name!r} ({term.kind}) has no rating-table form; band it (bands=...) before building a plan"
            )
    for factor, relativities in (model.restrict or {}).items():
        levels = tuple(relativities)
        factors.append(CategoricalFactor(factor, factor, levels, tuple(float(relativities[v]) for v in levels)))
    return Coverage(name, float(np.exp(model.intercept_)), _with_ranges(factors, ranges))


def coverage_from_pair(pair: Any, name: str, *, ranges: Ranges | None = None) -> Coverage:
    """A coverage whose premium reproduces a fitted frequency-severity pair's expected cost per unit exposure.

    Tables of the same factor in both models are multiplied level by level
    when they have the same levels (or cut points); otherwise both are kept,
    the severity one named ``"<factor> (severity)"``.

    Parameters
    ----------
    pair : fitted FrequencySeverity
        Its ``frequency_`` and ``severity_`` GLMs are turned into tables by
        :func:`coverage_from_glm`.
    name : str
        Name of the coverage.
    ranges : mapping of str to (lower, upper), optional
        As :func:`coverage_from_glm`, on the merged tables.

    Returns
    -------
    Coverage
        Base rate ``frequency base x severity base`` and the merged tables.

    Raises
    ------
    PlanError
        If either model has a raw numeric or spline term.

    Examples
    --------
    Area ``a``: frequency 1 / 5 = 0.2, severity 800, cost 160; area ``b``:
    frequency 8 / 15, severity 5,500 / 8 = 687.5, cost 366.67. One ``area``
    table holds the product of the two models' relativities.

    >>> import pandas as pd
    >>> from autorisk.models import FrequencyGLM, FrequencySeverity, SeverityGLM
    >>> from autorisk.rating import RatingPlan
    >>> X = pd.DataFrame({"area": ["a", "a", "b", "b", "b"]})
    >>> pair = FrequencySeverity(FrequencyGLM(["area"]), SeverityGLM(["area"])).fit(
    ...     X, [1, 0, 2, 3, 3], [800.0, 0.0, 1000.0, 3000.0, 1500.0], exposure=[2.0, 3.0, 5.0, 5.0, 5.0])
    >>> od = coverage_from_pair(pair, "od")
    >>> [f.name for f in od.factors], round(od.base_rate, 2)
    (['area'], 366.67)
    >>> RatingPlan("cost", "1", (od,)).quote(X)["premium_total"].round(2).tolist()
    [160.0, 160.0, 366.67, 366.67, 366.67]
    """
    frequency = coverage_from_glm(pair.frequency_, name)
    severity = coverage_from_glm(pair.severity_, name)
    by_name = {f.name: f for f in frequency.factors}
    merged = dict(by_name)
    for factor in severity.factors:
        other = by_name.get(factor.name)
        combined = _multiply(other, factor) if other is not None else factor
        if combined is None:
            combined = dataclasses.replace(factor, name=f"{factor.name} (severity)")
        merged[combined.name] = combined
    return Coverage(name, frequency.base_rate * severity.base_rate, _with_ranges(list(merged.values()), ranges))


def _with_ranges(factors: list[Factor], ranges: Ranges | None) -> tuple[Factor, ...]:
    """``factors`` with the accepted ``(lower, upper)`` of the banded ones named in ``ranges``."""
    ranges = dict(ranges or {})
    banded = {f.name for f in factors if isinstance(f, BandFactor)}
    stray = sorted(set(ranges) - banded)
    if stray:
        raise PlanError(f"ranges name {stray}, which are not banded factors of the model (banded: {sorted(banded)})")
    return tuple(
        dataclasses.replace(f, lower=_end(ranges[f.name][0]), upper=_end(ranges[f.name][1])) if f.name in ranges else f
        for f in factors
    )


def _end(value: float | None) -> float | None:
    return None if value is None else float(value)


def _multiply(a: Factor, b: Factor) -> Factor | None:
    """Product of two tables of one factor, or None when their levels differ."""
    if isinstance(a, CategoricalFactor) and isinstance(b, CategoricalFactor) and set(a.levels) == set(b.levels):
        other = dict(zip(b.levels, b.values, strict=True))
        return dataclasses.replace(a, values=tuple(v * other[level] for level, v in zip(a.levels, a.values, strict=True)))
    if isinstance(a, BandFactor) and isinstance(b, BandFactor) and a.cut_points == b.cut_points:
        return dataclasses.replace(a, values=tuple(x * y for x, y in zip(a.values, b.values, strict=True)))
    return None
