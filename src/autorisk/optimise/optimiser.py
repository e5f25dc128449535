"""``optimise_offers``: the renewal price per policy that maximises expected profit within the rules and targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ModelError, ParameterError, SchemaError
from autorisk.optimise.constraints import Constraint, Linear
from autorisk.optimise.inner import Demand
from autorisk.optimise.problem import InfeasibleTargetError, _Problem, relative_gap
from autorisk.optimise.result import (
    Frontier,
    OptimisationResult,
    build_result,
    retention_at,
    sweep_frontier,
)
from autorisk.renewal.rescore import RenewalRules, offer_bounds, round_within

#: How each kind of constraint shows its target and best value: (what, transform of the value).
_SHOWN = {"min_retention": ("the best retention", lambda v, n: v),
          "segment_retention": ("the best retention of the segment", lambda v, n: v),
          "min_volume": ("the largest expected premium volume", lambda v, n: v * n),
          "max_average_change": ("the lowest average change", lambda v, n: -v - 1.0),
          "segment_change_max": ("the lowest average change of the segment", lambda v, n: -v - 1.0),
          "segment_change_min": ("the highest average change of the segment", lambda v, n: v - 1.0)}


def optimise_offers(
    book: pd.DataFrame,
    demand: Any,
    *,
    expected_cost: str | Sequence[float] | np.ndarray,
    current: str | Sequence[float] | np.ndarray = "prem_last",
    technical: str | Sequence[float] | np.ndarray | None = None,
    new_business: str | Sequence[float] | np.ndarray | None = None,
    expenses: float | str | Sequence[float] | np.ndarray = 0.0,
    expense_ratio: float = 0.0,
    rules: RenewalRules | None = None,
    constraints: Sequence[Constraint] = (),
    grid: int = 101,
    plan: Any = None,
    keep: Sequence[str] = ("policy_id",),
    by: str | None = None,
    sample: int | None = 20_000,
    seed: int = 0,
    gap_tol: float = 1e-5,
    refine: bool = False,
) -> OptimisationResult:
    """Renewal offers that maximise expected profit subject to retention, volume and change targets.

    Maximises ``sum_i P_i(p_i) (p_i (1 - expense_ratio) - cost_i - expenses_i)``
    over one price per policy, each within the range :class:`RenewalRules`
    allows (:func:`autorisk.renewal.rescore.offer_bounds`: the caps around the
    current premium, at most the new-business price, at least the minimum
    premium), subject to ``constraints``. The Lagrangian separates into one
    problem per policy, solved on a grid of ``grid`` prices between its bounds
    and refined by Newton steps when the demand model's logit is linear in log
    price (``log_linear_price_response``); the multipliers are found by
    regula falsi on each constraint in turn (first on a seeded sample of the
    book, then on the whole book). Offers are finally rounded as
    :func:`~autorisk.renewal.renewal_offers` rounds (never across a bound).

    Parameters
    ----------
    book : DataFrame
        The renewals: the demand model's columns and the premium columns named below.
    demand : fitted demand model
        Implements ``predict_retention(X, price)``, ``reads_columns()`` and,
        optionally, ``log_linear_price_response(X)`` (see :mod:`autorisk.optimise`).
    expected_cost : str or array
        Expected claims cost per policy (column or values, finite, >= 0).
    current : str or array
        Current premium (finite, > 0): the caps apply around it.
    technical : str or array, optional
        Technical premium (reported, and the capped-technical comparison);
        also the new-business price when ``new_business`` is not given.
    new_business : str or array, optional
        Price a new customer would pay (the new-business-price rule).
    expenses : float, str or array
        Expenses per policy, an amount (a column or values).
    expense_ratio : float
        Expenses as a share of the price, in [0, 1).
    rules : RenewalRules, optional
        Caps, new-business-price rule, minimum premium, rounding (default :class:`RenewalRules()`).
    constraints : sequence
        :class:`MinRetention`, :class:`MinVolume`, :class:`MaxAverageChange`,
        :class:`SegmentRetention`, :class:`SegmentChange`.
    grid : int
        Prices per policy on the grid (>= 2).
    plan : RatingPlan, optional
        A demand model reading one of ``plan.prohibited_columns`` is refused.
    keep : sequence of str
        Columns copied to the offers (those present); ``by`` and the rules' segment are copied too.
    by : str, optional
        Segment of the summary (default: the rules' segment column).
    sample : int or None
        Size of the seeded sample the multipliers are first found on (books
        larger than twice this); None: the whole book from the start.
    seed : int
        Seed of the sample.
    gap_tol : float
        Stop when a multiplier's complementary slackness is below this share of the profit.
    refine : bool
        Also refine the prices of a model without ``log_linear_price_response``
        by golden-section search between the grid neighbours of each policy's
        best grid price (24 model calls per evaluation of the multipliers);
        by default such a model is solved on the grid (a GBM's retention is
        a step function of price, where refining gains nothing). The fast path
        is always refined (Newton).

    Returns
    -------
    OptimisationResult
        ``offers``, ``summary``, ``comparison``, ``constraints``, ``multipliers``, ``duality_gap``, ``frontier()``.

    Raises
    ------
    SchemaError
        A column the demand model or the premiums need is missing.
    DataError
        A premium or cost is NaN, infinite or out of range (naming rows and values).
    InfeasibleTargetError
        A target no price within the rules can meet; the message gives the best the rules allow.
    ModelError
        The demand model reads a column the plan prohibits.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autorisk.optimise import MinRetention
    >>> class Demand:  # logit P = 4 - 6 log(price / 100): a log-linear reference model
    ...     price_columns_ = {"offered": "price"}
    ...     def reads_columns(self): return {"price"}
    ...     def log_linear_price_response(self, X): return np.full(len(X), 4 + 6 * np.log(100)), np.full(len(X), -6.0)
    ...     def predict_retention(self, X, price=None):
    ...         return 1 / (1 + np.exp(-(4 - 6 * np.log(np.asarray(price) / 100))))
    >>> book = pd.DataFrame({"prem_last": [100.0, 100.0], "cost": [70.0, 80.0]})
    >>> result = optimise_offers(book, Demand(), expected_cost="cost", constraints=[MinRetention(0.95)],
    ...                          rules=RenewalRules(max_increase=0.3, max_decrease=0.3, new_business_rule=False))
    >>> result.offers["offered_premium"].tolist(), float(round(result.offers["retention"].mean(), 4))
    ([118.93, 119.53], 0.95)

    ``scipy.optimize.minimize`` (SLSQP) on the same two-policy problem finds 118.933 and 119.533.
    >>> result.duality_gap < 1e-6
    True
    """
    problem, context = build_problem(book, demand, expected_cost=expected_cost, current=current, technical=technical,
                                     new_business=new_business, expenses=expenses, expense_ratio=expense_ratio,
                                     rules=rules, constraints=constraints, grid=grid, plan=plan,
                                     refine=refine)  # fmt: skip
    if not isinstance(gap_tol, int | float) or not gap_tol > 0:
        raise ParameterError(f"gap_tol must be > 0, got {gap_tol!r}")
    n, K = len(book), len(problem.constraints)
    start, slopes = np.zeros(K), None
    if K and sample is not None and n > 2 * sample:
        rng = np.random.default_rng(seed)
        index = np.sort(rng.choice(n, size=sample, replace=False))
        sub = [c.subset(index, np.abs(_coef(c)).sum() / max(np.abs(_coef(c)[index]).sum(), 1e-300))
               for c in problem.constraints]  # fmt: skip
        small = _Problem(problem.lo[index], problem.hi[index], problem.cost[index], problem.ratio,
                         problem.demand.take(index), sub, grid)  # fmt: skip
        _check_feasible(small, problem)
        # The sample's objective sums over fewer policies: its multipliers, and slopes, scale by n / sample.
        start = small.search(start, gap_tol).lam * (n / sample)
        slopes = small.slopes() * (sample / n)
    elif K:
        _check_feasible(problem, problem)
    try:
        problem.search(start, gap_tol, slopes=slopes)
    except InfeasibleTargetError as error:
        _check_feasible(problem, problem)
        raise _together(problem) from error
    targets = [c.rhs for c in problem.constraints]
    best, offer, P = _rounded(problem, context)
    for _ in range(5):
        # Rounding moves each price by up to half a unit: when that breaks a constraint, tighten it by
        # twice the shortfall and search again from the multipliers found.
        short = [t - c.value(P, offer) for t, c in zip(targets, problem.constraints, strict=True)]
        if max(short, default=0.0) <= 0:
            break
        _check_rounded_feasible(problem, context, short, targets)
        problem.constraints = [replace(c, rhs=min(t + 2 * s, problem.best_possible(k))) if s > 0 else c
                               for k, (c, t, s) in enumerate(zip(problem.constraints, targets, short, strict=True))]  # fmt: skip
        slopes = problem.slopes()
        problem.history = []
        problem.search(best.lam, gap_tol, slopes=slopes)
        best, offer, P = _rounded(problem, context)
    gap = max(relative_gap(problem.dual_bound(), best.profit), 0.0)
    result = build_result(problem, context, best, gap, offer, P, keep=keep, by=by)
    result.constraints["target"] = [_display_target(c, t, n) for c, t in zip(problem.constraints, targets, strict=True)]
    return result


def _rounded(problem: _Problem, context: dict[str, Any]) -> tuple[Any, np.ndarray, np.ndarray]:
    """The best feasible point of the search, its prices rounded as the renewal rules round, their retention."""
    best = problem.feasible_best()
    if best is None:
        raise _together(problem)
    offer, rules = best.inner.p.copy(), context["rules"]
    if rules.rounding is None:
        return best, offer, best.inner.P
    offer = round_within(offer, rules.rounding, problem.lo, problem.hi)
    return best, offer, retention_at(problem, context, offer)


def _display_target(c: Linear, target: float, n: int) -> float:
    from autorisk.optimise.result import _display

    return _display(replace(c, rhs=target), n)


def _result(problem: _Problem, context: dict[str, Any], keep: Sequence[str], by: str | None) -> OptimisationResult:
    best = problem.feasible_best()
    if best is None:
        raise _together(problem)
    gap = max(relative_gap(problem.dual_bound(), best.profit), 0.0)
    return build_result(problem, context, best, gap, keep=keep, by=by)


def _coef(c: Linear) -> np.ndarray:
    return np.abs(c.alpha) + np.abs(c.beta) + np.abs(c.gamma)


def _together(problem: _Problem) -> InfeasibleTargetError:
    """The error for constraints each feasible alone but not together; ``best`` is the first one's best alone."""
    c, n = problem.constraints[0], len(problem.lo)
    return InfeasibleTargetError("the constraints could not be met together: " + ", ".join(
        d.name for d in problem.constraints), best=_SHOWN[c.name.split("[")[0]][1](problem.best_possible(0), n))  # fmt: skip


def _check_rounded_feasible(problem: _Problem, context: dict[str, Any], short: list[float],
                            targets: list[float]) -> None:  # fmt: skip
    """Raise InfeasibleTargetError for a constraint rounding breaks at its best (the limit is tightened already)."""
    rules, n = context["rules"], len(problem.lo)
    for k, (c, t, s) in enumerate(zip(problem.constraints, targets, short, strict=True)):
        if s > 0 and rules.rounding is not None and c.rhs >= problem.best_possible(k):
            inner = problem.solver.solve(c.alpha, c.beta, c.gamma)
            offer = round_within(inner.p.copy(), rules.rounding, problem.lo, problem.hi)
            value = c.value(retention_at(problem, context, offer), offer)
            if value >= t:
                continue
            what, shown = _SHOWN[c.name.split("[")[0]]
            best = shown(value, n)
            raise InfeasibleTargetError(
                f"{c.name} target {shown(t, n):.6g} cannot be met with prices rounded to {rules.rounding:g}: "
                f"{what} the rounded prices allow is {best:.6g}", best=best)  # fmt: skip


def _check_feasible(problem: _Problem, full: _Problem) -> None:
    """Raise InfeasibleTargetError for a constraint the rules cannot meet (confirmed on the whole book)."""
    for k, c in enumerate(problem.constraints):
        if problem.best_possible(k) < c.rhs - 1e-12 * (1 + abs(c.rhs)):
            best = full.best_possible(k) if full is not problem else problem.best_possible(k)
            if best < full.constraints[k].rhs - 1e-12 * (1 + abs(c.rhs)):
                what, shown = _SHOWN[c.name.split("[")[0]]
                n = len(full.lo)
                raise InfeasibleTargetError(
                    f"{c.name} target {shown(c.rhs, n):.6g} cannot be met: {what} the rules allow is "
                    f"{shown(best, n):.6g}", best=shown(best, n))  # fmt: skip


def build_problem(book: pd.DataFrame, demand: Any, *, expected_cost: Any, current: Any, technical: Any,
                  new_business: Any, expenses: Any, expense_ratio: float, rules: RenewalRules | None,
                  constraints: Sequence[Constraint], grid: int, plan: Any,
                  refine: bool = False) -> tuple[_Problem, dict[str, Any]]:  # fmt: skip
    """Validate the inputs and build the problem arrays (shared by the optimiser and the frontier)."""
    if not isinstance(book, pd.DataFrame) or len(book) == 0:
        raise DataError("book must be a non-empty DataFrame", table="book")
    rules = rules or RenewalRules()
    if not isinstance(grid, int | np.integer) or grid < 2:
        raise ParameterError(f"grid must be an integer >= 2, got {grid!r}")
    if not (isinstance(expense_ratio, int | float) and 0 <= expense_ratio < 1):
        raise ParameterError(f"expense_ratio must be a share in [0, 1), got {expense_ratio!r}")
    for method in ("predict_retention", "reads_columns"):
        if not callable(getattr(demand, method, None)):
            raise ParameterError(f"demand must be a fitted demand model with {method}(); got {type(demand).__name__}")
    reads = set(demand.reads_columns())
    banned = sorted(reads & set(getattr(plan, "prohibited_columns", ()) or ()))
    if banned:
        raise ModelError(f"the demand model reads prohibited columns {banned} of plan "
                         f"{getattr(plan, 'name', '?')!r}; refit it without them")  # fmt: skip
    offered_col = (getattr(demand, "price_columns_", {}) or {}).get("offered")
    missing = sorted(c for c in reads - set(book.columns) if c != offered_col)
    if missing:
        raise SchemaError(DataIssue(", ".join(missing), "missing column", "the columns the demand model reads"),
                          table="book")  # fmt: skip
    cur = _values(book, current, "current", positive=True)
    cost = _values(book, expected_cost, "expected_cost")
    tech = None if technical is None else _values(book, technical, "technical", positive=True)
    nb = tech if new_business is None else _values(book, new_business, "new_business", positive=True)
    if nb is None:
        if rules.new_business_rule:
            raise ParameterError("the new-business-price rule needs new_business= or technical= (its price)")
        nb = np.full(len(book), np.inf)
    exp = _values(book, expenses, "expenses") if not isinstance(expenses, int | float) else None
    if exp is None:
        if not (np.isfinite(expenses) and expenses >= 0):
            raise ParameterError(f"expenses must be a finite amount >= 0, got {expenses!r}")
        exp = np.full(len(book), float(expenses))
    upper, lower, ceiling, floor = offer_bounds(rules, book, cur, nb)
    X = book if offered_col is None or offered_col in book.columns else book.assign(**{offered_col: cur})
    dem = _demand(demand, X)
    dem.golden = bool(refine) and not dem.log_linear
    compiled = [row for c in constraints for row in _compile(c, book, cur)]
    problem = _Problem(floor, ceiling, cost + exp, float(expense_ratio), dem, compiled, int(grid))
    context = {"book": book, "current": cur, "technical": tech, "new_business": nb, "expected_cost": cost,
               "expenses": exp, "rules": rules, "upper": upper, "lower": lower, "model": demand, "X": X}  # fmt: skip
    return problem, context


def _compile(c: Any, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
    if not callable(getattr(c, "compile", None)):
        raise ParameterError(f"constraints must be MinRetention, MinVolume, MaxAverageChange, SegmentRetention "
                             f"or SegmentChange objects, got {c!r}")  # fmt: skip
    return c.compile(book, current)


def _demand(model: Any, X: pd.DataFrame) -> Demand:
    response = model.log_linear_price_response(X) if callable(getattr(model, "log_linear_price_response", None)) \
        else None  # fmt: skip
    if response is None:
        return Demand(None, None, model, X)
    a, b = (np.asarray(v, dtype=float).reshape(-1) for v in response)
    if a.shape != (len(X),) or b.shape != (len(X),) or not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ModelError(f"log_linear_price_response must give finite arrays of {len(X)} values")
    return Demand(a, b)


def _values(book: pd.DataFrame, spec: Any, label: str, positive: bool = False) -> np.ndarray:
    """A column of ``book`` (by name) or per-row values, checked finite and > 0 (``positive``) or >= 0."""
    if isinstance(spec, str):
        if spec not in book.columns:
            raise SchemaError(DataIssue(spec, "missing column", f"the {label} column"), table="book")
        shown, column = book[spec], spec
        values = shown.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = np.asarray(spec, dtype=float).reshape(-1)
        shown, column = values, label
        if values.shape != (len(book),):
            raise DataError(f"{label}: {values.size} values for {len(book)} policies", table="book")
    bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():
        raise DataError(DataIssue.from_mask(column, "not a positive amount" if positive else "not an amount >= 0",
                                            "finite values > 0" if positive else "finite values >= 0", bad,
                                            book.index, shown), table="book")  # fmt: skip
    return values


def efficient_frontier(
    book: pd.DataFrame,
    demand: Any,
    *,
    expected_cost: str | Sequence[float] | np.ndarray,
    current: str | Sequence[float] | np.ndarray = "prem_last",
    technical: str | Sequence[float] | np.ndarray | None = None,
    new_business: str | Sequence[float] | np.ndarray | None = None,
    expenses: float | str | Sequence[float] | np.ndarray = 0.0,
    expense_ratio: float = 0.0,
    rules: RenewalRules | None = None,
    grid: int = 101,
    plan: Any = None,
    kind: str = "retention",
    points: int = 21,
) -> Frontier:
    """Expected profit against retention and volume: the most profit the rules allow at each level.

    Sweeps the multiplier of overall retention (``kind="retention"``) or of
    expected premium volume (``"volume"``) from 0 (the unconstrained optimum)
    to where the measure stops rising; each point is the optimum of the
    separable problem for its multiplier, hence on the frontier. The current
    prices and the capped technical prices
    (:func:`autorisk.renewal.rescore.cap_offers`, as
    :func:`~autorisk.renewal.renewal_offers` caps) are marked. Prices are
    not rounded.

    Parameters
    ----------
    book, demand, expected_cost, current, technical, new_business, expenses, expense_ratio, rules, grid, plan
        As for :func:`optimise_offers`.
    kind : {"retention", "volume"}
        The multiplier swept.
    points : int
        Points on the frontier (>= 2).

    Returns
    -------
    Frontier
        ``table`` (multiplier, retention, volume, profit, mean_change), ``marks`` and ``plot()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class Demand:  # logit P = 4 - 6 log(price / 100)
    ...     def reads_columns(self): return set()
    ...     def log_linear_price_response(self, X): return np.full(len(X), 4 + 6 * np.log(100)), np.full(len(X), -6.0)
    ...     def predict_retention(self, X, price=None): return 1 / (1 + np.exp(-(4 - 6 * np.log(price / 100))))
    >>> book = pd.DataFrame({"prem_last": [100.0, 120.0], "tech": [110.0, 100.0]})
    >>> front = efficient_frontier(book, Demand(), expected_cost=[70.0, 75.0], technical="tech", points=4,
    ...                            rules=RenewalRules(max_increase=0.3, max_decrease=0.3))
    >>> list(front.marks.index)
    ['current', 'capped_technical']
    >>> bool(front.table["profit"].iloc[0] >= front.marks.loc["capped_technical", "profit"])  # within the rules
    True
    """
    problem, context = build_problem(book, demand, expected_cost=expected_cost, current=current, technical=technical,
                                     new_business=new_business, expenses=expenses, expense_ratio=expense_ratio,
                                     rules=rules, constraints=(), grid=grid, plan=plan)  # fmt: skip
    return sweep_frontier(problem, context, kind=kind, points=points)
