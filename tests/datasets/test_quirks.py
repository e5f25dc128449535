"""The data quirks data/README.md declares hold in the bundled files (a loader edits nothing)."""

import pandas as pd

from autorisk.datasets import load


def test_bodily_injury_claims_are_finalised_from_july_1993_only():
    claims = load("ausautoBI8999")
    assert claims["finalisation_date"].min() == pd.Timestamp("1993-07-01")
    assert claims["accident_date"].min() == pd.Timestamp("1989-07-01")


def test_french_books_repeat_policy_years_and_claim_ids():
    premiums, payments = load("fremotor1prem0304a"), load("fremotor1sev0304a")
    repeated = premiums[premiums.duplicated(["policy_id", "year"], keep=False)]
    assert len(repeated) == 12 and repeated["policy_id"].nunique() == 6
    assert payments["claim_id"].duplicated(keep=False).sum() == 510
    in_2004 = payments[payments["occurrence_date"].dt.year == 2004]
    rated_2004 = set(premiums.loc[premiums["year"] == 2004, "policy_id"])
    assert (~in_2004["policy_id"].isin(rated_2004)).sum() == 1314
