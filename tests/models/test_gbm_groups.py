"""Grouped folds of the pricing GBMs (``fit(..., groups=)``): a policy's years never score their own model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import KFold

from autorisk.errors import DataError, ParameterError
from autorisk.models import FrequencyGBM, SeverityGBM, Tuning, TweedieGBM
from autorisk.models._gbm_tuning import _hold_out, cv_folds, group_labels

FAST = dict(max_rounds=300, patience=20, learning_rate=0.1)


# ------------------------------------------------------------------ the folds
@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(0, 30), min_size=5, max_size=120),
    n_folds=st.integers(2, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_grouped_folds_partition_the_rows_and_keep_every_group_in_one_fold(labels, n_folds, seed):
    codes, _ = pd.factorize(np.array(labels), sort=True)
    if codes.max() + 1 < n_folds:
        return
    folds = cv_folds(len(codes), n_folds, seed, codes)
    tests = [test for _, test in folds]
    assert sorted(np.concatenate(tests).tolist()) == list(range(len(codes)))  # each row tested once
    for train, test in folds:
        assert not set(codes[train]) & set(codes[test])
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(codes)))
    # the groups are dealt evenly: fold sizes in groups differ by at most one
    per_fold = [len(set(codes[test])) for test in tests]
    assert max(per_fold) - min(per_fold) <= 1


@settings(max_examples=30, deadline=None)
@given(n=st.integers(5, 200), n_folds=st.integers(2, 5), seed=st.integers(0, 2**31 - 1))
def test_without_groups_the_folds_are_exactly_scikit_learns_kfold(n, n_folds, seed):
    ours = cv_folds(n, n_folds, seed)
    theirs = list(KFold(n_folds, shuffle=True, random_state=seed).split(np.zeros((n, 1))))
    assert all(np.array_equal(a, c) and np.array_equal(b, d) for (a, b), (c, d) in zip(ours, theirs, strict=True))


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.integers(0, 40), min_size=4, max_size=150), seed=st.integers(0, 10_000))
def test_the_hold_out_takes_whole_groups(labels, seed):
    codes, _ = pd.factorize(np.array(labels), sort=True)
    n_groups = codes.max() + 1
    if not 1 <= round(0.2 * n_groups) < n_groups:
        return
    train, valid = _hold_out(len(codes), 0.2, seed, codes)
    assert not set(codes[train]) & set(codes[valid])
    assert len(set(codes[valid])) == round(0.2 * n_groups)
    assert len(train) + len(valid) == len(codes)


def test_fewer_groups_than_folds_is_refused():
    with pytest.raises(Exception, match="exceeds the number of groups"):
        cv_folds(6, 5, 0, np.array([0, 0, 1, 1, 2, 2]))


# --------------------------------------------------- the leak the groups stop
def _panel(seed: int, n_policies: int, years: int = 4, sigma: float = 0.6):
    """Policies seen ``years`` times with a lognormal frailty (mean 1) and an identifying number (no effect)."""
    rng = np.random.default_rng(seed)
    policy = np.repeat(np.arange(n_policies), years)
    age = np.repeat(rng.uniform(18, 80, n_policies), years)
    frailty = np.repeat(rng.lognormal(-sigma**2 / 2, sigma, n_policies), years)
    X = pd.DataFrame({"age": age, "vin_number": np.repeat(rng.permutation(n_policies), years).astype(float)})
    rate = np.exp(-1.0 + 0.02 * (age - 50)) * frailty
    exposure = np.ones(len(X))
    return X, rng.poisson(rate * exposure), exposure, policy


@pytest.fixture(scope="module")
def panel_fits():
    """Per seed and split: (CV estimate, deviance on 5,000 new policies, rounds)."""
    fits = {"rows": [], "policies": []}
    for seed in range(4):
        X, y, exposure, policy = _panel(seed, 1_500)
        X_new, y_new, exposure_new, _ = _panel(100 + seed, 5_000)
        for name, groups in (("rows", None), ("policies", policy)):
            model = FrequencyGBM(early_stopping="cv", n_folds=4, **FAST).fit(X, y, exposure, groups=groups)
            new = mean_poisson_deviance(y_new, model.predict(X_new, exposure_new))
            fits[name].append((model.best_score_, new, model.n_rounds_))
    return {name: np.array(rows) for name, rows in fits.items()}


def test_row_folds_are_optimistic_and_policy_folds_estimate_new_policies_deviance(panel_fits):
    """Split by rows, trees learn each policy's frailty from its other years through its number."""
    rows, grouped = panel_fits["rows"], panel_fits["policies"]
    # on the same data, the row-wise CV promises less deviance than the grouped CV, on every seed ...
    assert np.all(rows[:, 0] < grouped[:, 0])
    # ... and it is optimistic on average: new policies get far more deviance than it promised,
    optimism_rows = np.mean(rows[:, 1] - rows[:, 0])
    optimism_grouped = np.mean(grouped[:, 1] - grouped[:, 0])
    assert optimism_rows > 0.02
    # while the grouped estimate is right on average (sample noise between books is ~0.02 per seed)
    assert abs(optimism_grouped) < 0.015
    # the grouped CV stops before memorising policies, and its models are no worse on new policies
    assert np.all(grouped[:, 2] < rows[:, 2])
    assert np.mean(grouped[:, 1]) <= np.mean(rows[:, 1])


