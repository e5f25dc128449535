"""A categorical-by-numeric interaction's rows in the coefficient table are labelled by the level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from autorisk.models import FrequencyGLM


def test_a_level_slope_on_a_numeric_factor_is_labelled_by_its_level():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"area": rng.choice(["a", "b", "c"], 3000), "age": rng.uniform(18, 80, 3000)})
    rate = np.exp(-2 + 0.01 * X["age"] + np.where(X["area"] == "b", 0.02, 0.0) * X["age"])
    model = FrequencyGLM(["area", "age"], interactions=[("area", "age")], base_levels={"area": "a"}).fit(
        X, rng.poisson(rate), exposure=np.ones(3000)
    )
    rows = model.coef_table().loc["area:age"]
    # before the fix the labels were the coefficient names cut at the term's length ("ge", "ge")
    assert list(rows.index) == ["b", "c"]
    assert rows.loc["b", "coef"] == model.params_["area[b]:age"]
    assert rows.loc["c", "coef"] == model.params_["area[c]:age"]
