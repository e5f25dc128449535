"""A/E monitoring: exact Poisson intervals and tests, totals, signals on simulated drift, plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from autorisk.analytics._poisson import poisson_ae_interval, poisson_ae_test
from autorisk.analytics.monitoring import MONITOR_COLUMNS, MonitoringResult, monitor
from autorisk.errors import DataError, ParameterError, SchemaError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- exact Poisson pieces


def _garwood_by_root(a: int, e: float, level: float) -> tuple[float, float]:
    """Invert the Poisson cdf numerically: P(X >= a | mu_low) = P(X <= a | mu_high) = alpha / 2."""
    alpha = 1 - level
    high = optimize.brentq(lambda mu: stats.poisson.cdf(a, mu) - alpha / 2, 1e-12, 10 * a + 100, xtol=1e-12)
    if a == 0:
        return 0.0, high / e
    low = optimize.brentq(lambda mu: stats.poisson.sf(a - 1, mu) - alpha / 2, 1e-12, 10 * a + 100, xtol=1e-12)
    return low / e, high / e


@settings(max_examples=60, deadline=None)
@given(
    a=st.integers(0, 300),
    e=st.floats(0.05, 500.0),
    level=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_garwood_interval_inverts_the_poisson_cdf(a, e, level):
    lower, upper = poisson_ae_interval(a, e, level)
    low_ref, high_ref = _garwood_by_root(a, e, level)
    assert lower == pytest.approx(low_ref, rel=1e-6, abs=1e-12)
    assert upper == pytest.approx(high_ref, rel=1e-6)
    assert lower <= a / e <= upper


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 300), e=st.floats(0.05, 500.0))
def test_exact_test_matches_tails_and_agrees_with_interval(a, e):
    below = stats.poisson.pmf(np.arange(a + 1), e).sum()
    above = 1 - stats.poisson.pmf(np.arange(a), e).sum()
    p = poisson_ae_test(a, e)
    assert p == pytest.approx(min(1.0, 2 * min(below, above)), rel=1e-6, abs=1e-12)
    # the exact interval excludes 1 exactly when the doubled-tail test rejects at 1 - level
    assume(abs(p - 0.05) > 1e-6)
    lower, upper = poisson_ae_interval(a, e, 0.95)
    assert (lower > 1 or upper < 1) == (p < 0.05)


def test_poisson_helpers_vectorise_and_edge_cases():
    lower, upper = poisson_ae_interval([0, 3, 4], [2.0, 3.0, 0.0])
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-np.log(0.025) / 2)  # P(X = 0 | mu) = 0.025
    assert np.isnan(lower[2]) and np.isnan(upper[2])
    np.testing.assert_array_equal(poisson_ae_test([0, 2], [0.0, 0.0]), [1.0, 0.0])
    assert isinstance(poisson_ae_test(3, 3.0), float)
    with pytest.raises(ParameterError, match="level"):
        poisson_ae_interval(1, 1.0, 1.0)
    with pytest.raises(DataError, match="expected") as info:
        poisson_ae_interval([1, 2, 3], [1.0, -1.0, np.nan])
    assert info.value.issues[0].rows == (1, 2)


# ---------------------------------------------------------------- totals


def _book(n=4_000, seed=0, periods=8, drift=None):
    """Policies over quarters of 2022-2023 with expected claims; claims Poisson(expected * truth)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 91 * periods, n), unit="D")
    region = rng.choice(["N", "S", "E", "W"], n)
    band = pd.Categorical(rng.choice(["young", "mid", "old"], n), categories=["young", "mid", "old"])
    exposure = rng.uniform(0.2, 1.0, n)
    expected = exposure * rng.gamma(4.0, 0.5, n)
    truth = np.ones(n) if drift is None else drift(start, region)
    claims = rng.poisson(expected * truth)
    return pd.DataFrame({"start": start, "region": region, "age_band": band, "exposure": exposure,
                         "expected": expected, "claims": claims})  # fmt: skip


