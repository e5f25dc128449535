"""The off-balance computed from the book's relativities, against a hand computation and a property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_indication import WEIGHTED, worked_example  # rootdir-relative import

from autorisk.errors import DataError, ParameterError
from autorisk.indication import loss_ratio_indication, off_balance_factor

# Three levels, exposure 50 / 30 / 20:
#   current  1.0, 1.2, 0.8 -> (50 + 36 + 16) / 100 = 1.02
#   proposed 1.0, 1.3, 0.7 -> (50 + 39 + 14) / 100 = 1.03
#   off-balance factor 1.02 / 1.03 = 0.99029126; off-balance 1.03 / 1.02 - 1 = 0.00980392
CURRENT, PROPOSED, EXPOSURE = [1.0, 1.2, 0.8], [1.0, 1.3, 0.7], [50.0, 30.0, 20.0]


def test_off_balance_factor_by_hand():
    assert off_balance_factor(CURRENT, PROPOSED, EXPOSURE) == pytest.approx(1.02 / 1.03)
    # per policy instead of per level: 5 + 3 + 2 policies of exposure 10 each give the same factor
    per_policy = np.repeat([0, 1, 2], [5, 3, 2])
    assert off_balance_factor(np.take(CURRENT, per_policy), np.take(PROPOSED, per_policy)) == pytest.approx(
        1.02 / 1.03
    )


def test_indication_computes_the_off_balance_from_the_relativities():
    # Worked example: base rate 250, credibility-weighted change 0.07336138;
    # new base 250 x 1.07336138 = 268.340345, x 1.02 / 1.03 = 265.735099 (the off-balance given was +2%).
    result = loss_ratio_indication(worked_example(off_balance=0.0, current_relativity=CURRENT,
                                                  proposed_relativity=PROPOSED, relativity_exposure=EXPOSURE))  # fmt: skip
    assert result.value("off-balance factor") == pytest.approx(1.02 / 1.03)
    assert result.value("off-balance") == pytest.approx(1.03 / 1.02 - 1)
    assert result.new_base_rate == pytest.approx(250 * (1 + WEIGHTED) * 1.02 / 1.03)
    assert result.new_base_rate == pytest.approx(265.735099, rel=1e-7)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n=st.integers(1, 8), change=st.floats(-0.3, 0.3))
def test_new_base_and_relativities_deliver_the_overall_change(data, n, change):
    # Property: average premium after = new base x average proposed relativity
    #         = (1 + change) x current base x average current relativity.
    relativity = st.floats(0.2, 3.0)
    current = np.array(data.draw(st.lists(relativity, min_size=n, max_size=n)))
    proposed = np.array(data.draw(st.lists(relativity, min_size=n, max_size=n)))
    exposure = np.array(data.draw(st.lists(st.floats(0.1, 1e4), min_size=n, max_size=n)))
    result = loss_ratio_indication(worked_example(credibility=0.0, complement_change=change, off_balance=0.0,
                                                  current_relativity=current, proposed_relativity=proposed,
                                                  relativity_exposure=exposure))  # fmt: skip
    before = 250 * np.average(current, weights=exposure)
    after = result.new_base_rate * np.average(proposed, weights=exposure)
    assert after / before == pytest.approx(1 + change, rel=1e-9)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"current_relativity": CURRENT}, ParameterError, "proposed_relativity"),
        ({"current_relativity": CURRENT, "proposed_relativity": PROPOSED}, ParameterError, "not both"),
        ({"off_balance": 0.0, "current_relativity": CURRENT, "proposed_relativity": [1.0, -1.0, 1.0]},
         DataError, "proposed_relativity"),
        ({"off_balance": 0.0, "current_relativity": CURRENT, "proposed_relativity": PROPOSED[:2]},
         DataError, "length"),
        ({"off_balance": 0.0, "relativity_exposure": EXPOSURE}, ParameterError, "relativity_exposure"),
    ],
)  # fmt: skip
def test_bad_relativities(changes, error, field):
    with pytest.raises(error, match=field):
        loss_ratio_indication(worked_example(**changes))
