"""The synthetic renewal book's demand truth, its generator and the randomised price test.

Expectations come from hand calculation of the documented parameters, from
finite differences, from binomial confidence intervals around the truth, and
from statsmodels logistic fits.
"""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from autorisk.datasets import (
    DemandTruth,
    RenewalBook,
    RenewalPricing,
    load,
    price_test,
    renewal_quotes,
)
from autorisk.datasets.truth import SyntheticTruth
from autorisk.errors import DataError, ParameterError, SchemaError, UnknownCategoryError


def _quote(**overrides):
    row = {"age_band": "30-44", "channel": "direct", "claimed": False,
           "prem_offered": 100.0, "prem_last": 100.0, "prem_market": 100.0}
    row.update(overrides)
    return pd.DataFrame({k: [v] for k, v in row.items()})


@pytest.fixture(scope="module")
def big():
    return renewal_quotes(300_000, seed=11)


# ---------------------------------------------------------------------- truth
def test_retention_by_hand_from_documented_parameters():
    quote = _quote(age_band="18-24", channel="online", claimed=True,
                   prem_offered=110.0, prem_last=100.0, prem_market=120.0)
    # alpha = 2.2 - 0.6 - 0.5 + 0.5; beta = -3.0 - 1.5 - 1.5; gamma = -2.0
    logit = 1.6 + (-6.0) * math.log(1.1) + (-2.0) * math.log(110 / 120)
    truth = DemandTruth()
    assert truth.linear_predictor(quote)[0] == pytest.approx(logit, abs=1e-12)
    assert truth.retention(quote)[0] == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-12)
    assert truth.price_coefficient(quote)[0] == pytest.approx(-8.0)


def test_elasticity_is_the_derivative_of_log_retention(big):
    quotes, truth = big
    sample = quotes.iloc[:500]
    p = sample["prem_offered"].to_numpy()
    h = 1e-5
    up, down = truth.retention(sample, p * math.exp(h)), truth.retention(sample, p * math.exp(-h))
    numeric = (np.log(up) - np.log(down)) / (2 * h)
    np.testing.assert_allclose(truth.elasticity(sample), numeric, rtol=1e-6, atol=1e-9)
    assert (truth.elasticity(sample) < 0).all()


def test_grid_and_log_linear_response_match_the_offered_column(big):
    quotes, truth = big
    sample = quotes.iloc[:200]
    grid = sample["prem_offered"].to_numpy()[:, None] * np.array([0.9, 1.0, 1.1])
    on_grid = truth.retention(sample, grid)
    assert on_grid.shape == (200, 3)
    for k in range(3):
        replaced = sample.assign(prem_offered=grid[:, k])
        np.testing.assert_allclose(on_grid[:, k], truth.retention(replaced), rtol=0, atol=1e-13)
    a, b = truth.log_linear_price_response(sample)
    np.testing.assert_allclose(1 / (1 + np.exp(-(a + b * np.log(grid[:, 1])))), on_grid[:, 1], atol=1e-13)
    assert (np.diff(on_grid, axis=1) < 0).all()  # retention falls with the price
    assert truth.predict_retention(sample).tolist() == truth.retention(sample).tolist()
    assert truth.reads_columns() == {"age_band", "channel", "claimed", "prem_offered", "prem_last", "prem_market"}


def test_bad_input_names_field_value_and_rows():
    truth = DemandTruth()
    with pytest.raises(SchemaError, match="prem_market"):
        truth.retention(_quote().drop(columns="prem_market"))
    bad = pd.concat([_quote(), _quote(prem_last=float("nan")), _quote(prem_last=-3.0)], ignore_index=True)
    with pytest.raises(DataError, match="prem_last") as info:
        truth.retention(bad)
    assert "2 rows" in str(info.value) and "-3.0" in str(info.value) and "rows: 1, 2" in str(info.value)
    with pytest.raises(UnknownCategoryError, match="'teleshop'"):
        truth.retention(_quote(channel="teleshop"))
    with pytest.raises(DataError, match="shape"):
        truth.retention(_quote(), price=[1.0, 2.0])
    with pytest.raises(DataError, match="price"):
        truth.retention(_quote(), price=[[100.0, 0.0]])


