"""A coverage: base rate x factors = pure premium; loadings, fees, rounding, bounds and taxes = gross premium."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autorisk.errors import PlanError
from autorisk.rating.factors import Factor, factor_from_dict
from autorisk.rating.rounding import round_money, round_money_one

#: Taxes are rounded half up to this unit (cents).
TAX_ROUNDING = 0.01
#: How fees enter the gross premium (see :class:`Coverage`).
FEE_BASES = ("added", "grossed_up")

Components = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Coverage:
    """One coverage of a rating plan.

    The pure premium is ``base_rate`` times every factor's relativity, in
    order. With V the sum of the loadings (variable expenses, commission,
    profit: shares of the gross premium) and F the sum of the fees, the premium
    charged is then, by ``fee_basis``::

        "added":       gross = pure / (1 - V) + F      (a fee charged as it is)
        "grossed_up":  gross = (pure + F) / (1 - V)    (a fixed expense that also bears V)

    The second is the standard indicated-premium formula
    ``(PP + F) / (1 - V - Q)`` (Werner & Modlin, *Basic Ratemaking*, ch. 9),
    with the profit provision Q among the loadings; the first suits a policy
    fee passed on without commission. The gross is rounded half up to a
    multiple of ``rounding`` on its exact decimal value
    (:mod:`autorisk.rating.rounding`; never below one ``rounding`` unit:
    rounding does not make a premium zero), then clamped to
    ``[min_premium, max_premium]`` (the bounds win over the rounding, so a
    premium never leaves them). Taxes are charged on top:
    ``tax = premium * sum(taxes)``, rounded half up to the cent.

    Parameters
    ----------
    name : str
        Coverage code, e.g. ``"tpl"``; prefixes its quote columns.
    base_rate : float
        Pure premium of the base risk (all relativities 1), > 0.
    factors : tuple of factors
        Applied in order (:mod:`autorisk.rating.factors`).
    loadings : mapping of str to float
        Proportional loadings as shares of the gross premium (expenses,
        commission, profit, ...); their sum must be below 1.
    fees : mapping of str to float
        Additive amounts per policy (>= 0).
    taxes : mapping of str to float
        Tax rates charged on the premium (>= 0), e.g. an insurance premium tax.
    min_premium, max_premium, rounding : float, optional
        Premium bounds and rounding unit (> 0).
    fee_basis : {"added", "grossed_up"}
        Whether fees are added to the loaded premium or loaded with it (above).

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor
    >>> use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.25))
    >>> tpl = Coverage("tpl", 400.0, (use,), loadings={"expenses": 0.2, "profit": 0.05}, fees={"policy": 10.0},
    ...                rounding=1.0, taxes={"IPT": 0.12})
    >>> tpl.loading, float(tpl.gross(500.0)), float(tpl.tax(677.0))
    (0.25, 677.0, 81.24)
    """

    name: str
    base_rate: float
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    loadings: Components | Mapping[str, float] = ()
    fees: Components | Mapping[str, float] = ()
    taxes: Components | Mapping[str, float] = ()
    min_premium: float | None = None
    max_premium: float | None = None
    rounding: float | None = None
    fee_basis: str = "added"

    def __post_init__(self) -> None:
        if self.fee_basis not in FEE_BASES:
            raise PlanError(f"coverage {self.name!r}: fee_basis must be one of {FEE_BASES}, got {self.fee_basis!r}")
        for label in ("loadings", "fees", "taxes"):
            object.__setattr__(self, label, _components(self.name, label, getattr(self, label)))
        object.__setattr__(self, "factors", tuple(self.factors))
        # Sums read on every quote: computed once (the coverage is immutable).
        for label, items in (("_loading", self.loadings), ("_fee", self.fees), ("_tax_rate", self.taxes)):
            object.__setattr__(self, label, sum(rate for _, rate in items))
        if not math.isfinite(self.base_rate) or self.base_rate <= 0:
            raise PlanError(f"coverage {self.name!r}: base rate must be finite and > 0, got {self.base_rate}")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise PlanError(f"coverage {self.name!r}: factor names repeat: {names}")
        if not 0 <= self.loading < 1:
            raise PlanError(f"coverage {self.name!r}: loadings must sum to a share in [0, 1), got {self.loading} "
                            f"from {dict(self.loadings)}")  # fmt: skip
        for label, value in (("min_premium", self.min_premium), ("max_premium", self.max_premium),
                             ("rounding", self.rounding)):  # fmt: skip
            if value is not None and (not math.isfinite(value) or value <= 0):
                raise PlanError(f"coverage {self.name!r}: {label} must be finite and > 0, got {value}")
        if self.min_premium is not None and self.max_premium is not None and self.min_premium > self.max_premium:
            raise PlanError(
                f"coverage {self.name!r}: min_premium {self.min_premium} exceeds max_premium {self.max_premium}"
            )

    @property
    def loading(self) -> float:
        """Sum of the proportional loadings."""
        return self._loading

    @property
    def fee(self) -> float:
        """Sum of the additive fees."""
        return self._fee

    @property
    def tax_rate(self) -> float:
        """Sum of the tax rates."""
        return self._tax_rate

    @property
    def divisor(self) -> float:
        """``1 - sum(loadings)``: what the loaded amount is divided by."""
        return 1.0 - self.loading

    def unrounded(self, pure: Any) -> Any:
        """Loaded premium with fees, before rounding and premium limits (array or float: the same IEEE operations)."""
        if self.fee_basis == "grossed_up":
            return (pure + self._fee) / (1.0 - self._loading)
        return pure / (1.0 - self._loading) + self._fee

    def rounded(self, unrounded: Any) -> Any:
        """:meth:`unrounded` rounded to the plan's unit (never below one unit); unchanged without rounding."""
        if self.rounding is None:
            return unrounded
        if np.ndim(unrounded) == 0 and not isinstance(unrounded, np.ndarray):
            return max(round_money_one(float(unrounded), self.rounding), self.rounding)
        return np.maximum(round_money(unrounded, self.rounding), self.rounding)

    def limited(self, rounded: Any) -> Any:
        """The rounded premium clamped to ``[min_premium, max_premium]``."""
        if self.min_premium is not None:
            rounded = np.maximum(rounded, self.min_premium)
        if self.max_premium is not None:
            rounded = np.minimum(rounded, self.max_premium)
        return rounded

    def gross(self, pure: Any) -> Any:
        """Premium charged (before tax) from pure premium; the same IEEE operations for an array or one float."""
        return self.limited(self.rounded(self.unrounded(pure)))

    def gross_one(self, pure: float) -> float:
        """:meth:`gross` of one float in plain Python: the same IEEE operations, so the same bits, faster.

        ``max``/``min`` return exactly what ``np.maximum``/``np.minimum``
        return for finite doubles, and rounding goes through
        :func:`~autorisk.rating.rounding.round_money_one`, the one-value twin
        of the array rounding.
        """
        gross = self.unrounded(pure)
        if self.rounding is not None:
            gross = max(round_money_one(gross, self.rounding), self.rounding)
        if self.min_premium is not None:
            gross = max(gross, self.min_premium)
        if self.max_premium is not None:
            gross = min(gross, self.max_premium)
        return gross

    def tax(self, premium: Any) -> Any:
        """Tax on the premium charged, rounded half up to the cent (on exact decimals)."""
        return round_money(premium * self.tax_rate, TAX_ROUNDING)

    def __repr__(self) -> str:
        parts = [repr(self.name), f"base_rate={self.base_rate!r}", f"factors=[{', '.join(f.name for f in self.factors)}]"]
        for label in ("loadings", "fees", "taxes"):
            if getattr(self, label):
                parts.append(f"{label}={dict(getattr(self, label))}")
        for label in ("min_premium", "max_premium", "rounding"):
            if getattr(self, label) is not None:
                parts.append(f"{label}={getattr(self, label)!r}")
        if self.fee_basis != "added":
            parts.append(f"fee_basis={self.fee_basis!r}")
        return f"Coverage({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name, "base_rate": self.base_rate, "factors": [f.to_dict() for f in self.factors],
            "loadings": dict(self.loadings), "fees": dict(self.fees), "taxes": dict(self.taxes),
            "min_premium": self.min_premium, "max_premium": self.max_premium, "rounding": self.rounding,
        }  # fmt: skip
        if self.fee_basis != "added":  # absent means "added": plans written before the option keep their id
            out["fee_basis"] = self.fee_basis
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        return cls(
            data["name"], float(data["base_rate"]), tuple(factor_from_dict(f) for f in data["factors"]),
            data.get("loadings", {}), data.get("fees", {}), data.get("taxes", {}), data.get("min_premium"),
            data.get("max_premium"), data.get("rounding"), data.get("fee_basis", "added"),
        )  # fmt: skip


def _components(coverage: str, label: str, items: Components | Mapping[str, float]) -> Components:
    pairs = tuple(items.items()) if isinstance(items, Mapping) else tuple(tuple(p) for p in items)
    out = []
    for name, value in pairs:
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise PlanError(f"coverage {coverage!r}: {label} {name!r} must be finite and >= 0, got {value}")
        out.append((str(name), value))
    if len({n for n, _ in out}) != len(out):
        raise PlanError(f"coverage {coverage!r}: {label} names repeat: {[n for n, _ in out]}")
    return tuple(out)
