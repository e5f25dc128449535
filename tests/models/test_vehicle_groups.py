"""Vehicle makes and models in the synthetic book, and credibility relativities for many-level factors."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autorisk.datasets import synthetic_book
from autorisk.datasets.synthetic_vehicles import MAKES, N_MODELS, simulate_vehicles
from autorisk.datasets.truth import COVERAGES
from autorisk.errors import DataError, ModelError, ParameterError
from autorisk.models.credibility_levels import (
    CredibilityLevels,
    buhlmann_straub_k,
)
from autorisk.rating.factors import CategoricalFactor


# --------------------------------------------------------------------------
# the synthetic book
# --------------------------------------------------------------------------
def _digest(frame: pd.DataFrame) -> str:
    values = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return hashlib.sha256(values + str(list(frame.dtypes)).encode()).hexdigest()


# Digests of main's book before vehicles existed (commit 73d59c9), valued mid-way so paid/incurred are exercised.
_MAIN_DIGESTS = {
    0: ("aa17c5d512a82230e79a056fe4c0f3e5ce0ce3b27dc11eb6c4ff513f2ab23fbc",
        "1df0fa40ff0bae609b5004e2156d865d40110771d8896238ffe0d435cea69c7a"),
    7: ("7c5cc663917ad96457f8c86801d485f4efc46cee0cb203dc03219307e934bb51",
        "fd7113ad0f002a2c0fc9e51053baa5799ea0736d56aafcd618b0a17254ab969f"),
}  # fmt: skip


@pytest.mark.parametrize("seed", sorted(_MAIN_DIGESTS))
def test_default_book_is_bit_identical_to_main(seed: int) -> None:
    book = synthetic_book(2000, n_years=2, seed=seed, valuation_date="2022-09-30")
    assert (_digest(book.policies), _digest(book.claims)) == _MAIN_DIGESTS[seed]
    assert "vehicles" not in book.truth.generation


@pytest.mark.parametrize("seed", [0, 7])
def test_vehicles_move_nothing_but_the_claims(seed: int) -> None:
    # one year: later years' renewals (NCD, lapses) follow the claims, which the vehicles change
    plain = synthetic_book(2000, n_years=1, seed=seed)
    with_vehicles = synthetic_book(2000, n_years=1, seed=seed, vehicles=True)
    pd.testing.assert_frame_equal(
        with_vehicles.policies.drop(columns=["make", "model"]), plain.policies, check_exact=True
    )
    assert not with_vehicles.claims.equals(plain.claims)  # the frequencies moved


def test_vehicle_columns_are_consistent_and_skewed() -> None:
    book = synthetic_book(20_000, n_years=2, seed=3, vehicles=True)
    policies, truth = book.policies, book.truth.generation["vehicles"]
    assert len(truth.models) == N_MODELS and truth.models["make"].nunique() == len(MAKES)
    # a model belongs to one make, matching the catalogue; kept at renewal
    catalogue = dict(zip(truth.models["model"], truth.models["make"], strict=True))
    assert (policies["model"].astype(str).map(catalogue) == policies["make"].astype(str)).all()
    assert (policies.groupby("policy_id")["model"].nunique() == 1).all()
    exposure = (
        policies.groupby("model", observed=False)["exposure"].sum().sort_values(ascending=False)
    )
    top_decile = exposure.iloc[: N_MODELS // 10].sum() / exposure.sum()
    assert top_decile > 0.5  # Zipf-like: a tenth of the models carries most of the book
    assert (exposure < 25).sum() > N_MODELS / 3  # and many are thin (of ~40k policy-years)
    assert exposure.median() < 0.35 * exposure.mean()
    # the truth is make effect times model effect, mean one in logs' construction
    models = truth.models
    np.testing.assert_allclose(models["relativity"], models["make_effect"] * models["model_effect"])
    assert simulate_vehicles(3)[0].models.equals(models)


def test_vehicle_effect_shows_in_the_claims() -> None:
    """Pooled over the book, claims track the true vehicle relativity (the effect is really simulated)."""
    p, vt, expected, counts = _book(0)
    true = vt.relativity(p)
    high = true > np.quantile(true, 0.8)
    low = true < np.quantile(true, 0.2)
    ratio_high = counts[high].sum() / expected[high].sum()
    ratio_low = counts[low].sum() / expected[low].sum()
    expected_high = np.average(true[high], weights=expected[high])
    expected_low = np.average(true[low], weights=expected[low])
    assert abs(ratio_high / expected_high - 1) < 0.1 and abs(ratio_low / expected_low - 1) < 0.1


def test_vehicles_flag_is_checked() -> None:
    with pytest.raises(DataError, match="vehicles"):
        synthetic_book(100, n_years=1, vehicles="yes")


# --------------------------------------------------------------------------
# credibility relativities against the simulated truth
# --------------------------------------------------------------------------
_BOOKS: dict[int, tuple] = {}


def _book(seed: int) -> tuple[pd.DataFrame, object, np.ndarray, np.ndarray]:
    """30k policy-years; expected = the true frequency without the vehicle effect (all coverages)."""
    if seed not in _BOOKS:
        book = synthetic_book(30_000, n_years=1, seed=seed, vehicles=True)
        p = book.policies
        expected = sum(book.truth.expected_claims(p, c).to_numpy() for c in COVERAGES)
        counts = (
            book.claims.groupby("policy_id").size().reindex(p["policy_id"], fill_value=0).to_numpy()
        )
        _BOOKS[seed] = (p, book.truth.generation["vehicles"], expected, counts)
    return _BOOKS[seed]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_credibility_beats_raw_ae_on_thin_models(seed: int) -> None:
    """On the thinner half of the models (with a claim, so the raw log is finite) the
    exposure-weighted mean squared log error is at least 40% lower (measured: 58-66%)."""
    p, vt, expected, counts = _book(seed)
    fit = CredibilityLevels("model", parent="make").fit(
        p, counts, expected=expected, exposure=p["exposure"]
    )
    table = fit.relativities_
    true = vt.relativity(table.rename(columns={"level": "model"}))
    thin = ((table["expected"] < table["expected"].median()) & (table["claims"] > 0)).to_numpy()
    weight = table["exposure"].to_numpy()[thin]

    def msle(estimate: pd.Series) -> float:
        return float(
            np.average(
                (np.log(estimate.to_numpy()[thin]) - np.log(true[thin])) ** 2, weights=weight
            )
        )

    assert thin.sum() > 100
    assert msle(table["relativity"]) < 0.6 * msle(table["ae"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_k_is_near_the_simulated_k(seed: int) -> None:
    """k_ within a factor of 2 of 1 / (exp(sigma_model**2) - 1) (measured 4.8-6.6 vs 7.67)."""
    p, vt, expected, counts = _book(seed)
    fit = CredibilityLevels("model", parent="make").fit(p, counts, expected=expected)
    assert vt.true_k / 2 < fit.k_ < vt.true_k * 2
    assert np.isfinite(fit.parent_k_) and fit.parent_k_ > 0


def _textbook_k(level: np.ndarray, group: np.ndarray, n: np.ndarray, e: np.ndarray) -> float:
    """Hierarchical Buhlmann-Straub k written out level by level (the rows are the 'years')."""
    within, dof, between, dof_between, scale = 0.0, 0, 0.0, 0, 0.0
    for g in np.unique(group):
        in_g = np.unique(level[group == g])
        w_j = np.array([e[level == j].sum() for j in in_g])
        x_j = np.array([n[level == j].sum() / e[level == j].sum() for j in in_g])
        for j, xj in zip(in_g, x_j, strict=True):
            rows = level == j
            within += float((e[rows] * (n[rows] / e[rows] - xj) ** 2).sum())
            dof += int(rows.sum()) - 1
        x_g = (w_j * x_j).sum() / w_j.sum()
        between += float((w_j * (x_j - x_g) ** 2).sum())
        dof_between += len(in_g) - 1
        scale += w_j.sum() - (w_j**2).sum() / w_j.sum()
    s2 = within / dof
    a = (between - dof_between * s2) / scale
    return s2 / a if a > 0 else np.inf


@pytest.mark.parametrize("seed", range(4))
def test_buhlmann_straub_matches_the_textbook_loops(seed: int) -> None:
    rng = np.random.default_rng(seed)
    level = rng.integers(0, 15, 300)
    group = level % 4
    e = rng.uniform(0.1, 2.0, 300)
    n = rng.poisson(e * np.exp(rng.normal(0, 0.6, 15))[level]).astype(float)
    expected_k = _textbook_k(level, group, n, e)
    assert np.isfinite(expected_k)
    assert np.isclose(buhlmann_straub_k(level, group, n, e), expected_k, rtol=1e-10)
    flat = np.zeros_like(group)
    assert np.isclose(
        buhlmann_straub_k(level, flat, n, e), _textbook_k(level, flat, n, e), rtol=1e-10
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_cross_validated_k_agrees_with_buhlmann_straub(seed: int) -> None:
    """k="cv" (5-fold held-out Poisson deviance over a grid) lands within a factor 3 of
    Buhlmann-Straub's k_ and of the simulated k, and its curve has an interior minimum."""
    p, vt, expected, counts = _book(seed)
    bs = CredibilityLevels("model", parent="make").fit(p, counts, expected=expected)
    cv = CredibilityLevels("model", parent="make", k="cv").fit(p, counts, expected=expected)
    assert bs.k_ / 3 < cv.k_ < bs.k_ * 3 and vt.true_k / 3 < cv.k_ < vt.true_k * 3
    deviance = cv.cv_results_["deviance"]
    assert deviance.iloc[0] > deviance.min() < deviance.iloc[-1]
    assert cv.parent_k_ == bs.parent_k_


