"""FrequencyGBM on the synthetic book: the planted interaction is found and the GBM becomes a tariff.

The book's planted interaction (young drivers in expensive cars, see
:mod:`autorisk.datasets.truth`) is strongest on own damage (``a = 1.5``
against 1.0 for TPL and 0.8 for CTPL), so the model here is the OD
frequency on the periods with OD cover: with TPL, 200,000 policy-years are
too few for a GBM to tell the planted pair from its own noise reliably.
"""

import numpy as np
import pandas as pd
import pytest

from autorisk.data import aggregate_claims
from autorisk.datasets import synthetic_book
from autorisk.evaluate import poisson_deviance
from autorisk.explain import gbm_to_tariff, interaction_strength, partial_dependence, shap_effects
from autorisk.models import FrequencyGBM, FrequencyGLM
from autorisk.rating import RatingPlan, coverage_from_glm

FEATURES = [
    "vehicle_type", "use", "vehicle_age", "driver_age", "region",
    "ncd_level", "channel", "new_car_price", "gender",
]  # fmt: skip
PLANTED = ("driver_age", "new_car_price")


@pytest.fixture(scope="module")
def book():
    book = synthetic_book(100_000, 2, seed=3)
    data = aggregate_claims(book.policies, book.claims)
    data = data[data["od_cover"]]
    is_test = np.random.default_rng(3).random(len(data)) < 0.3
    return data[~is_test], data[is_test], book.truth


@pytest.fixture(scope="module")
def gbm(book):
    train, _, _ = book
    return FrequencyGBM(FEATURES, learning_rate=0.1).fit(train, train["claim_count_od"], train["exposure"])


@pytest.fixture(scope="module")
def tariff(book, gbm):
    train, test, _ = book
    return gbm_to_tariff(
        gbm, train, train["claim_count_od"], train["exposure"], interactions=1,
        test=(test, test["claim_count_od"], test["exposure"]),
    )  # fmt: skip


def test_the_gbm_beats_the_main_effects_glm_on_held_out_deviance(book, gbm):
    """The GLM has the truth's own main-effect structure (its bands) but not the planted interaction."""
    train, test, truth = book
    bands = {"driver_age": [25, 30, 45, 60], "vehicle_age": [2, 4, 7, 10]}
    factors = ["vehicle_type", "use", "vehicle_age", "driver_age", "region", "ncd_level", "channel"]
    as_levels = {"ncd_level": lambda d: d["ncd_level"].astype("category")}
    glm = FrequencyGLM(factors, bands=bands).fit(train.assign(**as_levels), train["claim_count_od"],
                                                 exposure=train["exposure"])  # fmt: skip
    y, e = test["claim_count_od"].to_numpy(), test["exposure"].to_numpy()
    glm_deviance = poisson_deviance(y, glm.predict(test.assign(**as_levels), e), exposure=e)
    gbm_deviance = poisson_deviance(y, gbm.predict(test, e), exposure=e)
    assert gbm_deviance < glm_deviance
    # where the gain comes from: young drivers in expensive cars, whom the GLM under-prices
    planted = ((test["driver_age"] < 25) & (test["new_car_price"] >= 250_000)).to_numpy()
    actual = y[planted].sum()
    glm_ae = actual / glm.predict(test.assign(**as_levels), e)[planted].sum()
    gbm_ae = actual / gbm.predict(test, e)[planted].sum()
    assert glm_ae > 1.2 and abs(gbm_ae - 1) < abs(glm_ae - 1)


def test_the_detector_ranks_the_planted_pair_first(tariff):
    ranking = tariff.interaction_table
    assert len(ranking) == len(FEATURES) * (len(FEATURES) - 1) // 2
    assert tuple(ranking[["feature_a", "feature_b"]].iloc[0]) == PLANTED
    assert tariff.interactions == [PLANTED]


def test_the_tariff_keeps_at_least_80_percent_of_the_gbm_gini_on_held_out_data(tariff):
    assert tariff.gini_data == "test"
    assert tariff.gini_gbm > 0.1
    assert tariff.gini_ratio >= 0.8
    assert tariff.gini_ratio == pytest.approx(tariff.gini_tariff / tariff.gini_gbm)


