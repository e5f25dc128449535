"""Rare levels of a rating factor grouped into "other", the same way for GLMs, GBMs and rating plans.

A level whose exposure in the training data is below ``min_exposure`` joins
the group :data:`OTHER`; the mapping (``{level: group}`` per factor) is kept
by the fitted model as ``level_groups_``, so prediction maps a rare level,
and a level never seen in training (exposure 0, rarer than any), to the same
group. A rating plan can expand the mapping into its tables: every raw
level gets its group's relativity.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, ParameterError, levels_text
from autorisk.models.design import _ordered_levels

#: The group rare (and, at prediction, unseen) levels join.
OTHER = "other"

__all__ = ["OTHER", "apply_level_groups", "composed_groups", "group_rare_levels", "rare_level_groups"]


def group_rare_levels(
    X: pd.DataFrame, column: str, min_exposure: float, exposure: Any, *, other: Any = OTHER
) -> dict[Any, Any]:
    """Map each level of ``X[column]`` to itself, or to ``other`` when its exposure is below ``min_exposure``.

    Parameters
    ----------
    X : DataFrame
        Training rows.
    column : str
        A categorical column of ``X`` (category, text or object levels).
    min_exposure : float
        Levels with total exposure strictly below it are grouped; ``0`` groups none.
    exposure : array-like
        Exposure (or weight: claims for a severity model) per row of ``X``.
    other : default "other"
        The group's label; a level already called so stays and receives the rare ones.

    Returns
    -------
    dict
        ``{level: group}`` for every level seen (missing values are left out),
        kept levels mapped to themselves.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"make": ["vw", "vw", "audi", "lada", "vw", "audi"]})
    >>> group_rare_levels(X, "make", min_exposure=1.5, exposure=[1, 1, 1, 0.5, 1, 1])
    {'audi': 'audi', 'lada': 'other', 'vw': 'vw'}
    """
    if not (isinstance(min_exposure, int | float | np.integer | np.floating) and not isinstance(min_exposure, bool)
            and np.isfinite(min_exposure) and min_exposure >= 0):  # fmt: skip
        raise ParameterError(f"min_exposure of {column!r} must be a number >= 0, got {min_exposure!r}")
    values = X[column]
    by_level = pd.Series(np.asarray(exposure, dtype=float), index=X.index).groupby(values, observed=True).sum()
    levels = _ordered_levels(values, by_level.index)
    return {_plain(level): (other if by_level[level] < min_exposure else _plain(level)) for level in levels}


def rare_level_groups(
    X: pd.DataFrame, columns: Sequence[str], min_exposure: float | Mapping[str, float] | None, exposure: Any
) -> dict[str, dict[Any, Any]]:
    """Groups of rare levels of the categorical ``columns``, for the factors that have any.

    Parameters
    ----------
    X : DataFrame
        Training rows.
    columns : sequence of str
        The model's factors; numeric and boolean ones are never grouped.
    min_exposure : float, dict or None
        One threshold for every categorical factor, ``{factor: threshold}``,
        or None (no grouping).
    exposure : array-like
        Exposure (or weight) per row.

    Returns
    -------
    dict
        ``{factor: {level: group}}`` (see :func:`group_rare_levels`), only
        for factors with at least one level grouped.

    Raises
    ------
    ParameterError
        A threshold that is not a number >= 0, or one named for a column
        that is not a categorical factor.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"make": ["vw", "vw", "lada"], "age": [30, 40, 50]})
    >>> rare_level_groups(X, ["make", "age"], 2.0, [1.0, 1.0, 1.0])
    {'make': {'lada': 'other', 'vw': 'vw'}}
    """
    if min_exposure is None:
        return {}
    categorical = [c for c in columns if _is_levels(X[c])]
    if isinstance(min_exposure, Mapping):
        stray = [c for c in min_exposure if c not in categorical]
        if stray:
            raise ParameterError(
                f"min_exposure names columns that are not categorical factors: {stray}; "
                f"categorical factors: {levels_text(categorical)}"
            )
        thresholds = dict(min_exposure)
    else:
        thresholds = dict.fromkeys(categorical, min_exposure)
    groups = {}
    for column, threshold in thresholds.items():
        mapping = group_rare_levels(X, column, threshold, exposure)
        if any(level != group for level, group in mapping.items()):
            groups[column] = mapping
    return groups


def apply_level_groups(X: pd.DataFrame, groups: Mapping[str, Mapping[Any, Any]], *, stacklevel: int = 3) -> pd.DataFrame:
    """``X`` with each grouped factor's levels replaced by their group; unseen levels join ``"other"``.

    A level absent from a factor's mapping was not in the training data:
    its exposure there was 0, below any threshold, so it joins :data:`OTHER`
    too, with a warning naming the level and the rows.

    Parameters
    ----------
    X : DataFrame
        Rows to map (not modified).
    groups : dict
        ``{factor: {level: group}}`` as :func:`rare_level_groups` returns.
    stacklevel : int, default 3
        Of the warning about unseen levels.

    Returns
    -------
    DataFrame
        A copy with the grouped factors as categoricals (kept levels in their
        order, then ``"other"``); ``X`` itself when there is nothing to group.

    Examples
    --------
    >>> import pandas as pd
    >>> groups = {"make": {"lada": "other", "vw": "vw"}}
    >>> apply_level_groups(pd.DataFrame({"make": ["vw", "lada"]}), groups)["make"].tolist()
    ['vw', 'other']
    """
    if not groups:
        return X
    X = X.copy()
    for column, mapping in groups.items():
        if column not in X.columns:
            continue  # the model's own column check names it
        values = X[column].astype(object)
        present = values.notna().to_numpy()
        known = values.isin(list(mapping)).to_numpy()
        unseen = present & ~known
        if unseen.any():
            issue = DataIssue.from_mask(
                column, "unseen level", f"one of the fitted levels {levels_text(list(mapping))}", unseen, X.index, values
            )
            warnings.warn(f"{issue}; grouped with the rare levels into {OTHER!r}", UserWarning, stacklevel=stacklevel)
        mapped = values.map(lambda v, m=mapping: m.get(v, OTHER) if v is not None and v == v else v)
        order = list(dict.fromkeys([*(g for g in mapping.values() if g != OTHER), OTHER]))
        X[column] = pd.Categorical(mapped, categories=order)
    return X


def composed_groups(
    groups: Mapping[str, Mapping[Any, Any]] | None, level_groups: Mapping[str, Mapping[Any, Any]] | None
) -> dict[str, dict[Any, Any]]:
    """A GLM's two groupings as one ``{factor: {raw value: level of the model}}``.

    A GLM reads a raw value through ``groups`` (the user's merges, as
    :func:`~autorisk.models.group_levels` writes them) and then through
    ``level_groups_`` (``min_exposure``); a rating table needs the result
    per raw value, every raw value getting its level's relativity.

    Parameters
    ----------
    groups : dict or None
        The model's ``groups`` parameter.
    level_groups : dict or None
        The model's fitted ``level_groups_``.

    Returns
    -------
    dict
        ``{factor: {raw: level}}`` for every factor either grouping maps.

    Examples
    --------
    >>> composed_groups({"make": {"seat": "vw group"}}, {"make": {"vw group": "vw group", "lada": "other"}})
    {'make': {'seat': 'vw group', 'vw group': 'vw group', 'lada': 'other'}}
    """
    groups, level_groups = dict(groups or {}), dict(level_groups or {})
    out: dict[str, dict[Any, Any]] = {}
    for factor in dict.fromkeys([*groups, *level_groups]):
        first, second = dict(groups.get(factor, {})), dict(level_groups.get(factor, {}))
        mapping = {raw: second.get(group, group) for raw, group in first.items()}
        mapping.update({level: group for level, group in second.items() if level not in mapping})
        out[factor] = mapping
    return out


def _is_levels(values: pd.Series) -> bool:
    """Category, text or object columns: the factors whose levels can be grouped."""
    dtype = values.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ) and not pd.api.types.is_bool_dtype(dtype)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
