"""Rating plans: named, versioned coverages quoted vectorised or one at a time, saved as hashed JSON.

The JSON format is documented in ``docs/rating_plan_format.md``. In short
(``format`` = ``"autorisk.rating_plan/2"``)::

    {"format": "autorisk.rating_plan/2", "plan_id": "<sha256 of content>",
     "content": {"name", "version", "effective_from", "effective_to", "prohibited_columns",
                 "bounds": [{"target", "lower", "upper", "source"}, ...],
                 "coverages": [{"name", "base_rate", "factors": [...], "loadings": {...},
                                "fees": {...}, "taxes": {...}, "min_premium", "max_premium",
                                "rounding"}, ...]}}

The plan id is the SHA-256 of the canonical JSON of ``content`` (keys sorted,
no spaces), so two plans with the same tables have the same id and any edit
changes it. Version 1 files (one ``loading`` and one ``fee`` per coverage) are
still read; they are converted, so their id under version 2 differs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, PlanError, QuoteError
from autorisk.rating.bounds import Bound, check_plan_bounds
from autorisk.rating.coverage import Coverage
from autorisk.rating.encoding import ColumnCodes
from autorisk.rating.factors import BandFactor, BoundedCoefficient, Factor, InteractionFactor

FORMAT = "autorisk.rating_plan/2"
_READABLE = ("autorisk.rating_plan/1", FORMAT)
#: Quote columns holding money, set to NaN on a row that cannot be rated.
_AMOUNTS = ("pure_", "premium_", "tax_", "payable_", "unrounded_", "rounding_", "limit_")


@dataclass(frozen=True)
class RatingPlan:
    """A tariff: named, versioned coverages applied to policy attributes.

    Parameters
    ----------
    name, version : str
        Identify the plan for people; :attr:`plan_id` identifies its content.
    coverages : tuple of Coverage
    effective_from, effective_to : str, optional
        ISO dates: the plan rates policies starting on or after
        ``effective_from`` and before ``effective_to`` (checked when
        :meth:`quote` is given ``as_of``).
    prohibited_columns : tuple of str
        Attributes the plan may not read (e.g. ``"gender"`` under the EU
        gender directive); a plan whose factors read one is refused.
    bounds : tuple of Bound
        Regulatory ranges of coefficients and loadings, checked at build and
        at quote time (:mod:`autorisk.rating.bounds`).

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> plan.quote(pd.DataFrame({"region": ["south", "north"]}))["premium_tpl"].tolist()
    [600.0, 500.0]
    >>> plan.quote_one({"region": "south"})["premium_total"]
    600.0
    """

    name: str
    version: str
    coverages: tuple[Coverage, ...]
    effective_from: str | None = None
    prohibited_columns: tuple[str, ...] = ()
    bounds: tuple[Bound, ...] = ()
    effective_to: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "coverages", tuple(self.coverages))
        object.__setattr__(self, "bounds", tuple(self.bounds))
        object.__setattr__(self, "prohibited_columns", tuple(self.prohibited_columns))
        if not self.coverages:
            raise PlanError(f"plan {self.name!r} has no coverage")
        used = {(c.name, f.name, col) for c in self.coverages for f in c.factors for col in f.columns}
        banned = sorted({f"{cov}.{factor} reads {col!r}" for cov, factor, col in used if col in self.prohibited_columns})
        if banned:
            raise PlanError(f"plan {self.name!r} uses prohibited rating factors: {banned}")
        names = [c.name for c in self.coverages]
        if len(set(names)) != len(names):
            raise PlanError(f"plan {self.name!r}: coverage names repeat: {names}")
        start, end = (_iso_date(self.name, label, value) for label, value in
                      (("effective_from", self.effective_from), ("effective_to", self.effective_to)))  # fmt: skip
        if start is not None and end is not None and end <= start:
            raise PlanError(f"plan {self.name!r}: effective_to {self.effective_to} is not after effective_from "
                            f"{self.effective_from}")  # fmt: skip
        check_plan_bounds(self)
        # Immutable plan: its id and its bound checks are computed once (quote_one must stay cheap).
        object.__setattr__(self, "_plan_id", _content_hash(self.content()))
        object.__setattr__(self, "_bounded", {
            (c.name, f.name): [b for b in self.bounds if b.applies_to(c.name, f.name)]
            for c in self.coverages for f in c.factors
            if any(b.applies_to(c.name, f.name) for b in self.bounds)
        })  # fmt: skip
        object.__setattr__(self, "_window", (start, end))
        # quote_one's program: every key and callable resolved once, so a quote is a tight loop.
        program = []
        for c in self.coverages:
            steps = tuple(
                (f"{c.name}.{f.name}", f.clamp_of if isinstance(f, BoundedCoefficient) else f.relativity,
                 f"{c.name}.{f.name}.clamped" if isinstance(f, BoundedCoefficient) else None,
                 tuple(self._bounded.get((c.name, f.name), ())))
                for f in c.factors
            )  # fmt: skip
            constants = {**{f"loading_{name}_{c.name}": rate for name, rate in c.loadings},
                         f"divisor_{c.name}": c.divisor, f"fees_{c.name}": c.fee}  # fmt: skip
            program.append((c, steps, c.name, constants))
        object.__setattr__(self, "_program", tuple(program))
        columns = self._column_names()
        if len(set(columns)) != len(columns):
            repeated = sorted({x for x in columns if columns.count(x) > 1})
            raise PlanError(f"plan {self.name!r}: quote columns repeat: {repeated} (rename a coverage or loading)")

    # ------------------------------------------------------------- identity
    def content(self) -> dict[str, Any]:
        """The plan as plain data: what is saved and hashed."""
        return {
            "name": self.name,
            "version": self.version,
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
            "prohibited_columns": list(self.prohibited_columns),
            "bounds": [b.to_dict() for b in self.bounds],
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

    def coverage_summary(self) -> pd.DataFrame:
        """One row per coverage: base rate, its factors, loading, fee, tax rate and premium limits.

        Examples
        --------
        >>> from autorisk.rating import CategoricalFactor, Coverage
        >>> use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
        >>> plan = RatingPlan("demo", "2", (Coverage("tpl", 500.0, (use,), loadings={"expenses": 0.2}),))
        >>> plan.coverage_summary()[["base_rate", "factors", "loading"]]
                  base_rate factors  loading
        coverage
        tpl           500.0     use      0.2
        """
        rows = [
            {
                "coverage": c.name,
                "base_rate": c.base_rate,
                "factors": ", ".join(f.name for f in c.factors),
                "loading": c.loading,
                "fee": c.fee,
                "tax_rate": c.tax_rate,
                "min_premium": c.min_premium,
                "max_premium": c.max_premium,
                "rounding": c.rounding,
            }
            for c in self.coverages
        ]
        return pd.DataFrame(rows).set_index("coverage")

    def _heading(self) -> str:
        dates = ""
        if self.effective_from or self.effective_to:
            dates = f", effective {self.effective_from or '...'} to {self.effective_to or '...'}"
        return f"rating plan {self.name!r} version {self.version} (id {self.plan_id[:12]}){dates}"

    def __repr__(self) -> str:
        lines = [self._heading()]
        lines += [
            f"  {c.name}: base rate {c.base_rate:,.2f} x {len(c.factors)} factor(s)"
            + (f" ({', '.join(f.name for f in c.factors)})" if c.factors else "")
            + (f", loading {c.loading:.1%}" if c.loading else "")
            for c in self.coverages
        ]
        if self.bounds:
            lines.append("  bounds: " + "; ".join(f"{b.target} in {b.interval}" for b in self.bounds))
        if self.prohibited_columns:
            lines.append("  prohibited: " + ", ".join(self.prohibited_columns))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        parts = [f"<p><b>{html.escape(self._heading())}</b></p>", self.coverage_summary().to_html(na_rep="")]
        if self.bounds:
            bounds = pd.DataFrame([b.to_dict() for b in self.bounds]).drop(columns="source", errors="ignore")
            parts.append("<p>regulatory bounds</p>" + bounds.to_html(index=False, na_rep=""))
        if self.prohibited_columns:
            parts.append(f"<p>prohibited columns: {html.escape(', '.join(self.prohibited_columns))}</p>")
        return "".join(parts)

    @property
    def has_taxes(self) -> bool:
        return any(c.taxes for c in self.coverages)

    def coverage(self, name: str) -> Coverage:
        for coverage in self.coverages:
            if coverage.name == name:
                return coverage
        raise PlanError(f"plan {self.name!r} has no coverage {name!r}; coverages: {[c.name for c in self.coverages]}")

    def is_effective(self, date: Any) -> bool:
        """Whether the plan is in force on ``date``."""
        start, end = self._window
        day = pd.Timestamp(date)
        return (start is None or day >= start) and (end is None or day < end)

    # -------------------------------------------------------------- quoting
    def quote(
        self,
        policies: pd.DataFrame,
        *,
        errors: Literal["raise", "flag"] = "raise",
        as_of: Any = None,
        breakdown: bool = True,
    ) -> pd.DataFrame:
        """Premium per coverage and in total, with each factor's relativity, for every row.

        Parameters
        ----------
        policies : DataFrame
            One row per policy, with every column in :attr:`columns`.
        errors : {"raise", "flag"}
            ``"raise"``: one QuoteError listing every problem (field, rule,
            values, rows). ``"flag"``: rows that cannot be rated keep NaN
            premiums and say why in a ``quote_error`` column (empty string on
            good rows); nothing is raised for them.
        as_of : date or str, optional
            A date (the quote date), or the name of a date column (e.g. each
            policy's start date), checked against the plan's effective dates.
        breakdown : bool
            Include each factor's relativity (default). ``False`` returns only
            the premiums (and clamp columns): the same premiums, bit for bit,
            in a third of the memory, for batch re-rating of large books.

        Returns
        -------
        DataFrame
            Per coverage: ``<coverage>.<factor>`` (relativity applied),
            ``pure_<coverage>``, ``premium_<coverage>`` and, when the plan has
            taxes, ``tax_<coverage>``; then ``premium_total`` (and
            ``tax_total``, ``payable_total``), ``plan_id``, and for each bounded
            coefficient ``<coverage>.<factor>.clamped`` (-1, 0, +1).

        Raises
        ------
        QuoteError
            A missing column; or, with ``errors="raise"``, any value a factor
            cannot rate, a policy date outside the plan's effective dates, or
            a relativity outside a regulatory bound.
        """
        if errors not in ("raise", "flag"):
            raise QuoteError(f"errors must be 'raise' or 'flag', got {errors!r}")
        needed = self.columns + ([as_of] if isinstance(as_of, str) and as_of in policies.columns else [])
        missing = [c for c in needed if c not in policies.columns]
        if missing:
            raise QuoteError(DataIssue(", ".join(missing), "missing column", f"columns {self.columns}"))
        names = [*self._column_names(breakdown), "premium_total"]
        if self.has_taxes:
            names += ["tax_total", "payable_total"]
        position = {name: i for i, name in enumerate(names)}
        n = len(policies)
        # One (columns x rows) block filled in place: pandas wraps its transpose without copying.
        block = np.empty((len(names), n))
        total = block[position["premium_total"]]
        total[:] = 0.0
        taxes = block[position["tax_total"]] if self.has_taxes else None
        if taxes is not None:
            taxes[:] = 0.0
        scratch = None if breakdown else np.empty(n)
        codes = ColumnCodes(policies)
        first_row: dict[Factor, int] = {}  # coverages often share a factor: look it up once
        clamped: dict[Factor, np.ndarray] = {}
        extra_columns: dict[str, np.ndarray] = {}
        for coverage in self.coverages:
            c = coverage.name
            pure = block[position[f"pure_{c}"]]
            pure[:] = coverage.base_rate
            for factor in coverage.factors:
                relativity = block[position[f"{c}.{factor.name}"]] if scratch is None else scratch
                if scratch is None and factor in first_row:
                    relativity[:] = block[first_row[factor]]
                elif isinstance(factor, BoundedCoefficient):
                    raw = factor.raw(codes)
                    np.clip(raw, factor.lower, factor.upper, out=relativity)
                    clamped.setdefault(factor, factor.clamped(raw))
                else:
                    factor.lookup(codes, out=relativity)
                if factor in clamped:
                    extra_columns[f"{c}.{factor.name}.clamped"] = clamped[factor]
                self._check_bounds(c, factor, relativity, codes)
                pure *= relativity
                if scratch is None:
                    first_row.setdefault(factor, position[f"{c}.{factor.name}"])
            premium = block[position[f"premium_{c}"]]
            if breakdown:
                self._fill_breakdown(coverage, block, position, pure, premium, extra_columns)
            else:
                premium[:] = coverage.gross(pure)
            self._check_positive(c, premium, codes)
            total += premium
            if coverage.taxes:
                tax = block[position[f"tax_{c}"]]
                tax[:] = coverage.tax(premium)
                taxes += tax
        if taxes is not None:
            block[position["payable_total"]] = total + taxes
        if as_of is not None:
            self._check_dates(policies, as_of, codes)
        flags = self._handle_problems(codes, errors, n)
        result = pd.DataFrame(block.T, index=policies.index, columns=names, copy=False)
        result["plan_id"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [self._plan_id])
        for name, column in extra_columns.items():
            result[name] = column
        if flags is not None:
            bad, reasons = flags
            amounts = [c for c in names if c.startswith(_AMOUNTS)]
            result.loc[bad, amounts] = np.nan
            result["quote_error"] = reasons
        result.attrs["plan_id"] = self._plan_id
        return result

    @staticmethod
    def _fill_breakdown(coverage: Coverage, block: np.ndarray, position: dict[str, int], pure: np.ndarray,
                        premium: np.ndarray, extra_columns: dict[str, np.ndarray]) -> None:  # fmt: skip
        """Every step from the pure premium to the premium charged, one row of the block each."""
        c = coverage.name
        block[position[f"base_{c}"]] = coverage.base_rate
        for name, rate in coverage.loadings:
            block[position[f"loading_{name}_{c}"]] = rate
        block[position[f"divisor_{c}"]] = coverage.divisor
        block[position[f"fees_{c}"]] = coverage.fee
        unrounded = block[position[f"unrounded_{c}"]]
        unrounded[:] = coverage.unrounded(pure)
        rounded = coverage.rounded(unrounded)
        premium[:] = coverage.limited(rounded)
        np.subtract(rounded, unrounded, out=block[position[f"rounding_{c}"]])
        np.subtract(premium, rounded, out=block[position[f"limit_{c}"]])
        if coverage.taxes:
            block[position[f"tax_rate_{c}"]] = coverage.tax_rate
        if coverage.min_premium is not None:
            extra_columns[f"at_min_premium_{c}"] = premium == coverage.min_premium
        if coverage.max_premium is not None:
            extra_columns[f"at_max_premium_{c}"] = premium == coverage.max_premium

    def _column_names(self, breakdown: bool = True) -> list[str]:
        """The float columns of a quote, per coverage, in the order of the calculation."""
        names = []
        for coverage in self.coverages:
            c = coverage.name
            if breakdown:
                names += [f"base_{c}", *(f"{c}.{f.name}" for f in coverage.factors), f"pure_{c}"]
                names += [f"loading_{name}_{c}" for name, _ in coverage.loadings]
                names += [f"divisor_{c}", f"fees_{c}", f"unrounded_{c}", f"rounding_{c}", f"limit_{c}",
                          f"premium_{c}"]  # fmt: skip
                if coverage.taxes:
                    names += [f"tax_rate_{c}", f"tax_{c}"]
            else:
                names += [f"pure_{c}", f"premium_{c}"] + ([f"tax_{c}"] if coverage.taxes else [])
        return names

    def _check_bounds(self, coverage: str, factor: Factor, applied: np.ndarray, codes: ColumnCodes) -> None:
        for bound in self._bounded.get((coverage, factor.name), ()):
            low = -np.inf if bound.lower is None else bound.lower
            high = np.inf if bound.upper is None else bound.upper
            if applied.min(initial=np.inf) < low or applied.max(initial=-np.inf) > high:
                outside = (applied < low) | (applied > high)
                codes.report(factor.columns[0], f"{coverage}.{factor.name} outside regulatory bound",
                             f"a relativity in {bound.interval} ({bound.source or 'plan bound'})", outside)  # fmt: skip

    @staticmethod
    def _check_positive(coverage: str, premium: np.ndarray, codes: ColumnCodes) -> None:
        """A premium that under- or overflowed (0 or inf) is reported, never returned silently."""
        if premium.size and not (premium.min() > 0 and premium.max() < np.inf):
            bad = ~np.isnan(premium) & ~((premium > 0) & (premium < np.inf))
            if bad.any():
                codes.report(f"premium_{coverage}", "not positive and finite",
                             "relativities whose product is a positive finite premium", bad, premium)  # fmt: skip

    def _check_dates(self, policies: pd.DataFrame, as_of: Any, codes: ColumnCodes) -> None:
        start, end = self._window
        if start is None and end is None:
            return
        if isinstance(as_of, str) and as_of in policies.columns:
            days = pd.to_datetime(policies[as_of]).to_numpy()
            column = as_of
        else:
            days = np.full(len(policies), pd.Timestamp(as_of).to_datetime64())
            column = "as_of"
        outside = np.isnat(days)
        if start is not None:
            outside |= days < start.to_datetime64()
        if end is not None:
            outside |= days >= end.to_datetime64()
        if outside.any():
            window = f"a date in [{self.effective_from}, {self.effective_to or 'open'})"
            if column not in policies.columns:
                raise QuoteError(f"as_of {pd.Timestamp(as_of).date()}: plan {self.name!r} is not in force "
                                 f"(expected {window})")  # fmt: skip
            codes.report(column, "plan not in force", window, outside)

    @staticmethod
    def _handle_problems(codes: ColumnCodes, errors: str, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        if not codes.problems:
            return (np.zeros(n, dtype=bool), np.full(n, "", dtype=object)) if errors == "flag" else None
        if errors == "raise":
            raise QuoteError([p.issue for p in codes.problems])
        bad = np.zeros(n, dtype=bool)
        reasons = np.full(n, "", dtype=object)
        for problem in codes.problems:
            text = f"{problem.issue.column}: {problem.issue.rule} (expected {problem.issue.expected})"
            rows = np.flatnonzero(problem.mask)
            reasons[rows] = np.where(bad[rows], reasons[rows] + "; " + text, text)
            bad[rows] = True
        return bad, reasons

    def quote_one(self, policy: Mapping[str, Any], *, as_of: Any = None) -> dict[str, Any]:
        """Quote one policy (a mapping of attributes): same numbers and breakdown as :meth:`quote`.

        The premiums are bit-identical to the batch path: the same relativities
        multiplied in the same order in IEEE double precision.
        """
        if as_of is not None and not self.is_effective(as_of):
            raise QuoteError(f"as_of {as_of}: plan {self.name!r} is not in force "
                             f"[{self.effective_from}, {self.effective_to or 'open'})")  # fmt: skip
        out: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        total = 0.0
        tax_total = 0.0
        try:
            for coverage, steps, c, constants in self._program:
                out[f"base_{c}"] = premium = coverage.base_rate
                for key, relativity_of, clamp_key, bounds in steps:
                    if clamp_key is None:
                        relativity = relativity_of(policy)
                    else:
                        relativity, extras[clamp_key] = relativity_of(policy)
                    for bound in bounds:
                        if not bound.contains(relativity):
                            raise QuoteError(f"{key} = {relativity} outside regulatory bound {bound.interval}")
                    out[key] = relativity
                    premium = premium * relativity
                out[f"pure_{c}"] = premium
                out.update(constants)
                unrounded = coverage.unrounded(premium)
                if math.isfinite(unrounded):
                    rounded = unrounded if coverage.rounding is None else coverage.rounded(unrounded)
                    gross = rounded
                    if coverage.min_premium is not None:
                        gross = max(gross, coverage.min_premium)
                    if coverage.max_premium is not None:
                        gross = min(gross, coverage.max_premium)
                else:
                    rounded = gross = float(coverage.gross(premium))
                if not 0 < gross < float("inf"):
                    raise QuoteError(f"premium_{c} = {gross}: the relativities' product is not a positive finite "
                                     "premium")  # fmt: skip
                out[f"unrounded_{c}"] = unrounded
                out[f"rounding_{c}"] = rounded - unrounded
                out[f"limit_{c}"] = gross - rounded
                out[f"premium_{c}"] = gross
                if coverage.min_premium is not None:
                    extras[f"at_min_premium_{c}"] = gross == coverage.min_premium
                if coverage.max_premium is not None:
                    extras[f"at_max_premium_{c}"] = gross == coverage.max_premium
                total = total + gross
                if coverage.taxes:
                    tax = float(coverage.tax(gross))
                    out[f"tax_rate_{c}"] = coverage.tax_rate
                    out[f"tax_{c}"] = tax
                    tax_total = tax_total + tax
        except KeyError as error:
            raise QuoteError(f"missing field {error.args[0]!r}; the plan reads {self.columns}") from None
        out["premium_total"] = total
        if self.has_taxes:
            out["tax_total"] = tax_total
            out["payable_total"] = total + tax_total
        out["plan_id"] = self._plan_id
        out.update(extras)
        return out

    # ------------------------------------------------------------ overrides
    def override(self, coverage: str, factor: str, changes: Mapping[Any, float]) -> RatingPlan:
        """A copy of the plan with some relativities of one factor set by hand, recorded as overridden.

        ``changes`` maps a level to its new relativity: a category, a ladder
        level, a band (its position or its label, e.g. ``'[25, 30)'``) or, for
        an interaction, a ``(level_a, level_b)`` pair (added if not listed).

        Examples
        --------
        >>> from autorisk.rating import CategoricalFactor, Coverage
        >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
        >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
        >>> adjusted = plan.override("tpl", "region", {"south": 1.15})
        >>> adjusted.coverage("tpl").factors[0].overridden, adjusted.plan_id != plan.plan_id
        (('south',), True)
        """
        target = self.coverage(coverage)
        factors = list(target.factors)
        for i, current in enumerate(factors):
            if current.name == factor:
                factors[i] = _overridden(current, changes)
                break
        else:
            raise PlanError(f"coverage {coverage!r} has no factor {factor!r}; factors: {[f.name for f in factors]}")
        coverages = tuple(dataclasses.replace(c, factors=tuple(factors)) if c.name == coverage else c
                          for c in self.coverages)  # fmt: skip
        return dataclasses.replace(self, coverages=coverages)

    # ---------------------------------------------------------- persistence
    def to_json(self, *, compact: bool = False) -> str:
        """The plan as a JSON document (format, plan id, content); ``compact`` drops the indentation."""
        document = {"format": FORMAT, "plan_id": self.plan_id, "content": self.content()}
        return json.dumps(document, separators=(",", ":")) if compact else json.dumps(document, indent=2)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json())
        return path

    @classmethod
    def from_json(cls, text: str) -> RatingPlan:
        """Parse a plan, checking its format, that its content matches its recorded id, and its rules."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise PlanError(f"not a JSON rating plan: {error}") from None
        version = document.get("format") if isinstance(document, dict) else None
        if version not in _READABLE:
            raise PlanError(f"unsupported plan format {version!r}; expected one of {list(_READABLE)}")
        content = document.get("content")
        if not isinstance(content, dict):
            raise PlanError("plan document has no 'content' object")
        recorded = document.get("plan_id")
        actual = _content_hash(content)
        if recorded != actual:
            raise PlanError(f"plan content does not match its id: recorded {recorded}, content hashes to {actual}")
        try:
            coverages = [_upgrade_coverage(c) if version != FORMAT else c for c in content["coverages"]]
            return cls(
                content["name"], content["version"], tuple(Coverage.from_dict(c) for c in coverages),
                content.get("effective_from"), tuple(content.get("prohibited_columns", ())),
                tuple(Bound.from_dict(b) for b in content.get("bounds", ())), content.get("effective_to"),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, IndexError) as error:
            if isinstance(error, PlanError):
                raise
            raise PlanError(f"invalid plan content: {error!r}") from None

    @classmethod
    def load(cls, path: str | Path) -> RatingPlan:
        """Read a plan saved by :meth:`save` (never executes code: JSON only)."""
        return cls.from_json(Path(path).read_text())


@functools.lru_cache(maxsize=8)
def cached_plan(text: str) -> RatingPlan:
    """The plan of a JSON document, parsed and hash-checked once per process (batch jobs on workers)."""
    return RatingPlan.from_json(text)


def select_plan(plans: list[RatingPlan] | tuple[RatingPlan, ...], date: Any) -> RatingPlan:
    """The one plan in force on ``date`` among versions of a tariff; PlanError if none or several.

    Parameters
    ----------
    plans : sequence of RatingPlan
        Versions of one tariff with their ``effective_from`` / ``effective_to``.
    date : date-like
        The date a policy is rated at (e.g. its period start).

    Returns
    -------
    RatingPlan

    Raises
    ------
    PlanError
        If no plan, or more than one, is in force on ``date``.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> tpl = Coverage("tpl", 500.0)
    >>> old = RatingPlan("t", "1", (tpl,), effective_from="2026-01-01", effective_to="2027-01-01")
    >>> new = RatingPlan("t", "2", (tpl,), effective_from="2027-01-01")
    >>> select_plan([old, new], "2027-03-01").version
    '2'
    >>> select_plan([old, new], "2025-06-01")
    Traceback (most recent call last):
    ...
    autorisk.errors.PlanError: 0 plans in force on 2025-06-01 (expected exactly one): []
    """
    in_force = [p for p in plans if p.is_effective(date)]
    if len(in_force) != 1:
        found = [f"{p.name} v{p.version}" for p in in_force]
        raise PlanError(f"{len(in_force)} plans in force on {pd.Timestamp(date).date()} (expected exactly one): {found}")
    return in_force[0]


def _content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _iso_date(plan: str, label: str, value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value)))
    except ValueError:
        raise PlanError(f"plan {plan!r}: {label} must be an ISO date YYYY-MM-DD, got {value!r}") from None


