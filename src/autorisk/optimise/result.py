"""The optimiser's output: offers per policy, summaries, the constraint table, and the efficient frontier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.optimise.constraints import Linear
from autorisk.optimise.problem import Evaluation, _Problem
from autorisk.renewal.dislocation import Dislocation, dislocation
from autorisk.renewal.rescore import RULES, cap_offers, reasons


@dataclass
class Frontier:
    """Expected profit against retention and against volume, as the retention (or volume) multiplier is swept.

    Attributes
    ----------
    table : DataFrame
        One row per multiplier: ``multiplier``, ``retention``, ``volume``, ``profit``, ``mean_change``.
    marks : DataFrame
        The same measures at the current prices, the capped technical prices and the optimised offers.
    kind : str
        ``"retention"`` or ``"volume"``: the multiplier swept.

    Examples
    --------
    >>> table = pd.DataFrame({"multiplier": [0.0, 1.0], "retention": [0.8, 0.9], "volume": [80.0, 85.0],
    ...                       "profit": [20.0, 18.0], "mean_change": [0.05, 0.0]})
    >>> Frontier(table, table.iloc[:0], "retention").table["profit"].max()
    np.float64(20.0)
    """

    table: pd.DataFrame
    marks: pd.DataFrame
    kind: str = "retention"

    def plot(self, axes: Any = None) -> Any:
        """Two panels, profit against retention and against volume, with the marks (returns the Axes)."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for ax, x, label in zip(axes, ("retention", "volume"), ("expected retention", "expected premium volume"),
                                strict=True):  # fmt: skip
            ax.plot(self.table[x], self.table["profit"], "-o", ms=3, label="efficient frontier")
            for (name, row), marker in zip(self.marks.iterrows(), "sD^v", strict=False):
                ax.plot(row[x], row["profit"], marker, ms=8, label=name.replace("_", " "))
            ax.set_xlabel(label)
            ax.set_ylabel("expected profit")
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        axes[0].figure.suptitle(f"Efficient frontier (the {self.kind} multiplier swept)")
        return axes

    def __str__(self) -> str:
        with pd.option_context("display.width", 140):
            return f"frontier\n{self.table.to_string()}\n\nmarks\n{self.marks.to_string()}"


