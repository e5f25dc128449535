"""Lorenz curve and Gini: hand-computed examples and properties.

Gini = 1 - 2 * (trapezoid area under the exposure-weighted Lorenz curve),
policies sorted by predicted rate ascending, ties grouped into one point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autorisk.errors import DataError
from autorisk.evaluate import gini, lorenz_curve


def test_gini_by_hand_equal_exposure():
    # Four policies of one year, predicted 1 < 2 < 3 < 4, with 0, 1, 1, 2 claims (4 in all).
    # Lorenz points (exposure share, claim share): (0, 0), (.25, 0), (.5, .25), (.75, .5), (1, 1).
    # Trapezoids of width .25: (0 + 0)/2 + (0 + .25)/2 + (.25 + .5)/2 + (.5 + 1)/2
    #                        = 0 + .125 + .375 + .75 = 1.25, times .25 = .3125.
    # Gini = 1 - 2 * .3125 = .375.
    actual, predicted = [0, 1, 1, 2], [1.0, 2.0, 3.0, 4.0]
    curve = lorenz_curve(actual, predicted)
    assert curve["exposure_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert curve["actual_share"].tolist() == [0, 0, 0.25, 0.5, 1]
    assert gini(actual, predicted) == pytest.approx(0.375, abs=1e-15)


def test_gini_by_hand_with_exposure_and_a_tie():
    # policy  exposure  predicted  rate = predicted / exposure  claims
    #   A       1.0       0.1        0.1                          0
    #   B       2.0       0.4        0.2                          1
    #   C       0.5       0.1        0.2  (tie with B)            0
    #   D       0.5       0.3        0.6                          2
    # Total exposure 4, total claims 3. B and C form one point (exposure 2.5, 1 claim):
    # points (0, 0), (1/4, 0), (3.5/4 = .875, 1/3), (1, 1).
    # Area = .25 * (0 + 0)/2 + .625 * (0 + 1/3)/2 + .125 * (1/3 + 1)/2
    #      = 0 + .625/6 + .125 * 2/3 = .1041667 + .0833333 = .1875.
    # Gini = 1 - 2 * .1875 = .625.
    # (Ordering the tie B, C would give .5833 and C, B .6667: grouping gives their mean.)
    exposure = np.array([1.0, 2.0, 0.5, 0.5])
    predicted = np.array([0.1, 0.4, 0.1, 0.3])
    claims = np.array([0, 1, 0, 2])
    curve = lorenz_curve(claims, predicted, exposure)
    assert curve["exposure_share"].to_numpy() == pytest.approx([0, 0.25, 0.875, 1])
    assert curve["actual_share"].to_numpy() == pytest.approx([0, 0, 1 / 3, 1])
    assert curve["rate"].iloc[1:].to_numpy() == pytest.approx([0.1, 0.2, 0.6])
    assert gini(claims, predicted, exposure) == pytest.approx(0.625, abs=1e-12)
    order = [3, 1, 0, 2]  # the row order does not matter
    assert gini(claims[order], predicted[order], exposure[order]) == pytest.approx(0.625, abs=1e-12)


def test_ties_survive_round_off_of_rate_times_exposure():
    """Rows of one rating cell whose rate * exposure / exposure differs in the last bit are one tie."""
    exposure = np.array([0.1, 0.3, 0.7, 0.9, 0.2])
    predicted = 0.123456789 * exposure
    assert len(np.unique(predicted / exposure)) > 1  # round-off splits the cell ...
    assert len(lorenz_curve([1, 0, 2, 0, 1], predicted, exposure)) == 2  # ... but not the curve
    assert gini([1, 0, 2, 0, 1], predicted, exposure) == 0


def test_weights_count_like_repeated_rows():
    repeated = gini([0, 1, 1, 2, 2], [1.0, 2.0, 2.0, 4.0, 4.0])
    assert gini([0, 1, 2], [1.0, 2.0, 4.0], weights=[1, 2, 2]) == pytest.approx(repeated)


def test_no_claims_is_an_error():
    with pytest.raises(DataError, match="no claims"):
        gini([0, 0], [1.0, 2.0])


# --------------------------------------------------------------- properties
@st.composite
def book(draw):
    n = draw(st.integers(2, 30))
    claims = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype=float)
    assume(claims.sum() > 0)
    exposure = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=n, max_size=n)))
    # Rates on a few levels, so ties are common.
    level = np.array(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)), dtype=float)
    return claims, level, exposure


@settings(max_examples=25, deadline=None)
@given(book())
def test_constant_rate_gives_zero(data):
    claims, _, exposure = data
    assert gini(claims, 0.07 * exposure, exposure) == pytest.approx(0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(book())
def test_reversed_ranking_flips_the_sign(data):
    claims, level, exposure = data
    forward = gini(claims, level * exposure, exposure)
    assert gini(claims, (6 - level) * exposure, exposure) == pytest.approx(-forward, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(book(), st.sampled_from([0.25, 2.0, 1024.0, 3.7]))
def test_invariant_to_scaling(data, scale):
    claims, level, exposure = data
    predicted = level * exposure
    assert gini(claims, scale * predicted, exposure) == pytest.approx(gini(claims, predicted, exposure), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(book(), st.randoms(use_true_random=False))
def test_perfect_ranking_is_the_maximum(data, random):
    claims, level, exposure = data
    perfect = claims + 0.5 * exposure  # rate = claims / exposure + 0.5: ranked by actual rate
    best = gini(claims, perfect, exposure)
    assert gini(claims, level * exposure, exposure) <= best + 1e-12
    if best > 0:
        assert gini(claims, level * exposure, exposure, normalize=True) <= 1 + 1e-12
        assert gini(claims, perfect, exposure, normalize=True) == pytest.approx(1.0)
    else:  # every policy has the same claim rate: nothing to rank, normalised Gini undefined
        assert np.isnan(gini(claims, level * exposure, exposure, normalize=True))
    order = list(range(len(claims)))
    random.shuffle(order)
    assert gini(claims[order], level[order] * exposure[order], exposure[order]) == pytest.approx(
        gini(claims, level * exposure, exposure), abs=1e-12
    )
    assert -1 < gini(claims, level * exposure, exposure) < 1
