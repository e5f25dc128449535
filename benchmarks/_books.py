"""The bundled books with claim counts, as the benchmarks read them, and their seeded train/test split.

Shared by ``models.py`` and ``accuracy.py`` (not a benchmark itself):

* ``norauto``, ``swmotorcycle``, ``ausprivauto0405``: the bundled books,
  policies with exposure > 0, 0/1 flags (``young``, ``male``) as categories;
* ``fremotor1``: ``fremotor1prem0304a`` joined to ``fremotor1freq0304a``
  by policy and year (policy-years listed twice dropped), the claim count
  summed over coverages, one year of exposure each, a missing job as the
  level ``"unknown"`` (marital status, missing on the same rows, and the
  marketing segment, the same partition as the garage, left out);
* ``synthetic``: :func:`autorisk.datasets.synthetic_book` aggregated to one
  row per policy period (every coverage's claims counted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autorisk.data import aggregate_claims
from autorisk.datasets import load, synthetic_book

#: Rating factors per book: every column that describes the risk (not the response, exposure or premium).
FACTORS = {
    "norauto": ["geo_region", "distance_limit", "young", "male"],
    "swmotorcycle": ["area", "risk_class", "vehicle_age", "owner_age", "bonus_class", "gender"],
    "ausprivauto0405": ["driver_age_group", "vehicle_age_group", "vehicle_body", "gender", "vehicle_value"],
    "fremotor1": ["driver_age", "gender", "bonus_malus", "licence_count", "payment_frequency",
                  "job_code", "vehicle_age", "vehicle_class", "vehicle_power", "fuel", "vehicle_usage", "garage",
                  "area", "region", "channel"],  # fmt: skip
    "synthetic": ["vehicle_type", "seats", "use", "vehicle_age", "new_car_price", "region", "driver_age", "gender",
                  "ncd_level", "channel", "od_cover"],  # fmt: skip
}


def load_book(name: str, synthetic_policies: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """One book with ``exposure`` > 0 and ``claim_count``; ``synthetic_policies`` and ``seed`` size the synthetic one."""
    if name == "synthetic":
        book = synthetic_book(synthetic_policies, 3, seed=seed)
        data = aggregate_claims(book.policies, book.claims, by_coverage=False)
        data = data.assign(od_cover=data["od_cover"].astype("category"))
    elif name == "fremotor1":
        premiums = load("fremotor1prem0304a")
        premiums = premiums[~premiums.duplicated(["policy_id", "year"], keep=False)]
        counts = load("fremotor1freq0304a").assign(policy_id=lambda d: d["policy_id"].astype(str))
        count_columns = [c for c in counts.columns if c.startswith("claims_")]
        counts = counts.assign(claim_count=counts[count_columns].sum(axis=1))[["policy_id", "year", "claim_count"]]
        counts = counts.groupby(["policy_id", "year"], as_index=False)["claim_count"].sum()
        data = premiums.merge(counts, on=["policy_id", "year"], how="left").assign(exposure=1.0)
        data["claim_count"] = data["claim_count"].fillna(0).astype(int)
        # The job is missing for two thirds of the policies: "unknown" is a level of its own. Marital status is
        # missing on exactly the same rows, so it is left out of the factors (its "unknown" would alias the job's).
        data = data.assign(job_code=data["job_code"].cat.add_categories("unknown").fillna("unknown"))
    else:
        data = load(name)
        # 0/1 flags are categories (one relativity per level), not numbers.
        data = data.assign(**{c: data[c].astype("category") for c in ("young", "male") if c in data})
    return data[data["exposure"] > 0].reset_index(drop=True)


#: Books listing a policy in two years: split by policy, so that no policy is on both sides (else a GBM learns
#: a policy's own claim propensity from its other year; the synthetic book draws claims with no policy effect).
POLICY_KEY = {"fremotor1": "policy_id"}


def split(data: pd.DataFrame, seed: int, test_share: float = 0.2,
          groups: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """A seeded random ``1 - test_share`` / ``test_share`` split of the rows, or of the values of column ``groups``."""
    rng = np.random.default_rng(seed)
    if groups is None:
        test = rng.random(len(data)) < test_share
    else:
        codes, uniques = pd.factorize(data[groups])
        test = (rng.random(len(uniques)) < test_share)[codes]
    return data[~test], data[test]


def ordered_as_rank(data: pd.DataFrame, features: list[str]) -> dict[str, pd.Series]:
    """Ordered categorical features (bands of a number, such as age groups) as their rank, for a GBM."""
    return {c: data[c].cat.codes for c in features
            if isinstance(data[c].dtype, pd.CategoricalDtype) and data[c].cat.ordered}  # fmt: skip