@dataclass
class OptimisationResult:
    """Optimised renewal offers with their summary, the constraints and multipliers, the duality gap.

    Attributes
    ----------
    offers : DataFrame
        One row per policy: ``current_premium``, ``technical_premium``,
        ``new_business_premium``, ``expected_cost``, ``offered_premium``,
        ``change``, ``retention``, ``expected_premium``, ``expected_profit``,
        ``rule_flags`` (bits of :data:`autorisk.renewal.RULES`: the rule whose
        bound the offer sits at), ``bound``, ``constraints`` (the binding
        constraints the policy counts in) and ``reason``.
    summary : DataFrame
        Totals, overall and by segment.
    comparison : DataFrame
        Retention, volume and profit at the current prices, the capped technical prices and the offers.
    constraints : DataFrame
        Each constraint's target, value at the (rounded) offers, multiplier and whether it binds.
    multipliers : dict
        Lagrange multiplier of each constraint (profit per unit of the constraint).
    duality_gap : float
        ``(dual bound - profit of the best feasible point) / profit`` of the
        problem solved, before rounding (when rounding broke a constraint, the
        problem with that constraint tightened so the rounded offers meet it).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autorisk.optimise import optimise_offers
    >>> from autorisk.renewal import RenewalRules
    >>> class Flat:  # retention 0.9 whatever the price (no elasticity)
    ...     def reads_columns(self): return set()
    ...     def log_linear_price_response(self, X): return np.full(len(X), np.log(9.0)), np.zeros(len(X))
    ...     def predict_retention(self, X, price=None): return np.full(np.shape(price), 0.9)
    >>> result = optimise_offers(pd.DataFrame({"prem_last": [100.0, 200.0]}), Flat(), expected_cost=[50.0, 60.0],
    ...                          rules=RenewalRules(max_increase=0.1, new_business_rule=False))
    >>> result.offers[["offered_premium", "bound"]]
       offered_premium          bound
    0            110.0   cap_increase
    1            220.0   cap_increase
    """

    offers: pd.DataFrame
    summary: pd.DataFrame
    comparison: pd.DataFrame
    constraints: pd.DataFrame
    multipliers: dict[str, float]
    duality_gap: float
    dual_bound: float
    profit_unrounded: float
    evaluations: int
    _problem: _Problem = field(repr=False)
    _context: dict[str, Any] = field(repr=False)

    def dislocation(self, by: str | list[str] | None = None) -> Dislocation:
        """:func:`autorisk.renewal.dislocation` of the offers (who gains, who loses, the rules that bound).

        Parameters
        ----------
        by : str or list of str, optional
            Segments of the totals (columns kept in ``offers``).

        Returns
        -------
        Dislocation

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from autorisk.optimise import optimise_offers
        >>> from autorisk.renewal import RenewalRules
        >>> class Flat:
        ...     def reads_columns(self): return set()
        ...     def predict_retention(self, X, price=None): return np.full(np.shape(price), 0.9)
        >>> result = optimise_offers(pd.DataFrame({"prem_last": [100.0]}), Flat(), expected_cost=[50.0],
        ...                          rules=RenewalRules(max_increase=0.1, new_business_rule=False))
        >>> result.dislocation().rules.loc["cap_increase", "policies"]
        np.int64(1)
        """
        return dislocation(self.offers, by=by)

    def frontier(self, kind: str = "retention", points: int = 21) -> Frontier:
        """The efficient frontier of the same book and rules (:func:`efficient_frontier`), the offers marked.

        Parameters
        ----------
        kind : {"retention", "volume"}
            The multiplier swept.
        points : int
            Points on the frontier.

        Returns
        -------
        Frontier

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from autorisk.optimise import optimise_offers
        >>> from autorisk.renewal import RenewalRules
        >>> class Demand:
        ...     def reads_columns(self): return set()
        ...     def log_linear_price_response(self, X): return np.full(len(X), 4 + 6 * np.log(100)), np.full(len(X), -6.0)
        ...     def predict_retention(self, X, price=None): return 1 / (1 + np.exp(-(4 - 6 * np.log(price / 100))))
        >>> result = optimise_offers(pd.DataFrame({"prem_last": [100.0] * 3}), Demand(), expected_cost=[70.0] * 3,
        ...                          rules=RenewalRules(max_increase=0.3, max_decrease=0.3, new_business_rule=False))
        >>> table = result.frontier(points=5).table
        >>> bool(table["retention"].is_monotonic_increasing and table["profit"].is_monotonic_decreasing)
        True
        """
        marks = {"optimised": self.comparison.loc["optimised"]} if "optimised" in self.comparison.index else {}
        return sweep_frontier(self._problem, self._context, kind=kind, points=points, extra=marks)


def retention_at(problem: _Problem, context: dict[str, Any], price: np.ndarray) -> np.ndarray:
    """Exact retention at one price per policy (the model itself off the fast path)."""
    if problem.demand.log_linear:
        return problem.demand.retention(price)
    return np.asarray(context["model"].predict_retention(context["X"], price=price), dtype=float)


def _measures(problem: _Problem, context: dict[str, Any], price: np.ndarray) -> dict[str, float]:
    P = retention_at(problem, context, price)
    return {"retention": float(P.mean()), "volume": float(np.sum(P * price)),
            "profit": float(np.sum(P * (price * (1.0 - problem.ratio) - problem.cost))),
            "mean_change": float(np.mean(price / context["current"] - 1.0))}  # fmt: skip