def test_cv_is_reproducible_and_matches_a_direct_refit() -> None:
    """The vectorised CV deviance equals refitting on each fold and scoring the held-out rows."""
    from autorisk.models.credibility_levels import _CV_FOLDS, _CV_SEED, CV_GRID

    X, y, e = _random_book(6, n=300)
    fit = CredibilityLevels("model", parent="make", k="cv").fit(X, y, expected=e)
    again = CredibilityLevels("model", parent="make", k="cv").fit(X, y, expected=e)
    pd.testing.assert_frame_equal(fit.cv_results_, again.cv_results_, check_exact=True)
    fold = np.random.default_rng(_CV_SEED).permutation(len(y)) % _CV_FOLDS
    for i in (0, 20, 40):
        k = float(CV_GRID[i])
        total = 0.0
        for f in range(_CV_FOLDS):
            tr, te = fold != f, fold == f
            model = CredibilityLevels("model", parent="make", k=k).fit(X[tr], y[tr], expected=e[tr])
            mu = e[te] * model.predict(X[te])
            total += 2.0 * float((mu - y[te] * np.log(mu)).sum())
        constant = -2.0 * float(
            (y * np.log(e)).sum()
        )  # the terms free of k that cv_results_ leaves out
        assert np.isclose(fit.cv_results_["deviance"].iloc[i] + constant, total, rtol=1e-9)


