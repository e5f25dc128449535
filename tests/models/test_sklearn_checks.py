"""scikit-learn's own estimator checks on every public estimator of autorisk.models.

A check that does not apply to a pricing model is an expected failure whose
reason the library states (``autorisk.models._inputs.expected_failed_checks``);
``xfail_strict`` makes a listed check that starts passing fail here, so the
list stays exact. The checks that feed a continuous target to a claim-count
model run again on the same data with the target rounded to whole counts.
"""

from __future__ import annotations

import inspect
from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import _yield_all_checks, parametrize_with_checks

import autorisk.models
from autorisk.errors import DataError, ParameterError
from autorisk.models import (
    FrequencyGBM,
    FrequencyGLM,
    FrequencySeverity,
    SeverityGBM,
    SeverityGLM,
    TweedieGBM,
    TweedieGLM,
)
from autorisk.models._inputs import COUNT_CHECKS, expected_failed_checks

#: Few, large steps and small leaves: the checks fit 10-200 rows, often many times.
FAST_GBM = dict(early_stopping=None, n_rounds=30, learning_rate=0.3, min_exposure_per_leaf=1.0)

ESTIMATORS = [
    FrequencyGLM(),
    SeverityGLM(),
    TweedieGLM(),
    FrequencyGBM(**FAST_GBM),
    SeverityGBM(**FAST_GBM),
    TweedieGBM(**FAST_GBM),
    FrequencySeverity(),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks, xfail_strict=True)
def test_sklearn_check(estimator, check):
    check(estimator)


def test_every_public_estimator_is_checked():
    public = {
        name
        for name in autorisk.models.__all__
        if inspect.isclass(obj := getattr(autorisk.models, name)) and issubclass(obj, BaseEstimator)
    }
    assert public == {type(e).__name__ for e in ESTIMATORS}


# -------------------------------------------- claim counts: the target rounded
class _RoundedFrequencyGLM(FrequencyGLM):
    """A FrequencyGLM fitted (and scored) on the check's continuous target rounded to whole claim counts."""

    def fit(self, X, y, exposure=None, sample_weight=None):
        return super().fit(X, np.round(np.asarray(y, dtype=float)), exposure, sample_weight)

    def score(self, X, y, exposure=None, sample_weight=None):
        return super().score(X, np.round(np.asarray(y, dtype=float)), exposure, sample_weight)


class _RoundedFrequencyGBM(FrequencyGBM):
    """A FrequencyGBM fitted (and scored) on the check's continuous target rounded to whole claim counts."""

    def fit(self, X, y, exposure=None, sample_weight=None):
        return super().fit(X, np.round(np.asarray(y, dtype=float)), exposure, sample_weight)

    def score(self, X, y, exposure=None, sample_weight=None):
        return super().score(X, np.round(np.asarray(y, dtype=float)), exposure, sample_weight)


def _count_checks():
    for estimator in (_RoundedFrequencyGLM(), _RoundedFrequencyGBM(**FAST_GBM)):
        for check in _yield_all_checks(estimator, legacy=True):
            name = check.func.__name__ if isinstance(check, partial) else check.__name__
            if name in COUNT_CHECKS:
                yield pytest.param(estimator, check, id=f"{type(estimator).__name__[1:]}-{name}")


@pytest.mark.parametrize(("estimator", "check"), list(_count_checks()))
def test_count_checks_pass_with_whole_counts(estimator, check):
    check(type(estimator).__name__, estimator)


def test_the_count_checks_refuse_fractional_counts_by_name():
    # why they are expected to fail on the models themselves: a fractional claim count is refused
    X = np.arange(20.0).reshape(10, 2)
    for model in (FrequencyGLM(), FrequencyGBM(**FAST_GBM)):
        with pytest.raises(DataError, match="'claim_count': not a whole number in 1 row.*values: 0.5"):
            model.fit(X, [0.5, *[1.0] * 9])


