"""Synthetic renewals with a known logistic demand: the truth the demand tests compare against.

``logit P(renew) = intercept + region effect + slope[age] * log(offered / last)
(+ market slope * log(offered / market))``, offered prices drawn around the
technical premium, which itself moves around last year's premium.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SLOPES = {"young": -6.0, "mid": -3.0, "old": -1.5}
INTERCEPT = 1.5
REGION = {"n": 0.0, "s": 0.4}


def renewal_book(n: int = 20_000, seed: int = 0, slopes: dict[str, float] | None = None, market_slope: float = 0.0):
    """``(X, renewed, logit)``: the table, the 0/1 outcome and the true logit per row."""
    slopes = dict(SLOPES if slopes is None else slopes)
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.choice(list(slopes), n),
        "region": rng.choice(list(REGION), n),
        "last": rng.uniform(300.0, 900.0, n),
    })
    X["technical"] = X["last"] * np.exp(rng.normal(0.0, 0.05, n))
    X["offered"] = X["technical"] * np.exp(rng.normal(0.0, 0.1, n))
    X["market"] = X["offered"] * np.exp(rng.normal(0.0, 0.1, n))
    logit = (INTERCEPT + X["region"].map(REGION) + X["age"].map(slopes) * np.log(X["offered"] / X["last"])
             + market_slope * np.log(X["offered"] / X["market"])).to_numpy()
    renewed = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return X, renewed, logit
