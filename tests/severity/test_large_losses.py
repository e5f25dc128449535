"""Large-loss loading against hand computations and the data layer's own loading; its standard
error against the spread over simulated books; claims inflation against direct arithmetic."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from autorisk.data import aggregate_claims, large_loss_loading
from autorisk.errors import DataError, ParameterError
from autorisk.severity import index_amounts, indexed_threshold, large_loss_load


def aggregated_book(seed, n_policies=4000, years=(2021, 2022, 2023), cap=50_000.0):
    """Policies and lognormal claims aggregated with a cap by the data layer."""
    rng = np.random.default_rng(seed)
    policies = pd.DataFrame({"policy_id": np.arange(n_policies), "exposure": 1.0,
                             "region": rng.choice(["north", "south"], n_policies),
                             "year": rng.choice(years, n_policies)})  # fmt: skip
    counts = rng.poisson(0.3, n_policies)
    owner = np.repeat(policies["policy_id"].to_numpy(), counts)
    claims = pd.DataFrame({"claim_id": np.arange(owner.size), "policy_id": owner,
                           "occurrence_date": "2023-02-01",
                           "incurred": stats.lognorm(1.6, scale=5000.0).rvs(owner.size, random_state=rng)})  # fmt: skip
    return aggregate_claims(policies, claims, cap=cap)


def test_loading_equals_the_data_layers_and_periods_and_segments_are_hand_sums():
    data = aggregated_book(1)
    load = large_loss_load(data, period="year", by="region", k=200.0)
    assert load.loading == pytest.approx(large_loss_loading(data), rel=1e-12)
    for year, row in load.by_period.iterrows():
        part = data[data["year"] == year]
        assert row["loading"] == pytest.approx(part["claim_amount_excess"].sum() / part["claim_amount_capped"].sum())
    seg = load.segments
    n = data.groupby("region")["claim_count"].sum()
    np.testing.assert_allclose(seg["credibility"], n / (n + 200.0))
    # rebalanced: the loaded capped losses restore the total excess exactly
    assert (seg["loading"] * seg["capped"]).sum() == pytest.approx(data["claim_amount_excess"].sum(), rel=1e-12)
    own = seg["excess"] / seg["capped"]
    raw = seg["credibility"] * own + (1 - seg["credibility"]) * load.loading
    np.testing.assert_allclose(seg["loading"] / raw, seg["loading"].iloc[0] / raw.iloc[0])  # one common factor


def test_exposure_spread_without_credibility_gives_equal_excess_per_exposure():
    data = aggregated_book(2)
    seg = large_loss_load(data, period="year", by="region", spread="exposure").segments
    per_exposure = seg["loading"] * seg["capped"] / seg["exposure"]
    np.testing.assert_allclose(per_exposure, data["claim_amount_excess"].sum() / data["exposure"].sum())
    assert (seg["credibility"] == 0).all()


def test_standard_error_matches_the_spread_of_the_loading_over_simulated_books():
    years = tuple(range(2010, 2022))
    loads = [large_loss_load(aggregated_book(100 + s, n_policies=3000, years=years), period="year")
             for s in range(60)]  # fmt: skip
    spread = np.std([load.loading for load in loads], ddof=1)
    typical = np.mean([load.std_err for load in loads])
    assert typical == pytest.approx(spread, rel=0.35)


def test_large_loss_load_refuses_bad_input():
    data = aggregated_book(3, n_policies=200)
    with pytest.raises(DataError, match="column 'claim_amount_capped': missing column"):
        large_loss_load(data.drop(columns="claim_amount_capped"), period="year")
    with pytest.raises(ParameterError, match="spread must be one of"):
        large_loss_load(data, period="year", spread="premium")
    bad = data.copy()
    bad.loc[bad.index[3], "claim_amount_excess"] = -1.0
    with pytest.raises(DataError, match=r"claim_amount_excess': negative or not finite in 1 row.*rows: 3"):
        large_loss_load(bad, period="year")


def test_indexing_amounts_then_capping_equals_capping_at_the_indexed_threshold():
    index = pd.Series([100.0, 104.0, 109.2], index=[2021, 2022, 2023])
    amounts = np.array([30_000.0, 60_000.0, 45_000.0, 120_000.0])
    years = np.array([2021, 2022, 2023, 2021])
    indexed = index_amounts(amounts, years, index, to=2023)
    np.testing.assert_allclose(indexed, amounts * 109.2 / np.array([100.0, 104.0, 109.2, 100.0]))
    threshold = indexed_threshold(50_000.0, years, index, base=2023)
    # the capped amount in 2023 money is the same either way
    np.testing.assert_allclose(np.minimum(indexed, 50_000.0),
                               index_amounts(np.minimum(amounts, threshold), years, index, to=2023))  # fmt: skip
    with pytest.raises(DataError, match=r"column 'years': not in the index in 1 row.*values: 2019; rows: 1"):
        index_amounts(amounts[:2], [2021, 2019], index, to=2023)
    with pytest.raises(ParameterError, match="year 2030 is not in the index"):
        index_amounts(amounts, years, index, to=2030)


def test_the_plan_factor_charges_each_policy_its_segments_share_and_restores_the_total():
    """Quoting each policy's capped loss times the factor gives back capped + excess over the book."""
    data = aggregated_book(5)
    load = large_loss_load(data, period="year", by="region", k=200.0)
    factor = load.to_factor(decimals=None)
    assert factor.column == "region" and factor.name == "large_loss"
    per_policy = np.array([factor.relativity({"region": r}) for r in data["region"]])
    loaded = float(np.sum(per_policy * data["claim_amount_capped"].to_numpy()))
    total = float(data["claim_amount_capped"].sum() + data["claim_amount_excess"].sum())
    assert loaded == pytest.approx(total, rel=1e-12)
    # without segments there is no factor: the message gives the base-rate multiplier instead
    overall = large_loss_load(data, period="year")
    assert overall.multiplier == pytest.approx(total / data["claim_amount_capped"].sum(), rel=1e-12)
    with pytest.raises(ParameterError, match="multiply the base rate"):
        overall.to_factor()