# ------------------------------------------------------------------ generator
def test_empirical_retention_by_segment_matches_the_truth(big):
    quotes, truth = big
    p = truth.retention(quotes)
    cells = quotes.assign(p=p, var=p * (1 - p)).groupby(["age_band", "channel"], observed=True)
    table = cells.agg(n=("renewed", "size"), renewed=("renewed", "sum"), expected=("p", "sum"), var=("var", "sum"))
    z = (table["renewed"] - table["expected"]) / np.sqrt(table["var"])
    assert len(table) == 20 and (table["n"] > 300).all()
    assert (z.abs() < 3.5).all(), z.round(2).to_dict()   # 20 cells, two-sided 0.05% each
    rates = table["renewed"] / table["n"]
    assert rates.max() - rates.min() > 0.08                # segments do differ, so the check can fail
    # claimants renew more although their prices rise: the planted confounding
    by_claim = quotes.groupby("claimed")
    change = by_claim.apply(lambda g: np.log(g["prem_offered"] / g["prem_last"]).mean())
    assert change[True] > 0.10 > 0 > change[False]
    assert by_claim["renewed"].mean()[True] > by_claim["renewed"].mean()[False]


def test_offers_are_the_capped_technical_rerating(big):
    quotes, _ = big
    pricing = RenewalPricing()
    technical, last = quotes["prem_technical"], quotes["prem_last"]
    capped = last * (technical / last).clip(1 - pricing.max_decrease, 1 + pricing.max_increase)
    assert (quotes["prem_offered"] - capped).abs().max() <= 0.005 + 1e-9
    assert (technical - quotes["expected_cost"] / 0.65).abs().max() <= 0.005 + 1e-9
    change = quotes["prem_offered"] / last
    assert (change > 1.149).mean() > 0.05 and (change < 0.901).mean() > 0.02   # both caps bind
    # expected cost is the synthetic book's true cost at one year of exposure (od only when covered)
    risk, rows = SyntheticTruth.default(), quotes.iloc[:50].assign(exposure=1.0)
    by_hand = sum(risk.frequency(rows, c) * risk.severity_mean(rows, c) for c in ("ctpl", "tpl")) + (
        risk.frequency(rows, "od") * risk.severity_mean(rows, "od") * rows["od_cover"])
    np.testing.assert_allclose(quotes["expected_cost"].iloc[:50], by_hand, rtol=1e-12)


def test_same_seed_same_book_and_argument_checks():
    one, two = renewal_quotes(2_000, seed=4), renewal_quotes(2_000, seed=4)
    pd.testing.assert_frame_equal(one.quotes, two.quotes)
    assert not renewal_quotes(2_000, seed=5).quotes["prem_offered"].equals(one.quotes["prem_offered"])
    with pytest.raises(DataError, match="n"):
        renewal_quotes(0)
    with pytest.raises(ParameterError, match="max_decrease"):
        RenewalPricing(max_decrease=1.5)
    with pytest.raises(ParameterError, match="truth"):
        renewal_quotes(10, truth="logit")


# ----------------------------------------------------------------- price test
def test_arms_are_balanced_seeded_and_independent_of_risk(big):
    quotes, truth = big
    book = RenewalBook(quotes.iloc[:30_001], truth)
    tested = price_test(book, arms=(-0.05, 0.0, 0.05), seed=3).quotes
    counts = tested["arm"].value_counts()
    assert sorted(counts.tolist()) == [10_000, 10_000, 10_001]
    assert price_test(book, seed=3).quotes["arm"].equals(tested["arm"])
    assert not price_test(book, seed=4).quotes["arm"].equals(tested["arm"])
    np.testing.assert_allclose(tested["prem_offered"], quotes["prem_offered"].iloc[:30_001] * (1 + tested["arm"]))
    assert tested["prem_offered_before_test"].equals(quotes["prem_offered"].iloc[:30_001].rename("prem_offered_before_test"))
    # independent of risk: the arm explains nothing of the technical change
    rerating = np.log(tested["prem_technical"] / tested["prem_last"])
    assert abs(np.corrcoef(rerating, tested["arm"])[0, 1]) < 0.02
    assert "arm" not in quotes.columns                       # the input book is untouched


def test_redrawn_outcomes_follow_the_truth_at_the_tested_price(big):
    quotes, truth = big
    tested = price_test(RenewalBook(quotes, truth), arms=(-0.1, 0.0, 0.1), seed=1).quotes
    p = truth.retention(tested)
    for _, arm in tested.assign(p=p).groupby("arm"):
        z = (arm["renewed"].sum() - arm["p"].sum()) / math.sqrt((arm["p"] * (1 - arm["p"])).sum())
        assert abs(z) < 3.5
    rates = tested.groupby("arm")["renewed"].mean()
    assert rates[-0.1] - rates[0.1] > 0.03


