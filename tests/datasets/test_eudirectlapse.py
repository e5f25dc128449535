"""eudirectlapse: the loader's tidy frame, and every quirk data/README.md documents, on the real file.

The counts are computed here with plain pandas on the raw parquet (not through
the loader), so a loader that edited the data would fail these tests.
"""

import numpy as np
import pandas as pd
import pytest

from autorisk.datasets import describe, load
from autorisk.datasets.loaders import data_dir


@pytest.fixture(scope="module")
def raw():
    return pd.read_parquet(data_dir() / "eudirectlapse.parquet")


@pytest.fixture(scope="module")
def tidy():
    return load("eudirectlapse")


def test_size_lapse_coding_and_no_missing(raw):
    assert raw.shape == (23_060, 19)
    assert raw.isna().sum().sum() == 0
    assert set(raw["lapse"].unique()) == {0, 1}
    assert int(raw["lapse"].sum()) == 2_954
    assert raw["lapse"].mean() == pytest.approx(0.1281, abs=5e-5)


def test_premiums_are_positive_whole_cents(raw):
    premiums = raw[["prem_final", "prem_last", "prem_market", "prem_pure"]]
    assert (premiums > 0).all().all()
    assert premiums.min().min() == pytest.approx(45.55)
    cents = premiums.to_numpy() * 100
    assert np.abs(cents - np.round(cents)).max() < 1e-6


def test_price_change_is_set_by_the_bonus_malus_move(raw):
    ratio = raw["prem_final"] / raw["prem_last"]
    move = raw["polholder_BMCevol"].astype(str)
    assert move.value_counts().to_dict() == {"stable": 12_036, "down": 10_155, "up": 869}
    stable, down, up = (move == "stable"), (move == "down"), (move == "up")
    assert int(((raw["prem_final"] - raw["prem_last"]).abs() <= 0.05)[stable].sum()) == 11_219
    assert ratio[stable].between(0.9997, 1.05).all()
    assert (ratio[down] <= 0.9802).all()
    assert int(((ratio - 0.98).abs() < 5e-4)[down].sum()) == 7_673
    assert int(((ratio - 0.861).abs() < 5e-4)[down].sum()) == 1_207
    assert (ratio[up] >= 1.1999).all() and ratio[up].max() == pytest.approx(3.2667, abs=1e-4)
    # Lapse is highest where the price fell: the naive reading of price change has the wrong sign.
    rates = raw.groupby(move)["lapse"].mean()
    assert rates["down"] == pytest.approx(0.1613, abs=5e-4)
    assert rates["stable"] == pytest.approx(0.1023, abs=5e-4)
    assert rates["up"] == pytest.approx(0.0978, abs=5e-4)


def test_offer_against_technical_and_market(raw):
    to_pure = raw["prem_final"] / raw["prem_pure"]
    assert to_pure.min() == pytest.approx(0.749, abs=5e-4)
    assert to_pure.max() == pytest.approx(1.414, abs=5e-4)
    assert int((raw["prem_final"] < raw["prem_pure"]).sum()) == 7_783
    market = raw["prem_market"] / raw["prem_pure"]
    assert market.min() == pytest.approx(0.320, abs=5e-4)
    assert market.max() == pytest.approx(3.035, abs=5e-4)
    assert int((raw["prem_final"] > raw["prem_market"]).sum()) == 10_313


def test_category_codings(raw, tidy):
    unknown = {c: int((raw[c].astype(str) == "unknown").sum())
               for c in ("policy_caruse", "vehicl_garage", "polholder_diffdriver")}
    assert unknown == {"policy_caruse": 3_483, "vehicl_garage": 1_575, "polholder_diffdriver": 12}
    power = raw["vehicl_powerkw"].astype(str)
    assert int((power == "125-300 kW").sum()) == 1_720
    singles = [f"{kw} kW" for kw in range(150, 301, 25)]
    assert int(power.isin(singles).sum()) == 917
    # the loader keeps every value, orders the bands by lower bound and the regions by number
    assert tidy["vehicl_powerkw"].cat.ordered
    assert tidy["vehicl_powerkw"].cat.categories[:4].tolist() == ["25-50 kW", "75 kW", "100 kW", "125-300 kW"]
    assert (tidy["vehicl_powerkw"].astype(str) == power).all()
    assert not tidy["vehicl_region"].cat.ordered
    assert tidy["vehicl_region"].cat.categories.tolist() == [f"Reg{i}" for i in range(1, 15)]
    assert tidy["prem_freqperyear"].cat.categories.tolist() == [
        "1 per year", "2 per year", "4 per year", "12 per year"]
    assert tidy["polholder_bmcevol"].min() == "down" and tidy["polholder_bmcevol"].max() == "up"


def test_ages(raw):
    assert raw["vehicl_age"].max() == 18
    assert int((raw["vehicl_age"] == 18).sum()) == 2_807 > int((raw["vehicl_age"] == 17).sum())
    assert (raw["vehicl_agepurchase"] <= raw["vehicl_age"]).all()
    assert int((raw["policy_age"] == 0).sum()) == 8_291
    assert (raw["polholder_age"].min(), raw["polholder_age"].max()) == (19, 85)


def test_tidy_frame_keeps_values_and_names(raw, tidy):
    assert list(tidy.columns) == [c if c != "polholder_BMCevol" else "polholder_bmcevol" for c in raw.columns]
    for column in ("lapse", "prem_final", "prem_last", "prem_market", "prem_pure", "policy_age"):
        pd.testing.assert_series_equal(tidy[column], raw[column])
    assert (tidy["polholder_bmcevol"].astype(str) == raw["polholder_BMCevol"].astype(str)).all()
    assert describe("eudirectlapse").set_index("name").loc["polholder_bmcevol", "original"] == "polholder_BMCevol"
