"""The demand models on the real renewals of eudirectlapse: fitted, compared on a held-out 20%, monotone."""

from __future__ import annotations

import numpy as np
import pytest

from autorisk.datasets import load
from autorisk.demand import (
    RetentionGBM,
    RetentionGLM,
    demand_calibration,
    demand_scores,
    elasticity_table,
)

SPEC = dict(offered="prem_final", last="prem_last", market="prem_market", technical="prem_pure")
FACTORS = ["polholder_age", "polholder_bmcevol", "policy_caruse", "prem_freqperyear", "vehicl_region", "policy_age"]


@pytest.fixture(scope="module")
def split():
    book = load("eudirectlapse")
    test = np.random.default_rng(0).random(len(book)) < 0.2
    return book[~test], book[test]


def test_glm_and_gbm_fit_the_real_book_and_rank_the_hold_out(split):
    train, test = split
    renewed_train, renewed_test = 1 - train["lapse"], 1 - test["lapse"]
    glm = RetentionGLM(FACTORS, **SPEC, bands={"polholder_age": [30, 45, 60]}, price_interactions=["polholder_age"]).fit(train, renewed_train)
    gbm = RetentionGBM(FACTORS, **SPEC).fit(train, renewed_train)
    for model in (glm, gbm):
        scores = demand_scores(model, test, renewed_test)
        assert 0.55 < scores["auc"] < 0.8, scores  # price and segments rank lapses on unseen renewals
        assert abs(scores["predicted"] - scores["actual"]) < 0.02
        grid = test["prem_final"].to_numpy()[:, None] * np.linspace(0.8, 1.2, 9)
        assert np.all(np.diff(model.predict_retention(test, grid), axis=1) <= 0)
    assert glm.remedy_.startswith("net re-rating")
    table = elasticity_table(glm, test, by="polholder_age")
    assert table["count"].sum() == len(test) and (table["elasticity"] <= 0).all()
    assert demand_calibration(glm, train, renewed_train).loc["(all)", "ae"] == pytest.approx(1.0, rel=1e-9)
