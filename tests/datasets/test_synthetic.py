"""Tests of the synthetic Chinese motor book and its known truth.

Structural tests use a small 5-year book; statistical tests use a book of
300k policy-years and compare observed claims with the truth with Poisson /
Gamma bounds of ``Z`` standard deviations (seeds are fixed, so the tests are
deterministic; the bounds keep them honest).
"""

from __future__ import annotations

import contextlib
import dataclasses
import doctest
import math
import textwrap

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from autorisk.datasets import ncd as ncd_module
from autorisk.datasets import synthetic as synthetic_module
from autorisk.datasets import truth as truth_module
from autorisk.datasets.ncd import NcdState, ncd_state_for_level, ncd_transition
from autorisk.datasets.synthetic import SyntheticBook, synthetic_book
from autorisk.datasets.truth import RATING_FACTORS, SyntheticTruth
from autorisk.errors import DataError, SchemaError, UnknownCategoryError

try:  # multi-threaded BLAS can be pathologically slow on small shared runners
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

Z = 4.0  # standard deviations allowed in statistical checks
COVERAGES = ("ctpl", "tpl", "od")
POLICY_COLUMNS = [
    "policy_id", "period_start", "period_end", "exposure", "renewal_count", "vehicle_type",
    "seats", "use", "vehicle_age", "new_car_price", "region", "driver_age", "gender",
    "ncd_level", "channel", "od_cover", "cancelled",
]  # fmt: skip
CLAIM_COLUMNS = [
    "claim_id", "policy_id", "coverage", "occurrence_date", "report_date", "settlement_date",
    "paid", "incurred", "ultimate",
]  # fmt: skip
VALUATION = pd.Timestamp("2024-06-30")


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small() -> SyntheticBook:
    return synthetic_book(3_000, 5, seed=11)


@pytest.fixture(scope="module")
def valued() -> SyntheticBook:
    return synthetic_book(3_000, 5, seed=11, valuation_date=VALUATION)


@pytest.fixture(scope="module")
def big() -> SyntheticBook:
    return synthetic_book(100_000, 3, seed=2024)  # 300k policy-years


def claim_rows(policies: pd.DataFrame, claims: pd.DataFrame) -> np.ndarray:
    """Row position in ``policies`` of the period containing each claim (independent join)."""
    periods = policies[["policy_id", "period_start", "period_end"]].reset_index(drop=True)
    periods["row"] = np.arange(len(periods))
    joined = claims[["claim_id", "policy_id", "occurrence_date"]].merge(periods, on="policy_id")
    inside = (joined["occurrence_date"] >= joined["period_start"]) & (
        joined["occurrence_date"] < joined["period_end"]
    )
    joined = joined[inside]
    assert joined["claim_id"].is_unique and len(joined) == len(claims), "claim outside periods"
    return joined.set_index("claim_id").loc[claims["claim_id"], "row"].to_numpy()


@pytest.fixture(scope="module")
def big_counts(big) -> pd.DataFrame:
    """Observed claims per policy row and coverage of the big book."""
    policies, claims, _ = big
    rows = claim_rows(policies, claims)
    counts = pd.crosstab(rows, claims["coverage"].to_numpy())
    return counts.reindex(index=range(len(policies)), columns=list(COVERAGES), fill_value=0)


def commercial_counts(policies: pd.DataFrame, claims: pd.DataFrame) -> np.ndarray:
    commercial = claims[claims["coverage"].isin(["tpl", "od"])]
    rows = claim_rows(policies, commercial)
    return np.bincount(rows, minlength=len(policies))


# ---------------------------------------------------------------- structure
def test_columns_and_dtypes(small):
    policies, claims, truth = small
    assert isinstance(small, SyntheticBook) and isinstance(truth, SyntheticTruth)
    assert list(policies.columns) == POLICY_COLUMNS
    assert list(claims.columns) == CLAIM_COLUMNS
    expected = {
        "policy_id": "int64", "exposure": "float64", "renewal_count": "int16", "seats": "int8",
        "vehicle_age": "int8", "new_car_price": "float32", "driver_age": "int8",
        "ncd_level": "int8", "od_cover": "bool", "cancelled": "bool",
        "period_start": "datetime64[ns]", "period_end": "datetime64[ns]",
    }  # fmt: skip
    for column, dtype in expected.items():
        assert str(policies[column].dtype) == dtype, column
    for column in ("vehicle_type", "use", "region", "gender", "channel"):
        assert isinstance(policies[column].dtype, pd.CategoricalDtype), column
        assert list(policies[column].cat.categories) == list(truth.levels[column])
    assert isinstance(claims["coverage"].dtype, pd.CategoricalDtype)
    assert list(claims["coverage"].cat.categories) == list(COVERAGES)
    for column in ("occurrence_date", "report_date", "settlement_date"):
        assert str(claims[column].dtype) == "datetime64[ns]"
    assert claims["claim_id"].is_unique
    assert policies.notna().all().all()
    assert set(policies["seats"].unique()) <= {5, 7, 9}
    assert policies["driver_age"].between(18, 85).all()
    assert (policies["new_car_price"] % 100 == 0).all()
    assert truth.generation == {"n_policies": 3_000, "n_years": 5, "seed": 11, "start_year": 2021}


