"""The demand protocol on every demand model: grids, monotonicity, errors, save / load, scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from _demand_truth import renewal_book
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from autorisk.demand import ConversionGBM, RetentionGBM, RetentionGLM, load_demand_model
from autorisk.errors import DataError, ModelError, ParameterError, SchemaError, UnknownCategoryError

X, Y, _ = renewal_book(8_000, seed=11, slopes={"young": -6.0, "mid": -3.0, "old": 0.8}, market_slope=-2.0)
GLM = RetentionGLM(["age", "region"], market="market", price_interactions=["age"]).fit(X, Y)
GBM = RetentionGBM(["age", "region"], market="market", early_stopping=None, n_rounds=60, learning_rate=0.1).fit(X, Y)
MODELS = {"glm": GLM, "gbm": GBM}


@pytest.mark.parametrize("name", MODELS)
def test_a_grid_equals_k_separate_calls_and_predict_on_replaced_frames(name):
    model = MODELS[name]
    rows = X.head(40)
    grid = rows["offered"].to_numpy()[:, None] * np.linspace(0.7, 1.3, 9)
    together = model.predict_retention(rows, grid)
    assert together.shape == grid.shape
    for j in range(grid.shape[1]):
        assert np.array_equal(together[:, j], model.predict_retention(rows, grid[:, j]))
        assert np.array_equal(together[:, j], model.predict(rows.assign(offered=grid[:, j])))
    assert np.array_equal(model.predict_retention(rows), model.predict(rows))


@settings(max_examples=40, deadline=None)
@given(
    row=st.integers(0, len(X) - 1),
    multipliers=st.lists(st.floats(0.3, 3.0, allow_nan=False), min_size=2, max_size=12),
    name=st.sampled_from(sorted(MODELS)),
)
def test_retention_never_rises_with_the_price(row, multipliers, name):
    model = MODELS[name]
    rows = X.iloc[[row]]
    grid = rows["offered"].to_numpy()[:, None] * np.sort(multipliers)[None, :]
    retention = model.predict_retention(rows, grid)[0]
    assert np.all(np.diff(retention) <= 0), retention


def test_the_glm_held_the_rising_slope_and_the_gbm_is_constrained():
    assert GLM.slopes_held_ == ["change (age='old')"]
    assert GBM.lgb_params_["monotone_constraints"] == [0, 0, -1, -1]
    assert GBM.log_linear_price_response(X) is None
    assert np.all(GBM.elasticity(X.head(500)) <= 0)


def test_gbm_elasticity_is_the_documented_symmetric_difference():
    rows = X.head(100)
    p = rows["offered"].to_numpy()
    up, down = GBM.predict_retention(rows, p * np.exp(0.01)), GBM.predict_retention(rows, p * np.exp(-0.01))
    np.testing.assert_allclose(GBM.elasticity(rows), (np.log(up) - np.log(down)) / 0.02, rtol=1e-12)
    # the price-sensitive young react more than the old, whose true slope is positive (GBM: flat)
    young, old = (rows["age"] == "young").to_numpy(), (rows["age"] == "old").to_numpy()
    assert GBM.elasticity(X)[(X["age"] == "young").to_numpy()].mean() < GBM.elasticity(X)[(X["age"] == "old").to_numpy()].mean()
    assert young.any() and old.any()


def test_reads_columns_and_price_columns():
    for model in MODELS.values():
        assert model.price_columns_ == {"offered": "offered", "last": "last", "market": "market"}
        assert model.reads_columns() == {"age", "region", "offered", "last", "market"}
        assert list(model.feature_names_in_) == ["age", "region"]


@pytest.mark.parametrize("name", MODELS)
def test_save_and_load_predict_bit_identically(name, tmp_path):
    model = MODELS[name]
    path = model.save(tmp_path / ("model.json" if name == "glm" else "model"))
    again = load_demand_model(path)
    assert type(again) is type(model)
    grid = X["offered"].to_numpy()[:, None] * np.array([0.9, 1.0, 1.1])
    assert np.array_equal(again.predict_retention(X, grid), model.predict_retention(X, grid))
    assert np.array_equal(again.elasticity(X), model.elasticity(X))
    assert again.price_columns_ == model.price_columns_ and again.reads_columns() == model.reads_columns()
    assert again.get_params() == model.get_params()
    if name == "glm":
        assert again.slopes_held_ == model.slopes_held_
        assert again.coef_table().equals(model.coef_table())
    else:
        assert np.array_equal(load_demand_model(path / "metadata.json").predict(X), model.predict(X))


def test_load_refuses_what_is_not_a_saved_demand_model(tmp_path):
    with pytest.raises(ModelError, match="no saved demand model"):
        load_demand_model(tmp_path / "nothing.json")
    (tmp_path / "other.json").write_text('{"format": "autorisk.glm"}')
    with pytest.raises(ModelError, match="expected 'autorisk.demand'"):
        load_demand_model(tmp_path / "other.json")


@pytest.mark.parametrize("name", MODELS)
def test_a_missing_column_is_a_schema_error_naming_it(name):
    model = MODELS[name]
    for column in ("market", "region"):
        with pytest.raises(SchemaError, match=f"column '{column}': missing column"):
            model.predict_retention(X.drop(columns=[column]).head(3))
    with pytest.raises(SchemaError, match="'last'"):
        clone(model).fit(X.drop(columns=["last"]), Y)


@pytest.mark.parametrize("name", MODELS)
def test_nan_and_non_positive_prices_are_data_errors_naming_the_rows(name):
    model = MODELS[name]
    bad = X.head(10).copy()
    bad.loc[[3, 7], "last"] = [np.nan, 0.0]
    with pytest.raises(DataError, match=r"column 'last': missing, infinite or not positive in 2 rows .*rows: 3, 7"):
        model.predict_retention(bad)
    with pytest.raises(DataError, match=r"column 'last'.*rows: 3, 7"):
        clone(model).fit(bad, Y[:10])
    grid = np.full((10, 3), 500.0)
    grid[4, 2] = -1.0
    with pytest.raises(DataError, match=r"column 'price': missing, infinite or not positive in 1 row .*values: -1.0; rows: 4"):
        model.predict_retention(X.head(10), grid)
    with pytest.raises(ParameterError, match="one price per row"):
        model.predict_retention(X.head(10), np.ones(9))


def test_bad_outcomes_and_options_are_refused():
    with pytest.raises(DataError, match="column 'renewed': not 0 or 1 in 1 row"):
        clone(GLM).fit(X.head(20), np.r_[Y[:19], 2])
    with pytest.raises(ParameterError, match="no price term: name last="):
        RetentionGLM(["age"], last=None).fit(X, Y)
    with pytest.raises(ParameterError, match=r"need the columns of \['technical'\]"):
        RetentionGLM(["age"], price_terms=["net"]).fit(X, Y)
    with pytest.raises(ParameterError, match="price columns cannot also be factors"):
        RetentionGLM(["age", "last"]).fit(X, Y)
    with pytest.raises(ParameterError, match="must name factors"):
        RetentionGLM(["region"], price_interactions=["age"]).fit(X, Y)
    with pytest.raises(UnknownCategoryError, match="column 'age': unseen level"):
        GLM.predict(X.head(2).assign(age="baby"))
    with pytest.raises(ParameterError, match="n_rounds"):
        RetentionGBM(early_stopping=None).fit(X, Y)


def test_clone_and_get_params_follow_scikit_learn():
    for model in (GLM, GBM):
        copy = clone(model)
        assert copy.get_params() == model.get_params()
        assert not hasattr(copy, "price_columns_")
        copy.set_params(offered="offered")
        assert copy.get_params()["offered"] == "offered"
    again = clone(GLM).fit(X, Y)
    # the same fit (to round-off: the module's models were fitted before the suite limited BLAS to one thread)
    np.testing.assert_allclose(again.predict(X), GLM.predict(X), rtol=1e-12)
    assert set(ConversionGBM().get_params()) == set(RetentionGBM().get_params()) - {"last"}


def test_the_gbm_with_early_stopping_records_its_hold_out_curve():
    model = RetentionGBM(["age", "region"], learning_rate=0.2, patience=10, max_rounds=300).fit(X, Y)
    curve = model.evals_result_["validation"]["binary_logloss"]
    assert model.best_score_ == min(curve[: model.n_rounds_]) and 1 <= model.n_rounds_ <= 300


@pytest.mark.parametrize("klass", [RetentionGLM, RetentionGBM, ConversionGBM])
def test_scikit_learn_constructor_checks(klass):
    from sklearn.utils.estimator_checks import (
        check_get_params_invariance,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_set_params,
    )

    for check in (check_parameters_default_constructible, check_no_attributes_set_in_init,
                  check_get_params_invariance, check_set_params):
        check(klass.__name__, klass())


def test_conversion_and_unconstrained_glms_save_and_load(tmp_path):
    from autorisk.demand import ConversionGLM

    quotes = X.drop(columns=["last"])
    for model in (ConversionGLM(["age"], market="market", technical="technical").fit(quotes, Y),
                  RetentionGLM(["age"], price_interactions=["age"], monotone=False, bands=None).fit(X, Y)):
        again = load_demand_model(model.save(tmp_path / f"{type(model).__name__}.json"))
        rows = quotes if isinstance(model, ConversionGLM) else X
        assert np.array_equal(again.predict(rows), model.predict(rows))
        assert again.price_slopes().equals(model.price_slopes())
        assert again.remedy_ == model.remedy_ and again.monotone_ == model.monotone_
