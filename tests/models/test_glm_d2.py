"""Review 7: one definition of D^2 for ``score()`` and ``summary()``.

The null model fits only an intercept and keeps every offset of the model:
the exposure and the fixed relativities of restricted factors. The reference
null deviance is statsmodels' intercept-only GLM with that offset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from autorisk.models import FrequencyGLM, TweedieGLM

RESTRICTED = {"north": 1.0, "south": 1.6, "east": 0.7}


def _book(n: int = 4_000, seed: int = 11) -> pd.DataFrame:
    """Claims whose region effect is exactly the restricted table; use has a real effect."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "region": rng.choice(list(RESTRICTED), n),
            "use": rng.choice(["private", "business"], n, p=[0.7, 0.3]),
            "exposure": rng.uniform(0.2, 1.0, n),
        }
    )
    rate = 0.12 * data["region"].map(RESTRICTED) * np.where(data["use"] == "business", 1.4, 1.0)
    data["claims"] = rng.poisson(rate * data["exposure"])
    data["amount"] = np.where(data["claims"] > 0, rng.gamma(2.0, 1500.0, n) * data["claims"], 0.0)
    return data


def _statsmodels_null_deviance(y, family, offset, weights=None) -> float:
    fitted = sm.GLM(np.asarray(y, float), np.ones((len(y), 1)), family=family, offset=offset,
                    var_weights=weights).fit(tol=1e-14)  # fmt: skip
    return float(fitted.deviance)


def test_frequency_score_on_training_rows_is_the_summary_d2_with_offsets_in_the_null():
    data = _book()
    model = FrequencyGLM(["use"], restrict={"region": RESTRICTED}).fit(
        data, data["claims"], exposure=data["exposure"]
    )
    offset = np.log(data["exposure"]) + np.log(data["region"].map(RESTRICTED))
    null = _statsmodels_null_deviance(data["claims"], sm.families.Poisson(), offset)
    assert model.null_deviance_ == pytest.approx(null, rel=1e-10)
    by_hand = 1 - model.deviance_ / null
    assert model.summary().statistics()["D^2"] == pytest.approx(by_hand, rel=1e-10)
    assert model.score(data, data["claims"], exposure=data["exposure"]) == pytest.approx(by_hand, rel=1e-10)
    # The restricted factor is not credited to the model: the null without the
    # restricted offset (what score() used before) gives a much larger D^2.
    without = _statsmodels_null_deviance(data["claims"], sm.families.Poisson(), np.log(data["exposure"]))
    assert 1 - model.deviance_ / without > by_hand + 0.01


def test_tweedie_score_matches_the_summary_and_statsmodels_null():
    data = _book(seed=12)
    model = TweedieGLM(["use"], power=1.5, restrict={"region": RESTRICTED}).fit(
        data, data["amount"], exposure=data["exposure"]
    )
    rate = data["amount"] / data["exposure"]
    family = sm.families.Tweedie(var_power=1.5, link=sm.families.links.Log())
    null = _statsmodels_null_deviance(rate, family, np.log(data["region"].map(RESTRICTED)), data["exposure"])
    assert model.null_deviance_ == pytest.approx(null, rel=1e-9)
    d2 = model.score(data, data["amount"], exposure=data["exposure"])
    assert d2 == pytest.approx(1 - model.deviance_ / null, rel=1e-9)
    assert d2 == pytest.approx(model.summary().statistics()["D^2"], rel=1e-12)


def test_held_out_score_uses_the_held_out_offsets():
    train, test = _book(seed=13), _book(seed=14)
    model = FrequencyGLM(["use"], restrict={"region": RESTRICTED}).fit(
        train, train["claims"], exposure=train["exposure"]
    )
    offset = np.log(test["exposure"]) + np.log(test["region"].map(RESTRICTED))
    null = _statsmodels_null_deviance(test["claims"], sm.families.Poisson(), offset)
    mu = model.predict(test, exposure=test["exposure"])
    deviance = float(sm.families.Poisson().deviance(test["claims"].to_numpy(float), mu))
    assert model.score(test, test["claims"], exposure=test["exposure"]) == pytest.approx(1 - deviance / null, rel=1e-9)
