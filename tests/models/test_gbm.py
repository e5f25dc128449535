"""LightGBM pricing models against independent truths: simulated rates, closed-form fits, sklearn deviances."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import mean_poisson_deviance, mean_tweedie_deviance

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.errors import DataError, ModelError, ParameterError, UnknownCategoryError
from autorisk.models.gbm import FrequencyGBM, SeverityGBM, TweedieGBM, _mean_deviance

REGION_RATE = {"north": 0.06, "south": 0.10, "east": 0.15, "west": 0.25}
AGE_RELATIVITY = {25: 1.6, 45: 1.0, 65: 1.3}
BOOK_FEATURES = ["vehicle_type", "use", "vehicle_age", "new_car_price", "region", "driver_age", "ncd_level", "channel"]


def _cells(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": pd.Categorical(rng.choice(list(REGION_RATE), n), categories=list(REGION_RATE)),
            "age": rng.choice(list(AGE_RELATIVITY), n),
        },
        index=[f"pol{i:05d}" for i in range(n)],
    )


def _true_rate(X: pd.DataFrame) -> np.ndarray:
    return X["region"].astype(object).map(REGION_RATE).to_numpy(float) * X["age"].map(AGE_RELATIVITY).to_numpy(float)


@pytest.fixture(scope="module")
def poisson():
    """Counts with a known rate by region and age, exposure from 0.05 to 2 years; last quarter held out."""
    rng = np.random.default_rng(20)
    n = 40_000
    X = _cells(rng, n)
    exposure = rng.uniform(0.05, 2.0, n)
    y = rng.poisson(_true_rate(X) * exposure)
    train, test = slice(0, 30_000), slice(30_000, None)
    return X.iloc[train], y[train], exposure[train], X.iloc[test], y[test], exposure[test]


@pytest.fixture(scope="module")
def frequency(poisson):
    X, y, e, *_ = poisson
    return FrequencyGBM(["region", "age"], learning_rate=0.2, patience=20).fit(X, y, exposure=e)


@pytest.fixture(scope="module")
def book():
    b = synthetic_book(20_000, 2, seed=11)
    return aggregate_claims(b.policies, b.claims)


@pytest.fixture(scope="module")
def book_model(book):
    monotone = {"ncd_level": 1, "driver_age": -1}
    return FrequencyGBM(BOOK_FEATURES, monotone=monotone, learning_rate=0.1, patience=20).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )


# ------------------------------------------------------------------ frequency
def test_rate_per_cell_matches_the_simulated_truth(poisson, frequency):
    X, y, e, *_ = poisson
    grid = pd.DataFrame(
        [(r, a) for r in REGION_RATE for a in AGE_RELATIVITY], columns=["region", "age"]
    ).astype({"region": X["region"].dtype})
    truth = _true_rate(grid)
    cell_exposure = pd.Series(e).groupby([X["region"].astype(str).to_numpy(), X["age"].to_numpy()]).sum()
    exposure = cell_exposure.loc[list(zip(grid["region"].astype(str), grid["age"], strict=True))].to_numpy()
    standard_error = np.sqrt(truth / exposure)  # of a Poisson rate estimated on the cell's exposure
    z = (frequency.predict(grid) - truth) / standard_error
    assert np.all(np.abs(z) < 4), z


def test_doubling_exposure_doubles_predictions_exactly(poisson, frequency):
    X, e = poisson[0].head(5_000), poisson[2][:5_000]
    once = frequency.predict(X, exposure=e)
    np.testing.assert_array_equal(frequency.predict(X, exposure=2 * e), 2 * once)
    np.testing.assert_array_equal(frequency.predict(X), frequency.predict(X, exposure=1.0))
    np.testing.assert_allclose(once, e * np.exp(frequency.predict_log(X)), rtol=1e-15)


def test_exposure_is_an_offset_not_a_feature(poisson, frequency):
    X, y, e, X_test, y_test, e_test = poisson
    assert frequency.features_ == ["region", "age"]
    assert frequency.booster_.feature_name() == ["region", "age"]
    ignoring = FrequencyGBM(["region", "age"], learning_rate=0.2, patience=20).fit(X, y)
    with_offset = mean_poisson_deviance(y_test, frequency.predict(X_test, exposure=e_test))
    without = mean_poisson_deviance(y_test, ignoring.predict(X_test))
    assert with_offset < 0.9 * without, (with_offset, without)


def test_score_is_d2_with_the_exposure_offset(poisson, frequency):
    _, _, _, X, y, e = poisson
    mu = frequency.predict(X, exposure=e)
    null = e * y.sum() / e.sum()
    expected = 1 - mean_poisson_deviance(y, mu) / mean_poisson_deviance(y, null)
    assert frequency.score(X, y, exposure=e) == pytest.approx(expected, rel=1e-10)
    assert 0 < expected < 0.1


def test_a_model_without_splits_predicts_exposure_times_overall_frequency(poisson):
    X, y, e, *_ = poisson
    model = FrequencyGBM(["region", "age"], early_stopping=None, n_rounds=3, min_exposure_per_leaf=1e12)
    model.fit(X, y, exposure=e)
    np.testing.assert_allclose(model.predict(X, exposure=e), e * y.sum() / e.sum(), rtol=1e-12)


# ------------------------------------------------------------ monotone, book
def test_monotone_constraints_hold_on_a_grid(book, book_model):
    rows = book.sample(400, random_state=1)

    def grid(model, feature, values):
        return np.column_stack([model.predict(rows.assign(**{feature: np.int8(v)})) for v in values])

    ncd = grid(book_model, "ncd_level", range(-4, 6))
    age = grid(book_model, "driver_age", range(18, 86))
    assert np.all(np.diff(ncd, axis=1) >= 0)
    assert np.all(np.diff(age, axis=1) <= 0)
    # without constraints the same data gives violations: the constraints are doing the work
    free = FrequencyGBM(BOOK_FEATURES, learning_rate=0.1, patience=20).fit(
        book, book["claim_count"], exposure=book["exposure"]
    )
    assert np.any(np.diff(grid(free, "driver_age", range(18, 86)), axis=1) > 0)
    # and NCD raises the rate, as in the simulation's truth
    assert np.all(ncd[:, -1] > ncd[:, 0])


def test_contributions_sum_to_the_log_rate(book, book_model):
    rows = book.head(300)
    contributions = book_model.contributions(rows)
    assert list(contributions.columns) == [*BOOK_FEATURES, "bias"]
    assert contributions.index.equals(rows.index)
    np.testing.assert_allclose(contributions.sum(axis=1), book_model.predict_log(rows), rtol=0, atol=1e-10)


def test_encode_gives_integer_codes_of_the_training_levels(book, book_model):
    rows = book.head(50)
    matrix = book_model.encode(rows)
    assert book_model.categorical_ == ["vehicle_type", "use", "region", "channel"]
    for name in book_model.categorical_:
        column = matrix[:, book_model.features_.index(name)]
        levels = book_model.categories_[name]
        assert [levels[int(code)] for code in column] == rows[name].astype(object).tolist()
    np.testing.assert_array_equal(matrix[:, book_model.features_.index("ncd_level")], rows["ncd_level"])


def test_string_and_bool_columns_are_categorical():
    rng = np.random.default_rng(3)
    n = 2_000
    X = pd.DataFrame({"use": rng.choice(["private", "business"], n), "od": rng.random(n) < 0.4, "x": rng.random(n)})
    y = rng.poisson(np.where(X["od"], 0.3, 0.1))
    model = FrequencyGBM(early_stopping=None, n_rounds=20).fit(X, y)
    assert model.categorical_ == ["use", "od"]
    assert model.categories_ == {"use": ["business", "private"], "od": [False, True]}


# ------------------------------------------------------------ reproducibility
def test_same_seed_gives_bit_identical_predictions(book):
    def fit(seed):
        model = FrequencyGBM(
            BOOK_FEATURES, early_stopping=None, n_rounds=60, learning_rate=0.1,
            feature_fraction=0.7, bagging_fraction=0.7, random_state=seed,
        )
        return model.fit(book, book["claim_count"], exposure=book["exposure"]).predict(book)

    first = fit(5)
    np.testing.assert_array_equal(first, fit(5))
    assert not np.array_equal(first, fit(6))


def test_save_and_load_give_bit_identical_predictions_without_pickle(tmp_path, book, book_model):
    folder = book_model.save(tmp_path / "frequency")
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json", "model.txt"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["class"] == "FrequencyGBM" and metadata["family"] == "poisson"
    assert metadata["monotone"] == {"ncd_level": 1, "driver_age": -1}
    assert (folder / "model.txt").read_text().startswith("tree")
    for path in folder.iterdir():
        assert not path.read_bytes().startswith(b"\x80")  # pickle's protocol marker

    loaded = FrequencyGBM.load(folder)
    rows = book.head(2_000)
    np.testing.assert_array_equal(loaded.predict(rows, exposure=rows["exposure"]), book_model.predict(rows, exposure=rows["exposure"]))
    pd.testing.assert_frame_equal(loaded.contributions(rows), book_model.contributions(rows))
    assert loaded.get_params() == book_model.get_params()
    for attribute in ("features_", "categorical_", "categories_", "n_rounds_", "base_score_", "best_score_", "family_"):
        assert getattr(loaded, attribute) == getattr(book_model, attribute), attribute
    with pytest.raises(ModelError, match="FrequencyGBM"):
        SeverityGBM.load(folder)


# ------------------------------------------------------------ early stopping
def _noisy(seed: int, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A weak signal in a little data: boosting soon fits noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.random(n), "z": rng.random(n), "w": rng.normal(size=n)})
    return X, rng.poisson(0.1 * np.exp(0.3 * X["x"]))


@pytest.fixture(scope="module")
def noisy():
    return _noisy(8, 4_000)


def test_validation_early_stopping_chooses_fewer_rounds(noisy):
    X, y = noisy
    options = {"learning_rate": 0.2, "min_exposure_per_leaf": 5}
    model = FrequencyGBM(early_stopping="validation", max_rounds=2_000, patience=20, **options).fit(X, y)
    curve = model.evals_result_["validation"]["deviance"]
    assert model.n_rounds_ < 200
    assert model.n_rounds_ == int(np.argmin(curve)) + 1
    assert model.best_score_ == min(curve)
    assert len(curve) == model.n_rounds_ + 20  # stopped after `patience` rounds without improvement
    assert model.booster_.num_trees() == model.n_rounds_  # refitted on all rows
    # on fresh data the early-stopped model beats one boosted for many more rounds
    overfit = FrequencyGBM(early_stopping=None, n_rounds=300, **options).fit(X, y)
    X_new, y_new = _noisy(9, 20_000)
    assert mean_poisson_deviance(y_new, model.predict(X_new)) < mean_poisson_deviance(y_new, overfit.predict(X_new))


def test_auto_minimum_exposure_per_leaf_is_ten_expected_claims():
    """The resolved minimum: the exposure (claims, rows with a loss) in which the book expects 10 claims."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.random(3_000)})
    exposure = rng.uniform(0.2, 1.0, 3_000)
    y = rng.poisson(0.08 * exposure)
    options = dict(early_stopping=None, n_rounds=5)
    frequency = FrequencyGBM(**options).fit(X, y, exposure)
    assert frequency.min_exposure_per_leaf_ == pytest.approx(10 * exposure.sum() / y.sum(), rel=1e-12)
    # in LightGBM's hessian: 10 claims times e^0.7 (the Poisson max_delta_step), whatever the book's frequency
    assert frequency.lgb_params_["min_sum_hessian_in_leaf"] == pytest.approx(10 * np.exp(0.7), rel=1e-12)
    amount = np.where(y > 0, rng.gamma(2.0, 500.0, 3_000) * y, 0.0)
    severity = SeverityGBM(**options).fit(X, amount, y)
    assert severity.min_exposure_per_leaf_ == 10.0
    tweedie = TweedieGBM(**options).fit(X, amount, exposure)
    assert tweedie.min_exposure_per_leaf_ == pytest.approx(10 * exposure.sum() / np.sum(amount > 0), rel=1e-12)
    assert FrequencyGBM(min_exposure_per_leaf=25.0, **options).fit(X, y, exposure).min_exposure_per_leaf_ == 25.0
    with pytest.raises(ParameterError, match="min_exposure_per_leaf"):
        FrequencyGBM(min_exposure_per_leaf="automatic", **options).fit(X, y, exposure)