def test_seats_consistent_with_vehicle_type(small):
    allowed = {"sedan": {5}, "suv": {5, 7}, "mpv": {7, 9}, "van": {7, 9}}
    for vehicle_type, seats in small.policies.groupby("vehicle_type", observed=True)["seats"]:
        assert set(seats.unique()) <= allowed[vehicle_type]


@pytest.mark.filterwarnings("error")
def test_same_seed_gives_identical_frames():
    a = synthetic_book(800, 3, seed=5, valuation_date="2022-09-30")
    b = synthetic_book(800, 3, seed=5, valuation_date="2022-09-30")
    pd.testing.assert_frame_equal(a.policies, b.policies)
    pd.testing.assert_frame_equal(a.claims, b.claims)
    assert a.truth == b.truth


def test_different_seed_differs():
    a = synthetic_book(800, 2, seed=5)
    b = synthetic_book(800, 2, seed=6)
    assert len(a.policies) == len(b.policies)
    assert not a.policies["period_start"].equals(b.policies["period_start"])
    assert not a.policies["driver_age"].equals(b.policies["driver_age"])


def test_in_force_count_per_inception_year(small):
    per_year = small.policies["period_start"].dt.year.value_counts().sort_index()
    assert per_year.index.tolist() == [2021, 2022, 2023, 2024, 2025]
    assert (per_year == 3_000).all()
    first = small.policies[small.policies["period_start"].dt.year == 2021]
    assert (first["renewal_count"] == 0).all()


def test_renewals_continue_previous_period(small):
    p = small.policies.sort_values(["policy_id", "period_start"]).reset_index(drop=True)
    same = p["policy_id"].eq(p["policy_id"].shift())
    first = p[~same]
    assert (first["renewal_count"] == 0).all()  # each policy starts as new business
    cur, prev = p[same], p.shift()[same]
    assert len(cur) > 5_000
    assert (cur["period_start"] == prev["period_end"]).all()
    assert (cur["renewal_count"] == prev["renewal_count"] + 1).all()
    assert (cur["vehicle_age"] == prev["vehicle_age"] + 1).all()
    assert (cur["driver_age"] == prev["driver_age"] + 1).all()
    assert not prev["cancelled"].astype(bool).any()
    for column in ("vehicle_type", "seats", "use", "new_car_price", "region", "gender", "channel"):
        assert (cur[column].astype(object) == prev[column].astype(object)).all(), column
    # OD cover can be dropped at renewal but is never re-bought
    assert not (cur["od_cover"] & ~prev["od_cover"].astype(bool)).any()


def test_new_business_ids_are_fresh(small):
    p = small.policies
    new = p[p["renewal_count"] == 0]
    assert new["policy_id"].is_unique
    assert p.groupby("policy_id")["renewal_count"].max().sum() + len(new) == len(p)


def test_periods_and_exposure(small):
    p = small.policies
    days = (p["period_end"] - p["period_start"]).dt.days
    np.testing.assert_array_equal(p["exposure"].to_numpy(), days.to_numpy() / 365.25)
    assert (p["exposure"] > 0).all() and (p["exposure"] <= 1.003).all()
    full = p[~p["cancelled"]]
    one_year = full["period_start"] + pd.DateOffset(years=1)
    feb29 = (full["period_start"].dt.month == 2) & (full["period_start"].dt.day == 29)
    one_year = one_year.where(~feb29, one_year + pd.Timedelta(days=1))  # 29 Feb -> 1 Mar
    assert (full["period_end"] == one_year).all()
    cancelled = p[p["cancelled"]]
    assert 0.015 < p["cancelled"].mean() < 0.045
    assert (cancelled["period_end"] < cancelled["period_start"] + pd.DateOffset(years=1)).all()
    for time in ("period_start", "period_end"):
        assert (p[time] == p[time].dt.normalize()).all()


def test_claims_lie_in_their_periods(small):
    policies, claims, _ = small
    rows = claim_rows(policies, claims)  # asserts every claim is in exactly one period
    assert (claims["report_date"] >= claims["occurrence_date"]).all()
    assert (claims["settlement_date"] >= claims["report_date"]).all()
    od = claims["coverage"] == "od"
    assert policies["od_cover"].to_numpy()[rows[od.to_numpy()]].all()
    assert not policies["od_cover"].all()  # the check above is not vacuous
    assert od.any() and (claims["coverage"] == "tpl").any()