def test_randomised_test_recovers_the_price_coefficient_where_the_naive_fit_is_biased(big):
    quotes, truth = big
    cell = (quotes["age_band"] == "30-44") & (quotes["channel"] == "agent")
    target = truth.price_coefficient(quotes[cell])
    assert np.unique(target).tolist() == [-4.0]              # beta -2 + gamma -2, constant in the cell
    # naive: the insurer's own offers, renewal on log(offered / last)
    observed = quotes[cell]
    naive = sm.Logit(observed["renewed"].to_numpy(),
                     sm.add_constant(np.log(observed["prem_offered"] / observed["prem_last"]).to_numpy())).fit(disp=0)
    bias = naive.params[1] - (-4.0)
    assert bias > 2.0 and bias / naive.bse[1] > 8            # claimants get the rises and stay: far off
    # price test: renewal on the randomised change log(tested / untested offer)
    tested = price_test(RenewalBook(quotes, truth), arms=(-0.05, 0.0, 0.05), seed=2).quotes[cell]
    change = np.log(tested["prem_offered"] / tested["prem_offered_before_test"]).to_numpy()
    fit = sm.Logit(tested["renewed"].to_numpy(), sm.add_constant(change)).fit(disp=0)
    low, high = fit.conf_int(0.05)[1]
    # (leaving the other terms out attenuates the slope by about 2%, well inside the interval)
    assert low < -4.0 < high, (fit.params[1], low, high)
    assert high - low < 2.0                                  # and the interval is informative
    # the documented form, fitted on the test: beta (price change) and gamma (competitiveness) apart
    terms = np.column_stack([
        tested["claimed"].to_numpy(dtype=float),
        np.log(tested["prem_offered"] / tested["prem_last"]),
        np.log(tested["prem_offered"] / tested["prem_market"]),
    ])
    full = sm.Logit(tested["renewed"].to_numpy(), sm.add_constant(terms)).fit(disp=0)
    intervals = full.conf_int(0.05)
    for position, value in ((1, 0.5), (2, -2.0), (3, -2.0)):   # claimed alpha, beta_i, gamma
        assert intervals[position][0] < value < intervals[position][1], (position, full.params)


def test_price_test_on_a_real_frame_and_bad_arguments(big):
    quotes, truth = big
    frame = quotes.iloc[:99]
    tested = price_test(frame, seed=0)
    assert isinstance(tested, pd.DataFrame) and "renewed" not in tested.columns  # observed at the old price
    with_truth = price_test(frame, seed=0, truth=truth)
    assert with_truth["renewed"].isin([0, 1]).all() and with_truth["arm"].equals(tested["arm"])
    with pytest.raises(ParameterError, match="at least two arms"):
        price_test(frame, arms=(0.05,))
    with pytest.raises(ParameterError, match="distinct"):
        price_test(frame, arms=(0.0, 0.0))
    with pytest.raises(ParameterError, match="> -1"):
        price_test(frame, arms=(0.0, -1.0))
    with pytest.raises(ParameterError, match="'prem_market'"):
        price_test(RenewalBook(frame, truth), price="prem_market")
    with pytest.raises(SchemaError, match="premium"):
        price_test(frame, price="premium")
    nan = frame.assign(prem_offered=frame["prem_offered"].where(frame.index != 5))
    with pytest.raises(DataError, match="prem_offered") as info:
        price_test(nan)
    assert "rows: 5" in str(info.value)
    with pytest.raises(ParameterError, match="already"):
        price_test(tested)


def test_price_test_on_eudirectlapse_drops_the_stale_outcome():
    real = load("eudirectlapse")
    tested = price_test(real, arms=(-0.03, 0.03), seed=1, price="prem_final", outcome="lapse")
    assert "lapse" not in tested.columns and sorted(tested["arm"].value_counts().tolist()) == [11_530, 11_530]
    np.testing.assert_allclose(tested["prem_final"], real["prem_final"] * (1 + tested["arm"]))


def test_truth_parameters_are_checked():
    with pytest.raises(ParameterError, match="gamma"):
        DemandTruth(gamma=float("nan"))
    with pytest.raises(ParameterError, match=r"alpha\['channel'\]\['agent'\]"):
        DemandTruth(alpha={"channel": {"agent": "high"}})
    with pytest.raises(ParameterError, match="columns"):
        DemandTruth(columns={"offered": "p"})
    custom = DemandTruth(alpha={"region": {"Beijing": 0.4}}, beta_shift={}, gamma=0.0)
    frame = pd.DataFrame({"region": ["Beijing"], "prem_offered": [100.0], "prem_last": [100.0],
                          "prem_market": [50.0]})
    assert custom.linear_predictor(frame)[0] == pytest.approx(2.6)   # no market effect with gamma 0
    assert custom.reads_columns() == {"region", "prem_offered", "prem_last", "prem_market"}


def test_module_docstring_prints_the_default_parameters():
    import autorisk.datasets.demand as module

    block = "\n".join("    " + line for line in DemandTruth().describe().splitlines())
    assert block in module.__doc__