def test_cv_early_stopping_chooses_fewer_rounds(noisy):
    X, y = noisy
    model = FrequencyGBM(
        early_stopping="cv", n_folds=3, learning_rate=0.2, max_rounds=2_000, patience=20, min_exposure_per_leaf=5
    ).fit(X, y)
    curve = model.evals_result_["cv"]["deviance-mean"]
    assert model.n_rounds_ < 200
    assert len(curve) == model.n_rounds_ and model.best_score_ == min(curve)
    assert model.booster_.num_trees() == model.n_rounds_


@pytest.mark.parametrize("power", [1.0, 1.5, 2.0])
def test_validation_deviance_matches_scikit_learn(power):
    rng = np.random.default_rng(1)
    y = rng.gamma(1.0, 1.0, 500) * (rng.random(500) < (0.3 if power < 2 else 1.0))
    y = rng.poisson(2.0, 500).astype(float) if power == 1.0 else y
    mu, weight = rng.uniform(0.5, 2.0, 500), rng.uniform(0.1, 3.0, 500)
    expected = mean_tweedie_deviance(y, mu, sample_weight=weight, power=power)
    assert _mean_deviance(y, mu, weight, power) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------ severity, tweedie
SEVERITY_MEAN = {"a": 800.0, "b": 1_500.0, "c": 3_000.0}
SHAPE = 2.0


