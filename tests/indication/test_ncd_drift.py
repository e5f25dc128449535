"""Average NCD coefficient drift as a premium trend, on constructed books with a known drift."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_indication import worked_example  # rootdir-relative import

from autorisk.errors import DataError, ParameterError
from autorisk.indication import loss_ratio_indication, ncd_premium_drift

LEVELS = [1.0, 0.85, 0.7]


def test_average_coefficient_by_year_by_hand():
    # Exposure moves down the ladder 1.0 / 0.85 / 0.7:
    #   2021: 50, 30, 20 -> (50 + 25.5 + 14) / 100 = 0.895
    #   2022: 40, 33, 27 -> (40 + 28.05 + 18.9) / 100 = 0.8695
    #   2023: 30, 36, 34 -> (30 + 30.6 + 23.8) / 100 = 0.844
    # Changes 0.8695 / 0.895 - 1 = -0.0284916 and 0.844 / 0.8695 - 1 = -0.0293272.
    # Least squares of log average on three equally spaced years has slope (ln 0.844 - ln 0.895) / 2,
    # so the annual trend is sqrt(0.844 / 0.895) - 1 = -0.0289095.
    drift = ncd_premium_drift([2021] * 3 + [2022] * 3 + [2023] * 3, LEVELS * 3,
                              exposure=[50, 30, 20, 40, 33, 27, 30, 36, 34])  # fmt: skip
    table = drift.by_year
    assert table["exposure"].tolist() == [100.0, 100.0, 100.0]
    assert table["average_coefficient"].tolist() == pytest.approx([0.895, 0.8695, 0.844])
    assert math.isnan(table["annual_change"].iloc[0])
    assert table["annual_change"].iloc[1:].tolist() == pytest.approx([0.8695 / 0.895 - 1, 0.844 / 0.8695 - 1])
    assert table["current_trend_factor"].tolist() == pytest.approx([0.844 / 0.895, 0.844 / 0.8695, 1.0])
    assert drift.annual_trend == pytest.approx(math.sqrt(0.844 / 0.895) - 1)
    assert drift.annual_trend == pytest.approx(-0.0289095, abs=1e-7)
    assert "annual trend" in repr(drift) and "<table" in drift._repr_html_()


def test_policy_level_book_with_a_known_drift():
    # 5,000 policies a year over 2019-2024, random ladder mix and exposures, fixed within year
    # shares; every coefficient is 3% lower each year (the mix is the same, the scale drifts),
    # so each year's average is exactly 0.97 times the previous one.
    rng = np.random.default_rng(7)
    base = rng.choice([2.0, 1.5, 1.2, 1.0, 0.85, 0.7, 0.5], size=5000)
    exposure = rng.uniform(0.1, 1.0, size=5000)
    years = np.repeat(np.arange(2019, 2025), 5000)
    coefficient = np.concatenate([base * 0.97**k for k in range(6)])
    drift = ncd_premium_drift(years, coefficient, exposure=np.tile(exposure, 6))
    assert drift.annual_trend == pytest.approx(-0.03, rel=1e-12)
    assert drift.by_year["annual_change"].iloc[1:].tolist() == pytest.approx([-0.03] * 5, rel=1e-12)
    # exposure weighting: the first year's average is the exposure-weighted mean of the base ladder
    assert drift.by_year["average_coefficient"].iloc[0] == pytest.approx(np.average(base, weights=exposure))


def test_drift_is_the_premium_trend_of_step_two():
    # Two-step trending of the worked example at the NCD drift: step 2 is
    # (1 + trend) ^ (2025.0 - 2023.5) with trend 0.88 / 0.92 - 1.
    drift = ncd_premium_drift([2022, 2022, 2023, 2023], [1.0, 0.8, 1.0, 0.8], exposure=[60, 40, 40, 60])
    assert drift.annual_trend == pytest.approx(0.88 / 0.92 - 1)
    result = loss_ratio_indication(worked_example(premium_trend=drift.annual_trend,
                                                  latest_average_written_premium=110.0))  # fmt: skip
    assert result.by_year["projected_trend_factor"].tolist() == pytest.approx([(0.88 / 0.92) ** 1.5] * 2)
    # a falling average premium raises the indication
    assert result.indicated_change > loss_ratio_indication(
        worked_example(latest_average_written_premium=110.0)
    ).indicated_change


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        (([2021, 2022], [1.0, -0.5]), DataError, "coefficient"),
        (([2021, 2022], [1.0, 0.9], [1.0, -1.0]), DataError, "exposure"),
        (([2021, 2022], [1.0, 0.9], [1.0, 0.0]), DataError, "every year"),
        (([2021, 2022], [1.0]), DataError, "length"),
        (([2021, 2021], [1.0, 0.9]), ParameterError, "two years"),
    ],
)
def test_bad_ncd_inputs(args, error, field):
    with pytest.raises(error, match=field):
        ncd_premium_drift(*args)