def test_the_tariff_bands_and_its_rating_plan_reproduce_the_glm(book, tariff):
    _, test, _ = book
    assert set(tariff.bands) == {"vehicle_age", "driver_age", "ncd_level", "new_car_price"}
    for cuts in tariff.bands.values():
        assert 1 <= len(cuts) <= 5 and np.all(np.diff(cuts) > 0)
    plan = RatingPlan("od frequency", "1", (coverage_from_glm(tariff.glm, "od"),))  # reads the raw columns
    premium = plan.quote(test)["premium_od"].to_numpy()
    np.testing.assert_allclose(premium, tariff.glm.predict(test), rtol=1e-9, atol=0)
    pair = next(f for f in plan.coverages[0].factors if f.kind == "interaction")
    assert {pair.column_a, pair.column_b} == set(PLANTED) and pair.cut_points_a and pair.cut_points_b
    np.testing.assert_allclose(premium, tariff.predict(test), rtol=1e-9, atol=0)
    assert "Gini on test data" in repr(tariff)


def test_shap_contributions_sum_to_the_log_prediction(book, gbm):
    _, test, _ = book
    rows = test.iloc[:2_000]
    contributions = gbm.contributions(rows)
    assert list(contributions.columns) == [*FEATURES, "bias"]
    np.testing.assert_allclose(contributions.sum(axis=1), gbm.predict_log(rows), atol=1e-9)


def test_shap_effects_by_level_have_the_sign_of_the_true_relativities(book, gbm):
    _, test, truth = book
    rows = test.iloc[:10_000]
    effects = shap_effects(gbm, rows, rows["exposure"], bands={"driver_age": [25, 30, 45, 60]})
    assert set(effects["feature"]) == set(FEATURES)
    by_feature = {f: table.set_index("level") for f, table in effects.groupby("feature")}
    assert np.average(by_feature["region"]["relativity"], weights=by_feature["region"]["exposure"]) == (
        pytest.approx(1.0, abs=0.02)
    )

    # NCD: every level against level 0 has the sign of the true log relativity.
    ncd = by_feature["ncd_level"]
    shap_ncd = ncd["contribution"] - ncd.loc[0, "contribution"]
    true_ncd = np.log(pd.Series(truth.relativities["od"]["ncd_level"])).reindex(shap_ncd.index)
    assert len(shap_ncd) == 10
    assert (np.sign(shap_ncd) == np.sign(true_ncd)).all()

    # Driver age in the truth's bands, against 30-44: young and old drivers cost more.
    age = by_feature["driver_age"]
    assert age.index.tolist() == ["<25", "[25, 30)", "[30, 45)", "[45, 60)", ">=60"]
    shap_age = (age["contribution"] - age.loc["[30, 45)", "contribution"]).drop("[30, 45)")
    true_age = np.log(pd.Series(truth.relativities["od"]["driver_age_band"])).drop("30-44")
    assert (np.sign(shap_age.to_numpy()) == np.sign(true_age.to_numpy())).all()


def test_partial_dependence_of_the_gbm_follows_the_ncd_ladder(book, gbm):
    train, _, truth = book
    curve = partial_dependence(gbm, train, "ncd_level", exposure=train["exposure"], sample=1_000)
    assert curve["value"].tolist() == list(range(-4, 6))
    relativity = curve.set_index("value")["rate"] / curve.set_index("value").loc[0, "rate"]
    true = pd.Series(truth.relativities["od"]["ncd_level"])
    # the well-exposed levels within 10% of the truth
    for level in (-4, -3, -2, -1, 1):
        assert relativity[level] == pytest.approx(true[level], rel=0.1)


def test_interaction_strength_is_model_agnostic_and_seeded(book, gbm):
    train, _, _ = book
    features = ["driver_age", "new_car_price", "region"]
    first = interaction_strength(gbm, train, features=features, exposure=train["exposure"], sample=200, seed=5)
    again = interaction_strength(gbm, train, features=features, exposure=train["exposure"], sample=200, seed=5)
    pd.testing.assert_frame_equal(first, again)
    assert tuple(first[["feature_a", "feature_b"]].iloc[0]) == PLANTED
