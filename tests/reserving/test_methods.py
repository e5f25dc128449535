"""Chain ladder (Mack) and Bornhuetter-Ferguson against published figures and by hand."""

import chainladder as cl
import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError
from autorisk.reserving import ReserveResult, bornhuetter_ferguson, build_triangle, mack


@pytest.fixture(scope="module")
def genins() -> cl.Triangle:
    return cl.load_sample("genins")


@pytest.fixture(scope="module")
def raa() -> cl.Triangle:
    return cl.load_sample("raa")


def test_mack_genins_taylor_ashe(genins):
    # Mack (1993) on Taylor & Ashe: IBNR 18,680,856, total s.e. 2,447,095.
    result = mack(genins, sigma="mack")
    assert round(result.total["ibnr"]) == 18_680_856
    assert round(result.total["std_err"]) == 2_447_095


def test_mack_raa_log_linear(raa):
    result = mack(raa, sigma="log-linear")
    assert round(result.total["ibnr"]) == 52_135
    assert round(result.total["std_err"]) == 26_881


def test_mack_table_is_tidy(raa):
    result = mack(raa)
    assert isinstance(result, ReserveResult)
    table = result.table
    assert list(table.columns) == ["latest", "ultimate", "ibnr", "std_err", "cv"]
    assert isinstance(table.index, pd.PeriodIndex) and table.index.name == "origin"
    assert str(table.index[0]) == "1981"
    np.testing.assert_allclose(table["ultimate"] - table["latest"], table["ibnr"])
    assert table.loc[pd.Period("1981", "Y"), "ibnr"] == 0
    # The total error allows for correlation between origins: not a plain sum,
    # but between the root-sum-of-squares and the sum.
    assert np.sqrt((table["std_err"] ** 2).sum()) < result.total["std_err"] < table["std_err"].sum()
    assert result.ultimate.sum() == pytest.approx(result.total["ultimate"])
    assert "Total" in repr(result) and "<table" in result._repr_html_()


def test_sigma_options_differ_only_in_errors(raa):
    by_mack, by_log = mack(raa, sigma="mack"), mack(raa, sigma="log-linear")
    pd.testing.assert_series_equal(by_mack.ultimate, by_log.ultimate)
    assert by_mack.total["std_err"] != by_log.total["std_err"]


def test_bf_with_chain_ladder_apriori_gives_chain_ladder(genins, raa):
    for triangle in (genins, raa):
        chain_ladder = mack(triangle).ultimate
        bf = bornhuetter_ferguson(triangle, chain_ladder)
        np.testing.assert_allclose(bf.ultimate, chain_ladder, rtol=1e-10)
        # ... also given as a plain sequence in origin order
        bf = bornhuetter_ferguson(triangle, chain_ladder.to_numpy() / 2, apriori_loss_ratio=2.0)
        np.testing.assert_allclose(bf.ultimate, chain_ladder, rtol=1e-10)