# ------------------------------------------------------ weights as repeated rows
@pytest.mark.parametrize("model", [FrequencyGLM(), SeverityGLM(), TweedieGLM(power=1.6)], ids=type)
def test_integer_weights_equal_repeated_rows(model):
    """What check_sample_weight_equivalence asks, on a design a GLM can fit (more rows than coefficients)."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"area": rng.choice(["a", "b", "c"], 60), "age": rng.uniform(20, 70, 60)})
    y = rng.poisson(np.where(X["area"] == "a", 1.0, 2.0)) + (0 if isinstance(model, FrequencyGLM) else 1.0)
    weights = rng.integers(0, 4, 60)
    repeated = X.loc[X.index.repeat(weights)].reset_index(drop=True)
    weighted = type(model)(**model.get_params()).fit(X, y, sample_weight=weights)
    plain = type(model)(**model.get_params()).fit(repeated, np.repeat(y, weights))
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(weighted.predict(X), plain.predict(X), rtol=1e-7)


# ------------------------------------------------------------------ arrays as X
def test_an_array_is_a_table_of_columns_x0_x1():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (300, 2))
    y = rng.poisson(np.exp(0.5 + X[:, 0]))
    frame = pd.DataFrame(X, columns=["x0", "x1"])
    for model in (FrequencyGLM(), FrequencyGBM(**FAST_GBM)):
        from_array = type(model)(**model.get_params()).fit(X, y)
        from_frame = type(model)(**model.get_params()).fit(frame, y)
        assert list(from_array.feature_names_in_) == ["x0", "x1"] and from_array.n_features_in_ == 2
        np.testing.assert_array_equal(from_array.predict(X), from_frame.predict(frame))
        np.testing.assert_array_equal(from_array.predict(frame), from_frame.predict(X))
    glm = FrequencyGLM().fit(X, y)
    assert list(glm.params_.index) == ["(intercept)", "x0", "x1"]


def test_a_frame_records_its_own_names_and_reads_by_name():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"age": rng.uniform(20, 70, 200), "area": rng.choice(["a", "b"], 200)})
    y = rng.poisson(1.0, 200)
    for model in (FrequencyGLM(), FrequencyGBM(**FAST_GBM)):
        model.fit(X, y)
        assert list(model.feature_names_in_) == ["age", "area"] and model.n_features_in_ == 2
        # a policy table with other columns, in another order, is read by name
        wider = X[["area", "age"]].assign(policy_id=range(200))
        np.testing.assert_array_equal(model.predict(wider), model.predict(X))
        # an array is read by position, warned about, and must have the fitted width
        with pytest.warns(UserWarning, match="fitted with feature names"):
            np.testing.assert_array_equal(model.predict(X.to_numpy(dtype=object)), model.predict(X))
        with pytest.raises(DataError, match="X has 3 features, but .* is expecting 2 features as input"):
            model.predict(np.zeros((2, 3)))


def test_gbm_takes_any_column_names_and_a_series_of_weights():
    # a frame from an array has integer column names, which LightGBM cannot take as feature names
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.uniform(0, 1, (200, 2)))
    y = pd.Series(rng.poisson(1.0, 200))
    weights = pd.Series(np.ones(200))
    model = FrequencyGBM(**FAST_GBM).fit(X, y, sample_weight=weights)
    assert model.features_ == [0, 1] and model.booster_.feature_name() == ["x0", "x1"]
    np.testing.assert_array_equal(model.predict(X), FrequencyGBM(**FAST_GBM).fit(X, y).predict(X))
    assert list(model.contributions(X).columns) == [0, 1, "bias"]
    odd = X.set_axis(["a:b", "c[d]"], axis=1)
    assert FrequencyGBM(**FAST_GBM).fit(odd, y).features_ == ["a:b", "c[d]"]


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.array([[1.0, np.nan], [2.0, 1.0]]), DataError, "'x1': Input contains NaN in 1 row.*rows: 0"),
        (np.array([[1.0, 2.0], [np.inf, 1.0]]), DataError, "'x0': Input contains infinity in 1 row.*rows: 1"),
        (np.array([[1 + 1j], [2.0]]), DataError, "Complex data not supported"),
        (np.zeros((0, 2)), DataError, r"0 sample\(s\) \(shape=\(0, 2\)\)"),
        (np.zeros((1, 2)), DataError, r"1 sample\(s\) .* a minimum of 2 is required"),
        (np.zeros((3, 0)), DataError, r"0 feature\(s\) \(shape=\(3, 0\)\)"),
        (np.zeros(3), DataError, "Expected a 2D array, got a 1D array instead. Reshape your data"),
        (np.array([[1.0, {"a": 1}], [2.0, 3.0]], dtype=object), TypeError, "'x1'.*must be a string or a number"),
    ],
    ids=["nan", "inf", "complex", "no rows", "one row", "no columns", "1-D", "a dict"],
)
@pytest.mark.parametrize("model", [FrequencyGLM(), FrequencyGBM(**FAST_GBM)], ids=type)
def test_bad_arrays_are_refused_in_scikit_learn_words(model, X, error, message):
    y = np.ones(len(X)) if X.ndim else np.ones(3)
    with pytest.raises(error, match=message) as caught:
        model.fit(X, y)
    assert isinstance(caught.value, DataError)


def test_sparse_input_is_refused_as_such():
    from scipy import sparse

    with pytest.raises(ParameterError, match="sparse input, which is not supported"):
        FrequencyGLM().fit(sparse.csr_matrix(np.eye(3)), [0, 1, 1])


def test_targets_and_weights_refused_in_scikit_learn_words():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    with pytest.raises(DataError, match="requires y to be passed, but the target y is None"):
        TweedieGLM().fit(X, None)
    with pytest.raises(DataError, match="Complex data not supported"):
        TweedieGBM(**FAST_GBM).fit(X, np.array([1, 2, 3, 4]) + 1j)
    with pytest.raises(DataError, match="'sample_weight': all zero"):
        SeverityGLM().fit(X, [1.0, 2.0, 3.0, 4.0], sample_weight=np.zeros(4))
    with pytest.warns(UserWarning, match="A column-vector y was passed"):
        column = FrequencyGLM().fit(X, np.array([[0], [1], [1], [2]]))
    np.testing.assert_array_equal(column.predict(X), FrequencyGLM().fit(X, [0, 1, 1, 2]).predict(X))
    with pytest.raises(DataError, match=r"y should be a 1d array, got an array of shape \(4, 2\)"):
        FrequencyGLM().fit(X, np.ones((4, 2)))


def test_text_columns_of_an_object_array_are_levels():
    rng = np.random.default_rng(4)
    area = rng.choice(["a", "b"], 400)
    X = np.column_stack([area, rng.uniform(0, 1, 400)]).astype(object)
    X[:, 1] = X[:, 1].astype(float)
    y = rng.poisson(np.where(area == "a", 0.5, 1.5))
    model = FrequencyGLM().fit(X, y)
    assert "x0[a]" in model.params_.index or "x0[b]" in model.params_.index
    # the relativity of the level is its observed frequency ratio (one factor and a numeric)
    frame = pd.DataFrame({"x0": area, "x1": X[:, 1].astype(float)})
    np.testing.assert_allclose(model.predict(X), FrequencyGLM().fit(frame, y).predict(frame), rtol=1e-12)


def test_no_rows_can_be_predicted():
    X = pd.DataFrame({"area": ["a", "b", "a", "b"], "age": [30.0, 40.0, 50.0, 60.0]})
    for model in (FrequencyGLM(), FrequencyGBM(**FAST_GBM)):
        model.fit(X, [0, 1, 1, 2])
        assert model.predict(X.iloc[:0]).shape == (0,)
        with pytest.warns(UserWarning, match="fitted with feature names"):
            assert model.predict(np.zeros((0, 2), dtype=object)).shape == (0,)


def test_an_object_column_is_numbers_only_when_every_cell_is_a_number():
    X = np.array(
        [[1, "3", True], [2.5, "4", False], [3, "3", False], [4, "4", True], [5, "3", True], [6, "4", True]],
        dtype=object,
    )
    model = FrequencyGLM().fit(X, [0, 1, 1, 2, 0, 1])
    kinds = {term.name: term.kind for term in model.design_.terms}
    # numbers as a number; numeric text and booleans as levels, as in a DataFrame (no silent parsing)
    assert kinds == {"x0": "numeric", "x1": "categorical", "x2": "categorical"}
    assert set(model.design_.terms[1].levels) == {"3", "4"}
