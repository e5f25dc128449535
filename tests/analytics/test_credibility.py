"""Classical and Bühlmann-Straub credibility against hand-worked figures and simulation."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.analytics.credibility import (
    buhlmann_straub,
    classical_credibility,
    credibility_table,
)
from autorisk.errors import DataError, ParameterError, SchemaError

# --- classical -----------------------------------------------------------------------


def test_classical_square_root_rule_by_hand():
    assert classical_credibility(1082) == 1.0
    assert classical_credibility(270.5) == pytest.approx(0.5)  # sqrt(270.5 / 1082) = sqrt(1/4)
    assert classical_credibility(0) == 0.0
    assert classical_credibility(5000) == 1.0  # capped at 1
    assert classical_credibility(25, full=100) == pytest.approx(0.5)
    counts = pd.Series([0, 270.5, 1082], index=["x", "y", "z"])
    z = classical_credibility(counts)
    assert list(z.index) == ["x", "y", "z"]
    np.testing.assert_allclose(z, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("full", [0, -1, np.nan])
def test_classical_rejects_bad_standard(full):
    with pytest.raises(ParameterError, match="full"):
        classical_credibility(10, full=full)


def test_classical_rejects_negative_counts():
    with pytest.raises(ParameterError, match="claim_count"):
        classical_credibility([1, -2])


# --- Bühlmann-Straub: a worked example ---------------------------------------------------

# 3 regions x 4 years. Frequencies X_ij = claims / exposure:
#   A: w = 10, 20, 30, 40 (w_A = 100); X = .1, .2, .1, .1; claims 1, 4, 3, 4 = 12; X_A = .12
#   B: w = 50 x 4         (w_B = 200); X = .2, .3, .2, .3; claims 10, 15, 10, 15 = 50; X_B = .25
#   C: w = 25 x 4         (w_C = 100); X = .4, .4, .2, .2; claims 10, 10, 5, 5 = 30; X_C = .30
WORKED = pd.DataFrame(
    {
        "region": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
        "year": [2021, 2022, 2023, 2024] * 3,
        "exposure": [10.0, 20, 30, 40, 50, 50, 50, 50, 25, 25, 25, 25],
        "claim_count": [1, 4, 3, 4, 10, 15, 10, 15, 10, 10, 5, 5],
    }
)


def test_buhlmann_straub_worked_example():
    fit = buhlmann_straub(WORKED, "region", within="year")
    # Within-level sums sum_j w_ij (X_ij - X_i)^2:
    #   A: 10(.02^2) + 20(.08^2) + 30(.02^2) + 40(.02^2) = .004 + .128 + .012 + .016 = .16
    #   B: 4 x 50(.05^2) = .5            C: 4 x 25(.1^2) = 1.0
    # EPV = mean(.16/3, .5/3, 1/3) = 1.66/9
    epv = 1.66 / 9
    assert fit.epv == pytest.approx(epv)
    # w = 400; Xbar = (12 + 50 + 30) / 400 = .23
    # sum_i w_i (X_i - Xbar)^2 = 100(.11^2) + 200(.02^2) + 100(.07^2) = 1.21 + .08 + .49 = 1.78
    # denominator w - sum w_i^2 / w = 400 - (100^2 + 200^2 + 100^2) / 400 = 250
    # VHM = (1.78 - 2 EPV) / 250 = (12.7 / 9) / 250
    vhm = (1.78 - 2 * epv) / 250
    assert vhm == pytest.approx(12.7 / 2250)
    assert fit.vhm == pytest.approx(vhm)
    assert not fit.vhm_truncated
    # k = EPV / VHM = 1.66 * 250 / 12.7 = 32.677...
    k = 1.66 * 250 / 12.7
    assert fit.k == pytest.approx(k)
    z = np.array([100 / (100 + k), 200 / (200 + k), 100 / (100 + k)])
    x = np.array([0.12, 0.25, 0.30])
    mu = (z * x).sum() / z.sum()
    assert fit.collective_mean == pytest.approx(mu)
    table = fit.table
    assert list(table.index) == ["A", "B", "C"]
    np.testing.assert_allclose(table["credibility"], z)
    np.testing.assert_allclose(table["frequency"], x)
    np.testing.assert_allclose(table["credibility_frequency"], z * x + (1 - z) * mu)
    assert table["periods"].tolist() == [4, 4, 4]
    assert "BuhlmannStraubResult" in repr(fit) and "<table>" in fit._repr_html_()


def test_buhlmann_straub_rows_as_cells_matches_within_when_one_row_per_period():
    by_year = buhlmann_straub(WORKED, "region", within="year")
    by_row = buhlmann_straub(WORKED, "region")
    assert by_row.epv == pytest.approx(by_year.epv)
    assert by_row.vhm == pytest.approx(by_year.vhm)


@pytest.mark.parametrize("missing", [None, np.nan, "", "  "])
def test_buhlmann_straub_rows_with_a_missing_level_are_the_missing_cell(missing):
    # Rows without a region form the "(missing)" level, exactly as if they had a region of
    # their own: the same EPV, VHM and credibilities as the worked example with "C" relabelled.
    relabelled = WORKED.astype({"region": object})
    relabelled.loc[relabelled["region"] == "C", "region"] = missing
    for within in (None, "year"):
        named = buhlmann_straub(WORKED, "region", within=within)
        fit = buhlmann_straub(relabelled, "region", within=within)
        assert list(fit.table.index) == ["A", "B", "(missing)"]
        assert fit.epv == pytest.approx(named.epv)
        assert fit.vhm == pytest.approx(named.vhm)
        np.testing.assert_allclose(fit.table["credibility"], named.table["credibility"])
        assert fit.table["periods"].tolist() == [4, 4, 4]


def test_buhlmann_straub_recovers_structural_parameters():
    rng = np.random.default_rng(20240601)
    n_groups, n_years, mu, tau = 600, 6, 0.10, 0.02
    shape = (mu / tau) ** 2
    theta = rng.gamma(shape, mu / shape, size=n_groups)  # mean mu, variance tau^2
    exposure = rng.uniform(20, 200, size=(n_groups, n_years))
    claims = rng.poisson(exposure * theta[:, None])
    book = pd.DataFrame(
        {
            "group": np.repeat(np.arange(n_groups), n_years),
            "year": np.tile(np.arange(n_years), n_groups),
            "exposure": exposure.ravel(),
            "claim_count": claims.ravel(),
        }
    )
    fit = buhlmann_straub(book, "group", within="year")
    # Poisson claims: Var(X_ij | theta) = theta / w_ij, so EPV = E[theta] = mu.
    assert fit.epv == pytest.approx(mu, rel=0.1)
    assert fit.vhm == pytest.approx(tau**2, rel=0.3)
    assert fit.collective_mean == pytest.approx(mu, rel=0.05)
    # Credibility estimates beat the raw frequencies on mean squared error.
    raw = fit.table["frequency"].to_numpy()
    shrunk = fit.table["credibility_frequency"].to_numpy()
    assert np.mean((shrunk - theta) ** 2) < np.mean((raw - theta) ** 2)


def test_negative_vhm_is_truncated_and_gives_no_credibility():
    # Same frequency (.2) in every region overall, noise within: VHM estimate < 0.
    book = pd.DataFrame(
        {
            "region": ["A", "A", "B", "B", "C", "C"],
            "year": [1, 2] * 3,
            "exposure": [100.0] * 6,
            "claim_count": [10, 30, 30, 10, 20, 20],
        }
    )
    fit = buhlmann_straub(book, "region", within="year")
    assert fit.vhm_raw < 0 and fit.vhm == 0 and fit.vhm_truncated
    assert fit.k == np.inf
    assert (fit.table["credibility"] == 0).all()
    np.testing.assert_allclose(fit.table["credibility_frequency"], 0.2)
    assert "truncated" in repr(fit)


records = st.lists(
    st.tuples(
        st.sampled_from(list("abcdef")),
        st.integers(0, 3),
        st.floats(0.5, 500.0),
        st.integers(0, 60),
    ),
    min_size=8,
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(records)
def test_credibility_in_unit_interval_and_increasing_in_exposure(rows):
    book = pd.DataFrame(rows, columns=["region", "year", "exposure", "claim_count"])
    try:
        fit = buhlmann_straub(book, "region", within="year")
    except DataError:  # fewer than two levels or a single period each
        return
    table = fit.table.sort_values("exposure")
    z = table["credibility"].to_numpy()
    assert np.all((z >= 0) & (z <= 1))
    assert np.all(np.diff(z) >= -1e-12)
    # The estimate lies between the level's frequency and the collective mean.
    low = np.minimum(table["frequency"], fit.collective_mean) - 1e-12
    high = np.maximum(table["frequency"], fit.collective_mean) + 1e-12
    assert (
        (table["credibility_frequency"] >= low) & (table["credibility_frequency"] <= high)
    ).all()

    classical = credibility_table(book, "region", claim_amount=None, total=False, full=200)
    ordered = classical.sort_values("claim_count")["credibility"].to_numpy()
    assert np.all((ordered >= 0) & (ordered <= 1)) and np.all(np.diff(ordered) >= 0)


def test_buhlmann_straub_errors_name_the_column():
    with pytest.raises(SchemaError, match="'season'"):
        buhlmann_straub(WORKED, "region", within="season")
    with pytest.raises(SchemaError, match="'zone'"):
        buhlmann_straub(WORKED, "zone", within="year")
    bad = WORKED.assign(exposure=WORKED["exposure"].where(WORKED.index != 3, -1.0))
    with pytest.raises(DataError, match="'exposure'") as info:
        buhlmann_straub(bad, "region", within="year")
    assert info.value.issues[0].rows == (3,)
    one_year = WORKED[WORKED["year"] == 2021]
    with pytest.raises(DataError, match="'year'"):
        buhlmann_straub(one_year, "region", within="year")
    with pytest.raises(DataError, match="'region'.*two or more levels"):
        buhlmann_straub(WORKED[WORKED["region"] == "A"], "region", within="year")
    orphan = WORKED.assign(exposure=WORKED["exposure"].where(WORKED.index != 0, 0.0))
    with pytest.raises(DataError, match="'exposure': claims without exposure"):
        buhlmann_straub(orphan, "region", within="year")


# --- credibility_table ------------------------------------------------------------------


def test_credibility_table_classical_by_hand():
    book = pd.DataFrame(
        {"area": ["a", "b"], "exposure": [10_000.0, 1_000.0], "claim_count": [1082, 270]}
    )
    table = credibility_table(book, "area", claim_amount=None)
    overall = (1082 + 270) / 11_000
    z_b = np.sqrt(270 / 1082)
    assert table.loc["a", "credibility"] == 1.0
    assert table.loc["a", "credibility_frequency"] == pytest.approx(0.1082)
    assert table.loc["b", "credibility"] == pytest.approx(z_b)
    expected_b = z_b * 0.27 + (1 - z_b) * overall
    assert table.loc["b", "credibility_frequency"] == pytest.approx(expected_b)
    assert table.loc["b", "relativity"] == pytest.approx(expected_b / overall)
    assert table.loc["All", "credibility_frequency"] == pytest.approx(overall)
    assert table.loc["All", "relativity"] == pytest.approx(1.0)
    # The experience columns are experience_table's, unchanged.
    assert table.loc["b", "exposure_share"] == pytest.approx(1 / 11)


def test_credibility_table_with_given_complement_and_no_claims():
    book = pd.DataFrame({"area": ["a", "b"], "exposure": [10.0, 0.0], "claim_count": [2, 0]})
    table = credibility_table(book, "area", claim_amount=None, complement=0.05, total=False)
    assert table.loc["b", "credibility"] == 0
    assert table.loc["b", "credibility_frequency"] == 0.05  # no exposure: the complement
    assert table.loc["b", "relativity"] == 1.0


def test_credibility_table_buhlmann_straub_collective_reproduces_fit():
    fit = buhlmann_straub(WORKED, "region", within="year")
    table = credibility_table(
        WORKED,
        "region",
        claim_amount=None,
        method="buhlmann_straub",
        within="year",
        complement="collective",
    )
    levels = table.drop(index="All")
    np.testing.assert_allclose(levels["credibility"], fit.table["credibility"])
    np.testing.assert_allclose(levels["credibility_frequency"], fit.table["credibility_frequency"])
    assert np.isnan(table.loc["All", "credibility"])
    overall = credibility_table(
        WORKED, "region", claim_amount=None, method="buhlmann_straub", within="year"
    )
    z = overall.loc["A", "credibility"]
    assert overall.loc["A", "credibility_frequency"] == pytest.approx(z * 0.12 + (1 - z) * 0.23)


def test_credibility_table_two_way():
    book = WORKED.assign(
        use=["private", "business"] * 6, claim_amount=100.0 * WORKED["claim_count"]
    )
    table = credibility_table(book, ["region", "use"])
    assert table.index.nlevels == 2
    assert ("All", "All") in table.index
    cell = table.loc[("B", "private")]
    assert cell["credibility"] == pytest.approx(np.sqrt(20 / 1082))  # claims 10 + 10
    assert "pure_premium" in table.columns


def test_credibility_table_bad_options():
    with pytest.raises(ParameterError, match="classical"):
        credibility_table(WORKED, "region", claim_amount=None, method="bayes")
    with pytest.raises(ParameterError, match="collective"):
        credibility_table(WORKED, "region", claim_amount=None, complement="collective")
    with pytest.raises(ParameterError, match="complement"):
        credibility_table(WORKED, "region", claim_amount=None, complement=-1.0)
    with pytest.raises(SchemaError, match="'claim_amount'"):
        credibility_table(WORKED, "region")
    with pytest.raises(DataError, match="'claim_count'"):
        credibility_table(WORKED.assign(claim_count=-1), "region", claim_amount=None)