def _upgrade_coverage(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 coverage (one ``loading`` and one ``fee``) in the version-2 layout."""
    out = {k: v for k, v in data.items() if k not in ("loading", "fee")}
    out["loadings"] = {"loading": data["loading"]} if data.get("loading") else {}
    out["fees"] = {"fee": data["fee"]} if data.get("fee") else {}
    return out


def _overridden(factor: Factor, changes: Mapping[Any, float]) -> Factor:
    if isinstance(factor, BoundedCoefficient):
        raise PlanError(f"factor {factor.name!r} is a bounded coefficient: it has no table to override")
    if isinstance(factor, InteractionFactor):
        cells = {(a, b): v for a, b, v in factor.cells}
        cells.update({tuple(k): float(v) for k, v in changes.items()})
        overridden = tuple(dict.fromkeys([*factor.overridden, *map(tuple, changes)]))
        return dataclasses.replace(factor, cells=tuple((a, b, v) for (a, b), v in cells.items()), overridden=overridden)
    keys = list(range(len(factor.values))) if isinstance(factor, BandFactor) else list(factor.levels)
    labels = factor.labels() if isinstance(factor, BandFactor) else keys
    values = list(factor.values)
    touched = []
    for level, value in changes.items():
        if level in labels:
            position = labels.index(level)
        elif level in keys:
            position = keys.index(level)
        else:
            raise PlanError(f"factor {factor.name!r} has no level {level!r}; levels: {labels}")
        values[position] = float(value)
        touched.append(keys[position])
    overridden = tuple(dict.fromkeys([*factor.overridden, *touched]))
    return dataclasses.replace(factor, values=tuple(values), overridden=overridden)
