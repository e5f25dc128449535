"""The planted young-driver x expensive-car interaction of the synthetic book."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


@dataclass(frozen=True)
class Interaction:
    """Planted young-driver x expensive-car interaction on frequency.

    ``multiplier = 1 + amplitude[cov] * exp(-(driver_age - age_origin) / age_scale)
    * sigmoid((log(new_car_price) - log(price_midpoint)) / price_scale)``.

    Attributes
    ----------
    amplitude : dict
        ``a`` per coverage (multiplier at age ``age_origin`` for a very
        expensive car is ``1 + a``).
    age_origin, age_scale : float
        Exponential decay of the effect with driver age (years).
    price_midpoint, price_scale : float
        Logistic switch-on of the effect in log price (CNY).

    Examples
    --------
    An 18-year-old in a very expensive car gets about ``1 + a``; a 60-year-old
    in the same car, or anyone in a cheap car, about 1.

    >>> interaction = Interaction(amplitude={"od": 1.5})
    >>> interaction.multiplier([18, 60, 18], [10_000_000, 10_000_000, 20_000], "od").round(3).tolist()
    [2.5, 1.0, 1.0]
    """

    amplitude: dict[str, float]
    age_origin: float = 18.0
    age_scale: float = 5.0
    price_midpoint: float = 250_000.0
    price_scale: float = 0.25

    @property
    def formula(self) -> str:
        """The multiplier as text (``a`` is ``amplitude[coverage]``)."""
        return (
            f"1 + a * exp(-(driver_age - {self.age_origin:g}) / {self.age_scale:g})"
            f" * sigmoid((log(new_car_price) - log({self.price_midpoint:g})) / {self.price_scale:g})"
        )

    def multiplier(self, driver_age: Any, new_car_price: Any, coverage: str) -> np.ndarray:
        """Interaction multiplier (>= 1) for arrays of driver ages and prices."""
        age = np.asarray(driver_age, dtype=np.float64)
        price = np.asarray(new_car_price, dtype=np.float64)
        age_part = np.exp(-(age - self.age_origin) / self.age_scale)
        price_part = _sigmoid((np.log(price) - math.log(self.price_midpoint)) / self.price_scale)
        return 1.0 + self.amplitude[coverage] * age_part * price_part


__all__ = ["Interaction"]
