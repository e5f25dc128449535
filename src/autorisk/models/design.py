"""From rating factors to a GLM design: terms, base levels, bands, splines, interactions.

:class:`Design` is fitted once on training data (levels, base levels, band
cut points, spline knots, exposure per level) and then turns any table with
the same columns into the *model frame* the fitting engine reads:
categoricals whose first category is the base level (dropped from the
design, so its relativity is 1) and float columns for numeric terms.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import (
    DataError,
    DataIssue,
    ParameterError,
    SchemaError,
    UnknownCategoryError,
    levels_text,
)
from autorisk.models.banding import assign_bands, cut_points
from autorisk.models.splines import natural_spline_basis, spline_knots

UNSEEN_POLICIES = ("raise", "base")
MISSING_POLICIES = ("raise", "level")
#: Level given to missing values of a categorical factor with ``missing="level"``.
MISSING_LEVEL = "(missing)"


@dataclass
class Term:
    """One fitted term of a design.

    ``kind`` is ``"categorical"`` (including banded numerics), ``"numeric"``,
    ``"spline"`` or ``"interaction"``. ``value_range`` is the ``(min, max)``
    of a numeric column (banded, raw or splined) in the training data, as
    floats, and None for other terms: a rating plan built from the model
    refuses values far outside it (:func:`autorisk.rating.coverage_from_glm`).
    """

    name: str
    kind: str
    columns: tuple[str, ...]
    levels: tuple[Any, ...] = ()
    base_level: Any = None
    cut_points: np.ndarray | None = None
    knots: np.ndarray | None = None
    exposure: dict[Any, float] = field(default_factory=dict)
    coef_names: tuple[str, ...] = ()
    # interactions: the fitted parent terms and the non-base level pairs kept
    parents: tuple[Term, ...] = ()
    pairs: tuple[tuple[Any, Any], ...] = ()
    # numeric main effects: (min, max) of the training values
    value_range: tuple[float, float] | None = None

    @property
    def is_categorical(self) -> bool:
        return self.kind == "categorical"


class Design:
    """The fitted mapping from a table of rating factors to model columns.

    Parameters
    ----------
    factors : sequence of str
        Columns used as main effects.
    base_levels : mapping, optional
        Base level per categorical or banded factor; default the level with
        the largest exposure.
    bands : mapping of str to str or sequence, optional
        Numeric factors to band: a method (``"quantile"``, ``"exposure"``,
        ``"tree"``) or the cut points.
    n_bands : int
        Number of bands for the automatic methods.
    splines : mapping of str to int, optional
        Numeric factors entered as natural cubic splines with that many
        degrees of freedom.
    interactions : sequence of (str, str), optional
        Pairs of factors (each also a main effect) to interact.
    unseen : {"raise", "base"}
        What to do with a level not seen at fit time.
    missing : {"raise", "level"}
        What to do with missing values of a categorical factor (numeric
        factors never accept missing values).
    """

    def __init__(
        self,
        factors: Sequence[str],
        *,
        base_levels: Mapping[str, Any] | None = None,
        bands: Mapping[str, str | Sequence[float]] | None = None,
        n_bands: int = 5,
        splines: Mapping[str, int] | None = None,
        interactions: Sequence[tuple[str, str]] | None = None,
        unseen: str = "raise",
        missing: str = "raise",
    ):
        self.factors = list(factors)
        self.base_levels = dict(base_levels or {})
        self.bands = dict(bands or {})
        self.n_bands = n_bands
        self.splines = dict(splines or {})
        self.interactions = [tuple(pair) for pair in (interactions or [])]
        self.unseen = unseen
        self.missing = missing
        self.terms: list[Term] = []
        self._check_options()

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame, exposure: np.ndarray, response: np.ndarray | None = None) -> Design:
        """Learn levels, base levels, bands and knots from training data."""
        _require_columns(data, self.factors)
        self.terms = []
        for name in self.factors:
            self.terms.append(self._fit_main(name, data[name], exposure, response))
        by_name = {t.name: t for t in self.terms}
        for a, b in self.interactions:
            self.terms.append(self._fit_interaction(by_name[a], by_name[b], data, exposure))
        return self

    def _fit_main(self, name: str, values: pd.Series, exposure: np.ndarray, response) -> Term:
        numeric = pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
        if name in self.splines or name in self.bands or numeric:
            if not numeric or pd.api.types.is_bool_dtype(values):
                if name in self.splines or name in self.bands:
                    raise ParameterError(f"factor {name!r} is not numeric and cannot be banded or splined")
            else:
                x = _numeric_values(name, values)
                value_range = (float(x.min()), float(x.max())) if x.size else None
                if name in self.splines:
                    knots = spline_knots(x, self.splines[name], exposure)
                    coefs = tuple(f"{name}[ns{k + 1}]" for k in range(len(knots) - 1))
                    return Term(name, "spline", (name,), knots=knots, coef_names=coefs, value_range=value_range)
                if name in self.bands:
                    points = cut_points(x, self.bands[name], self.n_bands, exposure=exposure, response=response)
                    banded = pd.Series(assign_bands(x, points), index=values.index)
                    term = self._fit_categorical(name, banded, exposure)
                    term.cut_points = points
                    term.value_range = value_range
                    return term
                return Term(name, "numeric", (name,), coef_names=(name,), value_range=value_range)
        return self._fit_categorical(name, values, exposure)

    def _fit_categorical(self, name: str, values: pd.Series, exposure: np.ndarray) -> Term:
        values = self._fill_missing(name, values)
        by_level = pd.Series(exposure, index=values.index).groupby(values, observed=True, sort=False).sum()
        levels = _ordered_levels(values, by_level.index)
        if name in self.base_levels:
            base = self.base_levels[name]
            if base not in levels:
                raise ParameterError(f"base level {base!r} of {name!r} is not a level; levels: {levels_text(levels)}")
        else:
            # Largest exposure, first in natural order on ties, as pricing tools do.
            base = max(levels, key=lambda level: by_level.get(level, 0.0))
        ordered = (base, *(level for level in levels if level != base))
        return Term(
            name,
            "categorical",
            (name,),
            levels=tuple(levels),
            base_level=base,
            exposure={level: float(by_level.get(level, 0.0)) for level in levels},
            coef_names=tuple(f"{name}[{level}]" for level in ordered[1:]),
        )

    def _fit_interaction(self, a: Term, b: Term, data: pd.DataFrame, exposure: np.ndarray) -> Term:
        name = f"{a.name}:{b.name}"
        for term in (a, b):
            if term.kind == "spline":
                raise ParameterError(f"interaction {name}: spline terms cannot be interacted")
        pairs: tuple = ()
        pair_exposure: dict[Any, float] = {}
        if a.is_categorical and b.is_categorical:
            codes_a, codes_b = self._codes(a, data), self._codes(b, data)
            seen = pd.DataFrame({"a": codes_a, "b": codes_b, "exposure": exposure})
            seen = seen[(seen["a"] > 0) & (seen["b"] > 0)]
            cells = seen.groupby(["a", "b"], sort=True)["exposure"].sum()
            order_a, order_b = _design_order(a), _design_order(b)
            pairs = tuple((order_a[i], order_b[j]) for i, j in cells.index)
            # keyed like the level labels of the coefficient table, "level_a:level_b"
            pair_exposure = {f"{la}:{lb}": float(e) for (la, lb), e in zip(pairs, cells, strict=True)}
            coefs = tuple(f"{a.name}[{la}]:{b.name}[{lb}]" for la, lb in pairs)
        elif a.is_categorical or b.is_categorical:
            cat, num = (a, b) if a.is_categorical else (b, a)
            coefs = tuple(f"{cat.name}[{level}]:{num.name}" for level in _design_order(cat)[1:])
        else:
            coefs = (name,)
        return Term(name, "interaction", (a.name, b.name), coef_names=coefs, parents=(a, b), pairs=pairs,
                    exposure=pair_exposure)  # fmt: skip

    # ------------------------------------------------------------ transform
    @property
    def coef_names(self) -> list[str]:
        """Names of the design columns, in the order of the coefficients."""
        return [name for term in self.terms for name in term.coef_names]

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Model frame: base-first categoricals and float columns, one block per term."""
        _require_columns(data, self.factors)
        blocks: dict[str, Any] = {}
        # Main effects come first, so interactions reuse their parents' codes (and warnings fire once).
        codes: dict[str, np.ndarray] = {}
        for term in self.terms:
            if term.is_categorical:
                codes[term.name] = self._codes(term, data)
                blocks[term.name] = pd.Categorical.from_codes(codes[term.name], categories=list(_design_order(term)))
            elif term.kind == "numeric":
                blocks[term.name] = _numeric_values(term.name, data[term.name])
            elif term.kind == "spline":
                basis = natural_spline_basis(_numeric_values(term.name, data[term.name]), term.knots)
                blocks.update(zip(term.coef_names, basis.T, strict=True))
            else:
                blocks.update(self._interaction_columns(term, data, codes))
        return pd.DataFrame(blocks, index=data.index)

    def _interaction_columns(
        self, term: Term, data: pd.DataFrame, codes: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        a, b = term.parents
        if a.is_categorical and b.is_categorical:
            codes_a, codes_b = codes[a.name], codes[b.name]
            position_a = {level: i for i, level in enumerate(_design_order(a))}
            position_b = {level: i for i, level in enumerate(_design_order(b))}
            return {
                name: ((codes_a == position_a[la]) & (codes_b == position_b[lb])).astype(float)
                for name, (la, lb) in zip(term.coef_names, term.pairs, strict=True)
            }
        if a.is_categorical or b.is_categorical:
            cat, num = (a, b) if a.is_categorical else (b, a)
            cat_codes = codes[cat.name]
            x = _numeric_values(num.name, data[num.name])
            return {name: np.where(cat_codes == i + 1, x, 0.0) for i, name in enumerate(term.coef_names)}
        return {term.coef_names[0]: _numeric_values(a.name, data[a.name]) * _numeric_values(b.name, data[b.name])}

    def _codes(self, term: Term, data: pd.DataFrame) -> np.ndarray:
        """Position of each row's level in the term's design order (0 = base)."""
        values = data[term.name]
        if term.cut_points is not None:
            values = pd.Series(assign_bands(_numeric_values(term.name, values), term.cut_points), index=values.index)
        values = self._fill_missing(term.name, values)
        order = _design_order(term)
        # Not pd.Categorical(values, categories=order): pandas 3.1 deprecates values outside the categories.
        index = pd.Index(list(order), dtype=object)
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = index.get_indexer(values.cat.categories.astype(object))[values.cat.codes.to_numpy()]
        else:
            codes = index.get_indexer(values.astype(object))
        codes = codes.astype(np.int64)
        unseen = codes < 0
        if unseen.any():
            issue = DataIssue.from_mask(
                term.name, "unseen level", f"one of the fitted levels {levels_text(term.levels)}", unseen, values.index, values
            )
            if self.unseen == "raise":
                raise UnknownCategoryError(issue)
            warnings.warn(f"{issue}; mapped to the base level {term.base_level!r}", UserWarning, stacklevel=4)
            codes[unseen] = 0
        return codes

    def _fill_missing(self, name: str, values: pd.Series) -> pd.Series:
        absent = values.isna().to_numpy()
        if not absent.any():
            return values
        if self.missing == "raise":
            raise DataError(
                DataIssue.from_mask(name, "missing value", "a level (or missing='level')", absent, values.index)
            )
        if isinstance(values.dtype, pd.CategoricalDtype) and MISSING_LEVEL not in values.cat.categories:
            values = values.cat.add_categories([MISSING_LEVEL])
        return values.fillna(MISSING_LEVEL)

    def _check_options(self) -> None:
        if self.unseen not in UNSEEN_POLICIES:
            raise ParameterError(f"unseen must be one of {UNSEEN_POLICIES}, got {self.unseen!r}")
        if self.missing not in MISSING_POLICIES:
            raise ParameterError(f"missing must be one of {MISSING_POLICIES}, got {self.missing!r}")
        if len(set(self.factors)) != len(self.factors):
            raise ParameterError(f"factors are listed twice: {self.factors}")
        for option in ("bands", "splines", "base_levels"):
            stray = set(getattr(self, option)) - set(self.factors)
            if stray:
                raise ParameterError(f"{option} names columns that are not factors: {sorted(stray)}")
        both = set(self.bands) & set(self.splines)
        if both:
            raise ParameterError(f"factors cannot be both banded and splined: {sorted(both)}")
        for pair in self.interactions:
            if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(self.factors):
                raise ParameterError(
                    f"an interaction is a pair of two different factors, got {pair}; factors: {self.factors}"
                )


def _design_order(term: Term) -> tuple[Any, ...]:
    return (term.base_level, *(level for level in term.levels if level != term.base_level))


def _ordered_levels(values: pd.Series, observed: pd.Index) -> tuple[Any, ...]:
    """Observed levels in their natural order (category order, else sorted)."""
    present = set(observed)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return tuple(level for level in values.cat.categories if level in present)
    try:
        return tuple(sorted(present))
    except TypeError:
        return tuple(sorted(present, key=str))


def _numeric_values(name: str, values: pd.Series) -> np.ndarray:
    try:
        x = values.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise SchemaError(DataIssue(name, "not numeric", "numbers", 0, (), (str(values.dtype),))) from None
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(DataIssue.from_mask(name, "missing or infinite", "finite numbers", bad, values.index, values))
    return x


def _require_columns(data: pd.DataFrame, names: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"X must be a pandas DataFrame of rating factors, got {type(data).__name__}")
    missing = [name for name in names if name not in data.columns]
    if missing:
        raise SchemaError(DataIssue(", ".join(missing), "missing column", f"columns among {list(data.columns)}"))
