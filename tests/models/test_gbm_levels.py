"""Unseen and rare levels in the GBMs and GLMs: unseen=, min_exposure= and their hand-computed expectations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from autorisk.errors import DataError, ParameterError, UnknownCategoryError
from autorisk.evaluate import compare
from autorisk.models import FrequencyGBM, FrequencyGLM, SeverityGBM, TweedieGBM, load_gbm
from autorisk.models.levels import OTHER, apply_level_groups, group_rare_levels, rare_level_groups

FAST = dict(early_stopping=None, n_rounds=40, learning_rate=0.2, min_exposure_per_leaf=5.0)
#: Claim frequency by make; "lada" and "trabant" are rare in the book below.
RATE = {"vw": 0.10, "audi": 0.20, "lada": 0.40, "trabant": 0.40}


@pytest.fixture(scope="module")
def book():
    rng = np.random.default_rng(8)
    n = 6_000
    make = rng.choice(list(RATE), n, p=[0.6, 0.37, 0.02, 0.01])
    exposure = rng.uniform(0.2, 1.0, n)
    X = pd.DataFrame({"make": make, "age": rng.integers(18, 80, n)})
    y = rng.poisson(pd.Series(make).map(RATE).to_numpy() * exposure)
    return X, y, exposure


# --------------------------------------------------------------- the helper
def test_group_rare_levels_by_hand():
    X = pd.DataFrame({"make": ["vw", "vw", "audi", "lada", "vw", "audi", "fiat"]})
    exposure = [1.0, 1.0, 0.7, 0.5, 1.0, 0.8, 1.5]
    # exposures: vw 3.0, audi 1.5, lada 0.5, fiat 1.5; strictly below 1.5 is grouped
    assert group_rare_levels(X, "make", 1.5, exposure) == {"audi": "audi", "fiat": "fiat", "lada": OTHER, "vw": "vw"}
    assert group_rare_levels(X, "make", 1.6, exposure) == {"audi": OTHER, "fiat": OTHER, "lada": OTHER, "vw": "vw"}
    assert set(group_rare_levels(X, "make", 0, exposure).values()) == {"audi", "fiat", "lada", "vw"}
    # a level already called "other" stays and receives the rare ones
    X.loc[6, "make"] = OTHER
    assert group_rare_levels(X, "make", 1.0, exposure) == {"audi": "audi", "lada": OTHER, OTHER: OTHER, "vw": "vw"}


def test_rare_level_groups_only_for_factors_with_rare_levels_and_checks_its_thresholds():
    X = pd.DataFrame({"make": ["vw", "vw", "lada"], "area": ["a", "b", "b"], "age": [30, 40, 50]})
    assert rare_level_groups(X, ["make", "area", "age"], 1.5, np.ones(3)) == {
        "make": {"lada": OTHER, "vw": "vw"},
        "area": {"a": OTHER, "b": "b"},
    }
    assert rare_level_groups(X, ["make", "area"], {"make": 1.5}, np.ones(3)) == {"make": {"lada": OTHER, "vw": "vw"}}
    with pytest.raises(ParameterError, match=r"not categorical factors: \['age'\]"):
        rare_level_groups(X, ["make", "age"], {"age": 2}, np.ones(3))
    for bad in (-1, float("nan"), "5", True):
        with pytest.raises(ParameterError, match="min_exposure of 'make' must be a number >= 0"):
            rare_level_groups(X, ["make"], bad, np.ones(3))


def test_apply_level_groups_sends_unseen_levels_to_other_with_a_warning():
    groups = {"make": {"lada": OTHER, "vw": "vw", "audi": "audi"}}
    X = pd.DataFrame({"make": ["vw", "lada", "skoda", None]}, index=["p1", "p2", "p3", "p4"])
    with pytest.warns(UserWarning, match=r"'make': unseen level in 1 row .*values: 'skoda'; rows: 'p3'; grouped .*'other'"):
        out = apply_level_groups(X, groups)
    assert out["make"].tolist()[:3] == ["vw", OTHER, OTHER] and pd.isna(out["make"].iloc[3])
    assert list(out["make"].cat.categories) == ["vw", "audi", OTHER]
    assert X["make"].tolist()[2] == "skoda"  # the input is not modified


# ------------------------------------------------------------------ GBM unseen
def test_gbm_unseen_raises_by_default_listing_few_levels():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"make": [f"m{i:03d}" for i in rng.integers(0, 100, 3_000)]})
    X.loc[:99, "make"] = [f"m{i:03d}" for i in range(100)]  # all 100 levels seen
    model = FrequencyGBM(**FAST).fit(X, rng.poisson(0.2, 3_000))
    with pytest.raises(UnknownCategoryError) as error:
        model.predict(pd.DataFrame({"make": ["m000", "new"]}))
    message = str(error.value)
    assert "'make': unseen level in 1 row" in message and "values: 'new'; rows: 1" in message
    assert "'m009', ... (100 levels)]" in message and "m099" not in message


def test_gbm_unseen_base_predicts_the_level_of_largest_exposure(book):
    X, y, exposure = book
    model = FrequencyGBM(["make", "age"], unseen="base", **FAST).fit(X, y, exposure=exposure)
    largest = pd.Series(exposure).groupby(X["make"]).sum().idxmax()
    assert largest == "vw" and model.base_levels_ == {"make": "vw"}
    new = pd.DataFrame({"make": ["skoda", "vw"], "age": [40, 40]})
    with pytest.warns(UserWarning, match=r"'make': unseen level in 1 row.*'skoda'.*mapped to the base level 'vw'"):
        rates = model.predict(new)
    assert rates[0] == rates[1]


def test_an_unseen_make_no_longer_crashes_compare(book):
    X, y, exposure = book
    data = X.assign(claim_count=y, exposure=exposure)
    train, test = data.iloc[:4_000], data.iloc[4_000:].copy()
    test.iloc[:50, test.columns.get_loc("make")] = "skoda"  # a make the training data never had
    strict = FrequencyGBM(["make", "age"], **FAST).fit(train, train["claim_count"], exposure=train["exposure"])
    with pytest.raises(UnknownCategoryError, match="'skoda'"):
        compare({"gbm": strict}, test, target="claim_count")
    models = {
        "gbm": FrequencyGBM(["make", "age"], unseen="base", **FAST),
        "gbm_grouped": FrequencyGBM(["make", "age"], min_exposure=100.0, **FAST),
        "glm": FrequencyGLM(["make"], unseen="base"),
    }
    for model in models.values():
        model.fit(train, train["claim_count"], exposure=train["exposure"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the unseen level is warned about, and rated
        result = compare(models, test, target="claim_count")
    assert set(result.table["model"]) == set(models) and np.isfinite(result.table["value"]).all()


# ----------------------------------------------------------- min_exposure
def test_glm_min_exposure_pools_rare_levels_into_other_by_hand(book):
    X, y, exposure = book
    model = FrequencyGLM(["make"], min_exposure=100.0).fit(X, y, exposure=exposure)
    by_make = pd.DataFrame({"make": X["make"], "e": exposure, "y": y}).groupby("make").sum()
    rare = sorted(by_make.index[by_make["e"] < 100])
    assert rare == ["lada", "trabant"]
    assert model.level_groups_ == {"make": {m: (OTHER if m in rare else m) for m in by_make.index}}
    # one-factor Poisson GLM: each level's fitted rate is its claims over its exposure
    pooled = by_make.loc[rare].sum()
    rates = model.predict(pd.DataFrame({"make": ["vw", "audi", "lada", "trabant"]}))
    np.testing.assert_allclose(rates[:2], (by_make["y"] / by_make["e"])[["vw", "audi"]], rtol=1e-8)
    np.testing.assert_allclose(rates[2:], pooled["y"] / pooled["e"], rtol=1e-8)
    # an unseen make is rated as "other", with a warning
    with pytest.warns(UserWarning, match="'skoda'.*grouped with the rare levels into 'other'"):
        unseen = model.predict(pd.DataFrame({"make": ["skoda"]}))
    assert unseen[0] == rates[2]
    assert OTHER in set(model.relativities()["level"])


@pytest.mark.parametrize("estimator", [FrequencyGBM, TweedieGBM])
def test_gbm_min_exposure_groups_as_the_glm_does(book, estimator):
    X, y, exposure = book
    amount = y * 1000.0
    model = estimator(["make", "age"], min_exposure=100.0, **FAST).fit(X, y if estimator is FrequencyGBM else amount, exposure)
    glm = FrequencyGLM(["make"], min_exposure=100.0).fit(X, y, exposure=exposure)
    assert model.level_groups_ == glm.level_groups_
    assert model.categories_["make"] == ["audi", "vw", OTHER]
    rows = pd.DataFrame({"make": ["lada", "trabant", "skoda"], "age": [40, 40, 40]})
    with pytest.warns(UserWarning, match="'skoda'"):
        rates = model.predict(rows)
    assert rates[0] == rates[1] == rates[2]


def test_severity_gbm_groups_by_claim_count():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"make": rng.choice(["vw", "audi", "lada"], 2_000, p=[0.7, 0.29, 0.01])})
    counts = rng.integers(1, 3, 2_000)
    amount = rng.gamma(2.0 * counts, 500.0)
    claims = pd.Series(counts).groupby(X["make"]).sum()
    model = SeverityGBM(min_exposure=float(claims["lada"]) + 1, **FAST).fit(X, amount, counts)
    assert model.level_groups_ == {"make": {"audi": "audi", "lada": OTHER, "vw": "vw"}}
    assert SeverityGBM(min_exposure=float(claims["lada"]), **FAST).fit(X, amount, counts).level_groups_ == {}


def test_saved_gbm_keeps_its_groups_base_levels_and_names(tmp_path, book):
    X, y, exposure = book
    frame = X.set_axis([0, 1], axis=1)  # names LightGBM cannot take, and JSON turns into text
    model = FrequencyGBM(min_exposure={0: 100.0}, unseen="base", **FAST).fit(frame, y, exposure=exposure)
    again = load_gbm(model.save(tmp_path / "m"))
    assert again.level_groups_ == model.level_groups_ and again.base_levels_ == model.base_levels_
    assert list(again.feature_names_in_) == [0, 1] and again.categories_ == model.categories_
    rows = pd.DataFrame({0: ["vw", "lada", "skoda"], 1: [30, 50, 70]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_array_equal(again.predict(rows), model.predict(rows))


def test_bad_level_options_are_refused(book):
    X, y, exposure = book
    with pytest.raises(ParameterError, match=r"unseen must be one of \('raise', 'base'\), got 'ignore'"):
        FrequencyGBM(unseen="ignore", **FAST).fit(X, y)
    with pytest.raises(ParameterError, match=r"min_exposure names columns that are not categorical factors: \['age'\]"):
        FrequencyGBM(min_exposure={"age": 10.0}, **FAST).fit(X, y)
    with pytest.raises(ParameterError, match="min_exposure of 'make' must be a number >= 0, got -1"):
        FrequencyGLM(["make"], min_exposure=-1).fit(X, y, exposure=exposure)


def test_refine_lists_a_hundred_levels_by_the_first_few_and_the_count():
    from autorisk.models import group_levels, restrict_factor

    rng = np.random.default_rng(9)
    X = pd.DataFrame({"make": [f"m{i:03d}" for i in np.r_[np.arange(100), rng.integers(0, 100, 4_900)]]})
    y = rng.poisson(0.3, 5_000)
    model = FrequencyGLM(["make"]).fit(X, y)
    with pytest.raises(ParameterError, match=r"unknown level\(s\) \['nope'\]; valid levels: \[.*, \.\.\. \(100 levels\)\]$"):
        group_levels(model, "make", {"nope": "x"}, X, y)
    with pytest.raises(ParameterError, match=r"give one for each of \[.*, \.\.\. \(100 levels\)\]$"):
        restrict_factor(model, "make", {"m000": 1.0}, X, y)


def test_a_restricted_factor_lists_its_hundred_levels_briefly():
    rng = np.random.default_rng(10)
    X = pd.DataFrame({"make": [f"m{i:03d}" for i in rng.integers(0, 100, 500)], "area": rng.choice(["a", "b"], 500)})
    restrict = {"make": {f"m{i:03d}": 1.0 for i in range(100)}}
    model = FrequencyGLM(["area"], restrict=restrict).fit(X, rng.poisson(0.3, 500))
    with pytest.raises(DataError, match=r"a level among \['m000', .*, \.\.\. \(100 levels\)\] with relativity > 0"):
        model.predict(pd.DataFrame({"make": ["new"], "area": ["a"]}))


def test_saved_glm_keeps_its_level_groups(tmp_path, book):
    X, y, exposure = book
    model = FrequencyGLM(["make"], min_exposure=100.0).fit(X, y, exposure=exposure)
    again = FrequencyGLM.load(model.save(tmp_path / "glm.json"))
    assert again.level_groups_ == model.level_groups_
    rows = pd.DataFrame({"make": ["vw", "lada", "skoda"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_array_equal(again.predict(rows), model.predict(rows))


def test_composed_groups_give_each_raw_value_the_level_the_model_reads(book):
    from autorisk.models.levels import composed_groups

    X, y, exposure = book
    # the user merges trabant into lada, and lada (with trabant) is still below min_exposure
    model = FrequencyGLM(["make"], groups={"make": {"trabant": "lada"}}, min_exposure=150.0).fit(X, y, exposure=exposure)
    grouped = pd.Series(exposure).groupby(X["make"].replace({"trabant": "lada"}).to_numpy()).sum()
    assert sorted(grouped.index[grouped < 150]) == ["lada"]
    mapping = composed_groups(model.groups, model.level_groups_)["make"]
    assert mapping == {"trabant": OTHER, "lada": OTHER, "audi": "audi", "vw": "vw"}
    params = model.params_
    for raw, level in mapping.items():
        coef = 0.0 if level == model.design_.terms[0].base_level else params[f"make[{level}]"]
        np.testing.assert_allclose(model.predict(pd.DataFrame({"make": [raw]})), np.exp(model.intercept_ + coef), rtol=1e-12)


def test_a_missing_grouped_column_is_named(book):
    from autorisk.errors import SchemaError

    X, y, exposure = book
    model = FrequencyGLM(["make"], min_exposure=100.0).fit(X, y, exposure=exposure)
    with pytest.raises(SchemaError, match="'make': missing column"):
        model.predict(pd.DataFrame({"age": [30]}))
