"""Benktander and Cape Cod against chainladder's documented figures and by hand."""

import chainladder as cl
import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError
from autorisk.reserving import benktander, bornhuetter_ferguson, cape_cod, mack


@pytest.fixture(scope="module")
def raa() -> cl.Triangle:
    return cl.load_sample("raa")


@pytest.fixture(scope="module")
def xyz() -> tuple[cl.Triangle, pd.Series]:
    """chainladder's xyz sample: paid triangle and earned premium per accident year."""
    sample = cl.load_sample("xyz")
    premium = sample["Premium"].latest_diagonal.to_frame().iloc[:, 0]
    return sample["Paid"], premium


def _share_to_develop(triangle: cl.Triangle) -> pd.Series:
    """q = 1 - 1/CDF per origin, from the chain ladder ultimate: latest / ultimate = 1/CDF."""
    chain_ladder = mack(triangle).table
    return 1 - chain_ladder["latest"] / chain_ladder["ultimate"]


def test_benktander_is_bf_applied_to_the_bf_ultimate(raa):
    # Benktander (1976): U_GB = latest + q * U_BF, equivalently the credibility mix
    # (1 - q) U_CL + q U_BF (Mack 2000), with q = 1 - 1/CDF.
    q = _share_to_develop(raa)
    bf = bornhuetter_ferguson(raa, 40_000, apriori_loss_ratio=0.7).table
    gb = benktander(raa, 40_000, apriori_loss_ratio=0.7).table
    np.testing.assert_allclose(gb["ultimate"], bf["latest"] + q * bf["ultimate"], rtol=1e-10)
    chain_ladder = mack(raa).ultimate
    np.testing.assert_allclose(
        gb["ultimate"], (1 - q) * chain_ladder + q * bf["ultimate"], rtol=1e-10
    )
    # one more step applies the formula to the Benktander ultimate
    third = benktander(raa, 40_000, apriori_loss_ratio=0.7, n_iters=3).table
    np.testing.assert_allclose(third["ultimate"], gb["latest"] + q * gb["ultimate"], rtol=1e-10)


def test_benktander_one_step_is_bf_and_many_steps_the_chain_ladder(raa):
    bf = bornhuetter_ferguson(raa, 40_000, apriori_loss_ratio=0.7)
    one = benktander(raa, 40_000, apriori_loss_ratio=0.7, n_iters=1)
    pd.testing.assert_frame_equal(one.table, bf.table)
    many = benktander(raa, 40_000, apriori_loss_ratio=0.7, n_iters=500)
    np.testing.assert_allclose(many.ultimate, mack(raa).ultimate, rtol=1e-8)


def test_benktander_one_step_matches_chainladder_documented_xyz_figures(xyz):
    # chainladder's Benktander docstring (its default n_iters=1) prints these IBNRs for xyz
    paid, premium = xyz
    documented = [0.0, 115.472127, 914.033812, 2432.394513, 6037.026677, 13928.934651,
                  33925.451475, 69724.761575, 73410.593920, 52977.560411, 45873.769490]  # fmt: skip
    result = benktander(paid, premium, n_iters=1)
    np.testing.assert_allclose(result.ibnr, documented, rtol=1e-8)
    assert result.settings["n_iters"] == 1 and result.method == "Benktander"


