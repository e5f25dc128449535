"""Tuned pricing GBMs (``tune=``): reproducible searches, the refit of the best trial, a known truth, bad specs."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import KFold
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_set_params,
    parametrize_with_checks,
)

from autorisk.errors import ParameterError
from autorisk.models import FrequencyGBM, SeverityGBM, Tuning, TweedieGBM, load_model
from autorisk.models._gbm_search import DEFAULT_SPACE, rung_sizes
from autorisk.models._inputs import expected_failed_checks

#: Small and quick: a tiny budget of rounds, few trials, three folds.
FAST = dict(max_rounds=40, patience=10)


def _book(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Poisson counts with a known log-linear rate in age, power and region; exposure 0.2-1 year."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.uniform(18, 80, n),
            "power": rng.uniform(0, 1, n),
            "region": pd.Categorical(rng.choice(list("abcd"), n), categories=list("abcd")),
        }
    )
    log_rate = -1.6 + 0.03 * (X["age"] - 50) + 1.2 * X["power"] + X["region"].map({"a": 0, "b": 0.4, "c": -0.4, "d": 0.8}).astype(float)
    rate = np.exp(log_rate.to_numpy())
    exposure = rng.uniform(0.2, 1.0, n)
    return X, rng.poisson(rate * exposure), exposure, rate


@pytest.fixture(scope="module")
def book():
    return _book(1, 2_000)


def _fit(book, tune, **options):
    X, y, exposure, _ = book
    return FrequencyGBM(tune=tune, **{**FAST, **options}).fit(X, y, exposure)


@pytest.fixture(scope="module")
def halving(book):
    return _fit(book, Tuning("halving", n_trials=6, n_folds=3, seed=3))


# ------------------------------------------------------------ reproducibility
@pytest.mark.parametrize("method", ["random", "halving"])
def test_same_seed_gives_the_same_table_and_bit_identical_predictions(book, method):
    first = _fit(book, Tuning(method, n_trials=4, n_folds=3, seed=7), feature_fraction=0.8)
    again = _fit(book, Tuning(method, n_trials=4, n_folds=3, seed=7), feature_fraction=0.8)
    pd.testing.assert_frame_equal(first.search_results_, again.search_results_, check_exact=True)
    np.testing.assert_array_equal(first.predict(book[0]), again.predict(book[0]))
    other = _fit(book, Tuning(method, n_trials=4, n_folds=3, seed=8), feature_fraction=0.8)
    settings = list(DEFAULT_SPACE)
    assert not first.search_results_[settings].equals(other.search_results_[settings])
    assert not np.array_equal(first.search_results_["mean_deviance"], other.search_results_["mean_deviance"])


def test_the_seed_defaults_to_random_state(book):
    by_state = _fit(book, Tuning(n_trials=3, n_folds=3), random_state=5)
    by_seed = _fit(book, Tuning(n_trials=3, n_folds=3, seed=5), random_state=5)
    pd.testing.assert_frame_equal(by_state.search_results_, by_seed.search_results_, check_exact=True)


# ------------------------------------------------------------ the chosen trial
@pytest.mark.parametrize("method", ["random", "halving"])
def test_the_refitted_trial_is_the_tables_minimum(book, halving, method):
    model = halving if method == "halving" else _fit(book, Tuning("random", n_trials=5, n_folds=3, seed=3))
    table = model.search_results_
    best = table.loc[table["mean_deviance"].idxmin()]
    assert best["rank"] == 1
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))
    assert model.best_params_ == {name: best[name] for name in DEFAULT_SPACE}
    assert model.n_rounds_ == best["n_rounds"] and model.best_score_ == best["mean_deviance"]
    assert best["max_rounds"] == FAST["max_rounds"]  # the winner had the full budget


def test_halving_keeps_the_best_third_with_three_times_the_rounds(halving):
    table = halving.search_results_
    assert rung_sizes("halving", 6) == [6, 2, 1] and rung_sizes("random", 6) == [6]
    assert table.groupby("rung")["max_rounds"].unique().map(list).to_dict() == {0: [4], 1: [13], 2: [40]}
    assert (table["rung"].value_counts().sort_index().to_list()) == [4, 1, 1]
    # a row holds a trial's last rung: those left at rung 0 did no better than the promoted did later
    left = table.loc[table["rung"] == 0, "mean_deviance"]
    assert left.min() >= table.loc[table["rung"] > 0, "mean_deviance"].max()


def test_the_refit_is_a_plain_fit_with_best_params_and_the_cv_rounds(book, halving):
    X, y, exposure, _ = book
    plain = FrequencyGBM(**halving.best_params_, early_stopping=None, n_rounds=halving.n_rounds_, **FAST)
    np.testing.assert_array_equal(plain.fit(X, y, exposure).predict(X), halving.predict(X))


def test_a_trials_deviance_is_the_mean_over_folds_of_sklearns_poisson_deviance(book):
    X, y, exposure, _ = book
    model = _fit(book, Tuning(n_trials=2, n_folds=3, seed=4))
    table = model.search_results_
    trial = table.iloc[1]
    settings = {name: table.at[1, name].item() for name in DEFAULT_SPACE}
    params = FrequencyGBM(**settings, early_stopping=None, n_rounds=1, **FAST).fit(X, y, exposure).lgb_params_
    # independently: lightgbm.train on each fold (sharing the whole data's bins, as lightgbm.cv does)
    matrix = model.encode(X)
    init_score = np.log(exposure) + model.base_score_
    full = lgb.Dataset(matrix, label=y, init_score=init_score, categorical_feature=[2], free_raw_data=False,
                       params={"verbosity": -1, "seed": 0}).construct()
    deviances = []
    for train, valid in KFold(3, shuffle=True, random_state=4).split(matrix):
        booster = lgb.train(params, full.subset(train), num_boost_round=int(trial["n_rounds"]))
        mu = np.exp(booster.predict(matrix[valid], raw_score=True) + init_score[valid])
        deviances.append(mean_poisson_deviance(y[valid], mu))
    assert trial["mean_deviance"] == pytest.approx(np.mean(deviances), rel=1e-9)
    assert trial["sd_deviance"] == pytest.approx(np.std(deviances), rel=1e-6)


def test_min_exposure_per_leaf_is_a_share_of_the_books_exposure(book, halving):
    low, high = DEFAULT_SPACE["min_exposure_per_leaf"][1:]
    share = halving.search_results_["min_exposure_per_leaf"] / book[2].sum()
    assert share.between(low, high).all()
    severity_counts = np.maximum(book[1], 0)
    amounts = np.where(severity_counts > 0, 1000.0 * severity_counts, 0.0)
    severity = SeverityGBM(tune=Tuning(n_trials=2, n_folds=3), **FAST).fit(book[0], amounts, severity_counts)
    claims_share = severity.search_results_["min_exposure_per_leaf"] / severity_counts.sum()
    assert claims_share.between(low, high).all()  # for severity the exposure is the number of claims


# ------------------------------------------------------------ a known truth
def test_tuning_beats_defaults_that_underfit_on_held_out_data():
    # 40 rounds at the default learning rate 0.05 cannot reach the truth; the search may pick a larger rate.
    X, y, exposure, _ = _book(2, 4_000)
    test = _book(3, 20_000)

    def excess(model):  # held-out deviance over the true rates'
        return mean_poisson_deviance(test[1], model.predict(test[0], test[2])) - mean_poisson_deviance(test[1], test[3] * test[2])

    default = excess(FrequencyGBM(**FAST).fit(X, y, exposure))
    tuned = [excess(FrequencyGBM(tune=Tuning(n_trials=6, n_folds=3, seed=s), **FAST).fit(X, y, exposure)) for s in range(4)]
    # the stated margin: the search removes at least half of the defaults' excess deviance over the truth, for
    # 3 of 4 seeds (6 trials are few: seed 2 draws only learning rates below 0.05 and does worse than the defaults)
    assert sum(t <= 0.5 * default for t in tuned) >= 3, (tuned, default)
    assert min(tuned) <= 0.35 * default, (tuned, default)


# ------------------------------------------------------------ other families
@pytest.mark.parametrize("family", ["severity", "tweedie"])
def test_severity_and_tweedie_search_and_refit(book, family):
    X, y, exposure, _ = book
    amounts = np.where(y > 0, 800.0 * y * np.exp(0.5 * X["power"]), 0.0)
    if family == "severity":
        model = SeverityGBM(tune="halving", **FAST).set_params(tune=Tuning("halving", n_trials=3, n_folds=3))
        model.fit(X, amounts, y)
    else:
        model = TweedieGBM(tune=Tuning(n_trials=3, n_folds=3), **FAST).fit(X, amounts, exposure)
    table = model.search_results_
    assert table.loc[table["rank"] == 1, "mean_deviance"].item() == table["mean_deviance"].min()
    assert model.n_rounds_ == table.loc[table["rank"] == 1, "n_rounds"].item()


# ------------------------------------------------------------ persistence
def test_save_and_load_keep_the_search_and_bit_identical_predictions(tmp_path, book, halving):
    loaded = load_model(halving.save(tmp_path / "tuned"))
    np.testing.assert_array_equal(loaded.predict(book[0]), halving.predict(book[0]))
    assert loaded.tune == halving.tune and loaded.get_params() == halving.get_params()
    assert loaded.best_params_ == halving.best_params_
    pd.testing.assert_frame_equal(loaded.search_results_, halving.search_results_, check_exact=True)
    plain = load_model(_fit(book, None, early_stopping=None, n_rounds=5).save(tmp_path / "plain"))
    assert plain.tune is None and plain.search_results_ is None and plain.best_params_ is None
    named = load_model(_fit(book, Tuning(n_trials=1, n_folds=2, space={"max_depth": None})).save(tmp_path / "n"))
    assert named.tune == Tuning(n_trials=1, n_folds=2, space={"max_depth": None})


# ------------------------------------------------------------ bad specs
@pytest.mark.parametrize(
    ("tune", "named"),
    [
        ("grid", "tune"),
        (5, "tune"),
        (Tuning("grid"), "tune.method"),
        (Tuning(n_trials=0), "tune.n_trials"),
        (Tuning(n_folds=1), "tune.n_folds"),
        (Tuning(seed=-1), "tune.seed"),
        (Tuning(space={"depth": ("int", 1, 3)}), "tune.space names"),
        (Tuning(space={"learning_rate": ("log", 0.0, 0.1)}), r"tune.space\['learning_rate'\]"),
        (Tuning(space={"learning_rate": ("normal", 0.1, 0.2)}), r"tune.space\['learning_rate'\]"),
        (Tuning(space={"num_leaves": ("int", 1, 8)}), r"tune.space\['num_leaves'\]"),
        (Tuning(space={"num_leaves": ("int", 2.5, 8)}), r"tune.space\['num_leaves'\]"),
        (Tuning(space={"bagging_fraction": ("uniform", 0.9, 0.5)}), r"tune.space\['bagging_fraction'\]"),
        (Tuning(space={"min_exposure_per_leaf": ("log", 0.01, 2.0)}), r"tune.space\['min_exposure_per_leaf'\]"),
        (Tuning(space={"max_depth": ("choice",)}), r"tune.space\['max_depth'\]"),
    ],
)
def test_an_invalid_spec_raises_a_parameter_error_naming_it(book, tune, named):
    with pytest.raises(ParameterError, match=named):
        _fit(book, tune)


def test_n_rounds_cannot_be_fixed_when_the_search_chooses_them(book):
    with pytest.raises(ParameterError, match="n_rounds=10"):
        _fit(book, "random", early_stopping=None, n_rounds=10)


# ------------------------------------------------------------ scikit-learn
def test_clone_get_params_and_set_params_carry_tune():
    model = FrequencyGBM(tune=Tuning("halving", n_trials=4, space={"lambda_l2": None}))
    copy = clone(model)
    assert copy.get_params()["tune"] == model.tune and copy.get_params()["tune"] is not model.tune
    assert copy.set_params(tune="random").tune == "random" and model.tune.method == "halving"
    for estimator in (model, SeverityGBM(tune="random"), TweedieGBM(tune="halving")):
        check_get_params_invariance(type(estimator).__name__, estimator)
        check_set_params(type(estimator).__name__, estimator)


#: scikit-learn's checks fit 10-200 rows many times: three candidates, two folds, few rounds.
TUNED = [cls(tune=Tuning("halving", n_trials=3, n_folds=2), max_rounds=30, patience=5) for cls in (FrequencyGBM, SeverityGBM, TweedieGBM)]


@parametrize_with_checks(TUNED, expected_failed_checks=expected_failed_checks, xfail_strict=True)
def test_sklearn_check_of_tuned_gbms(estimator, check):
    check(estimator)
