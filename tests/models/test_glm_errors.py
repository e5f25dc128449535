"""Bad input gives autorisk's own errors, naming the column, the value and the row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _glm_reference import POISSON, assert_matches_statsmodels, dummies, largest, limits, sm_glm

from autorisk.errors import (
    AutoriskError,
    DataError,
    ModelError,
    ParameterError,
    SchemaError,
    UnknownCategoryError,
)
from autorisk.models import FrequencyGLM, SeverityGLM, TweedieGLM


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with limits():
        yield


@pytest.fixture(scope="module")
def data():
    """A small book with labelled rows; the claim rate depends on area and age band."""
    rng = np.random.default_rng(5)
    n = 3_000
    area = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    age = rng.integers(18, 80, n)
    exposure = rng.uniform(0.2, 1.0, n)
    rate = 0.1 * np.where(area == "south", 1.3, 1.0) * np.where(age < 25, 1.6, 1.0)
    claims = rng.poisson(rate * exposure)
    X = pd.DataFrame(
        {"area": pd.Categorical(area), "age": age, "use": rng.choice(["private", "business"], n)},
        index=[f"pol{i:05d}" for i in range(n)],
    )
    amount = np.where(claims > 0, rng.gamma(2.0, 1_000.0, n) * claims, 0.0)
    return X, pd.Series(claims, index=X.index), pd.Series(exposure, index=X.index), pd.Series(amount, index=X.index)


def _fitted(data, **kwargs):
    X, y, e, _ = data
    return FrequencyGLM(["area", "age", "use"], bands={"age": [25, 40, 60]}, **kwargs).fit(X, y, exposure=e)


def _issue_named(error, column, value, row):
    text = str(error)
    assert f"'{column}'" in text and repr(value) in text and repr(row) in text, text
    issue = next(i for i in error.issues if i.column == column)
    assert row in issue.rows and value in issue.values


# ------------------------------------------------------------ unseen levels
def test_unseen_level_raises_naming_column_value_row(data):
    model = _fitted(data)
    X = data[0].head(4).copy()
    X["area"] = X["area"].astype(object)
    X.loc["pol00002", "area"] = "west"
    with pytest.raises(UnknownCategoryError) as info:
        model.predict(X)
    assert isinstance(info.value, DataError)
    _issue_named(info.value, "area", "west", "pol00002")


def test_unseen_level_as_base_warns_and_prices_at_base(data):
    model = _fitted(data, unseen="base")
    base = model.design_.terms[0].base_level
    X = data[0].head(4).copy()
    X["area"] = X["area"].astype(object)
    X.loc["pol00001", "area"] = "west"
    with pytest.warns(UserWarning, match="area") as record:
        got = model.predict(X)
    assert "west" in str(record[0].message) and "pol00001" in str(record[0].message)
    np.testing.assert_allclose(got, model.predict(X.assign(area=X["area"].replace("west", base))), rtol=1e-14)


# ------------------------------------------------------------ missing values
def test_missing_categorical_raises(data):
    X, y, e, _ = data
    X = X.copy()
    X["use"] = X["use"].astype(object)
    X.loc["pol00007", "use"] = np.nan
    with pytest.raises(DataError) as info:
        FrequencyGLM(["area", "use"]).fit(X, y, exposure=e)
    assert "'use'" in str(info.value) and "pol00007" in str(info.value)
    # also at prediction time
    model = FrequencyGLM(["area", "use"]).fit(data[0], y, exposure=e)
    with pytest.raises(DataError, match="pol00007"):
        model.predict(X)


def test_missing_categorical_as_its_own_level(data):
    X, y, e, _ = data
    X = X.copy()
    X["use"] = X["use"].astype(object)
    X.loc[X.index[::7], "use"] = None  # 429 rows: enough for a coefficient
    model = FrequencyGLM(["area", "use"], missing="level").fit(X, y, exposure=e)
    assert "use[(missing)]" in model.params_.index
    # the same as a plain level called "(missing)", fitted by statsmodels
    filled = X.assign(use=X["use"].fillna("(missing)"))
    base = {f: largest(filled, f, e) for f in ["area", "use"]}
    reference = sm_glm(y, dummies(filled, ["area", "use"], base), POISSON, offset=np.log(e))
    assert_matches_statsmodels(model, reference)
    np.testing.assert_allclose(model.predict(X.head(20)), model.predict(filled.head(20)), rtol=1e-14)


def test_missing_numeric_raises_even_with_missing_level(data):
    X, y, e, _ = data
    X = X.astype({"age": float})
    X.loc["pol00003", "age"] = np.nan
    with pytest.raises(DataError) as info:
        FrequencyGLM(["area", "age"], missing="level").fit(X, y, exposure=e)
    assert "'age'" in str(info.value) and "pol00003" in str(info.value)


# ------------------------------------------------------------ missing column
def test_missing_column_raises_schema_error(data):
    X, y, e, _ = data
    with pytest.raises(SchemaError) as info:
        FrequencyGLM(["area", "vehicle_age"]).fit(X, y, exposure=e)
    assert "vehicle_age" in str(info.value) and isinstance(info.value, KeyError)
    model = _fitted(data)
    with pytest.raises(SchemaError, match="use"):
        model.predict(X.drop(columns="use"))
    with pytest.raises(DataError, match="gender"):  # a restricted factor's column
        FrequencyGLM(["area"], restrict={"gender": {"F": 1.0, "M": 1.1}}).fit(X, y, exposure=e)


# ------------------------------------------------------------ bad numbers
@pytest.mark.parametrize(
    "column, value, rule",
    [
        ("exposure", -0.5, "negative"),
        ("exposure", 0.0, "not positive"),
        ("claim_count", -1.0, "negative"),
        ("claim_count", 1.5, "not a whole number"),
        ("claim_count", np.nan, "missing"),
        ("sample_weight", -2.0, "negative"),
    ],
)
def test_bad_values_in_fit_name_column_value_row(data, column, value, rule):
    X, y, e, _ = data
    y, e, w = y.astype(float).copy(), e.copy(), pd.Series(1.0, index=X.index)
    target = {"exposure": e, "claim_count": y, "sample_weight": w}[column]
    target.loc["pol00042"] = value
    with pytest.raises(DataError) as info:
        FrequencyGLM(["area"]).fit(X, y, exposure=e, sample_weight=w)
    text = str(info.value)
    assert f"'{column}'" in text and rule in text and "'pol00042'" in text, text
    if not np.isnan(value):
        _issue_named(info.value, column, value, "pol00042")


def test_bad_severity_values(data):
    X, y, _, amount = data
    amount = amount.copy()
    row = y[y > 0].index[3]
    amount.loc[row] = 0.0
    with pytest.raises(DataError) as info:
        SeverityGLM(["area"]).fit(X, amount, claim_count=y)
    _issue_named(info.value, "claim_amount", 0.0, row)
    with pytest.raises(DataError, match="no claims"):
        SeverityGLM(["area"]).fit(X, amount, claim_count=np.zeros(len(X)))


def test_wrong_length_and_wrong_type(data):
    X, y, e, _ = data
    with pytest.raises(DataError, match="wrong length"):
        FrequencyGLM(["area"]).fit(X, y.iloc[:-1], exposure=e)
    # an array is a table of columns x0, x1, ...: the factor is not among them
    with pytest.raises(SchemaError, match=r"'area': missing column \(expected columns among \['x0', 'x1'"):
        FrequencyGLM(["area"]).fit(X.to_numpy(), y, exposure=e)


# ------------------------------------------------------------ bad options
@pytest.mark.parametrize(
    "make, options",
    [
        (lambda: FrequencyGLM(["area"], unseen="ignore"), ["raise", "base"]),
        (lambda: FrequencyGLM(["area"], missing="drop"), ["raise", "level"]),
        (lambda: FrequencyGLM(["area"], overdispersion="negbin"), ["none", "quasi"]),
        (lambda: SeverityGLM(["area"], family="lognormal"), ["gamma", "inverse_gaussian"]),
        (lambda: FrequencyGLM(["age"], bands={"age": "kmeans"}), ["quantile", "exposure", "tree"]),
        (lambda: FrequencyGLM(["age"], bands={"age": [40, 25]}), ["increasing"]),
        (lambda: FrequencyGLM(["age"], bands={"age": "quantile"}, n_bands=1), [">= 2"]),
        (lambda: TweedieGLM(["area"], power=2.5), ["(1, 2)", "profile"]),
        (lambda: FrequencyGLM(["area"], base_levels={"area": "west"}), ["east", "north", "south"]),
        (lambda: FrequencyGLM(["area"], bands={"age": [30]}), ["not factors", "age"]),
        (lambda: FrequencyGLM(["area"], interactions=[("area", "age")]), ["area", "age"]),
        (lambda: FrequencyGLM(["area", "area"]), ["twice"]),
        (lambda: FrequencyGLM(["area", "use"], restrict={"use": {"private": 1.0}}), ["use"]),
        (lambda: FrequencyGLM(["area"], bands={"area": [1]}), ["not numeric"]),
        (lambda: FrequencyGLM(["area", "age"], bands={"age": [30]}, splines={"age": 3}), ["both"]),
    ],
)
def test_invalid_options_raise_parameter_error_listing_options(data, make, options):
    X, y, e, amount = data
    model = make()
    with pytest.raises(ParameterError) as info:
        if isinstance(model, SeverityGLM):
            model.fit(X, amount, claim_count=y)
        else:
            model.fit(X, y if isinstance(model, FrequencyGLM) else amount, exposure=e)
    assert isinstance(info.value, (AutoriskError, ValueError))
    for option in options:
        assert option in str(info.value), str(info.value)


def test_invalid_confidence_level(data):
    with pytest.raises(ParameterError, match="confidence level"):
        _fitted(data).coef_table(1.5)


# ------------------------------------------------------------ degenerate designs
def test_two_identical_factors_are_a_singular_design(data):
    X, y, e, _ = data
    twin = X.assign(area_copy=X["area"])
    with pytest.raises(ModelError, match="singular"):
        FrequencyGLM(["area", "area_copy"]).fit(twin, y, exposure=e)
    with pytest.raises(ModelError, match="singular"):  # numeric twins too
        FrequencyGLM(["age", "age2"]).fit(X.assign(age2=X["age"] * 2.0), y, exposure=e)


def test_constant_response_is_a_model_error(data):
    X, _, e, _ = data
    with pytest.raises(ModelError, match="no variation"):
        FrequencyGLM(["area"]).fit(X, np.zeros(len(X)), exposure=e)


def test_level_without_claims_is_flagged_not_silently_fitted():
    # Poisson MLE of a level with exposure but no claims is -infinity: the fit must say so.
    import warnings

    rng = np.random.default_rng(5)
    n = 4_000
    frame = pd.DataFrame({"zone": rng.choice(["a", "b", "c"], n), "exposure": rng.uniform(0.2, 1.0, n)})
    counts = rng.poisson(0.3 * frame["exposure"].to_numpy())
    counts[frame["zone"].to_numpy() == "c"] = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = FrequencyGLM(["zone"]).fit(frame, counts, exposure=frame["exposure"])
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("zone[c]" in m and "not estimable" in m for m in messages)
    assert model.relativities().set_index("level").loc["c", "relativity"] < 1e-3
