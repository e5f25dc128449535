"""Money rounding against Python's decimal module (the reference a decimal rating engine uses)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.errors import ParameterError
from autorisk.rating.rounding import round_money, round_money_one

DECIMAL_MODES = {"half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}
UNITS = [0.01, 0.05, 0.1, 1.0, 5.0, 10.0, 0.25]


def reference(value: float, unit: float, mode: str) -> float:
    """Decimal arithmetic on the value as it prints: ROUND_HALF_UP is ties away from zero."""
    step = Decimal(repr(unit))
    return float((Decimal(repr(value)) / step).to_integral_value(DECIMAL_MODES[mode]) * step)


@pytest.mark.parametrize(("value", "expected"), [(1.005, 1.01), (0.285, 0.29), (2.675, 2.68), (1.015, 1.02),
                                                 (-1.005, -1.01), (0.125, 0.13), (1.004999, 1.0)])  # fmt: skip
def test_cent_ties_round_up_as_decimals(value, expected):
    # Binary floating point gives 1.00, 0.28 (1.005 and 0.285 are stored just below the tie).
    assert round_money(value) == expected == reference(value, 0.01, "half_up")
    assert round_money(np.array([value]))[0] == expected


# Amounts with three decimals hit the cent ties often; arbitrary doubles cover the rest.
amounts = st.one_of(
    st.integers(-10**9, 10**9).map(lambda k: k / 1000),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=30), st.sampled_from(UNITS), st.sampled_from(sorted(DECIMAL_MODES)))
def test_equals_decimal_reference_and_scalar_path_bit_for_bit(values, unit, mode):
    batch = round_money(np.array(values), unit, mode)
    for value, rounded in zip(values, batch, strict=True):
        assert rounded == reference(value, unit, mode)
        one = round_money_one(value, unit, mode)
        assert np.float64(one).tobytes() == np.float64(rounded).tobytes()


def test_non_finite_pass_through_and_no_negative_zero():
    out = round_money(np.array([np.nan, np.inf, -np.inf, -0.001]), 0.01)
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == -np.inf
    assert out[3] == 0.0 and not np.signbit(out[3])


@pytest.mark.parametrize("unit", [0.0, -1.0, float("nan"), True])
def test_bad_unit_is_refused(unit):
    with pytest.raises(ParameterError, match="rounding unit"):
        round_money(1.0, unit)


def test_bad_mode_is_refused():
    with pytest.raises(ParameterError, match="rounding mode"):
        round_money(np.array([1.0]), 0.01, "nearest")  # type: ignore[arg-type]