def test_fully_developed_book(small):
    claims = small.claims
    assert claims["settlement_date"].notna().all()
    assert (claims["paid"] == claims["ultimate"]).all()
    assert (claims["incurred"] == claims["ultimate"]).all()
    assert (claims["ultimate"] > 0).all()
    assert small.truth.valuation_date is None and small.truth.n_ibnr == 0


def test_liability_settles_slower(big):
    claims = big.claims
    delay = (claims["settlement_date"] - claims["report_date"]).dt.days
    median = delay.groupby(claims["coverage"], observed=True).median()
    assert median["od"] < median["ctpl"] < median["tpl"]
    assert delay[claims["coverage"] == "tpl"].quantile(0.99) > 365  # tail of years
    report = (claims["report_date"] - claims["occurrence_date"]).dt.days
    assert (
        report.groupby(claims["coverage"], observed=True).mean()["tpl"]
        > report[claims["coverage"] == "od"].mean()
    )


# ---------------------------------------------------------------- NCD ladder
def test_ncd_levels_in_book(small):
    policies, claims, _ = small
    assert policies["ncd_level"].between(-4, 5).all()
    new_cars = policies[(policies["renewal_count"] == 0) & (policies["vehicle_age"] == 0)]
    assert (new_cars["ncd_level"] == 0).all()
    df = policies[["policy_id", "period_start", "ncd_level", "renewal_count"]].copy()
    df["n"] = commercial_counts(policies, claims)
    df = df.sort_values(["policy_id", "period_start"])
    g = df.groupby("policy_id")
    prev_level = g["ncd_level"].shift(1)
    n1, n2, n3 = (g["n"].shift(k) for k in (1, 2, 3))  # claims of the expiring period, ...
    renewal = df["renewal_count"] > 0
    level = df["ncd_level"]
    claim_free = renewal & (n1 == 0)
    expected_free = np.maximum(np.minimum(prev_level, 0) - 1, -4)
    assert (level[claim_free] == expected_free[claim_free]).all()
    known = renewal & (n1 > 0) & n3.notna()  # whole three-period window inside the book
    assert known.sum() > 50
    assert (level[known] == np.minimum(n1 + n2 + n3 - 1, 5)[known]).all()
    partial = renewal & (n1 > 0) & n3.isna()
    lower = np.minimum(n1 + n2.fillna(0) - 1, 5)
    assert (level[partial] >= lower[partial]).all()


def _one(level: int, cfy: int, c1: int, c2: int) -> NcdState:
    return NcdState(*(np.array([v], dtype=np.int8) for v in (level, cfy, c1, c2)))


def test_ncd_transition_examples():
    new_car = ncd_state_for_level(np.array([0]))
    assert ncd_transition(new_car, np.array([0])).level.tolist() == [-1]
    assert ncd_transition(new_car, np.array([1])).level.tolist() == [0]
    assert ncd_transition(new_car, np.array([3])).level.tolist() == [2]
    assert ncd_transition(_one(-4, 7, 0, 0), np.array([0])).level.tolist() == [-4]
    assert ncd_transition(_one(-3, 3, 0, 0), np.array([0])).level.tolist() == [-4]
    assert ncd_transition(_one(1, 0, 1, 1), np.array([1])).level.tolist() == [2]
    assert ncd_transition(_one(5, 0, 9, 9), np.array([4])).level.tolist() == [5]
    moved = ncd_transition(_one(1, 0, 2, 1), np.array([1]))
    assert (moved.claim_free_years[0], moved.claims_1[0], moved.claims_2[0]) == (0, 1, 2)


@st.composite
def ncd_histories(draw):
    level = draw(st.integers(-4, 5))
    claims = draw(st.lists(st.integers(0, 7), min_size=1, max_size=12))
    return level, claims