def test_no_level_effect_gives_little_credibility() -> None:
    rng = np.random.default_rng(5)
    level = rng.integers(0, 50, 20_000)
    expected = rng.uniform(0.05, 0.3, 20_000)
    claims = rng.poisson(expected)
    k = buhlmann_straub_k(level, np.zeros_like(level), claims, expected)
    w = np.bincount(level, expected)
    assert np.median(w / (w + k)) < 0.35  # pure noise: the levels get little weight


# --------------------------------------------------------------------------
# reference cases and properties
# --------------------------------------------------------------------------
def _random_book(
    seed: int, n: int = 400, n_levels: int = 12, n_parents: int = 4
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    level = rng.integers(0, n_levels, n)
    X = pd.DataFrame(
        {"model": [f"m{i}" for i in level], "make": [f"p{i % n_parents}" for i in level]}
    )
    expected = rng.uniform(0.1, 1.0, n)
    effect = np.exp(rng.normal(0, 0.5, n_levels))[level]
    return X, rng.poisson(expected * effect).astype(float), expected


def test_k_zero_gives_raw_ae() -> None:
    X, y, e = _random_book(1)
    for k in (0.0, 1e-12):
        table = (
            CredibilityLevels("model", parent="make", k=k, parent_k=k)
            .fit(X, y, expected=e)
            .relativities_
        )
        np.testing.assert_allclose(table["relativity"], table["ae"], rtol=1e-9)
        raw = pd.Series(y).groupby(X["model"]).sum() / pd.Series(e).groupby(X["model"]).sum()
        np.testing.assert_allclose(table["ae"], raw.to_numpy(), rtol=1e-12)


def test_one_level_per_parent_reduces_to_one_level() -> None:
    X, y, e = _random_book(2)
    X = X.assign(make="make of " + X["model"])
    two = CredibilityLevels("model", parent="make").fit(X, y, expected=e)
    one = CredibilityLevels("model").fit(X, y, expected=e)
    assert two.k_ == np.inf  # nothing varies within a make
    assert np.isclose(two.parent_k_, one.k_)
    np.testing.assert_allclose(
        two.relativities_["relativity"], one.relativities_["relativity"], rtol=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), spread=st.floats(0.1, 1.5))
