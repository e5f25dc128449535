"""Optimised renewal offers as a batch job: multipliers found once, then applied chunk by chunk.

For fixed Lagrange multipliers the optimiser's problem separates over
policies, so once the multipliers are known (on the whole book, or a seeded
sample of it) each chunk is priced on its own: every row's offer depends only
on that row and the multipliers, whatever the chunking or the engine.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.optimise.constraints import (
    Constraint,
    MaxAverageChange,
    MinRetention,
    MinVolume,
    SegmentChange,
    SegmentRetention,
)
from autorisk.renewal.rescore import RenewalRules, reasons, round_within

#: A per-row Lagrangian term: (what it rewards, column or None, level or None, multiplier per row).
Term = tuple[str, str | None, Any, float]
#: Column of the technical premium quoted from the plan (``technical_from_plan=True``).
PLAN_TECHNICAL = "technical_premium_from_plan"


@functools.lru_cache(maxsize=4)
def _plan(text: str) -> Any:
    """The plan of a job, parsed once per process."""
    from autorisk.rating import RatingPlan

    return RatingPlan.from_json(text)


def _with_plan_technical(book: pd.DataFrame, plan: Any) -> pd.DataFrame:
    """The book with the plan's total premium of each policy as its technical premium."""
    return book.assign(**{PLAN_TECHNICAL: plan.quote(book, breakdown=False)["premium_total"].to_numpy()})


def _terms(constraint: Constraint, lam: list[float], book: pd.DataFrame, current: np.ndarray) -> list[Term]:
    """The multipliers of one constraint's rows, per policy: ``lam_k`` times its per-policy normalisation."""
    n = len(book)
    if isinstance(constraint, MinRetention):
        total = n if constraint.weights is None else float(book[constraint.weights].sum())
        return [("retention", constraint.weights, None, lam[0] / total)]
    if isinstance(constraint, MinVolume):
        return [("volume", None, None, lam[0] / n)]
    if isinstance(constraint, MaxAverageChange):
        return [("price", None, None, -lam[0] / current.sum()) if constraint.weighted
                else ("change", None, None, -lam[0] / n)]  # fmt: skip
    out: list[Term] = []
    levels = book[constraint.column]
    if isinstance(constraint, SegmentRetention):
        for (level, _), x in zip(constraint.targets.items(), lam, strict=True):
            out.append(("retention_in", constraint.column, level, x / int((levels == level).sum())))
        return out
    if isinstance(constraint, SegmentChange):
        k = 0
        for level, (low, high) in constraint.bounds.items():
            count = int((levels == level).sum())
            for side, bound in ((1.0, low), (-1.0, high)):
                if bound is not None:
                    out.append(("change_in", constraint.column, level, side * lam[k] / count))
                    k += 1
        return out
    raise ParameterError(f"unknown constraint {constraint!r}")