@pytest.fixture(scope="module")
def severity():
    """Claim amounts: sums of `count` gamma claims with a known mean by level; a third of rows without claims."""
    rng = np.random.default_rng(12)
    n = 12_000
    X = pd.DataFrame({"level": rng.choice(list(SEVERITY_MEAN), n)})
    counts = rng.choice([0, 1, 2, 3], n, p=[0.3, 0.45, 0.15, 0.1])
    mean = X["level"].map(SEVERITY_MEAN).to_numpy()
    amount = np.where(counts > 0, rng.gamma(SHAPE * np.maximum(counts, 1), mean / SHAPE), 0.0)
    return X, amount, counts


def test_severity_matches_the_truth_and_the_claim_weighted_mean(severity):
    X, amount, counts = severity
    model = SeverityGBM(early_stopping=None, n_rounds=300, learning_rate=0.1).fit(X, amount, claim_count=counts)
    levels = pd.DataFrame({"level": list(SEVERITY_MEAN)})
    predicted = model.predict(levels)
    truth = np.array(list(SEVERITY_MEAN.values()))
    claims = pd.Series(counts).groupby(X["level"].to_numpy()).sum().loc[levels["level"]].to_numpy()
    assert np.all(np.abs(predicted - truth) < 4 * truth / np.sqrt(SHAPE * claims))
    # the Gamma fit weighted by claim count is total amount / total claims per level
    totals = pd.Series(amount).groupby(X["level"].to_numpy()).sum().loc[levels["level"]].to_numpy()
    np.testing.assert_allclose(predicted, totals / claims, rtol=5e-3)
    assert model.family_ == "gamma"