@settings(max_examples=300, deadline=None)
@given(ncd_histories(), st.integers(1, 5))
def test_ncd_transition_properties(history, extra):
    start, claims = history
    state = ncd_state_for_level(np.array([start]))
    for n in claims:
        before = state.level.copy()
        frozen = tuple(a.copy() for a in state)
        nxt = ncd_transition(state, np.array([n]))
        more = ncd_transition(state, np.array([n + extra]))
        for a, b in zip(state, frozen, strict=True):  # pure: inputs untouched
            np.testing.assert_array_equal(a, b)
        assert -4 <= nxt.level[0] <= 5
        assert more.level[0] >= nxt.level[0]  # more claims never lower the level
        if n == 0:
            assert nxt.level[0] <= before[0]  # claim-free never raises the level
            assert nxt.level[0] <= -1
        else:
            assert nxt.level[0] >= 0
        state = nxt


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 5), st.integers(0, 6)), min_size=1, max_size=30))
def test_ncd_transition_is_elementwise(pairs):
    levels = np.array([p[0] for p in pairs])
    counts = np.array([p[1] for p in pairs])
    together = ncd_transition(ncd_state_for_level(levels), counts)
    for i, (level, n) in enumerate(pairs):
        alone = ncd_transition(ncd_state_for_level(np.array([level])), np.array([n]))
        assert tuple(a[i] for a in together) == tuple(a[0] for a in alone)


def test_ncd_rejects_bad_input():
    from autorisk.errors import DataError

    with pytest.raises(DataError, match=r"ncd_level.*values: 6; rows: 1"):
        ncd_state_for_level(np.array([0, 6]))
    with pytest.raises(DataError, match=r"n_claims.*values: -1"):
        ncd_transition(ncd_state_for_level(np.array([0])), np.array([-1]))


# ---------------------------------------------------------------- truth object
def _policy(**overrides) -> pd.DataFrame:
    row = {
        "vehicle_type": "sedan", "use": "private", "vehicle_age": 3, "driver_age": 35,
        "region": "Other", "ncd_level": 0, "channel": "agent", "new_car_price": 150_000.0,
        "gender": "M", "exposure": 1.0, "od_cover": True,
    }  # fmt: skip
    row.update(overrides)
    return pd.DataFrame({k: [v] for k, v in row.items()})


def test_reference_policy_has_base_frequency():
    truth = SyntheticTruth.default()
    for coverage, base in {"ctpl": 0.10, "tpl": 0.08, "od": 0.15}.items():
        lam = truth.frequency(_policy(), coverage, include_interaction=False).iloc[0]
        assert lam == pytest.approx(base, rel=1e-12)
    for coverage, mean in {"ctpl": 5_000.0, "tpl": 12_000.0, "od": 6_000.0}.items():
        assert truth.severity_mean(_policy(), coverage).iloc[0] == pytest.approx(mean, rel=1e-12)


def test_frequency_matches_hand_computation():
    """Literal numbers from the documented parameter table, not from the truth object."""
    truth = SyntheticTruth.default()
    policy = _policy(
        vehicle_type="suv", use="business", vehicle_age=5, driver_age=22, region="Beijing",
        ncd_level=2, channel="online", new_car_price=400_000.0,
    )  # fmt: skip
    sigmoid = 1 / (1 + math.exp(-(math.log(400_000) - math.log(250_000)) / 0.25))
    age_part = math.exp(-(22 - 18) / 5)
    od = 0.15 * 0.92 * 1.25 * 0.92 * 1.40 * 1.30 * 1.30 * 1.06 * (400_000 / 150_000) ** 0.2
    assert truth.frequency(policy, "od").iloc[0] == pytest.approx(
        od * (1 + 1.5 * age_part * sigmoid), rel=1e-12
    )
    tpl = 0.08 * 0.97 * 1.35 * 0.97 * 1.60 * 1.25 * 1.30 * 1.05
    assert truth.frequency(policy, "tpl").iloc[0] == pytest.approx(
        tpl * (1 + 1.0 * age_part * sigmoid), rel=1e-12
    )
    assert truth.frequency(policy, "tpl", include_interaction=False).iloc[0] == pytest.approx(tpl)
    assert truth.interaction_multiplier(policy, "ctpl").iloc[0] == pytest.approx(
        1 + 0.8 * age_part * sigmoid
    )
    od_sev = 6_000 * 0.92 * 1.15 * (400_000 / 150_000) ** 0.6
    assert truth.severity_mean(policy, "od").iloc[0] == pytest.approx(od_sev, rel=1e-12)
    tpl_sev = 12_000 * 1.05 * 1.10 * 1.45
    assert truth.severity_mean(policy, "tpl").iloc[0] == pytest.approx(tpl_sev, rel=1e-12)
    assert truth.expected_cost(policy, "tpl").iloc[0] == pytest.approx(
        tpl * (1 + 1.0 * age_part * sigmoid) * tpl_sev
    )


def test_interaction_shape():
    truth = SyntheticTruth.default()
    ages = np.arange(18, 86)
    for price in (100_000.0, 250_000.0, 1_000_000.0):
        m = truth.interaction.multiplier(ages, np.full(ages.shape, price), "od")
        assert (np.diff(m) < 0).all() and (m >= 1).all()  # fades with age
    top = 1 + 1.5 / (1 + math.exp(-math.log(1e6 / 250_000) / 0.25))
    assert truth.interaction.multiplier(18, 1e6, "od") == pytest.approx(top, rel=1e-12)
    assert truth.interaction.multiplier(40, 1e7, "od") < 1.02  # negligible at 40+
    assert truth.interaction.multiplier(18, 80_000, "od") < 1.02  # and for cheap cars


