"""synthetic_book(locations=...): the default book unchanged, the located one consistent with its truth."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from autorisk.datasets import synthetic_book
from autorisk.datasets.synthetic_locations import city_table, haversine_km
from autorisk.errors import DataError


def _fingerprint(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        values = column.cat.codes.to_numpy() if isinstance(column.dtype, pd.CategoricalDtype) else column.to_numpy()
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(values).view(np.uint8).tobytes())
    return digest.hexdigest()[:16]


# Fingerprints of the books of main before locations existed (commit 12e8df5).
@pytest.mark.parametrize(
    ("seed", "valuation", "policies_sha", "claims_sha"),
    [(0, None, "a04dd82ac3ea7cdc", "3c351f7c9ccf5a9a"), (7, "2022-09-30", "2817515680d06d61", "241381ac07880e3d")],
)
def test_default_book_is_bit_identical_to_before(seed, valuation, policies_sha, claims_sha) -> None:
    book = synthetic_book(2000, n_years=2, seed=seed, valuation_date=valuation)
    assert _fingerprint(book.policies) == policies_sha
    assert _fingerprint(book.claims) == claims_sha
    assert book.truth.locations is None
    pd.testing.assert_frame_equal(
        synthetic_book(2000, n_years=2, seed=seed, valuation_date=valuation, locations=False).policies,
        book.policies, check_exact=True,
    )  # fmt: skip


@pytest.mark.parametrize("seed", [0, 7])
def test_locations_only_add_columns_and_move_claims(seed: int) -> None:
    # One year: the policies are today's plus three columns (later years differ, as claims move lapses and NCD).
    plain = synthetic_book(3000, n_years=1, seed=seed)
    located = synthetic_book(3000, n_years=1, seed=seed, locations=True)
    policies = located.policies
    assert policies.columns[policies.columns.get_loc("region") + 1 : policies.columns.get_loc("region") + 4].tolist() == [
        "city", "lon", "lat",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(policies.drop(columns=["city", "lon", "lat"]), plain.policies, check_exact=True)
    cities = located.truth.locations
    # every city lies in its policy's region, coordinates from the table, a renewal keeps its city
    assert (cities.loc[policies["city"].astype(str), "region"].to_numpy() == policies["region"].to_numpy()).all()
    assert np.array_equal(cities.loc[policies["city"].astype(str), "lon"].to_numpy(), policies["lon"].to_numpy())
    assert not located.claims["policy_id"].equals(plain.claims["policy_id"])
    several = synthetic_book(3000, n_years=3, seed=seed, locations=True).policies
    assert several["renewal_count"].max() == 2
    assert (several.groupby("policy_id")["city"].nunique() == 1).all()  # a renewal keeps its city


def test_spatial_truth_is_smooth_bounded_and_drives_claims() -> None:
    cities = city_table()
    log_rel = np.log(cities["spatial_relativity"])
    assert log_rel.between(-0.3, 0.3).all() and log_rel.max() - log_rel.min() > 0.35
    # nearby cities (< 60 km) have close relativities: the truth is smooth
    d = haversine_km(cities["lon"].to_numpy()[:, None], cities["lat"].to_numpy()[:, None],
                     cities["lon"].to_numpy()[None, :], cities["lat"].to_numpy()[None, :])  # fmt: skip
    near = (d < 60) & (d > 0)
    assert near.any()
    assert np.abs(log_rel.to_numpy()[:, None] - log_rel.to_numpy()[None, :])[near].max() < 0.08
    # claims follow truth * spatial relativity: observed / expected per city tracks the relativity
    book = synthetic_book(40_000, n_years=1, seed=11, locations=True)
    p = book.policies
    counts = p["policy_id"].map(book.claims["policy_id"].value_counts()).fillna(0)
    mu = sum(book.truth.frequency(p, c) * (p["od_cover"] if c == "od" else 1) for c in ("ctpl", "tpl", "od"))
    mu = mu * p["exposure"]
    by_region = pd.DataFrame({"region": p["region"], "n": counts, "mu": mu,
                              "s": mu * p["city"].map(cities["spatial_relativity"]).astype(float)})  # fmt: skip
    g = by_region.groupby("region", observed=True)[["n", "mu", "s"]].sum()
    assert np.allclose(g["n"] / g["mu"], g["s"] / g["mu"], rtol=0.06)


def test_locations_must_be_a_bool() -> None:
    with pytest.raises(DataError, match="locations"):
        synthetic_book(100, n_years=1, locations="yes")