def test_severity_ignores_rows_without_claims(severity):
    X, amount, counts = severity
    model = SeverityGBM(early_stopping=None, n_rounds=30)
    with_zeros = model.fit(X, amount, claim_count=counts).predict(X.head(20))
    has = counts > 0
    only_claims = clone(model).fit(X[has], amount[has], claim_count=counts[has]).predict(X.head(20))
    np.testing.assert_array_equal(with_zeros, only_claims)


def test_severity_no_split_model_is_the_overall_average_claim(severity):
    X, amount, counts = severity
    model = SeverityGBM(early_stopping=None, n_rounds=3, min_exposure_per_leaf=1e12).fit(X, amount, counts)
    np.testing.assert_allclose(model.predict(X.head(5)), amount.sum() / counts.sum(), rtol=1e-12)


FREQUENCY = {"a": 0.1, "b": 0.2, "c": 0.3}


@pytest.fixture(scope="module")
def tweedie():
    """Compound Poisson-gamma losses: known frequency by level, severity by a 0/1 flag, varying exposure."""
    rng = np.random.default_rng(13)
    n = 40_000
    X = pd.DataFrame({"level": rng.choice(list(FREQUENCY), n), "flag": rng.integers(0, 2, n)})
    exposure = rng.uniform(0.1, 1.5, n)
    severity = np.where(X["flag"] == 1, 2_000.0, 1_000.0)
    counts = rng.poisson(X["level"].map(FREQUENCY).to_numpy() * exposure)
    loss = np.where(counts > 0, rng.gamma(SHAPE * np.maximum(counts, 1), severity / SHAPE), 0.0)
    return X, loss, exposure