def test_cape_cod_elr_by_hand(raa):
    # ELR = sum(latest) / sum(premium x used-up proportion), used-up proportion = 1/CDF
    premium = pd.Series(np.linspace(30_000, 48_000, 10), index=range(1981, 1991))
    q = _share_to_develop(raa)
    latest = mack(raa).table["latest"]
    used_up = premium.to_numpy() * (1 - q.to_numpy())
    elr = latest.sum() / used_up.sum()
    result = cape_cod(raa, premium)
    table = result.table
    np.testing.assert_allclose(table["elr"], elr, rtol=1e-10)
    np.testing.assert_allclose(table["apriori"], premium.to_numpy() * elr, rtol=1e-10)
    np.testing.assert_allclose(table["ibnr"], premium.to_numpy() * elr * q.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(table["ultimate"], table["latest"] + table["ibnr"], rtol=1e-12)
    # with one loss ratio, the ultimates add up to ELR x total premium (the used-up
    # premium earns the claims to date, the rest the IBNR)
    assert result.total["ultimate"] == pytest.approx(elr * premium.sum(), rel=1e-10)
    assert result.total["elr"] == pytest.approx(elr, rel=1e-12)


def test_cape_cod_matches_chainladder_documented_xyz_figures(xyz):
    # chainladder's CapeCod docstring: ELR 0.763919 and these IBNRs on xyz
    paid, premium = xyz
    documented = [0.0, 88.211299, 698.247374, 1858.151261, 4611.796594, 10640.571396,
                  25916.281295, 53264.037933, 56079.713590, 40470.540502, 35043.822927]  # fmt: skip
    result = cape_cod(paid, premium)
    np.testing.assert_allclose(result.ibnr, documented, rtol=1e-8)
    np.testing.assert_allclose(result.table["elr"], 0.763919, atol=5e-7)
    # decay < 1: each origin's loss ratio leans on its neighbours (documented aprioris)
    decayed = cape_cod(paid, premium, decay=0.5)
    np.testing.assert_allclose(
        decayed.table["elr"],
        [0.797751, 0.799990, 0.804890, 0.793706, 0.777420, 0.748556,
         0.740594, 0.687204, 0.705757, 0.784466, 0.830368],
        atol=5e-7,
    )  # fmt: skip
    assert decayed.settings["decay"] == 0.5 and "elr" in repr(decayed)


def test_cape_cod_with_trend_and_decay_is_chainladders(xyz):
    # trended, decayed loss ratios: the same IBNR as chainladder's CapeCod on the raw inputs,
    # and the loss ratio applied to each premium is chainladder's detrended apriori
    paid, premium = xyz
    sample = cl.load_sample("xyz")
    theirs = cl.CapeCod(trend=0.03, decay=0.5).fit(
        sample["Paid"], sample_weight=sample["Premium"].latest_diagonal
    )
    ours = cape_cod(paid, premium, trend=0.03, decay=0.5)
    np.testing.assert_allclose(ours.ibnr, np.nan_to_num(theirs.ibnr_.values.ravel()), rtol=1e-10)
    np.testing.assert_allclose(ours.table["elr"], theirs.detrended_apriori_.values.ravel(), rtol=1e-10)
    # the trend changes the answer (it is not silently ignored)
    assert not np.allclose(ours.ibnr, cape_cod(paid, premium, decay=0.5).ibnr)


def test_cape_cod_with_chain_ladder_ultimates_as_premium_gives_the_chain_ladder(raa):
    # premium = k x U_CL: used-up premium = k x latest, so ELR = 1/k and the a priori is U_CL
    chain_ladder = mack(raa).ultimate
    result = cape_cod(raa, 2.5 * chain_ladder.to_numpy())
    np.testing.assert_allclose(result.table["elr"], 1 / 2.5, rtol=1e-10)
    np.testing.assert_allclose(result.ultimate, chain_ladder, rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: cape_cod(t, [1.0, 2.0]), "premium has 2 values but the triangle has 10 origins"),
        (lambda t: cape_cod(t, -5.0), "premium must be a finite number > 0"),
        (lambda t: cape_cod(t, 1.0, decay=0.0), "decay=0.0 must be a number in \\(0, 1\\]"),
        (lambda t: cape_cod(t, 1.0, trend=-1.0), "trend=-1.0 must be a number > -1"),
        (lambda t: cape_cod(t, 1.0, average="median"), "average='median' is not valid"),
        (lambda t: cape_cod(t.cum_to_incr(), 1.0), "must be cumulative"),
        (lambda t: benktander(t, 1.0, n_iters=0), "n_iters=0 must be an integer >= 1"),
        (lambda t: benktander(t, 1.0, n_iters=1.5), "n_iters=1.5"),
        (lambda t: benktander(t, [1.0]), "apriori_ultimate has 1 values"),
        (lambda t: benktander(t, 1.0, apriori_loss_ratio=0), "apriori_loss_ratio=0"),
        (lambda t: benktander(t, 1.0, tail="weibull"), "tail='weibull' is not valid"),
    ],
)
def test_bad_arguments(raa, call, match):
    with pytest.raises(ParameterError, match=match):
        call(raa)