def test_totals_reconcile_with_a_direct_groupby():
    book = _book()
    result = monitor(book, "claims", "expected", period="start", by=["region", "age_band"], exposure="exposure")
    quarter = book["start"].dt.to_period("Q")
    direct = book.groupby(quarter)[["exposure", "claims", "expected"]].sum()
    np.testing.assert_allclose(result.over_time[["exposure", "actual", "expected"]], direct)
    np.testing.assert_allclose(result.over_time["ae"], direct["claims"] / direct["expected"])
    by_region = book.groupby("region")[["claims", "expected"]].sum()
    seg = result.by_segment[result.by_segment["factor"] == "region"].set_index("level")
    np.testing.assert_allclose(seg.loc[by_region.index, ["actual", "expected"]], by_region)
    cells = book.groupby(["age_band", quarter], observed=True)["claims"].sum()
    rows = result.by_period_segment[result.by_period_segment["factor"] == "age_band"]
    np.testing.assert_allclose(rows["actual"], cells.to_numpy())
    assert list(rows["level"].unique()) == ["young", "mid", "old"]  # category order kept
    assert result.overall["actual"] == book["claims"].sum()
    assert result.overall["expected"] == pytest.approx(book["expected"].sum())
    assert result.overall["periods"] == 8
    assert list(result.by_segment.columns) == ["factor", "level", *MONITOR_COLUMNS]


def test_cumulative_ae_is_ratio_of_running_totals():
    result = monitor(_book(seed=1), "claims", "expected", period="start", by="region")
    time = result.over_time
    np.testing.assert_allclose(time["cumulative_ae"], time["actual"].cumsum() / time["expected"].cumsum())
    for _, rows in result.by_period_segment.groupby("level"):
        np.testing.assert_allclose(rows["cumulative_ae"], rows["actual"].cumsum() / rows["expected"].cumsum())
    assert time["cumulative_ae"].iloc[-1] == pytest.approx(result.overall["ae"])


@pytest.mark.parametrize("freq", ["Q", "M", "Y"])
def test_dates_grouped_like_a_period_index(freq):
    book = _book(n=1_500, seed=2)
    result = monitor(book, "claims", "expected", period="start", freq=freq)
    direct = book.groupby(pd.PeriodIndex(book["start"], freq=freq))["claims"].sum()
    pd.testing.assert_index_equal(result.over_time.index, direct.index.rename("period"))
    np.testing.assert_array_equal(result.over_time["actual"], direct.to_numpy())


def test_discrete_periods_as_given():
    book = pd.DataFrame({"claims": [3, 4, 5, 6], "expected": [3.0, 4.0, 5.0, 6.0]})
    for periods, index in [
        ([2021, 2022, 2021, 2023], [2021, 2022, 2023]),
        (["2023Q1", "2023Q2", "2023Q2", "2023Q1"], list(pd.period_range("2023Q1", periods=2, freq="Q"))),
        (["2023-02-01", "2023-05-01", "2023-05-02", "2023-08-01"], list(pd.period_range("2023Q1", periods=3, freq="Q"))),
        (pd.PeriodIndex(["2023-01", "2023-03", "2023-01", "2023-03"], freq="M"), list(pd.PeriodIndex(["2023-01", "2023-03"], freq="M"))),
    ]:  # fmt: skip
        result = monitor(book.assign(when=periods), "claims", "expected", period="when")
        assert list(result.over_time.index) == index
        assert result.over_time["actual"].sum() == 18


# ---------------------------------------------------------------- signals


def test_planted_drift_is_signalled_where_it_is():
    # from 2023Q1 on, region W's true rate is 1.4 x expected
    def drift(start, region):
        return np.where((start >= pd.Timestamp("2023-01-01")) & (region == "W"), 1.4, 1.0)

    book = _book(n=12_000, seed=3, drift=drift)
    result = monitor(book, "claims", "expected", period="start", by="region")
    cells = result.by_period_segment.set_index(["level", "period"])
    late = [p for p in result.over_time.index if p >= pd.Period("2023Q1", "Q")]
    assert all(cells.loc[("W", p), "signal"] == "above" for p in late)
    assert (cells.loc["W", "ae"].loc[late] > 1.2).all()
    other = result.by_period_segment[result.by_period_segment["level"] != "W"]
    assert (other["signal"] != "").mean() < 0.15
    seg = result.by_segment.set_index("level")
    assert seg.loc["W", "signal"] == "above"
    flagged = result.signals()
    assert {"W"} <= set(flagged["level"])
    assert ((flagged["level"] == "W") & (flagged["period"] == pd.Period("2023Q2", "Q"))).any()