def test_tweedie_expected_loss_matches_the_truth(tweedie):
    X, loss, exposure = tweedie
    # fixed rounds: this checks the loss and exposure treatment, not early stopping
    model = TweedieGBM(early_stopping=None, n_rounds=300, learning_rate=0.1).fit(X, loss, exposure=exposure)
    grid = pd.DataFrame([(level, flag) for level in FREQUENCY for flag in (0, 1)], columns=["level", "flag"])
    frequency = grid["level"].map(FREQUENCY).to_numpy()
    mean = np.where(grid["flag"] == 1, 2_000.0, 1_000.0)
    truth = frequency * mean
    cell_exposure = (
        pd.Series(exposure).groupby([X["level"].to_numpy(), X["flag"].to_numpy()]).sum()
        .loc[list(zip(grid["level"], grid["flag"], strict=True))].to_numpy()
    )
    # variance of a compound Poisson total per unit exposure: frequency * E[claim^2]
    standard_error = np.sqrt(frequency * mean**2 * (1 + 1 / SHAPE) / cell_exposure)
    predicted = model.predict(grid)
    assert np.all(np.abs(predicted - truth) < 4 * standard_error)
    # converged, the fit per cell is the cell's loss per unit exposure (the weighted Tweedie MLE)
    cell_loss = (
        pd.Series(loss).groupby([X["level"].to_numpy(), X["flag"].to_numpy()]).sum()
        .loc[list(zip(grid["level"], grid["flag"], strict=True))].to_numpy()
    )
    np.testing.assert_allclose(predicted, cell_loss / cell_exposure, rtol=1e-2)
    np.testing.assert_array_equal(model.predict(grid, exposure=2.0), 2 * model.predict(grid))
    assert model.family_ == "tweedie" and model.lgb_params_["tweedie_variance_power"] == 1.5


def test_tweedie_no_split_model_is_loss_per_unit_exposure(tweedie):
    X, loss, exposure = tweedie
    model = TweedieGBM(early_stopping=None, n_rounds=3, min_exposure_per_leaf=1e12).fit(X, loss, exposure)
    np.testing.assert_allclose(model.predict(X.head(5), exposure[:5]), exposure[:5] * loss.sum() / exposure.sum(), rtol=1e-12)


# ------------------------------------------------------------ bad input
def _named(error, column, row, value=None):
    text = str(error)
    assert f"'{column}'" in text and repr(row) in text, text
    if value is not None:
        assert repr(value) in text, text


def test_unseen_level_at_prediction_raises(poisson, frequency):
    X = poisson[0].head(4).astype({"region": object})
    X.loc["pol00002", "region"] = "centre"
    with pytest.raises(UnknownCategoryError) as info:
        frequency.predict(X)
    _named(info.value, "region", "pol00002", "centre")


