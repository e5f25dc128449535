"""Penalised GLMs (``penalty=``): fused lasso merges equal neighbours, lasso selects, ridge shrinks.

Known truths on synthetic books, a reference fit by glum called directly on a
hand-built thermometer design, the unpenalised fit at alpha 0, and a plan and
a saved model that reproduce the penalised model's predictions.
"""

import glum
import numpy as np
import pandas as pd
import pytest

from autorisk.errors import ParameterError
from autorisk.evaluate import plot_alpha_path
from autorisk.models import FrequencyGLM, Penalty, SeverityGLM, TweedieGLM, load_model
from autorisk.models.families import POISSON
from autorisk.rating import RatingPlan, coverage_from_glm

#: True relativities of an 8-level ordered factor: three groups of equal neighbours.
AGE_TRUTH = np.array([1.0, 1.0, 1.0, 1.3, 1.3, 1.3, 1.6, 1.6])
TRUE_GROUPS = 3


def age_book(n, seed, noise=False):
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 8, n)
    exposure = rng.uniform(0.5, 1.0, n)
    X = pd.DataFrame({"age": pd.Categorical(age, categories=range(8), ordered=True)})
    mu = 0.2 * exposure * AGE_TRUTH[age]
    if noise:  # a pure-noise factor and a strong one
        X["noise"] = rng.choice(list("abcd"), n)
        X["region"] = rng.choice(list("xyz"), n)
        mu = mu * X["region"].map({"x": 1.0, "y": 1.5, "z": 0.7}).to_numpy()
    return X, rng.poisson(mu), exposure


@pytest.fixture(scope="module")
def book():
    return age_book(8_000, 0)


@pytest.fixture(scope="module")
def fused(book):
    X, y, exposure = book
    return FrequencyGLM(["age"], penalty=Penalty("fused", n_alphas=15, seed=0)).fit(X, y, exposure=exposure)


def held_out_deviance(model):
    X, y, exposure = age_book(20_000, 100)
    return POISSON.deviance(y, model.predict(X, exposure=exposure), np.ones(len(y)))


def test_fused_lasso_merges_equal_neighbours_and_predicts_no_worse_than_the_unpenalised_glm(book, fused):
    X, y, exposure = book
    relativities = fused.relativities().set_index("level")["relativity"].reindex(range(8)).to_numpy()
    groups = len(np.unique(relativities))
    # CV-chosen strength: the number of groups within one of the truth's three (8 unpenalised)
    assert abs(groups - TRUE_GROUPS) <= 1, relativities
    assert groups == fused.alpha_path_.set_index("alpha").loc[fused.alpha_, "age"]
    # merged levels are neighbours: the fitted step function rises as the truth does
    assert np.all(np.diff(relativities) >= 0), relativities
    unpenalised = FrequencyGLM(["age"]).fit(X, y, exposure=exposure)
    assert len(np.unique(unpenalised.relativities()["relativity"])) == 8
    assert held_out_deviance(fused) <= held_out_deviance(unpenalised)


@pytest.mark.parametrize("kind", ["fused", "lasso", "ridge"])
def test_at_alpha_zero_every_penalty_is_the_unpenalised_fit(book, kind):
    X, y, exposure = book
    penalised = FrequencyGLM(["age"], penalty=Penalty(kind, alpha=0.0)).fit(X, y, exposure=exposure)
    unpenalised = FrequencyGLM(["age"]).fit(X, y, exposure=exposure)
    np.testing.assert_allclose(penalised.params_, unpenalised.params_, rtol=0, atol=1e-10)
    assert list(penalised.params_.index) == list(unpenalised.params_.index)
    assert penalised.alpha_ == 0.0 and penalised.penalties_ == {"age": kind}


def test_the_fused_fit_is_glums_on_a_thermometer_design_with_the_same_penalty(book):
    X, y, exposure = book
    alpha = 2e-3
    model = FrequencyGLM(["age"], penalty=Penalty("fused", alpha=alpha)).fit(X, y, exposure=exposure)
    codes = X["age"].cat.codes.to_numpy()
    thermometer = np.column_stack([(codes >= j).astype(float) for j in range(1, 8)])
    reference = glum.GeneralizedLinearRegressor(
        family="poisson", link="log", alpha=alpha, l1_ratio=1.0, gradient_tol=1e-10
    ).fit(thermometer, y, offset=np.log(exposure))
    steps = reference.coef_
    assert np.count_nonzero(steps) < 7  # the penalty has merged some neighbours at this strength
    truth = np.exp(np.r_[0.0, np.cumsum(steps)])  # relativity of each level to the first
    fitted = model.relativities().set_index("level")["relativity"].reindex(range(8)).to_numpy()
    np.testing.assert_allclose(fitted / fitted[0], truth, rtol=1e-6)
    np.testing.assert_allclose(
        model.predict(X, exposure=exposure), reference.predict(thermometer, offset=np.log(exposure)), rtol=1e-6
    )


