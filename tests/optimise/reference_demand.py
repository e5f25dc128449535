"""A reference demand model for the optimiser's tests: logit P = intercept[segment] + slope[segment] log(offered / last).

It implements the demand-model protocol of issue 14 exactly (``price_columns_``,
``feature_names_in_``, ``predict_retention`` on one price or a grid per row,
``log_linear_price_response``, ``reads_columns``, ``elasticity``), with the
coefficients known, so the tests' expectations are exact. ``fast=False``
hides the log-linear response, as a GBM would, so the optimiser's grid path is tested too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, SchemaError


class LogLinearRetention:
    def __init__(self, intercept: Mapping[str, float], slope: Mapping[str, float], *, segment: str = "region",
                 offered: str = "prem_final", last: str = "prem_last", extra: tuple[str, ...] = (),
                 fast: bool = True):  # fmt: skip
        self.intercept, self.slope, self.segment, self.fast = dict(intercept), dict(slope), segment, fast
        self.price_columns_ = {"offered": offered, "last": last}
        self.feature_names_in_ = [segment, *extra]
        self.factors_ = list(self.feature_names_in_)

    def reads_columns(self) -> set[str]:
        return {*self.feature_names_in_, *self.price_columns_.values()}

    def _check(self, X: pd.DataFrame, columns: list[str]) -> None:
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise SchemaError(DataIssue(", ".join(missing), "missing column", "the demand model's columns"))

    def _ab(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        self._check(X, [*self.feature_names_in_, self.price_columns_["last"]])
        seg = X[self.segment]
        alpha = seg.map(self.intercept).to_numpy(dtype=float)
        beta = seg.map(self.slope).to_numpy(dtype=float)
        last = self._price(X[self.price_columns_["last"]].to_numpy(dtype=float), self.price_columns_["last"], X)
        return alpha - beta * np.log(last), beta

    def _price(self, price: np.ndarray, column: str, X: pd.DataFrame) -> np.ndarray:
        bad = ~(np.isfinite(price) & (price > 0))
        if bad.any():
            rows = bad if bad.ndim == 1 else bad.any(axis=1)
            raise DataError(DataIssue.from_mask(column, "not a positive price", "finite prices > 0", rows, X.index))
        return price

    def log_linear_price_response(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        return self._ab(X) if self.fast else None

    def predict_retention(self, X: pd.DataFrame, price: np.ndarray | None = None) -> np.ndarray:
        a, b = self._ab(X)
        if price is None:
            self._check(X, [self.price_columns_["offered"]])
            price = X[self.price_columns_["offered"]].to_numpy(dtype=float)
        price = self._price(np.asarray(price, dtype=float), self.price_columns_["offered"], X)
        if price.ndim == 2:
            a, b = a[:, None], b[:, None]
        return 1.0 / (1.0 + np.exp(-(a + b * np.log(price))))

    def elasticity(self, X: pd.DataFrame, price: np.ndarray | None = None) -> np.ndarray:
        _, b = self._ab(X)
        return b * (1.0 - self.predict_retention(X, price))


def renewal_book(n: int, seed: int = 0) -> pd.DataFrame:
    """Synthetic renewals: last premium, technical premium, expected cost, a region with its own elasticity."""
    rng = np.random.default_rng(seed)
    last = np.round(rng.lognormal(np.log(500.0), 0.35, n), 2)
    technical = np.round(last * rng.lognormal(0.0, 0.12, n), 2)
    return pd.DataFrame({
        "policy_id": np.arange(n), "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
        "prem_last": last, "prem_pure": technical, "cost": technical * rng.uniform(0.6, 0.8, n),
    })  # fmt: skip


#: Retention 0.88 / 0.82 / 0.92 at last year's price; log-price slopes -4, -7, -2.5.
INTERCEPT = {"north": 2.0, "south": 1.5, "east": 2.4}
SLOPE = {"north": -4.0, "south": -7.0, "east": -2.5}


def reference_model(fast: bool = True) -> LogLinearRetention:
    return LogLinearRetention(INTERCEPT, SLOPE, fast=fast)