def test_grouped_validation_hold_out_is_also_honest():
    X, y, exposure, policy = _panel(21, 1_500)
    by_rows = FrequencyGBM(**FAST).fit(X, y, exposure)
    by_policy = FrequencyGBM(**FAST).fit(X, y, exposure, groups=policy)
    assert by_rows.best_score_ < by_policy.best_score_


def test_groups_may_name_a_column_and_give_the_same_model_as_the_labels():
    X, y, exposure, policy = _panel(31, 300, years=3)
    options = dict(early_stopping="cv", n_folds=3, max_rounds=60, patience=10, features=["age", "vin_number"])
    by_labels = FrequencyGBM(**options).fit(X, y, exposure, groups=policy)
    by_column = FrequencyGBM(**options).fit(X.assign(policy=policy), y, exposure, groups="policy")
    assert by_labels.n_rounds_ == by_column.n_rounds_
    assert np.array_equal(by_labels.predict(X, exposure), by_column.predict(X.assign(policy=policy), exposure))


def test_tuned_search_uses_the_grouped_folds_reproducibly():
    X, y, exposure, policy = _panel(41, 400, years=3)
    tune = Tuning("random", n_trials=3, n_folds=3, seed=5)
    first = FrequencyGBM(tune=tune, max_rounds=40, patience=10).fit(X, y, exposure, groups=policy)
    second = FrequencyGBM(tune=tune, max_rounds=40, patience=10).fit(X, y, exposure, groups=policy)
    ungrouped = FrequencyGBM(tune=tune, max_rounds=40, patience=10).fit(X, y, exposure)
    pd.testing.assert_frame_equal(first.search_results_, second.search_results_)
    assert not first.search_results_["mean_deviance"].equals(ungrouped.search_results_["mean_deviance"])


def test_severity_and_tweedie_take_groups_on_their_own_rows():
    X, y, exposure, policy = _panel(51, 600, years=3)
    amount = np.where(y > 0, y * np.random.default_rng(0).gamma(2.0, 500.0, len(y)), 0.0)
    options = dict(early_stopping="cv", n_folds=3, max_rounds=40, patience=10)
    severity = SeverityGBM(**options).fit(X, amount, y, groups=policy)  # only rows with claims are fitted
    tweedie = TweedieGBM(**options).fit(X, amount, exposure, groups=policy)
    assert np.isfinite(severity.best_score_) and np.isfinite(tweedie.best_score_)
    with pytest.raises(Exception, match="exceeds the number of groups"):
        SeverityGBM(**options).fit(X, amount, y, groups=np.where(y > 0, 0, 1))  # one group among the claims


# ---------------------------------------------------------------- bad input
def test_bad_groups_are_refused_with_the_field_and_rows():
    X, y, exposure, policy = _panel(61, 50, years=2)
    with pytest.raises(DataError, match="groups.*missing column"):
        FrequencyGBM(**FAST).fit(X, y, exposure, groups="policy")
    with pytest.raises(DataError, match="groups.*one label per row"):
        FrequencyGBM(**FAST).fit(X, y, exposure, groups=policy[:-1])
    labels = policy.astype(float)
    labels[[3, 7]] = np.nan
    with pytest.raises(DataError, match=r"groups.*missing in 2 rows.*rows: 3, 7"):
        FrequencyGBM(**FAST).fit(X, y, exposure, groups=labels)
    assert group_labels(X, None) is None


def test_a_groups_column_is_not_taken_as_a_feature():
    X, y, exposure, policy = _panel(71, 50, years=2)
    with pytest.raises(ParameterError, match="policy"):
        FrequencyGBM(**FAST).fit(X.assign(policy=policy), y, exposure, groups="policy")