def test_credibility_increases_with_expected_claims(seed: int, spread: float) -> None:
    rng = np.random.default_rng(seed)
    n_levels = 30
    level = rng.integers(0, n_levels, 600)
    expected = rng.uniform(0.01, 1.0, 600) * rng.uniform(0.1, 3.0, n_levels)[level]
    y = rng.poisson(expected * np.exp(rng.normal(0, spread, n_levels))[level])
    X = pd.DataFrame({"model": level})
    table = CredibilityLevels("model").fit(X, y, expected=expected).relativities_
    order = table.sort_values("expected")
    assert (np.diff(order["credibility"].to_numpy()) >= -1e-15).all()
    assert ((table["credibility"] >= 0) & (table["credibility"] <= 1)).all()
    # each relativity lies between its raw A/E and the value it is shrunk toward (1)
    lo = np.minimum(table["ae"], 1.0) - 1e-12
    hi = np.maximum(table["ae"], 1.0) + 1e-12
    assert ((table["relativity"] >= lo) & (table["relativity"] <= hi)).all()


def test_unseen_levels_take_their_parent() -> None:
    X, y, e = _random_book(3)
    fit = CredibilityLevels("model", parent="make").fit(X, y, expected=e)
    parents = fit.parent_relativities_.set_index("level")["relativity"]
    new = pd.DataFrame(
        {"model": ["m0", "never seen", "never seen"], "make": ["p0", "p2", "no such make"]}
    )
    got = fit.predict(new)
    assert got[0] == fit.relativities_.set_index("level").loc["m0", "relativity"]
    assert got[1] == parents["p2"] and got[2] == 1.0
    assert parents["p2"] != 1.0


# --------------------------------------------------------------------------
# groups for the tariff
# --------------------------------------------------------------------------
# the partition itself is tested against brute force in tests/territory/test_territory_units.py