def test_missing_values_raise_at_fit_and_prediction(poisson, frequency):
    X, y, e, *_ = poisson
    X = X.astype({"age": float, "region": object})
    X.loc["pol00007", "age"] = np.nan
    with pytest.raises(DataError) as info:
        FrequencyGBM(["region", "age"], early_stopping=None, n_rounds=5).fit(X, y, exposure=e)
    _named(info.value, "age", "pol00007")
    with pytest.raises(DataError) as info:
        frequency.predict(X.head(10))
    _named(info.value, "age", "pol00007")
    X = poisson[0].head(10).astype({"region": object})
    X.loc["pol00003", "region"] = None
    with pytest.raises(DataError) as info:
        frequency.predict(X)
    _named(info.value, "region", "pol00003")


@pytest.mark.parametrize("bad", [0.0, -0.5])
def test_exposure_must_be_positive(poisson, bad):
    X, y, e, *_ = poisson
    e = e.copy()
    e[4] = bad
    for model, response in ((FrequencyGBM(early_stopping=None, n_rounds=5), y), (TweedieGBM(early_stopping=None, n_rounds=5), y * 1_000.0)):
        with pytest.raises(DataError) as info:
            model.fit(X, response, exposure=e)
        _named(info.value, "exposure", "pol00004", bad)


def test_negative_exposure_at_prediction_raises(poisson, frequency):
    X = poisson[0].head(3)
    with pytest.raises(DataError, match="'exposure'"):
        frequency.predict(X, exposure=[1.0, -1.0, 1.0])


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"monotone": {"region": 1}}, "region"),
        ({"monotone": {"mileage": 1}}, "mileage"),
        ({"monotone": {"age": 2}}, "age"),
        ({"early_stopping": None}, "n_rounds"),
        ({"n_rounds": 100}, "early_stopping=None"),
        ({"early_stopping": "holdout"}, "'validation', 'cv', None"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"params": {"objective": "regression"}}, "objective"),
        ({"features": "region"}, "list"),
    ],
)
def test_bad_options_raise_naming_the_option(poisson, options, named):
    X, y, e, *_ = poisson
    settings = {"features": ["region", "age"], **options}
    with pytest.raises(ParameterError) as info:
        FrequencyGBM(**settings).fit(X, y, exposure=e)
    assert named in str(info.value)


def test_tweedie_power_outside_one_two_raises(tweedie):
    X, loss, exposure = tweedie
    with pytest.raises(ParameterError, match="power"):
        TweedieGBM(power=2.5, early_stopping=None, n_rounds=5).fit(X, loss, exposure)


def test_columns_passed_as_response_cannot_become_features(book):
    with pytest.raises(ParameterError, match="claim_count"):
        FrequencyGBM(early_stopping=None, n_rounds=5).fit(book, book["claim_count"], exposure=book["exposure"])


def test_no_claims_or_no_losses_raise(poisson):
    X, _, e, *_ = poisson
    with pytest.raises(ModelError, match="nothing to fit"):
        FrequencyGBM(early_stopping=None, n_rounds=5).fit(X, np.zeros(len(X)), exposure=e)
    with pytest.raises(DataError, match="claim_count"):
        SeverityGBM(early_stopping=None, n_rounds=5).fit(X, np.zeros(len(X)), claim_count=np.zeros(len(X)))


# ------------------------------------------------------------ scikit-learn
def test_clone_and_get_params_round_trip(frequency):
    params = frequency.get_params()
    assert FrequencyGBM(**params).get_params() == params
    copy = clone(frequency)
    assert copy.get_params() == params and not hasattr(copy, "booster_")
    copy.set_params(learning_rate=0.3, monotone={"age": 1})
    assert copy.learning_rate == 0.3 and frequency.learning_rate == 0.2
    assert frequency.monotone is None
    tweedie_params = TweedieGBM(power=1.7).get_params()
    assert tweedie_params["power"] == 1.7 and clone(TweedieGBM(power=1.7)).power == 1.7
