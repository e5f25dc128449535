"""Rating tables from fitted models: coverages that reproduce a GLM or a frequency-severity pair."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from autorisk.errors import ParameterError, PlanError
from autorisk.models.banding import band_labels
from autorisk.models.levels import composed_groups
from autorisk.rating.coverage import Coverage
from autorisk.rating.factors import BandFactor, CategoricalFactor, Factor, InteractionFactor

Ranges = Mapping[str, tuple[float | None, float | None]]

#: Default widening of a numeric factor's training range, as a share of its width on each side.
RANGE_MARGIN = 0.1


def coverage_from_glm(
    model: Any, name: str, *, ranges: Ranges | Literal[False] | None = None, range_margin: float = RANGE_MARGIN
) -> Coverage:
    """A coverage whose premium reproduces a fitted log-link GLM's prediction per unit exposure.

    The base rate is ``exp(intercept)``; each categorical or banded term
    becomes a factor table with the base level at 1, each categorical x
    categorical interaction a two-way table, and each restricted factor a
    table of its fixed relativities. Raw numeric and spline terms have no
    table form and are refused with a PlanError (band them first).

    Level groups (``groups``, e.g. from :func:`~autorisk.models.group_levels`)
    are expanded: the table lists every raw value the model reads, each with
    its group's relativity (a group's own name stays a level too, as the model
    reads a value equal to it as that group), so the plan rates the model's
    training data. Restricted factors on grouped levels are expanded the same way.

    Each banded factor accepts, by default, the range of the model's training
    values (``Term.value_range`` of its design) widened by ``range_margin``
    times its width on each side, with the lower end raised to 0 when the
    training data had no negative value; a value outside it is a QuoteError,
    not the outermost band. The range is recorded in the plan (``lower`` and
    ``upper`` of the band factor).

    Parameters
    ----------
    model : fitted FrequencyGLM, SeverityGLM or TweedieGLM
        Any fitted pricing GLM (log link); its exposure offset is what the
        premium is per unit of.
    name : str
        Name of the coverage, e.g. ``"tpl"``.
    ranges : mapping of str to (lower, upper), or False, optional
        Accepted values of banded factors, e.g. ``{"driver_age": (18, 99)}``:
        the plan then refuses a driver aged 8 instead of rating them in the
        youngest band. Either end may be None (``(None, None)``: no range for
        that factor). Factors not named keep their default range from the
        training data; ``False`` gives no factor a range (any number is rated).
    range_margin : float, default RANGE_MARGIN (0.1)
        Widening of the default ranges, as a share of the training width
        ``max - min`` on each side: training ages 18-88 accept 11-95 (7 each
        side), training vehicle ages 0-20 accept 0-22 (-2 raised to 0).

    Returns
    -------
    Coverage
        Base rate and factor tables, no loadings, fees or taxes (add them
        with :func:`dataclasses.replace`).

    Raises
    ------
    PlanError
        If the model has a raw numeric or spline term, ``ranges`` names a
        factor that is not banded, or a default range does not reach past the
        outer cut points (the training data left an outer band empty: give
        ``ranges``).
    ParameterError
        If ``range_margin`` is not a finite number >= 0, or ``ranges`` is not
        a mapping, None or False.

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

    A banded factor accepts its training range 19-70 widened by 0.1 x 51
    on each side, or the range given:

    >>> ages = pd.DataFrame({"age": [19.0, 30.0, 50.0, 70.0]})
    >>> model = FrequencyGLM(["age"], bands={"age": [25, 60]}).fit(ages, [1, 1, 0, 1], exposure=[1.0] * 4)
    >>> banded = coverage_from_glm(model, "tpl").factors[0]
    >>> round(banded.lower, 2), round(banded.upper, 2)
    (13.9, 75.1)
    >>> banded = coverage_from_glm(model, "tpl", ranges={"age": (18, 99)}).factors[0]
    >>> banded.lower, banded.upper
    (18.0, 99.0)
    """
    margin = _checked_margin(range_margin)
    factors = _tables(model)
    return Coverage(name, float(np.exp(model.intercept_)), _with_ranges(factors, ranges, _training_ranges([model], margin)))


def _tables(model: Any) -> list[Factor]:
    """The model's factor tables on raw column values (level groups expanded), no accepted ranges yet."""
    factors: list[Factor] = []
    params = model.params_
    groups = composed_groups(model.groups, getattr(model, "level_groups_", None))
    for term in model.design_.terms:
        if term.is_categorical:
            values = tuple(
                1.0 if level == term.base_level else float(np.exp(params[f"{term.name}[{level}]"]))
                for level in term.levels
            )
            if term.cut_points is not None:
                labels = list(term.levels)
                all_labels = band_labels(term.cut_points)
                empty = [label for label in all_labels if label not in labels]
                if empty and getattr(model, "unseen", "raise") != "base":
                    raise PlanError(
                        f"factor {term.name!r}: band(s) {empty} held no training data, so the model refuses "
                        "their values (unseen='raise') while a plan would rate them; merge the bands (bands=) "
                        "or fit with unseen='base' to rate them at the base level"
                    )
                # With unseen="base" the model rates an empty band's values at its base level (relativity 1).
                band_values = tuple(values[labels.index(label)] if label in labels else 1.0 for label in all_labels)
                factors.append(BandFactor(term.name, term.name, tuple(map(float, term.cut_points)), band_values))
            else:
                levels, raw_values = _expanded(term.levels, values, groups.get(term.name))
                factors.append(CategoricalFactor(term.name, term.name, levels, raw_values))
        elif term.kind == "interaction" and term.pairs:
            members = [_members(p.levels, groups.get(p.name)) for p in term.parents]
            cells = tuple(
                (raw_a, raw_b, float(np.exp(params[coef])))
                for coef, (la, lb) in zip(term.coef_names, term.pairs, strict=True)
                for raw_a in members[0][la]
                for raw_b in members[1][lb]
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
        levels, values = _expanded(tuple(relativities), tuple(float(v) for v in relativities.values()),
                                   groups.get(factor))  # fmt: skip
        factors.append(CategoricalFactor(factor, factor, levels, values))
    return factors


def _members(levels: tuple[Any, ...], mapping: Mapping[Any, Any] | None) -> dict[Any, list[Any]]:
    """The raw values the model reads as each of its ``levels`` through a level grouping ``{raw: group}``.

    A raw value mapped to a group that is a level is that level; a level that
    is not itself mapped away also reads as itself (unmapped values stay as
    they are), so a group's own name is one of its members, as the model reads it.
    """
    members: dict[Any, list[Any]] = {level: [] for level in levels}
    mapping = dict(mapping or {})
    for raw, group in mapping.items():
        if group in members:
            members[group].append(raw)
    for level in levels:
        if level not in mapping and level not in members[level]:
            members[level].append(level)
    return members


def _expanded(
    levels: tuple[Any, ...], values: tuple[float, ...], mapping: Mapping[Any, Any] | None
) -> tuple[tuple[Any, ...], tuple[float, ...]]:
    """A table by (grouped) level as a table by raw value: each raw value gets its group's relativity."""
    if not mapping:
        return tuple(levels), tuple(values)
    members = _members(levels, mapping)
    pairs = [(raw, value) for level, value in zip(levels, values, strict=True) for raw in members[level]]
    return tuple(raw for raw, _ in pairs), tuple(value for _, value in pairs)


def coverage_from_pair(
    pair: Any, name: str, *, ranges: Ranges | Literal[False] | None = None, range_margin: float = RANGE_MARGIN
) -> Coverage:
    """A coverage whose premium reproduces a fitted frequency-severity pair's expected cost per unit exposure.

    Tables of the same factor in both models are multiplied level by level
    when they have the same levels (or cut points); otherwise both are kept,
    the severity one named ``"<factor> (severity)"``. Each table is then
    rebased to 1 at the frequency model's base level, as
    :meth:`~autorisk.models.FrequencySeverity.relativities` does, its value
    there moving into the base rate, so the filed table is the pair's
    relativity table and every premium is unchanged. (A factor the frequency
    model restricts, and two-way tables, are kept as they are.)

    Parameters
    ----------
    pair : fitted FrequencySeverity
        Its ``frequency_`` and ``severity_`` GLMs are turned into tables by
        :func:`coverage_from_glm`.
    name : str
        Name of the coverage.
    ranges : mapping of str to (lower, upper), or False, optional
        As :func:`coverage_from_glm`, on the merged tables; the default range
        of a factor is the hull of both models' training ranges, widened.
    range_margin : float, default RANGE_MARGIN (0.1)
        As :func:`coverage_from_glm`.

    Returns
    -------
    Coverage
        Base rate ``frequency base x severity base`` (times the severity
        relativities at the frequency base levels) and the merged tables.

    Raises
    ------
    PlanError
        If either model has a raw numeric or spline term, or as
        :func:`coverage_from_glm`.

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
    margin = _checked_margin(range_margin)
    frequency, severity = pair.frequency_, pair.severity_
    base_rate = float(np.exp(frequency.intercept_)) * float(np.exp(severity.intercept_))
    by_name = {f.name: f for f in _tables(frequency)}
    merged = dict(by_name)
    for factor in _tables(severity):
        other = by_name.get(factor.name)
        combined = _multiply(other, factor) if other is not None else factor
        if combined is None:
            combined = dataclasses.replace(factor, name=f"{factor.name} (severity)")
        merged[combined.name] = combined
    # One table per factor with 1 at the frequency model's base level, as pair.relativities():
    # the table's value there moves into the base rate, so every premium is unchanged.
    bases = {t.name: t for t in frequency.design_.terms if t.is_categorical}
    groups = composed_groups(frequency.groups, getattr(frequency, "level_groups_", None))
    factors = []
    for factor in merged.values():
        term = bases.get(factor.column) if isinstance(factor, (CategoricalFactor, BandFactor)) else None
        scale = 1.0 if term is None else _value_at_base(factor, term, groups.get(term.name))
        if scale is not None and scale != 1.0:
            factor = dataclasses.replace(factor, values=tuple(v / scale for v in factor.values))
            base_rate *= scale
        factors.append(factor)
    return Coverage(name, base_rate, _with_ranges(factors, ranges, _training_ranges([frequency, severity], margin)))


def _value_at_base(factor: Factor, term: Any, mapping: Mapping[Any, Any] | None) -> float | None:
    """The table's relativity at the (frequency) term's base level, or None when the table has no such level."""
    if isinstance(factor, BandFactor):
        labels = band_labels(np.asarray(factor.cut_points, dtype=float))
        return factor.values[labels.index(term.base_level)] if term.base_level in labels else None
    by_level = dict(zip(factor.levels, factor.values, strict=True))
    for raw in _members(term.levels, mapping).get(term.base_level, []):
        if raw in by_level:
            return by_level[raw]
    return None


def _checked_margin(margin: float) -> float:
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.integer, np.floating)) or not (
        np.isfinite(margin) and margin >= 0
    ):
        raise ParameterError(f"range_margin must be a finite number >= 0 (a share of the training width), got {margin!r}")
    return float(margin)


def _training_ranges(models: list[Any], margin: float) -> dict[str, tuple[float, float] | None]:
    """Default accepted range of each banded column: the models' training range widened by ``margin``.

    The range ``[min, max]`` of the training values (over all ``models``) is
    widened by ``margin * (max - min)`` on each side; a lower end below 0 is
    raised to 0 when the training data had no negative value. A column whose
    models recorded no training range (a model saved before ranges were
    recorded) maps to None.
    """
    found: dict[str, list[tuple[float, float]]] = {}
    for model in models:
        for term in model.design_.terms:
            if term.cut_points is not None:
                seen = getattr(term, "value_range", None)
                found.setdefault(term.name, []).extend([] if seen is None else [tuple(map(float, seen))])
    hulls = {
        column: (min(r[0] for r in seen), max(r[1] for r in seen)) if seen else None for column, seen in found.items()
    }
    out: dict[str, tuple[float, float] | None] = {}
    for column, hull in hulls.items():
        if hull is None:
            out[column] = None
            continue
        low, high = hull
        width = high - low
        lower, upper = low - margin * width, high + margin * width
        if low >= 0 > lower:
            lower = 0.0  # refuse negatives where the training data had none
        out[column] = (lower, upper)
    return out


def _with_ranges(
    factors: list[Factor], ranges: Ranges | Literal[False] | None, defaults: Mapping[str, tuple[float, float] | None]
) -> tuple[Factor, ...]:
    """``factors`` with the accepted ``(lower, upper)`` of each banded one: ``ranges`` first, else the default."""
    if ranges is False:
        return tuple(factors)
    if ranges is True or not (ranges is None or isinstance(ranges, Mapping)):
        raise ParameterError(f"ranges must be a mapping of factor to (lower, upper), None or False, got {ranges!r}")
    ranges = dict(ranges or {})
    banded = {f.column for f in factors if isinstance(f, BandFactor)}
    stray = sorted(set(ranges) - banded, key=str)
    if stray:
        raise PlanError(f"ranges name {stray}, which are not banded factors of the model (banded: {sorted(banded)})")
    out = []
    for factor in factors:
        if isinstance(factor, BandFactor):
            if factor.column in ranges:
                low, high = ranges[factor.column]
                factor = dataclasses.replace(factor, lower=_end(low), upper=_end(high))
            elif factor.column in defaults:
                factor = _with_default(factor, defaults[factor.column])
        out.append(factor)
    return tuple(out)


def _with_default(factor: BandFactor, default: tuple[float, float] | None) -> BandFactor:
    if default is None:
        warnings.warn(
            f"factor {factor.name!r}: the model recorded no training range, so the plan accepts any number; "
            f"give ranges={{{factor.column!r}: (lower, upper)}}",
            UserWarning,
            stacklevel=4,
        )
        return factor
    lower, upper = default
    cuts = factor.cut_points
    if cuts and not (lower < cuts[0] and upper > cuts[-1]):
        raise PlanError(
            f"factor {factor.name!r}: the training range widened to [{lower:g}, {upper:g}] does not reach past the "
            f"cut points {list(cuts)}, so an outer band had no training data; give ranges={{{factor.column!r}: "
            "(lower, upper)}} or ranges=False"
        )
    return dataclasses.replace(factor, lower=lower, upper=upper)


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