def test_group_levels_and_factor() -> None:
    p, _, expected, counts = _book(0)
    fit = CredibilityLevels("model", parent="make").fit(
        p, counts, expected=expected, exposure=p["exposure"]
    )
    grouped = fit.group_levels(8)
    assert grouped.groups["group"].tolist() == list(range(1, 9))
    assert grouped.groups["relativity"].is_monotonic_increasing
    assert grouped.groups["n_levels"].sum() == len(fit.relativities_)
    np.testing.assert_allclose(grouped.groups["exposure"].sum(), p["exposure"].sum())
    assert set(grouped.parents["parent"]) == set(p["make"].astype(str))
    factor = fit.to_factor(8)
    assert isinstance(factor, CategoricalFactor) and factor.column == "model"
    by_group = grouped.groups.set_index("group")["relativity"]
    level, group = grouped.levels.iloc[0][["level", "group"]]
    assert factor.relativity({"model": level}) == by_group[group]
    assert len(set(factor.values)) == 8
    ungrouped = fit.to_factor()
    assert (
        ungrouped.relativity({"model": level})
        == fit.relativities_.set_index("level").loc[level, "relativity"]
    )


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------
def test_bad_input_names_it() -> None:
    X, y, e = _random_book(4)
    with pytest.raises(ParameterError, match="k must be"):
        CredibilityLevels("model", k=-1.0).fit(X, y, expected=e)
    with pytest.raises(ParameterError, match='k must be None, "cv" or a number'):
        CredibilityLevels("model", k="bs").fit(X, y, expected=e)
    with pytest.raises(ParameterError, match="parent_k"):
        CredibilityLevels("model", parent="make", parent_k="big").fit(X, y, expected=e)
    with pytest.raises(DataError, match="'dealer'"):
        CredibilityLevels("dealer").fit(X, y, expected=e)
    with pytest.raises(DataError, match="^y must"):
        CredibilityLevels("model").fit(X, -y - 1, expected=e)
    with pytest.raises(DataError, match="expected"):
        CredibilityLevels("model").fit(X, y, expected=np.zeros(len(X)))
    with pytest.raises(DataError, match="exposure has 3 values"):
        CredibilityLevels("model").fit(X, y, exposure=[1, 2, 3])
    mixed = X.assign(make=np.where(np.arange(len(X)) % 2 == 0, "a", "b"))
    with pytest.raises(DataError, match="more than one 'make'"):
        CredibilityLevels("model", parent="make").fit(mixed, y, expected=e)
    with pytest.raises(ModelError, match="not fitted"):
        CredibilityLevels("model").predict(X)
    fit = CredibilityLevels("model").fit(X, y, expected=e)
    for bad in (0, 13, 2.5, True):
        with pytest.raises(ParameterError, match="n_groups"):
            fit.group_levels(bad)


def test_parameters_stored_as_given() -> None:
    model = CredibilityLevels("model", parent="make", k=3, parent_k=None)
    assert model.get_params() == {"column": "model", "parent": "make", "k": 3, "parent_k": None}


def test_on_a_glm_offset_credibility_still_beats_raw() -> None:
    """The intended workflow: ``expected`` from a FrequencyGLM fitted without the vehicle factor."""
    from autorisk.models import FrequencyGLM

    p, vt, _, counts = _book(1)
    factors = ["vehicle_type", "use", "region", "channel", "ncd_level"]
    glm = FrequencyGLM(factors).fit(p[factors], counts, exposure=p["exposure"])
    expected = glm.predict(p[factors], exposure=p["exposure"])
    fit = CredibilityLevels("model", parent="make").fit(
        p, counts, expected=expected, exposure=p["exposure"]
    )
    table = fit.relativities_
    true = vt.relativity(table.rename(columns={"level": "model"}))
    true = true / np.average(true, weights=table["expected"])  # the GLM absorbs the mean effect
    thin = ((table["expected"] < table["expected"].median()) & (table["claims"] > 0)).to_numpy()
    weight = table["exposure"].to_numpy()[thin]
    errors = {
        name: np.average(
            (np.log(table[name].to_numpy()[thin]) - np.log(true[thin])) ** 2, weights=weight
        )
        for name in ("ae", "relativity")
    }
    assert errors["relativity"] < 0.6 * errors["ae"]
    assert vt.true_k / 2 < fit.k_ < vt.true_k * 2