def test_band_edges():
    truth = SyntheticTruth.default()
    ages = pd.DataFrame(
        {
            "driver_age": [18, 24, 25, 29, 30, 44, 45, 59, 60, 85],
            "vehicle_age": [0, 1, 2, 3, 4, 6, 7, 9, 10, 30],
        }
    )
    banded = truth.band(ages)
    assert banded["driver_age_band"].astype(str).tolist() == [
        "18-24", "18-24", "25-29", "25-29", "30-44", "30-44", "45-59", "45-59", "60+", "60+"
    ]  # fmt: skip
    assert banded["vehicle_age_band"].astype(str).tolist() == [
        "0-1", "0-1", "2-3", "2-3", "4-6", "4-6", "7-9", "7-9", "10+", "10+"
    ]  # fmt: skip
    assert "driver_age_band" not in ages  # band returns a copy
    assert truth.band_edges == {"vehicle_age": (0, 2, 4, 7, 10), "driver_age": (18, 25, 30, 45, 60)}
    with pytest.raises(DataError):
        truth.band(ages.assign(driver_age=17))


def test_frequency_accepts_any_encoding(small):
    truth, policies = small.truth, small.policies.head(500)
    reference = truth.frequency(policies, "od")
    as_strings = policies.astype({c: object for c in ("vehicle_type", "use", "region", "channel")})
    pd.testing.assert_series_equal(truth.frequency(as_strings, "od"), reference)
    reordered = policies.assign(
        region=policies["region"].cat.reorder_categories(list(reversed(truth.levels["region"])))
    )
    pd.testing.assert_series_equal(truth.frequency(reordered, "od"), reference)
    shuffled = policies.sample(frac=1.0, random_state=0)
    pd.testing.assert_series_equal(truth.frequency(shuffled, "od"), reference.loc[shuffled.index])


def test_gender_is_unused(small):
    truth, policies = small.truth, small.policies
    assert truth.unused_factors == ("gender",)
    flipped = policies.assign(
        gender=policies["gender"].map({"F": "M", "M": "F"}).astype(policies["gender"].dtype)
    )
    no_gender = policies.drop(columns="gender")
    for coverage in COVERAGES:
        assert "gender" not in truth.relativities[coverage]
        assert "gender" not in truth.severity_relativities[coverage]
        base = truth.frequency(policies, coverage)
        pd.testing.assert_series_equal(truth.frequency(flipped, coverage), base)
        pd.testing.assert_series_equal(truth.frequency(no_gender, coverage), base)
        pd.testing.assert_series_equal(
            truth.severity_mean(no_gender, coverage), truth.severity_mean(policies, coverage)
        )


def test_truth_rejects_bad_tables():
    truth = SyntheticTruth.default()
    with pytest.raises(UnknownCategoryError, match="truck"):
        truth.frequency(_policy(vehicle_type="truck"), "tpl")
    with pytest.raises(UnknownCategoryError):
        truth.frequency(_policy(ncd_level=6), "tpl")
    with pytest.raises(SchemaError, match="region"):
        truth.frequency(_policy().drop(columns="region"), "tpl")
    with pytest.raises(DataError, match="driver_age"):
        truth.frequency(_policy(driver_age=16), "tpl")
    with pytest.raises(DataError, match="region"):
        truth.frequency(_policy(region=None), "tpl")
    with pytest.raises(DataError, match="new_car_price"):
        truth.frequency(_policy(new_car_price=0.0), "od")
    with pytest.raises(DataError, match="coverage"):
        truth.frequency(_policy(), "theft")
    with pytest.raises(DataError, match="kind"):
        truth.relativity_table("tpl", kind="premium")


def test_relativity_table():
    truth = SyntheticTruth.default()
    table = truth.relativity_table("tpl")
    assert list(table.columns) == ["factor", "level", "relativity"]
    assert table["factor"].unique().tolist() == list(RATING_FACTORS)
    assert len(table) == sum(len(truth.levels[f]) for f in RATING_FACTORS)
    for factor, level in truth.reference_levels.items():
        row = table[(table["factor"] == factor) & (table["level"] == level)]
        assert row["relativity"].tolist() == [1.0]
    ncd = table[table["factor"] == "ncd_level"]
    assert ncd["level"].tolist() == list(range(-4, 6))
    assert ncd["relativity"].is_monotonic_increasing
    assert ncd["relativity"].iloc[0] == 0.75 and ncd["relativity"].iloc[-1] == 1.6
    severity = truth.relativity_table("od", kind="severity")
    assert set(severity["factor"]) == {"vehicle_age_band", "region"}