def test_false_alarm_rate_without_drift_is_near_one_minus_level():
    rng = np.random.default_rng(4)
    n_periods, per_period = 600, 20
    expected = rng.uniform(1.0, 5.0, n_periods * per_period)
    book = pd.DataFrame({"year": np.repeat(np.arange(n_periods), per_period), "expected": expected,
                         "claims": rng.poisson(expected)})  # fmt: skip
    result = monitor(book, "claims", "expected", period="year", level=0.9)
    share = (result.over_time["signal"] != "").mean()
    assert 0.04 < share < 0.14  # nominal 0.10; the exact interval is slightly conservative
    assert (result.over_time["expected"] >= 5).all()


def test_small_cells_are_never_flagged():
    book = pd.DataFrame({"year": [2020, 2021], "claims": [6, 0], "expected": [1.0, 2.0]})
    result = monitor(book, "claims", "expected", period="year", min_expected=5.0)
    assert (result.over_time["ae_lower"].iloc[0] > 1) and (result.over_time["signal"] == "").all()
    assert result.signals().empty
    flagged = monitor(book, "claims", "expected", period="year", min_expected=0.5).over_time["signal"]
    assert list(flagged) == ["above", ""]
    assert result.over_time["ae_lower"].iloc[1] == 0.0


# ---------------------------------------------------------------- drift


def test_drift_per_period_reuses_drift_report():
    book = _book(n=3_000, seed=5, periods=4)
    reference = book.sample(frac=1.0, random_state=0).assign(region="N")  # everyone in N
    result = monitor(book, "claims", "expected", period="start", by="region", exposure="exposure",
                     reference=reference, drift_factors=["region", "age_band"])  # fmt: skip
    drift = result.drift
    assert list(drift.columns) == ["factor", "period", "psi", "bins", "new_levels", "status"]
    assert list(drift["factor"]) == ["region"] * 4 + ["age_band"] * 4
    assert (drift.loc[drift["factor"] == "region", "status"] == "significant shift").all()
    assert (drift.loc[drift["factor"] == "age_band", "status"] == "stable").all()
    from autorisk.analytics.drift import drift_report

    first = book[book["start"].dt.to_period("Q") == drift["period"].iloc[0]]
    direct = drift_report(reference, first, ["region"], weights="exposure")
    assert drift["psi"].iloc[0] == pytest.approx(direct.loc["region", "psi"])
    assert monitor(book, "claims", "expected", period="start").drift is None


# ---------------------------------------------------------------- bad inputs


def test_bad_inputs_name_column_and_rows():
    book = pd.DataFrame({"year": [2020, 2020, 2021, 2021], "claims": [1.0, np.nan, -2.0, 0.0],
                         "expected": [1.0, 1.0, 1.0, 1.0]}, index=["a", "b", "c", "d"])  # fmt: skip
    with pytest.raises(DataError, match="claims") as info:
        monitor(book, "claims", "expected", period="year")
    assert info.value.columns == ["claims"]
    assert {row for issue in info.value.issues for row in issue.rows} == {"b", "c"}
    with pytest.raises(DataError, match="expected") as info:
        monitor(book.assign(claims=1.0, expected=[1.0, -1.0, 1.0, np.nan]), "claims", "expected", period="year")
    assert {row for issue in info.value.issues for row in issue.rows} == {"b", "d"}
    with pytest.raises(SchemaError, match="zone"):
        monitor(book.assign(claims=1.0), "claims", "expected", period="year", by="zone")
    with pytest.raises(SchemaError, match="when"):
        monitor(book, "claims", "expected", period="when")
    with pytest.raises(DataError, match="year") as info:
        monitor(book.assign(claims=1.0, year=["2020Q1", "soon", "2020Q2", "2020Q2"]), "claims", "expected",
                period="year")  # fmt: skip
    assert info.value.issues[0].rows == ("b",) and info.value.issues[0].values == ("soon",)
    with pytest.raises(DataError, match="missing") as info:
        monitor(book.assign(claims=1.0, year=[2020, None, 2021, 2021]), "claims", "expected", period="year")
    assert info.value.issues[0].rows == ("b",)
    with pytest.raises(ParameterError, match="level"):
        monitor(book.assign(claims=1.0), "claims", "expected", period="year", level=95)
    with pytest.raises(ParameterError, match="freq"):
        monitor(_book(n=50), "claims", "expected", period="start", freq="fortnight")


