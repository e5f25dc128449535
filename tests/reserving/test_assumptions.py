"""Mack's (1994) tests of the chain ladder assumptions, against an independent computation.

Mack (1994) works its example on the RAA data (chainladder's ``raa`` sample),
not on Taylor-Ashe (``genins``), and reports T = 0.070 with the 50% interval
[-0.127, 0.127] and Z = 14 with E(Z) = 12.875. We could not read the paper's
own text here, so those figures are checked as quoted (they agree with
chainladder's documentation), and every statistic, on raa and on genins, is
checked against the hand computation below, which follows Mack's appendices
with plain numpy/scipy and shares no code with chainladder.
"""

from math import comb

import chainladder as cl
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, spearmanr

from autorisk.errors import ParameterError
from autorisk.reserving import AssumptionTest, calendar_year_effect, development_factor_correlation


def _factors(triangle: cl.Triangle) -> np.ndarray:
    """Age-to-age factors F[i, k] = C[i, k+1] / C[i, k] (NaN where not observed)."""
    c = triangle.values[0, 0]
    return c[:, 1:] / c[:, :-1]


def _mack_t(triangle: cl.Triangle) -> tuple[float, float]:
    """Mack 1994 App. G: weighted average of Spearman's T_k over adjacent factor columns, Var(T)."""
    f = _factors(triangle)
    n_ages = triangle.shape[3]
    ts, weights = [], []
    for k in range(1, f.shape[1] - 1):  # pairs (column k-1, column k) with >= 2 common origins
        rows = ~np.isnan(f[:, k])
        if rows.sum() < 2:
            continue
        ts.append(spearmanr(f[rows, k - 1], f[rows, k]).statistic)
        weights.append(rows.sum() - 1)
    return float(np.average(ts, weights=weights)), 2 / ((n_ages - 2) * (n_ages - 3))


def _mack_z(triangle: cl.Triangle) -> tuple[float, float, float]:
    """Mack 1994 App. H: Z = sum over diagonals of min(#small, #large), E(Z), Var(Z)."""
    f = _factors(triangle)
    n_origins = f.shape[0]
    small = np.zeros(2 * n_origins)
    large = np.zeros(2 * n_origins)
    for k in range(f.shape[1]):
        rows = np.flatnonzero(~np.isnan(f[:, k]))
        median = np.median(f[rows, k])
        for i in rows:  # factor F[i, k] lies on diagonal i + k
            small[i + k] += f[i, k] < median
            large[i + k] += f[i, k] > median
    z = expected = variance = 0.0
    for s, lg in zip(small, large, strict=True):
        n = int(s + lg)
        if n == 0:
            continue
        m = (n - 1) // 2
        e = n / 2 - comb(n - 1, m) * n / 2**n
        z += min(s, lg)
        expected += e
        variance += n * (n - 1) / 4 - comb(n - 1, m) * n * (n - 1) / 2**n + e - e**2
    return z, expected, variance


def _triangle(values: np.ndarray) -> cl.Triangle:
    """A cumulative annual triangle from an upper-left square of values (NaN below the diagonal)."""
    rows = [
        {"origin": str(2010 + i), "development": str(2010 + i + j), "paid": values[i, j]}
        for i in range(values.shape[0])
        for j in range(values.shape[0] - i)
    ]
    return cl.Triangle(
        pd.DataFrame(rows), origin="origin", development="development", columns="paid", cumulative=True
    )


@pytest.fixture(scope="module", params=["raa", "genins"])
def sample(request) -> cl.Triangle:
    return cl.load_sample(request.param)


def test_correlation_test_matches_the_hand_computation(sample):
    t, variance = _mack_t(sample)
    test = development_factor_correlation(sample)
    assert test.statistic == pytest.approx(t, abs=1e-12)
    assert test.variance == pytest.approx(variance) and test.expected == 0
    half = norm.ppf(0.75) * np.sqrt(variance)
    assert test.interval == pytest.approx((-half, half))
    assert test.within_interval == (abs(t) <= half)
    assert list(test.table.columns) == ["factors", "t", "weight"]
    assert test.table["weight"].tolist() == [7, 6, 5, 4, 3, 2, 1]


def test_correlation_test_on_raa_gives_mack_1994_figures():
    test = development_factor_correlation(cl.load_sample("raa"))
    assert round(test.statistic, 3) == 0.070
    assert tuple(round(x, 3) for x in test.interval) == (-0.127, 0.127)
    assert test.within_interval and "inside the 50% interval" in test.conclusion
    assert test.table.loc[2, "factors"] == "12-24 & 24-36"


def test_calendar_year_test_matches_the_hand_computation(sample):
    z, expected, variance = _mack_z(sample)
    test = calendar_year_effect(sample)
    assert (test.statistic, test.expected) == pytest.approx((z, expected), abs=1e-12)
    assert test.variance == pytest.approx(variance, abs=1e-12)
    half = 1.959964 * np.sqrt(variance)
    assert test.interval == pytest.approx((expected - half, expected + half), rel=1e-6)
    # the table's rows add up to the statistic
    assert test.table[["z", "expected", "variance"]].sum().tolist() == pytest.approx(
        [z, expected, variance]
    )


def test_calendar_year_test_on_raa_gives_mack_1994_figures():
    test = calendar_year_effect(cl.load_sample("raa"))
    assert test.statistic == 14 and test.expected == pytest.approx(12.875)
    assert test.within_interval and isinstance(test, AssumptionTest)
    assert "<table" in test._repr_html_() and "Calendar-year" in repr(test)


def test_a_calendar_year_shock_is_detected():
    # A triangle whose development is flat except for a +/-30% swing on alternate
    # diagonals: every diagonal holds only large or only small factors, so Z = 0.
    n = 8
    values = np.full((n, n), np.nan)
    for i in range(n):
        cumulative = 1000.0
        for j in range(n - i):
            if j:
                cumulative *= 1.3 if (i + j) % 2 else 1.05
            values[i, j] = cumulative
    triangle = _triangle(values)
    test = calendar_year_effect(triangle)
    assert test.statistic == 0
    assert not test.within_interval and "doubtful" in test.conclusion
    assert test.statistic == _mack_z(triangle)[0]


def test_correlation_is_detected_when_factors_move_together():
    # origins with a fast start keep developing fast: rank correlation +1 everywhere
    n = 8
    speed = np.linspace(0.1, 0.8, n)[::-1]
    values = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n - i):
            values[i, j] = 1000.0 * np.prod(1 + speed[i] / (1 + np.arange(j)))
    triangle = _triangle(values)
    test = development_factor_correlation(triangle)
    assert test.statistic == pytest.approx(1.0) and not test.within_interval


def test_bad_arguments():
    raa = cl.load_sample("raa")
    with pytest.raises(ParameterError, match="confidence=1.5 must be a probability"):
        calendar_year_effect(raa, confidence=1.5)
    with pytest.raises(ParameterError, match="as many origins as development ages"):
        development_factor_correlation(raa.iloc[:, :, :, :6])
    with pytest.raises(ParameterError, match="at least 4 development ages"):
        development_factor_correlation(_triangle(np.cumsum(np.ones((3, 3)), axis=1)))
    with pytest.raises(ParameterError, match="must be cumulative"):
        calendar_year_effect(raa.cum_to_incr())
