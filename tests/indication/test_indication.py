"""Loss-ratio and pure-premium indications against a worked example done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from autorisk.errors import DataError, ParameterError
from autorisk.indication import (
    FREQUENCY_STANDARD,
    Indication,
    classical_credibility,
    loss_ratio_indication,
    pure_premium_indication,
    pure_premium_standard,
    trended_present_rates_change,
)

# Worked example, two accident years:
#   earned premium 1,000 and 1,100; on-level factors 1.10 and 1.00
#     -> on-level premium 1,100 + 1,100 = 2,200
#   exposure 10 + 11 = 21 -> current average rate 2,200 / 21 = 104.761905
#   reported losses 700 and 560, LDFs 1.00 and 1.25 -> ultimate 700 + 700 = 1,400
#   LAE 10% of loss -> loss & LAE 770 + 770 = 1,540
#   rates effective 1 Jul 2024 for 12 months, annual policies:
#     forecast average accident date 2024.5 + 0.5 + 0.5 = 2025.5
#     AY 2022 (midpoint 2022.5): 3 years at 5% -> 1.05^3 = 1.157625
#     AY 2023 (midpoint 2023.5): 2 years at 5% -> 1.05^2 = 1.1025
#   trended loss & LAE 770 x 1.157625 + 770 x 1.1025 = 891.37125 + 848.925 = 1,740.29625
#   loss & LAE ratio 1,740.29625 / 2,200 = 0.79104375
#   F = 8%, V = 17%, Q = 5% -> permissible 1 - 0.17 - 0.05 = 0.78
#   indicated change (0.79104375 + 0.08) / 0.78 - 1 = 0.87104375 / 0.78 - 1 = 0.11672276
#   claims 100 + 170.5 = 270.5 -> Z = sqrt(270.5 / 1,082) = sqrt(0.25) = 0.5
#   complement +3% -> weighted 0.5 x 0.11672276 + 0.5 x 0.03 = 0.07336138
#   base rate 250, off-balance +2% -> 250 x 1.07336138 / 1.02 = 263.078769
INDICATED = (1740.29625 / 2200 + 0.08) / 0.78 - 1
WEIGHTED = 0.5 * INDICATED + 0.5 * 0.03


def worked_example(**changes):
    inputs = dict(
        years=[2022, 2023], earned_exposure=[10.0, 11.0], earned_premium=[1000.0, 1100.0],
        on_level_factor=[1.10, 1.00], losses=[700.0, 560.0], development_factors=[1.0, 1.25],
        lae_ratio=0.10, loss_trend=0.05, forecast_effective="2024-07-01",
        fixed_expense_ratio=0.08, variable_expense_ratio=0.17, profit_ratio=0.05,
        claim_counts=[100, 170.5], full_credibility_claims=1082, complement_change=0.03, current_base_rate=250.0,
        off_balance=0.02,
    )  # fmt: skip
    inputs.update(changes)
    return Indication(**inputs)


def test_loss_ratio_indication_every_step():
    result = loss_ratio_indication(worked_example())
    expected = {
        "earned exposure": 21.0,
        "on-level earned premium": 2200.0,
        "current average rate": 2200 / 21,
        "ultimate loss": 1400.0,
        "ultimate loss & LAE": 1540.0,
        "forecast average accident date": 2025.5,
        "trended ultimate loss & LAE": 1740.29625,
        "loss & LAE ratio": 0.79104375,
        "fixed expense ratio": 0.08,
        "variable expense ratio": 0.17,
        "profit ratio": 0.05,
        "permissible loss ratio": 0.78,
        "indicated change": 0.11672276,
        "full credibility claims": 1082.0,
        "claim count": 270.5,
        "credibility": 0.5,
        "complement change": 0.03,
        "credibility-weighted change": 0.07336138,
        "current base rate": 250.0,
        "off-balance": 0.02,
        "new base rate": 263.078769,
    }
    assert result.steps["step"].tolist() == list(expected)
    for step, value in expected.items():
        assert result.value(step) == pytest.approx(value, rel=1e-7), step
    assert result.indicated_change == pytest.approx(INDICATED)
    assert result.credibility == 0.5
    assert result.credibility_weighted_change == pytest.approx(WEIGHTED)
    assert result.new_base_rate == pytest.approx(250 * (1 + WEIGHTED) / 1.02)
    by_year = result.by_year
    assert by_year["trend_factor"].tolist() == pytest.approx([1.157625, 1.1025])
    assert by_year["loss_ratio"].tolist() == pytest.approx([891.37125 / 1100, 848.925 / 1100])


def test_pure_premium_indication_by_hand_agrees():
    # PP = 1,740.29625 / 21 = 82.87125; F_e = 0.08 x 104.761905 = 8.380952
    # indicated average rate (82.87125 + 8.380952) / 0.78 = 116.990003
    # change 116.990003 / 104.761905 - 1 = 0.11672276, as by the loss-ratio method.
    result = pure_premium_indication(worked_example())
    assert result.value("pure premium") == pytest.approx(82.87125)
    assert result.value("fixed expense per exposure") == pytest.approx(8.380952, rel=1e-7)
    assert result.value("indicated average rate") == pytest.approx(116.990003, rel=1e-7)
    assert result.indicated_change == pytest.approx(INDICATED)
    assert result.new_base_rate == pytest.approx(
        loss_ratio_indication(worked_example()).new_base_rate
    )


def test_on_level_premium_and_fixed_expense_per_exposure_inputs():
    # Same example with on-level premium given directly and F_e = 8% x 2,200 / 21 per exposure.
    inputs = worked_example(
        earned_premium=None, on_level_factor=None, on_level_premium=[1100.0, 1100.0],
        fixed_expense_ratio=None, fixed_expense_per_exposure=0.08 * 2200 / 21,
    )  # fmt: skip
    assert loss_ratio_indication(inputs).indicated_change == pytest.approx(INDICATED)
    assert pure_premium_indication(inputs).indicated_change == pytest.approx(INDICATED)


def test_year_weights():
    # Weights 0.4 / 0.6 of the yearly loss ratios 891.37125 / 1,100 and 848.925 / 1,100
    lr = 0.4 * 891.37125 / 1100 + 0.6 * 848.925 / 1100
    result = loss_ratio_indication(worked_example(year_weights=[2, 3]))
    assert result.value("loss & LAE ratio") == pytest.approx(lr)
    assert result.indicated_change == pytest.approx((lr + 0.08) / 0.78 - 1)


@settings(max_examples=60, deadline=None)
@given(
    n_years=st.integers(1, 5),
    data=st.data(),
    rate=st.floats(10, 2000),
    variable=st.floats(0, 0.4),
    profit=st.floats(-0.05, 0.15),
    fixed=st.floats(0, 0.2),
    trend=st.floats(-0.1, 0.15),
    lae=st.floats(0, 0.3),
    per_exposure=st.booleans(),
    weighted=st.booleans(),
    fixed_trend=st.floats(-0.05, 0.1),
)
def test_methods_agree_when_premium_is_exposure_times_current_rate(
    n_years, data, rate, variable, profit, fixed, trend, lae, per_exposure, weighted, fixed_trend
):
    positive = st.floats(0.5, 1e5)
    exposure = np.array(data.draw(st.lists(positive, min_size=n_years, max_size=n_years)))
    losses = np.array(data.draw(st.lists(st.floats(0, 1e7), min_size=n_years, max_size=n_years)))
    ldf = np.array(data.draw(st.lists(st.floats(1, 3), min_size=n_years, max_size=n_years)))
    weights = data.draw(st.lists(st.floats(0.1, 5), min_size=n_years, max_size=n_years))
    inputs = Indication(
        years=list(range(2020, 2020 + n_years)), earned_exposure=exposure, losses=losses,
        development_factors=ldf, on_level_premium=exposure * rate, lae_ratio=lae, loss_trend=trend,
        forecast_effective="2026-01-01", variable_expense_ratio=variable, profit_ratio=profit,
        fixed_expense_ratio=None if per_exposure else fixed,
        fixed_expense_per_exposure=fixed * rate if per_exposure else None,
        year_weights=weights if weighted else None, fixed_expense_trend=fixed_trend,
    )  # fmt: skip
    lr = loss_ratio_indication(inputs).indicated_change
    pp = pure_premium_indication(inputs).indicated_change
    assert pp == pytest.approx(lr, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("claims", "z"), [(0, 0.0), (270.5, 0.5), (608.625, 0.75), (1082, 1.0), (5000, 1.0)]
)
def test_classical_credibility(claims, z):
    # Z = min(1, sqrt(n / 1082)): 270.5 / 1082 = 1/4 -> 0.5; 608.625 / 1082 = 9/16 -> 0.75
    assert classical_credibility(claims) == pytest.approx(z)


def test_credibility_weighted_change_by_hand():
    # Given Z = 0.3: 0.3 x 0.11672276 + 0.7 x 0.03 = 0.03501683 + 0.021 = 0.05601683
    result = loss_ratio_indication(worked_example(credibility=0.3))
    assert result.credibility_weighted_change == pytest.approx(0.3 * INDICATED + 0.7 * 0.03)
    assert result.credibility_weighted_change == pytest.approx(0.05601683, rel=1e-6)
    # No claim counts nor Z: fully credible.
    full = loss_ratio_indication(worked_example(claim_counts=None))
    assert full.credibility == 1.0
    assert full.credibility_weighted_change == pytest.approx(INDICATED)


def test_trended_present_rates_complement():
    # 1.06 / 1.04 x 1.03^2 - 1 = 1.0192308 x 1.0609 - 1 = 0.0813019
    change = trended_present_rates_change(0.03, 2, prior_indicated=0.06, prior_implemented=0.04)
    assert change == pytest.approx(1.06 / 1.04 * 1.0609 - 1)
    assert math.isclose(change, 0.0813019, rel_tol=1e-6)


def test_negative_premium_names_the_field():
    with pytest.raises(DataError, match="earned_premium") as info:
        loss_ratio_indication(worked_example(earned_premium=[1000.0, -1.0]))
    assert info.value.columns == ["earned_premium"]
    assert info.value.issues[0].rows == (2023,)


def test_expense_and_profit_must_leave_room_for_losses():
    with pytest.raises(ParameterError, match=r"variable_expense_ratio \+ profit_ratio"):
        loss_ratio_indication(worked_example(variable_expense_ratio=0.8, profit_ratio=0.2))
    with pytest.raises(ParameterError, match="variable_expense_ratio"):
        pure_premium_indication(worked_example(variable_expense_ratio=1.2))


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"losses": [700.0]}, DataError, "losses"),
        ({"earned_exposure": [10.0, 0.0]}, DataError, "earned_exposure"),
        ({"development_factors": [1.0, float("nan")]}, DataError, "development_factors"),
        ({"claim_counts": [-1, 3]}, DataError, "claim_counts"),
        ({"credibility": 1.5}, ParameterError, "credibility"),
        ({"fixed_expense_per_exposure": 5.0}, ParameterError, "fixed_expense"),
        ({"on_level_premium": [1.0, 1.0]}, ParameterError, "on_level_premium"),
        ({"years": [2022, 2022]}, ParameterError, "years"),
        ({"off_balance": -1.0}, ParameterError, "off_balance"),
        ({"experience_period": "calendar"}, ParameterError, "experience_period"),
    ],
)
def test_bad_inputs_name_the_field(changes, error, field):
    with pytest.raises(error, match=field):
        loss_ratio_indication(worked_example(**changes))


def test_loss_ratio_method_needs_premium():
    with pytest.raises(ParameterError, match="on_level_premium or earned_premium"):
        loss_ratio_indication(worked_example(earned_premium=None, on_level_factor=None))
    # the pure-premium method can run on a given current average rate
    result = pure_premium_indication(
        worked_example(earned_premium=None, on_level_factor=None, current_average_rate=2200 / 21)
    )
    assert result.indicated_change == pytest.approx(INDICATED)


def test_result_renders():
    result = loss_ratio_indication(worked_example())
    text = repr(result)
    assert text.startswith("loss-ratio indication") and "new base rate" in text
    page = result._repr_html_()
    assert "<table" in page and "(LR + F) / (1 - V - Q) - 1" in page


# Credibility standard of a pure premium / loss ratio (Werner & Modlin ch. 12), by hand:
#   n_full = (z / k)^2 (1 + CV^2), z = norm.ppf(0.95), k = 0.05;  Z = min(1, sqrt(n / n_full)).
def _hand_standard(cv: float) -> float:
    return (norm.ppf(0.95) / 0.05) ** 2 * (1 + cv**2)


@pytest.mark.parametrize("cv", [0.0, 1.0, 2.5])
def test_pure_premium_standard_by_hand(cv):
    assert pure_premium_standard(cv) == pytest.approx(_hand_standard(cv), rel=1e-12)
    assert FREQUENCY_STANDARD == pytest.approx(1082.217, abs=1e-3)  # (1.6448536 / 0.05)^2


def test_credibility_uses_given_severity_cv():
    result = loss_ratio_indication(worked_example(full_credibility_claims=None, severity_cv=2.5))
    full = _hand_standard(2.5)
    assert result.value("severity CV") == 2.5
    assert result.value("full credibility claims") == pytest.approx(full)
    assert result.credibility == pytest.approx(math.sqrt(270.5 / full))
    # The frequency standard overstates Z by sqrt(1 + CV^2).
    freq = loss_ratio_indication(worked_example(full_credibility_claims=None, severity_cv=0.0))
    assert freq.credibility / result.credibility == pytest.approx(math.sqrt(1 + 2.5**2))


def test_credibility_cv_is_the_sample_cv_of_claim_amounts():
    rng = np.random.default_rng(3)
    amounts = rng.lognormal(7.0, 1.2, size=400)
    cv = np.std(amounts, ddof=1) / np.mean(amounts)
    result = pure_premium_indication(
        worked_example(full_credibility_claims=None, claim_amounts=amounts, claim_counts=[300, 400])
    )
    assert result.value("severity CV") == pytest.approx(cv, rel=1e-12)
    assert result.credibility == pytest.approx(min(1.0, math.sqrt(700 / _hand_standard(cv))))


def test_credibility_without_cv_warns_and_uses_frequency_standard():
    with pytest.warns(UserWarning, match="severity_cv"):
        result = loss_ratio_indication(worked_example(full_credibility_claims=None))
    assert result.credibility == pytest.approx(math.sqrt(270.5 / _hand_standard(0.0)))


@pytest.mark.parametrize(
    "changes, error, field",
    [
        ({"claim_amounts": [100.0, -5.0, 30.0]}, DataError, "claim_amounts"),
        ({"claim_amounts": [100.0]}, ParameterError, "claim_amounts"),
        ({"claim_amounts": [1.0, 2.0], "severity_cv": 1.0}, ParameterError, "severity_cv"),
        ({"severity_cv": -1.0}, ParameterError, "severity_cv"),
    ],
)
def test_bad_severity_inputs_name_the_field(changes, error, field):
    with pytest.raises(error, match=field):
        loss_ratio_indication(worked_example(full_credibility_claims=None, **changes))


def test_steps_read_without_exponents_and_large_amounts_with_separators():
    # A book's premium of 137,747,123.4 showed as 1.37747e+08: amounts of a million and more are
    # whole units with separators, the rest (years, rates, ratios) to 6 significant digits.
    big = worked_example(earned_premium=[1000.0 * 62_612.33, 1100.0 * 62_612.33],
                         losses=[700.0 * 62_612.33, 560.0 * 62_612.33])  # fmt: skip
    result = loss_ratio_indication(big)
    text, page = repr(result), result._repr_html_()
    assert "e+" not in text and "e-0" not in text and "e+" not in page
    premium = 2200.0 * 62_612.33
    assert f"{premium:,.0f}" in text and f"{premium:,.0f}" in page
    assert "2025.5" in text  # the forecast average accident date stays a year
    assert f"{INDICATED:.6g}" in text


def test_fixed_expense_trend_by_hand():
    # Worked example with fixed expense trending at 3% a year from the middle of 2023 (the
    # default: middle of the latest experience year) to the forecast average written date
    # 2024.5 + 0.5 = 2025.0: 1.5 years, factor 1.03^1.5 = 1.0453358.
    #   F = 0.08 x 1.0453358 = 0.0836269; indicated (0.79104375 + 0.0836269) / 0.78 - 1
    factor = 1.03**1.5
    result = loss_ratio_indication(worked_example(fixed_expense_trend=0.03))
    assert result.value("fixed expense date") == 2023.5
    assert result.value("forecast average written date") == 2025.0
    assert result.value("fixed expense trend factor") == pytest.approx(1.0453358, rel=1e-7)
    assert result.value("fixed expense ratio") == pytest.approx(0.08 * factor)
    assert result.indicated_change == pytest.approx((0.79104375 + 0.08 * factor) / 0.78 - 1)
    # an earlier expense period (calendar year 2022) trends one more year
    earlier = loss_ratio_indication(worked_example(fixed_expense_trend=0.03, fixed_expense_date="2022-07-01"))
    assert earlier.value("fixed expense ratio") == pytest.approx(0.08 * 1.03**2.5)
    # the pure-premium method trends F_e alike, so the methods still agree
    pure = pure_premium_indication(worked_example(fixed_expense_trend=0.03, fixed_expense_ratio=None,
                                                  fixed_expense_per_exposure=0.08 * 2200 / 21))  # fmt: skip
    assert pure.value("fixed expense per exposure") == pytest.approx(0.08 * 2200 / 21 * factor)
    assert pure.indicated_change == pytest.approx(result.indicated_change)
    with pytest.raises(ParameterError, match="annual_trend"):
        loss_ratio_indication(worked_example(fixed_expense_trend=-1.5))