def test_the_relaxed_fused_fit_is_the_unpenalised_glm_on_the_levels_it_merged(book):
    X, y, exposure = book
    relaxed = FrequencyGLM(["age"], penalty=Penalty("fused", alpha=2e-3, relax=True)).fit(X, y, exposure=exposure)
    shrunk = FrequencyGLM(["age"], penalty=Penalty("fused", alpha=2e-3)).fit(X, y, exposure=exposure)
    table = relaxed.relativities().set_index("level")["relativity"].reindex(range(8))
    # the same grouping as the penalised fit at that alpha, without its shrinkage
    assert (table.diff().fillna(0) == 0).tolist() == (
        shrunk.relativities().set_index("level")["relativity"].reindex(range(8)).diff().fillna(0) == 0
    ).tolist()
    labels = {value: f"g{i}" for i, value in enumerate(dict.fromkeys(table))}
    groups = {level: labels[value] for level, value in table.items()}
    assert 1 < len(set(groups.values())) < 8
    merged = FrequencyGLM(["age"], groups={"age": groups}).fit(X, y, exposure=exposure)
    np.testing.assert_allclose(relaxed.predict(X), merged.predict(X), rtol=1e-6)


def test_the_relaxed_path_keeps_the_grouping_and_fits_the_training_rows_at_least_as_closely(book):
    X, y, exposure = book
    spec = dict(n_alphas=8, n_folds=3, seed=0)
    plain = FrequencyGLM(["age"], penalty=Penalty("fused", **spec)).fit(X, y, exposure=exposure)
    relaxed = FrequencyGLM(["age"], penalty=Penalty("fused", relax=True, **spec)).fit(X, y, exposure=exposure)
    np.testing.assert_array_equal(relaxed.alpha_path_["age"], plain.alpha_path_["age"])
    # the relaxed fit maximises the likelihood over the groupings the penalised one satisfies
    assert np.all(relaxed.selection_path_["deviance"] <= plain.selection_path_["deviance"] * (1 + 1e-12))


def test_lasso_drops_the_pure_noise_factor_before_the_real_ones():
    X, y, exposure = age_book(6_000, 1, noise=True)
    model = FrequencyGLM(["age", "noise", "region"], penalty=Penalty("lasso", n_alphas=12, n_folds=3, seed=0))
    path = model.fit(X, y, exposure=exposure).selection_path_
    assert model.penalties_ == {"age": "lasso", "noise": "lasso", "region": "lasso"}
    entry = {factor: path.loc[path[factor], "alpha"].max() if path[factor].any() else 0.0 for factor in model.penalties_}
    assert entry["noise"] < min(entry["age"], entry["region"]), entry
    assert path["alpha"].is_monotonic_decreasing and not path.iloc[0][["age", "noise"]].any()
    assert path["deviance"].is_monotonic_decreasing  # less penalty, closer fit to the training rows


def test_the_one_standard_error_rule_chooses_a_strength_no_smaller_than_the_minimum(book, fused):
    X, y, exposure = book
    one_se = FrequencyGLM(["age"], penalty=Penalty("fused", n_alphas=15, seed=0, rule="1se")).fit(X, y, exposure=exposure)
    path = fused.alpha_path_
    assert fused.alpha_ == path.loc[path["cv_deviance"].idxmin(), "alpha"]
    assert one_se.alpha_ >= fused.alpha_
    pd.testing.assert_frame_equal(one_se.alpha_path_, path)  # the same folds, the same path
    best = path.loc[path["cv_deviance"].idxmin()]
    chosen = path.set_index("alpha").loc[one_se.alpha_]
    assert chosen["cv_deviance"] <= best["cv_deviance"] + best["cv_deviance_se"]