def test_docstrings_state_the_true_parameters():
    text = textwrap.indent(SyntheticTruth.default().describe(), "    ")
    assert text in truth_module.__doc__


@pytest.mark.parametrize("module", [synthetic_module, truth_module, ncd_module])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- statistics
def _poisson_ok(observed: float, expected: float) -> bool:
    return abs(observed - expected) <= Z * math.sqrt(expected) + 1e-9


def test_claim_totals_match_truth(big, big_counts):
    policies, _, truth = big
    for coverage in COVERAGES:
        expected = truth.expected_claims(policies, coverage).sum()
        observed = big_counts[coverage].sum()
        assert expected > 15_000
        assert _poisson_ok(observed, expected), (coverage, observed, expected)


def test_actual_over_expected_by_factor_level(big, big_counts):
    policies, _, truth = big
    banded = truth.band(policies)
    factors = [*RATING_FACTORS, "gender", "seats"]
    checked = 0
    for coverage in COVERAGES:
        frame = pd.DataFrame(
            {
                "observed": big_counts[coverage].to_numpy(),
                "expected": truth.expected_claims(policies, coverage).to_numpy(),
            }
        )
        for factor in factors:
            grouped = frame.groupby(banded[factor].to_numpy()).sum()
            for level, (observed, expected) in grouped.iterrows():
                assert _poisson_ok(observed, expected), (
                    coverage,
                    factor,
                    level,
                    observed,
                    expected,
                )
                checked += 1
    assert checked > 120


def test_gender_actual_over_expected_is_one(big, big_counts):
    policies, _, truth = big
    female = (policies["gender"] == "F").to_numpy()
    assert 0.2 < female.mean() < 0.45
    for coverage in COVERAGES:
        expected = truth.expected_claims(policies, coverage).to_numpy()
        observed = big_counts[coverage].to_numpy()
        for mask in (female, ~female):
            e, o = expected[mask].sum(), observed[mask].sum()
            assert abs(o / e - 1) <= Z / math.sqrt(e), (coverage, o / e)


def test_planted_interaction_is_present(big, big_counts):
    policies, _, truth = big
    cell = ((policies["driver_age"] <= 24) & (policies["new_car_price"] >= 300_000)).to_numpy()
    assert cell.sum() > 1_000
    totals = np.zeros(3)
    for coverage in COVERAGES:
        observed = big_counts[coverage].to_numpy()[cell].sum()
        with_it = truth.expected_claims(policies, coverage).to_numpy()[cell].sum()
        exposure = policies["exposure"].to_numpy()
        if coverage == "od":
            exposure = exposure * policies["od_cover"].to_numpy()
        main_only = truth.frequency(policies, coverage, include_interaction=False).to_numpy()
        without = (main_only * exposure)[cell].sum()
        assert with_it > 1.3 * without
        assert _poisson_ok(observed, with_it), coverage
        totals += (observed, with_it, without)
    observed, with_it, without = totals
    assert observed > without + Z * math.sqrt(without)  # main effects alone under-predict


def test_severity_matches_truth(big, big_counts):
    policies, claims, truth = big
    rows = claim_rows(policies, claims)
    for coverage in COVERAGES:
        mask = (claims["coverage"] == coverage).to_numpy()
        mu = truth.severity_mean(policies, coverage).to_numpy()[rows[mask]]
        ratio = claims["ultimate"].to_numpy()[mask] / mu  # ~ Gamma(shape, 1/shape)
        shape = truth.severity_shape[coverage]
        se = math.sqrt(1 / (shape * len(ratio)))
        assert abs(ratio.mean() - 1) <= Z * se, coverage
        ks = stats.kstest(ratio, stats.gamma(shape, scale=1 / shape).cdf)
        assert ks.pvalue > 1e-4, (coverage, ks)
        regions = policies["region"].to_numpy()[rows[mask]]
        for region in truth.levels["region"]:
            r = ratio[regions == region]
            assert abs(r.mean() - 1) <= Z * math.sqrt(1 / (shape * len(r))), (coverage, region)


def _design(policies: pd.DataFrame, truth: SyntheticTruth) -> tuple[pd.DataFrame, list]:
    banded = truth.band(policies)
    columns = {"const": np.ones(len(policies))}
    truths = [("base", None)]
    for factor in RATING_FACTORS:
        values = banded[factor].to_numpy()
        for level in truth.levels[factor]:
            if level == truth.reference_levels[factor]:
                continue
            columns[f"{factor}={level}"] = (values == level).astype(np.float64)
            truths.append((factor, level))
    return pd.DataFrame(columns, index=policies.index), truths


