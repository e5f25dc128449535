"""Risk segmentation: deciles, top risks and their drivers, departing segments.

Expectations are computed independently here: deciles by sorting and
counting, top risks by a plain sort, drivers from coefficients planted in an
exactly multiplicative book, the exact Poisson interval by root-finding on
the Poisson distribution function and the exact test by summing the
probability function, and the false-alarm rate from simulated books with a
known truth.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests

from autorisk.analytics.segmentation import departing_segments, risk_deciles, top_risks
from autorisk.errors import DataError, ParameterError, SchemaError
from autorisk.models import FrequencyGBM, FrequencyGLM
from autorisk.rating import BandFactor, CategoricalFactor, Coverage, RatingPlan


def simulated_book(seed: int, n: int = 3_000, planted: float = 1.5) -> pd.DataFrame:
    """Policies with a known claim rate; claims of area ``a0`` run at ``planted`` times the expected."""
    rng = np.random.default_rng(seed)
    book = pd.DataFrame({
        "area": rng.choice([f"a{i}" for i in range(10)], n),
        "age": rng.choice(["18-24", "25-39", "40-59", "60+"], n, p=[0.1, 0.3, 0.4, 0.2]),
        "exposure": rng.uniform(0.2, 1.0, n),
    })
    book["rate"] = 1.2 * book["age"].map({"18-24": 2.0, "25-39": 1.2, "40-59": 1.0, "60+": 1.3})
    book["expected"] = book["rate"] * book["exposure"]
    uplift = np.where(book["area"] == "a0", planted, 1.0)
    book["claims"] = rng.poisson(book["expected"] * uplift)
    return book


# ------------------------------------------------------------------ deciles
books = st.lists(
    st.tuples(st.integers(0, 30).map(lambda k: k / 10), st.floats(0.05, 2.0), st.integers(0, 3)),
    min_size=1,
    max_size=80,
).map(lambda rows: pd.DataFrame(rows, columns=["score", "exposure", "claims"]))


@settings(max_examples=80, deadline=None)
@given(books, st.integers(1, 12))
def test_deciles_reconcile_to_the_book_and_are_ordered(book, n_bins):
    book = book.assign(expected=book["score"] * book["exposure"] + 0.01)
    table = risk_deciles(book, "score", n_bins=n_bins, actual="claims", expected="expected")
    assert table.index.name == "decile" and set(table.index) <= set(range(1, n_bins + 1))
    assert table["policies"].sum() == len(book)
    assert table["exposure"].sum() == pytest.approx(book["exposure"].sum())
    assert table["exposure_share"].sum() == pytest.approx(1.0)
    assert table["actual"].sum() == book["claims"].sum()
    assert table["expected"].sum() == pytest.approx(book["expected"].sum())
    # bands do not overlap and rise with the score
    assert (table["min_score"].to_numpy()[1:] > table["max_score"].to_numpy()[:-1]).all()
    assert (np.diff(table["mean_score"]) > 0).all()
    # each band's figures recomputed from the rows whose score lies in its range
    cost = book["score"] * book["exposure"]
    book_mean = cost.sum() / book["exposure"].sum()
    for _, row in table.iterrows():
        rows = book["score"].between(row["min_score"], row["max_score"])
        assert row["policies"] == rows.sum()
        mean = cost[rows].sum() / book["exposure"][rows].sum()
        assert row["mean_score"] == pytest.approx(mean)
        if book_mean > 0:
            assert row["relativity"] == pytest.approx(mean / book_mean)
            assert row["cost_share"] == pytest.approx(cost[rows].sum() / cost.sum())
        assert row["ae"] == pytest.approx(book["claims"][rows].sum() / book["expected"][rows].sum())


def test_distinct_scores_of_equal_exposure_give_deciles_of_equal_size():
    rng = np.random.default_rng(5)
    score = rng.permutation(rng.gamma(2.0, 0.05, 1_000))
    table = risk_deciles(pd.DataFrame({"score": score, "exposure": 1.0}), "score")
    ranked = np.sort(score)
    assert table.index.tolist() == list(range(1, 11))
    assert (table["policies"] == 100).all()
    np.testing.assert_array_equal(table["min_score"], ranked[::100])
    np.testing.assert_array_equal(table["max_score"], ranked[99::100])
    np.testing.assert_allclose(table["mean_score"], ranked.reshape(10, 100).mean(axis=1))


def test_top_level_is_the_level_with_most_exposure_and_its_share():
    book = pd.DataFrame({
        "score": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
        "exposure": [1.0, 1.0, 2.0, 1.0, 1.0, 3.0],
        "age": ["18-24", "18-24", "60+", "25-39", "60+", "60+"],
        "use": pd.Categorical(["b", "p", "p", "p", "b", "b"], categories=["p", "b"]),
    })
    table = risk_deciles(book, "score", n_bins=2, factors=["age", "use"])
    # band 1: 18-24 and 60+ have 2 of 4 each (first in order wins); p has 3 of 4
    assert table["age: top level"].tolist() == ["18-24 (50%)", "60+ (80%)"]
    assert table["use: top level"].tolist() == ["p (75%)", "b (80%)"]
    unknown = risk_deciles(book.assign(age=[None, "18-24", None, "x", "x", "x"]), "score", n_bins=2, factors=["age"])
    assert unknown["age: top level"].tolist() == ["(missing) (75%)", "x (100%)"]


def test_deciles_of_a_simulated_book_order_the_claim_experience():
    book = simulated_book(0, n=20_000, planted=1.0)
    table = risk_deciles(book, "rate", n_bins=4, actual="claims", expected="expected", factors=["age"])
    # four tied groups of rates, exposure shares about 40/30/20/10%: the middles of the groups
    # (20, 55, 80, 95%) put 40-59 in band 1, 25-39 in band 3, 60+ and 18-24 together in band 4
    assert table.index.tolist() == [1, 3, 4]
    assert table["age: top level"].str.split(" ").str[0].tolist() == ["40-59", "25-39", "60+"]
    assert table["age: top level"].iloc[:2].tolist() == ["40-59 (100%)", "25-39 (100%)"]
    share = book.loc[book["age"] == "60+", "exposure"].sum() / book.loc[book["age"].isin(["60+", "18-24"]), "exposure"].sum()
    assert table["age: top level"].iloc[2] == f"60+ ({share:.0%})"
    assert (table["ae"].between(0.9, 1.1)).all()
    assert np.all(np.diff(table["actual"] / table["exposure"]) > 0)


def test_bad_deciles_input_names_the_column_and_rows():
    book = pd.DataFrame(
        {"score": [0.1, np.nan, -0.2, np.inf], "exposure": [1.0, 0.0, 1.0, 1.0]},
        index=["p1", "p2", "p3", "p4"],
    )
    with pytest.raises(DataError) as error:
        risk_deciles(book, "score")
    message = str(error.value)
    assert set(error.value.columns) == {"score", "exposure"}
    assert "'p2', 'p3', 'p4'" in message and "-0.2" in message
    assert "column 'exposure'" in message and "rows: 'p2'" in message
    with pytest.raises(SchemaError, match="premium"):
        risk_deciles(book, "premium")
    with pytest.raises(SchemaError, match="region"):
        risk_deciles(book.fillna(0.1).abs().replace(np.inf, 1.0).assign(exposure=1.0), "score", factors=["region"])
    with pytest.raises(ParameterError, match="both"):
        risk_deciles(book, "score", actual="score")
    with pytest.raises(ParameterError, match="n_bins"):
        risk_deciles(book, "score", n_bins=0)
    with pytest.raises(DataError, match="empty"):
        risk_deciles(book.iloc[:0], "score")


# --------------------------------------------------------------- top risks
@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.floats(0.1, 2.0)), min_size=1, max_size=40),
    st.integers(1, 50),
)
def test_top_risks_is_a_stable_sort_by_score(rows, n):
    book = pd.DataFrame(rows, columns=["score", "exposure"], index=[f"p{i}" for i in range(len(rows))])
    book["policy"] = book.index.str.upper()
    table = top_risks(book, score="score", n=n, keep=["policy"])
    order = sorted(range(len(rows)), key=lambda i: (-rows[i][0], i))[:n]
    assert table.index.tolist() == [f"p{i}" for i in order]
    assert table["rank"].tolist() == list(range(1, len(order) + 1))
    assert list(table.columns) == ["rank", "policy", "score", "relativity"]
    mean = sum(s * e for s, e in rows) / sum(e for _, e in rows)
    for label, row in table.iterrows():
        assert row["policy"] == label.upper()
        assert row["relativity"] == pytest.approx(row["score"] / mean if mean else np.nan, nan_ok=True)


def exact_book() -> pd.DataFrame:
    """Claims exactly multiplicative: 0.1 x area x use x channel per year, so the GLM fits the planted relativities."""
    area, use, channel = {"a": 1.0, "b": 3.0}, {"x": 1.0, "y": 2.0}, {"agent": 1.0, "web": 1.25}
    rows = []
    for a, u, c in itertools.product(area, use, channel):
        exposure = 400.0 if a == "a" else 200.0
        rows.append({"area": a, "use": u, "channel": c, "exposure": exposure,
                     "claim_count": round(0.1 * area[a] * use[u] * channel[c] * exposure)})  # fmt: skip
    return pd.DataFrame(rows, index=[f"p{i}" for i in range(len(rows))])


def test_glm_drivers_are_coefficients_centred_on_the_book():
    book = exact_book()
    model = FrequencyGLM(["area", "use"], restrict={"channel": {"agent": 1.0, "web": 1.25}}).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    table = top_risks(book, model, n=2)
    top = table.iloc[0]
    assert table.index[0] == "p7" and book.loc["p7", ["area", "use", "channel"]].tolist() == ["b", "y", "web"]
    assert top["score"] == pytest.approx(0.1 * 3 * 2 * 1.25, rel=1e-7)
    # exposure-weighted means of the log relativities: area b has 800 of 2,400 years, use y and web half
    area = math.exp(math.log(3) - math.log(3) * 800 / 2400)
    use = math.exp(math.log(2) / 2)
    channel = math.exp(math.log(1.25) / 2)
    assert [top[f"driver_{k}_factor"] for k in (1, 2, 3)] == ["area", "use", "channel"]
    np.testing.assert_allclose([top[f"driver_{k}_relativity"] for k in (1, 2, 3)], [area, use, channel], rtol=1e-6)
    assert top["driver_1"] == f"area=b (x{area:.2f})" == "area=b (x2.08)"
    assert top["driver_3"] == "channel=web (x1.12)"
    # the book's mean rate: total expected claims over total exposure
    mean = (book["claim_count"].sum()) / book["exposure"].sum()
    assert top["relativity"] == pytest.approx(top["score"] / mean, rel=1e-7)


def test_gbm_drivers_are_its_centred_shap_values():
    rng = np.random.default_rng(2)
    n = 2_000
    X = pd.DataFrame({"age": rng.uniform(18, 80, n), "area": pd.Categorical(rng.choice(list("abc"), n))})
    exposure = rng.uniform(0.3, 1.0, n)
    y = rng.poisson(exposure * 0.1 * np.exp(0.8 * (X["age"] < 25) + 0.4 * (X["area"] == "c")))
    gbm = FrequencyGBM(n_rounds=20, early_stopping=None).fit(X, y, exposure=exposure)
    book = X.assign(exposure=exposure)
    table = top_risks(book, gbm, n=5, n_drivers=2)
    shap = gbm.contributions(book).drop(columns="bias")
    centred = shap - np.average(shap, axis=0, weights=exposure)
    np.testing.assert_allclose(table["score"], np.sort(gbm.predict(book))[::-1][:5])
    for label, row in table.iterrows():
        ranked = centred.loc[label].sort_values(ascending=False)
        assert [row["driver_1_factor"], row["driver_2_factor"]] == ranked.index.tolist()
        np.testing.assert_allclose([row["driver_1_relativity"], row["driver_2_relativity"]], np.exp(ranked))


def test_plan_breakdown_drivers_are_relativities_over_their_weighted_geometric_mean():
    use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.3))
    age = BandFactor("vehicle_age", "vehicle_age", (3.0, 8.0), (1.2, 1.0, 0.9))
    plan = RatingPlan("plan", "1", (Coverage("tpl", 800.0, (use, age)),))
    book = pd.DataFrame({
        "use": ["private", "business", "private", "business"],
        "vehicle_age": [1, 5, 10, 2],
        "exposure": [1.0, 1.0, 1.0, 1.0],
    }, index=[11, 12, 13, 14])  # fmt: skip
    quote = plan.quote(book)
    book["premium"] = quote["premium_tpl"]
    drivers = quote.filter(regex=r"^tpl\.[^.]+$").rename(columns=lambda c: c.removeprefix("tpl."))
    table = top_risks(book, score="premium", drivers=drivers, n=1)
    # policy 14 (business, 2 years old) is dearest: 800 x 1.3 x 1.2
    assert table.index.tolist() == [14] and table["score"].iloc[0] == pytest.approx(800 * 1.3 * 1.2)
    use_mean = math.sqrt(1.3)  # geometric mean of 1, 1.3, 1, 1.3
    age_mean = (1.2 * 1.0 * 0.9 * 1.2) ** 0.25
    assert table["driver_1_factor"].iloc[0] == "use"
    assert table["driver_1_relativity"].iloc[0] == pytest.approx(1.3 / use_mean)
    assert table["driver_2_relativity"].iloc[0] == pytest.approx(1.2 / age_mean)
    assert table["driver_1"].iloc[0] == f"use=business (x{1.3 / use_mean:.2f})"
    assert table["driver_2"].iloc[0] == f"vehicle_age=2 (x{1.2 / age_mean:.2f})"
    assert "driver_3" not in table  # two factors only


def test_bad_top_risks_input():
    book = pd.DataFrame({"score": [0.2, 0.1], "exposure": [1.0, 1.0]}, index=["p1", "p2"])
    with pytest.raises(ParameterError, match="model"):
        top_risks(book)
    with pytest.raises(SchemaError, match="policy_no"):
        top_risks(book, score="score", keep=["policy_no"])
    with pytest.raises(DataError, match=r"column 'age'.*rows: 'p2'"):
        top_risks(book, score="score", drivers=pd.DataFrame({"age": [1.2, 0.0]}, index=book.index))
    with pytest.raises(ParameterError, match="indexed like data"):
        top_risks(book, score="score", drivers=pd.DataFrame({"age": [1.2, 1.0]}))
    with pytest.raises(DataError, match=r"column 'score'.*rows: 'p1'"):
        top_risks(book.assign(score=[-1.0, 0.1]), score="score")
    with pytest.raises(ParameterError, match="n must"):
        top_risks(book, score="score", n=0)
    with pytest.raises(DataError, match="empty"):
        top_risks(book.iloc[:0], score="score")


# ------------------------------------------------------ departing segments
def garwood_by_root_finding(a: int, e: float, level: float) -> tuple[float, float]:
    """Exact interval of the Poisson mean by inverting the distribution function, divided by ``e``."""
    alpha = 1 - level
    lower = 0.0 if a == 0 else optimize.brentq(lambda mu: stats.poisson.sf(a - 1, mu) - alpha / 2, 1e-12, 10 * a + 10)
    upper = optimize.brentq(lambda mu: stats.poisson.cdf(a, mu) - alpha / 2, 1e-12, 10 * a + 50)
    return lower / e, upper / e


def exact_p_value(a: int, e: float) -> float:
    """Two-sided exact p-value by summing the Poisson probability function."""
    pmf = [math.exp(-e + k * math.log(e) - math.lgamma(k + 1)) for k in range(a + 1)]
    at_most = math.fsum(pmf)
    at_least = 1 - math.fsum(pmf[:-1])
    return min(1.0, 2 * min(at_most, at_least))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.floats(0.5, 80.0)), min_size=1, max_size=8),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_interval_and_p_value_match_independent_computations(segments, level):
    book = pd.DataFrame(segments, columns=["claims", "expected"]).assign(segment=range(len(segments)))
    table = departing_segments(book, "segment", "claims", "expected", level=level, min_expected=0).set_index("level")
    for i, (a, e) in enumerate(segments):
        row = table.loc[i]
        lower, upper = garwood_by_root_finding(a, e, level)
        assert row["ae_lower"] == pytest.approx(lower, rel=1e-7, abs=1e-12)
        assert row["ae_upper"] == pytest.approx(upper, rel=1e-7)
        assert row["p_value"] == pytest.approx(exact_p_value(a, e), rel=1e-6, abs=1e-12)
        assert row["ae"] == pytest.approx(a / e)
        assert row["z"] == pytest.approx((a - e) / math.sqrt(e))
        assert row["credibility"] == pytest.approx(min(1.0, math.sqrt(a / 1082)))
        outside = lower > 1 or upper < 1
        assert row["departs"] == outside
        if abs(row["p_value"] - (1 - level)) > 1e-9:  # the interval excludes 1 exactly when p < alpha
            assert row["departs"] == (row["p_value"] < 1 - level)
    assert np.all(np.diff(table["p_value"]) >= 0)


def test_planted_segment_is_flagged_and_others_rarely_are():
    flagged, false_alarms, tests, any_false_holm = 0, 0, 0, 0
    n_books = 150
    for seed in range(n_books):
        book = simulated_book(seed)
        table = departing_segments(book, "area", "claims", "expected", exposure="exposure", adjust="holm")
        planted = table["level"] == "a0"
        flagged += int(table.loc[planted, "departs"].iloc[0])
        plain = departing_segments(book, "area", "claims", "expected", exposure="exposure")
        others = plain[plain["level"] != "a0"]
        false_alarms += int(others["departs"].sum())
        tests += len(others)
        any_false_holm += int(table.loc[~planted, "departs"].any())
    # a0: about 260 expected claims at 1.5 times; the 99.5% critical count is about 310, 4 sd below 390
    assert flagged == n_books
    # about 5% false alarms (the exact test is slightly conservative; 1,350 tests, sd 0.6%)
    assert 0.03 < false_alarms / tests <= 0.065
    # Holm: a false alarm somewhere in a book in at most about 5% of books
    assert any_false_holm / n_books <= 0.08


def test_holm_adjustment_matches_statsmodels_over_the_eligible_segments():
    book = simulated_book(7, planted=1.3)
    book["small"] = np.where(book.index < 3, "tiny", "rest")  # 'tiny' has few expected claims
    table = departing_segments(book, ["area", "age", "small"], "claims", "expected", adjust="holm", level=0.9)
    eligible = table["expected"] >= 5.0
    assert not eligible.all()
    reference = multipletests(table.loc[eligible, "p_value"], alpha=0.1, method="holm")
    np.testing.assert_allclose(table.loc[eligible, "p_adjusted"], reference[1], rtol=1e-12)
    assert table.loc[~eligible, "p_adjusted"].isna().all()
    np.testing.assert_array_equal(table.loc[eligible, "departs"], reference[0])


def test_segments_are_stacked_one_way_per_factor():
    book = simulated_book(3)
    table = departing_segments(book, ["area", "age"], "claims", "expected", exposure="exposure")
    assert list(table.columns) == ["factor", "level", "exposure", "actual", "expected", "ae", "ae_lower",
                                   "ae_upper", "p_value", "z", "credibility", "departs"]  # fmt: skip
    assert table["factor"].value_counts().to_dict() == {"area": 10, "age": 4}
    for factor, part in table.groupby("factor"):
        assert part["actual"].sum() == book["claims"].sum()
        assert part["exposure"].sum() == pytest.approx(book["exposure"].sum())
        by_level = book.groupby(factor)["expected"].sum()
        np.testing.assert_allclose(part.set_index("level")["expected"], by_level.reindex(part["level"]))
    assert np.all(np.diff(table["p_value"]) >= 0)
    counts = departing_segments(book, "age", "claims", "expected")  # no exposure: rows counted
    assert counts["exposure"].sum() == len(book)


def test_small_segments_are_never_flagged():
    book = pd.DataFrame({"segment": ["big", "small"], "claims": [40, 12], "expected": [20.0, 4.0]})
    table = departing_segments(book, "segment", "claims", "expected").set_index("level")
    assert table.loc["small", "ae_lower"] > 1 and not table.loc["small", "departs"]
    assert table.loc["big", "departs"]
    assert departing_segments(book, "segment", "claims", "expected", min_expected=3).set_index("level").loc[
        "small", "departs"
    ]


def test_bad_segment_input():
    book = pd.DataFrame(
        {"area": ["a", "b", "c"], "claims": [1, -2, 3], "expected": [1.0, 1.0, 0.0]}, index=["p1", "p2", "p3"]
    )
    with pytest.raises(DataError) as error:
        departing_segments(book, "area", "claims", "expected")
    message = str(error.value)
    assert "column 'claims'" in message and "rows: 'p2'" in message
    assert "column 'expected'" in message and "rows: 'p3'" in message
    good = book.assign(claims=[1, 2, 3], expected=1.0)
    with pytest.raises(SchemaError, match="region"):
        departing_segments(good, ["area", "region"], "claims", "expected")
    with pytest.raises(SchemaError, match="exposure"):
        departing_segments(good, "area", "claims", "expected", exposure="exposure")
    with pytest.raises(ParameterError, match="level"):
        departing_segments(good, "area", "claims", "expected", level=95)
    with pytest.raises(ParameterError, match="holm"):
        departing_segments(good, "area", "claims", "expected", adjust="bonferroni")
    with pytest.raises(ParameterError, match="by"):
        departing_segments(good, [], "claims", "expected")
