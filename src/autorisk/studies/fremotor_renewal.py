"""A renewal study on real data: French motor policies priced in 2003, re-scored for 2004.

Uses the bundled ``fremotor1`` books (CASdatasets): policies with their
attributes and premiums in 2003 and 2004, claim counts and claim payments.

1. The policies present in both years (one policy-year each; the few
   duplicated policy-years are dropped and counted).
2. A frequency-severity GLM pair on 2003 (all coverages' claims; payments
   capped at :data:`LARGE_LOSS_CAP` per claim), gender excluded (a plan
   built today must be gender-neutral in the EU) and refused by the plan.
3. A plan from the pair, whose base rate is set so that the plan's 2003
   premium equals the premium actually charged in 2003 (the rate level: the
   models give relativities, the book's own premium gives the level).
4. Renewal offers for 2004: the 2004 attributes (the insurer's updated
   bonus-malus among them) re-scored with that plan, capped against the
   2003 premium, within the new-business price.
5. The dislocation against the 2003 premium, and the offers set against the
   premiums actually charged in 2004.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from autorisk.datasets import load
from autorisk.models import FrequencyGLM, FrequencySeverity, SeverityGLM
from autorisk.rating import RatingPlan, coverage_from_pair
from autorisk.renewal.dislocation import Dislocation, dislocation
from autorisk.renewal.rescore import RenewalRules, renewal_offers

#: Claim payments are capped at this amount (EUR) per claim for the models.
LARGE_LOSS_CAP = 50_000.0
#: The rating structure fitted on 2003.
FREQUENCY_FACTORS = ["driver_age", "vehicle_age", "bonus_malus", "vehicle_class", "area", "fuel", "vehicle_usage"]
SEVERITY_FACTORS = ["vehicle_class", "vehicle_usage"]
BANDS = {"driver_age": [25, 30, 40, 50, 60, 70], "vehicle_age": [2, 5, 10], "bonus_malus": [51, 60, 80, 100]}


@dataclass
class FremotorRenewal:
    """The study's results.

    Attributes
    ----------
    plan : RatingPlan
        Built from 2003 and calibrated to the 2003 premium.
    book : DataFrame
        One row per policy present in both years: 2004 attributes,
        ``premium_2003``, ``premium_2004`` (charged) and the 2003 claims.
    offers : DataFrame
        :func:`~autorisk.renewal.renewal_offers` for 2004 (current premium = 2003's).
    dislocation : Dislocation
        Of the offers against the 2003 premium, by region.
    against_charged : DataFrame
        Offers against the premiums actually charged in 2004, by region.
    dropped_duplicates : int
        Policy-years listed twice in the premium table (dropped).
    """

    plan: RatingPlan
    book: pd.DataFrame
    offers: pd.DataFrame
    dislocation: Dislocation
    against_charged: pd.DataFrame
    dropped_duplicates: int


def fremotor_renewal(rules: RenewalRules | None = None) -> FremotorRenewal:
    """Run the study (a few seconds).

    Examples
    --------
    >>> study = fremotor_renewal()
    >>> len(study.offers) == len(study.book) > 19_000
    True
    """
    rules = rules or RenewalRules(max_increase=0.15, max_decrease=0.15)
    premiums = load("fremotor1prem0304a")
    duplicated = premiums.duplicated(["policy_id", "year"], keep=False)
    premiums = premiums[~duplicated]
    years = {year: frame.set_index("policy_id") for year, frame in premiums.groupby("year")}
    both = years[2003].index.intersection(years[2004].index)
    experience = _experience_2003(years[2003].loc[both])

    pair = FrequencySeverity(
        FrequencyGLM(FREQUENCY_FACTORS, bands=BANDS),
        SeverityGLM(SEVERITY_FACTORS),
    ).fit(experience, experience["claim_count"], experience["claim_amount"], exposure=experience["exposure"])
    coverage = coverage_from_pair(pair, "all")
    # Rate level: the relativities from the models, the level from the premium charged in 2003.
    draft = RatingPlan("fremotor 2004", "1", (coverage,), prohibited_columns=("gender",))
    level = experience["premium_2003"].sum() / draft.quote(experience, breakdown=False)["premium_total"].sum()
    coverage = dataclasses.replace(coverage, base_rate=coverage.base_rate * level, rounding=0.01)
    plan = RatingPlan("fremotor 2004", "1", (coverage,), effective_from="2004-01-01", prohibited_columns=("gender",))

    book = years[2004].loc[both].assign(premium_2003=years[2003].loc[both, "premium_total"],
                                         premium_2004=years[2004].loc[both, "premium_total"])  # fmt: skip
    book = book.reset_index()
    offers = renewal_offers(book, plan, rules=rules, current_premium="premium_2003", keep=("policy_id", "region"))
    offers["premium_2004_charged"] = book["premium_2004"].to_numpy()
    charged = offers.groupby("region", observed=True).agg(
        policies=("offered_premium", "size"), premium_2003=("current_premium", "sum"),
        charged_2004=("premium_2004_charged", "sum"), offered_2004=("offered_premium", "sum"),
    )  # fmt: skip
    total = charged.sum().rename("(all)")
    charged = pd.concat([total.to_frame().T, charged])
    charged["charged_change"] = charged["charged_2004"] / charged["premium_2003"] - 1
    charged["offered_change"] = charged["offered_2004"] / charged["premium_2003"] - 1
    charged["offered_vs_charged"] = charged["offered_2004"] / charged["charged_2004"] - 1
    return FremotorRenewal(plan, book, offers, dislocation(offers, by="region"), charged, int(duplicated.sum()))


def _experience_2003(policies: pd.DataFrame) -> pd.DataFrame:
    """2003 policy-years with their claim count and capped payments (one year of exposure each)."""
    counts = load("fremotor1freq0304a")
    counts = counts[counts["year"] == 2003].assign(policy_id=lambda d: d["policy_id"].astype(str))
    count_columns = [c for c in counts.columns if c.startswith("claims_")]
    claim_count = counts.set_index("policy_id")[count_columns].sum(axis=1)
    payments = load("fremotor1sev0304a")
    payments = payments[payments["occurrence_date"].dt.year == 2003]
    amount = payments.assign(payment=np.minimum(payments["payment"].astype(float), LARGE_LOSS_CAP)).groupby(
        payments["policy_id"].astype(str))["payment"].sum()  # fmt: skip
    out = policies.assign(
        exposure=1.0,
        claim_count=claim_count.reindex(policies.index, fill_value=0).to_numpy(),
        claim_amount=amount.reindex(policies.index, fill_value=0.0).to_numpy(),
        premium_2003=policies["premium_total"],
    )
    # Severity needs an amount wherever there is a claim: claims counted without a payment are dropped from it.
    return out.assign(claim_count=np.where((out["claim_count"] > 0) & (out["claim_amount"] <= 0), 0, out["claim_count"]))
