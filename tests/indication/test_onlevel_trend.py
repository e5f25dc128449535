"""On-level factors, extension of exposures and trend, each checked against arithmetic done by hand."""

from __future__ import annotations

import numpy as np
import pytest

from autorisk.errors import DataError, ParameterError
from autorisk.indication import (
    Indication,
    average_accident_date,
    decimal_year,
    experience_dates,
    extension_of_exposures,
    loss_ratio_indication,
    on_level_factors,
    trend_factor,
)


def test_parallelogram_one_change_mid_year_annual_policies():
    # +5% on 1 Jul 2020 (mid-year 2 of 2019-2021); annual policies written uniformly.
    # In the written-date x calendar-time square of side 1, policies written after
    # 1 Jul 2020 earn in 2020 a triangle of legs 0.5 and 0.5: area 0.5 * 0.5 * 0.5 = 0.125.
    #   2019: all at 1.00                 -> average 1.00                           OLF 1.05 / 1.00    = 1.05
    #   2020: 0.875 at 1.00, 0.125 at 1.05 -> average 0.875 + 0.13125 = 1.00625  OLF 1.05 / 1.00625 = 1.043478
    #   2021: policies written Jan-Jun 2020 still earn a triangle of area 0.125 at 1.00
    #         0.125 at 1.00, 0.875 at 1.05 -> average 0.125 + 0.91875 = 1.04375  OLF 1.05 / 1.04375 = 1.005988
    table = on_level_factors([("2020-07-01", 0.05)], [2019, 2020, 2021])
    assert table["share initial"].tolist() == pytest.approx([1.0, 0.875, 0.125])
    assert table["share 2020-07-01"].tolist() == pytest.approx([0.0, 0.125, 0.875])
    assert table["average_level"].tolist() == pytest.approx([1.0, 1.00625, 1.04375])
    assert table["current_level"].tolist() == pytest.approx([1.05] * 3)
    assert table["on_level_factor"].tolist() == pytest.approx(
        [1.05, 1.05 / 1.00625, 1.05 / 1.04375]
    )


def test_parallelogram_six_month_policies():
    # Six-month term: a policy written at w earns over [w, w + 0.5]. Of 2020's earned
    # premium (area = term = 0.5) the part written after 1 Jul is the integral of
    # (t - 0.5) for t in [0.5, 1] = 0.125, i.e. a share 0.125 / 0.5 = 0.25;
    # by 2021 every earning policy was written after 1 Jul 2020 (share 1).
    table = on_level_factors([("2020-07-01", 0.05)], [2020, 2021], term_months=6)
    assert table["share 2020-07-01"].tolist() == pytest.approx([0.25, 1.0])
    assert table["on_level_factor"].tolist() == pytest.approx([1.05 / (0.75 + 0.25 * 1.05), 1.0])


def test_parallelogram_two_changes():
    # +5% on 1 Apr 2019, then -2% on 1 Oct 2020; levels 1, 1.05, 1.05 * 0.98 = 1.029.
    # 2019: written after 1 Apr earn a triangle of legs 0.75: 0.75^2 / 2 = 0.28125 at 1.05.
    # 2020: written after 1 Oct 2020: 0.25^2 / 2 = 0.03125 at 1.029; written Jan-Mar 2019
    #       and earning Jan-Mar 2020: 0.25^2 / 2 = 0.03125 at 1.00; the rest
    #       1 - 2 x 0.03125 = 0.9375 at 1.05.
    # 2021: written before 1 Oct 2020 earn a triangle 0.75^2 / 2 = 0.28125 at 1.05, 0.71875 at 1.029.
    table = on_level_factors([("2019-04-01", 0.05), ("2020-10-01", -0.02)], [2019, 2020, 2021])
    shares = table[["share initial", "share 2019-04-01", "share 2020-10-01"]].to_numpy()
    assert shares == pytest.approx(
        np.array([[0.71875, 0.28125, 0.0], [0.03125, 0.9375, 0.03125], [0.0, 0.28125, 0.71875]])
    )
    avg_2020 = 0.03125 * 1 + 0.9375 * 1.05 + 0.03125 * 1.029  # = 1.0160313 (rounded)
    assert table.loc[2020, "on_level_factor"] == pytest.approx(1.029 / avg_2020)


def test_parallelogram_rejects_unsorted_dates_and_bad_term():
    with pytest.raises(ParameterError, match="rate_changes"):
        on_level_factors([("2021-01-01", 0.05), ("2020-01-01", 0.03)], [2020, 2021])
    with pytest.raises(ParameterError, match="term_months"):
        on_level_factors([("2021-01-01", 0.05)], [2021], term_months=0)
    with pytest.raises(ParameterError, match=r"rate_changes\[0\]"):
        on_level_factors([("2021-01-01", -1.5)], [2021])


