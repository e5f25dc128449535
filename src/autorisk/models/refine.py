"""Refine a fitted pricing GLM: group levels, restrict a factor, smooth an ordered factor.

These are the Emblem / ``insurancerating`` refinement steps. Each takes a
fitted :class:`~autorisk.models.FrequencyGLM`, :class:`~autorisk.models.SeverityGLM`
or :class:`~autorisk.models.TweedieGLM` and the training data, and returns a
*refitted clone*, again a fitted model with the same surface (``predict``,
``coef_table``, ``relativities``, ``summary``). The input model is not
changed.

- :func:`group_levels` merges levels of a categorical factor (the clone's
  ``groups`` is extended) and refits.
- :func:`restrict_factor` fixes a factor's relativities (the factor leaves
  ``factors`` and enters ``restrict``, an offset) and refits the others.
- :func:`smooth_factor` smooths the relativities of an ordered factor by a
  weighted polynomial in the level's rank or a monotone (isotonic) fit, then
  restricts the factor to them and refits the others.
- :func:`smooth_relativities` is the smoothing step on its own, for a
  vector of relativities.

Every refined model carries ``refinements_``, the list of steps that led to
it (one dict per step: ``kind``, ``factor``, ``details``), extended by each
further refinement, so the history of a rating plan is auditable.

Restrictions map raw column values (after any grouping) to relativities, so
they apply to categorical factors only. A banded numeric factor is refused:
band the column first (:func:`band_factor` gives the fitted bands as an
ordered categorical), fit it as a categorical, and refine that.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression

from autorisk.errors import (
    DataError,
    DataIssue,
    ModelError,
    ParameterError,
    SchemaError,
    levels_text,
)
from autorisk.models.banding import assign_bands

if TYPE_CHECKING:
    from autorisk.models.design import Term
    from autorisk.models.glm import _PricingGLM

__all__ = ["band_factor", "group_levels", "restrict_factor", "smooth_factor", "smooth_relativities"]

MONOTONE_OPTIONS = ("increasing", "decreasing", "auto")


# ---------------------------------------------------------------- public API
def group_levels(
    model: _PricingGLM,
    factor: str,
    mapping: Mapping[Any, Any],
    X: pd.DataFrame,
    y: Any,
    **fit_params: Any,
) -> _PricingGLM:
    """Merge levels of a categorical factor and refit.

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted model; it is not changed.
    factor : str
        A categorical main effect of ``model``.
    mapping : mapping
        ``{level: group}`` for the levels to merge; keys are levels of the
        fitted model (after any earlier grouping), values are group names
        (a group may be named after an existing level to merge into it).
        Unmapped levels stay as they are.
    X, y, **fit_params
        The training data, passed to ``fit`` (e.g. ``exposure=`` for a
        frequency model, ``claim_count=`` for a severity model).

    Returns
    -------
    model
        A refitted clone whose ``groups`` maps the raw levels of ``factor``
        to their groups (composed with any earlier grouping). The base level
        is kept: if it was merged, its group is the new base.

    Raises
    ------
    ParameterError
        ``factor`` is not a categorical main effect of the model, a mapped
        level is not one of its levels, or every level would be merged into
        one group.

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> from autorisk.models import FrequencyGLM, group_levels
    >>> data = load("swmotorcycle").query("exposure > 0")
    >>> fit = dict(exposure=data["exposure"])
    >>> model = FrequencyGLM(["gender", "bonus_class"]).fit(data, data["claim_count"], **fit)
    >>> grouped = group_levels(model, "bonus_class", {"BM5": "BM5-7", "BM6": "BM5-7", "BM7": "BM5-7"},
    ...                        data, data["claim_count"], **fit)
    >>> grouped.relativities().query("factor == 'bonus_class'")["level"].tolist()
    ['BM5-7', 'BM1', 'BM2', 'BM3', 'BM4']
    >>> grouped.refinements_[0]["kind"]
    'group'
    """
    _check_fitted(model)
    term = _categorical_term(model, factor, "group")
    mapping = _as_mapping(mapping, "mapping")
    unknown = [level for level in mapping if level not in term.levels]
    if unknown:
        raise ParameterError(
            f"cannot group {factor!r}: unknown level(s) {levels_text(unknown)}; valid levels: {levels_text(term.levels)}"
        )
    if len({mapping.get(level, level) for level in term.levels}) < 2:
        raise ParameterError(
            f"grouping every level of {factor!r} into one removes the factor; drop it from factors instead"
        )
    existing = dict((model.groups or {}).get(factor, {}))
    # Compose: a raw value first goes to its current level, then through the new mapping.
    # A key that is only a group name (no raw value of X has it) needs no entry of its own.
    raw_values = set(pd.unique(X[factor].dropna().astype(object))) if factor in X.columns else set()
    composed = {raw: mapping.get(level, level) for raw, level in existing.items()}
    composed.update({
        level: group for level, group in mapping.items()
        if level not in existing and (level in raw_values or level not in existing.values())
    })
    groups = {**copy.deepcopy(dict(model.groups or {})), factor: composed}
    base_levels = {**dict(model.base_levels or {}), factor: mapping.get(term.base_level, term.base_level)}
    refined = clone(model).set_params(groups=groups, base_levels=base_levels)
    refined.fit(X, y, **fit_params)
    details = {"mapping": dict(mapping), "groups": dict(composed), "deviance_before": float(model.deviance_),
               "deviance_after": float(refined.deviance_)}
    return _record(refined, model, "group", factor, details)


def restrict_factor(
    model: _PricingGLM,
    factor: str,
    relativities: Mapping[Any, float] | pd.Series,
    X: pd.DataFrame,
    y: Any,
    **fit_params: Any,
) -> _PricingGLM:
    """Fix a factor's relativities and refit the other factors.

    The factor leaves ``factors`` (and ``base_levels``) and enters
    ``restrict``: ``log(relativity)`` of each row's level is an offset, so
    the other coefficients are fitted given the fixed relativities. The
    relativities need no base level of 1; a common scale is absorbed by the
    intercept.

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted model; it is not changed.
    factor : str
        A categorical main effect of ``model``, or a factor it already
        restricts (its restriction is replaced).
    relativities : mapping or Series
        ``{level: relativity}`` (a Series indexed by level works too), one
        positive relativity for every level of ``factor`` present in ``X``
        (after grouping). Levels unknown to both the model and ``X`` are
        refused as likely typos.
    X, y, **fit_params
        The training data, passed to ``fit``.

    Returns
    -------
    model
        A refitted clone. Interactions involving ``factor`` cannot be kept
        (it is no longer fitted); they are dropped with a warning.

    Raises
    ------
    ParameterError
        ``factor`` is numeric, banded or splined, a level of ``X`` has no
        relativity, a given level is unknown, or a relativity is not a
        positive number.
    DataError
        ``X[factor]`` has missing values (a restriction cannot map them).

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> from autorisk.models import FrequencyGLM, restrict_factor
    >>> data = load("swmotorcycle").query("exposure > 0")
    >>> fit = dict(exposure=data["exposure"])
    >>> model = FrequencyGLM(["gender", "bonus_class"]).fit(data, data["claim_count"], **fit)
    >>> restricted = restrict_factor(model, "gender", {"Male": 1.0, "Female": 0.8},
    ...                              data, data["claim_count"], **fit)
    >>> restricted.relativities().query("factor == 'gender'")[["level", "relativity", "status"]]
        level  relativity      status
    7  Female         0.8  restricted
    8    Male         1.0  restricted
    """
    _check_fitted(model)
    refined, details = _restrict(model, factor, relativities, X, y, fit_params)
    return _record(refined, model, "restrict", factor, details)


def smooth_factor(
    model: _PricingGLM,
    factor: str,
    X: pd.DataFrame,
    y: Any,
    *,
    degree: int | None = None,
    monotone: str | None = None,
    order: Sequence[Any] | None = None,
    **fit_params: Any,
) -> _PricingGLM:
    """Smooth the relativities of an ordered factor, restrict it to them and refit the rest.

    The log-relativities of the factor's levels, ranked ``0 .. k-1`` in
    their natural order, are fitted by least squares weighted by each
    level's exposure (claim count for a severity model) — a polynomial of
    the given ``degree`` in the rank, or a monotone (isotonic) step
    function. The smoothed relativities are rescaled so the base level keeps
    relativity 1, then the factor is restricted to them
    (:func:`restrict_factor`) and the other factors are refitted.

    Parameters
    ----------
    model : FrequencyGLM, SeverityGLM or TweedieGLM
        A fitted model; it is not changed.
    factor : str
        An ordered categorical main effect (or a factor the model already
        restricts). The order is, in turn: ``order`` if given; the category
        order of an *ordered* pandas categorical column (grouped levels
        ranked by their first member); the sorted levels if they are all
        numbers. Anything else needs ``order``.
    X, y, **fit_params
        The training data, passed to ``fit``.
    degree : int, optional
        Polynomial degree, ``0 <= degree <= k - 1``; ``k - 1`` reproduces
        the relativities, ``1`` makes them log-linear in the rank.
    monotone : {"increasing", "decreasing", "auto"}, optional
        Isotonic fit instead of a polynomial (``"auto"`` takes the direction
        that fits better).
    order : sequence, optional
        The factor's levels from lowest to highest rank.

    Returns
    -------
    model
        A refitted clone; ``refinements_[-1]`` records the method, the order,
        the weights and the relativities before and after smoothing.

    Raises
    ------
    ParameterError
        Neither or both of ``degree`` and ``monotone``, a degree out of
        range, an unordered or numeric factor, or a bad ``order``.

    Examples
    --------
    >>> import numpy as np
    >>> from autorisk.datasets import load
    >>> from autorisk.models import FrequencyGLM, smooth_factor
    >>> data = load("swmotorcycle").query("exposure > 0")
    >>> fit = dict(exposure=data["exposure"])
    >>> model = FrequencyGLM(["gender", "bonus_class"]).fit(data, data["claim_count"], **fit)
    >>> linear = smooth_factor(model, "bonus_class", data, data["claim_count"], degree=1, **fit)
    >>> table = linear.relativities().query("factor == 'bonus_class'")
    >>> bool(np.allclose(np.diff(np.log(table["relativity"]), 2), 0))
    True
    >>> linear.deviance_ >= model.deviance_
    True
    """
    _check_fitted(model)
    if (degree is None) == (monotone is None):
        raise ParameterError("give exactly one of degree= (polynomial) or monotone= (isotonic)")
    levels, relativity, weight, base = _factor_profile(model, factor, X, order)
    smoothed, method = _smooth(relativity, weight, degree, monotone, base)
    restriction = dict(zip(levels, smoothed.tolist(), strict=True))
    refined, restrict_details = _restrict(model, factor, restriction, X, y, fit_params)
    details = {
        **method,
        "order": list(levels),
        "base_level": levels[base],
        "weights": dict(zip(levels, weight.tolist(), strict=True)),
        "original": dict(zip(levels, relativity.tolist(), strict=True)),
        "smoothed": restriction,
        **{k: v for k, v in restrict_details.items() if k != "relativities"},
    }
    return _record(refined, model, "smooth", factor, details)


def smooth_relativities(
    relativities: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray | None = None,
    *,
    degree: int | None = None,
    monotone: str | None = None,
    base: int = 0,
) -> np.ndarray:
    """Smooth relativities given in rank order; the smoothing step of :func:`smooth_factor`.

    Parameters
    ----------
    relativities : array-like of float
        Positive relativities of levels ``0 .. k-1`` in rank order.
    weights : array-like of float, optional
        Non-negative weight of each level (its exposure); default equal.
    degree : int, optional
        Degree of the weighted least-squares polynomial in the rank fitted
        to the log-relativities.
    monotone : {"increasing", "decreasing", "auto"}, optional
        Weighted isotonic regression of the log-relativities instead;
        ``"auto"`` takes the direction with the smaller weighted squared error.
    base : int, default 0
        Position of the level whose smoothed relativity is rescaled to 1.

    Returns
    -------
    ndarray
        Smoothed relativities, ``result[base] == 1``.

    Examples
    --------
    >>> smooth_relativities([1.0, 1.2, 1.1, 1.5], [10, 5, 5, 1], monotone="increasing").round(4).tolist()
    [1.0, 1.1489, 1.1489, 1.5]
    >>> smooth_relativities([1.0, 2.0, 4.0, 8.5], degree=1).round(4).tolist()
    [1.0, 2.0367, 4.1482, 8.4486]
    """
    if (degree is None) == (monotone is None):
        raise ParameterError("give exactly one of degree= (polynomial) or monotone= (isotonic)")
    relativities = np.asarray(relativities, dtype=float).reshape(-1)
    weights = np.ones_like(relativities) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if len(weights) != len(relativities):
        raise ParameterError(f"{len(weights)} weights for {len(relativities)} relativities")
    if not np.all(np.isfinite(relativities) & (relativities > 0)):
        raise ParameterError(f"relativities must be positive numbers, got {relativities.tolist()}")
    if not np.all(np.isfinite(weights) & (weights >= 0)) or weights.sum() <= 0:
        raise ParameterError(f"weights must be non-negative with a positive total, got {weights.tolist()}")
    if isinstance(base, bool) or not isinstance(base, numbers.Integral) or not 0 <= base < len(relativities):
        raise ParameterError(f"base must be a position in 0..{len(relativities) - 1}, got {base!r}")
    return _smooth(relativities, weights, degree, monotone, int(base))[0]


def band_factor(model: _PricingGLM, factor: str, X: pd.DataFrame) -> pd.Series:
    """The fitted bands of a banded numeric factor, as an ordered categorical column.

    Restrictions and smoothing need a categorical factor: replace the column
    by its bands, fit the factor as a categorical, and refine that model.

    Parameters
    ----------
    model : fitted pricing GLM
        A model in which ``factor`` is banded (``bands=`` or ``n_bands``).
    factor : str
        The banded numeric factor.
    X : DataFrame
        Rows whose ``factor`` column is banded with the model's cut points.

    Returns
    -------
    Series
        Ordered categorical of band labels (``"<25"``, ``"[25, 40)"``, ...),
        indexed like ``X`` and named ``factor``.

    Raises
    ------
    ModelError
        If ``model`` is not fitted.
    ParameterError
        If ``factor`` is not a banded factor of the model.
    SchemaError
        If ``X`` has no column ``factor``.

    Examples
    --------
    >>> from autorisk.datasets import load
    >>> from autorisk.models import FrequencyGLM, band_factor
    >>> data = load("swmotorcycle").query("exposure > 0")
    >>> model = FrequencyGLM(["owner_age"], bands={"owner_age": [25, 40, 60]}).fit(
    ...     data, data["claim_count"], exposure=data["exposure"])
    >>> band_factor(model, "owner_age", data).cat.categories.tolist()
    ['<25', '[25, 40)', '[40, 60)', '>=60']
    """
    _check_fitted(model)
    term = _term(model, factor)
    if term is None or term.cut_points is None:
        raise ParameterError(f"{factor!r} is not a banded factor of the model; banded: {_banded(model)}")
    if factor not in X.columns:
        raise SchemaError(DataIssue(factor, "missing column", f"columns among {list(X.columns)}"))
    values = X[factor].to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(assign_bands(values, term.cut_points), index=X.index, name=factor).cat.as_ordered()


# ---------------------------------------------------------------- internals
def _check_fitted(model: Any) -> None:
    if not hasattr(model, "params_") or not hasattr(model, "design_"):
        raise ModelError(f"{type(model).__name__} is not fitted: fit it before refining it")


def _term(model: _PricingGLM, factor: str) -> Term | None:
    return next((t for t in model.design_.terms if t.name == factor and t.kind != "interaction"), None)


def _banded(model: _PricingGLM) -> list[str]:
    return [t.name for t in model.design_.terms if t.cut_points is not None]


def _categorical_names(model: _PricingGLM) -> list[str]:
    return [t.name for t in model.design_.terms if t.is_categorical and t.cut_points is None]


def _categorical_term(model: _PricingGLM, factor: str, action: str) -> Term:
    """The fitted term of an unbanded categorical main effect, or a ParameterError saying why not."""
    valid = _categorical_names(model)
    if factor in (model.restrict or {}):
        raise ParameterError(
            f"cannot {action} {factor!r}: it is restricted (its relativities are fixed); "
            f"categorical factors of the model: {valid}"
        )
    term = _term(model, factor)
    if term is None:
        raise ParameterError(f"{factor!r} is not a factor of the model; categorical factors: {valid}")
    if term.cut_points is not None:
        raise ParameterError(
            f"cannot {action} {factor!r}: it is a banded numeric factor and restrictions map raw column "
            f"values; replace the column by band_factor(model, {factor!r}, X) and fit it as a categorical"
        )
    if not term.is_categorical:
        raise ParameterError(
            f"cannot {action} {factor!r}: it is a {term.kind} term, not a categorical factor; "
            f"categorical factors: {valid}"
        )
    return term


def _as_mapping(values: Any, name: str) -> dict[Any, Any]:
    if isinstance(values, pd.Series):
        return dict(values.items())
    if not isinstance(values, Mapping):
        raise ParameterError(f"{name} must be a mapping {{level: value}}, got {type(values).__name__}")
    return dict(values)


def _grouped_values(model: _PricingGLM, factor: str, X: pd.DataFrame) -> pd.Series:
    if factor not in X.columns:
        raise SchemaError(DataIssue(factor, "missing column", f"columns among {list(X.columns)}"))
    values = X[factor].astype(object)
    mapping = (model.groups or {}).get(factor)
    return values if not mapping else values.map(lambda v: mapping.get(v, v))


def _restrict(
    model: _PricingGLM, factor: str, relativities: Any, X: pd.DataFrame, y: Any, fit_params: dict[str, Any]
) -> tuple[_PricingGLM, dict[str, Any]]:
    """Refitted clone with ``factor`` restricted, and the details to record."""
    restricted = dict(model.restrict or {})
    if factor in restricted:
        known: tuple[Any, ...] = tuple(restricted[factor])
    else:
        known = _categorical_term(model, factor, "restrict").levels
    relativities = _as_mapping(relativities, "relativities")
    values = _grouped_values(model, factor, X)
    absent = values.isna().to_numpy()
    if absent.any():
        raise DataError(
            DataIssue.from_mask(factor, "missing value", "a level (a restriction cannot map missing values)",
                                absent, X.index)
        )
    present = list(pd.unique(values))
    missing = [level for level in present if level not in relativities]
    if missing:
        raise ParameterError(
            f"cannot restrict {factor!r}: no relativity for level(s) {levels_text(missing)} present in X; "
            f"give one for each of {levels_text(present)}"
        )
    unknown = [level for level in relativities if level not in known and level not in present]
    if unknown:
        raise ParameterError(
            f"cannot restrict {factor!r}: unknown level(s) {levels_text(unknown)}; valid levels: {levels_text(known)}"
        )
    bad = {}
    for level, value in relativities.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = np.nan
        if not (np.isfinite(number) and number > 0):
            bad[level] = value
    if bad:
        raise ParameterError(f"cannot restrict {factor!r}: relativities must be positive numbers, got {bad}")
    # Natural level order first, then any extra levels as given.
    ordered = [level for level in known if level in relativities]
    ordered += [level for level in relativities if level not in ordered]
    restriction = {level: float(relativities[level]) for level in ordered}

    interactions = [tuple(pair) for pair in (model.interactions or [])]
    dropped = [pair for pair in interactions if factor in pair]
    if dropped:
        warnings.warn(
            f"restricting {factor!r} drops its interactions {dropped}", UserWarning, stacklevel=3
        )
    factors = [f for f in model.design_.factors if f != factor]
    refined = clone(model).set_params(
        factors=factors,
        base_levels={k: v for k, v in (model.base_levels or {}).items() if k != factor} or None,
        interactions=[pair for pair in interactions if pair not in dropped] or None,
        restrict={**restricted, factor: restriction},
    )
    refined.fit(X, y, **fit_params)
    details = {
        "relativities": restriction,
        "dropped_interactions": dropped,
        "deviance_before": float(model.deviance_),
        "deviance_after": float(refined.deviance_),
    }
    return refined, details


def _factor_profile(
    model: _PricingGLM, factor: str, X: pd.DataFrame, order: Sequence[Any] | None
) -> tuple[list[Any], np.ndarray, np.ndarray, int]:
    """Levels in rank order, their relativities and weights, and the position of the base level."""
    restricted = (model.restrict or {}).get(factor)
    if restricted is None:
        term = _categorical_term(model, factor, "smooth")
        levels, base_level = list(term.levels), term.base_level
    else:
        levels, base_level = list(restricted), None
    if len(levels) < 2:
        raise ParameterError(f"cannot smooth {factor!r}: it has a single level {levels}")
    table = model.relativities()
    table = table[table["factor"] == factor]
    relativity = dict(zip(table["level"], table["relativity"], strict=True))
    exposure = dict(zip(table["level"], table["exposure"], strict=True))
    ranked = _ranked_levels(model, factor, X, levels, order)
    rel = np.array([relativity[level] for level in ranked], dtype=float)
    weight = np.nan_to_num(np.array([exposure.get(level, 0.0) for level in ranked], dtype=float))
    if base_level is None:  # restricted: keep a level at 1 if there is one, else the largest exposure
        ones = [level for level in ranked if relativity[level] == 1.0]
        base_level = ones[0] if ones else ranked[int(np.argmax(weight))]
    return ranked, rel, weight, ranked.index(base_level)


def _ranked_levels(
    model: _PricingGLM, factor: str, X: pd.DataFrame, levels: list[Any], order: Sequence[Any] | None
) -> list[Any]:
    if order is not None:
        order = list(order)
        if len(order) != len(levels) or set(order) != set(levels) or len(set(order)) != len(order):
            raise ParameterError(
                f"order must list each level of {factor!r} once, got {order}; levels: {levels}"
            )
        return order
    raw = X[factor] if factor in X.columns else None
    if raw is not None and isinstance(raw.dtype, pd.CategoricalDtype) and raw.dtype.ordered:
        mapping = (model.groups or {}).get(factor, {})
        position: dict[Any, int] = {}
        for i, category in enumerate(raw.cat.categories):
            position.setdefault(mapping.get(category, category), i)
        if all(level in position for level in levels):
            return sorted(levels, key=position.__getitem__)
    if all(isinstance(level, numbers.Real) and not isinstance(level, bool) for level in levels):
        return sorted(levels)
    raise ParameterError(
        f"cannot smooth {factor!r}: its levels {levels} have no natural order (make the column an "
        f"ordered categorical, or pass order=[...] from lowest to highest)"
    )


def _smooth(
    relativity: np.ndarray, weight: np.ndarray, degree: int | None, monotone: str | None, base: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Smoothed relativities (``[base] == 1``) and a description of the method."""
    k = len(relativity)
    rank = np.arange(k, dtype=float)
    log_rel = np.log(relativity)
    if not weight.sum() > 0:
        raise ParameterError(f"the levels' weights must have a positive total, got {weight.tolist()}")
    if degree is not None:
        if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or not 0 <= degree <= k - 1:
            raise ParameterError(f"degree must be an integer in 0..{k - 1} (levels - 1), got {degree!r}")
        informative = int(np.count_nonzero(weight > 0))
        if informative <= degree:
            raise ParameterError(
                f"a degree-{degree} polynomial needs at least {degree + 1} levels with positive weight, "
                f"got {informative}"
            )
        poly = np.polynomial.Polynomial.fit(rank, log_rel, int(degree), w=np.sqrt(weight))
        fitted = poly(rank)
        method: dict[str, Any] = {"method": "polynomial", "degree": int(degree)}
    else:
        if monotone not in MONOTONE_OPTIONS:
            raise ParameterError(f"monotone must be one of {MONOTONE_OPTIONS}, got {monotone!r}")
        positive = weight > 0
        fits = {}
        for direction in ("increasing", "decreasing"):
            if monotone in (direction, "auto"):
                iso = IsotonicRegression(increasing=direction == "increasing", out_of_bounds="clip")
                iso.fit(rank[positive], log_rel[positive], sample_weight=weight[positive])
                fits[direction] = iso.predict(rank)
        # "auto": the direction that fits better (weighted squared error); increasing on a tie.
        direction = min(fits, key=lambda d: float(np.sum(weight * (fits[d] - log_rel) ** 2)))
        fitted = fits[direction]
        method = {"method": "isotonic", "monotone": direction}
    smoothed = np.exp(fitted - fitted[base])
    smoothed[base] = 1.0
    return smoothed, method


def _record(
    refined: _PricingGLM, model: _PricingGLM, kind: str, factor: str, details: dict[str, Any]
) -> _PricingGLM:
    refined.refinements_ = [
        *copy.deepcopy(getattr(model, "refinements_", [])),
        {"kind": kind, "factor": factor, "details": details},
    ]
    return refined
