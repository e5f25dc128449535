"""The Tweedie density's series for a near-zero dispersion: Laplace's method against the term-by-term sum.

A fit with no residual variation has a dispersion near 0 and a series whose
mode is astronomically large; summing it term by term took seconds per
observation (and stopped at a million terms, short of the peak's width).
"""

from __future__ import annotations

import numpy as np
import pytest

from autorisk.models.tweedie_density import (
    _LAPLACE_MODE,
    _laplace_log_series,
    _log_series,
    _summed_log_series,
)


@pytest.mark.parametrize("power", [1.2, 1.5, 1.8])
def test_laplace_agrees_with_the_summed_series_past_the_switch(power):
    alpha = (2.0 - power) / (power - 1.0)
    modes = np.array([1.1, 1.6]) * _LAPLACE_MODE
    slope = (1.0 + alpha) * np.log(modes) + alpha * np.log(alpha)  # the series' mode is `modes`
    summed = _summed_log_series(slope, alpha)
    laplace = _laplace_log_series(slope, alpha, modes)
    np.testing.assert_allclose(laplace, summed, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(_log_series(slope, alpha), laplace)


def test_a_huge_mode_is_quick_and_finite():
    alpha = 1.0
    slope = np.array([2.0 * np.log(1e20), 2.0 * np.log(5.0)])  # modes 1e20 and 5
    values = _log_series(slope, alpha)
    assert np.all(np.isfinite(values))
    np.testing.assert_array_equal(values[1:], _summed_log_series(slope[1:], alpha))
