"""On a randomised price test of the synthetic renewal book, the demand GLM recovers the known truth.

The truth (:class:`autorisk.datasets.DemandTruth`): ``logit P = alpha_i + beta_i log(p / last) + gamma
log(p / market)`` with ``beta_i`` shifted by age band and channel, which is RetentionGLM's form with
``price_interactions=["age_band", "channel"]``.
"""

from __future__ import annotations

import numpy as np
import pytest

from autorisk.datasets import price_test, renewal_quotes
from autorisk.demand import RetentionGLM, elasticity_table

SPEC = dict(offered="prem_offered", last="prem_last", market="prem_market")


@pytest.fixture(scope="module")
def fitted():
    book = price_test(renewal_quotes(40_000, seed=4), arms=(-0.1, -0.05, 0.0, 0.05, 0.1), seed=5)
    quotes = book.quotes
    model = RetentionGLM(["age_band", "channel", "claimed"], **SPEC, price_interactions=["age_band", "channel"],
                         base_levels={"age_band": "30-44", "channel": "direct"}).fit(quotes, quotes["renewed"])  # fmt: skip
    return book, model


def test_every_segments_price_slope_and_gamma_lie_in_their_intervals(fitted):
    book, model = fitted
    truth = book.truth
    slopes = model.price_slopes(level=0.999)
    for age, age_shift in truth.beta_shift["age_band"].items():
        for channel, channel_shift in truth.beta_shift["channel"].items():
            cell = f"(age_band={age!r}, channel={channel!r})"
            change, market = slopes.loc[f"change {cell}"], slopes.loc[f"competitiveness {cell}"]
            assert change["ci_lower"] < truth.beta + age_shift + channel_shift < change["ci_upper"], cell
            assert market["ci_lower"] < truth.gamma < market["ci_upper"], cell


def test_the_true_elasticity_by_age_band_lies_in_the_fitted_interval(fitted):
    # mean elasticity of a band = mean over its rows of (1 - P_i) b_i, b_i = own-price slope of the row's cell,
    # linear in the coefficients: L beta with variance L cov L' (the (1 - P) taken as known)
    book, model = fitted
    quotes = book.quotes
    table = elasticity_table(model, quotes, by="age_band")
    true_e = book.truth.elasticity(quotes)
    lapse = 1 - model.predict(quotes)
    row_of = {label: i for i, label in enumerate(model.slope_labels_)}
    cov = model.cov_params_.to_numpy()[1:, 1:]
    for age in table.index:
        L = np.zeros(len(model.coef_))
        in_band = (quotes["age_band"] == age).to_numpy()
        for channel in quotes["channel"].cat.categories:
            mask = in_band & (quotes["channel"] == channel).to_numpy()
            cell = f"(age_band={age!r}, channel={channel!r})"
            own = model.slope_cells_[row_of[f"change {cell}"]] + model.slope_cells_[row_of[f"competitiveness {cell}"]]
            L += lapse[mask].sum() / in_band.sum() * own
        assert table.loc[age, "elasticity"] == pytest.approx(L @ model.coef_, rel=1e-9)
        se = np.sqrt(L @ cov @ L)
        assert abs(table.loc[age, "elasticity"] - true_e[in_band].mean()) < 3.29 * se, age  # 99.9%
