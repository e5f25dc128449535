"""Triangles built from claim-level data."""

import warnings

import chainladder as cl
import numpy as np
import pandas as pd
import pytest

from autorisk.datasets import load
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.reserving import NegativeCumulativeWarning, build_triangle


@pytest.fixture
def claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "accident_date": pd.to_datetime(
                ["2019-02-10", "2019-11-30", "2019-05-01", "2020-07-15", "2020-01-02", "2021-03-03"]
            ),
            "paid_date": pd.to_datetime(
                ["2019-03-01", "2020-02-01", "2021-12-31", "2020-09-01", "2021-04-01", "2021-06-30"]
            ),
            "paid": [100.0, 40.0, 10.0, 200.0, 80.0, 120.0],
        }
    )


def test_annual_paid_triangle_by_hand(claims):
    tri = build_triangle(claims, development="paid_date", value="paid", valuation_date="2021-12-31")
    # incremental by accident year x development year:
    #   2019: 100 | 40 | 10      2020: 200 | 80      2021: 120
    expected = np.array([[100.0, 140.0, 150.0], [200.0, 280.0, np.nan], [120.0, np.nan, np.nan]])
    np.testing.assert_array_equal(tri.to_frame().to_numpy(), expected)
    assert list(tri.development) == [12, 24, 36]
    assert [str(o) for o in tri.origin] == ["2019", "2020", "2021"]
    incremental = build_triangle(
        claims, development="paid_date", value="paid", valuation_date="2021-12-31", cumulative=False
    )
    np.testing.assert_array_equal(
        incremental.to_frame().to_numpy(),
        [[100.0, 40.0, 10.0], [200.0, 80.0, np.nan], [120.0, np.nan, np.nan]],
    )


def test_count_triangle(claims):
    tri = build_triangle(claims, development="paid_date", value=None, valuation_date="2021-12-31")
    np.testing.assert_array_equal(
        tri.to_frame().to_numpy(), [[1.0, 2.0, 3.0], [1.0, 2.0, np.nan], [1.0, np.nan, np.nan]]
    )
    assert list(tri.columns) == ["claim_count"]


def test_valuation_date_cuts_later_transactions(claims):
    tri = build_triangle(claims, development="paid_date", value="paid", valuation_date="2020-12-31")
    np.testing.assert_array_equal(tri.to_frame().to_numpy(), [[100.0, 140.0], [200.0, np.nan]])


def test_quarterly_origin_and_development(claims):
    tri = build_triangle(
        claims, development="paid_date", value="paid", origin_grain="Q", valuation_date="2021-12-31"
    )
    assert str(tri.origin[0]) == "2019Q1"
    assert list(tri.development[:3]) == [3, 6, 9]
    assert tri.latest_diagonal.sum() == pytest.approx(claims["paid"].sum())
    # 2019Q1 claim (Feb) paid in March: first quarter of development
    assert tri.to_frame().iloc[0, 0] == 100.0


@pytest.fixture(scope="module")
def ausauto() -> pd.DataFrame:
    return load("ausautoBI8999")


@pytest.mark.parametrize("grain", ["Y", "Q"])
def test_ausauto_latest_diagonal_reconciles_with_payments(ausauto, grain):
    tri = build_triangle(ausauto, origin_grain=grain)
    assert tri.latest_diagonal.sum() == pytest.approx(ausauto["claim_amount"].sum(), rel=1e-12)
    valuation = "1997-12-31"
    tri = build_triangle(ausauto, origin_grain=grain, valuation_date=valuation)
    paid = ausauto.loc[ausauto["finalisation_date"] <= valuation, "claim_amount"].sum()
    assert tri.latest_diagonal.sum() == pytest.approx(paid, rel=1e-12)


def test_ausauto_reported_counts(ausauto):
    tri = build_triangle(ausauto, development="report_date", value=None)
    assert tri.latest_diagonal.sum() == len(ausauto)


def test_bad_rows_are_named(claims):
    bad = claims.copy()
    bad.loc[1, "paid_date"] = pd.Timestamp("2018-01-01")  # before the accident
    bad.loc[2, "accident_date"] = pd.NaT
    bad.loc[4, "paid"] = np.nan
    with pytest.raises(DataError) as caught:
        build_triangle(bad, development="paid_date", value="paid")
    message = str(caught.value)
    assert "column 'accident_date': missing date in 1 row" in message and "rows: 2" in message
    assert "column 'paid_date': before origin in 1 row" in message and "rows: 1" in message
    assert "column 'paid': missing amount in 1 row" in message and "rows: 4" in message
    assert caught.value.columns == ["accident_date", "paid_date", "paid"]


