"""Money rounding on exact decimals: what a decimal rating engine (or a spreadsheet) computes.

Rounding ``x / unit`` in binary floating point goes wrong at ties: ``1.005``
is stored as 1.00499999999999989..., so ``floor(1.005 / 0.01 + 0.5)`` gives
1.00 while ``2.675`` gives 2.68. A pricing actuary, a policy system written in
Java with ``BigDecimal`` or a filed rate manual reads 1.005 as the decimal it
prints as, and rounds it to 1.01. This module rounds the *shortest decimal
representation* of each double (its ``repr``) exactly, and returns the double
nearest to the exact decimal result.

How: the quotient ``x / unit`` is computed in floating point; only where it
lies within a relative 1e-9 of a decision point (a tie for ``"half_up"``, an
integer for ``"floor"`` / ``"ceil"``) can float error flip the answer, and only
those values are decided again exactly with :class:`fractions.Fraction` on
``Decimal(repr(x))`` (once per distinct value). The result ``n * unit`` is
``(n * a) / b`` for the unit as the exact fraction ``a / b``: one correctly
rounded division, so it is the double nearest to the decimal ``n * unit``.
The array path and the one-value path do the same IEEE operations, so they give
the same bits.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from autorisk.errors import ParameterError

Mode = Literal["half_up", "floor", "ceil"]
MODES = ("half_up", "floor", "ceil")
#: Relative distance to a decision point within which a value is decided exactly.
_NEAR = 1e-9


@functools.lru_cache(maxsize=64, typed=True)
def _unit_fraction(unit: float) -> tuple[float, float, Fraction]:
    if isinstance(unit, bool) or not isinstance(unit, (int, float)) or not math.isfinite(unit) or unit <= 0:
        raise ParameterError(f"rounding unit must be a finite number > 0, got {unit!r}")
    exact = Fraction(Decimal(repr(float(unit))))
    if exact.numerator >= 2**53 or exact.denominator >= 2**53:
        raise ParameterError(f"rounding unit {unit!r} has too many decimal digits")
    return float(exact.numerator), float(exact.denominator), exact


def _exact_multiple(value: float, exact_unit: Fraction, mode: str) -> float:
    """Number of units, decided on the decimal ``repr`` of ``value`` (ties away from zero for half_up)."""
    q = Fraction(Decimal(repr(float(value)))) / exact_unit
    if mode == "floor":
        return float(math.floor(q))
    if mode == "ceil":
        return float(math.ceil(q))
    n = math.floor(abs(q) + Fraction(1, 2))
    return float(n if q >= 0 else -n)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ParameterError(f"rounding mode must be one of {MODES}, got {mode!r}")


def round_money(x: Any, unit: float = 0.01, mode: Mode = "half_up") -> Any:
    """Round amounts to a multiple of ``unit`` on their exact decimal value.

    Parameters
    ----------
    x : float or array-like of float
        Amounts (NaN and infinities pass through unchanged).
    unit : float
        Rounding unit, e.g. 0.01 (cents), 1, 5 or 0.05; read as the decimal it
        prints as.
    mode : {"half_up", "floor", "ceil"}
        ``"half_up"``: to the nearest multiple, ties away from zero (so ``-x``
        rounds to minus what ``x`` rounds to); ``"floor"`` / ``"ceil"``: down
        or up to a multiple.

    Returns
    -------
    float or ndarray
        A float for a scalar input, else an array of float64.

    Examples
    --------
    >>> round_money(1.005), round_money(0.285), round_money(2.675), round_money(-1.005)
    (1.01, 0.29, 2.68, -1.01)
    >>> round_money([0.29, 10.0], 0.01, "floor").tolist()
    [0.29, 10.0]
    >>> round_money(12.5, 5.0), round_money(12.4, 5.0)
    (15.0, 10.0)
    """
    _check_mode(mode)
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return round_money_one(float(x), unit, mode)
    a, b, exact = _unit_fraction(unit)
    values = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):  # infinities and NaN pass through (restored below)
        n, near = _units(values, unit, mode)
    if near.any():
        positions = np.flatnonzero(near)
        distinct, inverse = np.unique(values[positions], return_inverse=True)
        decided = np.array([_exact_multiple(v, exact, mode) for v in distinct.tolist()])
        n[positions] = decided[inverse]
    n *= a
    n /= b
    n += 0.0  # no -0.0
    not_finite = ~np.isfinite(values)
    if not_finite.any():
        n[not_finite] = values[not_finite]
    return n


def _units(values: np.ndarray, unit: float, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Number of units in floating point, and where that may be wrong (near a decision point).

    Two work arrays filled in place: a temporary per step would cost a page fault per 4 kB.
    """
    q = np.divide(values, unit)
    work = np.abs(q)
    if mode == "half_up":
        n = np.floor(work + 0.5)
        np.copysign(n, q, out=n)
        frac = work - np.floor(work)
        frac -= 0.5
    else:
        n = np.floor(q) if mode == "floor" else np.ceil(q)
        frac = q - np.round(q)
    np.abs(frac, out=frac)
    np.maximum(work, 1.0, out=work)
    work *= _NEAR
    near = frac <= work
    near &= np.isfinite(q)
    return n, near


def round_money_one(x: float, unit: float = 0.01, mode: Mode = "half_up") -> float:
    """:func:`round_money` of one float in plain Python: the same IEEE operations, the same bits, faster.

    Examples
    --------
    >>> round_money_one(1.005), round_money_one(1.004)
    (1.01, 1.0)
    """
    if not math.isfinite(x):
        return x
    a, b, exact = _unit_fraction(unit)
    q = x / unit
    if mode == "floor":
        n = float(math.floor(q))
        near = abs(q - round(q)) <= _NEAR * max(1.0, abs(q))
    elif mode == "ceil":
        n = float(math.ceil(q))
        near = abs(q - round(q)) <= _NEAR * max(1.0, abs(q))
    elif mode == "half_up":
        magnitude = abs(q)
        n = math.copysign(float(math.floor(magnitude + 0.5)), q)
        near = abs(magnitude - math.floor(magnitude) - 0.5) <= _NEAR * max(1.0, magnitude)
    else:
        _check_mode(mode)
    if near:
        n = _exact_multiple(x, exact, mode)
    return n * a / b + 0.0
