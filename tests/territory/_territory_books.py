"""Located synthetic books shared by the territory tests (built once per seed)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from autorisk.datasets import synthetic_book

#: Policies per book: 30k policy-years, ``n_years=1`` (TPL claims only, about 70 per city).
N_POLICIES = 30_000


@functools.cache
def located_book(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(policies with claim_count, mu, true_spatial; city table)`` of a located book.

    ``mu`` is the true TPL expected count without the spatial relativity (the
    model "without the location"); ``claim_count`` counts TPL claims.
    """
    book = synthetic_book(N_POLICIES, n_years=1, seed=seed, locations=True)
    policies = book.policies
    tpl = book.claims.loc[book.claims["coverage"] == "tpl", "policy_id"].value_counts()
    cities = book.truth.locations
    policies = policies.assign(
        claim_count=policies["policy_id"].map(tpl).fillna(0).to_numpy(),
        mu=book.truth.frequency(policies, "tpl").to_numpy() * policies["exposure"].to_numpy(),
        true_spatial=policies["city"].map(cities["spatial_relativity"]).astype(float).to_numpy(),
    )
    return policies, cities


def weighted_corr(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted Pearson correlation."""
    x = np.asarray(x, dtype=float) - np.average(x, weights=w)
    y = np.asarray(y, dtype=float) - np.average(y, weights=w)
    return float(np.sum(w * x * y) / np.sqrt(np.sum(w * x * x) * np.sum(w * y * y)))