@pytest.fixture
def incurred() -> pd.DataFrame:
    """Incurred transactions: case reserves set, then released or recovered (negative increments)."""
    return pd.DataFrame(
        {
            "accident_date": pd.to_datetime(
                ["2019-02-10"] * 3 + ["2019-08-01"] * 2 + ["2020-05-05"] * 2 + ["2021-03-03"]
            ),
            "transaction_date": pd.to_datetime(
                [
                    "2019-03-01",
                    "2020-06-30",  # reserve release
                    "2021-02-01",  # salvage
                    "2019-09-01",
                    "2020-03-01",
                    "2020-06-01",
                    "2021-04-01",  # subrogation recovers most of the claim
                    "2021-12-15",
                ]
            ),
            "incurred": [1000.0, -400.0, -50.0, 300.0, 200.0, 800.0, -790.0, 250.0],
        }
    )


def test_incurred_triangle_with_releases_by_hand(incurred):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NegativeCumulativeWarning)
        tri = build_triangle(
            incurred, development="transaction_date", value="incurred", valuation_date="2021-12-31"
        )
    # incremental by accident year x development year, summed by hand:
    #   2019: 1000 + 300 | -400 + 200 | -50      2020: 800 | -790      2021: 250
    expected = np.array(
        [[1300.0, 1100.0, 1050.0], [800.0, 10.0, np.nan], [250.0, np.nan, np.nan]]
    )
    np.testing.assert_allclose(tri.to_frame().to_numpy(), expected)
    incremental = build_triangle(
        incurred,
        development="transaction_date",
        value="incurred",
        valuation_date="2021-12-31",
        cumulative=False,
    )
    np.testing.assert_allclose(
        incremental.to_frame().to_numpy(),
        [[1300.0, -200.0, -50.0], [800.0, -790.0, np.nan], [250.0, np.nan, np.nan]],
    )


@pytest.mark.parametrize("grain", ["Y", "Q"])
def test_incurred_triangle_matches_chainladder_from_transactions(incurred, grain):
    ours = build_triangle(
        incurred, development="transaction_date", value="incurred", origin_grain=grain
    )
    theirs = cl.Triangle(
        incurred,
        origin="accident_date",
        development="transaction_date",
        columns="incurred",
        cumulative=False,
    )
    theirs = theirs.grain(f"O{grain}D{grain}").incr_to_cum()
    assert list(ours.development) == list(theirs.development)
    assert [str(o) for o in ours.origin] == [str(o) for o in theirs.origin]
    np.testing.assert_allclose(ours.values, theirs.values)


def test_warns_only_where_the_cumulative_goes_negative(incurred):
    over_recovered = incurred.copy()
    over_recovered.loc[6, "incurred"] = -830.0  # 2020: 800 then -830, cumulative -30 at 24 months
    with pytest.warns(NegativeCumulativeWarning) as caught:
        tri = build_triangle(
            over_recovered,
            development="transaction_date",
            value="incurred",
            valuation_date="2021-12-31",
        )
    negative = [w for w in caught if w.category is NegativeCumulativeWarning]
    assert len(negative) == 1
    message = str(negative[0].message)
    assert "origin 2020 age 24: -30.00" in message and "incurred" in message
    assert "2019" not in message and "2021" not in message
    assert tri.to_frame().iloc[1, 1] == pytest.approx(-30.0)
    # the incremental triangle carries the same cells, so it warns the same
    with pytest.warns(NegativeCumulativeWarning, match="origin 2020 age 24"):
        build_triangle(
            over_recovered,
            development="transaction_date",
            value="incurred",
            valuation_date="2021-12-31",
            cumulative=False,
        )


def test_missing_column(claims):
    with pytest.raises(SchemaError, match="column 'payment_date': missing"):
        build_triangle(claims, development="payment_date")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"origin_grain": "W"}, "origin_grain='W' is not valid; valid options: 'Y', 'Q', 'M'"),
        ({"origin_grain": "Q", "development_grain": "Y"}, "coarser than origin_grain"),
        ({"valuation_date": "2010-01-01"}, "before the first accident_date"),
        ({"valuation_date": "not a date"}, "is not a date"),
    ],
)
def test_bad_parameters(claims, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        build_triangle(claims, development="paid_date", value="paid", **kwargs)