@pytest.mark.parametrize("coverage", COVERAGES)
def test_glm_recovers_main_effects(big, big_counts, coverage):
    """Poisson GLM with log(exposure x true interaction) offset recovers the relativities."""
    policies, _, truth = big
    keep = policies["od_cover"].to_numpy() if coverage == "od" else np.ones(len(policies), bool)
    sub = policies[keep]
    X, labels = _design(sub, truth)
    if truth.price_exponent[coverage]:
        X["log_price"] = np.log(sub["new_car_price"].to_numpy(np.float64) / truth.price_reference)
        labels.append(("price", None))
    offset = np.log(sub["exposure"].to_numpy() * truth.interaction_multiplier(sub, coverage))
    y = big_counts[coverage].to_numpy()[keep]
    limits = threadpool_limits(1) if threadpool_limits else contextlib.nullcontext()
    with limits:
        fit = sm.GLM(y, X.to_numpy(), family=sm.families.Poisson(), offset=offset).fit()
    assert fit.converged
    z = (fit.params - _true_coefficients(truth, coverage, labels)) / fit.bse
    for label, value in zip(labels, z, strict=True):
        assert abs(value) <= Z, (coverage, label, value)
    assert np.sqrt(np.mean(z**2)) < 1.5  # no systematic bias hiding inside the bounds
    assert fit.bse.max() < 0.25  # the book is big enough for the check to bite


def _true_coefficients(truth: SyntheticTruth, coverage: str, labels: list) -> np.ndarray:
    out = []
    for factor, level in labels:
        if factor == "base":
            out.append(math.log(truth.base_frequency[coverage]))
        elif factor == "price":
            out.append(truth.price_exponent[coverage])
        else:
            out.append(math.log(truth.relativities[coverage][factor][level]))
    return np.array(out)


def test_main_effects_glm_cannot_absorb_the_interaction(big, big_counts):
    """Without the interaction in the offset, the young-driver relativity of OD is biased up."""
    policies, _, truth = big
    keep = policies["od_cover"].to_numpy()
    sub = policies[keep]
    X, labels = _design(sub, truth)
    X["log_price"] = np.log(sub["new_car_price"].to_numpy(np.float64) / truth.price_reference)
    labels.append(("price", None))
    limits = threadpool_limits(1) if threadpool_limits else contextlib.nullcontext()
    with limits:
        fit = sm.GLM(
            big_counts["od"].to_numpy()[keep],
            X.to_numpy(),
            family=sm.families.Poisson(),
            offset=np.log(sub["exposure"].to_numpy()),
        ).fit()
    z = (fit.params - _true_coefficients(truth, "od", labels)) / fit.bse
    young = labels.index(("driver_age_band", "18-24"))
    assert z[young] > Z


# ---------------------------------------------------------------- dynamics
def test_renewal_behaviour(big, big_counts):
    p = big.policies
    nxt = p[p["renewal_count"] > 0][["policy_id", "period_start"]]
    successor = p.merge(
        nxt.rename(columns={"period_start": "period_end"}).assign(renewed=1),
        on=["policy_id", "period_end"],
        how="left",
    )
    renewed = successor["renewed"].notna().to_numpy()  # a period starts where this one ends
    eligible = (p["period_start"].dt.year < 2023).to_numpy() & ~p["cancelled"].to_numpy()
    claim = (big_counts["tpl"] + big_counts["od"]).to_numpy() > 0
    rate = lambda mask: renewed[eligible & mask].mean()  # noqa: E731
    channel = p["channel"].to_numpy()
    assert 0.80 < rate(np.ones(len(p), bool)) < 0.90
    assert rate(channel == "online") < rate(channel == "agent") - 0.05
    assert rate(claim) < rate(~claim) - 0.05
    assert not renewed[p["cancelled"].to_numpy()].any()


def test_od_cover_falls_with_vehicle_age(big):
    nb = big.policies[big.policies["renewal_count"] == 0]
    share = nb.groupby(big.truth.band(nb)["vehicle_age_band"], observed=True)["od_cover"].mean()
    assert share.is_monotonic_decreasing and share.iloc[0] > 0.85 and share.iloc[-1] < 0.6


def test_no_lapse_no_cancellation_keeps_everyone():
    book = synthetic_book(2_000, 3, seed=3, lapse_rate=0.0, cancellation_rate=0.0)
    p = book.policies
    year = p["period_start"].dt.year
    for y in (2022, 2023):
        leaving = ((year == y - 1) & (p["driver_age"] == 85)).sum()
        assert ((year == y) & (p["renewal_count"] == 0)).sum() == leaving
    assert not p["cancelled"].any()