def test_extension_of_exposures_sums_current_rate_premium():
    # 2021: 100 x 1 + 120 x 0.5 = 160 against 128 historical -> 1.25; 2022: 110 x 1 = 110 vs 100 -> 1.1
    table = extension_of_exposures(
        [100.0, 120.0, 110.0], [2021, 2021, 2022], earned_fraction=[1.0, 0.5, 1.0],
        earned_premium={2021: 128.0, 2022: 100.0},
    )  # fmt: skip
    assert table["on_level_premium"].tolist() == pytest.approx([160.0, 110.0])
    assert table["on_level_factor"].tolist() == pytest.approx([1.25, 1.1])


def test_extension_of_exposures_rejects_negative_premium():
    with pytest.raises(DataError, match="current_rate_premium") as info:
        extension_of_exposures([100.0, -5.0], [2021, 2021])
    assert info.value.columns == ["current_rate_premium"]


def test_trend_by_hand():
    # Experience AY 2021: average accident date 1 Jul 2021 = 2021.5.
    # Rates effective 1 Jan 2024 for 12 months, annual policies:
    #   average written date 2024.0 + 0.5 = 2024.5, average accident 2024.5 + 0.5 = 2025.0.
    # 3.5 years at 5%: 1.05 ** 3.5 = 1.1862120...
    assert decimal_year("2021-07-01") == 2021.5
    assert average_accident_date("2024-01-01") == 2025.0
    # six-month policies: 2024.0 + 0.5 + 0.25
    assert average_accident_date("2024-01-01", term_months=6) == 2024.75
    assert trend_factor(0.05, "2021-07-01", 2025.0) == pytest.approx(1.05**3.5)
    assert trend_factor(0.05, 2021.5, 2025.0) == pytest.approx(1.1862120)
    assert trend_factor(-0.02, 2020.5, 2022.5) == pytest.approx(0.98 * 0.98)
    with pytest.raises(ParameterError, match="annual_trend"):
        trend_factor(-1.0, 2020, 2021)


def test_experience_dates_accident_and_policy_years():
    # Accident year 2021: accidents uniform over 2021 -> 2021.5; its calendar-year earned premium
    # comes from policies written over 2020-2021 (annual) -> average written date 2021.0.
    # Policy year 2021 (annual): written uniformly over 2021 -> 2021.5; each policy's accidents
    # are uniform over its own year, so on average half a year after writing -> 2022.0, the
    # midpoint of the two calendar years the policy year spans.
    assert experience_dates(2021) == (2021.5, 2021.0)
    assert experience_dates(2021, period="policy") == (2022.0, 2021.5)
    # six-month policies: half a term is a quarter year
    assert experience_dates(2021, term_months=6) == (2021.5, 2021.25)
    assert experience_dates(2021, period="policy", term_months=6) == (2021.75, 2021.5)
    with pytest.raises(ParameterError, match="period"):
        experience_dates(2021, period="calendar")


def test_policy_year_trend_periods_in_the_indication():
    # Policy years 2022 and 2023, rates effective 1 Jul 2024 (forecast average accident date 2025.5):
    # loss trend from 2023.0 and 2024.0 -> 2.5 and 1.5 years at 5%, a year shorter than for
    # accident years (3 and 2). Premium (one step, 2%) from 2022.5 and 2023.5 to the forecast
    # average written date 2025.0 -> 2.5 and 1.5 years.
    inputs = Indication(years=[2022, 2023], earned_exposure=[10.0, 11.0], losses=[770.0, 770.0],
                        on_level_premium=[1100.0, 1100.0], forecast_effective="2024-07-01",
                        loss_trend=0.05, premium_trend=0.02, experience_period="policy",
                        variable_expense_ratio=0.17, profit_ratio=0.05)  # fmt: skip
    result = loss_ratio_indication(inputs)
    assert result.by_year["average_accident_date"].tolist() == [2023.0, 2024.0]
    assert result.by_year["trend_factor"].tolist() == pytest.approx([1.05**2.5, 1.05**1.5])
    assert result.by_year["premium_trend_factor"].tolist() == pytest.approx([1.02**2.5, 1.02**1.5])
    trended = 770 * (1.05**2.5 + 1.05**1.5)
    assert result.value("trended ultimate loss & LAE") == pytest.approx(trended)
    assert result.value("loss & LAE ratio") == pytest.approx(trended / (1100 * (1.02**2.5 + 1.02**1.5)))
