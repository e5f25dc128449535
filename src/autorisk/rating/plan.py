"""Rating plans: coverages of base rates and factors, versioned as hashed JSON.

This first slice covers the pure-premium core: a plan of coverages, each a
base rate times an ordered list of factors, quoted vectorised with a
per-factor breakdown, saved to a documented JSON format whose SHA-256 content
hash is the plan id, and built from a fitted GLM so that the plan reproduces
the model's prediction.

JSON format (``format`` = ``"autorisk.rating_plan/1"``)::

    {"format": "autorisk.rating_plan/1", "plan_id": "<sha256 of content>",
     "content": {"name": ..., "version": ..., "effective_from": "YYYY-MM-DD" | null,
                 "coverages": [{"name": ..., "base_rate": ...,
                                "factors": [<factor>, ...]}, ...]}}

where a factor is ``{"kind": "categorical", "name", "column", "table":
[[level, relativity], ...], "overridden": [...]}``, ``{"kind": "bands",
"name", "column", "cut_points", "values", "overridden"}`` or ``{"kind":
"interaction", "name", "columns": [a, b], "cells": [[a, b, relativity], ...]}``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, PlanError, QuoteError
from autorisk.models.banding import band_labels
from autorisk.rating.factors import (
    BandFactor,
    CategoricalFactor,
    ColumnCodes,
    Factor,
    InteractionFactor,
    factor_from_dict,
)

FORMAT = "autorisk.rating_plan/1"


@dataclass(frozen=True)
class Coverage:
    """One coverage: a pure premium ``base_rate * prod(relativities)`` turned into a gross premium.

    ``gross = pure / (1 - loading) + fee``, rounded half up to a multiple of
    ``rounding``, then clamped to ``[min_premium, max_premium]`` (the bounds
    win over the rounding, so a premium never leaves them). ``loading`` is the sum of the proportional loadings
    (expenses, commission, profit) as a share of the gross premium.
    """

    name: str
    base_rate: float
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    loading: float = 0.0
    fee: float = 0.0
    min_premium: float | None = None
    max_premium: float | None = None
    rounding: float | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.base_rate) or self.base_rate <= 0:
            raise PlanError(f"coverage {self.name!r}: base rate must be finite and > 0, got {self.base_rate}")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise PlanError(f"coverage {self.name!r}: factor names repeat: {names}")
        if not 0 <= self.loading < 1:
            raise PlanError(f"coverage {self.name!r}: loading must be in [0, 1), got {self.loading}")
        if not np.isfinite(self.fee) or self.fee < 0:
            raise PlanError(f"coverage {self.name!r}: fee must be finite and >= 0, got {self.fee}")
        for label, value in (("min_premium", self.min_premium), ("max_premium", self.max_premium),
                             ("rounding", self.rounding)):  # fmt: skip
            if value is not None and (not np.isfinite(value) or value <= 0):
                raise PlanError(f"coverage {self.name!r}: {label} must be finite and > 0, got {value}")
        if self.min_premium is not None and self.max_premium is not None and self.min_premium > self.max_premium:
            raise PlanError(
                f"coverage {self.name!r}: min_premium {self.min_premium} exceeds max_premium {self.max_premium}"
            )

    def gross(self, pure: Any) -> Any:
        """Gross premium from pure premium; the same IEEE operations for an array or one float."""
        gross = pure / (1.0 - self.loading) + self.fee
        if self.rounding is not None:
            gross = np.floor(gross / self.rounding + 0.5) * self.rounding
        if self.min_premium is not None:
            gross = np.maximum(gross, self.min_premium)
        if self.max_premium is not None:
            gross = np.minimum(gross, self.max_premium)
        return gross

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "base_rate": self.base_rate, "factors": [f.to_dict() for f in self.factors],
            "loading": self.loading, "fee": self.fee, "min_premium": self.min_premium,
            "max_premium": self.max_premium, "rounding": self.rounding,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        return cls(
            data["name"], float(data["base_rate"]), tuple(factor_from_dict(f) for f in data["factors"]),
            float(data.get("loading", 0.0)), float(data.get("fee", 0.0)), data.get("min_premium"),
            data.get("max_premium"), data.get("rounding"),
        )  # fmt: skip


@dataclass(frozen=True)
class RatingPlan:
    """A tariff: named, versioned coverages applied to policy attributes.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> plan.quote(pd.DataFrame({"region": ["south", "north"]}))["premium_tpl"].tolist()
    [600.0, 500.0]
    """

    name: str
    version: str
    coverages: tuple[Coverage, ...]
    effective_from: str | None = None
    prohibited_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.coverages:
            raise PlanError(f"plan {self.name!r} has no coverage")
        used = {(c.name, f.name, col) for c in self.coverages for f in c.factors for col in f.columns}
        banned = sorted({f"{cov}.{factor} reads {col!r}" for cov, factor, col in used if col in self.prohibited_columns})
        if banned:
            raise PlanError(f"plan {self.name!r} uses prohibited rating factors: {banned}")
        names = [c.name for c in self.coverages]
        if len(set(names)) != len(names):
            raise PlanError(f"plan {self.name!r}: coverage names repeat: {names}")
        # Immutable plan: its id is computed once (quote_one must not re-hash per call).
        object.__setattr__(self, "_plan_id", _content_hash(self.content()))

    # ------------------------------------------------------------- identity
    def content(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "effective_from": self.effective_from,
            "prohibited_columns": list(self.prohibited_columns),
            "coverages": [c.to_dict() for c in self.coverages],
        }

    @property
    def plan_id(self) -> str:
        """SHA-256 of the canonical JSON of the plan's content."""
        return self._plan_id

    @property
    def columns(self) -> list[str]:
        """Policy attributes the plan reads."""
        return list(dict.fromkeys(col for c in self.coverages for f in c.factors for col in f.columns))

    # -------------------------------------------------------------- quoting
    def quote(self, policies: pd.DataFrame) -> pd.DataFrame:
        """Premium per coverage and in total, with each factor's relativity, for every row.

        Raises
        ------
        QuoteError
            A missing column, or a value a factor cannot rate (unknown level,
            missing or non-numeric value), naming the column, values and rows.
        """
        missing = [c for c in self.columns if c not in policies.columns]
        if missing:
            raise QuoteError(str(DataIssue(", ".join(missing), "missing column", f"columns {self.columns}")))
        names = [
            name
            for coverage in self.coverages
            for name in (
                *(f"{coverage.name}.{f.name}" for f in coverage.factors),
                f"pure_{coverage.name}",
                f"premium_{coverage.name}",
            )
        ] + ["premium_total"]
        # One (columns x rows) block filled in place: pandas wraps its transpose without copying.
        block = np.empty((len(names), len(policies)))
        total = block[-1]
        total[:] = 0.0
        row = 0
        # Coverages often share a factor (same table on the same column): look it up once.
        computed: dict[Factor, np.ndarray] = {}
        codes = ColumnCodes(policies)
        for coverage in self.coverages:
            premium = np.full(len(policies), coverage.base_rate)
            for factor in coverage.factors:
                if factor not in computed:
                    computed[factor] = factor.relativities(codes)
                block[row] = computed[factor]
                premium *= block[row]
                row += 1
            block[row] = premium
            block[row + 1] = coverage.gross(premium)
            total += block[row + 1]
            row += 2
        result = pd.DataFrame(block.T, index=policies.index, columns=names, copy=False)
        result["plan_id"] = pd.Categorical.from_codes(np.zeros(len(policies), dtype=np.int8), [self._plan_id])
        result.attrs["plan_id"] = self._plan_id
        return result

    def quote_one(self, policy: dict[str, Any]) -> dict[str, Any]:
        """Quote one policy (a mapping of attributes): same numbers and breakdown as :meth:`quote`.

        The premiums are bit-identical to the batch path: the same relativities
        multiplied in the same order in IEEE double precision.
        """
        out: dict[str, Any] = {}
        total = 0.0
        try:
            for coverage in self.coverages:
                premium = coverage.base_rate
                for factor in coverage.factors:
                    relativity = factor.relativity(policy)
                    out[f"{coverage.name}.{factor.name}"] = relativity
                    premium = premium * relativity
                out[f"pure_{coverage.name}"] = premium
                gross = float(coverage.gross(premium))
                out[f"premium_{coverage.name}"] = gross
                total = total + gross
        except KeyError as error:
            raise QuoteError(f"missing field {error.args[0]!r}; the plan reads {self.columns}") from None
        out["premium_total"] = total
        out["plan_id"] = self._plan_id
        return out

    # ---------------------------------------------------------- persistence
    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "plan_id": self.plan_id, "content": self.content()}, indent=2)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json())
        return path

    @classmethod
    def from_json(cls, text: str) -> RatingPlan:
        """Parse a plan, checking its format and that its content matches its recorded id."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise PlanError(f"not a JSON rating plan: {error}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise PlanError(f"unsupported plan format {document.get('format') if isinstance(document, dict) else None!r}; "
                            f"expected {FORMAT!r}")  # fmt: skip
        content = document.get("content", {})
        recorded = document.get("plan_id")
        actual = _content_hash(content)
        if recorded != actual:
            raise PlanError(f"plan content does not match its id: recorded {recorded}, content hashes to {actual}")
        try:
            plan = cls(
                content["name"], content["version"],
                tuple(Coverage.from_dict(c) for c in content["coverages"]), content.get("effective_from"),
                tuple(content.get("prohibited_columns", ())),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise PlanError(f"invalid plan content: {error!r}") from None
        return plan

    @classmethod
    def load(cls, path: str | Path) -> RatingPlan:
        return cls.from_json(Path(path).read_text())


def _content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def coverage_from_glm(model: Any, name: str) -> Coverage:
    """A coverage whose premium reproduces a fitted log-link GLM's prediction per unit exposure.

    The base rate is ``exp(intercept)``; each categorical or banded term
    becomes a factor table with the base level at 1, each categorical x
    categorical interaction a two-way table, and each restricted factor a
    table of its fixed relativities. Raw numeric and spline terms have no
    table form and are refused with a PlanError (band them first).
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
            factors.append(InteractionFactor(term.name, term.parents[0].name, term.parents[1].name, cells))
        else:
            raise PlanError(
                f"term {term.name!r} ({term.kind}) has no rating-table form; band it (bands=...) before building a plan"
            )
    for factor, relativities in (model.restrict or {}).items():
        levels = tuple(relativities)
        factors.append(CategoricalFactor(factor, factor, levels, tuple(float(relativities[v]) for v in levels)))
    return Coverage(name, float(np.exp(model.intercept_)), tuple(factors))


def coverage_from_pair(pair: Any, name: str) -> Coverage:
    """A coverage whose premium reproduces a fitted frequency-severity pair's expected cost per unit exposure.

    Tables of the same factor in both models are multiplied level by level
    when they have the same levels (or cut points); otherwise both are kept,
    the severity one named ``"<factor> (severity)"``.
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
    return Coverage(name, frequency.base_rate * severity.base_rate, tuple(merged.values()))


def _multiply(a: Factor, b: Factor) -> Factor | None:
    """Product of two tables of one factor, or None when their levels differ."""
    if isinstance(a, CategoricalFactor) and isinstance(b, CategoricalFactor) and set(a.levels) == set(b.levels):
        other = dict(zip(b.levels, b.values, strict=True))
        return dataclasses.replace(a, values=tuple(v * other[level] for level, v in zip(a.levels, a.values, strict=True)))
    if isinstance(a, BandFactor) and isinstance(b, BandFactor) and a.cut_points == b.cut_points:
        return dataclasses.replace(a, values=tuple(x * y for x, y in zip(a.values, b.values, strict=True)))
    return None
