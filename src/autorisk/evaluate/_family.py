"""Which deviance to score a model with: a Tweedie power from a family name, number or model.

The power is the one number the metrics need: 1 Poisson (claim counts),
in (1, 2) compound Poisson-gamma (claim amounts), 2 Gamma and 3 inverse
Gaussian (average claims, i.e. severity models). Autorisk GLMs expose
``family_`` as a :class:`~autorisk.models.families.Family` (name and power);
GBMs as a name (``"poisson"``, ``"gamma"``, ``"tweedie"``) with the Tweedie
power in ``power_`` or ``power``.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

from autorisk.errors import ParameterError
from autorisk.evaluate.deviance import checked_power

#: Tweedie power of each family known by name ("tweedie" needs its power as a number).
FAMILY_POWERS: dict[str, float] = {"poisson": 1.0, "quasi_poisson": 1.0, "gamma": 2.0, "inverse_gaussian": 3.0}

#: Display name of the powers that have one.
_NAMES = {1.0: "poisson", 2.0: "gamma", 3.0: "inverse_gaussian", 0.0: "normal"}


def family_power(family: Any) -> float:
    """Tweedie power of ``family``: a name in :data:`FAMILY_POWERS`, a number or an object with ``power``.

    Examples
    --------
    >>> family_power("gamma"), family_power(1.5)
    (2.0, 1.5)
    """
    if hasattr(family, "power") and not isinstance(family, str):
        return checked_power(family.power)
    if isinstance(family, str):
        if family in FAMILY_POWERS:
            return FAMILY_POWERS[family]
        if family == "tweedie":
            raise ParameterError("give the Tweedie power as a number, e.g. family=1.5")
        raise ParameterError(f"family must be one of {sorted(FAMILY_POWERS)} or a Tweedie power, got {family!r}")
    if isinstance(family, Real):
        return checked_power(family)
    raise ParameterError(f"family must be one of {sorted(FAMILY_POWERS)} or a Tweedie power, got {family!r}")


def model_power(model: Any) -> float | None:
    """Tweedie power of a fitted model's ``family_``, or None when the model does not say."""
    family = getattr(model, "family_", None)
    if family is None:
        return None
    if isinstance(family, str) and family == "tweedie":
        power = getattr(model, "power_", None)
        power = getattr(model, "power", None) if not isinstance(power, Real) else power
        return float(power) if isinstance(power, Real) else None
    try:
        return family_power(family)
    except ParameterError:
        return None


def family_label(power: float) -> str:
    """``"poisson"``, ``"gamma"``, ... or ``"tweedie (power 1.5)"``.

    Examples
    --------
    >>> family_label(1.0), family_label(1.5)
    ('poisson', 'tweedie (power 1.5)')
    """
    return _NAMES.get(float(power), f"tweedie (power {power:g})")