def test_bf_by_hand_on_tiny_triangle():
    claims = pd.DataFrame(
        {
            "accident_date": pd.to_datetime(
                ["2019-01-01", "2019-01-01", "2019-01-01", "2020-01-01", "2020-01-01", "2021-01-01"]
            ),
            "paid_date": pd.to_datetime(
                ["2019-06-01", "2020-06-01", "2021-06-01", "2020-06-01", "2021-06-01", "2021-06-01"]
            ),
            "paid": [100.0, 50.0, 10.0, 200.0, 80.0, 120.0],
        }
    )
    tri = build_triangle(claims, development="paid_date", value="paid", valuation_date="2021-12-31")
    # cumulative: 2019: 100 150 160; 2020: 200 280; 2021: 120
    f12 = (150 + 280) / (100 + 200)
    f23 = 160 / 150
    cdf = {"2019": 1.0, "2020": f23, "2021": f12 * f23}
    premium = {"2019": 400.0, "2020": 500.0, "2021": 600.0}
    latest = {"2019": 160.0, "2020": 280.0, "2021": 120.0}
    result = bornhuetter_ferguson(tri, premium, apriori_loss_ratio=0.6)
    for origin in cdf:
        ibnr = 0.6 * premium[origin] * (1 - 1 / cdf[origin])
        row = result.table.loc[pd.Period(origin, "Y")]
        assert row["ibnr"] == pytest.approx(ibnr)
        assert row["ultimate"] == pytest.approx(latest[origin] + ibnr)
        assert row["apriori"] == pytest.approx(0.6 * premium[origin])
    # Mack's point estimate is the plain chain ladder on the same triangle
    cl_ult = mack(tri).ultimate
    assert cl_ult.iloc[2] == pytest.approx(120 * f12 * f23)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda t: mack(t, sigma="exponential"),
            "sigma='exponential' is not valid; valid options: 'mack', 'log-linear'",
        ),
        (lambda t: mack(t, average="median"), "average='median' is not valid"),
        (lambda t: mack(t.cum_to_incr()), "must be cumulative"),
        (lambda t: mack(t.to_frame()), "must be a chainladder.Triangle"),
        (
            lambda t: bornhuetter_ferguson(t, [1.0, 2.0]),
            "has 2 values but the triangle has 10 origins",
        ),
        (lambda t: bornhuetter_ferguson(t, 0.0), "> 0 for every origin"),
        (lambda t: bornhuetter_ferguson(t, {1981: 1.0}), "missing: \\['1982'"),
        (lambda t: bornhuetter_ferguson(t, 1.0, apriori_loss_ratio=-1), "apriori_loss_ratio=-1"),
    ],
)
def test_bad_arguments(raa, call, match):
    with pytest.raises(ParameterError, match=match):
        call(raa)


def test_one_triangle_only():
    clrd = cl.load_sample("clrd")
    with pytest.raises(ParameterError, match="one triangle"):
        mack(clrd)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the exact link ratios give zero sigmas
def test_exponential_tail_matches_the_closed_form():
    # Link ratio at step k is exactly 1 + exp(a + b k), so the fitted curve is exact
    # and the tail factor is the product of the next 100 terms (chainladder's default).
    a, b, n = np.log(0.8), -0.7, 6
    rows = []
    for i in range(n):
        cumulative = 1000.0 * (1 + i)
        for j in range(n - i):
            if j:
                cumulative *= 1 + np.exp(a + b * j)
            rows.append({"origin": str(2010 + i), "development": str(2010 + i + j), "paid": cumulative})
    triangle = cl.Triangle(
        pd.DataFrame(rows), origin="origin", development="development", columns="paid", cumulative=True
    )
    plain, tailed = mack(triangle), mack(triangle, tail="exponential")
    tail_factor = np.prod(1 + np.exp(a + b * np.arange(n, n + 100)))
    np.testing.assert_allclose(tailed.ultimate / plain.ultimate, tail_factor, rtol=1e-9)
    assert tailed.settings["tail"] == "exponential" and "tail" not in plain.settings


def test_tail_option_is_checked(raa):
    with pytest.raises(ParameterError, match="tail='weibull' is not valid"):
        mack(raa, tail="weibull")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_bf_with_a_tail_develops_the_oldest_origin_by_its_share_to_come(raa):
    # BF IBNR = a priori x (1 - 1/CDF); with a tail the oldest origin's CDF is the tail factor itself.
    plain = bornhuetter_ferguson(raa, 40_000, apriori_loss_ratio=0.7)
    tailed = bornhuetter_ferguson(raa, 40_000, apriori_loss_ratio=0.7, tail="exponential")
    tail_factor = mack(raa, tail="exponential").ultimate.iloc[0] / mack(raa).ultimate.iloc[0]
    assert plain.table["ibnr"].iloc[0] == 0
    assert tailed.table["ibnr"].iloc[0] == pytest.approx(28_000 * (1 - 1 / tail_factor), rel=1e-9)
    assert (tailed.table["ibnr"] >= plain.table["ibnr"] - 1e-6).all()
