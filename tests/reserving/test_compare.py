"""Paid and incurred triangles from claim data, and the comparison of their ultimates."""

from pathlib import Path

import chainladder as cl
import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError
from autorisk.reserving import (
    UltimateComparison,
    bornhuetter_ferguson,
    build_triangle,
    compare_paid_incurred,
    mack,
)


@pytest.fixture(scope="module")
def mcl() -> cl.Triangle:
    """Quarg & Mack's (2004) Munich chain ladder data: paid and incurred, 7 accident years."""
    return cl.load_sample("mcl")


def test_mcl_ultimates_are_the_chain_ladder_of_each_triangle(mcl):
    comparison = compare_paid_incurred(mcl["paid"], mcl["incurred"])
    table = comparison.table
    theirs = cl.Chainladder().fit(mcl).ultimate_
    np.testing.assert_allclose(table["paid_ultimate"], theirs["paid"].values.ravel(), rtol=1e-12)
    np.testing.assert_allclose(
        table["incurred_ultimate"], theirs["incurred"].values.ravel(), rtol=1e-12
    )
    # difference and ratio by hand; the total ratio is the ratio of the totals
    np.testing.assert_allclose(table["difference"], table["incurred_ultimate"] - table["paid_ultimate"])
    np.testing.assert_allclose(table["ratio"], table["paid_ultimate"] / table["incurred_ultimate"])
    total = comparison.total
    assert total["difference"] == pytest.approx(table["difference"].sum())
    assert total["ratio"] == pytest.approx(total["paid_ultimate"] / total["incurred_ultimate"])
    # the oldest year is taken as fully developed in both: ultimate = latest
    assert table["paid_ultimate"].iloc[0] == table["paid_latest"].iloc[0] == 2131
    assert isinstance(table.index, pd.PeriodIndex) and str(table.index[-1]) == "2007"


def test_mcl_latest_diagonals_match_the_raw_data(mcl):
    # the sample's own rows at its valuation year (2007): one per accident year
    raw = pd.read_csv(Path(cl.__file__).parent / "utils" / "data" / "mcl.csv")
    raw = raw[raw["development"] == 2007]
    comparison = compare_paid_incurred(mcl["paid"], mcl["incurred"])
    assert comparison.total["paid_latest"] == pytest.approx(raw["paid"].sum())
    assert comparison.total["incurred_latest"] == pytest.approx(raw["incurred"].sum())
    assert "Total" in repr(comparison) and "<table" in comparison._repr_html_()
    assert isinstance(comparison, UltimateComparison)


def test_any_method_can_be_compared(mcl):
    paid = bornhuetter_ferguson(mcl["paid"], 6000.0)
    comparison = compare_paid_incurred(paid, mcl["incurred"])
    pd.testing.assert_series_equal(
        comparison.table["paid_ultimate"], paid.ultimate, check_names=False
    )
    assert comparison.title == "Paid vs incurred ultimates (Bornhuetter-Ferguson / Mack chain ladder)"


def test_paid_and_incurred_triangles_from_claim_transactions():
    # Each transaction moves the paid amount and the incurred (paid + case reserve) amount.
    # Claim A (2020): reserved 1000, paid 400 then 500, closed (incurred settles at 900).
    # Claim B (2021): reserved 300, paid 300.
    transactions = pd.DataFrame(
        {
            "accident_date": pd.to_datetime(["2020-03-01"] * 3 + ["2021-05-01"] * 2),
            "transaction_date": pd.to_datetime(
                ["2020-04-01", "2020-10-01", "2021-06-01", "2021-06-01", "2021-11-01"]
            ),
            "paid": [0.0, 400.0, 500.0, 0.0, 300.0],
            "incurred": [1000.0, 0.0, -100.0, 300.0, 0.0],
        }
    )
    common = {"development": "transaction_date", "valuation_date": "2021-12-31"}
    paid = build_triangle(transactions, value="paid", **common)
    incurred = build_triangle(transactions, value="incurred", **common)
    np.testing.assert_array_equal(paid.to_frame().to_numpy(), [[400.0, 900.0], [300.0, np.nan]])
    np.testing.assert_array_equal(incurred.to_frame().to_numpy(), [[1000.0, 900.0], [300.0, np.nan]])
    comparison = compare_paid_incurred(paid, incurred)
    # chain ladder: paid factor 900/400 = 2.25, incurred factor 0.9
    assert comparison.table["paid_ultimate"].tolist() == pytest.approx([900.0, 675.0])
    assert comparison.table["incurred_ultimate"].tolist() == pytest.approx([900.0, 270.0])
    assert comparison.table["difference"].tolist() == pytest.approx([0.0, -405.0])
    assert comparison.table["ratio"].tolist() == pytest.approx([1.0, 2.5])


def test_bad_arguments(mcl):
    with pytest.raises(ParameterError, match="same origins"):
        compare_paid_incurred(mcl["paid"], cl.load_sample("raa"))
    with pytest.raises(ParameterError, match="incurred must be a chainladder.Triangle or a ReserveResult"):
        compare_paid_incurred(mcl["paid"], mcl["incurred"].to_frame())
    with pytest.raises(ParameterError, match="one triangle"):
        compare_paid_incurred(mcl, mack(mcl["incurred"]))
