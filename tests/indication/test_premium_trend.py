"""Premium trend (one- and two-step, Werner & Modlin ch. 5) and net trend in the loss-ratio method."""

from __future__ import annotations

import pytest
from test_indication import worked_example  # rootdir-relative import

from autorisk.errors import ParameterError
from autorisk.indication import (
    average_written_date,
    loss_ratio_indication,
    pure_premium_indication,
    two_step_premium_trend,
)


def test_two_step_exam_question_2008_cy_earned_premium():
    # A CAS exam 5 question as quoted on the Actuarial Outpost (thread t-216370): CY 2008
    # earned exposure 1,000 and earned premium at current rate level 487,500; CY 2009
    # written exposure 1,300 and written premium at current rate level 682,500; annual
    # policies; new rates from 1 Jan 2011 for one year; projected premium trend 5%.
    # The quoted answer key trends step 2 from 7/1/09 to 7/1/11 (two years); the final
    # figure below is our hand computation, not a published one:
    #   step 1: (682,500 / 1,300) / (487,500 / 1,000) = 525 / 487.5 = 1.0769231
    #   step 2: 1.05 ^ 2 = 1.1025
    #   projected premium 487,500 x 1.0769231 x 1.1025 = 525,000 x 1.1025 = 578,812.5
    assert average_written_date("2011-01-01") == 2011.5
    table = two_step_premium_trend([2008], [487.5], 682_500 / 1_300, annual_trend=0.05,
                                   latest_written_date="2009-07-01", forecast_effective="2011-01-01")  # fmt: skip
    row = table.loc[2008]
    assert row["current_trend_factor"] == pytest.approx(525 / 487.5)
    assert row["projected_trend_factor"] == pytest.approx(1.1025)
    assert 487_500 * row["premium_trend_factor"] == pytest.approx(578_812.5)


def test_two_step_six_month_policies_by_hand():
    # Average earned premium at current rate level 98, 102, 106, 110 (AY 2014-2017); latest
    # average written premium at current rate level 112 (CY 2017, written on average 1 Jul 2017);
    # 4% a year; semi-annual policies, new rates from 1 Jan 2019 for a year: the forecast
    # average written date is 1 Jul 2019 whatever the term, so step 2 is 1.04 ^ 2 = 1.0816.
    #   2016: 112 / 106 x 1.0816 = 1.0566038 x 1.0816 = 1.1428226
    table = two_step_premium_trend([2014, 2015, 2016, 2017], [98, 102, 106, 110], 112, annual_trend=0.04,
                                   latest_written_date=2017.5, forecast_effective="2019-01-01")  # fmt: skip
    assert table["current_trend_factor"].tolist() == pytest.approx([112 / 98, 112 / 102, 112 / 106, 112 / 110])
    assert table.loc[2016, "premium_trend_factor"] == pytest.approx(1.1428226, rel=1e-7)


def test_loss_ratio_one_step_premium_trend_gives_net_trend():
    # Worked example (test_indication) with a 2% premium trend, one step. Accident-year
    # earned premium of annual policies was written on average half a year before mid-year:
    # AY 2022 -> 2022.0, AY 2023 -> 2023.0; forecast average written date 2024.5 + 0.5 = 2025.0.
    #   premium factors 1.02^3 = 1.061208 and 1.02^2 = 1.0404
    #   projected premium 1,100 x 1.061208 + 1,100 x 1.0404 = 1,167.3288 + 1,144.44 = 2,311.7688
    #   loss ratio 1,740.29625 / 2,311.7688; the loss periods (2022.5 -> 2025.5) are as long
    #   as the premium ones, so each year's net trend is (1.05 / 1.02) ^ years.
    result = loss_ratio_indication(worked_example(premium_trend=0.02))
    assert result.value("forecast average written date") == 2025.0
    assert result.by_year["premium_trend_factor"].tolist() == pytest.approx([1.061208, 1.0404])
    assert result.value("projected earned premium") == pytest.approx(2311.7688)
    assert result.by_year["net_trend_factor"].tolist() == pytest.approx([(1.05 / 1.02) ** 3, (1.05 / 1.02) ** 2])
    loss_ratio = 1740.29625 / 2311.7688
    assert result.value("loss & LAE ratio") == pytest.approx(loss_ratio)
    assert result.indicated_change == pytest.approx((loss_ratio + 0.08) / 0.78 - 1)
    # a premium trend lowers the indication
    assert result.indicated_change < loss_ratio_indication(worked_example()).indicated_change


def test_loss_ratio_two_step_premium_trend():
    # Average on-level premium 1,100 / 10 = 110 (2022) and 1,100 / 11 = 100 (2023); latest
    # average written premium 110, written on average in the middle of 2023 (default).
    #   step 1: 110 / 110 = 1 and 110 / 100 = 1.1
    #   step 2: 1.02 ^ (2025.0 - 2023.5) = 1.02 ^ 1.5
    #   projected premium 1,100 x 1.02^1.5 x (1 + 1.1)
    result = loss_ratio_indication(worked_example(premium_trend=0.02, latest_average_written_premium=110.0))
    by_year = result.by_year
    assert by_year["current_trend_factor"].tolist() == pytest.approx([1.0, 1.1])
    assert by_year["projected_trend_factor"].tolist() == pytest.approx([1.02**1.5] * 2)
    projected = 1100 * 1.02**1.5 * 2.1
    assert result.value("projected earned premium") == pytest.approx(projected)
    assert result.value("loss & LAE ratio") == pytest.approx(1740.29625 / projected)
    # a later latest written date shortens step 2
    later = loss_ratio_indication(worked_example(premium_trend=0.02, latest_average_written_premium=110.0,
                                                 latest_written_date="2023-11-15"))  # fmt: skip
    assert later.by_year["projected_trend_factor"].iloc[0] == pytest.approx(
        1.02 ** (2025.0 - (2023 + 10 / 12 + 14 / 360))
    )


def test_pure_premium_method_ignores_premium_trend():
    plain = pure_premium_indication(worked_example())
    trended = pure_premium_indication(worked_example(premium_trend=0.04, latest_average_written_premium=120.0))
    assert trended.indicated_change == plain.indicated_change
    assert trended.steps.equals(plain.steps)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latest_written_date": 2023.5}, "latest_average_written_premium"),
        ({"premium_trend": -1.0}, "annual_trend"),
        ({"latest_average_written_premium": 0.0}, "latest_average_written_premium"),
    ],
)
def test_bad_premium_trend_inputs(changes, field):
    with pytest.raises(ParameterError, match=field):
        loss_ratio_indication(worked_example(**changes))