# ---------------------------------------------------------------- output


def test_plots_draw_one_line_per_series():
    book = _book(n=3_000, seed=6)
    result = monitor(book, "claims", "expected", period="start", by=["region", "age_band"])
    ax = result.plot()
    assert len(ax.lines) == 2  # A/E and the line at 1
    assert len(ax.lines[0].get_xdata()) == 8
    assert len(ax.collections) >= 1  # the interval band (+ flagged points)
    ax = result.plot("age_band")
    assert [line.get_label() for line in ax.lines[:3]] == ["young", "mid", "old"]
    assert len(ax.lines) == 4
    ax = result.plot_heatmap("region")
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == (4, 8)
    with pytest.raises(ParameterError, match="region"):
        result.plot("zone")


def test_result_object_tables_and_html():
    result = monitor(_book(n=2_000, seed=7), "claims", "expected", period="start", by="region")
    assert isinstance(result, MonitoringResult)
    frame = result.to_frame()
    assert list(frame.index)[-1] == "Total" and len(frame) == 9
    assert frame.loc["Total", "actual"] == result.overall["actual"]
    html = result._repr_html_()
    assert "2022Q1" in html and "Total" in html
    assert "A/E monitoring" in repr(result)
    assert set(result.over_time["signal"]) <= {"", "above", "below"}
    with pytest.raises(AttributeError):
        result.settings = {}  # frozen


def _compound_poisson_book(seed: int, n_periods: int = 300, per_period: int = 400):
    """Claim amounts: Poisson counts (rate 0.1) times gamma claims (mean 5,000, shape 2); expected known exactly."""
    rng = np.random.default_rng(seed)
    n = n_periods * per_period
    counts = rng.poisson(0.1, n)
    amounts = np.array([rng.gamma(2.0, 2_500.0, k).sum() for k in counts])
    return pd.DataFrame({"period": np.repeat(np.arange(2000, 2000 + n_periods), per_period),
                         "amount": amounts, "expected": np.full(n, 0.1 * 5_000.0)})  # fmt: skip


def test_quasi_poisson_intervals_hold_their_level_on_claim_amounts():
    book = _compound_poisson_book(seed=11)
    exact = monitor(book, "amount", "expected", period="period", level=0.9)
    quasi = monitor(book, "amount", "expected", period="period", level=0.9, test="quasi_poisson")
    # The exact Poisson interval treats each yuan as a claim: almost every period is flagged.
    assert (exact.over_time["signal"] != "").mean() > 0.8
    # Compound Poisson: variance = rate x E[X^2] = expected x E[X^2] / E[X] = expected x 7,500.
    assert quasi.settings["dispersion"] == pytest.approx(7_500.0, rel=0.05)
    assert 0.05 < (quasi.over_time["signal"] != "").mean() < 0.16
    assert "quasi-Poisson (dispersion" in repr(quasi)


def test_quasi_poisson_interval_by_hand():
    book = pd.DataFrame({"period": [1, 1, 2, 2], "actual": [0.0, 300.0, 100.0, 100.0],
                         "expected": [100.0, 100.0, 100.0, 100.0]})  # fmt: skip
    result = monitor(book, "actual", "expected", period="period", min_expected=0, test="quasi_poisson")
    phi = (100**2 + 200**2 + 0 + 0) / 400  # Pearson dispersion: 125
    first = result.over_time.iloc[0]  # A/E 300 / 200 = 1.5, standard error sqrt(125 / 200)
    half = stats.norm.ppf(0.975) * np.sqrt(phi / 200)
    assert first["ae_lower"] == 0.0 and 1.5 - half < 0  # an A/E below 0 is impossible: the bound stops at 0
    assert first["ae_upper"] == pytest.approx(1.5 + half, rel=1e-12)
    assert first["p_value"] == pytest.approx(2 * stats.norm.sf(0.5 / np.sqrt(phi / 200)), rel=1e-12)
    with pytest.raises(ParameterError, match="test must be one of"):
        monitor(book, "actual", "expected", period="period", test="gamma")