def test_the_summary_names_the_penalty_and_the_path_plots(book, fused):
    assert fused.summary().statistics()["penalty"] == f"age fused; alpha {fused.alpha_:.4g} (CV)"
    ax = plot_alpha_path(fused.alpha_path_, alpha=fused.alpha_)
    assert len(ax.lines) == 2 and len(ax.figure.axes[-1].lines) == 1  # deviance, chosen alpha; age's levels
    X, y, exposure = book
    assert "penalty" not in FrequencyGLM(["age"]).fit(X, y, exposure=exposure).summary().statistics()


def test_a_plan_built_from_a_penalised_glm_quotes_its_predictions(book, fused):
    X, _, _ = book
    plan = RatingPlan("fused", "1", (coverage_from_glm(fused, "tpl"),))
    np.testing.assert_allclose(plan.quote(X)["premium_tpl"], fused.predict(X), rtol=1e-9, atol=0)


def test_a_penalised_glm_saves_and_loads_with_the_same_predictions_and_paths(book, fused, tmp_path):
    X, _, _ = book
    again = load_model(fused.save(tmp_path / "fused.json"))
    assert isinstance(again, FrequencyGLM) and again.penalty == fused.penalty
    assert np.array_equal(again.predict(X), fused.predict(X))
    assert again.alpha_ == fused.alpha_ and again.penalties_ == fused.penalties_
    pd.testing.assert_frame_equal(again.alpha_path_, fused.alpha_path_, check_exact=True)
    pd.testing.assert_frame_equal(again.selection_path_, fused.selection_path_, check_exact=True)


def test_bands_are_fused_and_unordered_factors_fall_back_to_lasso():
    rng = np.random.default_rng(2)
    X = pd.DataFrame({"driver_age": rng.uniform(18, 80, 3_000), "area": rng.choice(list("abc"), 3_000)})
    y = rng.poisson(np.where(X["driver_age"] < 30, 0.3, 0.15))
    model = FrequencyGLM(bands={"driver_age": "quantile"}, n_bands=6, penalty="fused").fit(X, y)
    assert model.penalties_ == {"driver_age": "fused", "area": "lasso"}
    bands = model.design_.terms[0].levels  # low to high: the thermometer's order
    table = model.relativities().query("factor == 'driver_age'").set_index("level")["relativity"].reindex(bands)
    assert table.iloc[0] == table.max() > table.iloc[1:].max()  # the young drivers' step of the truth
    assert isinstance(model.penalty, str) and "alpha_path_" in vars(model)


def test_ridge_shrinks_severity_and_tweedie_coefficients_toward_the_base_the_more_the_stronger():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"area": rng.choice(list("abcde"), 400)})
    truth = X["area"].map(dict(zip("abcde", [1.0, 1.2, 0.8, 1.5, 0.9], strict=True))).to_numpy()
    amount = rng.gamma(2.0, 500.0 * truth)
    for klass, extra in ((SeverityGLM, {}), (TweedieGLM, {"exposure": np.ones(400)})):
        norms = [np.linalg.norm(klass(["area"]).fit(X, amount, **extra).coef_)]
        for alpha in (0.01, 0.1, 1.0):
            model = klass(["area"], penalty=Penalty("ridge", alpha=alpha)).fit(X, amount, **extra)
            norms.append(np.linalg.norm(model.coef_))
        assert np.all(np.diff(norms) < 0), (klass.__name__, norms)


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        (dict(kind="group"), "kind"),
        (dict(rule="best"), "rule"),
        (dict(n_alphas=1), "n_alphas"),
        (dict(n_folds=True), "n_folds"),
        (dict(alpha=-0.1), "alpha"),
        (dict(alpha=float("nan")), "alpha"),
        (dict(factors={"age": "smooth"}), "'age'"),
        (dict(factors={}), "factors"),
        (dict(seed=1.5), "seed"),
    ],
)
def test_a_bad_penalty_spec_raises_a_parameter_error_naming_it(spec, named):
    with pytest.raises(ParameterError, match=named):
        Penalty(**spec)


def test_a_bad_penalty_argument_or_factor_raises_a_parameter_error_naming_it(book):
    X, y, exposure = book
    with pytest.raises(ParameterError, match="penalty must be"):
        FrequencyGLM(["age"], penalty=0.1).fit(X, y, exposure=exposure)
    with pytest.raises(ParameterError, match="penalty kind"):
        FrequencyGLM(["age"], penalty="elastic").fit(X, y, exposure=exposure)
    with pytest.raises(ParameterError, match=r"\['vehicle'\]"):
        FrequencyGLM(["age"], penalty=Penalty(factors={"vehicle": "ridge"})).fit(X, y, exposure=exposure)