def baselines(problem: _Problem, context: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Retention, volume, profit at the current prices and at the capped technical prices (cap_offers)."""
    out = {"current": _measures(problem, context, context["current"])}
    if context["technical"] is not None:
        capped, _ = cap_offers(context["rules"], context["book"], context["current"], context["technical"],
                               context["new_business"])  # fmt: skip
        out["capped_technical"] = _measures(problem, context, capped)
    return out


def _flags(offer: np.ndarray, problem: _Problem, context: dict[str, Any]) -> np.ndarray:
    """Bits of RULES for the bound each offer sits at (within half a rounding unit)."""
    rules = context["rules"]
    tol = np.maximum(1e-9 * problem.hi, (rules.rounding or 0.0) * (1 + 1e-9))
    upper, lower, nb = context["upper"], context["lower"], context["new_business"]
    minimum = -np.inf if rules.min_premium is None else rules.min_premium
    nb_floored = np.maximum(nb, minimum) if rules.new_business_rule else np.full(len(offer), np.inf)
    flags = np.zeros(len(offer), dtype=np.uint8)
    at_hi = offer >= problem.hi - tol
    at_lo = (offer <= problem.lo + tol) & ~at_hi  # at both when they meet: the ceiling's rule is given
    by_min_hi = np.minimum(upper, nb_floored) < minimum  # the minimum wins over the increase cap
    by_nb = (nb_floored < upper) & ~by_min_hi
    flags[at_hi & ~by_nb & ~by_min_hi] |= RULES["cap_increase"]
    flags[at_hi & by_nb] |= RULES["new_business_price"]
    flags[(at_hi & by_min_hi) | (at_lo & (problem.lo == minimum))] |= RULES["min_premium"]
    flags[at_lo & (problem.lo == lower) & (problem.lo < problem.hi)] |= RULES["cap_decrease"]
    flags[offer < minimum] |= RULES["conflict"]
    return flags


def _active(problem: _Problem, lam: np.ndarray, n: int) -> pd.Categorical:
    """Per policy, the binding constraints (multiplier > 0) it counts in, as text."""
    active = [k for k, x in enumerate(lam) if x > 0]
    codes = np.zeros(n, dtype=np.int64)
    for bit, k in enumerate(active):
        codes |= problem.constraints[k].rows.astype(np.int64) << bit
    used = np.unique(codes)
    names = ["+".join(problem.constraints[active[b]].name for b in range(len(active)) if c >> b & 1) or "none"
             for c in used]  # fmt: skip
    return pd.Categorical.from_codes(np.searchsorted(used, codes), names)


def _display(c: Linear, n: int) -> float:
    kind = c.name.split("[")[0]
    return {"min_volume": c.rhs * n, "max_average_change": -c.rhs - 1.0, "segment_change_max": -c.rhs - 1.0,
            "segment_change_min": c.rhs - 1.0}.get(kind, c.rhs)  # fmt: skip


def build_result(problem: _Problem, context: dict[str, Any], best: Evaluation, gap: float, offer: np.ndarray,
                 P: np.ndarray, *, keep: Any, by: str | None) -> OptimisationResult:  # fmt: skip
    """Assemble the result from the best feasible point, its (rounded) offers and their retention."""
    book, rules, n = context["book"], context["rules"], len(context["book"])
    flags = _flags(offer, problem, context)
    by = by or rules.segment
    kept = list(dict.fromkeys([*keep, *([by] if by else []), *([rules.segment] if rules.segment else [])]))
    out = book[[c for c in kept if c in book.columns]].copy()
    cur = context["current"]
    out["current_premium"] = cur
    out["technical_premium"] = np.nan if context["technical"] is None else context["technical"]
    out["new_business_premium"] = context["new_business"]
    out["expected_cost"] = problem.cost
    out["offered_premium"] = offer
    out["change"] = offer / cur - 1.0
    out["retention"] = P
    out["expected_premium"] = P * offer
    out["expected_profit"] = P * (offer * (1.0 - problem.ratio) - problem.cost)
    out["rule_flags"] = flags
    out["bound"] = reasons(flags)
    active = _active(problem, best.lam, n)
    out["constraints"] = active
    bound_names = ["optimum" if b == "none" else b for b in out["bound"].cat.categories]
    names = [b if c == "none" else f"{b}+{c}" for b in bound_names for c in active.categories]
    codes = out["bound"].cat.codes.to_numpy(np.int64) * len(active.categories) + active.codes
    used = np.unique(codes)
    out["reason"] = pd.Categorical.from_codes(np.searchsorted(used, codes), [names[c] for c in used])

    summary = _summary(out, by)
    comparison = pd.DataFrame({**baselines(problem, context), "optimised": _measures(problem, context, offer)}).T
    values = np.array([c.value(P, offer) for c in problem.constraints])
    table = pd.DataFrame({
        "target": [_display(c, n) for c in problem.constraints],
        "value": [_display(Linear(c.name, c.alpha, c.beta, c.gamma, v, c.rows), n)
                  for c, v in zip(problem.constraints, values, strict=True)],
        "multiplier": best.lam, "binding": best.lam > 0,
    }, index=pd.Index([c.name for c in problem.constraints], name="constraint"))  # fmt: skip
    multipliers = {c.name: float(x) for c, x in zip(problem.constraints, best.lam, strict=True)}
    return OptimisationResult(out, summary, comparison, table, multipliers, gap, problem.dual_bound(), best.profit,
                              problem.evaluations, problem, context)  # fmt: skip


def _summary(offers: pd.DataFrame, by: str | None) -> pd.DataFrame:
    def totals(frame: pd.DataFrame) -> dict[str, float]:
        return {"policies": len(frame), "current_premium": frame["current_premium"].sum(),
                "offered_premium": frame["offered_premium"].sum(), "mean_change": frame["change"].mean(),
                "expected_retention": frame["retention"].mean(), "expected_premium": frame["expected_premium"].sum(),
                "expected_profit": frame["expected_profit"].sum(),
                "at_a_rule": int(np.count_nonzero(frame["rule_flags"].to_numpy()))}  # fmt: skip

    rows = {"(all)": totals(offers)}
    if by:
        for level, group in offers.groupby(by, observed=True):
            rows[level] = totals(group)
    return pd.DataFrame(rows).T.astype({"policies": int, "at_a_rule": int})


def sweep_frontier(problem: _Problem, context: dict[str, Any], *, kind: str = "retention", points: int = 21,
                   extra: dict[str, Any] | None = None) -> Frontier:  # fmt: skip
    """Sweep one multiplier from 0 to where its measure stops improving; each point is optimal for its level."""
    from autorisk.errors import ParameterError
    from autorisk.optimise.constraints import MinRetention, MinVolume

    if kind not in ("retention", "volume"):
        raise ParameterError(f"kind must be 'retention' or 'volume', got {kind!r}")
    if not isinstance(points, int) or points < 2:
        raise ParameterError(f"points must be an integer >= 2, got {points!r}")
    c = (MinRetention(0.0) if kind == "retention" else MinVolume(0.0)).compile(context["book"], context["current"])
    sweep = _Problem(problem.lo, problem.hi, problem.cost, problem.ratio, problem.demand, c, problem.grid)
    sweep.solver = problem.solver  # the cached grid of retentions is shared
    best = sweep.best_possible(0)
    top = sweep.scale[0]
    for _ in range(40):
        if sweep.evaluate(np.array([top])).values[0] >= best - 1e-4 * abs(best):
            break
        top *= 4.0
    rows = []
    for lam in np.concatenate([[0.0], np.geomspace(top * 1e-3, top, points - 1)]):
        p = sweep.evaluate(np.array([lam])).inner.p
        rows.append({"multiplier": lam, **_measures(problem, context, p)})
    marks = {**baselines(problem, context), **(extra or {})}
    return Frontier(pd.DataFrame(rows), pd.DataFrame(marks).T[["retention", "volume", "profit", "mean_change"]], kind)
