"""The optimisation problem built from a book, and the search for its Lagrange multipliers.

``_Problem`` holds per-policy arrays (bounds from :func:`autorisk.renewal.rescore.offer_bounds`,
costs, the demand) and the compiled constraints. For multipliers ``lam`` the
Lagrangian separates: policy ``i`` maximises
``P(p) (p (1 - r) - cost_i + sum_k lam_k alpha_ki + p sum_k lam_k beta_ki) + p sum_k lam_k gamma_ki``
(:class:`~autorisk.optimise.inner.GridSolver`). The dual value
``D(lam) = profit + sum_k lam_k (g_k - rhs_k)`` at the inner maximisers is an
upper bound on the best feasible profit for every ``lam >= 0``; the search
keeps the smallest bound and the best feasible point, and their relative
difference is the duality gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from autorisk.errors import ParameterError
from autorisk.optimise.constraints import Linear
from autorisk.optimise.inner import Demand, GridSolver, Inner


class InfeasibleTargetError(ParameterError):
    """A constraint no price within the rules can meet; ``best`` is the most the rules allow.

    Examples
    --------
    >>> error = InfeasibleTargetError("min_retention 0.99 cannot be met", best=0.93)
    >>> error.best, isinstance(error, ParameterError)
    (0.93, True)
    """

    def __init__(self, message: str, best: float | None = None):
        super().__init__(message)
        self.best = best


@dataclass
class Evaluation:
    """The inner maximisers at one set of multipliers, with profit, constraint values and dual value."""

    lam: np.ndarray
    inner: Inner
    profit: float
    values: np.ndarray
    slack: np.ndarray
    dual: float

    @property
    def feasible(self) -> bool:
        return bool(np.all(self.slack >= -1e-12 * (1.0 + np.abs(self.values))))


def _ok(ev: Evaluation, k: int) -> bool:
    """Constraint ``k`` holds at ``ev`` (to rounding error)."""
    return bool(ev.slack[k] >= -1e-12 * (1.0 + abs(ev.values[k])))


@dataclass
class _Problem:
    lo: np.ndarray
    hi: np.ndarray
    cost: np.ndarray  # expected claims cost + expenses per policy
    ratio: float  # expenses as a share of price
    demand: Demand
    constraints: list[Linear]
    grid: int
    scale: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.solver = GridSolver(self.lo, self.hi, self.demand, self.grid)
        typical = float(np.mean(self.hi))
        self.scale = np.array([
            len(self.lo) * typical / max(np.abs(c.alpha).sum() + typical * (np.abs(c.beta).sum() + np.abs(c.gamma).sum()),
                                         1e-300) for c in self.constraints
        ])  # fmt: skip
        self.history: list[Evaluation] = []
        self.evaluations = 0

    def coefficients(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        A, B = -self.cost.copy(), np.full(len(self.lo), 1.0 - self.ratio)
        C = np.zeros(len(self.lo))
        for weight, c in zip(lam, self.constraints, strict=True):
            if weight:
                A += weight * c.alpha
                B += weight * c.beta
                C += weight * c.gamma
        return A, B, C

    def evaluate(self, lam: np.ndarray) -> Evaluation:
        lam = np.asarray(lam, dtype=float).copy()
        inner = self.solver.solve(*self.coefficients(lam))
        profit = float(np.sum(inner.P * (inner.p * (1.0 - self.ratio) - self.cost)))
        values = np.array([c.value(inner.P, inner.p) for c in self.constraints])
        slack = values - np.array([c.rhs for c in self.constraints])
        ev = Evaluation(lam, inner, profit, values, slack, profit + float(lam @ slack))
        self.history.append(ev)
        self.evaluations += 1
        return ev

    def best_possible(self, k: int) -> float:
        """The largest value constraint ``k`` can take within the bounds (its own maximiser, costs ignored)."""
        c = self.constraints[k]
        inner = self.solver.solve(c.alpha, c.beta, c.gamma)
        return c.value(inner.P, inner.p)

    # -- the search ------------------------------------------------------------------------------------------

    def slopes(self) -> np.ndarray:
        """d slack_k / d lam_k from the last two evaluations that differ in ``lam_k`` only (nan if none)."""
        out = np.full(len(self.constraints), np.nan)
        for e1, e2 in zip(self.history[-2::-1], self.history[:0:-1], strict=False):
            diff = np.flatnonzero(e1.lam != e2.lam)
            if diff.size == 1 and np.isnan(out[diff[0]]):
                k = diff[0]
                out[k] = (e2.slack[k] - e1.slack[k]) / (e2.lam[k] - e1.lam[k])
        return out

    def _root(self, k: int, lam: np.ndarray, start: float, gap_tol: float, slope: float = np.nan) -> Evaluation:
        """Smallest ``lam_k >= 0`` at which constraint ``k`` holds, the others fixed (regula falsi, Illinois)."""
        def at(x: float) -> Evaluation:
            trial = lam.copy()
            trial[k] = x
            return self.evaluate(trial)

        def done(ev: Evaluation) -> bool:
            return _ok(ev, k) and ev.lam[k] * ev.slack[k] <= gap_tol * max(abs(ev.profit), 1e-300)

        ev = at(start)
        if _ok(ev, k):
            if start == 0 or done(ev):
                return ev
            hi, s_hi = ev, ev.slack[k]
            step = min(1.05 * s_hi / slope / start, 0.5) if slope > 0 else 0.05
            while True:  # walk down until the constraint breaks (or lam_k = 0 is enough)
                x = start * (1.0 - step) if step < 1 else 0.0
                ev = at(x)
                if _ok(ev, k):
                    hi, s_hi = ev, ev.slack[k]
                    if x == 0.0:
                        return ev
                    step = min(2 * step, 1.0)
                    start = x
                else:
                    lo, s_lo = ev, ev.slack[k]
                    break
        else:
            lo, s_lo = ev, ev.slack[k]
            step = 0.05 * start if start > 0 else self.scale[k]
            if slope > 0 and start > 0:
                step = -1.05 * s_lo / slope
            for _ in range(80):
                ev = at(lo.lam[k] + step)
                if _ok(ev, k):
                    break
                lo, s_lo = ev, ev.slack[k]
                step *= 2.0
            else:
                ev = self._limit(k, lam)
                if ev is None:
                    raise InfeasibleTargetError(f"{self.constraints[k].name} cannot be met with the other constraints")
                return ev
            hi, s_hi = ev, ev.slack[k]
        f_lo, f_hi, side = s_lo, s_hi, 0
        for it in range(80):
            if done(hi):
                break
            a, b = lo.lam[k], hi.lam[k]
            if b - a <= 1e-13 * max(b, 1e-300):
                break
            x = a + (b - a) * (-f_lo) / (f_hi - f_lo) if it % 4 != 3 else 0.5 * (a + b)
            x = min(max(x, a + 1e-3 * (b - a)), b - 1e-3 * (b - a))
            ev = at(x)
            if _ok(ev, k):
                hi, f_hi = ev, ev.slack[k]
                if side == 1:
                    f_lo *= 0.5
                side = 1
            else:
                lo, f_lo = ev, ev.slack[k]
                if side == -1:
                    f_hi *= 0.5
                side = -1
        return hi

    def _limit(self, k: int, lam: np.ndarray) -> Evaluation | None:
        """The point maximising constraint ``k`` alone (its multiplier's limit), if feasible; its dual is not a bound."""
        c = self.constraints[k]
        inner = self.solver.solve(c.alpha, c.beta, c.gamma)
        profit = float(np.sum(inner.P * (inner.p * (1.0 - self.ratio) - self.cost)))
        values = np.array([d.value(inner.P, inner.p) for d in self.constraints])
        slack = values - np.array([d.rhs for d in self.constraints])
        if slack[k] < -1e-12 * (1 + abs(values[k])):
            return None
        ev = Evaluation(lam.copy(), inner, profit, values, slack, np.inf)
        self.history.append(ev)
        return ev

    def search(self, start: np.ndarray, gap_tol: float = 1e-6, sweeps: int = 30,
               slopes: np.ndarray | None = None) -> Evaluation:
        """Multipliers by bisection (one constraint) or cyclic coordinate root-finding (several)."""
        lam = np.maximum(np.asarray(start, dtype=float), 0.0)
        if not self.constraints:
            return self.evaluate(lam)
        ev = None
        for _ in range(sweeps if len(self.constraints) > 1 else 1):
            for k in range(len(self.constraints)):
                ev = self._root(k, lam, lam[k], gap_tol, np.nan if slopes is None else slopes[k])
                lam = ev.lam.copy()
            if ev.feasible and float(lam @ np.abs(ev.slack)) <= 10 * gap_tol * max(abs(ev.profit), 1e-300):
                break
        return ev

    def feasible_best(self) -> Evaluation | None:
        feasible = [e for e in self.history if e.feasible]
        return max(feasible, key=lambda e: e.profit) if feasible else None

    def dual_bound(self) -> float:
        return min(e.dual for e in self.history)


def relative_gap(dual: float, primal: float) -> float:
    """``(dual - primal) / |primal|`` (0 when both are 0)."""
    if dual == primal:
        return 0.0
    return (dual - primal) / abs(primal) if primal else math.inf