def test_full_lapse_is_all_new_business():
    p = synthetic_book(1_000, 3, seed=3, lapse_rate=1.0).policies
    assert (p["renewal_count"] == 0).all() and p["policy_id"].is_unique


# ---------------------------------------------------------------- valuation
def test_valuation_censors_claims(small, valued):
    pd.testing.assert_frame_equal(valued.policies, small.policies)
    claims, full = valued.claims, small.claims
    assert (claims["report_date"] <= VALUATION).all()
    # the snapshot is a subset of the developed book: same ids, dates and ultimates
    same = full.set_index("claim_id").loc[claims["claim_id"]]
    for column in ("policy_id", "occurrence_date", "report_date", "ultimate"):
        np.testing.assert_array_equal(same[column].to_numpy(), claims[column].to_numpy())
    expected_ids = full.loc[full["report_date"] <= VALUATION, "claim_id"]
    assert claims["claim_id"].tolist() == expected_ids.tolist()


def test_valuation_ibnr_bookkeeping(small, valued):
    full, truth = small.claims, valued.truth
    assert truth.valuation_date == VALUATION
    ibnr = (full["occurrence_date"] <= VALUATION) & (full["report_date"] > VALUATION)
    later = full["occurrence_date"] > VALUATION
    for coverage in COVERAGES:
        this = full["coverage"] == coverage
        assert truth.ibnr_count[coverage] == (ibnr & this).sum()
        assert truth.ibnr_ultimate[coverage] == pytest.approx(
            full.loc[ibnr & this, "ultimate"].sum()
        )
        assert truth.unoccurred_count[coverage] == (later & this).sum()
    assert truth.n_ibnr == ibnr.sum() > 0
    assert truth.n_unoccurred == later.sum()
    assert len(valued.claims) + truth.n_ibnr + truth.n_unoccurred == len(full)


def test_open_and_settled_claims(valued, small):
    claims = valued.claims
    open_ = claims["settlement_date"].isna()
    settled = claims[~open_]
    assert open_.sum() > 100 and len(settled) > 1_000
    assert (settled["settlement_date"] <= VALUATION).all()
    assert (settled["paid"] == settled["ultimate"]).all()
    assert (settled["incurred"] == settled["ultimate"]).all()
    full = small.claims.set_index("claim_id")
    truly_open = (
        full.loc[claims["claim_id"], "settlement_date"].to_numpy() > VALUATION.to_datetime64()
    )
    np.testing.assert_array_equal(open_.to_numpy(), truly_open)
    pending = claims[open_]
    assert (pending["paid"] >= 0).all() and (pending["paid"] < pending["ultimate"]).all()
    assert (pending["paid"] <= pending["incurred"]).all()
    assert (pending["incurred"] != pending["ultimate"]).mean() > 0.9  # case estimates are imperfect


def test_liability_case_estimates_biased_low():
    claims = synthetic_book(20_000, 3, seed=8, valuation_date="2023-06-30").claims
    tpl = claims[claims["settlement_date"].isna() & (claims["coverage"] == "tpl")]
    assert len(tpl) > 1_000
    # log(incurred / ultimate) = (1 - t)(-0.15 + 0.5 z) is negative with probability ~0.62
    under = (tpl["incurred"] < tpl["ultimate"]).mean()
    assert under > 0.5 + Z * math.sqrt(0.25 / len(tpl))


def test_paid_grows_between_valuations(valued):
    earlier = synthetic_book(3_000, 5, seed=11, valuation_date="2023-12-31").claims
    later = valued.claims.set_index("claim_id").loc[earlier["claim_id"]]
    assert (later["paid"].to_numpy() >= earlier["paid"].to_numpy()).all()
    assert (later["paid"].to_numpy() > earlier["paid"].to_numpy()).any()


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_policies": 0},
        {"n_policies": -5},
        {"n_policies": 10.5},
        {"n_policies": True},
        {"n_years": 0},
        {"seed": -1},
        {"lapse_rate": 1.5},
        {"cancellation_rate": -0.1},
        {"valuation_date": "not a date"},
        {"valuation_date": "2019-06-30"},
        {"valuation_date": pd.Timestamp("2022-01-01", tz="Asia/Shanghai")},
    ],
)
def test_bad_arguments_raise(kwargs):
    with pytest.raises(DataError) as info:
        synthetic_book(**{"n_policies": 100, **kwargs})
    assert isinstance(info.value, ValueError)
    assert next(iter(kwargs)) in str(info.value)


def test_truth_is_frozen(small):
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.truth.base_frequency = {}  # type: ignore[misc]