@dataclass(frozen=True, repr=False)
class OptimisedRenewalJob:
    """Optimised renewal offers for each chunk of a book (the :class:`~autorisk.batch.Job` protocol).

    Build it with :meth:`from_book`, which finds the multipliers with
    :func:`~autorisk.optimise.optimise_offers` on the book (or a seeded
    sample); each chunk is then solved at those multipliers, so the output
    does not depend on the chunking (Dask output equals local output). On a
    sample the constraints hold on the sample exactly and on the book in
    expectation; either way they hold before rounding (rounding moves each
    price by at most half a unit; :func:`~autorisk.optimise.optimise_offers`
    also corrects for it, a chunk cannot).

    Parameters
    ----------
    demand : fitted demand model
        The model (sent to each process with the job).
    rules_json : str
        :class:`RenewalRules` as JSON.
    terms : tuple
        The per-policy multipliers: ``(kind, column, level, value)``.
    expected_cost, current, technical, new_business : str or None
        Columns, as for :func:`~autorisk.optimise.optimise_offers`.
    expenses : float or str
        Expenses per policy (an amount or a column).
    expense_ratio : float
        Expenses as a share of the price.
    grid : int
        Prices per policy on the grid.
    keep : tuple of str
        Columns copied to the offers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autorisk.optimise import MinRetention
    >>> class Demand:
    ...     def reads_columns(self): return set()
    ...     def log_linear_price_response(self, X): return np.full(len(X), 4 + 6 * np.log(100)), np.full(len(X), -6.0)
    ...     def predict_retention(self, X, price=None): return 1 / (1 + np.exp(-(4 - 6 * np.log(price / 100))))
    >>> book = pd.DataFrame({"policy_id": range(4), "prem_last": [100.0, 100.0, 120.0, 90.0], "cost": [70.0, 80.0, 75, 72]})
    >>> rules = RenewalRules(max_increase=0.3, max_decrease=0.3, new_business_rule=False)
    >>> job = OptimisedRenewalJob.from_book(book, Demand(), expected_cost="cost", rules=rules,
    ...                                     constraints=[MinRetention(0.95)])
    >>> whole = job(book)["offered_premium"].tolist()
    >>> whole == job(book.iloc[:1])["offered_premium"].tolist() + job(book.iloc[1:])["offered_premium"].tolist()
    True
    """

    demand: Any
    rules_json: str
    terms: tuple[Term, ...]
    expected_cost: str
    current: str = "prem_last"
    technical: str | None = None
    new_business: str | None = None
    expenses: float | str = 0.0
    expense_ratio: float = 0.0
    grid: int = 101
    keep: tuple[str, ...] = ("policy_id",)
    plan_json: str | None = None

    @classmethod
    def from_book(
        cls,
        book: pd.DataFrame,
        demand: Any,
        *,
        expected_cost: str,
        current: str = "prem_last",
        technical: str | None = None,
        new_business: str | None = None,
        expenses: float | str = 0.0,
        expense_ratio: float = 0.0,
        rules: RenewalRules | None = None,
        constraints: Sequence[Constraint] = (),
        grid: int = 101,
        plan: Any = None,
        keep: Sequence[str] = ("policy_id",),
        sample: int | None = None,
        seed: int = 0,
        technical_from_plan: bool = False,
    ) -> OptimisedRenewalJob:
        """Find the multipliers on ``book`` (or ``sample`` rows of it drawn with ``seed``) and build the job.

        Parameters
        ----------
        book, demand, expected_cost, current, technical, new_business, expenses, expense_ratio, rules, constraints, grid, plan, keep
            As for :func:`~autorisk.optimise.optimise_offers` (the premium inputs as column names).
        sample : int, optional
            Find the multipliers on this many rows of ``book`` (seeded) rather than on all of it.
        seed : int
            Seed of the sample.
        technical_from_plan : bool
            Quote each policy with ``plan`` (its total premium) for the
            technical premium, in :meth:`from_book` and in every chunk,
            instead of reading a ``technical`` column.

        Returns
        -------
        OptimisedRenewalJob

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> class Flat:
        ...     def reads_columns(self): return set()
        ...     def predict_retention(self, X, price=None): return np.full(np.shape(price), 0.9)
        >>> job = OptimisedRenewalJob.from_book(pd.DataFrame({"prem_last": [100.0], "cost": [50.0]}), Flat(),
        ...                                     expected_cost="cost", rules=RenewalRules(new_business_rule=False))
        >>> job.terms
        ()
        """
        from autorisk.optimise.optimiser import optimise_offers

        plan_json = None
        if technical_from_plan:
            if plan is None or technical is not None:
                raise ParameterError("technical_from_plan=True quotes the technical premium with plan=: give a plan "
                                     "and no technical= column")  # fmt: skip
            plan_json = plan.to_json(compact=True)
            book, technical = _with_plan_technical(book, plan), PLAN_TECHNICAL
        if sample is not None and sample < len(book):
            index = np.sort(np.random.default_rng(seed).choice(len(book), size=sample, replace=False))
            book = book.iloc[index]
        rules = rules or RenewalRules()
        result = optimise_offers(book, demand, expected_cost=expected_cost, current=current, technical=technical,
                                 new_business=new_business, expenses=expenses, expense_ratio=expense_ratio,
                                 rules=rules, constraints=constraints, grid=grid, plan=plan, keep=keep,
                                 sample=None)  # fmt: skip
        lam, cur = list(result.multipliers.values()), result.offers["current_premium"].to_numpy()
        terms: list[Term] = []
        k = 0
        for constraint in constraints:
            size = len(constraint.compile(book, cur))
            terms += [t for t in _terms(constraint, lam[k:k + size], book, cur) if t[3] != 0.0]
            k += size
        return cls(demand, json.dumps(rules.to_dict(), sort_keys=True, default=str), tuple(terms), expected_cost,
                   current, technical, new_business, expenses, float(expense_ratio), int(grid), tuple(keep),
                   plan_json)  # fmt: skip

    @property
    def rules(self) -> RenewalRules:
        return RenewalRules.from_dict(json.loads(self.rules_json))

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns read: kept ones, the model's, the premiums, costs and the segment columns."""
        technical = None if self.plan_json else self.technical  # quoted from the plan, not read
        named = [self.current, self.expected_cost, technical, self.new_business,
                 self.expenses if isinstance(self.expenses, str) else None,
                 *(t[1] for t in self.terms), self.rules.segment]  # fmt: skip
        offered = (getattr(self.demand, "price_columns_", {}) or {}).get("offered")
        model = sorted(c for c in self.demand.reads_columns() if c != offered)
        plan = list(_plan(self.plan_json).columns) if self.plan_json else []
        return tuple(dict.fromkeys([*self.keep, *model, *(c for c in named if c), *plan]))

    def fingerprint(self) -> str:
        """SHA-256 of what decides the offers: the model's class and columns, rules, multipliers, columns."""
        content = {"job": "optimised_renewal", "model": type(self.demand).__qualname__,
                   "model_fingerprint": getattr(self.demand, "fingerprint", lambda: None)(),
                   "reads": sorted(self.demand.reads_columns()), "rules": self.rules_json,
                   "terms": [[k, c, str(level), repr(x)] for k, c, level, x in self.terms],
                   "columns": [self.expected_cost, self.current, self.technical, self.new_business, str(self.expenses)],
                   "expense_ratio": self.expense_ratio, "grid": self.grid, "keep": list(self.keep),
                   "plan": _plan(self.plan_json).plan_id if self.plan_json else None}  # fmt: skip
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()

    def describe(self) -> dict[str, Any]:
        """What the run metadata records about the job."""
        return {"type": "OptimisedRenewalJob", "model": type(self.demand).__qualname__,
                "rules": json.loads(self.rules_json), "multipliers": [list(t) for t in self.terms], "grid": self.grid}

    def __repr__(self) -> str:
        return f"OptimisedRenewalJob({type(self.demand).__name__}, {len(self.terms)} multipliers, grid={self.grid})"

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        from autorisk.optimise.optimiser import build_problem
        from autorisk.optimise.result import _flags, retention_at

        if self.plan_json:
            chunk = _with_plan_technical(chunk, _plan(self.plan_json))
        problem, context = build_problem(chunk, self.demand, expected_cost=self.expected_cost, current=self.current,
                                         technical=self.technical, new_business=self.new_business,
                                         expenses=self.expenses, expense_ratio=self.expense_ratio, rules=self.rules,
                                         constraints=(), grid=self.grid, plan=None)  # fmt: skip
        A, B, C = problem.coefficients(np.zeros(0))
        cur = context["current"]
        for kind, column, level, x in self.terms:
            rows = 1.0 if level is None else (chunk[column] == level).to_numpy(dtype=float, na_value=0.0)
            if kind == "retention":
                A += x * (1.0 if column is None else chunk[column].to_numpy(dtype=float))
            elif kind == "retention_in":
                A += x * rows
            elif kind == "volume":
                B += x
            elif kind == "price":
                C += x
            else:  # change, change_in: a multiple of price / current
                C += x * rows / cur
        inner = problem.solver.solve(A, B, C)
        rules = context["rules"]
        offer = inner.p if rules.rounding is None else round_within(inner.p.copy(), rules.rounding, problem.lo,
                                                                    problem.hi)  # fmt: skip
        P = retention_at(problem, context, offer)
        flags = _flags(offer, problem, context)
        out = chunk[[c for c in self.keep if c in chunk.columns]].copy()
        out["current_premium"] = cur
        out["technical_premium"] = np.nan if context["technical"] is None else context["technical"]
        out["new_business_premium"] = context["new_business"]
        out["offered_premium"] = offer
        out["change"] = offer / cur - 1.0
        out["retention"] = P
        out["expected_profit"] = P * (offer * (1.0 - problem.ratio) - problem.cost)
        out["rule_flags"] = flags
        out["reason"] = reasons(flags)
        return out


__all__ = ["OptimisedRenewalJob"]
