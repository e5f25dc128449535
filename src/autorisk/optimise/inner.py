"""The per-policy problem of the Lagrangian: maximise ``P(p) (A + B p) + C p`` over ``[lo, hi]``, for every policy.

Solved vectorised over a grid of prices between each policy's bounds (in
chunks of rows so the ``(rows, grid)`` arrays stay small), then, when the
demand model's logit is linear in log price, refined between the grid
neighbours of the best grid point by safeguarded Newton steps on the
continuous problem (the refined price is kept only if it does better).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Cells of a ``(rows, grid)`` block evaluated at once.
BLOCK_CELLS = 2_000_000


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class Demand:
    """Retention as a function of price for the rows of a book: log-linear (``a``, ``b``) or a model's grid."""

    a: np.ndarray | None
    b: np.ndarray | None
    model: Any = None
    X: pd.DataFrame | None = None
    golden: bool = False  # off the fast path: refine by golden-section search (one model call a step)

    @property
    def log_linear(self) -> bool:
        return self.a is not None

    def take(self, index: np.ndarray) -> Demand:
        if self.log_linear:
            return Demand(self.a[index], self.b[index])
        return Demand(None, None, self.model, self.X.iloc[index], self.golden)

    def retention(self, price: np.ndarray, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        """P at one price per row (``price`` shape (m,)) or a grid (m, k), for ``rows`` of this demand."""
        if self.log_linear:
            a, b = self.a[rows], self.b[rows]
            if price.ndim == 2:
                a, b = a[:, None], b[:, None]
            return _sigmoid(a + b * np.log(price))
        X = self.X.iloc[rows] if not (isinstance(rows, slice) and rows == slice(None)) else self.X
        return np.asarray(self.model.predict_retention(X, price=price), dtype=float)


@dataclass
class Inner:
    """The best price of every policy for given Lagrangian coefficients (arrays over the policies)."""

    p: np.ndarray
    P: np.ndarray
    at_grid: np.ndarray  # index of the best grid point


class GridSolver:
    """Solves the per-policy problems of one set of policies; caches the grid of retentions when it fits."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, demand: Demand, grid: int, cache_mb: float = 600.0):
        self.lo, self.hi, self.demand, self.k = lo, hi, demand, grid
        self.t = np.linspace(0.0, 1.0, grid)
        n = len(lo)
        self.step = max(1, BLOCK_CELLS // grid)
        self.blocks = [slice(s, min(s + self.step, n)) for s in range(0, n, self.step)]
        # float32 on the fast path (speed); a model's own retentions are kept in float64
        self.dtype = np.float32 if demand.log_linear else np.float64
        self.cache_ok = n * grid * np.dtype(self.dtype).itemsize <= cache_mb * 2**20
        self.cache: dict[int, np.ndarray] = {}

    def prices(self, rows: slice, dtype: Any = np.float64) -> np.ndarray:
        lo, span = self.lo[rows].astype(dtype), (self.hi[rows] - self.lo[rows]).astype(dtype)
        return lo[:, None] + span[:, None] * self.t.astype(dtype)[None, :]

    def _grid_retention(self, i: int, rows: slice) -> np.ndarray:
        if i in self.cache:
            return self.cache[i]
        p = self.prices(rows, self.dtype)
        if self.demand.log_linear:
            z = np.log(p)
            z *= self.demand.b[rows, None].astype(np.float32)
            z += self.demand.a[rows, None].astype(np.float32)
            np.negative(z, out=z)
            np.exp(z, out=z)
            z += 1.0
            P = np.reciprocal(z, out=z)
        else:
            P = self.demand.retention(p, rows)
        if self.cache_ok:
            self.cache[i] = P
        return P

    def solve(self, A: np.ndarray, B: np.ndarray, C: np.ndarray, refine: bool = True) -> Inner:
        """Argmax over ``[lo, hi]`` of ``P(p) (A + B p) + C p`` per policy.

        On the grid ``p = lo + span t``: ``P (A + B lo + B span t) + C span t`` (``C lo`` is constant per policy).
        """
        n, dt = len(self.lo), self.dtype
        span = self.hi - self.lo
        alpha, beta, gamma = A + B * self.lo, B * span, C * span
        # the argmax is the same for the coefficients scaled by a positive number: keep them within float32
        size = max(np.abs(alpha).max(initial=0.0), np.abs(beta).max(initial=0.0), np.abs(gamma).max(initial=0.0))
        if size > 1e30:
            alpha, beta, gamma = alpha / size, beta / size, gamma / size
        t = self.t.astype(dt)[None, :]
        with_c = bool(np.any(C))
        at = np.empty(n, dtype=np.int64)
        for i, rows in enumerate(self.blocks):
            P = self._grid_retention(i, rows)
            value = beta[rows, None].astype(dt) * t
            value += alpha[rows, None].astype(dt)
            value *= P
            if with_c:
                value += gamma[rows, None].astype(dt) * t
            at[rows] = value.argmax(axis=1)
        w = self.t[at]
        p = self.lo * (1.0 - w) + self.hi * w  # exactly lo and hi at the ends of the grid
        P = self.demand.retention(p) if self.demand.log_linear else self._grid_value(at)
        if refine and self.demand.log_linear and self.k > 1:
            p, P = self._newton(p, P, at, A, B, C)
        elif refine and self.demand.golden and self.k > 1:
            p, P = self._golden(p, P, at, A, B, C)
        return Inner(p, P, at)

    def _neighbours(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w_left, w_right = self.t[np.maximum(at - 1, 0)], self.t[np.minimum(at + 1, self.k - 1)]
        return self.lo * (1.0 - w_left) + self.hi * w_left, self.lo * (1.0 - w_right) + self.hi * w_right

    def _golden(self, p0: np.ndarray, P0: np.ndarray, at: np.ndarray, A: np.ndarray, B: np.ndarray,
                C: np.ndarray, steps: int = 24) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Golden-section search between the grid neighbours of the best grid point (the model at each step)."""
        def f(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            P = self.demand.retention(x)
            return P * (A + B * x) + C * x, P

        left, right = self._neighbours(at)
        ratio = (np.sqrt(5.0) - 1.0) / 2.0
        c, d = right - ratio * (right - left), left + ratio * (right - left)
        fc, fd = f(c)[0], f(d)[0]
        for _ in range(steps):
            lower = fc > fd  # the maximum lies in [left, d]
            right, left = np.where(lower, d, right), np.where(lower, left, c)
            new = np.where(lower, right - ratio * (right - left), left + ratio * (right - left))
            value = f(new)[0]
            c, d = np.where(lower, new, d), np.where(lower, c, new)
            fc, fd = np.where(lower, value, fd), np.where(lower, fc, value)
        x = 0.5 * (left + right)
        value, P = f(x)
        better = value > P0 * (A + B * p0) + C * p0
        return np.where(better, x, p0), np.where(better, P, P0)

    def _grid_value(self, at: np.ndarray) -> np.ndarray:
        """P at the chosen grid points (from the cache, else the model at those prices)."""
        if self.cache_ok and len(self.cache) == len(self.blocks):
            return np.concatenate([self.cache[i][np.arange(r.stop - r.start), at[r]] for i, r in enumerate(self.blocks)]
                                  ).astype(np.float64)  # fmt: skip
        return self.demand.retention(self.lo + (self.hi - self.lo) * self.t[at])

    def _newton(self, p0: np.ndarray, P0: np.ndarray, at: np.ndarray, A: np.ndarray, B: np.ndarray,
                C: np.ndarray, steps: int = 40) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Safeguarded Newton on f' between the grid neighbours of the best grid point, on the rows not yet converged."""
        span = self.hi - self.lo
        left_all, right_all = self._neighbours(at)
        x_all = p0.copy()
        idx = np.flatnonzero(span > 0)
        a, b, A_, B_, C_ = (v[idx] for v in (self.demand.a, self.demand.b, A, B, C))
        x, left, right = x_all[idx], left_all[idx], right_all[idx]
        for _ in range(steps):
            if idx.size == 0:
                break
            P = _sigmoid(a + b * np.log(x))
            margin = A_ + B_ * x
            d1P = P * (1.0 - P) * b / x
            d1 = d1P * margin + P * B_ + C_
            d2 = P * (1.0 - P) * (b / (x * x)) * (b * (1.0 - 2.0 * P) - 1.0) * margin + 2.0 * d1P * B_
            up = d1 > 0
            left = np.where(up, x, left)
            right = np.where(up, right, x)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = x - d1 / d2
            ok = (d2 < 0) & (newton > left) & (newton < right)
            x_new = np.where(ok, newton, 0.5 * (left + right))
            done = (np.abs(x_new - x) <= 1e-12 * x) | (right - left <= 1e-12 * x)
            x_all[idx] = x_new
            keep = ~done
            idx, a, b, A_, B_, C_ = idx[keep], a[keep], b[keep], A_[keep], B_[keep], C_[keep]
            x, left, right = x_new[keep], left[keep], right[keep]
        P = self.demand.retention(x_all)
        better = P * (A + B * x_all) + C * x_all > P0 * (A + B * p0) + C * p0
        return np.where(better, x_all, p0), np.where(better, P, P0)
